// SPDX-License-Identifier: GPL-2.0-only
/* The in-kernel vGIC (v3, its ITS, or v2) at the addresses of arm64/layout.h. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "arm64/layout.h"
#include "log.h"
#include "status.h"

static int dev_attr(int fd, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

static bool can_create(struct arm64_vm *vm, uint32_t type)
{
	struct kvm_create_device cd = { .type = type, .flags = KVM_CREATE_DEVICE_TEST };

	return ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) == 0;
}

static int create_dev(struct arm64_vm *vm, uint32_t type, const char *what)
{
	struct kvm_create_device cd = { .type = type };

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0) {
		log_errno("--irqchip: creating the in-kernel %s", what);
		return -1;
	}
	return (int)cd.fd;
}

static int set_addr(struct arm64_vm *vm, int fd, uint64_t type, uint64_t addr, const char *what)
{
	if (dev_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, type, &addr) < 0) {
		log_errno("vGIC: placing the %s at 0x%llx in a %u-bit IPA space", what,
			  (unsigned long long)addr, vm->ipa_bits);
		return VMM_ERR_HOST;
	}
	return 0;
}

int arm64_gic_create(struct arm64_vm *vm, enum irqchip_kind want, unsigned int cpus)
{
	bool v3 = can_create(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	bool v2 = can_create(vm, KVM_DEV_TYPE_ARM_VGIC_V2);
	uint32_t nr_irqs = LAYOUT_NR_IRQS;
	int r;

	switch (want) {
	case IRQCHIP_AUTO:
		if (!v3 && !v2) {
			log_error("--irqchip auto: this host's KVM can create neither a GICv3 nor "
				  "a GICv2");
			return VMM_ERR_HOST;
		}
		vm->gic = v3 ? DT_GIC_V3 : DT_GIC_V2;
		break;
	case IRQCHIP_GICV3:
	case IRQCHIP_GICV3_ITS:
		if (!v3) {
			log_error("--irqchip %s: this host cannot emulate a GICv3 (its own GIC "
				  "is older); try --irqchip gicv2", config_irqchip_name(want));
			return VMM_ERR_HOST;
		}
		vm->gic = DT_GIC_V3;
		if (want == IRQCHIP_GICV3_ITS) {
			if (!can_create(vm, KVM_DEV_TYPE_ARM_VGIC_ITS)) {
				log_error("--irqchip gicv3-its: this host's KVM cannot emulate an "
					  "ITS; use --irqchip gicv3");
				return VMM_ERR_HOST;
			}
			vm->its = true;
		}
		break;
	case IRQCHIP_GICV2:
		if (!v2) {
			log_error("--irqchip gicv2: this host cannot emulate a GICv2 (a GICv3 "
				  "without GICv2 compatibility, or protected KVM); use "
				  "--irqchip gicv3");
			return VMM_ERR_HOST;
		}
		vm->gic = DT_GIC_V2;
		break;
	}
	if (vm->gic == DT_GIC_V2 && cpus > 8) {
		log_error("--cpus %u: a GICv2 serves at most 8 vCPUs", cpus);
		return VMM_ERR_HOST;
	}

	if (vm->gic == DT_GIC_V3) {
		vm->gic_fd = create_dev(vm, KVM_DEV_TYPE_ARM_VGIC_V3, "GICv3");
		if (vm->gic_fd < 0)
			return VMM_ERR_HOST;
		r = set_addr(vm, vm->gic_fd, KVM_VGIC_V3_ADDR_TYPE_DIST, LAYOUT_GIC_DIST,
			     "distributor");
		if (!r)
			r = set_addr(vm, vm->gic_fd, KVM_VGIC_V3_ADDR_TYPE_REDIST,
				     LAYOUT_GIC_REDIST, "redistributors");
	} else {
		vm->gic_fd = create_dev(vm, KVM_DEV_TYPE_ARM_VGIC_V2, "GICv2");
		if (vm->gic_fd < 0)
			return VMM_ERR_HOST;
		r = set_addr(vm, vm->gic_fd, KVM_VGIC_V2_ADDR_TYPE_DIST, LAYOUT_GIC_DIST,
			     "distributor");
		if (!r)
			r = set_addr(vm, vm->gic_fd, KVM_VGIC_V2_ADDR_TYPE_CPU, LAYOUT_GIC_V2_CPU,
				     "CPU interface");
	}
	if (r)
		return r;
	if (dev_attr(vm->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs) < 0) {
		log_errno("vGIC: setting %u interrupts", nr_irqs);
		return VMM_ERR_HOST;
	}
	if (vm->its) {
		vm->its_fd = create_dev(vm, KVM_DEV_TYPE_ARM_VGIC_ITS, "GICv3 ITS");
		if (vm->its_fd < 0)
			return VMM_ERR_HOST;
		r = set_addr(vm, vm->its_fd, KVM_VGIC_ITS_ADDR_TYPE, LAYOUT_GIC_ITS, "ITS");
		if (r)
			return r;
	}
	log_info("vGIC: %s%s", vm->gic == DT_GIC_V3 ? "GICv3" : "GICv2", vm->its ? " + ITS" : "");
	return 0;
}

int arm64_gic_init(struct arm64_vm *vm)
{
	/* Order per KVM: vGIC init after all vCPUs exist, then the ITS. */
	if (dev_attr(vm->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL) < 0) {
		log_errno("vGIC: KVM_DEV_ARM_VGIC_CTRL_INIT");
		return VMM_ERR_HOST;
	}
	if (vm->its &&
	    dev_attr(vm->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL) < 0) {
		log_errno("vGIC ITS: KVM_DEV_ARM_VGIC_CTRL_INIT");
		return VMM_ERR_HOST;
	}
	return 0;
}
