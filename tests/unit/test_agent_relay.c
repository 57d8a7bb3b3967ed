// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the command-mode agent's relay loop (guest/agent/relay.c)
 * with a real CMD (/bin/sh) on pipes and a socketpair standing in for
 * hvc0: stdio byte-exact and kept apart, frames never above
 * CMD_PROTO_DATA_MAX, 2 MiB both ways through back-pressure, stdin's EOF, a
 * CMD that closes its stdin early, and the frames from vmm that end the
 * run (malformed, STDIN before SPEC, a guest-only type).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest/agent/agent.h"

/* main.c's, for the relay: record the cause as the agent would. */
void agent_fail(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	a->failed = true;
}

void agent_poweroff(void)
{
	fprintf(stderr, "agent_poweroff: the relay lost hvc0\n");
	abort();
}

static struct agent a;
static int host = -1; /* vmm's end of "hvc0" */

static void set_nonblock(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* The agent's state after SPEC, and CMD = sh -c script on three pipes. */
static void start(const char *script, bool have_spec)
{
	int sv[2], in[2], out[2], err[2];
	sigset_t chld;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	a.sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	assert_true(a.sigfd >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	a.hvc = sv[0];
	host = sv[1];
	set_nonblock(a.hvc);
	cmd_decoder_init(&a.dec);
	assert_int_equal(byteq_init(&a.to_host, AGENT_HOST_CAP), 0);
	assert_int_equal(byteq_init(&a.to_cmd, AGENT_STDIN_CAP), 0);
	a.have_spec = have_spec;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	a.pid = pid;
	a.in_fd = in[1];
	a.out_fd = out[0];
	a.err_fd = err[0];
	set_nonblock(a.in_fd);
	set_nonblock(a.out_fd);
	set_nonblock(a.err_fd);
}

static void finish(void)
{
	if (!a.exited) {
		kill(a.pid, SIGKILL);
		waitpid(a.pid, NULL, 0);
	}
	if (a.in_fd >= 0)
		close(a.in_fd);
	if (a.out_fd >= 0)
		close(a.out_fd);
	if (a.err_fd >= 0 && a.err_fd != a.out_fd)
		close(a.err_fd);
	close(a.sigfd);
	if (a.hvc >= 0)
		close(a.hvc);
	close(host);
	cmd_decoder_free(&a.dec);
	byteq_free(&a.to_host);
	byteq_free(&a.to_cmd);
}

/* vmm's side: a thread writing STDIN, a thread reading what comes back. */
struct sent {
	const uint8_t *data;
	size_t len;
	bool eof;
	atomic_size_t written; /* STDIN bytes the "hvc0" has taken so far */
};

static void *writer(void *arg)
{
	struct sent *s = arg;
	size_t off = 0;

	while (off < s->len || s->eof) {
		size_t n = s->len - off < CMD_PROTO_DATA_MAX ? s->len - off : CMD_PROTO_DATA_MAX;
		uint8_t hdr[CMD_FRAME_HDR];

		cmd_frame_header(hdr, CMD_STDIN, n);
		if (write(host, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
		    (n && write(host, s->data + off, n) != (ssize_t)n))
			break; /* the agent went away: fine for the test's end */
		if (!n)
			break;
		off += n;
		atomic_store(&s->written, off);
	}
	return NULL;
}

struct got {
	uint8_t *out, *err;
	size_t nout, nerr, cap;
	size_t biggest;
	int other;
};

static void on_host_frame(void *ctx, enum cmd_frame_type type, const uint8_t *p, size_t len)
{
	struct got *g = ctx;
	uint8_t *dst = type == CMD_STDOUT ? g->out : g->err;
	size_t *n = type == CMD_STDOUT ? &g->nout : &g->nerr;

	if (len > g->biggest)
		g->biggest = len;
	if (type != CMD_STDOUT && type != CMD_STDERR) {
		g->other++;
		return;
	}
	if (*n + len <= g->cap)
		memcpy(dst + *n, p, len);
	*n += len;
}

static void *reader(void *arg)
{
	struct got *g = arg;
	struct cmd_decoder d;
	uint8_t buf[8192];
	ssize_t n;

	cmd_decoder_init(&d);
	while ((n = read(host, buf, sizeof(buf))) > 0)
		if (cmd_decoder_feed(&d, buf, (size_t)n, on_host_frame, g) < 0)
			g->other++;
	cmd_decoder_free(&d);
	return NULL;
}

static void got_init(struct got *g, size_t cap)
{
	memset(g, 0, sizeof(*g));
	g->cap = cap;
	g->out = malloc(cap);
	g->err = malloc(cap);
	assert_non_null(g->out);
	assert_non_null(g->err);
}

/* Run the relay against the writer and reader threads, then end the
 * "connection" so the reader sees EOF. */
static void relay_with(struct sent *s, struct got *g)
{
	pthread_t w, r;

	assert_int_equal(pthread_create(&w, NULL, writer, s), 0);
	assert_int_equal(pthread_create(&r, NULL, reader, g), 0);
	agent_relay(&a);
	assert_int_equal(agent_flush_blocking(&a), 0);
	shutdown(a.hvc, SHUT_RDWR);
	pthread_join(r, NULL);
	pthread_join(w, NULL);
}

static void test_pipes_and_status(void **state)
{
	(void)state;
	struct sent s = { (const uint8_t *)"hello world", 11, true };
	struct got g;

	got_init(&g, 4096);
	start("cat; echo to-err >&2; exit 3", true);
	relay_with(&s, &g);
	assert_false(a.failed);
	assert_true(a.exited);
	assert_true(WIFEXITED(a.wstatus));
	assert_int_equal(WEXITSTATUS(a.wstatus), 3);
	assert_int_equal(g.nout, 11);
	assert_memory_equal(g.out, "hello world", 11);
	assert_int_equal(g.nerr, 7);
	assert_memory_equal(g.err, "to-err\n", 7);
	assert_int_equal(g.other, 0);
	finish();
	free(g.out);
	free(g.err);
}

static void test_two_mib_round_trip(void **state)
{
	(void)state;
	const size_t len = 2u << 20;
	uint8_t *data = malloc(len);
	struct sent s = { data, len, true };
	struct got g;
	size_t i;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 11));
	got_init(&g, len);
	start("cat", true);
	relay_with(&s, &g);
	assert_false(a.failed);
	assert_int_equal(WEXITSTATUS(a.wstatus), 0);
	assert_int_equal(g.nout, len);
	assert_memory_equal(g.out, data, len);
	assert_true(g.biggest <= CMD_PROTO_DATA_MAX);
	finish();
	free(data);
	free(g.out);
	free(g.err);
}

static void *sample_later(void *arg)
{
	struct sent *s = arg;
	struct timespec t = { 0, 600 * 1000 * 1000 };
	size_t *got = malloc(sizeof(*got));

	nanosleep(&t, NULL);
	*got = atomic_load(&s->written);
	return got;
}

/* CMD reads nothing for a while: the agent must stop taking STDIN once its
 * bounded queue and the pipe are full, then deliver every byte. */
static void test_back_pressure(void **state)
{
	(void)state;
	const size_t len = 8u << 20;
	uint8_t *data = calloc(1, len);
	struct sent s = { data, len, true };
	struct got g;
	pthread_t sampler;
	size_t *early;

	got_init(&g, 64);
	start("sleep 2; wc -c", true);
	assert_int_equal(pthread_create(&sampler, NULL, sample_later, &s), 0);
	relay_with(&s, &g);
	pthread_join(sampler, (void **)&early);
	/* Taken while CMD slept: the queue, the pipe and the socket's buffers,
	 * far from all 8 MiB. */
	if (*early > 2u << 20)
		fail_msg("the agent took %zu bytes of stdin while CMD read none", *early);
	assert_false(a.failed);
	g.out[g.nout < g.cap ? g.nout : g.cap - 1] = 0;
	assert_int_equal(strtoul((char *)g.out, NULL, 10), len);
	free(early);
	finish();
	free(data);
	free(g.out);
	free(g.err);
}

static void test_cmd_closes_stdin(void **state)
{
	(void)state;
	const size_t len = 1u << 20;
	uint8_t *data = calloc(1, len);
	struct sent s = { data, len, true };
	struct got g;

	got_init(&g, 4096);
	start("exec 0<&-; sleep 0.2; echo done", true);
	relay_with(&s, &g);
	assert_false(a.failed);
	assert_int_equal(WEXITSTATUS(a.wstatus), 0);
	assert_int_equal(g.nout, 5);
	assert_memory_equal(g.out, "done\n", 5);
	assert_true(a.stdin_gone);
	finish();
	free(data);
	free(g.out);
	free(g.err);
}

static void test_signal_status(void **state)
{
	(void)state;
	struct sent s = { NULL, 0, true };
	struct got g;

	got_init(&g, 64);
	start("kill -TERM $$", true);
	relay_with(&s, &g);
	assert_true(WIFSIGNALED(a.wstatus));
	assert_int_equal(WTERMSIG(a.wstatus), SIGTERM);
	finish();
	free(g.out);
	free(g.err);
}

/* Raw bytes from "vmm", then the relay must stop with why. */
static void expect_failure(const void *bytes, size_t len, bool have_spec, const char *why)
{
	start("sleep 10", have_spec);
	assert_int_equal(write(host, bytes, len), (ssize_t)len);
	agent_relay(&a);
	assert_true(a.failed);
	if (!strstr(a.why, why))
		fail_msg("why '%s', want '%s'", a.why, why);
	finish();
}

static void test_bad_streams(void **state)
{
	(void)state;
	uint8_t f[16] = { 0 };

	/* An unknown type: the decoder's own reason. */
	cmd_frame_header(f, CMD_STDIN, 0);
	f[4] = 99;
	expect_failure(f, CMD_FRAME_HDR, true, "unknown frame type 99");
	/* Too long. */
	memcpy(f, "\xff\xff\xff\x7f", 4);
	f[4] = CMD_STDIN;
	expect_failure(f, CMD_FRAME_HDR, true, "more than");
	/* A frame only the guest sends. */
	cmd_frame_header(f, CMD_STDOUT, 1);
	f[8] = 'x';
	expect_failure(f, CMD_FRAME_HDR + 1, true, "only the guest sends");
	/* STDIN before SPEC. */
	cmd_frame_header(f, CMD_STDIN, 1);
	expect_failure(f, CMD_FRAME_HDR + 1, false, "STDIN before SPEC");
	/* A second SPEC. */
	cmd_frame_header(f, CMD_SPEC, 6);
	memcpy(f + 8, "arg=x", 6);
	expect_failure(f, CMD_FRAME_HDR + 6, true, "second SPEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipes_and_status),
		cmocka_unit_test(test_two_mib_round_trip),
		cmocka_unit_test(test_back_pressure),
		cmocka_unit_test(test_cmd_closes_stdin),
		cmocka_unit_test(test_signal_status),
		cmocka_unit_test(test_bad_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
