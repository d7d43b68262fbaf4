/*
 * wsc.h: a minimal blocking WebSocket client (RFC 6455) for clawgate(1):
 * ws:// only, text messages, no extensions.  Every call is bounded by a
 * timeout; errors come back as text fit for the operator.
 */
#ifndef CG_WSC_H
#define CG_WSC_H

#include <stddef.h>

/* The largest message accepted from the server (hello-ok is ~20 KiB). */
#define WSC_MAX_MESSAGE	((size_t)16 << 20)

struct wsc_url {
	char	host[256];	/* no brackets around an IPv6 literal */
	char	port[8];
	char	path[1024];	/* starts with '/' */
	/* "ws://host:port/path", lowercase host: the URL's stable name */
	char	canon[1400];
};

struct wsc;

enum wsc_rc {
	WSC_MSG = 0,	/* a message */
	WSC_CLOSED,	/* the peer closed (see wsc_close_code) */
	WSC_TIMEOUT,
	WSC_ERROR	/* I/O error or the peer broke RFC 6455 */
};

/*
 * Parse ws://HOST[:PORT][/PATH] (port 80 by default).  wss:// and
 * anything else are refused with a message that says what to do.
 */
int		 wsc_parse_url(const char *url, struct wsc_url *u, char *err,
		    size_t errlen);

/*
 * Resolve, connect (from `bind_addr', a numeric address, when not NULL),
 * upgrade and check Sec-WebSocket-Accept, all within `timeout_ms'.
 * Plain ws:// to an address that is neither loopback nor private is
 * refused: the secret would cross the network in clear text.
 */
struct wsc	*wsc_open(const struct wsc_url *u, const char *bind_addr,
		    int timeout_ms, char *err, size_t errlen);

/* One masked text frame. */
int		 wsc_send_text(struct wsc *, const char *buf, size_t len,
		    int timeout_ms, char *err, size_t errlen);

/*
 * The next text (or binary) message, reassembled from fragments, into
 * a malloc'd NUL-terminated buffer.  Pings are answered on the way.
 */
enum wsc_rc	 wsc_recv(struct wsc *, char **msg, size_t *len,
		    int timeout_ms, char *err, size_t errlen);

/* After WSC_CLOSED: the peer's code (1005 none, 1006 no close frame). */
int		 wsc_close_code(const struct wsc *);
/* ... and its reason, control characters replaced. */
const char	*wsc_close_reason(const struct wsc *);
/* "127.0.0.2:40312 -> 127.0.0.1:18789" */
const char	*wsc_endpoints(const struct wsc *);

/* Close handshake with `code' (bounded wait), then free.  NULL is fine. */
void		 wsc_close(struct wsc *, int code, const char *reason);

#endif /* CG_WSC_H */
