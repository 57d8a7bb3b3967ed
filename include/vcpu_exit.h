/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_VCPU_EXIT_H
#define VMM_VCPU_EXIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Why a vCPU came back from running the guest, in terms every architecture
 * shares. The arch's run function (arm64_vcpu_run) fills one of these per
 * return; vmm/vcpu.c acts on it (bus dispatch, events, logging) without
 * knowing the hypervisor's exit codes.
 *
 * Exits the arch can answer by itself (an access without a valid syndrome
 * on arm64: an external abort is injected and logged) never reach vmm/:
 * the run function goes on running the guest.
 */
enum vcpu_exit_kind {
	VCPU_EXIT_MMIO,        /* a guest access outside RAM: mmio below */
	VCPU_EXIT_INTR,        /* interrupted (a kick or a signal): look at the stop flag */
	VCPU_EXIT_POWEROFF,    /* the guest asked to power off (PSCI SYSTEM_OFF) */
	VCPU_EXIT_RESET,       /* the guest asked to reset (PSCI SYSTEM_RESET, RESET2) */
	VCPU_EXIT_CRASH,       /* the guest stopped in a way vmm cannot continue from */
	VCPU_EXIT_ERROR,       /* running the vCPU failed (the hypervisor refused) */
};

#define VCPU_EXIT_REASON_MAX 160

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	struct {
		uint64_t addr;
		uint32_t len;          /* as the guest did it; 1, 2, 4 or 8 when sane */
		bool is_write;
		/*
		 * The access's bytes (little-endian), len of them: what the
		 * guest wrote, or where the answer to a read goes. The arch
		 * hands it to the guest on the next run of this vCPU, so a
		 * read is completed by filling data before running again.
		 */
		uint8_t *data;
	} mmio;
	/*
	 * CRASH and ERROR: what happened, one line without the "vcpuN: "
	 * prefix (vmm/ prints it with log_error). detail: an optional second
	 * line ("" for none).
	 */
	char reason[VCPU_EXIT_REASON_MAX];
	char detail[VCPU_EXIT_REASON_MAX];
};

#endif
