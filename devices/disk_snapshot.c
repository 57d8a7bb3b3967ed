// SPDX-License-Identifier: GPL-2.0-only
/* The copy-on-write layer of --disk PATH,snapshot (include/disk_snapshot.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk_snapshot.h"
#include "log.h"
#include "status.h"

/* Segments per preadv/pwritev when a request's buffers are sliced. */
#define SLICE_MAX 64

struct disk_snapshot {
	int fd;                   /* the layer: an unlinked file, as big as the image */
	uint64_t size;
	uint64_t nblocks;
	_Atomic uint64_t *dirty;  /* bit b: block b's bytes are in the layer */
	_Atomic uint64_t ndirty;
	pthread_mutex_t write_lock;
	uint8_t copy[DISK_SNAPSHOT_BLOCK]; /* copy-up buffer, under write_lock */
};

static int layer_open(const char *dir)
{
	char tmpl[PATH_MAX];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* No O_TMPFILE on this file system: a named file, unlinked at once. */
	if (snprintf(tmpl, sizeof(tmpl), "%s/vmm-snapshot-XXXXXX", dir) >= (int)sizeof(tmpl)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

int disk_snapshot_new(const char *path, uint64_t size, struct disk_snapshot **out)
{
	const char *dir = getenv("TMPDIR");
	struct disk_snapshot *s;

	/* /var/tmp first: /tmp is often RAM, and a guest may write a lot. */
	if (!dir || !*dir)
		dir = access("/var/tmp", W_OK) == 0 ? "/var/tmp" : "/tmp";
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_errno("disk %s: snapshot layer", path);
		return VMM_ERR_HOST;
	}
	s->size = size;
	s->nblocks = (size + DISK_SNAPSHOT_BLOCK - 1) / DISK_SNAPSHOT_BLOCK;
	s->dirty = calloc((size_t)(s->nblocks / 64 + 1), sizeof(*s->dirty));
	s->fd = s->dirty ? layer_open(dir) : -1;
	if (s->fd < 0 || ftruncate(s->fd, (off_t)size) < 0) {
		log_errno("disk %s: snapshot layer in %s", path, dir);
		if (s->fd >= 0)
			close(s->fd);
		free(s->dirty);
		free(s);
		return VMM_ERR_HOST;
	}
	pthread_mutex_init(&s->write_lock, NULL);
	*out = s;
	return VMM_OK;
}

void disk_snapshot_free(struct disk_snapshot *s)
{
	if (!s)
		return;
	close(s->fd);
	pthread_mutex_destroy(&s->write_lock);
	free(s->dirty);
	free(s);
}

uint64_t disk_snapshot_bytes(struct disk_snapshot *s)
{
	return atomic_load_explicit(&s->ndirty, memory_order_relaxed) * DISK_SNAPSHOT_BLOCK;
}

static bool is_dirty(struct disk_snapshot *s, uint64_t b)
{
	return atomic_load_explicit(&s->dirty[b / 64], memory_order_acquire) >> (b % 64) & 1;
}

static void set_dirty(struct disk_snapshot *s, uint64_t b)
{
	uint64_t bit = 1ull << (b % 64);

	if (!(atomic_fetch_or_explicit(&s->dirty[b / 64], bit, memory_order_release) & bit))
		atomic_fetch_add_explicit(&s->ndirty, 1, memory_order_relaxed);
}

/*
 * The part [skip, skip + len) of the buffers iov, as at most max segments
 * in out; returns how many, and in *got how many bytes they hold (less
 * than len when max ran out).
 */
static unsigned int iov_slice(const struct iovec *iov, unsigned int cnt, uint64_t skip,
			      uint64_t len, struct iovec *out, unsigned int max, uint64_t *got)
{
	unsigned int i, n = 0;

	*got = 0;
	for (i = 0; i < cnt && n < max && *got < len; i++) {
		uint64_t seg = iov[i].iov_len;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		seg -= skip;
		if (seg > len - *got)
			seg = len - *got;
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		out[n].iov_len = (size_t)seg;
		n++;
		*got += seg;
		skip = 0;
	}
	return n;
}

/* Move len bytes between iov (from byte skip on) and fd at off, whatever the short counts. */
static int transfer(int fd, bool write, const struct iovec *iov, unsigned int cnt, uint64_t skip,
		    uint64_t len, uint64_t off)
{
	struct iovec part[SLICE_MAX];

	while (len) {
		uint64_t got;
		unsigned int n = iov_slice(iov, cnt, skip, len, part, SLICE_MAX, &got);
		ssize_t k;

		if (!n)
			return -EINVAL; /* the buffers hold less than the request says */
		do
			k = write ? pwritev(fd, part, (int)n, (off_t)off) :
				    preadv(fd, part, (int)n, (off_t)off);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO; /* the image shrank under us */
		skip += (uint64_t)k;
		off += (uint64_t)k;
		len -= (uint64_t)k;
	}
	return 0;
}

/* Reads: each run of blocks from where its bytes are. */
static int snap_read(struct disk_snapshot *s, int base_fd, const struct iovec *iov,
		     unsigned int cnt, uint64_t pos, uint64_t end, uint64_t off)
{
	while (pos < end) {
		uint64_t b = (off + pos) / DISK_SNAPSHOT_BLOCK;
		bool in_layer = is_dirty(s, b);
		uint64_t run_end = (b + 1) * DISK_SNAPSHOT_BLOCK - off;
		int err;

		while (run_end < end && is_dirty(s, (off + run_end) / DISK_SNAPSHOT_BLOCK) == in_layer)
			run_end += DISK_SNAPSHOT_BLOCK;
		if (run_end > end)
			run_end = end;
		err = transfer(in_layer ? s->fd : base_fd, false, iov, cnt, pos, run_end - pos, off + pos);
		if (err)
			return err;
		pos = run_end;
	}
	return 0;
}

/* Block b's bytes from the image into the layer, before a write covers it partly. */
static int copy_up(struct disk_snapshot *s, int base_fd, uint64_t b)
{
	uint64_t at = b * DISK_SNAPSHOT_BLOCK;
	uint64_t n = s->size - at < DISK_SNAPSHOT_BLOCK ? s->size - at : DISK_SNAPSHOT_BLOCK;
	struct iovec v = { .iov_base = s->copy, .iov_len = (size_t)n };
	int err;

	if (is_dirty(s, b))
		return 0;
	err = transfer(base_fd, false, &v, 1, 0, n, at);
	return err ? err : transfer(s->fd, true, &v, 1, 0, n, at);
}

static int snap_write(struct disk_snapshot *s, int base_fd, const struct iovec *iov,
		      unsigned int cnt, uint64_t pos, uint64_t end, uint64_t off)
{
	uint64_t first = (off + pos) / DISK_SNAPSHOT_BLOCK;
	uint64_t last = (off + end - 1) / DISK_SNAPSHOT_BLOCK;
	uint64_t b;
	int err = 0;

	if (pos >= end)
		return 0;
	pthread_mutex_lock(&s->write_lock);
	if ((off + pos) % DISK_SNAPSHOT_BLOCK)
		err = copy_up(s, base_fd, first);
	if (!err && (off + end) % DISK_SNAPSHOT_BLOCK && off + end < s->size &&
	    (last != first || !((off + pos) % DISK_SNAPSHOT_BLOCK)))
		err = copy_up(s, base_fd, last);
	if (!err)
		err = transfer(s->fd, true, iov, cnt, pos, end - pos, off + pos);
	/* Only now: a reader that sees the bit finds the bytes. */
	for (b = first; !err && b <= last; b++)
		set_dirty(s, b);
	pthread_mutex_unlock(&s->write_lock);
	return err;
}

/* WRITE_ZEROES: the range reads back as zeroes, written into the layer. */
static int snap_zero(struct disk_snapshot *s, int base_fd, uint64_t off, uint64_t len)
{
	static const uint8_t zero[64 << 10];
	struct iovec v = { .iov_base = (void *)zero };
	int err = 0;

	while (!err && len) {
		uint64_t n = len < sizeof(zero) ? len : sizeof(zero);

		v.iov_len = (size_t)n;
		err = snap_write(s, base_fd, &v, 1, 0, n, off);
		off += n;
		len -= n;
	}
	return err;
}

int disk_snapshot_run(struct disk_snapshot *s, int base_fd, struct disk_req *r, uint64_t done)
{
	const struct iovec *iov;
	unsigned int cnt;

	switch (r->op) {
	case DISK_READ:
		iov = disk_req_iov(r, &cnt);
		return snap_read(s, base_fd, iov, cnt, done, r->len, r->offset);
	case DISK_WRITE:
		iov = disk_req_iov(r, &cnt);
		return snap_write(s, base_fd, iov, cnt, done, r->len, r->offset);
	case DISK_WRITE_ZEROES:
		return snap_zero(s, base_fd, r->offset, r->len);
	case DISK_FLUSH:   /* the layer dies with vmm: nothing to make durable */
	case DISK_DISCARD: /* advisory */
		return 0;
	}
	return -EINVAL;
}
