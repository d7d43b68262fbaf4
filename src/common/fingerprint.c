/*
 * fingerprint.c: see fingerprint.h.
 */
#include <sodium.h>

#include "fingerprint.h"

_Static_assert(FINGERPRINT_KEY_LEN >= crypto_generichash_KEYBYTES_MIN &&
    FINGERPRINT_KEY_LEN <= crypto_generichash_KEYBYTES_MAX,
    "the fingerprint key is a BLAKE2b key");

void
secret_fingerprint(const uint8_t key[FINGERPRINT_KEY_LEN], const char *secret,
    size_t len, char out[FINGERPRINT_LEN + 1])
{
	unsigned char	h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, len,
	    key, FINGERPRINT_KEY_LEN);
	sodium_bin2hex(out, FINGERPRINT_LEN + 1, h, FINGERPRINT_LEN / 2);
	sodium_memzero(h, sizeof(h));
}
