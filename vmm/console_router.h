/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CONSOLE_ROUTER_H
#define VMM_CONSOLE_ROUTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/console.h"

/*
 * Where the guest's console goes and where its input comes from: the one
 * place that knows vmm's terminal, --console-log, --console-pty and an
 * attached `vmm console` client.
 *
 * Output (console_router_write): the log first and whole (it is the
 * record, whoever is attached), then one primary sink: the attached client
 * if any, else the pty while a program has its slave open, else the
 * terminal (vmm's stdout; none when detached or on a pty). The terminal
 * gets all of it (it may block); the client and the pty get what fits now
 * and the rest is dropped: a vCPU never stalls on somebody not reading.
 * A sink that fails (a closed pipe, a client gone) loses the bytes; the
 * others still get them.
 *
 * Input (console_router_input_fd, console_router_input): the primary
 * sink's own fd, and the Ctrl-A escape (include vmm/console.h) on vmm's raw
 * terminal only; a client handles its own escapes.
 *
 * Threads and locking: console_router_write runs on any thread (vCPU
 * threads call it under the UART's lock) and holds r->lock while it
 * writes; r->lock is a leaf (nothing is called with it held). Every other
 * function is for the main thread; those that change a sink take r->lock,
 * so when console_router_detach_client returns no writer can still be
 * using the client's fd, and only then is it closed (its number may be
 * reused at once by the next accepted connection).
 */
struct console_router {
	pthread_mutex_t lock;
	int term_fd;         /* blocking; -1: none. Not owned */
	int log_fd;          /* --console-log; -1: none. Owned */
	int pty_fd;          /* the pty master (O_NONBLOCK); -1: none. Not owned */
	bool pty_connected;  /* a program has the pty's slave open */
	int client_fd;       /* an attached `vmm console` socket; -1: none. Owned */
	bool on_socket;      /* input comes only from an attached client (--detach) */
	bool escapes;        /* the terminal is raw: Ctrl-A escapes apply */
	bool term_eof;       /* the terminal's input ended */
	struct console_esc esc;
	/* Command mode: every byte also goes here (its ring of the kernel's lines). */
	void (*tap)(void *ctx, const uint8_t *buf, size_t len);
	void *tap_ctx;
};

/* console_router_init - no sinks at all: term_fd, log_fd, pty_fd, client_fd -1. */
void console_router_init(struct console_router *r);

/*
 * console_router_destroy - close what the router owns (log, client). No
 * writer may run any more; uninstall it first if installed.
 */
void console_router_destroy(struct console_router *r);

/*
 * console_router_set_term / _set_log / _set_pty - the terminal (fd, or -1),
 * the log (the router owns it from now on), the pty master (or -1; starts
 * disconnected). Main thread, before or while writers run.
 */
void console_router_set_term(struct console_router *r, int fd);
void console_router_set_log(struct console_router *r, int fd);
void console_router_set_pty(struct console_router *r, int fd);

/*
 * console_router_pty_connected - a program opened (true) or closed (false)
 * the pty's slave. Main thread.
 */
void console_router_pty_connected(struct console_router *r, bool connected);

/*
 * console_router_attach_client - fd (a connected socket) becomes the
 * console; the router owns it. Returns false, taking nothing, when a
 * client is already attached. console_router_detach_client - close the
 * client's fd once no writer can use it; false when none was attached.
 * console_router_attached - whether a client is attached. Main thread.
 */
bool console_router_attach_client(struct console_router *r, int fd);
bool console_router_detach_client(struct console_router *r);
bool console_router_attached(const struct console_router *r);

/*
 * console_router_set_tap - fn(ctx, ...) sees every byte written from now on,
 * under r->lock (fn must not block); NULL: none. Any thread.
 */
void console_router_set_tap(struct console_router *r,
			    void (*fn)(void *ctx, const uint8_t *buf, size_t len), void *ctx);

/* console_router_write - the guest printed buf; see above. Any thread. */
void console_router_write(struct console_router *r, const uint8_t *buf, size_t len);

/*
 * console_router_input_fd - the fd console input is read from now, or -1:
 * the attached client; none while on the socket without one; the pty
 * while connected (none otherwise); else stdin until it ended.
 * console_router_input_ended - that fd read EOF or an error: a client is
 * detached, a pty counts as disconnected, stdin as ended. Main thread.
 */
int console_router_input_fd(const struct console_router *r);
void console_router_input_ended(struct console_router *r, int fd);

/*
 * console_router_input - n bytes read from fd: the bytes for the guest go
 * to out (room for 2 * n) and their count is returned. On vmm's raw
 * terminal the Ctrl-A escape applies, the state carrying over between
 * calls: it stops at the first action (*act, CONSOLE_NONE otherwise) with
 * *consumed the bytes of in used; the caller acts and calls again with the
 * rest. Elsewhere every byte passes. Main thread.
 */
size_t console_router_input(struct console_router *r, int fd, const uint8_t *in, size_t n,
			    uint8_t *out, size_t *consumed, enum console_action *act);

/*
 * console_router_install - console_write() (vmm/console.h) goes through r
 * from now on (NULL: back to plain stdout). Call before writers run and
 * uninstall after they stopped.
 */
void console_router_install(struct console_router *r);

#endif
