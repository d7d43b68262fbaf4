/*
 * addr.c: see addr.h.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define IS_DIGIT(ch)	((ch) >= '0' && (ch) <= '9')

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

int
addr_parse(const char *s, size_t len, struct cg_addr *out)
{
	char	buf[INET6_ADDRSTRLEN + 1];

	memset(out, 0, sizeof(*out));
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
		if (memchr(s, ':', len) == NULL)
			return -1;	/* "[1.2.3.4]" is not an address */
	}
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->addr) != 1)
		return -1;
	addr_from_bytes(out, 6, out->addr);
	return 0;
}

void
addr_from_bytes(struct cg_addr *out, int family, const uint8_t *bytes)
{
	uint8_t	tmp[16];

	memset(tmp, 0, sizeof(tmp));
	if (family == 6 && memcmp(bytes, v4mapped, 12) == 0) {
		memcpy(tmp, bytes + 12, 4);
		family = 4;
	} else
		memcpy(tmp, bytes, family == 4 ? 4 : 16);
	out->family = (uint8_t)family;
	memcpy(out->addr, tmp, sizeof(tmp));
}

static void
mask_bits(uint8_t *a, size_t n, unsigned bits)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (i * 8 >= bits)
			a[i] = 0;
		else if (i * 8 + 8 > bits)
			a[i] &= (uint8_t)(0xff << (8 - (bits - i * 8)));
	}
}

void
addr_mask(struct cg_addr *a, unsigned v4bits, unsigned v6bits)
{
	if (a->family == 4)
		mask_bits(a->addr, 4, v4bits > 32 ? 32 : v4bits);
	else
		mask_bits(a->addr, 16, v6bits > 128 ? 128 : v6bits);
}

int
addr_key(const struct cg_addr *in, unsigned v4bits, unsigned v6bits,
    char *out, size_t len)
{
	struct cg_addr	a = *in;
	char		txt[INET6_ADDRSTRLEN];
	unsigned	bits, full;
	int		n;

	if (v4bits > 32)
		v4bits = 32;
	if (v6bits > 128)
		v6bits = 128;
	addr_mask(&a, v4bits, v6bits);
	bits = a.family == 4 ? v4bits : v6bits;
	full = a.family == 4 ? 32 : 128;
	if (inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.addr, txt,
	    sizeof(txt)) == NULL)
		return -1;
	if (bits == full)
		n = snprintf(out, len, "%s", txt);
	else
		n = snprintf(out, len, "%s/%u", txt, bits);
	return n < 0 || (size_t)n >= len ? -1 : n;
}


int
cidr_parse(const char *s, struct cg_cidr *out)
{
	char		 addr[INET6_ADDRSTRLEN + 1];
	const char	*slash = strchr(s, '/');
	size_t		 alen = slash ? (size_t)(slash - s) : strlen(s), i;
	unsigned long	 prefix, max;
	char		*end;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else
		return -1;
	prefix = max;
	if (slash != NULL) {
		/* Digits only: no sign, space or leading zero. */
		if (!IS_DIGIT(slash[1]) ||
		    (slash[1] == '0' && slash[2] != '\0'))
			return -1;
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || prefix > max)
			return -1;
	}
	out->prefix = (uint8_t)prefix;
	/* Host bits are cleared: "10.1.2.3/8" means 10.0.0.0/8. */
	for (i = 0; i < 16; i++) {
		if (i * 8 >= prefix)
			out->addr[i] = 0;
		else if (i * 8 + 8 > prefix)
			out->addr[i] &= (uint8_t)(0xff <<
			    (8 - (prefix - i * 8)));
	}
	return 0;
}

static int
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned	full = bits / 8, rest = bits % 8;
	uint8_t		mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}


/*
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what a dual-stack socket
 * reports for IPv4 peers) are compared as the IPv4 address they carry,
 * so "172.17.0.0/16" matches them, and ::/0 does not.  An IPv4 address
 * matches a v6 CIDR only inside ::ffff:0:0/96.
 */
int
cidr_match(const struct cg_cidr *c, int family, const uint8_t *addr)
{
	if (family == 6 && memcmp(addr, v4mapped, 12) == 0) {
		family = 4;
		addr += 12;
	}
	if (family != 4 && family != 6)
		return 0;
	if (c->family == family)
		return prefix_equal(c->addr, addr, c->prefix);
	if (c->family == 6 && family == 4 && c->prefix >= 96 &&
	    memcmp(c->addr, v4mapped, 12) == 0)
		return prefix_equal(c->addr + 12, addr, c->prefix - 96u);
	return 0;
}

