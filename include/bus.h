/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The MMIO bus: guest physical windows that belong to device models.
 *
 * Devices are added before any vCPU runs; afterwards the bus is read-only, so
 * dispatch takes no lock (each device serialises its own state). A device's
 * callbacks get the offset inside its window, never the guest address.
 */
struct bus_dev_ops {
	/* Fill data[0..len) (len is 1, 2, 4 or 8; little-endian). */
	void (*read)(void *opaque, uint64_t offset, void *data, uint32_t len);
	void (*write)(void *opaque, uint64_t offset, const void *data, uint32_t len);
};

struct bus_dev {
	const char *name;
	uint64_t base, size;
	const struct bus_dev_ops *ops;
	void *opaque;
};

#define BUS_MAX_DEVS 80

struct bus {
	struct bus_dev *devs[BUS_MAX_DEVS]; /* sorted by base, not overlapping */
	int n;
};

/*
 * bus_add - add dev's window. Returns 0, -EEXIST when it overlaps a window
 * already on the bus, -ENOSPC when the bus is full, -EINVAL for an empty or
 * wrapping window. Not thread-safe: call before vCPUs run.
 */
int bus_add(struct bus *bus, struct bus_dev *dev);

/*
 * bus_access - dispatch a guest access of len bytes at addr. Returns false
 * when no device claims the whole access (reads then leave data untouched;
 * the caller answers 0). Lock-free; devices lock themselves.
 */
bool bus_access(const struct bus *bus, uint64_t addr, void *data, uint32_t len, bool is_write);

/* bus_find - the device whose window holds addr, or NULL. */
struct bus_dev *bus_find(const struct bus *bus, uint64_t addr);

#endif
