// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for starting and ending passt (vmm/passt.c), with shell
 * scripts standing in for passt: they take the same --fd and --pid
 * options and behave like a passt that works, one that fails at start,
 * one that dies mid-run, and one that would outlive vmm if nothing
 * stopped it. Also the argument vector and the search on PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net.h"
#include "status.h"
#include "unit.h"
#include "vmm/passt.h"

static char dir[64];

/* A fake passt: reads --pid and --fd, says it is ready, then does body. */
static void fake(const char *name, const char *body, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n"
		   "while [ $# -gt 0 ]; do\n"
		   "  case $1 in --pid) pid=$2; shift ;; --fd) fd=$2; shift ;; esac\n"
		   "  shift\n"
		   "done\n"
		   "%s\n",
		body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vmm-test-passt-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void opts(struct net_opts *o, const char *spec)
{
	assert_int_equal(net_opts_parse(spec, o), 0);
}

static void test_args(void **state)
{
	struct passt_args a;
	struct net_opts o;
	static const char *const want[] = {
		"/usr/bin/passt", "--foreground", "--fd", "7", "--pid", "/proc/self/fd/8",
		"--runas", "1000:100", "--log-file", "/proc/self/fd/9", "-t", "2222:22",
		"-u", "5353:53", NULL,
	};
	unsigned int i;

	(void)state;
	opts(&o, "user,forward=tcp:2222:22,forward=udp:5353:53");
	passt_args(&a, "/usr/bin/passt", &o, 7, 8, 9, 1000, 100);
	for (i = 0; want[i]; i++)
		assert_string_equal(a.argv[i], want[i]);
	assert_null(a.argv[i]);
	/* No log file: no --log-file. */
	opts(&o, "user");
	passt_args(&a, "p", &o, 3, 4, -1, 0, 0);
	assert_string_equal(a.argv[7], "0:0");
	assert_null(a.argv[8]);
}

static void test_args_most_forwards(void **state)
{
	char spec[1024];
	struct passt_args a;
	struct net_opts o;
	int i, n;

	(void)state;
	n = snprintf(spec, sizeof(spec), "user");
	for (i = 0; i < NET_MAX_FORWARDS; i++)
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, ",forward=udp:%d:65535", 60000 + i);
	opts(&o, spec);
	passt_args(&a, "/p", &o, 3, 4, 5, 4294967295u, 4294967295u);
	assert_string_equal(a.argv[7], "4294967295:4294967295");
	assert_string_equal(a.argv[10 + 2 * NET_MAX_FORWARDS - 1], "60015:65535");
	assert_null(a.argv[10 + 2 * NET_MAX_FORWARDS]);
}

static void expect_error(int want, const struct net_opts *o, const char *line)
{
	struct unit_capture cap;
	struct passt p;

	unit_capture_begin(&cap, 2);
	assert_int_equal(passt_start(o, 0, &p), want);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, line);
}

static void test_missing(void **state)
{
	struct net_opts o;
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	(void)state;
	opts(&o, "user,passt=/nonexistent/passt");
	expect_error(VMM_NO_HELPER, &o,
		     "network 0: passt=/nonexistent/passt: No such file or directory; install "
		     "passt (apt-get install passt) or give its path");
	opts(&o, "user");
	setenv("PATH", dir, 1);
	expect_error(VMM_NO_HELPER, &o,
		     "network 0: passt: not found on PATH; install it (apt-get install passt) "
		     "or give passt=PATH");
	if (old)
		setenv("PATH", old, 1);
	free(old);
}

static void test_found_on_path(void **state)
{
	char path[128], found[256], *old = strdup(getenv("PATH"));
	char newpath[512];
	struct net_opts o;

	(void)state;
	fake("passt", "exit 0", path, sizeof(path));
	snprintf(newpath, sizeof(newpath), "/nonexistent::%s:/bin", dir);
	setenv("PATH", newpath, 1);
	opts(&o, "user");
	assert_int_equal(passt_find(&o, 0, found, sizeof(found)), VMM_OK);
	assert_string_equal(found, path);
	setenv("PATH", old, 1);
	free(old);
}

static void test_fails_at_start(void **state)
{
	char path[128], spec[256], line[512];
	struct net_opts o;

	(void)state;
	fake("bad", "echo 'Failed to send 29 bytes to syslog' >&2\n"
		    "echo 'Invalid address: 999.1' >&2\nexit 1", path, sizeof(path));
	snprintf(spec, sizeof(spec), "user,passt=%s", path);
	opts(&o, spec);
	snprintf(line, sizeof(line),
		 "network 0: passt (%s) did not start: it exited with status 1: Invalid address: "
		 "999.1", path);
	expect_error(VMM_ERR_HOST, &o, line);

	/* What passt writes to its log file: the time and the level go. */
	fake("sandbox", "echo '1.3026: ERROR:   Failed to sandbox process, exiting' >&2\nexit 1",
	     path, sizeof(path));
	snprintf(spec, sizeof(spec), "user,passt=%s", path);
	opts(&o, spec);
	snprintf(line, sizeof(line),
		 "network 0: passt (%s) did not start: it exited with status 1: Failed to sandbox "
		 "process, exiting", path);
	expect_error(VMM_ERR_HOST, &o, line);
}

/* Ready, serves until its socket closes, then quits: the normal life. */
static void test_start_stop(void **state)
{
	char path[128], spec[256];
	struct passt p;
	struct net_opts o;
	pid_t pid;

	(void)state;
	fake("good", "echo $$ >\"$pid\"\nexec cat <&$fd >/dev/null", path, sizeof(path));
	snprintf(spec, sizeof(spec), "user,passt=%s", path);
	opts(&o, spec);
	assert_int_equal(passt_start(&o, 0, &p), VMM_OK);
	assert_true(p.pid > 0);
	assert_true(p.sock >= 0);
	assert_true(p.log_fd >= 0);
	pid = p.pid;
	assert_int_equal(kill(pid, 0), 0);
	passt_stop(&p);
	assert_int_equal(p.pid, 0);
	assert_int_equal(p.sock, -1);
	/* Reaped: no such child any more. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Deaf to its socket closing: killed after a while, and reaped. */
static void test_stop_stuck(void **state)
{
	char path[128], spec[256];
	struct passt p;
	struct net_opts o;
	pid_t pid;

	(void)state;
	fake("stuck", "echo $$ >\"$pid\"\nexec sleep 1000", path, sizeof(path));
	snprintf(spec, sizeof(spec), "user,passt=%s", path);
	opts(&o, spec);
	assert_int_equal(passt_start(&o, 0, &p), VMM_OK);
	pid = p.pid;
	passt_stop(&p);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
}

/* Dies mid-run: passt_gone reaps it and says how, with its last message. */
static void test_gone(void **state)
{
	char path[128], spec[256], line[256];
	struct unit_capture cap;
	struct passt p;
	struct net_opts o;

	(void)state;
	fake("dies", "echo $$ >\"$pid\"\nread x <&$fd\necho 'tap: something broke' >&2\nexit 3",
	     path, sizeof(path));
	snprintf(spec, sizeof(spec), "user,passt=%s", path);
	opts(&o, spec);
	assert_int_equal(passt_start(&o, 0, &p), VMM_OK);
	assert_int_equal(write(p.sock, "x\n", 2), 2);
	unit_capture_begin(&cap, 2);
	passt_gone(&p, 0);
	unit_capture_end(&cap);
	snprintf(line, sizeof(line),
		 "network 0: passt (pid %d) exited with status 3: tap: something broke; vmm goes "
		 "on without a network on it", (int)p.pid);
	unit_assert_one_line(cap.text, line);
	assert_true(atomic_load(&p.reaped));
	passt_stop(&p); /* nothing left to wait for */
}

/*
 * The parent-death signal: a process that started passt dies without
 * stopping it, and passt (which here would sleep on) is killed anyway.
 */
static void test_parent_dies(void **state)
{
	char path[128], spec[256], proc[64], st[512];
	struct net_opts o;
	int pfd[2], i;
	pid_t mid, pid = 0;

	(void)state;
	fake("orphan", "echo $$ >\"$pid\"\nexec sleep 1000", path, sizeof(path));
	snprintf(spec, sizeof(spec), "user,passt=%s", path);
	opts(&o, spec);
	assert_int_equal(pipe(pfd), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		struct passt p;

		if (passt_start(&o, 0, &p))
			_exit(1);
		/* The socket stays open (no exit handler): only the signal can end it. */
		if (write(pfd[1], &p.pid, sizeof(p.pid)) != sizeof(p.pid))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &pid, sizeof(pid)), sizeof(pid));
	close(pfd[0]);
	assert_int_equal(waitpid(mid, NULL, 0), mid);
	assert_true(pid > 0);
	/* Gone, or a zombie nobody reaped (PID 1 of a container may not). */
	snprintf(proc, sizeof(proc), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 500; i++) {
		FILE *f = fopen(proc, "r");
		char *rp;

		if (!f)
			break;
		st[0] = '\0';
		if (!fgets(st, sizeof(st), f))
			st[0] = '\0';
		fclose(f);
		rp = strrchr(st, ')');
		if (rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'))
			break;
		usleep(10000);
	}
	if (i == 500) {
		kill(pid, SIGKILL);
		fail_msg("passt (pid %d) outlived the process that started it", (int)pid);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_args_most_forwards),
	    cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_found_on_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fails_at_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_stuck, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parent_dies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
