// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-fs (virtio 1.2, section 5.11): FUSE requests on virtqueues,
 * answered by vmm's FUSE server (devices/fuse_server.c).
 *
 * Threads:
 *   fs<N>-io     from DRIVER_OK (ops->activate, on the vCPU thread that
 *                wrote Status) until ops->reset joins it. Owns both queues
 *                and the FUSE server: pops a chain, hands its readable
 *                part (the request) and writable part (the reply's room)
 *                to the server, pushes the chain with the reply's length,
 *                signals once per round. It sleeps in poll() on the stop
 *                eventfd and both kick eventfds. One request at a time:
 *                the server keeps no state that two threads could share.
 *   vCPU threads config reads (the tag is fixed at creation: no lock).
 * No lock of our own: `running`, `stopping` and `broken` are atomics, and
 * the server is the I/O thread's until reset has joined it.
 *
 * A chain without a readable part breaks the protocol: NEEDS_RESET. One
 * with too little room for even a reply header comes back unanswered
 * (used length 0), as FORGET's does; the device goes on. A malformed FUSE request
 * is the server's to answer (with an error reply).
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev_thread.h"
#include "log.h"
#include "status.h"
#include "virtio_fs.h"

#define VIRTIO_ID_FS 26
#define CFG_TAG 0
#define CFG_NUM_QUEUES 36
#define CFG_SIZE 40

struct virtio_fs {
	struct fuse_server *srv;
	unsigned int index;
	uint8_t config[CFG_SIZE];
	struct virtio_irq *irq;
	struct dev_gate *gate;
	struct virtqueue *vq[VIRTIO_FS_NUM_QUEUES];
	int kick[VIRTIO_FS_NUM_QUEUES];
	struct vq_chain *chain;     /* scratch of the I/O thread */
	atomic_bool stopping, broken;
	int stop_fd;
	bool thread_running;
	pthread_t thread;
};

static void fs_guest_error(struct virtio_fs *fs, const char *why)
{
	atomic_store(&fs->broken, true);
	virtio_irq_needs_reset(fs->irq, why);
}

/*
 * Queue q: at most a queue's worth of requests, one interrupt. Returns
 * true when requests may be left (budget spent, or a pause or stop came).
 */
static bool fs_queue_work(struct virtio_fs *fs, unsigned int q)
{
	struct virtqueue *vq = fs->vq[q];
	struct vq_chain *ch = fs->chain;
	unsigned int budget = VIRTIO_FS_QUEUE_MAX;
	bool pushed = false, again = false;
	const char *why;
	size_t n;
	int ret;

	if (!vq->ready)
		return false;
	do {
		vq_notify_enable(vq, false);
		while (!atomic_load(&fs->stopping) && !atomic_load(&fs->broken)) {
			if (!budget-- || dev_gate_closing(fs->gate)) {
				again = true;
				goto out;
			}
			ret = vq_pop(vq, ch, &why);
			if (ret == VQ_EMPTY)
				break;
			if (ret == VQ_ERR) {
				fs_guest_error(fs, why);
				break;
			}
			if (!ch->nout) {
				fs_guest_error(fs, "virtio-fs request without a readable buffer");
				break;
			}
			n = fuse_server_handle(fs->srv, ch->iov, ch->nout, ch->iov + ch->nout,
					       ch->nin);
			vq_push(vq, ch->head, (uint32_t)n);
			pushed = true;
		}
		if (atomic_load(&fs->stopping) || atomic_load(&fs->broken))
			break;
	} while (vq_notify_enable(vq, true));
out:
	if (pushed)
		virtio_irq_used(fs->irq, q);
	return again;
}

static void *fs_thread(void *arg)
{
	struct virtio_fs *fs = arg;
	struct pollfd pfd[3] = {
		{ .fd = fs->stop_fd, .events = POLLIN },
		{ .fd = fs->kick[0], .events = POLLIN },
		{ .fd = fs->kick[1], .events = POLLIN },
	};
	/* Requests may have been posted before DRIVER_OK. */
	bool again[VIRTIO_FS_NUM_QUEUES] = { true, true };
	uint64_t cnt;
	unsigned int q;

	while (!atomic_load(&fs->stopping)) {
		if (poll(pfd, 3, again[0] || again[1] ? 0 : -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents)
			break;
		for (q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
			if (!pfd[q + 1].revents)
				continue;
			if (read(fs->kick[q], &cnt, sizeof(cnt)) < 0) {
				/* EAGAIN: drained already */
			}
			again[q] = true;
		}
		if (!dev_gate_enter(fs->gate, &fs->stopping))
			break;
		/* FORGETs first: they free what the requests may need. */
		for (q = 0; q < VIRTIO_FS_NUM_QUEUES; q++)
			if (again[q])
				again[q] = fs_queue_work(fs, q);
		dev_gate_leave(fs->gate);
	}
	return NULL;
}

static void fs_reset(void *dev)
{
	struct virtio_fs *fs = dev;
	uint64_t one = 1;

	if (fs->thread_running) {
		atomic_store(&fs->stopping, true);
		if (write(fs->stop_fd, &one, sizeof(one)) < 0) {
			/* cannot fail short of a saturated counter, which still wakes */
		}
		dev_gate_wake(fs->gate);
		pthread_join(fs->thread, NULL);
		fs->thread_running = false;
		if (read(fs->stop_fd, &one, sizeof(one)) < 0) {
			/* EAGAIN: not written */
		}
		atomic_store(&fs->stopping, false);
	}
	/* The driver's next session starts with INIT and knows no node. */
	fuse_server_reset(fs->srv);
}

static int fs_activate(void *dev, const struct virtio_activation *a)
{
	struct virtio_fs *fs = dev;
	char name[16];
	unsigned int q;
	int err;

	if (a->nqueues < VIRTIO_FS_NUM_QUEUES)
		return -1; /* a transport with too few queues: vmm's bug */
	for (q = 0; q < VIRTIO_FS_NUM_QUEUES; q++) {
		fs->vq[q] = a->queues[q].vq;
		fs->kick[q] = a->queues[q].kick_fd;
	}
	fs->irq = a->irq;
	fs->gate = a->gate;
	atomic_store(&fs->broken, false);
	snprintf(name, sizeof(name), "fs%u-io", fs->index);
	err = dev_thread_start(&fs->thread, name, fs_thread, fs);
	if (err) {
		atomic_store(&fs->broken, true);
		errno = err;
		log_errno("virtio-fs %u: cannot start its I/O thread", fs->index);
		return -1;
	}
	fs->thread_running = true;
	return 0;
}

static uint64_t fs_features(void *dev)
{
	(void)dev;
	return 0;
}

static void fs_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct virtio_fs *fs = dev;

	if (off >= CFG_SIZE)
		return;
	memcpy(data, fs->config + off, len < CFG_SIZE - off ? len : CFG_SIZE - off);
}

static void fs_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	/* The config space is read-only (5.11.4). */
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

const struct virtio_dev_ops virtio_fs_dev_ops = {
	.device_id = VIRTIO_ID_FS,
	.features = fs_features,
	.config_read = fs_config_read,
	.config_write = fs_config_write,
	.activate = fs_activate,
	.reset = fs_reset,
};

int virtio_fs_new(const struct fs_opts *o, unsigned int index, struct virtio_fs **out)
{
	struct virtio_fs *fs = calloc(1, sizeof(*fs));
	uint32_t nq = htole32(1);
	int r;

	if (!fs) {
		log_error("share %s: out of memory", o->dir);
		return VMM_ERR_HOST;
	}
	fs->index = index;
	fs->kick[0] = fs->kick[1] = -1;
	/* NUL-padded, and not NUL-terminated when it takes all 36 bytes. */
	memcpy(fs->config + CFG_TAG, o->tag, strnlen(o->tag, FS_TAG_MAX));
	memcpy(fs->config + CFG_NUM_QUEUES, &nq, sizeof(nq));
	fs->chain = malloc(sizeof(*fs->chain));
	fs->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!fs->chain || fs->stop_fd < 0) {
		log_errno("share %s: creating its device", o->dir);
		r = VMM_ERR_HOST;
		goto fail;
	}
	r = fuse_server_new(o->dir, o->ro, &fs->srv);
	if (r)
		goto fail;
	*out = fs;
	return VMM_OK;
fail:
	if (fs->stop_fd >= 0)
		close(fs->stop_fd);
	free(fs->chain);
	free(fs);
	return r;
}

void virtio_fs_free(struct virtio_fs *fs)
{
	if (!fs)
		return;
	fs_reset(fs);
	fuse_server_free(fs->srv);
	close(fs->stop_fd);
	free(fs->chain);
	free(fs);
}

void virtio_fs_get_stats(const struct virtio_fs *fs, struct virtio_fs_stats *out)
{
	struct fuse_server_stats s;

	fuse_server_get_stats(fs->srv, &s);
	out->requests = s.requests;
	out->errors = s.errors;
	out->bytes_read = s.bytes_read;
	out->bytes_written = s.bytes_written;
	out->nodes = s.nodes;
	out->handles = s.handles;
}
