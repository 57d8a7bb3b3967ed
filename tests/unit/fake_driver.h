/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FAKE_DRIVER_H
#define VMM_TESTS_FAKE_DRIVER_H

/*
 * A tiny fake virtio driver over fake guest RAM, for the device tests:
 * it initialises the device (3.1.1), lays out split virtqueues (2.7), posts
 * descriptor chains, kicks, and reads back used entries. On top of
 * fake_transport.h, with the same rules: static helpers, included
 * after <cmocka.h> with FAKE_DRIVER_FIXTURE defined. The fixture also has
 *
 *	struct guest_mem gm;      the fake guest RAM, [RAM_BASE, RAM_BASE + RAM_SIZE)
 *	unsigned int nq;          queues drv_setup() sets up (at most 2)
 *	uint16_t avail_idx[2], used_seen[2], next_desc[2];   per queue
 *	uint64_t heap;            next free byte for alloc()
 *	uint64_t features;        what drv_setup() accepted
 *
 * and the test defines RAM_BASE, RAM_SIZE, HEAP_BASE (where buffers start,
 * above the rings) and QSIZE (the size of every queue).
 *
 * Queue q lives at qbase(q): its descriptor table there, its avail ring a
 * page above, its used ring two pages above. Chains take consecutive
 * descriptors, wrapping at QSIZE.
 */
#include "fake_transport.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* One buffer of a chain: guest address, length, device-writable. */
struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static __attribute__((unused)) void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The host view of guest RAM [gpa, gpa + len), which must exist. */
static __attribute__((unused)) void *ram(FAKE_DRIVER_FIXTURE *f, uint64_t gpa, uint64_t len)
{
	void *p = gm_ptr(&f->gm, gpa, len);

	assert_non_null(p);
	return p;
}

static __attribute__((unused)) uint64_t qbase(unsigned int q)
{
	return RAM_BASE + q * 0x10000ull;
}

/* len bytes of guest RAM from the heap, aligned to align (a power of two). */
static __attribute__((unused)) uint64_t alloc(FAKE_DRIVER_FIXTURE *f, uint64_t len, uint64_t align)
{
	uint64_t gpa = (f->heap + align - 1) & ~(align - 1);

	f->heap = gpa + len;
	assert_true(f->heap <= RAM_BASE + RAM_SIZE);
	return gpa;
}

/*
 * The driver's initialisation (spec 3.1.1) up to, not including, DRIVER_OK:
 * reset, fresh rings and heap, accept the offered features in mask, set up
 * f->nq queues of QSIZE.
 */
static __attribute__((unused)) void drv_setup(FAKE_DRIVER_FIXTURE *f, uint64_t mask)
{
	unsigned int q;

	wr(f, STATUS, 0);
	memset(ram(f, RAM_BASE, 0x20000), 0, 0x20000);
	memset(f->avail_idx, 0, sizeof(f->avail_idx));
	memset(f->used_seen, 0, sizeof(f->used_seen));
	memset(f->next_desc, 0, sizeof(f->next_desc));
	f->heap = HEAP_BASE;
	wr(f, STATUS, S_ACK);
	wr(f, STATUS, S_ACK | S_DRV);
	f->features = device_features(f) & mask;
	wr_features(f, f->features);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK);
	for (q = 0; q < f->nq; q++) {
		wr(f, QUEUE_SEL, q);
		wr(f, QUEUE_NUM, QSIZE);
		wr(f, Q_DESC_LO, (uint32_t)qbase(q));
		wr(f, Q_DRIVER_LO, (uint32_t)(qbase(q) + 0x1000));
		wr(f, Q_DEVICE_LO, (uint32_t)(qbase(q) + 0x2000));
		wr(f, QUEUE_READY, 1);
		assert_int_equal(rd(f, QUEUE_READY), 1);
	}
}

static __attribute__((unused)) void drv_ok(FAKE_DRIVER_FIXTURE *f)
{
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
}

static __attribute__((unused)) void drv_init(FAKE_DRIVER_FIXTURE *f, uint64_t mask)
{
	drv_setup(f, mask);
	drv_ok(f);
}

/* Put a chain on queue q's avail ring (no kick); returns its head. */
static __attribute__((unused)) uint16_t post(FAKE_DRIVER_FIXTURE *f, unsigned int q,
					     const struct seg *s, unsigned int n)
{
	struct desc *table = ram(f, qbase(q), QSIZE * sizeof(struct desc));
	uint16_t *avail = ram(f, qbase(q) + 0x1000, 4 + 2 * QSIZE);
	uint16_t head = f->next_desc[q], i;

	for (i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % QSIZE);

		table[d].addr = s[i].gpa;
		table[d].len = s[i].len;
		table[d].flags =
		    (uint16_t)((s[i].write ? DESC_F_WRITE : 0) | (i + 1u < n ? DESC_F_NEXT : 0));
		table[d].next = (uint16_t)((d + 1) % QSIZE);
	}
	f->next_desc[q] = (uint16_t)((head + n) % QSIZE);
	avail[2 + f->avail_idx[q] % QSIZE] = head;
	f->avail_idx[q]++;
	__atomic_store_n(&avail[1], f->avail_idx[q], __ATOMIC_RELEASE);
	return head;
}

static __attribute__((unused)) void kick(FAKE_DRIVER_FIXTURE *f, unsigned int q)
{
	wr(f, QUEUE_NOTIFY, q);
}

/* Wait for the next used entry of queue q; returns false on timeout. */
static __attribute__((unused)) bool wait_used(FAKE_DRIVER_FIXTURE *f, unsigned int q,
					      uint16_t *head, uint32_t *len)
{
	uint16_t *used = ram(f, qbase(q) + 0x2000, 4 + 8 * QSIZE);
	uint32_t *elem;
	int i;

	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(&used[1], __ATOMIC_ACQUIRE) != f->used_seen[q]) {
			elem = (uint32_t *)(used + 2) + 2 * (f->used_seen[q] % QSIZE);
			*head = (uint16_t)elem[0];
			*len = elem[1];
			f->used_seen[q]++;
			return true;
		}
		sleep_ms(1);
	}
	return false;
}

/*
 * Post a chain and kick only if the device asked for kicks, as Linux does
 * (VIRTQ_USED_F_NO_NOTIFY, or avail_event with EVENT_IDX): so a device
 * that forgot to ask would never hear of the buffer.
 */
static __attribute__((unused)) uint16_t post_kick(FAKE_DRIVER_FIXTURE *f, unsigned int q,
						  const struct seg *s, unsigned int n)
{
	uint16_t *used = ram(f, qbase(q) + 0x2000, 4 + 8 * QSIZE + 2);
	uint16_t old = f->avail_idx[q], head, event;
	bool want;

	head = post(f, q, s, n);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (f->features & F_EVENT_IDX) {
		event = __atomic_load_n(&used[2 + 4 * QSIZE], __ATOMIC_RELAXED);
		want = (uint16_t)(f->avail_idx[q] - event - 1) < (uint16_t)(f->avail_idx[q] - old);
	} else {
		want = !(__atomic_load_n(&used[0], __ATOMIC_RELAXED) & 1);
	}
	if (want)
		kick(f, q);
	return head;
}

/* The next used entry of queue q must be (head, len). */
static __attribute__((unused)) void expect_used(FAKE_DRIVER_FIXTURE *f, unsigned int q,
						uint16_t head, uint32_t len)
{
	uint16_t h;
	uint32_t l;

	assert_true(wait_used(f, q, &h, &l));
	assert_int_equal(h, head);
	assert_int_equal(l, len);
}

/* Nothing is returned on queue q within a short while. */
static __attribute__((unused)) void assert_no_used(FAKE_DRIVER_FIXTURE *f, unsigned int q)
{
	uint16_t *used = ram(f, qbase(q) + 0x2000, 4);

	sleep_ms(50);
	assert_int_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), f->used_seen[q]);
}

/* Wait until *v reaches n (pulses, callbacks); false on timeout. */
static __attribute__((unused)) bool wait_int(atomic_int *v, int n)
{
	int i;

	for (i = 0; i < 5000 && atomic_load(v) < n; i++)
		sleep_ms(1);
	return atomic_load(v) >= n;
}

/* How many of this process's threads are called name. */
static __attribute__((unused)) int count_threads(const char *name)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	char path[300], comm[32];
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		FILE *fp;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		if (fgets(comm, sizeof(comm), fp)) {
			comm[strcspn(comm, "\n")] = '\0';
			n += !strcmp(comm, name);
		}
		fclose(fp);
	}
	closedir(dir);
	return n;
}

#endif
