// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for vhost-net setup.
 *
 * Most machines that build vmm have no /dev/vhost-net (containers, CI
 * without the module), so this test puts a model of it behind open() and
 * ioctl(): it keeps what each ioctl set, refuses what the kernel refuses
 * (feature bits it does not offer, changing a ring while a backend is
 * attached, a backend on a ring without addresses), records the order of
 * the calls, and fails a chosen one on demand. Where the real device and
 * /dev/net/tun are usable, one more test runs the whole cycle on them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <linux/vhost.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "guest_mem.h"
#include "net.h"
#include "unit.h"
#include "vhost_net.h"
#include "virtqueue.h"

#define FAKE_LOG_MAX 64

struct fake_vring {
	unsigned int num, base;
	bool num_set, addr_set;
	struct vhost_vring_addr addr;
	int kick, call, backend;
};

/* The model of /dev/vhost-net (only one open at a time). */
static struct {
	bool enabled;	/* open("/dev/vhost-net") gives the model */
	int open_errno; /* open fails with this when non-zero */
	int fd;		/* the model's fd, an eventfd; -1 when none */
	bool owner;
	uint64_t offered; /* VHOST_GET_FEATURES */
	uint64_t acked;	  /* VHOST_SET_FEATURES */
	uint32_t nregions;
	struct vhost_memory_region region;
	struct fake_vring vr[2];
	unsigned long fail_req; /* this request fails with EIO ... */
	int fail_vring;		/* ... on this vring only, when >= 0 */
	const char *log[FAKE_LOG_MAX];
	int nlog;
} fake;

static const char *fake_name(unsigned long req)
{
	switch (req) {
	case VHOST_SET_OWNER:
		return "SET_OWNER";
	case VHOST_GET_FEATURES:
		return "GET_FEATURES";
	case VHOST_SET_FEATURES:
		return "SET_FEATURES";
	case VHOST_SET_MEM_TABLE:
		return "SET_MEM_TABLE";
	case VHOST_SET_VRING_NUM:
		return "SET_VRING_NUM";
	case VHOST_SET_VRING_ADDR:
		return "SET_VRING_ADDR";
	case VHOST_SET_VRING_BASE:
		return "SET_VRING_BASE";
	case VHOST_GET_VRING_BASE:
		return "GET_VRING_BASE";
	case VHOST_SET_VRING_KICK:
		return "SET_VRING_KICK";
	case VHOST_SET_VRING_CALL:
		return "SET_VRING_CALL";
	case VHOST_NET_SET_BACKEND:
		return "NET_SET_BACKEND";
	}
	return "?";
}

static int fake_err(int e)
{
	errno = e;
	return -1;
}

/* The vring an ioctl names (every vring ioctl's argument starts with its index). */
static struct fake_vring *fake_vring(void *arg)
{
	unsigned int index = *(unsigned int *)arg;

	return index < 2 ? &fake.vr[index] : NULL;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	struct fake_vring *vr = NULL;

	if (fake.nlog < FAKE_LOG_MAX)
		fake.log[fake.nlog++] = fake_name(req);
	if (req == fake.fail_req &&
	    (fake.fail_vring < 0 || *(unsigned int *)arg == (unsigned int)fake.fail_vring))
		return fake_err(EIO);
	if (req != VHOST_SET_OWNER && !fake.owner)
		return fake_err(EPERM);
	switch (req) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_BASE:
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_NET_SET_BACKEND:
		vr = fake_vring(arg);
		if (!vr)
			return fake_err(ENOBUFS);
	}

	switch (req) {
	case VHOST_SET_OWNER:
		if (fake.owner)
			return fake_err(EBUSY);
		fake.owner = true;
		return 0;
	case VHOST_GET_FEATURES:
		*(uint64_t *)arg = fake.offered;
		return 0;
	case VHOST_SET_FEATURES:
		if (*(uint64_t *)arg & ~fake.offered)
			return fake_err(EOPNOTSUPP);
		fake.acked = *(uint64_t *)arg;
		return 0;
	case VHOST_SET_MEM_TABLE: {
		struct vhost_memory *m = arg;

		if (m->nregions > 64)
			return fake_err(E2BIG);
		fake.nregions = m->nregions;
		if (m->nregions)
			fake.region = m->regions[0];
		return 0;
	}
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_BASE:
		/* The kernel's rule: no ring changes under a running backend. */
		if (vr->backend >= 0)
			return fake_err(EBUSY);
		if (req == VHOST_SET_VRING_NUM) {
			vr->num = ((struct vhost_vring_state *)arg)->num;
			vr->num_set = true;
		} else if (req == VHOST_SET_VRING_ADDR) {
			vr->addr = *(struct vhost_vring_addr *)arg;
			vr->addr_set = true;
		} else {
			vr->base = ((struct vhost_vring_state *)arg)->num;
		}
		return 0;
	case VHOST_SET_VRING_KICK:
		vr->kick = ((struct vhost_vring_file *)arg)->fd;
		return 0;
	case VHOST_SET_VRING_CALL:
		vr->call = ((struct vhost_vring_file *)arg)->fd;
		return 0;
	case VHOST_NET_SET_BACKEND: {
		int fd = ((struct vhost_vring_file *)arg)->fd;

		if (fd != -1 && (!vr->num_set || !vr->addr_set))
			return fake_err(EFAULT);
		vr->backend = fd;
		return 0;
	}
	}
	return fake_err(ENOTTY);
}

int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	if (fake.enabled && !strcmp(path, "/dev/vhost-net")) {
		if (fake.open_errno)
			return fake_err(fake.open_errno);
		assert_int_equal(fake.fd, -1);
		assert_true(flags & O_CLOEXEC);
		assert_int_equal(flags & O_ACCMODE, O_RDWR);
		fake.fd = eventfd(0, EFD_CLOEXEC);
		return fake.fd;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "open");
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	return real(path, flags, mode);
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	void *arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fake.enabled && fd >= 0 && fd == fake.fd)
		return fake_ioctl(req, arg);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "ioctl");
	return real(fd, req, arg);
}

/* --- fixture: guest RAM with two rings ----------------------------------- */

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE 0x10000ULL
#define QSIZE 256

/* What a vhost-net offers, including the two bits vmm must never ack. */
#define OFFERED                                                                                    \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |                        \
	 (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << 15) /* MRG_RXBUF */ |                    \
	 (1ULL << 24) /* NOTIFY_ON_EMPTY */ | (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) |               \
	 (1ULL << VHOST_F_LOG_ALL) | (1ULL << VIRTIO_F_ACCESS_PLATFORM))

struct fixture {
	struct guest_mem gm;
	struct virtqueue rx, tx;
	int kick[2], call;
};

static void setup_queue(struct fixture *f, struct virtqueue *q, uint64_t base, uint16_t size)
{
	const char *why = NULL;

	memset(q, 0, sizeof(*q));
	q->gm = &f->gm;
	q->size = size;
	q->desc_gpa = base;
	q->avail_gpa = base + 0x1000;
	q->used_gpa = base + 0x2000;
	if (vq_start(q, QSIZE, &why))
		fail_msg("vq_start: %s", why);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(gm_init(&f->gm, RAM_GPA, RAM_SIZE), 0);
	setup_queue(f, &f->rx, RAM_GPA, QSIZE);
	setup_queue(f, &f->tx, RAM_GPA + 0x4000, QSIZE);
	f->kick[0] = eventfd(0, EFD_CLOEXEC);
	f->kick[1] = eventfd(0, EFD_CLOEXEC);
	f->call = eventfd(0, EFD_CLOEXEC);
	assert_true(f->kick[0] >= 0 && f->kick[1] >= 0 && f->call >= 0);

	memset(&fake, 0, sizeof(fake));
	fake.enabled = true;
	fake.fd = -1;
	fake.offered = OFFERED;
	fake.fail_vring = -1;
	fake.vr[0].backend = fake.vr[1].backend = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake.enabled = false;
	close(f->kick[0]);
	close(f->kick[1]);
	close(f->call);
	gm_destroy(&f->gm);
	free(f);
	return 0;
}

/* The model's log from entry `from` on, joined with spaces. */
static const char *log_from(int from)
{
	static char buf[FAKE_LOG_MAX * 20];
	int i;

	buf[0] = '\0';
	for (i = from; i < fake.nlog; i++) {
		if (i > from)
			strcat(buf, " ");
		strcat(buf, fake.log[i]);
	}
	return buf;
}

static struct vhost_net *open_ok(struct fixture *f)
{
	struct vhost_net *v = NULL;
	const char *why = NULL;

	assert_int_equal(vhost_net_open(&f->gm, &v, &why), 0);
	assert_non_null(v);
	return v;
}

static int start(struct fixture *f, struct vhost_net *v, uint64_t features, int tap_fd,
		 const char **why)
{
	return vhost_net_start(v, features, &f->rx, &f->tx, f->kick[0], f->kick[1], f->call, tap_fd,
			       why);
}

/* --- the model ------------------------------------------------------------ */

static void test_open(void **state)
{
	struct fixture *f = *state;
	int fds = unit_open_fds();
	struct vhost_net *v;

	v = open_ok(f);
	assert_string_equal(log_from(0), "SET_OWNER GET_FEATURES SET_MEM_TABLE");
	assert_true(fake.owner);
	assert_int_equal(vhost_net_features(v), OFFERED);
	/* Guest RAM is one region: guest address, size, and where vmm maps it. */
	assert_int_equal(fake.nregions, 1);
	assert_int_equal(fake.region.guest_phys_addr, RAM_GPA);
	assert_int_equal(fake.region.memory_size, RAM_SIZE);
	assert_int_equal(fake.region.userspace_addr, (uintptr_t)f->gm.host);
	assert_int_equal(fake.region.flags_padding, 0);
	vhost_net_close(v);
	/* Never started: closing detaches nothing. */
	assert_string_equal(log_from(3), "");
	assert_int_equal(unit_open_fds(), fds);
	vhost_net_close(NULL);
}

static void test_open_fails(void **state)
{
	static const struct {
		unsigned long req;
		const char *why;
	} steps[] = {
	    {VHOST_SET_OWNER, "VHOST_SET_OWNER"},
	    {VHOST_GET_FEATURES, "VHOST_GET_FEATURES"},
	    {VHOST_SET_MEM_TABLE, "VHOST_SET_MEM_TABLE"},
	};
	struct fixture *f = *state;
	int fds = unit_open_fds();
	struct vhost_net *v;
	const char *why;
	size_t i;

	fake.open_errno = ENOENT;
	v = (struct vhost_net *)f;
	why = NULL;
	assert_int_equal(vhost_net_open(&f->gm, &v, &why), -ENOENT);
	assert_null(v);
	assert_string_equal(why, "/dev/vhost-net");
	fake.open_errno = 0;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fake.fail_req = steps[i].req;
		fake.owner = false;
		fake.fd = -1;
		why = NULL;
		v = (struct vhost_net *)f;
		assert_int_equal(vhost_net_open(&f->gm, &v, &why), -EIO);
		assert_null(v);
		assert_string_equal(why, steps[i].why);
		/* The device fd does not leak. */
		assert_int_equal(unit_open_fds(), fds);
	}
}

static void test_start(void **state)
{
	struct fixture *f = *state;
	uint64_t guest = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 15) | (1ULL << 0) /* CSUM */ |
			 (1ULL << 7) /* GUEST_TSO4 */ | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
			 (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) | (1ULL << VHOST_F_LOG_ALL) |
			 (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	struct vhost_net *v = open_ok(f);
	const char *why = NULL;
	int i, from = fake.nlog;

	assert_int_equal(start(f, v, guest, 42, &why), 0);
	assert_string_equal(log_from(from),
			    "SET_FEATURES "
			    "SET_VRING_NUM SET_VRING_ADDR SET_VRING_BASE SET_VRING_KICK "
			    "SET_VRING_CALL "
			    "SET_VRING_NUM SET_VRING_ADDR SET_VRING_BASE SET_VRING_KICK "
			    "SET_VRING_CALL "
			    "NET_SET_BACKEND NET_SET_BACKEND");
	/* What both sides have, less the header (the tap's), logging and an IOMMU. */
	assert_int_equal(fake.acked, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 15) |
					 (1ULL << VIRTIO_RING_F_EVENT_IDX));
	for (i = 0; i < 2; i++) {
		const struct virtqueue *q = i ? &f->tx : &f->rx;
		const struct fake_vring *vr = &fake.vr[i];

		assert_int_equal(vr->num, QSIZE);
		assert_int_equal(vr->addr.index, i);
		assert_int_equal(vr->addr.flags, 0);
		assert_int_equal(vr->addr.desc_user_addr, (uintptr_t)q->desc);
		assert_int_equal(vr->addr.avail_user_addr, (uintptr_t)q->avail);
		assert_int_equal(vr->addr.used_user_addr, (uintptr_t)q->used);
		assert_int_equal(vr->addr.log_guest_addr, 0);
		assert_int_equal(vr->base, 0);
		assert_int_equal(vr->kick, f->kick[i]);
		assert_int_equal(vr->call, f->call);
		assert_int_equal(vr->backend, 42);
	}
	/* The rings are ours, as host addresses inside the mapping. */
	assert_int_equal(fake.vr[0].addr.desc_user_addr, (uintptr_t)f->gm.host);

	from = fake.nlog;
	vhost_net_stop(v);
	assert_string_equal(log_from(from), "NET_SET_BACKEND NET_SET_BACKEND");
	assert_int_equal(fake.vr[0].backend, -1);
	assert_int_equal(fake.vr[1].backend, -1);
	/* Stopping a stopped one does nothing. */
	from = fake.nlog;
	vhost_net_stop(v);
	assert_string_equal(log_from(from), "");
	vhost_net_close(v);
}

/* A guest reset, then the driver starts again (rings moved, new size). */
static void test_restart(void **state)
{
	struct fixture *f = *state;
	struct vhost_net *v = open_ok(f);
	const char *why = NULL;
	int from;

	assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 42, &why), 0);
	vhost_net_stop(v);
	vq_reset(&f->rx);
	vq_reset(&f->tx);
	setup_queue(f, &f->rx, RAM_GPA + 0x8000, 64);
	setup_queue(f, &f->tx, RAM_GPA + 0xc000, 64);
	assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 43, &why), 0);
	assert_int_equal(fake.vr[0].num, 64);
	assert_int_equal(fake.vr[1].num, 64);
	assert_int_equal(fake.vr[0].addr.desc_user_addr, (uintptr_t)f->gm.host + 0x8000);
	assert_int_equal(fake.vr[0].backend, 43);
	assert_int_equal(fake.vr[1].backend, 43);

	/* Started twice without a stop: the rings are detached before they change. */
	from = fake.nlog;
	assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 44, &why), 0);
	assert_memory_equal(log_from(from), "NET_SET_BACKEND NET_SET_BACKEND SET_FEATURES", 44);
	assert_int_equal(fake.vr[1].backend, 44);

	/* Closing a running one detaches the tap first. */
	from = fake.nlog;
	vhost_net_close(v);
	assert_string_equal(log_from(from), "NET_SET_BACKEND NET_SET_BACKEND");
	assert_int_equal(fake.vr[0].backend, -1);
	assert_int_equal(fake.vr[1].backend, -1);
}

/*
 * vmm pause: the tap comes off both vrings (the worker then leaves guest
 * memory alone) and goes back on at resume, with nothing else touched: the
 * rings, base and fds stay as they were. Nothing happens when not started.
 */
static void test_pause(void **state)
{
	struct fixture *f = *state;
	struct vhost_net *v = open_ok(f);
	const char *why = NULL;
	int from;

	from = fake.nlog;
	assert_int_equal(vhost_net_pause(v, true), 0);
	assert_string_equal(log_from(from), "");
	assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 42, &why), 0);
	from = fake.nlog;
	assert_int_equal(vhost_net_pause(v, true), 0);
	assert_string_equal(log_from(from), "NET_SET_BACKEND NET_SET_BACKEND");
	assert_int_equal(fake.vr[0].backend, -1);
	assert_int_equal(fake.vr[1].backend, -1);
	from = fake.nlog;
	assert_int_equal(vhost_net_pause(v, false), 0);
	assert_string_equal(log_from(from), "NET_SET_BACKEND NET_SET_BACKEND");
	assert_int_equal(fake.vr[0].backend, 42);
	assert_int_equal(fake.vr[1].backend, 42);
	assert_int_equal(fake.vr[0].kick, f->kick[0]);
	assert_int_equal(fake.vr[1].call, f->call);
	vhost_net_close(v);
}

static void test_start_fails(void **state)
{
	static const struct {
		unsigned long req;
		const char *why;
	} steps[] = {
	    {VHOST_SET_FEATURES, "VHOST_SET_FEATURES"},
	    {VHOST_SET_VRING_NUM, "VHOST_SET_VRING_NUM"},
	    {VHOST_SET_VRING_ADDR, "VHOST_SET_VRING_ADDR"},
	    {VHOST_SET_VRING_BASE, "VHOST_SET_VRING_BASE"},
	    {VHOST_SET_VRING_KICK, "VHOST_SET_VRING_KICK"},
	    {VHOST_SET_VRING_CALL, "VHOST_SET_VRING_CALL"},
	    {VHOST_NET_SET_BACKEND, "VHOST_NET_SET_BACKEND"},
	};
	struct fixture *f = *state;
	struct vhost_net *v = open_ok(f);
	const char *why;
	size_t i;
	int from;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fake.fail_req = steps[i].req;
		why = NULL;
		assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 42, &why), -EIO);
		assert_string_equal(why, steps[i].why);
		assert_int_equal(fake.vr[0].backend, -1);
		assert_int_equal(fake.vr[1].backend, -1);
	}
	/* Only the transmit backend fails: receive, attached already, comes off. */
	fake.fail_req = VHOST_NET_SET_BACKEND;
	fake.fail_vring = 1;
	from = fake.nlog;
	assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 42, &why), -EIO);
	assert_string_equal(why, "VHOST_NET_SET_BACKEND");
	assert_string_equal(log_from(from + 11),
			    "NET_SET_BACKEND NET_SET_BACKEND NET_SET_BACKEND NET_SET_BACKEND");
	assert_int_equal(fake.vr[0].backend, -1);
	assert_int_equal(fake.vr[1].backend, -1);
	fake.fail_req = 0;
	fake.fail_vring = -1;

	/* A ring the driver never made ready is refused before any ioctl. */
	vq_reset(&f->tx);
	why = NULL;
	assert_int_equal(start(f, v, 1ULL << VIRTIO_F_VERSION_1, 42, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(fake.vr[0].backend, -1);
	vhost_net_close(v);
}

/* --- the real device ------------------------------------------------------ */

static void test_real_device(void **state)
{
	struct fixture *f = *state;
	struct net_opts o;
	struct vhost_net *v;
	const char *why = NULL;
	struct unit_capture cap;
	uint64_t features;
	struct tap t;
	int fds, ret;

	fake.enabled = false;
	fds = unit_open_fds();
	ret = vhost_net_open(&f->gm, &v, &why);
	if (ret == -ENOENT || ret == -ENODEV || ret == -EACCES || ret == -EPERM) {
		print_message("%s: %s: skipped\n", why, strerror(-ret));
		skip();
	}
	assert_int_equal(ret, 0);
	features = vhost_net_features(v);
	assert_true(features & (1ULL << VIRTIO_F_VERSION_1));
	assert_true(features & (1ULL << VHOST_NET_F_VIRTIO_NET_HDR));

	/* The whole cycle needs a tap as well. */
	assert_int_equal(net_opts_parse("tap", &o), 0);
	unit_capture_begin(&cap, 2);
	ret = tap_open(&o, 1, &t);
	unit_capture_end(&cap);
	if (ret) {
		vhost_net_close(v);
		print_message("no tap (%s): the start/stop cycle is skipped\n", cap.text);
		return;
	}
	features &= (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 15) | (1ULL << VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(start(f, v, features, t.fds[0], &why), 0);
	vhost_net_stop(v);
	assert_int_equal(start(f, v, features, t.fds[0], &why), 0);
	vhost_net_close(v);
	tap_close(&t);
	assert_int_equal(unit_open_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pause, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_start_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_device, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
