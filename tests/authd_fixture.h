/*
 * authd_fixture.h: what tests/check_authd.c and tests/check_store.c build
 * their connects with (tests/authd_fixture.c): test devices, an Ed25519
 * key from a one-byte seed that signs a request as the reference's
 * clients do (protocol.md §6.2); a plain operator connect; the authd
 * under test; a scratch state directory.
 */
#ifndef CLAWGATE_AUTHD_FIXTURE_H
#define CLAWGATE_AUTHD_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "authd.h"
#include "authproto.h"

#define NOW	1795342016742ULL
#define NONCE	"3cabda82-4782-4df7-a1fe-1b4d291960da"
#define TOKEN	"abc123"
#define REMOTE	"10.200.77.2"
#define S(x)	((struct auth_str){ (x), strlen(x) })

/* The authd under test (test_authd() in a fixture's setup). */
extern struct authd	*A;

/* A test device: an Ed25519 key from a one-byte seed. */
struct tdev {
	uint8_t	pk[32], sk[64];
	char	id[DEVICE_ID_LEN + 1];
	char	pub[64];
	char	sig[128];
};

void		 tdev_init(struct tdev *, uint8_t seedbyte);
/* Attach the device to the request and sign its current fields (v3 or
 * v2); signedAt NOW and nonce NONCE unless the request has its own. */
void		 tdev_sign(struct tdev *, struct auth_req *, int v3);
/* A device-less cli/cli operator connect asking for read and write,
 * from loopback (local) or from REMOTE; no credentials. */
void		 req_base(struct auth_req *, int local);

/* A new authd with these secrets (NULL: none), keyed with `fpkey' for
 * fingerprints unless it is NULL. */
struct authd	*test_authd(uint32_t auth_mode, const char *token,
		    const char *password, const uint8_t *fpkey);
/* Free A (a fixture's teardown). */
void		 test_authd_free(void);

/* A fresh directory /tmp/NAME.XXXXXX in `dir'; removing it. */
void		 test_dir_make(char *dir, size_t size, const char *name);
void		 test_dir_remove(const char *dir);

/* check_program's init: libsodium ready. */
int		 authd_fixture_init(void);

#endif
