// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the pty console (vmm/console_pty.c) on real ptys. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/console_pty.h"

static int setup(void **state)
{
	static struct console_pty p;

	if (console_pty_open(&p))
		return -1; /* no devpts here: the group fails, loudly */
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	console_pty_close(*state);
	return 0;
}

static void test_path_and_raw_slave(void **state)
{
	struct console_pty *p = *state;
	struct termios t;
	int s;

	assert_int_equal(strncmp(p->path, "/dev/pts/", 9), 0);
	s = open(p->path, O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	assert_int_equal(tcgetattr(s, &t), 0);
	/* Echo would send the guest's output back to it as input. */
	assert_false(t.c_lflag & (ECHO | ICANON | ISIG));
	assert_false(t.c_oflag & OPOST);
	close(s);
}

static void test_connection_follows_slave(void **state)
{
	struct console_pty *p = *state;
	bool resized;
	int s;

	console_pty_check(p, &resized);
	assert_false(p->connected);
	s = open(p->path, O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	assert_true(console_pty_check(p, &resized));
	assert_true(p->connected);
	assert_false(console_pty_check(p, &resized)); /* no change, no news */
	close(s);
	assert_true(console_pty_check(p, &resized));
	assert_false(p->connected);
}

/* read() once fd has data: pty bytes cross through a kernel worker. */
static ssize_t read_wait(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) != 1)
		return -2;
	return read(fd, buf, len);
}

static void test_bytes_both_ways(void **state)
{
	struct console_pty *p = *state;
	char buf[16];
	int s = open(p->path, O_RDWR | O_NOCTTY | O_NONBLOCK);

	assert_true(s >= 0);
	assert_int_equal(write(p->master, "out\n", 4), 4);
	/* Raw: no \r added, nothing echoed back. */
	assert_int_equal(read_wait(s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "out\n", 4);
	assert_int_equal(read(p->master, buf, sizeof(buf)), -1);
	assert_int_equal(write(s, "in", 2), 2);
	assert_int_equal(read_wait(p->master, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "in", 2);
	close(s);
}

static void test_resize_seen_once(void **state)
{
	struct console_pty *p = *state;
	struct winsize ws = { .ws_row = 40, .ws_col = 132 };
	bool resized;
	int s = open(p->path, O_RDWR | O_NOCTTY);

	assert_true(s >= 0);
	assert_int_equal(ioctl(s, TIOCSWINSZ, &ws), 0);
	console_pty_check(p, &resized);
	assert_true(resized);
	assert_int_equal(p->cols, 132);
	assert_int_equal(p->rows, 40);
	console_pty_check(p, &resized);
	assert_false(resized);
	ws.ws_col = 0; /* a zero size is "unknown", not a size */
	assert_int_equal(ioctl(s, TIOCSWINSZ, &ws), 0);
	console_pty_check(p, &resized);
	assert_false(resized);
	assert_int_equal(p->cols, 132);
	close(s);
}

static void test_closed_is_inert(void **state)
{
	struct console_pty q;
	bool resized;

	(void)state;
	assert_int_equal(console_pty_open(&q), 0);
	console_pty_close(&q);
	assert_int_equal(q.master, -1);
	assert_false(console_pty_check(&q, &resized));
	assert_false(resized);
	console_pty_close(&q); /* twice is fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_and_raw_slave),
		cmocka_unit_test(test_connection_follows_slave),
		cmocka_unit_test(test_bytes_both_ways),
		cmocka_unit_test(test_resize_seen_once),
		cmocka_unit_test(test_closed_is_inert),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
