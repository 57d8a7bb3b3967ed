// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.2, section 5.2).
 *
 * Threads:
 *   blk<N>-q<M>  one per ready queue, from DRIVER_OK (ops->activate, on
 *                the vCPU thread that wrote Status) until ops->reset joins
 *                it.
 *                It owns virtqueue M, its disk_queue and its requests. It
 *                sleeps in poll() on three fds: its kick eventfd (bound to
 *                QueueNotify by an ioeventfd, so a kick costs the vCPU no
 *                exit to userspace), its disk_queue's completion fd, and
 *                the device's stop eventfd. It takes no signals (see
 *                dev_thread.h): the vCPU thread that starts it has its kick
 *                signal unblocked.
 *   vCPU threads  config space reads (under the transport's lock; the
 *                config never changes after virtio_blk_new()).
 * Shared between threads: the disk (read-only after open), the counters
 * (relaxed atomics), `stopping` (atomic) and the stop eventfd.
 *
 * A request's path: the guest kicks, the queue thread pops every available
 * chain, submits each to its disk_queue and hands the batch to the kernel
 * at once (one io_uring_submit), then sleeps; completions wake the same
 * thread, which writes the status bytes, pushes the used entries and
 * signals once per batch. So a request changes threads at most once (the
 * vCPU's kick to this thread), and no lock is taken on the way.
 *
 * Kicks are disabled while the thread works (vq_notify_enable) and enabled
 * again before it sleeps, with a re-check for buffers that raced in.
 *
 * Guest errors: a malformed chain (vq_pop fails) or one with no writable
 * byte for the status puts the device in NEEDS_RESET; the thread then
 * stops taking and completing requests until the driver resets. A request
 * that is well formed as a chain but wrong as a block request is answered:
 * UNSUPP for an unknown type, a header under 16 bytes, or a bad
 * discard/write-zeroes segment list; IOERR for a range beyond the disk
 * (or overflowing), a length that is not whole sectors, more than SEG_MAX
 * segments, a write to a read-only disk, or a failed host I/O.
 *
 * Reset: ops->reset makes every thread drain its in-flight I/O (the kernel
 * may still be writing into guest memory) without completing it to the
 * guest, and joins it; the disk_queues and freed requests are kept for the
 * next DRIVER_OK.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dev_thread.h"
#include "log.h"
#include "status.h"
#include "virtio_blk.h"

#define VIRTIO_ID_BLOCK 2

/* Feature bits (spec 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (spec 5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_WZ_F_UNMAP 1u

/* struct virtio_blk_config offsets, up to write_zeroes_may_unmap. */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_NUM_QUEUES 34
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_MAX_DISCARD_SEG 40
#define CFG_DISCARD_ALIGN 44
#define CFG_MAX_WZ_SECTORS 48
#define CFG_MAX_WZ_SEG 52
#define CFG_WZ_MAY_UNMAP 56
#define CFG_SIZE 60

#define BLK_HDR_SIZE 16
#define BLK_SEG_SIZE 16 /* one discard / write-zeroes segment */
/*
 * Chains one wake-up may take before the thread checks for stop and pause
 * again: one queue's worth. Keeps reset, pause and teardown prompt under a
 * guest whose ring refills itself.
 */
#define BLK_BATCH VIRTIO_BLK_QUEUE_MAX

/* Largest discard or write-zeroes, in sectors: keeps byte counts in 32 bits. */
#define BLK_MAX_ZERO_SECTORS (UINT32_MAX / DISK_SECTOR)

struct blk_req {
	struct disk_req dr; /* first: the disk hands this pointer back */
	struct blk_req *next_free;
	uint16_t head;
	uint32_t type;
	uint8_t *status;    /* the chain's last writable byte */
	struct iovec iov[VIRTIO_BLK_SEG_MAX];
};

struct blk_queue {
	struct virtio_blk *blk;
	unsigned int index;
	struct disk_queue *dq;
	struct vq_chain *chain; /* scratch for vq_pop */
	struct blk_req *free;
	unsigned int inflight;  /* requests handed to dq and not reaped */
	struct virtqueue *vq;
	int kick_fd;
	bool broken;            /* NEEDS_RESET: leave the queue alone */
	bool answered;          /* a chain was completed on the spot: interrupt due */
	bool running;
	pthread_t thread;
};

struct blk_counters {
	atomic_uint_fast64_t requests, reads, writes, flushes, discards, write_zeroes, get_ids;
	atomic_uint_fast64_t bytes_read, bytes_written, io_errors, unsupported;
};

struct virtio_blk {
	struct disk *disk;
	const struct disk_info *info;
	struct virtio_irq *irq;  /* the activation's; written before any thread */
	struct dev_gate *gate;   /* the activation's pause gate, or NULL */
	unsigned int index, nqueues;
	uint64_t features;
	char serial[DISK_SERIAL_LEN];
	uint8_t config[CFG_SIZE];
	int stop_fd;
	atomic_bool stopping;
	struct blk_counters n;
	struct blk_queue q[DISK_MAX_QUEUES];
};

static void blk_count(atomic_uint_fast64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/*
 * The bytes of iov[0..cnt) without the first skip and last trim bytes, as
 * at most cap segments in out. Returns the segment count and *bytes, or
 * -1 when that takes more than cap segments.
 */
static int iov_sub(const struct iovec *iov, unsigned int cnt, uint64_t skip, uint64_t trim,
		   struct iovec *out, unsigned int cap, uint64_t *bytes)
{
	uint64_t total = 0, left;
	unsigned int i, n = 0;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	left = total > skip + trim ? total - skip - trim : 0;
	*bytes = left;
	for (i = 0; i < cnt && left; i++) {
		uint64_t len = iov[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		if (n == cap)
			return -1;
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		len -= skip;
		skip = 0;
		out[n].iov_len = len < left ? len : left;
		left -= out[n].iov_len;
		n++;
	}
	return (int)n;
}

static struct blk_req *blk_req_get(struct blk_queue *bq)
{
	struct blk_req *r = bq->free;

	if (r) {
		bq->free = r->next_free;
		return r;
	}
	/* Allocated on demand: most queues never have many in flight. */
	return malloc(sizeof(*r));
}

static void blk_req_put(struct blk_queue *bq, struct blk_req *r)
{
	r->next_free = bq->free;
	bq->free = r;
}

/* Finish a request to the guest: status byte, used entry. */
static void blk_finish(struct blk_queue *bq, uint16_t head, uint8_t *status, uint8_t st,
		       uint32_t data_written)
{
	struct virtio_blk *b = bq->blk;

	*status = st;
	bq->answered = true;
	blk_count(&b->n.requests, 1);
	if (st == VIRTIO_BLK_S_IOERR)
		blk_count(&b->n.io_errors, 1);
	else if (st == VIRTIO_BLK_S_UNSUPP)
		blk_count(&b->n.unsupported, 1);
	vq_push(bq->vq, head, data_written + 1);
}

/* The guest broke the protocol: NEEDS_RESET, and hands off the queue. */
static void blk_guest_error(struct blk_queue *bq, const char *why)
{
	bq->broken = true;
	virtio_irq_needs_reset(bq->blk->irq, why);
}

/* Whether [sector, sector + bytes/512) lies on the disk; bytes is whole sectors. */
static bool blk_range_ok(const struct virtio_blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = b->info->size / DISK_SECTOR;

	return sector <= cap && bytes / DISK_SECTOR <= cap - sector;
}

/*
 * DISCARD / WRITE_ZEROES: the one segment after the header. Returns a
 * status, or VIRTIO_BLK_S_OK with r->dr filled in.
 */
static uint8_t blk_parse_zero(struct virtio_blk *b, struct vq_chain *c, struct blk_req *r)
{
	uint8_t seg[BLK_SEG_SIZE];
	uint64_t sector;
	uint32_t nsec, flags;

	if (c->out_len - BLK_HDR_SIZE != BLK_SEG_SIZE) /* max_*_seg is 1 */
		return VIRTIO_BLK_S_UNSUPP;
	vq_iov_read(c->iov, c->nout, BLK_HDR_SIZE, seg, sizeof(seg));
	memcpy(&sector, seg, 8);
	memcpy(&nsec, seg + 8, 4);
	memcpy(&flags, seg + 12, 4);
	sector = le64toh(sector);
	nsec = le32toh(nsec);
	flags = le32toh(flags);
	if (flags & ~VIRTIO_BLK_WZ_F_UNMAP)
		return VIRTIO_BLK_S_UNSUPP;
	if (r->type == VIRTIO_BLK_T_DISCARD && flags)
		return VIRTIO_BLK_S_UNSUPP; /* spec 5.2.6.2 */
	if (b->info->ro || nsec > BLK_MAX_ZERO_SECTORS ||
	    !blk_range_ok(b, sector, (uint64_t)nsec * DISK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	r->dr.op = r->type == VIRTIO_BLK_T_DISCARD ? DISK_DISCARD : DISK_WRITE_ZEROES;
	r->dr.flags = flags & VIRTIO_BLK_WZ_F_UNMAP ? DISK_F_UNMAP : 0;
	r->dr.offset = sector * DISK_SECTOR;
	r->dr.len = (uint64_t)nsec * DISK_SECTOR;
	return VIRTIO_BLK_S_OK;
}

/* READ / WRITE: the data segments. Returns a status (OK: r->dr filled in). */
static uint8_t blk_parse_rw(struct virtio_blk *b, struct vq_chain *c, struct blk_req *r,
			    uint64_t sector)
{
	int n;

	if (r->type == VIRTIO_BLK_T_IN)
		n = iov_sub(c->iov + c->nout, c->nin, 0, 1, r->iov, VIRTIO_BLK_SEG_MAX,
			    &r->dr.len);
	else
		n = iov_sub(c->iov, c->nout, BLK_HDR_SIZE, 0, r->iov, VIRTIO_BLK_SEG_MAX,
			    &r->dr.len);
	if (n < 0 || r->dr.len % DISK_SECTOR || !blk_range_ok(b, sector, r->dr.len))
		return VIRTIO_BLK_S_IOERR;
	if (r->type == VIRTIO_BLK_T_OUT && b->info->ro)
		return VIRTIO_BLK_S_IOERR;
	r->dr.op = r->type == VIRTIO_BLK_T_IN ? DISK_READ : DISK_WRITE;
	r->dr.flags = 0;
	r->dr.offset = sector * DISK_SECTOR;
	r->dr.iov = r->iov;
	r->dr.iovcnt = (unsigned int)n;
	return VIRTIO_BLK_S_OK;
}

/*
 * GET_ID: the serial, up to 20 bytes (NUL-padded), into the data buffers.
 * Returns the bytes written, or -1 when the data buffers are more than
 * SEG_MAX segments (IOERR, as for a READ of that shape).
 */
static int blk_get_id(struct virtio_blk *b, struct vq_chain *c)
{
	struct iovec out[VIRTIO_BLK_SEG_MAX];
	uint64_t room;
	size_t done = 0, k;
	int n, i;

	n = iov_sub(c->iov + c->nout, c->nin, 0, 1, out, VIRTIO_BLK_SEG_MAX, &room);
	if (n < 0)
		return -1;
	for (i = 0; i < n && done < DISK_SERIAL_LEN; i++) {
		k = out[i].iov_len < DISK_SERIAL_LEN - done ? out[i].iov_len :
							      DISK_SERIAL_LEN - done;
		memcpy(out[i].iov_base, b->serial + done, k);
		done += k;
	}
	return (int)done;
}

/* One popped chain: answer it now, or hand it to the disk. */
static void blk_handle(struct blk_queue *bq, struct vq_chain *c)
{
	struct virtio_blk *b = bq->blk;
	const struct iovec *last;
	uint8_t hdr[BLK_HDR_SIZE], st, *status;
	uint64_t sector;
	uint32_t type;
	struct blk_req *r;

	if (!c->nin) {
		blk_guest_error(bq, "block request without a status byte");
		return;
	}
	/* The walker drops empty buffers, so the last one holds the byte. */
	last = &c->iov[c->nout + c->nin - 1];
	status = (uint8_t *)last->iov_base + last->iov_len - 1;
	if (vq_iov_read(c->iov, c->nout, 0, hdr, sizeof(hdr)) < sizeof(hdr)) {
		blk_finish(bq, c->head, status, VIRTIO_BLK_S_UNSUPP, 0);
		return;
	}
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = le32toh(type);
	sector = le64toh(sector);

	switch (type) {
	case VIRTIO_BLK_T_GET_ID: {
		int n = blk_get_id(b, c);

		blk_count(&b->n.get_ids, 1);
		if (n < 0)
			blk_finish(bq, c->head, status, VIRTIO_BLK_S_IOERR, 0);
		else
			blk_finish(bq, c->head, status, VIRTIO_BLK_S_OK, (uint32_t)n);
		return;
	}
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
	case VIRTIO_BLK_T_FLUSH:
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		break;
	default:
		blk_finish(bq, c->head, status, VIRTIO_BLK_S_UNSUPP, 0);
		return;
	}

	r = blk_req_get(bq);
	if (!r) {
		blk_finish(bq, c->head, status, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	r->head = c->head;
	r->type = type;
	r->status = status;
	memset(&r->dr, 0, sizeof(r->dr));
	if (type == VIRTIO_BLK_T_FLUSH) {
		r->dr.op = DISK_FLUSH;
		st = VIRTIO_BLK_S_OK;
	} else if (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT) {
		st = blk_parse_rw(b, c, r, sector);
	} else {
		st = blk_parse_zero(b, c, r);
	}
	if (st != VIRTIO_BLK_S_OK) {
		blk_finish(bq, c->head, status, st, 0);
		blk_req_put(bq, r);
		return;
	}
	bq->inflight++;
	disk_submit(bq->dq, &r->dr);
}

/*
 * Complete what the disk finished (wait: at least one request, if any is
 * in flight). Returns whether anything was pushed.
 */
static bool blk_reap_wait(struct blk_queue *bq, bool wait)
{
	struct virtio_blk *b = bq->blk;
	struct disk_req *dr, *next;
	bool pushed = false;

	for (dr = disk_reap(bq->dq, wait); dr; dr = next) {
		struct blk_req *r = (struct blk_req *)dr;
		uint32_t data = 0;

		next = dr->next;
		bq->inflight--;
		if (!bq->broken) {
			if (!dr->result) {
				switch (dr->op) {
				case DISK_READ:
					blk_count(&b->n.reads, 1);
					blk_count(&b->n.bytes_read, dr->len);
					data = (uint32_t)dr->len;
					break;
				case DISK_WRITE:
					blk_count(&b->n.writes, 1);
					blk_count(&b->n.bytes_written, dr->len);
					break;
				case DISK_FLUSH:
					blk_count(&b->n.flushes, 1);
					break;
				case DISK_DISCARD:
					blk_count(&b->n.discards, 1);
					break;
				case DISK_WRITE_ZEROES:
					blk_count(&b->n.write_zeroes, 1);
					break;
				}
			}
			blk_finish(bq, r->head, r->status,
				   dr->result ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, data);
			pushed = true;
		}
		blk_req_put(bq, r);
	}
	return pushed;
}

static bool blk_reap(struct blk_queue *bq)
{
	return blk_reap_wait(bq, false);
}

enum blk_pop {
	BLK_POP_EMPTY,  /* the avail ring is empty (or the queue broke) */
	BLK_POP_FULL,   /* every request slot is taken: completions wake us */
	BLK_POP_BUDGET, /* the batch's budget is spent, or a stop or pause wants the thread */
};

/* Whether the thread must end its batch now: reset, teardown or pause. */
static bool blk_yield(struct blk_queue *bq)
{
	return atomic_load_explicit(&bq->blk->stopping, memory_order_relaxed) ||
	       dev_gate_closing(bq->blk->gate);
}

/*
 * Pop and submit available chains, at most *budget of them. A guest can
 * make the ring refill itself as fast as the device reads (a READ whose
 * data lands on the avail ring and the next request's header), so the
 * budget, not the ring running dry, is what bounds a batch.
 */
static enum blk_pop blk_pop_all(struct blk_queue *bq, bool *pushed, unsigned int *budget)
{
	const char *why;
	int ret;

	while (!bq->broken) {
		if (!*budget || blk_yield(bq))
			return BLK_POP_BUDGET;
		if (bq->inflight >= VIRTIO_BLK_QUEUE_MAX) {
			disk_commit(bq->dq);
			*pushed |= blk_reap(bq);
			if (bq->inflight >= VIRTIO_BLK_QUEUE_MAX)
				return BLK_POP_FULL;
		}
		ret = vq_pop(bq->vq, bq->chain, &why);
		if (ret == VQ_EMPTY)
			break;
		if (ret == VQ_ERR) {
			blk_guest_error(bq, why);
			break;
		}
		(*budget)--;
		blk_handle(bq, bq->chain);
	}
	return BLK_POP_EMPTY;
}

/*
 * One bounded batch when woken: at most BLK_BATCH chains, one interrupt.
 * Returns true when chains may be left (budget spent, or a stop or pause
 * came): kicks then stay off and the thread must call again without
 * waiting for one, after checking for stop and passing the pause gate.
 */
static bool blk_work(struct blk_queue *bq)
{
	unsigned int budget = BLK_BATCH;
	bool pushed = false, again = false;
	enum blk_pop pop;

	do {
		pushed |= blk_reap(bq);
		if (bq->broken)
			break;
		vq_notify_enable(bq->vq, false);
		pop = blk_pop_all(bq, &pushed, &budget);
		disk_commit(bq->dq);
		pushed |= blk_reap(bq);
		/* Out of slots: leave kicks off, the completions will wake us. */
		if (pop == BLK_POP_FULL || bq->broken)
			break;
		if (pop == BLK_POP_BUDGET) {
			again = true;
			break;
		}
	} while (vq_notify_enable(bq->vq, true));
	/*
	 * Requests answered without the disk (GET_ID, errors) are used buffers
	 * too: a batch of only those must still interrupt the guest.
	 */
	if (pushed || bq->answered)
		virtio_irq_used(bq->blk->irq, bq->index);
	bq->answered = false;
	return again;
}

/*
 * Pause: complete every request in flight (the kernel may still be writing
 * guest memory for it) before the thread leaves the gate, so nothing of
 * this queue touches guest memory until resume.
 */
static void blk_quiesce(struct blk_queue *bq)
{
	bool pushed = false;

	disk_commit(bq->dq);
	while (disk_inflight(bq->dq))
		pushed |= blk_reap_wait(bq, true);
	if (pushed)
		virtio_irq_used(bq->blk->irq, bq->index);
}

static void *blk_thread(void *arg)
{
	struct blk_queue *bq = arg;
	struct virtio_blk *b = bq->blk;
	struct pollfd pfd[3] = {
		{ .fd = b->stop_fd, .events = POLLIN },
		{ .fd = bq->kick_fd, .events = POLLIN },
		{ .fd = disk_queue_fd(bq->dq), .events = POLLIN }, /* -1: ignored */
	};
	struct disk_req *dr, *next;
	/* The driver may have queued requests before DRIVER_OK. */
	bool again = true;
	uint64_t cnt;

	while (!atomic_load(&b->stopping)) {
		if (poll(pfd, 3, again ? 0 : -1) < 0)
			continue; /* EINTR */
		if (pfd[0].revents)
			break;
		if (pfd[1].revents && read(bq->kick_fd, &cnt, sizeof(cnt)) < 0) {
			/* EAGAIN: someone else drained it */
		}
		if (!dev_gate_enter(b->gate, &b->stopping))
			break;
		again = blk_work(bq);
		if (dev_gate_closing(b->gate))
			blk_quiesce(bq);
		dev_gate_leave(b->gate);
	}
	/* Reset or teardown: wait for the kernel to let go of guest memory. */
	disk_commit(bq->dq);
	while (disk_inflight(bq->dq))
		for (dr = disk_reap(bq->dq, true); dr; dr = next) {
			next = dr->next;
			bq->inflight--;
			blk_req_put(bq, (struct blk_req *)dr);
		}
	return NULL;
}

static void blk_reset(void *dev)
{
	struct virtio_blk *b = dev;
	uint64_t one = 1;
	unsigned int i;

	atomic_store(&b->stopping, true);
	if (write(b->stop_fd, &one, sizeof(one)) < 0) {
		/* cannot fail short of a saturated counter, which still wakes */
	}
	/* A thread waiting at a closed pause gate must see the stop too. */
	dev_gate_wake(b->gate);
	for (i = 0; i < b->nqueues; i++) {
		if (!b->q[i].running)
			continue;
		pthread_join(b->q[i].thread, NULL);
		b->q[i].running = false;
	}
	if (read(b->stop_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: not written */
	}
	atomic_store(&b->stopping, false);
}

static int blk_activate(void *dev, const struct virtio_activation *a)
{
	struct virtio_blk *b = dev;
	unsigned int i;
	char name[32];

	b->irq = a->irq;
	b->gate = a->gate;
	for (i = 0; i < b->nqueues; i++) {
		struct blk_queue *bq = &b->q[i];

		bq->vq = i < a->nqueues ? a->queues[i].vq : NULL;
		bq->kick_fd = i < a->nqueues ? a->queues[i].kick_fd : -1;
		bq->broken = false;
		/* Drivers may use fewer queues than offered (fewer vCPUs). */
		if (!bq->vq || !bq->vq->ready)
			continue;
		snprintf(name, sizeof(name), "blk%u-q%u", b->index, i);
		if (dev_thread_start(&bq->thread, name, blk_thread, bq)) {
			/* The transport calls blk_reset() at the reset to come. */
			log_error("disk %s: cannot start its I/O thread", b->info->path);
			return -1;
		}
		bq->running = true;
	}
	return 0;
}

static uint64_t blk_features(void *dev)
{
	struct virtio_blk *b = dev;

	return b->features;
}

static void blk_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct virtio_blk *b = dev;

	/* Beyond the fields: zeroes (the transport cleared data). */
	if (off >= CFG_SIZE)
		return;
	memcpy(data, b->config + off, len < CFG_SIZE - off ? len : CFG_SIZE - off);
}

static void blk_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	/* Only writeback is writable, and only with CONFIG_WCE: not offered. */
	(void)dev;
	(void)off;
	(void)data;
	(void)len;
}

const struct virtio_dev_ops virtio_blk_dev_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.features = blk_features,
	.config_read = blk_config_read,
	.config_write = blk_config_write,
	.activate = blk_activate,
	.reset = blk_reset,
};

static void cfg_put32(uint8_t *cfg, unsigned int off, uint32_t v)
{
	v = htole32(v);
	memcpy(cfg + off, &v, 4);
}

static void blk_build_config(struct virtio_blk *b)
{
	const struct disk_info *in = b->info;
	uint64_t cap = htole64(in->size / DISK_SECTOR);
	uint16_t nq = htole16((uint16_t)b->nqueues);
	uint32_t align = in->discard_align / DISK_SECTOR;

	b->features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
		      1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_MQ;
	if (in->ro)
		b->features |= 1ull << VIRTIO_BLK_F_RO;
	else
		b->features |= 1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;

	memcpy(b->config + CFG_CAPACITY, &cap, 8);
	cfg_put32(b->config, CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX);
	cfg_put32(b->config, CFG_BLK_SIZE, in->block_size);
	memcpy(b->config + CFG_NUM_QUEUES, &nq, 2);
	cfg_put32(b->config, CFG_MAX_DISCARD_SECTORS, BLK_MAX_ZERO_SECTORS);
	cfg_put32(b->config, CFG_MAX_DISCARD_SEG, 1);
	cfg_put32(b->config, CFG_DISCARD_ALIGN, align ? align : 1);
	cfg_put32(b->config, CFG_MAX_WZ_SECTORS, BLK_MAX_ZERO_SECTORS);
	cfg_put32(b->config, CFG_MAX_WZ_SEG, 1);
	b->config[CFG_WZ_MAY_UNMAP] = 1;
}

int virtio_blk_new(const struct disk_opts *o, unsigned int index, unsigned int default_queues,
		   struct virtio_blk **out)
{
	struct virtio_blk *b;
	unsigned int i;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b) {
		log_errno("disk %s", o->path);
		return VMM_ERR_HOST;
	}
	b->stop_fd = -1;
	ret = disk_open(o, &b->disk);
	if (ret) {
		free(b);
		return ret;
	}
	b->info = disk_get_info(b->disk);
	b->index = index;
	b->nqueues = o->queues ? o->queues : default_queues;
	if (b->nqueues < 1)
		b->nqueues = 1;
	if (b->nqueues > DISK_MAX_QUEUES)
		b->nqueues = DISK_MAX_QUEUES;
	memcpy(b->serial, o->serial, DISK_SERIAL_LEN);
	b->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->stop_fd < 0)
		goto fail;
	for (i = 0; i < b->nqueues; i++) {
		struct blk_queue *bq = &b->q[i];

		bq->blk = b;
		bq->index = i;
		bq->kick_fd = -1;
		bq->chain = malloc(sizeof(*bq->chain));
		if (!bq->chain)
			goto fail;
		/* Later queues start where the first one ended up. */
		ret = disk_queue_new(b->disk, VIRTIO_BLK_QUEUE_MAX,
				     i ? disk_queue_backend(b->q[0].dq) : o->io, &bq->dq);
		if (ret) {
			virtio_blk_free(b);
			return ret;
		}
	}
	blk_build_config(b);
	*out = b;
	return 0;
fail:
	log_errno("disk %s: cannot set up its I/O", o->path);
	virtio_blk_free(b);
	return VMM_ERR_HOST;
}

unsigned int virtio_blk_num_queues(const struct virtio_blk *b)
{
	return b->nqueues;
}

enum disk_io virtio_blk_backend(const struct virtio_blk *b)
{
	return disk_queue_backend(b->q[0].dq);
}

const struct disk *virtio_blk_disk(const struct virtio_blk *b)
{
	return b->disk;
}

void virtio_blk_free(struct virtio_blk *b)
{
	struct blk_req *r;
	unsigned int i;

	if (!b)
		return;
	if (b->stop_fd >= 0)
		blk_reset(b);
	for (i = 0; i < b->nqueues; i++) {
		struct blk_queue *bq = &b->q[i];

		disk_queue_free(bq->dq);
		while ((r = bq->free)) {
			bq->free = r->next_free;
			free(r);
		}
		free(bq->chain);
	}
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	disk_close(b->disk);
	free(b);
}

void virtio_blk_get_stats(const struct virtio_blk *b, struct virtio_blk_stats *out)
{
	const struct blk_counters *n = &b->n;

	out->requests = atomic_load_explicit(&n->requests, memory_order_relaxed);
	out->reads = atomic_load_explicit(&n->reads, memory_order_relaxed);
	out->writes = atomic_load_explicit(&n->writes, memory_order_relaxed);
	out->flushes = atomic_load_explicit(&n->flushes, memory_order_relaxed);
	out->discards = atomic_load_explicit(&n->discards, memory_order_relaxed);
	out->write_zeroes = atomic_load_explicit(&n->write_zeroes, memory_order_relaxed);
	out->get_ids = atomic_load_explicit(&n->get_ids, memory_order_relaxed);
	out->bytes_read = atomic_load_explicit(&n->bytes_read, memory_order_relaxed);
	out->bytes_written = atomic_load_explicit(&n->bytes_written, memory_order_relaxed);
	out->io_errors = atomic_load_explicit(&n->io_errors, memory_order_relaxed);
	out->unsupported = atomic_load_explicit(&n->unsupported, memory_order_relaxed);
}
