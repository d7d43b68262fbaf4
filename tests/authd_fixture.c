/*
 * authd_fixture.c: the connects, devices, authd and state directory that
 * check_authd.c and check_store.c share (authd_fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "authd_fixture.h"

struct authd	*A;

void
tdev_init(struct tdev *d, uint8_t seedbyte)
{
	uint8_t	seed[32];

	memset(d, 0, sizeof(*d));
	memset(seed, seedbyte, sizeof(seed));
	crypto_sign_seed_keypair(d->pk, d->sk, seed);
	device_id_from_key(d->pk, d->id);
	sodium_bin2base64(d->pub, sizeof(d->pub), d->pk, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static const char *
role_of(const struct auth_req *r)
{
	return r->role.p != NULL && r->role.len == 4 ? "node" : "operator";
}

void
tdev_sign(struct tdev *d, struct auth_req *r, int v3)
{
	uint8_t	 sig[64];
	char	*pl;
	size_t	 len;

	r->flags |= AUTH_F_HAS_DEVICE;
	r->dev_id = S(d->id);
	r->dev_pubkey = S(d->pub);
	if (r->dev_signed_at == 0)
		r->dev_signed_at = NOW;
	if (r->dev_nonce.p == NULL)
		r->dev_nonce = S(NONCE);
	pl = device_payload(r, role_of(r), v3, &len);
	ck_assert_ptr_nonnull(pl);
	crypto_sign_detached(sig, NULL, (unsigned char *)pl, len, d->sk);
	free(pl);
	sodium_bin2base64(d->sig, sizeof(d->sig), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r->dev_sig = S(d->sig);
}

void
req_base(struct auth_req *r, int local)
{
	memset(r, 0, sizeof(*r));
	r->flags = local ? (AUTH_F_LOCAL | AUTH_F_LOOPBACK) : 0;
	r->peer = S(local ? "127.0.0.1" : REMOTE);
	r->client_id = S("cli");
	r->client_mode = S("cli");
	r->platform = S("linux");
	r->role = S("operator");
	r->scopes[0] = S("operator.read");
	r->scopes[1] = S("operator.write");
	r->nscopes = 2;
	r->challenge_nonce = S(NONCE);
}

struct authd *
test_authd(uint32_t auth_mode, const char *token, const char *password,
    const uint8_t *fpkey)
{
	struct authd	*a;

	ck_assert_int_ge(sodium_init(), 0);
	a = authd_new();
	ck_assert_ptr_nonnull(a);
	if (fpkey != NULL)
		ck_assert_int_eq(authd_set_fingerprint_key(a, fpkey), 0);
	ck_assert_int_eq(authd_set_secrets(a, auth_mode, token,
	    token != NULL ? strlen(token) : 0, password,
	    password != NULL ? strlen(password) : 0), 0);
	return a;
}

void
test_authd_free(void)
{
	authd_free(A);
	A = NULL;
}

void
test_dir_make(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

void
test_dir_remove(const char *dir)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

int
authd_fixture_init(void)
{
	return sodium_init() < 0;
}
