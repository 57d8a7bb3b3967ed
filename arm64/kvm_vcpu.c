// SPDX-License-Identifier: GPL-2.0-only
/* vCPUs: creation, architectural reset, registers, injected aborts. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "log.h"
#include "status.h"

#define CORE_REG(x) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, x) / sizeof(__u32)))
#define REG_MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)

static int get_reg(int fd, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_GET_ONE_REG, &r);
}

static int set_reg(int fd, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(fd, KVM_SET_ONE_REG, &r);
}

int arm64_vcpu_create(struct arm64_vm *vm, struct arm64_vcpu *v, unsigned int index)
{
	void *run;

	memset(v, 0, sizeof(*v));
	v->index = index;
	v->stats_fd = -1;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		log_errno("vcpu%u: KVM_CREATE_VCPU", index);
		return VMM_ERR_HOST;
	}
	run = mmap(NULL, vm->host->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED) {
		log_errno("vcpu%u: mapping kvm_run", index);
		close(v->fd);
		v->fd = -1;
		return VMM_ERR_HOST;
	}
	v->run = run;
	arm64_vcpu_stats_open(v);
	if (arm64_vcpu_reset(vm, v, 0, 0))
		goto fail;
	/* SVE is finalized before any other access to the vCPU's registers. */
	if (arm64_cpu_features_vcpu(vm, v)) {
		arm64_vcpu_destroy(vm, v);
		return VMM_ERR_HOST;
	}
	if (get_reg(v->fd, REG_MPIDR_EL1, &v->mpidr) < 0) {
		log_errno("vcpu%u: reading MPIDR_EL1", index);
		goto fail;
	}
	if (index == 0) {
		uint64_t ver = 0x20000; /* PSCI 0.2, what KVM_ARM_VCPU_PSCI_0_2 promises */

		if (get_reg(v->fd, KVM_REG_ARM_PSCI_VERSION, &ver) < 0)
			log_info("vcpu0: PSCI version register unreadable, assuming 0.2");
		vm->psci_version = (uint32_t)ver;
	}
	return 0;
fail:
	arm64_vcpu_destroy(vm, v);
	return VMM_ERR_HOST;
}

int arm64_vcpu_reset(struct arm64_vm *vm, struct arm64_vcpu *v, uint64_t pc, uint64_t fdt)
{
	struct kvm_vcpu_init init = { .target = vm->target };

	init.features[0] = vm->features;
	if (v->index)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		log_errno("vcpu%u: KVM_ARM_VCPU_INIT (target %u, features 0x%x)", v->index,
			  init.target, init.features[0]);
		return VMM_ERR_HOST;
	}
	if (v->index || !pc)
		return 0;
	/* booting.rst: x0 = FDT, x1..x3 = 0, PSTATE stays at reset (EL1h, DAIF masked). */
	if (set_reg(v->fd, CORE_REG(regs.pc), pc) < 0 ||
	    set_reg(v->fd, CORE_REG(regs.regs[0]), fdt) < 0) {
		log_errno("vcpu0: setting the boot registers");
		return VMM_ERR_HOST;
	}
	return 0;
}

void arm64_vcpu_destroy(struct arm64_vm *vm, struct arm64_vcpu *v)
{
	if (v->run)
		munmap(v->run, vm->host->run_size);
	arm64_vcpu_stats_close(v);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

uint64_t arm64_vcpu_pc(struct arm64_vcpu *v)
{
	uint64_t pc = 0;

	if (get_reg(v->fd, CORE_REG(regs.pc), &pc) < 0)
		return 0;
	return pc;
}

int arm64_vcpu_inject_dabt(struct arm64_vcpu *v)
{
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	ev.exception.ext_dabt_pending = 1;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return -errno;
	return 0;
}
