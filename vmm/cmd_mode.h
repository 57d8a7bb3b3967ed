/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CMD_MODE_H
#define VMM_CMD_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmd_proto.h"
#include "config.h"

/*
 * Command mode, `vmm run [options] -- CMD [ARGS...]`: vmm's side (man/vmm.1,
 * COMMAND MODE). The guest's agent (/bin/vmm-agent in the built-in
 * initramfs) talks to vmm over a virtio-console that is not a terminal but
 * the protocol relay (vmm/cmd_relay.h); the host's root (or --rootfs) is
 * the read-only virtio-fs share vmm-root, each --rwdir/--rodir a share
 * vmm-dirN. vmm's exit status is CMD's (cmd_status).
 */

/* The exit statuses of command mode that are vmm's own (timeout(1)'s spirit). */
#define CMD_STATUS_VMM 125     /* vmm failed, or the guest did before EXIT */
#define CMD_STATUS_NOEXEC 126
#define CMD_STATUS_NOTFOUND 127
#define CMD_STATUS_TIMEOUT 124
#define CMD_STATUS_QUIT 130

#define CMD_ROOT_TAG "vmm-root"
#define CMD_AGENT_PARAMS "rdinit=/bin/vmm-agent quiet"

/* How a command-mode run ended; cmd_status maps each to vmm's status. */
enum cmd_outcome {
	CMD_OUT_EXITED,      /* value: CMD's status */
	CMD_OUT_SIGNALED,    /* value: the signal that ended CMD */
	CMD_OUT_NOTFOUND,
	CMD_OUT_NOEXEC,
	CMD_OUT_SETUP,       /* the agent could not set the guest up */
	CMD_OUT_BROKEN,      /* a malformed protocol stream */
	CMD_OUT_GUEST_ENDED, /* power-off, reset, crash or panic before EXIT */
	CMD_OUT_TIMEOUT,     /* --timeout */
	CMD_OUT_QUIT,        /* Ctrl-A x */
	CMD_OUT_VMM_SIGNAL,  /* value: the signal vmm got */
	CMD_OUT_VMM_FAILED,  /* vmm's own failure (start-up, `vmm kill`, KVM) */
	CMD_OUT_COUNT,
};

/* cmd_status - vmm's exit status for an outcome (value: see the enum). */
int cmd_status(enum cmd_outcome o, unsigned int value);

/* cmd_outcome_of_exit - the outcome an EXIT frame's how means (how <= CMD_SETUP). */
enum cmd_outcome cmd_outcome_of_exit(uint8_t how);

/*
 * What SPEC building needs from the host, gathered by cmd_host_get (or by a
 * test): the environment, cwd, credentials and the terminal.
 */
struct cmd_host {
	char *const *environ;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t groups[CMD_SPEC_MAX_GROUPS];
	size_t ngroups;
	bool tty;
	uint16_t rows, cols;
};

/* cmd_host_get - this process's; returns 0 or VMM_ERR_HOST after one line. */
int cmd_host_get(struct cmd_host *h, char *cwd_buf, size_t cwd_len);

/*
 * cmd_spec_build - the SPEC for cfg's command on host h (design: argv; PATH,
 * HOME, TERM, LANG, LC_*, USER, LOGNAME from the host, then each --env,
 * replacing a variable of the same name; cwd, or / when --rootfs lacks it;
 * the user's ids, or 0 with --root; the tty; root=vmm-root; a mount per
 * --rwdir/--rodir; hostname: --name or "vmm"), encoded into *out (malloc'd).
 * Returns 0, or VMM_ERR_USAGE after one line (too big for the protocol).
 */
int cmd_spec_build(const struct vm_config *cfg, const struct cmd_host *h, uint8_t **out,
		   size_t *out_len);

/*
 * The kernel's messages on the serial, kept when nobody asked for them: the
 * last CMD_RING_LINES lines are printed if the guest ends without EXIT.
 */
#define CMD_RING_BYTES 8192
#define CMD_RING_LINES 30

struct cmd_ring {
	char buf[CMD_RING_BYTES];
	size_t head;   /* next write position */
	bool wrapped;
};

void cmd_ring_put(struct cmd_ring *ring, const uint8_t *p, size_t len);
/* cmd_ring_tail - the last `lines` lines into out (NUL-terminated, \r dropped). */
size_t cmd_ring_tail(const struct cmd_ring *ring, unsigned int lines, char *out, size_t outlen);

/* config's side (vmm/config.c): the command-mode options after parsing. */
int cmd_config_finish(struct vm_config *cfg);

/*
 * The glue (vmm/cmd_mode.c), main thread. dev_cmd_create - the agent's
 * channel, hvc0: a virtio-console whose host end is the relay, answering
 * HELLO with the SPEC built now (and the console's input and size for the
 * main loop); after the shares. cmd_mode_exit - vmm's exit status once the
 * run ended with event ev (enum vm_event), after one line naming the cause
 * when it is not CMD's own, and the kernel's last lines when the guest
 * ended before CMD did. cmd_mode_failed - a start-up failure's status.
 */
struct vm;
int dev_cmd_create(struct vm *vm);
int cmd_mode_exit(struct vm *vm, int ev);

#endif
