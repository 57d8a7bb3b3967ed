/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_STATS_H
#define VMM_STATS_H

#include <stdio.h>

#include "vmm/json.h"

struct vm;

/*
 * A VM's exit and access counts since it started (include/vcpu_stats.h):
 * the hypervisor's per-vCPU counters summed over vCPUs, the exits vmm
 * handled, and per bus window the accesses each device model served.
 * Counted across guest reboots. Main thread, any time after the vCPUs exist.
 *   vm_stats_json  - the "exits" and "mmio" members of `vmm info NAME`
 *   vm_stats_print - `--stats`: one "vmm: stats: KEY VALUE" line each
 */
void vm_stats_json(struct vm *vm, struct json *j);
void vm_stats_print(struct vm *vm, FILE *f);

#endif
