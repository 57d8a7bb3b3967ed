/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_CONSOLE_H
#define VMM_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio.h"

/*
 * virtio-console (virtio 1.2, section 5.3; device id 3) behind any virtio
 * transport (include/virtio.h): the guest's console on hvc0 (Linux
 * CONFIG_VIRTIO_CONSOLE, console=hvc0).
 *
 * One port, no MULTIPORT (so no control queues), no EMERG_WRITE. Offered:
 * VIRTIO_CONSOLE_F_SIZE, so the console's size follows the host's
 * terminal: virtio_console_set_size() updates cols and rows in config
 * space and raises the configuration-change interrupt. Queue 0 is the
 * receiveq (host to guest), queue 1 the transmitq (guest to host).
 *
 * Wiring (vmm/), in this order:
 *   virtio_console_new(&host, &c);
 *   a transport made with virtio_console_dev_ops, c and
 *   VIRTIO_CONSOLE_NUM_QUEUES queues of VIRTIO_CONSOLE_QUEUE_MAX entries;
 *   virtio_console_set_size(c, cols, rows);   (when attached to a terminal)
 *   ... guest runs ...
 *   free the transport            (resets the device: stops its thread)
 *   virtio_console_free(c);
 *
 * Threads: one I/O thread, "console-io", from DRIVER_OK until the next
 * reset, owning the transmitq: it hands what the guest writes to the tx
 * callback. Host input goes the other way on the caller's own thread:
 * virtio_console_rx() copies straight into the guest's receive buffers,
 * so a keystroke costs no thread hop and the caller learns at once how
 * much was taken. The I/O thread also watches the receiveq's kicks, but
 * only to call rx_ready when the host is waiting for buffers.
 *
 * Guest errors: a malformed chain, a transmit chain with a device-writable
 * buffer, or a receive chain with a device-readable buffer or no writable
 * byte marks the device NEEDS_RESET (logged once); it then leaves both
 * queues alone until the driver resets it. Linux never builds such chains,
 * so skipping them would only hide a broken driver.
 */

#define VIRTIO_CONSOLE_NUM_QUEUES 2
#define VIRTIO_CONSOLE_QUEUE_RX 0   /* receiveq: host to guest */
#define VIRTIO_CONSOLE_QUEUE_TX 1   /* transmitq: guest to host */
/*
 * QueueNumMax. Linux fills the whole receiveq with page-sized buffers, so
 * this also bounds the guest memory a console pins (256 KiB with 4 KiB
 * pages); 64 pending pages of input is more than a terminal produces.
 */
#define VIRTIO_CONSOLE_QUEUE_MAX 64

struct virtio_console;

/*
 * What the console calls back into. Copied by virtio_console_new(); any
 * member may be NULL.
 *
 * tx: the guest transmitted buf[0..len). Called on the console-io thread
 *     with no lock of the console's held, once per buffer of each transmit
 *     chain, in order. buf points into guest memory and is valid only
 *     during the call (the guest may be changing it: copy it, don't parse
 *     it twice). It may call virtio_console_rx() and
 *     virtio_console_set_size(), never virtio_console_free() or a reset.
 *     It may block (a slow terminal): the guest's hvc driver spins until
 *     its buffer comes back, so that stalls the writing vCPU, like a
 *     blocking UART tx. It cannot refuse bytes.
 * rx_ready: receive buffers became available after virtio_console_rx()
 *     accepted less than it was offered. Called once however many
 *     refusals came before, with no lock held, on the console-io thread
 *     (when the driver kicks the receiveq, or at DRIVER_OK if the driver
 *     posted buffers before). It must not block; writing an eventfd the
 *     console thread polls is the intended use. It may call
 *     virtio_console_rx().
 */
struct virtio_console_host {
	void (*tx)(void *ctx, const uint8_t *buf, size_t len);
	void (*rx_ready)(void *ctx);
	void *ctx;
};

/* Lifetime counters, for `vmm info`. */
struct virtio_console_stats {
	uint64_t tx_bytes;      /* bytes the guest transmitted (handed to tx) */
	uint64_t rx_bytes;      /* bytes virtio_console_rx() put in guest buffers */
};

/*
 * virtio_console_new - a console with size 0x0 (unknown) that calls host
 * (may be NULL: output discarded, nobody told about buffers). Main thread,
 * before the guest runs. Returns VMM_OK and stores it in *out, or prints
 * "virtio console: creating it: CAUSE" (no memory, no eventfd) and returns
 * VMM_ERR_INTERNAL.
 */
int virtio_console_new(const struct virtio_console_host *host, struct virtio_console **out);

/*
 * virtio_console_free - stop c (if its transport has not already) and free
 * it; NULL is fine. Free the transport first. The caller guarantees that
 * no other thread is inside or will enter a virtio_console function for c.
 */
void virtio_console_free(struct virtio_console *c);

/*
 * virtio_console_rx - the host received buf[0..len) for the guest. Copies as
 * much as fits into the receive buffers the driver has posted, filling one
 * buffer chain after another, returns each to the guest with its length
 * and raises the interrupt once; returns the count taken. The caller keeps
 * the rest and offers it again after rx_ready, which is armed whenever a
 * call takes less than len: with no buffers posted, before the driver set
 * the device up, after a reset, or while the device needs a reset (0 is
 * returned then). Thread-safe (one lock per console; the caller's thread
 * does the copy). A malformed receive chain sets NEEDS_RESET.
 */
size_t virtio_console_rx(struct virtio_console *c, const uint8_t *buf, size_t len);

/*
 * virtio_console_set_size - the host's terminal is now cols x rows. Updates
 * config space and raises the configuration-change interrupt (the config
 * generation changes) when the value changed and the driver is running; a
 * size set before DRIVER_OK is announced by one such interrupt once the
 * device starts, because Linux reads the size only on that interrupt.
 * Thread-safe, lock-free on the console's side (takes the transport's
 * lock); before the first activation only config space changes.
 */
void virtio_console_set_size(struct virtio_console *c, uint16_t cols, uint16_t rows);

/* virtio_console_get_stats - a snapshot of the counters. Any thread, lock-free. */
void virtio_console_get_stats(const struct virtio_console *c, struct virtio_console_stats *out);

/* The device callbacks for a transport; dev is the struct virtio_console *. */
extern const struct virtio_dev_ops virtio_console_dev_ops;

#endif
