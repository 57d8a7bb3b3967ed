// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's shared directories (--share): virtio-fs on virtio-mmio
 * slots, fs0, fs1, ... in command-line order, after the NICs. The guest
 * mounts each by its tag: mount -t virtiofs TAG /mnt.
 */
#include <stdio.h>

#include "log.h"
#include "sandbox.h"
#include "status.h"
#include "virtio_fs.h"
#include "vmm/json.h"
#include "vmm/vm.h"

static int fs_model(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	struct virtio_fs *fs;
	int r = virtio_fs_new(arg, d->index, &fs);

	if (r)
		return r;
	d->model = fs;
	*nqueues = VIRTIO_FS_NUM_QUEUES;
	return VMM_OK;
}

static void fs_destroy(struct vm_device *d)
{
	if (d->model)
		virtio_fs_free(d->model);
}

static void fs_info(struct vm_device *d, struct json *j)
{
	const struct fs_opts *o = &d->vm->cfg->shares[d->index];
	struct virtio_fs_stats s;

	virtio_fs_get_stats(d->model, &s);
	json_string(j, "tag", o->tag);
	json_string(j, "dir", o->dir);
	json_bool(j, "ro", o->ro);
	json_uint(j, "requests", s.requests);
	json_uint(j, "errors", s.errors);
	json_uint(j, "bytes_read", s.bytes_read);
	json_uint(j, "bytes_written", s.bytes_written);
	json_uint(j, "nodes", s.nodes);
	json_uint(j, "handles", s.handles);
}

static const struct vm_device_ops fs_ops = {
	.destroy = fs_destroy,
	.info_key = "shares",
	.info = fs_info,
};

int dev_fs_create(struct vm *vm, unsigned int i)
{
	const struct fs_opts *o = &vm->cfg->shares[i];
	char name[16], what[sizeof(o->dir) + 8];
	struct virtio_wire_desc w = {
		.name = name, .what = what, .ops = &fs_ops, .vops = &virtio_fs_dev_ops,
		.qmax = VIRTIO_FS_QUEUE_MAX, .index = i, .create = fs_model, .arg = (void *)o,
	};
	struct vm_device *d;
	int r;

	snprintf(name, sizeof(name), "fs%u", i);
	snprintf(what, sizeof(what), "share %s", o->dir);
	r = virtio_wire(vm, &w, &d);
	if (r)
		return r;
	/* The device threads open, read and write files from now on. */
	sandbox_allow_files();
	log_info("share %s: tag %s%s", o->dir, o->tag, o->ro ? ", read-only" : "");
	return VMM_OK;
}
