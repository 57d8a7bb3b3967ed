/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_HOST_REPORT_H
#define VMM_HOST_REPORT_H

/*
 * `vmm info` (the host report) and `vmm check` (the preflight check): their
 * arguments and their output, from a struct host_probe filled by
 * host_probe_run(). Pure: no KVM here, so every line can be unit-tested
 * with a made-up probe. The commands themselves are in vmm/info.c.
 */
#include <stdbool.h>
#include <stdio.h>

#include "arm64/host_probe.h"

#define HOST_REPORT_MAX_PROBLEMS 16
#define HOST_REPORT_PROBLEM_LEN 320

/* What stops this host from running a default guest, each with its fix. */
struct host_problems {
	unsigned int n;
	char text[HOST_REPORT_MAX_PROBLEMS][HOST_REPORT_PROBLEM_LEN];
};

struct info_args {
	bool json;           /* --json */
	const char *name;    /* a running VM's name; NULL: report on the host */
};

/*
 * info_parse_args - the arguments of `vmm info` (argv[0] is "info"): --json,
 * and at most one positional NAME (a->name, else NULL: the host report).
 * Returns 0, -1 when --help was printed (exit 0), or VMM_ERR_USAGE after one
 * error line (a bad option, a second name). Resets getopt; callable
 * repeatedly.
 */
int info_parse_args(struct info_args *a, int argc, char **argv);

/*
 * check_parse_args - the arguments of `vmm check` (argv[0] is "check"):
 * -q/--quiet sets *quiet. Returns like info_parse_args().
 */
int check_parse_args(bool *quiet, int argc, char **argv);

/*
 * host_report_problems - fill out with every problem that stops p's host
 * from running a default guest: /dev/kvm missing or inaccessible, API
 * version, capabilities vmm needs, no VM or vCPU, no vGIC model vmm can
 * create, an IPA limit below 32 bits. Each is "OBJECT: cause: fix", without
 * the "vmm: " prefix. None means the host is ready.
 */
void host_report_problems(const struct host_probe *p, struct host_problems *out);

/*
 * host_report_human - the host report as aligned "key: value" lines on f.
 * Facts that need /dev/kvm are left out when it could not be opened; an
 * unsupported feature that a vmm option depends on names that option.
 */
void host_report_human(FILE *f, const struct host_probe *p);

/*
 * host_report_json - the same facts as one JSON object with stable keys
 * (man vmm(1) lists them); facts that are unknown are null. Returns 0, or
 * -1 on a write error.
 */
int host_report_json(FILE *f, const struct host_probe *p);

/*
 * host_report_check - `vmm check`'s verdict: every problem as one error
 * line on stderr (log_error), or, when there is none and !quiet, one
 * "ok: ..." summary line on f. Returns VMM_OK or VMM_ERR_HOST.
 */
int host_report_check(FILE *f, const struct host_probe *p, bool quiet);

/* host_report_sve_lengths - "128 256 512" (bits) into buf; "" for none. */
const char *host_report_sve_lengths(const struct host_probe *p, char *buf, unsigned int len);

#endif
