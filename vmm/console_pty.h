/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CONSOLE_PTY_H
#define VMM_CONSOLE_PTY_H

#include <stdbool.h>

/*
 * --console-pty: the guest's console on a pseudo-terminal whose slave
 * (/dev/pts/N) any terminal program opens: screen, picocom, minicom, or a
 * script's redirections.
 *
 * The slave is made raw once, at creation (the setting outlives the open
 * that made it): with echo on, the guest's output would come straight back
 * as its input. While no program has the slave open, the master reports
 * POLLHUP: vmm then neither reads it nor writes to it, so the guest's
 * output of that time goes only to --console-log (as with a serial line
 * nobody listens to), and the next program to open the pty does not get a
 * stale backlog.
 */
struct console_pty {
	int master;      /* O_NONBLOCK; -1 when closed */
	char path[64];   /* the slave, /dev/pts/N */
	bool connected;  /* a program has the slave open */
	unsigned short cols, rows; /* the slave's size, as last seen */
};

/*
 * console_pty_open - a new pty with a raw slave. Returns 0, or -errno
 * (p->master is then -1).
 */
int console_pty_open(struct console_pty *p);

/*
 * console_pty_check - look again whether a program has the slave open
 * (updates p->connected) and at the slave's window size. Returns true
 * when the connection state changed. *resized tells whether the size
 * changed to a non-zero one (p->cols, p->rows).
 */
bool console_pty_check(struct console_pty *p, bool *resized);

/* console_pty_close - close the master (the slave's programs see a hangup). */
void console_pty_close(struct console_pty *p);

#endif
