// SPDX-License-Identifier: GPL-2.0-only
/* `vmm info` (the host report) and `vmm check` (the preflight check). */
#include <stdio.h>

#include "arm64/host_probe.h"
#include "log.h"
#include "status.h"
#include "vmm/host_report.h"
#include "vmm/client.h"
#include "vmm/info.h"

#define KVM_PATH "/dev/kvm"

/* Output that did not reach stdout (a full disk, a closed pipe) is a failure. */
static int flush_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		log_errno("standard output");
		return VMM_ERR_INTERNAL;
	}
	return status;
}

int vmm_info_main(int argc, char **argv)
{
	struct host_probe p;
	struct info_args a;
	int r;

	r = info_parse_args(&a, argc, argv);
	if (r < 0)
		return 0;
	if (r)
		return r;
	if (a.name)
		return client_info(a.name, a.json);
	host_probe_run(&p, KVM_PATH);
	if (a.json) {
		if (host_report_json(stdout, &p) < 0) {
			log_errno("standard output");
			return VMM_ERR_INTERNAL;
		}
		return VMM_OK;
	}
	host_report_human(stdout, &p);
	return flush_stdout(VMM_OK);
}

int vmm_check_main(int argc, char **argv)
{
	struct host_probe p;
	bool quiet;
	int r;

	r = check_parse_args(&quiet, argc, argv);
	if (r < 0)
		return 0;
	if (r)
		return r;
	host_probe_run(&p, KVM_PATH);
	return flush_stdout(host_report_check(stdout, &p, quiet));
}
