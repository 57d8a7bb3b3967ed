/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FUSE_CLIENT_H
#define VMM_TESTS_FUSE_CLIENT_H

/*
 * A FUSE client for the server's tests, sending requests straight to
 * fuse_server_handle(): it builds a request (header, fixed arguments, up
 * to two names), gives the server a reply buffer, and checks the reply's
 * header (length as returned, unique echoed). Include after <cmocka.h>.
 * A scratch share lives in a temporary directory: share/ inside it is
 * what the server serves, outside/ sits beside it for escape attempts.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_server.h"

#define FC_OUT_MAX (FUSE_MAX_WRITE + 4096)

struct fuse_client {
	char top[64];           /* the temporary directory */
	char share[96], outside[96];
	struct fuse_server *s;
	uint64_t unique;
	uint8_t req[16384];
	uint8_t *out;           /* FC_OUT_MAX */
	size_t out_room;        /* room given to the next request (default FC_OUT_MAX) */
	size_t len;             /* what the last request's reply took */
};

static __attribute__((unused)) void fc_path(struct fuse_client *c, char *buf, size_t n,
					    const char *rel)
{
	snprintf(buf, n, "%s/%s", c->share, rel);
}

static __attribute__((unused)) void fc_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static __attribute__((unused)) void fc_rm_rf(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

/* A fresh share (with share/a.txt and share/sub/) and outside/secret; a server on it. */
static __attribute__((unused)) struct fuse_client *fc_new(bool ro)
{
	struct fuse_client *c = calloc(1, sizeof(*c));
	char p[160];

	assert_non_null(c);
	c->out = malloc(FC_OUT_MAX);
	assert_non_null(c->out);
	strcpy(c->top, "/tmp/vmm-fuse-XXXXXX");
	assert_non_null(mkdtemp(c->top));
	snprintf(c->share, sizeof(c->share), "%s/share", c->top);
	snprintf(c->outside, sizeof(c->outside), "%s/outside", c->top);
	assert_int_equal(mkdir(c->share, 0755), 0);
	assert_int_equal(mkdir(c->outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/secret", c->outside);
	fc_write_file(p, "secret\n");
	fc_path(c, p, sizeof(p), "a.txt");
	fc_write_file(p, "hello, world\n");
	fc_path(c, p, sizeof(p), "sub");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(fuse_server_new(c->share, ro, &c->s), 0);
	c->out_room = FC_OUT_MAX;
	return c;
}

static __attribute__((unused)) void fc_free(struct fuse_client *c)
{
	fuse_server_free(c->s);
	fc_rm_rf(c->top);
	free(c->out);
	free(c);
}

/*
 * Send opcode on node with arguments arg[0..alen) and names n1, n2 (NULL:
 * none), data[0..dlen) after them in a buffer of its own (WRITE). Returns
 * the reply's error (0 or -errno); the reply's body is at c->out + 16.
 */
static __attribute__((unused)) int fc_req_data(struct fuse_client *c, uint32_t opcode,
					       uint64_t node, const void *arg, size_t alen,
					       const char *n1, const char *n2, const void *data,
					       size_t dlen)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = ++c->unique, .nodeid = node };
	struct fuse_out_header oh;
	struct iovec in[2], out = { c->out, c->out_room };
	size_t at = sizeof(h);

	if (alen)
		memcpy(c->req + at, arg, alen);
	at += alen;
	if (n1) {
		memcpy(c->req + at, n1, strlen(n1) + 1);
		at += strlen(n1) + 1;
	}
	if (n2) {
		memcpy(c->req + at, n2, strlen(n2) + 1);
		at += strlen(n2) + 1;
	}
	h.len = (uint32_t)(at + dlen);
	memcpy(c->req, &h, sizeof(h));
	in[0] = (struct iovec){ c->req, at };
	in[1] = (struct iovec){ (void *)data, dlen };
	memset(c->out, 0xee, 64);
	c->len = fuse_server_handle(c->s, in, dlen ? 2 : 1, &out, 1);
	if (opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET) {
		assert_int_equal(c->len, 0);
		return 0;
	}
	assert_true(c->len >= sizeof(oh));
	memcpy(&oh, c->out, sizeof(oh));
	assert_int_equal(oh.len, c->len);
	assert_int_equal(oh.unique, c->unique);
	if (oh.error)
		assert_int_equal(c->len, sizeof(oh));
	return oh.error;
}

static __attribute__((unused)) int fc_req(struct fuse_client *c, uint32_t opcode, uint64_t node,
					  const void *arg, size_t alen, const char *n1,
					  const char *n2)
{
	return fc_req_data(c, opcode, node, arg, alen, n1, n2, NULL, 0);
}

static __attribute__((unused)) void fc_init(struct fuse_client *c)
{
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 1 << 17,
				   .flags = FUSE_ASYNC_READ | FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES };

	assert_int_equal(fc_req(c, FUSE_INIT, 0, &in, sizeof(in), NULL, NULL), 0);
}

/* LOOKUP name under parent: the entry's node id, or 0 with *err set. */
static __attribute__((unused)) uint64_t fc_lookup(struct fuse_client *c, uint64_t parent,
						  const char *name, int *err)
{
	struct fuse_entry_out e;
	int r = fc_req(c, FUSE_LOOKUP, parent, NULL, 0, name, NULL);

	if (err)
		*err = r;
	if (r)
		return 0;
	memcpy(&e, c->out + sizeof(struct fuse_out_header), sizeof(e));
	return e.nodeid;
}

/* The attributes in the last reply's entry (LOOKUP, MKDIR, ...). */
static __attribute__((unused)) struct fuse_attr fc_entry_attr(struct fuse_client *c)
{
	struct fuse_entry_out e;

	memcpy(&e, c->out + sizeof(struct fuse_out_header), sizeof(e));
	return e.attr;
}

/* OPEN (or OPENDIR) node: the handle, or 0 with *err set. */
static __attribute__((unused)) uint64_t fc_open(struct fuse_client *c, uint32_t op, uint64_t node,
						uint32_t flags, int *err)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o;
	int r = fc_req(c, op, node, &in, sizeof(in), NULL, NULL);

	if (err)
		*err = r;
	if (r)
		return 0;
	memcpy(&o, c->out + sizeof(struct fuse_out_header), sizeof(o));
	return o.fh;
}

#endif
