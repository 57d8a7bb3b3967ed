// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the 16550A UART model, driven through its bus callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "uart16550.h"
#include "fault.h"

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define DLL RBR
#define DLM IER
#define THR RBR
#define FCR IIR

/* Records every level the UART sets, in order. */
struct fake_irq {
	struct irq_line line;
	int calls;
	int levels[4096];
};

static void fake_irq_set(struct irq_line *line, int level)
{
	struct fake_irq *f = (struct fake_irq *)line;

	if (f->calls < (int)(sizeof(f->levels) / sizeof(f->levels[0])))
		f->levels[f->calls] = level;
	f->calls++;
	line->level = level;
}

struct fixture {
	struct fake_irq irq;
	struct uart16550 *u;
	uint8_t tx[256];
	size_t ntx;
	int rx_ready_calls;
};

static void fx_tx(void *ctx, const uint8_t *buf, size_t len)
{
	struct fixture *fx = ctx;

	assert_true(fx->ntx + len <= sizeof(fx->tx));
	memcpy(fx->tx + fx->ntx, buf, len);
	fx->ntx += len;
}

static void fx_rx_ready(void *ctx)
{
	struct fixture *fx = ctx;

	fx->rx_ready_calls++;
}

static int setup(void **state)
{
	static struct fixture fx;
	struct uart16550_host host = { .tx = fx_tx, .rx_ready = fx_rx_ready, .ctx = &fx };

	memset(&fx, 0, sizeof(fx));
	fx.irq.line.set = fake_irq_set;
	if (uart16550_new(&fx.irq.line, &host, &fx.u))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	uart16550_free(fx->u);
	return 0;
}

static uint8_t rd(struct fixture *fx, uint64_t off)
{
	uint8_t v = 0xaa;

	uart16550_ops.read(fx->u, off, &v, 1);
	return v;
}

static void wr(struct fixture *fx, uint64_t off, uint8_t v)
{
	uart16550_ops.write(fx->u, off, &v, 1);
}

static int irq_level(struct fixture *fx)
{
	assert_true(fx->irq.calls > 0);
	return fx->irq.line.level;
}

static void push(struct fixture *fx, const char *s, size_t expect)
{
	assert_int_equal(uart16550_rx(fx->u, (const uint8_t *)s, strlen(s)), expect);
}

static void test_reset_values(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(rd(fx, IER), 0x00);
	assert_int_equal(rd(fx, IIR), 0x01);
	assert_int_equal(rd(fx, LCR), 0x00);
	assert_int_equal(rd(fx, MCR), 0x00);
	assert_int_equal(rd(fx, LSR), 0x60);
	assert_int_equal(rd(fx, MSR), 0xb0);
	assert_int_equal(rd(fx, SCR), 0x00);
	assert_int_equal(rd(fx, RBR), 0x00);
	assert_int_equal(irq_level(fx), 0);
}

static void test_reset_restores_power_on(void **state)
{
	struct fixture *fx = *state;
	struct uart16550_stats st;

	wr(fx, FCR, 0xc1);
	wr(fx, IER, 0x0f);
	wr(fx, MCR, 0x1f);
	wr(fx, SCR, 0x5a);
	wr(fx, THR, 'x');
	wr(fx, LCR, 0x83);
	wr(fx, DLL, 1);
	push(fx, "ab", 0); /* loopback: held back, host now waiting */
	assert_int_equal(irq_level(fx), 1);

	uart16550_reset(fx->u);
	assert_int_equal(irq_level(fx), 0);
	assert_int_equal(fx->rx_ready_calls, 1);
	assert_int_equal(rd(fx, LCR), 0x00);
	assert_int_equal(rd(fx, DLL), 0x00); /* RBR of an empty FIFO */
	assert_int_equal(rd(fx, IER), 0x00);
	assert_int_equal(rd(fx, IIR), 0x01);
	assert_int_equal(rd(fx, MCR), 0x00);
	assert_int_equal(rd(fx, LSR), 0x60);
	assert_int_equal(rd(fx, MSR), 0xb0);
	assert_int_equal(rd(fx, SCR), 0x00);
	/* Counters survive: the loopback byte was never transmitted. */
	uart16550_get_stats(fx->u, &st);
	assert_int_equal(st.tx_bytes, 0);
	push(fx, "ab", 1);
}

static void test_dlab(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IER, 0x05);
	wr(fx, LCR, 0x83);
	wr(fx, DLL, 0x0c);
	wr(fx, DLM, 0x01);
	assert_int_equal(rd(fx, DLL), 0x0c);
	assert_int_equal(rd(fx, DLM), 0x01);
	assert_int_equal(rd(fx, LCR), 0x83);
	assert_int_equal(fx->ntx, 0); /* a DLL write is not a THR write */

	wr(fx, LCR, 0x03);
	assert_int_equal(rd(fx, IER), 0x05);
	wr(fx, THR, 'A');
	assert_int_equal(fx->ntx, 1);
	wr(fx, LCR, 0x83);
	assert_int_equal(rd(fx, DLL), 0x0c);
	assert_int_equal(rd(fx, DLM), 0x01);
}

static void test_register_masks_and_scratch(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IER, 0xff);
	assert_int_equal(rd(fx, IER), 0x0f);
	wr(fx, MCR, 0xff);
	assert_int_equal(rd(fx, MCR), 0x1f);
	wr(fx, SCR, 0xa5);
	assert_int_equal(rd(fx, SCR), 0xa5);
	/* LSR and MSR are not writable. */
	wr(fx, MCR, 0);
	wr(fx, LSR, 0xff);
	wr(fx, MSR, 0xff);
	assert_int_equal(rd(fx, MSR) & 0xf0, 0xb0);
	assert_int_equal(rd(fx, LSR), 0x60);
}

static void test_tx_exact_bytes(void **state)
{
	struct fixture *fx = *state;
	const char msg[] = "hello\r\n\x00\xff";
	struct uart16550_stats st;

	for (size_t i = 0; i < sizeof(msg) - 1; i++)
		wr(fx, THR, (uint8_t)msg[i]);
	assert_int_equal(fx->ntx, sizeof(msg) - 1);
	assert_memory_equal(fx->tx, msg, sizeof(msg) - 1);
	uart16550_get_stats(fx->u, &st);
	assert_int_equal(st.tx_bytes, sizeof(msg) - 1);
	assert_int_equal(st.rx_bytes, 0);
	assert_int_equal(st.overruns, 0);
	/* Transmit is instant: the earlycon poll on THRE|TEMT never waits. */
	assert_int_equal(rd(fx, LSR) & 0x60, 0x60);
}

static void test_loopback(void **state)
{
	struct fixture *fx = *state;

	wr(fx, FCR, 0x01);
	rd(fx, MSR);
	/* Linux's autoconfig check: LOOP|OUT2|RTS must read back DCD|CTS. */
	wr(fx, MCR, 0x1a);
	assert_int_equal(rd(fx, MSR) & 0xf0, 0x90);
	wr(fx, MCR, 0x1f);
	assert_int_equal(rd(fx, MSR) & 0xf0, 0xf0);

	wr(fx, THR, 'q');
	wr(fx, THR, 'r');
	assert_int_equal(fx->ntx, 0);
	assert_int_equal(rd(fx, LSR) & 0x01, 0x01);
	assert_int_equal(rd(fx, RBR), 'q');
	assert_int_equal(rd(fx, RBR), 'r');
	assert_int_equal(rd(fx, LSR) & 0x01, 0x00);

	wr(fx, MCR, 0x00);
	wr(fx, THR, 's');
	assert_int_equal(fx->ntx, 1);
	assert_int_equal(fx->tx[0], 's');
	assert_int_equal(rd(fx, LSR) & 0x01, 0x00);
}

static void test_msr_deltas(void **state)
{
	struct fixture *fx = *state;

	/* Loopback with every output low: CTS, DSR and DCD fall. */
	wr(fx, MCR, 0x10);
	assert_int_equal(rd(fx, MSR), 0x0b);
	assert_int_equal(rd(fx, MSR), 0x00);
	/* RI rising is no event; its trailing edge is (TERI). */
	wr(fx, MCR, 0x14);
	assert_int_equal(rd(fx, MSR), 0x40);
	wr(fx, MCR, 0x10);
	assert_int_equal(rd(fx, MSR), 0x04);
	/* DTR alone toggles DSR only. */
	wr(fx, MCR, 0x11);
	assert_int_equal(rd(fx, MSR), 0x22);
	/* Leaving loopback reconnects the ever-ready peer. */
	wr(fx, MCR, 0x00);
	assert_int_equal(rd(fx, MSR), 0xb9);
	assert_int_equal(rd(fx, MSR), 0xb0);
}

static void test_msr_interrupt(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IER, 0x08);
	assert_int_equal(irq_level(fx), 0);
	wr(fx, MCR, 0x10);
	assert_int_equal(irq_level(fx), 1);
	assert_int_equal(rd(fx, IIR), 0x00);
	assert_int_equal(irq_level(fx), 1); /* reading IIR does not clear MSI */
	rd(fx, MSR);
	assert_int_equal(irq_level(fx), 0);
	assert_int_equal(rd(fx, IIR), 0x01);
}

static void test_out2_does_not_gate(void **state)
{
	struct fixture *fx = *state;

	wr(fx, MCR, 0x00);
	wr(fx, IER, 0x01);
	push(fx, "z", 1);
	assert_int_equal(irq_level(fx), 1);
	wr(fx, MCR, 0x08);
	assert_int_equal(irq_level(fx), 1);
}

static void test_fifo_fill_and_short_rx(void **state)
{
	struct fixture *fx = *state;
	struct uart16550_stats st;
	char buf[21];

	wr(fx, FCR, 0x01);
	assert_int_equal(rd(fx, IIR), 0xc1);
	assert_true(uart16550_rx_space(fx->u));
	push(fx, "0123456789abcdefghij", 16);
	assert_false(uart16550_rx_space(fx->u));
	push(fx, "ghij", 0);
	assert_int_equal(fx->rx_ready_calls, 0);

	for (int i = 0; i < 16; i++) {
		assert_int_equal(rd(fx, LSR) & 0x03, 0x01); /* DR, never OE */
		buf[i] = (char)rd(fx, RBR);
		/* Only an empty FIFO wakes the host, once. */
		assert_int_equal(fx->rx_ready_calls, i == 15 ? 1 : 0);
	}
	assert_memory_equal(buf, "0123456789abcdef", 16);
	assert_int_equal(rd(fx, LSR), 0x60);
	rd(fx, LSR);
	assert_int_equal(fx->rx_ready_calls, 1);

	uart16550_get_stats(fx->u, &st);
	assert_int_equal(st.rx_bytes, 16);
	assert_int_equal(st.overruns, 0);
}

static void test_no_fifo_holds_one_byte(void **state)
{
	struct fixture *fx = *state;

	push(fx, "xy", 1);
	assert_false(uart16550_rx_space(fx->u));
	assert_int_equal(rd(fx, RBR), 'x');
	assert_int_equal(fx->rx_ready_calls, 1);
	assert_true(uart16550_rx_space(fx->u));
	push(fx, "y", 1);
	assert_int_equal(rd(fx, RBR), 'y');
	/* Nobody was refused this time: no wake-up. */
	assert_int_equal(fx->rx_ready_calls, 1);
}

static void test_rx_ready_not_spurious(void **state)
{
	struct fixture *fx = *state;

	wr(fx, FCR, 0x01);
	push(fx, "abc", 3);
	for (int i = 0; i < 3; i++)
		rd(fx, RBR);
	assert_int_equal(fx->rx_ready_calls, 0);
}

static void test_fcr_clear_and_toggle_wake_host(void **state)
{
	struct fixture *fx = *state;
	char full[UART16550_FIFO_SIZE + 2];

	memset(full, 'f', sizeof(full) - 1);
	full[sizeof(full) - 1] = 0;
	wr(fx, FCR, 0x01);
	push(fx, full, UART16550_FIFO_SIZE);
	wr(fx, FCR, 0x03); /* clear RX */
	assert_int_equal(rd(fx, LSR) & 0x01, 0);
	assert_int_equal(fx->rx_ready_calls, 1);

	push(fx, full, UART16550_FIFO_SIZE);
	wr(fx, FCR, 0x00); /* disabling FIFOs empties them */
	assert_int_equal(rd(fx, LSR) & 0x01, 0);
	assert_int_equal(rd(fx, IIR), 0x01);
	assert_int_equal(fx->rx_ready_calls, 2);

	push(fx, "ab", 1);
	wr(fx, FCR, 0x01); /* enabling them does too */
	assert_int_equal(rd(fx, LSR) & 0x01, 0);
	assert_int_equal(fx->rx_ready_calls, 3);
	wr(fx, FCR, 0x05); /* clear TX: nothing to clear, nothing changes */
	assert_int_equal(rd(fx, LSR), 0x60);
}

static void test_fcr0_clear_disables(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IER, 0x01);
	wr(fx, FCR, 0x81); /* trigger 8 */
	push(fx, "a", 1);
	assert_int_equal(rd(fx, IIR), 0xcc);
	/* FCR0 clear turns the FIFOs off whatever the other bits say. */
	wr(fx, FCR, 0xc6);
	assert_int_equal(rd(fx, IIR), 0x01);
	push(fx, "ab", 1);
	assert_int_equal(rd(fx, IIR), 0x04);
	wr(fx, FCR, 0x01); /* back on, with trigger 1 */
	push(fx, "a", 1);
	assert_int_equal(rd(fx, IIR), 0xc4);
}

static void test_trigger_levels(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		uint8_t fcr;
		size_t level;
	} t[] = { { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 } };
	const char *data = "ABCDEFGHIJKLMNOP";

	wr(fx, IER, 0x01);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		wr(fx, FCR, t[i].fcr | 0x02);
		assert_int_equal(rd(fx, IIR), 0xc1);
		assert_int_equal(irq_level(fx), 0);
		if (t[i].level > 1) {
			assert_int_equal(uart16550_rx(fx->u, (const uint8_t *)data, t[i].level - 1),
					 t[i].level - 1);
			/* Below the trigger: the (simplified) character timeout. */
			assert_int_equal(rd(fx, IIR), 0xcc);
			assert_int_equal(irq_level(fx), 1);
		}
		assert_int_equal(uart16550_rx(fx->u, (const uint8_t *)data, 1), 1);
		assert_int_equal(rd(fx, IIR), 0xc4);
		assert_int_equal(irq_level(fx), 1);
		/* Reading one byte drops below the trigger again. */
		rd(fx, RBR);
		assert_int_equal(rd(fx, IIR), t[i].level > 1 ? 0xcc : 0xc1);
	}
}

static void test_rda_without_fifo(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IER, 0x01);
	push(fx, "k", 1);
	assert_int_equal(rd(fx, IIR), 0x04); /* no timeout id in 16450 mode */
	assert_int_equal(irq_level(fx), 1);
	assert_int_equal(rd(fx, RBR), 'k');
	assert_int_equal(rd(fx, IIR), 0x01);
	assert_int_equal(irq_level(fx), 0);
}

static void test_erbfi_off_no_irq(void **state)
{
	struct fixture *fx = *state;

	push(fx, "k", 1);
	assert_int_equal(irq_level(fx), 0);
	assert_int_equal(rd(fx, IIR), 0x01);
	assert_int_equal(rd(fx, LSR) & 0x01, 0x01);
	wr(fx, IER, 0x01);
	assert_int_equal(irq_level(fx), 1);
}

static void test_iir_priority(void **state)
{
	struct fixture *fx = *state;

	wr(fx, FCR, 0x41); /* trigger 4 */
	wr(fx, MCR, 0x10); /* loopback: MSR deltas pending */
	for (int i = 0; i < UART16550_FIFO_SIZE + 1; i++)
		wr(fx, THR, (uint8_t)i); /* the 17th overruns; THRI latched */
	wr(fx, IER, 0x0f);
	assert_int_equal(irq_level(fx), 1);

	assert_int_equal(rd(fx, IIR), 0xc6); /* RLS */
	assert_int_equal(rd(fx, LSR), 0x63);  /* DR|OE, cleared by this read */
	assert_int_equal(rd(fx, IIR), 0xc4); /* RDA */
	for (int i = 0; i < UART16550_FIFO_SIZE - 1; i++)
		assert_int_equal(rd(fx, RBR), i);
	assert_int_equal(rd(fx, IIR), 0xcc); /* timeout: one byte left */
	assert_int_equal(rd(fx, RBR), UART16550_FIFO_SIZE - 1);
	assert_int_equal(rd(fx, IIR), 0xc2); /* THRI, acknowledged by this read */
	assert_int_equal(rd(fx, IIR), 0xc0); /* MSI */
	assert_int_equal(irq_level(fx), 1);
	rd(fx, MSR);
	assert_int_equal(rd(fx, IIR), 0xc1);
	assert_int_equal(irq_level(fx), 0);
}

static void test_overrun_without_fifo(void **state)
{
	struct fixture *fx = *state;
	struct uart16550_stats st;

	wr(fx, MCR, 0x10);
	wr(fx, IER, 0x04);
	wr(fx, THR, 'a');
	assert_int_equal(irq_level(fx), 0);
	wr(fx, THR, 'b'); /* the holding register is overwritten */
	assert_int_equal(irq_level(fx), 1);
	assert_int_equal(rd(fx, IIR), 0x06);
	assert_int_equal(rd(fx, LSR), 0x63);
	assert_int_equal(irq_level(fx), 0);
	assert_int_equal(rd(fx, LSR), 0x61);
	assert_int_equal(rd(fx, RBR), 'b');
	uart16550_get_stats(fx->u, &st);
	assert_int_equal(st.overruns, 1);
	assert_int_equal(st.tx_bytes, 0);
}

/* The order in which Linux's 8250 driver exercises THRI. */
static void test_thri_linux_sequence(void **state)
{
	struct fixture *fx = *state;

	wr(fx, IER, 0x02);
	assert_int_equal(irq_level(fx), 1);
	assert_int_equal(rd(fx, IIR), 0x02);
	assert_int_equal(irq_level(fx), 0);
	assert_int_equal(rd(fx, IIR), 0x01);

	wr(fx, THR, 'x');
	assert_int_equal(irq_level(fx), 1);
	assert_int_equal(rd(fx, IIR), 0x02);
	assert_int_equal(irq_level(fx), 0);

	/* Serial8250 startup: IER=0 then ETBEI again must re-assert THRI. */
	wr(fx, IER, 0x00);
	wr(fx, IER, 0x02);
	assert_int_equal(irq_level(fx), 1);
	/* stop_tx: ETBEI off drops the line without an IIR read. */
	wr(fx, IER, 0x00);
	assert_int_equal(irq_level(fx), 0);
	/* Rewriting ETBEI while already set is no new event. */
	wr(fx, IER, 0x02);
	rd(fx, IIR);
	wr(fx, IER, 0x02);
	assert_int_equal(irq_level(fx), 0);
	assert_int_equal(rd(fx, IIR), 0x01);
}

static void test_irq_line_calls(void **state)
{
	struct fixture *fx = *state;
	int before;

	wr(fx, IER, 0x01);
	before = fx->irq.calls;
	push(fx, "a", 1);
	assert_int_equal(fx->irq.calls, before + 1);
	assert_int_equal(fx->irq.levels[before], 1);
	rd(fx, RBR);
	assert_int_equal(fx->irq.calls, before + 2);
	assert_int_equal(fx->irq.levels[before + 1], 0);
	/* Every register access recomputes the level. */
	rd(fx, SCR);
	assert_int_equal(fx->irq.calls, before + 3);
	assert_int_equal(fx->irq.levels[before + 2], 0);
}

static void test_loopback_holds_host_input(void **state)
{
	struct fixture *fx = *state;

	wr(fx, MCR, 0x10);
	assert_false(uart16550_rx_space(fx->u));
	push(fx, "abc", 0);
	rd(fx, LSR); /* empty, but the receiver is still off the line */
	assert_int_equal(fx->rx_ready_calls, 0);
	wr(fx, THR, 'L');
	wr(fx, MCR, 0x00); /* FIFO still holds 'L' */
	assert_int_equal(fx->rx_ready_calls, 0);
	assert_int_equal(rd(fx, RBR), 'L');
	assert_int_equal(fx->rx_ready_calls, 1);
	push(fx, "a", 1);
	assert_int_equal(rd(fx, RBR), 'a');
}

static void test_hostile_accesses(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t offs[] = { 8, 9, 0xfff, 0x1000, UINT64_MAX, 1ull << 63 };
	static const uint32_t lens[] = { 0, 1, 2, 4, 8 };
	uint8_t buf[8];

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			memset(buf, 0xee, sizeof(buf));
			uart16550_ops.write(fx->u, offs[i], buf, lens[j]);
			uart16550_ops.read(fx->u, offs[i], buf, lens[j]);
			for (uint32_t k = 0; k < lens[j]; k++)
				assert_int_equal(buf[k], 0);
			for (uint32_t k = lens[j]; k < sizeof(buf); k++)
				assert_int_equal(buf[k], 0xee);
		}
	}
	/* A zero-length access changes nothing. */
	uart16550_ops.write(fx->u, THR, "x", 0);
	uart16550_ops.write(fx->u, SCR, "x", 0);
	assert_int_equal(fx->ntx, 0);
	assert_int_equal(rd(fx, SCR), 0);
	/* Wide accesses use the low byte; odd offsets are just registers. */
	memcpy(buf, "\x5a\x11\x22\x33\x44\x55\x66\x77", 8);
	uart16550_ops.write(fx->u, SCR, buf, 8);
	memset(buf, 0xee, sizeof(buf));
	uart16550_ops.read(fx->u, SCR, buf, 8);
	assert_memory_equal(buf, "\x5a\0\0\0\0\0\0\0", 8);
	uart16550_ops.write(fx->u, IER, "\x0f\xff", 2);
	memset(buf, 0xee, sizeof(buf));
	uart16550_ops.read(fx->u, LSR, buf, 2);
	assert_memory_equal(buf, "\x60\0", 2);
	uart16550_ops.read(fx->u, LCR, buf, 4);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	/* Register state is intact and consistent. */
	assert_int_equal(rd(fx, IER), 0x0f);
	assert_int_equal(rd(fx, IIR), 0x02);
	for (int v = 0; v < 256; v++)
		for (uint64_t o = 0; o < 8; o++)
			wr(fx, o, (uint8_t)v);
	uart16550_reset(fx->u);
	assert_int_equal(rd(fx, LSR), 0x60);
}

static void test_no_host_callbacks(void **state)
{
	struct uart16550 *u = NULL;
	uint8_t v = 'x';

	(void)state;
	assert_int_equal(uart16550_new(NULL, NULL, &u), 0);
	assert_non_null(u);
	uart16550_ops.write(u, THR, &v, 1);
	assert_int_equal(uart16550_rx(u, &v, 1), 1);
	assert_int_equal(uart16550_rx(u, &v, 1), 0);
	uart16550_ops.read(u, RBR, &v, 1);
	assert_int_equal(v, 'x');
	uart16550_reset(u);
	uart16550_free(u);
	uart16550_free(NULL);
}

/*
 * A console thread that blocks on an eventfd, as vmm's console does, feeding
 * a long message while this thread plays a guest draining the FIFO by
 * polling LSR. Every byte must arrive, in order, with no loss.
 */
struct console {
	struct uart16550 *u;
	int efd;
	const uint8_t *msg;
	size_t len;
};

static void console_rx_ready(void *ctx)
{
	struct console *c = ctx;
	uint64_t one = 1;

	assert_int_equal(write(c->efd, &one, sizeof(one)), sizeof(one));
}

static void *console_thread(void *arg)
{
	struct console *c = arg;
	size_t off = 0;

	while (off < c->len) {
		struct pollfd pfd = { .fd = c->efd, .events = POLLIN };
		uint64_t n;

		off += uart16550_rx(c->u, c->msg + off, c->len - off);
		if (off == c->len)
			break;
		if (poll(&pfd, 1, -1) != 1 || read(c->efd, &n, sizeof(n)) != sizeof(n))
			return (void *)1;
	}
	return NULL;
}

static void test_console_thread_backpressure(void **state)
{
	static uint8_t msg[5000], got[5000];
	struct uart16550_host host = { .rx_ready = console_rx_ready };
	struct console c = { .msg = msg, .len = sizeof(msg) };
	pthread_t t;
	size_t n = 0;
	void *ret;
	uint8_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + i / 251);
	c.efd = eventfd(0, EFD_CLOEXEC);
	assert_true(c.efd >= 0);
	host.ctx = &c;
	assert_int_equal(uart16550_new(NULL, &host, &c.u), 0);
	assert_non_null(c.u);
	v = 0x01;
	uart16550_ops.write(c.u, FCR, &v, 1);
	assert_int_equal(pthread_create(&t, NULL, console_thread, &c), 0);
	while (n < sizeof(got)) {
		uart16550_ops.read(c.u, LSR, &v, 1);
		if (v & 0x01)
			uart16550_ops.read(c.u, RBR, &got[n++], 1);
		else
			sched_yield();
	}
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	assert_memory_equal(got, msg, sizeof(msg));
	uart16550_ops.read(c.u, LSR, &v, 1);
	assert_int_equal(v, 0x60);
	uart16550_free(c.u);
	close(c.efd);
}

static void test_new_failures(void **state)
{
	struct uart16550 *u = NULL;

	(void)state;
	fault_check_status(uart16550_new(NULL, NULL, &u), u, fail_mutex_init);
}

/*
 * The state callback: a host mirroring LSR in memory must see each change,
 * and see it before the interrupt line moves (the guest reads LSR in its
 * handler without an exit).
 */
struct state_log {
	struct fake_irq irq; /* first: the irq callback casts the line to this */
	int n;
	uint8_t lsr[64], ier[64];
	int irq_calls_then[64];
};

static void state_cb(void *ctx, uint8_t lsr, uint8_t ier)
{
	struct state_log *l = ctx;

	assert_true(l->n < 64);
	l->lsr[l->n] = lsr;
	l->ier[l->n] = ier;
	l->irq_calls_then[l->n] = l->irq.calls;
	l->n++;
}

static void test_state_callback(void **state)
{
	static struct state_log l;
	struct uart16550_host host = { .state = state_cb, .ctx = &l };
	struct uart16550 *u;
	uint8_t v = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.irq.line.set = fake_irq_set;
	assert_int_equal(uart16550_new(&l.irq.line, &host, &u), 0);
	assert_non_null(u);
	/* Power-on state reported once at creation. */
	assert_int_equal(l.n, 1);
	assert_int_equal(l.lsr[0], 0x60);
	assert_int_equal(l.ier[0], 0x00);

	/* Enabling the receive interrupt: IER reported, LSR unchanged. */
	v = 0x01;
	uart16550_ops.write(u, IER, &v, 1);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ier[1], 0x01);

	/* Data arrives: DR reported before the line goes up. */
	assert_int_equal(uart16550_rx(u, (const uint8_t *)"k", 1), 1);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.lsr[2], 0x61);
	assert_int_equal(l.irq_calls_then[2], l.irq.calls - 1);
	assert_int_equal(l.irq.line.level, 1);

	/* No change, no call: reading SCR reports nothing. */
	uart16550_ops.read(u, SCR, &v, 1);
	assert_int_equal(l.n, 3);

	/* Reading the byte clears DR. */
	uart16550_ops.read(u, RBR, &v, 1);
	assert_int_equal(v, 'k');
	assert_int_equal(l.n, 4);
	assert_int_equal(l.lsr[3], 0x60);

	/* ETBEI on and off: the host sees both (it toggles THR coalescing). */
	v = 0x03;
	uart16550_ops.write(u, IER, &v, 1);
	v = 0x01;
	uart16550_ops.write(u, IER, &v, 1);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.ier[4] & UART16550_IER_ETBEI, UART16550_IER_ETBEI);
	assert_int_equal(l.ier[5] & UART16550_IER_ETBEI, 0);

	/* A reset reports the power-on state again. */
	uart16550_reset(u);
	assert_int_equal(l.n, 7);
	assert_int_equal(l.lsr[6], 0x60);
	assert_int_equal(l.ier[6], 0x00);
	uart16550_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_reset_values),
		T(test_reset_restores_power_on),
		T(test_dlab),
		T(test_register_masks_and_scratch),
		T(test_tx_exact_bytes),
		T(test_loopback),
		T(test_msr_deltas),
		T(test_msr_interrupt),
		T(test_out2_does_not_gate),
		T(test_fifo_fill_and_short_rx),
		T(test_no_fifo_holds_one_byte),
		T(test_rx_ready_not_spurious),
		T(test_fcr_clear_and_toggle_wake_host),
		T(test_fcr0_clear_disables),
		T(test_trigger_levels),
		T(test_rda_without_fifo),
		T(test_erbfi_off_no_irq),
		T(test_iir_priority),
		T(test_overrun_without_fifo),
		T(test_thri_linux_sequence),
		T(test_irq_line_calls),
		T(test_loopback_holds_host_input),
		T(test_hostile_accesses),
		cmocka_unit_test(test_no_host_callbacks),
		cmocka_unit_test(test_console_thread_backpressure),
		cmocka_unit_test(test_new_failures),
		cmocka_unit_test(test_state_callback),
#undef T
	};

	return cmocka_run_group_tests_name("uart16550", tests, NULL, NULL);
}
