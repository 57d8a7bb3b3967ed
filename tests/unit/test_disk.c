// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for disk images: the --disk option, opening and locking, and
 * every backend doing the same requests on a temporary file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <libaio.h>
#include <liburing.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "disk.h"
#include "log.h"
#include "status.h"
#include "unit.h"

/* Make the asynchronous backends unavailable on demand, as on old hosts. */
static int fail_uring, fail_aio;

int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
	static int (*real)(unsigned, struct io_uring *, unsigned);

	if (fail_uring)
		return -ENOSYS;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "io_uring_queue_init");
	return real(entries, ring, flags);
}

int io_setup(int nr, io_context_t *ctx)
{
	static int (*real)(int, io_context_t *);

	if (fail_aio)
		return -EAGAIN;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "io_setup");
	return real(nr, ctx);
}

/* --- option parsing ------------------------------------------------------ */

static void test_opts_defaults(void **state)
{
	struct disk_opts o;

	(void)state;
	assert_int_equal(disk_opts_parse("rootfs.img", &o), 0);
	assert_string_equal(o.path, "rootfs.img");
	assert_false(o.ro);
	assert_false(o.direct);
	assert_int_equal(o.io, DISK_IO_URING);
	assert_string_equal(o.serial, "");
	assert_int_equal(o.queues, 0);
}

static void test_opts_all(void **state)
{
	struct disk_opts o;

	(void)state;
	assert_int_equal(disk_opts_parse("/x/y.img,ro,direct,io=aio,serial=ABC-123,queues=4", &o),
			 0);
	assert_string_equal(o.path, "/x/y.img");
	assert_true(o.ro);
	assert_true(o.direct);
	assert_int_equal(o.io, DISK_IO_AIO);
	assert_string_equal(o.serial, "ABC-123");
	assert_int_equal(o.queues, 4);
	assert_int_equal(disk_opts_parse("a,io=sync,serial=12345678901234567890,queues=16", &o),
			 0);
	assert_int_equal(o.io, DISK_IO_SYNC);
	assert_string_equal(o.serial, "12345678901234567890");
	assert_int_equal(o.queues, 16);
	assert_int_equal(disk_opts_parse("a,io=io_uring", &o), 0);
	assert_int_equal(o.io, DISK_IO_URING);
	assert_string_equal(disk_io_name(DISK_IO_AIO), "aio");
}

static void expect_usage(const char *spec, const char *line)
{
	struct unit_capture cap;
	struct disk_opts o;
	int ret;

	unit_capture_begin(&cap, 2);
	ret = disk_opts_parse(spec, &o);
	unit_capture_end(&cap);
	assert_int_equal(ret, VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, line);
}

static void test_opts_bad(void **state)
{
	(void)state;
	expect_usage("a,rw", "--disk a,rw: unknown option 'rw'");
	expect_usage("a,ro=1", "--disk a,ro=1: option 'ro' takes no value");
	expect_usage("a,foo=bar", "--disk a,foo=bar: unknown option 'foo=bar'");
	expect_usage("a,", "--disk a,: unknown option ''");
	expect_usage("", "--disk : no image path");
	expect_usage(",ro", "--disk ,ro: no image path");
	expect_usage("a,io=posix",
		     "--disk a,io=posix: io must be io_uring, aio or sync, not 'posix'");
	expect_usage("a,serial=123456789012345678901",
		     "--disk a,serial=123456789012345678901: serial is longer than 20 bytes");
	expect_usage("a,queues=0", "--disk a,queues=0: queues must be 1 to 16, not '0'");
	expect_usage("a,queues=17", "--disk a,queues=17: queues must be 1 to 16, not '17'");
	expect_usage("a,queues=2x", "--disk a,queues=2x: queues must be 1 to 16, not '2x'");
	expect_usage("a,queues=", "--disk a,queues=: queues must be 1 to 16, not ''");
	expect_usage("a,queues=-1", "--disk a,queues=-1: queues must be 1 to 16, not '-1'");
}

/* snapshot: writable, so not ro; through the page cache; synchronous. */
static void test_opts_snapshot(void **state)
{
	struct disk_opts o;

	(void)state;
	assert_int_equal(disk_opts_parse("a.img,snapshot", &o), 0);
	assert_true(o.snapshot);
	assert_false(o.ro);
	assert_int_equal(o.io, DISK_IO_SYNC);
	assert_int_equal(disk_opts_parse("a.img,io=sync,snapshot,queues=2", &o), 0);
	assert_true(o.snapshot);
	assert_int_equal(o.queues, 2);
	expect_usage("a,snapshot,ro", "--disk a,snapshot,ro: option 'snapshot' cannot go with 'ro'");
	expect_usage("a,direct,snapshot",
		     "--disk a,direct,snapshot: option 'snapshot' cannot go with 'direct'");
	expect_usage("a,snapshot,io=aio",
		     "--disk a,snapshot,io=aio: a snapshot disk does its I/O with io=sync, not 'aio'");
	expect_usage("a,io=io_uring,snapshot", "--disk a,io=io_uring,snapshot: a snapshot disk does "
		     "its I/O with io=sync, not 'io_uring'");
	expect_usage("a,snapshot,snapshot", "--disk a,snapshot,snapshot: duplicate option 'snapshot'");
	expect_usage("a,snapshot=1", "--disk a,snapshot=1: option 'snapshot' takes no value");
}

/* Issue #15: --disk items are parsed as --network's are. */
static void test_opts_like_network(void **state)
{
	(void)state;
	expect_usage("a,ro,ro", "--disk a,ro,ro: duplicate option 'ro'");
	expect_usage("a,direct,ro,direct", "--disk a,direct,ro,direct: duplicate option 'direct'");
	expect_usage("a,io=aio,io=sync", "--disk a,io=aio,io=sync: duplicate option 'io'");
	expect_usage("a,serial=A,serial=B", "--disk a,serial=A,serial=B: duplicate option 'serial'");
	expect_usage("a,queues=1,queues=2", "--disk a,queues=1,queues=2: duplicate option 'queues'");
	expect_usage("a,io", "--disk a,io: option 'io' needs a value (io=...)");
	expect_usage("a,serial", "--disk a,serial: option 'serial' needs a value (serial=...)");
	expect_usage("a,queues", "--disk a,queues: option 'queues' needs a value (queues=...)");
	expect_usage("a,direct=yes", "--disk a,direct=yes: option 'direct' takes no value");
	expect_usage("a,queues=+2", "--disk a,queues=+2: queues must be 1 to 16, not '+2'");
	expect_usage("a,queues= 2", "--disk a,queues= 2: queues must be 1 to 16, not ' 2'");
	expect_usage("a,queues=0x2", "--disk a,queues=0x2: queues must be 1 to 16, not '0x2'");
	expect_usage("a,queues=99999999999999999999999",
		     "--disk a,queues=99999999999999999999999: queues must be 1 to 16, not "
		     "'99999999999999999999999'");
}

/* --- opening ------------------------------------------------------------- */

struct fx {
	char dir[64];
	char path[128];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	unit_mkdtemp(f->dir, sizeof(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/disk.img", f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	unit_rmtree(f->dir);
	free(f);
	return 0;
}

static void make_image(const char *path, size_t size)
{
	char *buf = malloc(size ? size : 1);
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = (char)(i * 7 + i / 512);
	unit_write_file(path, buf, size);
	free(buf);
}

static void opts_for(struct disk_opts *o, const char *path, bool ro)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->ro = ro;
}

/* Open expecting failure; returns the captured line. */
static int open_fails(const struct disk_opts *o, struct unit_capture *cap)
{
	struct disk *d = NULL;
	int ret;

	unit_capture_begin(cap, 2);
	ret = disk_open(o, &d);
	unit_capture_end(cap);
	assert_null(d);
	return ret;
}

static void test_open_missing(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct disk_opts o;
	char want[256];

	opts_for(&o, f->path, false);
	assert_int_equal(open_fails(&o, &cap), VMM_ERR_INPUT);
	snprintf(want, sizeof(want), "disk %s: No such file or directory", f->path);
	unit_assert_one_line(cap.text, want);
}

static void test_open_directory(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct disk_opts o;
	char want[256];

	opts_for(&o, f->dir, true);
	assert_int_equal(open_fails(&o, &cap), VMM_ERR_INPUT);
	snprintf(want, sizeof(want), "disk %s: Is a directory", f->dir);
	unit_assert_one_line(cap.text, want);
	opts_for(&o, f->dir, false);
	assert_int_equal(open_fails(&o, &cap), VMM_ERR_INPUT);
	unit_assert_one_line(cap.text, want);
	opts_for(&o, "/dev/null", false);
	assert_int_equal(open_fails(&o, &cap), VMM_ERR_INPUT);
	unit_assert_one_line(cap.text, "disk /dev/null: not a regular file or block device");
}

/*
 * Issue #15: what disk_open() refuses without opening is told by
 * disk_opts_check() before /dev/kvm is opened, in the same words and with
 * the same status (3); a usable image passes and is left untouched.
 */
static void test_check_before_kvm(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct disk_opts o;
	char want[256];

	opts_for(&o, f->path, false);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_opts_check(&o), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	snprintf(want, sizeof(want), "disk %s: No such file or directory", f->path);
	unit_assert_one_line(cap.text, want);

	opts_for(&o, f->dir, true);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_opts_check(&o), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	snprintf(want, sizeof(want), "disk %s: Is a directory", f->dir);
	unit_assert_one_line(cap.text, want);

	opts_for(&o, "/dev/null", true);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_opts_check(&o), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "disk /dev/null: not a regular file or block device");

	make_image(f->path, 4096);
	opts_for(&o, f->path, false);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_opts_check(&o), 0);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
}

/*
 * Permission: root may write anything, so the open runs in a child that
 * has become nobody first.
 */
static void test_open_unwritable(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct disk_opts o;
	char want[256];
	int status;
	pid_t pid;

	make_image(f->path, 4096);
	assert_int_equal(chmod(f->path, 0444), 0);
	assert_int_equal(chmod(f->dir, 0755), 0);
	unit_capture_begin(&cap, 2);
	pid = fork();
	if (pid == 0) {
		struct disk *d = NULL;
		int ret;

		if (geteuid() == 0 && setresuid(65534, 65534, 65534))
			_exit(100);
		opts_for(&o, f->path, false);
		ret = disk_open(&o, &d);
		if (ret != VMM_ERR_INPUT)
			_exit(101);
		opts_for(&o, f->path, true);
		ret = disk_open(&o, &d);
		if (ret != 0)
			_exit(102);
		disk_close(d);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unit_capture_end(&cap);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(want, sizeof(want),
		 "disk %s: Permission denied (EACCES; add ,ro to use it read-only)", f->path);
	unit_assert_one_line(cap.text, want);
}

static void test_lock(void **state)
{
	struct fx *f = *state;
	struct disk *a = NULL, *b = NULL, *c = NULL;
	struct unit_capture cap;
	struct disk_opts rw, ro;
	char want[256];
	int fds = unit_open_fds();

	make_image(f->path, 8192);
	opts_for(&rw, f->path, false);
	opts_for(&ro, f->path, true);
	snprintf(want, sizeof(want), "disk %s: in use by another vmm, or given twice (locked)", f->path);

	/* rw excludes everyone. */
	assert_int_equal(disk_open(&rw, &a), 0);
	assert_int_equal(open_fails(&rw, &cap), VMM_ERR_INPUT);
	unit_assert_one_line(cap.text, want);
	assert_int_equal(open_fails(&ro, &cap), VMM_ERR_INPUT);
	unit_assert_one_line(cap.text, want);
	disk_close(a);

	/* Any number of readers, but then no writer. */
	assert_int_equal(disk_open(&ro, &b), 0);
	assert_int_equal(disk_open(&ro, &c), 0);
	assert_int_equal(open_fails(&rw, &cap), VMM_ERR_INPUT);
	unit_assert_one_line(cap.text, want);
	disk_close(b);
	disk_close(c);

	/* Closing dropped the locks. */
	assert_int_equal(disk_open(&rw, &a), 0);
	assert_true(disk_get_info(a)->size == 8192);
	assert_false(disk_get_info(a)->ro);
	assert_false(disk_get_info(a)->blockdev);
	assert_int_equal(disk_get_info(a)->block_size, 512);
	disk_close(a);
	disk_close(NULL);
	assert_int_equal(unit_open_fds(), fds);
}

static void test_odd_size(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct disk_opts o;
	struct disk *d = NULL;
	char want[256];

	make_image(f->path, 1000);
	opts_for(&o, f->path, true);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_open(&o, &d), 0);
	unit_capture_end(&cap);
	snprintf(want, sizeof(want),
		 "warning: disk %s: size 1000 is not a multiple of 512; the last 488 bytes are "
		 "not visible to the guest",
		 f->path);
	unit_assert_one_line(cap.text, want);
	assert_true(disk_get_info(d)->size == 512);
	assert_true(disk_get_info(d)->ro);
	disk_close(d);

	/* Smaller than a sector: an empty disk, still usable. */
	make_image(f->path, 100);
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_open(&o, &d), 0);
	unit_capture_end(&cap);
	assert_true(disk_get_info(d)->size == 0);
	disk_close(d);
}

static void test_fallback(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct disk_opts o;
	struct disk_queue *q;
	struct disk *d;
	char want[512];
	char buf[512];
	struct iovec iov = { buf, sizeof(buf) };
	struct disk_req r = { .op = DISK_READ, .len = 512, .iov = &iov, .iovcnt = 1 };

	make_image(f->path, 4096);
	opts_for(&o, f->path, false);
	assert_int_equal(disk_open(&o, &d), 0);
	log_verbosity = 1;
	fail_uring = 1;
	unit_capture_begin(&cap, 2);
	q = NULL;
	assert_int_equal(disk_queue_new(d, 8, DISK_IO_URING, &q), 0);
	unit_capture_end(&cap);
	assert_non_null(q);
	assert_int_equal(disk_queue_backend(q), DISK_IO_AIO);
	snprintf(want, sizeof(want), "disk %s: io_uring unavailable (Function not implemented), "
		 "trying aio", f->path);
	unit_assert_one_line(cap.text, want);
	disk_queue_free(q);

	fail_aio = 1;
	unit_capture_begin(&cap, 2);
	assert_int_equal(disk_queue_new(d, 8, DISK_IO_URING, &q), 0);
	unit_capture_end(&cap);
	assert_int_equal(disk_queue_backend(q), DISK_IO_SYNC);
	assert_int_equal(unit_count_lines(cap.text), 2);
	assert_non_null(strstr(cap.text, "aio unavailable (Resource temporarily unavailable), "
					 "trying sync"));
	/* It works, of course. */
	disk_submit(q, &r);
	disk_commit(q);
	assert_ptr_equal(disk_reap(q, false), &r);
	assert_int_equal(r.result, 0);
	assert_int_equal((uint8_t)buf[1], 7);
	disk_queue_free(q);
	fail_uring = fail_aio = 0;
	log_verbosity = 0;
	disk_close(d);
}

/* --- requests, once per backend ----------------------------------------- */

#define IMG_SIZE (1u << 20)

static const enum disk_io io_uring_p = DISK_IO_URING, io_aio_p = DISK_IO_AIO,
			  io_sync_p = DISK_IO_SYNC;

struct bfx {
	struct fx f;
	enum disk_io io;
	struct disk *d;
	struct disk_queue *q;
};

static int bfx_open(void **state, bool ro, bool direct)
{
	const enum disk_io *io = *state;
	struct bfx *b = calloc(1, sizeof(*b));
	struct disk_opts o;

	unit_mkdtemp(b->f.dir, sizeof(b->f.dir));
	snprintf(b->f.path, sizeof(b->f.path), "%s/disk.img", b->f.dir);
	make_image(b->f.path, IMG_SIZE);
	b->io = *io;
	opts_for(&o, b->f.path, ro);
	o.direct = direct;
	if (disk_open(&o, &b->d))
		return -1;
	if (disk_queue_new(b->d, 16, b->io, &b->q))
		return -1;
	*state = b;
	return 0;
}

static int bfx_setup(void **state)
{
	return bfx_open(state, false, false);
}

static int bfx_setup_ro(void **state)
{
	return bfx_open(state, true, false);
}

static int bfx_setup_direct(void **state)
{
	return bfx_open(state, false, true);
}

static int bfx_teardown(void **state)
{
	struct bfx *b = *state;

	disk_queue_free(b->q);
	disk_close(b->d);
	unit_rmtree(b->f.dir);
	free(b);
	return 0;
}

/* Submit one request and wait for it; returns its result. */
static int run(struct bfx *b, struct disk_req *r)
{
	struct disk_req *done;

	disk_submit(b->q, r);
	disk_commit(b->q);
	done = disk_reap(b->q, true);
	assert_ptr_equal(done, r);
	assert_null(done->next);
	assert_int_equal(disk_inflight(b->q), 0);
	return r->result;
}

static int rw(struct bfx *b, enum disk_op op, uint64_t off, struct iovec *iov, unsigned int n)
{
	struct disk_req r = { .op = op, .offset = off, .iov = iov, .iovcnt = n };
	unsigned int i;

	for (i = 0; i < n; i++)
		r.len += iov[i].iov_len;
	return run(b, &r);
}

static int simple(struct bfx *b, enum disk_op op, uint64_t off, uint64_t len, unsigned int flags)
{
	struct disk_req r = { .op = op, .offset = off, .len = len, .flags = flags };

	return run(b, &r);
}

static void test_backend_chosen(void **state)
{
	struct bfx *b = *state;

	/* This host has io_uring and aio; no silent fallback here. */
	assert_int_equal(disk_queue_backend(b->q), b->io);
	if (b->io == DISK_IO_SYNC)
		assert_int_equal(disk_queue_fd(b->q), -1);
	else
		assert_true(disk_queue_fd(b->q) >= 0);
}

static void test_read_write(void **state)
{
	struct bfx *b = *state;
	static char a[1024], c[512], back[1536], orig[512];
	struct iovec w[2] = { { a, sizeof(a) }, { c, sizeof(c) } };
	struct iovec r[1] = { { back, sizeof(back) } };
	struct iovec o[1] = { { orig, sizeof(orig) } };
	size_t i;

	/* What make_image() wrote comes back. */
	assert_int_equal(rw(b, DISK_READ, 4096, o, 1), 0);
	for (i = 0; i < sizeof(orig); i++)
		assert_int_equal((uint8_t)orig[i], (uint8_t)((4096 + i) * 7 + (4096 + i) / 512));

	memset(a, 0xa5, sizeof(a));
	memset(c, 0x5a, sizeof(c));
	assert_int_equal(rw(b, DISK_WRITE, 8192, w, 2), 0);
	assert_int_equal(rw(b, DISK_READ, 8192, r, 1), 0);
	assert_memory_equal(back, a, sizeof(a));
	assert_memory_equal(back + sizeof(a), c, sizeof(c));
	assert_int_equal(simple(b, DISK_FLUSH, 0, 0, 0), 0);

	/* The last sector of the disk is reachable. */
	assert_int_equal(rw(b, DISK_WRITE, IMG_SIZE - 512, w + 1, 1), 0);
	assert_int_equal(rw(b, DISK_READ, IMG_SIZE - 512, o, 1), 0);
	assert_memory_equal(orig, c, 512);
}

/* A batch: several requests, one commit, all come back. */
static void test_batch(void **state)
{
	struct bfx *b = *state;
	static char buf[8][512];
	struct iovec iov[8];
	struct disk_req r[8], *done;
	unsigned int i, n = 0;

	for (i = 0; i < 8; i++) {
		memset(buf[i], 'a' + (int)i, 512);
		iov[i].iov_base = buf[i];
		iov[i].iov_len = 512;
		r[i] = (struct disk_req){ .op = DISK_WRITE, .offset = i * 512ull, .len = 512,
					  .iov = &iov[i], .iovcnt = 1 };
		disk_submit(b->q, &r[i]);
	}
	disk_commit(b->q);
	while (n < 8) {
		done = disk_reap(b->q, true);
		assert_non_null(done);
		for (; done; done = done->next, n++)
			assert_int_equal(done->result, 0);
	}
	assert_int_equal(disk_inflight(b->q), 0);
	for (i = 0; i < 8; i++) {
		memset(buf[i], 0, 512);
		assert_int_equal(rw(b, DISK_READ, i * 512ull, &iov[i], 1), 0);
		assert_int_equal(buf[i][0], 'a' + (int)i);
		assert_int_equal(buf[i][511], 'a' + (int)i);
	}
	/* Nothing in flight: reap neither blocks nor returns anything. */
	assert_null(disk_reap(b->q, true));
}

static blkcnt_t blocks(struct bfx *b)
{
	struct stat st;

	assert_int_equal(stat(b->f.path, &st), 0);
	return st.st_blocks;
}

static void test_discard(void **state)
{
	struct bfx *b = *state;
	static char buf[65536];
	struct iovec iov = { buf, sizeof(buf) };
	blkcnt_t before = blocks(b);

	assert_int_equal(simple(b, DISK_DISCARD, 65536, 262144, 0), 0);
	assert_int_equal(simple(b, DISK_FLUSH, 0, 0, 0), 0);
	/* 256 KiB freed is 512 blocks of 512 bytes. */
	assert_true(blocks(b) <= before - 512);
	/* A file keeps its size; a zero-length discard is fine. */
	assert_int_equal(simple(b, DISK_DISCARD, 0, 0, 0), 0);
	assert_true(disk_get_info(b->d)->size == IMG_SIZE);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(rw(b, DISK_READ, 65536, &iov, 1), 0);
	/* (A punched hole in a file reads as zeroes, though discard does not promise it.) */
	assert_int_equal(buf[0], 0);
}

static void test_write_zeroes(void **state)
{
	struct bfx *b = *state;
	static char buf[131072], zero[131072];
	struct iovec iov = { buf, sizeof(buf) };
	blkcnt_t before = blocks(b);

	/* Without UNMAP: zeroes, space stays allocated (ZERO_RANGE). */
	assert_int_equal(simple(b, DISK_WRITE_ZEROES, 131072, 131072, 0), 0);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(rw(b, DISK_READ, 131072, &iov, 1), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	/* With UNMAP: zeroes, space freed (PUNCH_HOLE). */
	assert_int_equal(simple(b, DISK_WRITE_ZEROES, 262144, 131072, DISK_F_UNMAP), 0);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(rw(b, DISK_READ, 262144, &iov, 1), 0);
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_true(blocks(b) <= before - 256);
	/* Neighbours untouched. */
	assert_int_equal(rw(b, DISK_READ, 0, &iov, 1), 0);
	assert_int_equal((uint8_t)buf[1], 7);
}

static void test_ro(void **state)
{
	struct bfx *b = *state;
	static char buf[512];
	struct iovec iov = { buf, sizeof(buf) };

	assert_int_equal(rw(b, DISK_READ, 0, &iov, 1), 0);
	assert_int_equal(rw(b, DISK_WRITE, 0, &iov, 1), -EROFS);
	assert_int_equal(simple(b, DISK_DISCARD, 0, 512, 0), -EROFS);
	assert_int_equal(simple(b, DISK_WRITE_ZEROES, 0, 512, 0), -EROFS);
	assert_int_equal(simple(b, DISK_FLUSH, 0, 0, 0), 0);
}

/* O_DIRECT with buffers at odd addresses goes through a bounce buffer. */
static void test_direct_bounce(void **state)
{
	struct bfx *b = *state;
	char *mem = aligned_alloc(4096, 3 * 4096);
	char *odd = mem + 3; /* deliberately misaligned */
	struct iovec w[2] = { { odd, 1024 }, { mem + 8192, 4096 } };
	struct iovec r[1] = { { mem + 4096 + 1, 5120 - 4096 } };
	char *back = malloc(5120);
	struct iovec rb[2] = { { back, 4096 + 1 }, { back + 4097, 1023 } };
	size_t i;

	assert_true(disk_get_info(b->d)->direct);
	for (i = 0; i < 1024; i++)
		odd[i] = (char)(i * 3);
	memset(mem + 8192, 0x77, 4096);
	assert_int_equal(rw(b, DISK_WRITE, 4096, w, 2), 0);
	assert_int_equal(rw(b, DISK_READ, 4096, r, 1), 0);
	assert_memory_equal(mem + 4097, odd, 1024);
	/* Aligned buffers go straight through. */
	assert_int_equal(rw(b, DISK_READ, 4096, &w[1], 1), 0);
	assert_int_equal((uint8_t)mem[8192], (uint8_t)0);
	assert_int_equal(rw(b, DISK_READ, 4096, rb, 2), 0);
	for (i = 0; i < 1024; i++)
		assert_int_equal(back[i], (char)(i * 3));
	assert_int_equal((uint8_t)back[1024], 0x77);
	assert_int_equal((uint8_t)back[5119], 0x77);
	assert_int_equal(simple(b, DISK_FLUSH, 0, 0, 0), 0);
	assert_int_equal(simple(b, DISK_WRITE_ZEROES, 4096, 4096, 0), 0);
	assert_int_equal(rw(b, DISK_READ, 4096, rb, 2), 0);
	assert_int_equal(back[100], 0);
	assert_int_equal(back[4095], 0);
	assert_int_equal((uint8_t)back[4096], 0x77);
	free(back);
	free(mem);
}

/* Reads past the end of the file (it shrank under us) fail, they do not hang. */
static void test_shrunk(void **state)
{
	struct bfx *b = *state;
	static char buf[4096];
	struct iovec iov = { buf, sizeof(buf) };

	assert_int_equal(truncate(b->f.path, 4096 + 1024), 0);
	assert_int_equal(rw(b, DISK_READ, 4096, &iov, 1), -EIO);
}

/*
 * A hostile guest's unaligned direct requests cannot make vmm allocate
 * without bound: 24 segments on the same unaligned MiB are one 24 MiB
 * request (over the budget: done in DISK_BOUNCE_CHUNK pieces), and three
 * 8 MiB ones in flight keep at most DISK_BOUNCE_BUDGET bounced.
 */
static void test_direct_budget(void **state)
{
	struct bfx *b = *state;
	enum { SEGS = 24, MIB = 1 << 20 };
	char *mem = aligned_alloc(4096, 2 * MIB), *odd = mem + 5;
	char *back = aligned_alloc(4096, MIB);
	struct iovec w[SEGS], rb = { back, MIB };
	struct disk_req r[3], *done;
	struct iovec big[3][8];
	unsigned int i, j, n;

	for (i = 0; i < MIB; i++)
		odd[i] = (char)(i * 7 + i / 4096);
	for (i = 0; i < SEGS; i++)
		w[i] = (struct iovec){ odd, MIB };
	assert_int_equal(rw(b, DISK_WRITE, 0, w, SEGS), 0);
	assert_int_equal(b->q->bounce_bytes, 0);
	for (i = 0; i < SEGS; i += 7) {
		assert_int_equal(rw(b, DISK_READ, (uint64_t)i * MIB, &rb, 1), 0);
		assert_memory_equal(back, odd, MIB);
	}
	/* Reads into unaligned memory over the budget land right too. */
	memset(mem, 0, 2 * MIB);
	for (i = 0; i < SEGS; i++)
		w[i] = (struct iovec){ mem + 3, MIB };
	assert_int_equal(rw(b, DISK_READ, 0, w, SEGS), 0);
	assert_memory_equal(mem + 3, back, MIB);

	for (i = 0; i < 3; i++) {
		for (j = 0; j < 8; j++)
			big[i][j] = (struct iovec){ mem + 1, MIB };
		r[i] = (struct disk_req){ .op = DISK_READ, .offset = (uint64_t)i * 8 * MIB,
					  .len = 8ull * MIB, .iov = big[i], .iovcnt = 8 };
		disk_submit(b->q, &r[i]);
		assert_true(b->q->bounce_bytes <= DISK_BOUNCE_BUDGET);
	}
	disk_commit(b->q);
	for (n = 0; n < 3;)
		for (done = disk_reap(b->q, true); done; done = done->next, n++)
			assert_int_equal(done->result, 0);
	assert_int_equal(b->q->bounce_bytes, 0);
	free(back);
	free(mem);
}

int main(void)
{
/* Each backend's run of a test carries the backend in its name. */
#define B(f, s, io) { #f "/" #io, f, s, bfx_teardown, (void *)&io_##io##_p }
#define EACH_S(f, s) B(f, s, uring), B(f, s, aio), B(f, s, sync)
#define EACH(f) EACH_S(f, bfx_setup)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_defaults),
		cmocka_unit_test(test_opts_all),
		cmocka_unit_test(test_opts_bad),
		cmocka_unit_test(test_opts_like_network),
		cmocka_unit_test(test_opts_snapshot),
		cmocka_unit_test_setup_teardown(test_open_missing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_directory, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_check_before_kvm, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_unwritable, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_odd_size, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fallback, fx_setup, fx_teardown),
		EACH(test_backend_chosen),
		EACH(test_read_write),
		EACH(test_batch),
		EACH(test_discard),
		EACH(test_write_zeroes),
		EACH(test_shrunk),
		EACH_S(test_ro, bfx_setup_ro),
		EACH_S(test_direct_bounce, bfx_setup_direct),
		EACH_S(test_direct_budget, bfx_setup_direct),
	};
#undef B
#undef EACH
#undef EACH_S

	return cmocka_run_group_tests_name("disk", tests, NULL, NULL);
}
