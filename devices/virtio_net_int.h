/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEVICES_VIRTIO_NET_INT_H
#define VMM_DEVICES_VIRTIO_NET_INT_H

/*
 * What the files of virtio-net share, and nothing else includes:
 *   virtio_net.c       the device: config space, features, start/stop,
 *                      vhost-net, which queue pairs are on (thread table
 *                      and locking are described there)
 *   virtio_net_io.c    a queue pair's I/O thread (userspace path)
 *   virtio_net_ctrl.c  the control queue's thread
 */
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "virtio_net.h"

/*
 * One read from the tap: the header and the largest frame a tap hands
 * out (64 KiB of GSO payload plus link headers), with room to spare. A
 * read that fills it completely may have been cut short and is dropped.
 */
#define NET_RX_BUF (NET_HDR_LEN + 65536 + 512)

/* Offset of num_buffers (le16) in struct virtio_net_hdr_v1. */
#define NET_HDR_NUM_BUFFERS 10

#define NET_NO_QUEUE (~0u)

#define NET_BIT(f) (1ull << (f))

/* What the receive side of a pair waits for before it can go on. */
enum net_rx_wait {
	NET_RX_IDLE,      /* nothing: off, the tap is gone, or a guest error */
	NET_RX_WAIT_TAP,  /* buffers are posted; the tap has no packet yet */
	NET_RX_WAIT_KICK, /* the receive queue ran dry; kicks are on */
};

/* A receive chain taken for the packet in flight: where it went, how much. */
struct net_held {
	uint16_t head;
	uint32_t len;
};

struct net_pair {
	struct virtio_net *n;
	unsigned int index;       /* queues 2 * index (receive) and 2 * index + 1 */
	struct virtqueue *rxq, *txq; /* NULL when the driver cannot use this pair */
	int rx_kick, tx_kick;
	int tap_fd;
	int wake_fd;              /* eventfd: `active` changed (userspace path) */

	/*
	 * `lock` guards `active` and the receive path's use of the tap and
	 * the receive queue: the control thread flips `active` under it, so
	 * once VQ_PAIRS_SET is answered no packet lands on a pair turned off.
	 */
	pthread_mutex_t lock;
	bool active;              /* the driver uses this pair (VQ_PAIRS_SET) */
	bool attached;            /* its tap queue is attached (TUNSETQUEUE) */

	bool thread_running;
	pthread_t thread;
	bool vhost_started;

	/* The I/O thread's own, reset by net_pair_reset() before it starts. */
	enum net_rx_wait rx_wait;
	bool rx_notify, tx_notify; /* kicks may be on in the ring */
	bool tap_dead;            /* a read failed for good: receive stops */
	uint8_t *pkt;             /* NET_RX_BUF: the packet read from the tap */
	size_t pkt_len, pkt_off;  /* its length (0: none), bytes already placed */
	bool pkt_waited;          /* counted in rx_no_buffers */
	struct vq_chain *first;   /* the packet's first receive chain (its header) */
	struct vq_chain *cur;     /* scratch for the later ones */
	unsigned int nheld;
	struct net_held held[VIRTIO_NET_QUEUE_MAX];
	struct vq_chain *txc;     /* the transmit chain being sent */
	bool tx_pending;          /* txc was pushed back by the tap (EAGAIN) */
};

struct net_counters {
	atomic_uint_fast64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	atomic_uint_fast64_t rx_no_buffers, tx_blocked, rx_dropped, tx_dropped;
};

struct virtio_net {
	unsigned int index, npairs;
	uint8_t mac[6];
	atomic_bool link_up;      /* read by config reads, written by virtio_net_set_link */
	struct tap tap;
	bool use_vhost;
	struct vhost_net *vhost[NET_MAX_PAIRS];
	struct virtio_irq *irq;   /* the activation's; written before any thread */
	struct dev_gate *gate;    /* the activation's pause gate, or NULL */
	/*
	 * The activation's interrupt for link changes, NULL from the reset
	 * on: under link_lock a backend thread (net_stream's) announces a
	 * change, and net_reset clears it under link_lock before the
	 * transport, which the interrupt belongs to, can go.
	 */
	_Atomic(struct virtio_irq *) link_irq;
	pthread_mutex_t link_lock;

	/* Set by start before any thread exists; read-only while they run. */
	uint64_t features;        /* negotiated */
	unsigned int data_pairs;  /* pairs the driver may use: npairs with MQ, else 1 */
	unsigned int ctrl_q;      /* the control queue's index, or NET_NO_QUEUE */

	int stop_fd;              /* eventfd: every thread's stop signal */
	atomic_bool stopping;
	atomic_bool broken;       /* NEEDS_RESET: leave every queue alone */

	struct virtqueue *ctrlq;
	int ctrl_kick;
	struct vq_chain *ctrlc;
	bool ctrl_running;
	pthread_t ctrl_thread;

	bool offload_warned, queue_warned;
	struct net_counters c;
	struct net_pair pair[NET_MAX_PAIRS];
};

static inline void net_count(atomic_uint_fast64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* Stopping, or the guest broke a queue: threads leave guest memory alone. */
static inline bool net_halted(struct virtio_net *n)
{
	return atomic_load(&n->stopping) || atomic_load(&n->broken);
}

/*
 * net_yield - whether a thread must end its batch now: halted, or a pause
 * wants every device thread out of guest memory. The thread then runs
 * the batch again once through the gate (dev_thread.h).
 */
static inline bool net_yield(struct virtio_net *n)
{
	return net_halted(n) || dev_gate_closing(n->gate);
}


/*
 * net_guest_error - the guest broke the protocol: every thread stops using
 * the queues, the transport sets NEEDS_RESET and logs why once. Any of the
 * device's threads; may hold a pair's lock.
 */
void net_guest_error(struct virtio_net *n, const char *why);

/*
 * net_set_active_pairs - the driver's VQ_PAIRS_SET: pairs [0, count) on,
 * the rest off, their tap queues attached or detached to match; a pair's
 * thread is woken when its state changes. count is 1..npairs. Control
 * thread only; takes each pair's lock in turn.
 */
void net_set_active_pairs(struct virtio_net *n, unsigned int count);

/* net_pair_reset - the I/O thread's state as before its first packet. */
void net_pair_reset(struct net_pair *p);

/* net_pair_thread - a queue pair's I/O thread (arg: the struct net_pair). */
void *net_pair_thread(void *arg);

/* net_ctrl_thread - the control queue's thread (arg: the struct virtio_net). */
void *net_ctrl_thread(void *arg);

#endif
