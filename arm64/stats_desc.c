// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's binary statistics descriptors (Documentation/virt/kvm/api.rst,
 * KVM_GET_STATS_FD) matched against the counters vmm reports. Pure: the
 * unit tests feed it descriptor blocks of their own.
 */
#include <errno.h>
#include <string.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "vcpu_stats.h"

const char *const vcpu_kstat_names[VCPU_KSTAT_N] = {
	[VCPU_KSTAT_EXITS] = "exits",
	[VCPU_KSTAT_MMIO_USER] = "mmio_user",
	[VCPU_KSTAT_MMIO_KERNEL] = "mmio_kernel",
	[VCPU_KSTAT_WFI] = "wfi",
	[VCPU_KSTAT_WFE] = "wfe",
	[VCPU_KSTAT_HVC] = "hvc",
	[VCPU_KSTAT_SIGNAL] = "signal",
	[VCPU_KSTAT_HALT_WAIT_NS] = "halt_wait_ns",
};

/* KVM's names for them (virt/kvm and arch/arm64/kvm/guest.c). */
static const char *const kvm_names[VCPU_KSTAT_N] = {
	[VCPU_KSTAT_EXITS] = "exits",
	[VCPU_KSTAT_MMIO_USER] = "mmio_exit_user",
	[VCPU_KSTAT_MMIO_KERNEL] = "mmio_exit_kernel",
	[VCPU_KSTAT_WFI] = "wfi_exit_stat",
	[VCPU_KSTAT_WFE] = "wfe_exit_stat",
	[VCPU_KSTAT_HVC] = "hvc_exit_stat",
	[VCPU_KSTAT_SIGNAL] = "signal_exits",
	[VCPU_KSTAT_HALT_WAIT_NS] = "halt_wait_ns",
};

int arm64_stats_match(const void *descs, size_t desc_len, uint32_t ndesc, uint32_t name_size,
		      uint64_t data_offset, int64_t off[VCPU_KSTAT_N])
{
	size_t one = sizeof(struct kvm_stats_desc) + name_size;
	unsigned int i, k, found = 0;

	for (k = 0; k < VCPU_KSTAT_N; k++)
		off[k] = -1;
	if (name_size == 0 || (uint64_t)ndesc * one > desc_len)
		return -EINVAL;
	for (i = 0; i < ndesc; i++) {
		const struct kvm_stats_desc *d = (const void *)((const char *)descs + (size_t)i * one);
		size_t n = strnlen(d->name, name_size);

		/* Only plain 64-bit counters (cumulative or instant), one value each. */
		if (n == name_size || d->size != 1 ||
		    (d->flags & KVM_STATS_TYPE_MASK) > KVM_STATS_TYPE_PEAK)
			continue;
		for (k = 0; k < VCPU_KSTAT_N; k++)
			if (off[k] < 0 && !strcmp(d->name, kvm_names[k])) {
				off[k] = (int64_t)(data_offset + d->offset);
				found++;
			}
	}
	return (int)found;
}
