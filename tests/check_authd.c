/*
 * check_authd.c: authd's decision core against the reference's recorded
 * behaviour (protocol.md §2.5, §5-§7, §10; peer transcripts 01-05, 09),
 * and its RPCs, sessions and events (§7.6, §7.7, §8.2).
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sodium.h>

#include "authd.h"
#include "authd_fixture.h"
#include "authproto.h"
#include "check_main.h"
#include "config.h"
#include "fingerprint.h"
#include "ratelimit.h"
#include "rpc.h"
#include "scopes.h"
#include "session.h"
#include "store.h"

#define PASSWORD "p@ss&w0rd#"
#define RW	(SCOPE_BIT(SCOPE_READ) | SCOPE_BIT(SCOPE_WRITE))

/* The install's fingerprint key in these tests (fingerprint.h). */
static const uint8_t	 FPKEY[32] = { 0x6b, 0x65, 0x79, [31] = 0x01 };

static void
decide(const struct auth_req *r, uint64_t now, struct auth_verdict *v)
{
	memset(v, 0xa5, sizeof(*v));	/* authd must write every byte */
	authd_decide(A, r, now, v);
}

static void
setup_token(void)
{
	A = test_authd(AUTHMODE_TOKEN, TOKEN, NULL, FPKEY);
	authd_set_policy(A, NULL);
}

/* The fingerprint before issue 10 item 2: anyone could compute it. */
static void
unkeyed_fp(const char *s, char out[FINGERPRINT_LEN + 1])
{
	crypto_hash_sha256_state	st;
	uint8_t				h[32];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st,
	    (const uint8_t *)"clawgate-fingerprint-v1:", 24);
	crypto_hash_sha256_update(&st, (const uint8_t *)s, strlen(s));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, FINGERPRINT_LEN + 1, h, FINGERPRINT_LEN / 2);
}

static void
setup_password(void)
{
	A = test_authd(AUTHMODE_PASSWORD, NULL, PASSWORD, NULL);
}

static void
setup_none(void)
{
	A = test_authd(AUTHMODE_NONE, NULL, NULL, NULL);
}

static void
assert_deny(const struct auth_verdict *v, uint32_t reason)
{
	ck_assert_uint_eq(v->result, VERDICT_DENY);
	ck_assert_uint_eq(v->reason, reason);
}

static void
assert_ok(const struct auth_verdict *v, uint32_t method, uint64_t scopes)
{
	ck_assert_uint_eq(v->reason, AUTH_R_NONE);
	ck_assert_uint_eq(v->result, VERDICT_OK);
	ck_assert_uint_eq(v->method, method);
	ck_assert_uint_eq(v->scopes, scopes);
	ck_assert_str_eq(v->tenant, "default");
}

/* Pair `d' silently from loopback with the shared token; its token. */
static void
pair_local(struct tdev *d, char tok[DEVICE_TOKEN_LEN + 1])
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	memcpy(tok, v.device_token, DEVICE_TOKEN_LEN + 1);
}

/* ---- verdict shape ---------------------------------------------------- */

START_TEST(verdict_fixed_and_zeroed)
{
	struct auth_req		r;
	struct auth_verdict	v, want;

	ck_assert_uint_eq(sizeof(struct auth_verdict), 400);
	req_base(&r, 1);
	decide(&r, NOW, &v);
	memset(&want, 0, sizeof(want));
	want.result = VERDICT_DENY;
	want.reason = AUTH_R_DEVICE_IDENTITY_REQUIRED;
	want.hidden_reason = AUTH_R_TOKEN_MISSING;
	strcpy(want.tenant, "default");
	strcpy(want.role, "operator");
	ck_assert_int_eq(memcmp(&v, &want, sizeof(v)), 0);

	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	memset(&want, 0, sizeof(want));
	want.result = VERDICT_OK;
	want.method = AUTH_M_TOKEN;
	want.scopes = RW;
	strcpy(want.principal, "shared");
	strcpy(want.tenant, "default");
	strcpy(want.role, "operator");
	ck_assert_int_eq(memcmp(&v, &want, sizeof(v)), 0);
}
END_TEST

START_TEST(null_inputs_are_errors)
{
	struct auth_verdict	v;

	memset(&v, 0xff, sizeof(v));
	authd_decide(A, NULL, NOW, &v);
	ck_assert_uint_eq(v.result, VERDICT_ERROR);
	ck_assert_uint_eq(v.reason, AUTH_R_UNAVAILABLE);
	ck_assert_uint_eq(v.scopes, 0);
}
END_TEST

/* ---- shared secret, token mode (transcripts 01, 02, 03) ------------- */

START_TEST(no_auth_no_device_requires_device)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	ck_assert_uint_eq(v.hidden_reason, AUTH_R_TOKEN_MISSING);
	ck_assert_uint_eq(v.delay_ms, 0);
}
END_TEST

START_TEST(no_auth_with_device_is_token_missing)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;

	tdev_init(&d, 1);
	req_base(&r, 1);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISSING);
	ck_assert_uint_eq(v.flags, 0);
	/* Transcript 01 c: auth:{} with blank fields, same answer. */
	req_base(&r, 1);
	r.token = S("");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISSING);
}
END_TEST

START_TEST(wrong_token_no_device)
{
	struct auth_req		r;
	struct auth_verdict	v;
	char			fp[FINGERPRINT_LEN + 1];

	req_base(&r, 1);
	r.token = S("wrong-token");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	ck_assert_uint_eq(v.flags & VERDICT_F_RETRY_DEVICE_TOKEN, 0);
	ck_assert_uint_eq(v.delay_ms, 250);
	secret_fingerprint(FPKEY, TOKEN, strlen(TOKEN), fp);
	ck_assert_str_eq(v.fingerprint, fp);
	ck_assert_str_eq(authd_fingerprint(A), fp);
	/* And the fingerprint of what was sent (issue 10, item 2). */
	secret_fingerprint(FPKEY, "wrong-token", 11, fp);
	ck_assert_str_eq(v.provided_fingerprint, fp);
	/* Trimmed like the comparison; auth.password in token mode. */
	r.token = S("  wrong-token\t");
	decide(&r, NOW, &v);
	ck_assert_str_eq(v.provided_fingerprint, fp);
	r.token = S("");
	r.password = S("wrong-token");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	ck_assert_str_eq(v.provided_fingerprint, fp);
}
END_TEST

/* Issue 10, item 2: keyed, so no offline dictionary oracle. */
START_TEST(fingerprint_is_keyed)
{
	static const uint8_t	k2[32] = { 0x02 };
	char			a[FINGERPRINT_LEN + 1], b[FINGERPRINT_LEN + 1];
	char			u[FINGERPRINT_LEN + 1];
	size_t			i;

	secret_fingerprint(FPKEY, TOKEN, strlen(TOKEN), a);
	ck_assert_uint_eq(strlen(a), FINGERPRINT_LEN);
	for (i = 0; i < FINGERPRINT_LEN; i++)
		ck_assert(strchr("0123456789abcdef", a[i]) != NULL);
	unkeyed_fp(TOKEN, u);
	ck_assert_str_ne(a, u);
	secret_fingerprint(k2, TOKEN, strlen(TOKEN), b);
	ck_assert_str_ne(a, b);		/* another install */
	secret_fingerprint(FPKEY, TOKEN, strlen(TOKEN), b);
	ck_assert_str_eq(a, b);		/* stable */
	/* authd uses the key the master sends, not its per-boot one. */
	ck_assert_str_eq(authd_fingerprint(A), a);
	ck_assert_int_eq(authd_set_fingerprint_key(A, k2), 0);
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, TOKEN,
	    strlen(TOKEN), NULL, 0), 0);
	secret_fingerprint(k2, TOKEN, strlen(TOKEN), b);
	ck_assert_str_eq(authd_fingerprint(A), b);
}
END_TEST

/* A remote peer's verdict carries no fingerprint at all. */
START_TEST(remote_mismatch_no_fingerprints)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 0);
	r.peer = S("10.200.1.1");
	r.token = S("wrong-token");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	ck_assert_uint_eq(v.fingerprint[0], 0);
	ck_assert_uint_eq(v.provided_fingerprint[0], 0);
}
END_TEST

START_TEST(wrong_token_with_device_can_retry)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;

	tdev_init(&d, 2);
	req_base(&r, 1);
	r.token = S("wrong-token");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	ck_assert_uint_eq(v.flags & VERDICT_F_RETRY_DEVICE_TOKEN,
	    VERDICT_F_RETRY_DEVICE_TOKEN);
	/* An explicit deviceToken, or a password, rules the retry out. */
	req_base(&r, 1);
	r.token = S("wrong-token");
	r.device_token = S("nope");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	ck_assert_uint_eq(v.flags & VERDICT_F_RETRY_DEVICE_TOKEN, 0);
}
END_TEST

START_TEST(right_token_no_device_local_cli_keeps_scopes)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_str_eq(v.principal, "shared");
	ck_assert_str_eq(v.role, "operator");
	ck_assert_uint_eq(v.flags, 0);
	ck_assert_str_eq(v.device_token, "");
}
END_TEST

START_TEST(right_token_no_device_remote_clears_scopes)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 0);
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	ck_assert_uint_eq(v.flags, VERDICT_F_SCOPES_CLEARED);
	/* A local probe is not cli/cli: cleared too (§5.7). */
	req_base(&r, 1);
	r.client_mode = S("probe");
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	/* Nothing requested, nothing to clear. */
	req_base(&r, 0);
	r.nscopes = 0;
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	ck_assert_uint_eq(v.flags, 0);
}
END_TEST

START_TEST(backend_local_keeps_scopes_remote_clears)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.client_id = S("gateway-client");
	r.client_mode = S("backend");
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	r.flags = 0;
	r.peer = S(REMOTE);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	/* An Origin header disqualifies the local exception. */
	req_base(&r, 1);
	r.client_id = S("gateway-client");
	r.client_mode = S("backend");
	r.flags |= AUTH_F_HAS_ORIGIN;
	r.origin = S("http://127.0.0.1:18789");
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
}
END_TEST

START_TEST(trimming_and_either_field_token_mode)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.token = S("  \t" TOKEN " \r\n");
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* The token in the password field: method is still token. */
	req_base(&r, 1);
	r.password = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* auth.token first: a wrong token hides a right password. */
	req_base(&r, 1);
	r.token = S("wrong");
	r.password = S(TOKEN);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	/* ... unless it is blank after trimming. */
	req_base(&r, 1);
	r.token = S("   ");
	r.password = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* Control UI: the same secret in both fields. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.password = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* Inner whitespace is part of the secret. */
	req_base(&r, 1);
	r.token = S("abc 123");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
}
END_TEST

START_TEST(blank_token_without_device_is_unauthorized)
{
	struct auth_req		r;
	struct auth_verdict	v;

	/* A present-but-blank field counts as "shared auth sent". */
	req_base(&r, 1);
	r.token = S("  ");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISSING);
	ck_assert_uint_eq(v.hidden_reason, 0);
}
END_TEST

START_TEST(ui_without_device)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.client_id = S("openclaw-control-ui");
	r.client_mode = S("webchat");
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_UI_DEVICE_IDENTITY_REQUIRED);
	/* It wins over a wrong secret, too. */
	r.token = S("wrong");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_UI_DEVICE_IDENTITY_REQUIRED);
	req_base(&r, 1);
	r.client_id = S("openclaw-tui");
	r.client_mode = S("ui");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_UI_DEVICE_IDENTITY_REQUIRED);
}
END_TEST

START_TEST(node_without_device)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.role = S("node");
	r.client_id = S("node-host");
	r.client_mode = S("node");
	r.nscopes = 0;
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	ck_assert_uint_eq(v.hidden_reason, 0);
	ck_assert_str_eq(v.role, "node");
	r.token = S("wrong");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	r.token = (struct auth_str){ NULL, 0 };
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	ck_assert_uint_eq(v.hidden_reason, AUTH_R_TOKEN_MISSING);
}
END_TEST

START_TEST(unknown_role_denied)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.role = S("admin");
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	ck_assert_uint_eq(v.result, VERDICT_DENY);
	ck_assert_uint_eq(v.scopes, 0);
	ck_assert_str_eq(v.principal, "");
}
END_TEST

START_TEST(token_not_configured)
{
	struct auth_req		r;
	struct auth_verdict	v;

	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, "  ", 2, NULL,
	    0), 0);
	ck_assert_str_eq(authd_fingerprint(A), "");
	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISSING_CONFIG);
	ck_assert_uint_eq(v.delay_ms, 0);
	req_base(&r, 1);
	r.token = S("  ");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISSING_CONFIG);
}
END_TEST

START_TEST(secrets_swap_atomically)
{
	struct auth_req		r;
	struct auth_verdict	v;
	char			big[AUTH_MAX_SECRET + 2];

	ck_assert_int_eq(authd_set_secrets(A, 7, "x", 1, NULL, 0), -1);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, big,
	    sizeof(big), NULL, 0), -1);
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, NULL, 3, NULL,
	    0), -1);
	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* A new secret replaces the old one completely. */
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, "new", 3, NULL,
	    0), 0);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	r.token = S("new");
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
}
END_TEST

/* ---- password mode (transcript 09) --------------------------------- */

START_TEST(password_mode)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;

	req_base(&r, 1);
	r.password = S(PASSWORD);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_PASSWORD, RW);
	/* The password in auth.token. */
	req_base(&r, 1);
	r.token = S(PASSWORD);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_PASSWORD, RW);
	/* auth.password first in password mode. */
	req_base(&r, 1);
	r.token = S("wrong");
	r.password = S(PASSWORD);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_PASSWORD, RW);
	req_base(&r, 1);
	r.token = S(PASSWORD);
	r.password = S("wrong");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PASSWORD_MISMATCH);
	ck_assert_uint_eq(v.flags & VERDICT_F_RETRY_DEVICE_TOKEN, 0);
	/* e: no auth with a device. */
	tdev_init(&d, 9);
	req_base(&r, 1);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PASSWORD_MISSING);
	/* f: the old token with a device: password mismatch, no retry. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PASSWORD_MISMATCH);
	ck_assert_uint_eq(v.flags & VERDICT_F_RETRY_DEVICE_TOKEN, 0);
	/* b: right password with a device pairs and issues a token. */
	req_base(&r, 1);
	r.password = S(PASSWORD);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_PASSWORD, RW);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	/* No device, no secret: device identity, hiding password_missing. */
	req_base(&r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	ck_assert_uint_eq(v.hidden_reason, AUTH_R_PASSWORD_MISSING);
}
END_TEST

/* ---- auth mode none (§5.3) ------------------------------------------- */

START_TEST(mode_none)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;

	req_base(&r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	ck_assert_uint_eq(v.hidden_reason, 0);
	/* The one device-less exception: local gateway-client/backend. */
	req_base(&r, 1);
	r.client_id = S("gateway-client");
	r.client_mode = S("backend");
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_NONE, RW);
	ck_assert_str_eq(v.principal, "none");
	r.flags = 0;
	r.peer = S(REMOTE);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	/* A local cli with a device is silently paired, method none. */
	tdev_init(&d, 3);
	req_base(&r, 1);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_NONE, RW);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	ck_assert_uint_eq(v.flags & VERDICT_F_SILENT_PAIRED,
	    VERDICT_F_SILENT_PAIRED);
	/* The Control UI skips pairing and gets no token. */
	tdev_init(&d, 4);
	req_base(&r, 0);
	r.client_id = S("openclaw-control-ui");
	r.client_mode = S("webchat");
	r.scopes[0] = S("operator.admin");
	r.nscopes = 1;
	tdev_sign(&d, &r, 0);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_NONE, SCOPE_BIT(SCOPE_ADMIN));
	ck_assert_str_eq(v.device_token, "");
	ck_assert_ptr_null(pairing_get(authd_pairing(A), d.id));
	/* A remote cli with a device needs approval. */
	tdev_init(&d, 5);
	req_base(&r, 0);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
}
END_TEST

/* ---- processing order: which error wins (§2.5) ---------------------- */

START_TEST(order_device_proof_beats_secret)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;

	tdev_init(&d, 6);
	req_base(&r, 1);
	r.token = S("wrong");
	tdev_sign(&d, &r, 1);
	r.dev_sig = S("AAAA");
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_SIG_INVALID);
	/* Missing secret plus a bad proof: the proof error. */
	req_base(&r, 1);
	tdev_sign(&d, &r, 1);
	r.dev_signed_at = NOW - 600000;
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_SIG_EXPIRED);
}
END_TEST

START_TEST(order_secret_beats_pairing)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;

	tdev_init(&d, 7);
	req_base(&r, 0);
	r.token = S("wrong");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	ck_assert_uint_eq(pairing_pending_count(authd_pairing(A), NOW), 0);
}
END_TEST

/* ---- §6.4 worked example --------------------------------------------- */

#define V_PUB	"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
#define V_ID	"56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
#define V_TOK	"test-token-0123456789abcdef0123456789"
#define V_AT	1737264000000ULL
#define V3_PL	"v3|" V_ID "|cli|cli|operator|operator.read,operator.pairing|" \
		"1737264000000|" V_TOK "|" NONCE "|linux|linux"
#define V3_SIG	"mvijIY_GIsuhwLByk8zxefipGgcMXSSJh6hJYUakD6pu44GuMe8HTgDvWcLq9p9k5iILHXYe1BVEeg1gxEyeCQ"
#define V2_PL	"v2|" V_ID "|cli|cli|operator|operator.read,operator.pairing|" \
		"1737264000000|" V_TOK "|" NONCE
#define V2_SIG	"AibzYWTGth--3T4hevcPpdFgFvBeN6ZjgXY3YyQU20_xkcVIxh4pQI8K-mnc8XAbPgD-WEu0nLhFHZuX1a4tAw"
#define E3_PL	"v3|" V_ID "|cli|cli|operator||1737264000000||" NONCE "|macos|"
#define E3_SIG	"6Xyz2ZtpmI9bIGIj756PZkbD97c-YMiteuR72B1BFNrLDo__3su-Uw403SCZoN2i5JEyf0zwN5VCv2AFIpbYAg"

static void
vector_req(struct auth_req *r)
{
	memset(r, 0, sizeof(*r));
	r->flags = AUTH_F_LOCAL | AUTH_F_LOOPBACK | AUTH_F_HAS_DEVICE;
	r->client_id = S("cli");
	r->client_mode = S("cli");
	r->role = S("operator");
	r->scopes[0] = S("operator.read");
	r->scopes[1] = S("operator.pairing");
	r->nscopes = 2;
	r->dev_signed_at = V_AT;
	r->token = S(V_TOK);
	r->dev_nonce = S(NONCE);
	r->challenge_nonce = S(NONCE);
	r->platform = S("Linux");
	r->family = S("Linux");
	r->dev_id = S(V_ID);
	r->dev_pubkey = S(V_PUB);
}

static int
verify_raw(const char *sig64, const char *payload, const uint8_t pk[32])
{
	uint8_t	sig[64];
	size_t	n;

	ck_assert_int_eq(sodium_base642bin(sig, sizeof(sig), sig64,
	    strlen(sig64), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	return crypto_sign_verify_detached(sig, (const unsigned char *)payload,
	    strlen(payload), pk) == 0;
}

START_TEST(vectors_6_4)
{
	static const char	 pkhex[] =
	    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
	uint8_t			 seed[32], pk[32], sk[64], dpk[32];
	char			 hex[65], id[DEVICE_ID_LEN + 1], *pl;
	struct auth_req		 r;
	size_t			 len, i;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_bin2hex(hex, sizeof(hex), pk, sizeof(pk));
	ck_assert_str_eq(hex, pkhex);
	ck_assert_int_eq(device_pubkey_decode(V_PUB, strlen(V_PUB), dpk), 0);
	ck_assert_int_eq(memcmp(pk, dpk, 32), 0);
	device_id_from_key(dpk, id);
	ck_assert_str_eq(id, V_ID);

	vector_req(&r);
	pl = device_payload(&r, "operator", 1, &len);
	ck_assert_str_eq(pl, V3_PL);
	ck_assert_uint_eq(len, strlen(V3_PL));
	free(pl);
	pl = device_payload(&r, "operator", 0, &len);
	ck_assert_str_eq(pl, V2_PL);
	free(pl);
	ck_assert_int_eq(verify_raw(V3_SIG, V3_PL, pk), 1);
	ck_assert_int_eq(verify_raw(V2_SIG, V2_PL, pk), 1);
	/* Negative vector: the v2 signature does not cover the v3 payload. */
	ck_assert_int_eq(verify_raw(V2_SIG, V3_PL, pk), 0);

	/* Through the proof check, at the vector's own time. */
	r.dev_sig = S(V3_SIG);
	ck_assert_uint_eq(device_verify(&r, "operator", V_AT, dpk),
	    AUTH_R_NONE);
	r.dev_sig = S(V2_SIG);
	ck_assert_uint_eq(device_verify(&r, "operator", V_AT, dpk),
	    AUTH_R_NONE);
	ck_assert_uint_eq(device_verify(&r, "operator", V_AT + 120001, dpk),
	    AUTH_R_DEVICE_SIG_EXPIRED);

	/* Edge case: token null, scopes [], " MacOS ", no deviceFamily. */
	vector_req(&r);
	r.token = (struct auth_str){ NULL, 0 };
	r.nscopes = 0;
	r.platform = S(" MacOS ");
	r.family = (struct auth_str){ NULL, 0 };
	pl = device_payload(&r, "operator", 1, &len);
	ck_assert_str_eq(pl, E3_PL);
	free(pl);
	ck_assert_int_eq(verify_raw(E3_SIG, E3_PL, pk), 1);
	r.dev_sig = S(E3_SIG);
	ck_assert_uint_eq(device_verify(&r, "operator", V_AT, dpk),
	    AUTH_R_NONE);
}
END_TEST

START_TEST(pubkey_encodings)
{
	static const char	*ok[] = {
		"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg",
		"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=",
		"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg",
		"-----BEGIN PUBLIC KEY-----\n"
		"MCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n"
		"-----END PUBLIC KEY-----\n",
	};
	static const char	*bad[] = {
		"", "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMb",
		"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbgAA",
		"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMb!",
		"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
	};
	uint8_t			 pk[32];
	char			 id[DEVICE_ID_LEN + 1];
	size_t			 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(pk, 0, sizeof(pk));
		ck_assert_int_eq(device_pubkey_decode(ok[i], strlen(ok[i]),
		    pk), 0);
		device_id_from_key(pk, id);
		ck_assert_str_eq(id, V_ID);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(device_pubkey_decode(bad[i], strlen(bad[i]),
		    pk), -1);
}
END_TEST

/* ---- device proof failures (§6.3, scenario 07) --------------------- */

static uint32_t
proof(struct auth_req *r)
{
	struct auth_verdict	v;

	decide(r, NOW, &v);
	ck_assert_uint_eq(v.result, VERDICT_DENY);
	return v.reason;
}

START_TEST(device_proof_failures)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d, other;
	char			upper[DEVICE_ID_LEN + 1];
	size_t			i;

	tdev_init(&d, 10);
	tdev_init(&other, 11);
	/* g: id of another key. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	r.dev_id = S(other.id);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_ID_MISMATCH);
	/* The id must be lowercase hex. */
	for (i = 0; i < DEVICE_ID_LEN; i++)
		upper[i] = (d.id[i] >= 'a' && d.id[i] <= 'f') ?
		    (char)(d.id[i] - 32) : d.id[i];
	upper[DEVICE_ID_LEN] = '\0';
	r.dev_id = S(upper);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_ID_MISMATCH);
	/* h: garbage public key, even with expired time: id first. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	r.dev_pubkey = S("not-a-key");
	r.dev_signed_at = 1000;
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_ID_MISMATCH);
	/* e/f: -10 min and +125 s. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.dev_signed_at = NOW - 600000;
	tdev_sign(&d, &r, 1);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_SIG_EXPIRED);
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.dev_signed_at = NOW + 125000;
	tdev_sign(&d, &r, 1);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_SIG_EXPIRED);
	/* Exactly 120 s off is still fresh. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.dev_signed_at = NOW - 120000;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* Whitespace-only nonce, then a nonce other than the challenge's. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.dev_nonce = S("  \t ");
	tdev_sign(&d, &r, 1);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_NONCE_REQUIRED);
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.dev_nonce = S("11111111-2222-4333-8444-555555555555");
	tdev_sign(&d, &r, 1);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_NONCE_MISMATCH);
	/* A padded nonce is trimmed before matching and signing. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.dev_nonce = S(" " NONCE " ");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* a: garbage signature; b: valid signature, other payload. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	r.dev_sig = S("garbage");
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_SIG_INVALID);
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	r.scopes[0] = S("operator.admin");	/* signed read,write */
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_SIG_INVALID);
	/* Signed by another key. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&other, &r, 1);
	r.dev_id = S(d.id);
	r.dev_pubkey = S(d.pub);
	ck_assert_uint_eq(proof(&r), AUTH_R_DEVICE_SIG_INVALID);
	/* i: v2 accepted; j: mixed-case platform/family folded in v3. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 0);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.platform = S("Linux");
	r.family = S("Desktop");
	tdev_sign(&d, &r, 1);
	/* Paired as "linux" above: the pin is case-insensitive. */
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
}
END_TEST

/* ---- rate limiting (§10) --------------------------------------------- */

static void
remote_attempt(const char *peer, const char *tok, uint64_t now,
    struct auth_verdict *v)
{
	struct auth_req	r;

	req_base(&r, 0);
	r.peer = S(peer);
	r.token = S(tok);
	decide(&r, now, v);
}

START_TEST(limiter_locks_at_nth_failure)
{
	struct auth_verdict	v;
	int			i;

	for (i = 1; i <= 10; i++) {
		remote_attempt("10.200.77.3", "wrong", NOW + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
		ck_assert_uint_eq(v.delay_ms, 0);
	}
	remote_attempt("10.200.77.3", "wrong", NOW + 11, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	ck_assert_uint_eq(v.retry_after_ms, 300000 - 1);
	ck_assert_uint_eq(v.fingerprint[0], 0);
	/* During lockout even the right token is refused. */
	remote_attempt("10.200.77.3", TOKEN, NOW + 100, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	ck_assert_uint_eq(v.retry_after_ms, 300000 - 90);
	/* Another address is unaffected. */
	remote_attempt("10.200.77.4", TOKEN, NOW + 100, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	/* IPv4-mapped IPv6 is the same client. */
	remote_attempt("::ffff:10.200.77.3", TOKEN, NOW + 100, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	/* After the lockout, the right token works again. */
	remote_attempt("10.200.77.3", TOKEN, NOW + 10 + 300000, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
}
END_TEST

START_TEST(limiter_success_resets_and_window_slides)
{
	struct auth_verdict	v;
	int			i;

	for (i = 0; i < 9; i++)
		remote_attempt("10.0.0.9", "wrong", NOW + i, &v);
	remote_attempt("10.0.0.9", TOKEN, NOW + 20, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	for (i = 0; i < 9; i++) {
		remote_attempt("10.0.0.9", "wrong", NOW + 30 + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	}
	/* Nine more, but the first nine are out of the 60 s window. */
	for (i = 0; i < 9; i++) {
		remote_attempt("10.0.0.9", "wrong", NOW + 60100 + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	}
	remote_attempt("10.0.0.9", "wrong", NOW + 60200, &v);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);	/* the 10th in-window */
	remote_attempt("10.0.0.9", "wrong", NOW + 60201, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
}
END_TEST

START_TEST(limiter_missing_credentials_not_counted)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	int			i;

	tdev_init(&d, 20);
	for (i = 0; i < 15; i++) {
		req_base(&r, 0);
		tdev_sign(&d, &r, 1);
		decide(&r, NOW + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISSING);
	}
	remote_attempt(REMOTE, TOKEN, NOW + 20, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
}
END_TEST

START_TEST(limiter_policy)
{
	struct ipc_auth_policy	p = { 3, 1000, 5000, 1 };
	struct auth_verdict	v;
	int			i;

	authd_set_policy(A, &p);
	for (i = 0; i < 3; i++) {
		remote_attempt("10.1.1.1", "wrong", NOW + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	}
	remote_attempt("10.1.1.1", TOKEN, NOW + 3, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	ck_assert_uint_eq(v.retry_after_ms, 5000 - 1);
	remote_attempt("10.1.1.1", TOKEN, NOW + 2 + 5000, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
}
END_TEST

START_TEST(limiter_local_exempt_with_doubling_delay)
{
	static const uint32_t	 want[] = { 250, 500, 1000, 2000, 4000, 5000,
				    5000 };
	struct auth_req		 r;
	struct auth_verdict	 v;
	uint64_t		 t = NOW;
	size_t			 i;

	/* Each attempt once the previous answer's delay is over. */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		req_base(&r, 1);
		r.token = S("wrong");
		decide(&r, t, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
		ck_assert_uint_eq(v.delay_ms, want[i]);
		t += v.delay_ms;
	}
	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, t, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* The success reset the history: back to 250 ms. */
	r.token = S("wrong");
	decide(&r, t + 1, &v);
	ck_assert_uint_eq(v.delay_ms, 250);
	/* Out of the window the delay starts over too. */
	decide(&r, t + 251, &v);
	ck_assert_uint_eq(v.delay_ms, 500);
	decide(&r, t + 251 + 60001, &v);
	ck_assert_uint_eq(v.delay_ms, 250);
}
END_TEST

/*
 * Issue 10 item 7: the delay binds the address, not each socket.  The
 * answers of one loopback address come one delay after another, a
 * success too; past RL_BACKLOG_MAX_MS of queued answers an attempt gets
 * no comparison.  Before, 30 parallel sockets got 30 comparisons,
 * each answered after 250 ms.
 */
START_TEST(limiter_exempt_delay_binds_the_address)
{
	struct auth_req		r;
	struct auth_verdict	v;
	uint32_t		last = 0;
	int			i, compared = 0;

	for (i = 0; i < 30; i++) {
		req_base(&r, 1);
		r.token = S(i == 29 ? TOKEN : "wrong");
		decide(&r, NOW + (uint64_t)i, &v);
		if (v.reason == AUTH_R_TOKEN_MISMATCH) {
			compared++;
			/* Each answer at least 250 ms after the last. */
			ck_assert_uint_ge(v.delay_ms, last + 249);
			last = v.delay_ms;
		} else {
			assert_deny(&v, AUTH_R_RATE_LIMITED);
			ck_assert_uint_gt(v.retry_after_ms, 0);
		}
	}
	/* 250+500+1000+2000+4000 ms queued, then one more: 12.75 s. */
	ck_assert_int_eq(compared, 6);
	/* The right token is compared again, but waits for the queue. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, NOW + 3000, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_uint_eq(v.delay_ms, 12750 - 3000);
}
END_TEST

/*
 * Issue 10 item 7: a gateway.localPeers address that is not loopback is
 * local (silent pairing, hints) but never exempt from the lockout.
 */
START_TEST(limiter_local_peer_network_not_exempt)
{
	struct auth_req		r;
	struct auth_verdict	v;
	int			i;

	for (i = 0; i < 10; i++) {
		req_base(&r, 1);
		r.flags &= ~(uint32_t)AUTH_F_LOOPBACK;
		r.peer = S("10.213.0.2");
		r.token = S("wrong");
		decide(&r, NOW + (uint64_t)i * 1000, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
		ck_assert_uint_eq(v.delay_ms, 0);
	}
	req_base(&r, 1);
	r.flags &= ~(uint32_t)AUTH_F_LOOPBACK;
	r.peer = S("10.213.0.2");
	r.token = S(TOKEN);
	decide(&r, NOW + 10001, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	/* Loopback, forwarded by a trusted proxy, is not exempt either. */
	for (i = 0; i < 11; i++) {
		req_base(&r, 0);
		r.flags |= AUTH_F_LOOPBACK | AUTH_F_FORWARDED;
		r.peer = S("127.0.0.9");
		r.token = S("wrong");
		decide(&r, NOW + (uint64_t)i, &v);
	}
	assert_deny(&v, AUTH_R_RATE_LIMITED);
}
END_TEST

/*
 * Issue 10 item 12 (SECURITY.md G1): a worker that claims "loopback"
 * for guesses, from as many 127.x.y.z addresses as it likes, gets one
 * delay queue for all of them, not one per claimed address.
 */
START_TEST(limiter_loopback_claims_share_one_queue)
{
	struct auth_req		r;
	struct auth_verdict	v;
	char			ip[32];
	uint32_t		last = 0;
	int			i;

	for (i = 0; i < 5; i++) {
		req_base(&r, 1);
		snprintf(ip, sizeof(ip), "127.0.%d.%d", i, i + 1);
		r.peer.p = ip;
		r.peer.len = strlen(ip);
		r.token = S("wrong");
		decide(&r, NOW, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
		ck_assert_uint_gt(v.delay_ms, last);
		last = v.delay_ms;
	}
	/* 250 + 500 + 1000 + 2000 + 4000 */
	ck_assert_uint_eq(last, 7750);
}
END_TEST

/*
 * Issue 10 item 3: one bucket per IPv6 /64 and per address, however it
 * is written; IPv4 per /32.
 */
START_TEST(limiter_keys_by_prefix)
{
	static const char *const spellings[] = {
		"2001:db8:1:2::1", "2001:DB8:1:2::2", "2001:db8:1:2:0:0:0:3",
		"2001:0db8:0001:0002::4", "2001:db8:1:2:ffff::5",
		"2001:db8:1:2::6", "2001:db8:1:2::7", "2001:db8:1:2::8",
		"2001:db8:1:2::9", "2001:db8:1:2::a",
	};
	struct auth_req		r;
	struct auth_verdict	v;
	size_t			i;

	for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		req_base(&r, 0);
		r.peer.p = spellings[i];
		r.peer.len = strlen(spellings[i]);
		r.token = S("wrong");
		decide(&r, NOW + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	}
	req_base(&r, 0);
	r.peer = S("2001:db8:1:2::beef");
	r.token = S(TOKEN);
	decide(&r, NOW + 20, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	/* Another /64 is another client. */
	req_base(&r, 0);
	r.peer = S("2001:db8:1:3::1");
	r.token = S(TOKEN);
	decide(&r, NOW + 21, &v);
	ck_assert_int_eq(v.result, VERDICT_OK);
	/* IPv4-mapped IPv6 is the IPv4 address. */
	for (i = 0; i < 10; i++) {
		req_base(&r, 0);
		r.peer = S("192.0.2.7");
		r.token = S("wrong");
		decide(&r, NOW + i, &v);
	}
	req_base(&r, 0);
	r.peer = S("::ffff:192.0.2.7");
	r.token = S(TOKEN);
	decide(&r, NOW + 30, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	req_base(&r, 0);
	r.peer = S("192.0.2.8");
	r.token = S(TOKEN);
	decide(&r, NOW + 31, &v);
	ck_assert_int_eq(v.result, VERDICT_OK);
}
END_TEST

START_TEST(limiter_exemption_off)
{
	struct ipc_auth_policy	p = { 0, 0, 0, 0 };
	struct auth_req		r;
	struct auth_verdict	v;
	int			i;

	authd_set_policy(A, &p);
	for (i = 0; i < 10; i++) {
		req_base(&r, 1);
		r.token = S("wrong");
		decide(&r, NOW + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
		ck_assert_uint_eq(v.delay_ms, 0);
	}
	r.token = S(TOKEN);
	decide(&r, NOW + 10, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
}
END_TEST

START_TEST(limiter_browser_origin_not_exempt)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	int			i;

	tdev_init(&d, 21);
	for (i = 0; i < 10; i++) {
		req_base(&r, 1);
		r.client_id = S("openclaw-control-ui");
		r.client_mode = S("webchat");
		r.flags |= AUTH_F_HAS_ORIGIN;
		r.origin = S("http://127.0.0.1:18789");
		r.password = S("wrong");
		tdev_sign(&d, &r, 0);
		decide(&r, NOW + i, &v);
		assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
		ck_assert_uint_eq(v.delay_ms, 0);
	}
	/* Same origin, other case and a path: same key, now locked. */
	req_base(&r, 1);
	r.client_id = S("openclaw-control-ui");
	r.client_mode = S("webchat");
	r.flags |= AUTH_F_HAS_ORIGIN;
	r.origin = S("HTTP://127.0.0.1:18789/");
	r.password = S(TOKEN);
	tdev_sign(&d, &r, 0);
	decide(&r, NOW + 20, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	/* Another origin from loopback is another key. */
	r.origin = S("http://localhost:18789");
	tdev_sign(&d, &r, 0);
	decide(&r, NOW + 21, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	/* A loopback client without Origin is on the other limiter. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	decide(&r, NOW + 22, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
}
END_TEST

START_TEST(limiter_device_token_fallback_defers)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	char			tok[DEVICE_TOKEN_LEN + 1];
	int			i;

	/* A paired device, then its IP locked out of the shared secret. */
	tdev_init(&d, 22);
	pair_local(&d, tok);
	for (i = 0; i < 10; i++)
		remote_attempt(REMOTE, "wrong", NOW + i, &v);
	remote_attempt(REMOTE, TOKEN, NOW + 11, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	/* Its device token is a separate bucket and still works. */
	req_base(&r, 0);
	r.token = S("wrong");
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 12, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	/* Wrong device tokens lock the device-token bucket at ten. */
	for (i = 0; i < 10; i++) {
		req_base(&r, 0);
		r.peer = S("10.9.9.9");
		r.device_token = S("not-the-device-token");
		tdev_sign(&d, &r, 1);
		decide(&r, NOW + 20 + i, &v);
		assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	}
	req_base(&r, 0);
	r.peer = S("10.9.9.9");
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 40, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	/* ... while the shared secret from that address still works. */
	remote_attempt("10.9.9.9", TOKEN, NOW + 41, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
}
END_TEST

START_TEST(limiter_deferred_shared_failure)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	char			tok[DEVICE_TOKEN_LEN + 1];
	int			i;

	/* A wrong shared token rescued by a device token is not counted. */
	tdev_init(&d, 23);
	pair_local(&d, tok);
	for (i = 0; i < 12; i++) {
		req_base(&r, 0);
		r.token = S("wrong");
		r.device_token = S(tok);
		tdev_sign(&d, &r, 1);
		decide(&r, NOW + i, &v);
		assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	}
	remote_attempt(REMOTE, TOKEN, NOW + 20, &v);
	assert_ok(&v, AUTH_M_TOKEN, 0);
	/* ... but it is when the device proof then fails. */
	for (i = 0; i < 10; i++) {
		req_base(&r, 0);
		r.token = S("wrong");
		tdev_sign(&d, &r, 1);
		r.dev_sig = S("garbage");
		decide(&r, NOW + 30 + i, &v);
		assert_deny(&v, AUTH_R_DEVICE_SIG_INVALID);
	}
	remote_attempt(REMOTE, TOKEN, NOW + 50, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
}
END_TEST

/*
 * Issue 10 item 4: 10,001 addresses fail 10 times each (100,010
 * failures, every slot of the table locked); a client with the right
 * token from a fresh address still gets in.
 */
START_TEST(limiter_overflow_is_no_global_lockout)
{
	struct auth_req		r;
	struct auth_verdict	v;
	char			ip[32];
	int			i, j;

	for (i = 0; i <= RL_DEFAULT_MAX_ENTRIES; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		for (j = 0; j < 10; j++) {
			req_base(&r, 0);
			r.peer.p = ip;
			r.peer.len = strlen(ip);
			r.token = S("wrong");
			decide(&r, NOW + (uint64_t)i, &v);
		}
	}
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);	/* the 10th locks */
	decide(&r, NOW + 10002, &v);
	assert_deny(&v, AUTH_R_RATE_LIMITED);
	req_base(&r, 0);
	r.peer = S("198.51.100.20");
	r.token = S(TOKEN);
	decide(&r, NOW + 20000, &v);
	ck_assert_int_eq(v.result, VERDICT_OK);
}
END_TEST

START_TEST(limiter_table_bounded)
{
	struct rl	*rl;
	struct rl_policy p = { 1, 60000, 300000, 1 };
	char		 ip[32];
	uint64_t	 retry;
	int		 i;

	rl = rl_new(0, 1);
	ck_assert_ptr_nonnull(rl);
	for (i = 0; i < 10500; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		rl_record_failure(rl, RL_SCOPE_SHARED_SECRET, ip, strlen(ip),
		    0, NOW + (uint64_t)i);
	}
	ck_assert_uint_eq(rl_size(rl), RL_DEFAULT_MAX_ENTRIES);
	/* The oldest were evicted, the newest are there. */
	ck_assert_int_eq(rl_check(rl, RL_SCOPE_SHARED_SECRET, "10.0.41.3", 9,
	    0, NOW + 20000, &retry), 0);
	rl_free(rl);

	/*
	 * Every slot locked (issue 10 item 4): a key the table does not
	 * hold is never refused, and its failure takes the place of the
	 * lock that would end first.  Before, this was a global lockout.
	 */
	rl = rl_new(4, 1);
	rl_set_policy(rl, &p);
	for (i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", i);
		rl_record_failure(rl, "s", ip, strlen(ip), 0, NOW + (uint64_t)i);
		ck_assert_int_eq(rl_check(rl, "s", ip, strlen(ip), 0, NOW + 10,
		    &retry), -1);
	}
	ck_assert_int_eq(rl_check(rl, "s", "10.0.0.8", 8, 0, NOW + 11, &retry),
	    0);
	rl_record_failure(rl, "s", "10.0.0.9", 8, 0, NOW + 12);
	ck_assert_uint_eq(rl_size(rl), 4);
	ck_assert_int_eq(rl_check(rl, "s", "10.0.0.9", 8, 0, NOW + 13, &retry),
	    -1);
	/* 10.0.0.0 locked first, so it went; the others still hold. */
	ck_assert_int_eq(rl_check(rl, "s", "10.0.0.0", 8, 0, NOW + 14, &retry),
	    0);
	ck_assert_int_eq(rl_check(rl, "s", "10.0.0.3", 8, 0, NOW + 14, &retry),
	    -1);
	ck_assert_int_eq(rl_check(rl, "s", "10.0.0.8", 8, 0, NOW + 15, &retry),
	    0);
	/* Scopes are separate buckets. */
	ck_assert_int_eq(rl_check(rl, "t", "10.0.0.1", 8, 0, NOW + 300002,
	    &retry), 0);
	rl_free(rl);
}
END_TEST

/* ---- pairing and device tokens (§7, transcripts 04, 05) ------------- */

START_TEST(silent_local_pairing_and_reconnect)
{
	struct auth_req		 r;
	struct auth_verdict	 v;
	struct tdev		 d;
	char			 tok[DEVICE_TOKEN_LEN + 1], p[80];
	uint64_t		 issued;
	const struct pair_device *pd;

	tdev_init(&d, 30);
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_str_eq(v.principal, "shared");
	ck_assert_str_eq(v.device_id, d.id);
	ck_assert_uint_eq(v.flags, VERDICT_F_SILENT_PAIRED);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	ck_assert_uint_eq(strspn(v.device_token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), DEVICE_TOKEN_LEN);
	ck_assert_uint_eq(v.issued_at_ms, NOW);
	memcpy(tok, v.device_token, sizeof(tok));
	issued = v.issued_at_ms;
	pd = pairing_get(authd_pairing(A), d.id);
	ck_assert_ptr_nonnull(pd);
	ck_assert_uint_eq(pd->approved_via, PAIR_VIA_SILENT);
	ck_assert_uint_eq(pd->approved_scopes, RW);
	ck_assert_str_eq(pd->platform, "linux");
	ck_assert_ptr_null(pd->remote_ip);
	/* b: same device again: same token, same issuedAtMs. */
	decide(&r, NOW + 5000, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_uint_eq(v.flags, 0);
	ck_assert_str_eq(v.device_token, tok);
	ck_assert_uint_eq(v.issued_at_ms, issued);
	/* 05 a: the device token alone. */
	req_base(&r, 1);
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 6000, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	snprintf(p, sizeof(p), "device:%s", d.id);
	ck_assert_str_eq(v.principal, p);
	ck_assert_str_eq(v.device_token, tok);
	pd = pairing_get(authd_pairing(A), d.id);
	ck_assert_uint_eq(pd->tokens[PAIR_ROLE_OPERATOR].last_used_at_ms,
	    NOW + 6000);
	ck_assert_uint_eq(pd->last_seen_at_ms, NOW + 6000);
	/* 05 b: without a device block. */
	req_base(&r, 1);
	r.device_token = S(tok);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_IDENTITY_REQUIRED);
	/* 05 c: the device token in auth.token. */
	req_base(&r, 1);
	r.token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	/* 05 d: a wrong device token. */
	req_base(&r, 1);
	r.device_token = S("not-the-device-token");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	/* 05 e: fewer scopes. */
	req_base(&r, 1);
	r.nscopes = 0;
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, 0);
	ck_assert_str_eq(v.device_token, tok);
	/* 05 f: more scopes than the token has. */
	req_base(&r, 1);
	r.scopes[2] = S("operator.admin");
	r.nscopes = 3;
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_SCOPE_MISMATCH);
	/* A wrong shared token plus the right device token: device-token. */
	req_base(&r, 1);
	r.token = S("wrong");
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	/* The token does not work for another device. */
	tdev_init(&d, 31);
	req_base(&r, 1);
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
}
END_TEST

START_TEST(silent_pairing_does_not_prune)
{
	struct tdev		 d1, d2, d3;
	char			 t1[DEVICE_TOKEN_LEN + 1];
	char			 t2[DEVICE_TOKEN_LEN + 1];
	char			 t3[DEVICE_TOKEN_LEN + 1];
	struct auth_req		 r;
	struct auth_verdict	 v;

	tdev_init(&d1, 32);
	tdev_init(&d2, 33);
	tdev_init(&d3, 34);
	pair_local(&d1, t1);
	pair_local(&d2, t2);
	pair_local(&d3, t3);
	ck_assert_uint_eq(pairing_count(authd_pairing(A)), 3);
	ck_assert_str_ne(t1, t2);
	req_base(&r, 1);
	r.device_token = S(t1);
	tdev_sign(&d1, &r, 1);
	decide(&r, NOW + 120000, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
}
END_TEST

START_TEST(remote_pairing_request_lifecycle)
{
	struct auth_req		 r;
	struct auth_verdict	 v;
	struct tdev		 d;
	struct pair_result	 res;
	char			 rid[REQUEST_ID_LEN + 1];
	char			 tok[DEVICE_TOKEN_LEN + 1];
	const struct pair_device *pd;

	tdev_init(&d, 40);
	req_base(&r, 0);
	r.token = S(TOKEN);
	r.name = S("remote-box");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_uint_eq(v.pairing_reason, PAIR_R_NOT_PAIRED);
	ck_assert_uint_eq(strlen(v.request_id), REQUEST_ID_LEN);
	ck_assert_int_eq(v.request_id[14], '4');
	ck_assert_str_eq(v.device_id, d.id);
	ck_assert_str_eq(v.device_token, "");
	ck_assert_uint_eq(v.scopes, RW);
	memcpy(rid, v.request_id, sizeof(rid));
	/* e: a retry reuses the request. */
	decide(&r, NOW + 1000, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_str_eq(v.request_id, rid);
	/* Fewer scopes is covered by the pending request. */
	r.nscopes = 1;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 2000, &v);
	ck_assert_str_eq(v.request_id, rid);
	/* Refreshed at +2 s: alive at +2 s + 5 min, gone just after. */
	r.nscopes = 2;
	r.dev_signed_at = NOW + 2000 + 300000;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 2000 + 300000, &v);
	ck_assert_str_eq(v.request_id, rid);
	r.dev_signed_at = NOW + 2000 + 300000 + 300001;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 2000 + 300000 + 300001, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_str_ne(v.request_id, rid);
	memcpy(rid, v.request_id, sizeof(rid));
	ck_assert_uint_eq(pairing_pending_count(authd_pairing(A),
	    NOW + 2000 + 300000 + 300001), 1);

	/* The approver must hold what the token grants. */
	ck_assert_int_eq(pairing_approve(authd_pairing(A), rid,
	    SCOPE_BIT(SCOPE_PAIRING) | SCOPE_BIT(SCOPE_READ), NOW + 700000,
	    &res), PAIR_MISSING_SCOPE);
	ck_assert_uint_eq(res.scope, SCOPE_WRITE);
	ck_assert_int_eq(pairing_approve(authd_pairing(A), "nope",
	    PAIR_CALLER_ANY, NOW + 700000, &res), PAIR_UNKNOWN);
	ck_assert_int_eq(pairing_approve(authd_pairing(A), rid,
	    SCOPE_BIT(SCOPE_PAIRING) | SCOPE_BIT(SCOPE_WRITE), NOW + 700000,
	    &res), PAIR_OK);
	ck_assert_str_eq(res.device_id, d.id);
	ck_assert_uint_eq(pairing_pending_count(authd_pairing(A),
	    NOW + 700000), 0);
	pd = pairing_get(authd_pairing(A), d.id);
	ck_assert_uint_eq(pd->approved_via, PAIR_VIA_OWNER);
	ck_assert_str_eq(pd->display_name, "remote-box");
	ck_assert_str_eq(pd->remote_ip, REMOTE);
	ck_assert_uint_eq(pd->roles, PAIR_ROLE_BIT(PAIR_ROLE_OPERATOR));
	ck_assert_uint_eq(pd->tokens[PAIR_ROLE_OPERATOR].scopes, RW);
	/* f: approved: the shared token gets hello-ok and a device token. */
	r.dev_signed_at = NOW + 700000;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 700000, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	memcpy(tok, v.device_token, sizeof(tok));
	/* g: the device token alone. */
	req_base(&r, 0);
	r.device_token = S(tok);
	r.dev_signed_at = NOW + 700000;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 700000, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	/* Paired from anywhere: no new approval from loopback. */
	req_base(&r, 1);
	r.device_token = S(tok);
	r.dev_signed_at = NOW + 700000;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 700000, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
}
END_TEST

START_TEST(reject_and_remove)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	struct pair_result	res;
	char			rid[REQUEST_ID_LEN + 1];
	char			tok[DEVICE_TOKEN_LEN + 1];

	tdev_init(&d, 41);
	req_base(&r, 0);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	memcpy(rid, v.request_id, sizeof(rid));
	ck_assert_int_eq(pairing_reject(authd_pairing(A), rid, NOW, &res),
	    PAIR_OK);
	ck_assert_str_eq(res.device_id, d.id);
	ck_assert_int_eq(pairing_reject(authd_pairing(A), rid, NOW, &res),
	    PAIR_UNKNOWN);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_str_ne(v.request_id, rid);

	tdev_init(&d, 42);
	pair_local(&d, tok);
	ck_assert_int_eq(pairing_remove(authd_pairing(A), d.id), PAIR_OK);
	ck_assert_int_eq(pairing_remove(authd_pairing(A), d.id), PAIR_UNKNOWN);
	req_base(&r, 1);
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
}
END_TEST

START_TEST(scope_and_role_upgrades)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	char			tok[DEVICE_TOKEN_LEN + 1];

	tdev_init(&d, 43);
	pair_local(&d, tok);
	/* More scopes from a LAN address: scope upgrade. */
	req_base(&r, 0);
	r.token = S(TOKEN);
	r.scopes[2] = S("operator.admin");
	r.nscopes = 3;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_uint_eq(v.pairing_reason, PAIR_R_SCOPE_UPGRADE);
	ck_assert_uint_eq(strlen(v.request_id), REQUEST_ID_LEN);
	/* Requesting fewer than approved is fine. */
	req_base(&r, 0);
	r.token = S(TOKEN);
	r.nscopes = 1;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, SCOPE_BIT(SCOPE_READ));
	/* Locally with the shared token it upgrades silently. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.scopes[2] = S("operator.admin");
	r.nscopes = 3;
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW | SCOPE_BIT(SCOPE_ADMIN));
	ck_assert_uint_eq(v.flags, VERDICT_F_SILENT_PAIRED);
	ck_assert_str_ne(v.device_token, tok);
	ck_assert_uint_eq(pairing_get(authd_pairing(A), d.id)->approved_scopes,
	    RW | SCOPE_BIT(SCOPE_ADMIN));
	/* A device token never upgrades silently, even locally. */
	tdev_init(&d, 44);
	pair_local(&d, tok);
	req_base(&r, 1);
	r.scopes[0] = S("operator.pairing");
	r.nscopes = 1;
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_SCOPE_MISMATCH);
	/* The node role on an operator device: never silent. */
	req_base(&r, 1);
	r.role = S("node");
	r.client_id = S("node-host");
	r.client_mode = S("node");
	r.nscopes = 0;
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_uint_eq(v.pairing_reason, PAIR_R_ROLE_UPGRADE);
	ck_assert_str_eq(v.role, "node");
	ck_assert_uint_eq(v.flags & VERDICT_F_SILENT_PAIRED, 0);
}
END_TEST

START_TEST(metadata_pinned)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	char			tok[DEVICE_TOKEN_LEN + 1];

	tdev_init(&d, 45);
	pair_local(&d, tok);
	req_base(&r, 1);
	r.token = S(TOKEN);
	r.platform = S(" LINUX ");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	r.platform = S("darwin");
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_uint_eq(v.pairing_reason, PAIR_R_METADATA_UPGRADE);
}
END_TEST

START_TEST(revoke_and_rotate)
{
	struct auth_req		 r;
	struct auth_verdict	 v;
	struct tdev		 d;
	struct pair_result	 res;
	char			 tok[DEVICE_TOKEN_LEN + 1];
	uint64_t		 sc = SCOPE_BIT(SCOPE_READ);
	const struct pair_device *pd;

	tdev_init(&d, 46);
	pair_local(&d, tok);
	/* Rotation needs the caller to hold the scopes. */
	ck_assert_int_eq(pairing_rotate(authd_pairing(A), d.id,
	    PAIR_ROLE_OPERATOR, NULL, SCOPE_BIT(SCOPE_READ), NOW + 1, &res),
	    PAIR_MISSING_SCOPE);
	ck_assert_int_eq(pairing_rotate(authd_pairing(A), d.id,
	    PAIR_ROLE_NODE, NULL, PAIR_CALLER_ANY, NOW + 1, &res),
	    PAIR_UNKNOWN);
	sc = SCOPE_BIT(SCOPE_ADMIN);
	ck_assert_int_eq(pairing_rotate(authd_pairing(A), d.id,
	    PAIR_ROLE_OPERATOR, &sc, PAIR_CALLER_ANY, NOW + 1, &res),
	    PAIR_DENIED);
	sc = SCOPE_BIT(SCOPE_READ);
	ck_assert_int_eq(pairing_rotate(authd_pairing(A), d.id,
	    PAIR_ROLE_OPERATOR, &sc, PAIR_CALLER_ANY, NOW + 1, &res), PAIR_OK);
	ck_assert_str_ne(res.token, tok);
	ck_assert_uint_eq(res.scopes, SCOPE_BIT(SCOPE_READ));
	ck_assert_uint_eq(res.at_ms, NOW + 1);
	req_base(&r, 1);
	r.nscopes = 1;
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 2, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	r.device_token = S(res.token);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 2, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, SCOPE_BIT(SCOPE_READ));
	ck_assert_str_eq(v.device_token, res.token);
	ck_assert_uint_eq(v.issued_at_ms, NOW + 1);
	memcpy(tok, res.token, sizeof(tok));
	/* Revoked: the token fails, and the role is no longer effective. */
	ck_assert_int_eq(pairing_revoke(authd_pairing(A), d.id,
	    PAIR_ROLE_OPERATOR, PAIR_CALLER_ANY, NOW + 3, &res), PAIR_OK);
	pd = pairing_get(authd_pairing(A), d.id);
	ck_assert_uint_eq(pd->tokens[PAIR_ROLE_OPERATOR].revoked_at_ms,
	    NOW + 3);
	ck_assert_uint_eq(pair_effective_roles(pd), 0);
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 4, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	/* Remote with the shared token: role upgrade. */
	req_base(&r, 0);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 5, &v);
	assert_deny(&v, AUTH_R_PAIRING_REQUIRED);
	ck_assert_uint_eq(v.pairing_reason, PAIR_R_ROLE_UPGRADE);
	/* Local operator: silently re-approved with a fresh token. */
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW + 6, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	ck_assert_str_ne(v.device_token, tok);
}
END_TEST

START_TEST(browser_token_bound_to_secret)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct tdev		d;
	char			tok[DEVICE_TOKEN_LEN + 1];

	tdev_init(&d, 47);
	req_base(&r, 1);
	r.client_id = S("openclaw-control-ui");
	r.client_mode = S("webchat");
	r.platform = S("Linux x86_64");
	r.flags |= AUTH_F_HAS_ORIGIN;
	r.origin = S("http://127.0.0.1:18789");
	r.token = S(TOKEN);
	r.password = S(TOKEN);
	tdev_sign(&d, &r, 0);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	ck_assert_uint_eq(strlen(v.device_token), DEVICE_TOKEN_LEN);
	memcpy(tok, v.device_token, sizeof(tok));
	/* Reused while the secret is unchanged. */
	decide(&r, NOW + 1, &v);
	ck_assert_str_eq(v.device_token, tok);
	r.token = (struct auth_str){ NULL, 0 };
	r.password = (struct auth_str){ NULL, 0 };
	r.device_token = S(tok);
	tdev_sign(&d, &r, 0);
	decide(&r, NOW + 2, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	/* A new shared secret retires browser tokens issued under it. */
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, "rotated", 7,
	    NULL, 0), 0);
	decide(&r, NOW + 3, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	/* A cli token (no issuer) survives a secret change. */
	tdev_init(&d, 48);
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, TOKEN,
	    strlen(TOKEN), NULL, 0), 0);
	pair_local(&d, tok);
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, "rotated", 7,
	    NULL, 0), 0);
	req_base(&r, 1);
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
}
END_TEST

/*
 * Browser tokens issued before fingerprints were keyed carry the old,
 * unkeyed generation; the same secret adopts them.
 */
START_TEST(browser_token_survives_keying)
{
	struct auth_req		 r;
	struct auth_verdict	 v;
	struct tdev		 d;
	struct pair_device	*pd;
	char			 tok[DEVICE_TOKEN_LEN + 1], u[FINGERPRINT_LEN + 1];
	uint8_t			 g[8];
	uint64_t		 legacy;

	tdev_init(&d, 49);
	req_base(&r, 1);
	r.client_id = S("openclaw-control-ui");
	r.client_mode = S("webchat");
	r.platform = S("Linux x86_64");
	r.flags |= AUTH_F_HAS_ORIGIN;
	r.origin = S("http://127.0.0.1:18789");
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 0);
	decide(&r, NOW, &v);
	assert_ok(&v, AUTH_M_TOKEN, RW);
	memcpy(tok, v.device_token, sizeof(tok));
	unkeyed_fp(TOKEN, u);
	ck_assert_int_eq(sodium_hex2bin(g, sizeof(g), u, 16, NULL, NULL,
	    NULL), 0);
	memcpy(&legacy, g, sizeof(legacy));
	pd = pairing_lookup(authd_pairing(A), d.id);
	ck_assert_ptr_nonnull(pd);
	ck_assert_uint_ne(pd->tokens[PAIR_ROLE_OPERATOR].issuer_gen, legacy);
	pd->tokens[PAIR_ROLE_OPERATOR].issuer_gen = legacy;
	r.token = (struct auth_str){ NULL, 0 };
	r.device_token = S(tok);
	tdev_sign(&d, &r, 0);
	decide(&r, NOW + 1, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, TOKEN,
	    strlen(TOKEN), NULL, 0), 0);
	decide(&r, NOW + 2, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
}
END_TEST

START_TEST(token_key_survives_restore)
{
	struct authd		*b;
	struct tdev		 d;
	char			 tok[DEVICE_TOKEN_LEN + 1];
	uint8_t			 key[32];
	struct auth_req		 r;
	struct auth_verdict	 v;
	const struct pair_device *pd;

	/* The store's path: same token key + restored record = same token. */
	memset(key, 7, sizeof(key));
	ck_assert_int_eq(authd_set_token_key(A, key), 0);
	tdev_init(&d, 49);
	pair_local(&d, tok);
	pd = pairing_get(authd_pairing(A), d.id);
	b = authd_new();
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(authd_set_secrets(b, AUTHMODE_TOKEN, TOKEN,
	    strlen(TOKEN), NULL, 0), 0);
	ck_assert_int_eq(authd_set_token_key(b, key), 0);
	ck_assert_int_eq(pairing_restore(authd_pairing(b), pd), PAIR_OK);
	req_base(&r, 1);
	r.device_token = S(tok);
	tdev_sign(&d, &r, 1);
	memset(&v, 0, sizeof(v));
	authd_decide(b, &r, NOW, &v);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, RW);
	ck_assert_str_eq(v.device_token, tok);
	/* Another token key: the string no longer verifies. */
	memset(key, 8, sizeof(key));
	ck_assert_int_eq(authd_set_token_key(b, key), 0);
	authd_decide(b, &r, NOW, &v);
	assert_deny(&v, AUTH_R_DEVICE_TOKEN_MISMATCH);
	authd_free(b);
}
END_TEST

START_TEST(pairing_scales)
{
	struct pairing		*p = authd_pairing(A);
	struct pair_device	 rec;
	uint8_t			 pk[32];
	char			 id[DEVICE_ID_LEN + 1];
	uint32_t		 i;

	memset(&rec, 0, sizeof(rec));
	rec.roles = PAIR_ROLE_BIT(PAIR_ROLE_OPERATOR);
	for (i = 0; i < 100000; i++) {
		memset(pk, 0, sizeof(pk));
		memcpy(pk, &i, sizeof(i));
		device_id_from_key(pk, rec.device_id);
		memcpy(rec.public_key, pk, 32);
		ck_assert_int_eq(pairing_restore(p, &rec), PAIR_OK);
	}
	ck_assert_uint_eq(pairing_count(p), 100000);
	for (i = 0; i < 100000; i += 997) {
		memset(pk, 0, sizeof(pk));
		memcpy(pk, &i, sizeof(i));
		device_id_from_key(pk, id);
		ck_assert_ptr_nonnull(pairing_get(p, id));
	}
	pk[31] = 1;
	device_id_from_key(pk, id);
	ck_assert_ptr_null(pairing_get(p, id));
	/* Restoring a record again replaces it. */
	ck_assert_int_eq(pairing_restore(p, &rec), PAIR_OK);
	ck_assert_uint_eq(pairing_count(p), 100000);
}
END_TEST

/* ---- RPCs, sessions and events (rpc.c, session.c) --------------------- */

#define MAXMSG	8192

struct msg {
	uint64_t	 chan;
	uint16_t	 type;
	uint64_t	 id;
	char		*text;
	size_t		 len;
};

static struct rpc	*R;
static struct msg	 msgs[MAXMSG];
static size_t		 nmsgs;
static uint64_t		 next_id = 100;

static void
cap_send(void *arg, uint64_t chan, uint16_t type, uint64_t id,
    const void *p, size_t len)
{
	struct msg	*m;

	ck_assert_uint_lt(nmsgs, MAXMSG);
	ck_assert_uint_le(len, RPC_PIECE_MAX);
	m = &msgs[nmsgs++];
	m->chan = chan;
	m->type = type;
	m->id = id;
	m->len = len;
	m->text = malloc(len + 1);
	ck_assert_ptr_nonnull(m->text);
	memcpy(m->text, p, len);
	m->text[len] = '\0';
}

static void
msgs_clear(void)
{
	size_t	i;

	for (i = 0; i < nmsgs; i++)
		free(msgs[i].text);
	nmsgs = 0;
}

static void
setup_rpc(void)
{
	setup_token();
	R = rpc_new(A, NULL, cap_send, NULL);
	ck_assert_ptr_nonnull(R);
}

static void
teardown_rpc(void)
{
	rpc_free(R);
	R = NULL;
	msgs_clear();
	test_authd_free();
}

/* json_dumps into a static buffer (no leak in assertions). */
static const char *
jtext(const json_t *j, size_t flags)
{
	static char	 ring[4][8192];
	static int	 k;
	char		*s;

	k = (k + 1) % 4;
	s = json_dumps(j, flags);
	snprintf(ring[k], sizeof(ring[k]), "%s", s != NULL ? s : "(null)");
	free(s);
	return ring[k];
}

struct sess {
	char	id[AUTH_SESSION_LEN + 1];
};

/* A connect through rpc.c; the session handle (or "") in `s'. */
static void
rconnect(uint64_t chan, const struct auth_req *r, uint64_t now,
    struct auth_verdict *v, struct sess *s)
{
	memset(v, 0xa5, sizeof(*v));
	rpc_connect(R, chan, r, now, v);
	if (s != NULL) {
		memcpy(s->id, v->session, AUTH_SESSION_LEN);
		s->id[AUTH_SESSION_LEN] = '\0';
	}
}

/* A device-less local CLI operator with the shared token and `scopes'. */
static void
op_session(uint64_t chan, struct sess *s, const char *const *scopes)
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.token = S(TOKEN);
	for (r.nscopes = 0; scopes[r.nscopes] != NULL; r.nscopes++)
		r.scopes[r.nscopes] = S(scopes[r.nscopes]);
	rconnect(chan, &r, NOW, &v, s);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	ck_assert_uint_eq(strspn(s->id, "0123456789abcdef"), AUTH_SESSION_LEN);
}

/*
 * A device paired locally with `scopes', then connected with its device
 * token: a self-scoped caller.  Its token in `tok'.
 */
static void
dev_session(uint64_t chan, struct tdev *d, const char *const *scopes,
    struct sess *s, char tok[DEVICE_TOKEN_LEN + 1])
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 1);
	r.token = S(TOKEN);
	for (r.nscopes = 0; scopes[r.nscopes] != NULL; r.nscopes++)
		r.scopes[r.nscopes] = S(scopes[r.nscopes]);
	tdev_sign(d, &r, 1);
	rconnect(chan, &r, NOW, &v, s);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	rpc_session_end(R, chan, s->id, AUTH_SESSION_LEN);
	memcpy(tok, v.device_token, DEVICE_TOKEN_LEN + 1);
	r.token = (struct auth_str){ NULL, 0 };
	r.device_token = S(tok);
	tdev_sign(d, &r, 1);
	rconnect(chan, &r, NOW, &v, s);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	ck_assert_uint_eq(v.method, AUTH_M_DEVICE_TOKEN);
}

/* A remote device asking for `role' and `scopes': its request id. */
static void
remote_request(struct tdev *d, const char *role, const char *const *scopes,
    uint64_t now, char rid[REQUEST_ID_LEN + 1])
{
	struct auth_req		r;
	struct auth_verdict	v;

	req_base(&r, 0);
	r.token = S(TOKEN);
	r.role = S(role);
	r.name = S("remote-box");
	for (r.nscopes = 0; scopes[r.nscopes] != NULL; r.nscopes++)
		r.scopes[r.nscopes] = S(scopes[r.nscopes]);
	r.dev_signed_at = now;
	tdev_sign(d, &r, 1);
	rconnect(9, &r, now, &v, NULL);
	ck_assert_uint_eq(v.reason, AUTH_R_PAIRING_REQUIRED);
	memcpy(rid, v.request_id, REQUEST_ID_LEN + 1);
}

/* The joined result for request `id' on `chan', parsed. */
static json_t *
result_of(uint64_t chan, uint64_t id)
{
	json_error_t	 je;
	json_t		*j;
	char		*buf = NULL;
	size_t		 i, len = 0;
	int		 done = 0;

	for (i = 0; i < nmsgs && !done; i++) {
		struct msg *m = &msgs[i];
		const char *p = m->text;
		size_t n = m->len;

		if (m->type != IPC_A2W_RPC_RESULT || m->id != id)
			continue;
		ck_assert_uint_eq(m->chan, chan);
		if (p[0] == '{')
			done = 1;
		else {
			ck_assert_msg(p[0] == '+' || p[0] == '$', "piece %c",
			    p[0]);
			done = p[0] == '$';
			p++;
			n--;
		}
		buf = realloc(buf, len + n + 1);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf + len, p, n);
		len += n;
		buf[len] = '\0';
	}
	ck_assert_msg(done, "no result for %llu", (unsigned long long)id);
	j = json_loads(buf, 0, &je);
	ck_assert_msg(j != NULL, "result not JSON: %s", je.text);
	free(buf);
	return j;
}

static json_t *
call_raw(uint64_t chan, const char *text)
{
	uint64_t	id = next_id++;

	rpc_call(R, chan, id, text, strlen(text), NOW + 1000);
	return result_of(chan, id);
}

static json_t *
call(uint64_t chan, const struct sess *s, const char *method,
    const char *params)
{
	char	buf[4096];

	if (params == NULL)
		snprintf(buf, sizeof(buf), "{\"session\":\"%s\",\"method\":"
		    "\"%s\"}", s->id, method);
	else
		snprintf(buf, sizeof(buf), "{\"session\":\"%s\",\"method\":"
		    "\"%s\",\"params\":%s}", s->id, method, params);
	return call_raw(chan, buf);
}

static void
assert_err(json_t *res, const char *code, const char *message)
{
	json_t	*e = json_object_get(res, "error");

	ck_assert_msg(json_is_false(json_object_get(res, "ok")),
	    "not an error: %s", jtext(res, JSON_COMPACT));
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	ck_assert_str_eq(json_string_value(json_object_get(e, "message")),
	    message);
	json_decref(res);
}

/* The payload of a success (borrowed from `res'). */
static json_t *
payload_of(json_t *res)
{
	ck_assert_msg(json_is_true(json_object_get(res, "ok")), "failed: %s",
	    jtext(res, JSON_COMPACT));
	return json_object_get(res, "payload");
}

/* The object's keys, comma-joined in order. */
static const char *
keys_of(json_t *o)
{
	static char	 buf[1024];
	const char	*k;
	json_t		*v;

	buf[0] = '\0';
	json_object_foreach(o, k, v) {
		if (buf[0] != '\0')
			strcat(buf, ",");
		strcat(buf, k);
	}
	return buf;
}

static const char *
jstr(json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	ck_assert_msg(s != NULL, "no string %s", k);
	return s;
}

/* The i'th message of `type' from index `from', or NULL. */
static json_t *
nth_msg(uint16_t type, size_t from, size_t n, size_t *at)
{
	size_t	i;

	for (i = from; i < nmsgs; i++)
		if (msgs[i].type == type && n-- == 0) {
			if (at != NULL)
				*at = i;
			return json_loads(msgs[i].text, 0, NULL);
		}
	return NULL;
}

static size_t
count_msgs(uint16_t type)
{
	size_t	i, n = 0;

	for (i = 0; i < nmsgs; i++)
		n += msgs[i].type == type;
	return n;
}

/* {"event":"device.pair.resolved",...}; consumes `ev'. */
static void
assert_resolved(json_t *ev, const char *rid, const char *id,
    const char *decision)
{
	json_t	*p = json_object_get(ev, "payload");

	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(keys_of(ev), "event,payload,scope");
	ck_assert_str_eq(jstr(ev, "event"), "device.pair.resolved");
	ck_assert_str_eq(jstr(ev, "scope"), "operator.pairing");
	ck_assert_str_eq(keys_of(p), "requestId,deviceId,decision,ts");
	ck_assert_str_eq(jstr(p, "requestId"), rid);
	ck_assert_str_eq(jstr(p, "deviceId"), id);
	ck_assert_str_eq(jstr(p, "decision"), decision);
	ck_assert(json_is_integer(json_object_get(p, "ts")));
	json_decref(ev);
}

static const char *const SC_ADMIN[] = { "operator.admin", NULL };
static const char *const SC_PAIR[] = { "operator.pairing", NULL };
static const char *const SC_PAIR_READ[] = { "operator.pairing",
    "operator.read", NULL };
static const char *const SC_RW[] = { "operator.read", "operator.write",
    NULL };
static const char *const SC_READ[] = { "operator.read", NULL };

START_TEST(rpc_sessions_bound_to_channel)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct sess		a, b, none;
	struct tdev		d;
	char			tok[DEVICE_TOKEN_LEN + 1];
	json_t			*res;

	op_session(1, &a, SC_PAIR);
	op_session(1, &b, SC_PAIR);
	ck_assert_str_ne(a.id, b.id);
	ck_assert_uint_eq(sessions_count(rpc_sessions(R)), 2);
	/* A denied connect has no session. */
	req_base(&r, 1);
	r.token = S("wrong");
	rconnect(1, &r, NOW, &v, &none);
	assert_deny(&v, AUTH_R_TOKEN_MISMATCH);
	ck_assert_uint_eq(strlen(none.id), 0);
	ck_assert_uint_eq(sessions_count(rpc_sessions(R)), 2);

	res = call(1, &a, "device.pair.list", "{}");
	payload_of(res);
	json_decref(res);
	/* Another channel cannot use it. */
	assert_err(call(2, &a, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	memcpy(none.id, "00000000000000000000000000000000", 33);
	assert_err(call(1, &none, "device.pair.list", "{}"),
	    "INVALID_REQUEST", "unknown session");
	/* Nor end it. */
	rpc_session_end(R, 2, a.id, AUTH_SESSION_LEN);
	json_decref(call(1, &a, "device.pair.list", "{}"));
	rpc_session_end(R, 1, a.id, AUTH_SESSION_LEN);
	assert_err(call(1, &a, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	rpc_session_end(R, 1, a.id, AUTH_SESSION_LEN);	/* twice: harmless */
	/* A device session marks the device connected until it ends. */
	tdev_init(&d, 60);
	dev_session(3, &d, SC_PAIR_READ, &a, tok);
	ck_assert_int_eq(sessions_connected(rpc_sessions(R), d.id), 1);
	ck_assert_uint_eq(sessions_count(rpc_sessions(R)), 2);
	/* The channel goes: every session on it ends, not others. */
	rpc_channel_gone(R, 3);
	ck_assert_int_eq(sessions_connected(rpc_sessions(R), d.id), 0);
	ck_assert_uint_eq(sessions_count(rpc_sessions(R)), 1);
	json_decref(call(1, &b, "device.pair.list", "{}"));
	rpc_channel_gone(R, 1);
	ck_assert_uint_eq(sessions_count(rpc_sessions(R)), 0);
	assert_err(call(1, &b, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
}
END_TEST

START_TEST(rpc_list_shapes)
{
	struct sess	 op, ds;
	struct tdev	 d1, d2;
	char		 tok[DEVICE_TOKEN_LEN + 1], rid[REQUEST_ID_LEN + 1];
	json_t		*res, *pl, *p, *t;

	op_session(1, &op, SC_ADMIN);
	res = call(1, &op, "device.pair.list", "{}");
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT),
	    "{\"pending\":[],\"paired\":[]}");
	json_decref(res);

	tdev_init(&d1, 61);
	dev_session(2, &d1, SC_PAIR_READ, &ds, tok);
	tdev_init(&d2, 62);
	remote_request(&d2, "operator", SC_READ, NOW + 7, rid);
	res = call(1, &op, "device.pair.list", NULL);	/* no params: {} */
	pl = payload_of(res);
	ck_assert_str_eq(keys_of(pl), "pending,paired");
	ck_assert_uint_eq(json_array_size(json_object_get(pl, "pending")), 1);
	p = json_array_get(json_object_get(pl, "pending"), 0);
	ck_assert_str_eq(keys_of(p), "requestId,deviceId,publicKey,"
	    "displayName,platform,clientId,clientMode,role,roles,scopes,"
	    "remoteIp,silent,isRepair,ts");
	ck_assert_str_eq(jstr(p, "requestId"), rid);
	ck_assert_str_eq(jstr(p, "deviceId"), d2.id);
	ck_assert_str_eq(jstr(p, "publicKey"), d2.pub);
	ck_assert_str_eq(jstr(p, "displayName"), "remote-box");
	ck_assert_str_eq(jstr(p, "remoteIp"), REMOTE);
	ck_assert_str_eq(jtext(json_object_get(p, "roles"), JSON_COMPACT),
	    "[\"operator\"]");
	ck_assert_str_eq(jtext(json_object_get(p, "scopes"), JSON_COMPACT),
	    "[\"operator.read\"]");
	ck_assert(json_is_false(json_object_get(p, "silent")));
	ck_assert(json_is_false(json_object_get(p, "isRepair")));
	ck_assert_int_eq(json_integer_value(json_object_get(p, "ts")),
	    (json_int_t)(NOW + 7));

	ck_assert_uint_eq(json_array_size(json_object_get(pl, "paired")), 1);
	p = json_array_get(json_object_get(pl, "paired"), 0);
	/* Redacted: no approvedScopes, tokens summarised, connected. */
	ck_assert_str_eq(keys_of(p), "deviceId,publicKey,platform,clientId,"
	    "clientMode,role,roles,scopes,tokens,approvedVia,createdAtMs,"
	    "approvedAtMs,lastSeenAtMs,lastSeenReason,connected");
	ck_assert_str_eq(jstr(p, "deviceId"), d1.id);
	ck_assert_str_eq(jstr(p, "approvedVia"), "silent");
	ck_assert_str_eq(jstr(p, "lastSeenReason"), "connect");
	ck_assert_str_eq(jtext(json_object_get(p, "scopes"), JSON_COMPACT),
	    "[\"operator.pairing\",\"operator.read\"]");
	ck_assert(json_is_true(json_object_get(p, "connected")));
	t = json_object_get(p, "tokens");
	ck_assert_uint_eq(json_array_size(t), 1);
	ck_assert_str_eq(jtext(json_array_get(t, 0), JSON_COMPACT),
	    "{\"role\":\"operator\",\"scopes\":[\"operator.pairing\","
	    "\"operator.read\"],\"createdAtMs\":1795342016742,"
	    "\"lastUsedAtMs\":1795342016742}");
	ck_assert_ptr_null(strstr(jtext(res, JSON_COMPACT), tok));
	json_decref(res);
	/* Once its connection ends it is no longer connected. */
	rpc_session_end(R, 2, ds.id, AUTH_SESSION_LEN);
	res = call(1, &op, "device.pair.list", "{}");
	p = json_array_get(json_object_get(payload_of(res), "paired"), 0);
	ck_assert(json_is_false(json_object_get(p, "connected")));
	json_decref(res);
}
END_TEST

START_TEST(rpc_params_validated)
{
	struct sess	op;

	op_session(1, &op, SC_ADMIN);
	assert_err(call(1, &op, "device.pair.list", "{\"x\":1}"),
	    "INVALID_REQUEST",
	    "invalid device.pair.list params: at root: unexpected property 'x'");
	/* JavaScript key order: array indexes first; blank keys last. */
	assert_err(call(1, &op, "device.pair.list",
	    "{\" \":1,\"b\":1,\"7\":1,\"3\":1}"), "INVALID_REQUEST",
	    "invalid device.pair.list params: at root: unexpected property '3'");
	assert_err(call(1, &op, "device.pair.list", "{\" \":1}"),
	    "INVALID_REQUEST", "invalid device.pair.list params: must not have "
	    "additional properties");
	assert_err(call(1, &op, "device.pair.list", "[]"), "INVALID_REQUEST",
	    "invalid device.pair.list params: must be object");
	assert_err(call(1, &op, "device.pair.approve", "{}"),
	    "INVALID_REQUEST", "invalid device.pair.approve params: must have "
	    "required property 'requestId'");
	assert_err(call(1, &op, "device.pair.approve", "{\"requestId\":\"\"}"),
	    "INVALID_REQUEST", "invalid device.pair.approve params: at "
	    "/requestId: must not have fewer than 1 characters");
	assert_err(call(1, &op, "device.pair.reject",
	    "{\"requestId\":5,\"y\":1}"), "INVALID_REQUEST",
	    "invalid device.pair.reject params: at root: unexpected property "
	    "'y'; at /requestId: must be string");
	assert_err(call(1, &op, "device.pair.remove", "{\"deviceId\":null}"),
	    "INVALID_REQUEST", "invalid device.pair.remove params: at "
	    "/deviceId: must be string");
	assert_err(call(1, &op, "device.token.rotate",
	    "{\"deviceId\":\"x\",\"scopes\":[\"a\",1,\"\"]}"), "INVALID_REQUEST",
	    "invalid device.token.rotate params: must have required property "
	    "'role'; at /scopes/1: must be string; at /scopes/2: must not have "
	    "fewer than 1 characters");
	assert_err(call(1, &op, "device.token.rotate",
	    "{\"deviceId\":\"x\",\"role\":\"operator\",\"scopes\":\"a\"}"),
	    "INVALID_REQUEST",
	    "invalid device.token.rotate params: at /scopes: must be array");
	assert_err(call(1, &op, "device.token.revoke",
	    "{\"deviceId\":\"x\",\"role\":\"operator\",\"scopes\":[]}"),
	    "INVALID_REQUEST", "invalid device.token.revoke params: at root: "
	    "unexpected property 'scopes'");
	assert_err(call(1, &op, "device.pair.rename", "{}"), "INVALID_REQUEST",
	    "unknown method: device.pair.rename");
}
END_TEST

START_TEST(rpc_role_and_scope)
{
	struct auth_req		r;
	struct auth_verdict	v;
	struct sess		rd, node;
	struct tdev		d;
	json_t			*res, *det;

	op_session(1, &rd, SC_RW);
	res = call(1, &rd, "device.pair.list", "{}");
	ck_assert_str_eq(jtext(json_object_get(res, "error"),
	    JSON_COMPACT), "{\"code\":\"FORBIDDEN\",\"message\":\"missing "
	    "scope: operator.pairing\",\"details\":{\"code\":\"MISSING_SCOPE\","
	    "\"missingScope\":\"operator.pairing\",\"requiredScopes\":"
	    "[\"operator.pairing\"]}}");
	json_decref(res);
	/* A node connection: the role is refused before any scope. */
	tdev_init(&d, 63);
	req_base(&r, 1);
	r.role = S("node");
	r.client_id = S("node-host");
	r.client_mode = S("node");
	r.nscopes = 0;
	r.token = S(TOKEN);
	tdev_sign(&d, &r, 1);
	rconnect(1, &r, NOW, &v, &node);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	assert_err(call(1, &node, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unauthorized role: node");
	/* Params are checked only once the caller may call. */
	res = call(1, &rd, "device.pair.list", "{\"x\":1}");
	det = json_object_get(json_object_get(res, "error"), "code");
	ck_assert_str_eq(json_string_value(det), "FORBIDDEN");
	json_decref(res);
}
END_TEST

START_TEST(rpc_approve)
{
	struct sess	 pr, op, adm;
	struct tdev	 d, n;
	char		 rid[REQUEST_ID_LEN + 1], nrid[REQUEST_ID_LEN + 1];
	json_t		*res, *dev, *ev;
	size_t		 at_ev, at_res, i;
	const struct pair_device *pd;

	op_session(1, &pr, SC_PAIR);
	op_session(1, &op, SC_PAIR_READ);
	op_session(1, &adm, SC_ADMIN);
	tdev_init(&d, 64);
	remote_request(&d, "operator", SC_RW, NOW, rid);
	assert_err(call(1, &op, "device.pair.approve",
	    "{\"requestId\":\"nope\"}"), "INVALID_REQUEST", "unknown requestId");
	/* The approver must hold every scope the token grants. */
	msgs_clear();
	{
		char	p[128];

		snprintf(p, sizeof(p), "{\"requestId\":\"%s\"}", rid);
		assert_err(call(1, &pr, "device.pair.approve", p),
		    "INVALID_REQUEST", "missing scope: operator.read");
		assert_err(call(1, &op, "device.pair.approve", p),
		    "INVALID_REQUEST", "missing scope: operator.write");
		ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 0);
		msgs_clear();
		/* Blanks around the id are trimmed. */
		snprintf(p, sizeof(p), "{\"requestId\":\" %s\\n\"}", rid);
		res = call(1, &adm, "device.pair.approve", p);
	}
	dev = json_object_get(payload_of(res), "device");
	ck_assert_str_eq(keys_of(payload_of(res)), "requestId,device");
	ck_assert_str_eq(jstr(payload_of(res), "requestId"), rid);
	ck_assert_str_eq(keys_of(dev), "deviceId,publicKey,displayName,"
	    "platform,clientId,clientMode,role,roles,scopes,remoteIp,tokens,"
	    "approvedVia,createdAtMs,approvedAtMs");
	ck_assert_str_eq(jstr(dev, "approvedVia"), "owner");
	ck_assert_str_eq(jtext(json_object_get(dev, "tokens"),
	    JSON_COMPACT), "[{\"role\":\"operator\",\"scopes\":"
	    "[\"operator.read\",\"operator.write\"],\"createdAtMs\":"
	    "1795342017742}]");
	json_decref(res);
	/* The resolved event went out, to every channel, before the answer. */
	ev = nth_msg(IPC_A2W_EVENT, 0, 0, &at_ev);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(msgs[at_ev].chan, RPC_ALL_CHANNELS);
	ck_assert_uint_eq(msgs[at_ev].id, 0);
	json_decref(nth_msg(IPC_A2W_RPC_RESULT, 0, 0, &at_res));
	ck_assert_uint_lt(at_ev, at_res);
	assert_resolved(ev, rid, d.id, "approved");
	pd = pairing_get(authd_pairing(A), d.id);
	ck_assert_ptr_nonnull(pd);
	ck_assert_uint_eq(pd->approved_via, PAIR_VIA_OWNER);
	/* Gone once approved. */
	{
		char	p[128];

		snprintf(p, sizeof(p), "{\"requestId\":\"%s\"}", rid);
		assert_err(call(1, &adm, "device.pair.approve", p),
		    "INVALID_REQUEST", "unknown requestId");
	}
	/* A node role: only an admin approves it. */
	tdev_init(&n, 65);
	remote_request(&n, "node", (const char *const []){ NULL }, NOW, nrid);
	{
		char	p[128];

		snprintf(p, sizeof(p), "{\"requestId\":\"%s\"}", nrid);
		assert_err(call(1, &op, "device.pair.approve", p),
		    "INVALID_REQUEST", "device pairing approval denied");
		res = call(1, &adm, "device.pair.approve", p);
	}
	dev = json_object_get(payload_of(res), "device");
	ck_assert_str_eq(jtext(json_object_get(dev, "roles"), JSON_COMPACT),
	    "[\"node\"]");
	json_decref(res);
	for (i = 0; i < nmsgs; i++)
		ck_assert_ptr_null(strstr(msgs[i].text, "\"token\""));
}
END_TEST

static json_t *
call_id(uint64_t chan, const struct sess *s, const char *method,
    const char *key, const char *val)
{
	char	p[256];

	snprintf(p, sizeof(p), "{\"%s\":\"%s\"}", key, val);
	return call(chan, s, method, p);
}

START_TEST(rpc_reject)
{
	struct sess	 op;
	struct tdev	 d;
	char		 rid[REQUEST_ID_LEN + 1];
	json_t		*res;
	char		 want[256];

	op_session(1, &op, SC_PAIR);
	tdev_init(&d, 66);
	remote_request(&d, "operator", SC_RW, NOW, rid);
	assert_err(call_id(1, &op, "device.pair.reject", "requestId", "nope"),
	    "INVALID_REQUEST", "unknown requestId");
	msgs_clear();
	/* Rejecting needs no more than operator.pairing. */
	res = call_id(1, &op, "device.pair.reject", "requestId", rid);
	snprintf(want, sizeof(want), "{\"requestId\":\"%s\",\"deviceId\":"
	    "\"%s\"}", rid, d.id);
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT), want);
	json_decref(res);
	assert_resolved(nth_msg(IPC_A2W_EVENT, 0, 0, NULL), rid, d.id,
	    "rejected");
	ck_assert_uint_eq(pairing_pending_count(authd_pairing(A), NOW), 0);
	assert_err(call_id(1, &op, "device.pair.reject", "requestId", rid),
	    "INVALID_REQUEST", "unknown requestId");
}
END_TEST

START_TEST(rpc_remove_closes_sessions)
{
	struct sess	 op, ds, ds2;
	struct tdev	 d;
	char		 tok[DEVICE_TOKEN_LEN + 1];
	json_t		*res, *c;
	size_t		 at_res, at_close;
	char		 want[256];

	op_session(1, &op, SC_PAIR);
	tdev_init(&d, 67);
	dev_session(2, &d, SC_PAIR_READ, &ds, tok);
	dev_session(3, &d, SC_PAIR_READ, &ds2, tok);
	assert_err(call_id(1, &op, "device.pair.remove", "deviceId", "nope"),
	    "INVALID_REQUEST", "unknown deviceId");
	msgs_clear();
	res = call_id(1, &op, "device.pair.remove", "deviceId", d.id);
	snprintf(want, sizeof(want), "{\"deviceId\":\"%s\"}", d.id);
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT), want);
	json_decref(res);
	/* The answer first, then the close, to every channel. */
	json_decref(nth_msg(IPC_A2W_RPC_RESULT, 0, 0, &at_res));
	c = nth_msg(IPC_A2W_EVENT, 0, 0, &at_close);
	ck_assert_uint_lt(at_res, at_close);
	ck_assert_uint_eq(msgs[at_close].chan, RPC_ALL_CHANNELS);
	snprintf(want, sizeof(want), "{\"close\":{\"deviceId\":\"%s\","
	    "\"code\":4001,\"reason\":\"device removed\"}}", d.id);
	ck_assert_str_eq(jtext(c, JSON_COMPACT), want);
	json_decref(c);
	/* Its sessions are gone in authd, whatever the worker does. */
	assert_err(call(2, &ds, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	assert_err(call(3, &ds2, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	ck_assert_int_eq(sessions_connected(rpc_sessions(R), d.id), 0);
	ck_assert_ptr_null(pairing_get(authd_pairing(A), d.id));
	assert_err(call_id(1, &op, "device.pair.remove", "deviceId", d.id),
	    "INVALID_REQUEST", "unknown deviceId");
}
END_TEST

START_TEST(rpc_rotate_and_revoke)
{
	struct auth_req	 r;
	struct auth_verdict v;
	struct sess	 op, adm, ds, other;
	struct tdev	 d;
	char		 tok[DEVICE_TOKEN_LEN + 1], p[512], want[512];
	json_t		*res, *pl, *c;
	size_t		 at;

	op_session(1, &op, SC_PAIR);
	op_session(1, &adm, SC_ADMIN);
	tdev_init(&d, 68);
	dev_session(2, &d, SC_PAIR_READ, &ds, tok);
	op_session(2, &other, SC_PAIR);
	/* Unknown device, unknown role, node without admin: denied. */
	snprintf(p, sizeof(p), "{\"deviceId\":\"nope\",\"role\":\"operator\"}");
	assert_err(call(1, &adm, "device.token.rotate", p), "INVALID_REQUEST",
	    "device token rotation denied");
	assert_err(call(1, &adm, "device.token.revoke", p), "INVALID_REQUEST",
	    "device token revocation denied");
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"root\"}", d.id);
	assert_err(call(1, &adm, "device.token.rotate", p), "INVALID_REQUEST",
	    "device token rotation denied");
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"node\"}", d.id);
	assert_err(call(1, &op, "device.token.rotate", p), "INVALID_REQUEST",
	    "device token rotation denied");
	assert_err(call(1, &adm, "device.token.revoke", p), "INVALID_REQUEST",
	    "device token revocation denied");	/* no node token */
	/* Outside the approved baseline, or an unknown scope: denied. */
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"operator\","
	    "\"scopes\":[\"operator.admin\"]}", d.id);
	assert_err(call(1, &adm, "device.token.rotate", p), "INVALID_REQUEST",
	    "device token rotation denied");
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"operator\","
	    "\"scopes\":[\"operator.nope\"]}", d.id);
	assert_err(call(1, &adm, "device.token.rotate", p), "INVALID_REQUEST",
	    "device token rotation denied");
	/* The caller must hold the token's scopes. */
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"operator\"}",
	    d.id);
	assert_err(call(1, &op, "device.token.rotate", p), "INVALID_REQUEST",
	    "missing scope: operator.read");
	assert_err(call(1, &op, "device.token.revoke", p), "INVALID_REQUEST",
	    "missing scope: operator.read");
	/* Cross-device: the new token is withheld. */
	msgs_clear();
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"operator\","
	    "\"scopes\":[\"operator.read\"]}", d.id);
	res = call(1, &adm, "device.token.rotate", p);
	pl = payload_of(res);
	snprintf(want, sizeof(want), "{\"deviceId\":\"%s\",\"role\":"
	    "\"operator\",\"scopes\":[\"operator.read\"],\"rotatedAtMs\":"
	    "1795342017742,\"tokenDelivery\":\"withheld-cross-device\"}", d.id);
	ck_assert_str_eq(jtext(pl, JSON_COMPACT), want);
	json_decref(res);
	json_decref(nth_msg(IPC_A2W_RPC_RESULT, 0, 0, &at));
	c = nth_msg(IPC_A2W_EVENT, at, 0, NULL);
	snprintf(want, sizeof(want), "{\"close\":{\"deviceId\":\"%s\","
	    "\"code\":4001,\"reason\":\"client invalidated: device token "
	    "rotated\",\"role\":\"operator\"}}", d.id);
	ck_assert_str_eq(jtext(c, JSON_COMPACT), want);
	json_decref(c);
	assert_err(call(2, &ds, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	json_decref(call(2, &other, "device.pair.list", "{}"));	/* kept */
	ck_assert_uint_eq(pairing_get(authd_pairing(A), d.id)->
	    tokens[PAIR_ROLE_OPERATOR].scopes, SCOPE_BIT(SCOPE_READ));

	/* The device itself, by its token: delivered in band. */
	tdev_init(&d, 69);
	dev_session(3, &d, SC_PAIR_READ, &ds, tok);
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"operator\"}",
	    d.id);
	res = call(3, &ds, "device.token.rotate", p);
	pl = payload_of(res);
	ck_assert_str_eq(keys_of(pl), "deviceId,role,token,scopes,rotatedAtMs,"
	    "tokenDelivery");
	ck_assert_str_eq(jstr(pl, "tokenDelivery"), "in-band");
	ck_assert_uint_eq(strlen(jstr(pl, "token")), DEVICE_TOKEN_LEN);
	ck_assert_str_ne(jstr(pl, "token"), tok);
	/* The new string is the device's token now. */
	req_base(&r, 1);
	r.scopes[0] = S("operator.pairing");
	r.scopes[1] = S("operator.read");
	r.device_token = S(jstr(pl, "token"));
	tdev_sign(&d, &r, 1);
	rconnect(3, &r, NOW + 2000, &v, &ds);
	assert_ok(&v, AUTH_M_DEVICE_TOKEN, SCOPE_BIT(SCOPE_PAIRING) |
	    SCOPE_BIT(SCOPE_READ));
	json_decref(res);

	/* Revoke: the answer, then the role's sessions close. */
	msgs_clear();
	res = call(1, &adm, "device.token.revoke", p);
	snprintf(want, sizeof(want), "{\"deviceId\":\"%s\",\"role\":"
	    "\"operator\",\"revokedAtMs\":1795342017742}", d.id);
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT), want);
	json_decref(res);
	json_decref(nth_msg(IPC_A2W_RPC_RESULT, 0, 0, &at));
	c = nth_msg(IPC_A2W_EVENT, at, 0, NULL);
	ck_assert_str_eq(jstr(json_object_get(c, "close"), "reason"),
	    "client invalidated: device token revoked");
	json_decref(c);
	assert_err(call(3, &ds, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	ck_assert_uint_eq(pair_effective_roles(pairing_get(authd_pairing(A),
	    d.id)), 0);
}
END_TEST

START_TEST(rpc_device_token_callers_self_scoped)
{
	struct sess	 mine, adm_dev;
	struct tdev	 me, them, boss;
	char		 tok[DEVICE_TOKEN_LEN + 1], rid[REQUEST_ID_LEN + 1];
	char		 myrid[REQUEST_ID_LEN + 1], p[256];
	json_t		*res, *pl;

	tdev_init(&me, 70);
	tdev_init(&them, 71);
	tdev_init(&boss, 72);
	dev_session(1, &me, SC_PAIR_READ, &mine, tok);
	dev_session(1, &boss, SC_ADMIN, &adm_dev, tok);
	remote_request(&them, "operator", SC_READ, NOW, rid);
	/* list: only itself. */
	res = call(1, &mine, "device.pair.list", "{}");
	pl = payload_of(res);
	ck_assert_uint_eq(json_array_size(json_object_get(pl, "pending")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(pl, "paired")), 1);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(pl, "paired"), 0),
	    "deviceId"), me.id);
	json_decref(res);
	/* An admin device token is not confined. */
	res = call(1, &adm_dev, "device.pair.list", "{}");
	pl = payload_of(res);
	ck_assert_uint_eq(json_array_size(json_object_get(pl, "pending")), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(pl, "paired")), 2);
	json_decref(res);
	assert_err(call_id(1, &mine, "device.pair.approve", "requestId", rid),
	    "INVALID_REQUEST", "device pairing approval denied");
	assert_err(call_id(1, &mine, "device.pair.reject", "requestId", rid),
	    "INVALID_REQUEST", "device pairing rejection denied");
	assert_err(call_id(1, &mine, "device.pair.remove", "deviceId",
	    boss.id), "INVALID_REQUEST", "device pairing removal denied");
	/* Even for a device that does not exist. */
	assert_err(call_id(1, &mine, "device.pair.remove", "deviceId", "x"),
	    "INVALID_REQUEST", "device pairing removal denied");
	snprintf(p, sizeof(p), "{\"deviceId\":\"%s\",\"role\":\"operator\"}",
	    boss.id);
	assert_err(call(1, &mine, "device.token.rotate", p), "INVALID_REQUEST",
	    "device token rotation denied");
	assert_err(call(1, &mine, "device.token.revoke", p), "INVALID_REQUEST",
	    "device token revocation denied");
	/* Its own upgrade request it may handle (with the scopes). */
	{
		struct auth_req		r;
		struct auth_verdict	v;

		req_base(&r, 0);
		r.token = S(TOKEN);
		r.scopes[0] = S("operator.pairing");
		r.scopes[1] = S("operator.read");
		r.scopes[2] = S("operator.write");
		r.nscopes = 3;
		tdev_sign(&me, &r, 1);
		rconnect(9, &r, NOW, &v, NULL);
		ck_assert_uint_eq(v.pairing_reason, PAIR_R_SCOPE_UPGRADE);
		memcpy(myrid, v.request_id, sizeof(myrid));
	}
	assert_err(call_id(1, &mine, "device.pair.approve", "requestId", myrid),
	    "INVALID_REQUEST", "missing scope: operator.write");
	res = call_id(1, &mine, "device.pair.reject", "requestId", myrid);
	payload_of(res);
	json_decref(res);
	/* And remove itself. */
	res = call_id(1, &mine, "device.pair.remove", "deviceId", me.id);
	payload_of(res);
	json_decref(res);
}
END_TEST

START_TEST(rpc_events_on_requests)
{
	struct auth_req	 r;
	struct auth_verdict v;
	struct tdev	 d, l;
	char		 rid[REQUEST_ID_LEN + 1], rid2[REQUEST_ID_LEN + 1];
	char		 tok[DEVICE_TOKEN_LEN + 1];
	struct sess	 s;
	json_t		*ev, *p;
	size_t		 at;

	tdev_init(&d, 73);
	remote_request(&d, "operator", SC_READ, NOW, rid);
	/* Created: requested, with the public record, to every channel. */
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 1);
	ev = nth_msg(IPC_A2W_EVENT, 0, 0, &at);
	ck_assert_uint_eq(msgs[at].chan, RPC_ALL_CHANNELS);
	ck_assert_str_eq(jstr(ev, "event"), "device.pair.requested");
	ck_assert_str_eq(jstr(ev, "scope"), "operator.pairing");
	p = json_object_get(ev, "payload");
	ck_assert_str_eq(jstr(p, "requestId"), rid);
	ck_assert_ptr_null(json_object_get(p, "refreshedAtMs"));
	ck_assert_ptr_null(json_object_get(p, "browserOrigin"));
	ck_assert(json_is_false(json_object_get(p, "silent")));
	json_decref(ev);
	/* Refreshed (same request): no event. */
	msgs_clear();
	remote_request(&d, "operator", SC_READ, NOW + 10, rid2);
	ck_assert_str_eq(rid2, rid);
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 0);
	/* Superseded by a wider one: the old is resolved rejected first. */
	remote_request(&d, "operator", SC_RW, NOW + 20, rid2);
	ck_assert_str_ne(rid2, rid);
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 2);
	assert_resolved(nth_msg(IPC_A2W_EVENT, 0, 0, NULL), rid, d.id,
	    "rejected");
	ev = nth_msg(IPC_A2W_EVENT, 0, 1, NULL);
	ck_assert_str_eq(jstr(ev, "event"), "device.pair.requested");
	ck_assert_str_eq(jstr(json_object_get(ev, "payload"), "requestId"),
	    rid2);
	json_decref(ev);
	/* Silent local pairing: resolved approved, never requested. */
	msgs_clear();
	tdev_init(&l, 74);
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&l, &r, 1);
	rconnect(1, &r, NOW, &v, &s);
	ck_assert_uint_eq(v.flags, VERDICT_F_SILENT_PAIRED);
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 1);
	ev = nth_msg(IPC_A2W_EVENT, 0, 0, NULL);
	ck_assert_str_eq(jstr(ev, "event"), "device.pair.resolved");
	ck_assert_str_eq(jstr(json_object_get(ev, "payload"), "decision"),
	    "approved");
	json_decref(ev);
	/* Reconnecting changes nothing that is announced. */
	msgs_clear();
	memcpy(tok, v.device_token, sizeof(tok));
	rconnect(1, &r, NOW + 1, &v, &s);
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 0);
}
END_TEST

/* A browser's request and record carry its (canonical) origin. */
START_TEST(rpc_browser_origin)
{
	struct auth_req		 r;
	struct auth_verdict	 v;
	struct sess		 adm;
	struct tdev		 d;
	json_t			*res, *p;

	op_session(1, &adm, SC_ADMIN);
	tdev_init(&d, 79);
	req_base(&r, 0);
	r.token = S(TOKEN);
	r.flags |= AUTH_F_HAS_ORIGIN;
	r.origin = S(" HTTPS://UI.Clawgate.TEST:443/app?x#y ");
	tdev_sign(&d, &r, 1);
	rconnect(9, &r, NOW, &v, NULL);
	ck_assert_uint_eq(v.reason, AUTH_R_PAIRING_REQUIRED);
	res = call(1, &adm, "device.pair.list", "{}");
	p = json_array_get(json_object_get(payload_of(res), "pending"), 0);
	ck_assert_str_eq(jstr(p, "browserOrigin"), "https://ui.clawgate.test");
	ck_assert_str_eq(keys_of(p), "requestId,deviceId,publicKey,platform,"
	    "clientId,clientMode,browserOrigin,role,roles,scopes,remoteIp,"
	    "silent,isRepair,ts");
	json_decref(res);
	res = call_id(1, &adm, "device.pair.approve", "requestId",
	    v.request_id);
	p = json_object_get(payload_of(res), "device");
	ck_assert_str_eq(jstr(p, "browserOrigin"), "https://ui.clawgate.test");
	json_decref(res);
	/* A different origin is a different request. */
	{
		char	rid[REQUEST_ID_LEN + 1];

		r.origin = S("https://ui.clawgate.test");
		r.scopes[2] = S("operator.admin");
		r.nscopes = 3;
		tdev_sign(&d, &r, 1);
		rconnect(9, &r, NOW, &v, NULL);
		memcpy(rid, v.request_id, sizeof(rid));
		r.origin = S("https://other.clawgate.test");
		tdev_sign(&d, &r, 1);
		rconnect(9, &r, NOW, &v, NULL);
		ck_assert_str_ne(v.request_id, rid);
	}
}
END_TEST

START_TEST(rpc_malformed_requests)
{
	static const char *const bad[] = {
		"", "nul", "[]", "{}", "{\"session\":1,\"method\":\"x\"}",
		"{\"session\":\"abc\",\"method\":\"device.pair.list\"}",
		"{\"session\":\"00000000000000000000000000000000\"}",
		"{\"session\":\"00000000000000000000000000000000\","
		    "\"method\":\"\"}",
		"{\"session\":\"00000000000000000000000000000000\","
		    "\"method\":\"device.pair.list\",\"extra\":1}",
		"{\"session\":\"00000000000000000000000000000000\","
		    "\"method\":\"device.pair.list\",\"method\":\"x\"}",
		"{\"session\":\"00000000000000000000000000000000\","
		    "\"method\":\"a\\u0000b\"}",
		NULL
	};
	struct sess	 op;
	uint8_t		 junk[512];
	char		 text[700];
	size_t		 i, n;
	json_t		*res;

	op_session(1, &op, SC_ADMIN);
	for (i = 0; bad[i] != NULL; i++)
		assert_err(call_raw(1, bad[i]), "INVALID_REQUEST",
		    "malformed rpc request");
	/* Random bytes and random mutations: an answer, never a crash. */
	for (i = 0; i < 2000; i++) {
		uint64_t id = next_id++;

		n = randombytes_uniform(sizeof(junk));
		randombytes_buf(junk, n);
		if (i % 2 == 0) {
			snprintf(text, sizeof(text), "{\"session\":\"%s\","
			    "\"method\":\"device.pair.approve\",\"params\":"
			    "{\"requestId\":\"%.*s\"}}", op.id, (int)(n % 40),
			    "0123456789012345678901234567890123456789");
			text[randombytes_uniform((uint32_t)strlen(text))] =
			    (char)junk[0];
			rpc_call(R, 1, id, text, strlen(text), NOW);
		} else
			rpc_call(R, 1, id, junk, n, NOW);
		res = result_of(1, id);
		ck_assert(json_is_boolean(json_object_get(res, "ok")));
		json_decref(res);
		msgs_clear();
	}
}
END_TEST

START_TEST(rpc_large_list_in_pieces)
{
	struct pair_device	 rec;
	struct sess		 op;
	uint8_t			 pk[32];
	uint32_t		 i;
	json_t			*res;
	size_t			 pieces = 0;

	memset(&rec, 0, sizeof(rec));
	rec.roles = PAIR_ROLE_BIT(PAIR_ROLE_OPERATOR);
	rec.approved_scopes = SCOPE_BIT(SCOPE_READ);
	for (i = 0; i < 400; i++) {
		memset(pk, 0, sizeof(pk));
		memcpy(pk, &i, sizeof(i));
		memcpy(rec.public_key, pk, 32);
		device_id_from_key(pk, rec.device_id);
		rec.approved_at_ms = NOW + i;
		ck_assert_int_eq(pairing_restore(authd_pairing(A), &rec),
		    PAIR_OK);
	}
	op_session(1, &op, SC_PAIR);
	msgs_clear();
	res = call(1, &op, "device.pair.list", "{}");
	for (i = 0; i < nmsgs; i++)
		if (msgs[i].type == IPC_A2W_RPC_RESULT) {
			pieces++;
			ck_assert_int_eq(msgs[i].text[0], i + 1 == nmsgs ? '$' :
			    '+');
		}
	ck_assert_uint_gt(pieces, 5);
	ck_assert_uint_eq(json_array_size(json_object_get(payload_of(res),
	    "paired")), 400);
	/* Newest approval first. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(payload_of(res), "paired"), 0), "approvedAtMs")),
	    (json_int_t)(NOW + 399));
	json_decref(res);
}
END_TEST

START_TEST(rpc_admin_full_authority)
{
	struct tdev	 d, n;
	char		 rid[REQUEST_ID_LEN + 1], p[256], *out;
	json_t		*res;

	tdev_init(&d, 75);
	tdev_init(&n, 76);
	remote_request(&d, "operator", SC_ADMIN, NOW, rid);
	remote_request(&n, "node", (const char *const []){ NULL }, NOW, rid);
	out = rpc_admin(R, "device.pair.list", NULL, NOW + 5);
	res = json_loads(out, 0, NULL);
	free(out);
	ck_assert_uint_eq(json_array_size(json_object_get(payload_of(res),
	    "pending")), 2);
	json_decref(res);
	msgs_clear();
	snprintf(p, sizeof(p), "{\"requestId\":\"%s\"}", rid);
	out = rpc_admin(R, "device.pair.approve", p, NOW + 6);
	res = json_loads(out, 0, NULL);
	free(out);
	ck_assert_str_eq(jstr(json_object_get(payload_of(res), "device"),
	    "deviceId"), n.id);
	json_decref(res);
	/* Its events still go to the workers; its result does not. */
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 1);
	ck_assert_uint_eq(count_msgs(IPC_A2W_RPC_RESULT), 0);
	out = rpc_admin(R, "device.pair.approve", "{", NOW + 6);
	assert_err(json_loads(out, 0, NULL), "INVALID_REQUEST",
	    "invalid device.pair.approve params: not JSON");
	free(out);
	/* As the master forwards the control socket's request. */
	snprintf(p, sizeof(p), "{\"method\":\"device.pair.list\"}");
	out = rpc_admin_request(R, p, strlen(p), NOW + 7);
	res = json_loads(out, 0, NULL);
	free(out);
	ck_assert_uint_eq(json_array_size(json_object_get(payload_of(res),
	    "paired")), 1);
	json_decref(res);
	snprintf(p, sizeof(p), "{\"method\":\"device.pair.remove\","
	    "\"params\":{\"deviceId\":\"%s\"}}", n.id);
	out = rpc_admin_request(R, p, strlen(p), NOW + 8);
	res = json_loads(out, 0, NULL);
	free(out);
	ck_assert_str_eq(jstr(payload_of(res), "deviceId"), n.id);
	json_decref(res);
	snprintf(p, sizeof(p), "{\"method\":\"device.pair.list\",\"x\":1}");
	out = rpc_admin_request(R, p, strlen(p), NOW + 8);
	assert_err(json_loads(out, 0, NULL), "INVALID_REQUEST",
	    "malformed rpc request");
	free(out);
	snprintf(p, sizeof(p), "{\"method\":\"device.pair.list\","
	    "\"params\":{\"x\":1}}");
	out = rpc_admin_request(R, p, strlen(p), NOW + 8);
	assert_err(json_loads(out, 0, NULL), "INVALID_REQUEST",
	    "invalid device.pair.list params: at root: unexpected property 'x'");
	free(out);
}
END_TEST

/* The master's request after a token rotation (issue 10 item 9). */
static json_t *
secret_rotated(const char *params)
{
	char	 p[256], *out;
	json_t	*res;

	snprintf(p, sizeof(p), "{\"method\":\"gateway.secret.rotated\"%s%s}",
	    params != NULL ? ",\"params\":" : "", params != NULL ? params : "");
	out = rpc_admin_request(R, p, strlen(p), NOW + 50);
	ck_assert_ptr_nonnull(out);
	res = json_loads(out, 0, NULL);
	free(out);
	ck_assert_ptr_nonnull(res);
	return res;
}

START_TEST(rpc_secret_rotated)
{
	struct auth_req	 r;
	struct auth_verdict v;
	struct sess	 op, op2, ds, fresh;
	struct tdev	 d, e;
	char		 tok[DEVICE_TOKEN_LEN + 1], rid[REQUEST_ID_LEN + 1];
	char		 p[256], want[512];
	json_t		*res, *c;
	size_t		 at;

	op_session(1, &op, SC_ADMIN);		/* device-less, the token */
	op_session(2, &op2, SC_PAIR);
	tdev_init(&d, 81);			/* paired silently */
	dev_session(3, &d, SC_PAIR_READ, &ds, tok);
	tdev_init(&e, 82);			/* approved by the owner */
	remote_request(&e, "operator", SC_READ, NOW, rid);
	snprintf(p, sizeof(p), "{\"requestId\":\"%s\"}", rid);
	free(rpc_admin(R, "device.pair.approve", p, NOW + 1));
	ck_assert_uint_eq(pairing_get(authd_pairing(A), d.id)->approved_via,
	    PAIR_VIA_SILENT);
	ck_assert_uint_eq(pairing_get(authd_pairing(A), d.id)->silent_gen,
	    authd_secret_generation(A));
	ck_assert_uint_eq(pairing_get(authd_pairing(A), e.id)->silent_gen, 0);
	/* Not rotated: nothing is stale. */
	res = secret_rotated(NULL);
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT), "{\"sessions"
	    "Closed\":0,\"deviceTokensRetired\":0,\"revokeDevices\":false}");
	json_decref(res);
	/* A worker cannot ask it. */
	assert_err(call(2, &op2, "gateway.secret.rotated", "{}"),
	    "INVALID_REQUEST", "unknown method: gateway.secret.rotated");

	ck_assert_int_eq(authd_set_secrets(A, AUTHMODE_TOKEN, "n3w-t0ken", 9,
	    NULL, 0), 0);
	req_base(&r, 1);			/* the new token: stays */
	r.token = S("n3w-t0ken");
	r.scopes[0] = S("operator.pairing");
	r.nscopes = 1;
	rconnect(4, &r, NOW, &v, &fresh);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	msgs_clear();
	res = secret_rotated("{\"revokeDevices\":false}");
	/* op, op2 (old token), ds (the silent device's device token) */
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT), "{\"sessions"
	    "Closed\":3,\"deviceTokensRetired\":1,\"revokeDevices\":false}");
	json_decref(res);
	/* One close list per channel, by session handle. */
	c = nth_msg(IPC_A2W_EVENT, 0, 0, &at);
	ck_assert_uint_eq(msgs[at].chan, 1);
	snprintf(want, sizeof(want), "{\"close\":{\"sessions\":[\"%s\"],"
	    "\"code\":4001,\"reason\":\"gateway auth changed\"}}", op.id);
	ck_assert_str_eq(jtext(c, JSON_COMPACT), want);
	json_decref(c);
	c = nth_msg(IPC_A2W_EVENT, 0, 1, &at);
	ck_assert_uint_eq(msgs[at].chan, 2);
	json_decref(c);
	c = nth_msg(IPC_A2W_EVENT, 0, 2, &at);
	ck_assert_uint_eq(msgs[at].chan, RPC_ALL_CHANNELS);
	snprintf(want, sizeof(want), "{\"close\":{\"deviceId\":\"%s\","
	    "\"code\":4001,\"reason\":\"client invalidated: device token "
	    "revoked\",\"role\":\"operator\"}}", d.id);
	ck_assert_str_eq(jtext(c, JSON_COMPACT), want);
	json_decref(c);
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 3);
	assert_err(call(1, &op, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	assert_err(call(3, &ds, "device.pair.list", "{}"), "INVALID_REQUEST",
	    "unknown session");
	res = call(4, &fresh, "device.pair.list", "{}");
	(void)payload_of(res);		/* the new token's session goes on */
	json_decref(res);
	ck_assert_uint_ne(pairing_get(authd_pairing(A), d.id)->
	    tokens[PAIR_ROLE_OPERATOR].revoked_at_ms, 0);
	ck_assert_uint_eq(pairing_get(authd_pairing(A), e.id)->
	    tokens[PAIR_ROLE_OPERATOR].revoked_at_ms, 0);

	/* revokeDevices: the owner-approved device's token too. */
	res = secret_rotated("{\"revokeDevices\":true}");
	ck_assert_str_eq(jtext(payload_of(res), JSON_COMPACT), "{\"sessions"
	    "Closed\":0,\"deviceTokensRetired\":1,\"revokeDevices\":true}");
	json_decref(res);
	ck_assert_uint_ne(pairing_get(authd_pairing(A), e.id)->
	    tokens[PAIR_ROLE_OPERATOR].revoked_at_ms, 0);
	res = secret_rotated("{\"revokeDevices\":1}");
	ck_assert_str_eq(jstr(json_object_get(res, "error"), "message"),
	    "invalid gateway.secret.rotated params: at /revokeDevices: must be "
	    "boolean");
	json_decref(res);
}
END_TEST

static char	sdir[64];

static struct store *
tmp_store(void)
{
	struct store	*st;
	char		 err[512];

	test_dir_make(sdir, sizeof(sdir), "check_authd");
	st = store_open(sdir, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(store_load(st, A, err, sizeof(err)), 1);
	ck_assert_int_eq(store_save(st, A, err, sizeof(err)), 0);
	return st;
}

/*
 * tmp_store_break(1): every save fails at its rename, as on a file system
 * gone read-only, while the store stays readable.  There is no fixed
 * temporary name to block (each save has one of its own), so this
 * program's renameat() stands in for libc's in store.c.
 */
static int	store_broken;

int
renameat(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath)
{
	if (store_broken) {
		errno = EROFS;
		return -1;
	}
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd,
	    newpath, 0);
}

static void
tmp_store_break(int broken)
{
	store_broken = broken;
}

START_TEST(rpc_durable_before_ack)
{
	struct store	*st;
	struct authd	*b;
	struct auth_req	 r;
	struct auth_verdict v;
	struct sess	 adm;
	struct tdev	 d, l;
	char		 rid[REQUEST_ID_LEN + 1], err[512];
	json_t		*res;

	rpc_free(R);
	st = tmp_store();
	R = rpc_new(A, st, cap_send, NULL);
	ck_assert_ptr_nonnull(R);
	op_session(1, &adm, SC_ADMIN);
	tdev_init(&d, 77);
	remote_request(&d, "operator", SC_READ, NOW, rid);
	ck_assert_int_eq(rpc_dirty(R), 0);	/* the request was saved */

	/* The store fails: the approval is undone and not announced. */
	tmp_store_break(1);
	msgs_clear();
	assert_err(call_id(1, &adm, "device.pair.approve", "requestId", rid),
	    "UNAVAILABLE", "pairing store unavailable; retry later");
	ck_assert_uint_eq(count_msgs(IPC_A2W_EVENT), 0);
	ck_assert_ptr_null(pairing_get(authd_pairing(A), d.id));
	ck_assert_ptr_nonnull(pairing_pending_get(authd_pairing(A), rid, NOW));
	/* A silent pairing cannot hand out a token it cannot keep. */
	tdev_init(&l, 78);
	req_base(&r, 1);
	r.token = S(TOKEN);
	tdev_sign(&l, &r, 1);
	rconnect(1, &r, NOW, &v, NULL);
	ck_assert_uint_eq(v.result, VERDICT_ERROR);
	ck_assert_uint_eq(v.reason, AUTH_R_UNAVAILABLE);
	ck_assert_str_eq(v.device_token, "");
	ck_assert_str_eq(v.session, "");
	ck_assert_ptr_null(pairing_get(authd_pairing(A), l.id));
	/* Back: both go through, and survive a reload. */
	tmp_store_break(0);
	res = call_id(1, &adm, "device.pair.approve", "requestId", rid);
	payload_of(res);
	json_decref(res);
	rconnect(1, &r, NOW, &v, NULL);
	ck_assert_uint_eq(v.result, VERDICT_OK);
	b = authd_new();
	ck_assert_int_eq(store_load(st, b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(pairing_get(authd_pairing(b), d.id));
	ck_assert_ptr_nonnull(pairing_get(authd_pairing(b), l.id));
	authd_free(b);
	/* Soft changes (last use) wait for a flush. */
	rconnect(1, &r, NOW + 5, &v, NULL);
	ck_assert_int_eq(rpc_dirty(R), 1);
	ck_assert_int_eq(rpc_flush(R), 0);
	ck_assert_int_eq(rpc_dirty(R), 0);
	rpc_free(R);
	R = NULL;
	store_close(st);
	test_dir_remove(sdir);
}
END_TEST

static Suite *
authd_suite(void)
{
	Suite	*s = suite_create("authd");
	TCase	*tc;

	tc = tcase_create("token");
	tcase_add_checked_fixture(tc, setup_token, test_authd_free);
	tcase_add_test(tc, verdict_fixed_and_zeroed);
	tcase_add_test(tc, null_inputs_are_errors);
	tcase_add_test(tc, no_auth_no_device_requires_device);
	tcase_add_test(tc, no_auth_with_device_is_token_missing);
	tcase_add_test(tc, wrong_token_no_device);
	tcase_add_test(tc, fingerprint_is_keyed);
	tcase_add_test(tc, remote_mismatch_no_fingerprints);
	tcase_add_test(tc, wrong_token_with_device_can_retry);
	tcase_add_test(tc, right_token_no_device_local_cli_keeps_scopes);
	tcase_add_test(tc, right_token_no_device_remote_clears_scopes);
	tcase_add_test(tc, backend_local_keeps_scopes_remote_clears);
	tcase_add_test(tc, trimming_and_either_field_token_mode);
	tcase_add_test(tc, blank_token_without_device_is_unauthorized);
	tcase_add_test(tc, ui_without_device);
	tcase_add_test(tc, node_without_device);
	tcase_add_test(tc, unknown_role_denied);
	tcase_add_test(tc, token_not_configured);
	tcase_add_test(tc, secrets_swap_atomically);
	tcase_add_test(tc, order_device_proof_beats_secret);
	tcase_add_test(tc, order_secret_beats_pairing);
	suite_add_tcase(s, tc);

	tc = tcase_create("password");
	tcase_add_checked_fixture(tc, setup_password, test_authd_free);
	tcase_add_test(tc, password_mode);
	suite_add_tcase(s, tc);

	tc = tcase_create("none");
	tcase_add_checked_fixture(tc, setup_none, test_authd_free);
	tcase_add_test(tc, mode_none);
	suite_add_tcase(s, tc);

	tc = tcase_create("device");
	tcase_add_checked_fixture(tc, setup_token, test_authd_free);
	tcase_add_test(tc, vectors_6_4);
	tcase_add_test(tc, pubkey_encodings);
	tcase_add_test(tc, device_proof_failures);
	suite_add_tcase(s, tc);

	tc = tcase_create("ratelimit");
	tcase_add_checked_fixture(tc, setup_token, test_authd_free);
	tcase_add_test(tc, limiter_locks_at_nth_failure);
	tcase_add_test(tc, limiter_success_resets_and_window_slides);
	tcase_add_test(tc, limiter_missing_credentials_not_counted);
	tcase_add_test(tc, limiter_policy);
	tcase_add_test(tc, limiter_local_exempt_with_doubling_delay);
	tcase_add_test(tc, limiter_exempt_delay_binds_the_address);
	tcase_add_test(tc, limiter_loopback_claims_share_one_queue);
	tcase_add_test(tc, limiter_local_peer_network_not_exempt);
	tcase_add_test(tc, limiter_keys_by_prefix);
	tcase_add_test(tc, limiter_overflow_is_no_global_lockout);
	tcase_add_test(tc, limiter_exemption_off);
	tcase_add_test(tc, limiter_browser_origin_not_exempt);
	tcase_add_test(tc, limiter_device_token_fallback_defers);
	tcase_add_test(tc, limiter_deferred_shared_failure);
	tcase_add_test(tc, limiter_table_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("pairing");
	tcase_add_checked_fixture(tc, setup_token, test_authd_free);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, silent_local_pairing_and_reconnect);
	tcase_add_test(tc, silent_pairing_does_not_prune);
	tcase_add_test(tc, remote_pairing_request_lifecycle);
	tcase_add_test(tc, reject_and_remove);
	tcase_add_test(tc, scope_and_role_upgrades);
	tcase_add_test(tc, metadata_pinned);
	tcase_add_test(tc, revoke_and_rotate);
	tcase_add_test(tc, browser_token_bound_to_secret);
	tcase_add_test(tc, browser_token_survives_keying);
	tcase_add_test(tc, token_key_survives_restore);
	tcase_add_test(tc, pairing_scales);
	suite_add_tcase(s, tc);

	tc = tcase_create("rpc");
	tcase_add_checked_fixture(tc, setup_rpc, teardown_rpc);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rpc_sessions_bound_to_channel);
	tcase_add_test(tc, rpc_list_shapes);
	tcase_add_test(tc, rpc_params_validated);
	tcase_add_test(tc, rpc_role_and_scope);
	tcase_add_test(tc, rpc_approve);
	tcase_add_test(tc, rpc_reject);
	tcase_add_test(tc, rpc_remove_closes_sessions);
	tcase_add_test(tc, rpc_rotate_and_revoke);
	tcase_add_test(tc, rpc_device_token_callers_self_scoped);
	tcase_add_test(tc, rpc_events_on_requests);
	tcase_add_test(tc, rpc_browser_origin);
	tcase_add_test(tc, rpc_malformed_requests);
	tcase_add_test(tc, rpc_large_list_in_pieces);
	tcase_add_test(tc, rpc_admin_full_authority);
	tcase_add_test(tc, rpc_secret_rotated);
	tcase_add_test(tc, rpc_durable_before_ack);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { authd_suite,
    authd_fixture_init };
