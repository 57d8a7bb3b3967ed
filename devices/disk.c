// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disk images: the --disk option, opening and locking, sizing, and the
 * request logic common to every backend (queueing finished requests,
 * short transfers, bounce buffers for direct I/O).
 *
 * Direct I/O alignment: O_DIRECT needs file offsets, lengths and buffer
 * addresses aligned to the device's logical block size. The guest is told
 * that block size (VIRTIO_BLK_F_BLK_SIZE), so offsets and lengths from a
 * well-behaved driver are aligned; its buffers normally are too (Linux
 * hands over whole pages or sector-aligned slab). A request with a buffer
 * that is not aligned goes through a bounce buffer rather than failing:
 * slower, but correct, and it costs nothing when unused. A misaligned
 * offset or length cannot be fixed that way and fails with the kernel's
 * EINVAL, which the guest sees as an I/O error.
 *
 * Locking: a struct disk is read-only after disk_open(), so any number of
 * queue threads share it. A disk_queue belongs to one thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "disk_snapshot.h"
#include "log.h"
#include "status.h"
#include "virtqueue.h"

struct disk {
	int fd;
	struct disk_info info;
	struct disk_snapshot *snap; /* snapshot: the layer in front of fd */
	char *path;
	uint32_t dio_align; /* direct only: offset, length and address alignment */
};

static const char *const disk_io_names[] = {
	[DISK_IO_URING] = "io_uring",
	[DISK_IO_AIO] = "aio",
	[DISK_IO_SYNC] = "sync",
};

const char *disk_io_name(enum disk_io io)
{
	return io <= DISK_IO_SYNC ? disk_io_names[io] : "?";
}

static int disk_opts_bad(const char *spec, const char *cause, const char *what)
{
	if (what)
		log_error("--disk %s: %s '%s'", spec, cause, what);
	else
		log_error("--disk %s: %s", spec, cause);
	return VMM_ERR_USAGE;
}

/*
 * The items of --disk, as --network's (devices/net_opts.c): each at most
 * once; flags take no value, the others need one.
 */
static const struct {
	const char *name;
	bool flag;
} disk_opt_names[] = {
	{ "ro", true }, { "direct", true }, { "io", false }, { "serial", false }, { "queues", false },
	{ "snapshot", true },
};
#define DISK_OPT_IO_SEEN (1u << 2) /* disk_opt_names[2], "io", was given */

/* One ",key[=value]" item of the option string; item is NUL-terminated. */
static int disk_opts_item(const char *spec, char *item, struct disk_opts *o, unsigned int *seen)
{
	char *val = strchr(item, '=');
	unsigned long n;
	unsigned int i;

	if (val)
		*val++ = '\0';
	for (i = 0; i < sizeof(disk_opt_names) / sizeof(disk_opt_names[0]); i++)
		if (!strcmp(item, disk_opt_names[i].name))
			break;
	if (i == sizeof(disk_opt_names) / sizeof(disk_opt_names[0])) {
		if (val)
			val[-1] = '=';
		return disk_opts_bad(spec, "unknown option", item);
	}
	if (*seen & (1u << i))
		return disk_opts_bad(spec, "duplicate option", item);
	*seen |= 1u << i;
	if (disk_opt_names[i].flag && val) {
		log_error("--disk %s: option '%s' takes no value", spec, item);
		return VMM_ERR_USAGE;
	}
	if (!disk_opt_names[i].flag && !val) {
		log_error("--disk %s: option '%s' needs a value (%s=...)", spec, item, item);
		return VMM_ERR_USAGE;
	}
	if (!strcmp(item, "ro")) {
		o->ro = true;
	} else if (!strcmp(item, "snapshot")) {
		o->snapshot = true;
	} else if (!strcmp(item, "direct")) {
		o->direct = true;
	} else if (!strcmp(item, "io")) {
		if (!strcmp(val, "io_uring"))
			o->io = DISK_IO_URING;
		else if (!strcmp(val, "aio"))
			o->io = DISK_IO_AIO;
		else if (!strcmp(val, "sync"))
			o->io = DISK_IO_SYNC;
		else
			return disk_opts_bad(spec, "io must be io_uring, aio or sync, not", val);
	} else if (!strcmp(item, "serial")) {
		if (strlen(val) > DISK_SERIAL_LEN)
			return disk_opts_bad(spec, "serial is longer than 20 bytes", NULL);
		memset(o->serial, 0, sizeof(o->serial));
		memcpy(o->serial, val, strlen(val));
	} else if (!strcmp(item, "queues")) {
		char *end;

		/* Digits only: no sign, no spaces, no 0x (as --network's queues=). */
		errno = 0;
		n = val[0] >= '0' && val[0] <= '9' ? strtoul(val, &end, 10) : 0;
		if (errno || !n || *end || n > DISK_MAX_QUEUES)
			return disk_opts_bad(spec, "queues must be 1 to 16, not", val);
		o->queues = (unsigned int)n;
	}
	return 0;
}

int disk_opts_parse(const char *spec, struct disk_opts *out)
{
	size_t len = strlen(spec);
	char *copy, *item, *next;
	unsigned int seen = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->io = DISK_IO_URING;
	copy = strdup(spec);
	if (!copy)
		return disk_opts_bad(spec, "out of memory", NULL);
	next = strchr(copy, ',');
	if (next)
		*next++ = '\0';
	len = strlen(copy);
	if (!len)
		ret = disk_opts_bad(spec, "no image path", NULL);
	else if (len >= sizeof(out->path))
		ret = disk_opts_bad(spec, "image path too long", NULL);
	else
		memcpy(out->path, copy, len + 1);
	while (!ret && next) {
		item = next;
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		ret = disk_opts_item(spec, item, out, &seen);
	}
	free(copy);
	/*
	 * A snapshot is writable (so not ro), goes through the page cache and
	 * runs synchronously (its copy-up is straight-line code): say so
	 * rather than quietly drop what was asked.
	 */
	if (!ret && out->snapshot && out->ro)
		ret = disk_opts_bad(spec, "option 'snapshot' cannot go with", "ro");
	else if (!ret && out->snapshot && out->direct)
		ret = disk_opts_bad(spec, "option 'snapshot' cannot go with", "direct");
	else if (!ret && out->snapshot && (seen & DISK_OPT_IO_SEEN) && out->io != DISK_IO_SYNC)
		ret = disk_opts_bad(spec, "a snapshot disk does its I/O with io=sync, not",
				    disk_io_name(out->io));
	if (!ret && out->snapshot)
		out->io = DISK_IO_SYNC;
	return ret;
}

/* Report an open failure for path; errno holds the cause. */
static int disk_open_fail(const char *path, const char *cause)
{
	if (cause)
		log_error("disk %s: %s", path, cause);
	else
		log_errno("disk %s", path);
	return VMM_ERR_INPUT;
}

int disk_opts_check(const struct disk_opts *o)
{
	struct stat st;

	if (stat(o->path, &st) < 0)
		return disk_open_fail(o->path, NULL);
	if (S_ISDIR(st.st_mode))
		return disk_open_fail(o->path, "Is a directory");
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return disk_open_fail(o->path, "not a regular file or block device");
	if (!o->ro && !o->snapshot && access(o->path, W_OK) < 0 && (errno == EACCES || errno == EROFS))
		return disk_open_fail(o->path, errno == EACCES ?
			"Permission denied (EACCES; add ,ro to use it read-only)" :
			"Read-only file system (EROFS; add ,ro to use it read-only)");
	return 0;
}

/*
 * The smallest O_DIRECT transfer the file accepts: what the file system's
 * device needs. Asked by trying, since statx's DIOALIGN is too new for the
 * C libraries vmm is built with. Reads at offset 0 change nothing.
 */
static uint32_t disk_probe_dio_align(int fd)
{
	uint32_t bs;
	void *buf;

	if (posix_memalign(&buf, 4096, 4096))
		return 4096;
	for (bs = 512; bs < 4096; bs *= 2)
		if (pread(fd, buf, bs, 0) >= 0 || errno != EINVAL)
			break;
	free(buf);
	return bs;
}

static int disk_size(struct disk *d, const struct stat *st)
{
	uint64_t bytes;
	int ssz = 512, pbsz = 0;

	if (S_ISBLK(st->st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &bytes) < 0)
			return disk_open_fail(d->path, NULL);
		if (ioctl(d->fd, BLKSSZGET, &ssz) < 0 || ssz < 512 || ssz > 65536)
			ssz = 512;
		if (ioctl(d->fd, BLKPBSZGET, &pbsz) < 0 || pbsz < ssz || pbsz > 1 << 20)
			pbsz = ssz;
		d->info.blockdev = true;
		d->info.block_size = (uint32_t)ssz;
		d->info.discard_align = (uint32_t)pbsz;
		d->dio_align = (uint32_t)ssz;
	} else {
		bytes = (uint64_t)st->st_size;
		d->info.block_size = 512;
		d->info.discard_align = st->st_blksize >= 512 && st->st_blksize <= 1 << 20 ?
						(uint32_t)st->st_blksize : 4096;
		if (d->info.direct) {
			d->dio_align = disk_probe_dio_align(d->fd);
			d->info.block_size = d->dio_align;
		}
	}
	/*
	 * A partial last sector cannot be addressed by the guest: drop it,
	 * and say so, since writes will never reach those bytes.
	 */
	if (bytes % DISK_SECTOR)
		log_warn("disk %s: size %llu is not a multiple of 512; the last %llu bytes are "
			 "not visible to the guest",
			 d->path, (unsigned long long)bytes,
			 (unsigned long long)(bytes % DISK_SECTOR));
	d->info.size = bytes - bytes % DISK_SECTOR;
	return 0;
}

int disk_open(const struct disk_opts *o, struct disk **out)
{
	struct flock fl = { .l_whence = SEEK_SET };
	struct disk *d;
	struct stat st;
	int flags, ret;

	d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(o->path))) {
		free(d);
		return disk_open_fail(o->path, NULL);
	}
	d->info.path = d->path;
	d->info.ro = o->ro;
	d->info.direct = o->direct;
	d->info.snapshot = o->snapshot;

	/* O_NONBLOCK: opening a FIFO by mistake must not hang vmm. */
	flags = (o->ro || o->snapshot ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	if (o->direct)
		flags |= O_DIRECT;
	d->fd = open(o->path, flags);
	if (d->fd < 0) {
		if (errno == EINVAL && o->direct)
			ret = disk_open_fail(o->path, "O_DIRECT is not supported by its file "
						      "system (drop ,direct)");
		else if ((errno == EACCES || errno == EROFS) && !o->ro)
			ret = disk_open_fail(o->path, errno == EACCES ?
				"Permission denied (EACCES; add ,ro to use it read-only)" :
				"Read-only file system (EROFS; add ,ro to use it read-only)");
		else
			ret = disk_open_fail(o->path, NULL);
		goto fail;
	}
	if (fstat(d->fd, &st) < 0) {
		ret = disk_open_fail(o->path, NULL);
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = disk_open_fail(o->path, "Is a directory");
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		ret = disk_open_fail(o->path, "not a regular file or block device");
		goto fail;
	}
	if (fcntl(d->fd, F_SETFL, o->direct ? O_DIRECT : 0) < 0) {
		ret = disk_open_fail(o->path, NULL);
		goto fail;
	}

	/*
	 * Open file description locks (not POSIX process locks) so that a
	 * second open in this same process conflicts too, and the lock goes
	 * away with the descriptor, whatever other code does with the file.
	 */
	fl.l_type = o->ro || o->snapshot ? F_RDLCK : F_WRLCK;
	if (fcntl(d->fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES) {
			ret = disk_open_fail(o->path, "in use by another vmm, or given twice (locked)");
			goto fail;
		}
		/* Some file systems (FUSE, old NFS) lack them: run unprotected. */
		log_warn("disk %s: cannot lock it (%s); nothing stops another vmm from using it",
			 o->path, strerror(errno));
	}

	ret = disk_size(d, &st);
	if (!ret && o->snapshot)
		ret = disk_snapshot_new(o->path, d->info.size, &d->snap);
	if (ret)
		goto fail;
	*out = d;
	return 0;
fail:
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d);
	return ret;
}

void disk_close(struct disk *d)
{
	if (!d)
		return;
	disk_snapshot_free(d->snap);
	close(d->fd);
	free(d->path);
	free(d);
}

const struct disk_info *disk_get_info(const struct disk *d)
{
	return &d->info;
}

uint64_t disk_snapshot_written(const struct disk *d)
{
	return d->snap ? disk_snapshot_bytes(d->snap) : 0;
}


struct disk_snapshot *disk_layer(const struct disk *d)
{
	return d->snap;
}

int disk_fd(const struct disk *d)
{
	return d->fd;
}

/* --- queues --------------------------------------------------------------- */

static const struct disk_backend *const disk_backends[] = {
	[DISK_IO_URING] = &disk_uring_backend,
	[DISK_IO_AIO] = &disk_aio_backend,
	[DISK_IO_SYNC] = &disk_sync_backend,
};

int disk_queue_new(struct disk *d, unsigned int depth, enum disk_io io, struct disk_queue **out)
{
	struct disk_queue *q = calloc(1, sizeof(*q));
	int err = 0;

	if (!q) {
		err = -errno;
		goto fail;
	}
	q->disk = d;
	q->depth = depth;
	/* A snapshot's copy-up is straight-line code: it runs on the sync path. */
	if (d->snap)
		io = DISK_IO_SYNC;
	q->done_tail = &q->done_head;
	for (; io <= DISK_IO_SYNC; io++) {
		q->be = disk_backends[io];
		q->io = io;
		q->fd = -1;
		q->priv = NULL;
		err = q->be->init(q, depth);
		if (!err) {
			*out = q;
			return VMM_OK;
		}
		if (io < DISK_IO_SYNC)
			log_info("disk %s: %s unavailable (%s), trying %s", d->path,
				 q->be->name, strerror(-err), disk_backends[io + 1]->name);
	}
	free(q);
fail:
	errno = -err;
	log_errno("disk %s: cannot set up its I/O", d->path);
	errno = -err;
	return VMM_ERR_HOST;
}

void disk_queue_free(struct disk_queue *q)
{
	struct disk_req *r;

	if (!q)
		return;
	q->be->fini(q);
	for (r = q->done_head; r; r = r->next) {
		free(r->bounce);
		r->bounce = NULL;
	}
	free(q->chunk);
	free(q);
}

enum disk_io disk_queue_backend(const struct disk_queue *q)
{
	return q->io;
}

int disk_queue_fd(const struct disk_queue *q)
{
	return q->fd;
}

unsigned int disk_inflight(const struct disk_queue *q)
{
	return q->inflight;
}

static void disk_done(struct disk_queue *q, struct disk_req *r, int result)
{
	r->result = result;
	r->next = NULL;
	*q->done_tail = r;
	q->done_tail = &r->next;
}

/* Whether r's buffers meet O_DIRECT's alignment. */
static bool disk_iov_aligned(const struct disk *d, const struct disk_req *r)
{
	unsigned int i;

	for (i = 0; i < r->iovcnt; i++)
		if ((uintptr_t)r->iov[i].iov_base % d->dio_align ||
		    r->iov[i].iov_len % d->dio_align)
			return false;
	return true;
}

/* Swap r's buffers for one aligned bounce buffer; false when out of memory. */
static bool disk_bounce(const struct disk *d, struct disk_req *r)
{
	uint64_t off = 0;
	unsigned int i;

	if (posix_memalign(&r->bounce, d->dio_align, r->len ? r->len : d->dio_align)) {
		r->bounce = NULL;
		return false;
	}
	if (r->op == DISK_WRITE)
		for (i = 0; i < r->iovcnt; i++) {
			memcpy((char *)r->bounce + off, r->iov[i].iov_base, r->iov[i].iov_len);
			off += r->iov[i].iov_len;
		}
	r->bounce_iov.iov_base = r->bounce;
	r->bounce_iov.iov_len = r->len;
	return true;
}

/* Copy a finished READ's bounce buffer out to the caller's buffers. */
static void disk_unbounce(struct disk_queue *q, struct disk_req *r)
{
	uint64_t off = 0;
	unsigned int i;

	if (!r->bounce)
		return;
	q->bounce_bytes -= r->len;
	if (r->op == DISK_READ && !r->result)
		for (i = 0; i < r->iovcnt; i++) {
			memcpy(r->iov[i].iov_base, (char *)r->bounce + off, r->iov[i].iov_len);
			off += r->iov[i].iov_len;
		}
	free(r->bounce);
	r->bounce = NULL;
}

/*
 * An unaligned direct READ or WRITE over the bounce budget: synchronously,
 * one DISK_BOUNCE_CHUNK at a time through the queue's chunk buffer.
 * Returns 0 or -errno.
 */
static int disk_rw_chunked(struct disk_queue *q, struct disk_req *r)
{
	struct disk *d = q->disk;
	struct disk_req c;
	struct iovec v;
	uint64_t off, n;
	int err;

	if (!q->chunk && posix_memalign(&q->chunk, d->dio_align, DISK_BOUNCE_CHUNK)) {
		q->chunk = NULL;
		return -ENOMEM;
	}
	for (off = 0; off < r->len; off += n) {
		n = r->len - off < DISK_BOUNCE_CHUNK ? r->len - off : DISK_BOUNCE_CHUNK;
		v = (struct iovec){ .iov_base = q->chunk, .iov_len = (size_t)n };
		c = (struct disk_req){ .op = r->op, .offset = r->offset + off, .len = n,
				       .iov = &v, .iovcnt = 1 };
		if (r->op == DISK_WRITE &&
		    vq_iov_read(r->iov, r->iovcnt, (size_t)off, q->chunk, (size_t)n) < n)
			return -EINVAL;
		err = disk_run_sync(d, &c, 0);
		if (err)
			return err;
		if (r->op == DISK_READ)
			vq_iov_write(r->iov, r->iovcnt, (size_t)off, q->chunk, (size_t)n);
	}
	return 0;
}

void disk_submit(struct disk_queue *q, struct disk_req *r)
{
	struct disk *d = q->disk;
	int err;

	r->bounce = NULL;
	q->inflight++;
	if (d->info.ro && r->op != DISK_READ && r->op != DISK_FLUSH) {
		disk_done(q, r, -EROFS);
		return;
	}
	if (d->info.direct && (r->op == DISK_READ || r->op == DISK_WRITE) &&
	    !disk_iov_aligned(d, r)) {
		/* bounce_bytes never exceeds the budget, so this cannot wrap */
		if (r->len > DISK_BOUNCE_BUDGET - q->bounce_bytes) {
			disk_done(q, r, disk_rw_chunked(q, r));
			return;
		}
		if (!disk_bounce(d, r)) {
			disk_done(q, r, -ENOMEM);
			return;
		}
		q->bounce_bytes += r->len;
	}
	err = -EOPNOTSUPP;
	if (r->op == DISK_READ || r->op == DISK_WRITE || r->op == DISK_FLUSH)
		err = q->be->prep(q, r);
	if (!err) {
		q->in_kernel++;
		return;
	}
	err = disk_run_sync(d, r, 0);
	disk_unbounce(q, r);
	disk_done(q, r, err);
}

void disk_commit(struct disk_queue *q)
{
	if (q->in_kernel)
		q->be->commit(q);
}

void disk_complete(struct disk_queue *q, struct disk_req *r, long res)
{
	int err = 0;

	q->in_kernel--;
	if (res < 0) {
		err = (int)res;
	} else if ((r->op == DISK_READ || r->op == DISK_WRITE) && (uint64_t)res < r->len) {
		/*
		 * A short transfer (a signal, a huge request split by the
		 * kernel, or a file shrunk behind our back): finish it here
		 * rather than resubmitting, since it is rare.
		 */
		err = disk_run_sync(q->disk, r, (uint64_t)res);
	}
	r->result = err;
	disk_unbounce(q, r);
	disk_done(q, r, err);
}

struct disk_req *disk_reap(struct disk_queue *q, bool wait)
{
	struct disk_req *head, *r;

	if (q->in_kernel)
		q->be->reap(q, wait && !q->done_head);
	head = q->done_head;
	q->done_head = NULL;
	q->done_tail = &q->done_head;
	for (r = head; r; r = r->next)
		q->inflight--;
	return head;
}
