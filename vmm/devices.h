/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_DEVICES_H
#define VMM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arm64/layout.h"
#include "bus.h"
#include "device.h"
#include "irq.h"

/*
 * The guest's devices, described once: a table owned by the VM
 * (vm->devices), one entry per device in the order they were created. An
 * entry knows its device-tree description, its bus window, its interrupt
 * line and, through its ops, how to reset, destroy and report itself.
 * Creating, resetting, destroying and `vmm info` loop over the table;
 * nothing outside a device's own file (vmm/dev_*.c) knows its kind.
 *
 * Two helpers wire an entry, each from one description so that the bus
 * window and the device-tree node cannot disagree:
 *   board_wire   a fixed device of arm64/layout.h (UART, RTC, GPIO, pvpanic)
 *   virtio_wire  a virtio device on the next virtio-mmio slot
 * Both go through struct dev_host for what needs KVM (interrupt lines,
 * ioeventfds), so the table and the wiring run in unit tests.
 *
 * Everything here runs on the main thread while no vCPU runs, except
 * devices_console_rx/size and devices_power_button (main thread, vCPUs
 * running: they only call into device models, which lock themselves).
 */
struct vm;
struct json;
struct virtio_mmio;
struct virtio_dev_ops;

/* What KVM provides (vmm/dev_kvm.c; a fake in tests). */
struct dev_host {
	/*
	 * An interrupt line on GIC SPI spi: level (KVM_IRQ_LINE) or edge (an
	 * irqfd). Returns a status after printing the cause; the line may be
	 * released either way.
	 */
	int (*irq_init)(void *ctx, struct irq_line *line, unsigned int spi, bool edge);
	/* Undo irq_init (safe on a line whose irq_init failed). */
	void (*irq_release)(void *ctx, struct irq_line *line);
	/* arm64_ioeventfd: returns 0 or -errno. */
	int (*ioeventfd)(void *ctx, uint64_t addr, uint32_t len, uint32_t datamatch, int fd,
			 bool assign);
	void *ctx;
};

struct vm_device;

/* What a kind of device does for the table; every member may be NULL. */
struct vm_device_ops {
	/* Guest reboot, after the transport's reset (virtio): back to power-on state. */
	void (*reset)(struct vm_device *d);
	/*
	 * Free d->model and d->priv; either may still be NULL (a creation
	 * that failed midway). Called after the transport is freed and
	 * before the entry leaves the bus and its interrupt line goes.
	 */
	void (*destroy)(struct vm_device *d);
	/*
	 * `vmm info`: with info_members, info writes members into the object
	 * named info_key that the caller has open (devices_info); otherwise
	 * each entry is one object of the array info_key (devices_info_lists).
	 * The text form is made from the JSON (client_flatten_json).
	 */
	const char *info_key;
	bool info_members;
	void (*info)(struct vm_device *d, struct json *j);
	/*
	 * The guest's console, when this device is it (the last created
	 * such entry is): its name in `vmm info` ("serial", "virtio"), input
	 * for the guest (returns what it took) and the terminal's size.
	 */
	const char *console;
	size_t (*console_rx)(struct vm_device *d, const uint8_t *buf, size_t len);
	void (*console_size)(struct vm_device *d, unsigned int cols, unsigned int rows);
	/* The console's input ended (vmm's stdin reached EOF): command mode's STDIN EOF. */
	void (*console_eof)(struct vm_device *d);
	/* `vmm stop`: press the guest's power button. */
	void (*power_button)(struct vm_device *d);
	/*
	 * `vmm pause` / `vmm resume`, with the vCPUs stopped and vmm's own
	 * device threads out of the pause gate: stop or restart what works
	 * on guest memory outside vmm's threads (vhost-net's kernel worker).
	 */
	void (*pause)(struct vm_device *d, bool paused);
};

/* One device of the guest. */
struct vm_device {
	struct vm *vm;
	char name[16];             /* blk0, net0, hvc0, uart0, rtc0, gpio0, pvpanic */
	const struct vm_device_ops *ops;
	unsigned int index;        /* within its group: disk i, NIC i */
	struct dev_desc desc;      /* for the device tree: kind, window, SPI */
	struct irq_line irq;       /* valid with has_irq */
	struct bus_dev bus;        /* the window desc.base/desc.size, on the bus with on_bus */
	bool has_irq, on_bus;
	struct virtio_mmio *mmio;  /* virtio: the transport; NULL for board devices */
	void *model;               /* the device model (struct pl031 *, struct virtio_blk *) */
	void *priv;                /* the kind's own state, freed by ops->destroy */
};

#define VM_MAX_DEVICES (4 + LAYOUT_VIRTIO_MAX)

/* The table (in struct vm). */
struct vm_devices {
	struct vm_device dev[VM_MAX_DEVICES];
	unsigned int n;            /* entries, created or being created */
	unsigned int nvirtio;      /* virtio-mmio slots taken */
	struct vm_device *console; /* the guest's console device, or NULL */
	struct dev_host host;      /* set before the first entry */
};

/*
 * devices_add - a new, empty entry named name with ops, at the end of the
 * table. Returns VMM_OK and stores it in *out, or prints "NAME: too many
 * devices (N in all)" and returns VMM_ERR_INTERNAL.
 * devices_undo_last - destroy the last entry (a creation that failed):
 * exactly what of it was made goes.
 */
int devices_add(struct vm *vm, const char *name, const struct vm_device_ops *ops,
		struct vm_device **out);
void devices_undo_last(struct vm *vm);

/*
 * devices_reset - every entry back to power-on state, in creation order
 * (guest reboot, vCPUs stopped). devices_destroy - every entry, in reverse
 * order of creation; safe on a partly created table and when called twice.
 */
void devices_reset(struct vm *vm);
void devices_destroy(struct vm *vm);

/*
 * devices_dt - copy the entries' device-tree descriptions, in table order,
 * into out (room for VM_MAX_DEVICES); returns how many.
 */
unsigned int devices_dt(const struct vm *vm, struct dev_desc *out);

/*
 * devices_info - the members every entry with info_members and info_key
 * key adds to the object the caller has open. devices_info_lists - every
 * array section: "disks" and "nics" always (empty or not), then any other
 * info_key in order of first appearance.
 */
void devices_info(struct vm *vm, struct json *j, const char *key);
void devices_info_lists(struct vm *vm, struct json *j);

/*
 * devices_console_name - the console device's name in `vmm info`, "serial"
 * without one. devices_console_rx - console input for the guest's console
 * device (the 16550 or virtio-console); returns how much it took (the rest
 * waits for rx_ready_fd). devices_console_size - the console's terminal
 * size (virtio-console only; the UART has none). devices_power_button -
 * every device's power button (the GPIO's gpio-keys line). Main thread.
 */
const char *devices_console_name(const struct vm *vm);
size_t devices_console_rx(struct vm *vm, const uint8_t *buf, size_t len);
void devices_console_size(struct vm *vm, unsigned int cols, unsigned int rows);
void devices_power_button(struct vm *vm);
/* devices_console_eof - the console's input ended (its console_eof op). Main thread. */
void devices_console_eof(struct vm *vm);

/* devices_pause - every device's pause op (see vm_device_ops). Main thread. */
void devices_pause(struct vm *vm, bool paused);

/*
 * devices_bus_add - put d's window (d->desc.base, d->desc.size) on the bus
 * under d's name with bus callbacks ops (opaque: d->bus.opaque, set by the
 * caller). Returns VMM_OK, or prints "NAME: adding it at 0xBASE: CAUSE"
 * and returns VMM_ERR_INTERNAL.
 */
int devices_bus_add(struct vm *vm, struct vm_device *d, const struct bus_dev_ops *ops);

/*
 * board_wire - a fixed device: an entry named name with ops, desc's window
 * on the bus and in the device tree, a level interrupt line on desc->spi
 * unless no_irq, and the model from create (which sets d->model, may set
 * d->priv and the bus region's optional fields; the bus callbacks' opaque
 * is d->model). Returns a status; on failure what was made is undone.
 */
struct board_desc {
	const char *name;
	struct dev_desc dt;        /* kind, base, size, spi, edge */
	bool no_irq;
	const struct bus_dev_ops *bus_ops;
	int (*create)(struct vm_device *d, void *arg);
};
int board_wire(struct vm *vm, const struct board_desc *b, const struct vm_device_ops *ops,
	       void *arg, struct vm_device **out);

/*
 * virtio_wire - a virtio device on the next virtio-mmio slot: the slot's
 * window and SPI, the model (create: sets d->model, may set d->priv, and
 * stores its queue count), an edge interrupt line with its irqfd, the
 * transport with its QueueNotify ioeventfds, the bus window and the
 * device-tree node from the same base and size, and the table entry.
 * Without a free slot prints "WHAT: no virtio-mmio slot left (N in all)"
 * and returns VMM_ERR_USAGE before anything is made; any other failure
 * returns the failing step's status and undoes the rest.
 */
struct virtio_wire_desc {
	const char *name;          /* the entry and bus region: "blk0" */
	const char *what;          /* what messages start with: "disk rootfs.img" */
	const struct vm_device_ops *ops;
	const struct virtio_dev_ops *vops;
	uint16_t qmax;             /* most entries in a queue */
	unsigned int index;        /* d->index */
	int (*create)(struct vm_device *d, void *arg, unsigned int *nqueues);
	void *arg;
};
int virtio_wire(struct vm *vm, const struct virtio_wire_desc *w, struct vm_device **out);

/*
 * The groups, in vmm/dev_*.c: the board devices (uart0, rtc0, gpio0,
 * pvpanic); disk i (blk<i>); NIC i (net<i>); the virtio console (hvc0).
 * phase_devices (vmm/run.c) calls them in that order: the virtio slots go
 * to disks, then NICs, then the console.
 */
int dev_board_create(struct vm *vm);
int dev_disk_create(struct vm *vm, unsigned int i);
int dev_nic_create(struct vm *vm, unsigned int i);
int dev_console_create(struct vm *vm);
/* Share i (fs<i>, virtio-fs; vmm/dev_fs.c), after the NICs and before the console. */
int dev_fs_create(struct vm *vm, unsigned int i);
/* The entropy device (rng0, vmm/dev_rng.c), last: unless --rng off. */
int dev_rng_create(struct vm *vm);

/* dev_kvm_host - fill h to act on kvm, a VM whose vGIC is initialised (vmm/dev_kvm.c). */
struct arm64_vm;
void dev_kvm_host(struct dev_host *h, struct arm64_vm *kvm);

#endif
