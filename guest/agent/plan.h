/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_AGENT_PLAN_H
#define VMM_AGENT_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd_proto.h"

/*
 * The mounts that make CMD's root, computed from the SPEC as data (which
 * mounts, in which order, with which flags) and only then carried out by
 * mounts.c: the order and the validation of hostile paths are unit-tested
 * without mounting anything.
 *
 * With root=TAG: the tag read-only at AGENT_LOWER, a tmpfs at AGENT_RW for
 * overlayfs's upper and work dirs, the overlay at AGENT_NEWROOT, inside it
 * /proc /sys /dev /dev/pts /dev/shm /tmp /run, then the shares (shallowest
 * first, so /a is mounted before /a/b), then mounts.c moves AGENT_NEWROOT
 * onto / and chroots (an initramfs cannot pivot_root). Without root=, the
 * initramfs stays the root and gets the same file systems and shares.
 */
#define AGENT_LOWER "/run/vmm/lower"
#define AGENT_RW "/run/vmm/rw"
#define AGENT_NEWROOT "/run/vmm/root"

enum plan_kind {
	PLAN_MKDIR, /* create target (and its parents) */
	PLAN_MOUNT, /* create target, then mount source/fstype on it */
};

struct plan_step {
	enum plan_kind kind;
	char target[PATH_MAX];  /* where, in the agent's namespace now */
	const char *shown;      /* target as CMD will see it, for messages */
	const char *source;     /* a virtio-fs tag or the fstype's name */
	const char *fstype;
	unsigned long flags;
	const char *data;
};

#define AGENT_PLAN_MAX (16 + CMD_SPEC_MAX_MOUNTS)

struct agent_plan {
	struct plan_step steps[AGENT_PLAN_MAX];
	size_t n;
	bool new_root; /* move AGENT_NEWROOT onto / and chroot after the steps */
};

/*
 * agent_plan_build - the plan for spec into *p (which may point into spec:
 * keep spec alive). Returns 0, or -1 with why[whylen] set ("mount path
 * /a/../b: has a '..' component") for a share path that is not absolute,
 * holds '.' or '..' or an empty component, is "/" or is too long.
 */
int agent_plan_build(const struct cmd_spec *spec, struct agent_plan *p, char *why,
		     size_t whylen);

/* agent_path_ok - whether path is absolute, normal (no ., .., //) and not "/". */
bool agent_path_ok(const char *path, const char **cause);

#endif
