/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_STATUS_H
#define VMM_STATUS_H

/*
 * vmm's exit statuses. They are part of the interface (documented in
 * man/vmm.1): scripts tell a guest that powered off from a guest that reset,
 * crashed or panicked, and all of those from a problem of vmm's own.
 *
 * The error convention, for every constructor and setup function in
 * devices/, arm64/ and vmm/:
 *
 *   int thing_new(args..., struct thing **out);
 *
 * returns VMM_OK (0) and stores the object in *out, or returns one of the
 * statuses below (never 0) after printing exactly one line that names the
 * object and the cause (log_error / log_errno); *out is then untouched and
 * nothing of the object is left behind. The caller passes the status up
 * unchanged: no -errno, no NULL+errno, no negated statuses across a module
 * boundary. Plain helpers with nothing to report (bus_add's -EEXIST,
 * a parser's bool) may keep their own convention; their contract says so.
 */
enum vmm_status {
	VMM_OK = 0,             /* guest powered off (PSCI SYSTEM_OFF) */
	VMM_ERR_INTERNAL = 1,   /* vmm failed at run time (an ioctl, a thread) */
	VMM_ERR_USAGE = 2,      /* bad command line: option, value, combination */
	VMM_ERR_INPUT = 3,      /* a file given to vmm: missing, unreadable, malformed, too big */
	VMM_ERR_HOST = 4,       /* the host cannot do it: no /dev/kvm, capability, limit */
	VMM_GUEST_RESET = 5,    /* guest reset and --reboot exit was given */
	VMM_GUEST_CRASH = 6,    /* a vCPU stopped in a way vmm cannot continue from */
	VMM_GUEST_PANIC = 7,    /* the guest kernel reported a panic (pvpanic) */
	VMM_TIMEOUT = 8,        /* --timeout expired; `vmm stop` had to kill the guest */
	VMM_USER_QUIT = 9,      /* the user quit with the console escape (Ctrl-A x) */
	VMM_KILLED = 10,        /* the VM's vmm, ended by `vmm kill` (or that of `vmm stop`) */
	VMM_NO_VM = 11,         /* a command named a VM that is not running */
	VMM_BUSY = 12,          /* the VM's console is already attached elsewhere, or the
				 * VM is still starting (no control socket yet): try again */
	VMM_SANDBOX = 13,       /* the sandbox stopped a forbidden system call (--sandbox) */
	VMM_NO_HELPER = 14,     /* a program vmm needs is missing: passt (--network user) */
	/* 128 + N: vmm ended because of signal N (SIGINT, SIGTERM, SIGHUP) */
};

#endif
