// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net's userspace path: the I/O thread of one queue pair, which
 * moves packets both ways between the pair's virtqueues and its tap queue.
 *
 * Receive (tap -> guest). Back-pressure, not loss: the thread reads from
 * the tap only while the receive queue has buffers, so packets the guest
 * has no room for wait in the tap, whose own queue limit is the only
 * place one is dropped. With buffers it polls the tap for POLLIN; when the
 * queue runs dry it turns kicks on and polls the queue's kick eventfd
 * instead, looking once more after turning them on (buffers posted just
 * before the driver saw the request come without a kick). One read() is
 * one packet, header and frame, into a bounce buffer; it is then copied
 * into as many chains as it needs: with MRG_RXBUF any number, the header
 * (with num_buffers) in the first; without it exactly one, which must be
 * big enough. Chains are popped and written as they come; if the queue
 * runs dry halfway the chains taken so far are held (popped, not pushed,
 * nothing for the guest to see) and the packet waits for more buffers.
 * Only a packet that cannot fit even in the whole ring (or, without
 * MRG_RXBUF, in one chain) is dropped: its chains go back with 0 bytes,
 * which Linux counts as a length error.
 *
 * Transmit (guest -> tap). Each chain is the 12-byte header and a frame in
 * device-readable buffers, written with one writev() as it is: the tap
 * parses the header. When the tap pushes back (EAGAIN, ENOBUFS) the chain
 * is kept, the thread polls the tap for POLLOUT and leaves the queue's
 * kicks off meanwhile; nothing is dropped. A packet the tap refuses (a
 * header it rejects: EINVAL) is returned to the guest and counted.
 *
 * Kicks are off while the thread works on a queue and on again before it
 * sleeps. Each wake-up handles at most a batch per direction and signals
 * once per batch; a queue with more work makes the next poll() return at
 * once, so neither direction, nor a stop, waits behind the other.
 *
 * Guest errors (a chain vq_pop() rejects, a receive chain with readable
 * buffers or no room for the header, a transmit chain with writable
 * buffers or shorter than the header): NEEDS_RESET, and every thread of
 * the device leaves the queues alone until the reset.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "log.h"
#include "virtio_net_int.h"

/* Packets per direction per wake-up, before the thread looks around again. */
#define NET_RX_BATCH 64
#define NET_TX_BATCH 256

enum { RX_GOT, RX_AGAIN, RX_SKIP, RX_DEAD };

void net_pair_reset(struct net_pair *p)
{
	p->rx_wait = NET_RX_IDLE;
	/* A fresh ring's flags and avail_event are 0: kicks are on. */
	p->rx_notify = p->tx_notify = true;
	p->tap_dead = false;
	p->pkt_len = p->pkt_off = 0;
	p->pkt_waited = false;
	p->nheld = 0;
	p->tx_pending = false;
}

/*
 * Whether the driver has made receive buffers available that are not
 * popped yet. A peek: nothing is taken. The avail ring starts with flags
 * and idx, both le16 (spec 2.7.6); vq_start() checked the whole area.
 */
static bool rx_has_buffers(const struct virtqueue *q)
{
	const uint16_t *idx;

	if (!q || !q->ready || q->broken)
		return false;
	idx = (const uint16_t *)q->avail + 1;
	return __atomic_load_n(idx, __ATOMIC_ACQUIRE) != q->last_avail;
}

static void rx_kicks_off(struct net_pair *p)
{
	if (!p->rx_notify)
		return;
	vq_notify_enable(p->rxq, false);
	p->rx_notify = false;
}

/*
 * The receive queue looks empty: turn kicks on and look again. Returns
 * true if buffers came meanwhile (kicks are off again), false if the
 * thread must wait for the kick.
 */
static bool rx_recheck(struct net_pair *p)
{
	p->rx_notify = true;
	if (!p->rxq || !vq_notify_enable(p->rxq, true))
		return false;
	rx_kicks_off(p);
	return true;
}

/* Whether a packet is waiting in the tap (for the rx_no_buffers count). */
static bool rx_tap_readable(const struct net_pair *p)
{
	struct pollfd pfd = { .fd = p->tap_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* Receive on this pair stops until the next DRIVER_OK; said once. */
static void rx_tap_dead(struct net_pair *p, int err)
{
	p->tap_dead = true;
	if (err)
		log_warn("network %s: queue pair %u: reading the tap: %s; receiving stops",
			 p->n->tap.ifname, p->index, strerror(err));
	else
		log_warn("network %s: queue pair %u: the tap closed; receiving stops",
			 p->n->tap.ifname, p->index);
}

/* Give back the chains held for the packet in flight, empty, and forget it. */
static void rx_drop(struct net_pair *p, bool *pushed)
{
	unsigned int i;

	for (i = 0; i < p->nheld; i++)
		vq_push(p->rxq, p->held[i].head, 0);
	if (p->nheld)
		*pushed = true;
	net_count(&p->n->c.rx_dropped, 1);
	p->nheld = 0;
	p->pkt_len = 0;
}

/* One packet from the tap into p->pkt. tap_err: poll() saw an error on it. */
static int rx_read(struct net_pair *p, bool tap_err)
{
	ssize_t len = read(p->tap_fd, p->pkt, NET_RX_BUF);

	if (len < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			rx_tap_dead(p, errno);
			return RX_DEAD;
		}
		/* An error poll() keeps reporting would otherwise spin. */
		if (tap_err) {
			rx_tap_dead(p, EIO);
			return RX_DEAD;
		}
		return RX_AGAIN;
	}
	if (len == 0) {
		/* A tap never reads 0 bytes; a socket does when its peer is gone. */
		rx_tap_dead(p, 0);
		return RX_DEAD;
	}
	if ((size_t)len < NET_HDR_LEN || (size_t)len == NET_RX_BUF) {
		net_count(&p->n->c.rx_dropped, 1);
		return RX_SKIP;
	}
	p->pkt_len = (size_t)len;
	p->pkt_off = 0;
	p->pkt_waited = false;
	p->nheld = 0;
	/*
	 * Without GUEST_CSUM the flags must be 0 (spec 5.1.6.4.1); the tap
	 * may still mark a packet DATA_VALID.
	 */
	if (!(p->n->features & NET_BIT(VIRTIO_NET_F_GUEST_CSUM)))
		p->pkt[0] = 0;
	return RX_GOT;
}

/*
 * Place the packet in flight into receive chains. Returns true when it is
 * done with (delivered, or dropped as one that can never fit), false when
 * the thread must wait for buffers (the chains taken so far stay held) or
 * the guest broke the queue.
 */
static bool rx_place(struct net_pair *p, bool *pushed)
{
	struct virtio_net *n = p->n;
	bool mrg = n->features & NET_BIT(VIRTIO_NET_F_MRG_RXBUF);
	unsigned int max = mrg ? p->rxq->size : 1, i;
	struct vq_chain *c;
	const char *why;
	uint16_t nbuf;
	size_t len;
	int ret;

	if (max > VIRTIO_NET_QUEUE_MAX)
		max = VIRTIO_NET_QUEUE_MAX;
	while (p->pkt_off < p->pkt_len) {
		if (p->nheld == max) {
			rx_drop(p, pushed);
			return true;
		}
		c = p->nheld ? p->cur : p->first;
		ret = vq_pop(p->rxq, c, &why);
		if (ret == VQ_EMPTY) {
			if (rx_recheck(p))
				continue;
			if (!p->pkt_waited)
				net_count(&n->c.rx_no_buffers, 1);
			p->pkt_waited = true;
			p->rx_wait = NET_RX_WAIT_KICK;
			return false;
		}
		if (ret == VQ_ERR) {
			net_guest_error(n, why);
			return false;
		}
		rx_kicks_off(p);
		if (c->nout) {
			net_guest_error(n, "network receive chain with a device-readable buffer");
			return false;
		}
		if (!c->nin) {
			net_guest_error(n, "network receive chain without a writable buffer");
			return false;
		}
		if (!p->nheld && c->in_len < NET_HDR_LEN) {
			net_guest_error(n, "network receive buffer shorter than the header");
			return false;
		}
		len = p->pkt_len - p->pkt_off < c->in_len ? p->pkt_len - p->pkt_off : c->in_len;
		vq_iov_write(c->iov, c->nin, 0, p->pkt + p->pkt_off, len);
		p->held[p->nheld].head = c->head;
		p->held[p->nheld].len = (uint32_t)len;
		p->nheld++;
		p->pkt_off += len;
	}
	/* 1 without MRG_RXBUF too (spec 5.1.6.4); what the tap left there is stale. */
	nbuf = htole16((uint16_t)p->nheld);
	vq_iov_write(p->first->iov, p->first->nin, NET_HDR_NUM_BUFFERS, &nbuf, sizeof(nbuf));
	for (i = 0; i < p->nheld; i++)
		vq_push(p->rxq, p->held[i].head, p->held[i].len);
	net_count(&n->c.rx_packets, 1);
	net_count(&n->c.rx_bytes, p->pkt_len - NET_HDR_LEN);
	*pushed = true;
	p->nheld = 0;
	p->pkt_len = 0;
	return true;
}

/*
 * Tap to guest, at most a batch. Sets p->rx_wait to what it must wait
 * for; returns true when it stopped with more to do at once.
 */
static bool rx_work(struct net_pair *p, bool tap_err)
{
	struct virtio_net *n = p->n;
	unsigned int budget = NET_RX_BATCH;
	bool pushed = false, more = false;
	int ret;

	pthread_mutex_lock(&p->lock);
	p->rx_wait = NET_RX_IDLE;
	if (!p->active || !p->rxq) {
		/* Turned off halfway through a packet: it goes, with its chains. */
		if (p->pkt_len)
			rx_drop(p, &pushed);
		goto out;
	}
	while (!p->tap_dead && !net_yield(n)) {
		if (!p->pkt_len) {
			if (!budget--) {
				more = true;
				break;
			}
			if (!rx_has_buffers(p->rxq) && !rx_recheck(p)) {
				if (rx_tap_readable(p))
					net_count(&n->c.rx_no_buffers, 1);
				p->rx_wait = NET_RX_WAIT_KICK;
				break;
			}
			rx_kicks_off(p);
			ret = rx_read(p, tap_err);
			if (ret == RX_AGAIN)
				p->rx_wait = NET_RX_WAIT_TAP;
			if (ret == RX_AGAIN || ret == RX_DEAD)
				break;
			if (ret == RX_SKIP)
				continue;
		}
		if (!rx_place(p, &pushed))
			break;
	}
out:
	pthread_mutex_unlock(&p->lock);
	if (pushed)
		virtio_irq_used(n->irq, 2 * p->index);
	return more;
}

/* Send p->txc. Returns false when the tap pushed back (the chain stays). */
static bool tx_send(struct net_pair *p)
{
	struct virtio_net *n = p->n;
	struct vq_chain *c = p->txc;
	ssize_t ret = writev(p->tap_fd, c->iov, (int)c->nout);

	if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
		net_count(&n->c.tx_blocked, 1);
		p->tx_pending = true;
		return false;
	}
	if (ret < 0) {
		net_count(&n->c.tx_dropped, 1);
	} else {
		net_count(&n->c.tx_packets, 1);
		net_count(&n->c.tx_bytes, c->out_len - NET_HDR_LEN);
	}
	vq_push(p->txq, c->head, 0);
	p->tx_pending = false;
	return true;
}

/* Guest to tap, at most a batch; returns true when it stopped with more to do. */
static bool tx_work(struct net_pair *p)
{
	struct virtio_net *n = p->n;
	unsigned int budget = NET_TX_BATCH;
	bool pushed = false, more = false;
	struct vq_chain *c = p->txc;
	const char *why;
	int ret;

	if (!p->txq)
		return false;
	if (p->tx_pending) {
		if (!tx_send(p))
			return false;
		pushed = true;
	}
	do {
		if (p->tx_notify)
			vq_notify_enable(p->txq, false);
		p->tx_notify = false;
		while (!net_yield(n)) {
			if (!budget) {
				more = true;
				goto out;
			}
			ret = vq_pop(p->txq, c, &why);
			if (ret == VQ_EMPTY)
				break;
			if (ret == VQ_ERR) {
				net_guest_error(n, why);
				goto out;
			}
			if (c->nin) {
				net_guest_error(n, "network transmit chain with a "
						   "device-writable buffer");
				goto out;
			}
			if (c->out_len < NET_HDR_LEN) {
				net_guest_error(n, "network transmit chain shorter than "
						   "the header");
				goto out;
			}
			budget--;
			/* Pushed back: kicks stay off, POLLOUT wakes the thread. */
			if (!tx_send(p))
				goto out;
			pushed = true;
		}
		if (net_yield(n))
			break;
		p->tx_notify = true;
	} while (vq_notify_enable(p->txq, true));
out:
	if (pushed)
		virtio_irq_used(n->irq, 2 * p->index + 1);
	return more;
}

static void net_drain(int fd)
{
	uint64_t cnt;

	if (read(fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: someone else drained it */
	}
}

void *net_pair_thread(void *arg)
{
	struct net_pair *p = arg;
	struct virtio_net *n = p->n;
	/* The driver may have queued packets and posted buffers before DRIVER_OK. */
	bool rx_more = true, tx_more = true, halted, tap_err;
	struct pollfd pfd[5];
	short tap_ev;

	while (!atomic_load(&n->stopping)) {
		halted = atomic_load(&n->broken);
		tap_ev = 0;
		if (!halted && p->rx_wait == NET_RX_WAIT_TAP)
			tap_ev |= POLLIN;
		if (!halted && p->tx_pending)
			tap_ev |= POLLOUT;
		pfd[0] = (struct pollfd){ .fd = n->stop_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = p->wake_fd, .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = tap_ev ? p->tap_fd : -1, .events = tap_ev };
		pfd[3] = (struct pollfd){
			.fd = !halted && p->rx_wait == NET_RX_WAIT_KICK ? p->rx_kick : -1,
			.events = POLLIN,
		};
		pfd[4] = (struct pollfd){
			.fd = !halted && !p->tx_pending ? p->tx_kick : -1,
			.events = POLLIN,
		};
		if (poll(pfd, 5, !halted && (rx_more || tx_more) ? 0 : -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			net_drain(p->wake_fd);
			rx_more = true;
		}
		if (pfd[3].revents) {
			net_drain(p->rx_kick);
			rx_more = true;
		}
		if (pfd[4].revents) {
			net_drain(p->tx_kick);
			tx_more = true;
		}
		tap_err = pfd[2].revents & (POLLERR | POLLHUP | POLLNVAL);
		if (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL) && p->tx_pending)
			tx_more = true;
		if (pfd[2].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL) &&
		    p->rx_wait == NET_RX_WAIT_TAP)
			rx_more = true;
		if (atomic_load(&n->broken)) {
			rx_more = tx_more = false;
			continue;
		}
		if (!dev_gate_enter(n->gate, &n->stopping))
			break;
		if (tx_more)
			tx_more = tx_work(p);
		if (rx_more)
			rx_more = rx_work(p, tap_err);
		/* A pause cut the batch short: finish it after resume. */
		if (dev_gate_closing(n->gate))
			rx_more = tx_more = true;
		dev_gate_leave(n->gate);
	}
	return NULL;
}
