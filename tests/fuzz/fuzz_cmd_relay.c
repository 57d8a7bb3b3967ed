// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command mode's relay (vmm/cmd_relay.c) under a hostile guest: the input
 * is a script of steps (first byte: what), the guest's bytes fed in pieces,
 * host input, its end and window sizes, and a channel that takes a varying
 * number of bytes. Whatever the guest sends, the relay reads and writes
 * only inside its buffers, ends at most once, and everything it sends the
 * guest is whole frames in order.
 */
#include <fcntl.h>

#include "fuzz.h"
#include "vmm/cmd_relay.h"

struct chan {
	size_t take;
	unsigned int ends;
	struct cmd_decoder seen; /* what the guest received must parse */
};

static void on_seen(void *ctx, enum cmd_frame_type t, const uint8_t *p, size_t len)
{
	(void)ctx;
	if (t != CMD_SPEC && t != CMD_STDIN && t != CMD_WINSIZE)
		abort(); /* vmm sends only those */
	if (len)
		(void)p[len - 1];
}

static size_t to_guest(void *ctx, const uint8_t *buf, size_t len)
{
	struct chan *c = ctx;
	size_t n = len < c->take ? len : c->take;

	if (cmd_decoder_feed(&c->seen, buf, n, on_seen, NULL))
		abort();
	return n;
}

static void end(void *ctx)
{
	if (++((struct chan *)ctx)->ends > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	struct fz f = { data, size };
	struct chan c = { .take = 4096 };
	struct cmd_relay_ops ops = { .to_guest = to_guest, .end = end, .ctx = &c };
	struct cmd_relay r;
	uint8_t piece[256], *spec = malloc(9);

	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY);
	if (!spec)
		return 0;
	memcpy(spec, "arg=true", 9);
	cmd_decoder_init(&c.seen);
	if (cmd_relay_init(&r, &ops, null_fd, null_fd, spec, 9, true)) {
		free(spec);
		return 0;
	}
	while (fz_left(&f)) {
		uint8_t step = fz_u8(&f);
		size_t n = fz_u8(&f);

		if (n > fz_left(&f))
			n = fz_left(&f);
		switch (step % 6) {
		case 0: case 1: /* the guest's bytes */
			fz_bytes(&f, piece, n);
			cmd_relay_from_guest(&r, piece, n);
			break;
		case 2:
			fz_bytes(&f, piece, n);
			cmd_relay_stdin(&r, piece, n);
			break;
		case 3:
			cmd_relay_stdin_eof(&r);
			break;
		case 4:
			cmd_relay_winsize(&r, (uint16_t)n, (uint16_t)(n * 3));
			break;
		default: /* the channel takes another amount, then has room */
			c.take = n * 64;
			cmd_relay_guest_ready(&r);
			break;
		}
	}
	cmd_relay_fini(&r);
	cmd_decoder_free(&c.seen);
	return 0;
}
