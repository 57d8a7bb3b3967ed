// SPDX-License-Identifier: GPL-2.0-only
/* vmm: command dispatch. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "status.h"
#include "vmm/client.h"
#include "vmm/cmd_mode.h"
#include "vmm/info.h"
#include "vmm/lkvm.h"
#include "vmm/vm.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmm run [--kernel IMAGE] [options] boot a guest (vmm run --help)\n"
		   "       vmm run [options] -- CMD [ARGS...] run CMD in a guest, exit with its status\n"
		   "       vmm list [--json]                  running VMs\n"
		   "       vmm stop [--timeout S] NAME        power button, then kill after S (30) s\n"
		   "       vmm kill|pause|resume NAME\n"
		   "       vmm console NAME                   attach to a --detach'ed VM's console\n"
		   "       vmm info NAME [--json]             a running VM: config, state, counters\n"
		   "       vmm info [--json]                  what this host offers vmm\n"
		   "       vmm check [--quiet]                can this host run a guest?\n"
		   "       vmm --version\n"
		   "       vmm --help\n"
		   "See vmm(1).\n");
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	int r;

	/* ln -s vmm lkvm: kvmtool's command line (vmm/lkvm.c). */
	if (argc > 0 && lkvm_invoked(argv[0]))
		return lkvm_main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return VMM_ERR_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run")) {
		r = config_parse_run(&cfg, argc - 1, argv + 1);
		if (r < 0)
			return 0;
		if (r)
			return cfg.cmd_argv ? CMD_STATUS_VMM : r; /* command mode: vmm failed */
		return vmm_run(&cfg);
	}
	if (!strcmp(argv[1], "info"))
		return vmm_info_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return vmm_check_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return client_list_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stop"))
		return client_stop_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "kill") || !strcmp(argv[1], "pause") || !strcmp(argv[1], "resume"))
		return client_simple_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "console"))
		return client_console_main(argc - 1, argv + 1);
	log_error("%s: unknown command (try vmm --help)", argv[1]);
	return VMM_ERR_USAGE;
}
