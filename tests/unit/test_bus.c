// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the MMIO bus (vmm/bus.c) with fake devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>

#include "bus.h"

/* Records every access it gets; reads answer a pattern built from the offset. */
struct fake_dev {
	struct bus_dev dev;
	int reads, writes;
	uint64_t last_off;
	uint32_t last_len;
	uint8_t last_data[8];
};

static void fake_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct fake_dev *f = opaque;
	uint8_t *p = data;
	uint32_t i;

	f->reads++;
	f->last_off = offset;
	f->last_len = len;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(0x40 + offset + i);
}

static void fake_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct fake_dev *f = opaque;

	f->writes++;
	f->last_off = offset;
	f->last_len = len;
	memset(f->last_data, 0, sizeof(f->last_data));
	memcpy(f->last_data, data, len > 8 ? 8 : len);
}

static const struct bus_dev_ops fake_ops = { .read = fake_read, .write = fake_write };
static const struct bus_dev_ops no_ops = { 0 };

static void fake_init(struct fake_dev *f, const char *name, uint64_t base, uint64_t size)
{
	memset(f, 0, sizeof(*f));
	f->dev.name = name;
	f->dev.base = base;
	f->dev.size = size;
	f->dev.ops = &fake_ops;
	f->dev.opaque = f;
}

static void test_add_and_find(void **state)
{
	struct bus bus = { 0 };
	struct fake_dev a, b;

	(void)state;
	fake_init(&a, "a", 0x1000, 0x100);
	fake_init(&b, "b", 0x2000, 0x1000);
	assert_int_equal(bus_add(&bus, &a.dev), 0);
	assert_int_equal(bus_add(&bus, &b.dev), 0);
	assert_int_equal(bus.n, 2);
	assert_ptr_equal(bus_find(&bus, 0x1000), &a.dev);
	assert_ptr_equal(bus_find(&bus, 0x10ff), &a.dev);
	assert_null(bus_find(&bus, 0x1100));
	assert_null(bus_find(&bus, 0xfff));
	assert_ptr_equal(bus_find(&bus, 0x2000), &b.dev);
	assert_ptr_equal(bus_find(&bus, 0x2fff), &b.dev);
	assert_null(bus_find(&bus, 0x3000));
	assert_null(bus_find(&bus, 0));
	assert_null(bus_find(&bus, UINT64_MAX));
}

static void test_empty_bus(void **state)
{
	struct bus bus = { 0 };
	uint8_t data[4] = { 1, 2, 3, 4 };

	(void)state;
	assert_null(bus_find(&bus, 0));
	assert_false(bus_access(&bus, 0x1000, data, 4, false));
	assert_memory_equal(data, ((uint8_t[]){ 1, 2, 3, 4 }), 4);
}

static void test_overlap(void **state)
{
	struct bus bus = { 0 };
	struct fake_dev a, b;

	(void)state;
	fake_init(&a, "a", 0x1000, 0x1000);
	assert_int_equal(bus_add(&bus, &a.dev), 0);

	/* Same window, inside, straddling either end, covering it. */
	fake_init(&b, "b", 0x1000, 0x1000);
	assert_int_equal(bus_add(&bus, &b.dev), -EEXIST);
	fake_init(&b, "b", 0x1800, 0x10);
	assert_int_equal(bus_add(&bus, &b.dev), -EEXIST);
	fake_init(&b, "b", 0x800, 0x801);
	assert_int_equal(bus_add(&bus, &b.dev), -EEXIST);
	fake_init(&b, "b", 0x1fff, 0x10);
	assert_int_equal(bus_add(&bus, &b.dev), -EEXIST);
	fake_init(&b, "b", 0, 0x10000);
	assert_int_equal(bus_add(&bus, &b.dev), -EEXIST);
	assert_int_equal(bus.n, 1);

	/* Touching is not overlapping. */
	fake_init(&b, "b", 0x800, 0x800);
	assert_int_equal(bus_add(&bus, &b.dev), 0);
	{
		struct fake_dev c;

		fake_init(&c, "c", 0x2000, 0x800);
		assert_int_equal(bus_add(&bus, &c.dev), 0);
		assert_int_equal(bus.n, 3);
		assert_ptr_equal(bus_find(&bus, 0x1fff), &a.dev);
		assert_ptr_equal(bus_find(&bus, 0xfff), &b.dev);
		assert_ptr_equal(bus_find(&bus, 0x2000), &c.dev);
	}
}

static void test_bad_windows(void **state)
{
	struct bus bus = { 0 };
	struct fake_dev a;

	(void)state;
	fake_init(&a, "empty", 0x1000, 0);
	assert_int_equal(bus_add(&bus, &a.dev), -EINVAL);
	fake_init(&a, "wraps", UINT64_MAX - 0xff, 0x200);
	assert_int_equal(bus_add(&bus, &a.dev), -EINVAL);
	assert_int_equal(bus.n, 0);
}

static void test_full(void **state)
{
	static struct fake_dev devs[BUS_MAX_DEVS + 1];
	struct bus bus = { 0 };
	int i;

	(void)state;
	for (i = 0; i < BUS_MAX_DEVS; i++) {
		fake_init(&devs[i], "d", 0x10000 + (uint64_t)i * 0x1000, 0x1000);
		assert_int_equal(bus_add(&bus, &devs[i].dev), 0);
	}
	fake_init(&devs[i], "one too many", 0x100000, 0x1000);
	assert_int_equal(bus_add(&bus, &devs[i].dev), -ENOSPC);
	assert_int_equal(bus.n, BUS_MAX_DEVS);
	for (i = 0; i < BUS_MAX_DEVS; i++)
		assert_ptr_equal(bus_find(&bus, 0x10800 + (uint64_t)i * 0x1000), &devs[i].dev);
}

/* Added in any order, the table is sorted and every window is found. */
static void test_sorted(void **state)
{
	static const uint64_t bases[] = { 0x9000, 0x1000, 0x5000, 0x3000, 0x7000, 0x0, 0xb000 };
	struct fake_dev devs[7];
	struct bus bus = { 0 };
	unsigned int i;
	int j;

	(void)state;
	for (i = 0; i < 7; i++) {
		fake_init(&devs[i], "d", bases[i], 0x800);
		assert_int_equal(bus_add(&bus, &devs[i].dev), 0);
	}
	for (j = 1; j < bus.n; j++)
		assert_true(bus.devs[j - 1]->base < bus.devs[j]->base);
	for (i = 0; i < 7; i++) {
		uint8_t v;

		assert_ptr_equal(bus_find(&bus, bases[i] + 0x7ff), &devs[i].dev);
		assert_null(bus_find(&bus, bases[i] + 0x800));
		assert_true(bus_access(&bus, bases[i] + 0x10, &v, 1, false));
		assert_int_equal(devs[i].reads, 1);
		assert_int_equal(devs[i].last_off, 0x10);
		assert_int_equal(v, 0x50);
	}
}

static void test_dispatch_offsets(void **state)
{
	struct bus bus = { 0 };
	struct fake_dev a, b;
	uint8_t data[8];
	uint32_t w = 0xdeadbeef;
	uint64_t q = 0x0102030405060708ULL;

	(void)state;
	fake_init(&a, "a", 0x10000000, 0x1000);
	fake_init(&b, "b", 0x10010000, 0x200);
	assert_int_equal(bus_add(&bus, &a.dev), 0);
	assert_int_equal(bus_add(&bus, &b.dev), 0);

	/* Reads: the device gets the offset and the length, data comes back. */
	memset(data, 0xff, sizeof(data));
	assert_true(bus_access(&bus, 0x10000005, data, 2, false));
	assert_int_equal(a.reads, 1);
	assert_int_equal(a.last_off, 5);
	assert_int_equal(a.last_len, 2);
	assert_int_equal(data[0], 0x45);
	assert_int_equal(data[1], 0x46);
	assert_int_equal(data[2], 0xff); /* beyond len: untouched */
	assert_int_equal(b.reads, 0);

	/* Writes reach the right device with the bytes given. */
	assert_true(bus_access(&bus, 0x10010070, &w, 4, true));
	assert_int_equal(b.writes, 1);
	assert_int_equal(b.last_off, 0x70);
	assert_int_equal(b.last_len, 4);
	assert_memory_equal(b.last_data, &w, 4);
	assert_int_equal(a.writes, 0);

	assert_true(bus_access(&bus, 0x10000ff8, &q, 8, true));
	assert_int_equal(a.writes, 1);
	assert_int_equal(a.last_off, 0xff8);
	assert_int_equal(a.last_len, 8);
	assert_memory_equal(a.last_data, &q, 8);
}

/* An access that runs past the end of the window is not the device's. */
static void test_straddle(void **state)
{
	struct bus bus = { 0 };
	struct fake_dev a, b;
	uint8_t data[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };

	(void)state;
	fake_init(&a, "a", 0x1000, 0x100);
	fake_init(&b, "b", 0x1100, 0x100); /* adjacent: must not get half of it */
	assert_int_equal(bus_add(&bus, &a.dev), 0);
	assert_int_equal(bus_add(&bus, &b.dev), 0);

	assert_true(bus_access(&bus, 0x10fc, data, 4, false));  /* last 4 bytes: fine */
	assert_int_equal(a.reads, 1);
	memset(data, 9, sizeof(data));
	assert_false(bus_access(&bus, 0x10fd, data, 4, false)); /* one byte over */
	assert_false(bus_access(&bus, 0x10ff, data, 2, true));
	assert_false(bus_access(&bus, 0x10f8 + 4, data, 8, false));
	assert_int_equal(a.reads, 1);
	assert_int_equal(a.writes, 0);
	assert_int_equal(b.reads, 0);
	assert_int_equal(b.writes, 0);
	assert_memory_equal(data, ((uint8_t[]){ 9, 9, 9, 9, 9, 9, 9, 9 }), 8);

	/* A window at the very top of the address space. */
	{
		struct bus top = { 0 };
		struct fake_dev t;

		fake_init(&t, "top", UINT64_MAX - 0xfff, 0xfff);
		assert_int_equal(bus_add(&top, &t.dev), 0);
		assert_false(bus_access(&top, UINT64_MAX - 2, data, 4, false));
		assert_true(bus_access(&top, UINT64_MAX - 4, data, 4, false));
		assert_int_equal(t.last_off, 0xffb);
	}
}

/* One access: bus_access(bus, addr, data, len, write). */
struct access {
	uint64_t addr;
	uint32_t len;
	bool write;
};

/*
 * With one device at [0x1000, 0x1100), each access must be refused without
 * reaching the device or touching the caller's buffer.
 */
static void assert_refused(const struct access *acc, size_t n)
{
	struct bus bus = { 0 };
	struct fake_dev a;
	uint8_t data[4] = { 7, 7, 7, 7 };
	size_t i;

	fake_init(&a, "a", 0x1000, 0x100);
	assert_int_equal(bus_add(&bus, &a.dev), 0);
	for (i = 0; i < n; i++)
		assert_false(bus_access(&bus, acc[i].addr, data, acc[i].len, acc[i].write));
	assert_int_equal(a.reads, 0);
	assert_int_equal(a.writes, 0);
	assert_memory_equal(data, ((uint8_t[]){ 7, 7, 7, 7 }), 4);
}

static void test_unclaimed(void **state)
{
	static const struct access acc[] = {
		{ 0xffc, 4, false },
		{ 0xfff, 4, false }, /* starts below, ends inside */
		{ 0x1100, 4, true },
		{ 0, 1, false },
	};

	(void)state;
	assert_refused(acc, sizeof(acc) / sizeof(acc[0]));
}

static void test_zero_len(void **state)
{
	static const struct access acc[] = {
		{ 0x1000, 0, false },
		{ 0x1000, 0, true },
	};

	(void)state;
	assert_refused(acc, sizeof(acc) / sizeof(acc[0]));
}

/* A device without callbacks: writes are dropped, reads answer zero. */
static void test_no_callbacks(void **state)
{
	struct bus bus = { 0 };
	struct bus_dev d = { .name = "ro", .base = 0x4000, .size = 0x10, .ops = &no_ops };
	uint32_t v = 0xffffffff;

	(void)state;
	assert_int_equal(bus_add(&bus, &d), 0);
	assert_true(bus_access(&bus, 0x4004, &v, 4, false));
	assert_int_equal(v, 0);
	assert_true(bus_access(&bus, 0x4004, &v, 4, true));
}

/* A read is zero-filled before the device sees it (a device may fill less). */
static void lazy_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	(void)opaque;
	(void)offset;
	(void)len;
	*(uint8_t *)data = 0x5a;
}

static void test_read_zero_filled(void **state)
{
	static const struct bus_dev_ops lazy_ops = { .read = lazy_read };
	struct bus bus = { 0 };
	struct bus_dev d = { .name = "lazy", .base = 0x4000, .size = 0x10, .ops = &lazy_ops };
	uint32_t v = 0xffffffff;

	(void)state;
	assert_int_equal(bus_add(&bus, &d), 0);
	assert_true(bus_access(&bus, 0x4000, &v, 4, false));
	assert_int_equal(v, 0x5a);
}

/* A fake coalescer: a ring of writes the test fills, zones it records. */
struct fake_ring {
	struct bus_coalescer ops;
	const struct bus *bus;
	uint64_t zone_addr, zone_len;
	bool zone_on;
	int zone_err;        /* -errno the next zone call fails with */
	int zone_calls;
	struct { uint64_t addr; uint8_t data[8]; uint32_t len; } e[8];
	int n;
	int drained_calls;   /* bus_replay_done callbacks seen by the device */
	bool saw_replaying;  /* the device's write ran with bus_replaying() */
};

static struct fake_ring *ring_of_test;

static int ring_zone(void *ctx, uint64_t addr, uint64_t len, bool on)
{
	struct fake_ring *r = ctx;

	r->zone_calls++;
	if (r->zone_err)
		return r->zone_err;
	r->zone_addr = addr;
	r->zone_len = len;
	r->zone_on = on;
	return 0;
}

static void ring_drain(void *ctx)
{
	struct fake_ring *r = ctx;
	int i;

	for (i = 0; i < r->n; i++)
		bus_replay(r->bus, r->e[i].addr, r->e[i].data, r->e[i].len);
	if (r->n)
		bus_replay_done(r->bus);
	r->n = 0;
}

static void replay_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	ring_of_test->saw_replaying = bus_replaying();
	fake_write(opaque, offset, data, len);
}

static void count_drained(struct bus_dev *dev)
{
	(void)dev;
	ring_of_test->drained_calls++;
}

static const struct bus_dev_ops replay_ops = { .read = fake_read, .write = replay_write };

static void test_coalesce_zone(void **state)
{
	struct bus bus = { 0 };
	struct fake_ring r = { .ops = { .zone = ring_zone, .drain = ring_drain, .ctx = &r } };
	struct fake_dev a, b;

	(void)state;
	fake_init(&a, "uart", 0x1000, 0x100);
	fake_init(&b, "other", 0x2000, 0x100);
	a.dev.coalesce_off = 0;
	a.dev.coalesce_len = 1;
	/* No coalescer: quietly not supported, nothing changes. */
	assert_int_equal(bus_coalesce(&bus, &a.dev, true), -EOPNOTSUPP);
	assert_false(a.dev.coalescing);
	bus_drain(&bus); /* no-op */
	bus_set_coalescer(&bus, &r.ops);
	/* A region without a declared range cannot be coalesced. */
	assert_int_equal(bus_coalesce(&bus, &b.dev, true), -EOPNOTSUPP);
	assert_int_equal(r.zone_calls, 0);
	assert_int_equal(bus_coalesce(&bus, &a.dev, true), 0);
	assert_true(a.dev.coalescing);
	assert_int_equal(r.zone_addr, 0x1000);
	assert_int_equal(r.zone_len, 1);
	assert_true(r.zone_on);
	/* Already on: no second registration. */
	assert_int_equal(bus_coalesce(&bus, &a.dev, true), 0);
	assert_int_equal(r.zone_calls, 1);
	/* A refusal leaves the state as it was. */
	r.zone_err = -ENOMEM;
	assert_int_equal(bus_coalesce(&bus, &a.dev, false), -ENOMEM);
	assert_true(a.dev.coalescing);
	r.zone_err = 0;
	assert_int_equal(bus_coalesce(&bus, &a.dev, false), 0);
	assert_false(a.dev.coalescing);
	assert_false(r.zone_on);
}

static void test_coalesce_replay_in_order(void **state)
{
	struct bus bus = { 0 };
	struct fake_ring r = { .ops = { .zone = ring_zone, .drain = ring_drain, .ctx = &r } };
	struct fake_dev a;
	int i;

	(void)state;
	ring_of_test = &r;
	r.bus = &bus;
	fake_init(&a, "uart", 0x1000, 0x100);
	a.dev.ops = &replay_ops;
	a.dev.drained = count_drained;
	assert_int_equal(bus_add(&bus, &a.dev), 0);
	bus_set_coalescer(&bus, &r.ops);
	for (i = 0; i < 3; i++) {
		r.e[i].addr = 0x1000;
		r.e[i].len = 1;
		r.e[i].data[0] = (uint8_t)('a' + i);
	}
	r.e[3].addr = 0x9000; /* unclaimed: skipped, the rest goes on */
	r.e[3].len = 1;
	r.e[4].addr = 0x1004;
	r.e[4].len = 4;
	memcpy(r.e[4].data, "wxyz", 4);
	r.n = 5;
	bus_drain(&bus);
	assert_int_equal(a.writes, 4);
	assert_int_equal(a.last_off, 4);
	assert_memory_equal(a.last_data, "wxyz", 4);
	assert_true(r.saw_replaying);
	assert_false(bus_replaying());
	assert_int_equal(r.drained_calls, 1);
	/* An empty drain tells nobody. */
	bus_drain(&bus);
	assert_int_equal(r.drained_calls, 1);
	/* A plain access is no replay. */
	assert_true(bus_access(&bus, 0x1000, (uint8_t[]){ 'q' }, 1, true));
	assert_false(r.saw_replaying);
	bus_set_coalescer(&bus, NULL);
	ring_of_test = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_find),
		cmocka_unit_test(test_coalesce_zone),
		cmocka_unit_test(test_coalesce_replay_in_order),
		cmocka_unit_test(test_empty_bus),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_bad_windows),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_dispatch_offsets),
		cmocka_unit_test(test_straddle),
		cmocka_unit_test(test_unclaimed),
		cmocka_unit_test(test_zero_len),
		cmocka_unit_test(test_no_callbacks),
		cmocka_unit_test(test_read_zero_filled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
