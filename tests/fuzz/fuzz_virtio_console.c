// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (devices/virtio_console.c): transmit and receive queues
 * from guest RAM the input lays out (fuzz_virtio.h). Host event: up to 63
 * bytes of input offered to virtio_console_rx(), or a console resize.
 */
#include "fuzz_virtio.h"
#include "virtio_console.h"

static struct fv dev;
static struct virtio_console *con;

static void tx(void *ctx, const uint8_t *buf, size_t len)
{
	volatile uint8_t sink = 0;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++) /* every byte handed over must be readable */
		sink ^= buf[i];
	(void)sink;
}

static void rx_ready(void *ctx)
{
	(void)ctx;
}

static void host(struct fv *v, struct fz *f)
{
	uint8_t what = fz_u8(f), buf[64];
	size_t n = what & 63;

	(void)v;
	if (what & 64) {
		uint16_t cols = fz_u16(f);

		virtio_console_set_size(con, cols, fz_u16(f));
		return;
	}
	fz_bytes(f, buf, n);
	if (virtio_console_rx(con, buf, n) > n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct virtio_console_host h = { tx, rx_ready, NULL };
	struct fz f = { data, size };

	if (!dev.t) {
		if (virtio_console_new(&h, &con))
			abort();
		fv_new(&dev, &virtio_console_dev_ops, con, VIRTIO_CONSOLE_NUM_QUEUES,
		       VIRTIO_CONSOLE_QUEUE_MAX);
		dev.host = host;
	}
	fv_requests(&dev, &f);
	return 0;
}
