/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VIRTQUEUE_H
#define VMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest_mem.h"

/*
 * Split virtqueues (virtio 1.x, section 2.7) and the one bounded descriptor
 * walker every virtio device uses.
 *
 * The guest is hostile. Every descriptor table, ring and buffer is reached
 * through gm_ptr() as a whole range; a chain visits at most `size`
 * descriptors (an indirect table, which may end a direct chain: at most
 * len/16 <= VQ_MAX_SIZE, no nesting), so loops end; device-readable buffers
 * must precede device-writable ones. A chain that breaks a rule is a guest
 * error: vq_pop() returns VQ_ERR and the queue is marked broken
 * (q->broken), after which it yields nothing until vq_reset(). The device
 * then sets DEVICE_NEEDS_RESET and logs once.
 *
 * Locking: a queue belongs to one thread at a time (its device's I/O
 * thread, or the vCPU thread handling a register write with the device's
 * lock held). Nothing here locks.
 */

#define VQ_MAX_SIZE 32768
#define VQ_MAX_IOV 1024 /* segments one chain can map (SEG_MAX + 2 for blk) */

/* Feature bits the walker implements (the device offers them). */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

struct virtqueue {
	/* Set by the transport from the driver's writes. */
	uint16_t size;          /* QueueNum: a power of 2, at most the max */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx;         /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;          /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	const struct guest_mem *gm;

	/* Walker state. */
	bool ready;             /* vq_start() checked the rings */
	bool broken;            /* a guest error was seen; stop until reset */
	uint16_t last_avail;    /* next avail ring entry to take */
	uint16_t used_idx;      /* next used ring entry to fill */
	uint16_t signalled_used;/* used_idx when the guest was last notified */
	bool signalled_valid;
	void *desc, *avail, *used; /* host pointers, valid once ready */
};

/* One request: the guest's buffers, device-readable ones first. */
struct vq_chain {
	uint16_t head;          /* what vq_push() gives back */
	unsigned int nout;      /* iov[0 .. nout): the device reads these */
	unsigned int nin;       /* iov[nout .. nout + nin): the device writes these */
	uint32_t out_len, in_len; /* bytes in each group */
	struct iovec iov[VQ_MAX_IOV];
};

enum {
	VQ_EMPTY = 0,
	VQ_OK = 1,
	VQ_ERR = -1,
};

/*
 * vq_start - validate the queue the driver set up (size a power of 2 up to
 * max_size, the three areas aligned and wholly in RAM) and make it ready.
 * Returns 0, or -1 with *why set to a static phrase for the log.
 */
int vq_start(struct virtqueue *q, uint16_t max_size, const char **why);

/*
 * vq_reset - back to the state before the driver set the queue up: every
 * field zeroed (not ready, not broken, size and addresses 0) except q->gm,
 * which belongs to the device, not the driver. Touches no guest memory.
 */
void vq_reset(struct virtqueue *q);

/*
 * vq_pop - take the next available chain into c. Returns VQ_OK, VQ_EMPTY,
 * or VQ_ERR (with *why set to a static phrase; the queue is then broken and
 * c's contents are meaningless). A queue that is not ready gives VQ_EMPTY; a
 * broken one gives VQ_ERR again without reading guest memory. On VQ_OK
 * every iov lies wholly in guest RAM, none is empty (zero-length buffers
 * are skipped), and out_len + in_len fits in 32 bits. No allocation, no
 * system call.
 */
int vq_pop(struct virtqueue *q, struct vq_chain *c, const char **why);

/*
 * vq_push - return chain head to the driver with `written` bytes written
 * into its device-writable buffers. Publishes the used entry before the
 * index (release ordering). Does nothing on a queue that is not ready or
 * is broken (the device is about to be reset anyway).
 */
void vq_push(struct virtqueue *q, uint16_t head, uint32_t written);

/*
 * vq_should_notify - after one or more vq_push(), whether the driver wants an
 * interrupt now (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX).
 * Updates the bookkeeping, so call it once per batch. With EVENT_IDX the
 * first call after vq_start() always says yes. False on a queue that is not
 * ready or is broken.
 */
bool vq_should_notify(struct virtqueue *q);

/*
 * vq_notify_enable - tell the driver whether the device wants kicks
 * (VIRTQ_USED_F_NO_NOTIFY, or avail_event with EVENT_IDX). After enabling,
 * returns true if buffers arrived meanwhile (the caller must pop again
 * before sleeping, or a kick can be lost). Returns false when disabling,
 * and does nothing on a queue that is not ready or is broken.
 */
bool vq_notify_enable(struct virtqueue *q, bool enable);

/*
 * vq_iov_read - copy up to len bytes starting at byte off of iov[0..cnt)
 * into buf; vq_iov_write - copy up to len bytes of buf to byte off of
 * iov[0..cnt). Both return the count copied (less when the buffers end
 * first). For a chain's device-readable (iov, nout) or device-writable
 * (iov + nout, nin) part, which vq_pop() checked to lie in guest RAM.
 */
size_t vq_iov_read(const struct iovec *iov, unsigned int cnt, size_t off, void *buf, size_t len);
size_t vq_iov_write(const struct iovec *iov, unsigned int cnt, size_t off, const void *buf,
		    size_t len);

#endif
