/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "arm64/kvm.h"
#include "arm64/layout.h"
#include "bus.h"
#include "config.h"
#include "dev_thread.h"
#include "device.h"
#include "guest_mem.h"
#include "irq.h"
#include "vmm/console.h"
#include "vmm/console_router.h"
#include "vmm/console_pty.h"
#include "vmm/ctl_proto.h"
#include "vmm/loader.h"
#include "vmm/runtime.h"

struct uart16550;
struct pl031;
struct pl061;
struct pvpanic;
struct virtio_blk;
struct virtio_console;
struct virtio_net;
struct virtio_mmio;

/* What ended a guest run, posted by a vCPU thread or the main loop. */
enum vm_event {
	VM_EV_NONE,
	VM_EV_POWEROFF,  /* PSCI SYSTEM_OFF */
	VM_EV_RESET,     /* PSCI SYSTEM_RESET / RESET2 */
	VM_EV_CRASH,     /* an exit vmm cannot continue from */
	VM_EV_ERROR,     /* KVM_RUN itself failed */
	VM_EV_QUIT,      /* Ctrl-A x */
	VM_EV_SIGNAL,    /* SIGINT, SIGTERM, SIGHUP */
	VM_EV_KILLED,    /* `vmm kill` */
	VM_EV_TIMEOUT,   /* --timeout expired */
	VM_EV_PANIC,     /* the guest reported a panic (pvpanic) */
};

/* The control socket and the name (vmm/ctl.c, vmm/runtime.h). */
#define CTL_MAX_CLIENTS 8

struct ctl_client {
	int fd;
	struct ctl_line in;     /* the request line so far */
};

struct vm_ctl {
	char dir[4096];
	char name[RT_NAME_MAX + 1];
	int lock_fd, listen_fd;
	struct ctl_client clients[CTL_MAX_CLIENTS];
	bool paused;
	double started;         /* CLOCK_MONOTONIC seconds */
};

/* The 16550 console with its fast path (vmm/serial.c). */
struct vm_serial {
	struct vm *vm;
	struct uart16550 *uart;
	uint64_t base, size;
	uint8_t out[4096];        /* output collected during a replay of coalesced writes */
	size_t nout;
	struct bus_dev bus;       /* THR coalescible with VMM_SERIAL_COALESCE set */
};

struct vcpu_thread {
	struct arm64_vcpu cpu;
	struct vm *vm;
	pthread_t tid;
	bool started;
	atomic_bool stop;
};

/* A --disk: virtio-blk behind a virtio-mmio transport. */
struct vm_disk {
	struct vm *vm;
	char name[16];
	uint64_t base;
	struct virtio_blk *blk;
	struct virtio_mmio *mmio;
	struct irq_line irq;    /* edge, through an irqfd */
	struct bus_dev bus;
};

/* One --network NIC (vmm/kvm_net.c). */
struct vm_nic {
	struct vm *vm;           /* NULL until nic_create() starts on it */
	char name[16];
	uint64_t base;
	struct virtio_net *net;
	struct virtio_mmio *mmio;
	struct irq_line irq;     /* edge, through an irqfd (vhost-net's call fd) */
	struct bus_dev bus;
	char ifname[16];         /* the tap's */
	uint8_t mac[6];
};

struct vm {
	const struct vm_config *cfg;
	struct arm64_host host;
	struct arm64_vm kvm;
	struct guest_mem mem;
	struct arm64_layout layout;
	struct boot_files files;
	char *bootargs;
	struct bus bus;
	struct vcpu_thread *vcpus;
	unsigned int nvcpus;

	struct dev_desc devs[4 + LAYOUT_VIRTIO_MAX];
	unsigned int ndevs;
	struct vm_serial serial;
	struct pl031 *rtc;
	struct pl061 *gpio;
	struct pvpanic *pvpanic;
	struct irq_line irq_uart, irq_rtc, irq_gpio;
	struct bus_dev bus_rtc, bus_gpio, bus_pvpanic;
	struct virtio_console *vcon;       /* --console virtio, else NULL */
	struct virtio_mmio *vcon_mmio;
	struct irq_line irq_vcon;
	struct bus_dev bus_vcon;
	uint64_t vcon_base;
	struct vm_disk disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;    /* created so far */
	struct vm_nic nics[NET_MAX_NICS];
	unsigned int nnics;     /* created so far */
	unsigned int nvirtio;   /* virtio-mmio slots used */

	/* vCPU threads report the first event; the main loop waits on event_fd. */
	struct dev_gate gate;   /* closed while paused: see dev_thread.h */
	atomic_int event;
	int event_fd;
	int rx_ready_fd;  /* eventfd: the UART has room for console input again */
	int exit_signal;
	struct console_router console; /* output sinks, input source, escapes */
	struct console_pty pty;  /* --console-pty; pty.master -1 otherwise */
	unsigned int reboots;
	struct vm_ctl ctl;
};

/*
 * vm_post_event - record ev if no event is pending and wake the main loop.
 * Returns true when ev was the first. Any thread; lock-free.
 */
bool vm_post_event(struct vm *vm, enum vm_event ev);

/*
 * vcpu_start_all / vcpu_stop_all - start one thread per vCPU (named vcpuN)
 * running KVM_RUN; stop them (signal plus immediate_exit, so a vCPU about
 * to enter the guest cannot miss the kick) and join them. Main thread only.
 */
int vcpu_start_all(struct vm *vm);
void vcpu_stop_all(struct vm *vm);

/* vcpu_signals_init - install the kick signal's handler; once, before threads. */
void vcpu_signals_init(void);

/*
 * devices_create - every device of the guest, after the vGIC is initialised
 * and guest RAM registered. Returns a status after printing the cause.
 * devices_reset - back to power-on state, for a guest reboot (vCPUs stopped).
 * devices_destroy - stop device threads and free it all; safe when partly created.
 */
int devices_create(struct vm *vm);

/*
 * add_to_bus - put a device model on the MMIO bus; add_desc - describe it
 * for the device tree. nic_create - NIC i of the configuration, with its
 * tap (and vhost-net), on the next virtio-mmio slot; nic_destroy - undo it
 * (safe on a NIC never or partly created). vmm/kvm_devices.c,
 * vmm/kvm_net.c; main thread.
 */
int add_to_bus(struct vm *vm, struct bus_dev *bd, const char *name, uint64_t base,
	       uint64_t size, const struct bus_dev_ops *ops, void *opaque);
void add_desc(struct vm *vm, enum dev_kind kind, uint64_t base, uint64_t size, unsigned int spi,
	      int edge);
int nic_create(struct vm *vm, unsigned int i);
void nic_destroy(struct vm *vm, struct vm_nic *n);
void devices_power_button(struct vm *vm);

/*
 * devices_console_rx - console input for the guest's console device (the
 * 16550 or virtio-console); returns how much it took (the rest waits for
 * rx_ready_fd). devices_console_size - the console's terminal size
 * (virtio-console only; the UART has none). Main thread.
 */
size_t devices_console_rx(struct vm *vm, const uint8_t *buf, size_t len);
void devices_console_size(struct vm *vm, unsigned int cols, unsigned int rows);
void devices_reset(struct vm *vm);
void devices_destroy(struct vm *vm);

/*
 * serial_create - the 16550 console at LAYOUT_UART with its fast path
 * (coalesced THR writes); after vCPUs exist. Returns a status.
 * serial_drain - replay coalesced writes (bus_drain), in order; any thread.
 * serial_destroy - drain, then free; safe on a never-created serial.
 */
int serial_create(struct vm *vm, struct vm_serial *s, struct irq_line *irq);
void serial_drain(struct vm_serial *s);
void serial_destroy(struct vm_serial *s);

/*
 * ctl_open - claim the VM's name and listen on its control socket.
 * ctl_close - close every connection, remove the socket and the lock.
 * ctl_pollfds - the fds main_loop must poll for control (at most
 * 1 + CTL_MAX_CLIENTS entries written to pfd); returns their count.
 * ctl_handle - serve what poll found on them; returns an event when a
 * command ends the VM. ctl_console_detach - drop the console client (its
 * fd is closed once no console writer can use it: vmm/console_router.h).
 * All on the main thread.
 */
int ctl_open(struct vm *vm);
void ctl_close(struct vm *vm);
int ctl_pollfds(struct vm *vm, struct pollfd *pfd);
enum vm_event ctl_handle(struct vm *vm, const struct pollfd *pfd, int n);
void ctl_console_detach(struct vm *vm);

/*
 * main_loop - serve the running guest until something ends this run of it
 * (deadline: CLOCK_MONOTONIC seconds for --timeout, 0 for none); returns
 * that event. exit_status - the exit status an event means, with its
 * message. signal_fd_open - a signalfd for SIGINT, SIGTERM and SIGHUP.
 */
enum vm_event main_loop(struct vm *vm, int sfd, double deadline);
int exit_status(struct vm *vm, enum vm_event ev);
int signal_fd_open(void);

/* terminal_size_changed - pass stdin's terminal size to the console device. */
void terminal_size_changed(struct vm *vm);

/* vmm_run - `vmm run`: every start-up phase, the guest's life, and the exit status. */
int vmm_run(const struct vm_config *cfg);

#endif
