// SPDX-License-Identifier: GPL-2.0-only
/* The terminal: raw mode, the Ctrl-A escape, and restoring it on any exit. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "vmm/console.h"

static struct termios saved_termios;
static volatile sig_atomic_t termios_saved;

size_t console_escape(struct console_esc *st, const uint8_t *in, size_t n, uint8_t *out,
		      size_t *consumed, enum console_action *act)
{
	size_t i, o = 0;

	*act = CONSOLE_NONE;
	for (i = 0; i < n; i++) {
		uint8_t c = in[i];

		if (!st->armed) {
			if (c == CONSOLE_ESC)
				st->armed = true;
			else
				out[o++] = c;
			continue;
		}
		st->armed = false;
		if (c == 'x' || c == 'X') {
			*act = CONSOLE_QUIT;
			i++;
			break;
		}
		if (c == 'h' || c == 'H' || c == '?') {
			*act = CONSOLE_HELP;
			i++;
			break;
		}
		if (c != CONSOLE_ESC)
			out[o++] = CONSOLE_ESC;
		out[o++] = c;
	}
	*consumed = i;
	return o;
}

void console_restore(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
		termios_saved = 0;
		log_set_raw(false);
	}
}

/* Fatal signals: put the terminal back, then die of the same signal. */
static void fatal_signal(int sig)
{
	console_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

bool console_setup(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
	struct termios raw;
	unsigned int i;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return false;
	raw = saved_termios;
	cfmakeraw(&raw);
	/* Keep output processing: our own messages use \r\n, the guest's are raw. */
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
		return false;
	termios_saved = 1;
	log_set_raw(true);
	atexit(console_restore);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
	return true;
}
