/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_IMAGE_H
#define ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The arm64 Linux Image header (Documentation/arch/arm64/booting.rst): 64
 * bytes at the start of the file, optionally followed by a PE/COFF header
 * when the kernel has an EFI stub.
 */
#define IMAGE_HDR_SIZE 64
#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64" */
#define IMAGE_PROBE_SIZE 4096   /* what image_parse() wants to see, at most */

struct arm64_image {
	uint64_t text_offset;  /* load offset from a 2 MiB aligned base */
	uint64_t image_size;   /* bytes from the load address the kernel uses, bss included */
	uint64_t flags;
	uint64_t file_size;
	unsigned int page_kb;  /* kernel page size in KiB, 0 when unspecified */
	int any_placement;     /* flags bit 3: base need not be near start of RAM */
};

/*
 * image_parse - validate an Image from its first bytes. buf holds the first
 * len bytes of the file (up to IMAGE_PROBE_SIZE), file_size is the whole
 * file's size. On success fills img and returns 0; otherwise returns -1 and
 * sets *why to a static phrase for the error message ("not an arm64 Image
 * (bad magic)", "truncated ...", ...).
 */
int image_parse(const uint8_t *buf, size_t len, uint64_t file_size, struct arm64_image *img,
		const char **why);

/*
 * image_raw - describe a bare binary of file_size bytes with no Image
 * header the way lkvm loads one: text_offset 0x80000, image_size the file's
 * size, no flags (4K pages assumed, placed near the start of RAM).
 */
void image_raw(uint64_t file_size, struct arm64_image *img);

#endif
