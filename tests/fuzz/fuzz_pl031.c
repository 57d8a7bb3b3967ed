// SPDX-License-Identifier: GPL-2.0-only
/*
 * PL031 RTC (devices/pl031.c): register streams (fuzz_regs.h) against a
 * live device (its alarm thread running) with a clock the input moves
 * (host event: a signed 32-bit step, or a jump to any time below 2^40 s).
 */
#include <stdatomic.h>

#include "fuzz_regs.h"
#include "pl031.h"

#define PL031_FUZZ_CLOCK_MAX (1ll << 40)

static _Atomic int64_t now;

static int64_t clock_fn(void *ctx)
{
	(void)ctx;
	return atomic_load(&now);
}

static void host(void *ctx, struct fz *f)
{
	uint8_t what = fz_u8(f);
	int64_t t;


	/* A host clock in seconds: any time in the next 30000 years, never negative. */
	if (what & 1)
		t = (int64_t)(fz_u64(f) % PL031_FUZZ_CLOCK_MAX);
	else
		t = atomic_load(&now) + (int32_t)fz_u32(f);
	atomic_store(&now, t < 0 ? 0 : t % PL031_FUZZ_CLOCK_MAX);
	if (what & 2)
		pl031_reset(ctx);
}

static void irq_set_fn(struct irq_line *line, int level)
{
	line->level = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct irq_line irq = { .set = irq_set_fn };
	struct pl031 *rtc;
	struct fz_regs r = { &pl031_ops, NULL, PL031_MMIO_SIZE, host, NULL };

	atomic_store(&now, 1700000000);
	if (pl031_new(&irq, clock_fn, NULL, &rtc))
		abort();
	r.dev = r.ctx = rtc;
	fz_regs_run(&r, &f);
	pl031_free(rtc);
	return 0;
}
