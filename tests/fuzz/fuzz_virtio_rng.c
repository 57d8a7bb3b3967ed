// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (devices/virtio_rng.c): the requestq from guest RAM the input
 * lays out (fuzz_virtio.h). Host event: the counters are read and must
 * agree with the per-request cap.
 */
#include <stdlib.h>

#include "fuzz_virtio.h"
#include "virtio_rng.h"

static struct fv dev;
static struct virtio_rng *rng;

static void host(struct fv *v, struct fz *f)
{
	struct virtio_rng_stats s;

	(void)v;
	(void)f;
	virtio_rng_get_stats(rng, &s);
	if (s.bytes > s.requests * (uint64_t)VIRTIO_RNG_REQ_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };

	if (!dev.t) {
		if (virtio_rng_new(&rng))
			abort();
		fv_new(&dev, &virtio_rng_dev_ops, rng, VIRTIO_RNG_NUM_QUEUES,
		       VIRTIO_RNG_QUEUE_MAX);
		dev.host = host;
	}
	fv_requests(&dev, &f);
	return 0;
}
