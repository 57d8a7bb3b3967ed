// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the sandbox (vmm/sandbox.c), natively: the filters build,
 * and in a forked child that confined itself an allowed call works while a
 * forbidden one ends the child with VMM_SANDBOX and one line naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fuse_client.h"

#include "config.h"
#include "dev_thread.h"
#include "sandbox.h"
#include "status.h"

/* What a child did: its exit status (-1: not a plain exit) and its stderr. */
struct child {
	int status;
	char err[512];
};

/* Run fn in a child named comm, with stderr into c->err. */
static void in_child(struct child *c, const char *comm, void (*fn)(void))
{
	int p[2], ws;
	ssize_t n, got = 0;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		fn();
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], c->err + got, sizeof(c->err) - 1 - (size_t)got)) > 0)
		got += n;
	close(p[0]);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	c->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void *nothing(void *arg)
{
	return arg;
}

/*
 * As in vmm, a thread has started before the sandbox goes on: the C
 * library's first pthread_create() installs its own signal handlers, which
 * only the main thread's filter allows.
 */
static void confine(enum sandbox_kind kind)
{
	pthread_t t;

	if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
		_exit(99);
	if (sandbox_build(NULL, 0) || sandbox_install(kind))
		_exit(100);
}

/* The filters build, and each kind allows more than the one it contains. */
static void test_builds(void **state)
{
	unsigned int s[SANDBOX_KINDS], io[SANDBOX_KINDS];
	int k;

	(void)state;
	assert_int_equal(sandbox_build(NULL, 0), VMM_OK);
	for (k = 0; k < SANDBOX_KINDS; k++) {
		sandbox_counts((enum sandbox_kind)k, &s[k], &io[k]);
		assert_true(s[k] > 10);
		assert_true(io[k] > 0);
	}
	assert_true(s[SANDBOX_DEVICE] < s[SANDBOX_VCPU]);
	assert_true(s[SANDBOX_VCPU] < s[SANDBOX_MAIN]);
	assert_true(io[SANDBOX_DEVICE] < io[SANDBOX_VCPU]);
	assert_true(io[SANDBOX_VCPU] < io[SANDBOX_MAIN]);
	assert_false(sandbox_active());
}

/* The arch's ioctls go into their kind and the wider ones. */
static void test_extra_ioctls(void **state)
{
	static const struct sandbox_ioctl extra[] = {
		{ 0xae80, SANDBOX_VCPU },
		{ 0xae81, SANDBOX_MAIN },
	};
	unsigned int s0, io0, s1, io1, s2, io2;

	(void)state;
	assert_int_equal(sandbox_build(NULL, 0), VMM_OK);
	sandbox_counts(SANDBOX_DEVICE, &s0, &io0);
	sandbox_counts(SANDBOX_VCPU, &s1, &io1);
	sandbox_counts(SANDBOX_MAIN, &s2, &io2);
	assert_int_equal(sandbox_build(extra, 2), VMM_OK);
	sandbox_counts(SANDBOX_DEVICE, &s0, &s1);
	assert_int_equal(s1, io0);
	sandbox_counts(SANDBOX_VCPU, &s0, &s1);
	assert_int_equal(s1, io1 + 1);
	sandbox_counts(SANDBOX_MAIN, &s0, &s1);
	assert_int_equal(s1, io2 + 2);
}

static void allowed_io(void)
{
	uint64_t v = 7, back = 0;
	int fd = eventfd(0, EFD_CLOEXEC);
	void *p;

	confine(SANDBOX_DEVICE);
	if (write(fd, &v, sizeof(v)) != sizeof(v) || read(fd, &back, sizeof(back)) != sizeof(back))
		_exit(101);
	if (back != 7)
		_exit(102);
	/* malloc's arenas: plain mappings are fine */
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 1 << 20))
		_exit(103);
	/* an allowed ioctl request on a non-terminal: ENOTTY, not SIGSYS */
	if (ioctl(fd, TCGETS, &back) == 0 || errno != ENOTTY)
		_exit(104);
	if (!sandbox_active())
		_exit(105);
}

static void test_allowed(void **state)
{
	struct child c;

	(void)state;
	in_child(&c, "blk0-q0", allowed_io);
	assert_string_equal(c.err, "");
	assert_int_equal(c.status, 0);
}

static void forbidden_openat(void)
{
	confine(SANDBOX_DEVICE);
	syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY);
	_exit(0);
}

/* One line naming the call and the thread, and the sandbox's status. */
static void test_forbidden_openat(void **state)
{
	char want[128];
	struct child c;

	(void)state;
	in_child(&c, "blk0-q0", forbidden_openat);
	snprintf(want, sizeof(want),
		 "vmm: sandbox: forbidden system call openat (%d) in thread blk0-q0\n", SYS_openat);
	assert_string_equal(c.err, want);
	assert_int_equal(c.status, VMM_SANDBOX);
}

static void forbidden_ioctl(void)
{
	struct winsize ws;

	confine(SANDBOX_DEVICE);
	/* TIOCGWINSZ is the main thread's request, not a device thread's */
	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
	_exit(0);
}

static void test_forbidden_ioctl_request(void **state)
{
	struct child c;

	(void)state;
	in_child(&c, "net0-q0", forbidden_ioctl);
	assert_int_equal(c.status, VMM_SANDBOX);
	assert_non_null(strstr(c.err, "forbidden system call ioctl ("));
	assert_non_null(strstr(c.err, " in thread net0-q0\n"));
}

static void forbidden_exec_map(void)
{
	confine(SANDBOX_MAIN);
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	_exit(0);
}

/* Even the main thread's filter never maps executable memory. */
static void test_forbidden_exec_map(void **state)
{
	struct child c;

	(void)state;
	in_child(&c, "vmm", forbidden_exec_map);
	assert_int_equal(c.status, VMM_SANDBOX);
	assert_non_null(strstr(c.err, "forbidden system call mmap ("));
}

static void *dev_eventfd(void *arg)
{
	(void)arg;
	/* allowed to the vCPU thread that starts it, not to a device thread */
	eventfd(0, 0);
	return NULL;
}

static void nested(void)
{
	pthread_t t;

	confine(SANDBOX_VCPU);
	/* clone3 fails with ENOSYS: the C library falls back to clone */
	if (dev_thread_start(&t, "dev-nested", dev_eventfd, NULL))
		_exit(110);
	pthread_join(t, NULL);
	_exit(0);
}

/* A device thread started from a confined vCPU thread narrows its filter. */
static void test_device_thread_narrower(void **state)
{
	struct child c;

	(void)state;
	in_child(&c, "vcpu0", nested);
	assert_int_equal(c.status, VMM_SANDBOX);
	assert_non_null(strstr(c.err, "forbidden system call eventfd"));
	assert_non_null(strstr(c.err, " in thread dev-nested\n"));
}

static void *dev_idle(void *arg)
{
	(void)arg;
	return NULL;
}

static void selftest(void)
{
	pthread_t t;

	confine(SANDBOX_VCPU);
	sandbox_selftest();
	if (dev_thread_start(&t, "blk1-q0", dev_idle, NULL))
		_exit(110);
	pthread_join(t, NULL);
	_exit(0);
}

/* VMM_SANDBOX_SELFTEST: the next device thread trips over openat. */
static void test_selftest(void **state)
{
	char want[128];
	struct child c;

	(void)state;
	in_child(&c, "vcpu0", selftest);
	snprintf(want, sizeof(want),
		 "vmm: sandbox: forbidden system call openat (%d) in thread blk1-q0\n", SYS_openat);
	assert_string_equal(c.err, want);
	assert_int_equal(c.status, VMM_SANDBOX);
}

/* --sandbox on|off, default on. */
/* The FUSE server of a --share, on a device thread: every request it serves passes. */
static struct fuse_client *fs_client;

static void fuse_requests(void)
{
	struct fuse_client *c = fs_client;
	struct fuse_create_in cr = { .flags = O_RDWR, .mode = 0644 };
	struct fuse_write_in wr = { .size = 5 };
	struct fuse_read_in rd = { .size = 4096 };
	struct fuse_setattr_in sa = { .valid = FATTR_MODE | FATTR_SIZE | FATTR_MTIME, .mode = 0600,
				      .size = 2 };
	struct fuse_rename2_in rn = { .newdir = FUSE_ROOT_ID };
	struct fuse_link_in ln;
	struct fuse_entry_out e;
	struct fuse_open_out o;
	uint64_t dh, sl;

	/* A server of this process: its /proc/self/fd is the parent's otherwise. */
	fuse_server_free(c->s);
	if (fuse_server_new(c->share, false, &c->s))
		_exit(109);
	fc_init(c);
	sandbox_allow_files();
	confine(SANDBOX_DEVICE);
	if (fc_req(c, FUSE_CREATE, FUSE_ROOT_ID, &cr, sizeof(cr), "f", NULL))
		_exit(110);
	memcpy(&e, c->out + 16, sizeof(e));
	memcpy(&o, c->out + 16 + sizeof(e), sizeof(o));
	wr.fh = rd.fh = o.fh;
	if (fc_req_data(c, FUSE_WRITE, e.nodeid, &wr, sizeof(wr), NULL, NULL, "hello", 5) ||
	    fc_req(c, FUSE_READ, e.nodeid, &rd, sizeof(rd), NULL, NULL) || c->len != 16 + 5)
		_exit(111);
	if (fc_req(c, FUSE_FSYNC, e.nodeid, &(struct fuse_fsync_in){ .fh = o.fh },
		   sizeof(struct fuse_fsync_in), NULL, NULL) ||
	    fc_req(c, FUSE_SETATTR, e.nodeid, &sa, sizeof(sa), NULL, NULL))
		_exit(112);
	dh = fc_open(c, FUSE_OPENDIR, FUSE_ROOT_ID, 0, NULL);
	rd.fh = dh;
	if (!dh || fc_req(c, FUSE_READDIRPLUS, FUSE_ROOT_ID, &rd, sizeof(rd), NULL, NULL))
		_exit(113);
	if (fc_req(c, FUSE_MKDIR, FUSE_ROOT_ID, &(struct fuse_mkdir_in){ 0755 },
		   sizeof(struct fuse_mkdir_in), "d", NULL) ||
	    fc_req(c, FUSE_MKNOD, FUSE_ROOT_ID, &(struct fuse_mknod_in){ S_IFIFO | 0600 },
		   sizeof(struct fuse_mknod_in), "p", NULL) ||
	    fc_req(c, FUSE_SYMLINK, FUSE_ROOT_ID, NULL, 0, "s", "f") ||
	    fc_req(c, FUSE_RENAME2, FUSE_ROOT_ID, &rn, sizeof(rn), "d", "d2"))
		_exit(114);
	ln.oldnodeid = e.nodeid;
	if (fc_req(c, FUSE_LINK, FUSE_ROOT_ID, &ln, sizeof(ln), "h", NULL))
		_exit(115);
	sl = fc_lookup(c, FUSE_ROOT_ID, "s", NULL);
	if (!sl || fc_req(c, FUSE_READLINK, sl, NULL, 0, NULL, NULL) || c->len != 16 + 1)
		_exit(115);
	if (fc_req(c, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, NULL, NULL) ||
	    fc_req(c, FUSE_ACCESS, FUSE_ROOT_ID, &(struct fuse_access_in){ R_OK },
		   sizeof(struct fuse_access_in), NULL, NULL) ||
	    fc_req(c, FUSE_UNLINK, FUSE_ROOT_ID, NULL, 0, "h", NULL) ||
	    fc_req(c, FUSE_RMDIR, FUSE_ROOT_ID, NULL, 0, "d2", NULL) ||
	    fc_req(c, FUSE_RELEASE, e.nodeid, &(struct fuse_release_in){ .fh = o.fh },
		   sizeof(struct fuse_release_in), NULL, NULL))
		_exit(116);
	fuse_server_reset(c->s);
	_exit(0);
}

static void test_fuse_server_confined(void **state)
{
	struct child c;

	(void)state;
	fs_client = fc_new(false);
	in_child(&c, "fs0-io", fuse_requests);
	fc_free(fs_client);
	assert_string_equal(c.err, "");
	assert_int_equal(c.status, 0);
}

static void test_option(void **state)
{
	static struct vm_config cfg;
	char *on[] = { "run", "--sandbox", "on", NULL };
	char *off[] = { "run", "--sandbox", "off", NULL };
	char *bad[] = { "run", "--sandbox", "maybe", NULL };
	char *none[] = { "run", NULL };

	(void)state;
	assert_int_equal(config_parse_run(&cfg, 1, none), 0);
	assert_false(cfg.sandbox_off);
	assert_int_equal(config_parse_run(&cfg, 3, on), 0);
	assert_false(cfg.sandbox_off);
	assert_int_equal(config_parse_run(&cfg, 3, off), 0);
	assert_true(cfg.sandbox_off);
	assert_int_equal(config_parse_run(&cfg, 3, bad), VMM_ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builds),
		cmocka_unit_test(test_extra_ioctls),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden_openat),
		cmocka_unit_test(test_forbidden_ioctl_request),
		cmocka_unit_test(test_forbidden_exec_map),
		cmocka_unit_test(test_device_thread_narrower),
		cmocka_unit_test(test_selftest),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_fuse_server_confined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
