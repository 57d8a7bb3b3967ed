/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FUZZ_H
#define VMM_TESTS_FUZZ_H

/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): a cursor
 * that hands out the input a few bytes at a time (zeros once it runs out,
 * so every input decodes to something), and a NUL-terminated copy for the
 * string parsers. Each target is one .c file; the helpers are static and
 * marked unused.
 *
 * Targets must be deterministic and leak nothing between runs: each run
 * builds the objects it needs and frees them, or resets long-lived ones.
 * Device log lines go to stderr; tests/fuzz/run.sh closes it
 * (-close_fd_mask), the sanitizer reports still reach the terminal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const uint8_t *p;
	size_t n;
};

static __attribute__((unused)) size_t fz_left(const struct fz *f)
{
	return f->n;
}

static __attribute__((unused)) void fz_bytes(struct fz *f, void *out, size_t len)
{
	size_t k = len < f->n ? len : f->n;

	memcpy(out, f->p, k);
	memset((uint8_t *)out + k, 0, len - k);
	f->p += k;
	f->n -= k;
}

static __attribute__((unused)) uint8_t fz_u8(struct fz *f)
{
	uint8_t v;

	fz_bytes(f, &v, 1);
	return v;
}

static __attribute__((unused)) uint16_t fz_u16(struct fz *f)
{
	uint16_t v;

	fz_bytes(f, &v, 2);
	return v;
}

static __attribute__((unused)) uint32_t fz_u32(struct fz *f)
{
	uint32_t v;

	fz_bytes(f, &v, 4);
	return v;
}

static __attribute__((unused)) uint64_t fz_u64(struct fz *f)
{
	uint64_t v;

	fz_bytes(f, &v, 8);
	return v;
}

/* The input as a C string (a malloc'ed copy; stops at an embedded NUL). */
static __attribute__((unused)) char *fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
