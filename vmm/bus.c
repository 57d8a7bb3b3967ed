// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMIO bus: a sorted table of device windows, searched without a lock,
 * and the generic side of coalesced writes (the arch's coalescer collects
 * them, the bus replays them).
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "bus.h"

int bus_add(struct bus *bus, struct bus_dev *dev)
{
	int i;

	if (!dev->size || dev->base + dev->size < dev->base)
		return -EINVAL;
	if (bus->n >= BUS_MAX_DEVS)
		return -ENOSPC;
	for (i = 0; i < bus->n; i++) {
		const struct bus_dev *o = bus->devs[i];

		if (dev->base < o->base + o->size && o->base < dev->base + dev->size)
			return -EEXIST;
	}
	for (i = bus->n; i > 0 && bus->devs[i - 1]->base > dev->base; i--)
		bus->devs[i] = bus->devs[i - 1];
	bus->devs[i] = dev;
	bus->n++;
	return 0;
}

void bus_remove(struct bus *bus, struct bus_dev *dev)
{
	int i;

	for (i = 0; i < bus->n; i++) {
		if (bus->devs[i] != dev)
			continue;
		for (; i + 1 < bus->n; i++)
			bus->devs[i] = bus->devs[i + 1];
		bus->n--;
		return;
	}
}

struct bus_dev *bus_find(const struct bus *bus, uint64_t addr)
{
	int lo = 0, hi = bus->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		struct bus_dev *d = bus->devs[mid];

		if (addr < d->base)
			hi = mid - 1;
		else if (addr - d->base >= d->size)
			lo = mid + 1;
		else
			return d;
	}
	return NULL;
}

/* Set while a drain replays coalesced writes on this thread. */
static __thread bool replaying;

bool bus_access(const struct bus *bus, uint64_t addr, void *data, uint32_t len, bool is_write)
{
	struct bus_dev *d = bus_find(bus, addr);
	uint64_t off;

	if (!d || !len)
		return false;
	off = addr - d->base;
	if (len > d->size - off)
		return false;
	atomic_fetch_add_explicit(replaying ? &d->replayed : &d->exits, 1, memory_order_relaxed);
	if (is_write) {
		if (d->ops->write)
			d->ops->write(d->opaque, off, data, len);
	} else {
		memset(data, 0, len);
		if (d->ops->read)
			d->ops->read(d->opaque, off, data, len);
	}
	return true;
}

void bus_set_coalescer(struct bus *bus, const struct bus_coalescer *c)
{
	bus->coalescer = c;
}

int bus_coalesce(struct bus *bus, struct bus_dev *dev, bool on)
{
	const struct bus_coalescer *c = bus->coalescer;
	int r;

	if (on == dev->coalescing)
		return 0;
	if (!dev->coalesce_len || !c)
		return -EOPNOTSUPP;
	r = c->zone(c->ctx, dev->base + dev->coalesce_off, dev->coalesce_len, on);
	if (r)
		return r;
	dev->coalescing = on;
	return 0;
}

void bus_drain(const struct bus *bus)
{
	const struct bus_coalescer *c = bus->coalescer;

	if (c)
		c->drain(c->ctx);
}

bool bus_replay(const struct bus *bus, uint64_t addr, const void *data, uint32_t len)
{
	uint8_t buf[8];

	/* bus_access takes a mutable buffer; a write never changes it, but copy anyway. */
	if (len > sizeof(buf))
		return false;
	memcpy(buf, data, len);
	replaying = true;
	return bus_access(bus, addr, buf, len, true);
}

void bus_replay_done(const struct bus *bus)
{
	int i;

	for (i = 0; i < bus->n; i++)
		if (bus->devs[i]->drained)
			bus->devs[i]->drained(bus->devs[i]);
	replaying = false;
}

bool bus_replaying(void)
{
	return replaying;
}
