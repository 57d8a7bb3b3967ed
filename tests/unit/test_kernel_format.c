// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kernel formats (vmm/kernel_format.c) and for what the loader
 * does with them (vmm/loader.c): raw Image, Image.gz, EFI zboot with a gzip
 * payload, and everything that is refused. The kernels are synthetic: a
 * valid 64-byte Image header and pseudo-random bytes, compressed here with
 * zlib's gzip writer, wrapped in a zboot header written by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "status.h"
#include "unit.h"
#include "vmm/kernel_format.h"
#include "vmm/loader.h"

#define KERNEL_SIZE (3u << 20) /* several input and output chunks */
#define ZBOOT_PAYLOAD_AT 4096
#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (16ULL << 20)

struct fixture {
	char dir[64];
	char path[128];        /* the kernel file of the test */
	const uint8_t *image;  /* KERNEL_SIZE bytes: a valid Image */
	const uint8_t *gz;     /* image, gzip'd */
	size_t gz_len;
	int fds;
};

#include "kernel_file.h"

/* gzip (RFC 1952, via zlib's deflate with windowBits 15 + 16) of len bytes; malloc'd. */
static uint8_t *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
	z_stream zs;
	size_t cap = len + len / 100 + 1024;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* A zboot file around payload (the header of zboot-header.S); malloc'd. */
static uint8_t *zboot_wrap(const uint8_t *payload, size_t len, const char *comp,
			   size_t *out_len)
{
	uint8_t *z = calloc(1, ZBOOT_PAYLOAD_AT + len);

	assert_non_null(z);
	memcpy(z, "MZ\0\0zimg", 8);
	put32(z + 8, ZBOOT_PAYLOAD_AT);
	put32(z + 12, (uint32_t)len);
	memcpy(z + 24, comp, strlen(comp) + 1);
	put32(z + 56, 0x818223cd); /* LINUX_PE_MAGIC */
	put32(z + 60, 64);         /* PE header offset (not looked at) */
	memcpy(z + ZBOOT_PAYLOAD_AT, payload, len);
	*out_len = ZBOOT_PAYLOAD_AT + len;
	return z;
}

/* The Image and its gzip, made once for all tests (deflating 3 MiB takes a while). */
static uint8_t *the_image, *the_gz;
static size_t the_gz_len;

static int group_setup(void **state)
{
	uint32_t x = 12345;
	unsigned int i;

	(void)state;
	the_image = malloc(KERNEL_SIZE);
	if (!the_image)
		return -1;
	/* xorshift: compresses a little, so the gzip still spans several reads */
	for (i = 0; i < KERNEL_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		the_image[i] = (uint8_t)(x & 0x3f);
	}
	put_image_header(the_image, KERNEL_SIZE);
	put32(the_image + 0, 0x91005a4d); /* "MZ": an EFI-stub Image starts so too */
	the_gz = gzip_bytes(the_image, KERNEL_SIZE, &the_gz_len);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(the_image);
	free(the_gz);
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	unit_mkdtemp(fx->dir, sizeof(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/kernel", fx->dir);
	fx->image = the_image;
	fx->gz = the_gz;
	fx->gz_len = the_gz_len;
	fx->fds = unit_open_fds();
	*state = fx;
	return 0;
}

/* --- detection ------------------------------------------------------- */

static enum kfmt_kind detect(const void *buf, size_t len, struct kfmt *k)
{
	return kfmt_detect(buf, len, len, k);
}

static void assert_refused(const void *buf, size_t len, const char *why)
{
	struct kfmt k;

	assert_int_equal(detect(buf, len, &k), KFMT_REFUSED);
	assert_int_equal(k.kind, KFMT_REFUSED);
	assert_string_equal(k.why, why);
}

static void test_detect_image(void **state)
{
	struct fixture *fx = *state;
	struct kfmt k;

	assert_int_equal(detect(fx->image, KFMT_PROBE_SIZE, &k), KFMT_IMAGE);
	assert_string_equal(k.name, "Image");
	/* Too short to judge: image_parse() will say so. */
	assert_int_equal(detect("hello\n", 6, &k), KFMT_IMAGE);
	assert_int_equal(detect("", 0, &k), KFMT_IMAGE);
}

static void test_detect_gzip(void **state)
{
	struct fixture *fx = *state;
	struct kfmt k;

	assert_int_equal(kfmt_detect(fx->gz, KFMT_PROBE_SIZE, fx->gz_len, &k), KFMT_GZIP);
	assert_string_equal(k.name, "gzip");
	assert_int_equal(k.payload_off, 0);
	assert_int_equal(k.payload_size, fx->gz_len);
}

static void test_detect_zboot(void **state)
{
	struct fixture *fx = *state;
	size_t len;
	uint8_t *z = zboot_wrap(fx->gz, fx->gz_len, "gzip", &len);
	struct kfmt k;

	assert_int_equal(kfmt_detect(z, KFMT_PROBE_SIZE, len, &k), KFMT_ZBOOT_GZIP);
	assert_string_equal(k.name, "zboot gzip");
	assert_int_equal(k.payload_off, ZBOOT_PAYLOAD_AT);
	assert_int_equal(k.payload_size, fx->gz_len);

	/* The payload must lie inside the file. */
	assert_int_equal(kfmt_detect(z, KFMT_PROBE_SIZE, len - 1, &k), KFMT_REFUSED);
	assert_string_equal(k.why,
			    "truncated EFI zboot (its payload lies beyond the end of the file)");
	put32(z + 8, 0xfffffff0);
	assert_int_equal(kfmt_detect(z, KFMT_PROBE_SIZE, len, &k), KFMT_REFUSED);
	put32(z + 8, 16); /* inside the header */
	assert_int_equal(kfmt_detect(z, KFMT_PROBE_SIZE, len, &k), KFMT_REFUSED);
	put32(z + 8, ZBOOT_PAYLOAD_AT);
	put32(z + 12, 0);
	assert_int_equal(kfmt_detect(z, KFMT_PROBE_SIZE, len, &k), KFMT_REFUSED);
	free(z);
}

/* Kbuild's compression type names, old and new, as the user knows them. */
static void test_detect_zboot_other(void **state)
{
	static const struct {
		const char *type, *why;
	} t[] = {
		{ "zstd", "zstd-compressed EFI zboot (only gzip is supported)" },
		{ "zstd22", "zstd-compressed EFI zboot (only gzip is supported)" },
		{ "xzkern", "xz-compressed EFI zboot (only gzip is supported)" },
		{ "lz4", "lz4-compressed EFI zboot (only gzip is supported)" },
		{ "lzma", "lzma-compressed EFI zboot (only gzip is supported)" },
		{ "lzo", "lzo-compressed EFI zboot (only gzip is supported)" },
		{ "GZIP", "unknown-compressed EFI zboot (only gzip is supported)" },
		{ "", "unknown-compressed EFI zboot (only gzip is supported)" },
		{ "gz\x1b[2J", "unknown-compressed EFI zboot (only gzip is supported)" },
	};
	uint8_t payload[100] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len;
		uint8_t *z = zboot_wrap(payload, sizeof(payload), t[i].type, &len);

		assert_refused(z, len, t[i].why);
		free(z);
	}
	/* An unterminated type runs into LINUX_PE_MAGIC: unknown, not garbage. */
	{
		size_t len;
		uint8_t *z = zboot_wrap(payload, sizeof(payload), "gzip", &len);

		memset(z + 24, 'a', 32);
		assert_refused(z, len, "unknown-compressed EFI zboot (only gzip is supported)");
		free(z);
	}
}

static void test_detect_elf(void **state)
{
	uint8_t elf[256] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	static const char why[] = "ELF (vmlinux), not a bootable Image: use arch/arm64/boot/Image";

	(void)state;
	assert_refused(elf, sizeof(elf), why);
	assert_refused(elf, 4, why); /* however short */
}

static void test_detect_other_compressors(void **state)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *name;
	} t[] = {
		{ "\x28\xb5\x2f\xfd", 4, "zstd" },
		{ "\xfd" "7zXZ\0", 6, "xz" },
		{ "BZh9", 4, "bzip2" },
		{ "\x02\x21\x4c\x18", 4, "lz4" },
		{ "\x04\x22\x4d\x18", 4, "lz4" },
		{ "\x89LZO\0", 5, "lzo" },
		{ "\x5d\x00\x00\x80\x00", 5, "lzma" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t buf[128];
		char why[96];

		memset(buf, 0x55, sizeof(buf));
		memcpy(buf, t[i].magic, t[i].len);
		snprintf(why, sizeof(why), "%s-compressed (only gzip is supported)", t[i].name);
		assert_refused(buf, sizeof(buf), why);
	}
}

static void test_detect_unknown(void **state)
{
	uint8_t buf[128];
	static const char txt[] = "This is not a kernel. It is a text file that is "
				  "longer than sixty-four bytes, so it has a header.\n";

	(void)state;
	assert_refused(txt, sizeof(txt) - 1,
		       "unknown format (not an arm64 Image, Image.gz or EFI zboot)");
	memset(buf, 0, sizeof(buf));
	assert_refused(buf, sizeof(buf),
		       "unknown format (not an arm64 Image, Image.gz or EFI zboot)");
	/* A PE program that is neither (an x86 bzImage, an EFI application). */
	memcpy(buf, "MZ", 2);
	assert_refused(buf, sizeof(buf),
		       "PE/COFF program, but neither an arm64 Image nor an EFI zboot");
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x27\x05\x19\x56", 4);
	assert_refused(buf, sizeof(buf), "U-Boot uImage (boot the Image inside it)");
	memcpy(buf, "070701", 6);
	assert_refused(buf, sizeof(buf), "cpio archive (an initramfs? give it with --initrd)");
}

/* --- decompression ---------------------------------------------------- */

static void write_kernel(struct fixture *fx, const void *data, size_t len)
{
	unit_write_file(fx->path, data, len);
}

/* Read all of fd (from offset 0) and compare with want. */
static void assert_fd_holds(int fd, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len + 1);
	ssize_t n;

	assert_non_null(got);
	n = pread(fd, got, len + 1, 0);
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* kfmt_decompress on the fixture's file; the memfd, or the status with why. */
static int decompress(struct fixture *fx, uint64_t max, uint64_t *size, char *why)
{
	uint8_t probe[KFMT_PROBE_SIZE];
	struct stat st;
	struct kfmt k;
	int fd = open(fx->path, O_RDONLY), r;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(pread(fd, probe, sizeof(probe), 0) > 0);
	kfmt_detect(probe, sizeof(probe), (uint64_t)st.st_size, &k);
	assert_true(k.kind == KFMT_GZIP || k.kind == KFMT_ZBOOT_GZIP);
	why[0] = '\0';
	r = kfmt_decompress(fd, &k, max, size, why, 160);
	close(fd);
	return r;
}

static void test_decompress_gzip(void **state)
{
	struct fixture *fx = *state;
	uint64_t size = 0;
	char why[160];
	int mfd, seals;

	write_kernel(fx, fx->gz, fx->gz_len);
	mfd = decompress(fx, KFMT_MAX_IMAGE, &size, why);
	assert_true(mfd >= 0);
	assert_string_equal(why, "");
	assert_int_equal(size, KERNEL_SIZE);
	assert_fd_holds(mfd, fx->image, KERNEL_SIZE);
	/* Sealed and close-on-exec: the Image stays as it is for every reboot. */
	seals = fcntl(mfd, F_GET_SEALS);
	assert_true(seals & F_SEAL_WRITE);
	assert_true(seals & F_SEAL_SHRINK);
	assert_true(fcntl(mfd, F_GETFD) & FD_CLOEXEC);
	assert_true(write(mfd, "x", 1) < 0);
	close(mfd);
	assert_int_equal(unit_open_fds(), fx->fds);
}

static void test_decompress_zboot(void **state)
{
	struct fixture *fx = *state;
	uint64_t size = 0;
	size_t len;
	uint8_t *z = zboot_wrap(fx->gz, fx->gz_len, "gzip", &len);
	char why[160];
	int mfd;

	/* Bytes after the payload (the PE's other sections) are not read. */
	z = realloc(z, len + 512);
	assert_non_null(z);
	memset(z + len, 0xee, 512);
	write_kernel(fx, z, len + 512);
	mfd = decompress(fx, KFMT_MAX_IMAGE, &size, why);
	assert_true(mfd >= 0);
	assert_int_equal(size, KERNEL_SIZE);
	assert_fd_holds(mfd, fx->image, KERNEL_SIZE);
	close(mfd);
	free(z);
	assert_int_equal(unit_open_fds(), fx->fds);
}

/* A decompression that must fail: its status, its message, no descriptor left. */
static void decompress_fail(struct fixture *fx, uint64_t max, const char *why_prefix)
{
	uint64_t size = 0;
	char why[160];
	int r = decompress(fx, max, &size, why);

	assert_int_equal(r, -VMM_ERR_INPUT);
	if (strncmp(why, why_prefix, strlen(why_prefix)))
		fail_msg("why: \"%s\", want it to start \"%s\"", why, why_prefix);
	assert_int_equal(unit_open_fds(), fx->fds);
}

static void test_decompress_truncated(void **state)
{
	struct fixture *fx = *state;

	/* Cut in the middle of the deflate data, and just before the trailer ends. */
	write_kernel(fx, fx->gz, fx->gz_len / 2);
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (truncated)");
	write_kernel(fx, fx->gz, fx->gz_len - 2);
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (truncated)");
	write_kernel(fx, fx->gz, 10); /* the header only */
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (truncated)");
}

static void test_decompress_corrupt(void **state)
{
	struct fixture *fx = *state;
	uint8_t *bad = malloc(fx->gz_len);
	size_t i;

	assert_non_null(bad);
	/* Flipped bytes in the deflate data: an invalid code or a CRC mismatch. */
	memcpy(bad, fx->gz, fx->gz_len);
	for (i = fx->gz_len / 3; i < fx->gz_len / 3 + 64; i++)
		bad[i] ^= 0xa5;
	write_kernel(fx, bad, fx->gz_len);
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (");

	/* The CRC-32 of the trailer. */
	memcpy(bad, fx->gz, fx->gz_len);
	bad[fx->gz_len - 8] ^= 1;
	write_kernel(fx, bad, fx->gz_len);
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (incorrect data check)");

	/* The length (ISIZE) of the trailer. */
	memcpy(bad, fx->gz, fx->gz_len);
	bad[fx->gz_len - 1] ^= 1;
	write_kernel(fx, bad, fx->gz_len);
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (incorrect length check)");

	/* An unknown compression method in the gzip header. */
	memcpy(bad, fx->gz, fx->gz_len);
	bad[2] = 7;
	write_kernel(fx, bad, fx->gz_len);
	decompress_fail(fx, KFMT_MAX_IMAGE, "corrupt gzip stream (unknown compression method)");
	free(bad);
}

/* A small file that inflates to a lot: stopped at max, whatever it claims. */
static void test_decompress_bomb(void **state)
{
	struct fixture *fx = *state;
	size_t zlen, big = 8u << 20;
	uint8_t *zeros = calloc(1, big), *gz;
	uint64_t size;
	char why[160];
	int mfd;

	assert_non_null(zeros);
	gz = gzip_bytes(zeros, big, &zlen);
	assert_true(zlen < 64 << 10);
	write_kernel(fx, gz, zlen);
	decompress_fail(fx, 2u << 20, "decompresses to more than 2 MiB (not a kernel?)");
	decompress_fail(fx, big - 1, "decompresses to more than 7 MiB");
	/* Exactly at the bound is fine. */
	mfd = decompress(fx, big, &size, why);
	assert_true(mfd >= 0);
	assert_int_equal(size, big);
	close(mfd);
	free(gz);
	free(zeros);
}

/* --- through the loader ------------------------------------------------ */

/* loader_open of the fixture's file, which must fail: one line, status, no fd left. */
static void loader_fail(struct fixture *fx, const char *why)
{
	struct unit_capture cap;
	struct boot_files f;
	char want[300];
	int r;

	unit_capture_begin(&cap, 2);
	r = loader_open(&f, fx->path, NULL);
	unit_capture_end(&cap);
	assert_int_equal(r, VMM_ERR_INPUT);
	assert_int_equal(f.kernel_fd, -1);
	assert_int_equal(unit_open_fds(), fx->fds);
	snprintf(want, sizeof(want), "kernel %s: %s", fx->path, why);
	unit_assert_one_line_prefix(cap.text, want);
}

/* loader_open must accept the fixture's file as the fixture's Image; loads it twice. */
static void loader_boots_image(struct fixture *fx)
{
	struct arm64_layout l = { 0 };
	struct guest_mem gm = { 0 };
	struct unit_capture cap;
	struct boot_files f;
	int r;

	unit_capture_begin(&cap, 2);
	r = loader_open(&f, fx->path, NULL);
	unit_capture_end(&cap);
	assert_int_equal(r, 0);
	assert_string_equal(cap.text, ""); /* quiet without --verbose */
	assert_string_equal(f.kernel_path, fx->path);
	assert_int_equal(f.img.file_size, KERNEL_SIZE);
	assert_int_equal(f.img.image_size, KERNEL_SIZE);
	assert_int_equal(unit_open_fds(), fx->fds + 1); /* the compressed file is closed */

	assert_int_equal(gm_init(&gm, RAM_BASE, RAM_SIZE), 0);
	l.ram_base = RAM_BASE;
	l.ram_size = RAM_SIZE;
	l.kernel_addr = RAM_BASE + 0x200000;
	assert_int_equal(loader_load(&f, &gm, &l), 0);
	assert_memory_equal(gm_ptr(&gm, l.kernel_addr, KERNEL_SIZE), fx->image, KERNEL_SIZE);
	/* A guest reboot loads the same Image again from the memfd. */
	gm_discard(&gm);
	assert_int_equal(loader_load(&f, &gm, &l), 0);
	assert_memory_equal(gm_ptr(&gm, l.kernel_addr, KERNEL_SIZE), fx->image, KERNEL_SIZE);
	gm_destroy(&gm);
	loader_close(&f);
	assert_int_equal(unit_open_fds(), fx->fds);
}

static void test_loader_raw(void **state)
{
	struct fixture *fx = *state;

	write_kernel(fx, fx->image, KERNEL_SIZE);
	loader_boots_image(fx);
}

static void test_loader_gzip(void **state)
{
	struct fixture *fx = *state;

	write_kernel(fx, fx->gz, fx->gz_len);
	loader_boots_image(fx);
}

static void test_loader_zboot(void **state)
{
	struct fixture *fx = *state;
	size_t len;
	uint8_t *z = zboot_wrap(fx->gz, fx->gz_len, "gzip", &len);

	write_kernel(fx, z, len);
	free(z);
	loader_boots_image(fx);
}

static void test_loader_refused(void **state)
{
	struct fixture *fx = *state;
	uint8_t payload[64] = { 0x28, 0xb5, 0x2f, 0xfd };
	uint8_t elf[128] = { 0x7f, 'E', 'L', 'F' };
	size_t len;
	uint8_t *z = zboot_wrap(payload, sizeof(payload), "zstd22", &len);

	write_kernel(fx, z, len);
	free(z);
	loader_fail(fx, "zstd-compressed EFI zboot (only gzip is supported)");
	write_kernel(fx, elf, sizeof(elf));
	loader_fail(fx, "ELF (vmlinux), not a bootable Image: use arch/arm64/boot/Image");
	write_kernel(fx, fx->gz, fx->gz_len / 2);
	loader_fail(fx, "corrupt gzip stream (truncated)");
}

/* What the gzip holds must be an Image too. */
static void test_loader_gzip_payload(void **state)
{
	struct fixture *fx = *state;
	static const char txt[] = "a text file, gzip'd, long enough to have a header of sixty-four "
				  "bytes and more\n";
	uint8_t hdr[64];
	size_t len, len2;
	uint8_t *gz = gzip_bytes(txt, sizeof(txt) - 1, &len), *gz2;

	write_kernel(fx, gz, len);
	loader_fail(fx, "gzip payload: unknown format (not an arm64 Image, Image.gz or EFI zboot)");

	gz2 = gzip_bytes(gz, len, &len2);
	write_kernel(fx, gz2, len2);
	loader_fail(fx, "gzip payload: compressed twice");
	free(gz2);

	/* An Image header claiming far more than the file holds. */
	memcpy(hdr, fx->image, 64);
	put32(hdr + 16, 0);
	put32(hdr + 20, 1); /* image_size 4 GiB */
	free(gz);
	gz = gzip_bytes(hdr, sizeof(hdr), &len);
	write_kernel(fx, gz, len);
	loader_fail(fx, "gzip payload: truncated");
	free(gz);
}

/* --- the built-in initramfs path ------------------------------------- */

static void test_set_initrd(void **state)
{
	struct fixture *fx = *state;
	static const char data[] = "070701 pretend this is a cpio archive";
	struct arm64_layout l = { 0 };
	struct guest_mem gm = { 0 };
	struct unit_capture cap;
	struct boot_files f;
	uint8_t *p;

	write_kernel(fx, fx->image, KERNEL_SIZE);
	assert_int_equal(loader_open(&f, fx->path, NULL), 0);
	assert_int_equal(loader_set_initrd(&f, "(built-in initramfs)", data, sizeof(data)), 0);
	assert_string_equal(f.initrd_path, "(built-in initramfs)");
	assert_int_equal(f.initrd_size, sizeof(data));
	assert_int_equal(unit_open_fds(), fx->fds + 2);
	/* Again: the previous one is closed, not leaked. */
	assert_int_equal(loader_set_initrd(&f, "(built-in initramfs)", data, sizeof(data)), 0);
	assert_int_equal(unit_open_fds(), fx->fds + 2);

	assert_int_equal(gm_init(&gm, RAM_BASE, RAM_SIZE), 0);
	l.ram_base = RAM_BASE;
	l.ram_size = RAM_SIZE;
	l.kernel_addr = RAM_BASE + 0x200000;
	l.initrd_addr = RAM_BASE + RAM_SIZE - 0x10000;
	l.initrd_size = sizeof(data);
	assert_int_equal(loader_load(&f, &gm, &l), 0);
	p = gm_ptr(&gm, l.initrd_addr, sizeof(data));
	assert_non_null(p);
	assert_memory_equal(p, data, sizeof(data));
	gm_destroy(&gm);

	/* Nothing to use: an error, and the initrd already set stays. */
	unit_capture_begin(&cap, 2);
	assert_int_equal(loader_set_initrd(&f, "(built-in initramfs)", data, 0), VMM_ERR_INPUT);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "initrd (built-in initramfs): empty");
	assert_int_equal(f.initrd_size, sizeof(data));
	loader_close(&f);
	assert_int_equal(unit_open_fds(), fx->fds);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_detect_image),
		T(test_detect_gzip),
		T(test_detect_zboot),
		T(test_detect_zboot_other),
		T(test_detect_elf),
		T(test_detect_other_compressors),
		T(test_detect_unknown),
		T(test_decompress_gzip),
		T(test_decompress_zboot),
		T(test_decompress_truncated),
		T(test_decompress_corrupt),
		T(test_decompress_bomb),
		T(test_loader_raw),
		T(test_loader_gzip),
		T(test_loader_zboot),
		T(test_loader_refused),
		T(test_loader_gzip_payload),
		T(test_set_initrd),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
