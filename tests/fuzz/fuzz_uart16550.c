// SPDX-License-Identifier: GPL-2.0-only
/*
 * UART 16550 (devices/uart16550.c): register streams (fuzz_regs.h), with
 * the host feeding input (host event: up to 31 bytes to uart16550_rx, a
 * uart16550_rx_space query, or a reset). Every callback checks its contract.
 */
#include "fuzz_regs.h"
#include "uart16550.h"

static void tx(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!len || !buf)
		abort();
}

static void rx_ready(void *ctx)
{
	(void)ctx;
}

static void state(void *ctx, uint8_t lsr, uint8_t ier)
{
	(void)ctx, (void)lsr, (void)ier;
}

static void host(void *ctx, struct fz *f)
{
	uint8_t what = fz_u8(f), buf[32];
	size_t n = what & 31;

	switch (what >> 5) {
	case 0:
		uart16550_reset(ctx);
		break;
	case 1:
		uart16550_rx_space(ctx);
		break;
	default:
		fz_bytes(f, buf, n);
		if (uart16550_rx(ctx, buf, n) > n)
			abort();
	}
}

static void irq_set_fn(struct irq_line *line, int level)
{
	line->level = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct uart16550_host h = { tx, rx_ready, state, NULL };
	struct fz f = { data, size };
	struct irq_line irq = { .set = irq_set_fn };
	struct fz_regs r = { &uart16550_ops, NULL, UART16550_MMIO_SIZE, host, NULL };
	struct uart16550 *u = NULL;

	if (uart16550_new(&irq, &h, &u))
		abort();
	r.dev = r.ctx = u;
	fz_regs_run(&r, &f);
	uart16550_free(u);
	return 0;
}
