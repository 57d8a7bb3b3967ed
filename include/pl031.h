/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_PL031_H
#define VMM_PL031_H

#include <stdint.h>

#include "bus.h"
#include "irq.h"

/*
 * An ARM PL031 real-time clock (Linux rtc-pl031, an AMBA PrimeCell).
 *
 * Device tree: compatible = "arm,pl031", "arm,primecell"; reg size exactly
 * PL031_MMIO_SIZE, because Linux's AMBA bus reads the PrimeCell ID from the
 * last 32 bytes of the reg window; interrupts = one level-high SPI;
 * clocks = <&apb_pclk> with clock-names = "apb_pclk", because the AMBA bus
 * refuses to probe a PrimeCell whose "apb_pclk" it cannot get (a
 * fixed-clock node, e.g. 24 MHz, is enough).
 *
 * DR counts seconds: the clock below plus an offset the guest sets through
 * LR. The offset survives pl031_reset(), as a battery-backed RTC keeps time
 * across a reboot. The alarm interrupt (RIS bit 0) latches when DR reaches
 * MR and stays until the guest writes ICR; the level line is RIS & IMSC.
 * The line rises within a second of the match (the clock counts whole
 * seconds); a step of the host's wall clock or a host suspend can delay it
 * by up to ten seconds more.
 *
 * Registers are 32 bits wide; accesses of another length, unaligned ones and
 * ones to undefined offsets read 0 and are ignored when written.
 *
 * Threads: each PL031 owns one thread, "rtc-alarm", which sleeps while no
 * unmasked alarm is due and raises the line when one is; pl031_free() stops
 * it. Locking: one mutex per device; every function and both bus callbacks
 * may be called from any thread.
 */
struct pl031;

#define PL031_MMIO_SIZE 0x1000

/*
 * The clock: seconds since the epoch, or any other monotone count of seconds
 * for tests. Called with the device's lock held, from any thread: it must be
 * thread-safe and must not call into the PL031.
 */
typedef int64_t pl031_clock_fn(void *ctx);

/*
 * pl031_new - an RTC in its power-on state, its DR at the clock's current
 * value, its alarm thread started. irq is the line to drive (may be NULL;
 * must outlive the RTC). clock may be NULL for the host's wall clock,
 * time(NULL); clock_ctx is passed to it. Returns VMM_OK and stores it in
 * *out, or prints "rtc: creating the PL031: CAUSE" (no memory, or the
 * pthread error, also left in errno) and returns VMM_ERR_INTERNAL.
 */
int pl031_new(struct irq_line *irq, pl031_clock_fn *clock, void *clock_ctx, struct pl031 **out);

/*
 * pl031_free - stop the alarm thread and free rtc (NULL is fine). The caller
 * guarantees that no other thread is inside or will enter a pl031 function
 * for rtc.
 */
void pl031_free(struct pl031 *rtc);

/*
 * pl031_reset - back to the power-on register state (a guest reboot): MR,
 * IMSC and the alarm cleared, the line lowered. The time (the offset set
 * through LR) and LR's value are kept. Thread-safe.
 */
void pl031_reset(struct pl031 *rtc);

/* The bus callbacks; the bus_dev's opaque is the struct pl031 *. */
extern const struct bus_dev_ops pl031_ops;

#endif
