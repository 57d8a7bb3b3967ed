// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the JSON writer (vmm/json.c). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/json.h"

/* A memory stream and its buffer; end() closes it and returns the text. */
struct mem {
	FILE *f;
	char *buf;
	size_t len;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static char *mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
	return m->buf;
}

/* The escaped form of len bytes of s. */
static char *escaped(const char *s, size_t len)
{
	struct mem m;

	mem_open(&m);
	json_write_string(m.f, s, len);
	return mem_close(&m);
}

#define assert_escapes(in, want)                                   \
	do {                                                       \
		char *got_ = escaped((in), sizeof(in) - 1);        \
		assert_string_equal(got_, (want));                 \
		free(got_);                                        \
	} while (0)

static void test_escape_plain(void **state)
{
	(void)state;
	assert_escapes("", "\"\"");
	assert_escapes("VHE mode", "\"VHE mode\"");
	assert_escapes("kvm [1]: /dev/kvm", "\"kvm [1]: /dev/kvm\"");
}

static void test_escape_quote_backslash(void **state)
{
	(void)state;
	assert_escapes("say \"hi\"", "\"say \\\"hi\\\"\"");
	assert_escapes("a\\b", "\"a\\\\b\"");
	assert_escapes("\\\"", "\"\\\\\\\"\"");
}

static void test_escape_controls(void **state)
{
	(void)state;
	assert_escapes("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	assert_escapes("\x01\x1f", "\"\\u0001\\u001f\"");
	assert_escapes("\x7f", "\"\\u007f\"");
	assert_escapes("\x1b[0m", "\"\\u001b[0m\"");
}

static void test_escape_nul_inside(void **state)
{
	(void)state;
	assert_escapes("a\0b", "\"a\\u0000b\"");
}

static void test_escape_utf8_valid(void **state)
{
	(void)state;
	assert_escapes("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* U+00E9 */
	assert_escapes("\xe2\x82\xac", "\"\xe2\x82\xac\"");                /* U+20AC */
	assert_escapes("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");        /* U+1F600 */
	assert_escapes("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");        /* U+10FFFF */
	assert_escapes("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");                /* U+FFFD */
}

static void test_escape_utf8_invalid(void **state)
{
	(void)state;
	/* A lone continuation byte, a lone lead byte, a truncated sequence. */
	assert_escapes("\x80", "\"\\ufffd\"");
	assert_escapes("a\xc3", "\"a\\ufffd\"");
	assert_escapes("\xe2\x82", "\"\\ufffd\\ufffd\"");
	/* Overlong encodings of '/' and of U+0000. */
	assert_escapes("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	assert_escapes("\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escapes("\xf0\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* A UTF-16 surrogate, and beyond U+10FFFF. */
	assert_escapes("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	assert_escapes("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_escapes("\xff\xfe", "\"\\ufffd\\ufffd\"");
	/* The next character after a bad byte survives. */
	assert_escapes("\xc3(", "\"\\ufffd(\"");
}

static void test_document_layout(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	json_string(&j, "mode", "VHE");
	json_bool(&j, "gic_v3", true);
	json_bool(&j, "gic_v2", false);
	json_null(&j, "mode_note");
	json_int(&j, "neg", -5);
	json_uint(&j, "page_size", 4096);
	json_string(&j, "none", NULL);
	json_array_begin(&j, "sve_vector_lengths");
	json_uint(&j, NULL, 128);
	json_uint(&j, NULL, 256);
	json_array_end(&j);
	json_array_begin(&j, "empty");
	json_array_end(&j);
	json_object_begin(&j, "obj");
	json_string(&j, "k", "v");
	json_object_end(&j);
	json_object_begin(&j, "empty_obj");
	json_object_end(&j);
	assert_int_equal(json_end(&j), 0);
	out = mem_close(&m);
	assert_string_equal(out, "{\n"
				 "  \"mode\": \"VHE\",\n"
				 "  \"gic_v3\": true,\n"
				 "  \"gic_v2\": false,\n"
				 "  \"mode_note\": null,\n"
				 "  \"neg\": -5,\n"
				 "  \"page_size\": 4096,\n"
				 "  \"none\": null,\n"
				 "  \"sve_vector_lengths\": [128, 256],\n"
				 "  \"empty\": [],\n"
				 "  \"obj\": {\n"
				 "    \"k\": \"v\"\n"
				 "  },\n"
				 "  \"empty_obj\": {}\n"
				 "}\n");
	free(out);
}

static void test_empty_document(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	assert_int_equal(json_end(&j), 0);
	out = mem_close(&m);
	assert_string_equal(out, "{}\n");
	free(out);
}

static void test_compact_inside_arrays(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	json_array_begin(&j, "a");
	json_object_begin(&j, NULL);
	json_string(&j, "x", "1");
	json_array_begin(&j, "y");
	json_bool(&j, NULL, true);
	json_null(&j, NULL);
	json_array_end(&j);
	json_object_end(&j);
	json_string(&j, NULL, "s\"");
	json_array_end(&j);
	assert_int_equal(json_end(&j), 0);
	out = mem_close(&m);
	assert_string_equal(out, "{\n  \"a\": [{\"x\": \"1\", \"y\": [true, null]}, \"s\\\"\"]\n}\n");
	free(out);
}

static void test_limits_of_integers(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	json_int(&j, "min", LLONG_MIN);
	json_uint(&j, "max", ULLONG_MAX);
	assert_int_equal(json_end(&j), 0);
	out = mem_close(&m);
	assert_string_equal(out, "{\n  \"min\": -9223372036854775808,\n"
				 "  \"max\": 18446744073709551615\n}\n");
	free(out);
}

static void test_keys_are_escaped(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	json_bool(&j, "a\"b", true);
	assert_int_equal(json_end(&j), 0);
	out = mem_close(&m);
	assert_string_equal(out, "{\n  \"a\\\"b\": true\n}\n");
	free(out);
}

/* Misuse is reported by json_end() and writes nothing for the bad member. */
static void test_misuse_key_in_array(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	json_array_begin(&j, "a");
	json_bool(&j, "k", true);
	json_array_end(&j);
	assert_int_equal(json_end(&j), -1);
	out = mem_close(&m);
	assert_string_equal(out, "{\n  \"a\": []\n}\n");
	free(out);
}

static void test_misuse_no_key_in_object(void **state)
{
	struct json j;
	struct mem m;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	json_bool(&j, NULL, true);
	assert_int_equal(json_end(&j), -1);
	free(mem_close(&m));
}

static void test_misuse_unbalanced(void **state)
{
	struct json j;
	struct mem m;
	char *out;

	(void)state;
	/* Left open. */
	mem_open(&m);
	json_begin(&j, m.f);
	json_object_begin(&j, "o");
	assert_int_equal(json_end(&j), -1);
	free(mem_close(&m));

	/* Closed once too often: the top level only closes through json_end(). */
	mem_open(&m);
	json_begin(&j, m.f);
	json_object_end(&j);
	assert_int_equal(json_end(&j), -1);
	out = mem_close(&m);
	assert_string_equal(out, "{}\n");
	free(out);

	/* An array closed as an object. */
	mem_open(&m);
	json_begin(&j, m.f);
	json_array_begin(&j, "a");
	json_object_end(&j);
	json_array_end(&j);
	assert_int_equal(json_end(&j), -1);
	free(mem_close(&m));
}

static void test_misuse_too_deep(void **state)
{
	struct json j;
	struct mem m;
	int i;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	for (i = 0; i < JSON_MAX_DEPTH + 4; i++)
		json_array_begin(&j, i ? NULL : "deep");
	for (i = 0; i < JSON_MAX_DEPTH + 4; i++)
		json_array_end(&j);
	assert_int_equal(json_end(&j), -1);
	free(mem_close(&m));
}

static void test_members_after_end_are_misuse(void **state)
{
	struct json j;
	struct mem m;

	(void)state;
	mem_open(&m);
	json_begin(&j, m.f);
	assert_int_equal(json_end(&j), 0);
	json_bool(&j, "late", true);
	assert_int_equal(json_end(&j), -1);
	free(mem_close(&m));
}

static void test_write_error(void **state)
{
	struct json j;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	json_begin(&j, f);
	json_string(&j, "k", "v");
	assert_int_equal(json_end(&j), -1);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_quote_backslash),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_nul_inside),
		cmocka_unit_test(test_escape_utf8_valid),
		cmocka_unit_test(test_escape_utf8_invalid),
		cmocka_unit_test(test_document_layout),
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_compact_inside_arrays),
		cmocka_unit_test(test_limits_of_integers),
		cmocka_unit_test(test_keys_are_escaped),
		cmocka_unit_test(test_misuse_key_in_array),
		cmocka_unit_test(test_misuse_no_key_in_object),
		cmocka_unit_test(test_misuse_unbalanced),
		cmocka_unit_test(test_misuse_too_deep),
		cmocka_unit_test(test_members_after_end_are_misuse),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
