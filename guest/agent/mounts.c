// SPDX-License-Identifier: GPL-2.0-only
/*
 * Carrying out the mount plan (plan.h) and entering the new root. Each
 * failure is one line naming the mount point and the cause, with a hint at
 * the kernel option when the file system type is missing (ENODEV): the
 * usual reason a distribution kernel cannot run command mode.
 */
#include "guest/agent/agent.h"
#include "guest/agent/plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_HOSTNAME "vmm"

static const char *hint(const char *fstype, int err)
{
	if (err == ENODEV) {
		if (!strcmp(fstype, "virtiofs"))
			return " (does the kernel have CONFIG_VIRTIO_FS?)";
		if (!strcmp(fstype, "overlay"))
			return " (does the kernel have CONFIG_OVERLAY_FS?)";
		if (!strcmp(fstype, "devpts"))
			return " (does the kernel have CONFIG_UNIX98_PTYS?)";
		if (!strcmp(fstype, "devtmpfs"))
			return " (does the kernel have CONFIG_DEVTMPFS?)";
	}
	if (err == EINVAL && !strcmp(fstype, "virtiofs"))
		return " (no virtio-fs device has that tag?)";
	return "";
}

/* mkdir -p: every missing component of path, mode 0755. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i])
			continue;
		buf[i] = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

int agent_mount_early(void)
{
	static const struct {
		const char *fstype, *target;
	} early[] = { { "proc", "/proc" }, { "sysfs", "/sys" }, { "devtmpfs", "/dev" } };
	size_t i;

	for (i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		if (mkdir_p(early[i].target) ||
		    (mount(early[i].fstype, early[i].target, early[i].fstype, 0, NULL) &&
		     errno != EBUSY)) {
			dprintf(STDERR_FILENO, "vmm-agent: mount %s on %s: %s%s\n", early[i].fstype,
				early[i].target, strerror(errno), hint(early[i].fstype, errno));
			return -1;
		}
	}
	return 0;
}

int agent_setup_root(struct agent *a)
{
	static struct agent_plan plan;
	const char *host = a->spec.hostname ? a->spec.hostname : DEFAULT_HOSTNAME;
	char why[160];
	size_t i;

	if (sethostname(host, strlen(host))) {
		agent_fail(a, "hostname %s: %s", host, strerror(errno));
		return -1;
	}
	if (agent_plan_build(&a->spec, &plan, why, sizeof(why))) {
		agent_fail(a, "SPEC: %s", why);
		return -1;
	}
	for (i = 0; i < plan.n; i++) {
		const struct plan_step *s = &plan.steps[i];

		if (mkdir_p(s->target)) {
			agent_fail(a, "mkdir %s: %s", s->shown, strerror(errno));
			return -1;
		}
		if (s->kind == PLAN_MOUNT &&
		    mount(s->source, s->target, s->fstype, s->flags, s->data)) {
			agent_fail(a, "mount %s on %s: %s%s", s->source, s->shown, strerror(errno),
				   hint(s->fstype, errno));
			return -1;
		}
	}
	if (!plan.new_root)
		return 0;
	/* pivot_root cannot leave an initramfs: move the overlay over / and
	 * chroot into it, the way switch_root does. */
	if (chdir(AGENT_NEWROOT) || mount(AGENT_NEWROOT, "/", NULL, MS_MOVE, NULL) ||
	    chroot(".") || chdir("/")) {
		agent_fail(a, "move %s onto /: %s", AGENT_NEWROOT, strerror(errno));
		return -1;
	}
	return 0;
}
