// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for finding the host's own kernel (vmm/host_kernel.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "unit.h"
#include "vmm/host_kernel.h"

#define REL "6.8.0-31-generic"

struct fixture {
	char root[64];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char p[PATH_MAX];

	if (!fx)
		return -1;
	unit_mkdtemp(fx->root, sizeof(fx->root));
	snprintf(p, sizeof(p), "%s/boot", fx->root);
	assert_int_equal(mkdir(p, 0755), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unit_rmtree(fx->root);
	free(fx);
	return 0;
}

static void put(struct fixture *fx, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", fx->root, rel);
	unit_write_file(p, "kernel", 6);
}

/* host_kernel_find must succeed with ROOT/want, quietly. */
static void assert_finds(struct fixture *fx, const char *want)
{
	struct unit_capture cap;
	char buf[PATH_MAX], w[PATH_MAX];
	int r;

	unit_capture_begin(&cap, 2);
	r = host_kernel_find(fx->root, REL, buf, sizeof(buf));
	unit_capture_end(&cap);
	assert_int_equal(r, 0);
	assert_string_equal(cap.text, "");
	snprintf(w, sizeof(w), "%s/%s", fx->root, want);
	assert_string_equal(buf, w);
}

static void test_order(void **state)
{
	struct fixture *fx = *state;

	put(fx, "boot/Image");
	assert_finds(fx, "boot/Image");
	put(fx, "vmlinuz");
	assert_finds(fx, "vmlinuz");
	put(fx, "boot/vmlinuz");
	assert_finds(fx, "boot/vmlinuz");
	put(fx, "boot/vmlinuz-" REL);
	assert_finds(fx, "boot/vmlinuz-" REL);
}

/* Another release's kernel is not the running one. */
static void test_other_release(void **state)
{
	struct fixture *fx = *state;

	put(fx, "boot/vmlinuz-6.5.0-1-generic");
	put(fx, "vmlinuz");
	assert_finds(fx, "vmlinuz");
}

/* Distribution symlinks are followed; dangling ones and directories are skipped. */
static void test_symlinks(void **state)
{
	struct fixture *fx = *state;
	char p[PATH_MAX];

	put(fx, "boot/vmlinuz-" REL);
	snprintf(p, sizeof(p), "%s/vmlinuz", fx->root);
	assert_int_equal(symlink("boot/vmlinuz-" REL, p), 0);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz", fx->root);
	assert_int_equal(symlink("vmlinuz-5.0-gone", p), 0);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-" REL, fx->root);
	assert_int_equal(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-" REL, fx->root);
	assert_int_equal(mkdir(p, 0755), 0); /* not a file */
	put(fx, "boot/Image");
	/* vmlinuz-REL a directory, boot/vmlinuz dangling, /vmlinuz -> the directory */
	assert_finds(fx, "boot/Image");
}

static void test_none(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char buf[PATH_MAX], want[1024];
	const char *r = fx->root;

	unit_capture_begin(&cap, 2);
	assert_int_equal(host_kernel_find(r, REL, buf, sizeof(buf)), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	snprintf(want, sizeof(want),
		 "kernel: none given, and none of %s/boot/vmlinuz-" REL ", %s/boot/vmlinuz, "
		 "%s/vmlinuz, %s/boot/Image exists (use --kernel IMAGE)", r, r, r, r);
	unit_assert_one_line(cap.text, want);
}

/* Ubuntu: /boot/vmlinuz-* is root's only. The message says what to do. */
static void test_unreadable(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char buf[PATH_MAX], p[PATH_MAX];

	if (geteuid() == 0)
		skip(); /* root reads everything */
	put(fx, "boot/vmlinuz-" REL);
	put(fx, "boot/Image");
	snprintf(p, sizeof(p), "%s/boot/vmlinuz-" REL, fx->root);
	assert_int_equal(chmod(p, 0600 & ~0444), 0);
	unit_capture_begin(&cap, 2);
	assert_int_equal(host_kernel_find(fx->root, REL, buf, sizeof(buf)), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "kernel ");
	assert_non_null(strstr(cap.text, "Permission denied (the host's kernel is readable by "
					 "root only"));
}

/* The real host: whatever it has, one answer or one line, never a crash. */
static void test_this_host(void **state)
{
	struct unit_capture cap;
	const char *p;
	int status = -1;

	(void)state;
	unit_capture_begin(&cap, 2);
	p = host_kernel_path(&status);
	unit_capture_end(&cap);
	if (p) {
		assert_int_equal(status, 0);
		assert_string_equal(cap.text, "");
		assert_true(p[0] == '/');
	} else {
		assert_int_equal(status, VMM_ERR_INPUT);
		unit_assert_one_line_prefix(cap.text, "kernel");
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_order),
		T(test_other_release),
		T(test_symlinks),
		T(test_none),
		T(test_unreadable),
		cmocka_unit_test(test_this_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
