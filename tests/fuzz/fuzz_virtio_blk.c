// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk requests (devices/virtio_blk.c over devices/virtqueue.c) from
 * guest RAM the input lays out (fuzz_virtio.h), against a 1 MiB disk image
 * in a memfd. Three devices, one per backend (io_uring, aio, sync); the
 * input's first byte picks one. Host event: none.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "fuzz_virtio.h"
#include "virtio_blk.h"

#define IMG_SIZE (1u << 20)

static struct fv devs[3];

static void make(struct fv *v, enum disk_io io, int img)
{
	struct disk_opts o;
	struct virtio_blk *blk;

	memset(&o, 0, sizeof(o));
	snprintf(o.path, sizeof(o.path), "/proc/self/fd/%d", img);
	o.io = io;
	snprintf(o.serial, sizeof(o.serial), "FUZZ");
	o.queues = 2;
	if (virtio_blk_new(&o, 0, 1, &blk))
		abort();
	fv_new(v, &virtio_blk_dev_ops, blk, virtio_blk_num_queues(blk), VIRTIO_BLK_QUEUE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum disk_io io[3] = { DISK_IO_URING, DISK_IO_AIO, DISK_IO_SYNC };
	struct fz f = { data, size };
	unsigned int which = fz_u8(&f) % 3;

	if (!devs[which].t) {
		int img = memfd_create("fuzz-disk", MFD_CLOEXEC);

		if (img < 0 || ftruncate(img, IMG_SIZE))
			abort();
		make(&devs[which], io[which], img);
	}
	fv_requests(&devs[which], &f);
	return 0;
}
