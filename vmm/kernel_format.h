/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_KERNEL_FORMAT_H
#define VMM_KERNEL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The shapes a kernel file comes in, told apart by their first bytes:
 *
 *   Image        the raw arm64 Image ("ARM\x64" at 56): booted as it is
 *   Image.gz     a gzip stream (1f 8b) holding an Image: Debian and Ubuntu
 *                ship their arm64 vmlinuz like this
 *   EFI zboot    vmlinuz.efi (CONFIG_EFI_ZBOOT), a PE/COFF program that
 *                carries the compressed Image; its header, from Linux's
 *                drivers/firmware/efi/libstub/zboot-header.S:
 *                  0   "MZ\0\0"  (IMAGE_DOS_SIGNATURE as a 32-bit word)
 *                  4   "zimg"
 *                  8   le32 payload offset from the start of the file
 *                  12  le32 payload size
 *                  16  two reserved le32
 *                  24  NUL-terminated compression type: "gzip", "zstd",
 *                      "zstd22", "xzkern", "lz4", "lzma", "lzo"
 *                  56  le32 0x818223cd (LINUX_PE_MAGIC, not "ARM\x64")
 *                vmm does not run the EFI stub: it inflates the payload,
 *                which is the plain Image, itself.
 *
 * Only gzip is decompressed (zlib is small and everywhere); every other
 * compressor and file type is named in the refusal so the user knows what
 * to convert.
 */
enum kfmt_kind {
	KFMT_IMAGE,      /* not compressed: image_parse() has the last word */
	KFMT_GZIP,       /* a gzip stream from offset 0 */
	KFMT_ZBOOT_GZIP, /* EFI zboot, gzip payload at [payload_off, +payload_size) */
	KFMT_REFUSED,    /* something vmm cannot boot; why says what it is */
};

/* Bytes of the file kfmt_detect() wants to see (less is fine for a short file). */
#define KFMT_PROBE_SIZE 64

/* The decompressed kernel vmm accepts at most: bounds a zip bomb. */
#define KFMT_MAX_IMAGE (256ULL << 20)

struct kfmt {
	enum kfmt_kind kind;
	const char *name;       /* "gzip" or "zboot gzip", for messages */
	uint64_t payload_off;   /* the compressed stream within the file */
	uint64_t payload_size;
	char why[96];           /* KFMT_REFUSED: "zstd-compressed zboot (only gzip ...)" */
	bool unknown;           /* KFMT_REFUSED as no format vmm knows: lkvm boots it raw */
};

/*
 * kfmt_detect - classify a kernel file from its first len bytes (buf, at
 * most KFMT_PROBE_SIZE are looked at) and its size. Fills k and returns
 * k->kind. A file too short to say anything about, or with the Image magic,
 * is KFMT_IMAGE: image_parse() then explains what is wrong with it. A zboot
 * header whose payload lies outside the file is KFMT_REFUSED ("truncated").
 * Pure: no I/O, no messages.
 */
enum kfmt_kind kfmt_detect(const uint8_t *buf, size_t len, uint64_t file_size, struct kfmt *k);

/*
 * kfmt_decompress - inflate the gzip stream described by k (KFMT_GZIP or
 * KFMT_ZBOOT_GZIP) from the open file fd into a new sealed memfd, so that the
 * loader reads the decompressed Image from a descriptor like any file, at
 * every guest reboot, without keeping a copy in vmm's heap. At most max
 * bytes are written (KFMT_MAX_IMAGE in vmm; tests pass less). fd's offset is
 * not used (pread).
 *
 * Returns the memfd (O_CLOEXEC) and sets *size to the decompressed length.
 * On failure returns a negative vmm status (-VMM_ERR_INPUT for a corrupt or
 * truncated stream, a read error or an oversized result; -VMM_ERR_HOST when
 * no memfd can be made or filled) and writes the cause, without the
 * "kernel PATH: " prefix, into why (whylen bytes): "corrupt gzip stream
 * (invalid block type)", "corrupt gzip stream (truncated)", "decompresses
 * to more than 256 MiB ...". Nothing stays open on failure.
 */
int kfmt_decompress(int fd, const struct kfmt *k, uint64_t max, uint64_t *size, char *why,
		    size_t whylen);

#endif
