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
 * console_write - the guest printed buf: through the installed console
 * router (vmm/console_router.h: the log, then the client, pty or terminal),
 * or straight to stdout when none is installed (`vmm console` itself). Any
 * thread (vCPU threads call it under the UART's lock).
 */
void console_write(const uint8_t *buf, size_t len);

#endif
