/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_LOG_H
#define VMM_LOG_H

#include <stdbool.h>

/*
 * Messages to stderr, one line each, prefixed "vmm: ". The console may have
 * the terminal in raw mode, so each line ends in "\r\n" when stderr is that
 * terminal; callers never add a newline themselves.
 *
 * log_error() and log_warn() always print; log_info() only with --verbose.
 * log_errno() appends ": strerror(errno)" and must be called with errno
 * still holding the cause. All are thread-safe (one write(2) per line).
 */
extern int log_verbosity;

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Tell the logger whether stderr is a terminal in raw mode (needs "\r\n"). */
void log_set_raw(bool raw);

#endif
