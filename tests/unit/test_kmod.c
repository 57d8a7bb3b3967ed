// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the modules of the built-in initramfs (vmm/kmod.c, vmm/kmod_files.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "unit.h"
#include "vmm/kmod.h"
#include "vmm/kmod_files.h"

/* --- a newc reader, independent of the writer ------------------------- */

struct entry {
	char name[128];
	unsigned long f[13]; /* ino mode uid gid nlink mtime size dmaj dmin rmaj rmin namesize check */
	const uint8_t *data;
};

static unsigned long hex8(const uint8_t *p)
{
	char s[9];

	memcpy(s, p, 8);
	s[8] = '\0';
	for (int i = 0; i < 8; i++)
		assert_true(strchr("0123456789ABCDEF", s[i]) != NULL); /* upper-case hex */
	return strtoul(s, NULL, 16);
}

/* Parse the archive into e[] (at most max); returns the count, TRAILER!!! included. */
static size_t cpio_parse(const uint8_t *a, size_t len, struct entry *e, size_t max)
{
	size_t off = 0, n = 0;

	while (off < len && n < max) {
		struct entry *x = &e[n++];

		assert_true(off % 4 == 0);
		assert_true(off + 110 <= len);
		assert_memory_equal(a + off, "070701", 6);
		for (int i = 0; i < 13; i++)
			x->f[i] = hex8(a + off + 6 + 8 * i);
		assert_true(x->f[11] >= 1 && x->f[11] < sizeof(x->name));
		assert_true(off + 110 + x->f[11] <= len);
		memcpy(x->name, a + off + 110, x->f[11]);
		assert_int_equal(x->name[x->f[11] - 1], '\0');
		off += 110 + x->f[11];
		off = (off + 3) & ~(size_t)3;
		x->data = a + off;
		off += x->f[6];
		assert_true(off <= len);
		off = (off + 3) & ~(size_t)3;
		if (!strcmp(x->name, "TRAILER!!!"))
			break;
	}
	assert_int_equal(off, len);
	return n;
}

/* --- modules.dep ------------------------------------------------------- */

static const char DEP[] =
	"# a comment\n"
	"kernel/drivers/virtio/virtio_mmio.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz "
	"kernel/drivers/virtio/virtio.ko.xz\n"
	"\n"
	"kernel/drivers/virtio/virtio_ring.ko.xz: kernel/drivers/virtio/virtio.ko.xz\n"
	"kernel/drivers/virtio/virtio.ko.xz:\n"
	"kernel/drivers/char/hw_random/virtio-rng.ko.xz: \\\n"
	"   kernel/drivers/virtio/virtio.ko.xz\t\\\n"
	"   /lib/modules/x/kernel/drivers/char/hw_random/rng-core.ko.zst\n"
	"/lib/modules/x/kernel/drivers/char/hw_random/rng-core.ko.zst:\n"
	"kernel/fs/overlayfs/overlay.ko.gz:\n";

static void test_dep_parse(void **state)
{
	struct kmod_db db;
	char why[128];
	long m, rng, core;

	(void)state;
	assert_int_equal(kmod_dep_parse(DEP, strlen(DEP), &db, why, sizeof(why)), 0);
	assert_int_equal(db.nmods, 6);
	m = kmod_db_find(&db, "virtio_mmio");
	assert_int_equal(m, 0);
	assert_string_equal(db.mods[0].path, "kernel/drivers/virtio/virtio_mmio.ko.xz");
	assert_int_equal(db.mods[0].ndeps, 2);
	assert_int_equal(db.mods[0].deps[0], kmod_db_find(&db, "virtio_ring"));
	assert_int_equal(db.mods[0].deps[1], kmod_db_find(&db, "virtio"));
	/* The continued line, with a '-' name and an absolute dependency. */
	rng = kmod_db_find(&db, "virtio_rng");
	core = kmod_db_find(&db, "rng_core");
	assert_true(rng >= 0 && core >= 0);
	assert_int_equal(db.mods[rng].ndeps, 2);
	assert_int_equal(db.mods[rng].deps[1], core);
	assert_string_equal(db.mods[core].path,
			    "/lib/modules/x/kernel/drivers/char/hw_random/rng-core.ko.zst");
	assert_int_equal(db.mods[kmod_db_find(&db, "virtio")].ndeps, 0);
	assert_true(kmod_db_find(&db, "overlay") >= 0);
	assert_int_equal(kmod_db_find(&db, "fuse"), -1);
	kmod_db_free(&db);
}

static void assert_dep_bad(const char *text, const char *want)
{
	struct kmod_db db;
	char why[256];

	assert_int_equal(kmod_dep_parse(text, strlen(text), &db, why, sizeof(why)), -1);
	assert_string_equal(why, want);
	assert_int_equal(db.nmods, 0);
	assert_null(db.mods);
}

static void test_dep_malformed(void **state)
{
	(void)state;
	assert_dep_bad("a.ko:\nb.ko c.ko\n", "line 2: no ':' after the module path");
	assert_dep_bad("a.ko: b.ko\n", "line 1: a.ko needs b.ko, which has no line of its own");
	assert_dep_bad("# x\nREADME:\n", "line 2: 'README' is not a module file name");
	assert_dep_bad("x/.ko:\n", "line 1: 'x/.ko' is not a module file name");
}

/* An empty modules.dep (a kernel with no modules at all) is fine. */
static void test_dep_empty(void **state)
{
	struct kmod_db db;
	char why[64];

	(void)state;
	assert_int_equal(kmod_dep_parse("", 0, &db, why, sizeof(why)), 0);
	assert_int_equal(db.nmods, 0);
	kmod_db_free(&db);
}

static void test_name(void **state)
{
	char n[64];

	(void)state;
	assert_true(kmod_name("a/b/virtio-rng.ko.xz", n, sizeof(n)));
	assert_string_equal(n, "virtio_rng");
	assert_true(kmod_name("fuse.ko", n, sizeof(n)));
	assert_string_equal(n, "fuse");
	assert_true(kmod_name("x.ko.zst", n, sizeof(n)));
	assert_string_equal(n, "x");
	assert_true(kmod_name("x.ko.gz", n, sizeof(n)));
	assert_false(kmod_name("x.ko.bz2", n, sizeof(n)));
	assert_false(kmod_name("x.o", n, sizeof(n)));
	assert_false(kmod_name("abcdef.ko", n, 4)); /* does not fit */
}

/* --- closure ----------------------------------------------------------- */

static size_t pos(const size_t *order, size_t n, long m)
{
	for (size_t i = 0; i < n; i++)
		if ((long)order[i] == m)
			return i;
	fail_msg("module %ld not in the order", m);
	return 0;
}

/* Shared dependencies come once, before every module that needs them. */
static void test_closure_shared(void **state)
{
	struct kmod_db db;
	char why[64];
	size_t order[8], n, roots[3];
	long mmio, ring, virtio, rng, core;

	(void)state;
	assert_int_equal(kmod_dep_parse(DEP, strlen(DEP), &db, why, sizeof(why)), 0);
	mmio = kmod_db_find(&db, "virtio_mmio");
	rng = kmod_db_find(&db, "virtio_rng");
	ring = kmod_db_find(&db, "virtio_ring");
	virtio = kmod_db_find(&db, "virtio");
	core = kmod_db_find(&db, "rng_core");
	roots[0] = (size_t)rng;
	roots[1] = (size_t)mmio;
	roots[2] = (size_t)rng; /* asked twice */
	assert_int_equal(kmod_closure(&db, roots, 3, order, &n), 0);
	assert_int_equal(n, 5); /* not overlay */
	assert_true(pos(order, n, virtio) < pos(order, n, ring));
	assert_true(pos(order, n, ring) < pos(order, n, mmio));
	assert_true(pos(order, n, virtio) < pos(order, n, rng));
	assert_true(pos(order, n, core) < pos(order, n, rng));
	kmod_db_free(&db);
}

/* a -> b -> c -> a: each once, and the loop ends. */
static void test_closure_cycle(void **state)
{
	static const char t[] = "a.ko: b.ko\nb.ko: c.ko\nc.ko: a.ko\nd.ko: d.ko\n";
	struct kmod_db db;
	char why[64];
	size_t order[4], n, roots[2];

	(void)state;
	assert_int_equal(kmod_dep_parse(t, strlen(t), &db, why, sizeof(why)), 0);
	roots[0] = (size_t)kmod_db_find(&db, "a");
	roots[1] = (size_t)kmod_db_find(&db, "d");
	assert_int_equal(kmod_closure(&db, roots, 2, order, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], kmod_db_find(&db, "c"));
	assert_int_equal(order[1], kmod_db_find(&db, "b"));
	assert_int_equal(order[2], kmod_db_find(&db, "a"));
	assert_int_equal(order[3], kmod_db_find(&db, "d"));
	kmod_db_free(&db);
}

static void test_builtin(void **state)
{
	static const char b[] = "kernel/fs/fuse/fuse.ko\nkernel/fs/fuse/virtiofs.ko\n"
				"kernel/drivers/char/hw_random/virtio-rng.ko";
	size_t len = strlen(b);

	(void)state;
	assert_true(kmod_builtin_has(b, len, "fuse"));
	assert_true(kmod_builtin_has(b, len, "virtiofs"));
	assert_true(kmod_builtin_has(b, len, "virtio_rng")); /* last line, no newline */
	assert_false(kmod_builtin_has(b, len, "virtio"));
	assert_false(kmod_builtin_has(b, len, "fus"));
	assert_false(kmod_builtin_has("", 0, "fuse"));
}

/* --- release ----------------------------------------------------------- */

static void test_release(void **state)
{
	/* A "Linux version " without a release first (a message), then the banner. */
	static const uint8_t img[] = "\x00\x01MZ junk Linux version %s\0 Linux version \0"
		"Linux version 6.12.118+deb12-cloud-arm64 (debian-kernel@lists.debian.org) "
		"(gcc 12) #1 SMP\n\0more";
	char r[80];

	(void)state;
	assert_true(kmod_release_find(img, sizeof(img), r, sizeof(r)));
	assert_string_equal(r, "6.12.118+deb12-cloud-arm64");
	assert_false(kmod_release_find(img, 40, r, sizeof(r)));
	assert_false(kmod_release_find((const uint8_t *)"Linux version 6.1", 17, r, sizeof(r)));
	assert_false(kmod_release_find((const uint8_t *)"Linux version 6.1/x ", 20, r, sizeof(r)));
	assert_false(kmod_release_find(img, sizeof(img), r, 8)); /* does not fit */
	assert_true(kmod_release_find((const uint8_t *)"Linux version 6.1.0-57-cloud-arm64 (",
				      35, r, sizeof(r)));
	assert_string_equal(r, "6.1.0-57-cloud-arm64");
}

/* --- cpio -------------------------------------------------------------- */

static void test_cpio_fields(void **state)
{
	struct kmod_buf b = { 0 };
	struct entry e[4];
	size_t n;

	(void)state;
	assert_int_equal(kmod_cpio_add(&b, "vmm-modules", 0040755, 1, NULL, 0), 0);
	assert_int_equal(kmod_cpio_add(&b, "vmm-modules/a.ko", 0100644, 2, "hello", 5), 0);
	assert_int_equal(kmod_cpio_end(&b), 0);
	/* The first header byte for byte: 110 bytes, then the name and its NUL, padded. */
	assert_memory_equal(b.data, "070701" "00000001" "000041ED" "00000000" "00000000"
			    "00000002" "00000000" "00000000" "00000000" "00000000" "00000000"
			    "00000000" "0000000C" "00000000" "vmm-modules\0", 122);
	assert_int_equal(b.len % 4, 0);
	n = cpio_parse(b.data, b.len, e, 4);
	assert_int_equal(n, 3);
	assert_string_equal(e[1].name, "vmm-modules/a.ko");
	assert_int_equal(e[1].f[0], 2);
	assert_int_equal(e[1].f[1], 0100644);
	assert_int_equal(e[1].f[2], 0);
	assert_int_equal(e[1].f[4], 1);
	assert_int_equal(e[1].f[6], 5);
	assert_int_equal(e[1].f[11], 17);
	assert_memory_equal(e[1].data, "hello", 5);
	assert_string_equal(e[2].name, "TRAILER!!!");
	assert_int_equal(e[2].f[6], 0);
	kmod_buf_free(&b);
}

/* --- the directory ----------------------------------------------------- */

#define REL "6.12.0-1-cloud-arm64"

struct fixture {
	char root[64];
	char dir[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char p[PATH_MAX + 64];

	if (!fx)
		return -1;
	unit_mkdtemp(fx->root, sizeof(fx->root));
	snprintf(fx->dir, sizeof(fx->dir), "%s/" REL, fx->root);
	assert_int_equal(mkdir(fx->dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/kernel", fx->dir);
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

static void put(struct fixture *fx, const char *rel, const char *text)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", fx->dir, rel);
	unit_write_file(p, text, strlen(text));
}

static int archive(struct fixture *fx, struct kmod_buf *b, bool *missing, const char **msg)
{
	static struct unit_capture cap;
	int r;

	unit_capture_begin(&cap, 2);
	r = kmod_archive(fx->root, REL, b, missing);
	*msg = unit_capture_end(&cap);
	return r;
}

static void test_archive(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	struct entry e[8];
	const char *msg;
	bool missing;
	size_t n;

	put(fx, "modules.dep", "kernel/virtio_mmio.ko.xz: kernel/virtio_ring.ko\n"
	    "kernel/virtio_ring.ko:\nkernel/fuse.ko:\nkernel/unrelated.ko:\n"
	    "kernel/virtiofs.ko: kernel/fuse.ko\n");
	put(fx, "modules.builtin", "kernel/fuse.ko\nkernel/virtiofs.ko\n");
	put(fx, "kernel/virtio_mmio.ko.xz", "MMIO");
	put(fx, "kernel/virtio_ring.ko", "RING!");
	assert_int_equal(archive(fx, &b, &missing, &msg), 0);
	assert_string_equal(msg, "");
	assert_false(missing);
	n = cpio_parse(b.data, b.len, e, 8);
	assert_int_equal(n, 5);
	assert_string_equal(e[0].name, "vmm-modules");
	assert_int_equal(e[0].f[1], 0040755);
	assert_string_equal(e[1].name, "vmm-modules/virtio_ring.ko");
	assert_memory_equal(e[1].data, "RING!", 5);
	assert_string_equal(e[2].name, "vmm-modules/virtio_mmio.ko.xz");
	assert_memory_equal(e[2].data, "MMIO", 4);
	assert_string_equal(e[3].name, "vmm-modules/order");
	assert_int_equal(e[3].f[6], strlen("virtio_ring.ko\nvirtio_mmio.ko.xz\n"));
	assert_memory_equal(e[3].data, "virtio_ring.ko\nvirtio_mmio.ko.xz\n", e[3].f[6]);
	assert_string_equal(e[4].name, "TRAILER!!!");
	kmod_buf_free(&b);
}

/* Nothing wanted is a module (all built in, or absent): no archive at all. */
static void test_archive_nothing(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	const char *msg;
	bool missing;

	put(fx, "modules.dep", "kernel/unrelated.ko:\n");
	assert_int_equal(archive(fx, &b, &missing, &msg), 0);
	assert_int_equal(b.len, 0);
	assert_false(missing);
	assert_string_equal(msg, "");
}

static void test_archive_missing(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	const char *msg;
	bool missing;

	/* The directory exists but has no modules.dep, then it does not exist. */
	assert_int_equal(archive(fx, &b, &missing, &msg), 0);
	assert_true(missing);
	assert_int_equal(b.len, 0);
	assert_string_equal(msg, "");
	unit_rmtree(fx->dir);
	assert_int_equal(archive(fx, &b, &missing, &msg), 0);
	assert_true(missing);
	assert_string_equal(msg, "");
}

static void test_archive_malformed(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	const char *msg;
	bool missing;

	put(fx, "modules.dep", "kernel/virtio_mmio.ko no colon\n");
	assert_int_equal(archive(fx, &b, &missing, &msg), VMM_ERR_INPUT);
	unit_assert_one_line_prefix(msg, "modules: ");
	assert_non_null(strstr(msg, "modules.dep: line 1: no ':' after the module path"));
	assert_null(b.data);
}

/* A module that modules.dep names but that is not there. */
static void test_archive_file_gone(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	const char *msg;
	bool missing;

	put(fx, "modules.dep", "kernel/overlay.ko:\n");
	assert_int_equal(archive(fx, &b, &missing, &msg), VMM_ERR_INPUT);
	unit_assert_one_line_prefix(msg, "modules: ");
	assert_non_null(strstr(msg, "kernel/overlay.ko: listed in"));
	assert_null(b.data);
}

static void make_sparse(struct fixture *fx, const char *rel, off_t size)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", fx->dir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static void test_archive_huge_dep(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	const char *msg;
	bool missing;

	make_sparse(fx, "modules.dep", (off_t)KMOD_MAX_INDEX + 1);
	assert_int_equal(archive(fx, &b, &missing, &msg), VMM_ERR_INPUT);
	unit_assert_one_line_prefix(msg, "modules: ");
	assert_non_null(strstr(msg, "more than the 16 MiB vmm takes"));
}

static void test_archive_too_big(void **state)
{
	struct fixture *fx = *state;
	struct kmod_buf b;
	const char *msg;
	bool missing;

	put(fx, "modules.dep", "kernel/virtio_blk.ko:\nkernel/virtio_net.ko:\n");
	make_sparse(fx, "kernel/virtio_blk.ko", 40 << 20);
	make_sparse(fx, "kernel/virtio_net.ko", 40 << 20);
	assert_int_equal(archive(fx, &b, &missing, &msg), VMM_ERR_INPUT);
	unit_assert_one_line_prefix(msg, "modules: ");
	assert_non_null(strstr(msg, "the modules vmm needs exceed 64 MiB"));
	assert_null(b.data);
}

/* --- the built-in initramfs with the modules appended ------------------ */

/* A kernel file for f: only kernel_fd and kernel_path matter here. */
static void fake_kernel(struct fixture *fx, struct boot_files *f, const char *text)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/Image", fx->root);
	unit_write_file(p, text, strlen(text));
	memset(f, 0, sizeof(*f));
	f->kernel_path = "Image";
	f->initrd_fd = -1;
	f->kernel_fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(f->kernel_fd >= 0);
}

/* The initrd f now has, read back from its memfd. */
static uint8_t *initrd_bytes(const struct boot_files *f)
{
	uint8_t *b = malloc(f->initrd_size);

	assert_non_null(b);
	assert_int_equal(pread(f->initrd_fd, b, f->initrd_size, 0), (ssize_t)f->initrd_size);
	return b;
}

static const char BUILTIN[] = "GZIP-STREAM"; /* 11 bytes: 1 byte of padding follows */

static void test_initrd_appended(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	struct boot_files f;
	struct entry e[4];
	uint8_t *b;

	put(fx, "modules.dep", "kernel/overlay.ko.zst:\n");
	put(fx, "kernel/overlay.ko.zst", "OVL");
	fake_kernel(fx, &f, "\x1f junk Linux version " REL " (gcc) #1 SMP");
	unit_capture_begin(&cap, 2);
	assert_int_equal(kmod_builtin_initrd_at(&f, fx->root, false, "(built-in)", BUILTIN,
						sizeof(BUILTIN) - 1), 0);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	b = initrd_bytes(&f);
	/* The built-in archive as it was, zeros to a 4-byte boundary, the modules. */
	assert_memory_equal(b, BUILTIN, 11);
	assert_int_equal(b[11], 0);
	assert_int_equal(cpio_parse(b + 12, f.initrd_size - 12, e, 4), 4);
	assert_string_equal(e[1].name, "vmm-modules/overlay.ko.zst");
	assert_memory_equal(e[2].data, "overlay.ko.zst\n", 15);
	free(b);
	loader_close(&f);
}

/* No modules directory: the built-in archive alone, one warning when no virtio-mmio. */
static void test_initrd_no_dir(void **state)
{
	struct fixture *fx = *state;
	struct unit_capture cap;
	struct boot_files f;
	uint8_t *b;

	unit_rmtree(fx->dir);
	fake_kernel(fx, &f, "Linux version " REL " (gcc)");
	unit_capture_begin(&cap, 2);
	assert_int_equal(kmod_builtin_initrd_at(&f, fx->root, false, "(built-in)", BUILTIN,
						sizeof(BUILTIN) - 1), 0);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "warning: modules: ");
	assert_non_null(strstr(cap.text, REL "/modules.dep does not exist"));
	assert_int_equal(f.initrd_size, 11);
	b = initrd_bytes(&f);
	assert_memory_equal(b, BUILTIN, 11);
	free(b);
	loader_close(&f);
	/* A kernel with the driver built in needs nothing: quiet. */
	fake_kernel(fx, &f, "Linux version " REL " (gcc) ... virtio-mmio ...");
	unit_capture_begin(&cap, 2);
	assert_int_equal(kmod_builtin_initrd_at(&f, fx->root, false, "(built-in)", BUILTIN,
						sizeof(BUILTIN) - 1), 0);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	loader_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dep_parse),
		cmocka_unit_test(test_dep_malformed),
		cmocka_unit_test(test_dep_empty),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_closure_shared),
		cmocka_unit_test(test_closure_cycle),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_cpio_fields),
		cmocka_unit_test_setup_teardown(test_archive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_file_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_huge_dep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_appended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_no_dir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
