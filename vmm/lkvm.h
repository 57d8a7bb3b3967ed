/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_LKVM_H
#define VMM_LKVM_H

#include "vmm/lkvm_args.h"

/*
 * lkvm_main - vmm as kvmtool's lkvm (vmm/lkvm.c): argv as main() got it.
 * Returns the exit status: vmm's statuses, 0 for help.
 */
int lkvm_main(int argc, char **argv);

#endif
