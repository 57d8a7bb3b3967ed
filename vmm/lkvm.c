// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmm's kvmtool personality: invoked as lkvm (a link named lkvm, or
 * lkvm-<anything>), vmm takes kvmtool's command line and behaves the way
 * scripts written for kvmtool expect - kvm-unit-tests' runner above all:
 *
 *   lkvm --help           names the commands under the heading kvmtool's
 *                         help has ("The most commonly used lkvm commands
 *                         are:"), which is how the runner recognises it
 *   lkvm run ARGS         kvmtool's options rewritten into vmm's
 *                         (vmm/lkvm_args.h), then vmm run; a kernel with
 *                         no Image header loads raw at RAM + 0x80000
 *   order of failures     as in kvmtool, the interrupt controller is made
 *                         before the kernel is opened: an --irqchip this
 *                         host cannot emulate is told first, and a kernel
 *                         that cannot be opened says "Fatal: Unable to open
 *                         kernel PATH" (the runner's probe for a VMM that
 *                         failed for reasons of its own greps that line)
 *
 * Exit statuses stay vmm's (man/vmm.1): 0 when the guest powered off, as
 * kvmtool; every failure non-zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arm64/host_probe.h"
#include "config.h"
#include "log.h"
#include "status.h"
#include "vmm/lkvm.h"
#include "vmm/lkvm_args.h"
#include "vmm/vm.h"

static void lkvm_usage(void)
{
	printf("usage: lkvm run [options] [KERNEL]\n"
	       "\n"
	       "vmm %s in its kvmtool personality (see vmm(1), KVMTOOL COMPATIBILITY).\n"
	       "\n"
	       " The most commonly used lkvm commands are:\n"
	       "   run       boot a guest: --kernel, --initrd, --params, --cpus, --mem, --disk,\n"
	       "             --irqchip, --pmu, --nodefaults, --network mode=none, --loglevel,\n"
	       "             --rng, --console, --dump-dtb, --name\n"
	       "   help      this text\n"
	       "\n"
	       "Everything else: vmm --help.\n", VMM_VERSION);
}

/*
 * kvmtool makes the vGIC before it opens the kernel; a runner tells "the
 * VMM cannot do this here" from "the test failed" by that order.
 */
static int lkvm_irqchip_check(const struct vm_config *cfg)
{
	struct host_probe p;
	const char *what = NULL;

	if (cfg->irqchip == IRQCHIP_AUTO)
		return 0;
	host_probe_run(&p, "/dev/kvm");
	if (!p.kvm_open || !p.vm_ok)
		return 0; /* vmm run says what is wrong with /dev/kvm */
	switch (cfg->irqchip) {
	case IRQCHIP_GICV2:
		what = p.gic_v2 ? NULL : "a GICv2";
		break;
	case IRQCHIP_GICV3:
		what = p.gic_v3 ? NULL : "a GICv3";
		break;
	case IRQCHIP_GICV3_ITS:
		what = p.gic_v3 && p.gic_its ? NULL : "a GICv3 with an ITS";
		break;
	case IRQCHIP_AUTO:
		break;
	}
	if (!what)
		return 0;
	log_error("--irqchip %s: this host's KVM cannot create %s (Fatal: Failed to create "
		  "virtual GIC)", config_irqchip_name(cfg->irqchip), what);
	return VMM_ERR_HOST;
}

static int lkvm_kernel_check(const struct vm_config *cfg)
{
	int fd;

	if (!cfg->kernel)
		return 0; /* the host's own: vmm run finds it */
	fd = open(cfg->kernel, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	log_errno("Fatal: Unable to open kernel %s", cfg->kernel);
	return VMM_ERR_INPUT;
}

static int lkvm_run(int argc, char **argv)
{
	struct lkvm_args a;
	struct vm_config cfg;
	int r;

	r = lkvm_args_translate(argc, argv, &a);
	if (r)
		return r;
	r = config_parse_run(&cfg, a.argc, a.argv);
	if (r < 0)
		return 0;
	if (r)
		return r;
	cfg.kernel_raw_ok = true;
	r = lkvm_irqchip_check(&cfg);
	if (!r)
		r = lkvm_kernel_check(&cfg);
	if (r)
		return r;
	return vmm_run(&cfg);
}

int lkvm_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		lkvm_usage();
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("lkvm personality of vmm %s\n", VMM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return lkvm_run(argc - 1, argv + 1);
	log_error("lkvm %s: not supported by vmm's lkvm personality (only run; for the rest "
		  "see vmm --help)", argv[1]);
	return VMM_ERR_USAGE;
}
