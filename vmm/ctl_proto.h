/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CTL_PROTO_H
#define VMM_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The control socket's protocol, without the VM: assembling a request line
 * from what recv(2) returns, parsing it, and the JSON replies. vmm/ctl.c
 * owns the sockets and acts on the requests (main thread); everything here
 * is pure, keeps no global state and may run on any thread.
 *
 * Requests, one line each, ended by '\n':
 *   info | pause | resume | stop | kill
 *   resize COLS ROWS
 *   console [COLS ROWS]
 * Anything else is CTL_REQ_UNKNOWN (the reply is "unknown command").
 */
#define CTL_LINE_MAX 128 /* a line of CTL_LINE_MAX - 1 bytes or more is refused */

enum ctl_req_kind {
	CTL_REQ_UNKNOWN,
	CTL_REQ_INFO,
	CTL_REQ_PAUSE,
	CTL_REQ_RESUME,
	CTL_REQ_STOP,
	CTL_REQ_KILL,
	CTL_REQ_RESIZE,  /* has_size when COLS ROWS parsed; acknowledged either way */
	CTL_REQ_CONSOLE, /* has_size when COLS ROWS given */
};

struct ctl_req {
	enum ctl_req_kind kind;
	bool has_size;
	unsigned int cols, rows;
};

/* One client's partial request line. Zero it for a new connection. */
struct ctl_line {
	char buf[CTL_LINE_MAX];
	size_t len;
};

enum ctl_line_state {
	CTL_LINE_PARTIAL,  /* no newline yet: receive more */
	CTL_LINE_DONE,     /* a whole line: *line */
	CTL_LINE_TOO_LONG, /* the buffer filled: close the connection */
};

/*
 * ctl_line_room - where the next recv(2) for l goes (*room bytes of it,
 * always at least 1 while ctl_line_received has not said TOO_LONG).
 */
char *ctl_line_room(struct ctl_line *l, size_t *room);

/*
 * ctl_line_received - n bytes were received at ctl_line_room(). Returns
 * DONE with *line the first line (NUL-terminated, without its newline,
 * inside l), PARTIAL, or TOO_LONG once CTL_LINE_MAX - 1 bytes are held
 * (even when they hold a newline: no request is that long).
 */
enum ctl_line_state ctl_line_received(struct ctl_line *l, size_t n, char **line);

/* ctl_parse - parse one request line (without its newline) into *req. */
void ctl_parse(const char *line, struct ctl_req *req);

/*
 * ctl_reply - send json_line (one line, with its newline) to fd without
 * SIGPIPE; a client that went away is ignored. ctl_reply_ok - the line
 * {"ok": true, "state": "STATE"}. ctl_reply_error - the line
 * {"ok": false, "error": "..."} with error JSON-escaped.
 */
void ctl_reply(int fd, const char *json_line);
void ctl_reply_ok(int fd, const char *state);
void ctl_reply_error(int fd, const char *error);

#endif
