/*
 * check_config_edit.c: the in-place JSON5 editor behind `clawgate
 * config set/unset' (src/cli/config_edit.c).  Every case compares the
 * whole resulting text, so a byte changed outside the edit fails.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_main.h"
#include "config_edit.h"
#include "json5.h"

/* Run one set (value given as JSON) and return the text; NULL on error. */
static char *
do_set(const char *text, const char *path, const char *json, char *err,
    size_t errlen)
{
	struct cedit	 e;
	json_t		*v;
	char		*out = NULL;

	v = json_loads(json, JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(cedit_init(&e, text, strlen(text)), 0);
	if (cedit_set(&e, path, v, err, errlen) == CEDIT_OK)
		out = strdup(e.text);
	cedit_free(&e);
	json_decref(v);
	return out;
}

static char *
do_unset(const char *text, const char *path, int *rc)
{
	struct cedit	 e;
	char		 err[256], *out;

	ck_assert_int_eq(cedit_init(&e, text, strlen(text)), 0);
	*rc = cedit_unset(&e, path, err, sizeof(err));
	out = strdup(e.text);
	cedit_free(&e);
	return out;
}

/* The result must still be JSON5. */
static void
assert_parses(const char *text)
{
	struct json5_error	 je;
	struct json5_doc	*d;

	d = json5_parse(text, strlen(text), 0, &je);
	if (d == NULL)
		ck_abort_msg("result does not parse (%d:%d %s):\n%s",
		    je.loc.line, je.loc.col, je.msg, text);
	json5_doc_free(d);
}

static void
set_is(const char *in, const char *path, const char *json, const char *want)
{
	char	 err[256] = "", *got;

	got = do_set(in, path, json, err, sizeof(err));
	if (got == NULL)
		ck_abort_msg("set %s failed: %s", path, err);
	ck_assert_str_eq(got, want);
	assert_parses(got);
	free(got);
}

static void
unset_is(const char *in, const char *path, const char *want)
{
	char	*got;
	int	 rc;

	got = do_unset(in, path, &rc);
	ck_assert_int_eq(rc, CEDIT_OK);
	ck_assert_str_eq(got, want);
	assert_parses(got);
	free(got);
}

static const char commented[] =
    "// clawgate configuration\n"
    "{\n"
    "  /* the gateway */\n"
    "  gateway: {\n"
    "    port: 18789, // the port\n"
    "    bind: 'loopback',\n"
    "    auth: { mode: 'token' },\n"
    "  },\n"
    "}\n";

START_TEST(replace_keeps_everything_else)
{
	set_is(commented, "gateway.port", "18790",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18790, // the port\n"
	    "    bind: 'loopback',\n"
	    "    auth: { mode: 'token' },\n"
	    "  },\n"
	    "}\n");
}
END_TEST

START_TEST(replace_keeps_single_quotes)
{
	set_is(commented, "gateway.bind", "\"lan\"",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18789, // the port\n"
	    "    bind: 'lan',\n"
	    "    auth: { mode: 'token' },\n"
	    "  },\n"
	    "}\n");
	/* A quote inside is escaped for the quote in use. */
	set_is("{ a: 'x' }", "a", "\"it's\"", "{ a: 'it\\'s' }");
	set_is("{ a: \"x\" }", "a", "\"say \\\"hi\\\"\"",
	    "{ a: \"say \\\"hi\\\"\" }");
}
END_TEST

START_TEST(insert_trailing_comma_style)
{
	set_is(commented, "gateway.customBindHost", "\"10.0.0.1\"",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18789, // the port\n"
	    "    bind: 'loopback',\n"
	    "    auth: { mode: 'token' },\n"
	    "    customBindHost: '10.0.0.1',\n"
	    "  },\n"
	    "}\n");
}
END_TEST

START_TEST(insert_without_trailing_comma)
{
	set_is("{\n  \"gateway\": {\n    \"port\": 1\n  }\n}\n",
	    "gateway.bind", "\"lan\"",
	    "{\n  \"gateway\": {\n    \"port\": 1,\n    \"bind\": \"lan\"\n"
	    "  }\n}\n");
}
END_TEST

START_TEST(insert_after_line_comment)
{
	/* The comment stays on its member's line. */
	set_is("{\n  a: 1 // one\n}\n", "b", "2",
	    "{\n  a: 1, // one\n  b: 2\n}\n");
	set_is("{\n  a: 1, // one\n}\n", "b", "2",
	    "{\n  a: 1, // one\n  b: 2,\n}\n");
}
END_TEST

START_TEST(insert_nested_missing_objects)
{
	set_is(commented, "gateway.controlUi.allowedOrigins",
	    "[\"https://a.example\"]",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18789, // the port\n"
	    "    bind: 'loopback',\n"
	    "    auth: { mode: 'token' },\n"
	    "    controlUi: {\n"
	    "      allowedOrigins: ['https://a.example']\n"
	    "    },\n"
	    "  },\n"
	    "}\n");
	/* Into an inline object: inline. */
	set_is(commented, "gateway.auth.rateLimit.maxAttempts", "5",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18789, // the port\n"
	    "    bind: 'loopback',\n"
	    "    auth: { mode: 'token', rateLimit: { maxAttempts: 5 } },\n"
	    "  },\n"
	    "}\n");
	/* From the root. */
	set_is("{\n  gateway: { port: 1 },\n}\n", "clawgate.workers", "2",
	    "{\n  gateway: { port: 1 },\n  clawgate: {\n    workers: 2\n"
	    "  },\n}\n");
}
END_TEST

START_TEST(insert_into_empty_objects)
{
	set_is("{}", "gateway.port", "1", "{ gateway: { port: 1 } }");
	set_is("{ }", "a", "1", "{ a: 1 }");
	set_is("{\n}\n", "gateway.port", "1",
	    "{\n  gateway: {\n    port: 1\n  }\n}\n");
	set_is("{\n  gateway: {\n  },\n}\n", "gateway.port", "1",
	    "{\n  gateway: {\n    port: 1\n  },\n}\n");
	set_is("{\n\tgateway: {\n\t},\n}\n", "gateway.port", "1",
	    "{\n\tgateway: {\n\t\tport: 1\n\t},\n}\n");
}
END_TEST

START_TEST(insert_crlf_and_tabs)
{
	set_is("{\r\n\tgateway: {\r\n\t\tport: 1,\r\n\t},\r\n}\r\n",
	    "gateway.bind", "\"lan\"",
	    "{\r\n\tgateway: {\r\n\t\tport: 1,\r\n\t\tbind: \"lan\",\r\n"
	    "\t},\r\n}\r\n");
}
END_TEST

START_TEST(unset_middle_and_last)
{
	unset_is(commented, "gateway.bind",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18789, // the port\n"
	    "    auth: { mode: 'token' },\n"
	    "  },\n"
	    "}\n");
	/* The member's own trailing comment goes with it. */
	unset_is(commented, "gateway.port",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    bind: 'loopback',\n"
	    "    auth: { mode: 'token' },\n"
	    "  },\n"
	    "}\n");
	/* Last member without a trailing comma: the previous comma goes. */
	unset_is("{\n  \"a\": 1,\n  \"b\": 2\n}\n", "b", "{\n  \"a\": 1\n}\n");
	unset_is("{\n  a: 1, // keep me\n  b: 2\n}\n", "b",
	    "{\n  a: 1 // keep me\n}\n");
	/* The only member. */
	unset_is("{\n  a: {\n    b: 1\n  }\n}\n", "a.b", "{\n  a: {\n  }\n}\n");
}
END_TEST

START_TEST(unset_inline)
{
	unset_is("{ a: 1, b: 2, c: 3 }", "b", "{ a: 1, c: 3 }");
	unset_is("{ a: 1, b: 2 }", "b", "{ a: 1 }");
	unset_is("{ a: 1, b: 2, }", "b", "{ a: 1, }");
	unset_is("{ a: 1 }", "a", "{  }");
	unset_is(commented, "gateway.auth.mode",
	    "// clawgate configuration\n"
	    "{\n"
	    "  /* the gateway */\n"
	    "  gateway: {\n"
	    "    port: 18789, // the port\n"
	    "    bind: 'loopback',\n"
	    "    auth: {  },\n"
	    "  },\n"
	    "}\n");
	unset_is("{ l: ['a', 'b', 'c'] }", "l[1]", "{ l: ['a', 'c'] }");
}
END_TEST

START_TEST(unset_absent)
{
	char	*got;
	int	 rc;

	got = do_unset(commented, "gateway.controlUi", &rc);
	ck_assert_int_eq(rc, CEDIT_ABSENT);
	ck_assert_str_eq(got, commented);
	free(got);
}
END_TEST

START_TEST(arrays)
{
	char	err[256], *got;

	set_is("{ l: ['a', 'b'] }", "l[1]", "\"c\"", "{ l: ['a', 'c'] }");
	got = do_set("{ l: ['a'] }", "l[3]", "\"c\"", err, sizeof(err));
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(strstr(err, "set the whole array"));
	got = do_set("{ a: 1 }", "a.b", "2", err, sizeof(err));
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(strstr(err, "a is not an object"));
}
END_TEST

START_TEST(bad_paths_and_text)
{
	char	err[256], *got;

	got = do_set("{}", "a..b", "1", err, sizeof(err));
	ck_assert_ptr_null(got);
	got = do_set("{}", "", "1", err, sizeof(err));
	ck_assert_ptr_null(got);
	got = do_set("{ a: ", "a", "1", err, sizeof(err));
	ck_assert_ptr_null(got);
	ck_assert_ptr_nonnull(strstr(err, "line 1"));
	got = do_set("[1]", "a", "1", err, sizeof(err));
	ck_assert_ptr_null(got);
}
END_TEST

START_TEST(format_values)
{
	json_t	*v;
	char	*s;

	v = json_pack("{s:s, s:[i, b, n], s:f}", "we ird", "a\nb\x01",
	    "l", 1, 1, "x", 1.5);
	s = cedit_format(v, '\'', 0);
	ck_assert_str_eq(s, "{ 'we ird': 'a\\nb\\u0001', l: [1, true, null], "
	    "x: 1.5 }");
	free(s);
	s = cedit_format(v, '"', 1);
	ck_assert_str_eq(s, "{ \"we ird\": \"a\\nb\\u0001\", \"l\": [1, true, "
	    "null], \"x\": 1.5 }");
	free(s);
	json_decref(v);
	v = json_string("line\xe2\x80\xa8sep");
	s = cedit_format(v, '"', 0);
	ck_assert_str_eq(s, "\"line\\u2028sep\"");
	free(s);
	json_decref(v);
}
END_TEST

START_TEST(spans)
{
	static const char t[] = "{ a: 'xy', \"b\": [1, {c: true}] }";
	struct json5_error	 je;
	struct json5_doc	*d;
	struct json5_span	 sp;
	const char		*k;

	d = json5_parse(t, strlen(t), 0, &je);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(json5_span_lookup(d, "a", &sp), 0);
	ck_assert_int_eq(sp.key_start, 2);
	ck_assert_int_eq(sp.key_end, 3);
	ck_assert_int_eq(sp.value_start, 5);
	ck_assert_int_eq(sp.value_end, 9);
	ck_assert_int_eq(json5_span_lookup(d, "b[1].c", &sp), 0);
	ck_assert_int_eq(sp.value_end - sp.value_start, 4);
	ck_assert_int_eq(json5_span_lookup(d, "", &sp), 0);
	ck_assert_int_eq(sp.value_start, 0);
	ck_assert_int_eq(sp.value_end, strlen(t));
	ck_assert_uint_eq(json5_nchildren(d, ""), 2);
	ck_assert_int_eq(json5_child(d, "", 1, &k, &sp), 0);
	ck_assert_str_eq(k, "b");
	ck_assert_int_eq(t[sp.key_start], '"');
	ck_assert_int_eq(json5_child(d, "b", 0, &k, &sp), 0);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(json5_child(d, "", 2, &k, &sp), -1);
	ck_assert_int_eq(json5_span_lookup(d, "zz", &sp), -1);
	json5_doc_free(d);
}
END_TEST

static Suite *
edit_suite(void)
{
	Suite	*s = suite_create("config_edit");
	TCase	*tc = tcase_create("edit");

	tcase_add_test(tc, replace_keeps_everything_else);
	tcase_add_test(tc, replace_keeps_single_quotes);
	tcase_add_test(tc, insert_trailing_comma_style);
	tcase_add_test(tc, insert_without_trailing_comma);
	tcase_add_test(tc, insert_after_line_comment);
	tcase_add_test(tc, insert_nested_missing_objects);
	tcase_add_test(tc, insert_into_empty_objects);
	tcase_add_test(tc, insert_crlf_and_tabs);
	tcase_add_test(tc, unset_middle_and_last);
	tcase_add_test(tc, unset_inline);
	tcase_add_test(tc, unset_absent);
	tcase_add_test(tc, arrays);
	tcase_add_test(tc, bad_paths_and_text);
	tcase_add_test(tc, format_values);
	tcase_add_test(tc, spans);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { edit_suite, NULL };
