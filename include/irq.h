/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_IRQ_H
#define VMM_IRQ_H

/*
 * An interrupt line as a device sees it. The device knows neither the
 * interrupt controller nor the interrupt number; vmm/ and arm64/ provide the
 * implementation.
 *
 * Level lines (UART, RTC, GPIO): irq_set() raises or lowers the level, with
 * a KVM_IRQ_LINE on a GIC SPI; it skips the ioctl when the level is
 * unchanged.
 * Edge lines (virtio-mmio): irq_pulse() sends one edge; the implementation
 * writes an irqfd, so the hot path is one eventfd write and no ioctl.
 *
 * Both may be called from any thread, with the device's lock held; the
 * implementation takes no lock of its own.
 */
struct irq_line {
	void (*set)(struct irq_line *line, int level);
	void (*pulse)(struct irq_line *line);
	void *ctx;       /* the implementation's */
	unsigned int id; /* the implementation's (for example the GIC SPI) */
	int level;       /* last level set */
	int fd;          /* the implementation's (for example an irqfd) */
};

static inline void irq_set(struct irq_line *line, int level)
{
	if (line && line->set)
		line->set(line, level);
}

static inline void irq_pulse(struct irq_line *line)
{
	if (!line)
		return;
	if (line->pulse) {
		line->pulse(line);
	} else if (line->set) {
		line->set(line, 1);
		line->set(line, 0);
	}
}

#endif
