// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the FUSE server over a temporary directory: every request
 * it answers, malformed and oversize requests, unknown opcodes, escape
 * attempts (.., names with '/', symlinks out of the share, a symlink
 * swapped in for a directory), stale and forged node ids and handles, and
 * a read-only share refusing every modifying request.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fuse_client.h"
#include "status.h"
#include "unit.h"

#define ROOT FUSE_ROOT_ID
#define BODY(c) ((c)->out + sizeof(struct fuse_out_header))

static int setup(void **state)
{
	*state = fc_new(false);
	fc_init(*state);
	return 0;
}

static int setup_ro(void **state)
{
	*state = fc_new(true);
	fc_init(*state);
	return 0;
}

static int setup_raw(void **state)
{
	*state = fc_new(false);
	return 0;
}

static int teardown(void **state)
{
	fc_free(*state);
	return 0;
}

static void test_init(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 1 << 30,
				   .flags = FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE | FUSE_MAX_PAGES };
	struct fuse_init_out o;

	/* Nothing but INIT before INIT. */
	assert_int_equal(fc_req(c, FUSE_GETATTR, ROOT, &(struct fuse_getattr_in){ 0 },
				sizeof(struct fuse_getattr_in), NULL, NULL), -EIO);
	in.major = 6;
	assert_int_equal(fc_req(c, FUSE_INIT, 0, &in, sizeof(in), NULL, NULL), -EPROTO);
	in.major = 7;
	assert_int_equal(fc_req(c, FUSE_INIT, 0, &in, 8, NULL, NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_INIT, 0, &in, sizeof(in), NULL, NULL), 0);
	assert_int_equal(c->len, 16 + sizeof(o));
	memcpy(&o, BODY(c), sizeof(o));
	assert_int_equal(o.major, 7);
	assert_int_equal(o.minor, 31);
	assert_int_equal(o.max_write, FUSE_MAX_WRITE);
	assert_int_equal(o.max_readahead, FUSE_MAX_WRITE);
	/* Only flags both sides have; no writeback cache. */
	assert_int_equal(o.flags, FUSE_ASYNC_READ | FUSE_MAX_PAGES);
	assert_int_equal(fc_req(c, FUSE_GETATTR, ROOT, &(struct fuse_getattr_in){ 0 },
				sizeof(struct fuse_getattr_in), NULL, NULL), 0);
	/* A newer major: answered with ours alone, for the kernel to ask again. */
	in.major = 8;
	assert_int_equal(fc_req(c, FUSE_INIT, 0, &in, sizeof(in), NULL, NULL), 0);
	assert_int_equal(c->len, 16 + FUSE_COMPAT_INIT_OUT_SIZE);
}

static void test_malformed(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_in_header h = { .len = 40, .opcode = FUSE_GETATTR, .unique = 77, .nodeid = 1 };
	struct fuse_out_header oh;
	struct iovec in = { &h, sizeof(h) }, out = { c->out, 16 };
	uint8_t big[8200];

	/* Too short for a header: nothing to answer to. */
	in.iov_len = 39;
	assert_int_equal(fuse_server_handle(c->s, &in, 1, &out, 1), 0);
	in.iov_len = sizeof(h);
	/* The header claims more than the buffers hold, or less than itself. */
	h.len = 41;
	assert_int_equal(fuse_server_handle(c->s, &in, 1, &out, 1), 16);
	memcpy(&oh, c->out, sizeof(oh));
	assert_int_equal(oh.error, -EINVAL);
	assert_int_equal(oh.unique, 77);
	h.len = 39;
	assert_int_equal(fuse_server_handle(c->s, &in, 1, &out, 1), 16);
	memcpy(&oh, c->out, sizeof(oh));
	assert_int_equal(oh.error, -EINVAL);
	/* No room for a reply header: no reply. */
	h.len = 40;
	out.iov_len = 15;
	assert_int_equal(fuse_server_handle(c->s, &in, 1, &out, 1), 0);
	/* Unknown opcodes, and CUSE's. */
	assert_int_equal(fc_req(c, 999, ROOT, NULL, 0, NULL, NULL), -ENOSYS);
	assert_int_equal(fc_req(c, CUSE_INIT, ROOT, NULL, 0, NULL, NULL), -ENOSYS);
	assert_int_equal(fc_req(c, FUSE_SETXATTR, ROOT, NULL, 0, NULL, NULL), -ENOSYS);
	assert_int_equal(fc_req(c, FUSE_IOCTL, ROOT, NULL, 0, NULL, NULL), -ENOSYS);
	/* Oversize: no request but WRITE carries that much. */
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = 0;
	assert_int_equal(fc_req(c, FUSE_LOOKUP, ROOT, big, sizeof(big), NULL, NULL), -EINVAL);
	/* Fixed arguments cut short. */
	assert_int_equal(fc_req(c, FUSE_OPEN, ROOT, NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_READ, ROOT, &h, 8, NULL, NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_SETATTR, ROOT, &h, 8, NULL, NULL), -EINVAL);
	/* The server still answers. */
	assert_int_not_equal(fc_lookup(c, ROOT, "a.txt", NULL), 0);
}

static void test_lookup_forget(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_forget_in fg = { .nlookup = 1 };
	struct fuse_server_stats st;
	uint64_t a, b;
	int err;

	a = fc_lookup(c, ROOT, "a.txt", &err);
	assert_int_equal(err, 0);
	assert_int_equal(fc_entry_attr(c).size, 13);
	assert_true(S_ISREG(fc_entry_attr(c).mode));
	/* The same file is the same node, counted twice. */
	b = fc_lookup(c, ROOT, "a.txt", NULL);
	assert_int_equal(a, b);
	fuse_server_get_stats(c->s, &st);
	assert_int_equal(st.nodes, 2);
	fc_req(c, FUSE_FORGET, a, &fg, sizeof(fg), NULL, NULL);
	assert_int_equal(fc_req(c, FUSE_GETATTR, a, &(struct fuse_getattr_in){ 0 },
				sizeof(struct fuse_getattr_in), NULL, NULL), 0);
	fc_req(c, FUSE_FORGET, a, &fg, sizeof(fg), NULL, NULL);
	/* Now stale, and a new lookup gives another id. */
	assert_int_equal(fc_req(c, FUSE_GETATTR, a, &(struct fuse_getattr_in){ 0 },
				sizeof(struct fuse_getattr_in), NULL, NULL), -ESTALE);
	b = fc_lookup(c, ROOT, "a.txt", NULL);
	assert_int_not_equal(a, b);
	assert_int_equal(fc_lookup(c, ROOT, "nope", &err), 0);
	assert_int_equal(err, -ENOENT);
	/* Lookups under a file, forgetting the root: refused, and harmless. */
	assert_int_equal(fc_lookup(c, b, "x", &err), 0);
	assert_int_equal(err, -ENOTDIR);
	fc_req(c, FUSE_FORGET, ROOT, &fg, sizeof(fg), NULL, NULL);
	assert_int_not_equal(fc_lookup(c, ROOT, "sub", NULL), 0);
}

static void test_batch_forget(void **state)
{
	struct fuse_client *c = *state;
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[3];
	} in = { { .count = 1000 } };
	uint64_t a = fc_lookup(c, ROOT, "a.txt", NULL), s = fc_lookup(c, ROOT, "sub", NULL);

	in.one[0] = (struct fuse_forget_one){ a, 1 };
	in.one[1] = (struct fuse_forget_one){ 0xdead00000005ull, 1 }; /* forged: ignored */
	in.one[2] = (struct fuse_forget_one){ s, 5 };
	/* count says 1000, the request holds 3: only those are read. */
	fc_req(c, FUSE_BATCH_FORGET, 0, &in, sizeof(in), NULL, NULL);
	assert_int_equal(fc_req(c, FUSE_GETATTR, a, &(struct fuse_getattr_in){ 0 },
				sizeof(struct fuse_getattr_in), NULL, NULL), -ESTALE);
	assert_int_equal(fc_req(c, FUSE_GETATTR, s, &(struct fuse_getattr_in){ 0 },
				sizeof(struct fuse_getattr_in), NULL, NULL), -ESTALE);
}

static void test_bad_names(void **state)
{
	struct fuse_client *c = *state;
	char longname[300];
	int err;

	memset(longname, 'n', sizeof(longname));
	longname[256] = 0;
	assert_int_equal(fc_lookup(c, ROOT, "..", &err), 0);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(fc_lookup(c, ROOT, ".", &err), 0);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(fc_lookup(c, ROOT, "", &err), 0);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(fc_lookup(c, ROOT, "../outside/secret", &err), 0);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(fc_lookup(c, ROOT, "sub/../a.txt", &err), 0);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(fc_lookup(c, ROOT, "/etc", &err), 0);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(fc_lookup(c, ROOT, longname, &err), 0);
	assert_int_equal(err, -ENAMETOOLONG);
	longname[255] = 0;
	assert_int_equal(fc_lookup(c, ROOT, longname, &err), 0);
	assert_int_equal(err, -ENOENT); /* 255 bytes is a name; there is no such file */
	/* No NUL within the request. */
	assert_int_equal(fc_req(c, FUSE_LOOKUP, ROOT, "a.txt", 5, NULL, NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_MKDIR, ROOT, &(struct fuse_mkdir_in){ 0755, 0 },
				sizeof(struct fuse_mkdir_in), "..", NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_UNLINK, ROOT, NULL, 0, "sub/x", NULL), -EINVAL);
}

static void test_forged_ids(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_getattr_in ga = { 0 };
	struct fuse_read_in rd = { .size = 10 };
	struct fuse_release_in rl = { 0 };
	uint64_t a = fc_lookup(c, ROOT, "a.txt", NULL), fh, dh;
	static const uint64_t forged[] = {
		0, 2, FUSE_MAX_NODES, FUSE_MAX_NODES + 1ull, UINT64_MAX, 0x500000001ull,
		0xffffffffull,
	};
	unsigned int i;

	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		assert_int_equal(fc_req(c, FUSE_GETATTR, forged[i], &ga, sizeof(ga), NULL, NULL),
				 -ESTALE);
		assert_int_equal(fc_lookup(c, forged[i], "a.txt", NULL), 0);
		rd.fh = forged[i];
		assert_int_equal(fc_req(c, FUSE_READ, a, &rd, sizeof(rd), NULL, NULL), -EBADF);
	}
	/* A node id with the right slot and the wrong generation. */
	assert_int_equal(fc_req(c, FUSE_GETATTR, a + (1ull << 32), &ga, sizeof(ga), NULL, NULL),
			 -ESTALE);
	/* Handles of the wrong kind, and closed ones. */
	fh = fc_open(c, FUSE_OPEN, a, O_RDONLY, NULL);
	dh = fc_open(c, FUSE_OPENDIR, ROOT, O_RDONLY, NULL);
	assert_int_not_equal(fh, 0);
	assert_int_not_equal(dh, 0);
	rd.fh = dh;
	assert_int_equal(fc_req(c, FUSE_READ, a, &rd, sizeof(rd), NULL, NULL), -EBADF);
	rd.fh = fh;
	assert_int_equal(fc_req(c, FUSE_READDIR, ROOT, &rd, sizeof(rd), NULL, NULL), -EBADF);
	rl.fh = dh;
	assert_int_equal(fc_req(c, FUSE_RELEASE, a, &rl, sizeof(rl), NULL, NULL), -EBADF);
	rl.fh = fh;
	assert_int_equal(fc_req(c, FUSE_RELEASE, a, &rl, sizeof(rl), NULL, NULL), 0);
	assert_int_equal(fc_req(c, FUSE_RELEASE, a, &rl, sizeof(rl), NULL, NULL), -EBADF);
	assert_int_equal(fc_req(c, FUSE_READ, a, &rd, sizeof(rd), NULL, NULL), -EBADF);
	assert_int_equal(fc_req(c, FUSE_FLUSH, a, &(struct fuse_flush_in){ .fh = fh },
				sizeof(struct fuse_flush_in), NULL, NULL), -EBADF);
	rl.fh = dh;
	assert_int_equal(fc_req(c, FUSE_RELEASEDIR, ROOT, &rl, sizeof(rl), NULL, NULL), 0);
}

static void test_symlink_escapes(void **state)
{
	struct fuse_client *c = *state;
	char p[200], q[200];
	uint64_t abs, rel, sub;
	int err;

	fc_path(c, p, sizeof(p), "abs");
	assert_int_equal(symlink(c->outside, p), 0);
	fc_path(c, p, sizeof(p), "rel");
	assert_int_equal(symlink("../outside", p), 0);
	/* A symlink is a node of its own: never followed on the host. */
	abs = fc_lookup(c, ROOT, "abs", NULL);
	assert_true(S_ISLNK(fc_entry_attr(c).mode));
	rel = fc_lookup(c, ROOT, "rel", NULL);
	assert_true(S_ISLNK(fc_entry_attr(c).mode));
	assert_int_equal(fc_lookup(c, abs, "secret", &err), 0);
	assert_int_equal(err, -ENOTDIR);
	assert_int_equal(fc_lookup(c, rel, "secret", &err), 0);
	assert_int_equal(err, -ENOTDIR);
	assert_int_equal(fc_open(c, FUSE_OPEN, abs, O_RDONLY, &err), 0);
	assert_int_equal(err, -ENXIO);
	assert_int_equal(fc_open(c, FUSE_OPENDIR, rel, O_RDONLY, &err), 0);
	assert_int_equal(err, -ENOTDIR);
	/* READLINK gives the text, for the guest to resolve in its own tree. */
	assert_int_equal(fc_req(c, FUSE_READLINK, rel, NULL, 0, NULL, NULL), 0);
	assert_int_equal(c->len, 16 + strlen("../outside"));
	assert_memory_equal(BODY(c), "../outside", strlen("../outside"));
	/* Creating through a symlink's name: refused, nothing made outside. */
	assert_int_equal(fc_req(c, FUSE_CREATE, ROOT,
				&(struct fuse_create_in){ .flags = O_WRONLY, .mode = 0644 },
				sizeof(struct fuse_create_in), "abs", NULL), -ELOOP);
	/* A directory swapped for a symlink out of the share, after and during a walk. */
	sub = fc_lookup(c, ROOT, "sub", NULL);
	fc_path(c, p, sizeof(p), "sub");
	fc_path(c, q, sizeof(q), "sub.old");
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(symlink(c->outside, p), 0);
	assert_int_equal(fc_lookup(c, sub, "secret", &err), 0);
	assert_int_equal(err, -ENOENT); /* the node is still the old directory */
	sub = fc_lookup(c, ROOT, "sub", NULL);
	assert_true(S_ISLNK(fc_entry_attr(c).mode));
	assert_int_equal(fc_lookup(c, sub, "secret", &err), 0);
	assert_int_equal(err, -ENOTDIR);
	assert_int_equal(fc_req(c, FUSE_MKDIR, sub, &(struct fuse_mkdir_in){ 0755, 0 },
				sizeof(struct fuse_mkdir_in), "x", NULL), -ENOTDIR);
	snprintf(p, sizeof(p), "%s/x", c->outside);
	assert_int_equal(access(p, F_OK), -1);
	/* Changing a symlink node never reaches its target outside. */
	{
		struct fuse_setattr_in sa = { .valid = FATTR_MODE | FATTR_MTIME, .mode = 0777,
					      .mtime = 12345 };
		struct fuse_link_in ln = { .oldnodeid = abs };
		struct stat before, after;

		snprintf(p, sizeof(p), "%s/secret", c->outside);
		assert_int_equal(stat(c->outside, &before), 0);
		assert_int_equal(fc_req(c, FUSE_SETATTR, abs, &sa, sizeof(sa), NULL, NULL),
				 -EOPNOTSUPP);
		sa.valid = FATTR_MTIME;
		assert_int_equal(fc_req(c, FUSE_SETATTR, abs, &sa, sizeof(sa), NULL, NULL), 0);
		assert_int_equal(stat(c->outside, &after), 0);
		assert_int_equal(before.st_mode, after.st_mode);
		assert_int_equal(before.st_mtime, after.st_mtime);
		/* LINK of a symlink links the symlink itself, inside the share. */
		assert_int_equal(fc_req(c, FUSE_LINK, ROOT, &ln, sizeof(ln), "abs2", NULL), 0);
		assert_true(S_ISLNK(fc_entry_attr(c).mode));
		fc_path(c, q, sizeof(q), "abs2");
		assert_int_equal(lstat(q, &after), 0);
		assert_true(S_ISLNK(after.st_mode));
		assert_int_equal(stat(c->outside, &after), 0);
		assert_int_equal(after.st_nlink, before.st_nlink);
	}
}

static void test_read_write(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_create_in cr = { .flags = O_RDWR, .mode = 0644 };
	struct fuse_write_in wr = { .offset = 0 };
	struct fuse_read_in rd = { 0 };
	struct fuse_write_out wo;
	struct fuse_entry_out e;
	struct fuse_open_out o;
	struct fuse_out_header oh;
	struct iovec in, out[3];
	static uint8_t data[200000], back[200000];
	char p[200];
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(fc_req(c, FUSE_CREATE, ROOT, &cr, sizeof(cr), "new.bin", NULL), 0);
	assert_int_equal(c->len, 16 + sizeof(e) + sizeof(o));
	memcpy(&e, BODY(c), sizeof(e));
	memcpy(&o, BODY(c) + sizeof(e), sizeof(o));
	wr.fh = o.fh;
	wr.size = sizeof(data);
	assert_int_equal(fc_req_data(c, FUSE_WRITE, e.nodeid, &wr, sizeof(wr), NULL, NULL, data,
				     sizeof(data)), 0);
	memcpy(&wo, BODY(c), sizeof(wo));
	assert_int_equal(wo.size, sizeof(data));
	/* The size in the arguments must match the data, and not exceed max_write. */
	wr.size = 10;
	assert_int_equal(fc_req_data(c, FUSE_WRITE, e.nodeid, &wr, sizeof(wr), NULL, NULL, data,
				     20), -EINVAL);
	wr.size = FUSE_MAX_WRITE + 1;
	assert_int_equal(fc_req_data(c, FUSE_WRITE, e.nodeid, &wr, sizeof(wr), NULL, NULL, data,
				     20), -EINVAL);
	/* On the host, byte-exact. */
	fc_path(c, p, sizeof(p), "new.bin");
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(data));
	fclose(f);
	assert_memory_equal(back, data, sizeof(data));
	/* READ straight into three reply buffers, the header split across two. */
	memset(back, 0, sizeof(back));
	rd.fh = o.fh;
	rd.offset = 1000;
	rd.size = 150000;
	{
		struct fuse_in_header h = { .len = 40 + sizeof(rd), .opcode = FUSE_READ,
					    .unique = 4242, .nodeid = e.nodeid };
		uint8_t req[40 + sizeof(rd)], hdr[16];

		memcpy(req, &h, 40);
		memcpy(req + 40, &rd, sizeof(rd));
		in = (struct iovec){ req, sizeof(req) };
		out[0] = (struct iovec){ hdr, 10 };
		out[1] = (struct iovec){ c->out, 6 + 1000 };
		out[2] = (struct iovec){ back + 1000, sizeof(back) - 1000 };
		assert_int_equal(fuse_server_handle(c->s, &in, 1, out, 3), 16 + 150000);
		memcpy(&oh, hdr, 10);
		memcpy((uint8_t *)&oh + 10, c->out, 6);
		assert_int_equal(oh.len, 16 + 150000);
		assert_int_equal(oh.error, 0);
		assert_int_equal(oh.unique, 4242);
		assert_memory_equal(c->out + 6, data + 1000, 1000);
		assert_memory_equal(back + 1000, data + 2000, 150000 - 1000);
	}
	/* Past the end: short, then empty. */
	rd.offset = sizeof(data) - 10;
	assert_int_equal(fc_req(c, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL, NULL), 0);
	assert_int_equal(c->len, 16 + 10);
	rd.offset = sizeof(data) + 10;
	assert_int_equal(fc_req(c, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL, NULL), 0);
	assert_int_equal(c->len, 16);
	/* A read never exceeds the reply's room. */
	rd.offset = 0;
	c->out_room = 16 + 100;
	assert_int_equal(fc_req(c, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL, NULL), 0);
	assert_int_equal(c->len, 16 + 100);
	c->out_room = FC_OUT_MAX;
	rd.offset = UINT64_MAX;
	assert_int_equal(fc_req(c, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL, NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_FLUSH, e.nodeid, &(struct fuse_flush_in){ .fh = o.fh },
				sizeof(struct fuse_flush_in), NULL, NULL), 0);
	assert_int_equal(fc_req(c, FUSE_FSYNC, e.nodeid, &(struct fuse_fsync_in){ .fh = o.fh },
				sizeof(struct fuse_fsync_in), NULL, NULL), 0);
	assert_int_equal(fc_req(c, FUSE_RELEASE, e.nodeid, &(struct fuse_release_in){ .fh = o.fh },
				sizeof(struct fuse_release_in), NULL, NULL), 0);
	/* An O_RDONLY open cannot write. */
	wr.fh = fc_open(c, FUSE_OPEN, e.nodeid, O_RDONLY, NULL);
	wr.size = 4;
	assert_int_equal(fc_req_data(c, FUSE_WRITE, e.nodeid, &wr, sizeof(wr), NULL, NULL, data,
				     4), -EBADF);
}

/* The names in a READDIR(PLUS) reply, "a,b,": and the plus entries' node ids in ids. */
static void dir_names(struct fuse_client *c, bool plus, char *names, size_t n, uint64_t *ids)
{
	size_t at = 16, k = 0;
	struct fuse_dirent d;
	struct fuse_entry_out e;

	names[0] = 0;
	while (at < c->len) {
		if (plus) {
			memcpy(&e, c->out + at, sizeof(e));
			at += sizeof(e);
		}
		memcpy(&d, c->out + at, sizeof(d));
		strncat(names, (char *)c->out + at + FUSE_NAME_OFFSET, d.namelen);
		strncat(names, ",", n - strlen(names) - 1);
		if (plus && ids)
			ids[k++] = e.nodeid;
		at += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);
	}
}

static void test_readdir(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_read_in rd = { .size = 4096 };
	char names[1024], p[200];
	uint64_t ids[16];
	int i, sum = 0;

	rd.fh = fc_open(c, FUSE_OPENDIR, ROOT, O_RDONLY, NULL);
	assert_int_equal(fc_req(c, FUSE_READDIR, ROOT, &rd, sizeof(rd), NULL, NULL), 0);
	dir_names(c, false, names, sizeof(names), NULL);
	assert_non_null(strstr(names, "a.txt,"));
	assert_non_null(strstr(names, "sub,"));
	assert_non_null(strstr(names, ".,"));
	/* READDIRPLUS: every entry but . and .. comes with a node. */
	assert_int_equal(fc_req(c, FUSE_READDIRPLUS, ROOT, &rd, sizeof(rd), NULL, NULL), 0);
	dir_names(c, true, names, sizeof(names), ids);
	for (i = 0; i < 4; i++)
		sum += ids[i] != 0;
	assert_int_equal(sum, 2);
	/* Many entries in small replies, resumed from each reply's last offset. */
	for (i = 0; i < 200; i++) {
		snprintf(p, sizeof(p), "%s/sub/file-%03d", c->share, i);
		fc_write_file(p, "x");
	}
	{
		uint64_t sub = fc_lookup(c, ROOT, "sub", NULL), fh;
		struct fuse_dirent d;
		int seen = 0, rounds = 0;
		size_t at;

		fh = fc_open(c, FUSE_OPENDIR, sub, O_RDONLY, NULL);
		rd = (struct fuse_read_in){ .fh = fh, .size = 512 };
		for (;;) {
			assert_int_equal(fc_req(c, FUSE_READDIR, sub, &rd, sizeof(rd), NULL, NULL), 0);
			assert_true(c->len <= 16 + 512);
			if (c->len == 16)
				break;
			for (at = 16; at < c->len; at += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen)) {
				memcpy(&d, c->out + at, sizeof(d));
				seen++;
				rd.offset = d.off;
			}
			rounds++;
		}
		assert_int_equal(seen, 202);
		assert_true(rounds > 10);
	}
}

static void test_namespace_ops(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_mknod_in mk = { .mode = S_IFIFO | 0644 };
	struct fuse_rename2_in rn = { .newdir = ROOT };
	struct fuse_link_in ln;
	uint64_t d, a;
	char p[200];
	struct stat st;

	assert_int_equal(fc_req(c, FUSE_MKDIR, ROOT, &(struct fuse_mkdir_in){ 0750, 0 },
				sizeof(struct fuse_mkdir_in), "dir", NULL), 0);
	d = fc_lookup(c, ROOT, "dir", NULL);
	assert_true(S_ISDIR(fc_entry_attr(c).mode));
	assert_int_equal(fc_req(c, FUSE_MKNOD, d, &mk, sizeof(mk), "fifo", NULL), 0);
	assert_true(S_ISFIFO(fc_entry_attr(c).mode));
	mk.mode = S_IFREG | 0600;
	assert_int_equal(fc_req(c, FUSE_MKNOD, d, &mk, sizeof(mk), "reg", NULL), 0);
	mk.mode = S_IFCHR | 0600;
	assert_int_equal(fc_req(c, FUSE_MKNOD, d, &mk, sizeof(mk), "chr", NULL), -EPERM);
	mk.mode = S_IFBLK | 0600;
	assert_int_equal(fc_req(c, FUSE_MKNOD, d, &mk, sizeof(mk), "blk", NULL), -EPERM);
	mk.mode = S_IFSOCK | 0600;
	assert_int_equal(fc_req(c, FUSE_MKNOD, d, &mk, sizeof(mk), "sock", NULL), -EPERM);
	assert_int_equal(fc_req(c, FUSE_SYMLINK, d, NULL, 0, "ln", "../a.txt"), 0);
	assert_true(S_ISLNK(fc_entry_attr(c).mode));
	fc_path(c, p, sizeof(p), "dir/ln");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* RENAME, RENAME2 with NOREPLACE, and flags nobody knows. */
	assert_int_equal(fc_req(c, FUSE_RENAME, d, &rn, sizeof(struct fuse_rename_in), "reg",
				"moved"), 0);
	fc_path(c, p, sizeof(p), "moved");
	assert_int_equal(access(p, F_OK), 0);
	rn.flags = RENAME_NOREPLACE;
	assert_int_equal(fc_req(c, FUSE_RENAME2, ROOT, &rn, sizeof(rn), "moved", "a.txt"),
			 -EEXIST);
	rn.flags = 0x100;
	assert_int_equal(fc_req(c, FUSE_RENAME2, ROOT, &rn, sizeof(rn), "moved", "x"), -EINVAL);
	rn.flags = 0;
	rn.newdir = 0x1234500000009ull;
	assert_int_equal(fc_req(c, FUSE_RENAME2, ROOT, &rn, sizeof(rn), "moved", "x"), -ESTALE);
	/* LINK: the same file under a second name, the same node. */
	a = fc_lookup(c, ROOT, "a.txt", NULL);
	ln.oldnodeid = a;
	assert_int_equal(fc_req(c, FUSE_LINK, d, &ln, sizeof(ln), "hard", NULL), 0);
	assert_int_equal(fc_entry_attr(c).nlink, 2);
	ln.oldnodeid = d;
	assert_int_equal(fc_req(c, FUSE_LINK, ROOT, &ln, sizeof(ln), "dirlink", NULL), -EPERM);
	/* UNLINK, RMDIR. */
	assert_int_equal(fc_req(c, FUSE_RMDIR, ROOT, NULL, 0, "dir", NULL), -ENOTEMPTY);
	assert_int_equal(fc_req(c, FUSE_UNLINK, d, NULL, 0, "hard", NULL), 0);
	assert_int_equal(fc_req(c, FUSE_UNLINK, d, NULL, 0, "fifo", NULL), 0);
	assert_int_equal(fc_req(c, FUSE_UNLINK, d, NULL, 0, "ln", NULL), 0);
	assert_int_equal(fc_req(c, FUSE_RMDIR, ROOT, NULL, 0, "dir", NULL), 0);
	fc_path(c, p, sizeof(p), "dir");
	assert_int_equal(access(p, F_OK), -1);
	/* The node of a removed directory: its requests fail, nothing crashes. */
	assert_int_not_equal(fc_req(c, FUSE_MKDIR, d, &(struct fuse_mkdir_in){ 0755, 0 },
				    sizeof(struct fuse_mkdir_in), "again", NULL), 0);
}

static void test_attrs(void **state)
{
	struct fuse_client *c = *state;
	struct fuse_setattr_in sa = { .valid = FATTR_MODE | FATTR_SIZE | FATTR_MTIME,
				      .mode = 0600, .size = 5, .mtime = 1000000000 };
	struct fuse_attr_out ao;
	struct fuse_statfs_out sf;
	struct fuse_getxattr_out gx;
	uint64_t a = fc_lookup(c, ROOT, "a.txt", NULL);
	char p[200];
	struct stat st;

	assert_int_equal(fc_req(c, FUSE_SETATTR, a, &sa, sizeof(sa), NULL, NULL), 0);
	memcpy(&ao, BODY(c), sizeof(ao));
	assert_int_equal(ao.attr.mode & 07777, 0600);
	assert_int_equal(ao.attr.size, 5);
	assert_int_equal(ao.attr.mtime, 1000000000);
	fc_path(c, p, sizeof(p), "a.txt");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A truncate through a handle that is not one. */
	sa = (struct fuse_setattr_in){ .valid = FATTR_SIZE | FATTR_FH, .fh = 77, .size = 1 };
	assert_int_equal(fc_req(c, FUSE_SETATTR, a, &sa, sizeof(sa), NULL, NULL), -EBADF);
	assert_int_equal(fc_req(c, FUSE_STATFS, ROOT, NULL, 0, NULL, NULL), 0);
	memcpy(&sf, BODY(c), sizeof(sf));
	assert_true(sf.st.bsize > 0);
	assert_int_equal(fc_req(c, FUSE_ACCESS, a, &(struct fuse_access_in){ R_OK | W_OK },
				sizeof(struct fuse_access_in), NULL, NULL), 0);
	assert_int_equal(fc_req(c, FUSE_ACCESS, a, &(struct fuse_access_in){ 0x100 },
				sizeof(struct fuse_access_in), NULL, NULL), -EINVAL);
	/* No extended attributes are shown. */
	assert_int_equal(fc_req(c, FUSE_GETXATTR, a, &(struct fuse_getxattr_in){ 64 },
				sizeof(struct fuse_getxattr_in), "user.x", NULL), -ENODATA);
	assert_int_equal(fc_req(c, FUSE_GETXATTR, a, &(struct fuse_getxattr_in){ 64 },
				sizeof(struct fuse_getxattr_in), NULL, NULL), -EINVAL);
	assert_int_equal(fc_req(c, FUSE_LISTXATTR, a, &(struct fuse_getxattr_in){ 0 },
				sizeof(struct fuse_getxattr_in), NULL, NULL), 0);
	memcpy(&gx, BODY(c), sizeof(gx));
	assert_int_equal(gx.size, 0);
	assert_int_equal(fc_req(c, FUSE_LISTXATTR, a, &(struct fuse_getxattr_in){ 64 },
				sizeof(struct fuse_getxattr_in), NULL, NULL), 0);
	assert_int_equal(c->len, 16);
}

static void test_destroy(void **state)
{
	struct fuse_client *c = *state;
	uint64_t a = fc_lookup(c, ROOT, "a.txt", NULL);
	struct fuse_server_stats st;

	fc_open(c, FUSE_OPEN, a, O_RDONLY, NULL);
	assert_int_equal(fc_req(c, FUSE_DESTROY, 0, NULL, 0, NULL, NULL), 0);
	fuse_server_get_stats(c->s, &st);
	assert_int_equal(st.nodes, 1);
	assert_int_equal(st.handles, 0);
	/* Back to before INIT. */
	assert_int_equal(fc_lookup(c, ROOT, "a.txt", NULL), 0);
	fc_init(c);
	assert_int_not_equal(fc_lookup(c, ROOT, "a.txt", NULL), 0);
}

/* A read-only share: every modifying request gets EROFS and the host tree is unchanged. */
static void test_read_only(void **state)
{
	struct fuse_client *c = *state;
	uint64_t a = fc_lookup(c, ROOT, "a.txt", NULL), fh;
	struct fuse_setattr_in sa = { .valid = FATTR_MODE, .mode = 0777 };
	struct fuse_rename2_in rn = { .newdir = ROOT };
	struct fuse_link_in ln = { .oldnodeid = a };
	struct fuse_write_in wr = { .size = 4 };
	struct fuse_read_in rd = { .size = 100 };
	char p[200];
	int err;

	assert_int_equal(fc_req(c, FUSE_SETATTR, a, &sa, sizeof(sa), NULL, NULL), -EROFS);
	assert_int_equal(fc_req(c, FUSE_MKNOD, ROOT, &(struct fuse_mknod_in){ S_IFREG | 0644 },
				sizeof(struct fuse_mknod_in), "n", NULL), -EROFS);
	assert_int_equal(fc_req(c, FUSE_MKDIR, ROOT, &(struct fuse_mkdir_in){ 0755 },
				sizeof(struct fuse_mkdir_in), "n", NULL), -EROFS);
	assert_int_equal(fc_req(c, FUSE_SYMLINK, ROOT, NULL, 0, "n", "a.txt"), -EROFS);
	assert_int_equal(fc_req(c, FUSE_UNLINK, ROOT, NULL, 0, "a.txt", NULL), -EROFS);
	assert_int_equal(fc_req(c, FUSE_RMDIR, ROOT, NULL, 0, "sub", NULL), -EROFS);
	assert_int_equal(fc_req(c, FUSE_RENAME, ROOT, &rn, sizeof(struct fuse_rename_in), "a.txt",
				"b"), -EROFS);
	assert_int_equal(fc_req(c, FUSE_RENAME2, ROOT, &rn, sizeof(rn), "a.txt", "b"), -EROFS);
	assert_int_equal(fc_req(c, FUSE_LINK, ROOT, &ln, sizeof(ln), "b", NULL), -EROFS);
	assert_int_equal(fc_req(c, FUSE_CREATE, ROOT,
				&(struct fuse_create_in){ .flags = O_RDONLY, .mode = 0644 },
				sizeof(struct fuse_create_in), "n", NULL), -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, a, O_WRONLY, &err), 0);
	assert_int_equal(err, -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, a, O_RDWR, &err), 0);
	assert_int_equal(err, -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, a, O_RDONLY | O_TRUNC, &err), 0);
	assert_int_equal(err, -EROFS);
	assert_int_equal(fc_open(c, FUSE_OPEN, a, O_RDONLY | O_APPEND, &err), 0);
	assert_int_equal(err, -EROFS);
	assert_int_equal(fc_req(c, FUSE_ACCESS, a, &(struct fuse_access_in){ W_OK },
				sizeof(struct fuse_access_in), NULL, NULL), -EROFS);
	/* Reading still works; a write on a read handle is refused before the file sees it. */
	fh = fc_open(c, FUSE_OPEN, a, O_RDONLY, NULL);
	rd.fh = wr.fh = fh;
	assert_int_equal(fc_req(c, FUSE_READ, a, &rd, sizeof(rd), NULL, NULL), 0);
	assert_int_equal(c->len, 16 + 13);
	assert_int_equal(fc_req_data(c, FUSE_WRITE, a, &wr, sizeof(wr), NULL, NULL, "abcd", 4),
			 -EROFS);
	fc_path(c, p, sizeof(p), "n");
	assert_int_equal(access(p, F_OK), -1);
	fc_path(c, p, sizeof(p), "a.txt");
	{
		char buf[64] = "";
		FILE *f = fopen(p, "r");

		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, "hello, world\n");
	}
}

static void test_missing_dir(void **state)
{
	struct fuse_server *s = NULL;
	struct unit_capture cap;
	char p[200];

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(fuse_server_new("/nonexistent/share", false, &s), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	assert_null(s);
	assert_string_equal(cap.text, "vmm: share /nonexistent/share: No such file or directory\n");
	snprintf(p, sizeof(p), "/proc/self/exe");
	unit_capture_begin(&cap, 2);
	assert_int_equal(fuse_server_new(p, false, &s), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	assert_non_null(strstr(cap.text, "Not a directory"));
}

static void test_opts(void **state)
{
	struct fs_opts o;
	struct unit_capture cap;
	static const char *const bad[] = {
		"", ",tag=x", "/tmp", "/tmp,tag=", "/tmp,tag=a b", "/tmp,tag=x,tag=y",
		"/tmp,tag=x,ro,ro", "/tmp,tag=x,rw", "/tmp,tag=0123456789012345678901234567890123456",
	};
	unsigned int i;

	(void)state;
	assert_int_equal(fs_opts_parse("/srv/data,tag=data", &o), 0);
	assert_string_equal(o.dir, "/srv/data");
	assert_string_equal(o.tag, "data");
	assert_false(o.ro);
	assert_int_equal(fs_opts_parse("rel/dir,ro,tag=a-b_c.d:1", &o), 0);
	assert_string_equal(o.dir, "rel/dir");
	assert_string_equal(o.tag, "a-b_c.d:1");
	assert_true(o.ro);
	assert_int_equal(fs_opts_parse("/d,tag=012345678901234567890123456789012345", &o), 0);
	assert_int_equal(strlen(o.tag), 36);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_capture_begin(&cap, 2);
		assert_int_equal(fs_opts_parse(bad[i], &o), VMM_ERR_USAGE);
		unit_capture_end(&cap);
		assert_true(!strncmp(cap.text, "vmm: --share ", 13));
		/* One line. */
		assert_non_null(strchr(cap.text, '\n'));
		assert_int_equal(strchr(cap.text, '\n')[1], '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup_raw, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup_ro, teardown),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
