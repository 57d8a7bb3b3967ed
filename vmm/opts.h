/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_OPTS_H
#define VMM_OPTS_H

#include <getopt.h>

/*
 * Option parsing shared by every subcommand, so that they agree on what is
 * accepted and on how a mistake is named.
 *
 * Long options are matched exactly: getopt_long's unique-prefix matching
 * (--kern for --kernel) is refused, so that scripts never depend on an
 * abbreviation that a later option makes ambiguous. A refused prefix is
 * answered with the options it could have meant.
 */

/*
 * opts_next - getopt_long(argc, argv, shortopts, longopts, &index) with exact
 * long names. shortopts must start with ':' and the caller must have set
 * optind = 0 and opterr = 0 before the first call. Returns the option's
 * value as getopt_long does, -1 at the end of the options, or '?' after
 * printing one line that names what was typed and the cause, ending in
 * "(see vmm CMD --help)":
 *   "--kern: unknown option (did you mean --kernel?)"
 *   "--con: unknown option (did you mean --console, --console-log or ...?)"
 *   "--frobnicate: unknown option (see vmm run --help)"
 *   "--verbose=2: --verbose takes no value (see vmm run --help)"
 *   "--mem: missing value (see vmm run --help)"
 * The caller then exits with VMM_ERR_USAGE.
 */
int opts_next(int argc, char **argv, const char *shortopts, const struct option *longopts,
	      const char *cmd);

/*
 * opts_uint - a decimal number in [lo, hi] with nothing around it (no sign,
 * no spaces, no 0x, no overflow). Returns 0 and sets *out, or -1.
 */
int opts_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

#endif
