// SPDX-License-Identifier: GPL-2.0-only
/* Which CPU features the guest gets: the user's request against the host's. */
#include <stdio.h>
#include <string.h>

#include "arm64/cpu_features.h"
#include "log.h"
#include "status.h"

#define MAX_VQ (CPU_SVE_VLS_WORDS * 64)

bool cpu_features_has_vl(const uint64_t vls[CPU_SVE_VLS_WORDS], unsigned int bits)
{
	unsigned int vq = bits / 128;

	if (!vq || bits % 128 || vq > MAX_VQ)
		return false;
	return vls[(vq - 1) / 64] >> ((vq - 1) % 64) & 1;
}

const char *cpu_features_vl_list(const uint64_t vls[CPU_SVE_VLS_WORDS], char *buf,
				 unsigned int len)
{
	unsigned int vq, used = 0;

	snprintf(buf, len, "none");
	for (vq = 1; vq <= MAX_VQ; vq++) {
		if (!cpu_features_has_vl(vls, vq * 128))
			continue;
		if (used < len)
			used += (unsigned int)snprintf(buf + used, len - used, "%s%u",
						       used ? ", " : "", vq * 128);
	}
	return buf;
}

/*
 * One feature: the default follows the host (def_on says whether the
 * default is on at all); an explicit request the host lacks is an error.
 */
static int decide(bool *on, enum feat_req req, bool def_on, bool host, const char *opt,
		  const char *what, const char *cap)
{
	*on = false;
	if (req == FEAT_OFF)
		return 0;
	if (req == FEAT_DEFAULT) {
		*on = def_on && host;
		return 0;
	}
	if (!host) {
		log_error("%s: this host's KVM has no %s (%s is 0)", opt, what, cap);
		return VMM_ERR_HOST;
	}
	*on = true;
	return 0;
}

int cpu_features_choose(struct cpu_features *f, const struct vm_config *cfg,
			const struct cpu_host_caps *h)
{
	enum feat_req sve = cfg->sve;
	int r;

	memset(f, 0, sizeof(*f));
	/* A cap on the vector length asks for SVE as surely as --sve on. */
	if (cfg->sve_max_vl && !h->sve) {
		log_error("--sve-max-vl %u: this host's KVM has no SVE (KVM_CAP_ARM_SVE is 0)",
			  cfg->sve_max_vl);
		return VMM_ERR_HOST;
	}
	r = decide(&f->sve, sve, true, h->sve, "--sve on", "SVE", "KVM_CAP_ARM_SVE");
	if (!r && cfg->ptrauth == FEAT_ON && h->ptrauth_address != h->ptrauth_generic) {
		log_error("--ptrauth on: this host's KVM has only %s pointer authentication "
			  "(KVM_CAP_ARM_PTRAUTH_%s is 0); vmm gives the guest both or none",
			  h->ptrauth_address ? "address" : "generic",
			  h->ptrauth_address ? "GENERIC" : "ADDRESS");
		return VMM_ERR_HOST;
	}
	if (!r && cfg->ptrauth == FEAT_ON && h->protected_kvm) {
		log_error("--ptrauth on: protected KVM (kvm-arm.mode=protected) makes the guest's "
			  "pointer-auth key registers undefined; the guest would die at boot");
		return VMM_ERR_HOST;
	}
	if (!r)
		r = decide(&f->ptrauth, cfg->ptrauth, !h->protected_kvm,
			   h->ptrauth_address && h->ptrauth_generic, "--ptrauth on",
			   "pointer authentication", "KVM_CAP_ARM_PTRAUTH_ADDRESS");
	if (!r && cfg->pmu == FEAT_ON && h->protected_kvm) {
		log_error("--pmu: protected KVM (kvm-arm.mode=protected) gives the guest a PMUv3 "
			  "whose counters stay at zero");
		return VMM_ERR_HOST;
	}
	if (!r)
		r = decide(&f->pmu, cfg->pmu, !h->protected_kvm, h->pmu, "--pmu", "PMUv3",
			   "KVM_CAP_ARM_PMU_V3");
	if (!r)
		r = decide(&f->mte, cfg->mte, false, h->mte, "--mte", "MTE", "KVM_CAP_ARM_MTE");
	if (!r)
		r = decide(&f->steal_time, cfg->steal_time, true, h->steal_time,
			   "--steal-time on", "steal time", "KVM_CAP_STEAL_TIME");
	return r;
}

int cpu_features_sve_vls(const uint64_t host[CPU_SVE_VLS_WORDS], unsigned int max_vl,
			 uint64_t out[CPU_SVE_VLS_WORDS])
{
	uint64_t keep[CPU_SVE_VLS_WORDS];
	char list[256];
	unsigned int vq, min_vl = 0, i;

	for (vq = MAX_VQ; vq >= 1; vq--)
		if (cpu_features_has_vl(host, vq * 128))
			min_vl = vq * 128;
	if (!min_vl) {
		log_error("SVE: this host's KVM offers no vector length (KVM_REG_ARM64_SVE_VLS is "
			  "empty)");
		return VMM_ERR_HOST;
	}
	memcpy(keep, host, sizeof(keep));
	if (max_vl) {
		if (max_vl < min_vl) {
			log_error("--sve-max-vl %u: below this host's shortest SVE vector length "
				  "(%u bits; it offers %s)", max_vl, min_vl,
				  cpu_features_vl_list(host, list, sizeof(list)));
			return VMM_ERR_HOST;
		}
		if (!cpu_features_has_vl(host, max_vl)) {
			log_error("--sve-max-vl %u: not an SVE vector length this host offers (%s)",
				  max_vl, cpu_features_vl_list(host, list, sizeof(list)));
			return VMM_ERR_HOST;
		}
		/* Keep vq 1..max_vl/128: the architecture needs every power of two below. */
		vq = max_vl / 128;
		for (i = 0; i < CPU_SVE_VLS_WORDS; i++) {
			unsigned int first = i * 64; /* vq - 1 of bit 0 of this word */

			if (first >= vq)
				keep[i] = 0;
			else if (vq - first < 64)
				keep[i] &= (1ULL << (vq - first)) - 1;
		}
	}
	memcpy(out, keep, sizeof(keep));
	return 0;
}
