// SPDX-License-Identifier: GPL-2.0-only
/* kvmtool's `lkvm run` options rewritten into vmm's (see lkvm_args.h). */
#include <string.h>

#include "log.h"
#include "status.h"
#include "vmm/lkvm_args.h"

enum xlat {
	X_SAME,        /* vmm has it under the same meaning: pass on (value too) */
	X_NETWORK,     /* only mode=none */
	X_LOGLEVEL,
	X_RNG,         /* a flag in kvmtool, on|off in vmm */
};

struct lkvm_opt {
	const char *name;     /* long name, without "--" */
	char short_name;      /* 0 for none */
	bool value;           /* takes a value */
	enum xlat x;
	const char *vmm;      /* vmm's option, NULL: the same long name */
};

static const struct lkvm_opt lkvm_opts[] = {
	{ "kernel", 'k', true, X_SAME, NULL },
	{ "initrd", 'i', true, X_SAME, NULL },
	{ "params", 'p', true, X_SAME, NULL },
	{ "cpus", 'c', true, X_SAME, NULL },
	{ "mem", 'm', true, X_SAME, NULL },
	{ "disk", 'd', true, X_SAME, NULL },
	{ "name", 0, true, X_SAME, NULL },
	{ "console", 0, true, X_SAME, NULL },
	{ "dump-dtb", 0, true, X_SAME, NULL },
	{ "irqchip", 0, true, X_SAME, NULL },
	{ "sve-max-vl", 0, true, X_SAME, NULL },
	{ "pmu", 0, false, X_SAME, NULL },
	{ "nodefaults", 0, false, X_SAME, NULL },
	{ "network", 'n', true, X_NETWORK, NULL },
	{ "loglevel", 0, true, X_LOGLEVEL, NULL },
	{ "rng", 0, false, X_RNG, NULL },
};

#define NOPTS (sizeof(lkvm_opts) / sizeof(lkvm_opts[0]))

static const struct lkvm_opt *find_long(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(lkvm_opts[i].name) == len && !strncmp(lkvm_opts[i].name, name, len))
			return &lkvm_opts[i];
	return NULL;
}

static const struct lkvm_opt *find_short(char c)
{
	unsigned int i;

	for (i = 0; i < NOPTS; i++)
		if (lkvm_opts[i].short_name == c)
			return &lkvm_opts[i];
	return NULL;
}

static int push(struct lkvm_args *out, const char *s)
{
	if (out->argc >= (int)(sizeof(out->argv) / sizeof(out->argv[0])) - 1) {
		log_error("lkvm run: too many arguments");
		return VMM_ERR_USAGE;
	}
	out->argv[out->argc++] = (char *)s;
	out->argv[out->argc] = NULL;
	return 0;
}

/* One option with its value (NULL for a flag), as vmm's. */
static int emit(struct lkvm_args *out, const struct lkvm_opt *o, const char *val)
{
	static char opt_buf[NOPTS][24];
	char *opt = opt_buf[o - lkvm_opts];
	int r;

	switch (o->x) {
	case X_NETWORK:
		if (strcmp(val, "mode=none")) {
			log_error("--network %s: only mode=none is supported by vmm's lkvm "
				  "personality (use vmm run --network for a tap)", val);
			return VMM_ERR_USAGE;
		}
		return push(out, "--network") ?: push(out, "none");
	case X_LOGLEVEL:
		if (!strcmp(val, "debug") || !strcmp(val, "info"))
			return push(out, "--verbose");
		if (!strcmp(val, "warning") || !strcmp(val, "error"))
			return 0; /* vmm's default: warnings and errors only */
		log_error("--loglevel %s: expected error, warning, info or debug", val);
		return VMM_ERR_USAGE;
	case X_RNG:
		return push(out, "--rng") ?: push(out, "on");
	case X_SAME:
		break;
	}
	/* "--" and the long name: a static buffer per option, filled once. */
	if (!opt[0]) {
		strcpy(opt, "--");
		strcat(opt, o->name);
	}
	r = push(out, opt);
	if (!r && val)
		r = push(out, val);
	return r;
}

int lkvm_args_translate(int argc, char **argv, struct lkvm_args *out)
{
	const struct lkvm_opt *o;
	const char *a, *val, *eq;
	int i, r;

	out->argc = 0;
	out->argv[0] = NULL;
	/* kvmtool has no rng unless asked for one. */
	r = push(out, "run") ?: push(out, "--rng") ?: push(out, "off");
	for (i = 1; !r && i < argc; i++) {
		a = argv[i];
		val = NULL;
		if (a[0] != '-' || !a[1]) {
			r = push(out, a); /* the kernel: config_parse_run takes one word */
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!o) {
				log_error("%.*s: not supported by vmm's lkvm personality (see vmm(1), "
					  "KVMTOOL COMPATIBILITY)", eq ? (int)(eq - a) : (int)strlen(a), a);
				return VMM_ERR_USAGE;
			}
			if (eq && !o->value) {
				log_error("--%s takes no value", o->name);
				return VMM_ERR_USAGE;
			}
			if (eq)
				val = eq + 1;
		} else {
			o = find_short(a[1]);
			if (!o) {
				log_error("%s: not supported by vmm's lkvm personality (see vmm(1), "
					  "KVMTOOL COMPATIBILITY)", a);
				return VMM_ERR_USAGE;
			}
			if (a[2])
				val = a + 2; /* -m256, as kvmtool's parser allows */
		}
		if (o->value && !val) {
			if (i + 1 >= argc) {
				log_error("--%s: missing value", o->name);
				return VMM_ERR_USAGE;
			}
			val = argv[++i];
		}
		r = emit(out, o, val);
	}
	return r;
}

bool lkvm_invoked(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	return !strncmp(base, "lkvm", 4);
}
