// SPDX-License-Identifier: GPL-2.0-only
/* Kernel file formats: telling them apart, and inflating gzip'd kernels. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "arm64/image.h"
#include "status.h"
#include "vmm/kernel_format.h"

#define IN_CHUNK (256u << 10)
#define OUT_CHUNK (1u << 20)

/* zboot-header.S: where the fields are. */
#define ZBOOT_PAYLOAD_OFF 8
#define ZBOOT_PAYLOAD_SIZE 12
#define ZBOOT_COMP_TYPE 24
#define ZBOOT_COMP_TYPE_MAX (56 - ZBOOT_COMP_TYPE) /* up to LINUX_PE_MAGIC */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static enum kfmt_kind refuse(struct kfmt *k, const char *why)
{
	k->kind = KFMT_REFUSED;
	snprintf(k->why, sizeof(k->why), "%s", why);
	return k->kind;
}

/* Other compressors the kernel build knows (scripts/Makefile.lib), by magic. */
static const struct {
	const char *magic;
	size_t len;
	const char *name;
} compressors[] = {
	{ "\x28\xb5\x2f\xfd", 4, "zstd" },
	{ "\xfd" "7zXZ", 6, "xz" },  /* the sixth byte is the NUL */
	{ "BZh", 3, "bzip2" },
	{ "\x02\x21\x4c\x18", 4, "lz4" },  /* the legacy frame the kernel uses */
	{ "\x04\x22\x4d\x18", 4, "lz4" },
	{ "\x89LZO", 4, "lzo" },
	{ "\x5d\x00\x00", 3, "lzma" },
};

/*
 * The zboot compression type as users know the tool: Kbuild spells zstd
 * "zstd22" and xz "xzkern" in some kernel versions. Anything that is not a
 * short lower-case word is reported as "unknown" rather than echoed.
 */
static void zboot_comp_name(const uint8_t *s, char *out, size_t len)
{
	size_t n = 0;

	while (n < ZBOOT_COMP_TYPE_MAX && s[n]) {
		if (n + 1 >= len ||
		    !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9'))) {
			snprintf(out, len, "unknown");
			return;
		}
		out[n] = (char)s[n];
		n++;
	}
	out[n] = '\0';
	if (!n || n == ZBOOT_COMP_TYPE_MAX) {
		snprintf(out, len, "unknown");
		return;
	}
	if (!strcmp(out, "xzkern"))
		snprintf(out, len, "xz");
	while (n > 1 && out[n - 1] >= '0' && out[n - 1] <= '9' && strcmp(out, "lz4"))
		out[--n] = '\0'; /* zstd22 */
}

static enum kfmt_kind detect_zboot(const uint8_t *buf, uint64_t file_size, struct kfmt *k)
{
	uint64_t off = le32(buf + ZBOOT_PAYLOAD_OFF), size = le32(buf + ZBOOT_PAYLOAD_SIZE);
	char comp[16];

	zboot_comp_name(buf + ZBOOT_COMP_TYPE, comp, sizeof(comp));
	if (strcmp(comp, "gzip")) {
		snprintf(k->why, sizeof(k->why), "%s-compressed EFI zboot (only gzip is supported)",
			 comp);
		k->kind = KFMT_REFUSED;
		return k->kind;
	}
	if (off < KFMT_PROBE_SIZE || !size || off > file_size || size > file_size - off)
		return refuse(k,
			      "truncated EFI zboot (its payload lies beyond the end of the file)");
	k->kind = KFMT_ZBOOT_GZIP;
	k->name = "zboot gzip";
	k->payload_off = off;
	k->payload_size = size;
	return k->kind;
}

enum kfmt_kind kfmt_detect(const uint8_t *buf, size_t len, uint64_t file_size, struct kfmt *k)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->kind = KFMT_IMAGE;
	k->name = "Image";
	if (len > file_size)
		len = (size_t)file_size;
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		k->kind = KFMT_GZIP;
		k->name = "gzip";
		k->payload_size = file_size;
		return k->kind;
	}
	if (len >= 4 && !memcmp(buf, "\177ELF", 4))
		return refuse(k, "ELF (vmlinux), not a bootable Image: use arch/arm64/boot/Image");
	/* Before the Image magic: zboot has LINUX_PE_MAGIC at 56 instead. */
	if (len >= KFMT_PROBE_SIZE && !memcmp(buf, "MZ\0\0zimg", 8))
		return detect_zboot(buf, file_size, k);
	if (len >= IMAGE_HDR_SIZE && le32(buf + 56) == IMAGE_MAGIC)
		return k->kind;
	for (i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++) {
		if (len >= compressors[i].len &&
		    !memcmp(buf, compressors[i].magic, compressors[i].len)) {
			snprintf(k->why, sizeof(k->why), "%s-compressed (only gzip is supported)",
				 compressors[i].name);
			k->kind = KFMT_REFUSED;
			return k->kind;
		}
	}
	if (len >= 4 && !memcmp(buf, "\x27\x05\x19\x56", 4))
		return refuse(k, "U-Boot uImage (boot the Image inside it)");
	if (len >= 6 && (!memcmp(buf, "070701", 6) || !memcmp(buf, "070702", 6)))
		return refuse(k, "cpio archive (an initramfs? give it with --initrd)");
	/* Too short to tell: image_parse() names the problem. */
	if (len < IMAGE_HDR_SIZE)
		return k->kind;
	if (buf[0] == 'M' && buf[1] == 'Z')
		return refuse(k, "PE/COFF program, but neither an arm64 Image nor an EFI zboot");
	k->unknown = true;
	return refuse(k, "unknown format (not an arm64 Image, Image.gz or EFI zboot)");
}

/* write() all of buf; 0 or -1 with errno. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int kfmt_decompress(int fd, const struct kfmt *k, uint64_t max, uint64_t *size, char *why,
		    size_t whylen)
{
	uint64_t off = k->payload_off, left = k->payload_size, total = 0;
	uint8_t *in = malloc(IN_CHUNK), *out = malloc(OUT_CHUNK);
	z_stream zs;
	bool zinit = false;
	int mfd, zr = Z_OK, r = -VMM_ERR_INPUT;

	memset(&zs, 0, sizeof(zs));
	/* Sealed below: the Image cannot change between reboots. */
	mfd = memfd_create("vmm-kernel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0 || !in || !out) {
		snprintf(why, whylen, "cannot hold the decompressed kernel: %s", strerror(errno));
		r = -VMM_ERR_HOST;
		goto fail;
	}
	/* 15 + 16: a gzip wrapper only; zlib checks its CRC-32 and length. */
	if (inflateInit2(&zs, 15 + 16) != Z_OK) {
		snprintf(why, whylen, "cannot decompress: zlib: %s", zs.msg ? zs.msg : "no memory");
		r = -VMM_ERR_HOST;
		goto fail;
	}
	zinit = true;
	while (zr != Z_STREAM_END) {
		size_t have;

		if (!zs.avail_in) {
			size_t want = left < IN_CHUNK ? (size_t)left : IN_CHUNK;
			ssize_t n;

			if (!want) {
				snprintf(why, whylen, "corrupt gzip stream (truncated)");
				goto fail;
			}
			do
				n = pread(fd, in, want, (off_t)off);
			while (n < 0 && errno == EINTR);
			if (n < 0) {
				snprintf(why, whylen, "%s", strerror(errno));
				goto fail;
			}
			if (n == 0) {
				snprintf(why, whylen, "corrupt gzip stream (truncated)");
				goto fail;
			}
			off += (uint64_t)n;
			left -= (uint64_t)n;
			zs.next_in = in;
			zs.avail_in = (uInt)n;
		}
		zs.next_out = out;
		zs.avail_out = OUT_CHUNK;
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr == Z_MEM_ERROR) {
			snprintf(why, whylen, "cannot decompress: zlib: out of memory");
			r = -VMM_ERR_HOST;
			goto fail;
		}
		/* Z_BUF_ERROR only means "more input": the loop reads it. */
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			snprintf(why, whylen, "corrupt gzip stream (%s)",
				 zs.msg ? zs.msg : zError(zr));
			goto fail;
		}
		have = OUT_CHUNK - zs.avail_out;
		if (have > max - total) {
			snprintf(why, whylen, "decompresses to more than %llu MiB (not a kernel?)",
				 (unsigned long long)(max >> 20));
			goto fail;
		}
		if (write_all(mfd, out, have)) {
			snprintf(why, whylen, "cannot hold the decompressed kernel: %s",
				 strerror(errno));
			r = -VMM_ERR_HOST;
			goto fail;
		}
		total += have;
	}
	inflateEnd(&zs);
	free(in);
	free(out);
	/* Best effort: kernels before 3.17 have no seals, and nothing needs them. */
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	*size = total;
	return mfd;
fail:
	if (zinit)
		inflateEnd(&zs);
	if (mfd >= 0)
		close(mfd);
	free(in);
	free(out);
	return r;
}
