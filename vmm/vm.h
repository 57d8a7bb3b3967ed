/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "arm64/kvm.h"
#include "arm64/layout.h"
#include "bus.h"
#include "config.h"
#include "device.h"
#include "guest_mem.h"
#include "irq.h"
#include "vmm/console.h"
#include "vmm/loader.h"

struct uart16550;
struct pl031;
struct pl061;

/* What ended a guest run, posted by a vCPU thread or the main loop. */
enum vm_event {
	VM_EV_NONE,
	VM_EV_POWEROFF,  /* PSCI SYSTEM_OFF */
	VM_EV_RESET,     /* PSCI SYSTEM_RESET / RESET2 */
	VM_EV_CRASH,     /* an exit vmm cannot continue from */
	VM_EV_ERROR,     /* KVM_RUN itself failed */
	VM_EV_QUIT,      /* Ctrl-A x */
	VM_EV_SIGNAL,    /* SIGINT, SIGTERM, SIGHUP */
};

struct vcpu_thread {
	struct arm64_vcpu cpu;
	struct vm *vm;
	pthread_t tid;
	bool started;
	atomic_bool stop;
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

	struct dev_desc devs[8];
	unsigned int ndevs;
	struct uart16550 *uart;
	struct pl031 *rtc;
	struct irq_line irq_uart, irq_rtc;
	struct bus_dev bus_uart, bus_rtc;

	/* vCPU threads report the first event; the main loop waits on event_fd. */
	atomic_int event;
	int event_fd;
	int rx_ready_fd;  /* eventfd: the UART has room for console input again */
	int exit_signal;
	bool raw_console;
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

/* vmm_run - `vmm run`: every start-up phase, the guest's life, and the exit status. */
int vmm_run(const struct vm_config *cfg);

#endif
