// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for arm64 Image header validation (arm64/image.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arm64/image.h"

#define MiB (1ULL << 20)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Booting.rst's header: code0/1, text_offset, image_size, flags, res2-4, magic, res5. */
static void make_header(uint8_t *buf, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(buf, 0, IMAGE_HDR_SIZE);
	put32(buf + 0, 0x91005a4d); /* add x13, x18, #0x16: "MZ" when there is an EFI stub */
	put32(buf + 4, 0x14000000);
	put64(buf + 8, text_offset);
	put64(buf + 16, image_size);
	put64(buf + 24, flags);
	put32(buf + 56, IMAGE_MAGIC);
}

/* The valid header of the brief: LE, 4K pages, anywhere placement. */
static void make_valid(uint8_t *buf)
{
	make_header(buf, 0, 8 * MiB, 0xa);
}

static int parse(const uint8_t *buf, size_t len, uint64_t file_size, struct arm64_image *img,
		 const char **why)
{
	*why = NULL;
	return image_parse(buf, len, file_size, img, why);
}

static void test_valid(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_valid(buf);
	/* The magic is "ARM\x64" in the file. */
	assert_memory_equal(buf + 56, "ARM\x64", 4);
	assert_int_equal(parse(buf, sizeof(buf), 7 * MiB, &img, &why), 0);
	assert_null(why);
	assert_int_equal(img.text_offset, 0);
	assert_int_equal(img.image_size, 8 * MiB);
	assert_int_equal(img.flags, 0xa);
	assert_int_equal(img.file_size, 7 * MiB);
	assert_int_equal(img.page_kb, 4);
	assert_int_equal(img.any_placement, 1);
}

static void test_valid_with_text_offset(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_header(buf, 0x80000, 20 * MiB, 0x2);
	assert_int_equal(parse(buf, sizeof(buf), 18 * MiB, &img, &why), 0);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 20 * MiB);
	assert_int_equal(img.page_kb, 4);
	assert_int_equal(img.any_placement, 0);

	/* The largest 4K aligned offset below 2 MiB. */
	make_header(buf, (2 * MiB) - 4096, 8 * MiB, 0xa);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), 0);
	assert_int_equal(img.text_offset, 2 * MiB - 4096);
}

static void test_page_kb(void **state)
{
	static const struct {
		uint64_t flags;
		unsigned int kb;
		int any;
	} t[] = {
		{ 0x0, 0, 0 }, { 0x2, 4, 0 }, { 0x4, 16, 0 }, { 0x6, 64, 0 },
		{ 0x8, 0, 1 }, { 0xa, 4, 1 }, { 0xc, 16, 1 }, { 0xe, 64, 1 },
	};
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		make_header(buf, 0, 8 * MiB, t[i].flags);
		assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), 0);
		assert_int_equal(img.page_kb, t[i].kb);
		assert_int_equal(img.any_placement, t[i].any);
		assert_int_equal(img.flags, t[i].flags);
	}
}

static void test_bad_magic(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_valid(buf);
	put32(buf + 56, 0x644d5242);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "not an arm64 Image (bad magic)");

	/* The magic at another offset does not count. */
	make_valid(buf);
	put32(buf + 56, 0);
	put32(buf + 52, IMAGE_MAGIC);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "not an arm64 Image (bad magic)");

	/* Text. */
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(parse(buf, sizeof(buf), 100, &img, &why), -1);
	assert_string_equal(why, "not an arm64 Image (bad magic)");
}

static void test_gzip(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE] = { 0x1f, 0x8b, 0x08, 0x00 };
	struct arm64_image img;
	const char *why;

	(void)state;
	assert_int_equal(parse(buf, sizeof(buf), 5 * MiB, &img, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "gzip"));
	assert_string_equal(why, "not an arm64 Image (gzip-compressed; decompress it first)");
}

static void test_elf(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	struct arm64_image img;
	const char *why;

	(void)state;
	assert_int_equal(parse(buf, sizeof(buf), 30 * MiB, &img, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "ELF"));
	assert_string_equal(
		why, "not an arm64 Image (an ELF file such as vmlinux; use arch/arm64/boot/Image)");
}

static void test_short(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_valid(buf);
	/* Fewer than 64 bytes in the buffer... */
	assert_int_equal(parse(buf, IMAGE_HDR_SIZE - 1, 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "not an arm64 Image (shorter than its 64-byte header)");
	/* ...or in the file. */
	assert_int_equal(parse(buf, IMAGE_HDR_SIZE, IMAGE_HDR_SIZE - 1, &img, &why), -1);
	assert_string_equal(why, "not an arm64 Image (shorter than its 64-byte header)");
	assert_int_equal(parse(buf, 0, 0, &img, &why), -1);
	assert_string_equal(why, "not an arm64 Image (shorter than its 64-byte header)");
}

static void test_big_endian(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_header(buf, 0, 8 * MiB, 0xb);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "big-endian kernel (not supported)");
}

static void test_text_offset_misaligned(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_header(buf, 0x80001, 8 * MiB, 0xa);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "invalid header (text_offset not 4K aligned below 2 MiB)");

	make_header(buf, 0x800, 8 * MiB, 0xa);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "invalid header (text_offset not 4K aligned below 2 MiB)");

	/* Aligned, but not below 2 MiB. */
	make_header(buf, 2 * MiB, 8 * MiB, 0xa);
	assert_int_equal(parse(buf, sizeof(buf), 8 * MiB, &img, &why), -1);
	assert_string_equal(why, "invalid header (text_offset not 4K aligned below 2 MiB)");
}

static void test_image_size_too_big(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_header(buf, 0, (1ULL << 40) + 4096, 0xa);
	assert_int_equal(parse(buf, sizeof(buf), 1ULL << 40, &img, &why), -1);
	assert_string_equal(why, "invalid header (image_size above 1 TiB)");
}

/* Kernels before 3.17: image_size 0, and text_offset is 0x80000 regardless. */
static void test_legacy_image_size_zero(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_header(buf, 0, 0, 0);
	assert_int_equal(parse(buf, sizeof(buf), 6 * MiB + 123, &img, &why), 0);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 6 * MiB + 123);
	assert_int_equal(img.file_size, 6 * MiB + 123);
	assert_int_equal(img.page_kb, 0);
	assert_int_equal(img.any_placement, 0);

	/* Whatever text_offset the header had. */
	make_header(buf, 0x1234, 0, 0);
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB, &img, &why), 0);
	assert_int_equal(img.text_offset, 0x80000);
	assert_int_equal(img.image_size, 4 * MiB);
}

/* Without a PE header, a file under half of image_size is cut short. */
static void test_truncated_no_pe(void **state)
{
	uint8_t buf[IMAGE_HDR_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_valid(buf); /* image_size 8 MiB */
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB - 1, &img, &why), -1);
	assert_string_equal(why, "truncated (much smaller than the size its header gives)");
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB, &img, &why), 0);
	assert_int_equal(parse(buf, sizeof(buf), IMAGE_HDR_SIZE, &img, &why), -1);
	assert_string_equal(why, "truncated (much smaller than the size its header gives)");
	/* A file bigger than image_size is fine. */
	assert_int_equal(parse(buf, sizeof(buf), 9 * MiB, &img, &why), 0);
}

/*
 * A minimal EFI-stub kernel: "MZ" at 0, the PE header's offset at 60, "PE\0\0"
 * then the 20-byte COFF header (NumberOfSections at +6, SizeOfOptionalHeader
 * at +20 from the signature), the optional header, then the section table
 * (40 bytes each: SizeOfRawData at +16, PointerToRawData at +20).
 */
#define PE_OFF 0x40
#define OPT_SIZE 0xa0

static size_t make_pe(uint8_t *buf, size_t len, uint64_t image_size, unsigned int nsect,
		      const uint32_t (*sect)[2])
{
	size_t tab = PE_OFF + 24 + OPT_SIZE;
	unsigned int i;

	assert_true(tab + 40 * nsect <= len);
	memset(buf, 0, len);
	make_header(buf, 0, image_size, 0xa);
	assert_memory_equal(buf, "MZ", 2);
	put32(buf + 60, PE_OFF);
	memcpy(buf + PE_OFF, "PE\0\0", 4);
	put16(buf + PE_OFF + 4, 0xaa64); /* IMAGE_FILE_MACHINE_ARM64 */
	put16(buf + PE_OFF + 6, (uint16_t)nsect);
	put16(buf + PE_OFF + 20, OPT_SIZE);
	put16(buf + PE_OFF + 24, 0x20b); /* PE32+ */
	for (i = 0; i < nsect; i++) {
		uint8_t *s = buf + tab + 40 * i;

		memcpy(s, i ? ".data" : ".text", 6);
		put32(s + 8, sect[i][1]);   /* VirtualSize */
		put32(s + 12, sect[i][0]);  /* VirtualAddress */
		put32(s + 16, sect[i][1]);  /* SizeOfRawData */
		put32(s + 20, sect[i][0]);  /* PointerToRawData */
	}
	return tab + 40 * nsect;
}

static void test_pe_truncated(void **state)
{
	/* { PointerToRawData, SizeOfRawData }; the last ends at 0x211000. */
	static const uint32_t sect[3][2] = {
		{ 0x1000, 0x10000 },
		{ 0x11000, 0x200000 },
		{ 0x10000, 0x1000 },
	};
	uint8_t buf[IMAGE_PROBE_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_pe(buf, sizeof(buf), 0x400000, 3, sect);
	assert_int_equal(parse(buf, sizeof(buf), 0x211000 - 1, &img, &why), -1);
	assert_string_equal(why, "truncated (the file ends before the kernel's last section)");
	assert_int_equal(parse(buf, sizeof(buf), 0x211000, &img, &why), 0);
	assert_int_equal(img.file_size, 0x211000);
	assert_int_equal(parse(buf, sizeof(buf), 0x211000 + 1, &img, &why), 0);
}

/*
 * With a PE header the section table decides, not the half-of-image_size
 * rule: a kernel with a big bss is complete when its sections are.
 */
static void test_pe_overrides_half_rule(void **state)
{
	static const uint32_t sect[2][2] = {
		{ 0x1000, 0x10000 },
		{ 0x11000, 0x200000 },
	};
	uint8_t buf[IMAGE_PROBE_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_pe(buf, sizeof(buf), 64 * MiB, 2, sect);
	assert_int_equal(parse(buf, sizeof(buf), 0x211000, &img, &why), 0);
	assert_int_equal(img.image_size, 64 * MiB);
}

/* A PE header that does not fit in the probe buffer is ignored, not read. */
static void test_pe_outside_buffer(void **state)
{
	static const uint32_t sect[1][2] = { { 0x1000, 0x7ff000 } };
	uint8_t buf[IMAGE_PROBE_SIZE];
	struct arm64_image img;
	const char *why;
	size_t end;

	(void)state;
	end = make_pe(buf, sizeof(buf), 8 * MiB, 1, sect);

	/* Only the 64-byte header was read: the half rule applies. */
	assert_int_equal(parse(buf, IMAGE_HDR_SIZE, 4 * MiB, &img, &why), 0);
	assert_int_equal(parse(buf, IMAGE_HDR_SIZE, 4 * MiB - 1, &img, &why), -1);
	assert_string_equal(why, "truncated (much smaller than the size its header gives)");

	/* The section table cut off by the end of the buffer. */
	assert_int_equal(parse(buf, end - 1, 4 * MiB, &img, &why), 0);
	assert_int_equal(parse(buf, end, 4 * MiB, &img, &why), -1);
	assert_string_equal(why, "truncated (the file ends before the kernel's last section)");

	/* A PE offset pointing past the buffer. */
	put32(buf + 60, 0xfffffff0);
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB, &img, &why), 0);

	/* A PE offset inside the 64-byte header. */
	put32(buf + 60, 0x20);
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB, &img, &why), 0);
}

static void test_pe_bad_signature(void **state)
{
	static const uint32_t sect[1][2] = { { 0x1000, 0x7ff000 } };
	uint8_t buf[IMAGE_PROBE_SIZE];
	struct arm64_image img;
	const char *why;

	(void)state;
	make_pe(buf, sizeof(buf), 8 * MiB, 1, sect);
	memcpy(buf + PE_OFF, "PX\0\0", 4);
	/* No PE: 4 MiB is half of image_size, so fine; the 0x800000 section ignored. */
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB, &img, &why), 0);

	/* No "MZ": likewise. */
	make_pe(buf, sizeof(buf), 8 * MiB, 1, sect);
	buf[0] = 0;
	assert_int_equal(parse(buf, sizeof(buf), 4 * MiB, &img, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_with_text_offset),
		cmocka_unit_test(test_page_kb),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_text_offset_misaligned),
		cmocka_unit_test(test_image_size_too_big),
		cmocka_unit_test(test_legacy_image_size_zero),
		cmocka_unit_test(test_truncated_no_pe),
		cmocka_unit_test(test_pe_truncated),
		cmocka_unit_test(test_pe_overrides_half_rule),
		cmocka_unit_test(test_pe_outside_buffer),
		cmocka_unit_test(test_pe_bad_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
