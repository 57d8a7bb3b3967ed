// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command-mode framing and SPEC encoding (include/cmd_proto.h). Plain C and
 * libc only: the guest agent links this same file.
 */
#include "cmd_proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

size_t cmd_frame_header(uint8_t out[CMD_FRAME_HDR], enum cmd_frame_type type, size_t len)
{
	if (len > CMD_PROTO_MAX)
		return 0;
	put_le32(out, (uint32_t)len);
	out[4] = (uint8_t)type;
	out[5] = out[6] = out[7] = 0;
	return CMD_FRAME_HDR;
}

void cmd_decoder_init(struct cmd_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

void cmd_decoder_free(struct cmd_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

static int decoder_fail(struct cmd_decoder *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	d->failed = true;
	return -1;
}

/* Fixed payload sizes; 0 for types whose payload is free-form. */
static size_t fixed_len(uint8_t type)
{
	switch (type) {
	case CMD_HELLO:
		return 4;
	case CMD_WINSIZE:
		return 4;
	default:
		return 0;
	}
}

/* A header is complete: check it and make room for its payload. */
static int decoder_start(struct cmd_decoder *d)
{
	uint32_t len = get_le32(d->hdr);
	uint8_t type = d->hdr[4];

	if (len > CMD_PROTO_MAX)
		return decoder_fail(d, "frame of %" PRIu32 " bytes, more than %u", len,
				    CMD_PROTO_MAX);
	if (type < CMD_HELLO || type > CMD_EXIT)
		return decoder_fail(d, "unknown frame type %u", type);
	if (fixed_len(type) && len != fixed_len(type))
		return decoder_fail(d, "frame type %u of %" PRIu32 " bytes, want %zu", type, len,
				    fixed_len(type));
	if (type == CMD_EXIT && (len < 4 || len > 4 + CMD_EXIT_MSG_MAX))
		return decoder_fail(d, "EXIT of %" PRIu32 " bytes", len);
	if (len > d->cap) {
		uint8_t *nb = realloc(d->buf, len);

		if (!nb)
			return decoder_fail(d, "no memory for a frame of %" PRIu32 " bytes", len);
		d->buf = nb;
		d->cap = len;
	}
	d->type = type;
	d->len = len;
	d->got = 0;
	return 0;
}

int cmd_decoder_feed(struct cmd_decoder *d, const uint8_t *buf, size_t len, cmd_frame_fn *fn,
		     void *ctx)
{
	while (!d->failed) {
		if (d->hdr_got < CMD_FRAME_HDR) {
			if (!len)
				return 0;
			size_t n = CMD_FRAME_HDR - d->hdr_got;

			if (n > len)
				n = len;
			memcpy(d->hdr + d->hdr_got, buf, n);
			d->hdr_got += n;
			buf += n;
			len -= n;
			if (d->hdr_got < CMD_FRAME_HDR)
				return 0;
			if (decoder_start(d))
				return -1;
		}
		size_t n = d->len - d->got;

		if (n > len)
			n = len;
		if (n)
			memcpy(d->buf + d->got, buf, n);
		d->got += n;
		buf += n;
		len -= n;
		if (d->got < d->len)
			return 0;
		/* Reset before the callback, which may not feed us again. */
		d->hdr_got = 0;
		fn(ctx, (enum cmd_frame_type)d->type, d->buf, d->len);
	}
	return -1;
}

/* ---- SPEC ---- */

struct out {
	uint8_t *buf;
	size_t len, cap;
	bool too_big, nomem;
};

static void out_item(struct out *o, const char *key, const char *fmt, ...)
{
	char small[64];
	va_list ap;

	va_start(ap, fmt);
	int vlen = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (vlen < 0) {
		o->nomem = true;
		return;
	}
	size_t klen = strlen(key);
	size_t need = klen + 1 + (size_t)vlen + 1;

	if (o->len + need > CMD_PROTO_MAX) {
		o->too_big = true;
		o->len += need; /* keep counting, for the message */
		return;
	}
	if (o->too_big || o->nomem)
		return;
	if (o->len + need > o->cap) {
		size_t cap = o->cap ? o->cap : 1024;

		while (cap < o->len + need)
			cap *= 2;
		uint8_t *nb = realloc(o->buf, cap);

		if (!nb) {
			o->nomem = true;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
	char *p = (char *)o->buf + o->len;

	memcpy(p, key, klen);
	p[klen] = '=';
	va_start(ap, fmt);
	vsnprintf(p + klen + 1, (size_t)vlen + 1, fmt, ap);
	va_end(ap);
	o->len += need;
}

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int cmd_spec_encode(const struct cmd_spec *spec, uint8_t **out, size_t *out_len, char *why,
		    size_t whylen)
{
	struct out o = { 0 };

	for (size_t i = 0; spec->argv && spec->argv[i]; i++)
		out_item(&o, "arg", "%s", spec->argv[i]);
	for (size_t i = 0; spec->envp && spec->envp[i]; i++)
		out_item(&o, "env", "%s", spec->envp[i]);
	if (spec->cwd)
		out_item(&o, "cwd", "%s", spec->cwd);
	out_item(&o, "uid", "%" PRIu32, spec->uid);
	out_item(&o, "gid", "%" PRIu32, spec->gid);
	for (size_t i = 0; i < spec->ngroups && i < CMD_SPEC_MAX_GROUPS; i++)
		out_item(&o, "group", "%" PRIu32, spec->groups[i]);
	if (spec->tty) {
		out_item(&o, "tty", "1");
		out_item(&o, "rows", "%u", spec->rows);
		out_item(&o, "cols", "%u", spec->cols);
	}
	if (spec->root_tag)
		out_item(&o, "root", "%s", spec->root_tag);
	for (size_t i = 0; i < spec->nmounts; i++) {
		const struct cmd_mount *m = &spec->mounts[i];

		if (strchr(m->tag, ':')) {
			free(o.buf);
			set_why(why, whylen, "mount tag '%s' holds ':'", m->tag);
			return -1;
		}
		out_item(&o, "mount", "%s:%s:%s", m->tag, m->ro ? "ro" : "rw", m->path);
	}
	if (spec->hostname)
		out_item(&o, "hostname", "%s", spec->hostname);
	if (o.too_big || o.nomem) {
		free(o.buf);
		if (o.too_big)
			set_why(why, whylen, "arguments and environment are %zu bytes, more than %u",
				o.len, CMD_PROTO_MAX);
		else
			set_why(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	*out = o.buf;
	*out_len = o.len;
	return 0;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);

	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = (uint32_t)n;
	return true;
}

static int decode_mount(struct cmd_spec *spec, char *val, char *why, size_t whylen)
{
	char *c1 = strchr(val, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c1 || !c2 || c1 == val) {
		set_why(why, whylen, "mount item '%s' is not TAG:MODE:PATH", val);
		return -1;
	}
	*c1 = *c2 = '\0';
	if (strcmp(c1 + 1, "ro") && strcmp(c1 + 1, "rw")) {
		set_why(why, whylen, "mount %s: mode '%s', want ro or rw", val, c1 + 1);
		return -1;
	}
	if (c2[1] != '/') {
		set_why(why, whylen, "mount %s: path '%s' is not absolute", val, c2 + 1);
		return -1;
	}
	if (spec->nmounts == CMD_SPEC_MAX_MOUNTS) {
		set_why(why, whylen, "more than %d mounts", CMD_SPEC_MAX_MOUNTS);
		return -1;
	}
	spec->mounts[spec->nmounts++] =
		(struct cmd_mount){ .tag = val, .path = c2 + 1, .ro = c1[1] == 'r' && c1[2] == 'o' };
	return 0;
}

/* One item; argv and envp slots were sized by the caller's count. */
static int decode_item(struct cmd_spec *spec, char *item, char *why, size_t whylen)
{
	char *eq = strchr(item, '=');
	uint32_t n;

	if (!eq) {
		set_why(why, whylen, "item '%.40s' has no '='", item);
		return -1;
	}
	*eq = '\0';
	char *val = eq + 1;

	if (!strcmp(item, "arg")) {
		spec->argv[spec->argc++] = val;
	} else if (!strcmp(item, "env")) {
		spec->envp[spec->envc++] = val;
	} else if (!strcmp(item, "cwd")) {
		if (val[0] != '/') {
			set_why(why, whylen, "cwd '%s' is not absolute", val);
			return -1;
		}
		spec->cwd = val;
	} else if (!strcmp(item, "uid") || !strcmp(item, "gid") || !strcmp(item, "group") ||
		   !strcmp(item, "rows") || !strcmp(item, "cols") || !strcmp(item, "tty")) {
		if (!parse_u32(val, &n)) {
			set_why(why, whylen, "%s '%s' is not a number", item, val);
			return -1;
		}
		if (!strcmp(item, "uid")) {
			spec->uid = n;
		} else if (!strcmp(item, "gid")) {
			spec->gid = n;
		} else if (!strcmp(item, "group")) {
			if (spec->ngroups == CMD_SPEC_MAX_GROUPS) {
				set_why(why, whylen, "more than %d groups", CMD_SPEC_MAX_GROUPS);
				return -1;
			}
			spec->groups[spec->ngroups++] = n;
		} else if (!strcmp(item, "rows")) {
			spec->rows = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
		} else if (!strcmp(item, "cols")) {
			spec->cols = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
		} else {
			spec->tty = n != 0;
		}
	} else if (!strcmp(item, "root")) {
		spec->root_tag = val;
	} else if (!strcmp(item, "mount")) {
		return decode_mount(spec, val, why, whylen);
	} else if (!strcmp(item, "hostname")) {
		spec->hostname = val;
	}
	return 0;
}

int cmd_spec_decode(const uint8_t *payload, size_t len, struct cmd_spec *spec, char *why,
		    size_t whylen)
{
	memset(spec, 0, sizeof(*spec));
	if (!len || payload[len - 1] != '\0') {
		set_why(why, whylen, "SPEC of %zu bytes does not end in NUL", len);
		return -1;
	}
	char *s = malloc(len);
	size_t nargs = 0, nenv = 0;

	if (!s) {
		set_why(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	memcpy(s, payload, len);
	for (size_t off = 0; off < len; off += strlen(s + off) + 1) {
		nargs += !strncmp(s + off, "arg=", 4);
		nenv += !strncmp(s + off, "env=", 4);
	}
	spec->storage_ = s;
	spec->argv = calloc(nargs + 1, sizeof(*spec->argv));
	spec->envp = calloc(nenv + 1, sizeof(*spec->envp));
	if (!spec->argv || !spec->envp) {
		cmd_spec_free(spec);
		set_why(why, whylen, "%s", strerror(ENOMEM));
		return -1;
	}
	for (size_t off = 0; off < len;) {
		size_t ilen = strlen(s + off);

		if (decode_item(spec, s + off, why, whylen)) {
			cmd_spec_free(spec);
			return -1;
		}
		off += ilen + 1;
	}
	if (!spec->argc) {
		cmd_spec_free(spec);
		set_why(why, whylen, "SPEC names no command (no arg item)");
		return -1;
	}
	return 0;
}

void cmd_spec_free(struct cmd_spec *spec)
{
	free(spec->argv);
	free(spec->envp);
	free(spec->storage_);
	memset(spec, 0, sizeof(*spec));
}
