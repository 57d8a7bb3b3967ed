// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the PL061 GPIO model and its power-button pulse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "pl061.h"
#include "fault.h"

#define DATA(mask) ((uint64_t)(mask) << 2)
#define DIR 0x400
#define IS 0x404
#define IBE 0x408
#define IEV 0x40c
#define IE 0x410
#define RIS 0x414
#define MIS 0x418
#define IC 0x41c
#define AFSEL 0x420

/* The pulse thread sets the line too: record under a lock, allow waiting. */
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
	struct pl061 *g;
};

static int setup(void **state)
{
	static struct fixture fx;

	memset(&fx, 0, sizeof(fx));
	fx.irq.line.set = fake_irq_set;
	pthread_mutex_init(&fx.irq.lock, NULL);
	pthread_cond_init(&fx.irq.changed, NULL);
	assert_int_equal(pl061_new(&fx.irq.line, &fx.g), 0);
	if (!fx.g)
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	pl061_free(fx->g);
	pthread_cond_destroy(&fx->irq.changed);
	pthread_mutex_destroy(&fx->irq.lock);
	return 0;
}

/* Byte accesses, as gpio-pl061 makes them. */
static uint8_t rd(struct fixture *fx, uint64_t off)
{
	uint8_t v = 0xaa;

	pl061_ops.read(fx->g, off, &v, 1);
	return v;
}

static void wr(struct fixture *fx, uint64_t off, uint8_t v)
{
	pl061_ops.write(fx->g, off, &v, 1);
}

static int level(struct fixture *fx)
{
	int l;

	pthread_mutex_lock(&fx->irq.lock);
	l = fx->irq.line.level;
	pthread_mutex_unlock(&fx->irq.lock);
	return l;
}

static void test_primecell_ids(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t want[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	uint32_t pid = 0, cid = 0, v;

	/* As Linux's amba_read_periphid() does: word reads of the last 32 bytes. */
	for (int i = 0; i < 4; i++) {
		pl061_ops.read(fx->g, PL061_MMIO_SIZE - 0x20 + 4 * i, &v, 4);
		pid |= (v & 0xff) << (8 * i);
		pl061_ops.read(fx->g, PL061_MMIO_SIZE - 0x10 + 4 * i, &v, 4);
		cid |= (v & 0xff) << (8 * i);
	}
	for (int i = 0; i < 8; i++) {
		pl061_ops.read(fx->g, 0xfe0 + 4 * i, &v, 4);
		assert_int_equal(v, want[i]);
	}
	assert_int_equal(pid & 0x000fffff, 0x00041061); /* gpio-pl061's amba_id */
	assert_int_equal(cid, 0xb105f00d);              /* AMBA_CID */
	wr(fx, 0xfe0, 0);
	assert_int_equal(rd(fx, 0xfe0), 0x61);
}

static void test_reset_values(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t regs[] = { DATA(0xff), DIR, IS, IBE, IEV, IE, RIS, MIS, IC, AFSEL };

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		assert_int_equal(rd(fx, regs[i]), 0);
	assert_int_equal(level(fx), 0);
}

static void test_masked_data(void **state)
{
	struct fixture *fx = *state;

	wr(fx, DIR, 0xf0); /* lines 7..4 out, 3..0 in */
	assert_int_equal(rd(fx, DIR), 0xf0);
	assert_int_equal(pl061_set_input(fx->g, 0, 1), 0);
	assert_int_equal(pl061_set_input(fx->g, 2, 1), 0);

	wr(fx, DATA(0xff), 0xff);
	assert_int_equal(rd(fx, DATA(0xff)), 0xf5); /* inputs ignore writes */
	/* The address masks which lines a write changes... */
	wr(fx, DATA(0x30), 0x00);
	assert_int_equal(rd(fx, DATA(0xff)), 0xc5);
	wr(fx, DATA(0x10), 0xff);
	assert_int_equal(rd(fx, DATA(0xff)), 0xd5);
	/* ...and which lines a read returns. */
	assert_int_equal(rd(fx, DATA(0x01)), 0x01);
	assert_int_equal(rd(fx, DATA(0x02)), 0x00);
	assert_int_equal(rd(fx, DATA(0x80)), 0x80);
	assert_int_equal(rd(fx, DATA(0x00)), 0x00);
	assert_int_equal(rd(fx, DATA(0x24)), 0x04);
	/* Host levels on output lines wait until the line is an input again. */
	assert_int_equal(pl061_set_input(fx->g, 7, 0), 0);
	assert_int_equal(rd(fx, DATA(0x80)), 0x80);
	wr(fx, DIR, 0x70);
	assert_int_equal(rd(fx, DATA(0x80)), 0x00);
	/* A line turned output drives the latch it kept, not the last write. */
	wr(fx, DATA(0x01), 0x01);
	wr(fx, DIR, 0x71);
	assert_int_equal(rd(fx, DATA(0x01)), 0x00);
	wr(fx, DATA(0x01), 0x01);
	assert_int_equal(rd(fx, DATA(0x01)), 0x01);
}

static void test_rising_edge(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IEV, 0x08);
	wr(fx, IE, 0x08);
	pl061_set_input(fx->g, 3, 1);
	assert_int_equal(rd(fx, RIS), 0x08);
	assert_int_equal(rd(fx, MIS), 0x08);
	assert_int_equal(level(fx), 1);
	/* Latched: the line going low again does not clear it... */
	pl061_set_input(fx->g, 3, 0);
	assert_int_equal(rd(fx, RIS), 0x08);
	/* ...GPIOIC does, and a falling edge does not latch anew. */
	wr(fx, IC, 0x08);
	assert_int_equal(rd(fx, RIS), 0x00);
	assert_int_equal(level(fx), 0);
	pl061_set_input(fx->g, 3, 0);
	assert_int_equal(rd(fx, RIS), 0x00);
	/* Driving the same level again is no edge. */
	pl061_set_input(fx->g, 3, 1);
	wr(fx, IC, 0x08);
	pl061_set_input(fx->g, 3, 1);
	assert_int_equal(rd(fx, RIS), 0x00);
	assert_int_equal(level(fx), 0);
}

static void test_falling_edge(void **state)
{
	struct fixture *fx = *state;

	pl061_set_input(fx->g, 5, 1);
	wr(fx, IE, 0x20);
	assert_int_equal(level(fx), 0);
	pl061_set_input(fx->g, 5, 0);
	assert_int_equal(rd(fx, RIS), 0x20);
	assert_int_equal(level(fx), 1);
	wr(fx, IC, 0xff);
	pl061_set_input(fx->g, 5, 1);
	assert_int_equal(rd(fx, RIS), 0x00);
}

static void test_both_edges(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IBE, 0x08);
	wr(fx, IEV, 0x00); /* ignored with IBE */
	wr(fx, IE, 0x08);
	pl061_set_input(fx->g, 3, 1);
	assert_int_equal(rd(fx, MIS), 0x08);
	wr(fx, IC, 0x08);
	assert_int_equal(level(fx), 0);
	pl061_set_input(fx->g, 3, 0);
	assert_int_equal(rd(fx, MIS), 0x08);
	assert_int_equal(level(fx), 1);
}

static void test_level_high(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IS, 0x02);
	wr(fx, IEV, 0x02);
	wr(fx, IE, 0x02);
	assert_int_equal(level(fx), 0);
	pl061_set_input(fx->g, 1, 1);
	assert_int_equal(rd(fx, RIS), 0x02);
	assert_int_equal(level(fx), 1);
	/* GPIOIC cannot clear a level that persists. */
	wr(fx, IC, 0x02);
	assert_int_equal(rd(fx, RIS), 0x02);
	assert_int_equal(level(fx), 1);
	pl061_set_input(fx->g, 1, 0);
	assert_int_equal(rd(fx, RIS), 0x00);
	assert_int_equal(level(fx), 0);
}

static void test_level_low(void **state)
{
	struct fixture *fx = *state;

	/* Low level on a line that is low: pending as soon as it is enabled. */
	wr(fx, IS, 0x01);
	assert_int_equal(rd(fx, RIS), 0x01);
	assert_int_equal(level(fx), 0);
	wr(fx, IE, 0x01);
	assert_int_equal(level(fx), 1);
	pl061_set_input(fx->g, 0, 1);
	assert_int_equal(level(fx), 0);
	/* Back to edge mode: the level no longer counts and left no latch. */
	pl061_set_input(fx->g, 0, 0);
	assert_int_equal(level(fx), 1);
	wr(fx, IS, 0x00);
	assert_int_equal(rd(fx, RIS), 0x00);
	assert_int_equal(level(fx), 0);
}

static void test_is_drops_stale_edge(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IEV, 0x01);
	pl061_set_input(fx->g, 0, 1);
	assert_int_equal(rd(fx, RIS), 0x01);
	wr(fx, IS, 0x01);  /* level high, line high: still pending... */
	pl061_set_input(fx->g, 0, 0);
	wr(fx, IS, 0x00);  /* ...but the old edge does not come back */
	assert_int_equal(rd(fx, RIS), 0x00);
}

static void test_ie_masks(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IEV, 0xff);
	for (unsigned int i = 0; i < PL061_NR_LINES; i++)
		pl061_set_input(fx->g, i, 1);
	assert_int_equal(rd(fx, RIS), 0xff);
	assert_int_equal(rd(fx, MIS), 0x00);
	assert_int_equal(level(fx), 0);
	wr(fx, IE, 0x40);
	assert_int_equal(rd(fx, MIS), 0x40);
	assert_int_equal(level(fx), 1);
	wr(fx, IC, 0x40);
	assert_int_equal(rd(fx, RIS), 0xbf);
	assert_int_equal(level(fx), 0);
	wr(fx, IE, 0x00);
	wr(fx, IC, 0xff);
	assert_int_equal(rd(fx, RIS), 0x00);
	/* RIS, MIS and IC are not stores. */
	wr(fx, RIS, 0xff);
	wr(fx, MIS, 0xff);
	assert_int_equal(rd(fx, RIS), 0x00);
	assert_int_equal(rd(fx, IC), 0x00);
}

static void test_output_edges(void **state)
{
	struct fixture *fx = *state;

	/* The logic watches pins, so the guest's own outputs interrupt too. */
	wr(fx, IEV, 0x80);
	wr(fx, IE, 0x80);
	wr(fx, DIR, 0x80);
	wr(fx, DATA(0x80), 0x80);
	assert_int_equal(rd(fx, MIS), 0x80);
	assert_int_equal(level(fx), 1);
	wr(fx, IC, 0x80);
	/* Turning an output back into an input shows the host's level. */
	pl061_set_input(fx->g, 7, 0);
	wr(fx, DATA(0x80), 0x00);
	pl061_set_input(fx->g, 7, 1);
	assert_int_equal(rd(fx, RIS), 0x00);
	wr(fx, DIR, 0x00);
	assert_int_equal(rd(fx, RIS), 0x80);
}

static void test_afsel(void **state)
{
	struct fixture *fx = *state;

	wr(fx, AFSEL, 0x5a);
	assert_int_equal(rd(fx, AFSEL), 0x5a);
	wr(fx, DIR, 0x01);
	wr(fx, DATA(0x01), 0x01);
	assert_int_equal(rd(fx, DATA(0x01)), 0x01);
}

static void test_bad_lines(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(pl061_set_input(fx->g, PL061_NR_LINES, 1), -EINVAL);
	assert_int_equal(pl061_set_input(fx->g, ~0u, 1), -EINVAL);
	assert_int_equal(pl061_pulse(fx->g, PL061_NR_LINES, 1), -EINVAL);
	assert_int_equal(rd(fx, DATA(0xff)), 0x00);
}

static void test_hostile_accesses(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t lens[] = { 0, 1, 2, 4, 8 };
	static const uint64_t offs[] = { 0x401, 0x402, 0x413, 0xfe1, 0x424, 0xffc + 4,
					 0x10000, UINT64_MAX };
	uint8_t buf[8];

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			memset(buf, 0xff, sizeof(buf));
			pl061_ops.write(fx->g, offs[i], buf, lens[j]);
			memset(buf, 0xee, sizeof(buf));
			pl061_ops.read(fx->g, offs[i], buf, lens[j]);
			for (uint32_t k = 0; k < sizeof(buf); k++)
				assert_int_equal(buf[k], k < lens[j] ? 0 : 0xee);
		}
	}
	/* Wide accesses at a register use and return the low byte. */
	memcpy(buf, "\x0f\xff\xff\xff\xff\xff\xff\xff", 8);
	pl061_ops.write(fx->g, DIR, buf, 8);
	memset(buf, 0xee, sizeof(buf));
	pl061_ops.read(fx->g, DIR, buf, 8);
	assert_memory_equal(buf, "\x0f\0\0\0\0\0\0\0", 8);
	pl061_ops.write(fx->g, IE, buf, 0);
	/* Nothing above reached another register. */
	assert_int_equal(rd(fx, IS), 0);
	assert_int_equal(rd(fx, IBE), 0);
	assert_int_equal(rd(fx, IEV), 0);
	assert_int_equal(rd(fx, IE), 0);
	assert_int_equal(rd(fx, AFSEL), 0);
}

static void test_reset(void **state)
{
	struct fixture *fx = *state;

	pl061_set_input(fx->g, 2, 1);
	wr(fx, DIR, 0xf0);
	wr(fx, DATA(0xff), 0xff);
	wr(fx, IS, 0x04);
	wr(fx, IEV, 0x04);
	wr(fx, IBE, 0x10);
	wr(fx, IE, 0xff);
	wr(fx, AFSEL, 0x01);
	assert_int_equal(level(fx), 1);
	pl061_reset(fx->g);
	assert_int_equal(level(fx), 0);
	assert_int_equal(rd(fx, DIR), 0);
	assert_int_equal(rd(fx, IS), 0);
	assert_int_equal(rd(fx, IBE), 0);
	assert_int_equal(rd(fx, IEV), 0);
	assert_int_equal(rd(fx, IE), 0);
	assert_int_equal(rd(fx, RIS), 0);
	assert_int_equal(rd(fx, AFSEL), 0);
	/* Outputs fell back to inputs; that and the reset are no edge. */
	assert_int_equal(rd(fx, DATA(0xff)), 0x04);
	/* The latch was cleared too. */
	wr(fx, DIR, 0xf0);
	assert_int_equal(rd(fx, DATA(0xf0)), 0x00);
}

/* A press holds the line high until released, so gpio-keys can read it. */
static void test_pulse_holds(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IBE, 0x08);
	wr(fx, IE, 0x08);
	assert_int_equal(pl061_pulse(fx->g, 3, 60 * 1000), 0);
	assert_int_equal(rd(fx, DATA(0x08)), 0x08);
	assert_int_equal(rd(fx, MIS), 0x08);
	assert_int_equal(level(fx), 1);
	/* pl061_set_input() cancels the release... */
	pl061_set_input(fx->g, 3, 1);
	assert_int_equal(rd(fx, DATA(0x08)), 0x08);
	/* ...and the teardown frees with a press in progress. */
	assert_int_equal(pl061_pulse(fx->g, 4, 60 * 1000), 0);
}

/* The pulse thread releases the line: a rising then a falling edge. */
static void test_pulse_releases(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IEV, 0x08); /* rising edge only */
	wr(fx, IE, 0x08);
	assert_int_equal(pl061_pulse(fx->g, 3, 2), 0);
	assert_int_equal(pl061_pulse(fx->g, 5, 3), 0);
	assert_int_equal(pl061_pulse(fx->g, 6, 1), 0);
	while (rd(fx, DATA(0x68)))
		sched_yield();
	assert_int_equal(rd(fx, RIS), 0x68);
	assert_int_equal(rd(fx, MIS), 0x08);
	assert_int_equal(level(fx), 1);
	wr(fx, IC, 0x08);
	assert_int_equal(level(fx), 0);

	/*
	 * Now only the falling edge counts: the line rises only when the
	 * thread releases the button.
	 */
	wr(fx, IEV, 0x00);
	assert_int_equal(pl061_pulse(fx->g, 3, PL061_PULSE_MS), 0);
	pthread_mutex_lock(&fx->irq.lock);
	while (!fx->irq.line.level)
		pthread_cond_wait(&fx->irq.changed, &fx->irq.lock);
	pthread_mutex_unlock(&fx->irq.lock);
	assert_int_equal(rd(fx, DATA(0x08)), 0x00);
	assert_int_equal(rd(fx, MIS), 0x08);
}

static void test_no_irq_line(void **state)
{
	struct pl061 *g = NULL;
	uint8_t v = 0xff;

	(void)state;
	assert_int_equal(pl061_new(NULL, &g), 0);
	assert_non_null(g);
	pl061_ops.write(g, IE, &v, 1);
	assert_int_equal(pl061_set_input(g, 0, 1), 0);
	pl061_ops.read(g, RIS, &v, 1);
	assert_int_equal(v, 0);
	pl061_reset(g);
	pl061_free(g);
	pl061_free(NULL);
}

static void test_new_failures(void **state)
{
	(void)state;
	struct pl061 *g;

	fault_check_status(pl061_new(NULL, &g), g, fail_create);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_primecell_ids),
		T(test_reset_values),
		T(test_masked_data),
		T(test_rising_edge),
		T(test_falling_edge),
		T(test_both_edges),
		T(test_level_high),
		T(test_level_low),
		T(test_is_drops_stale_edge),
		T(test_ie_masks),
		T(test_output_edges),
		T(test_afsel),
		T(test_bad_lines),
		T(test_hostile_accesses),
		T(test_reset),
		T(test_pulse_holds),
		T(test_pulse_releases),
		cmocka_unit_test(test_no_irq_line),
		cmocka_unit_test(test_new_failures),
#undef T
	};

	return cmocka_run_group_tests_name("pl061", tests, NULL, NULL);
}
