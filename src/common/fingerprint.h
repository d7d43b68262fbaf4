/*
 * fingerprint.h: a short, non-secret name for a shared secret, so that
 * operators can compare what a client holds with what the gateway
 * expects without ever printing either.
 *
 * 16 hex chars = the first 8 bytes of BLAKE2b-256 of the secret, keyed
 * with the install's fingerprint key: 32 random bytes kept in
 * <stateDir>/fingerprint.key (mode 0600, the daemon's user), which never
 * leave the daemon.  Without the key a fingerprint says nothing about
 * the secret, so it is no offline dictionary oracle; only the running
 * daemon can compute one (clawgate doctor and `clawgate token
 * fingerprint' ask it over the control socket).
 */
#ifndef CG_FINGERPRINT_H
#define CG_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FINGERPRINT_LEN		16
#define FINGERPRINT_KEY_LEN	32
#define FINGERPRINT_KEY_FILE	"fingerprint.key"

/*
 * `out' receives FINGERPRINT_LEN hex chars + NUL.  The secret is hashed
 * as given (callers trim it as authd does).  Needs libsodium.
 */
void	secret_fingerprint(const uint8_t key[FINGERPRINT_KEY_LEN],
	    const char *secret, size_t len, char out[FINGERPRINT_LEN + 1]);

#endif /* CG_FINGERPRINT_H */
