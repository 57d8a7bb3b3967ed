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
 * can tell us about. It comes back at the first THR write that exits with
 * ETBEI clear (serial_state explains why not sooner).
 *
 * Why LSR still exits: the registers must stay within one 4 KiB page,
 * because earlycon maps just 4 KiB of the UART (drivers/tty/serial/
 * earlycon.c), so LSR cannot be a read-only page of its own.
 *
 * A host without coalesced MMIO only loses speed: THR writes then exit.
 *
 * Threads: the state callback runs under the UART's lock on whichever
 * thread changed IER, serial_write on the vCPU whose THR write exited,
 * both ordering zone changes with zone_lock; replays run on whichever
 * thread drains, serialised by the coalescer. Output written during a
 * replay is collected and written with one write(2) when the drain ends
 * (serial_drained).
 *
 * The port is the device table's uart0 (vmm/devices.h), the first entry:
 * the device tree's stdout-path names it.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "uart16550.h"
#include "vmm/json.h"
#include "vmm/vm.h"

#define UART_THR 0

/* The port's state: the uart0 entry's priv. */
struct vm_serial {
	struct vm_device *dev;  /* its window, d->bus, THR coalescible unless --serial-coalesce off */
	struct uart16550 *uart;
	uint8_t out[4096];      /* output collected during a replay of coalesced writes */
	size_t nout;
	/*
	 * zone_lock orders zone changes between the state callback (under the
	 * UART's lock) and a polled THR write's exit (after it); etbei is IER's
	 * bit as the state callback last saw it, power_on that the next state
	 * is a power-on state (creation, reset).
	 */
	pthread_mutex_t zone_lock;
	bool etbei, power_on;
};

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

	if (write(s->dev->vm->rx_ready_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on overflow, which a latch cannot reach */
	}
}

static void zone_set(struct vm_serial *s, bool on)
{
	int r = bus_coalesce(&s->dev->vm->bus, &s->dev->bus, on);

	if (r == 0 || r == -EOPNOTSUPP)
		return;
	log_warn("serial: %s coalesced THR writes: %s; output takes the slow path",
		 on ? "registering" : "unregistering", strerror(-r));
	s->dev->bus.coalesce_len = 0; /* give up on coalescing for good */
}

/*
 * The UART's LSR or IER changed (UART lock held). ETBEI set: the guest
 * transmits by interrupt, every THR write must exit, the zone goes now.
 * ETBEI clear: the zone comes back only at the next THR write that exits
 * (serial_write), not here: a tty turns ETBEI on and off around every
 * buffer it sends, and each zone change is a KVM io-bus update that waits
 * for an SRCU grace period, with this lock held; a guest that only writes
 * to its tty would pay two of them per buffer for nothing.
 */
static void serial_state(void *ctx, uint8_t lsr, uint8_t ier)
{
	struct vm_serial *s = ctx;

	(void)lsr;
	pthread_mutex_lock(&s->zone_lock);
	s->etbei = ier & UART16550_IER_ETBEI;
	if (s->etbei)
		zone_set(s, false);
	else if (s->power_on)
		zone_set(s, true); /* earlycon's first bytes already coalesced */
	s->power_on = false;
	pthread_mutex_unlock(&s->zone_lock);
}

static void serial_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct vm_device *d = opaque;

	uart16550_ops.read(d->model, offset, data, len);
}

/* A THR write that exited while the guest polls: coalesce the ones that follow. */
static void serial_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct vm_device *d = opaque;
	struct vm_serial *s = d->priv;

	uart16550_ops.write(d->model, offset, data, len);
	if (offset != UART_THR || bus_replaying())
		return;
	pthread_mutex_lock(&s->zone_lock);
	if (!s->etbei && !d->bus.coalescing && d->bus.coalesce_len)
		zone_set(s, true);
	pthread_mutex_unlock(&s->zone_lock);
}

static const struct bus_dev_ops serial_bus_ops = {
	.read = serial_read,
	.write = serial_write,
};

/* A drain that replayed writes ended: what the UART sent goes out in one write. */
static void serial_drained(struct bus_dev *dev)
{
	struct vm_device *d = (struct vm_device *)((char *)dev - offsetof(struct vm_device, bus));
	struct vm_serial *s = d->priv;

	if (s && s->nout)
		out_flush(s);
}

static int serial_create(struct vm_device *d, void *arg)
{
	struct vm_serial *s = calloc(1, sizeof(*s));
	struct uart16550_host host = {
		.tx = serial_tx, .rx_ready = serial_rx_ready, .state = serial_state, .ctx = s,
	};
	int r;

	(void)arg;
	if (!s) {
		log_errno("serial port");
		return VMM_ERR_INTERNAL;
	}
	s->dev = d;
	d->priv = s;
	pthread_mutex_init(&s->zone_lock, NULL);
	s->power_on = true;
	d->bus.drained = serial_drained;
	/* --serial-coalesce off keeps every THR write an exit: for debugging. */
	if (!d->vm->cfg->serial_coalesce_off) {
		d->bus.coalesce_off = UART_THR;
		d->bus.coalesce_len = 1;
	}
	/* The model reports its power-on state now: that maps the zone. */
	r = uart16550_new(&d->irq, &host, &s->uart);
	if (r)
		return r;
	d->model = s->uart;
	return VMM_OK;
}

/* Replay what the guest wrote before anything else touches the port. */
static void serial_drain(struct vm_device *d)
{
	bus_drain(&d->vm->bus);
}

static void serial_reset(struct vm_device *d)
{
	struct vm_serial *s = d->priv;

	serial_drain(d);
	pthread_mutex_lock(&s->zone_lock);
	s->power_on = true;
	pthread_mutex_unlock(&s->zone_lock);
	uart16550_reset(d->model);
}

static void serial_destroy(struct vm_device *d)
{
	struct vm_serial *s = d->priv;

	if (d->model)
		serial_drain(d);
	uart16550_free(d->model);
	d->model = NULL;
	if (s && s->nout)
		out_flush(s);
	if (s)
		pthread_mutex_destroy(&s->zone_lock);
	free(s);
	d->priv = NULL;
}

/* Its counters in `vmm info`'s console object, whichever device the console is. */
static void serial_info(struct vm_device *d, struct json *j)
{
	struct uart16550_stats us;

	uart16550_get_stats(d->model, &us);
	json_uint(j, "tx_bytes", us.tx_bytes);
	json_uint(j, "rx_bytes", us.rx_bytes);
}

static size_t serial_console_rx(struct vm_device *d, const uint8_t *buf, size_t len)
{
	return uart16550_rx(d->model, buf, len);
}

static const struct vm_device_ops serial_ops = {
	.reset = serial_reset,
	.destroy = serial_destroy,
	.info_key = "console",
	.info_members = true,
	.info = serial_info,
	.console = "serial",
	.console_rx = serial_console_rx,
};

static const struct board_desc serial_desc = {
	.name = "uart0",
	.dt = { .kind = DEV_UART16550, .base = LAYOUT_UART, .size = LAYOUT_UART_SIZE,
		.spi = LAYOUT_SPI_UART },
	.bus_ops = &serial_bus_ops,
	.create = serial_create,
};

int serial_add(struct vm *vm)
{
	struct vm_device *d;
	int r = board_wire(vm, &serial_desc, &serial_ops, NULL, &d);

	if (r)
		return r;
	d->bus.opaque = d; /* serial_bus_ops want the entry, not the model; no vCPU runs yet */
	log_info("serial: THR writes %s", d->bus.coalescing ? "coalesced while polled" : "exit");
	return VMM_OK;
}
