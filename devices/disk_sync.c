// SPDX-License-Identifier: GPL-2.0-only
/*
 * The synchronous disk backend, and the plain system calls every backend
 * falls back to.
 *
 * The sync backend has no threads of its own: the queue's I/O thread makes
 * the system call itself, so each queue has one request in the kernel at
 * a time and parallelism comes from having several queues (queues=N). It
 * is the simplest thing that works everywhere (no io_uring, no AIO, a
 * seccomp filter that allows only the basics), which is its whole point.
 *
 * DISCARD and WRITE_ZEROES always run here, on the queue's thread, whatever
 * the backend: they are rare (fstrim, mkfs), and their fallbacks (hole
 * punching unsupported -> zero range -> writing zeroes) are easier to get
 * right in straight-line code than as chains of asynchronous requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "disk.h"
#include "disk_snapshot.h"

/* Zero-filled writes go out in chunks of this many bytes. */
#define DISK_ZERO_CHUNK (256u << 10)

static ssize_t disk_rw_one(int fd, bool write, void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Transfer bytes [done, len) of a READ or WRITE. The first attempt is one
 * preadv/pwritev of the whole request; what it leaves (rarely anything) is
 * finished a segment at a time.
 */
static int disk_rw_sync(int fd, struct disk_req *r, uint64_t done)
{
	bool write = r->op == DISK_WRITE;
	const struct iovec *iov;
	unsigned int cnt, i;
	uint64_t pos = 0;
	ssize_t n;

	iov = disk_req_iov(r, &cnt);
	if (!done && cnt <= IOV_MAX) {
		do
			n = write ? pwritev(fd, iov, (int)cnt, (off_t)r->offset) :
				    preadv(fd, iov, (int)cnt, (off_t)r->offset);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		done = (uint64_t)n;
	}
	for (i = 0; i < cnt && done < r->len; i++) {
		uint64_t end = pos + iov[i].iov_len;

		while (done < end) {
			uint64_t skip = done - pos;

			n = disk_rw_one(fd, write, (char *)iov[i].iov_base + skip,
					(size_t)(iov[i].iov_len - skip), (off_t)(r->offset + done));
			if (n < 0)
				return -errno;
			if (!n)
				return -EIO; /* the image shrank under us */
			done += (uint64_t)n;
		}
		pos = end;
	}
	return 0;
}

static int disk_write_zero_bytes(int fd, uint64_t off, uint64_t len)
{
	uint64_t chunk = len < DISK_ZERO_CHUNK ? len : DISK_ZERO_CHUNK;
	void *zero;
	ssize_t n;
	int err = 0;

	/* Page aligned, so the writes also suit O_DIRECT. */
	if (posix_memalign(&zero, 4096, chunk ? chunk : 4096))
		return -ENOMEM;
	memset(zero, 0, chunk);
	while (len) {
		n = disk_rw_one(fd, true, zero, len < chunk ? len : chunk, (off_t)off);
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	free(zero);
	return err;
}

static int disk_fallocate(int fd, int mode, uint64_t off, uint64_t len)
{
	int ret;

	do
		ret = fallocate(fd, mode, (off_t)off, (off_t)len);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

static int disk_discard(struct disk *d, struct disk_req *r)
{
	uint64_t range[2] = { r->offset, r->len };
	int fd = disk_fd(d), err;

	if (!r->len)
		return 0;
	if (disk_get_info(d)->blockdev)
		err = ioctl(fd, BLKDISCARD, range) < 0 ? -errno : 0;
	else
		err = disk_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				     r->offset, r->len);
	/* Discard is advisory: where the host cannot, doing nothing is right. */
	if (err == -EOPNOTSUPP || err == -ENOTTY || err == -ENOSYS)
		err = 0;
	return err;
}

static int disk_write_zeroes(struct disk *d, struct disk_req *r)
{
	uint64_t range[2] = { r->offset, r->len };
	int fd = disk_fd(d);

	if (!r->len)
		return 0;
	if (disk_get_info(d)->blockdev) {
		/* The kernel writes zeroes itself where the device cannot. */
		if (!ioctl(fd, BLKZEROOUT, range))
			return 0;
		if (errno != EOPNOTSUPP && errno != ENOTTY)
			return -errno;
		return disk_write_zero_bytes(fd, r->offset, r->len);
	}
	/*
	 * With UNMAP the guest lets us free the space, which is the point of
	 * asking, so punch first; otherwise keep it allocated (ZERO_RANGE).
	 * Either may be unsupported by the file system: write zeroes then.
	 */
	if ((r->flags & DISK_F_UNMAP) &&
	    !disk_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, r->offset, r->len))
		return 0;
	if (!disk_fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, r->offset, r->len))
		return 0;
	if (!(r->flags & DISK_F_UNMAP) &&
	    !disk_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, r->offset, r->len))
		return 0;
	return disk_write_zero_bytes(fd, r->offset, r->len);
}

int disk_run_sync(struct disk *d, struct disk_req *r, uint64_t done)
{
	if (disk_layer(d))
		return disk_snapshot_run(disk_layer(d), disk_fd(d), r, done);
	switch (r->op) {
	case DISK_READ:
	case DISK_WRITE:
		return disk_rw_sync(disk_fd(d), r, done);
	case DISK_FLUSH:
		return fdatasync(disk_fd(d)) < 0 ? -errno : 0;
	case DISK_DISCARD:
		return disk_discard(d, r);
	case DISK_WRITE_ZEROES:
		return disk_write_zeroes(d, r);
	}
	return -EINVAL;
}

/* --- the sync backend: everything is declined, so disk.c runs it here. ---- */

static int disk_sync_init(struct disk_queue *q, unsigned int depth)
{
	(void)depth;
	q->fd = -1;
	return 0;
}

static void disk_sync_fini(struct disk_queue *q)
{
	(void)q;
}

static int disk_sync_prep(struct disk_queue *q, struct disk_req *r)
{
	(void)q;
	(void)r;
	return -EOPNOTSUPP;
}

static void disk_sync_commit(struct disk_queue *q)
{
	(void)q;
}

static void disk_sync_reap(struct disk_queue *q, bool wait)
{
	(void)q;
	(void)wait;
}

const struct disk_backend disk_sync_backend = {
	.name = "sync",
	.init = disk_sync_init,
	.fini = disk_sync_fini,
	.prep = disk_sync_prep,
	.commit = disk_sync_commit,
	.reap = disk_sync_reap,
};
