// SPDX-License-Identifier: GPL-2.0-only
/*
 * The serial console's fast path.
 *
 * Every access to an emulated UART register is a trip from the guest to
 * this process; a kernel printing its boot log polls LSR and writes THR for
 * every character, two trips per byte. THR writes may be coalesced (the
 * bus region declares THR as coalescible, include/bus.h; arm64/ turns that
 * into a KVM coalesced MMIO zone) while the guest transmits by polling
 * (IER.ETBEI clear: printk, earlycon), which halves the trips. The bus
 * replays coalesced writes in order before any other MMIO exit is handled
 * (so a later register access never overtakes an earlier write), when the
 * ring fills, every SERIAL_FLUSH_MS from the main loop, and at the end.
 * While the guest transmits by THR-empty interrupts (a tty write), the zone
 * is taken away: the interrupt must follow each write, which only an exit
 * can tell us about.
 *
 * Why LSR still exits: the registers must stay within one 4 KiB page,
 * because earlycon maps just 4 KiB of the UART (drivers/tty/serial/
 * earlycon.c), so LSR cannot be a read-only page of its own.
 *
 * A host without coalesced MMIO only loses speed: THR writes then exit.
 *
 * Threads: the state callback runs under the UART's lock on whichever
 * thread changed IER; replays run on whichever thread drains, serialised
 * by the coalescer. Output written during a replay is collected and written
 * with one write(2) when the drain ends (serial_drained).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "uart16550.h"
#include "vmm/vm.h"

#define UART_THR 0

static void out_flush(struct vm_serial *s)
{
	console_write(s->out, s->nout);
	s->nout = 0;
}

/* UART transmit: batched while replaying the ring, else straight out. */
static void serial_tx(void *ctx, const uint8_t *buf, size_t len)
{
	struct vm_serial *s = ctx;

	if (!bus_replaying()) {
		console_write(buf, len);
		return;
	}
	if (s->nout + len > sizeof(s->out))
		out_flush(s);
	memcpy(s->out + s->nout, buf, len);
	s->nout += len;
}

static void serial_rx_ready(void *ctx)
{
	struct vm_serial *s = ctx;
	uint64_t one = 1;

	if (write(s->vm->rx_ready_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on overflow, which a latch cannot reach */
	}
}

static void zone_set(struct vm_serial *s, bool on)
{
	int r = bus_coalesce(&s->vm->bus, &s->bus, on);

	if (r == 0 || r == -EOPNOTSUPP)
		return;
	log_warn("serial: %s coalesced THR writes: %s; output takes the slow path",
		 on ? "registering" : "unregistering", strerror(-r));
	s->bus.coalesce_len = 0; /* give up on coalescing for good */
}

/* The UART's LSR or IER changed (UART lock held): follow ETBEI. */
static void serial_state(void *ctx, uint8_t lsr, uint8_t ier)
{
	struct vm_serial *s = ctx;

	(void)lsr;
	zone_set(s, !(ier & UART16550_IER_ETBEI));
}

/* A drain that replayed writes ended: what the UART sent goes out in one write. */
static void serial_drained(struct bus_dev *dev)
{
	struct vm_serial *s = (struct vm_serial *)((char *)dev - offsetof(struct vm_serial, bus));

	if (s->nout)
		out_flush(s);
}

void serial_drain(struct vm_serial *s)
{
	if (s->vm)
		bus_drain(&s->vm->bus);
}

int serial_create(struct vm *vm, struct vm_serial *s, struct irq_line *irq)
{
	struct uart16550_host host = {
		.tx = serial_tx, .rx_ready = serial_rx_ready, .state = serial_state, .ctx = s,
	};

	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->base = LAYOUT_UART;
	s->size = LAYOUT_UART_SIZE;
	s->bus.name = "uart0";
	s->bus.base = s->base;
	s->bus.size = s->size;
	s->bus.ops = &uart16550_ops;
	s->bus.drained = serial_drained;
	/*
	 * Opt-in for now: with the zone toggled on IER writes, a guest powering
	 * off while its tty was transmitting by interrupt was once seen to hang
	 * (6.12 nVHE host); until that is understood, exits per byte are the
	 * default and VMM_SERIAL_COALESCE=1 turns the fast path on.
	 */
	if (getenv("VMM_SERIAL_COALESCE")) {
		s->bus.coalesce_off = UART_THR;
		s->bus.coalesce_len = 1;
	}
	/* The model reports its power-on state now: that maps the zone. */
	s->uart = uart16550_new(irq, &host);
	if (!s->uart) {
		log_errno("serial port: creating the 16550");
		return VMM_ERR_INTERNAL;
	}
	s->bus.opaque = s->uart;
	if (bus_add(&vm->bus, &s->bus)) {
		log_error("serial port: its window overlaps another device");
		return VMM_ERR_INTERNAL;
	}
	log_info("serial: THR writes %s", s->bus.coalescing ? "coalesced while polled" : "exit");
	return 0;
}

void serial_destroy(struct vm_serial *s)
{
	if (!s->vm)
		return;
	serial_drain(s);
	uart16550_free(s->uart);
	s->uart = NULL;
	s->vm = NULL;
}
