// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the command-mode agent's mount plan (guest/agent/plan.c):
 * which mounts, in which order, with which flags, from a SPEC; and every
 * share path the agent must refuse (relative, '..', '.', '//', "/").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "guest/agent/plan.h"

static struct agent_plan plan;

static const struct plan_step *find(const char *target)
{
	size_t i;

	for (i = 0; i < plan.n; i++)
		if (!strcmp(plan.steps[i].target, target))
			return &plan.steps[i];
	return NULL;
}

static size_t index_of(const char *target)
{
	const struct plan_step *s = find(target);

	assert_non_null(s);
	return (size_t)(s - plan.steps);
}

static void test_root_overlay(void **state)
{
	(void)state;
	struct cmd_spec spec = { .root_tag = "vmm-root" };
	const struct plan_step *s;
	char why[160];

	assert_int_equal(agent_plan_build(&spec, &plan, why, sizeof(why)), 0);
	assert_true(plan.new_root);
	/* The shared tree read-only, first. */
	s = &plan.steps[0];
	assert_int_equal(s->kind, PLAN_MOUNT);
	assert_string_equal(s->target, AGENT_LOWER);
	assert_string_equal(s->source, "vmm-root");
	assert_string_equal(s->fstype, "virtiofs");
	assert_true(s->flags & MS_RDONLY);
	/* The overlay: writable (upper on tmpfs), after its lower and upper. */
	s = find(AGENT_NEWROOT);
	assert_non_null(s);
	assert_string_equal(s->fstype, "overlay");
	assert_false(s->flags & MS_RDONLY);
	assert_non_null(strstr(s->data, "lowerdir=" AGENT_LOWER));
	assert_non_null(strstr(s->data, "upperdir=" AGENT_RW "/upper"));
	assert_true(index_of(AGENT_RW) < index_of(AGENT_RW "/upper"));
	assert_true(index_of(AGENT_RW "/work") < index_of(AGENT_NEWROOT));
	/* The new root's own file systems, under it, /dev before /dev/pts. */
	assert_string_equal(find(AGENT_NEWROOT "/proc")->fstype, "proc");
	assert_string_equal(find(AGENT_NEWROOT "/sys")->fstype, "sysfs");
	assert_string_equal(find(AGENT_NEWROOT "/dev")->fstype, "devtmpfs");
	assert_string_equal(find(AGENT_NEWROOT "/dev/pts")->fstype, "devpts");
	assert_string_equal(find(AGENT_NEWROOT "/dev/shm")->fstype, "tmpfs");
	assert_string_equal(find(AGENT_NEWROOT "/tmp")->fstype, "tmpfs");
	assert_string_equal(find(AGENT_NEWROOT "/run")->fstype, "tmpfs");
	assert_true(index_of(AGENT_NEWROOT) < index_of(AGENT_NEWROOT "/proc"));
	assert_true(index_of(AGENT_NEWROOT "/dev") < index_of(AGENT_NEWROOT "/dev/pts"));
	assert_true(index_of(AGENT_NEWROOT "/dev") < index_of(AGENT_NEWROOT "/dev/shm"));
	/* Messages name the place as CMD sees it. */
	assert_string_equal(find(AGENT_NEWROOT "/tmp")->shown, "/tmp");
}

static void test_shares_shallowest_first(void **state)
{
	(void)state;
	struct cmd_spec spec = {
		.root_tag = "vmm-root",
		.mounts = { { "vmm-dir1", "/a/b/c", false },
			    { "vmm-dir2", "/a", true },
			    { "vmm-dir3", "/x/y", false },
			    { "vmm-dir4", "/tmp/s", false } },
		.nmounts = 4,
	};
	const struct plan_step *s;
	char why[160];

	assert_int_equal(agent_plan_build(&spec, &plan, why, sizeof(why)), 0);
	assert_true(index_of(AGENT_NEWROOT "/a") < index_of(AGENT_NEWROOT "/x/y"));
	assert_true(index_of(AGENT_NEWROOT "/x/y") < index_of(AGENT_NEWROOT "/a/b/c"));
	/* A share under /tmp comes after the tmpfs that would hide it. */
	assert_true(index_of(AGENT_NEWROOT "/tmp") < index_of(AGENT_NEWROOT "/tmp/s"));
	s = find(AGENT_NEWROOT "/a");
	assert_string_equal(s->source, "vmm-dir2");
	assert_string_equal(s->fstype, "virtiofs");
	assert_true(s->flags & MS_RDONLY);
	s = find(AGENT_NEWROOT "/a/b/c");
	assert_string_equal(s->source, "vmm-dir1");
	assert_false(s->flags & MS_RDONLY);
	assert_string_equal(s->shown, "/a/b/c");
	/* The shares are last: nothing of the system mounts covers them. */
	assert_int_equal(index_of(AGENT_NEWROOT "/a/b/c"), plan.n - 1);
}

static void test_no_root_keeps_initramfs(void **state)
{
	(void)state;
	struct cmd_spec spec = { .mounts = { { "vmm-dir1", "/src", false } }, .nmounts = 1 };
	char why[160];
	size_t i;

	assert_int_equal(agent_plan_build(&spec, &plan, why, sizeof(why)), 0);
	assert_false(plan.new_root);
	for (i = 0; i < plan.n; i++) {
		assert_null(strstr(plan.steps[i].target, "/run/vmm"));
		assert_string_not_equal(plan.steps[i].fstype, "overlay");
	}
	assert_non_null(find("/src"));
	assert_non_null(find("/dev/pts"));
	assert_null(find("/proc")); /* mounted at start already */
}

static void expect_refused(const char *path, const char *cause)
{
	struct cmd_spec spec = { .root_tag = "vmm-root",
				 .mounts = { { "vmm-dir1", path, false } },
				 .nmounts = 1 };
	char why[160] = "";

	assert_int_equal(agent_plan_build(&spec, &plan, why, sizeof(why)), -1);
	if (strlen(path) < 64) /* a long one is cut to fit the line */
		assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, cause));
}

static void test_bad_share_paths(void **state)
{
	(void)state;
	char long_path[PATH_MAX + 8];

	expect_refused("relative/dir", "not an absolute path");
	expect_refused("", "not an absolute path");
	expect_refused("/", "is the root itself");
	expect_refused("/a/../etc", "'..'");
	expect_refused("/..", "'..'");
	expect_refused("/a/./b", "'.'");
	expect_refused("/a//b", "empty component");
	expect_refused("/a/b/", "empty component");
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = 0;
	expect_refused(long_path, "too long");
}

static void test_good_paths_accepted(void **state)
{
	(void)state;
	const char *cause = NULL;

	assert_true(agent_path_ok("/a", &cause));
	assert_true(agent_path_ok("/home/u/my:dir", &cause));
	assert_true(agent_path_ok("/a/..b/.c/...", &cause));
}

static void test_empty_tags_refused(void **state)
{
	(void)state;
	struct cmd_spec spec = { .root_tag = "" };
	struct cmd_spec share = { .mounts = { { "", "/s", true } }, .nmounts = 1 };
	char why[160];

	assert_int_equal(agent_plan_build(&spec, &plan, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "root"));
	assert_int_equal(agent_plan_build(&share, &plan, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/s"));
}

static void test_from_decoded_spec(void **state)
{
	(void)state;
	static const char payload[] = "arg=true\0root=vmm-root\0mount=vmm-dir1:ro:/data\0"
				      "mount=vmm-dir2:rw:/data/out\0";
	struct cmd_spec spec;
	char why[160];

	assert_int_equal(cmd_spec_decode((const uint8_t *)payload, sizeof(payload) - 1, &spec,
					 why, sizeof(why)),
			 0);
	assert_int_equal(agent_plan_build(&spec, &plan, why, sizeof(why)), 0);
	assert_true(find(AGENT_NEWROOT "/data")->flags & MS_RDONLY);
	assert_false(find(AGENT_NEWROOT "/data/out")->flags & MS_RDONLY);
	assert_true(index_of(AGENT_NEWROOT "/data") < index_of(AGENT_NEWROOT "/data/out"));
	cmd_spec_free(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_overlay),
		cmocka_unit_test(test_shares_shallowest_first),
		cmocka_unit_test(test_no_root_keeps_initramfs),
		cmocka_unit_test(test_bad_share_paths),
		cmocka_unit_test(test_good_paths_accepted),
		cmocka_unit_test(test_empty_tags_refused),
		cmocka_unit_test(test_from_decoded_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
