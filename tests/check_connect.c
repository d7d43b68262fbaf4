/*
 * check_connect.c: the first frame and every connect error, against the
 * reference's recorded wire texts (peer/transcripts, protocol.md).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_main.h"
#include "connect_params.h"
#include "errors.h"

/* A valid connect's params, to be extended: "{" BASE ",...}". */
#define BASE	"\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\"," \
		"\"version\":\"0.0.1-probe\",\"platform\":\"linux\",\"mode\":\"cli\"}"

static char *
frame_with(const char *params)
{
	char	*f;
	size_t	 n = strlen(params) + 64;

	f = malloc(n);
	ck_assert_ptr_nonnull(f);
	snprintf(f, n, "{\"type\":\"req\",\"id\":\"c1\",\"method\":\"connect\","
	    "\"params\":%s}", params);
	return f;
}

/*
 * An error (or a res carrying one) must name its README anchor in
 * details.docs: "README.md#" + details.code, else code, lowercased
 * (errors.h).  Checked, then removed with a details it leaves empty, so
 * that the rest compares with the reference's bytes.
 */
static void
check_strip_docs(json_t *j)
{
	json_t		*e = json_object_get(j, "error"), *d;
	const char	*code;
	char		 want[128];
	size_t		 i, n;

	if (e == NULL && json_object_get(j, "code") != NULL &&
	    json_object_get(j, "message") != NULL)
		e = j;
	if (!json_is_object(e))
		return;
	d = json_object_get(e, "details");
	ck_assert_msg(json_is_object(d), "an error without details.docs");
	code = json_string_value(json_object_get(d, "code"));
	if (code == NULL)
		code = json_string_value(json_object_get(e, "code"));
	ck_assert_ptr_nonnull(code);
	n = (size_t)snprintf(want, sizeof(want), "README.md#");
	for (i = 0; code[i] != '\0' && n < sizeof(want) - 1; i++)
		want[n++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ?
		    code[i] - 'A' + 'a' : code[i]);
	want[n] = '\0';
	ck_assert_ptr_nonnull(json_object_get(d, "docs"));
	ck_assert_str_eq(json_string_value(json_object_get(d, "docs")), want);
	/* The last key: after the reference's and clawgate's other ones. */
	ck_assert_str_eq(json_object_iter_key(json_object_iter_at(d, "docs")),
	    "docs");
	ck_assert_ptr_null(json_object_iter_next(d,
	    json_object_iter_at(d, "docs")));
	json_object_del(d, "docs");
	if (json_object_size(d) == 0)
		json_object_del(e, "details");
}

/* Compare the compact dump of `j' (consumed) with `want'. */
static void
assert_json(json_t *j, const char *want)
{
	char	*got;

	ck_assert_ptr_nonnull(j);
	check_strip_docs(j);
	got = json_dumps(j, JSON_COMPACT);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
	json_decref(j);
}

static enum first_frame
parse_str(const char *text, struct connect_params *cp, char *err)
{
	return connect_parse(text, strlen(text), cp, err, CP_ERR_MAX);
}

/* Parse a connect with these params; expect FF_BAD_PARAMS and `msg'. */
static void
expect_params_error(const char *params, const char *msg)
{
	struct connect_params	 cp;
	char			 err[CP_ERR_MAX], want[CP_ERR_MAX];
	char			*f = frame_with(params);

	ck_assert_int_eq(parse_str(f, &cp, err), FF_BAD_PARAMS);
	snprintf(want, sizeof(want), "invalid connect params: %s", msg);
	ck_assert_str_eq(err, want);
	connect_params_free(&cp);
	free(f);
}

static void
expect_params_ok(const char *params)
{
	struct connect_params	 cp;
	char			 err[CP_ERR_MAX];
	char			*f = frame_with(params);

	ck_assert_int_eq(parse_str(f, &cp, err), FF_OK);
	ck_assert_str_eq(err, "");
	connect_params_free(&cp);
	free(f);
}

/* ------------------------------------------------------------------ */
/* Transcript 08: every first-frame case.                              */
/* ------------------------------------------------------------------ */

START_TEST(t08a_first_request_not_connect)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	json_t			*e;

	ck_assert_int_eq(parse_str("{\"type\":\"req\",\"id\":\"h1\","
	    "\"method\":\"health\",\"params\":{}}", &cp, err), FF_NOT_CONNECT);
	ck_assert_str_eq(err, "invalid handshake: first request must be connect");
	e = err_first_frame(FF_NOT_CONNECT, &cp, err, &cl);
	assert_json(res_error(cp.req_id.p, cp.req_id.len, e),
	    "{\"type\":\"res\",\"id\":\"h1\",\"ok\":false,\"error\":{\"code\":"
	    "\"INVALID_REQUEST\",\"message\":\"invalid handshake: first request "
	    "must be connect\"}}");
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason,
	    "invalid handshake: first request must be connect");
	connect_params_free(&cp);
}
END_TEST

START_TEST(t08b_event_frame_first)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];

	ck_assert_int_eq(parse_str("{\"type\":\"event\",\"event\":\"hello\","
	    "\"payload\":{}}", &cp, err), FF_INVALID_FRAME);
	ck_assert_ptr_null(err_first_frame(FF_INVALID_FRAME, &cp, err, &cl));
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, "invalid request frame");
	ck_assert_ptr_null(cp.req_id.p);
	connect_params_free(&cp);
}
END_TEST

START_TEST(t08c_malformed_json)
{
	static const char *const bad[] = { "{not json", "", "{\"a\":1} x",
	    "{\"a\":\"\\u0000\"}", "\xff\xfe", "{\"type\":\"req\"" };
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse_str(bad[i], &cp, err), FF_NOT_JSON);
		ck_assert_ptr_null(err_first_frame(FF_NOT_JSON, &cp, err, &cl));
		ck_assert_int_eq(cl.code, 1000);
		ck_assert_str_eq(cl.reason, "");
		ck_assert(strncmp(err, "invalid JSON at line ", 21) == 0);
		connect_params_free(&cp);
	}
}
END_TEST

START_TEST(t08j_binary_garbage)
{
	static const char bin[] = { 0x00, 0x01, (char)0x80, (char)0xff, 0x7b };
	struct connect_params	 cp;
	char			 err[CP_ERR_MAX];

	ck_assert_int_eq(connect_parse(bin, sizeof(bin), &cp, err, sizeof(err)),
	    FF_NOT_JSON);
	connect_params_free(&cp);
}
END_TEST

START_TEST(t08d_missing_client_version)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	json_t			*e;

	ck_assert_int_eq(parse_str("{\"type\":\"req\",\"id\":\"bad-params\","
	    "\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\"}}}", &cp, err),
	    FF_BAD_PARAMS);
	e = err_first_frame(FF_BAD_PARAMS, &cp, err, &cl);
	assert_json(res_error(cp.req_id.p, cp.req_id.len, e),
	    "{\"type\":\"res\",\"id\":\"bad-params\",\"ok\":false,\"error\":"
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"invalid connect params: "
	    "at /client: must have required property 'version'\"}}");
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, "invalid connect params: at /client: must "
	    "have required property 'version'");
	connect_params_free(&cp);
}
END_TEST

START_TEST(t08e_protocol_mismatch)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	char			*f;

	f = frame_with("{\"minProtocol\":1,\"maxProtocol\":2,\"client\":{\"id\":"
	    "\"cli\",\"version\":\"0.0.1-probe\",\"platform\":\"linux\",\"mode\":"
	    "\"cli\"},\"role\":\"operator\",\"scopes\":[\"operator.read\","
	    "\"operator.write\"],\"caps\":[],\"commands\":[],\"permissions\":{},"
	    "\"locale\":\"en-US\",\"userAgent\":\"peer-probe/0.1\",\"auth\":"
	    "{\"token\":\"abc123\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_PROTOCOL_MISMATCH);
	ck_assert_str_eq(err, "protocol mismatch");
	assert_json(err_first_frame(FF_PROTOCOL_MISMATCH, &cp, err, &cl),
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"protocol mismatch\","
	    "\"details\":{\"code\":\"PROTOCOL_MISMATCH\",\"clientMinProtocol\":1,"
	    "\"clientMaxProtocol\":2,\"expectedProtocol\":4,"
	    "\"minimumProbeProtocol\":3}}");
	ck_assert_int_eq(cl.code, 1002);
	ck_assert_str_eq(cl.reason, "protocol mismatch");
	connect_params_free(&cp);
	free(f);
}
END_TEST

START_TEST(t08f_docs_mode_operator)
{
	expect_params_error("{\"minProtocol\":4,\"maxProtocol\":4,\"client\":"
	    "{\"id\":\"cli\",\"version\":\"0.0.1-probe\",\"platform\":\"linux\","
	    "\"mode\":\"operator\"},\"role\":\"operator\",\"device\":{\"id\":"
	    "\"2c1b\",\"publicKey\":\"1SdG\",\"signature\":\"orZt\",\"signedAt\":"
	    "1795342116742,\"nonce\":\"1366\"}}",
	    "at /client/mode: must be equal to one of the allowed values");
}
END_TEST

START_TEST(t08h_exactly_64k_pad)
{
	static const char head[] = "{\"type\":\"req\",\"id\":\"big\",\"method\":"
	    "\"connect\",\"params\":{\"pad\":\"";
	static const char tail[] = "\"}}";
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	char			*f;
	size_t			 n = CG_PREAUTH_MAX_PAYLOAD;
	json_t			*e;

	f = malloc(n);
	ck_assert_ptr_nonnull(f);
	memcpy(f, head, sizeof(head) - 1);
	memset(f + sizeof(head) - 1, 'x', n - (sizeof(head) - 1) -
	    (sizeof(tail) - 1));
	memcpy(f + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	ck_assert_int_eq(connect_parse(f, n, &cp, err, sizeof(err)),
	    FF_BAD_PARAMS);
	e = err_first_frame(FF_BAD_PARAMS, &cp, err, &cl);
	assert_json(res_error(cp.req_id.p, cp.req_id.len, e),
	    "{\"type\":\"res\",\"id\":\"big\",\"ok\":false,\"error\":{\"code\":"
	    "\"INVALID_REQUEST\",\"message\":\"invalid connect params: must have "
	    "required property 'minProtocol'; at root: unexpected property "
	    "'pad'\"}}");
	ck_assert_str_eq(cl.reason, "invalid connect params: must have required "
	    "property 'minProtocol'; at root: unexpected property 'pad'");
	connect_params_free(&cp);
	free(f);
}
END_TEST

START_TEST(t08l_second_connect_missing_scope)
{
	static const char *const req[] = { "operator.admin" };

	assert_json(res_error("connect-again-31-51dcb7", 23,
	    err_missing_scope("operator.admin", req, 1)),
	    "{\"type\":\"res\",\"id\":\"connect-again-31-51dcb7\",\"ok\":false,"
	    "\"error\":{\"code\":\"FORBIDDEN\",\"message\":\"missing scope: "
	    "operator.admin\",\"details\":{\"code\":\"MISSING_SCOPE\","
	    "\"missingScope\":\"operator.admin\",\"requiredScopes\":"
	    "[\"operator.admin\"]}}}");
}
END_TEST

START_TEST(t07d_empty_nonce)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	char			*f;

	f = frame_with("{" BASE ",\"auth\":{\"token\":\"abc123\"},\"device\":"
	    "{\"id\":\"d\",\"publicKey\":\"k\",\"signature\":\"s\",\"signedAt\":1,"
	    "\"nonce\":\"\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_BAD_PARAMS);
	assert_json(err_first_frame(FF_BAD_PARAMS, &cp, err, &cl),
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"invalid connect params: "
	    "at /device/nonce: must not have fewer than 1 characters\"}");
	ck_assert_str_eq(cl.reason, "invalid connect params: at /device/nonce: "
	    "must not have fewer than 1 characters");
	connect_params_free(&cp);
	free(f);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Schema messages.                                                    */
/* ------------------------------------------------------------------ */

static const struct {
	const char	*params;
	const char	*msg;
} schema_cases[] = {
	{ "{\"maxProtocol\":4}", "must have required property 'minProtocol'" },
	{ "null", "must be object" },
	{ "[]", "must be object" },
	{ "\"x\"", "must be object" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4}",
	  "must have required property 'client'" },
	{ "{\"minProtocol\":\"4\",\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /minProtocol: must be integer" },
	{ "{\"minProtocol\":0,\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /minProtocol: must be >= 1" },
	{ "{\"minProtocol\":4.5,\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /minProtocol: must be integer" },
	{ "{\"minProtocol\":0.5,\"maxProtocol\":true,\"client\":{\"id\":\"cli\","
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /minProtocol: must be integer; at /minProtocol: must be >= 1; "
	  "at /maxProtocol: must be integer" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":\"cli\"}",
	  "at /client: must be object" },
	{ "{" BASE ",\"client\":{\"id\":\"cli\"}}",
	  "at /client: must have required property 'version'" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"nope\","
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /client/id: must be equal to one of the allowed values" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":5,"
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /client/id: must be equal to one of the allowed values" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	  "\"version\":\"\",\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /client/version: must not have fewer than 1 characters" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	  "\"version\":1,\"platform\":\"p\",\"mode\":\"cli\"}}",
	  "at /client/version: must be string" },
	{ "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":\"cli\","
	  "\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\",\"foo\":1}}",
	  "at /client: unexpected property 'foo'" },
	{ "{\"maxProtocol\":4,\"client\":{\"id\":\"bad\",\"version\":\"1\","
	  "\"platform\":\"p\",\"mode\":\"cli\",\"x\":1},\"zz\":1}",
	  "must have required property 'minProtocol'; at root: unexpected "
	  "property 'zz'; at /client: unexpected property 'x'; at /client/id: "
	  "must be equal to one of the allowed values" },
	/* Object.keys(): array indices first, ascending. */
	{ "{" BASE ",\"b\":1,\"10\":1,\"2\":1}",
	  "at root: unexpected property '2'" },
	/* Blank keys are skipped; all blank: the generic text. */
	{ "{" BASE ",\" \":1,\"x\":1}", "at root: unexpected property 'x'" },
	{ "{" BASE ",\"\\t\":1,\"\":2}", "must not have additional properties" },
	{ "{" BASE ",\"auth\":{\" \":1}}",
	  "at /auth: must not have additional properties" },
	{ "{" BASE ",\"scopes\":\"operator.read\"}",
	  "at /scopes: must be array" },
	{ "{" BASE ",\"scopes\":[\"\",1,\"operator.read\"]}",
	  "at /scopes/0: must not have fewer than 1 characters; "
	  "at /scopes/1: must be string" },
	{ "{" BASE ",\"role\":\"\"}",
	  "at /role: must not have fewer than 1 characters" },
	{ "{" BASE ",\"auth\":{\"tokn\":\"x\"}}",
	  "at /auth: unexpected property 'tokn'" },
	{ "{" BASE ",\"auth\":{\"token\":5}}", "at /auth/token: must be string" },
	{ "{" BASE ",\"auth\":\"abc\"}", "at /auth: must be object" },
	{ "{" BASE ",\"device\":{\"id\":\"a\"}}",
	  "at /device: must have required property 'publicKey'" },
	{ "{" BASE ",\"device\":{\"id\":\"a\",\"publicKey\":\"k\",\"signature\":"
	  "\"s\",\"signedAt\":-1,\"nonce\":\"n\"}}",
	  "at /device/signedAt: must be >= 0" },
	{ "{" BASE ",\"device\":{\"id\":\"a\",\"publicKey\":\"k\",\"signature\":"
	  "\"s\",\"signedAt\":\"1\",\"nonce\":\"n\",\"extra\":1}}",
	  "at /device: unexpected property 'extra'; "
	  "at /device/signedAt: must be integer" },
	{ "{" BASE ",\"permissions\":{\"a\":true,\"b\":\"x\"}}",
	  "at /permissions/b: must be boolean" },
	{ "{" BASE ",\"permissions\":[]}", "at /permissions: must be object" },
	{ "{" BASE ",\"caps\":[\"tool-events\",\"\"]}",
	  "at /caps/1: must not have fewer than 1 characters" },
	{ "{" BASE ",\"workerRuns\":1}", "at /workerRuns: must be object" },
	{ "{" BASE ",\"locale\":1}", "at /locale: must be string" },
	/* anyOf: both alternatives' errors (deduplicated), then anyOf. */
	{ "{" BASE ",\"modelCatalog\":5}",
	  "at /modelCatalog: must be object; "
	  "at /modelCatalog: must match a schema in anyOf" },
	{ "{" BASE ",\"modelCatalog\":{\"shortId\":\"x\",\"sessionKey\":\"y\"}}",
	  "at /modelCatalog: unexpected property 'shortId'; "
	  "at /modelCatalog: unexpected property 'sessionKey'; "
	  "at /modelCatalog: must match a schema in anyOf" },
};

START_TEST(t_schema_messages)
{
	expect_params_error(schema_cases[_i].params, schema_cases[_i].msg);
}
END_TEST

START_TEST(t_schema_accepts)
{
	expect_params_ok("{" BASE "}");
	expect_params_ok("{" BASE ",\"computerUse\":{\"any\":[1,2]},"
	    "\"workerRuns\":{},\"pathEnv\":\"/bin\",\"permissions\":{\"a\":true,"
	    "\"x\\ny\":\"not checked: /^.*$/ does not match\"}}");
	expect_params_ok("{" BASE ",\"modelCatalog\":{\"sessionKey\":\"s\"}}");
	expect_params_ok("{" BASE ",\"modelCatalog\":{\"shortId\":\"s\"}}");
	expect_params_ok("{" BASE ",\"scopes\":[],\"caps\":[],\"auth\":{}}");
	/* JSON has one number type: 4.0 is the integer 4, as in JS. */
	expect_params_ok("{\"minProtocol\":4.0,\"maxProtocol\":4e0,\"client\":"
	    "{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\",\"mode\":"
	    "\"cli\"},\"device\":{\"id\":\"i\",\"publicKey\":\"k\","
	    "\"signature\":\"s\",\"signedAt\":-0,\"nonce\":\"n\"}}");
	/* The Control UI's connect (§2.3). */
	expect_params_ok("{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":"
	    "\"openclaw-control-ui\",\"version\":\"2026.9.6\",\"buildId\":"
	    "\"2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z\","
	    "\"platform\":\"Linux x86_64\",\"mode\":\"webchat\",\"instanceId\":"
	    "\"u\",\"timeZone\":\"Europe/Berlin\"},\"role\":\"operator\",\"scopes\":"
	    "[\"operator.admin\",\"operator.read\",\"operator.write\","
	    "\"operator.approvals\",\"operator.questions\",\"operator.pairing\"],"
	    "\"device\":{\"id\":\"i\",\"publicKey\":\"k\",\"signature\":\"s\","
	    "\"signedAt\":1795341392365,\"nonce\":\"n\"},\"caps\":[\"agent-kind\","
	    "\"tool-events\"],\"auth\":{\"token\":\"t\",\"password\":\"t\"},"
	    "\"userAgent\":\"Mozilla/5.0\",\"locale\":\"en-US\"}");
}
END_TEST

START_TEST(t_schema_size_caps)
{
	char	 big[4096], p[8192];

	/* auth.token: 1024 bytes pass, 1025 do not. */
	memset(big, 'a', 1024);
	big[1024] = '\0';
	snprintf(p, sizeof(p), "{" BASE ",\"auth\":{\"token\":\"%s\"}}", big);
	expect_params_ok(p);
	memset(big, 'a', 1025);
	big[1025] = '\0';
	snprintf(p, sizeof(p), "{" BASE ",\"auth\":{\"password\":\"%s\"}}", big);
	expect_params_error(p,
	    "at /auth/password: must not have more than 1024 bytes");
	/* ids: 256 bytes. */
	memset(big, 'd', 257);
	big[257] = '\0';
	snprintf(p, sizeof(p), "{" BASE ",\"device\":{\"id\":\"%s\",\"publicKey\":"
	    "\"k\",\"signature\":\"s\",\"signedAt\":1,\"nonce\":\"n\"}}", big);
	expect_params_error(p, "at /device/id: must not have more than 256 bytes");
	/* buildId 1..96 counts characters, not bytes. */
	big[0] = '\0';
	for (int i = 0; i < 96; i++)
		strcat(big, "\xc3\xa9");
	snprintf(p, sizeof(p), "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":"
	    "{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\","
	    "\"buildId\":\"%s\"}}", big);
	expect_params_ok(p);
	strcat(big, "x");
	snprintf(p, sizeof(p), "{\"minProtocol\":4,\"maxProtocol\":4,\"client\":"
	    "{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\","
	    "\"buildId\":\"%s\"}}", big);
	expect_params_error(p,
	    "at /client/buildId: must not have more than 96 characters");
}
END_TEST

START_TEST(t_schema_scope_count)
{
	char	 p[4096];
	int	 i;

	snprintf(p, sizeof(p), "{" BASE ",\"scopes\":[");
	for (i = 0; i < 32; i++)
		strcat(p, i ? ",\"operator.read\"" : "\"operator.read\"");
	strcat(p, "]}");
	expect_params_ok(p);
	p[strlen(p) - 2] = '\0';
	strcat(p, ",\"operator.write\"]}");
	expect_params_error(p, "at /scopes: must not have more than 32 items");
}
END_TEST

START_TEST(t_schema_error_cap)
{
	struct connect_params	 cp;
	char			 err[CP_ERR_MAX], p[16384];
	char			*f;
	int			 i;

	/* Thousands of bad items: bounded text, still the first errors. */
	snprintf(p, sizeof(p), "{" BASE ",\"caps\":[");
	for (i = 0; i < 2000; i++)
		strcat(p, i ? ",1" : "1");
	strcat(p, "]}");
	f = frame_with(p);
	ck_assert_int_eq(parse_str(f, &cp, err), FF_BAD_PARAMS);
	ck_assert(strncmp(err, "invalid connect params: at /caps/0: must be "
	    "string; at /caps/1: must be string", 72) == 0);
	ck_assert_uint_lt(strlen(err), CP_ERR_MAX);
	connect_params_free(&cp);
	free(f);
	/* A short buffer gets a cut, NUL-terminated text. */
	f = frame_with("{\"maxProtocol\":4}");
	ck_assert_int_eq(connect_parse(f, strlen(f), &cp, err, 10),
	    FF_BAD_PARAMS);
	ck_assert_str_eq(err, "invalid c");
	connect_params_free(&cp);
	free(f);
}
END_TEST

START_TEST(t_request_frame_messages)
{
	static const struct {
		const char	*frame;
		const char	*msg;	/* NULL: valid */
	} c[] = {
		{ "{\"type\":\"req\",\"id\":\"1\",\"method\":\"health\"}", NULL },
		{ "{\"type\":\"req\",\"id\":\"1\",\"method\":\"m\",\"params\":[1],"
		  "\"traceparent\":\"00-ab\",\"expectedProfileId\":\"p\"}", NULL },
		{ "{\"type\":\"event\",\"id\":\"\",\"x\":1}",
		  "must have required property 'method'; at root: unexpected "
		  "property 'x'; at /type: must be equal to constant; at /id: "
		  "must not have fewer than 1 characters" },
		{ "{\"type\":5,\"id\":\"1\",\"method\":\"m\"}",
		  "at /type: must be string; at /type: must be equal to constant" },
		{ "[1]", "must be object" },
		{ "{\"type\":\"req\",\"id\":\"1\",\"method\":\"m\","
		  "\"expectedProfileId\":\"\"}",
		  "at /expectedProfileId: must not have fewer than 1 characters" },
	};
	char		 msg[VS_MSG_MAX];
	json_t		*root;
	size_t		 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		root = json_loads(c[i].frame, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(root);
		if (c[i].msg == NULL)
			ck_assert_int_eq(frame_check_request(root, msg,
			    sizeof(msg)), 0);
		else {
			ck_assert_int_eq(frame_check_request(root, msg,
			    sizeof(msg)), -1);
			ck_assert_str_eq(msg, c[i].msg);
		}
		json_decref(root);
	}
	assert_json(res_error(NULL, 0, err_invalid_frame("at root: unexpected "
	    "property 'x'")), "{\"type\":\"res\",\"id\":\"invalid\",\"ok\":false,"
	    "\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"invalid request "
	    "frame: at root: unexpected property 'x'\"}}");
}
END_TEST

START_TEST(t_method_params_reuse)
{
	static const struct vs_prop none[] = { { NULL, NULL, 0 } };
	static const struct vschema empty = { .kind = VS_OBJECT, .closed = 1,
	    .props = none };
	char	 msg[VS_MSG_MAX];
	json_t	*v;

	v = json_loads("{\"x\":1}", 0, NULL);
	ck_assert_int_eq(vschema_check(&empty, v, msg, sizeof(msg)), -1);
	assert_json(err_invalid_params("device.pair.list", msg),
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"invalid device.pair.list "
	    "params: at root: unexpected property 'x'\"}");
	json_decref(v);
	v = json_object();
	ck_assert_int_eq(vschema_check(&empty, v, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	json_decref(v);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Protocol negotiation and role (§2.4, §2.5).                         */
/* ------------------------------------------------------------------ */

static const struct {
	int		 min, max;
	const char	*mode, *role;	/* role NULL: absent */
	enum first_frame ff;
} proto_cases[] = {
	{ 4, 4, "cli", "operator", FF_OK },
	{ 3, 4, "cli", NULL, FF_OK },
	{ 1, 9, "backend", NULL, FF_OK },
	{ 3, 3, "cli", NULL, FF_PROTOCOL_MISMATCH },
	{ 5, 6, "cli", NULL, FF_PROTOCOL_MISMATCH },
	{ 4, 3, "cli", NULL, FF_PROTOCOL_MISMATCH },
	{ 3, 3, "probe", NULL, FF_OK },		/* probe: 3..4 */
	{ 3, 4, "probe", NULL, FF_OK },
	{ 4, 5, "probe", NULL, FF_OK },
	{ 1, 2, "probe", NULL, FF_PROTOCOL_MISMATCH },
	{ 5, 5, "probe", NULL, FF_PROTOCOL_MISMATCH },
	{ 3, 3, "node", "node", FF_OK },		/* legacy node v3 */
	{ 2, 3, "node", "node", FF_OK },
	{ 1, 2, "node", "node", FF_PROTOCOL_MISMATCH },
	{ 3, 3, "cli", "node", FF_PROTOCOL_MISMATCH },
	{ 3, 3, "node", "operator", FF_PROTOCOL_MISMATCH },
	{ 4, 4, "cli", "admin", FF_INVALID_ROLE },
	{ 5, 6, "cli", "admin", FF_PROTOCOL_MISMATCH },	/* protocol first */
	{ 4, 4, "node", "node", FF_OK },
};

START_TEST(t_protocol_negotiation)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 p[512], role[64] = "", err[CP_ERR_MAX];
	char			*f;
	json_t			*e;

	if (proto_cases[_i].role != NULL)
		snprintf(role, sizeof(role), ",\"role\":\"%s\"",
		    proto_cases[_i].role);
	snprintf(p, sizeof(p), "{\"minProtocol\":%d,\"maxProtocol\":%d,\"client\":"
	    "{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\",\"mode\":\"%s\"}"
	    "%s}", proto_cases[_i].min, proto_cases[_i].max,
	    proto_cases[_i].mode, role);
	f = frame_with(p);
	ck_assert_int_eq(parse_str(f, &cp, err), proto_cases[_i].ff);
	e = err_first_frame(proto_cases[_i].ff, &cp, err, &cl);
	switch (proto_cases[_i].ff) {
	case FF_OK:
		ck_assert_ptr_null(e);
		ck_assert_int_eq(cl.code, 0);
		break;
	case FF_PROTOCOL_MISMATCH:
		snprintf(p, sizeof(p), "{\"code\":\"INVALID_REQUEST\",\"message\":"
		    "\"protocol mismatch\",\"details\":{\"code\":"
		    "\"PROTOCOL_MISMATCH\",\"clientMinProtocol\":%d,"
		    "\"clientMaxProtocol\":%d,\"expectedProtocol\":4,"
		    "\"minimumProbeProtocol\":3}}", proto_cases[_i].min,
		    proto_cases[_i].max);
		assert_json(e, p);
		ck_assert_int_eq(cl.code, 1002);
		ck_assert_str_eq(cl.reason, "protocol mismatch");
		break;
	case FF_INVALID_ROLE:
		assert_json(e, "{\"code\":\"INVALID_REQUEST\",\"message\":"
		    "\"invalid role\"}");
		ck_assert_int_eq(cl.code, 1008);
		ck_assert_str_eq(cl.reason, "invalid role");
		break;
	default:
		ck_abort();
	}
	connect_params_free(&cp);
	free(f);
}
END_TEST

START_TEST(t_protocol_huge_numbers)
{
	struct connect_params	 cp;
	char			 err[CP_ERR_MAX];
	char			*f;

	f = frame_with("{\"minProtocol\":1,\"maxProtocol\":1e20,\"client\":"
	    "{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\",\"mode\":\"cli\"},"
	    "\"device\":{\"id\":\"i\",\"publicKey\":\"k\",\"signature\":\"s\","
	    "\"signedAt\":1e30,\"nonce\":\"n\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_OK);
	ck_assert_int_eq(cp.max_protocol, 9007199254740992LL);
	ck_assert(cp.dev_signed_at == UINT64_MAX);
	connect_params_free(&cp);
	free(f);
	/* An integer literal beyond int64 is still a number, as in JS. */
	f = frame_with("{\"minProtocol\":99999999999999999999,\"maxProtocol\":4,"
	    "\"client\":{\"id\":\"cli\",\"version\":\"1\",\"platform\":\"p\","
	    "\"mode\":\"cli\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_PROTOCOL_MISMATCH);
	connect_params_free(&cp);
	free(f);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Extraction, helpers for the authd request, scrubbing.               */
/* ------------------------------------------------------------------ */

START_TEST(t_extract_fields)
{
	struct connect_params	 cp;
	struct auth_req		 req;
	char			 err[CP_ERR_MAX];
	char			*f;

	f = frame_with("{" BASE ",\"scopes\":[\"operator.read\",\"x.y\","
	    "\"operator.read\"],\"auth\":{\"token\":\"\",\"deviceToken\":\"dt\"},"
	    "\"device\":{\"id\":\"did\",\"publicKey\":\"pk\",\"signature\":\"sig\","
	    "\"signedAt\":1737264000000,\"nonce\":\"n1\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_OK);
	ck_assert(auth_str_eq(&cp.req_id, "c1"));
	ck_assert(auth_str_eq(&cp.role, "operator"));
	ck_assert_int_eq(cp.role_sent, 0);
	ck_assert_uint_eq(cp.nscopes, 3);
	ck_assert(auth_str_eq(&cp.scopes[1], "x.y"));
	ck_assert(auth_str_eq(&cp.scopes[2], "operator.read"));
	/* Present but empty is not absent. */
	ck_assert_ptr_nonnull(cp.token.p);
	ck_assert_uint_eq(cp.token.len, 0);
	ck_assert_ptr_null(cp.password.p);
	ck_assert_ptr_null(cp.bootstrap_token.p);
	ck_assert(auth_str_eq(&cp.device_token, "dt"));
	ck_assert_str_eq(connect_auth_kind(&cp), "device-token");
	ck_assert_int_eq(cp.has_device, 1);
	ck_assert(cp.dev_signed_at == 1737264000000ULL);
	ck_assert(auth_str_eq(&cp.dev_nonce, "n1"));
	ck_assert_int_eq(cp.client_class, CLIENT_CLASS_CLI);

	memset(&req, 0, sizeof(req));
	req.flags = AUTH_F_LOOPBACK;
	connect_params_to_auth_req(&cp, &req);
	ck_assert_uint_eq(req.flags, AUTH_F_LOOPBACK | AUTH_F_HAS_DEVICE);
	ck_assert(auth_str_eq(&req.client_id, "cli"));
	ck_assert(auth_str_eq(&req.platform, "linux"));
	ck_assert_ptr_null(req.family.p);
	ck_assert(auth_str_eq(&req.role, "operator"));
	ck_assert_uint_eq(req.nscopes, 3);
	ck_assert_ptr_nonnull(req.token.p);
	ck_assert_uint_eq(req.token.len, 0);
	ck_assert(auth_str_eq(&req.device_token, "dt"));
	ck_assert(auth_str_eq(&req.dev_sig, "sig"));
	ck_assert(req.dev_signed_at == 1737264000000ULL);
	connect_params_free(&cp);
	free(f);
}
END_TEST

START_TEST(t_auth_kind)
{
	static const struct {
		const char	*auth;
		const char	*kind;
	} c[] = {
		{ "", "none" },
		{ ",\"auth\":{}", "none" },
		{ ",\"auth\":{\"token\":\"  \"}", "none" },
		{ ",\"auth\":{\"token\":\"t\",\"password\":\"p\"}", "token" },
		{ ",\"auth\":{\"password\":\"p\",\"deviceToken\":\"d\"}",
		  "password" },
		{ ",\"auth\":{\"bootstrapToken\":\"b\",\"deviceToken\":\"d\"}",
		  "bootstrap-token" },
		{ ",\"auth\":{\"deviceToken\":\"d\"}", "device-token" },
	};
	struct connect_params	 cp;
	char			 p[512], err[CP_ERR_MAX];
	char			*f;
	size_t			 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(p, sizeof(p), "{" BASE "%s}", c[i].auth);
		f = frame_with(p);
		ck_assert_int_eq(parse_str(f, &cp, err), FF_OK);
		ck_assert_str_eq(connect_auth_kind(&cp), c[i].kind);
		connect_params_free(&cp);
		free(f);
	}
}
END_TEST

START_TEST(t_client_class)
{
	static const struct {
		const char	*id, *mode;
		int		 cls;
	} c[] = {
		{ "cli", "cli", CLIENT_CLASS_CLI },
		{ "cli", "probe", CLIENT_CLASS_OTHER },
		{ "gateway-client", "backend", CLIENT_CLASS_OTHER },
		{ "node-host", "node", CLIENT_CLASS_OTHER },
		{ "openclaw-control-ui", "webchat", CLIENT_CLASS_UI },
		{ "openclaw-browser-copilot", "ui", CLIENT_CLASS_UI },
		{ "openclaw-tui", "ui", CLIENT_CLASS_UI },
		{ "webchat-ui", "ui", CLIENT_CLASS_UI },
		{ "test", "webchat", CLIENT_CLASS_UI },
		{ "openclaw-macos", "ui", CLIENT_CLASS_OTHER },
		{ "openclaw-tui", "cli", CLIENT_CLASS_CLI | CLIENT_CLASS_UI },
	};
	struct auth_str	 id, mode;
	size_t		 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		id.p = c[i].id;
		id.len = strlen(c[i].id);
		mode.p = c[i].mode;
		mode.len = strlen(c[i].mode);
		ck_assert_int_eq(connect_client_class(&id, &mode), c[i].cls);
	}
}
END_TEST

START_TEST(t_scrub_wipes_secrets)
{
	struct connect_params	 cp;
	char			 err[CP_ERR_MAX];
	char			*f;
	json_t			*auth, *tok;
	const char		*s;
	size_t			 i, n;

	f = frame_with("{" BASE ",\"scopes\":[\"operator.read\"],\"auth\":"
	    "{\"token\":\"s3cr3t-token\",\"password\":\"pw\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_OK);
	auth = json_object_get(json_object_get(cp.frame, "params"), "auth");
	json_incref(auth);	/* keep it alive to look at it afterwards */
	tok = json_object_get(auth, "token");
	connect_params_scrub(&cp);
	s = json_string_value(tok);
	n = json_string_length(tok);
	ck_assert_uint_eq(n, 12);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(s[i], 0);
	json_decref(auth);
	ck_assert_ptr_null(json_object_get(json_object_get(cp.frame, "params"),
	    "auth"));
	ck_assert_ptr_null(cp.token.p);
	ck_assert_ptr_null(cp.password.p);
	/* Non-secret facts survive for the error that comes later. */
	ck_assert_str_eq(connect_auth_kind(&cp), "token");
	ck_assert(auth_str_eq(&cp.scopes[0], "operator.read"));
	ck_assert(auth_str_eq(&cp.client_id, "cli"));
	connect_params_free(&cp);
	ck_assert_ptr_null(cp.frame);
	connect_params_free(&cp);	/* idempotent */
	free(f);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Auth errors (§4.2): reason x class x locality.                      */
/* ------------------------------------------------------------------ */

static void
client(struct err_client *c, int cls, int local)
{
	memset(c, 0, sizeof(*c));
	c->client_class = cls;
	c->local = local;
	c->role.p = "operator";
	c->role.len = 8;
}

#define CLI_L	0	/* column indices */
#define CLI_R	1
#define UI	2
#define OTHER	3

static const struct {
	uint32_t	 reason;
	const char	*msg[4];
} hint_cases[] = {
	{ AUTH_R_TOKEN_MISSING, {
	  "unauthorized: gateway token missing (use this gateway's "
	  "gateway.auth.token or pair the device)",
	  "unauthorized: gateway token missing (set gateway.remote.token to "
	  "match gateway.auth.token)",
	  "unauthorized: gateway token missing (paste in Control UI settings or "
	  "openclaw doctor --generate-gateway-token; restart)",
	  "unauthorized: gateway token missing (provide gateway auth token)" } },
	{ AUTH_R_TOKEN_MISMATCH, {
	  "unauthorized: gateway token mismatch (use this gateway's "
	  "gateway.auth.token or pair the device)",
	  "unauthorized: gateway token mismatch (set gateway.remote.token to "
	  "match gateway.auth.token)",
	  "unauthorized: gateway token mismatch (open the dashboard URL and "
	  "paste the token in Control UI settings)",
	  "unauthorized: gateway token mismatch (provide gateway auth token)" } },
	{ AUTH_R_PASSWORD_MISSING, {
	  "unauthorized: gateway password missing (use this gateway's "
	  "gateway.auth.password)",
	  "unauthorized: gateway password missing (set gateway.remote.password "
	  "to match gateway.auth.password)",
	  "unauthorized: gateway password missing (enter the password in "
	  "Control UI settings)",
	  "unauthorized: gateway password missing (provide gateway auth "
	  "password)" } },
	{ AUTH_R_PASSWORD_MISMATCH, {
	  "unauthorized: gateway password mismatch (use this gateway's "
	  "gateway.auth.password)",
	  "unauthorized: gateway password mismatch (set gateway.remote.password "
	  "to match gateway.auth.password)",
	  "unauthorized: gateway password mismatch (enter the password in "
	  "Control UI settings)",
	  "unauthorized: gateway password mismatch (provide gateway auth "
	  "password)" } },
};

START_TEST(t_auth_hints)
{
	static const struct {
		int	 cls, local;
	} col[4] = {
		[CLI_L] = { CLIENT_CLASS_CLI, 1 },
		[CLI_R] = { CLIENT_CLASS_CLI, 0 },
		[UI] = { CLIENT_CLASS_UI, 0 },
		[OTHER] = { CLIENT_CLASS_OTHER, 0 },
	};
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	char			 buf[512];
	json_t			*e;
	int			 k, local;

	for (k = 0; k < 4; k++) {
		/* UI and other clients: locality does not change the text. */
		for (local = 0; local <= (k >= UI); local++) {
			client(&c, col[k].cls, k >= UI ? local : col[k].local);
			memset(&v, 0, sizeof(v));
			v.result = VERDICT_DENY;
			v.reason = hint_cases[_i].reason;
			e = err_auth(&v, &c, &cl);
			ck_assert_ptr_nonnull(e);
			ck_assert_str_eq(json_string_value(json_object_get(e,
			    "message")), hint_cases[_i].msg[k]);
			ck_assert_str_eq(json_string_value(json_object_get(e,
			    "code")), "INVALID_REQUEST");
			ck_assert_int_eq(cl.code, 1008);
			ck_assert_str_eq(cl.reason, hint_cases[_i].msg[k]);
			json_decref(e);
			ck_assert_uint_eq(err_auth_message(v.reason, 0, &c, buf,
			    sizeof(buf)), strlen(hint_cases[_i].msg[k]));
			ck_assert_str_eq(buf, hint_cases[_i].msg[k]);
		}
	}
}
END_TEST

START_TEST(t_auth_hint_cli_ui_mix)
{
	struct err_client	 c;
	char			 buf[512];

	/* mode "cli" with a UI id: token_missing takes the UI wording. */
	client(&c, CLIENT_CLASS_CLI | CLIENT_CLASS_UI, 1);
	err_auth_message(AUTH_R_TOKEN_MISSING, 0, &c, buf, sizeof(buf));
	ck_assert_str_eq(buf, hint_cases[0].msg[UI]);
	err_auth_message(AUTH_R_TOKEN_MISMATCH, 0, &c, buf, sizeof(buf));
	ck_assert_str_eq(buf, hint_cases[1].msg[CLI_L]);
	err_auth_message(AUTH_R_PASSWORD_MISSING, 0, &c, buf, sizeof(buf));
	ck_assert_str_eq(buf, hint_cases[2].msg[CLI_L]);
	/* A short buffer still gets a terminated prefix and the full length. */
	ck_assert_uint_eq(err_auth_message(AUTH_R_TOKEN_MISMATCH, 0, &c, buf, 13),
	    strlen(hint_cases[1].msg[CLI_L]));
	ck_assert_str_eq(buf, "unauthorized");
}
END_TEST

static const struct {
	uint32_t	 reason;
	uint32_t	 flags;
	int		 cls, local;
	const char	*json;
} auth_json_cases[] = {
	/* 01 b, c */
	{ AUTH_R_TOKEN_MISSING, 0, CLIENT_CLASS_CLI, 1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway token "
	  "missing (use this gateway's gateway.auth.token or pair the device)\","
	  "\"details\":{\"code\":\"AUTH_TOKEN_MISSING\",\"authReason\":"
	  "\"token_missing\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"update_auth_configuration\"}}" },
	/* 02 a */
	{ AUTH_R_TOKEN_MISMATCH, 0, CLIENT_CLASS_CLI, 1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway token "
	  "mismatch (use this gateway's gateway.auth.token or pair the device)\","
	  "\"details\":{\"code\":\"AUTH_TOKEN_MISMATCH\",\"authReason\":"
	  "\"token_mismatch\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"update_auth_credentials\"}}" },
	/* 02 b */
	{ AUTH_R_TOKEN_MISMATCH, VERDICT_F_RETRY_DEVICE_TOKEN, CLIENT_CLASS_CLI,
	  1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway token "
	  "mismatch (use this gateway's gateway.auth.token or pair the device)\","
	  "\"details\":{\"code\":\"AUTH_TOKEN_MISMATCH\",\"authReason\":"
	  "\"token_mismatch\",\"canRetryWithDeviceToken\":true,"
	  "\"recommendedNextStep\":\"retry_with_device_token\"}}" },
	/* 05 d */
	{ AUTH_R_DEVICE_TOKEN_MISMATCH, 0, CLIENT_CLASS_CLI, 1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: device token "
	  "mismatch (rotate/reissue device token)\",\"details\":{\"code\":"
	  "\"AUTH_DEVICE_TOKEN_MISMATCH\",\"authReason\":\"device_token_mismatch\","
	  "\"canRetryWithDeviceToken\":false,\"recommendedNextStep\":"
	  "\"update_auth_credentials\"}}" },
	/* 05 f; the flag only ever applies to token_mismatch */
	{ AUTH_R_SCOPE_MISMATCH, VERDICT_F_RETRY_DEVICE_TOKEN, CLIENT_CLASS_CLI,
	  1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: device token "
	  "scope mismatch (re-pair or approve scope upgrade)\",\"details\":"
	  "{\"code\":\"AUTH_SCOPE_MISMATCH\",\"authReason\":\"scope_mismatch\","
	  "\"canRetryWithDeviceToken\":false,\"recommendedNextStep\":"
	  "\"review_auth_configuration\"}}" },
	/* 09 c */
	{ AUTH_R_PASSWORD_MISMATCH, 0, CLIENT_CLASS_CLI, 1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway "
	  "password mismatch (use this gateway's gateway.auth.password)\","
	  "\"details\":{\"code\":\"AUTH_PASSWORD_MISMATCH\",\"authReason\":"
	  "\"password_mismatch\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"update_auth_credentials\"}}" },
	/* 09 e */
	{ AUTH_R_PASSWORD_MISSING, 0, CLIENT_CLASS_CLI, 1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway "
	  "password missing (use this gateway's gateway.auth.password)\","
	  "\"details\":{\"code\":\"AUTH_PASSWORD_MISSING\",\"authReason\":"
	  "\"password_missing\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"update_auth_configuration\"}}" },
	{ AUTH_R_TOKEN_MISSING_CONFIG, 0, CLIENT_CLASS_UI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway token "
	  "not configured on gateway (set gateway.auth.token)\",\"details\":"
	  "{\"code\":\"AUTH_TOKEN_NOT_CONFIGURED\",\"authReason\":"
	  "\"token_missing_config\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"update_auth_configuration\"}}" },
	{ AUTH_R_PASSWORD_MISSING_CONFIG, 0, CLIENT_CLASS_OTHER, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway "
	  "password not configured on gateway (set gateway.auth.password)\","
	  "\"details\":{\"code\":\"AUTH_PASSWORD_NOT_CONFIGURED\",\"authReason\":"
	  "\"password_missing_config\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"update_auth_configuration\"}}" },
	/* §4.3 */
	{ AUTH_R_DEVICE_ID_MISMATCH, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"device identity mismatch\","
	  "\"details\":{\"code\":\"DEVICE_AUTH_DEVICE_ID_MISMATCH\",\"reason\":"
	  "\"device-id-mismatch\"}}" },
	{ AUTH_R_DEVICE_SIG_EXPIRED, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"device signature expired\","
	  "\"details\":{\"code\":\"DEVICE_AUTH_SIGNATURE_EXPIRED\",\"reason\":"
	  "\"device-signature-stale\"}}" },
	{ AUTH_R_DEVICE_NONCE_REQUIRED, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"device nonce required\","
	  "\"details\":{\"code\":\"DEVICE_AUTH_NONCE_REQUIRED\",\"reason\":"
	  "\"device-nonce-missing\"}}" },
	{ AUTH_R_DEVICE_NONCE_MISMATCH, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"device nonce mismatch\","
	  "\"details\":{\"code\":\"DEVICE_AUTH_NONCE_MISMATCH\",\"reason\":"
	  "\"device-nonce-mismatch\"}}" },
	{ AUTH_R_DEVICE_SIG_INVALID, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"device signature invalid\","
	  "\"details\":{\"code\":\"DEVICE_AUTH_SIGNATURE_INVALID\",\"reason\":"
	  "\"device-signature\"}}" },
	{ AUTH_R_DEVICE_PUBKEY_INVALID, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"device public key "
	  "invalid\",\"details\":{\"code\":\"DEVICE_AUTH_PUBLIC_KEY_INVALID\","
	  "\"reason\":\"device-public-key\"}}" },
	/* 01 a, 05 b */
	{ AUTH_R_DEVICE_IDENTITY_REQUIRED, 0, CLIENT_CLASS_CLI, 1,
	  "{\"code\":\"NOT_PAIRED\",\"message\":\"device identity required\","
	  "\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\"}}" },
	{ AUTH_R_UI_DEVICE_IDENTITY_REQUIRED, 0, CLIENT_CLASS_UI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"control ui requires device "
	  "identity (use HTTPS or localhost secure context)\",\"details\":"
	  "{\"code\":\"CONTROL_UI_DEVICE_IDENTITY_REQUIRED\"}}" },
	/* An out-of-range reason: the reference's fallback. */
	/* protocol.md §4.2: a setup code (auth.bootstrapToken), any class */
	{ AUTH_R_BOOTSTRAP_TOKEN_INVALID, 0, CLIENT_CLASS_UI, 1,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: setup code "
	  "invalid, expired, revoked, or already used (create a new code; review "
	  "`openclaw devices list`)\",\"details\":{\"code\":"
	  "\"AUTH_BOOTSTRAP_TOKEN_INVALID\",\"authReason\":"
	  "\"bootstrap_token_invalid\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"review_auth_configuration\"}}" },
	{ 999, 0, CLIENT_CLASS_CLI, 0,
	  "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized\",\"details\":"
	  "{\"code\":\"AUTH_UNAUTHORIZED\",\"canRetryWithDeviceToken\":false,"
	  "\"recommendedNextStep\":\"review_auth_configuration\"}}" },
};

START_TEST(t_auth_json)
{
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	json_t			*e;

	client(&c, auth_json_cases[_i].cls, auth_json_cases[_i].local);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_DENY;
	v.reason = auth_json_cases[_i].reason;
	v.flags = auth_json_cases[_i].flags;
	e = err_auth(&v, &c, &cl);
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, json_string_value(json_object_get(e,
	    "message")));
	assert_json(e, auth_json_cases[_i].json);
}
END_TEST

START_TEST(t_rate_limited)
{
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;

	client(&c, CLIENT_CLASS_CLI, 0);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_DENY;
	v.reason = AUTH_R_RATE_LIMITED;
	v.retry_after_ms = 299642;
	assert_json(err_auth(&v, &c, &cl),
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: too many "
	    "failed authentication attempts (retry later)\",\"retryable\":true,"
	    "\"retryAfterMs\":299642,\"details\":{\"code\":\"AUTH_RATE_LIMITED\","
	    "\"authReason\":\"rate_limited\",\"canRetryWithDeviceToken\":false,"
	    "\"recommendedNextStep\":\"wait_then_retry\"}}");
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, "unauthorized: too many failed "
	    "authentication attempts (retry later)");
}
END_TEST

START_TEST(t_unavailable)
{
	static const char want[] = "{\"code\":\"UNAVAILABLE\",\"message\":"
	    "\"gateway starting; retry shortly\",\"retryable\":true,"
	    "\"retryAfterMs\":500,\"details\":{\"reason\":\"startup-sidecars\"}}";
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	json_t			*e;

	client(&c, CLIENT_CLASS_CLI, 1);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_ERROR;
	v.reason = AUTH_R_TOKEN_MISMATCH;	/* ignored: authd could not decide */
	assert_json(err_auth(&v, &c, &cl), want);
	ck_assert_int_eq(cl.code, 1013);
	ck_assert_str_eq(cl.reason, "gateway starting");
	v.result = VERDICT_DENY;
	v.reason = AUTH_R_UNAVAILABLE;
	assert_json(err_auth(&v, &c, &cl), want);
	ck_assert_int_eq(cl.code, 1013);
	assert_json(err_unavailable("authd-restarting", 250, &cl),
	    "{\"code\":\"UNAVAILABLE\",\"message\":\"gateway starting; retry "
	    "shortly\",\"retryable\":true,\"retryAfterMs\":250,\"details\":"
	    "{\"reason\":\"authd-restarting\"}}");
	/* No client facts: the generic wording. */
	v.result = VERDICT_DENY;
	v.reason = AUTH_R_TOKEN_MISMATCH;
	e = err_auth(&v, NULL, &cl);
	ck_assert_str_eq(json_string_value(json_object_get(e, "message")),
	    "unauthorized: gateway token mismatch (provide gateway auth token)");
	json_decref(e);
	/* OK: nothing to send. */
	v.result = VERDICT_OK;
	ck_assert_ptr_null(err_auth(&v, &c, &cl));
	ck_assert_int_eq(cl.code, 0);
}
END_TEST

START_TEST(t_also_failed)
{
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;

	client(&c, CLIENT_CLASS_CLI, 1);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_DENY;
	v.reason = AUTH_R_DEVICE_IDENTITY_REQUIRED;
	v.hidden_reason = AUTH_R_TOKEN_MISSING;
	assert_json(err_auth(&v, &c, &cl),
	    "{\"code\":\"NOT_PAIRED\",\"message\":\"device identity required\","
	    "\"details\":{\"code\":\"DEVICE_IDENTITY_REQUIRED\",\"alsoFailed\":"
	    "{\"code\":\"AUTH_TOKEN_MISSING\",\"message\":\"unauthorized: gateway "
	    "token missing (use this gateway's gateway.auth.token or pair the "
	    "device)\"}}}");
	/* The close reason stays the reference's. */
	ck_assert_str_eq(cl.reason, "device identity required");

	/* A wrong token hidden behind a device-proof failure, remote CLI. */
	client(&c, CLIENT_CLASS_CLI, 0);
	v.reason = AUTH_R_DEVICE_SIG_INVALID;
	v.hidden_reason = AUTH_R_TOKEN_MISMATCH;
	assert_json(err_auth(&v, &c, &cl),
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"device signature "
	    "invalid\",\"details\":{\"code\":\"DEVICE_AUTH_SIGNATURE_INVALID\","
	    "\"reason\":\"device-signature\",\"alsoFailed\":{\"code\":"
	    "\"AUTH_TOKEN_MISMATCH\",\"message\":\"unauthorized: gateway token "
	    "mismatch (set gateway.remote.token to match "
	    "gateway.auth.token)\"}}}");

	/* Same, none or out-of-range hidden reasons add nothing. */
	v.reason = AUTH_R_TOKEN_MISSING;
	v.hidden_reason = AUTH_R_TOKEN_MISSING;
	assert_json(err_auth(&v, &c, &cl), "{\"code\":\"INVALID_REQUEST\","
	    "\"message\":\"unauthorized: gateway token missing (set "
	    "gateway.remote.token to match gateway.auth.token)\",\"details\":"
	    "{\"code\":\"AUTH_TOKEN_MISSING\",\"authReason\":\"token_missing\","
	    "\"canRetryWithDeviceToken\":false,\"recommendedNextStep\":"
	    "\"update_auth_configuration\"}}");
	v.hidden_reason = 12345;
	assert_json(err_auth(&v, &c, &cl), "{\"code\":\"INVALID_REQUEST\","
	    "\"message\":\"unauthorized: gateway token missing (set "
	    "gateway.remote.token to match gateway.auth.token)\",\"details\":"
	    "{\"code\":\"AUTH_TOKEN_MISSING\",\"authReason\":\"token_missing\","
	    "\"canRetryWithDeviceToken\":false,\"recommendedNextStep\":"
	    "\"update_auth_configuration\"}}");
}
END_TEST

START_TEST(t_expected_fingerprint)
{
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	json_t			*e;

	client(&c, CLIENT_CLASS_CLI, 1);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_DENY;
	v.reason = AUTH_R_TOKEN_MISMATCH;
	memcpy(v.fingerprint, "ab12cd34ef56ab78", 16);	/* no NUL: full */
	assert_json(err_auth(&v, &c, &cl),
	    "{\"code\":\"INVALID_REQUEST\",\"message\":\"unauthorized: gateway token "
	    "mismatch (use this gateway's gateway.auth.token or pair the device)\","
	    "\"details\":{\"code\":\"AUTH_TOKEN_MISMATCH\",\"authReason\":"
	    "\"token_mismatch\",\"canRetryWithDeviceToken\":false,"
	    "\"recommendedNextStep\":\"update_auth_credentials\","
	    "\"expectedFingerprint\":\"ab12cd34ef56ab78\"}}");
	ck_assert_str_eq(cl.reason, "unauthorized: gateway token mismatch (use "
	    "this gateway's gateway.auth.token or pair the device)");
	v.reason = AUTH_R_PASSWORD_MISMATCH;
	e = err_auth(&v, &c, &cl);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e,
	    "details"), "expectedFingerprint")), "ab12cd34ef56ab78");
	json_decref(e);
	/* Not on other reasons; never if it is not clean. */
	v.reason = AUTH_R_TOKEN_MISSING;
	e = err_auth(&v, &c, &cl);
	ck_assert_ptr_null(json_object_get(json_object_get(e, "details"),
	    "expectedFingerprint"));
	json_decref(e);
	v.reason = AUTH_R_TOKEN_MISMATCH;
	memcpy(v.fingerprint, "ab\"d\n", 6);
	e = err_auth(&v, &c, &cl);
	ck_assert_ptr_null(json_object_get(json_object_get(e, "details"),
	    "expectedFingerprint"));
	json_decref(e);
}
END_TEST

/* Both fingerprints, to local peers only (issue 10, item 2). */
START_TEST(t_both_fingerprints_local_only)
{
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	json_t			*e, *d;

	client(&c, CLIENT_CLASS_CLI, 1);
	memset(&v, 0, sizeof(v));
	v.result = VERDICT_DENY;
	v.reason = AUTH_R_TOKEN_MISMATCH;
	memcpy(v.fingerprint, "ab12cd34ef56ab78", 16);
	memcpy(v.provided_fingerprint, "0011223344556677", 16);
	e = err_auth(&v, &c, &cl);
	d = json_object_get(e, "details");
	ck_assert_str_eq(json_string_value(json_object_get(d,
	    "expectedFingerprint")), "ab12cd34ef56ab78");
	ck_assert_str_eq(json_string_value(json_object_get(d,
	    "providedFingerprint")), "0011223344556677");
	json_decref(e);
	/* A remote peer gets neither, whatever the verdict carries. */
	client(&c, CLIENT_CLASS_CLI, 0);
	e = err_auth(&v, &c, &cl);
	d = json_object_get(e, "details");
	ck_assert_ptr_null(json_object_get(d, "expectedFingerprint"));
	ck_assert_ptr_null(json_object_get(d, "providedFingerprint"));
	json_decref(e);
	e = err_auth(&v, NULL, &cl);
	d = json_object_get(e, "details");
	ck_assert_ptr_null(json_object_get(d, "expectedFingerprint"));
	ck_assert_ptr_null(json_object_get(d, "providedFingerprint"));
	json_decref(e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Pairing (§7.4).                                                     */
/* ------------------------------------------------------------------ */

static void
pairing_verdict(struct auth_verdict *v, uint32_t pr, const char *rid)
{
	memset(v, 0, sizeof(*v));
	v->result = VERDICT_DENY;
	v->reason = AUTH_R_PAIRING_REQUIRED;
	v->pairing_reason = pr;
	snprintf(v->request_id, sizeof(v->request_id), "%s", rid);
	snprintf(v->device_id, sizeof(v->device_id), "%s",
	    "349431a73af3d00b8e1b43d277a5b20d4a6c7762c34489f9c8ad877b44ec2c44");
	snprintf(v->role, sizeof(v->role), "operator");
}

START_TEST(t_pairing_not_paired)
{
	static const struct auth_str scopes[] = { { "operator.read", 13 } };
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;

	client(&c, CLIENT_CLASS_CLI, 0);
	c.scopes = scopes;
	c.nscopes = 1;
	pairing_verdict(&v, PAIR_R_NOT_PAIRED,
	    "b8480e32-35c2-48d0-a5df-925a8117e811");
	assert_json(res_error("connect-1", 9, err_auth(&v, &c, &cl)),
	    "{\"type\":\"res\",\"id\":\"connect-1\",\"ok\":false,\"error\":{\"code\":"
	    "\"NOT_PAIRED\",\"message\":\"pairing required: device is not approved "
	    "yet\",\"details\":{\"code\":\"PAIRING_REQUIRED\",\"reason\":"
	    "\"not-paired\",\"requestId\":\"b8480e32-35c2-48d0-a5df-925a8117e811\","
	    "\"remediationHint\":\"Approve this device from the pending pairing "
	    "requests.\",\"deviceId\":\"349431a73af3d00b8e1b43d277a5b20d4a6c7762c3"
	    "4489f9c8ad877b44ec2c44\",\"requestedRole\":\"operator\","
	    "\"requestedScopes\":[\"operator.read\"]}}}");
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, "pairing required: device is not approved "
	    "yet (requestId: b8480e32-35c2-48d0-a5df-925a8117e811)");
}
END_TEST

START_TEST(t_pairing_control_ui)
{
	static const struct auth_str scopes[] = { { " operator.admin ", 16 },
	    { "", 0 }, { "operator.read", 13 } };
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;

	client(&c, CLIENT_CLASS_UI, 0);
	c.control_ui = 1;
	c.scopes = scopes;
	c.nscopes = 3;
	pairing_verdict(&v, PAIR_R_SCOPE_UPGRADE, "r-1");
	assert_json(err_auth(&v, &c, &cl),
	    "{\"code\":\"NOT_PAIRED\",\"message\":\"pairing required: device is "
	    "asking for more scopes than currently approved\",\"details\":"
	    "{\"code\":\"PAIRING_REQUIRED\",\"reason\":\"scope-upgrade\","
	    "\"requestId\":\"r-1\",\"remediationHint\":\"Review the requested "
	    "scopes, then approve the pending upgrade.\",\"recommendedNextStep\":"
	    "\"wait_then_retry\",\"retryable\":true,\"pauseReconnect\":false,"
	    "\"deviceId\":\"349431a73af3d00b8e1b43d277a5b20d4a6c7762c34489f9c8ad8"
	    "77b44ec2c44\",\"requestedRole\":\"operator\",\"requestedScopes\":"
	    "[\"operator.admin\",\"operator.read\"]}}");
	ck_assert_str_eq(cl.reason, "pairing required: device is asking for more "
	    "scopes than currently approved (requestId: r-1)");
	/* Without a request id the UI extras are not added. */
	pairing_verdict(&v, PAIR_R_NOT_PAIRED, "");
	c.nscopes = 0;
	v.role[0] = '\0';	/* requestedRole falls back to the connect's */
	assert_json(err_auth(&v, &c, &cl),
	    "{\"code\":\"NOT_PAIRED\",\"message\":\"pairing required: device is "
	    "not approved yet\",\"details\":{\"code\":\"PAIRING_REQUIRED\","
	    "\"reason\":\"not-paired\",\"remediationHint\":\"Approve this device "
	    "from the pending pairing requests.\",\"deviceId\":\"349431a73af3d00b8"
	    "e1b43d277a5b20d4a6c7762c34489f9c8ad877b44ec2c44\",\"requestedRole\":"
	    "\"operator\"}}");
	ck_assert_str_eq(cl.reason, "pairing required: device is not approved "
	    "yet");
}
END_TEST

START_TEST(t_pairing_reasons_and_truncation)
{
	static const struct {
		uint32_t	 pr;
		const char	*reason, *msg, *hint;
	} c[] = {
		{ PAIR_R_ROLE_UPGRADE, "role-upgrade", "pairing required: device "
		  "is asking for a higher role than currently approved",
		  "Review the requested role upgrade, then approve the pending "
		  "request." },
		{ PAIR_R_METADATA_UPGRADE, "metadata-upgrade", "pairing required: "
		  "device identity changed and must be re-approved", "Review the "
		  "refreshed device details, then approve the pending request." },
		{ PAIR_R_NONE, NULL, "pairing required",
		  "Approve the pending device request before retrying." },
		{ 77, NULL, "pairing required",
		  "Approve the pending device request before retrying." },
	};
	static const char rid[] = "0f8fad5b-d9cb-469f-a165-70867728950e";
	struct auth_verdict	 v;
	struct err_client	 cli;
	struct err_close	 cl;
	char			 full[256];
	json_t			*e, *d;
	size_t			 i;

	client(&cli, CLIENT_CLASS_OTHER, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		pairing_verdict(&v, c[i].pr, rid);
		e = err_auth(&v, &cli, &cl);
		ck_assert_str_eq(json_string_value(json_object_get(e, "message")),
		    c[i].msg);
		d = json_object_get(e, "details");
		if (c[i].reason == NULL)
			ck_assert_ptr_null(json_object_get(d, "reason"));
		else
			ck_assert_str_eq(json_string_value(json_object_get(d,
			    "reason")), c[i].reason);
		ck_assert_str_eq(json_string_value(json_object_get(d,
		    "remediationHint")), c[i].hint);
		/* Close reason: message + requestId, cut to 120 bytes. */
		snprintf(full, sizeof(full), "%s (requestId: %s)", c[i].msg, rid);
		if (strlen(full) > 120)
			full[120] = '\0';
		ck_assert_str_eq(cl.reason, full);
		ck_assert_uint_le(strlen(cl.reason), 120);
		json_decref(e);
	}
	/* The role upgrade's close reason really is cut (126 bytes). */
	pairing_verdict(&v, PAIR_R_ROLE_UPGRADE, rid);
	e = err_auth(&v, &cli, &cl);
	ck_assert_uint_eq(strlen(cl.reason), 120);
	ck_assert_str_eq(cl.reason, "pairing required: device is asking for a "
	    "higher role than currently approved (requestId: 0f8fad5b-d9cb-469f-"
	    "a165-7086772");
	json_decref(e);
}
END_TEST

START_TEST(t_pairing_bad_request_id)
{
	static const char *const bad[] = { "-abc", ".x", "a b", "a/b", "é" };
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	json_t			*e;
	size_t			 i;

	client(&c, CLIENT_CLASS_UI, 0);
	c.control_ui = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pairing_verdict(&v, PAIR_R_NOT_PAIRED, bad[i]);
		e = err_auth(&v, &c, &cl);
		ck_assert_ptr_nonnull(e);
		ck_assert_ptr_null(json_object_get(json_object_get(e, "details"),
		    "requestId"));
		ck_assert_ptr_null(json_object_get(json_object_get(e, "details"),
		    "pauseReconnect"));
		ck_assert_str_eq(cl.reason,
		    "pairing required: device is not approved yet");
		json_decref(e);
	}
	/* A device id that is not hex is not echoed either. */
	pairing_verdict(&v, PAIR_R_NOT_PAIRED, "ok");
	snprintf(v.device_id, sizeof(v.device_id), "zz\"zz");
	e = err_auth(&v, &c, &cl);
	ck_assert_ptr_null(json_object_get(json_object_get(e, "details"),
	    "deviceId"));
	json_decref(e);
}
END_TEST

START_TEST(t_pairing_from_connect)
{
	struct connect_params	 cp;
	struct auth_verdict	 v;
	struct err_client	 c;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	char			*f;
	json_t			*e;

	f = frame_with("{\"minProtocol\":4,\"maxProtocol\":4,\"client\":{\"id\":"
	    "\"openclaw-control-ui\",\"version\":\"2026.9.6\",\"platform\":\"web\","
	    "\"mode\":\"webchat\"},\"scopes\":[\"operator.admin\"],\"auth\":"
	    "{\"token\":\"t\"}}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_OK);
	connect_params_scrub(&cp);	/* before the verdict arrives */
	err_client_init(&c, &cp, 0);
	ck_assert_int_eq(c.control_ui, 1);
	ck_assert_int_eq(c.client_class, CLIENT_CLASS_UI);
	pairing_verdict(&v, PAIR_R_NOT_PAIRED, "rq");
	e = err_auth(&v, &c, &cl);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e,
	    "details"), "recommendedNextStep")), "wait_then_retry");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    json_object_get(e, "details"), "requestedScopes"), 0)),
	    "operator.admin");
	json_decref(e);
	connect_params_free(&cp);
	free(f);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Other connect-time and post-connect errors.                         */
/* ------------------------------------------------------------------ */

START_TEST(t_origin_and_build)
{
	struct err_close	 cl;

	assert_json(err_origin(0, &cl), "{\"code\":\"INVALID_REQUEST\","
	    "\"message\":\"origin not allowed (open the Control UI from the "
	    "gateway host or allow it in gateway.controlUi.allowedOrigins)\","
	    "\"details\":{\"code\":\"CONTROL_UI_ORIGIN_NOT_ALLOWED\",\"reason\":"
	    "\"origin not allowed\"}}");
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, "origin not allowed (open the Control UI from "
	    "the gateway host or allow it in gateway.controlUi.allowedOrigins)");
	assert_json(err_origin(1, &cl), "{\"code\":\"INVALID_REQUEST\","
	    "\"message\":\"origin not allowed (open the Control UI from the "
	    "gateway host or allow it in gateway.controlUi.allowedOrigins)\","
	    "\"details\":{\"code\":\"CONTROL_UI_ORIGIN_NOT_ALLOWED\",\"reason\":"
	    "\"origin missing or invalid\"}}");
	assert_json(err_ui_build_mismatch(
	    "2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z", &cl),
	    "{\"code\":\"UNAVAILABLE\",\"message\":\"protocol mismatch: Control UI "
	    "updated; reload this page to continue\",\"retryable\":false,"
	    "\"details\":{\"code\":\"PROTOCOL_MISMATCH\",\"gatewayBuildId\":"
	    "\"2026.9.6-release-eb377ac59e6c-2026-09-23T16-33-12.144Z\","
	    "\"reloadRequired\":true}}");
	ck_assert_int_eq(cl.code, 1008);
	ck_assert_str_eq(cl.reason, "protocol mismatch: Control UI updated; "
	    "reload this page to continue");
}
END_TEST

START_TEST(t_post_connect)
{
	static const char *const req[] = { "operator.read", "operator.write" };

	assert_json(err_unknown_method("nope.nothing"), "{\"code\":"
	    "\"INVALID_REQUEST\",\"message\":\"unknown method: nope.nothing\"}");
	assert_json(err_unauthorized_role("node"), "{\"code\":\"INVALID_REQUEST\","
	    "\"message\":\"unauthorized role: node\"}");
	assert_json(err_missing_scope("operator.read", req, 2), "{\"code\":"
	    "\"FORBIDDEN\",\"message\":\"missing scope: operator.read\","
	    "\"details\":{\"code\":\"MISSING_SCOPE\",\"missingScope\":"
	    "\"operator.read\",\"requiredScopes\":[\"operator.read\","
	    "\"operator.write\"]}}");
	assert_json(err_shape("UNAVAILABLE", "The server is busy. Please try "
	    "again in a moment."), "{\"code\":\"UNAVAILABLE\",\"message\":\"The "
	    "server is busy. Please try again in a moment.\"}");
	ck_assert_ptr_null(res_error("x", 1, NULL));
}
END_TEST

START_TEST(t_reason_tokens)
{
	static const struct {
		uint32_t	 r;
		const char	*token, *code;
	} c[] = {
		{ AUTH_R_NONE, "none", "INVALID_REQUEST" },
		{ AUTH_R_TOKEN_MISSING, "token_missing", "AUTH_TOKEN_MISSING" },
		{ AUTH_R_TOKEN_MISMATCH, "token_mismatch", "AUTH_TOKEN_MISMATCH" },
		{ AUTH_R_TOKEN_MISSING_CONFIG, "token_missing_config",
		  "AUTH_TOKEN_NOT_CONFIGURED" },
		{ AUTH_R_PASSWORD_MISSING, "password_missing",
		  "AUTH_PASSWORD_MISSING" },
		{ AUTH_R_PASSWORD_MISMATCH, "password_mismatch",
		  "AUTH_PASSWORD_MISMATCH" },
		{ AUTH_R_PASSWORD_MISSING_CONFIG, "password_missing_config",
		  "AUTH_PASSWORD_NOT_CONFIGURED" },
		{ AUTH_R_RATE_LIMITED, "rate_limited", "AUTH_RATE_LIMITED" },
		{ AUTH_R_DEVICE_TOKEN_MISMATCH, "device_token_mismatch",
		  "AUTH_DEVICE_TOKEN_MISMATCH" },
		{ AUTH_R_SCOPE_MISMATCH, "scope_mismatch", "AUTH_SCOPE_MISMATCH" },
		{ AUTH_R_DEVICE_IDENTITY_REQUIRED, "device-required",
		  "DEVICE_IDENTITY_REQUIRED" },
		{ AUTH_R_UI_DEVICE_IDENTITY_REQUIRED, "control-ui-device-required",
		  "CONTROL_UI_DEVICE_IDENTITY_REQUIRED" },
		{ AUTH_R_DEVICE_SIG_INVALID, "device-signature",
		  "DEVICE_AUTH_SIGNATURE_INVALID" },
		{ AUTH_R_PAIRING_REQUIRED, "pairing-required", "PAIRING_REQUIRED" },
		{ AUTH_R_UNAVAILABLE, "unavailable", "UNAVAILABLE" },
		{ AUTH_R_BOOTSTRAP_TOKEN_INVALID, "bootstrap_token_invalid",
		  "AUTH_BOOTSTRAP_TOKEN_INVALID" },
		{ AUTH_R_MAX, "unauthorized", "AUTH_UNAUTHORIZED" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_str_eq(auth_reason_token(c[i].r), c[i].token);
		if (c[i].r != AUTH_R_NONE)
			ck_assert_str_eq(auth_reason_code(c[i].r), c[i].code);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Close reasons.                                                      */
/* ------------------------------------------------------------------ */

static int
valid_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, i;

	while (*p) {
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0)
			return 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

START_TEST(t_close_reason_trunc)
{
	static const struct {
		size_t		 ascii;		/* leading 'a's */
		const char	*tail;
		size_t		 want;		/* bytes kept */
	} c[] = {
		{ 10, "", 10 },
		{ 120, "", 120 },
		{ 200, "", 120 },
		{ 119, "\xc3\xa9", 119 },		/* é would end at 121 */
		{ 118, "\xc3\xa9", 120 },		/* é ends at 120: kept */
		{ 118, "\xe2\x82\xac", 118 },		/* € */
		{ 117, "\xe2\x82\xac", 120 },
		{ 117, "\xf0\x9f\x98\x80", 117 },	/* U+1F600 */
		{ 116, "\xf0\x9f\x98\x80", 120 },
		{ 119, "\xf0\x9f\x98\x80" "b", 119 },
	};
	char	 in[512], out[CG_CLOSE_REASON_MAX + 1], small[10];
	size_t	 i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(in, 'a', c[i].ascii);
		strcpy(in + c[i].ascii, c[i].tail);
		n = close_reason_trunc(in, out, sizeof(out));
		ck_assert_uint_eq(n, c[i].want);
		ck_assert_uint_eq(strlen(out), n);
		ck_assert(memcmp(out, in, n) == 0);
		ck_assert(valid_utf8(out));
	}
	/* The reference's rule for empty reasons. */
	ck_assert_uint_eq(close_reason_trunc("", out, sizeof(out)), 17);
	ck_assert_str_eq(out, "invalid handshake");
	close_reason_trunc(NULL, out, sizeof(out));
	ck_assert_str_eq(out, "invalid handshake");
	/* A short buffer: outlen - 1 bytes at most, still whole characters. */
	ck_assert_uint_eq(close_reason_trunc("abcdefgh\xc3\xa9", small,
	    sizeof(small)), 8);
	ck_assert_str_eq(small, "abcdefgh");
	ck_assert_uint_eq(close_reason_trunc("abc", small, 0), 0);
	ck_assert_uint_eq(close_reason_trunc("abc", small, 1), 0);
	ck_assert_str_eq(small, "");
}
END_TEST

START_TEST(t_bad_params_close_reason_cut)
{
	struct connect_params	 cp;
	struct err_close	 cl;
	char			 err[CP_ERR_MAX];
	char			*f;
	json_t			*e;

	/* Two errors: the res carries both, the close reason 120 bytes. */
	f = frame_with("{\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":"
	    "\"1\",\"platform\":\"p\",\"mode\":\"operator\"},\"\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\":1}");
	ck_assert_int_eq(parse_str(f, &cp, err), FF_BAD_PARAMS);
	ck_assert_str_eq(err, "invalid connect params: must have required "
	    "property 'minProtocol'; at root: unexpected property '\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'; at /client/mode: must be "
	    "equal to one of the allowed values");
	e = err_first_frame(FF_BAD_PARAMS, &cp, err, &cl);
	ck_assert_str_eq(json_string_value(json_object_get(e, "message")), err);
	ck_assert_uint_le(strlen(cl.reason), 120);
	ck_assert(valid_utf8(cl.reason));
	ck_assert(strncmp(cl.reason, err, strlen(cl.reason)) == 0);
	json_decref(e);
	connect_params_free(&cp);
	free(f);
}
END_TEST

static Suite *
connect_suite(void)
{
	Suite	*s = suite_create("connect");
	TCase	*tc;

	tc = tcase_create("first-frame");
	tcase_add_test(tc, t08a_first_request_not_connect);
	tcase_add_test(tc, t08b_event_frame_first);
	tcase_add_test(tc, t08c_malformed_json);
	tcase_add_test(tc, t08j_binary_garbage);
	tcase_add_test(tc, t08d_missing_client_version);
	tcase_add_test(tc, t08e_protocol_mismatch);
	tcase_add_test(tc, t08f_docs_mode_operator);
	tcase_add_test(tc, t08h_exactly_64k_pad);
	tcase_add_test(tc, t08l_second_connect_missing_scope);
	tcase_add_test(tc, t07d_empty_nonce);
	suite_add_tcase(s, tc);

	tc = tcase_create("schema");
	tcase_add_loop_test(tc, t_schema_messages, 0,
	    sizeof(schema_cases) / sizeof(schema_cases[0]));
	tcase_add_test(tc, t_schema_accepts);
	tcase_add_test(tc, t_schema_size_caps);
	tcase_add_test(tc, t_schema_scope_count);
	tcase_add_test(tc, t_schema_error_cap);
	tcase_add_test(tc, t_request_frame_messages);
	tcase_add_test(tc, t_method_params_reuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("protocol");
	tcase_add_loop_test(tc, t_protocol_negotiation, 0,
	    sizeof(proto_cases) / sizeof(proto_cases[0]));
	tcase_add_test(tc, t_protocol_huge_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("extract");
	tcase_add_test(tc, t_extract_fields);
	tcase_add_test(tc, t_auth_kind);
	tcase_add_test(tc, t_client_class);
	tcase_add_test(tc, t_scrub_wipes_secrets);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth-errors");
	tcase_add_loop_test(tc, t_auth_hints, 0,
	    sizeof(hint_cases) / sizeof(hint_cases[0]));
	tcase_add_test(tc, t_auth_hint_cli_ui_mix);
	tcase_add_loop_test(tc, t_auth_json, 0,
	    sizeof(auth_json_cases) / sizeof(auth_json_cases[0]));
	tcase_add_test(tc, t_rate_limited);
	tcase_add_test(tc, t_unavailable);
	tcase_add_test(tc, t_also_failed);
	tcase_add_test(tc, t_expected_fingerprint);
	tcase_add_test(tc, t_both_fingerprints_local_only);
	tcase_add_test(tc, t_reason_tokens);
	suite_add_tcase(s, tc);

	tc = tcase_create("pairing");
	tcase_add_test(tc, t_pairing_not_paired);
	tcase_add_test(tc, t_pairing_control_ui);
	tcase_add_test(tc, t_pairing_reasons_and_truncation);
	tcase_add_test(tc, t_pairing_bad_request_id);
	tcase_add_test(tc, t_pairing_from_connect);
	suite_add_tcase(s, tc);

	tc = tcase_create("other");
	tcase_add_test(tc, t_origin_and_build);
	tcase_add_test(tc, t_post_connect);
	tcase_add_test(tc, t_close_reason_trunc);
	tcase_add_test(tc, t_bad_params_close_reason_cut);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { connect_suite, NULL };
