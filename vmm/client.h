/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CLIENT_H
#define VMM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The commands that talk to running VMs through their control sockets
 * (protocol in vmm/ctl.c): vmm list, stop, kill, pause, resume,
 * info NAME, console. Each returns vmm's exit status after printing what
 * the user asked for, or one line saying why not (VMM_NO_VM when no VM of
 * that name runs; VMM_BUSY when it is starting: its lock is held but its
 * socket is not bound yet, after waiting a second for it; VMM_ERR_INTERNAL
 * when standard output could not be written). Each takes --help (usage on
 * stdout, status 0) and its options anywhere on the line, spelled out in
 * full (vmm/opts.h). `vmm list` shows a starting VM as "starting".
 */
int client_list_main(int argc, char **argv);
int client_stop_main(int argc, char **argv);
int client_simple_main(int argc, char **argv); /* kill, pause, resume */
int client_info(const char *name, bool json);
int client_console_main(int argc, char **argv);

/*
 * client_flatten_json - print a one-line JSON object as "key: value" lines
 * (nested keys joined with '.', array items numbered) into out. For the
 * human form of `vmm info NAME` and `vmm list`. Returns 0, or -1 for text
 * that is not the JSON vmm writes.
 */
int client_flatten_json(const char *json, char *out, size_t len);

#endif
