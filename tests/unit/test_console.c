// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the console's Ctrl-A escape state machine (vmm/console.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/console.h"

#define ESC CONSOLE_ESC

struct run {
	uint8_t out[64];
	size_t n;
	size_t consumed;
	enum console_action act;
};

/* One call of console_escape over in; out is pre-filled to catch overruns. */
static void feed(struct console_esc *st, const uint8_t *in, size_t n, struct run *r)
{
	assert_true(2 * n <= sizeof(r->out));
	memset(r->out, 0xee, sizeof(r->out));
	r->consumed = 12345;
	r->act = (enum console_action)77;
	r->n = console_escape(st, in, n, r->out, &r->consumed, &r->act);
	assert_true(r->n <= 2 * n);
	assert_int_equal(r->out[r->n], 0xee);
}

#define FEED(st, r, ...)                                                        \
	do {                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                   \
		feed((st), in_, sizeof(in_), (r));                              \
	} while (0)

static void test_plain_bytes(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, 'h', 'e', 'l', 'l', 'o', '\r', 0x03, 0x00, 0xff, 'x');
	assert_int_equal(r.n, 10);
	assert_memory_equal(r.out, ((uint8_t[]){ 'h', 'e', 'l', 'l', 'o', '\r', 0x03, 0x00, 0xff,
						 'x' }), 10);
	assert_int_equal(r.consumed, 10);
	assert_int_equal(r.act, CONSOLE_NONE);
	assert_false(st.armed);
}

static void test_empty_input(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	feed(&st, (const uint8_t *)"", 0, &r);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.consumed, 0);
	assert_int_equal(r.act, CONSOLE_NONE);
	assert_false(st.armed);
}

/* Ctrl-A x quits; what came before goes to the guest, what follows is left. */
static void test_quit(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, 'a', 'b', ESC, 'x', 'c', 'd');
	assert_int_equal(r.act, CONSOLE_QUIT);
	assert_int_equal(r.consumed, 4);
	assert_int_equal(r.n, 2);
	assert_memory_equal(r.out, "ab", 2);
	assert_false(st.armed);

	FEED(&st, &r, ESC, 'X');
	assert_int_equal(r.act, CONSOLE_QUIT);
	assert_int_equal(r.consumed, 2);
	assert_int_equal(r.n, 0);
}

static void test_escape_escape(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, ESC, ESC);
	assert_int_equal(r.act, CONSOLE_NONE);
	assert_int_equal(r.consumed, 2);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.out[0], ESC);
	assert_false(st.armed);

	/* Three in a row: one sent, the third arms again. */
	FEED(&st, &r, ESC, ESC, ESC);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.out[0], ESC);
	assert_true(st.armed);
	FEED(&st, &r, 'x');
	assert_int_equal(r.act, CONSOLE_QUIT);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.consumed, 1);
}

static void test_help(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, 'q', ESC, 'h', 'z');
	assert_int_equal(r.act, CONSOLE_HELP);
	assert_int_equal(r.consumed, 3);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.out[0], 'q');
	assert_false(st.armed);

	/* The caller goes on with the rest after printing help. */
	FEED(&st, &r, 'z');
	assert_int_equal(r.act, CONSOLE_NONE);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.out[0], 'z');

	FEED(&st, &r, ESC, 'H');
	assert_int_equal(r.act, CONSOLE_HELP);
	FEED(&st, &r, ESC, '?');
	assert_int_equal(r.act, CONSOLE_HELP);
}

/* Ctrl-A followed by anything else sends both keys. */
static void test_escape_other(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, ESC, 'a');
	assert_int_equal(r.act, CONSOLE_NONE);
	assert_int_equal(r.consumed, 2);
	assert_int_equal(r.n, 2);
	assert_memory_equal(r.out, ((uint8_t[]){ ESC, 'a' }), 2);

	/* Several escapes in one read. */
	FEED(&st, &r, ESC, 'c', ESC, 0x03, 'e');
	assert_int_equal(r.n, 5);
	assert_memory_equal(r.out, ((uint8_t[]){ ESC, 'c', ESC, 0x03, 'e' }), 5);
	assert_false(st.armed);
}

/* The escape split across reads: the state carries over. */
static void test_split(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, 'a', ESC);
	assert_int_equal(r.act, CONSOLE_NONE);
	assert_int_equal(r.consumed, 2);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.out[0], 'a');
	assert_true(st.armed);

	FEED(&st, &r, 'x', 'b');
	assert_int_equal(r.act, CONSOLE_QUIT);
	assert_int_equal(r.consumed, 1);
	assert_int_equal(r.n, 0);
	assert_false(st.armed);

	/* Split Ctrl-A Ctrl-A and Ctrl-A other. */
	FEED(&st, &r, ESC);
	assert_int_equal(r.n, 0);
	assert_true(st.armed);
	FEED(&st, &r, ESC, 'k');
	assert_int_equal(r.n, 2);
	assert_memory_equal(r.out, ((uint8_t[]){ ESC, 'k' }), 2);

	FEED(&st, &r, ESC);
	FEED(&st, &r, 'k');
	assert_int_equal(r.n, 2);
	assert_memory_equal(r.out, ((uint8_t[]){ ESC, 'k' }), 2);
	assert_false(st.armed);
}

/* A lone Ctrl-A at the very end of input is held back, not sent. */
static void test_trailing_escape_held(void **state)
{
	struct console_esc st = { 0 };
	struct run r;

	(void)state;
	FEED(&st, &r, 'a', 'b', ESC);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.consumed, 3);
	assert_memory_equal(r.out, "ab", 2);
	assert_true(st.armed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_quit),
		cmocka_unit_test(test_escape_escape),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_escape_other),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_trailing_escape_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
