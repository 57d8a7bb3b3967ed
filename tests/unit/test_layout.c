// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the guest memory map and boot placement (arm64/layout.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arm64/layout.h"
#include "config.h"
#include "unit.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static struct arm64_image image(uint64_t text_offset, uint64_t image_size, uint64_t file_size)
{
	struct arm64_image img = {
		.text_offset = text_offset,
		.image_size = image_size,
		.file_size = file_size,
		.flags = 0xa,
		.page_kb = 4,
		.any_placement = 1,
	};

	return img;
}

/* layout_compute that must succeed silently. */
static void compute_ok(struct arm64_layout *l, uint64_t mem, uint64_t page,
		       const struct arm64_image *img, uint64_t initrd_size)
{
	struct unit_capture cap;
	int r;

	memset(l, 0xa5, sizeof(*l));
	unit_capture_begin(&cap, 2);
	r = layout_compute(l, mem, page, img, "Image", initrd_size,
			   initrd_size ? "initrd.img" : NULL);
	unit_capture_end(&cap);
	assert_int_equal(r, 0);
	assert_string_equal(cap.text, "");
}

/* layout_compute that must fail; returns the message in cap. */
static void compute_fail(struct unit_capture *cap, uint64_t mem, uint64_t page,
			 const struct arm64_image *img, uint64_t initrd_size)
{
	struct arm64_layout l;
	int r;

	unit_capture_begin(cap, 2);
	r = layout_compute(&l, mem, page, img, "Image", initrd_size,
			   initrd_size ? "initrd.img" : NULL);
	unit_capture_end(cap);
	assert_int_equal(r, -1);
}

/* Nothing overlaps, everything is inside RAM, alignment as booting.rst wants. */
static void assert_sane(const struct arm64_layout *l, uint64_t page)
{
	uint64_t ram_end = l->ram_base + l->ram_size;

	assert_true(l->kernel_addr >= l->ram_base);
	assert_true(l->kernel_end > l->kernel_addr);
	assert_int_equal(l->fdt_addr % 8, 0);
	assert_int_equal(l->fdt_addr % page, 0);
	assert_true(l->fdt_addr + LAYOUT_FDT_MAX <= ram_end);
	if (l->initrd_size) {
		assert_int_equal(l->initrd_addr % page, 0);
		assert_true(l->kernel_end <= l->initrd_addr);
		assert_true(l->initrd_addr + l->initrd_size <= l->fdt_addr);
	} else {
		assert_int_equal(l->initrd_addr, 0);
		assert_true(l->kernel_end <= l->fdt_addr);
	}
}

/* --- IPA size -------------------------------------------------------- */

static void test_ipa_bits(void **state)
{
	(void)state;
	assert_int_equal(layout_ipa_bits(0), 32);
	assert_int_equal(layout_ipa_bits(1), 32);
	assert_int_equal(layout_ipa_bits(1 * GiB), 32);
	assert_int_equal(layout_ipa_bits(0x90000000ULL), 32); /* 2 GiB + 256 MiB */
	assert_int_equal(layout_ipa_bits(4 * GiB), 32);
	assert_int_equal(layout_ipa_bits(4 * GiB + 1), 33);
	assert_int_equal(layout_ipa_bits(8 * GiB), 33);
	assert_int_equal(layout_ipa_bits(8 * GiB + 1), 34);
	assert_int_equal(layout_ipa_bits(2 * GiB + 16 * GiB), 35);
	assert_int_equal(layout_ipa_bits(1ULL << 48), 48);
	assert_int_equal(layout_ipa_bits((1ULL << 48) + 1), 49);
	assert_int_equal(layout_ipa_bits(UINT64_MAX), 64);
}

static void test_ipa_bits_from_compute(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 20 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 4096, &img, 0);
	assert_int_equal(l.ipa_bits, 32);
	compute_ok(&l, 2 * GiB, 4096, &img, 0); /* ends at exactly 4 GiB */
	assert_int_equal(l.ipa_bits, 32);
	compute_ok(&l, 2 * GiB + 4096, 4096, &img, 0);
	assert_int_equal(l.ipa_bits, 33);
	compute_ok(&l, 16 * GiB, 4096, &img, 0);
	assert_int_equal(l.ipa_bits, 35);
}

/* The fixed map: windows in order, not overlapping, all below RAM. */
static void test_fixed_map(void **state)
{
	(void)state;
	assert_int_equal(layout_redist_size(1), 0x20000);
	assert_int_equal(layout_redist_size(4), 0x80000);
	assert_int_equal(layout_redist_size(CONFIG_MAX_CPUS), 64 * MiB);
	assert_true(LAYOUT_GIC_DIST + 0x10000 <= LAYOUT_GIC_V2_CPU);
	assert_true(LAYOUT_GIC_V2_CPU + 0x2000 <= LAYOUT_GIC_ITS);
	assert_true(LAYOUT_GIC_ITS + 0x20000 <= LAYOUT_GIC_REDIST);
	assert_true(LAYOUT_GIC_REDIST + layout_redist_size(CONFIG_MAX_CPUS) <= LAYOUT_DEV_BASE);
	assert_true(LAYOUT_UART + LAYOUT_UART_SIZE <= LAYOUT_RTC);
	assert_true(LAYOUT_RTC + 0x1000 <= LAYOUT_GPIO);
	assert_true(LAYOUT_GPIO + 0x1000 <= LAYOUT_VIRTIO_BASE);
	assert_int_equal(LAYOUT_MMIO_END, 0x10140000ULL);
	assert_true(LAYOUT_MMIO_END <= LAYOUT_RAM_BASE);
	assert_true(LAYOUT_SPI_VIRTIO + LAYOUT_VIRTIO_MAX <= LAYOUT_NR_IRQS - 32);
}

/* --- placement ------------------------------------------------------- */

static void test_place_256m_with_initrd(void **state)
{
	struct arm64_image img = image(0x80000, 20 * MiB, 18 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 4096, &img, 5 * MiB);
	assert_int_equal(l.ram_base, 0x80000000ULL);
	assert_int_equal(l.ram_size, 256 * MiB);
	assert_int_equal(l.kernel_addr, 0x80080000ULL);
	assert_int_equal(l.kernel_end, 0x80080000ULL + 20 * MiB);
	assert_int_equal(l.fdt_addr, 0x90000000ULL - LAYOUT_FDT_MAX);
	assert_int_equal(l.fdt_addr, 0x8fff0000ULL);
	assert_int_equal(l.initrd_addr, 0x8fff0000ULL - 5 * MiB);
	assert_int_equal(l.initrd_size, 5 * MiB);
	assert_int_equal(l.ipa_bits, 32);
	assert_true(l.kernel_end <= l.initrd_addr);
	assert_true(l.initrd_addr + l.initrd_size <= l.fdt_addr);
	assert_sane(&l, 4096);
}

static void test_place_text_offset_zero(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 20 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 4096, &img, 5 * MiB);
	assert_int_equal(l.kernel_addr, 0x80000000ULL);
	assert_int_equal(l.kernel_end, 0x80000000ULL + 20 * MiB);
	assert_int_equal(l.initrd_addr, 0x8faf0000ULL);
	assert_sane(&l, 4096);
}

/* An odd-sized initrd is placed page aligned, ending at most a page below the FDT. */
static void test_place_odd_initrd_4k(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 20 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 4096, &img, 5 * MiB + 100);
	assert_int_equal(l.fdt_addr, 0x8fff0000ULL);
	assert_int_equal(l.initrd_addr, 0x8faef000ULL);
	assert_int_equal(l.initrd_size, 5 * MiB + 100);
	assert_sane(&l, 4096);
}

static void test_place_64k_pages(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 20 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 64 * KiB, &img, 5 * MiB + 100);
	assert_int_equal(l.fdt_addr, 0x8fff0000ULL);
	assert_int_equal(l.initrd_addr, 0x8fae0000ULL);
	assert_int_equal(l.initrd_size, 5 * MiB + 100);
	assert_int_equal(l.kernel_addr, 0x80000000ULL);
	assert_sane(&l, 64 * KiB);

	compute_ok(&l, 256 * MiB, 64 * KiB, &img, 5 * MiB);
	assert_int_equal(l.initrd_addr, 0x8faf0000ULL);
	assert_sane(&l, 64 * KiB);
}

static void test_place_without_initrd(void **state)
{
	struct arm64_image img = image(0x80000, 20 * MiB, 18 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 4096, &img, 0);
	assert_int_equal(l.initrd_addr, 0);
	assert_int_equal(l.initrd_size, 0);
	assert_int_equal(l.fdt_addr, 0x8fff0000ULL);
	assert_sane(&l, 4096);
}

/* The kernel spans the larger of image_size and the file. */
static void test_kernel_span_file_bigger(void **state)
{
	struct arm64_image img = image(0, 8 * MiB, 12 * MiB);
	struct arm64_layout l;

	(void)state;
	compute_ok(&l, 256 * MiB, 4096, &img, 0);
	assert_int_equal(l.kernel_end, 0x80000000ULL + 12 * MiB);
}

/* Exactly enough RAM fits; one page less does not. */
static void test_exact_fit(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 20 * MiB);
	struct arm64_layout l;
	struct unit_capture cap;

	(void)state;
	compute_ok(&l, 20 * MiB + LAYOUT_FDT_MAX + 4 * MiB, 4096, &img, 4 * MiB);
	assert_int_equal(l.kernel_end, l.initrd_addr);
	assert_int_equal(l.initrd_addr + l.initrd_size, l.fdt_addr);
	assert_sane(&l, 4096);

	compute_fail(&cap, 20 * MiB + LAYOUT_FDT_MAX + 4 * MiB - 4096, 4096, &img, 4 * MiB);
	unit_assert_one_line(cap.text, "initrd initrd.img: kernel Image (20 MiB) and initrd "
				       "(4 MiB) need 25 MiB of guest RAM, --mem 24636K is 1 MiB "
				       "short");
}

/* --- does not fit --------------------------------------------------- */

static void test_too_small_no_initrd(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 16 * MiB);
	struct unit_capture cap;

	(void)state;
	/* need = 20 MiB + 64 KiB: 21 MiB rounded up, 4 MiB + 64 KiB short: 5. */
	compute_fail(&cap, 16 * MiB, 4096, &img, 0);
	assert_non_null(strstr(cap.text, "short"));
	assert_non_null(strstr(cap.text, "5 MiB"));
	unit_assert_one_line(cap.text, "kernel Image: needs 21 MiB of guest RAM (image_size and "
				       "device tree), --mem 16M is 5 MiB short");
}

static void test_too_small_with_initrd(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 16 * MiB);
	struct unit_capture cap;

	(void)state;
	/* need = 20 MiB + 64 KiB + 16 MiB: 37 MiB; 4 MiB + 64 KiB short: 5. */
	compute_fail(&cap, 32 * MiB, 4096, &img, 16 * MiB);
	assert_non_null(strstr(cap.text, "short"));
	unit_assert_one_line(cap.text, "initrd initrd.img: kernel Image (20 MiB) and initrd "
				       "(16 MiB) need 37 MiB of guest RAM, --mem 32M is 5 MiB "
				       "short");

	/* Kernel alone fits, the initrd pushes it over: 64 MiB + 20 MiB + 64 KiB in 64 MiB. */
	compute_fail(&cap, 64 * MiB, 4096, &img, 44 * MiB);
	unit_assert_one_line(cap.text, "initrd initrd.img: kernel Image (20 MiB) and initrd "
				       "(44 MiB) need 65 MiB of guest RAM, --mem 64M is 1 MiB "
				       "short");
}

/* text_offset counts against the RAM the kernel needs. */
static void test_too_small_text_offset(void **state)
{
	struct arm64_image img = image(0x80000, 20 * MiB, 20 * MiB);
	struct unit_capture cap;

	(void)state;
	compute_fail(&cap, 20 * MiB, 4096, &img, 0);
	unit_assert_one_line(cap.text, "kernel Image: needs 21 MiB of guest RAM (image_size and "
				       "device tree), --mem 20M is 1 MiB short");
}

/* RAM that would run past the top of the 64-bit address space. */
static void test_mem_wraps(void **state)
{
	struct arm64_image img = image(0, 20 * MiB, 20 * MiB);
	struct unit_capture cap;

	(void)state;
	/* 0x8000_0000 + (2^64 - 2^31) wraps to 0. */
	compute_fail(&cap, 0ULL - (2 * GiB), 4096, &img, 0);
	unit_assert_one_line(cap.text,
			     "--mem 17179869182G: beyond any guest physical address space");
}

/*
 * The steal time region: a 64-byte aligned record per vCPU up to
 * CONFIG_MAX_CPUS, whole pages of every page size, below RAM and clear of
 * every MMIO window, so it needs no IPA bits of its own.
 */
static void test_pvtime_region(void **state)
{
	(void)state;
	assert_int_equal(layout_pvtime_addr(0), LAYOUT_PVTIME);
	assert_int_equal(layout_pvtime_addr(1), LAYOUT_PVTIME + 64);
	assert_int_equal(layout_pvtime_addr(0) % 64, 0);
	assert_true(layout_pvtime_addr(CONFIG_MAX_CPUS - 1) + 64 <=
		    LAYOUT_PVTIME + LAYOUT_PVTIME_SIZE);
	assert_int_equal(LAYOUT_PVTIME % (64 * KiB), 0);
	assert_int_equal(LAYOUT_PVTIME_SIZE % (64 * KiB), 0);
	assert_true(LAYOUT_PVTIME >= LAYOUT_MMIO_END);
	assert_true(LAYOUT_PVTIME >= LAYOUT_GIC_REDIST + layout_redist_size(CONFIG_MAX_CPUS));
	assert_true(LAYOUT_PVTIME + LAYOUT_PVTIME_SIZE <= LAYOUT_RAM_BASE);
	assert_int_equal(layout_ipa_bits(LAYOUT_PVTIME + LAYOUT_PVTIME_SIZE), LAYOUT_MIN_IPA_BITS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipa_bits),
		cmocka_unit_test(test_ipa_bits_from_compute),
		cmocka_unit_test(test_fixed_map),
		cmocka_unit_test(test_place_256m_with_initrd),
		cmocka_unit_test(test_place_text_offset_zero),
		cmocka_unit_test(test_place_odd_initrd_4k),
		cmocka_unit_test(test_place_64k_pages),
		cmocka_unit_test(test_place_without_initrd),
		cmocka_unit_test(test_kernel_span_file_bigger),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_too_small_no_initrd),
		cmocka_unit_test(test_too_small_with_initrd),
		cmocka_unit_test(test_too_small_text_offset),
		cmocka_unit_test(test_mem_wraps),
		cmocka_unit_test(test_pvtime_region),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
