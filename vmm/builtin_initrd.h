/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BUILTIN_INITRD_H
#define VMM_BUILTIN_INITRD_H

#include <stdint.h>

/*
 * The initramfs built into vmm (vmm/builtin_initrd.S, an .incbin of the
 * gzip'd cpio archive that guest/mkbuiltin.sh makes from the arm64
 * busybox-static and guest/builtin/init): a shell on the console, for
 * `vmm run` with neither --initrd nor --disk. Read-only data between the two
 * symbols; builtin_initrd_end - builtin_initrd_start bytes.
 *
 * Only the vmm program links it (the Makefile's cross and native-vmm
 * targets); the unit tests' libvmmcore.a does not, so nothing in it may
 * refer to these symbols.
 */
extern const uint8_t builtin_initrd_start[];
extern const uint8_t builtin_initrd_end[];

#define BUILTIN_INITRD_NAME "(built-in initramfs)"

#endif
