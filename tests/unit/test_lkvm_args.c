// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the kvmtool personality's command line (vmm/lkvm_args.c):
 * kvm-unit-tests' exact command lines, each kvmtool spelling, and what is
 * refused; the rewritten line then goes through config_parse_run as vmm
 * run would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "status.h"
#include "unit.h"
#include "vmm/lkvm_args.h"

#define ARGS(...) ((const char *[]){ "run", __VA_ARGS__, NULL })

static int count(const char **a)
{
	int n = 0;

	while (a[n])
		n++;
	return n;
}

/* Translate a and return the rewritten words joined by single blanks. */
static const char *xlat(const char **a, int *status)
{
	static char line[8192 + 16];
	struct lkvm_args out;
	struct unit_capture cap;
	int i;

	unit_capture_begin(&cap, 2);
	*status = lkvm_args_translate(count(a), (char **)a, &out);
	unit_capture_end(&cap);
	if (*status) {
		snprintf(line, sizeof(line), "%s", cap.text);
		return line;
	}
	assert_string_equal(cap.text, "");
	line[0] = '\0';
	for (i = 0; i < out.argc; i++) {
		strcat(line, i ? " " : "");
		strcat(line, out.argv[i]);
	}
	assert_null(out.argv[out.argc]);
	return line;
}

static void expect(const char **a, const char *want)
{
	int st;
	const char *got = xlat(a, &st);

	assert_int_equal(st, 0);
	assert_string_equal(got, want);
}

static void refuse(const char **a, const char *msg)
{
	int st;
	const char *got = xlat(a, &st);

	assert_int_equal(st, VMM_ERR_USAGE);
	unit_assert_one_line_prefix(got, msg);
}

/* arm/run's command line for selftest-setup, as the runner builds it. */
static void test_kut_command_line(void **state)
{
	const char **a = ARGS("--kernel", "arm/selftest.flat", "-c", "2", "--mem", "256",
			      "--nodefaults", "--network", "mode=none", "--loglevel=warning",
			      "--params", "setup smp=2 mem=256", "--initrd", "/tmp/tmp.env");
	struct lkvm_args out;
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	expect(a, "run --rng off --kernel arm/selftest.flat --cpus 2 --mem 256 --nodefaults "
		  "--network none --params setup smp=2 mem=256 --initrd /tmp/tmp.env");
	assert_int_equal(lkvm_args_translate(count(a), (char **)a, &out), 0);
	unit_capture_begin(&cap, 2);
	assert_int_equal(config_parse_run(&cfg, out.argc, out.argv), 0);
	unit_capture_end(&cap);
	assert_string_equal(cap.text, "");
	assert_string_equal(cfg.kernel, "arm/selftest.flat");
	assert_string_equal(cfg.params, "setup smp=2 mem=256");
	assert_string_equal(cfg.initrd, "/tmp/tmp.env");
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.mem, 256ull << 20);
	assert_true(cfg.nodefaults);
	assert_true(cfg.rng_off);
	assert_int_equal(cfg.nnets, 0);
	assert_int_equal(cfg.verbose, 0);
}

static void test_irqchip(void **state)
{
	struct lkvm_args out;
	struct vm_config cfg;
	const char **a = ARGS("--irqchip=gicv3-its", "k");

	(void)state;
	expect(ARGS("--irqchip=gicv2", "--kernel", "k"), "run --rng off --irqchip gicv2 --kernel k");
	expect(ARGS("--irqchip", "gicv3"), "run --rng off --irqchip gicv3");
	assert_int_equal(lkvm_args_translate(count(a), (char **)a, &out), 0);
	assert_int_equal(config_parse_run(&cfg, out.argc, out.argv), 0);
	assert_int_equal(cfg.irqchip, IRQCHIP_GICV3_ITS);
	assert_string_equal(cfg.kernel, "k");
}

/* Spellings kvmtool's parser takes: -x V, -xV, --opt=V, --opt V. */
static void test_spellings(void **state)
{
	(void)state;
	expect(ARGS("-m256", "-c", "4", "-k", "K", "-i", "I", "-p", "a b", "-d", "D"),
	       "run --rng off --mem 256 --cpus 4 --kernel K --initrd I --params a b --disk D");
	expect(ARGS("--mem=512", "--cpus=1", "--params=x=1 y", "-n", "mode=none"),
	       "run --rng off --mem 512 --cpus 1 --params x=1 y --network none");
	expect(ARGS("--rng"), "run --rng off --rng on");
	expect(ARGS("--loglevel", "debug"), "run --rng off --verbose");
	expect(ARGS("--loglevel=info"), "run --rng off --verbose");
	expect(ARGS("--loglevel=error"), "run --rng off");
	expect(ARGS("--pmu", "--sve-max-vl", "256"), "run --rng off --pmu --sve-max-vl 256");
	expect(ARGS("--dump-dtb", "x.dtb", "--name", "n", "--console", "virtio"),
	       "run --rng off --dump-dtb x.dtb --name n --console virtio");
	expect(ARGS("-p", ""), "run --rng off --params ");
}

static void test_refused(void **state)
{
	(void)state;
	refuse(ARGS("--nested"), "--nested: not supported by vmm's lkvm personality");
	refuse(ARGS("--aarch32", "k"), "--aarch32: not supported");
	refuse(ARGS("--9p=/tmp,tag"), "--9p: not supported");
	refuse(ARGS("-f", "fw"), "-f: not supported");
	refuse(ARGS("--network", "mode=user"), "--network mode=user: only mode=none");
	refuse(ARGS("--loglevel=loud"), "--loglevel loud: expected error, warning, info or debug");
	refuse(ARGS("--mem"), "--mem: missing value");
	refuse(ARGS("--pmu=1"), "--pmu takes no value");
	refuse(ARGS("--kern", "k"), "--kern: not supported");
}

/* What config_parse_run then says about a bad value is vmm's message. */
static void test_values_checked_by_vmm(void **state)
{
	const char **a = ARGS("--irqchip=gicv2m", "k");
	struct lkvm_args out;
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(lkvm_args_translate(count(a), (char **)a, &out), 0);
	unit_capture_begin(&cap, 2);
	assert_int_equal(config_parse_run(&cfg, out.argc, out.argv), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--irqchip gicv2m: expected auto, gicv3, gicv3-its or gicv2");
}

static void test_invoked(void **state)
{
	(void)state;
	assert_true(lkvm_invoked("lkvm"));
	assert_true(lkvm_invoked("/usr/bin/lkvm"));
	assert_true(lkvm_invoked("./lkvm-static"));
	assert_false(lkvm_invoked("vmm"));
	assert_false(lkvm_invoked("/opt/lkvm/vmm"));
	assert_false(lkvm_invoked("xlkvm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kut_command_line),
		cmocka_unit_test(test_irqchip),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_values_checked_by_vmm),
		cmocka_unit_test(test_invoked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
