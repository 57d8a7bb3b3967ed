/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_AGENT_EXITMSG_H
#define VMM_AGENT_EXITMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd_proto.h"

/*
 * What the agent tells vmm at the end (the EXIT frame), computed apart from
 * the I/O so that each mapping - wait status, exec errno - is unit-tested.
 */

/* The EXIT payload: u8 how, u8 value, u16 0, then the message. */
#define AGENT_EXIT_PAYLOAD_MAX (4 + CMD_EXIT_MSG_MAX)

/*
 * agent_exit_payload - EXIT's payload into out; msg (may be NULL) is cut at
 * its first newline and at CMD_EXIT_MSG_MAX bytes. Returns its length.
 */
size_t agent_exit_payload(uint8_t out[AGENT_EXIT_PAYLOAD_MAX], enum cmd_exit_how how,
			  uint8_t value, const char *msg);

/* agent_exit_from_wait - EXITED/status or SIGNALED/signal from a wait status. */
enum cmd_exit_how agent_exit_from_wait(int wstatus, uint8_t *value);

/*
 * agent_exit_from_exec - how a failed exec of argv0 ends (errno err):
 * CMD_NOTFOUND for ENOENT/ENOTDIR (message "NAME: command not found" when
 * it was searched in PATH, else "NAME: No such file or directory"), else
 * CMD_NOEXEC ("NAME: Permission denied", "NAME: Exec format error", ...).
 */
enum cmd_exit_how agent_exit_from_exec(int err, const char *argv0, bool searched, char *msg,
				       size_t msglen);

#endif
