// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's disks (--disk): virtio-blk on virtio-mmio slots, blk0, blk1,
 * ... in command-line order, which the guest probes as vda, vdb, ...
 */
#include <stdio.h>

#include "log.h"
#include "status.h"
#include "virtio_blk.h"
#include "vmm/json.h"
#include "vmm/vm.h"

static int disk_model(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	const struct disk_opts *o = arg;
	struct virtio_blk *blk;
	int r = virtio_blk_new(o, d->index, d->vm->nvcpus, &blk);

	if (r)
		return r;
	d->model = blk;
	*nqueues = virtio_blk_num_queues(blk);
	return VMM_OK;
}

static void disk_destroy(struct vm_device *d)
{
	if (d->model)
		virtio_blk_free(d->model);
}

static void disk_info(struct vm_device *d, struct json *j)
{
	const struct disk_opts *o = &d->vm->cfg->disks[d->index];
	struct virtio_blk_stats bs;

	virtio_blk_get_stats(d->model, &bs);
	json_string(j, "path", o->path);
	json_bool(j, "ro", o->ro);
	json_bool(j, "snapshot", o->snapshot);
	if (o->snapshot)
		json_uint(j, "snapshot_bytes", disk_snapshot_written(virtio_blk_disk(d->model)));
	json_string(j, "io", disk_io_name(virtio_blk_backend(d->model)));
	json_uint(j, "requests", bs.requests);
	json_uint(j, "bytes_read", bs.bytes_read);
	json_uint(j, "bytes_written", bs.bytes_written);
	json_uint(j, "io_errors", bs.io_errors);
}

static const struct vm_device_ops disk_ops = {
	.destroy = disk_destroy,
	.info_key = "disks",
	.info = disk_info,
};

int dev_disk_create(struct vm *vm, unsigned int i)
{
	const struct disk_opts *o = &vm->cfg->disks[i];
	char name[16], what[sizeof(o->path) + 8];
	struct virtio_wire_desc w = {
		.name = name, .what = what, .ops = &disk_ops, .vops = &virtio_blk_dev_ops,
		.qmax = VIRTIO_BLK_QUEUE_MAX, .index = i, .create = disk_model,
		.arg = (void *)o,
	};
	struct vm_device *d;
	int r;

	snprintf(name, sizeof(name), "blk%u", i);
	snprintf(what, sizeof(what), "disk %s", o->path);
	r = virtio_wire(vm, &w, &d);
	if (r)
		return r;
	log_info("disk %s: vd%c, %u queue(s), %s", o->path, 'a' + (int)i,
		 virtio_blk_num_queues(d->model), disk_io_name(virtio_blk_backend(d->model)));
	return VMM_OK;
}
