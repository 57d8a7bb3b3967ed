// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-net: handing one queue pair's rings and a tap to the kernel.
 *
 * The kernel reaches the rings through the memory table, which maps guest
 * physical addresses to our mapping of guest RAM; the ring addresses it is
 * given are our own (host virtual) addresses, already checked by
 * vq_start(). Guest RAM is one mapping, so the table has one region.
 *
 * Features: the guest's choice limited to what this vhost offers, never
 * VHOST_NET_F_VIRTIO_NET_HDR (the tap adds and strips the 12-byte header
 * itself: with that bit vhost would expect a tap without one), never
 * VHOST_F_LOG_ALL (no dirty logging: vmm does not migrate) and never
 * VIRTIO_F_ACCESS_PLATFORM (vhost would then wait for IOTLB updates from
 * an IOMMU vmm does not have, and move no packet). Feature bits
 * vhost does not know, such as the checksum and segmentation ones, are the
 * tap's business (TUNSETOFFLOAD); VHOST_SET_FEATURES would refuse them.
 *
 * Stop and start again: a guest reset detaches the backend (after which
 * the kernel touches neither the rings nor guest memory), and the next
 * DRIVER_OK sets everything up afresh. While a backend is attached the
 * kernel refuses to change a ring (EBUSY), so start stops first.
 *
 * Locking: none; one caller at a time (the device's lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vhost_net.h"

#define VHOST_NET_PATH "/dev/vhost-net"

struct vhost_net {
	int fd;
	uint64_t features; /* VHOST_GET_FEATURES */
	bool started;	   /* a backend may be attached */
	int tap_fd;	   /* the backend vhost_net_start attached */
};

/* The ioctl's failure as -errno, and its name as the phrase for the log. */
static int vhost_fail(const char *name, const char **why)
{
	*why = name;
	return errno ? -errno : -EIO;
}

static int vhost_set_mem(struct vhost_net *v, const struct guest_mem *gm)
{
	struct vhost_memory *mem;
	int ret = 0;

	mem = calloc(1, sizeof(*mem) + sizeof(mem->regions[0]));
	if (!mem)
		return -ENOMEM;
	mem->nregions = 1;
	mem->regions[0].guest_phys_addr = gm->gpa;
	mem->regions[0].memory_size = gm->size;
	mem->regions[0].userspace_addr = (uint64_t)(uintptr_t)gm->host;
	if (ioctl(v->fd, VHOST_SET_MEM_TABLE, mem) < 0)
		ret = -errno;
	free(mem);
	return ret;
}

int vhost_net_open(const struct guest_mem *gm, struct vhost_net **out, const char **why)
{
	struct vhost_net *v;
	int ret;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v) {
		*why = "vhost-net state";
		return -ENOMEM;
	}
	v->fd = open(VHOST_NET_PATH, O_RDWR | O_CLOEXEC);
	if (v->fd < 0) {
		ret = vhost_fail(VHOST_NET_PATH, why);
		free(v);
		return ret;
	}
	if (ioctl(v->fd, VHOST_SET_OWNER) < 0) {
		ret = vhost_fail("VHOST_SET_OWNER", why);
		goto fail;
	}
	if (ioctl(v->fd, VHOST_GET_FEATURES, &v->features) < 0) {
		ret = vhost_fail("VHOST_GET_FEATURES", why);
		goto fail;
	}
	ret = vhost_set_mem(v, gm);
	if (ret) {
		*why = "VHOST_SET_MEM_TABLE";
		goto fail;
	}
	*out = v;
	return 0;

fail:
	close(v->fd);
	free(v);
	return ret;
}

uint64_t vhost_net_features(const struct vhost_net *v)
{
	return v->features;
}

/* One vring: size, where its three areas are, where to start, its eventfds. */
static int vhost_vring(struct vhost_net *v, unsigned int index, const struct virtqueue *q,
		       int kick_fd, int call_fd, const char **why)
{
	struct vhost_vring_state num = {.index = index, .num = q->size};
	struct vhost_vring_state base = {.index = index, .num = q->last_avail};
	struct vhost_vring_file kick = {.index = index, .fd = kick_fd};
	struct vhost_vring_file call = {.index = index, .fd = call_fd};
	struct vhost_vring_addr addr = {
	    .index = index,
	    .desc_user_addr = (uint64_t)(uintptr_t)q->desc,
	    .avail_user_addr = (uint64_t)(uintptr_t)q->avail,
	    .used_user_addr = (uint64_t)(uintptr_t)q->used,
	};

	if (!q->ready || !q->desc || !q->avail || !q->used) {
		*why = "vring not set up";
		return -EINVAL;
	}
	if (ioctl(v->fd, VHOST_SET_VRING_NUM, &num) < 0)
		return vhost_fail("VHOST_SET_VRING_NUM", why);
	if (ioctl(v->fd, VHOST_SET_VRING_ADDR, &addr) < 0)
		return vhost_fail("VHOST_SET_VRING_ADDR", why);
	if (ioctl(v->fd, VHOST_SET_VRING_BASE, &base) < 0)
		return vhost_fail("VHOST_SET_VRING_BASE", why);
	if (ioctl(v->fd, VHOST_SET_VRING_KICK, &kick) < 0)
		return vhost_fail("VHOST_SET_VRING_KICK", why);
	if (ioctl(v->fd, VHOST_SET_VRING_CALL, &call) < 0)
		return vhost_fail("VHOST_SET_VRING_CALL", why);
	return 0;
}

int vhost_net_start(struct vhost_net *v, uint64_t features, const struct virtqueue *rx,
		    const struct virtqueue *tx, int rx_kick, int tx_kick, int call_fd, int tap_fd,
		    const char **why)
{
	uint64_t f = features & v->features &
		     ~((1ULL << VHOST_NET_F_VIRTIO_NET_HDR) | (1ULL << VHOST_F_LOG_ALL) |
		       (1ULL << VIRTIO_F_ACCESS_PLATFORM));
	struct vhost_vring_file backend = {.fd = tap_fd};
	int ret;

	vhost_net_stop(v);
	if (ioctl(v->fd, VHOST_SET_FEATURES, &f) < 0)
		return vhost_fail("VHOST_SET_FEATURES", why);
	ret = vhost_vring(v, 0, rx, rx_kick, call_fd, why);
	if (!ret)
		ret = vhost_vring(v, 1, tx, tx_kick, call_fd, why);
	if (ret)
		return ret;
	v->tap_fd = tap_fd;
	for (backend.index = 0; backend.index < 2; backend.index++) {
		if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &backend) < 0) {
			ret = vhost_fail("VHOST_NET_SET_BACKEND", why);
			/* Receive may already run: take it back off the tap. */
			vhost_net_stop(v);
			return ret;
		}
		v->started = true;
	}
	return 0;
}

void vhost_net_stop(struct vhost_net *v)
{
	struct vhost_vring_file backend = {.fd = -1};

	if (!v->started)
		return;
	/*
	 * The kernel flushes the vring's pending work before it returns, so
	 * once both are detached vhost touches guest memory no more. It
	 * cannot fail here (our fd, valid index, rings it accepted), and
	 * there would be nothing to do about it.
	 */
	for (backend.index = 0; backend.index < 2; backend.index++)
		ioctl(v->fd, VHOST_NET_SET_BACKEND, &backend);
	v->started = false;
}

int vhost_net_pause(struct vhost_net *v, bool paused)
{
	struct vhost_vring_file backend = {.fd = paused ? -1 : v->tap_fd};
	int ret = 0;

	if (!v->started)
		return 0;
	/*
	 * Without a backend the worker leaves the rings alone (the kernel
	 * flushes its pending work first); the ring state stays in the
	 * kernel, so attaching the tap again goes on where it stopped.
	 */
	for (backend.index = 0; backend.index < 2; backend.index++)
		if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &backend) < 0)
			ret = -errno;
	return ret;
}

void vhost_net_close(struct vhost_net *v)
{
	if (!v)
		return;
	vhost_net_stop(v);
	close(v->fd);
	free(v);
}
