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
	/*
	 * Optional: guest writes to [coalesce_off, coalesce_off + coalesce_len)
	 * of the window may be coalesced (collected by the hypervisor without
	 * an exit and replayed later, in order) while the device asks for it
	 * with bus_coalesce(). 0: never. Set before bus_add.
	 */
	uint64_t coalesce_off, coalesce_len;
	/*
	 * Optional: called on the draining thread after a drain that replayed
	 * writes (to any region), with the drain still serialised: a device
	 * that batched what the replay produced (bus_replaying()) flushes it.
	 */
	void (*drained)(struct bus_dev *dev);
	bool coalescing; /* the coalescer has the zone now (bus_coalesce) */
	/*
	 * Accesses the model served: by a vCPU's exit, or replayed from the
	 * coalescer (relaxed counts, for `vmm info` and --stats).
	 */
	_Atomic uint64_t exits, replayed;
};

/*
 * The arch's coalesced-write machinery (arm64: KVM's coalesced MMIO ring),
 * installed with bus_set_coalescer before vCPUs run.
 *   zone  - start (on) or stop collecting guest writes to [addr, addr+len).
 *           Returns 0 or -errno. Any thread.
 *   drain - replay every collected write, oldest first, through
 *           bus_replay(), then call bus_replay_done() if it replayed any.
 *           Any thread; the coalescer serialises drains itself.
 */
struct bus_coalescer {
	int (*zone)(void *ctx, uint64_t addr, uint64_t len, bool on);
	void (*drain)(void *ctx);
	void *ctx;
};

#define BUS_MAX_DEVS 80

struct bus {
	struct bus_dev *devs[BUS_MAX_DEVS]; /* sorted by base, not overlapping */
	int n;
	const struct bus_coalescer *coalescer; /* NULL: every write exits */
};

/*
 * bus_add - add dev's window. Returns 0, -EEXIST when it overlaps a window
 * already on the bus, -ENOSPC when the bus is full, -EINVAL for an empty or
 * wrapping window. Not thread-safe: call before vCPUs run.
 */
int bus_add(struct bus *bus, struct bus_dev *dev);

/*
 * bus_remove - take dev's window off the bus again (undoing a bus_add when
 * a device's creation fails later on, or at teardown); a dev not on the
 * bus is ignored. Its coalescing, if any, is the caller's to stop first.
 * Not thread-safe: call while no vCPU runs.
 */
void bus_remove(struct bus *bus, struct bus_dev *dev);

/*
 * bus_access - dispatch a guest access of len bytes at addr. Returns false
 * when no device claims the whole access (reads then leave data untouched;
 * the caller answers 0). Lock-free; devices lock themselves.
 */
bool bus_access(const struct bus *bus, uint64_t addr, void *data, uint32_t len, bool is_write);

/* bus_find - the device whose window holds addr, or NULL. */
struct bus_dev *bus_find(const struct bus *bus, uint64_t addr);

/*
 * bus_set_coalescer - install (or, with NULL, remove) the arch's coalescer;
 * c must outlive its use. Main thread, while no vCPU runs and no drain can.
 */
void bus_set_coalescer(struct bus *bus, const struct bus_coalescer *c);

/*
 * bus_coalesce - let (on) or stop (off) the coalescing of dev's declared
 * range [coalesce_off, +coalesce_len). dev may be called before bus_add.
 * Returns 0 when dev->coalescing now equals on; -EOPNOTSUPP, quietly, when
 * dev declares no range or the bus has no coalescer (writes keep exiting);
 * the coalescer's -errno when it refused (nothing changed). Any thread,
 * serialised by the caller (the device's lock).
 */
int bus_coalesce(struct bus *bus, struct bus_dev *dev, bool on);

/*
 * bus_drain - replay the writes the coalescer collected, in order, so that
 * what the guest did before runs before anything done next: call it before
 * dispatching any exit, and periodically (a guest that went idle). No-op
 * without a coalescer. Any thread.
 */
void bus_drain(const struct bus *bus);

/*
 * bus_replay / bus_replay_done - for the coalescer's drain only: dispatch
 * one collected write (as bus_access; returns false when unclaimed), and
 * tell the regions that declare a drained() callback that the batch ended.
 * bus_replaying - true on this thread between the first bus_replay of a
 * drain and its bus_replay_done.
 */
bool bus_replay(const struct bus *bus, uint64_t addr, const void *data, uint32_t len);
void bus_replay_done(const struct bus *bus);
bool bus_replaying(void);

#endif
