/*
 * fingerprint.h: a short, non-secret name for a shared secret, so that
 * operators can compare what a client holds with what the gateway
 * expects without ever printing either.  16 hex chars = the first 8
 * bytes of SHA-256("clawgate-fingerprint-v1:" || secret).
 */
#ifndef CG_FINGERPRINT_H
#define CG_FINGERPRINT_H

#include <stddef.h>

#define FINGERPRINT_LEN	16

/* `out' receives FINGERPRINT_LEN hex chars + NUL.  Needs libsodium. */
void	secret_fingerprint(const char *secret, size_t len,
	    char out[FINGERPRINT_LEN + 1]);

#endif /* CG_FINGERPRINT_H */
