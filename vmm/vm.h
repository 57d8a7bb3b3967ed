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
#include "vmm/devices.h"
#include "vmm/loader.h"
#include "vmm/runtime.h"

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

struct vcpu_thread {
	struct arm64_vcpu cpu;
	struct vm *vm;
	pthread_t tid;
	bool started;
	atomic_bool stop;
	/* Exits that reached vmm (vmm/stats.c reports them). */
	_Atomic uint64_t mmio_exits, unclaimed_exits;
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

	struct vm_devices devices; /* every device of the guest (vmm/devices.h) */

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
	struct cmd_mode *cmd;    /* command mode's channel (vmm/cmd_mode.h); NULL: none */
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
 * serial_add - the 16550 console, uart0, at LAYOUT_UART with its fast path
 * (coalesced THR writes; vmm/serial.c): the first board device, after
 * vCPUs exist. Returns a status.
 */
int serial_add(struct vm *vm);

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
