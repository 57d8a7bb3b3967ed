// SPDX-License-Identifier: GPL-2.0-only
/* The host's own kernel, for `vmm run` without --kernel. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/host_kernel.h"

#define NCAND 4

int host_kernel_find(const char *root, const char *release, char *buf, size_t len)
{
	char cand[NCAND][PATH_MAX];
	struct stat st;
	int i;

	snprintf(cand[0], sizeof(cand[0]), "%s/boot/vmlinuz-%s", root, release);
	snprintf(cand[1], sizeof(cand[1]), "%s/boot/vmlinuz", root);
	snprintf(cand[2], sizeof(cand[2]), "%s/vmlinuz", root);
	snprintf(cand[3], sizeof(cand[3]), "%s/boot/Image", root);
	for (i = 0; i < NCAND; i++) {
		if (stat(cand[i], &st) || !S_ISREG(st.st_mode))
			continue;
		/*
		 * The first one that exists is the answer even when unreadable:
		 * a later candidate may be an older kernel than the running one.
		 */
		if (access(cand[i], R_OK)) {
			if (errno == EACCES)
				log_error("kernel %s: Permission denied (the host's kernel is "
					  "readable by root only: run vmm as root, or give "
					  "--kernel IMAGE)", cand[i]);
			else
				log_errno("kernel %s", cand[i]);
			return VMM_ERR_INPUT;
		}
		if (snprintf(buf, len, "%s", cand[i]) >= (int)len) {
			log_error("kernel %s: path too long", cand[i]);
			return VMM_ERR_INPUT;
		}
		return 0;
	}
	log_error("kernel: none given, and none of %s, %s, %s, %s exists (use --kernel IMAGE)",
		  cand[0], cand[1], cand[2], cand[3]);
	return VMM_ERR_INPUT;
}

const char *host_kernel_path(int *status)
{
	static char path[PATH_MAX];
	struct utsname u;

	if (uname(&u)) {
		log_errno("uname");
		*status = VMM_ERR_INTERNAL;
		return NULL;
	}
	*status = host_kernel_find("", u.release, path, sizeof(path));
	return *status ? NULL : path;
}
