// SPDX-License-Identifier: GPL-2.0-only
/*
 * EXIT frame contents (exitmsg.h): the mapping from CMD's fate to the
 * protocol's `how`/`value`, kept pure so the unit tests pin it down.
 */
#include "guest/agent/exitmsg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

size_t agent_exit_payload(uint8_t out[AGENT_EXIT_PAYLOAD_MAX], enum cmd_exit_how how,
			  uint8_t value, const char *msg)
{
	size_t n = 0;

	out[0] = (uint8_t)how;
	out[1] = value;
	out[2] = out[3] = 0;
	if (msg) {
		n = strcspn(msg, "\n");
		if (n > CMD_EXIT_MSG_MAX)
			n = CMD_EXIT_MSG_MAX;
		memcpy(out + 4, msg, n);
	}
	return 4 + n;
}

enum cmd_exit_how agent_exit_from_wait(int wstatus, uint8_t *value)
{
	if (WIFSIGNALED(wstatus)) {
		*value = (uint8_t)WTERMSIG(wstatus);
		return CMD_SIGNALED;
	}
	*value = (uint8_t)WEXITSTATUS(wstatus);
	return CMD_EXITED;
}

enum cmd_exit_how agent_exit_from_exec(int err, const char *argv0, bool searched, char *msg,
				       size_t msglen)
{
	if (err == ENOENT || err == ENOTDIR) {
		if (searched)
			snprintf(msg, msglen, "%s: command not found", argv0);
		else
			snprintf(msg, msglen, "%s: %s", argv0, strerror(err));
		return CMD_NOTFOUND;
	}
	snprintf(msg, msglen, "%s: %s", argv0, strerror(err));
	return CMD_NOEXEC;
}
