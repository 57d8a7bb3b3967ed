// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's NICs (--network tap...): a tap, vhost-net when it is usable
 * and wanted, and a virtio-net device on the next virtio-mmio slot.
 *
 * vhost-net needs nothing of vmm on the data path: KVM's ioeventfd on
 * QueueNotify is its kick fd and the NIC's irqfd is its call fd, so a
 * packet costs neither a userspace exit nor a KVM_IRQ_LINE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "status.h"
#include "vhost_net.h"
#include "virtio_mmio.h"
#include "virtio_net.h"
#include "vmm/vm.h"

static int nic_ioeventfd(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign)
{
	struct vm_nic *n = ctx;

	return arm64_ioeventfd(&n->vm->kvm, n->base + offset, 4, datamatch, fd, assign);
}

/*
 * One vhost-net per queue pair into v[], or none: with vhost=on a failure
 * is an error, by default it is the userspace path (said with --verbose).
 * Returns 0 (*use says which) or VMM_ERR_HOST.
 */
static int open_vhost(struct vm *vm, unsigned int i, unsigned int npairs,
		      struct vhost_net **v, bool *use)
{
	const struct net_opts *o = &vm->cfg->nets[i];
	const char *why = "";
	unsigned int p;
	int r = 0;

	*use = false;
	if (o->vhost == NET_VHOST_OFF)
		return 0;
	for (p = 0; p < npairs; p++) {
		r = vhost_net_open(&vm->mem, &v[p], &why);
		if (r)
			break;
	}
	if (!r) {
		*use = true;
		return 0;
	}
	while (p--) /* the ones opened before the failure */
		vhost_net_close(v[p]);
	if (o->vhost == NET_VHOST_ON) {
		log_error("network %u: vhost=on, but vhost-net is unusable: %s: %s", i, why,
			  strerror(-r));
		return VMM_ERR_HOST;
	}
	log_info("network %u: vhost-net unusable (%s: %s): the userspace path", i, why,
		 strerror(-r));
	return 0;
}

int nic_create(struct vm *vm, unsigned int i)
{
	const struct net_opts *o = &vm->cfg->nets[i];
	struct vm_nic *n = &vm->nics[i];
	struct virtio_mmio_host host = { .ioeventfd = nic_ioeventfd, .ctx = n, .gate = &vm->gate };
	struct vhost_net *vhost[NET_MAX_PAIRS] = { NULL };
	unsigned int npairs = o->queues ? o->queues : 1, slot, spi, p;
	char mac[18], what[32];
	struct tap tap;
	bool use_vhost;
	int r;

	if (vm->nvirtio == LAYOUT_VIRTIO_MAX) {
		log_error("network %u: no virtio-mmio slot left (%d in all)", i, LAYOUT_VIRTIO_MAX);
		return VMM_ERR_USAGE;
	}
	slot = vm->nvirtio++;
	spi = LAYOUT_SPI_VIRTIO + slot;
	n->vm = vm;
	n->base = LAYOUT_VIRTIO_BASE + slot * LAYOUT_VIRTIO_STRIDE;
	n->irq.fd = -1;
	snprintf(n->name, sizeof(n->name), "net%u", i);
	r = tap_open(o, npairs, &tap);
	if (r)
		return r;
	snprintf(n->ifname, sizeof(n->ifname), "%s", tap.ifname);
	/* Always said: the user has to configure the host's end of it. */
	if (tap.created)
		fprintf(stderr, "vmm: network %u: created tap %s\n", i, tap.ifname);
	if (o->has_mac)
		memcpy(n->mac, o->mac, sizeof(n->mac));
	else
		net_default_mac(vm->ctl.name, i, n->mac);
	r = open_vhost(vm, i, npairs, vhost, &use_vhost);
	if (r) {
		tap_close(&tap);
		return r;
	}
	r = virtio_net_new(i, n->mac, &tap, use_vhost ? vhost : NULL, npairs, !o->link_down,
			   &n->net);
	if (r) {
		tap_close(&tap);
		for (p = 0; p < npairs; p++)
			vhost_net_close(vhost[p]);
		return r;
	}
	r = arm64_irq_line_init_edge(&n->irq, &vm->kvm, spi);
	if (r)
		return r;
	snprintf(what, sizeof(what), "network %u", i);
	r = virtio_mmio_new(&virtio_net_dev_ops, n->net, virtio_net_num_queues(n->net),
			    VIRTIO_NET_QUEUE_MAX, &n->irq, &vm->mem, &host, what, &n->mmio);
	if (r)
		return r;
	r = add_to_bus(vm, &n->bus, n->name, n->base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, n->mmio);
	if (r)
		return r;
	add_desc(vm, DEV_VIRTIO_MMIO, n->base, VIRTIO_MMIO_SIZE, spi, 1);
	log_info("network %u: tap %s, mac %s, %u queue pair(s), %s", i, n->ifname,
		 net_mac_format(n->mac, mac), npairs,
		 virtio_net_uses_vhost(n->net) ? "vhost-net" : "userspace");
	return 0;
}

void nic_destroy(struct vm *vm, struct vm_nic *n)
{
	if (!n->vm)
		return;
	/* The transport first: it stops the device (threads, vhost) before the tap goes. */
	if (n->mmio)
		virtio_mmio_free(n->mmio);
	virtio_net_free(n->net);
	arm64_irq_line_release(&n->irq, &vm->kvm);
	memset(n, 0, sizeof(*n));
}
