/*
 * origin.h: the browser Origin policy (protocol.md §7.5), as pure
 * functions of the Origin header, gateway.controlUi.allowedOrigins and
 * the peer's locality.  The one canonical form of an origin: the worker
 * compares with it, authd keys browsers with it, and the config reader
 * stores allowedOrigins in it.  The Host header is not an input: a page can make
 * it say anything (DNS rebinding), so it never vouches for an origin.
 */
#ifndef CG_ORIGIN_H
#define CG_ORIGIN_H

#include <stddef.h>

/*
 * The longest Origin header parsed; longer ones are invalid.  The
 * worker's copy of the header must hold more than this even when cut
 * short, so that a header it had to truncate is refused, not parsed.
 */
#define ORIGIN_MAX	150

struct origin {
	/* "scheme://host[:port]" as new URL(o).origin gives it, lowercase. */
	char	text[ORIGIN_MAX + 48];
	int	loopback;	/* host is localhost, in 127/8, or [::1] */
};

enum origin_verdict {
	ORIGIN_OK,
	ORIGIN_INVALID,		/* not an http(s) origin */
	ORIGIN_NOT_ALLOWED,
};

int	origin_parse(const char *, size_t, struct origin *);
enum origin_verdict
	origin_check(const char *, size_t, const char *const *, size_t, int);

#endif /* CG_ORIGIN_H */
