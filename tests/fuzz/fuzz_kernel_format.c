// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel file formats, as vmm/loader.c reads a kernel: the input is the
 * file (in a memfd); kfmt_detect() classifies it (Image, gzip, EFI zboot),
 * kfmt_decompress() inflates a gzip or zboot payload into a memfd (at most
 * 4 MiB here), and image_parse() judges the Image header of the result.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "arm64/image.h"
#include "fuzz.h"
#include "vmm/kernel_format.h"

#define FUZZ_MAX_IMAGE (4ull << 20)

static void parse_image(const uint8_t *buf, size_t len, uint64_t file_size)
{
	struct arm64_image img;
	const char *why = NULL;

	if (image_parse(buf, len, file_size, &img, &why) && !why)
		abort(); /* a refusal always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	uint8_t probe[IMAGE_PROBE_SIZE];
	struct kfmt k, in;
	uint64_t out_size;
	char why[160];
	ssize_t n;
	int mfd;

	if (fd < 0)
		fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();

	parse_image(data, size < IMAGE_PROBE_SIZE ? size : IMAGE_PROBE_SIZE, size);
	if (kfmt_detect(data, size < KFMT_PROBE_SIZE ? size : KFMT_PROBE_SIZE, size, &k) ==
	    KFMT_REFUSED) {
		if (!k.why[0] || strnlen(k.why, sizeof(k.why)) == sizeof(k.why))
			abort();
		return 0;
	}
	if (k.kind == KFMT_IMAGE)
		return 0;
	if (k.kind == KFMT_ZBOOT_GZIP && k.payload_off + k.payload_size > size)
		abort(); /* detect promised the payload lies in the file */
	mfd = kfmt_decompress(fd, &k, FUZZ_MAX_IMAGE, &out_size, why, sizeof(why));
	if (mfd < 0) {
		if (!why[0])
			abort();
		return 0;
	}
	if (out_size > FUZZ_MAX_IMAGE)
		abort();
	n = pread(mfd, probe, sizeof(probe), 0);
	if (n < 0 || (uint64_t)n > out_size)
		abort();
	kfmt_detect(probe, (size_t)n < KFMT_PROBE_SIZE ? (size_t)n : KFMT_PROBE_SIZE, out_size, &in);
	parse_image(probe, (size_t)n, out_size);
	close(mfd);
	return 0;
}
