/*
 * errors.c: the error objects and close frames of protocol.md §4, exact
 * to the byte (key order included) with the live transcripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* ------------------------------------------------------------------ */
/* Close reasons.                                                      */
/* ------------------------------------------------------------------ */

/* Length of the UTF-8 sequence starting with byte c (1 if invalid). */
static size_t
seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* The longest prefix of s[0..len) made of whole sequences, within max. */
static size_t
utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t	 i = 0, n;

	while (i < len) {
		n = seq_len((unsigned char)s[i]);
		if (i + n > max || i + n > len)
			break;
		i += n;
	}
	return i;
}

size_t
close_reason_trunc(const char *msg, char *out, size_t outlen)
{
	size_t	 max, n;

	if (outlen == 0)
		return 0;
	if (msg == NULL || *msg == '\0')
		msg = "invalid handshake";
	max = CG_CLOSE_REASON_MAX < outlen - 1 ? CG_CLOSE_REASON_MAX :
	    outlen - 1;
	n = utf8_prefix(msg, strlen(msg), max);
	memcpy(out, msg, n);
	out[n] = '\0';
	return n;
}

static void
set_close(struct err_close *cl, int code, const char *msg)
{
	if (cl == NULL)
		return;
	cl->code = code;
	if (msg == NULL)
		cl->reason[0] = '\0';
	else
		(void)close_reason_trunc(msg, cl->reason, sizeof(cl->reason));
}

/* ------------------------------------------------------------------ */
/* Building blocks.                                                    */
/* ------------------------------------------------------------------ */

/* jansson set helpers: a NULL value makes json_object_set_new fail. */
static int
put(json_t *o, const char *k, json_t *v)
{
	return json_object_set_new(o, k, v) == 0;
}

int
err_add_docs(json_t *e)
{
	json_t		*d;
	const char	*code;
	char		 anchor[sizeof(ERR_DOCS_PREFIX) + 64];
	size_t		 n, i;

	if (!json_is_object(e))
		return -1;
	d = json_object_get(e, "details");
	code = json_string_value(json_object_get(d, "code"));
	if (code == NULL)
		code = json_string_value(json_object_get(e, "code"));
	if (code == NULL)
		return 0;
	n = strlen(ERR_DOCS_PREFIX);
	memcpy(anchor, ERR_DOCS_PREFIX, n);
	/* GitHub's heading ids: lowercased; letters, digits, - and _ kept. */
	for (i = 0; code[i] != '\0' && n < sizeof(anchor) - 1; i++) {
		unsigned char	c = (unsigned char)code[i];

		if (c >= 'A' && c <= 'Z')
			anchor[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-')
			anchor[n++] = (char)c;
	}
	anchor[n] = '\0';
	if (d == NULL) {
		if ((d = json_object()) == NULL ||
		    json_object_set_new(e, "details", d) != 0)
			return -1;
	} else if (!json_is_object(d))
		return 0;
	return json_object_set_new(d, "docs", json_string(anchor)) == 0 ?
	    0 : -1;
}

/*
 * The ErrorShape, keys in the reference's order: code, message,
 * retryable, retryAfterMs, details; then clawgate's details.docs
 * (err_add_docs(), creating details if there were none).
 * retryable < 0: omitted; retry_after < 0: omitted.  Steals `details'
 * (may be NULL).
 */
static json_t *
shape(const char *code, const char *message, int retryable,
    long long retry_after, json_t *details)
{
	json_t	*e;
	int	 ok;

	if ((e = json_object()) == NULL) {
		json_decref(details);
		return NULL;
	}
	ok = put(e, "code", json_string(code)) &&
	    put(e, "message", json_string(message));
	if (ok && retryable >= 0)
		ok = put(e, "retryable", json_boolean(retryable));
	if (ok && retry_after >= 0)
		ok = put(e, "retryAfterMs", json_integer(retry_after));
	if (details != NULL) {
		if (ok)
			ok = put(e, "details", details);
		else
			json_decref(details);
	}
	if (!ok || err_add_docs(e) != 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* shape() for errors whose details are mandatory: NULL details, NULL. */
static json_t *
shape_d(const char *code, const char *message, int retryable,
    long long retry_after, json_t *details)
{
	if (details == NULL)
		return NULL;
	return shape(code, message, retryable, retry_after, details);
}

/* A NUL-terminated copy of a fixed-size verdict field, if it is clean. */
static int
verdict_field(const char *f, size_t size, char *out, size_t outlen,
    const char *allowed_punct)
{
	size_t	 i, n = strnlen(f, size);

	if (n == 0 || n >= outlen)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || strchr(allowed_punct, c) != NULL))
			return 0;
	}
	memcpy(out, f, n);
	out[n] = '\0';
	return 1;
}

/*
 * §7.4: requestId is echoed only if it matches
 * ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$ (verdict_field() checked the rest).
 */
static int
request_id_ok(const char *id)
{
	return id[0] != '\0' && id[0] != '.' && id[0] != '_' &&
	    id[0] != ':' && id[0] != '-' && strlen(id) <= 128;
}

/* JS String.trim() whitespace in ASCII; scopes are ASCII in practice. */
static void
trim_ascii(const char **p, size_t *len)
{
	while (*len > 0 && (**p == ' ' || (**p >= '\t' && **p <= '\r'))) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && ((*p)[*len - 1] == ' ' ||
	    ((*p)[*len - 1] >= '\t' && (*p)[*len - 1] <= '\r')))
		(*len)--;
}

/* ------------------------------------------------------------------ */
/* Auth reasons.                                                       */
/* ------------------------------------------------------------------ */

enum rkind {
	RK_NONE = 0,
	RK_AUTH,	/* §4.2 shape */
	RK_DEVICE,	/* §4.3: details {code, reason} */
	RK_IDENTITY,	/* details {code} */
	RK_PAIRING,
	RK_UNAVAILABLE,
};

struct reason_info {
	enum rkind	 kind;
	const char	*code;		/* error.code */
	const char	*detail;	/* details.code */
	const char	*token;		/* authReason, or details.reason */
	const char	*next;		/* recommendedNextStep */
	const char	*fixed;		/* message without a hint */
};

static const struct reason_info reasons[AUTH_R_MAX] = {
	[AUTH_R_TOKEN_MISSING] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_TOKEN_MISSING", "token_missing",
	    "update_auth_configuration", NULL },
	[AUTH_R_TOKEN_MISMATCH] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_TOKEN_MISMATCH", "token_mismatch",
	    "update_auth_credentials", NULL },
	[AUTH_R_TOKEN_MISSING_CONFIG] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_TOKEN_NOT_CONFIGURED", "token_missing_config",
	    "update_auth_configuration",
	    "unauthorized: gateway token not configured on gateway "
	    "(set gateway.auth.token)" },
	[AUTH_R_PASSWORD_MISSING] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_PASSWORD_MISSING", "password_missing",
	    "update_auth_configuration", NULL },
	[AUTH_R_PASSWORD_MISMATCH] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_PASSWORD_MISMATCH", "password_mismatch",
	    "update_auth_credentials", NULL },
	[AUTH_R_PASSWORD_MISSING_CONFIG] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_PASSWORD_NOT_CONFIGURED", "password_missing_config",
	    "update_auth_configuration",
	    "unauthorized: gateway password not configured on gateway "
	    "(set gateway.auth.password)" },
	[AUTH_R_RATE_LIMITED] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_RATE_LIMITED", "rate_limited", "wait_then_retry",
	    "unauthorized: too many failed authentication attempts "
	    "(retry later)" },
	[AUTH_R_DEVICE_TOKEN_MISMATCH] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_DEVICE_TOKEN_MISMATCH", "device_token_mismatch",
	    "update_auth_credentials",
	    "unauthorized: device token mismatch (rotate/reissue device "
	    "token)" },
	[AUTH_R_SCOPE_MISMATCH] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_SCOPE_MISMATCH", "scope_mismatch",
	    "review_auth_configuration",
	    "unauthorized: device token scope mismatch (re-pair or approve "
	    "scope upgrade)" },
	[AUTH_R_DEVICE_IDENTITY_REQUIRED] = { RK_IDENTITY, "NOT_PAIRED",
	    "DEVICE_IDENTITY_REQUIRED", "device-required", NULL,
	    "device identity required" },
	[AUTH_R_UI_DEVICE_IDENTITY_REQUIRED] = { RK_IDENTITY,
	    "INVALID_REQUEST", "CONTROL_UI_DEVICE_IDENTITY_REQUIRED",
	    "control-ui-device-required", NULL,
	    "control ui requires device identity (use HTTPS or localhost "
	    "secure context)" },
	[AUTH_R_DEVICE_ID_MISMATCH] = { RK_DEVICE, "INVALID_REQUEST",
	    "DEVICE_AUTH_DEVICE_ID_MISMATCH", "device-id-mismatch", NULL,
	    "device identity mismatch" },
	[AUTH_R_DEVICE_SIG_EXPIRED] = { RK_DEVICE, "INVALID_REQUEST",
	    "DEVICE_AUTH_SIGNATURE_EXPIRED", "device-signature-stale", NULL,
	    "device signature expired" },
	[AUTH_R_DEVICE_NONCE_REQUIRED] = { RK_DEVICE, "INVALID_REQUEST",
	    "DEVICE_AUTH_NONCE_REQUIRED", "device-nonce-missing", NULL,
	    "device nonce required" },
	[AUTH_R_DEVICE_NONCE_MISMATCH] = { RK_DEVICE, "INVALID_REQUEST",
	    "DEVICE_AUTH_NONCE_MISMATCH", "device-nonce-mismatch", NULL,
	    "device nonce mismatch" },
	[AUTH_R_DEVICE_SIG_INVALID] = { RK_DEVICE, "INVALID_REQUEST",
	    "DEVICE_AUTH_SIGNATURE_INVALID", "device-signature", NULL,
	    "device signature invalid" },
	[AUTH_R_DEVICE_PUBKEY_INVALID] = { RK_DEVICE, "INVALID_REQUEST",
	    "DEVICE_AUTH_PUBLIC_KEY_INVALID", "device-public-key", NULL,
	    "device public key invalid" },
	[AUTH_R_PAIRING_REQUIRED] = { RK_PAIRING, "NOT_PAIRED",
	    "PAIRING_REQUIRED", "pairing-required", NULL, NULL },
	[AUTH_R_UNAVAILABLE] = { RK_UNAVAILABLE, "UNAVAILABLE", NULL,
	    "unavailable", NULL, "gateway starting; retry shortly" },
	[AUTH_R_BOOTSTRAP_TOKEN_INVALID] = { RK_AUTH, "INVALID_REQUEST",
	    "AUTH_BOOTSTRAP_TOKEN_INVALID", "bootstrap_token_invalid",
	    "review_auth_configuration",
	    "unauthorized: setup code invalid, expired, revoked, or already "
	    "used (create a new code; review `openclaw devices list`)" },
};

/* A reason the table does not know: the reference's fallback. */
static const struct reason_info unknown_reason = {
	RK_AUTH, "INVALID_REQUEST", "AUTH_UNAUTHORIZED", NULL,
	"review_auth_configuration", "unauthorized"
};

static const struct reason_info *
reason_info(uint32_t reason)
{
	if (reason >= AUTH_R_MAX || reasons[reason].kind == RK_NONE)
		return &unknown_reason;
	return &reasons[reason];
}

const char *
auth_reason_token(uint32_t reason)
{
	if (reason == AUTH_R_NONE)
		return "none";
	return reason_info(reason)->token != NULL ?
	    reason_info(reason)->token : "unauthorized";
}

const char *
auth_reason_code(uint32_t reason)
{
	const struct reason_info	*ri = reason_info(reason);

	return ri->detail != NULL ? ri->detail : ri->code;
}

/* §7.4 per pairing reason: details.reason, requirement, remediationHint. */
static const struct {
	const char	*reason;
	const char	*requirement;
	const char	*hint;
} pairing[] = {
	[PAIR_R_NONE] = { NULL, NULL,
	    "Approve the pending device request before retrying." },
	[PAIR_R_NOT_PAIRED] = { "not-paired", "device is not approved yet",
	    "Approve this device from the pending pairing requests." },
	[PAIR_R_ROLE_UPGRADE] = { "role-upgrade",
	    "device is asking for a higher role than currently approved",
	    "Review the requested role upgrade, then approve the pending "
	    "request." },
	[PAIR_R_SCOPE_UPGRADE] = { "scope-upgrade",
	    "device is asking for more scopes than currently approved",
	    "Review the requested scopes, then approve the pending upgrade." },
	[PAIR_R_METADATA_UPGRADE] = { "metadata-upgrade",
	    "device identity changed and must be re-approved",
	    "Review the refreshed device details, then approve the pending "
	    "request." },
};

static unsigned
pairing_index(uint32_t pr)
{
	return pr < sizeof(pairing) / sizeof(pairing[0]) ? pr : PAIR_R_NONE;
}

/* Callers without client facts get the "other, remote" wording. */
static const struct err_client no_client;

/* The hint of §4.2, by client class and locality. */
static const char *
token_hint(const struct err_client *c)
{
	if (c->client_class & CLIENT_CLASS_CLI)
		return c->local ?
		    "use this gateway's gateway.auth.token or pair the device" :
		    "set gateway.remote.token to match gateway.auth.token";
	if (c->client_class & CLIENT_CLASS_UI)
		return "open the dashboard URL and paste the token in Control "
		    "UI settings";
	return "provide gateway auth token";
}

static const char *
password_hint(const struct err_client *c)
{
	if (c->client_class & CLIENT_CLASS_CLI)
		return c->local ? "use this gateway's gateway.auth.password" :
		    "set gateway.remote.password to match "
		    "gateway.auth.password";
	if (c->client_class & CLIENT_CLASS_UI)
		return "enter the password in Control UI settings";
	return "provide gateway auth password";
}

size_t
err_auth_message(uint32_t reason, uint32_t pairing_reason,
    const struct err_client *c, char *buf, size_t len)
{
	const struct reason_info	*ri = reason_info(reason);
	const char			*hint;
	int				 r;

	if (c == NULL)
		c = &no_client;
	switch (reason) {
	case AUTH_R_TOKEN_MISSING:
		/* The UI wording wins here even for mode "cli" (§4.2). */
		hint = (c->client_class & CLIENT_CLASS_UI) ?
		    "paste in Control UI settings or openclaw doctor "
		    "--generate-gateway-token; restart" : token_hint(c);
		r = snprintf(buf, len, "unauthorized: gateway token missing (%s)",
		    hint);
		break;
	case AUTH_R_TOKEN_MISMATCH:
		r = snprintf(buf, len,
		    "unauthorized: gateway token mismatch (%s)", token_hint(c));
		break;
	case AUTH_R_PASSWORD_MISSING:
		r = snprintf(buf, len,
		    "unauthorized: gateway password missing (%s)",
		    password_hint(c));
		break;
	case AUTH_R_PASSWORD_MISMATCH:
		r = snprintf(buf, len,
		    "unauthorized: gateway password mismatch (%s)",
		    password_hint(c));
		break;
	case AUTH_R_PAIRING_REQUIRED:
		pairing_reason = pairing_index(pairing_reason);
		if (pairing[pairing_reason].requirement != NULL)
			r = snprintf(buf, len, "pairing required: %s",
			    pairing[pairing_reason].requirement);
		else
			r = snprintf(buf, len, "pairing required");
		break;
	default:
		r = snprintf(buf, len, "%s", ri->fixed);
		break;
	}
	if (r < 0) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return (size_t)r;	/* all texts are ASCII: no split sequence */
}

/* Longest message: a hint plus its frame, comfortably below this. */
#define MSG_MAX	256

static json_t *
also_failed(const struct auth_verdict *v, const struct err_client *c)
{
	char	 msg[MSG_MAX];
	json_t	*o;

	if (v->hidden_reason == AUTH_R_NONE || v->hidden_reason == v->reason ||
	    v->hidden_reason >= AUTH_R_MAX ||
	    v->hidden_reason == AUTH_R_UNAVAILABLE)
		return NULL;
	(void)err_auth_message(v->hidden_reason, PAIR_R_NONE, c, msg,
	    sizeof(msg));
	if ((o = json_object()) == NULL)
		return NULL;
	if (!put(o, "code", json_string(auth_reason_code(v->hidden_reason))) ||
	    !put(o, "message", json_string(msg))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* §4.2 details, then clawgate's extras. */
static json_t *
auth_details(const struct auth_verdict *v, const struct reason_info *ri,
    const struct err_client *c)
{
	json_t	*d;
	char	 fp[sizeof(v->fingerprint) + 1];
	char	 pfp[sizeof(v->provided_fingerprint) + 1];
	int	 retry_dt, ok, fps;

	retry_dt = v->reason == AUTH_R_TOKEN_MISMATCH &&
	    (v->flags & VERDICT_F_RETRY_DEVICE_TOKEN);
	if ((d = json_object()) == NULL)
		return NULL;
	ok = put(d, "code", json_string(ri->detail));
	if (ok && ri->token != NULL)
		ok = put(d, "authReason", json_string(ri->token));
	if (ok)
		ok = put(d, "canRetryWithDeviceToken", json_boolean(retry_dt));
	if (ok)
		ok = put(d, "recommendedNextStep", json_string(retry_dt ?
		    "retry_with_device_token" : ri->next));
	/* Local peers only: the operator on this host compares them. */
	fps = c != NULL && c->local && (v->reason == AUTH_R_TOKEN_MISMATCH ||
	    v->reason == AUTH_R_PASSWORD_MISMATCH);
	if (ok && fps && verdict_field(v->fingerprint, sizeof(v->fingerprint),
	    fp, sizeof(fp), "_-"))
		ok = put(d, "expectedFingerprint", json_string(fp));
	if (ok && fps && verdict_field(v->provided_fingerprint,
	    sizeof(v->provided_fingerprint), pfp, sizeof(pfp), "_-"))
		ok = put(d, "providedFingerprint", json_string(pfp));
	if (!ok) {
		json_decref(d);
		return NULL;
	}
	return d;
}

static json_t *
requested_scopes(const struct err_client *c)
{
	json_t		*a;
	const char	*p;
	size_t		 len;
	unsigned	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < c->nscopes; i++) {
		p = c->scopes[i].p;
		len = c->scopes[i].len;
		if (p == NULL)
			continue;
		trim_ascii(&p, &len);
		if (len > 0 && json_array_append_new(a, json_stringn(p, len)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* §7.4, key order as createPairingConnectErrorDetails(). */
static json_t *
pairing_details(const struct auth_verdict *v, const struct err_client *c,
    const char *request_id)
{
	json_t		*d, *scopes;
	char		 dev[sizeof(v->device_id) + 1];
	char		 role[sizeof(v->role) + 1];
	unsigned	 pr = pairing_index(v->pairing_reason);
	int		 ok;

	if ((d = json_object()) == NULL)
		return NULL;
	ok = put(d, "code", json_string("PAIRING_REQUIRED"));
	if (ok && pairing[pr].reason != NULL)
		ok = put(d, "reason", json_string(pairing[pr].reason));
	if (ok && request_id != NULL)
		ok = put(d, "requestId", json_string(request_id));
	if (ok)
		ok = put(d, "remediationHint", json_string(pairing[pr].hint));
	if (ok && c->control_ui && request_id != NULL)
		ok = put(d, "recommendedNextStep",
		    json_string("wait_then_retry")) &&
		    put(d, "retryable", json_true()) &&
		    put(d, "pauseReconnect", json_false());
	if (ok && verdict_field(v->device_id, sizeof(v->device_id), dev,
	    sizeof(dev), ""))
		ok = put(d, "deviceId", json_string(dev));
	if (ok) {
		if (verdict_field(v->role, sizeof(v->role), role, sizeof(role),
		    "_-."))
			ok = put(d, "requestedRole", json_string(role));
		else if (c->role.p != NULL && c->role.len > 0)
			ok = put(d, "requestedRole", json_stringn(c->role.p,
			    c->role.len));
	}
	if (ok) {
		scopes = requested_scopes(c);
		if (scopes == NULL)
			ok = 0;
		else if (json_array_size(scopes) > 0)
			ok = put(d, "requestedScopes", scopes);
		else
			json_decref(scopes);
	}
	if (!ok) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* Steals `extra' into d as "alsoFailed"; returns 0 on failure. */
static int
add_also_failed(json_t *d, json_t *extra)
{
	if (extra == NULL)
		return 1;
	if (d == NULL) {
		json_decref(extra);
		return 0;
	}
	return put(d, "alsoFailed", extra);
}

json_t *
err_auth(const struct auth_verdict *v, const struct err_client *c,
    struct err_close *cl)
{
	const struct reason_info	*ri;
	char				 msg[MSG_MAX], close_msg[MSG_MAX + 64];
	char				 rid[sizeof(v->request_id) + 1];
	const char			*request_id = NULL;
	json_t				*d = NULL;

	if (c == NULL)
		c = &no_client;
	if (v->result == VERDICT_OK) {
		set_close(cl, 0, NULL);
		return NULL;
	}
	if (v->result != VERDICT_DENY || v->reason == AUTH_R_UNAVAILABLE)
		return err_unavailable(NULL, ERR_UNAVAILABLE_RETRY_MS, cl);

	ri = reason_info(v->reason);
	(void)err_auth_message(v->reason, v->pairing_reason, c, msg,
	    sizeof(msg));
	switch (ri->kind) {
	case RK_DEVICE:
		d = json_pack("{s:s, s:s}", "code", ri->detail, "reason",
		    ri->token);
		break;
	case RK_IDENTITY:
		d = json_pack("{s:s}", "code", ri->detail);
		break;
	case RK_PAIRING:
		if (verdict_field(v->request_id, sizeof(v->request_id), rid,
		    sizeof(rid), "._:-") && request_id_ok(rid))
			request_id = rid;
		d = pairing_details(v, c, request_id);
		break;
	default:
		d = auth_details(v, ri, c);
		break;
	}
	if (!add_also_failed(d, also_failed(v, c))) {
		json_decref(d);
		d = NULL;
	}

	if (request_id != NULL) {
		snprintf(close_msg, sizeof(close_msg), "%s (requestId: %s)", msg,
		    request_id);
		set_close(cl, CLOSE_POLICY, close_msg);
	} else
		set_close(cl, CLOSE_POLICY, msg);
	if (v->reason == AUTH_R_RATE_LIMITED)
		return shape_d(ri->code, msg, 1, v->retry_after_ms, d);
	return shape_d(ri->code, msg, -1, -1, d);
}

void
err_client_init(struct err_client *c, const struct connect_params *cp,
    int local)
{
	memset(c, 0, sizeof(*c));
	c->client_class = cp->client_class;
	c->local = local != 0;
	c->control_ui = auth_str_eq(&cp->client_id, "openclaw-control-ui");
	c->role = cp->role;
	c->scopes = cp->scopes;
	c->nscopes = cp->nscopes;
}

/* ------------------------------------------------------------------ */
/* Other connect-time failures.                                        */
/* ------------------------------------------------------------------ */

json_t *
err_protocol_mismatch(int64_t client_min, int64_t client_max,
    struct err_close *cl)
{
	set_close(cl, CLOSE_PROTOCOL_ERROR, "protocol mismatch");
	return shape_d("INVALID_REQUEST", "protocol mismatch", -1, -1,
	    json_pack("{s:s, s:I, s:I, s:i, s:i}", "code", "PROTOCOL_MISMATCH",
	    "clientMinProtocol", (json_int_t)client_min,
	    "clientMaxProtocol", (json_int_t)client_max,
	    "expectedProtocol", CG_PROTOCOL,
	    "minimumProbeProtocol", CG_MIN_PROBE_PROTOCOL));
}

json_t *
err_invalid_role(struct err_close *cl)
{
	set_close(cl, CLOSE_POLICY, "invalid role");
	return shape("INVALID_REQUEST", "invalid role", -1, -1, NULL);
}

json_t *
err_origin(int missing, struct err_close *cl)
{
	static const char msg[] = "origin not allowed (open the Control UI "
	    "from the gateway host or allow it in "
	    "gateway.controlUi.allowedOrigins)";

	set_close(cl, CLOSE_POLICY, msg);
	return shape_d("INVALID_REQUEST", msg, -1, -1,
	    json_pack("{s:s, s:s}", "code", "CONTROL_UI_ORIGIN_NOT_ALLOWED",
	    "reason", missing ? "origin missing or invalid" :
	    "origin not allowed"));
}

json_t *
err_unavailable(const char *detail_reason, uint32_t retry_after_ms,
    struct err_close *cl)
{
	set_close(cl, CLOSE_TRY_AGAIN, "gateway starting");
	return shape_d("UNAVAILABLE", "gateway starting; retry shortly", 1,
	    retry_after_ms, json_pack("{s:s}", "reason",
	    detail_reason != NULL ? detail_reason : ERR_UNAVAILABLE_STARTUP));
}

json_t *
err_ui_build_mismatch(const char *gateway_build_id, struct err_close *cl)
{
	static const char msg[] = "protocol mismatch: Control UI updated; "
	    "reload this page to continue";

	set_close(cl, CLOSE_POLICY, msg);
	return shape_d("UNAVAILABLE", msg, 0, -1,
	    json_pack("{s:s, s:s, s:b}", "code", "PROTOCOL_MISMATCH",
	    "gatewayBuildId", gateway_build_id != NULL ? gateway_build_id : "",
	    "reloadRequired", 1));
}

json_t *
err_first_frame(enum first_frame ff, const struct connect_params *cp,
    const char *msg, struct err_close *cl)
{
	switch (ff) {
	case FF_NOT_JSON:
		set_close(cl, CLOSE_NORMAL, NULL);
		return NULL;
	case FF_INVALID_FRAME:
		set_close(cl, CLOSE_POLICY, "invalid request frame");
		return NULL;
	case FF_NOT_CONNECT:
		set_close(cl, CLOSE_POLICY,
		    "invalid handshake: first request must be connect");
		return err_shape("INVALID_REQUEST",
		    "invalid handshake: first request must be connect");
	case FF_BAD_PARAMS:
		if (msg == NULL || *msg == '\0')
			msg = "invalid connect params: unknown validation error";
		set_close(cl, CLOSE_POLICY, msg);
		return err_shape("INVALID_REQUEST", msg);
	case FF_PROTOCOL_MISMATCH:
		return err_protocol_mismatch(cp->min_protocol, cp->max_protocol,
		    cl);
	case FF_INVALID_ROLE:
		return err_invalid_role(cl);
	case FF_OK:
		break;
	}
	set_close(cl, 0, NULL);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Post-connect.                                                       */
/* ------------------------------------------------------------------ */

json_t *
err_shape(const char *code, const char *message)
{
	return shape(code, message, -1, -1, NULL);
}

/* "<a><b><c><d>" in a fresh buffer (free() it), any length. */
static char *
concat4(const char *a, const char *b, const char *c, const char *d)
{
	char	*msg;
	size_t	 n;

	n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
	if ((msg = malloc(n)) != NULL)
		snprintf(msg, n, "%s%s%s%s", a, b, c, d);
	return msg;
}

json_t *
err_missing_scope(const char *missing, const char *const *required,
    size_t nrequired)
{
	json_t	*req, *d, *e;
	char	*msg;
	size_t	 i;

	if ((req = json_array()) == NULL)
		return NULL;
	for (i = 0; i < nrequired; i++)
		if (json_array_append_new(req, json_string(required[i])) != 0) {
			json_decref(req);
			return NULL;
		}
	if ((d = json_object()) == NULL ||
	    !put(d, "code", json_string("MISSING_SCOPE")) ||
	    !put(d, "missingScope", json_string(missing)) ||
	    !put(d, "requiredScopes", req)) {
		json_decref(d);
		return NULL;
	}
	if ((msg = concat4("missing scope: ", missing, "", "")) == NULL) {
		json_decref(d);
		return NULL;
	}
	e = shape("FORBIDDEN", msg, -1, -1, d);
	free(msg);
	return e;
}

/* "<prefix><a><mid><b>" as an INVALID_REQUEST, any length. */
static json_t *
invalid_request(const char *prefix, const char *a, const char *mid,
    const char *b)
{
	json_t	*e;
	char	*msg;

	if ((msg = concat4(prefix, a, mid, b)) == NULL)
		return NULL;
	e = err_shape("INVALID_REQUEST", msg);
	free(msg);
	return e;
}

json_t *
err_unknown_method(const char *method)
{
	return invalid_request("unknown method: ", method, "", "");
}

json_t *
err_unauthorized_role(const char *role)
{
	return invalid_request("unauthorized role: ", role, "", "");
}

json_t *
err_invalid_params(const char *method, const char *text)
{
	return invalid_request("invalid ", method, " params: ", text);
}

json_t *
err_invalid_frame(const char *text)
{
	return invalid_request("invalid request frame: ", text, "", "");
}

json_t *
res_error(const char *id, size_t idlen, json_t *error)
{
	json_t	*r;

	if (error == NULL)
		return NULL;
	if (id == NULL) {
		id = "invalid";
		idlen = strlen(id);
	}
	if ((r = json_object()) == NULL ||
	    !put(r, "type", json_string("res")) ||
	    !put(r, "id", json_stringn(id, idlen)) ||
	    !put(r, "ok", json_false())) {
		json_decref(r);
		json_decref(error);
		return NULL;
	}
	if (!put(r, "error", error)) {
		json_decref(r);
		return NULL;
	}
	return r;
}
