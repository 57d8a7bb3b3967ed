// SPDX-License-Identifier: GPL-2.0-only
/* Where things go in guest physical memory (the map is drawn in layout.h). */
#include <inttypes.h>

#include "arm64/layout.h"
#include "config.h"
#include "log.h"

#define SZ_2M (2ULL << 20)
#define MIB(x) ((uint64_t)(((x) + (1ULL << 20) - 1) >> 20))

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

unsigned int layout_ipa_bits(uint64_t end)
{
	unsigned int bits = 0;

	if (end > 1)
		bits = 64 - (unsigned int)__builtin_clzll(end - 1);
	return bits < LAYOUT_MIN_IPA_BITS ? LAYOUT_MIN_IPA_BITS : bits;
}

uint64_t layout_pvtime_addr(unsigned int cpu)
{
	return LAYOUT_PVTIME + (uint64_t)cpu * LAYOUT_PVTIME_STRIDE;
}

uint64_t layout_redist_size(unsigned int cpus)
{
	return (uint64_t)cpus * LAYOUT_GIC_REDIST_PER_CPU;
}

int layout_compute(struct arm64_layout *l, uint64_t mem, uint64_t page_size,
		   const struct arm64_image *img, const char *kernel_name, uint64_t initrd_size,
		   const char *initrd_name)
{
	uint64_t ram_end, kernel_span, top, need;
	char sz[32];

	l->ram_base = LAYOUT_RAM_BASE;
	l->ram_size = mem;
	ram_end = l->ram_base + mem;
	if (ram_end < l->ram_base) {
		log_error("--mem %s: beyond any guest physical address space",
			  config_format_size(mem, sz, sizeof(sz)));
		return -1;
	}
	l->ipa_bits = layout_ipa_bits(ram_end);

	/* booting.rst: text_offset from a 2 MiB aligned base near the start of RAM. */
	l->kernel_addr = align_up(l->ram_base, SZ_2M) + img->text_offset;
	kernel_span = img->image_size > img->file_size ? img->image_size : img->file_size;
	l->kernel_end = l->kernel_addr + kernel_span;

	/* FDT at the top, the initrd right below it, both page aligned. */
	need = l->kernel_end - l->ram_base + LAYOUT_FDT_MAX;
	if (initrd_size)
		need += align_up(initrd_size, page_size);
	if (need > mem) {
		if (initrd_size)
			log_error("initrd %s: kernel %s (%" PRIu64 " MiB) and initrd (%" PRIu64
				  " MiB) need %" PRIu64 " MiB of guest RAM, --mem %s is %" PRIu64
				  " MiB short",
				  initrd_name, kernel_name, MIB(kernel_span), MIB(initrd_size),
				  MIB(need), config_format_size(mem, sz, sizeof(sz)), MIB(need - mem));
		else
			log_error("kernel %s: needs %" PRIu64 " MiB of guest RAM (image_size and "
				  "device tree), --mem %s is %" PRIu64 " MiB short",
				  kernel_name, MIB(need), config_format_size(mem, sz, sizeof(sz)),
				  MIB(need - mem));
		return -1;
	}
	l->fdt_addr = align_down(ram_end - LAYOUT_FDT_MAX, page_size);
	top = l->fdt_addr;
	if (initrd_size) {
		l->initrd_addr = align_down(top - initrd_size, page_size);
		l->initrd_size = initrd_size;
	} else {
		l->initrd_addr = 0;
		l->initrd_size = 0;
	}
	return 0;
}
