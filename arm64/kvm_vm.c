// SPDX-License-Identifier: GPL-2.0-only
/* /dev/kvm, the VM, its memory slot, its counter and its interrupt lines. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"
#include "arm64/layout.h"
#include "log.h"
#include "status.h"

const struct arm64_cap arm64_required_caps[ARM64_NR_REQUIRED_CAPS] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG" },
	{ KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2" },
	{ KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
};

static int check_cap(const struct arm64_host *h, long cap)
{
	int r = ioctl(h->kvm_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int arm64_kvm_open(struct arm64_host *h, const char *path)
{
	const struct arm64_cap *required = arm64_required_caps;
	unsigned int i;
	int r;

	memset(h, 0, sizeof(*h));
	h->kvm_fd = open(path, O_RDWR | O_CLOEXEC);
	if (h->kvm_fd < 0) {
		if (errno == ENOENT)
			log_error("%s: No such file or directory (is KVM enabled in the host "
				  "kernel, and the host started at EL2?)", path);
		else if (errno == EACCES || errno == EPERM)
			log_error("%s: Permission denied: add yourself to group kvm (usermod -aG "
				  "kvm $USER) and log in again", path);
		else
			log_errno("%s", path);
		return VMM_ERR_HOST;
	}
	r = ioctl(h->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		log_error("%s: KVM API version %d, vmm needs %d", path, r, KVM_API_VERSION);
		goto fail;
	}
	for (i = 0; i < ARM64_NR_REQUIRED_CAPS; i++) {
		if (!check_cap(h, required[i].cap)) {
			log_error("%s: host KVM lacks %s, which vmm needs", path, required[i].name);
			goto fail;
		}
	}
	r = check_cap(h, KVM_CAP_ARM_VM_IPA_SIZE);
	h->ipa_cap = r > 0;
	h->ipa_limit = r > 0 ? (unsigned int)r : 40;
	r = check_cap(h, KVM_CAP_MAX_VCPUS);
	if (r <= 0)
		r = check_cap(h, KVM_CAP_NR_VCPUS);
	h->max_vcpus = r > 0 ? (unsigned int)r : 1;
	h->counter_offset = check_cap(h, KVM_CAP_COUNTER_OFFSET) > 0;
	h->nisv_to_user = check_cap(h, KVM_CAP_ARM_NISV_TO_USER) > 0;
	h->inject_ext_dabt = check_cap(h, KVM_CAP_ARM_INJECT_EXT_DABT) > 0;
	r = ioctl(h->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		log_errno("%s: KVM_GET_VCPU_MMAP_SIZE", path);
		goto fail;
	}
	h->run_size = (size_t)r;
	log_info("kvm: IPA limit %u bits, up to %u vCPUs, counter offset %s", h->ipa_limit,
		 h->max_vcpus, h->counter_offset ? "yes" : "no (6.1 fallback)");
	return 0;
fail:
	close(h->kvm_fd);
	h->kvm_fd = -1;
	return VMM_ERR_HOST;
}

void arm64_kvm_close(struct arm64_host *h)
{
	if (h->kvm_fd >= 0)
		close(h->kvm_fd);
	h->kvm_fd = -1;
}

int arm64_vm_create(struct arm64_vm *vm, const struct arm64_host *h,
		    const struct vm_config *cfg, unsigned int need_bits)
{
	unsigned int bits = cfg->ipa_bits ? cfg->ipa_bits : need_bits;
	unsigned long type = 0;
	struct kvm_enable_cap nisv = { .cap = KVM_CAP_ARM_NISV_TO_USER };
	char sz[32];
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->fd = vm->gic_fd = vm->its_fd = -1;
	vm->host = h;
	if (cfg->ipa_bits && cfg->ipa_bits < LAYOUT_MIN_IPA_BITS) {
		log_error("--ipa-bits %u: below the architectural minimum of %u",
			  cfg->ipa_bits, LAYOUT_MIN_IPA_BITS);
		return VMM_ERR_HOST;
	}
	if (bits > h->ipa_limit) {
		if (cfg->ipa_bits)
			log_error("--ipa-bits %u: above this host's limit of %u bits",
				  cfg->ipa_bits, h->ipa_limit);
		else
			log_error("--mem %s: the guest memory map needs %u IPA bits, this host "
				  "allows %u", config_format_size(cfg->mem, sz, sizeof(sz)),
				  bits, h->ipa_limit);
		return VMM_ERR_HOST;
	}
	if (bits < need_bits) {
		log_error("--ipa-bits %u: too small for --mem %s, the memory map needs %u bits",
			  bits, config_format_size(cfg->mem, sz, sizeof(sz)), need_bits);
		return VMM_ERR_HOST;
	}
	/* Type 0 means 40 bits and fails on hosts below that: be explicit. */
	if (h->ipa_cap)
		type = KVM_VM_TYPE_ARM_IPA_SIZE(bits);
	else if (bits != 40 && cfg->ipa_bits)
		log_warn("--ipa-bits %u: this host has a fixed 40-bit IPA size", bits);
	do
		vm->fd = ioctl(h->kvm_fd, KVM_CREATE_VM, type);
	while (vm->fd < 0 && errno == EINTR);
	if (vm->fd < 0) {
		log_errno("KVM_CREATE_VM (%u-bit IPA)", bits);
		return VMM_ERR_HOST;
	}
	vm->ipa_bits = h->ipa_cap ? bits : 40;

	struct kvm_vcpu_init init;
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		log_errno("KVM_ARM_PREFERRED_TARGET");
		goto fail;
	}
	vm->target = init.target;
	vm->features = 1u << KVM_ARM_VCPU_PSCI_0_2;

	/* Guest loads/stores KVM cannot decode reach us instead of killing KVM_RUN. */
	if (h->nisv_to_user && ioctl(vm->fd, KVM_ENABLE_CAP, &nisv) < 0)
		log_warn("KVM_CAP_ARM_NISV_TO_USER: %s", strerror(errno));
	r = arm64_cpu_features_vm(vm, cfg);
	if (r) {
		arm64_vm_destroy(vm);
		return r;
	}
	log_info("vm: %u-bit IPA, target %u", vm->ipa_bits, vm->target);
	return 0;
fail:
	close(vm->fd);
	vm->fd = -1;
	return VMM_ERR_HOST;
}

void arm64_vm_destroy(struct arm64_vm *vm)
{
	if (vm->its_fd >= 0)
		close(vm->its_fd);
	if (vm->gic_fd >= 0)
		close(vm->gic_fd);
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = vm->gic_fd = vm->its_fd = -1;
	/* After the VM (and its memslot) is gone. */
	if (vm->pvtime)
		munmap(vm->pvtime, LAYOUT_PVTIME_SIZE);
	vm->pvtime = NULL;
}

int arm64_vm_add_ram(struct arm64_vm *vm, const struct guest_mem *gm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = gm->gpa,
		.memory_size = gm->size,
		.userspace_addr = (uintptr_t)gm->host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		log_errno("guest RAM: KVM_SET_USER_MEMORY_REGION at 0x%llx, %llu MiB",
			  (unsigned long long)gm->gpa, (unsigned long long)(gm->size >> 20));
		return VMM_ERR_HOST;
	}
	return 0;
}

int arm64_counter_zero(struct arm64_vm *vm, struct arm64_vcpu *vcpu0)
{
	uint64_t zero = 0;
	struct kvm_one_reg reg = { .id = KVM_REG_ARM_TIMER_CNT, .addr = (uintptr_t)&zero };

	if (vm->host->counter_offset) {
		/* guest count = host count - offset, for both counters. */
		struct kvm_arm_counter_offset off = { 0 };
		uint64_t now;

		__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
		off.counter_offset = now;
		if (ioctl(vm->fd, KVM_ARM_SET_COUNTER_OFFSET, &off) == 0) {
			uint64_t cnt = 0;

			vm->counter_offset = now;
			reg.addr = (uintptr_t)&cnt;
			if (ioctl(vcpu0->fd, KVM_GET_ONE_REG, &reg) == 0)
				log_info("guest counter: offset 0x%llx, virtual count now %llu",
					 (unsigned long long)now, (unsigned long long)cnt);
			return 0;
		}
		log_warn("KVM_ARM_SET_COUNTER_OFFSET: %s; falling back to TIMER_CNT",
			 strerror(errno));
	}
	/* 6.1: writing the virtual count on one vCPU sets the offset for all. */
	if (ioctl(vcpu0->fd, KVM_SET_ONE_REG, &reg) < 0) {
		log_errno("guest counter: KVM_SET_ONE_REG TIMER_CNT");
		return VMM_ERR_HOST;
	}
	return 0;
}

int arm64_counter_pause(struct arm64_vm *vm, struct arm64_vcpu *vcpu0)
{
	struct kvm_one_reg reg = { .id = KVM_REG_ARM_TIMER_CNT, .addr = (uintptr_t)&vm->paused_cnt };

	if (vm->host->counter_offset) {
		__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(vm->paused_at));
		return 0;
	}
	if (ioctl(vcpu0->fd, KVM_GET_ONE_REG, &reg) < 0) {
		log_errno("pause: reading the guest counter");
		return VMM_ERR_INTERNAL;
	}
	return 0;
}

int arm64_counter_resume(struct arm64_vm *vm, struct arm64_vcpu *vcpu0)
{
	struct kvm_one_reg reg = { .id = KVM_REG_ARM_TIMER_CNT, .addr = (uintptr_t)&vm->paused_cnt };

	if (vm->host->counter_offset) {
		/* Move the offset on by the pause: the guest sees no time pass. */
		struct kvm_arm_counter_offset off = { 0 };
		uint64_t now;

		__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(now));
		off.counter_offset = vm->counter_offset + (now - vm->paused_at);
		if (ioctl(vm->fd, KVM_ARM_SET_COUNTER_OFFSET, &off) < 0) {
			log_errno("resume: KVM_ARM_SET_COUNTER_OFFSET");
			return VMM_ERR_INTERNAL;
		}
		vm->counter_offset = off.counter_offset;
		return 0;
	}
	/* 6.1: the virtual count written back continues from where it stopped. */
	if (ioctl(vcpu0->fd, KVM_SET_ONE_REG, &reg) < 0) {
		log_errno("resume: writing the guest counter");
		return VMM_ERR_INTERNAL;
	}
	return 0;
}

static void kvm_irq_set(struct irq_line *line, int level)
{
	struct arm64_vm *vm = line->ctx;
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (line->id + 32),
		.level = (uint32_t)!!level,
	};

	if (__atomic_exchange_n(&line->level, !!level, __ATOMIC_RELAXED) == !!level)
		return;
	if (ioctl(vm->fd, KVM_IRQ_LINE, &irq) < 0)
		log_errno("KVM_IRQ_LINE SPI %u", line->id);
}

void arm64_irq_line_init(struct irq_line *line, struct arm64_vm *vm, unsigned int spi)
{
	memset(line, 0, sizeof(*line));
	line->set = kvm_irq_set;
	line->ctx = vm;
	line->id = spi;
	line->fd = -1;
}

static void irqfd_pulse(struct irq_line *line)
{
	uint64_t one = 1;

	/* An irqfd write is an edge on the SPI: no ioctl, no exit. */
	if (write(line->fd, &one, sizeof(one)) < 0)
		log_errno("irqfd for SPI %u", line->id);
}

int arm64_irq_line_init_edge(struct irq_line *line, struct arm64_vm *vm, unsigned int spi)
{
	/* After vGIC init, GSI n is SPI n (INTID 32 + n): no routing table needed. */
	struct kvm_irqfd irqfd = { .gsi = spi };

	arm64_irq_line_init(line, vm, spi);
	line->pulse = irqfd_pulse;
	line->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (line->fd < 0) {
		log_errno("irqfd for SPI %u: eventfd", spi);
		return VMM_ERR_INTERNAL;
	}
	irqfd.fd = (uint32_t)line->fd;
	if (ioctl(vm->fd, KVM_IRQFD, &irqfd) < 0) {
		log_errno("KVM_IRQFD for SPI %u", spi);
		close(line->fd);
		line->fd = -1;
		return VMM_ERR_HOST;
	}
	return 0;
}

void arm64_irq_line_release(struct irq_line *line, struct arm64_vm *vm)
{
	struct kvm_irqfd irqfd = { .gsi = line->id, .flags = KVM_IRQFD_FLAG_DEASSIGN };

	if (line->fd < 0)
		return;
	irqfd.fd = (uint32_t)line->fd;
	if (vm->fd >= 0)
		ioctl(vm->fd, KVM_IRQFD, &irqfd);
	close(line->fd);
	line->fd = -1;
}

int arm64_ioeventfd(struct arm64_vm *vm, uint64_t addr, uint32_t len, uint32_t datamatch, int fd,
		    bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	if (ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0)
		return -errno;
	return 0;
}

const char *arm64_exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_ARM_NISV] = "ARM_NISV",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unknown";
}

/*
 * What the sandbox lets through to KVM: the vCPU run loop and MMIO exits,
 * interrupt lines (KVM_IRQ_LINE from device threads too: rtc, gpio),
 * ioeventfds and irqfds bound at DRIVER_OK and unbound at reset, and the
 * main thread's reboot (vCPU init, registers, counter), pause/resume and
 * teardown; the UART's coalesced MMIO zone from vCPU threads (IER writes)
 * and the main thread (reset).
 */
static const struct sandbox_ioctl kvm_ioctls[] = {
	{ KVM_IRQ_LINE, SANDBOX_DEVICE },
	{ KVM_RUN, SANDBOX_VCPU },
	{ KVM_GET_ONE_REG, SANDBOX_VCPU },
	{ KVM_SET_ONE_REG, SANDBOX_VCPU },
	{ KVM_SET_VCPU_EVENTS, SANDBOX_VCPU },
	{ KVM_IOEVENTFD, SANDBOX_VCPU },
	{ KVM_IRQFD, SANDBOX_VCPU },
	{ KVM_ARM_VCPU_INIT, SANDBOX_MAIN },
	{ KVM_ARM_SET_COUNTER_OFFSET, SANDBOX_MAIN },
	/* The UART's zone follows IER.ETBEI, written by the guest on a vCPU. */
	{ KVM_REGISTER_COALESCED_MMIO, SANDBOX_VCPU },
	{ KVM_UNREGISTER_COALESCED_MMIO, SANDBOX_VCPU },
};

size_t arm64_sandbox_ioctls(const struct sandbox_ioctl **out)
{
	*out = kvm_ioctls;
	return sizeof(kvm_ioctls) / sizeof(kvm_ioctls[0]);
}
