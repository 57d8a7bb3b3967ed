// SPDX-License-Identifier: GPL-2.0-only
/*
 * 16550A UART model (National/TI PC16550D datasheet), as driven by Linux's
 * 8250 driver and earlycon.
 *
 * Simplifications, each invisible to a driver that follows the datasheet:
 *  - The transmitter is infinitely fast, so THR and the TX FIFO are always
 *    empty (LSR.THRE and LSR.TEMT read 1) and each THR write reaches the
 *    host at once.
 *  - The character timeout does not count four character times. Input
 *    arrives in bursts (one uart16550_rx() call); once a burst has ended
 *    below the trigger level nothing more is arriving, so the timeout is
 *    deemed expired at once: IIR reports 0xC whenever the FIFO holds data
 *    below the trigger level. Data never sits in the FIFO unannounced.
 *  - There is no line, so no parity, framing or break errors; the only
 *    error is an overrun, possible only in loopback where the guest feeds
 *    its own receiver. Host input is flow-controlled instead (rx_ready).
 *  - The modem inputs are wired to an ever-ready peer: CTS, DSR and DCD
 *    asserted, RI not, so drivers never wait for flow control.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "status.h"
#include "uart16550.h"

/* Register offsets; DLL and DLM replace RBR/THR and IER while LCR.DLAB. */
#define UART_RBR 0 /* read; THR on write */
#define UART_IER 1
#define UART_IIR 2 /* read; FCR on write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* THR empty */
#define UART_IER_ELSI 0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */
#define UART_IER_MASK 0x0f

/* IIR interrupt identification, from highest priority to lowest. */
#define UART_IIR_RLSI 0x06
#define UART_IIR_RDI 0x04
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_THRI 0x02
#define UART_IIR_MSI 0x00
#define UART_IIR_NO_INT 0x01
#define UART_IIR_FIFOS 0xc0 /* both bits set while FIFOs are enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_DMA 0x08
#define UART_FCR_TRIGGER 0xc0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80
#define UART_MSR_PEER (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)

struct uart16550 {
	pthread_mutex_t lock;
	struct irq_line *irq;
	struct uart16550_host host; /* immutable after uart16550_new() */

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;       /* as last programmed; the guest cannot read it back */
	uint8_t lsr_err;   /* LSR.OE, sticky until LSR is read */
	uint8_t msr_in;    /* CTS/DSR/RI/DCD as last seen, for the delta bits */
	uint8_t msr_delta; /* DCTS/DDSR/TERI/DDCD, sticky until MSR is read */
	bool thri;         /* THR-empty interrupt latched (until IIR read/THR write) */
	bool rx_waiting;   /* the host was refused input and awaits rx_ready */
	bool state_sent;   /* host.state has seen last_lsr/last_ier */
	uint8_t last_lsr, last_ier;

	uint8_t fifo[UART16550_FIFO_SIZE];
	unsigned int head, count;

	struct uart16550_stats stats;
};

static bool uart_fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static unsigned int uart_rx_capacity(const struct uart16550 *u)
{
	return uart_fifo_enabled(u) ? UART16550_FIFO_SIZE : 1;
}

static unsigned int uart_rx_trigger(const struct uart16550 *u)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return level[(u->fcr & UART_FCR_TRIGGER) >> 6];
}

static void uart_rx_push(struct uart16550 *u, uint8_t c)
{
	u->fifo[(u->head + u->count) % UART16550_FIFO_SIZE] = c;
	u->count++;
}

static void uart_rx_clear(struct uart16550 *u)
{
	u->head = 0;
	u->count = 0;
}

/*
 * The modem inputs as the chip sees them: the always-ready peer, or in
 * loopback the MCR outputs wired back as the datasheet specifies
 * (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD).
 */
static uint8_t uart_msr_inputs(const struct uart16550 *u)
{
	uint8_t in = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_PEER;
	if (u->mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

static void uart_update_msr(struct uart16550 *u)
{
	uint8_t in = uart_msr_inputs(u);
	uint8_t changed = in ^ u->msr_in;

	if (changed & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
	/* TERI flags only the trailing edge of RI. */
	if ((changed & UART_MSR_RI) && !(in & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI;
	u->msr_in = in;
}

/* The highest-priority enabled pending source, as IIR bits 3:0. */
static uint8_t uart_iir_id(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_ELSI) && u->lsr_err)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && u->count) {
		if (!uart_fifo_enabled(u) || u->count >= uart_rx_trigger(u))
			return UART_IIR_RDI;
		return UART_IIR_TIMEOUT;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thri)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && u->msr_delta)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static uint8_t uart_lsr(const struct uart16550 *u)
{
	return (u->count ? UART_LSR_DR : 0) | u->lsr_err | UART_LSR_THRE | UART_LSR_TEMT;
}

/* Tell the host about LSR/IER changes first, then move the line. */
static void uart_update_irq(struct uart16550 *u)
{
	uint8_t lsr = uart_lsr(u);

	if (u->host.state && (!u->state_sent || lsr != u->last_lsr || u->ier != u->last_ier)) {
		u->last_lsr = lsr;
		u->last_ier = u->ier;
		u->state_sent = true;
		u->host.state(u->host.ctx, lsr, u->ier);
	}
	irq_set(u->irq, uart_iir_id(u) != UART_IIR_NO_INT);
}

/*
 * Whether to call rx_ready once the lock is dropped: the host is waiting and
 * the FIFO is empty. Waiting for empty rather than for one free byte lets
 * the host refill the whole FIFO per wake-up instead of a byte at a time,
 * while the guest's driver, which reads until LSR.DR clears, is done.
 */
static bool uart_take_rx_ready(struct uart16550 *u)
{
	if (!u->rx_waiting || u->count || (u->mcr & UART_MCR_LOOP))
		return false;
	u->rx_waiting = false;
	return u->host.rx_ready != NULL;
}

static void uart_power_on(struct uart16550 *u)
{
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->scr = 0;
	u->dll = 0;
	u->dlm = 0;
	u->fcr = 0;
	u->lsr_err = 0;
	u->msr_in = UART_MSR_PEER;
	u->msr_delta = 0;
	u->thri = false;
	u->state_sent = false;
	uart_rx_clear(u);
}

/* A character from the guest's own transmitter in loopback. */
static void uart_loop_rx(struct uart16550 *u, uint8_t c)
{
	if (u->count < uart_rx_capacity(u)) {
		uart_rx_push(u, c);
		return;
	}
	u->lsr_err |= UART_LSR_OE;
	u->stats.overruns++;
	/* A full FIFO keeps its contents; a lone holding register is overwritten. */
	if (!uart_fifo_enabled(u))
		u->fifo[u->head] = c;
}

static void uart_write_thr(struct uart16550 *u, uint8_t c)
{
	if (u->mcr & UART_MCR_LOOP) {
		uart_loop_rx(u, c);
	} else {
		if (u->host.tx)
			u->host.tx(u->host.ctx, &c, 1);
		u->stats.tx_bytes++;
	}
	/* The write cleared THRI and the instant transmit set it again. */
	u->thri = true;
}

static void uart_write_fcr(struct uart16550 *u, uint8_t val)
{
	/* Turning the FIFOs on or off empties them. */
	if ((val ^ u->fcr) & UART_FCR_ENABLE)
		uart_rx_clear(u);
	/* With FCR0 clear the other bits are not programmed (datasheet). */
	if (!(val & UART_FCR_ENABLE)) {
		u->fcr &= (uint8_t)~UART_FCR_ENABLE;
		return;
	}
	if (val & UART_FCR_CLEAR_RX)
		uart_rx_clear(u);
	/* FCR2, clear TX FIFO: it is always empty already. */
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

static uint8_t uart_read_reg(struct uart16550 *u, unsigned int reg)
{
	uint8_t val;

	switch (reg) {
	case UART_RBR:
		if (u->lcr & UART_LCR_DLAB)
			return u->dll;
		if (!u->count)
			return 0;
		val = u->fifo[u->head];
		u->head = (u->head + 1) % UART16550_FIFO_SIZE;
		u->count--;
		return val;
	case UART_IER:
		return (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR:
		val = uart_iir_id(u);
		/* Reading IIR acknowledges THRI, and only when it is the one reported. */
		if (val == UART_IIR_THRI)
			u->thri = false;
		return val | (uart_fifo_enabled(u) ? UART_IIR_FIFOS : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = uart_lsr(u);
		u->lsr_err = 0;
		return val;
	case UART_MSR:
		val = u->msr_in | u->msr_delta;
		u->msr_delta = 0;
		return val;
	default: /* UART_SCR */
		return u->scr;
	}
}

static void uart_write_reg(struct uart16550 *u, unsigned int reg, uint8_t val)
{
	uint8_t old;

	switch (reg) {
	case UART_RBR:
		if (u->lcr & UART_LCR_DLAB)
			u->dll = val;
		else
			uart_write_thr(u, val);
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = val;
			break;
		}
		old = u->ier;
		u->ier = val & UART_IER_MASK;
		/*
		 * Enabling ETBEI while THR is empty (always, here) raises THRI:
		 * Linux's startup test for buggy UARTs relies on it.
		 */
		if (!(old & UART_IER_ETBEI) && (u->ier & UART_IER_ETBEI))
			u->thri = true;
		break;
	case UART_IIR:
		uart_write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & UART_MCR_MASK;
		uart_update_msr(u);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR writes are factory test modes; ignore them. */
		break;
	}
}

static void uart16550_mmio_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct uart16550 *u = opaque;
	uint8_t val = 0;
	bool notify = false;

	if (offset <= UART_SCR) {
		pthread_mutex_lock(&u->lock);
		val = uart_read_reg(u, (unsigned int)offset);
		uart_update_irq(u);
		notify = uart_take_rx_ready(u);
		pthread_mutex_unlock(&u->lock);
	}
	if (notify)
		u->host.rx_ready(u->host.ctx);
	if (len) {
		memset(data, 0, len);
		*(uint8_t *)data = val;
	}
}

static void uart16550_mmio_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct uart16550 *u = opaque;
	bool notify;

	if (offset > UART_SCR || !len)
		return;
	pthread_mutex_lock(&u->lock);
	uart_write_reg(u, (unsigned int)offset, *(const uint8_t *)data);
	uart_update_irq(u);
	notify = uart_take_rx_ready(u);
	pthread_mutex_unlock(&u->lock);
	if (notify)
		u->host.rx_ready(u->host.ctx);
}

const struct bus_dev_ops uart16550_ops = {
	.read = uart16550_mmio_read,
	.write = uart16550_mmio_write,
};

int uart16550_new(struct irq_line *irq, const struct uart16550_host *host,
		  struct uart16550 **out)
{
	struct uart16550 *u = calloc(1, sizeof(*u));
	int rc;

	if (!u) {
		rc = errno;
		goto fail;
	}
	rc = pthread_mutex_init(&u->lock, NULL);
	if (rc) {
		free(u);
		goto fail;
	}
	u->irq = irq;
	if (host)
		u->host = *host;
	uart_power_on(u);
	uart_update_irq(u);
	*out = u;
	return VMM_OK;
fail:
	errno = rc;
	log_errno("serial port: creating the 16550");
	errno = rc; /* for the caller that wants the cause, as tests do */
	return VMM_ERR_INTERNAL;
}

void uart16550_free(struct uart16550 *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

void uart16550_reset(struct uart16550 *u)
{
	bool notify;

	pthread_mutex_lock(&u->lock);
	uart_power_on(u);
	uart_update_irq(u);
	notify = uart_take_rx_ready(u);
	pthread_mutex_unlock(&u->lock);
	if (notify)
		u->host.rx_ready(u->host.ctx);
}

size_t uart16550_rx(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	if (!(u->mcr & UART_MCR_LOOP)) {
		while (n < len && u->count < uart_rx_capacity(u))
			uart_rx_push(u, buf[n++]);
	}
	u->stats.rx_bytes += n;
	if (n < len)
		u->rx_waiting = true;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

bool uart16550_rx_space(struct uart16550 *u)
{
	bool space;

	pthread_mutex_lock(&u->lock);
	space = !(u->mcr & UART_MCR_LOOP) && u->count < uart_rx_capacity(u);
	if (!space)
		u->rx_waiting = true;
	pthread_mutex_unlock(&u->lock);
	return space;
}

void uart16550_get_stats(struct uart16550 *u, struct uart16550_stats *out)
{
	pthread_mutex_lock(&u->lock);
	*out = u->stats;
	pthread_mutex_unlock(&u->lock);
}
