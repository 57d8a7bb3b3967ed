// SPDX-License-Identifier: GPL-2.0-only
/*
 * --console virtio: virtio-console as hvc0 on the virtio-mmio slot after
 * the disks and NICs. Created after uart0, it takes the guest's console
 * over from the UART (vmm/devices.h: the last console entry is it).
 */
#include <unistd.h>

#include "status.h"
#include "virtio_console.h"
#include "vmm/vm.h"

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

static int vcon_model(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	struct virtio_console_host host = { .tx = vcon_tx, .rx_ready = vcon_rx_ready, .ctx = d->vm };
	struct virtio_console *c;
	int r = virtio_console_new(&host, &c);

	(void)arg;
	if (r)
		return r;
	d->model = c;
	*nqueues = VIRTIO_CONSOLE_NUM_QUEUES;
	return VMM_OK;
}

static void vcon_destroy(struct vm_device *d)
{
	virtio_console_free(d->model);
}

static size_t vcon_console_rx(struct vm_device *d, const uint8_t *buf, size_t len)
{
	return virtio_console_rx(d->model, buf, len);
}

static void vcon_console_size(struct vm_device *d, unsigned int cols, unsigned int rows)
{
	if (cols && rows && cols < 65536 && rows < 65536)
		virtio_console_set_size(d->model, (uint16_t)cols, (uint16_t)rows);
}

static const struct vm_device_ops vcon_ops = {
	.destroy = vcon_destroy,
	.console = "virtio",
	.console_rx = vcon_console_rx,
	.console_size = vcon_console_size,
};

int dev_console_create(struct vm *vm)
{
	struct virtio_wire_desc w = {
		.name = "hvc0", .what = "virtio console", .ops = &vcon_ops,
		.vops = &virtio_console_dev_ops, .qmax = VIRTIO_CONSOLE_QUEUE_MAX,
		.create = vcon_model,
	};

	return virtio_wire(vm, &w, NULL);
}
