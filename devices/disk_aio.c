// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Linux AIO (libaio) disk backend, for hosts without io_uring.
 *
 * One AIO context per queue thread with depth iocbs preallocated. A batch
 * is one io_submit(); every iocb carries the queue's eventfd
 * (io_set_eventfd), which the queue thread polls, and io_getevents() with
 * a zero timeout collects what finished.
 *
 * FLUSH is IOCB_CMD_FDSYNC. Kernels before 4.18 reject it with EINVAL;
 * the first refusal switches this queue to fdatasync() on the queue thread.
 * AIO is only truly asynchronous with O_DIRECT: on buffered files the
 * kernel does the copy inside io_submit(), which still works, just without
 * overlap - use io_uring or the direct option there.
 */
#include <errno.h>
#include <libaio.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "log.h"

struct disk_aio {
	io_context_t ctx;
	struct iocb *iocbs;
	struct iocb **free; /* a stack of unused iocbs */
	unsigned int nfree;
	struct iocb **staged;
	unsigned int nstaged;
	struct io_event *events;
	unsigned int depth;
	bool no_fdsync;
};

static void disk_aio_release(struct disk_aio *a)
{
	free(a->iocbs);
	free(a->free);
	free(a->staged);
	free(a->events);
	free(a);
}

static int disk_aio_init(struct disk_queue *q, unsigned int depth)
{
	struct disk_aio *a = calloc(1, sizeof(*a));
	unsigned int i;
	int ret;

	if (!a)
		return -ENOMEM;
	a->depth = depth;
	a->iocbs = calloc(depth, sizeof(*a->iocbs));
	a->free = calloc(depth, sizeof(*a->free));
	a->staged = calloc(depth, sizeof(*a->staged));
	a->events = calloc(depth, sizeof(*a->events));
	if (!a->iocbs || !a->free || !a->staged || !a->events) {
		disk_aio_release(a);
		return -ENOMEM;
	}
	for (i = 0; i < depth; i++)
		a->free[a->nfree++] = &a->iocbs[i];
	ret = io_setup((int)depth, &a->ctx); /* libaio returns -errno */
	if (ret < 0) {
		disk_aio_release(a);
		return ret;
	}
	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0) {
		ret = -errno;
		io_destroy(a->ctx);
		disk_aio_release(a);
		return ret;
	}
	q->priv = a;
	return 0;
}

static int disk_aio_prep(struct disk_queue *q, struct disk_req *r)
{
	struct disk_aio *a = q->priv;
	int fd = disk_fd(q->disk);
	const struct iovec *iov;
	struct iocb *cb;
	unsigned int cnt;

	iov = disk_req_iov(r, &cnt);
	if (r->op > DISK_FLUSH || (r->op == DISK_FLUSH && a->no_fdsync) ||
	    (r->op != DISK_FLUSH && cnt > IOV_MAX))
		return -EOPNOTSUPP;
	if (!a->nfree)
		return -EBUSY; /* more than depth in flight: run it synchronously */
	cb = a->free[--a->nfree];
	if (r->op == DISK_READ)
		io_prep_preadv(cb, fd, iov, (int)cnt, (long long)r->offset);
	else if (r->op == DISK_WRITE)
		io_prep_pwritev(cb, fd, iov, (int)cnt, (long long)r->offset);
	else
		io_prep_fdsync(cb, fd);
	cb->data = r;
	io_set_eventfd(cb, q->fd);
	a->staged[a->nstaged++] = cb;
	return 0;
}

/* The kernel refused cb at submission with err: finish it another way. */
static void disk_aio_refused(struct disk_queue *q, struct iocb *cb, int err)
{
	struct disk_aio *a = q->priv;
	struct disk_req *r = cb->data;
	long res = err;

	a->free[a->nfree++] = cb;
	if (r->op == DISK_FLUSH && err == -EINVAL) {
		if (!a->no_fdsync)
			log_info("disk %s: aio cannot fdsync here, using fdatasync",
				 disk_get_info(q->disk)->path);
		a->no_fdsync = true;
	}
	/* Out of kernel resources, or fdsync unsupported: do it ourselves. */
	if (err == -EAGAIN || (r->op == DISK_FLUSH && err == -EINVAL)) {
		res = disk_run_sync(q->disk, r, 0);
		if (!res && r->op != DISK_FLUSH)
			res = (long)r->len;
	}
	disk_complete(q, r, res);
}

static void disk_aio_commit(struct disk_queue *q)
{
	struct disk_aio *a = q->priv;
	unsigned int i = 0;
	int ret;

	while (i < a->nstaged) {
		ret = io_submit(a->ctx, (long)(a->nstaged - i), a->staged + i);
		if (ret > 0)
			i += (unsigned int)ret;
		else if (ret != -EINTR)
			disk_aio_refused(q, a->staged[i++], ret ? ret : -EAGAIN);
	}
	a->nstaged = 0;
}

static void disk_aio_reap(struct disk_queue *q, bool wait)
{
	struct disk_aio *a = q->priv;
	struct timespec zero = { 0, 0 };
	uint64_t cnt;
	int n, i;

	if (read(q->fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing was signalled */
	}
	if (a->nstaged)
		disk_aio_commit(q);
	if (!q->in_kernel)
		return;
	do
		n = io_getevents(a->ctx, wait ? 1 : 0, (long)a->depth, a->events,
				 wait ? NULL : &zero);
	while (n == -EINTR);
	for (i = 0; i < n; i++) {
		struct iocb *cb = a->events[i].obj;
		struct disk_req *r = a->events[i].data;

		a->free[a->nfree++] = cb;
		disk_complete(q, r, (long)a->events[i].res);
	}
}

static void disk_aio_fini(struct disk_queue *q)
{
	struct disk_aio *a = q->priv;

	/* The kernel may still be writing into guest memory: wait it out. */
	while (q->in_kernel)
		disk_aio_reap(q, true);
	io_destroy(a->ctx);
	close(q->fd);
	q->fd = -1;
	disk_aio_release(a);
	q->priv = NULL;
}

const struct disk_backend disk_aio_backend = {
	.name = "aio",
	.init = disk_aio_init,
	.fini = disk_aio_fini,
	.prep = disk_aio_prep,
	.commit = disk_aio_commit,
	.reap = disk_aio_reap,
};
