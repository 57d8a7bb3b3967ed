// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stream backend of a NIC: frames between a SOCK_SEQPACKET end that
 * virtio-net treats as its tap and passt's length-prefixed byte stream.
 * See include/net_stream.h for the protocol and the back-pressure rules.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <fcntl.h>
#include <unistd.h>

#include "dev_thread.h"
#include "log.h"
#include "net_stream.h"

/*
 * Room for two largest frames with their lengths: after moving a partial
 * frame to the front there is always room to read the rest of it.
 */
#define IN_CAP (2 * (4 + NET_STREAM_FRAME_MAX))
/* One message and a byte more, so that an oversized one shows as such. */
#define OUT_CAP (NET_STREAM_HDR + NET_STREAM_FRAME_MAX + 1)
/* Frames per direction per call, so that neither direction starves the other. */
#define BATCH 64

static void count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int net_stream_init(struct net_stream *s, const char *what, int peer, int local)
{
	memset(s, 0, sizeof(*s));
	s->what = what;
	s->stop_fd = -1;
	s->in = malloc(IN_CAP);
	s->out = malloc(OUT_CAP);
	if (!s->in || !s->out || nonblock(peer) < 0 || nonblock(local) < 0) {
		int err = errno ? errno : ENOMEM;

		free(s->in);
		free(s->out);
		s->in = s->out = NULL;
		return -err;
	}
	s->peer = peer;
	s->local = local;
	return 0;
}

/* The peer is gone: said once, its pending output dropped. */
static enum net_stream_state gone(struct net_stream *s)
{
	s->peer_gone = true;
	if (s->out_len) {
		count(&s->dropped);
		s->out_off = s->out_len = 0;
	}
	return NET_STREAM_GONE;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum net_stream_state net_stream_pull(struct net_stream *s)
{
	static const uint8_t zero_hdr[NET_STREAM_HDR];
	unsigned int batch = 0;
	ssize_t n;

	if (s->peer_gone)
		return NET_STREAM_GONE;
	while (batch < BATCH) {
		size_t avail = s->in_len - s->in_off;

		if (avail >= 4) {
			uint32_t len = be32(s->in + s->in_off);

			if (len > NET_STREAM_FRAME_MAX || len < NET_STREAM_FRAME_MIN) {
				log_warn("%s: passt sent a frame length of %u (%u to %u allowed); "
					 "the link goes down",
					 s->what, len, NET_STREAM_FRAME_MIN, NET_STREAM_FRAME_MAX);
				return gone(s);
			}
			if (avail >= 4 + (size_t)len) {
				struct iovec iov[2] = {
					{ (void *)zero_hdr, sizeof(zero_hdr) },
					{ s->in + s->in_off + 4, len },
				};

				n = writev(s->local, iov, 2);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0 && (errno == EAGAIN || errno == ENOBUFS))
					return NET_STREAM_BLOCKED;
				/* Anything else: this frame cannot be passed on; the next may. */
				if (n < 0)
					count(&s->dropped);
				else
					count(&s->frames_in);
				s->in_off += 4 + (size_t)len;
				batch++;
				continue;
			}
		}
		if (s->in_off) {
			memmove(s->in, s->in + s->in_off, avail);
			s->in_len = avail;
			s->in_off = 0;
		}
		n = read(s->peer, s->in + s->in_len, IN_CAP - s->in_len);
		if (n > 0) {
			s->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return NET_STREAM_IDLE;
		if (n < 0)
			log_warn("%s: reading passt's socket: %s; the link goes down", s->what,
				 strerror(errno));
		else if (avail)
			log_warn("%s: passt closed its socket in the middle of a frame (%zu "
				 "bytes of it came); the link goes down",
				 s->what, avail);
		else
			log_warn("%s: passt closed its socket; the link goes down", s->what);
		return gone(s);
	}
	return NET_STREAM_MORE;
}

/* Write what is left of s->out; true when it is all out. */
static enum net_stream_state push_out(struct net_stream *s)
{
	while (s->out_off < s->out_len) {
		ssize_t n = send(s->peer, s->out + s->out_off, s->out_len - s->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return NET_STREAM_BLOCKED;
		if (n < 0) {
			log_warn("%s: writing to passt's socket: %s; the link goes down", s->what,
				 strerror(errno));
			return gone(s);
		}
		s->out_off += (size_t)n;
	}
	count(&s->frames_out);
	s->out_off = s->out_len = 0;
	return NET_STREAM_IDLE;
}

enum net_stream_state net_stream_push(struct net_stream *s)
{
	unsigned int batch = 0;
	enum net_stream_state st;
	ssize_t n;
	size_t flen;

	while (batch < BATCH) {
		if (s->out_len) {
			st = push_out(s);
			if (st != NET_STREAM_IDLE)
				return st;
			batch++;
			continue;
		}
		n = read(s->local, s->out, OUT_CAP);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return NET_STREAM_IDLE;
		if (n <= 0) {
			/* Its other end (virtio-net's) is closed only after this thread stopped. */
			s->local_gone = true;
			return NET_STREAM_IDLE;
		}
		batch++;
		if ((size_t)n < NET_STREAM_HDR + NET_STREAM_FRAME_MIN ||
		    (size_t)n > NET_STREAM_HDR + NET_STREAM_FRAME_MAX || s->peer_gone) {
			count(&s->dropped);
			continue;
		}
		/* The length over the header's last 4 bytes, big-endian. */
		flen = (size_t)n - NET_STREAM_HDR;
		s->out[NET_STREAM_HDR - 4] = (uint8_t)(flen >> 24);
		s->out[NET_STREAM_HDR - 3] = (uint8_t)(flen >> 16);
		s->out[NET_STREAM_HDR - 2] = (uint8_t)(flen >> 8);
		s->out[NET_STREAM_HDR - 1] = (uint8_t)flen;
		s->out_off = NET_STREAM_HDR - 4;
		s->out_len = (size_t)n;
	}
	return NET_STREAM_MORE;
}

static void *net_stream_thread(void *arg)
{
	struct net_stream *s = arg;
	enum net_stream_state pull = NET_STREAM_IDLE, push = NET_STREAM_IDLE;
	bool told = false;

	while (!s->local_gone) {
		struct pollfd pfd[3];
		short pe = 0, le = 0;

		if (!s->peer_gone) {
			if (pull != NET_STREAM_BLOCKED)
				pe |= POLLIN;
			if (push == NET_STREAM_BLOCKED)
				pe |= POLLOUT;
		}
		if (pull == NET_STREAM_BLOCKED)
			le |= POLLOUT;
		if (push != NET_STREAM_BLOCKED)
			le |= POLLIN;
		pfd[0] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = pe ? s->peer : -1, .events = pe };
		pfd[2] = (struct pollfd){ .fd = le ? s->local : -1, .events = le };
		if (poll(pfd, 3, pull == NET_STREAM_MORE || push == NET_STREAM_MORE ? 0 : -1) < 0 &&
		    errno != EINTR) {
			log_errno("%s: poll", s->what);
			break;
		}
		if (pfd[0].revents)
			break;
		pull = net_stream_pull(s);
		push = net_stream_push(s);
		if (s->peer_gone && !told) {
			told = true;
			if (s->on_gone)
				s->on_gone(s->ctx);
		}
	}
	return NULL;
}

int net_stream_start(struct net_stream *s, unsigned int index, void (*on_gone)(void *ctx),
		     void *ctx)
{
	char name[32];
	int err;

	s->on_gone = on_gone;
	s->ctx = ctx;
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd < 0)
		return errno;
	snprintf(name, sizeof(name), "net%u-stream", index);
	err = dev_thread_start(&s->thread, name, net_stream_thread, s);
	if (err)
		return err;
	s->running = true;
	return 0;
}

void net_stream_fini(struct net_stream *s)
{
	uint64_t one = 1;

	if (s->running) {
		if (write(s->stop_fd, &one, sizeof(one)) < 0) {
			/* cannot fail short of a saturated counter, which still wakes */
		}
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	s->stop_fd = -1;
	if (s->in || s->out) {
		close(s->peer);
		close(s->local);
	}
	free(s->in);
	free(s->out);
	s->in = s->out = NULL;
}
