/*
 * check_wsframe.c: libcommon's pure modules with published vectors:
 * SHA-1 (FIPS 180 examples), the RFC 6455 codec (the accept key of
 * §1.3, the frames of §5.7, and each rule a receiver enforces) and the
 * signed device payload (protocol.md §6.4).
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "devsig.h"
#include "sha1.h"
#include "wsframe.h"

static void
hex(const uint8_t *d, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* ---- SHA-1 ---------------------------------------------------------------- */

START_TEST(test_sha1)
{
	static const struct { const char *in; const char *out; } v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "The quick brown fox jumps over the lazy dog",
		  "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" },
		/* the padding boundaries: 55 bytes fit one block, 64 not */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaa", "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
	};
	struct sha1_ctx	 c;
	uint8_t		 d[SHA1_LEN];
	char		 h[41], *mil;
	size_t		 i, k, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1(v[i].in, strlen(v[i].in), d);
		hex(d, sizeof(d), h);
		ck_assert_str_eq(h, v[i].out);
		/* The same in pieces of every size. */
		for (k = 1; k < 8; k++) {
			sha1_init(&c);
			for (n = 0; n < strlen(v[i].in); n += k)
				sha1_update(&c, v[i].in + n,
				    strlen(v[i].in) - n < k ?
				    strlen(v[i].in) - n : k);
			sha1_final(&c, d);
			hex(d, sizeof(d), h);
			ck_assert_str_eq(h, v[i].out);
		}
	}
	ck_assert_ptr_nonnull(mil = malloc(1000000));
	memset(mil, 'a', 1000000);
	sha1(mil, 1000000, d);
	free(mil);
	hex(d, sizeof(d), h);
	ck_assert_str_eq(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}
END_TEST

/* ---- RFC 6455 ------------------------------------------------------------- */

static const uint8_t	MASK[4] = { 0x37, 0xfa, 0x21, 0x3d };
/* §5.7: "Hello", unmasked and masked with MASK. */
static const uint8_t	HELLO[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
static const uint8_t	HELLO_M[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
			    0x7f, 0x9f, 0x4d, 0x51, 0x58 };

START_TEST(test_accept)
{
	char	out[WS_ACCEPT_LEN];

	/* §1.3 */
	ws_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

START_TEST(test_encode)
{
	uint8_t	out[64];

	ck_assert_uint_eq(ws_encode(out, WS_OP_TEXT, "Hello", 5, NULL),
	    sizeof(HELLO));
	ck_assert_int_eq(memcmp(out, HELLO, sizeof(HELLO)), 0);
	ck_assert_uint_eq(ws_encode(out, WS_OP_TEXT, "Hello", 5, MASK),
	    sizeof(HELLO_M));
	ck_assert_int_eq(memcmp(out, HELLO_M, sizeof(HELLO_M)), 0);
	/* §5.7: masked pong "Hello" */
	ws_encode(out, WS_OP_PONG, "Hello", 5, MASK);
	ck_assert_uint_eq(out[0], 0x8a);
	ck_assert_int_eq(memcmp(out + 1, HELLO_M + 1, sizeof(HELLO_M) - 1), 0);
}
END_TEST

START_TEST(test_header_lengths)
{
	static const struct { size_t len; size_t hl; uint8_t b1; } v[] = {
		{ 0, 2, 0 }, { 125, 2, 125 }, { 126, 4, 126 },
		{ 256, 4, 126 },	/* §5.7: 0x82 0x7E 0x0100 */
		{ 0xffff, 4, 126 }, { 0x10000, 10, 127 },	/* §5.7 */
	};
	uint8_t		h[WS_MAX_HEADER];
	size_t		i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_uint_eq(ws_header(h, WS_OP_BINARY, v[i].len, NULL),
		    v[i].hl);
		ck_assert_uint_eq(h[0], 0x82);
		ck_assert_uint_eq(h[1], v[i].b1);
		ck_assert_uint_eq(ws_header(h, WS_OP_BINARY, v[i].len, MASK),
		    v[i].hl + 4);
		ck_assert_uint_eq(h[1], 0x80 | v[i].b1);
		ck_assert_int_eq(memcmp(h + v[i].hl, MASK, 4), 0);
	}
	ws_header(h, WS_OP_BINARY, 256, NULL);
	ck_assert_uint_eq(h[2], 0x01);
	ck_assert_uint_eq(h[3], 0x00);
	ws_header(h, WS_OP_BINARY, 0x10000, NULL);
	ck_assert_int_eq(memcmp(h + 2, "\0\0\0\0\0\1\0\0", 8), 0);
}
END_TEST

START_TEST(test_decode_hello)
{
	struct ws_frame	 f;
	enum ws_err	 e;
	uint8_t		 b[sizeof(HELLO_M)];
	size_t		 i;

	ck_assert_int_eq(ws_decode(HELLO, sizeof(HELLO), 1024,
	    WS_UNMASKED | WS_STRICT, &f, &e), 1);
	ck_assert(f.fin && f.op == WS_OP_TEXT && !f.masked);
	ck_assert_uint_eq(f.hlen, 2);
	ck_assert_uint_eq(f.len, 5);
	ck_assert_uint_eq(f.total, sizeof(HELLO));
	ck_assert_int_eq(memcmp(HELLO + f.hlen, "Hello", 5), 0);

	memcpy(b, HELLO_M, sizeof(b));
	ck_assert_int_eq(ws_decode(b, sizeof(b), 1024, WS_MASKED, &f, &e), 1);
	ck_assert(f.masked);
	ck_assert_uint_eq(f.hlen, 6);
	ck_assert_int_eq(memcmp(f.mask, MASK, 4), 0);
	ws_mask(b + f.hlen, f.len, f.mask);
	ck_assert_int_eq(memcmp(b + f.hlen, "Hello", 5), 0);

	/* Every prefix: more bytes needed, never an error. */
	for (i = 0; i < sizeof(HELLO_M); i++)
		ck_assert_int_eq(ws_decode(HELLO_M, i, 1024, WS_MASKED, &f, &e),
		    0);
	/* The mask rule of each side. */
	ck_assert_int_eq(ws_decode(HELLO_M, sizeof(HELLO_M), 1024,
	    WS_UNMASKED, &f, &e), -1);
	ck_assert_int_eq(e, WS_E_MASKED);
	ck_assert_int_eq(ws_decode(HELLO, sizeof(HELLO), 1024, WS_MASKED, &f,
	    &e), -1);
	ck_assert_int_eq(e, WS_E_UNMASKED);
	ck_assert_int_eq(ws_decode(HELLO, sizeof(HELLO), 4, 0, &f, &e), -1);
	ck_assert_int_eq(e, WS_E_TOO_BIG);
}
END_TEST

/* One header (and no payload) that breaks a rule. */
static const struct {
	uint8_t		b[10];
	size_t		n;
	int		flags;
	enum ws_err	e;
} bad[] = {
	{ { 0xc1, 0x00 }, 2, 0, WS_E_RSV },
	{ { 0x91, 0x00 }, 2, 0, WS_E_RSV },
	{ { 0x09, 0x00 }, 2, 0, WS_E_CONTROL },		/* fragmented ping */
	{ { 0x88, 0x7e, 0x00, 0x7e }, 4, 0, WS_E_CONTROL },	/* 126 bytes */
	{ { 0x83, 0x00 }, 2, WS_STRICT, WS_E_OPCODE },
	{ { 0x8b, 0x00 }, 2, WS_STRICT, WS_E_OPCODE },
	{ { 0x81, 0x7e, 0x00, 0x7d }, 4, WS_STRICT, WS_E_LEN16 },
	{ { 0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, WS_STRICT,
	    WS_E_LEN63 },
	{ { 0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 10, WS_STRICT,
	    WS_E_LEN64 },
	{ { 0x81, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0 }, 10, 0, WS_E_TOO_BIG },
};

START_TEST(test_decode_bad)
{
	struct ws_frame	f;
	enum ws_err	e;

	ck_assert_int_eq(ws_decode(bad[_i].b, bad[_i].n, 1 << 20,
	    bad[_i].flags, &f, &e), -1);
	ck_assert_int_eq(e, bad[_i].e);
	ck_assert_ptr_nonnull(ws_strerror(e));
	/* The lax rules let the WS_STRICT ones by. */
	if (bad[_i].flags == WS_STRICT)
		ck_assert(ws_decode(bad[_i].b, bad[_i].n, 1 << 20, 0, &f,
		    &e) != -1 || e != bad[_i].e);
}
END_TEST

static struct ws_frame
frame(int fin, int op, size_t len)
{
	struct ws_frame	f;

	memset(&f, 0, sizeof(f));
	f.fin = fin, f.op = op, f.len = len;
	return f;
}

START_TEST(test_reassembly)
{
	/* §5.7: "Hel" then "lo". */
	static const uint8_t	frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c,
				    0x80, 0x02, 0x6c, 0x6f };
	struct ws_frame		 f;
	struct ws_msg		 m;
	enum ws_err		 e;
	char			 out[8];
	size_t			 off = 0, o = 0;
	int			 r;

	memset(&m, 0, sizeof(m));
	while ((r = ws_decode(frag + off, sizeof(frag) - off, 64,
	    WS_UNMASKED | WS_STRICT, &f, &e)) == 1) {
		memcpy(out + o, frag + off + f.hlen, f.len);
		o += f.len;
		off += f.total;
		r = ws_msg_add(&m, &f, 64, &e);
		ck_assert_int_eq(r, off == sizeof(frag));
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(m.op, WS_OP_TEXT);
	ck_assert_uint_eq(m.len, 5);
	ck_assert_int_eq(memcmp(out, "Hello", 5), 0);

	memset(&m, 0, sizeof(m));
	f = frame(1, WS_OP_CONT, 1);
	ck_assert_int_eq(ws_msg_add(&m, &f, 64, &e), -1);
	ck_assert_int_eq(e, WS_E_CONT);
	f = frame(0, WS_OP_BINARY, 10);
	ck_assert_int_eq(ws_msg_add(&m, &f, 64, &e), 0);
	f = frame(1, WS_OP_TEXT, 1);
	ck_assert_int_eq(ws_msg_add(&m, &f, 64, &e), -1);
	ck_assert_int_eq(e, WS_E_INTERLEAVED);
	f = frame(0, WS_OP_CONT, 54);
	ck_assert_int_eq(ws_msg_add(&m, &f, 64, &e), 0);
	f = frame(1, WS_OP_CONT, 1);
	ck_assert_int_eq(ws_msg_add(&m, &f, 64, &e), -1);
	ck_assert_int_eq(e, WS_E_TOO_BIG);
	f = frame(1, WS_OP_CONT, 0);
	ck_assert_int_eq(ws_msg_add(&m, &f, 64, &e), 1);
	ck_assert_int_eq(m.op, WS_OP_BINARY);
	ck_assert_uint_eq(m.len, 64);
}
END_TEST

START_TEST(test_close)
{
	const uint8_t	*reason;
	uint8_t		 b[WS_MAX_CONTROL] = { 0 };
	enum ws_err	 e;
	size_t		 rl;
	char		 longr[200];
	int		 code;

	ck_assert_int_eq(ws_close_parse(b, 0, &code, &reason, &rl, &e), 0);
	ck_assert_int_eq(code, 1005);
	ck_assert_uint_eq(rl, 0);
	ck_assert_int_eq(ws_close_parse((const uint8_t *)"\x03", 1, &code,
	    &reason, &rl, &e), -1);
	ck_assert_int_eq(e, WS_E_CLOSE_LEN);
	ck_assert_uint_eq(ws_close_body(b, 1008, "no"), 4);
	ck_assert_int_eq(ws_close_parse(b, 4, &code, &reason, &rl, &e), 0);
	ck_assert_int_eq(code, 1008);
	ck_assert_uint_eq(rl, 2);
	ck_assert_int_eq(memcmp(reason, "no", 2), 0);
	ck_assert_uint_eq(ws_close_body(b, 0, "ignored"), 0);
	memset(longr, 'r', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	ck_assert_uint_eq(ws_close_body(b, 1000, longr), WS_MAX_CONTROL);
}
END_TEST

/* ---- protocol.md §6.4 ------------------------------------------------------- */

#define V_ID	"56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
#define V_TOK	"test-token-0123456789abcdef0123456789"
#define V_NONCE	"3cabda82-4782-4df7-a1fe-1b4d291960da"
#define V3_PL	"v3|" V_ID "|cli|cli|operator|operator.read,operator.pairing|" \
		"1737264000000|" V_TOK "|" V_NONCE "|linux|linux"
#define V2_PL	"v2|" V_ID "|cli|cli|operator|operator.read,operator.pairing|" \
		"1737264000000|" V_TOK "|" V_NONCE
#define E3_PL	"v3|" V_ID "|cli|cli|operator||1737264000000||" V_NONCE \
		"|macos|"
#define V3_SIG	"mvijIY_GIsuhwLByk8zxefipGgcMXSSJh6hJYUakD6pu44GuMe8HTgDvWc" \
		"Lq9p9k5iILHXYe1BVEeg1gxEyeCQ"
#define V2_SIG	"AibzYWTGth--3T4hevcPpdFgFvBeN6ZjgXY3YyQU20_xkcVIxh4pQI8K-m" \
		"nc8XAbPgD-WEu0nLhFHZuX1a4tAw"
#define E3_SIG	"6Xyz2ZtpmI9bIGIj756PZkbD97c-YMiteuR72B1BFNrLDo__3su-Uw403S" \
		"CZoN2i5JEyf0zwN5VCv2AFIpbYAg"

static struct devsig_str	 scopes[2];

static void
vector(struct devsig *d, int v3)
{
	scopes[0] = devsig_s("operator.read");
	scopes[1] = devsig_s("operator.pairing");
	memset(d, 0, sizeof(*d));
	d->v3 = v3;
	d->device_id = devsig_s(V_ID);
	d->client_id = devsig_s("cli");
	d->client_mode = devsig_s("cli");
	d->role = devsig_s("operator");
	d->scopes = scopes;
	d->nscopes = 2;
	d->signed_at = 1737264000000ULL;
	d->token = devsig_token(devsig_s(V_TOK), devsig_s(NULL),
	    devsig_s(NULL));
	d->nonce = devsig_s(V_NONCE);
	d->platform = devsig_s("Linux");
	d->family = devsig_s("Linux");
}

static void
check_payload(const struct devsig *d, const char *want, const char *sig)
{
	uint8_t	 seed[32], pk[32], sk[64];
	char	*pl, b64[DEVSIG_B64_LEN];
	size_t	 len, i;

	ck_assert_ptr_nonnull(pl = devsig_payload(d, &len));
	ck_assert_str_eq(pl, want);
	ck_assert_uint_eq(len, strlen(want));
	free(pl);
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	ck_assert_int_eq(devsig_sign(d, sk, b64, sizeof(b64)), 0);
	ck_assert_str_eq(b64, sig);
	ck_assert_int_eq(devsig_sign(d, sk, b64, sizeof(b64) - 1), -1);
}

START_TEST(test_devsig_vectors)
{
	struct devsig	d;

	vector(&d, 1);
	check_payload(&d, V3_PL, V3_SIG);
	vector(&d, 0);
	check_payload(&d, V2_PL, V2_SIG);
	/* Edge: token null, scopes [], " MacOS ", no deviceFamily. */
	vector(&d, 1);
	d.token = devsig_token(devsig_s(NULL), devsig_s(NULL),
	    devsig_s(NULL));
	d.nscopes = 0;
	d.platform = devsig_s(" MacOS ");
	d.family = devsig_s(NULL);
	check_payload(&d, E3_PL, E3_SIG);
}
END_TEST

START_TEST(test_devsig_token)
{
	struct devsig_str	t;

	t = devsig_token(devsig_s(""), devsig_s("d"), devsig_s("b"));
	ck_assert_ptr_nonnull(t.p);
	ck_assert_uint_eq(t.len, 0);		/* an empty token counts */
	t = devsig_token(devsig_s(NULL), devsig_s("d"), devsig_s("b"));
	ck_assert_str_eq(t.p, "d");
	t = devsig_token(devsig_s(NULL), devsig_s(NULL), devsig_s("b"));
	ck_assert_str_eq(t.p, "b");
}
END_TEST

static Suite *
wsframe_suite(void)
{
	Suite	*s = suite_create("wsframe");
	TCase	*tc = tcase_create("pure");

	tcase_add_test(tc, test_sha1);
	tcase_add_test(tc, test_accept);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_header_lengths);
	tcase_add_test(tc, test_decode_hello);
	tcase_add_loop_test(tc, test_decode_bad, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_reassembly);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_devsig_vectors);
	tcase_add_test(tc, test_devsig_token);
	suite_add_tcase(s, tc);
	return s;
}

static int
wsframe_init(void)
{
	return sodium_init() < 0;
}

const struct check_program check_program = { wsframe_suite, wsframe_init };
