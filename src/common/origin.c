/*
 * origin.c: the browser Origin policy (protocol.md §7.5).
 *
 * An Origin header is parsed exactly, to the "scheme://host[:port]" that
 * new URL(origin).origin gives (lowercase, default port dropped), and then
 * compared whole: with each gateway.controlUi.allowedOrigins entry,
 * canonicalised the same way ("*" is any origin), and, for local peers,
 * with the loopback hosts.  Comparing prefixes let
 * http://localhost.evil.example pass; comparing with the Host header let
 * any DNS-rebinding page pass.  Neither is done here (issue 10, item 1).
 *
 * Browsers send origins in canonical form.  Anything we would have to
 * repair (a path, user info, a short IPv4 form) comes from some other
 * client, and is refused as invalid rather than guessed at.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "origin.h"

/* ASCII only: a locale's idea of a letter must not reach a host name. */
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_LDH(c)	(IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'z') || \
			    ((c) >= 'A' && (c) <= 'Z') || (c) == '-' || \
			    (c) == '_' || (c) == '.')
#define TO_LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' + 'a' : (c))

/* A parse in progress: the input left, and the output so far. */
struct cursor {
	const char	*p, *end;
	struct origin	*o;
	size_t		 len;
};

static int
emit(struct cursor *c, const char *s, size_t n)
{
	if (n >= sizeof(c->o->text) - c->len)
		return -1;
	memcpy(c->o->text + c->len, s, n);
	c->len += n;
	c->o->text[c->len] = '\0';
	return 0;
}

/* Case-insensitive match of `lit' (lowercase) at the cursor. */
static int
take(struct cursor *c, const char *lit)
{
	size_t	i, n = strlen(lit);

	if ((size_t)(c->end - c->p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (TO_LOWER(c->p[i]) != lit[i])
			return 0;
	c->p += n;
	return 1;
}

/*
 * Dotted-quad IPv4 as browsers serialise it: four decimal octets, no
 * leading zeros.  Returns the first octet, or -1.
 */
static int
ipv4_first_octet(const char *s, size_t n)
{
	size_t	i = 0, digits;
	int	part, first = -1, v;

	for (part = 0; part < 4; part++) {
		if (part > 0 && (i >= n || s[i++] != '.'))
			return -1;
		for (digits = 0, v = 0; i < n && IS_DIGIT(s[i]); i++, digits++)
			v = v * 10 + (s[i] - '0');
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && s[i - digits] == '0'))
			return -1;
		if (part == 0)
			first = v;
	}
	return i == n ? first : -1;
}

/*
 * The URL Standard treats a host whose last label is a number as IPv4,
 * so "127.1" means 127.0.0.1 to a browser.  We accept such a host only
 * in canonical form.
 */
static int
ends_in_number(const char *s, size_t n)
{
	size_t	i;

	if (n > 0 && s[n - 1] == '.')
		n--;		/* "1.2.3.4." is still an address */
	for (i = n; i > 0 && s[i - 1] != '.'; i--)
		;
	if (i == n)
		return 0;
	if (n - i > 1 && s[i] == '0' && s[i + 1] == 'x')
		return 1;
	for (; i < n; i++)
		if (!IS_DIGIT(s[i]))
			return 0;
	return 1;
}

/* A name or an IPv4 address: letters, digits, '-', '_', '.'. */
static int
parse_name(struct cursor *c)
{
	const char	*h = c->p;
	char		 buf[ORIGIN_MAX + 1];
	size_t		 i, n;
	int		 first;

	while (c->p < c->end && IS_LDH(*c->p))
		c->p++;
	n = (size_t)(c->p - h);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++) {
		buf[i] = (char)TO_LOWER(h[i]);
		/* Only the last label may be empty (a fully qualified name). */
		if (buf[i] == '.' && (i == 0 || buf[i - 1] == '.'))
			return -1;
	}
	buf[n] = '\0';
	if (ends_in_number(buf, n)) {
		if ((first = ipv4_first_octet(buf, n)) == -1)
			return -1;
		c->o->loopback = first == 127;
	} else
		c->o->loopback = strcmp(buf, "localhost") == 0;
	return emit(c, buf, n);
}

/*
 * "[v6]": serialised as the URL Standard does (RFC 5952 but with an
 * embedded IPv4 part in hex), so that every spelling of an address
 * compares equal.
 */
static int
parse_ipv6(struct cursor *c)
{
	struct in6_addr	 a;
	const char	*rb;
	char		 in[INET6_ADDRSTRLEN], out[64];
	unsigned	 piece[8];
	int		 i, best = -1, bestlen = 1, run, skip = 0;
	size_t		 n, len = 0;

	rb = memchr(c->p, ']', (size_t)(c->end - c->p));
	if (rb == NULL || (n = (size_t)(rb - c->p - 1)) >= sizeof(in))
		return -1;
	memcpy(in, c->p + 1, n);
	in[n] = '\0';
	if (strspn(in, "0123456789abcdefABCDEF:.") != n ||
	    inet_pton(AF_INET6, in, &a) != 1)
		return -1;
	c->p = rb + 1;
	for (i = 0; i < 8; i++)
		piece[i] = (unsigned)a.s6_addr[2 * i] << 8 | a.s6_addr[2 * i + 1];
	/* The first longest run of two or more zero pieces becomes "::". */
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && piece[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	out[len++] = '[';
	for (i = 0; i < 8; i++) {
		if (skip && piece[i] == 0)
			continue;
		skip = 0;
		if (i == best) {
			len += (size_t)snprintf(out + len, sizeof(out) - len,
			    "%s", i == 0 ? "::" : ":");
			skip = 1;
			continue;
		}
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%x%s",
		    piece[i], i < 7 ? ":" : "");
	}
	out[len++] = ']';
	c->o->loopback = IN6_IS_ADDR_LOOPBACK(&a);
	return emit(c, out, len);
}

/* ":port", dropped when it is the scheme's default. */
static int
parse_port(struct cursor *c, long dflt)
{
	char	 buf[8];
	long	 v = 0;
	size_t	 digits = 0;

	if (c->p == c->end)
		return 0;
	if (*c->p++ != ':')
		return -1;
	for (; c->p < c->end && IS_DIGIT(*c->p); c->p++, digits++)
		v = v * 10 + (*c->p - '0');
	if (digits == 0 || digits > 5 || v > 65535 || c->p != c->end)
		return -1;
	if (v == dflt)
		return 0;
	snprintf(buf, sizeof(buf), ":%ld", v);
	return emit(c, buf, strlen(buf));
}

/*
 * Parse `len' bytes at `s' as an http or https origin into `o'.
 * 0 on success, -1 if it is none (then `o' is unspecified).
 */
int
origin_parse(const char *s, size_t len, struct origin *o)
{
	struct cursor	 c = { s, s + len, o, 0 };
	long		 dflt;
	int		 r;

	memset(o, 0, sizeof(*o));
	if (len == 0 || len > ORIGIN_MAX)
		return -1;
	if (take(&c, "https://")) {
		dflt = 443;
		r = emit(&c, "https://", 8);
	} else if (take(&c, "http://")) {
		dflt = 80;
		r = emit(&c, "http://", 7);
	} else
		return -1;
	if (r == -1 || c.p == c.end)
		return -1;
	r = *c.p == '[' ? parse_ipv6(&c) : parse_name(&c);
	if (r == -1)
		return -1;
	return parse_port(&c, dflt);
}

/*
 * The §7.5 decision for an Origin header of `len' bytes at `s', with the
 * `n' configured origins in `allowed', for a peer that is local (loopback
 * or in gateway.localPeers) or not.  A configured entry that is not an
 * origin matches nothing.
 */
enum origin_verdict
origin_check(const char *s, size_t len, const char *const *allowed, size_t n,
    int local)
{
	struct origin	 o, a;
	size_t		 i;

	if (origin_parse(s, len, &o) == -1)
		return ORIGIN_INVALID;
	for (i = 0; i < n; i++) {
		if (strcmp(allowed[i], "*") == 0)
			return ORIGIN_OK;
		if (origin_parse(allowed[i], strlen(allowed[i]), &a) == 0 &&
		    strcmp(a.text, o.text) == 0)
			return ORIGIN_OK;
	}
	if (local && o.loopback)
		return ORIGIN_OK;
	return ORIGIN_NOT_ALLOWED;
}
