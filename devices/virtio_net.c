// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.2, section 5.1) on a tap: the device, its config
 * space and features, starting and stopping, vhost-net, and which queue
 * pairs the driver uses. The packets of the userspace path are moved in
 * virtio_net_io.c, the control queue is served in virtio_net_ctrl.c.
 *
 * Threads:
 *   net<N>-q<P>   userspace path only: one per queue pair the driver set
 *                 up, from DRIVER_OK (ops->activate, on the vCPU thread
 *                 that wrote Status) until ops->reset joins it. It owns both of
 *                 the pair's virtqueues and its tap queue fd, and serves
 *                 both directions: it sleeps in poll() on the stop and
 *                 wake eventfds, the kick eventfds it needs (ioeventfds on
 *                 QueueNotify) and the tap fd, for POLLIN only while the
 *                 guest has receive buffers and for POLLOUT only while the
 *                 tap pushes back. See virtio_net_io.c.
 *   net<N>-ctrl   with a control queue (more than one pair), in both
 *                 paths: answers the driver's commands. Turning pairs on
 *                 and off (VQ_PAIRS_SET) is the one thing it does to the
 *                 others: under each pair's lock.
 *   vhost-net     the kernel's worker moves the packets instead of the
 *                 pair threads: vmm only starts it (vhost_net_start) at
 *                 DRIVER_OK and stops it at the reset. Its interrupts go
 *                 straight to the irqfd (virtio_irq_fd), so the transport
 *                 runs in direct interrupt mode (virtio_irq_set_direct).
 *   vCPU threads  config space reads (under the transport's lock; the
 *                 config never changes after virtio_net_new()).
 *
 * Locks: a pair's `lock` (see virtio_net_int.h), then the transport's (a
 * guest error found under a pair's lock calls virtio_irq_needs_reset()).
 * ops->activate runs under the transport's lock and takes no pair lock: no
 * thread of this device exists then. Counters are relaxed atomics;
 * `stopping` and `broken` are atomics.
 *
 * Queue pairs and the tap: with more than one pair the tap is multi-queue,
 * one fd per pair, and the kernel spreads packets over the queues that are
 * attached. A driver uses only the first pair until it says otherwise
 * (spec 5.1.6.5.5), and Linux posts receive buffers only on the pairs it
 * uses, so the tap queues of the other pairs are detached (TUNSETQUEUE):
 * else the flows hashed to them would stall. DRIVER_OK attaches every
 * queue again first: a detached tap queue refuses TUNSETOFFLOAD and
 * cannot be a vhost-net backend.
 *
 * Reset: ops->reset joins every thread and stops every vhost-net pair, so
 * nothing touches guest memory once it returns; a packet read from the
 * tap and not yet delivered is lost with the rings it was meant for.
 */
#include <endian.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dev_thread.h"
#include "log.h"
#include "status.h"
#include "virtio_net_int.h"

#define VIRTIO_ID_NET 1

/* struct virtio_net_config up to max_virtqueue_pairs; mtu is not offered. */
#define CFG_MAC 0
#define CFG_STATUS 6
#define CFG_MAX_PAIRS 8
#define CFG_SIZE 10

void net_guest_error(struct virtio_net *n, const char *why)
{
	atomic_store(&n->broken, true);
	virtio_irq_needs_reset(n->irq, why);
}

/* Attach or detach tap queue i; a failure is logged once per device. */
static void net_tap_queue(struct virtio_net *n, unsigned int i, bool attach)
{
	struct net_pair *p = &n->pair[i];
	struct ifreq ifr;

	if (p->attached == attach || n->npairs < 2)
		return;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	if (ioctl(p->tap_fd, TUNSETQUEUE, &ifr) < 0) {
		/*
		 * A multi-queue tap does not refuse this. If one did, the
		 * flows hashed to a pair that is off would wait in the tap.
		 */
		if (!n->queue_warned)
			log_warn("network %s: cannot %s tap queue %u: %s", n->tap.ifname,
				 attach ? "attach" : "detach", i, strerror(errno));
		n->queue_warned = true;
		return;
	}
	p->attached = attach;
}

void net_set_active_pairs(struct virtio_net *n, unsigned int count)
{
	uint64_t one = 1;
	unsigned int i;

	for (i = 0; i < n->npairs; i++) {
		struct net_pair *p = &n->pair[i];
		bool on = i < count;

		pthread_mutex_lock(&p->lock);
		if (p->active == on) {
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		/*
		 * Attached before the flag goes on, detached after it goes
		 * off: a pair that reads its tap always finds it attached.
		 */
		if (on)
			net_tap_queue(n, i, true);
		p->active = on;
		if (!on)
			net_tap_queue(n, i, false);
		pthread_mutex_unlock(&p->lock);
		if (p->thread_running && write(p->wake_fd, &one, sizeof(one)) < 0) {
			/* cannot fail short of a saturated counter, which still wakes */
		}
	}
}

/* TUN_F_* for the tap from what the guest accepts on receive. */
static unsigned int net_tun_offloads(uint64_t f)
{
	unsigned int tun;

	/* Segmentation offloads need partial checksums (and tun refuses them without). */
	if (!(f & NET_BIT(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	tun = TUN_F_CSUM;
	if (f & NET_BIT(VIRTIO_NET_F_GUEST_TSO4))
		tun |= TUN_F_TSO4;
	if (f & NET_BIT(VIRTIO_NET_F_GUEST_TSO6))
		tun |= TUN_F_TSO6;
	if ((f & NET_BIT(VIRTIO_NET_F_GUEST_ECN)) && (tun & (TUN_F_TSO4 | TUN_F_TSO6)))
		tun |= TUN_F_TSO_ECN;
	if (f & NET_BIT(VIRTIO_NET_F_GUEST_UFO))
		tun |= TUN_F_UFO;
	return tun;
}

/*
 * The guest's receive offloads become the tap's. A real tap does not
 * refuse them; if one did, the tap would keep what it had, which for a
 * fresh tap is nothing (whole, checksummed packets, which every guest
 * takes), so this warns once and goes on rather than failing the device.
 */
static void net_set_offload(struct virtio_net *n)
{
	int ret;

	if (n->tap.stream)
		return; /* nothing was offered */
	ret = tap_set_offload(&n->tap, net_tun_offloads(n->features));

	if (ret < 0 && !n->offload_warned) {
		log_warn("network %s: cannot set the tap's offloads: %s", n->tap.ifname,
			 strerror(-ret));
		n->offload_warned = true;
	}
}

static int net_start_vhost(struct virtio_net *n)
{
	const char *why = "";
	unsigned int i;
	int ret;

	for (i = 0; i < n->data_pairs; i++) {
		struct net_pair *p = &n->pair[i];

		/* Drivers may set up fewer pairs than offered. */
		if (!p->rxq || !p->txq || !p->rxq->ready || !p->txq->ready)
			continue;
		if (virtio_irq_fd(n->irq) < 0) {
			log_error("network %s: vhost-net needs an irqfd for the interrupt",
				  n->tap.ifname);
			return -1;
		}
		ret = vhost_net_start(n->vhost[i], n->features, p->rxq, p->txq, p->rx_kick,
				      p->tx_kick, virtio_irq_fd(n->irq), p->tap_fd, &why);
		if (ret < 0) {
			errno = -ret;
			log_errno("network %s: vhost-net, queue pair %u: %s", n->tap.ifname, i,
				  why);
			return -1;
		}
		p->vhost_started = true;
	}
	return 0;
}

static int net_start_threads(struct virtio_net *n)
{
	char name[32];
	unsigned int i;
	int err;

	for (i = 0; i < n->data_pairs; i++) {
		struct net_pair *p = &n->pair[i];

		if ((!p->rxq || !p->rxq->ready) && (!p->txq || !p->txq->ready))
			continue;
		net_pair_reset(p);
		snprintf(name, sizeof(name), "net%u-q%u", n->index, i);
		err = dev_thread_start(&p->thread, name, net_pair_thread, p);
		if (err) {
			/* The transport calls net_reset() at the reset to come. */
			errno = err;
			log_errno("network %s: cannot start an I/O thread", n->tap.ifname);
			return -1;
		}
		p->thread_running = true;
	}
	return 0;
}

/* Queue q of the activation: the ring, and its kick fd through *kick. */
static struct virtqueue *net_queue(const struct virtio_activation *a, unsigned int q, int *kick)
{
	*kick = q < a->nqueues ? a->queues[q].kick_fd : -1;
	return q < a->nqueues ? a->queues[q].vq : NULL;
}

static int net_activate(void *dev, const struct virtio_activation *a)
{
	struct virtio_net *n = dev;
	uint64_t features = a->features;
	char name[32];
	unsigned int i;
	int err;

	n->irq = a->irq;
	atomic_store(&n->link_irq, a->irq);
	n->gate = a->gate;
	/* vhost-net raises the used-buffer interrupt behind the transport's back. */
	if (n->use_vhost)
		virtio_irq_set_direct(n->irq, true);
	n->features = features;
	n->data_pairs = features & NET_BIT(VIRTIO_NET_F_MQ) ? n->npairs : 1;
	/* The control queue follows the pairs the driver knows of (spec 5.1.2). */
	n->ctrl_q = features & NET_BIT(VIRTIO_NET_F_CTRL_VQ) ? 2 * n->data_pairs : NET_NO_QUEUE;
	atomic_store(&n->broken, false);
	for (i = 0; i < n->npairs; i++) {
		struct net_pair *p = &n->pair[i];

		/* Undo an earlier run's VQ_PAIRS_SET (see the top of the file). */
		net_tap_queue(n, i, true);
		p->active = i == 0;
		p->rxq = net_queue(a, 2 * i, &p->rx_kick);
		p->txq = net_queue(a, 2 * i + 1, &p->tx_kick);
		if (i >= n->data_pairs)
			p->rxq = p->txq = NULL;
	}
	net_set_offload(n);
	if (n->use_vhost && net_start_vhost(n) < 0)
		return -1;
	/* Vhost-net's backends had to be attached; the threads' need not. */
	for (i = 1; i < n->npairs; i++)
		net_tap_queue(n, i, false);
	if (!n->use_vhost && net_start_threads(n) < 0)
		return -1;

	n->ctrl_kick = -1;
	n->ctrlq = n->ctrl_q == NET_NO_QUEUE ? NULL : net_queue(a, n->ctrl_q, &n->ctrl_kick);
	if (!n->ctrlq || !n->ctrlq->ready)
		return 0;
	snprintf(name, sizeof(name), "net%u-ctrl", n->index);
	err = dev_thread_start(&n->ctrl_thread, name, net_ctrl_thread, n);
	if (err) {
		errno = err;
		log_errno("network %s: cannot start the control thread", n->tap.ifname);
		return -1;
	}
	n->ctrl_running = true;
	return 0;
}

static void net_reset(void *dev)
{
	struct virtio_net *n = dev;
	uint64_t one = 1;
	unsigned int i;

	/* After this no virtio_net_set_link() announces a change on a transport that may go. */
	pthread_mutex_lock(&n->link_lock);
	atomic_store(&n->link_irq, NULL);
	pthread_mutex_unlock(&n->link_lock);
	atomic_store(&n->stopping, true);
	if (write(n->stop_fd, &one, sizeof(one)) < 0) {
		/* cannot fail short of a saturated counter, which still wakes */
	}
	/* A thread waiting at a closed pause gate must see the stop too. */
	dev_gate_wake(n->gate);
	for (i = 0; i < n->npairs; i++) {
		struct net_pair *p = &n->pair[i];

		if (p->thread_running) {
			pthread_join(p->thread, NULL);
			p->thread_running = false;
		}
		if (p->vhost_started) {
			vhost_net_stop(n->vhost[i]);
			p->vhost_started = false;
		}
		p->rxq = p->txq = NULL;
	}
	if (n->ctrl_running) {
		pthread_join(n->ctrl_thread, NULL);
		n->ctrl_running = false;
	}
	n->ctrlq = NULL;
	if (read(n->stop_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: not written */
	}
	atomic_store(&n->stopping, false);
}

static uint64_t net_features(void *dev)
{
	struct virtio_net *n = dev;
	uint64_t f;

	/*
	 * A stream (passt) carries whole frames and no header: a partial
	 * checksum or a 64 KiB segment from the guest would reach passt as
	 * it is, and passt would hand over no such thing. So only the ring
	 * features; passt's MTU of 65520 makes up for the missing TSO.
	 */
	if (n->tap.stream)
		return NET_BIT(VIRTIO_NET_F_MAC) | NET_BIT(VIRTIO_NET_F_STATUS) |
		       NET_BIT(VIRTIO_NET_F_MRG_RXBUF);
	f = NET_BIT(VIRTIO_NET_F_MAC) | NET_BIT(VIRTIO_NET_F_STATUS) |
		     NET_BIT(VIRTIO_NET_F_MRG_RXBUF) | NET_BIT(VIRTIO_NET_F_CSUM) |
		     NET_BIT(VIRTIO_NET_F_GUEST_CSUM) | NET_BIT(VIRTIO_NET_F_HOST_TSO4) |
		     NET_BIT(VIRTIO_NET_F_HOST_TSO6) | NET_BIT(VIRTIO_NET_F_HOST_ECN) |
		     NET_BIT(VIRTIO_NET_F_HOST_UFO) | NET_BIT(VIRTIO_NET_F_GUEST_TSO4) |
		     NET_BIT(VIRTIO_NET_F_GUEST_TSO6) | NET_BIT(VIRTIO_NET_F_GUEST_ECN) |
		     NET_BIT(VIRTIO_NET_F_GUEST_UFO);

	/*
	 * The same with vhost-net: it moves the rings (MRG_RXBUF and the
	 * ring features) and the tap does the offloads, as here.
	 */
	if (n->npairs > 1)
		f |= NET_BIT(VIRTIO_NET_F_CTRL_VQ) | NET_BIT(VIRTIO_NET_F_MQ);
	return f;
}

static void net_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct virtio_net *n = dev;
	uint8_t cfg[CFG_SIZE];
	uint16_t v;

	memcpy(cfg + CFG_MAC, n->mac, 6);
	v = htole16(n->link_up ? VIRTIO_NET_S_LINK_UP : 0);
	memcpy(cfg + CFG_STATUS, &v, 2);
	v = htole16((uint16_t)n->npairs);
	memcpy(cfg + CFG_MAX_PAIRS, &v, 2);
	/* Beyond the fields: zeroes (the transport cleared data). */
	if (off >= CFG_SIZE)
		return;
	memcpy(data, cfg + off, len < CFG_SIZE - off ? len : CFG_SIZE - off);
}

static void net_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	/* mac is read-only with VERSION_1 (spec 5.1.4.2), and nothing else is writable. */
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

const struct virtio_dev_ops virtio_net_dev_ops = {
	.device_id = VIRTIO_ID_NET,
	.features = net_features,
	.config_read = net_config_read,
	.config_write = net_config_write,
	.activate = net_activate,
	.reset = net_reset,
};

/* The userspace path's buffers and wake eventfd for pair i. */
static int net_pair_alloc(struct virtio_net *n, unsigned int i)
{
	struct net_pair *p = &n->pair[i];

	p->pkt = malloc(NET_RX_BUF);
	p->first = malloc(sizeof(*p->first));
	p->cur = malloc(sizeof(*p->cur));
	p->txc = malloc(sizeof(*p->txc));
	if (!p->pkt || !p->first || !p->cur || !p->txc)
		return -ENOMEM;
	p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return p->wake_fd < 0 ? -errno : 0;
}

/* Everything but the tap and vhost, which a failed virtio_net_new leaves to the caller. */
static void net_release(struct virtio_net *n)
{
	unsigned int i;

	for (i = 0; i < NET_MAX_PAIRS; i++) {
		struct net_pair *p = &n->pair[i];

		if (i < n->npairs)
			pthread_mutex_destroy(&p->lock);
		if (p->wake_fd >= 0)
			close(p->wake_fd);
		free(p->pkt);
		free(p->first);
		free(p->cur);
		free(p->txc);
	}
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	pthread_mutex_destroy(&n->link_lock);
	free(n->ctrlc);
	free(n);
}

int virtio_net_new(unsigned int index, const uint8_t mac[6], struct tap *tap,
		   struct vhost_net **vhost, unsigned int npairs, bool link_up,
		   struct virtio_net **out)
{
	struct virtio_net *n;
	unsigned int i;
	int ret = 0;

	if (!npairs || npairs > NET_MAX_PAIRS || npairs != tap->nfds) {
		ret = -EINVAL;
		goto fail;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		ret = -ENOMEM;
		goto fail;
	}
	n->index = index;
	n->npairs = npairs;
	n->link_up = link_up;
	pthread_mutex_init(&n->link_lock, NULL);
	memcpy(n->mac, mac, 6);
	n->stop_fd = -1;
	n->ctrl_kick = -1;
	n->ctrl_q = NET_NO_QUEUE;
	for (i = 0; i < NET_MAX_PAIRS; i++)
		n->pair[i].wake_fd = -1;
	for (i = 0; i < npairs; i++) {
		struct net_pair *p = &n->pair[i];

		p->n = n;
		p->index = i;
		p->tap_fd = tap->fds[i];
		p->rx_kick = p->tx_kick = -1;
		p->attached = true; /* tap_open attaches every queue */
		pthread_mutex_init(&p->lock, NULL);
		if (!vhost && !ret)
			ret = net_pair_alloc(n, i);
	}
	n->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->stop_fd < 0 && !ret)
		ret = -errno;
	if (npairs > 1 && !ret) {
		n->ctrlc = malloc(sizeof(*n->ctrlc));
		if (!n->ctrlc)
			ret = -ENOMEM;
	}
	if (ret) {
		net_release(n);
		goto fail;
	}
	/* Taken over only now that nothing can fail. */
	n->tap = *tap;
	if (vhost) {
		n->use_vhost = true;
		memcpy(n->vhost, vhost, npairs * sizeof(*vhost));
	}
	*out = n;
	return VMM_OK;
fail:
	errno = -ret;
	log_errno("network %u: creating the virtio-net device", index);
	return VMM_ERR_INTERNAL;
}

unsigned int virtio_net_num_queues(const struct virtio_net *n)
{
	return 2 * n->npairs + (n->npairs > 1);
}

int virtio_net_pause(struct virtio_net *n, bool paused)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n->npairs; i++)
		if (n->pair[i].vhost_started) {
			int r = vhost_net_pause(n->vhost[i], paused);

			if (r) {
				errno = -r;
				ret = -1;
			}
		}
	return ret;
}

void virtio_net_set_link(struct virtio_net *n, bool up)
{
	struct virtio_irq *irq;

	pthread_mutex_lock(&n->link_lock);
	n->link_up = up;
	irq = atomic_load(&n->link_irq);
	if (irq)
		virtio_irq_config_changed(irq);
	pthread_mutex_unlock(&n->link_lock);
}

bool virtio_net_link_up(const struct virtio_net *n)
{
	return n->link_up;
}

bool virtio_net_uses_vhost(const struct virtio_net *n)
{
	return n->use_vhost;
}

void virtio_net_free(struct virtio_net *n)
{
	unsigned int i;

	if (!n)
		return;
	net_reset(n);
	for (i = 0; i < n->npairs; i++)
		vhost_net_close(n->vhost[i]);
	tap_close(&n->tap);
	net_release(n);
}

void virtio_net_get_stats(const struct virtio_net *n, struct virtio_net_stats *out)
{
	const struct net_counters *c = &n->c;

	out->rx_packets = atomic_load_explicit(&c->rx_packets, memory_order_relaxed);
	out->rx_bytes = atomic_load_explicit(&c->rx_bytes, memory_order_relaxed);
	out->tx_packets = atomic_load_explicit(&c->tx_packets, memory_order_relaxed);
	out->tx_bytes = atomic_load_explicit(&c->tx_bytes, memory_order_relaxed);
	out->rx_no_buffers = atomic_load_explicit(&c->rx_no_buffers, memory_order_relaxed);
	out->tx_blocked = atomic_load_explicit(&c->tx_blocked, memory_order_relaxed);
	out->rx_dropped = atomic_load_explicit(&c->rx_dropped, memory_order_relaxed);
	out->tx_dropped = atomic_load_explicit(&c->tx_dropped, memory_order_relaxed);
}
