/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_RNG_H
#define VMM_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio.h"

/*
 * virtio-rng, the entropy device (virtio 1.2, section 5.4; device id 4)
 * behind any virtio transport (include/virtio.h): the guest's /dev/hwrng
 * (Linux CONFIG_HW_RANDOM_VIRTIO), which Linux also feeds into its own
 * pool, so the guest's crng is ready early instead of waiting for jitter.
 *
 * One queue (requestq), no feature bits, no config space. The driver posts
 * device-writable buffers; the device fills them from getrandom() and
 * returns each with the count written.
 *
 * Wiring (vmm/), in this order:
 *   virtio_rng_new(&r);
 *   a transport made with virtio_rng_dev_ops, r and VIRTIO_RNG_NUM_QUEUES
 *   queue of VIRTIO_RNG_QUEUE_MAX entries;
 *   ... guest runs ...
 *   free the transport            (resets the device: stops its thread)
 *   virtio_rng_free(r);
 *
 * Threads: one, "rng-io", from DRIVER_OK until the next reset: it sleeps in
 * poll() on the queue's kick eventfd and a stop eventfd, and serves the
 * requestq in batches, passing the pause gate around each.
 *
 * Hostile guests: a request gets at most VIRTIO_RNG_REQ_MAX bytes (the
 * rest of a bigger buffer is left as it was, and the written count says
 * so: the spec lets the device fill less), and a batch ends after
 * VIRTIO_RNG_BATCH_MAX bytes or a queue's worth of chains, after which the
 * thread looks at the stop flag and the pause gate before going on. A
 * malformed chain, or a chain with a device-readable buffer, marks the
 * device NEEDS_RESET (logged once); it then leaves the queue alone until
 * the driver resets it.
 */

#define VIRTIO_RNG_NUM_QUEUES 1
#define VIRTIO_RNG_QUEUE_MAX 64
#define VIRTIO_RNG_REQ_MAX (64u << 10)
#define VIRTIO_RNG_BATCH_MAX (256u << 10)

struct virtio_rng;

/* Lifetime counters, for `vmm info`. */
struct virtio_rng_stats {
	uint64_t requests;      /* chains returned to the guest */
	uint64_t bytes;         /* random bytes written into them */
};

/*
 * virtio_rng_new - an entropy device. Main thread, before the guest runs.
 * Returns VMM_OK and stores it in *out, or prints "virtio rng: creating it:
 * CAUSE" (no memory, no eventfd) and returns VMM_ERR_INTERNAL.
 */
int virtio_rng_new(struct virtio_rng **out);

/*
 * virtio_rng_free - stop r (if its transport has not already) and free it;
 * NULL is fine. Free the transport first; no other thread may be inside a
 * virtio_rng function for r.
 */
void virtio_rng_free(struct virtio_rng *r);

/* virtio_rng_get_stats - a snapshot of the counters. Any thread, lock-free. */
void virtio_rng_get_stats(const struct virtio_rng *r, struct virtio_rng_stats *out);

/* The device callbacks for a transport; dev is the struct virtio_rng *. */
extern const struct virtio_dev_ops virtio_rng_dev_ops;

#endif
