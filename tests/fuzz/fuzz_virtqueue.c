// SPDX-License-Identifier: GPL-2.0-only
/*
 * The descriptor walker (devices/virtqueue.c) alone, single-threaded: a
 * queue set up from the input (size, ring addresses near or anywhere,
 * features), the descriptor table and rings laid out as fuzz_virtio.h's
 * chains are, then a stream of walker calls: vq_pop (checking its
 * promises on every chain it returns), vq_push with any length,
 * vq_should_notify, vq_notify_enable, and the iov copy helpers.
 */
#include "fuzz_virtio.h"

static struct guest_mem gm;
static struct vq_chain chain;

/* What vq_pop promises about an OK chain: counted, no empty iov, all in RAM. */
static void check_chain(const struct vq_chain *c)
{
	uint64_t out = 0, in = 0;
	unsigned int i;

	if (c->nout + c->nin > VQ_MAX_IOV) /* may be 0: empty buffers are skipped */
		abort();
	for (i = 0; i < c->nout + c->nin; i++) {
		const uint8_t *p = c->iov[i].iov_base;

		if (!c->iov[i].iov_len || p < gm.host || p + c->iov[i].iov_len > gm.host + gm.size)
			abort();
		if (i < c->nout)
			out += c->iov[i].iov_len;
		else
			in += c->iov[i].iov_len;
	}
	if (out != c->out_len || in != c->in_len || out + in > UINT32_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct virtqueue q;
	struct fv v; /* only its ring layout and avail bookkeeping */
	uint8_t setup = fz_u8(&f), buf[512];
	const char *why;
	uint16_t n;

	if (!gm.host && gm_init(&gm, FV_RAM_BASE, FV_RAM_SIZE))
		abort();
	memset(gm.host, 0, gm.size);
	memset(&v, 0, sizeof(v));
	v.gm = gm;
	v.nq = 1;

	memset(&q, 0, sizeof(q));
	q.gm = &gm;
	q.size = (setup & 1) ? fz_u16(&f) : FV_QSIZE;
	q.desc_gpa = fv_qbase(0);
	q.avail_gpa = fv_qbase(0) + 0x1000;
	q.used_gpa = fv_qbase(0) + 0x2000;
	if (setup & 2) {
		q.desc_gpa = fz_u64(&f);
		q.avail_gpa = fz_u64(&f);
		q.used_gpa = fz_u64(&f);
	}
	q.event_idx = setup & 4;
	q.indirect = setup & 8;
	if (vq_start(&q, (setup & 16) ? VQ_MAX_SIZE : FV_QSIZE, &why)) {
		if (!why)
			abort();
		return 0;
	}
	n = fz_u16(&f);
	fz_bytes(&f, fv_ram(&v, FV_DATA, n), n);

	while (fz_left(&f)) {
		uint8_t op = fz_u8(&f);
		int r;

		switch (op & 7) {
		case 0: /* the driver posts a chain (fuzz_virtio.h's layout) */
			if (q.size == FV_QSIZE && q.desc_gpa == fv_qbase(0))
				fv_post(&v, &f, 0, ((op >> 3) & 7) + 1u);
			break;
		case 1:
		case 2:
			r = vq_pop(&q, &chain, &why);
			if (r == VQ_OK) {
				check_chain(&chain);
				vq_iov_read(chain.iov, chain.nout, fz_u16(&f), buf, sizeof(buf));
				memset(buf, op, sizeof(buf));
				vq_iov_write(chain.iov + chain.nout, chain.nin, fz_u16(&f), buf,
					     sizeof(buf));
				vq_push(&q, chain.head, (op & 8) ? fz_u32(&f) : chain.in_len);
			} else if (r == VQ_ERR && (!why || !q.broken)) {
				abort();
			}
			break;
		case 3:
			vq_push(&q, fz_u16(&f), fz_u32(&f));
			break;
		case 4:
			vq_should_notify(&q);
			break;
		case 5:
			vq_notify_enable(&q, op & 8);
			break;
		case 6: /* the driver scribbles on its rings */
			if (q.size == FV_QSIZE && q.desc_gpa == fv_qbase(0)) {
				uint16_t off = fz_u16(&f) % 0x3000;

				fz_bytes(&f, fv_ram(&v, fv_qbase(0) + off, 8), 8);
			}
			break;
		default:
			vq_reset(&q);
			return 0;
		}
	}
	return 0;
}
