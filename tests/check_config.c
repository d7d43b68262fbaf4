/*
 * check_config.c: the JSON5 reader, the config loader and CIDRs.
 *
 * Link with -Wl,--wrap=free: the config_free test watches the secret
 * buffers as they are freed to prove they were wiped first.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check_main.h"
#include "config.h"
#include "json5.h"
#include "jsonwipe.h"

/* As in config.c: the build passes the configured directories. */
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif

/* --- free() watch (needs -Wl,--wrap=free) ----------------------------- */

void	__real_free(void *) __attribute__((weak));
void	__wrap_free(void *);

static int		 wrap_active;
static const void	*watch_ptr;
static size_t		 watch_len;
static unsigned char	 watch_seen[2048];
static int		 watch_hit;

#ifdef __GLIBC__
#include <malloc.h>
#define SCAN_MARK	"Dup1icateAuthSecret-0123456789"
static int		 scan_free;	/* look into every block freed */
static int		 scan_hits;	/* blocks freed holding SCAN_MARK */

static void
scan_block(const void *p)
{
	size_t	n = malloc_usable_size((void *)p), len = strlen(SCAN_MARK), i;

	for (i = 0; i + len <= n; i++)
		if (memcmp((const char *)p + i, SCAN_MARK, len) == 0) {
			scan_hits++;
			return;
		}
}
#endif

void
__wrap_free(void *p)
{
	wrap_active = 1;
#ifdef __GLIBC__
	if (scan_free && p != NULL)
		scan_block(p);
#endif
	if (p != NULL && p == watch_ptr) {
		memcpy(watch_seen, p, watch_len);
		watch_hit = 1;
		watch_ptr = NULL;	/* the address may be reused */
	}
	__real_free(p);
}

/* --- helpers ---------------------------------------------------------- */

static struct cg_config		C;
static struct cg_config_error	E;

static void
teardown(void)
{
	config_free(&C);
}

static int
load(const char *text)
{
	config_free(&C);
	config_defaults(&C);
	return config_load_text(&C, text, strlen(text), "t.conf", &E);
}

#define LOAD_OK(t) do {							\
	int r_ = load(t);						\
	ck_assert_msg(r_ == 0, "unexpected error %d:%d: %s", E.line,	\
	    E.col, E.msg);						\
} while (0)

/* A load that must fail at line:col with a message containing `needle'. */
#define LOAD_ERR(t, l, c, needle) do {					\
	int r_ = load(t);						\
	ck_assert_msg(r_ == -1, "loaded but should fail: %s", t);	\
	ck_assert_str_eq(E.file, "t.conf");				\
	ck_assert_msg(E.line == (l) && E.col == (c),			\
	    "at %d:%d, want %d:%d: %s", E.line, E.col, (l), (c), E.msg);\
	ck_assert_msg(strstr(E.msg, needle) != NULL,			\
	    "message \"%s\" lacks \"%s\"", E.msg, needle);		\
} while (0)

#define MSG_HAS(needle)							\
	ck_assert_msg(strstr(E.msg, needle) != NULL,			\
	    "message \"%s\" lacks \"%s\"", E.msg, needle)
#define MSG_LACKS(needle)						\
	ck_assert_msg(strstr(E.msg, needle) == NULL,			\
	    "message \"%s\" shows \"%s\"", E.msg, needle)

static struct json5_doc *
parse(const char *t, size_t len, int flags)
{
	struct json5_error	 e;
	struct json5_doc	*d = json5_parse(t, len, flags, &e);

	ck_assert_msg(d != NULL, "parse failed at %d:%d: %s", e.loc.line,
	    e.loc.col, e.msg);
	return d;
}

/* Parse `t' (compact JSON of the result must be `want'). */
static void
parse_as(const char *t, const char *want)
{
	struct json5_doc *d = parse(t, strlen(t), 0);
	char		*s = json_dumps(json5_root(d), JSON_ENCODE_ANY |
			    JSON_COMPACT | JSON_REAL_PRECISION(10));

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(strcmp(s, want) == 0, "%s parsed as %s, want %s", t, s,
	    want);
	free(s);
	json5_doc_free(d);
}

static void
parse_errn(const char *t, size_t len, int line, int col, const char *needle)
{
	struct json5_error	 e;
	struct json5_doc	*d = json5_parse(t, len, 0, &e);

	ck_assert_msg(d == NULL, "parsed but should fail: %.60s", t);
	ck_assert_msg(e.loc.line == line && e.loc.col == col,
	    "%.60s: error at %d:%d, want %d:%d (%s)", t, e.loc.line, e.loc.col,
	    line, col, e.msg);
	ck_assert_msg(strstr(e.msg, needle) != NULL, "%.60s: message \"%s\" "
	    "lacks \"%s\"", t, e.msg, needle);
}

static void
parse_err(const char *t, int line, int col, const char *needle)
{
	parse_errn(t, strlen(t), line, col, needle);
}

static void
pos_is(const struct json5_doc *d, const char *path, int kl, int kc, int vl,
    int vc)
{
	const struct json5_pos *p = json5_pos_lookup(d, path);

	ck_assert_msg(p != NULL, "no position for \"%s\"", path);
	ck_assert_msg(p->key.line == kl && p->key.col == kc &&
	    p->value.line == vl && p->value.col == vc,
	    "%s: key %d:%d value %d:%d, want %d:%d %d:%d", path, p->key.line,
	    p->key.col, p->value.line, p->value.col, kl, kc, vl, vc);
}

/* ======================================================================
 * JSON5
 * ====================================================================== */

START_TEST(j5_comments_and_commas)
{
	parse_as("// lead\n{ /* a */ a: 1, // x\n b: [1, 2, /**/], }\n// end",
	    "{\"a\":1,\"b\":[1,2]}");
	parse_as("/* only */ 7 /* after */", "7");
	parse_as("{/**/}", "{}");
	parse_as("[ ]", "[]");
	parse_as("{a:1,/*x*/}", "{\"a\":1}");
}
END_TEST

START_TEST(j5_keys)
{
	parse_as("{$a: 1, _b: 2, c9: 3, \"d e\": 4, 'f': 5, true: 6}",
	    "{\"$a\":1,\"_b\":2,\"c9\":3,\"d e\":4,\"f\":5,\"true\":6}");
	parse_as("{\\u0061b: 1}", "{\"ab\":1}");
	parse_as("{'a.b': 1}", "{\"a.b\":1}");
}
END_TEST

START_TEST(j5_strings)
{
	parse_as("'he said \"hi\"'", "\"he said \\\"hi\\\"\"");
	parse_as("\"it's\"", "\"it's\"");
	parse_as("'\\b\\f\\n\\r\\t\\v'", "\"\\b\\f\\n\\r\\t\\u000B\"");
	parse_as("'\\'\\\"\\\\\\/'", "\"'\\\"\\\\/\"");
	parse_as("'\\q\\%'", "\"q%\"");			/* NonEscapeCharacter */
	parse_as("'\\x41\\x7e'", "\"A~\"");
	parse_as("'\\u00e9\\u20AC'", "\"\xc3\xa9\xe2\x82\xac\"");
	parse_as("'\\uD83D\\uDE00'", "\"\xf0\x9f\x98\x80\"");
	parse_as("'ab\\\ncd'", "\"abcd\"");			/* LF */
	parse_as("'ab\\\r\ncd'", "\"abcd\"");			/* CRLF */
	parse_as("'ab\\\rcd'", "\"abcd\"");			/* CR */
	parse_as("'ab\\\xe2\x80\xa8" "cd'", "\"abcd\"");	/* U+2028 */
	/* A raw U+2029 is allowed in a string. */
	parse_as("'a\xe2\x80\xa9" "b'", "\"a\xe2\x80\xa9" "b\"");
	parse_as("'tab\there'", "\"tab\\there\"");
	parse_as("''", "\"\"");
}
END_TEST

START_TEST(j5_numbers)
{
	parse_as("[0x1F, 0XaB, -0x10, +0x0]", "[31,171,-16,0]");
	parse_as("[.5, 5., +1, +.5, -0, -.25]", "[0.5,5.0,1,0.5,0,-0.25]");
	parse_as("[1e3, 2E-2, 1.5e+1]", "[1000.0,0.02,15.0]");
	parse_as("[9223372036854775807, -9223372036854775808]",
	    "[9223372036854775807,-9223372036854775808]");
	parse_as("9223372036854775808", "9.223372037e18");
	parse_as("-0x8000000000000000", "-9223372036854775808");
	parse_as("0x7FFFFFFFFFFFFFFF", "9223372036854775807");
	parse_as("[true, false, null]", "[true,false,null]");
}
END_TEST

START_TEST(j5_whitespace)
{
	/* BOM, NBSP, VT, FF, U+2028 as a line break, U+3000. */
	parse_as("\xef\xbb\xbf{a:\xc2\xa0\v\f 1\xe3\x80\x80}", "{\"a\":1}");
	parse_err("{\xe2\x80\xa8\xe2\x80\xa9\r\n\r a:1 b}", 5, 6,
	    "expected ',' or '}'");
	parse_err("\t\t{a:1 b}", 1, 8, "expected ',' or '}'");	/* tab = 1 */
	/* Columns count characters, not bytes. */
	parse_err("{\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\":1 x}", 1, 10,
	    "expected ',' or '}'");
}
END_TEST

START_TEST(j5_syntax_errors)
{
	parse_err("{a:1 b:2}", 1, 6,
	    "expected ',' or '}' after object member, found 'b'");
	parse_err("[1 2]", 1, 4,
	    "expected ',' or ']' after array element, found '2'");
	parse_err("{a 1}", 1, 4, "expected ':' after object key, found '1'");
	parse_err("{\n  a: 1,\n  ,}", 3, 3, "expected an object key");
	parse_err("{1: 2}", 1, 2, "expected an object key");
	parse_err("{\xc3\xa9: 2}", 1, 2, "put this key in quotes");
	parse_err("{a\xc3\xa9: 2}", 1, 3, "put this key in quotes");
	parse_err("{\\x61: 1}", 1, 2, "only \\u escapes");
	parse_err("{\\u002d: 1}", 1, 2, "not an identifier character");
	parse_err("[1,,2]", 1, 4, "expected a value, found ','");
	parse_err("[,]", 1, 2, "expected a value");
	parse_err("", 1, 1, "expected a value, found end of input");
	parse_err("  // nothing\n", 2, 1, "end of input");
	parse_err("{a:1}x", 1, 6,
	    "unexpected 'x' after the end of the document");
	parse_err("{a:1}\n\n  }", 3, 3, "after the end of the document");
	parse_err("1 2", 1, 3, "after the end");
	parse_err("{a:lan}", 1, 4, "unquoted word 'lan' is not a value");
	parse_err("{a:True}", 1, 4, "strings need quotes");
	parse_err("{a:1", 1, 5, "expected ',' or '}'");
	parse_err("[1,", 1, 4, "expected a value");
	parse_err("{a:1}/", 1, 6, "stray '/'");
	parse_err("{a:1, /* open\n\n", 1, 7, "unterminated /* comment");
	parse_err("{a:@}", 1, 4, "expected a value, found '@'");
}
END_TEST

START_TEST(j5_string_errors)
{
	parse_err("{a:\"abc}", 1, 4, "unterminated string");
	parse_err("{a:'abc\\", 1, 4, "unterminated string");
	parse_err("{a:'ab\ncd'}", 1, 7, "line break inside a string");
	parse_err("{a:'ab\rcd'}", 1, 7, "line break inside a string");
	parse_err("{a:'\\0'}", 1, 5, "escaped NUL");
	parse_err("{a:'\\00'}", 1, 5, "\\0 followed by a digit");
	parse_err("{a:'\\x00'}", 1, 5, "escaped NUL (\\x00)");
	parse_err("{a:'\\u0000'}", 1, 5, "escaped NUL (\\u0000)");
	parse_err("{a:'x\\7'}", 1, 6, "octal and decimal escapes");
	parse_err("{a:'\\x4'}", 1, 5, "\\x must be followed by two hex digits");
	parse_err("{a:'\\xg0'}", 1, 5, "two hex digits");
	parse_err("{a:'\\u12'}", 1, 5, "four hex digits");
	parse_err("{a:'\\uD800'}", 1, 5, "lone UTF-16 high surrogate");
	parse_err("{a:'\\uD800x'}", 1, 5, "lone UTF-16 high surrogate");
	parse_err("{a:'\\uDC00'}", 1, 5, "lone UTF-16 low surrogate");
	parse_err("{a:'\\uD800\\u0041'}", 1, 5, "not a low surrogate");
}
END_TEST

START_TEST(j5_number_errors)
{
	parse_err("{a:01}", 1, 4, "leading zeros");
	parse_err("{a:-007}", 1, 4, "leading zeros");
	parse_err("{a:.}", 1, 4, "expected digits");
	parse_err("{a:-}", 1, 4, "expected digits");
	parse_err("{a:+}", 1, 4, "expected digits");
	parse_err("{a:1e}", 1, 4, "digits in the exponent");
	parse_err("{a:1e+}", 1, 4, "digits in the exponent");
	parse_err("{a:0x}", 1, 4, "expected hex digits");
	parse_err("{a:0x10000000000000000}", 1, 4, "out of range");
	parse_err("{a:0x8000000000000000}", 1, 4, "out of range");
	parse_err("{a:1e400}", 1, 4, "number out of range");
	parse_err("{a:-1e400}", 1, 4, "number out of range");
	/* NaN and Infinity are JSON5 but never finite. */
	parse_err("{a:NaN}", 1, 4, "finite");
	parse_err("{a:Infinity}", 1, 4, "finite");
	parse_err("{a:-Infinity}", 1, 4, "finite");
	parse_err("{a:+NaN}", 1, 4, "finite");
}
END_TEST

START_TEST(j5_duplicate_keys)
{
	parse_err("{a:1,a:2}", 1, 6,
	    "duplicate key \"a\" (first at line 1 col 2)");
	parse_err("{\n  \"port\": 1,\n  'x': 0,\n  port: 2\n}", 4, 3,
	    "duplicate key \"port\" (first at line 2 col 3)");
	parse_err("{\"a\\u0062\":1, ab:2}", 1, 15, "duplicate key \"ab\"");
	parse_err("{o:{k:1, k:[]}}", 1, 10, "duplicate key \"k\"");
	/* The same key in different objects is fine. */
	parse_as("{a:{x:1}, b:{x:1}, c:[{x:1},{x:2}]}",
	    "{\"a\":{\"x\":1},\"b\":{\"x\":1},\"c\":[{\"x\":1},{\"x\":2}]}");
}
END_TEST

START_TEST(j5_depth_limit)
{
	char	buf[512];
	int	i;

	for (i = 0; i < 64; i++) {
		buf[i] = '[';
		buf[64 + i] = ']';
	}
	json5_doc_free(parse(buf, 128, 0));
	for (i = 0; i < 65; i++) {
		buf[i] = '[';
		buf[65 + i] = ']';
	}
	parse_errn(buf, 130, 1, 65, "deeper than 64 levels");
	/* Objects count too: {a:{a:...}} */
	buf[0] = '\0';
	for (i = 0; i < 65; i++)
		strcat(buf, "{a:");
	strcat(buf, "1");
	for (i = 0; i < 65; i++)
		strcat(buf, "}");
	parse_err(buf, 1, 1 + 64 * 3, "deeper than 64 levels");
}
END_TEST

START_TEST(j5_size_limit)
{
	size_t	 n = JSON5_MAX_INPUT;
	char	*big = malloc(n + 2);

	ck_assert_ptr_nonnull(big);
	/* Exactly 1 MiB is accepted. */
	memset(big, 'a', n);
	big[0] = '"';
	big[n - 1] = '"';
	json5_doc_free(parse(big, n, 0));
	/* One byte more is not; the error points past the limit. */
	big[n - 1] = 'a';
	big[n] = '"';
	parse_errn(big, n + 1, 1, (int)n + 1, "larger than 1048576 bytes");
	free(big);
}
END_TEST

START_TEST(j5_bad_bytes)
{
	parse_errn("{a:\"x\0\"}", 8, 1, 6, "NUL byte");
	parse_errn("{\n\0}", 4, 2, 1, "NUL byte");
	parse_err("{a:'\xff'}", 1, 5, "invalid UTF-8 byte 0xFF");
	/* Overlong, surrogate, truncated, > U+10FFFF, stray, cut at EOF. */
	parse_err("{a:'\xc3\xa9\xc0\x80'}", 1, 6, "invalid UTF-8");
	parse_err("{a:'\xed\xa0\x80'}", 1, 5, "invalid UTF-8");
	parse_err("{a:'\xe2\x82'}", 1, 5, "invalid UTF-8");
	parse_err("{a:'\xf4\x90\x80\x80'}", 1, 5, "invalid UTF-8");
	parse_err("{a:'\x80'}", 1, 5, "invalid UTF-8");
	parse_errn("{a:'\xe2", 6, 1, 5, "invalid UTF-8");
}
END_TEST

START_TEST(j5_positions)
{
	const char *t =
	    "{\n"
	    "  gateway: {\n"
	    "    port: 8080,\n"
	    "    auth: { token:\t'x' },\n"
	    "    list: [ 'a', {b: 1} ],\n"
	    "    'a.b': true,\n"
	    "  },\n"
	    "}\n";
	struct json5_doc	*d = parse(t, strlen(t), 0);
	const struct json5_pos	*p;

	pos_is(d, "", 1, 1, 1, 1);
	pos_is(d, "gateway", 2, 3, 2, 12);
	pos_is(d, "gateway.port", 3, 5, 3, 11);
	pos_is(d, "gateway.auth.token", 4, 13, 4, 20);
	pos_is(d, "gateway.list[0]", 5, 13, 5, 13);
	pos_is(d, "gateway.list[1]", 5, 18, 5, 18);
	pos_is(d, "gateway.list[1].b", 5, 19, 5, 22);
	ck_assert_ptr_null(json5_pos_lookup(d, "gateway.nope"));
	ck_assert_ptr_null(json5_pos_lookup(d, "gateway.list[2]"));
	ck_assert_ptr_null(json5_pos_lookup(d, "gateway.list[x]"));
	ck_assert_ptr_null(json5_pos_lookup(d, "gateway..port"));
	ck_assert_ptr_null(json5_pos_lookup(d, "gateway.a.b"));
	p = json5_pos_member(d, "gateway", "a.b");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->key.line, 6);
	ck_assert_int_eq(p->key.col, 5);
	ck_assert_ptr_null(json5_pos_member(d, "gateway", "nope"));
	ck_assert_ptr_null(json5_pos_member(d, "nope", "port"));
	json5_doc_free(d);
}
END_TEST

START_TEST(j5_env_subst)
{
	const char *t =
	    "{\n"
	    "  a: 'x-${CG_T_ONE}-${CG_T_TWO}-y',\n"
	    "  b: '$${CG_T_ONE}',\n"
	    "  c: '${cg_t_one} ${ ${CG_T_ONE $ $$ ${}',\n"
	    "  d: '${CG_T_MISSING}',\n"
	    "  e: [1, '${CG_T_EMPTY}', '${CG_T_ONE}'],\n"
	    "  '${CG_T_ONE}': 'k',\n"
	    "  f: '$$$${CG_T_ONE}',\n"
	    "}";
	struct json5_doc		*d;
	const struct json5_warning	*w;
	char				*s;

	setenv("CG_T_ONE", "1", 1);
	setenv("CG_T_TWO", "two", 1);
	setenv("CG_T_EMPTY", "", 1);
	unsetenv("CG_T_MISSING");
	d = parse(t, strlen(t), JSON5_ENV_SUBST);
	s = json_dumps(json5_root(d), JSON_COMPACT);
	ck_assert_str_eq(s, "{\"a\":\"x-1-two-y\",\"b\":\"${CG_T_ONE}\","
	    "\"c\":\"${cg_t_one} ${ ${CG_T_ONE $ $$ ${}\",\"e\":[1,\"1\"],"
	    "\"${CG_T_ONE}\":\"k\",\"f\":\"$$${CG_T_ONE}\"}");
	free(s);
	ck_assert_uint_eq(json5_nwarnings(d), 2);
	w = json5_warning_get(d, 0);
	ck_assert_str_eq(w->path, "d");
	ck_assert_str_eq(w->var, "CG_T_MISSING");
	ck_assert_int_eq(w->loc.line, 5);
	ck_assert_int_eq(w->loc.col, 6);
	w = json5_warning_get(d, 1);
	ck_assert_str_eq(w->path, "e[1]");
	ck_assert_str_eq(w->var, "CG_T_EMPTY");
	ck_assert_int_eq(w->loc.col, 10);
	ck_assert_ptr_null(json5_warning_get(d, 2));
	/* The dropped member keeps its position; [1] is the kept "1". */
	pos_is(d, "d", 5, 3, 5, 6);
	pos_is(d, "e[1]", 6, 27, 6, 27);
	json5_doc_free(d);

	/* Without the flag nothing is substituted. */
	d = parse(t, strlen(t), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json5_root(d),
	    "a")), "x-${CG_T_ONE}-${CG_T_TWO}-y");
	ck_assert_str_eq(json_string_value(json_object_get(json5_root(d),
	    "b")), "$${CG_T_ONE}");
	ck_assert_uint_eq(json5_nwarnings(d), 0);
	json5_doc_free(d);
}
END_TEST

START_TEST(j5_env_warning_cap)
{
	char		 t[4096] = "[";
	struct json5_doc *d;
	int		 i;

	unsetenv("CG_T_MISSING");
	for (i = 0; i < JSON5_MAX_WARNINGS + 5; i++)
		strcat(t, "'${CG_T_MISSING}',");
	strcat(t, "]");
	d = parse(t, strlen(t), JSON5_ENV_SUBST);
	ck_assert_uint_eq(json5_nwarnings(d), JSON5_MAX_WARNINGS);
	ck_assert_uint_eq(json_array_size(json5_root(d)), 0);
	json5_doc_free(d);
}
END_TEST

/* A jansson allocator that remembers whether a freed block held SECRET. */
#define SECRET_MARK	"Sup3rSecretMarkerValue-42"
static int	leaked_secret;

static int
contains(const void *hay, size_t n, const char *needle)
{
	size_t	len = strlen(needle), i;

	for (i = 0; i + len <= n; i++)
		if (memcmp((const char *)hay + i, needle, len) == 0)
			return 1;
	return 0;
}

static void *
track_malloc(size_t n)
{
	/* Zeroed, so that scanning a block reads no undefined bytes. */
	size_t	*p = calloc(1, n + sizeof(size_t) * 2);

	if (p == NULL)
		return NULL;
	p[0] = n;
	return p + 2;
}

static void
track_free(void *q)
{
	size_t	*p;

	if (q == NULL)
		return;
	p = (size_t *)q - 2;
	if (contains(q, p[0], SECRET_MARK))
		leaked_secret = 1;
	free(p);
}

START_TEST(j5_free_wipes_strings)
{
	const char	 *t = "{a: ['" SECRET_MARK "'], b: {c: '" SECRET_MARK
			    "'}}";
	json_t		 *s;

	json_set_alloc_funcs(track_malloc, track_free);
	/* The detector works: an unwiped string is noticed. */
	leaked_secret = 0;
	s = json_string(SECRET_MARK);
	json_decref(s);
	ck_assert_int_eq(leaked_secret, 1);
	/* The document wipes before it frees. */
	leaked_secret = 0;
	json5_doc_free(parse(t, strlen(t), 0));
	ck_assert_int_eq(leaked_secret, 0);
	/* Also when parsing fails half-way. */
	parse_err("{a: ['" SECRET_MARK "', ", 1, 35, "expected a value");
	ck_assert_int_eq(leaked_secret, 0);
	json_set_alloc_funcs(malloc, free);
}
END_TEST

/* ======================================================================
 * defaults
 * ====================================================================== */

START_TEST(cfg_defaults_common)
{
	config_defaults(&C);
	ck_assert_int_eq(C.port, 18789);
	ck_assert_int_eq(C.bind, BIND_LOOPBACK);
	ck_assert_int_eq(C.auth_mode, AUTHMODE_TOKEN);
	ck_assert_int_eq(C.auth_mode_set, 0);
	ck_assert_ptr_null(C.auth_token);
	ck_assert_ptr_null(C.auth_password);
	ck_assert_int_eq(C.rate_limit.max_attempts, 10);
	ck_assert_int_eq(C.rate_limit.window_ms, 60000);
	ck_assert_int_eq(C.rate_limit.lockout_ms, 300000);
	ck_assert_int_eq(C.rate_limit.exempt_loopback, 1);
	ck_assert_int_eq(C.allow_no_auth_on_network, 0);
	ck_assert_int_eq(C.control_ui_enabled, 1);
	ck_assert_str_eq(C.control_ui_base_path, "");
	ck_assert_int_eq(C.nallowed_origins, 0);
	ck_assert_int_eq(C.nlocal_peers, 0);
	ck_assert_int_eq(C.ntrusted_proxies, 0);
	ck_assert_int_eq(C.workers, 0);
	ck_assert_str_eq(C.user, "_clawgate");
	ck_assert_str_eq(C.auth_user, "_clawgate_auth");
	ck_assert_str_eq(C.path, "");
	ck_assert_str_eq(C.log_file, "");
	ck_assert_int_eq(C.nwarnings, 0);
}
END_TEST

START_TEST(cfg_defaults_root)
{
	if (geteuid() != 0)
		return;		/* only root takes this branch */
	config_defaults(&C);
	ck_assert_str_eq(C.state_dir, LOCALSTATEDIR "/lib/clawgate");
	ck_assert_str_eq(C.run_dir, RUNSTATEDIR "/clawgate");
	ck_assert_str_eq(C.chroot_dir, "/var/empty");
}
END_TEST

/* Run config_defaults as a non-root user (drop euid if we are root). */
static void
defaults_unprivileged(void)
{
	if (geteuid() == 0) {
		ck_assert_int_eq(seteuid(65534), 0);
		config_defaults(&C);
		ck_assert_int_eq(seteuid(0), 0);
	} else
		config_defaults(&C);
}

START_TEST(cfg_defaults_user)
{
	setenv("HOME", "/home/u", 1);
	setenv("XDG_STATE_HOME", "/x/state", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	defaults_unprivileged();
	ck_assert_str_eq(C.state_dir, "/x/state/clawgate");
	ck_assert_str_eq(C.run_dir, "/run/user/1000/clawgate");
	ck_assert_str_eq(C.chroot_dir, "");

	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	defaults_unprivileged();
	ck_assert_str_eq(C.state_dir, "/home/u/.local/state/clawgate");
	ck_assert_str_eq(C.run_dir, "/home/u/.local/state/clawgate/run");

	/* XDG says relative values are invalid and must be ignored. */
	setenv("XDG_STATE_HOME", "rel/state", 1);
	setenv("XDG_RUNTIME_DIR", "rel/run", 1);
	defaults_unprivileged();
	ck_assert_str_eq(C.state_dir, "/home/u/.local/state/clawgate");
	ck_assert_str_eq(C.run_dir, "/home/u/.local/state/clawgate/run");
}
END_TEST

/* ======================================================================
 * accepted keys
 * ====================================================================== */

static const char full_config[] =
    "// every key clawgate accepts\n"
    "{\n"
    "  $schema: 'https://example.invalid/schema.json',\n"
    "  meta: { lastTouchedVersion: '2026.9.6' },\n"
    "  gateway: {\n"
    "    mode: 'local',\n"
    "    port: 0x4D2,\n"
    "    bind: 'custom',\n"
    "    customBindHost: '192.168.1.10',\n"
    "    auth: {\n"
    "      mode: 'token',\n"
    "      token: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',\n"
    "      rateLimit: { maxAttempts: 5, windowMs: 1000, lockoutMs: 86400000,"
    " exemptLoopback: false },\n"
    "      dangerouslyAllowNoAuthOnNetwork: false,\n"
    "    },\n"
    "    localPeers: ['172.17.0.1/32', 'fd00::/8'],\n"
    "    trustedProxies: ['10.0.0.0/8', '::1'],\n"
    "    controlUi: {\n"
    "      enabled: false,\n"
    "      basePath: '/openclaw/ui',\n"
    "      allowedOrigins: ['HTTPS://Example.COM:443', 'http://h:8080'],\n"
    "    },\n"
    "  },\n"
    "  clawgate: {\n"
    "    workers: 4,\n"
    "    user: 'cg_work',\n"
    "    authUser: 'cg-auth.1',\n"
    "    stateDir: '/srv/cg/state',\n"
    "    runDir: '/srv/cg/run',\n"
    "    chrootDir: '/srv/cg/empty',\n"
    "    logFile: '/var/log/clawgated.log',\n"
    "  },\n"
    "}\n";

START_TEST(cfg_every_key)
{
	LOAD_OK(full_config);
	ck_assert_int_eq(C.port, 1234);
	ck_assert_int_eq(C.bind, BIND_CUSTOM);
	ck_assert_str_eq(C.custom_bind_host, "192.168.1.10");
	ck_assert_int_eq(C.auth_mode, AUTHMODE_TOKEN);
	ck_assert_int_eq(C.auth_mode_set, 1);
	ck_assert_str_eq(C.auth_token, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_ptr_null(C.auth_password);
	ck_assert_int_eq(C.rate_limit.max_attempts, 5);
	ck_assert_int_eq(C.rate_limit.window_ms, 1000);
	ck_assert_int_eq(C.rate_limit.lockout_ms, 86400000);
	ck_assert_int_eq(C.rate_limit.exempt_loopback, 0);
	ck_assert_int_eq(C.allow_no_auth_on_network, 0);
	ck_assert_int_eq(C.nlocal_peers, 2);
	ck_assert_int_eq(C.local_peers[0].family, 4);
	ck_assert_int_eq(C.local_peers[0].prefix, 32);
	ck_assert_int_eq(C.local_peers[1].family, 6);
	ck_assert_int_eq(C.local_peers[1].prefix, 8);
	ck_assert_int_eq(C.ntrusted_proxies, 2);
	ck_assert_int_eq(C.trusted_proxies[1].prefix, 128);
	ck_assert_int_eq(C.control_ui_enabled, 0);
	ck_assert_str_eq(C.control_ui_base_path, "/openclaw/ui");
	ck_assert_int_eq(C.nallowed_origins, 2);
	ck_assert_str_eq(C.allowed_origins[0], "https://example.com");
	ck_assert_str_eq(C.allowed_origins[1], "http://h:8080");
	ck_assert_int_eq(C.workers, 4);
	ck_assert_str_eq(C.user, "cg_work");
	ck_assert_str_eq(C.auth_user, "cg-auth.1");
	ck_assert_str_eq(C.state_dir, "/srv/cg/state");
	ck_assert_str_eq(C.run_dir, "/srv/cg/run");
	ck_assert_str_eq(C.chroot_dir, "/srv/cg/empty");
	ck_assert_str_eq(C.log_file, "/var/log/clawgated.log");
	ck_assert_int_eq(C.nwarnings, 0);
	ck_assert_str_eq(C.path, "");	/* load_text does not set a path */
}
END_TEST

START_TEST(cfg_empty_and_partial)
{
	LOAD_OK("{}");
	ck_assert_int_eq(C.port, 18789);
	LOAD_OK("{gateway: {}, clawgate: {}}");
	ck_assert_int_eq(C.bind, BIND_LOOPBACK);
	LOAD_OK("{gateway: {bind: 'lan', auth: {password: "
	    "'pppppppppppppppppppppppppppppp'}}}");
	ck_assert_int_eq(C.bind, BIND_LAN);
	/* A password alone implies password mode, not explicitly set. */
	ck_assert_int_eq(C.auth_mode, AUTHMODE_PASSWORD);
	ck_assert_int_eq(C.auth_mode_set, 0);
	LOAD_OK("{gateway: {auth: {mode: 'none'}}}");
	ck_assert_int_eq(C.auth_mode, AUTHMODE_NONE);
	ck_assert_int_eq(C.auth_mode_set, 1);
	LOAD_OK("{gateway: {auth: {mode: 'password', password: "
	    "'pppppppppppppppppppppppppppppp'}}}");
	ck_assert_int_eq(C.auth_mode, AUTHMODE_PASSWORD);
	LOAD_OK("{gateway: {auth: {dangerouslyAllowNoAuthOnNetwork: true, "
	    "mode: 'none'}}}");
	ck_assert_int_eq(C.allow_no_auth_on_network, 1);
	ck_assert_int_eq(C.nwarnings, 0);
	LOAD_OK("{gateway: {controlUi: {basePath: '', enabled: true}}}");
	ck_assert_str_eq(C.control_ui_base_path, "");
	LOAD_OK("{$schema: 5, meta: {}}");
}
END_TEST

START_TEST(cfg_integers)
{
	LOAD_OK("{gateway: {port: 8080.0}}");
	ck_assert_int_eq(C.port, 8080);
	LOAD_OK("{gateway: {port: 8.08e3}}");
	ck_assert_int_eq(C.port, 8080);
	LOAD_OK("{gateway: {port: 1}}");
	LOAD_OK("{gateway: {port: 65535}}");
	LOAD_ERR("{gateway: {port: 0}}", 1, 18,
	    "gateway.port: expected an integer from 1 to 65535, got 0");
	LOAD_ERR("{gateway: {port: 65536}}", 1, 18, "got 65536");
	LOAD_ERR("{gateway: {port: -1}}", 1, 18, "got -1");
	LOAD_ERR("{gateway: {port: 80.5}}", 1, 18, "got 80.5");
	LOAD_ERR("{gateway: {port: 1e10}}", 1, 18, "from 1 to 65535");
	LOAD_ERR("{gateway: {port: Infinity}}", 1, 18, "finite numbers");
	LOAD_ERR("{gateway: {port: NaN}}", 1, 18, "finite numbers");
	LOAD_ERR("{gateway: {port: '8080'}}", 1, 18,
	    "got a string; write the number without quotes");
	LOAD_ERR("{gateway: {port: null}}", 1, 18,
	    "got null; remove the key to use the default");
	LOAD_ERR("{gateway: {port: true}}", 1, 18, "got a boolean");
}
END_TEST

START_TEST(cfg_rate_limit)
{
	LOAD_OK("{gateway: {auth: {rateLimit: {maxAttempts: 1, windowMs: 1000,"
	    " lockoutMs: 1000}}}}");
	LOAD_OK("{gateway: {auth: {rateLimit: {maxAttempts: 10000, windowMs: "
	    "86400000, lockoutMs: 86400000, exemptLoopback: true}}}}");
	ck_assert_int_eq(C.rate_limit.max_attempts, 10000);
	LOAD_ERR("{gateway: {auth: {rateLimit: {maxAttempts: 0}}}}", 1, 44,
	    "gateway.auth.rateLimit.maxAttempts: expected an integer from 1 "
	    "to 10000");
	LOAD_ERR("{gateway: {auth: {rateLimit: {maxAttempts: 10001}}}}", 1, 44,
	    "got 10001");
	LOAD_ERR("{gateway: {auth: {rateLimit: {windowMs: 999}}}}", 1, 41,
	    "gateway.auth.rateLimit.windowMs: expected an integer from 1000 "
	    "to 86400000");
	LOAD_ERR("{gateway: {auth: {rateLimit: {lockoutMs: 86400001}}}}", 1,
	    42, "gateway.auth.rateLimit.lockoutMs");
	LOAD_ERR("{gateway: {auth: {rateLimit: {exemptLoopback: 'true'}}}}", 1,
	    47, "expected true or false, got a string; write true or false "
	    "without quotes");
	LOAD_ERR("{gateway: {auth: {rateLimit: {exemptLoopback: 1}}}}", 1,
	    47, "expected true or false, got an integer");
	LOAD_ERR("{gateway: {auth: {rateLimit: []}}}", 1, 30,
	    "gateway.auth.rateLimit: expected an object, got an array");
	LOAD_ERR("{gateway: {auth: {rateLimit: {max: 1}}}}", 1, 31,
	    "gateway.auth.rateLimit.max: unknown key");
}
END_TEST

START_TEST(cfg_types)
{
	LOAD_ERR("{gateway: 5}", 1, 11, "gateway: expected an object, got an "
	    "integer");
	LOAD_ERR("{clawgate: []}", 1, 12, "clawgate: expected an object, got "
	    "an array");
	LOAD_ERR("{meta: 'x'}", 1, 8, "meta: expected an object, got a "
	    "string");
	LOAD_ERR("{gateway: {auth: 'tok'}}", 1, 18, "gateway.auth: expected "
	    "an object, got a string");
	LOAD_ERR("{gateway: {controlUi: true}}", 1, 23, "gateway.controlUi: "
	    "expected an object, got a boolean");
	LOAD_ERR("{gateway: {bind: 1}}", 1, 18, "gateway.bind: expected a "
	    "string, got an integer");
	LOAD_ERR("{gateway: {auth: {token: 12345}}}", 1, 26,
	    "gateway.auth.token: expected a string, got an integer");
	LOAD_ERR("{gateway: {auth: {password: 1.5}}}", 1, 29,
	    "gateway.auth.password: expected a string, got a number");
	LOAD_ERR("{gateway: {localPeers: '10.0.0.1'}}", 1, 24,
	    "gateway.localPeers: expected an array of IP addresses or CIDRs, "
	    "got a string");
	LOAD_ERR("{gateway: {localPeers: ['10.0.0.1', 5]}}", 1, 37,
	    "gateway.localPeers[1]: expected a string, got an integer");
	LOAD_ERR("{gateway: {controlUi: {allowedOrigins: {}}}}", 1, 40,
	    "expected an array of origins, got an object");
	LOAD_ERR("{gateway: {controlUi: {enabled: 'yes'}}}", 1, 33,
	    "gateway.controlUi.enabled: expected true or false, got a string");
	LOAD_ERR("{clawgate: {workers: '4'}}", 1, 22,
	    "clawgate.workers: expected an integer from 0 to 64, got a string");
	LOAD_ERR("{clawgate: {stateDir: 7}}", 1, 23,
	    "clawgate.stateDir: expected a string, got an integer");
	LOAD_ERR("[]", 1, 1, "must be an object");
	LOAD_ERR("  'x'", 1, 3, "must be an object");
}
END_TEST

START_TEST(cfg_mode)
{
	LOAD_OK("{gateway: {mode: 'local'}}");
	LOAD_ERR("{gateway: {mode: 'remote'}}", 1, 18,
	    "\"remote\" is the openclaw CLI's client setting");
	MSG_HAS("clawgate is the gateway itself");
	LOAD_ERR("{gateway: {mode: 'server'}}", 1, 18,
	    "gateway.mode: \"server\" is not a mode; the only value is "
	    "\"local\"");
}
END_TEST

START_TEST(cfg_bind)
{
	LOAD_OK("{gateway: {bind: 'loopback'}}");
	ck_assert_int_eq(C.bind, BIND_LOOPBACK);
	LOAD_OK("{gateway: {bind: 'lan'}}");
	ck_assert_int_eq(C.bind, BIND_LAN);
	LOAD_ERR("{gateway: {bind: 'auto'}}", 1, 18,
	    "\"auto\" is not supported: clawgate never picks a wider bind "
	    "implicitly");
	MSG_HAS("\"loopback\"");
	MSG_HAS("\"lan\"");
	MSG_HAS("\"custom\"");
	LOAD_ERR("{gateway: {bind: 'tailnet'}}", 1, 18,
	    "\"tailnet\" is not supported: clawgate never picks a wider bind");
	LOAD_ERR("{gateway: {bind: '0.0.0.0'}}", 1, 18,
	    "write \"lan\" to listen on all IPv4 interfaces (0.0.0.0)");
	LOAD_ERR("{gateway: {bind: 'localhost'}}", 1, 18,
	    "write \"loopback\"");
	LOAD_ERR("{gateway: {bind: '127.0.0.1'}}", 1, 18,
	    "write \"loopback\"");
	LOAD_ERR("{gateway: {bind: '10.1.2.3'}}", 1, 18,
	    "set gateway.bind to \"custom\" and gateway.customBindHost to "
	    "\"10.1.2.3\"");
	LOAD_ERR("{gateway: {bind: 'LAN'}}", 1, 18,
	    "\"LAN\" is not a bind mode; use \"loopback\", \"lan\" or "
	    "\"custom\"");
}
END_TEST

START_TEST(cfg_custom_bind_host)
{
	LOAD_OK("{gateway: {customBindHost: '10.0.0.5', bind: 'custom'}}");
	ck_assert_str_eq(C.custom_bind_host, "10.0.0.5");
	LOAD_ERR("{gateway: {bind: 'custom', customBindHost: '::1'}}", 1, 44,
	    "gateway.customBindHost: only IPv4 addresses are supported");
	LOAD_ERR("{gateway: {bind: 'custom', customBindHost: 'gw.lan'}}", 1,
	    44, "\"gw.lan\" is not an IPv4 address");
	LOAD_ERR("{gateway: {bind: 'custom', customBindHost: '10.0.0'}}", 1,
	    44, "is not an IPv4 address");
	/* Both directions of the pairing. */
	LOAD_ERR("{gateway: {\n  bind: 'custom',\n}}", 2, 9,
	    "gateway.bind is \"custom\" but gateway.customBindHost is not set");
	LOAD_ERR("{gateway: {\n  customBindHost: '10.0.0.5',\n}}", 2, 3,
	    "gateway.customBindHost is set but gateway.bind is \"loopback\" "
	    "(the default); set gateway.bind to \"custom\"");
	LOAD_ERR("{gateway: {bind: 'lan', customBindHost: '10.0.0.5'}}", 1,
	    25, "gateway.bind is \"lan\";");
}
END_TEST

START_TEST(cfg_auth_mode)
{
	LOAD_OK("{gateway: {auth: {mode: 'token'}}}");
	ck_assert_int_eq(C.auth_mode, AUTHMODE_TOKEN);
	ck_assert_int_eq(C.auth_mode_set, 1);
	LOAD_ERR("{gateway: {auth: {mode: 'trusted-proxy'}}}", 1, 25,
	    "\"trusted-proxy\" is not supported yet");
	LOAD_ERR("{gateway: {auth: {mode: 'Token'}}}", 1, 25,
	    "gateway.auth.mode: \"Token\" is not an auth mode; use \"token\", "
	    "\"password\" or \"none\"");
}
END_TEST

START_TEST(cfg_secrets_rejected)
{
	static const char *const bad[] = {
		"", "   ", "undefined", "null", "NULL", " Undefined ",
		"change-me-to-a-long-random-token", "change-me-now",
		"change-me-to-a-strong-password",
	};
	char	t[256];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(t, sizeof(t), "{gateway: {auth: {token: '%s'}}}",
		    bad[i]);
		LOAD_ERR(t, 1, 26, "gateway.auth.token: value is ");
		MSG_HAS("clawgate generates a token");
		if (strlen(bad[i]) > 5)
			MSG_LACKS(bad[i]);
		snprintf(t, sizeof(t), "{gateway: {auth: {password: '%s'}}}",
		    bad[i]);
		LOAD_ERR(t, 1, 29, "gateway.auth.password: value is ");
		if (strlen(bad[i]) > 5)
			MSG_LACKS(bad[i]);
	}
	LOAD_ERR("{gateway: {auth: {token: 'change-me-now'}}}", 1, 26,
	    "gateway.auth.token: value is a published placeholder");
	LOAD_ERR("{gateway: {auth: {token: ''}}}", 1, 26, "value is blank");
	LOAD_ERR("{gateway: {auth: {token: 'undefined'}}}", 1, 26,
	    "value is a placeholder");
	LOAD_ERR("{gateway: {auth: {token: 'abcdefghijklmnopqrstuvwxyz\\n'}}}",
	    1, 26, "control character");
	MSG_LACKS("abcdefghij");
	LOAD_ERR("{gateway: {auth: {password: ' abcdefghijklmnopqrstuvwxyz'}}}",
	    1, 29, "starts or ends with a space");
	MSG_LACKS("abcdefghij");
}
END_TEST

START_TEST(cfg_secret_limits)
{
	char	*t = malloc(2048);
	char	 tok[1100];

	ck_assert_ptr_nonnull(t);
	memset(tok, 'k', 1024);
	tok[1024] = '\0';
	snprintf(t, 2048, "{gateway: {auth: {token: '%s'}}}", tok);
	LOAD_OK(t);
	ck_assert_uint_eq(strlen(C.auth_token), 1024);
	config_free(&C);
	strcat(tok, "k");
	snprintf(t, 2048, "{gateway: {auth: {token: '%s'}}}", tok);
	LOAD_ERR(t, 1, 26, "longer than 1024 bytes");
	MSG_LACKS("kkkk");
	free(t);

	/* Short secrets load, with a warning that hides the value. */
	LOAD_OK("{gateway: {auth: {token: 'shorty'}}}");
	ck_assert_str_eq(C.auth_token, "shorty");
	ck_assert_int_eq(C.nwarnings, 1);
	ck_assert_msg(strncmp(C.warnings[0], "t.conf:1:26: gateway.auth.token "
	    "is shorter than 24", 50) == 0, "%s", C.warnings[0]);
	ck_assert_ptr_null(strstr(C.warnings[0], "shorty"));
}
END_TEST

START_TEST(cfg_cidr_lists)
{
	char	t[2048];
	int	i;

	LOAD_OK("{gateway: {localPeers: [], trustedProxies: []}}");
	ck_assert_int_eq(C.nlocal_peers, 0);
	strcpy(t, "{gateway: {trustedProxies: [");
	for (i = 0; i < CFG_MAX_CIDRS; i++)
		sprintf(t + strlen(t), "'10.0.%d.0/24',", i);
	strcat(t, "]}}");
	LOAD_OK(t);
	ck_assert_int_eq(C.ntrusted_proxies, CFG_MAX_CIDRS);
	ck_assert_int_eq(C.trusted_proxies[15].addr[2], 15);
	strcpy(t + strlen(t) - 3, "'::1']}}");
	LOAD_ERR(t, 1, 28, "gateway.trustedProxies: 17 entries; at most 16");
	LOAD_ERR("{gateway: {localPeers: ['172.17.0.1/32', '10.0.0.300']}}",
	    1, 42, "gateway.localPeers[1]: \"10.0.0.300\" is not an IP address "
	    "or CIDR");
	LOAD_ERR("{gateway: {trustedProxies: ['fe80::1%eth0']}}", 1, 29,
	    "gateway.trustedProxies[0]: \"fe80::1%eth0\" is not an IP");
	LOAD_ERR("{gateway: {trustedProxies: ['1.2.3.4/33']}}", 1, 29,
	    "\"1.2.3.4/33\"");
	/* Non-printable input is escaped in messages. */
	LOAD_ERR("{gateway: {localPeers: ['\\u0001x\"']}}", 1, 25,
	    "\"\\x01x\\x22\" is not");
}
END_TEST

START_TEST(cfg_base_path)
{
	static const char *const ok[] = {
		"", "/openclaw", "/a/b-c_d.e~f", "/A9", "/..a", "/a..",
	};
	static const struct { const char *v, *why; } bad[] = {
		{ "openclaw", "must start with '/'" },
		{ "/x/", "remove the trailing '/'" },
		{ "/", "remove the trailing '/'" },
		{ "/a//b", "empty segment" },
		{ "/a/../b", "\"..\" segments" },
		{ "/.", "\".\" and \"..\"" },
		{ "/a b", "only A-Z" },
		{ "/a?b", "only A-Z" },
		{ "/caf\xc3\xa9", "only A-Z" },
	};
	char	t[256];
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(t, sizeof(t), "{gateway: {controlUi: "
		    "{basePath: '%s'}}}", ok[i]);
		LOAD_OK(t);
		ck_assert_str_eq(C.control_ui_base_path, ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(t, sizeof(t), "{gateway: {controlUi: "
		    "{basePath: '%s'}}}", bad[i].v);
		LOAD_ERR(t, 1, 34, "gateway.controlUi.basePath: not a valid "
		    "URL prefix");
		MSG_HAS(bad[i].why);
	}
	memset(t, 0, sizeof(t));
	strcpy(t, "{gateway: {controlUi: {basePath: '/");
	memset(t + strlen(t), 'a', 127);
	strcat(t, "'}}}");
	LOAD_ERR(t, 1, 34, "longer than 127 bytes");
}
END_TEST

START_TEST(cfg_origins)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "*", "*" },
		{ "HTTPS://Example.COM:443", "https://example.com" },
		{ "http://example.com:80", "http://example.com" },
		{ "http://example.com:443", "http://example.com:443" },
		{ "https://h:8443", "https://h:8443" },
		{ "http://[::1]:3000", "http://[::1]:3000" },
		{ "http://[FE80::1]", "http://[fe80::1]" },
		{ "http://127.0.0.1:18789", "http://127.0.0.1:18789" },
	};
	static const struct { const char *v, *why; } bad[] = {
		{ "example.com", "https://host[:port]" },
		{ "http:/x", "https://host[:port]" },
		{ "http://", "host is missing" },
		{ "http://x/", "no path" },
		{ "http://x:8080/", "no path" },
		{ "http://x/app", "no path" },
		{ "http://x?q", "no path" },
		{ "http://x:0", "port must be 1-65535" },
		{ "http://x:65536", "port must be 1-65535" },
		{ "http://x:", "port must be 1-65535" },
		{ "http://u@x", "no user name" },
		{ "http://[::1", "closing ']'" },
		{ "http://[1.2.3.4]", "not IPv6" },
		{ "http://x_y", "invalid characters" },
		{ "1http://x", "https://host[:port]" },
		/* It could never match a page: the worker compares http(s). */
		{ "chrome-extension://abcdef", "only an http:// or https://" },
		{ "http://127.1", "only an http:// or https://" },
	};
	char	t[512];
	size_t	i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(t, sizeof(t), "{gateway: {controlUi: {allowedOrigins: "
		    "['%s']}}}", ok[i].in);
		LOAD_OK(t);
		ck_assert_int_eq(C.nallowed_origins, 1);
		ck_assert_str_eq(C.allowed_origins[0], ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(t, sizeof(t), "{gateway: {controlUi: {allowedOrigins: "
		    "['http://ok', '%s']}}}", bad[i].v);
		LOAD_ERR(t, 1, 54, "gateway.controlUi.allowedOrigins[1]: ");
		MSG_HAS("is not an origin");
		MSG_HAS(bad[i].why);
	}
	strcpy(t, "{gateway: {controlUi: {allowedOrigins: [");
	for (i = 0; i <= CFG_MAX_ORIGINS; i++)
		sprintf(t + strlen(t), "'http://h%zu',", i);
	strcat(t, "]}}}");
	LOAD_ERR(t, 1, 40, "17 entries; at most 16");
	/* "*" loads with a warning. */
	LOAD_OK("{gateway: {controlUi: {allowedOrigins: ['*']}}}");
	ck_assert_int_eq(C.nwarnings, 1);
	ck_assert_msg(strstr(C.warnings[0], "t.conf:1:41: gateway.controlUi."
	    "allowedOrigins[0] is \"*\"") != NULL, "%s", C.warnings[0]);
}
END_TEST

START_TEST(cfg_clawgate_section)
{
	char	t[PATH_MAX + 64];

	LOAD_OK("{clawgate: {workers: 0}}");
	LOAD_OK("{clawgate: {workers: 64}}");
	ck_assert_int_eq(C.workers, 64);
	LOAD_ERR("{clawgate: {workers: 65}}", 1, 22,
	    "clawgate.workers: expected an integer from 0 to 64, got 65");
	LOAD_ERR("{clawgate: {workers: -1}}", 1, 22, "got -1");
	LOAD_OK("{clawgate: {user: '_cg', authUser: 'a.b-c_1'}}");
	LOAD_ERR("{clawgate: {user: 'root'}}", 1, 19,
	    "clawgate.user: the sandboxed processes must not run as root");
	LOAD_ERR("{clawgate: {authUser: 'root'}}", 1, 23, "not run as root");
	LOAD_ERR("{clawgate: {user: ''}}", 1, 19,
	    "clawgate.user: \"\" is not a valid user name");
	LOAD_ERR("{clawgate: {user: '-x'}}", 1, 19, "not a valid user name");
	LOAD_ERR("{clawgate: {user: '.x'}}", 1, 19, "not a valid user name");
	LOAD_ERR("{clawgate: {user: 'a b'}}", 1, 19, "not a valid user name");
	LOAD_ERR("{clawgate: {user: 'a:b'}}", 1, 19, "not a valid user name");
	LOAD_ERR("{clawgate: {user: '1000'}}", 1, 19, "not all digits");
	LOAD_ERR("{clawgate: {user: 'abcdefghijabcdefghijabcdefghijabc'}}", 1,
	    19, "not a valid user name");
	LOAD_OK("{clawgate: {user: 'abcdefghijabcdefghijabcdefghijab'}}");
	LOAD_ERR("{clawgate: {\n  user: 'cg',\n  authUser: 'cg'\n}}", 3, 3,
	    "clawgate.user and clawgate.authUser are both \"cg\"; they must "
	    "differ");
	LOAD_ERR("{clawgate: {user: '_clawgate_auth'}}", 1, 13,
	    "they must differ");

	LOAD_ERR("{clawgate: {stateDir: 'var/lib/cg'}}", 1, 23,
	    "clawgate.stateDir: must be an absolute path");
	LOAD_ERR("{clawgate: {runDir: ''}}", 1, 21,
	    "clawgate.runDir: must be an absolute path");
	LOAD_ERR("{clawgate: {chrootDir: './empty'}}", 1, 24,
	    "clawgate.chrootDir: must be an absolute path");
	LOAD_ERR("{clawgate: {logFile: '/var/log/x\\nFAKE'}}", 1, 22,
	    "clawgate.logFile: the path contains a control character");
	strcpy(t, "{clawgate: {stateDir: '/");
	memset(t + strlen(t), 'd', PATH_MAX);
	strcpy(t + 24 + PATH_MAX, "'}}");
	LOAD_ERR(t, 1, 23, "clawgate.stateDir: value is longer than");
}
END_TEST

/* ======================================================================
 * unknown, retired and unsupported keys
 * ====================================================================== */

START_TEST(cfg_unknown_keys)
{
	LOAD_ERR("{\n  agents: {},\n}", 2, 3,
	    "agents: unknown top-level key; the file has only gateway, "
	    "clawgate, $schema and meta");
	MSG_HAS("openclaw.json");
	LOAD_ERR("{gatway: {}}", 1, 2, "(did you mean gateway?)");
	LOAD_ERR("{gateway: {prot: 1}}", 1, 12,
	    "gateway.prot: unknown key (did you mean gateway.port?); "
	    "remove it");
	LOAD_ERR("{gateway: {Bind: 'lan'}}", 1, 12,
	    "(did you mean gateway.bind?)");
	LOAD_ERR("{gateway: {zzzzzz: 1}}", 1, 12,
	    "gateway.zzzzzz: unknown key; remove it (clawgated.conf(5) lists "
	    "the accepted keys)");
	LOAD_ERR("{gateway: {auth: {tokne: 'x'}}}", 1, 19,
	    "gateway.auth.tokne: unknown key "
	    "(did you mean gateway.auth.token?)");
	MSG_LACKS("'x'");
	LOAD_ERR("{gateway: {controlUi: {allowedOrigin: []}}}", 1, 24,
	    "did you mean gateway.controlUi.allowedOrigins?");
	LOAD_ERR("{clawgate: {worker: 2}}", 1, 13,
	    "clawgate.worker: unknown key (did you mean clawgate.workers?)");
	LOAD_ERR("{gateway: {'a.b\\u0001': 1}}", 1, 12,
	    "gateway.a.b\\x01: unknown key");
	/* The first problem in file order is the one reported. */
	LOAD_ERR("{gateway: {port: 1, x: 1, y: 2}}", 1, 21, "gateway.x");
}
END_TEST

START_TEST(cfg_retired_keys)
{
	LOAD_ERR("{gateway: {controlUi: {\n  allowInsecureAuth: true}}}", 2, 3,
	    "gateway.controlUi.allowInsecureAuth: retired in OpenClaw 2026.9");
	MSG_HAS("pair through the normal device flow");
	MSG_HAS("local browsers pair silently");
	MSG_HAS("`clawgate devices approve <requestId>`");
	MSG_HAS("Remove the key");
	LOAD_ERR("{gateway: {controlUi: "
	    "{dangerouslyDisableDeviceAuth: false}}}", 1, 24,
	    "gateway.controlUi.dangerouslyDisableDeviceAuth: retired in "
	    "OpenClaw 2026.9");
	MSG_HAS("clawgate devices approve");
	LOAD_ERR("{gateway: {token: 'sekr1t-sekr1t-sekr1t-sekr1t'}}", 1, 12,
	    "gateway.token: use gateway.auth.token instead");
	MSG_LACKS("sekr1t");
	LOAD_ERR("{gateway: {remote: {token: 'sekr1t-sekr1t-sekr1t'}}}", 1, 21,
	    "gateway.remote.token is the CLI's client credential for reaching "
	    "a remote gateway; it does not configure this gateway's auth. Set "
	    "gateway.auth.token (or leave it unset and clawgate generates and "
	    "persists one).");
	MSG_LACKS("sekr1t");
	LOAD_ERR("{gateway: {remote: {password: 'sekr1t-sekr1t'}}}", 1, 21,
	    "gateway.remote.password is the CLI's client credential");
	MSG_HAS("gateway.auth.password");
	MSG_LACKS("sekr1t");
	LOAD_ERR("{gateway: {remote: {url: 'wss://gw.example', token: 'x'}}}",
	    1, 21, "gateway.remote.url is the openclaw CLI's client setting");
	LOAD_ERR("{gateway: {remote: {}}}", 1, 12,
	    "gateway.remote holds the openclaw CLI's client settings");
	LOAD_ERR("{gateway: {tailscale: {mode: 'serve'}}}", 1, 24,
	    "gateway.tailscale.mode: not supported");
	MSG_HAS("gateway.trustedProxies");
	LOAD_ERR("{gateway: {tailscale: 'off'}}", 1, 12,
	    "gateway.tailscale: not supported");
	LOAD_ERR("{gateway: {tls: {enabled: true, certPath: '/x'}}}", 1, 18,
	    "gateway.tls.enabled: not supported: clawgate does not terminate "
	    "TLS. Put a TLS-terminating reverse proxy in front, list its "
	    "address in gateway.trustedProxies");
	LOAD_ERR("{gateway: {auth: {trustedProxy: {userHeader: 'x'}}}}", 1, 19,
	    "gateway.auth.trustedProxy: trusted-proxy auth is not supported");
	MSG_HAS("gateway.trustedProxies");
	LOAD_ERR("{gateway: {auth: {allowTailscale: true}}}", 1, 19,
	    "gateway.auth.allowTailscale: Tailscale identity headers are not "
	    "supported");
	MSG_HAS("gateway.trustedProxies");
	LOAD_ERR("{gateway: {reload: {mode: 'hybrid'}}}", 1, 21,
	    "gateway.reload.mode: clawgate reloads on SIGHUP or `clawgate "
	    "gateway reload`");
	MSG_HAS("remove the key");
	LOAD_ERR("{gateway: {allowRealIpFallback: false}}", 1, 12,
	    "gateway.allowRealIpFallback: not supported");
	LOAD_ERR("{gateway: {publicOrigin: 'https://x'}}", 1, 12,
	    "gateway.publicOrigin: an OpenClaw setting that clawgate does not "
	    "implement; remove it");
	LOAD_ERR("{gateway: {controlUi: "
	    "{dangerouslyAllowHostHeaderOriginFallback: true}}}", 1, 24,
	    "never treats the Host header as an allowed origin");
	LOAD_ERR("{gateway: {auth: {identityScopes: {}}}}", 1, 19,
	    "gateway.auth.identityScopes: ");
}
END_TEST

/* ======================================================================
 * whole-file checks
 * ====================================================================== */

#define TOK	"'tttttttttttttttttttttttttttttt'"
#define PW	"'pppppppppppppppppppppppppppppp'"

START_TEST(cfg_auth_cross)
{
	LOAD_ERR("{gateway: {auth: {\n  token: " TOK ",\n  password: " PW
	    "}}}", 3, 3, "gateway.auth.token and gateway.auth.password are "
	    "both set; set gateway.auth.mode to token or password");
	MSG_LACKS("tttt");
	MSG_LACKS("pppp");
	LOAD_ERR("{gateway: {auth: {\n  password: " PW ",\n  token: " TOK
	    "}}}", 3, 3, "both set");
	LOAD_ERR("{gateway: {auth: {mode: 'token', password: " PW "}}}", 1, 34,
	    "gateway.auth.mode is token but only gateway.auth.password is set");
	LOAD_ERR("{gateway: {auth: {password: " PW ", mode: 'token'}}}", 1,
	    63, "mode is token but only");
	LOAD_ERR("{gateway: {auth: {mode: 'token', token: " TOK ", password: "
	    PW "}}}", 1, 75, "gateway.auth.password is set but "
	    "gateway.auth.mode is token");
	LOAD_ERR("{gateway: {auth: {mode: 'password', token: " TOK "}}}", 1, 37,
	    "gateway.auth.mode is password but only gateway.auth.token is set");
	LOAD_ERR("{gateway: {auth: {mode: 'password', token: " TOK
	    ", password: " PW "}}}", 1, 37,
	    "gateway.auth.token is set but gateway.auth.mode is password");
	LOAD_ERR("{gateway: {auth: {mode: 'none', token: " TOK "}}}", 1, 33,
	    "gateway.auth.mode is none but gateway.auth.token is set");
	LOAD_ERR("{gateway: {auth: {password: " PW ", mode: 'none'}}}", 1, 63,
	    "gateway.auth.mode is none but gateway.auth.password is set");
	LOAD_OK("{gateway: {auth: {mode: 'password', password: " PW "}}}");
	ck_assert_str_eq(C.auth_password, "pppppppppppppppppppppppppppppp");
	LOAD_OK("{gateway: {auth: {dangerouslyAllowNoAuthOnNetwork: true}}}");
	ck_assert_int_eq(C.nwarnings, 1);
	ck_assert_msg(strstr(C.warnings[0], "has no effect unless "
	    "gateway.auth.mode is none") != NULL, "%s", C.warnings[0]);
}
END_TEST

START_TEST(cfg_env_subst)
{
	setenv("CG_T_TOKEN", "from-the-environment-0123456789", 1);
	setenv("CG_T_PORT_HOST", "10.9.8.7", 1);
	unsetenv("CG_T_NOPE");
	LOAD_OK("{gateway: {auth: {token: '${CG_T_TOKEN}'}, bind: 'custom', "
	    "customBindHost: '${CG_T_PORT_HOST}'}}");
	ck_assert_str_eq(C.auth_token, "from-the-environment-0123456789");
	ck_assert_str_eq(C.custom_bind_host, "10.9.8.7");
	ck_assert_int_eq(C.nwarnings, 0);

	/* Missing: the value is unset, with a warning; not an error. */
	LOAD_OK("{gateway: {\n  auth: {token: '${CG_T_NOPE}'}}}");
	ck_assert_ptr_null(C.auth_token);
	ck_assert_int_eq(C.nwarnings, 1);
	ck_assert_str_eq(C.warnings[0], "t.conf:2:17: gateway.auth.token: "
	    "environment variable CG_T_NOPE is missing or empty; the value is "
	    "treated as unset");
	setenv("CG_T_NOPE", "", 1);
	LOAD_OK("{gateway: {auth: {token: '${CG_T_NOPE}'}}}");
	ck_assert_ptr_null(C.auth_token);
	ck_assert_int_eq(C.nwarnings, 1);

	/* An unset value then counts as absent for the cross checks. */
	LOAD_ERR("{gateway: {bind: 'custom', customBindHost: '${CG_T_NOPE}'}}",
	    1, 18, "gateway.customBindHost is not set");
	/* $$ escapes; the literal then fails validation as a literal. */
	LOAD_ERR("{gateway: {bind: 'custom', customBindHost: "
	    "'$${CG_T_PORT_HOST}'}}", 1, 44,
	    "\"${CG_T_PORT_HOST}\" is not an IPv4 address");
	/* Substituted values are validated like written ones. */
	setenv("CG_T_BAD", "change-me-now", 1);
	LOAD_ERR("{gateway: {auth: {token: '${CG_T_BAD}'}}}", 1, 26,
	    "published placeholder");
}
END_TEST

/* Load on top of the current C, as a reload does. */
static int
reload(const char *t)
{
	return config_load_text(&C, t, strlen(t), "t.conf", &E);
}

START_TEST(cfg_error_keeps_config)
{
	char	*tok;

	LOAD_OK("{gateway: {port: 1234, auth: {token: " TOK "}}}");
	tok = C.auth_token;
	ck_assert_int_eq(reload("{gateway: {port: 99, bogus: 1}}"), -1);
	ck_assert_int_eq(C.port, 1234);
	ck_assert_ptr_eq(C.auth_token, tok);
	ck_assert_int_eq(reload("{gateway: {auth: {token: "
	    "'another-token-that-is-long-enough'}, port: 0}}"), -1);
	ck_assert_ptr_eq(C.auth_token, tok);
	ck_assert_str_eq(C.auth_token, "tttttttttttttttttttttttttttttt");
	/* A good reload replaces the secret (and frees the old: ASan). */
	ck_assert_int_eq(reload("{gateway: {auth: {token: "
	    "'another-token-that-is-long-enough'}}}"), 0);
	ck_assert_str_eq(C.auth_token, "another-token-that-is-long-enough");
	/* One that leaves the token out keeps the current one. */
	ck_assert_int_eq(reload("{gateway: {port: 99}}"), 0);
	ck_assert_str_eq(C.auth_token, "another-token-that-is-long-enough");
	ck_assert_int_eq(C.port, 99);
}
END_TEST

START_TEST(cfg_check)
{
	LOAD_OK("{gateway: {bind: 'lan', auth: {mode: 'none'}}}");
	ck_assert_int_eq(config_check(&C, &E), -1);
	MSG_HAS("refusing auth mode none on the network bind \"lan\"");
	MSG_HAS("dangerouslyAllowNoAuthOnNetwork");
	ck_assert_int_eq(E.line, 0);

	LOAD_OK("{gateway: {bind: 'lan', auth: {mode: 'none', "
	    "dangerouslyAllowNoAuthOnNetwork: true}}}");
	ck_assert_int_eq(config_check(&C, &E), 0);

	LOAD_OK("{gateway: {bind: 'lan', auth: {mode: 'none', "
	    "dangerouslyAllowNoAuthOnNetwork: true}, controlUi: "
	    "{allowedOrigins: ['http://a', '*']}}}");
	ck_assert_int_eq(config_check(&C, &E), -1);
	MSG_HAS("allowedOrigins \"*\"");

	LOAD_OK("{gateway: {auth: {mode: 'none'}, controlUi: "
	    "{allowedOrigins: ['*']}}}");
	ck_assert_int_eq(config_check(&C, &E), 0);	/* loopback */

	LOAD_OK("{gateway: {bind: 'custom', customBindHost: '127.0.0.2', auth: "
	    "{mode: 'none'}}}");
	ck_assert_int_eq(config_check(&C, &E), 0);
	LOAD_OK("{gateway: {bind: 'custom', customBindHost: '10.0.0.2', auth: "
	    "{mode: 'none'}}}");
	ck_assert_int_eq(config_check(&C, &E), -1);
	MSG_HAS("network bind \"custom\"");

	/* Password mode needs a password by the time of the check... */
	unsetenv("CLAWGATE_GATEWAY_PASSWORD");
	setenv("OPENCLAW_GATEWAY_PASSWORD", " \t", 1);
	LOAD_OK("{gateway: {auth: {mode: 'password'}}}");
	ck_assert_int_eq(config_check(&C, &E), -1);
	MSG_HAS("gateway.auth.mode is password but no password is set");
	MSG_HAS("CLAWGATE_GATEWAY_PASSWORD");
	/* ...which the environment may provide... */
	setenv("CLAWGATE_GATEWAY_PASSWORD", "pppppppppppppppppppppppppppppp", 1);
	ck_assert_int_eq(config_check(&C, &E), 0);
	unsetenv("CLAWGATE_GATEWAY_PASSWORD");
	setenv("OPENCLAW_GATEWAY_PASSWORD", "pppppppppppppppppppppppppppppp", 1);
	ck_assert_int_eq(config_check(&C, &E), 0);
	unsetenv("OPENCLAW_GATEWAY_PASSWORD");
	ck_assert_int_eq(config_check(&C, &E), -1);
	/* ...or the caller, having read it. */
	C.auth_password = strdup("pppppppppppppppppppppppppppppp");
	ck_assert_int_eq(config_check(&C, &E), 0);

	/* Flags may set bind custom without a host. */
	LOAD_OK("{}");
	C.bind = BIND_CUSTOM;
	ck_assert_int_eq(config_check(&C, &E), -1);
	MSG_HAS("customBindHost");
	LOAD_OK("{}");
	ck_assert_int_eq(config_check(&C, &E), 0);
}
END_TEST

START_TEST(cfg_load_file)
{
	char	 dir[] = "/tmp/check_config.XXXXXX", p[256], *big;
	FILE	*f;
	int	 fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/clawgated.conf", dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\n  gateway: { port: 4242,\n  bogus: 1 },\n}\n", f);
	fclose(f);
	config_defaults(&C);
	ck_assert_int_eq(config_load_file(&C, p, &E), -1);
	ck_assert_str_eq(E.file, p);
	ck_assert_int_eq(E.line, 3);
	ck_assert_int_eq(E.col, 3);
	ck_assert_str_eq(C.path, "");

	f = fopen(p, "w");
	fputs("{ gateway: { port: 4242 } }", f);
	fclose(f);
	ck_assert_int_eq(config_load_file(&C, p, &E), 0);
	ck_assert_int_eq(C.port, 4242);
	ck_assert_str_eq(C.path, p);

	ck_assert_int_eq(config_load_file(&C, dir, &E), -1);
	ck_assert_str_eq(E.msg, "not a regular file");
	ck_assert_int_eq(E.line, 0);

	snprintf(p, sizeof(p), "%s/missing.conf", dir);
	ck_assert_int_eq(config_load_file(&C, p, &E), -1);
	MSG_HAS("cannot open: No such file or directory");
	MSG_HAS("-f");

	snprintf(p, sizeof(p), "%s/big.conf", dir);
	big = calloc(1, JSON5_MAX_INPUT + 10);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', JSON5_MAX_INPUT + 1);
	big[0] = '{';
	big[JSON5_MAX_INPUT] = '}';
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_eq(write(fd, big, JSON5_MAX_INPUT + 1),
	    JSON5_MAX_INPUT + 1);
	close(fd);
	free(big);
	ck_assert_int_eq(config_load_file(&C, p, &E), -1);
	MSG_HAS("larger than 1 MiB");
	unlink(p);
	snprintf(p, sizeof(p), "%s/clawgated.conf", dir);
	unlink(p);
	rmdir(dir);
}
END_TEST

START_TEST(cfg_free_wipes)
{
	static const char tok[] = "WIPE-ME-token-0123456789abcdefghijklmnop";
	static const char pw[] = "WIPE-ME-password-0123456789abcdefghijklm";
	static const unsigned char zero[sizeof(tok)];
	size_t	i;

	LOAD_OK("{gateway: {auth: {mode: 'token', token: '" "WIPE-ME-token-"
	    "0123456789abcdefghijklmnop'}}}");
	watch_ptr = C.auth_token;
	watch_len = strlen(tok) + 1;
	watch_hit = 0;
	config_free(&C);
	ck_assert_msg(wrap_active, "free() is not wrapped: link with "
	    "-Wl,--wrap=free");
	ck_assert_int_eq(watch_hit, 1);
	ck_assert_ptr_null(C.auth_token);
	for (i = 0; i < watch_len; i++)
		ck_assert_msg(watch_seen[i] == 0, "byte %zu not wiped", i);
	ck_assert_int_eq(memcmp(watch_seen, zero, sizeof(zero)), 0);

	/* Password too, set the way the master does after reading env. */
	config_defaults(&C);
	C.auth_password = strdup(pw);
	watch_ptr = C.auth_password;
	watch_len = sizeof(pw);
	watch_hit = 0;
	config_free(&C);
	ck_assert_int_eq(watch_hit, 1);
	for (i = 0; i < sizeof(pw); i++)
		ck_assert_int_eq(watch_seen[i], 0);
	config_free(&C);	/* twice is harmless */
}
END_TEST

/*
 * Issue 10 item 11: two `auth' members, or two `token' keys, the first
 * holding a secret.  The JSON5 reader refuses such a file and wipes what
 * it built.  jansson's own reader (control requests, connect frames, the
 * CLI) keeps the last and frees the first itself, or frees the half-built
 * object when it rejects duplicates: json_wipe_on_free() makes those
 * frees wipe.  Every block freed (jansson's too: its allocator is ours
 * here, so its free() is the wrapped one) is scanned for the secret.
 */
START_TEST(cfg_duplicate_auth_wiped)
{
#ifdef __GLIBC__
	static const char *const j5[] = {
		"{gateway: {auth: {token: '" SCAN_MARK "'}, auth: {mode: "
		    "'token'}}}",
		"{gateway: {auth: {token: '" SCAN_MARK "', token: 'x'}}}",
	};
	static const char *const js[] = {
		"{\"auth\": {\"token\": \"" SCAN_MARK "\"}, \"auth\": "
		    "{\"token\": \"x\"}}",
		"{\"params\": {\"auth\": {\"token\": \"" SCAN_MARK "\", "
		    "\"token\": \"x\"}}}",
	};
	json_t	*j;
	size_t	 i;

	/* The detector: jansson's plain free leaves the first one behind. */
	json_set_alloc_funcs(malloc, free);
	scan_hits = 0;
	scan_free = 1;
	j = json_loadb(js[0], strlen(js[0]), 0, NULL);
	ck_assert_ptr_nonnull(j);
	scan_free = 0;
	json_decref(j);
	ck_assert_msg(wrap_active && scan_hits > 0, "the free() scan does not "
	    "see jansson drop the first \"auth\"");

	json_wipe_on_free();
	scan_hits = 0;
	scan_free = 1;
	for (i = 0; i < sizeof(j5) / sizeof(j5[0]); i++) {
		ck_assert_int_eq(load(j5[i]), -1);
		MSG_HAS("duplicate key");
	}
	ck_assert_int_eq(scan_hits, 0);
	for (i = 0; i < sizeof(js) / sizeof(js[0]); i++) {
		j = json_loadb(js[i], strlen(js[i]), 0, NULL);
		ck_assert_ptr_nonnull(j);	/* the last one kept */
		json_decref(j);
		ck_assert_msg(scan_hits == 0, "json_loadb freed the first "
		    "duplicate unwiped (%s)", i == 0 ? "auth" : "token");
		j = json_loadb(js[i], strlen(js[i]), JSON_REJECT_DUPLICATES,
		    NULL);
		ck_assert_ptr_null(j);
		ck_assert_msg(scan_hits == 0, "a rejected duplicate was freed "
		    "unwiped (%s)", i == 0 ? "auth" : "token");
	}
	scan_free = 0;
#endif
}
END_TEST

/* ======================================================================
 * CIDRs
 * ====================================================================== */

static struct cg_cidr
cidr(const char *s)
{
	struct cg_cidr	c;

	ck_assert_msg(cidr_parse(s, &c) == 0, "cidr_parse(%s) failed", s);
	return c;
}

static int
match4(const char *c, const char *a)
{
	struct cg_cidr	cc = cidr(c);
	uint8_t		b[4];

	ck_assert_int_eq(inet_pton(AF_INET, a, b), 1);
	return cidr_match(&cc, 4, b);
}

static int
match6(const char *c, const char *a)
{
	struct cg_cidr	cc = cidr(c);
	uint8_t		b[16];

	ck_assert_int_eq(inet_pton(AF_INET6, a, b), 1);
	return cidr_match(&cc, 6, b);
}

START_TEST(cidr_parsing)
{
	static const char *const bad[] = {
		"", "/8", "1.2.3.4/", "1.2.3.4/33", "::1/129", "1.2.3.4/-1",
		"1.2.3.4/+8", "1.2.3.4/08", "1.2.3.4/8x", "1.2.3.4/ 8",
		"1.2.3", "1.2.3.4.5", "fe80::1%eth0", " 1.2.3.4", "1.2.3.4 ",
		"abc", "1.2.3.4/8/8", "::ffff:1.2.3.4/129", "01.2.3.4",
		"1.2.3.4/99999999999999999999",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000/1",
	};
	struct cg_cidr	c;
	size_t		i;

	c = cidr("1.2.3.4");
	ck_assert_int_eq(c.family, 4);
	ck_assert_int_eq(c.prefix, 32);
	ck_assert_int_eq(memcmp(c.addr, "\x01\x02\x03\x04", 4), 0);
	c = cidr("10.1.2.3/8");		/* host bits cleared */
	ck_assert_int_eq(c.prefix, 8);
	ck_assert_int_eq(memcmp(c.addr, "\x0a\x00\x00\x00", 4), 0);
	c = cidr("192.168.255.255/23");
	ck_assert_int_eq(memcmp(c.addr, "\xc0\xa8\xfe\x00", 4), 0);
	c = cidr("0.0.0.0/0");
	ck_assert_int_eq(c.prefix, 0);
	c = cidr("::1");
	ck_assert_int_eq(c.family, 6);
	ck_assert_int_eq(c.prefix, 128);
	ck_assert_int_eq(c.addr[15], 1);
	c = cidr("::/0");
	ck_assert_int_eq(c.prefix, 0);
	c = cidr("fe80::1/10");
	ck_assert_int_eq(c.addr[0], 0xfe);
	ck_assert_int_eq(c.addr[1], 0x80);
	ck_assert_int_eq(c.addr[15], 0);
	c = cidr("::ffff:10.0.0.0/104");
	ck_assert_int_eq(c.family, 6);
	ck_assert_int_eq(c.prefix, 104);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cidr_parse(bad[i], &c) == -1,
		    "cidr_parse accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(cidr_matching)
{
	struct cg_cidr	c;
	uint8_t		a[16] = { 0 };

	/* /0 and /32 edges. */
	ck_assert(match4("0.0.0.0/0", "1.2.3.4"));
	ck_assert(match4("0.0.0.0/0", "255.255.255.255"));
	ck_assert(match4("1.2.3.4/32", "1.2.3.4"));
	ck_assert(!match4("1.2.3.4/32", "1.2.3.5"));
	ck_assert(!match4("1.2.3.4", "1.2.3.3"));
	/* Prefixes that end inside a byte. */
	ck_assert(match4("10.0.0.0/7", "11.255.0.1"));
	ck_assert(!match4("10.0.0.0/7", "12.0.0.0"));
	ck_assert(!match4("10.0.0.0/7", "9.255.255.255"));
	ck_assert(match4("172.16.0.0/12", "172.31.255.255"));
	ck_assert(!match4("172.16.0.0/12", "172.32.0.0"));
	/* v6: /128, /0, a /65 edge. */
	ck_assert(match6("::1", "::1"));
	ck_assert(!match6("::1", "::2"));
	ck_assert(match6("::/0", "2001:db8::1"));
	ck_assert(match6("2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff"));
	ck_assert(!match6("2001:db8::/65", "2001:db8::8000:0:0:0"));
	ck_assert(match6("fd00::/8", "fdab::1"));
	ck_assert(!match6("fd00::/8", "fe00::1"));
	/* IPv4-mapped addresses match v4 CIDRs, not v6 wildcards. */
	ck_assert(match6("172.17.0.0/16", "::ffff:172.17.0.5"));
	ck_assert(!match6("172.17.0.0/16", "::ffff:172.18.0.5"));
	ck_assert(match6("0.0.0.0/0", "::ffff:8.8.8.8"));
	ck_assert(!match6("::/0", "::ffff:8.8.8.8"));
	ck_assert(!match6("1.2.3.4/32", "::102:304"));	/* v4-compatible */
	/* A v4 peer matches a mapped v6 CIDR only. */
	ck_assert(match4("::ffff:10.0.0.0/104", "10.9.9.9"));
	ck_assert(!match4("::ffff:10.0.0.0/104", "11.0.0.1"));
	ck_assert(match4("::ffff:0:0/96", "192.0.2.1"));
	ck_assert(!match4("::/0", "1.2.3.4"));
	ck_assert(!match4("::/95", "1.2.3.4"));
	ck_assert(!match6("10.0.0.0/8", "::a00:1"));
	/* Bad families never match. */
	c = cidr("0.0.0.0/0");
	ck_assert(!cidr_match(&c, 5, a));
	ck_assert(!cidr_match(&c, 0, a));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("json5");
	tcase_add_test(tc, j5_comments_and_commas);
	tcase_add_test(tc, j5_keys);
	tcase_add_test(tc, j5_strings);
	tcase_add_test(tc, j5_numbers);
	tcase_add_test(tc, j5_whitespace);
	tcase_add_test(tc, j5_syntax_errors);
	tcase_add_test(tc, j5_string_errors);
	tcase_add_test(tc, j5_number_errors);
	tcase_add_test(tc, j5_duplicate_keys);
	tcase_add_test(tc, j5_depth_limit);
	tcase_add_test(tc, j5_size_limit);
	tcase_add_test(tc, j5_bad_bytes);
	tcase_add_test(tc, j5_positions);
	tcase_add_test(tc, j5_env_subst);
	tcase_add_test(tc, j5_env_warning_cap);
	tcase_add_test(tc, j5_free_wipes_strings);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, cfg_defaults_common);
	tcase_add_test(tc, cfg_defaults_root);
	tcase_add_test(tc, cfg_defaults_user);
	tcase_add_test(tc, cfg_every_key);
	tcase_add_test(tc, cfg_empty_and_partial);
	tcase_add_test(tc, cfg_integers);
	tcase_add_test(tc, cfg_rate_limit);
	tcase_add_test(tc, cfg_types);
	tcase_add_test(tc, cfg_mode);
	tcase_add_test(tc, cfg_bind);
	tcase_add_test(tc, cfg_custom_bind_host);
	tcase_add_test(tc, cfg_auth_mode);
	tcase_add_test(tc, cfg_secrets_rejected);
	tcase_add_test(tc, cfg_secret_limits);
	tcase_add_test(tc, cfg_cidr_lists);
	tcase_add_test(tc, cfg_base_path);
	tcase_add_test(tc, cfg_origins);
	tcase_add_test(tc, cfg_clawgate_section);
	tcase_add_test(tc, cfg_unknown_keys);
	tcase_add_test(tc, cfg_retired_keys);
	tcase_add_test(tc, cfg_auth_cross);
	tcase_add_test(tc, cfg_env_subst);
	tcase_add_test(tc, cfg_error_keeps_config);
	tcase_add_test(tc, cfg_check);
	tcase_add_test(tc, cfg_load_file);
	tcase_add_test(tc, cfg_free_wipes);
	tcase_add_test(tc, cfg_duplicate_auth_wiped);
	suite_add_tcase(s, tc);

	tc = tcase_create("cidr");
	tcase_add_test(tc, cidr_parsing);
	tcase_add_test(tc, cidr_matching);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { config_suite, NULL };
