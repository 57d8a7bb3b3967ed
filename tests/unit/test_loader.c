// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for opening, validating and loading boot files (vmm/loader.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "unit.h"
#include "vmm/loader.h"

#define KERNEL_SIZE 8192
#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (4ULL << 20)

struct fixture {
	char dir[64];
	char kernel[128];   /* a valid Image */
	char initrd[128];   /* 3000 bytes */
	char missing[128];  /* does not exist */
	char text[128];     /* a text file */
	char empty[128];    /* zero bytes */
	uint8_t kernel_data[KERNEL_SIZE];
	uint8_t initrd_data[3000];
	int fds;            /* open descriptors before the test */
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	unsigned int i;

	if (!fx)
		return -1;
	unit_mkdtemp(fx->dir, sizeof(fx->dir));
	snprintf(fx->kernel, sizeof(fx->kernel), "%s/Image", fx->dir);
	snprintf(fx->initrd, sizeof(fx->initrd), "%s/initrd.img", fx->dir);
	snprintf(fx->missing, sizeof(fx->missing), "%s/nope", fx->dir);
	snprintf(fx->text, sizeof(fx->text), "%s/notes.txt", fx->dir);
	snprintf(fx->empty, sizeof(fx->empty), "%s/empty", fx->dir);

	for (i = 0; i < KERNEL_SIZE; i++)
		fx->kernel_data[i] = (uint8_t)(i * 7 + 1);
	memset(fx->kernel_data, 0, 64);
	put32(fx->kernel_data + 16, KERNEL_SIZE); /* image_size */
	put32(fx->kernel_data + 24, 0xa);         /* LE, 4K, anywhere */
	put32(fx->kernel_data + 56, IMAGE_MAGIC);
	unit_write_file(fx->kernel, fx->kernel_data, sizeof(fx->kernel_data));

	for (i = 0; i < sizeof(fx->initrd_data); i++)
		fx->initrd_data[i] = (uint8_t)(i * 13 + 5);
	unit_write_file(fx->initrd, fx->initrd_data, sizeof(fx->initrd_data));

	{
		static const char txt[] = "This is not a kernel. It is a text file that is "
					  "longer than sixty-four bytes, so it has a header.\n";

		unit_write_file(fx->text, txt, sizeof(txt) - 1);
	}
	unit_write_file(fx->empty, "", 0);
	fx->fds = unit_open_fds();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unit_rmtree(fx->dir);
	free(fx);
	return 0;
}

/* loader_open that must fail with VMM_ERR_INPUT, leaving nothing open. */
static void open_fail(struct fixture *fx, const char *kernel, const char *initrd,
		      struct unit_capture *cap)
{
	struct boot_files f;
	int r;

	unit_capture_begin(cap, 2);
	r = loader_open(&f, kernel, initrd);
	unit_capture_end(cap);
	assert_int_equal(r, VMM_ERR_INPUT);
	assert_int_equal(f.kernel_fd, -1);
	assert_int_equal(f.initrd_fd, -1);
	assert_int_equal(unit_open_fds(), fx->fds);
	loader_close(&f); /* safe after a failure */
	assert_int_equal(unit_open_fds(), fx->fds);
}

static void test_open_ok(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	struct boot_files f;

	unit_capture_begin(&cap, 2);
	assert_int_equal(loader_open(&f, fx->kernel, fx->initrd), 0);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	assert_string_equal(f.kernel_path, fx->kernel);
	assert_string_equal(f.initrd_path, fx->initrd);
	assert_true(f.kernel_fd >= 0);
	assert_true(f.initrd_fd >= 0);
	assert_int_equal(f.initrd_size, 3000);
	assert_int_equal(f.img.image_size, KERNEL_SIZE);
	assert_int_equal(f.img.file_size, KERNEL_SIZE);
	assert_int_equal(f.img.page_kb, 4);
	assert_int_equal(unit_open_fds(), fx->fds + 2);
	loader_close(&f);
	assert_int_equal(f.kernel_fd, -1);
	assert_int_equal(f.initrd_fd, -1);
	assert_int_equal(unit_open_fds(), fx->fds);
	loader_close(&f); /* twice is fine */
	assert_int_equal(unit_open_fds(), fx->fds);
}

static void test_open_no_initrd(void **state)
{
	struct fixture *fx = *state;
	struct boot_files f;

	assert_int_equal(loader_open(&f, fx->kernel, NULL), 0);
	assert_null(f.initrd_path);
	assert_int_equal(f.initrd_fd, -1);
	assert_int_equal(f.initrd_size, 0);
	assert_int_equal(unit_open_fds(), fx->fds + 1);
	loader_close(&f);
	assert_int_equal(unit_open_fds(), fx->fds);
}

static void test_missing_kernel(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	open_fail(fx, fx->missing, NULL, &cap);
	snprintf(want, sizeof(want), "kernel %s: No such file or directory", fx->missing);
	unit_assert_one_line(cap.text, want);
}

static void test_kernel_directory(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	open_fail(fx, fx->dir, NULL, &cap);
	snprintf(want, sizeof(want), "kernel %s: Is a directory", fx->dir);
	unit_assert_one_line(cap.text, want);
}

static void test_kernel_not_regular(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;

	open_fail(fx, "/dev/null", NULL, &cap);
	unit_assert_one_line(cap.text, "kernel /dev/null: not a regular file");
}

static void test_kernel_text_file(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	open_fail(fx, fx->text, NULL, &cap);
	snprintf(want, sizeof(want), "kernel %s: not an arm64 Image (bad magic)", fx->text);
	unit_assert_one_line(cap.text, want);
}

static void test_kernel_short_file(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	unit_write_file(fx->text, "hello\n", 6);
	open_fail(fx, fx->text, NULL, &cap);
	snprintf(want, sizeof(want), "kernel %s: not an arm64 Image (shorter than its 64-byte "
		 "header)", fx->text);
	unit_assert_one_line(cap.text, want);

	open_fail(fx, fx->empty, NULL, &cap);
	snprintf(want, sizeof(want), "kernel %s: not an arm64 Image (shorter than its 64-byte "
		 "header)", fx->empty);
	unit_assert_one_line(cap.text, want);
}

static void test_kernel_gzip(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	uint8_t gz[200] = { 0x1f, 0x8b, 0x08 };
	char want[256];

	unit_write_file(fx->text, gz, sizeof(gz));
	open_fail(fx, fx->text, NULL, &cap);
	snprintf(want, sizeof(want),
		 "kernel %s: not an arm64 Image (gzip-compressed; decompress it first)", fx->text);
	unit_assert_one_line(cap.text, want);
}

static void test_empty_initrd(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	open_fail(fx, fx->kernel, fx->empty, &cap);
	snprintf(want, sizeof(want), "initrd %s: empty file", fx->empty);
	unit_assert_one_line(cap.text, want);
}

static void test_missing_initrd(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	open_fail(fx, fx->kernel, fx->missing, &cap);
	snprintf(want, sizeof(want), "initrd %s: No such file or directory", fx->missing);
	unit_assert_one_line(cap.text, want);
}

static void test_initrd_directory(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	char want[256];

	open_fail(fx, fx->kernel, fx->dir, &cap);
	snprintf(want, sizeof(want), "initrd %s: Is a directory", fx->dir);
	unit_assert_one_line(cap.text, want);
}

/* --- loading into guest RAM ------------------------------------------ */

static void test_load(void **state)
{
	struct fixture *fx = *state;
	struct arm64_layout l = { 0 };
	struct guest_mem gm = { 0 };
	struct boot_files f;
	uint8_t *p;

	assert_int_equal(gm_init(&gm, RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(loader_open(&f, fx->kernel, fx->initrd), 0);
	l.ram_base = RAM_BASE;
	l.ram_size = RAM_SIZE;
	l.kernel_addr = RAM_BASE + 0x80000;
	l.initrd_addr = RAM_BASE + RAM_SIZE - 0x10000 - 0x1000;
	l.initrd_size = 3000;
	assert_int_equal(loader_load(&f, &gm, &l), 0);
	p = gm_ptr(&gm, l.kernel_addr, KERNEL_SIZE);
	assert_non_null(p);
	assert_memory_equal(p, fx->kernel_data, KERNEL_SIZE);
	assert_int_equal(p[KERNEL_SIZE], 0); /* nothing past the file */
	assert_int_equal(p[-1], 0);
	p = gm_ptr(&gm, l.initrd_addr, 3000);
	assert_non_null(p);
	assert_memory_equal(p, fx->initrd_data, 3000);
	assert_int_equal(p[3000], 0);

	/* A reboot loads again from the same open files. */
	gm_discard(&gm);
	assert_int_equal(loader_load(&f, &gm, &l), 0);
	assert_memory_equal(gm_ptr(&gm, l.kernel_addr, KERNEL_SIZE), fx->kernel_data, KERNEL_SIZE);
	assert_memory_equal(gm_ptr(&gm, l.initrd_addr, 3000), fx->initrd_data, 3000);

	loader_close(&f);
	gm_destroy(&gm);
}

static void test_load_outside_ram(void **state)
{
	struct fixture *fx = *state;
	struct arm64_layout l = { 0 };
	struct guest_mem gm = { 0 };
	struct unit_capture cap;
	struct boot_files f;
	char want[256];
	int r;

	assert_int_equal(gm_init(&gm, RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(loader_open(&f, fx->kernel, NULL), 0);
	l.kernel_addr = RAM_BASE + RAM_SIZE - 4096; /* 8 KiB kernel, 4 KiB left */
	unit_capture_begin(&cap, 2);
	r = loader_load(&f, &gm, &l);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INPUT);
	snprintf(want, sizeof(want), "kernel %s: does not fit in guest RAM at 0x803ff000",
		 fx->kernel);
	unit_assert_one_line(cap.text, want);
	loader_close(&f);
	gm_destroy(&gm);
}

static void test_load_file_shrank(void **state)
{
	struct fixture *fx = *state;
	struct arm64_layout l = { 0 };
	struct guest_mem gm = { 0 };
	struct unit_capture cap;
	struct boot_files f;
	char want[256];
	int r;

	assert_int_equal(gm_init(&gm, RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(loader_open(&f, fx->kernel, NULL), 0);
	assert_int_equal(truncate(fx->kernel, 4096), 0);
	l.kernel_addr = RAM_BASE;
	unit_capture_begin(&cap, 2);
	r = loader_load(&f, &gm, &l);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INPUT);
	snprintf(want, sizeof(want), "kernel %s: file shrank while vmm was using it", fx->kernel);
	unit_assert_one_line(cap.text, want);
	loader_close(&f);
	gm_destroy(&gm);
}

/* --- the kernel command line ---------------------------------------- */

static void assert_bootargs(const char *params, const char *want)
{
	struct unit_capture cap;
	char *s;

	unit_capture_begin(&cap, 2);
	s = loader_bootargs(params);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_bootargs(void **state)
{
	(void)state;
	assert_bootargs(NULL, "console=ttyS0 earlycon");
	assert_bootargs("", "console=ttyS0 earlycon");
	assert_bootargs("quiet", "console=ttyS0 earlycon quiet");
	assert_bootargs("root=/dev/vda rw", "console=ttyS0 earlycon root=/dev/vda rw");
	assert_bootargs("console=hvc0 x", "console=hvc0 x");
	assert_bootargs("root=/dev/vda console=ttyAMA0", "root=/dev/vda console=ttyAMA0");
}

/*
 * Only a console= parameter of its own chooses the console: netconsole= (or
 * any other parameter ending in "console=") does not.
 */
static void test_bootargs_netconsole(void **state)
{
	(void)state;
	assert_bootargs("netconsole=6665@10.0.0.2/eth0,6666@10.0.0.1/",
			"console=ttyS0 earlycon netconsole=6665@10.0.0.2/eth0,6666@10.0.0.1/");
}

static void test_bootargs_too_long(void **state)
{
	struct unit_capture cap;
	char params[3001];
	char *s;

	(void)state;
	memset(params, 'a', 3000);
	params[3000] = '\0';
	unit_capture_begin(&cap, 2);
	s = loader_bootargs(params);
	unit_capture_end(&cap);
	assert_null(s);
	unit_assert_one_line(cap.text, "--params: kernel command line of 3023 bytes, arm64 Linux "
				       "takes at most 2047");
}

/* 2047 bytes fit (COMMAND_LINE_SIZE 2048 with its NUL); 2048 do not. */
static void test_bootargs_limit(void **state)
{
	static const char dflt[] = "console=ttyS0 earlycon ";
	struct unit_capture cap;
	char params[2100], want[2200];
	size_t n = 2047 - (sizeof(dflt) - 1);
	char *s;

	(void)state;
	memset(params, 'b', n);
	params[n] = '\0';
	snprintf(want, sizeof(want), "%s%s", dflt, params);
	assert_int_equal(strlen(want), 2047);
	assert_bootargs(params, want);

	params[n] = 'b';
	params[n + 1] = '\0';
	unit_capture_begin(&cap, 2);
	s = loader_bootargs(params);
	unit_capture_end(&cap);
	assert_null(s);
	unit_assert_one_line(cap.text, "--params: kernel command line of 2048 bytes, arm64 Linux "
				       "takes at most 2047");

	/* With its own console=, params are the whole line. */
	memcpy(params, "console=x ", 10);
	memset(params + 10, 'c', 2037);
	params[2047] = '\0';
	assert_bootargs(params, params);
	params[2047] = 'c';
	params[2048] = '\0';
	unit_capture_begin(&cap, 2);
	s = loader_bootargs(params);
	unit_capture_end(&cap);
	assert_null(s);
	unit_assert_one_line_prefix(cap.text, "--params: kernel command line of 2048 bytes");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_ok),
		T(test_open_no_initrd),
		T(test_missing_kernel),
		T(test_kernel_directory),
		T(test_kernel_not_regular),
		T(test_kernel_text_file),
		T(test_kernel_short_file),
		T(test_kernel_gzip),
		T(test_empty_initrd),
		T(test_missing_initrd),
		T(test_initrd_directory),
		T(test_load),
		T(test_load_outside_ram),
		T(test_load_file_shrank),
		cmocka_unit_test(test_bootargs),
		cmocka_unit_test(test_bootargs_netconsole),
		cmocka_unit_test(test_bootargs_too_long),
		cmocka_unit_test(test_bootargs_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
