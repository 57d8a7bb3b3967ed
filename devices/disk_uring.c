// SPDX-License-Identifier: GPL-2.0-only
/*
 * The io_uring disk backend (the default).
 *
 * One ring per queue thread, sized for the queue's depth (the completion
 * ring is twice that, so it cannot overflow). A batch of guest requests
 * becomes SQEs that one io_uring_submit() hands to the kernel; completions
 * are announced on an eventfd registered with the ring, which the queue
 * thread polls beside its kick eventfd, so a request never changes thread.
 *
 * READ and WRITE are IORING_OP_READV/WRITEV, FLUSH is IORING_OP_FSYNC with
 * IORING_FSYNC_DATASYNC. No ordering flags: virtio-blk gives none between
 * requests (the guest waits for writes to finish before it flushes).
 */
#include <errno.h>
#include <limits.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "disk.h"

struct disk_uring {
	struct io_uring ring;
	unsigned int staged; /* SQEs prepared and not yet submitted */
};

static int disk_uring_init(struct disk_queue *q, unsigned int depth)
{
	struct disk_uring *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return -ENOMEM;
	ret = io_uring_queue_init(depth, &u->ring, 0);
	if (ret < 0) {
		free(u);
		return ret;
	}
	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = io_uring_register_eventfd(&u->ring, q->fd);
	if (ret < 0) {
		close(q->fd);
		q->fd = -1;
		goto fail;
	}
	q->priv = u;
	return 0;
fail:
	io_uring_queue_exit(&u->ring);
	free(u);
	return ret;
}

static int disk_uring_prep(struct disk_queue *q, struct disk_req *r)
{
	struct disk_uring *u = q->priv;
	int fd = disk_fd(q->disk);
	const struct iovec *iov;
	struct io_uring_sqe *sqe;
	unsigned int cnt;

	iov = disk_req_iov(r, &cnt);
	if (r->op > DISK_FLUSH || (r->op != DISK_FLUSH && cnt > IOV_MAX))
		return -EOPNOTSUPP;
	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe) {
		/* Only if the caller exceeds its depth: run it synchronously. */
		return -EBUSY;
	}
	switch (r->op) {
	case DISK_READ:
		io_uring_prep_readv(sqe, fd, iov, cnt, r->offset);
		break;
	case DISK_WRITE:
		io_uring_prep_writev(sqe, fd, iov, cnt, r->offset);
		break;
	default:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
	u->staged++;
	return 0;
}

static void disk_uring_reap(struct disk_queue *q, bool wait);

static void disk_uring_commit(struct disk_queue *q)
{
	struct disk_uring *u = q->priv;
	int ret, tries = 0;

	while (u->staged) {
		ret = io_uring_submit(&u->ring);
		if (ret >= 0) {
			u->staged = 0;
			break;
		}
		if (ret == -EINTR)
			continue;
		/*
		 * EAGAIN/EBUSY: the kernel is short of memory or wants its
		 * completion ring drained. Free what we can and retry;
		 * failing that, the SQEs stay in the ring and the next
		 * commit or waiting reap submits them.
		 */
		if (++tries > 3)
			break;
		disk_uring_reap(q, q->in_kernel > u->staged);
	}
}

static void disk_uring_reap(struct disk_queue *q, bool wait)
{
	struct disk_uring *u = q->priv;
	struct io_uring_cqe *cqe;
	uint64_t cnt;
	int ret;

	/* Clear the eventfd first: a completion after this sets it again. */
	if (read(q->fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: nothing was signalled */
	}
	if (wait) {
		do
			ret = io_uring_submit_and_wait(&u->ring, 1);
		while (ret == -EINTR);
		if (ret >= 0)
			u->staged = 0;
	}
	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		struct disk_req *r = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&u->ring, cqe);
		if (r)
			disk_complete(q, r, res);
	}
}

static void disk_uring_fini(struct disk_queue *q)
{
	struct disk_uring *u = q->priv;

	/* The kernel may still be writing into guest memory: wait it out. */
	while (q->in_kernel)
		disk_uring_reap(q, true);
	io_uring_queue_exit(&u->ring);
	close(q->fd);
	q->fd = -1;
	free(u);
	q->priv = NULL;
}

const struct disk_backend disk_uring_backend = {
	.name = "io_uring",
	.init = disk_uring_init,
	.fini = disk_uring_fini,
	.prep = disk_uring_prep,
	.commit = disk_uring_commit,
	.reap = disk_uring_reap,
};
