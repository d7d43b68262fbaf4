/*
 * sha1.h: SHA-1 (FIPS 180-4), for Sec-WebSocket-Accept only (RFC 6455
 * §4.2.2).  libsodium rightly does not ship it, and nothing here may use
 * it for anything that needs collision resistance.
 */
#ifndef CG_SHA1_H
#define CG_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN	20

struct sha1_ctx {
	uint32_t	h[5];
	uint64_t	bytes;		/* message length so far */
	uint8_t		buf[64];	/* a partial block */
	size_t		nbuf;
};

void	sha1_init(struct sha1_ctx *);
void	sha1_update(struct sha1_ctx *, const void *data, size_t len);
void	sha1_final(struct sha1_ctx *, uint8_t out[SHA1_LEN]);
/* All three at once. */
void	sha1(const void *data, size_t len, uint8_t out[SHA1_LEN]);

#endif /* CG_SHA1_H */
