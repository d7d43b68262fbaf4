/*
 * devsig.c: the signed device payload of protocol.md §6.2:
 *
 *   v2|id|clientId|clientMode|role|scopesCSV|signedAtMs|token|nonce
 *   v3|<the same>|platform|deviceFamily
 *
 * Fields are joined without escaping, as the reference does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "devsig.h"

struct devsig_str
devsig_s(const char *s)
{
	struct devsig_str	r = { s, s != NULL ? strlen(s) : 0 };

	return r;
}

struct devsig_str
devsig_token(struct devsig_str token, struct devsig_str device_token,
    struct devsig_str bootstrap_token)
{
	if (token.p != NULL)
		return token;
	if (device_token.p != NULL)
		return device_token;
	if (bootstrap_token.p != NULL)
		return bootstrap_token;
	return devsig_s("");
}

/* JavaScript's String.prototype.trim, restricted to ASCII. */
static int
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static size_t
put(char *dst, struct devsig_str s)
{
	if (s.p != NULL && s.len > 0)
		memcpy(dst, s.p, s.len);
	return s.p != NULL ? s.len : 0;
}

/* Trimmed and ASCII-lowercased (A-Z only). */
static size_t
put_meta(char *dst, struct devsig_str s)
{
	size_t	i;

	if (s.p == NULL)
		return 0;
	while (s.len > 0 && is_space(s.p[0]))
		s.p++, s.len--;
	while (s.len > 0 && is_space(s.p[s.len - 1]))
		s.len--;
	for (i = 0; i < s.len; i++)
		dst[i] = (s.p[i] >= 'A' && s.p[i] <= 'Z') ?
		    (char)(s.p[i] - 'A' + 'a') : s.p[i];
	return s.len;
}

/* An upper bound of the payload's length, NUL included. */
static size_t
payload_size(const struct devsig *d, const char *at)
{
	size_t	len, i;

	len = 2 + 10 + d->device_id.len + d->client_id.len +
	    d->client_mode.len + d->role.len + strlen(at) + d->token.len +
	    d->nonce.len + d->platform.len + d->family.len + 1;
	for (i = 0; i < d->nscopes; i++)
		len += d->scopes[i].len + 1;
	return len;
}

char *
devsig_payload(const struct devsig *d, size_t *lenp)
{
	char	 at[24], *buf;
	size_t	 o, i;

	snprintf(at, sizeof(at), "%llu", (unsigned long long)d->signed_at);
	if ((buf = malloc(payload_size(d, at))) == NULL)
		return NULL;
	memcpy(buf, d->v3 ? "v3|" : "v2|", 3);
	o = 3;
	o += put(buf + o, d->device_id);
	buf[o++] = '|';
	o += put(buf + o, d->client_id);
	buf[o++] = '|';
	o += put(buf + o, d->client_mode);
	buf[o++] = '|';
	o += put(buf + o, d->role);
	buf[o++] = '|';
	for (i = 0; i < d->nscopes; i++) {
		if (i > 0)
			buf[o++] = ',';
		o += put(buf + o, d->scopes[i]);
	}
	o += (size_t)sprintf(buf + o, "|%s|", at);
	o += put(buf + o, d->token);
	buf[o++] = '|';
	o += put(buf + o, d->nonce);
	if (d->v3) {
		buf[o++] = '|';
		o += put_meta(buf + o, d->platform);
		buf[o++] = '|';
		o += put_meta(buf + o, d->family);
	}
	buf[o] = '\0';
	*lenp = o;
	return buf;
}

int
devsig_sign(const struct devsig *d, const uint8_t sk[64], char *out,
    size_t outlen)
{
	uint8_t	 sig[crypto_sign_BYTES];
	char	*pl;
	size_t	 len;

	if (outlen < DEVSIG_B64_LEN || (pl = devsig_payload(d, &len)) == NULL)
		return -1;
	crypto_sign_detached(sig, NULL, (const uint8_t *)pl, len, sk);
	sodium_memzero(pl, len);
	free(pl);
	sodium_bin2base64(out, outlen, sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}
