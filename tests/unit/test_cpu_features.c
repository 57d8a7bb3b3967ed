// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the guest CPU features: their options (vmm/config.c) and
 * the choice against the host's capabilities and SVE vector lengths
 * (arm64/cpu_features.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arm64/cpu_features.h"
#include "config.h"
#include "status.h"
#include "unit.h"
#include "run_args.h"

/* --- options ------------------------------------------------------------ */

static void test_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--kernel", "Image"));
	assert_int_equal(cfg.sve, FEAT_DEFAULT);
	assert_int_equal(cfg.sve_max_vl, 0);
	assert_int_equal(cfg.ptrauth, FEAT_DEFAULT);
	assert_int_equal(cfg.pmu, FEAT_DEFAULT);
	assert_int_equal(cfg.mte, FEAT_DEFAULT);
	assert_int_equal(cfg.steal_time, FEAT_DEFAULT);
}

/* Bare, joined and separate values; a following word that is no value stays. */
static void test_on_off_forms(void **state)
{
	struct vm_config cfg;

	(void)state;
	parse_ok(&cfg, ARGS("--pmu", "--mte", "--kernel", "Image"));
	assert_int_equal(cfg.pmu, FEAT_ON);
	assert_int_equal(cfg.mte, FEAT_ON);
	parse_ok(&cfg, ARGS("--pmu=off", "--mte=on", "--sve=off", "--kernel", "Image"));
	assert_int_equal(cfg.pmu, FEAT_OFF);
	assert_int_equal(cfg.mte, FEAT_ON);
	assert_int_equal(cfg.sve, FEAT_OFF);
	parse_ok(&cfg, ARGS("--sve", "off", "--ptrauth", "off", "--pmu", "off", "--steal-time",
			    "off", "--mte", "off", "--kernel", "Image"));
	assert_int_equal(cfg.sve, FEAT_OFF);
	assert_int_equal(cfg.ptrauth, FEAT_OFF);
	assert_int_equal(cfg.pmu, FEAT_OFF);
	assert_int_equal(cfg.steal_time, FEAT_OFF);
	assert_int_equal(cfg.mte, FEAT_OFF);
	parse_ok(&cfg, ARGS("--sve", "on", "--ptrauth", "--steal-time", "on", "--kernel", "Image"));
	assert_int_equal(cfg.sve, FEAT_ON);
	assert_int_equal(cfg.ptrauth, FEAT_ON);
	assert_int_equal(cfg.steal_time, FEAT_ON);
	/* lkvm's `--pmu IMAGE`: the word after a bare switch is the kernel. */
	parse_ok(&cfg, ARGS("--pmu", "Image"));
	assert_int_equal(cfg.pmu, FEAT_ON);
	assert_string_equal(cfg.kernel, "Image");
	/* The last one given wins. */
	parse_ok(&cfg, ARGS("--pmu", "--pmu", "off", "--kernel", "Image"));
	assert_int_equal(cfg.pmu, FEAT_OFF);
}

static void test_bad_values(void **state)
{
	(void)state;
	parse_fail(ARGS("--pmu=maybe", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--pmu maybe: expected on or off");
	parse_fail(ARGS("--sve=yes", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--sve yes: expected on or off");
	parse_fail(ARGS("--steal-time=1", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--steal-time 1: expected on or off");
	/* Spelled out in full, as every long option. */
	parse_fail(ARGS("--steal", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--steal: unknown option (did you mean --steal-time?)");
	parse_fail(ARGS("--sve-max", "256", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--sve-max: unknown option (did you mean --sve-max-vl?)");
}

static void test_sve_max_vl(void **state)
{
	static const char *const bad[] = { "0", "64", "127", "129", "200", "2176", "4096", "-128",
					   "0x80", "256 ", "", "abc" };
	struct vm_config cfg;
	unsigned int i;

	(void)state;
	parse_ok(&cfg, ARGS("--sve-max-vl", "128", "--kernel", "Image"));
	assert_int_equal(cfg.sve_max_vl, 128);
	parse_ok(&cfg, ARGS("--sve-max-vl", "2048", "--kernel", "Image"));
	assert_int_equal(cfg.sve_max_vl, 2048);
	parse_ok(&cfg, ARGS("--sve-max-vl=384", "--sve", "on", "--kernel", "Image"));
	assert_int_equal(cfg.sve_max_vl, 384);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fail(ARGS("--sve-max-vl", bad[i], "--kernel", "Image"), VMM_ERR_USAGE,
			   "--sve-max-vl ");
	parse_fail(ARGS("--sve-max-vl", "200", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--sve-max-vl 200: expected a vector length in bits, a multiple of 128 "
		   "from 128 to 2048");
	parse_fail(ARGS("--sve", "off", "--sve-max-vl", "256", "--kernel", "Image"), VMM_ERR_USAGE,
		   "--sve-max-vl 256: --sve off leaves no vector length to cap");
}

/* --- the choice against the host ------------------------------------------ */

static const struct cpu_host_caps all = { true, true, true, true, true, true, false };
static const struct cpu_host_caps none = { false, false, false, false, false, false, false };

static int choose(struct cpu_features *f, const struct vm_config *cfg,
		  const struct cpu_host_caps *h, struct unit_capture *cap)
{
	int r;

	unit_capture_begin(cap, 2);
	r = cpu_features_choose(f, cfg, h);
	unit_capture_end(cap);
	return r;
}

static void test_defaults_follow_host(void **state)
{
	struct vm_config cfg;
	struct cpu_features f;
	struct unit_capture cap;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(choose(&f, &cfg, &all, &cap), 0);
	assert_string_equal(cap.text, "");
	assert_true(f.sve && f.ptrauth && f.pmu && f.steal_time);
	assert_false(f.mte); /* MTE only when asked for */

	assert_int_equal(choose(&f, &cfg, &none, &cap), 0);
	assert_string_equal(cap.text, "");
	assert_false(f.sve || f.ptrauth || f.pmu || f.mte || f.steal_time);

	/* Half of pointer auth is none of it. */
	{
		struct cpu_host_caps half = all;

		half.ptrauth_generic = false;
		assert_int_equal(choose(&f, &cfg, &half, &cap), 0);
		assert_false(f.ptrauth);
	}
}

static void test_off_wins(void **state)
{
	struct vm_config cfg;
	struct cpu_features f;
	struct unit_capture cap;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.sve = cfg.ptrauth = cfg.pmu = cfg.mte = cfg.steal_time = FEAT_OFF;
	assert_int_equal(choose(&f, &cfg, &all, &cap), 0);
	assert_false(f.sve || f.ptrauth || f.pmu || f.mte || f.steal_time);
	cfg.mte = FEAT_ON;
	assert_int_equal(choose(&f, &cfg, &all, &cap), 0);
	assert_true(f.mte);
}

/* Each explicit request on a host without it: status 4, one line naming it. */
static void test_refusals(void **state)
{
	static const struct {
		size_t field;
		const char *msg;
	} reqs[] = {
		{ offsetof(struct vm_config, sve),
		  "vmm: --sve on: this host's KVM has no SVE (KVM_CAP_ARM_SVE is 0)\n" },
		{ offsetof(struct vm_config, ptrauth),
		  "vmm: --ptrauth on: this host's KVM has no pointer authentication "
		  "(KVM_CAP_ARM_PTRAUTH_ADDRESS is 0)\n" },
		{ offsetof(struct vm_config, pmu),
		  "vmm: --pmu: this host's KVM has no PMUv3 (KVM_CAP_ARM_PMU_V3 is 0)\n" },
		{ offsetof(struct vm_config, mte),
		  "vmm: --mte: this host's KVM has no MTE (KVM_CAP_ARM_MTE is 0)\n" },
		{ offsetof(struct vm_config, steal_time),
		  "vmm: --steal-time on: this host's KVM has no steal time (KVM_CAP_STEAL_TIME "
		  "is 0)\n" },
	};
	struct vm_config cfg;
	struct cpu_features f;
	struct unit_capture cap;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		memset(&cfg, 0, sizeof(cfg));
		*(enum feat_req *)((char *)&cfg + reqs[i].field) = FEAT_ON;
		assert_int_equal(choose(&f, &cfg, &none, &cap), VMM_ERR_HOST);
		assert_string_equal(cap.text, reqs[i].msg);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.sve_max_vl = 256;
	assert_int_equal(choose(&f, &cfg, &none, &cap), VMM_ERR_HOST);
	assert_string_equal(cap.text, "vmm: --sve-max-vl 256: this host's KVM has no SVE "
				      "(KVM_CAP_ARM_SVE is 0)\n");
	{
		struct cpu_host_caps half = all;

		half.ptrauth_address = false;
		memset(&cfg, 0, sizeof(cfg));
		cfg.ptrauth = FEAT_ON;
		assert_int_equal(choose(&f, &cfg, &half, &cap), VMM_ERR_HOST);
		unit_assert_one_line_prefix(cap.text, "--ptrauth on: this host's KVM has only "
					    "generic pointer authentication");
	}
}

/* Protected KVM: pointer auth off by default, refused when asked for; the rest as usual. */
static void test_protected_kvm_ptrauth(void **state)
{
	struct cpu_host_caps pkvm = all;
	struct vm_config cfg;
	struct cpu_features f;
	struct unit_capture cap;

	(void)state;
	pkvm.protected_kvm = true;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(choose(&f, &cfg, &pkvm, &cap), 0);
	assert_string_equal(cap.text, "");
	assert_false(f.ptrauth || f.pmu);
	assert_true(f.sve && f.steal_time);
	cfg.ptrauth = FEAT_ON;
	assert_int_equal(choose(&f, &cfg, &pkvm, &cap), VMM_ERR_HOST);
	unit_assert_one_line_prefix(cap.text, "--ptrauth on: protected KVM (kvm-arm.mode=protected)");
	cfg.ptrauth = FEAT_DEFAULT;
	cfg.pmu = FEAT_ON;
	assert_int_equal(choose(&f, &cfg, &pkvm, &cap), VMM_ERR_HOST);
	unit_assert_one_line_prefix(cap.text, "--pmu: protected KVM (kvm-arm.mode=protected)");
}

/* --- SVE vector lengths ------------------------------------------------------ */

static void vls_of(uint64_t vls[CPU_SVE_VLS_WORDS], const unsigned int *bits, unsigned int n)
{
	unsigned int i;

	memset(vls, 0, CPU_SVE_VLS_WORDS * sizeof(vls[0]));
	for (i = 0; i < n; i++) {
		unsigned int vq = bits[i] / 128;

		vls[(vq - 1) / 64] |= 1ULL << ((vq - 1) % 64);
	}
}

static int sve_vls(const uint64_t *host, unsigned int max, uint64_t *out, struct unit_capture *cap)
{
	int r;

	unit_capture_begin(cap, 2);
	r = cpu_features_sve_vls(host, max, out);
	unit_capture_end(cap);
	return r;
}

static void test_sve_vls(void **state)
{
	static const unsigned int all16[] = { 128,  256,  384,  512,  640,  768,  896,  1024,
					      1152, 1280, 1408, 1536, 1664, 1792, 1920, 2048 };
	static const unsigned int pow2[] = { 128, 256, 512 };
	uint64_t host[CPU_SVE_VLS_WORDS], out[CPU_SVE_VLS_WORDS], want[CPU_SVE_VLS_WORDS];
	struct unit_capture cap;
	char buf[128];

	(void)state;
	vls_of(host, all16, 16);
	assert_int_equal(sve_vls(host, 0, out, &cap), 0);
	assert_memory_equal(out, host, sizeof(out));
	assert_int_equal(sve_vls(host, 512, out, &cap), 0);
	assert_string_equal(cap.text, "");
	vls_of(want, all16, 4);
	assert_memory_equal(out, want, sizeof(out));
	assert_int_equal(sve_vls(host, 128, out, &cap), 0);
	vls_of(want, all16, 1);
	assert_memory_equal(out, want, sizeof(out));
	assert_string_equal(cpu_features_vl_list(out, buf, sizeof(buf)), "128");

	vls_of(host, pow2, 3);
	assert_string_equal(cpu_features_vl_list(host, buf, sizeof(buf)), "128, 256, 512");
	assert_int_equal(sve_vls(host, 384, out, &cap), VMM_ERR_HOST);
	assert_string_equal(cap.text, "vmm: --sve-max-vl 384: not an SVE vector length this host "
				      "offers (128, 256, 512)\n");
	assert_int_equal(sve_vls(host, 1024, out, &cap), VMM_ERR_HOST);
	assert_true(cpu_features_has_vl(host, 512) && !cpu_features_has_vl(host, 1024));

	/* A host whose shortest is 256 bits. */
	vls_of(host, pow2 + 1, 2);
	assert_int_equal(sve_vls(host, 128, out, &cap), VMM_ERR_HOST);
	assert_string_equal(cap.text, "vmm: --sve-max-vl 128: below this host's shortest SVE "
				      "vector length (256 bits; it offers 256, 512)\n");

	/* In-place, as KVM's own buffer is used. */
	vls_of(host, pow2, 3);
	assert_int_equal(sve_vls(host, 256, host, &cap), 0);
	assert_string_equal(cpu_features_vl_list(host, buf, sizeof(buf)), "128, 256");

	memset(host, 0, sizeof(host));
	assert_int_equal(sve_vls(host, 0, out, &cap), VMM_ERR_HOST);
	unit_assert_one_line_prefix(cap.text, "SVE: this host's KVM offers no vector length");
	assert_string_equal(cpu_features_vl_list(host, buf, sizeof(buf)), "none");
}

/* Lengths in the second word of the set (vq > 64) are kept or cut whole. */
static void test_sve_vls_high_words(void **state)
{
	uint64_t host[CPU_SVE_VLS_WORDS], out[CPU_SVE_VLS_WORDS];
	struct unit_capture cap;
	static const unsigned int bits[] = { 128, 8192, 16384, 65536 };

	(void)state;
	vls_of(host, bits, 4);
	assert_int_equal(sve_vls(host, 8192, out, &cap), 0);
	assert_true(cpu_features_has_vl(out, 128) && cpu_features_has_vl(out, 8192));
	assert_false(cpu_features_has_vl(out, 16384) || cpu_features_has_vl(out, 65536));
	assert_int_equal(sve_vls(host, 0, out, &cap), 0);
	assert_true(cpu_features_has_vl(out, 65536));
	assert_false(cpu_features_has_vl(out, 100));
	assert_false(cpu_features_has_vl(out, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_on_off_forms),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_sve_max_vl),
		cmocka_unit_test(test_defaults_follow_host),
		cmocka_unit_test(test_off_wins),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_protected_kvm_ptrauth),
		cmocka_unit_test(test_sve_vls),
		cmocka_unit_test(test_sve_vls_high_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
