// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.2, section 5.4): one requestq, filled from getrandom().
 *
 * Threads:
 *   rng-io       from DRIVER_OK (ops->activate, on the vCPU thread that wrote
 *                Status) until ops->reset joins it. Owns the requestq: pops
 *                the chains the guest kicks, fills their buffers straight in
 *                guest memory (the walker's iovecs, checked by gm_ptr), pushes
 *                each back and signals once per batch. It sleeps in poll() on
 *                the stop eventfd and the kick eventfd (an ioeventfd).
 *   vCPU threads activate/reset through the transport; no config space.
 * No lock of our own: the queue belongs to rng-io between activate and
 * reset, and the counters are atomics.
 *
 * Bounded work: a batch stops after a queue's worth of chains or
 * VIRTIO_RNG_BATCH_MAX bytes, whichever comes first, and when a pause
 * closes the gate; the thread then looks at its stop flag before the next
 * batch, so a guest posting endless or huge buffers delays a reset or a
 * pause by one batch at most (a few hundred KiB of getrandom()).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "dev_thread.h"
#include "log.h"
#include "status.h"
#include "virtio_rng.h"

#define VIRTIO_ID_RNG 4

struct virtio_rng {
	struct virtio_irq *irq;
	struct dev_gate *gate;
	struct virtqueue *vq;
	int kick_fd;
	struct vq_chain *ch;    /* scratch for vq_pop, rng-io's */

	atomic_bool broken;     /* NEEDS_RESET: leave the queue alone */
	atomic_bool stopping;
	bool getrandom_failed;  /* logged once per device */
	int stop_fd;
	bool thread_running;
	pthread_t thread;

	atomic_uint_fast64_t requests, bytes;
};

static void rng_guest_error(struct virtio_rng *r, const char *why)
{
	atomic_store(&r->broken, true);
	virtio_irq_needs_reset(r->irq, why);
}

/* Fill buf[0..len) from the kernel's pool; returns how much was filled. */
static size_t rng_fill(struct virtio_rng *r, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		/* The host's pool is initialised long before a VM runs: no wait here. */
		n = getrandom((char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!r->getrandom_failed)
				log_errno("virtio rng: getrandom");
			r->getrandom_failed = true;
			break;
		}
		done += (size_t)n;
	}
	return done;
}

/* One chain's buffers, up to max bytes; returns the count written. */
static uint32_t rng_serve(struct virtio_rng *r, const struct vq_chain *ch, size_t max)
{
	size_t done = 0, want, got;
	unsigned int i;

	for (i = 0; i < ch->nin && done < max; i++) {
		want = ch->iov[i].iov_len < max - done ? ch->iov[i].iov_len : max - done;
		got = rng_fill(r, ch->iov[i].iov_base, want);
		done += got;
		if (got < want)
			break;
	}
	return (uint32_t)done;
}

/*
 * One batch with one interrupt. Returns true when chains may be left
 * (budget spent, or a pause came): kicks stay off and the caller calls
 * again after looking at the stop flag and the gate.
 */
static bool rng_work(struct virtio_rng *r)
{
	unsigned int chains = VIRTIO_RNG_QUEUE_MAX;
	size_t bytes = VIRTIO_RNG_BATCH_MAX, n, max;
	struct vq_chain *ch = r->ch;
	bool pushed = false, again = false;
	const char *why;
	int ret;

	do {
		vq_notify_enable(r->vq, false);
		while (!atomic_load(&r->stopping) && !atomic_load(&r->broken)) {
			if (!chains || !bytes || dev_gate_closing(r->gate)) {
				again = true;
				goto out;
			}
			ret = vq_pop(r->vq, ch, &why);
			if (ret == VQ_EMPTY)
				break;
			if (ret == VQ_ERR) {
				rng_guest_error(r, why);
				break;
			}
			if (ch->nout) {
				rng_guest_error(r, "rng request with a device-readable buffer");
				break;
			}
			chains--;
			max = bytes < VIRTIO_RNG_REQ_MAX ? bytes : VIRTIO_RNG_REQ_MAX;
			n = rng_serve(r, ch, max);
			bytes -= n;
			vq_push(r->vq, ch->head, (uint32_t)n);
			pushed = true;
			atomic_fetch_add_explicit(&r->requests, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&r->bytes, n, memory_order_relaxed);
		}
		if (atomic_load(&r->stopping) || atomic_load(&r->broken))
			break;
	} while (vq_notify_enable(r->vq, true));
out:
	if (pushed)
		virtio_irq_used(r->irq, 0);
	return again;
}

static void *rng_thread(void *arg)
{
	struct virtio_rng *r = arg;
	struct pollfd pfd[2] = {
		{ .fd = r->stop_fd, .events = POLLIN },
		{ .fd = r->kick_fd, .events = POLLIN },
	};
	/* The driver may have posted buffers before DRIVER_OK. */
	bool again = true;
	uint64_t cnt;

	while (!atomic_load(&r->stopping)) {
		if (poll(pfd, 2, again ? 0 : -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			if (read(r->kick_fd, &cnt, sizeof(cnt)) < 0) {
				/* EAGAIN: drained already */
			}
			again = true;
		}
		if (!again)
			continue;
		if (!dev_gate_enter(r->gate, &r->stopping))
			break;
		again = rng_work(r);
		dev_gate_leave(r->gate);
	}
	return NULL;
}

static void rng_reset(void *dev)
{
	struct virtio_rng *r = dev;
	uint64_t one = 1;

	if (!r->thread_running)
		return;
	atomic_store(&r->stopping, true);
	if (write(r->stop_fd, &one, sizeof(one)) < 0) {
		/* cannot fail short of a saturated counter, which still wakes */
	}
	/* A thread waiting at a closed pause gate must see the stop too. */
	dev_gate_wake(r->gate);
	pthread_join(r->thread, NULL);
	r->thread_running = false;
	if (read(r->stop_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: not written */
	}
	atomic_store(&r->stopping, false);
}

static int rng_activate(void *dev, const struct virtio_activation *a)
{
	struct virtio_rng *r = dev;
	int err;

	if (a->nqueues < VIRTIO_RNG_NUM_QUEUES)
		return -1; /* a transport with too few queues: vmm's bug */
	r->vq = a->queues[0].vq;
	r->kick_fd = a->queues[0].kick_fd;
	r->irq = a->irq;
	r->gate = a->gate;
	atomic_store(&r->broken, false);
	err = dev_thread_start(&r->thread, "rng-io", rng_thread, r);
	if (err) {
		atomic_store(&r->broken, true);
		errno = err;
		log_errno("virtio rng: cannot start its I/O thread");
		return -1;
	}
	r->thread_running = true;
	return 0;
}

static uint64_t rng_features(void *dev)
{
	(void)dev;
	return 0;
}

/* No config space (spec 5.4.4): reads are zeroes (the transport cleared data). */
static void rng_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

static void rng_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

const struct virtio_dev_ops virtio_rng_dev_ops = {
	.device_id = VIRTIO_ID_RNG,
	.features = rng_features,
	.config_read = rng_config_read,
	.config_write = rng_config_write,
	.activate = rng_activate,
	.reset = rng_reset,
};

int virtio_rng_new(struct virtio_rng **out)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));
	int err = ENOMEM;

	if (!r)
		goto fail;
	r->kick_fd = -1;
	r->ch = malloc(sizeof(*r->ch));
	if (!r->ch)
		goto fail;
	r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->stop_fd < 0) {
		err = errno;
		goto fail;
	}
	*out = r;
	return VMM_OK;
fail:
	if (r)
		free(r->ch);
	free(r);
	errno = err;
	log_errno("virtio rng: creating it");
	return VMM_ERR_INTERNAL;
}

void virtio_rng_free(struct virtio_rng *r)
{
	if (!r)
		return;
	rng_reset(r);
	close(r->stop_fd);
	free(r->ch);
	free(r);
}

void virtio_rng_get_stats(const struct virtio_rng *r, struct virtio_rng_stats *out)
{
	out->requests = atomic_load_explicit(&r->requests, memory_order_relaxed);
	out->bytes = atomic_load_explicit(&r->bytes, memory_order_relaxed);
}
