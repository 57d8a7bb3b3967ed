// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's NICs (--network tap...): a tap, vhost-net when it is usable
 * and wanted, and a virtio-net device on the next virtio-mmio slot
 * (virtio_wire), net0, net1, ... after the disks: eth0, eth1, ... in
 * command-line order.
 *
 * vhost-net needs nothing of vmm on the data path: KVM's ioeventfd on
 * QueueNotify is its kick fd and the NIC's irqfd is its call fd, so a
 * packet costs neither a userspace exit nor a KVM_IRQ_LINE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "net_stream.h"
#include "status.h"
#include "vhost_net.h"
#include "virtio_net.h"
#include "vmm/json.h"
#include "vmm/passt.h"
#include "vmm/vm.h"

/*
 * One vhost-net per queue pair into v[], or none: with vhost=on a failure
 * is an error, by default it is the userspace path (said with --verbose).
 * Returns 0 (*use says which) or VMM_ERR_HOST.
 */
static int open_vhost(struct vm *vm, unsigned int i, unsigned int npairs,
		      struct vhost_net **v, bool *use)
{
	const struct net_opts *o = &vm->cfg->nets[i];
	const char *why = "";
	unsigned int p;
	int r = 0;

	*use = false;
	if (o->vhost == NET_VHOST_OFF)
		return 0;
	for (p = 0; p < npairs; p++) {
		r = vhost_net_open(&vm->mem, &v[p], &why);
		if (r)
			break;
	}
	if (!r) {
		*use = true;
		return 0;
	}
	while (p--) /* the ones opened before the failure */
		vhost_net_close(v[p]);
	if (o->vhost == NET_VHOST_ON) {
		log_error("network %u: vhost=on, but vhost-net is unusable: %s: %s", i, why,
			  strerror(-r));
		return VMM_ERR_HOST;
	}
	log_info("network %u: vhost-net unusable (%s: %s): the userspace path", i, why,
		 strerror(-r));
	return 0;
}

/* The NIC's own state (the entry's priv). */
struct nic {
	char ifname[16];         /* the tap's; "" with user networking */
	uint8_t mac[6];
	/* --network user */
	bool user;
	unsigned int index;
	struct passt passt;
	bool has_stream;
	struct net_stream stream;
	char what[32];
	struct virtio_net *net;
};

/* The net<N>-stream thread: passt went away. */
static void nic_passt_gone(void *ctx)
{
	struct nic *n = ctx;

	virtio_net_set_link(n->net, false);
	passt_gone(&n->passt, n->index);
}

/*
 * --network user: passt, and the local end of a net_stream as the "tap"
 * (tap->stream) that virtio-net will use. The stream's thread starts
 * once the device exists (nic_user_start).
 */
static int nic_user_open(struct nic *n, const struct net_opts *o, struct tap *tap)
{
	int sv[2], r;

	r = passt_start(o, n->index, &n->passt);
	if (r)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
		log_errno("network %u: socketpair", n->index);
		passt_stop(&n->passt);
		return VMM_ERR_INTERNAL;
	}
	r = net_stream_init(&n->stream, n->what, n->passt.sock, sv[1]);
	if (r) {
		errno = -r;
		log_errno("network %u: the stream backend", n->index);
		close(sv[0]);
		close(sv[1]);
		passt_stop(&n->passt);
		return VMM_ERR_INTERNAL;
	}
	n->passt.sock = -1; /* the stream's now */
	n->has_stream = true;
	memset(tap, 0, sizeof(*tap));
	for (unsigned int i = 0; i < NET_MAX_PAIRS; i++)
		tap->fds[i] = -1;
	tap->fds[0] = sv[0];
	tap->nfds = 1;
	tap->stream = true;
	return VMM_OK;
}

static int nic_user_start(struct nic *n)
{
	int err = net_stream_start(&n->stream, n->index, nic_passt_gone, n);

	if (err) {
		errno = err;
		log_errno("network %u: cannot start the stream thread", n->index);
		return VMM_ERR_INTERNAL;
	}
	return VMM_OK;
}

/* What nic_user_open made; the stream's thread first, then passt. */
static void nic_user_close(struct nic *n)
{
	if (n->has_stream)
		net_stream_fini(&n->stream);
	n->has_stream = false;
	passt_stop(&n->passt);
}

/* The tap, vhost-net if wanted and usable, and the virtio-net model. */
static int nic_model(struct vm_device *d, void *arg, unsigned int *nqueues)
{
	struct vm *vm = d->vm;
	unsigned int i = d->index;
	const struct net_opts *o = &vm->cfg->nets[i];
	struct vhost_net *vhost[NET_MAX_PAIRS] = { NULL };
	unsigned int npairs = o->queues ? o->queues : 1, p;
	struct virtio_net *net;
	struct nic *n;
	struct tap tap;
	bool use_vhost;
	int r;

	(void)arg;
	n = calloc(1, sizeof(*n));
	if (!n) {
		log_errno("network %u", i);
		return VMM_ERR_INTERNAL;
	}
	d->priv = n;
	n->index = i;
	n->passt.sock = n->passt.log_fd = -1;
	snprintf(n->what, sizeof(n->what), "network %u", i);
	if (o->kind == NET_KIND_USER) {
		n->user = true;
		r = nic_user_open(n, o, &tap);
	} else {
		r = tap_open(o, npairs, &tap);
	}
	if (r)
		return r;
	snprintf(n->ifname, sizeof(n->ifname), "%s", tap.ifname);
	/* Always said: the user has to configure the host's end of it. */
	if (tap.created)
		fprintf(stderr, "vmm: network %u: created tap %s\n", i, tap.ifname);
	if (o->has_mac)
		memcpy(n->mac, o->mac, sizeof(n->mac));
	else
		net_default_mac(vm->ctl.name, i, n->mac);
	use_vhost = false;
	r = n->user ? 0 : open_vhost(vm, i, npairs, vhost, &use_vhost);
	if (r) {
		tap_close(&tap);
		return r;
	}
	r = virtio_net_new(i, n->mac, &tap, use_vhost ? vhost : NULL, npairs, !o->link_down, &net);
	if (r) {
		tap_close(&tap);
		for (p = 0; p < npairs; p++)
			vhost_net_close(vhost[p]);
		return r;
	}
	d->model = net;
	n->net = net;
	if (n->user) {
		r = nic_user_start(n);
		if (r)
			return r; /* nic_destroy undoes the rest */
	}
	*nqueues = virtio_net_num_queues(net);
	return VMM_OK;
}

static void nic_destroy(struct vm_device *d)
{
	struct nic *n = d->priv;

	/*
	 * The transport is gone already: the device (threads, vhost) stopped
	 * before the tap goes. The stream's thread may still announce a link
	 * change until it stops: it goes before the device.
	 */
	if (n && n->user && n->has_stream)
		net_stream_fini(&n->stream);
	if (n)
		n->has_stream = false;
	if (d->model)
		virtio_net_free(d->model);
	if (n && n->user)
		nic_user_close(n);
	free(d->priv);
}

static void nic_info(struct vm_device *d, struct json *j)
{
	const struct nic *n = d->priv;
	struct virtio_net_stats ns;
	char mac[18];

	virtio_net_get_stats(d->model, &ns);
	if (n->user) {
		json_string(j, "backend", "user");
		json_int(j, "passt_pid", atomic_load(&n->passt.reaped) ? 0 : n->passt.pid);
	} else {
		json_string(j, "backend", "tap");
		json_string(j, "tap", n->ifname);
	}
	json_string(j, "mac", net_mac_format(n->mac, mac));
	json_bool(j, "vhost", virtio_net_uses_vhost(d->model));
	json_bool(j, "link", virtio_net_link_up(d->model));
	/* The userspace path's packets; vhost-net's are the tap's counters. */
	json_uint(j, "rx_packets", ns.rx_packets);
	json_uint(j, "rx_bytes", ns.rx_bytes);
	json_uint(j, "tx_packets", ns.tx_packets);
	json_uint(j, "tx_bytes", ns.tx_bytes);
}

static void nic_pause(struct vm_device *d, bool paused)
{
	if (d->model && virtio_net_pause(d->model, paused))
		log_warn("network %u: vhost-net did not %s: %s", d->index,
			 paused ? "pause" : "resume", strerror(errno));
}

static const struct vm_device_ops nic_ops = {
	.destroy = nic_destroy,
	.info_key = "nics",
	.info = nic_info,
	.pause = nic_pause,
};

int dev_nic_create(struct vm *vm, unsigned int i)
{
	const struct net_opts *o = &vm->cfg->nets[i];
	char name[16], what[32], mac[18];
	struct virtio_wire_desc w = {
		.name = name, .what = what, .ops = &nic_ops, .vops = &virtio_net_dev_ops,
		.qmax = VIRTIO_NET_QUEUE_MAX, .index = i, .create = nic_model,
	};
	struct vm_device *d;
	const struct nic *n;
	int r;

	snprintf(name, sizeof(name), "net%u", i);
	snprintf(what, sizeof(what), "network %u", i);
	r = virtio_wire(vm, &w, &d);
	if (r)
		return r;
	n = d->priv;
	if (n->user) {
		log_info("network %u: user (passt), mac %s, 1 queue pair, userspace", i,
			 net_mac_format(n->mac, mac));
		return VMM_OK;
	}
	log_info("network %u: tap %s, mac %s, %u queue pair(s), %s", i, n->ifname,
		 net_mac_format(n->mac, mac), o->queues ? o->queues : 1,
		 virtio_net_uses_vhost(d->model) ? "vhost-net" : "userspace");
	return VMM_OK;
}
