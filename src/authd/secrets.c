/*
 * secrets.c: authd's state -- per-boot keys, the shared secrets, the
 * limiters and the pairing table -- and the one comparison of a shared
 * secret.
 *
 * Secrets are kept only as BLAKE2b-256 digests keyed with a random
 * per-boot key, and as fingerprints keyed with the install's
 * fingerprint key (fingerprint.h), which the master sends with them.
 * A candidate is hashed the same way and compared with
 * crypto_verify_32(); when no secret is configured the candidate is
 * compared with a random dummy digest instead, so the work done never
 * depends on the secret, the candidate's content, or the configuration.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "addr.h"
#include "authd.h"
#include "fingerprint.h"
#include "ratelimit.h"

_Static_assert(sizeof(((struct auth_verdict *)0)->provided_fingerprint) ==
    FINGERPRINT_LEN + 1, "the fingerprint field holds the hex and a NUL");

struct authd_secret {
	int		configured;
	uint8_t		digest[32];
	char		fp[FINGERPRINT_LEN + 1];
	uint64_t	generation;	/* stable name of this secret */
};

struct authd {
	struct authd_keys	*keys;		/* sodium_malloc'd, RO */
	uint32_t		 mode;		/* enum cg_auth_mode */
	struct authd_secret	 token, password;
	struct rl		*rl, *rl_browser;
	unsigned		 v4_prefix, v6_prefix;	/* limiter keys */
	struct pairing		*pairing;
};

/* enum cg_auth_mode (config.h), without pulling in the config. */
#define MODE_TOKEN	0
#define MODE_PASSWORD	1
#define MODE_NONE	2

static int
is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

struct auth_str
authd_trim(struct auth_str s)
{
	if (s.p == NULL)
		return s;
	while (s.len > 0 && is_ascii_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_ascii_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

void
authd_digest(const struct authd_keys *k, const void *p, size_t len,
    uint8_t out[32])
{
	crypto_generichash(out, 32, p, len, k->digest_key,
	    sizeof(k->digest_key));
}

struct authd *
authd_new(void)
{
	struct authd	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->keys = sodium_malloc(sizeof(*a->keys))) == NULL) {
		free(a);
		return NULL;
	}
	randombytes_buf(a->keys, sizeof(*a->keys));
	sodium_mprotect_readonly(a->keys);
	a->rl = rl_new(0, 1);
	a->v4_prefix = ADDR_DEFAULT_V4_PREFIX;
	a->v6_prefix = ADDR_DEFAULT_V6_PREFIX;
	a->rl_browser = rl_new(0, 0);
	a->pairing = pairing_new(a->keys);
	if (a->rl == NULL || a->rl_browser == NULL || a->pairing == NULL) {
		authd_free(a);
		return NULL;
	}
	a->mode = MODE_TOKEN;
	return a;
}

void
authd_free(struct authd *a)
{
	if (a == NULL)
		return;
	pairing_free(a->pairing);
	rl_free(a->rl);
	rl_free(a->rl_browser);
	sodium_free(a->keys);
	sodium_memzero(a, sizeof(*a));
	free(a);
}

/*
 * The issuer generation before fingerprints were keyed: the first 8
 * bytes of SHA-256("clawgate-fingerprint-v1:" || secret).  Only to
 * carry device tokens issued then over to the keyed generation; never
 * shown or stored again.
 */
static uint64_t
legacy_generation(const char *p, size_t len)
{
	static const char		pfx[] = "clawgate-fingerprint-v1:";
	crypto_hash_sha256_state	st;
	uint8_t				h[crypto_hash_sha256_BYTES];
	uint64_t			g;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)pfx, sizeof(pfx) - 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)p, len);
	crypto_hash_sha256_final(&st, h);
	memcpy(&g, h, sizeof(g));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
	return g == 0 ? 1 : g;
}

static void
secret_init(struct authd_secret *s, const struct authd_keys *k,
    const char *p, size_t len, uint64_t *legacy)
{
	struct auth_str	t = { p, len };
	uint8_t		g[8];

	memset(s, 0, sizeof(*s));
	*legacy = 0;
	t = authd_trim(t);
	if (t.p == NULL || t.len == 0)
		return;
	s->configured = 1;
	authd_digest(k, t.p, t.len, s->digest);
	secret_fingerprint(k->fp_key, t.p, t.len, s->fp);
	/* The fingerprint is public; reuse it as the issuer generation. */
	if (sodium_hex2bin(g, sizeof(g), s->fp, FINGERPRINT_LEN, NULL, NULL,
	    NULL) == 0)
		memcpy(&s->generation, g, sizeof(g));
	if (s->generation == 0)
		s->generation = 1;
	*legacy = legacy_generation(t.p, t.len);
}

int
authd_set_secrets(struct authd *a, uint32_t mode, const char *token,
    size_t tlen, const char *password, size_t plen)
{
	struct authd_secret	t, pw;
	uint64_t		tl, pl;

	if (mode > MODE_NONE || tlen > AUTH_MAX_SECRET ||
	    plen > AUTH_MAX_SECRET || (tlen > 0 && token == NULL) ||
	    (plen > 0 && password == NULL))
		return -1;
	secret_init(&t, a->keys, token, tlen, &tl);
	secret_init(&pw, a->keys, password, plen, &pl);
	a->mode = mode;
	a->token = t;
	a->password = pw;
	/* Device tokens issued under the unkeyed generation stay valid. */
	pairing_regen(a->pairing, tl, t.generation);
	pairing_regen(a->pairing, pl, pw.generation);
	sodium_memzero(&t, sizeof(t));
	sodium_memzero(&pw, sizeof(pw));
	return 0;
}

void
authd_set_policy(struct authd *a, const struct ipc_auth_policy *p)
{
	struct rl_policy	rp;

	memset(&rp, 0, sizeof(rp));
	rp.exempt_local = 1;
	if (p != NULL) {
		rp.max_attempts = p->max_attempts;
		rp.window_ms = p->window_ms;
		rp.lockout_ms = p->lockout_ms;
		rp.exempt_local = p->exempt_loopback != 0;
		if (p->ipv4_prefix >= 8 && p->ipv4_prefix <= 32)
			a->v4_prefix = p->ipv4_prefix;
		if (p->ipv6_prefix >= 16 && p->ipv6_prefix <= 128)
			a->v6_prefix = p->ipv6_prefix;
	}
	rl_set_policy(a->rl, &rp);
	/* Browser-origin attempts are never exempt (rl_new(…, 0)). */
	rl_set_policy(a->rl_browser, &rp);
}

static const struct authd_secret *
active(const struct authd *a)
{
	return a->mode == MODE_PASSWORD ? &a->password : &a->token;
}

int
authd_secret_matches(const struct authd *a, const char *cand, size_t clen)
{
	const struct authd_secret	*s = active(a);
	const uint8_t			*want;
	uint8_t				 h[32];
	int				 eq;

	want = s->configured ? s->digest : a->keys->dummy;
	authd_digest(a->keys, cand != NULL ? cand : "", clen, h);
	eq = crypto_verify_32(h, want) == 0;
	sodium_memzero(h, sizeof(h));
	return eq & s->configured;
}

int
authd_secret_configured(const struct authd *a)
{
	return a->mode != MODE_NONE && active(a)->configured;
}

uint64_t
authd_secret_generation(const struct authd *a)
{
	return authd_secret_configured(a) ? active(a)->generation : 0;
}

const char *
authd_fingerprint(const struct authd *a)
{
	return authd_secret_configured(a) ? active(a)->fp : "";
}

int
authd_set_fingerprint_key(struct authd *a, const uint8_t key[32])
{
	if (sodium_mprotect_readwrite(a->keys) != 0)
		return -1;
	memcpy(a->keys->fp_key, key, sizeof(a->keys->fp_key));
	sodium_mprotect_readonly(a->keys);
	return 0;
}

void
authd_fingerprints(const struct authd *a, const struct auth_req *r,
    char expected[FINGERPRINT_LEN + 1], char provided[FINGERPRINT_LEN + 1])
{
	struct auth_str	tok = authd_trim(r->token);
	struct auth_str	pw = authd_trim(r->password);
	struct auth_str	cand;

	expected[0] = provided[0] = '\0';
	if (!authd_secret_configured(a))
		return;
	memcpy(expected, active(a)->fp, FINGERPRINT_LEN + 1);
	/* The candidate decide.c's shared_secret() compared. */
	if (a->mode == MODE_PASSWORD)
		cand = pw.p != NULL && pw.len > 0 ? pw : tok;
	else
		cand = tok.p != NULL && tok.len > 0 ? tok : pw;
	if (cand.p != NULL && cand.len > 0)
		secret_fingerprint(a->keys->fp_key, cand.p, cand.len,
		    provided);
}

uint32_t
authd_mode(const struct authd *a)
{
	return a->mode;
}

const struct authd_keys *
authd_keys(const struct authd *a)
{
	return a->keys;
}

struct rl *
authd_limiter(struct authd *a, int browser)
{
	return browser ? a->rl_browser : a->rl;
}

void
authd_key_prefixes(const struct authd *a, unsigned *v4, unsigned *v6)
{
	*v4 = a->v4_prefix;
	*v6 = a->v6_prefix;
}

struct pairing *
authd_pairing(struct authd *a)
{
	return a->pairing;
}

int
authd_set_token_key(struct authd *a, const uint8_t key[32])
{
	if (sodium_mprotect_readwrite(a->keys) != 0)
		return -1;
	memcpy(a->keys->token_key, key, sizeof(a->keys->token_key));
	sodium_mprotect_readonly(a->keys);
	pairing_rekey(a->pairing);
	return 0;
}
