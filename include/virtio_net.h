/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTIO_NET_H
#define VMM_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "net.h"
#include "vhost_net.h"
#include "virtio.h"

/*
 * virtio-net (virtio 1.2, section 5.1) on a tap, behind any virtio
 * transport (include/virtio.h), with its packets moved either by vhost-net in the kernel or
 * by I/O threads here (the userspace path).
 *
 * Offered features on a stream backend (tap.stream, --network user): MAC,
 * STATUS, MRG_RXBUF only (the stream has no header to carry offloads).
 * On a tap: MAC, STATUS, MRG_RXBUF, CSUM, GUEST_CSUM, HOST_TSO4,
 * HOST_TSO6, HOST_ECN, HOST_UFO, GUEST_TSO4, GUEST_TSO6, GUEST_ECN,
 * GUEST_UFO, and with more than one queue pair CTRL_VQ + MQ. The guest's
 * receive offloads become the tap's (TUNSETOFFLOAD) at DRIVER_OK.
 *
 * Queues: rx0, tx0, rx1, tx1, ..., then the control queue when there is
 * more than one pair (a driver that takes CTRL_VQ without MQ knows of one
 * pair only and finds the control queue at index 2, spec 5.1.2). The control queue is always served here (MQ
 * VQ_PAIRS_SET; RX mode and MAC table commands are acknowledged).
 *
 * Wiring (vmm/), in this order:
 *   virtio_net_new(index, mac, &tap, vhost or NULL, npairs, link_up, &n);
 *   a transport made with virtio_net_dev_ops, n, virtio_net_num_queues(n)
 *   queues of VIRTIO_NET_QUEUE_MAX entries, and an interrupt object with an
 *   irqfd (virtio_irq_fd: vhost-net's call fd) when n uses vhost-net;
 *   ... guest runs ...
 *   free the transport            (resets the device: threads, vhost)
 *   virtio_net_free(n);
 * With vhost-net the device puts the transport's interrupt in direct mode
 * (virtio_irq_set_direct) at every activation.
 */

#define VIRTIO_NET_QUEUE_MAX 256

struct virtio_net;

/*
 * Lifetime counters (userspace path; vhost-net's packets are not seen here).
 * Bytes are frame bytes, without the 12-byte virtio-net header.
 */
struct virtio_net_stats {
	uint64_t rx_packets, rx_bytes;  /* tap -> guest */
	uint64_t tx_packets, tx_bytes;  /* guest -> tap */
	uint64_t rx_no_buffers;         /* times a packet waited for guest buffers */
	uint64_t tx_blocked;            /* times the tap pushed back (EAGAIN) */
	/*
	 * rx_dropped: packets that could never fit the guest's buffers,
	 * truncated or headerless reads, and a packet in flight on a queue
	 * pair the driver turned off. tx_dropped: packets the tap refused (a
	 * header it rejects: EINVAL) or could not take (it is gone).
	 */
	uint64_t rx_dropped, tx_dropped;
};

/*
 * virtio_net_new - a NIC on *tap (taken over: closed by virtio_net_free)
 * with npairs queue pairs (tap->nfds of them). vhost: NULL for the
 * userspace path, else an array of npairs opened vhost_net (taken over;
 * the array itself stays the caller's). Returns VMM_OK and stores the
 * device in *out, or prints "network INDEX: creating the virtio-net device:
 * CAUSE" (Invalid argument: npairs outside 1..NET_MAX_PAIRS or not
 * tap->nfds; no memory, or what eventfd() said) and returns
 * VMM_ERR_INTERNAL, and then the caller still owns tap and vhost.
 */
int virtio_net_new(unsigned int index, const uint8_t mac[6], struct tap *tap,
		   struct vhost_net **vhost, unsigned int npairs, bool link_up,
		   struct virtio_net **out);

/* virtio_net_num_queues - how many virtqueues the transport must have. */
unsigned int virtio_net_num_queues(const struct virtio_net *n);

/*
 * virtio_net_pause - the VM pauses (or resumes): vhost-net pairs detach
 * their tap so the kernel's worker leaves guest memory alone (attach it
 * again). The userspace path needs nothing: its threads pass the pause
 * gate. Main thread, vCPUs stopped. Returns 0, or -1 with errno set.
 */
int virtio_net_pause(struct virtio_net *n, bool paused);

/*
 * virtio_net_set_link - the link goes up or down (the backend's peer went
 * away): STATUS's LINK_UP follows, and a driver that is running gets a
 * config-change interrupt. Any thread but a vCPU's (it takes the
 * transport's lock); not after virtio_net_free.
 * virtio_net_link_up - what the guest reads in STATUS now.
 */
void virtio_net_set_link(struct virtio_net *n, bool up);
bool virtio_net_link_up(const struct virtio_net *n);

/* virtio_net_uses_vhost - whether packets go through vhost-net. */
bool virtio_net_uses_vhost(const struct virtio_net *n);

/* virtio_net_free - stop, close the tap and vhost, free; NULL is fine. Free the transport first. */
void virtio_net_free(struct virtio_net *n);

/* virtio_net_get_stats - a snapshot of the counters. Any thread, lock-free. */
void virtio_net_get_stats(const struct virtio_net *n, struct virtio_net_stats *out);

/* The device callbacks for a transport; dev is the struct virtio_net *. */
extern const struct virtio_dev_ops virtio_net_dev_ops;

#endif
