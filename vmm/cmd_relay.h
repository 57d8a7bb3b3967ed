/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CMD_RELAY_H
#define VMM_CMD_RELAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd_proto.h"

/*
 * Command mode's protocol relay (include/cmd_proto.h): the host end of the
 * agent's channel. Frames from the guest (fed in any pieces by the
 * console-io thread) become CMD's stdout and stderr, HELLO is answered with
 * the SPEC and EXIT ends the VM; host input becomes STDIN frames, its end a
 * 0-length STDIN, a terminal's size a WINSIZE frame.
 *
 * Bytes for the guest wait in a queue until the channel takes them
 * (ops.to_guest may accept part); the queue is retried on every call and on
 * cmd_relay_guest_ready (the channel's rx_ready). Host input is refused
 * (cmd_relay_stdin returns 0) until the SPEC is queued and while the queue
 * holds more than one data frame: the caller then waits for ops.wake_input,
 * which is how a guest not reading pushes back on vmm's stdin.
 *
 * A malformed stream (what cmd_decoder refuses, a frame only vmm sends, a
 * HELLO of another version, an unknown EXIT kind) marks the relay broken
 * with a cause and ends the VM; so does EXIT. Anything the guest sends
 * after that is ignored.
 *
 * Threads: cmd_relay_from_guest on one thread (console-io); the input
 * functions on another (main); cmd_relay_guest_ready on either. The queue
 * is under r->lock, which is held while calling ops.to_guest (the
 * console's own lock nests inside). Output is written without the lock.
 */
struct cmd_relay_ops {
	/* Offer bytes to the guest's channel; returns how many it took. */
	size_t (*to_guest)(void *ctx, const uint8_t *buf, size_t len);
	/* The relay takes host input again (it refused some before). */
	void (*wake_input)(void *ctx);
	/* EXIT arrived or the stream broke: end the VM now. */
	void (*end)(void *ctx);
	void *ctx;
};

struct cmd_relay {
	pthread_mutex_t lock;
	struct cmd_relay_ops ops;
	int out_fd, err_fd;          /* CMD's stdout and stderr go here */
	struct cmd_decoder dec;      /* console-io thread only */
	uint8_t *spec;               /* the SPEC payload (owned) */
	size_t spec_len;
	uint8_t *q;                  /* bytes for the guest, q[qoff..qlen) pending */
	size_t qcap, qoff, qlen;
	bool hello, spec_queued, eof_pending, eof_queued, input_refused;
	bool tty;                    /* WINSIZE frames are sent */
	/* The outcome, set once (ended), read after the VM stopped. */
	bool ended, exited, broken;
	uint8_t how, value;
	char msg[CMD_EXIT_MSG_MAX + 1]; /* EXIT's message, or why it broke */
};

/*
 * cmd_relay_init - a relay that answers HELLO with spec[0..spec_len)
 * (taken over: freed by cmd_relay_fini) and writes CMD's output to out_fd
 * and err_fd. Returns 0, or -1 when memory ran out (nothing kept).
 */
int cmd_relay_init(struct cmd_relay *r, const struct cmd_relay_ops *ops, int out_fd, int err_fd,
		   uint8_t *spec, size_t spec_len, bool tty);
void cmd_relay_fini(struct cmd_relay *r);

/* cmd_relay_from_guest - the guest sent buf[0..len). */
void cmd_relay_from_guest(struct cmd_relay *r, const uint8_t *buf, size_t len);

/* cmd_relay_guest_ready - the channel has room again: send what waits. */
void cmd_relay_guest_ready(struct cmd_relay *r);

/*
 * cmd_relay_stdin - host input buf[0..len) for CMD's stdin; returns how
 * much was taken (0: wait for ops.wake_input). cmd_relay_stdin_eof - the
 * input ended (sent after everything taken before). cmd_relay_winsize -
 * the host terminal's size (tty mode only; before the SPEC it is dropped:
 * the SPEC carries the size).
 */
size_t cmd_relay_stdin(struct cmd_relay *r, const uint8_t *buf, size_t len);
void cmd_relay_stdin_eof(struct cmd_relay *r);
void cmd_relay_winsize(struct cmd_relay *r, uint16_t rows, uint16_t cols);

#endif
