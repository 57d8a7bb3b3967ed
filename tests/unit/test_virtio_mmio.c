// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the virtio-mmio transport, with a fake device, a fake
 * interrupt line that counts pulses and a fake ioeventfd host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "status.h"
#include "virtio_mmio.h"
#include "unit.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (1ull << 20)
#define QMAX 64
#define NQ 2
#define DEV_FEATURES (1ull << 3 | 1ull << 35)

struct fake_host_bind {
	uint64_t offset;
	uint32_t datamatch;
	int fd;
	bool assign;
};

struct fx {
	struct irq_line irq;
	atomic_int pulses;
	struct guest_mem gm;
	struct virtio_mmio *t;
	/* the fake device */
	uint8_t config[16];
	int starts, stops, start_ret;
	uint64_t start_features;
	struct virtio_activation act; /* the last one */
	bool stop_lock_free; /* stop could take the transport lock */
	/* the fake host */
	struct fake_host_bind binds[8];
	int nbinds;
};

#define FAKE_DRIVER_FIXTURE struct fx
#include "fake_transport.h"

static uint64_t fake_features(void *dev)
{
	(void)dev;
	return DEV_FEATURES;
}

static void fake_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	struct fx *f = dev;

	if (off < sizeof(f->config) && len <= sizeof(f->config) - off)
		memcpy(data, f->config + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *data, uint32_t len)
{
	struct fx *f = dev;

	if (off < sizeof(f->config) && len <= sizeof(f->config) - off)
		memcpy(f->config + off, data, len);
}

static int fake_start(void *dev, const struct virtio_activation *a)
{
	struct fx *f = dev;

	f->starts++;
	f->start_features = a->features;
	f->act = *a;
	return f->start_ret;
}

static void *lock_probe(void *arg)
{
	struct fx *f = arg;

	/* Takes the transport's lock, as a device thread may during stop. */
	virtio_irq_config_changed(virtio_mmio_irq(f->t));
	return NULL;
}

static void fake_stop(void *dev)
{
	struct fx *f = dev;
	struct timespec ts;
	pthread_t th;

	f->stops++;
	/* A device thread needing the lock must not deadlock a stop. */
	assert_int_equal(pthread_create(&th, NULL, lock_probe, f), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	f->stop_lock_free = pthread_timedjoin_np(th, NULL, &ts) == 0;
	if (!f->stop_lock_free)
		pthread_detach(th);
}

static const struct virtio_dev_ops fake_ops = {
	.device_id = 42,
	.features = fake_features,
	.config_read = fake_config_read,
	.config_write = fake_config_write,
	.activate = fake_start,
	.reset = fake_stop,
};

static int fake_ioeventfd(void *ctx, uint64_t offset, uint32_t datamatch, int fd, bool assign)
{
	struct fx *f = ctx;

	if (f->nbinds < 8)
		f->binds[f->nbinds++] = (struct fake_host_bind){ offset, datamatch, fd, assign };
	return 0;
}

static struct fx *fx_new(bool with_host)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct virtio_mmio_host host = { fake_ioeventfd, f };

	f->irq.pulse = fake_pulse;
	f->irq.ctx = f;
	assert_int_equal(gm_init(&f->gm, RAM_BASE, RAM_SIZE), 0);
	assert_int_equal(virtio_mmio_new(&fake_ops, f, NQ, QMAX, &f->irq, &f->gm,
					 with_host ? &host : NULL, "fake", &f->t),
			 VMM_OK);
	assert_non_null(f->t);
	return f;
}

static int setup(void **state)
{
	*state = fx_new(false);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	virtio_mmio_free(f->t);
	gm_destroy(&f->gm);
	free(f);
	return 0;
}

/* The driver's side of initialisation up to FEATURES_OK (3.1.1). */
static void negotiate(struct fx *f, uint64_t feat)
{
	wr(f, STATUS, 0);
	wr(f, STATUS, S_ACK);
	wr(f, STATUS, S_ACK | S_DRV);
	wr_features(f, feat);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK);
}

/* Queue q's rings, one page each from base; returns QueueReady. */
static uint32_t setup_queue(struct fx *f, uint32_t q, uint32_t num, uint64_t base)
{
	wr(f, QUEUE_SEL, q);
	wr(f, QUEUE_NUM, num);
	wr(f, Q_DESC_LO, (uint32_t)base);
	wr(f, Q_DESC_HI, (uint32_t)(base >> 32));
	wr(f, Q_DRIVER_LO, (uint32_t)(base + 0x1000));
	wr(f, Q_DRIVER_HI, (uint32_t)((base + 0x1000) >> 32));
	wr(f, Q_DEVICE_LO, (uint32_t)(base + 0x2000));
	wr(f, Q_DEVICE_HI, (uint32_t)((base + 0x2000) >> 32));
	wr(f, QUEUE_READY, 1);
	return rd(f, QUEUE_READY);
}

static void test_identity(void **state)
{
	struct fx *f = *state;

	assert_int_equal(rd(f, MAGIC), 0x74726976);
	assert_int_equal(rd(f, VERSION), 2);
	assert_int_equal(rd(f, DEVICE_ID), 42);
	assert_int_equal(rd(f, VENDOR_ID), 0);
	assert_int_equal(rd(f, STATUS), 0);
	assert_int_equal(rd(f, INT_STATUS), 0);
	assert_int_equal(rd(f, CONFIG_GEN), 0);
	assert_int_equal(rd(f, QUEUE_NUM_MAX), QMAX);
	wr(f, QUEUE_SEL, 1);
	assert_int_equal(rd(f, QUEUE_NUM_MAX), QMAX);
	wr(f, QUEUE_SEL, NQ);
	assert_int_equal(rd(f, QUEUE_NUM_MAX), 0);
	assert_int_equal(rd(f, QUEUE_READY), 0);
	/* Write-only registers read 0; no shared memory regions. */
	assert_int_equal(rd(f, QUEUE_NUM), 0);
	assert_int_equal(rd(f, Q_DESC_LO), 0);
	assert_int_equal(rd(f, SHM_LEN_LO), 0xffffffff);
	/* Read-only registers ignore writes. */
	wr(f, MAGIC, 1);
	wr(f, DEVICE_ID, 7);
	assert_int_equal(rd(f, MAGIC), 0x74726976);
	assert_int_equal(rd(f, DEVICE_ID), 42);
}

static void test_new_bad_args(void **state)
{
	struct irq_line irq = { 0 };
	struct virtio_mmio *t = NULL;
	struct unit_capture cap;

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(virtio_mmio_new(&fake_ops, NULL, 0, 64, &irq, NULL, NULL, "disk x", &t),
			 VMM_ERR_INTERNAL);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "disk x: creating its virtio-mmio transport: Invalid argument");
	assert_int_equal(virtio_mmio_new(&fake_ops, NULL, 1, 48, &irq, NULL, NULL, "x", &t),
			 VMM_ERR_INTERNAL);
	assert_int_equal(virtio_mmio_new(NULL, NULL, 1, 64, &irq, NULL, NULL, "x", &t),
			 VMM_ERR_INTERNAL);
	assert_null(t); /* untouched on failure */
	virtio_mmio_free(NULL);
}

static void test_device_features(void **state)
{
	struct fx *f = *state;
	uint64_t feat;

	wr(f, DEV_FEAT_SEL, 0);
	feat = rd(f, DEV_FEAT);
	wr(f, DEV_FEAT_SEL, 1);
	feat |= (uint64_t)rd(f, DEV_FEAT) << 32;
	assert_true(feat == (DEV_FEATURES | F_VERSION_1 | 1ull << VIRTIO_RING_F_INDIRECT_DESC |
			     1ull << VIRTIO_RING_F_EVENT_IDX));
	wr(f, DEV_FEAT_SEL, 2);
	assert_int_equal(rd(f, DEV_FEAT), 0);
}

static void test_features_ok(void **state)
{
	struct fx *f = *state;
	uint64_t feat = F_VERSION_1 | 1ull << 35 | 1ull << VIRTIO_RING_F_EVENT_IDX;

	negotiate(f, feat);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK);
	/* Features are frozen once accepted. */
	wr_features(f, F_VERSION_1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 1);
	assert_true(f->start_features == feat);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	/* Writing DRIVER_OK again does not start twice. */
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 1);
	/* Nor does toggling it: drivers cannot clear status bits. */
	wr(f, STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_DOK);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 1);
	assert_int_equal(f->stops, 0);
	/* FAILED adds to the rest. */
	wr(f, STATUS, VIRTIO_STATUS_FAILED);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_DOK | VIRTIO_STATUS_FAILED);
}

static void test_features_refused(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;

	/* Without VERSION_1 (a legacy driver): FEATURES_OK does not stick. */
	negotiate(f, 1ull << 3);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV);
	/* Bits never offered: refused too. */
	negotiate(f, F_VERSION_1 | 1ull << 4);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV);
	negotiate(f, F_VERSION_1 | 1ull << 40);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV);
	/* DRIVER_OK regardless: the device does not start, it needs a reset. */
	unit_capture_begin(&cap, 2);
	wr(f, STATUS, S_ACK | S_DRV | S_DOK);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "warning: virtio device 42: driver set DRIVER_OK");
	assert_int_equal(f->starts, 0);
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
	/* Exactly the offered set is fine. */
	negotiate(f, DEV_FEATURES | F_VERSION_1 | 1ull << VIRTIO_RING_F_INDIRECT_DESC |
			     1ull << VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK);
}

static void test_queue_setup(void **state)
{
	struct fx *f = *state;
	struct virtqueue *vq;

	negotiate(f, F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(setup_queue(f, 1, 16, RAM_BASE + 0x10000), 1);
	vq = virtio_mmio_queue(f->t, 1);
	assert_non_null(vq);
	assert_true(vq->ready);
	assert_int_equal(vq->size, 16);
	assert_true(vq->desc_gpa == RAM_BASE + 0x10000);
	assert_true(vq->avail_gpa == RAM_BASE + 0x11000);
	assert_true(vq->used_gpa == RAM_BASE + 0x12000);
	assert_true(vq->event_idx);
	assert_false(vq->indirect);
	/* Frozen while ready. */
	wr(f, QUEUE_NUM, 8);
	wr(f, Q_DESC_LO, 0);
	assert_int_equal(vq->size, 16);
	assert_true(vq->desc_gpa == RAM_BASE + 0x10000);
	/* Queue 0 untouched; out of range queues are inert. */
	wr(f, QUEUE_SEL, 0);
	assert_int_equal(rd(f, QUEUE_READY), 0);
	assert_false(virtio_mmio_queue(f->t, 0)->ready);
	assert_null(virtio_mmio_queue(f->t, NQ));
	assert_int_equal(virtio_mmio_kick_fd(f->t, NQ), -1);
	assert_int_equal(setup_queue(f, NQ, 16, RAM_BASE), 0);
	/* Disabling before DRIVER_OK resets the queue. */
	wr(f, QUEUE_SEL, 1);
	wr(f, QUEUE_READY, 0);
	assert_int_equal(rd(f, QUEUE_READY), 0);
	assert_false(vq->ready);
	/* QueueNum defaults to the maximum. */
	assert_int_equal(vq->size, QMAX);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 1);
	assert_int_equal(rd(f, STATUS) & S_NR, 0);
}

static void test_queue_start_fails(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;

	negotiate(f, F_VERSION_1);
	unit_capture_begin(&cap, 2);
	/* Rings beyond the end of RAM. */
	assert_int_equal(setup_queue(f, 0, 16, RAM_BASE + RAM_SIZE - 0x1000), 0);
	/* Logged once per reset cycle. */
	assert_int_equal(setup_queue(f, 0, 17, RAM_BASE), 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 42: queue ring outside guest RAM; "
				       "the device needs a reset");
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_NR);
	/* Before DRIVER_OK there is no interrupt for it. */
	assert_int_equal(atomic_load(&f->pulses), 0);
	/* The driver cannot clear NEEDS_RESET, and the device is not started. */
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	assert_int_equal(f->starts, 0);
	/* Reset clears it, and it is logged again. */
	negotiate(f, F_VERSION_1);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK);
	assert_int_equal(setup_queue(f, 0, 16, RAM_BASE), 1);
	unit_capture_begin(&cap, 2);
	assert_int_equal(setup_queue(f, 1, 3, RAM_BASE + 0x4000), 0);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "warning: virtio device 42: queue size");
}

static void test_start_fails(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;

	f->start_ret = -1;
	negotiate(f, F_VERSION_1);
	unit_capture_begin(&cap, 2);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 42: the device failed to start; "
				       "the device needs a reset");
	assert_int_equal(f->starts, 1);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV | S_FOK | S_DOK | S_NR);
	/* A config interrupt announced it, since DRIVER_OK was set. */
	assert_int_equal(atomic_load(&f->pulses), 1);
	assert_int_equal(rd(f, INT_STATUS), 2);
	assert_int_equal(rd(f, CONFIG_GEN), 1);
	/* The reset still stops the half-started device. */
	wr(f, STATUS, 0);
	assert_int_equal(f->stops, 1);
}

static void test_reset(void **state)
{
	struct fx *f = *state;
	int kick;

	/* A reset of a device that never started does not stop it. */
	wr(f, STATUS, 0);
	assert_int_equal(f->stops, 0);

	negotiate(f, F_VERSION_1 | 1ull << VIRTIO_RING_F_INDIRECT_DESC);
	assert_int_equal(setup_queue(f, 0, 32, RAM_BASE), 1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 1);
	virtio_irq_used(virtio_mmio_irq(f->t), 0);
	assert_int_equal(rd(f, INT_STATUS), 1);
	kick = virtio_mmio_kick_fd(f->t, 0);

	wr(f, STATUS, 0);
	assert_int_equal(f->stops, 1);
	/* stop ran without the lock: a device thread could take it. */
	assert_true(f->stop_lock_free);
	assert_int_equal(rd(f, STATUS), 0);
	assert_int_equal(rd(f, INT_STATUS), 0);
	assert_int_equal(rd(f, QUEUE_READY), 0);
	assert_false(virtio_mmio_queue(f->t, 0)->ready);
	assert_int_equal(virtio_mmio_queue(f->t, 0)->size, QMAX);
	assert_true(virtio_mmio_queue(f->t, 0)->desc_gpa == 0);
	assert_ptr_equal(virtio_mmio_queue(f->t, 0)->gm, &f->gm);
	/* Same kick fd across resets (KVM keeps the ioeventfd). */
	assert_int_equal(virtio_mmio_kick_fd(f->t, 0), kick);
	/* Features start over. */
	wr(f, STATUS, S_ACK | S_DRV | S_FOK);
	assert_int_equal(rd(f, STATUS), S_ACK | S_DRV);

	/* vmm's reset, for a guest reboot, does the same. */
	negotiate(f, F_VERSION_1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 2);
	virtio_mmio_reset(f->t);
	assert_int_equal(f->stops, 2);
	assert_int_equal(rd(f, STATUS), 0);
}

/* A fake used/avail ring so that vq_should_notify() has something to read. */
static uint16_t *avail_flags(struct fx *f)
{
	return gm_ptr(&f->gm, RAM_BASE + 0x1000, 2);
}

static void test_interrupts(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;

	negotiate(f, F_VERSION_1);
	assert_int_equal(setup_queue(f, 0, 16, RAM_BASE), 1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);

	virtio_irq_used(virtio_mmio_irq(f->t), 0);
	assert_int_equal(atomic_load(&f->pulses), 1);
	assert_int_equal(rd(f, INT_STATUS), 1);
	/* The driver asked for no interrupts: none, and no status bit. */
	wr(f, INT_ACK, 1);
	assert_int_equal(rd(f, INT_STATUS), 0);
	*avail_flags(f) = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	virtio_irq_used(virtio_mmio_irq(f->t), 0);
	assert_int_equal(atomic_load(&f->pulses), 1);
	assert_int_equal(rd(f, INT_STATUS), 0);
	*avail_flags(f) = 0;
	/* A queue that is not ready never signals; nor one out of range. */
	virtio_irq_used(virtio_mmio_irq(f->t), 1);
	virtio_irq_used(virtio_mmio_irq(f->t), NQ);
	assert_int_equal(atomic_load(&f->pulses), 1);

	/* Both causes; the ACK clears only the bits written. */
	virtio_irq_used(virtio_mmio_irq(f->t), 0);
	virtio_irq_config_changed(virtio_mmio_irq(f->t));
	assert_int_equal(atomic_load(&f->pulses), 3);
	assert_int_equal(rd(f, INT_STATUS), 3);
	assert_int_equal(rd(f, CONFIG_GEN), 1);
	wr(f, INT_ACK, 2);
	assert_int_equal(rd(f, INT_STATUS), 1);
	wr(f, INT_ACK, 1);
	assert_int_equal(rd(f, INT_STATUS), 0);

	/* needs_reset from a device: config interrupt, logged once. */
	unit_capture_begin(&cap, 2);
	virtio_irq_needs_reset(virtio_mmio_irq(f->t), "bad thing");
	virtio_irq_needs_reset(virtio_mmio_irq(f->t), "bad thing again");
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text,
			     "warning: virtio device 42: bad thing; the device needs a reset");
	assert_int_equal(rd(f, STATUS) & S_NR, S_NR);
	assert_int_equal(rd(f, INT_STATUS), 2);
	assert_int_equal(atomic_load(&f->pulses), 4);
	assert_int_equal(rd(f, CONFIG_GEN), 2);
}

/* vhost-net writes the irqfd itself: the used-buffer bit must read as set. */
static void test_irq_direct(void **state)
{
	struct fx *f = *state;

	negotiate(f, F_VERSION_1);
	assert_int_equal(setup_queue(f, 0, 16, RAM_BASE), 1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(rd(f, INT_STATUS), 0);
	virtio_irq_set_direct(virtio_mmio_irq(f->t), true);
	assert_int_equal(rd(f, INT_STATUS), 1);
	/* An ACK of bit 0 leaves it set; nothing was pulsed by the transport. */
	wr(f, INT_ACK, 1);
	assert_int_equal(rd(f, INT_STATUS), 1);
	assert_int_equal(atomic_load(&f->pulses), 0);
	/* The config bit works as before, on top. */
	virtio_irq_config_changed(virtio_mmio_irq(f->t));
	assert_int_equal(atomic_load(&f->pulses), 1);
	assert_int_equal(rd(f, INT_STATUS), 3);
	wr(f, INT_ACK, 2);
	assert_int_equal(rd(f, INT_STATUS), 1);
	/* A signal through the transport still pulses and still reads 1. */
	virtio_irq_used(virtio_mmio_irq(f->t), 0);
	assert_int_equal(atomic_load(&f->pulses), 2);
	wr(f, INT_ACK, 3);
	assert_int_equal(rd(f, INT_STATUS), 1);
	/* The mode describes the wiring: a reset keeps it. */
	wr(f, STATUS, 0);
	assert_int_equal(rd(f, INT_STATUS), 1);
	virtio_irq_set_direct(virtio_mmio_irq(f->t), false);
	assert_int_equal(rd(f, INT_STATUS), 0);
	virtio_irq_config_changed(virtio_mmio_irq(f->t)); /* no DRIVER_OK: no interrupt */
	assert_int_equal(rd(f, INT_STATUS), 0);
}

/*
 * Queue registers after DRIVER_OK: the rings belong to the device's
 * threads, so nothing of a queue changes, running or not, and the driver
 * hears nothing but one log line per reset cycle.
 */
static void test_queue_write_after_driver_ok(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	struct virtqueue *vq0 = virtio_mmio_queue(f->t, 0), *vq1 = virtio_mmio_queue(f->t, 1);
	struct virtqueue before0;

	negotiate(f, F_VERSION_1 | F_EVENT_IDX);
	assert_int_equal(setup_queue(f, 0, 16, RAM_BASE), 1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_int_equal(f->starts, 1);
	/* The activation carries every queue, ring features latched. */
	assert_int_equal(f->act.nqueues, NQ);
	assert_ptr_equal(f->act.queues[0].vq, vq0);
	assert_int_equal(f->act.queues[0].kick_fd, virtio_mmio_kick_fd(f->t, 0));
	assert_true(f->act.queues[0].vq->ready && f->act.queues[0].vq->event_idx);
	assert_false(f->act.queues[1].vq->ready);
	assert_ptr_equal(f->act.irq, virtio_mmio_irq(f->t));
	before0 = *vq0;

	unit_capture_begin(&cap, 2);
	/* The running queue: re-readied at another place, resized, disabled. */
	wr(f, QUEUE_SEL, 0);
	wr(f, QUEUE_READY, 1);
	wr(f, QUEUE_NUM, 8);
	wr(f, Q_DESC_LO, (uint32_t)(RAM_BASE + 0x8000));
	wr(f, QUEUE_READY, 0);
	/* A queue the driver left alone: set up late. */
	assert_int_equal(setup_queue(f, 1, 16, RAM_BASE + 0x10000), 0);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "warning: virtio device 42: queue 0 register 0x044 written "
				       "after DRIVER_OK; ignored");
	assert_memory_equal(vq0, &before0, sizeof(before0));
	assert_int_equal(rd(f, QUEUE_READY), 0); /* queue 1, still selected */
	assert_false(vq1->ready);
	assert_true(vq1->desc_gpa == 0);
	assert_int_equal(rd(f, STATUS) & S_NR, 0); /* not the driver's fault to reset for */

	/* A reset gives the queues back, and a new cycle logs again. */
	negotiate(f, F_VERSION_1);
	assert_int_equal(setup_queue(f, 1, 16, RAM_BASE + 0x10000), 1);
	assert_false(vq1->event_idx);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	unit_capture_begin(&cap, 2);
	wr(f, QUEUE_NUM, 4);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "warning: virtio device 42: queue 1 register 0x038");
	assert_int_equal(vq1->size, 16);
}

/* The interrupt object: what a device reaches the driver with. */
static void test_irq_object(void **state)
{
	struct fx *f = *state;
	struct virtio_irq *irq = virtio_mmio_irq(f->t);
	struct irq_line line = { .pulse = fake_pulse, .ctx = f, .fd = 77 };
	struct virtio_mmio *t2;

	/* The line's fd is what vhost gets; none without one. */
	assert_int_equal(virtio_irq_fd(irq), f->irq.fd);
	assert_int_equal(virtio_mmio_new(&fake_ops, f, NQ, QMAX, &line, &f->gm, NULL, "x", &t2),
			 VMM_OK);
	assert_int_equal(virtio_irq_fd(virtio_mmio_irq(t2)), 77);
	assert_ptr_not_equal(virtio_mmio_irq(t2), irq);
	virtio_mmio_free(t2);

	/* used(): an interrupt the driver wants, with its bit set before the edge. */
	negotiate(f, F_VERSION_1);
	assert_int_equal(setup_queue(f, 0, 16, RAM_BASE), 1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	virtio_irq_used(f->act.irq, 0);
	assert_int_equal(rd(f, INT_STATUS), 1);
	assert_int_equal(atomic_load(&f->pulses), 1);
	virtio_irq_used(f->act.irq, NQ); /* no such queue: nothing */
	assert_int_equal(atomic_load(&f->pulses), 1);
	wr(f, INT_ACK, 1);
	/* config_changed: generation and the config bit. */
	virtio_irq_config_changed(f->act.irq);
	assert_int_equal(rd(f, CONFIG_GEN), 1);
	assert_int_equal(rd(f, INT_STATUS), 2);
	assert_int_equal(atomic_load(&f->pulses), 2);
	/* The same object in the next activation: it outlives resets. */
	negotiate(f, F_VERSION_1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	assert_ptr_equal(f->act.irq, irq);
}

static void test_config_changed_before_driver_ok(void **state)
{
	struct fx *f = *state;

	virtio_irq_config_changed(virtio_mmio_irq(f->t));
	assert_int_equal(rd(f, CONFIG_GEN), 1);
	assert_int_equal(rd(f, INT_STATUS), 0);
	assert_int_equal(atomic_load(&f->pulses), 0);
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void test_notify_register(void **state)
{
	struct fx *f = *state;
	int k0 = virtio_mmio_kick_fd(f->t, 0), k1 = virtio_mmio_kick_fd(f->t, 1);
	uint64_t v;

	assert_true(k0 >= 0 && k1 >= 0 && k0 != k1);
	assert_false(readable(k0));
	wr(f, QUEUE_NOTIFY, 1);
	assert_false(readable(k0));
	assert_true(readable(k1));
	assert_int_equal(read(k1, &v, sizeof(v)), 8);
	assert_true(v == 1);
	wr(f, QUEUE_NOTIFY, NQ); /* no such queue */
	wr(f, QUEUE_NOTIFY, 0xffffffff);
	assert_false(readable(k0));
	assert_false(readable(k1));
	wr(f, QUEUE_NOTIFY, 0);
	assert_true(readable(k0));
}

static void test_ioeventfd_host(void **state)
{
	struct fx *f = fx_new(true);
	int i;

	(void)state;
	assert_int_equal(f->nbinds, NQ);
	for (i = 0; i < NQ; i++) {
		assert_true(f->binds[i].offset == QUEUE_NOTIFY);
		assert_int_equal(f->binds[i].datamatch, i);
		assert_int_equal(f->binds[i].fd, virtio_mmio_kick_fd(f->t, (unsigned int)i));
		assert_true(f->binds[i].assign);
	}
	/* Resets keep the binding. */
	wr(f, STATUS, 0);
	virtio_mmio_reset(f->t);
	assert_int_equal(f->nbinds, NQ);
	virtio_mmio_free(f->t);
	assert_int_equal(f->nbinds, 2 * NQ);
	for (i = 0; i < NQ; i++) {
		assert_int_equal(f->binds[NQ + i].datamatch, i);
		assert_false(f->binds[NQ + i].assign);
	}
	gm_destroy(&f->gm);
	free(f);
}

static void test_access_width(void **state)
{
	struct fx *f = *state;
	struct unit_capture cap;
	uint8_t b = 0xff;
	uint16_t h = 0xffff;
	uint64_t q = ~0ull;
	uint32_t v;

	unit_capture_begin(&cap, 2);
	virtio_mmio_ops.read(f->t, MAGIC, &b, 1);
	virtio_mmio_ops.read(f->t, MAGIC, &h, 2);
	virtio_mmio_ops.read(f->t, MAGIC, &q, 8);
	v = 0xffffffff;
	virtio_mmio_ops.read(f->t, MAGIC + 1, &v, 4);
	h = S_ACK;
	virtio_mmio_ops.write(f->t, STATUS, &h, 2);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text,
			     "warning: virtio device 42: 1-byte access to register 0x000 ignored");
	assert_int_equal(b, 0);
	assert_int_equal(h, S_ACK);
	assert_true(q == 0);
	assert_int_equal(v, 0);
	assert_int_equal(rd(f, STATUS), 0);

	/* Config space: any width, offsets from 0x100. */
	memcpy(f->config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	virtio_mmio_ops.read(f->t, CONFIG + 1, &b, 1);
	assert_int_equal(b, 2);
	virtio_mmio_ops.read(f->t, CONFIG + 2, &h, 2);
	assert_int_equal(h, 0x0403);
	virtio_mmio_ops.read(f->t, CONFIG, &q, 8);
	assert_true(q == 0x0807060504030201ull);
	b = 0x99;
	virtio_mmio_ops.write(f->t, CONFIG + 5, &b, 1);
	assert_int_equal(f->config[5], 0x99);
	/* Beyond the device's config: zeroes. */
	q = ~0ull;
	virtio_mmio_ops.read(f->t, CONFIG + 0x80, &q, 8);
	assert_true(q == 0);
}

/* Freeing a running transport stops the device first. */
static void test_free_stops(void **state)
{
	struct fx *f = fx_new(false);

	(void)state;
	negotiate(f, F_VERSION_1);
	wr(f, STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	virtio_mmio_free(f->t);
	assert_int_equal(f->stops, 1);
	gm_destroy(&f->gm);
	free(f);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity),
		cmocka_unit_test(test_new_bad_args),
		T(test_device_features),
		T(test_features_ok),
		T(test_features_refused),
		T(test_queue_setup),
		T(test_queue_start_fails),
		T(test_start_fails),
		T(test_reset),
		T(test_interrupts),
		T(test_irq_direct),
		T(test_config_changed_before_driver_ok),
		T(test_queue_write_after_driver_ok),
		T(test_irq_object),
		T(test_notify_register),
		cmocka_unit_test(test_ioeventfd_host),
		T(test_access_width),
		cmocka_unit_test(test_free_stops),
	};
#undef T

	return cmocka_run_group_tests_name("virtio_mmio", tests, NULL, NULL);
}
