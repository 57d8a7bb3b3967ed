// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the KVM mode parsing (arm64/host_mode.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arm64/host_mode.h"

/* The lines the supported host kernels print (tests/rig boots them all). */
#define L612_VHE "kvm [1]: VHE mode initialized successfully"
#define L612_NVHE "kvm [1]: Hyp nVHE mode initialized successfully"
#define L612_PROT "kvm [1]: Protected hVHE mode initialized successfully"
#define L61_VHE "kvm [1]: VHE mode initialized successfully"
#define L61_NVHE "kvm [1]: Hyp mode initialized successfully"
#define L61_PROT "kvm [1]: Protected nVHE mode initialized successfully"
#define L_EL2 "CPU: All CPU(s) started at EL2"
#define L_EL1 "CPU: All CPU(s) started at EL1"

static struct host_log scan(const char *text)
{
	struct host_log l;

	host_log_init(&l);
	host_log_scan(&l, text, strlen(text));
	return l;
}

static enum host_mode log_mode(const char *text)
{
	return scan(text).mode;
}

static struct host_cmdline cmdline(const char *text)
{
	struct host_cmdline c;

	host_cmdline_parse(&c, text);
	return c;
}

/* --- the kernel log ------------------------------------------------------- */

static void test_log_exact_lines(void **state)
{
	(void)state;
	assert_int_equal(log_mode(L612_VHE), HOST_MODE_VHE);
	assert_int_equal(log_mode(L612_NVHE), HOST_MODE_NVHE);
	assert_int_equal(log_mode(L612_PROT), HOST_MODE_PROTECTED);
	assert_int_equal(log_mode(L61_VHE), HOST_MODE_VHE);
	assert_int_equal(log_mode(L61_NVHE), HOST_MODE_NVHE);
	assert_int_equal(log_mode(L61_PROT), HOST_MODE_PROTECTED);
}

static void test_log_other_kvm_lines(void **state)
{
	(void)state;
	assert_int_equal(log_mode("kvm [1]: Hyp hVHE mode initialized successfully"),
			 HOST_MODE_NVHE);
	assert_int_equal(log_mode("kvm [1]: KVM disabled from command line"), HOST_MODE_NONE);
	assert_int_equal(log_mode("kvm [1]: HYP mode not available"), HOST_MODE_NONE);
	assert_int_equal(log_mode("kvm [1]: error initializing Hyp mode: -12"), HOST_MODE_NONE);
	/* Other KVM chatter says nothing about the mode. */
	assert_int_equal(log_mode("kvm [1]: IPA Size Limit: 48 bits"), HOST_MODE_UNKNOWN);
	assert_int_equal(log_mode("kvm [1]: GICv3: no GICV resource entry"), HOST_MODE_UNKNOWN);
	assert_int_equal(log_mode("kvm [1]: vgic interrupt IRQ9"), HOST_MODE_UNKNOWN);
}

static void test_log_needs_kvm_prefix(void **state)
{
	(void)state;
	/* Someone else's line that happens to contain the words. */
	assert_int_equal(log_mode("myapp: VHE mode initialized successfully"), HOST_MODE_UNKNOWN);
	assert_int_equal(log_mode(""), HOST_MODE_UNKNOWN);
}

static void test_log_prefixes(void **state)
{
	struct host_log l;

	(void)state;
	/* syslog(2) text, with and without the caller id. */
	l = scan("<6>[    0.811270] " L612_NVHE "\n");
	assert_int_equal(l.mode, HOST_MODE_NVHE);
	assert_string_equal(l.mode_line, L612_NVHE);
	l = scan("<6>[    0.811270][    T1] " L61_PROT);
	assert_int_equal(l.mode, HOST_MODE_PROTECTED);
	assert_string_equal(l.mode_line, L61_PROT);
	/* dmesg's output, and a line ending in CRLF. */
	l = scan("[    0.523] " L612_VHE "\r\n");
	assert_int_equal(l.mode, HOST_MODE_VHE);
	assert_string_equal(l.mode_line, L612_VHE);
}

static void test_log_el(void **state)
{
	struct host_log l;

	(void)state;
	l = scan("<6>[    0.1] " L_EL2 "\n");
	assert_int_equal(l.el, HOST_EL_EL2);
	assert_string_equal(l.el_line, L_EL2);
	l = scan(L_EL1);
	assert_int_equal(l.el, HOST_EL_EL1);
	assert_string_equal(l.el_line, L_EL1);
	l = scan("[    0.1] CPU: CPUs started in inconsistent modes");
	assert_int_equal(l.el, HOST_EL_MIXED);
	assert_string_equal(l.el_line, "CPU: CPUs started in inconsistent modes");
	l = scan("CPU: All CPU(s) started at EL3");
	assert_int_equal(l.el, HOST_EL_UNKNOWN);
	l = scan("CPU: All CPU(s) started at EL");
	assert_int_equal(l.el, HOST_EL_UNKNOWN);
	assert_int_equal(l.mode, HOST_MODE_UNKNOWN);
}

/* A whole boot log as the 6.12 nVHE host prints it. */
static void test_log_whole_boot(void **state)
{
	static const char boot[] =
		"<6>[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x000f0510]\n"
		"<6>[    0.000000] Linux version 6.12.57+deb13-arm64\n"
		"<6>[    0.000000] Kernel command line: console=ttyAMA0 quiet panic=-1 "
		"kvm-arm.mode=nvhe\n"
		"<6>[    0.181000] smp: Brought up 1 node, 2 CPUs\n"
		"<6>[    0.182000] " L_EL2 "\n"
		"<6>[    0.801000] kvm [1]: IPA Size Limit: 52 bits\n"
		"<6>[    0.802000] kvm [1]: GICv3: no GICV resource entry\n"
		"<6>[    0.803000] kvm [1]: disabling GICv2 emulation\n"
		"<6>[    0.811000] " L612_NVHE "\n"
		"<6>[    1.000000] Freeing unused kernel memory: 4096K";
	struct host_log l = scan(boot);

	(void)state;
	assert_int_equal(l.mode, HOST_MODE_NVHE);
	assert_string_equal(l.mode_line, L612_NVHE);
	assert_int_equal(l.el, HOST_EL_EL2);
	assert_int_equal(l.lines, 10);
}

static void test_log_line_by_line(void **state)
{
	struct host_log l;

	(void)state;
	/* /dev/kmsg hands over one record at a time, no newline, no prefix. */
	host_log_init(&l);
	host_log_scan_line(&l, L_EL2, strlen(L_EL2));
	host_log_scan_line(&l, L61_NVHE, strlen(L61_NVHE));
	assert_int_equal(l.mode, HOST_MODE_NVHE);
	assert_int_equal(l.el, HOST_EL_EL2);
	/* len counts, not a NUL: a line cut before "successfully" is not a match. */
	host_log_init(&l);
	host_log_scan_line(&l, L612_VHE, strlen(L612_VHE) - 5);
	assert_int_equal(l.mode, HOST_MODE_UNKNOWN);
}

static void test_log_long_line_truncated(void **state)
{
	char line[400];
	struct host_log l;

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, L612_VHE, strlen(L612_VHE));
	line[sizeof(line) - 1] = '\0';
	l = scan(line);
	assert_int_equal(l.mode, HOST_MODE_VHE);
	assert_int_equal(strlen(l.mode_line), HOST_MODE_LINE_MAX - 1);
}

/* --- the kernel command line ------------------------------------------- */

static void test_cmdline_values(void **state)
{
	struct host_cmdline c;

	(void)state;
	c = cmdline("console=ttyAMA0 quiet panic=-1 kvm-arm.mode=nvhe\n");
	assert_true(c.found);
	assert_string_equal(c.value, "nvhe");
	assert_int_equal(c.mode, HOST_MODE_NVHE);
	c = cmdline("console=ttyAMA0 quiet panic=-1 kvm-arm.mode=protected");
	assert_int_equal(c.mode, HOST_MODE_PROTECTED);
	c = cmdline("kvm-arm.mode=none");
	assert_int_equal(c.mode, HOST_MODE_NONE);
	c = cmdline("kvm-arm.mode=nested");
	assert_int_equal(c.mode, HOST_MODE_VHE);
	/* A value the kernel ignores is found but says nothing. */
	c = cmdline("kvm-arm.mode=turbo");
	assert_true(c.found);
	assert_string_equal(c.value, "turbo");
	assert_int_equal(c.mode, HOST_MODE_UNKNOWN);
	c = cmdline("kvm-arm.mode=NVHE");
	assert_int_equal(c.mode, HOST_MODE_UNKNOWN);
	c = cmdline("kvm-arm.mode=");
	assert_true(c.found);
	assert_int_equal(c.mode, HOST_MODE_UNKNOWN);
}

static void test_cmdline_absent(void **state)
{
	struct host_cmdline c;

	(void)state;
	/* The VHE host: no parameter. */
	c = cmdline("console=ttyAMA0 quiet panic=-1\n");
	assert_false(c.found);
	assert_int_equal(c.mode, HOST_MODE_UNKNOWN);
	c = cmdline("");
	assert_false(c.found);
	c = cmdline(NULL);
	assert_false(c.found);
	/* Not the parameter: other names, no '=', a longer name. */
	c = cmdline("kvm-arm.mode xkvm-arm.mode=nvhe kvm-arm.modes=nvhe kvm-arm.mode_x=nvhe");
	assert_false(c.found);
	c = cmdline("kvm-arm.vgic_v4_enable=1 id_aa64mmfr1.vh=0");
	assert_false(c.found);
}

static void test_cmdline_dash_underscore(void **state)
{
	(void)state;
	assert_int_equal(cmdline("kvm_arm.mode=nvhe").mode, HOST_MODE_NVHE);
	assert_int_equal(cmdline("kvm_arm.mode=protected").mode, HOST_MODE_PROTECTED);
	/* The evidence shows the parameter as written. */
	assert_string_equal(cmdline("kvm_arm.mode=nvhe").param, "kvm_arm.mode=nvhe");
	/* Only '-' and '_' are alike: the '.' is not a '_'. */
	assert_false(cmdline("kvm-arm_mode=protected").found);
}

static void test_cmdline_last_wins(void **state)
{
	struct host_cmdline c;

	(void)state;
	c = cmdline("kvm-arm.mode=nvhe root=/dev/vda kvm-arm.mode=protected");
	assert_int_equal(c.mode, HOST_MODE_PROTECTED);
	c = cmdline("kvm-arm.mode=protected kvm-arm.mode=bogus");
	assert_string_equal(c.value, "bogus");
	assert_int_equal(c.mode, HOST_MODE_UNKNOWN);
}

static void test_cmdline_init_args_ignored(void **state)
{
	struct host_cmdline c;

	(void)state;
	c = cmdline("quiet -- kvm-arm.mode=nvhe");
	assert_false(c.found);
	c = cmdline("kvm-arm.mode=protected -- single kvm-arm.mode=nvhe");
	assert_int_equal(c.mode, HOST_MODE_PROTECTED);
	/* "--foo" is not the separator. */
	c = cmdline("--foo kvm-arm.mode=nvhe");
	assert_int_equal(c.mode, HOST_MODE_NVHE);
}

static void test_cmdline_quotes_and_space(void **state)
{
	struct host_cmdline c;

	(void)state;
	c = cmdline("dyndbg=\"file foo.c +p\" kvm-arm.mode=\"nvhe\"");
	assert_int_equal(c.mode, HOST_MODE_NVHE);
	assert_string_equal(c.value, "nvhe");
	c = cmdline("\"kvm-arm.mode=protected\"");
	assert_int_equal(c.mode, HOST_MODE_PROTECTED);
	/* Inside a quoted value, the words are not parameters. */
	c = cmdline("opt=\"a kvm-arm.mode=nvhe\"");
	assert_false(c.found);
	c = cmdline("\tquiet\n\nkvm-arm.mode=nvhe\t");
	assert_int_equal(c.mode, HOST_MODE_NVHE);
}

static void test_cmdline_long_value(void **state)
{
	char line[200] = "kvm-arm.mode=";
	struct host_cmdline c;

	(void)state;
	memset(line + strlen(line), 'p', 100);
	c = cmdline(line);
	assert_true(c.found);
	assert_int_equal(strlen(c.value), HOST_MODE_VALUE_MAX - 1);
	assert_int_equal(c.mode, HOST_MODE_UNKNOWN);
}

/* --- deciding ------------------------------------------------------------- */

static void test_decide_log_wins(void **state)
{
	struct host_cmdline c = cmdline("kvm-arm.mode=nvhe");
	struct host_log l = scan(L61_NVHE);
	struct host_mode_answer a;

	(void)state;
	host_mode_decide(&a, &c, &l);
	assert_int_equal(a.mode, HOST_MODE_NVHE);
	assert_int_equal(a.source, HOST_MODE_SRC_LOG);
	assert_string_equal(a.evidence, L61_NVHE);
	assert_false(a.conflict);
}

static void test_decide_vhe_from_log_only(void **state)
{
	struct host_cmdline c = cmdline("console=ttyAMA0 quiet panic=-1");
	struct host_log l = scan(L_EL2 "\n" L612_VHE);
	struct host_mode_answer a;

	(void)state;
	host_mode_decide(&a, &c, &l);
	assert_int_equal(a.mode, HOST_MODE_VHE);
	assert_int_equal(a.source, HOST_MODE_SRC_LOG);
}

static void test_decide_conflict(void **state)
{
	/* Asked for protected, got VHE (say, a kernel without pKVM). */
	struct host_cmdline c = cmdline("kvm-arm.mode=protected");
	struct host_log l = scan(L612_VHE);
	struct host_mode_answer a;

	(void)state;
	host_mode_decide(&a, &c, &l);
	assert_int_equal(a.mode, HOST_MODE_VHE);
	assert_true(a.conflict);
}

static void test_decide_cmdline_when_log_unreadable(void **state)
{
	struct host_cmdline c = cmdline("kvm-arm.mode=protected");
	struct host_mode_answer a;

	(void)state;
	host_mode_decide(&a, &c, NULL);
	assert_int_equal(a.mode, HOST_MODE_PROTECTED);
	assert_int_equal(a.source, HOST_MODE_SRC_CMDLINE);
	assert_string_equal(a.evidence, "kvm-arm.mode=protected");
}

static void test_decide_cmdline_when_log_rotated(void **state)
{
	struct host_cmdline c = cmdline("kvm-arm.mode=nvhe");
	struct host_log l = scan("<6>[99999.0] eth0: link up");
	struct host_mode_answer a;

	(void)state;
	host_mode_decide(&a, &c, &l);
	assert_int_equal(a.mode, HOST_MODE_NVHE);
	assert_int_equal(a.source, HOST_MODE_SRC_CMDLINE);
}

static void test_decide_unknown(void **state)
{
	struct host_cmdline c = cmdline("console=ttyAMA0");
	struct host_cmdline bad = cmdline("kvm-arm.mode=bogus");
	struct host_log l = scan("nothing here");
	struct host_mode_answer a;

	(void)state;
	/* VHE leaves no parameter: without the log nobody knows. */
	host_mode_decide(&a, &c, NULL);
	assert_int_equal(a.mode, HOST_MODE_UNKNOWN);
	assert_int_equal(a.source, HOST_MODE_SRC_NONE);
	assert_null(a.evidence);
	host_mode_decide(&a, &bad, &l);
	assert_int_equal(a.mode, HOST_MODE_UNKNOWN);
	host_mode_decide(&a, NULL, NULL);
	assert_int_equal(a.mode, HOST_MODE_UNKNOWN);
}

static void test_decide_el1_means_none(void **state)
{
	struct host_log l = scan(L_EL1);
	struct host_mode_answer a;

	(void)state;
	host_mode_decide(&a, NULL, &l);
	assert_int_equal(a.mode, HOST_MODE_NONE);
	assert_int_equal(a.source, HOST_MODE_SRC_LOG);
	assert_string_equal(a.evidence, L_EL1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(host_mode_name(HOST_MODE_VHE), "VHE");
	assert_string_equal(host_mode_name(HOST_MODE_NVHE), "nVHE");
	assert_string_equal(host_mode_name(HOST_MODE_PROTECTED), "protected");
	assert_string_equal(host_mode_name(HOST_MODE_NONE), "none");
	assert_string_equal(host_mode_name(HOST_MODE_UNKNOWN), "unknown");
	assert_string_equal(host_mode_source_name(HOST_MODE_SRC_LOG), "kernel log");
	assert_string_equal(host_mode_source_name(HOST_MODE_SRC_CMDLINE), "kernel command line");
	assert_string_equal(host_mode_source_name(HOST_MODE_SRC_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_exact_lines),
		cmocka_unit_test(test_log_other_kvm_lines),
		cmocka_unit_test(test_log_needs_kvm_prefix),
		cmocka_unit_test(test_log_prefixes),
		cmocka_unit_test(test_log_el),
		cmocka_unit_test(test_log_whole_boot),
		cmocka_unit_test(test_log_line_by_line),
		cmocka_unit_test(test_log_long_line_truncated),
		cmocka_unit_test(test_cmdline_values),
		cmocka_unit_test(test_cmdline_absent),
		cmocka_unit_test(test_cmdline_dash_underscore),
		cmocka_unit_test(test_cmdline_last_wins),
		cmocka_unit_test(test_cmdline_init_args_ignored),
		cmocka_unit_test(test_cmdline_quotes_and_space),
		cmocka_unit_test(test_cmdline_long_value),
		cmocka_unit_test(test_decide_log_wins),
		cmocka_unit_test(test_decide_vhe_from_log_only),
		cmocka_unit_test(test_decide_conflict),
		cmocka_unit_test(test_decide_cmdline_when_log_unreadable),
		cmocka_unit_test(test_decide_cmdline_when_log_rotated),
		cmocka_unit_test(test_decide_unknown),
		cmocka_unit_test(test_decide_el1_means_none),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
