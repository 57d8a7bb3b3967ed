/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VHOST_NET_H
#define VMM_VHOST_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtqueue.h"

/*
 * vhost-net: the kernel moves one queue pair's packets between the guest's
 * rings and a tap, woken by the queue's kick eventfd (KVM's ioeventfd on
 * QueueNotify) and signalling the guest through the call eventfd (KVM's
 * irqfd on the NIC's SPI). vmm only sets it up and tears it down; no
 * packet passes through vmm.
 *
 * One struct vhost_net per queue pair (the vhost-net device drives exactly
 * two vrings: 0 receive, 1 transmit). The tap carries the virtio-net
 * header itself (TUNSETVNETHDRSZ 12), so VHOST_NET_F_VIRTIO_NET_HDR is
 * never set.
 */

struct vhost_net;

/*
 * vhost_net_open - open /dev/vhost-net, VHOST_SET_OWNER, read its
 * features, and give it the guest's RAM as its memory table. Returns 0, or
 * -errno with *why a static phrase ("/dev/vhost-net: No such file or
 * directory" is the caller's to format from errno and why).
 */
int vhost_net_open(const struct guest_mem *gm, struct vhost_net **out, const char **why);

/* vhost_net_features - what VHOST_GET_FEATURES said. */
uint64_t vhost_net_features(const struct vhost_net *v);

/*
 * vhost_net_start - features (the negotiated ones, ring and net bits) to
 * VHOST_SET_FEATURES, then for each of rx (vring 0) and tx (vring 1):
 * size, ring addresses (host pointers of q's areas, which vq_start()
 * checked), base index 0, kick fd, call fd; finally the tap fd as the
 * backend of both. Returns 0 or -errno with *why naming the step.
 */
int vhost_net_start(struct vhost_net *v, uint64_t features, const struct virtqueue *rx,
		    const struct virtqueue *tx, int rx_kick, int tx_kick, int call_fd, int tap_fd,
		    const char **why);

/* vhost_net_stop - detach the backend (the kernel stops touching the rings). */
void vhost_net_stop(struct vhost_net *v);

/*
 * vhost_net_pause - while paused, detach the tap (the kernel's worker then
 * touches no guest memory); on resume attach it again. Nothing when not
 * started. The main thread, with the VM's vCPUs stopped. Returns 0 or
 * -errno of the last failing ioctl.
 */
int vhost_net_pause(struct vhost_net *v, bool paused);

/* vhost_net_close - stop and close; NULL is fine. */
void vhost_net_close(struct vhost_net *v);

#endif
