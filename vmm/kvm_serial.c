// SPDX-License-Identifier: GPL-2.0-only
/*
 * The serial console's fast path.
 *
 * Every access to an emulated UART register is a trip from the guest to
 * this process; a kernel printing its boot log polls LSR and writes THR for
 * every character, two trips per byte. THR writes are coalesced by KVM into
 * a ring while the guest transmits by polling (IER.ETBEI clear: printk,
 * earlycon), which halves the trips. The ring is drained, in order, before
 * any other MMIO exit is handled (so a later register access never
 * overtakes an earlier write), when it fills, every SERIAL_FLUSH_MS from the
 * main loop, and at the end. While the guest transmits by THR-empty
 * interrupts (a tty write), the zone is taken away: the interrupt must
 * follow each write, which only an exit can tell us about.
 *
 * Why LSR still exits: the registers must stay within one 4 KiB page,
 * because earlycon maps just 4 KiB of the UART (drivers/tty/serial/
 * earlycon.c), so LSR cannot be a read-only page of its own.
 *
 * A host without coalesced MMIO only loses speed: THR writes then exit.
 *
 * Threads: the state callback runs under the UART's lock on whichever
 * thread changed IER; serial_drain() runs on any thread and serialises on
 * drain_lock. Output written during a drain is collected and written with
 * one write(2).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "uart16550.h"
#include "vmm/vm.h"

#define UART_THR 0

static __thread bool in_drain; /* this thread is replaying the ring */

static void out_flush(struct vm_serial *s)
{
	console_write(s->out, s->nout);
	s->nout = 0;
}

/* UART transmit: batched while replaying the ring, else straight out. */
static void serial_tx(void *ctx, const uint8_t *buf, size_t len)
{
	struct vm_serial *s = ctx;

	if (!in_drain) {
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
	struct kvm_coalesced_mmio_zone zone = { .addr = s->base + UART_THR, .size = 1 };

	if (on == s->coalescing)
		return;
	if (ioctl(s->vm->kvm.fd, on ? KVM_REGISTER_COALESCED_MMIO : KVM_UNREGISTER_COALESCED_MMIO,
		  &zone) < 0) {
		log_warn("serial: %s coalesced THR writes: %s; output takes the slow path",
			 on ? "registering" : "unregistering", strerror(errno));
		s->ring = NULL; /* give up on coalescing for good */
		return;
	}
	s->coalescing = on;
}

/* The UART's LSR or IER changed (UART lock held): follow ETBEI. */
static void serial_state(void *ctx, uint8_t lsr, uint8_t ier)
{
	struct vm_serial *s = ctx;

	(void)lsr;
	if (s->ring)
		zone_set(s, !(ier & UART16550_IER_ETBEI));
}

void serial_drain(struct vm_serial *s)
{
	struct kvm_coalesced_mmio_ring *ring = s->ring;
	uint32_t first, last;

	if (!ring)
		return;
	if (__atomic_load_n(&ring->first, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&s->drain_lock);
	in_drain = true;
	first = ring->first;
	last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	while (first != last) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first % s->ring_max];

		if (e->len && e->len <= 8)
			bus_access(&s->vm->bus, e->phys_addr, e->data, e->len, true);
		first = (first + 1) % s->ring_max;
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
		if (first == last)
			last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	}
	if (s->nout)
		out_flush(s);
	in_drain = false;
	pthread_mutex_unlock(&s->drain_lock);
}

int serial_create(struct vm *vm, struct vm_serial *s, struct irq_line *irq)
{
	struct uart16550_host host = {
		.tx = serial_tx, .rx_ready = serial_rx_ready, .state = serial_state, .ctx = s,
	};
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int off;

	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->base = LAYOUT_UART;
	s->size = LAYOUT_UART_SIZE;
	pthread_mutex_init(&s->drain_lock, NULL);
	/*
	 * Opt-in for now: with the zone toggled on IER writes, a guest powering
	 * off while its tty was transmitting by interrupt was once seen to hang
	 * (6.12 nVHE host); until that is understood, exits per byte are the
	 * default and VMM_SERIAL_COALESCE=1 turns the fast path on.
	 */
	off = ioctl(vm->kvm.fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	if (off > 0 && vm->nvcpus && getenv("VMM_SERIAL_COALESCE")) {
		s->ring = (void *)((uint8_t *)vm->vcpus[0].cpu.run + (size_t)off * page);
		s->ring_max = (uint32_t)((page - sizeof(*s->ring)) / sizeof(s->ring->coalesced_mmio[0]));
	}
	/* The model reports its power-on state now: that maps the zone. */
	s->uart = uart16550_new(irq, &host);
	if (!s->uart) {
		log_errno("serial port: creating the 16550");
		return VMM_ERR_INTERNAL;
	}
	s->bus.name = "uart0";
	s->bus.base = s->base;
	s->bus.size = s->size;
	s->bus.ops = &uart16550_ops;
	s->bus.opaque = s->uart;
	if (bus_add(&vm->bus, &s->bus)) {
		log_error("serial port: its window overlaps another device");
		return VMM_ERR_INTERNAL;
	}
	log_info("serial: THR writes %s", s->coalescing ? "coalesced while polled" : "exit");
	return 0;
}

void serial_destroy(struct vm_serial *s)
{
	if (!s->vm)
		return;
	serial_drain(s);
	uart16550_free(s->uart);
	s->uart = NULL;
	s->ring = NULL;
	pthread_mutex_destroy(&s->drain_lock);
	s->vm = NULL;
}
