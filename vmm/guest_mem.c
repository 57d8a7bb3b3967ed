// SPDX-License-Identifier: GPL-2.0-only
/* Guest RAM: one anonymous mapping and the one guest-address check. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_mem.h"

#define SZ_2M (2ULL << 20)

int gm_init(struct guest_mem *gm, uint64_t gpa, uint64_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *raw, *host;
	size_t map_len;

	if (!size || gpa % page || size % page || gpa + size < gpa)
		return -EINVAL;
	if (size > SIZE_MAX - SZ_2M)
		return -ENOMEM;
	/*
	 * Over-allocate by 2 MiB and trim so the host address is 2 MiB aligned:
	 * with the guest base also 2 MiB aligned, KVM can map stage 2 with
	 * block mappings backed by transparent huge pages. No MAP_NORESERVE: a
	 * request the host can never back should fail here, not at first touch.
	 */
	map_len = (size_t)size + SZ_2M;
	raw = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return -errno;
	host = (uint8_t *)(((uintptr_t)raw + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
	if (host > raw)
		munmap(raw, (size_t)(host - raw));
	if (host + size < raw + map_len)
		munmap(host + size, (size_t)(raw + map_len - (host + size)));
	madvise(host, (size_t)size, MADV_HUGEPAGE);
	/* Guest RAM in a core dump of vmm is large and private to the guest. */
	madvise(host, (size_t)size, MADV_DONTDUMP);

	gm->gpa = gpa;
	gm->size = size;
	gm->host = host;
	gm->page_size = page;
	return 0;
}

void gm_destroy(struct guest_mem *gm)
{
	if (gm->host)
		munmap(gm->host, (size_t)gm->size);
	memset(gm, 0, sizeof(*gm));
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (gpa < gm->gpa)
		return NULL;
	off = gpa - gm->gpa;
	if (off > gm->size || len > gm->size - off)
		return NULL;
	return gm->host + off;
}

void gm_discard(struct guest_mem *gm)
{
	if (gm->host)
		madvise(gm->host, (size_t)gm->size, MADV_DONTNEED);
}
