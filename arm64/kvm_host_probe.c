// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host probe: what this host offers vmm, read from uname, the kernel
 * command line and log, /dev/kvm's capabilities, and scratch VMs that are
 * created only to see what KVM accepts in them (vGIC models through
 * KVM_CREATE_DEVICE_TEST, a default vCPU, an SVE vCPU's vector lengths).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arm64/host_probe.h"
#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "arm64/layout.h"

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10
#define KMSG_RECORD_MAX 8192 /* a /dev/kmsg read must hold a whole record */

/* --- the kernel command line and log ------------------------------------ */

/* Read a small /proc file into buf (NUL-terminated). Returns 0 or an errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			return e;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

/*
 * /dev/kmsg, one record per read(2): "prio,seq,usec,flags;text\n" then
 * continuation lines (" KEY=value") that we skip. Starts at the oldest
 * record the ring still holds; O_NONBLOCK ends the walk at the newest.
 */
static int scan_kmsg(struct host_log *l)
{
	char *rec = malloc(KMSG_RECORD_MAX);
	int fd, e = 0;

	if (!rec)
		return ENOMEM;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		free(rec);
		return e;
	}
	for (;;) {
		ssize_t n = read(fd, rec, KMSG_RECORD_MAX);
		const char *text, *nl;

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE) /* EPIPE: records were overwritten */
				continue;
			if (errno != EAGAIN)
				e = errno;
			break;
		}
		if (n == 0)
			break;
		text = memchr(rec, ';', (size_t)n);
		if (!text)
			continue;
		text++;
		nl = memchr(text, '\n', (size_t)(rec + n - text));
		host_log_scan_line(l, text, (size_t)((nl ? nl : rec + n) - text));
	}
	close(fd);
	free(rec);
	return e;
}

/* syslog(2): the whole ring as text, "<6>[    0.52] ..." lines. */
static int scan_syslog(struct host_log *l)
{
	int size = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0), n;
	char *buf;

	if (size < 0)
		return errno;
	if (size == 0)
		size = 1 << 17;
	buf = malloc((size_t)size);
	if (!buf)
		return ENOMEM;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buf, size);
	if (n < 0) {
		int e = errno;

		free(buf);
		return e;
	}
	host_log_scan(l, buf, (size_t)n);
	free(buf);
	return 0;
}

static void probe_mode(struct host_probe *p)
{
	char buf[4096];
	int e;

	e = read_small("/proc/cmdline", buf, sizeof(buf));
	p->cmdline_read = e == 0;
	p->cmdline_errno = e;
	host_cmdline_parse(&p->cmdline, e ? NULL : buf);

	p->dmesg_restrict = -1;
	if (!read_small("/proc/sys/kernel/dmesg_restrict", buf, 16))
		p->dmesg_restrict = atoi(buf);

	host_log_init(&p->log);
	p->kmsg_errno = scan_kmsg(&p->log);
	if (!p->kmsg_errno) {
		p->log_source = HOST_LOG_KMSG;
	} else {
		/* No /dev/kmsg (a container, a /dev without it): the syscall. */
		host_log_init(&p->log);
		p->syslog_errno = scan_syslog(&p->log);
		p->log_source = p->syslog_errno ? HOST_LOG_NONE : HOST_LOG_SYSLOG;
	}
	host_mode_decide(&p->mode, p->cmdline_read ? &p->cmdline : NULL,
			 p->log_source != HOST_LOG_NONE ? &p->log : NULL);
}

/* --- /dev/kvm ------------------------------------------------------------- */

/* The name of group gid, from /etc/group (no NSS: the binary is static). */
static void group_name(unsigned int gid, char *out, size_t len)
{
	FILE *f = fopen("/etc/group", "re");
	char line[512];

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name = line, *c1 = strchr(line, ':'), *c2, *end;
		unsigned long g;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		g = strtoul(c2 + 1, &end, 10);
		if (end == c2 + 1 || *end != ':' || g != gid)
			continue;
		if ((size_t)(c1 - name) < len) {
			memcpy(out, name, (size_t)(c1 - name));
			out[c1 - name] = '\0';
		}
		break;
	}
	fclose(f);
}

static int cap(int fd, long c)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, c);

	return r < 0 ? 0 : r;
}

static void probe_caps(struct host_probe *p, int kvm)
{
	/* What arm64_kvm_open() (arm64/kvm_vm.c) refuses to run without. */
	const struct arm64_cap *required = arm64_required_caps;
	unsigned int i;
	int r;

	_Static_assert(ARM64_NR_REQUIRED_CAPS <= HOST_PROBE_MAX_MISSING, "missing[] too small");
	for (i = 0; i < ARM64_NR_REQUIRED_CAPS; i++)
		if (!cap(kvm, required[i].cap))
			p->missing[p->nmissing++] = required[i].name;
	r = cap(kvm, KVM_CAP_ARM_VM_IPA_SIZE);
	p->ipa_cap = r > 0;
	p->ipa_limit = r > 0 ? (unsigned int)r : 40;
	p->max_vcpus = (unsigned int)cap(kvm, KVM_CAP_MAX_VCPUS);
	p->nr_vcpus = (unsigned int)cap(kvm, KVM_CAP_NR_VCPUS);
	if (!p->max_vcpus)
		p->max_vcpus = p->nr_vcpus; /* the API's rule when MAX_VCPUS is absent */
	p->pmu_v3 = cap(kvm, KVM_CAP_ARM_PMU_V3) > 0;
	p->sve = cap(kvm, KVM_CAP_ARM_SVE) > 0;
	p->ptrauth_address = cap(kvm, KVM_CAP_ARM_PTRAUTH_ADDRESS) > 0;
	p->ptrauth_generic = cap(kvm, KVM_CAP_ARM_PTRAUTH_GENERIC) > 0;
	p->mte = cap(kvm, KVM_CAP_ARM_MTE) > 0;
	p->steal_time = cap(kvm, KVM_CAP_STEAL_TIME) > 0;
	p->counter_offset = cap(kvm, KVM_CAP_COUNTER_OFFSET) > 0;
	p->nisv_to_user = cap(kvm, KVM_CAP_ARM_NISV_TO_USER) > 0;
	p->readonly_mem = cap(kvm, KVM_CAP_READONLY_MEM) > 0;
	p->coalesced_mmio = cap(kvm, KVM_CAP_COALESCED_MMIO) > 0;
	p->ioeventfd = cap(kvm, KVM_CAP_IOEVENTFD) > 0;
	p->irqfd = cap(kvm, KVM_CAP_IRQFD) > 0;
}

/* --- scratch VMs ------------------------------------------------------------ */

/* A VM as vmm would create one for a small guest; -1 with errno on failure. */
static int scratch_vm(const struct host_probe *p, int kvm, unsigned int *bits)
{
	unsigned long type = 0;
	int fd;

	*bits = 40;
	if (p->ipa_cap) {
		*bits = p->ipa_limit < 40 ? p->ipa_limit : 40;
		if (*bits < LAYOUT_MIN_IPA_BITS)
			*bits = LAYOUT_MIN_IPA_BITS;
		type = KVM_VM_TYPE_ARM_IPA_SIZE(*bits);
	}
	do
		fd = ioctl(kvm, KVM_CREATE_VM, type);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static bool can_create(int vm, uint32_t type)
{
	struct kvm_create_device cd = { .type = type, .flags = KVM_CREATE_DEVICE_TEST };

	return ioctl(vm, KVM_CREATE_DEVICE, &cd) == 0;
}

/*
 * vCPU 0 of vm, initialised with features; its fd, or -1 after writing what
 * failed to err, after prefix.
 */
static int scratch_vcpu(int vm, uint32_t features, const char *prefix, char *err, size_t len)
{
	struct kvm_vcpu_init init;
	int fd;

	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		snprintf(err, len, "%sKVM_ARM_PREFERRED_TARGET: %s", prefix, strerror(errno));
		return -1;
	}
	fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (fd < 0) {
		snprintf(err, len, "%sKVM_CREATE_VCPU: %s", prefix, strerror(errno));
		return -1;
	}
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = features;
	if (ioctl(fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		snprintf(err, len, "%sKVM_ARM_VCPU_INIT (target %u, features 0x%x): %s",
			 prefix, init.target, features, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * SVE vector lengths: a vCPU initialised with the SVE feature reports them
 * in the KVM_REG_ARM64_SVE_VLS pseudo-register until it is finalized (bit
 * vq-1 of word (vq-1)/64 set: 128*vq-bit vectors). Its own VM, since 6.12
 * wants every vCPU of a VM to have the same features.
 */
static void probe_sve(struct host_probe *p, int kvm)
{
	struct kvm_one_reg reg = { .id = KVM_REG_ARM64_SVE_VLS, .addr = (uintptr_t)p->sve_vls };
	unsigned int bits;
	int vm, vcpu;

	_Static_assert(sizeof(p->sve_vls) == KVM_ARM64_SVE_VLS_WORDS * sizeof(__u64),
		       "sve_vls must hold KVM_REG_ARM64_SVE_VLS");
	vm = scratch_vm(p, kvm, &bits);
	if (vm < 0) {
		snprintf(p->sve_error, sizeof(p->sve_error), "KVM_CREATE_VM: %s", strerror(errno));
		return;
	}
	vcpu = scratch_vcpu(vm, 1u << KVM_ARM_VCPU_PSCI_0_2 | 1u << KVM_ARM_VCPU_SVE, "",
			    p->sve_error, sizeof(p->sve_error));
	if (vcpu >= 0) {
		if (ioctl(vcpu, KVM_GET_ONE_REG, &reg) == 0)
			p->sve_vls_ok = true;
		else
			snprintf(p->sve_error, sizeof(p->sve_error),
				 "KVM_GET_ONE_REG KVM_REG_ARM64_SVE_VLS: %s", strerror(errno));
		close(vcpu);
	}
	close(vm);
}

static void probe_vm(struct host_probe *p, int kvm)
{
	unsigned int bits;
	int vm, vcpu;

	vm = scratch_vm(p, kvm, &bits);
	if (vm < 0) {
		snprintf(p->vm_error, sizeof(p->vm_error), "KVM_CREATE_VM (%u-bit IPA): %s", bits,
			 strerror(errno));
		return;
	}
	p->vm_ok = true;
	p->gic_v3 = can_create(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	p->gic_its = p->gic_v3 && can_create(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
	p->gic_v2 = can_create(vm, KVM_DEV_TYPE_ARM_VGIC_V2);
	vcpu = scratch_vcpu(vm, 1u << KVM_ARM_VCPU_PSCI_0_2, "vCPU: ", p->vcpu_error,
			    sizeof(p->vcpu_error));
	if (vcpu >= 0) {
		p->vcpu_ok = true;
		close(vcpu);
	}
	close(vm);
	if (p->sve)
		probe_sve(p, kvm);
}

void host_probe_run(struct host_probe *p, const char *kvm_path)
{
	struct utsname u;
	struct stat st;
	int kvm;

	memset(p, 0, sizeof(*p));
	p->kvm_path = kvm_path;
	p->api_version = -1;
	if (uname(&u) == 0) {
		snprintf(p->kernel_release, sizeof(p->kernel_release), "%s", u.release);
		snprintf(p->machine, sizeof(p->machine), "%s", u.machine);
	}
	p->page_size = sysconf(_SC_PAGESIZE);
	p->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
	p->root = geteuid() == 0;
	probe_mode(p);

	/* The group to join: one that may read and write the node, not root. */
	if (stat(kvm_path, &st) == 0 && st.st_gid != 0 &&
	    (st.st_mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP))
		group_name((unsigned int)st.st_gid, p->kvm_group, sizeof(p->kvm_group));
	kvm = open(kvm_path, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		p->kvm_errno = errno;
		return;
	}
	p->kvm_open = true;
	p->api_version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (p->api_version == KVM_API_VERSION) {
		probe_caps(p, kvm);
		probe_vm(p, kvm);
	}
	close(kvm);
}
