// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for tap devices: the three ways of getting one (create,
 * attach by name, adopt an fd) and their errors.
 *
 * The refusals that need no privilege run everywhere. Everything that
 * makes a tap needs /dev/net/tun and CAP_NET_ADMIN (CI runs as root) and
 * is skipped without them, as in containers without /dev/net/tun. Taps
 * the tests make persistent are named vmmtestN and removed by the
 * teardown even when a test fails. The "no permission" paths run in a
 * child that drops CAP_NET_ADMIN, since root can do anything otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "net.h"
#include "status.h"
#include "unit.h"

static struct net_opts opts_tap(void)
{
	struct net_opts o;

	assert_int_equal(net_opts_parse("tap", &o), 0);
	return o;
}

/* tap_open fails with status; its one line is "vmm: --network LABEL: CAUSE". */
static void expect_fail(const struct net_opts *o, unsigned int npairs, int status,
			const char *label, const char *cause)
{
	struct unit_capture cap;
	struct tap t;
	char line[512];
	int ret, fds = unit_open_fds();

	unit_capture_begin(&cap, 2);
	ret = tap_open(o, npairs, &t);
	unit_capture_end(&cap);
	assert_int_equal(ret, status);
	assert_int_equal(t.nfds, 0);
	snprintf(line, sizeof(line), "--network %s: ", label);
	unit_assert_one_line_prefix(cap.text, line);
	if (!strstr(cap.text, cause))
		fail_msg("\"%s\" lacks \"%s\"", cap.text, cause);
	assert_int_equal(unit_open_fds(), fds);
}

/* --- no privilege needed ------------------------------------------------ */

static void test_fd_not_open(void **state)
{
	struct net_opts o = opts_tap();
	char label[32], cause[32];
	int fd = 1000; /* high enough not to be reused by the capture's temporary file */

	(void)state;
	assert_true(fcntl(fd, F_GETFD) < 0);
	o.fd = fd;
	snprintf(label, sizeof(label), "tap,fd=%d", fd);
	snprintf(cause, sizeof(cause), "fd %d is not open", fd);
	expect_fail(&o, 1, VMM_ERR_INPUT, label, cause);
}

static void test_fd_pipe(void **state)
{
	struct net_opts o = opts_tap();
	char label[32], cause[40];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	o.fd = p[0];
	snprintf(label, sizeof(label), "tap,fd=%d", p[0]);
	snprintf(cause, sizeof(cause), "fd %d is not a tap device", p[0]);
	expect_fail(&o, 1, VMM_ERR_INPUT, label, cause);
	/* Refused, so still the caller's: open and as blocking as before. */
	assert_true(fcntl(p[0], F_GETFD) >= 0);
	assert_int_equal(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);
}

static void test_fd_regular_file(void **state)
{
	struct net_opts o = opts_tap();
	char label[32];
	int fd = open("/proc/self/stat", O_RDONLY);

	(void)state;
	assert_true(fd >= 3);
	o.fd = fd;
	snprintf(label, sizeof(label), "tap,fd=%d", fd);
	expect_fail(&o, 1, VMM_ERR_INPUT, label, "is not a tap device");
	close(fd);
}

static void test_ifname_missing(void **state)
{
	struct net_opts o;

	(void)state;
	assert_int_equal(net_opts_parse("tap,ifname=vmmnosuch0", &o), 0);
	expect_fail(&o, 1, VMM_ERR_INPUT, "tap,ifname=vmmnosuch0",
		    "no network interface vmmnosuch0");
	expect_fail(&o, 4, VMM_ERR_INPUT, "tap,ifname=vmmnosuch0",
		    "no network interface vmmnosuch0");
	/* Never created on the way. */
	assert_int_equal(if_nametoindex("vmmnosuch0"), 0);
}

static void test_ifname_lo(void **state)
{
	struct net_opts o;

	(void)state;
	assert_int_equal(net_opts_parse("tap,ifname=lo", &o), 0);
	expect_fail(&o, 1, VMM_ERR_INPUT, "tap,ifname=lo", "lo is not a tap device");
	expect_fail(&o, 2, VMM_ERR_INPUT, "tap,ifname=lo", "lo is not a tap device");
}

static void test_close_empty(void **state)
{
	struct tap t = {.nfds = 0};

	(void)state;
	tap_close(&t);
	assert_int_equal(t.nfds, 0);
	assert_int_equal(tap_set_offload(&t, TUN_F_CSUM), 0);
}

/* --- with /dev/net/tun and CAP_NET_ADMIN -------------------------------- */

/* The persistent tap a test made, removed by teardown() whatever happens. */
static char persist_name[IFNAMSIZ];
static short persist_flags;

/* An fd attached to a new or existing tap, or -errno. */
static int raw_tap(const char *name, short flags, char *out_name)
{
	struct ifreq ifr = {0};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = flags;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (out_name)
		memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

/*
 * Skip the test unless this process can make taps. Any failure of the
 * test's own TUNSETIFF means the environment, not vmm: no /dev/net/tun
 * (ENOENT), no tun module (ENODEV), no CAP_NET_ADMIN (EPERM), a device
 * node the container does not allow (EACCES, EPERM).
 */
static void need_tun(void)
{
	int fd = raw_tap("vmmtest%d", IFF_TAP | IFF_NO_PI, NULL);

	if (fd < 0) {
		print_message("cannot make a tap here (%s): skipped\n", strerror(-fd));
		skip();
	}
	close(fd);
}

/* A persistent tap vmmtestN, down, flags extra to TAP and NO_PI; owner uid or -1. */
static void make_persistent(short flags, long owner)
{
	int fd;

	need_tun();
	persist_flags = (short)(IFF_TAP | IFF_NO_PI | flags);
	fd = raw_tap("vmmtest%d", persist_flags, persist_name);
	assert_true(fd >= 0);
	if (owner >= 0)
		assert_int_equal(ioctl(fd, TUNSETOWNER, (unsigned long)owner), 0);
	assert_int_equal(ioctl(fd, TUNSETPERSIST, 1UL), 0);
	close(fd);
}

static int teardown(void **state)
{
	int fd;

	(void)state;
	if (!persist_name[0])
		return 0;
	fd = raw_tap(persist_name, persist_flags, NULL);
	if (fd >= 0) {
		ioctl(fd, TUNSETPERSIST, 0UL);
		close(fd);
	}
	persist_name[0] = '\0';
	return 0;
}

static unsigned int if_flags(const char *name)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	close(s);
	return (unsigned short)ifr.ifr_flags;
}

/* Every fd of t: non-blocking, close-on-exec, a tap with the 12-byte header. */
static void check_fds(const struct tap *t, bool mq)
{
	unsigned int i;

	for (i = 0; i < t->nfds; i++) {
		struct ifreq ifr = {0};
		int hdr = 0;

		assert_true(fcntl(t->fds[i], F_GETFL) & O_NONBLOCK);
		assert_true(fcntl(t->fds[i], F_GETFD) & FD_CLOEXEC);
		assert_int_equal(ioctl(t->fds[i], TUNGETIFF, &ifr), 0);
		assert_string_equal(ifr.ifr_name, t->ifname);
		assert_true(ifr.ifr_flags & IFF_TAP);
		assert_true(ifr.ifr_flags & IFF_NO_PI);
		assert_true(ifr.ifr_flags & IFF_VNET_HDR);
		assert_int_equal(!!(ifr.ifr_flags & IFF_MULTI_QUEUE), mq);
		assert_int_equal(ioctl(t->fds[i], TUNGETVNETHDRSZ, &hdr), 0);
		assert_int_equal(hdr, NET_HDR_LEN);
	}
}

static void test_create(void **state)
{
	struct net_opts o = opts_tap();
	int fds = unit_open_fds();
	char name[IFNAMSIZ];
	struct tap t;

	(void)state;
	need_tun();
	assert_int_equal(tap_open(&o, 1, &t), 0);
	assert_true(t.created);
	assert_int_equal(t.nfds, 1);
	assert_memory_equal(t.ifname, "vmmtap", 6);
	assert_true(if_nametoindex(t.ifname) > 0);
	assert_true(if_flags(t.ifname) & IFF_UP);
	check_fds(&t, false);
	assert_int_equal(tap_set_offload(&t, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN),
			 0);
	assert_int_equal(tap_set_offload(&t, 0), 0);
	memcpy(name, t.ifname, sizeof(name));
	tap_close(&t);
	assert_int_equal(t.nfds, 0);
	/* Not persistent: gone with its last fd. */
	assert_int_equal(if_nametoindex(name), 0);
	assert_int_equal(unit_open_fds(), fds);
}

static void test_create_multiqueue(void **state)
{
	struct net_opts o = opts_tap();
	int fds = unit_open_fds();
	char name[IFNAMSIZ];
	struct tap t, t2;
	unsigned int i;

	(void)state;
	need_tun();
	assert_int_equal(tap_open(&o, NET_MAX_PAIRS, &t), 0);
	assert_int_equal(t.nfds, NET_MAX_PAIRS);
	check_fds(&t, true);
	for (i = 1; i < t.nfds; i++)
		assert_int_not_equal(t.fds[i], t.fds[0]);
	assert_int_equal(tap_set_offload(&t, TUN_F_CSUM), 0);

	/* A second VM gets a tap of its own. */
	assert_int_equal(tap_open(&o, 2, &t2), 0);
	assert_string_not_equal(t.ifname, t2.ifname);
	tap_close(&t2);

	memcpy(name, t.ifname, sizeof(name));
	tap_close(&t);
	assert_int_equal(if_nametoindex(name), 0);
	assert_int_equal(unit_open_fds(), fds);
}

static void test_attach(void **state)
{
	struct unit_capture cap;
	struct net_opts o;
	char spec[64];
	struct tap t;
	int ret;

	(void)state;
	make_persistent(0, -1);
	snprintf(spec, sizeof(spec), "tap,ifname=%s", persist_name);
	assert_int_equal(net_opts_parse(spec, &o), 0);
	unit_capture_begin(&cap, 2);
	ret = tap_open(&o, 1, &t);
	unit_capture_end(&cap);
	assert_int_equal(ret, 0);
	/* The administrator's tap is down: worth a warning, not an error. */
	assert_non_null(strstr(cap.text, "is down"));
	assert_false(t.created);
	assert_int_equal(t.nfds, 1);
	assert_string_equal(t.ifname, persist_name);
	check_fds(&t, false);
	/* vmm changed nothing about it: still down. */
	assert_false(if_flags(persist_name) & IFF_UP);

	/* A tap without multi_queue takes one user at a time. */
	expect_fail(&o, 1, VMM_ERR_INPUT, spec, "is in use by another process");

	tap_close(&t);
	/* Persistent: still there for the next run. */
	assert_true(if_nametoindex(persist_name) > 0);
}

static void test_attach_not_multiqueue(void **state)
{
	struct net_opts o;
	char spec[64], label[64];

	(void)state;
	make_persistent(0, -1);
	snprintf(spec, sizeof(spec), "tap,ifname=%s,queues=2", persist_name);
	snprintf(label, sizeof(label), "tap,ifname=%s", persist_name);
	assert_int_equal(net_opts_parse(spec, &o), 0);
	expect_fail(&o, 2, VMM_ERR_INPUT, label, "was created without multi_queue");
}

static void test_attach_multiqueue(void **state)
{
	struct unit_capture cap;
	struct net_opts o;
	struct tap t, t1;
	char spec[64];
	int ret;

	(void)state;
	make_persistent(IFF_MULTI_QUEUE, -1);
	snprintf(spec, sizeof(spec), "tap,ifname=%s", persist_name);
	assert_int_equal(net_opts_parse(spec, &o), 0);
	unit_capture_begin(&cap, 2);
	ret = tap_open(&o, 4, &t);
	unit_capture_end(&cap);
	assert_int_equal(ret, 0);
	assert_int_equal(t.nfds, 4);
	check_fds(&t, true);
	/* One pair on a multi_queue tap: the flag must match the tap's. */
	unit_capture_begin(&cap, 2);
	ret = tap_open(&o, 1, &t1);
	unit_capture_end(&cap);
	assert_int_equal(ret, 0);
	check_fds(&t1, true);
	tap_close(&t1);
	tap_close(&t);
}

/* In a child without CAP_NET_ADMIN: tap_open's status, stderr in cap. */
static int open_without_cap(const struct net_opts *o, struct unit_capture *cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	int status;
	pid_t pid;

	unit_capture_begin(cap, 2);
	pid = fork();
	if (pid == 0) {
		struct tap t;

		if (syscall(SYS_capget, &hdr, data))
			_exit(100);
		data[0].effective &= ~(1u << CAP_NET_ADMIN);
		data[0].permitted &= ~(1u << CAP_NET_ADMIN);
		data[0].inheritable &= ~(1u << CAP_NET_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(101);
		_exit(tap_open(o, 1, &t));
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unit_capture_end(cap);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_create_no_permission(void **state)
{
	struct net_opts o = opts_tap();
	struct unit_capture cap;

	(void)state;
	need_tun();
	assert_int_equal(open_without_cap(&o, &cap), VMM_ERR_HOST);
	unit_assert_one_line_prefix(cap.text, "--network tap: creating a tap needs CAP_NET_ADMIN");
	assert_non_null(strstr(cap.text, "ip tuntap add dev "));
	assert_non_null(strstr(cap.text, "mode tap user $USER; then --network tap,ifname="));
}

static void test_attach_no_permission(void **state)
{
	struct unit_capture cap;
	struct net_opts o;
	char spec[64], want[128];

	(void)state;
	make_persistent(0, 54321);
	snprintf(spec, sizeof(spec), "tap,ifname=%s", persist_name);
	assert_int_equal(net_opts_parse(spec, &o), 0);
	assert_int_equal(open_without_cap(&o, &cap), VMM_ERR_HOST);
	snprintf(want, sizeof(want), "--network %s: no permission to use tap %s (", spec,
		 persist_name);
	unit_assert_one_line_prefix(cap.text, want);
	assert_non_null(strstr(cap.text, "uid 54321"));
	assert_non_null(strstr(cap.text, "without CAP_NET_ADMIN"));
}

/* fd=N of a tap opened with these flags: tap_open's status and line. */
static int open_fd(short flags, struct tap *t, struct unit_capture *cap, int *fd)
{
	struct net_opts o = opts_tap();
	int ret;

	*fd = raw_tap("vmmtest%d", flags, NULL);
	assert_true(*fd >= 3);
	o.fd = *fd;
	unit_capture_begin(cap, 2);
	ret = tap_open(&o, 1, t);
	unit_capture_end(cap);
	return ret;
}

static void test_fd_tap(void **state)
{
	struct unit_capture cap;
	char name[IFNAMSIZ];
	struct tap t;
	int fd;

	(void)state;
	need_tun();
	assert_int_equal(open_fd(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, &t, &cap, &fd), 0);
	assert_string_equal(cap.text, "");
	assert_int_equal(t.nfds, 1);
	assert_int_equal(t.fds[0], fd);
	assert_false(t.created);
	assert_memory_equal(t.ifname, "vmmtest", 7);
	check_fds(&t, false);
	memcpy(name, t.ifname, sizeof(name));
	tap_close(&t);
	/* Taken over: closed by tap_close, and the tap went with it. */
	assert_true(fcntl(fd, F_GETFD) < 0);
	assert_int_equal(if_nametoindex(name), 0);
}

static void test_fd_bad_taps(void **state)
{
	struct unit_capture cap;
	struct ifreq ifr;
	struct tap t;
	int fd, ret;

	(void)state;
	need_tun();
	assert_int_equal(open_fd(IFF_TAP | IFF_NO_PI, &t, &cap, &fd), VMM_ERR_INPUT);
	assert_non_null(strstr(cap.text, "tap opened without IFF_VNET_HDR; vmm needs the "
					 "virtio-net header"));
	assert_true(fcntl(fd, F_GETFD) >= 0);
	close(fd);

	/* Some kernels (6.18) report IFF_NO_PI on every tap, asked for or not. */
	ret = open_fd(IFF_TAP | IFF_VNET_HDR, &t, &cap, &fd);
	memset(&ifr, 0, sizeof(ifr));
	if (ret == 0) {
		assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
		assert_true(ifr.ifr_flags & IFF_NO_PI);
		tap_close(&t);
	} else {
		assert_int_equal(ret, VMM_ERR_INPUT);
		assert_non_null(strstr(cap.text, "tap opened without IFF_NO_PI"));
		close(fd);
	}

	assert_int_equal(open_fd(IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, &t, &cap, &fd), VMM_ERR_INPUT);
	assert_non_null(strstr(cap.text, "is not a tap device"));
	close(fd);

	/* /dev/net/tun opened but never attached to an interface. */
	{
		struct net_opts o = opts_tap();
		char label[32];

		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		assert_true(fd >= 3);
		o.fd = fd;
		snprintf(label, sizeof(label), "tap,fd=%d", fd);
		expect_fail(&o, 1, VMM_ERR_INPUT, label, "is not a tap device");
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fd_not_open),
	    cmocka_unit_test(test_fd_pipe),
	    cmocka_unit_test(test_fd_regular_file),
	    cmocka_unit_test(test_ifname_missing),
	    cmocka_unit_test(test_ifname_lo),
	    cmocka_unit_test(test_close_empty),
	    cmocka_unit_test_teardown(test_create, teardown),
	    cmocka_unit_test_teardown(test_create_multiqueue, teardown),
	    cmocka_unit_test_teardown(test_attach, teardown),
	    cmocka_unit_test_teardown(test_attach_not_multiqueue, teardown),
	    cmocka_unit_test_teardown(test_attach_multiqueue, teardown),
	    cmocka_unit_test_teardown(test_create_no_permission, teardown),
	    cmocka_unit_test_teardown(test_attach_no_permission, teardown),
	    cmocka_unit_test_teardown(test_fd_tap, teardown),
	    cmocka_unit_test_teardown(test_fd_bad_taps, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
