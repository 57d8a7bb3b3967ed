/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_PVPANIC_H
#define VMM_PVPANIC_H

#include "bus.h"

/*
 * QEMU's pvpanic device, MMIO flavour: how a guest kernel tells the host it
 * panicked (Linux drivers/misc/pvpanic/pvpanic-mmio.c, CONFIG_PVPANIC and
 * CONFIG_PVPANIC_MMIO; device tree compatible "qemu,pvpanic-mmio", reg of
 * PVPANIC_MMIO_SIZE bytes, no interrupt).
 *
 * One 8-bit register at offset 0. Reading it gives the events the device
 * supports; Linux reads it once at probe and afterwards reports only
 * events in that mask. Writing it reports events. Linux writes
 * PVPANIC_PANICKED from its panic notifier, or PVPANIC_CRASH_LOADED
 * instead when a kdump kernel is loaded (the guest then boots that kernel
 * and keeps running, so a host should record the event, not stop the VM).
 *
 * Offered: PANICKED and CRASH_LOADED. Not PVPANIC_SHUTDOWN (Linux 6.10 and
 * later register a power-off handler for it): the guest already powers
 * off through PSCI SYSTEM_OFF, whose handler runs first, so offering it
 * would only add a second way to say the same thing.
 *
 * Accesses: any width works; a read at offset 0 returns the mask in the low
 * byte and zeroes above, a write at offset 0 uses its low byte. Other
 * offsets read 0 and ignore writes (QEMU's window is 2 bytes; Linux only
 * touches offset 0). The window may be larger than PVPANIC_MMIO_SIZE.
 *
 * Locking: no lock; the device has no state a guest can change. Both bus
 * callbacks may run on several vCPU threads at once.
 */
struct pvpanic;

/* Event bits (QEMU docs/specs/pvpanic.rst; Linux include/uapi/misc/pvpanic.h). */
#define PVPANIC_PANICKED 0x1u     /* the guest panicked and stays stopped */
#define PVPANIC_CRASH_LOADED 0x2u /* the guest panicked and runs its crash kernel */
#define PVPANIC_SHUTDOWN 0x4u     /* the guest powers off (not offered, see above) */

/* What a read of the register returns. */
#define PVPANIC_EVENTS (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

/* The register window, as QEMU's pvpanic-mmio has it. */
#define PVPANIC_MMIO_SIZE 2

/*
 * The host's handler: the guest reported events (a non-zero subset of
 * PVPANIC_EVENTS; bits the device does not offer are dropped, and logged
 * once). Called on the vCPU thread that wrote the register, with no lock
 * held, possibly on several vCPU threads at once, so it must be
 * thread-safe. It may block that vCPU (ending the VM from there is the
 * intended use).
 */
typedef void pvpanic_event_fn(void *ctx, unsigned int events);

/*
 * pvpanic_new - a pvpanic device that calls event(ctx, events) for each
 * report (event may be NULL: reports are dropped). Returns VMM_OK and
 * stores it in *out, or prints "pvpanic: creating it: CAUSE" (no memory)
 * and returns VMM_ERR_INTERNAL.
 */
int pvpanic_new(pvpanic_event_fn *event, void *ctx, struct pvpanic **out);

/*
 * pvpanic_free - free p (NULL is fine). The caller guarantees that no other
 * thread is inside or will enter a pvpanic function for p.
 */
void pvpanic_free(struct pvpanic *p);

/* The bus callbacks; the bus_dev's opaque is the struct pvpanic *. */
extern const struct bus_dev_ops pvpanic_ops;

#endif
