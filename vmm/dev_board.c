// SPDX-License-Identifier: GPL-2.0-only
/*
 * The board's fixed devices, at the addresses of arm64/layout.h: the 16550
 * console (vmm/serial.c), the PL031 RTC, the PL061 GPIO with the power
 * button, and pvpanic. Each is one struct board_desc, from which
 * board_wire() takes both the bus window and the device-tree node.
 */
#include "arm64/dt.h"
#include "log.h"
#include "pl031.h"
#include "pl061.h"
#include "pvpanic.h"
#include "status.h"
#include "vmm/vm.h"

/* --- rtc0 --------------------------------------------------------------- */

static int rtc_create(struct vm_device *d, void *arg)
{
	struct pl031 *rtc;
	int r = pl031_new(&d->irq, NULL, NULL, &rtc);

	(void)arg;
	if (!r)
		d->model = rtc;
	return r;
}

static void rtc_reset(struct vm_device *d)
{
	pl031_reset(d->model);
}

static void rtc_destroy(struct vm_device *d)
{
	pl031_free(d->model);
}

static const struct vm_device_ops rtc_ops = { .reset = rtc_reset, .destroy = rtc_destroy };

static const struct board_desc rtc_desc = {
	.name = "rtc0",
	.dt = { .kind = DEV_PL031, .base = LAYOUT_RTC, .size = PL031_MMIO_SIZE,
		.spi = LAYOUT_SPI_RTC },
	.bus_ops = &pl031_ops,
	.create = rtc_create,
};

/* --- gpio0: a GPIO with a power button, how `vmm stop` asks for a shutdown */

static int gpio_create(struct vm_device *d, void *arg)
{
	struct pl061 *gpio;
	int r = pl061_new(&d->irq, &gpio);

	(void)arg;
	if (!r)
		d->model = gpio;
	return r;
}

static void gpio_reset(struct vm_device *d)
{
	pl061_reset(d->model);
}

static void gpio_destroy(struct vm_device *d)
{
	pl061_free(d->model);
}

static void gpio_power_button(struct vm_device *d)
{
	/* Held long enough for gpio-keys' debounce to see it, as QEMU does. */
	pl061_pulse(d->model, DT_GPIO_LINE_POWER, PL061_PULSE_MS);
}

static const struct vm_device_ops gpio_ops = {
	.reset = gpio_reset,
	.destroy = gpio_destroy,
	.power_button = gpio_power_button,
};

static const struct board_desc gpio_desc = {
	.name = "gpio0",
	.dt = { .kind = DEV_PL061, .base = LAYOUT_GPIO, .size = PL061_MMIO_SIZE,
		.spi = LAYOUT_SPI_GPIO },
	.bus_ops = &pl061_ops,
	.create = gpio_create,
};

/* --- pvpanic: a panicking guest says so, and vmm ends with its own status */

/*
 * pvpanic's event (vCPU thread): only PANICKED ends the VM; a guest that
 * loaded a crash kernel (CRASH_LOADED) goes on running it.
 */
static void guest_panicked(void *ctx, unsigned int events)
{
	struct vm *vm = ctx;

	if (events & PVPANIC_PANICKED)
		vm_post_event(vm, VM_EV_PANIC);
	else if (events & PVPANIC_CRASH_LOADED)
		log_warn("guest: kernel panic; its crash kernel takes over");
}

static int pvpanic_create(struct vm_device *d, void *arg)
{
	struct pvpanic *p;
	int r = pvpanic_new(guest_panicked, d->vm, &p);

	(void)arg;
	if (!r)
		d->model = p;
	return r;
}

static void pvpanic_destroy(struct vm_device *d)
{
	pvpanic_free(d->model);
}

static const struct vm_device_ops pvpanic_dev_ops = { .destroy = pvpanic_destroy };

/*
 * The window is QEMU's and the Linux binding's (qemu,pvpanic-mmio: reg of
 * 2 bytes) on the bus and in the device tree alike; the driver only uses
 * offset 0, one byte wide. No interrupt.
 */
static const struct board_desc pvpanic_desc = {
	.name = "pvpanic",
	.dt = { .kind = DEV_PVPANIC, .base = LAYOUT_PVPANIC, .size = PVPANIC_MMIO_SIZE },
	.no_irq = true,
	.bus_ops = &pvpanic_ops,
	.create = pvpanic_create,
};

int dev_board_create(struct vm *vm)
{
	int r;

	r = serial_add(vm);
	if (!r)
		r = board_wire(vm, &rtc_desc, &rtc_ops, NULL, NULL);
	if (!r)
		r = board_wire(vm, &gpio_desc, &gpio_ops, NULL, NULL);
	if (!r)
		r = board_wire(vm, &pvpanic_desc, &pvpanic_dev_ops, NULL, NULL);
	return r;
}
