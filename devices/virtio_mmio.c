// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-mmio transport, version 2 only (virtio 1.2, section 4.2.2).
 *
 * Vendor ID: 0. Nobody allocates virtio-mmio vendor IDs and drivers ignore
 * the register, so vmm claims no name there.
 *
 * Locking, outermost first:
 *   ctl   serialises register writes and resets with each other, so a
 *         reset, which must drop `lock` while the device stops, cannot
 *         interleave with another vCPU's DRIVER_OK or QueueReady.
 *   lock  the registers. Held for every register access and device
 *         callback except ops->reset; taken by the interrupt object's
 *         needs_reset and config_changed from device threads, which is
 *         why ops->reset (which joins those threads) runs without it.
 * The interrupt object's used() takes neither: it runs on the queue's own
 * I/O thread, touches that thread's queue and sets InterruptStatus
 * atomically.
 *
 * Queues after DRIVER_OK: the device's threads own the rings without any
 * lock from activation to reset, so every queue register write in that
 * span is dropped (logged once per reset cycle) instead of racing them;
 * see include/virtio_mmio.h.
 *
 * Interrupts: InterruptStatus is an atomic word. The device ORs bits in
 * before pulsing the line and InterruptACK clears only the bits the driver
 * writes, so a bit set between the driver's read and its ACK survives and
 * the edge that came with it makes the driver look again: nothing is lost
 * and no lock is shared with the I/O path.
 *
 * Direct interrupts (the interrupt object's set_direct): when the kernel
 * (vhost-net) writes the line's irqfd itself, no bit is ever set here, and
 * Linux's handler ignores an interrupt whose InterruptStatus reads 0. So in
 * that mode the used-buffer bit always reads as set: every edge then makes
 * the driver look at its used rings, which costs a spurious look at most.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "virtio_mmio.h"

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR 0

/* Registers (spec 4.2.2). */
#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC_LOW 0x080
#define REG_QUEUE_DESC_HIGH 0x084
#define REG_QUEUE_DRIVER_LOW 0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW 0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_SEL 0x0ac
#define REG_SHM_LEN_LOW 0x0b0
#define REG_SHM_LEN_HIGH 0x0b4
#define REG_SHM_BASE_LOW 0x0b8
#define REG_SHM_BASE_HIGH 0x0bc
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG 0x100

#define VIRTIO_INT_VRING 1u
#define VIRTIO_INT_CONFIG 2u

struct vmmio_queue {
	struct virtqueue vq;
	int kick_fd;
	bool bound;   /* kick_fd is an ioeventfd on QueueNotify */
	bool ready;   /* QueueReady as the driver sees it */
};

struct virtio_mmio {
	pthread_mutex_t ctl;
	pthread_mutex_t lock;
	const struct virtio_dev_ops *ops;
	void *dev;
	unsigned int nqueues;
	uint16_t qmax;
	struct irq_line *irq;
	const struct guest_mem *gm;
	struct virtio_mmio_host host;
	struct vmmio_queue *q;
	struct virtio_queue *act;   /* the activation's view of q[] */
	struct virtio_irq irq_obj;  /* handed to the device at activation */
	struct virtio_activation activation; /* the last one, valid until reset */

	uint64_t offered;       /* device features | the transport's */
	uint64_t driver_features;
	uint64_t negotiated;    /* driver_features once FEATURES_OK was accepted, else 0 */
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint32_t status;
	uint32_t config_gen;
	bool started;           /* ops->start succeeded; ops->stop is due */
	bool reset_logged;      /* needs_reset has logged this cycle */
	bool width_logged;
	bool queue_logged;      /* a queue write after DRIVER_OK was logged this cycle */
	atomic_uint isr;        /* InterruptStatus */
	atomic_bool irq_direct; /* the used-buffer bit always reads as set */
};

/* Back to the state after power-on; lock held, device stopped. */
static void vmmio_clear(struct virtio_mmio *t)
{
	unsigned int i;

	for (i = 0; i < t->nqueues; i++) {
		struct virtqueue *vq = &t->q[i].vq;

		vq_reset(vq);
		vq->gm = t->gm;
		/* QueueNum defaults to the maximum, so a driver may skip it. */
		vq->size = t->qmax;
		t->q[i].ready = false;
	}
	t->driver_features = 0;
	t->negotiated = 0;
	t->dev_feat_sel = t->drv_feat_sel = t->queue_sel = 0;
	t->status = 0;
	t->reset_logged = false;
	t->queue_logged = false;
	atomic_store(&t->isr, 0);
}

/*
 * The ring features of queue vq, from the features latched at FEATURES_OK
 * (never from driver_features, which a driver could still be writing).
 */
static void vmmio_latch_ring(const struct virtio_mmio *t, struct virtqueue *vq)
{
	vq->event_idx = t->negotiated >> VIRTIO_RING_F_EVENT_IDX & 1;
	vq->indirect = t->negotiated >> VIRTIO_RING_F_INDIRECT_DESC & 1;
}

/* Set NEEDS_RESET and tell the driver; lock held. */
static void vmmio_needs_reset_locked(struct virtio_mmio *t, const char *why)
{
	if (!t->reset_logged)
		log_warn("virtio device %u: %s; the device needs a reset", t->ops->device_id,
			 why);
	t->reset_logged = true;
	if (t->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* Spec 2.1.2: with DRIVER_OK set, this comes as a config-change interrupt. */
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		t->config_gen++;
		atomic_fetch_or(&t->isr, VIRTIO_INT_CONFIG);
		irq_pulse(t->irq);
	}
}

static const struct virtio_irq_ops vmmio_irq_ops;

int virtio_mmio_new(const struct virtio_dev_ops *ops, void *dev, unsigned int nqueues,
		    uint16_t qmax, struct irq_line *irq, const struct guest_mem *gm,
		    const struct virtio_mmio_host *host, const char *name, struct virtio_mmio **out)
{
	struct virtio_mmio *t;
	unsigned int i;
	int err;

	if (!ops || !nqueues || !qmax || (qmax & (qmax - 1)) || qmax > VQ_MAX_SIZE) {
		log_error("%s: creating its virtio-mmio transport: %s", name, strerror(EINVAL));
		return VMM_ERR_INTERNAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		goto nomem;
	t->q = calloc(nqueues, sizeof(*t->q));
	t->act = calloc(nqueues, sizeof(*t->act));
	if (!t->q || !t->act) {
		free(t->q);
		free(t->act);
		free(t);
		goto nomem;
	}
	pthread_mutex_init(&t->ctl, NULL);
	pthread_mutex_init(&t->lock, NULL);
	t->ops = ops;
	t->dev = dev;
	t->nqueues = nqueues;
	t->qmax = qmax;
	t->irq = irq;
	t->irq_obj.ops = &vmmio_irq_ops;
	t->gm = gm;
	if (host)
		t->host = *host;
	t->offered = (ops->features ? ops->features(dev) : 0) | 1ull << VIRTIO_F_VERSION_1 |
		     1ull << VIRTIO_RING_F_INDIRECT_DESC | 1ull << VIRTIO_RING_F_EVENT_IDX;
	for (i = 0; i < nqueues; i++)
		t->q[i].kick_fd = -1;
	for (i = 0; i < nqueues; i++) {
		t->q[i].kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (t->q[i].kick_fd < 0)
			goto fail;
		/*
		 * Bound once for the transport's life: KVM keeps the binding
		 * across guest resets, and the fd's reader never changes.
		 */
		if (t->host.ioeventfd) {
			err = t->host.ioeventfd(t->host.ctx, REG_QUEUE_NOTIFY, i, t->q[i].kick_fd,
						true);
			if (!err)
				t->q[i].bound = true;
			else if (i == 0)
				log_info("virtio device %u: no ioeventfd (%s); kicks exit to vmm",
					 ops->device_id, strerror(-err));
		}
	}
	vmmio_clear(t);
	*out = t;
	return VMM_OK;
fail:
	err = errno;
	virtio_mmio_free(t);
	errno = err;
	log_errno("%s: creating its virtio-mmio transport", name);
	return VMM_ERR_INTERNAL;
nomem:
	log_error("%s: creating its virtio-mmio transport: %s", name, strerror(ENOMEM));
	return VMM_ERR_INTERNAL;
}

/* Stop the device if it runs; ctl held, lock not. */
static void vmmio_stop(struct virtio_mmio *t)
{
	bool started;

	pthread_mutex_lock(&t->lock);
	started = t->started;
	t->started = false;
	pthread_mutex_unlock(&t->lock);
	if (started && t->ops->reset)
		t->ops->reset(t->dev);
}

/* Status = 0 or a reset from vmm; ctl held, lock not. */
static void vmmio_reset(struct virtio_mmio *t)
{
	vmmio_stop(t);
	pthread_mutex_lock(&t->lock);
	vmmio_clear(t);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_free(struct virtio_mmio *t)
{
	unsigned int i;

	if (!t)
		return;
	pthread_mutex_lock(&t->ctl);
	vmmio_stop(t);
	pthread_mutex_unlock(&t->ctl);
	for (i = 0; i < t->nqueues; i++) {
		if (t->q[i].bound)
			t->host.ioeventfd(t->host.ctx, REG_QUEUE_NOTIFY, i, t->q[i].kick_fd, false);
		if (t->q[i].kick_fd >= 0)
			close(t->q[i].kick_fd);
	}
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->ctl);
	free(t->q);
	free(t->act);
	free(t);
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->ctl);
	vmmio_reset(t);
	pthread_mutex_unlock(&t->ctl);
}

struct virtqueue *virtio_mmio_queue(struct virtio_mmio *t, unsigned int q)
{
	return q < t->nqueues ? &t->q[q].vq : NULL;
}

int virtio_mmio_kick_fd(struct virtio_mmio *t, unsigned int q)
{
	return q < t->nqueues ? t->q[q].kick_fd : -1;
}

struct virtio_irq *virtio_mmio_irq(struct virtio_mmio *t)
{
	return &t->irq_obj;
}

/* The interrupt object (include/virtio.h); irq is &t->irq_obj. */
static struct virtio_mmio *vmmio_of(struct virtio_irq *irq)
{
	return (struct virtio_mmio *)((char *)irq - offsetof(struct virtio_mmio, irq_obj));
}

static void vmmio_irq_used(struct virtio_irq *irq, unsigned int q)
{
	struct virtio_mmio *t = vmmio_of(irq);

	if (q >= t->nqueues || !vq_should_notify(&t->q[q].vq))
		return;
	/* The bit before the edge: the driver's handler reads it on the edge. */
	atomic_fetch_or(&t->isr, VIRTIO_INT_VRING);
	irq_pulse(t->irq);
}

static void vmmio_irq_set_direct(struct virtio_irq *irq, bool on)
{
	/* The wiring's property, not the driver's: resets keep it. */
	atomic_store(&vmmio_of(irq)->irq_direct, on);
}

static int vmmio_irq_fd(struct virtio_irq *irq)
{
	struct virtio_mmio *t = vmmio_of(irq);

	return t->irq ? t->irq->fd : -1;
}

static void vmmio_irq_config_changed(struct virtio_irq *irq)
{
	struct virtio_mmio *t = vmmio_of(irq);

	pthread_mutex_lock(&t->lock);
	t->config_gen++;
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		atomic_fetch_or(&t->isr, VIRTIO_INT_CONFIG);
		irq_pulse(t->irq);
	}
	pthread_mutex_unlock(&t->lock);
}

static void vmmio_irq_needs_reset(struct virtio_irq *irq, const char *why)
{
	struct virtio_mmio *t = vmmio_of(irq);

	pthread_mutex_lock(&t->lock);
	vmmio_needs_reset_locked(t, why);
	pthread_mutex_unlock(&t->lock);
}

static const struct virtio_irq_ops vmmio_irq_ops = {
	.used = vmmio_irq_used,
	.config_changed = vmmio_irq_config_changed,
	.needs_reset = vmmio_irq_needs_reset,
	.fd = vmmio_irq_fd,
	.set_direct = vmmio_irq_set_direct,
};

/* The register at off, for a 32-bit read; lock held. */
static uint32_t vmmio_reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct vmmio_queue *q = t->queue_sel < t->nqueues ? &t->q[t->queue_sel] : NULL;

	switch (off) {
	case REG_MAGIC:
		return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:
		return 2;
	case REG_DEVICE_ID:
		return t->ops->device_id;
	case REG_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		return t->dev_feat_sel < 2 ? (uint32_t)(t->offered >> (32 * t->dev_feat_sel)) : 0;
	case REG_QUEUE_NUM_MAX:
		return q ? t->qmax : 0;
	case REG_QUEUE_READY:
		return q ? q->ready : 0;
	case REG_INTERRUPT_STATUS:
		return atomic_load(&t->isr) | (atomic_load(&t->irq_direct) ? VIRTIO_INT_VRING : 0);
	case REG_STATUS:
		return t->status;
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:
	case REG_SHM_BASE_LOW:
	case REG_SHM_BASE_HIGH:
		return 0xffffffff; /* no shared memory regions (spec 4.2.2.1) */
	case REG_CONFIG_GENERATION:
		return t->config_gen;
	default:
		return 0; /* write-only and reserved registers */
	}
}

/*
 * The device's view at DRIVER_OK; lock held. The ring features latched at
 * FEATURES_OK are set in every queue once more (a queue reset and made
 * ready again in between gets them too); from here on no register write
 * changes them.
 */
static const struct virtio_activation *vmmio_activation(struct virtio_mmio *t)
{
	unsigned int i;

	for (i = 0; i < t->nqueues; i++) {
		struct virtqueue *vq = &t->q[i].vq;

		vmmio_latch_ring(t, vq);
		t->act[i].vq = vq;
		t->act[i].kick_fd = t->q[i].kick_fd;
	}
	t->activation = (struct virtio_activation){ .features = t->negotiated,
						    .nqueues = t->nqueues,
						    .queues = t->act,
						    .irq = &t->irq_obj,
						    .gate = t->host.gate };
	return &t->activation;
}

/* A Status write other than 0; lock held. */
static void vmmio_status_write(struct virtio_mmio *t, uint32_t val)
{
	uint32_t old = t->status;
	uint64_t need = 1ull << VIRTIO_F_VERSION_1;

	/*
	 * Bits only accumulate until a reset (2.1.2: the driver must not
	 * clear any); keeping them makes a hostile driver unable to start
	 * the device twice by toggling DRIVER_OK. NEEDS_RESET is the
	 * device's to set.
	 */
	val = (val & ~VIRTIO_STATUS_NEEDS_RESET) | old;
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    ((t->driver_features & ~t->offered) || !(t->driver_features & need)))
		/* Refused: the driver reads FEATURES_OK back as clear (3.1.1). */
		val &= ~VIRTIO_STATUS_FEATURES_OK;
	t->status = val;
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		unsigned int i;

		/* Final now (2.2.2): the queues' ring features follow them. */
		t->negotiated = t->driver_features;
		for (i = 0; i < t->nqueues; i++)
			vmmio_latch_ring(t, &t->q[i].vq);
	}
	if (!(val & VIRTIO_STATUS_DRIVER_OK) || (old & VIRTIO_STATUS_DRIVER_OK) || t->started)
		return;
	if (!(val & VIRTIO_STATUS_FEATURES_OK)) {
		vmmio_needs_reset_locked(t, "driver set DRIVER_OK without FEATURES_OK");
		return;
	}
	if (val & VIRTIO_STATUS_NEEDS_RESET)
		return;
	/*
	 * Even a failed start is stopped at the next reset: a device may
	 * have got halfway, and it cannot undo that here, where its threads
	 * may be waiting for this lock.
	 */
	t->started = true;
	if (t->ops->activate && t->ops->activate(t->dev, vmmio_activation(t)) < 0)
		vmmio_needs_reset_locked(t, "the device failed to start");
}

static void vmmio_queue_ready(struct virtio_mmio *t, struct vmmio_queue *q, uint32_t val)
{
	const char *why = NULL;

	if (!val) {
		/* Drivers disable queues after a reset: then this is a no-op. */
		vq_reset(&q->vq);
		q->vq.gm = t->gm;
		q->vq.size = t->qmax;
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	vmmio_latch_ring(t, &q->vq);
	if (vq_start(&q->vq, t->qmax, &why) < 0) {
		vmmio_needs_reset_locked(t, why);
		return;
	}
	q->ready = true;
}

/* A queue register write; lock held. */
static void vmmio_queue_write(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	struct vmmio_queue *q = t->queue_sel < t->nqueues ? &t->q[t->queue_sel] : NULL;
	uint64_t *gpa;

	if (!q)
		return;
	if (t->status & VIRTIO_STATUS_DRIVER_OK) {
		/* The rings are the device's now (see the top of the file). */
		if (!t->queue_logged)
			log_warn("virtio device %u: queue %u register 0x%03llx written after "
				 "DRIVER_OK; ignored",
				 t->ops->device_id, t->queue_sel, (unsigned long long)off);
		t->queue_logged = true;
		return;
	}
	if (off == REG_QUEUE_READY) {
		vmmio_queue_ready(t, q, val);
		return;
	}
	if (q->ready)
		return; /* spec 4.2.2.2: only while the queue is not ready */
	switch (off) {
	case REG_QUEUE_NUM:
		q->vq.size = (uint16_t)(val > 0xffff ? 0 : val); /* vq_start judges it */
		return;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
		gpa = &q->vq.desc_gpa;
		break;
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
		gpa = &q->vq.avail_gpa;
		break;
	default:
		gpa = &q->vq.used_gpa;
		break;
	}
	if (off & 4)
		*gpa = (*gpa & 0xffffffffull) | (uint64_t)val << 32;
	else
		*gpa = (*gpa & ~0xffffffffull) | val;
}

/*
 * A 32-bit register write other than Status = 0; lock held, except for
 * QueueNotify and InterruptACK, which touch only an eventfd and an atomic.
 */
static void vmmio_reg_write(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		t->dev_feat_sel = val;
		break;
	case REG_DRIVER_FEATURES:
		/* Spec 2.2.2: no changes once FEATURES_OK is set. */
		if (t->drv_feat_sel < 2 && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
			uint32_t shift = 32 * t->drv_feat_sel;

			t->driver_features &= ~(0xffffffffull << shift);
			t->driver_features |= (uint64_t)val << shift;
		}
		break;
	case REG_DRIVER_FEATURES_SEL:
		t->drv_feat_sel = val;
		break;
	case REG_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case REG_QUEUE_NUM:
	case REG_QUEUE_READY:
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		vmmio_queue_write(t, off, val);
		break;
	case REG_QUEUE_NOTIFY:
		/* Only when no ioeventfd caught it: hand it to the queue's thread. */
		if (val < t->nqueues) {
			uint64_t one = 1;

			if (write(t->q[val].kick_fd, &one, sizeof(one)) < 0) {
				/* EAGAIN: the counter is saturated, a kick is pending anyway */
			}
		}
		break;
	case REG_INTERRUPT_ACK:
		atomic_fetch_and(&t->isr, ~val);
		break;
	case REG_STATUS:
		vmmio_status_write(t, val);
		break;
	default:
		break; /* read-only and reserved registers */
	}
}

/* Wrong width or alignment for a register: log once, ignore. */
static bool vmmio_reg_access_ok(struct virtio_mmio *t, uint64_t off, uint32_t len)
{
	if (len == 4 && !(off & 3))
		return true;
	pthread_mutex_lock(&t->lock);
	if (!t->width_logged)
		log_warn("virtio device %u: %u-byte access to register 0x%03llx ignored",
			 t->ops->device_id, len, (unsigned long long)off);
	t->width_logged = true;
	pthread_mutex_unlock(&t->lock);
	return false;
}

static void vmmio_read(void *opaque, uint64_t off, void *data, uint32_t len)
{
	struct virtio_mmio *t = opaque;
	uint32_t val;

	memset(data, 0, len);
	if (off >= REG_CONFIG) {
		pthread_mutex_lock(&t->lock);
		if (t->ops->config_read)
			t->ops->config_read(t->dev, (uint32_t)(off - REG_CONFIG), data, len);
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (!vmmio_reg_access_ok(t, off, len))
		return;
	pthread_mutex_lock(&t->lock);
	val = vmmio_reg_read(t, off);
	pthread_mutex_unlock(&t->lock);
	memcpy(data, &val, sizeof(val));
}

static void vmmio_write(void *opaque, uint64_t off, const void *data, uint32_t len)
{
	struct virtio_mmio *t = opaque;
	uint32_t val;

	if (off >= REG_CONFIG) {
		pthread_mutex_lock(&t->lock);
		if (t->ops->config_write)
			t->ops->config_write(t->dev, (uint32_t)(off - REG_CONFIG), data, len);
		pthread_mutex_unlock(&t->lock);
		return;
	}
	if (!vmmio_reg_access_ok(t, off, len))
		return;
	memcpy(&val, data, sizeof(val));
	if (off == REG_QUEUE_NOTIFY || off == REG_INTERRUPT_ACK) {
		/* The hot registers: an eventfd write and an atomic, no lock. */
		vmmio_reg_write(t, off, val);
		return;
	}
	pthread_mutex_lock(&t->ctl);
	if (off == REG_STATUS && !val) {
		vmmio_reset(t);
	} else {
		pthread_mutex_lock(&t->lock);
		vmmio_reg_write(t, off, val);
		pthread_mutex_unlock(&t->lock);
	}
	pthread_mutex_unlock(&t->ctl);
}

const struct bus_dev_ops virtio_mmio_ops = {
	.read = vmmio_read,
	.write = vmmio_write,
};
