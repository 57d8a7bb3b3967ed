/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARM64_HOST_MODE_H
#define ARM64_HOST_MODE_H

/*
 * How the host runs KVM (VHE, nVHE, protected) and whether its CPUs started
 * at EL2. No ioctl answers this: it comes from the kernel command line
 * (kvm-arm.mode=) and from the lines KVM and the CPU code print at boot.
 * Everything here is pure text parsing; arm64/kvm_host_probe.c reads the
 * text. The lines it knows:
 *
 *   kvm [1]: VHE mode initialized successfully              VHE (6.1, 6.12)
 *   kvm [1]: Hyp mode initialized successfully              nVHE (6.1)
 *   kvm [1]: Hyp nVHE mode initialized successfully         nVHE (6.12)
 *   kvm [1]: Hyp hVHE mode initialized successfully         nVHE (6.12, hVHE)
 *   kvm [1]: Protected nVHE mode initialized successfully   protected (6.1)
 *   kvm [1]: Protected hVHE mode initialized successfully   protected (6.12)
 *   kvm [1]: KVM disabled from command line                 none
 *   kvm [1]: HYP mode not available                         none
 *   kvm [1]: error initializing Hyp mode: -N                none
 *   CPU: All CPU(s) started at EL2 / EL1
 *   CPU: CPUs started in inconsistent modes
 */
#include <stdbool.h>
#include <stddef.h>

enum host_mode {
	HOST_MODE_UNKNOWN,
	HOST_MODE_VHE,
	HOST_MODE_NVHE,
	HOST_MODE_PROTECTED,
	HOST_MODE_NONE,        /* KVM is not running (disabled, no EL2, failed) */
};

enum host_el {
	HOST_EL_UNKNOWN,
	HOST_EL_EL2,
	HOST_EL_EL1,
	HOST_EL_MIXED,         /* "CPUs started in inconsistent modes" */
};

enum host_mode_source {
	HOST_MODE_SRC_NONE,
	HOST_MODE_SRC_CMDLINE, /* kvm-arm.mode= in /proc/cmdline */
	HOST_MODE_SRC_LOG,     /* a line of the kernel log */
};

#define HOST_MODE_VALUE_MAX 32
#define HOST_MODE_LINE_MAX 128

/* What the kernel command line says about KVM. */
struct host_cmdline {
	bool found;                          /* kvm-arm.mode= is present */
	char value[HOST_MODE_VALUE_MAX];     /* its (last) value, truncated */
	char param[HOST_MODE_VALUE_MAX + 16]; /* "kvm-arm.mode=value" as written */
	enum host_mode mode;                 /* UNKNOWN: a value the kernel ignores */
};

/* What the kernel log says; fill with host_log_init() + host_log_scan*(). */
struct host_log {
	enum host_mode mode;                 /* from the last KVM mode line */
	char mode_line[HOST_MODE_LINE_MAX];  /* that line, from "kvm [" on */
	enum host_el el;                     /* from the last "started at" line */
	char el_line[HOST_MODE_LINE_MAX];    /* that line, from "CPU" on */
	unsigned long lines;                 /* lines scanned */
};

/* The answer, and where it came from. */
struct host_mode_answer {
	enum host_mode mode;
	enum host_mode_source source;
	const char *evidence;  /* the log line or "kvm-arm.mode=..."; NULL with SRC_NONE */
	bool conflict;         /* the log's mode differs from what the cmdline asked */
};

/*
 * host_cmdline_parse - find kvm-arm.mode= (or kvm_arm.mode=: the kernel
 * treats '-' and '_' in parameter names alike) in the text of
 * /proc/cmdline. The last occurrence wins, as in the kernel; parameters
 * after a bare "--" belong to init and are ignored; double quotes are
 * handled as the kernel's parser does. Values: none, nvhe, protected,
 * nested (VHE with nested virtualisation). text may be NULL (nothing found).
 */
void host_cmdline_parse(struct host_cmdline *c, const char *text);

/* host_log_init - an empty struct host_log (nothing known). */
void host_log_init(struct host_log *l);

/*
 * host_log_scan_line - look at one line of the kernel log, of len bytes (no
 * newline needed; any prefix such as "<6>[    0.52] " or a /dev/kmsg
 * record header is skipped over) and record the mode or EL fact it states.
 */
void host_log_scan_line(struct host_log *l, const char *line, size_t len);

/* host_log_scan - host_log_scan_line() on each '\n'-separated line of text. */
void host_log_scan(struct host_log *l, const char *text, size_t len);

/*
 * host_mode_decide - combine the two sources. The log says what happened and
 * wins; the command line says what was asked and answers when the log has
 * no mode line (unreadable, or rotated out). CPUs started at EL1 with
 * nothing else known means no KVM. log may be NULL (not readable); cmdline
 * may be NULL (not readable). evidence points into cmdline or log.
 */
void host_mode_decide(struct host_mode_answer *a, const struct host_cmdline *cmdline,
		      const struct host_log *log);

/* host_mode_name - "VHE", "nVHE", "protected", "none" or "unknown". */
const char *host_mode_name(enum host_mode m);

/* host_mode_source_name - "kernel command line", "kernel log" or "none". */
const char *host_mode_source_name(enum host_mode_source s);

#endif
