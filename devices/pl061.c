// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARM PL061 GPIO controller (PrimeCell GPIO, ARM DDI 0190).
 *
 * The interrupt logic watches the pins, not the registers: a pin carries the
 * data latch when its line is an output and the host's level when it is an
 * input. After every change the pins are compared with what the logic saw
 * last; edges latch into the raw status until the guest writes GPIOIC,
 * while level-sensitive lines report their current level.
 *
 * GPIOAFSEL is kept for the guest to read back; there is no alternate
 * function hardware behind it, so it changes nothing.
 *
 * Threads:
 *   gpio-pulse  one per PL061; sleeps on the device's condition variable
 *               until a press from pl061_pulse() is due to end, then
 *               releases the line. Holds the device lock except while
 *               asleep. Takes no signals (dev_thread_start()).
 *   others      vCPU threads (bus callbacks) and host callers of the
 *               functions in pl061.h take the device lock for each call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev_thread.h"
#include "log.h"
#include "pl061.h"
#include "status.h"

#define PL061_DATA_END 0x400 /* GPIODATA: 0x000..0x3fc, address bits 9:2 mask */
#define PL061_DIR 0x400
#define PL061_IS 0x404
#define PL061_IBE 0x408
#define PL061_IEV 0x40c
#define PL061_IE 0x410
#define PL061_RIS 0x414
#define PL061_MIS 0x418
#define PL061_IC 0x41c
#define PL061_AFSEL 0x420
#define PL061_ID 0xfe0 /* PeriphID0..3, PCellID0..3, one byte per word */

/* ID registers: part 0x061, designer 0x41 (ARM), revision 0; PrimeCell. */
static const uint8_t pl061_id[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl061 {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the pulse thread: a new release or stopping */
	pthread_t thread;
	bool stop;

	struct irq_line *irq;

	uint8_t out;   /* GPIODATA latch, driven onto the output lines */
	uint8_t in;    /* levels the host drives onto the lines */
	uint8_t pins;  /* the pins as the interrupt logic last saw them */
	uint8_t dir;   /* 1: output */
	uint8_t is;    /* 1: level-sensitive, 0: edge */
	uint8_t ibe;   /* 1: both edges */
	uint8_t iev;   /* 1: rising edge or high level */
	uint8_t ie;    /* 1: unmasked */
	uint8_t edges; /* edge interrupts latched, until GPIOIC */
	uint8_t afsel;

	uint8_t pulsing; /* lines whose press ends at release_ns[] */
	int64_t release_ns[PL061_NR_LINES]; /* CLOCK_MONOTONIC */
};

static uint8_t pl061_pins(const struct pl061 *gpio)
{
	return (uint8_t)((gpio->out & gpio->dir) | (gpio->in & ~gpio->dir));
}

static uint8_t pl061_ris(const struct pl061 *gpio)
{
	uint8_t level = (uint8_t)~(gpio->pins ^ gpio->iev);

	return (uint8_t)((gpio->edges & ~gpio->is) | (level & gpio->is));
}

/* Let the interrupt logic see the pins as they are now; drive the line. */
static void pl061_update(struct pl061 *gpio)
{
	uint8_t now = pl061_pins(gpio);
	uint8_t changed = now ^ gpio->pins;
	uint8_t rising = changed & now, falling = changed & gpio->pins;
	uint8_t fired = (uint8_t)((changed & gpio->ibe) | (rising & ~gpio->ibe & gpio->iev) |
				  (falling & ~gpio->ibe & ~gpio->iev));

	gpio->edges |= fired & ~gpio->is;
	gpio->pins = now;
	irq_set(gpio->irq, (pl061_ris(gpio) & gpio->ie) ? 1 : 0);
}

static uint8_t pl061_read_reg(struct pl061 *gpio, uint64_t offset)
{
	if (offset < PL061_DATA_END)
		return gpio->pins & (uint8_t)(offset >> 2);
	switch (offset) {
	case PL061_DIR:
		return gpio->dir;
	case PL061_IS:
		return gpio->is;
	case PL061_IBE:
		return gpio->ibe;
	case PL061_IEV:
		return gpio->iev;
	case PL061_IE:
		return gpio->ie;
	case PL061_RIS:
		return pl061_ris(gpio);
	case PL061_MIS:
		return pl061_ris(gpio) & gpio->ie;
	case PL061_AFSEL:
		return gpio->afsel;
	default:
		if (offset >= PL061_ID) /* below PL061_MMIO_SIZE: checked by the caller */
			return pl061_id[(offset - PL061_ID) / 4];
		return 0; /* GPIOIC is write-only; the rest is reserved */
	}
}

static void pl061_write_reg(struct pl061 *gpio, uint64_t offset, uint8_t val)
{
	if (offset < PL061_DATA_END) {
		/* Only unmasked output lines take the value (input lines keep theirs). */
		uint8_t mask = (uint8_t)(offset >> 2) & gpio->dir;

		gpio->out = (uint8_t)((gpio->out & ~mask) | (val & mask));
		return;
	}
	switch (offset) {
	case PL061_DIR:
		gpio->dir = val;
		break;
	case PL061_IS:
		gpio->is = val;
		/* A line leaving edge mode drops its latch, so none goes stale. */
		gpio->edges &= (uint8_t)~val;
		break;
	case PL061_IBE:
		gpio->ibe = val;
		break;
	case PL061_IEV:
		gpio->iev = val;
		break;
	case PL061_IE:
		gpio->ie = val;
		break;
	case PL061_IC:
		gpio->edges &= (uint8_t)~val;
		break;
	case PL061_AFSEL:
		gpio->afsel = val;
		break;
	default:
		break; /* RIS, MIS and the IDs are read-only */
	}
}

static void pl061_mmio_read(void *opaque, uint64_t offset, void *data, uint32_t len)
{
	struct pl061 *gpio = opaque;
	uint8_t val = 0;

	if (!(offset & 3) && offset < PL061_MMIO_SIZE) {
		pthread_mutex_lock(&gpio->lock);
		val = pl061_read_reg(gpio, offset);
		pthread_mutex_unlock(&gpio->lock);
	}
	if (len) {
		memset(data, 0, len);
		*(uint8_t *)data = val;
	}
}

static void pl061_mmio_write(void *opaque, uint64_t offset, const void *data, uint32_t len)
{
	struct pl061 *gpio = opaque;

	if ((offset & 3) || offset >= PL061_MMIO_SIZE || !len)
		return;
	pthread_mutex_lock(&gpio->lock);
	pl061_write_reg(gpio, offset, *(const uint8_t *)data);
	pl061_update(gpio);
	pthread_mutex_unlock(&gpio->lock);
}

const struct bus_dev_ops pl061_ops = {
	.read = pl061_mmio_read,
	.write = pl061_mmio_write,
};

static int64_t pl061_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *pl061_thread(void *arg)
{
	struct pl061 *gpio = arg;

	pthread_mutex_lock(&gpio->lock);
	while (!gpio->stop) {
		int64_t now = pl061_now_ns(), next = INT64_MAX;
		uint8_t due = 0;

		for (unsigned int i = 0; i < PL061_NR_LINES; i++) {
			if (!(gpio->pulsing & (1u << i)))
				continue;
			if (gpio->release_ns[i] <= now)
				due |= (uint8_t)(1u << i);
			else if (gpio->release_ns[i] < next)
				next = gpio->release_ns[i];
		}
		if (due) {
			gpio->pulsing &= (uint8_t)~due;
			gpio->in &= (uint8_t)~due;
			pl061_update(gpio);
		}
		if (next != INT64_MAX) {
			struct timespec until = {
				.tv_sec = (time_t)(next / 1000000000),
				.tv_nsec = (long)(next % 1000000000),
			};

			pthread_cond_timedwait(&gpio->wake, &gpio->lock, &until);
		} else {
			pthread_cond_wait(&gpio->wake, &gpio->lock);
		}
	}
	pthread_mutex_unlock(&gpio->lock);
	return NULL;
}

int pl061_new(struct irq_line *irq, struct pl061 **out)
{
	struct pl061 *gpio = calloc(1, sizeof(*gpio));
	int rc;

	if (!gpio) {
		rc = errno;
		goto fail;
	}
	rc = dev_cond_init(&gpio->lock, &gpio->wake);
	if (rc) {
		free(gpio);
		goto fail;
	}
	gpio->irq = irq;
	rc = dev_thread_start(&gpio->thread, "gpio-pulse", pl061_thread, gpio);
	if (rc) {
		dev_cond_destroy(&gpio->lock, &gpio->wake);
		free(gpio);
		goto fail;
	}
	*out = gpio;
	return VMM_OK;
fail:
	errno = rc;
	log_errno("gpio: creating the PL061");
	errno = rc; /* for the caller that wants the cause, as tests do */
	return VMM_ERR_INTERNAL;
}

void pl061_free(struct pl061 *gpio)
{
	if (!gpio)
		return;
	pthread_mutex_lock(&gpio->lock);
	gpio->stop = true;
	pthread_cond_signal(&gpio->wake);
	pthread_mutex_unlock(&gpio->lock);
	pthread_join(gpio->thread, NULL);
	dev_cond_destroy(&gpio->lock, &gpio->wake);
	free(gpio);
}

void pl061_reset(struct pl061 *gpio)
{
	pthread_mutex_lock(&gpio->lock);
	gpio->out = 0;
	gpio->dir = 0;
	gpio->is = 0;
	gpio->ibe = 0;
	gpio->iev = 0;
	gpio->ie = 0;
	gpio->edges = 0;
	gpio->afsel = 0;
	/* The logic restarts from the pins as they are: a reset is no edge. */
	gpio->pins = pl061_pins(gpio);
	pl061_update(gpio);
	pthread_mutex_unlock(&gpio->lock);
}

int pl061_set_input(struct pl061 *gpio, unsigned int line, int level)
{
	uint8_t bit;

	if (line >= PL061_NR_LINES)
		return -EINVAL;
	bit = (uint8_t)(1u << line);
	pthread_mutex_lock(&gpio->lock);
	gpio->pulsing &= (uint8_t)~bit;
	if (level)
		gpio->in |= bit;
	else
		gpio->in &= (uint8_t)~bit;
	pl061_update(gpio);
	pthread_mutex_unlock(&gpio->lock);
	return 0;
}

int pl061_pulse(struct pl061 *gpio, unsigned int line, unsigned int hold_ms)
{
	if (line >= PL061_NR_LINES)
		return -EINVAL;
	pthread_mutex_lock(&gpio->lock);
	gpio->in |= (uint8_t)(1u << line);
	pl061_update(gpio);
	gpio->release_ns[line] = pl061_now_ns() + (int64_t)hold_ms * 1000000;
	gpio->pulsing |= (uint8_t)(1u << line);
	pthread_cond_signal(&gpio->wake);
	pthread_mutex_unlock(&gpio->lock);
	return 0;
}
