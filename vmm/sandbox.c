// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sandbox: seccomp filters (built with libseccomp) and no capabilities
 * once the VM is built (include/sandbox.h).
 *
 * Mechanism: nested per-thread filters. A seccomp filter belongs to a
 * thread, a thread inherits its creator's, and a call must pass every filter
 * the thread has. vmm's threads are made in a chain: the main thread starts
 * the vCPU threads (at boot, after a reboot, at resume), and a vCPU thread
 * starts the device threads (at the guest's DRIVER_OK). So one process-wide
 * filter alone would give a device thread, which parses the guest's rings,
 * everything the main thread needs; and per-kind filters that do not nest
 * would break a vCPU thread's children. Hence three allow-lists, each a
 * superset of the next:
 *   SANDBOX_MAIN    installed by the main thread with TSYNC at
 *                   sandbox_start(): every thread alive then has it,
 *                   including the device threads made during set-up
 *                   (rtc-alarm, gpio-pulse), which keep only this one;
 *   SANDBOX_VCPU    each vCPU thread adds it at its start (vcpu.c);
 *   SANDBOX_DEVICE  each device thread started later adds it
 *                   (dev_thread_start()).
 * A rule below names the narrowest kind that needs it; it is in that
 * filter and in the wider ones. The filters are compiled to BPF once, by
 * sandbox_build() before the sandbox is on, so a thread that starts only
 * makes two system calls to confine itself (prctl and seccomp), both
 * allowed by the filter it inherits.
 *
 * Hardening beyond the lists: ioctl only with the listed requests; mmap
 * and mprotect never with PROT_EXEC; clone only for threads (CLONE_THREAD)
 * and clone3, whose flags a filter cannot see, fails with ENOSYS so that
 * the C library falls back to clone; tgkill only within vmm; seccomp only
 * to add filters; prctl only for thread names and no_new_privs.
 *
 * A call outside the filter raises SIGSYS (SCMP_ACT_TRAP): on_sigsys()
 * puts the terminal back, writes one line with write(2) and ends the
 * process with VMM_SANDBOX. The syscall names come from a table filled by
 * sandbox_build() (libseccomp's resolver allocates, so it is not called in
 * the handler). The handler's own calls (ioctl TCSETS*, prctl PR_GET_NAME,
 * write, exit_group) are allowed in every filter.
 *
 * Capabilities: sandbox_start() empties the main thread's sets (capset)
 * and the bounding set when CAP_SETPCAP allows it. Capabilities are per
 * thread: threads created afterwards inherit the empty sets; the two
 * set-up threads keep theirs, confined by the main filter all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/seccomp.h>
#include <linux/vhost.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
#include "status.h"
#include "vmm/console.h"

#define NAMES_MAX 512 /* syscall numbers with a name in the report */

enum arg_rule {
	ANY,        /* any arguments */
	NO_EXEC,    /* mmap/mprotect: arg 2 (prot) without PROT_EXEC */
	THREAD,     /* clone: arg 0 (flags) with CLONE_THREAD */
	ENOSYS_RET, /* clone3: fail with ENOSYS (the C library falls back to clone) */
	SELF,       /* tgkill: arg 0 (tgid) is vmm */
	FILTER,     /* seccomp: SECCOMP_SET_MODE_FILTER only */
	EMPTY_PATH, /* newfstatat: the fstat form (AT_EMPTY_PATH) */
	PRCTL,      /* prctl: PR_GET_NAME, PR_SET_NAME, PR_SET_NO_NEW_PRIVS */
};

struct rule {
	const char *name;
	enum sandbox_kind kind; /* the narrowest kind that needs it */
	enum arg_rule arg;
};

/*
 * What each kind still does after set-up (names absent on an arch, such as
 * poll on arm64, are skipped). Read with the code: a device thread reads
 * and writes its eventfds, tap and disk, waits in poll and futex, submits
 * and reaps I/O; the console-io thread writes to a socket; allocation
 * (malloc's arenas) maps memory. A vCPU thread runs KVM_RUN and handles
 * MMIO, which at DRIVER_OK starts device threads and vhost-net and at a
 * reset joins them. The main thread serves the control socket and the
 * console, pauses, reboots (vCPU init, fresh RAM, seeds) and tears
 * everything down on the way out (unlinking its runtime files).
 */
static const struct rule rules[] = {
	/* every thread, the SIGSYS report included */
	{ "read", SANDBOX_DEVICE, ANY },
	{ "write", SANDBOX_DEVICE, ANY },
	{ "readv", SANDBOX_DEVICE, ANY },
	{ "writev", SANDBOX_DEVICE, ANY },
	{ "close", SANDBOX_DEVICE, ANY },
	{ "futex", SANDBOX_DEVICE, ANY },
	{ "ppoll", SANDBOX_DEVICE, ANY },
	{ "poll", SANDBOX_DEVICE, ANY },
	{ "clock_gettime", SANDBOX_DEVICE, ANY },
	{ "clock_nanosleep", SANDBOX_DEVICE, ANY },
	{ "nanosleep", SANDBOX_DEVICE, ANY },
	{ "gettimeofday", SANDBOX_DEVICE, ANY },
	{ "mmap", SANDBOX_DEVICE, NO_EXEC },
	{ "mprotect", SANDBOX_DEVICE, NO_EXEC },
	{ "munmap", SANDBOX_DEVICE, ANY },
	{ "madvise", SANDBOX_DEVICE, ANY },
	{ "brk", SANDBOX_DEVICE, ANY },
	{ "mremap", SANDBOX_DEVICE, ANY },
	{ "exit", SANDBOX_DEVICE, ANY },
	{ "exit_group", SANDBOX_DEVICE, ANY },
	{ "rt_sigprocmask", SANDBOX_DEVICE, ANY },
	{ "rt_sigreturn", SANDBOX_DEVICE, ANY },
	{ "restart_syscall", SANDBOX_DEVICE, ANY },
	{ "getpid", SANDBOX_DEVICE, ANY },
	{ "gettid", SANDBOX_DEVICE, ANY },
	{ "tgkill", SANDBOX_DEVICE, SELF },
	{ "sched_yield", SANDBOX_DEVICE, ANY },
	{ "getrandom", SANDBOX_DEVICE, ANY },
	{ "prctl", SANDBOX_DEVICE, PRCTL },
	{ "ioctl", SANDBOX_DEVICE, ANY }, /* requests: ioctls[] and the arch's */
	{ "sendto", SANDBOX_DEVICE, ANY }, /* console output to a client socket */
	/* disk and tap I/O */
	{ "pread64", SANDBOX_DEVICE, ANY },
	{ "pwrite64", SANDBOX_DEVICE, ANY },
	{ "preadv", SANDBOX_DEVICE, ANY },
	{ "pwritev", SANDBOX_DEVICE, ANY },
	{ "preadv2", SANDBOX_DEVICE, ANY },
	{ "pwritev2", SANDBOX_DEVICE, ANY },
	{ "fdatasync", SANDBOX_DEVICE, ANY },
	{ "fsync", SANDBOX_DEVICE, ANY },
	{ "fallocate", SANDBOX_DEVICE, ANY },
	{ "io_uring_enter", SANDBOX_DEVICE, ANY },
	{ "io_submit", SANDBOX_DEVICE, ANY },
	{ "io_getevents", SANDBOX_DEVICE, ANY },
	{ "io_pgetevents", SANDBOX_DEVICE, ANY },
	/* vCPU threads: starting and stopping device threads, confining them */
	{ "clone", SANDBOX_VCPU, THREAD },
	{ "clone3", SANDBOX_VCPU, ENOSYS_RET },
	{ "set_robust_list", SANDBOX_VCPU, ANY },
	{ "rseq", SANDBOX_VCPU, ANY },
	{ "seccomp", SANDBOX_VCPU, FILTER },
	{ "eventfd2", SANDBOX_VCPU, ANY },
	/* the main thread: control socket, signals, reboot, exit */
	{ "accept4", SANDBOX_MAIN, ANY },
	{ "recvfrom", SANDBOX_MAIN, ANY },
	{ "recvmsg", SANDBOX_MAIN, ANY },
	{ "sendmsg", SANDBOX_MAIN, ANY },
	{ "rt_sigaction", SANDBOX_MAIN, ANY },
	{ "fcntl", SANDBOX_MAIN, ANY },
	{ "fstat", SANDBOX_MAIN, ANY },
	{ "newfstatat", SANDBOX_MAIN, EMPTY_PATH },
	{ "lseek", SANDBOX_MAIN, ANY },
	{ "unlinkat", SANDBOX_MAIN, ANY }, /* RUNDIR/NAME.sock and .lock at exit */
	{ "unlink", SANDBOX_MAIN, ANY },
	{ "io_destroy", SANDBOX_MAIN, ANY },
	{ "dup3", SANDBOX_MAIN, ANY }, /* --detach: stdio onto /dev/null and the log */
	{ "dup2", SANDBOX_MAIN, ANY },
	{ "wait4", SANDBOX_MAIN, ANY },
	{ "waitid", SANDBOX_MAIN, ANY },
	/* --network user: a passt that does not quit with its socket is killed at exit */
	{ "kill", SANDBOX_MAIN, ANY },
};

/*
 * The FUSE server's calls (--share, sandbox_allow_files()), for device
 * threads and so for every kind. Paths are only ever resolved beneath a
 * share's descriptors (devices/fuse_ops.c); the filter cannot check that,
 * so these are allowed only when a share exists.
 */
static const struct rule file_rules[] = {
	{ "openat", SANDBOX_DEVICE, ANY },
	{ "openat2", SANDBOX_DEVICE, ANY },
	{ "newfstatat", SANDBOX_DEVICE, ANY },
	{ "fstat", SANDBOX_DEVICE, ANY },
	{ "fstatfs", SANDBOX_DEVICE, ANY },
	{ "statx", SANDBOX_DEVICE, ANY }, /* a C library may stat through it */
	{ "getdents64", SANDBOX_DEVICE, ANY },
	{ "lseek", SANDBOX_DEVICE, ANY },
	{ "readlinkat", SANDBOX_DEVICE, ANY },
	{ "mkdirat", SANDBOX_DEVICE, ANY },
	{ "mknodat", SANDBOX_DEVICE, ANY },
	{ "symlinkat", SANDBOX_DEVICE, ANY },
	{ "linkat", SANDBOX_DEVICE, ANY },
	{ "unlinkat", SANDBOX_DEVICE, ANY },
	{ "renameat2", SANDBOX_DEVICE, ANY },
	{ "fchmodat", SANDBOX_DEVICE, ANY },
	{ "fchownat", SANDBOX_DEVICE, ANY },
	{ "utimensat", SANDBOX_DEVICE, ANY },
	{ "ftruncate", SANDBOX_DEVICE, ANY },
	{ "faccessat2", SANDBOX_DEVICE, ANY },
};

/* ioctl requests of the generic devices; the arch adds KVM's (sandbox_build). */
static const struct sandbox_ioctl ioctls[] = {
	/* the terminal, restored by the SIGSYS report from any thread */
	{ TCGETS, SANDBOX_DEVICE },
	{ TCSETS, SANDBOX_DEVICE },
	{ TCSETSW, SANDBOX_DEVICE },
	{ TCSETSF, SANDBOX_DEVICE },
	{ TIOCGWINSZ, SANDBOX_MAIN },
	/* disks: discard and write-zeroes on block devices */
	{ BLKDISCARD, SANDBOX_DEVICE },
	{ BLKZEROOUT, SANDBOX_DEVICE },
	/* taps: queues on and off (net<N>-ctrl), offloads at DRIVER_OK */
	{ TUNSETQUEUE, SANDBOX_DEVICE },
	{ TUNSETOFFLOAD, SANDBOX_VCPU },
	/* vhost-net, started at DRIVER_OK and stopped at reset */
	{ VHOST_SET_MEM_TABLE, SANDBOX_VCPU },
	{ VHOST_SET_FEATURES, SANDBOX_VCPU },
	{ VHOST_SET_VRING_NUM, SANDBOX_VCPU },
	{ VHOST_SET_VRING_ADDR, SANDBOX_VCPU },
	{ VHOST_SET_VRING_BASE, SANDBOX_VCPU },
	{ VHOST_GET_VRING_BASE, SANDBOX_VCPU },
	{ VHOST_SET_VRING_KICK, SANDBOX_VCPU },
	{ VHOST_SET_VRING_CALL, SANDBOX_VCPU },
	{ VHOST_NET_SET_BACKEND, SANDBOX_VCPU },
};

static struct sock_fprog progs[SANDBOX_KINDS];
static unsigned int nsyscalls[SANDBOX_KINDS], nioctls[SANDBOX_KINDS];
static const char *names[NAMES_MAX];
static atomic_bool on;
static atomic_bool selftest_armed;
static bool files_allowed;

void sandbox_allow_files(void)
{
	files_allowed = true;
}

static int add_rule(scmp_filter_ctx ctx, int nr, enum arg_rule arg)
{
	int r = 0;

	switch (arg) {
	case ANY:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case NO_EXEC:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case THREAD:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	case ENOSYS_RET:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	case SELF:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	case FILTER:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER));
	case EMPTY_PATH:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
	case PRCTL:
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));
		return r;
	}
	return -EINVAL;
}

/* ioctl with request (compared on its low 32 bits: the kernel's cmd is an unsigned int). */
static int add_ioctl(scmp_filter_ctx ctx, int nr, unsigned long request)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL,
					(scmp_datum_t)(request & 0xffffffffUL)));
}

/* The BPF of ctx, through a memfd (libseccomp 2.5 exports to a file descriptor). */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("vmm-sandbox", MFD_CLOEXEC), r = -1;
	off_t size;
	void *buf;

	if (fd < 0)
		return -1;
	if (seccomp_export_bpf(ctx, fd) < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || size > 65536)
		goto out;
	buf = malloc((size_t)size);
	if (!buf)
		goto out;
	if (pread(fd, buf, (size_t)size, 0) != size) {
		free(buf);
		goto out;
	}
	free(prog->filter);
	prog->filter = buf;
	prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	r = 0;
out:
	close(fd);
	return r;
}

static int build_kind(enum sandbox_kind kind, const struct sandbox_ioctl *extra, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int ioctl_nr = seccomp_syscall_resolve_name("ioctl");
	size_t i;
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	nsyscalls[kind] = nioctls[kind] = 0;
	for (i = 0; !r && i < sizeof(rules) / sizeof(rules[0]); i++) {
		int nr = seccomp_syscall_resolve_name(rules[i].name);

		if (rules[i].kind > kind || nr < 0)
			continue; /* not for this kind, or not on this arch */
		if (nr == ioctl_nr) {
			nsyscalls[kind]++;
			continue; /* by request, below */
		}
		r = add_rule(ctx, nr, rules[i].arg);
		if (!r)
			nsyscalls[kind]++;
	}
	for (i = 0; !r && files_allowed && i < sizeof(file_rules) / sizeof(file_rules[0]); i++) {
		int nr = seccomp_syscall_resolve_name(file_rules[i].name);

		if (nr < 0)
			continue; /* not on this arch */
		/* Already allowed for the kind (its narrower form included): the wider one wins. */
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		nsyscalls[kind]++;
	}
	for (i = 0; !r && i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
		if (ioctls[i].kind > kind)
			continue;
		r = add_ioctl(ctx, ioctl_nr, ioctls[i].request);
		nioctls[kind]++;
	}
	for (i = 0; !r && i < n; i++) {
		if (extra[i].kind > kind)
			continue;
		r = add_ioctl(ctx, ioctl_nr, extra[i].request);
		nioctls[kind]++;
	}
	if (!r && export(ctx, &progs[kind]))
		r = -EIO;
	seccomp_release(ctx);
	return r;
}

int sandbox_build(const struct sandbox_ioctl *extra, size_t n)
{
	int k, r;

	for (k = 0; k < SANDBOX_KINDS; k++) {
		r = build_kind((enum sandbox_kind)k, extra, n);
		if (r) {
			errno = r < 0 ? -r : EINVAL;
			log_errno("sandbox: building the seccomp filters");
			return VMM_ERR_INTERNAL;
		}
	}
	for (k = 0; k < NAMES_MAX; k++)
		if (!names[k])
			names[k] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, k);
	return VMM_OK;
}

void sandbox_counts(enum sandbox_kind kind, unsigned int *syscalls, unsigned int *ioctl_reqs)
{
	*syscalls = nsyscalls[kind];
	*ioctl_reqs = nioctls[kind];
}

bool sandbox_active(void)
{
	return atomic_load(&on);
}

void sandbox_selftest(void)
{
	atomic_store(&selftest_armed, true);
}

/* --- the report of a forbidden call (async-signal-safe) ----------------- */

static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_uint(char *buf, size_t at, size_t cap, unsigned long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(tmp));
	while (n && at < cap)
		buf[at++] = tmp[--n];
	return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *ucontext)
{
	char line[160], comm[17] = { 0 };
	int nr = si->si_syscall;
	size_t n = 0, cap = sizeof(line) - 1;

	(void)sig;
	(void)ucontext;
	console_restore();
	if (prctl(PR_GET_NAME, comm, 0, 0, 0) < 0)
		comm[0] = '?';
	n = put_str(line, n, cap, "vmm: sandbox: forbidden system call ");
	if (nr >= 0 && nr < NAMES_MAX && names[nr]) {
		n = put_str(line, n, cap, names[nr]);
		n = put_str(line, n, cap, " (");
		n = put_uint(line, n, cap, (unsigned long)nr);
		n = put_str(line, n, cap, ")");
	} else {
		n = put_uint(line, n, cap, (unsigned long)(unsigned int)nr);
	}
	n = put_str(line, n, cap, " in thread ");
	n = put_str(line, n, cap, comm);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to say it */
	}
	_exit(VMM_SANDBOX);
}

static int handler_install(void)
{
	struct sigaction sa;
	sigset_t sys;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;
	/* A blocked SIGSYS from seccomp kills without the handler. */
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	return pthread_sigmask(SIG_UNBLOCK, &sys, NULL) ? -1 : 0;
}

/* --- confining ---------------------------------------------------------- */

static int filter_load(enum sandbox_kind kind, unsigned int flags)
{
	long r;

	if (!progs[kind].filter) {
		errno = EINVAL;
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &progs[kind]);
	if (r > 0) {
		/* TSYNC: thread r could not take the filter (it has one of its own) */
		errno = EBUSY;
		return -1;
	}
	return r < 0 ? -1 : 0;
}

/* Capabilities: empty sets for this thread, the bounding set where we may. */
static void caps_drop(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			break; /* EINVAL: past the last; EPERM: no CAP_SETPCAP */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		log_warn("sandbox: cannot drop capabilities: %s", strerror(errno));
}

int sandbox_start(void)
{
	if (handler_install() < 0) {
		log_errno("sandbox: SIGSYS handler");
		return VMM_ERR_INTERNAL;
	}
	caps_drop();
	if (filter_load(SANDBOX_MAIN, SECCOMP_FILTER_FLAG_TSYNC) < 0) {
		log_errno("sandbox: seccomp filter (--sandbox off runs without)");
		return VMM_ERR_HOST;
	}
	atomic_store(&on, true);
	return VMM_OK;
}

int sandbox_install(enum sandbox_kind kind)
{
	if (handler_install() < 0 || filter_load(kind, 0) < 0) {
		log_errno("sandbox: seccomp filter");
		return VMM_ERR_HOST;
	}
	atomic_store(&on, true);
	return VMM_OK;
}

void sandbox_thread_enter(enum sandbox_kind kind)
{
	sigset_t sys;

	if (!atomic_load(&on))
		return;
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	if (filter_load(kind, 0) < 0) {
		log_errno("sandbox: seccomp filter for a new thread");
		_exit(VMM_ERR_INTERNAL);
	}
	if (kind == SANDBOX_DEVICE && atomic_exchange(&selftest_armed, false)) {
		/* VMM_SANDBOX_SELFTEST: what a compromised device thread might try */
		syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_CLOEXEC);
	}
}
