// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host side of a NIC: tap devices, in the three ways net.h describes
 * (create one, attach to one an administrator made, adopt an open fd).
 *
 * Every fd carries the virtio-net header (IFF_VNET_HDR, 12 bytes, which is
 * struct virtio_net_hdr_v1 with num_buffers), so the guest's header passes
 * to the kernel unchanged and the offloads it describes need no work here.
 * IFF_NO_PI: no 4-byte packet-information prefix in front of it.
 *
 * Attaching never creates: TUNSETIFF with the name of an interface that
 * does not exist would make a new tap (given CAP_NET_ADMIN), silently and
 * unconnected to anything, so the name is looked up first and the index
 * compared afterwards.
 *
 * The error paths are most of this file on purpose: whoever sees them is
 * setting up networking for the first time and needs to be told which
 * command fixes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "status.h"

#define TUN_PATH "/dev/net/tun"

/* What the user wrote, near enough to recognise: "tap,ifname=foo". */
struct tap_ctx {
	char label[64];
	const struct net_opts *o;
	unsigned int npairs;
	struct tap *t;
};

static int tap_fail(const struct tap_ctx *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int tap_fail(const struct tap_ctx *c, int status, const char *fmt, ...)
{
	char cause[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	log_error("--network %s: %s", c->label, cause);
	return status;
}

/* Undo a partial open: every fd so far, and (for a created tap) the tap. */
static int tap_unwind(struct tap_ctx *c, int status)
{
	tap_close(c->t);
	c->t->created = false;
	c->t->ifname[0] = '\0';
	return status;
}

static int tap_vnet_hdr(int fd)
{
	int sz = NET_HDR_LEN;

	return ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ? -errno : 0;
}

/* /dev/net/tun, non-blocking from the start (no window where a read can block). */
static int tap_open_tun(struct tap_ctx *c, int *fd)
{
	*fd = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		return tap_fail(c, VMM_ERR_HOST,
				"%s: %s (the host kernel needs CONFIG_TUN, module tun)", TUN_PATH,
				strerror(errno));
	if (errno == EACCES || errno == EPERM)
		return tap_fail(c, VMM_ERR_HOST,
				"%s: %s (it must be readable and writable by vmm's user; it is "
				"normally mode 0666)",
				TUN_PATH, strerror(errno));
	return tap_fail(c, VMM_ERR_HOST, "%s: %s", TUN_PATH, strerror(errno));
}

/* A /sys/class/net/NAME/ATTR value as a number; -ENOENT when absent. */
static int tap_sysfs_long(const char *name, const char *attr, long *out)
{
	char path[96], buf[32];
	ssize_t n;
	char *end;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*out = strtol(buf, &end, 0);
	return end == buf ? -EIO : 0;
}

/*
 * The tun flags of interface name, from sysfs: 1 and *flags when it is a
 * tun/tap, 0 when it is some other interface, -1 when sysfs cannot tell
 * (not mounted, or mounted for another network namespace).
 */
static int tap_sysfs_flags(const char *name, unsigned int *flags)
{
	char path[64];
	long v;

	if (!tap_sysfs_long(name, "tun_flags", &v)) {
		*flags = (unsigned int)v;
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return access(path, F_OK) ? -1 : 0;
}

/* A tap's sysfs owner or group: the number, "none" (-1) or "unknown". */
static void tap_describe_id(const char *name, const char *attr, char *buf, size_t len)
{
	long v;

	if (tap_sysfs_long(name, attr, &v))
		snprintf(buf, len, "unknown");
	else if (v < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%ld", v);
}

/*
 * The kernel refuses a tap whose owner is another uid, or whose group is
 * not one of ours, unless we have CAP_NET_ADMIN: show both sides.
 */
static int tap_no_permission(struct tap_ctx *c)
{
	const char *name = c->o->ifname;
	char owner[24], group[24];

	tap_describe_id(name, "owner", owner, sizeof(owner));
	tap_describe_id(name, "group", group, sizeof(group));
	return tap_fail(c, VMM_ERR_HOST,
			"no permission to use tap %s (its owner/group: uid %s, gid %s; vmm runs as "
			"uid %u, gid %u, without CAP_NET_ADMIN)",
			name, owner, group, (unsigned int)geteuid(), (unsigned int)getegid());
}

static int tap_set_iff(int fd, const char *name, unsigned int flags, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	ifr->ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | flags);
	return ioctl(fd, TUNSETIFF, ifr) < 0 ? -errno : 0;
}

/* SIOCGIFFLAGS/SIOCSIFFLAGS go through any socket; up < 0 only reads. */
static int tap_if_up(const char *name, int up, bool *was_up)
{
	struct ifreq ifr = {0};
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else {
		if (was_up)
			*was_up = ifr.ifr_flags & IFF_UP;
		if (up > 0 && !(ifr.ifr_flags & IFF_UP)) {
			ifr.ifr_flags |= IFF_UP;
			if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
				ret = -errno;
		}
	}
	close(s);
	return ret;
}

/*
 * Add one more queue fd, attached to name with the given extra flags.
 * Returns 0; a status after printing why; or TUNSETIFF's -errno, unprinted,
 * for the caller to explain in its own terms.
 */
static int tap_add_fd(struct tap_ctx *c, const char *name, unsigned int flags)
{
	struct ifreq ifr;
	int fd, ret;

	ret = tap_open_tun(c, &fd);
	if (ret)
		return ret;
	ret = tap_set_iff(fd, name, flags, &ifr);
	if (ret) {
		close(fd);
		return ret;
	}
	/* The kernel filled in the name it chose for a "vmmtap%d" template. */
	if (!c->t->nfds)
		memcpy(c->t->ifname, ifr.ifr_name, IFNAMSIZ);
	c->t->fds[c->t->nfds++] = fd;
	ret = tap_vnet_hdr(fd);
	if (ret)
		return tap_fail(c, VMM_ERR_HOST, "TUNSETVNETHDRSZ %d on %s: %s", NET_HDR_LEN,
				c->t->ifname, strerror(-ret));
	return 0;
}

/* No ifname, no fd: a new non-persistent tap, up, gone when vmm closes it. */
static int tap_create(struct tap_ctx *c)
{
	unsigned int mq = c->npairs > 1 ? IFF_MULTI_QUEUE : 0;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < c->npairs && !ret; i++)
		ret = tap_add_fd(c, i ? c->t->ifname : "vmmtap%d", mq);
	if (ret == -EPERM || ret == -EACCES)
		ret = tap_fail(c, VMM_ERR_HOST,
			       "creating a tap needs CAP_NET_ADMIN; as root: ip tuntap add dev "
			       "vmmtap0 mode tap user $USER; then --network tap,ifname=vmmtap0");
	else if (ret < 0)
		ret = tap_fail(c, VMM_ERR_HOST, "creating a tap: TUNSETIFF: %s", strerror(-ret));
	if (ret)
		return tap_unwind(c, ret);
	c->t->created = true;
	ret = tap_if_up(c->t->ifname, 1, NULL);
	if (ret)
		return tap_unwind(c, tap_fail(c, VMM_ERR_HOST, "bringing %s up: %s", c->t->ifname,
					      strerror(-ret)));
	return 0;
}

static int tap_not_mq(struct tap_ctx *c)
{
	const char *name = c->o->ifname;

	return tap_fail(c, VMM_ERR_INPUT,
			"tap %s was created without multi_queue, so it has one queue pair; use "
			"queues=1, or as root: ip tuntap del dev %s mode tap; ip tuntap add dev "
			"%s mode tap multi_queue user $USER",
			name, name, name);
}

/* Explain TUNSETIFF's -errno on an existing tap. */
static int tap_attach_error(struct tap_ctx *c, int err)
{
	const char *name = c->o->ifname;

	switch (err) {
	case -EPERM:
	case -EACCES:
		return tap_no_permission(c);
	case -EINVAL:
		if (c->npairs > 1)
			return tap_not_mq(c);
		return tap_fail(c, VMM_ERR_INPUT, "%s is not a tap device", name);
	case -EBUSY:
		return tap_fail(c, VMM_ERR_INPUT,
				"tap %s is in use by another process (a tap without multi_queue "
				"has room for one)",
				name);
	}
	return tap_fail(c, VMM_ERR_HOST, "TUNSETIFF %s: %s", name, strerror(-err));
}

/* ifname=NAME: an existing tap, never a new one. */
static int tap_attach(struct tap_ctx *c)
{
	const char *name = c->o->ifname;
	unsigned int index, tflags = 0, mq, i;
	int known, ret = 0;
	bool up = true;

	index = if_nametoindex(name);
	if (!index)
		return tap_fail(c, VMM_ERR_INPUT, "no network interface %s", name);
	known = tap_sysfs_flags(name, &tflags);
	if (!known || (known > 0 && !(tflags & IFF_TAP)))
		return tap_fail(c, VMM_ERR_INPUT, "%s is not a tap device", name);
	if (known > 0 && c->npairs > 1 && !(tflags & IFF_MULTI_QUEUE))
		return tap_not_mq(c);

	/* TUNSETIFF wants the tap's own multi_queue setting, whatever npairs is. */
	mq = c->npairs > 1 || (known > 0 && (tflags & IFF_MULTI_QUEUE)) ? IFF_MULTI_QUEUE : 0;
	ret = tap_add_fd(c, name, mq);
	/* Without sysfs, a single-queue attach may have guessed the setting wrong. */
	if (ret == -EINVAL && known < 0 && !mq) {
		mq = IFF_MULTI_QUEUE;
		ret = tap_add_fd(c, name, mq);
	}
	/* If it vanished between the look-up and TUNSETIFF, TUNSETIFF made a new one. */
	if (!ret && if_nametoindex(name) != index) {
		tap_close(c->t);
		return tap_fail(c, VMM_ERR_INPUT, "no network interface %s", name);
	}
	for (i = 1; i < c->npairs && !ret; i++)
		ret = tap_add_fd(c, name, mq);
	if (ret < 0)
		ret = tap_attach_error(c, ret);
	if (ret)
		return tap_unwind(c, ret);

	c->t->created = false;
	if (!tap_if_up(name, -1, &up) && !up)
		log_warn("--network %s: %s is down (no traffic until it is up); as root: ip link "
			 "set %s up",
			 c->label, name, name);
	return 0;
}

/* fd=N: a tap the parent opened; it must already carry the vnet header. */
static int tap_adopt(struct tap_ctx *c)
{
	int fd = c->o->fd, fdflags, fl, ret;
	struct ifreq ifr = {0};

	if (c->npairs != 1)
		return tap_fail(c, VMM_ERR_USAGE, "fd gives one queue pair, not %u", c->npairs);
	if (fcntl(fd, F_GETFD) < 0)
		return tap_fail(c, VMM_ERR_INPUT, "fd %d is not open", fd);
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		if (errno == ENOTTY || errno == EBADFD || errno == EINVAL)
			return tap_fail(c, VMM_ERR_INPUT, "fd %d is not a tap device", fd);
		return tap_fail(c, VMM_ERR_INPUT, "fd %d: TUNGETIFF: %s", fd, strerror(errno));
	}
	if (!(ifr.ifr_flags & IFF_TAP))
		return tap_fail(c, VMM_ERR_INPUT,
				"fd %d is not a tap device (it is a tun: IP packets, no Ethernet)",
				fd);
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return tap_fail(
		    c, VMM_ERR_INPUT,
		    "fd %d: tap opened without IFF_VNET_HDR; vmm needs the virtio-net header", fd);
	if (!(ifr.ifr_flags & IFF_NO_PI))
		return tap_fail(
		    c, VMM_ERR_INPUT,
		    "fd %d: tap opened without IFF_NO_PI; vmm needs packets without the "
		    "packet-information prefix",
		    fd);
	ret = tap_vnet_hdr(fd);
	if (ret)
		return tap_fail(c, VMM_ERR_INPUT, "fd %d: TUNSETVNETHDRSZ %d: %s", fd, NET_HDR_LEN,
				strerror(-ret));
	/* Inherited, so without close-on-exec; nothing vmm may start needs it. */
	fl = fcntl(fd, F_GETFL);
	fdflags = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fdflags < 0 ||
	    fcntl(fd, F_SETFD, fdflags | FD_CLOEXEC) < 0)
		return tap_fail(c, VMM_ERR_INPUT, "fd %d: fcntl: %s", fd, strerror(errno));
	memcpy(c->t->ifname, ifr.ifr_name, IFNAMSIZ);
	c->t->ifname[IFNAMSIZ - 1] = '\0';
	c->t->fds[0] = fd;
	c->t->nfds = 1;
	c->t->created = false;
	return 0;
}

int tap_open(const struct net_opts *o, unsigned int npairs, struct tap *t)
{
	struct tap_ctx c = {.o = o, .npairs = npairs, .t = t};
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < NET_MAX_PAIRS; i++)
		t->fds[i] = -1;
	if (o->fd >= 0)
		snprintf(c.label, sizeof(c.label), "tap,fd=%d", o->fd);
	else if (o->ifname[0])
		snprintf(c.label, sizeof(c.label), "tap,ifname=%s", o->ifname);
	else
		snprintf(c.label, sizeof(c.label), "tap");
	if (npairs < 1 || npairs > NET_MAX_PAIRS)
		return tap_fail(&c, VMM_ERR_USAGE, "queues must be 1 to %d, not %u", NET_MAX_PAIRS,
				npairs);
	if (o->fd >= 0)
		return tap_adopt(&c);
	if (o->ifname[0])
		return tap_attach(&c);
	return tap_create(&c);
}

int tap_set_offload(struct tap *t, unsigned int tun_flags)
{
	unsigned int i;

	/* TUNSETOFFLOAD takes the flags by value, not through a pointer. */
	for (i = 0; i < t->nfds; i++)
		if (ioctl(t->fds[i], TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
			return -errno;
	return 0;
}

void tap_close(struct tap *t)
{
	unsigned int i;

	for (i = 0; i < t->nfds; i++) {
		if (t->fds[i] >= 0)
			close(t->fds[i]);
		t->fds[i] = -1;
	}
	t->nfds = 0;
}
