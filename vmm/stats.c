// SPDX-License-Identifier: GPL-2.0-only
/* Exit and device-access counts of a VM: `vmm info NAME` and `--stats`. */
#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include "vmm/stats.h"
#include "vmm/vm.h"

struct vm_counts {
	struct vcpu_kstats kvm; /* summed over vCPUs; have[] if any vCPU has it */
	uint64_t mmio, unclaimed;
};

static void collect(struct vm *vm, struct vm_counts *c)
{
	unsigned int i, k;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < vm->nvcpus; i++) {
		struct vcpu_thread *t = &vm->vcpus[i];
		struct vcpu_kstats s;

		arm64_vcpu_stats_read(&t->cpu, &s);
		for (k = 0; k < VCPU_KSTAT_N; k++) {
			c->kvm.v[k] += s.v[k];
			c->kvm.have[k] |= s.have[k];
		}
		c->mmio += atomic_load_explicit(&t->mmio_exits, memory_order_relaxed);
		c->unclaimed += atomic_load_explicit(&t->unclaimed_exits, memory_order_relaxed);
	}
}

static uint64_t load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void vm_stats_json(struct vm *vm, struct json *j)
{
	struct vm_counts c;
	unsigned int k;
	int i;

	collect(vm, &c);
	json_object_begin(j, "exits");
	json_object_begin(j, "kvm");
	for (k = 0; k < VCPU_KSTAT_N; k++)
		if (c.kvm.have[k])
			json_uint(j, vcpu_kstat_names[k], c.kvm.v[k]);
	json_object_end(j);
	json_uint(j, "mmio", c.mmio);
	json_uint(j, "unclaimed", c.unclaimed);
	json_object_end(j);
	json_object_begin(j, "mmio");
	for (i = 0; i < vm->bus.n; i++) {
		struct bus_dev *d = vm->bus.devs[i];

		json_object_begin(j, d->name);
		json_uint(j, "exits", load(&d->exits));
		json_uint(j, "coalesced", load(&d->replayed));
		json_object_end(j);
	}
	json_object_end(j);
}

void vm_stats_print(struct vm *vm, FILE *f)
{
	struct vm_counts c;
	unsigned int k;
	int i;

	collect(vm, &c);
	for (k = 0; k < VCPU_KSTAT_N; k++)
		if (c.kvm.have[k])
			fprintf(f, "vmm: stats: kvm.%s %" PRIu64 "\n", vcpu_kstat_names[k], c.kvm.v[k]);
	fprintf(f, "vmm: stats: vmm.mmio %" PRIu64 "\n", c.mmio);
	fprintf(f, "vmm: stats: vmm.unclaimed %" PRIu64 "\n", c.unclaimed);
	for (i = 0; i < vm->bus.n; i++) {
		struct bus_dev *d = vm->bus.devs[i];
		uint64_t e = load(&d->exits), r = load(&d->replayed);

		/* Windows the guest never touched are noise in a summary. */
		if (e || r)
			fprintf(f, "vmm: stats: mmio.%s %" PRIu64 " exits %" PRIu64 " coalesced\n",
				d->name, e, r);
	}
	fflush(f);
}
