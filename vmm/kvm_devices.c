// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's devices: models from devices/ placed on the MMIO bus at the
 * addresses of arm64/layout.h, given interrupt lines, and described for the
 * device tree (vm->devs, the serial port first: it is stdout-path).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pl031.h"
#include "pl061.h"
#include "pvpanic.h"
#include "status.h"
#include "uart16550.h"
#include "virtio_blk.h"
#include "virtio_console.h"
#include "virtio_mmio.h"
#include "vmm/vm.h"

void add_desc(struct vm *vm, enum dev_kind kind, uint64_t base, uint64_t size,
	      unsigned int spi, int edge)
{
	struct dev_desc *d = &vm->devs[vm->ndevs++];

	d->kind = kind;
	d->base = base;
	d->size = size;
	d->spi = spi;
	d->edge = edge;
}

int add_to_bus(struct vm *vm, struct bus_dev *bd, const char *name, uint64_t base,
	       uint64_t size, const struct bus_dev_ops *ops, void *opaque)
{
	int r;

	bd->name = name;
	bd->base = base;
	bd->size = size;
	bd->ops = ops;
	bd->opaque = opaque;
	r = bus_add(&vm->bus, bd);
	if (r) {
		errno = -r;
		log_errno("%s: adding it at 0x%llx", name, (unsigned long long)base);
		return VMM_ERR_INTERNAL;
	}
	return 0;
}

/* The transport's kick fds, bound to its QueueNotify register by KVM. */
static int disk_ioeventfd(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign)
{
	struct vm_disk *d = ctx;

	return arm64_ioeventfd(&d->vm->kvm, d->base + offset, 4, datamatch, fd, assign);
}

static int vcon_ioeventfd(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign)
{
	struct vm *vm = ctx;

	return arm64_ioeventfd(&vm->kvm, vm->vcon_base + offset, 4, datamatch, fd, assign);
}

static void vcon_tx(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	console_write(buf, len);
}

static void vcon_rx_ready(void *ctx)
{
	struct vm *vm = ctx;
	uint64_t one = 1;

	if (write(vm->rx_ready_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on overflow, which a latch cannot reach */
	}
}

/* --console virtio: hvc0 on a virtio-mmio slot after the disks. */
static int vcon_create(struct vm *vm)
{
	struct virtio_console_host host = { .tx = vcon_tx, .rx_ready = vcon_rx_ready, .ctx = vm };
	struct virtio_mmio_host mhost = { .ioeventfd = vcon_ioeventfd, .ctx = vm, .gate = &vm->gate };
	unsigned int slot = vm->nvirtio++;
	unsigned int spi = LAYOUT_SPI_VIRTIO + slot;
	int r;

	vm->vcon_base = LAYOUT_VIRTIO_BASE + slot * LAYOUT_VIRTIO_STRIDE;
	r = virtio_console_new(&host, &vm->vcon);
	if (r)
		return r;
	r = arm64_irq_line_init_edge(&vm->irq_vcon, &vm->kvm, spi);
	if (r)
		return r;
	r = virtio_mmio_new(&virtio_console_dev_ops, vm->vcon, VIRTIO_CONSOLE_NUM_QUEUES,
			    VIRTIO_CONSOLE_QUEUE_MAX, &vm->irq_vcon, &vm->mem, &mhost, "virtio console",
			    &vm->vcon_mmio);
	if (r)
		return r;
	r = add_to_bus(vm, &vm->bus_vcon, "hvc0", vm->vcon_base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops,
		       vm->vcon_mmio);
	if (r)
		return r;
	add_desc(vm, DEV_VIRTIO_MMIO, vm->vcon_base, VIRTIO_MMIO_SIZE, spi, 1);
	return 0;
}

size_t devices_console_rx(struct vm *vm, const uint8_t *buf, size_t len)
{
	if (vm->vcon)
		return virtio_console_rx(vm->vcon, buf, len);
	return uart16550_rx(vm->serial.uart, buf, len);
}

void devices_console_size(struct vm *vm, unsigned int cols, unsigned int rows)
{
	if (vm->vcon && cols && rows && cols < 65536 && rows < 65536)
		virtio_console_set_size(vm->vcon, (uint16_t)cols, (uint16_t)rows);
}

static int disk_create(struct vm *vm, unsigned int i)
{
	struct vm_disk *d = &vm->disks[i];
	struct virtio_mmio_host host = { .ioeventfd = disk_ioeventfd, .ctx = d, .gate = &vm->gate };
	unsigned int slot = vm->nvirtio++;
	unsigned int spi = LAYOUT_SPI_VIRTIO + slot;
	char what[4096 + 8];
	int r;

	d->vm = vm;
	d->base = LAYOUT_VIRTIO_BASE + slot * LAYOUT_VIRTIO_STRIDE;
	d->irq.fd = -1;
	snprintf(d->name, sizeof(d->name), "blk%u", i);
	r = virtio_blk_new(&vm->cfg->disks[i], i, vm->nvcpus, &d->blk);
	if (r)
		return r;
	r = arm64_irq_line_init_edge(&d->irq, &vm->kvm, spi);
	if (r)
		return r;
	snprintf(what, sizeof(what), "disk %s", vm->cfg->disks[i].path);
	r = virtio_mmio_new(&virtio_blk_dev_ops, d->blk, virtio_blk_num_queues(d->blk),
			    VIRTIO_BLK_QUEUE_MAX, &d->irq, &vm->mem, &host, what, &d->mmio);
	if (r)
		return r;
	r = add_to_bus(vm, &d->bus, d->name, d->base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, d->mmio);
	if (r)
		return r;
	add_desc(vm, DEV_VIRTIO_MMIO, d->base, VIRTIO_MMIO_SIZE, spi, 1);
	log_info("disk %s: vd%c, %u queue(s), %s", vm->cfg->disks[i].path, 'a' + (int)i,
		 virtio_blk_num_queues(d->blk), disk_io_name(virtio_blk_backend(d->blk)));
	return 0;
}

/* pvpanic's event (vCPU thread): only PANICKED ends the VM; a guest that
 * loaded a crash kernel (CRASH_LOADED) goes on running it. */
static void guest_panicked(void *ctx, unsigned int events)
{
	struct vm *vm = ctx;

	if (events & PVPANIC_PANICKED)
		vm_post_event(vm, VM_EV_PANIC);
	else if (events & PVPANIC_CRASH_LOADED)
		log_warn("guest: kernel panic; its crash kernel takes over");
}

void devices_power_button(struct vm *vm)
{
	/* Held long enough for gpio-keys' debounce to see it, as QEMU does. */
	pl061_pulse(vm->gpio, DT_GPIO_LINE_POWER, PL061_PULSE_MS);
}

int devices_create(struct vm *vm)
{
	unsigned int i;
	int r;

	arm64_irq_line_init(&vm->irq_uart, &vm->kvm, LAYOUT_SPI_UART);
	r = serial_create(vm, &vm->serial, &vm->irq_uart);
	if (r)
		return r;
	add_desc(vm, DEV_UART16550, vm->serial.base, vm->serial.size, LAYOUT_SPI_UART, 0);

	arm64_irq_line_init(&vm->irq_rtc, &vm->kvm, LAYOUT_SPI_RTC);
	r = pl031_new(&vm->irq_rtc, NULL, NULL, &vm->rtc);
	if (r)
		return r;
	r = add_to_bus(vm, &vm->bus_rtc, "rtc0", LAYOUT_RTC, PL031_MMIO_SIZE, &pl031_ops, vm->rtc);
	if (r)
		return r;
	add_desc(vm, DEV_PL031, LAYOUT_RTC, PL031_MMIO_SIZE, LAYOUT_SPI_RTC, 0);

	/* A GPIO with a power button: how `vmm stop` asks the guest to shut down. */
	arm64_irq_line_init(&vm->irq_gpio, &vm->kvm, LAYOUT_SPI_GPIO);
	r = pl061_new(&vm->irq_gpio, &vm->gpio);
	if (r)
		return r;
	r = add_to_bus(vm, &vm->bus_gpio, "gpio0", LAYOUT_GPIO, PL061_MMIO_SIZE, &pl061_ops,
		       vm->gpio);
	if (r)
		return r;
	add_desc(vm, DEV_PL061, LAYOUT_GPIO, PL061_MMIO_SIZE, LAYOUT_SPI_GPIO, 0);

	/* pvpanic: a panicking guest says so, and vmm ends with its own status. */
	r = pvpanic_new(guest_panicked, vm, &vm->pvpanic);
	if (r)
		return r;
	r = add_to_bus(vm, &vm->bus_pvpanic, "pvpanic", LAYOUT_PVPANIC, 0x1000, &pvpanic_ops,
		       vm->pvpanic);
	if (r)
		return r;
	add_desc(vm, DEV_PVPANIC, LAYOUT_PVPANIC, PVPANIC_MMIO_SIZE, 0, 0);

	/* Disks in command-line order: the guest probes them as vda, vdb, ... */
	for (i = 0; i < vm->cfg->ndisks; i++) {
		r = disk_create(vm, i);
		if (r)
			return r;
		vm->ndisks = i + 1;
	}
	/* NICs after the disks: eth0, eth1, ... in command-line order. */
	for (i = 0; i < vm->cfg->nnets; i++) {
		r = nic_create(vm, i);
		if (r)
			return r;
		vm->nnics = i + 1;
	}
	if (vm->cfg->console_virtio)
		return vcon_create(vm);
	return 0;
}

void devices_reset(struct vm *vm)
{
	unsigned int i;

	serial_drain(&vm->serial);
	uart16550_reset(vm->serial.uart);
	pl031_reset(vm->rtc);
	pl061_reset(vm->gpio);
	for (i = 0; i < vm->ndisks; i++)
		virtio_mmio_reset(vm->disks[i].mmio);
	for (i = 0; i < vm->nnics; i++)
		virtio_mmio_reset(vm->nics[i].mmio);
	if (vm->vcon_mmio)
		virtio_mmio_reset(vm->vcon_mmio);
}

void devices_destroy(struct vm *vm)
{
	unsigned int i;

	/* Transports first: they stop the devices' threads before the disks go. */
	for (i = 0; i < vm->cfg->ndisks; i++) {
		struct vm_disk *d = &vm->disks[i];

		if (!d->vm)
			continue; /* never started: nothing of it exists */
		if (d->mmio)
			virtio_mmio_free(d->mmio);
		if (d->blk)
			virtio_blk_free(d->blk);
		arm64_irq_line_release(&d->irq, &vm->kvm);
		memset(d, 0, sizeof(*d));
	}
	vm->ndisks = 0;
	for (i = 0; i < vm->cfg->nnets; i++)
		nic_destroy(vm, &vm->nics[i]);
	vm->nnics = 0;
	if (vm->vcon_mmio)
		virtio_mmio_free(vm->vcon_mmio);
	virtio_console_free(vm->vcon);
	arm64_irq_line_release(&vm->irq_vcon, &vm->kvm);
	vm->vcon_mmio = NULL;
	vm->vcon = NULL;
	serial_destroy(&vm->serial);
	pl031_free(vm->rtc);
	vm->rtc = NULL;
	pl061_free(vm->gpio);
	vm->gpio = NULL;
	pvpanic_free(vm->pvpanic);
	vm->pvpanic = NULL;
}
