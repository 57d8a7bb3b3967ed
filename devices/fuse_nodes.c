// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FUSE server's node and handle tables: bounded arrays with free
 * lists. A guest id is (generation << 32) | (slot + 1), so an id of a
 * freed slot, or one the guest made up, does not match the slot's current
 * generation and is refused. The root is slot 0 with generation 0: id 1,
 * FUSE_ROOT_ID, and is never freed. Nodes are also found by (st_dev,
 * st_ino), so that looking up the same file twice gives the guest the
 * same node, whose lookup count the guest's FORGETs then balance.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuse_int.h"

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

static void node_free(struct fuse_server *s, uint32_t idx)
{
	struct fuse_node *n = &s->nodes[idx];

	unhash(s, idx);
	close(n->fd);
	n->fd = -1;
	n->nlookup = 0;
	n->gen++;
	if (!n->gen)
		n->gen = 1; /* generation 0 is the root's alone */
	n->next = s->node_free;
	s->node_free = idx;
	atomic_fetch_sub(&s->nnodes, 1);
}

int fuse_tables_init(struct fuse_server *s)
{
	uint32_t i;

	s->nodes = calloc(FUSE_MAX_NODES, sizeof(*s->nodes));
	s->buckets = malloc(FUSE_NODE_BUCKETS * sizeof(*s->buckets));
	s->handles = calloc(FUSE_MAX_HANDLES, sizeof(*s->handles));
	if (!s->nodes || !s->buckets || !s->handles)
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
	uint32_t i;

	for (i = 1; i < FUSE_MAX_NODES; i++)
		if (s->nodes[i].fd >= 0)
			node_free(s, i);
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
}

uint64_t fuse_node_id(struct fuse_server *s, const struct fuse_node *n)
{
	uint32_t idx = (uint32_t)(n - s->nodes);

	return ((uint64_t)n->gen << 32) | (idx + 1);
}

struct fuse_node *fuse_node_get(struct fuse_server *s, uint64_t id)
{
	uint32_t low = (uint32_t)id;
	struct fuse_node *n;

	if (!low || low > FUSE_MAX_NODES)
		return NULL;
	n = &s->nodes[low - 1];
	if (n->fd < 0 || n->gen != (uint32_t)(id >> 32))
		return NULL;
	return n;
}

int fuse_node_add(struct fuse_server *s, int fd, const struct stat *st, uint64_t *id)
{
	uint32_t b = bucket_of(st->st_dev, st->st_ino), idx;
	struct fuse_node *n;

	for (idx = s->buckets[b]; idx != FUSE_NO_NODE; idx = s->nodes[idx].next) {
		n = &s->nodes[idx];
		if (n->dev == st->st_dev && n->ino == st->st_ino) {
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
	s->node_free = n->next;
	n->fd = fd;
	n->nlookup = 1;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->type = st->st_mode & S_IFMT;
	n->next = s->buckets[b];
	s->buckets[b] = idx;
	atomic_fetch_add(&s->nnodes, 1);
	*id = fuse_node_id(s, n);
	return 0;
}

void fuse_node_forget(struct fuse_server *s, uint64_t id, uint64_t count)
{
	struct fuse_node *n = fuse_node_get(s, id);

	if (!n || n == &s->nodes[0])
		return; /* stale, forged, or the root: nothing to drop */
	if (count >= n->nlookup)
		node_free(s, (uint32_t)(n - s->nodes));
	else
		n->nlookup -= count;
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
