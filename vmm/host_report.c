// SPDX-License-Identifier: GPL-2.0-only
/* `vmm info` and `vmm check`: arguments, the host report, the verdict. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arm64/layout.h"
#include "config.h"
#include "log.h"
#include "status.h"
#include "vmm/host_report.h"
#include "vmm/json.h"
#include "vmm/opts.h"

#define KVM_API_WANT 12 /* KVM_API_VERSION: stable since Linux 2.6.22 */

/* --- arguments ---------------------------------------------------------- */

static void info_usage(void)
{
	printf("usage: vmm info [--json]\n"
	       "       vmm info NAME [--json]\n"
	       "\n"
	       "What this host offers vmm: KVM and its mode, limits, interrupt\n"
	       "controllers, CPU features; what would fail and which option it affects.\n"
	       "With NAME, a running VM's configuration, state, uptime and counters.\n"
	       "\n"
	       "      --json     one JSON object instead of \"key: value\" lines\n"
	       "  -h, --help     this text\n"
	       "\n"
	       "See vmm(1).\n");
}

static void check_usage(void)
{
	printf("usage: vmm check [--quiet]\n"
	       "\n"
	       "Exit 0 when this host can run a default guest, else print each problem\n"
	       "with its fix and exit 4.\n"
	       "\n"
	       "  -q, --quiet    no \"ok\" line on success\n"
	       "  -h, --help     this text\n"
	       "\n"
	       "See vmm(1).\n");
}

int info_parse_args(struct info_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = opts_next(argc, argv, ":h", opts, "info")) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'h':
			info_usage();
			return -1;
		default:
			return VMM_ERR_USAGE; /* opts_next said why */
		}
	}
	if (optind < argc)
		a->name = argv[optind];
	if (optind + 1 < argc) {
		log_error("%s: unexpected argument (see vmm info --help)", argv[optind + 1]);
		return VMM_ERR_USAGE;
	}
	return 0;
}

int check_parse_args(bool *quiet, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*quiet = false;
	optind = 0;
	opterr = 0;
	while ((c = opts_next(argc, argv, ":qh", opts, "check")) != -1) {
		switch (c) {
		case 'q':
			*quiet = true;
			break;
		case 'h':
			check_usage();
			return -1;
		default:
			return VMM_ERR_USAGE; /* opts_next said why */
		}
	}
	if (optind < argc) {
		log_error("%s: unexpected argument (see vmm check --help)", argv[optind]);
		return VMM_ERR_USAGE;
	}
	return 0;
}

/* --- problems ------------------------------------------------------------ */

static void problem(struct host_problems *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct host_problems *out, const char *fmt, ...)
{
	va_list ap;

	if (out->n >= HOST_REPORT_MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(out->text[out->n++], HOST_REPORT_PROBLEM_LEN, fmt, ap);
	va_end(ap);
}

/* Why KVM is not running, as far as the command line and log tell. */
static const char *no_kvm_fix(const struct host_probe *p, char *buf, size_t len)
{
	if (p->cmdline.found && p->cmdline.mode == HOST_MODE_NONE)
		snprintf(buf, len, "KVM is disabled by kvm-arm.mode=none on the kernel command "
			 "line: remove it");
	else if (p->log_source != HOST_LOG_NONE && p->log.el == HOST_EL_EL1)
		snprintf(buf, len, "the CPUs started at EL1, where KVM cannot run: boot the "
			 "host at EL2 (a firmware or boot loader setting)");
	else if (p->log_source != HOST_LOG_NONE && p->log.el == HOST_EL_MIXED)
		snprintf(buf, len, "the CPUs started in different exception levels, so KVM "
			 "is off: fix the firmware to start them all at EL2");
	else if (p->log_source != HOST_LOG_NONE && p->log.mode == HOST_MODE_NONE)
		snprintf(buf, len, "KVM did not start (kernel log: \"%s\"): boot the host at "
			 "EL2 with KVM enabled", p->log.mode_line);
	else if (p->log_source != HOST_LOG_NONE && p->log.mode != HOST_MODE_UNKNOWN)
		snprintf(buf, len, "KVM runs (kernel log: \"%s\") but the device node is "
			 "missing: in a container, pass %s in; else mount devtmpfs on /dev",
			 p->log.mode_line, p->kvm_path);
	else
		snprintf(buf, len, "enable KVM (CONFIG_KVM), boot the host at EL2; in a "
			 "container, pass %s in", p->kvm_path);
	return buf;
}

void host_report_problems(const struct host_probe *p, struct host_problems *out)
{
	char fix[256];
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (!p->kvm_open) {
		switch (p->kvm_errno) {
		case ENOENT:
		case ENODEV:
		case ENXIO:
			problem(out, "%s: %s: %s", p->kvm_path, strerror(p->kvm_errno),
				no_kvm_fix(p, fix, sizeof(fix)));
			break;
		case EACCES:
		case EPERM:
			if (p->kvm_group[0])
				problem(out, "%s: %s: add yourself to group %s (usermod -aG %s "
					"$USER) and log in again", p->kvm_path,
					strerror(p->kvm_errno), p->kvm_group, p->kvm_group);
			else
				problem(out, "%s: %s: have it owned by group kvm with mode 0660 "
					"(the usual udev rule), add yourself to group kvm and log "
					"in again", p->kvm_path,
					strerror(p->kvm_errno));
			break;
		case EROFS:
			problem(out, "%s: %s: vmm needs it read-write: remount /dev read-write",
				p->kvm_path, strerror(p->kvm_errno));
			break;
		default:
			problem(out, "%s: %s", p->kvm_path, strerror(p->kvm_errno));
			break;
		}
		return;
	}
	if (p->api_version != KVM_API_WANT) {
		problem(out, "%s: KVM API version %d, vmm needs %d (the stable API of every "
			"Linux since 2.6.22)", p->kvm_path, p->api_version, KVM_API_WANT);
		return;
	}
	for (i = 0; i < p->nmissing; i++)
		problem(out, "%s: host KVM lacks %s, which vmm needs: use a newer host kernel "
			"(6.1 or later)", p->kvm_path, p->missing[i]);
	if (p->ipa_limit < LAYOUT_MIN_IPA_BITS)
		problem(out, "IPA size: the host allows %u bits, vmm needs at least %u",
			p->ipa_limit, LAYOUT_MIN_IPA_BITS);
	if (!p->vm_ok) {
		problem(out, "%s", p->vm_error);
		return;
	}
	if (!p->gic_v3 && !p->gic_v2)
		problem(out, "vGIC: this host's KVM can create neither a GICv3 nor a GICv2: "
			"it needs a GIC that KVM can virtualise");
	if (!p->vcpu_ok)
		problem(out, "%s", p->vcpu_error);
}

/* --- human output ------------------------------------------------------- */

#define KEY_WIDTH 21 /* "CPUs started at EL2:" and a space */

static void kv(FILE *f, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void kv(FILE *f, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "%s:%*s", key, (int)(KEY_WIDTH - strlen(key) - 1), "");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static const char *yes_no(bool v)
{
	return v ? "yes" : "no";
}

/* "yes", or "no (consequence)". */
static void kv_cap(FILE *f, const char *key, bool v, const char *if_not)
{
	if (v || !if_not)
		kv(f, key, "%s", yes_no(v));
	else
		kv(f, key, "no (%s)", if_not);
}

const char *host_report_sve_lengths(const struct host_probe *p, char *buf, unsigned int len)
{
	unsigned int vq, n = 0;

	if (len)
		buf[0] = '\0';
	for (vq = 1; vq <= HOST_PROBE_SVE_WORDS * 64; vq++) {
		int w;

		if (!(p->sve_vls[(vq - 1) / 64] & (1ULL << ((vq - 1) % 64))))
			continue;
		if (n >= len)
			break;
		w = snprintf(buf + n, len - n, "%s%u", n ? " " : "", vq * 128);
		if (w < 0 || (unsigned int)w >= len - n) {
			buf[n] = '\0';
			break;
		}
		n += (unsigned int)w;
	}
	return buf;
}

/* Why the log could not be read, for people. */
static const char *log_trouble(const struct host_probe *p, char *buf, size_t len)
{
	int e = p->kmsg_errno && p->kmsg_errno != ENOENT ? p->kmsg_errno : p->syslog_errno;

	if ((e == EPERM || e == EACCES) && p->dmesg_restrict == 1 && !p->root)
		snprintf(buf, len, "dmesg_restrict is set: run as root (or with CAP_SYSLOG) "
			 "to read it");
	else if (p->kmsg_errno && p->kmsg_errno != ENOENT)
		snprintf(buf, len, "/dev/kmsg: %s", strerror(p->kmsg_errno));
	else if (p->syslog_errno)
		snprintf(buf, len, "syslog(2): %s", strerror(p->syslog_errno));
	else
		snprintf(buf, len, "not read");
	return buf;
}

/* Why the mode is unknown (or what else to say about it); NULL: nothing. */
static const char *mode_note(const struct host_probe *p, char *buf, size_t len)
{
	char why[160];

	if (p->mode.conflict) {
		snprintf(buf, len, "the kernel command line asked for kvm-arm.mode=%s",
			 p->cmdline.value);
		return buf;
	}
	if (p->mode.mode != HOST_MODE_UNKNOWN)
		return NULL;
	if (!p->cmdline_read)
		snprintf(why, sizeof(why), "/proc/cmdline: %s", strerror(p->cmdline_errno));
	else if (p->cmdline.found)
		snprintf(why, sizeof(why), "kvm-arm.mode=%s is not a mode the kernel knows",
			 p->cmdline.value);
	else
		snprintf(why, sizeof(why), "no kvm-arm.mode= on the kernel command line");
	if (p->log_source == HOST_LOG_NONE) {
		char t[120];

		snprintf(buf, len, "%s, and the kernel log is unreadable: %s", why,
			 log_trouble(p, t, sizeof(t)));
	} else {
		snprintf(buf, len, "%s, and no KVM line in the kernel log (rotated out?)", why);
	}
	return buf;
}

static const char *log_name(enum host_log_source s)
{
	return s == HOST_LOG_KMSG ? "/dev/kmsg" : s == HOST_LOG_SYSLOG ? "syslog(2)" : NULL;
}

static void human_mode(FILE *f, const struct host_probe *p)
{
	char note[320], t[120];
	const char *n = mode_note(p, note, sizeof(note));

	if (p->log_source != HOST_LOG_NONE)
		kv(f, "kernel log", "readable (%s)", log_name(p->log_source));
	else
		kv(f, "kernel log", "unreadable: %s", log_trouble(p, t, sizeof(t)));

	if (p->mode.source == HOST_MODE_SRC_LOG)
		kv(f, "KVM mode", "%s (kernel log: \"%s\")%s%s", host_mode_name(p->mode.mode),
		   p->mode.evidence, n ? "; " : "", n ? n : "");
	else if (p->mode.source == HOST_MODE_SRC_CMDLINE)
		kv(f, "KVM mode", "%s (kernel command line: %s)",
		   host_mode_name(p->mode.mode), p->mode.evidence);
	else
		kv(f, "KVM mode", "unknown (%s)", n ? n : "no source");

	switch (p->log_source == HOST_LOG_NONE ? HOST_EL_UNKNOWN : p->log.el) {
	case HOST_EL_EL2:
		kv(f, "CPUs started at EL2", "yes (kernel log: \"%s\")", p->log.el_line);
		break;
	case HOST_EL_EL1:
		kv(f, "CPUs started at EL2", "no: at EL1, so no KVM (kernel log: \"%s\")",
		   p->log.el_line);
		break;
	case HOST_EL_MIXED:
		kv(f, "CPUs started at EL2", "no: in inconsistent modes, so no KVM (kernel "
		   "log: \"%s\")", p->log.el_line);
		break;
	case HOST_EL_UNKNOWN:
		kv(f, "CPUs started at EL2", "unknown (%s)",
		   p->log_source == HOST_LOG_NONE ? "the kernel log is unreadable"
						  : "not in the kernel log");
		break;
	}
}

static void human_gic(FILE *f, const struct host_probe *p)
{
	if (!p->vm_ok) {
		kv(f, "vGIC", "unknown (no scratch VM: %s)", p->vm_error);
		return;
	}
	kv_cap(f, "GICv3", p->gic_v3, "--irqchip gicv3 and gicv3-its will fail");
	kv_cap(f, "GICv3 ITS", p->gic_its, "--irqchip gicv3-its will fail");
	kv_cap(f, "GICv2", p->gic_v2, "--irqchip gicv2 will fail");
}

static void human_sve(FILE *f, const struct host_probe *p)
{
	char vls[HOST_PROBE_SVE_WORDS * 64 * 6];

	if (!p->sve)
		kv(f, "SVE", "no");
	else if (p->sve_vls_ok)
		kv(f, "SVE", "yes (vector lengths: %s bits)",
		   host_report_sve_lengths(p, vls, sizeof(vls)));
	else
		kv(f, "SVE", "yes (vector lengths unknown: %s)", p->sve_error);
}

void host_report_human(FILE *f, const struct host_probe *p)
{
	char sz[32];

	kv(f, "vmm", "%s", VMM_VERSION);
	kv(f, "kernel", "%s %s", p->kernel_release[0] ? p->kernel_release : "unknown",
	   p->machine);
	kv(f, "page size", "%s", config_format_size((uint64_t)p->page_size, sz, sizeof(sz)));
	kv(f, "host CPUs", "%ld online", p->cpus_online);
	human_mode(f, p);

	if (!p->kvm_open) {
		kv(f, "kvm", "unavailable: %s: %s", p->kvm_path, strerror(p->kvm_errno));
		return;
	}
	if (p->api_version != KVM_API_WANT) {
		kv(f, "kvm", "unusable: %s: API version %d, vmm needs %d", p->kvm_path,
		   p->api_version, KVM_API_WANT);
		return;
	}
	if (p->nmissing) {
		char list[200] = "";
		unsigned int i;

		for (i = 0; i < p->nmissing; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", p->missing[i]);
		kv(f, "kvm", "unusable: %s lacks %s", p->kvm_path, list);
	} else {
		kv(f, "kvm", "ok (%s, API version %d)", p->kvm_path, p->api_version);
	}
	if (!p->ipa_cap)
		kv(f, "IPA limit", "40 bits, fixed (--ipa-bits other than 40 is ignored)");
	else if (p->ipa_limit < LAYOUT_MIN_IPA_BITS)
		kv(f, "IPA limit", "%u bits (vmm needs at least %u)", p->ipa_limit,
		   LAYOUT_MIN_IPA_BITS);
	else if (p->ipa_limit >= 64)
		kv(f, "IPA limit", "%u bits", p->ipa_limit);
	else
		kv(f, "IPA limit", "%u bits (--ipa-bits up to %u, --mem up to %s)", p->ipa_limit,
		   p->ipa_limit,
		   config_format_size((1ULL << p->ipa_limit) - LAYOUT_RAM_BASE, sz, sizeof(sz)));
	kv(f, "max vCPUs", "%u (--cpus above %u will fail)", p->max_vcpus, p->max_vcpus);
	kv(f, "recommended vCPUs", "%u", p->nr_vcpus);
	human_gic(f, p);
	kv_cap(f, "PMU", p->pmu_v3, NULL);
	human_sve(f, p);
	if (p->ptrauth_address == p->ptrauth_generic)
		kv(f, "pointer auth", "%s", yes_no(p->ptrauth_address));
	else
		kv(f, "pointer auth", "address %s, generic %s (a vCPU needs both)",
		   yes_no(p->ptrauth_address), yes_no(p->ptrauth_generic));
	kv_cap(f, "MTE", p->mte, NULL);
	kv_cap(f, "steal time", p->steal_time, NULL);
	kv_cap(f, "counter offset", p->counter_offset,
	       "fallback: only the guest's virtual counter starts at zero");
	kv_cap(f, "NISV to user", p->nisv_to_user,
	       "a guest MMIO access without a valid syndrome stops the VM");
	kv_cap(f, "readonly memslots", p->readonly_mem,
	       "serial status reads exit to vmm: slower console");
	kv_cap(f, "coalesced MMIO", p->coalesced_mmio,
	       "every serial byte exits to vmm: slower console");
	kv_cap(f, "ioeventfd", p->ioeventfd, "vmm needs it: vmm run will fail");
	kv_cap(f, "irqfd", p->irqfd, "vmm needs it: vmm run will fail");
	if (!p->vm_ok)
		return;
	if (p->vcpu_ok)
		kv(f, "vCPU", "ok");
	else
		kv(f, "vCPU", "fails: %s", p->vcpu_error);
}

/* --- JSON --------------------------------------------------------------- */

/* A bool that is only known with /dev/kvm (or a scratch VM): null otherwise. */
static void jbool(struct json *j, const char *key, bool known, bool v)
{
	if (known)
		json_bool(j, key, v);
	else
		json_null(j, key);
}

static void juint(struct json *j, const char *key, bool known, unsigned long long v)
{
	if (known)
		json_uint(j, key, v);
	else
		json_null(j, key);
}

int host_report_json(FILE *f, const struct host_probe *p)
{
	/* Capabilities are only asked of a /dev/kvm with the right API: else unknown. */
	bool kvm = p->kvm_open && p->api_version == KVM_API_WANT, vm = kvm && p->vm_ok;
	struct host_problems probs;
	char buf[320], t[120];
	unsigned int i, vq;
	struct json j;

	host_report_problems(p, &probs);
	json_begin(&j, f);
	json_string(&j, "vmm_version", VMM_VERSION);
	json_string(&j, "kernel_release", p->kernel_release[0] ? p->kernel_release : NULL);
	json_string(&j, "machine", p->machine[0] ? p->machine : NULL);
	json_int(&j, "page_size", p->page_size);
	json_int(&j, "cpus_online", p->cpus_online);

	json_string(&j, "kernel_log", log_name(p->log_source));
	json_string(&j, "kernel_log_error",
		    p->log_source == HOST_LOG_NONE ? log_trouble(p, t, sizeof(t)) : NULL);
	json_string(&j, "cmdline_kvm_arm_mode", p->cmdline.found ? p->cmdline.value : NULL);
	json_string(&j, "mode", host_mode_name(p->mode.mode));
	json_string(&j, "mode_source",
		    p->mode.source == HOST_MODE_SRC_NONE ? NULL
							 : host_mode_source_name(p->mode.source));
	json_string(&j, "mode_evidence", p->mode.evidence);
	json_string(&j, "mode_note", mode_note(p, buf, sizeof(buf)));
	if (p->log_source != HOST_LOG_NONE && p->log.el != HOST_EL_UNKNOWN)
		json_bool(&j, "cpus_started_at_el2", p->log.el == HOST_EL_EL2);
	else
		json_null(&j, "cpus_started_at_el2");

	json_string(&j, "kvm_path", p->kvm_path);
	if (!p->kvm_open) {
		snprintf(buf, sizeof(buf), "unavailable: %s", strerror(p->kvm_errno));
		json_string(&j, "kvm", buf);
	} else if (p->api_version != KVM_API_WANT) {
		snprintf(buf, sizeof(buf), "unusable: API version %d", p->api_version);
		json_string(&j, "kvm", buf);
	} else if (p->nmissing) {
		snprintf(buf, sizeof(buf), "unusable: lacks %s%s", p->missing[0],
			 p->nmissing > 1 ? " and more" : "");
		json_string(&j, "kvm", buf);
	} else {
		json_string(&j, "kvm", "ok");
	}
	if (p->kvm_open)
		json_int(&j, "api_version", p->api_version);
	else
		json_null(&j, "api_version");
	json_array_begin(&j, "missing_caps");
	for (i = 0; kvm && i < p->nmissing; i++)
		json_string(&j, NULL, p->missing[i]);
	json_array_end(&j);
	juint(&j, "ipa_limit_bits", kvm, p->ipa_limit);
	jbool(&j, "ipa_size_selectable", kvm, p->ipa_cap);
	juint(&j, "max_vcpus", kvm, p->max_vcpus);
	juint(&j, "recommended_vcpus", kvm, p->nr_vcpus);
	jbool(&j, "gic_v3", vm, p->gic_v3);
	jbool(&j, "gic_its", vm, p->gic_its);
	jbool(&j, "gic_v2", vm, p->gic_v2);
	jbool(&j, "pmu_v3", kvm, p->pmu_v3);
	jbool(&j, "sve", kvm, p->sve);
	if (kvm && p->sve && p->sve_vls_ok) {
		json_array_begin(&j, "sve_vector_lengths");
		for (vq = 1; vq <= HOST_PROBE_SVE_WORDS * 64; vq++)
			if (p->sve_vls[(vq - 1) / 64] & (1ULL << ((vq - 1) % 64)))
				json_uint(&j, NULL, vq * 128);
		json_array_end(&j);
	} else {
		json_null(&j, "sve_vector_lengths");
	}
	jbool(&j, "ptrauth_address", kvm, p->ptrauth_address);
	jbool(&j, "ptrauth_generic", kvm, p->ptrauth_generic);
	jbool(&j, "mte", kvm, p->mte);
	jbool(&j, "steal_time", kvm, p->steal_time);
	jbool(&j, "counter_offset", kvm, p->counter_offset);
	jbool(&j, "nisv_to_user", kvm, p->nisv_to_user);
	jbool(&j, "readonly_mem", kvm, p->readonly_mem);
	jbool(&j, "coalesced_mmio", kvm, p->coalesced_mmio);
	jbool(&j, "ioeventfd", kvm, p->ioeventfd);
	jbool(&j, "irqfd", kvm, p->irqfd);
	jbool(&j, "vcpu", vm, p->vcpu_ok);

	json_bool(&j, "ready", probs.n == 0);
	json_array_begin(&j, "problems");
	for (i = 0; i < probs.n; i++)
		json_string(&j, NULL, probs.text[i]);
	json_array_end(&j);
	return json_end(&j);
}

/* --- vmm check ------------------------------------------------------------ */

int host_report_check(FILE *f, const struct host_probe *p, bool quiet)
{
	struct host_problems probs;
	char mode[32];
	unsigned int i;

	host_report_problems(p, &probs);
	for (i = 0; i < probs.n; i++)
		log_error("%s", probs.text[i]);
	if (probs.n)
		return VMM_ERR_HOST;
	if (p->mode.mode == HOST_MODE_UNKNOWN)
		snprintf(mode, sizeof(mode), "mode unknown");
	else
		snprintf(mode, sizeof(mode), "%s mode", host_mode_name(p->mode.mode));
	if (!quiet)
		fprintf(f, "ok: KVM API %d, %s, %s, IPA %u bits, up to %u vCPUs\n",
			p->api_version, mode,
			p->gic_v3 ? (p->gic_its ? "GICv3 with ITS" : "GICv3") : "GICv2",
			p->ipa_limit, p->max_vcpus);
	return VMM_OK;
}
