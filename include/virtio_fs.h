/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_FS_H
#define VMM_VIRTIO_FS_H

#include <stdint.h>

#include "fuse_server.h"
#include "virtio.h"

/*
 * virtio-fs (virtio 1.2, section 5.11) served by vmm's own FUSE server
 * (include/fuse_server.h), behind any virtio transport (include/virtio.h).
 *
 * Config: the tag (36 bytes, NUL-padded) and num_request_queues = 1.
 * Queues: 0 hiprio (FORGETs), 1 the request queue. No feature bits
 * (no NOTIFICATION), no DAX window.
 *
 * Wiring (vmm/dev_fs.c), in this order:
 *   virtio_fs_new(&opts, index, &fs);
 *   a transport made with virtio_fs_dev_ops, fs, VIRTIO_FS_NUM_QUEUES
 *   queues of VIRTIO_FS_QUEUE_MAX entries;
 *   ... guest runs ...
 *   free the transport            (resets the device: stops its thread)
 *   virtio_fs_free(fs);
 *
 * Threads: fs<index>-io, between DRIVER_OK and the next reset. It owns both
 * queues and the server; it serves at most a queue's worth of requests
 * per round, passing the pause gate around each round. A reset joins it
 * and then forgets every node and handle (the guest's next mount starts
 * from INIT).
 */

#define VIRTIO_FS_QUEUE_MAX 1024 /* QueueNumMax: a 1 MiB request in 4 KiB pages fits */
#define VIRTIO_FS_NUM_QUEUES 2
#define VIRTIO_FS_QUEUE_HIPRIO 0
#define VIRTIO_FS_QUEUE_REQUEST 1

struct virtio_fs;

struct virtio_fs_stats {
	uint64_t requests, errors, bytes_read, bytes_written, nodes, handles;
};

/*
 * virtio_fs_new - a virtio-fs device serving o's directory under o's tag;
 * index numbers it (thread name). Returns VMM_OK and stores it in *out,
 * or prints one line (see fuse_server_new) and returns its status.
 */
int virtio_fs_new(const struct fs_opts *o, unsigned int index, struct virtio_fs **out);

/* virtio_fs_free - stop fs (if its transport has not) and free it; NULL is fine. */
void virtio_fs_free(struct virtio_fs *fs);

/* virtio_fs_get_stats - a snapshot of the counters. Any thread, lock-free. */
void virtio_fs_get_stats(const struct virtio_fs *fs, struct virtio_fs_stats *out);

extern const struct virtio_dev_ops virtio_fs_dev_ops;

#endif
