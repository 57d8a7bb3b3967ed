// SPDX-License-Identifier: GPL-2.0-only
/*
 * The node table beyond the open-file limit (devices/fuse_int.h): with
 * RLIMIT_NOFILE at 128 (soft and hard, so vmm cannot raise it), a guest
 * holds thousands of nodes, each still naming its own file (same node id,
 * same inode) after its descriptor was dropped and reopened; renames
 * through vmm are followed; a file replaced or moved on the host behind
 * vmm's back, or a directory swapped for a symlink out of the share,
 * gives ESTALE and never another file; FORGET-heavy rounds leak neither
 * nodes nor descriptors. A binary of its own: the limit stays lowered.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sys/resource.h>

#include "devices/fuse_int.h"
#include "fuse_client.h"
#include "status.h"
#include "unit.h"

#define ROOT FUSE_ROOT_ID
#define NOFILE 128
#define DIRS 20
#define FILES 100 /* per directory: 2000 files, 16 times the limit */

struct held {
	uint64_t id;
	ino_t ino;
};

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the DIR's own */
}

static void host_tree(struct fuse_client *c)
{
	char p[256];
	int i, j;

	fc_path(c, p, sizeof(p), "t");
	assert_int_equal(mkdir(p, 0755), 0);
	for (i = 0; i < DIRS; i++) {
		snprintf(p, sizeof(p), "%s/t/d%02d", c->share, i);
		assert_int_equal(mkdir(p, 0755), 0);
		for (j = 0; j < FILES; j++) {
			snprintf(p, sizeof(p), "%s/t/d%02d/f%03d", c->share, i, j);
			fc_write_file(p, p + strlen(c->share));
		}
	}
}

static ino_t host_ino(struct fuse_client *c, const char *rel)
{
	struct stat st;
	char p[256];

	fc_path(c, p, sizeof(p), rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_ino;
}

/* GETATTR of a held node: 0 and the inode, or the error. */
static int getattr_ino(struct fuse_client *c, uint64_t id, ino_t *ino)
{
	struct fuse_attr_out o;
	int err = fc_req(c, FUSE_GETATTR, id, &(struct fuse_getattr_in){ 0 },
			 sizeof(struct fuse_getattr_in), NULL, NULL);

	if (!err) {
		memcpy(&o, c->out + sizeof(struct fuse_out_header), sizeof(o));
		*ino = o.attr.ino;
	}
	return err;
}

static void forget(struct fuse_client *c, uint64_t id, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };

	fc_req(c, FUSE_FORGET, id, &in, sizeof(in), NULL, NULL);
}

/* Look up every file of the tree, as a `find` does: the dirs' ids in dirs, the files' in files. */
static void walk(struct fuse_client *c, uint64_t *t, struct held *dirs, struct held *files)
{
	char name[16], rel[64];
	int i, j, err;

	*t = fc_lookup(c, ROOT, "t", &err);
	assert_int_equal(err, 0);
	for (i = 0; i < DIRS; i++) {
		snprintf(name, sizeof(name), "d%02d", i);
		dirs[i].id = fc_lookup(c, *t, name, &err);
		assert_int_equal(err, 0);
		dirs[i].ino = fc_entry_attr(c).ino;
		for (j = 0; j < FILES; j++) {
			snprintf(name, sizeof(name), "f%03d", j);
			files[i * FILES + j].id = fc_lookup(c, dirs[i].id, name, &err);
			assert_int_equal(err, 0);
			files[i * FILES + j].ino = fc_entry_attr(c).ino;
			snprintf(rel, sizeof(rel), "t/d%02d/f%03d", i, j);
			assert_int_equal(files[i * FILES + j].ino, host_ino(c, rel));
		}
	}
}

static void test_beyond_limit(void **state)
{
	static struct held dirs[DIRS], files[DIRS * FILES];
	struct fuse_client *c = *state;
	struct fuse_server_stats st;
	struct fuse_read_in rd = { .size = 64 };
	uint64_t t, fh;
	char want[32];
	ino_t ino;
	int i, err, base = open_fds();

	walk(c, &t, dirs, files);
	fuse_server_get_stats(c->s, &st);
	assert_int_equal(st.nodes, 1 + 1 + DIRS + DIRS * FILES);
	assert_true(open_fds() < NOFILE);
	/* Every node still names its file: reopened beneath its parent, the same inode. */
	for (i = 0; i < DIRS * FILES; i++) {
		assert_int_equal(getattr_ino(c, files[i].id, &ino), 0);
		assert_int_equal(ino, files[i].ino);
	}
	for (i = DIRS * FILES - 1; i >= 0; i -= 37) {
		fh = fc_open(c, FUSE_OPEN, files[i].id, O_RDONLY, &err);
		assert_int_equal(err, 0);
		rd.fh = fh;
		assert_int_equal(fc_req(c, FUSE_READ, files[i].id, &rd, sizeof(rd), NULL, NULL), 0);
		snprintf(want, sizeof(want), "/t/d%02d/f%03d", i / FILES, i % FILES);
		assert_int_equal(c->len, 16 + strlen(want));
		assert_memory_equal(c->out + 16, want, strlen(want));
		assert_int_equal(fc_req(c, FUSE_RELEASE, files[i].id,
					&(struct fuse_release_in){ .fh = fh },
					sizeof(struct fuse_release_in), NULL, NULL), 0);
	}
	assert_true(open_fds() < NOFILE);
	/* Everything forgotten: nothing held, the descriptors back. */
	for (i = 0; i < DIRS * FILES; i++)
		forget(c, files[i].id, 1);
	for (i = 0; i < DIRS; i++)
		forget(c, dirs[i].id, 1);
	forget(c, t, 1);
	fuse_server_get_stats(c->s, &st);
	assert_int_equal(st.nodes, 1);
	assert_int_equal(open_fds(), base);
}

/* Lookups and FORGETs in every order, many rounds: no node and no descriptor leaks. */
static void test_forget_heavy(void **state)
{
	static struct held dirs[DIRS], files[DIRS * FILES];
	struct fuse_client *c = *state;
	struct fuse_server_stats st;
	int round, i, base = open_fds();
	uint64_t t;
	ino_t ino;

	for (round = 0; round < 4; round++) {
		walk(c, &t, dirs, files);
		walk(c, &t, dirs, files); /* twice: counts of 2 */
		/* Parents first this time: they stay as ancestors while their files are held. */
		forget(c, t, 2);
		for (i = 0; i < DIRS; i++)
			forget(c, dirs[i].id, round & 1 ? ~0ull : 2);
		for (i = 0; i < DIRS * FILES; i += 3) {
			assert_int_equal(getattr_ino(c, files[i].id, &ino), 0);
			assert_int_equal(ino, files[i].ino);
		}
		assert_int_equal(getattr_ino(c, dirs[0].id, &ino), -ESTALE);
		for (i = 0; i < DIRS * FILES; i++) {
			forget(c, files[i].id, 1);
			forget(c, files[i].id, 1);
		}
		fuse_server_get_stats(c->s, &st);
		assert_int_equal(st.nodes, 1);
		assert_int_equal(open_fds(), base);
	}
}

/* Renames through vmm are followed; changes behind its back give ESTALE, never another file. */
static void test_moved(void **state)
{
	static struct held dirs[DIRS], files[DIRS * FILES];
	struct fuse_client *c = *state;
	struct fuse_rename_in rn;
	char a[256], b[256], target[160];
	uint64_t t, d3;
	ino_t ino;
	int i, err;

	walk(c, &t, dirs, files);
	/* Through vmm: d00/f000 to d01/moved, and the directory d04 to t/e04. */
	rn.newdir = dirs[1].id;
	assert_int_equal(fc_req(c, FUSE_RENAME, dirs[0].id, &rn, sizeof(rn), "f000", "moved"), 0);
	rn.newdir = t;
	assert_int_equal(fc_req(c, FUSE_RENAME, t, &rn, sizeof(rn), "d04", "e04"), 0);
	/* Behind vmm's back: d02/f000 renamed, d02/f001 replaced, d03 swapped for a symlink out. */
	snprintf(a, sizeof(a), "%s/t/d02/f000", c->share);
	snprintf(b, sizeof(b), "%s/t/d02/zzz", c->share);
	assert_int_equal(rename(a, b), 0);
	/* (Made before the old one goes: a file system may give a new file a freed inode number.) */
	snprintf(a, sizeof(a), "%s/t/d02/new", c->share);
	fc_write_file(a, "another file\n");
	snprintf(b, sizeof(b), "%s/t/d02/f001", c->share);
	assert_int_equal(rename(a, b), 0);
	snprintf(a, sizeof(a), "%s/t/d03", c->share);
	snprintf(b, sizeof(b), "%s/t/x03", c->share);
	assert_int_equal(rename(a, b), 0);
	snprintf(a, sizeof(a), "%s/t/d03", c->share);
	snprintf(target, sizeof(target), "%s/d03", c->outside);
	assert_int_equal(mkdir(target, 0755), 0);
	snprintf(b, sizeof(b), "%s/f005", target);
	fc_write_file(b, "outside\n");
	assert_int_equal(symlink(target, a), 0);
	/* Drop every descriptor: touch all other nodes (16 times the limit). */
	for (i = DIRS * FILES - 1; i >= 5 * FILES; i--)
		assert_int_equal(getattr_ino(c, files[i].id, &ino), 0);
	assert_int_equal(getattr_ino(c, files[0].id, &ino), 0);
	assert_int_equal(ino, files[0].ino);
	for (i = 4 * FILES; i < 5 * FILES; i++) {
		assert_int_equal(getattr_ino(c, files[i].id, &ino), 0);
		assert_int_equal(ino, files[i].ino);
	}
	assert_int_equal(getattr_ino(c, files[2 * FILES].id, &ino), -ESTALE);
	assert_int_equal(getattr_ino(c, files[2 * FILES + 1].id, &ino), -ESTALE);
	assert_int_equal(getattr_ino(c, files[2 * FILES + 2].id, &ino), 0);
	/* d03's files: the directory node itself was dropped, so d03 is walked by name: a symlink, refused. */
	for (i = 3 * FILES; i < 4 * FILES; i++) {
		err = getattr_ino(c, files[i].id, &ino);
		if (!err)
			assert_int_equal(ino, files[i].ino); /* only ever the file it was */
		else
			assert_int_equal(err, -ESTALE);
	}
	assert_int_equal(getattr_ino(c, files[3 * FILES + 5].id, &ino), -ESTALE);
	/* A new lookup of d03 finds the symlink, which leads nowhere on the host. */
	d3 = fc_lookup(c, t, "d03", &err);
	assert_int_equal(err, 0);
	assert_true(S_ISLNK(fc_entry_attr(c).mode));
	assert_int_equal(fc_lookup(c, d3, "f005", &err), 0);
	assert_int_equal(err, -ENOTDIR);
}

/*
 * The cache believing it may keep every descriptor (as when other shares
 * or open handles took the limit meanwhile): the opens that fail with
 * EMFILE shrink it, and every lookup and open still succeeds.
 */
static void test_pressure(void **state)
{
	static struct held dirs[DIRS], files[DIRS * FILES];
	struct fuse_client *c = *state;
	uint64_t t, fh[40];
	ino_t ino;
	int i, err;

	c->s->fd_cap = FUSE_MAX_NODES;
	walk(c, &t, dirs, files);
	assert_true(c->s->fd_cap < NOFILE);
	/* Open handles take descriptors from the nodes: still no EMFILE. */
	for (i = 0; i < 40; i++) {
		fh[i] = fc_open(c, FUSE_OPEN, files[i * 50].id, O_RDONLY, &err);
		assert_int_equal(err, 0);
	}
	for (i = 0; i < DIRS * FILES; i++) {
		assert_int_equal(getattr_ino(c, files[i].id, &ino), 0);
		assert_int_equal(ino, files[i].ino);
	}
	for (i = 0; i < 40; i++)
		assert_int_equal(fc_req(c, FUSE_RELEASE, files[i * 50].id,
					&(struct fuse_release_in){ .fh = fh[i] },
					sizeof(struct fuse_release_in), NULL, NULL), 0);
}

static int setup(void **state)
{
	struct fuse_client *c = fc_new(false);

	host_tree(c);
	fc_init(c);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	fc_free(*state);
	return 0;
}

int main(void)
{
	struct rlimit rl = { NOFILE, NOFILE };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_beyond_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_heavy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pressure, setup, teardown),
	};

	/* Hard too: the server raises its soft limit to the hard one. */
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("setrlimit");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
