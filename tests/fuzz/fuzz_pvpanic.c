// SPDX-License-Identifier: GPL-2.0-only
/* pvpanic (devices/pvpanic.c): register streams (fuzz_regs.h). */
#include "fuzz_regs.h"
#include "pvpanic.h"

static void event(void *ctx, unsigned int events)
{
	(void)ctx;
	if (!events || (events & ~PVPANIC_EVENTS))
		abort(); /* the contract: a non-zero subset of what is offered */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct pvpanic *p;
	struct fz_regs r = { &pvpanic_ops, NULL, PVPANIC_MMIO_SIZE, NULL, NULL };

	if (pvpanic_new(event, NULL, &p))
		abort();
	r.dev = p;
	fz_regs_run(&r, &f);
	pvpanic_free(p);
	return 0;
}
