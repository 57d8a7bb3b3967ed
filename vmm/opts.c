// SPDX-License-Identifier: GPL-2.0-only
/* Option parsing shared by the subcommands: exact long names, one error line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vmm/opts.h"

/* The long option named exactly name (len bytes), or NULL. */
static const struct option *exact(const struct option *o, const char *name, size_t len)
{
	for (; o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

/* "--kern: unknown option (did you mean --kernel?)", or without a suggestion. */
static void unknown(const struct option *opts, const char *name, size_t len, const char *cmd)
{
	char alts[512] = "";
	const struct option *o;
	unsigned int n = 0, k = 0;

	for (o = opts; len && o->name; o++)
		if (!strncmp(o->name, name, len))
			n++;
	for (o = opts; n && o->name; o++) {
		size_t used = strlen(alts);

		if (strncmp(o->name, name, len))
			continue;
		k++;
		snprintf(alts + used, sizeof(alts) - used, "%s--%s",
			 k == 1 ? "" : (k == n ? " or " : ", "), o->name);
	}
	if (n)
		log_error("--%.*s: unknown option (did you mean %s?)", (int)len, name, alts);
	else
		log_error("--%.*s: unknown option (see vmm %s --help)", (int)len, name, cmd);
}

int opts_next(int argc, char **argv, const char *shortopts, const struct option *longopts,
	      const char *cmd)
{
	const char *tok, *name;
	const struct option *o;
	int idx = -1, c;
	size_t len;

	c = getopt_long(argc, argv, shortopts, longopts, &idx);
	if (c == -1)
		return -1;
	if (c != '?' && c != ':') {
		if (idx < 0)
			return c; /* a short option */
		/* The token that named it: before its value when that was a word of its own. */
		tok = argv[optind - 1];
		if (longopts[idx].has_arg == required_argument && optarg == tok && optind >= 2)
			tok = argv[optind - 2];
		name = tok + 2;
		len = strcspn(name, "=");
		if (strncmp(tok, "--", 2) || exact(longopts, name, len))
			return c;
		unknown(longopts, name, len, cmd);
		return '?';
	}

	/*
	 * An error. getopt_long has stepped past a long option it refused, so
	 * argv[optind - 1] is that option; for a short one optopt names it
	 * (a long option refused for its value sets optopt to its val too).
	 */
	tok = optind >= 1 && optind - 1 < argc ? argv[optind - 1] : "";
	if (strncmp(tok, "--", 2))
		tok = "--";
	name = tok + 2;
	len = strcspn(name, "=");
	o = exact(longopts, name, len);
	if (len && !o && (!optopt || c == ':' || name[len] == '=')) {
		unknown(longopts, name, len, cmd);
	} else if (o && (!optopt || o->val == optopt)) {
		if (c == ':')
			log_error("--%s: missing value (see vmm %s --help)", o->name, cmd);
		else
			log_error("%s: --%s takes no value (see vmm %s --help)", tok, o->name, cmd);
	} else if (c == ':') {
		log_error("-%c: missing value (see vmm %s --help)", optopt, cmd);
	} else {
		log_error("-%c: unknown option (see vmm %s --help)", optopt, cmd);
	}
	return '?';
}

int opts_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
