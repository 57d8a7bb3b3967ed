// SPDX-License-Identifier: GPL-2.0-only
/*
 * Starting CMD: its stdio (three pipes, or a pty slave as controlling
 * terminal), working directory, credentials and exec, all in the child.
 * The child reports the first thing that failed, with its errno, through a
 * close-on-exec pipe: EOF on that pipe means exec succeeded, so the agent
 * knows "not found" and "not executable" from CMD's own exit status 127.
 */
#include "guest/agent/agent.h"
#include "guest/agent/exitmsg.h"
#include "guest/agent/pathsearch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

enum stage { ST_TTY = 1, ST_CWD, ST_GROUPS, ST_GID, ST_UID, ST_EXEC };

struct report {
	int stage;
	int err;
};

void agent_child_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* SIGKILL, SIGSTOP, glibc's own: EINVAL, fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void report(int fd, enum stage stage, int err)
{
	struct report r = { stage, err };

	if (write(fd, &r, sizeof(r)) < 0) {
		/* the agent then sees EOF: nothing better to do */
	}
	_exit(127);
}

struct exec_ctx {
	char *const *argv;
	char *const *envp;
};

static int try_exec(const char *file, void *ctx)
{
	struct exec_ctx *e = ctx;

	execve(file, e->argv, e->envp);
	return errno;
}

static __attribute__((noreturn)) void child(struct agent *a, int rep, const char *slave,
					    const int in[2], const int out[2], const int err[2])
{
	const struct cmd_spec *s = &a->spec;
	struct exec_ctx e = { (char *const *)s->argv, (char *const *)s->envp };
	gid_t groups[CMD_SPEC_MAX_GROUPS];
	bool searched;
	size_t i;

	agent_child_signals();
	if (slave) {
		int fd;

		if (setsid() < 0)
			report(rep, ST_TTY, errno);
		fd = open(slave, O_RDWR);
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0))
			report(rep, ST_TTY, errno);
		if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			report(rep, ST_TTY, errno);
		if (fd > 2)
			close(fd);
	} else if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) {
		report(rep, ST_TTY, errno);
	}
	if (chdir(s->cwd ? s->cwd : "/"))
		report(rep, ST_CWD, errno);
	for (i = 0; i < s->ngroups; i++)
		groups[i] = s->groups[i];
	if (setgroups(s->ngroups, groups))
		report(rep, ST_GROUPS, errno);
	if (setgid(s->gid))
		report(rep, ST_GID, errno);
	if (setuid(s->uid))
		report(rep, ST_UID, errno);
	report(rep, ST_EXEC,
	       agent_exec_search(s->argv[0], agent_env_path(s->envp), try_exec, &e, &searched));
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_pty(struct agent *a, char *slave, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, slave, len)) {
		agent_fail(a, "pty /dev/ptmx: %s", strerror(errno));
		if (m >= 0)
			close(m);
		return -1;
	}
	if (a->spec.rows && a->spec.cols) {
		struct winsize ws = { .ws_row = a->spec.rows, .ws_col = a->spec.cols };

		ioctl(m, TIOCSWINSZ, &ws);
	}
	return m;
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

/* The child failed before exec: end the run with the right EXIT. */
static void failed_child(struct agent *a, const struct report *r)
{
	const struct cmd_spec *s = &a->spec;
	char msg[CMD_EXIT_MSG_MAX];
	enum cmd_exit_how how;

	switch (r->stage) {
	case ST_EXEC:
		how = agent_exit_from_exec(r->err, s->argv[0], !strchr(s->argv[0], '/'), msg,
					   sizeof(msg));
		agent_finish(a, how, 0, msg);
	case ST_TTY:
		agent_fail(a, "CMD's terminal: %s", strerror(r->err));
		break;
	case ST_CWD:
		agent_fail(a, "cwd %s: %s", s->cwd ? s->cwd : "/", strerror(r->err));
		break;
	case ST_GROUPS:
		agent_fail(a, "supplementary groups: %s", strerror(r->err));
		break;
	case ST_GID:
		agent_fail(a, "gid %u: %s", s->gid, strerror(r->err));
		break;
	default:
		agent_fail(a, "uid %u: %s", s->uid, strerror(r->err));
		break;
	}
}

int agent_spawn(struct agent *a)
{
	int rep[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	char slave[64];
	int master = -1, status;
	struct report r;
	ssize_t got;
	pid_t pid;

	if (pipe2(rep, O_CLOEXEC)) {
		agent_fail(a, "pipe: %s", strerror(errno));
		return -1;
	}
	if (a->tty) {
		master = open_pty(a, slave, sizeof(slave));
		if (master < 0)
			goto fail;
	} else if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		agent_fail(a, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		agent_fail(a, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(a, rep[1], a->tty ? slave : NULL, in, out, err);
	close(rep[1]);
	rep[1] = -1;
	close(in[0]);
	close(out[1]);
	close(err[1]);
	in[0] = out[1] = err[1] = -1;
	do
		got = read(rep[0], &r, sizeof(r));
	while (got < 0 && errno == EINTR);
	close(rep[0]);
	rep[0] = -1;
	if (got == (ssize_t)sizeof(r)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		failed_child(a, &r);
		goto fail;
	}
	a->pid = pid;
	if (a->tty) {
		a->in_fd = a->out_fd = master;
	} else {
		a->in_fd = in[1];
		a->out_fd = out[0];
		a->err_fd = err[0];
	}
	if (set_nonblock(a->in_fd) || set_nonblock(a->out_fd) ||
	    (a->err_fd >= 0 && set_nonblock(a->err_fd))) {
		agent_fail(a, "CMD's stdio: non-blocking mode: %s", strerror(errno));
		return -1;
	}
	return 0;
fail:
	close_pair(rep);
	close_pair(in);
	close_pair(out);
	close_pair(err);
	if (master >= 0)
		close(master);
	return -1;
}
