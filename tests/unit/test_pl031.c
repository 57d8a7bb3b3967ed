// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the PL031 RTC model, with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "pl031.h"
#include "fault.h"

#define DR 0x00
#define MR 0x04
#define LR 0x08
#define CR 0x0c
#define IMSC 0x10
#define RIS 0x14
#define MIS 0x18
#define ICR 0x1c

/*
 * The line may be set from the alarm thread, so the fake records under a
 * lock and lets the test wait for a level.
 */
struct fake_irq {
	struct irq_line line;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int calls;
};

static void fake_irq_set(struct irq_line *line, int level)
{
	struct fake_irq *f = (struct fake_irq *)line;

	pthread_mutex_lock(&f->lock);
	line->level = level;
	f->calls++;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->lock);
}

struct fixture {
	struct fake_irq irq;
	_Atomic int64_t now;
	struct pl031 *rtc;
};

static int64_t fake_clock(void *ctx)
{
	struct fixture *fx = ctx;

	return atomic_load(&fx->now);
}

static int setup(void **state)
{
	static struct fixture fx;

	memset(&fx, 0, sizeof(fx));
	fx.irq.line.set = fake_irq_set;
	pthread_mutex_init(&fx.irq.lock, NULL);
	pthread_cond_init(&fx.irq.changed, NULL);
	atomic_store(&fx.now, 1000000);
	assert_int_equal(pl031_new(&fx.irq.line, fake_clock, &fx, &fx.rtc), 0);
	if (!fx.rtc)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	pl031_free(fx->rtc);
	pthread_cond_destroy(&fx->irq.changed);
	pthread_mutex_destroy(&fx->irq.lock);
	return 0;
}

static uint32_t rd(struct fixture *fx, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	pl031_ops.read(fx->rtc, off, &v, 4);
	return v;
}

static void wr(struct fixture *fx, uint64_t off, uint32_t v)
{
	pl031_ops.write(fx->rtc, off, &v, 4);
}

static int level(struct fixture *fx)
{
	int l;

	pthread_mutex_lock(&fx->irq.lock);
	l = fx->irq.line.level;
	pthread_mutex_unlock(&fx->irq.lock);
	return l;
}

static void tick(struct fixture *fx, int64_t secs)
{
	atomic_fetch_add(&fx->now, secs);
}

static void test_primecell_ids(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t want[8] = { 0x31, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	uint32_t pid = 0, cid = 0;

	/* As Linux's amba_read_periphid() does: the last 32 bytes, low bytes. */
	for (int i = 0; i < 4; i++) {
		pid |= (rd(fx, PL031_MMIO_SIZE - 0x20 + 4 * i) & 0xff) << (8 * i);
		cid |= (rd(fx, PL031_MMIO_SIZE - 0x10 + 4 * i) & 0xff) << (8 * i);
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(fx, 0xfe0 + 4 * i), want[i]);
	assert_int_equal(pid & 0x000fffff, 0x00041031); /* rtc-pl031's amba_id */
	assert_int_equal(cid, 0xb105f00d);              /* AMBA_CID */
}

static void test_reset_values(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(rd(fx, DR), 1000000);
	assert_int_equal(rd(fx, MR), 0);
	assert_int_equal(rd(fx, LR), 0);
	assert_int_equal(rd(fx, CR), 1);
	assert_int_equal(rd(fx, IMSC), 0);
	assert_int_equal(rd(fx, RIS), 0);
	assert_int_equal(rd(fx, MIS), 0);
	assert_int_equal(rd(fx, ICR), 0);
	assert_int_equal(level(fx), 0);
}

static void test_dr_follows_clock(void **state)
{
	struct fixture *fx = *state;

	tick(fx, 1);
	assert_int_equal(rd(fx, DR), 1000001);
	tick(fx, 3600);
	assert_int_equal(rd(fx, DR), 1003601);
	/* DR is read-only. */
	wr(fx, DR, 5);
	assert_int_equal(rd(fx, DR), 1003601);
}

static void test_lr_sets_time(void **state)
{
	struct fixture *fx = *state;

	wr(fx, LR, 0x60000000);
	assert_int_equal(rd(fx, DR), 0x60000000);
	assert_int_equal(rd(fx, LR), 0x60000000);
	tick(fx, 10);
	assert_int_equal(rd(fx, DR), 0x6000000a);
	assert_int_equal(rd(fx, LR), 0x60000000);
	/* Earlier than the clock works too, and the counter wraps. */
	wr(fx, LR, 5);
	assert_int_equal(rd(fx, DR), 5);
	wr(fx, LR, 0xffffffff);
	tick(fx, 2);
	assert_int_equal(rd(fx, DR), 1);
}

static void test_cr_always_started(void **state)
{
	struct fixture *fx = *state;

	wr(fx, CR, 0);
	assert_int_equal(rd(fx, CR), 1);
	tick(fx, 1);
	assert_int_equal(rd(fx, DR), 1000001);
}

static void test_alarm_raise_and_clear(void **state)
{
	struct fixture *fx = *state;

	wr(fx, MR, 1000005);
	wr(fx, IMSC, 1);
	assert_int_equal(rd(fx, MR), 1000005);
	tick(fx, 4);
	assert_int_equal(rd(fx, RIS), 0);
	assert_int_equal(level(fx), 0);
	tick(fx, 1);
	assert_int_equal(rd(fx, RIS), 1);
	assert_int_equal(rd(fx, MIS), 1);
	assert_int_equal(level(fx), 1);
	/* Latched: stays after DR moves past MR. */
	tick(fx, 100);
	assert_int_equal(rd(fx, RIS), 1);
	wr(fx, ICR, 1);
	assert_int_equal(rd(fx, RIS), 0);
	assert_int_equal(rd(fx, MIS), 0);
	assert_int_equal(level(fx), 0);
	/* One match, one interrupt. */
	tick(fx, 1);
	assert_int_equal(rd(fx, RIS), 0);
}

static void test_icr_only_bit0(void **state)
{
	struct fixture *fx = *state;

	wr(fx, MR, 1000000);
	assert_int_equal(rd(fx, RIS), 1);
	wr(fx, ICR, 0xfffffffe);
	assert_int_equal(rd(fx, RIS), 1);
	wr(fx, ICR, 0xffffffff);
	assert_int_equal(rd(fx, RIS), 0);
	/* IMSC keeps only bit 0; RIS and MIS are read-only. */
	wr(fx, IMSC, 0xffffffff);
	assert_int_equal(rd(fx, IMSC), 1);
	wr(fx, RIS, 1);
	wr(fx, MIS, 1);
	assert_int_equal(rd(fx, RIS), 0);
	assert_int_equal(level(fx), 0);
}

static void test_mis_is_ris_and_imsc(void **state)
{
	struct fixture *fx = *state;

	wr(fx, MR, 1000002);
	tick(fx, 2);
	/* Masked: the raw status latches, the line stays low. */
	assert_int_equal(rd(fx, RIS), 1);
	assert_int_equal(rd(fx, MIS), 0);
	assert_int_equal(level(fx), 0);
	wr(fx, IMSC, 1);
	assert_int_equal(rd(fx, MIS), 1);
	assert_int_equal(level(fx), 1);
	wr(fx, IMSC, 0);
	assert_int_equal(rd(fx, MIS), 0);
	assert_int_equal(rd(fx, RIS), 1);
	assert_int_equal(level(fx), 0);
}

static void test_alarm_now_fires_at_once(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IMSC, 1);
	wr(fx, MR, 1000000);
	assert_int_equal(level(fx), 1);
	assert_int_equal(rd(fx, RIS), 1);
}

static void test_alarm_in_past_waits_for_wrap(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IMSC, 1);
	wr(fx, MR, 999999);
	tick(fx, 1000);
	assert_int_equal(rd(fx, RIS), 0);
	/* The 32-bit counter comes round to MR again. */
	tick(fx, 0xffffffffll - 1000);
	assert_int_equal(rd(fx, DR), 999999);
	assert_int_equal(rd(fx, RIS), 1);
	assert_int_equal(level(fx), 1);
}

static void test_alarm_across_wrap(void **state)
{
	struct fixture *fx = *state;

	wr(fx, LR, 0xfffffffe);
	wr(fx, MR, 1);
	wr(fx, IMSC, 1);
	tick(fx, 2);
	assert_int_equal(rd(fx, DR), 0);
	assert_int_equal(rd(fx, RIS), 0);
	tick(fx, 1);
	assert_int_equal(rd(fx, RIS), 1);
}

static void test_lr_rearms_alarm(void **state)
{
	struct fixture *fx = *state;

	wr(fx, MR, 2000000);
	wr(fx, IMSC, 1);
	/* Setting the time onto MR is a match. */
	wr(fx, LR, 2000000);
	assert_int_equal(level(fx), 1);
	wr(fx, ICR, 1);
	/* Setting it past MR is not; setting it before MR re-arms. */
	wr(fx, LR, 2000001);
	tick(fx, 10);
	assert_int_equal(rd(fx, RIS), 0);
	wr(fx, LR, 1999990);
	tick(fx, 9);
	assert_int_equal(rd(fx, RIS), 0);
	tick(fx, 1);
	assert_int_equal(rd(fx, RIS), 1);
}

static void test_bad_accesses(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t lens[] = { 0, 1, 2, 8 };
	static const uint64_t offs[] = { 0x20, 0x100, 0xfdc, PL031_MMIO_SIZE, UINT64_MAX - 3 };
	uint8_t buf[8];

	wr(fx, MR, 1000003);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, 0xff, sizeof(buf));
		pl031_ops.write(fx->rtc, IMSC, buf, lens[i]);
		pl031_ops.write(fx->rtc, LR, buf, lens[i]);
		memset(buf, 0xee, sizeof(buf));
		pl031_ops.read(fx->rtc, DR, buf, lens[i]);
		for (uint32_t k = 0; k < sizeof(buf); k++)
			assert_int_equal(buf[k], k < lens[i] ? 0 : 0xee);
	}
	for (uint64_t o = 1; o < 4; o++) {
		memset(buf, 0xff, sizeof(buf));
		pl031_ops.write(fx->rtc, MR + o, buf, 4);
		pl031_ops.read(fx->rtc, DR + o, buf, 4);
		assert_memory_equal(buf, "\0\0\0\0", 4);
	}
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		wr(fx, offs[i], 0xffffffff);
		assert_int_equal(rd(fx, offs[i]), 0);
	}
	wr(fx, 0xfe0, 0);
	assert_int_equal(rd(fx, 0xfe0), 0x31);
	/* Nothing above reached a register. */
	assert_int_equal(rd(fx, IMSC), 0);
	assert_int_equal(rd(fx, LR), 0);
	assert_int_equal(rd(fx, MR), 1000003);
	assert_int_equal(rd(fx, DR), 1000000);
}

static void test_reset(void **state)
{
	struct fixture *fx = *state;

	wr(fx, LR, 1234567);
	wr(fx, MR, 1234567);
	wr(fx, IMSC, 1);
	assert_int_equal(level(fx), 1);
	pl031_reset(fx->rtc);
	assert_int_equal(level(fx), 0);
	assert_int_equal(rd(fx, MR), 0);
	assert_int_equal(rd(fx, IMSC), 0);
	assert_int_equal(rd(fx, RIS), 0);
	/* The time survives a reboot. */
	assert_int_equal(rd(fx, DR), 1234567);
	assert_int_equal(rd(fx, LR), 1234567);
	/* A pending alarm does not. */
	wr(fx, MR, 1234570);
	pl031_reset(fx->rtc);
	tick(fx, 3);
	assert_int_equal(rd(fx, RIS), 0);
}

/*
 * Nobody touches the registers: the alarm thread alone must raise the line.
 * The pause lets the thread go to sleep for the one second it computes, so
 * that its timed wake-up is what finds the alarm due; were it slower, it
 * would find the alarm due at once, which passes too. Nothing here asserts
 * how long anything took.
 */
static void test_alarm_thread_raises_line(void **state)
{
	struct fixture *fx = *state;
	struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };

	wr(fx, MR, 1000001);
	wr(fx, IMSC, 1);
	nanosleep(&pause, NULL);
	tick(fx, 1);
	pthread_mutex_lock(&fx->irq.lock);
	while (!fx->irq.line.level)
		pthread_cond_wait(&fx->irq.changed, &fx->irq.lock);
	pthread_mutex_unlock(&fx->irq.lock);
	assert_int_equal(rd(fx, MIS), 1);
}

/*
 * pl031_free() must not wait for a far-away alarm. The pause lets the thread
 * settle into its bounded sleep first.
 */
static void test_free_with_alarm_armed(void **state)
{
	struct fixture *fx = *state;
	struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };

	wr(fx, MR, 1000000 + 86400);
	wr(fx, IMSC, 1);
	nanosleep(&pause, NULL);
}

static void test_wall_clock_default(void **state)
{
	struct pl031 *rtc = NULL;
	uint32_t dr = 0, v = 1;
	time_t before = time(NULL), after;

	(void)state;
	assert_int_equal(pl031_new(NULL, NULL, NULL, &rtc), 0);
	assert_non_null(rtc);
	pl031_ops.read(rtc, DR, &dr, 4);
	after = time(NULL);
	assert_true(dr >= (uint32_t)before && dr <= (uint32_t)after);
	pl031_ops.write(rtc, IMSC, &v, 4);
	pl031_free(rtc);
	pl031_free(NULL);
}

static void test_new_failures(void **state)
{
	(void)state;
	struct pl031 *rtc;

	fault_check_status(pl031_new(NULL, NULL, NULL, &rtc), rtc, fail_create);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_primecell_ids),
		T(test_reset_values),
		T(test_dr_follows_clock),
		T(test_lr_sets_time),
		T(test_cr_always_started),
		T(test_alarm_raise_and_clear),
		T(test_icr_only_bit0),
		T(test_mis_is_ris_and_imsc),
		T(test_alarm_now_fires_at_once),
		T(test_alarm_in_past_waits_for_wrap),
		T(test_alarm_across_wrap),
		T(test_lr_rearms_alarm),
		T(test_bad_accesses),
		T(test_reset),
		T(test_alarm_thread_raises_line),
		T(test_free_with_alarm_armed),
		cmocka_unit_test(test_wall_clock_default),
		cmocka_unit_test(test_new_failures),
#undef T
	};

	return cmocka_run_group_tests_name("pl031", tests, NULL, NULL);
}
