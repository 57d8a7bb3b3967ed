// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a vCPU: KVM_RUN and its exits, turned into arch-neutral exits
 * (include/vcpu_exit.h). What only arm64 can answer - an access without a
 * valid syndrome - is answered here; everything else goes to vmm/.
 *
 * Threads: arm64_vcpu_run runs on the vCPU's thread, which owns the
 * kvm_run page; arm64_vcpu_kick may come from any thread and touches only
 * immediate_exit (an atomic store).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "log.h"

static void set_reason(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_reason(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, VCPU_EXIT_REASON_MAX, fmt, ap);
	va_end(ap);
}

/* No syndrome (e.g. LDP/STP to MMIO): a guest bug; fault it, keep going. */
static bool answer_nisv(struct arm64_vcpu *v, struct vcpu_exit *exit)
{
	char ebuf[128];
	int r;

	log_warn("vcpu%u: access to 0x%llx without a valid syndrome at pc 0x%llx; "
		 "injecting an external abort", v->index,
		 (unsigned long long)v->run->arm_nisv.fault_ipa,
		 (unsigned long long)arm64_vcpu_pc(v));
	r = arm64_vcpu_inject_dabt(v);
	if (r == 0)
		return true;
	exit->kind = VCPU_EXIT_CRASH;
	set_reason(exit->reason, "injecting an external abort: %s",
		   strerror_r(-r, ebuf, sizeof(ebuf)));
	return false;
}

/* Returns false when exit describes something for vmm/. */
static bool answer_here(struct arm64_vcpu *v, struct vcpu_exit *exit)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		exit->kind = VCPU_EXIT_MMIO;
		exit->mmio.addr = run->mmio.phys_addr;
		exit->mmio.len = run->mmio.len;
		exit->mmio.is_write = run->mmio.is_write;
		exit->mmio.data = run->mmio.data;
		return false;
	case KVM_EXIT_INTR:
		exit->kind = VCPU_EXIT_INTR;
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			exit->kind = VCPU_EXIT_POWEROFF;
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			exit->kind = VCPU_EXIT_RESET;
			return false;
		default:
			exit->kind = VCPU_EXIT_CRASH;
			set_reason(exit->reason, "unexpected system event %u at pc 0x%llx",
				   run->system_event.type, (unsigned long long)arm64_vcpu_pc(v));
			return false;
		}
	case KVM_EXIT_ARM_NISV:
		return answer_nisv(v, exit);
	default:
		exit->kind = VCPU_EXIT_CRASH;
		set_reason(exit->reason, "unexpected exit %s (%u) at pc 0x%llx",
			   arm64_exit_name(run->exit_reason), run->exit_reason,
			   (unsigned long long)arm64_vcpu_pc(v));
		if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
			set_reason(exit->detail, "hardware entry failure reason 0x%llx",
				   (unsigned long long)
					   run->fail_entry.hardware_entry_failure_reason);
		return false;
	}
}

void arm64_vcpu_run(struct arm64_vcpu *v, struct vcpu_exit *exit)
{
	char ebuf[128];

	exit->reason[0] = exit->detail[0] = '\0';
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN) {
				v->run->immediate_exit = 0;
				exit->kind = VCPU_EXIT_INTR;
				return;
			}
			exit->kind = VCPU_EXIT_ERROR;
			if (e == ENOSYS)
				set_reason(exit->reason,
					   "KVM_RUN: guest access KVM cannot emulate at pc 0x%llx",
					   (unsigned long long)arm64_vcpu_pc(v));
			else
				set_reason(exit->reason, "KVM_RUN: %s",
					   strerror_r(e, ebuf, sizeof(ebuf)));
			return;
		}
		if (!answer_here(v, exit))
			return;
	}
}

void arm64_vcpu_kick(struct arm64_vcpu *v)
{
	/* Before the signal: a thread between its stop check and KVM_RUN returns at once. */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

void arm64_vcpu_kick_clear(struct arm64_vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}
