// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtio-rng: requests through the transport, the requestq
 * and the device's I/O thread, with the fake driver writing descriptors
 * and rings into fake guest RAM; hostile buffers and chains, the pause
 * gate and resets under load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"
#include "virtio_rng.h"
#include "virtio_mmio.h"

#define INT_CONFIG 2
#define NO_EVENT_IDX (~0ull & ~F_EVENT_IDX)

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (8ull << 20)
#define HEAP_BASE (RAM_BASE + (1ull << 20))
#define QSIZE VIRTIO_RNG_QUEUE_MAX

struct rfx {
	struct guest_mem gm;
	struct irq_line irq;
	atomic_int pulses;
	struct dev_gate gate;
	struct virtio_rng *rng;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[2], used_seen[2], next_desc[2];
	uint64_t heap;
	uint64_t features;
};

#define FAKE_DRIVER_FIXTURE struct rfx
#include "fake_driver.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A buffer of len bytes filled with '.', writable by the device unless ro. */
static struct seg buf(struct rfx *f, uint32_t len, bool ro)
{
	uint64_t gpa = alloc(f, len, 16);

	memset(ram(f, gpa, len), '.', len);
	return (struct seg){ gpa, len, !ro };
}

/* How many of p[0..len) are still '.' (random bytes hit '.' at 1 in 256). */
static size_t dots(const uint8_t *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] == '.';
	return n;
}

static int setup(void **state)
{
	struct rfx *f = calloc(1, sizeof(*f));
	struct virtio_mmio_host host = { .gate = &f->gate };

	assert_int_equal(gm_init(&f->gm, RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(dev_gate_init(&f->gate), 0);
	f->irq.pulse = fake_pulse;
	f->irq.ctx = f;
	f->nq = VIRTIO_RNG_NUM_QUEUES;
	assert_int_equal(virtio_rng_new(&f->rng), 0);
	assert_int_equal(virtio_mmio_new(&virtio_rng_dev_ops, f->rng, VIRTIO_RNG_NUM_QUEUES,
					 VIRTIO_RNG_QUEUE_MAX, &f->irq, &f->gm, &host, "virtio rng",
					 &f->t),
			 0);
	drv_init(f, NO_EVENT_IDX);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct rfx *f = *state;

	virtio_mmio_free(f->t);
	virtio_rng_free(f->rng);
	dev_gate_destroy(&f->gate);
	gm_destroy(&f->gm);
	free(f);
	return 0;
}

static void test_identity(void **state)
{
	struct rfx *f = *state;
	uint64_t feat = device_features(f);

	assert_int_equal(rd(f, DEVICE_ID), 4);
	assert_true(feat & F_VERSION_1);
	/* No device feature bits (the low 24 are the device's). */
	assert_int_equal(feat & 0xffffff, 0);
	wr(f, QUEUE_SEL, 0);
	assert_int_equal(rd(f, QUEUE_NUM_MAX), VIRTIO_RNG_QUEUE_MAX);
	/* No config space. */
	assert_int_equal(rd(f, CONFIG), 0);
}

static void test_fill(void **state)
{
	struct rfx *f = *state;
	struct seg a = buf(f, 64, false), b = buf(f, 64, false);
	struct virtio_rng_stats s;
	uint16_t ha, hb;

	ha = post_kick(f, 0, &a, 1);
	expect_used(f, 0, ha, 64);
	hb = post_kick(f, 0, &b, 1);
	expect_used(f, 0, hb, 64);
	assert_true(dots(ram(f, a.gpa, 64), 64) < 8);
	/* Two requests are not the same bytes. */
	assert_memory_not_equal(ram(f, a.gpa, 64), ram(f, b.gpa, 64), 64);
	assert_true(atomic_load(&f->pulses) >= 1);
	virtio_rng_get_stats(f->rng, &s);
	assert_int_equal(s.requests, 2);
	assert_int_equal(s.bytes, 128);
}

/* A chain of several writable buffers is filled through, every one of them. */
static void test_chain(void **state)
{
	struct rfx *f = *state;
	struct seg s[3] = { buf(f, 1, false), buf(f, 100, false), buf(f, 4096, false) };
	uint16_t h = post_kick(f, 0, s, 3);

	expect_used(f, 0, h, 4197);
	assert_true(dots(ram(f, s[1].gpa, 100), 100) < 10);
	assert_true(dots(ram(f, s[2].gpa, 4096), 4096) < 64);
}

/* A huge buffer gets VIRTIO_RNG_REQ_MAX bytes and the rest stays untouched. */
static void test_request_cap(void **state)
{
	struct rfx *f = *state;
	uint32_t len = 2 * VIRTIO_RNG_REQ_MAX;
	struct seg a = buf(f, len, false);
	uint16_t h = post_kick(f, 0, &a, 1);
	const uint8_t *p;

	expect_used(f, 0, h, VIRTIO_RNG_REQ_MAX);
	p = ram(f, a.gpa, len);
	assert_true(dots(p, VIRTIO_RNG_REQ_MAX) < VIRTIO_RNG_REQ_MAX / 64);
	assert_int_equal(dots(p + VIRTIO_RNG_REQ_MAX, VIRTIO_RNG_REQ_MAX), VIRTIO_RNG_REQ_MAX);
}

/* A device-readable buffer: NEEDS_RESET, nothing written, the queue left alone. */
static void test_readable_buffer(void **state)
{
	struct rfx *f = *state;
	struct seg s[2] = { buf(f, 16, true), buf(f, 16, false) };
	struct seg ok;
	struct unit_capture cap;
	uint16_t h;

	unit_capture_begin(&cap, 2);
	post(f, 0, s, 2);
	kick(f, 0);
	assert_no_used(f, 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 4: rng request with a "
				       "device-readable buffer; the device needs a reset");
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
	assert_int_equal(rd(f, INT_STATUS) & INT_CONFIG, INT_CONFIG);
	assert_int_equal(dots(ram(f, s[1].gpa, 16), 16), 16);
	ok = buf(f, 16, false);
	post(f, 0, &ok, 1);
	kick(f, 0);
	assert_no_used(f, 0);
	/* After a reset the device serves again. */
	drv_init(f, NO_EVENT_IDX);
	assert_int_equal(rd(f, STATUS) & S_NR, 0);
	ok = buf(f, 16, false);
	h = post_kick(f, 0, &ok, 1);
	expect_used(f, 0, h, 16);
}

/* A descriptor outside guest RAM: NEEDS_RESET, no crash, no write anywhere. */
static void test_outside_ram(void **state)
{
	struct rfx *f = *state;
	struct seg s = { RAM_BASE + RAM_SIZE - 8, 16, true };
	struct unit_capture cap;

	unit_capture_begin(&cap, 2);
	post(f, 0, &s, 1);
	kick(f, 0);
	assert_no_used(f, 0);
	unit_capture_end(&cap);
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
}

/*
 * A full queue of chains, each a huge buffer (all the same guest memory):
 * served in bounded batches; a pause stops it within a batch, a resume
 * finishes it, and a reset with the queue full again returns promptly,
 * paused or not.
 */
static void test_flood_pause_reset(void **state)
{
	struct rfx *f = *state;
	struct seg big = buf(f, 4u << 20, false);
	uint16_t *used = ram(f, qbase(0) + 0x2000, 4);
	uint16_t u1, u2;
	unsigned int i;
	double t0;

	dev_gate_close(&f->gate);
	for (i = 0; i < QSIZE; i++)
		post(f, 0, &big, 1);
	kick(f, 0);
	sleep_ms(50);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), 0);
	dev_gate_open(&f->gate);
	/* Pause mid-flood: within one batch nothing more is returned. */
	while (__atomic_load_n(&used[1], __ATOMIC_ACQUIRE) == 0)
		sleep_ms(1);
	t0 = mono_s();
	dev_gate_close(&f->gate);
	assert_true(mono_s() - t0 < 1.0);
	u1 = __atomic_load_n(&used[1], __ATOMIC_ACQUIRE);
	sleep_ms(50);
	u2 = __atomic_load_n(&used[1], __ATOMIC_ACQUIRE);
	assert_int_equal(u1, u2);
	dev_gate_open(&f->gate);
	for (i = 0; i < QSIZE; i++) {
		uint16_t h;
		uint32_t l;

		assert_true(wait_used(f, 0, &h, &l));
		assert_int_equal(l, VIRTIO_RNG_REQ_MAX);
	}
	/* Reset with a full queue pending, running and paused. */
	for (i = 0; i < QSIZE; i++)
		post(f, 0, &big, 1);
	kick(f, 0);
	t0 = mono_s();
	wr(f, STATUS, 0);
	assert_true(mono_s() - t0 < 1.0);
	drv_init(f, NO_EVENT_IDX);
	for (i = 0; i < QSIZE; i++)
		post(f, 0, &big, 1);
	dev_gate_close(&f->gate);
	kick(f, 0);
	t0 = mono_s();
	wr(f, STATUS, 0);
	assert_true(mono_s() - t0 < 1.0);
	assert_int_equal(rd(f, STATUS), 0);
	dev_gate_open(&f->gate);
}

/* Buffers posted before DRIVER_OK are served when the device starts. */
static void test_posted_before_start(void **state)
{
	struct rfx *f = *state;
	struct seg a;
	uint16_t h;

	drv_setup(f, NO_EVENT_IDX);
	a = buf(f, 32, false);
	h = post(f, 0, &a, 1);
	drv_ok(f);
	expect_used(f, 0, h, 32);
}

/* Reset and activation many times: one thread at most, none after free. */
static void test_restarts(void **state)
{
	struct rfx *f = *state;
	unsigned int i;

	for (i = 0; i < 20; i++) {
		struct seg a;
		uint16_t h;

		drv_init(f, i & 1 ? ~0ull : NO_EVENT_IDX);
		a = buf(f, 8, false);
		h = post_kick(f, 0, &a, 1);
		expect_used(f, 0, h, 8);
		assert_int_equal(count_threads("rng-io"), 1);
	}
	wr(f, STATUS, 0);
	assert_int_equal(count_threads("rng-io"), 0);
}

static void test_new_free(void **state)
{
	struct virtio_rng *r;
	struct virtio_rng_stats s;

	(void)state;
	assert_int_equal(virtio_rng_new(&r), 0);
	virtio_rng_get_stats(r, &s);
	assert_int_equal(s.bytes, 0);
	virtio_rng_free(r);
	virtio_rng_free(NULL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_fill),
		T(test_chain),
		T(test_request_cap),
		T(test_readable_buffer),
		T(test_outside_ram),
		T(test_flood_pause_reset),
		T(test_posted_before_start),
		T(test_restarts),
		cmocka_unit_test(test_new_free),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
