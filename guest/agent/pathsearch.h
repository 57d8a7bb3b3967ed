/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_AGENT_PATHSEARCH_H
#define VMM_AGENT_PATHSEARCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finding CMD: argv[0] is searched in the PATH of the SPEC's environment,
 * not the agent's own (glibc's execvpe reads the caller's PATH), with
 * execvp's rules: a name holding '/' is used as it is; an empty PATH
 * element is the working directory; ENOENT/ENOTDIR/ENAMETOOLONG try the next
 * directory, EACCES is remembered and the search goes on, anything else
 * ends it.
 */

/* Used when the SPEC's environment has no PATH. */
#define AGENT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* agent_env_path - the value of PATH in envp (NULL-terminated), or the default. */
const char *agent_env_path(const char *const *envp);

/* Tries one candidate: execve's errno (it returns only when it failed). */
typedef int agent_try_fn(const char *file, void *ctx);

/*
 * agent_exec_search - try name (searched in path unless it holds '/') with
 * try(); returns the errno to report when every candidate failed. *searched
 * says whether PATH was searched (for the message).
 */
int agent_exec_search(const char *name, const char *path, agent_try_fn *try_fn, void *ctx,
		      bool *searched);

#endif
