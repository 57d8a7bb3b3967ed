// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's entropy source (on unless --rng off): virtio-rng as rng0 on
 * the virtio-mmio slot after the disks, NICs and console, so that it moves
 * no other device's slot. `vmm info` lists it under "rng".
 */
#include "status.h"
#include "virtio_rng.h"
#include "vmm/json.h"
#include "vmm/vm.h"

static int rng_model(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	struct virtio_rng *r;
	int ret = virtio_rng_new(&r);

	(void)arg;
	if (ret)
		return ret;
	d->model = r;
	*nqueues = VIRTIO_RNG_NUM_QUEUES;
	return VMM_OK;
}

static void rng_destroy(struct vm_device *d)
{
	virtio_rng_free(d->model);
}

static void rng_info(struct vm_device *d, struct json *j)
{
	struct virtio_rng_stats s;

	virtio_rng_get_stats(d->model, &s);
	json_string(j, "name", d->name);
	json_uint(j, "requests", s.requests);
	json_uint(j, "bytes", s.bytes);
}

static const struct vm_device_ops rng_ops = {
	.destroy = rng_destroy,
	.info_key = "rng",
	.info = rng_info,
};

int dev_rng_create(struct vm *vm)
{
	struct virtio_wire_desc w = {
		.name = "rng0", .what = "virtio rng", .ops = &rng_ops,
		.vops = &virtio_rng_dev_ops, .qmax = VIRTIO_RNG_QUEUE_MAX,
		.create = rng_model,
	};

	return virtio_wire(vm, &w, NULL);
}
