/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DISK_H
#define VMM_DISK_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Disk images for virtio-blk: opening and locking an image file or block
 * device, and doing I/O on it through one of three interchangeable
 * backends (io_uring, Linux AIO, plain synchronous system calls).
 *
 * Model: one struct disk per image, shared by any number of struct
 * disk_queue, each owned by one thread (a virtio-blk queue's I/O thread).
 * A queue takes requests with disk_submit(), sends the batch to the kernel
 * with disk_commit() (one system call for io_uring and AIO), and hands
 * finished requests back through disk_reap(). When disk_queue_fd() is not
 * -1 it becomes readable when completions are waiting; with the sync
 * backend every request has finished by the time disk_submit() returns.
 *
 * Sizes: the disk is exposed in 512-byte sectors; an image whose size is
 * not a multiple of 512 loses its tail (floor(size / 512) sectors, with a
 * warning at open), so the guest never sees a partial sector.
 */

#define DISK_SECTOR 512u
#define DISK_SERIAL_LEN 20   /* virtio-blk GET_ID: 20 bytes, NUL-padded */
#define DISK_MAX_QUEUES 16
/*
 * Direct I/O with unaligned guest buffers: at most DISK_BOUNCE_BUDGET bytes
 * of bounce buffers in flight per queue. A request that would go over it
 * (a hostile guest can point 128 segments of a 4 GiB request at the same
 * RAM) runs synchronously through one DISK_BOUNCE_CHUNK buffer instead, so
 * memory stays bounded whatever the guest sends.
 */
#define DISK_BOUNCE_BUDGET (16u << 20)
#define DISK_BOUNCE_CHUNK (1u << 20)

enum disk_io {
	DISK_IO_URING,  /* default; falls back to aio, then sync */
	DISK_IO_AIO,
	DISK_IO_SYNC,
};

/* One --disk option, parsed. */
struct disk_opts {
	char path[PATH_MAX];
	bool ro;                /* open O_RDONLY, offer VIRTIO_BLK_F_RO */
	bool direct;            /* O_DIRECT: bypass the host page cache */
	bool snapshot;          /* writes to a throw-away layer (disk_snapshot.h) */
	enum disk_io io;
	char serial[DISK_SERIAL_LEN + 1]; /* "" when not given */
	unsigned int queues;    /* 1..DISK_MAX_QUEUES, or 0 when not given */
};

/*
 * disk_opts_parse - parse "PATH[,ro|,snapshot][,direct][,io=io_uring|aio|sync]
 * [,serial=ID][,queues=N]" into *out (fully overwritten). snapshot goes
 * with neither ro, direct nor an io= other than sync ("option 'snapshot'
 * cannot go with 'ro'"). Returns 0, or
 * VMM_ERR_USAGE after printing one line "vmm: --disk SPEC: <cause>" for an
 * empty or too long path, an unknown or repeated option ("duplicate option
 * 'ro'"), a value given to ro or direct ("option 'ro' takes no value"), none
 * given to io, serial or queues ("option 'io' needs a value (io=...)"), or a
 * bad value (serial longer than 20 bytes, queues other than the digits of
 * 1..16). Thread-safe; touches no files.
 */
int disk_opts_parse(const char *spec, struct disk_opts *out);

/*
 * disk_opts_check - what disk_open() would refuse that can be told without
 * opening the image: it is missing, a directory or other non-disk, or not
 * writable without ro. Called before /dev/kvm is opened, so that a typo in
 * a path costs no VM. Returns 0, or VMM_ERR_INPUT after printing the line
 * disk_open() prints ("vmm: disk PATH: <cause>"). Touches nothing.
 */
int disk_opts_check(const struct disk_opts *o);

/* disk_io_name - "io_uring", "aio" or "sync". */
const char *disk_io_name(enum disk_io io);

struct disk;

/* What the guest is told about a disk, fixed at open. */
struct disk_info {
	const char *path;
	uint64_t size;          /* bytes, a multiple of 512 (see above) */
	uint32_t block_size;    /* logical block size: 512, or the device's */
	uint32_t discard_align; /* bytes; discards aligned to this free space */
	bool ro, direct, blockdev;
	bool snapshot;          /* the guest writes, the image never changes */
};

/*
 * disk_open - open o->path: O_RDWR (O_RDONLY with ro), O_DIRECT with direct,
 * then take an open-file-description lock on the whole file, a write lock
 * for read-write and a read lock for read-only, so two vmm processes can
 * never write one image at once (any number may share it read-only).
 * snapshot opens the image O_RDONLY with a read lock, like ro, and puts
 * a copy-on-write layer in front of it that the guest sees as writable.
 * Sizes a regular file with fstat and a block device with BLKGETSIZE64 and
 * BLKSSZGET. On success stores the disk in *out and returns 0. On failure
 * prints one line "vmm: disk PATH: <cause>" and returns VMM_ERR_INPUT:
 * missing, a directory or other non-disk, no permission (EACCES/EROFS
 * without ro), locked by another user ("in use by another vmm (locked)"),
 * O_DIRECT not supported by the file system. Thread-safe.
 */
int disk_open(const struct disk_opts *o, struct disk **out);

/*
 * disk_close - close d (NULL is fine), dropping its lock. Every disk_queue
 * of d must have been freed.
 */
void disk_close(struct disk *d);

/* disk_get_info - the disk's fixed properties; valid until disk_close(). */
const struct disk_info *disk_get_info(const struct disk *d);

/* disk_snapshot_written - bytes the guest wrote into a snapshot disk's layer (0 otherwise). */
uint64_t disk_snapshot_written(const struct disk *d);

/* --- requests ----------------------------------------------------------- */

enum disk_op {
	DISK_READ,
	DISK_WRITE,
	DISK_FLUSH,             /* fdatasync */
	DISK_DISCARD,           /* advisory: may do nothing */
	DISK_WRITE_ZEROES,      /* the range reads back as zeroes */
};

#define DISK_F_UNMAP 1u         /* WRITE_ZEROES may deallocate the range */

/*
 * One request. The caller fills op, flags, offset, len, iov and iovcnt,
 * keeps the request (and the memory iov points at) alive until disk_reap()
 * returns it, then reads result. The iov array itself is not modified.
 */
struct disk_req {
	enum disk_op op;
	unsigned int flags;     /* DISK_F_* */
	uint64_t offset;        /* bytes */
	uint64_t len;           /* bytes: the sum of iov for READ/WRITE */
	const struct iovec *iov;
	unsigned int iovcnt;
	int result;             /* when reaped: 0, or -errno */

	/* Private to disk*.c. */
	struct iovec bounce_iov; /* direct I/O with unaligned guest buffers */
	void *bounce;
	struct disk_req *next;   /* a queue's list of finished requests */
};

struct disk_queue;

/*
 * disk_queue_new - I/O context for one thread, for at most depth requests
 * submitted and not yet reaped. Tries backend io, then the slower ones
 * (io_uring -> aio -> sync), saying so with log_info. Returns VMM_OK and
 * stores the queue in *out; when not even the sync backend can be set up
 * (ENOMEM), prints "disk PATH: cannot set up its I/O: CAUSE" (the cause
 * also left in errno) and returns VMM_ERR_HOST. Thread-safe; the queue
 * then belongs to one thread at a time.
 */
int disk_queue_new(struct disk *d, unsigned int depth, enum disk_io io, struct disk_queue **out);

/*
 * disk_queue_free - free q (NULL is fine). Waits for the requests it still
 * has in the kernel, then drops them: disk_reap() them first if the
 * caller cares.
 */
void disk_queue_free(struct disk_queue *q);

/* disk_queue_backend - which backend q ended up with. */
enum disk_io disk_queue_backend(const struct disk_queue *q);

/*
 * disk_queue_fd - readable when finished requests are waiting for
 * disk_reap(), or -1 when the backend finishes requests inside
 * disk_submit() (sync). Poll it for POLLIN; disk_reap() clears it.
 */
int disk_queue_fd(const struct disk_queue *q);

/*
 * disk_submit - queue r (see struct disk_req). The range must have been
 * checked against the disk size by the caller; writes to a read-only disk
 * fail with -EROFS. The request may finish at once (an error, the sync
 * backend, an operation the backend cannot do asynchronously such as
 * DISCARD): it is then waiting for disk_reap(). Never fails itself.
 */
void disk_submit(struct disk_queue *q, struct disk_req *r);

/* disk_commit - hand every request queued since the last call to the kernel. */
void disk_commit(struct disk_queue *q);

/*
 * disk_reap - finished requests, linked through next, oldest first, or
 * NULL. With wait, blocks until at least one has finished, unless none
 * is in flight.
 */
struct disk_req *disk_reap(struct disk_queue *q, bool wait);

/* disk_inflight - requests submitted and not yet returned by disk_reap(). */
unsigned int disk_inflight(const struct disk_queue *q);

/* --- the backend interface (disk_uring.c, disk_aio.c, disk_sync.c) ------- */

/*
 * A backend runs READ, WRITE and FLUSH asynchronously; everything else,
 * and whatever it declines, disk.c runs synchronously on the calling
 * thread. All callbacks run on the queue's owning thread.
 */
struct disk_backend {
	const char *name;
	/* Set up q->priv and q->fd for depth requests in flight; 0 or -errno. */
	int (*init)(struct disk_queue *q, unsigned int depth);
	/* Wait for everything in flight (results are dropped), free q->priv. */
	void (*fini)(struct disk_queue *q);
	/* Stage r; 0, or -EOPNOTSUPP to have disk.c run it synchronously. */
	int (*prep)(struct disk_queue *q, struct disk_req *r);
	/* Submit what was staged. */
	void (*commit)(struct disk_queue *q);
	/*
	 * Call disk_complete() for every finished request; with wait, block
	 * until at least one finishes (the caller knows one is in flight).
	 */
	void (*reap)(struct disk_queue *q, bool wait);
};

struct disk_queue {
	struct disk *disk;
	const struct disk_backend *be;
	enum disk_io io;
	int fd;                         /* completion fd, or -1 */
	void *priv;                     /* the backend's */
	unsigned int depth;
	unsigned int inflight;          /* submitted, not yet reaped */
	unsigned int in_kernel;         /* staged or submitted to the backend */
	struct disk_req *done_head, **done_tail;
	uint64_t bounce_bytes;          /* bounce buffers of requests in flight */
	void *chunk;                    /* DISK_BOUNCE_CHUNK, for requests over the budget */
};

extern const struct disk_backend disk_uring_backend;
extern const struct disk_backend disk_aio_backend;
extern const struct disk_backend disk_sync_backend;

/* disk_fd - the image's file descriptor, for the backends. */
int disk_fd(const struct disk *d);

/* disk_layer - a snapshot disk's copy-on-write layer, or NULL. */
struct disk_snapshot *disk_layer(const struct disk *d);

/*
 * disk_complete - a backend finished r with res (bytes transferred for
 * READ/WRITE, 0 for FLUSH, or -errno). Finishes a short transfer
 * synchronously, copies a bounce buffer back, and queues r for
 * disk_reap(). Queue's thread only.
 */
void disk_complete(struct disk_queue *q, struct disk_req *r, long res);

/*
 * disk_run_sync - run r with plain system calls on the calling thread,
 * skipping the first done bytes of a READ or WRITE (already transferred);
 * returns 0 or -errno. Used by disk.c and by backends as a fallback.
 */
int disk_run_sync(struct disk *d, struct disk_req *r, uint64_t done);

/* disk_req_iov - the buffers to transfer: r's own, or its bounce buffer. */
static inline const struct iovec *disk_req_iov(const struct disk_req *r, unsigned int *cnt)
{
	if (r->bounce) {
		*cnt = 1;
		return &r->bounce_iov;
	}
	*cnt = r->iovcnt;
	return r->iov;
}

#endif
