// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mount plan (plan.h): pure computation from a decoded SPEC. vmm is
 * trusted to send sane paths, but a share path is checked here anyway: a
 * '..' would mount outside the place CMD was promised, and an empty or
 * relative path would mount over the agent's own directories.
 */
#include "guest/agent/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define OVERLAY_DATA "lowerdir=" AGENT_LOWER ",upperdir=" AGENT_RW "/upper,workdir=" AGENT_RW "/work"

bool agent_path_ok(const char *path, const char **cause)
{
	const char *p;

	if (path[0] != '/') {
		*cause = "not an absolute path";
		return false;
	}
	if (!path[1]) {
		*cause = "is the root itself";
		return false;
	}
	if (strlen(path) >= PATH_MAX - sizeof(AGENT_NEWROOT)) {
		*cause = "too long";
		return false;
	}
	for (p = path; *p;) {
		size_t n;

		p++; /* the '/' */
		n = strcspn(p, "/");
		if (n == 0) {
			*cause = "has an empty component (// or a trailing /)";
			return false;
		}
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			*cause = n == 1 ? "has a '.' component" : "has a '..' component";
			return false;
		}
		p += n;
	}
	return true;
}

static struct plan_step *add(struct agent_plan *p, enum plan_kind kind, const char *prefix,
			     const char *path)
{
	struct plan_step *s = &p->steps[p->n++];

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->target, sizeof(s->target), "%s%s", prefix, path);
	s->shown = path;
	return s;
}

static void add_mount(struct agent_plan *p, const char *prefix, const char *path,
		      const char *source, const char *fstype, unsigned long flags,
		      const char *data)
{
	struct plan_step *s = add(p, PLAN_MOUNT, prefix, path);

	s->source = source;
	s->fstype = fstype;
	s->flags = flags;
	s->data = data;
}

static size_t depth(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

int agent_plan_build(const struct cmd_spec *spec, struct agent_plan *p, char *why,
		     size_t whylen)
{
	const char *prefix = spec->root_tag ? AGENT_NEWROOT : "";
	const struct cmd_mount *order[CMD_SPEC_MAX_MOUNTS];
	size_t i, j;

	memset(p, 0, sizeof(*p));
	if (spec->nmounts > CMD_SPEC_MAX_MOUNTS) {
		snprintf(why, whylen, "%zu mounts, more than %d", spec->nmounts,
			 CMD_SPEC_MAX_MOUNTS);
		return -1;
	}
	for (i = 0; i < spec->nmounts; i++) {
		const char *cause;

		if (!agent_path_ok(spec->mounts[i].path, &cause)) {
			const char *path = spec->mounts[i].path;

			/* A long path is cut so that the cause still fits the line. */
			snprintf(why, whylen, "mount path %.64s%s: %s", path,
				 strlen(path) > 64 ? "..." : "", cause);
			return -1;
		}
		if (!spec->mounts[i].tag[0]) {
			snprintf(why, whylen, "mount path %s: empty tag", spec->mounts[i].path);
			return -1;
		}
	}
	if (spec->root_tag) {
		if (!spec->root_tag[0]) {
			snprintf(why, whylen, "root: empty tag");
			return -1;
		}
		p->new_root = true;
		add_mount(p, "", AGENT_LOWER, spec->root_tag, "virtiofs", MS_RDONLY, NULL);
		add_mount(p, "", AGENT_RW, "tmpfs", "tmpfs", 0, "mode=0755");
		add(p, PLAN_MKDIR, "", AGENT_RW "/upper");
		add(p, PLAN_MKDIR, "", AGENT_RW "/work");
		add_mount(p, "", AGENT_NEWROOT, "overlay", "overlay", 0, OVERLAY_DATA);
		add_mount(p, prefix, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL);
		add_mount(p, prefix, "/sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL);
		add_mount(p, prefix, "/dev", "devtmpfs", "devtmpfs", MS_NOSUID, "mode=0755");
	}
	/* Without root= the agent mounted /proc, /sys and /dev at start. */
	add_mount(p, prefix, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "mode=0620,ptmxmode=0666");
	add_mount(p, prefix, "/dev/shm", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	add_mount(p, prefix, "/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	add_mount(p, prefix, "/run", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");

	/* Shallowest first, SPEC order among equals (insertion sort: stable). */
	for (i = 0; i < spec->nmounts; i++) {
		const struct cmd_mount *m = &spec->mounts[i];

		for (j = i; j > 0 && depth(order[j - 1]->path) > depth(m->path); j--)
			order[j] = order[j - 1];
		order[j] = m;
	}
	for (i = 0; i < spec->nmounts; i++)
		add_mount(p, prefix, order[i]->path, order[i]->tag, "virtiofs",
			  order[i]->ro ? MS_RDONLY : 0, NULL);
	return 0;
}
