/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_UART16550_H
#define VMM_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"

/*
 * A 16550A UART: the guest's serial console (Linux 8250 driver through
 * of_serial, compatible "ns16550a", reg-shift 0, reg-io-width 1,
 * clock-frequency 1843200; earlycon "uart8250,mmio" or via stdout-path).
 *
 * The eight registers sit at offsets 0..7 of the device's window; the window
 * may be larger (reads beyond offset 7 return 0, writes there are ignored).
 * Transmission is instant: THRE and TEMT always read 1 and every THR write
 * goes straight to the host's tx callback. Reception has a real FIFO with
 * back-pressure instead of overruns, see uart16550_rx().
 *
 * Interrupt: one level-sensitive line, high while any enabled source is
 * pending. MCR.OUT2 does not gate it: OUT2 gating is glue logic on the PC
 * board, not part of the 16550, and nothing here has that board.
 *
 * Locking: each UART has its own mutex; every function below and both bus
 * callbacks may be called from any thread (vCPU threads access registers, a
 * console thread feeds input).
 */
struct uart16550;

/* Bytes of receive FIFO when FCR enables FIFOs (1 byte otherwise). */
#define UART16550_FIFO_SIZE 16

/* Smallest window that holds every register. */
#define UART16550_MMIO_SIZE 8

/*
 * What the UART calls back into. Copied by uart16550_new(); any member may
 * be NULL.
 *
 * tx: the guest transmitted buf[0..len). Called on the vCPU thread that
 *     wrote THR, WITH the UART's lock held: it must not call back into this
 *     UART. It may block (a slow terminal), which stalls that vCPU and
 *     anyone waiting for the lock, and it cannot refuse bytes.
 * rx_ready: the receive FIFO drained empty after uart16550_rx() accepted
 *     less than it was offered or uart16550_rx_space() answered false. Called
 *     once however many refusals came before, WITHOUT the lock held, on the
 *     vCPU thread whose register access emptied the FIFO (or left loopback,
 *     or the thread calling uart16550_reset()). It must not block; writing an eventfd that the
 *     console thread polls is the intended use (an eventfd latches, so a
 *     wake-up that races with the console thread going to sleep is not
 *     lost). It may call uart16550_rx().
 * state: LSR or IER took new values (given). Called WITH the lock held,
 *     from whichever thread changed them, before the interrupt line is
 *     updated: a host that mirrors LSR into memory the guest reads without
 *     an exit publishes DR before the guest can take the interrupt. It must
 *     not call back into this UART. Called once at uart16550_new() and at
 *     every reset with the power-on values.
 */
struct uart16550_host {
	void (*tx)(void *ctx, const uint8_t *buf, size_t len);
	void (*rx_ready)(void *ctx);
	void (*state)(void *ctx, uint8_t lsr, uint8_t ier);
	void *ctx;
};

/* LSR and IER bits a host mirroring state cares about. */
#define UART16550_LSR_DR 0x01
#define UART16550_IER_ETBEI 0x02

/* Lifetime counters, for `vmm info`. */
struct uart16550_stats {
	uint64_t tx_bytes;      /* bytes handed to the tx callback */
	uint64_t rx_bytes;      /* bytes accepted by uart16550_rx() */
	uint64_t overruns;      /* characters lost to a full FIFO (loopback only) */
};

/*
 * uart16550_new - a UART in its power-on state. irq is the line to drive
 * (may be NULL for a UART nobody listens to; must outlive the UART); host
 * holds the callbacks (may be NULL: output is discarded). Returns VMM_OK
 * and stores it in *out, or prints "serial port: creating the 16550:
 * CAUSE" (no memory, or the pthread error, also left in errno) and returns
 * VMM_ERR_INTERNAL. The state callback is called once, for the power-on
 * state, before this returns.
 */
int uart16550_new(struct irq_line *irq, const struct uart16550_host *host,
		  struct uart16550 **out);

/*
 * uart16550_free - free u (NULL is fine). The caller guarantees that no
 * other thread is inside or will enter any uart16550 function for u.
 */
void uart16550_free(struct uart16550 *u);

/*
 * uart16550_reset - back to the power-on register state (a guest reboot):
 * FIFO emptied, interrupts disabled, loopback off, the line lowered.
 * Counters and the host callbacks are kept. Thread-safe; may call rx_ready
 * (after dropping the lock) if the host was waiting for space.
 */
void uart16550_reset(struct uart16550 *u);

/*
 * uart16550_rx - the host received buf[0..len) for the guest. Moves as many
 * bytes as fit into the receive FIFO (16 with FIFOs enabled, 1 without,
 * none while the guest has the UART in loopback, whose receiver is then
 * disconnected from the line) and returns that count; the caller keeps the
 * rest and sends it after rx_ready. Never overruns. Raises the interrupt as
 * the guest configured it. Thread-safe.
 */
size_t uart16550_rx(struct uart16550 *u, const uint8_t *buf, size_t len);

/*
 * uart16550_rx_space - whether uart16550_rx() would accept at least one byte
 * now. When it answers false, rx_ready will be called once space appears,
 * so a console thread can stop reading its input until then. Thread-safe.
 */
bool uart16550_rx_space(struct uart16550 *u);

/* uart16550_get_stats - copy the counters into *out. Thread-safe. */
void uart16550_get_stats(struct uart16550 *u, struct uart16550_stats *out);

/*
 * The bus callbacks; the bus_dev's opaque is the struct uart16550 *. Any
 * access length works: a write uses its low byte, a read returns the
 * register in the low byte and zeroes in the rest.
 */
extern const struct bus_dev_ops uart16550_ops;

#endif
