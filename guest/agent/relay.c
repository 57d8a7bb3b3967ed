// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frames <-> CMD's stdio, in one poll loop that never blocks on either
 * side: hvc0 is read only while the stdin queue can take whatever the read
 * may complete (so a CMD that does not read its stdin pushes back on vmm),
 * and CMD's output is read only while the queue to vmm has room for one
 * more data frame (so a stalled host pushes back on CMD). After CMD exits
 * its output is drained to EOF (a pty's master: to EIO) before EXIT.
 */
#include "guest/agent/agent.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

bool agent_send(struct agent *a, enum cmd_frame_type type, const void *data, size_t len)
{
	uint8_t hdr[CMD_FRAME_HDR];

	if (byteq_room(&a->to_host) < CMD_FRAME_HDR + len || !cmd_frame_header(hdr, type, len))
		return false;
	byteq_push(&a->to_host, hdr, sizeof(hdr));
	byteq_push(&a->to_host, data, len);
	return true;
}

/* Write what hvc0 takes now. A hard error means vmm's side is gone: nobody
 * is left to report to, so the VM ends. */
static void flush_some(struct agent *a)
{
	while (byteq_len(&a->to_host)) {
		ssize_t n = write(a->hvc, byteq_data(&a->to_host), byteq_len(&a->to_host));

		if (n > 0) {
			byteq_consume(&a->to_host, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		agent_poweroff();
	}
}

int agent_flush_blocking(struct agent *a)
{
	while (byteq_len(&a->to_host)) {
		struct pollfd p = { .fd = a->hvc, .events = POLLOUT };
		ssize_t n = write(a->hvc, byteq_data(&a->to_host), byteq_len(&a->to_host));

		if (n > 0) {
			byteq_consume(&a->to_host, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -1;
		poll(&p, 1, -1);
	}
	return 0;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void on_frame(void *ctx, enum cmd_frame_type type, const uint8_t *payload, size_t len)
{
	struct agent *a = ctx;
	char why[160];

	if (a->failed)
		return;
	switch (type) {
	case CMD_SPEC:
		if (a->have_spec) {
			agent_fail(a, "vmm's stream: a second SPEC");
		} else if (cmd_spec_decode(payload, len, &a->spec, why, sizeof(why))) {
			agent_fail(a, "SPEC: %s", why);
		} else {
			a->have_spec = true;
			a->tty = a->spec.tty;
		}
		return;
	case CMD_STDIN:
		if (!a->have_spec)
			agent_fail(a, "vmm's stream: STDIN before SPEC");
		else if (len == 0)
			a->stdin_eof = true;
		else if (a->stdin_eof || a->stdin_gone)
			return; /* nobody will read it */
		else if (!byteq_push(&a->to_cmd, payload, len))
			agent_fail(a, "vmm's stream: a STDIN frame of %zu bytes overflows the agent's buffer",
				   len);
		return;
	case CMD_WINSIZE:
		if (!a->have_spec)
			return;
		a->spec.rows = get_le16(payload);
		a->spec.cols = get_le16(payload + 2);
		if (a->tty && a->in_fd >= 0) {
			struct winsize ws = { .ws_row = a->spec.rows, .ws_col = a->spec.cols };

			ioctl(a->in_fd, TIOCSWINSZ, &ws);
		}
		return;
	default:
		agent_fail(a, "vmm's stream: a frame of type %d, which only the guest sends", type);
		return;
	}
}

static bool can_read_hvc(const struct agent *a)
{
	return !a->hvc_in_done && !a->failed &&
	       byteq_room(&a->to_cmd) >= CMD_PROTO_MAX + AGENT_READ_CHUNK;
}

static void read_hvc(struct agent *a)
{
	static uint8_t buf[AGENT_READ_CHUNK];
	ssize_t n = read(a->hvc, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		a->hvc_in_done = true; /* hung up: vmm ends the VM, or EXIT will */
		return;
	}
	if (cmd_decoder_feed(&a->dec, buf, (size_t)n, on_frame, a) < 0)
		agent_fail(a, "vmm's stream: %s", a->dec.why);
}

int agent_wait_spec(struct agent *a)
{
	while (!a->have_spec && !a->failed) {
		struct pollfd p = { .fd = a->hvc, .events = POLLIN };

		if (a->hvc_in_done) {
			agent_fail(a, "/dev/hvc0: vmm hung up before sending SPEC");
			break;
		}
		if (poll(&p, 1, -1) > 0)
			read_hvc(a);
	}
	return a->failed ? -1 : 0;
}

void agent_reap(struct agent *a)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(a->sigfd, &si, sizeof(si)) > 0)
		;
	/* PID 1 inherits every orphan: reap them all, note CMD's status. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == a->pid && !a->exited) {
			a->exited = true;
			a->wstatus = status;
		}
	}
}

static void close_stdin(struct agent *a)
{
	a->stdin_gone = true;
	byteq_clear(&a->to_cmd);
	if (!a->tty && a->in_fd >= 0)
		close(a->in_fd);
	a->in_fd = a->tty ? a->in_fd : -1;
}

/* The pty master gave EIO (or a pipe EOF): that output stream has ended. */
static void close_output(struct agent *a, int *fd)
{
	if (a->tty) {
		close(a->out_fd);
		a->out_fd = a->in_fd = -1;
		a->stdin_gone = true;
		byteq_clear(&a->to_cmd);
		return;
	}
	close(*fd);
	*fd = -1;
}

static void write_stdin(struct agent *a)
{
	ssize_t n = write(a->in_fd, byteq_data(&a->to_cmd), byteq_len(&a->to_cmd));

	if (n > 0)
		byteq_consume(&a->to_cmd, (size_t)n);
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		close_stdin(a); /* EPIPE: CMD closed its stdin; EIO: the pty went */
}

static void read_output(struct agent *a, int *fd, enum cmd_frame_type type)
{
	static uint8_t buf[CMD_PROTO_DATA_MAX];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0)
		agent_send(a, type, buf, (size_t)n); /* room was checked before poll */
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		close_output(a, fd);
}

void agent_relay(struct agent *a)
{
	const size_t frame_room = CMD_FRAME_HDR + CMD_PROTO_DATA_MAX;

	for (;;) {
		struct pollfd p[5];
		bool out_room;

		if (a->failed)
			return;
		if (!a->tty && a->stdin_eof && !byteq_len(&a->to_cmd) && a->in_fd >= 0)
			close_stdin(a);
		if (a->exited && a->out_fd < 0 && a->err_fd < 0) {
			/* Everything CMD wrote is queued; EXIT follows it. */
			return;
		}
		out_room = byteq_room(&a->to_host) >= frame_room;
		p[0] = (struct pollfd){ .fd = a->hvc,
					.events = (short)((can_read_hvc(a) ? POLLIN : 0) |
							  (byteq_len(&a->to_host) ? POLLOUT : 0)) };
		p[1] = (struct pollfd){ .fd = byteq_len(&a->to_cmd) ? a->in_fd : -1,
					.events = POLLOUT };
		p[2] = (struct pollfd){ .fd = out_room ? a->out_fd : -1, .events = POLLIN };
		p[3] = (struct pollfd){ .fd = out_room ? a->err_fd : -1, .events = POLLIN };
		p[4] = (struct pollfd){ .fd = a->sigfd, .events = POLLIN };
		if (!p[0].events)
			p[0].fd = -1;
		if (poll(p, 5, -1) < 0)
			continue;
		if (p[0].revents & POLLOUT)
			flush_some(a);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && can_read_hvc(a))
			read_hvc(a);
		if (p[1].revents && a->in_fd >= 0 && byteq_len(&a->to_cmd))
			write_stdin(a);
		if (p[2].revents && a->out_fd >= 0)
			read_output(a, &a->out_fd, CMD_STDOUT);
		if (p[3].revents && a->err_fd >= 0 && byteq_room(&a->to_host) >= frame_room)
			read_output(a, &a->err_fd, CMD_STDERR);
		if (p[4].revents)
			agent_reap(a);
		flush_some(a);
	}
}
