/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stdint.h>

#include "arm64/image.h"
#include "arm64/layout.h"
#include "guest_mem.h"

/*
 * The files a boot loads into guest RAM. They are opened and validated once,
 * before /dev/kvm is touched, and kept open: every guest reboot loads them
 * again from the same open files.
 */
struct boot_files {
	const char *kernel_path;
	int kernel_fd;
	struct arm64_image img;
	const char *initrd_path;   /* NULL without an initrd */
	int initrd_fd;
	uint64_t initrd_size;
};

/*
 * loader_open - open and validate the kernel Image and the initrd. Returns 0,
 * or VMM_ERR_INPUT after printing e.g. "vmm: kernel X: not an arm64 Image
 * (bad magic)". On failure nothing stays open.
 */
int loader_open(struct boot_files *f, const char *kernel, const char *initrd);

/* loader_close - close the files; safe after a failed loader_open, or twice. */
void loader_close(struct boot_files *f);

/*
 * loader_load - copy the kernel and the initrd into guest RAM where l places
 * them. Returns 0, or VMM_ERR_INPUT when a file cannot be read in full (it
 * changed since loader_open).
 */
int loader_load(const struct boot_files *f, const struct guest_mem *gm,
		const struct arm64_layout *l);

/*
 * loader_bootargs - the kernel command line: params with "console=ttyS0
 * earlycon" in front unless params already choose a console=. Returns a
 * malloc'd string, or NULL after printing why (too long for arm64's 2048
 * bytes: VMM_ERR_USAGE is the caller's status).
 */
char *loader_bootargs(const char *params);

#endif
