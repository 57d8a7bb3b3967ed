// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtio-blk: whole requests through the transport, the
 * virtqueue, the device's I/O threads and each disk backend, with a tiny
 * fake driver writing descriptors and rings into fake guest RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

#include "status.h"
#include "unit.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"

/* virtio-blk (spec 5.2). */
#define F_SEG_MAX (1ull << 2)
#define F_RO (1ull << 5)
#define F_BLK_SIZE (1ull << 6)
#define F_FLUSH (1ull << 9)
#define F_MQ (1ull << 12)
#define F_DISCARD (1ull << 13)
#define F_WRITE_ZEROES (1ull << 14)

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13

#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (8ull << 20)
#define HEAP_BASE (RAM_BASE + (1ull << 20)) /* request buffers from here */
#define QSIZE 64
#define IMG_SIZE (4u << 20)
#define SECTORS (IMG_SIZE / 512)

struct bfx {
	char dir[64], path[128];
	struct guest_mem gm;
	struct irq_line irq;
	atomic_int pulses;
	struct virtio_blk *blk;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[2], used_seen[2], next_desc[2];
	uint64_t heap;
	uint64_t features;
	int fd; /* the image, to check what reached it */
};

#define FAKE_DRIVER_FIXTURE struct bfx
#include "fake_driver.h"

struct param {
	enum disk_io io;
	bool ro, direct;
	unsigned int queues;
	const char *serial;
};

static const struct param p_uring = { .io = DISK_IO_URING, .serial = "SER-123" };
static const struct param p_aio = { .io = DISK_IO_AIO, .serial = "SER-123" };
static const struct param p_sync = { .io = DISK_IO_SYNC, .serial = "SER-123" };
static const struct param p_ro = { .io = DISK_IO_URING, .ro = true };
static const struct param p_direct = { .io = DISK_IO_URING, .direct = true };
static const struct param p_mq = { .io = DISK_IO_URING, .queues = 2 };

static void make_image(const char *path)
{
	uint8_t *buf = malloc(IMG_SIZE);
	size_t i;

	for (i = 0; i < IMG_SIZE; i++)
		buf[i] = (uint8_t)(i / 512 + i % 251);
	unit_write_file(path, buf, IMG_SIZE);
	free(buf);
}

static int setup(void **state)
{
	const struct param *p = *state;
	struct bfx *b = calloc(1, sizeof(*b));
	struct disk_opts o;

	unit_mkdtemp(b->dir, sizeof(b->dir));
	snprintf(b->path, sizeof(b->path), "%s/disk.img", b->dir);
	make_image(b->path);
	b->fd = open(b->path, O_RDONLY);
	assert_true(b->fd >= 0);
	assert_int_equal(gm_init(&b->gm, RAM_BASE, RAM_SIZE), 0);
	b->irq.pulse = fake_pulse;
	b->irq.ctx = b;

	memset(&o, 0, sizeof(o));
	snprintf(o.path, sizeof(o.path), "%s", b->path);
	o.io = p->io;
	o.ro = p->ro;
	o.direct = p->direct;
	o.queues = p->queues;
	if (p->serial)
		snprintf(o.serial, sizeof(o.serial), "%s", p->serial);
	assert_int_equal(virtio_blk_new(&o, 3, 1, &b->blk), 0);
	assert_int_equal(virtio_blk_backend(b->blk), p->io);
	b->nq = virtio_blk_num_queues(b->blk);
	assert_int_equal(virtio_mmio_new(&virtio_blk_dev_ops, b->blk, b->nq, VIRTIO_BLK_QUEUE_MAX,
					 &b->irq, &b->gm, NULL, "disk test", &b->t),
			 0);
	assert_non_null(b->t);
	drv_init(b, ~0ull & ~F_EVENT_IDX);
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct bfx *b = *state;

	virtio_mmio_free(b->t);
	virtio_blk_free(b->blk);
	gm_destroy(&b->gm);
	close(b->fd);
	unit_rmtree(b->dir);
	free(b);
	return 0;
}

struct io {
	uint8_t status;
	uint32_t used_len;
};

/* A request: header, the data segments, and a status byte; waits for it. */
static struct io request(struct bfx *b, unsigned int q, uint32_t type, uint64_t sector,
			 const struct seg *data, unsigned int ndata)
{
	struct seg s[8];
	uint64_t hdr = alloc(b, 16, 16), st = alloc(b, 1, 1);
	uint8_t *h = ram(b, hdr, 16);
	struct io io;
	uint16_t head, got;
	unsigned int i, n = 0;

	memcpy(h, &type, 4);
	memset(h + 4, 0, 4);
	memcpy(h + 8, &sector, 8);
	*(uint8_t *)ram(b, st, 1) = 0xee;
	s[n++] = (struct seg){ hdr, 16, false };
	for (i = 0; i < ndata; i++)
		s[n++] = data[i];
	s[n++] = (struct seg){ st, 1, true };
	head = post(b, q, s, n);
	kick(b, q);
	assert_true(wait_used(b, q, &got, &io.used_len));
	assert_int_equal(got, head);
	io.status = *(uint8_t *)ram(b, st, 1);
	return io;
}

static struct io rw(struct bfx *b, unsigned int q, uint32_t type, uint64_t sector, uint64_t gpa,
		    uint32_t len)
{
	struct seg d = { gpa, len, type == T_IN };

	return request(b, q, type, sector, &d, 1);
}

/* One discard / write-zeroes segment in a buffer of its own. */
static struct io zero_req(struct bfx *b, uint32_t type, uint64_t sector, uint32_t nsec,
			  uint32_t flags)
{
	uint64_t gpa = alloc(b, 16, 16);
	uint8_t *p = ram(b, gpa, 16);
	struct seg d = { gpa, 16, false };

	memcpy(p, &sector, 8);
	memcpy(p + 8, &nsec, 4);
	memcpy(p + 12, &flags, 4);
	return request(b, 0, type, 0, &d, 1);
}

/* A 32-bit field of the device's config space. */
static uint32_t cfg32(struct bfx *b, uint32_t off)
{
	return rd(b, CONFIG + off);
}

static void test_config(void **state)
{
	struct bfx *b = *state;
	uint64_t f = device_features(b), cap = 0;
	uint16_t nq = 0;
	uint8_t unmap = 0;

	assert_true(f & F_VERSION_1);
	assert_true(f & F_SEG_MAX);
	assert_true(f & F_BLK_SIZE);
	assert_true(f & F_FLUSH);
	assert_true(f & F_MQ);
	assert_true(f & F_DISCARD);
	assert_true(f & F_WRITE_ZEROES);
	assert_false(f & F_RO);
	virtio_mmio_ops.read(b->t, CONFIG, &cap, 8);
	assert_true(cap == SECTORS);
	assert_int_equal(cfg32(b, 12), VIRTIO_BLK_SEG_MAX);
	assert_int_equal(cfg32(b, 20), 512);
	virtio_mmio_ops.read(b->t, CONFIG + 34, &nq, 2);
	assert_int_equal(nq, 1);
	assert_int_equal(cfg32(b, 36), UINT32_MAX / 512);
	assert_int_equal(cfg32(b, 40), 1);
	assert_true(cfg32(b, 44) >= 1);
	assert_int_equal(cfg32(b, 48), UINT32_MAX / 512);
	assert_int_equal(cfg32(b, 52), 1);
	virtio_mmio_ops.read(b->t, CONFIG + 56, &unmap, 1);
	assert_int_equal(unmap, 1);
	assert_int_equal(cfg32(b, 60), 0);
	assert_int_equal(cfg32(b, 0x80), 0);
}

static void test_write_read(void **state)
{
	struct bfx *b = *state;
	uint64_t w1 = alloc(b, 1024, 4096), w2 = alloc(b, 1024, 4096), r = alloc(b, 2048, 4096);
	struct seg two[2] = { { w1, 1024, false }, { w2, 1024, false } };
	uint8_t *p1 = ram(b, w1, 1024), *p2 = ram(b, w2, 1024), *pr = ram(b, r, 2048);
	uint8_t file[2048];
	struct virtio_blk_stats st;
	struct io io;
	int i;

	/* The image's own content first. */
	io = rw(b, 0, T_IN, 10, r, 2048);
	assert_int_equal(io.status, S_OK);
	assert_int_equal(io.used_len, 2048 + 1);
	for (i = 0; i < 2048; i++)
		assert_int_equal(pr[i], (uint8_t)((10 * 512 + i) / 512 + (10 * 512 + i) % 251));

	memset(p1, 0x11, 1024);
	memset(p2, 0x22, 1024);
	io = request(b, 0, T_OUT, 100, two, 2);
	assert_int_equal(io.status, S_OK);
	assert_int_equal(io.used_len, 1);
	assert_int_equal(pread(b->fd, file, sizeof(file), 100 * 512), 2048);
	assert_memory_equal(file, p1, 1024);
	assert_memory_equal(file + 1024, p2, 1024);

	memset(pr, 0, 2048);
	io = rw(b, 0, T_IN, 100, r, 2048);
	assert_int_equal(io.status, S_OK);
	assert_memory_equal(pr, file, 2048);

	/* The last sector. */
	io = rw(b, 0, T_OUT, SECTORS - 1, w1, 512);
	assert_int_equal(io.status, S_OK);
	io = rw(b, 0, T_IN, SECTORS - 1, r, 512);
	assert_int_equal(io.status, S_OK);
	assert_memory_equal(pr, p1, 512);

	io = request(b, 0, T_FLUSH, 0, NULL, 0);
	assert_int_equal(io.status, S_OK);

	virtio_blk_get_stats(b->blk, &st);
	assert_true(st.requests == 6);
	assert_true(st.reads == 3 && st.writes == 2 && st.flushes == 1);
	assert_true(st.bytes_read == 2048 * 2 + 512);
	assert_true(st.bytes_written == 2048 + 512);
	assert_true(st.io_errors == 0 && st.unsupported == 0);
	/* Interrupts came, and InterruptStatus says why. */
	assert_true(atomic_load(&b->pulses) >= 1);
	assert_int_equal(rd(b, INT_STATUS), 1);
	wr(b, INT_ACK, 1);
	assert_int_equal(rd(b, INT_STATUS), 0);
}

/* Many chains, one kick: all complete, with fewer interrupts than requests. */
static void test_batch(void **state)
{
	struct bfx *b = *state;
	enum { N = QSIZE / 3 }; /* three descriptors each, none reused */
	uint64_t hdr[N], data[N], st[N];
	bool seen[QSIZE] = { 0 };
	uint16_t head;
	uint32_t len;
	int i, pulses;
	uint8_t buf[512];

	for (i = 0; i < N; i++) {
		uint32_t type = T_OUT;
		uint64_t sector = 1000 + (uint64_t)i;
		struct seg s[3];

		hdr[i] = alloc(b, 16, 16);
		data[i] = alloc(b, 512, 512);
		st[i] = alloc(b, 1, 1);
		memcpy(ram(b, hdr[i], 16), &type, 4);
		memcpy((uint8_t *)ram(b, hdr[i], 16) + 8, &sector, 8);
		memset(ram(b, data[i], 512), 'A' + i, 512);
		*(uint8_t *)ram(b, st[i], 1) = 0xee;
		s[0] = (struct seg){ hdr[i], 16, false };
		s[1] = (struct seg){ data[i], 512, false };
		s[2] = (struct seg){ st[i], 1, true };
		post(b, 0, s, 3);
	}
	pulses = atomic_load(&b->pulses);
	kick(b, 0);
	for (i = 0; i < N; i++) {
		assert_true(wait_used(b, 0, &head, &len));
		assert_int_equal(head % 3, 0);
		assert_false(seen[head]);
		seen[head] = true;
		assert_int_equal(len, 1);
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(*(uint8_t *)ram(b, st[i], 1), S_OK);
		assert_int_equal(pread(b->fd, buf, 512, (1000 + i) * 512), 512);
		assert_int_equal(buf[0], 'A' + i);
		assert_int_equal(buf[511], 'A' + i);
	}
	/*
	 * Completions are signalled per batch of completions, not per
	 * request: the sync backend finishes the whole batch before the
	 * thread looks for completions, so it signals once; asynchronous
	 * ones signal as often as completions wake the thread.
	 */
	assert_true(wait_int(&b->pulses, pulses + 1));
	if (virtio_blk_backend(b->blk) == DISK_IO_SYNC)
		assert_int_equal(atomic_load(&b->pulses), pulses + 1);
	else
		assert_true(atomic_load(&b->pulses) - pulses <= N);
}

static void test_get_id(void **state)
{
	struct bfx *b = *state;
	uint64_t id = alloc(b, 32, 16), small = alloc(b, 8, 8);
	uint8_t *p = ram(b, id, 32);
	struct seg d = { id, 32, true }, s = { small, 8, true };
	char want[20] = "SER-123";
	struct io io;

	int pulses = atomic_load(&b->pulses);

	memset(p, 0xff, 32);
	io = request(b, 0, T_GET_ID, 0, &d, 1);
	assert_int_equal(io.status, S_OK);
	/* Answered without the disk, it still interrupts: the guest sleeps on it. */
	assert_true(wait_int(&b->pulses, pulses + 1));
	assert_int_equal(io.used_len, 21);
	assert_memory_equal(p, want, 20);
	assert_int_equal(p[20], 0xff);
	/* A short buffer gets what fits. */
	io = request(b, 0, T_GET_ID, 0, &s, 1);
	assert_int_equal(io.status, S_OK);
	assert_int_equal(io.used_len, 9);
	assert_memory_equal(ram(b, small, 8), "SER-123", 8);
}

static void test_ro(void **state)
{
	struct bfx *b = *state;
	uint64_t buf = alloc(b, 512, 512);
	struct virtio_blk_stats st;
	uint8_t file[512];
	uint64_t f = device_features(b);

	assert_true(f & F_RO);
	assert_false(f & F_DISCARD);
	assert_false(f & F_WRITE_ZEROES);
	assert_int_equal(rw(b, 0, T_IN, 0, buf, 512).status, S_OK);
	memset(ram(b, buf, 512), 0x33, 512);
	assert_int_equal(rw(b, 0, T_OUT, 0, buf, 512).status, S_IOERR);
	assert_int_equal(pread(b->fd, file, 512, 0), 512);
	assert_int_equal(file[1], 1);
	assert_int_equal(zero_req(b, T_WRITE_ZEROES, 0, 1, 0).status, S_IOERR);
	assert_int_equal(zero_req(b, T_DISCARD, 0, 1, 0).status, S_IOERR);
	assert_int_equal(request(b, 0, T_FLUSH, 0, NULL, 0).status, S_OK);
	virtio_blk_get_stats(b->blk, &st);
	assert_true(st.io_errors == 3);
}

static void test_out_of_range(void **state)
{
	struct bfx *b = *state;
	uint64_t buf = alloc(b, 4096, 4096);

	assert_int_equal(rw(b, 0, T_IN, SECTORS - 1, buf, 512).status, S_OK);
	assert_int_equal(rw(b, 0, T_IN, SECTORS, buf, 512).status, S_IOERR);
	assert_int_equal(rw(b, 0, T_IN, SECTORS - 1, buf, 1024).status, S_IOERR);
	assert_int_equal(rw(b, 0, T_OUT, SECTORS - 1, buf, 1024).status, S_IOERR);
	/* sector * 512 overflows 64 bits. */
	assert_int_equal(rw(b, 0, T_IN, 1ull << 55, buf, 512).status, S_IOERR);
	assert_int_equal(rw(b, 0, T_OUT, UINT64_MAX, buf, 512).status, S_IOERR);
	/* Not whole sectors. */
	assert_int_equal(rw(b, 0, T_IN, 0, buf, 100).status, S_IOERR);
	assert_int_equal(rw(b, 0, T_OUT, 0, buf, 513).status, S_IOERR);
	/* Empty transfers are fine. */
	assert_int_equal(request(b, 0, T_IN, 5, NULL, 0).status, S_OK);
	/* The device still works. */
	assert_int_equal(rw(b, 0, T_IN, 0, buf, 4096).status, S_OK);
	assert_int_equal(rd(b, STATUS) & S_NR, 0);
}

/*
 * A request of type with SEG_MAX + 1 writable data segments of seglen
 * bytes, through an indirect table (the queue itself is too small for the
 * chain); returns its status byte.
 */
static uint8_t too_many_segments(struct bfx *b, uint32_t type, uint32_t seglen)
{
	enum { N = VIRTIO_BLK_SEG_MAX + 1 };
	uint64_t hdr, st, data, table;
	struct desc *d, *qd;
	uint16_t *avail, head;
	uint32_t len;
	int i;

	drv_init(b, ~0ull & ~F_EVENT_IDX);
	hdr = alloc(b, 16, 16);
	st = alloc(b, 1, 1);
	data = alloc(b, (uint64_t)N * seglen, 4096);
	table = alloc(b, (N + 2) * 16, 16);
	d = ram(b, table, (N + 2) * 16);
	memset(ram(b, hdr, 16), 0, 16);
	memcpy(ram(b, hdr, 16), &type, 4);
	d[0] = (struct desc){ hdr, 16, DESC_F_NEXT, 1 };
	for (i = 0; i < N; i++)
		d[1 + i] = (struct desc){ data + (uint64_t)i * seglen, seglen,
					  DESC_F_WRITE | DESC_F_NEXT, (uint16_t)(2 + i) };
	d[N + 1] = (struct desc){ st, 1, DESC_F_WRITE, 0 };
	qd = ram(b, qbase(0), 16);
	avail = ram(b, qbase(0) + 0x1000, 4 + 2 * QSIZE);
	qd[0] = (struct desc){ table, (N + 2) * 16, 4 /* INDIRECT */, 0 };
	avail[2] = 0;
	__atomic_store_n(&avail[1], 1, __ATOMIC_RELEASE);
	b->avail_idx[0] = 1;
	kick(b, 0);
	assert_true(wait_used(b, 0, &head, &len));
	assert_int_equal(head, 0);
	return *(uint8_t *)ram(b, st, 1);
}

/* Too many segments for SEG_MAX: refused, not overflowing anything. */
static void test_too_many_segments(void **state)
{
	assert_int_equal(too_many_segments(*state, T_IN, 512), S_IOERR);
}

static void test_bad_requests(void **state)
{
	struct bfx *b = *state;
	uint64_t h = alloc(b, 16, 16), st = alloc(b, 1, 1), id = alloc(b, 20, 4);
	uint32_t type = 99, len;
	struct unit_capture cap;
	struct seg s[4];
	uint16_t head;

	/* Unknown type. */
	assert_int_equal(request(b, 0, 99, 0, NULL, 0).status, S_UNSUPP);
	assert_int_equal(request(b, 0, 10 /* GET_LIFETIME */, 0, NULL, 0).status, S_UNSUPP);

	/* A header of 8 bytes only. */
	memcpy(ram(b, h, 16), &type, 4);
	s[0] = (struct seg){ h, 8, false };
	s[1] = (struct seg){ st, 1, true };
	*(uint8_t *)ram(b, st, 1) = 0xee;
	post(b, 0, s, 2);
	kick(b, 0);
	assert_true(wait_used(b, 0, &head, &len));
	assert_int_equal(*(uint8_t *)ram(b, st, 1), S_UNSUPP);
	assert_int_equal(len, 1);

	/* A header split over two buffers is fine. */
	type = T_GET_ID;
	memcpy(ram(b, h, 16), &type, 4);
	s[0] = (struct seg){ h, 5, false };
	s[1] = (struct seg){ h + 5, 11, false };
	s[2] = (struct seg){ id, 20, true };
	s[3] = (struct seg){ st, 1, true };
	post(b, 0, s, 4);
	kick(b, 0);
	assert_true(wait_used(b, 0, &head, &len));
	assert_int_equal(*(uint8_t *)ram(b, st, 1), S_OK);
	assert_int_equal(len, 21);

	/* The status byte may share a buffer with the data. */
	s[0] = (struct seg){ h, 16, false };
	s[1] = (struct seg){ id, 21, true };
	memset(ram(b, id, 21), 0xee, 21);
	post(b, 0, s, 2);
	kick(b, 0);
	assert_true(wait_used(b, 0, &head, &len));
	assert_int_equal(*(uint8_t *)ram(b, id + 20, 1), S_OK);

	/* No writable byte for the status: a broken driver, NEEDS_RESET. */
	s[0] = (struct seg){ h, 16, false };
	unit_capture_begin(&cap, 2);
	post(b, 0, s, 1);
	kick(b, 0);
	assert_no_used(b, 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 2: block request without a status "
				       "byte; the device needs a reset");
	assert_int_equal(rd(b, STATUS) & S_NR, S_NR);
	assert_int_equal(rd(b, INT_STATUS) & 2, 2);
	/* The device now leaves the queue alone... */
	post(b, 0, (struct seg[]){ { h, 16, false }, { st, 1, true } }, 2);
	kick(b, 0);
	assert_no_used(b, 0);
	/* ...until the driver resets it. */
	drv_init(b, ~0ull & ~F_EVENT_IDX);
	assert_int_equal(rw(b, 0, T_IN, 0, alloc(b, 512, 512), 512).status, S_OK);
}

/* A chain the walker rejects (a buffer outside RAM): NEEDS_RESET. */
static void test_bad_chain(void **state)
{
	struct bfx *b = *state;
	struct unit_capture cap;
	struct seg s[3] = { { alloc(b, 16, 16), 16, false },
			    { RAM_BASE + RAM_SIZE - 256, 512, true },
			    { alloc(b, 1, 1), 1, true } };

	unit_capture_begin(&cap, 2);
	post(b, 0, s, 3);
	kick(b, 0);
	assert_no_used(b, 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 2: buffer outside guest RAM; the "
				       "device needs a reset");
	assert_int_equal(rd(b, STATUS) & S_NR, S_NR);
	drv_init(b, ~0ull & ~F_EVENT_IDX);
	assert_int_equal(request(b, 0, T_FLUSH, 0, NULL, 0).status, S_OK);
}

static blkcnt_t blocks(struct bfx *b)
{
	struct stat st;

	assert_int_equal(fstat(b->fd, &st), 0);
	return st.st_blocks;
}

static void test_discard_write_zeroes(void **state)
{
	struct bfx *b = *state;
	uint64_t buf = alloc(b, 65536, 4096);
	uint8_t *p = ram(b, buf, 65536), zero[65536] = { 0 };
	blkcnt_t before = blocks(b);
	struct virtio_blk_stats st;

	/* Discard 256 KiB at 1 MiB: the file gives the space back. */
	assert_int_equal(zero_req(b, T_DISCARD, 2048, 512, 0).status, S_OK);
	assert_true(blocks(b) <= before - 512);
	/* Discard must not carry the unmap flag; unknown flags refused. */
	assert_int_equal(zero_req(b, T_DISCARD, 0, 1, 1).status, S_UNSUPP);
	assert_int_equal(zero_req(b, T_WRITE_ZEROES, 0, 1, 2).status, S_UNSUPP);
	/* Beyond the end. */
	assert_int_equal(zero_req(b, T_DISCARD, SECTORS - 1, 2, 0).status, S_IOERR);
	assert_int_equal(zero_req(b, T_WRITE_ZEROES, UINT64_MAX / 256, 1, 0).status, S_IOERR);

	/* Write zeroes, keeping the space, then with unmap. */
	before = blocks(b);
	assert_int_equal(zero_req(b, T_WRITE_ZEROES, 4096, 128, 0).status, S_OK);
	memset(p, 1, 65536);
	assert_int_equal(rw(b, 0, T_IN, 4096, buf, 65536).status, S_OK);
	assert_memory_equal(p, zero, 65536);
	assert_int_equal(zero_req(b, T_WRITE_ZEROES, 6144, 128, 1).status, S_OK);
	memset(p, 1, 65536);
	assert_int_equal(rw(b, 0, T_IN, 6144, buf, 65536).status, S_OK);
	assert_memory_equal(p, zero, 65536);
	assert_true(blocks(b) <= before - 128);
	/* Neighbours untouched. */
	assert_int_equal(rw(b, 0, T_IN, 6144 + 128, buf, 512).status, S_OK);
	assert_int_equal(p[0], (uint8_t)(6272 + 6272u * 512 % 251));

	/* Two segments: more than max_write_zeroes_seg. */
	{
		uint64_t two = alloc(b, 32, 16);
		struct seg d = { two, 32, false };

		memset(ram(b, two, 32), 0, 32);
		assert_int_equal(request(b, 0, T_WRITE_ZEROES, 0, &d, 1).status, S_UNSUPP);
	}
	virtio_blk_get_stats(b->blk, &st);
	assert_true(st.discards == 1 && st.write_zeroes == 2);
}

/* Guest buffers at odd addresses with O_DIRECT: bounced, still correct. */
static void test_direct(void **state)
{
	struct bfx *b = *state;
	uint64_t w = alloc(b, 8192, 4096) + 3, r = alloc(b, 8192, 4096) + 7;
	uint8_t *pw = ram(b, w, 4096), *pr = ram(b, r, 4096);
	int i;

	for (i = 0; i < 4096; i++)
		pw[i] = (uint8_t)(i * 13);
	assert_int_equal(rw(b, 0, T_OUT, 64, w, 4096).status, S_OK);
	assert_int_equal(rw(b, 0, T_IN, 64, r, 4096).status, S_OK);
	assert_memory_equal(pr, pw, 4096);
	/* And aligned ones go straight through. */
	r = alloc(b, 4096, 4096);
	assert_int_equal(rw(b, 0, T_IN, 64, r, 4096).status, S_OK);
	assert_memory_equal(ram(b, r, 4096), pw, 4096);
	assert_int_equal(request(b, 0, T_FLUSH, 0, NULL, 0).status, S_OK);
}

static void test_mq(void **state)
{
	struct bfx *b = *state;
	uint64_t w = alloc(b, 512, 512), r = alloc(b, 512, 512);
	uint16_t nq = 0;

	assert_int_equal(b->nq, 2);
	virtio_mmio_ops.read(b->t, CONFIG + 34, &nq, 2);
	assert_int_equal(nq, 2);
	assert_int_equal(count_threads("blk3-q0"), 1);
	assert_int_equal(count_threads("blk3-q1"), 1);
	memset(ram(b, w, 512), 0x42, 512);
	assert_int_equal(rw(b, 1, T_OUT, 7, w, 512).status, S_OK);
	assert_int_equal(rw(b, 0, T_IN, 7, r, 512).status, S_OK);
	assert_memory_equal(ram(b, r, 512), ram(b, w, 512), 512);
	assert_int_equal(rw(b, 1, T_IN, 8, r, 512).status, S_OK);
	/* A reset stops both threads; a driver may then use just one queue. */
	wr(b, STATUS, 0);
	assert_int_equal(count_threads("blk3-q0"), 0);
	assert_int_equal(count_threads("blk3-q1"), 0);
	b->nq = 1;
	drv_init(b, ~0ull & ~F_EVENT_IDX);
	assert_int_equal(count_threads("blk3-q0"), 1);
	assert_int_equal(count_threads("blk3-q1"), 0);
	assert_int_equal(rw(b, 0, T_IN, 7, r, 512).status, S_OK);
	b->nq = 2;
}

/* With EVENT_IDX, requests still complete and interrupts follow used_event. */
static void test_event_idx(void **state)
{
	struct bfx *b = *state;
	uint64_t r = alloc(b, 512, 512);
	uint16_t *used_event;
	int pulses;

	drv_init(b, ~0ull);
	assert_true(b->features & F_EVENT_IDX);
	used_event = ram(b, qbase(0) + 0x1000 + 4 + 2 * QSIZE, 2);
	__atomic_store_n(used_event, 0, __ATOMIC_RELAXED);
	r = alloc(b, 512, 512);
	pulses = atomic_load(&b->pulses);
	assert_int_equal(rw(b, 0, T_IN, 0, r, 512).status, S_OK);
	assert_true(wait_int(&b->pulses, pulses + 1));
	/* used_event 0 is behind now: the next completion is not announced. */
	assert_int_equal(rw(b, 0, T_IN, 1, r, 512).status, S_OK);
	/* Asking for entry 2 gets the next one announced. */
	__atomic_store_n(used_event, 2, __ATOMIC_RELAXED);
	assert_int_equal(rw(b, 0, T_IN, 2, r, 512).status, S_OK);
	assert_true(wait_int(&b->pulses, pulses + 2));
	/* The second request's own signal was suppressed. */
	assert_int_equal(atomic_load(&b->pulses), pulses + 2);
}

/* Reset while requests are in flight: nothing crashes, and it works afterwards. */
static void test_reset_in_flight(void **state)
{
	struct bfx *b = *state;
	int i;

	for (i = 0; i < 8; i++) {
		uint32_t type = T_IN;
		uint64_t sector = (uint64_t)i * 64, h = alloc(b, 16, 16);
		struct seg s[3] = { { h, 16, false },
				    { alloc(b, 32768, 4096), 32768, true },
				    { alloc(b, 1, 1), 1, true } };

		memcpy(ram(b, h, 16), &type, 4);
		memcpy((uint8_t *)ram(b, h, 16) + 8, &sector, 8);
		post(b, 0, s, 3);
	}
	kick(b, 0);
	wr(b, STATUS, 0);
	assert_int_equal(rd(b, STATUS), 0);
	drv_init(b, ~0ull & ~F_EVENT_IDX);
	assert_int_equal(request(b, 0, T_FLUSH, 0, NULL, 0).status, S_OK);
}

static void test_new_fails(void **state)
{
	struct disk_opts o;
	struct virtio_blk *blk = NULL;
	struct unit_capture cap;
	char dir[64];

	(void)state;
	unit_mkdtemp(dir, sizeof(dir));
	memset(&o, 0, sizeof(o));
	snprintf(o.path, sizeof(o.path), "%s/none.img", dir);
	unit_capture_begin(&cap, 2);
	assert_int_equal(virtio_blk_new(&o, 0, 1, &blk), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "disk /tmp/");
	assert_null(blk);
	unit_rmtree(dir);
}

static void test_default_queues(void **state)
{
	struct disk_opts o;
	struct virtio_blk *blk;
	char dir[64];

	(void)state;
	unit_mkdtemp(dir, sizeof(dir));
	memset(&o, 0, sizeof(o));
	snprintf(o.path, sizeof(o.path), "%s/d.img", dir);
	unit_write_file(o.path, "", 0);
	o.io = DISK_IO_SYNC;
	assert_int_equal(virtio_blk_new(&o, 0, 4, &blk), 0);
	assert_int_equal(virtio_blk_num_queues(blk), 4);
	virtio_blk_free(blk);
	assert_int_equal(virtio_blk_new(&o, 0, 64, &blk), 0);
	assert_int_equal(virtio_blk_num_queues(blk), DISK_MAX_QUEUES);
	virtio_blk_free(blk);
	assert_int_equal(virtio_blk_new(&o, 0, 0, &blk), 0);
	assert_int_equal(virtio_blk_num_queues(blk), 1);
	virtio_blk_free(blk);
	o.queues = 3;
	assert_int_equal(virtio_blk_new(&o, 0, 8, &blk), 0);
	assert_int_equal(virtio_blk_num_queues(blk), 3);
	virtio_blk_free(blk);
	virtio_blk_free(NULL);
	unit_rmtree(dir);
}

/*
 * A hostile guest's self-re-arming chain: its READ lands on its own avail
 * ring and request header, and sector s of the image makes avail->idx s + 2
 * and the next header read sector s + 1 (65536 sectors: idx wraps with
 * them), so one kick keeps the device reading forever. The device must
 * still pause at the gate (no request completes while it is closed) and
 * reset promptly; before bounded batches, the reset never returned.
 */
#define RE_SECTORS 65536u
#define RE_HDR 256 /* the header's offset from the avail ring */

static uint64_t blk_requests(struct virtio_blk *blk)
{
	struct virtio_blk_stats st;

	virtio_blk_get_stats(blk, &st);
	return st.requests;
}

static bool wait_requests(struct virtio_blk *blk, uint64_t above)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (blk_requests(blk) > above)
			return true;
		sleep_ms(10);
	}
	return false;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* header (read) -> 512 bytes over avail and header (written) -> status; kick. */
static void rearm_chain(struct bfx *b, uint64_t st)
{
	struct desc *d = ram(b, qbase(0), 3 * sizeof(*d));
	uint8_t *av = ram(b, qbase(0) + 0x1000, 512);

	d[0] = (struct desc){ qbase(0) + 0x1000 + RE_HDR, 16, DESC_F_NEXT, 1 };
	d[1] = (struct desc){ qbase(0) + 0x1000, 512, DESC_F_NEXT | DESC_F_WRITE, 2 };
	d[2] = (struct desc){ st, 1, DESC_F_WRITE, 0 };
	memset(av, 0, 512);
	av[0] = 1; /* VRING_AVAIL_F_NO_INTERRUPT */
	__atomic_store_n((uint16_t *)(av + 2), 1, __ATOMIC_RELEASE);
	kick(b, 0);
}

static void test_rearm(void **state)
{
	const struct param *p = *state;
	struct bfx *b = calloc(1, sizeof(*b));
	struct dev_gate gate;
	struct virtio_mmio_host host = { .gate = &gate };
	uint8_t *img = calloc(RE_SECTORS, 512);
	struct disk_opts o;
	uint64_t st, r1, r2;
	uint32_t s;
	double t0;

	for (s = 0; s < RE_SECTORS; s++) {
		uint8_t *sec = img + (size_t)s * 512;
		uint16_t flags = 1, idx = (uint16_t)(s + 2);
		uint64_t next = (s + 1) % RE_SECTORS;

		memcpy(sec, &flags, 2);
		memcpy(sec + 2, &idx, 2);
		memcpy(sec + RE_HDR + 8, &next, 8);
	}
	unit_mkdtemp(b->dir, sizeof(b->dir));
	snprintf(b->path, sizeof(b->path), "%s/rearm.img", b->dir);
	unit_write_file(b->path, img, (size_t)RE_SECTORS * 512);
	free(img);
	assert_int_equal(dev_gate_init(&gate), 0);
	assert_int_equal(gm_init(&b->gm, RAM_BASE, RAM_SIZE), 0);
	b->irq.pulse = fake_pulse;
	b->irq.ctx = b;
	memset(&o, 0, sizeof(o));
	snprintf(o.path, sizeof(o.path), "%s", b->path);
	o.io = p->io;
	assert_int_equal(virtio_blk_new(&o, 5, 1, &b->blk), 0);
	b->nq = 1;
	assert_int_equal(virtio_mmio_new(&virtio_blk_dev_ops, b->blk, 1, VIRTIO_BLK_QUEUE_MAX,
					 &b->irq, &b->gm, &host, "rearm test", &b->t),
			 0);
	drv_init(b, ~0ull & ~F_EVENT_IDX);

	st = alloc(b, 1, 1);
	rearm_chain(b, st);
	assert_true(wait_requests(b->blk, 2000));

	/* Pause: the thread leaves the gate at once; nothing completes while closed. */
	t0 = mono_s();
	dev_gate_close(&gate);
	assert_true(mono_s() - t0 < 1.0);
	r1 = blk_requests(b->blk);
	sleep_ms(100);
	r2 = blk_requests(b->blk);
	assert_int_equal(r1, r2);
	dev_gate_open(&gate);
	assert_true(wait_requests(b->blk, r2 + 1000));

	/* Reset (Status = 0) returns promptly, with the chain still looping. */
	t0 = mono_s();
	wr(b, STATUS, 0);
	assert_true(mono_s() - t0 < 1.0);
	assert_int_equal(rd(b, STATUS), 0);
	r1 = blk_requests(b->blk);
	sleep_ms(50);
	assert_int_equal(blk_requests(b->blk), r1);

	/* A reset while paused does not wait for the gate to open. */
	drv_init(b, ~0ull & ~F_EVENT_IDX);
	rearm_chain(b, st);
	assert_true(wait_requests(b->blk, r1 + 1000));
	dev_gate_close(&gate);
	t0 = mono_s();
	wr(b, STATUS, 0);
	assert_true(mono_s() - t0 < 1.0);
	dev_gate_open(&gate);

	virtio_mmio_free(b->t);
	virtio_blk_free(b->blk);
	gm_destroy(&b->gm);
	dev_gate_destroy(&gate);
	unit_rmtree(b->dir);
	free(b);
}

/* GET_ID with more data segments than SEG_MAX: IOERR, not OK with 0 bytes. */
static void test_get_id_too_many_segments(void **state)
{
	assert_int_equal(too_many_segments(*state, T_GET_ID, 4), S_IOERR);
}

int main(void)
{
#define P(f, p) { #f "/" #p, f, setup, teardown, (void *)&p_##p }
#define EACH(f) P(f, uring), P(f, aio), P(f, sync)
	const struct CMUnitTest tests[] = {
		P(test_config, uring),
		EACH(test_write_read),
		EACH(test_batch),
		EACH(test_discard_write_zeroes),
		EACH(test_reset_in_flight),
		P(test_get_id, uring),
		P(test_out_of_range, uring),
		P(test_too_many_segments, uring),
		P(test_bad_requests, uring),
		P(test_bad_chain, uring),
		P(test_event_idx, uring),
		P(test_ro, ro),
		P(test_direct, direct),
		P(test_mq, mq),
		P(test_get_id_too_many_segments, uring),
		{ "test_rearm/uring", test_rearm, NULL, NULL, (void *)&p_uring },
		{ "test_rearm/aio", test_rearm, NULL, NULL, (void *)&p_aio },
		{ "test_rearm/sync", test_rearm, NULL, NULL, (void *)&p_sync },
		cmocka_unit_test(test_new_fails),
		cmocka_unit_test(test_default_queues),
	};
#undef P
#undef EACH

	return cmocka_run_group_tests_name("virtio_blk", tests, NULL, NULL);
}
