// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM PL031 real-time clock (PrimeCell RTC, ARM DDI 0224).
 *
 * Time is not stored: DR is computed on every read as the clock plus an
 * offset, so the RTC needs no ticking. The alarm is computed the same way:
 * arming it (an MR or LR write) records the clock value at which DR will
 * equal MR, counting as the 32-bit hardware counter does, wrapping. Every
 * register access first catches up, latching RIS if that moment has passed,
 * so what the guest reads is exact without help from the thread.
 *
 * Threads:
 *   rtc-alarm  one per PL031; sleeps on the device's condition variable
 *              until an unmasked alarm is due, then latches RIS and raises
 *              the line. Holds the device lock except while asleep.
 *              Takes no signals (dev_thread_start()).
 *   others     vCPU threads (bus callbacks) and whoever calls pl031_reset()
 *              take the device lock for the whole access.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev_thread.h"
#include "log.h"
#include "pl031.h"
#include "status.h"

#define PL031_DR 0x00
#define PL031_MR 0x04
#define PL031_LR 0x08
#define PL031_CR 0x0c
#define PL031_IMSC 0x10
#define PL031_RIS 0x14
#define PL031_MIS 0x18
#define PL031_ICR 0x1c
#define PL031_ID 0xfe0 /* PeriphID0..3, PCellID0..3, one byte per word */

#define PL031_INT_ALARM 0x01
#define PL031_CR_START 0x01

/*
 * The alarm thread sleeps on CLOCK_MONOTONIC but the alarm is due on the
 * device's clock (the wall clock); the two drift apart when the host's wall
 * clock is stepped or the host suspends. Sleeping at most this long and
 * re-checking bounds the resulting lateness.
 */
#define PL031_RECHECK_SEC 10

/* ID registers: part 0x031, designer 0x41 (ARM), revision 0; PrimeCell. */
static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl031 {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the alarm thread: re-armed or stopping */
	pthread_t thread;
	bool stop;

	struct irq_line *irq;
	pl031_clock_fn *clock;
	void *clock_ctx;

	int64_t offset; /* DR = low 32 bits of clock() + offset */
	uint32_t mr, lr;
	uint32_t imsc, ris;
	bool armed;       /* DR will equal MR when clock() reaches alarm_at */
	int64_t alarm_at;
};

static int64_t pl031_wall_clock(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static uint32_t pl031_dr(const struct pl031 *rtc, int64_t now)
{
	return (uint32_t)(uint64_t)(now + rtc->offset);
}

static void pl031_update_irq(struct pl031 *rtc)
{
	irq_set(rtc->irq, (rtc->ris & rtc->imsc) ? 1 : 0);
}

/* Latch RIS if DR has reached MR since the alarm was armed. */
static void pl031_catch_up(struct pl031 *rtc, int64_t now)
{
	if (rtc->armed && now >= rtc->alarm_at) {
		rtc->ris |= PL031_INT_ALARM;
		rtc->armed = false;
	}
}

/*
 * MR or DR changed: find the next time DR equals MR. The counter wraps, so a
 * match "in the past" is 2^32 seconds ahead, like the hardware's; a match
 * now fires at once.
 */
static void pl031_arm(struct pl031 *rtc, int64_t now)
{
	uint32_t ticks = rtc->mr - pl031_dr(rtc, now);

	rtc->armed = ticks != 0;
	rtc->alarm_at = now + ticks;
	if (!ticks)
		rtc->ris |= PL031_INT_ALARM;
	pthread_cond_signal(&rtc->wake);
}

static uint32_t pl031_read_reg(struct pl031 *rtc, uint64_t offset, int64_t now)
{
	switch (offset) {
	case PL031_DR:
		return pl031_dr(rtc, now);
	case PL031_MR:
		return rtc->mr;
	case PL031_LR:
		return rtc->lr;
	case PL031_CR:
		/* Started at power-on; only a reset could stop it. */
		return PL031_CR_START;
	case PL031_IMSC:
		return rtc->imsc;
	case PL031_RIS:
		return rtc->ris;
	case PL031_MIS:
		return rtc->ris & rtc->imsc;
	default:
		if (offset >= PL031_ID) /* below PL031_MMIO_SIZE: checked by the caller */
			return pl031_id[(offset - PL031_ID) / 4];
		return 0; /* ICR is write-only; the rest is reserved */
	}
}

static void pl031_write_reg(struct pl031 *rtc, uint64_t offset, uint32_t val, int64_t now)
{
	switch (offset) {
	case PL031_MR:
		rtc->mr = val;
		pl031_arm(rtc, now);
		break;
	case PL031_LR:
		rtc->lr = val;
		rtc->offset = (int64_t)val - now;
		pl031_arm(rtc, now);
		break;
	case PL031_IMSC:
		rtc->imsc = val & PL031_INT_ALARM;
		/* The thread sleeps through masked alarms; it may have work now. */
		pthread_cond_signal(&rtc->wake);
		break;
	case PL031_ICR:
		rtc->ris &= ~(val & PL031_INT_ALARM);
		break;
	default:
		/*
		 * DR, RIS, MIS and the IDs are read-only. CR: once started the
		 * RTC ignores writes to the start bit until a reset.
		 */
		break;
	}
}

static bool pl031_access_ok(uint64_t offset, uint32_t len)
{
	return len == 4 && !(offset & 3) && offset < PL031_MMIO_SIZE;
}

static void pl031_mmio_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct pl031 *rtc = opaque;
	uint32_t val;
	int64_t now;

	if (!pl031_access_ok(offset, len)) {
		memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&rtc->lock);
	now = rtc->clock(rtc->clock_ctx);
	pl031_catch_up(rtc, now);
	val = pl031_read_reg(rtc, offset, now);
	pl031_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
	memcpy(data, &val, 4);
}

static void pl031_mmio_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct pl031 *rtc = opaque;
	uint32_t val;
	int64_t now;

	if (!pl031_access_ok(offset, len))
		return;
	memcpy(&val, data, 4);
	pthread_mutex_lock(&rtc->lock);
	now = rtc->clock(rtc->clock_ctx);
	pl031_catch_up(rtc, now);
	pl031_write_reg(rtc, offset, val, now);
	pl031_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

const struct bus_dev_ops pl031_ops = {
	.read = pl031_mmio_read,
	.write = pl031_mmio_write,
};

static void *pl031_thread(void *arg)
{
	struct pl031 *rtc = arg;

	pthread_mutex_lock(&rtc->lock);
	while (!rtc->stop) {
		int64_t now = rtc->clock(rtc->clock_ctx);
		struct timespec until;

		pl031_catch_up(rtc, now);
		pl031_update_irq(rtc);
		/* A masked alarm needs no thread: accesses latch RIS themselves. */
		if (!rtc->armed || !rtc->imsc) {
			pthread_cond_wait(&rtc->wake, &rtc->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		if (rtc->alarm_at - now < PL031_RECHECK_SEC)
			until.tv_sec += rtc->alarm_at - now;
		else
			until.tv_sec += PL031_RECHECK_SEC;
		pthread_cond_timedwait(&rtc->wake, &rtc->lock, &until);
	}
	pthread_mutex_unlock(&rtc->lock);
	return NULL;
}

int pl031_new(struct irq_line *irq, pl031_clock_fn *clock, void *clock_ctx, struct pl031 **out)
{
	struct pl031 *rtc = calloc(1, sizeof(*rtc));
	int rc;

	if (!rtc) {
		rc = errno;
		goto fail;
	}
	rc = dev_cond_init(&rtc->lock, &rtc->wake);
	if (rc) {
		free(rtc);
		goto fail;
	}
	rtc->irq = irq;
	rtc->clock = clock ? clock : pl031_wall_clock;
	rtc->clock_ctx = clock_ctx;
	rc = dev_thread_start(&rtc->thread, "rtc-alarm", pl031_thread, rtc);
	if (rc) {
		dev_cond_destroy(&rtc->lock, &rtc->wake);
		free(rtc);
		goto fail;
	}
	*out = rtc;
	return VMM_OK;
fail:
	errno = rc;
	log_errno("rtc: creating the PL031");
	errno = rc; /* for the caller that wants the cause, as tests do */
	return VMM_ERR_INTERNAL;
}

void pl031_free(struct pl031 *rtc)
{
	if (!rtc)
		return;
	pthread_mutex_lock(&rtc->lock);
	rtc->stop = true;
	pthread_cond_signal(&rtc->wake);
	pthread_mutex_unlock(&rtc->lock);
	pthread_join(rtc->thread, NULL);
	dev_cond_destroy(&rtc->lock, &rtc->wake);
	free(rtc);
}

void pl031_reset(struct pl031 *rtc)
{
	pthread_mutex_lock(&rtc->lock);
	rtc->mr = 0;
	rtc->imsc = 0;
	rtc->ris = 0;
	rtc->armed = false;
	pl031_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
}
