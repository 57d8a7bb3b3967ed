/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FUZZ_VIRTIO_H
#define VMM_TESTS_FUZZ_VIRTIO_H

/*
 * A virtio device behind the real virtio-mmio transport, its I/O threads
 * running, and a fake driver whose guest RAM comes from the fuzz input
 * (the device-request targets fuzz_virtio_blk/net/console and the register
 * target fuzz_virtio_mmio). The device and transport are made once per
 * process; each input starts with a reset (Status = 0) and ends with one,
 * which joins the device's threads, so inputs do not see each other's
 * queues.
 *
 * Guest RAM: queue q's descriptor table at fv_qbase(q), its avail ring a
 * page above, its used ring two pages above; a data region FV_DATA of
 * FV_DATA_SIZE bytes that the input fills and descriptors point into.
 *
 * Request input (fv_requests):
 *   u64       driver features (ANDed with the offer; VERSION_1 always)
 *   u16 n, n bytes   copied to the start of the data region
 *   then rounds, each:
 *     u8 op   bits 0-2 queue (mod nq); bits 3-5 descriptors - 1;
 *             bit 6 kick; bit 7 the target's host event first
 *     per descriptor: u16 offset into the data region, u16 len, u8 flags
 *       (bit 0 WRITE, bit 1 INDIRECT, bit 2 take `next` from the next byte
 *       instead of chaining to the following one, bit 3 a raw 64-bit
 *       address from the input instead of the offset, bit 4 len is a
 *       whole u32 from the input)
 *   after a kick the round waits (bounded) for the device to use every
 *   posted chain, or to ask for a reset.
 */
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "virtio_mmio.h"

#define FV_RAM_BASE 0x40000000ull
#define FV_RAM_SIZE (1ull << 20)
#define FV_QSIZE 16
#define FV_MAXQ 4
#define FV_DATA (FV_RAM_BASE + 0x40000)
#define FV_DATA_SIZE 0x40000ull

#define FV_DESC_F_NEXT 1
#define FV_DESC_F_WRITE 2
#define FV_DESC_F_INDIRECT 4

/* Transport registers (spec 4.2.2). */
#define FV_DEV_FEAT 0x010
#define FV_DEV_FEAT_SEL 0x014
#define FV_DRV_FEAT 0x020
#define FV_DRV_FEAT_SEL 0x024
#define FV_QUEUE_SEL 0x030
#define FV_QUEUE_NUM 0x038
#define FV_QUEUE_READY 0x044
#define FV_QUEUE_NOTIFY 0x050
#define FV_INT_STATUS 0x060
#define FV_INT_ACK 0x064
#define FV_STATUS 0x070
#define FV_Q_DESC_LO 0x080
#define FV_Q_DRIVER_LO 0x090
#define FV_Q_DEVICE_LO 0x0a0

struct fv {
	struct guest_mem gm;
	struct irq_line irq;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[FV_MAXQ], next_desc[FV_MAXQ];
	atomic_int pulses;
	void (*host)(struct fv *v, struct fz *f); /* the target's host event, may be NULL */
	void (*after)(struct fv *v);              /* after each round, may be NULL */
};

struct fv_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static __attribute__((unused)) void fv_pulse(struct irq_line *line)
{
	struct fv *v = line->ctx;

	atomic_fetch_add(&v->pulses, 1);
}

static __attribute__((unused)) uint32_t fv_rd(struct fv *v, uint64_t off)
{
	uint32_t x = 0;

	virtio_mmio_ops.read(v->t, off, &x, 4);
	return x;
}

static __attribute__((unused)) void fv_wr(struct fv *v, uint64_t off, uint32_t x)
{
	virtio_mmio_ops.write(v->t, off, &x, 4);
}

static __attribute__((unused)) uint64_t fv_qbase(unsigned int q)
{
	return FV_RAM_BASE + q * 0x4000ull;
}

static __attribute__((unused)) void *fv_ram(struct fv *v, uint64_t gpa, uint64_t len)
{
	void *p = gm_ptr(&v->gm, gpa, len);

	if (!p)
		abort();
	return p;
}

/* Guest RAM and the transport over dev; the caller made dev. */
static __attribute__((unused)) void fv_new(struct fv *v, const struct virtio_dev_ops *ops,
					   void *dev, unsigned int nq, uint16_t qmax)
{
	if (nq > FV_MAXQ || gm_init(&v->gm, FV_RAM_BASE, FV_RAM_SIZE))
		abort();
	v->nq = nq;
	v->irq.pulse = fv_pulse;
	v->irq.ctx = v;
	v->irq.fd = -1;
	if (virtio_mmio_new(ops, dev, nq, qmax, &v->irq, &v->gm, NULL, "fuzz", &v->t))
		abort();
}

/* Reset, fresh rings, negotiate features, set up every queue, DRIVER_OK. */
static __attribute__((unused)) void fv_init(struct fv *v, uint64_t want)
{
	uint64_t feat;
	unsigned int q;

	fv_wr(v, FV_STATUS, 0);
	memset(fv_ram(v, FV_RAM_BASE, FV_DATA - FV_RAM_BASE), 0, FV_DATA - FV_RAM_BASE);
	memset(v->avail_idx, 0, sizeof(v->avail_idx));
	memset(v->next_desc, 0, sizeof(v->next_desc));
	fv_wr(v, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	fv_wr(v, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fv_wr(v, FV_DEV_FEAT_SEL, 0);
	feat = fv_rd(v, FV_DEV_FEAT);
	fv_wr(v, FV_DEV_FEAT_SEL, 1);
	feat |= (uint64_t)fv_rd(v, FV_DEV_FEAT) << 32;
	feat &= want | 1ull << VIRTIO_F_VERSION_1;
	fv_wr(v, FV_DRV_FEAT_SEL, 0);
	fv_wr(v, FV_DRV_FEAT, (uint32_t)feat);
	fv_wr(v, FV_DRV_FEAT_SEL, 1);
	fv_wr(v, FV_DRV_FEAT, (uint32_t)(feat >> 32));
	fv_wr(v, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				    VIRTIO_STATUS_FEATURES_OK);
	for (q = 0; q < v->nq; q++) {
		fv_wr(v, FV_QUEUE_SEL, q);
		fv_wr(v, FV_QUEUE_NUM, FV_QSIZE);
		fv_wr(v, FV_Q_DESC_LO, (uint32_t)fv_qbase(q));
		fv_wr(v, FV_Q_DRIVER_LO, (uint32_t)(fv_qbase(q) + 0x1000));
		fv_wr(v, FV_Q_DEVICE_LO, (uint32_t)(fv_qbase(q) + 0x2000));
		fv_wr(v, FV_QUEUE_READY, 1);
	}
	fv_wr(v, FV_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				    VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

/* Decode one chain of ndesc descriptors from the input onto queue q's avail ring. */
static __attribute__((unused)) void fv_post(struct fv *v, struct fz *f, unsigned int q,
					    unsigned int ndesc)
{
	struct fv_desc *table = fv_ram(v, fv_qbase(q), FV_QSIZE * sizeof(struct fv_desc));
	uint16_t *avail = fv_ram(v, fv_qbase(q) + 0x1000, 4 + 2 * FV_QSIZE);
	uint16_t head = v->next_desc[q];
	unsigned int i;

	for (i = 0; i < ndesc; i++) {
		uint16_t d = (uint16_t)((head + i) % FV_QSIZE);
		uint16_t off = fz_u16(f);
		uint32_t len = fz_u16(f);
		uint8_t fl = fz_u8(f);
		struct fv_desc e;

		e.addr = FV_DATA + off % FV_DATA_SIZE;
		e.flags = (uint16_t)(((fl & 1) ? FV_DESC_F_WRITE : 0) |
				     ((fl & 2) ? FV_DESC_F_INDIRECT : 0) |
				     (i + 1 < ndesc ? FV_DESC_F_NEXT : 0));
		e.next = (uint16_t)((d + 1) % FV_QSIZE);
		if (fl & 4)
			e.next = fz_u8(f);
		if (fl & 8)
			e.addr = fz_u64(f);
		if (fl & 16)
			len = fz_u32(f);
		e.len = len;
		memcpy(&table[d], &e, sizeof(e));
	}
	v->next_desc[q] = (uint16_t)((head + ndesc) % FV_QSIZE);
	avail[2 + v->avail_idx[q] % FV_QSIZE] = head;
	v->avail_idx[q]++;
	__atomic_store_n(&avail[1], v->avail_idx[q], __ATOMIC_RELEASE);
}

static __attribute__((unused)) void fv_sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/* Wait (bounded, a few ms) until queue q used all posted chains or the device gave up. */
static __attribute__((unused)) void fv_wait(struct fv *v, unsigned int q)
{
	uint16_t *used = fv_ram(v, fv_qbase(q) + 0x2000, 4);
	int i;

	for (i = 0; i < 100; i++) {
		if (__atomic_load_n(&used[1], __ATOMIC_ACQUIRE) == v->avail_idx[q] ||
		    (fv_rd(v, FV_STATUS) & VIRTIO_STATUS_NEEDS_RESET))
			return;
		fv_sleep_us(20);
	}
}

static __attribute__((unused)) void fv_requests(struct fv *v, struct fz *f)
{
	uint64_t want = fz_u64(f);
	uint16_t n = fz_u16(f);

	fv_init(v, want);
	memset(fv_ram(v, FV_DATA, FV_DATA_SIZE), 0, FV_DATA_SIZE);
	fz_bytes(f, fv_ram(v, FV_DATA, n), n);
	while (fz_left(f)) {
		uint8_t op = fz_u8(f);
		unsigned int q = (op & 7) % v->nq;

		if ((op & 0x80) && v->host)
			v->host(v, f);
		fv_post(v, f, q, ((op >> 3) & 7) + 1u);
		if (op & 0x40) {
			fv_wr(v, FV_QUEUE_NOTIFY, q);
			fv_wait(v, q);
		}
		if (v->after)
			v->after(v);
	}
	/* Read the interrupt state like a driver, then reset during whatever is left. */
	fv_wr(v, FV_INT_ACK, fv_rd(v, FV_INT_STATUS));
	fv_wr(v, FV_STATUS, 0);
}

#endif
