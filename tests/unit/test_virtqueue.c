// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for split virtqueues (devices/virtqueue.c), with a fake driver
 * writing descriptors and rings into a small guest RAM.
 *
 * Guest RAM gets PROT_NONE guard pages on both sides where the address
 * space allows, so a walker that strays outside it faults instead of
 * reading a neighbour; valgrind catches the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdlib.h>
#include <sys/mman.h>

#include "guest_mem.h"
#include "virtqueue.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MiB (1ULL << 20)
#define RAM_GPA 0x80000000ULL
#define RAM_SIZE (8 * MiB) /* room for a chain of 4 GiB made of 4 MiB buffers */
#define RAM_END (RAM_GPA + RAM_SIZE)

#define DESC_GPA (RAM_GPA + 0x0000)
#define AVAIL_GPA (RAM_GPA + 0x8000)
#define USED_GPA (RAM_GPA + 0xa000)
#define BUF_GPA (RAM_GPA + 0x20000)
#define IND_GPA (RAM_GPA + 0x40000)
#define IND2_GPA (RAM_GPA + 0x60000)

#define QSIZE 16

#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct fx {
	struct guest_mem gm;
	struct virtqueue q;
	struct vq_chain c;
	uint16_t avail_idx; /* the fake driver's next avail index */
	void *guard_lo, *guard_hi;
	const char *why;
	const void *param; /* the test's initial state, if it has one */
};

/* ---- the fake driver ---------------------------------------------------- */

static void *gp(struct fx *f, uint64_t gpa, uint64_t len)
{
	void *p = gm_ptr(&f->gm, gpa, len);

	assert_non_null(p);
	return p;
}

/* Little-endian host: guest fields are written as they are. */
static void put16(struct fx *f, uint64_t gpa, uint16_t v)
{
	memcpy(gp(f, gpa, 2), &v, 2);
}

static void put32(struct fx *f, uint64_t gpa, uint32_t v)
{
	memcpy(gp(f, gpa, 4), &v, 4);
}

static void put64(struct fx *f, uint64_t gpa, uint64_t v)
{
	memcpy(gp(f, gpa, 8), &v, 8);
}

static uint16_t get16(struct fx *f, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, gp(f, gpa, 2), 2);
	return v;
}

static uint32_t get32(struct fx *f, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, gp(f, gpa, 4), 4);
	return v;
}

/* Descriptor i of the table at table_gpa (the queue's or an indirect one). */
static void desc_at(struct fx *f, uint64_t table_gpa, uint32_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	uint64_t d = table_gpa + (uint64_t)i * 16;

	put64(f, d, addr);
	put32(f, d + 8, len);
	put16(f, d + 12, flags);
	put16(f, d + 14, next);
}

static void desc(struct fx *f, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	desc_at(f, DESC_GPA, i, addr, len, flags, next);
}

static void set_avail_idx(struct fx *f, uint16_t idx)
{
	put16(f, AVAIL_GPA + 2, idx);
}

/* Offer chain head: ring entry first, then the index (as a driver does). */
static void offer(struct fx *f, uint16_t head)
{
	put16(f, AVAIL_GPA + 4 + 2 * (uint64_t)(f->avail_idx % f->q.size), head);
	f->avail_idx++;
	set_avail_idx(f, f->avail_idx);
}

static uint16_t used_idx(struct fx *f)
{
	return get16(f, USED_GPA + 2);
}

static void set_used_event(struct fx *f, uint16_t v)
{
	put16(f, AVAIL_GPA + 4 + 2 * (uint64_t)f->q.size, v);
}

static uint16_t avail_event(struct fx *f)
{
	return get16(f, USED_GPA + 4 + 8 * (uint64_t)f->q.size);
}

static void *host(struct fx *f, uint64_t gpa)
{
	return f->gm.host + (gpa - RAM_GPA);
}

static void start(struct fx *f, uint16_t size, bool event_idx, bool indirect)
{
	f->q.size = size;
	f->q.desc_gpa = DESC_GPA;
	f->q.avail_gpa = AVAIL_GPA;
	f->q.used_gpa = USED_GPA;
	f->q.event_idx = event_idx;
	f->q.indirect = indirect;
	f->q.gm = &f->gm;
	f->why = NULL;
	assert_int_equal(vq_start(&f->q, VQ_MAX_SIZE, &f->why), 0);
	assert_true(f->q.ready);
	assert_false(f->q.broken);
}

static int pop(struct fx *f)
{
	f->why = NULL;
	return vq_pop(&f->q, &f->c, &f->why);
}

/*
 * The next chain must pop with nout readable and nin writable iovecs of
 * out_len and in_len bytes in all.
 */
static void pop_chain(struct fx *f, unsigned int nout, unsigned int nin, uint32_t out_len,
		      uint32_t in_len)
{
	assert_int_equal(pop(f), VQ_OK);
	assert_int_equal(f->c.nout, nout);
	assert_int_equal(f->c.nin, nin);
	assert_int_equal(f->c.out_len, out_len);
	assert_int_equal(f->c.in_len, in_len);
}

/* Every iov of a popped chain lies inside guest RAM and is not empty. */
static void assert_iov_in_ram(struct fx *f)
{
	unsigned int i;

	for (i = 0; i < f->c.nout + f->c.nin; i++) {
		uint8_t *b = f->c.iov[i].iov_base;
		size_t len = f->c.iov[i].iov_len;

		assert_true(len > 0);
		assert_true(b >= f->gm.host);
		assert_true(len <= f->gm.size);
		assert_true(b - f->gm.host <= (ptrdiff_t)(f->gm.size - len));
	}
}

/*
 * The chain offered must be refused with `why`, the queue broken, guest RAM
 * unchanged and nothing returned to the driver; popping again still fails.
 */
static void expect_err(struct fx *f, const char *why)
{
	uint8_t *before = malloc(RAM_SIZE);

	assert_non_null(before);
	memcpy(before, f->gm.host, RAM_SIZE);
	assert_int_equal(pop(f), VQ_ERR);
	assert_non_null(f->why);
	assert_string_equal(f->why, why);
	assert_true(f->q.broken);
	assert_int_equal(f->q.last_avail, 0);
	assert_int_equal(pop(f), VQ_ERR);
	assert_true(f->q.broken);
	assert_memory_equal(before, f->gm.host, RAM_SIZE);
	assert_int_equal(used_idx(f), 0);
	free(before);
}

static void *guard(void *addr, size_t len)
{
	void *p =
	    mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (p != addr) { /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
		munmap(p, len);
		return NULL;
	}
	return p;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || gm_init(&f->gm, RAM_GPA, RAM_SIZE))
		return -1;
	f->guard_lo = guard(f->gm.host - f->gm.page_size, f->gm.page_size);
	f->guard_hi = guard(f->gm.host + f->gm.size, f->gm.page_size);
	f->param = *state;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->guard_lo)
		munmap(f->guard_lo, f->gm.page_size);
	if (f->guard_hi)
		munmap(f->guard_hi, f->gm.page_size);
	gm_destroy(&f->gm);
	free(f);
	return 0;
}

/* ---- chains the device must accept ------------------------------------ */

static void test_simple_chain(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	/* Out of table order: 5 -> 9 -> 2. */
	desc(f, 5, BUF_GPA, 16, F_NEXT, 9);
	desc(f, 9, BUF_GPA + 0x1000, 512, F_WRITE | F_NEXT, 2);
	desc(f, 2, BUF_GPA + 0x2000, 1, F_WRITE, 0);
	memcpy(host(f, BUF_GPA), "request header!", 16);
	offer(f, 5);

	pop_chain(f, 1, 2, 16, 513);
	assert_int_equal(f->c.head, 5);
	assert_ptr_equal(f->c.iov[0].iov_base, host(f, BUF_GPA));
	assert_int_equal(f->c.iov[0].iov_len, 16);
	assert_ptr_equal(f->c.iov[1].iov_base, host(f, BUF_GPA + 0x1000));
	assert_int_equal(f->c.iov[1].iov_len, 512);
	assert_ptr_equal(f->c.iov[2].iov_base, host(f, BUF_GPA + 0x2000));
	assert_int_equal(f->c.iov[2].iov_len, 1);
	assert_string_equal(f->c.iov[0].iov_base, "request header!");
	assert_iov_in_ram(f);
	assert_int_equal(pop(f), VQ_EMPTY);

	memset(f->c.iov[1].iov_base, 0xab, 512);
	*(uint8_t *)f->c.iov[2].iov_base = 0;
	vq_push(&f->q, f->c.head, 513);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(get32(f, USED_GPA + 4), 5);
	assert_int_equal(get32(f, USED_GPA + 8), 513);
	assert_int_equal(*(uint8_t *)host(f, BUF_GPA + 0x1000 + 511), 0xab);
}

/* Indices run past 2^16: ring slots and the empty test keep working. */
static void test_index_wraparound(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, 4, false, false);
	desc(f, 0, BUF_GPA, 8, 0, 0);
	desc(f, 1, BUF_GPA + 8, 8, F_WRITE, 0);
	for (i = 0; i < 70000; i++) {
		uint16_t head = (uint16_t)(i & 1);

		offer(f, head);
		assert_int_equal(pop(f), VQ_OK);
		assert_int_equal(f->c.head, head);
		assert_int_equal(pop(f), VQ_EMPTY);
		vq_push(&f->q, head, head ? 8 : 0);
		assert_int_equal(used_idx(f), (uint16_t)(i + 1));
		assert_int_equal(get32(f, USED_GPA + 4 + 8 * (i % 4)), head);
	}
	assert_false(f->q.broken);
}

/* A full ring (avail idx exactly size ahead) is legal. */
static void test_full_ring(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, QSIZE, false, false);
	for (i = 0; i < QSIZE; i++) {
		desc(f, (uint16_t)i, BUF_GPA + 16 * i, 16, F_WRITE, 0);
		offer(f, (uint16_t)(QSIZE - 1 - i));
	}
	for (i = 0; i < QSIZE; i++) {
		assert_int_equal(pop(f), VQ_OK);
		assert_int_equal(f->c.head, QSIZE - 1 - i);
		assert_ptr_equal(f->c.iov[0].iov_base, host(f, BUF_GPA + 16 * (QSIZE - 1 - i)));
	}
	assert_int_equal(pop(f), VQ_EMPTY);
}

/* A chain using every descriptor of the table once is not a loop. */
static void test_chain_of_queue_size(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, QSIZE, false, false);
	for (i = 0; i < QSIZE; i++)
		desc(f, (uint16_t)i, BUF_GPA + i, 1, i < QSIZE - 1 ? F_NEXT : 0, (uint16_t)(i + 1));
	offer(f, 0);
	pop_chain(f, QSIZE, 0, QSIZE, 0);
}

static void test_indirect_chain(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, true);
	/* The table's own WRITE flag must be ignored (2.7.5.3.2). */
	desc(f, 3, IND_GPA, 3 * 16, F_INDIRECT | F_WRITE, 0);
	desc_at(f, IND_GPA, 0, BUF_GPA, 16, F_NEXT, 2);
	desc_at(f, IND_GPA, 2, BUF_GPA + 0x1000, 4096, F_WRITE | F_NEXT, 1);
	desc_at(f, IND_GPA, 1, BUF_GPA + 0x3000, 1, F_WRITE, 0);
	offer(f, 3);

	pop_chain(f, 1, 2, 16, 4097);
	assert_int_equal(f->c.head, 3);
	assert_ptr_equal(f->c.iov[0].iov_base, host(f, BUF_GPA));
	assert_ptr_equal(f->c.iov[1].iov_base, host(f, BUF_GPA + 0x1000));
	assert_int_equal(f->c.iov[1].iov_len, 4096);
	assert_ptr_equal(f->c.iov[2].iov_base, host(f, BUF_GPA + 0x3000));
	assert_iov_in_ram(f);
	vq_push(&f->q, f->c.head, 4097);
	assert_int_equal(get32(f, USED_GPA + 4), 3);
}

/* "Zero or more normal chained descriptors followed by" an indirect one. */
static void test_direct_then_indirect(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, true);
	desc(f, 0, BUF_GPA, 16, F_NEXT, 1);
	desc(f, 1, IND_GPA, 2 * 16, F_INDIRECT, 0);
	desc_at(f, IND_GPA, 0, BUF_GPA + 0x100, 32, F_WRITE | F_NEXT, 1);
	desc_at(f, IND_GPA, 1, BUF_GPA + 0x200, 64, F_WRITE, 0);
	offer(f, 0);

	pop_chain(f, 1, 2, 16, 96);
	assert_ptr_equal(f->c.iov[2].iov_base, host(f, BUF_GPA + 0x200));
}

/* The spec puts no alignment on an indirect table. */
static void test_indirect_unaligned_table(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, true);
	desc(f, 0, IND_GPA + 3, 2 * 16, F_INDIRECT, 0);
	desc_at(f, IND_GPA + 3, 0, BUF_GPA, 8, F_NEXT, 1);
	desc_at(f, IND_GPA + 3, 1, BUF_GPA + 8, 8, F_WRITE, 0);
	offer(f, 0);
	pop_chain(f, 1, 1, 8, 8);
	assert_ptr_equal(f->c.iov[1].iov_base, host(f, BUF_GPA + 8));
}

/* Empty buffers are skipped, wherever they claim to point. */
static void test_zero_length_skipped(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	desc(f, 0, 0xdead0000ULL, 0, F_NEXT, 1);
	desc(f, 1, BUF_GPA, 8, F_NEXT, 2);
	desc(f, 2, ~0ULL, 0, F_WRITE | F_NEXT, 3);
	desc(f, 3, BUF_GPA + 8, 4, F_WRITE, 0);
	offer(f, 0);
	pop_chain(f, 1, 1, 8, 4);
	assert_ptr_equal(f->c.iov[0].iov_base, host(f, BUF_GPA));
	assert_ptr_equal(f->c.iov[1].iov_base, host(f, BUF_GPA + 8));
	assert_iov_in_ram(f);
}

/* A chain of only empty buffers is a request with no data, not an error. */
static void test_all_zero_length(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	desc(f, 0, BUF_GPA, 0, 0, 0);
	offer(f, 0);
	assert_int_equal(pop(f), VQ_OK);
	assert_int_equal(f->c.nout + f->c.nin, 0);
	assert_int_equal(f->c.out_len + f->c.in_len, 0);
}

/* Buffers right at the ends of RAM are inside it. */
static void test_buffers_at_ram_edges(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	desc(f, 0, RAM_GPA, 1, F_NEXT, 1);
	desc(f, 1, RAM_END - 4096, 4096, F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(pop(f), VQ_OK);
	assert_ptr_equal(f->c.iov[0].iov_base, f->gm.host);
	assert_ptr_equal(f->c.iov[1].iov_base, f->gm.host + RAM_SIZE - 4096);
	assert_iov_in_ram(f);
}

/* An indirect table of n one-byte buffers, readable then writable. */
static void indirect_of(struct fx *f, uint32_t n, uint32_t buf_len)
{
	uint32_t i;

	desc(f, 0, IND_GPA, n * 16, F_INDIRECT, 0);
	for (i = 0; i < n; i++)
		desc_at(f, IND_GPA, i, BUF_GPA + (buf_len == 1 ? i : 0), buf_len,
			(i + 1 < n ? F_NEXT : 0) | (i >= n / 2 ? F_WRITE : 0), (uint16_t)(i + 1));
	offer(f, 0);
}

static void test_max_iov(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, true);
	indirect_of(f, VQ_MAX_IOV, 1);
	pop_chain(f, VQ_MAX_IOV / 2, VQ_MAX_IOV / 2, VQ_MAX_IOV / 2, VQ_MAX_IOV / 2);
	assert_ptr_equal(f->c.iov[VQ_MAX_IOV - 1].iov_base, host(f, BUF_GPA + VQ_MAX_IOV - 1));
	assert_iov_in_ram(f);
}

/* A chain of exactly UINT32_MAX bytes is the longest allowed. */
static void test_chain_of_4gib_minus_1(void **state)
{
	struct fx *f = *state;
	const uint32_t big = 4 * MiB;

	start(f, QSIZE, false, true);
	indirect_of(f, VQ_MAX_IOV, big);
	desc_at(f, IND_GPA, VQ_MAX_IOV - 1, BUF_GPA, big - 1, F_WRITE, 0);
	pop_chain(f, VQ_MAX_IOV / 2, VQ_MAX_IOV / 2, (VQ_MAX_IOV / 2) * big,
		  (VQ_MAX_IOV / 2) * big - 1);
	assert_int_equal((uint64_t)f->c.out_len + f->c.in_len, UINT32_MAX);
}

/* ---- notifications ------------------------------------------------------ */

static void test_no_interrupt_flag(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	vq_push(&f->q, 0, 0);
	assert_true(vq_should_notify(&f->q));
	put16(f, AVAIL_GPA, 1); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	vq_push(&f->q, 1, 0);
	assert_false(vq_should_notify(&f->q));
	/* used_event means nothing without EVENT_IDX. */
	set_used_event(f, 1);
	vq_push(&f->q, 2, 0);
	assert_false(vq_should_notify(&f->q));
	put16(f, AVAIL_GPA, 0);
	vq_push(&f->q, 3, 0);
	assert_true(vq_should_notify(&f->q));
}

static void test_event_idx_notify(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, true, false);
	/* First time: nothing to compare with, so notify whatever used_event says. */
	set_used_event(f, 100);
	vq_push(&f->q, 0, 0); /* used idx 1 */
	assert_true(vq_should_notify(&f->q));

	/* Driver wants to hear when entry 1 is written (idx reaches 2). */
	set_used_event(f, 1);
	vq_push(&f->q, 1, 0); /* 2 */
	assert_true(vq_should_notify(&f->q));

	/* Already past used_event: no more until the driver moves it. */
	vq_push(&f->q, 2, 0); /* 3 */
	assert_false(vq_should_notify(&f->q));

	/* used_event ahead of what was written. */
	set_used_event(f, 5);
	vq_push(&f->q, 3, 0); /* 4 */
	assert_false(vq_should_notify(&f->q));
	vq_push(&f->q, 4, 0); /* 5 */
	assert_false(vq_should_notify(&f->q));

	/* A batch whose middle entry is used_event: one notification. */
	vq_push(&f->q, 5, 0); /* 6: entry 5 written */
	vq_push(&f->q, 6, 0); /* 7 */
	vq_push(&f->q, 7, 0); /* 8 */
	assert_true(vq_should_notify(&f->q));

	/* No push since the last decision: nothing new to signal. */
	set_used_event(f, 7);
	assert_false(vq_should_notify(&f->q));

	/* With EVENT_IDX the NO_INTERRUPT bit is ignored. */
	put16(f, AVAIL_GPA, 1);
	set_used_event(f, 8);
	vq_push(&f->q, 8, 0); /* 9 */
	assert_true(vq_should_notify(&f->q));
	assert_int_equal(used_idx(f), 9);
}

/* used_event just below 2^16 and the used index wrapping past it. */
static void test_event_idx_wrap(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, QSIZE, true, false);
	for (i = 0; i < 65534; i++)
		vq_push(&f->q, 0, 0);
	assert_true(vq_should_notify(&f->q)); /* first: used idx 65534 */
	set_used_event(f, 65535);
	vq_push(&f->q, 0, 0); /* 65535 */
	assert_false(vq_should_notify(&f->q));
	vq_push(&f->q, 0, 0); /* 0: entry 65535 written */
	vq_push(&f->q, 0, 0); /* 1 */
	assert_true(vq_should_notify(&f->q));
	assert_int_equal(used_idx(f), 1);
	set_used_event(f, 1);
	vq_push(&f->q, 0, 0); /* 2 */
	assert_true(vq_should_notify(&f->q));
	/* A stale used_event far behind (driver did not move it): quiet. */
	vq_push(&f->q, 0, 0); /* 3 */
	assert_false(vq_should_notify(&f->q));
}

static void test_notify_enable_flags(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	desc(f, 0, BUF_GPA, 8, 0, 0);
	assert_false(vq_notify_enable(&f->q, false));
	assert_int_equal(get16(f, USED_GPA), 1); /* VIRTQ_USED_F_NO_NOTIFY */
	assert_false(vq_notify_enable(&f->q, true));
	assert_int_equal(get16(f, USED_GPA), 0);

	/* Work that arrived while kicks were off must be reported. */
	assert_false(vq_notify_enable(&f->q, false));
	offer(f, 0);
	assert_true(vq_notify_enable(&f->q, true));
	assert_int_equal(get16(f, USED_GPA), 0);
	assert_int_equal(pop(f), VQ_OK);
	assert_false(vq_notify_enable(&f->q, true));
	/* Without EVENT_IDX avail_event is never written. */
	assert_int_equal(avail_event(f), 0);
}

static void test_notify_enable_event_idx(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, QSIZE, true, false);
	desc(f, 0, BUF_GPA, 8, 0, 0);
	for (i = 0; i < 3; i++) {
		offer(f, 0);
		assert_int_equal(pop(f), VQ_OK);
	}
	assert_false(vq_notify_enable(&f->q, true));
	assert_int_equal(avail_event(f), 3);
	assert_int_equal(get16(f, USED_GPA), 0); /* flags stay 0 with EVENT_IDX */

	/* Disabling leaves avail_event where it is. */
	assert_false(vq_notify_enable(&f->q, false));
	assert_int_equal(avail_event(f), 3);
	assert_int_equal(get16(f, USED_GPA), 0);

	offer(f, 0);
	offer(f, 0);
	assert_true(vq_notify_enable(&f->q, true));
	assert_int_equal(avail_event(f), 3);
	assert_int_equal(pop(f), VQ_OK);
	assert_int_equal(pop(f), VQ_OK);
	assert_false(vq_notify_enable(&f->q, true));
	assert_int_equal(avail_event(f), 5);
}

/* ---- hostile chains ------------------------------------------------------ */

/* Descriptor i of the table at `table`, as the fake driver writes it. */
struct dsc {
	uint64_t table; /* DESC_GPA: the queue's own table; 0 ends the list */
	uint16_t i;
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/*
 * A chain the device must refuse with `why` (see expect_err): the
 * descriptors are written and head offered on a queue of QSIZE, with
 * VIRTIO_F_INDIRECT_DESC negotiated or not. Each is a test of its own,
 * named `name`, run by test_hostile().
 */
struct hostile {
	const char *name;
	bool indirect;
	uint16_t head;
	const char *why;
	struct dsc d[5];
};

#define OUTSIDE_RAM "buffer outside guest RAM"
#define LOOPS "descriptor chain loops or is longer than the queue"
#define OUT_OF_RANGE "descriptor index out of range"
#define WRITABLE_FIRST "readable buffer after a writable one"
#define NOT_MULTIPLE "indirect table length not a multiple of 16"
#define TABLE_OUTSIDE_RAM "indirect table outside guest RAM"

static const struct hostile hostile[] = {
	{ "test_buffer_below_ram", false, 0, OUTSIDE_RAM,
	  { { DESC_GPA, 0, RAM_GPA - 16, 16, 0, 0 } } },
	{ "test_buffer_above_ram", false, 0, OUTSIDE_RAM,
	  { { DESC_GPA, 0, BUF_GPA, 8, F_NEXT, 1 }, { DESC_GPA, 1, RAM_END, 1, F_WRITE, 0 } } },
	{ "test_buffer_wraps_2_64", false, 0, OUTSIDE_RAM,
	  { { DESC_GPA, 0, 0xfffffffffffff000ULL, 0x2000, F_WRITE, 0 } } },
	/* Starts in RAM, ends past it: the whole range must be checked. */
	{ "test_buffer_straddles_ram_end", false, 0, OUTSIDE_RAM,
	  { { DESC_GPA, 0, RAM_END - 8, 16, F_WRITE, 0 } } },
	{ "test_next_out_of_range", false, 0, OUT_OF_RANGE,
	  { { DESC_GPA, 0, BUF_GPA, 8, F_NEXT, QSIZE } } },
	{ "test_two_descriptor_loop", false, 0, LOOPS,
	  { { DESC_GPA, 0, BUF_GPA, 8, F_NEXT, 1 }, { DESC_GPA, 1, BUF_GPA, 8, F_NEXT, 0 } } },
	{ "test_self_loop", false, 3, LOOPS, { { DESC_GPA, 3, BUF_GPA, 8, F_WRITE | F_NEXT, 3 } } },
	/* A loop of empty buffers adds no iovec and must still be stopped. */
	{ "test_zero_length_loop", false, 0, LOOPS, { { DESC_GPA, 0, BUF_GPA, 0, F_NEXT, 0 } } },
	{ "test_head_out_of_range", false, QSIZE, OUT_OF_RANGE, { { 0 } } },
	{ "test_readable_after_writable", false, 0, WRITABLE_FIRST,
	  { { DESC_GPA, 0, BUF_GPA, 8, F_NEXT, 1 },
	    { DESC_GPA, 1, BUF_GPA + 8, 8, F_WRITE | F_NEXT, 2 },
	    { DESC_GPA, 2, BUF_GPA + 16, 8, 0, 0 } } },
	/* The order rule spans the step from a direct chain into its table. */
	{ "test_readable_after_writable_across_indirect", true, 0, WRITABLE_FIRST,
	  { { DESC_GPA, 0, BUF_GPA, 8, F_WRITE | F_NEXT, 1 },
	    { DESC_GPA, 1, IND_GPA, 16, F_INDIRECT, 0 },
	    { IND_GPA, 0, BUF_GPA + 8, 8, 0, 0 } } },
	/* An empty writable buffer still counts for the order rule. */
	{ "test_readable_after_empty_writable", false, 0, WRITABLE_FIRST,
	  { { DESC_GPA, 0, BUF_GPA, 0, F_WRITE | F_NEXT, 1 },
	    { DESC_GPA, 1, BUF_GPA + 8, 8, 0, 0 } } },
	{ "test_indirect_without_feature", false, 0, "indirect descriptor without the feature",
	  { { DESC_GPA, 0, IND_GPA, 16, F_INDIRECT, 0 }, { IND_GPA, 0, BUF_GPA, 8, 0, 0 } } },
	{ "test_indirect_len_not_multiple", true, 0, NOT_MULTIPLE,
	  { { DESC_GPA, 0, IND_GPA, 24, F_INDIRECT, 0 }, { IND_GPA, 0, BUF_GPA, 8, 0, 0 } } },
	{ "test_indirect_len_zero", true, 0, NOT_MULTIPLE,
	  { { DESC_GPA, 0, IND_GPA, 0, F_INDIRECT, 0 } } },
	{ "test_indirect_table_outside_ram", true, 0, TABLE_OUTSIDE_RAM,
	  { { DESC_GPA, 0, RAM_END - 16, 32, F_INDIRECT, 0 } } },
	{ "test_indirect_table_wraps_2_64", true, 0, TABLE_OUTSIDE_RAM,
	  { { DESC_GPA, 0, 0xfffffffffffffff0ULL, 32, F_INDIRECT, 0 } } },
	{ "test_indirect_too_long", true, 0, "indirect table too long",
	  { { DESC_GPA, 0, IND_GPA, (VQ_MAX_SIZE + 1) * 16, F_INDIRECT, 0 } } },
	{ "test_nested_indirect", true, 0, "nested indirect table",
	  { { DESC_GPA, 0, IND_GPA, 2 * 16, F_INDIRECT, 0 },
	    { IND_GPA, 0, BUF_GPA, 8, F_NEXT, 1 },
	    { IND_GPA, 1, IND2_GPA, 16, F_INDIRECT, 0 },
	    { IND2_GPA, 0, BUF_GPA + 8, 8, F_WRITE, 0 } } },
	{ "test_indirect_with_next", true, 0, "indirect descriptor with the next flag",
	  { { DESC_GPA, 0, IND_GPA, 16, F_INDIRECT | F_NEXT, 1 },
	    { DESC_GPA, 1, BUF_GPA + 8, 8, F_WRITE, 0 },
	    { IND_GPA, 0, BUF_GPA, 8, 0, 0 } } },
	/* Inside a table, next is bounded by the table, not by the queue. */
	{ "test_indirect_next_out_of_range", true, 0, OUT_OF_RANGE,
	  { { DESC_GPA, 0, IND_GPA, 2 * 16, F_INDIRECT, 0 },
	    { IND_GPA, 0, BUF_GPA, 8, F_NEXT, 1 },
	    { IND_GPA, 1, BUF_GPA + 8, 8, F_NEXT, 2 },
	    { IND_GPA, 2, BUF_GPA + 16, 8, 0, 0 } } }, /* past the table's end */
	{ "test_indirect_loop", true, 0, LOOPS,
	  { { DESC_GPA, 0, IND_GPA, 2 * 16, F_INDIRECT, 0 },
	    { IND_GPA, 0, BUF_GPA, 0, F_NEXT, 1 },
	    { IND_GPA, 1, BUF_GPA, 0, F_NEXT, 0 } } },
	{ "test_indirect_buffer_outside_ram", true, 0, OUTSIDE_RAM,
	  { { DESC_GPA, 0, IND_GPA, 16, F_INDIRECT, 0 },
	    { IND_GPA, 0, RAM_END - 1, 2, F_WRITE, 0 } } },
};

/*
 * The test of one row of hostile[]: main() passes the row as the test's
 * initial state, which setup() keeps in f->param.
 */
static void test_hostile(void **state)
{
	struct fx *f = *state;
	const struct hostile *h = f->param;
	const struct dsc *d;

	start(f, QSIZE, false, h->indirect);
	for (d = h->d; d < h->d + ARRAY_SIZE(h->d) && d->table; d++)
		desc_at(f, d->table, d->i, d->addr, d->len, d->flags, d->next);
	offer(f, h->head);
	expect_err(f, h->why);
}

/* Through every descriptor and back to the first: size + 1 visits. */
static void test_chain_longer_than_queue(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, QSIZE, false, false);
	for (i = 0; i < QSIZE; i++)
		desc(f, (uint16_t)i, BUF_GPA + i, 1, F_NEXT, (uint16_t)((i + 1) % QSIZE));
	offer(f, 0);
	expect_err(f, "descriptor chain loops or is longer than the queue");
}

static void test_avail_idx_jump(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	desc(f, 0, BUF_GPA, 8, 0, 0);
	set_avail_idx(f, QSIZE + 1);
	expect_err(f, "avail index jumped");
}

/* The driver "decrementing" idx looks like a jump of almost 2^16. */
static void test_avail_idx_backwards(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	desc(f, 0, BUF_GPA, 8, 0, 0);
	offer(f, 0);
	assert_int_equal(pop(f), VQ_OK);
	set_avail_idx(f, 0);
	assert_int_equal(pop(f), VQ_ERR);
	assert_string_equal(f->why, "avail index jumped");
	assert_true(f->q.broken);
}

static void test_too_many_segments(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, true);
	indirect_of(f, VQ_MAX_IOV + 1, 1);
	expect_err(f, "too many buffers in one chain");
}

/* out + in adding up to 2^32 bytes: each fits in 32 bits, the sum does not. */
static void test_chain_of_4gib(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, true);
	indirect_of(f, VQ_MAX_IOV, 4 * MiB);
	expect_err(f, "chain longer than 4 GiB");
}

/* A broken queue answers without reading or writing guest memory. */
static void test_broken_touches_nothing(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, false, false);
	offer(f, QSIZE);
	assert_int_equal(pop(f), VQ_ERR);
	assert_true(f->q.broken);

	assert_int_equal(mprotect(f->gm.host, RAM_SIZE, PROT_NONE), 0);
	assert_int_equal(pop(f), VQ_ERR);
	assert_non_null(f->why);
	vq_push(&f->q, 0, 0);
	assert_false(vq_should_notify(&f->q));
	assert_false(vq_notify_enable(&f->q, true));
	assert_false(vq_notify_enable(&f->q, false));
	assert_int_equal(mprotect(f->gm.host, RAM_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(used_idx(f), 0);
}

/* After vq_reset and a fresh set-up by the driver, the queue works again. */
static void test_reset_recovers(void **state)
{
	struct fx *f = *state;

	start(f, QSIZE, true, true);
	desc(f, 0, BUF_GPA, 8, F_NEXT, 0);
	offer(f, 0);
	expect_err(f, "descriptor chain loops or is longer than the queue");

	vq_reset(&f->q);
	assert_false(f->q.ready);
	assert_false(f->q.broken);
	assert_false(f->q.event_idx);
	assert_false(f->q.indirect);
	assert_int_equal(f->q.size, 0);
	assert_int_equal(f->q.last_avail, 0);
	assert_int_equal(f->q.used_idx, 0);
	assert_null(f->q.desc);
	assert_ptr_equal(f->q.gm, &f->gm);
	assert_int_equal(pop(f), VQ_EMPTY); /* not ready */

	/* The driver re-initialises its rings and sets the queue up again. */
	memset(host(f, AVAIL_GPA), 0, 0x2000);
	memset(host(f, USED_GPA), 0, 0x2000);
	f->avail_idx = 0;
	start(f, QSIZE, false, false);
	desc(f, 0, BUF_GPA, 8, F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(pop(f), VQ_OK);
	assert_int_equal(f->c.nin, 1);
	vq_push(&f->q, 0, 8);
	assert_int_equal(used_idx(f), 1);
	assert_true(vq_should_notify(&f->q));
}

/* A queue the driver never made ready yields nothing and reads nothing. */
static void test_not_ready(void **state)
{
	struct fx *f = *state;

	f->q.gm = &f->gm;
	assert_int_equal(mprotect(f->gm.host, RAM_SIZE, PROT_NONE), 0);
	assert_int_equal(pop(f), VQ_EMPTY);
	vq_push(&f->q, 0, 0);
	assert_false(vq_should_notify(&f->q));
	assert_false(vq_notify_enable(&f->q, true));
	assert_int_equal(mprotect(f->gm.host, RAM_SIZE, PROT_READ | PROT_WRITE), 0);
}

/* ---- vq_start ---------------------------------------------------------- */

static void start_expect_fail(struct fx *f, uint16_t size, uint16_t max, uint64_t desc_gpa,
			      uint64_t avail_gpa, uint64_t used_gpa, const char *why)
{
	vq_reset(&f->q);
	f->q.gm = &f->gm;
	f->q.size = size;
	f->q.desc_gpa = desc_gpa;
	f->q.avail_gpa = avail_gpa;
	f->q.used_gpa = used_gpa;
	f->why = NULL;
	assert_int_equal(vq_start(&f->q, max, &f->why), -1);
	assert_non_null(f->why);
	assert_string_equal(f->why, why);
	assert_false(f->q.ready);
	assert_int_equal(pop(f), VQ_EMPTY);
}

static void test_start_bad_size(void **state)
{
	struct fx *f = *state;
	const char *size = "queue size not a power of 2 within the maximum";

	start_expect_fail(f, 0, 256, DESC_GPA, AVAIL_GPA, USED_GPA, size);
	start_expect_fail(f, 3, 256, DESC_GPA, AVAIL_GPA, USED_GPA, size);
	start_expect_fail(f, 24, 256, DESC_GPA, AVAIL_GPA, USED_GPA, size);
	start_expect_fail(f, 512, 256, DESC_GPA, AVAIL_GPA, USED_GPA, size);
	start_expect_fail(f, VQ_MAX_SIZE, VQ_MAX_SIZE / 2, DESC_GPA, AVAIL_GPA, USED_GPA, size);
	start_expect_fail(f, 0xffff, 0xffff, DESC_GPA, AVAIL_GPA, USED_GPA, size);
}

static void test_start_misaligned(void **state)
{
	struct fx *f = *state;
	const char *mis = "queue ring misaligned";

	start_expect_fail(f, QSIZE, 256, DESC_GPA + 8, AVAIL_GPA, USED_GPA, mis);
	start_expect_fail(f, QSIZE, 256, DESC_GPA, AVAIL_GPA + 1, USED_GPA, mis);
	start_expect_fail(f, QSIZE, 256, DESC_GPA, AVAIL_GPA, USED_GPA + 2, mis);
}

static void test_start_outside_ram(void **state)
{
	struct fx *f = *state;
	const char *out = "queue ring outside guest RAM";

	start_expect_fail(f, QSIZE, 256, 0x1000, AVAIL_GPA, USED_GPA, out);
	start_expect_fail(f, QSIZE, 256, RAM_END - 16 * QSIZE + 16, AVAIL_GPA, USED_GPA, out);
	start_expect_fail(f, QSIZE, 256, 0xfffffffffffffff0ULL, AVAIL_GPA, USED_GPA, out);
	/* Only used_event, the avail ring's last field, lies past the end. */
	start_expect_fail(f, QSIZE, 256, DESC_GPA, RAM_END - (4 + 2 * QSIZE), USED_GPA, out);
	/* Only avail_event, the used ring's last field, lies past the end. */
	start_expect_fail(f, QSIZE, 256, DESC_GPA, AVAIL_GPA, RAM_END - (4 + 8 * QSIZE), out);
	start_expect_fail(f, QSIZE, 256, DESC_GPA, AVAIL_GPA, RAM_END, out);
}

static void test_start_no_memory(void **state)
{
	struct fx *f = *state;

	vq_reset(&f->q);
	f->q.gm = NULL;
	f->q.size = QSIZE;
	f->q.desc_gpa = DESC_GPA;
	f->q.avail_gpa = AVAIL_GPA;
	f->q.used_gpa = USED_GPA;
	assert_int_equal(vq_start(&f->q, 256, &f->why), -1);
	assert_false(f->q.ready);
}

static void start_at(struct fx *f, uint16_t size, uint64_t desc_gpa, uint64_t avail_gpa,
		     uint64_t used_gpa)
{
	vq_reset(&f->q);
	f->q.gm = &f->gm;
	f->q.size = size;
	f->q.desc_gpa = desc_gpa;
	f->q.avail_gpa = avail_gpa;
	f->q.used_gpa = used_gpa;
	assert_int_equal(vq_start(&f->q, VQ_MAX_SIZE, &f->why), 0);
	assert_true(f->q.ready);
	assert_int_equal(pop(f), VQ_EMPTY);
}

/* Each ring as close to the end of RAM as its alignment allows. */
static void test_start_at_ram_end(void **state)
{
	struct fx *f = *state;

	start_at(f, QSIZE, RAM_END - 16 * QSIZE, AVAIL_GPA, USED_GPA);
	start_at(f, QSIZE, DESC_GPA, RAM_END - (6 + 2 * QSIZE), USED_GPA);
	/* 6 + 8 * size is 2 mod 4: the used ring can end 2 bytes short at best. */
	start_at(f, QSIZE, DESC_GPA, AVAIL_GPA, RAM_END - (6 + 8 * QSIZE) - 2);
}

static void test_start_largest_queue(void **state)
{
	struct fx *f = *state;

	start_at(f, VQ_MAX_SIZE, RAM_GPA, RAM_GPA + 16 * (uint64_t)VQ_MAX_SIZE,
		 RAM_GPA + 24 * (uint64_t)VQ_MAX_SIZE);
}

/* vq_iov_read/write across segments, from an offset, and past the end. */
static void test_iov_copy(void **state)
{
	uint8_t a[3] = { 1, 2, 3 }, b[4] = { 4, 5, 6, 7 }, out[8];
	struct iovec iov[3] = { { a, 3 }, { NULL, 0 }, { b, 4 } };

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(vq_iov_read(iov, 3, 2, out, 4), 4);
	assert_memory_equal(out, ((uint8_t[]){ 3, 4, 5, 6, 0xee }), 5);
	assert_int_equal(vq_iov_read(iov, 3, 5, out, 8), 2); /* the buffers end first */
	assert_memory_equal(out, ((uint8_t[]){ 6, 7 }), 2);
	assert_int_equal(vq_iov_read(iov, 3, 7, out, 8), 0);
	assert_int_equal(vq_iov_write(iov, 3, 1, ((uint8_t[]){ 9, 8, 7, 6 }), 4), 4);
	assert_memory_equal(a, ((uint8_t[]){ 1, 9, 8 }), 3);
	assert_memory_equal(b, ((uint8_t[]){ 7, 6, 6, 7 }), 4);
	assert_int_equal(vq_iov_write(iov, 2, 0, out, 8), 3); /* only a, and the empty one */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	static const struct CMUnitTest named[] = {
		T(test_simple_chain),
		T(test_iov_copy),
		T(test_index_wraparound),
		T(test_full_ring),
		T(test_chain_of_queue_size),
		T(test_indirect_chain),
		T(test_direct_then_indirect),
		T(test_indirect_unaligned_table),
		T(test_zero_length_skipped),
		T(test_all_zero_length),
		T(test_buffers_at_ram_edges),
		T(test_max_iov),
		T(test_chain_of_4gib_minus_1),
		T(test_no_interrupt_flag),
		T(test_event_idx_notify),
		T(test_event_idx_wrap),
		T(test_notify_enable_flags),
		T(test_notify_enable_event_idx),
		T(test_chain_longer_than_queue),
		T(test_avail_idx_jump),
		T(test_avail_idx_backwards),
		T(test_too_many_segments),
		T(test_chain_of_4gib),
		T(test_broken_touches_nothing),
		T(test_reset_recovers),
		T(test_not_ready),
		T(test_start_bad_size),
		T(test_start_misaligned),
		T(test_start_outside_ram),
		T(test_start_no_memory),
		T(test_start_at_ram_end),
		T(test_start_largest_queue),
	};
#undef T
	struct CMUnitTest tests[ARRAY_SIZE(named) + ARRAY_SIZE(hostile)];
	size_t i;

	memcpy(tests, named, sizeof(named));
	for (i = 0; i < ARRAY_SIZE(hostile); i++)
		tests[ARRAY_SIZE(named) + i] = (struct CMUnitTest){
			hostile[i].name, test_hostile, setup, teardown, (void *)&hostile[i],
		};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
