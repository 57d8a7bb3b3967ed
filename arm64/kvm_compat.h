/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_KVM_COMPAT_H
#define ARM64_KVM_COMPAT_H

/*
 * KVM definitions newer than Debian bookworm's uapi headers (Linux 6.1).
 * Values from the 6.4+ uapi; the system header wins when it has them.
 */
#include <linux/kvm.h>

#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227
#endif
#ifndef KVM_ARM_SET_COUNTER_OFFSET
struct kvm_arm_counter_offset {
	__u64 counter_offset;
	__u64 reserved;
};
#define KVM_ARM_SET_COUNTER_OFFSET _IOW(KVMIO, 0xb5, struct kvm_arm_counter_offset)
#endif
#ifndef KVM_REG_ARM_TIMER_CNT
#define KVM_REG_ARM_TIMER_CNT ARM64_SYS_REG(3, 3, 14, 3, 2)
#endif
#ifndef KVM_REG_ARM_PSCI_VERSION
#define KVM_REG_ARM_PSCI_VERSION KVM_REG_ARM_FW_REG(0)
#endif

#endif
