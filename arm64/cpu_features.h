/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_CPU_FEATURES_H
#define ARM64_CPU_FEATURES_H

/*
 * The guest's CPU features (SVE, pointer authentication, PMUv3, MTE, steal
 * time): which ones a VM gets, decided from what `vmm run` asked for and
 * what the host's KVM offers. Pure logic, free of KVM headers so that the
 * unit tests reach it; arm64/kvm_cpu_features.c asks KVM and applies the
 * answer. Functions here take no locks (main thread, at set-up).
 */
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define CPU_SVE_VLS_WORDS 8 /* KVM_ARM64_SVE_VLS_WORDS: vq 1..512 */

/* What the guest gets. sve_vls: bit vq-1 set for each 128*vq-bit length. */
struct cpu_features {
	bool sve, ptrauth, pmu, mte, steal_time;
	uint64_t sve_vls[CPU_SVE_VLS_WORDS]; /* valid when sve, once vCPU 0 exists */
};

/*
 * The host's answers (KVM_CHECK_EXTENSION on the VM), and whether it runs
 * protected KVM (kvm-arm.mode=protected): there 6.12 offers pointer auth,
 * yet the guest's first write of a key register (APIAKeyLo_EL1) is
 * undefined and the guest kernel dies at boot (seen on the rig's emulated
 * host), so pointer auth is off there by default and refused when asked for.
 * Its PMU is offered too, but the guest's counters stay at zero: off and
 * refused alike.
 */
struct cpu_host_caps {
	bool sve, ptrauth_address, ptrauth_generic, pmu, mte, steal_time;
	bool protected_kvm;
};

/*
 * cpu_features_choose - fill f from cfg's requests and the host's caps h. A
 * feature left at its default is on where the host has it (MTE: off); one
 * asked for (--sve on, --sve-max-vl, --ptrauth on, --pmu, --mte,
 * --steal-time on) that the host lacks is refused: one line naming the
 * option and the host's answer, e.g. "--mte: this host's KVM has no MTE
 * (KVM_CAP_ARM_MTE is 0)", and VMM_ERR_HOST. Returns 0 otherwise.
 * sve_vls is left empty (cpu_features_sve_vls fills it).
 */
int cpu_features_choose(struct cpu_features *f, const struct vm_config *cfg,
			const struct cpu_host_caps *h);

/*
 * cpu_features_sve_vls - the vector lengths the guest gets: host's set
 * (KVM_REG_ARM64_SVE_VLS as a fresh vCPU reports it) without those longer
 * than max_vl bits (0: no cap), into out (may be host). Refuses, with one
 * line and VMM_ERR_HOST, an empty host set and a max_vl the host does not
 * offer: "--sve-max-vl 128: below this host's shortest SVE vector length
 * (256 bits; it offers 256, 512)", "--sve-max-vl 384: not an SVE vector
 * length this host offers (128, 256, 512)". Returns 0 otherwise.
 */
int cpu_features_sve_vls(const uint64_t host[CPU_SVE_VLS_WORDS], unsigned int max_vl,
			 uint64_t out[CPU_SVE_VLS_WORDS]);

/* cpu_features_vl_list - "128, 256, 512" (bits) in buf, "none" when empty. */
const char *cpu_features_vl_list(const uint64_t vls[CPU_SVE_VLS_WORDS], char *buf,
				 unsigned int len);

/* cpu_features_has_vl - is the bits-long vector in vls? */
bool cpu_features_has_vl(const uint64_t vls[CPU_SVE_VLS_WORDS], unsigned int bits);

#endif
