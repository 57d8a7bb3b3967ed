// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU threads.
 *
 * Thread table (who owns what):
 *   main     - creates and joins the vCPU threads, owns struct vm, the
 *              console input and every start-up and reset step.
 *   vcpuN    - one per vCPU: arm64_vcpu_run() and the arch-neutral exits it
 *              returns (include/vcpu_exit.h). Owns its vCPU's run state.
 *              Touches devices only through bus_access() (each device
 *              locks itself) and posts events with vm_post_event().
 * Kick: SIGUSR1 (blocked everywhere but in vCPU threads) after setting the
 * thread's stop flag and arm64_vcpu_kick() (KVM's immediate_exit).
 * Sandbox: each vCPU thread adds the vCPU filter to the main thread's it
 * inherits, first thing (vmm/sandbox.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"
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

static void handle_mmio(struct vcpu_thread *t, const struct vcpu_exit *e)
{
	uint32_t len = e->mmio.len;

	atomic_fetch_add_explicit(&t->mmio_exits, 1, memory_order_relaxed);
	/* Coalesced writes happened before this access: replay them first. */
	bus_drain(&t->vm->bus);
	if (len == 0 || len > 8) {
		atomic_fetch_add_explicit(&t->unclaimed_exits, 1, memory_order_relaxed);
		log_unclaimed(t, e->mmio.addr, e->mmio.is_write, len);
		return;
	}
	if (!bus_access(&t->vm->bus, e->mmio.addr, e->mmio.data, len, e->mmio.is_write)) {
		if (!e->mmio.is_write)
			memset(e->mmio.data, 0, len);
		atomic_fetch_add_explicit(&t->unclaimed_exits, 1, memory_order_relaxed);
		log_unclaimed(t, e->mmio.addr, e->mmio.is_write, len);
	}
}

/* Returns false when the vCPU must stop running. */
static bool handle_exit(struct vcpu_thread *t, const struct vcpu_exit *e)
{
	struct vm *vm = t->vm;

	switch (e->kind) {
	case VCPU_EXIT_MMIO:
		handle_mmio(t, e);
		return true;
	case VCPU_EXIT_INTR:
		return true;
	case VCPU_EXIT_POWEROFF:
		vm_post_event(vm, VM_EV_POWEROFF);
		return false;
	case VCPU_EXIT_RESET:
		vm_post_event(vm, VM_EV_RESET);
		return false;
	case VCPU_EXIT_ERROR:
		log_error("vcpu%u: %s", t->cpu.index, e->reason);
		vm_post_event(vm, VM_EV_ERROR);
		return false;
	case VCPU_EXIT_CRASH:
	default:
		log_error("vcpu%u: %s", t->cpu.index, e->reason);
		if (e->detail[0])
			log_error("vcpu%u: %s", t->cpu.index, e->detail);
		vm_post_event(vm, VM_EV_CRASH);
		return false;
	}
}

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct vcpu_exit exit;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", t->cpu.index);
	pthread_setname_np(pthread_self(), name);
	sandbox_thread_enter(SANDBOX_VCPU);
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (!atomic_load(&t->stop)) {
		arm64_vcpu_run(&t->cpu, &exit);
		if (!handle_exit(t, &exit))
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
		arm64_vcpu_kick_clear(&t->cpu);
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
		/* The kick first: a thread between its check and the run returns at once. */
		arm64_vcpu_kick(&t->cpu);
		pthread_kill(t->tid, KICK_SIGNAL);
	}
	for (i = 0; i < vm->nvcpus; i++) {
		struct vcpu_thread *t = &vm->vcpus[i];

		if (!t->started)
			continue;
		pthread_join(t->tid, NULL);
		t->started = false;
		arm64_vcpu_kick_clear(&t->cpu);
	}
}
