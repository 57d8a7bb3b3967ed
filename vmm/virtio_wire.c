// SPDX-License-Identifier: GPL-2.0-only
/*
 * One function that puts any virtio device on the guest's virtio-mmio
 * slots (vmm/devices.h): slot, SPI, model, irqfd, transport with its
 * QueueNotify ioeventfds, bus window and device-tree node, in that order,
 * each undone by devices_undo_last() when a later step fails. The model
 * comes before the irqfd so that a device whose host side is missing (a
 * tap, a disk image) fails before anything of KVM's is made for it.
 *
 * Slot n is the window LAYOUT_VIRTIO_BASE + n * LAYOUT_VIRTIO_STRIDE (only
 * VIRTIO_MMIO_SIZE of it is the transport's) on SPI LAYOUT_SPI_VIRTIO + n;
 * slots are taken in creation order, which is the order the guest probes
 * the devices in (vda, vdb, ...; eth0, eth1, ...).
 */
#include <stdio.h>

#include "log.h"
#include "status.h"
#include "virtio_mmio.h"
#include "vmm/vm.h"

/* The transport's kick fds, bound to its QueueNotify register by KVM. */
static int wire_ioeventfd(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign)
{
	struct vm_device *d = ctx;
	const struct dev_host *h = &d->vm->devices.host;

	return h->ioeventfd(h->ctx, d->desc.base + offset, 4, datamatch, fd, assign);
}

int virtio_wire(struct vm *vm, const struct virtio_wire_desc *w, struct vm_device **out)
{
	struct vm_devices *t = &vm->devices;
	struct virtio_mmio_host host = { .ioeventfd = wire_ioeventfd, .gate = &vm->gate };
	unsigned int slot, nqueues = 0;
	struct vm_device *d;
	int r;

	if (t->nvirtio == LAYOUT_VIRTIO_MAX) {
		log_error("%s: no virtio-mmio slot left (%d in all)", w->what, LAYOUT_VIRTIO_MAX);
		return VMM_ERR_USAGE;
	}
	r = devices_add(vm, w->name, w->ops, &d);
	if (r)
		return r;
	slot = t->nvirtio++;
	d->index = w->index;
	d->desc.kind = DEV_VIRTIO_MMIO;
	d->desc.base = LAYOUT_VIRTIO_BASE + slot * LAYOUT_VIRTIO_STRIDE;
	d->desc.size = VIRTIO_MMIO_SIZE;
	d->desc.spi = LAYOUT_SPI_VIRTIO + slot;
	d->desc.edge = 1;
	host.ctx = d;
	r = w->create(d, w->arg, &nqueues);
	if (r)
		goto fail;
	d->has_irq = true;
	r = t->host.irq_init(t->host.ctx, &d->irq, d->desc.spi, true);
	if (r)
		goto fail;
	r = virtio_mmio_new(w->vops, d->model, nqueues, w->qmax, &d->irq, &vm->mem, &host, w->what,
			    &d->mmio);
	if (r)
		goto fail;
	d->bus.opaque = d->mmio;
	r = devices_bus_add(vm, d, &virtio_mmio_ops);
	if (r)
		goto fail;
	if (out)
		*out = d;
	return VMM_OK;
fail:
	devices_undo_last(vm);
	/* The slot goes back too: it was the last one taken. */
	t->nvirtio--;
	return r;
}
