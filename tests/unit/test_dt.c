// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the guest device tree (arm64/dt.c), read back with libfdt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libfdt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "arm64/dt.h"
#include "arm64/layout.h"
#include "unit.h"

#define MiB (1ULL << 20)

/* A 256 MiB guest with a 5 MiB initrd below the FDT, as layout_compute puts it. */
static const struct arm64_layout layout_initrd = {
	.ram_base = 0x80000000ULL,
	.ram_size = 256 * MiB,
	.kernel_addr = 0x80000000ULL,
	.kernel_end = 0x80000000ULL + 20 * MiB,
	.initrd_addr = 0x8faf0000ULL,
	.initrd_size = 5 * MiB,
	.fdt_addr = 0x8fff0000ULL,
	.ipa_bits = 32,
};

static const struct arm64_layout layout_no_initrd = {
	.ram_base = 0x80000000ULL,
	.ram_size = 1024 * MiB,
	.kernel_addr = 0x80000000ULL,
	.kernel_end = 0x80000000ULL + 20 * MiB,
	.fdt_addr = 0xbfff0000ULL,
	.ipa_bits = 32,
};

static const uint64_t mpidr4[] = { 0, 1, 2, 3 };

static const struct dev_desc devs5[] = {
	{ DEV_UART16550, LAYOUT_UART, 0x1000, LAYOUT_SPI_UART, 0 },
	{ DEV_PL031, LAYOUT_RTC, 0x1000, LAYOUT_SPI_RTC, 0 },
	{ DEV_PL061, LAYOUT_GPIO, 0x1000, LAYOUT_SPI_GPIO, 0 },
	{ DEV_VIRTIO_MMIO, LAYOUT_VIRTIO_BASE, 0x200, LAYOUT_SPI_VIRTIO, 1 },
	{ DEV_VIRTIO_MMIO, LAYOUT_VIRTIO_BASE + LAYOUT_VIRTIO_STRIDE, 0x200,
	  LAYOUT_SPI_VIRTIO + 1, 1 },
};

#define NDEVS5 (sizeof(devs5) / sizeof(devs5[0]))

static uint8_t blob[LAYOUT_FDT_MAX];

static void params_default(struct dt_params *p, enum dt_gic gic, int its)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->layout = &layout_initrd;
	p->cpus = 4;
	p->mpidr = mpidr4;
	p->gic = gic;
	p->its = its;
	p->psci_version = 0x10001;
	p->bootargs = "console=ttyS0 earlycon root=/dev/vda";
	p->devs = devs5;
	p->ndevs = NDEVS5;
	p->kaslr_seed = 0x0123456789abcdefULL;
	for (i = 0; i < sizeof(p->rng_seed); i++)
		p->rng_seed[i] = (uint8_t)(0xa0 + i);
}

/* dt_build into blob; must succeed silently and give a valid blob. */
static int build(const struct dt_params *p)
{
	struct unit_capture cap;
	int n;

	memset(blob, 0xee, sizeof(blob));
	unit_capture_begin(&cap, 2);
	n = dt_build(blob, sizeof(blob), p);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	assert_true(n > 0);
	assert_int_equal(fdt_check_header(blob), 0);
	assert_int_equal(fdt_totalsize(blob), (uint32_t)n);
	return n;
}

/* --- reading back -------------------------------------------------- */

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);

	if (off < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(const char *path, const char *name, int *len)
{
	const void *v = fdt_getprop(blob, node(path), name, len);

	if (!v)
		fail_msg("no property %s in %s", name, path);
	return v;
}

static void assert_no_prop(const char *path, const char *name)
{
	if (fdt_getprop(blob, node(path), name, NULL))
		fail_msg("unexpected property %s in %s", name, path);
}

static void assert_str(const char *path, const char *name, const char *want)
{
	int len;
	const char *v = prop(path, name, &len);

	assert_int_equal(len, strlen(want) + 1);
	assert_string_equal(v, want);
}

/* A string list: want holds the strings with their NULs, wlen bytes in all. */
static void assert_bytes(const char *path, const char *name, const void *want, int wlen)
{
	int len;
	const void *v = prop(path, name, &len);

	assert_int_equal(len, wlen);
	assert_memory_equal(v, want, (size_t)wlen);
}

static void assert_empty(const char *path, const char *name)
{
	int len;

	prop(path, name, &len);
	assert_int_equal(len, 0);
}

static void assert_cells(const char *path, const char *name, const uint32_t *want, int n)
{
	int len, i;
	const fdt32_t *v = prop(path, name, &len);

	assert_int_equal(len, n * 4);
	for (i = 0; i < n; i++)
		if (fdt32_to_cpu(v[i]) != want[i])
			fail_msg("%s %s cell %d: 0x%x, want 0x%x", path, name, i,
				 fdt32_to_cpu(v[i]), want[i]);
}

static uint32_t u32_prop(const char *path, const char *name)
{
	int len;
	const fdt32_t *v = prop(path, name, &len);

	assert_int_equal(len, 4);
	return fdt32_to_cpu(*v);
}

static uint64_t u64_prop(const char *path, const char *name)
{
	int len;
	const void *v = prop(path, name, &len);
	fdt64_t raw;

	assert_int_equal(len, 8);
	memcpy(&raw, v, sizeof(raw)); /* properties are only 4-byte aligned */
	return fdt64_to_cpu(raw);
}

/* reg = <base size>, two cells each. */
static void assert_reg(const char *path, uint64_t base, uint64_t size)
{
	uint32_t want[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
			     (uint32_t)size };

	assert_cells(path, "reg", want, 4);
}

static void assert_spi(const char *path, uint32_t spi, uint32_t flags)
{
	uint32_t want[3] = { 0, spi, flags };

	assert_cells(path, "interrupts", want, 3);
}

/*
 * dtc reads the blob back and runs its checks: it must exit 0 and print
 * nothing (no warnings).
 */
static void assert_dtc_clean(int n)
{
	char dir[64], dtb[128], err[128], cmd[512];
	struct unit_capture cap;
	FILE *f;
	size_t got;
	int status;

	unit_mkdtemp(dir, sizeof(dir));
	snprintf(dtb, sizeof(dtb), "%s/guest.dtb", dir);
	snprintf(err, sizeof(err), "%s/dtc.err", dir);
	unit_write_file(dtb, blob, (size_t)n);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null '%s' 2>'%s'", dtb, err);
	status = system(cmd);
	f = fopen(err, "r");
	assert_non_null(f);
	got = fread(cap.text, 1, sizeof(cap.text) - 1, f);
	cap.text[got] = '\0';
	fclose(f);
	unit_rmtree(dir);
	if (status != 0 || got)
		fail_msg("dtc: status %d, stderr:\n%s", status, cap.text);
}

/* --- the tree ------------------------------------------------------ */

static void test_root(void **state)
{
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_str("/", "compatible", "linux,dummy-virt");
	assert_int_equal(u32_prop("/", "#address-cells"), 2);
	assert_int_equal(u32_prop("/", "#size-cells"), 2);
	/* interrupt-parent is the GIC's phandle. */
	assert_int_equal(u32_prop("/", "interrupt-parent"),
			 fdt_get_phandle(blob, node("/intc@8000000")));
	assert_int_not_equal(fdt_get_phandle(blob, node("/intc@8000000")), 0);
}

static void test_chosen(void **state)
{
	struct dt_params p;
	const uint8_t *seed;
	int len, i;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_str("/chosen", "bootargs", "console=ttyS0 earlycon root=/dev/vda");
	assert_str("/chosen", "stdout-path", "/serial@10000000");
	/* stdout-path names a node that exists. */
	node(prop("/chosen", "stdout-path", &len));
	assert_int_equal(u64_prop("/chosen", "linux,initrd-start"), 0x8faf0000ULL);
	assert_int_equal(u64_prop("/chosen", "linux,initrd-end"), 0x8faf0000ULL + 5 * MiB);
	assert_int_equal(u64_prop("/chosen", "kaslr-seed"), 0x0123456789abcdefULL);
	seed = prop("/chosen", "rng-seed", &len);
	assert_int_equal(len, 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(seed[i], 0xa0 + i);
}

static void test_chosen_without_initrd(void **state)
{
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	p.layout = &layout_no_initrd;
	p.bootargs = NULL;
	build(&p);
	assert_no_prop("/chosen", "linux,initrd-start");
	assert_no_prop("/chosen", "linux,initrd-end");
	assert_str("/chosen", "bootargs", "");
	assert_reg("/memory@80000000", 0x80000000ULL, 1024 * MiB);
}

/* Without a serial port first there is no stdout-path to give. */
static void test_chosen_without_serial(void **state)
{
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	p.devs = devs5 + 3; /* the two virtio transports */
	p.ndevs = 2;
	build(&p);
	assert_no_prop("/chosen", "stdout-path");
	assert_int_equal(fdt_path_offset(blob, "/serial@10000000"), -FDT_ERR_NOTFOUND);
	node("/virtio_mmio@10100000");
}

static void test_memory(void **state)
{
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_str("/memory@80000000", "device_type", "memory");
	assert_reg("/memory@80000000", 0x80000000ULL, 256 * MiB);
}

static void test_cpus(void **state)
{
	struct dt_params p;
	char path[64];
	unsigned int i;
	int off, count = 0;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_int_equal(u32_prop("/cpus", "#address-cells"), 1);
	assert_int_equal(u32_prop("/cpus", "#size-cells"), 0);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		assert_int_equal(u32_prop(path, "reg"), i);
		assert_str(path, "device_type", "cpu");
		assert_str(path, "compatible", "arm,arm-v8");
		assert_str(path, "enable-method", "psci");
	}
	fdt_for_each_subnode(off, blob, node("/cpus"))
		count++;
	assert_int_equal(count, 4);
}

/* MPIDRs as KVM reports them: bit 31 (RES1) set, affinity in Aff1/Aff2. */
static void test_cpus_kvm_mpidr(void **state)
{
	static const uint64_t mpidr[] = { 0x80000000, 0x80000001, 0x80000100, 0x80010000 };
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	p.mpidr = mpidr;
	build(&p);
	assert_int_equal(u32_prop("/cpus", "#address-cells"), 1);
	assert_int_equal(u32_prop("/cpus/cpu@0", "reg"), 0);
	assert_int_equal(u32_prop("/cpus/cpu@1", "reg"), 1);
	assert_int_equal(u32_prop("/cpus/cpu@100", "reg"), 0x100);
	assert_int_equal(u32_prop("/cpus/cpu@10000", "reg"), 0x10000);
}

/* Aff3 needs two address cells in /cpus. */
static void test_cpus_aff3(void **state)
{
	static const uint64_t mpidr[] = { 0x80000000, 0x180000000ULL };
	struct dt_params p;
	int n;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	p.cpus = 2;
	p.mpidr = mpidr;
	n = build(&p);
	assert_int_equal(u32_prop("/cpus", "#address-cells"), 2);
	assert_int_equal(u64_prop("/cpus/cpu@0", "reg"), 0);
	assert_int_equal(u64_prop("/cpus/cpu@100000000", "reg"), 0x100000000ULL);
	assert_dtc_clean(n);
}

static void test_psci(void **state)
{
	static const char v10[] = "arm,psci-1.0\0arm,psci-0.2";
	static const char v02[] = "arm,psci-0.2";
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	p.psci_version = 0x10001; /* 1.1 */
	build(&p);
	assert_bytes("/psci", "compatible", v10, sizeof(v10));
	assert_str("/psci", "method", "hvc");

	p.psci_version = 0x10000; /* 1.0 */
	build(&p);
	assert_bytes("/psci", "compatible", v10, sizeof(v10));

	p.psci_version = 0x20000; /* major 2: still a 1.0-compatible PSCI */
	build(&p);
	assert_bytes("/psci", "compatible", v10, sizeof(v10));

	p.psci_version = 0x2; /* 0.2 */
	build(&p);
	assert_bytes("/psci", "compatible", v02, sizeof(v02));
	assert_str("/psci", "method", "hvc");
}

static void test_timer_gicv3(void **state)
{
	/* Secure phys 13, phys 14, virt 11, hyp 10: PPIs, level low. */
	static const uint32_t want[] = { 1, 13, 8, 1, 14, 8, 1, 11, 8, 1, 10, 8 };
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_str("/timer", "compatible", "arm,armv8-timer");
	assert_cells("/timer", "interrupts", want, 12);
	assert_empty("/timer", "always-on");
}

/* PMUv3: INTID 23 is PPI 7 in the specifier, level high; none without a PMU. */
static void test_pmu(void **state)
{
	static const uint32_t want3[] = { 1, 7, 4 };
	static const uint32_t want2[] = { 1, 7, 0xf04 };
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_true(fdt_path_offset(blob, "/pmu") < 0);

	p.pmu_intid = 23;
	build(&p);
	assert_str("/pmu", "compatible", "arm,armv8-pmuv3");
	assert_cells("/pmu", "interrupts", want3, 3);

	params_default(&p, DT_GIC_V2, 0);
	p.pmu_intid = 23;
	build(&p);
	assert_cells("/pmu", "interrupts", want2, 3);

	/* Not a PPI: no node rather than a wrong one. */
	p.pmu_intid = 32;
	build(&p);
	assert_true(fdt_path_offset(blob, "/pmu") < 0);
}

/* Steal time lives outside RAM: the /memory node does not grow to cover it. */
static void test_pvtime_outside_memory(void **state)
{
	struct dt_params p;
	const fdt32_t *reg;
	uint64_t base, size;
	int len;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	reg = prop("/memory@80000000", "reg", &len);
	assert_int_equal(len, 16);
	base = (uint64_t)fdt32_to_cpu(reg[0]) << 32 | fdt32_to_cpu(reg[1]);
	size = (uint64_t)fdt32_to_cpu(reg[2]) << 32 | fdt32_to_cpu(reg[3]);
	assert_true(LAYOUT_PVTIME + LAYOUT_PVTIME_SIZE <= base || LAYOUT_PVTIME >= base + size);
}

/* GICv2 PPI specifiers carry the mask of CPUs in bits 15:8. */
static void test_timer_gicv2_cpu_mask(void **state)
{
	static const uint32_t want4[] = { 1, 13, 0xf08, 1, 14, 0xf08, 1, 11, 0xf08, 1, 10, 0xf08 };
	static const uint32_t want1[] = { 1, 13, 0x108, 1, 14, 0x108, 1, 11, 0x108, 1, 10, 0x108 };
	static const uint32_t want8[] = { 1, 13, 0xff08, 1, 14, 0xff08, 1, 11, 0xff08,
					  1, 10, 0xff08 };
	static const uint64_t mpidr8[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V2, 0);
	build(&p);
	assert_cells("/timer", "interrupts", want4, 12);

	p.cpus = 1;
	build(&p);
	assert_cells("/timer", "interrupts", want1, 12);

	p.cpus = 8;
	p.mpidr = mpidr8;
	build(&p);
	assert_cells("/timer", "interrupts", want8, 12);
}

static void test_gicv3(void **state)
{
	/* Distributor 64 KiB, then 128 KiB of redistributor per vCPU. */
	static const uint32_t reg[] = { 0, 0x08000000, 0, 0x10000, 0, 0x08100000, 0, 0x80000 };
	struct dt_params p;
	int n;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	n = build(&p);
	assert_str("/intc@8000000", "compatible", "arm,gic-v3");
	assert_cells("/intc@8000000", "reg", reg, 8);
	assert_int_equal(u32_prop("/intc@8000000", "#interrupt-cells"), 3);
	assert_empty("/intc@8000000", "interrupt-controller");
	assert_int_equal(fdt_path_offset(blob, "/intc@8000000/msi-controller@8020000"),
			 -FDT_ERR_NOTFOUND);
	assert_dtc_clean(n);
}

static void test_gicv3_its(void **state)
{
	static const uint32_t reg[] = { 0, 0x08000000, 0, 0x10000, 0, 0x08100000, 0, 0x80000 };
	static const char *its = "/intc@8000000/msi-controller@8020000";
	struct dt_params p;
	int n;

	(void)state;
	params_default(&p, DT_GIC_V3, 1);
	n = build(&p);
	assert_str("/intc@8000000", "compatible", "arm,gic-v3");
	assert_cells("/intc@8000000", "reg", reg, 8);
	assert_str(its, "compatible", "arm,gic-v3-its");
	assert_empty(its, "msi-controller");
	assert_int_equal(u32_prop(its, "#msi-cells"), 1);
	assert_reg(its, LAYOUT_GIC_ITS, 0x20000);
	assert_int_not_equal(fdt_get_phandle(blob, node(its)), 0);
	assert_dtc_clean(n);
}

static void test_gicv2(void **state)
{
	static const uint32_t reg[] = { 0, 0x08000000, 0, 0x1000, 0, 0x08010000, 0, 0x2000 };
	struct dt_params p;
	int n;

	(void)state;
	params_default(&p, DT_GIC_V2, 0);
	n = build(&p);
	assert_str("/intc@8000000", "compatible", "arm,cortex-a15-gic");
	assert_cells("/intc@8000000", "reg", reg, 8);
	assert_int_equal(u32_prop("/intc@8000000", "#interrupt-cells"), 3);
	assert_empty("/intc@8000000", "interrupt-controller");
	assert_dtc_clean(n);
}

static void test_devices(void **state)
{
	static const char pl031[] = "arm,pl031\0arm,primecell";
	static const char pl061[] = "arm,pl061\0arm,primecell";
	struct dt_params p;
	uint32_t clk;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);

	assert_str("/serial@10000000", "compatible", "ns16550a");
	assert_reg("/serial@10000000", 0x10000000ULL, 0x1000);
	/* Byte registers, packed: earlycon maps only 4 KiB of the UART. */
	assert_int_equal(u32_prop("/serial@10000000", "reg-shift"), 0);
	assert_int_equal(u32_prop("/serial@10000000", "reg-io-width"), 1);
	assert_spi("/serial@10000000", 0, 4);
	assert_int_equal(u32_prop("/serial@10000000", "clock-frequency"), 1843200);

	clk = fdt_get_phandle(blob, node("/apb-pclk"));
	assert_int_not_equal(clk, 0);
	assert_str("/apb-pclk", "compatible", "fixed-clock");
	assert_int_equal(u32_prop("/apb-pclk", "#clock-cells"), 0);

	assert_bytes("/rtc@10080000", "compatible", pl031, sizeof(pl031));
	assert_reg("/rtc@10080000", 0x10080000ULL, 0x1000);
	assert_spi("/rtc@10080000", 1, 4);
	assert_int_equal(u32_prop("/rtc@10080000", "clocks"), clk);
	assert_str("/rtc@10080000", "clock-names", "apb_pclk");

	assert_bytes("/gpio@10081000", "compatible", pl061, sizeof(pl061));
	assert_reg("/gpio@10081000", 0x10081000ULL, 0x1000);
	assert_spi("/gpio@10081000", 2, 4);
	assert_int_equal(u32_prop("/gpio@10081000", "clocks"), clk);
	assert_empty("/gpio@10081000", "gpio-controller");
	assert_int_equal(u32_prop("/gpio@10081000", "#gpio-cells"), 2);

	assert_str("/virtio_mmio@10100000", "compatible", "virtio,mmio");
	assert_reg("/virtio_mmio@10100000", 0x10100000ULL, 0x200);
	assert_spi("/virtio_mmio@10100000", 16, 1);
	assert_empty("/virtio_mmio@10100000", "dma-coherent");
	assert_str("/virtio_mmio@10101000", "compatible", "virtio,mmio");
	assert_reg("/virtio_mmio@10101000", 0x10101000ULL, 0x200);
	assert_spi("/virtio_mmio@10101000", 17, 1);
}

static void test_gpio_keys(void **state)
{
	struct dt_params p;
	uint32_t want[3];

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	build(&p);
	assert_str("/gpio-keys", "compatible", "gpio-keys");
	assert_int_equal(u32_prop("/gpio-keys/poweroff", "linux,code"), 116); /* KEY_POWER */
	want[0] = fdt_get_phandle(blob, node("/gpio@10081000"));
	want[1] = 3;
	want[2] = 0;
	assert_int_not_equal(want[0], 0);
	assert_cells("/gpio-keys/poweroff", "gpios", want, 3);
}

/* No PL061, no power button. */
static void test_no_gpio_no_keys(void **state)
{
	static const struct dev_desc devs[] = {
		{ DEV_UART16550, LAYOUT_UART, 0x1000, LAYOUT_SPI_UART, 0 },
	};
	struct dt_params p;
	int n;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	p.devs = devs;
	p.ndevs = 1;
	n = build(&p);
	assert_int_equal(fdt_path_offset(blob, "/gpio-keys"), -FDT_ERR_NOTFOUND);
	assert_dtc_clean(n);
}

/* Every phandle is unique. */
static void test_phandles_unique(void **state)
{
	struct dt_params p;
	uint32_t seen[16];
	int off, n = 0, i;

	(void)state;
	params_default(&p, DT_GIC_V3, 1);
	build(&p);
	for (off = fdt_next_node(blob, -1, NULL); off >= 0; off = fdt_next_node(blob, off, NULL)) {
		uint32_t ph = fdt_get_phandle(blob, off);

		if (!ph)
			continue;
		for (i = 0; i < n; i++)
			assert_int_not_equal(seen[i], ph);
		assert_true(n < 16);
		seen[n++] = ph;
	}
	assert_int_equal(n, 4); /* GIC, clock, ITS, GPIO */
}

static void test_dtc_clean_full(void **state)
{
	struct dt_params p;

	(void)state;
	params_default(&p, DT_GIC_V3, 1);
	assert_dtc_clean(build(&p));
}

/*
 * The largest guest vmm allows (512 vCPUs, 64 virtio transports, a 2047-byte
 * command line) still fits in the FDT's room at the top of RAM.
 */
static void test_max_config_fits(void **state)
{
	static uint64_t mpidr[512];
	static struct dev_desc devs[3 + LAYOUT_VIRTIO_MAX];
	static char bootargs[2048];
	struct dt_params p;
	unsigned int i;
	int n;

	(void)state;
	for (i = 0; i < 512; i++) /* KVM: Aff0 0-15, then Aff1 */
		mpidr[i] = 0x80000000ULL | ((i / 16) << 8) | (i % 16);
	memcpy(devs, devs5, 3 * sizeof(devs[0]));
	for (i = 0; i < LAYOUT_VIRTIO_MAX; i++) {
		devs[3 + i].kind = DEV_VIRTIO_MMIO;
		devs[3 + i].base = LAYOUT_VIRTIO_BASE + i * LAYOUT_VIRTIO_STRIDE;
		devs[3 + i].size = 0x200;
		devs[3 + i].spi = LAYOUT_SPI_VIRTIO + i;
		devs[3 + i].edge = 1;
	}
	params_default(&p, DT_GIC_V3, 1);
	p.cpus = 512;
	p.mpidr = mpidr;
	p.devs = devs;
	p.ndevs = 3 + LAYOUT_VIRTIO_MAX;
	/* The longest command line loader_bootargs() lets through. */
	memset(bootargs, 'x', sizeof(bootargs) - 1);
	bootargs[sizeof(bootargs) - 1] = '\0';
	p.bootargs = bootargs;
	n = build(&p);
	assert_true((uint64_t)n <= LAYOUT_FDT_MAX);
	assert_int_equal(u32_prop("/cpus/cpu@1f0f", "reg"), 0x1f0f);
	assert_dtc_clean(n);
}

static void test_too_small_buffer(void **state)
{
	struct dt_params p;
	struct unit_capture cap;
	static uint8_t small[256];
	int n;

	(void)state;
	params_default(&p, DT_GIC_V3, 0);
	unit_capture_begin(&cap, 2);
	n = dt_build(small, sizeof(small), &p);
	unit_capture_end(&cap);
	assert_int_equal(n, -1);
	unit_assert_one_line(cap.text, "device tree: FDT_ERR_NOSPACE");

	/* One byte short of what the tree needs. */
	n = build(&p);
	unit_capture_begin(&cap, 2);
	assert_int_equal(dt_build(blob, (size_t)n - 1, &p), -1);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "device tree: FDT_ERR_NOSPACE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_chosen),
		cmocka_unit_test(test_chosen_without_initrd),
		cmocka_unit_test(test_chosen_without_serial),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_cpus_kvm_mpidr),
		cmocka_unit_test(test_cpus_aff3),
		cmocka_unit_test(test_psci),
		cmocka_unit_test(test_timer_gicv3),
		cmocka_unit_test(test_pmu),
		cmocka_unit_test(test_pvtime_outside_memory),
		cmocka_unit_test(test_timer_gicv2_cpu_mask),
		cmocka_unit_test(test_gicv3),
		cmocka_unit_test(test_gicv3_its),
		cmocka_unit_test(test_gicv2),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_gpio_keys),
		cmocka_unit_test(test_no_gpio_no_keys),
		cmocka_unit_test(test_phandles_unique),
		cmocka_unit_test(test_dtc_clean_full),
		cmocka_unit_test(test_max_config_fits),
		cmocka_unit_test(test_too_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
