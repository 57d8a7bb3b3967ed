// SPDX-License-Identifier: GPL-2.0-only
/* arm64 Image header validation. */
#include <string.h>

#include "arm64/image.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * With an EFI stub the PE/COFF section table says exactly how many bytes of
 * the file the kernel consists of, which catches a truncated download or
 * copy. Returns the end of the last section's raw data, or 0 when there is
 * no usable PE header in buf.
 */
static uint64_t pe_raw_end(const uint8_t *buf, size_t len)
{
	uint32_t pe = le32(buf + 60);
	uint64_t end = 0;
	size_t sect;
	unsigned int i, nsect;

	if (buf[0] != 'M' || buf[1] != 'Z' || pe < IMAGE_HDR_SIZE || pe > len - 24 || pe > len)
		return 0;
	if (memcmp(buf + pe, "PE\0\0", 4))
		return 0;
	nsect = le16(buf + pe + 6);
	sect = (size_t)pe + 24 + le16(buf + pe + 20);
	if (sect > len || nsect > (len - sect) / 40)
		return 0;
	for (i = 0; i < nsect; i++) {
		const uint8_t *s = buf + sect + 40 * i;
		uint64_t e = (uint64_t)le32(s + 20) + le32(s + 16);

		if (e > end)
			end = e;
	}
	return end;
}

int image_parse(const uint8_t *buf, size_t len, uint64_t file_size, struct arm64_image *img,
		const char **why)
{
	uint64_t raw_end;

	memset(img, 0, sizeof(*img));
	if (len < IMAGE_HDR_SIZE || file_size < IMAGE_HDR_SIZE) {
		*why = "not an arm64 Image (shorter than its 64-byte header)";
		return -1;
	}
	if (le32(buf + 56) != IMAGE_MAGIC) {
		if (buf[0] == 0x1f && buf[1] == 0x8b)
			*why = "not an arm64 Image (gzip-compressed; decompress it first)";
		else if (!memcmp(buf, "\177ELF", 4))
			*why = "not an arm64 Image (an ELF file such as vmlinux; use arch/arm64/boot/Image)";
		else
			*why = "not an arm64 Image (bad magic)";
		return -1;
	}
	img->text_offset = le64(buf + 8);
	img->image_size = le64(buf + 16);
	img->flags = le64(buf + 24);
	img->file_size = file_size;
	if (img->image_size == 0) {
		/* Kernels before 3.17: text_offset was 0x80000 whatever it says. */
		img->text_offset = 0x80000;
		img->image_size = file_size;
	}
	if (img->flags & 1) {
		*why = "big-endian kernel (not supported)";
		return -1;
	}
	if (img->text_offset % 4096 || img->text_offset >= (2u << 20)) {
		*why = "invalid header (text_offset not 4K aligned below 2 MiB)";
		return -1;
	}
	if (img->image_size > (1ULL << 40)) {
		*why = "invalid header (image_size above 1 TiB)";
		return -1;
	}
	static const unsigned int page_kb[] = { 0, 4, 16, 64 };
	img->page_kb = page_kb[(img->flags >> 1) & 3];
	img->any_placement = (img->flags >> 3) & 1;

	raw_end = pe_raw_end(buf, len);
	if (raw_end && raw_end > file_size) {
		*why = "truncated (the file ends before the kernel's last section)";
		return -1;
	}
	/*
	 * Without a PE header the file should still hold everything up to the
	 * kernel's bss; image_size includes the bss, which is a small part of
	 * any real kernel, so a file under half of image_size is cut short.
	 */
	if (!raw_end && file_size < img->image_size / 2) {
		*why = "truncated (much smaller than the size its header gives)";
		return -1;
	}
	return 0;
}

void image_raw(uint64_t file_size, struct arm64_image *img)
{
	memset(img, 0, sizeof(*img));
	img->text_offset = 0x80000;
	img->image_size = file_size;
	img->file_size = file_size;
}
