// SPDX-License-Identifier: GPL-2.0-only
/* vmm list/stop/kill/pause/resume/info NAME/console: clients of VM sockets. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "status.h"
#include "vmm/client.h"
#include "vmm/console.h"
#include "vmm/opts.h"
#include "vmm/runtime.h"

#define REPLY_MAX 65536
#define CONNECT_WAIT_MS 1000 /* how long a command waits for a starting VM's socket */

/*
 * Connect to VM name's socket. Returns the fd, or -VMM_NO_VM when it is not
 * running, or -VMM_BUSY while it is starting: its vmm holds the name's lock
 * but has not bound the socket yet (or is ending and has removed it). That
 * is waited out for up to wait_ms first. A message says which, unless quiet.
 */
static int vm_connect(const char *dir, const char *name, unsigned int wait_ms, bool quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *why = rt_name_valid(name);
	unsigned int waited = 0;
	char path[4096];
	pid_t pid;
	int fd, e;

	if (why) {
		log_error("%s: not a valid VM name (%s)", name, why);
		return -VMM_ERR_USAGE;
	}
	for (;;) {
		pid = rt_probe(dir, name);
		if (pid == 0 || rt_path(path, sizeof(path), dir, name, "sock") ||
		    strlen(path) >= sizeof(sa.sun_path)) {
			if (!quiet)
				log_error("vm %s: not running (see vmm list)", name);
			return -VMM_NO_VM;
		}
		strcpy(sa.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		e = errno;
		if (fd >= 0)
			close(fd);
		if (fd >= 0 && e != ENOENT && e != ECONNREFUSED) {
			if (!quiet) {
				errno = e;
				log_errno("vm %s: %s", name, path);
			}
			return -VMM_NO_VM;
		}
		if (fd < 0 || waited >= wait_ms)
			break;
		usleep(50000);
		waited += 50;
	}
	if (fd < 0) {
		if (!quiet)
			log_errno("vm %s: socket", name);
		return -VMM_ERR_INTERNAL;
	}
	if (!quiet) {
		if (pid > 0)
			log_error("vm %s: starting (pid %ld), its control socket not ready yet; try "
				  "again", name, (long)pid);
		else
			log_error("vm %s: starting, its control socket not ready yet; try again",
				  name);
	}
	return -VMM_BUSY;
}

/* Send one command on fd, read the one-line reply into buf. Returns 0 or a status. */
static int exchange(int fd, const char *name, const char *cmd, char *buf, size_t len,
		    int *keep_fd)
{
	size_t got = 0;
	char line[64];

	snprintf(line, sizeof(line), "%s\n", cmd);
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		log_errno("vm %s: sending %s", name, cmd);
		close(fd);
		return VMM_NO_VM;
	}
	/* Read up to the newline only: after it, a console stream may follow. */
	while (got < len - 1) {
		ssize_t n = recv(fd, buf + got, 1, 0);

		if (n <= 0)
			break;
		if (buf[got++] == '\n')
			break;
	}
	buf[got] = '\0';
	if (keep_fd)
		*keep_fd = fd;
	else
		close(fd);
	if (!got) {
		log_error("vm %s: no answer to %s (it may have just ended)", name, cmd);
		return VMM_NO_VM;
	}
	return 0;
}

/* Connect (waiting for a starting VM) and exchange. Returns 0 or a status. */
static int request(const char *dir, const char *name, const char *cmd, char *buf, size_t len,
		   int *keep_fd)
{
	int fd = vm_connect(dir, name, CONNECT_WAIT_MS, false);

	if (fd < 0)
		return -fd;
	return exchange(fd, name, cmd, buf, len, keep_fd);
}

/* Output that did not reach stdout (a full disk, a closed pipe) is a failure. */
static int flush_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		log_errno("standard output");
		return status ? status : VMM_ERR_INTERNAL;
	}
	return status;
}

/* The "error" of a {"ok": false, ...} reply, or NULL when ok. */
static const char *reply_error(const char *reply, char *buf, size_t len)
{
	const char *e;
	size_t n = 0;

	if (strstr(reply, "\"ok\": true"))
		return NULL;
	e = strstr(reply, "\"error\": \"");
	if (!e)
		return "malformed reply";
	for (e += 10; *e && *e != '"' && n < len - 1; e++)
		buf[n++] = *e;
	buf[n] = '\0';
	return buf;
}

/* --- human output of our own JSON -------------------------------------- */

struct flat {
	const char *p;
	char *out;
	size_t len, used;
};

static void put(struct flat *f, const char *s, size_t n)
{
	if (f->used + n < f->len) {
		memcpy(f->out + f->used, s, n);
		f->used += n;
		f->out[f->used] = '\0';
	}
}

static void skip_ws(struct flat *f)
{
	while (*f->p == ' ' || *f->p == '\n' || *f->p == '\t' || *f->p == '\r')
		f->p++;
}

/* A JSON string at f->p into buf (escapes kept simple: \" \\ \n \t \uXXXX as '?'). */
static int read_string(struct flat *f, char *buf, size_t len)
{
	size_t n = 0;

	if (*f->p++ != '"')
		return -1;
	while (*f->p && *f->p != '"') {
		char c = *f->p++;

		if (c == '\\') {
			c = *f->p++;
			if (c == 'n')
				c = ' ';
			else if (c == 't')
				c = ' ';
			else if (c == 'u') {
				c = '?';
				f->p += strnlen(f->p, 4) < 4 ? strnlen(f->p, 4) : 4;
			} else if (!c) {
				return -1;
			}
		}
		if (n < len - 1)
			buf[n++] = c;
	}
	if (*f->p++ != '"')
		return -1;
	buf[n] = '\0';
	return 0;
}

static int flatten_value(struct flat *f, const char *key, int depth);

static int flatten_members(struct flat *f, const char *prefix, bool array, int depth)
{
	char close = array ? ']' : '}';
	unsigned int index = 0;

	f->p++;
	skip_ws(f);
	if (*f->p == close) {
		f->p++;
		return 0;
	}
	for (;;) {
		char name[128], key[512];

		skip_ws(f);
		if (array) {
			snprintf(name, sizeof(name), "%u", index++);
		} else {
			if (read_string(f, name, sizeof(name)))
				return -1;
			skip_ws(f);
			if (*f->p++ != ':')
				return -1;
		}
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", name);
		if (flatten_value(f, key, depth + 1))
			return -1;
		skip_ws(f);
		if (*f->p == ',') {
			f->p++;
			continue;
		}
		if (*f->p++ != close)
			return -1;
		return 0;
	}
}

static int flatten_value(struct flat *f, const char *key, int depth)
{
	char buf[4096];
	const char *start;

	if (depth > 16)
		return -1;
	skip_ws(f);
	if (*f->p == '{' || *f->p == '[')
		return flatten_members(f, key, *f->p == '[', depth);
	put(f, key, strlen(key));
	put(f, ": ", 2);
	if (*f->p == '"') {
		if (read_string(f, buf, sizeof(buf)))
			return -1;
		put(f, buf, strlen(buf));
	} else {
		start = f->p;
		while (*f->p && *f->p != ',' && *f->p != '}' && *f->p != ']' && *f->p != ' ')
			f->p++;
		if (f->p == start)
			return -1;
		put(f, start, (size_t)(f->p - start));
	}
	put(f, "\n", 1);
	return 0;
}

int client_flatten_json(const char *json, char *out, size_t len)
{
	struct flat f = { .p = json, .out = out, .len = len };

	out[0] = '\0';
	skip_ws(&f);
	if (*f.p != '{')
		return -1;
	return flatten_members(&f, "", false, 0);
}

/* --- the commands ------------------------------------------------------- */

/* What each command takes, for its --help and its errors. */
static const struct {
	const char *cmd, *args, *what;
} usages[] = {
	{ "list", "[--json]", "The running VMs: name, state, pid, uptime; --json: a JSON array." },
	{ "stop", "[--timeout SECONDS] NAME",
	  "Press the VM's power button; kill it after SECONDS (default 30; status 8)." },
	{ "kill", "NAME", "End the VM now (its vmm exits with status 10)." },
	{ "pause", "NAME", "Stop every vCPU of the VM." },
	{ "resume", "NAME", "Start the vCPUs of a paused VM again." },
	{ "console", "NAME", "Attach to a --detach'ed VM's console; Ctrl-A x detaches." },
};

static unsigned int usage_of(const char *cmd)
{
	unsigned int i;

	for (i = 0; i < sizeof(usages) / sizeof(usages[0]) - 1; i++)
		if (!strcmp(usages[i].cmd, cmd))
			break;
	return i;
}

/*
 * The arguments of a client command (argv[0] is the command): its options,
 * anywhere, and a VM name when want_name. Returns 0, -1 after printing the
 * usage for --help (exit 0), or VMM_ERR_USAGE after one line.
 */
static int client_args(int argc, char **argv, bool want_name, const char **name, bool *json,
		       unsigned long *timeout)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	unsigned int u = usage_of(cmd);
	/* Only the options this command has: stop --timeout, list --json. */
	const struct option *mine = timeout ? opts : json ? opts + 1 : opts + 2;
	struct option own[3];
	int c;

	memset(own, 0, sizeof(own));
	own[0] = mine[0];
	if (mine != opts + 2)
		own[1] = opts[2];
	optind = 0;
	opterr = 0;
	while ((c = opts_next(argc, argv, ":h", own, cmd)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: vmm %s %s\n\n%s\nSee vmm(1).\n", cmd, usages[u].args,
			       usages[u].what);
			return -1;
		case 'j':
			*json = true;
			break;
		case 't':
			if (opts_uint(optarg, 0, 100000000, timeout)) {
				log_error("--timeout %s: expected a number of seconds", optarg);
				return VMM_ERR_USAGE;
			}
			break;
		default:
			return VMM_ERR_USAGE;
		}
	}
	if (want_name && optind == argc) {
		log_error("%s: expected a VM name: vmm %s %s", cmd, cmd, usages[u].args);
		return VMM_ERR_USAGE;
	}
	if (want_name)
		*name = argv[optind++];
	if (optind < argc) {
		log_error("%s: unexpected argument (see vmm %s --help)", argv[optind], cmd);
		return VMM_ERR_USAGE;
	}
	return 0;
}

int client_info(const char *name, bool json)
{
	char dir[4096], err[256], *reply = malloc(REPLY_MAX), *text;
	const char *e;
	int r;

	if (!reply)
		return VMM_ERR_INTERNAL;
	r = rt_dir(dir, sizeof(dir));
	if (!r)
		r = request(dir, name, "info", reply, REPLY_MAX, NULL);
	if (!r && (e = reply_error(reply, err, sizeof(err)))) {
		log_error("vm %s: %s", name, e);
		r = VMM_ERR_INTERNAL;
	}
	if (!r && json) {
		fputs(reply, stdout);
	} else if (!r) {
		text = malloc(REPLY_MAX);
		if (text && !client_flatten_json(reply, text, REPLY_MAX))
			fputs(text, stdout);
		free(text);
	}
	free(reply);
	return r ? r : flush_stdout(0);
}

int client_simple_main(int argc, char **argv)
{
	char dir[4096], reply[512], err[256];
	const char *name, *e;
	int r = client_args(argc, argv, true, &name, NULL, NULL);

	if (r < 0)
		return 0;
	if (!r)
		r = rt_dir(dir, sizeof(dir));
	if (!r)
		r = request(dir, name, argv[0], reply, sizeof(reply), NULL);
	if (r)
		return r;
	e = reply_error(reply, err, sizeof(err));
	if (e) {
		log_error("vm %s: %s: %s", name, argv[0], e);
		return VMM_ERR_INTERNAL;
	}
	/* kill: wait until it is gone, so a script's next command sees that. */
	if (!strcmp(argv[0], "kill"))
		while (rt_probe(dir, name) > 0)
			usleep(20000);
	return 0;
}

int client_stop_main(int argc, char **argv)
{
	char dir[4096], reply[512], err[256];
	const char *name, *e;
	unsigned long timeout = 30;
	struct timespec t0, t;
	int r;

	r = client_args(argc, argv, true, &name, NULL, &timeout);
	if (r)
		return r < 0 ? 0 : r;
	r = rt_dir(dir, sizeof(dir));
	if (!r)
		r = request(dir, name, "stop", reply, sizeof(reply), NULL);
	if (r)
		return r;
	e = reply_error(reply, err, sizeof(err));
	if (e) {
		log_error("vm %s: stop: %s", name, e);
		return VMM_ERR_INTERNAL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (rt_probe(dir, name) <= 0)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((unsigned long)(t.tv_sec - t0.tv_sec) >= timeout)
			break;
		usleep(50000);
	}
	log_error("vm %s: did not power off within %lu s; killing it", name, timeout);
	if (request(dir, name, "kill", reply, sizeof(reply), NULL) == 0)
		while (rt_probe(dir, name) > 0)
			usleep(20000);
	return VMM_TIMEOUT;
}

struct list_ctx {
	const char *dir;
	bool json;
	unsigned int n;
};

static void list_one(const char *name, void *arg)
{
	struct list_ctx *l = arg;
	char *reply = malloc(REPLY_MAX), *text;
	int fd;

	if (!reply)
		return;
	/* A name whose vmm died is cleaned by rt_probe() and not listed. */
	fd = vm_connect(l->dir, name, 0, true);
	if (fd == -VMM_BUSY) {
		/* Its lock is held, its socket not bound yet: listed as starting. */
		pid_t pid = rt_probe(l->dir, name);

		if (l->json)
			printf("%s{\"ok\": true, \"name\": \"%s\", \"pid\": %ld, \"state\": "
			       "\"starting\", \"uptime_s\": null}", l->n ? ",\n  " : "\n  ", name,
			       (long)(pid > 0 ? pid : 0));
		else if (pid > 0)
			printf("%-20s %-8s %-8ld %s\n", name, "starting", (long)pid, "-");
		else
			printf("%-20s %-8s %-8s %s\n", name, "starting", "?", "-");
		l->n++;
	} else if (fd >= 0 && exchange(fd, name, "info", reply, REPLY_MAX, NULL) == 0 &&
		   strstr(reply, "\"ok\": true")) {
		reply[strcspn(reply, "\n")] = '\0';
		if (l->json) {
			printf("%s%s", l->n ? ",\n  " : "\n  ", reply);
		} else {
			text = malloc(REPLY_MAX);
			if (text && !client_flatten_json(reply, text, REPLY_MAX)) {
				const char *state = strstr(text, "\nstate: ");
				const char *pid = strstr(text, "\npid: ");
				const char *up = strstr(text, "\nuptime_s: ");

				printf("%-20s %-8.*s %-8.*s %.*s\n", name,
				       state ? (int)strcspn(state + 8, "\n") : 1, state ? state + 8 : "?",
				       pid ? (int)strcspn(pid + 6, "\n") : 1, pid ? pid + 6 : "?",
				       up ? (int)strcspn(up + 11, "\n") : 1, up ? up + 11 : "?");
			}
			free(text);
		}
		l->n++;
	}
	free(reply);
}

int client_list_main(int argc, char **argv)
{
	struct list_ctx l = { .json = false };
	char dir[4096];
	int r;

	r = client_args(argc, argv, false, NULL, &l.json, NULL);
	if (r)
		return r < 0 ? 0 : r;
	r = rt_dir(dir, sizeof(dir));
	if (r)
		return r;
	l.dir = dir;
	if (l.json)
		printf("[");
	else
		printf("%-20s %-8s %-8s %s\n", "NAME", "STATE", "PID", "UPTIME_S");
	rt_list(dir, list_one, &l);
	if (l.json)
		printf("%s]\n", l.n ? "\n" : "");
	return flush_stdout(0);
}

int client_console_main(int argc, char **argv)
{
	char dir[4096], reply[512], err[256];
	const char *name, *e;
	bool raw, in_open = true;
	struct console_esc esc = { 0 };
	int fd = -1, r = client_args(argc, argv, true, &name, NULL, NULL);
	char cmd[64] = "console";
	struct winsize ws;
	sigset_t winch;
	int wfd;

	if (r < 0)
		return 0;
	/* Our terminal's size, for a virtio console (hvc0 follows it). */
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		snprintf(cmd, sizeof(cmd), "console %u %u", ws.ws_col, ws.ws_row);
	if (!r)
		r = rt_dir(dir, sizeof(dir));
	if (!r)
		r = request(dir, name, cmd, reply, sizeof(reply), &fd);
	if (r)
		return r;
	e = reply_error(reply, err, sizeof(err));
	if (e) {
		close(fd);
		log_error("vm %s: console: %s", name, e);
		if (strstr(e, "already attached"))
			return VMM_BUSY;
		/* Started without a console socket: what was asked cannot be. */
		return strstr(e, "console is") ? VMM_ERR_USAGE : VMM_ERR_INTERNAL;
	}
	raw = console_setup();
	if (raw)
		fprintf(stderr, "vmm: attached to %s; Ctrl-A x detaches\r\n", name);
	/* Resizing our terminal resizes the guest's (hvc0): SIGWINCH, then "resize". */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, NULL);
	wfd = signalfd(-1, &winch, SFD_CLOEXEC);
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = wfd, .events = POLLIN },
		};
		uint8_t buf[4096], out[8192];
		enum console_action act;
		size_t used, n_out;
		ssize_t n;

		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			break;
		if (pfd[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(wfd, &si, sizeof(si)) == sizeof(si) &&
			    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
				char rcmd[64], rreply[128];

				/* A second connection: this one is a byte stream now. */
				snprintf(rcmd, sizeof(rcmd), "resize %u %u", ws.ws_col, ws.ws_row);
				request(dir, name, rcmd, rreply, sizeof(rreply), NULL);
			}
		}
		if (pfd[0].revents) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0) {
				console_restore();
				fprintf(stderr, "\nvmm: %s ended\n", name);
				close(fd);
				if (wfd >= 0)
					close(wfd);
				return 0;
			}
			console_write(buf, (size_t)n);
		}
		if (pfd[1].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false; /* a pipe ran dry: keep showing output */
				continue;
			}
			if (!raw) {
				if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
					break;
				continue;
			}
			n_out = console_escape(&esc, buf, (size_t)n, out, &used, &act);
			if (n_out && send(fd, out, n_out, MSG_NOSIGNAL) < 0)
				break;
			if (act == CONSOLE_QUIT)
				break;
		}
	}
	close(fd);
	if (wfd >= 0)
		close(wfd);
	console_restore();
	fprintf(stderr, "\nvmm: detached from %s; it keeps running\n", name);
	return 0;
}
