// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the control socket's protocol (vmm/ctl_proto.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/ctl_proto.h"

static void parse(const char *line, struct ctl_req *req)
{
	memset(req, 0xa5, sizeof(*req));
	ctl_parse(line, req);
}

static void test_plain_requests(void **state)
{
	static const struct {
		const char *line;
		enum ctl_req_kind kind;
	} cases[] = {
		{ "info", CTL_REQ_INFO },   { "pause", CTL_REQ_PAUSE }, { "resume", CTL_REQ_RESUME },
		{ "stop", CTL_REQ_STOP },   { "kill", CTL_REQ_KILL },
	};
	struct ctl_req req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(cases[i].line, &req);
		assert_int_equal(req.kind, cases[i].kind);
		assert_false(req.has_size);
	}
}

static void test_resize(void **state)
{
	struct ctl_req req;

	(void)state;
	parse("resize 132 43", &req);
	assert_int_equal(req.kind, CTL_REQ_RESIZE);
	assert_true(req.has_size);
	assert_int_equal(req.cols, 132);
	assert_int_equal(req.rows, 43);

	/* Acknowledged without a size: the terminal's size is not applied. */
	parse("resize 80", &req);
	assert_int_equal(req.kind, CTL_REQ_RESIZE);
	assert_false(req.has_size);
	parse("resize x y", &req);
	assert_int_equal(req.kind, CTL_REQ_RESIZE);
	assert_false(req.has_size);

	/* "resize" alone is no resize request. */
	parse("resize", &req);
	assert_int_equal(req.kind, CTL_REQ_UNKNOWN);
}

static void test_console(void **state)
{
	struct ctl_req req;

	(void)state;
	parse("console", &req);
	assert_int_equal(req.kind, CTL_REQ_CONSOLE);
	assert_false(req.has_size);
	parse("console 100 30", &req);
	assert_int_equal(req.kind, CTL_REQ_CONSOLE);
	assert_true(req.has_size);
	assert_int_equal(req.cols, 100);
	assert_int_equal(req.rows, 30);
	parse("console 100", &req);
	assert_int_equal(req.kind, CTL_REQ_CONSOLE);
	assert_false(req.has_size);
	parse("consoles", &req);
	assert_int_equal(req.kind, CTL_REQ_UNKNOWN);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "INFO", "info ", " info", "info\r", "pausex", "kil", "stop now", "help",
		"resize\t1 2", "\x01\xff",
	};
	struct ctl_req req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i], &req);
		assert_int_equal(req.kind, CTL_REQ_UNKNOWN);
		assert_false(req.has_size);
	}
}

/* Copy s into the line buffer as recv would, and feed it. */
static enum ctl_line_state feed(struct ctl_line *l, const char *s, char **line)
{
	size_t room, n = strlen(s);
	char *p = ctl_line_room(l, &room);

	assert_true(n <= room);
	memcpy(p, s, n);
	return ctl_line_received(l, n, line);
}

static void test_line_whole(void **state)
{
	struct ctl_line l = { 0 };
	char *line = NULL;

	(void)state;
	assert_int_equal(feed(&l, "pause\n", &line), CTL_LINE_DONE);
	assert_string_equal(line, "pause");
}

static void test_line_split(void **state)
{
	struct ctl_line l = { 0 };
	struct ctl_req req;
	char *line = NULL;

	(void)state;
	assert_int_equal(feed(&l, "con", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "sole 8", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "0 24", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "\nafter", &line), CTL_LINE_DONE);
	assert_string_equal(line, "console 80 24");
	ctl_parse(line, &req);
	assert_int_equal(req.kind, CTL_REQ_CONSOLE);
	assert_int_equal(req.cols, 80);
	assert_int_equal(req.rows, 24);

	/* One byte at a time. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed(&l, "k", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "i", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "l", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "l", &line), CTL_LINE_PARTIAL);
	assert_int_equal(feed(&l, "\n", &line), CTL_LINE_DONE);
	assert_string_equal(line, "kill");
}

static void test_line_too_long(void **state)
{
	struct ctl_line l = { 0 };
	char big[CTL_LINE_MAX];
	char *line = NULL;
	size_t room;

	(void)state;
	ctl_line_room(&l, &room);
	assert_int_equal(room, CTL_LINE_MAX - 1);
	/* One byte short of the limit: still waiting. */
	memset(big, 'a', sizeof(big));
	big[CTL_LINE_MAX - 2] = '\0';
	assert_int_equal(feed(&l, big, &line), CTL_LINE_PARTIAL);
	ctl_line_room(&l, &room);
	assert_int_equal(room, 1);
	assert_int_equal(feed(&l, "a", &line), CTL_LINE_TOO_LONG);

	/* Reaching the limit is refused even when a newline came in it. */
	memset(&l, 0, sizeof(l));
	memset(big, 'b', sizeof(big));
	big[0] = '\n';
	big[CTL_LINE_MAX - 1] = '\0';
	assert_int_equal(feed(&l, big, &line), CTL_LINE_TOO_LONG);

	/* The longest accepted line. */
	memset(&l, 0, sizeof(l));
	memset(big, 'c', sizeof(big));
	big[CTL_LINE_MAX - 3] = '\n';
	big[CTL_LINE_MAX - 2] = '\0';
	assert_int_equal(feed(&l, big, &line), CTL_LINE_DONE);
	assert_int_equal(strlen(line), CTL_LINE_MAX - 3);
}

static void read_reply(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	assert_true(n > 0);
	buf[n] = '\0';
}

static void test_replies(void **state)
{
	char buf[512];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ctl_reply_ok(sv[0], "paused");
	read_reply(sv[1], buf, sizeof(buf));
	assert_string_equal(buf, "{\"ok\": true, \"state\": \"paused\"}\n");
	ctl_reply_error(sv[0], "unknown command");
	read_reply(sv[1], buf, sizeof(buf));
	assert_string_equal(buf, "{\"ok\": false, \"error\": \"unknown command\"}\n");
	/* Escaped, still one line. */
	ctl_reply_error(sv[0], "a \"quoted\"\nname");
	read_reply(sv[1], buf, sizeof(buf));
	assert_string_equal(buf, "{\"ok\": false, \"error\": \"a \\\"quoted\\\"\\nname\"}\n");
	/* A client that went away: no SIGPIPE, no error. */
	close(sv[1]);
	ctl_reply_ok(sv[0], "running");
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_requests), cmocka_unit_test(test_resize),
		cmocka_unit_test(test_console),        cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_line_whole),     cmocka_unit_test(test_line_split),
		cmocka_unit_test(test_line_too_long),  cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
