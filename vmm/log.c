// SPDX-License-Identifier: GPL-2.0-only
/* One-line messages to stderr, safe from any thread. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int log_verbosity;
static bool log_raw;

void log_set_raw(bool raw)
{
	log_raw = raw;
}

/* Format the whole line first so that it reaches stderr in one write(2). */
static void log_line(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "vmm: %s", level);

	if (n < 0)
		return;
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if ((size_t)n >= sizeof(buf) - 32)
		n = (int)sizeof(buf) - 32;
	if (suffix)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", suffix);
	if ((size_t)n >= sizeof(buf) - 3)
		n = (int)sizeof(buf) - 3;
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", log_raw ? "\r\n" : "\n");
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", NULL, fmt, ap);
	va_end(ap);
}

void log_errno(const char *fmt, ...)
{
	int saved = errno;
	char ebuf[128];
	va_list ap;

	va_start(ap, fmt);
	log_line("", strerror_r(saved, ebuf, sizeof(ebuf)), fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("warning: ", NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	log_line("", NULL, fmt, ap);
	va_end(ap);
}
