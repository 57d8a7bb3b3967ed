// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for command mode's relay (vmm/cmd_relay.c) over a fake
 * console: frames in pieces, the SPEC answer, host input with partial
 * acceptance and back-pressure, EOF, EXIT, and hostile streams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/cmd_relay.h"
#include "unit.h"

/* The guest's side of the channel: what it received, how much it takes per call. */
struct fake {
	uint8_t got[1 << 20];
	size_t ngot;
	size_t take;      /* bytes accepted per to_guest call; SIZE_MAX: all */
	unsigned int wakes, ends;
};

static size_t fake_to_guest(void *ctx, const uint8_t *buf, size_t len)
{
	struct fake *f = ctx;
	size_t n = len < f->take ? len : f->take;

	if (n > sizeof(f->got) - f->ngot)
		n = sizeof(f->got) - f->ngot;
	memcpy(f->got + f->ngot, buf, n);
	f->ngot += n;
	return n;
}

static void fake_wake(void *ctx)
{
	((struct fake *)ctx)->wakes++;
}

static void fake_end(void *ctx)
{
	((struct fake *)ctx)->ends++;
}

struct rig {
	struct fake f;
	struct cmd_relay r;
	int out[2], err[2];
};

static struct rig *rig_new(size_t take)
{
	struct rig *g = calloc(1, sizeof(*g));
	struct cmd_relay_ops ops = { fake_to_guest, fake_wake, fake_end, NULL };
	uint8_t *spec = malloc(9);

	assert_non_null(g);
	memcpy(spec, "arg=true", 9);
	g->f.take = take;
	ops.ctx = &g->f;
	assert_int_equal(pipe(g->out), 0);
	assert_int_equal(pipe(g->err), 0);
	assert_int_equal(cmd_relay_init(&g->r, &ops, g->out[1], g->err[1], spec, 9, true), 0);
	return g;
}

static void rig_free(struct rig *g)
{
	cmd_relay_fini(&g->r);
	close(g->out[0]);
	close(g->out[1]);
	close(g->err[0]);
	close(g->err[1]);
	free(g);
}

static size_t frame(uint8_t *out, enum cmd_frame_type t, const void *p, size_t len)
{
	assert_int_equal(cmd_frame_header(out, t, len), CMD_FRAME_HDR);
	memcpy(out + CMD_FRAME_HDR, p, len);
	return CMD_FRAME_HDR + len;
}

static size_t hello(uint8_t *out, uint32_t version)
{
	uint8_t v[4] = { (uint8_t)version, (uint8_t)(version >> 8), (uint8_t)(version >> 16),
			 (uint8_t)(version >> 24) };

	return frame(out, CMD_HELLO, v, 4);
}

/* Decode what the guest received into a flat list of (type, payload). */
struct seen {
	int n;
	uint8_t type[64];
	size_t len[64];
	uint8_t data[64][64];
};

static void on_seen(void *ctx, enum cmd_frame_type t, const uint8_t *p, size_t len)
{
	struct seen *s = ctx;

	assert_true(s->n < 64);
	s->type[s->n] = (uint8_t)t;
	s->len[s->n] = len;
	memcpy(s->data[s->n], p, len < 64 ? len : 64);
	s->n++;
}

static void decode_guest(struct rig *g, struct seen *s)
{
	struct cmd_decoder d;

	memset(s, 0, sizeof(*s));
	cmd_decoder_init(&d);
	assert_int_equal(cmd_decoder_feed(&d, g->f.got, g->f.ngot, on_seen, s), 0);
	assert_int_equal(d.hdr_got, 0); /* whole frames only */
	cmd_decoder_free(&d);
}

static void test_conversation(void **state)
{
	struct rig *g = rig_new(SIZE_MAX);
	uint8_t buf[256], ex[8] = { CMD_EXITED, 42, 0, 0, 'o', 'k' };
	size_t n = 0, i;
	struct seen s;
	char text[16];

	(void)state;
	/* Input before the guest asked for its SPEC waits: SPEC goes first. */
	assert_int_equal(cmd_relay_stdin(&g->r, (const uint8_t *)"early", 5), 0);
	cmd_relay_winsize(&g->r, 10, 20); /* dropped: the SPEC carries the size */
	/* HELLO and output, one byte at a time. */
	n += hello(buf + n, CMD_PROTO_VERSION);
	n += frame(buf + n, CMD_STDOUT, "out", 3);
	n += frame(buf + n, CMD_STDERR, "err", 3);
	for (i = 0; i < n; i++)
		cmd_relay_from_guest(&g->r, buf + i, 1);
	assert_int_equal(g->f.wakes, 1); /* refused input may come now */
	assert_int_equal(cmd_relay_stdin(&g->r, (const uint8_t *)"early", 5), 5);
	cmd_relay_winsize(&g->r, 30, 100);
	cmd_relay_stdin_eof(&g->r);
	assert_int_equal(cmd_relay_stdin(&g->r, (const uint8_t *)"late", 4), 4); /* nowhere */
	decode_guest(g, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.type[0], CMD_SPEC);
	assert_memory_equal(s.data[0], "arg=true", 9);
	assert_int_equal(s.type[1], CMD_STDIN);
	assert_memory_equal(s.data[1], "early", 5);
	assert_int_equal(s.type[2], CMD_WINSIZE);
	assert_memory_equal(s.data[2], "\x1e\x00\x64\x00", 4);
	assert_int_equal(s.type[3], CMD_STDIN);
	assert_int_equal(s.len[3], 0);
	assert_int_equal(read(g->out[0], text, sizeof(text)), 3);
	assert_memory_equal(text, "out", 3);
	assert_int_equal(read(g->err[0], text, sizeof(text)), 3);
	assert_memory_equal(text, "err", 3);

	n = frame(buf, CMD_EXIT, ex, 6);
	cmd_relay_from_guest(&g->r, buf, n);
	assert_true(g->r.ended);
	assert_true(g->r.exited);
	assert_false(g->r.broken);
	assert_int_equal(g->r.how, CMD_EXITED);
	assert_int_equal(g->r.value, 42);
	assert_string_equal(g->r.msg, "ok");
	assert_int_equal(g->f.ends, 1);
	/* Anything after EXIT is ignored, hostile or not. */
	cmd_relay_from_guest(&g->r, (const uint8_t *)"\xff\xff\xff\xff\x63", 5);
	assert_int_equal(g->f.ends, 1);
	assert_false(g->r.broken);
	rig_free(g);
}

static void test_eof_before_hello(void **state)
{
	struct rig *g = rig_new(SIZE_MAX);
	uint8_t buf[16];
	struct seen s;

	(void)state;
	cmd_relay_stdin_eof(&g->r);
	assert_int_equal(g->f.ngot, 0);
	cmd_relay_from_guest(&g->r, buf, hello(buf, CMD_PROTO_VERSION));
	decode_guest(g, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.type[0], CMD_SPEC);
	assert_int_equal(s.type[1], CMD_STDIN);
	assert_int_equal(s.len[1], 0);
	rig_free(g);
}

/* The guest takes 7 bytes at a time: everything arrives, in order, through rx_ready. */
static void test_partial_and_backpressure(void **state)
{
	struct rig *g = rig_new(7);
	static uint8_t big[3 * CMD_PROTO_DATA_MAX], back[3 * CMD_PROTO_DATA_MAX];
	uint8_t buf[16];
	size_t sent = 0, got = 0, i, off;
	unsigned int rounds = 0;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	cmd_relay_from_guest(&g->r, buf, hello(buf, CMD_PROTO_VERSION));
	while (sent < sizeof(big)) {
		size_t n = cmd_relay_stdin(&g->r, big + sent, sizeof(big) - sent);

		assert_true(n <= CMD_PROTO_DATA_MAX);
		sent += n;
		if (!n) {
			unsigned int wakes = g->f.wakes;

			/* Refused: only the channel's rx_ready brings input back. */
			while (g->f.wakes == wakes)
				cmd_relay_guest_ready(&g->r);
		}
		assert_true(++rounds < 100000);
	}
	cmd_relay_stdin_eof(&g->r);
	while (g->r.qlen != g->r.qoff)
		cmd_relay_guest_ready(&g->r);
	/* Reassemble: SPEC, STDIN frames of at most DATA_MAX, then the 0-length EOF. */
	off = CMD_FRAME_HDR + 9;
	while (off < g->f.ngot) {
		uint32_t len = (uint32_t)g->f.got[off] | (uint32_t)g->f.got[off + 1] << 8 |
			       (uint32_t)g->f.got[off + 2] << 16 | (uint32_t)g->f.got[off + 3] << 24;

		assert_int_equal(g->f.got[off + 4], CMD_STDIN);
		assert_true(len <= CMD_PROTO_DATA_MAX);
		memcpy(back + got, g->f.got + off + CMD_FRAME_HDR, len);
		got += len;
		off += CMD_FRAME_HDR + len;
		if (!len)
			break;
	}
	assert_int_equal(off, g->f.ngot);
	assert_int_equal(got, sizeof(big));
	assert_memory_equal(back, big, sizeof(big));
	rig_free(g);
}

/* Each hostile stream: broken, one cause, the VM ended once, nothing written. */
static void hostile(const uint8_t *bytes, size_t len, const char *cause)
{
	struct rig *g = rig_new(SIZE_MAX);
	size_t i;

	for (i = 0; i < len; i += 3)
		cmd_relay_from_guest(&g->r, bytes + i, len - i < 3 ? len - i : 3);
	assert_true(g->r.ended);
	assert_true(g->r.broken);
	assert_false(g->r.exited);
	assert_int_equal(g->f.ends, 1);
	assert_non_null(strstr(g->r.msg, cause));
	rig_free(g);
}

static void test_hostile_streams(void **state)
{
	uint8_t buf[64];
	size_t n;
	uint8_t ex[4] = { 9, 0, 0, 0 };

	(void)state;
	hostile((const uint8_t *)"\x00\x00\x10\x00\x04\x00\x00\x00", 8, "more than");
	hostile((const uint8_t *)"\x00\x00\x00\x00\x63\x00\x00\x00", 8, "unknown frame type 99");
	n = hello(buf, 7);
	hostile(buf, n, "protocol version 7, vmm speaks 1");
	n = hello(buf, CMD_PROTO_VERSION);
	n += hello(buf + n, CMD_PROTO_VERSION);
	hostile(buf, n, "a second HELLO");
	n = frame(buf, CMD_SPEC, "arg=x", 6);
	hostile(buf, n, "unexpected frame type 2");
	n = frame(buf, CMD_STDIN, "x", 1);
	hostile(buf, n, "unexpected frame type 3");
	n = frame(buf, CMD_EXIT, ex, 4);
	hostile(buf, n, "EXIT of unknown kind 9");
	n = frame(buf, CMD_EXIT, ex, 2);
	hostile(buf, n, "EXIT of 2 bytes");
}

/* An EXIT's message is the guest's text: one printable line. */
static void test_exit_message_sanitised(void **state)
{
	struct rig *g = rig_new(SIZE_MAX);
	uint8_t buf[64], ex[] = { CMD_SETUP, 0, 0, 0, 'a', '\n', 0x1b, 'b' };

	(void)state;
	cmd_relay_from_guest(&g->r, buf, frame(buf, CMD_EXIT, ex, sizeof(ex)));
	assert_true(g->r.exited);
	assert_int_equal(g->r.how, CMD_SETUP);
	assert_string_equal(g->r.msg, "a  b");
	rig_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_eof_before_hello),
		cmocka_unit_test(test_partial_and_backpressure),
		cmocka_unit_test(test_hostile_streams),
		cmocka_unit_test(test_exit_message_sanitised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
