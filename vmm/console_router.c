// SPDX-License-Identifier: GPL-2.0-only
/*
 * Console routing: the guest's output to the log and one primary sink, and
 * the input from the primary sink's fd (vmm/console_router.h).
 *
 * Threads: writers (vCPU threads, the main thread's help text) hold
 * r->lock for the whole write; the main thread changes sinks under it.
 * That is what makes a detach safe: the client's fd is taken out under the
 * lock and closed after it, when no writer can hold the old number.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/console_router.h"

void console_router_init(struct console_router *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->term_fd = r->log_fd = r->pty_fd = r->client_fd = -1;
}

void console_router_destroy(struct console_router *r)
{
	console_router_detach_client(r);
	if (r->log_fd >= 0)
		close(r->log_fd);
	r->log_fd = -1;
	pthread_mutex_destroy(&r->lock);
}

void console_router_set_term(struct console_router *r, int fd)
{
	pthread_mutex_lock(&r->lock);
	r->term_fd = fd;
	pthread_mutex_unlock(&r->lock);
}

void console_router_set_log(struct console_router *r, int fd)
{
	int old;

	pthread_mutex_lock(&r->lock);
	old = r->log_fd;
	r->log_fd = fd;
	pthread_mutex_unlock(&r->lock);
	if (old >= 0 && old != fd)
		close(old);
}

void console_router_set_pty(struct console_router *r, int fd)
{
	pthread_mutex_lock(&r->lock);
	r->pty_fd = fd;
	r->pty_connected = false;
	pthread_mutex_unlock(&r->lock);
}

void console_router_pty_connected(struct console_router *r, bool connected)
{
	pthread_mutex_lock(&r->lock);
	r->pty_connected = connected;
	pthread_mutex_unlock(&r->lock);
}

bool console_router_attach_client(struct console_router *r, int fd)
{
	bool ok;

	pthread_mutex_lock(&r->lock);
	ok = r->client_fd < 0;
	if (ok)
		r->client_fd = fd;
	pthread_mutex_unlock(&r->lock);
	return ok;
}

bool console_router_detach_client(struct console_router *r)
{
	int fd;

	pthread_mutex_lock(&r->lock);
	fd = r->client_fd;
	r->client_fd = -1;
	pthread_mutex_unlock(&r->lock);
	/* No writer holds fd now: the number may be reused the moment it is closed. */
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

bool console_router_attached(const struct console_router *r)
{
	return r->client_fd >= 0;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* stdout gone (closed pipe): the guest's output has nowhere to go. */
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * A socket or pty somebody may not be reading: never stall the vCPU that
 * transmits; what does not fit now is dropped (the log has it).
 */
static void write_nonblock(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, buf, len); /* a pty master, opened O_NONBLOCK */
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void console_router_set_tap(struct console_router *r,
			    void (*fn)(void *ctx, const uint8_t *buf, size_t len), void *ctx)
{
	pthread_mutex_lock(&r->lock);
	r->tap = fn;
	r->tap_ctx = ctx;
	pthread_mutex_unlock(&r->lock);
}

void console_router_write(struct console_router *r, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&r->lock);
	if (r->tap)
		r->tap(r->tap_ctx, buf, len);
	if (r->log_fd >= 0)
		write_all(r->log_fd, buf, len);
	if (r->client_fd >= 0)
		write_nonblock(r->client_fd, buf, len);
	else if (r->pty_fd >= 0 && r->pty_connected)
		write_nonblock(r->pty_fd, buf, len);
	else if (r->term_fd >= 0)
		write_all(r->term_fd, buf, len);
	pthread_mutex_unlock(&r->lock);
}

int console_router_input_fd(const struct console_router *r)
{
	if (r->client_fd >= 0 || r->on_socket)
		return r->client_fd;
	if (r->pty_fd >= 0)
		return r->pty_connected ? r->pty_fd : -1;
	return r->term_eof ? -1 : STDIN_FILENO;
}

void console_router_input_ended(struct console_router *r, int fd)
{
	if (fd < 0)
		return;
	if (fd == r->client_fd)
		console_router_detach_client(r); /* the client left; the guest runs on */
	else if (fd == r->pty_fd)
		console_router_pty_connected(r, false); /* EIO: the slave's last user left */
	else
		r->term_eof = true;
}

size_t console_router_input(struct console_router *r, int fd, const uint8_t *in, size_t n,
			    uint8_t *out, size_t *consumed, enum console_action *act)
{
	/* Escapes only on vmm's own raw terminal; a client handles its own. */
	if (r->escapes && fd == STDIN_FILENO && fd != r->client_fd && fd != r->pty_fd)
		return console_escape(&r->esc, in, n, out, consumed, act);
	memcpy(out, in, n);
	*consumed = n;
	*act = CONSOLE_NONE;
	return n;
}

/* The router console_write() goes through; NULL: plain stdout (vmm console). */
static _Atomic(struct console_router *) installed;

void console_router_install(struct console_router *r)
{
	atomic_store(&installed, r);
}

void console_write(const uint8_t *buf, size_t len)
{
	struct console_router *r = atomic_load(&installed);

	if (r)
		console_router_write(r, buf, len);
	else
		write_all(STDOUT_FILENO, buf, len);
}
