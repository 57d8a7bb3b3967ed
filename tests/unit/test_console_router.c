// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the console router (vmm/console_router.c). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"
#include "vmm/console_router.h"

#define ESC CONSOLE_ESC

/* A sink: a non-blocking socket pair, the router writing to w, the test reading r. */
struct sink {
	int w, r;
};

static void sink_open(struct sink *s)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	s->w = sv[0];
	s->r = sv[1];
}

/* What arrived at s so far, NUL-terminated. */
static const char *sink_read(struct sink *s, char *buf, size_t len)
{
	ssize_t n = recv(s->r, buf, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void out(struct console_router *r, const char *s)
{
	console_router_write(r, (const uint8_t *)s, strlen(s));
}

static void test_log_and_terminal(void **state)
{
	struct console_router r;
	struct sink term, log;
	char buf[64];

	(void)state;
	sink_open(&term);
	sink_open(&log);
	console_router_init(&r);
	out(&r, "nowhere"); /* no sink at all: dropped, no crash */
	console_router_set_term(&r, term.w);
	console_router_set_log(&r, log.w);
	out(&r, "boot\r\n");
	assert_string_equal(sink_read(&term, buf, sizeof(buf)), "boot\r\n");
	assert_string_equal(sink_read(&log, buf, sizeof(buf)), "boot\r\n");
	console_router_destroy(&r); /* closes the log: its reader sees EOF */
	assert_int_equal(recv(log.r, buf, sizeof(buf), 0), 0);
	close(log.r);
	close(term.w);
	close(term.r);
}

/* The primary sink: client, else connected pty, else terminal; the log always. */
static void test_fan_out_precedence(void **state)
{
	struct console_router r;
	struct sink term, log, pty, cl;
	char buf[64];

	(void)state;
	sink_open(&term);
	sink_open(&log);
	sink_open(&pty);
	sink_open(&cl);
	console_router_init(&r);
	console_router_set_term(&r, term.w);
	console_router_set_log(&r, log.w);
	console_router_set_pty(&r, pty.w);

	out(&r, "a");  /* pty not connected: the terminal */
	console_router_pty_connected(&r, true);
	out(&r, "b");  /* the pty */
	assert_true(console_router_attach_client(&r, cl.w));
	assert_true(console_router_attached(&r));
	out(&r, "c");  /* the client */
	assert_true(console_router_detach_client(&r));
	assert_false(console_router_attached(&r));
	assert_false(console_router_detach_client(&r));
	out(&r, "d");  /* back to the pty */
	console_router_pty_connected(&r, false);
	out(&r, "e");  /* the terminal */

	assert_string_equal(sink_read(&log, buf, sizeof(buf)), "abcde");
	assert_string_equal(sink_read(&term, buf, sizeof(buf)), "ae");
	assert_string_equal(sink_read(&pty, buf, sizeof(buf)), "bd");
	assert_string_equal(sink_read(&cl, buf, sizeof(buf)), "c");
	/* The router closed the client's end when it detached. */
	assert_int_equal(recv(cl.r, buf, sizeof(buf), 0), 0);
	console_router_destroy(&r);
	close(cl.r);
	close(log.r);
	close(term.w);
	close(term.r);
	close(pty.w);
	close(pty.r);
}

static void test_second_client_refused(void **state)
{
	struct console_router r;
	struct sink a, b;
	char buf[16];

	(void)state;
	sink_open(&a);
	sink_open(&b);
	console_router_init(&r);
	assert_true(console_router_attach_client(&r, a.w));
	assert_false(console_router_attach_client(&r, b.w));
	out(&r, "x");
	assert_string_equal(sink_read(&a, buf, sizeof(buf)), "x");
	assert_string_equal(sink_read(&b, buf, sizeof(buf)), "");
	console_router_destroy(&r); /* closes a.w, not b.w */
	assert_true(fcntl(b.w, F_GETFD) >= 0);
	close(a.r);
	close(b.w);
	close(b.r);
}

/* A sink that fails loses the bytes; the others still get them. */
static void test_failing_sinks(void **state)
{
	struct console_router r;
	struct sink log, cl;
	char buf[64], big[4096];
	int pipefd[2];
	size_t total = 0;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	sink_open(&log);
	sink_open(&cl);
	assert_int_equal(pipe(pipefd), 0);
	console_router_init(&r);
	console_router_set_log(&r, log.w);
	console_router_set_term(&r, pipefd[1]);
	close(pipefd[0]); /* the terminal's reader is gone: EPIPE */
	out(&r, "one");
	assert_string_equal(sink_read(&log, buf, sizeof(buf)), "one");

	/* A client that left: its bytes are dropped, the log has them. */
	assert_true(console_router_attach_client(&r, cl.w));
	close(cl.r);
	out(&r, "two");
	assert_string_equal(sink_read(&log, buf, sizeof(buf)), "two");

	/* A client that does not read: the writer never blocks, the log gets all. */
	console_router_detach_client(&r);
	sink_open(&cl);
	assert_true(console_router_attach_client(&r, cl.w));
	memset(big, 'z', sizeof(big));
	for (int i = 0; i < 256; i++)
		console_router_write(&r, (const uint8_t *)big, sizeof(big));
	for (;;) {
		ssize_t n = recv(log.r, big, sizeof(big), MSG_DONTWAIT);

		if (n <= 0)
			break;
		total += (size_t)n;
	}
	/* The log is a socket too here; it has what its buffer holds, at least. */
	assert_true(total > 0);
	console_router_destroy(&r);
	close(cl.r);
	close(log.r);
	close(pipefd[1]);
}

struct writer {
	struct console_router *r;
	atomic_bool stop;
	unsigned long writes;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	while (!atomic_load(&w->stop)) {
		out(w->r, "guest output\r\n");
		w->writes++;
	}
	return NULL;
}

/*
 * Issue #11 defect 4: a detach while a vCPU writes must not let the output
 * land on whatever reuses the client's fd number next (the next control
 * connection). Before the router, the writer loaded the fd, the main
 * thread closed it, a new connection got the same number, and the write
 * went there.
 */
static void test_detach_while_writing(void **state)
{
	struct console_router r;
	struct writer w = { .r = &r };
	unsigned int round, reused = 0;
	pthread_t tid;

	(void)state;
	console_router_init(&r);
	assert_int_equal(pthread_create(&tid, NULL, writer_main, &w), 0);
	for (round = 0; round < 500; round++) {
		struct sink cl, next;
		char buf[256];
		int fd;

		sink_open(&cl);
		fd = cl.w;
		assert_true(console_router_attach_client(&r, cl.w));
		usleep(round % 7 == 0 ? 50 : 0);
		assert_true(console_router_detach_client(&r));
		/* The next accepted connection: the lowest free number, the client's. */
		sink_open(&next);
		reused += next.w == fd || next.r == fd;
		/* Give a stale writer every chance to write, then look. */
		for (int i = 0; i < 3; i++)
			sched_yield();
		{
			int peer = next.w == fd ? next.r : next.w;

			if (next.w == fd || next.r == fd)
				assert_string_equal(sink_read(&(struct sink){ .r = peer }, buf,
							      sizeof(buf)),
						    "");
		}
		close(next.w);
		close(next.r);
		close(cl.r);
	}
	atomic_store(&w.stop, true);
	pthread_join(tid, NULL);
	assert_true(w.writes > 0);
	assert_true(reused > 0); /* the test did exercise fd reuse */
	console_router_destroy(&r);
}

/* Input: the escape on the raw terminal only, the state across reads. */
static void test_input_escapes(void **state)
{
	struct console_router r;
	enum console_action act;
	uint8_t o[32];
	size_t used, n;

	(void)state;
	console_router_init(&r);
	r.escapes = true;
	n = console_router_input(&r, STDIN_FILENO, (const uint8_t[]){ 'a', ESC }, 2, o, &used,
				 &act);
	assert_int_equal(n, 1);
	assert_int_equal(used, 2);
	assert_int_equal(act, CONSOLE_NONE);
	/* The escape's second key comes in the next read. */
	n = console_router_input(&r, STDIN_FILENO, (const uint8_t[]){ 'x', 'b' }, 2, o, &used,
				 &act);
	assert_int_equal(act, CONSOLE_QUIT);
	assert_int_equal(used, 1);
	assert_int_equal(n, 0);

	n = console_router_input(&r, STDIN_FILENO, (const uint8_t[]){ ESC }, 1, o, &used, &act);
	assert_int_equal(n, 0);
	n = console_router_input(&r, STDIN_FILENO, (const uint8_t[]){ ESC }, 1, o, &used, &act);
	assert_int_equal(n, 1);
	assert_int_equal(o[0], ESC);
	n = console_router_input(&r, STDIN_FILENO, (const uint8_t[]){ ESC, 'h', 'q' }, 3, o, &used,
				 &act);
	assert_int_equal(act, CONSOLE_HELP);
	assert_int_equal(used, 2);

	/* Another fd (a client, a pty): every byte passes, no escape. */
	n = console_router_input(&r, 7, (const uint8_t[]){ ESC, 'x' }, 2, o, &used, &act);
	assert_int_equal(act, CONSOLE_NONE);
	assert_int_equal(n, 2);
	assert_memory_equal(o, ((uint8_t[]){ ESC, 'x' }), 2);
	/* Not raw: stdin passes too. */
	r.escapes = false;
	n = console_router_input(&r, STDIN_FILENO, (const uint8_t[]){ ESC, 'x' }, 2, o, &used,
				 &act);
	assert_int_equal(act, CONSOLE_NONE);
	assert_int_equal(n, 2);
	console_router_destroy(&r);
}

static void test_input_fd(void **state)
{
	struct console_router r;
	struct sink cl;

	(void)state;
	sink_open(&cl);
	console_router_init(&r);
	assert_int_equal(console_router_input_fd(&r), STDIN_FILENO);
	console_router_input_ended(&r, STDIN_FILENO);
	assert_int_equal(console_router_input_fd(&r), -1);

	/* --console-pty: the pty while connected. */
	console_router_init(&r);
	console_router_set_pty(&r, 42);
	assert_int_equal(console_router_input_fd(&r), -1);
	console_router_pty_connected(&r, true);
	assert_int_equal(console_router_input_fd(&r), 42);
	console_router_input_ended(&r, 42);
	assert_int_equal(console_router_input_fd(&r), -1);
	assert_false(r.pty_connected);

	/* --detach: only a client. */
	console_router_init(&r);
	r.on_socket = true;
	assert_int_equal(console_router_input_fd(&r), -1);
	assert_true(console_router_attach_client(&r, cl.w));
	assert_int_equal(console_router_input_fd(&r), cl.w);
	console_router_input_ended(&r, cl.w); /* the client left: detached, closed */
	assert_false(console_router_attached(&r));
	assert_int_equal(console_router_input_fd(&r), -1);
	assert_true(fcntl(cl.w, F_GETFD) < 0);
	console_router_destroy(&r);
	close(cl.r);
}

/* console_write goes through the installed router, else to stdout. */
static void test_install(void **state)
{
	struct console_router r;
	struct unit_capture cap;
	struct sink log;
	char buf[32];

	(void)state;
	sink_open(&log);
	console_router_init(&r);
	console_router_set_log(&r, log.w);
	console_router_install(&r);
	unit_capture_begin(&cap, STDOUT_FILENO);
	console_write((const uint8_t *)"routed", 6);
	console_router_install(NULL);
	console_write((const uint8_t *)"plain", 5);
	assert_string_equal(unit_capture_end(&cap), "plain");
	assert_string_equal(sink_read(&log, buf, sizeof(buf)), "routed");
	console_router_destroy(&r);
	close(log.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_and_terminal),
		cmocka_unit_test(test_fan_out_precedence),
		cmocka_unit_test(test_second_client_refused),
		cmocka_unit_test(test_failing_sinks),
		cmocka_unit_test(test_detach_while_writing),
		cmocka_unit_test(test_input_escapes),
		cmocka_unit_test(test_input_fd),
		cmocka_unit_test(test_install),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
