// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtio-console: output and input through the transport,
 * the virtqueues and the device's I/O thread, with a tiny fake driver
 * writing descriptors and rings into fake guest RAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "unit.h"
#include "virtio_console.h"
#include "virtio_mmio.h"

#define INT_VRING 1
#define INT_CONFIG 2

/* virtio-console (spec 5.3.3). */
#define F_SIZE (1ull << 0)
#define F_MULTIPORT (1ull << 1)
#define F_EMERG_WRITE (1ull << 2)
#define NO_EVENT_IDX (~0ull & ~F_EVENT_IDX)

#define RXQ VIRTIO_CONSOLE_QUEUE_RX
#define TXQ VIRTIO_CONSOLE_QUEUE_TX

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (8ull << 20)
#define HEAP_BASE (RAM_BASE + (1ull << 20))
#define QSIZE VIRTIO_CONSOLE_QUEUE_MAX

struct cfx {
	struct guest_mem gm;
	struct irq_line irq;
	atomic_int pulses;
	struct virtio_console *con;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[2], used_seen[2], next_desc[2];
	uint64_t heap;
	uint64_t features;

	pthread_mutex_t tx_lock;
	uint8_t tx[4096];
	size_t ntx;
	bool tx_on_io_thread;   /* every tx call came from console-io */
	bool echo;              /* tx feeds what it gets back through rx */

	atomic_int rx_ready;
	bool auto_rx;           /* rx_ready offers `pending` again */
	const uint8_t *pending;
	size_t npending;
	atomic_size_t auto_taken;
};

#define FAKE_DRIVER_FIXTURE struct cfx
#include "fake_driver.h"

static void fx_tx(void *ctx, const uint8_t *buf, size_t len)
{
	struct cfx *f = ctx;
	char name[16] = "";

	pthread_getname_np(pthread_self(), name, sizeof(name));
	pthread_mutex_lock(&f->tx_lock);
	if (strcmp(name, "console-io"))
		f->tx_on_io_thread = false;
	if (f->ntx + len <= sizeof(f->tx)) {
		memcpy(f->tx + f->ntx, buf, len);
		f->ntx += len;
	}
	pthread_mutex_unlock(&f->tx_lock);
	/* The header allows this: no lock of the console's is held here. */
	if (f->echo)
		virtio_console_rx(f->con, buf, len);
}

static void fx_rx_ready(void *ctx)
{
	struct cfx *f = ctx;

	atomic_fetch_add(&f->rx_ready, 1);
	if (f->auto_rx)
		atomic_fetch_add(&f->auto_taken,
				 virtio_console_rx(f->con, f->pending, f->npending));
}

static size_t tx_len(struct cfx *f)
{
	size_t n;

	pthread_mutex_lock(&f->tx_lock);
	n = f->ntx;
	pthread_mutex_unlock(&f->tx_lock);
	return n;
}

/* A buffer holding s (not NUL-terminated). */
static struct seg text(struct cfx *f, const char *s)
{
	uint32_t len = (uint32_t)strlen(s);
	uint64_t gpa = alloc(f, len, 16);

	memcpy(ram(f, gpa, len), s, len);
	return (struct seg){ gpa, len, false };
}

/* A writable buffer of len bytes, filled with '.'. */
static struct seg room(struct cfx *f, uint32_t len)
{
	uint64_t gpa = alloc(f, len, 16);

	memset(ram(f, gpa, len), '.', len);
	return (struct seg){ gpa, len, true };
}

static int setup(void **state)
{
	struct cfx *f = calloc(1, sizeof(*f));
	struct virtio_console_host host = { .tx = fx_tx, .rx_ready = fx_rx_ready, .ctx = f };

	assert_int_equal(gm_init(&f->gm, RAM_BASE, RAM_SIZE), 0);
	pthread_mutex_init(&f->tx_lock, NULL);
	f->tx_on_io_thread = true;
	f->irq.pulse = fake_pulse;
	f->irq.ctx = f;
	f->nq = VIRTIO_CONSOLE_NUM_QUEUES;
	assert_int_equal(virtio_console_new(&host, &f->con), 0);
	assert_non_null(f->con);
	assert_int_equal(virtio_mmio_new(&virtio_console_dev_ops, f->con, VIRTIO_CONSOLE_NUM_QUEUES,
					 VIRTIO_CONSOLE_QUEUE_MAX, &f->irq, &f->gm, NULL,
					 "virtio console", &f->t),
			 0);
	assert_non_null(f->t);
	drv_init(f, NO_EVENT_IDX);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct cfx *f = *state;

	virtio_mmio_free(f->t);
	virtio_console_free(f->con);
	gm_destroy(&f->gm);
	pthread_mutex_destroy(&f->tx_lock);
	free(f);
	return 0;
}


static bool wait_tx(struct cfx *f, size_t n)
{
	int i;

	for (i = 0; i < 5000 && tx_len(f) < n; i++)
		sleep_ms(1);
	return tx_len(f) >= n;
}

static bool wait_isr(struct cfx *f, uint32_t bit)
{
	int i;

	for (i = 0; i < 5000 && !(rd(f, INT_STATUS) & bit); i++)
		sleep_ms(1);
	return rd(f, INT_STATUS) & bit;
}

static size_t rx(struct cfx *f, const char *s)
{
	return virtio_console_rx(f->con, (const uint8_t *)s, strlen(s));
}

static void test_identity(void **state)
{
	struct cfx *f = *state;
	uint64_t feat = device_features(f);
	uint32_t v = 0xffffffff;

	assert_int_equal(rd(f, DEVICE_ID), 3);
	assert_true(feat & F_SIZE);
	assert_true(feat & F_VERSION_1);
	assert_false(feat & F_MULTIPORT);
	assert_false(feat & F_EMERG_WRITE);
	wr(f, QUEUE_SEL, 0);
	assert_int_equal(rd(f, QUEUE_NUM_MAX), VIRTIO_CONSOLE_QUEUE_MAX);
	/* Size unknown: 0x0; nothing beyond cols and rows. */
	virtio_mmio_ops.read(f->t, CONFIG, &v, 4);
	assert_int_equal(v, 0);
	assert_int_equal(rd(f, CONFIG + 4), 0);
	assert_int_equal(rd(f, CONFIG + 8), 0);
	/* emerg_wr is not offered: a write there does nothing. */
	wr(f, CONFIG + 8, 'x');
	assert_int_equal(tx_len(f), 0);
	assert_int_equal(count_threads("console-io"), 1);
}

static void test_tx(void **state)
{
	struct cfx *f = *state;
	struct seg s[2];
	struct virtio_console_stats st;
	uint16_t head;
	int pulses = atomic_load(&f->pulses);

	s[0] = text(f, "hello");
	head = post(f, TXQ, s, 1);
	kick(f, TXQ);
	expect_used(f, TXQ, head, 0);
	assert_true(wait_tx(f, 5));
	assert_memory_equal(f->tx, "hello", 5);
	assert_true(wait_int(&f->pulses, pulses + 1));
	assert_true(rd(f, INT_STATUS) & INT_VRING);
	wr(f, INT_ACK, INT_VRING);

	/* A chain of two buffers comes out in order. */
	s[0] = text(f, ", wor");
	s[1] = text(f, "ld\n");
	head = post(f, TXQ, s, 2);
	kick(f, TXQ);
	expect_used(f, TXQ, head, 0);
	assert_true(wait_tx(f, 13));
	assert_memory_equal(f->tx, "hello, world\n", 13);
	assert_true(f->tx_on_io_thread);
	virtio_console_get_stats(f->con, &st);
	assert_true(st.tx_bytes == 13);
	assert_true(st.rx_bytes == 0);
}

/* Many chains, one kick: all written in order, fewer interrupts than chains. */
static void test_tx_batch(void **state)
{
	struct cfx *f = *state;
	char want[40], one[2] = "";
	int i, pulses;
	uint16_t head;
	uint32_t len;

	for (i = 0; i < 40; i++) {
		struct seg s;

		one[0] = want[i] = (char)('0' + i);
		s = text(f, one);
		post(f, TXQ, &s, 1);
	}
	pulses = atomic_load(&f->pulses);
	kick(f, TXQ);
	for (i = 0; i < 40; i++) {
		assert_true(wait_used(f, TXQ, &head, &len));
		assert_int_equal(head, i);
	}
	assert_true(wait_tx(f, 40));
	assert_memory_equal(f->tx, want, 40);
	assert_true(wait_int(&f->pulses, pulses + 1));
	assert_true(atomic_load(&f->pulses) - pulses < 40);
}

static void test_rx(void **state)
{
	struct cfx *f = *state;
	struct seg a = room(f, 4), b = room(f, 4), c[2];
	struct virtio_console_stats st;
	uint16_t ha, hb, hc;
	int pulses;

	ha = post(f, RXQ, &a, 1);
	hb = post(f, RXQ, &b, 1);
	pulses = atomic_load(&f->pulses);
	/* Fills one buffer, then the next: each comes back with its length. */
	assert_int_equal(rx(f, "abcdef"), 6);
	expect_used(f, RXQ, ha, 4);
	expect_used(f, RXQ, hb, 2);
	assert_memory_equal(ram(f, a.gpa, 4), "abcd", 4);
	assert_memory_equal(ram(f, b.gpa, 4), "ef..", 4);
	/* One interrupt for the call, and its reason. */
	assert_int_equal(atomic_load(&f->pulses), pulses + 1);
	assert_int_equal(rd(f, INT_STATUS) & INT_VRING, INT_VRING);
	wr(f, INT_ACK, INT_VRING);

	/* A chain of two writable buffers is filled across both. */
	c[0] = room(f, 3);
	c[1] = room(f, 3);
	hc = post(f, RXQ, c, 2);
	assert_int_equal(rx(f, "uvwxy"), 5);
	expect_used(f, RXQ, hc, 5);
	assert_memory_equal(ram(f, c[0].gpa, 3), "uvw", 3);
	assert_memory_equal(ram(f, c[1].gpa, 3), "xy.", 3);
	virtio_console_get_stats(f->con, &st);
	assert_true(st.rx_bytes == 11);
	assert_int_equal(atomic_load(&f->rx_ready), 0);
	/* An empty offer takes nothing and arms nothing. */
	assert_int_equal(virtio_console_rx(f->con, (const uint8_t *)"", 0), 0);
	sleep_ms(20);
	assert_int_equal(atomic_load(&f->rx_ready), 0);
}

static void test_rx_no_buffers(void **state)
{
	struct cfx *f = *state;
	struct seg a, b;
	uint16_t ha;

	assert_int_equal(rx(f, "q"), 0);
	assert_int_equal(rx(f, "q"), 0);
	sleep_ms(50);
	assert_int_equal(atomic_load(&f->rx_ready), 0);
	/* The driver posts a buffer and kicks: the host hears, once. */
	a = room(f, 8);
	ha = post_kick(f, RXQ, &a, 1);
	assert_true(wait_int(&f->rx_ready, 1));
	assert_int_equal(rx(f, "q"), 1);
	expect_used(f, RXQ, ha, 1);
	/* Not waiting any more: the device wants no kicks for new buffers. */
	b = room(f, 8);
	post_kick(f, RXQ, &b, 1);
	kick(f, RXQ); /* a driver may kick anyway */
	sleep_ms(50);
	assert_int_equal(atomic_load(&f->rx_ready), 1);

	/* Taking part of an offer arms it too. */
	assert_int_equal(rx(f, "0123456789"), 8);
	a = room(f, 8);
	post_kick(f, RXQ, &a, 1);
	assert_true(wait_int(&f->rx_ready, 2));
	assert_int_equal(rx(f, "89"), 2);
}

/* rx_ready may feed the console directly: no deadlock, input arrives. */
static void test_rx_ready_feeds(void **state)
{
	struct cfx *f = *state;
	struct seg a;
	uint16_t ha;
	int i;

	f->pending = (const uint8_t *)"typed";
	f->npending = 5;
	f->auto_rx = true;
	assert_int_equal(rx(f, "typed"), 0);
	a = room(f, 16);
	ha = post_kick(f, RXQ, &a, 1);
	assert_true(wait_int(&f->rx_ready, 1));
	expect_used(f, RXQ, ha, 5);
	/* The used entry lands inside the callback, before it counts what it fed. */
	for (i = 0; i < 200 && atomic_load(&f->auto_taken) < 5; i++)
		sleep_ms(10);
	assert_int_equal(atomic_load(&f->auto_taken), 5);
	assert_memory_equal(ram(f, a.gpa, 5), "typed", 5);
}

/* tx may call rx: an echo through the guest's own buffers. */
static void test_echo(void **state)
{
	struct cfx *f = *state;
	struct seg in = room(f, 16), out;
	uint16_t hin;

	f->echo = true;
	hin = post(f, RXQ, &in, 1);
	out = text(f, "ping");
	post(f, TXQ, &out, 1);
	kick(f, TXQ);
	expect_used(f, RXQ, hin, 4);
	assert_memory_equal(ram(f, in.gpa, 4), "ping", 4);
}

/* Input offered before the driver is up is refused, and announced later. */
static void test_rx_before_driver(void **state)
{
	struct cfx *f = *state;
	struct seg a;
	uint16_t ha;

	wr(f, STATUS, 0);
	assert_int_equal(rx(f, "early"), 0);
	/* Buffers posted before DRIVER_OK, no kick: the start finds them. */
	drv_setup(f, NO_EVENT_IDX);
	a = room(f, 16);
	ha = post(f, RXQ, &a, 1);
	assert_int_equal(atomic_load(&f->rx_ready), 0);
	drv_ok(f);
	assert_true(wait_int(&f->rx_ready, 1));
	assert_int_equal(rx(f, "early"), 5);
	expect_used(f, RXQ, ha, 5);

	/* And the same with the buffers posted after DRIVER_OK. */
	wr(f, STATUS, 0);
	assert_int_equal(rx(f, "late"), 0);
	drv_init(f, NO_EVENT_IDX);
	sleep_ms(20);
	assert_int_equal(atomic_load(&f->rx_ready), 1);
	a = room(f, 16);
	ha = post_kick(f, RXQ, &a, 1);
	assert_true(wait_int(&f->rx_ready, 2));
	assert_int_equal(rx(f, "late"), 4);
	expect_used(f, RXQ, ha, 4);
}

static uint16_t cfg16(struct cfx *f, uint32_t off)
{
	uint16_t v = 0;

	virtio_mmio_ops.read(f->t, CONFIG + off, &v, 2);
	return v;
}

static void test_set_size(void **state)
{
	struct cfx *f = *state;
	uint32_t gen = rd(f, CONFIG_GEN), v = 0;
	uint8_t b = 0;
	int pulses = atomic_load(&f->pulses);

	virtio_console_set_size(f->con, 80, 24);
	assert_int_equal(cfg16(f, 0), 80);
	assert_int_equal(cfg16(f, 2), 24);
	virtio_mmio_ops.read(f->t, CONFIG, &v, 4);
	assert_int_equal(v, 80 | 24 << 16);
	virtio_mmio_ops.read(f->t, CONFIG + 1, &b, 1);
	assert_int_equal(b, 0);
	virtio_mmio_ops.read(f->t, CONFIG + 3, &v, 4);
	assert_int_equal(v, 0); /* rows' high byte, then nothing */
	assert_int_not_equal(rd(f, CONFIG_GEN), gen);
	assert_int_equal(rd(f, INT_STATUS) & INT_CONFIG, INT_CONFIG);
	assert_int_equal(atomic_load(&f->pulses), pulses + 1);
	wr(f, INT_ACK, INT_CONFIG);

	/* The same size again: nothing to tell. */
	gen = rd(f, CONFIG_GEN);
	virtio_console_set_size(f->con, 80, 24);
	assert_int_equal(rd(f, CONFIG_GEN), gen);
	assert_int_equal(rd(f, INT_STATUS), 0);

	virtio_console_set_size(f->con, 0xffff, 300);
	assert_int_equal(cfg16(f, 0), 0xffff);
	assert_int_equal(cfg16(f, 2), 300);
	assert_int_not_equal(rd(f, CONFIG_GEN), gen);
	wr(f, INT_ACK, INT_CONFIG);
}

/* A size set while the driver is down is announced when it comes up. */
static void test_size_at_start(void **state)
{
	struct cfx *f = *state;
	int pulses;

	wr(f, STATUS, 0);
	pulses = atomic_load(&f->pulses);
	virtio_console_set_size(f->con, 132, 43);
	assert_int_equal(atomic_load(&f->pulses), pulses); /* no driver: no interrupt */
	drv_init(f, NO_EVENT_IDX);
	assert_true(wait_isr(f, INT_CONFIG));
	assert_int_equal(cfg16(f, 0), 132);
	assert_int_equal(cfg16(f, 2), 43);
	wr(f, INT_ACK, INT_CONFIG);

	/* A driver that does not take F_SIZE is not bothered. */
	drv_init(f, NO_EVENT_IDX & ~F_SIZE);
	sleep_ms(50);
	assert_int_equal(rd(f, INT_STATUS) & INT_CONFIG, 0);
}

static void test_reset(void **state)
{
	struct cfx *f = *state;
	struct virtio_console_stats st;
	struct seg s = text(f, "before");
	struct seg a = room(f, 8);

	post(f, TXQ, &s, 1);
	kick(f, TXQ);
	assert_true(wait_tx(f, 6));
	post(f, RXQ, &a, 1);

	wr(f, STATUS, 0);
	assert_int_equal(rd(f, STATUS), 0);
	assert_int_equal(count_threads("console-io"), 0);
	/* Stopped: the posted buffer is the old driver's, not to be touched. */
	assert_int_equal(rx(f, "x"), 0);
	assert_memory_equal(ram(f, a.gpa, 8), "........", 8);

	drv_init(f, NO_EVENT_IDX);
	assert_int_equal(count_threads("console-io"), 1);
	s = text(f, "after");
	post(f, TXQ, &s, 1);
	kick(f, TXQ);
	assert_true(wait_tx(f, 11));
	assert_memory_equal(f->tx, "beforeafter", 11);
	virtio_console_get_stats(f->con, &st);
	assert_true(st.tx_bytes == 11);

	/* Reset with output queued and not kicked: nothing crashes. */
	s = text(f, "lost?");
	post(f, TXQ, &s, 1);
	wr(f, STATUS, 0);
	virtio_mmio_reset(f->t);
	assert_int_equal(count_threads("console-io"), 0);
	drv_init(f, NO_EVENT_IDX);
	assert_int_equal(count_threads("console-io"), 1);
}

/* A transmit chain with a buffer for the device to write: NEEDS_RESET. */
static void test_hostile_tx(void **state)
{
	struct cfx *f = *state;
	struct unit_capture cap;
	struct seg s[2] = { text(f, "ab"), room(f, 4) };
	struct seg a = room(f, 8);

	unit_capture_begin(&cap, 2);
	post(f, TXQ, s, 2);
	kick(f, TXQ);
	assert_no_used(f, TXQ);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 3: console transmit chain with a "
				       "device-writable buffer; the device needs a reset");
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
	assert_int_equal(rd(f, INT_STATUS) & INT_CONFIG, INT_CONFIG);
	assert_int_equal(tx_len(f), 0);
	assert_memory_equal(ram(f, s[1].gpa, 4), "....", 4);
	/* Both queues are left alone now... */
	s[0] = text(f, "ok");
	post(f, TXQ, s, 1);
	kick(f, TXQ);
	assert_no_used(f, TXQ);
	post(f, RXQ, &a, 1);
	assert_int_equal(rx(f, "x"), 0);
	assert_int_equal(tx_len(f), 0);
	/* ...until the driver resets the device. */
	drv_init(f, NO_EVENT_IDX);
	assert_int_equal(rd(f, STATUS) & S_NR, 0);
	s[0] = text(f, "ok");
	post(f, TXQ, s, 1);
	kick(f, TXQ);
	assert_true(wait_tx(f, 2));
	assert_memory_equal(f->tx, "ok", 2);
}

/* A receive chain with a buffer for the device to read: NEEDS_RESET. */
static void test_hostile_rx(void **state)
{
	struct cfx *f = *state;
	struct unit_capture cap;
	struct seg good = room(f, 2), bad[2] = { text(f, "ro"), room(f, 8) };
	uint16_t hgood;

	hgood = post(f, RXQ, &good, 1);
	post(f, RXQ, bad, 2);
	unit_capture_begin(&cap, 2);
	/* The good chain is filled and returned; the bad one stops the rest. */
	assert_int_equal(rx(f, "abcdef"), 2);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 3: console receive chain with a "
				       "device-readable buffer; the device needs a reset");
	expect_used(f, RXQ, hgood, 2);
	assert_no_used(f, RXQ);
	assert_memory_equal(ram(f, bad[0].gpa, 2), "ro", 2);
	assert_memory_equal(ram(f, bad[1].gpa, 8), "........", 8);
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
	assert_int_equal(rx(f, "cdef"), 0);

	/* After a reset, the waiting host hears of new buffers. */
	drv_init(f, NO_EVENT_IDX);
	good = room(f, 8);
	hgood = post_kick(f, RXQ, &good, 1);
	assert_true(wait_int(&f->rx_ready, 1));
	assert_int_equal(rx(f, "cdef"), 4);
	expect_used(f, RXQ, hgood, 4);
}

/* Receive chains the walker rejects, or with no room at all. */
static void test_hostile_rx_chains(void **state)
{
	struct cfx *f = *state;
	struct unit_capture cap;
	struct seg outside = { RAM_BASE + RAM_SIZE - 4, 8, true };
	struct seg empty = { alloc(f, 1, 16), 0, true };

	post(f, RXQ, &outside, 1);
	unit_capture_begin(&cap, 2);
	assert_int_equal(rx(f, "x"), 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 3: buffer outside guest RAM; the "
				       "device needs a reset");
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);

	drv_init(f, NO_EVENT_IDX);
	post(f, RXQ, &empty, 1);
	unit_capture_begin(&cap, 2);
	assert_int_equal(rx(f, "x"), 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 3: console receive chain without "
				       "a writable buffer; the device needs a reset");
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
}

/* With EVENT_IDX, output still flows and a waiting host still hears of buffers. */
static void test_event_idx(void **state)
{
	struct cfx *f = *state;
	struct seg s, a;
	uint16_t head;
	int i;

	drv_init(f, ~0ull);
	assert_true(f->features & F_EVENT_IDX);
	for (i = 0; i < 3; i++) {
		s = text(f, "ab");
		head = post(f, TXQ, &s, 1);
		kick(f, TXQ);
		expect_used(f, TXQ, head, 0);
	}
	assert_true(wait_tx(f, 6));
	for (i = 0; i < 3; i++) {
		assert_int_equal(rx(f, "z"), 0);
		a = room(f, 4);
		head = post_kick(f, RXQ, &a, 1);
		assert_true(wait_int(&f->rx_ready, i + 1));
		assert_int_equal(rx(f, "z"), 1);
		expect_used(f, RXQ, head, 1);
	}
}

static void test_new_free(void **state)
{
	int fds = unit_open_fds();
	struct virtio_console *c;

	(void)state;
	/* Never attached, no callbacks. */
	c = NULL;
	assert_int_equal(virtio_console_new(NULL, &c), 0);
	assert_non_null(c);
	assert_int_equal(virtio_console_rx(c, (const uint8_t *)"x", 1), 0);
	virtio_console_set_size(c, 80, 25);
	virtio_console_free(c);
	virtio_console_free(NULL);
	assert_int_equal(unit_open_fds(), fds);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_tx),
		T(test_tx_batch),
		T(test_rx),
		T(test_rx_no_buffers),
		T(test_rx_ready_feeds),
		T(test_echo),
		T(test_rx_before_driver),
		T(test_set_size),
		T(test_size_at_start),
		T(test_reset),
		T(test_hostile_tx),
		T(test_hostile_rx),
		T(test_hostile_rx_chains),
		T(test_event_idx),
		cmocka_unit_test(test_new_free),
	};
#undef T

	return cmocka_run_group_tests_name("virtio_console", tests, NULL, NULL);
}
