/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_FAKE_TRANSPORT_H
#define VMM_TESTS_FAKE_TRANSPORT_H

/*
 * The driver's side of a virtio-mmio transport under test (virtio 1.2,
 * 4.2.2): register offsets, status and feature bits, 32-bit register
 * accessors, feature negotiation, and an interrupt line that counts its
 * pulses. Shared by the virtio unit tests; fake_driver.h adds virtqueues in
 * fake guest RAM on top.
 *
 * Each test binary is one .c file, so the helpers are static functions
 * marked unused: a binary that does not call one gets no warning. (Not
 * inline: that changes what GCC inlines into the tests, and with it what
 * -Wmaybe-uninitialized sees there.) Include
 * after <cmocka.h>, with FAKE_DRIVER_FIXTURE defined as the test's fixture
 * type: a struct, complete at the point of inclusion, with at least
 *
 *	struct virtio_mmio *t;   the transport under test
 *	atomic_int pulses;       counted by fake_pulse()
 */
#ifndef FAKE_DRIVER_FIXTURE
#error "define FAKE_DRIVER_FIXTURE as the fixture type before including fake_transport.h"
#endif

#include <stdatomic.h>
#include <stdint.h>

#include "virtio_mmio.h"

/* Transport registers (4.2.2). */
#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define VENDOR_ID 0x00c
#define DEV_FEAT 0x010
#define DEV_FEAT_SEL 0x014
#define DRV_FEAT 0x020
#define DRV_FEAT_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INT_STATUS 0x060
#define INT_ACK 0x064
#define STATUS 0x070
#define Q_DESC_LO 0x080
#define Q_DESC_HI 0x084
#define Q_DRIVER_LO 0x090
#define Q_DRIVER_HI 0x094
#define Q_DEVICE_LO 0x0a0
#define Q_DEVICE_HI 0x0a4
#define SHM_LEN_LO 0x0b0
#define CONFIG_GEN 0x0fc
#define CONFIG 0x100

#define S_ACK VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRV VIRTIO_STATUS_DRIVER
#define S_FOK VIRTIO_STATUS_FEATURES_OK
#define S_DOK VIRTIO_STATUS_DRIVER_OK
#define S_NR VIRTIO_STATUS_NEEDS_RESET

/* Feature bits every device's transport offers (6). */
#define F_EVENT_IDX (1ull << VIRTIO_RING_F_EVENT_IDX)
#define F_INDIRECT (1ull << VIRTIO_RING_F_INDIRECT_DESC)
#define F_VERSION_1 (1ull << VIRTIO_F_VERSION_1)

/* An irq_line pulse: line->ctx is the fixture. */
static __attribute__((unused)) void fake_pulse(struct irq_line *line)
{
	FAKE_DRIVER_FIXTURE *f = line->ctx;

	atomic_fetch_add(&f->pulses, 1);
}

/* A 32-bit register read; the sentinel shows if the transport left it unwritten. */
static __attribute__((unused)) uint32_t rd(FAKE_DRIVER_FIXTURE *f, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio_ops.read(f->t, off, &v, 4);
	return v;
}

static __attribute__((unused)) void wr(FAKE_DRIVER_FIXTURE *f, uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(f->t, off, &v, 4);
}

/* The 64 bits the device offers, read through DeviceFeaturesSel 0 and 1. */
static __attribute__((unused)) uint64_t device_features(FAKE_DRIVER_FIXTURE *f)
{
	uint64_t v;

	wr(f, DEV_FEAT_SEL, 0);
	v = rd(f, DEV_FEAT);
	wr(f, DEV_FEAT_SEL, 1);
	return v | (uint64_t)rd(f, DEV_FEAT) << 32;
}

/* Write the driver's 64 feature bits through DriverFeaturesSel 0 and 1. */
static __attribute__((unused)) void wr_features(FAKE_DRIVER_FIXTURE *f, uint64_t feat)
{
	wr(f, DRV_FEAT_SEL, 0);
	wr(f, DRV_FEAT, (uint32_t)feat);
	wr(f, DRV_FEAT_SEL, 1);
	wr(f, DRV_FEAT, (uint32_t)(feat >> 32));
}

#endif
