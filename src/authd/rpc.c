/*
 * rpc.c: connect verdicts with sessions, the device RPCs and their
 * events (see rpc.h for the order every operation follows).
 *
 * The RPC semantics are the reference's (protocol.md §7.6, §7.7, §8.2):
 * operator role and operator.pairing for every method (operator.admin
 * satisfies everything); per-request scope checks in approve, rotate and
 * revoke; non-operator roles need operator.admin; callers authenticated
 * by a device token are confined to their own device unless admin.
 * The caller's authority is the session recorded with its verdict.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "chanbudget.h"
#include "log.h"
#include "ob.h"
#include "rpc.h"
#include "scopes.h"
#include "session.h"
#include "store.h"

#define METHOD_MAX	64
#define CLOSE_REMOVED	"device removed"
#define CLOSE_ROTATED	"client invalidated: device token rotated"
#define CLOSE_REVOKED	"client invalidated: device token revoked"
#define CLOSE_AUTH	"gateway auth changed"	/* the shared secret rotated */
#define CLOSE_BATCH	256	/* session handles per close message */
#define E_INVALID	"INVALID_REQUEST"
#define E_FORBIDDEN	"FORBIDDEN"
#define E_UNAVAILABLE	"UNAVAILABLE"
#define MSG_STORE	"pairing store unavailable; retry later"

struct rpc {
	struct authd	*a;
	struct pairing	*p;
	struct store	*st;
	struct sessions	*ss;
	rpc_send_fn	*send;
	void		*arg;
	uint64_t	 saved_hard, saved_soft;
	uint64_t	 now;		/* of the operation under way */
	json_t		*events;	/* queued for step 3 */
	json_t		*closes;	/* queued for step 5 */
	json_t		*audits;	/* change records, out after the save */
	void		(*audit)(json_t *);
	const char	*op;		/* the local operator, for retirements */
};

/* Who is calling, from its session. */
struct caller {
	uint32_t	 role;
	uint64_t	 scopes;
	uint32_t	 method;	/* enum auth_method */
	const char	*device_id;	/* NULL without a device */
	int		 admin;
	int		 self_scoped;	/* device token, not admin */
	const char	*op;		/* for the audit log: who it is */
};

/* ---- JSON building ----------------------------------------------------- */


/* The public pending record (§7.3): refreshedAtMs stays inside. */
static json_t *
pending_view(const struct pair_pending *e)
{
	return pending_json(e, 0);
}

/* Token summaries, sorted by role name ("node" < "operator"). */
static json_t *
tokens_view(const struct pair_device *d)
{
	json_t		*a = json_array(), *t;
	const char	*name[PAIR_NROLES];
	uint32_t	 order[PAIR_NROLES], r, i, j, n = 0;
	struct ob	 b;

	if (a == NULL)
		return NULL;
	for (r = 0; r < PAIR_NROLES; r++)
		if (d->tokens[r].present) {
			name[n] = pair_role_name(r);
			order[n++] = r;
		}
	for (i = 1; i < n; i++)		/* two roles: insertion sort */
		for (j = i; j > 0 && strcmp(name[j - 1], name[j]) > 0; j--) {
			const char *tn = name[j];
			uint32_t to = order[j];

			name[j] = name[j - 1];
			order[j] = order[j - 1];
			name[j - 1] = tn;
			order[j - 1] = to;
		}
	for (i = 0; i < n; i++) {
		const struct pair_token *tk = &d->tokens[order[i]];

		b.o = json_object();
		b.bad = 0;
		ob_str(&b, "role", pair_role_name(order[i]));
		ob_set(&b, "scopes", json_scopes(tk->scopes));
		ob_ms(&b, "createdAtMs", tk->created_at_ms, 1);
		ob_ms(&b, "rotatedAtMs", tk->rotated_at_ms, 0);
		ob_ms(&b, "revokedAtMs", tk->revoked_at_ms, 0);
		ob_ms(&b, "lastUsedAtMs", tk->last_used_at_ms, 0);
		if ((t = ob_done(&b)) == NULL ||
		    json_array_append_new(a, t) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/*
 * The redacted paired record (§8.2): no approvedScopes, no token
 * material; `connected' only when >= 0.
 */
static json_t *
device_view(const struct pair_device *d, int connected)
{
	struct ob	b = { json_object(), 0 };
	char		pk[44];

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
	ob_str(&b, "role", pair_role_name(d->role));
	ob_set(&b, "roles", json_roles(d->roles));
	ob_set(&b, "scopes", json_scopes(d->approved_scopes));
	ob_str(&b, "remoteIp", d->remote_ip);
	ob_set(&b, "tokens", tokens_view(d));
	ob_str(&b, "approvedVia", pair_via_name(d->approved_via));
	ob_ms(&b, "createdAtMs", d->created_at_ms, 1);
	ob_ms(&b, "approvedAtMs", d->approved_at_ms, 1);
	ob_ms(&b, "lastSeenAtMs", d->last_seen_at_ms, 0);
	ob_str(&b, "lastSeenReason", pair_seen_name(d->last_seen_reason));
	if (connected >= 0)
		ob_set(&b, "connected", json_boolean(connected));
	return ob_done(&b);
}

static json_t *
res_ok(json_t *payload)
{
	if (payload == NULL)
		return NULL;
	return json_pack("{s:b,s:o}", "ok", 1, "payload", payload);
}

static json_t * __attribute__((format(printf, 2, 3)))
res_err(const char *code, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "code", code,
	    "message", msg);
}

static json_t *
res_missing_scope(enum cg_scope s, int forbidden)
{
	const char	*n = scope_name(s);

	if (!forbidden)
		return res_err(E_INVALID, "missing scope: %s", n);
	return json_pack("{s:b,s:{s:s,s:s+,s:{s:s,s:s,s:[s]}}}", "ok", 0,
	    "error", "code", E_FORBIDDEN, "message", "missing scope: ", n,
	    "details", "code", "MISSING_SCOPE", "missingScope", n,
	    "requiredScopes", n);
}

/* ---- events ----------------------------------------------------------- */

static void
queue_event(struct rpc *r, const char *name, json_t *payload)
{
	json_t	*ev;

	if (payload == NULL || (ev = json_pack("{s:s,s:o,s:s}", "event", name,
	    "payload", payload, "scope", "operator.pairing")) == NULL ||
	    json_array_append_new(r->events, ev) == -1)
		log_warnx("out of memory: event %s not sent", name);
}

static void
queue_resolved(struct rpc *r, const struct pair_pending *e,
    const char *decision)
{
	queue_event(r, "device.pair.resolved", json_pack("{s:s,s:s,s:s,s:I}",
	    "requestId", e->request_id, "deviceId", e->device_id,
	    "decision", decision, "ts", (json_int_t)r->now));
}

static void
observe(void *arg, enum pair_event ev, const struct pair_pending *e)
{
	struct rpc	*r = arg;

	switch (ev) {
	case PAIR_EV_REQUESTED:
		/* Silent requests are resolved on the spot instead. */
		if (!e->silent)
			queue_event(r, "device.pair.requested",
			    pending_view(e));
		break;
	case PAIR_EV_SUPERSEDED:
	case PAIR_EV_REJECTED:
		queue_resolved(r, e, "rejected");
		break;
	case PAIR_EV_APPROVED:
		queue_resolved(r, e, "approved");
		break;
	}
}

/* A device's sessions (role < 0: all) end after the answer. */
static void
queue_close(struct rpc *r, const char *device_id, int role,
    const char *reason)
{
	json_t	*c;

	c = json_pack("{s:s,s:i,s:s}", "deviceId", device_id, "code", 4001,
	    "reason", reason);
	if (c != NULL && role >= 0 && json_object_set_new(c, "role",
	    json_string(pair_role_name((uint32_t)role))) == -1) {
		json_decref(c);
		c = NULL;
	}
	if (c == NULL || json_array_append_new(r->closes, c) == -1)
		log_warnx("out of memory: sessions of a device stay open");
}

static void
send_json(struct rpc *r, uint64_t chan, uint16_t type, uint64_t id,
    json_t *o)
{
	char	*text;

	if ((text = json_dumps(o, JSON_COMPACT)) == NULL) {
		log_warnx("out of memory: %s not sent", ipc_type_name(type));
		return;
	}
	if (strlen(text) > RPC_PIECE_MAX)
		log_warnx("%s too large: not sent", ipc_type_name(type));
	else
		r->send(r->arg, chan, type, id, text, strlen(text));
	free(text);
}

static void
send_events(struct rpc *r)
{
	json_t	*ev;
	size_t	 i;

	json_array_foreach(r->events, i, ev)
		send_json(r, RPC_ALL_CHANNELS, IPC_A2W_EVENT, 0, ev);
	json_array_clear(r->events);
}

static void
apply_closes(struct rpc *r)
{
	json_t		*c, *msg, *role;
	const char	*id;
	size_t		 i;
	int		 rl;

	json_array_foreach(r->closes, i, c) {
		id = json_string_value(json_object_get(c, "deviceId"));
		role = json_object_get(c, "role");
		rl = role == NULL ? -1 : pair_role_from(json_string_value(role),
		    json_string_length(role));
		(void)sessions_end_device(r->ss, id, rl);
		if ((msg = json_pack("{s:O}", "close", c)) != NULL)
			send_json(r, RPC_ALL_CHANNELS, IPC_A2W_EVENT, 0, msg);
		json_decref(msg);
	}
	json_array_clear(r->closes);
}

void
rpc_pieces(const char *text, size_t len,
    void (*emit)(void *, const void *, size_t), void *arg)
{
	char	*piece;
	size_t	 off, n;

	if (len <= RPC_PIECE_MAX) {
		emit(arg, text, len);
		return;
	}
	if ((piece = malloc(RPC_PIECE_MAX)) == NULL) {
		log_warnx("out of memory: an RPC result was lost");
		return;
	}
	for (off = 0; off < len; off += n) {
		n = len - off < RPC_PIECE_MAX - 1 ? len - off :
		    RPC_PIECE_MAX - 1;
		piece[0] = off + n == len ? '$' : '+';
		memcpy(piece + 1, text + off, n);
		emit(arg, piece, n + 1);
	}
	free(piece);
}

struct dest {
	struct rpc	*r;
	uint64_t	 chan, id;
};

static void
emit_result(void *arg, const void *p, size_t len)
{
	struct dest	*d = arg;

	d->r->send(d->r->arg, d->chan, IPC_A2W_RPC_RESULT, d->id, p, len);
}

/* The result as text, never over RPC_RESULT_MAX; NULL on ENOMEM. */
static char *
result_text(json_t *res)
{
	char	*text;
	size_t	 len;

	if (res == NULL || (text = json_dumps(res, JSON_COMPACT)) == NULL) {
		json_decref(res);
		res = res_err(E_UNAVAILABLE, "out of memory");
		if (res == NULL || (text = json_dumps(res, JSON_COMPACT)) ==
		    NULL) {
			json_decref(res);
			log_warnx("out of memory: an RPC result was lost");
			return NULL;
		}
	}
	json_decref(res);
	if ((len = strlen(text)) > RPC_RESULT_MAX) {
		free(text);
		log_warnx("an RPC result of %zu bytes is over the limit", len);
		text = strdup("{\"ok\":false,\"error\":{\"code\":"
		    "\"UNAVAILABLE\",\"message\":\"result too large\"}}");
	}
	return text;
}

/* A result, whole or in pieces (rpc.h). */
static void
send_result(struct rpc *r, uint64_t chan, uint64_t id, json_t *res)
{
	struct dest	 d = { r, chan, id };
	char		*text;

	if ((text = result_text(res)) == NULL)
		return;
	rpc_pieces(text, strlen(text), emit_result, &d);
	free(text);
}


/* ---- durability ------------------------------------------------------- */

void
rpc_mark_saved(struct rpc *r)
{
	pairing_versions(r->p, &r->saved_hard, &r->saved_soft);
}

int
rpc_dirty(const struct rpc *r)
{
	uint64_t	hard, soft;

	pairing_versions(r->p, &hard, &soft);
	return hard != r->saved_hard || soft != r->saved_soft;
}

static int
save(struct rpc *r)
{
	char	err[512];

	if (r->st != NULL && store_save(r->st, r->a, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	rpc_mark_saved(r);
	return 0;
}

/* Undo everything unsaved: the store is the truth. */
static void
rollback(struct rpc *r)
{
	char	err[512];

	pairing_observe(r->p, NULL, NULL);
	pairing_clear(r->p);
	if (store_load(r->st, r->a, err, sizeof(err)) == -1)
		fatalx("%s (reloading after a failed save)", err);
	pairing_observe(r->p, observe, r);
	rpc_mark_saved(r);
	json_array_clear(r->events);
	json_array_clear(r->closes);
	log_warnx("the pairing change was not saved and is undone");
}

/* Step 2: 0 when durable (or nothing to do), -1 when undone. */
static int
commit(struct rpc *r)
{
	uint64_t	hard, soft;

	pairing_versions(r->p, &hard, &soft);
	if (hard == r->saved_hard)
		return 0;
	if (save(r) == 0)
		return 0;
	rollback(r);
	return -1;
}

int
rpc_flush(struct rpc *r)
{
	if (!rpc_dirty(r))
		return 0;
	return save(r);
}

/* ---- params (the reference's schema errors, §4.6) --------------------- */

enum pkind { P_STR, P_STRARR };

struct pspec {
	const char	*name;
	enum pkind	 kind;
	int		 required;
};

struct perr {
	char	buf[1024];
	size_t	len;
};

static void
perr_add(struct perr *e, const char *fmt, ...)
{
	char	part[256];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Identical texts are reported once. */
	if (e->len > 0 && strstr(e->buf, part) != NULL)
		return;
	n = snprintf(e->buf + e->len, sizeof(e->buf) - e->len, "%s%s",
	    e->len > 0 ? "; " : "", part);
	if (n > 0 && (size_t)n < sizeof(e->buf) - e->len)
		e->len += (size_t)n;
}

/* A canonical array index, as JavaScript orders object keys. */
static int
js_index(const char *k, unsigned long long *v)
{
	size_t	i, n = strlen(k);

	if (n == 0 || n > 10 || (n > 1 && k[0] == '0'))
		return 0;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (k[i] < '0' || k[i] > '9')
			return 0;
		*v = *v * 10 + (unsigned)(k[i] - '0');
	}
	return *v < 4294967295ULL;
}

/* Blank after String.prototype.trim() (ASCII and common Unicode). */
static int
js_blank(const char *k)
{
	const unsigned char	*s = (const unsigned char *)k;

	while (*s != '\0') {
		if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		else if (s[0] == 0xc2 && s[1] == 0xa0)
			s += 2;
		else if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
			s += 3;
		else if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
			s += 3;
		else if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 &&
		    s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
		    s[2] == 0xaf))
			s += 3;
		else if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
			s += 3;
		else if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
			s += 3;
		else
			return 0;
	}
	return 1;
}

static const struct pspec *
spec_find(const struct pspec *spec, const char *k)
{
	for (; spec->name != NULL; spec++)
		if (strcmp(spec->name, k) == 0)
			return spec;
	return NULL;
}

static void
check_string(struct perr *e, const char *path, json_t *v)
{
	if (!json_is_string(v))
		perr_add(e, "at %s: must be string", path);
	else if (json_string_length(v) == 0)
		perr_add(e, "at %s: must not have fewer than 1 characters",
		    path);
}

/* 0 if `params' matches the closed object `spec', else -1 with text. */
static int
check_params(const struct pspec *spec, json_t *params, struct perr *e)
{
	const struct pspec	*s;
	const char		*k, *first = NULL, *blank = NULL;
	unsigned long long	 idx, best = 0;
	int			 is_idx = 0;
	char			 path[96];
	json_t			*v, *it;
	size_t			 i;

	e->len = 0;
	e->buf[0] = '\0';
	if (!json_is_object(params)) {
		perr_add(e, "must be object");
		return -1;
	}
	for (s = spec; s->name != NULL; s++)
		if (s->required && json_object_get(params, s->name) == NULL) {
			perr_add(e, "must have required property '%s'",
			    s->name);
			break;
		}
	json_object_foreach(params, k, v) {
		if (spec_find(spec, k) != NULL)
			continue;
		if (js_index(k, &idx)) {
			if (!is_idx || idx < best) {
				first = k;
				best = idx;
				is_idx = 1;
			}
		} else if (js_blank(k))
			blank = k;
		else if (first == NULL)
			first = k;
	}
	if (first != NULL)
		perr_add(e, "at root: unexpected property '%.128s'", first);
	else if (blank != NULL)
		perr_add(e, "must not have additional properties");
	for (s = spec; s->name != NULL; s++) {
		if ((v = json_object_get(params, s->name)) == NULL)
			continue;
		snprintf(path, sizeof(path), "/%s", s->name);
		if (s->kind == P_STR) {
			check_string(e, path, v);
			continue;
		}
		if (!json_is_array(v)) {
			perr_add(e, "at %s: must be array", path);
			continue;
		}
		json_array_foreach(v, i, it) {
			snprintf(path, sizeof(path), "/%s/%zu", s->name, i);
			check_string(e, path, it);
		}
		if (json_array_size(v) > RPC_MAX_SCOPES_PARAM)
			perr_add(e, "at /%s: must not have more than %d items",
			    s->name, RPC_MAX_SCOPES_PARAM);
	}
	return e->len > 0 ? -1 : 0;
}

/* The validated string param `k', ASCII blanks trimmed, or NULL. */
static const char *
param_str(json_t *params, const char *k, char *buf, size_t len)
{
	const char	*s = json_string_value(json_object_get(params, k));
	size_t		 n;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || (s[n - 1] >= '\t' &&
	    s[n - 1] <= '\r')))
		n--;
	if (n >= len)
		n = len - 1;	/* longer than any id: cannot match */
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* ---- the audit log ------------------------------------------------------ */

void
rpc_set_audit(struct rpc *r, void (*fn)(json_t *))
{
	r->audit = fn;
}

/* A change, recorded once the save has told whether it holds. */
static void
audit_note(struct rpc *r, const char *op, const char *event,
    const char *device_id, int role, const uint64_t *scopes, const char *rid)
{
	json_t	*o;

	if (r->audit == NULL)
		return;
	if (r->audits == NULL && (r->audits = json_array()) == NULL)
		return;
	if ((o = json_pack("{s:s,s:s,s:s}", "event", event, "operator",
	    op != NULL ? op : "control-socket", "deviceId", device_id)) ==
	    NULL)
		return;
	if (role >= 0)
		json_object_set_new(o, "role", json_string(pair_role_name(
		    (uint32_t)role)));
	if (scopes != NULL)
		json_object_set_new(o, "scopes", json_scopes(*scopes));
	if (rid != NULL)
		json_object_set_new(o, "requestId", json_string(rid));
	json_array_append_new(r->audits, o);
}

static void
audit_flush(struct rpc *r, int saved)
{
	size_t	 i;
	json_t	*o;

	if (r->audits == NULL)
		return;
	json_array_foreach(r->audits, i, o) {
		json_object_set_new(o, "outcome", json_string(saved ? "OK" :
		    "ERROR"));
		if (!saved)
			json_object_set_new(o, "details", json_pack("{s:s}",
			    "code", "UNAVAILABLE"));
		r->audit(o);
	}
	json_array_clear(r->audits);
}

/* ---- the methods -------------------------------------------------------- */

static int
is_self(const struct caller *c, const char *device_id)
{
	return c->device_id != NULL && strcmp(c->device_id, device_id) == 0;
}

struct collect {
	const struct caller	 *c;
	const void		**v;
	size_t			  n, cap;
	int			  bad;
};

static int
collect_add(struct collect *cl, const void *p)
{
	const void	**nv;

	if (cl->n == cl->cap) {
		cl->cap = cl->cap == 0 ? 16 : cl->cap * 2;
		if ((nv = reallocarray(cl->v, cl->cap, sizeof(*nv))) == NULL) {
			cl->bad = 1;
			return 1;
		}
		cl->v = nv;
	}
	cl->v[cl->n++] = p;
	return 0;
}

static int
collect_pending(const struct pair_pending *e, void *arg)
{
	struct collect	*cl = arg;

	if (cl->c->self_scoped && !is_self(cl->c, e->device_id))
		return 0;
	return collect_add(cl, e);
}

static int
collect_device(const struct pair_device *d, void *arg)
{
	struct collect	*cl = arg;

	if (cl->c->self_scoped && !is_self(cl->c, d->device_id))
		return 0;
	return collect_add(cl, d);
}

/* Newest first, as the reference lists. */
static int
pending_newest(const void *a, const void *b)
{
	const struct pair_pending	*x = *(const void *const *)a;
	const struct pair_pending	*y = *(const void *const *)b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? 1 : -1;
	return strcmp(x->request_id, y->request_id);
}

static int
device_newest(const void *a, const void *b)
{
	const struct pair_device	*x = *(const void *const *)a;
	const struct pair_device	*y = *(const void *const *)b;

	if (x->approved_at_ms != y->approved_at_ms)
		return x->approved_at_ms < y->approved_at_ms ? 1 : -1;
	return strcmp(x->device_id, y->device_id);
}

static json_t *
m_list(struct rpc *r, const struct caller *c, json_t *params)
{
	static const struct pspec	 spec[] = { { NULL, 0, 0 } };
	struct collect			 pc, dc;
	struct perr			 e;
	json_t				*pend, *paired, *o;
	size_t				 i;

	if (check_params(spec, params, &e) == -1)
		return res_err(E_INVALID, "invalid device.pair.list params: %s",
		    e.buf);
	memset(&pc, 0, sizeof(pc));
	memset(&dc, 0, sizeof(dc));
	pc.c = dc.c = c;
	pairing_foreach_pending(r->p, r->now, collect_pending, &pc);
	pairing_foreach(r->p, collect_device, &dc);
	pend = json_array();
	paired = json_array();
	if (pc.bad || dc.bad || pend == NULL || paired == NULL)
		goto nomem;
	if (pc.n > 0)
		qsort(pc.v, pc.n, sizeof(*pc.v), pending_newest);
	if (dc.n > 0)
		qsort(dc.v, dc.n, sizeof(*dc.v), device_newest);
	for (i = 0; i < pc.n; i++)
		if ((o = pending_view(pc.v[i])) == NULL ||
		    json_array_append_new(pend, o) == -1)
			goto nomem;
	for (i = 0; i < dc.n; i++) {
		const struct pair_device *d = dc.v[i];

		if ((o = device_view(d, sessions_connected(r->ss,
		    d->device_id))) == NULL ||
		    json_array_append_new(paired, o) == -1)
			goto nomem;
	}
	free(pc.v);
	free(dc.v);
	return res_ok(json_pack("{s:o,s:o}", "pending", pend, "paired",
	    paired));
nomem:
	free(pc.v);
	free(dc.v);
	json_decref(pend);
	json_decref(paired);
	return NULL;
}

static const struct pspec spec_request[] = {
	{ "requestId", P_STR, 1 }, { NULL, 0, 0 }
};

static json_t *
m_approve(struct rpc *r, const struct caller *c, json_t *params)
{
	const struct pair_pending	*e;
	const struct pair_device	*d;
	struct pair_result		 res;
	struct perr			 pe;
	char				 rid[REQUEST_ID_LEN + 2];

	if (check_params(spec_request, params, &pe) == -1)
		return res_err(E_INVALID,
		    "invalid device.pair.approve params: %s", pe.buf);
	param_str(params, "requestId", rid, sizeof(rid));
	if ((e = pairing_pending_get(r->p, rid, r->now)) == NULL)
		return res_err(E_INVALID, "unknown requestId");
	if (c->self_scoped && !is_self(c, e->device_id))
		return res_err(E_INVALID, "device pairing approval denied");
	/* Only an admin approves a non-operator role. */
	if (((e->roles | PAIR_ROLE_BIT(e->role)) &
	    ~PAIR_ROLE_BIT(PAIR_ROLE_OPERATOR)) != 0 && !c->admin)
		return res_err(E_INVALID, "device pairing approval denied");
	switch (pairing_approve(r->p, rid, c->scopes, r->now, &res)) {
	case PAIR_OK:
		break;
	case PAIR_UNKNOWN:
		return res_err(E_INVALID, "unknown requestId");
	case PAIR_MISSING_SCOPE:
		return res_missing_scope((enum cg_scope)res.scope, 0);
	case PAIR_DENIED:
		return res_err(E_INVALID, "device pairing approval denied");
	default:
		return res_err(E_UNAVAILABLE, "out of memory");
	}
	if ((d = pairing_get(r->p, res.device_id)) == NULL)
		return res_err(E_UNAVAILABLE, "out of memory");
	log_info("device pairing approved device=%s role=%s", d->device_id,
	    pair_role_name(d->role));
	audit_note(r, c->op, "device.pair.approve", d->device_id,
	    (int)d->role, &d->approved_scopes, rid);
	return res_ok(json_pack("{s:s,s:o}", "requestId", rid, "device",
	    device_view(d, -1)));
}

static json_t *
m_reject(struct rpc *r, const struct caller *c, json_t *params)
{
	const struct pair_pending	*e;
	struct pair_result		 res;
	struct perr			 pe;
	char				 rid[REQUEST_ID_LEN + 2];

	if (check_params(spec_request, params, &pe) == -1)
		return res_err(E_INVALID,
		    "invalid device.pair.reject params: %s", pe.buf);
	param_str(params, "requestId", rid, sizeof(rid));
	if ((e = pairing_pending_get(r->p, rid, r->now)) == NULL)
		return res_err(E_INVALID, "unknown requestId");
	if (c->self_scoped && !is_self(c, e->device_id))
		return res_err(E_INVALID, "device pairing rejection denied");
	if (pairing_reject(r->p, rid, r->now, &res) != PAIR_OK)
		return res_err(E_INVALID, "unknown requestId");
	log_info("device pairing rejected device=%s", res.device_id);
	audit_note(r, c->op, "device.pair.reject", res.device_id, -1, NULL,
	    rid);
	return res_ok(json_pack("{s:s,s:s}", "requestId", rid, "deviceId",
	    res.device_id));
}

static json_t *
m_remove(struct rpc *r, const struct caller *c, json_t *params)
{
	static const struct pspec	 spec[] = {
		{ "deviceId", P_STR, 1 }, { NULL, 0, 0 }
	};
	struct perr			 pe;
	char				 id[DEVICE_ID_LEN + 2];

	if (check_params(spec, params, &pe) == -1)
		return res_err(E_INVALID,
		    "invalid device.pair.remove params: %s", pe.buf);
	param_str(params, "deviceId", id, sizeof(id));
	if (c->self_scoped && !is_self(c, id))
		return res_err(E_INVALID, "device pairing removal denied");
	if (pairing_remove(r->p, id) != PAIR_OK)
		return res_err(E_INVALID, "unknown deviceId");
	log_info("paired device removed device=%s", id);
	audit_note(r, c->op, "device.pair.remove", id, -1, NULL, NULL);
	queue_close(r, id, -1, CLOSE_REMOVED);
	return res_ok(json_pack("{s:s}", "deviceId", id));
}

/*
 * Common to rotate and revoke: self-scope, role, admin for non-operator
 * roles.  Returns the role, or -1 with `*deny' set.
 */
static int
token_role(const struct caller *c, json_t *params, const char *id,
    const char *denied, json_t **deny)
{
	const char	*s = json_string_value(json_object_get(params, "role"));
	int		 role;

	*deny = NULL;
	if ((c->self_scoped && !is_self(c, id)) ||
	    (role = pair_role_from(s, strlen(s))) < 0 ||
	    (role != PAIR_ROLE_OPERATOR && !c->admin)) {
		*deny = res_err(E_INVALID, "%s", denied);
		return -1;
	}
	return role;
}

static json_t *
m_rotate(struct rpc *r, const struct caller *c, json_t *params)
{
	static const struct pspec	 spec[] = {
		{ "deviceId", P_STR, 1 }, { "role", P_STR, 1 },
		{ "scopes", P_STRARR, 0 }, { NULL, 0, 0 }
	};
	static const char		 denied[] =
	    "device token rotation denied";
	struct pair_result		 res;
	struct perr			 pe;
	struct ob			 b;
	json_t				*deny, *sa, *it;
	uint64_t			 want = 0;
	size_t				 i;
	char				 id[DEVICE_ID_LEN + 2];
	int				 role, sc, inband;

	if (check_params(spec, params, &pe) == -1)
		return res_err(E_INVALID,
		    "invalid device.token.rotate params: %s", pe.buf);
	param_str(params, "deviceId", id, sizeof(id));
	if ((role = token_role(c, params, id, denied, &deny)) < 0)
		return deny;
	if ((sa = json_object_get(params, "scopes")) != NULL)
		json_array_foreach(sa, i, it) {
			/* Outside every baseline: unknown names. */
			if ((sc = scope_from_name(json_string_value(it),
			    json_string_length(it))) < 0)
				return res_err(E_INVALID, "%s", denied);
			want |= SCOPE_BIT(sc);
		}
	switch (pairing_rotate(r->p, id, (uint32_t)role, sa != NULL ? &want :
	    NULL, c->scopes, r->now, &res)) {
	case PAIR_OK:
		break;
	case PAIR_MISSING_SCOPE:
		return res_missing_scope((enum cg_scope)res.scope, 0);
	case PAIR_NOMEM:
		return res_err(E_UNAVAILABLE, "out of memory");
	default:
		return res_err(E_INVALID, "%s", denied);
	}
	inband = c->method == AUTH_M_DEVICE_TOKEN && is_self(c, id) &&
	    c->role == (uint32_t)role;
	b.o = json_object();
	b.bad = 0;
	ob_str(&b, "deviceId", res.device_id);
	ob_str(&b, "role", pair_role_name((uint32_t)role));
	if (inband)
		ob_str(&b, "token", res.token);
	ob_set(&b, "scopes", json_scopes(res.scopes));
	ob_ms(&b, "rotatedAtMs", res.at_ms, 1);
	ob_str(&b, "tokenDelivery", inband ? "in-band" :
	    "withheld-cross-device");
	audit_note(r, c->op, "device.token.rotate", id, role, &res.scopes,
	    NULL);
	sodium_memzero(&res, sizeof(res));
	log_info("device token rotated device=%s role=%s", id,
	    pair_role_name((uint32_t)role));
	queue_close(r, id, role, CLOSE_ROTATED);
	return res_ok(ob_done(&b));
}

static json_t *
m_revoke(struct rpc *r, const struct caller *c, json_t *params)
{
	static const struct pspec	 spec[] = {
		{ "deviceId", P_STR, 1 }, { "role", P_STR, 1 },
		{ NULL, 0, 0 }
	};
	static const char		 denied[] =
	    "device token revocation denied";
	struct pair_result		 res;
	struct perr			 pe;
	json_t				*deny;
	char				 id[DEVICE_ID_LEN + 2];
	int				 role;

	if (check_params(spec, params, &pe) == -1)
		return res_err(E_INVALID,
		    "invalid device.token.revoke params: %s", pe.buf);
	param_str(params, "deviceId", id, sizeof(id));
	if ((role = token_role(c, params, id, denied, &deny)) < 0)
		return deny;
	switch (pairing_revoke(r->p, id, (uint32_t)role, c->scopes, r->now,
	    &res)) {
	case PAIR_OK:
		break;
	case PAIR_MISSING_SCOPE:
		return res_missing_scope((enum cg_scope)res.scope, 0);
	default:
		return res_err(E_INVALID, "%s", denied);
	}
	log_info("device token revoked device=%s role=%s", id,
	    pair_role_name((uint32_t)role));
	audit_note(r, c->op, "device.token.revoke", id, role, NULL, NULL);
	queue_close(r, id, role, CLOSE_REVOKED);
	return res_ok(json_pack("{s:s,s:s,s:I}", "deviceId", res.device_id,
	    "role", pair_role_name((uint32_t)role), "revokedAtMs",
	    (json_int_t)res.at_ms));
}

static const struct method {
	const char	*name;
	json_t		*(*fn)(struct rpc *, const struct caller *, json_t *);
} methods[] = {
	{ "device.pair.list", m_list },
	{ "device.pair.approve", m_approve },
	{ "device.pair.reject", m_reject },
	{ "device.pair.remove", m_remove },
	{ "device.token.rotate", m_rotate },
	{ "device.token.revoke", m_revoke },
	{ NULL, NULL }
};

/* Role, then scope, then the method (the reference's order). */
static json_t *
dispatch(struct rpc *r, const struct caller *c, const char *method,
    json_t *params)
{
	const struct method	*m;

	for (m = methods; m->name != NULL; m++)
		if (strcmp(m->name, method) == 0)
			break;
	if (m->name == NULL)
		return res_err(E_INVALID, "unknown method: %.64s", method);
	if (c->role != PAIR_ROLE_OPERATOR)
		return res_err(E_INVALID, "unauthorized role: %s",
		    pair_role_name(c->role));
	if (!scope_satisfied(c->scopes, SCOPE_PAIRING))
		return res_missing_scope(SCOPE_PAIRING, 1);
	return m->fn(r, c, params);
}

/* ---- the interface ---------------------------------------------------- */

struct rpc *
rpc_new(struct authd *a, struct store *st, rpc_send_fn *send, void *arg)
{
	struct rpc	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->a = a;
	r->p = authd_pairing(a);
	r->st = st;
	r->send = send;
	r->arg = arg;
	r->ss = sessions_new();
	r->events = json_array();
	r->closes = json_array();
	if (r->ss == NULL || r->events == NULL || r->closes == NULL) {
		rpc_free(r);
		return NULL;
	}
	pairing_observe(r->p, observe, r);
	rpc_mark_saved(r);
	return r;
}

void
rpc_free(struct rpc *r)
{
	if (r == NULL)
		return;
	pairing_observe(r->p, NULL, NULL);
	sessions_free(r->ss);
	json_decref(r->events);
	json_decref(r->closes);
	json_decref(r->audits);
	free(r);
}

struct sessions *
rpc_sessions(struct rpc *r)
{
	return r->ss;
}

static void
verdict_unavailable(struct auth_verdict *v)
{
	char	role[sizeof(v->role)];

	memcpy(role, v->role, sizeof(role));
	sodium_memzero(v, sizeof(*v));
	v->result = VERDICT_ERROR;
	v->reason = AUTH_R_UNAVAILABLE;
	snprintf(v->tenant, sizeof(v->tenant), "default");
	memcpy(v->role, role, sizeof(role));
}

/* A credential was compared and was wrong. */
static int
compared_and_failed(uint32_t reason)
{
	return reason == AUTH_R_TOKEN_MISMATCH ||
	    reason == AUTH_R_PASSWORD_MISMATCH ||
	    reason == AUTH_R_DEVICE_TOKEN_MISMATCH ||
	    reason == AUTH_R_BOOTSTRAP_TOKEN_INVALID;
}

static void
channel_over_budget(struct auth_verdict *v, uint64_t wait)
{
	sodium_memzero(v, sizeof(*v));
	v->result = VERDICT_DENY;
	v->reason = AUTH_R_RATE_LIMITED;
	v->retry_after_ms = wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait;
	snprintf(v->tenant, sizeof(v->tenant), "default");
	snprintf(v->role, sizeof(v->role), "operator");
}

void
rpc_connect(struct rpc *r, uint64_t chan, const struct auth_req *req,
    uint64_t now, struct auth_verdict *v)
{
	uint64_t	wait;

	r->now = now;
	/* The channel's own budget first (chanbudget.h): no comparison. */
	if (cb_check(chan, now, &wait) == -1) {
		channel_over_budget(v, wait);
		return;
	}
	authd_decide(r->a, req, now, v);
	if (v->result == VERDICT_DENY && compared_and_failed(v->reason))
		wait = cb_failure(chan, now);
	if (v->result != VERDICT_ERROR && wait > v->delay_ms)
		v->delay_ms = wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait;
	if (commit(r) == -1)
		verdict_unavailable(v);
	else if (v->result == VERDICT_OK &&
	    sessions_create(r->ss, chan, v,
	    authd_secret_generation(r->a)) == -1) {
		log_warnx("no session for a connect (%zu live): refusing it",
		    sessions_count(r->ss));
		verdict_unavailable(v);
	}
	send_events(r);
}

/* Steps 2-5 for an RPC result. */
static void
finish(struct rpc *r, uint64_t chan, uint64_t id, json_t *res)
{
	int	saved;

	if (!(saved = commit(r) == 0)) {
		json_decref(res);
		res = res_err(E_UNAVAILABLE, MSG_STORE);
	}
	audit_flush(r, saved);	/* before the answer leaves */
	send_events(r);
	send_result(r, chan, id, res);
	apply_closes(r);
}

/* The envelope {session, method, params?}, strictly. */
static int
parse_request(json_t *doc, const char **sid, const char **method,
    json_t **params)
{
	const char	*k;
	json_t		*v, *s, *m;

	if (!json_is_object(doc))
		return -1;
	json_object_foreach(doc, k, v)
		if (strcmp(k, "session") != 0 && strcmp(k, "method") != 0 &&
		    strcmp(k, "params") != 0)
			return -1;
	s = json_object_get(doc, "session");
	m = json_object_get(doc, "method");
	if (!json_is_string(s) || json_string_length(s) != AUTH_SESSION_LEN ||
	    !json_is_string(m) || json_string_length(m) == 0 ||
	    json_string_length(m) > METHOD_MAX ||
	    strlen(json_string_value(m)) != json_string_length(m))
		return -1;
	*sid = json_string_value(s);
	*method = json_string_value(m);
	*params = json_object_get(doc, "params");
	return 0;
}

static void
caller_from(struct caller *c, const struct session *s)
{
	memset(c, 0, sizeof(*c));
	c->role = s->role;
	c->scopes = s->scopes;
	c->method = s->method;
	c->device_id = s->device_id[0] != '\0' ? s->device_id : NULL;
	c->admin = (s->scopes & SCOPE_BIT(SCOPE_ADMIN)) != 0;
	c->self_scoped = s->method == AUTH_M_DEVICE_TOKEN && !c->admin &&
	    c->device_id != NULL;
	c->op = c->device_id != NULL ? c->device_id : s->principal;
}

void
rpc_call(struct rpc *r, uint64_t chan, uint64_t id, const void *req,
    size_t len, uint64_t now)
{
	const struct session	*s;
	struct caller		 c;
	json_error_t		 je;
	json_t			*doc, *params, *empty = NULL, *res;
	const char		*sid, *method;

	r->now = now;
	doc = json_loadb(req, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL || parse_request(doc, &sid, &method, &params) == -1) {
		log_warnx("worker channel %llu sent a malformed RPC",
		    (unsigned long long)chan);
		res = res_err(E_INVALID, "malformed rpc request");
	} else if ((s = sessions_get(r->ss, chan, sid, AUTH_SESSION_LEN)) ==
	    NULL)
		res = res_err(E_INVALID, "unknown session");
	else {
		caller_from(&c, s);
		/* No params at all is the empty object. */
		if (params == NULL || json_is_null(params))
			params = empty = json_object();
		res = params == NULL ? NULL : dispatch(r, &c, method, params);
	}
	finish(r, chan, id, res);
	json_decref(empty);
	json_decref(doc);
}

void
rpc_session_end(struct rpc *r, uint64_t chan, const void *id, size_t len)
{
	(void)sessions_end(r->ss, chan, id, len);
}

void
rpc_channel_gone(struct rpc *r, uint64_t chan)
{
	size_t	n = sessions_end_channel(r->ss, chan);

	if (n > 0)
		log_debug("%zu sessions ended with their worker channel", n);
}

/* The local operator: full authority, the same steps as rpc_call. */
static char *
admin_run(struct rpc *r, const char *method, json_t *params, uint64_t now,
    const char *op)
{
	struct caller	 c;
	json_t		*res;
	char		*text;
	int		 saved;

	memset(&c, 0, sizeof(c));
	c.role = PAIR_ROLE_OPERATOR;
	c.scopes = SCOPE_BIT(SCOPE_COUNT) - 1;
	c.method = AUTH_M_TOKEN;
	c.admin = 1;
	c.op = op != NULL ? op : "control-socket";
	r->now = now;
	res = dispatch(r, &c, method, params);
	if (!(saved = commit(r) == 0)) {
		json_decref(res);
		res = res_err(E_UNAVAILABLE, MSG_STORE);
	}
	audit_flush(r, saved);
	send_events(r);
	text = result_text(res);
	apply_closes(r);
	return text;
}

char *
rpc_admin(struct rpc *r, const char *method, const char *params,
    uint64_t now)
{
	json_error_t	 je;
	json_t		*pj;
	char		*text;

	pj = params == NULL ? json_object() :
	    json_loads(params, JSON_REJECT_DUPLICATES, &je);
	if (pj == NULL)
		return result_text(res_err(E_INVALID,
		    "invalid %.64s params: not JSON", method));
	text = admin_run(r, method, pj, now, NULL);
	json_decref(pj);
	return text;
}

/* ---- the shared secret rotated (the master's own request) ------------ */

struct stale {
	json_t	*by_chan;	/* "<chan>": [handle, ...] */
	int	 bad;
};

static void
stale_session(void *arg, const struct session *s)
{
	struct stale	*st = arg;
	json_t		*a;
	char		 k[24];

	snprintf(k, sizeof(k), "%llu", (unsigned long long)s->chan);
	if ((a = json_object_get(st->by_chan, k)) == NULL &&
	    (json_object_set_new(st->by_chan, k, json_array()) == -1 ||
	    (a = json_object_get(st->by_chan, k)) == NULL)) {
		st->bad = 1;
		return;
	}
	if (json_array_append_new(a, json_stringn(s->id,
	    AUTH_SESSION_LEN)) == -1)
		st->bad = 1;
}

/* {"close":{"sessions":[...],"code":4001,"reason":...}} to each channel. */
static void
send_session_closes(struct rpc *r, json_t *by_chan)
{
	json_t		*a, *batch, *msg;
	const char	*k;
	size_t		 i, n;
	uint64_t	 chan;

	json_object_foreach(by_chan, k, a) {
		chan = strtoull(k, NULL, 10);
		n = json_array_size(a);
		for (i = 0; i < n; i += CLOSE_BATCH) {
			batch = json_array();
			while (batch != NULL && json_array_size(batch) <
			    CLOSE_BATCH && i + json_array_size(batch) < n)
				json_array_append(batch, json_array_get(a,
				    i + json_array_size(batch)));
			msg = json_pack("{s:{s:o?,s:i,s:s}}", "close",
			    "sessions", batch, "code", 4001, "reason",
			    CLOSE_AUTH);
			if (msg == NULL)
				log_warnx("out of memory: sessions opened with "
				    "the old secret stay open");
			else
				send_json(r, chan, IPC_A2W_EVENT, 0, msg);
			json_decref(msg);
		}
	}
}

static void
retired_token(void *arg, const char *device_id, uint32_t role)
{
	struct rpc	*r = arg;

	audit_note(r, r->op, "device.token.revoke", device_id, (int)role,
	    NULL, NULL);
	queue_close(arg, device_id, (int)role, CLOSE_REVOKED);
}

/*
 * The gateway token was rotated (authd already holds the new secret):
 * end the sessions opened with any other shared secret, and retire the
 * device tokens of the devices paired silently on the strength of one
 * (with revokeDevices, of every device).  Only the master asks this,
 * after a rotation; the workers cannot (it is not in methods[]).
 */
static char *
secret_rotated(struct rpc *r, json_t *params, uint64_t now)
{
	struct stale	 st;
	json_t		*rd, *res, *c, *role;
	const char	*k;
	json_t		*v;
	size_t		 nsess, ntok, i;
	uint64_t	 gen;
	int		 all, rl, saved;

	json_object_foreach(params, k, v)
		if (strcmp(k, "revokeDevices") != 0)
			return result_text(res_err(E_INVALID,
			    "invalid gateway.secret.rotated params: "
			    "unexpected property '%.64s'", k));
	rd = json_object_get(params, "revokeDevices");
	if (rd != NULL && !json_is_boolean(rd))
		return result_text(res_err(E_INVALID,
		    "invalid gateway.secret.rotated params: at "
		    "/revokeDevices: must be boolean"));
	all = json_is_true(rd);
	r->now = now;
	gen = authd_secret_generation(r->a);
	ntok = pairing_retire(r->p, gen, all, now, retired_token, r);
	saved = commit(r) == 0;		/* a failure undoes the retirement */
	if (!saved)
		ntok = 0;
	audit_flush(r, saved);
	st.by_chan = json_object();
	st.bad = st.by_chan == NULL;
	nsess = sessions_end_stale_secret(r->ss, gen, stale_session, &st);
	if (st.bad)
		log_warnx("out of memory: some sessions opened with the old "
		    "secret stay open in their workers");
	if (st.by_chan != NULL)
		send_session_closes(r, st.by_chan);
	json_decref(st.by_chan);
	/* apply_closes, counting what ends. */
	json_array_foreach(r->closes, i, c) {
		role = json_object_get(c, "role");
		rl = role == NULL ? -1 : pair_role_from(json_string_value(role),
		    json_string_length(role));
		nsess += sessions_end_device(r->ss,
		    json_string_value(json_object_get(c, "deviceId")), rl);
	}
	apply_closes(r);
	send_events(r);
	if (!saved)
		res = res_err(E_UNAVAILABLE, "%s (%zu sessions closed, no "
		    "device token retired)", MSG_STORE, nsess);
	else
		res = res_ok(json_pack("{s:I,s:I,s:b}", "sessionsClosed",
		    (json_int_t)nsess, "deviceTokensRetired", (json_int_t)ntok,
		    "revokeDevices", all));
	return result_text(res);
}

char *
rpc_admin_request(struct rpc *r, const void *req, size_t len, uint64_t now)
{
	json_error_t	 je;
	json_t		*doc, *m, *params, *empty = NULL, *op;
	const char	*k;
	json_t		*v;
	char		*text;
	int		 bad = 0;

	doc = json_loadb(req, len, JSON_REJECT_DUPLICATES, &je);
	m = json_object_get(doc, "method");
	if (!json_is_object(doc) || !json_is_string(m) ||
	    json_string_length(m) == 0 || json_string_length(m) > METHOD_MAX ||
	    strlen(json_string_value(m)) != json_string_length(m))
		bad = 1;
	else
		json_object_foreach(doc, k, v)
			if (strcmp(k, "method") != 0 && strcmp(k, "params") != 0 &&
			    (strcmp(k, "operator") != 0 || !json_is_string(v)))
				bad = 1;
	if (bad) {
		json_decref(doc);
		log_warnx("the master sent a malformed RPC");
		return result_text(res_err(E_INVALID, "malformed rpc request"));
	}
	params = json_object_get(doc, "params");
	op = json_object_get(doc, "operator");
	r->op = op != NULL ? json_string_value(op) : "control-socket";
	if (params == NULL || json_is_null(params))
		params = empty = json_object();
	if (params == NULL)
		text = result_text(NULL);
	else if (strcmp(json_string_value(m), "gateway.secret.rotated") == 0)
		text = json_is_object(params) ? secret_rotated(r, params, now) :
		    result_text(res_err(E_INVALID, "invalid "
		    "gateway.secret.rotated params: must be object"));
	else
		text = admin_run(r, json_string_value(m), params, now, r->op);
	r->op = NULL;
	json_decref(empty);
	json_decref(doc);
	return text;
}
