/*
 * device.c: device identity proof (protocol.md §6).
 *
 * Checks in the reference's order: the id is the hex SHA-256 of the raw
 * Ed25519 key, signedAt is within ±120 s, the (trimmed) nonce is there
 * and is this socket's challenge, and the signature verifies over the v3
 * payload or else the v2 one.  Every decode failure of the key is an id
 * mismatch, as in the reference.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authd.h"
#include "devsig.h"

#define SIG_SKEW_MS	120000ULL
#define PEM_BEGIN	"-----BEGIN PUBLIC KEY-----"
#define PEM_END		"-----END PUBLIC KEY-----"

/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410). */
static const uint8_t spki_ed25519[12] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};

/* Decode base64url or base64, with or without padding, to exactly `n'. */
static int
b64_exact(const char *p, size_t len, uint8_t *out, size_t n,
    const char *ignore)
{
	static const int	 variants[] = {
		sodium_base64_VARIANT_URLSAFE_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE,
		sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_ORIGINAL,
	};
	size_t			 i, got;

	if (p == NULL)
		return -1;
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (sodium_base642bin(out, n, p, len, ignore, &got, NULL,
		    variants[i]) == 0 && got == n)
			return 0;
	return -1;
}

static int
has_prefix(const char *p, size_t len, const char *pre)
{
	size_t	n = strlen(pre);

	return len >= n && memcmp(p, pre, n) == 0;
}

static int
pem_decode(const char *p, size_t len, uint8_t pk[32])
{
	uint8_t	der[sizeof(spki_ed25519) + 32];
	size_t	bl = strlen(PEM_BEGIN), el = strlen(PEM_END);

	if (len < bl + el || memcmp(p + len - el, PEM_END, el) != 0)
		return -1;
	if (b64_exact(p + bl, len - bl - el, der, sizeof(der), " \t\r\n") != 0)
		return -1;
	if (memcmp(der, spki_ed25519, sizeof(spki_ed25519)) != 0)
		return -1;
	memcpy(pk, der + sizeof(spki_ed25519), 32);
	return 0;
}

int
device_pubkey_decode(const char *p, size_t len, uint8_t pk[32])
{
	struct auth_str	s = { p, len };

	s = authd_trim(s);
	if (s.p == NULL || s.len == 0)
		return -1;
	if (has_prefix(s.p, s.len, PEM_BEGIN))
		return pem_decode(s.p, s.len, pk);
	return b64_exact(s.p, s.len, pk, 32, NULL);
}

void
device_id_from_key(const uint8_t pk[32], char out[DEVICE_ID_LEN + 1])
{
	uint8_t	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, 32);
	sodium_bin2hex(out, DEVICE_ID_LEN + 1, h, sizeof(h));
}

static struct devsig_str
ds(struct auth_str s)
{
	struct devsig_str	r = { s.p, s.len };

	return r;
}

/* The payload of protocol.md §6.2 for this request (devsig.c). */
char *
device_payload(const struct auth_req *r, const char *role, int v3,
    size_t *outlen)
{
	struct devsig_str	sc[AUTH_MAX_SCOPES];
	struct devsig		d;
	unsigned		i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < r->nscopes && i < AUTH_MAX_SCOPES; i++)
		sc[i] = ds(r->scopes[i]);
	d.v3 = v3;
	d.device_id = ds(r->dev_id);
	d.client_id = ds(r->client_id);
	d.client_mode = ds(r->client_mode);
	d.role = devsig_s(role);
	d.scopes = sc;
	d.nscopes = i;
	d.signed_at = r->dev_signed_at;
	d.token = devsig_token(ds(r->token), ds(r->device_token),
	    ds(r->bootstrap_token));
	d.nonce = ds(authd_trim(r->dev_nonce));
	d.platform = ds(r->platform);
	d.family = ds(r->family);
	return devsig_payload(&d, outlen);
}

/* 1 if `sig' verifies over the v3 or v2 payload, 0 if not, -1 ENOMEM. */
static int
verify_payloads(const struct auth_req *r, const char *role,
    const uint8_t sig[64], const uint8_t pk[32])
{
	char	*pl;
	size_t	 len;
	int	 v3, ok = 0;

	for (v3 = 1; v3 >= 0 && !ok; v3--) {
		if ((pl = device_payload(r, role, v3, &len)) == NULL)
			return -1;
		ok = crypto_sign_verify_detached(sig, (unsigned char *)pl,
		    len, pk) == 0;
		sodium_memzero(pl, len);	/* it holds the token */
		free(pl);
	}
	return ok;
}

uint32_t
device_verify(const struct auth_req *r, const char *role, uint64_t now,
    uint8_t pk[32])
{
	char		id[DEVICE_ID_LEN + 1];
	uint8_t		sig[crypto_sign_BYTES];
	struct auth_str	nonce;
	uint64_t	skew;
	int		rc;

	if (device_pubkey_decode(r->dev_pubkey.p, r->dev_pubkey.len, pk) != 0)
		return AUTH_R_DEVICE_ID_MISMATCH;
	device_id_from_key(pk, id);
	if (r->dev_id.p == NULL || r->dev_id.len != DEVICE_ID_LEN ||
	    memcmp(r->dev_id.p, id, DEVICE_ID_LEN) != 0)
		return AUTH_R_DEVICE_ID_MISMATCH;
	skew = now > r->dev_signed_at ? now - r->dev_signed_at :
	    r->dev_signed_at - now;
	if (skew > SIG_SKEW_MS)
		return AUTH_R_DEVICE_SIG_EXPIRED;
	nonce = authd_trim(r->dev_nonce);
	if (nonce.p == NULL || nonce.len == 0)
		return AUTH_R_DEVICE_NONCE_REQUIRED;
	if (r->challenge_nonce.p == NULL ||
	    nonce.len != r->challenge_nonce.len ||
	    memcmp(nonce.p, r->challenge_nonce.p, nonce.len) != 0)
		return AUTH_R_DEVICE_NONCE_MISMATCH;
	if (b64_exact(r->dev_sig.p, r->dev_sig.len, sig, sizeof(sig),
	    NULL) != 0)
		return AUTH_R_DEVICE_SIG_INVALID;
	if ((rc = verify_payloads(r, role, sig, pk)) != 1)
		return rc == -1 ? AUTH_R_UNAVAILABLE :
		    AUTH_R_DEVICE_SIG_INVALID;
	return AUTH_R_NONE;
}
