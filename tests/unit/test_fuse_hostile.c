// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hostile FUSE client against the virtio-fs device: raw requests put in
 * fake guest RAM by the fake driver and served by the device's own I/O
 * thread, trying every way out of a share - "..", names with '/', over-long
 * or unterminated names, symlinks (the guest's and the host's, absolute,
 * relative, /proc magic links) followed by every request that takes a
 * node, a directory swapped for a symlink during a walk, forged and stale
 * node ids and handles, lying lengths, unknown opcodes, and a read-only
 * share's modifying requests. Each test snapshots the host around the
 * share before and after (nothing outside is created, changed or
 * deleted), checks that no reply carries the outside file's marker
 * (nothing outside is read), and ends with a well-formed request that
 * must still be served.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "status.h"
#include "unit.h"
#include "virtio_fs.h"
#include "virtio_mmio.h"

#define REQQ VIRTIO_FS_QUEUE_REQUEST

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (4ull << 20)
#define HEAP_BASE (RAM_BASE + (1ull << 20))
#define QSIZE 256

#define MARKER "OUTSIDE-MARKER-7f3a"  /* the only content of files outside the share */
#define REQ_MAX 12288
#define REP_MAX 65536
#define NO_REPLY 1                    /* send(): the chain came back empty */

struct ffx {
	struct guest_mem gm;
	struct irq_line irq;
	atomic_int pulses;
	struct virtio_fs *fs;
	struct virtio_mmio *t;
	unsigned int nq;
	uint16_t avail_idx[2], used_seen[2], next_desc[2];
	uint64_t heap;
	uint64_t features;
	uint64_t unique;
	uint64_t req_gpa, rep_gpa;    /* one request in flight: its buffers are reused */
	char top[64], share[96], outside[96];
	char *before;                 /* the host around the share at setup */
	uint8_t rep[REP_MAX];         /* the last reply */
	uint32_t used;                /* its length */
};

#define FAKE_DRIVER_FIXTURE struct ffx
#include "fake_driver.h"

/* One raw request: hlen 0 means the true length; room is the writable buffer's size. */
struct rq {
	uint32_t op;
	uint64_t node;
	const void *arg;
	uint32_t alen;
	uint32_t hlen;
	uint32_t room;
	uint32_t dlen;          /* the readable buffer's length, when not 40 + alen */
};

/* Wait for the used entry of head, spinning (a thousand requests must not take seconds). */
static uint32_t wait_reply(struct ffx *f, uint16_t head)
{
	uint16_t *used = ram(f, qbase(REQQ) + 0x2000, 4 + 8 * QSIZE);
	uint32_t *elem;
	long i;

	for (i = 0; i < 20000000; i++) {
		if (__atomic_load_n(&used[1], __ATOMIC_ACQUIRE) != f->used_seen[REQQ])
			break;
		if (i > 1000)
			sched_yield();
	}
	assert_int_not_equal(__atomic_load_n(&used[1], __ATOMIC_ACQUIRE), f->used_seen[REQQ]);
	elem = (uint32_t *)(used + 2) + 2 * (f->used_seen[REQQ] % QSIZE);
	assert_int_equal((uint16_t)elem[0], head);
	f->used_seen[REQQ]++;
	return elem[1];
}

/*
 * Send q; return the reply's error (0 or -errno), or NO_REPLY. The reply
 * must be well formed (length as used, unique echoed) and must not carry
 * the outside marker.
 */
static int send(struct ffx *f, const struct rq *q)
{
	uint32_t len = (uint32_t)sizeof(struct fuse_in_header) + q->alen;
	struct fuse_in_header h = { .len = q->hlen ? q->hlen : len, .opcode = q->op,
				    .unique = ++f->unique, .nodeid = q->node };
	uint32_t room = q->room ? q->room : REP_MAX;
	struct fuse_out_header oh;
	struct seg s[2];
	uint16_t head;

	assert_true(len <= REQ_MAX);
	memcpy(ram(f, f->req_gpa, len), &h, sizeof(h));
	if (q->alen)
		memcpy(ram(f, f->req_gpa + sizeof(h), q->alen), q->arg, q->alen);
	memset(ram(f, f->rep_gpa, REP_MAX), 0xee, REP_MAX);
	s[0] = (struct seg){ f->req_gpa, q->dlen ? q->dlen : len, false };
	s[1] = (struct seg){ f->rep_gpa, room, true };
	head = post_kick(f, REQQ, s, 2);
	f->used = wait_reply(f, head);
	assert_true(f->used <= room);
	memcpy(f->rep, ram(f, f->rep_gpa, REP_MAX), REP_MAX);
	assert_null(memmem(f->rep, f->used, MARKER, strlen(MARKER)));
	assert_false(rd(f, STATUS) & S_NR);
	if (!f->used)
		return NO_REPLY;
	assert_true(f->used >= sizeof(oh));
	memcpy(&oh, f->rep, sizeof(oh));
	assert_int_equal(oh.len, f->used);
	assert_int_equal(oh.unique, h.unique);
	if (oh.error)
		assert_int_equal(f->used, sizeof(oh));
	return oh.error;
}

/* Send op with fixed arguments and up to two NUL-terminated names. */
static int req(struct ffx *f, uint32_t op, uint64_t node, const void *arg, uint32_t alen,
	       const char *n1, const char *n2)
{
	static uint8_t buf[REQ_MAX];
	uint32_t at = alen;

	if (alen)
		memcpy(buf, arg, alen);
	if (n1) {
		memcpy(buf + at, n1, strlen(n1) + 1);
		at += (uint32_t)strlen(n1) + 1;
	}
	if (n2) {
		memcpy(buf + at, n2, strlen(n2) + 1);
		at += (uint32_t)strlen(n2) + 1;
	}
	return send(f, &(struct rq){ .op = op, .node = node, .arg = buf, .alen = at });
}

static const void *body(struct ffx *f)
{
	return f->rep + sizeof(struct fuse_out_header);
}

static uint64_t lookup(struct ffx *f, uint64_t parent, const char *name, int *err)
{
	struct fuse_entry_out e;
	int r = req(f, FUSE_LOOKUP, parent, NULL, 0, name, NULL);

	if (err)
		*err = r;
	if (r)
		return 0;
	memcpy(&e, body(f), sizeof(e));
	return e.nodeid;
}

static uint64_t must_lookup(struct ffx *f, uint64_t parent, const char *name)
{
	int err;
	uint64_t id = lookup(f, parent, name, &err);

	assert_int_equal(err, 0);
	return id;
}

static uint64_t open_fh(struct ffx *f, uint32_t op, uint64_t node, uint32_t flags, int *err)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o;
	int r = req(f, op, node, &in, sizeof(in), NULL, NULL);

	*err = r;
	if (r)
		return 0;
	memcpy(&o, body(f), sizeof(o));
	return o.fh;
}

static void forget(struct ffx *f, uint64_t node, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };

	assert_int_equal(req(f, FUSE_FORGET, node, &in, sizeof(in), NULL, NULL), NO_REPLY);
}

static void do_init(struct ffx *f)
{
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 65536 };

	assert_int_equal(req(f, FUSE_INIT, 0, &in, sizeof(in), NULL, NULL), 0);
}

/* Everything in top but the share: names, kinds, modes, sizes, links, times; and the secret. */
static char *snapshot(struct ffx *f)
{
	char cmd[256], *buf = malloc(65536);
	size_t n;
	FILE *p;

	assert_non_null(buf);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -path ./share -prune -o -printf '%%p %%y %%m %%s %%n %%T@ %%C@\\n'"
		 " | sort && cat outside/secret",
		 f->top);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, 65535, p);
	buf[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

/* The host outside the share is as it was, and the device still serves a plain LOOKUP. */
static void check_unharmed(struct ffx *f)
{
	char *now = snapshot(f);
	uint64_t id;

	assert_string_equal(now, f->before);
	free(now);
	id = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	forget(f, id, 1);
}

static void host_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void host_symlink(struct ffx *f, const char *target, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", f->share, name);
	assert_int_equal(symlink(target, p), 0);
}

/*
 * top/share: a.txt, sub/, and the host's own symlinks out of it (absolute
 * and relative, to the outside directory and its file, a /proc magic
 * link); top/outside: secret and dir/.
 */
static int setup(void **state)
{
	struct ffx *f = calloc(1, sizeof(*f));
	struct fs_opts o = { .ro = *state != NULL };
	char p[256];

	assert_non_null(f);
	strcpy(f->top, "/tmp/vmm-fh-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	snprintf(f->share, sizeof(f->share), "%s/share", f->top);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->top);
	assert_int_equal(mkdir(f->share, 0755), 0);
	assert_int_equal(mkdir(f->outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/dir", f->outside);
	assert_int_equal(mkdir(p, 0755), 0);
	host_file(f->outside, "secret", MARKER "\n");
	host_file(f->outside, "dir/secret", MARKER "\n");
	/* A name that gives the outside away in any directory listing. */
	host_file(f->outside, MARKER "-name", MARKER "\n");
	host_file(f->share, "a.txt", "inside\n");
	snprintf(p, sizeof(p), "%s/sub", f->share);
	assert_int_equal(mkdir(p, 0755), 0);
	host_symlink(f, f->outside, "abs_dir");
	snprintf(p, sizeof(p), "%s/secret", f->outside);
	host_symlink(f, p, "abs_file");
	host_symlink(f, "../outside", "rel_dir");
	host_symlink(f, "../outside/secret", "rel_file");
	host_symlink(f, "/proc/self/root", "proc_root");
	host_symlink(f, "/proc/self/cwd", "proc_cwd");
	snprintf(o.dir, sizeof(o.dir), "%s", f->share);
	strcpy(o.tag, "hostile");
	assert_int_equal(gm_init(&f->gm, RAM_BASE, RAM_SIZE), 0);
	f->irq.pulse = fake_pulse;
	f->irq.ctx = f;
	f->nq = VIRTIO_FS_NUM_QUEUES;
	assert_int_equal(virtio_fs_new(&o, 0, &f->fs), 0);
	assert_int_equal(virtio_mmio_new(&virtio_fs_dev_ops, f->fs, VIRTIO_FS_NUM_QUEUES, QSIZE,
					 &f->irq, &f->gm, NULL, "virtio-fs", &f->t),
			 0);
	drv_init(f, ~0ull);
	f->req_gpa = alloc(f, REQ_MAX, 8);
	f->rep_gpa = alloc(f, REP_MAX, 8);
	f->before = snapshot(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct ffx *f = *state;
	char cmd[128];

	virtio_mmio_free(f->t);
	virtio_fs_free(f->fs);
	gm_destroy(&f->gm);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->top);
	assert_int_equal(system(cmd), 0);
	free(f->before);
	free(f);
	return 0;
}

/* The host's lstat of share/rel. */
static int share_lstat(struct ffx *f, const char *rel, struct stat *st)
{
	char p[512];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", f->share, rel) >= sizeof(p))
		return -1;
	return lstat(p, st);
}


/* Every request that takes a name, with the name name (as the new name where there are two). */
static void each_named_op(struct ffx *f, uint64_t dir, const char *name, uint64_t file)
{
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
	struct fuse_mknod_in mi = { .mode = S_IFREG | 0644 };
	struct fuse_mkdir_in di = { .mode = 0755 };
	struct fuse_link_in li = { .oldnodeid = file };
	struct fuse_rename_in ri = { .newdir = dir };
	struct fuse_rename2_in r2 = { .newdir = dir };

	assert_true(req(f, FUSE_LOOKUP, dir, NULL, 0, name, NULL) < 0);
	assert_true(req(f, FUSE_CREATE, dir, &ci, sizeof(ci), name, NULL) < 0);
	assert_true(req(f, FUSE_MKNOD, dir, &mi, sizeof(mi), name, NULL) < 0);
	assert_true(req(f, FUSE_MKDIR, dir, &di, sizeof(di), name, NULL) < 0);
	assert_true(req(f, FUSE_SYMLINK, dir, NULL, 0, name, "a.txt") < 0);
	assert_true(req(f, FUSE_LINK, dir, &li, sizeof(li), name, NULL) < 0);
	assert_true(req(f, FUSE_RENAME, dir, &ri, sizeof(ri), "a.txt", name) < 0);
	assert_true(req(f, FUSE_RENAME, dir, &ri, sizeof(ri), name, "moved") < 0);
	assert_true(req(f, FUSE_RENAME2, dir, &r2, sizeof(r2), "a.txt", name) < 0);
	assert_true(req(f, FUSE_RENAME2, dir, &r2, sizeof(r2), name, "moved") < 0);
	assert_true(req(f, FUSE_UNLINK, dir, NULL, 0, name, NULL) < 0);
	assert_true(req(f, FUSE_RMDIR, dir, NULL, 0, name, NULL) < 0);
}

static void test_names(void **state)
{
	struct ffx *f = *state;
	static const char *const bad[] = {
		"", ".", "..", "a/b", "../outside", "../outside/secret", "/", "/tmp", "sub/..",
		"sub/../../outside",
	};
	char longname[4100], *name255 = longname;
	struct fuse_create_in ci = { .flags = O_WRONLY, .mode = 0644 };
	uint64_t sub, file;
	struct stat st;
	unsigned int i;
	int err;

	do_init(f);
	sub = must_lookup(f, FUSE_ROOT_ID, "sub");
	file = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		each_named_op(f, FUSE_ROOT_ID, bad[i], file);
		each_named_op(f, sub, bad[i], file);
	}
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	each_named_op(f, FUSE_ROOT_ID, longname, file);       /* 4099 bytes */
	longname[256] = '\0';
	each_named_op(f, FUSE_ROOT_ID, longname, file);       /* 256 */
	assert_int_equal(req(f, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, longname, NULL), -ENAMETOOLONG);
	/* 255 bytes is a name: made inside the share. */
	longname[255] = '\0';
	assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), name255, NULL), 0);
	assert_int_equal(share_lstat(f, name255, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(req(f, FUSE_UNLINK, FUSE_ROOT_ID, NULL, 0, name255, NULL), 0);
	/* A name without its NUL, or cut by the header's length: EINVAL. */
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 5 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .hlen = 40 + 3 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_SYMLINK, .node = FUSE_ROOT_ID,
					       .arg = "l\0/etc/passwd", .alen = 13 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_RENAME, .node = FUSE_ROOT_ID,
					       .arg = "\1\0\0\0\0\0\0\0a.txt\0b", .alen = 15 }),
			 -EINVAL);
	assert_int_equal(share_lstat(f, "a.txt", &st), 0);
	/* A NUL before the header's length: the name ends there, and stays inside. */
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt\0../outside/secret", .alen = 24 }),
			 0);
	assert_int_equal(lookup(f, file, "x", &err), 0);
	assert_int_equal(err, -ENOTDIR);
	check_unharmed(f);
}

static struct virtio_fs_stats stats(struct ffx *f)
{
	struct virtio_fs_stats st;

	virtio_fs_get_stats(f->fs, &st);
	return st;
}

/* Everything a guest may do with a node that is a symlink out of the share. */
static void abuse_link(struct ffx *f, const char *name, unsigned int k)
{
	struct fuse_create_in ci = { .flags = O_RDWR | O_CREAT | O_TRUNC, .mode = 0666 };
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE };
	struct fuse_mkdir_in di = { .mode = 0777 };
	struct fuse_entry_out e;
	struct fuse_link_in li;
	struct fuse_rename_in ri = { .newdir = FUSE_ROOT_ID };
	struct fuse_access_in ai = { .mask = W_OK };
	char hard[64], victim[64];
	uint64_t id;
	struct stat st;
	int err;

	id = must_lookup(f, FUSE_ROOT_ID, name);
	memcpy(&e, body(f), sizeof(e));
	assert_true(S_ISLNK(e.attr.mode));
	assert_int_equal(lookup(f, id, "secret", &err), 0);
	assert_int_equal(err, -ENOTDIR);
	assert_int_equal(lookup(f, id, "dir", &err), 0);
	assert_true(err < 0);
	open_fh(f, FUSE_OPEN, id, O_RDONLY, &err);
	assert_true(err < 0);
	open_fh(f, FUSE_OPEN, id, O_RDWR | O_TRUNC, &err);
	assert_true(err < 0);
	open_fh(f, FUSE_OPENDIR, id, O_RDONLY, &err);
	assert_true(err < 0);
	assert_true(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), name, NULL) < 0);
	ci.flags = O_WRONLY | O_CREAT;
	assert_true(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), name, NULL) < 0);
	assert_true(req(f, FUSE_MKDIR, FUSE_ROOT_ID, &di, sizeof(di), name, NULL) < 0);
	assert_true(req(f, FUSE_SETATTR, id, &sa, sizeof(sa), NULL, NULL) < 0);
	sa.valid = FATTR_MODE;
	sa.mode = 0777;
	assert_true(req(f, FUSE_SETATTR, id, &sa, sizeof(sa), NULL, NULL) < 0);
	/* Times and ownership of the link itself: whatever the answer, nothing outside changes. */
	sa.valid = FATTR_MTIME | FATTR_ATIME | FATTR_UID | FATTR_GID;
	sa.uid = getuid();
	sa.gid = getgid();
	req(f, FUSE_SETATTR, id, &sa, sizeof(sa), NULL, NULL);
	req(f, FUSE_ACCESS, id, &ai, sizeof(ai), NULL, NULL);
	req(f, FUSE_GETATTR, id, &(struct fuse_getattr_in){ 0 }, sizeof(struct fuse_getattr_in),
	    NULL, NULL);
	req(f, FUSE_STATFS, id, NULL, 0, NULL, NULL);
	req(f, FUSE_GETXATTR, id, &(struct fuse_getxattr_in){ .size = 64 },
	    sizeof(struct fuse_getxattr_in), "user.x", NULL);
	/* A hard link to the node is a link to the symlink, never to its target. */
	snprintf(hard, sizeof(hard), "hard%u", k);
	li.oldnodeid = id;
	if (!req(f, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li), hard, NULL)) {
		assert_int_equal(share_lstat(f, hard, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
	}
	/* A file renamed onto the link replaces the link, inside. */
	snprintf(victim, sizeof(victim), "victim%u", k);
	ci.flags = O_WRONLY;
	ci.mode = 0644;
	assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), victim, NULL), 0);
	assert_int_equal(req(f, FUSE_RENAME, FUSE_ROOT_ID, &ri, sizeof(ri), victim, name), 0);
	assert_int_equal(share_lstat(f, name, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_symlinks(void **state)
{
	struct ffx *f = *state;
	static const char *const host[] = {
		"abs_dir", "abs_file", "rel_dir", "rel_file", "proc_root", "proc_cwd",
	};
	char target[160], name[32];
	const char *guest[6];
	unsigned int i;

	do_init(f);
	snprintf(target, sizeof(target), "%s/secret", f->outside);
	guest[0] = target;
	guest[1] = "../outside/secret";
	guest[2] = "../../../../../../../..";
	guest[3] = "/proc/self/root";
	guest[4] = "/proc/self/fd/3";
	guest[5] = "/proc/1/root/etc/passwd";
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		assert_int_equal(req(f, FUSE_SYMLINK, FUSE_ROOT_ID, NULL, 0, name, guest[i]), 0);
		abuse_link(f, name, i);
	}
	for (i = 0; i < sizeof(host) / sizeof(host[0]); i++)
		abuse_link(f, host[i], 10 + i);
	check_unharmed(f);
}

/*
 * Opening a FIFO blocks until the other end opens, a device node opens a
 * device: CREATE over an existing name that is no regular file must not
 * open it for real (the device thread would hang, and vmm could not stop).
 */
static void test_special_files(void **state)
{
	struct ffx *f = *state;
	struct fuse_create_in ci = { .flags = O_WRONLY, .mode = 0644 };
	struct fuse_mknod_in mi = { .mode = S_IFIFO | 0644 };
	static const uint32_t flags[] = { O_WRONLY, O_RDONLY, O_RDWR, O_WRONLY | O_TRUNC };
	char p[256];
	uint64_t id;
	unsigned int i;
	int err;

	snprintf(p, sizeof(p), "%s/fifo", f->share);
	assert_int_equal(mkfifo(p, 0644), 0);
	do_init(f);
	assert_int_equal(req(f, FUSE_MKNOD, FUSE_ROOT_ID, &mi, sizeof(mi), "gfifo", NULL), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ci.flags = flags[i];
		assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "fifo", NULL),
				 -ENXIO);
		assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "gfifo", NULL),
				 -ENXIO);
		id = must_lookup(f, FUSE_ROOT_ID, "fifo");
		open_fh(f, FUSE_OPEN, id, flags[i], &err);
		assert_int_equal(err, -ENXIO);
	}
	assert_int_equal(stats(f).handles, 0);
	check_unharmed(f);
}

struct swapper {
	char a[256], b[256];
	atomic_bool stop;
	atomic_long swaps;
};

static void *swap_loop(void *arg)
{
	struct swapper *w = arg;

	while (!atomic_load(&w->stop))
		if (!syscall(SYS_renameat2, AT_FDCWD, w->a, AT_FDCWD, w->b, 2 /* RENAME_EXCHANGE */))
			atomic_fetch_add(&w->swaps, 1);
	return NULL;
}

/*
 * share/d (a directory holding "secret" and "only-inside") and share/dl
 * (a symlink to the outside directory, which also holds "secret") trade
 * places all the time while the guest walks d/secret, opens and reads it,
 * creates beneath d and lists d: nothing outside may be opened, listed
 * or made.
 */
static void test_swap_race(void **state)
{
	struct ffx *f = *state;
	struct fuse_create_in ci = { .flags = O_WRONLY | O_EXCL, .mode = 0644 };
	struct fuse_read_in rd_in = { .size = 4096 };
	struct swapper w = { 0 };
	pthread_t th;
	uint64_t d, id, fh;
	char p[256], name[32];
	unsigned int i, walked = 0;
	int err;

	snprintf(p, sizeof(p), "%s/d", f->share);
	assert_int_equal(mkdir(p, 0755), 0);
	host_file(p, "secret", "inside\n");
	host_file(p, "only-inside", "inside\n");
	host_symlink(f, f->outside, "dl");
	snprintf(w.a, sizeof(w.a), "%s/d", f->share);
	snprintf(w.b, sizeof(w.b), "%s/dl", f->share);
	do_init(f);
	assert_int_equal(pthread_create(&th, NULL, swap_loop, &w), 0);
	for (i = 0; i < 1500; i++) {
		d = lookup(f, FUSE_ROOT_ID, "d", &err);
		if (!d)
			continue;
		id = lookup(f, d, "secret", &err);
		if (id) {
			walked++;
			fh = open_fh(f, FUSE_OPEN, id, O_RDONLY, &err);
			if (fh) {
				rd_in.fh = fh;
				assert_int_equal(req(f, FUSE_READ, id, &rd_in, sizeof(rd_in), NULL,
						     NULL), 0);
				assert_int_equal(f->used, 16 + 7);
				assert_memory_equal(body(f), "inside\n", 7);
				assert_int_equal(req(f, FUSE_RELEASE, id,
						     &(struct fuse_release_in){ .fh = fh },
						     sizeof(struct fuse_release_in), NULL, NULL), 0);
			}
			forget(f, id, 1);
		}
		snprintf(name, sizeof(name), "new%u", i);
		req(f, FUSE_CREATE, d, &ci, sizeof(ci), name, NULL);
		if (!(i % 8)) {
			/* A listing of d with entries (READDIRPLUS): the marker name must not show. */
			fh = open_fh(f, FUSE_OPENDIR, d, O_RDONLY, &err);
			if (fh) {
				rd_in.fh = fh;
				req(f, FUSE_READDIRPLUS, d, &rd_in, sizeof(rd_in), NULL, NULL);
				req(f, FUSE_RELEASEDIR, d, &(struct fuse_release_in){ .fh = fh },
				    sizeof(struct fuse_release_in), NULL, NULL);
			}
		}
		forget(f, d, ~0ull);
	}
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	assert_true(walked > 0);
	assert_true(atomic_load(&w.swaps) > 0);
	check_unharmed(f);
}

static int getattr(struct ffx *f, uint64_t node)
{
	return req(f, FUSE_GETATTR, node, &(struct fuse_getattr_in){ 0 },
		   sizeof(struct fuse_getattr_in), NULL, NULL);
}

static void test_forged_nodes(void **state)
{
	struct ffx *f = *state;
	static const uint64_t forged[] = {
		0, 2, 5, 65536, 65537, 0xffffffffull, 0x100000001ull, 0x100000002ull,
		0x7fffffffffffffffull, ~0ull, 0xffffffff00000001ull,
	};
	struct {
		struct fuse_batch_forget_in in;
		struct fuse_forget_one one[2];
	} bf;
	uint64_t id, id2, sub;
	unsigned int i;

	do_init(f);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		assert_int_equal(getattr(f, forged[i]), -ESTALE);
		assert_true(req(f, FUSE_LOOKUP, forged[i], NULL, 0, "a.txt", NULL) < 0);
		assert_true(req(f, FUSE_OPENDIR, forged[i], &(struct fuse_open_in){ 0 },
				sizeof(struct fuse_open_in), NULL, NULL) < 0);
		forget(f, forged[i], 1);
	}
	/* A forgotten node is stale, also once its slot holds another file. */
	id = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	forget(f, id, 1);
	assert_int_equal(getattr(f, id), -ESTALE);
	sub = must_lookup(f, FUSE_ROOT_ID, "sub");
	assert_int_not_equal(sub, id);
	assert_int_equal((uint32_t)sub, (uint32_t)id); /* same slot, new generation */
	assert_int_equal(getattr(f, id), -ESTALE);
	assert_true(req(f, FUSE_LOOKUP, id, NULL, 0, "x", NULL) < 0);
	/* The root survives any FORGET. */
	forget(f, FUSE_ROOT_ID, ~0ull);
	forget(f, FUSE_ROOT_ID, 1);
	assert_int_equal(getattr(f, FUSE_ROOT_ID), 0);
	/* A FORGET without its argument, or with a huge count. */
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_FORGET, .node = sub }), NO_REPLY);
	assert_int_equal(getattr(f, sub), 0);
	forget(f, sub, ~0ull);
	assert_int_equal(getattr(f, sub), -ESTALE);
	/* BATCH_FORGET claiming far more entries than it carries. */
	id = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	id2 = must_lookup(f, FUSE_ROOT_ID, "sub");
	bf.in = (struct fuse_batch_forget_in){ .count = 0xffffffffu };
	bf.one[0] = (struct fuse_forget_one){ .nodeid = id, .nlookup = 1 };
	bf.one[1] = (struct fuse_forget_one){ .nodeid = ~0ull, .nlookup = ~0ull };
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_BATCH_FORGET, .arg = &bf,
					       .alen = sizeof(bf.in) + sizeof(bf.one[0]) + 8 }),
			 NO_REPLY);
	assert_int_equal(getattr(f, id), -ESTALE);
	assert_int_equal(getattr(f, id2), 0);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_BATCH_FORGET, .arg = &bf, .alen = 4 }),
			 NO_REPLY);
	assert_int_equal(stats(f).nodes, 2);
	check_unharmed(f);
}

static void test_forged_handles(void **state)
{
	struct ffx *f = *state;
	struct fuse_read_in ri = { .size = 4096 };
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE | FATTR_FH };
	struct fuse_release_in rel = { 0 };
	struct {
		struct fuse_write_in in;
		char data[8];
	} wr_in = { .in = { .size = 8 }, .data = "xxxxxxx" };
	static const uint64_t forged[] = { 0, 7, 0x100000007ull, 0xffffffffull, ~0ull, 4097 };
	uint64_t file, fh, dfh, old;
	unsigned int i;
	int err;

	do_init(f);
	file = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		ri.fh = sa.fh = rel.fh = wr_in.in.fh = forged[i];
		assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), -EBADF);
		assert_int_equal(req(f, FUSE_READDIR, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, NULL),
				 -EBADF);
		assert_int_equal(req(f, FUSE_WRITE, file, &wr_in, sizeof(wr_in), NULL, NULL),
				 -EBADF);
		assert_int_equal(req(f, FUSE_SETATTR, file, &sa, sizeof(sa), NULL, NULL), -EBADF);
		assert_int_equal(req(f, FUSE_RELEASE, file, &rel, sizeof(rel), NULL, NULL), -EBADF);
		assert_int_equal(req(f, FUSE_RELEASEDIR, file, &rel, sizeof(rel), NULL, NULL),
				 -EBADF);
		assert_int_equal(req(f, FUSE_FLUSH, file, &(struct fuse_flush_in){ .fh = forged[i] },
				     sizeof(struct fuse_flush_in), NULL, NULL), -EBADF);
		assert_int_equal(req(f, FUSE_FSYNC, file, &(struct fuse_fsync_in){ .fh = forged[i] },
				     sizeof(struct fuse_fsync_in), NULL, NULL), -EBADF);
	}
	/* A handle of the other kind. */
	fh = open_fh(f, FUSE_OPEN, file, O_RDONLY, &err);
	assert_int_equal(err, 0);
	dfh = open_fh(f, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &err);
	assert_int_equal(err, 0);
	ri.fh = dfh;
	assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), -EBADF);
	ri.fh = fh;
	assert_int_equal(req(f, FUSE_READDIR, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, NULL), -EBADF);
	rel.fh = fh;
	assert_int_equal(req(f, FUSE_RELEASEDIR, file, &rel, sizeof(rel), NULL, NULL), -EBADF);
	/* A read-only handle does not write. */
	wr_in.in.fh = fh;
	assert_true(req(f, FUSE_WRITE, file, &wr_in, sizeof(wr_in), NULL, NULL) < 0);
	/* Huge sizes and offsets. */
	ri = (struct fuse_read_in){ .fh = fh, .size = 0xffffffffu };
	assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), 0);
	assert_int_equal(f->used, 16 + 7);
	ri.offset = 1ull << 40;
	assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), 0);
	assert_int_equal(f->used, 16);
	ri.offset = 0x7fffffffffffffffull; /* offset + size beyond what the host takes */
	assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), -EINVAL);
	ri.offset = ~0ull;
	assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), -EINVAL);
	ri.fh = dfh;
	assert_int_equal(req(f, FUSE_READDIR, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, NULL), -EINVAL);
	/* Released: stale. */
	old = fh;
	assert_int_equal(req(f, FUSE_RELEASE, file, &rel, sizeof(rel), NULL, NULL), 0);
	assert_int_equal(req(f, FUSE_RELEASE, file, &rel, sizeof(rel), NULL, NULL), -EBADF);
	fh = open_fh(f, FUSE_OPEN, file, O_RDWR, &err);
	assert_int_equal(err, 0);
	assert_int_not_equal(fh, old);
	ri = (struct fuse_read_in){ .fh = old, .size = 64 };
	assert_int_equal(req(f, FUSE_READ, file, &ri, sizeof(ri), NULL, NULL), -EBADF);
	/* WRITE lying about its size, or too big, or at an impossible offset. */
	wr_in.in = (struct fuse_write_in){ .fh = fh, .size = 9 };
	assert_int_equal(req(f, FUSE_WRITE, file, &wr_in, sizeof(wr_in), NULL, NULL), -EINVAL);
	wr_in.in.size = 7;
	assert_int_equal(req(f, FUSE_WRITE, file, &wr_in, sizeof(wr_in), NULL, NULL), -EINVAL);
	wr_in.in = (struct fuse_write_in){ .fh = fh, .size = 8, .offset = ~0ull };
	assert_int_equal(req(f, FUSE_WRITE, file, &wr_in, sizeof(wr_in), NULL, NULL), -EINVAL);
	wr_in.in = (struct fuse_write_in){ .fh = fh, .size = 0xfffffff0u };
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_WRITE, .node = file, .arg = &wr_in,
					       .alen = sizeof(wr_in), .hlen = 0x10000000u }),
			 -EINVAL);
	assert_int_equal(stats(f).handles, 2);
	check_unharmed(f);
}

/* Lengths that lie, replies that do not fit, opcodes nobody knows. */
static void test_lengths_opcodes(void **state)
{
	struct ffx *f = *state;
	static const uint32_t unknown[] = { 0, 7, 19, 52, 100, 4096, 0x7fffffff, 0xffffffff };
	static const uint32_t enosys[] = {
		FUSE_GETLK, FUSE_SETLK, FUSE_SETLKW, FUSE_INTERRUPT, FUSE_BMAP, FUSE_IOCTL,
		FUSE_POLL, FUSE_NOTIFY_REPLY, FUSE_LSEEK, FUSE_SETUPMAPPING, FUSE_REMOVEMAPPING,
		FUSE_SYNCFS, FUSE_SETXATTR, FUSE_REMOVEXATTR, FUSE_FALLOCATE,
		FUSE_COPY_FILE_RANGE, FUSE_TMPFILE,
	};
	static uint8_t big[9000]; /* beyond FUSE_ARGS_MAX */
	struct fuse_init_in init = { .major = 7, .minor = 31 };
	struct fuse_create_in ci = { .flags = O_WRONLY, .mode = 0644 };
	struct fuse_read_in ri = { .size = 4096 };
	struct virtio_fs_stats st0;
	uint64_t file;
	unsigned int i;
	int err;

	/* Before INIT: EIO for everything but INIT. */
	assert_int_equal(getattr(f, FUSE_ROOT_ID), -EIO);
	assert_int_equal(req(f, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "a.txt", NULL), -EIO);
	assert_int_equal(req(f, FUSE_INIT, 0, &init, 8, NULL, NULL), -EINVAL);
	init.major = 6;
	assert_int_equal(req(f, FUSE_INIT, 0, &init, sizeof(init), NULL, NULL), -EPROTO);
	do_init(f);
	do_init(f); /* INIT twice: answered again, nothing lost */
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(req(f, unknown[i], FUSE_ROOT_ID, NULL, 0, NULL, NULL), -ENOSYS);
	for (i = 0; i < sizeof(enosys) / sizeof(enosys[0]); i++)
		assert_int_equal(req(f, enosys[i], FUSE_ROOT_ID, big, 64, NULL, NULL), -ENOSYS);
	/* The header's length lying both ways, and requests cut short. */
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .hlen = 1u << 30 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .hlen = 47 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .hlen = 39 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_GETATTR, .node = FUSE_ROOT_ID,
					       .hlen = 1 }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .dlen = 20 }),
			 NO_REPLY);
	memset(big, 'y', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = big, .alen = sizeof(big) }),
			 -EINVAL);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_SYMLINK, .node = FUSE_ROOT_ID,
					       .arg = big, .alen = sizeof(big) }),
			 -EINVAL);
	/* Fixed arguments cut short. */
	assert_int_equal(req(f, FUSE_OPEN, FUSE_ROOT_ID, big, 4, NULL, NULL), -EINVAL);
	assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, 8, NULL, NULL), -EINVAL);
	assert_int_equal(req(f, FUSE_SETATTR, FUSE_ROOT_ID, big, 16, NULL, NULL), -EINVAL);
	assert_int_equal(req(f, FUSE_LINK, FUSE_ROOT_ID, big, 4, NULL, NULL), -EINVAL);
	assert_int_equal(req(f, FUSE_RENAME2, FUSE_ROOT_ID, big, 12, NULL, NULL), -EINVAL);
	/* Replies that do not fit the writable buffer: an error, and nothing held for them. */
	st0 = stats(f);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .room = 20 }),
			 -ERANGE);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_LOOKUP, .node = FUSE_ROOT_ID,
					       .arg = "a.txt", .alen = 6, .room = 8 }),
			 NO_REPLY);
	assert_int_equal(stats(f).nodes, st0.nodes);
	file = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_OPEN, .node = file,
					       .arg = &(struct fuse_open_in){ 0 },
					       .alen = sizeof(struct fuse_open_in), .room = 24 }),
			 -ERANGE);
	assert_int_equal(stats(f).handles, st0.handles);
	memcpy(big, &ci, sizeof(ci));
	memcpy(big + sizeof(ci), "made\0", 5);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_CREATE, .node = FUSE_ROOT_ID, .arg = big,
					       .alen = sizeof(ci) + 5, .room = 64 }),
			 -ERANGE);
	assert_int_equal(stats(f).handles, st0.handles);
	assert_int_equal(stats(f).nodes, st0.nodes + 1);
	ri.fh = open_fh(f, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &err);
	assert_int_equal(err, 0);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_READDIRPLUS, .node = FUSE_ROOT_ID,
					       .arg = &ri, .alen = sizeof(ri), .room = 100 }),
			 0);
	assert_int_equal(f->used, 16);
	assert_int_equal(stats(f).nodes, st0.nodes + 1);
	ri.fh = open_fh(f, FUSE_OPEN, file, O_RDONLY, &err);
	assert_int_equal(send(f, &(struct rq){ .op = FUSE_READ, .node = file, .arg = &ri,
					       .alen = sizeof(ri), .room = 16 }),
			 0);
	assert_int_equal(f->used, 16);
	check_unharmed(f);
}

static char *share_snapshot(struct ffx *f)
{
	char cmd[256], *buf = malloc(65536);
	size_t n;
	FILE *p;

	assert_non_null(buf);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -printf '%%p %%y %%m %%s %%n %%T@ %%C@\\n' | sort && cat a.txt",
		 f->share);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, 65535, p);
	buf[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

/* A read-only share: every request that would change something gets EROFS, and nothing changes. */
static void test_read_only(void **state)
{
	struct ffx *f = *state;
	static const uint32_t open_wr[] = {
		O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_APPEND, O_WRONLY | O_CREAT,
	};
	static const uint32_t attrs[] = {
		FATTR_SIZE, FATTR_MODE, FATTR_UID | FATTR_GID, FATTR_ATIME, FATTR_MTIME_NOW,
		FATTR_SIZE | FATTR_FH,
	};
	/* Modifying requests vmm does not implement: EROFS on a read-only share all the same. */
	static const uint32_t unimplemented[] = {
		FUSE_SETXATTR, FUSE_REMOVEXATTR, FUSE_FALLOCATE, FUSE_COPY_FILE_RANGE, FUSE_TMPFILE,
	};
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
	struct fuse_mknod_in mi = { .mode = S_IFREG | 0644 };
	struct fuse_mkdir_in di = { .mode = 0755 };
	struct fuse_rename_in ri = { .newdir = FUSE_ROOT_ID };
	struct fuse_rename2_in r2 = { .newdir = FUSE_ROOT_ID };
	struct fuse_setattr_in sa = { .size = 0, .mode = 0777 };
	struct fuse_access_in ai = { .mask = W_OK };
	struct {
		struct fuse_write_in in;
		char data[4];
	} wr_in = { .in = { .size = 4 }, .data = "xxx" };
	uint8_t args[64] = { 0 };
	char *before = share_snapshot(f), *after;
	struct fuse_link_in li;
	uint64_t file, fh;
	unsigned int i;
	int err;

	do_init(f);
	file = must_lookup(f, FUSE_ROOT_ID, "a.txt");
	li.oldnodeid = file;
	fh = open_fh(f, FUSE_OPEN, file, O_RDONLY, &err);
	assert_int_equal(err, 0);
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		sa.valid = attrs[i];
		sa.fh = fh;
		assert_int_equal(req(f, FUSE_SETATTR, file, &sa, sizeof(sa), NULL, NULL), -EROFS);
	}
	assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "new", NULL), -EROFS);
	ci.flags = O_RDONLY;
	assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "new", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "a.txt", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_MKNOD, FUSE_ROOT_ID, &mi, sizeof(mi), "new", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_MKDIR, FUSE_ROOT_ID, &di, sizeof(di), "new", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_UNLINK, FUSE_ROOT_ID, NULL, 0, "a.txt", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_RMDIR, FUSE_ROOT_ID, NULL, 0, "sub", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_RENAME, FUSE_ROOT_ID, &ri, sizeof(ri), "a.txt", "b"), -EROFS);
	assert_int_equal(req(f, FUSE_RENAME2, FUSE_ROOT_ID, &r2, sizeof(r2), "a.txt", "b"), -EROFS);
	r2.flags = 2; /* RENAME_EXCHANGE */
	assert_int_equal(req(f, FUSE_RENAME2, FUSE_ROOT_ID, &r2, sizeof(r2), "a.txt", "sub"),
			 -EROFS);
	assert_int_equal(req(f, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li), "b", NULL), -EROFS);
	assert_int_equal(req(f, FUSE_SYMLINK, FUSE_ROOT_ID, NULL, 0, "b", "a.txt"), -EROFS);
	wr_in.in.fh = fh;
	assert_int_equal(req(f, FUSE_WRITE, file, &wr_in, sizeof(wr_in), NULL, NULL), -EROFS);
	for (i = 0; i < sizeof(open_wr) / sizeof(open_wr[0]); i++) {
		open_fh(f, FUSE_OPEN, file, open_wr[i], &err);
		assert_int_equal(err, -EROFS);
	}
	assert_int_equal(req(f, FUSE_ACCESS, file, &ai, sizeof(ai), NULL, NULL), -EROFS);
	for (i = 0; i < sizeof(unimplemented) / sizeof(unimplemented[0]); i++)
		assert_int_equal(req(f, unimplemented[i], file, args, sizeof(args), "user.x", NULL),
				 -EROFS);
	/* Reading goes on. */
	assert_int_equal(req(f, FUSE_READ, file,
			     &(struct fuse_read_in){ .fh = fh, .size = 64 },
			     sizeof(struct fuse_read_in), NULL, NULL), 0);
	assert_int_equal(f->used, 16 + 7);
	after = share_snapshot(f);
	assert_string_equal(after, before);
	free(after);
	free(before);
	check_unharmed(f);
}

int main(void)
{
	static bool ro = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_special_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lengths_opcodes, setup, teardown),
		cmocka_unit_test_prestate_setup_teardown(test_read_only, setup, teardown, &ro),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
