/*
 * store.c: the pairing table on disk (see store.h for the format and
 * the crash-safety argument).
 *
 * Loading is strict: every field is checked for type, size and meaning,
 * unknown fields are errors, device ids must match their keys.  A file
 * that fails is reported with its path and the first problem, and authd
 * exits: silently starting empty would unpair every device.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ob.h"
#include "scopes.h"
#include "store.h"

#define STR_MAX		1024		/* any string field, bytes */
#define PATH_CTX	96

struct store {
	int	dirfd;
	char	path[4096 + sizeof(STORE_FILE) + 1];
};

/* ---- shared helpers --------------------------------------------------- */

static int
scope_name_cmp(const void *a, const void *b)
{
	return strcmp(scope_name(*(const enum cg_scope *)a),
	    scope_name(*(const enum cg_scope *)b));
}

json_t *
json_scopes(uint64_t bits)
{
	enum cg_scope	 order[SCOPE_COUNT];
	json_t		*a;
	size_t		 n = 0, i;
	int		 s;

	for (s = 0; s < SCOPE_COUNT; s++)
		if (bits & SCOPE_BIT(s))
			order[n++] = (enum cg_scope)s;
	qsort(order, n, sizeof(order[0]), scope_name_cmp);
	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a,
		    json_string(scope_name(order[i]))) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *
json_roles(uint32_t bits)
{
	json_t		*a;
	uint32_t	 r;

	if ((a = json_array()) == NULL)
		return NULL;
	for (r = 0; r < PAIR_NROLES; r++)
		if ((bits & PAIR_ROLE_BIT(r)) &&
		    json_array_append_new(a,
		    json_string(pair_role_name(r))) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

void
pubkey_b64url(const uint8_t pk[32], char out[44])
{
	sodium_bin2base64(out, 44, pk, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- encoding --------------------------------------------------------- */


static json_t *
enc_token(uint32_t role, const struct pair_token *t)
{
	struct ob	b = { json_object(), 0 };
	char		salt[sodium_base64_ENCODED_LEN(16,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		gen[17];

	sodium_bin2base64(salt, sizeof(salt), t->salt, sizeof(t->salt),
	    sodium_base64_VARIANT_ORIGINAL);
	ob_str(&b, "salt", salt);
	ob_set(&b, "scopes", json_scopes(role == PAIR_ROLE_OPERATOR ?
	    t->scopes : 0));
	if (t->issuer_gen != 0) {
		snprintf(gen, sizeof(gen), "%016llx",
		    (unsigned long long)t->issuer_gen);
		ob_str(&b, "issuer", gen);
	}
	ob_ms(&b, "createdAtMs", t->created_at_ms, 1);
	ob_ms(&b, "rotatedAtMs", t->rotated_at_ms, 0);
	ob_ms(&b, "revokedAtMs", t->revoked_at_ms, 0);
	ob_ms(&b, "lastUsedAtMs", t->last_used_at_ms, 0);
	return ob_done(&b);
}

static json_t *
enc_device(const struct pair_device *d)
{
	struct ob	 b = { json_object(), 0 };
	struct ob	 tk = { json_object(), 0 };
	char		 pk[44], gen[17];
	uint32_t	 r;

	pubkey_b64url(d->public_key, pk);
	ob_str(&b, "deviceId", d->device_id);
	ob_str(&b, "publicKey", pk);
	ob_str(&b, "displayName", d->display_name);
	ob_str(&b, "operatorLabel", d->operator_label);
	ob_str(&b, "platform", d->platform);
	ob_str(&b, "deviceFamily", d->device_family);
	ob_str(&b, "clientId", d->client_id);
	ob_str(&b, "clientMode", d->client_mode);
	ob_str(&b, "browserOrigin", d->browser_origin);
	ob_str(&b, "remoteIp", d->remote_ip);
	ob_str(&b, "role", pair_role_name(d->role));
	ob_set(&b, "roles", json_roles(d->roles));
	ob_set(&b, "approvedScopes", json_scopes(d->approved_scopes));
	ob_str(&b, "approvedVia", pair_via_name(d->approved_via));
	if (d->silent_gen != 0) {
		snprintf(gen, sizeof(gen), "%016llx",
		    (unsigned long long)d->silent_gen);
		ob_str(&b, "silentSecret", gen);
	}
	ob_ms(&b, "createdAtMs", d->created_at_ms, 1);
	ob_ms(&b, "approvedAtMs", d->approved_at_ms, 1);
	ob_ms(&b, "lastSeenAtMs", d->last_seen_at_ms, 0);
	ob_str(&b, "lastSeenReason", pair_seen_name(d->last_seen_reason));
	for (r = 0; r < PAIR_NROLES; r++)
		if (d->tokens[r].present)
			ob_set(&tk, pair_role_name(r),
			    enc_token(r, &d->tokens[r]));
	ob_set(&b, "tokens", ob_done(&tk));
	return ob_done(&b);
}

/*
 * A pending request as JSON.  The stored form keeps the roles as
 * recorded and refreshedAtMs; the public form (§7.3, device.pair.list
 * and events) lists the requested role among the roles and keeps
 * refreshedAtMs inside.
 */
json_t *
pending_json(const struct pair_pending *e, int stored)
{
	struct ob	b = { json_object(), 0 };
	char		pk[44];

	pubkey_b64url(e->public_key, pk);
	ob_str(&b, "requestId", e->request_id);
	ob_str(&b, "deviceId", e->device_id);
	ob_str(&b, "publicKey", pk);
	ob_str(&b, "displayName", e->display_name);
	ob_str(&b, "platform", e->platform);
	ob_str(&b, "deviceFamily", e->device_family);
	ob_str(&b, "clientId", e->client_id);
	ob_str(&b, "clientMode", e->client_mode);
	ob_str(&b, "browserOrigin", e->browser_origin);
	ob_str(&b, "role", pair_role_name(e->role));
	ob_set(&b, "roles", json_roles(stored ? e->roles :
	    e->roles | PAIR_ROLE_BIT(e->role)));
	ob_set(&b, "scopes", json_scopes(e->scopes));
	ob_str(&b, "remoteIp", e->remote_ip);
	ob_set(&b, "silent", json_boolean(e->silent));
	ob_set(&b, "isRepair", json_boolean(e->is_repair));
	ob_ms(&b, "ts", e->ts, 1);
	if (stored)
		ob_ms(&b, "refreshedAtMs", e->refreshed_at_ms, 0);
	return ob_done(&b);
}

struct devlist {
	const struct pair_device	**v;
	size_t				  n;
};

static int
collect_device(const struct pair_device *d, void *arg)
{
	struct devlist	*l = arg;

	l->v[l->n++] = d;
	return 0;
}

static int
device_id_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct pair_device *const *)a)->device_id,
	    (*(const struct pair_device *const *)b)->device_id);
}

/* Records by device id: the same table always gives the same text. */
static json_t *
enc_devices(const struct pairing *p)
{
	struct devlist	 l;
	json_t		*a, *o;
	size_t		 i;

	if ((a = json_array()) == NULL)
		return NULL;
	l.n = 0;
	if ((l.v = calloc(pairing_count(p) + 1, sizeof(*l.v))) == NULL) {
		json_decref(a);
		return NULL;
	}
	pairing_foreach(p, collect_device, &l);
	qsort(l.v, l.n, sizeof(*l.v), device_id_cmp);
	for (i = 0; i < l.n; i++)
		if ((o = enc_device(l.v[i])) == NULL ||
		    json_array_append_new(a, o) == -1) {
			json_decref(a);
			a = NULL;
			break;
		}
	free(l.v);
	return a;
}

static int
enc_pending_cb(const struct pair_pending *e, void *arg)
{
	json_t	*a = arg, *o;

	if ((o = pending_json(e, 1)) == NULL || json_array_append_new(a, o) == -1)
		return 1;
	return 0;
}

json_t *
store_encode(struct authd *a)
{
	struct pairing	*p = authd_pairing(a);
	struct ob	 b = { json_object(), 0 };
	json_t		*devs = enc_devices(p), *pend = json_array();
	char		 key[sodium_base64_ENCODED_LEN(32,
			    sodium_base64_VARIANT_ORIGINAL)];

	/* now = 0: list without pruning; expiry is for the reader. */
	if (pend != NULL)
		pairing_foreach_pending(p, 0, enc_pending_cb, pend);
	if (devs == NULL || pend == NULL ||
	    json_array_size(devs) != pairing_count(p)) {
		json_decref(devs);
		json_decref(pend);
		json_decref(b.o);
		return NULL;
	}
	sodium_bin2base64(key, sizeof(key), authd_keys(a)->token_key, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	ob_set(&b, "version", json_integer(STORE_VERSION));
	ob_str(&b, "tokenKey", key);
	sodium_memzero(key, sizeof(key));
	ob_set(&b, "devices", devs);
	ob_set(&b, "pending", pend);
	return ob_done(&b);
}

/* ---- decoding --------------------------------------------------------- */

struct rd {
	char	*err;
	size_t	 errlen;
	char	 ctx[PATH_CTX];		/* "devices[3]" */
	int	 bad;
};

static int __attribute__((format(printf, 3, 4)))
rd_fail(struct rd *r, const char *field, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	if (r->bad++)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->ctx[0] == '\0' && field[0] == '\0')
		snprintf(r->err, r->errlen, "%s", msg);
	else
		snprintf(r->err, r->errlen, "%s%s%s: %s", r->ctx,
		    r->ctx[0] != '\0' && field[0] != '\0' ? "." : "", field,
		    msg);
	return -1;
}

/* Every key of `o' must be listed in `keys' (NULL-terminated). */
static int
rd_keys(struct rd *r, json_t *o, const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL)
			return rd_fail(r, "", "unexpected field \"%.64s\"", k);
	}
	return 0;
}

/* A string field: *out NULL when absent and optional. */
static int
rd_str(struct rd *r, json_t *o, const char *k, int req, const char **out)
{
	json_t	*v = json_object_get(o, k);

	*out = NULL;
	if (v == NULL)
		return req ? rd_fail(r, k, "missing") : 0;
	if (!json_is_string(v))
		return rd_fail(r, k, "not a string");
	if (json_string_length(v) > STR_MAX)
		return rd_fail(r, k, "longer than %d bytes", STR_MAX);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return rd_fail(r, k, "contains NUL");
	*out = json_string_value(v);
	return 0;
}

static int
rd_ms(struct rd *r, json_t *o, const char *k, int req, uint64_t *out)
{
	json_t	*v = json_object_get(o, k);

	*out = 0;
	if (v == NULL)
		return req ? rd_fail(r, k, "missing") : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return rd_fail(r, k, "not a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
rd_bool(struct rd *r, json_t *o, const char *k, int *out)
{
	json_t	*v = json_object_get(o, k);

	if (v == NULL)
		return rd_fail(r, k, "missing");
	if (!json_is_boolean(v))
		return rd_fail(r, k, "not a boolean");
	*out = json_is_true(v);
	return 0;
}

static int
rd_scopes(struct rd *r, json_t *o, const char *k, uint64_t *out)
{
	json_t	*v = json_object_get(o, k), *s;
	size_t	 i;
	int	 sc;

	*out = 0;
	if (v == NULL)
		return rd_fail(r, k, "missing");
	if (!json_is_array(v))
		return rd_fail(r, k, "not an array");
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || (sc = scope_from_name(
		    json_string_value(s), json_string_length(s))) < 0)
			return rd_fail(r, k, "element %zu is not a known scope",
			    i);
		*out |= SCOPE_BIT(sc);
	}
	return 0;
}

static int
rd_role(struct rd *r, json_t *o, const char *k, uint32_t *out)
{
	const char	*s;
	int		 role;

	if (rd_str(r, o, k, 1, &s) == -1)
		return -1;
	if ((role = pair_role_from(s, strlen(s))) < 0)
		return rd_fail(r, k, "unknown role");
	*out = (uint32_t)role;
	return 0;
}

static int
rd_roles(struct rd *r, json_t *o, const char *k, uint32_t *out)
{
	json_t	*v = json_object_get(o, k), *s;
	size_t	 i;
	int	 role;

	*out = 0;
	if (v == NULL)
		return rd_fail(r, k, "missing");
	if (!json_is_array(v))
		return rd_fail(r, k, "not an array");
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || (role = pair_role_from(
		    json_string_value(s), json_string_length(s))) < 0)
			return rd_fail(r, k, "element %zu is not a known role",
			    i);
		*out |= PAIR_ROLE_BIT(role);
	}
	return 0;
}

/* Exactly `n' bytes of standard base64 (padded). */
static int
rd_b64(struct rd *r, json_t *o, const char *k, uint8_t *out, size_t n)
{
	const char	*s, *end;
	size_t		 got;

	if (rd_str(r, o, k, 1, &s) == -1)
		return -1;
	if (sodium_base642bin(out, n, s, strlen(s), NULL, &got, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *end != '\0' || got != n)
		return rd_fail(r, k, "not base64 of %zu bytes", n);
	return 0;
}

/* deviceId and publicKey, which must belong together. */
static int
rd_identity(struct rd *r, json_t *o, char id[DEVICE_ID_LEN + 1],
    uint8_t pk[32])
{
	const char	*sid, *spk, *end;
	char		 want[DEVICE_ID_LEN + 1];
	size_t		 got;

	if (rd_str(r, o, "deviceId", 1, &sid) == -1 ||
	    rd_str(r, o, "publicKey", 1, &spk) == -1)
		return -1;
	if (sodium_base642bin(pk, 32, spk, strlen(spk), NULL, &got, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || *end != '\0' ||
	    got != 32)
		return rd_fail(r, "publicKey", "not base64url of 32 bytes");
	device_id_from_key(pk, want);
	if (strcmp(sid, want) != 0)
		return rd_fail(r, "deviceId", "does not match publicKey");
	memcpy(id, want, sizeof(want));
	return 0;
}

static int
rd_via(struct rd *r, json_t *o, uint32_t *out)
{
	const char	*s;

	*out = PAIR_VIA_NONE;
	if (rd_str(r, o, "approvedVia", 0, &s) == -1 || s == NULL)
		return r->bad ? -1 : 0;
	if (strcmp(s, "owner") == 0)
		*out = PAIR_VIA_OWNER;
	else if (strcmp(s, "silent") == 0)
		*out = PAIR_VIA_SILENT;
	else
		return rd_fail(r, "approvedVia", "unknown value");
	return 0;
}

static int
rd_seen(struct rd *r, json_t *o, uint32_t *out)
{
	const char	*s;

	*out = PAIR_SEEN_NONE;
	if (rd_str(r, o, "lastSeenReason", 0, &s) == -1 || s == NULL)
		return r->bad ? -1 : 0;
	if (strcmp(s, "connect") == 0)
		*out = PAIR_SEEN_CONNECT;
	else if (strcmp(s, "device-token-auth") == 0)
		*out = PAIR_SEEN_DEVICE_TOKEN;
	else
		return rd_fail(r, "lastSeenReason", "unknown value");
	return 0;
}

/* An optional generation: 16 lowercase hex digits, not all zero. */
static int
rd_gen(struct rd *r, json_t *o, const char *k, uint64_t *out)
{
	const char	*gen;
	char		*end;

	*out = 0;
	if (rd_str(r, o, k, 0, &gen) == -1)
		return -1;
	if (gen == NULL)
		return 0;
	errno = 0;
	if (strlen(gen) != 16 || strspn(gen, "0123456789abcdef") != 16 ||
	    (*out = strtoull(gen, &end, 16)) == 0 || *end != '\0' ||
	    errno != 0)
		return rd_fail(r, k, "not 16 hex digits");
	return 0;
}

static int
rd_token(struct rd *r, json_t *o, uint32_t role, struct pair_token *t)
{
	static const char *const keys[] = { "salt", "scopes", "issuer",
	    "createdAtMs", "rotatedAtMs", "revokedAtMs", "lastUsedAtMs", NULL };
	size_t		 off = strlen(r->ctx);

	snprintf(r->ctx + off, sizeof(r->ctx) - off, ".tokens.%s",
	    pair_role_name(role));
	memset(t, 0, sizeof(*t));
	if (!json_is_object(o))
		return rd_fail(r, "", "not an object");
	if (rd_keys(r, o, keys) == -1 ||
	    rd_b64(r, o, "salt", t->salt, sizeof(t->salt)) == -1 ||
	    rd_scopes(r, o, "scopes", &t->scopes) == -1 ||
	    rd_gen(r, o, "issuer", &t->issuer_gen) == -1 ||
	    rd_ms(r, o, "createdAtMs", 1, &t->created_at_ms) == -1 ||
	    rd_ms(r, o, "rotatedAtMs", 0, &t->rotated_at_ms) == -1 ||
	    rd_ms(r, o, "revokedAtMs", 0, &t->revoked_at_ms) == -1 ||
	    rd_ms(r, o, "lastUsedAtMs", 0, &t->last_used_at_ms) == -1)
		return -1;
	if (role != PAIR_ROLE_OPERATOR && t->scopes != 0)
		return rd_fail(r, "scopes", "must be empty for this role");
	t->present = 1;
	r->ctx[off] = '\0';
	return 0;
}

static int
rd_tokens(struct rd *r, json_t *o, struct pair_device *d)
{
	json_t		*v = json_object_get(o, "tokens"), *t;
	const char	*k;
	int		 role;

	if (v == NULL)
		return rd_fail(r, "tokens", "missing");
	if (!json_is_object(v))
		return rd_fail(r, "tokens", "not an object");
	json_object_foreach(v, k, t) {
		if ((role = pair_role_from(k, strlen(k))) < 0)
			return rd_fail(r, "tokens", "unknown role \"%.16s\"",
			    k);
		if (rd_token(r, t, (uint32_t)role, &d->tokens[role]) == -1)
			return -1;
	}
	return 0;
}

/* Strings borrowed from the document: valid while `doc' lives. */
static int
rd_device(struct rd *r, json_t *o, struct pair_device *d)
{
	static const char *const keys[] = { "deviceId", "publicKey",
	    "displayName", "operatorLabel", "platform", "deviceFamily",
	    "clientId", "clientMode", "browserOrigin", "remoteIp", "role",
	    "roles", "approvedScopes", "approvedVia", "silentSecret",
	    "createdAtMs", "approvedAtMs", "lastSeenAtMs", "lastSeenReason",
	    "tokens", NULL };

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return rd_fail(r, "", "not an object");
	if (rd_keys(r, o, keys) == -1 ||
	    rd_identity(r, o, d->device_id, d->public_key) == -1 ||
	    rd_str(r, o, "displayName", 0,
	    (const char **)&d->display_name) == -1 ||
	    rd_str(r, o, "operatorLabel", 0,
	    (const char **)&d->operator_label) == -1 ||
	    rd_str(r, o, "platform", 0, (const char **)&d->platform) == -1 ||
	    rd_str(r, o, "deviceFamily", 0,
	    (const char **)&d->device_family) == -1 ||
	    rd_str(r, o, "clientId", 0, (const char **)&d->client_id) == -1 ||
	    rd_str(r, o, "clientMode", 0,
	    (const char **)&d->client_mode) == -1 ||
	    rd_str(r, o, "remoteIp", 0, (const char **)&d->remote_ip) == -1 ||
	    rd_str(r, o, "browserOrigin", 0,
	    (const char **)&d->browser_origin) == -1 ||
	    rd_role(r, o, "role", &d->role) == -1 ||
	    rd_roles(r, o, "roles", &d->roles) == -1 ||
	    rd_scopes(r, o, "approvedScopes", &d->approved_scopes) == -1 ||
	    rd_via(r, o, &d->approved_via) == -1 ||
	    rd_gen(r, o, "silentSecret", &d->silent_gen) == -1 ||
	    rd_ms(r, o, "createdAtMs", 1, &d->created_at_ms) == -1 ||
	    rd_ms(r, o, "approvedAtMs", 1, &d->approved_at_ms) == -1 ||
	    rd_ms(r, o, "lastSeenAtMs", 0, &d->last_seen_at_ms) == -1 ||
	    rd_seen(r, o, &d->last_seen_reason) == -1 ||
	    rd_tokens(r, o, d) == -1)
		return -1;
	return 0;
}

static int
rd_pending(struct rd *r, json_t *o, struct pair_pending *e)
{
	static const char *const keys[] = { "requestId", "deviceId",
	    "publicKey", "displayName", "platform", "deviceFamily",
	    "clientId", "clientMode", "browserOrigin", "role", "roles",
	    "scopes", "remoteIp", "silent", "isRepair", "ts", "refreshedAtMs",
	    NULL };
	const char	*rid;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return rd_fail(r, "", "not an object");
	if (rd_keys(r, o, keys) == -1 ||
	    rd_str(r, o, "requestId", 1, &rid) == -1 ||
	    rd_identity(r, o, e->device_id, e->public_key) == -1 ||
	    rd_str(r, o, "displayName", 0,
	    (const char **)&e->display_name) == -1 ||
	    rd_str(r, o, "platform", 0, (const char **)&e->platform) == -1 ||
	    rd_str(r, o, "deviceFamily", 0,
	    (const char **)&e->device_family) == -1 ||
	    rd_str(r, o, "clientId", 0, (const char **)&e->client_id) == -1 ||
	    rd_str(r, o, "clientMode", 0,
	    (const char **)&e->client_mode) == -1 ||
	    rd_role(r, o, "role", &e->role) == -1 ||
	    rd_roles(r, o, "roles", &e->roles) == -1 ||
	    rd_scopes(r, o, "scopes", &e->scopes) == -1 ||
	    rd_str(r, o, "remoteIp", 0, (const char **)&e->remote_ip) == -1 ||
	    rd_str(r, o, "browserOrigin", 0,
	    (const char **)&e->browser_origin) == -1 ||
	    rd_bool(r, o, "silent", &e->silent) == -1 ||
	    rd_bool(r, o, "isRepair", &e->is_repair) == -1 ||
	    rd_ms(r, o, "ts", 1, &e->ts) == -1 ||
	    rd_ms(r, o, "refreshedAtMs", 0, &e->refreshed_at_ms) == -1)
		return -1;
	if (strlen(rid) != REQUEST_ID_LEN ||
	    strspn(rid, "0123456789abcdefABCDEF-") != REQUEST_ID_LEN)
		return rd_fail(r, "requestId", "not a UUID");
	memcpy(e->request_id, rid, REQUEST_ID_LEN + 1);
	return 0;
}

static uint64_t
refreshed(const struct pair_pending *e)
{
	return e->refreshed_at_ms != 0 ? e->refreshed_at_ms : e->ts;
}

static int
pending_cmp(const void *a, const void *b)
{
	uint64_t	x = refreshed(a), y = refreshed(b);

	return x < y ? -1 : x > y;
}

static int
rd_all_pending(struct rd *r, struct pairing *p, json_t *arr)
{
	struct pair_pending	*v;
	json_t			*o;
	size_t			 i, n = json_array_size(arr);
	int			 rc = 0;

	if (n > PAIR_MAX_PENDING) {
		snprintf(r->ctx, sizeof(r->ctx), "pending");
		return rd_fail(r, "", "more than %d requests",
		    PAIR_MAX_PENDING);
	}
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return rd_fail(r, "pending", "out of memory");
	json_array_foreach(arr, i, o) {
		snprintf(r->ctx, sizeof(r->ctx), "pending[%zu]", i);
		if ((rc = rd_pending(r, o, &v[i])) == -1)
			break;
	}
	if (rc == 0) {
		/* Expiry walks the queue oldest first. */
		qsort(v, n, sizeof(*v), pending_cmp);
		for (i = 0; i < n && rc == 0; i++)
			if (pairing_restore_pending(p, &v[i]) != PAIR_OK) {
				snprintf(r->ctx, sizeof(r->ctx), "pending");
				rc = rd_fail(r, "", "request %s is a duplicate "
				    "(of its id or its device)",
				    v[i].request_id);
			}
	}
	free(v);
	return rc;
}

int
store_decode(struct authd *a, json_t *doc, char *err, size_t errlen)
{
	static const char *const keys[] = { "version", "tokenKey", "devices",
	    "pending", NULL };
	struct pairing		*p = authd_pairing(a);
	struct rd		 r;
	struct pair_device	 d;
	json_t			*devs, *pend, *o, *ver;
	uint8_t			 key[32];
	size_t			 i;

	memset(&r, 0, sizeof(r));
	r.err = err;
	r.errlen = errlen;
	if (!json_is_object(doc))
		return rd_fail(&r, "document", "not a JSON object");
	ver = json_object_get(doc, "version");
	if (!json_is_integer(ver))
		return rd_fail(&r, "version", "missing or not an integer");
	if (json_integer_value(ver) != STORE_VERSION)
		return rd_fail(&r, "version", "%lld is not supported (this "
		    "authd reads version %d)", (long long)json_integer_value(ver),
		    STORE_VERSION);
	if (rd_keys(&r, doc, keys) == -1 ||
	    rd_b64(&r, doc, "tokenKey", key, sizeof(key)) == -1)
		return -1;
	devs = json_object_get(doc, "devices");
	pend = json_object_get(doc, "pending");
	if (!json_is_array(devs))
		return rd_fail(&r, "devices", "missing or not an array");
	if (!json_is_array(pend))
		return rd_fail(&r, "pending", "missing or not an array");
	if (json_array_size(devs) > PAIR_MAX_DEVICES)
		return rd_fail(&r, "devices", "more than %d records",
		    PAIR_MAX_DEVICES);
	if (authd_set_token_key(a, key) == -1) {
		sodium_memzero(key, sizeof(key));
		return rd_fail(&r, "tokenKey", "cannot be installed");
	}
	sodium_memzero(key, sizeof(key));
	json_array_foreach(devs, i, o) {
		snprintf(r.ctx, sizeof(r.ctx), "devices[%zu]", i);
		if (rd_device(&r, o, &d) == -1)
			return -1;
		if (pairing_get(p, d.device_id) != NULL)
			return rd_fail(&r, "deviceId", "duplicate");
		if (pairing_restore(p, &d) != PAIR_OK)
			return rd_fail(&r, "", "cannot be restored (out of "
			    "memory)");
		sodium_memzero(&d, sizeof(d));
	}
	return rd_all_pending(&r, p, pend);
}

/* ---- files ------------------------------------------------------------ */

/*
 * Remove what a crash left half written: every STORE_TMP* file.  authd
 * opens the store before its sandbox (which has no getdents) and while
 * its master holds the state directory's lock, so no other writer can be
 * working here.
 */
static void
remove_leftovers(int dirfd)
{
	struct dirent	*e;
	DIR		*d;
	int		 fd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, STORE_TMP, strlen(STORE_TMP)) == 0)
			(void)unlinkat(dirfd, e->d_name, 0);
	closedir(d);
}

struct store *
store_open(const char *dir, char *err, size_t errlen)
{
	struct store	*st;
	struct stat	 sb;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(st->path, sizeof(st->path), "%s/%s", dir, STORE_FILE);
	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (st->dirfd == -1 || fstat(st->dirfd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		store_close(st);
		return NULL;
	}
	if ((sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: must not be accessible to group or "
		    "others (mode %03o): it holds the pairing store", dir,
		    (unsigned)(sb.st_mode & 0777));
		store_close(st);
		return NULL;
	}
	remove_leftovers(st->dirfd);
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->dirfd >= 0)
		close(st->dirfd);
	free(st);
}

int
store_dirfd(const struct store *st)
{
	return st->dirfd;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

/* Read all of `fd' (at most STORE_MAX_BYTES).  NULL with errno. */
static char *
read_all(int fd, size_t *lenp)
{
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	for (;;) {
		if (len == cap) {
			if (cap > STORE_MAX_BYTES) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = malloc(cap)) == NULL)
				goto fail;
			if (buf != NULL) {
				memcpy(nb, buf, len);
				sodium_memzero(buf, len);
				free(buf);
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
fail:
	if (buf != NULL) {
		sodium_memzero(buf, len);
		free(buf);
	}
	return NULL;
}

int
store_load(struct store *st, struct authd *a, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*doc;
	char		*buf, msg[384];
	size_t		 len;
	int		 fd, rc;

	fd = openat(st->dirfd, STORE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", st->path,
		    strerror(errno));
		return -1;
	}
	buf = read_all(fd, &len);
	rc = errno;
	close(fd);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", st->path,
		    strerror(rc));
		return -1;
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	sodium_memzero(buf, len);
	free(buf);
	if (doc == NULL) {
		snprintf(err, errlen, "%s: not valid JSON: line %d column %d: "
		    "%s", st->path, je.line, je.column, je.text);
		return -1;
	}
	rc = store_decode(a, doc, msg, sizeof(msg));
	json_decref(doc);
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", st->path, msg);
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A temporary file of this save's own (mkstemp(3) in the sandbox, which
 * has openat but no mkstemp path): another writer on the directory can
 * never truncate it or rename it over the store half written.
 */
static int
open_tmp(int dirfd, char *name, size_t len)
{
	uint32_t	r;
	int		fd, i;

	for (i = 0; i < 8; i++) {
		randombytes_buf(&r, sizeof(r));
		snprintf(name, len, "%s.%08x", STORE_TMP, r);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int
store_save(struct store *st, struct authd *a, char *err, size_t errlen)
{
	json_t		*doc;
	char		*text, tmp[sizeof(STORE_TMP) + 16];
	const char	*what;
	size_t		 len;
	int		 fd, saved;

	if ((doc = store_encode(a)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", st->path);
		return -1;
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", st->path);
		return -1;
	}
	len = strlen(text);
	what = "create";
	if ((fd = open_tmp(st->dirfd, tmp, sizeof(tmp))) == -1)
		goto fail;
	what = "write";
	if (write_all(fd, text, len) == -1 || write_all(fd, "\n", 1) == -1)
		goto fail;
	what = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	what = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "rename";
	if (renameat(st->dirfd, tmp, st->dirfd, STORE_FILE) == -1)
		goto fail;
	/* The rename itself must survive a crash before we acknowledge. */
	if (fsync(st->dirfd) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: cannot fsync its directory: %s",
		    st->path, strerror(saved));
		sodium_memzero(text, len);
		free(text);
		return -1;
	}
	sodium_memzero(text, len);
	free(text);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (strcmp(what, "create") != 0)	/* else it is not ours */
		(void)unlinkat(st->dirfd, tmp, 0);
	/* The directory's path (st->path less STORE_FILE), then ours. */
	snprintf(err, errlen, "%.*s%s: cannot %s: %s",
	    (int)(strlen(st->path) - strlen(STORE_FILE)), st->path, tmp, what,
	    strerror(saved));
	sodium_memzero(text, len);
	free(text);
	return -1;
}
