/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_NET_STREAM_H
#define VMM_NET_STREAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The stream backend of a NIC (--network user): Ethernet frames over a
 * stream socket to passt, each preceded by its length as a 32-bit
 * big-endian number (the framing of QEMU's "stream" netdev, which passt
 * speaks on its --fd socket).
 *
 * virtio-net's I/O thread works on a tap fd: one read() is one
 * virtio-net header and frame, one writev() sends one. A net_stream gives
 * it the same thing on the local end of a SOCK_SEQPACKET socketpair (the
 * tap's "stream" flag), and its own thread, net<N>-stream, translates
 * between that and the peer's byte stream:
 *
 *   peer -> local  bytes are read into a buffer; each complete frame goes
 *                  out as one message with a zeroed 12-byte header (no
 *                  offload: the frame is whole and checksummed). A length
 *                  above NET_STREAM_FRAME_MAX or below an Ethernet header
 *                  ends the link (logged), and is never allocated.
 *   local -> peer  one message at a time: its header is dropped (the
 *                  guest was offered no offloads, so it says nothing) and
 *                  the length written in its place; partial writes resume
 *                  where they stopped.
 *
 * Back-pressure, not loss: while the local end is full nothing more is
 * read from the peer, and while the peer pushes back nothing more is read
 * from the local end. Once the peer is gone (it closed, mid-frame or not,
 * a read or write failed, or it broke the framing) the thread says so
 * once through on_gone, keeps draining the local end (the guest's frames
 * are dropped and counted) and never reads the peer again.
 *
 * The thread touches no guest memory, so it has no pause gate to pass.
 */

#define NET_STREAM_HDR 12                     /* virtio_net_hdr_v1, as NET_HDR_LEN */
#define NET_STREAM_FRAME_MIN 14               /* an Ethernet header */
#define NET_STREAM_FRAME_MAX (65536 + 14)     /* 64 KiB of payload and its header */

enum net_stream_state {
	NET_STREAM_IDLE,    /* the source has nothing more now (EAGAIN) */
	NET_STREAM_MORE,    /* a batch ended with more to do */
	NET_STREAM_BLOCKED, /* the destination pushed back; the data waits */
	NET_STREAM_GONE,    /* the peer is gone (logged once) */
};

struct net_stream {
	const char *what;        /* messages start with it: "network 0" */
	int peer;                /* the stream socket (passt), O_NONBLOCK */
	int local;               /* the SOCK_SEQPACKET end, O_NONBLOCK */
	bool peer_gone;
	bool local_gone;         /* its other end closed: the thread has nothing to do */

	uint8_t *in;             /* from the peer: [in_off, in_len) not passed on yet */
	size_t in_off, in_len;

	/*
	 * To the peer: one message read at out (header, frame); the length
	 * goes over the header's last 4 bytes, and [out_off, out_len) is what
	 * still has to be written (out_len 0: nothing).
	 */
	uint8_t *out;
	size_t out_off, out_len;

	atomic_uint_fast64_t frames_in, frames_out, dropped;

	/* The thread (net_stream_start). */
	void (*on_gone)(void *ctx);
	void *ctx;
	int stop_fd;
	bool running;
	pthread_t thread;
};

/*
 * net_stream_init - s on peer and local (both taken over, made
 * non-blocking). Returns 0, or -ENOMEM with nothing taken.
 * net_stream_fini - stop the thread if it runs, close both fds, free.
 */
int net_stream_init(struct net_stream *s, const char *what, int peer, int local);
void net_stream_fini(struct net_stream *s);

/*
 * net_stream_pull - peer -> local, at most a batch of frames.
 * net_stream_push - local -> peer, at most a batch; with the peer gone the
 * local end's messages are read and dropped (IDLE once it is empty).
 * Both return an enum net_stream_state. Used by the thread; the unit tests
 * call them directly.
 */
enum net_stream_state net_stream_pull(struct net_stream *s);
enum net_stream_state net_stream_push(struct net_stream *s);

/*
 * net_stream_start - the thread net<index>-stream, which calls on_gone(ctx)
 * once when the peer goes. Returns 0 or an error number.
 */
int net_stream_start(struct net_stream *s, unsigned int index, void (*on_gone)(void *ctx),
		     void *ctx);

#endif
