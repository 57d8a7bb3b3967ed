/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_INFO_H
#define VMM_INFO_H

/*
 * The `vmm info` and `vmm check` commands (vmm/info.c). argv[0] is the
 * command's name. Both return the process's exit status (include/status.h):
 * info 0 whenever it could print its report, even without /dev/kvm; check 0
 * when this host can run a default guest, VMM_ERR_HOST otherwise;
 * VMM_ERR_USAGE for bad arguments, VMM_ERR_INTERNAL when stdout fails.
 */
int vmm_info_main(int argc, char **argv);
int vmm_check_main(int argc, char **argv);

#endif
