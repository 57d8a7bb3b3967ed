// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-mmio transport (devices/virtio_mmio.c) as a stream of register
 * reads and writes (fuzz_regs.h) against live devices: virtio-console, or
 * virtio-blk on the sync backend (the input's first byte picks one), their
 * threads serving whatever the queues hold. So QueueReady, QueueNum or the
 * ring addresses after DRIVER_OK, Status = 0 while requests are in flight,
 * feature changes after FEATURES_OK and config space at any offset all get
 * exercised. Host events (the first byte after the op):
 *   0  a full, valid initialisation (fuzz_virtio.h's fv_init)
 *   1  a chain posted on a queue (fv_post: one op byte, then descriptors)
 *   2  8 input bytes written anywhere in the first 64 KiB of guest RAM
 *   3  let the device threads run (50 us)
 */
#include <stdio.h>
#include <sys/mman.h>

#include "fuzz_regs.h"
#include "fuzz_virtio.h"
#include "virtio_blk.h"
#include "virtio_console.h"

static struct fv devs[2];

static void host(void *ctx, struct fz *f)
{
	struct fv *v = ctx;
	uint8_t what = fz_u8(f);

	switch (what & 3) {
	case 0:
		fv_init(v, fz_u64(f));
		break;
	case 1: {
		uint8_t op = fz_u8(f);

		fv_post(v, f, (op & 7) % v->nq, ((op >> 3) & 7) + 1u);
		break;
	}
	case 2:
		fz_bytes(f, fv_ram(v, FV_RAM_BASE + fz_u16(f) % (0x10000 - 8), 8), 8);
		break;
	default:
		fv_sleep_us(50);
	}
}

static void make(unsigned int which)
{
	struct fv *v = &devs[which];

	if (which == 0) {
		struct virtio_console *con;

		if (virtio_console_new(NULL, &con))
			abort();
		fv_new(v, &virtio_console_dev_ops, con, VIRTIO_CONSOLE_NUM_QUEUES,
		       VIRTIO_CONSOLE_QUEUE_MAX);
	} else {
		struct virtio_blk *blk;
		struct disk_opts o;
		int img = memfd_create("fuzz-disk", MFD_CLOEXEC);

		if (img < 0 || ftruncate(img, 1 << 20))
			abort();
		memset(&o, 0, sizeof(o));
		snprintf(o.path, sizeof(o.path), "/proc/self/fd/%d", img);
		o.io = DISK_IO_SYNC;
		if (virtio_blk_new(&o, 0, 1, &blk))
			abort();
		fv_new(v, &virtio_blk_dev_ops, blk, virtio_blk_num_queues(blk),
		       VIRTIO_BLK_QUEUE_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	unsigned int which = fz_u8(&f) & 1;
	struct fv *v = &devs[which];
	struct fz_regs r = { &virtio_mmio_ops, NULL, VIRTIO_MMIO_SIZE, host, v };

	if (!v->t)
		make(which);
	r.dev = v->t;
	fv_wr(v, FV_STATUS, 0);
	memset(fv_ram(v, FV_RAM_BASE, 0x20000), 0, 0x20000);
	memset(v->avail_idx, 0, sizeof(v->avail_idx));
	memset(v->next_desc, 0, sizeof(v->next_desc));
	fz_regs_run(&r, &f);
	fv_wr(v, FV_STATUS, 0);
	return 0;
}
