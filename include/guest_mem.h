/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Guest RAM: one anonymous mapping covering [gpa, gpa + size).
 *
 * This is the one place that turns guest physical addresses into host
 * pointers. Device and ring code never do arithmetic on guest addresses: they
 * ask gm_ptr() for a whole range and treat NULL as a guest error.
 */
struct guest_mem {
	uint64_t gpa;      /* guest physical base, host-page aligned */
	uint64_t size;     /* bytes, a multiple of the host page size */
	uint8_t *host;     /* host mapping of gpa */
	size_t page_size;  /* host page size, sysconf(_SC_PAGESIZE) */
};

/*
 * gm_init - map guest RAM. gpa and size must be multiples of the host page
 * size. The mapping is aligned to 2 MiB so that the low 21 bits of host and
 * guest addresses match (stage-2 block mappings) and advised for transparent
 * huge pages. Returns 0, or -errno (EINVAL for misalignment, ENOMEM when the
 * host cannot map that much) with gm untouched.
 */
int gm_init(struct guest_mem *gm, uint64_t gpa, uint64_t size);

/* gm_destroy - unmap guest RAM; safe on a zeroed or already destroyed gm. */
void gm_destroy(struct guest_mem *gm);

/*
 * gm_ptr - host pointer to [gpa, gpa + len), or NULL unless the whole range
 * lies in guest RAM. Overflow-checked; len 0 is valid inside RAM. Lock-free.
 */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* gm_discard - give the RAM's pages back to the host (reads return zero). */
void gm_discard(struct guest_mem *gm);

#endif
