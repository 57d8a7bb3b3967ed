/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_RUNTIME_H
#define VMM_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Names of running VMs and where their sockets live.
 *
 * The runtime directory is $XDG_RUNTIME_DIR/vmm, else /run/user/UID/vmm when
 * that directory exists and is ours, else /tmp/vmm-UID. It is created 0700
 * and refused when someone else owns it or others can enter it. For a VM
 * NAME it holds NAME.lock (flock'ed by the running vmm for its whole life,
 * holding its pid), NAME.sock (the control socket) and NAME.log (vmm's own
 * messages once it has detached). A NAME.lock nobody holds is stale: its vmm
 * died; its files are removed by whoever notices.
 */
#define RT_NAME_MAX 64

/*
 * rt_dir - the runtime directory in buf, created if missing. Returns 0, or
 * VMM_ERR_HOST after printing why (unsafe owner or mode, mkdir failure).
 */
int rt_dir(char *buf, size_t len);

/*
 * rt_name_valid - a VM name is 1..RT_NAME_MAX bytes of letters, digits,
 * '.', '_' and '-', not starting with '.' or '-' (so never a path or an
 * option). Returns NULL when valid, else a static phrase saying why not.
 */
const char *rt_name_valid(const char *name);

/* rt_name_default - "vm-PID": unique among running vmms, short to type. */
void rt_name_default(char *buf, size_t len, pid_t pid);

/* rt_path - DIR/NAME.SUFFIX in buf; returns -1 when it does not fit. */
int rt_path(char *buf, size_t len, const char *dir, const char *name, const char *suffix);

/*
 * rt_claim - take NAME for this process: lock NAME.lock (stale files of a
 * dead vmm are cleaned first) and write our pid into it. Returns the lock's
 * fd (keep it open for the VM's life), or -VMM_ERR_USAGE after printing
 * "vmm: --name NAME: a VM of that name is running (pid N)".
 */
int rt_claim(const char *dir, const char *name);

/*
 * rt_probe - is VM name running? Returns its pid (> 0), 0 when it is not
 * (stale files are then removed), -1 when its lock cannot be read.
 */
pid_t rt_probe(const char *dir, const char *name);

/* rt_release - remove NAME's socket and lock file (the VM is ending). */
void rt_release(const char *dir, const char *name, int lock_fd);

/*
 * rt_list - call fn(name, ctx) for each VM name that has a lock file in dir,
 * in sorted order. Returns the count, or -1 when dir cannot be read.
 */
int rt_list(const char *dir, void (*fn)(const char *name, void *ctx), void *ctx);

#endif
