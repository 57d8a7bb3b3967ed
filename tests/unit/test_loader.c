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

#include "kernel_file.h"

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
	put_image_header(fx->kernel_data, KERNEL_SIZE);
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

/*
 * loader_open(kernel, initrd) must fail with VMM_ERR_INPUT, leave nothing
 * open, and say "vmm: <file> <path>: <why>" on one line. The file at fault
 * is the initrd when there is one (the tests give it with a valid kernel),
 * else the kernel. (A macro, so that a wrong message names the test's line.)
 */
#define open_fail(fx, kernel, initrd, why) \
	open_fail_((fx), (kernel), (initrd), (why), __FILE__, __LINE__)

static void open_fail_(struct fixture *fx, const char *kernel, const char *initrd,
		       const char *why, const char *file, int line)
{
	struct unit_capture cap;
	struct boot_files f;
	char want[256];
	int r;

	unit_capture_begin(&cap, 2);
	r = loader_open(&f, kernel, initrd);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INPUT);
	assert_int_equal(f.kernel_fd, -1);
	assert_int_equal(f.initrd_fd, -1);
	assert_int_equal(unit_open_fds(), fx->fds);
	loader_close(&f); /* safe after a failure */
	assert_int_equal(unit_open_fds(), fx->fds);
	snprintf(want, sizeof(want), "%s %s: %s", initrd ? "initrd" : "kernel",
		 initrd ? initrd : kernel, why);
	unit_assert_one_line_(cap.text, want, file, line);
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

	open_fail(fx, fx->missing, NULL, "No such file or directory");
}

static void test_kernel_directory(void **state)
{
	struct fixture *fx = *state;

	open_fail(fx, fx->dir, NULL, "Is a directory");
}

static void test_kernel_not_regular(void **state)
{
	struct fixture *fx = *state;

	open_fail(fx, "/dev/null", NULL, "not a regular file");
}

static void test_kernel_text_file(void **state)
{
	struct fixture *fx = *state;

	open_fail(fx, fx->text, NULL,
		  "unknown format (not an arm64 Image, Image.gz or EFI zboot)");
}

static void test_kernel_short_file(void **state)
{
	struct fixture *fx = *state;
	const char *why = "not an arm64 Image (shorter than its 64-byte header)";

	unit_write_file(fx->text, "hello\n", 6);
	open_fail(fx, fx->text, NULL, why);
	open_fail(fx, fx->empty, NULL, why);
}

static void test_kernel_gzip(void **state)
{
	struct fixture *fx = *state;
	uint8_t gz[200] = { 0x1f, 0x8b, 0x08 };

	unit_write_file(fx->text, gz, sizeof(gz));
	/* gzip is inflated now (tests/unit/test_kernel_format.c); this is junk. */
	open_fail(fx, fx->text, NULL, "corrupt gzip stream (invalid stored block lengths)");
}

static void test_empty_initrd(void **state)
{
	struct fixture *fx = *state;

	open_fail(fx, fx->kernel, fx->empty, "empty file");
}

static void test_missing_initrd(void **state)
{
	struct fixture *fx = *state;

	open_fail(fx, fx->kernel, fx->missing, "No such file or directory");
}

static void test_initrd_directory(void **state)
{
	struct fixture *fx = *state;

	open_fail(fx, fx->kernel, fx->dir, "Is a directory");
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

/*
 * loader_load of f, the kernel alone (opened by the caller), at kernel_addr
 * must fail with VMM_ERR_INPUT and say "vmm: kernel <path>: <why>" on one
 * line. Closes f. (A macro, so that a wrong message names the test's line.)
 */
#define load_fail(fx, f, kernel_addr, why) \
	load_fail_((fx), (f), (kernel_addr), (why), __FILE__, __LINE__)

static void load_fail_(struct fixture *fx, struct boot_files *f, uint64_t kernel_addr,
		       const char *why, const char *file, int line)
{
	struct arm64_layout l = { 0 };
	struct guest_mem gm = { 0 };
	struct unit_capture cap;
	char want[256];
	int r;

	assert_int_equal(gm_init(&gm, RAM_BASE, RAM_SIZE), 0);
	l.kernel_addr = kernel_addr;
	unit_capture_begin(&cap, 2);
	r = loader_load(f, &gm, &l);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INPUT);
	snprintf(want, sizeof(want), "kernel %s: %s", fx->kernel, why);
	unit_assert_one_line_(cap.text, want, file, line);
	loader_close(f);
	gm_destroy(&gm);
}

static void test_load_outside_ram(void **state)
{
	struct fixture *fx = *state;
	struct boot_files f;

	assert_int_equal(loader_open(&f, fx->kernel, NULL), 0);
	/* 8 KiB kernel, 4 KiB left */
	load_fail(fx, &f, RAM_BASE + RAM_SIZE - 4096, "does not fit in guest RAM at 0x803ff000");
}

static void test_load_file_shrank(void **state)
{
	struct fixture *fx = *state;
	struct boot_files f;

	assert_int_equal(loader_open(&f, fx->kernel, NULL), 0);
	assert_int_equal(truncate(fx->kernel, 4096), 0);
	load_fail(fx, &f, RAM_BASE, "file shrank while vmm was using it");
}

/* --- lkvm's raw kernels (loader_open_ex with raw_ok) ---------------- */

/* A headerless binary loads whole at RAM + 0x80000; ELF and bad Images still fail. */
static void test_open_raw(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t tiny[12] = { 0x1f, 0x20, 0x03, 0xd5 }; /* nop ... */
	struct unit_capture cap;
	struct boot_files f;
	uint8_t elf[128] = { 0x7f, 'E', 'L', 'F' };
	uint8_t bad_image[128] = { 0 };

	/* Without raw_ok, as vmm run: refused. */
	open_fail(fx, fx->text, NULL, "unknown format (not an arm64 Image, Image.gz or EFI zboot)");
	unit_capture_begin(&cap, 2);
	assert_int_equal(loader_open_ex(&f, fx->text, NULL, true), 0);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, ""); /* said only with --verbose */
	assert_int_equal(f.img.text_offset, 0x80000);
	assert_int_equal(f.img.file_size, 98);
	assert_int_equal(f.img.image_size, 98);
	loader_close(&f);
	/* Shorter than an Image header: still a program. */
	unit_write_file(fx->text, tiny, sizeof(tiny));
	assert_int_equal(loader_open_ex(&f, fx->text, NULL, true), 0);
	assert_int_equal(f.img.file_size, sizeof(tiny));
	loader_close(&f);
	assert_int_equal(unit_open_fds(), fx->fds);

	unit_write_file(fx->text, elf, sizeof(elf));
	unit_capture_begin(&cap, 2);
	assert_int_equal(loader_open_ex(&f, fx->text, NULL, true), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "kernel ");
	/* The Image magic with a broken header: the header's fault, not raw. */
	memcpy(bad_image + 56, "ARM\x64", 4);
	bad_image[24] = 1; /* flags: big-endian */
	unit_write_file(fx->text, bad_image, sizeof(bad_image));
	unit_capture_begin(&cap, 2);
	assert_int_equal(loader_open_ex(&f, fx->text, NULL, true), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	assert_non_null(strstr(cap.text, "big-endian"));
	/* An empty file is nothing to run. */
	unit_capture_begin(&cap, 2);
	assert_int_equal(loader_open_ex(&f, fx->empty, NULL, true), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	assert_int_equal(unit_open_fds(), fx->fds);
}

/* --- the kernel command line ---------------------------------------- */

/* --nodefaults: no console, no root, nothing trimmed - exactly as given. */
static void test_bootargs_exact(void **state)
{
	struct unit_capture cap;
	char *s;

	(void)state;
	s = loader_bootargs("a  b ", false, NULL);
	assert_string_equal(s, "a  b ");
	free(s);
	s = loader_bootargs(NULL, false, NULL);
	assert_string_equal(s, "");
	free(s);
	s = loader_bootargs("console=ttyS0 x", false, NULL);
	assert_string_equal(s, "console=ttyS0 x");
	free(s);
	{
		char big[2100];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		unit_capture_begin(&cap, 2);
		assert_null(loader_bootargs(big, false, NULL));
		unit_capture_end(&cap);
		unit_assert_one_line_prefix(cap.text, "--params: 2099 bytes");
	}
}

static void assert_bootargs_disk(const char *params, bool disk, const char *want)
{
	struct unit_capture cap;
	char *s;

	unit_capture_begin(&cap, 2);
	s = loader_bootargs(params, disk, "ttyS0");
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void assert_bootargs(const char *params, const char *want)
{
	assert_bootargs_disk(params, false, want);
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

/* With a disk, root=/dev/vda rw is added unless the user chose a root=. */
/* --console virtio: hvc0 is the console; earlycon still uses the UART. */
static void test_bootargs_hvc0(void **state)
{
	char *s;

	(void)state;
	s = loader_bootargs("quiet", false, "hvc0");
	assert_non_null(s);
	assert_string_equal(s, "console=hvc0 earlycon quiet");
	free(s);
}

static void test_bootargs_root_disk(void **state)
{
	(void)state;
	assert_bootargs_disk(NULL, true, "console=ttyS0 earlycon root=/dev/vda rw");
	assert_bootargs_disk("quiet", true, "console=ttyS0 earlycon root=/dev/vda rw quiet");
	assert_bootargs_disk("root=/dev/vdb ro", true, "console=ttyS0 earlycon root=/dev/vdb ro");
	assert_bootargs_disk("console=hvc0", true, "root=/dev/vda rw console=hvc0");
	/* "nfsroot=" is not "root=" */
	assert_bootargs_disk("nfsroot=x", true, "console=ttyS0 earlycon root=/dev/vda rw nfsroot=x");
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

/* loader_bootargs(params), without a disk, must refuse; cap gets what it said. */
static void bootargs_fail(const char *params, struct unit_capture *cap)
{
	char *s;

	unit_capture_begin(cap, 2);
	s = loader_bootargs(params, false, "ttyS0");
	unit_capture_end(cap);
	assert_null(s);
}

static void test_bootargs_too_long(void **state)
{
	struct unit_capture cap;
	char params[3001];

	(void)state;
	memset(params, 'a', 3000);
	params[3000] = '\0';
	bootargs_fail(params, &cap);
	unit_assert_one_line(cap.text, "--params: 3000 bytes, and with the 23 that vmm puts in "
				       "front ('console=ttyS0 earlycon ') the kernel command line has "
				       "3023; arm64 Linux takes at most 2047 (so --params at most 2024 "
				       "here)");
}

/* 2047 bytes fit (COMMAND_LINE_SIZE 2048 with its NUL); 2048 do not. */
static void test_bootargs_limit(void **state)
{
	static const char dflt[] = "console=ttyS0 earlycon ";
	struct unit_capture cap;
	char params[2100], want[2200];
	size_t n = 2047 - (sizeof(dflt) - 1);

	(void)state;
	memset(params, 'b', n);
	params[n] = '\0';
	snprintf(want, sizeof(want), "%s%s", dflt, params);
	assert_int_equal(strlen(want), 2047);
	assert_bootargs(params, want);

	params[n] = 'b';
	params[n + 1] = '\0';
	bootargs_fail(params, &cap);
	unit_assert_one_line(cap.text, "--params: 2025 bytes, and with the 23 that vmm puts in "
				       "front ('console=ttyS0 earlycon ') the kernel command line has "
				       "2048; arm64 Linux takes at most 2047 (so --params at most 2024 "
				       "here)");

	/* A disk adds root=/dev/vda rw too: the message counts it (issue #15). */
	params[n - 17] = '\0';
	snprintf(want, sizeof(want), "%sroot=/dev/vda rw %s", dflt, params);
	assert_int_equal(strlen(want), 2047);
	assert_bootargs_disk(params, true, want);
	params[n - 17] = 'b';
	params[n - 16] = '\0';
	unit_capture_begin(&cap, 2);
	assert_null(loader_bootargs(params, true, "ttyS0"));
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--params: 2008 bytes, and with the 40 that vmm puts in "
				       "front ('console=ttyS0 earlycon root=/dev/vda rw ') the kernel "
				       "command line has 2048; arm64 Linux takes at most 2047 (so "
				       "--params at most 2007 here)");

	/* With its own console=, params are the whole line. */
	memcpy(params, "console=x ", 10);
	memset(params + 10, 'c', 2037);
	params[2047] = '\0';
	assert_bootargs(params, params);
	params[2047] = 'c';
	params[2048] = '\0';
	bootargs_fail(params, &cap);
	unit_assert_one_line(cap.text, "--params: 2048 bytes; arm64 Linux takes a kernel command "
				       "line of at most 2047");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)

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
		T(test_open_raw),
		cmocka_unit_test(test_bootargs),
		cmocka_unit_test(test_bootargs_exact),
		cmocka_unit_test(test_bootargs_netconsole),
		cmocka_unit_test(test_bootargs_root_disk),
		cmocka_unit_test(test_bootargs_hvc0),
		cmocka_unit_test(test_bootargs_too_long),
		cmocka_unit_test(test_bootargs_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
