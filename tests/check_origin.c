/*
 * check_origin.c: the browser Origin policy (protocol.md §7.5, issue 10
 * item 1).  Origins are parsed and compared exactly; look-alikes of a
 * loopback or configured origin must not pass.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "origin.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const none[1] = { NULL };
static const char *const ui[] = { "https://ui.example.com" };
static const char *const ui_raw[] = { "HTTPS://UI.Example.COM:443" };
static const char *const star[] = { "https://ui.example.com", "*" };

static enum origin_verdict
check(const char *o, const char *const *allowed, size_t n, int local)
{
	return origin_check(o, strlen(o), allowed, n, local);
}

#define LOCAL(o)	check((o), none, 0, 1)
#define REMOTE(o)	check((o), none, 0, 0)

/* The reported attacks: a local page in auth mode none got operator.admin. */
START_TEST(loopback_lookalikes)
{
	ck_assert_int_eq(LOCAL("http://localhost.evil.example"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://127.0.0.1.nip.io.evil.example"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("https://localhost.evil.example:18789"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://localhostevil.example"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://127.evil.example"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://127-0-0-1.evil.example"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://localhost.:18789"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://[::1].evil.example"), ORIGIN_INVALID);
	ck_assert_int_eq(LOCAL("http://localhost:18789.evil.example"),
	    ORIGIN_INVALID);
	ck_assert_int_eq(LOCAL("http://127.0.0.1.:18789"), ORIGIN_INVALID);
	ck_assert_int_eq(LOCAL("http://localhost@evil.example"),
	    ORIGIN_INVALID);
	ck_assert_int_eq(LOCAL("http://evil.example@localhost"),
	    ORIGIN_INVALID);
}
END_TEST

/*
 * DNS rebinding: the page's Host header equals its Origin.  The policy
 * never sees the Host header, so such an origin is just a foreign one.
 */
START_TEST(rebinding)
{
	ck_assert_int_eq(LOCAL("http://evil.example:18789"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://evil.example"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://192.168.1.10:18789"),
	    ORIGIN_NOT_ALLOWED);
}
END_TEST

START_TEST(loopback_origins)
{
	ck_assert_int_eq(LOCAL("http://localhost:18789"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("http://127.0.0.1:5173"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("http://[::1]:8080"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("http://localhost"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("https://localhost:8443"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("HTTP://LOCALHOST:18789"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("http://127.1.2.3:18789"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("http://127.255.255.254"), ORIGIN_OK);
	ck_assert_int_eq(LOCAL("http://[0:0:0:0:0:0:0:1]:8080"), ORIGIN_OK);
	/* Only for local peers. */
	ck_assert_int_eq(REMOTE("http://localhost:18789"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(REMOTE("http://127.0.0.1:5173"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(REMOTE("http://[::1]:8080"), ORIGIN_NOT_ALLOWED);
	/* Loopback-ish, not loopback. */
	ck_assert_int_eq(LOCAL("http://128.0.0.1"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://[::2]"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://[::ffff:127.0.0.1]"),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://0.0.0.0:18789"), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(LOCAL("http://localhost.localdomain"),
	    ORIGIN_NOT_ALLOWED);
}
END_TEST

START_TEST(configured)
{
	ck_assert_int_eq(check("https://ui.example.com", ui, 1, 0), ORIGIN_OK);
	ck_assert_int_eq(check("https://ui.example.com", ui, 1, 1), ORIGIN_OK);
	ck_assert_int_eq(check("HTTPS://UI.EXAMPLE.COM", ui, 1, 0), ORIGIN_OK);
	ck_assert_int_eq(check("https://ui.example.com:443", ui, 1, 0),
	    ORIGIN_OK);
	/* The entry is canonicalised too. */
	ck_assert_int_eq(check("https://ui.example.com", ui_raw, 1, 0),
	    ORIGIN_OK);
	/* Exact: no prefix, suffix, other scheme or port. */
	ck_assert_int_eq(check("https://ui.example.com.evil.example", ui, 1,
	    0), ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(check("https://ui.example.co", ui, 1, 0),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(check("https://evilui.example.com", ui, 1, 0),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(check("http://ui.example.com", ui, 1, 0),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(check("https://ui.example.com:8443", ui, 1, 0),
	    ORIGIN_NOT_ALLOWED);
	ck_assert_int_eq(check("https://ui.example.com/", ui, 1, 0),
	    ORIGIN_INVALID);
	/* An empty list is no list. */
	ck_assert_int_eq(check("https://ui.example.com", ui, 0, 0),
	    ORIGIN_NOT_ALLOWED);
}
END_TEST

START_TEST(wildcard)
{
	ck_assert_int_eq(check("https://anything.example", star, 2, 0),
	    ORIGIN_OK);
	ck_assert_int_eq(check("http://10.0.0.1:3000", star, 2, 0), ORIGIN_OK);
	/* "*" is any origin, not any string. */
	ck_assert_int_eq(check("null", star, 2, 0), ORIGIN_INVALID);
	ck_assert_int_eq(check("http://localhost/x", star, 2, 0),
	    ORIGIN_INVALID);
}
END_TEST

START_TEST(not_origins)
{
	static const char *const bad[] = {
		"", "null", "localhost", "localhost:18789", "//localhost",
		"http:", "http://", "http:///", "http://:80", "http:localhost",
		"http:/localhost", "http:\\\\localhost", "ftp://localhost",
		"ws://localhost", "file:///etc/passwd", "chrome-extension://x",
		"javascript:alert(1)", "http://localhost/",
		"http://localhost:18789/", "http://localhost:18789/ui",
		"http://localhost?x", "http://localhost#x",
		"http://localhost:", "http://localhost:65536",
		"http://localhost:123456", "http://localhost:-1",
		"http://localhost:+80", "http://localhost:8o",
		"http://user@localhost", "http://user:pw@127.0.0.1:18789",
		"http://@localhost", "http://loc alhost", " http://localhost",
		"http://localhost ", "http://localhost\t", "http://local\\host",
		"http://localhost,http://evil.example", "http://.localhost",
		"http://local..host", "http://127.0.0.01", "http://127.1",
		"http://127.0.0.1.1", "http://127.0.0.256", "http://0x7f.0.0.1",
		"http://2130706433", "http://[::1", "http://::1", "http://[::1]x",
		"http://[]", "http://[fe80::1%25eth0]", "http://[::1]:",
		"http://[127.0.0.1]", "http://[::1]]", "http://l\xc3\xb6" "calhost",
		"http://localhost\x7f",
	};
	size_t	i;

	for (i = 0; i < NITEMS(bad); i++) {
		ck_assert_msg(LOCAL(bad[i]) == ORIGIN_INVALID,
		    "\"%s\" is not an origin", bad[i]);
	}
}
END_TEST

/* The length comes from the caller: an embedded NUL is a bad byte. */
START_TEST(embedded_nul)
{
	static const char o[] = "http://localhost\0.evil.example";

	ck_assert_int_eq(origin_check(o, sizeof(o) - 1, none, 0, 1),
	    ORIGIN_INVALID);
	ck_assert_int_eq(origin_check(o, strlen(o), none, 0, 1), ORIGIN_OK);
}
END_TEST

START_TEST(too_long)
{
	char	o[ORIGIN_MAX + 2];
	size_t	n;

	/* "http://" then a long name: ORIGIN_MAX bytes parse, one more not. */
	memset(o, 'a', sizeof(o));
	memcpy(o, "http://", 7);
	o[ORIGIN_MAX] = '\0';
	n = strlen(o);
	ck_assert_uint_eq(n, ORIGIN_MAX);
	ck_assert_int_eq(LOCAL(o), ORIGIN_NOT_ALLOWED);
	o[ORIGIN_MAX] = 'a';
	o[ORIGIN_MAX + 1] = '\0';
	ck_assert_int_eq(LOCAL(o), ORIGIN_INVALID);
	/* Nor does a loopback origin padded past the limit pass. */
	memset(o, '0', sizeof(o));
	memcpy(o, "http://localhost:", 17);
	o[ORIGIN_MAX + 1] = '\0';
	ck_assert_int_eq(LOCAL(o), ORIGIN_INVALID);
}
END_TEST

/* new URL(origin).origin, lowercased (protocol.md §7.5). */
static void
canon(const char *in, const char *want, int loopback)
{
	struct origin	o;

	ck_assert_msg(origin_parse(in, strlen(in), &o) == 0,
	    "\"%s\" should parse", in);
	ck_assert_str_eq(o.text, want);
	ck_assert_int_eq(o.loopback, loopback);
}

START_TEST(canonical)
{
	canon("http://localhost:18789", "http://localhost:18789", 1);
	canon("HTTP://LocalHost:80", "http://localhost", 1);
	canon("http://localhost:08080", "http://localhost:8080", 1);
	canon("https://ui.example.com:443", "https://ui.example.com", 0);
	canon("https://ui.example.com:80", "https://ui.example.com:80", 0);
	canon("http://ui.example.com:443", "http://ui.example.com:443", 0);
	canon("http://127.0.0.1:5173", "http://127.0.0.1:5173", 1);
	canon("http://10.0.0.1:0", "http://10.0.0.1:0", 0);
	canon("http://[::1]:8080", "http://[::1]:8080", 1);
	canon("http://[0:0:0:0:0:0:0:1]", "http://[::1]", 1);
	canon("http://[::FFFF:127.0.0.1]", "http://[::ffff:7f00:1]", 0);
	canon("http://[2001:DB8:0:0:1:0:0:1]", "http://[2001:db8::1:0:0:1]",
	    0);
	canon("http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]", 0);
	canon("http://[1:0:2:3:4:5:6:7]", "http://[1:0:2:3:4:5:6:7]", 0);
	canon("http://[1::]", "http://[1::]", 0);
	canon("http://[::]", "http://[::]", 0);
	canon("http://example.com.", "http://example.com.", 0);
	canon("http://xn--lcalhost-b1a.example", "http://xn--lcalhost-b1a.example",
	    0);
}
END_TEST

static Suite *
origin_suite(void)
{
	Suite	*s = suite_create("origin");
	TCase	*tc = tcase_create("policy");

	tcase_add_test(tc, loopback_lookalikes);
	tcase_add_test(tc, rebinding);
	tcase_add_test(tc, loopback_origins);
	tcase_add_test(tc, configured);
	tcase_add_test(tc, wildcard);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_test(tc, not_origins);
	tcase_add_test(tc, embedded_nul);
	tcase_add_test(tc, too_long);
	tcase_add_test(tc, canonical);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { origin_suite, NULL };
