/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_JSON_H
#define VMM_JSON_H

/*
 * A tiny JSON writer for vmm's machine-readable output (vmm info --json).
 * No parser, no DOM: calls write straight to a FILE. Objects print one
 * member per line, indented by two spaces a level; arrays print on one line
 * ("[1, 2]"), and so does anything nested inside an array. Keys are written
 * as given (callers use fixed ASCII names); every string value is escaped:
 * '"', '\\' and control characters, and bytes that are not well-formed
 * UTF-8 become U+FFFD, so the output is valid JSON whatever the input.
 *
 * Usage: json_begin(), then members, then json_end(), which reports misuse
 * (a key missing or given where none belongs, unbalanced or too deep
 * nesting) and write errors. Not thread-safe; one struct json per document.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	unsigned int depth;                  /* open containers, the top object included */
	bool members[JSON_MAX_DEPTH];        /* the container at this depth has one already */
	bool array[JSON_MAX_DEPTH];          /* it is an array */
	bool compact[JSON_MAX_DEPTH];        /* it prints on one line */
	bool misuse;
};

/* json_begin - start a document on f: its top-level object. */
void json_begin(struct json *j, FILE *f);

/*
 * json_end - close the top-level object and end the line. Returns 0, or -1
 * after misuse, with containers left open, or when f had a write error.
 */
int json_end(struct json *j);

/*
 * Members. In an object key names the member (not NULL); in an array key
 * must be NULL. Anything else counts as misuse and writes nothing.
 */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s); /* s NULL: null */
void json_bool(struct json *j, const char *key, bool v);
void json_int(struct json *j, const char *key, long long v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_null(struct json *j, const char *key);

/*
 * json_write_string - write s (len bytes, may hold NULs) to f as a quoted,
 * escaped JSON string.
 */
void json_write_string(FILE *f, const char *s, size_t len);

#endif
