/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_KMOD_FILES_H
#define VMM_KMOD_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/kmod.h"
#include "vmm/loader.h"

/*
 * kmod_archive - the modules cpio (vmm/kmod.h) for kernel release from
 * modroot/RELEASE/ ("/lib/modules" in vmm; tests pass a directory): the
 * closure of kmod_wanted that the kernel has as modules (built-in ones and
 * ones it has neither way are left out), read from modules.dep and
 * modules.builtin. Returns 0 with the archive in out (len 0 when there is
 * nothing to load, *missing set when the directory or its modules.dep does
 * not exist: the caller decides whether that deserves a warning), or
 * VMM_ERR_INPUT after one line naming the file and the cause (malformed
 * modules.dep, unreadable module, more than KMOD_MAX_ARCHIVE of modules).
 */
int kmod_archive(const char *modroot, const char *release, struct kmod_buf *out, bool *missing);

/*
 * kmod_builtin_initrd - the built-in initramfs (data, len bytes) with the
 * modules of f's kernel appended, set as f's initrd (loader_set_initrd).
 * The release is the Image's "Linux version" word, else with host_kernel
 * uname -r. A kernel without a modules directory boots with the initramfs
 * alone: one warning when its Image lacks the virtio-mmio driver (it will
 * see no devices), quietly otherwise. Returns 0 or a status after one line.
 */
int kmod_builtin_initrd(struct boot_files *f, bool host_kernel, const char *name,
			const void *data, size_t len);

/* kmod_builtin_initrd_at - the same with modroot for "/lib/modules" (tests). */
int kmod_builtin_initrd_at(struct boot_files *f, const char *modroot, bool host_kernel,
			   const char *name, const void *data, size_t len);

#endif
