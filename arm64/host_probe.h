/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_HOST_PROBE_H
#define ARM64_HOST_PROBE_H

/*
 * Every fact about this host that decides whether and how vmm can run a
 * guest: the kernel, its KVM mode, /dev/kvm, KVM's capabilities, and what a
 * scratch VM can be given (vGIC models, an SVE vCPU). host_probe_run() in
 * arm64/kvm_host_probe.c gathers them; vmm/host_report.c turns them into
 * `vmm info` and `vmm check` output, so that code (and its tests) never
 * needs KVM. This header stays free of KVM headers for that reason.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arm64/host_mode.h"

#define HOST_PROBE_TEXT 160
#define HOST_PROBE_MAX_MISSING 8
#define HOST_PROBE_SVE_WORDS 8   /* KVM_ARM64_SVE_VLS_WORDS: vq 1..512 */

enum host_log_source {
	HOST_LOG_NONE,                /* unreadable */
	HOST_LOG_KMSG,                /* /dev/kmsg */
	HOST_LOG_SYSLOG,              /* syslog(2), SYSLOG_ACTION_READ_ALL */
};

struct host_probe {
	/* The machine: always known. */
	char kernel_release[65];      /* uname -r, "" if unknown */
	char machine[65];             /* uname -m */
	long page_size;               /* sysconf(_SC_PAGESIZE) */
	long cpus_online;             /* sysconf(_SC_NPROCESSORS_ONLN) */
	bool root;                    /* effective uid 0 */

	/* The kernel command line and log, and the mode they give. */
	bool cmdline_read;
	int cmdline_errno;            /* why /proc/cmdline was unreadable */
	struct host_cmdline cmdline;
	enum host_log_source log_source;
	int kmsg_errno;               /* /dev/kmsg's failure (0: not tried or fine) */
	int syslog_errno;             /* syslog(2)'s failure */
	int dmesg_restrict;           /* /proc/sys/kernel/dmesg_restrict; -1 unknown */
	struct host_log log;          /* valid when log_source != HOST_LOG_NONE */
	struct host_mode_answer mode; /* points into this struct: do not copy it */

	/* /dev/kvm. Nothing below is valid unless kvm_open. */
	const char *kvm_path;
	bool kvm_open;                /* opened read-write */
	int kvm_errno;                /* open()'s errno otherwise */
	char kvm_group[64];           /* name of the group owning the node, "" unknown */
	int api_version;              /* KVM_GET_API_VERSION; -1 unknown */
	const char *missing[HOST_PROBE_MAX_MISSING]; /* capabilities vmm needs, absent */
	unsigned int nmissing;
	unsigned int ipa_limit;       /* KVM_CAP_ARM_VM_IPA_SIZE, else the fixed 40 */
	bool ipa_cap;                 /* the VM type can carry an IPA size */
	unsigned int max_vcpus;       /* KVM_CAP_MAX_VCPUS */
	unsigned int nr_vcpus;        /* KVM_CAP_NR_VCPUS: recommended */
	bool pmu_v3, sve, ptrauth_address, ptrauth_generic, mte, steal_time;
	bool counter_offset, nisv_to_user, readonly_mem, coalesced_mmio, ioeventfd, irqfd;

	/* A scratch VM. gic_* are valid when vm_ok, sve_vls when sve_vls_ok. */
	bool vm_ok;
	char vm_error[HOST_PROBE_TEXT];   /* "KVM_CREATE_VM (40-bit IPA): cause" */
	bool gic_v2, gic_v3, gic_its;     /* KVM_CREATE_DEVICE_TEST */
	bool vcpu_ok;                     /* a default vCPU initialised */
	char vcpu_error[HOST_PROBE_TEXT];
	bool sve_vls_ok;
	char sve_error[HOST_PROBE_TEXT];  /* why the vector lengths are unknown */
	uint64_t sve_vls[HOST_PROBE_SVE_WORDS]; /* bit vq-1: 128*vq-bit vectors */
};

/*
 * host_probe_run - fill p with every fact about this host, opening kvm_path
 * (normally "/dev/kvm"; the pointer is kept in p). It creates and destroys
 * scratch VMs and vCPUs and prints nothing: each failure is recorded in p
 * with its errno or text, and the facts that depend on it stay invalid. The
 * kernel log is read through /dev/kmsg, or syslog(2) where that is missing.
 * Call from one thread; it takes no locks.
 */
void host_probe_run(struct host_probe *p, const char *kvm_path);

#endif
