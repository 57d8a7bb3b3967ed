/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VCPU_STATS_H
#define VMM_VCPU_STATS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Where a vCPU's time goes, as counts. Two sources:
 *  - the hypervisor's own per-vCPU counters (arm64: KVM's binary statistics,
 *    KVM_GET_STATS_FD), which include the exits KVM handles without
 *    returning to vmm (in-kernel MMIO of the vGIC, WFI, HVC/PSCI);
 *  - vmm's own count of the exits that reached it (vmm/vcpu.c) and, per
 *    bus window, of the accesses each device model served (vmm/bus.c).
 * `vmm info NAME` and `vmm run --stats` print them; a regression in exits
 * per boot shows up there instead of being guessed from wall time.
 */
enum vcpu_kstat {
	VCPU_KSTAT_EXITS,       /* every return from the guest to the hypervisor */
	VCPU_KSTAT_MMIO_USER,   /* MMIO handed to vmm */
	VCPU_KSTAT_MMIO_KERNEL, /* MMIO the hypervisor answered (vGIC, ioeventfd) */
	VCPU_KSTAT_WFI,         /* the guest idled */
	VCPU_KSTAT_WFE,
	VCPU_KSTAT_HVC,         /* hypercalls (PSCI, SMCCC) */
	VCPU_KSTAT_SIGNAL,      /* a signal or kick interrupted the run */
	VCPU_KSTAT_HALT_WAIT_NS, /* time blocked waiting for an interrupt */
	VCPU_KSTAT_N
};

/* The names printed for them (JSON keys, --stats). */
extern const char *const vcpu_kstat_names[VCPU_KSTAT_N];

/* One vCPU's hypervisor counters; have[k] false when the host has no such counter. */
struct vcpu_kstats {
	uint64_t v[VCPU_KSTAT_N];
	bool have[VCPU_KSTAT_N];
};

#endif
