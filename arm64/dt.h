/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_DT_H
#define ARM64_DT_H

#include <stddef.h>
#include <stdint.h>

#include "arm64/layout.h"
#include "device.h"

/*
 * The guest's flattened device tree, built with libfdt's sequential writer.
 * (Prefix dt_, not fdt_: libfdt owns that namespace.)
 */
/* The PL061 line wired to the gpio-keys power button (active high). */
#define DT_GPIO_LINE_POWER 3

enum dt_gic {
	DT_GIC_V2,
	DT_GIC_V3,
};

struct dt_params {
	const struct arm64_layout *layout;
	unsigned int cpus;
	const uint64_t *mpidr;       /* cpus entries, MPIDR_EL1 as KVM reports it */
	enum dt_gic gic;
	int its;                     /* GICv3 ITS node (msi-controller) */
	unsigned int pmu_intid;      /* PMUv3's interrupt, a PPI's INTID (16..31);
				      * 0: no PMU node */
	uint32_t psci_version;       /* major << 16 | minor, from KVM */
	const char *bootargs;
	const struct dev_desc *devs; /* serial port first: it is stdout-path */
	unsigned int ndevs;
	uint64_t kaslr_seed;
	uint8_t rng_seed[32];
};

/*
 * dt_build - write the device tree for p into buf (size bytes). Returns the
 * blob's size, or -1 after printing why (a libfdt error, in practice only
 * "no space" when size is too small).
 */
int dt_build(void *buf, size_t size, const struct dt_params *p);

#endif
