/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_FUSE_SERVER_H
#define VMM_FUSE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * A FUSE file server over one host directory (a share), independent of
 * any transport: it takes one request as the device-readable buffers the
 * driver posted (fuse_in_header, the arguments, WRITE's data) and writes
 * the reply (fuse_out_header, the reply's arguments, READ's data) into the
 * device-writable buffers. virtio-fs (devices/virtio_fs.c) is its only
 * transport today.
 *
 * The client is hostile. Every path is resolved beneath the share: a node
 * is an O_PATH descriptor of one file, and a name is one component
 * (1..255 bytes, NUL-terminated inside the request, not "." or "..", no
 * '/'), opened beneath its parent with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW: no symlink
 * is ever followed on the host (the guest resolves its symlinks itself
 * through READLINK), so neither "..", nor a symlink (absolute, relative,
 * or swapped in during a walk), nor a rename race leads outside. Node ids
 * and file handles index bounded tables (FUSE_MAX_NODES, FUSE_MAX_HANDLES)
 * and carry a generation: a stale or forged one gets ESTALE (node) or
 * EBADF (handle), a handle of the wrong kind EBADF, never a crash. A
 * request is at most FUSE_MAX_WRITE bytes of data plus its arguments; a
 * read-only share answers every modifying request with EROFS (also the
 * ones not implemented: SETXATTR, REMOVEXATTR, FALLOCATE, COPY_FILE_RANGE,
 * TMPFILE) and opens files O_RDONLY. Files are accessed with vmm's own rights.
 *
 * Answered: INIT, DESTROY, LOOKUP, FORGET, BATCH_FORGET, GETATTR,
 * SETATTR, OPEN, OPENDIR, RELEASE, RELEASEDIR, READ, WRITE, READDIR,
 * READDIRPLUS, CREATE, MKDIR, MKNOD (regular files and fifos; other
 * kinds EPERM), UNLINK, RMDIR, RENAME, RENAME2, LINK, SYMLINK, READLINK,
 * STATFS, FSYNC, FSYNCDIR, FLUSH, ACCESS; GETXATTR answers ENODATA and
 * LISTXATTR an empty list (no extended attributes are shown). Everything
 * else: ENOSYS. Before INIT every request but INIT gets EIO.
 *
 * A server serves the process that made it (it reopens files through
 * /proc/self/fd as it was then): a forked child makes its own.
 *
 * Locking: none. A server belongs to one thread at a time (the device's
 * I/O thread; the vCPU thread at reset once that thread is joined).
 * fuse_server_get_stats() alone may be called from any thread.
 */

/*
 * Nodes the guest may hold at once (root included). Only the recently used
 * keep a descriptor (devices/fuse_int.h), so RLIMIT_NOFILE does not bound them.
 */
#define FUSE_MAX_NODES 65536
#define FUSE_MAX_HANDLES 4096    /* open files and directories at once */
#define FUSE_MAX_WRITE (1u << 20) /* max_write and max_read: 256 pages of 4 KiB */
#define FUSE_MAX_NAME 255

struct fuse_server;

struct fuse_server_stats {
	uint64_t requests;      /* requests answered (or consumed, FORGET) */
	uint64_t errors;        /* answered with an error */
	uint64_t bytes_read;    /* READ data sent to the guest */
	uint64_t bytes_written; /* WRITE data written to host files */
	uint64_t nodes, handles; /* in use now */
};

/*
 * fuse_server_new - a server for the directory dir, read-only with ro.
 * Opens dir (O_PATH, following symlinks in dir itself: the user named it)
 * and /proc/self/fd (files are reopened through it), and raises the
 * soft RLIMIT_NOFILE towards what the tables may need. Returns VMM_OK and
 * stores the server in *out, or prints one line "share DIR: CAUSE" and
 * returns VMM_ERR_INPUT (dir missing, not a directory, unreadable) or
 * VMM_ERR_HOST (no /proc, no memory). Main thread.
 */
int fuse_server_new(const char *dir, bool ro, struct fuse_server **out);

/* fuse_server_free - close everything; NULL is fine. */
void fuse_server_free(struct fuse_server *s);

/*
 * fuse_server_handle - serve one request: in[0..nin) holds it, the reply
 * goes to out[0..nout) (each buffer wholly valid memory, as vq_pop()
 * checked). Returns the bytes written into out: 0 when there is no reply
 * (FORGET, BATCH_FORGET, or a request too short to carry a header, or no
 * room for a reply header). Never fails otherwise: a malformed request
 * gets an error reply.
 */
size_t fuse_server_handle(struct fuse_server *s, const struct iovec *in, unsigned int nin,
			  const struct iovec *out, unsigned int nout);

/*
 * fuse_server_reset - forget every node but the root and close every
 * handle, back to before INIT (the driver reset the device, or sent
 * DESTROY).
 */
void fuse_server_reset(struct fuse_server *s);

/* fuse_server_get_stats - a snapshot of the counters. Any thread, lock-free. */
void fuse_server_get_stats(const struct fuse_server *s, struct fuse_server_stats *out);

/*
 * The --share option: HOSTDIR,tag=TAG[,ro]. A tag is 1..36 bytes
 * (virtio-fs's config field) of letters, digits and "-_.:"; a directory
 * is any non-empty path without ','.
 */
#define FS_TAG_MAX 36
#define FS_MAX_SHARES 8

struct fs_opts {
	char dir[4096];
	char tag[FS_TAG_MAX + 1];
	bool ro;
};

/*
 * fs_opts_parse - parse one --share SPEC into *out (fully overwritten).
 * Returns 0, or VMM_ERR_USAGE after printing one line "--share SPEC:
 * CAUSE". Touches no files.
 */
int fs_opts_parse(const char *spec, struct fs_opts *out);

#endif
