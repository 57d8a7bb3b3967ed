/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
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
 * loader_open - open and validate the kernel and the initrd (NULL: none).
 * The kernel may be a raw Image, a gzip'd Image (Image.gz, a distribution's
 * vmlinuz) or an EFI zboot with a gzip payload (vmm/kernel_format.h): a
 * compressed one is inflated once, here, into a sealed memfd that becomes
 * kernel_fd, and img describes the Image inside. Returns 0, or VMM_ERR_INPUT
 * after printing e.g. "vmm: kernel X: not an arm64 Image (bad magic)",
 * "vmm: kernel X: corrupt gzip stream (...)", "vmm: kernel X:
 * zstd-compressed EFI zboot (only gzip is supported)"; VMM_ERR_HOST when no
 * memfd can hold the decompressed kernel. On failure nothing stays open.
 */
int loader_open(struct boot_files *f, const char *kernel, const char *initrd);

/*
 * loader_open_ex - loader_open(), and with raw_ok a kernel file that is
 * neither an Image nor compressed nor ELF (a bare binary such as a
 * kvm-unit-tests .flat) is accepted as lkvm accepts it: the whole file at
 * RAM + 0x80000, entered at its first byte (image_raw()).
 */
int loader_open_ex(struct boot_files *f, const char *kernel, const char *initrd, bool raw_ok);

/*
 * loader_set_initrd - use len bytes at data as the initrd (vmm's built-in
 * initramfs), copied into a sealed memfd so that loader_load() treats it as
 * a file. name stands in for the path in messages ("built-in initramfs") and
 * must outlive f. Call after a successful loader_open(); an initrd already
 * open is closed. Returns 0; VMM_ERR_INPUT for len 0, VMM_ERR_HOST when no
 * memfd can be made, after printing why (f unchanged then).
 */
int loader_set_initrd(struct boot_files *f, const char *name, const void *data, size_t len);

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
 * loader_bootargs - the kernel command line: params with "console=DEV
 * earlycon" in front (DEV: console_dev, "ttyS0" or "hvc0"; NULL for none:
 * --nodefaults, then params stay exactly as given) unless params
 * already choose a console=, and with
 * root_disk (the guest has a disk) "root=/dev/vda rw" unless params choose
 * a root=. Returns a malloc'd string, or NULL after printing why (the whole
 * line, what vmm adds included, longer than the 2047 bytes arm64 Linux
 * takes; the message names both parts: VMM_ERR_USAGE is the caller's status).
 */
char *loader_bootargs(const char *params, bool root_disk, const char *console_dev);

#endif
