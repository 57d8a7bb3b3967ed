// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for `vmm run` option parsing and memory sizes (vmm/config.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "status.h"
#include "unit.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/*
 * Run config_parse_run on {"run", args..., NULL}. getopt_long permutes the
 * argv array (not the strings), so it gets a private copy of the pointers;
 * the strings are literals and outlive the call, as cfg's pointers need.
 */
static int parse_argv(struct vm_config *cfg, const char **args)
{
	char *argv[64];
	int argc = 0;

	while (args[argc]) {
		assert_true(argc < 63);
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	return config_parse_run(cfg, argc, argv);
}

#define ARGS(...) ((const char *[]){ "run", __VA_ARGS__, NULL })

/* Parse while capturing stderr into cap. */
static int parse_capture(struct vm_config *cfg, const char **args, struct unit_capture *cap)
{
	int r;

	unit_capture_begin(cap, 2);
	r = parse_argv(cfg, args);
	unit_capture_end(cap);
	return r;
}

/* A parse that must succeed silently. */
static void parse_ok(struct vm_config *cfg, const char **args)
{
	struct unit_capture cap;

	assert_int_equal(parse_capture(cfg, args, &cap), 0);
	assert_string_equal(cap.text, "");
}

/* A parse that must fail with status, printing one line starting "vmm: prefix". */
static void parse_fail(const char **args, int status, const char *prefix)
{
	struct vm_config cfg;
	struct unit_capture cap;

	assert_int_equal(parse_capture(&cfg, args, &cap), status);
	unit_assert_one_line_prefix(cap.text, prefix);
}

/* --- defaults and each option ------------------------------------------ */

static void test_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	parse_ok(&cfg, ARGS("--kernel", "Image"));
	assert_string_equal(cfg.kernel, "Image");
	assert_null(cfg.initrd);
	assert_null(cfg.params);
	assert_null(cfg.dtb_dump);
	assert_int_equal(cfg.mem, 256 * MiB);
	assert_int_equal(cfg.mem, CONFIG_DEFAULT_MEM);
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.ipa_bits, 0);
	assert_int_equal(cfg.irqchip, IRQCHIP_AUTO);
	assert_int_equal(cfg.reboot, REBOOT_RESTART);
	assert_int_equal(cfg.verbose, 0);
}

static void test_long_options(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "K", "--initrd", "I", "--params", "quiet loglevel=3",
			    "--cpus", "4", "--mem", "1G", "--ipa-bits", "40", "--irqchip",
			    "gicv3-its", "--reboot", "exit", "--dtb-dump", "out.dtb", "--verbose",
			    "--verbose"));
	assert_string_equal(cfg.kernel, "K");
	assert_string_equal(cfg.initrd, "I");
	assert_string_equal(cfg.params, "quiet loglevel=3");
	assert_int_equal(cfg.cpus, 4);
	assert_int_equal(cfg.mem, GiB);
	assert_int_equal(cfg.ipa_bits, 40);
	assert_int_equal(cfg.irqchip, IRQCHIP_GICV3_ITS);
	assert_int_equal(cfg.reboot, REBOOT_EXIT);
	assert_string_equal(cfg.dtb_dump, "out.dtb");
	assert_int_equal(cfg.verbose, 2);
}

static void test_long_options_equals(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel=K", "--cpus=3", "--mem=512M", "--irqchip=gicv2",
			    "--reboot=reboot", "--initrd=I", "--params=p"));
	assert_string_equal(cfg.kernel, "K");
	assert_string_equal(cfg.initrd, "I");
	assert_string_equal(cfg.params, "p");
	assert_int_equal(cfg.cpus, 3);
	assert_int_equal(cfg.mem, 512 * MiB);
	assert_int_equal(cfg.irqchip, IRQCHIP_GICV2);
	assert_int_equal(cfg.reboot, REBOOT_RESTART);
}

static void test_short_options(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("-k", "K", "-i", "I", "-p", "P", "-c", "8", "-m", "2G", "-v"));
	assert_string_equal(cfg.kernel, "K");
	assert_string_equal(cfg.initrd, "I");
	assert_string_equal(cfg.params, "P");
	assert_int_equal(cfg.cpus, 8);
	assert_int_equal(cfg.mem, 2 * GiB);
	assert_int_equal(cfg.verbose, 1);

	/* Values attached to the letter, and grouped flags. */
	parse_ok(&cfg, ARGS("-kK2", "-c2", "-m64", "-vv"));
	assert_string_equal(cfg.kernel, "K2");
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.mem, 64 * MiB);
	assert_int_equal(cfg.verbose, 2);
}

static void test_irqchip_values(void **state)
{
	static const struct {
		const char *name;
		enum irqchip_kind kind;
	} t[] = {
		{ "auto", IRQCHIP_AUTO },
		{ "gicv3", IRQCHIP_GICV3 },
		{ "gicv3-its", IRQCHIP_GICV3_ITS },
		{ "gicv2", IRQCHIP_GICV2 },
	};
	struct vm_config cfg;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse_ok(&cfg, ARGS("--kernel", "K", "--irqchip", t[i].name));
		assert_int_equal(cfg.irqchip, t[i].kind);
		assert_string_equal(config_irqchip_name(t[i].kind), t[i].name);
	}
}

static void test_reboot_values(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "K", "--reboot", "exit"));
	assert_int_equal(cfg.reboot, REBOOT_EXIT);
	parse_ok(&cfg, ARGS("--kernel", "K", "--reboot", "reboot"));
	assert_int_equal(cfg.reboot, REBOOT_RESTART);
}

static void test_cpus_limits(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "K", "--cpus", "1"));
	assert_int_equal(cfg.cpus, 1);
	parse_ok(&cfg, ARGS("--kernel", "K", "--cpus", "512"));
	assert_int_equal(cfg.cpus, CONFIG_MAX_CPUS);
	parse_fail(ARGS("--kernel", "K", "--cpus", "513"), VMM_ERR_HOST, "--cpus 513: ");
}

static void test_ipa_bits_values(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "K", "--ipa-bits", "32"));
	assert_int_equal(cfg.ipa_bits, 32);
	parse_ok(&cfg, ARGS("--kernel", "K", "--ipa-bits", "52"));
	assert_int_equal(cfg.ipa_bits, 52);
	parse_fail(ARGS("--kernel", "K", "--ipa-bits", "65"), VMM_ERR_USAGE, "--ipa-bits 65: ");
	parse_fail(ARGS("--kernel", "K", "--ipa-bits", "-1"), VMM_ERR_USAGE, "--ipa-bits -1: ");
	parse_fail(ARGS("--kernel", "K", "--ipa-bits", "40x"), VMM_ERR_USAGE, "--ipa-bits 40x: ");
}

/* --- sizes ------------------------------------------------------------ */

static void test_mem_sizes(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} t[] = {
		{ "256", 256 * MiB },
		{ "256M", 256 * MiB },
		{ "256m", 256 * MiB },
		{ "256MiB", 256 * MiB },
		{ "256MB", 256 * MiB },
		{ "1G", GiB },
		{ "1GiB", GiB },
		{ "1g", GiB },
		{ "512K", 512ULL << 10 },
		{ "512k", 512ULL << 10 },
		{ "2T", 2ULL << 40 },
		{ "16777215T", ((1ULL << 24) - 1) << 40 },
		/* The B/iB tail is as case-blind as the unit letter (issue #15). */
		{ "1gb", GiB },
		{ "1gB", GiB },
		{ "1Gb", GiB },
		{ "1gib", GiB },
		{ "1GIB", GiB },
		{ "512kb", 512ULL << 10 },
	};
	struct vm_config cfg;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 0;

		assert_int_equal(config_parse_size(t[i].s, &v), 0);
		assert_int_equal(v, t[i].bytes);
		/* vmm run takes what a 52-bit IPA space can hold above 2 GiB. */
		if (t[i].bytes > (1ULL << 52) - (2ULL << 30))
			continue;
		parse_ok(&cfg, ARGS("--kernel", "K", "--mem", t[i].s));
		assert_int_equal(cfg.mem, t[i].bytes);
	}
}

static void test_parse_size_rejects(void **state)
{
	static const char *const bad[] = {
		"0", "0M", "abc", "10Q", "", " 256", "-1", "+1", "1.5G", "0x100", "256B", "1Gi",
		"1GB2", "1 G", "M",
		"99999999999999999999G",      /* strtoull overflow */
		"18446744073709551615",       /* fits 64 bits, not once shifted to MiB */
		"16777216T",                  /* exactly 2^64 */
		"17179869184G",               /* exactly 2^64 */
	};
	unsigned int i;

	(void)state;
	assert_int_equal(config_parse_size(NULL, &(uint64_t){ 0 }), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 42;

		if (config_parse_size(bad[i], &v) != -1)
			fail_msg("config_parse_size(\"%s\") accepted: %llu", bad[i],
				 (unsigned long long)v);
		assert_int_equal(v, 42); /* untouched */
	}
}

static void test_format_size(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *s;
	} t[] = {
		{ 256 * MiB, "256M" },
		{ GiB, "1G" },
		{ 1536ULL << 10, "1536K" },
		{ 3 * GiB / 2, "1536M" },
		{ 2ULL << 40, "2T" },
		{ 1ULL << 10, "1K" },
		{ 1024ULL << 40, "1024T" },
		{ 100, "100B" },
		{ 0, "0B" },
	};
	unsigned int i;
	char buf[32];

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(config_format_size(t[i].bytes, buf, sizeof(buf)), t[i].s);
	/* The result is the caller's buffer. */
	assert_ptr_equal(config_format_size(GiB, buf, sizeof(buf)), buf);
}

static void test_format_size_round_trip(void **state)
{
	static const uint64_t sizes[] = {
		1ULL << 10, 4ULL << 10, 1536ULL << 10, MiB, 3 * MiB, 256 * MiB, 1023 * MiB,
		GiB, 5 * GiB / 2, 7 * GiB, 1ULL << 40, (3ULL << 40) + (1ULL << 10),
		((1ULL << 24) - 1) << 40,
	};
	unsigned int i;
	char buf[32];

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t back = 0;

		config_format_size(sizes[i], buf, sizeof(buf));
		assert_int_equal(config_parse_size(buf, &back), 0);
		assert_int_equal(back, sizes[i]);
	}
}

/* --- bad command lines ------------------------------------------------- */

static void test_bad_mem(void **state)
{
	(void)state;
	parse_fail(ARGS("--kernel", "K", "--mem", "0"), VMM_ERR_USAGE, "--mem 0: ");
	parse_fail(ARGS("--kernel", "K", "--mem", "abc"), VMM_ERR_USAGE, "--mem abc: ");
	parse_fail(ARGS("--kernel", "K", "--mem", "10Q"), VMM_ERR_USAGE, "--mem 10Q: ");
	parse_fail(ARGS("--kernel", "K", "--mem", "99999999999999999999G"), VMM_ERR_USAGE,
		   "--mem 99999999999999999999G: ");
	parse_fail(ARGS("--kernel", "K", "-m", "0"), VMM_ERR_USAGE, "--mem 0: ");
}

static void test_bad_mem_message(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--mem", "abc"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line_prefix(cap.text, "--mem abc: expected a size above zero");
}

static void test_bad_cpus(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	parse_fail(ARGS("--kernel", "K", "--cpus", "0"), VMM_ERR_USAGE, "--cpus 0: ");
	parse_fail(ARGS("--kernel", "K", "--cpus", "x"), VMM_ERR_USAGE, "--cpus x: ");
	parse_fail(ARGS("--kernel", "K", "--cpus", "-2"), VMM_ERR_USAGE, "--cpus -2: ");
	parse_fail(ARGS("--kernel", "K", "--cpus", "4x"), VMM_ERR_USAGE, "--cpus 4x: ");
	parse_fail(ARGS("--kernel", "K", "-c", "0"), VMM_ERR_USAGE, "--cpus 0: ");

	/* Above what KVM could ever do: the host's limit, not a syntax error. */
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--cpus", "100000"), &cap),
			 VMM_ERR_HOST);
	unit_assert_one_line(cap.text, "--cpus 100000: more than KVM's limit of 512 vCPUs");
}

static void test_bad_irqchip(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--irqchip", "gicv4"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text,
			     "--irqchip gicv4: expected auto, gicv3, gicv3-its or gicv2");
	parse_fail(ARGS("--kernel", "K", "--irqchip", "GICv3"), VMM_ERR_USAGE,
		   "--irqchip GICv3: ");
	parse_fail(ARGS("--kernel", "K", "--irqchip", ""), VMM_ERR_USAGE, "--irqchip : ");
}

/* --rng: on by default, off leaves the device out; nothing else is a value. */
static void test_rng_values(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "K"));
	assert_false(cfg.rng_off);
	parse_ok(&cfg, ARGS("--kernel", "K", "--rng", "off"));
	assert_true(cfg.rng_off);
	parse_ok(&cfg, ARGS("--kernel", "K", "--rng", "off", "--rng=on"));
	assert_false(cfg.rng_off);
	parse_fail(ARGS("--kernel", "K", "--rng", "no"), VMM_ERR_USAGE,
		   "--rng no: expected on or off");
}

static void test_serial_coalesce_values(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "K"));
	assert_false(cfg.serial_coalesce_off);
	parse_ok(&cfg, ARGS("--kernel", "K", "--serial-coalesce", "off"));
	assert_true(cfg.serial_coalesce_off);
	parse_ok(&cfg, ARGS("--kernel", "K", "--serial-coalesce", "off", "--serial-coalesce=on"));
	assert_false(cfg.serial_coalesce_off);
	parse_fail(ARGS("--kernel", "K", "--serial-coalesce", "1"), VMM_ERR_USAGE,
		   "--serial-coalesce 1: expected on or off");
}

static void test_bad_reboot(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--reboot", "maybe"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--reboot maybe: expected reboot or exit");
}

static void test_unknown_option(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--frobnicate"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--frobnicate: unknown option (see vmm run --help)");

	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "-z"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "-z: unknown option (see vmm run --help)");
}

/*
 * A flag that takes no value, given one: the message must name what the user
 * typed. (glibc reports this as '?' with optopt set to the option's short
 * letter, so a parser that trusts optopt blames "-v", which was never typed.)
 */
static void test_flag_given_value(void **state)
{
	(void)state;
	parse_fail(ARGS("--kernel", "K", "--verbose=2"), VMM_ERR_USAGE, "--verbose");
	parse_fail(ARGS("--kernel", "K", "--help=me"), VMM_ERR_USAGE, "--help");
}

static void test_missing_value(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--kernel: missing value (see vmm run --help)");

	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "-m"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "-m: missing value (see vmm run --help)");

	parse_fail(ARGS("--kernel", "K", "--mem"), VMM_ERR_USAGE, "--mem: missing value");
	parse_fail(ARGS("--kernel", "K", "--irqchip"), VMM_ERR_USAGE, "--irqchip: missing value");
}

static void test_stray_argument(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "rootfs.img"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "rootfs.img: unexpected argument (see vmm run --help)");

	/* Before the options too (getopt permutes it to the end). */
	parse_fail(ARGS("stray", "--kernel", "K"), VMM_ERR_USAGE, "stray: unexpected argument");
}

/* No --kernel is fine: vmm run boots the host's own kernel (vmm/host_kernel.h). */
static void test_no_kernel(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--mem", "1G"), &cap), 0);
	assert_string_equal(cap.text, "");
	assert_null(cfg.kernel);
	assert_null(cfg.initrd);

	{
		char *argv[] = { "run", NULL };

		unit_capture_begin(&cap, 2);
		assert_int_equal(config_parse_run(&cfg, 1, argv), 0);
		unit_capture_end(&cap);
		assert_string_equal(cap.text, "");
		assert_null(cfg.kernel);
		assert_int_equal(cfg.ndisks, 0);
	}
}

static void test_help(void **state)
{
	struct vm_config cfg;
	struct unit_capture out, err;
	int r;

	(void)state;
	unit_capture_begin(&err, 2);
	unit_capture_begin(&out, 1);
	r = parse_argv(&cfg, ARGS("--help"));
	unit_capture_end(&out);
	unit_capture_end(&err);
	assert_int_equal(r, -1);
	assert_string_equal(err.text, "");
	assert_non_null(strstr(out.text, "usage: vmm run [--kernel IMAGE]"));
	assert_non_null(strstr(out.text, "--irqchip"));

	unit_capture_begin(&out, 1);
	r = parse_argv(&cfg, ARGS("-h", "--kernel", "K"));
	unit_capture_end(&out);
	assert_int_equal(r, -1);
	assert_non_null(strstr(out.text, "usage: vmm run"));
}

/* --- issue #15 ----------------------------------------------------------- */

/* Abbreviations are refused, naming the option meant when there is one. */
static void test_no_abbreviations(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kern", "K"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--kern: unknown option (did you mean --kernel?)");
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--cpu", "2"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--cpu: unknown option (did you mean --cpus?)");
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel=K", "--verb"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--verb: unknown option (did you mean --verbose?)");
	/* With its value attached, and with the value missing. */
	assert_int_equal(parse_capture(&cfg, ARGS("--kern=K"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--kern: unknown option (did you mean --kernel?)");
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--ti"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--ti: unknown option (did you mean --timeout?)");
	/* A value that looks like an abbreviation is a value. */
	parse_ok(&cfg, ARGS("--kernel", "K", "--params", "--kern"));
	assert_string_equal(cfg.params, "--kern");
	parse_ok(&cfg, ARGS("--kernel", "K", "-p", "--kern"));
	assert_string_equal(cfg.params, "--kern");
}

/* A prefix of several options is unknown too, and names them all. */
static void test_ambiguous_prefix(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--con", "x"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--con: unknown option (did you mean --console-log, "
				       "--console or --console-pty?)");
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--d=x"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--d: unknown option (did you mean --disk, --dtb-dump, "
				       "--dump-dtb or --detach?)");
}

/* An unknown --x=y is unknown; only a real flag given a value "takes no value". */
static void test_unknown_with_value(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--frob=1"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--frob: unknown option (see vmm run --help)");
	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "K", "--detach=yes"), &cap),
			 VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--detach=yes: --detach takes no value (see vmm run --help)");
}

/* lkvm's spellings: the kernel as a word of its own, --dump-dtb. */
static void test_lkvm_spellings(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	parse_ok(&cfg, ARGS("Image"));
	assert_string_equal(cfg.kernel, "Image");
	parse_ok(&cfg, ARGS("-c", "2", "Image", "-m", "512M"));
	assert_string_equal(cfg.kernel, "Image");
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.mem, 512 * MiB);
	parse_ok(&cfg, ARGS("Image", "--dump-dtb", "out.dtb"));
	assert_string_equal(cfg.dtb_dump, "out.dtb");
	parse_ok(&cfg, ARGS("Image", "--dtb-dump", "b.dtb"));
	assert_string_equal(cfg.dtb_dump, "b.dtb");
	/* Two kernels, or a word beside --kernel, are refused. */
	assert_int_equal(parse_capture(&cfg, ARGS("A", "B"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "B: unexpected argument (see vmm run --help)");
	parse_fail(ARGS("A", "--kernel", "K"), VMM_ERR_USAGE, "A: unexpected argument");
	parse_fail(ARGS(""), VMM_ERR_USAGE, "kernel: empty file name");
}

/* An empty file name is a bad value (2) for every option that takes a file. */
static void test_empty_file_names(void **state)
{
	(void)state;
	parse_fail(ARGS("--kernel", ""), VMM_ERR_USAGE, "--kernel: empty file name");
	parse_fail(ARGS("-k", ""), VMM_ERR_USAGE, "--kernel: empty file name");
	parse_fail(ARGS("-k", "K", "--initrd", ""), VMM_ERR_USAGE, "--initrd: empty file name");
	parse_fail(ARGS("-k", "K", "--console-log", ""), VMM_ERR_USAGE,
		   "--console-log: empty file name");
	parse_fail(ARGS("-k", "K", "--dtb-dump", ""), VMM_ERR_USAGE, "--dtb-dump: empty file name");
	parse_fail(ARGS("-k", "K", "--disk", ""), VMM_ERR_USAGE, "--disk : no image path");
}

/* What no host can do is refused while parsing (2), before /dev/kvm. */
static void test_host_independent_limits(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;

	(void)state;
	parse_fail(ARGS("-k", "K", "--ipa-bits", "0"), VMM_ERR_USAGE,
		   "--ipa-bits 0: expected a number of bits from 32 to 52 (leave it out");
	parse_fail(ARGS("-k", "K", "--ipa-bits", "1"), VMM_ERR_USAGE, "--ipa-bits 1: ");
	parse_fail(ARGS("-k", "K", "--ipa-bits", "31"), VMM_ERR_USAGE, "--ipa-bits 31: ");
	parse_fail(ARGS("-k", "K", "--ipa-bits", "53"), VMM_ERR_USAGE, "--ipa-bits 53: ");
	parse_fail(ARGS("-k", "K", "--ipa-bits", " 40"), VMM_ERR_USAGE, "--ipa-bits  40: ");
	/* Too small for the memory: the map needs 33 bits for 3 GiB above 2 GiB. */
	assert_int_equal(parse_capture(&cfg, ARGS("-k", "K", "--ipa-bits", "32", "-m", "3G"),
				       &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--ipa-bits 32: too small for --mem 3G, the memory map "
				       "needs 33 bits");
	parse_ok(&cfg, ARGS("-k", "K", "--ipa-bits", "33", "-m", "3G"));
	parse_ok(&cfg, ARGS("-k", "K", "--ipa-bits", "32", "-m", "2G"));
	/* RAM above 2 GiB that no arm64 IPA size reaches. */
	assert_int_equal(parse_capture(&cfg, ARGS("-k", "K", "-m", "4096T"), &cap), VMM_ERR_USAGE);
	unit_assert_one_line(cap.text, "--mem 4096T: more than any arm64 guest can address (at "
				       "most 4194302G with the largest, 52-bit, IPA size)");
	parse_ok(&cfg, ARGS("-k", "K", "-m", "4194302G"));
	parse_fail(ARGS("-k", "K", "-m", "4194303G"), VMM_ERR_USAGE, "--mem 4194303G: more than");
}

/* RAM the host could never allocate is refused before /dev/kvm (status 4). */
static void test_mem_host(void **state)
{
	struct unit_capture cap;

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(config_check_mem_host(100ULL << 40, 3ULL << 30, 0), VMM_ERR_HOST);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "--mem 100T: more than this host's RAM and swap (3.0 GiB), "
				       "so guest RAM cannot be allocated");
	unit_capture_begin(&cap, 2);
	assert_int_equal(config_check_mem_host(4 * GiB, 3 * GiB, 2), VMM_ERR_HOST);
	/* What fits, an unknown host size, and overcommit mode 1 pass silently. */
	assert_int_equal(config_check_mem_host(3 * GiB, 3 * GiB, 0), 0);
	assert_int_equal(config_check_mem_host(100ULL << 40, 0, 0), 0);
	assert_int_equal(config_check_mem_host(100ULL << 40, 3 * GiB, 1), 0);
	unit_capture_end(&cap);
	unit_assert_one_line_prefix(cap.text, "--mem 4G: more than this host's RAM and swap");
}

/* Every line of vmm run --help fits 80 columns. */
static void test_help_width(void **state)
{
	struct vm_config cfg;
	struct unit_capture out;
	const char *line;

	(void)state;
	unit_capture_begin(&out, 1);
	assert_int_equal(parse_argv(&cfg, ARGS("--help")), -1);
	unit_capture_end(&out);
	for (line = out.text; *line; line += strcspn(line, "\n") + 1) {
		if (strcspn(line, "\n") > 80)
			fail_msg("%zu columns: %.*s", strcspn(line, "\n"),
				 (int)strcspn(line, "\n"), line);
		if (!line[strcspn(line, "\n")])
			break;
	}
	assert_non_null(strstr(out.text, "--dump-dtb"));
	assert_non_null(strstr(out.text, "vmm run [options] IMAGE"));
}

/* The last occurrence of an option wins (as with kvmtool's scripts). */
static void test_last_wins(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "A", "--mem", "1G", "--kernel", "B", "-m", "128"));
	assert_string_equal(cfg.kernel, "B");
	assert_int_equal(cfg.mem, 128 * MiB);
}

/*
 * Each call parses its own argv from scratch, whatever an earlier call left
 * in getopt's state. An earlier failure inside a group of short options
 * ("-vQx": Q unknown) leaves glibc's getopt pointing into that group; setting
 * optind = 1 does not reset that, optind = 0 does.
 */
static void test_reparse_after_failed_group(void **state)
{
	struct vm_config cfg;
	struct unit_capture cap;
	static char group[] = "-vQx";
	char *argv1[] = { "run", group, "--kernel", "K", NULL };

	(void)state;
	unit_capture_begin(&cap, 2);
	assert_int_equal(config_parse_run(&cfg, 4, argv1), VMM_ERR_USAGE);
	unit_capture_end(&cap);
	unit_assert_one_line(cap.text, "-Q: unknown option (see vmm run --help)");

	assert_int_equal(parse_capture(&cfg, ARGS("--kernel", "Image"), &cap), 0);
	assert_string_equal(cap.text, "");
	assert_string_equal(cfg.kernel, "Image");
	assert_int_equal(cfg.verbose, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_long_options_equals),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_irqchip_values),
		cmocka_unit_test(test_reboot_values),
		cmocka_unit_test(test_cpus_limits),
		cmocka_unit_test(test_ipa_bits_values),
		cmocka_unit_test(test_mem_sizes),
		cmocka_unit_test(test_parse_size_rejects),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_size_round_trip),
		cmocka_unit_test(test_bad_mem),
		cmocka_unit_test(test_bad_mem_message),
		cmocka_unit_test(test_bad_cpus),
		cmocka_unit_test(test_bad_irqchip),
		cmocka_unit_test(test_bad_reboot),
		cmocka_unit_test(test_rng_values),
		cmocka_unit_test(test_serial_coalesce_values),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_flag_given_value),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_stray_argument),
		cmocka_unit_test(test_no_kernel),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_last_wins),
		cmocka_unit_test(test_no_abbreviations),
		cmocka_unit_test(test_ambiguous_prefix),
		cmocka_unit_test(test_unknown_with_value),
		cmocka_unit_test(test_lkvm_spellings),
		cmocka_unit_test(test_empty_file_names),
		cmocka_unit_test(test_host_independent_limits),
		cmocka_unit_test(test_help_width),
		cmocka_unit_test(test_mem_host),
		/* Last: when it fails it may leave getopt's state behind. */
		cmocka_unit_test(test_reparse_after_failed_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
