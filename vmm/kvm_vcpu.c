// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU threads.
 *
 * Thread table (who owns what):
 *   main     - creates and joins the vCPU threads, owns struct vm, the
 *              console input and every start-up and reset step.
 *   vcpuN    - one per vCPU: KVM_RUN and its exits. Owns its kvm_run page.
 *              Touches devices only through bus_access() (each device
 *              locks itself) and posts events with vm_post_event().
 * Kick: SIGUSR1 (blocked everywhere but in vCPU threads) after setting the
 * thread's stop flag and kvm_run->immediate_exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arm64/kvm_compat.h"
#include "log.h"
#include "status.h"
#include "vmm/vm.h"

#define KICK_SIGNAL SIGUSR1
#define UNCLAIMED_LOG_MAX 32

static pthread_mutex_t unclaimed_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t unclaimed[UNCLAIMED_LOG_MAX];
static unsigned int nunclaimed;

static void kick_handler(int sig)
{
	(void)sig;
}

void vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigaction(KICK_SIGNAL, &sa, NULL);
}

bool vm_post_event(struct vm *vm, enum vm_event ev)
{
	int none = VM_EV_NONE;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->event, &none, (int)ev))
		return false;
	if (write(vm->event_fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow with one write per run */
	}
	return true;
}

/* Unclaimed accesses are guest bugs or probing: log each address once. */
static void log_unclaimed(struct vcpu_thread *t, uint64_t addr, bool is_write, uint32_t len)
{
	unsigned int i;
	bool fresh = true;

	pthread_mutex_lock(&unclaimed_lock);
	for (i = 0; i < nunclaimed; i++)
		if (unclaimed[i] == addr)
			fresh = false;
	if (fresh && nunclaimed < UNCLAIMED_LOG_MAX)
		unclaimed[nunclaimed++] = addr;
	else
		fresh = false;
	pthread_mutex_unlock(&unclaimed_lock);
	if (fresh)
		log_warn("vcpu%u: %u-byte %s at 0x%llx: no device there (%s)", t->cpu.index, len,
			 is_write ? "write" : "read", (unsigned long long)addr,
			 is_write ? "ignored" : "reads 0");
}

static void handle_mmio(struct vcpu_thread *t, struct kvm_run *run)
{
	uint32_t len = run->mmio.len;

	/* Coalesced serial writes happened before this access: replay them first. */
	serial_drain(&t->vm->serial);
	if (len == 0 || len > 8) {
		log_unclaimed(t, run->mmio.phys_addr, run->mmio.is_write, len);
		return;
	}
	if (!bus_access(&t->vm->bus, run->mmio.phys_addr, run->mmio.data, len,
			run->mmio.is_write)) {
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, len);
		log_unclaimed(t, run->mmio.phys_addr, run->mmio.is_write, len);
	}
}

/* Returns false when the vCPU must stop running. */
static bool handle_exit(struct vcpu_thread *t, struct kvm_run *run)
{
	struct vm *vm = t->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		handle_mmio(t, run);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_post_event(vm, VM_EV_POWEROFF);
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm_post_event(vm, VM_EV_RESET);
			return false;
		default:
			log_error("vcpu%u: unexpected system event %u at pc 0x%llx", t->cpu.index,
				  run->system_event.type,
				  (unsigned long long)arm64_vcpu_pc(&t->cpu));
			vm_post_event(vm, VM_EV_CRASH);
			return false;
		}
	case KVM_EXIT_ARM_NISV:
		/* No syndrome (e.g. LDP/STP to MMIO): a guest bug; fault it, keep going. */
		log_warn("vcpu%u: access to 0x%llx without a valid syndrome at pc 0x%llx; "
			 "injecting an external abort", t->cpu.index,
			 (unsigned long long)run->arm_nisv.fault_ipa,
			 (unsigned long long)arm64_vcpu_pc(&t->cpu));
		if (arm64_vcpu_inject_dabt(&t->cpu) == 0)
			return true;
		log_errno("vcpu%u: injecting an external abort", t->cpu.index);
		vm_post_event(vm, VM_EV_CRASH);
		return false;
	default:
		log_error("vcpu%u: unexpected exit %s (%u) at pc 0x%llx", t->cpu.index,
			  arm64_exit_name(run->exit_reason), run->exit_reason,
			  (unsigned long long)arm64_vcpu_pc(&t->cpu));
		if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
			log_error("vcpu%u: hardware entry failure reason 0x%llx", t->cpu.index,
				  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vm_post_event(vm, VM_EV_CRASH);
		return false;
	}
}

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct kvm_run *run = t->cpu.run;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", t->cpu.index);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!atomic_load(&t->stop)) {
		if (ioctl(t->cpu.fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				continue;
			}
			if (errno == ENOSYS)
				log_error("vcpu%u: KVM_RUN: guest access KVM cannot emulate at pc "
					  "0x%llx", t->cpu.index,
					  (unsigned long long)arm64_vcpu_pc(&t->cpu));
			else
				log_errno("vcpu%u: KVM_RUN", t->cpu.index);
			vm_post_event(t->vm, VM_EV_ERROR);
			break;
		}
		if (!handle_exit(t, run))
			break;
	}
	return NULL;
}

int vcpu_start_all(struct vm *vm)
{
	unsigned int i;
	int r;

	for (i = 0; i < vm->nvcpus; i++) {
		struct vcpu_thread *t = &vm->vcpus[i];

		atomic_store(&t->stop, false);
		t->cpu.run->immediate_exit = 0;
		r = pthread_create(&t->tid, NULL, vcpu_main, t);
		if (r) {
			errno = r;
			log_errno("vcpu%u: creating its thread", i);
			vcpu_stop_all(vm);
			return VMM_ERR_INTERNAL;
		}
		t->started = true;
	}
	return 0;
}

void vcpu_stop_all(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nvcpus; i++) {
		struct vcpu_thread *t = &vm->vcpus[i];

		if (!t->started)
			continue;
		atomic_store(&t->stop, true);
		/* immediate_exit first: a thread between its check and KVM_RUN returns at once. */
		__atomic_store_n(&t->cpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(t->tid, KICK_SIGNAL);
	}
	for (i = 0; i < vm->nvcpus; i++) {
		struct vcpu_thread *t = &vm->vcpus[i];

		if (!t->started)
			continue;
		pthread_join(t->tid, NULL);
		t->started = false;
		t->cpu.run->immediate_exit = 0;
	}
}
