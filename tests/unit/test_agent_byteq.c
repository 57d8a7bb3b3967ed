// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the command-mode agent's bounded queue
 * (guest/agent/byteq.c): it never takes more than its capacity (that is
 * the back-pressure), keeps order across compaction, and a refused push
 * changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/agent/byteq.h"

static void test_bounded(void **state)
{
	(void)state;
	struct byteq q;

	assert_int_equal(byteq_init(&q, 8), 0);
	assert_int_equal(byteq_room(&q), 8);
	assert_true(byteq_push(&q, "abcde", 5));
	assert_false(byteq_push(&q, "fghi", 4)); /* refused whole: nothing added */
	assert_int_equal(byteq_len(&q), 5);
	assert_true(byteq_push(&q, "fgh", 3));
	assert_int_equal(byteq_room(&q), 0);
	assert_false(byteq_push(&q, "i", 1));
	assert_memory_equal(byteq_data(&q), "abcdefgh", 8);
	byteq_free(&q);
}

static void test_order_across_compaction(void **state)
{
	(void)state;
	struct byteq q;
	uint8_t want = 0, next = 0;
	int round;

	assert_int_equal(byteq_init(&q, 100), 0);
	/* Push 7, take 5, many times: the data wraps the buffer's end. */
	for (round = 0; round < 200; round++) {
		uint8_t in[7];
		size_t i, take;

		for (i = 0; i < sizeof(in); i++)
			in[i] = next++;
		if (byteq_room(&q) >= sizeof(in))
			assert_true(byteq_push(&q, in, sizeof(in)));
		else
			next -= sizeof(in);
		take = byteq_len(&q) < 5 ? byteq_len(&q) : 5;
		for (i = 0; i < take; i++)
			assert_int_equal(byteq_data(&q)[i], (uint8_t)(want + i));
		byteq_consume(&q, take);
		want += take;
	}
	byteq_free(&q);
}

static void test_consume_and_clear(void **state)
{
	(void)state;
	struct byteq q;

	assert_int_equal(byteq_init(&q, 16), 0);
	assert_true(byteq_push(&q, "0123456789", 10));
	byteq_consume(&q, 4);
	assert_int_equal(byteq_len(&q), 6);
	assert_int_equal(byteq_room(&q), 10);
	/* Room counts the consumed front too: this push compacts. */
	assert_true(byteq_push(&q, "abcdefghij", 10));
	assert_memory_equal(byteq_data(&q), "456789abcdefghij", 16);
	byteq_consume(&q, 100); /* more than queued: just empties */
	assert_int_equal(byteq_len(&q), 0);
	assert_true(byteq_push(&q, "x", 1));
	byteq_clear(&q);
	assert_int_equal(byteq_len(&q), 0);
	assert_int_equal(byteq_room(&q), 16);
	assert_true(byteq_push(&q, "", 0));
	byteq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_order_across_compaction),
		cmocka_unit_test(test_consume_and_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
