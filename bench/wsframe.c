/*
 * wsframe.c: SHA-1 for Sec-WebSocket-Accept and frame (de)coding, see
 * wsframe.h.  SHA-1 is here because libsodium rightly does not ship it.
 */
#include <string.h>

#include <sodium.h>

#include "wsframe.h"

#define WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static uint32_t
rol32(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t	w[80], a, b, c, d, e, f, k, t;
	int		i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol32(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol32(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void
sha1(const void *data, size_t len, uint8_t out[20])
{
	const uint8_t	*p = data;
	uint32_t	 h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
			    0x10325476, 0xc3d2e1f0 };
	uint8_t		 tail[128];
	uint64_t	 bits = (uint64_t)len * 8;
	size_t		 off, rest, tl;
	int		 i;

	for (off = 0; len - off >= 64; off += 64)
		sha1_block(h, p + off);
	rest = len - off;
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p + off, rest);
	tail[rest] = 0x80;
	tl = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tl - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, tail);
	if (tl == 128)
		sha1_block(h, tail + 64);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

void
ws_accept(const char *key, size_t keylen, char out[WS_ACCEPT_LEN])
{
	char	buf[128 + sizeof(WS_GUID)];
	uint8_t	d[20];

	if (keylen > 128)
		keylen = 128;
	memcpy(buf, key, keylen);
	memcpy(buf + keylen, WS_GUID, sizeof(WS_GUID) - 1);
	sha1(buf, keylen + sizeof(WS_GUID) - 1, d);
	sodium_bin2base64(out, WS_ACCEPT_LEN, d, sizeof(d),
	    sodium_base64_VARIANT_ORIGINAL);
}

void
ws_mask(uint8_t *p, size_t len, const uint8_t mask[4])
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] ^= mask[i & 3];
}

int
ws_parse(uint8_t *buf, size_t len, size_t max, struct ws_frame *f)
{
	size_t		hl = 2, i;
	uint64_t	plen;

	if (len < 2)
		return 0;
	if (buf[0] & 0x70)		/* RSV bits: nothing negotiated */
		return -1;
	f->fin = (buf[0] & 0x80) != 0;
	f->op = buf[0] & 0x0f;
	f->masked = (buf[1] & 0x80) != 0;
	plen = buf[1] & 0x7f;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		hl = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		for (plen = 0, i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		hl = 10;
	}
	if (plen > max)
		return -1;
	if (f->masked)
		hl += 4;
	if (len < hl || len - hl < plen)
		return 0;
	f->payload = buf + hl;
	f->len = (size_t)plen;
	f->total = hl + (size_t)plen;
	if (f->masked)
		ws_mask(buf + hl, f->len, buf + hl - 4);
	return 1;
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
