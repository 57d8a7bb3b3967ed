// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the stream backend's framing (devices/net_stream.c) over
 * socketpairs: the test holds passt's end of a stream pair and
 * virtio-net's end of a SOCK_SEQPACKET pair. Frames back to back, frames
 * in pieces, partial writes, back-pressure both ways, lengths out of
 * range, a peer that closes mid-frame or cleanly, messages the guest
 * should never send, and the thread's report that the peer is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net_stream.h"
#include "unit.h"

struct fx {
	struct net_stream s;
	int peer;  /* passt's end */
	int local; /* virtio-net's end */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int sv[2], lv[2];

	assert_non_null(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, lv), 0);
	assert_int_equal(net_stream_init(&f->s, "network 0", sv[0], lv[0]), 0);
	f->peer = sv[1];
	f->local = lv[1];
	fcntl(f->local, F_SETFL, O_NONBLOCK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	net_stream_fini(&f->s);
	if (f->peer >= 0)
		close(f->peer);
	close(f->local);
	free(f);
	return 0;
}

/* A frame of len bytes, byte i = seed + i. */
static void frame(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void write_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

/* The next message on the local end must be a zero header and frame(len, seed). */
static void expect_local(struct fx *f, size_t len, uint8_t seed)
{
	static uint8_t got[NET_STREAM_HDR + NET_STREAM_FRAME_MAX + 1];
	static uint8_t want[NET_STREAM_FRAME_MAX];
	static const uint8_t zero[NET_STREAM_HDR];
	ssize_t n = read(f->local, got, sizeof(got));

	assert_int_equal(n, (ssize_t)(NET_STREAM_HDR + len));
	assert_memory_equal(got, zero, NET_STREAM_HDR);
	frame(want, len, seed);
	assert_memory_equal(got + NET_STREAM_HDR, want, len);
}

static void expect_local_empty(struct fx *f)
{
	uint8_t b[16];

	assert_int_equal(read(f->local, b, sizeof(b)), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_back_to_back(void **state)
{
	struct fx *f = *state;
	uint8_t buf[3 * (4 + 1514)];
	size_t off = 0, lens[3] = { 60, 1514, 14 };
	int i;

	for (i = 0; i < 3; i++) {
		put_be32(buf + off, (uint32_t)lens[i]);
		frame(buf + off + 4, lens[i], (uint8_t)(i * 40));
		off += 4 + lens[i];
	}
	write_all(f->peer, buf, off);
	assert_int_equal(net_stream_pull(&f->s), NET_STREAM_IDLE);
	for (i = 0; i < 3; i++)
		expect_local(f, lens[i], (uint8_t)(i * 40));
	expect_local_empty(f);
	assert_int_equal(f->s.frames_in, 3);
}

/* A frame that arrives a byte or a few at a time, the length split too. */
static void test_partial_reads(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4 + 100];
	size_t cuts[] = { 1, 3, 5, 50, 104 }, prev = 0;
	unsigned int i;

	put_be32(buf, 100);
	frame(buf + 4, 100, 7);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_all(f->peer, buf + prev, cuts[i] - prev);
		prev = cuts[i];
		assert_int_equal(net_stream_pull(&f->s), NET_STREAM_IDLE);
		if (i + 1 < sizeof(cuts) / sizeof(cuts[0]))
			expect_local_empty(f);
	}
	expect_local(f, 100, 7);
	/* The largest frame, in two pieces. */
	{
		static uint8_t big[4 + NET_STREAM_FRAME_MAX];

		put_be32(big, NET_STREAM_FRAME_MAX);
		frame(big + 4, NET_STREAM_FRAME_MAX, 3);
		fcntl(f->peer, F_SETFL, O_NONBLOCK);
		prev = 0;
		while (prev < sizeof(big)) {
			ssize_t n = write(f->peer, big + prev, sizeof(big) - prev);

			if (n > 0)
				prev += (size_t)n;
			assert_int_not_equal(net_stream_pull(&f->s), NET_STREAM_GONE);
		}
		assert_int_equal(net_stream_pull(&f->s), NET_STREAM_IDLE);
		expect_local(f, NET_STREAM_FRAME_MAX, 3);
	}
}

static void expect_gone(struct fx *f, const char *line)
{
	struct unit_capture cap;

	unit_capture_begin(&cap, 2);
	assert_int_equal(net_stream_pull(&f->s), NET_STREAM_GONE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, line);
	assert_true(f->s.peer_gone);
	/* Once gone, it stays gone and says nothing more. */
	unit_capture_begin(&cap, 2);
	assert_int_equal(net_stream_pull(&f->s), NET_STREAM_GONE);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
}

static void test_oversize_length(void **state)
{
	struct fx *f = *state;
	uint8_t hdr[4];

	/* Never allocated or waited for: the length alone ends the link. */
	put_be32(hdr, 0xffffffffu);
	write_all(f->peer, hdr, 4);
	expect_gone(f, "warning: network 0: passt sent a frame length of 4294967295 "
		       "(14 to 65550 allowed); the link goes down");
	expect_local_empty(f);
}

static void test_just_too_long(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4 + 60];

	/* A good frame first: it still goes through. */
	put_be32(buf, 60);
	frame(buf + 4, 60, 1);
	write_all(f->peer, buf, sizeof(buf));
	put_be32(buf, NET_STREAM_FRAME_MAX + 1);
	write_all(f->peer, buf, 4);
	expect_gone(f, "warning: network 0: passt sent a frame length of 65551 "
		       "(14 to 65550 allowed); the link goes down");
	expect_local(f, 60, 1);
	expect_local_empty(f);
}

static void test_too_short(void **state)
{
	struct fx *f = *state;
	uint8_t hdr[4] = { 0 };

	write_all(f->peer, hdr, 4);
	expect_gone(f, "warning: network 0: passt sent a frame length of 0 "
		       "(14 to 65550 allowed); the link goes down");
}

static void test_close_mid_frame(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4 + 30];

	put_be32(buf, 100);
	frame(buf + 4, 30, 0);
	write_all(f->peer, buf, sizeof(buf));
	close(f->peer);
	f->peer = -1;
	expect_gone(f, "warning: network 0: passt closed its socket in the middle of a "
		       "frame (34 bytes of it came); the link goes down");
	expect_local_empty(f);
}

static void test_close_mid_length(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2] = { 0, 0 };

	write_all(f->peer, buf, sizeof(buf));
	close(f->peer);
	f->peer = -1;
	expect_gone(f, "warning: network 0: passt closed its socket in the middle of a "
		       "frame (2 bytes of it came); the link goes down");
}

static void test_close_clean(void **state)
{
	struct fx *f = *state;

	close(f->peer);
	f->peer = -1;
	expect_gone(f, "warning: network 0: passt closed its socket; the link goes down");
}

/* Guest to passt: the header goes, the length comes in its place. */
static void test_push(void **state)
{
	struct fx *f = *state;
	uint8_t msg[NET_STREAM_HDR + 1514], got[4 + 1514];
	size_t lens[2] = { 1514, 42 };
	int i;

	for (i = 0; i < 2; i++) {
		memset(msg, 0xee, NET_STREAM_HDR); /* whatever the guest left there */
		frame(msg + NET_STREAM_HDR, lens[i], (uint8_t)(9 + i));
		write_all(f->local, msg, NET_STREAM_HDR + lens[i]);
	}
	assert_int_equal(net_stream_push(&f->s), NET_STREAM_IDLE);
	for (i = 0; i < 2; i++) {
		uint8_t want[1514];

		assert_int_equal(read(f->peer, got, 4), 4);
		assert_int_equal(got[0] << 24 | got[1] << 16 | got[2] << 8 | got[3], (int)lens[i]);
		assert_int_equal(read(f->peer, got + 4, lens[i]), (ssize_t)lens[i]);
		frame(want, lens[i], (uint8_t)(9 + i));
		assert_memory_equal(got + 4, want, lens[i]);
	}
	assert_int_equal(f->s.frames_out, 2);
}

/* read exactly len bytes from fd (blocking). */
static void read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* passt reads slowly: the frame goes out in pieces, nothing lost or doubled. */
static void test_partial_writes(void **state)
{
	struct fx *f = *state;
	static uint8_t msg[NET_STREAM_HDR + 60000], got[4 + 60000], want[60000];
	int small = 4096, blocked = 0, i;
	enum net_stream_state st;

	assert_int_equal(setsockopt(f->s.peer, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(f->peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	for (i = 0; i < 2; i++) {
		frame(msg + NET_STREAM_HDR, 60000, (uint8_t)(i + 1));
		write_all(f->local, msg, sizeof(msg));
	}
	for (i = 0; i < 2; i++) {
		size_t have = 0;

		while (have < sizeof(got)) {
			ssize_t n;

			st = net_stream_push(&f->s);
			assert_int_not_equal(st, NET_STREAM_GONE);
			blocked += st == NET_STREAM_BLOCKED;
			n = recv(f->peer, got + have, sizeof(got) - have, MSG_DONTWAIT);
			if (n > 0)
				have += (size_t)n;
		}
		assert_int_equal(got[0] << 24 | got[1] << 16 | got[2] << 8 | got[3], 60000);
		frame(want, 60000, (uint8_t)(i + 1));
		assert_memory_equal(got + 4, want, 60000);
	}
	assert_true(blocked > 0);
	assert_int_equal(net_stream_push(&f->s), NET_STREAM_IDLE);
	assert_int_equal(f->s.frames_out, 2);
	(void)read_all;
}

/* The guest's receive side is full: passt's frames wait, none is lost. */
static void test_local_backpressure(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4 + 1000];
	int sent = 0, got = 0, blocked = 0, i;
	enum net_stream_state st;

	fcntl(f->peer, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 2000; i++) {
		put_be32(buf, 1000);
		frame(buf + 4, 1000, (uint8_t)i);
		if (write(f->peer, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
		sent++;
		st = net_stream_pull(&f->s);
		assert_int_not_equal(st, NET_STREAM_GONE);
		blocked += st == NET_STREAM_BLOCKED;
		if (st == NET_STREAM_BLOCKED)
			break;
	}
	assert_true(blocked > 0);
	/* Now the guest takes them all, in order. */
	for (;;) {
		uint8_t m[NET_STREAM_HDR + 1000];
		ssize_t n = read(f->local, m, sizeof(m));

		if (n < 0) {
			st = net_stream_pull(&f->s);
			assert_int_not_equal(st, NET_STREAM_GONE);
			n = read(f->local, m, sizeof(m));
			if (n < 0)
				break;
		}
		assert_int_equal(n, (ssize_t)sizeof(m));
		assert_int_equal(m[NET_STREAM_HDR], (uint8_t)got);
		got++;
	}
	assert_int_equal(got, sent);
}

/* What no guest given these features sends: dropped and counted, the next goes on. */
static void test_push_bad_messages(void **state)
{
	struct fx *f = *state;
	static uint8_t msg[NET_STREAM_HDR + NET_STREAM_FRAME_MAX + 100];
	uint8_t got[4 + 60];

	write_all(f->local, msg, NET_STREAM_HDR + 13);  /* shorter than an Ethernet header */
	write_all(f->local, msg, 5);                    /* not even a header */
	write_all(f->local, msg, sizeof(msg));          /* longer than any frame */
	frame(msg + NET_STREAM_HDR, 60, 5);
	write_all(f->local, msg, NET_STREAM_HDR + 60);
	assert_int_equal(net_stream_push(&f->s), NET_STREAM_IDLE);
	assert_int_equal(f->s.dropped, 3);
	read_all(f->peer, got, sizeof(got));
	assert_int_equal(got[3], 60);
	assert_int_equal(got[4], 5);
}

/* With passt gone the guest's frames are drained and dropped, never stuck. */
static void test_push_after_gone(void **state)
{
	struct fx *f = *state;
	uint8_t msg[NET_STREAM_HDR + 60] = { 0 };
	struct unit_capture cap;

	close(f->peer);
	f->peer = -1;
	unit_capture_begin(&cap, 2);
	assert_int_equal(net_stream_pull(&f->s), NET_STREAM_GONE);
	unit_capture_end(&cap);
	write_all(f->local, msg, sizeof(msg));
	write_all(f->local, msg, sizeof(msg));
	assert_int_equal(net_stream_push(&f->s), NET_STREAM_IDLE);
	assert_int_equal(f->s.dropped, 2);
	assert_int_equal(f->s.frames_out, 0);
}

static void on_gone(void *ctx)
{
	uint64_t one = 1;

	assert_int_equal(write(*(int *)ctx, &one, sizeof(one)), sizeof(one));
}

/* The thread: frames both ways, then the peer's end reported once. */
static void test_thread(void **state)
{
	struct fx *f = *state;
	int ev = eventfd(0, 0);
	uint8_t buf[4 + 64], msg[NET_STREAM_HDR + 64] = { 0 }, got[4 + 64];
	struct pollfd pfd = { .fd = f->local, .events = POLLIN };
	struct unit_capture cap;
	uint64_t n;

	assert_true(ev >= 0);
	assert_int_equal(net_stream_start(&f->s, 0, on_gone, &ev), 0);
	put_be32(buf, 64);
	frame(buf + 4, 64, 77);
	write_all(f->peer, buf, sizeof(buf));
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	expect_local(f, 64, 77);
	frame(msg + NET_STREAM_HDR, 64, 88);
	write_all(f->local, msg, sizeof(msg));
	read_all(f->peer, got, sizeof(got));
	assert_int_equal(got[3], 64);
	assert_int_equal(got[4], 88);
	unit_capture_begin(&cap, 2);
	close(f->peer);
	f->peer = -1;
	assert_int_equal(read(ev, &n, sizeof(n)), sizeof(n));
	unit_capture_end(&cap);
	assert_int_equal(n, 1);
	unit_assert_one_line(cap.text,
			     "warning: network 0: passt closed its socket; the link goes down");
	net_stream_fini(&f->s);
	close(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_back_to_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_partial_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oversize_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_just_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_short, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_mid_frame, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_mid_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_clean, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_partial_writes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_local_backpressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push_bad_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_push_after_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
