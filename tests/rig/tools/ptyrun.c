/*
 * ptyrun: run a command on a fresh pseudo-terminal, as a person at a
 * terminal would, and report what it left behind.
 *
 *   ptyrun [-w PATTERN -s BYTES]... [-t SECS] -- COMMAND [ARG...]
 *
 * Copies the command's terminal output to stdout. Each -w/-s pair waits
 * until PATTERN has appeared in the output (after the previous pair's),
 * then types BYTES (C escapes: \n \r \\ \xHH); BYTES "@winsize=COLSxROWS"
 * resizes the terminal instead (the command gets SIGWINCH). The terminal
 * starts at 80x24. An empty PATTERN matches at once. Ends with one line:
 *   PTY status=<exit status or 128+signal> termios=<restored|changed>
 * where termios compares the terminal's settings after the command ended
 * with those before it started (a raw terminal left behind is "changed").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>

#define MAX_STEPS 16

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (s[0] == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 'n': out[n++] = '\n'; s++; break;
			case 'r': out[n++] = '\r'; s++; break;
			case 'x': out[n++] = (char)strtol((char[]){ s[1], s[2], 0 }, NULL, 16); s += 3; break;
			default: out[n++] = *s++; break;
			}
		} else {
			out[n++] = *s++;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *wait_for[MAX_STEPS], *send[MAX_STEPS];
	int nsteps = 0, step = 0, secs = 120, opt, master, slave, status = 0, exited = 0;
	static char seen[1 << 20];
	size_t nseen = 0, from = 0;
	struct termios before, after;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	time_t deadline;
	pid_t pid;

	while ((opt = getopt(argc, argv, "w:s:t:")) != -1) {
		if (opt == 'w' && nsteps < MAX_STEPS)
			wait_for[nsteps] = optarg;
		else if (opt == 's' && nsteps < MAX_STEPS)
			send[nsteps++] = optarg;
		else if (opt == 't')
			secs = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	if (openpty(&master, &slave, NULL, NULL, &ws) < 0 || tcgetattr(slave, &before) < 0) {
		perror("ptyrun: openpty");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		close(master);
		login_tty(slave);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	deadline = time(NULL) + secs;
	/* We keep the slave open to read its settings afterwards, so the end
	 * of output is the child's exit, not EOF on the master. */
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			fprintf(stderr, "ptyrun: timed out after %d s\n", secs);
			break;
		}
		if (poll(&p, 1, exited ? 0 : 200) <= 0) {
			if (exited)
				break;
			continue;
		}
		n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		if (nseen + (size_t)n < sizeof(seen)) {
			memcpy(seen + nseen, buf, (size_t)n);
			nseen += (size_t)n;
			seen[nseen] = 0;
		}
		while (step < nsteps && memmem(seen + from, nseen - from, wait_for[step],
					       strlen(wait_for[step]))) {
			char out[256];
			size_t len = unescape(send[step], out);
			unsigned int cols, rows;

			from = nseen;
			if (sscanf(send[step], "@winsize=%ux%u", &cols, &rows) == 2) {
				ws.ws_col = (unsigned short)cols;
				ws.ws_row = (unsigned short)rows;
				if (ioctl(master, TIOCSWINSZ, &ws) < 0)
					perror("ptyrun: TIOCSWINSZ");
			} else if (write(master, out, len) != (ssize_t)len) {
				perror("ptyrun: write");
			}
			step++;
		}
	}
	if (!exited)
		waitpid(pid, &status, 0);
	tcgetattr(slave, &after);
	printf("\nPTY status=%d termios=%s steps=%d/%d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       memcmp(&before.c_iflag, &after.c_iflag, sizeof(before.c_iflag)) ||
			       memcmp(&before.c_oflag, &after.c_oflag, sizeof(before.c_oflag)) ||
			       memcmp(&before.c_lflag, &after.c_lflag, sizeof(before.c_lflag)) ||
			       memcmp(&before.c_cflag, &after.c_cflag, sizeof(before.c_cflag))
		       ? "changed"
		       : "restored",
	       step, nsteps);
	return 0;
}
