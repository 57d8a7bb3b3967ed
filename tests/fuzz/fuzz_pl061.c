// SPDX-License-Identifier: GPL-2.0-only
/*
 * PL061 GPIO (devices/pl061.c): register streams (fuzz_regs.h) against a
 * live device (its pulse thread running), with the host driving lines
 * (host event: set a line's level, pulse it for 0-3 ms, or reset).
 */
#include "fuzz_regs.h"
#include "pl061.h"

static void host(void *ctx, struct fz *f)
{
	uint8_t what = fz_u8(f), line = fz_u8(f);

	switch (what % 3) {
	case 0:
		pl061_set_input(ctx, line % (PL061_NR_LINES + 1), what & 8);
		break;
	case 1:
		pl061_pulse(ctx, line % (PL061_NR_LINES + 1), (what >> 4) & 3);
		break;
	default:
		pl061_reset(ctx);
	}
}

static void irq_set_fn(struct irq_line *line, int level)
{
	line->level = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct irq_line irq = { .set = irq_set_fn };
	struct pl061 *gpio;
	struct fz_regs r = { &pl061_ops, NULL, PL061_MMIO_SIZE, host, NULL };

	if (pl061_new(&irq, &gpio))
		abort();
	r.dev = r.ctx = gpio;
	fz_regs_run(&r, &f);
	pl061_free(gpio);
	return 0;
}
