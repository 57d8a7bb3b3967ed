// SPDX-License-Identifier: GPL-2.0-only
/*
 * PATH search for CMD (pathsearch.h). The exec is a callback so that the
 * search order and the errno chosen are unit-tested without exec'ing.
 */
#include "guest/agent/pathsearch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

const char *agent_env_path(const char *const *envp)
{
	for (; envp && *envp; envp++)
		if (!strncmp(*envp, "PATH=", 5))
			return *envp + 5;
	return AGENT_DEFAULT_PATH;
}

int agent_exec_search(const char *name, const char *path, agent_try_fn *try_fn, void *ctx,
		      bool *searched)
{
	char file[PATH_MAX];
	bool denied = false;
	const char *p = path;

	*searched = false;
	if (!*name)
		return ENOENT;
	if (strchr(name, '/'))
		return try_fn(name, ctx);
	*searched = true;
	for (;;) {
		size_t dirlen = strcspn(p, ":");
		int n, err;

		if (dirlen == 0)
			n = snprintf(file, sizeof(file), "./%s", name);
		else
			n = snprintf(file, sizeof(file), "%.*s/%s", (int)dirlen, p, name);
		if (n > 0 && (size_t)n < sizeof(file)) {
			err = try_fn(file, ctx);
			if (err == EACCES)
				denied = true;
			else if (err != ENOENT && err != ENOTDIR && err != ENAMETOOLONG)
				return err;
		}
		if (!p[dirlen])
			break;
		p += dirlen + 1;
	}
	return denied ? EACCES : ENOENT;
}
