// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for guest RAM and the one guest-address check (vmm/guest_mem.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <unistd.h>

#include "guest_mem.h"

#define MiB (1ULL << 20)
#define BASE 0x80000000ULL
#define SIZE (4 * MiB)

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static int setup(void **state)
{
	static struct guest_mem gm;

	memset(&gm, 0, sizeof(gm));
	if (gm_init(&gm, BASE, SIZE))
		return -1;
	*state = &gm;
	return 0;
}

static int teardown(void **state)
{
	gm_destroy(*state);
	return 0;
}

/* gm_init refuses and leaves gm exactly as it was. */
static void assert_init_fails(uint64_t gpa, uint64_t size, int err)
{
	struct guest_mem gm, before;

	memset(&gm, 0x5a, sizeof(gm));
	before = gm;
	assert_int_equal(gm_init(&gm, gpa, size), -err);
	assert_memory_equal(&gm, &before, sizeof(gm));
}

static void test_init_misaligned(void **state)
{
	(void)state;
	assert_init_fails(BASE + 1, SIZE, EINVAL);
	assert_init_fails(BASE + page() / 2, SIZE, EINVAL);
	assert_init_fails(BASE, SIZE + 1, EINVAL);
	assert_init_fails(BASE, page() - 1, EINVAL);
	assert_init_fails(BASE, 0, EINVAL);
	/* [gpa, gpa + size) wrapping around 2^64 */
	assert_init_fails(0ULL - page(), 2 * page(), EINVAL);
}

static void test_init_too_big(void **state)
{
	(void)state;
	/* More than a 64-bit process can map once the 2 MiB of slack is added. */
	assert_init_fails(0, 0ULL - 2 * MiB, ENOMEM);
	/* More than any x86-64 or arm64 user address space. */
	assert_init_fails(0, 1ULL << 62, ENOMEM);
}

static void test_init_fields(void **state)
{
	struct guest_mem *gm = *state;

	assert_int_equal(gm->gpa, BASE);
	assert_int_equal(gm->size, SIZE);
	assert_int_equal(gm->page_size, page());
	assert_non_null(gm->host);
}

/* The low 21 bits of host and guest addresses match: stage 2 block mappings. */
static void test_host_2m_aligned(void **state)
{
	struct guest_mem *gm = *state;
	struct guest_mem odd = { 0 };

	assert_int_equal((uintptr_t)gm->host % (2 * MiB), 0);

	/* Also for a size that is not a multiple of 2 MiB, and usable to its last byte. */
	assert_int_equal(gm_init(&odd, BASE, 2 * MiB + page()), 0);
	assert_int_equal((uintptr_t)odd.host % (2 * MiB), 0);
	odd.host[0] = 1;
	odd.host[2 * MiB + page() - 1] = 2;
	assert_int_equal(odd.host[0] + odd.host[2 * MiB + page() - 1], 3);
	gm_destroy(&odd);
}

static void test_ptr_boundaries(void **state)
{
	struct guest_mem *gm = *state;
	uint8_t *h = gm->host;

	/* Start, inside, last byte, the whole of RAM. */
	assert_ptr_equal(gm_ptr(gm, BASE, 1), h);
	assert_ptr_equal(gm_ptr(gm, BASE + 0x1234, 8), h + 0x1234);
	assert_ptr_equal(gm_ptr(gm, BASE + SIZE - 1, 1), h + SIZE - 1);
	assert_ptr_equal(gm_ptr(gm, BASE + SIZE - 8, 8), h + SIZE - 8);
	assert_ptr_equal(gm_ptr(gm, BASE, SIZE), h);

	/* One byte too many, one past the end. */
	assert_null(gm_ptr(gm, BASE, SIZE + 1));
	assert_null(gm_ptr(gm, BASE + 1, SIZE));
	assert_null(gm_ptr(gm, BASE + SIZE - 8, 9));
	assert_null(gm_ptr(gm, BASE + SIZE, 1));
	assert_null(gm_ptr(gm, BASE + SIZE + 1, 0));

	/* Below the base, and straddling it. */
	assert_null(gm_ptr(gm, BASE - 1, 1));
	assert_null(gm_ptr(gm, BASE - 1, 2));
	assert_null(gm_ptr(gm, BASE - 1, 0));
	assert_null(gm_ptr(gm, 0, 1));
	assert_null(gm_ptr(gm, 0, BASE + 1));
}

/* Empty ranges: valid anywhere inside RAM, including the end of it. */
static void test_ptr_len_zero(void **state)
{
	struct guest_mem *gm = *state;

	assert_ptr_equal(gm_ptr(gm, BASE, 0), gm->host);
	assert_ptr_equal(gm_ptr(gm, BASE + 100, 0), gm->host + 100);
	assert_ptr_equal(gm_ptr(gm, BASE + SIZE - 1, 0), gm->host + SIZE - 1);
	/* [end, end) is empty and so lies in RAM; one past that does not. */
	assert_ptr_equal(gm_ptr(gm, BASE + SIZE, 0), gm->host + SIZE);
	assert_null(gm_ptr(gm, BASE + SIZE + 1, 0));
}

/* Ranges whose end wraps around 2^64 never pass. */
static void test_ptr_wrapping(void **state)
{
	struct guest_mem *gm = *state;

	assert_null(gm_ptr(gm, BASE + 0x1000, UINT64_MAX));
	assert_null(gm_ptr(gm, BASE + 0x1000, 0ULL - 0x1000));      /* end wraps to BASE */
	assert_null(gm_ptr(gm, BASE + 0x1000, 0ULL - BASE - 0x800)); /* end wraps to 0x800 */
	assert_null(gm_ptr(gm, BASE, UINT64_MAX));
	assert_null(gm_ptr(gm, UINT64_MAX, 1));
	assert_null(gm_ptr(gm, UINT64_MAX, 2));
	assert_null(gm_ptr(gm, UINT64_MAX, 0));
	assert_null(gm_ptr(gm, UINT64_MAX - SIZE, SIZE + 0x1000));
	assert_null(gm_ptr(gm, BASE + SIZE - 1, UINT64_MAX));
}

/* RAM at the very top of the address space. */
static void test_ptr_top_of_space(void **state)
{
	struct guest_mem gm = { 0 };
	uint64_t base = 0ULL - 2 * page() * 2; /* 4 pages below 2^64 */

	(void)state;
	assert_int_equal(gm_init(&gm, base, 2 * page()), 0);
	assert_ptr_equal(gm_ptr(&gm, base, 2 * page()), gm.host);
	assert_ptr_equal(gm_ptr(&gm, base + 2 * page() - 1, 1), gm.host + 2 * page() - 1);
	assert_null(gm_ptr(&gm, base + 2 * page() - 1, 2));
	assert_null(gm_ptr(&gm, base + 1, UINT64_MAX - base));
	assert_null(gm_ptr(&gm, UINT64_MAX, 1));
	gm_destroy(&gm);
}

static void test_discard(void **state)
{
	struct guest_mem *gm = *state;
	uint8_t *p = gm_ptr(gm, BASE, SIZE);
	uint64_t i, nonzero = 0;

	assert_non_null(p);
	memset(p, 0xab, SIZE);
	assert_int_equal(p[SIZE - 1], 0xab);
	gm_discard(gm);
	for (i = 0; i < SIZE; i++)
		nonzero += p[i] != 0;
	assert_int_equal(nonzero, 0);
	/* Still mapped and usable after the discard. */
	p[12345] = 7;
	assert_int_equal(*(uint8_t *)gm_ptr(gm, BASE + 12345, 1), 7);
}

static void test_destroy_twice(void **state)
{
	struct guest_mem gm = { 0 };

	(void)state;
	gm_destroy(&gm); /* never initialised */
	gm_discard(&gm);
	assert_int_equal(gm_init(&gm, BASE, SIZE), 0);
	gm_destroy(&gm);
	assert_null(gm.host);
	assert_int_equal(gm.size, 0);
	gm_destroy(&gm);
	/* A destroyed gm has no RAM at all. */
	assert_null(gm_ptr(&gm, BASE, 1));
	assert_null(gm_ptr(&gm, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_misaligned),
		cmocka_unit_test(test_init_too_big),
		cmocka_unit_test_setup_teardown(test_init_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_2m_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptr_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptr_len_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptr_wrapping, setup, teardown),
		cmocka_unit_test(test_ptr_top_of_space),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
		cmocka_unit_test(test_destroy_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
