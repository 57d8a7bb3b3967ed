// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FUSE server's file system requests (include/fuse_server.h). Each
 * takes the copied arguments in r->arg and answers with fuse_reply(), or
 * returns -errno for an error reply.
 *
 * Host paths are never built: a node is an O_PATH descriptor, a name is
 * one checked component (fuse_name) resolved beneath its parent by
 * child_open() with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW, and *at() calls take a parent
 * descriptor and such a name. Where Linux has no call that acts on an
 * O_PATH descriptor itself (opening it for I/O, chmod, utimes, link, a
 * truncate without a handle), the node is reached through
 * /proc/self/fd/N, which names that very file and nothing else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuse_int.h"

#define ENTRY_VALID 1 /* seconds the guest may cache names and attributes */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

/* Open flags the guest may ask for; the rest (O_DIRECT, O_NOATIME, O_NONBLOCK...) are dropped. */
#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC)

static struct fuse_node *req_node(struct fuse_req *r)
{
	return fuse_node_get(r->s, r->h->nodeid);
}

/* The fixed-size argument struct of a request, or NULL when the request is shorter. */
static const void *req_arg(struct fuse_req *r, uint32_t size)
{
	return r->arglen < size ? NULL : r->arg;
}

/* fuse_child_open(), once more after dropping node descriptors when the process has none left. */
static int child_open(struct fuse_server *s, int dirfd, const char *name, int flags, mode_t mode)
{
	int fd = fuse_child_open(dirfd, name, flags, mode);

	if ((fd == -EMFILE || fd == -ENFILE) && fuse_fd_pressure(s))
		fd = fuse_child_open(dirfd, name, flags, mode);
	return fd;
}

/* The node's file reopened for I/O (regular files and directories only). */
static int node_reopen_once(struct fuse_server *s, const struct fuse_node *n, int flags)
{
	char num[16];
	int fd;

	if (n->type == S_IFDIR)
		fd = openat(n->fd, ".", flags | O_DIRECTORY | O_CLOEXEC);
	else if (n->type == S_IFREG) {
		/* O_NONBLOCK: a file under a lease answers EWOULDBLOCK instead of stalling the thread. */
		snprintf(num, sizeof(num), "%d", n->fd);
		fd = openat(s->proc_fd, num, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	} else
		return -ENXIO;
	return fd < 0 ? -errno : fd;
}

static int node_reopen(struct fuse_server *s, const struct fuse_node *n, int flags)
{
	int fd = node_reopen_once(s, n, flags);

	if ((fd == -EMFILE || fd == -ENFILE) && fuse_fd_pressure(s))
		fd = node_reopen_once(s, n, flags);
	return fd;
}

static int node_stat(const struct fuse_node *n, struct stat *st)
{
	return fstatat(n->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static void fill_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

/*
 * Look name up beneath the directory dirfd and make it a node the guest
 * holds once more; fill e. Returns 0 or -errno.
 */
static int child_entry(struct fuse_server *s, struct fuse_node *dir, int dirfd, const char *name,
		       struct fuse_entry_out *e)
{
	struct stat st;
	uint64_t id;
	int fd = child_open(s, dirfd, name, O_PATH, 0), err;

	if (fd < 0)
		return fd;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = fuse_node_add(s, dir, name, fd, &st, &id);
	if (err)
		return err;
	memset(e, 0, sizeof(*e));
	e->nodeid = id;
	e->entry_valid = e->attr_valid = ENTRY_VALID;
	fill_attr(&e->attr, &st);
	return 0;
}

/* Reply to a request that made or found name in dir: its entry. */
static int entry_reply(struct fuse_req *r, struct fuse_node *dir, const char *name)
{
	struct fuse_entry_out e;
	int err = child_entry(r->s, dir, dir->fd, name, &e);

	if (err)
		return err;
	err = fuse_reply(r, &e, sizeof(e));
	if (err)
		fuse_node_forget(r->s, e.nodeid, 1); /* the guest never heard of it */
	return err;
}

/* The request's node, which must be a directory, for requests that name a child. */
static int dir_node(struct fuse_req *r, struct fuse_node **out)
{
	struct fuse_node *n = req_node(r);

	if (!n)
		return -ESTALE;
	if (n->type != S_IFDIR)
		return -ENOTDIR;
	*out = n;
	return 0;
}

int fuse_op_lookup(struct fuse_req *r)
{
	struct fuse_node *dir;
	uint32_t off = 0;
	const char *name;
	int err = dir_node(r, &dir);

	if (err)
		return err;
	name = fuse_name(r, &off, &err);
	if (!name)
		return err;
	return entry_reply(r, dir, name);
}

int fuse_op_forget(struct fuse_req *r)
{
	const struct fuse_forget_in *in = req_arg(r, sizeof(*in));

	if (in)
		fuse_node_forget(r->s, r->h->nodeid, in->nlookup);
	return 0;
}

int fuse_op_batch_forget(struct fuse_req *r)
{
	const struct fuse_batch_forget_in *in = req_arg(r, sizeof(*in));
	struct fuse_forget_one one;
	uint32_t i, fit;

	if (!in)
		return 0;
	fit = (r->arglen - (uint32_t)sizeof(*in)) / (uint32_t)sizeof(one);
	for (i = 0; i < in->count && i < fit; i++) {
		memcpy(&one, r->arg + sizeof(*in) + i * sizeof(one), sizeof(one));
		fuse_node_forget(r->s, one.nodeid, one.nlookup);
	}
	return 0;
}

static int attr_reply(struct fuse_req *r, const struct fuse_node *n)
{
	struct fuse_attr_out o = { .attr_valid = ENTRY_VALID };
	struct stat st;
	int err = node_stat(n, &st);

	if (err)
		return err;
	fill_attr(&o.attr, &st);
	return fuse_reply(r, &o, sizeof(o));
}

int fuse_op_getattr(struct fuse_req *r)
{
	struct fuse_node *n = req_node(r);

	return n ? attr_reply(r, n) : -ESTALE;
}

static int set_size(struct fuse_req *r, const struct fuse_node *n,
		    const struct fuse_setattr_in *in)
{
	struct fuse_handle *h;
	int fd, err = 0;

	if (in->valid & FATTR_FH) {
		h = fuse_handle_get(r->s, in->fh, false);
		if (!h)
			return -EBADF;
		return ftruncate(h->fd, (off_t)in->size) ? -errno : 0;
	}
	fd = node_reopen(r->s, n, O_WRONLY);
	if (fd < 0)
		return n->type == S_IFDIR ? -EISDIR : fd;
	if (ftruncate(fd, (off_t)in->size))
		err = -errno;
	close(fd);
	return err;
}

int fuse_op_setattr(struct fuse_req *r)
{
	const struct fuse_setattr_in *in = req_arg(r, sizeof(*in));
	struct fuse_node *n = req_node(r);
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
	char num[16];
	int err;

	if (!in)
		return -EINVAL;
	if (!n)
		return -ESTALE;
	if (r->s->ro)
		return -EROFS;
	snprintf(num, sizeof(num), "%d", n->fd);
	if ((in->valid & FATTR_SIZE) && in->size > (uint64_t)INT64_MAX)
		return -EFBIG;
	/*
	 * Through /proc only for what it names exactly: a symlink node's
	 * mode is not the guest's to change (Linux has none), and its times
	 * are left alone below, so that no call here could follow it.
	 */
	if ((in->valid & FATTR_MODE) && n->type == S_IFLNK)
		return -EOPNOTSUPP;
	if ((in->valid & FATTR_MODE) && fchmodat(r->s->proc_fd, num, in->mode & 07777, 0))
		return -errno;
	if ((in->valid & (FATTR_UID | FATTR_GID)) &&
	    fchownat(n->fd, "", (in->valid & FATTR_UID) ? in->uid : (uid_t)-1,
		     (in->valid & FATTR_GID) ? in->gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (in->valid & FATTR_SIZE) {
		err = set_size(r, n, in);
		if (err)
			return err;
	}
	if (in->valid & (FATTR_ATIME | FATTR_ATIME_NOW)) {
		ts[0].tv_sec = (time_t)in->atime;
		ts[0].tv_nsec = (in->valid & FATTR_ATIME_NOW) ? UTIME_NOW : in->atimensec % 1000000000;
	}
	if (in->valid & (FATTR_MTIME | FATTR_MTIME_NOW)) {
		ts[1].tv_sec = (time_t)in->mtime;
		ts[1].tv_nsec = (in->valid & FATTR_MTIME_NOW) ? UTIME_NOW : in->mtimensec % 1000000000;
	}
	if ((in->valid & (FATTR_ATIME | FATTR_ATIME_NOW | FATTR_MTIME | FATTR_MTIME_NOW)) &&
	    n->type != S_IFLNK && utimensat(r->s->proc_fd, num, ts, 0))
		return -errno;
	return attr_reply(r, n);
}

int fuse_op_readlink(struct fuse_req *r)
{
	struct fuse_node *n = req_node(r);
	char buf[PATH_MAX];
	ssize_t len;

	if (!n)
		return -ESTALE;
	if (n->type != S_IFLNK)
		return -EINVAL;
	len = readlinkat(n->fd, "", buf, sizeof(buf));
	if (len < 0)
		return -errno;
	return fuse_reply(r, buf, (size_t)len);
}

/* The directory node and checked name of a request that makes name, after fixed bytes of arguments. */
static int make_args(struct fuse_req *r, uint32_t fixed, struct fuse_node **dir, const char **name,
		     uint32_t *off)
{
	int err = dir_node(r, dir);

	if (err)
		return err;
	if (r->arglen < fixed)
		return -EINVAL;
	*off = fixed;
	*name = fuse_name(r, off, &err);
	if (!*name)
		return err;
	return r->s->ro ? -EROFS : 0;
}

int fuse_op_symlink(struct fuse_req *r)
{
	struct fuse_node *dir;
	const char *name, *target;
	uint32_t off;
	size_t len;
	int err = make_args(r, 0, &dir, &name, &off);

	if (err)
		return err;
	target = (const char *)r->arg + off;
	len = off < r->arglen ? strnlen(target, r->arglen - off) : 0;
	/* The target is the guest's to resolve: any text, never followed on the host. */
	if (!len || off + len >= r->arglen)
		return -EINVAL;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (symlinkat(target, dir->fd, name))
		return -errno;
	return entry_reply(r, dir, name);
}

int fuse_op_mknod(struct fuse_req *r)
{
	const struct fuse_mknod_in *in = req_arg(r, sizeof(*in));
	struct fuse_node *dir;
	const char *name;
	uint32_t off;
	mode_t type;
	int err = make_args(r, sizeof(*in), &dir, &name, &off);

	if (err)
		return err;
	type = in->mode & S_IFMT;
	/* Device nodes and sockets are not made on the host for a guest. */
	if (type != S_IFREG && type != S_IFIFO && type != 0)
		return -EPERM;
	if (mknodat(dir->fd, name, (type ? type : S_IFREG) | (in->mode & 07777), 0))
		return -errno;
	return entry_reply(r, dir, name);
}

int fuse_op_mkdir(struct fuse_req *r)
{
	const struct fuse_mkdir_in *in = req_arg(r, sizeof(*in));
	struct fuse_node *dir;
	const char *name;
	uint32_t off;
	int err = make_args(r, sizeof(*in), &dir, &name, &off);

	if (err)
		return err;
	if (mkdirat(dir->fd, name, in->mode & 07777))
		return -errno;
	return entry_reply(r, dir, name);
}

static int remove_name(struct fuse_req *r, int flags)
{
	struct fuse_node *dir;
	const char *name;
	uint32_t off;
	int err = make_args(r, 0, &dir, &name, &off);

	if (err)
		return err;
	if (unlinkat(dir->fd, name, flags))
		return -errno;
	return fuse_reply(r, NULL, 0);
}

int fuse_op_unlink(struct fuse_req *r)
{
	return remove_name(r, 0);
}

int fuse_op_rmdir(struct fuse_req *r)
{
	return remove_name(r, AT_REMOVEDIR);
}

int fuse_op_rename(struct fuse_req *r)
{
	struct fuse_rename2_in in = { 0 };
	uint32_t fixed = r->h->opcode == FUSE_RENAME2 ? sizeof(struct fuse_rename2_in)
						       : sizeof(struct fuse_rename_in);
	struct fuse_node *dir, *newdir;
	const char *name, *newname;
	uint32_t off;
	int err = make_args(r, fixed, &dir, &name, &off);

	if (err)
		return err;
	memcpy(&in, r->arg, fixed);
	newname = fuse_name(r, &off, &err);
	if (!newname)
		return err;
	if (in.flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	newdir = fuse_node_get(r->s, in.newdir);
	if (!newdir)
		return -ESTALE;
	if (newdir->type != S_IFDIR)
		return -ENOTDIR;
	if (syscall(SYS_renameat2, dir->fd, name, newdir->fd, newname, in.flags))
		return -errno;
	/* Nodes remember where they are, to be reopened there. */
	fuse_node_moved(r->s, newdir, newname);
	if (in.flags & RENAME_EXCHANGE)
		fuse_node_moved(r->s, dir, name);
	return fuse_reply(r, NULL, 0);
}

int fuse_op_link(struct fuse_req *r)
{
	struct fuse_link_in in;
	struct fuse_node *dir, *old;
	const char *name;
	uint32_t off;
	char num[16];
	int err = make_args(r, sizeof(in), &dir, &name, &off);

	if (err)
		return err;
	memcpy(&in, r->arg, sizeof(in));
	old = fuse_node_get(r->s, in.oldnodeid);
	if (!old)
		return -ESTALE;
	if (old->type == S_IFDIR)
		return -EPERM;
	/* Through /proc: linkat(AT_EMPTY_PATH) would need CAP_DAC_READ_SEARCH. */
	snprintf(num, sizeof(num), "%d", old->fd);
	if (linkat(r->s->proc_fd, num, dir->fd, name, AT_SYMLINK_FOLLOW))
		return -errno;
	return entry_reply(r, dir, name);
}

/* The host open flags for the guest's, or -EROFS / -EINVAL. */
static int open_flags(struct fuse_req *r, uint32_t guest)
{
	int flags = (int)guest & OPEN_FLAGS;

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (r->s->ro && ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_APPEND))))
		return -EROFS;
	return flags;
}

static int open_reply(struct fuse_req *r, int fd, bool dir)
{
	struct fuse_open_out o = { 0 };
	int err = fuse_handle_add(r->s, fd, dir, &o.fh);

	if (err)
		return err;
	err = fuse_reply(r, &o, sizeof(o));
	if (err)
		fuse_handle_close(r->s, o.fh, dir);
	return err;
}

int fuse_op_open(struct fuse_req *r)
{
	const struct fuse_open_in *in = req_arg(r, sizeof(*in));
	struct fuse_node *n = req_node(r);
	int flags, fd;

	if (!in)
		return -EINVAL;
	if (!n)
		return -ESTALE;
	if (n->type == S_IFDIR)
		return -EISDIR;
	if (n->type != S_IFREG)
		return -ENXIO;
	flags = open_flags(r, in->flags);
	if (flags < 0)
		return flags;
	fd = node_reopen(r->s, n, flags);
	return fd < 0 ? fd : open_reply(r, fd, false);
}

int fuse_op_opendir(struct fuse_req *r)
{
	struct fuse_node *n;
	int fd, err = dir_node(r, &n);

	if (err)
		return err;
	fd = node_reopen(r->s, n, O_RDONLY);
	return fd < 0 ? fd : open_reply(r, fd, true);
}

int fuse_op_create(struct fuse_req *r)
{
	const struct fuse_create_in *in = req_arg(r, sizeof(*in));
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out = { 0 };
	struct fuse_node *dir;
	struct stat st;
	const char *name;
	uint32_t off;
	int err = make_args(r, sizeof(*in), &dir, &name, &off), flags, fd;

	if (err)
		return err;
	flags = open_flags(r, in->flags);
	if (flags < 0)
		return flags;
	/*
	 * Without O_EXCL the name may be a FIFO or a device node already:
	 * O_NONBLOCK keeps the open from waiting for a FIFO's other end (or a
	 * lease), O_NOCTTY a terminal from becoming vmm's, and anything but a
	 * regular file is refused, as OPEN refuses it. (O_NONBLOCK changes
	 * nothing for a regular file's reads and writes.)
	 */
	fd = child_open(r->s, dir->fd, name,
			flags | O_CREAT | O_NONBLOCK | O_NOCTTY | (int)(in->flags & O_EXCL),
			(in->mode & 07777));
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENXIO;
	}
	err = child_entry(r->s, dir, dir->fd, name, &out.e);
	/* The name may have been swapped since the create: the node must be the file opened. */
	if (!err && (fstat(fd, &st) || st.st_ino != out.e.attr.ino)) {
		fuse_node_forget(r->s, out.e.nodeid, 1);
		err = -EIO;
	}
	if (err) {
		close(fd);
		return err;
	}
	err = fuse_handle_add(r->s, fd, false, &out.o.fh);
	if (!err) {
		err = fuse_reply(r, &out, sizeof(out));
		if (err)
			fuse_handle_close(r->s, out.o.fh, false);
	}
	if (err)
		fuse_node_forget(r->s, out.e.nodeid, 1);
	return err;
}

int fuse_op_release(struct fuse_req *r)
{
	const struct fuse_release_in *in = req_arg(r, sizeof(*in));
	int err;

	if (!in)
		return -EINVAL;
	err = fuse_handle_close(r->s, in->fh, r->h->opcode == FUSE_RELEASEDIR);
	return err ? err : fuse_reply(r, NULL, 0);
}

int fuse_op_read(struct fuse_req *r)
{
	const struct fuse_read_in *in = req_arg(r, sizeof(*in));
	struct fuse_out_header oh;
	struct fuse_handle *h;
	size_t size, got;
	unsigned int k;
	ssize_t n;

	if (!in)
		return -EINVAL;
	h = fuse_handle_get(r->s, in->fh, false);
	if (!h)
		return -EBADF;
	if (in->offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (r->out_room < sizeof(oh))
		return -ERANGE;
	size = in->size < r->s->max_write ? in->size : r->s->max_write;
	k = fuse_iov_slice(r->out, r->nout, sizeof(oh), size, r->s->iov, &got);
	n = k ? preadv(h->fd, r->s->iov, (int)k, (off_t)in->offset) : 0;
	if (n < 0)
		return -errno;
	atomic_fetch_add_explicit(&r->s->bytes_read, (uint64_t)n, memory_order_relaxed);
	return fuse_reply_placed(r, (size_t)n);
}

int fuse_op_write(struct fuse_req *r)
{
	const struct fuse_write_in *in = req_arg(r, sizeof(*in));
	struct fuse_write_out o = { 0 };
	size_t data = sizeof(struct fuse_in_header) + sizeof(*in), got;
	struct fuse_handle *h;
	unsigned int k;
	ssize_t n;

	if (!in)
		return -EINVAL;
	if (r->s->ro)
		return -EROFS;
	h = fuse_handle_get(r->s, in->fh, false);
	if (!h)
		return -EBADF;
	if (in->size > r->s->max_write || r->h->len != data + in->size ||
	    in->offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	k = fuse_iov_slice(r->in, r->nin, data, in->size, r->s->iov, &got);
	if (got != in->size)
		return -EINVAL;
	n = k ? pwritev(h->fd, r->s->iov, (int)k, (off_t)in->offset) : 0;
	if (n < 0)
		return -errno;
	atomic_fetch_add_explicit(&r->s->bytes_written, (uint64_t)n, memory_order_relaxed);
	o.size = (uint32_t)n;
	return fuse_reply(r, &o, sizeof(o));
}

int fuse_op_statfs(struct fuse_req *r)
{
	struct fuse_node *n = req_node(r);
	struct fuse_statfs_out o = { 0 };
	struct statfs sf;

	if (!n)
		return -ESTALE;
	if (fstatfs(n->fd, &sf))
		return -errno;
	o.st.blocks = sf.f_blocks;
	o.st.bfree = sf.f_bfree;
	o.st.bavail = sf.f_bavail;
	o.st.files = sf.f_files;
	o.st.ffree = sf.f_ffree;
	o.st.bsize = (uint32_t)sf.f_bsize;
	o.st.namelen = (uint32_t)sf.f_namelen;
	o.st.frsize = (uint32_t)sf.f_frsize;
	return fuse_reply(r, &o, sizeof(o));
}

int fuse_op_fsync(struct fuse_req *r)
{
	const struct fuse_fsync_in *in = req_arg(r, sizeof(*in));
	struct fuse_handle *h;

	if (!in)
		return -EINVAL;
	h = fuse_handle_get(r->s, in->fh, r->h->opcode == FUSE_FSYNCDIR);
	if (!h)
		return -EBADF;
	if ((in->fsync_flags & 1) ? fdatasync(h->fd) : fsync(h->fd))
		return -errno;
	return fuse_reply(r, NULL, 0);
}

int fuse_op_flush(struct fuse_req *r)
{
	const struct fuse_flush_in *in = req_arg(r, sizeof(*in));

	if (!in)
		return -EINVAL;
	/* Nothing is buffered in vmm: a flush only checks the handle. */
	if (!fuse_handle_get(r->s, in->fh, false))
		return -EBADF;
	return fuse_reply(r, NULL, 0);
}

int fuse_op_access(struct fuse_req *r)
{
	const struct fuse_access_in *in = req_arg(r, sizeof(*in));
	struct fuse_node *n = req_node(r);

	if (!in)
		return -EINVAL;
	if (!n)
		return -ESTALE;
	if (in->mask & ~(uint32_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (r->s->ro && (in->mask & W_OK))
		return -EROFS;
	if (syscall(SYS_faccessat2, n->fd, "", (int)in->mask, AT_EMPTY_PATH | AT_EACCESS))
		return -errno;
	return fuse_reply(r, NULL, 0);
}

/*
 * Extended attributes are not shown to the guest: every name reads as
 * absent and the list is empty. (Passing security.* or trusted.* through
 * would hand the guest the host's labels; an empty answer is what a file
 * system without xattrs gives.)
 */
int fuse_op_getxattr(struct fuse_req *r)
{
	const char *name = (const char *)r->arg + sizeof(struct fuse_getxattr_in);

	if (!req_node(r))
		return -ESTALE;
	if (r->arglen <= sizeof(struct fuse_getxattr_in) ||
	    !memchr(name, '\0', r->arglen - sizeof(struct fuse_getxattr_in)))
		return -EINVAL;
	if (strlen(name) > FUSE_MAX_NAME)
		return -ERANGE;
	return -ENODATA;
}

int fuse_op_listxattr(struct fuse_req *r)
{
	const struct fuse_getxattr_in *in = req_arg(r, sizeof(*in));
	struct fuse_getxattr_out o = { 0 };

	if (!in)
		return -EINVAL;
	if (!req_node(r))
		return -ESTALE;
	/* size 0 asks for the list's length; otherwise the (empty) list itself. */
	return in->size ? fuse_reply(r, NULL, 0) : fuse_reply(r, &o, sizeof(o));
}

/* One directory entry of a READDIR(PLUS) reply at buf, which has room for it. */
static void put_dirent(struct fuse_req *r, uint8_t *buf, const struct dirent64 *d, size_t namelen,
		       struct fuse_node *dir, int dirfd)
{
	struct fuse_entry_out e = { 0 };
	struct fuse_dirent fd = {
		.ino = d->d_ino, .off = (uint64_t)d->d_off, .namelen = (uint32_t)namelen,
		.type = d->d_type,
	};
	size_t at = 0;

	if (dir) {
		/* Not "." and "..": the guest counts no lookup for them (nodeid 0). */
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
		    child_entry(r->s, dir, dirfd, d->d_name, &e))
			memset(&e, 0, sizeof(e)); /* gone meanwhile, or the table is full */
		memcpy(buf, &e, sizeof(e));
		at = sizeof(e);
	}
	memcpy(buf + at, &fd, FUSE_NAME_OFFSET);
	memcpy(buf + at + FUSE_NAME_OFFSET, d->d_name, namelen);
	/* Alignment padding: zeroes, not stale bytes of an earlier reply. */
	memset(buf + at + FUSE_NAME_OFFSET + namelen, 0,
	       FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen) - FUSE_NAME_OFFSET - namelen);
}

int fuse_op_readdir(struct fuse_req *r)
{
	const struct fuse_read_in *in = req_arg(r, sizeof(*in));
	bool plus = r->h->opcode == FUSE_READDIRPLUS;
	struct fuse_server *s = r->s;
	struct fuse_node *dir = NULL;
	size_t size, used = 0, rec, namelen;
	struct fuse_handle *h;
	const struct dirent64 *d;
	ssize_t n, pos;

	if (!in)
		return -EINVAL;
	h = fuse_handle_get(s, in->fh, true);
	if (!h)
		return -EBADF;
	/* The entries' nodes remember this directory as where they were found. */
	if (plus && !(dir = req_node(r)))
		return -ESTALE;
	if (r->out_room < sizeof(struct fuse_out_header))
		return -ERANGE;
	size = r->out_room - sizeof(struct fuse_out_header);
	if (size > in->size)
		size = in->size;
	if (size > sizeof(s->reply))
		size = sizeof(s->reply);
	if (in->offset > (uint64_t)INT64_MAX || lseek(h->fd, (off_t)in->offset, SEEK_SET) < 0)
		return -EINVAL;
	for (;;) {
		n = getdents64(h->fd, s->dirbuf, sizeof(s->dirbuf));
		if (n < 0) {
			if (used)
				break;
			return -errno;
		}
		if (!n)
			break;
		for (pos = 0; pos < n; pos += d->d_reclen) {
			d = (const struct dirent64 *)(s->dirbuf + pos);
			namelen = strlen(d->d_name);
			rec = plus ? FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + namelen)
				   : FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
			if (used + rec > size)
				goto full;
			put_dirent(r, s->reply + used, d, namelen, dir, h->fd);
			used += rec;
		}
	}
full:
	return fuse_reply(r, s->reply, used);
}
