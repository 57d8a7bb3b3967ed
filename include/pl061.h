/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_PL061_H
#define VMM_PL061_H

#include "bus.h"
#include "irq.h"

/*
 * An ARM PL061 GPIO controller (Linux gpio-pl061, an AMBA PrimeCell), eight
 * lines, whose inputs the host drives: a power button for gpio-keys.
 *
 * Device tree: compatible = "arm,pl061", "arm,primecell"; reg size exactly
 * PL061_MMIO_SIZE (the AMBA bus reads the PrimeCell ID from the last 32
 * bytes of the window); interrupts = one level-high SPI; clocks =
 * <&apb_pclk>, clock-names = "apb_pclk" (the AMBA bus will not probe
 * without it); #gpio-cells = <2>; gpio-controller; a phandle. The button:
 *
 *	gpio-keys {
 *		compatible = "gpio-keys";
 *		poweroff {
 *			label = "GPIO Key Poweroff";
 *			linux,code = <116>;		(KEY_POWER)
 *			gpios = <&pl061 3 0>;		(line 3, GPIO_ACTIVE_HIGH)
 *		};
 *	};
 *
 * Lines idle low and a press drives them high: active-high, flags 0.
 *
 * Registers are 8 bits wide at word-aligned offsets; Linux uses byte
 * accesses for the registers and word accesses for the IDs, so any length
 * works: a write uses the low byte, a read returns the register in the low
 * byte and zeroes in the rest. Offsets that are not word-aligned address the
 * unused upper bytes of a register: they read 0, writes are ignored.
 *
 * Threads: each PL061 owns one thread, "gpio-pulse", which ends the presses
 * started by pl061_pulse(); pl061_free() stops it. Locking: one mutex per
 * device; every function and both bus callbacks may be called from any
 * thread.
 */
struct pl061;

#define PL061_MMIO_SIZE 0x1000
#define PL061_NR_LINES 8

/*
 * How long pl061_pulse() should hold a button. gpio-keys reads the line's
 * level only after its debounce delay (5 ms by default) following the
 * interrupt, so a press shorter than the guest's interrupt latency plus
 * that delay is seen as no press at all. 100 ms is what QEMU's gpio-key
 * holds, long enough for a busy guest and short enough for a human.
 */
#define PL061_PULSE_MS 100

/*
 * pl061_new - a PL061 in its power-on state, every line an input held low,
 * its pulse thread started. irq is the line to drive (may be NULL; must
 * outlive the PL061). Returns VMM_OK and stores it in *out, or prints
 * "gpio: creating the PL061: CAUSE" (no memory, or the pthread error, also
 * left in errno) and returns VMM_ERR_INTERNAL.
 */
int pl061_new(struct irq_line *irq, struct pl061 **out);

/*
 * pl061_free - stop the pulse thread (abandoning presses in progress) and
 * free gpio (NULL is fine). The caller guarantees that no other thread is
 * inside or will enter a pl061 function for gpio.
 */
void pl061_free(struct pl061 *gpio);

/*
 * pl061_reset - back to the power-on register state (a guest reboot): every
 * line an input, interrupts disabled and cleared, the line lowered. What the
 * host drives onto the lines, including presses in progress, is outside the
 * chip and is kept. Thread-safe.
 */
void pl061_reset(struct pl061 *gpio);

/*
 * pl061_set_input - drive input line to level (0 low, anything else high),
 * raising an interrupt when the guest configured one for that edge or level.
 * Cancels the pending release of a pl061_pulse() on that line: the level set
 * here stands. Lines the guest configured as outputs ignore it until they
 * become inputs again. Returns 0, or -EINVAL when line >= PL061_NR_LINES.
 * Thread-safe.
 */
int pl061_set_input(struct pl061 *gpio, unsigned int line, int level);

/*
 * pl061_pulse - press a button on line: drive it high now and low again
 * hold_ms milliseconds later, from the device's pulse thread, so the guest
 * sees a rising and a falling edge with the level readable in between (use
 * PL061_PULSE_MS). Pulsing a line already pressed moves its release. Returns
 * 0 at once, or -EINVAL when line >= PL061_NR_LINES. Thread-safe.
 */
int pl061_pulse(struct pl061 *gpio, unsigned int line, unsigned int hold_ms);

/* The bus callbacks; the bus_dev's opaque is the struct pl061 *. */
extern const struct bus_dev_ops pl061_ops;

#endif
