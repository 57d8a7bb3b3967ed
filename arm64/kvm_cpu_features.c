// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's CPU features through KVM: SVE, pointer authentication, PMUv3,
 * MTE and steal time. The order is KVM's (Documentation/virt/kvm/api.rst,
 * devices/vcpu.rst): MTE on the VM before any vCPU; feature bits at
 * KVM_ARM_VCPU_INIT; SVE lengths and FINALIZE before any other vCPU access;
 * the PMU's init after the vGIC's; the steal time IPA inside a memslot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arm64/host_mode.h"
#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "arm64/layout.h"
#include "log.h"
#include "status.h"

#define PVTIME_SLOT 1 /* memslot 0 is RAM */

static bool vm_cap(struct arm64_vm *vm, long cap)
{
	/* Asked of the VM: what this VM (its type) can have, not just the host. */
	int r = ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);

	return r > 0;
}

static int pvtime_map(struct arm64_vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = PVTIME_SLOT,
		.guest_phys_addr = LAYOUT_PVTIME,
		.memory_size = LAYOUT_PVTIME_SIZE,
	};
	long page = sysconf(_SC_PAGESIZE);
	void *mem;

	if (page <= 0 || LAYOUT_PVTIME_SIZE % (uint64_t)page || LAYOUT_PVTIME % (uint64_t)page) {
		log_error("steal time: the region at 0x%llx is not whole %ld-byte pages",
			  LAYOUT_PVTIME, page);
		return VMM_ERR_HOST;
	}
	/* Private anonymous memory: tag-capable, so an MTE guest may have it too. */
	mem = mmap(NULL, LAYOUT_PVTIME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED) {
		log_errno("steal time: mapping %llu KiB", LAYOUT_PVTIME_SIZE >> 10);
		return VMM_ERR_HOST;
	}
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		log_errno("steal time: KVM_SET_USER_MEMORY_REGION at 0x%llx", LAYOUT_PVTIME);
		munmap(mem, LAYOUT_PVTIME_SIZE);
		return VMM_ERR_HOST;
	}
	vm->pvtime = mem;
	return 0;
}

/* Is the host running protected KVM? Only kvm-arm.mode=protected turns it on. */
static bool protected_kvm(void)
{
	struct host_cmdline c;
	char text[4096];
	FILE *f = fopen("/proc/cmdline", "re");
	size_t n = 0;

	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	host_cmdline_parse(&c, text);
	return c.found && c.mode == HOST_MODE_PROTECTED;
}

int arm64_cpu_features_vm(struct arm64_vm *vm, const struct vm_config *cfg)
{
	struct cpu_host_caps h = {
		.sve = vm_cap(vm, KVM_CAP_ARM_SVE),
		.ptrauth_address = vm_cap(vm, KVM_CAP_ARM_PTRAUTH_ADDRESS),
		.ptrauth_generic = vm_cap(vm, KVM_CAP_ARM_PTRAUTH_GENERIC),
		.pmu = vm_cap(vm, KVM_CAP_ARM_PMU_V3),
		.mte = vm_cap(vm, KVM_CAP_ARM_MTE),
		.steal_time = vm_cap(vm, KVM_CAP_STEAL_TIME),
	};
	struct cpu_features *f = &vm->feat;
	int r;

	h.protected_kvm = protected_kvm();
	r = cpu_features_choose(f, cfg, &h);
	if (r)
		return r;
	vm->sve_max_vl = cfg->sve_max_vl;
	if (f->sve)
		vm->features |= 1u << KVM_ARM_VCPU_SVE;
	if (f->ptrauth)
		vm->features |= 1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
				1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (f->pmu)
		vm->features |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (f->mte) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_MTE };

		if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0) {
			log_errno("--mte: KVM_ENABLE_CAP(KVM_CAP_ARM_MTE)");
			return VMM_ERR_HOST;
		}
	}
	if (f->steal_time) {
		r = pvtime_map(vm);
		if (r)
			return r;
	}
	log_info("cpu: SVE %s, pointer auth %s, PMUv3 %s, MTE %s, steal time %s",
		 f->sve ? "on" : "off", f->ptrauth ? "on" : "off", f->pmu ? "on" : "off",
		 f->mte ? "on" : "off", f->steal_time ? "on" : "off");
	return 0;
}

int arm64_cpu_features_vcpu(struct arm64_vm *vm, struct arm64_vcpu *v)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	struct kvm_one_reg reg = { .id = KVM_REG_ARM64_SVE_VLS, .addr = (uintptr_t)vls };
	int what = KVM_ARM_VCPU_SVE;
	char list[256];
	int r;

	_Static_assert(KVM_ARM64_SVE_VLS_WORDS == CPU_SVE_VLS_WORDS, "SVE VLS words");
	if (!vm->feat.sve)
		return 0;
	if (v->index == 0) {
		/* The host's set, as a fresh SVE vCPU reports it. */
		if (ioctl(v->fd, KVM_GET_ONE_REG, &reg) < 0) {
			log_errno("vcpu0: reading the SVE vector lengths (KVM_REG_ARM64_SVE_VLS)");
			return VMM_ERR_HOST;
		}
		r = cpu_features_sve_vls(vls, vm->sve_max_vl, vm->feat.sve_vls);
		if (r)
			return r;
		log_info("cpu: SVE vector lengths %s",
			 cpu_features_vl_list(vm->feat.sve_vls, list, sizeof(list)));
	}
	memcpy(vls, vm->feat.sve_vls, sizeof(vls));
	if (ioctl(v->fd, KVM_SET_ONE_REG, &reg) < 0) {
		log_errno("vcpu%u: setting the SVE vector lengths %s", v->index,
			  cpu_features_vl_list(vm->feat.sve_vls, list, sizeof(list)));
		return VMM_ERR_HOST;
	}
	if (ioctl(v->fd, KVM_ARM_VCPU_FINALIZE, &what) < 0) {
		log_errno("vcpu%u: KVM_ARM_VCPU_FINALIZE(SVE)", v->index);
		return VMM_ERR_HOST;
	}
	return 0;
}

static int vcpu_attr(struct arm64_vcpu *v, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	return ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a);
}

int arm64_cpu_features_finish(struct arm64_vm *vm, struct arm64_vcpu *v)
{
	if (vm->feat.pmu) {
		int irq = ARM64_PMU_PPI;

		if (vcpu_attr(v, KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_IRQ, &irq) < 0) {
			log_errno("vcpu%u: PMU interrupt (PPI %d)", v->index, irq);
			return VMM_ERR_HOST;
		}
		if (vcpu_attr(v, KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_INIT, NULL) < 0) {
			log_errno("vcpu%u: KVM_ARM_VCPU_PMU_V3_INIT", v->index);
			return VMM_ERR_HOST;
		}
	}
	if (vm->feat.steal_time) {
		uint64_t ipa = layout_pvtime_addr(v->index);

		if (vcpu_attr(v, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &ipa) < 0) {
			log_errno("vcpu%u: steal time record at 0x%llx", v->index,
				  (unsigned long long)ipa);
			return VMM_ERR_HOST;
		}
	}
	return 0;
}
