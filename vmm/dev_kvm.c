// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct dev_host (vmm/devices.h) on KVM: the device table's only way to
 * KVM, so that the table and the wiring are tested natively with a fake.
 */
#include "status.h"
#include "vmm/vm.h"

static int kvm_irq_init(void *ctx, struct irq_line *line, unsigned int spi, bool edge)
{
	if (edge)
		return arm64_irq_line_init_edge(line, ctx, spi);
	arm64_irq_line_init(line, ctx, spi);
	return VMM_OK;
}

static void kvm_irq_release(void *ctx, struct irq_line *line)
{
	arm64_irq_line_release(line, ctx);
}

static int kvm_ioeventfd(void *ctx, uint64_t addr, uint32_t len, uint32_t datamatch, int fd,
			 bool assign)
{
	return arm64_ioeventfd(ctx, addr, len, datamatch, fd, assign);
}

void dev_kvm_host(struct dev_host *h, struct arm64_vm *kvm)
{
	h->irq_init = kvm_irq_init;
	h->irq_release = kvm_irq_release;
	h->ioeventfd = kvm_ioeventfd;
	h->ctx = kvm;
}
