/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_BLK_H
#define VMM_VIRTIO_BLK_H

#include <stdint.h>

#include "disk.h"
#include "virtio.h"

/*
 * virtio-blk (virtio 1.2, section 5.2) on a disk image, behind any virtio
 * transport (include/virtio.h).
 *
 * Offered features: SEG_MAX, BLK_SIZE, FLUSH, MQ (num_queues), and either
 * RO (read-only disks) or DISCARD + WRITE_ZEROES (read-write disks).
 * GET_ID answers the serial given with serial=ID (NUL-padded; empty
 * otherwise). Not offered: SIZE_MAX (no limit per segment), GEOMETRY,
 * TOPOLOGY, CONFIG_WCE (the cache mode is fixed: writeback, hence FLUSH),
 * LIFETIME, SECURE_ERASE, ZONED.
 *
 * Wiring (vmm/), in this order:
 *   virtio_blk_new(&opts, index, ncpus, &blk);
 *   a transport made with virtio_blk_dev_ops, blk, virtio_blk_num_queues(blk)
 *   queues of VIRTIO_BLK_QUEUE_MAX entries;
 *   ... guest runs ...
 *   free the transport            (resets the device: stops its threads)
 *   virtio_blk_free(blk);
 *
 * Threads: one I/O thread per ready queue, named blk<index>-q<queue>,
 * between DRIVER_OK and the next reset. Each one owns its queue and its
 * disk_queue; they share only the read-only disk and the atomic counters.
 */

#define VIRTIO_BLK_QUEUE_MAX 256 /* QueueNumMax; also requests in flight per queue */
#define VIRTIO_BLK_SEG_MAX 128   /* data segments per request (config seg_max) */

struct virtio_blk;

/* Lifetime counters, for `vmm info`. */
struct virtio_blk_stats {
	uint64_t requests;      /* completed, of any type and outcome */
	uint64_t reads, writes, flushes, discards, write_zeroes, get_ids;
	uint64_t bytes_read, bytes_written; /* successful READ / WRITE data */
	uint64_t io_errors;     /* completed with VIRTIO_BLK_S_IOERR */
	uint64_t unsupported;   /* completed with VIRTIO_BLK_S_UNSUPP */
};

/*
 * virtio_blk_new - a virtio-blk device on the disk o describes, index
 * numbering it among vmm's disks (for thread names and messages).
 * Queues: o->queues, or default_queues (the vCPU count, clamped to
 * 1..DISK_MAX_QUEUES) when the option was not given. Opens and locks the
 * image and sets up one disk_queue per virtqueue with o->io (falling back
 * to slower backends, see disk_queue_new()). Returns 0 and stores the
 * device in *out, or prints one line and returns VMM_ERR_INPUT (the image,
 * see disk_open()) or VMM_ERR_HOST (no memory or eventfd). Main thread.
 */
int virtio_blk_new(const struct disk_opts *o, unsigned int index, unsigned int default_queues,
		   struct virtio_blk **out);

/* virtio_blk_num_queues - how many virtqueues the transport must have. */
unsigned int virtio_blk_num_queues(const struct virtio_blk *b);

/* virtio_blk_backend - the disk backend the queues ended up with. */
enum disk_io virtio_blk_backend(const struct virtio_blk *b);

/* virtio_blk_disk - the image behind b. */
const struct disk *virtio_blk_disk(const struct virtio_blk *b);

/*
 * virtio_blk_free - stop b (if its transport has not already), close the
 * image and free everything; NULL is fine. Free the transport first.
 */
void virtio_blk_free(struct virtio_blk *b);

/* virtio_blk_get_stats - a snapshot of the counters. Any thread, lock-free. */
void virtio_blk_get_stats(const struct virtio_blk *b, struct virtio_blk_stats *out);

/* The device callbacks for a transport; dev is the struct virtio_blk *. */
extern const struct virtio_dev_ops virtio_blk_dev_ops;

#endif
