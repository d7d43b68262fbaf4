/*
 * addr.h: client addresses as numbers, not text.
 *
 * Rate limits, lockouts and pre-auth caps must count a client once, however
 * its address is written ("2001:DB8::1", "2001:db8:0:0::1",
 * "::ffff:10.0.0.1") and however many addresses of one allocation it owns
 * (an IPv6 client gets a /64 to itself).  So every key is made from the
 * parsed address masked to a prefix: IPv4 per /32 and IPv6 per /64 by
 * default (gateway.auth.rateLimit.ipv4Prefix / ipv6Prefix).
 */
#ifndef CG_ADDR_H
#define CG_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_DEFAULT_V4_PREFIX	32
#define ADDR_DEFAULT_V6_PREFIX	64
/* Longest key text: a full IPv6 address, "/128" and a NUL. */
#define ADDR_KEY_MAX		(46 + 5)

struct cg_addr {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		addr[16];	/* IPv4 in the first 4 bytes */
};

struct cg_cidr {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		prefix;
	uint8_t		addr[16];
};

/*
 * One address, exactly: dotted IPv4 or IPv6 text, IPv6 optionally in
 * brackets; IPv4-mapped IPv6 becomes the IPv4 address it carries.  No
 * port, zone, spaces or anything else.  0, or -1 if it does not parse.
 */
int	addr_parse(const char *s, size_t len, struct cg_addr *out);
/* From the socket's own view: family 4 or 6, 4 or 16 bytes. */
void	addr_from_bytes(struct cg_addr *out, int family, const uint8_t *bytes);
/* Clear the bits past the prefix (v4bits for IPv4, v6bits for IPv6). */
void	addr_mask(struct cg_addr *, unsigned v4bits, unsigned v6bits);
/*
 * The canonical key of the address's prefix: "192.0.2.7" (a full IPv4
 * /32), "10.1.0.0/16", "2001:db8:1:2::/64".  Returns its length, or -1
 * if `len' is too small (use ADDR_KEY_MAX).
 */
int	addr_key(const struct cg_addr *, unsigned v4bits, unsigned v6bits,
	    char *out, size_t len);

/* "1.2.3.4/24", "::1", "172.17.0.0/16" -> cidr.  0 or -1. */
int	cidr_parse(const char *s, struct cg_cidr *out);
/* Is the address (4 or 16 bytes, family 4/6) inside the cidr? */
int	cidr_match(const struct cg_cidr *, int family, const uint8_t *addr);

#endif /* CG_ADDR_H */
