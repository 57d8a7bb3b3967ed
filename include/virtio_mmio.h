/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "guest_mem.h"
#include "irq.h"
#include "virtio.h"
#include "virtqueue.h"

/*
 * The virtio-mmio transport, version 2 (virtio 1.x "modern", spec 4.2),
 * that any transport-neutral virtio device (include/virtio.h) plugs into.
 * The transport owns the register window, feature negotiation, device
 * status, the queues' configuration and the interrupt status; a device
 * model owns its config space and the work. Only vmm/ (the wiring) and
 * tests include this header; devices never do.
 *
 * Notifications: each queue has a kick eventfd. The transport asks the host
 * (vmm) to bind it to the QueueNotify register with an ioeventfd, so a kick
 * never exits to userspace; where that fails, a QueueNotify write that does
 * reach the transport writes the same eventfd. Device threads poll kick
 * fds only. Interrupts: the transport's struct virtio_irq, handed to the
 * device at activation, sets InterruptStatus and pulses the (edge,
 * irqfd-backed) line when the driver wants one.
 *
 * Queue configuration is the driver's only until DRIVER_OK: from then on
 * the device's threads read the rings without the transport's lock, so a
 * queue register write (QueueNum, QueueReady, the ring addresses) after
 * DRIVER_OK is ignored and logged once per reset cycle (a device that
 * needs a reset would punish a driver for something harmless to ignore).
 * The ring features (EVENT_IDX, INDIRECT_DESC) are latched when the
 * transport accepts FEATURES_OK and set again in every queue at
 * activation, never taken from a QueueReady write's moment.
 *
 * Locking: the transport has one mutex for its registers; bus callbacks and
 * every function here are thread-safe. Device callbacks are called with
 * that mutex held, except reset (include/virtio.h).
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

/* What vmm implements: binding kick eventfds to the notify register. */
struct virtio_mmio_host {
	/*
	 * Bind (assign) or unbind fd to 4-byte writes of value `datamatch` at
	 * `offset` of this transport's window. Returns 0 or -errno.
	 */
	int (*ioeventfd)(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign);
	void *ctx;
	/* The VM's pause gate, handed to the device at activation; NULL: none. */
	struct dev_gate *gate;
};

/*
 * virtio_mmio_new - a transport for device dev (ops) with nqueues queues of
 * at most qmax entries each. irq must be an edge line; its fd, when not -1,
 * is the irqfd the interrupt object hands out (virtio_irq_fd). gm is guest
 * RAM; host may be NULL (kicks then always go through the register). name
 * is what the failure message starts with ("disk rootfs.img"). Returns
 * VMM_OK and stores the transport in *out, or prints
 * "NAME: creating its virtio-mmio transport: CAUSE" and returns
 * VMM_ERR_INTERNAL (bad arguments: vmm's bug) or VMM_ERR_HOST (no memory,
 * no eventfd). Main thread.
 */
int virtio_mmio_new(const struct virtio_dev_ops *ops, void *dev, unsigned int nqueues,
		    uint16_t qmax, struct irq_line *irq, const struct guest_mem *gm,
		    const struct virtio_mmio_host *host, const char *name, struct virtio_mmio **out);

/* virtio_mmio_free - reset the device (ops->reset) if active, unbind, free; NULL is fine. */
void virtio_mmio_free(struct virtio_mmio *t);

/* virtio_mmio_reset - reset as if the driver wrote Status = 0 (guest reboot). */
void virtio_mmio_reset(struct virtio_mmio *t);

/*
 * virtio_mmio_queue / virtio_mmio_kick_fd - queue q's ring state and kick
 * eventfd (NULL / -1 past the last queue), for tests and diagnostics: a
 * device gets its queues in its activation, never from here.
 */
struct virtqueue *virtio_mmio_queue(struct virtio_mmio *t, unsigned int q);
int virtio_mmio_kick_fd(struct virtio_mmio *t, unsigned int q);

/* virtio_mmio_irq - the transport's interrupt object (the one activations carry). */
struct virtio_irq *virtio_mmio_irq(struct virtio_mmio *t);

/* The bus callbacks; opaque is the struct virtio_mmio *. */
extern const struct bus_dev_ops virtio_mmio_ops;

#endif
