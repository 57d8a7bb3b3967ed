// SPDX-License-Identifier: GPL-2.0-only
/* A tiny JSON writer: escaping and layout, nothing else. */
#include <stdint.h>
#include <string.h>

#include "vmm/json.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0; /* continuation byte, overlong lead (c0, c1), or above f4 */
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0; /* overlong, or beyond Unicode */
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0; /* UTF-16 surrogates are not characters */
	return n;
}

void json_write_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
				break;
			}
			n = utf8_len(p + i, len - i);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

static void indent(struct json *j)
{
	unsigned int i;

	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/*
 * Everything a value needs before it: the comma, the line break and the key.
 * Returns false (and notes the misuse) when the key does not fit the place.
 */
static bool member(struct json *j, const char *key)
{
	unsigned int d = j->depth;

	if (d == 0 || d > JSON_MAX_DEPTH || (j->array[d - 1] ? key != NULL : key == NULL)) {
		j->misuse = true;
		return false;
	}
	if (j->members[d - 1])
		fputs(j->compact[d - 1] ? ", " : ",", j->f);
	j->members[d - 1] = true;
	if (!j->compact[d - 1])
		indent(j);
	if (key) {
		json_write_string(j->f, key, strlen(key));
		fputs(": ", j->f);
	}
	return true;
}

static void open_container(struct json *j, const char *key, bool array)
{
	unsigned int d = j->depth;

	if (d >= JSON_MAX_DEPTH) {
		j->misuse = true;
		return;
	}
	if (!member(j, key))
		return;
	fputc(array ? '[' : '{', j->f);
	j->members[d] = false;
	j->array[d] = array;
	/* Arrays, and all that is inside one, stay on one line. */
	j->compact[d] = array || j->compact[d - 1];
	j->depth++;
}

static void close_container(struct json *j, bool array)
{
	unsigned int d = j->depth;

	/* The top-level object is closed by json_end() only. */
	if (d <= 1 || j->array[d - 1] != array) {
		j->misuse = true;
		return;
	}
	j->depth--;
	if (j->members[d - 1] && !j->compact[d - 1])
		indent(j);
	fputc(array ? ']' : '}', j->f);
}

void json_begin(struct json *j, FILE *f)
{
	*j = (struct json){ .f = f, .depth = 1 };
	fputc('{', f);
}

int json_end(struct json *j)
{
	bool ok = !j->misuse && j->depth == 1;

	if (j->depth >= 1) {
		j->depth = 0;
		if (j->members[0])
			fputc('\n', j->f);
		fputs("}\n", j->f);
	}
	if (fflush(j->f) || ferror(j->f))
		ok = false;
	return ok ? 0 : -1;
}

void json_object_begin(struct json *j, const char *key)
{
	open_container(j, key, false);
}

void json_object_end(struct json *j)
{
	close_container(j, false);
}

void json_array_begin(struct json *j, const char *key)
{
	open_container(j, key, true);
}

void json_array_end(struct json *j)
{
	close_container(j, true);
}

void json_string(struct json *j, const char *key, const char *s)
{
	if (!member(j, key))
		return;
	if (s)
		json_write_string(j->f, s, strlen(s));
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool v)
{
	if (member(j, key))
		fputs(v ? "true" : "false", j->f);
}

void json_int(struct json *j, const char *key, long long v)
{
	if (member(j, key))
		fprintf(j->f, "%lld", v);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	if (member(j, key))
		fprintf(j->f, "%llu", v);
}

void json_null(struct json *j, const char *key)
{
	if (member(j, key))
		fputs("null", j->f);
}
