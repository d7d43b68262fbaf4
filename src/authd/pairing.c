/*
 * pairing.c: paired devices, pending pairing requests and device tokens
 * (protocol.md §7), in memory.
 *
 * Records live in chained hash tables keyed by device id (and pending
 * requests also by request id), hashed with SipHash under a per-boot key
 * so that chosen ids cannot flood one bucket: lookups cost the same for
 * ten devices or a hundred thousand.  Pending requests are also queued
 * by refresh time, so expiry and eviction of the oldest are O(1).
 *
 * Device-token strings are derived, not stored: BLAKE2b keyed with the
 * token key over (device id, role, salt).  A record holds the salt and
 * a keyed digest of the string; nothing in it is a bearer secret.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authd.h"
#include "scopes.h"

#define DEV_MIN_BUCKETS		64
#define PEND_BUCKETS		8192	/* >= 2 * PAIR_MAX_PENDING */
#define TOKEN_DOMAIN		"clawgate-device-token-v1"

TAILQ_HEAD(pend_queue, pair_pending);

struct pairing {
	const struct authd_keys	 *keys;
	struct pair_device	**dev;
	size_t			  ndevb, ndev;
	struct pair_pending	**pdev, **preq;
	size_t			  npend;
	struct pend_queue	  pq;
	uint64_t		  ver_hard, ver_soft;	/* see pairing_versions */
	pair_observer		 *obs;
	void			 *obs_arg;
};

static void
changed(struct pairing *p, int durable)
{
	if (durable)
		p->ver_hard++;
	else
		p->ver_soft++;
}

static void
notify(struct pairing *p, enum pair_event ev, const struct pair_pending *e)
{
	if (p->obs != NULL)
		p->obs(p->obs_arg, ev, e);
}

/* The strings a request or a record carries, duplicated as a unit. */
struct strs {
	char	*name, *platform, *family, *client_id, *client_mode, *ip;
	char	*origin;
};

static const char *const role_names[PAIR_NROLES] = { "operator", "node" };

const char *
pair_role_name(uint32_t role)
{
	return role < PAIR_NROLES ? role_names[role] : "unknown";
}

int
pair_role_from(const char *p, size_t len)
{
	int	i;

	for (i = 0; i < PAIR_NROLES; i++)
		if (p != NULL && strlen(role_names[i]) == len &&
		    memcmp(role_names[i], p, len) == 0)
			return i;
	return -1;
}

const char *
pair_via_name(uint32_t via)
{
	switch (via) {
	case PAIR_VIA_OWNER:	return "owner";
	case PAIR_VIA_SILENT:	return "silent";
	default:		return NULL;
	}
}

const char *
pair_seen_name(uint32_t seen)
{
	switch (seen) {
	case PAIR_SEEN_CONNECT:		return "connect";
	case PAIR_SEEN_DEVICE_TOKEN:	return "device-token-auth";
	default:			return NULL;
	}
}

/* ---- scopes ---------------------------------------------------------- */

int
pair_scopes_allow(uint32_t role, uint64_t requested, uint64_t allowed)
{
	int	s;

	if (role != PAIR_ROLE_OPERATOR)
		return requested == 0;	/* node.* is not modelled */
	for (s = 0; s < SCOPE_COUNT; s++)
		if ((requested & SCOPE_BIT(s)) &&
		    !scope_satisfied(allowed, (enum cg_scope)s))
			return 0;
	return 1;
}

/* First scope of `want' that `caller' lacks, or -1. */
static int
caller_missing(uint64_t caller, uint64_t want)
{
	int	s;

	if (caller == PAIR_CALLER_ANY)
		return -1;
	for (s = 0; s < SCOPE_COUNT; s++)
		if ((want & SCOPE_BIT(s)) &&
		    !scope_satisfied(caller, (enum cg_scope)s))
			return s;
	return -1;
}

static uint64_t
token_scopes(uint32_t role, uint64_t s)
{
	return role == PAIR_ROLE_OPERATOR ? scope_normalize(s) : 0;
}

uint32_t
pair_effective_roles(const struct pair_device *d)
{
	uint32_t	r, eff = 0;

	for (r = 0; r < PAIR_NROLES; r++)
		if (d->tokens[r].present && d->tokens[r].revoked_at_ms == 0)
			eff |= PAIR_ROLE_BIT(r);
	return eff & d->roles;
}

/* ---- tables ---------------------------------------------------------- */

static uint64_t
khash(const struct pairing *p, const char *s)
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, (const unsigned char *)s, strlen(s),
	    p->keys->hash_key);
	memcpy(&h, out, sizeof(h));
	return h;
}

static struct pair_device *
dev_find(const struct pairing *p, const char *id)
{
	struct pair_device	*d;
	uint64_t		 h;

	if (id == NULL || strlen(id) != DEVICE_ID_LEN)
		return NULL;
	h = khash(p, id);
	for (d = p->dev[h & (p->ndevb - 1)]; d != NULL; d = d->hnext)
		if (d->hash == h && strcmp(d->device_id, id) == 0)
			return d;
	return NULL;
}

static void
dev_grow(struct pairing *p)
{
	struct pair_device	**nb, *d, *next;
	size_t			  i, n = p->ndevb * 2;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;		/* chains just get longer */
	for (i = 0; i < p->ndevb; i++)
		for (d = p->dev[i]; d != NULL; d = next) {
			next = d->hnext;
			d->hnext = nb[d->hash & (n - 1)];
			nb[d->hash & (n - 1)] = d;
		}
	free(p->dev);
	p->dev = nb;
	p->ndevb = n;
}

static void
dev_link(struct pairing *p, struct pair_device *d)
{
	struct pair_device	**b;

	if (p->ndev >= p->ndevb)
		dev_grow(p);
	d->hash = khash(p, d->device_id);
	b = &p->dev[d->hash & (p->ndevb - 1)];
	d->hnext = *b;
	*b = d;
	p->ndev++;
	changed(p, 1);
}

static void
dev_unlink(struct pairing *p, struct pair_device *d)
{
	struct pair_device	**pp;

	for (pp = &p->dev[d->hash & (p->ndevb - 1)]; *pp != d;
	    pp = &(*pp)->hnext)
		;
	*pp = d->hnext;
	p->ndev--;
	changed(p, 1);
}

static void
dev_free(struct pair_device *d)
{
	free(d->display_name);
	free(d->operator_label);
	free(d->platform);
	free(d->device_family);
	free(d->client_id);
	free(d->client_mode);
	free(d->remote_ip);
	free(d->browser_origin);
	sodium_memzero(d, sizeof(*d));
	free(d);
}

static struct pair_pending *
pend_by_dev(const struct pairing *p, const char *id)
{
	struct pair_pending	*e;
	uint64_t		 h = khash(p, id);

	for (e = p->pdev[h & (PEND_BUCKETS - 1)]; e != NULL; e = e->hnext_dev)
		if (e->hash_dev == h && strcmp(e->device_id, id) == 0)
			return e;
	return NULL;
}

static struct pair_pending *
pend_by_req(const struct pairing *p, const char *rid)
{
	struct pair_pending	*e;
	uint64_t		 h;

	if (rid == NULL || strlen(rid) != REQUEST_ID_LEN)
		return NULL;
	h = khash(p, rid);
	for (e = p->preq[h & (PEND_BUCKETS - 1)]; e != NULL; e = e->hnext_req)
		if (e->hash_req == h && strcmp(e->request_id, rid) == 0)
			return e;
	return NULL;
}

static void
pend_link(struct pairing *p, struct pair_pending *e)
{
	struct pair_pending	**b;

	e->hash_dev = khash(p, e->device_id);
	e->hash_req = khash(p, e->request_id);
	b = &p->pdev[e->hash_dev & (PEND_BUCKETS - 1)];
	e->hnext_dev = *b;
	*b = e;
	b = &p->preq[e->hash_req & (PEND_BUCKETS - 1)];
	e->hnext_req = *b;
	*b = e;
	TAILQ_INSERT_TAIL(&p->pq, e, q);
	p->npend++;
	changed(p, 1);
}

static void
strs_free(struct strs *s)
{
	free(s->name);
	free(s->platform);
	free(s->family);
	free(s->client_id);
	free(s->client_mode);
	free(s->ip);
	free(s->origin);
	memset(s, 0, sizeof(*s));
}

static void
pend_delete(struct pairing *p, struct pair_pending *e)
{
	struct pair_pending	**pp;
	struct strs		  s = { e->display_name, e->platform,
				    e->device_family, e->client_id,
				    e->client_mode, e->remote_ip,
				    e->browser_origin };

	for (pp = &p->pdev[e->hash_dev & (PEND_BUCKETS - 1)]; *pp != e;
	    pp = &(*pp)->hnext_dev)
		;
	*pp = e->hnext_dev;
	for (pp = &p->preq[e->hash_req & (PEND_BUCKETS - 1)]; *pp != e;
	    pp = &(*pp)->hnext_req)
		;
	*pp = e->hnext_req;
	TAILQ_REMOVE(&p->pq, e, q);
	p->npend--;
	strs_free(&s);
	free(e);
	changed(p, 1);
}

static uint64_t
pend_refreshed(const struct pair_pending *e)
{
	return e->refreshed_at_ms != 0 ? e->refreshed_at_ms : e->ts;
}

/* Requests expire PAIR_PENDING_TTL_MS after their last refresh. */
static void
pend_prune(struct pairing *p, uint64_t now)
{
	struct pair_pending	*e;

	uint64_t		 hard = p->ver_hard;

	while ((e = TAILQ_FIRST(&p->pq)) != NULL &&
	    now > pend_refreshed(e) && now - pend_refreshed(e) >
	    PAIR_PENDING_TTL_MS)
		pend_delete(p, e);
	/* Expiry is recomputed after a reload: nothing to make durable. */
	if (p->ver_hard != hard) {
		p->ver_hard = hard;
		changed(p, 0);
	}
}

struct pairing *
pairing_new(const struct authd_keys *keys)
{
	struct pairing	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->keys = keys;
	p->ndevb = DEV_MIN_BUCKETS;
	p->dev = calloc(p->ndevb, sizeof(*p->dev));
	p->pdev = calloc(PEND_BUCKETS, sizeof(*p->pdev));
	p->preq = calloc(PEND_BUCKETS, sizeof(*p->preq));
	TAILQ_INIT(&p->pq);
	if (p->dev == NULL || p->pdev == NULL || p->preq == NULL) {
		pairing_free(p);
		return NULL;
	}
	return p;
}

void
pairing_free(struct pairing *p)
{
	struct pair_pending	*e;
	struct pair_device	*d, *next;
	size_t			 i;

	if (p == NULL)
		return;
	while ((e = TAILQ_FIRST(&p->pq)) != NULL)
		pend_delete(p, e);
	for (i = 0; p->dev != NULL && i < p->ndevb; i++)
		for (d = p->dev[i]; d != NULL; d = next) {
			next = d->hnext;
			dev_free(d);
		}
	free(p->dev);
	free(p->pdev);
	free(p->preq);
	free(p);
}

/* ---- tokens ---------------------------------------------------------- */

static void
token_string(const struct pairing *p, const char *device_id, uint32_t role,
    const uint8_t salt[16], char out[DEVICE_TOKEN_LEN + 1])
{
	crypto_generichash_state	st;
	uint8_t				raw[32];
	const char			*rn = pair_role_name(role);

	crypto_generichash_init(&st, p->keys->token_key,
	    sizeof(p->keys->token_key), sizeof(raw));
	crypto_generichash_update(&st, (const unsigned char *)TOKEN_DOMAIN,
	    sizeof(TOKEN_DOMAIN));
	crypto_generichash_update(&st, (const unsigned char *)device_id,
	    strlen(device_id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)rn,
	    strlen(rn) + 1);
	crypto_generichash_update(&st, salt, 16);
	crypto_generichash_final(&st, raw, sizeof(raw));
	sodium_bin2base64(out, DEVICE_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(&st, sizeof(st));
}

static void
token_set_digest(const struct pairing *p, const struct pair_device *d,
    uint32_t role, struct pair_token *t)
{
	char	s[DEVICE_TOKEN_LEN + 1];

	token_string(p, d->device_id, role, t->salt, s);
	authd_digest(p->keys, s, DEVICE_TOKEN_LEN, t->digest);
	sodium_memzero(s, sizeof(s));
}

/* A new string for `role', keeping creation and last use. */
static void
token_mint(struct pairing *p, struct pair_device *d, uint32_t role,
    uint64_t scopes, uint64_t issuer_gen, uint64_t now)
{
	struct pair_token	*t = &d->tokens[role];
	int			 had = t->present;

	t->present = 1;
	randombytes_buf(t->salt, sizeof(t->salt));
	token_set_digest(p, d, role, t);
	t->scopes = token_scopes(role, scopes);
	t->issuer_gen = issuer_gen;
	if (!had) {
		t->created_at_ms = now;
		t->last_used_at_ms = 0;
	}
	t->rotated_at_ms = had ? now : 0;
	t->revoked_at_ms = 0;
	changed(p, 1);
}

void
pairing_rekey(struct pairing *p)
{
	struct pair_device	*d;
	size_t			 i;
	uint32_t		 r;

	for (i = 0; i < p->ndevb; i++)
		for (d = p->dev[i]; d != NULL; d = d->hnext)
			for (r = 0; r < PAIR_NROLES; r++)
				if (d->tokens[r].present)
					token_set_digest(p, d, r,
					    &d->tokens[r]);
}

/*
 * Tokens issued under the shared secret's generation `from' now belong
 * to `to' (the same secret, renamed when fingerprints became keyed).
 */
void
pairing_regen(struct pairing *p, uint64_t from, uint64_t to)
{
	struct pair_device	*d;
	size_t			 i;
	uint32_t		 r;
	int			 n = 0;

	if (from == 0 || to == 0 || from == to)
		return;
	for (i = 0; i < p->ndevb; i++)
		for (d = p->dev[i]; d != NULL; d = d->hnext)
			for (r = 0; r < PAIR_NROLES; r++)
				if (d->tokens[r].present &&
				    d->tokens[r].issuer_gen == from) {
					d->tokens[r].issuer_gen = to;
					n++;
				}
	if (n > 0)
		changed(p, 1);
}

int
pairing_issue_token(struct pairing *p, struct pair_device *d, uint32_t role,
    uint64_t scopes, uint64_t issuer_gen, uint64_t now,
    char tok[DEVICE_TOKEN_LEN + 1], uint64_t *issued_at)
{
	struct pair_token	*t;

	if (d == NULL || role >= PAIR_NROLES ||
	    !(d->roles & PAIR_ROLE_BIT(role)) ||
	    !pair_scopes_allow(role, scopes, d->approved_scopes))
		return -1;
	t = &d->tokens[role];
	if (!(t->present && t->revoked_at_ms == 0 &&
	    pair_scopes_allow(role, t->scopes, d->approved_scopes) &&
	    t->issuer_gen == issuer_gen &&
	    pair_scopes_allow(role, scopes, t->scopes)))
		token_mint(p, d, role, scopes, issuer_gen, now);
	token_string(p, d->device_id, role, t->salt, tok);
	*issued_at = t->rotated_at_ms != 0 ? t->rotated_at_ms :
	    t->created_at_ms;
	return 0;
}

enum pair_vt
pairing_verify_token(struct pairing *p, const char *device_id, uint32_t role,
    const char *cand, size_t clen, uint64_t scopes, uint64_t current_gen,
    uint64_t now, uint64_t *issuer_gen)
{
	struct pair_device	*d = dev_find(p, device_id);
	struct pair_token	*t = NULL;
	uint8_t			 h[32];
	int			 eq;

	*issuer_gen = 0;
	if (d != NULL && role < PAIR_NROLES && d->tokens[role].present)
		t = &d->tokens[role];
	/* Always one digest and one comparison, whatever is stored. */
	authd_digest(p->keys, cand != NULL ? cand : "", clen, h);
	eq = crypto_verify_32(h, t != NULL ? t->digest : p->keys->dummy) == 0;
	sodium_memzero(h, sizeof(h));
	if (t == NULL || !eq || t->revoked_at_ms != 0)
		return PAIR_VT_MISMATCH;
	/* Issued under a shared secret that has since changed. */
	if (t->issuer_gen != 0 && t->issuer_gen != current_gen)
		return PAIR_VT_MISMATCH;
	if (!pair_scopes_allow(role, t->scopes, d->approved_scopes) ||
	    !pair_scopes_allow(role, scopes, t->scopes))
		return PAIR_VT_SCOPE;
	t->last_used_at_ms = now;
	d->last_seen_at_ms = now;
	d->last_seen_reason = PAIR_SEEN_DEVICE_TOKEN;
	changed(p, 0);
	*issuer_gen = t->issuer_gen;
	return PAIR_VT_OK;
}

/* ---- requests -------------------------------------------------------- */

/* crypto.randomUUID(): lowercase RFC 4122 version 4. */
static void
uuid_request_id(char out[REQUEST_ID_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 b[16];
	size_t			 i, o = 0;

	randombytes_buf(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

static char *
dup_str(struct auth_str s)
{
	char	*c;

	if (s.p == NULL)
		return NULL;
	if ((c = malloc(s.len + 1)) == NULL)
		return NULL;
	memcpy(c, s.p, s.len);
	c[s.len] = '\0';
	return c;
}

static char *
dup_cstr(const char *s)
{
	struct auth_str	a = { s, s != NULL ? strlen(s) : 0 };

	return dup_str(a);
}

/* All of the client's strings, or none (-1). */
static int
strs_from_client(struct strs *s, const struct pair_client *c)
{
	memset(s, 0, sizeof(*s));
	s->name = dup_str(c->name);
	s->platform = dup_str(c->platform);
	s->family = dup_str(c->family);
	s->client_id = dup_str(c->client_id);
	s->client_mode = dup_str(c->client_mode);
	s->ip = dup_cstr(c->remote_ip);
	s->origin = dup_cstr(c->browser_origin);
	if ((c->name.p != NULL && s->name == NULL) ||
	    (c->platform.p != NULL && s->platform == NULL) ||
	    (c->family.p != NULL && s->family == NULL) ||
	    (c->client_id.p != NULL && s->client_id == NULL) ||
	    (c->client_mode.p != NULL && s->client_mode == NULL) ||
	    (c->remote_ip != NULL && s->ip == NULL) ||
	    (c->browser_origin != NULL && s->origin == NULL)) {
		strs_free(s);
		return -1;
	}
	return 0;
}

/* Replace `*dst' with `*src' when the incoming value is present. */
static void
take(char **dst, char **src)
{
	if (*src == NULL)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The reference's samePendingApprovalSnapshot or ...CoveredByExisting. */
static int
can_refresh(const struct pair_pending *e, const struct pair_client *c)
{
	if (memcmp(e->public_key, c->public_key, 32) != 0 ||
	    !same_str(e->browser_origin, c->browser_origin) ||
	    e->role != c->role || !(e->roles & PAIR_ROLE_BIT(c->role)))
		return 0;
	if (e->roles == PAIR_ROLE_BIT(c->role) &&
	    scope_normalize(e->scopes) == scope_normalize(c->scopes))
		return 1;
	return pair_scopes_allow(c->role, c->scopes, e->scopes);
}

struct pair_pending *
pairing_request(struct pairing *p, const struct pair_client *c, int silent,
    uint64_t now)
{
	struct pair_pending	*e, *old;
	struct strs		 s;
	uint32_t		 roles = PAIR_ROLE_BIT(c->role);
	uint64_t		 scopes = c->scopes;

	pend_prune(p, now);
	if (strs_from_client(&s, c) != 0)
		return NULL;
	if ((old = pend_by_dev(p, c->device_id)) != NULL &&
	    can_refresh(old, c)) {
		take(&old->display_name, &s.name);
		take(&old->platform, &s.platform);
		take(&old->device_family, &s.family);
		take(&old->client_id, &s.client_id);
		take(&old->client_mode, &s.client_mode);
		take(&old->remote_ip, &s.ip);
		strs_free(&s);
		old->silent = old->silent && silent;
		old->is_repair |= dev_find(p, c->device_id) != NULL;
		old->refreshed_at_ms = now;
		TAILQ_REMOVE(&p->pq, old, q);
		TAILQ_INSERT_TAIL(&p->pq, old, q);
		changed(p, 0);
		return old;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		strs_free(&s);
		return NULL;
	}
	if (old != NULL) {
		/* Supersede: one request with the merged access. */
		roles |= old->roles;
		scopes |= old->scopes;
		silent = silent && old->silent;
		notify(p, PAIR_EV_SUPERSEDED, old);
		pend_delete(p, old);
	}
	if (p->npend >= PAIR_MAX_PENDING)
		pend_delete(p, TAILQ_FIRST(&p->pq));
	uuid_request_id(e->request_id);
	memcpy(e->device_id, c->device_id, DEVICE_ID_LEN);
	memcpy(e->public_key, c->public_key, 32);
	e->display_name = s.name;
	e->platform = s.platform;
	e->device_family = s.family;
	e->client_id = s.client_id;
	e->client_mode = s.client_mode;
	e->remote_ip = s.ip;
	e->browser_origin = s.origin;
	e->role = c->role;
	e->roles = roles;
	e->scopes = scopes;
	e->silent = silent;
	e->is_repair = dev_find(p, c->device_id) != NULL;
	e->ts = now;
	pend_link(p, e);
	notify(p, PAIR_EV_REQUESTED, e);
	return e;
}

/* ---- approval and the RPC operations -------------------------------- */

/* mergeApprovalKind: an owner approval sticks. */
static uint32_t
merge_via(const struct pair_device *existing, uint32_t via)
{
	if (existing == NULL || via == PAIR_VIA_OWNER)
		return via;
	if (existing->approved_via == PAIR_VIA_NONE ||
	    existing->approved_via == PAIR_VIA_OWNER)
		return existing->approved_via;
	return via;
}

/* resolveApprovedTokenScopes, for one requested role. */
static uint64_t
approved_token_scopes(uint32_t role, const struct pair_pending *e,
    const struct pair_device *existing, uint64_t approved)
{
	const struct pair_token	*t = NULL;
	uint64_t		 pend, baseline, delta;

	if (existing != NULL && existing->tokens[role].present)
		t = &existing->tokens[role];
	pend = token_scopes(role, e->scopes);
	if (pend != 0) {
		baseline = existing != NULL ? existing->approved_scopes : 0;
		delta = (t != NULL && baseline != 0) ? pend & ~baseline : pend;
		if (delta == 0 && t != NULL)
			return token_scopes(role, t->scopes);
		return token_scopes(role, (t != NULL ? t->scopes : 0) | delta);
	}
	return token_scopes(role, t != NULL ? t->scopes : approved);
}

enum pair_status
pairing_approve_via(struct pairing *p, const char *request_id,
    uint64_t caller, uint32_t via, uint64_t secret_gen, uint64_t now,
    struct pair_result *res)
{
	struct pair_pending	*e;
	struct pair_device	*d, *existing;
	uint64_t		 approved, next[PAIR_NROLES];
	uint32_t		 want, r;
	int			 miss;
	struct strs		 s;

	memset(res, 0, sizeof(*res));
	pend_prune(p, now);
	if ((e = pend_by_req(p, request_id)) == NULL)
		return PAIR_UNKNOWN;
	existing = dev_find(p, e->device_id);
	want = e->roles | PAIR_ROLE_BIT(e->role);
	/* Every modelled scope is an operator.* scope. */
	if (e->scopes != 0 && !(want & PAIR_ROLE_BIT(PAIR_ROLE_OPERATOR)))
		return PAIR_DENIED;
	approved = (existing != NULL ? existing->approved_scopes : 0) |
	    e->scopes;
	for (r = 0; r < PAIR_NROLES; r++) {
		if (!(want & PAIR_ROLE_BIT(r)))
			continue;
		next[r] = approved_token_scopes(r, e, existing, approved);
		if (r == PAIR_ROLE_OPERATOR && next[r] != 0 &&
		    (miss = caller_missing(caller,
		    token_scopes(r, e->scopes) | next[r])) != -1) {
			res->scope = (uint32_t)miss;
			return PAIR_MISSING_SCOPE;
		}
	}
	if (existing == NULL && p->ndev >= PAIR_MAX_DEVICES)
		return PAIR_NOMEM;
	memset(&s, 0, sizeof(s));
	s.name = dup_cstr(e->display_name);
	s.platform = dup_cstr(e->platform);
	s.family = dup_cstr(e->device_family);
	s.client_id = dup_cstr(e->client_id);
	s.client_mode = dup_cstr(e->client_mode);
	s.ip = dup_cstr(e->remote_ip);
	s.origin = dup_cstr(e->browser_origin);
	d = existing != NULL ? existing : calloc(1, sizeof(*d));
	if (d == NULL || (e->display_name && !s.name) ||
	    (e->platform && !s.platform) || (e->device_family && !s.family) ||
	    (e->client_id && !s.client_id) ||
	    (e->client_mode && !s.client_mode) || (e->remote_ip && !s.ip) ||
	    (e->browser_origin && !s.origin)) {
		if (d != existing)
			free(d);
		strs_free(&s);
		return PAIR_NOMEM;
	}
	if (existing == NULL) {
		memcpy(d->device_id, e->device_id, sizeof(d->device_id));
		d->created_at_ms = now;
	}
	memcpy(d->public_key, e->public_key, 32);
	/* The approved request's metadata replaces the record's. */
	free(d->display_name);
	free(d->platform);
	free(d->device_family);
	free(d->client_id);
	free(d->client_mode);
	d->display_name = s.name;
	d->platform = s.platform;
	d->device_family = s.family;
	d->client_id = s.client_id;
	d->client_mode = s.client_mode;
	if (s.ip != NULL) {
		free(d->remote_ip);
		d->remote_ip = s.ip;
	}
	free(d->browser_origin);
	d->browser_origin = s.origin;
	d->role = e->role;
	d->roles |= want;
	d->approved_scopes = approved;
	d->approved_via = merge_via(existing, via);
	/*
	 * What a token rotation retires: a device an operator approved
	 * (or from before this was recorded) never; a silent one by the
	 * secret of its latest silent approval that used one.
	 */
	if (d->approved_via != PAIR_VIA_SILENT)
		d->silent_gen = 0;
	else if (secret_gen != 0)
		d->silent_gen = secret_gen;
	d->approved_at_ms = now;
	for (r = 0; r < PAIR_NROLES; r++)
		if (want & PAIR_ROLE_BIT(r))
			token_mint(p, d, r, next[r], d->tokens[r].present ?
			    d->tokens[r].issuer_gen : 0, now);
	memcpy(res->device_id, d->device_id, sizeof(res->device_id));
	notify(p, PAIR_EV_APPROVED, e);
	pend_delete(p, e);
	if (existing == NULL)
		dev_link(p, d);
	return PAIR_OK;
}

enum pair_status
pairing_approve(struct pairing *p, const char *request_id, uint64_t caller,
    uint64_t now, struct pair_result *res)
{
	return pairing_approve_via(p, request_id, caller, PAIR_VIA_OWNER, 0,
	    now, res);
}

enum pair_status
pairing_reject(struct pairing *p, const char *request_id, uint64_t now,
    struct pair_result *res)
{
	struct pair_pending	*e;

	memset(res, 0, sizeof(*res));
	pend_prune(p, now);
	if ((e = pend_by_req(p, request_id)) == NULL)
		return PAIR_UNKNOWN;
	memcpy(res->device_id, e->device_id, sizeof(res->device_id));
	notify(p, PAIR_EV_REJECTED, e);
	pend_delete(p, e);
	return PAIR_OK;
}

enum pair_status
pairing_remove(struct pairing *p, const char *device_id)
{
	struct pair_device	*d;
	struct pair_pending	*e;

	if ((d = dev_find(p, device_id)) == NULL)
		return PAIR_UNKNOWN;
	if ((e = pend_by_dev(p, d->device_id)) != NULL)
		pend_delete(p, e);
	dev_unlink(p, d);
	dev_free(d);
	return PAIR_OK;
}

static struct pair_device *
role_context(struct pairing *p, const char *device_id, uint32_t role)
{
	struct pair_device	*d;

	if (role >= PAIR_NROLES || (d = dev_find(p, device_id)) == NULL ||
	    !(d->roles & PAIR_ROLE_BIT(role)))
		return NULL;
	return d;
}

enum pair_status
pairing_rotate(struct pairing *p, const char *device_id, uint32_t role,
    const uint64_t *scopes, uint64_t caller, uint64_t now,
    struct pair_result *res)
{
	struct pair_device	*d;
	struct pair_token	*t;
	uint64_t		 want;
	int			 miss;

	memset(res, 0, sizeof(*res));
	if ((d = role_context(p, device_id, role)) == NULL)
		return PAIR_UNKNOWN;
	t = &d->tokens[role];
	want = scopes != NULL ? *scopes :
	    t->present ? t->scopes : d->approved_scopes;
	want = token_scopes(role, want);
	if (!pair_scopes_allow(role, want, d->approved_scopes))
		return PAIR_DENIED;
	if ((miss = caller_missing(caller, want)) != -1) {
		res->scope = (uint32_t)miss;
		return PAIR_MISSING_SCOPE;
	}
	token_mint(p, d, role, want, t->present ? t->issuer_gen : 0, now);
	t->rotated_at_ms = now;
	token_string(p, d->device_id, role, t->salt, res->token);
	memcpy(res->device_id, d->device_id, sizeof(res->device_id));
	res->scopes = t->scopes;
	res->at_ms = now;
	return PAIR_OK;
}

enum pair_status
pairing_revoke(struct pairing *p, const char *device_id, uint32_t role,
    uint64_t caller, uint64_t now, struct pair_result *res)
{
	struct pair_device	*d;
	struct pair_token	*t;
	int			 miss;

	memset(res, 0, sizeof(*res));
	if ((d = role_context(p, device_id, role)) == NULL ||
	    !d->tokens[role].present)
		return PAIR_UNKNOWN;
	t = &d->tokens[role];
	if ((miss = caller_missing(caller, t->scopes)) != -1) {
		res->scope = (uint32_t)miss;
		return PAIR_MISSING_SCOPE;
	}
	t->revoked_at_ms = now;
	changed(p, 1);
	memcpy(res->device_id, d->device_id, sizeof(res->device_id));
	res->at_ms = now;
	return PAIR_OK;
}

size_t
pairing_retire(struct pairing *p, uint64_t current_gen, int all,
    uint64_t now, void (*cb)(void *, const char *, uint32_t), void *arg)
{
	struct pair_device	*d;
	struct pair_token	*t;
	size_t			 i, n = 0;
	uint32_t		 r;

	for (i = 0; i < p->ndevb; i++)
		for (d = p->dev[i]; d != NULL; d = d->hnext) {
			if (!all && !(d->approved_via == PAIR_VIA_SILENT &&
			    d->silent_gen != 0 && d->silent_gen != current_gen))
				continue;
			for (r = 0; r < PAIR_NROLES; r++) {
				t = &d->tokens[r];
				if (!t->present || t->revoked_at_ms != 0)
					continue;
				t->revoked_at_ms = now;
				n++;
				if (cb != NULL)
					cb(arg, d->device_id, r);
			}
		}
	if (n > 0)
		changed(p, 1);
	return n;
}

/* ---- access ---------------------------------------------------------- */

struct pair_device *
pairing_lookup(struct pairing *p, const char *device_id)
{
	return dev_find(p, device_id);
}

const struct pair_device *
pairing_get(const struct pairing *p, const char *device_id)
{
	return dev_find(p, device_id);
}

size_t
pairing_count(const struct pairing *p)
{
	return p->ndev;
}

size_t
pairing_pending_count(struct pairing *p, uint64_t now)
{
	pend_prune(p, now);
	return p->npend;
}

void
pairing_foreach(const struct pairing *p,
    int (*cb)(const struct pair_device *, void *), void *arg)
{
	struct pair_device	*d;
	size_t			 i;

	for (i = 0; i < p->ndevb; i++)
		for (d = p->dev[i]; d != NULL; d = d->hnext)
			if (cb(d, arg) != 0)
				return;
}

void
pairing_foreach_pending(struct pairing *p, uint64_t now,
    int (*cb)(const struct pair_pending *, void *), void *arg)
{
	struct pair_pending	*e;

	pend_prune(p, now);
	TAILQ_FOREACH(e, &p->pq, q)
		if (cb(e, arg) != 0)
			return;
}

void
pairing_touch(struct pairing *p, struct pair_device *d,
    const struct pair_client *c, uint64_t now)
{
	char	*s;

	/* Metadata only: on ENOMEM the old value stays. */
	if (c->name.p != NULL && (s = dup_str(c->name)) != NULL) {
		free(d->display_name);
		d->display_name = s;
	}
	if (c->remote_ip != NULL && (s = dup_cstr(c->remote_ip)) != NULL) {
		free(d->remote_ip);
		d->remote_ip = s;
	}
	d->last_seen_at_ms = now;
	d->last_seen_reason = PAIR_SEEN_CONNECT;
	changed(p, 0);
}

enum pair_status
pairing_restore(struct pairing *p, const struct pair_device *rec)
{
	struct pair_device	*d, *old;
	uint32_t		 r;

	if (rec == NULL || strnlen(rec->device_id, sizeof(rec->device_id)) !=
	    DEVICE_ID_LEN)
		return PAIR_DENIED;
	old = dev_find(p, rec->device_id);
	if (old == NULL && p->ndev >= PAIR_MAX_DEVICES)
		return PAIR_NOMEM;
	if ((d = malloc(sizeof(*d))) == NULL)
		return PAIR_NOMEM;
	*d = *rec;
	d->display_name = dup_cstr(rec->display_name);
	d->operator_label = dup_cstr(rec->operator_label);
	d->platform = dup_cstr(rec->platform);
	d->device_family = dup_cstr(rec->device_family);
	d->client_id = dup_cstr(rec->client_id);
	d->client_mode = dup_cstr(rec->client_mode);
	d->remote_ip = dup_cstr(rec->remote_ip);
	d->browser_origin = dup_cstr(rec->browser_origin);
	if ((rec->display_name && !d->display_name) ||
	    (rec->operator_label && !d->operator_label) ||
	    (rec->platform && !d->platform) ||
	    (rec->device_family && !d->device_family) ||
	    (rec->client_id && !d->client_id) ||
	    (rec->client_mode && !d->client_mode) ||
	    (rec->remote_ip && !d->remote_ip) ||
	    (rec->browser_origin && !d->browser_origin)) {
		dev_free(d);
		return PAIR_NOMEM;
	}
	for (r = 0; r < PAIR_NROLES; r++)
		if (d->tokens[r].present)
			token_set_digest(p, d, r, &d->tokens[r]);
	if (old != NULL) {
		dev_unlink(p, old);
		dev_free(old);
	}
	dev_link(p, d);
	return PAIR_OK;
}

/* ---- for the store and the RPC handlers ------------------------------ */

void
pairing_versions(const struct pairing *p, uint64_t *durable, uint64_t *soft)
{
	*durable = p->ver_hard;
	*soft = p->ver_soft;
}

void
pairing_observe(struct pairing *p, pair_observer *cb, void *arg)
{
	p->obs = cb;
	p->obs_arg = arg;
}

const struct pair_pending *
pairing_pending_get(struct pairing *p, const char *request_id, uint64_t now)
{
	pend_prune(p, now);
	return pend_by_req(p, request_id);
}

static int
is_lower_hex(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

enum pair_status
pairing_restore_pending(struct pairing *p, const struct pair_pending *rec)
{
	struct pair_pending	*e;
	struct strs		 s;

	if (rec == NULL ||
	    strnlen(rec->request_id, sizeof(rec->request_id)) !=
	    REQUEST_ID_LEN ||
	    !is_lower_hex(rec->device_id, DEVICE_ID_LEN) ||
	    rec->role >= PAIR_NROLES || (rec->roles & ~((1U << PAIR_NROLES) - 1))
	    != 0 || pend_by_dev(p, rec->device_id) != NULL ||
	    pend_by_req(p, rec->request_id) != NULL)
		return PAIR_DENIED;
	if (p->npend >= PAIR_MAX_PENDING)
		return PAIR_NOMEM;
	memset(&s, 0, sizeof(s));
	s.name = dup_cstr(rec->display_name);
	s.platform = dup_cstr(rec->platform);
	s.family = dup_cstr(rec->device_family);
	s.client_id = dup_cstr(rec->client_id);
	s.client_mode = dup_cstr(rec->client_mode);
	s.ip = dup_cstr(rec->remote_ip);
	s.origin = dup_cstr(rec->browser_origin);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (rec->display_name && !s.name) || (rec->platform && !s.platform) ||
	    (rec->device_family && !s.family) ||
	    (rec->client_id && !s.client_id) ||
	    (rec->client_mode && !s.client_mode) ||
	    (rec->remote_ip && !s.ip) ||
	    (rec->browser_origin && !s.origin)) {
		free(e);
		strs_free(&s);
		return PAIR_NOMEM;
	}
	memcpy(e->request_id, rec->request_id, sizeof(e->request_id));
	memcpy(e->device_id, rec->device_id, sizeof(e->device_id));
	memcpy(e->public_key, rec->public_key, sizeof(e->public_key));
	e->display_name = s.name;
	e->platform = s.platform;
	e->device_family = s.family;
	e->client_id = s.client_id;
	e->client_mode = s.client_mode;
	e->remote_ip = s.ip;
	e->browser_origin = s.origin;
	e->role = rec->role;
	e->roles = rec->roles;
	e->scopes = rec->scopes;
	e->silent = rec->silent != 0;
	e->is_repair = rec->is_repair != 0;
	e->ts = rec->ts;
	e->refreshed_at_ms = rec->refreshed_at_ms;
	/* The queue stays ordered by refresh time (the store sorts). */
	pend_link(p, e);
	return PAIR_OK;
}

void
pairing_clear(struct pairing *p)
{
	struct pair_pending	*e;
	struct pair_device	*d;
	size_t			 i;

	while ((e = TAILQ_FIRST(&p->pq)) != NULL)
		pend_delete(p, e);
	for (i = 0; i < p->ndevb; i++)
		while ((d = p->dev[i]) != NULL) {
			dev_unlink(p, d);
			dev_free(d);
		}
}
