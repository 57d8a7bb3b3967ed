// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's coalesced MMIO as the bus's coalescer (include/bus.h).
 *
 * KVM appends the guest's writes to a registered zone to one ring, a page
 * of vCPU 0's kvm_run mapping shared by all vCPUs, without exiting. The
 * ring is drained under c->lock by whichever thread asks (a vCPU before it
 * handles an exit, the main loop periodically, teardown), each entry
 * replayed through bus_replay() oldest first; KVM exits to userspace with
 * KVM_EXIT_MMIO when the ring is full, so a drain before every exit keeps
 * the order. Which regions may be coalesced is the bus regions' business.
 *
 * Threads: zone() runs on whichever thread the region's device runs on
 * (under its lock); drain() on any thread, serialised by c->lock.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64/kvm.h"
#include "arm64/kvm_compat.h"

static int zone(void *ctx, uint64_t addr, uint64_t len, bool on)
{
	struct arm64_coalescer *c = ctx;
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = (__u32)len };

	if (ioctl(c->vm->fd, on ? KVM_REGISTER_COALESCED_MMIO : KVM_UNREGISTER_COALESCED_MMIO,
		  &z) < 0)
		return -errno;
	return 0;
}

static void drain(void *ctx)
{
	struct arm64_coalescer *c = ctx;
	struct kvm_coalesced_mmio_ring *ring = c->ring;
	uint32_t first, last;
	bool replayed = false;

	if (!ring)
		return;
	/*
	 * No peek at an empty ring without the lock: another thread's drain
	 * may have replayed the last entry and still hold what the device
	 * batched from it (bus_replay_done flushes it). Returning now would
	 * let this thread's exit overtake those bytes on the console.
	 */
	pthread_mutex_lock(&c->lock);
	first = ring->first;
	last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	while (first != last) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first % c->ring_max];

		if (e->len && e->len <= 8)
			bus_replay(c->bus, e->phys_addr, e->data, e->len);
		replayed = true;
		first = (first + 1) % c->ring_max;
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
		if (first == last)
			last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	}
	if (replayed)
		bus_replay_done(c->bus);
	pthread_mutex_unlock(&c->lock);
}

bool arm64_coalescer_init(struct arm64_coalescer *c, struct arm64_vm *vm,
			  struct arm64_vcpu *vcpu0, struct bus *bus)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int off = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);

	c->ring = NULL;
	if (off <= 0 || !vcpu0 || !vcpu0->run)
		return false;
	c->vm = vm;
	c->bus = bus;
	c->ring = (void *)((uint8_t *)vcpu0->run + (size_t)off * page);
	c->ring_max = (uint32_t)((page - sizeof(*c->ring)) / sizeof(c->ring->coalesced_mmio[0]));
	pthread_mutex_init(&c->lock, NULL);
	c->ops = (struct bus_coalescer){ .zone = zone, .drain = drain, .ctx = c };
	bus_set_coalescer(bus, &c->ops);
	return true;
}

void arm64_coalescer_fini(struct arm64_coalescer *c, struct bus *bus)
{
	if (!c->ring)
		return;
	drain(c);
	bus_set_coalescer(bus, NULL);
	c->ring = NULL;
	pthread_mutex_destroy(&c->lock);
}
