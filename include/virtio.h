/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_H
#define VMM_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "dev_thread.h"
#include "virtqueue.h"

/*
 * A virtio device as a transport sees it, and the transport as a device
 * sees it: nothing here knows how the driver reaches the device (MMIO
 * registers, PCI capabilities). devices/virtio_blk.c, virtio_console.c and
 * virtio_net*.c include this and never a transport's header; a transport
 * (devices/virtio_mmio.c) drives a struct virtio_dev_ops and implements
 * struct virtio_irq_ops.
 *
 * Life of a device behind a transport:
 *   features()                  any time: what the device offers
 *   config_read/config_write    any time, transport lock held
 *   activate(dev, &act)         DRIVER_OK: negotiated features, queues, kick
 *                               fds and the interrupt object; the device
 *                               starts serving
 *   reset(dev)                  the driver reset the device (Status = 0),
 *                               or vmm did; the device stops serving
 *   activate(...), reset(...)   again, any number of times
 * The transport calls reset once after every activate (failed or not)
 * before the next activate and before it is freed.
 */

/*
 * The interrupt object. The transport owns it and hands it to the device in
 * every activation; it stays valid until the transport is freed, so a
 * device may keep the pointer across resets (config changes announced
 * after a reset only bump the config generation, see config_changed).
 * Every function is thread-safe; call them through the virtio_irq_*
 * helpers below.
 */
struct virtio_irq;

struct virtio_irq_ops {
	/* Used buffers on queue q: interrupt if the driver wants one. Lock-free. */
	void (*used)(struct virtio_irq *irq, unsigned int q);
	/*
	 * Config space changed: bump the config generation; interrupt only a
	 * running driver. Takes the transport's lock.
	 */
	void (*config_changed)(struct virtio_irq *irq);
	/*
	 * The guest broke the protocol: set DEVICE_NEEDS_RESET, tell a running
	 * driver, log why once per reset cycle. Takes the transport's lock.
	 */
	void (*needs_reset)(struct virtio_irq *irq, const char *why);
	/*
	 * The fd that raises the used-buffer interrupt when written (an
	 * irqfd), to hand to the kernel (vhost's call fd); -1 when there is
	 * none. Lock-free.
	 */
	int (*fd)(struct virtio_irq *irq);
	/*
	 * Whether something other than used() (the kernel writing fd())
	 * raises the used-buffer interrupt, so the transport must report it
	 * without having seen it. Kept across resets. Lock-free.
	 */
	void (*set_direct)(struct virtio_irq *irq, bool on);
};

struct virtio_irq {
	const struct virtio_irq_ops *ops;
};

static inline void virtio_irq_used(struct virtio_irq *irq, unsigned int q)
{
	irq->ops->used(irq, q);
}

static inline void virtio_irq_config_changed(struct virtio_irq *irq)
{
	irq->ops->config_changed(irq);
}

static inline void virtio_irq_needs_reset(struct virtio_irq *irq, const char *why)
{
	irq->ops->needs_reset(irq, why);
}

static inline int virtio_irq_fd(struct virtio_irq *irq)
{
	return irq->ops->fd(irq);
}

static inline void virtio_irq_set_direct(struct virtio_irq *irq, bool on)
{
	irq->ops->set_direct(irq, on);
}

/* One queue of an activation. */
struct virtio_queue {
	/*
	 * The ring, never NULL: vq->ready says whether the driver set it up
	 * (vq_start() checked it; drivers may use fewer queues than
	 * offered), its event_idx and indirect flags are set from the
	 * negotiated features. Owned by the device's threads until reset
	 * returns: the transport does not touch it in between.
	 */
	struct virtqueue *vq;
	int kick_fd;    /* readable when the driver kicked the queue; always valid */
};

/* What a device gets at DRIVER_OK. Valid until the matching reset returns. */
struct virtio_activation {
	uint64_t features;              /* negotiated (device and transport bits) */
	unsigned int nqueues;           /* as many as the transport was made with */
	const struct virtio_queue *queues;
	struct virtio_irq *irq;
	/*
	 * The VM's pause gate (dev_thread.h), NULL for none: every device
	 * thread passes it around each bounded batch of work, so that no
	 * thread touches guest memory while the VM is paused.
	 */
	struct dev_gate *gate;
};

/* What a device model implements. */
struct virtio_dev_ops {
	uint32_t device_id;     /* 2 block, 1 net, 3 console */
	/* Feature bits the device offers (the transport adds VERSION_1 and the ring features). */
	uint64_t (*features)(void *dev);
	/*
	 * Config space access at offset off (of the device's config space);
	 * bounds are the device's. Called with the transport's lock held: no
	 * virtio_irq call from here.
	 */
	void (*config_read)(void *dev, uint32_t off, void *data, uint32_t len);
	void (*config_write)(void *dev, uint32_t off, const void *data, uint32_t len);
	/*
	 * activate - DRIVER_OK: start serving a (threads polling the kick
	 * fds). Called with the transport's lock held (so no virtio_irq call
	 * that takes it, config_changed or needs_reset, from here: a device
	 * thread may make them). Returns 0, or -1 after logging why, and the
	 * transport sets NEEDS_RESET; reset() comes at the next reset either
	 * way, so a failed activate may leave its partial work (threads
	 * already running) to it.
	 */
	int (*activate)(void *dev, const struct virtio_activation *a);
	/*
	 * reset - stop serving and return only when no thread of the device
	 * touches the queues, the kick fds or guest memory. Called WITHOUT
	 * the transport's lock held (the device's threads may be waiting for
	 * it in config_changed or needs_reset).
	 */
	void (*reset)(void *dev);
};

#endif
