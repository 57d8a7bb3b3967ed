// SPDX-License-Identifier: GPL-2.0-only
/* Command mode's protocol relay: guest frames to stdio, host input to frames. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/cmd_relay.h"

/* One data frame may wait beyond what the guest took: enough to stream. */
#define INPUT_SLACK (CMD_FRAME_HDR + CMD_PROTO_DATA_MAX)
/* Room for the SPEC, two data frames and the small frames around them. */
#define QUEUE_EXTRA (4 * INPUT_SLACK)

int cmd_relay_init(struct cmd_relay *r, const struct cmd_relay_ops *ops, int out_fd, int err_fd,
		   uint8_t *spec, size_t spec_len, bool tty)
{
	memset(r, 0, sizeof(*r));
	r->qcap = CMD_FRAME_HDR + spec_len + QUEUE_EXTRA;
	r->q = malloc(r->qcap);
	if (!r->q)
		return -1;
	pthread_mutex_init(&r->lock, NULL);
	r->ops = *ops;
	r->out_fd = out_fd;
	r->err_fd = err_fd;
	r->spec = spec;
	r->spec_len = spec_len;
	r->tty = tty;
	cmd_decoder_init(&r->dec);
	return 0;
}

void cmd_relay_fini(struct cmd_relay *r)
{
	if (!r->q)
		return;
	cmd_decoder_free(&r->dec);
	pthread_mutex_destroy(&r->lock);
	free(r->q);
	free(r->spec);
	r->q = NULL;
	r->spec = NULL;
}

static size_t pending(const struct cmd_relay *r)
{
	return r->qlen - r->qoff;
}

/* Append one frame if it fits (lock held); false when it does not. */
static bool queue_frame(struct cmd_relay *r, enum cmd_frame_type type, const uint8_t *p,
			size_t len)
{
	if (r->qoff) {
		memmove(r->q, r->q + r->qoff, pending(r));
		r->qlen -= r->qoff;
		r->qoff = 0;
	}
	if (r->qcap - r->qlen < CMD_FRAME_HDR + len)
		return false;
	cmd_frame_header(r->q + r->qlen, type, len);
	if (len)
		memcpy(r->q + r->qlen + CMD_FRAME_HDR, p, len);
	r->qlen += CMD_FRAME_HDR + len;
	return true;
}

/* Offer the queue to the guest (lock held); true when input may flow again. */
static bool flush(struct cmd_relay *r)
{
	if (pending(r) && r->ops.to_guest) {
		size_t n = r->ops.to_guest(r->ops.ctx, r->q + r->qoff, pending(r));

		r->qoff += n > pending(r) ? pending(r) : n;
	}
	if (!pending(r))
		r->qoff = r->qlen = 0;
	if (r->input_refused && r->spec_queued && pending(r) <= INPUT_SLACK) {
		r->input_refused = false;
		return true;
	}
	return false;
}

static void flush_and_wake(struct cmd_relay *r)
{
	bool wake;

	pthread_mutex_lock(&r->lock);
	wake = flush(r);
	pthread_mutex_unlock(&r->lock);
	if (wake && r->ops.wake_input)
		r->ops.wake_input(r->ops.ctx);
}

/* Every byte, or none once the reader is gone: a closed pipe loses output. */
static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* The conversation is over (console-io thread): record it, end the VM. */
static void finish(struct cmd_relay *r, bool broken, const char *fmt, const char *arg)
{
	if (r->ended)
		return;
	r->broken = broken;
	r->exited = !broken;
	snprintf(r->msg, sizeof(r->msg), fmt, arg);
	r->ended = true;
	if (r->ops.end)
		r->ops.end(r->ops.ctx);
}

static void on_frame(void *ctx, enum cmd_frame_type type, const uint8_t *p, size_t len)
{
	struct cmd_relay *r = ctx;
	char why[64];
	uint32_t version;
	size_t mlen;

	if (r->ended)
		return;
	switch (type) {
	case CMD_HELLO:
		version = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			  (uint32_t)p[3] << 24;
		if (r->hello || version != CMD_PROTO_VERSION) {
			snprintf(why, sizeof(why), r->hello ? "a second HELLO" :
				 "protocol version %u, vmm speaks %u", version, CMD_PROTO_VERSION);
			finish(r, true, "%s", why);
			return;
		}
		r->hello = true;
		pthread_mutex_lock(&r->lock);
		r->spec_queued = queue_frame(r, CMD_SPEC, r->spec, r->spec_len);
		if (r->spec_queued && r->eof_pending)
			r->eof_queued = queue_frame(r, CMD_STDIN, NULL, 0);
		pthread_mutex_unlock(&r->lock);
		flush_and_wake(r);
		return;
	case CMD_STDOUT:
		write_all(r->out_fd, p, len);
		return;
	case CMD_STDERR:
		write_all(r->err_fd, p, len);
		return;
	case CMD_EXIT:
		if (p[0] > CMD_SETUP) {
			snprintf(why, sizeof(why), "EXIT of unknown kind %u", p[0]);
			finish(r, true, "%s", why);
			return;
		}
		r->how = p[0];
		r->value = p[1];
		/* The message is the agent's text: keep it to one printable line. */
		mlen = len - 4;
		for (size_t i = 0; i < mlen; i++)
			r->msg[i] = p[4 + i] >= 0x20 && p[4 + i] < 0x7f ? (char)p[4 + i] : ' ';
		r->msg[mlen] = 0;
		r->broken = false;
		r->exited = true;
		r->ended = true;
		if (r->ops.end)
			r->ops.end(r->ops.ctx);
		return;
	default: /* SPEC, STDIN, WINSIZE: only vmm sends those */
		snprintf(why, sizeof(why), "unexpected frame type %u from the guest", type);
		finish(r, true, "%s", why);
		return;
	}
}

void cmd_relay_from_guest(struct cmd_relay *r, const uint8_t *buf, size_t len)
{
	if (r->ended)
		return;
	if (cmd_decoder_feed(&r->dec, buf, len, on_frame, r) && !r->ended)
		finish(r, true, "%s", r->dec.why);
}

void cmd_relay_guest_ready(struct cmd_relay *r)
{
	flush_and_wake(r);
}

size_t cmd_relay_stdin(struct cmd_relay *r, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&r->lock);
	flush(r);
	if (r->spec_queued && !r->eof_queued && pending(r) <= INPUT_SLACK) {
		n = len < CMD_PROTO_DATA_MAX ? len : CMD_PROTO_DATA_MAX;
		if (n && queue_frame(r, CMD_STDIN, buf, n))
			flush(r);
		else
			n = 0;
	} else if (r->eof_queued) {
		n = len; /* input after its end goes nowhere */
	}
	if (n < len && !r->eof_queued)
		r->input_refused = true;
	pthread_mutex_unlock(&r->lock);
	return n;
}

void cmd_relay_stdin_eof(struct cmd_relay *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->spec_queued)
		r->eof_pending = true;
	else if (!r->eof_queued)
		r->eof_queued = queue_frame(r, CMD_STDIN, NULL, 0);
	flush(r);
	pthread_mutex_unlock(&r->lock);
}

void cmd_relay_winsize(struct cmd_relay *r, uint16_t rows, uint16_t cols)
{
	uint8_t p[4] = { (uint8_t)rows, (uint8_t)(rows >> 8), (uint8_t)cols, (uint8_t)(cols >> 8) };

	if (!r->tty)
		return;
	pthread_mutex_lock(&r->lock);
	/* A size that does not fit now is stale by the next one: dropped. */
	if (r->spec_queued && queue_frame(r, CMD_WINSIZE, p, sizeof(p)))
		flush(r);
	pthread_mutex_unlock(&r->lock);
}
