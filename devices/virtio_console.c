// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.2, section 5.3), one port, no MULTIPORT.
 *
 * Threads:
 *   console-io   from DRIVER_OK (ops->activate, on the vCPU thread that wrote
 *                Status) until ops->reset joins it. Owns the transmitq: pops
 *                every chain the guest kicks, hands its buffers to the tx
 *                callback, pushes it back and signals once per batch. It
 *                sleeps in poll() on the stop eventfd and both queues' kick
 *                eventfds (ioeventfds on QueueNotify, so a kick costs the
 *                vCPU no exit to userspace). The receiveq's kicks only
 *                matter while the host waits for buffers (rx_waiting); the
 *                rest of the time they are suppressed in the ring.
 *   rx callers   the host's console thread in virtio_console_rx(): pops
 *                receive chains, copies, pushes and signals, all under
 *                `lock`. Copying on the caller's thread costs no hop, and
 *                it tells the caller synchronously how much was taken,
 *                the UART's back-pressure contract.
 *   vCPU threads config space reads (under the transport's lock): the size
 *                is one atomic word, so they take no lock of ours.
 * `lock` guards the receiveq (the rx callers' and the I/O thread's use of
 * it), rx_waiting and the transition of `running` to false.
 *
 * Lock order: the transport's ctl, then `lock`, then the transport's lock.
 * No path holding the transport's lock takes `lock` (ops->activate only
 * sets atomics and starts the thread; config reads are atomic), so
 * virtio_console_rx() may call virtio_irq_needs_reset() with `lock` held.
 * virtio_irq_used() takes no lock, and the receiveq's signal bookkeeping
 * is only touched under `lock`.
 *
 * The interrupt object comes with the first activation and stays (it lives
 * as long as the transport): a size set before then is only announced at
 * DRIVER_OK, by the thread.
 *
 * Reset: ops->reset joins the thread, then marks the receiveq unusable
 * under `lock`, which waits out an rx in progress; after that nothing here
 * touches guest memory until the next DRIVER_OK. The size, the counters and
 * rx_waiting (the host may still be waiting) survive resets.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev_thread.h"
#include "log.h"
#include "status.h"
#include "virtio_console.h"

#define VIRTIO_ID_CONSOLE 3

/* Feature bits (spec 5.3.3). */
#define VIRTIO_CONSOLE_F_SIZE 0

/* struct virtio_console_config: cols le16, rows le16 (then fields we don't offer). */
#define CFG_COLS 0
#define CFG_ROWS 2
#define CFG_SIZE 4

struct virtio_console {
	struct virtio_console_host host;
	struct virtio_irq *_Atomic irq; /* from the first activation on */
	struct dev_gate *_Atomic gate;  /* the activation's pause gate, or NULL */
	struct virtqueue *rxq, *txq;
	int rx_kick, tx_kick;
	uint64_t features;      /* negotiated; written by activate before the thread */
	bool size_at_start;     /* a size was set before this activation: announce it */

	pthread_mutex_t lock;
	struct vq_chain *rxc;   /* scratch for vq_pop, under lock */
	bool rx_waiting;        /* rx took less than offered; rx_ready is due */

	struct vq_chain *txc;   /* scratch for the I/O thread */
	atomic_bool running;    /* between activate and reset: queues in use */
	atomic_bool broken;     /* NEEDS_RESET: leave the queues alone */
	atomic_bool stopping;
	int stop_fd;
	bool thread_running;
	pthread_t thread;

	atomic_uint size;       /* cols | rows << 16 */
	atomic_uint_fast64_t tx_bytes, rx_bytes;
};

static void con_count(atomic_uint_fast64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* The guest broke the protocol: NEEDS_RESET, and hands off both queues. */
static void con_guest_error(struct virtio_console *c, const char *why)
{
	atomic_store(&c->broken, true);
	virtio_irq_needs_reset(atomic_load(&c->irq), why);
}

/*
 * The transmitq, at most one queue's worth, as one batch with one
 * interrupt. Returns true when chains may be left (budget spent, or a
 * stop or pause came): kicks stay off and the thread must call again.
 */
static bool con_tx_work(struct virtio_console *c)
{
	unsigned int budget = VIRTIO_CONSOLE_QUEUE_MAX;
	struct vq_chain *ch = c->txc;
	bool pushed = false, again = false;
	const char *why;
	unsigned int i;
	int ret;

	do {
		vq_notify_enable(c->txq, false);
		/* A guest that keeps posting must not keep a reset or pause waiting. */
		while (!atomic_load(&c->stopping) && !atomic_load(&c->broken)) {
			if (!budget-- || dev_gate_closing(atomic_load(&c->gate))) {
				again = true;
				goto out;
			}
			ret = vq_pop(c->txq, ch, &why);
			if (ret == VQ_EMPTY)
				break;
			if (ret == VQ_ERR) {
				con_guest_error(c, why);
				break;
			}
			if (ch->nin) {
				con_guest_error(c, "console transmit chain with a device-writable "
						   "buffer");
				break;
			}
			for (i = 0; i < ch->nout; i++) {
				con_count(&c->tx_bytes, ch->iov[i].iov_len);
				if (c->host.tx)
					c->host.tx(c->host.ctx, ch->iov[i].iov_base,
						   ch->iov[i].iov_len);
			}
			/* At once: Linux's hvc spins until it sees this entry. */
			vq_push(c->txq, ch->head, 0);
			pushed = true;
		}
		if (atomic_load(&c->stopping) || atomic_load(&c->broken))
			break;
	} while (vq_notify_enable(c->txq, true));
out:
	if (pushed)
		virtio_irq_used(atomic_load(&c->irq), VIRTIO_CONSOLE_QUEUE_TX);
	return again;
}

/*
 * The receiveq was kicked (or the device just started): if the host is
 * waiting and buffers are there, tell it; otherwise, unless it waits,
 * stop the guest's kicks, which then serve nothing.
 */
static void con_rx_check(struct virtio_console *c)
{
	bool fire = false;

	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->running) && !atomic_load(&c->broken)) {
		if (!c->rx_waiting) {
			vq_notify_enable(c->rxq, false);
		} else if (vq_notify_enable(c->rxq, true)) {
			c->rx_waiting = false;
			vq_notify_enable(c->rxq, false);
			fire = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	/* Unlocked: rx_ready may call virtio_console_rx(). */
	if (fire && c->host.rx_ready)
		c->host.rx_ready(c->host.ctx);
}

static void *con_thread(void *arg)
{
	struct virtio_console *c = arg;
	struct pollfd pfd[3] = {
		{ .fd = c->stop_fd, .events = POLLIN },
		{ .fd = c->tx_kick, .events = POLLIN },
		{ .fd = c->rx_kick, .events = POLLIN },
	};
	struct dev_gate *gate = atomic_load(&c->gate);
	/* The driver may have queued output and posted buffers before DRIVER_OK. */
	bool tx_again = true, rx_again = true;
	uint64_t cnt;

	/*
	 * Linux reads the size only on a configuration-change interrupt, so
	 * a size the host set before the driver came up needs one now. Not
	 * from ops->activate: the transport's lock is held there. Decided at
	 * activation, not here: a size set after it announced itself
	 * already, and a second interrupt for it would be one too many.
	 */
	if (c->size_at_start)
		virtio_irq_config_changed(atomic_load(&c->irq));
	while (!atomic_load(&c->stopping)) {
		if (poll(pfd, 3, tx_again || rx_again ? 0 : -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			if (read(c->tx_kick, &cnt, sizeof(cnt)) < 0) {
				/* EAGAIN: someone else drained it */
			}
			tx_again = true;
		}
		if (pfd[2].revents) {
			if (read(c->rx_kick, &cnt, sizeof(cnt)) < 0) {
				/* EAGAIN: as above */
			}
			rx_again = true;
		}
		if (!dev_gate_enter(gate, &c->stopping))
			break;
		if (tx_again)
			tx_again = con_tx_work(c);
		if (rx_again) {
			con_rx_check(c);
			rx_again = false;
		}
		dev_gate_leave(gate);
	}
	return NULL;
}

size_t virtio_console_rx(struct virtio_console *c, const uint8_t *buf, size_t len)
{
	struct vq_chain *ch = c->rxc;
	bool pushed = false;
	const char *why;
	size_t done = 0, n;
	int ret;

	if (!len)
		return 0;
	pthread_mutex_lock(&c->lock);
	/* This call's outcome decides whether the host waits, not an older one's. */
	c->rx_waiting = false;
	/* Paused: guest memory is off limits; vmm offers the input again at resume. */
	if (!atomic_load(&c->running) || atomic_load(&c->broken) ||
	    dev_gate_closing(atomic_load(&c->gate))) {
		c->rx_waiting = true;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	/* Each chain takes at least one byte, so this ends within len rounds. */
	while (done < len) {
		ret = vq_pop(c->rxq, ch, &why);
		if (ret == VQ_EMPTY) {
			/* Ask for a kick, then look again: buffers may have raced in. */
			if (vq_notify_enable(c->rxq, true))
				continue;
			c->rx_waiting = true;
			break;
		}
		if (ret == VQ_ERR) {
			con_guest_error(c, why);
			break;
		}
		if (ch->nout) {
			con_guest_error(c, "console receive chain with a device-readable buffer");
			break;
		}
		if (!ch->nin) {
			con_guest_error(c, "console receive chain without a writable buffer");
			break;
		}
		n = vq_iov_write(ch->iov, ch->nin, 0, buf + done, len - done);
		vq_push(c->rxq, ch->head, (uint32_t)n);
		pushed = true;
		done += n;
	}
	if (atomic_load(&c->broken))
		c->rx_waiting = true; /* a reset and a new DRIVER_OK will tell */
	else if (!c->rx_waiting)
		vq_notify_enable(c->rxq, false);
	if (pushed)
		virtio_irq_used(atomic_load(&c->irq), VIRTIO_CONSOLE_QUEUE_RX);
	pthread_mutex_unlock(&c->lock);
	con_count(&c->rx_bytes, done);
	return done;
}

void virtio_console_set_size(struct virtio_console *c, uint16_t cols, uint16_t rows)
{
	unsigned int v = (unsigned int)cols | (unsigned int)rows << 16;
	struct virtio_irq *irq;

	if (atomic_exchange(&c->size, v) == v)
		return;
	irq = atomic_load(&c->irq);
	/* Bumps the generation; interrupts only a running driver. */
	if (irq)
		virtio_irq_config_changed(irq);
}

static void con_reset(void *dev)
{
	struct virtio_console *c = dev;
	uint64_t one = 1;

	if (c->thread_running) {
		atomic_store(&c->stopping, true);
		if (write(c->stop_fd, &one, sizeof(one)) < 0) {
			/* cannot fail short of a saturated counter, which still wakes */
		}
		/* A thread waiting at a closed pause gate must see the stop too. */
		dev_gate_wake(atomic_load(&c->gate));
		pthread_join(c->thread, NULL);
		c->thread_running = false;
		if (read(c->stop_fd, &one, sizeof(one)) < 0) {
			/* EAGAIN: not written */
		}
		atomic_store(&c->stopping, false);
	}
	/* Waits for an rx in progress; later ones see the device stopped. */
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->running, false);
	pthread_mutex_unlock(&c->lock);
}

static int con_activate(void *dev, const struct virtio_activation *a)
{
	struct virtio_console *c = dev;
	int err;

	/* Transport lock held: no `lock` here (see the lock order above). */
	if (a->nqueues < VIRTIO_CONSOLE_NUM_QUEUES)
		return -1; /* a transport with too few queues: vmm's bug */
	c->rxq = a->queues[VIRTIO_CONSOLE_QUEUE_RX].vq;
	c->txq = a->queues[VIRTIO_CONSOLE_QUEUE_TX].vq;
	c->rx_kick = a->queues[VIRTIO_CONSOLE_QUEUE_RX].kick_fd;
	c->tx_kick = a->queues[VIRTIO_CONSOLE_QUEUE_TX].kick_fd;
	atomic_store(&c->irq, a->irq);
	atomic_store(&c->gate, a->gate);
	c->features = a->features;
	c->size_at_start = (a->features >> VIRTIO_CONSOLE_F_SIZE & 1) && atomic_load(&c->size);
	atomic_store(&c->broken, false);
	/*
	 * Before the thread exists, so that its first look at the receiveq
	 * cannot miss buffers a waiting host needs to hear about.
	 */
	atomic_store(&c->running, true);
	err = dev_thread_start(&c->thread, "console-io", con_thread, c);
	if (err) {
		/* NEEDS_RESET follows; con_reset() comes at the reset. */
		atomic_store(&c->broken, true);
		errno = err;
		log_errno("virtio console: cannot start its I/O thread");
		return -1;
	}
	c->thread_running = true;
	return 0;
}

static uint64_t con_features(void *dev)
{
	(void)dev;
	return 1ull << VIRTIO_CONSOLE_F_SIZE;
}

static void con_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct virtio_console *c = dev;
	unsigned int v = atomic_load(&c->size);
	uint16_t f[2] = { htole16((uint16_t)v), htole16((uint16_t)(v >> 16)) };

	_Static_assert(sizeof(f) == CFG_SIZE && CFG_ROWS == 2 && CFG_COLS == 0, "config layout");
	/*
	 * max_nr_ports and emerg_wr exist only with MULTIPORT and
	 * EMERG_WRITE, not offered: zeroes (the transport cleared data).
	 */
	if (off >= CFG_SIZE)
		return;
	memcpy(data, (uint8_t *)f + off, len < CFG_SIZE - off ? len : CFG_SIZE - off);
}

static void con_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	/* Only emerg_wr is writable, and only with EMERG_WRITE: not offered. */
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

const struct virtio_dev_ops virtio_console_dev_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.features = con_features,
	.config_read = con_config_read,
	.config_write = con_config_write,
	.activate = con_activate,
	.reset = con_reset,
};

int virtio_console_new(const struct virtio_console_host *host, struct virtio_console **out)
{
	struct virtio_console *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c) {
		err = ENOMEM;
		goto fail;
	}
	c->rx_kick = c->tx_kick = -1;
	if (host)
		c->host = *host;
	c->rxc = malloc(sizeof(*c->rxc));
	c->txc = malloc(sizeof(*c->txc));
	if (!c->rxc || !c->txc) {
		err = ENOMEM;
		goto fail;
	}
	c->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->stop_fd < 0) {
		err = errno;
		goto fail;
	}
	err = pthread_mutex_init(&c->lock, NULL);
	if (err) {
		close(c->stop_fd);
		goto fail;
	}
	*out = c;
	return VMM_OK;
fail:
	if (c) {
		free(c->rxc);
		free(c->txc);
		free(c);
	}
	errno = err;
	log_errno("virtio console: creating it");
	return VMM_ERR_INTERNAL;
}

void virtio_console_free(struct virtio_console *c)
{
	if (!c)
		return;
	con_reset(c);
	pthread_mutex_destroy(&c->lock);
	close(c->stop_fd);
	free(c->rxc);
	free(c->txc);
	free(c);
}

void virtio_console_get_stats(const struct virtio_console *c, struct virtio_console_stats *out)
{
	out->tx_bytes = atomic_load_explicit(&c->tx_bytes, memory_order_relaxed);
	out->rx_bytes = atomic_load_explicit(&c->rx_bytes, memory_order_relaxed);
}
