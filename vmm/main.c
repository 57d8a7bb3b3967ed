// SPDX-License-Identifier: GPL-2.0-only
/* vmm: command dispatch. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "status.h"
#include "vmm/vm.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vmm run --kernel IMAGE [options]   boot a guest (vmm run --help)\n"
		   "       vmm --version\n"
		   "       vmm --help\n"
		   "See vmm(1).\n");
}

int main(int argc, char **argv)
{
	struct vm_config cfg;
	int r;

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
			return r;
		return vmm_run(&cfg);
	}
	log_error("%s: unknown command (try vmm --help)", argv[1]);
	return VMM_ERR_USAGE;
}
