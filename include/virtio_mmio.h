/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "guest_mem.h"
#include "irq.h"
#include "virtqueue.h"

/*
 * The virtio-mmio transport, version 2 (virtio 1.x "modern", spec 4.2), that
 * every virtio device model plugs into. The transport owns the register
 * window, feature negotiation, device status, the queues' configuration and
 * the interrupt status; a device model owns its config space and the work.
 *
 * Notifications: each queue has a kick eventfd. The transport asks the host
 * (vmm) to bind it to the QueueNotify register with an ioeventfd, so a kick
 * never exits to userspace; where that fails, a QueueNotify write that does
 * reach the transport writes the same eventfd. Device threads poll kick
 * fds only. Interrupts: virtio_mmio_signal() sets InterruptStatus and
 * pulses the (edge, irqfd-backed) line when the driver wants one.
 *
 * Locking: the transport has one mutex for its registers; bus callbacks and
 * every function here are thread-safe. Device callbacks are called with
 * that mutex held, except where noted.
 */

#define VIRTIO_MMIO_SIZE 0x200 /* registers 0x000..0x0ff, config from 0x100 */

/* Device status bits (spec 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

struct virtio_mmio;

/* What a device model implements. */
struct virtio_dev_ops {
	uint32_t device_id;     /* 2 block, 1 net, 3 console */
	/* Feature bits the device offers (the transport adds VERSION_1 and the ring features). */
	uint64_t (*features)(void *dev);
	/* Config space access at offset off (from 0x100 of the window); bounds are the device's. */
	void (*config_read)(void *dev, uint32_t off, void *data, uint32_t len);
	void (*config_write)(void *dev, uint32_t off, const void *data, uint32_t len);
	/*
	 * DRIVER_OK: queues are configured (vq_start() done for each ready one),
	 * features final. The device starts serving (threads polling kick fds).
	 * Returns 0, or -1 to make the transport set NEEDS_RESET; stop() is
	 * called at the next reset either way, so a failed start may leave
	 * its partial work (threads already running) to it.
	 */
	int (*start)(void *dev, uint64_t features);
	/*
	 * Device reset by the driver (Status = 0) or by vmm: stop serving and
	 * wait until no thread touches the queues or guest memory for this
	 * device. Called WITHOUT the transport mutex held.
	 */
	void (*stop)(void *dev);
};

/* What vmm implements: binding kick eventfds to the notify register. */
struct virtio_mmio_host {
	/*
	 * Bind (assign) or unbind fd to 4-byte writes of value `datamatch` at
	 * `offset` of this transport's window. Returns 0 or -errno.
	 */
	int (*ioeventfd)(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign);
	void *ctx;
};

/*
 * virtio_mmio_new - a transport for a device with nqueues queues of at most
 * qmax entries each. irq must be an edge line; gm is guest RAM; host may be
 * NULL (kicks then always go through the register). Returns NULL with
 * errno set.
 */
struct virtio_mmio *virtio_mmio_new(const struct virtio_dev_ops *ops, void *dev,
				    unsigned int nqueues, uint16_t qmax, struct irq_line *irq,
				    const struct guest_mem *gm, const struct virtio_mmio_host *host);

/* virtio_mmio_free - stop the device (ops->stop), unbind and free everything. */
void virtio_mmio_free(struct virtio_mmio *t);

/* virtio_mmio_reset - reset as if the driver wrote Status = 0 (guest reboot). */
void virtio_mmio_reset(struct virtio_mmio *t);

/* virtio_mmio_queue - queue q, for the device's I/O thread. */
struct virtqueue *virtio_mmio_queue(struct virtio_mmio *t, unsigned int q);

/* virtio_mmio_kick_fd - the eventfd that becomes readable when queue q is kicked. */
int virtio_mmio_kick_fd(struct virtio_mmio *t, unsigned int q);

/*
 * virtio_mmio_signal - the device put buffers on queue q's used ring: raise
 * the used-buffer interrupt if the driver wants one (vq_should_notify).
 */
void virtio_mmio_signal(struct virtio_mmio *t, unsigned int q);

/*
 * virtio_mmio_set_irq_direct - whether something other than
 * virtio_mmio_signal() (vhost-net writing the line's irqfd) raises the
 * used-buffer interrupt. The transport never hears of those, and Linux
 * ignores an interrupt whose InterruptStatus is 0, so while on,
 * InterruptStatus always reads with the used-buffer bit (bit 0) set; the
 * configuration-change bit works as before, and an InterruptACK of bit 0
 * is harmless. Kept across resets (it describes the wiring). Any thread,
 * lock-free.
 */
void virtio_mmio_set_irq_direct(struct virtio_mmio *t, bool on);

/* virtio_mmio_config_changed - raise the configuration-change interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);

/*
 * virtio_mmio_needs_reset - a guest error (malformed chain, bad queue):
 * set DEVICE_NEEDS_RESET, raise the config interrupt, log `why` once per
 * reset cycle. The device must stop using its queues.
 */
void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why);

/* The bus callbacks; opaque is the struct virtio_mmio *. */
extern const struct bus_dev_ops virtio_mmio_ops;

#endif
