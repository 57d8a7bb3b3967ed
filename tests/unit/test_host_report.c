// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for `vmm info` / `vmm check` output (vmm/host_report.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "status.h"
#include "vmm/host_report.h"
#include "unit.h"

#define L_VHE "kvm [1]: VHE mode initialized successfully"
#define L_EL2 "CPU: All CPU(s) started at EL2"

/* A 6.12 VHE host like the rig's, everything readable (as root). */
static void healthy(struct host_probe *p)
{
	static const char log[] = "[    0.1] " L_EL2 "\n[    0.8] " L_VHE "\n";

	memset(p, 0, sizeof(*p));
	strcpy(p->kernel_release, "6.12.57+deb13-arm64");
	strcpy(p->machine, "aarch64");
	p->page_size = 4096;
	p->cpus_online = 2;
	p->root = true;
	p->cmdline_read = true;
	host_cmdline_parse(&p->cmdline, "console=ttyAMA0 quiet panic=-1\n");
	p->dmesg_restrict = 0;
	p->log_source = HOST_LOG_KMSG;
	host_log_init(&p->log);
	host_log_scan(&p->log, log, strlen(log));
	host_mode_decide(&p->mode, &p->cmdline, &p->log);
	p->kvm_path = "/dev/kvm";
	p->kvm_open = true;
	strcpy(p->kvm_group, "kvm");
	p->api_version = 12;
	p->ipa_limit = 48;
	p->ipa_cap = true;
	p->max_vcpus = 512;
	p->nr_vcpus = 2;
	p->pmu_v3 = p->sve = p->ptrauth_address = p->ptrauth_generic = true;
	p->steal_time = p->counter_offset = p->nisv_to_user = true;
	p->readonly_mem = p->coalesced_mmio = p->ioeventfd = p->irqfd = true;
	p->vm_ok = true;
	p->gic_v3 = p->gic_its = true;
	p->vcpu_ok = true;
	p->sve_vls_ok = true;
	p->sve_vls[0] = 0xb; /* vq 1, 2, 4: 128, 256, 512 bits */
}

/* Re-decide the mode after a test changed the command line or the log. */
static void redecide(struct host_probe *p)
{
	host_mode_decide(&p->mode, p->cmdline_read ? &p->cmdline : NULL,
			 p->log_source != HOST_LOG_NONE ? &p->log : NULL);
}

/* No /dev/kvm, log unreadable (dmesg_restrict, not root), nvhe on the cmdline. */
static void no_kvm(struct host_probe *p)
{
	healthy(p);
	p->root = false;
	p->dmesg_restrict = 1;
	p->log_source = HOST_LOG_NONE;
	p->kmsg_errno = EPERM;
	p->syslog_errno = EPERM;
	host_log_init(&p->log);
	host_cmdline_parse(&p->cmdline, "console=ttyAMA0 kvm-arm.mode=nvhe");
	redecide(p);
	p->kvm_open = false;
	p->kvm_errno = ENOENT;
	p->kvm_group[0] = '\0';
	p->api_version = -1;
}

static char *human(const struct host_probe *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	host_report_human(f, p);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *json(const struct host_probe *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(host_report_json(f, p), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

#define assert_has(text, want)                                                         \
	do {                                                                           \
		if (!strstr((text), (want))) {                                         \
			print_error("ERROR: want \"%s\" in:\n%s\n", (want), (text));   \
			fail();                                                        \
		}                                                                      \
	} while (0)

#define assert_lacks(text, bad)                                                        \
	do {                                                                           \
		if (strstr((text), (bad))) {                                           \
			print_error("ERROR: do not want \"%s\" in:\n%s\n", (bad), (text)); \
			fail();                                                        \
		}                                                                      \
	} while (0)

/* --- arguments ------------------------------------------------------------ */

static void test_info_args(void **state)
{
	char *a0[] = { "info", NULL };
	char *a1[] = { "info", "--json", NULL };
	struct info_args a;

	(void)state;
	assert_int_equal(info_parse_args(&a, 1, a0), 0);
	assert_false(a.json);
	assert_null(a.name);
	assert_int_equal(info_parse_args(&a, 2, a1), 0);
	assert_true(a.json);
}

static void test_info_name(void **state)
{
	char *a0[] = { "info", "web1", NULL };
	char *a1[] = { "info", "web1", "--json", NULL };
	char *a2[] = { "info", "web1", "web2", NULL };
	struct unit_capture cap;
	struct info_args a;

	(void)state;
	/* A name selects a running VM's report (the caller decides). */
	assert_int_equal(info_parse_args(&a, 2, a0), 0);
	assert_string_equal(a.name, "web1");
	assert_false(a.json);
	assert_int_equal(info_parse_args(&a, 3, a1), 0);
	assert_string_equal(a.name, "web1");
	assert_true(a.json);
	unit_capture_begin(&cap, 2);
	assert_int_equal(info_parse_args(&a, 3, a2), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "web2: unexpected argument (see vmm info --help)");
}

static void test_info_bad_options(void **state)
{
	char *a0[] = { "info", "--frob", NULL };
	char *a1[] = { "info", "--json=yes", NULL };
	char *a2[] = { "info", "-x", NULL };
	struct unit_capture cap;
	struct info_args a;

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(info_parse_args(&a, 2, a0), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--frob: unknown option (see vmm info --help)");
	unit_capture_begin(&cap, 2);
	assert_int_equal(info_parse_args(&a, 2, a1), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--json=yes: --json takes no value (see vmm info --help)");
	unit_capture_begin(&cap, 2);
	assert_int_equal(info_parse_args(&a, 2, a2), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "-x: unknown option (see vmm info --help)");
}

/* Issue #15: abbreviations are refused, with the option meant. */
static void test_info_abbreviation(void **state)
{
	char *a0[] = { "info", "--js", NULL };
	char *a1[] = { "check", "--qu", NULL };
	struct unit_capture cap;
	struct info_args a;
	bool quiet;

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(info_parse_args(&a, 2, a0), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--js: unknown option (did you mean --json?)");
	unit_capture_begin(&cap, 2);
	assert_int_equal(check_parse_args(&quiet, 2, a1), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--qu: unknown option (did you mean --quiet?)");
}

/* Issue #15: vmm info --help names both forms, info and info NAME. */
static void test_info_usage_names_vm(void **state)
{
	char *a0[] = { "info", "--help", NULL };
	struct unit_capture cap;
	struct info_args a;

	(void)state;
	unit_capture_begin(&cap, 1);
	assert_int_equal(info_parse_args(&a, 2, a0), -1);
	unit_capture_end(&cap);
	assert_non_null(strstr(cap.text, "usage: vmm info [--json]\n"));
	assert_non_null(strstr(cap.text, "vmm info NAME [--json]\n"));
}

static void test_info_help(void **state)
{
	char *a0[] = { "info", "--help", NULL };
	struct unit_capture cap;
	struct info_args a;

	(void)state;
	unit_capture_begin(&cap, 1);
	assert_int_equal(info_parse_args(&a, 2, a0), -1);
	unit_capture_end(&cap);
	assert_has(cap.text, "usage: vmm info [--json]");
}

static void test_check_args(void **state)
{
	char *a0[] = { "check", NULL };
	char *a1[] = { "check", "-q", NULL };
	char *a2[] = { "check", "extra", NULL };
	char *a3[] = { "check", "--help", NULL };
	struct unit_capture cap;
	bool quiet;

	(void)state;
	assert_int_equal(check_parse_args(&quiet, 1, a0), 0);
	assert_false(quiet);
	assert_int_equal(check_parse_args(&quiet, 2, a1), 0);
	assert_true(quiet);
	unit_capture_begin(&cap, 2);
	assert_int_equal(check_parse_args(&quiet, 2, a2), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "extra: unexpected argument (see vmm check --help)");
	unit_capture_begin(&cap, 1);
	assert_int_equal(check_parse_args(&quiet, 2, a3), -1);
	unit_capture_end(&cap);
	assert_has(cap.text, "usage: vmm check");
}

/* --- problems --------------------------------------------------------------- */

static void test_problems_none_when_healthy(void **state)
{
	struct host_problems pr;
	struct host_probe p;

	(void)state;
	healthy(&p);
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 0);
	/* GICv2 alone is enough for a default guest, and so is GICv3 alone. */
	p.gic_v3 = p.gic_its = false;
	p.gic_v2 = true;
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 0);
}

static void test_problems_no_dev_kvm(void **state)
{
	struct host_problems pr;
	struct host_probe p;

	(void)state;
	no_kvm(&p);
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.text[0], "/dev/kvm: No such file or directory: enable KVM "
					"(CONFIG_KVM), boot the host at EL2; in a container, "
					"pass /dev/kvm in");
}

static void test_problems_kvm_disabled_or_el1(void **state)
{
	struct host_problems pr;
	struct host_probe p;

	(void)state;
	no_kvm(&p);
	host_cmdline_parse(&p.cmdline, "kvm-arm.mode=none");
	redecide(&p);
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_has(pr.text[0], "/dev/kvm: No such file or directory: KVM is disabled by "
			       "kvm-arm.mode=none");

	no_kvm(&p);
	p.log_source = HOST_LOG_SYSLOG;
	host_log_scan(&p.log, "CPU: All CPU(s) started at EL1", 30);
	redecide(&p);
	host_report_problems(&p, &pr);
	assert_has(pr.text[0], "the CPUs started at EL1");
	assert_has(pr.text[0], "boot the host at EL2");

	no_kvm(&p);
	p.log_source = HOST_LOG_KMSG;
	host_log_scan(&p.log, "kvm [1]: HYP mode not available", 31);
	redecide(&p);
	host_report_problems(&p, &pr);
	assert_has(pr.text[0], "KVM did not start (kernel log: \"kvm [1]: HYP mode not "
			       "available\")");

	/* KVM came up, the node is just not here (a container, a bare /dev). */
	no_kvm(&p);
	p.log_source = HOST_LOG_SYSLOG;
	host_log_scan(&p.log, L_VHE, strlen(L_VHE));
	redecide(&p);
	host_report_problems(&p, &pr);
	assert_string_equal(pr.text[0], "/dev/kvm: No such file or directory: KVM runs (kernel "
					"log: \"" L_VHE "\") but the device node is missing: "
					"in a container, pass /dev/kvm in; else mount devtmpfs "
					"on /dev");
}

static void test_problems_permission(void **state)
{
	struct host_problems pr;
	struct host_probe p;

	(void)state;
	no_kvm(&p);
	p.kvm_errno = EACCES;
	strcpy(p.kvm_group, "kvm");
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.text[0], "/dev/kvm: Permission denied: add yourself to group "
					"kvm (usermod -aG kvm $USER) and log in again");
	p.kvm_errno = EACCES;
	p.kvm_group[0] = '\0';
	host_report_problems(&p, &pr);
	assert_has(pr.text[0], "/dev/kvm: Permission denied: have it owned by group kvm");
}

static void test_problems_kvm_level(void **state)
{
	struct host_problems pr;
	struct host_probe p;

	(void)state;
	healthy(&p);
	p.api_version = 11;
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_has(pr.text[0], "/dev/kvm: KVM API version 11, vmm needs 12");

	healthy(&p);
	p.missing[p.nmissing++] = "KVM_CAP_IRQFD";
	p.missing[p.nmissing++] = "KVM_CAP_IMMEDIATE_EXIT";
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 2);
	assert_has(pr.text[0], "/dev/kvm: host KVM lacks KVM_CAP_IRQFD, which vmm needs");
	assert_has(pr.text[1], "KVM_CAP_IMMEDIATE_EXIT");

	healthy(&p);
	p.ipa_limit = 31;
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.text[0], "IPA size: the host allows 31 bits, vmm needs at "
					"least 32");
}

static void test_problems_vm_level(void **state)
{
	struct host_problems pr;
	struct host_probe p;

	(void)state;
	healthy(&p);
	p.vm_ok = false;
	strcpy(p.vm_error, "KVM_CREATE_VM (40-bit IPA): Cannot allocate memory");
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.text[0], p.vm_error);

	healthy(&p);
	p.gic_v3 = p.gic_its = p.gic_v2 = false;
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_has(pr.text[0], "vGIC: this host's KVM can create neither a GICv3 nor a GICv2");

	healthy(&p);
	p.vcpu_ok = false;
	strcpy(p.vcpu_error, "vCPU: KVM_ARM_VCPU_INIT (target 5, features 0x4): Invalid "
			     "argument");
	host_report_problems(&p, &pr);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.text[0], p.vcpu_error);
}

/* --- human output -------------------------------------------------------- */

/* Every line is "key:", spaces, the value, the value in column 22. */
static void assert_aligned(const char *text)
{
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n'), *colon = strchr(line, ':');

		assert_non_null(nl);
		assert_non_null(colon);
		assert_true(colon < nl);
		assert_true(colon - line + 1 <= 21);
		if (line[21] == ' ' || line[20] != ' ') {
			print_error("ERROR: misaligned: %.*s\n", (int)(nl - line), line);
			fail();
		}
		line = nl + 1;
	}
}

static void test_human_healthy(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	healthy(&p);
	out = human(&p);
	assert_aligned(out);
	assert_has(out, "vmm:                 " VMM_VERSION "\n");
	assert_has(out, "kernel:              6.12.57+deb13-arm64 aarch64\n");
	assert_has(out, "page size:           4K\n");
	assert_has(out, "kernel log:          readable (/dev/kmsg)\n");
	assert_has(out, "KVM mode:            VHE (kernel log: \"" L_VHE "\")\n");
	assert_has(out, "CPUs started at EL2: yes (kernel log: \"" L_EL2 "\")\n");
	assert_has(out, "kvm:                 ok (/dev/kvm, API version 12)\n");
	assert_has(out, "IPA limit:           48 bits (--ipa-bits up to 48, --mem up to "
			"262142G)\n");
	assert_has(out, "max vCPUs:           512 (--cpus above 512 will fail)\n");
	assert_has(out, "recommended vCPUs:   2\n");
	assert_has(out, "GICv3:               yes\n");
	assert_has(out, "GICv3 ITS:           yes\n");
	assert_has(out, "GICv2:               no (--irqchip gicv2 will fail)\n");
	assert_has(out, "SVE:                 yes (vector lengths: 128 256 512 bits)\n");
	assert_has(out, "pointer auth:        yes\n");
	assert_has(out, "MTE:                 no\n");
	assert_has(out, "counter offset:      yes\n");
	assert_has(out, "vCPU:                ok\n");
	free(out);
}

static void test_human_missing_features_name_options(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	healthy(&p);
	p.gic_v3 = p.gic_its = false;
	p.gic_v2 = true;
	p.counter_offset = p.nisv_to_user = p.coalesced_mmio = p.readonly_mem = false;
	p.ptrauth_generic = false;
	p.sve_vls_ok = false;
	strcpy(p.sve_error, "KVM_ARM_VCPU_INIT (target 5, features 0x14): Invalid argument");
	p.ipa_cap = false;
	p.ipa_limit = 40;
	out = human(&p);
	assert_aligned(out);
	assert_has(out, "GICv3:               no (--irqchip gicv3 and gicv3-its will fail)\n");
	assert_has(out, "GICv3 ITS:           no (--irqchip gicv3-its will fail)\n");
	assert_has(out, "GICv2:               yes\n");
	assert_has(out, "IPA limit:           40 bits, fixed");
	free(out);
	p.ipa_cap = true;
	p.ipa_limit = 31;
	out = human(&p);
	assert_has(out, "IPA limit:           31 bits (vmm needs at least 32)\n");
	assert_has(out, "counter offset:      no (fallback: ");
	assert_has(out, "NISV to user:        no (");
	assert_has(out, "coalesced MMIO:      no (every serial byte exits to vmm");
	assert_has(out, "pointer auth:        address yes, generic no (a vCPU needs both)\n");
	assert_has(out, "SVE:                 yes (vector lengths unknown: KVM_ARM_VCPU_INIT");
	free(out);
}

static void test_human_no_kvm(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	no_kvm(&p);
	out = human(&p);
	assert_aligned(out);
	assert_has(out, "page size:           4K\n");
	assert_has(out, "kernel log:          unreadable: dmesg_restrict is set: run as root "
			"(or with CAP_SYSLOG) to read it\n");
	assert_has(out, "KVM mode:            nVHE (kernel command line: kvm-arm.mode=nvhe)\n");
	assert_has(out, "CPUs started at EL2: unknown (the kernel log is unreadable)\n");
	assert_has(out, "kvm:                 unavailable: /dev/kvm: No such file or "
			"directory\n");
	/* Nothing that needs /dev/kvm. */
	assert_lacks(out, "GIC");
	assert_lacks(out, "IPA");
	assert_lacks(out, "SVE");
	free(out);
}

static void test_human_mode_unknown(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	/* A VHE host seen by a user: no parameter, and dmesg_restrict. */
	no_kvm(&p);
	host_cmdline_parse(&p.cmdline, "console=ttyAMA0 quiet");
	redecide(&p);
	out = human(&p);
	assert_has(out, "KVM mode:            unknown (no kvm-arm.mode= on the kernel command "
			"line, and the kernel log is unreadable: dmesg_restrict is set: run as "
			"root (or with CAP_SYSLOG) to read it)\n");
	free(out);

	/* Readable log without the KVM lines (rotated out). */
	no_kvm(&p);
	host_cmdline_parse(&p.cmdline, "console=ttyAMA0 quiet");
	p.log_source = HOST_LOG_KMSG;
	redecide(&p);
	out = human(&p);
	assert_has(out, "no KVM line in the kernel log (rotated out?)");
	assert_has(out, "CPUs started at EL2: unknown (not in the kernel log)\n");
	free(out);

	/* Not root, no dmesg_restrict, but still refused: say what failed. */
	no_kvm(&p);
	p.dmesg_restrict = 0;
	p.kmsg_errno = ENOENT;
	p.syslog_errno = ENOSYS;
	out = human(&p);
	assert_has(out, "kernel log:          unreadable: syslog(2): Function not implemented\n");
	free(out);
}

static void test_human_mode_conflict(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	healthy(&p);
	host_cmdline_parse(&p.cmdline, "kvm-arm.mode=protected");
	redecide(&p);
	out = human(&p);
	assert_has(out, "KVM mode:            VHE (kernel log: \"" L_VHE "\"); the kernel "
			"command line asked for kvm-arm.mode=protected\n");
	free(out);
}

/* --- JSON ----------------------------------------------------------------- */

static void test_json_healthy(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	healthy(&p);
	out = json(&p);
	assert_true(out[0] == '{');
	assert_has(out, "\n  \"vmm_version\": \"" VMM_VERSION "\",\n");
	assert_has(out, "\n  \"kernel_release\": \"6.12.57+deb13-arm64\",\n");
	assert_has(out, "\n  \"page_size\": 4096,\n");
	assert_has(out, "\n  \"kernel_log\": \"/dev/kmsg\",\n");
	assert_has(out, "\n  \"kernel_log_error\": null,\n");
	assert_has(out, "\n  \"cmdline_kvm_arm_mode\": null,\n");
	assert_has(out, "\n  \"mode\": \"VHE\",\n");
	assert_has(out, "\n  \"mode_source\": \"kernel log\",\n");
	assert_has(out, "\n  \"mode_evidence\": \"" L_VHE "\",\n");
	assert_has(out, "\n  \"mode_note\": null,\n");
	assert_has(out, "\n  \"cpus_started_at_el2\": true,\n");
	assert_has(out, "\n  \"kvm\": \"ok\",\n");
	assert_has(out, "\n  \"api_version\": 12,\n");
	assert_has(out, "\n  \"missing_caps\": [],\n");
	assert_has(out, "\n  \"ipa_limit_bits\": 48,\n");
	assert_has(out, "\n  \"max_vcpus\": 512,\n");
	assert_has(out, "\n  \"recommended_vcpus\": 2,\n");
	assert_has(out, "\n  \"gic_v3\": true,\n");
	assert_has(out, "\n  \"gic_its\": true,\n");
	assert_has(out, "\n  \"gic_v2\": false,\n");
	assert_has(out, "\n  \"sve_vector_lengths\": [128, 256, 512],\n");
	assert_has(out, "\n  \"mte\": false,\n");
	assert_has(out, "\n  \"counter_offset\": true,\n");
	assert_has(out, "\n  \"ready\": true,\n");
	assert_has(out, "\n  \"problems\": []\n}\n");
	free(out);
}

static void test_json_no_kvm(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	no_kvm(&p);
	out = json(&p);
	assert_has(out, "\n  \"kernel_log\": null,\n");
	assert_has(out, "\n  \"kernel_log_error\": \"dmesg_restrict is set: run as root (or "
			"with CAP_SYSLOG) to read it\",\n");
	assert_has(out, "\n  \"cmdline_kvm_arm_mode\": \"nvhe\",\n");
	assert_has(out, "\n  \"mode\": \"nVHE\",\n");
	assert_has(out, "\n  \"mode_source\": \"kernel command line\",\n");
	assert_has(out, "\n  \"mode_evidence\": \"kvm-arm.mode=nvhe\",\n");
	assert_has(out, "\n  \"cpus_started_at_el2\": null,\n");
	assert_has(out, "\n  \"kvm\": \"unavailable: No such file or directory\",\n");
	assert_has(out, "\n  \"api_version\": null,\n");
	assert_has(out, "\n  \"ipa_limit_bits\": null,\n");
	assert_has(out, "\n  \"gic_v3\": null,\n");
	assert_has(out, "\n  \"gic_v2\": null,\n");
	assert_has(out, "\n  \"sve\": null,\n");
	assert_has(out, "\n  \"sve_vector_lengths\": null,\n");
	assert_has(out, "\n  \"irqfd\": null,\n");
	assert_has(out, "\n  \"ready\": false,\n");
	assert_has(out, "\n  \"problems\": [\"/dev/kvm: No such file or directory: enable KVM");
	free(out);
}

/*
 * Issue #15: a /dev/kvm that opens but speaks another API was never asked
 * for its capabilities: they are unknown (null), not 0 and false.
 */
static void test_json_unusable_kvm(void **state)
{
	struct host_probe p;
	char *out;

	(void)state;
	healthy(&p);
	p.api_version = 11;
	p.max_vcpus = p.nr_vcpus = 0;
	p.pmu_v3 = p.sve = false;
	p.vm_ok = false;
	out = json(&p);
	assert_has(out, "\n  \"kvm\": \"unusable: API version 11\",\n");
	assert_has(out, "\n  \"api_version\": 11,\n");
	assert_has(out, "\n  \"max_vcpus\": null,\n");
	assert_has(out, "\n  \"recommended_vcpus\": null,\n");
	assert_has(out, "\n  \"ipa_limit_bits\": null,\n");
	assert_has(out, "\n  \"pmu_v3\": null,\n");
	assert_has(out, "\n  \"sve\": null,\n");
	assert_has(out, "\n  \"gic_v3\": null,\n");
	assert_has(out, "\n  \"irqfd\": null,\n");
	free(out);
}

/* The same keys, in the same order, whatever the host: scripts rely on them. */
static void keys_of(const char *text, char *keys, size_t len)
{
	const char *p = text;

	keys[0] = '\0';
	while ((p = strstr(p, "\n  \""))) {
		const char *end = strstr(p + 4, "\":");

		assert_non_null(end);
		strncat(keys, p + 4, (size_t)(end - (p + 4)));
		strncat(keys, " ", len - strlen(keys) - 1);
		p = end;
	}
}

static void test_json_stable_keys(void **state)
{
	char k1[2048], k2[2048];
	struct host_probe p;
	char *a, *b;

	(void)state;
	healthy(&p);
	a = json(&p);
	no_kvm(&p);
	b = json(&p);
	keys_of(a, k1, sizeof(k1));
	keys_of(b, k2, sizeof(k2));
	assert_string_equal(k1, k2);
	assert_has(k1, "mode mode_source ");
	free(a);
	free(b);
}

static void test_json_escapes_log_text(void **state)
{
	static const char log[] = "kvm [1]: VHE mode initialized successfully \"x\"\\\t\x01";
	struct host_probe p;
	char *out;

	(void)state;
	healthy(&p);
	host_log_init(&p.log);
	host_log_scan(&p.log, log, sizeof(log) - 1);
	redecide(&p);
	out = json(&p);
	assert_has(out, "\"mode_evidence\": \"kvm [1]: VHE mode initialized successfully "
			"\\\"x\\\"\\\\\\t\\u0001\",\n");
	free(out);
}

/* --- vmm check ----------------------------------------------------------- */

static void test_check_ok(void **state)
{
	struct unit_capture out, err;
	struct host_probe p;

	(void)state;
	healthy(&p);
	unit_capture_begin(&err, 2);
	unit_capture_begin(&out, 1);
	assert_int_equal(host_report_check(stdout, &p, false), VMM_OK);
	unit_capture_end(&out);
	unit_capture_end(&err);
	assert_string_equal(out.text, "ok: KVM API 12, VHE mode, GICv3 with ITS, IPA 48 bits, "
				      "up to 512 vCPUs\n");
	assert_string_equal(err.text, "");

	unit_capture_begin(&out, 1);
	assert_int_equal(host_report_check(stdout, &p, true), VMM_OK);
	unit_capture_end(&out);
	assert_string_equal(out.text, "");

	/* Mode unknown (a user without the log) is no problem for check. */
	no_kvm(&p);
	p.kvm_open = true;
	p.api_version = 12;
	host_cmdline_parse(&p.cmdline, "quiet");
	redecide(&p);
	p.gic_v3 = p.gic_its = false;
	p.gic_v2 = true;
	unit_capture_begin(&out, 1);
	assert_int_equal(host_report_check(stdout, &p, false), VMM_OK);
	unit_capture_end(&out);
	assert_string_equal(out.text, "ok: KVM API 12, mode unknown, GICv2, IPA 48 bits, up to "
				      "512 vCPUs\n");
}

static void test_check_fails(void **state)
{
	struct unit_capture out, err;
	struct host_probe p;

	(void)state;
	no_kvm(&p);
	unit_capture_begin(&err, 2);
	unit_capture_begin(&out, 1);
	assert_int_equal(host_report_check(stdout, &p, false), VMM_ERR_HOST);
	unit_capture_end(&out);
	unit_capture_end(&err);
	assert_string_equal(out.text, "");
	unit_assert_one_line_prefix(err.text, "/dev/kvm: No such file or directory: enable KVM");

	/* Two problems: two lines. */
	healthy(&p);
	p.missing[p.nmissing++] = "KVM_CAP_IRQFD";
	p.gic_v3 = p.gic_its = false;
	unit_capture_begin(&err, 2);
	assert_int_equal(host_report_check(stdout, &p, false), VMM_ERR_HOST);
	unit_capture_end(&err);
	assert_int_equal(unit_count_lines(err.text), 2);
	assert_has(err.text, "vmm: /dev/kvm: host KVM lacks KVM_CAP_IRQFD");
	assert_has(err.text, "\nvmm: vGIC: ");
}

static void test_sve_lengths(void **state)
{
	struct host_probe p;
	char buf[64];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_string_equal(host_report_sve_lengths(&p, buf, sizeof(buf)), "");
	p.sve_vls[0] = 1;
	p.sve_vls[0] |= 1ULL << 63;   /* vq 64: 8192 bits */
	p.sve_vls[7] = 1ULL << 63;    /* vq 512: 65536 bits */
	assert_string_equal(host_report_sve_lengths(&p, buf, sizeof(buf)), "128 8192 65536");
	/* Too small a buffer ends at a whole number. */
	assert_string_equal(host_report_sve_lengths(&p, buf, 9), "128 8192");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_args),
		cmocka_unit_test(test_info_name),
		cmocka_unit_test(test_info_bad_options),
		cmocka_unit_test(test_info_abbreviation),
		cmocka_unit_test(test_info_usage_names_vm),
		cmocka_unit_test(test_json_unusable_kvm),
		cmocka_unit_test(test_info_help),
		cmocka_unit_test(test_check_args),
		cmocka_unit_test(test_problems_none_when_healthy),
		cmocka_unit_test(test_problems_no_dev_kvm),
		cmocka_unit_test(test_problems_kvm_disabled_or_el1),
		cmocka_unit_test(test_problems_permission),
		cmocka_unit_test(test_problems_kvm_level),
		cmocka_unit_test(test_problems_vm_level),
		cmocka_unit_test(test_human_healthy),
		cmocka_unit_test(test_human_missing_features_name_options),
		cmocka_unit_test(test_human_no_kvm),
		cmocka_unit_test(test_human_mode_unknown),
		cmocka_unit_test(test_human_mode_conflict),
		cmocka_unit_test(test_json_healthy),
		cmocka_unit_test(test_json_no_kvm),
		cmocka_unit_test(test_json_stable_keys),
		cmocka_unit_test(test_json_escapes_log_text),
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_fails),
		cmocka_unit_test(test_sve_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
