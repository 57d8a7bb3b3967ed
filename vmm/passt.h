/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_PASST_H
#define VMM_PASST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "net.h"

/*
 * passt, the user-mode network helper of --network user: one child process
 * per NIC, started during set-up (before the sandbox, which allows no
 * fork or exec), ended with the VM.
 *
 * vmm hands it one end of a socketpair (--fd), so there is no socket file
 * to race for or to leave behind; passt quits when that socket closes
 * (--fd implies --one-off), which happens when vmm ends in any way, and the
 * child also asks for SIGKILL when vmm's main thread dies (PR_SET_PDEATHSIG,
 * checked against a parent that died before it was set). It runs in the
 * foreground as vmm's own user (--runas: as root too, where passt would
 * otherwise become nobody), in a process group of its own so that the
 * terminal's Ctrl-C reaches vmm only. Its readiness comes back through a
 * pipe (--pid /proc/self/fd/N: passt writes its pid there once set up),
 * and its messages go to a memory file (--log-file /proc/self/fd/N, and
 * its stderr for what it says before that) that vmm reads when passt
 * fails: nothing of it lands in the runtime directory.
 */

#define PASST_ARGS_MAX (12 + 2 * NET_MAX_FORWARDS)

struct passt {
	pid_t pid;          /* 0: not running or already reaped */
	int sock;           /* vmm's end of the socketpair, until the caller takes it */
	int log_fd;         /* the memory file with passt's messages, or -1 */
	atomic_bool reaped; /* passt_gone reaped it */
};

/* The argument vector and its strings (passt_args). */
struct passt_args {
	char *argv[PASST_ARGS_MAX + 1];
	char str[PASST_ARGS_MAX][40];
};

/*
 * passt_args - argv for passt at path with its socket on fd, the pid pipe
 * on pid_fd, the log on log_fd, running as uid:gid, and o's forwards
 * (-t/-u HOST:GUEST). Pure, for the unit tests.
 */
void passt_args(struct passt_args *a, const char *path, const struct net_opts *o, int fd,
		int pid_fd, int log_fd, unsigned int uid, unsigned int gid);

/*
 * passt_find - the program o asks for (passt=PATH, else "passt" on $PATH)
 * into buf. Returns VMM_OK, or VMM_NO_HELPER after printing "network N:
 * passt ...: not found ...; install it (apt-get install passt)".
 */
int passt_find(const struct net_opts *o, unsigned int index, char *buf, size_t len);

/*
 * passt_start - start passt for NIC index and wait until it is ready (at
 * most PASST_READY_SECS). Returns VMM_OK with p filled (p->sock is vmm's
 * end, O_CLOEXEC), or after one line: VMM_NO_HELPER (passt missing),
 * VMM_ERR_HOST (it ended at start: its status and last message are in the
 * line; or it never got ready), VMM_ERR_INTERNAL (socketpair, fork).
 */
#define PASST_READY_SECS 20
int passt_start(const struct net_opts *o, unsigned int index, struct passt *p);

/*
 * passt_gone - the socket to passt closed mid-run: reap passt if it has
 * ended (waiting briefly) and log how, with its last message. Any thread;
 * returns at once when there is nothing to wait for.
 */
void passt_gone(struct passt *p, unsigned int index);

/*
 * passt_stop - the VM ends: its socket must be closed already (passt then
 * quits by itself); wait for it briefly, then SIGKILL, and reap it. Frees
 * the log. Safe on a struct passt that never started (pid 0, fds -1).
 */
void passt_stop(struct passt *p);

#endif
