// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for command mode's host side: the options (vmm/config.c,
 * vmm/cmd_spec.c), the SPEC built from the host, the exit statuses and the
 * kernel's ring (vmm/cmd_status.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "config.h"
#include "status.h"
#include "vmm/cmd_mode.h"
#include "unit.h"
#include "run_args.h"

static void test_command_after_dashes(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "Image", "--", "ls", "-l", "--kernel"));
	assert_string_equal(cfg.kernel, "Image");
	assert_non_null(cfg.cmd_argv);
	assert_string_equal(cfg.cmd_argv[0], "ls");
	assert_string_equal(cfg.cmd_argv[1], "-l");
	assert_string_equal(cfg.cmd_argv[2], "--kernel");
	assert_null(cfg.cmd_argv[3]);
	assert_int_equal(cfg.reboot, REBOOT_EXIT);
	/* The root share: the host's /, read-only, under command mode's tag. */
	assert_int_equal(cfg.nshares, 1);
	assert_int_equal(cfg.cmd_share0, 0);
	assert_string_equal(cfg.shares[0].tag, CMD_ROOT_TAG);
	assert_string_equal(cfg.shares[0].dir, "/");
	assert_true(cfg.shares[0].ro);

	/* Without --: no command, the usual run. */
	parse_ok(&cfg, ARGS("--kernel", "Image"));
	assert_null(cfg.cmd_argv);
	assert_int_equal(cfg.nshares, 0);
}

static void test_command_options(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--env", "A=1", "--env", "B", "--root", "--rodir", "/tmp/../etc",
			    "--rwdir", "/tmp", "--share", "/tmp,tag=mine", "--rootfs", "/",
			    "--", "true"));
	assert_int_equal(cfg.ncmd_env, 2);
	assert_string_equal(cfg.cmd_env[0], "A=1");
	assert_string_equal(cfg.cmd_env[1], "B");
	assert_true(cfg.cmd_root);
	/* The user's share first, then the root, then the directories in order. */
	assert_int_equal(cfg.nshares, 4);
	assert_int_equal(cfg.cmd_share0, 1);
	assert_string_equal(cfg.shares[0].tag, "mine");
	assert_string_equal(cfg.shares[1].tag, "vmm-root");
	assert_string_equal(cfg.shares[2].tag, "vmm-dir1");
	assert_string_equal(cfg.shares[2].dir, "/etc"); /* absolute, resolved */
	assert_true(cfg.shares[2].ro);
	assert_string_equal(cfg.shares[3].tag, "vmm-dir2");
	assert_string_equal(cfg.shares[3].dir, "/tmp");
	assert_false(cfg.shares[3].ro);
}

static void test_command_refusals(void **state)
{
	(void)state;
	/* Command-mode options without a command: usage errors. */
	parse_fail(ARGS("--env", "A=1"), VMM_ERR_USAGE, "--env: only with a command");
	parse_fail(ARGS("--root"), VMM_ERR_USAGE, "--root: only with a command");
	parse_fail(ARGS("--rwdir", "/tmp"), VMM_ERR_USAGE, "--rwdir: only with a command");
	parse_fail(ARGS("--rodir", "/tmp"), VMM_ERR_USAGE, "--rodir: only with a command");
	parse_fail(ARGS("--rootfs", "/"), VMM_ERR_USAGE, "--rootfs: only with a command");
	/* What makes no sense with one. */
	parse_fail(ARGS("--"), VMM_ERR_USAGE, "--: no command after it");
	parse_fail(ARGS("--initrd", "x", "--", "ls"), VMM_ERR_USAGE, "--initrd: not with a command");
	parse_fail(ARGS("--console", "virtio", "--", "ls"), VMM_ERR_USAGE,
		   "--console virtio: not with a command");
	parse_fail(ARGS("--console-pty", "--", "ls"), VMM_ERR_USAGE,
		   "--console-pty: not with a command");
	parse_fail(ARGS("--detach", "--", "ls"), VMM_ERR_USAGE, "--detach: not with a command");
	parse_fail(ARGS("--nodefaults", "--", "ls"), VMM_ERR_USAGE,
		   "--nodefaults: not with a command");
	parse_fail(ARGS("--disk", "a.img", "--params", "root=/dev/vda", "--", "ls"),
		   VMM_ERR_USAGE, "--params root=: not with a command");
	parse_fail(ARGS("--env", "=x", "--", "ls"), VMM_ERR_USAGE, "--env =x: expected NAME");
	parse_fail(ARGS("--rwdir", "/nonexistent/dir", "--", "ls"), VMM_ERR_INPUT,
		   "--rwdir /nonexistent/dir: No such file");
	parse_fail(ARGS("--rodir", "/etc/passwd", "--", "ls"), VMM_ERR_INPUT,
		   "--rodir /etc/passwd: not a directory");
	parse_fail(ARGS("--rootfs", "/nonexistent", "--", "ls"), VMM_ERR_INPUT,
		   "--rootfs /nonexistent: No such file");
	parse_fail(ARGS("--share", "/tmp,tag=vmm-root", "--", "ls"), VMM_ERR_USAGE,
		   "--share /tmp: tag vmm-root is command mode's own");
	parse_fail(ARGS("--rwdir", "/tmp", "--rwdir", "/tmp", "--rwdir", "/tmp", "--rwdir", "/tmp",
			"--rwdir", "/tmp", "--rwdir", "/tmp", "--rwdir", "/tmp", "--rwdir", "/tmp",
			"--", "ls"), VMM_ERR_USAGE, "--rwdir /tmp: more than 7 directories");
}

/* --- the SPEC ------------------------------------------------------------- */

static char *host_env[] = {
	"SECRET=s", "HOME=/home/u", "LC_ALL=C", "PATH=/p:/q", "TERM=xterm", "USER=u",
	"LC_TIME=t", "EDITOR=vi", NULL,
};

static void host_fake(struct cmd_host *h, const char *cwd)
{
	memset(h, 0, sizeof(*h));
	h->environ = host_env;
	h->cwd = cwd;
	h->uid = 1000;
	h->gid = 100;
	h->groups[0] = 100;
	h->groups[1] = 27;
	h->ngroups = 2;
}

static void build(const char **args, const struct cmd_host *h, struct cmd_spec *spec)
{
	struct vm_config cfg;
	uint8_t *buf;
	size_t len;
	char why[128];

	parse_ok(&cfg, args);
	assert_int_equal(cmd_spec_build(&cfg, h, &buf, &len), 0);
	assert_int_equal(cmd_spec_decode(buf, len, spec, why, sizeof(why)), 0);
	free(buf);
}

static void test_spec_env_and_user(void **state)
{
	static const char *const want[] = {
		"PATH=/p:/q", "HOME=/x", "TERM=xterm", "USER=u", "LC_ALL=C", "LC_TIME=t",
		"FOO=1", "EDITOR=vi", NULL,
	};
	struct cmd_spec spec;
	struct cmd_host h;
	size_t i;

	(void)state;
	host_fake(&h, "/home/u/src");
	h.tty = true;
	h.rows = 40;
	h.cols = 120;
	build(ARGS("--name", "box", "--env", "FOO=1", "--env", "HOME=/x", "--env", "EDITOR",
		   "--env", "UNSET_ON_HOST", "--rwdir", "/tmp", "--", "make", "-j2"), &h, &spec);
	assert_int_equal(spec.argc, 2);
	assert_string_equal(spec.argv[0], "make");
	assert_string_equal(spec.argv[1], "-j2");
	/* Kept from the host, in order; --env replaces HOME in place; SECRET stays home. */
	for (i = 0; want[i]; i++) {
		assert_true(i < spec.envc);
		assert_string_equal(spec.envp[i], want[i]);
	}
	assert_int_equal(spec.envc, i);
	assert_string_equal(spec.cwd, "/home/u/src");
	assert_int_equal(spec.uid, 1000);
	assert_int_equal(spec.gid, 100);
	assert_int_equal(spec.ngroups, 2);
	assert_int_equal(spec.groups[1], 27);
	assert_true(spec.tty);
	assert_int_equal(spec.rows, 40);
	assert_int_equal(spec.cols, 120);
	assert_string_equal(spec.root_tag, "vmm-root");
	assert_string_equal(spec.hostname, "box");
	assert_int_equal(spec.nmounts, 1);
	assert_string_equal(spec.mounts[0].tag, "vmm-dir1");
	assert_string_equal(spec.mounts[0].path, "/tmp");
	assert_false(spec.mounts[0].ro);
	cmd_spec_free(&spec);
}

static void test_spec_root_and_defaults(void **state)
{
	static char *bare_env[] = { "X=1", NULL };
	struct cmd_spec spec;
	struct cmd_host h;

	(void)state;
	host_fake(&h, "/srv");
	build(ARGS("--root", "--", "id"), &h, &spec);
	assert_int_equal(spec.uid, 0);
	assert_int_equal(spec.gid, 0);
	assert_int_equal(spec.ngroups, 0);
	assert_string_equal(spec.hostname, "vmm");
	assert_false(spec.tty);
	assert_string_equal(spec.envp[1], "HOME=/root");
	assert_string_equal(spec.envp[3], "USER=root");
	assert_string_equal(spec.envp[5], "LC_TIME=t");
	assert_string_equal(spec.envp[6], "LOGNAME=root");
	cmd_spec_free(&spec);

	/* A host without PATH: a usual one, so that CMD is found. */
	host_fake(&h, "/");
	h.environ = bare_env;
	build(ARGS("--", "id"), &h, &spec);
	assert_int_equal(spec.envc, 1);
	assert_string_equal(spec.envp[0],
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	cmd_spec_free(&spec);
}

static void test_spec_cwd_under_rootfs(void **state)
{
	char root[] = "/tmp/vmm-unit-rootfs-XXXXXX", sub[256];
	struct cmd_spec spec;
	struct cmd_host h;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(sub, sizeof(sub), "%s/work", root);
	assert_int_equal(mkdir(sub, 0700), 0);
	/* The host's cwd exists inside DIR: kept. */
	host_fake(&h, "/work");
	build(ARGS("--rootfs", root, "--", "pwd"), &h, &spec);
	assert_string_equal(spec.cwd, "/work");
	cmd_spec_free(&spec);
	/* It does not: /. */
	host_fake(&h, "/home/u");
	build(ARGS("--rootfs", root, "--", "pwd"), &h, &spec);
	assert_string_equal(spec.cwd, "/");
	cmd_spec_free(&spec);
	rmdir(sub);
	rmdir(root);
}

/* --- statuses and the ring -------------------------------------------- */

static void test_statuses(void **state)
{
	(void)state;
	assert_int_equal(cmd_status(CMD_OUT_EXITED, 0), 0);
	assert_int_equal(cmd_status(CMD_OUT_EXITED, 42), 42);
	assert_int_equal(cmd_status(CMD_OUT_EXITED, 255), 255);
	assert_int_equal(cmd_status(CMD_OUT_SIGNALED, 15), 143);
	assert_int_equal(cmd_status(CMD_OUT_SIGNALED, 9), 137);
	assert_int_equal(cmd_status(CMD_OUT_SIGNALED, 200), 125); /* no such signal */
	assert_int_equal(cmd_status(CMD_OUT_NOTFOUND, 0), 127);
	assert_int_equal(cmd_status(CMD_OUT_NOEXEC, 0), 126);
	assert_int_equal(cmd_status(CMD_OUT_SETUP, 0), 125);
	assert_int_equal(cmd_status(CMD_OUT_BROKEN, 0), 125);
	assert_int_equal(cmd_status(CMD_OUT_GUEST_ENDED, 0), 125);
	assert_int_equal(cmd_status(CMD_OUT_VMM_FAILED, 0), 125);
	assert_int_equal(cmd_status(CMD_OUT_TIMEOUT, 0), 124);
	assert_int_equal(cmd_status(CMD_OUT_QUIT, 0), 130);
	assert_int_equal(cmd_status(CMD_OUT_VMM_SIGNAL, 15), 143);
	assert_int_equal(cmd_status(CMD_OUT_COUNT, 0), 125);
	assert_int_equal(cmd_outcome_of_exit(CMD_EXITED), CMD_OUT_EXITED);
	assert_int_equal(cmd_outcome_of_exit(CMD_SIGNALED), CMD_OUT_SIGNALED);
	assert_int_equal(cmd_outcome_of_exit(CMD_NOTFOUND), CMD_OUT_NOTFOUND);
	assert_int_equal(cmd_outcome_of_exit(CMD_NOEXEC), CMD_OUT_NOEXEC);
	assert_int_equal(cmd_outcome_of_exit(CMD_SETUP), CMD_OUT_SETUP);
}

static void test_ring(void **state)
{
	static struct cmd_ring ring;
	char out[CMD_RING_BYTES + 1], line[64];
	unsigned int i;

	(void)state;
	assert_int_equal(cmd_ring_tail(&ring, 3, out, sizeof(out)), 0);
	cmd_ring_put(&ring, (const uint8_t *)"a\r\nb\r\nc", 7);
	cmd_ring_tail(&ring, 30, out, sizeof(out));
	assert_string_equal(out, "a\nb\nc");
	cmd_ring_tail(&ring, 2, out, sizeof(out));
	assert_string_equal(out, "b\nc");
	/* Many wraps: the last lines survive, whole. */
	for (i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "line %u\n", i);
		cmd_ring_put(&ring, (const uint8_t *)line, strlen(line));
	}
	cmd_ring_tail(&ring, 2, out, sizeof(out));
	assert_string_equal(out, "line 1998\nline 1999\n");
	cmd_ring_tail(&ring, CMD_RING_LINES, out, sizeof(out));
	assert_int_equal(unit_count_lines(out), CMD_RING_LINES);
	assert_memory_equal(out, "line 1970\n", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_after_dashes),
		cmocka_unit_test(test_command_options),
		cmocka_unit_test(test_command_refusals),
		cmocka_unit_test(test_spec_env_and_user),
		cmocka_unit_test(test_spec_root_and_defaults),
		cmocka_unit_test(test_spec_cwd_under_rootfs),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
