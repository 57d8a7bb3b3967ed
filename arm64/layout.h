/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_LAYOUT_H
#define ARM64_LAYOUT_H

#include <stdint.h>

#include "arm64/image.h"

/*
 * The guest physical memory map, written down once.
 *
 *   0x0000_0000 +-----------------------------+
 *               | nothing: accesses fault     |
 *   0x0800_0000 +-----------------------------+ LAYOUT_GIC_DIST (64 KiB)
 *   0x0801_0000 | GICv2 CPU interface (64 KiB window, page aligned)
 *   0x0802_0000 | GICv3 ITS (128 KiB)
 *   0x0810_0000 | GICv3 redistributors, 128 KiB per vCPU,
 *               |   room for CONFIG_MAX_CPUS (512): 64 MiB
 *   0x0c10_0000 +-----------------------------+
 *               | nothing                     |
 *   0x1000_0000 +-----------------------------+ LAYOUT_DEV_BASE
 *               | 16550 UART (4 KiB)
 *   0x1008_0000 | PL031 RTC, PL061 GPIO, pvpanic: 4 KiB each
 *   0x1010_0000 | virtio-mmio transports, 4 KiB each, up to 64
 *   0x1014_0000 +-----------------------------+ LAYOUT_MMIO_END
 *               | nothing                     |
 *   0x1100_0000 +-----------------------------+ LAYOUT_PVTIME (64 KiB)
 *               | steal time records, 64 bytes per vCPU: a memslot of
 *               |   its own, outside RAM and the /memory node
 *   0x1101_0000 +-----------------------------+
 *               | nothing                     |
 *   0x8000_0000 +-----------------------------+ LAYOUT_RAM_BASE
 *               | kernel Image (text_offset from the base, image_size)
 *               | ... free ...
 *               | initrd (page aligned, just below the FDT)
 *               | FDT (LAYOUT_FDT_MAX, at the top of RAM)
 *   RAM end     +-----------------------------+
 *
 * Every MMIO window (and the steal time region) sits below RAM, so the highest guest address is the end
 * of RAM and the IPA size follows from --mem alone: 32 bits up to 2 GiB of
 * RAM, one more bit each time RAM doubles past that.
 */
#define LAYOUT_GIC_DIST 0x08000000ULL
#define LAYOUT_GIC_V2_CPU 0x08010000ULL
#define LAYOUT_GIC_ITS 0x08020000ULL
#define LAYOUT_GIC_REDIST 0x08100000ULL
#define LAYOUT_GIC_REDIST_PER_CPU 0x20000ULL
#define LAYOUT_DEV_BASE 0x10000000ULL
#define LAYOUT_UART (LAYOUT_DEV_BASE + 0x0000)
#define LAYOUT_UART_SIZE 0x1000ULL
#define LAYOUT_RTC (LAYOUT_DEV_BASE + 0x80000)
#define LAYOUT_GPIO (LAYOUT_DEV_BASE + 0x81000)
#define LAYOUT_PVPANIC (LAYOUT_DEV_BASE + 0x82000)
#define LAYOUT_VIRTIO_BASE (LAYOUT_DEV_BASE + 0x100000)
#define LAYOUT_VIRTIO_STRIDE 0x1000ULL
#define LAYOUT_VIRTIO_MAX 64
#define LAYOUT_MMIO_END (LAYOUT_VIRTIO_BASE + LAYOUT_VIRTIO_MAX * LAYOUT_VIRTIO_STRIDE)
/*
 * Steal time (KVM_ARM_VCPU_PVTIME_IPA): one 64-byte record per vCPU, 64
 * bytes aligned, 32 KiB for CONFIG_MAX_CPUS. 64 KiB so that the region is
 * whole pages on 4K, 16K and 64K hosts. The guest finds its record through
 * an SMCCC call, so the device tree need not mention it.
 */
#define LAYOUT_PVTIME 0x11000000ULL
#define LAYOUT_PVTIME_SIZE 0x10000ULL
#define LAYOUT_PVTIME_STRIDE 64ULL
#define LAYOUT_RAM_BASE 0x80000000ULL
#define LAYOUT_FDT_MAX (64ULL << 10)
#define LAYOUT_MIN_IPA_BITS 32

/* GIC SPIs (INTID - 32) of the fixed devices; virtio transports follow. */
#define LAYOUT_SPI_UART 0
#define LAYOUT_SPI_RTC 1
#define LAYOUT_SPI_GPIO 2
#define LAYOUT_SPI_VIRTIO 16
#define LAYOUT_NR_IRQS 128 /* GIC interrupts in all: 32 private + 96 SPIs */

struct arm64_layout {
	uint64_t ram_base, ram_size;
	uint64_t kernel_addr;   /* where the Image is loaded: base + text_offset */
	uint64_t kernel_end;    /* load address + the larger of image_size and the file */
	uint64_t initrd_addr;   /* 0 without an initrd */
	uint64_t initrd_size;
	uint64_t fdt_addr;
	unsigned int ipa_bits;  /* what the map needs, at least LAYOUT_MIN_IPA_BITS */
};

/*
 * layout_compute - place RAM, the kernel, the initrd and the FDT for a guest
 * of mem bytes. mem must be a multiple of page_size. Returns 0, or -1 after
 * printing what does not fit and by how much, naming kernel_name or
 * initrd_name (the paths the user gave).
 */
int layout_compute(struct arm64_layout *l, uint64_t mem, uint64_t page_size,
		   const struct arm64_image *img, const char *kernel_name, uint64_t initrd_size,
		   const char *initrd_name);

/* layout_ipa_bits - address bits needed to reach every byte below end. */
unsigned int layout_ipa_bits(uint64_t end);

/* layout_pvtime_addr - the steal time record of vCPU cpu. */
uint64_t layout_pvtime_addr(unsigned int cpu);

/* layout_redist_size - size of the redistributor region for cpus vCPUs. */
uint64_t layout_redist_size(unsigned int cpus);

#endif
