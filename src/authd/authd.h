/*
 * authd.h: authd's decision core, the only code that compares secrets.
 *
 * Pure logic over libsodium: no I/O, no clock, no logging.  main.c owns
 * the IPC loop and the sandbox and calls the first block of functions;
 * the pairing functions are for the RPC handlers (device.pair.*,
 * device.token.*) and for the store that will persist the table.
 *
 * Call sodium_init() before authd_new().
 */
#ifndef CG_AUTHD_H
#define CG_AUTHD_H

#include <stddef.h>
#include <stdint.h>

#include <sys/queue.h>

#include "authproto.h"
#include "ipc.h"

struct authd;
struct pairing;
struct rl;

/* ---- the decision --------------------------------------------------- */

/* A fresh authd: per-boot keys, no secrets (every secret check fails). */
struct authd	*authd_new(void);
void		 authd_free(struct authd *);
/*
 * Install the shared secrets (auth_mode is enum cg_auth_mode: TOKEN=0,
 * PASSWORD=1, NONE=2).  Only keyed digests of the trimmed secrets and
 * their fingerprints are kept; the caller wipes its copies.  A blank
 * secret counts as not configured.  Atomic: returns 0, or -1 (bad mode,
 * over AUTH_MAX_SECRET) leaving the previous secrets in force.
 */
int		 authd_set_secrets(struct authd *, uint32_t auth_mode,
		    const char *token, size_t tlen, const char *password,
		    size_t plen);
/* Rate-limit policy; zero numeric fields mean the defaults. */
void		 authd_set_policy(struct authd *,
		    const struct ipc_auth_policy *);
/*
 * Decide one `connect'.  `now_ms' is wall-clock ms (device signatures
 * are stamped with the challenge's wall-clock ts).  `out' is always
 * completely written.
 */
void		 authd_decide(struct authd *, const struct auth_req *,
		    uint64_t now_ms, struct auth_verdict *out);
/*
 * The install's fingerprint key (fingerprint.h), from the master with
 * the secrets; set it before authd_set_secrets().  Until then it is a
 * random per-boot key.  Returns 0, or -1.
 */
int		 authd_set_fingerprint_key(struct authd *,
		    const uint8_t key[32]);
/* The active secret's fingerprint (16 hex chars), "" if none. */
const char	*authd_fingerprint(const struct authd *);
/*
 * For a token or password mismatch: the active secret's fingerprint in
 * `expected' and that of the secret `r' presented (the candidate the
 * comparison used, trimmed) in `provided'; "" where there is none.
 */
void		 authd_fingerprints(const struct authd *,
		    const struct auth_req *r, char expected[17],
		    char provided[17]);
/* The pairing table, for the RPC handlers and the store. */
struct pairing	*authd_pairing(struct authd *);
/*
 * Replace the key that derives device-token strings (the store keeps it
 * so that tokens survive restarts).  Returns 0, or -1 on alloc failure.
 */
int		 authd_set_token_key(struct authd *, const uint8_t key[32]);

/* ---- pairing (pairing.c) -------------------------------------------- */

#define DEVICE_ID_LEN		64	/* hex SHA-256 of the key */
#define DEVICE_TOKEN_LEN	43	/* base64url of 32 bytes */
#define REQUEST_ID_LEN		36	/* UUID v4 */
#define PAIR_PENDING_TTL_MS	300000
#define PAIR_MAX_PENDING	4096
#define PAIR_MAX_DEVICES	262144

enum pair_role {
	PAIR_ROLE_OPERATOR = 0,
	PAIR_ROLE_NODE,
	PAIR_NROLES
};
#define PAIR_ROLE_BIT(r)	(1U << (r))

enum pair_via {
	PAIR_VIA_NONE = 0,
	PAIR_VIA_OWNER,		/* "owner" */
	PAIR_VIA_SILENT,	/* "silent" */
};

enum pair_seen {
	PAIR_SEEN_NONE = 0,
	PAIR_SEEN_CONNECT,		/* "connect" */
	PAIR_SEEN_DEVICE_TOKEN,		/* "device-token-auth" */
};

/*
 * One role's device token.  The token string is never stored: it is
 * derived from the token key, the device id, the role and `salt', so
 * the serialised table holds no bearer secret and the same string can
 * be handed out again on reconnect.  `digest' (keyed, per boot) is what
 * a presented token is compared with.
 */
struct pair_token {
	int		present;
	uint8_t		salt[16];
	uint8_t		digest[32];
	uint64_t	scopes;		/* normalised, SCOPE_BIT() */
	uint64_t	issuer_gen;	/* 0, or the shared secret it was
					   issued under (browser clients) */
	uint64_t	created_at_ms;
	uint64_t	rotated_at_ms;	/* 0: never */
	uint64_t	revoked_at_ms;	/* 0: live */
	uint64_t	last_used_at_ms;
};

/* A paired device.  Strings are NUL-terminated heap copies or NULL. */
struct pair_device {
	struct pair_device	*hnext;
	uint64_t		 hash;
	char			 device_id[DEVICE_ID_LEN + 1];
	uint8_t			 public_key[32];
	char			*display_name, *operator_label;
	char			*platform, *device_family;
	char			*client_id, *client_mode;
	char			*remote_ip;
	char			*browser_origin; /* normalised Origin */
	uint32_t		 role;		/* enum pair_role */
	uint32_t		 roles;		/* PAIR_ROLE_BIT(), approved */
	uint64_t		 approved_scopes;
	struct pair_token	 tokens[PAIR_NROLES];
	uint32_t		 approved_via;	/* enum pair_via */
	/*
	 * The generation of the shared secret (token or password) a silent
	 * approval rested on; 0 when an operator approved the device, or
	 * for a record from before this was kept (treated as approved).
	 * A token rotation retires the tokens of devices whose generation
	 * is no longer the current one.
	 */
	uint64_t		 silent_gen;
	uint64_t		 created_at_ms, approved_at_ms;
	uint64_t		 last_seen_at_ms;
	uint32_t		 last_seen_reason; /* enum pair_seen */
};

/* A pending pairing request (one per device). */
struct pair_pending {
	struct pair_pending	*hnext_dev, *hnext_req;
	uint64_t		 hash_dev, hash_req;
	TAILQ_ENTRY(pair_pending) q;		/* by refresh time */
	char			 request_id[REQUEST_ID_LEN + 1];
	char			 device_id[DEVICE_ID_LEN + 1];
	uint8_t			 public_key[32];
	char			*display_name, *platform, *device_family;
	char			*client_id, *client_mode, *remote_ip;
	char			*browser_origin; /* normalised Origin */
	uint32_t		 role;		/* enum pair_role */
	uint32_t		 roles;		/* PAIR_ROLE_BIT() */
	uint64_t		 scopes;
	int			 silent, is_repair;
	uint64_t		 ts, refreshed_at_ms;
};

/* Results of the pairing operations. */
enum pair_status {
	PAIR_OK = 0,
	PAIR_UNKNOWN,		/* unknown requestId / deviceId / role */
	PAIR_MISSING_SCOPE,	/* the caller lacks res->scope */
	PAIR_DENIED,		/* outside the approved baseline, etc. */
	PAIR_NOMEM,
};

struct pair_result {
	uint32_t	scope;		/* PAIR_MISSING_SCOPE: enum cg_scope */
	char		device_id[DEVICE_ID_LEN + 1];
	char		token[DEVICE_TOKEN_LEN + 1]; /* rotate */
	uint64_t	scopes;		/* rotate: the token's scopes */
	uint64_t	at_ms;		/* rotatedAtMs / revokedAtMs */
};

/* Any caller scopes: for silent approvals and trusted callers. */
#define PAIR_CALLER_ANY		UINT64_MAX

const char	*pair_role_name(uint32_t role);
/* -1 if unknown. */
int		 pair_role_from(const char *p, size_t len);
const char	*pair_via_name(uint32_t via);
const char	*pair_seen_name(uint32_t seen);
/* Roles with a live token among the approved ones (PAIR_ROLE_BIT()). */
uint32_t	 pair_effective_roles(const struct pair_device *);

const struct pair_device *pairing_get(const struct pairing *,
		    const char *device_id);
size_t		 pairing_count(const struct pairing *);
size_t		 pairing_pending_count(struct pairing *, uint64_t now_ms);
/* Visit every record; stop early if `cb' returns non-zero. */
void		 pairing_foreach(const struct pairing *,
		    int (*cb)(const struct pair_device *, void *), void *);
/* Prunes expired requests first; visits the rest oldest first. */
void		 pairing_foreach_pending(struct pairing *, uint64_t now_ms,
		    int (*cb)(const struct pair_pending *, void *), void *);
/*
 * device.pair.approve (§7.6): merge roles, approved scopes = approved ∪
 * requested, a new token for each requested role, delete the request.
 * For an operator token the caller must hold every scope it grants.
 */
enum pair_status pairing_approve(struct pairing *, const char *request_id,
		    uint64_t caller_scopes, uint64_t now_ms,
		    struct pair_result *);
/* device.pair.reject: delete the request; res->device_id is set. */
enum pair_status pairing_reject(struct pairing *, const char *request_id,
		    uint64_t now_ms, struct pair_result *);
/* device.pair.remove: the record and its pending requests. */
enum pair_status pairing_remove(struct pairing *, const char *device_id);
/*
 * device.token.rotate: a new token within the approved baseline; NULL
 * `scopes' keeps the current token's scopes.  res->token is the string.
 */
enum pair_status pairing_rotate(struct pairing *, const char *device_id,
		    uint32_t role, const uint64_t *scopes,
		    uint64_t caller_scopes, uint64_t now_ms,
		    struct pair_result *);
/* device.token.revoke. */
enum pair_status pairing_revoke(struct pairing *, const char *device_id,
		    uint32_t role, uint64_t caller_scopes, uint64_t now_ms,
		    struct pair_result *);
/*
 * After a rotation of the shared secret (now generation `current_gen'):
 * revoke every live token of the devices paired silently on the
 * strength of another secret, or of every device when `all'.  `cb' (may
 * be NULL) sees each (device, role) revoked.  Returns how many tokens.
 */
size_t		 pairing_retire(struct pairing *, uint64_t current_gen,
		    int all, uint64_t now_ms,
		    void (*cb)(void *, const char *device_id, uint32_t role),
		    void *arg);
/*
 * For the store: insert a copy of `rec' (strings duplicated, token
 * digests recomputed from the salts), replacing any record with the
 * same id.  `rec' links are ignored.
 */
enum pair_status pairing_restore(struct pairing *, const struct pair_device *);
/*
 * For the store: insert a copy of a pending request (links ignored).
 * PAIR_DENIED for a malformed record or a duplicate request or device.
 * Restore in refresh order, oldest first: expiry walks that queue.
 */
enum pair_status pairing_restore_pending(struct pairing *,
		    const struct pair_pending *);
/* Drop every record and request (the store's rollback). */
void		 pairing_clear(struct pairing *);
/* A pending request by id (expired ones pruned first), or NULL. */
const struct pair_pending *pairing_pending_get(struct pairing *,
		    const char *request_id, uint64_t now_ms);
/*
 * Change counters.  `durable' moves with every change that must reach
 * the store before it is acknowledged (a request created or deleted, a
 * record added, removed or approved, a token minted or revoked);
 * `soft' with changes that may be lost in a crash (last use, metadata
 * refresh, request refresh, expiry).
 */
void		 pairing_versions(const struct pairing *, uint64_t *durable,
		    uint64_t *soft);
/*
 * Observe request outcomes, for the device.pair.* events.  `e' is valid
 * only during the call.  REQUESTED: a request was created (also silent
 * ones: e->silent); SUPERSEDED: replaced by a wider one (it is deleted
 * right after); APPROVED / REJECTED: resolved (ditto).
 */
enum pair_event {
	PAIR_EV_REQUESTED,
	PAIR_EV_SUPERSEDED,
	PAIR_EV_APPROVED,
	PAIR_EV_REJECTED,
};
typedef void	 pair_observer(void *arg, enum pair_event,
		    const struct pair_pending *e);
void		 pairing_observe(struct pairing *, pair_observer *, void *arg);

/* ---- internals shared by the authd sources -------------------------- */

/* Per-boot keys, in guarded memory. */
struct authd_keys {
	uint8_t		digest_key[32];	/* BLAKE2b key for all secrets */
	uint8_t		token_key[32];	/* derives device tokens */
	uint8_t		hash_key[16];	/* SipHash, table buckets */
	uint8_t		dummy[32];	/* compared when none stored */
	uint8_t		fp_key[32];	/* the install's fingerprint key */
};

/* secrets.c */
struct auth_str	 authd_trim(struct auth_str);
void		 authd_digest(const struct authd_keys *, const void *,
		    size_t, uint8_t out[32]);
/* 1 if the candidate equals the active secret; constant work. */
int		 authd_secret_matches(const struct authd *, const char *,
		    size_t);
int		 authd_secret_configured(const struct authd *);
uint64_t	 authd_secret_generation(const struct authd *);
uint32_t	 authd_mode(const struct authd *);
const struct authd_keys *authd_keys(const struct authd *);
/* The shared-secret limiter, or the browser-origin one. */
struct rl	*authd_limiter(struct authd *, int browser);
/* The prefixes a client address is keyed by (addr.h). */
void		 authd_key_prefixes(const struct authd *, unsigned *v4,
		    unsigned *v6);

/* device.c */
/*
 * §6 proof: id ↔ key, signedAt skew, nonce, v3/v2 signature.  Returns
 * AUTH_R_NONE with the raw key in `pk', or the failure reason.
 */
uint32_t	 device_verify(const struct auth_req *, const char *role,
		    uint64_t now_ms, uint8_t pk[32]);
/* Raw key from base64url/base64 (±padding) or SPKI PEM; 0 or -1. */
int		 device_pubkey_decode(const char *, size_t, uint8_t pk[32]);
void		 device_id_from_key(const uint8_t pk[32],
		    char out[DEVICE_ID_LEN + 1]);
/* The exact payload strings of §6.2; malloc'd, *len set; NULL on ENOMEM. */
char		*device_payload(const struct auth_req *, const char *role,
		    int v3, size_t *len);

/* pairing.c, for decide.c */
struct pairing	*pairing_new(const struct authd_keys *);
void		 pairing_free(struct pairing *);
void		 pairing_rekey(struct pairing *);
void		 pairing_regen(struct pairing *, uint64_t from, uint64_t to);
struct pair_device *pairing_lookup(struct pairing *, const char *device_id);
/*
 * `secret_gen': for a silent approval, the generation of the shared
 * secret the client authenticated with (0 if it used none).
 */
enum pair_status pairing_approve_via(struct pairing *, const char *request_id,
		    uint64_t caller_scopes, uint32_t via, uint64_t secret_gen,
		    uint64_t now_ms, struct pair_result *);
/* Facts of the connecting client, for requests and metadata. */
struct pair_client {
	const char	*device_id;
	const uint8_t	*public_key;
	struct auth_str	 name, platform, family, client_id, client_mode;
	const char	*remote_ip;		/* NULL for direct-local */
	const char	*browser_origin;	/* normalised Origin, or NULL */
	uint32_t	 role;
	uint64_t	 scopes;
};
/* Create or refresh the device's request (§7.3); NULL on ENOMEM. */
struct pair_pending *pairing_request(struct pairing *,
		    const struct pair_client *, int silent, uint64_t now_ms);
/*
 * The reference's ensureDeviceToken: reuse the live token when it covers
 * `scopes', else mint one; 0 with the string in `tok', -1 when none can
 * be issued (not paired, role not approved, outside the baseline).
 */
int		 pairing_issue_token(struct pairing *, struct pair_device *,
		    uint32_t role, uint64_t scopes, uint64_t issuer_gen,
		    uint64_t now_ms, char tok[DEVICE_TOKEN_LEN + 1],
		    uint64_t *issued_at_ms);
enum pair_vt {
	PAIR_VT_OK = 0,
	PAIR_VT_MISMATCH,
	PAIR_VT_SCOPE,
};
/* Constant-time device-token check (§7.7). */
enum pair_vt	 pairing_verify_token(struct pairing *, const char *,
		    uint32_t role, const char *cand, size_t clen,
		    uint64_t scopes, uint64_t current_gen, uint64_t now_ms,
		    uint64_t *issuer_gen);
/* Does `role' with `allowed' cover `requested'?  (roleScopesAllow) */
int		 pair_scopes_allow(uint32_t role, uint64_t requested,
		    uint64_t allowed);
/* Refresh name/remote ip/last seen after a successful connect. */
void		 pairing_touch(struct pairing *, struct pair_device *,
		    const struct pair_client *, uint64_t now_ms);

#endif /* CG_AUTHD_H */
