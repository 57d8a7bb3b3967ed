/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_FUSE_INT_H
#define VMM_FUSE_INT_H

/*
 * The FUSE server's private parts, shared by its three files:
 *   fuse_server.c  the request decoder, INIT/DESTROY, replies
 *   fuse_nodes.c   the node and handle tables
 *   fuse_ops.c     the file system requests
 */
#include <linux/fuse.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "fuse_server.h"

#define FUSE_ARGS_MAX 8192       /* arguments copied out of a request (SYMLINK's two names) */
#define FUSE_DIRBUF 32768        /* getdents64 at a time */
#define FUSE_NODE_BUCKETS 65536  /* (dev, ino) hash */
#define FUSE_NO_NODE UINT32_MAX
#define FUSE_MAX_IOV 1024         /* buffers of one request used (IOV_MAX) */

/*
 * The node table's descriptors. A node used to keep its O_PATH descriptor
 * for as long as the guest held it, so a guest walking more files than
 * RLIMIT_NOFILE (a `find` over a large tree keeps every dentry, and so
 * every node) got EMFILE. Now a node remembers where it was found - its
 * parent node and its name there - and keeps a descriptor only while it
 * is among the recently used: an LRU list of the nodes with one, at most
 * fd_cap long (a quarter of the soft RLIMIT_NOFILE at start, at least
 * FUSE_FD_CAP_MIN), shrunk further whenever an open fails with
 * EMFILE/ENFILE (other shares and open handles share the limit). A node
 * without one is reopened on use, top down from its nearest ancestor that
 * has one, each step one name beneath its parent's descriptor with
 * child_open()'s rules (RESOLVE_BENEATH, no symlinks, no magic links), so
 * a reopen can never leave the share; and each reopened file must have the
 * (st_dev, st_ino) the node was made with, else the request gets ESTALE:
 * the same node id always names the same file or none.
 *
 * A node holds a reference on its parent (kids), so an ancestor stays in
 * the table, though maybe without a descriptor, while the guest holds
 * anything beneath it; the guest's FORGETs free a node only when neither
 * the guest nor a child needs it. Renames through vmm move the node's
 * remembered name; a non-directory looked up under a new name (a hard
 * link) remembers the newest. Limits: a file renamed or removed on the
 * host behind vmm's back, or a file the guest still holds after its last
 * name went, cannot be reopened once its descriptor was dropped, and
 * answers ESTALE (an open handle keeps working: handles keep their own
 * descriptors). A file replaced on the host by one that got the same
 * inode number (file systems reuse freed ones) passes the check: it is
 * taken for the old one, still inside the share. A directory keeps the first path it was found by (never
 * re-parented: no cycles). A descriptor the current request has used is
 * never dropped during it (its ops hold n->fd): the cap may be overshot by
 * what one request touches (a READDIRPLUS's entries, a deep reopen).
 */
#define FUSE_FD_CAP_MIN 16

/* One file the guest holds (or an ancestor of one). */
struct fuse_node {
	int fd;                 /* O_PATH | O_NOFOLLOW, or -1: not open now */
	bool used;              /* false: a free slot */
	uint32_t gen;           /* bumped when the slot is freed */
	uint64_t nlookup;       /* the guest's; 0: kept only as an ancestor */
	uint32_t kids;          /* nodes whose parent this is */
	uint32_t parent;        /* slot of the directory it was found in (root: none) */
	char *name;             /* its name there (root: NULL) */
	dev_t dev;
	ino_t ino;
	mode_t type;            /* S_IFMT bits */
	uint32_t next;          /* hash chain, or the free list */
	uint32_t lru_prev, lru_next; /* among the nodes with a descriptor */
	uint64_t epoch;         /* the request that last used fd */
};

/* One open file or directory. */
struct fuse_handle {
	int fd;                 /* -1 for a free slot */
	uint32_t gen;
	bool dir;
	uint32_t next;          /* free list */
};

struct fuse_server {
	int root_fd;            /* O_PATH of the share's directory */
	int proc_fd;            /* /proc/self/fd: reopens nodes by number */
	bool ro;
	bool initialized;       /* INIT answered */
	uint32_t max_write;     /* negotiated */

	struct fuse_node *nodes;      /* FUSE_MAX_NODES, [0] the root */
	uint32_t *buckets;            /* FUSE_NODE_BUCKETS heads */
	uint32_t node_free;           /* free list head */
	uint32_t lru_head, lru_tail;  /* nodes with a descriptor, most recent first (not the root) */
	uint32_t fd_open, fd_cap;     /* descriptors the nodes hold, and at most */
	uint32_t *walk;               /* FUSE_MAX_NODES: a reopen's path, bottom up */
	uint64_t epoch;               /* requests served: which descriptors are in use */
	struct fuse_handle *handles;  /* FUSE_MAX_HANDLES */
	uint32_t handle_free;

	/* The request's arguments, read in place as their structs: 8-byte aligned. */
	uint8_t args[FUSE_ARGS_MAX] __attribute__((aligned(8)));
	uint8_t dirbuf[FUSE_DIRBUF] __attribute__((aligned(8))); /* getdents64 records */
	uint8_t reply[FUSE_DIRBUF];   /* READDIR replies are built here */
	struct iovec iov[FUSE_MAX_IOV]; /* READ/WRITE data in the guest's buffers */

	atomic_uint_fast64_t requests, errors, bytes_read, bytes_written;
	atomic_uint_fast64_t nnodes, nhandles;
};

/*
 * One request being served: the copied arguments (after the header) and
 * the guest's buffers, for READ and WRITE data.
 */
struct fuse_req {
	struct fuse_server *s;
	const struct fuse_in_header *h;
	const uint8_t *arg;     /* h->len - sizeof(*h) bytes, or fewer for WRITE */
	uint32_t arglen;        /* bytes of arg copied */
	const struct iovec *in, *out;
	unsigned int nin, nout;
	size_t out_room;        /* bytes of out */
	/* The reply: set by an op that answers with data held elsewhere. */
	size_t written;         /* bytes the op wrote into out itself (header included) */
};

/* fuse_nodes.c */
/* openat2 of one name beneath dirfd: no "..", no symlink, no magic link. fd or -errno. */
int fuse_child_open(int dirfd, const char *name, int flags, mode_t mode);
int fuse_tables_init(struct fuse_server *s);
void fuse_tables_free(struct fuse_server *s);
void fuse_tables_reset(struct fuse_server *s);
/*
 * fuse_node_get - the node of a guest id with its descriptor open (n->fd
 * valid until the next request), or NULL: stale, forged, out of range, or
 * it could not be reopened as the same file.
 */
struct fuse_node *fuse_node_get(struct fuse_server *s, uint64_t id);
uint64_t fuse_node_id(struct fuse_server *s, const struct fuse_node *n);
/*
 * fuse_node_add - take fd (O_PATH of name beneath parent, whose stat is
 * st) as a node the guest now holds once more: an existing node of the
 * same file gets its count raised and fd is closed. Returns 0 and the
 * node's id, or -errno (ENFILE: the table is full; ENOMEM; fd is closed).
 */
int fuse_node_add(struct fuse_server *s, struct fuse_node *parent, const char *name, int fd,
		  const struct stat *st, uint64_t *id);
/* fuse_node_moved - name beneath parent was just renamed there by vmm: its node (if any) now lives there. */
void fuse_node_moved(struct fuse_server *s, struct fuse_node *parent, const char *name);
/*
 * fuse_fd_pressure - an open failed with EMFILE or ENFILE: drop the older
 * half of the nodes' descriptors (keeping FUSE_FD_CAP_MIN) and keep the
 * cache that small. Returns true when a descriptor was freed: try again.
 */
bool fuse_fd_pressure(struct fuse_server *s);
/* fuse_node_forget - drop n from id's lookup count; the node goes at 0 (never the root). */
void fuse_node_forget(struct fuse_server *s, uint64_t id, uint64_t n);
/* Handles: fd becomes the handle's (closed on failure). Returns 0 and *fh, or -ENFILE. */
int fuse_handle_add(struct fuse_server *s, int fd, bool dir, uint64_t *fh);
/* The handle of a guest fh, of the wanted kind, or NULL. */
struct fuse_handle *fuse_handle_get(struct fuse_server *s, uint64_t fh, bool dir);
int fuse_handle_close(struct fuse_server *s, uint64_t fh, bool dir);

/* fuse_ops.c: each returns 0 after setting r->written, or -errno for an error reply. */
int fuse_op_lookup(struct fuse_req *r);
int fuse_op_forget(struct fuse_req *r);
int fuse_op_batch_forget(struct fuse_req *r);
int fuse_op_getattr(struct fuse_req *r);
int fuse_op_setattr(struct fuse_req *r);
int fuse_op_readlink(struct fuse_req *r);
int fuse_op_symlink(struct fuse_req *r);
int fuse_op_mknod(struct fuse_req *r);
int fuse_op_mkdir(struct fuse_req *r);
int fuse_op_unlink(struct fuse_req *r);
int fuse_op_rmdir(struct fuse_req *r);
int fuse_op_rename(struct fuse_req *r);
int fuse_op_link(struct fuse_req *r);
int fuse_op_open(struct fuse_req *r);
int fuse_op_opendir(struct fuse_req *r);
int fuse_op_release(struct fuse_req *r);
int fuse_op_read(struct fuse_req *r);
int fuse_op_write(struct fuse_req *r);
int fuse_op_statfs(struct fuse_req *r);
int fuse_op_fsync(struct fuse_req *r);
int fuse_op_flush(struct fuse_req *r);
int fuse_op_access(struct fuse_req *r);
int fuse_op_create(struct fuse_req *r);
int fuse_op_readdir(struct fuse_req *r);
int fuse_op_getxattr(struct fuse_req *r);
int fuse_op_listxattr(struct fuse_req *r);

/* fuse_server.c helpers for the ops */
/* Reply with the header and len bytes of data. Returns 0 or -ERANGE (no room). */
int fuse_reply(struct fuse_req *r, const void *data, size_t len);
/* Reply with the header in front of len bytes of data the op already put after it. */
int fuse_reply_placed(struct fuse_req *r, size_t len);
/*
 * fuse_name - the NUL-terminated name at *off of the arguments: 1..255
 * bytes, not "." or "..", no '/'. Advances *off past its NUL. Returns the
 * name or NULL (*err = -EINVAL, or -ENAMETOOLONG).
 */
const char *fuse_name(struct fuse_req *r, uint32_t *off, int *err);
/* The iovecs of iov[0..n) from byte off, len bytes at most, into dst (n + 1 room). */
unsigned int fuse_iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
			    struct iovec *dst, size_t *got);

#endif
