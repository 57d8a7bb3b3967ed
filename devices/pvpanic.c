// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvpanic-mmio: the guest's panic notifier writes one byte here.
 *
 * There is nothing to lock: the register reads as a constant, and a write
 * goes straight to the host's handler on the writing vCPU's thread. The
 * only state is whether unknown bits have been logged, an atomic flag, so
 * that a guest writing garbage in a loop cannot flood the log.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pvpanic.h"
#include "status.h"

struct pvpanic {
	pvpanic_event_fn *event;
	void *ctx;
	atomic_bool unknown_logged;
};

int pvpanic_new(pvpanic_event_fn *event, void *ctx, struct pvpanic **out)
{
	struct pvpanic *p = calloc(1, sizeof(*p));

	if (!p) {
		log_errno("pvpanic: creating it");
		return VMM_ERR_INTERNAL;
	}
	p->event = event;
	p->ctx = ctx;
	*out = p;
	return VMM_OK;
}

void pvpanic_free(struct pvpanic *p)
{
	free(p);
}

static void pvpanic_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	(void)opaque;
	memset(data, 0, len);
	if (offset == 0 && len)
		*(uint8_t *)data = PVPANIC_EVENTS; /* little-endian: the low byte */
}

static void pvpanic_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct pvpanic *p = opaque;
	unsigned int val, events;

	if (offset != 0 || !len)
		return;
	val = *(const uint8_t *)data;
	events = val & PVPANIC_EVENTS;
	/*
	 * Linux never writes bits it did not read as supported; anything
	 * else is a confused or hostile guest. QEMU likewise acts on the
	 * bits it knows and ignores the rest.
	 */
	if ((val & ~PVPANIC_EVENTS) && !atomic_exchange(&p->unknown_logged, true))
		log_warn("pvpanic: guest reported unknown events 0x%02x; ignored",
			 val & ~PVPANIC_EVENTS);
	if (events && p->event)
		p->event(p->ctx, events);
}

const struct bus_dev_ops pvpanic_ops = {
	.read = pvpanic_read,
	.write = pvpanic_write,
};
