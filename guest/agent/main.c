// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmm-agent's sequence (agent.h): early mounts, the optional module loader,
 * /dev/hvc0 in raw mode, HELLO, SPEC, the new root, CMD, the relay, EXIT,
 * power-off. Kept apart from the pieces so the order reads top to bottom:
 * it is the contract of /tmp/cmd-design.md's "Agent, in order".
 *
 * Failures before hvc0 is usable can only go to /dev/console (the serial:
 * vmm shows its last lines when the guest ends without EXIT); after that
 * they become EXIT CMD_SETUP with the same one line.
 */
#include "guest/agent/agent.h"
#include "guest/agent/exitmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MODLOAD "/bin/vmm-modload"
#define HVC "/dev/hvc0"
#define HVC_WAIT_MS 10000

static void console(const char *line)
{
	dprintf(STDERR_FILENO, "vmm-agent: %s\n", line);
}

void agent_fail(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return; /* the first cause is the one worth a line */
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	a->failed = true;
	console(a->why);
}

void agent_poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Only a kernel without power-off gets here; PID 1 must not return. */
	for (;;)
		pause();
}

void agent_finish(struct agent *a, enum cmd_exit_how how, uint8_t value, const char *msg)
{
	uint8_t payload[AGENT_EXIT_PAYLOAD_MAX];
	size_t len = agent_exit_payload(payload, how, value, msg);

	/* vmm ends the VM as soon as it reads EXIT: what CMD wrote to a
	 * --rwdir must have reached the host before that. */
	sync();
	agent_flush_blocking(a);
	if (agent_send(a, CMD_EXIT, payload, len))
		agent_flush_blocking(a);
	tcdrain(a->hvc);
	agent_poweroff();
}

/* Run /bin/vmm-modload when the image has one: a failure is recorded and
 * reported once hvc0 works (if it ever does: the loader may be what was
 * meant to bring it). */
static void modload(struct agent *a)
{
	char line[CMD_EXIT_MSG_MAX] = "";
	size_t got = 0;
	int fds[2], status;
	pid_t pid;

	if (access(MODLOAD, X_OK))
		return;
	if (pipe2(fds, O_CLOEXEC)) {
		agent_fail(a, "%s: pipe: %s", MODLOAD, strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		agent_fail(a, "%s: fork: %s", MODLOAD, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		char *argv[] = { "vmm-modload", NULL };
		char *envp[] = { "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL };

		agent_child_signals();
		dup2(fds[1], STDERR_FILENO);
		execve(MODLOAD, argv, envp);
		dprintf(STDERR_FILENO, "%s: %s\n", MODLOAD, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[256];
		ssize_t n = read(fds[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep the first line; the rest goes to the console. */
		if (got < sizeof(line) - 1) {
			size_t take = (size_t)n < sizeof(line) - 1 - got ? (size_t)n :
									  sizeof(line) - 1 - got;
			memcpy(line + got, buf, take);
			got += take;
		}
		if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
			/* the console is best effort */
		}
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	line[strcspn(line, "\n")] = 0;
	if (line[0])
		agent_fail(a, "%s", line);
	else if (WIFSIGNALED(status))
		agent_fail(a, "%s: killed by signal %d", MODLOAD, WTERMSIG(status));
	else
		agent_fail(a, "%s: exit status %d", MODLOAD, WEXITSTATUS(status));
}

static int open_hvc(void)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	int waited, fd = -1;

	for (waited = 0; waited <= HVC_WAIT_MS; waited += 50) {
		fd = open(HVC, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		nanosleep(&step, NULL);
	}
	dprintf(STDERR_FILENO,
		"vmm-agent: %s: %s after %d s (does the kernel have CONFIG_VIRTIO_CONSOLE?)\n",
		HVC, strerror(errno), HVC_WAIT_MS / 1000);
	return -1;
}

static int raw_mode(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSANOW, &t);
}

/* fds 0-2 must be taken (by the console, or /dev/null), or a pipe could
 * land on them and be overwritten when CMD's stdio is set up. */
static void hold_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	if (fd > STDERR_FILENO)
		close(fd);
}

int main(void)
{
	static struct agent a;
	uint8_t hello[4] = { CMD_PROTO_VERSION, 0, 0, 0 };
	sigset_t chld;
	uint8_t value;
	enum cmd_exit_how how;

	a.hvc = a.sigfd = a.in_fd = a.out_fd = a.err_fd = -1;
	cmd_decoder_init(&a.dec);
	/* A write to a pipe whose reader is gone is an error to handle, not
	 * the agent's death. CMD gets the default back (agent_child_signals). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	if (agent_mount_early())
		agent_poweroff();
	hold_std_fds();
	a.sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (a.sigfd < 0 || byteq_init(&a.to_host, AGENT_HOST_CAP) ||
	    byteq_init(&a.to_cmd, AGENT_STDIN_CAP)) {
		console("start-up: out of resources");
		agent_poweroff();
	}
	modload(&a);
	a.hvc = open_hvc();
	if (a.hvc < 0)
		agent_poweroff();
	if (raw_mode(a.hvc)) {
		dprintf(STDERR_FILENO, "vmm-agent: %s: raw mode: %s\n", HVC, strerror(errno));
		agent_poweroff();
	}
	agent_send(&a, CMD_HELLO, hello, sizeof(hello));
	if (agent_flush_blocking(&a)) {
		dprintf(STDERR_FILENO, "vmm-agent: %s: HELLO: %s\n", HVC, strerror(errno));
		agent_poweroff();
	}
	if (fcntl(a.hvc, F_SETFL, O_NONBLOCK))
		agent_fail(&a, "%s: non-blocking mode: %s", HVC, strerror(errno));
	if (a.failed || agent_wait_spec(&a) || agent_setup_root(&a) || agent_spawn(&a))
		agent_finish(&a, CMD_SETUP, 0, a.why);
	agent_relay(&a);
	if (a.failed)
		agent_finish(&a, CMD_SETUP, 0, a.why);
	how = agent_exit_from_wait(a.wstatus, &value);
	agent_finish(&a, how, value, NULL);
}
