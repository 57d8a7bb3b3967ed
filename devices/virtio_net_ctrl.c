// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net's control queue (virtio 1.2, 5.1.6.5), served by its own
 * thread in both paths (vhost-net has no control queue).
 *
 * A command is a chain: class and command (1 byte each) and the command's
 * data in device-readable buffers, then one device-writable ack byte. A
 * chain without the two header bytes or without a writable byte is a
 * guest error (NEEDS_RESET); a well-formed chain that asks for something
 * unknown or malformed is answered VIRTIO_NET_ERR.
 *
 * Answered VIRTIO_NET_OK:
 *   MQ VQ_PAIRS_SET with 1..npairs (MQ negotiated): the pairs beyond turn
 *     off (virtio_net.c), before the answer is in the used ring, as the
 *     spec wants.
 *   RX (promisc, allmulti, ...), MAC_TABLE_SET, MAC_ADDR_SET: the tap hands
 *     the guest every frame it gets anyway, and filtering is the guest's.
 *     (The features that announce them are not offered; a driver may
 *     still send them.)
 */
#include <endian.h>
#include <poll.h>
#include <unistd.h>

#include "virtio_net_int.h"

#define CTRL_HDR 2
#define MAC_LEN 6

/* A MAC table: two of {le32 entries, entries * 6 bytes}, filling the data exactly. */
static bool ctrl_mac_table_ok(const struct vq_chain *c)
{
	uint32_t off = CTRL_HDR, entries;
	int i;

	for (i = 0; i < 2; i++) {
		if (c->out_len - off < sizeof(entries))
			return false;
		vq_iov_read(c->iov, c->nout, off, &entries, sizeof(entries));
		off += sizeof(entries);
		entries = le32toh(entries);
		if (entries > (c->out_len - off) / MAC_LEN)
			return false;
		off += entries * MAC_LEN;
	}
	return off == c->out_len;
}

/* The answer to the command in c (out_len >= CTRL_HDR). */
static uint8_t ctrl_command(struct virtio_net *n, const struct vq_chain *c)
{
	uint32_t dlen = c->out_len - CTRL_HDR;
	uint8_t hdr[CTRL_HDR];
	uint16_t pairs;

	vq_iov_read(c->iov, c->nout, 0, hdr, sizeof(hdr));
	switch (hdr[0]) {
	case VIRTIO_NET_CTRL_RX:
		return hdr[1] <= VIRTIO_NET_CTRL_RX_NOBCAST && dlen == 1 ? VIRTIO_NET_OK :
									      VIRTIO_NET_ERR;
	case VIRTIO_NET_CTRL_MAC:
		if (hdr[1] == VIRTIO_NET_CTRL_MAC_ADDR_SET)
			return dlen == MAC_LEN ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
		if (hdr[1] == VIRTIO_NET_CTRL_MAC_TABLE_SET)
			return ctrl_mac_table_ok(c) ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
		return VIRTIO_NET_ERR;
	case VIRTIO_NET_CTRL_MQ:
		if (hdr[1] != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || dlen != sizeof(pairs) ||
		    !(n->features & NET_BIT(VIRTIO_NET_F_MQ)))
			return VIRTIO_NET_ERR;
		vq_iov_read(c->iov, c->nout, CTRL_HDR, &pairs, sizeof(pairs));
		pairs = le16toh(pairs);
		if (pairs < 1 || pairs > n->npairs)
			return VIRTIO_NET_ERR;
		net_set_active_pairs(n, pairs);
		return VIRTIO_NET_OK;
	default:
		return VIRTIO_NET_ERR;
	}
}

/*
 * The commands on the queue, at most one queue's worth, as one batch with
 * one interrupt. Returns true when commands may be left (budget spent, or
 * a pause came): kicks stay off and the thread must call again.
 */
static bool ctrl_work(struct virtio_net *n)
{
	unsigned int budget = VIRTIO_NET_QUEUE_MAX;
	struct vq_chain *c = n->ctrlc;
	const struct iovec *last;
	bool pushed = false, again = false;
	const char *why;
	uint8_t ack;
	int ret;

	do {
		vq_notify_enable(n->ctrlq, false);
		while (!net_halted(n)) {
			if (!budget-- || dev_gate_closing(n->gate)) {
				again = true;
				goto out;
			}
			ret = vq_pop(n->ctrlq, c, &why);
			if (ret == VQ_EMPTY)
				break;
			if (ret == VQ_ERR) {
				net_guest_error(n, why);
				break;
			}
			if (c->out_len < CTRL_HDR || !c->nin) {
				net_guest_error(n, "network control command without its header "
						   "or ack byte");
				break;
			}
			ack = ctrl_command(n, c);
			/*
			 * The ack is the command's last byte (spec 5.1.6.5); the
			 * walker drops empty buffers, so the last one ends with it.
			 */
			last = &c->iov[c->nout + c->nin - 1];
			((uint8_t *)last->iov_base)[last->iov_len - 1] = ack;
			vq_push(n->ctrlq, c->head, 1);
			pushed = true;
		}
	} while (!net_halted(n) && vq_notify_enable(n->ctrlq, true));
out:
	if (pushed)
		virtio_irq_used(n->irq, n->ctrl_q);
	return again;
}

void *net_ctrl_thread(void *arg)
{
	struct virtio_net *n = arg;
	struct pollfd pfd[2] = {
		{ .fd = n->stop_fd, .events = POLLIN },
		{ .fd = n->ctrl_kick, .events = POLLIN },
	};
	/* The driver may have queued commands before DRIVER_OK. */
	bool again = true;
	uint64_t cnt;

	while (!atomic_load(&n->stopping)) {
		if (poll(pfd, 2, again ? 0 : -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents)
			break;
		if (pfd[1].revents && read(n->ctrl_kick, &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: someone else drained it */
		}
		if (!dev_gate_enter(n->gate, &n->stopping))
			break;
		again = ctrl_work(n);
		dev_gate_leave(n->gate);
	}
	return NULL;
}
