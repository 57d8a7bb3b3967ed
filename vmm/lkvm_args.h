/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_LKVM_ARGS_H
#define VMM_LKVM_ARGS_H

#include <stdbool.h>

/*
 * The kvmtool personality's command line (vmm run as `lkvm run`, see
 * vmm/lkvm.c): kvmtool's options rewritten into vmm's, so that
 * config_parse_run() validates them like any vmm command line and scripts
 * written for kvmtool (kvm-unit-tests' runner) run unchanged.
 *
 * Rewritten (kvmtool spelling -> vmm's):
 *   --kernel/-k F, --initrd/-i F, --params/-p S, --cpus/-c N, --mem/-m N,
 *   --disk/-d F, --name N, --console serial|virtio, --dump-dtb F,
 *   --irqchip gicv2|gicv3|gicv3-its, --pmu, --sve-max-vl N   the same
 *   --nodefaults            --nodefaults (the command line as given)
 *   --network/-n mode=none  --network none
 *   --rng                   --rng on (kvmtool has no rng unless asked)
 *   --loglevel L            debug and info: --verbose; warning, error: nothing
 *   one word left over      the kernel, as with vmm run
 * Each option may be written --opt=value or --opt value. Everything else
 * kvmtool has (--nested, --aarch32, --9p, --balloon, --vfio-pci, other
 * --network modes, --irqchip gicv2m, ...) is refused by name.
 */

/* The rewritten command line: "run", vmm's options..., NULL. */
struct lkvm_args {
	char *argv[160];
	int argc;
};

/*
 * lkvm_args_translate - rewrite argv[0..argc) (argv[0] is "run") into out.
 * The strings stay argv's (or static). Returns 0, or VMM_ERR_USAGE after
 * printing one line naming the option and the cause ("--nested: not
 * supported by vmm's lkvm personality", "--network mode=user: only
 * mode=none is supported", "--loglevel loud: expected error, warning, info
 * or debug", "--mem: missing value").
 */
int lkvm_args_translate(int argc, char **argv, struct lkvm_args *out);

/* lkvm_invoked - whether argv[0]'s last component starts with "lkvm". */
bool lkvm_invoked(const char *argv0);

#endif
