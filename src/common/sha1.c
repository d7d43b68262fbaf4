/*
 * sha1.c: SHA-1, see sha1.h.  Streaming, so that a key of any length
 * can be hashed without a bounded concatenation buffer.
 */
#include <string.h>

#include "sha1.h"

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
	for (; i < 80; i++)
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
sha1_init(struct sha1_ctx *c)
{
	static const uint32_t	iv[5] = { 0x67452301, 0xefcdab89,
				    0x98badcfe, 0x10325476, 0xc3d2e1f0 };

	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->nbuf = 0;
}

void
sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
	const uint8_t	*p = data;
	size_t		 n;

	c->bytes += len;
	while (len > 0) {
		if (c->nbuf == 0 && len >= 64) {
			sha1_block(c->h, p);
			p += 64, len -= 64;
			continue;
		}
		n = 64 - c->nbuf < len ? 64 - c->nbuf : len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n, p += n, len -= n;
		if (c->nbuf == 64) {
			sha1_block(c->h, c->buf);
			c->nbuf = 0;
		}
	}
}

void
sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_LEN])
{
	uint64_t	bits = c->bytes * 8;
	int		i;

	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > 56) {
		memset(c->buf + c->nbuf, 0, 64 - c->nbuf);
		sha1_block(c->h, c->buf);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
	for (i = 0; i < 8; i++)
		c->buf[63 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(c->h, c->buf);
	for (i = 0; i < SHA1_LEN; i++)
		out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
	memset(c, 0, sizeof(*c));
}

void
sha1(const void *data, size_t len, uint8_t out[SHA1_LEN])
{
	struct sha1_ctx	c;

	sha1_init(&c);
	sha1_update(&c, data, len);
	sha1_final(&c, out);
}
