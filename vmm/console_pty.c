// SPDX-License-Identifier: GPL-2.0-only
/* The guest's console on a pseudo-terminal (--console-pty). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/console_pty.h"

int console_pty_open(struct console_pty *p)
{
	struct termios t;
	int slave, err;

	memset(p, 0, sizeof(*p));
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (p->master < 0)
		return -errno;
	if (grantpt(p->master) || unlockpt(p->master) ||
	    ptsname_r(p->master, p->path, sizeof(p->path)))
		goto fail;
	/* Raw once, now: the setting stays with the pty after this close. */
	slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		goto fail;
	if (tcgetattr(slave, &t) == 0) {
		cfmakeraw(&t);
		if (tcsetattr(slave, TCSANOW, &t) == 0) {
			close(slave);
			return 0;
		}
	}
	err = errno;
	close(slave);
	errno = err;
fail:
	err = errno;
	close(p->master);
	p->master = -1;
	return -err;
}

bool console_pty_check(struct console_pty *p, bool *resized)
{
	struct pollfd pfd = { .fd = p->master, .events = POLLIN };
	bool was = p->connected;
	struct winsize ws;

	*resized = false;
	if (p->master < 0)
		return false;
	/* POLLHUP: the last program that had the slave open closed it. */
	if (poll(&pfd, 1, 0) >= 0)
		p->connected = !(pfd.revents & POLLHUP);
	if (ioctl(p->master, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row &&
	    (ws.ws_col != p->cols || ws.ws_row != p->rows)) {
		p->cols = ws.ws_col;
		p->rows = ws.ws_row;
		*resized = true;
	}
	return p->connected != was;
}

void console_pty_close(struct console_pty *p)
{
	if (p->master >= 0)
		close(p->master);
	p->master = -1;
	p->connected = false;
}
