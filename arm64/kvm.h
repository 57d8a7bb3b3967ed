/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_KVM_H
#define ARM64_KVM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arm64/cpu_features.h"
#include "arm64/dt.h"
#include "bus.h"
#include "config.h"
#include "guest_mem.h"
#include "irq.h"
#include "sandbox.h"
#include "vcpu_exit.h"
#include "vcpu_stats.h"

struct kvm_run;
struct kvm_coalesced_mmio_ring;

/* The KVM capabilities vmm cannot run without (arm64_kvm_open checks them). */
struct arm64_cap {
	long cap;
	const char *name;
};
#define ARM64_NR_REQUIRED_CAPS 7
extern const struct arm64_cap arm64_required_caps[ARM64_NR_REQUIRED_CAPS];

/*
 * What /dev/kvm offers, probed once before anything is created. Every
 * function here that fails prints one line naming the object and the cause
 * and returns a VMM_* status (include/status.h); 0 means success.
 */
struct arm64_host {
	int kvm_fd;
	unsigned int ipa_limit;   /* KVM_CAP_ARM_VM_IPA_SIZE; 40 when the cap is absent */
	bool ipa_cap;             /* the VM type may carry an IPA size */
	unsigned int max_vcpus;   /* KVM_CAP_MAX_VCPUS */
	bool counter_offset;      /* KVM_CAP_COUNTER_OFFSET (6.4+) */
	bool nisv_to_user;        /* KVM_CAP_ARM_NISV_TO_USER */
	bool inject_ext_dabt;     /* KVM_CAP_ARM_INJECT_EXT_DABT */
	size_t run_size;          /* KVM_GET_VCPU_MMAP_SIZE */
};

struct arm64_vm;

/*
 * KVM's coalesced MMIO as the bus's coalescer (include/bus.h): zones are
 * registered for the bus regions that ask, and the ring - a page of vCPU 0's
 * kvm_run mapping, shared by every vCPU - is drained under lock, each entry
 * replayed through bus_replay() in order.
 */
struct arm64_coalescer {
	struct arm64_vm *vm;
	const struct bus *bus;
	struct kvm_coalesced_mmio_ring *ring; /* NULL: not installed */
	uint32_t ring_max;
	pthread_mutex_t lock;                 /* serialises drains */
	struct bus_coalescer ops;
};

struct arm64_vm {
	int fd;
	const struct arm64_host *host;
	unsigned int ipa_bits;
	uint32_t target;          /* KVM_ARM_PREFERRED_TARGET */
	uint32_t features;        /* KVM_ARM_VCPU_* features every vCPU gets */
	struct cpu_features feat; /* the guest's CPU features (arm64/kvm_cpu_features.c) */
	unsigned int sve_max_vl;  /* --sve-max-vl, 0: none */
	void *pvtime;             /* the steal time region's memory, NULL without */
	int gic_fd;
	enum dt_gic gic;
	bool its;
	int its_fd;
	uint32_t psci_version;
	uint64_t counter_offset;  /* KVM_ARM_SET_COUNTER_OFFSET's current value */
	uint64_t paused_at;       /* host count when paused (offset hosts) */
	uint64_t paused_cnt;      /* guest virtual count when paused (6.1) */
	struct arm64_coalescer coalescer;
};

struct arm64_vcpu {
	int fd;
	unsigned int index;
	struct kvm_run *run;
	uint64_t mpidr;
	int stats_fd;                    /* KVM_GET_STATS_FD; -1 without */
	int64_t stat_off[VCPU_KSTAT_N];  /* where each counter is in it; -1 absent */
};

/*
 * arm64_vcpu_stats_open - find the vCPU's KVM counters (arm64/kvm_stats.c);
 * silently none on a host without binary statistics. arm64_vcpu_create
 * calls it. arm64_vcpu_stats_read - their values now (any thread).
 * arm64_vcpu_stats_close - arm64_vcpu_destroy calls it.
 * arm64_stats_match - the descriptor walk, on its own for the unit tests:
 * sets off[] to each wanted counter's file offset (-1 when absent) and
 * returns how many were found, or -EINVAL for descriptors that don't fit.
 */
void arm64_vcpu_stats_open(struct arm64_vcpu *v);
void arm64_vcpu_stats_read(const struct arm64_vcpu *v, struct vcpu_kstats *s);
void arm64_vcpu_stats_close(struct arm64_vcpu *v);
int arm64_stats_match(const void *descs, size_t desc_len, uint32_t ndesc, uint32_t name_size,
		      uint64_t data_offset, int64_t off[VCPU_KSTAT_N]);

/*
 * arm64_coalescer_init - when the host has KVM_CAP_COALESCED_MMIO, bind c
 * to vcpu0's ring and install it on bus; otherwise leave the bus without a
 * coalescer (every write exits; nothing is printed). After vCPU 0 exists,
 * before any vCPU runs. Returns true when installed.
 * arm64_coalescer_fini - remove it from the bus (after a last drain); before
 * vCPU 0 is destroyed. Safe on one never installed. Main thread.
 */
bool arm64_coalescer_init(struct arm64_coalescer *c, struct arm64_vm *vm,
			  struct arm64_vcpu *vcpu0, struct bus *bus);
void arm64_coalescer_fini(struct arm64_coalescer *c, struct bus *bus);

/* arm64_kvm_open - open /dev/kvm, check the API and every capability vmm needs. */
int arm64_kvm_open(struct arm64_host *h, const char *path);

/* arm64_kvm_close - close what arm64_kvm_open opened. */
void arm64_kvm_close(struct arm64_host *h);

/*
 * arm64_vm_create - a VM whose IPA size fits ipa_bits (what the memory map
 * needs) or cfg->ipa_bits when the user forced it; refuses sizes outside
 * [32, host limit] or below what the map needs, naming --ipa-bits or --mem.
 */
int arm64_vm_create(struct arm64_vm *vm, const struct arm64_host *h,
		    const struct vm_config *cfg, unsigned int need_bits);

/*
 * The guest's CPU features, in the order KVM needs them (see
 * include/config.h for the options and arm64/cpu_features.h for the
 * choice). Each prints one line and returns a VMM_* status on failure.
 *
 * arm64_cpu_features_vm - on a new VM, before any vCPU exists: decide from
 * cfg and the VM's capabilities (an explicit request the host lacks is
 * VMM_ERR_HOST), set vm->features and vm->feat, enable MTE, and map the
 * steal time region (LAYOUT_PVTIME) as memslot 1.
 * arm64_cpu_features_vcpu - right after a vCPU's first KVM_ARM_VCPU_INIT,
 * before any other access to it: its SVE vector lengths (vCPU 0 checks
 * --sve-max-vl against the host's set) and KVM_ARM_VCPU_FINALIZE.
 * arm64_cpu_features_finish - per vCPU after arm64_gic_init, before any
 * vCPU runs: the PMU's interrupt (PPI ARM64_PMU_PPI) and init, and the
 * vCPU's steal time record. Not repeated on a guest reset: KVM keeps both.
 */
#define ARM64_PMU_PPI 23 /* INTID; PPI 7 in a device-tree interrupt specifier */
int arm64_cpu_features_vm(struct arm64_vm *vm, const struct vm_config *cfg);
int arm64_cpu_features_vcpu(struct arm64_vm *vm, struct arm64_vcpu *v);
int arm64_cpu_features_finish(struct arm64_vm *vm, struct arm64_vcpu *v);

/* arm64_vm_destroy - close the VM and its devices (vCPUs are closed first). */
void arm64_vm_destroy(struct arm64_vm *vm);

/* arm64_vm_add_ram - register guest RAM as memslot 0. */
int arm64_vm_add_ram(struct arm64_vm *vm, const struct guest_mem *gm);

/*
 * arm64_gic_create - create the in-kernel vGIC that --irqchip asks for
 * (auto: v3, else v2), place it per arm64/layout.h. Before vCPUs exist.
 */
int arm64_gic_create(struct arm64_vm *vm, enum irqchip_kind want, unsigned int cpus);

/* arm64_gic_init - finish vGIC set-up: after every vCPU exists, before any runs. */
int arm64_gic_init(struct arm64_vm *vm);

/* arm64_vcpu_create - create vCPU index, map its kvm_run, initialise it. */
int arm64_vcpu_create(struct arm64_vm *vm, struct arm64_vcpu *v, unsigned int index);

/*
 * arm64_vcpu_reset - KVM_ARM_VCPU_INIT: architectural reset. vCPU 0 comes
 * out ready to run at pc with x0 = fdt; the others powered off, waiting for
 * PSCI CPU_ON. Used at boot and on every guest reset.
 */
int arm64_vcpu_reset(struct arm64_vm *vm, struct arm64_vcpu *v, uint64_t pc, uint64_t fdt);

/* arm64_vcpu_destroy - unmap kvm_run and close the vCPU. */
void arm64_vcpu_destroy(struct arm64_vm *vm, struct arm64_vcpu *v);

/* arm64_vcpu_pc - the vCPU's PC for messages (0 when it cannot be read). */
uint64_t arm64_vcpu_pc(struct arm64_vcpu *v);

/*
 * arm64_vcpu_run - run the guest on v until something needs vmm/, and
 * describe it in *exit (include/vcpu_exit.h). Called on the vCPU's own
 * thread only. An MMIO read is answered by filling exit->mmio.data before
 * the next call. An access KVM cannot decode (no valid syndrome) is
 * answered here with an external data abort and one warning, and the guest
 * runs on; when that injection fails the exit is a CRASH. A kick
 * (arm64_vcpu_kick) before or during the run returns INTR. Never fails
 * otherwise: KVM_RUN's own failures are an ERROR exit whose reason is the
 * message to print ("KVM_RUN: <strerror>", or "KVM_RUN: guest access KVM
 * cannot emulate at pc 0x..." for ENOSYS).
 */
void arm64_vcpu_run(struct arm64_vcpu *v, struct vcpu_exit *exit);

/*
 * arm64_vcpu_kick - make v's current or next arm64_vcpu_run return INTR at
 * once (kvm_run->immediate_exit); the caller then signals the thread so a
 * run already in the guest comes out. arm64_vcpu_kick_clear - undo it,
 * before the thread runs again. Any thread; lock-free.
 */
void arm64_vcpu_kick(struct arm64_vcpu *v);
void arm64_vcpu_kick_clear(struct arm64_vcpu *v);

/*
 * arm64_vcpu_inject_dabt - answer an access KVM cannot decode (no valid
 * syndrome) with an external data abort at the guest. Returns 0 or -errno.
 */
int arm64_vcpu_inject_dabt(struct arm64_vcpu *v);

/*
 * arm64_counter_zero - make the guest's virtual (and, where the host can,
 * physical) counter read about zero now. vCPUs must not be running.
 */
int arm64_counter_zero(struct arm64_vm *vm, struct arm64_vcpu *vcpu0);

/*
 * arm64_counter_pause / arm64_counter_resume - around a pause (vCPUs
 * stopped): on resume the guest's counters continue from where they
 * stopped, as if no time had passed. 6.4+: the VM's counter offset moves on
 * by the pause; 6.1: the virtual count is saved and written back (the
 * physical counter cannot be offset there). Return a status.
 */
int arm64_counter_pause(struct arm64_vm *vm, struct arm64_vcpu *vcpu0);
int arm64_counter_resume(struct arm64_vm *vm, struct arm64_vcpu *vcpu0);

/*
 * arm64_irq_line_init - an irq_line that drives GIC SPI spi of vm through
 * KVM_IRQ_LINE (level semantics).
 */
void arm64_irq_line_init(struct irq_line *line, struct arm64_vm *vm, unsigned int spi);

/*
 * arm64_irq_line_init_edge - an irq_line whose irq_pulse() sends an edge on
 * GIC SPI spi through an irqfd (after arm64_gic_init). Returns a status.
 */
int arm64_irq_line_init_edge(struct irq_line *line, struct arm64_vm *vm, unsigned int spi);

/* arm64_irq_line_release - unbind and close an edge line's irqfd. */
void arm64_irq_line_release(struct irq_line *line, struct arm64_vm *vm);

/*
 * arm64_ioeventfd - bind (assign) or unbind eventfd fd to guest writes of
 * len bytes with value datamatch at addr. Returns 0 or -errno.
 */
int arm64_ioeventfd(struct arm64_vm *vm, uint64_t addr, uint32_t len, uint32_t datamatch, int fd,
		    bool assign);

/* arm64_exit_name - printable name of a KVM exit reason. */
const char *arm64_exit_name(uint32_t reason);

/*
 * arm64_sandbox_ioctls - the KVM ioctl requests vmm makes after set-up, each
 * with the narrowest thread kind that makes it (include/sandbox.h); stores
 * the table in *out and returns its length.
 */
size_t arm64_sandbox_ioctls(const struct sandbox_ioctl **out);

#endif
