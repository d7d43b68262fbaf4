/*
 * fingerprint.c: see fingerprint.h.
 */
#include <sodium.h>

#include "fingerprint.h"

#define FP_PREFIX	"clawgate-fingerprint-v1:"

void
secret_fingerprint(const char *secret, size_t len,
    char out[FINGERPRINT_LEN + 1])
{
	crypto_hash_sha256_state	st;
	unsigned char			h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)FP_PREFIX,
	    sizeof(FP_PREFIX) - 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)secret, len);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, FINGERPRINT_LEN + 1, h, FINGERPRINT_LEN / 2);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
}
