// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FUSE server's node and handle tables: bounded arrays with free
 * lists. A guest id is (generation << 32) | (slot + 1), so an id of a
 * freed slot, or one the guest made up, does not match the slot's current
 * generation and is refused. The root is slot 0 with generation 0: id 1,
 * FUSE_ROOT_ID, and is never freed. Nodes are also found by (st_dev,
 * st_ino), so that looking up the same file twice gives the guest the
 * same node, whose lookup count the guest's FORGETs then balance.
 *
 * Nodes keep descriptors only while recently used, and are reopened
 * beneath their parent otherwise: see the comment in fuse_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuse_int.h"

int fuse_child_open(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static uint32_t bucket_of(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;

	return (uint32_t)(h >> 40) % FUSE_NODE_BUCKETS;
}

static void unhash(struct fuse_server *s, uint32_t idx)
{
	uint32_t *p = &s->buckets[bucket_of(s->nodes[idx].dev, s->nodes[idx].ino)];

	while (*p != FUSE_NO_NODE) {
		if (*p == idx) {
			*p = s->nodes[idx].next;
			return;
		}
		p = &s->nodes[*p].next;
	}
}

/* The LRU list of nodes with a descriptor (the root, slot 0, is never on it). */
static void lru_unlink(struct fuse_server *s, uint32_t idx)
{
	struct fuse_node *n = &s->nodes[idx];

	if (n->lru_prev != FUSE_NO_NODE)
		s->nodes[n->lru_prev].lru_next = n->lru_next;
	else
		s->lru_head = n->lru_next;
	if (n->lru_next != FUSE_NO_NODE)
		s->nodes[n->lru_next].lru_prev = n->lru_prev;
	else
		s->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = FUSE_NO_NODE;
}

static void lru_push(struct fuse_server *s, uint32_t idx)
{
	struct fuse_node *n = &s->nodes[idx];

	n->lru_prev = FUSE_NO_NODE;
	n->lru_next = s->lru_head;
	if (s->lru_head != FUSE_NO_NODE)
		s->nodes[s->lru_head].lru_prev = idx;
	else
		s->lru_tail = idx;
	s->lru_head = idx;
}

static void fd_drop(struct fuse_server *s, uint32_t idx)
{
	struct fuse_node *n = &s->nodes[idx];

	if (!idx || n->fd < 0)
		return;
	lru_unlink(s, idx);
	close(n->fd);
	n->fd = -1;
	s->fd_open--;
}

/* The most recently used: to the list's head. */
static void fd_touch(struct fuse_server *s, uint32_t idx)
{
	s->nodes[idx].epoch = s->epoch;
	if (!idx || s->lru_head == idx)
		return;
	lru_unlink(s, idx);
	lru_push(s, idx);
}

/*
 * Drop the least recently used descriptors down to the cap, but none the
 * current request has used: its callers hold them (the list is in order
 * of use, so the first such node met ends the walk).
 */
static void fd_trim(struct fuse_server *s)
{
	while (s->fd_open > s->fd_cap && s->lru_tail != FUSE_NO_NODE &&
	       s->nodes[s->lru_tail].epoch != s->epoch)
		fd_drop(s, s->lru_tail);
}

/* Give node idx the descriptor fd. */
static void fd_keep(struct fuse_server *s, uint32_t idx, int fd)
{
	s->nodes[idx].fd = fd;
	s->nodes[idx].epoch = s->epoch;
	lru_push(s, idx);
	s->fd_open++;
	fd_trim(s);
}

bool fuse_fd_pressure(struct fuse_server *s)
{
	uint32_t before = s->fd_open, cap = s->fd_open / 2;

	s->fd_cap = cap < FUSE_FD_CAP_MIN ? FUSE_FD_CAP_MIN : cap;
	fd_trim(s);
	return s->fd_open < before;
}

/* Drop a child's reference on node p: true when p is then needed by nobody (never the root). */
static bool unref(struct fuse_server *s, uint32_t p)
{
	struct fuse_node *n = &s->nodes[p];

	n->kids--;
	return p && !n->kids && !n->nlookup;
}

/* Free slot idx, and then each ancestor nobody needs any more. */
static void node_free(struct fuse_server *s, uint32_t idx)
{
	struct fuse_node *n;
	uint32_t parent;

	for (;;) {
		n = &s->nodes[idx];
		parent = n->parent;
		unhash(s, idx);
		fd_drop(s, idx);
		free(n->name);
		n->name = NULL;
		n->used = false;
		n->nlookup = 0;
		n->gen++;
		if (!n->gen)
			n->gen = 1; /* generation 0 is the root's alone */
		n->next = s->node_free;
		s->node_free = idx;
		atomic_fetch_sub(&s->nnodes, 1);
		if (!unref(s, parent))
			break;
		idx = parent;
	}
}

int fuse_tables_init(struct fuse_server *s)
{
	struct rlimit rl;
	uint32_t i;

	s->nodes = calloc(FUSE_MAX_NODES, sizeof(*s->nodes));
	s->buckets = malloc(FUSE_NODE_BUCKETS * sizeof(*s->buckets));
	s->handles = calloc(FUSE_MAX_HANDLES, sizeof(*s->handles));
	s->walk = malloc(FUSE_MAX_NODES * sizeof(*s->walk));
	if (!s->nodes || !s->buckets || !s->handles || !s->walk)
		return -ENOMEM;
	for (i = 0; i < FUSE_NODE_BUCKETS; i++)
		s->buckets[i] = FUSE_NO_NODE;
	/* Slot 0 (the root) is set by the caller; the others are free. */
	s->node_free = FUSE_NO_NODE;
	for (i = FUSE_MAX_NODES - 1; i >= 1; i--) {
		s->nodes[i].fd = -1;
		s->nodes[i].gen = 1;
		s->nodes[i].next = s->node_free;
		s->node_free = i;
	}
	s->lru_head = s->lru_tail = FUSE_NO_NODE;
	/* A quarter of the limit: other shares, handles and vmm itself need the rest. */
	s->fd_cap = FUSE_MAX_NODES;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 4 < FUSE_MAX_NODES)
		s->fd_cap = (uint32_t)(rl.rlim_cur / 4);
	if (s->fd_cap < FUSE_FD_CAP_MIN)
		s->fd_cap = FUSE_FD_CAP_MIN;
	s->handle_free = FUSE_NO_NODE;
	for (i = FUSE_MAX_HANDLES; i-- > 0;) {
		s->handles[i].fd = -1;
		s->handles[i].gen = 1;
		s->handles[i].next = s->handle_free;
		s->handle_free = i;
	}
	return 0;
}

void fuse_tables_reset(struct fuse_server *s)
{
	struct fuse_node *n;
	uint32_t i;

	for (i = 1; i < FUSE_MAX_NODES; i++) {
		n = &s->nodes[i];
		if (!n->used)
			continue;
		/* All at once: no parent is freed before or after its children. */
		n->nlookup = 0;
		n->kids = 0;
		n->parent = 0;
		s->nodes[0].kids++;
		node_free(s, i);
	}
	s->nodes[0].kids = 0;
	for (i = 0; i < FUSE_MAX_HANDLES; i++)
		if (s->handles[i].fd >= 0)
			fuse_handle_close(s, ((uint64_t)s->handles[i].gen << 32) | (i + 1),
					  s->handles[i].dir);
}

void fuse_tables_free(struct fuse_server *s)
{
	if (s->nodes && s->buckets && s->handles)
		fuse_tables_reset(s);
	free(s->nodes);
	free(s->buckets);
	free(s->handles);
	free(s->walk);
}

uint64_t fuse_node_id(struct fuse_server *s, const struct fuse_node *n)
{
	uint32_t idx = (uint32_t)(n - s->nodes);

	return ((uint64_t)n->gen << 32) | (idx + 1);
}

/* The slot of a guest id the guest holds, or NULL. */
static struct fuse_node *node_slot(struct fuse_server *s, uint64_t id)
{
	uint32_t low = (uint32_t)id;
	struct fuse_node *n;

	if (!low || low > FUSE_MAX_NODES)
		return NULL;
	n = &s->nodes[low - 1];
	if (!n->used || !n->nlookup || n->gen != (uint32_t)(id >> 32))
		return NULL;
	return n;
}

/* Open node idx again beneath its parent (which has a descriptor): 0, or -errno. */
static int reopen_one(struct fuse_server *s, uint32_t idx)
{
	struct fuse_node *n = &s->nodes[idx];
	struct stat st;
	int fd;

	fd = fuse_child_open(s->nodes[n->parent].fd, n->name, O_PATH, 0);
	if ((fd == -EMFILE || fd == -ENFILE) && fuse_fd_pressure(s))
		fd = fuse_child_open(s->nodes[n->parent].fd, n->name, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) || st.st_dev != n->dev ||
	    st.st_ino != n->ino) {
		close(fd); /* another file took the name: not the guest's node */
		return -ESTALE;
	}
	fd_keep(s, idx, fd);
	return 0;
}

/* Give n a descriptor: walk up to the nearest ancestor with one, then reopen down. */
static int node_open(struct fuse_server *s, uint32_t idx)
{
	uint32_t depth = 0, i;
	int err;

	while (s->nodes[idx].fd < 0) {
		if (depth == FUSE_MAX_NODES)
			return -ELOOP; /* cannot happen: parents are older than their children */
		s->walk[depth++] = idx;
		idx = s->nodes[idx].parent;
	}
	fd_touch(s, idx);
	for (i = depth; i-- > 0;) {
		err = reopen_one(s, s->walk[i]);
		if (err)
			return err;
	}
	return 0;
}

struct fuse_node *fuse_node_get(struct fuse_server *s, uint64_t id)
{
	struct fuse_node *n = node_slot(s, id);
	uint32_t idx;

	if (!n)
		return NULL;
	idx = (uint32_t)(n - s->nodes);
	if (n->fd >= 0)
		fd_touch(s, idx);
	else if (node_open(s, idx))
		return NULL;
	return n;
}

/* The node's remembered place becomes name beneath pidx. Returns 0 or -ENOMEM. */
static int set_place(struct fuse_server *s, uint32_t idx, uint32_t pidx, const char *name)
{
	struct fuse_node *n = &s->nodes[idx];
	char *copy = strdup(name);
	uint32_t old = n->parent;

	if (!copy)
		return -ENOMEM;
	free(n->name);
	n->name = copy;
	if (old != pidx) {
		/* The new parent first: it must not be freed with the old one's line. */
		s->nodes[pidx].kids++;
		n->parent = pidx;
		if (unref(s, old))
			node_free(s, old);
	}
	return 0;
}

int fuse_node_add(struct fuse_server *s, struct fuse_node *parent, const char *name, int fd,
		  const struct stat *st, uint64_t *id)
{
	uint32_t b = bucket_of(st->st_dev, st->st_ino), idx, pidx = (uint32_t)(parent - s->nodes);
	struct fuse_node *n;

	for (idx = s->buckets[b]; idx != FUSE_NO_NODE; idx = s->nodes[idx].next) {
		n = &s->nodes[idx];
		if (n->dev == st->st_dev && n->ino == st->st_ino) {
			/* A file by another name (a hard link): remember the newest. Never a directory: no cycles. */
			if (n->type != S_IFDIR && (n->parent != pidx || strcmp(n->name, name)))
				set_place(s, idx, pidx, name); /* no memory: the old place stays */
			if (n->fd < 0)
				fd_keep(s, idx, fd);
			else
				close(fd);
			n->nlookup++;
			*id = fuse_node_id(s, n);
			return 0;
		}
	}
	if (st->st_dev == s->nodes[0].dev && st->st_ino == s->nodes[0].ino) {
		/* The root (not hashed: it is never freed), reached through a hard link or bind mount. */
		close(fd);
		*id = FUSE_ROOT_ID;
		return 0;
	}
	idx = s->node_free;
	if (idx == FUSE_NO_NODE) {
		close(fd);
		return -ENFILE;
	}
	n = &s->nodes[idx];
	n->name = strdup(name);
	if (!n->name) {
		close(fd);
		return -ENOMEM;
	}
	s->node_free = n->next;
	n->used = true;
	n->nlookup = 1;
	n->kids = 0;
	n->parent = pidx;
	s->nodes[pidx].kids++;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->type = st->st_mode & S_IFMT;
	n->next = s->buckets[b];
	s->buckets[b] = idx;
	atomic_fetch_add(&s->nnodes, 1);
	fd_keep(s, idx, fd);
	*id = fuse_node_id(s, n);
	return 0;
}

void fuse_node_moved(struct fuse_server *s, struct fuse_node *parent, const char *name)
{
	struct stat st;
	uint32_t idx;

	if (fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return;
	for (idx = s->buckets[bucket_of(st.st_dev, st.st_ino)]; idx != FUSE_NO_NODE;
	     idx = s->nodes[idx].next)
		if (s->nodes[idx].dev == st.st_dev && s->nodes[idx].ino == st.st_ino) {
			set_place(s, idx, (uint32_t)(parent - s->nodes), name);
			return;
		}
}

void fuse_node_forget(struct fuse_server *s, uint64_t id, uint64_t count)
{
	struct fuse_node *n = node_slot(s, id);

	if (!n || n == &s->nodes[0])
		return; /* stale, forged, or the root: nothing to drop */
	if (count < n->nlookup) {
		n->nlookup -= count;
		return;
	}
	n->nlookup = 0;
	if (!n->kids)
		node_free(s, (uint32_t)(n - s->nodes));
}

int fuse_handle_add(struct fuse_server *s, int fd, bool dir, uint64_t *fh)
{
	uint32_t idx = s->handle_free;
	struct fuse_handle *h;

	if (idx == FUSE_NO_NODE) {
		close(fd);
		return -ENFILE;
	}
	h = &s->handles[idx];
	s->handle_free = h->next;
	h->fd = fd;
	h->dir = dir;
	atomic_fetch_add(&s->nhandles, 1);
	*fh = ((uint64_t)h->gen << 32) | (idx + 1);
	return 0;
}

struct fuse_handle *fuse_handle_get(struct fuse_server *s, uint64_t fh, bool dir)
{
	uint32_t low = (uint32_t)fh;
	struct fuse_handle *h;

	if (!low || low > FUSE_MAX_HANDLES)
		return NULL;
	h = &s->handles[low - 1];
	if (h->fd < 0 || h->gen != (uint32_t)(fh >> 32) || h->dir != dir)
		return NULL;
	return h;
}

int fuse_handle_close(struct fuse_server *s, uint64_t fh, bool dir)
{
	struct fuse_handle *h = fuse_handle_get(s, fh, dir);
	uint32_t idx;

	if (!h)
		return -EBADF;
	idx = (uint32_t)(h - s->handles);
	close(h->fd);
	h->fd = -1;
	h->gen++;
	if (!h->gen)
		h->gen = 1;
	h->next = s->handle_free;
	s->handle_free = idx;
	atomic_fetch_sub(&s->nhandles, 1);
	return 0;
}
