/*
 * decide.c: one `connect' in, one fixed-size verdict out.
 *
 * The order is the reference's authenticateGatewayConnectCore (protocol.md
 * §2.5 steps 6-12), because which error wins is part of the wire
 * contract:
 *
 *   1. shared secret: rate-limit check, then compare (not yet reported);
 *   2. missing device identity (§5.7), which may hide the secret's error;
 *   3. device proof (§6);
 *   4. bootstrap token (a setup code: clawgate issues none, so any is
 *      invalid), then device-token auth, if the shared secret did not
 *      succeed (§5.2, §7.7);
 *   5. still unauthenticated: the unauthorized reason (§4.2);
 *   6. pairing (§7.1-7.2), then device-token issuance.
 *
 * The worker has already checked frame, schema, protocol, role and origin.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "addr.h"
#include "authd.h"
#include "config.h"
#include "fingerprint.h"
#include "origin.h"
#include "ratelimit.h"
#include "scopes.h"

#define BROWSER_ORIGIN_PREFIX	"browser-origin:"
/* The reference's key when an Origin cannot be parsed. */
#define BROWSER_ORIGIN_FALLBACK	"198.18.0.1"
#define SUBJECT_MAX	(sizeof(BROWSER_ORIGIN_PREFIX) + AUTH_MAX_FIELD)

_Static_assert(sizeof(((struct auth_verdict *)0)->fingerprint) ==
    FINGERPRINT_LEN + 1, "the fingerprint field holds the hex and a NUL");

/* What kind of client this is (protocol.md §4.2, §7.2). */
struct facts {
	uint32_t	 role;		/* enum pair_role */
	const char	*role_name;
	uint64_t	 scopes;	/* requested, known names only */
	int		 local, has_origin, has_device;
	int		 loopback;	/* may be exempt from the lockout */
	int		 ui;		/* control UI or TUI */
	int		 browser_ui;	/* control UI or copilot */
	int		 webchat, native_ui, backend, cli;
};

/* The state of one decision. */
struct attempt {
	struct authd		*a;
	struct pairing		*p;
	const struct auth_req	*r;
	uint64_t		 now;
	struct auth_verdict	*v;
	struct facts		 f;
	uint32_t		 mode;
	struct rl		*rl;
	char			 subject[SUBJECT_MAX];
	size_t			 slen;
	char			 peer[AUTH_MAX_FIELD + 1];
	char			 origin[AUTH_MAX_FIELD + 1]; /* canonical */
	int			 auth_ok, shared_ok;
	uint32_t		 method;	/* enum auth_method */
	uint32_t		 reason;	/* why not auth_ok */
	uint64_t		 retry_after;
	uint64_t		 backlog;	/* answers queued, exempt keys */
	int			 pending_shared; /* deferred failure */
	struct auth_str		 devtok;	/* device token tried */
	int			 devtok_explicit;
	uint64_t		 issuer_gen;
	uint8_t			 pk[32];
	char			 device_id[DEVICE_ID_LEN + 1];
};

static int
is(struct auth_str s, const char *lit)
{
	return s.p != NULL && s.len == strlen(lit) &&
	    memcmp(s.p, lit, s.len) == 0;
}

static int
nonempty(struct auth_str s)
{
	return s.p != NULL && s.len > 0;
}

static void
lower_copy(char *dst, const char *src, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ?
		    (char)(src[i] - 'A' + 'a') : src[i];
	dst[len] = '\0';
}

/* Canonical client address: lowercase, IPv4-mapped IPv6 unwrapped. */
static void
norm_peer(struct auth_str s, char out[AUTH_MAX_FIELD + 1])
{
	s = authd_trim(s);
	if (s.p == NULL || s.len == 0 || s.len > AUTH_MAX_FIELD) {
		strcpy(out, "unknown");
		return;
	}
	lower_copy(out, s.p, s.len);
	if (strncmp(out, "::ffff:", 7) == 0 && strchr(out + 7, '.') != NULL)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

/* strcspn() over `len' bytes that need not end in a NUL. */
static size_t
strcspn_n(const char *p, size_t len, const char *reject)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (strchr(reject, p[i]) != NULL)
			break;
	return i;
}

/*
 * scheme://host[:port], lowercased, default port dropped, as
 * new URL(origin).origin gives (origin.h: the one canonical form, the
 * worker's and the config reader's too).  0, or -1 if it does not parse.
 */
static int
canon_origin(struct auth_str s, char o[AUTH_MAX_FIELD + 1], int *loopback)
{
	struct origin	 og;
	const char	*host;
	size_t		 n;

	s = authd_trim(s);
	if (s.p == NULL || s.len == 0)
		return -1;
	/* Like new URL(x).origin, a path, query or fragment is dropped. */
	n = s.len;
	if ((host = memmem(s.p, s.len, "://", 3)) != NULL)
		n = (size_t)(host + 3 - s.p) + strcspn_n(host + 3,
		    s.len - (size_t)(host + 3 - s.p), "/?#");
	if (origin_parse(s.p, n, &og) == -1 || strlen(og.text) > AUTH_MAX_FIELD)
		return -1;
	memcpy(o, og.text, strlen(og.text) + 1);
	if (loopback != NULL)
		*loopback = og.loopback;
	return 0;
}

/*
 * "browser-origin:" + the canonical origin; the reference's fallback
 * key when it does not parse.
 */
static size_t
norm_origin(struct auth_str s, char *out, size_t outlen)
{
	char	o[AUTH_MAX_FIELD + 1];

	if (canon_origin(s, o, NULL) == -1)
		return (size_t)snprintf(out, outlen, "%s",
		    BROWSER_ORIGIN_FALLBACK);
	return (size_t)snprintf(out, outlen, "%s%s", BROWSER_ORIGIN_PREFIX, o);
}

static uint64_t
requested_scopes(const struct auth_req *r)
{
	struct auth_str	s;
	uint64_t	bits = 0;
	unsigned	i;
	int		sc;

	for (i = 0; i < r->nscopes && i < AUTH_MAX_SCOPES; i++) {
		s = authd_trim(r->scopes[i]);
		if (s.p != NULL &&
		    (sc = scope_from_name(s.p, s.len)) >= 0)
			bits |= SCOPE_BIT(sc);
	}
	return bits;
}

static int
facts_init(struct facts *f, const struct auth_req *r)
{
	struct auth_str	id = r->client_id, mode = r->client_mode;
	int		role;

	memset(f, 0, sizeof(*f));
	role = r->role.p == NULL ? PAIR_ROLE_OPERATOR :
	    pair_role_from(r->role.p, r->role.len);
	if (role < 0)
		return -1;
	f->role = (uint32_t)role;
	f->role_name = pair_role_name(f->role);
	f->scopes = requested_scopes(r);
	f->local = (r->flags & AUTH_F_LOCAL) != 0;
	/*
	 * Exempt from the lockout: loopback that is also local (not left
	 * out of a gateway.localPeers list), never a forwarded client and
	 * never a localPeers network.
	 */
	f->loopback = (r->flags & AUTH_F_LOOPBACK) != 0 && f->local &&
	    (r->flags & AUTH_F_FORWARDED) == 0;
	f->has_origin = (r->flags & AUTH_F_HAS_ORIGIN) != 0;
	f->has_device = (r->flags & AUTH_F_HAS_DEVICE) != 0;
	f->ui = is(id, "openclaw-control-ui") || is(id, "openclaw-tui");
	f->browser_ui = is(id, "openclaw-control-ui") ||
	    is(id, "openclaw-browser-copilot");
	f->webchat = is(mode, "webchat") || is(id, "webchat-ui");
	f->native_ui = is(mode, "ui") && (is(id, "openclaw-macos") ||
	    is(id, "openclaw-linux") || is(id, "openclaw-ios") ||
	    is(id, "openclaw-android"));
	f->backend = is(id, "gateway-client") && is(mode, "backend");
	f->cli = is(id, "cli") && is(mode, "cli");
	return 0;
}

/* ---- verdicts -------------------------------------------------------- */

static void
deny(struct attempt *at, uint32_t reason)
{
	at->v->result = VERDICT_DENY;
	at->v->reason = reason;
}

static void
fail_internal(struct attempt *at)
{
	at->v->result = VERDICT_ERROR;
	at->v->reason = AUTH_R_UNAVAILABLE;
}

static void
record_shared_failure(struct attempt *at)
{
	uint32_t	d;

	d = rl_record_failure(at->rl, RL_SCOPE_SHARED_SECRET, at->subject,
	    at->slen, at->f.loopback, at->now);
	if (d > at->v->delay_ms)
		at->v->delay_ms = d;
}

/* The reference's resolveAuthProvidedKind is "token". */
static int
provided_token(const struct auth_req *r)
{
	return !nonempty(r->password) && nonempty(r->token);
}

static void
unauthorized(struct attempt *at)
{
	struct auth_verdict	*v = at->v;

	deny(at, at->reason);
	if (at->reason == AUTH_R_RATE_LIMITED)
		v->retry_after_ms = at->retry_after > UINT32_MAX ?
		    UINT32_MAX : (uint32_t)at->retry_after;
	if (at->reason == AUTH_R_TOKEN_MISMATCH && at->f.has_device &&
	    provided_token(at->r) && !nonempty(at->r->device_token))
		v->flags |= VERDICT_F_RETRY_DEVICE_TOKEN;
	if ((at->reason == AUTH_R_TOKEN_MISMATCH ||
	    at->reason == AUTH_R_PASSWORD_MISMATCH) && at->f.local)
		authd_fingerprints(at->a, at->r, v->fingerprint,
		    v->provided_fingerprint);
}

static void
grant(struct attempt *at, uint64_t scopes)
{
	struct auth_verdict	*v = at->v;

	v->result = VERDICT_OK;
	v->reason = AUTH_R_NONE;
	v->method = at->method;
	v->scopes = scopes;
	if (at->method == AUTH_M_DEVICE_TOKEN)
		snprintf(v->principal, sizeof(v->principal), "device:%s",
		    at->device_id);
	else
		snprintf(v->principal, sizeof(v->principal), "%s",
		    at->method == AUTH_M_NONE ? "none" : "shared");
}

/* ---- 1. shared secret ------------------------------------------------ */

/*
 * The client's address as a limiter key: parsed, then masked to the
 * configured prefix, so neither another spelling nor another address of
 * the same /64 is a fresh bucket.
 */
static size_t
peer_key(struct attempt *at, char *out, size_t len)
{
	struct cg_addr	ca;
	unsigned	v4, v6;
	int		n;

	authd_key_prefixes(at->a, &v4, &v6);
	if (addr_parse(at->peer, strlen(at->peer), &ca) == -1 ||
	    (n = addr_key(&ca, v4, v6, out, len)) < 0)
		return (size_t)snprintf(out, len, "unknown");
	return (size_t)n;
}

/* A loopback page's origin: http(s)://localhost|127.x|[::1][:port]. */
static int
loopback_origin(struct auth_str s)
{
	char	o[AUTH_MAX_FIELD + 1];
	int	lo = 0;

	return canon_origin(s, o, &lo) == 0 && lo;
}

static void
select_limiter(struct attempt *at)
{
	const struct auth_req	*r = at->r;

	norm_peer(r->peer, at->peer);
	if (at->f.has_origin) {
		/*
		 * Browsers: their own limiter, never loopback-exempt.  Pages
		 * on this host are told apart by their origin (several
		 * local UIs share 127.0.0.1), but only loopback origins:
		 * any other Origin text is the attacker's choice, and a
		 * fresh bucket per invented origin would be no limit.
		 */
		at->rl = authd_limiter(at->a, 1);
		if (at->f.local && loopback_origin(r->origin))
			at->slen = norm_origin(r->origin, at->subject,
			    sizeof(at->subject));
		else
			at->slen = peer_key(at, at->subject,
			    sizeof(at->subject));
	} else {
		at->rl = authd_limiter(at->a, 0);
		/*
		 * Every exempt attempt shares one key, so its delays add up
		 * for all of loopback: a worker that claims loopback for
		 * guesses from anywhere, or a local client that binds
		 * 127.x.y.z addresses by the million, gets one queue.
		 */
		if (rl_exempts(at->rl, at->f.loopback))
			at->slen = (size_t)snprintf(at->subject,
			    sizeof(at->subject), "loopback");
		else
			at->slen = peer_key(at, at->subject,
			    sizeof(at->subject));
	}
	if (at->slen >= sizeof(at->subject))
		at->slen = sizeof(at->subject) - 1;
}

/* auth.deviceToken if present, else auth.token; only with a device. */
static void
device_token_candidate(struct attempt *at)
{
	struct auth_str	dt = authd_trim(at->r->device_token);
	struct auth_str	t = authd_trim(at->r->token);

	if (!at->f.has_device)
		return;
	if (nonempty(dt)) {
		at->devtok = dt;
		at->devtok_explicit = 1;
	} else if (nonempty(t))
		at->devtok = t;
}

static void
shared_secret(struct attempt *at)
{
	struct auth_str	tok = authd_trim(at->r->token);
	struct auth_str	pw = authd_trim(at->r->password);
	struct auth_str	cand;
	int		pwmode = at->mode == AUTHMODE_PASSWORD, match;

	if (at->mode == AUTHMODE_NONE) {
		at->auth_ok = 1;
		at->method = AUTH_M_NONE;
		return;
	}
	at->method = pwmode ? AUTH_M_PASSWORD : AUTH_M_TOKEN;
	/* Either field carries the secret in either mode (§5.2). */
	if (pwmode)
		cand = nonempty(pw) ? pw : tok;
	else
		cand = nonempty(tok) ? tok : pw;
	if (!nonempty(cand)) {
		(void)authd_secret_matches(at->a, "", 0);
		if (!authd_secret_configured(at->a))
			at->reason = pwmode ? AUTH_R_PASSWORD_MISSING_CONFIG :
			    AUTH_R_TOKEN_MISSING_CONFIG;
		else
			at->reason = pwmode ? AUTH_R_PASSWORD_MISSING :
			    AUTH_R_TOKEN_MISSING;
		return;
	}
	/* Locked keys are refused before anything is compared (§10). */
	if (rl_check(at->rl, RL_SCOPE_SHARED_SECRET, at->subject, at->slen,
	    at->f.loopback, at->now, &at->retry_after) != 0) {
		at->reason = AUTH_R_RATE_LIMITED;
		return;
	}
	at->backlog = rl_backlog(at->rl, RL_SCOPE_SHARED_SECRET, at->subject,
	    at->slen, at->now);
	match = authd_secret_matches(at->a, cand.p, cand.len);
	if (!authd_secret_configured(at->a)) {
		at->reason = pwmode ? AUTH_R_PASSWORD_MISSING_CONFIG :
		    AUTH_R_TOKEN_MISSING_CONFIG;
		return;
	}
	if (match) {
		at->auth_ok = at->shared_ok = 1;
		rl_reset(at->rl, RL_SCOPE_SHARED_SECRET, at->subject, at->slen);
		return;
	}
	at->reason = pwmode ? AUTH_R_PASSWORD_MISMATCH : AUTH_R_TOKEN_MISMATCH;
	/* With a device-token fallback the failure counts only at the end. */
	if (at->devtok.p != NULL)
		at->pending_shared = 1;
	else
		record_shared_failure(at);
}

static void
settle_shared_failure(struct attempt *at)
{
	if (at->pending_shared && !at->auth_ok) {
		at->pending_shared = 0;
		record_shared_failure(at);
	}
}

/* shouldSkipLocalBackendSelfPairing */
static int
local_backend(const struct attempt *at)
{
	return at->f.backend && at->f.local && !at->f.has_origin &&
	    (at->method == AUTH_M_NONE || at->method == AUTH_M_DEVICE_TOKEN ||
	    at->shared_ok);
}

/* ---- 2. missing device identity (§5.7) ------------------------------- */

/* Returns 1 when the decision is final. */
static int
missing_device(struct attempt *at)
{
	const struct auth_req	*r = at->r;
	int			 backend = local_backend(at);
	int			 keep, allow;

	if (at->f.has_device)
		return 0;
	allow = (backend && at->f.role == PAIR_ROLE_OPERATOR) ||
	    (!at->f.ui && at->f.role == PAIR_ROLE_OPERATOR && at->shared_ok);
	if (!allow) {
		if (at->f.ui)
			deny(at, AUTH_R_UI_DEVICE_IDENTITY_REQUIRED);
		else if (!at->auth_ok &&
		    (nonempty(r->token) || nonempty(r->password)))
			unauthorized(at);
		else {
			deny(at, AUTH_R_DEVICE_IDENTITY_REQUIRED);
			/* What the reference's order hides. */
			if (!at->auth_ok)
				at->v->hidden_reason =
				    nonempty(authd_trim(r->bootstrap_token)) ?
				    AUTH_R_BOOTSTRAP_TOKEN_INVALID : at->reason;
		}
		return 1;
	}
	/* Device-less operators lose their scopes, bar two local cases. */
	keep = backend || (at->f.cli && at->f.local && !at->f.has_origin &&
	    at->shared_ok) || at->method == AUTH_M_NONE;
	if (!keep && r->nscopes > 0)
		at->v->flags |= VERDICT_F_SCOPES_CLEARED;
	grant(at, keep ? at->f.scopes : 0);
	return 1;
}

/* ---- 4. bootstrap token, then device token --------------------------- */

/*
 * auth.bootstrapToken carries a device setup code (`openclaw qr`,
 * `openclaw devices join-code`, a dashboard's #bootstrapToken=): single
 * use, issued by the reference's gateway for one device.  clawgate issues
 * none, so every one is invalid: the reference's bootstrap_token_invalid,
 * in the reference's place (after the shared secret, before the device
 * token, which may still succeed or name its own failure).  Nothing is
 * compared, so there is nothing to rate-limit.
 */
static void
bootstrap_token(struct attempt *at)
{
	if (at->auth_ok || !nonempty(authd_trim(at->r->bootstrap_token)))
		return;
	at->reason = AUTH_R_BOOTSTRAP_TOKEN_INVALID;
}

static void
device_token(struct attempt *at)
{
	enum pair_vt	vt;
	uint64_t	gen;

	if (at->auth_ok || at->devtok.p == NULL)
		return;
	if (rl_check(at->rl, RL_SCOPE_DEVICE_TOKEN, at->subject, at->slen,
	    at->f.loopback, at->now, &at->retry_after) != 0) {
		at->reason = AUTH_R_RATE_LIMITED;
		return;
	}
	vt = pairing_verify_token(at->p, at->device_id, at->f.role,
	    at->devtok.p, at->devtok.len, at->f.scopes,
	    authd_secret_generation(at->a), at->now, &gen);
	if (vt == PAIR_VT_OK) {
		at->auth_ok = 1;
		at->method = AUTH_M_DEVICE_TOKEN;
		at->issuer_gen = gen;
		rl_reset(at->rl, RL_SCOPE_DEVICE_TOKEN, at->subject, at->slen);
		return;
	}
	/* A shared token tried as a device token keeps the shared error. */
	if (vt == PAIR_VT_SCOPE)
		at->reason = AUTH_R_SCOPE_MISMATCH;
	else if (at->devtok_explicit || at->reason == AUTH_R_NONE)
		at->reason = AUTH_R_DEVICE_TOKEN_MISMATCH;
	(void)rl_record_failure(at->rl, RL_SCOPE_DEVICE_TOKEN, at->subject,
	    at->slen, at->f.loopback, at->now);
}

/* ---- 6. pairing (§7) ------------------------------------------------- */

static void
client_facts(struct attempt *at, struct pair_client *c)
{
	const struct auth_req	*r = at->r;

	memset(c, 0, sizeof(*c));
	c->device_id = at->device_id;
	c->public_key = at->pk;
	c->name = r->name;
	c->platform = r->platform;
	c->family = r->family;
	c->client_id = r->client_id;
	c->client_mode = r->client_mode;
	/* The reference leaves remoteIp out for direct-local clients. */
	if (!(r->flags & AUTH_F_LOCAL) || (r->flags & AUTH_F_FORWARDED))
		c->remote_ip = at->peer;
	/* browserOrigin: the page a browser client came from. */
	if (at->f.has_origin && canon_origin(r->origin, at->origin, NULL) == 0)
		c->browser_origin = at->origin;
	c->role = at->f.role;
	c->scopes = at->f.scopes;
}

/* shouldAllowSilentLocalPairing */
static int
silent_allowed(const struct attempt *at, uint32_t why)
{
	const struct facts	*f = &at->f;

	if (!f->local)
		return 0;
	if (f->has_origin && !f->ui && !f->webchat)
		return 0;
	if (why == PAIR_R_METADATA_UPGRADE)
		return !f->has_origin && !f->ui && !f->webchat &&
		    f->native_ui;
	if (why == PAIR_R_SCOPE_UPGRADE)
		return at->method == AUTH_M_NONE ||
		    at->method == AUTH_M_TOKEN || at->method == AUTH_M_PASSWORD;
	return 1;
}

static int
meta_eq(const char *pinned, struct auth_str claimed)
{
	struct auth_str	p = { pinned, 0 };
	size_t		i;

	if (pinned != NULL)
		p.len = strlen(pinned);
	p = authd_trim(p);
	claimed = authd_trim(claimed);
	if (p.len == 0)
		return 1;		/* nothing pinned */
	if (claimed.p == NULL || claimed.len != p.len)
		return 0;
	for (i = 0; i < p.len; i++) {
		char	a = p.p[i], b = claimed.p[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/* Pinned platform and device family still match (§7.1). */
static int
metadata_ok(const struct attempt *at, const struct pair_device *d)
{
	return meta_eq(d->platform, at->r->platform) &&
	    meta_eq(d->device_family, at->r->family);
}

/* pairingStateAllowsRequestedAccess, plus the metadata pin. */
static int
access_ok(const struct attempt *at, const struct pair_device *d)
{
	return d != NULL && memcmp(d->public_key, at->pk, 32) == 0 &&
	    metadata_ok(at, d) &&
	    (pair_effective_roles(d) & PAIR_ROLE_BIT(at->f.role)) &&
	    pair_scopes_allow(at->f.role, at->f.scopes, d->approved_scopes);
}

/*
 * requirePairing: create or refresh the request, approve it on the spot
 * when silent pairing applies, else fail with PAIRING_REQUIRED.
 * Returns 0 when the connect may go on, -1 when the verdict is final.
 */
static int
require_pairing(struct attempt *at, uint32_t why,
    const struct pair_device *existing)
{
	struct pair_client	 c;
	struct pair_pending	*e;
	struct pair_result	 res;
	struct auth_verdict	*v = at->v;
	char			 rid[REQUEST_ID_LEN + 1];
	int			 silent, approved = 0;

	/* A paired device never gets a non-operator role silently. */
	silent = !(existing != NULL && at->f.role != PAIR_ROLE_OPERATOR) &&
	    silent_allowed(at, why);
	client_facts(at, &c);
	if ((e = pairing_request(at->p, &c, silent, at->now)) == NULL) {
		fail_internal(at);
		return -1;
	}
	memcpy(rid, e->request_id, sizeof(rid));
	if (silent && pairing_approve_via(at->p, rid, PAIR_CALLER_ANY,
	    PAIR_VIA_SILENT, at->method == AUTH_M_TOKEN ||
	    at->method == AUTH_M_PASSWORD ? authd_secret_generation(at->a) : 0,
	    at->now, &res) == PAIR_OK) {
		approved = 1;	/* the request is gone */
		v->flags |= VERDICT_F_SILENT_PAIRED;
	}
	if (access_ok(at, pairing_lookup(at->p, at->device_id)))
		return 0;
	deny(at, AUTH_R_PAIRING_REQUIRED);
	v->pairing_reason = why;
	v->flags &= ~VERDICT_F_SILENT_PAIRED;
	v->scopes = at->f.scopes;
	if (!approved)
		memcpy(v->request_id, rid, sizeof(rid));
	return -1;
}

/* authorizeExistingGatewayDevice: metadata, role, then scopes. */
static int
existing_device(struct attempt *at)
{
	struct pair_device	*d = pairing_lookup(at->p, at->device_id);
	struct pair_client	 c;

	if (!metadata_ok(at, d) &&
	    require_pairing(at, PAIR_R_METADATA_UPGRADE, d) != 0)
		return -1;
	d = pairing_lookup(at->p, at->device_id);
	if (!(pair_effective_roles(d) & PAIR_ROLE_BIT(at->f.role)) &&
	    require_pairing(at, PAIR_R_ROLE_UPGRADE, d) != 0)
		return -1;
	d = pairing_lookup(at->p, at->device_id);
	if (!pair_scopes_allow(at->f.role, at->f.scopes, d->approved_scopes) &&
	    require_pairing(at, PAIR_R_SCOPE_UPGRADE, d) != 0)
		return -1;
	if ((d = pairing_lookup(at->p, at->device_id)) != NULL) {
		client_facts(at, &c);
		pairing_touch(at->p, d, &c, at->now);
	}
	return 0;
}

/* Which shared secret a new token is bound to (the issuer). */
static uint64_t
token_issuer(const struct attempt *at)
{
	uint64_t	gen = authd_secret_generation(at->a);

	if (gen == 0)
		return 0;
	if (at->method == AUTH_M_DEVICE_TOKEN && at->issuer_gen != 0)
		return gen;
	if ((at->method == AUTH_M_TOKEN || at->method == AUTH_M_PASSWORD) &&
	    (at->f.browser_ui || at->f.webchat))
		return gen;
	return 0;
}

static void
pairing_phase(struct attempt *at)
{
	struct pair_device	*d = pairing_lookup(at->p, at->device_id);
	struct pair_client	 c;
	int			 paired, backend, ui_none, baseline = 0;
	uint64_t		 issued;

	paired = d != NULL && memcmp(d->public_key, at->pk, 32) == 0;
	backend = local_backend(at);
	/* The Control UI in auth-none mode skips pairing (§5.3). */
	ui_none = at->f.ui && at->f.role == PAIR_ROLE_OPERATOR &&
	    at->mode == AUTHMODE_NONE;
	if (backend || ui_none) {
		if (paired) {
			baseline = 1;
			client_facts(at, &c);
			pairing_touch(at->p, d, &c, at->now);
		}
	} else if (!paired) {
		if (require_pairing(at, PAIR_R_NOT_PAIRED, d) != 0)
			return;
		baseline = 1;
	} else {
		if (existing_device(at) != 0)
			return;
		baseline = 1;
	}
	grant(at, at->f.scopes);
	d = pairing_lookup(at->p, at->device_id);
	if (baseline && d != NULL && pairing_issue_token(at->p, d, at->f.role,
	    at->f.scopes, token_issuer(at), at->now, at->v->device_token,
	    &issued) == 0)
		at->v->issued_at_ms = issued;
}

/* ---- the decision ---------------------------------------------------- */

void
authd_decide(struct authd *a, const struct auth_req *r, uint64_t now,
    struct auth_verdict *v)
{
	struct attempt	 at;
	uint32_t	 why;

	memset(v, 0, sizeof(*v));
	v->result = VERDICT_DENY;
	snprintf(v->tenant, sizeof(v->tenant), "default");
	if (a == NULL || r == NULL) {
		v->result = VERDICT_ERROR;
		v->reason = AUTH_R_UNAVAILABLE;
		return;
	}
	memset(&at, 0, sizeof(at));
	at.a = a;
	at.p = authd_pairing(a);
	at.r = r;
	at.now = now;
	at.v = v;
	at.mode = authd_mode(a);
	if (facts_init(&at.f, r) != 0)
		return;		/* the worker admits operator, node */
	snprintf(v->role, sizeof(v->role), "%s", at.f.role_name);

	select_limiter(&at);
	device_token_candidate(&at);
	shared_secret(&at);
	if (missing_device(&at))
		goto out;
	if ((why = device_verify(r, at.f.role_name, now, at.pk)) !=
	    AUTH_R_NONE) {
		settle_shared_failure(&at);
		if (why == AUTH_R_UNAVAILABLE)
			fail_internal(&at);
		else
			deny(&at, why);
		goto out;
	}
	device_id_from_key(at.pk, at.device_id);
	memcpy(v->device_id, at.device_id, sizeof(at.device_id));
	bootstrap_token(&at);
	device_token(&at);
	settle_shared_failure(&at);
	if (!at.auth_ok) {
		unauthorized(&at);
		goto out;
	}
	pairing_phase(&at);
out:
	/* Nothing, not even a success, overtakes a delayed failure. */
	if (v->result != VERDICT_ERROR && at.backlog > v->delay_ms)
		v->delay_ms = at.backlog > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)at.backlog;
	sodium_memzero(&at, sizeof(at));
}
