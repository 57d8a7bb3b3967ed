// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for matching KVM's binary statistics descriptors (arm64/stats_desc.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "unit.h"

#define NAME_SIZE 48
#define ONE (sizeof(struct kvm_stats_desc) + NAME_SIZE)

/* A descriptor block as KVM lays it out: fixed part, then a NAME_SIZE name. */
struct block {
	unsigned char bytes[16 * ONE];
	uint32_t n;
};

static void add(struct block *b, const char *name, uint32_t flags, uint16_t size, uint32_t offset)
{
	struct kvm_stats_desc *d = (void *)(b->bytes + b->n * ONE);

	assert_true(b->n < 16);
	memset(d, 0, ONE);
	d->flags = flags;
	d->size = size;
	d->offset = offset;
	strncpy(d->name, name, NAME_SIZE);
	b->n++;
}

static void test_finds_counters_at_data_offset(void **state)
{
	struct block b = { .n = 0 };
	int64_t off[VCPU_KSTAT_N];

	(void)state;
	add(&b, "halt_successful_poll", KVM_STATS_TYPE_CUMULATIVE, 1, 0);
	add(&b, "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 8);
	add(&b, "mmio_exit_user", KVM_STATS_TYPE_CUMULATIVE, 1, 16);
	add(&b, "wfi_exit_stat", KVM_STATS_TYPE_CUMULATIVE, 1, 24);
	add(&b, "halt_wait_ns", KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS, 1, 32);
	assert_int_equal(arm64_stats_match(b.bytes, b.n * ONE, b.n, NAME_SIZE, 1000, off), 4);
	assert_int_equal(off[VCPU_KSTAT_EXITS], 1008);
	assert_int_equal(off[VCPU_KSTAT_MMIO_USER], 1016);
	assert_int_equal(off[VCPU_KSTAT_WFI], 1024);
	assert_int_equal(off[VCPU_KSTAT_HALT_WAIT_NS], 1032);
	assert_int_equal(off[VCPU_KSTAT_HVC], -1);
	assert_int_equal(off[VCPU_KSTAT_MMIO_KERNEL], -1);
}

/* A histogram (size > 1 or a histogram type) is not a counter, even by name. */
static void test_skips_histograms(void **state)
{
	struct block b = { .n = 0 };
	int64_t off[VCPU_KSTAT_N];

	(void)state;
	add(&b, "exits", KVM_STATS_TYPE_LOG_HIST, 1, 0);
	add(&b, "wfi_exit_stat", KVM_STATS_TYPE_CUMULATIVE, 32, 8);
	assert_int_equal(arm64_stats_match(b.bytes, b.n * ONE, b.n, NAME_SIZE, 0, off), 0);
	assert_int_equal(off[VCPU_KSTAT_EXITS], -1);
	assert_int_equal(off[VCPU_KSTAT_WFI], -1);
}

/* A name that fills name_size without a NUL is skipped, not read past. */
static void test_unterminated_name(void **state)
{
	struct block b = { .n = 0 };
	int64_t off[VCPU_KSTAT_N];
	struct kvm_stats_desc *d;

	(void)state;
	add(&b, "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 0);
	d = (void *)b.bytes;
	memset(d->name, 'x', NAME_SIZE);
	memcpy(d->name, "exits", 5);
	assert_int_equal(arm64_stats_match(b.bytes, b.n * ONE, b.n, NAME_SIZE, 0, off), 0);
}

/* More descriptors than the buffer holds, or no name room: refused. */
static void test_refuses_what_does_not_fit(void **state)
{
	struct block b = { .n = 0 };
	int64_t off[VCPU_KSTAT_N];

	(void)state;
	add(&b, "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 0);
	assert_int_equal(arm64_stats_match(b.bytes, ONE - 1, 1, NAME_SIZE, 0, off), -EINVAL);
	assert_int_equal(arm64_stats_match(b.bytes, ONE, 0x40000000u, NAME_SIZE, 0, off), -EINVAL);
	assert_int_equal(arm64_stats_match(b.bytes, ONE, 1, 0, 0, off), -EINVAL);
	assert_int_equal(off[VCPU_KSTAT_EXITS], -1);
}

/* Every counter vmm reports has a printable name. */
static void test_names(void **state)
{
	unsigned int k;

	(void)state;
	for (k = 0; k < VCPU_KSTAT_N; k++) {
		assert_non_null(vcpu_kstat_names[k]);
		assert_true(strlen(vcpu_kstat_names[k]) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_counters_at_data_offset),
		cmocka_unit_test(test_skips_histograms),
		cmocka_unit_test(test_unterminated_name),
		cmocka_unit_test(test_refuses_what_does_not_fit),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
