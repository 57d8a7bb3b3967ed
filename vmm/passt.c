// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting, watching and ending passt for --network user (see passt.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/passt.h"

static char *arg(struct passt_args *a, unsigned int *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *arg(struct passt_args *a, unsigned int *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->str[*n], sizeof(a->str[*n]), fmt, ap);
	va_end(ap);
	a->argv[*n] = a->str[*n];
	return a->argv[(*n)++];
}

void passt_args(struct passt_args *a, const char *path, const struct net_opts *o, int fd,
		int pid_fd, int log_fd, unsigned int uid, unsigned int gid)
{
	unsigned int n = 0, i;

	arg(a, &n, "passt");
	a->argv[0] = (char *)path; /* may be longer than a str[] */
	arg(a, &n, "--foreground");
	arg(a, &n, "--fd");
	arg(a, &n, "%d", fd);
	arg(a, &n, "--pid");
	arg(a, &n, "/proc/self/fd/%d", pid_fd);
	arg(a, &n, "--runas");
	arg(a, &n, "%u:%u", uid, gid);
	if (log_fd >= 0) {
		arg(a, &n, "--log-file");
		arg(a, &n, "/proc/self/fd/%d", log_fd);
	}
	for (i = 0; i < o->nforwards && i < NET_MAX_FORWARDS; i++) {
		arg(a, &n, "%s", o->fwd[i].udp ? "-u" : "-t");
		arg(a, &n, "%u:%u", o->fwd[i].host_port, o->fwd[i].guest_port);
	}
	a->argv[n] = NULL;
}

static bool executable(const char *path)
{
	return access(path, X_OK) == 0;
}

int passt_find(const struct net_opts *o, unsigned int index, char *buf, size_t len)
{
	const char *want = o->passt[0] ? o->passt : "passt";
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(want, '/')) {
		if (executable(want) && strlen(want) < len) {
			snprintf(buf, len, "%s", want);
			return VMM_OK;
		}
		log_error("network %u: passt=%s: %s; install passt (apt-get install passt) or "
			  "give its path",
			  index, want, strerror(errno));
		return VMM_NO_HELPER;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		/* An empty element is the current directory, as for the shell. */
		if (snprintf(buf, len, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", want) <
			(int)len &&
		    executable(buf))
			return VMM_OK;
	}
	log_error("network %u: %s: not found on PATH; install it (apt-get install passt) or "
		  "give passt=PATH",
		  index, want);
	return VMM_NO_HELPER;
}

/* The child: from fork to exec, only async-signal-safe calls. */
static void child(const struct passt_args *a, pid_t parent, int fd, int pid_fd, int log_fd)
{
	sigset_t none;
	int null;

	sigemptyset(&none);
	/* Asked before the check: a parent that died in between is seen by it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* These three are passed by number; every other fd of vmm is close-on-exec. */
	if (fcntl(fd, F_SETFD, 0) < 0 || fcntl(pid_fd, F_SETFD, 0) < 0 ||
	    (log_fd >= 0 && fcntl(log_fd, F_SETFD, 0) < 0))
		_exit(127);
	if (log_fd >= 0)
		dup2(log_fd, 2);
	/* Not vmm's terminal: passt reads nothing there, and says what it says in its log. */
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (null > 2)
			close(null);
	}
	execv(a->argv[0], a->argv);
	_exit(127);
}

/*
 * A line of passt's log file without its prefix: "1.3026: ERROR:   what"
 * (seconds since start, a level) is "what".
 */
static const char *bare(const char *line)
{
	const char *p = line;
	static const char *const levels[] = { "ERROR:", "WARNING:", "warning:", "info:",
					      "debug:", "trace:" };
	size_t i;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p > line && *p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == ':' && p[1] == ' ')
			line = p + 2;
	}
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strncmp(line, levels[i], strlen(levels[i]))) {
			line += strlen(levels[i]);
			break;
		}
	while (*line == ' ')
		line++;
	return line;
}

/* The last line passt wrote that is its own (not about syslog), into buf. */
static void last_message(int log_fd, char *buf, size_t len)
{
	char text[4096], *line, *save = NULL;
	off_t size;
	ssize_t n;

	snprintf(buf, len, "no message");
	if (log_fd < 0)
		return;
	size = lseek(log_fd, 0, SEEK_END);
	if (size < 0)
		return;
	n = pread(log_fd, text, sizeof(text) - 1, size > (off_t)sizeof(text) - 1 ?
						       size - (off_t)sizeof(text) + 1 : 0);
	if (n <= 0)
		return;
	text[n] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (*bare(line) && strncmp(line, "Failed to send", 14))
			snprintf(buf, len, "%s", bare(line));
}

/* "exited with status N" or "killed by signal N". */
static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended (wait status 0x%x)", status);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait up to secs for passt's pid on pid_fd: true when it came. */
static bool wait_ready(int pid_fd, double secs)
{
	double deadline = mono() + secs;
	char buf[32];
	size_t got = 0;

	for (;;) {
		struct pollfd pfd = { .fd = pid_fd, .events = POLLIN };
		double left = deadline - mono();
		ssize_t n;

		if (left <= 0)
			return false;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			return false;
		n = read(pid_fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false; /* it ended without writing: it failed */
		got += (size_t)n;
		if (memchr(buf, '\n', got) || got == sizeof(buf) - 1)
			return true;
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int passt_start(const struct net_opts *o, unsigned int index, struct passt *p)
{
	char path[4096], msg[256], how[64];
	int sv[2], pipefd[2], status, r;
	struct passt_args a;
	pid_t parent = getpid(), pid;

	memset(p, 0, sizeof(*p));
	p->sock = p->log_fd = -1;
	r = passt_find(o, index, path, sizeof(path));
	if (r)
		return r;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		log_errno("network %u: socketpair for passt", index);
		return VMM_ERR_INTERNAL;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		log_errno("network %u: pipe for passt", index);
		close(sv[0]);
		close(sv[1]);
		return VMM_ERR_INTERNAL;
	}
	/* Without a memory file passt still runs; its messages are lost then. */
	p->log_fd = memfd_create("passt-log", MFD_CLOEXEC);
	passt_args(&a, path, o, sv[1], pipefd[1], p->log_fd, (unsigned int)getuid(),
		   (unsigned int)getgid());
	pid = fork();
	if (pid == 0)
		child(&a, parent, sv[1], pipefd[1], p->log_fd);
	close(sv[1]);
	close(pipefd[1]);
	if (pid < 0) {
		log_errno("network %u: starting passt", index);
		close(sv[0]);
		close(pipefd[0]);
		close_fd(&p->log_fd);
		return VMM_ERR_INTERNAL;
	}
	p->pid = pid;
	p->sock = sv[0];
	if (wait_ready(pipefd[0], PASST_READY_SECS)) {
		close(pipefd[0]);
		log_info("network %u: passt %s running (pid %d)", index, path, (int)pid);
		return VMM_OK;
	}
	close(pipefd[0]);
	close_fd(&p->sock);
	/* Not ready in time: it will not be. */
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) == pid)
		describe(status, how, sizeof(how));
	else
		snprintf(how, sizeof(how), "could not be waited for");
	last_message(p->log_fd, msg, sizeof(msg));
	log_error("network %u: passt (%s) did not start: it %s: %s", index, path, how, msg);
	p->pid = 0;
	close_fd(&p->log_fd);
	return VMM_ERR_HOST;
}

void passt_gone(struct passt *p, unsigned int index)
{
	char how[64], msg[256];
	int status, i;

	/* It may still be on its way out: a second at most. */
	for (i = 0; i < 100; i++) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid) {
			atomic_store(&p->reaped, true);
			describe(status, how, sizeof(how));
			last_message(p->log_fd, msg, sizeof(msg));
			log_error("network %u: passt (pid %d) %s: %s; vmm goes on without a "
				  "network on it",
				  index, (int)p->pid, how, msg);
			return;
		}
		if (r < 0)
			break;
		usleep(10000);
	}
	log_error("network %u: passt (pid %d) closed its socket but still runs; vmm goes on "
		  "without a network on it",
		  index, (int)p->pid);
}

void passt_stop(struct passt *p)
{
	int status, i;

	close_fd(&p->sock);
	if (p->pid > 0 && !atomic_load(&p->reaped)) {
		/* With its socket closed passt quits by itself; a stuck one is killed. */
		for (i = 0; i < 100; i++) {
			if (waitpid(p->pid, &status, WNOHANG) != 0)
				break;
			usleep(10000);
		}
		if (i == 100) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
		}
	}
	p->pid = 0;
	close_fd(&p->log_fd);
}
