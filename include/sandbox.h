/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The sandbox (--sandbox on, the default): once the VM is built, vmm gives
 * up its capabilities and confines every thread with a seccomp filter. The
 * filters nest, because a thread inherits its creator's filter and a filter
 * can only narrow: the main thread's allows everything any thread needs
 * after set-up, a vCPU thread's a subset (it starts device threads at the
 * guest's DRIVER_OK), a device thread's the least (see vmm/sandbox.c).
 *
 * A forbidden system call ends vmm with one line on stderr,
 *   vmm: sandbox: forbidden system call openat (56) in thread blk0-q0
 * and exit status VMM_SANDBOX, after the terminal is put back.
 */
enum sandbox_kind {
	SANDBOX_DEVICE, /* a device model's thread (dev_thread_start) */
	SANDBOX_VCPU,   /* a vCPU thread */
	SANDBOX_MAIN,   /* the main thread; every thread gets it at sandbox_start */
	SANDBOX_KINDS,
};

/* An ioctl request the arch code still makes after set-up, and the narrowest kind that makes it. */
struct sandbox_ioctl {
	unsigned long request;
	enum sandbox_kind kind;
};

/*
 * sandbox_build - compile the three filters: the generic rules of
 * vmm/sandbox.c plus the arch's ioctls in extra[0..n) (each allowed in its
 * kind and the wider ones). Changes nothing in the process yet. Call from
 * one thread, before any other sandbox_ function. Returns VMM_OK, or
 * VMM_ERR_INTERNAL after printing one line.
 */
int sandbox_build(const struct sandbox_ioctl *extra, size_t n);

/*
 * sandbox_allow_files - let device threads (and so every thread) use the
 * file system calls of vmm's FUSE server (--share): opening beneath a
 * directory descriptor, stat, directory listing, creating, renaming,
 * linking and removing names, changing modes, owners, sizes and times.
 * Call before sandbox_build(); without a share they stay forbidden.
 */
void sandbox_allow_files(void);

/*
 * sandbox_start - on the main thread, after set-up: a SIGSYS handler that
 * reports a forbidden call, no new privileges, no capabilities (nor
 * bounding set, where permitted), and the SANDBOX_MAIN filter on every
 * thread of the process (TSYNC). From then on, threads that start call
 * sandbox_thread_enter(). Returns VMM_OK, or VMM_ERR_HOST after printing
 * one line (the kernel lacks seccomp filters).
 */
int sandbox_start(void);

/*
 * sandbox_thread_enter - the narrower filter of kind for the calling thread,
 * at its start; nothing unless the sandbox is on (sandbox_start, or
 * sandbox_install). Thread-safe. A failure ends vmm with one line
 * (VMM_ERR_INTERNAL): a thread never runs unconfined by mistake.
 */
void sandbox_thread_enter(enum sandbox_kind kind);

/*
 * sandbox_install - the SIGSYS handler, no new privileges and the filter of
 * kind on the calling thread only; marks the sandbox on. For tests, which
 * fork a child to confine. Returns VMM_OK or VMM_ERR_HOST (line printed).
 */
int sandbox_install(enum sandbox_kind kind);

/* sandbox_active - whether sandbox_start or sandbox_install succeeded. */
bool sandbox_active(void);

/*
 * sandbox_counts - how many system calls and ioctl requests the filter of
 * kind allows (after sandbox_build), for --verbose and the tests.
 */
void sandbox_counts(enum sandbox_kind kind, unsigned int *syscalls, unsigned int *ioctls);

/*
 * sandbox_selftest - make the next device thread to start call a forbidden
 * system call (openat) once its filter is on (VMM_SANDBOX_SELFTEST=1).
 */
void sandbox_selftest(void);

#endif
