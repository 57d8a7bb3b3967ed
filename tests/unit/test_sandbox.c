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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
