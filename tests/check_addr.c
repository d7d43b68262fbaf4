/*
 * check_addr.c: client addresses as numbers (addr.c): one key per
 * client however its address is written, and nothing but an address
 * accepted as one.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "check_main.h"

static int
parse(const char *s, struct cg_addr *a)
{
	return addr_parse(s, strlen(s), a);
}

/* The key of `s' at the default prefixes, or "ERR". */
static const char *
key(const char *s, unsigned v4, unsigned v6)
{
	static char	buf[ADDR_KEY_MAX];
	struct cg_addr	a;

	if (parse(s, &a) == -1 || addr_key(&a, v4, v6, buf, sizeof(buf)) < 0)
		return "ERR";
	return buf;
}

START_TEST(same_64_however_written)
{
	char	k1[ADDR_KEY_MAX];

	strcpy(k1, key("2001:DB8::1", 32, 64));
	ck_assert_str_eq(k1, "2001:db8::/64");
	ck_assert_str_eq(key("2001:db8:0:0::1", 32, 64), k1);
	ck_assert_str_eq(key("2001:0db8:0000:0000:ffff:1:2:3", 32, 64), k1);
	ck_assert_str_eq(key("[2001:db8::7]", 32, 64), k1);
	ck_assert_str_ne(key("2001:db8:0:1::1", 32, 64), k1);
	/* At /128 the address itself, in canonical text. */
	ck_assert_str_eq(key("2001:DB8:0:0::1", 32, 128), "2001:db8::1");
}
END_TEST

START_TEST(v4_mapped_is_v4)
{
	struct cg_addr	a, b;

	ck_assert_int_eq(parse("::ffff:10.0.0.1", &a), 0);
	ck_assert_int_eq(a.family, 4);
	ck_assert_int_eq(parse("10.0.0.1", &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_str_eq(key("::ffff:10.0.0.1", 32, 64), "10.0.0.1");
	ck_assert_str_eq(key("::FFFF:10.0.0.1", 24, 64), "10.0.0.0/24");
}
END_TEST

START_TEST(from_bytes_matches_parse)
{
	static const uint8_t	mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 192, 0, 2, 7 };
	struct cg_addr		a, b;

	addr_from_bytes(&a, 6, mapped);
	ck_assert_int_eq(parse("192.0.2.7", &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	addr_mask(&a, 16, 64);
	ck_assert_int_eq(parse("192.0.0.0", &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
}
END_TEST

START_TEST(brackets)
{
	struct cg_addr	a;

	ck_assert_int_eq(parse("[::1]", &a), 0);
	ck_assert_int_eq(a.family, 6);
	ck_assert_int_eq(a.addr[15], 1);
	ck_assert_int_eq(parse("[1.2.3.4]", &a), -1);
	ck_assert_int_eq(parse("[::1", &a), -1);
	ck_assert_int_eq(parse("::1]", &a), -1);
	ck_assert_int_eq(parse("[]", &a), -1);
}
END_TEST

START_TEST(refused)
{
	static const char *const bad[] = {
		"1.2.3.4:80", "1.2.3.4 ", " 1.2.3.4", "", "01.2.3.4",
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0",
		"[::1]:80", "2001:db8::1/64", "garbage", "unknown",
		"1.2.3.4,5.6.7.8", "::ffff:1.2.3.4 ", NULL
	};
	const char *const	*p;
	struct cg_addr		 a;

	for (p = bad; *p != NULL; p++)
		ck_assert_msg(parse(*p, &a) == -1, "\"%s\" parsed", *p);
	/* An embedded NUL is not the end of the text. */
	ck_assert_int_eq(addr_parse("1.2.3.4\0x", 9, &a), -1);
	/* Longer than any address. */
	ck_assert_int_eq(parse("0000:0000:0000:0000:0000:ffff:255.255.255.255x",
	    &a), -1);
}
END_TEST

START_TEST(key_too_small)
{
	struct cg_addr	a;
	char		small[8];

	ck_assert_int_eq(parse("2001:db8::1", &a), 0);
	ck_assert_int_eq(addr_key(&a, 32, 64, small, sizeof(small)), -1);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, same_64_however_written);
	tcase_add_test(tc, v4_mapped_is_v4);
	tcase_add_test(tc, from_bytes_matches_parse);
	tcase_add_test(tc, brackets);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, key_too_small);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { addr_suite, NULL };
