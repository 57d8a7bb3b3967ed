// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues (virtio 1.2, section 2.7): the device side.
 *
 * Layout in guest memory, all fields little-endian:
 *   descriptor table  16 bytes per entry: addr le64, len le32, flags le16,
 *                     next le16; 16-byte aligned
 *   avail ring        flags le16, idx le16, ring[size] le16, used_event le16;
 *                     2-byte aligned
 *   used ring         flags le16, idx le16, ring[size] {id le32, len le32},
 *                     avail_event le16; 4-byte aligned
 *
 * Byte order: the host is little-endian (arm64 and x86-64 Linux), so guest
 * fields are used as they are; the static assertion below stops a
 * big-endian build instead of letting it misread every ring.
 *
 * Ordering: the driver runs on other CPUs at the same time. It fills
 * descriptors and ring entries, then (after a write barrier) bumps
 * avail->idx; so avail->idx is read with acquire semantics before anything
 * it publishes. Symmetrically the device fills used entries, then bumps
 * used->idx with release semantics. Notification suppression compares a
 * just-written index with one the other side wrote, which needs store->load
 * ordering: a full (seq_cst) fence sits between them.
 *
 * Descriptors are copied once into a local and only the copy is checked and
 * used, so a driver rewriting a descriptor while we walk it cannot slip a
 * different value past the checks (time-of-check/time-of-use). Indirect
 * tables need not be aligned, hence memcpy rather than atomic loads there.
 */
#include <stddef.h>
#include <string.h>

#include "virtqueue.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "virtqueue.c reads little-endian guest rings in place");

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

#define VQ_DESC_SIZE 16
#define VQ_USED_ELEM_SIZE 8
#define VQ_RING_HDR 4 /* flags + idx, before ring[] in both rings */

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

_Static_assert(sizeof(struct vq_desc) == VQ_DESC_SIZE, "descriptor layout");

/* Bytes of each area for a queue of n entries, event fields included. */
static uint64_t vq_desc_bytes(uint32_t n)
{
	return (uint64_t)n * VQ_DESC_SIZE;
}

static uint64_t vq_avail_bytes(uint32_t n)
{
	return VQ_RING_HDR + (uint64_t)n * 2 + 2;
}

static uint64_t vq_used_bytes(uint32_t n)
{
	return VQ_RING_HDR + (uint64_t)n * VQ_USED_ELEM_SIZE + 2;
}

static uint16_t *vq_avail_flags(const struct virtqueue *q)
{
	return (uint16_t *)q->avail;
}

static uint16_t *vq_avail_idx(const struct virtqueue *q)
{
	return (uint16_t *)((uint8_t *)q->avail + 2);
}

static uint16_t *vq_avail_ring(const struct virtqueue *q)
{
	return (uint16_t *)((uint8_t *)q->avail + VQ_RING_HDR);
}

static uint16_t *vq_used_event(const struct virtqueue *q)
{
	return vq_avail_ring(q) + q->size;
}

static uint16_t *vq_used_flags(const struct virtqueue *q)
{
	return (uint16_t *)q->used;
}

static uint16_t *vq_used_idx(const struct virtqueue *q)
{
	return (uint16_t *)((uint8_t *)q->used + 2);
}

static uint32_t *vq_used_elem(const struct virtqueue *q, uint16_t slot)
{
	return (uint32_t *)((uint8_t *)q->used + VQ_RING_HDR + (size_t)slot * VQ_USED_ELEM_SIZE);
}

static uint16_t *vq_avail_event(const struct virtqueue *q)
{
	return (uint16_t *)((uint8_t *)q->used + VQ_RING_HDR + (size_t)q->size * VQ_USED_ELEM_SIZE);
}

static void vq_read_desc(const uint8_t *table, uint32_t i, struct vq_desc *d)
{
	memcpy(d, table + (size_t)i * VQ_DESC_SIZE, sizeof(*d));
	/*
	 * Compiler barrier: every later use must be of this copy, never a
	 * fresh load from guest memory the driver may have changed since.
	 */
	__asm__ __volatile__("" ::: "memory");
}

static int vq_fail(struct virtqueue *q, const char **why, const char *msg)
{
	q->broken = true;
	if (why)
		*why = msg;
	return VQ_ERR;
}

int vq_start(struct virtqueue *q, uint16_t max_size, const char **why)
{
	void *desc, *avail, *used;

	q->ready = false;
	if (!q->gm) {
		*why = "queue has no guest memory";
		return -1;
	}
	if (!q->size || (q->size & (q->size - 1)) || q->size > max_size || q->size > VQ_MAX_SIZE) {
		*why = "queue size not a power of 2 within the maximum";
		return -1;
	}
	if (q->desc_gpa % 16 || q->avail_gpa % 2 || q->used_gpa % 4) {
		*why = "queue ring misaligned";
		return -1;
	}
	desc = gm_ptr(q->gm, q->desc_gpa, vq_desc_bytes(q->size));
	avail = gm_ptr(q->gm, q->avail_gpa, vq_avail_bytes(q->size));
	used = gm_ptr(q->gm, q->used_gpa, vq_used_bytes(q->size));
	if (!desc || !avail || !used) {
		*why = "queue ring outside guest RAM";
		return -1;
	}
	/*
	 * Guest RAM's host mapping is page aligned and so is its guest base,
	 * so the host pointers keep the guest alignment checked above and
	 * the 2- and 4-byte ring fields can be accessed atomically.
	 */
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	/* Both rings' indices start at 0 when the driver makes a queue ready. */
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled_used = 0;
	q->signalled_valid = false;
	q->broken = false;
	q->ready = true;
	return 0;
}

void vq_reset(struct virtqueue *q)
{
	const struct guest_mem *gm = q->gm;

	memset(q, 0, sizeof(*q));
	q->gm = gm;
}

/* A chain's buffers go into c in order; readable ones must come first. */
struct vq_walk {
	struct virtqueue *q;
	struct vq_chain *c;
	uint64_t total; /* bytes so far, out and in; at most UINT32_MAX */
	bool seen_write;
	bool in_indirect;
};

/* One data descriptor (not INDIRECT): check it and append its buffer. */
static const char *vq_add_buffer(struct vq_walk *w, const struct vq_desc *d)
{
	struct vq_chain *c = w->c;
	void *p;

	/*
	 * Ordering is a property of the descriptors, so it is checked even
	 * for a zero-length one, which is otherwise skipped.
	 */
	if (d->flags & VIRTQ_DESC_F_WRITE)
		w->seen_write = true;
	else if (w->seen_write)
		return "readable buffer after a writable one";
	/*
	 * A zero-length buffer carries nothing and the spec does not forbid
	 * it; it adds no iovec and its address is not looked at, so devices
	 * never see an empty segment.
	 */
	if (!d->len)
		return NULL;
	p = gm_ptr(w->q->gm, d->addr, d->len);
	if (!p)
		return "buffer outside guest RAM";
	if (c->nout + c->nin >= VQ_MAX_IOV)
		return "too many buffers in one chain";
	w->total += d->len;
	if (w->total > UINT32_MAX)
		return "chain longer than 4 GiB";
	c->iov[c->nout + c->nin].iov_base = p;
	c->iov[c->nout + c->nin].iov_len = d->len;
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		c->nin++;
		c->in_len += d->len;
	} else {
		c->nout++;
		c->out_len += d->len;
	}
	return NULL;
}

/*
 * Walk the chain starting at head of the queue's table. The direct part
 * visits at most size descriptors; an INDIRECT descriptor (the spec lets it
 * end a direct chain, not only be the head) switches to its table, whose
 * walk visits at most len/16 entries. Those bounds end every loop.
 */
static const char *vq_walk_chain(struct vq_walk *w, uint16_t head)
{
	struct virtqueue *q = w->q;
	const uint8_t *table = q->desc;
	uint32_t n = q->size, budget = q->size, i = head;
	struct vq_desc d;
	const char *err;

	for (;;) {
		if (!budget--)
			return "descriptor chain loops or is longer than the queue";
		vq_read_desc(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* Its WRITE flag means nothing (2.7.5.3.2). */
			if (w->in_indirect)
				return "nested indirect table";
			if (!q->indirect)
				return "indirect descriptor without the feature";
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return "indirect descriptor with the next flag";
			if (!d.len || d.len % VQ_DESC_SIZE)
				return "indirect table length not a multiple of 16";
			/*
			 * Linux may make a table longer than the queue, so
			 * the bound is the largest queue, not this one.
			 */
			if (d.len / VQ_DESC_SIZE > VQ_MAX_SIZE)
				return "indirect table too long";
			table = gm_ptr(q->gm, d.addr, d.len);
			if (!table)
				return "indirect table outside guest RAM";
			n = budget = d.len / VQ_DESC_SIZE;
			i = 0;
			w->in_indirect = true;
			continue;
		}
		err = vq_add_buffer(w, &d);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return NULL;
		i = d.next;
		if (i >= n)
			return "descriptor index out of range";
	}
}

int vq_pop(struct virtqueue *q, struct vq_chain *c, const char **why)
{
	struct vq_walk w = {.q = q, .c = c};
	uint16_t avail_idx, pending, head;
	const char *err;

	if (q->broken)
		return vq_fail(q, why, "queue is broken until reset");
	if (!q->ready)
		return VQ_EMPTY;
	/* Pairs with the driver's write barrier before it bumps idx. */
	avail_idx = __atomic_load_n(vq_avail_idx(q), __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (!pending)
		return VQ_EMPTY;
	if (pending > q->size)
		return vq_fail(q, why, "avail index jumped");
	head = __atomic_load_n(&vq_avail_ring(q)[q->last_avail & (q->size - 1)], __ATOMIC_RELAXED);
	if (head >= q->size)
		return vq_fail(q, why, "descriptor index out of range");

	c->head = head;
	c->nout = c->nin = 0;
	c->out_len = c->in_len = 0;
	err = vq_walk_chain(&w, head);
	if (err)
		return vq_fail(q, why, err);
	q->last_avail++;
	return VQ_OK;
}

void vq_push(struct virtqueue *q, uint16_t head, uint32_t written)
{
	uint32_t *elem;

	if (!q->ready || q->broken)
		return;
	elem = vq_used_elem(q, q->used_idx & (q->size - 1));
	__atomic_store_n(&elem[0], (uint32_t)head, __ATOMIC_RELAXED);
	__atomic_store_n(&elem[1], written, __ATOMIC_RELAXED);
	q->used_idx++;
	/* The entry must be visible before the index that covers it. */
	__atomic_store_n(vq_used_idx(q), q->used_idx, __ATOMIC_RELEASE);
}

bool vq_should_notify(struct virtqueue *q)
{
	uint16_t old, new, event;
	bool valid;

	if (!q->ready || q->broken)
		return false;
	/*
	 * Our used->idx store must be ordered before the load of the
	 * driver's used_event/flags, or both sides can miss each other's
	 * update and the interrupt is lost (the driver re-checks used->idx
	 * after writing used_event, with its own full barrier).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(__atomic_load_n(vq_avail_flags(q), __ATOMIC_RELAXED) &
			 VIRTQ_AVAIL_F_NO_INTERRUPT);

	old = q->signalled_used;
	valid = q->signalled_valid;
	new = q->used_idx;
	q->signalled_used = new;
	q->signalled_valid = true;
	/* Nothing to compare against yet: notify rather than risk a hang. */
	if (!valid)
		return true;
	event = __atomic_load_n(vq_used_event(q), __ATOMIC_RELAXED);
	/*
	 * Notify iff used_event lies in [old, new): the entry the driver
	 * asked to hear about was written since the last notification.
	 * All in 16-bit arithmetic so it holds across wrap-around.
	 */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

bool vq_notify_enable(struct virtqueue *q, bool enable)
{
	uint16_t avail_idx;

	if (!q->ready || q->broken)
		return false;
	if (!q->event_idx)
		__atomic_store_n(vq_used_flags(q), enable ? 0 : VIRTQ_USED_F_NO_NOTIFY,
				 __ATOMIC_RELAXED);
	else if (enable)
		__atomic_store_n(vq_avail_event(q), q->last_avail, __ATOMIC_RELAXED);
	/*
	 * Disabling with EVENT_IDX writes nothing: avail_event already lags
	 * the driver's index, so it will not kick again until re-enabled
	 * (short of 2^16 more buffers: a spurious kick, which is harmless).
	 */
	if (!enable)
		return false;
	/*
	 * The store above must be visible before we look at avail->idx: a
	 * driver that added buffers before seeing it did not kick, so the
	 * caller must pop again.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail_idx = __atomic_load_n(vq_avail_idx(q), __ATOMIC_ACQUIRE);
	return avail_idx != q->last_avail;
}

/*
 * The part of iov[0..cnt) from byte off on, up to len bytes, one segment
 * at a time: to_iov copies buf into it, else out of it into buf.
 */
static size_t iov_copy(const struct iovec *iov, unsigned int cnt, size_t off, uint8_t *buf,
		       size_t len, bool to_iov)
{
	size_t done = 0, k;
	unsigned int i;

	for (i = 0; i < cnt && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off < len - done ? iov[i].iov_len - off : len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + off, buf + done, k);
		else
			memcpy(buf + done, (const uint8_t *)iov[i].iov_base + off, k);
		done += k;
		off = 0;
	}
	return done;
}

size_t vq_iov_read(const struct iovec *iov, unsigned int cnt, size_t off, void *buf, size_t len)
{
	return iov_copy(iov, cnt, off, buf, len, false);
}

size_t vq_iov_write(const struct iovec *iov, unsigned int cnt, size_t off, const void *buf,
		    size_t len)
{
	/* iov_copy only reads buf when to_iov is set. */
	return iov_copy(iov, cnt, off, (uint8_t *)(uintptr_t)buf, len, true);
}
