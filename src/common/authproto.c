/*
 * authproto.c: encoding and strict decoding of the worker's auth request.
 */
#include <string.h>

#include "authproto.h"

/* Map a tag to the string field it fills; NULL for non-string tags. */
static struct auth_str *
str_field(struct auth_req *r, uint16_t tag)
{
	switch (tag) {
	case AT_PEER_ADDR:		return &r->peer;
	case AT_ORIGIN:			return &r->origin;
	case AT_CLIENT_ID:		return &r->client_id;
	case AT_CLIENT_MODE:		return &r->client_mode;
	case AT_CLIENT_PLATFORM:	return &r->platform;
	case AT_CLIENT_FAMILY:		return &r->family;
	case AT_CLIENT_NAME:		return &r->name;
	case AT_ROLE:			return &r->role;
	case AT_TOKEN:			return &r->token;
	case AT_PASSWORD:		return &r->password;
	case AT_DEVICE_TOKEN:		return &r->device_token;
	case AT_BOOTSTRAP_TOKEN:	return &r->bootstrap_token;
	case AT_DEV_ID:			return &r->dev_id;
	case AT_DEV_PUBKEY:		return &r->dev_pubkey;
	case AT_DEV_SIG:		return &r->dev_sig;
	case AT_DEV_NONCE:		return &r->dev_nonce;
	case AT_CHALLENGE_NONCE:	return &r->challenge_nonce;
	default:			return NULL;
	}
}

static size_t
str_limit(uint16_t tag)
{
	switch (tag) {
	case AT_TOKEN:
	case AT_PASSWORD:
	case AT_DEVICE_TOKEN:
	case AT_BOOTSTRAP_TOKEN:
		return AUTH_MAX_SECRET;
	default:
		return AUTH_MAX_FIELD;
	}
}

static void
put_str(struct tlv_buf *tb, uint16_t tag, const struct auth_str *s)
{
	if (s->p != NULL)
		tlv_put(tb, tag, s->p, s->len);
}

int
auth_req_encode(const struct auth_req *r, struct tlv_buf *tb)
{
	struct auth_req	 tmp;
	uint16_t	 tag;
	unsigned	 i;

	tlv_init(tb);
	tlv_put(tb, AT_FLAGS, &r->flags, sizeof(r->flags));
	tmp = *r;
	for (tag = AT_FLAGS + 1; tag < AT_MAX; tag++) {
		const struct auth_str *s = str_field(&tmp, tag);

		if (s != NULL)
			put_str(tb, tag, s);
	}
	for (i = 0; i < r->nscopes && i < AUTH_MAX_SCOPES; i++)
		put_str(tb, AT_SCOPE, &r->scopes[i]);
	if (r->flags & AUTH_F_HAS_DEVICE)
		tlv_put_u64(tb, AT_DEV_SIGNED_AT, r->dev_signed_at);
	return tb->overflow ? -1 : 0;
}

int
auth_req_decode(const void *p, size_t len, struct auth_req *r)
{
	struct tlv_iter	 it;
	struct auth_str	*s;
	const uint8_t	*val;
	size_t		 vlen;
	uint16_t	 tag;
	uint32_t	 seen = 0;
	int		 rc;

	memset(r, 0, sizeof(*r));
	tlv_iter_init(&it, p, len);
	while ((rc = tlv_next(&it, &tag, &val, &vlen)) == 1) {
		if (tag == 0 || tag >= AT_MAX)
			return -1;
		if (tag != AT_SCOPE) {
			if (seen & (1U << tag))
				return -1;
			seen |= 1U << tag;
		}
		if (tag == AT_FLAGS) {
			if (vlen != sizeof(r->flags))
				return -1;
			memcpy(&r->flags, val, vlen);
			continue;
		}
		if (tag == AT_DEV_SIGNED_AT) {
			if (vlen != sizeof(r->dev_signed_at))
				return -1;
			memcpy(&r->dev_signed_at, val, vlen);
			continue;
		}
		if (tag == AT_SCOPE) {
			if (r->nscopes == AUTH_MAX_SCOPES)
				return -1;
			s = &r->scopes[r->nscopes++];
		} else if ((s = str_field(r, tag)) == NULL)
			return -1;
		if (vlen > str_limit(tag) || memchr(val, '\0', vlen) != NULL)
			return -1;
		s->p = (const char *)val;
		s->len = vlen;
	}
	if (rc == -1 || !(seen & (1U << AT_FLAGS)))
		return -1;
	return 0;
}
