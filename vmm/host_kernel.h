/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_HOST_KERNEL_H
#define VMM_HOST_KERNEL_H

#include <stddef.h>

/*
 * `vmm run` without --kernel boots the kernel the host is running, from
 * where distributions keep it. The candidates, in order (RELEASE is uname -r):
 *
 *   /boot/vmlinuz-RELEASE   Debian, Ubuntu, Fedora, SUSE ...
 *   /boot/vmlinuz           the symlink some distributions keep
 *   /vmlinuz                Debian's and Ubuntu's symlink in /
 *   /boot/Image             Arch Linux ARM and hand-built systems
 */

/*
 * host_kernel_find - the first candidate that exists as a regular file
 * (symlinks followed) under root ("" for the real root; tests pass a
 * directory) for this release; its path goes to buf (len bytes). Returns 0,
 * or VMM_ERR_INPUT after printing one line: none exists ("kernel: none given
 * and none of ... exists (use --kernel IMAGE)"), or the first that exists
 * cannot be read (Ubuntu keeps /boot/vmlinuz-* readable by root only: the
 * line says so).
 */
int host_kernel_find(const char *root, const char *release, char *buf, size_t len);

/*
 * host_kernel_path - host_kernel_find() on this host: root "", release from
 * uname(2). Returns the path in static storage (valid until the next call;
 * not thread-safe: `vmm run` calls it once, while parsing), or NULL after
 * printing why, with *status set to the exit status (VMM_ERR_INPUT).
 */
const char *host_kernel_path(int *status);

#endif
