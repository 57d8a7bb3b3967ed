/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_RUN_ARGS_H
#define VMM_TESTS_RUN_ARGS_H

/*
 * Helpers for the tests of `vmm run`'s options (config_parse_run). Include
 * after <cmocka.h>, "config.h" and "unit.h".
 *
 * parse(cfg, ARGS("--kernel", "Image"), &cap) runs config_parse_run on
 * {"run", args..., NULL} with stderr captured. cfg->cmd_argv points into
 * argv, so argv is static here (as main's is for the program's life).
 */
#define ARGS(...) ((const char *[]){ "run", __VA_ARGS__, NULL })

static char *run_args_argv[64];

static inline int parse(struct vm_config *cfg, const char **args, struct unit_capture *cap)
{
	int argc = 0, r;

	while (args[argc]) {
		assert_true(argc < 63);
		run_args_argv[argc] = (char *)args[argc];
		argc++;
	}
	run_args_argv[argc] = NULL;
	unit_capture_begin(cap, 2);
	r = config_parse_run(cfg, argc, run_args_argv);
	unit_capture_end(cap);
	return r;
}

/* parse() must succeed and print nothing. */
static inline void parse_ok(struct vm_config *cfg, const char **args)
{
	struct unit_capture cap;

	assert_int_equal(parse(cfg, args, &cap), 0);
	assert_string_equal(cap.text, "");
}

/* parse() must fail with status, printing one line that starts with prefix. */
static inline void parse_fail(const char **args, int status, const char *prefix)
{
	struct vm_config cfg;
	struct unit_capture cap;

	assert_int_equal(parse(&cfg, args, &cap), status);
	unit_assert_one_line_prefix(cap.text, prefix);
}

#endif
