/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_KERNEL_FILE_H
#define VMM_TESTS_KERNEL_FILE_H

/*
 * Helpers for the tests that write synthetic kernel files into a temporary
 * directory (test_loader.c, test_kernel_format.c): little-endian stores, a
 * valid arm64 Image header, and the fixture teardown that removes the
 * directory. Static functions marked unused, as each test binary is one .c
 * file. Include after <cmocka.h>, "unit.h" and the test's definition of
 * struct fixture, which has a member `char dir[]`: the directory made by
 * unit_mkdtemp() in the test's setup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arm64/image.h"

static __attribute__((unused)) void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * A valid 64-byte Image header (Documentation/arch/arm64/booting.rst) at p,
 * for an image of image_size bytes: little-endian, 4K pages, placed anywhere;
 * everything else zero.
 */
static __attribute__((unused)) void put_image_header(uint8_t *p, uint32_t image_size)
{
	memset(p, 0, 64);
	put32(p + 16, image_size);
	put32(p + 24, 0xa); /* LE, 4K, anywhere */
	put32(p + 56, IMAGE_MAGIC);
}

/* The cmocka teardown of a struct fixture: removes its directory, frees it. */
static __attribute__((unused)) int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	unit_rmtree(fx->dir);
	free(fx);
	return 0;
}

#endif
