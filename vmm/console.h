/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The host side of the guest's console: vmm's stdin and stdout.
 *
 * When stdin is a terminal it is put in raw mode (every key, Ctrl-C
 * included, goes to the guest) and the escape prefix Ctrl-A is interpreted:
 * Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h prints help, and
 * Ctrl-A followed by anything else sends both keys. The terminal is restored
 * on every exit path: normal return, exit(), and fatal or terminating
 * signals. When stdin is a pipe or a file, bytes pass through untouched.
 */
#define CONSOLE_ESC 0x01 /* Ctrl-A */

enum console_action {
	CONSOLE_NONE,
	CONSOLE_QUIT,
	CONSOLE_HELP,
};

struct console_esc {
	bool armed; /* the previous byte was the escape prefix */
};

/*
 * console_escape - filter n input bytes through the escape state machine.
 * Writes the bytes meant for the guest to out (room for 2 * n bytes) and
 * returns their count. Stops at the first action and sets *consumed to the
 * bytes of in used so far and *act to the action (CONSOLE_NONE otherwise).
 */
size_t console_escape(struct console_esc *st, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *consumed, enum console_action *act);

/*
 * console_setup - if stdin is a terminal, switch it to raw mode and arrange
 * for it to be restored on exit and on fatal signals. Returns true when the
 * terminal is now raw (escapes apply).
 */
bool console_setup(void);

/* console_restore - put the terminal back; idempotent, async-signal-safe. */
void console_restore(void);

/*
 * console_write - the guest printed buf: append it to the console log, if
 * any, then give it to the console output. Any thread (vCPU threads call it
 * under the UART's lock): a blocking output (the terminal, a pipe) gets all
 * of it; a non-blocking one (an attached socket, a pty) gets what fits now.
 */
void console_write(const uint8_t *buf, size_t len);

/*
 * console_set_outputs - where console_write() goes: out (stdout by default;
 * -1 for nowhere), whether out must never block, and a log fd (-1: none).
 * console_set_out - change only out (a console client attaches or leaves).
 */
void console_set_outputs(int out, bool nonblock, int log);
void console_set_out(int out);

#endif
