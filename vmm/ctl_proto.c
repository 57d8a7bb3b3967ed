// SPDX-License-Identifier: GPL-2.0-only
/* The control socket's protocol: request lines, their parsing, the replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vmm/ctl_proto.h"
#include "vmm/json.h"

char *ctl_line_room(struct ctl_line *l, size_t *room)
{
	*room = sizeof(l->buf) - 1 - l->len;
	return l->buf + l->len;
}

enum ctl_line_state ctl_line_received(struct ctl_line *l, size_t n, char **line)
{
	char *nl;

	l->len += n;
	if (l->len >= sizeof(l->buf) - 1)
		return CTL_LINE_TOO_LONG; /* a line longer than any command */
	l->buf[l->len] = '\0';
	nl = strchr(l->buf, '\n');
	if (!nl)
		return CTL_LINE_PARTIAL;
	*nl = '\0';
	*line = l->buf;
	return CTL_LINE_DONE;
}

/* "COLS ROWS" after a command word, as sscanf reads them. */
static void parse_size(const char *args, struct ctl_req *req)
{
	unsigned int cols = 0, rows = 0;

	if (sscanf(args, "%u %u", &cols, &rows) == 2) {
		req->has_size = true;
		req->cols = cols;
		req->rows = rows;
	}
}

void ctl_parse(const char *line, struct ctl_req *req)
{
	static const struct {
		const char *word;
		enum ctl_req_kind kind;
	} plain[] = {
		{ "info", CTL_REQ_INFO },   { "pause", CTL_REQ_PAUSE }, { "resume", CTL_REQ_RESUME },
		{ "stop", CTL_REQ_STOP },   { "kill", CTL_REQ_KILL },
	};
	size_t i;

	memset(req, 0, sizeof(*req));
	req->kind = CTL_REQ_UNKNOWN;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (!strcmp(line, plain[i].word)) {
			req->kind = plain[i].kind;
			return;
		}
	}
	if (!strncmp(line, "resize ", 7)) {
		req->kind = CTL_REQ_RESIZE;
		parse_size(line + 7, req);
	} else if (!strncmp(line, "console", 7) && (!line[7] || line[7] == ' ')) {
		req->kind = CTL_REQ_CONSOLE;
		parse_size(line + 7, req);
	}
}

void ctl_reply(int fd, const char *json_line)
{
	if (send(fd, json_line, strlen(json_line), MSG_NOSIGNAL) < 0) {
		/* the client went away; nothing to tell it */
	}
}

void ctl_reply_error(int fd, const char *error)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	/* One line, like every reply: the client reads up to the newline. */
	fputs("{\"ok\": false, \"error\": ", f);
	json_write_string(f, error, strlen(error));
	fputs("}\n", f);
	fclose(f);
	if (buf)
		ctl_reply(fd, buf);
	free(buf);
}

void ctl_reply_ok(int fd, const char *state)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "{\"ok\": true, \"state\": \"%s\"}\n", state);
	ctl_reply(fd, buf);
}
