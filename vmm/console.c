// SPDX-License-Identifier: GPL-2.0-only
/* The terminal: raw mode, the Ctrl-A escape, and restoring it on any exit. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/* Where guest output goes; see console_set_outputs(). */
static _Atomic int out_fd = STDOUT_FILENO;
static _Atomic int log_fd = -1;
static _Atomic bool out_nonblock;

void console_set_outputs(int out, bool nonblock, int log)
{
	atomic_store(&out_nonblock, nonblock);
	atomic_store(&out_fd, out);
	atomic_store(&log_fd, log);
}

void console_set_out(int out)
{
	atomic_store(&out_fd, out);
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* stdout gone (closed pipe): the guest's output has nowhere to go. */
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void console_write(const uint8_t *buf, size_t len)
{
	int log = atomic_load(&log_fd), out = atomic_load(&out_fd);

	/* The log first and whole: it is the record, whoever is attached. */
	if (log >= 0)
		write_all(log, buf, len);
	if (out < 0)
		return;
	if (!atomic_load(&out_nonblock)) {
		write_all(out, buf, len);
		return;
	}
	/*
	 * A socket or pty somebody may not be reading: never stall the vCPU
	 * that transmits; what does not fit now is dropped (the log has it).
	 */
	while (len) {
		ssize_t n = send(out, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(out, buf, len); /* a pty master, opened O_NONBLOCK */
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}
