// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for pvpanic-mmio, driven through its bus callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pvpanic.h"
#include "unit.h"

struct fixture {
	struct pvpanic *p;
	int calls;
	unsigned int last;
};

static void fx_event(void *ctx, unsigned int events)
{
	struct fixture *fx = ctx;

	fx->calls++;
	fx->last = events;
}

static int setup(void **state)
{
	static struct fixture fx;

	memset(&fx, 0, sizeof(fx));
	assert_int_equal(pvpanic_new(fx_event, &fx, &fx.p), 0);
	if (!fx.p)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	pvpanic_free(fx->p);
	return 0;
}

static uint64_t rd(struct fixture *fx, uint64_t off, uint32_t len)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	pvpanic_ops.read(fx->p, off, &v, len);
	/* Bytes beyond len are not the device's to touch. */
	if (len < 8)
		assert_true(v >> (8 * len) == 0x5a5a5a5a5a5a5a5aull >> (8 * len));
	return len < 8 ? v & ((1ull << (8 * len)) - 1) : v;
}

static void wr(struct fixture *fx, uint64_t off, uint64_t v, uint32_t len)
{
	pvpanic_ops.write(fx->p, off, &v, len);
}

/* What Linux's probe reads: both events it knows before 6.10, no SHUTDOWN. */
static void test_read_mask(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(rd(fx, 0, 1), PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	assert_int_equal(rd(fx, 0, 1) & PVPANIC_SHUTDOWN, 0);
	assert_int_equal(PVPANIC_EVENTS, 3);
	assert_int_equal(PVPANIC_MMIO_SIZE, 2);
	/* Reading reports nothing. */
	assert_int_equal(fx->calls, 0);
}

static void test_panicked(void **state)
{
	struct fixture *fx = *state;

	wr(fx, 0, PVPANIC_PANICKED, 1);
	assert_int_equal(fx->calls, 1);
	assert_int_equal(fx->last, PVPANIC_PANICKED);
	wr(fx, 0, PVPANIC_CRASH_LOADED, 1);
	assert_int_equal(fx->calls, 2);
	assert_int_equal(fx->last, PVPANIC_CRASH_LOADED);
	/* Both at once are passed on together. */
	wr(fx, 0, 3, 1);
	assert_int_equal(fx->calls, 3);
	assert_int_equal(fx->last, 3);
}

static void test_zero_write(void **state)
{
	struct fixture *fx = *state;

	wr(fx, 0, 0, 1);
	wr(fx, 0, 0, 4);
	assert_int_equal(fx->calls, 0);
}

/* Bits the device does not offer are dropped, logged once. */
static void test_unknown_bits(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;

	unit_capture_begin(&cap, 2);
	wr(fx, 0, PVPANIC_SHUTDOWN, 1);
	wr(fx, 0, 0x80, 1);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: pvpanic: guest reported unknown events 0x04; "
				       "ignored");
	assert_int_equal(fx->calls, 0);
	/* Known bits among unknown ones still count. */
	unit_capture_begin(&cap, 2);
	wr(fx, 0, 0xf1, 1);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	assert_int_equal(fx->calls, 1);
	assert_int_equal(fx->last, PVPANIC_PANICKED);
}

static void test_widths_offsets(void **state)
{
	struct fixture *fx = *state;

	/* Wider reads at 0: the mask in the low byte, zeroes above. */
	assert_int_equal(rd(fx, 0, 2), PVPANIC_EVENTS);
	assert_int_equal(rd(fx, 0, 4), PVPANIC_EVENTS);
	assert_true(rd(fx, 0, 8) == PVPANIC_EVENTS);
	/* Other offsets read 0, in and beyond the window. */
	assert_int_equal(rd(fx, 1, 1), 0);
	assert_int_equal(rd(fx, 1, 2), 0);
	assert_int_equal(rd(fx, 0x800, 4), 0);
	/* ...and ignore writes. */
	wr(fx, 1, PVPANIC_PANICKED, 1);
	wr(fx, 4, 0xffffffff, 4);
	wr(fx, 0xfff, PVPANIC_PANICKED, 1);
	assert_int_equal(fx->calls, 0);
	/* A wide write at 0 uses its low byte only. */
	wr(fx, 0, 0x0100, 2);
	assert_int_equal(fx->calls, 0);
	wr(fx, 0, 0xffffff01, 4);
	assert_int_equal(fx->calls, 1);
	assert_int_equal(fx->last, PVPANIC_PANICKED);
	wr(fx, 0, 0x0200000000000002ull, 8);
	assert_int_equal(fx->calls, 2);
	assert_int_equal(fx->last, PVPANIC_CRASH_LOADED);
}

/* Without a handler, reports go nowhere and nothing breaks. */
static void test_no_handler(void **state)
{
	struct pvpanic *p = NULL;
	uint8_t v = PVPANIC_PANICKED, r = 0;

	(void)state;
	assert_int_equal(pvpanic_new(NULL, NULL, &p), 0);
	assert_non_null(p);
	pvpanic_ops.write(p, 0, &v, 1);
	pvpanic_ops.read(p, 0, &r, 1);
	assert_int_equal(r, PVPANIC_EVENTS);
	pvpanic_free(p);
	pvpanic_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_panicked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_widths_offsets, setup, teardown),
		cmocka_unit_test(test_no_handler),
	};

	return cmocka_run_group_tests_name("pvpanic", tests, NULL, NULL);
}
