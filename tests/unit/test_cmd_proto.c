// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for command mode's wire protocol (vmm/cmd_proto.c): frames fed
 * whole, byte by byte and back to back; every way a guest can send a bad
 * stream; SPEC round trips and SPEC payloads a broken peer could send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_proto.h"

struct got {
	int n;
	enum cmd_frame_type type[8];
	size_t len[8];
	uint8_t first[8];
};

static void on_frame(void *ctx, enum cmd_frame_type type, const uint8_t *p, size_t len)
{
	struct got *g = ctx;

	assert_true(g->n < 8);
	g->type[g->n] = type;
	g->len[g->n] = len;
	g->first[g->n] = len ? p[0] : 0;
	g->n++;
}

/* A frame's bytes into buf; returns the total length. */
static size_t frame(uint8_t *buf, enum cmd_frame_type type, const void *p, size_t len)
{
	size_t h = cmd_frame_header(buf, type, len);

	assert_int_equal(h, CMD_FRAME_HDR);
	memcpy(buf + h, p, len);
	return h + len;
}

static void test_frames_whole_and_bytewise(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = frame(buf, CMD_STDOUT, "hello", 5);

	n += frame(buf + n, CMD_STDIN, "", 0);
	n += frame(buf + n, CMD_WINSIZE, "\x18\x00\x50\x00", 4);

	struct cmd_decoder d;
	struct got g = { 0 };

	cmd_decoder_init(&d);
	assert_int_equal(cmd_decoder_feed(&d, buf, n, on_frame, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.type[0], CMD_STDOUT);
	assert_int_equal(g.len[0], 5);
	assert_int_equal(g.first[0], 'h');
	assert_int_equal(g.type[1], CMD_STDIN);
	assert_int_equal(g.len[1], 0);
	assert_int_equal(g.type[2], CMD_WINSIZE);

	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cmd_decoder_feed(&d, buf + i, 1, on_frame, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[0], 5);
	cmd_decoder_free(&d);
}

static void test_bad_streams(void **state)
{
	(void)state;
	struct cmd_decoder d;
	struct got g = { 0 };
	uint8_t buf[16];

	/* longer than the bound */
	cmd_decoder_init(&d);
	buf[0] = 0x01, buf[1] = 0x00, buf[2] = 0x04, buf[3] = 0x00, buf[4] = CMD_STDOUT;
	assert_int_equal(cmd_decoder_feed(&d, buf, 8, on_frame, &g), -1);
	assert_non_null(strstr(d.why, "more than"));
	/* failed stays failed, even for a good frame */
	size_t n = frame(buf, CMD_STDOUT, "x", 1);

	assert_int_equal(cmd_decoder_feed(&d, buf, n, on_frame, &g), -1);
	assert_int_equal(g.n, 0);
	cmd_decoder_free(&d);

	/* unknown types, both ends of the range */
	uint8_t types[] = { 0, CMD_EXIT + 1, 255 };

	for (size_t i = 0; i < sizeof(types); i++) {
		cmd_decoder_init(&d);
		memset(buf, 0, 8);
		buf[4] = types[i];
		assert_int_equal(cmd_decoder_feed(&d, buf, 8, on_frame, &g), -1);
		assert_non_null(strstr(d.why, "unknown frame type"));
		cmd_decoder_free(&d);
	}

	/* fixed-size payloads of the wrong size; EXIT too short or too long */
	cmd_decoder_init(&d);
	n = frame(buf, CMD_HELLO, "ab", 2);
	assert_int_equal(cmd_decoder_feed(&d, buf, n, on_frame, &g), -1);
	cmd_decoder_free(&d);
	cmd_decoder_init(&d);
	n = frame(buf, CMD_EXIT, "ab", 2);
	assert_int_equal(cmd_decoder_feed(&d, buf, n, on_frame, &g), -1);
	cmd_decoder_free(&d);
	cmd_decoder_init(&d);
	assert_int_equal(cmd_frame_header(buf, CMD_EXIT, 4 + CMD_EXIT_MSG_MAX + 1), CMD_FRAME_HDR);
	assert_int_equal(cmd_decoder_feed(&d, buf, CMD_FRAME_HDR, on_frame, &g), -1);
	cmd_decoder_free(&d);
	assert_int_equal(g.n, 0);

	/* the encoder refuses what the decoder would */
	assert_int_equal(cmd_frame_header(buf, CMD_STDOUT, CMD_PROTO_MAX + 1), 0);
}

static void test_spec_round_trip(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "echo a=b; exit 3", NULL };
	const char *envp[] = { "PATH=/usr/bin:/bin", "EMPTY=", NULL };
	struct cmd_spec in = {
		.argv = argv, .envp = envp, .cwd = "/home/u/src", .root_tag = "vmm-root",
		.hostname = "vm1", .uid = 1000, .gid = 100, .groups = { 27, 100 }, .ngroups = 2,
		.tty = true, .rows = 24, .cols = 80, .nmounts = 2,
		.mounts = { { "vmm-fs1", "/home/u/out:x", false }, { "vmm-fs2", "/opt", true } },
	};
	uint8_t *p;
	size_t len;
	char why[128];
	struct cmd_spec out;

	assert_int_equal(cmd_spec_encode(&in, &p, &len, why, sizeof(why)), 0);
	assert_int_equal(cmd_spec_decode(p, len, &out, why, sizeof(why)), 0);
	free(p);
	assert_int_equal(out.argc, 3);
	assert_string_equal(out.argv[2], "echo a=b; exit 3");
	assert_null(out.argv[3]);
	assert_int_equal(out.envc, 2);
	assert_string_equal(out.envp[1], "EMPTY=");
	assert_string_equal(out.cwd, "/home/u/src");
	assert_string_equal(out.root_tag, "vmm-root");
	assert_string_equal(out.hostname, "vm1");
	assert_int_equal(out.uid, 1000);
	assert_int_equal(out.gid, 100);
	assert_int_equal(out.ngroups, 2);
	assert_int_equal(out.groups[0], 27);
	assert_true(out.tty);
	assert_int_equal(out.rows, 24);
	assert_int_equal(out.cols, 80);
	assert_int_equal(out.nmounts, 2);
	assert_string_equal(out.mounts[0].path, "/home/u/out:x");
	assert_false(out.mounts[0].ro);
	assert_string_equal(out.mounts[1].tag, "vmm-fs2");
	assert_true(out.mounts[1].ro);
	cmd_spec_free(&out);
}

static void expect_decode_fails(const char *payload, size_t len, const char *why_part)
{
	struct cmd_spec out;
	char why[128] = "";

	assert_int_equal(cmd_spec_decode((const uint8_t *)payload, len, &out, why, sizeof(why)), -1);
	if (!strstr(why, why_part))
		fail_msg("why '%s' lacks '%s'", why, why_part);
	assert_null(out.argv);
}

static void test_spec_malformed(void **state)
{
	(void)state;
	expect_decode_fails("arg=ls", 6, "does not end in NUL");
	expect_decode_fails("", 0, "does not end in NUL");
	expect_decode_fails("noequals\0", 9, "no '='");
	expect_decode_fails("cwd=/\0", 6, "no command");
	expect_decode_fails("arg=x\0uid=-1\0", 13, "not a number");
	expect_decode_fails("arg=x\0uid=99999999999\0", 22, "not a number");
	expect_decode_fails("arg=x\0cwd=rel\0", 14, "not absolute");
	expect_decode_fails("arg=x\0mount=t:rw:rel\0", 21, "not absolute");
	expect_decode_fails("arg=x\0mount=t:xx:/p\0", 20, "mode");
	expect_decode_fails("arg=x\0mount=t\0", 14, "TAG:MODE:PATH");
	expect_decode_fails("arg=x\0mount=:rw:/p\0", 19, "TAG:MODE:PATH");

	/* unknown keys are ignored; a NUL inside is just item boundaries */
	struct cmd_spec out;
	char why[64];

	assert_int_equal(cmd_spec_decode((const uint8_t *)"future=1\0arg=x\0", 15, &out, why,
					 sizeof(why)),
			 0);
	assert_int_equal(out.argc, 1);
	cmd_spec_free(&out);
}

static void test_spec_limits(void **state)
{
	(void)state;
	/* too many mounts */
	size_t cap = 64 * (CMD_SPEC_MAX_MOUNTS + 2);
	char *s = malloc(cap);
	size_t len = 0;

	len += (size_t)sprintf(s, "arg=x") + 1;
	for (int i = 0; i <= CMD_SPEC_MAX_MOUNTS; i++)
		len += (size_t)sprintf(s + len, "mount=t%d:ro:/m", i) + 1;
	expect_decode_fails(s, len, "more than");
	free(s);

	/* an argument bigger than the protocol allows */
	char *big = malloc(CMD_PROTO_MAX);

	memset(big, 'a', CMD_PROTO_MAX - 1);
	big[CMD_PROTO_MAX - 1] = '\0';
	const char *argv[] = { big, NULL };
	struct cmd_spec in = { .argv = argv };
	uint8_t *p = NULL;
	char why[128] = "";

	assert_int_equal(cmd_spec_encode(&in, &p, &len, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than"));
	assert_null(p);
	free(big);

	/* a tag with ':' cannot be encoded unambiguously */
	const char *argv2[] = { "x", NULL };
	struct cmd_spec in2 = { .argv = argv2, .nmounts = 1, .mounts = { { "a:b", "/p", true } } };

	assert_int_equal(cmd_spec_encode(&in2, &p, &len, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "':'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames_whole_and_bytewise),
		cmocka_unit_test(test_bad_streams),
		cmocka_unit_test(test_spec_round_trip),
		cmocka_unit_test(test_spec_malformed),
		cmocka_unit_test(test_spec_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
