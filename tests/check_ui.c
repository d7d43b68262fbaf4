/*
 * check_ui.c: the Control UI file store (src/worker/ui.c): what is
 * loaded and what is refused, the {{BASE}} substitution, content types
 * and If-None-Match matching.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "ui.h"

static char	dir[64];

static void
put(const char *name, const char *text)
{
	char	p[256];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static void
put_size(const char *name, size_t n)
{
	char	p[256];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_int_eq(ftruncate(fileno(f), (off_t)n), 0);
	fclose(f);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_ui.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put("index.html", "<html data-base-path=\"{{BASE}}\">"
	    "<script src=\"{{BASE}}/app.js\"></script>{{BASE");
	put("app.js", "console.log(1);\n");
	put("style.css", "body{}\n");
}

static void
teardown(void)
{
	char	cmd[128];

	ui_free();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
load(void)
{
	char	err[256];

	return ui_load(dir, err, sizeof(err));
}

START_TEST(loads_and_looks_up)
{
	const struct ui_file	*f;

	ck_assert_int_eq(load(), 0);
	ck_assert(ui_loaded());
	ck_assert_ptr_nonnull(f = ui_lookup("/app.js", ""));
	ck_assert_str_eq(f->ctype, "text/javascript; charset=utf-8");
	ck_assert_uint_eq(f->len, strlen("console.log(1);\n"));
	ck_assert_mem_eq(f->body, "console.log(1);\n", f->len);
	ck_assert_ptr_nonnull(f = ui_lookup("/style.css", ""));
	ck_assert_str_eq(f->ctype, "text/css; charset=utf-8");
	ck_assert_ptr_null(ui_lookup("/missing.js", ""));
	ck_assert_ptr_null(ui_lookup("app.js", ""));
	ck_assert_ptr_eq(ui_lookup("/", ""), ui_index(""));
	ck_assert_ptr_eq(ui_lookup("", ""), ui_index(""));
	ck_assert_ptr_eq(ui_lookup("/index.html", ""), ui_index(""));
}
END_TEST

START_TEST(base_is_substituted)
{
	const struct ui_file	*f;
	char			 e1[UI_ETAG_LEN];

	ck_assert_int_eq(load(), 0);
	f = ui_index("");
	ck_assert_str_eq(f->body, "<html data-base-path=\"\">"
	    "<script src=\"/app.js\"></script>{{BASE");
	ck_assert_uint_eq(f->len, strlen(f->body));
	ck_assert_str_eq(f->ctype, "text/html; charset=utf-8");
	memcpy(e1, f->etag, sizeof(e1));
	f = ui_index("/open-claw/x_y");
	ck_assert_str_eq(f->body, "<html data-base-path=\"/open-claw/x_y\">"
	    "<script src=\"/open-claw/x_y/app.js\"></script>{{BASE");
	ck_assert_str_ne(f->etag, e1);
	/* What config.c refuses is not pasted into HTML here either. */
	ck_assert_str_eq(ui_index("/a/")->body, ui_index("")->body);
	ck_assert_str_eq(ui_index("/a\"><script>")->body, ui_index("")->body);
	ck_assert_str_eq(ui_index("x")->body, ui_index("")->body);
	ck_assert_str_eq(ui_index(NULL)->body, ui_index("")->body);
	ck_assert_str_eq(ui_index("")->etag, e1);
}
END_TEST

START_TEST(skips_what_it_does_not_serve)
{
	char	p[256];

	put(".secret.js", "x");
	put("notes.md", "x");
	put("run.sh", "x");
	snprintf(p, sizeof(p), "%s/sub.js", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);	/* a directory: skipped */
	ck_assert_int_eq(load(), 0);
	ck_assert_ptr_null(ui_lookup("/.secret.js", ""));
	ck_assert_ptr_null(ui_lookup("/notes.md", ""));
	ck_assert_ptr_null(ui_lookup("/run.sh", ""));
	ck_assert_ptr_null(ui_lookup("/sub.js", ""));
}
END_TEST

START_TEST(symlink_refused)
{
	char	p[256], err[256];

	snprintf(p, sizeof(p), "%s/passwd.txt", dir);
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	ck_assert_int_eq(ui_load(dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "passwd.txt"));
	ck_assert(!ui_loaded());
}
END_TEST

START_TEST(needs_an_index)
{
	char	p[256], err[256];

	snprintf(p, sizeof(p), "%s/index.html", dir);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(ui_load(dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no index.html"));
	ck_assert(!ui_loaded());
	ck_assert_ptr_null(ui_lookup("/app.js", ""));
	ck_assert_ptr_null(ui_index(""));
	ck_assert_int_eq(ui_load("/nonexistent/ui", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ui"));
}
END_TEST

START_TEST(bounded)
{
	char	name[32], err[256];
	int	i;

	put_size("big.js", UI_MAX_FILE + 1);
	ck_assert_int_eq(ui_load(dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "big.js"));
	put_size("big.js", UI_MAX_FILE);
	ck_assert_int_eq(load(), 0);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "big%d.js", i);
		put_size(name, UI_MAX_FILE);
	}
	ck_assert_int_eq(ui_load(dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "in all"));
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "%s/big%d.js", dir, i);
		unlink(name);
	}
	for (i = 0; i < UI_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "f%02d.txt", i);
		put(name, "x");
	}
	ck_assert_int_eq(ui_load(dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "files"));
}
END_TEST

START_TEST(content_types)
{
	ck_assert_str_eq(ui_content_type("a.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(ui_content_type("a.mjs"),
	    "text/javascript; charset=utf-8");
	ck_assert_str_eq(ui_content_type("a.svg"), "image/svg+xml");
	ck_assert_str_eq(ui_content_type("a.png"), "image/png");
	ck_assert_str_eq(ui_content_type("a.min.css"), "text/css; charset=utf-8");
	ck_assert_ptr_null(ui_content_type("a.JS"));
	ck_assert_ptr_null(ui_content_type("Makefile"));
	ck_assert_ptr_null(ui_content_type("a.js.bak"));
}
END_TEST

START_TEST(if_none_match)
{
	const char	*e = "\"0123456789abcdef\"";

	ck_assert(ui_etag_matches("\"0123456789abcdef\"", e));
	ck_assert(ui_etag_matches("W/\"0123456789abcdef\"", e));
	ck_assert(ui_etag_matches("\"x\", \"0123456789abcdef\"", e));
	ck_assert(ui_etag_matches("\"x\",W/\"0123456789abcdef\" ", e));
	ck_assert(ui_etag_matches("*", e));
	ck_assert(!ui_etag_matches("\"0123456789abcdee\"", e));
	ck_assert(!ui_etag_matches("\"0123456789abcdef\"x", e));
	ck_assert(!ui_etag_matches("\"0123456789abcde\"", e));
	ck_assert(!ui_etag_matches("0123456789abcdef", e));
	ck_assert(!ui_etag_matches("", e));
	ck_assert(!ui_etag_matches(NULL, e));
	ck_assert(!ui_etag_matches(",,,", e));
}
END_TEST

static Suite *
ui_suite(void)
{
	Suite	*s = suite_create("ui");
	TCase	*tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, loads_and_looks_up);
	tcase_add_test(tc, base_is_substituted);
	tcase_add_test(tc, skips_what_it_does_not_serve);
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, needs_an_index);
	tcase_add_test(tc, bounded);
	suite_add_tcase(s, tc);
	tc = tcase_create("http");
	tcase_add_test(tc, content_types);
	tcase_add_test(tc, if_none_match);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { ui_suite, NULL };
