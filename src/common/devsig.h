/*
 * devsig.h: the string a device signs to prove its identity at connect
 * (protocol.md §6.2), built in one place for the verifier (authd) and
 * for every signer (the CLI, the test client, the load generator): a
 * signer and the verifier that disagree on one byte fail every connect.
 */
#ifndef CG_DEVSIG_H
#define CG_DEVSIG_H

#include <stddef.h>
#include <stdint.h>

/* Ed25519: a 64-byte signature, base64url without padding, NUL. */
#define DEVSIG_B64_LEN	87

/* One field: not NUL-terminated; p NULL when absent (signed as ""). */
struct devsig_str {
	const char	*p;
	size_t		 len;
};

struct devsig {
	int			 v3;		/* 0: the v2 payload */
	struct devsig_str	 device_id;
	struct devsig_str	 client_id, client_mode;	/* as sent */
	struct devsig_str	 role;		/* after defaulting */
	const struct devsig_str	*scopes;	/* in the order sent */
	size_t			 nscopes;
	uint64_t		 signed_at;
	struct devsig_str	 token;		/* see devsig_token() */
	struct devsig_str	 nonce;
	/* v3 only; trimmed and A-Z lowercased here, as §6.2 wants. */
	struct devsig_str	 platform, family;
};

/* A NUL-terminated string as a field; NULL gives an absent one. */
struct devsig_str	 devsig_s(const char *);

/*
 * The token that is signed: auth.token ?? auth.deviceToken ??
 * auth.bootstrapToken ?? "", raw (an empty auth.token counts).
 */
struct devsig_str	 devsig_token(struct devsig_str token,
			    struct devsig_str device_token,
			    struct devsig_str bootstrap_token);

/*
 * The payload, malloc'd and NUL-terminated, its length in *lenp; NULL
 * when out of memory.  It holds the token: wipe it before free(3).
 */
char			*devsig_payload(const struct devsig *, size_t *lenp);

/*
 * Sign the payload with the Ed25519 secret key `sk' (libsodium's 64
 * bytes): base64url without padding into out (DEVSIG_B64_LEN bytes at
 * least).  0, or -1 when out of memory or out is too small.
 */
int			 devsig_sign(const struct devsig *, const uint8_t sk[64],
			    char *out, size_t outlen);

#endif /* CG_DEVSIG_H */
