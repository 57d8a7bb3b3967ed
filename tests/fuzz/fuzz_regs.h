/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FUZZ_REGS_H
#define VMM_TESTS_FUZZ_REGS_H

/*
 * A register-stream decoder for the MMIO devices' fuzz targets: the input is
 * a sequence of accesses as the bus delivers them (vmm/bus.c: length 1, 2,
 * 4 or 8, wholly inside the window). Each access is one op byte
 *   bits 0-1  length: 1 << n bytes
 *   bit 2     write (else read)
 *   bits 3-7  when 31: a host event instead (the target's host(), which
 *             reads what it needs from the cursor)
 * then a 16-bit offset (modulo the window) and, for a write, 8 data bytes.
 */
#include "bus.h"
#include "fuzz.h"

struct fz_regs {
	const struct bus_dev_ops *ops;
	void *dev;
	uint64_t size;                          /* the window */
	void (*host)(void *ctx, struct fz *f);  /* may be NULL */
	void *ctx;
};

static __attribute__((unused)) void fz_regs_run(const struct fz_regs *r, struct fz *f)
{
	while (fz_left(f)) {
		uint8_t op = fz_u8(f);
		uint32_t len = 1u << (op & 3);
		uint64_t off = fz_u16(f);
		uint8_t buf[8];

		if (op >> 3 == 31) {
			if (r->host)
				r->host(r->ctx, f);
			continue;
		}
		if (len > r->size)
			len = (uint32_t)r->size;
		off %= r->size - len + 1;
		if (op & 4) {
			fz_bytes(f, buf, sizeof(buf));
			r->ops->write(r->dev, off, buf, len);
		} else {
			r->ops->read(r->dev, off, buf, len);
		}
	}
}

#endif
