/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_TESTS_UNIT_H
#define VMM_TESTS_UNIT_H

/*
 * Helpers shared by the unit tests. Include after <cmocka.h>.
 *
 * Capturing output: log.c writes each message with one write(2) to fd 2, and
 * config_usage() prints to stdout, so a capture swaps the file descriptor
 * itself (dup2 onto a temporary file) rather than the FILE pointer, then
 * reads back what was written.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIT_CAPTURE_MAX 8192

struct unit_capture {
	int fd;      /* the descriptor being captured: 1 or 2 */
	int saved;   /* dup of the original descriptor */
	int tmp;     /* the temporary file that receives the output */
	char text[UNIT_CAPTURE_MAX];
};

static inline void unit_capture_begin(struct unit_capture *c, int fd)
{
	char path[] = "/tmp/vmm-unit-capture-XXXXXX";

	fflush(NULL);
	c->fd = fd;
	c->text[0] = '\0';
	c->tmp = mkstemp(path);
	assert_true(c->tmp >= 0);
	unlink(path);
	c->saved = dup(fd);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->tmp, fd) == fd);
}

/* Stop capturing; returns the captured text (NUL-terminated, in c). */
static inline const char *unit_capture_end(struct unit_capture *c)
{
	ssize_t n;
	size_t got = 0;

	fflush(NULL);
	assert_true(dup2(c->saved, c->fd) == c->fd);
	close(c->saved);
	assert_true(lseek(c->tmp, 0, SEEK_SET) == 0);
	while (got < sizeof(c->text) - 1 &&
	       (n = read(c->tmp, c->text + got, sizeof(c->text) - 1 - got)) > 0)
		got += (size_t)n;
	c->text[got] = '\0';
	close(c->tmp);
	return c->text;
}

/* Number of '\n'-terminated lines in s (a trailing fragment counts too). */
static inline int unit_count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n' || (s[1] == '\0'))
			n++;
	return n;
}

/*
 * Assert that text is exactly one line, "vmm: " + prefix ... "\n", i.e. the
 * line starts with "vmm: " followed by prefix and ends in a single newline.
 * (Macros, so that a failure names the test's line.)
 */
#define unit_assert_one_line_prefix(text, prefix) \
	unit_assert_one_line_prefix_((text), (prefix), __FILE__, __LINE__)

static inline void unit_assert_one_line_prefix_(const char *text, const char *prefix,
						const char *file, int line)
{
	size_t len = strlen(text), plen = strlen(prefix);

	if (unit_count_lines(text) != 1 || len < 5 + plen + 1 || strncmp(text, "vmm: ", 5) ||
	    strncmp(text + 5, prefix, plen) || text[len - 1] != '\n') {
		print_error("ERROR: expected one line \"vmm: %s...\\n\", got \"%s\"\n", prefix,
			    text);
		_fail(file, line);
	}
}

/* Assert that text is exactly "vmm: " + line + "\n". */
#define unit_assert_one_line(text, line) \
	unit_assert_one_line_((text), (line), __FILE__, __LINE__)

static inline void unit_assert_one_line_(const char *text, const char *line, const char *file,
					 int lineno)
{
	char want[UNIT_CAPTURE_MAX];

	snprintf(want, sizeof(want), "vmm: %s\n", line);
	_assert_string_equal(text, want, file, lineno);
}

/* A fresh temporary directory; the caller removes it with unit_rmtree(). */
static inline void unit_mkdtemp(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/vmm-unit-XXXXXX");
	assert_non_null(mkdtemp(buf));
}

static inline void unit_rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Write len bytes of data to path (created or truncated). */
static inline void unit_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	const char *p = data;

	assert_true(fd >= 0);
	while (len) {
		ssize_t n = write(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
	assert_int_equal(close(fd), 0);
}

/* How many descriptors this process has open (to catch leaks). */
static inline int unit_open_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

#endif
