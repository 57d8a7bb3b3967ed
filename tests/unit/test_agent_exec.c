// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for how the command-mode agent finds CMD and reports its end
 * (guest/agent/pathsearch.c, guest/agent/exitmsg.c): the PATH search order
 * and the errno it settles on, with a fake exec; the EXIT payload for a
 * wait status, an exec failure and a too-long or multi-line message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "guest/agent/exitmsg.h"
#include "guest/agent/pathsearch.h"

/* A fake exec: records each candidate, fails with the errno its table
 * gives for that file (default ENOENT). */
struct fake {
	const char *files[8];
	int errs[8];
	char tried[8][64];
	int ntried;
};

static int fake_exec(const char *file, void *ctx)
{
	struct fake *f = ctx;
	int i;

	assert_true(f->ntried < 8);
	snprintf(f->tried[f->ntried++], sizeof(f->tried[0]), "%s", file);
	for (i = 0; i < 8 && f->files[i]; i++)
		if (!strcmp(f->files[i], file))
			return f->errs[i];
	return ENOENT;
}

static void test_env_path(void **state)
{
	(void)state;
	const char *env[] = { "HOME=/root", "PATH=/opt/bin:/bin", NULL };
	const char *none[] = { "PATHX=/no", "XPATH=/no", NULL };

	assert_string_equal(agent_env_path(env), "/opt/bin:/bin");
	assert_string_equal(agent_env_path(none), AGENT_DEFAULT_PATH);
	assert_string_equal(agent_env_path(NULL), AGENT_DEFAULT_PATH);
}

static void test_search_order_and_empty_element(void **state)
{
	(void)state;
	struct fake f = { 0 };
	bool searched;

	assert_int_equal(agent_exec_search("ls", "/a::/b", fake_exec, &f, &searched), ENOENT);
	assert_true(searched);
	assert_int_equal(f.ntried, 3);
	assert_string_equal(f.tried[0], "/a/ls");
	assert_string_equal(f.tried[1], "./ls"); /* empty element: the working directory */
	assert_string_equal(f.tried[2], "/b/ls");
}

static void test_slash_is_not_searched(void **state)
{
	(void)state;
	struct fake f = { .files = { "./run.sh" }, .errs = { ENOEXEC } };
	bool searched;

	assert_int_equal(agent_exec_search("./run.sh", "/a:/b", fake_exec, &f, &searched),
			 ENOEXEC);
	assert_false(searched);
	assert_int_equal(f.ntried, 1);
}

static void test_eacces_remembered_then_found(void **state)
{
	(void)state;
	struct fake f = { .files = { "/a/x", "/b/x" }, .errs = { EACCES, 0 } };
	struct fake g = { .files = { "/a/x" }, .errs = { EACCES } };
	bool searched;

	/* A found program "fails" with 0 only in the fake; the search stops. */
	assert_int_equal(agent_exec_search("x", "/a:/b:/c", fake_exec, &f, &searched), 0);
	assert_int_equal(f.ntried, 2);
	/* Denied in /a, absent elsewhere: EACCES, as execvp. */
	assert_int_equal(agent_exec_search("x", "/a:/b:/c", fake_exec, &g, &searched), EACCES);
	assert_int_equal(g.ntried, 3);
}

static void test_other_errors_stop(void **state)
{
	(void)state;
	struct fake f = { .files = { "/a/x" }, .errs = { ENOEXEC } };
	bool searched;

	assert_int_equal(agent_exec_search("x", "/a:/b", fake_exec, &f, &searched), ENOEXEC);
	assert_int_equal(f.ntried, 1);
}

static void test_empty_name_and_long_dirs(void **state)
{
	(void)state;
	struct fake f = { 0 };
	char path[5000];
	bool searched;

	assert_int_equal(agent_exec_search("", "/a", fake_exec, &f, &searched), ENOENT);
	assert_int_equal(f.ntried, 0);
	/* A directory too long for PATH_MAX is skipped, not overflowed. */
	memset(path, 'd', sizeof(path));
	path[0] = '/';
	strcpy(path + 4096, ":/ok");
	assert_int_equal(agent_exec_search("x", path, fake_exec, &f, &searched), ENOENT);
	assert_int_equal(f.ntried, 1);
	assert_string_equal(f.tried[0], "/ok/x");
}

static void test_exit_from_wait(void **state)
{
	(void)state;
	uint8_t v;

	assert_int_equal(agent_exit_from_wait(0, &v), CMD_EXITED);
	assert_int_equal(v, 0);
	assert_int_equal(agent_exit_from_wait(42 << 8, &v), CMD_EXITED);
	assert_int_equal(v, 42);
	assert_int_equal(agent_exit_from_wait(255 << 8, &v), CMD_EXITED);
	assert_int_equal(v, 255);
	assert_int_equal(agent_exit_from_wait(9, &v), CMD_SIGNALED); /* SIGKILL */
	assert_int_equal(v, 9);
	assert_int_equal(agent_exit_from_wait(0x80 | 11, &v), CMD_SIGNALED); /* core dumped */
	assert_int_equal(v, 11);
}

static void test_exit_from_exec(void **state)
{
	(void)state;
	char msg[128];

	assert_int_equal(agent_exit_from_exec(ENOENT, "nosuch", true, msg, sizeof(msg)),
			 CMD_NOTFOUND);
	assert_string_equal(msg, "nosuch: command not found");
	assert_int_equal(agent_exit_from_exec(ENOENT, "/x/y", false, msg, sizeof(msg)),
			 CMD_NOTFOUND);
	assert_string_equal(msg, "/x/y: No such file or directory");
	assert_int_equal(agent_exit_from_exec(ENOTDIR, "/f/y", false, msg, sizeof(msg)),
			 CMD_NOTFOUND);
	assert_int_equal(agent_exit_from_exec(EACCES, "CMD", true, msg, sizeof(msg)), CMD_NOEXEC);
	assert_string_equal(msg, "CMD: Permission denied");
	assert_int_equal(agent_exit_from_exec(ENOEXEC, "a.txt", false, msg, sizeof(msg)),
			 CMD_NOEXEC);
	assert_string_equal(msg, "a.txt: Exec format error");
	assert_int_equal(agent_exit_from_exec(EISDIR, "/tmp", false, msg, sizeof(msg)),
			 CMD_NOEXEC);
}

static void test_exit_payload(void **state)
{
	(void)state;
	uint8_t out[AGENT_EXIT_PAYLOAD_MAX];
	char big[CMD_EXIT_MSG_MAX + 100];
	size_t n;

	n = agent_exit_payload(out, CMD_SIGNALED, 15, NULL);
	assert_int_equal(n, 4);
	assert_int_equal(out[0], CMD_SIGNALED);
	assert_int_equal(out[1], 15);
	assert_int_equal(out[2] | out[3], 0);
	n = agent_exit_payload(out, CMD_SETUP, 0, "cwd /home/u: No such file\nsecond line");
	assert_int_equal(n, 4 + strlen("cwd /home/u: No such file"));
	assert_memory_equal(out + 4, "cwd /home/u: No such file", n - 4);
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	n = agent_exit_payload(out, CMD_SETUP, 0, big);
	assert_int_equal(n, AGENT_EXIT_PAYLOAD_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_path),
		cmocka_unit_test(test_search_order_and_empty_element),
		cmocka_unit_test(test_slash_is_not_searched),
		cmocka_unit_test(test_eacces_remembered_then_found),
		cmocka_unit_test(test_other_errors_stop),
		cmocka_unit_test(test_empty_name_and_long_dirs),
		cmocka_unit_test(test_exit_from_wait),
		cmocka_unit_test(test_exit_from_exec),
		cmocka_unit_test(test_exit_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
