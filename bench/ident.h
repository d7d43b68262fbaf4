/*
 * ident.h: the load generator's device identities (protocol.md §6).
 *
 * A pool of N Ed25519 identities is derived from one 32-byte master
 * seed kept in a file, so the same identities come back run after run
 * (the gateway paired them once, and stays paired): identity i has seed
 * BLAKE2b-256(key = master, message = i as 8 little-endian bytes).
 */
#ifndef CGB_IDENT_H
#define CGB_IDENT_H

#include <stddef.h>
#include <stdint.h>

struct ident {
	uint8_t	sk[64];		/* libsodium secret key (seed || pk) */
	char	id[65];		/* hex sha256(pk) */
	char	pk[44];		/* base64url(pk), no padding */
};

struct ident_pool {
	struct ident	*v;
	size_t		 n;
};

/*
 * Load (or create, mode 0600) the master seed in `path' and derive `n'
 * identities.  0, or -1 with a message in err.
 */
int	ident_pool_load(const char *path, size_t n, struct ident_pool *,
	    char *err, size_t errlen);
void	ident_pool_free(struct ident_pool *);

/*
 * The v3 payload of §6.2 (src/common/devsig.c), signed: base64url
 * signature into sig (at least 87 bytes).  Returns 0, or -1 when out of
 * memory or sig is too small.
 */
int	ident_sign_v3(const struct ident *, const char *client_id,
	    const char *mode, const char *role, const char *scopes_csv,
	    long long signed_at, const char *token, const char *nonce,
	    const char *platform, const char *family, char *sig,
	    size_t siglen);

/*
 * Write a clawgate authd pairing store (src/authd/store.h, version 1)
 * in which identities [0, n) are paired as silently approved cli/cli
 * operators with `scopes' (a JSON array text, e.g. ["operator.read"]).
 * A fresh token key is generated.  0, or -1 with a message in err.
 */
int	ident_write_pairing(const struct ident_pool *, size_t n,
	    const char *path, const char *scopes_json, char *err,
	    size_t errlen);

#endif /* CGB_IDENT_H */
