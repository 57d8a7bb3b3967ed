// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the commands that drive running VMs (vmm/client.c): their
 * arguments, their output, and a VM that is still starting. No VM runs: a
 * "starting" VM is a name whose lock this test holds, with no socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "status.h"
#include "unit.h"
#include "vmm/client.h"

struct fx {
	char dir[64];  /* XDG_RUNTIME_DIR */
	char rt[128];  /* its vmm/ */
	int lock;      /* a held NAME.lock, or -1 */
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	unit_mkdtemp(f->dir, sizeof(f->dir));
	snprintf(f->rt, sizeof(f->rt), "%s/vmm", f->dir);
	setenv("XDG_RUNTIME_DIR", f->dir, 1);
	f->lock = -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	if (f->lock >= 0)
		close(f->lock);
	unit_rmtree(f->dir);
	free(f);
	return 0;
}

typedef int (*cmd_fn)(int argc, char **argv);

/* Run fn on {args..., NULL}; its stdout in out, its stderr in err. */
static int run(cmd_fn fn, char **args, struct unit_capture *out, struct unit_capture *err)
{
	int argc = 0, r;

	while (args[argc])
		argc++;
	unit_capture_begin(err, 2);
	unit_capture_begin(out, 1);
	r = fn(argc, args);
	unit_capture_end(out);
	unit_capture_end(err);
	return r;
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

/* A VM "rig1" that is starting: its lock held by us, with a pid, no socket. */
static void hold_lock(struct fx *f, const char *name)
{
	char path[256], pid[32];
	int n;

	mkdir(f->rt, 0700);
	snprintf(path, sizeof(path), "%s/%s.lock", f->rt, name);
	f->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(f->lock >= 0);
	assert_int_equal(flock(f->lock, LOCK_EX | LOCK_NB), 0);
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	assert_int_equal(write(f->lock, pid, (size_t)n), n);
}

/* --help: usage on stdout, status 0, for every client command. */
static void test_help(void **state)
{
	static const char *const cmds[] = { "list", "stop", "kill", "pause", "resume", "console" };
	static const cmd_fn fns[] = { client_list_main, client_stop_main, client_simple_main,
				      client_simple_main, client_simple_main, client_console_main };
	struct unit_capture out, err;
	unsigned int i;
	char want[64];

	(void)state;
	for (i = 0; i < 6; i++) {
		assert_int_equal(run(fns[i], ARGV((char *)cmds[i], "--help"), &out, &err), 0);
		assert_string_equal(err.text, "");
		snprintf(want, sizeof(want), "usage: vmm %s ", cmds[i]);
		assert_non_null(strstr(out.text, want));
		assert_int_equal(run(fns[i], ARGV((char *)cmds[i], "-h"), &out, &err), 0);
		assert_non_null(strstr(out.text, want));
	}
	/* Also after the name. */
	assert_int_equal(run(client_stop_main, ARGV("stop", "web", "--help"), &out, &err), 0);
	assert_non_null(strstr(out.text, "usage: vmm stop [--timeout SECONDS] NAME"));
}

/* Options anywhere, missing values named, numbers checked. */
static void test_stop_args(void **state)
{
	struct unit_capture out, err;

	(void)state;
	assert_int_equal(run(client_stop_main, ARGV("stop", "web", "--timeout"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "--timeout: missing value (see vmm stop --help)");
	assert_int_equal(run(client_stop_main, ARGV("stop", "--timeout", " 5", "web"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "--timeout  5: expected a number of seconds");
	assert_int_equal(run(client_stop_main,
			     ARGV("stop", "--timeout", "99999999999999999999999", "web"), &out,
			     &err), VMM_ERR_USAGE);
	unit_assert_one_line_prefix(err.text, "--timeout 99999999999999999999999: expected");
	assert_int_equal(run(client_stop_main, ARGV("stop", "--timeout=-1", "web"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line_prefix(err.text, "--timeout -1: expected");
	assert_int_equal(run(client_stop_main, ARGV("stop", "--time", "5", "web"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "--time: unknown option (did you mean --timeout?)");
	assert_int_equal(run(client_stop_main, ARGV("stop", "--timeout", "5"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "stop: expected a VM name: vmm stop [--timeout SECONDS] "
				       "NAME");
	assert_int_equal(run(client_stop_main, ARGV("stop", "a", "b"), &out, &err), VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "b: unexpected argument (see vmm stop --help)");
	/* Well-formed, after the name: the VM is then looked for (none runs). */
	assert_int_equal(run(client_stop_main, ARGV("stop", "web", "--timeout", "5"), &out, &err),
			 VMM_NO_VM);
	unit_assert_one_line(err.text, "vm web: not running (see vmm list)");
}

static void test_name_args(void **state)
{
	struct unit_capture out, err;

	(void)state;
	assert_int_equal(run(client_simple_main, ARGV("kill"), &out, &err), VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "kill: expected a VM name: vmm kill NAME");
	assert_int_equal(run(client_simple_main, ARGV("pause", "--json", "x"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "--json: unknown option (see vmm pause --help)");
	assert_int_equal(run(client_console_main, ARGV("console", "a", "b"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "b: unexpected argument (see vmm console --help)");
	assert_int_equal(run(client_list_main, ARGV("list", "--timeout", "3"), &out, &err),
			 VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "--timeout: unknown option (see vmm list --help)");
	assert_int_equal(run(client_list_main, ARGV("list", "web"), &out, &err), VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "web: unexpected argument (see vmm list --help)");
	assert_int_equal(run(client_list_main, ARGV("list", "--js"), &out, &err), VMM_ERR_USAGE);
	unit_assert_one_line(err.text, "--js: unknown option (did you mean --json?)");
}

/* vmm list >/dev/full fails (in a child: stdout's error must not leak into cmocka's). */
static void test_list_write_error(void **state)
{
	struct unit_capture err;
	int status, full;
	pid_t pid;

	(void)state;
	unit_capture_begin(&err, 2);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "list", NULL };

		full = open("/dev/full", O_WRONLY);
		if (full < 0 || dup2(full, 1) != 1)
			_exit(99);
		_exit(client_list_main(1, argv));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unit_capture_end(&err);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), VMM_ERR_INTERNAL);
	unit_assert_one_line(err.text, "standard output: No space left on device");
}

/* A lock held, no socket: listed as starting; the commands say so (status 12). */
static void test_starting(void **state)
{
	struct fx *f = *state;
	struct unit_capture out, err;
	char want[128];

	hold_lock(f, "rig1");
	assert_int_equal(run(client_list_main, ARGV("list"), &out, &err), 0);
	assert_string_equal(err.text, "");
	snprintf(want, sizeof(want), "\nrig1                 starting %-8ld -\n", (long)getpid());
	assert_non_null(strstr(out.text, want));

	assert_int_equal(run(client_list_main, ARGV("list", "--json"), &out, &err), 0);
	assert_string_equal(err.text, "");
	snprintf(want, sizeof(want), "\"name\": \"rig1\", \"pid\": %ld, \"state\": \"starting\"",
		 (long)getpid());
	assert_non_null(strstr(out.text, want));

	assert_int_equal(run(client_stop_main, ARGV("stop", "rig1"), &out, &err), VMM_BUSY);
	snprintf(want, sizeof(want), "vm rig1: starting (pid %ld), its control socket not ready "
		 "yet; try again", (long)getpid());
	unit_assert_one_line(err.text, want);
	assert_int_equal(run(client_simple_main, ARGV("kill", "rig1"), &out, &err), VMM_BUSY);
	unit_assert_one_line(err.text, want);

	unit_capture_begin(&err, 2);
	assert_int_equal(client_info("rig1", false), VMM_BUSY);
	unit_capture_end(&err);
	unit_assert_one_line(err.text, want);

	/* Its lock released: not running, and its files cleaned. */
	close(f->lock);
	f->lock = -1;
	assert_int_equal(run(client_stop_main, ARGV("stop", "rig1"), &out, &err), VMM_NO_VM);
	unit_assert_one_line(err.text, "vm rig1: not running (see vmm list)");
	assert_int_equal(run(client_list_main, ARGV("list"), &out, &err), 0);
	assert_null(strstr(out.text, "rig1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stop_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_name_args, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_write_error, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_starting, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
