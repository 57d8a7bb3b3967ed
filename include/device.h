/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEVICE_H
#define VMM_DEVICE_H

#include <stdint.h>

/*
 * What a device model looks like from outside: its kind, its MMIO window and
 * its interrupt. vmm/ fills these in from the memory map; arm64/ turns them
 * into device-tree nodes and GIC interrupt specifiers. Device models
 * themselves never see this: they get offsets and an irq_line.
 */
enum dev_kind {
	DEV_UART16550,
	DEV_PL031,
	DEV_PL061,
	DEV_VIRTIO_MMIO,
	DEV_PVPANIC,
};

struct dev_desc {
	enum dev_kind kind;
	uint64_t base, size;
	unsigned int spi;       /* GIC SPI number: INTID - 32 */
	int edge;               /* 1: edge-rising, 0: level-high */
};

#endif
