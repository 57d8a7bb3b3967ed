/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_AGENT_AGENT_H
#define VMM_AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmd_proto.h"
#include "guest/agent/byteq.h"

/*
 * vmm-agent: /init of command mode (`vmm run -- CMD`, include/cmd_proto.h).
 * One process, one poll loop, PID 1: it sets the guest up from vmm's SPEC,
 * runs CMD, relays its stdio over /dev/hvc0 and powers off after EXIT. It
 * never exits (PID 1 exiting panics the kernel): every path ends in
 * agent_poweroff().
 */

/* Read hvc0 in chunks of this size, and only while the stdin queue has
 * room for a whole chunk plus the largest frame it may complete. */
#define AGENT_READ_CHUNK (16u * 1024)
#define AGENT_STDIN_CAP (CMD_PROTO_MAX + 2 * AGENT_READ_CHUNK)
/* Frames for vmm: a few data frames' worth. */
#define AGENT_HOST_CAP (4 * (CMD_FRAME_HDR + CMD_PROTO_DATA_MAX))

struct agent {
	int hvc;                  /* /dev/hvc0, raw, non-blocking after HELLO */
	bool hvc_in_done;         /* vmm's side hung up: stop reading */
	struct cmd_decoder dec;
	struct cmd_spec spec;
	bool have_spec;
	struct byteq to_host;     /* encoded frames waiting for hvc0 */
	struct byteq to_cmd;      /* STDIN bytes waiting for CMD */
	bool stdin_eof;           /* vmm sent STDIN of length 0 */
	bool stdin_gone;          /* CMD takes no more stdin (pipe broke, pty went) */
	bool failed;              /* a setup or protocol failure: why says */
	char why[CMD_EXIT_MSG_MAX];

	int sigfd;                /* SIGCHLD */
	pid_t pid;                /* CMD, 0 before it runs */
	bool exited;
	int wstatus;
	int in_fd;                /* CMD's stdin pipe, or the pty master; -1 closed */
	int out_fd, err_fd;       /* CMD's stdout/stderr pipes, or the master; -1 closed */
	bool tty;
};

/* main.c */
__attribute__((format(printf, 2, 3))) void agent_fail(struct agent *a, const char *fmt, ...);
__attribute__((noreturn)) void agent_poweroff(void);
__attribute__((noreturn)) void agent_finish(struct agent *a, enum cmd_exit_how how,
					    uint8_t value, const char *msg);

/* mounts.c */
int agent_mount_early(void);
int agent_setup_root(struct agent *a);

/* run.c */
int agent_spawn(struct agent *a);
void agent_child_signals(void);

/* relay.c */
bool agent_send(struct agent *a, enum cmd_frame_type type, const void *data, size_t len);
int agent_flush_blocking(struct agent *a);
int agent_wait_spec(struct agent *a);
void agent_relay(struct agent *a);
void agent_reap(struct agent *a);

#endif
