/*
 * wsframe.c: the RFC 6455 codec, see wsframe.h.
 */
#include <string.h>

#include <sodium.h>

#include "sha1.h"
#include "wsframe.h"

void
ws_accept(const char *key, size_t keylen, char out[WS_ACCEPT_LEN])
{
	struct sha1_ctx	c;
	uint8_t		d[SHA1_LEN];

	sha1_init(&c);
	sha1_update(&c, key, keylen);
	sha1_update(&c, WS_GUID, sizeof(WS_GUID) - 1);
	sha1_final(&c, d);
	sodium_bin2base64(out, WS_ACCEPT_LEN, d, sizeof(d),
	    sodium_base64_VARIANT_ORIGINAL);
}

size_t
ws_header(uint8_t *hdr, int op, size_t len, const uint8_t *mask)
{
	size_t	hl = 2;
	int	i;

	hdr[0] = (uint8_t)(0x80 | (op & 0x0f));
	if (len < 126)
		hdr[1] = (uint8_t)len;
	else if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		hl = 4;
	} else {
		hdr[1] = 127;
		for (i = 0; i < 8; i++)
			hdr[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		hl = 10;
	}
	if (mask != NULL) {
		hdr[1] |= 0x80;
		memcpy(hdr + hl, mask, 4);
		hl += 4;
	}
	return hl;
}

void
ws_mask(uint8_t *p, size_t len, const uint8_t mask[4])
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] ^= mask[i & 3];
}

size_t
ws_encode(uint8_t *out, int op, const void *payload, size_t len,
    const uint8_t *mask)
{
	size_t	hl = ws_header(out, op, len, mask);

	if (len > 0)
		memcpy(out + hl, payload, len);
	if (mask != NULL)
		ws_mask(out + hl, len, mask);
	return hl + len;
}

static int
fail(enum ws_err *err, enum ws_err e)
{
	*err = e;
	return -1;
}

/* The extended length, if it is all there: 1, 0 more needed, -1 err. */
static int
ext_length(const uint8_t *b, size_t len, int flags, uint64_t *plen,
    size_t *hl, enum ws_err *err)
{
	int	i;

	if (*plen == 126) {
		if (len < 4)
			return 0;
		*plen = (uint64_t)b[2] << 8 | b[3];
		*hl = 4;
		if ((flags & WS_STRICT) && *plen < 126)
			return fail(err, WS_E_LEN16);
	} else if (*plen == 127) {
		if (len < 10)
			return 0;
		for (*plen = 0, i = 0; i < 8; i++)
			*plen = *plen << 8 | b[2 + i];
		*hl = 10;
		if ((flags & WS_STRICT) && *plen >> 63)
			return fail(err, WS_E_LEN63);
		if ((flags & WS_STRICT) && *plen <= 0xffff)
			return fail(err, WS_E_LEN64);
	}
	return 1;
}

static int
known_op(int op)
{
	return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

int
ws_decode(const uint8_t *b, size_t len, size_t max, int flags,
    struct ws_frame *f, enum ws_err *err)
{
	uint64_t	plen;
	size_t		hl = 2;
	int		r;

	*err = WS_E_NONE;
	if (len < 2)
		return 0;
	if (b[0] & 0x70)
		return fail(err, WS_E_RSV);
	f->fin = (b[0] & 0x80) != 0;
	f->op = b[0] & 0x0f;
	f->masked = (b[1] & 0x80) != 0;
	if ((flags & WS_UNMASKED) && f->masked)
		return fail(err, WS_E_MASKED);
	if ((flags & WS_MASKED) && !f->masked)
		return fail(err, WS_E_UNMASKED);
	plen = b[1] & 0x7f;
	if ((r = ext_length(b, len, flags, &plen, &hl, err)) != 1)
		return r;
	if (f->op >= WS_OP_CLOSE && (!f->fin || plen > WS_MAX_CONTROL))
		return fail(err, WS_E_CONTROL);
	if ((flags & WS_STRICT) && !known_op(f->op))
		return fail(err, WS_E_OPCODE);
	if (plen > max)
		return fail(err, WS_E_TOO_BIG);
	if (f->masked)
		hl += 4;
	if (len < hl || len - hl < plen)
		return 0;
	if (f->masked)
		memcpy(f->mask, b + hl - 4, 4);
	f->hlen = hl;
	f->len = (size_t)plen;
	f->total = hl + (size_t)plen;
	return 1;
}

int
ws_msg_add(struct ws_msg *m, const struct ws_frame *f, size_t max,
    enum ws_err *err)
{
	*err = WS_E_NONE;
	if (f->op == WS_OP_CONT && m->op == 0)
		return fail(err, WS_E_CONT);
	if (f->op != WS_OP_CONT && m->op != 0)
		return fail(err, WS_E_INTERLEAVED);
	if (m->len > max || f->len > max - m->len)
		return fail(err, WS_E_TOO_BIG);
	if (f->op != WS_OP_CONT)
		m->op = f->op;
	m->len += f->len;
	return f->fin;
}

int
ws_close_parse(const uint8_t *p, size_t len, int *code,
    const uint8_t **reason, size_t *reasonlen, enum ws_err *err)
{
	*err = WS_E_NONE;
	*code = 1005;
	*reason = p;
	*reasonlen = 0;
	if (len == 1)
		return fail(err, WS_E_CLOSE_LEN);
	if (len >= 2) {
		*code = p[0] << 8 | p[1];
		*reason = p + 2;
		*reasonlen = len - 2;
	}
	return 0;
}

size_t
ws_close_body(uint8_t *out, int code, const char *reason)
{
	size_t	rl = reason != NULL ? strlen(reason) : 0;

	if (code == 0)
		return 0;
	if (rl > WS_MAX_CONTROL - 2)
		rl = WS_MAX_CONTROL - 2;
	out[0] = (uint8_t)(code >> 8);
	out[1] = (uint8_t)code;
	if (rl > 0)
		memcpy(out + 2, reason, rl);
	return 2 + rl;
}

const char *
ws_strerror(enum ws_err e)
{
	static const char	*const msg[] = {
		[WS_E_NONE] = "no error",
		[WS_E_RSV] = "reserved bits set (no extension was negotiated)",
		[WS_E_MASKED] = "a masked server frame",
		[WS_E_UNMASKED] = "an unmasked client frame",
		[WS_E_LEN16] = "a non-minimal 16-bit length",
		[WS_E_LEN63] = "a 64-bit length with the top bit set",
		[WS_E_LEN64] = "a non-minimal 64-bit length",
		[WS_E_CONTROL] = "a fragmented or oversized control frame",
		[WS_E_OPCODE] = "a reserved opcode",
		[WS_E_TOO_BIG] = "a message larger than the receiver accepts",
		[WS_E_CONT] = "a continuation frame with no message under way",
		[WS_E_INTERLEAVED] = "a new message inside a fragmented one",
		[WS_E_CLOSE_LEN] = "a close frame with a 1-byte body",
	};

	if ((unsigned)e >= sizeof(msg) / sizeof(msg[0]))
		return "unknown error";
	return msg[e];
}
