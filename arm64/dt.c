// SPDX-License-Identifier: GPL-2.0-only
/* Device tree for the guest: memory, cpus, psci, timer, GIC, devices, chosen. */
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>

#include "arm64/dt.h"
#include "log.h"

/* Interrupt specifier fields (bindings/interrupt-controller/arm,gic*.yaml). */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4
#define IRQ_LEVEL_LOW 8

#define PHANDLE_GIC 1
#define PHANDLE_CLK 2
#define PHANDLE_ITS 3
#define PHANDLE_GPIO 4

#define KEY_POWER 116

struct dt_writer {
	void *fdt;
	int err;
};

/* Each helper records the first libfdt error; later calls do nothing. */
static void w_begin(struct dt_writer *w, const char *name)
{
	if (!w->err)
		w->err = fdt_begin_node(w->fdt, name);
}

static void w_end(struct dt_writer *w)
{
	if (!w->err)
		w->err = fdt_end_node(w->fdt);
}

static void w_prop(struct dt_writer *w, const char *name, const void *val, int len)
{
	if (!w->err)
		w->err = fdt_property(w->fdt, name, val, len);
}

static void w_str(struct dt_writer *w, const char *name, const char *val)
{
	if (!w->err)
		w->err = fdt_property_string(w->fdt, name, val);
}

static void w_u32(struct dt_writer *w, const char *name, uint32_t val)
{
	if (!w->err)
		w->err = fdt_property_u32(w->fdt, name, val);
}

static void w_u64(struct dt_writer *w, const char *name, uint64_t val)
{
	if (!w->err)
		w->err = fdt_property_u64(w->fdt, name, val);
}

static void w_cells(struct dt_writer *w, const char *name, const uint32_t *cells, int n)
{
	fdt32_t be[16];
	int i;

	for (i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	w_prop(w, name, be, n * (int)sizeof(be[0]));
}

/* reg = <base size> with two address and two size cells. */
static void w_reg(struct dt_writer *w, uint64_t base, uint64_t size)
{
	uint32_t c[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
			  (uint32_t)size };

	w_cells(w, "reg", c, 4);
}

static void w_node_at(struct dt_writer *w, const char *name, uint64_t addr)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s@%" PRIx64, name, addr);
	w_begin(w, buf);
}

static void dt_memory(struct dt_writer *w, const struct arm64_layout *l)
{
	w_node_at(w, "memory", l->ram_base);
	w_str(w, "device_type", "memory");
	w_reg(w, l->ram_base, l->ram_size);
	w_end(w);
}

static void dt_cpus(struct dt_writer *w, const struct dt_params *p)
{
	unsigned int i;
	int wide = 0;

	/* MPIDR affinity Aff3 lives in bits 39:32 and needs two address cells. */
	for (i = 0; i < p->cpus; i++)
		if (p->mpidr[i] & 0xff00000000ULL)
			wide = 1;
	w_begin(w, "cpus");
	w_u32(w, "#address-cells", wide ? 2 : 1);
	w_u32(w, "#size-cells", 0);
	for (i = 0; i < p->cpus; i++) {
		uint64_t reg = p->mpidr[i] & 0xff00ffffffULL;

		w_node_at(w, "cpu", reg);
		w_str(w, "device_type", "cpu");
		w_str(w, "compatible", "arm,arm-v8");
		w_str(w, "enable-method", "psci");
		if (wide)
			w_u64(w, "reg", reg);
		else
			w_u32(w, "reg", (uint32_t)reg);
		w_end(w);
	}
	w_end(w);
}

static void dt_psci(struct dt_writer *w, uint32_t version)
{
	static const char v02[] = "arm,psci-0.2";
	static const char v10[] = "arm,psci-1.0\0arm,psci-0.2";

	w_begin(w, "psci");
	if (version >= 0x10000)
		w_prop(w, "compatible", v10, sizeof(v10));
	else
		w_prop(w, "compatible", v02, sizeof(v02));
	w_str(w, "method", "hvc");
	w_end(w);
}

static void dt_timer(struct dt_writer *w, const struct dt_params *p)
{
	/* GICv2 specifiers carry a mask of the CPUs a PPI is wired to. */
	uint32_t flags = IRQ_LEVEL_LOW;
	uint32_t c[12];
	static const uint32_t ppis[] = { 13, 14, 11, 10 }; /* sec phys, phys, virt, hyp */
	int i;

	if (p->gic == DT_GIC_V2)
		flags |= (((1u << (p->cpus > 8 ? 8 : p->cpus)) - 1) << 8);
	for (i = 0; i < 4; i++) {
		c[3 * i] = GIC_PPI;
		c[3 * i + 1] = ppis[i];
		c[3 * i + 2] = flags;
	}
	w_begin(w, "timer");
	w_str(w, "compatible", "arm,armv8-timer");
	w_cells(w, "interrupts", c, 12);
	w_prop(w, "always-on", NULL, 0);
	w_end(w);
}

/* GICv2 PPI specifiers carry a mask of the CPUs the PPI is wired to. */
static uint32_t ppi_flags(const struct dt_params *p, uint32_t flags)
{
	if (p->gic == DT_GIC_V2)
		flags |= (((1u << (p->cpus > 8 ? 8 : p->cpus)) - 1) << 8);
	return flags;
}

static void dt_pmu(struct dt_writer *w, const struct dt_params *p)
{
	/* The specifier numbers PPIs from INTID 16. */
	uint32_t c[3] = { GIC_PPI, p->pmu_intid - 16, ppi_flags(p, IRQ_LEVEL_HIGH) };

	if (p->pmu_intid < 16 || p->pmu_intid > 31)
		return;
	w_begin(w, "pmu");
	w_str(w, "compatible", "arm,armv8-pmuv3");
	w_cells(w, "interrupts", c, 3);
	w_end(w);
}

static void dt_gic(struct dt_writer *w, const struct dt_params *p)
{
	const struct arm64_layout *l = p->layout;
	uint32_t c[8];

	w_node_at(w, "intc", LAYOUT_GIC_DIST);
	w_u32(w, "#interrupt-cells", 3);
	w_prop(w, "interrupt-controller", NULL, 0);
	w_u32(w, "#address-cells", 2);
	w_u32(w, "#size-cells", 2);
	w_prop(w, "ranges", NULL, 0);
	w_u32(w, "phandle", PHANDLE_GIC);
	if (p->gic == DT_GIC_V3) {
		uint64_t rsz = layout_redist_size(p->cpus);

		w_str(w, "compatible", "arm,gic-v3");
		c[0] = 0, c[1] = (uint32_t)LAYOUT_GIC_DIST, c[2] = 0, c[3] = 0x10000;
		c[4] = 0, c[5] = (uint32_t)LAYOUT_GIC_REDIST;
		c[6] = (uint32_t)(rsz >> 32), c[7] = (uint32_t)rsz;
		w_cells(w, "reg", c, 8);
		if (p->its) {
			w_node_at(w, "msi-controller", LAYOUT_GIC_ITS);
			w_str(w, "compatible", "arm,gic-v3-its");
			w_prop(w, "msi-controller", NULL, 0);
			w_u32(w, "#msi-cells", 1);
			w_u32(w, "phandle", PHANDLE_ITS);
			w_reg(w, LAYOUT_GIC_ITS, 0x20000);
			w_end(w);
		}
	} else {
		w_str(w, "compatible", "arm,cortex-a15-gic");
		c[0] = 0, c[1] = (uint32_t)LAYOUT_GIC_DIST, c[2] = 0, c[3] = 0x1000;
		c[4] = 0, c[5] = (uint32_t)LAYOUT_GIC_V2_CPU, c[6] = 0, c[7] = 0x2000;
		w_cells(w, "reg", c, 8);
	}
	(void)l;
	w_end(w);
}

static void dt_clock(struct dt_writer *w)
{
	/* AMBA PrimeCell drivers (PL031, PL061) insist on an apb_pclk. */
	w_begin(w, "apb-pclk");
	w_str(w, "compatible", "fixed-clock");
	w_u32(w, "#clock-cells", 0);
	w_u32(w, "clock-frequency", 24000000);
	w_str(w, "clock-output-names", "clk24mhz");
	w_u32(w, "phandle", PHANDLE_CLK);
	w_end(w);
}

static void w_irq(struct dt_writer *w, const struct dev_desc *d)
{
	uint32_t c[3] = { GIC_SPI, d->spi, d->edge ? IRQ_EDGE_RISING : IRQ_LEVEL_HIGH };

	w_cells(w, "interrupts", c, 3);
}

static void w_primecell(struct dt_writer *w, const char *compat, size_t len)
{
	w_prop(w, "compatible", compat, (int)len);
	w_u32(w, "clocks", PHANDLE_CLK);
	w_str(w, "clock-names", "apb_pclk");
}

static void dt_device(struct dt_writer *w, const struct dev_desc *d)
{
	static const char pl031[] = "arm,pl031\0arm,primecell";
	static const char pl061[] = "arm,pl061\0arm,primecell";

	switch (d->kind) {
	case DEV_UART16550:
		w_node_at(w, "serial", d->base);
		w_str(w, "compatible", "ns16550a");
		w_u32(w, "clock-frequency", 1843200);
		w_u32(w, "reg-shift", 0);
		w_u32(w, "reg-io-width", 1);
		break;
	case DEV_PL031:
		w_node_at(w, "rtc", d->base);
		w_primecell(w, pl031, sizeof(pl031));
		break;
	case DEV_PL061:
		w_node_at(w, "gpio", d->base);
		w_primecell(w, pl061, sizeof(pl061));
		w_prop(w, "gpio-controller", NULL, 0);
		w_u32(w, "#gpio-cells", 2);
		w_u32(w, "phandle", PHANDLE_GPIO);
		break;
	case DEV_VIRTIO_MMIO:
		w_node_at(w, "virtio_mmio", d->base);
		w_str(w, "compatible", "virtio,mmio");
		w_prop(w, "dma-coherent", NULL, 0);
		break;
	case DEV_PVPANIC:
		/* The guest writes here when it panics; no interrupt. */
		w_node_at(w, "pvpanic", d->base);
		w_str(w, "compatible", "qemu,pvpanic-mmio");
		w_reg(w, d->base, d->size);
		w_end(w);
		return;
	}
	w_reg(w, d->base, d->size);
	w_irq(w, d);
	w_end(w);

	if (d->kind == DEV_PL061) {
		/* A power button on a GPIO line: how `vmm stop` asks for a shutdown. */
		uint32_t gpios[3] = { PHANDLE_GPIO, DT_GPIO_LINE_POWER, 0 };

		w_begin(w, "gpio-keys");
		w_str(w, "compatible", "gpio-keys");
		w_begin(w, "poweroff");
		w_str(w, "label", "GPIO Key Poweroff");
		w_u32(w, "linux,code", KEY_POWER);
		w_cells(w, "gpios", gpios, 3);
		w_end(w);
		w_end(w);
	}
}

static void dt_chosen(struct dt_writer *w, const struct dt_params *p)
{
	const struct arm64_layout *l = p->layout;
	char path[64];

	w_begin(w, "chosen");
	w_str(w, "bootargs", p->bootargs ? p->bootargs : "");
	if (p->ndevs && p->devs[0].kind == DEV_UART16550) {
		snprintf(path, sizeof(path), "/serial@%" PRIx64, p->devs[0].base);
		w_str(w, "stdout-path", path);
	}
	if (l->initrd_size) {
		w_u64(w, "linux,initrd-start", l->initrd_addr);
		w_u64(w, "linux,initrd-end", l->initrd_addr + l->initrd_size);
	}
	w_u64(w, "kaslr-seed", p->kaslr_seed);
	w_prop(w, "rng-seed", p->rng_seed, sizeof(p->rng_seed));
	w_end(w);
}

int dt_build(void *buf, size_t size, const struct dt_params *p)
{
	struct dt_writer w = { .fdt = buf };
	unsigned int i;

	w.err = fdt_create(buf, (int)size);
	if (!w.err)
		w.err = fdt_finish_reservemap(buf);
	w_begin(&w, "");
	w_str(&w, "compatible", "linux,dummy-virt");
	w_str(&w, "model", "vmm");
	w_u32(&w, "#address-cells", 2);
	w_u32(&w, "#size-cells", 2);
	w_u32(&w, "interrupt-parent", PHANDLE_GIC);
	dt_chosen(&w, p);
	dt_memory(&w, p->layout);
	dt_cpus(&w, p);
	dt_psci(&w, p->psci_version);
	dt_timer(&w, p);
	dt_pmu(&w, p);
	dt_gic(&w, p);
	dt_clock(&w);
	for (i = 0; i < p->ndevs; i++)
		dt_device(&w, &p->devs[i]);
	w_end(&w);
	if (!w.err)
		w.err = fdt_finish(buf);
	if (w.err) {
		log_error("device tree: %s", fdt_strerror(w.err));
		return -1;
	}
	return (int)fdt_totalsize(buf);
}
