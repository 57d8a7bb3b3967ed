// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FUSE request decoder (include/fuse_server.h): one request's header
 * and arguments are copied out of the guest's buffers once, checked
 * (length against the buffers, INIT first), dispatched by opcode, and
 * the reply is written back. Only READ and WRITE data stay in the guest's
 * buffers, which the host file is read into and written from directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fuse_int.h"
#include "virtqueue.h"
#include "log.h"
#include "status.h"

/* The protocol version vmm speaks: 7.31 brought what virtio-fs needs, the header has the rest. */
#define FUSE_MINOR_MIN 27

static size_t iov_total(const struct iovec *iov, unsigned int n)
{
	size_t t = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

unsigned int fuse_iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
			    struct iovec *dst, size_t *got)
{
	unsigned int i, k = 0;
	size_t take;

	*got = 0;
	for (i = 0; i < n && *got < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len - *got)
			take = len - *got;
		dst[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		dst[k].iov_len = take;
		k++;
		*got += take;
		off = 0;
	}
	return k;
}

int fuse_reply(struct fuse_req *r, const void *data, size_t len)
{
	struct fuse_out_header oh;

	if (sizeof(oh) + len > r->out_room)
		return -ERANGE;
	oh.len = (uint32_t)(sizeof(oh) + len);
	oh.error = 0;
	oh.unique = r->h->unique;
	vq_iov_write(r->out, r->nout, 0, &oh, sizeof(oh));
	if (len)
		vq_iov_write(r->out, r->nout, sizeof(oh), (void *)data, len);
	r->written = oh.len;
	return 0;
}

int fuse_reply_placed(struct fuse_req *r, size_t len)
{
	struct fuse_out_header oh = {
		.len = (uint32_t)(sizeof(oh) + len), .error = 0, .unique = r->h->unique,
	};

	if (sizeof(oh) + len > r->out_room)
		return -ERANGE;
	vq_iov_write(r->out, r->nout, 0, &oh, sizeof(oh));
	r->written = oh.len;
	return 0;
}

const char *fuse_name(struct fuse_req *r, uint32_t *off, int *err)
{
	const char *name = (const char *)r->arg + *off;
	const char *nul;
	size_t len;

	*err = -EINVAL;
	if (*off >= r->arglen)
		return NULL;
	nul = memchr(name, '\0', r->arglen - *off);
	if (!nul)
		return NULL;
	len = (size_t)(nul - name);
	if (len > FUSE_MAX_NAME) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	if (!len || !strcmp(name, ".") || !strcmp(name, "..") || memchr(name, '/', len))
		return NULL;
	*off += (uint32_t)len + 1;
	return name;
}

static int op_init(struct fuse_req *r)
{
	struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION };
	struct fuse_init_in in = { 0 };
	uint32_t want = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_DO_READDIRPLUS |
			FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES;

	/* 7.6 to 7.35 send the first 16 bytes; later ones the whole struct. */
	if (r->arglen < 16)
		return -EINVAL;
	memcpy(&in, r->arg, r->arglen < sizeof(in) ? r->arglen : sizeof(in));
	if (in.major < FUSE_KERNEL_VERSION)
		return -EPROTO;
	if (in.major > FUSE_KERNEL_VERSION)
		/* The kernel then asks again with our major version. */
		return fuse_reply(r, &o, FUSE_COMPAT_INIT_OUT_SIZE);
	if (in.minor < FUSE_MINOR_MIN)
		return -EPROTO;
	o.minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor : FUSE_KERNEL_MINOR_VERSION;
	o.max_readahead = in.max_readahead < FUSE_MAX_WRITE ? in.max_readahead : FUSE_MAX_WRITE;
	o.flags = in.flags & want;
	o.max_background = 64;
	o.congestion_threshold = 48;
	o.max_write = FUSE_MAX_WRITE;
	o.time_gran = 1;
	o.max_pages = FUSE_MAX_WRITE / 4096;
	r->s->max_write = FUSE_MAX_WRITE;
	r->s->initialized = true;
	return fuse_reply(r, &o, sizeof(o));
}

static int op_destroy(struct fuse_req *r)
{
	fuse_tables_reset(r->s);
	r->s->initialized = false;
	return fuse_reply(r, NULL, 0);
}

typedef int (*fuse_op_fn)(struct fuse_req *r);

/*
 * Requests that would change the share and that vmm does not implement:
 * a read-only share answers them EROFS like the ones it implements, so
 * the guest sees one reason for every refused change, not ENOSYS for some.
 */
static bool modifies_unimplemented(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_SETXATTR:
	case FUSE_REMOVEXATTR:
	case FUSE_FALLOCATE:
	case FUSE_COPY_FILE_RANGE:
	case FUSE_TMPFILE:
		return true;
	default:
		return false;
	}
}

static fuse_op_fn op_of(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP: return fuse_op_lookup;
	case FUSE_FORGET: return fuse_op_forget;
	case FUSE_GETATTR: return fuse_op_getattr;
	case FUSE_SETATTR: return fuse_op_setattr;
	case FUSE_READLINK: return fuse_op_readlink;
	case FUSE_SYMLINK: return fuse_op_symlink;
	case FUSE_MKNOD: return fuse_op_mknod;
	case FUSE_MKDIR: return fuse_op_mkdir;
	case FUSE_UNLINK: return fuse_op_unlink;
	case FUSE_RMDIR: return fuse_op_rmdir;
	case FUSE_RENAME: return fuse_op_rename;
	case FUSE_RENAME2: return fuse_op_rename;
	case FUSE_LINK: return fuse_op_link;
	case FUSE_OPEN: return fuse_op_open;
	case FUSE_READ: return fuse_op_read;
	case FUSE_WRITE: return fuse_op_write;
	case FUSE_STATFS: return fuse_op_statfs;
	case FUSE_RELEASE: return fuse_op_release;
	case FUSE_RELEASEDIR: return fuse_op_release;
	case FUSE_FSYNC: return fuse_op_fsync;
	case FUSE_FSYNCDIR: return fuse_op_fsync;
	case FUSE_GETXATTR: return fuse_op_getxattr;
	case FUSE_LISTXATTR: return fuse_op_listxattr;
	case FUSE_FLUSH: return fuse_op_flush;
	case FUSE_INIT: return op_init;
	case FUSE_OPENDIR: return fuse_op_opendir;
	case FUSE_READDIR: return fuse_op_readdir;
	case FUSE_READDIRPLUS: return fuse_op_readdir;
	case FUSE_ACCESS: return fuse_op_access;
	case FUSE_CREATE: return fuse_op_create;
	case FUSE_DESTROY: return op_destroy;
	case FUSE_BATCH_FORGET: return fuse_op_batch_forget;
	default: return NULL;
	}
}

size_t fuse_server_handle(struct fuse_server *s, const struct iovec *in, unsigned int nin,
			  const struct iovec *out, unsigned int nout)
{
	size_t in_len = iov_total(in, nin), copy;
	struct fuse_in_header h;
	struct fuse_out_header oh;
	struct fuse_req r = {
		.s = s, .h = &h, .in = in, .nin = nin, .out = out, .nout = nout,
		.out_room = iov_total(out, nout),
	};
	fuse_op_fn fn;
	int err;

	/* More buffers than preadv takes are not used (a virtqueue chain has at most as many). */
	if (nin > FUSE_MAX_IOV)
		r.nin = nin = FUSE_MAX_IOV;
	if (nout > FUSE_MAX_IOV)
		r.nout = nout = FUSE_MAX_IOV;
	in_len = iov_total(in, nin);
	r.out_room = iov_total(out, nout);
	atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
	s->epoch++;
	if (in_len < sizeof(h)) {
		atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
		return 0; /* not even a unique to answer to */
	}
	vq_iov_read(in, nin, 0, &h, sizeof(h));
	fn = op_of(h.opcode);
	if (h.len < sizeof(h) || h.len > in_len) {
		err = -EINVAL; /* the header's length disagrees with the buffers */
	} else if (h.opcode != FUSE_WRITE && h.len - sizeof(h) > FUSE_ARGS_MAX) {
		err = -EINVAL; /* no request but WRITE carries this much */
	} else if (!fn) {
		err = s->ro && modifies_unimplemented(h.opcode) ? -EROFS : -ENOSYS;
	} else if (!s->initialized && h.opcode != FUSE_INIT) {
		err = -EIO;
	} else {
		copy = h.len - sizeof(h);
		if (copy > FUSE_ARGS_MAX)
			copy = FUSE_ARGS_MAX; /* WRITE: its data stays in the guest's buffers */
		r.arglen = (uint32_t)vq_iov_read(in, nin, sizeof(h), s->args, copy);
		r.arg = s->args;
		err = fn(&r);
	}
	if (h.opcode == FUSE_FORGET || h.opcode == FUSE_BATCH_FORGET)
		return 0; /* never answered, not even with an error */
	if (!err)
		return r.written;
	atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
	if (r.out_room < sizeof(oh))
		return 0;
	oh.len = sizeof(oh);
	oh.error = err;
	oh.unique = h.unique;
	vq_iov_write(out, nout, 0, &oh, sizeof(oh));
	return sizeof(oh);
}

void fuse_server_reset(struct fuse_server *s)
{
	fuse_tables_reset(s);
	s->initialized = false;
}

void fuse_server_get_stats(const struct fuse_server *s, struct fuse_server_stats *o)
{
	o->requests = atomic_load_explicit(&s->requests, memory_order_relaxed);
	o->errors = atomic_load_explicit(&s->errors, memory_order_relaxed);
	o->bytes_read = atomic_load_explicit(&s->bytes_read, memory_order_relaxed);
	o->bytes_written = atomic_load_explicit(&s->bytes_written, memory_order_relaxed);
	o->nodes = atomic_load_explicit(&s->nnodes, memory_order_relaxed) + 1;
	o->handles = atomic_load_explicit(&s->nhandles, memory_order_relaxed);
}

/* Descriptors the tables may hold, and some for vmm itself: raise the soft limit towards it. */
static void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = FUSE_MAX_NODES + FUSE_MAX_HANDLES + 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		/* Keep the old limit: the node table keeps fewer descriptors. */
	}
}

int fuse_server_new(const char *dir, bool ro, struct fuse_server **out)
{
	struct fuse_server *s = calloc(1, sizeof(*s));
	struct stat st;
	int status = VMM_ERR_HOST;

	if (!s) {
		log_error("share %s: out of memory", dir);
		return VMM_ERR_HOST;
	}
	s->root_fd = s->proc_fd = -1;
	s->ro = ro;
	raise_nofile(); /* first: the tables size their descriptor cache by the limit */
	if (fuse_tables_init(s)) {
		log_error("share %s: out of memory", dir);
		goto fail;
	}
	s->root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0 || fstat(s->root_fd, &st)) {
		log_errno("share %s", dir);
		status = VMM_ERR_INPUT;
		goto fail;
	}
	s->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd < 0) {
		log_errno("share %s: /proc/self/fd (is /proc mounted?)", dir);
		goto fail;
	}
	s->nodes[0] = (struct fuse_node){
		.fd = s->root_fd, .used = true, .gen = 0, .nlookup = 1, .dev = st.st_dev,
		.ino = st.st_ino, .type = S_IFDIR, .next = FUSE_NO_NODE,
		.lru_prev = FUSE_NO_NODE, .lru_next = FUSE_NO_NODE,
	};
	*out = s;
	return VMM_OK;
fail:
	fuse_tables_free(s);
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	free(s);
	return status;
}

void fuse_server_free(struct fuse_server *s)
{
	if (!s)
		return;
	fuse_tables_free(s);
	close(s->root_fd);
	close(s->proc_fd);
	free(s);
}
