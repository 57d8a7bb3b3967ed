// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for virtio-net's userspace path: config space, features,
 * packets both ways, back-pressure, the control queue, hostile chains and
 * resets, through the transport and the device's threads, with a tiny fake
 * driver in fake guest RAM.
 *
 * The tap is a SOCK_SEQPACKET socketpair per queue pair: one end is the
 * "tap" fd the device owns, the test reads and writes the other, and
 * message boundaries keep packets whole as a tap does. A socket refuses
 * the tap's ioctls (TUNSETOFFLOAD, TUNSETQUEUE); the device warns once
 * and goes on, which the set-up checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "unit.h"
#include "status.h"
#include "virtio_net.h"
#include "virtio_mmio.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (16ull << 20)
#define HEAP_BASE (RAM_BASE + (1ull << 20))
#define QSIZE 64
#define MAXQ 5

#define HDR NET_HDR_LEN
#define F(bit) (1ull << (bit))
#define F_MRG F(VIRTIO_NET_F_MRG_RXBUF)
#define F_MQ F(VIRTIO_NET_F_MQ)
#define F_CTRL F(VIRTIO_NET_F_CTRL_VQ)
#define F_GUEST_CSUM F(VIRTIO_NET_F_GUEST_CSUM)
#define ALL (~0ull)

/* Queues: rx0, tx0 (rx1, tx1, ctrl with two pairs). */
#define RXQ 0
#define TXQ 1

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct nfx {
	struct guest_mem gm;
	struct irq_line irq;
	atomic_int pulses;
	struct virtio_net *net;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[MAXQ], used_seen[MAXQ], next_desc[MAXQ];
	uint64_t heap;
	uint64_t features;

	unsigned int npairs;
	int peer[2];   /* the test's ends of the fake tap */
	int devfd[2];  /* the device's ends (it closes them) */
};

#define FAKE_DRIVER_FIXTURE struct nfx
#include "fake_driver.h"

/* Reset, wipe every ring (drv_setup clears only two queues), set up, DRIVER_OK. */
static void net_init(struct nfx *f, uint64_t mask)
{
	wr(f, STATUS, 0);
	memset(ram(f, RAM_BASE, MAXQ * 0x10000ull), 0, MAXQ * 0x10000ull);
	drv_init(f, mask);
}

static struct nfx *fx_new_kind(unsigned int npairs, bool link_up, bool stream)
{
	struct nfx *f = calloc(1, sizeof(*f));
	struct unit_capture cap;
	struct tap tap;
	unsigned int i;
	int sv[2];

	assert_non_null(f);
	assert_int_equal(gm_init(&f->gm, RAM_BASE, RAM_SIZE), 0);
	f->irq.pulse = fake_pulse;
	f->irq.ctx = f;
	f->irq.fd = -1;
	f->npairs = npairs;
	memset(&tap, 0, sizeof(tap));
	strcpy(tap.ifname, "fake");
	tap.nfds = npairs;
	tap.stream = stream;
	for (i = 0; i < npairs; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
		tap.fds[i] = f->devfd[i] = sv[0];
		f->peer[i] = sv[1];
	}
	assert_int_equal(virtio_net_new(0, test_mac, &tap, NULL, npairs, link_up, &f->net), 0);
	f->nq = virtio_net_num_queues(f->net);
	assert_int_equal(virtio_mmio_new(&virtio_net_dev_ops, f->net, f->nq, VIRTIO_NET_QUEUE_MAX,
					 &f->irq, &f->gm, NULL, "network 0", &f->t),
			 0);
	assert_non_null(f->t);
	/* A socket is no tap: the device warns, once, and runs anyway. */
	unit_capture_begin(&cap, 2);
	net_init(f, ALL);
	unit_capture_end(&cap);
	if (stream) {
		/* A stream backend takes no tap ioctls: nothing to warn about. */
		assert_string_equal(cap.text, "");
		return f;
	}
	assert_non_null(strstr(cap.text, "vmm: warning: network fake: cannot set the tap's "
					 "offloads: "));
	if (npairs > 1)
		assert_non_null(strstr(cap.text, "vmm: warning: network fake: cannot detach tap "
						 "queue 1: "));
	assert_int_equal(unit_count_lines(cap.text), npairs > 1 ? 2 : 1);
	return f;
}

static struct nfx *fx_new(unsigned int npairs, bool link_up)
{
	return fx_new_kind(npairs, link_up, false);
}

static int setup1(void **state)
{
	*state = fx_new(1, true);
	return 0;
}

static int setup2(void **state)
{
	*state = fx_new(2, true);
	return 0;
}

static int teardown(void **state)
{
	struct nfx *f = *state;
	unsigned int i;

	virtio_mmio_free(f->t);
	virtio_net_free(f->net);
	for (i = 0; i < f->npairs; i++)
		close(f->peer[i]);
	gm_destroy(&f->gm);
	free(f);
	return 0;
}


/* A packet: a virtio_net_hdr_v1 with the given flags, then len - HDR frame bytes from seed. */
static void make_packet(uint8_t *buf, size_t len, uint8_t seed, uint8_t flags)
{
	size_t i;

	memset(buf, 0, HDR);
	buf[0] = flags;
	buf[10] = buf[11] = 0xee; /* num_buffers: the device must overwrite it */
	for (i = HDR; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7);
}

static bool frame_ok(const uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = HDR; i < len; i++)
		if (buf[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

/* A transmit chain in guest RAM: the packet split into segments of at most seg bytes. */
static uint16_t post_tx(struct nfx *f, unsigned int q, size_t len, uint8_t seed, size_t seg,
			bool do_kick)
{
	struct seg s[8];
	uint64_t gpa = alloc(f, len, 16);
	unsigned int n = 0;
	size_t off;

	make_packet(ram(f, gpa, len), len, seed, 0);
	for (off = 0; off < len; off += seg) {
		assert_true(n < 8);
		s[n++] = (struct seg){ gpa + off, (uint32_t)(len - off < seg ? len - off : seg),
				       false };
	}
	return do_kick ? post_kick(f, q, s, n) : post(f, q, s, n);
}

/* A writable receive buffer of len bytes, filled with 0x5a. */
static struct seg rx_buf(struct nfx *f, uint32_t len)
{
	uint64_t gpa = alloc(f, len, 16);

	memset(ram(f, gpa, len), 0x5a, len);
	return (struct seg){ gpa, len, true };
}

static void peer_send(struct nfx *f, unsigned int pair, size_t len, uint8_t seed, uint8_t flags)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	make_packet(buf, len, seed, flags);
	assert_int_equal(send(f->peer[pair], buf, len, 0), (ssize_t)len);
	free(buf);
}

/* The next message the device wrote to the tap, or -1 after 5 s. */
static ssize_t peer_recv(struct nfx *f, unsigned int pair, uint8_t *buf, size_t cap)
{
	struct pollfd p = { .fd = f->peer[pair], .events = POLLIN };

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return recv(f->peer[pair], buf, cap, MSG_DONTWAIT);
}

static void assert_peer_quiet(struct nfx *f, unsigned int pair)
{
	struct pollfd p = { .fd = f->peer[pair], .events = POLLIN };

	assert_int_equal(poll(&p, 1, 50), 0);
}

static uint16_t num_buffers(struct nfx *f, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, ram(f, gpa + 10, 2), 2);
	return le16toh(v);
}

static struct virtio_net_stats stats(struct nfx *f)
{
	struct virtio_net_stats st;

	virtio_net_get_stats(f->net, &st);
	return st;
}

static bool wait_status(struct nfx *f, uint32_t bit)
{
	int i;

	for (i = 0; i < 5000 && !(rd(f, STATUS) & bit); i++)
		sleep_ms(1);
	return rd(f, STATUS) & bit;
}

static uint8_t cfg8(struct nfx *f, uint32_t off)
{
	uint8_t v = 0xff;

	virtio_mmio_ops.read(f->t, CONFIG + off, &v, 1);
	return v;
}

static uint16_t cfg16(struct nfx *f, uint32_t off)
{
	uint16_t v = 0xffff;

	virtio_mmio_ops.read(f->t, CONFIG + off, &v, 2);
	return le16toh(v);
}

static void test_config(void **state)
{
	struct nfx *f = *state;
	uint8_t bad[6] = { 1, 2, 3, 4, 5, 6 };
	uint32_t v = 0xffffffff;
	unsigned int i;

	assert_int_equal(rd(f, DEVICE_ID), 1);
	for (i = 0; i < 6; i++)
		assert_int_equal(cfg8(f, i), test_mac[i]);
	assert_int_equal(cfg16(f, 6), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(cfg16(f, 8), 1);
	/* mtu is not offered, nor anything after it: zeroes. */
	assert_int_equal(cfg16(f, 10), 0);
	virtio_mmio_ops.read(f->t, CONFIG + 8, &v, 4);
	assert_int_equal(v, 1);
	v = 0xffffffff;
	virtio_mmio_ops.read(f->t, CONFIG + 0x40, &v, 4);
	assert_int_equal(v, 0);
	/* The MAC is read-only with VERSION_1. */
	virtio_mmio_ops.write(f->t, CONFIG, bad, 6);
	wr(f, CONFIG + 6, 0);
	assert_int_equal(cfg8(f, 0), test_mac[0]);
	assert_int_equal(cfg8(f, 5), test_mac[5]);
	assert_int_equal(cfg16(f, 6), VIRTIO_NET_S_LINK_UP);
	assert_false(virtio_net_uses_vhost(f->net));
	assert_int_equal(virtio_net_num_queues(f->net), 2);
	assert_int_equal(count_threads("net0-q0"), 1);
	assert_int_equal(count_threads("net0-ctrl"), 0);
}

static void test_config_link_down(void **state)
{
	struct nfx *f = fx_new(1, false);

	(void)state;
	assert_int_equal(cfg16(f, 6), 0);
	assert_int_equal(cfg8(f, 1), test_mac[1]);
	teardown((void **)&f);
}

static const uint64_t net_offered =
	F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) | F(VIRTIO_NET_F_MRG_RXBUF) |
	F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) |
	F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_HOST_ECN) | F(VIRTIO_NET_F_HOST_UFO) |
	F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_NET_F_GUEST_ECN) |
	F(VIRTIO_NET_F_GUEST_UFO) | F_VERSION_1 | F_INDIRECT | F_EVENT_IDX;

static void test_features_one_pair(void **state)
{
	struct nfx *f = *state;

	assert_true(device_features(f) == net_offered);
	assert_true(f->features == net_offered);
}

static void test_features_two_pairs(void **state)
{
	struct nfx *f = *state;

	assert_true(device_features(f) == (net_offered | F_CTRL | F_MQ));
	assert_int_equal(virtio_net_num_queues(f->net), 5);
	assert_int_equal(cfg16(f, 8), 2);
	assert_int_equal(count_threads("net0-q0"), 1);
	assert_int_equal(count_threads("net0-q1"), 1);
	assert_int_equal(count_threads("net0-ctrl"), 1);
}

/*
 * The stream backend (--network user): only the ring features, and the
 * link follows the backend, announced with a config-change interrupt.
 */
static void test_stream(void **state)
{
	struct nfx *f = fx_new_kind(1, true, true);
	const uint64_t want = F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS) |
			      F(VIRTIO_NET_F_MRG_RXBUF) | F_VERSION_1 | F_INDIRECT | F_EVENT_IDX;
	uint32_t gen;
	int pulses;

	(void)state;
	assert_true(device_features(f) == want);
	assert_true(f->features == want);
	assert_true(virtio_net_link_up(f->net));
	assert_int_equal(cfg16(f, 6), VIRTIO_NET_S_LINK_UP);
	gen = rd(f, CONFIG_GEN);
	pulses = atomic_load(&f->pulses);
	virtio_net_set_link(f->net, false);
	assert_false(virtio_net_link_up(f->net));
	assert_int_equal(cfg16(f, 6), 0);
	assert_int_not_equal(rd(f, CONFIG_GEN), gen);
	assert_true(rd(f, INT_STATUS) & 2); /* the configuration-change bit */
	assert_true(atomic_load(&f->pulses) > pulses);
	/* After a reset: no interrupt (the driver is not running), the status still follows. */
	wr(f, STATUS, 0);
	pulses = atomic_load(&f->pulses);
	virtio_net_set_link(f->net, true);
	assert_int_equal(cfg16(f, 6), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(atomic_load(&f->pulses), pulses);
	teardown((void **)&f);
}

static void test_tx(void **state)
{
	struct nfx *f = *state;
	struct virtio_net_stats st;
	uint8_t buf[2048];
	uint16_t head;

	/* Header and frame in two buffers, and in one: one message each. */
	head = post_tx(f, TXQ, HDR + 60, 1, HDR, true);
	assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 60);
	assert_true(frame_ok(buf, HDR + 60, 1));
	assert_int_equal(buf[10], 0xee); /* the header goes to the tap as it is */
	expect_used(f, TXQ, head, 0);
	head = post_tx(f, TXQ, HDR + 1500, 2, 4096, true);
	assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 1500);
	assert_true(frame_ok(buf, HDR + 1500, 2));
	expect_used(f, TXQ, head, 0);
	assert_true(wait_int(&f->pulses, 1));
	assert_true(rd(f, INT_STATUS) & 1);
	st = stats(f);
	assert_true(st.tx_packets == 2);
	assert_true(st.tx_bytes == 1560);
	assert_true(st.tx_dropped == 0);
	assert_true(st.rx_packets == 0);
}

/* Many chains, one kick: in order, fewer interrupts than packets. */
static void test_tx_batch(void **state)
{
	struct nfx *f = *state;
	uint8_t buf[256];
	uint16_t heads[40];
	int i, pulses;

	net_init(f, ALL & ~F_EVENT_IDX);
	for (i = 0; i < 40; i++)
		heads[i] = post_tx(f, TXQ, HDR + 100, (uint8_t)i, 4096, false);
	pulses = atomic_load(&f->pulses);
	kick(f, TXQ);
	for (i = 0; i < 40; i++) {
		assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 100);
		assert_true(frame_ok(buf, HDR + 100, (uint8_t)i));
	}
	for (i = 0; i < 40; i++)
		expect_used(f, TXQ, heads[i], 0);
	assert_true(wait_int(&f->pulses, pulses + 1));
	assert_true(atomic_load(&f->pulses) - pulses < 40);
}

static void test_rx(void **state)
{
	struct nfx *f = *state;
	struct virtio_net_stats st;
	struct seg b = rx_buf(f, 1526);
	uint16_t head;

	head = post_kick(f, RXQ, &b, 1);
	peer_send(f, 0, HDR + 100, 9, VIRTIO_NET_HDR_F_DATA_VALID);
	expect_used(f, RXQ, head, HDR + 100);
	assert_int_equal(num_buffers(f, b.gpa), 1);
	/* GUEST_CSUM negotiated: the tap's flags pass. */
	assert_int_equal(*(uint8_t *)ram(f, b.gpa, 1), VIRTIO_NET_HDR_F_DATA_VALID);
	assert_true(frame_ok(ram(f, b.gpa, HDR + 100), HDR + 100, 9));
	assert_int_equal(*(uint8_t *)ram(f, b.gpa + HDR + 100, 1), 0x5a);
	assert_true(wait_int(&f->pulses, 1));
	st = stats(f);
	assert_true(st.rx_packets == 1);
	assert_true(st.rx_bytes == 100);
	assert_true(st.rx_dropped == 0);
}

/* 3000 bytes over 1500-byte buffers: two of them, num_buffers 2. */
static void test_rx_mergeable(void **state)
{
	struct nfx *f = *state;
	struct seg b[3] = { rx_buf(f, 1500), rx_buf(f, 1500), rx_buf(f, 1500) };
	uint16_t h[3];
	uint8_t *whole = malloc(3000);
	int i;

	for (i = 0; i < 3; i++)
		h[i] = post_kick(f, RXQ, &b[i], 1);
	peer_send(f, 0, 3000, 3, 0);
	expect_used(f, RXQ, h[0], 1500);
	expect_used(f, RXQ, h[1], 1500);
	assert_int_equal(num_buffers(f, b[0].gpa), 2);
	memcpy(whole, ram(f, b[0].gpa, 1500), 1500);
	memcpy(whole + 1500, ram(f, b[1].gpa, 1500), 1500);
	assert_true(frame_ok(whole, 3000, 3));
	free(whole);
	assert_no_used(f, RXQ);
	/* The next packet takes the third buffer alone. */
	peer_send(f, 0, HDR + 40, 4, 0);
	expect_used(f, RXQ, h[2], HDR + 40);
	assert_int_equal(num_buffers(f, b[2].gpa), 1);
	assert_true(frame_ok(ram(f, b[2].gpa, HDR + 40), HDR + 40, 4));
}

/* A 64 KiB GSO-sized packet over 4 KiB buffers. */
static void test_rx_big(void **state)
{
	struct nfx *f = *state;
	size_t len = HDR + 65536, off = 0;
	uint8_t *whole = malloc(len);
	struct seg b[17];
	uint16_t h[17];
	int i;

	for (i = 0; i < 17; i++) {
		b[i] = rx_buf(f, 4096);
		h[i] = post_kick(f, RXQ, &b[i], 1);
	}
	peer_send(f, 0, len, 5, 0);
	for (i = 0; i < 17; i++) {
		uint32_t l = len - off < 4096 ? (uint32_t)(len - off) : 4096;

		expect_used(f, RXQ, h[i], l);
		memcpy(whole + off, ram(f, b[i].gpa, l), l);
		off += l;
	}
	assert_int_equal(num_buffers(f, b[0].gpa), 17);
	assert_true(frame_ok(whole, len, 5));
	free(whole);
	assert_true(stats(f).rx_bytes == 65536);
}

/* No buffers: packets wait in the tap, in order, none dropped. */
static void test_rx_waits_for_buffers(void **state)
{
	struct nfx *f = *state;
	struct virtio_net_stats st;
	struct seg b;
	uint16_t head;

	peer_send(f, 0, HDR + 200, 10, 0);
	peer_send(f, 0, HDR + 300, 11, 0);
	assert_no_used(f, RXQ);
	b = rx_buf(f, 2048);
	head = post_kick(f, RXQ, &b, 1);
	expect_used(f, RXQ, head, HDR + 200);
	assert_true(frame_ok(ram(f, b.gpa, HDR + 200), HDR + 200, 10));
	/* The second one waits again, and is counted as waiting. */
	assert_no_used(f, RXQ);
	st = stats(f);
	assert_true(st.rx_no_buffers >= 1);
	assert_true(st.rx_packets == 1);
	b = rx_buf(f, 2048);
	head = post_kick(f, RXQ, &b, 1);
	expect_used(f, RXQ, head, HDR + 300);
	assert_true(frame_ok(ram(f, b.gpa, HDR + 300), HDR + 300, 11));
	st = stats(f);
	assert_true(st.rx_packets == 2);
	assert_true(st.rx_dropped == 0);
}

/* Half the buffers a packet needs: it waits, holding them, for the rest. */
static void test_rx_mergeable_waits(void **state)
{
	struct nfx *f = *state;
	struct seg b[2] = { rx_buf(f, 1500), rx_buf(f, 1500) };
	uint16_t h[2];

	h[0] = post_kick(f, RXQ, &b[0], 1);
	peer_send(f, 0, 3000, 6, 0);
	assert_no_used(f, RXQ);
	h[1] = post_kick(f, RXQ, &b[1], 1);
	expect_used(f, RXQ, h[0], 1500);
	expect_used(f, RXQ, h[1], 1500);
	assert_int_equal(num_buffers(f, b[0].gpa), 2);
	assert_true(stats(f).rx_no_buffers >= 1);
	assert_true(stats(f).rx_dropped == 0);
}

/*
 * Without MRG_RXBUF one chain per packet (here header and data in two
 * buffers), num_buffers 1, flags cleared without GUEST_CSUM; a packet
 * bigger than the chain is the one thing dropped.
 */
static void test_rx_no_mergeable(void **state)
{
	struct nfx *f = *state;
	struct seg c[2], small, next;
	uint16_t head;
	uint8_t *whole = malloc(HDR + 1000);

	net_init(f, ALL & ~F_MRG & ~F_GUEST_CSUM & ~F(VIRTIO_NET_F_GUEST_TSO4) &
			    ~F(VIRTIO_NET_F_GUEST_TSO6) & ~F(VIRTIO_NET_F_GUEST_ECN) &
			    ~F(VIRTIO_NET_F_GUEST_UFO));
	c[0] = rx_buf(f, HDR);
	c[1] = rx_buf(f, 1514);
	head = post_kick(f, RXQ, c, 2);
	peer_send(f, 0, HDR + 1000, 7, VIRTIO_NET_HDR_F_DATA_VALID);
	expect_used(f, RXQ, head, HDR + 1000);
	memcpy(whole, ram(f, c[0].gpa, HDR), HDR);
	memcpy(whole + HDR, ram(f, c[1].gpa, 1000), 1000);
	assert_true(frame_ok(whole, HDR + 1000, 7));
	assert_int_equal(num_buffers(f, c[0].gpa), 1);
	assert_int_equal(whole[0], 0);
	free(whole);

	small = rx_buf(f, 512);
	head = post_kick(f, RXQ, &small, 1);
	peer_send(f, 0, HDR + 1000, 8, 0);
	expect_used(f, RXQ, head, 0);
	assert_true(stats(f).rx_dropped == 1);
	next = rx_buf(f, 2048);
	head = post_kick(f, RXQ, &next, 1);
	peer_send(f, 0, HDR + 64, 9, 0);
	expect_used(f, RXQ, head, HDR + 64);
	assert_true(frame_ok(ram(f, next.gpa, HDR + 64), HDR + 64, 9));
}

/* The tap pushes back: chains wait, nothing is lost, the order holds. */
static void test_tx_backpressure(void **state)
{
	struct nfx *f = *state;
	struct virtio_net_stats st;
	int small = 4096, i;
	uint16_t heads[40];
	uint8_t buf[2048];

	assert_int_equal(setsockopt(f->devfd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	for (i = 0; i < 40; i++)
		heads[i] = post_tx(f, TXQ, HDR + 1000, (uint8_t)(100 + i), 4096, false);
	kick(f, TXQ);
	sleep_ms(100);
	st = stats(f);
	assert_true(st.tx_blocked >= 1);
	assert_true(st.tx_packets < 40);
	for (i = 0; i < 40; i++) {
		assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 1000);
		assert_true(frame_ok(buf, HDR + 1000, (uint8_t)(100 + i)));
	}
	for (i = 0; i < 40; i++)
		expect_used(f, TXQ, heads[i], 0);
	st = stats(f);
	assert_true(st.tx_packets == 40);
	assert_true(st.tx_dropped == 0);
	/* And it goes on as usual. */
	heads[0] = post_tx(f, TXQ, HDR + 10, 1, 4096, true);
	assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 10);
	expect_used(f, TXQ, heads[0], 0);
}

/* Both directions at once, with interrupts suppressed by EVENT_IDX or not. */
static void test_both_ways(void **state)
{
	struct nfx *f = *state;
	uint64_t masks[2] = { ALL, ALL & ~F_EVENT_IDX };
	uint8_t buf[2048];
	struct seg b;
	uint16_t rh[20], th[20];
	int m, i;

	for (m = 0; m < 2; m++) {
		net_init(f, masks[m]);
		for (i = 0; i < 20; i++) {
			b = rx_buf(f, 1600);
			rh[i] = post_kick(f, RXQ, &b, 1);
			th[i] = post_tx(f, TXQ, HDR + 500 + (size_t)i, (uint8_t)i, 256, true);
			peer_send(f, 0, HDR + 700 + (size_t)i, (uint8_t)(50 + i), 0);
		}
		for (i = 0; i < 20; i++) {
			assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 500 + i);
			assert_true(frame_ok(buf, HDR + 500 + (size_t)i, (uint8_t)i));
			expect_used(f, TXQ, th[i], 0);
			expect_used(f, RXQ, rh[i], HDR + 700 + (uint32_t)i);
		}
	}
}

/* Expect the transport's one-line NEEDS_RESET warning for why. */
static void expect_needs_reset(struct nfx *f, struct unit_capture *cap, const char *why)
{
	char line[256];

	assert_true(wait_status(f, S_NR));
	sleep_ms(10);
	unit_capture_end(cap);
	snprintf(line, sizeof(line), "warning: virtio device 1: %s; the device needs a reset", why);
	unit_assert_one_line(cap->text, line);
	assert_true(rd(f, INT_STATUS) & 2);
}

static void test_hostile_tx(void **state)
{
	struct nfx *f = *state;
	struct unit_capture cap;
	uint64_t gpa = alloc(f, 256, 16);
	struct seg s[2] = { { gpa, 100, false }, { gpa + 128, 64, true } };
	struct seg shortc = { gpa, HDR - 1, false };
	struct seg outside = { RAM_BASE + RAM_SIZE - 16, 100, false };
	uint8_t buf[256];
	uint16_t head;

	unit_capture_begin(&cap, 2);
	post_kick(f, TXQ, s, 2);
	expect_needs_reset(f, &cap, "network transmit chain with a device-writable buffer");
	assert_peer_quiet(f, 0);
	/* The queue is left alone until the reset. */
	post_tx(f, TXQ, HDR + 10, 1, 4096, false);
	kick(f, TXQ);
	assert_peer_quiet(f, 0);
	assert_no_used(f, TXQ);

	net_init(f, ALL);
	unit_capture_begin(&cap, 2);
	post_kick(f, TXQ, &shortc, 1);
	expect_needs_reset(f, &cap, "network transmit chain shorter than the header");

	net_init(f, ALL);
	unit_capture_begin(&cap, 2);
	post_kick(f, TXQ, &outside, 1);
	expect_needs_reset(f, &cap, "buffer outside guest RAM");
	assert_peer_quiet(f, 0);

	/* After a reset all is well again. */
	net_init(f, ALL);
	assert_int_equal(rd(f, STATUS) & S_NR, 0);
	head = post_tx(f, TXQ, HDR + 10, 2, 4096, true);
	assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 10);
	expect_used(f, TXQ, head, 0);
}

static void test_hostile_rx(void **state)
{
	struct nfx *f = *state;
	struct unit_capture cap;
	uint64_t gpa = alloc(f, 4096, 16);
	struct seg readable[2] = { { gpa, 16, false }, { gpa + 64, 2000, true } };
	struct seg tiny = { gpa, HDR - 2, true };
	struct seg outside = { RAM_BASE + RAM_SIZE - 100, 2000, true };
	struct seg empty = { gpa, 0, true };
	struct seg good;
	uint16_t head;

	post_kick(f, RXQ, readable, 2);
	unit_capture_begin(&cap, 2);
	peer_send(f, 0, HDR + 100, 1, 0);
	expect_needs_reset(f, &cap, "network receive chain with a device-readable buffer");
	assert_int_equal(*(uint8_t *)ram(f, gpa + 64, 1), 0);

	net_init(f, ALL);
	post_kick(f, RXQ, &tiny, 1);
	unit_capture_begin(&cap, 2);
	peer_send(f, 0, HDR + 100, 2, 0);
	expect_needs_reset(f, &cap, "network receive buffer shorter than the header");

	net_init(f, ALL);
	post_kick(f, RXQ, &outside, 1);
	unit_capture_begin(&cap, 2);
	peer_send(f, 0, HDR + 100, 3, 0);
	expect_needs_reset(f, &cap, "buffer outside guest RAM");

	net_init(f, ALL);
	post_kick(f, RXQ, &empty, 1);
	unit_capture_begin(&cap, 2);
	peer_send(f, 0, HDR + 100, 4, 0);
	expect_needs_reset(f, &cap, "network receive chain without a writable buffer");

	/* Packets lost to resets were the broken rings'; new ones flow. */
	net_init(f, ALL);
	good = rx_buf(f, 2048);
	head = post_kick(f, RXQ, &good, 1);
	peer_send(f, 0, HDR + 100, 5, 0);
	expect_used(f, RXQ, head, HDR + 100);
	assert_true(frame_ok(ram(f, good.gpa, HDR + 100), HDR + 100, 5));
}

/* A control command on queue q: header, data and ack in three buffers; returns the ack. */
static uint8_t ctrl_cmd(struct nfx *f, unsigned int q, uint8_t cls, uint8_t cmd, const void *data,
			uint32_t dlen)
{
	uint64_t hdr = alloc(f, 2, 8), d = alloc(f, dlen ? dlen : 1, 8), ack = alloc(f, 1, 8);
	struct seg s[3] = { { hdr, 2, false }, { d, dlen, false }, { ack, 1, true } };
	uint8_t *h = ram(f, hdr, 2);
	uint16_t head;

	h[0] = cls;
	h[1] = cmd;
	if (dlen)
		memcpy(ram(f, d, dlen), data, dlen);
	*(uint8_t *)ram(f, ack, 1) = 0xee;
	if (!dlen)
		s[1] = s[2];
	head = post_kick(f, q, s, dlen ? 3 : 2);
	expect_used(f, q, head, 1);
	return *(uint8_t *)ram(f, ack, 1);
}

static uint8_t pairs_set(struct nfx *f, unsigned int q, uint16_t n)
{
	uint16_t v = htole16(n);

	return ctrl_cmd(f, q, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &v, 2);
}

#define CTRLQ 4

static void test_ctrl(void **state)
{
	struct nfx *f = *state;
	uint8_t one = 1, mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t table[4 + 4 + 6] = { 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 9 };
	uint8_t bad_table[4 + 4 + 6] = { 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 9 };
	uint32_t three = 3;

	assert_int_equal(pairs_set(f, CTRLQ, 2), VIRTIO_NET_OK);
	assert_int_equal(pairs_set(f, CTRLQ, 1), VIRTIO_NET_OK);
	assert_int_equal(pairs_set(f, CTRLQ, 0), VIRTIO_NET_ERR);
	assert_int_equal(pairs_set(f, CTRLQ, 3), VIRTIO_NET_ERR);
	assert_int_equal(pairs_set(f, CTRLQ, 0x8000), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
				  &three, 4),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_RSS_CONFIG,
				  &three, 2),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &one,
				  1),
			 VIRTIO_NET_OK);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, &one,
				  1),
			 VIRTIO_NET_OK);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_RX, 42, &one, 1), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac,
				  6),
			 VIRTIO_NET_OK);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET,
				  table, sizeof(table)),
			 VIRTIO_NET_OK);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET,
				  bad_table, sizeof(bad_table)),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, CTRLQ, VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, &one,
				  1),
			 VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, CTRLQ, 200, 0, NULL, 0), VIRTIO_NET_ERR);
	assert_int_equal(rd(f, STATUS) & S_NR, 0);
}

/*
 * The ack is the command's last byte (spec 5.1.6.5): with a 4-byte
 * writable buffer, byte 3 gets it and bytes 0-2 stay as the driver left
 * them (before, byte 0 got it).
 */
static void test_ctrl_ack_last_byte(void **state)
{
	struct nfx *f = *state;
	uint64_t hdr = alloc(f, 2, 8), d = alloc(f, 2, 8), ack = alloc(f, 4, 8);
	struct seg s[3] = { { hdr, 2, false }, { d, 2, false }, { ack, 4, true } };
	uint16_t two = htole16(2), head;
	uint8_t *h = ram(f, hdr, 2), *a = ram(f, ack, 4);

	h[0] = VIRTIO_NET_CTRL_MQ;
	h[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	memcpy(ram(f, d, 2), &two, 2);
	memset(a, 0xee, 4);
	head = post_kick(f, CTRLQ, s, 3);
	expect_used(f, CTRLQ, head, 1);
	assert_int_equal(a[3], VIRTIO_NET_OK);
	assert_int_equal(a[0], 0xee);
	assert_int_equal(a[1], 0xee);
	assert_int_equal(a[2], 0xee);
}


static void test_ctrl_hostile(void **state)
{
	struct nfx *f = *state;
	struct unit_capture cap;
	uint64_t gpa = alloc(f, 64, 16);
	struct seg one_byte[2] = { { gpa, 1, false }, { gpa + 8, 1, true } };
	struct seg no_ack = { gpa, 4, false };
	struct seg outside[2] = { { gpa, 2, false }, { RAM_BASE + RAM_SIZE, 1, true } };

	unit_capture_begin(&cap, 2);
	post_kick(f, CTRLQ, one_byte, 2);
	expect_needs_reset(f, &cap, "network control command without its header or ack byte");
	assert_int_equal(*(uint8_t *)ram(f, gpa + 8, 1), 0);

	net_init(f, ALL);
	unit_capture_begin(&cap, 2);
	post_kick(f, CTRLQ, &no_ack, 1);
	expect_needs_reset(f, &cap, "network control command without its header or ack byte");

	net_init(f, ALL);
	unit_capture_begin(&cap, 2);
	post_kick(f, CTRLQ, outside, 2);
	expect_needs_reset(f, &cap, "buffer outside guest RAM");

	net_init(f, ALL);
	assert_int_equal(pairs_set(f, CTRLQ, 2), VIRTIO_NET_OK);
}

/* Only the pairs the driver turned on receive; transmit works on every one. */
static void test_mq_pairs(void **state)
{
	struct nfx *f = *state;
	struct seg b0 = rx_buf(f, 2048), b1 = rx_buf(f, 2048), b2 = rx_buf(f, 2048);
	uint16_t h0, h1, h2, th;
	uint8_t buf[256];

	h0 = post_kick(f, 0, &b0, 1);
	h1 = post_kick(f, 2, &b1, 1);
	/* Until VQ_PAIRS_SET, only the first pair is on. */
	peer_send(f, 1, HDR + 30, 1, 0);
	peer_send(f, 0, HDR + 40, 2, 0);
	expect_used(f, 0, h0, HDR + 40);
	assert_no_used(f, 2);
	assert_int_equal(pairs_set(f, CTRLQ, 2), VIRTIO_NET_OK);
	expect_used(f, 2, h1, HDR + 30);
	assert_true(frame_ok(ram(f, b1.gpa, HDR + 30), HDR + 30, 1));

	th = post_tx(f, 3, HDR + 20, 3, 4096, true);
	assert_int_equal(peer_recv(f, 1, buf, sizeof(buf)), HDR + 20);
	assert_true(frame_ok(buf, HDR + 20, 3));
	expect_used(f, 3, th, 0);

	/* Back to one: the second pair's tap queue is not read. */
	assert_int_equal(pairs_set(f, CTRLQ, 1), VIRTIO_NET_OK);
	h2 = post_kick(f, 2, &b2, 1);
	peer_send(f, 1, HDR + 50, 4, 0);
	assert_no_used(f, 2);
	assert_int_equal(pairs_set(f, CTRLQ, 2), VIRTIO_NET_OK);
	expect_used(f, 2, h2, HDR + 50);
	assert_true(stats(f).rx_dropped == 0);
}

/* CTRL_VQ without MQ: one pair, and the control queue is queue 2 (spec 5.1.2). */
static void test_ctrl_without_mq(void **state)
{
	struct nfx *f = *state;
	uint8_t one = 1;

	f->nq = 3;
	net_init(f, ALL & ~F_MQ);
	assert_int_equal(count_threads("net0-q0"), 1);
	assert_int_equal(count_threads("net0-q1"), 0);
	assert_int_equal(count_threads("net0-ctrl"), 1);
	assert_int_equal(pairs_set(f, 2, 1), VIRTIO_NET_ERR);
	assert_int_equal(ctrl_cmd(f, 2, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &one, 1),
			 VIRTIO_NET_OK);
	/* Neither CTRL_VQ: no control thread. */
	f->nq = 2;
	net_init(f, ALL & ~F_MQ & ~F_CTRL);
	assert_int_equal(count_threads("net0-ctrl"), 0);
	assert_int_equal(count_threads("net0-q0"), 1);
	f->nq = 5;
}

static void test_reset(void **state)
{
	struct nfx *f = *state;
	struct virtio_net_stats st;
	struct seg b[3];
	uint8_t buf[4096];
	uint16_t head;
	int small = 4096, i;

	head = post_tx(f, TXQ, HDR + 10, 1, 4096, true);
	assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 10);
	expect_used(f, TXQ, head, 0);
	wr(f, STATUS, 0);
	assert_int_equal(rd(f, STATUS), 0);
	assert_int_equal(count_threads("net0-q0"), 0);
	/* Stopped: a packet waits in the tap, nothing is written. */
	peer_send(f, 0, HDR + 20, 2, 0);
	sleep_ms(20);

	net_init(f, ALL);
	assert_int_equal(count_threads("net0-q0"), 1);
	b[0] = rx_buf(f, 2048);
	head = post_kick(f, RXQ, &b[0], 1);
	expect_used(f, RXQ, head, HDR + 20);
	assert_true(frame_ok(ram(f, b[0].gpa, HDR + 20), HDR + 20, 2));

	/* Reset with a packet half placed, and transmits pushed back. */
	b[0] = rx_buf(f, 1500);
	post_kick(f, RXQ, &b[0], 1);
	peer_send(f, 0, 3000, 3, 0);
	assert_int_equal(setsockopt(f->devfd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	for (i = 0; i < 20; i++)
		post_tx(f, TXQ, HDR + 1000, (uint8_t)i, 4096, false);
	kick(f, TXQ);
	sleep_ms(50);
	assert_true(stats(f).tx_blocked >= 1);
	virtio_mmio_reset(f->t);
	assert_int_equal(count_threads("net0-q0"), 0);
	while (recv(f->peer[0], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;

	/* A fresh start: everything flows. */
	net_init(f, ALL);
	b[1] = rx_buf(f, 2048);
	head = post_kick(f, RXQ, &b[1], 1);
	peer_send(f, 0, HDR + 60, 4, 0);
	expect_used(f, RXQ, head, HDR + 60);
	assert_true(frame_ok(ram(f, b[1].gpa, HDR + 60), HDR + 60, 4));
	head = post_tx(f, TXQ, HDR + 70, 5, 4096, true);
	assert_int_equal(peer_recv(f, 0, buf, sizeof(buf)), HDR + 70);
	assert_true(frame_ok(buf, HDR + 70, 5));
	expect_used(f, TXQ, head, 0);
	st = stats(f);
	assert_true(st.rx_packets >= 2);
}

/* Resets and restarts with two pairs and a control queue. */
static void test_reset_mq(void **state)
{
	struct nfx *f = *state;
	struct seg b;
	uint16_t head;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(pairs_set(f, CTRLQ, 2), VIRTIO_NET_OK);
		net_init(f, ALL);
		assert_int_equal(count_threads("net0-q1"), 1);
		assert_int_equal(count_threads("net0-ctrl"), 1);
		/* A new run starts with only the first pair on. */
		b = rx_buf(f, 2048);
		head = post_kick(f, 2, &b, 1);
		peer_send(f, 1, HDR + 10, (uint8_t)i, 0);
		assert_no_used(f, 2);
		assert_int_equal(pairs_set(f, CTRLQ, 2), VIRTIO_NET_OK);
		expect_used(f, 2, head, HDR + 10);
	}
	virtio_mmio_reset(f->t);
	assert_int_equal(count_threads("net0-q0"), 0);
	assert_int_equal(count_threads("net0-q1"), 0);
	assert_int_equal(count_threads("net0-ctrl"), 0);
}

/* A short or empty read from the tap. */
static void test_rx_bad_reads(void **state)
{
	struct nfx *f = *state;
	struct seg b = rx_buf(f, 2048);
	uint16_t head;

	head = post_kick(f, RXQ, &b, 1);
	assert_int_equal(send(f->peer[0], "abc", 3, 0), 3);
	peer_send(f, 0, HDR + 5, 1, 0);
	expect_used(f, RXQ, head, HDR + 5);
	assert_true(stats(f).rx_dropped == 1);
}

static void test_new_errors(void **state)
{
	int fds = unit_open_fds(), sv[2];
	struct virtio_net *n = NULL;
	struct tap tap;
	struct unit_capture cap;

	(void)state;
	memset(&tap, 0, sizeof(tap));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	tap.fds[0] = sv[0];
	tap.nfds = 1;
	unit_capture_begin(&cap, 2);
	assert_int_equal(virtio_net_new(0, test_mac, &tap, NULL, 0, true, &n), VMM_ERR_INTERNAL);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "network 0: creating the virtio-net device: Invalid argument");
	unit_capture_begin(&cap, 2);
	assert_int_equal(virtio_net_new(0, test_mac, &tap, NULL, 2, true, &n), VMM_ERR_INTERNAL);
	assert_int_equal(virtio_net_new(0, test_mac, &tap, NULL, NET_MAX_PAIRS + 1, true, &n),
			 VMM_ERR_INTERNAL);
	unit_capture_end(&cap);
	assert_null(n);
	/* Never attached, never started: free closes the tap. */
	assert_int_equal(virtio_net_new(3, test_mac, &tap, NULL, 1, true, &n), 0);
	assert_non_null(n);
	assert_int_equal(virtio_net_num_queues(n), 2);
	virtio_net_free(n);
	virtio_net_free(NULL);
	close(sv[1]);
	assert_int_equal(unit_open_fds(), fds);
}

int main(void)
{
#define T1(f) cmocka_unit_test_setup_teardown(f, setup1, teardown)
#define T2(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)
	const struct CMUnitTest tests[] = {
		T1(test_config),
		cmocka_unit_test(test_config_link_down),
		T1(test_features_one_pair),
		T2(test_features_two_pairs),
		cmocka_unit_test(test_stream),
		T1(test_tx),
		T1(test_tx_batch),
		T1(test_rx),
		T1(test_rx_mergeable),
		T1(test_rx_big),
		T1(test_rx_waits_for_buffers),
		T1(test_rx_mergeable_waits),
		T1(test_rx_no_mergeable),
		T1(test_tx_backpressure),
		T1(test_both_ways),
		T1(test_hostile_tx),
		T1(test_hostile_rx),
		T2(test_ctrl),
		T2(test_ctrl_hostile),
		T2(test_ctrl_ack_last_byte),
		T2(test_mq_pairs),
		T2(test_ctrl_without_mq),
		T1(test_reset),
		T2(test_reset_mq),
		T1(test_rx_bad_reads),
		cmocka_unit_test(test_new_errors),
	};
#undef T1
#undef T2

	return cmocka_run_group_tests_name("virtio_net", tests, NULL, NULL);
}
