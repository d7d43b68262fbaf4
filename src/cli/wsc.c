/*
 * wsc.c: the blocking WebSocket client behind `clawgate --url'.  One
 * socket, poll(2) for every wait so that each call is bounded, RFC 6455
 * client rules (masked frames, unmasked server frames, no extensions,
 * control frames answered inline).  Secrets pass through the send path
 * (the connect frame), so send buffers and the receive buffer (which
 * holds the device token of hello-ok) are wiped before they are freed.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clawgate.h"
#include "util.h"
#include "wsc.h"
#include "wsframe.h"

#define MAX_HTTP_HEAD	(16 * 1024)
#define MAX_HTTP_BODY	2048
#define READ_CHUNK	(64 * 1024)
#define CLOSE_WAIT_MS	1000

struct wsc {
	int		 fd;
	unsigned char	*rbuf;		/* read, not yet parsed */
	size_t		 rlen, rcap;
	unsigned char	*msg;		/* message being rebuilt */
	size_t		 msgcap;
	struct ws_msg	 m;		/* its opcode and length */
	int		 closed;	/* close frame or EOF seen */
	int		 sent_close;
	int		 close_code;
	char		 close_reason[128];
	char		 ends[176];
};

/* ---- URL ----------------------------------------------------------------- */

static int
host_char(int ch, int bracketed)
{
	if (isalnum(ch) || ch == '.' || ch == '-' || ch == '_')
		return 1;
	return bracketed && (ch == ':' || ch == '%');
}

/* Refuse a URL that carries a secret: it would be in argv and history. */
static int
carries_secret(const char *rest)
{
	const char	*q = strchr(rest, '?');

	return strchr(rest, '@') != NULL || (q != NULL &&
	    (strcasestr(q, "token") != NULL ||
	    strcasestr(q, "password") != NULL));
}

static int
parse_authority(const char *a, size_t n, struct wsc_url *u, char *err,
    size_t errlen)
{
	const char	*hs = a, *pe, *colon = NULL;
	size_t		 hl, i;
	int		 br = 0;
	long		 port = 80;
	char		*end, pbuf[8];

	if (n > 0 && a[0] == '[') {
		if ((pe = memchr(a, ']', n)) == NULL)
			goto bad;
		hs = a + 1, hl = (size_t)(pe - hs), br = 1;
		if (pe + 1 < a + n) {
			if (pe[1] != ':')
				goto bad;
			colon = pe + 1;
		}
	} else {
		colon = memchr(a, ':', n);
		hl = colon != NULL ? (size_t)(colon - a) : n;
	}
	if (hl == 0 || hl >= sizeof(u->host))
		goto bad;
	for (i = 0; i < hl; i++)
		if (!host_char((unsigned char)hs[i], br))
			goto bad;
	memcpy(u->host, hs, hl);
	u->host[hl] = '\0';
	if (colon != NULL) {
		size_t pl = (size_t)(a + n - colon - 1);

		if (pl == 0 || pl >= sizeof(pbuf))
			goto bad;
		memcpy(pbuf, colon + 1, pl);
		pbuf[pl] = '\0';
		port = strtol(pbuf, &end, 10);
		if (*end != '\0' || !isdigit((unsigned char)pbuf[0]) ||
		    port < 1 || port > 65535)
			goto bad;
	}
	snprintf(u->port, sizeof(u->port), "%ld", port);
	return 0;
bad:
	snprintf(err, errlen, "bad host or port in the URL; expected "
	    "ws://HOST[:PORT][/PATH], e.g. ws://127.0.0.1:%d", CG_DEFAULT_PORT);
	return -1;
}

int
wsc_parse_url(const char *url, struct wsc_url *u, char *err, size_t errlen)
{
	const char	*a, *p;
	size_t		 i, n;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "wss://", 6) == 0) {
		snprintf(err, errlen, "wss:// is not supported: clawgate's "
		    "client speaks plain ws:// only. Reach a remote gateway "
		    "through an SSH tunnel (ssh -N -L %d:127.0.0.1:%d HOST, "
		    "then --url ws://127.0.0.1:%d) or a local TLS proxy "
		    "(e.g. stunnel in client mode) and give its ws:// address",
		    CG_DEFAULT_PORT, CG_DEFAULT_PORT, CG_DEFAULT_PORT);
		return -1;
	}
	if (strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0) {
		snprintf(err, errlen, "--url takes the WebSocket address, "
		    "ws://HOST[:PORT]: the dashboard's http:// address with "
		    "http replaced by ws%s", url[4] == 's' || url[4] == 'S' ?
		    " (and TLS terminated by an SSH tunnel or a local proxy: "
		    "wss:// is not supported)" : "");
		return -1;
	}
	if (strncasecmp(url, "ws://", 5) != 0) {
		snprintf(err, errlen, "--url must be ws://HOST[:PORT][/PATH], "
		    "e.g. ws://127.0.0.1:%d", CG_DEFAULT_PORT);
		return -1;
	}
	a = url + 5;
	if (carries_secret(a)) {
		snprintf(err, errlen, "the URL carries a credential; a secret "
		    "on the command line ends up in the shell history and "
		    "ps(1): give it with --token-file/--password-file "
		    "(\"-\" for stdin) or $CLAWGATE_GATEWAY_TOKEN");
		return -1;
	}
	for (i = 0; a[i] != '\0'; i++)
		if ((unsigned char)a[i] <= 0x20 ||
		    (unsigned char)a[i] >= 0x7f || a[i] == '#') {
			snprintf(err, errlen, "the URL has a space, a control, "
			    "non-ASCII or '#' character at position %zu",
			    i + 6);
			return -1;
		}
	n = strcspn(a, "/?");
	if (parse_authority(a, n, u, err, errlen) == -1)
		return -1;
	p = a + n;
	if (snprintf(u->path, sizeof(u->path), "%s%s", *p == '/' ? "" : "/",
	    p) >= (int)sizeof(u->path)) {
		snprintf(err, errlen, "the URL's path is too long");
		return -1;
	}
	for (i = 0; u->host[i] != '\0'; i++)
		u->host[i] = (char)tolower((unsigned char)u->host[i]);
	snprintf(u->canon, sizeof(u->canon), "ws://%s%s%s:%s%s",
	    strchr(u->host, ':') ? "[" : "", u->host,
	    strchr(u->host, ':') ? "]" : "", u->port, u->path);
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

/* Loopback or private: no wide-area network between us and the gateway. */
static int
near_v4(const unsigned char *a)
{
	return a[0] == 127 || a[0] == 10 ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64);	/* CGNAT, Tailscale */
}

static int
near_addr(const struct sockaddr *sa)
{
	const unsigned char	*a;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };

	if (sa->sa_family == AF_INET)
		return near_v4((const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family != AF_INET6)
		return 0;
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (memcmp(a, mapped, 12) == 0)
		return near_v4(a + 12);
	if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)(const void *)a))
		return 1;
	return (a[0] & 0xfe) == 0xfc ||		/* ULA fc00::/7 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);	/* fe80::/10 */
}

static void
addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t blen)
{
	char	h[NI_MAXHOST], s[NI_MAXSERV];

	if (getnameinfo(sa, len, h, sizeof(h), s, sizeof(s),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, blen, "?");
	else
		snprintf(buf, blen, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, s);
}

/* ---- bounded I/O --------------------------------------------------------- */

static int
left_ms(uint64_t deadline)
{
	uint64_t	now = mono_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* 1 ready, 0 timeout, -1 error. */
static int
wait_fd(int fd, short ev, uint64_t deadline)
{
	struct pollfd	pfd = { .fd = fd, .events = ev };
	int		r;

	for (;;) {
		r = poll(&pfd, 1, left_ms(deadline));
		if (r == -1 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

static int
write_all(int fd, const unsigned char *p, size_t len, uint64_t deadline,
    char *err, size_t errlen)
{
	ssize_t	n;
	int	r;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n, len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(fd, POLLOUT, deadline)) > 0)
				continue;
			snprintf(err, errlen, r == 0 ? "timed out sending to "
			    "the gateway" : "poll: %s", strerror(errno));
			return -1;
		}
		snprintf(err, errlen, "sending to the gateway: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Read more into rbuf: 1 data, 0 EOF, -1 error, -2 timeout. */
static int
fill(struct wsc *w, size_t want, uint64_t deadline, char *err, size_t errlen)
{
	unsigned char	*nb;
	size_t		 ncap;
	ssize_t		 n;
	int		 r;

	if (want < READ_CHUNK)
		want = READ_CHUNK;
	if (w->rcap - w->rlen < want) {
		/* Doubling: a large frame is not copied over and over. */
		ncap = w->rlen + want > 2 * w->rcap ? w->rlen + want :
		    2 * w->rcap;
		if ((nb = malloc(ncap)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (w->rbuf != NULL) {
			memcpy(nb, w->rbuf, w->rlen);
			sodium_memzero(w->rbuf, w->rcap);
			free(w->rbuf);
		}
		w->rbuf = nb, w->rcap = ncap;
	}
	for (;;) {
		n = recv(w->fd, w->rbuf + w->rlen, w->rcap - w->rlen, 0);
		if (n > 0) {
			w->rlen += (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(err, errlen, "reading from the gateway: %s",
			    strerror(errno));
			return -1;
		}
		if ((r = wait_fd(w->fd, POLLIN, deadline)) == 0)
			return -2;
		if (r < 0) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

static void
consume(struct wsc *w, size_t n)
{
	memmove(w->rbuf, w->rbuf + n, w->rlen - n);
	sodium_memzero(w->rbuf + w->rlen - n, n);
	w->rlen -= n;
}

/* ---- connect ------------------------------------------------------------- */

static int
bind_source(int fd, int family, const char *bind_addr, char *err,
    size_t errlen)
{
	struct addrinfo	 hints, *res;
	int		 r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if ((r = getaddrinfo(bind_addr, "0", &hints, &res)) != 0) {
		snprintf(err, errlen, "--bind %s: %s", bind_addr,
		    r == EAI_ADDRFAMILY || r == EAI_FAMILY || r == EAI_NONAME ?
		    "not a numeric address of the gateway's address family" :
		    gai_strerror(r));
		return -1;
	}
	r = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (r == -1) {
		snprintf(err, errlen, "--bind %s: %s", bind_addr,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* One address: a connected non-blocking socket, or -1 (err set). */
static int
try_connect(const struct addrinfo *ai, const char *bind_addr,
    uint64_t deadline, char *err, size_t errlen)
{
	socklen_t	sl = sizeof(int);
	int		fd, r, soerr = 0, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind_addr != NULL && bind_source(fd, ai->ai_family, bind_addr,
	    err, errlen) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline)) <= 0) {
			snprintf(err, errlen, r == 0 ? "timed out" :
			    "poll: %s", strerror(errno));
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
		    soerr != 0) {
			snprintf(err, errlen, "%s", strerror(soerr ? soerr :
			    errno));
			goto fail;
		}
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

static int
tcp_connect(struct wsc *w, const struct wsc_url *u, const char *bind_addr,
    uint64_t deadline, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t	 sl;
	char		 why[256] = "no usable address", a[80], b[80];
	int		 r, fd = -1, far = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((r = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", u->host,
		    gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (!near_addr(ai->ai_addr)) {
			far = 1;
			continue;
		}
		fd = try_connect(ai, bind_addr, deadline, why, sizeof(why));
		if (fd == -1 && strncmp(why, "--bind", 6) == 0)
			break;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		if (far && strcmp(why, "no usable address") == 0)
			snprintf(err, errlen, "refusing plain ws:// to %s: it "
			    "is neither a loopback nor a private address, and "
			    "the gateway secret would cross the network "
			    "unencrypted. Use an SSH tunnel (ssh -N -L "
			    "%d:127.0.0.1:%s %s, then --url ws://127.0.0.1:%d)"
			    " or a TLS proxy on a private address", u->host,
			    CG_DEFAULT_PORT, u->port, u->host, CG_DEFAULT_PORT);
		else if (strncmp(why, "--bind", 6) == 0)
			snprintf(err, errlen, "%s", why);
		else
			snprintf(err, errlen, "cannot connect to %s:%s: %s "
			    "(is the gateway running and listening there?)",
			    u->host, u->port, why);
		return -1;
	}
	w->fd = fd;
	sl = sizeof(ss);
	a[0] = b[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_str((struct sockaddr *)&ss, sl, a, sizeof(a));
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_str((struct sockaddr *)&ss, sl, b, sizeof(b));
	snprintf(w->ends, sizeof(w->ends), "%s -> %s", a, b);
	return 0;
}

/* ---- HTTP upgrade -------------------------------------------------------- */

/* The value of header `name' in the head (CRLF lines), or NULL. */
static const char *
header(const char *head, const char *name, char *buf, size_t len)
{
	const char	*l, *e, *v;
	size_t		 nl = strlen(name), vl;

	for (l = strstr(head, "\r\n"); l != NULL; l = e) {
		l += 2;
		if ((e = strstr(l, "\r\n")) == NULL || e == l)
			return NULL;
		if ((size_t)(e - l) <= nl || l[nl] != ':' ||
		    strncasecmp(l, name, nl) != 0)
			continue;
		for (v = l + nl + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		vl = (size_t)(e - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= len)
			vl = len - 1;
		memcpy(buf, v, vl);
		buf[vl] = '\0';
		return buf;
	}
	return NULL;
}

/* Does the comma-separated list contain `tok' (case-insensitively)? */
static int
has_token(const char *list, const char *tok)
{
	size_t	tl = strlen(tok), n;

	while (*list != '\0') {
		list += strspn(list, " \t,");
		n = strcspn(list, ",");
		while (n > 0 && (list[n - 1] == ' ' || list[n - 1] == '\t'))
			n--;
		if (n == tl && strncasecmp(list, tok, tl) == 0)
			return 1;
		list += strcspn(list, ",");
	}
	return 0;
}

/* Printable ASCII only: what the peer sent must not drive our terminal. */
static void
clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' :
			    '?';
}

/* A non-101 answer: status and (a bounded part of) the body. */
static void
rejected(struct wsc *w, const char *head, size_t hlen, int status,
    uint64_t deadline, char *err, size_t errlen)
{
	char		 body[MAX_HTTP_BODY + 1], cl[32];
	uint64_t	 d2 = mono_ms() + CLOSE_WAIT_MS;
	size_t		 want = MAX_HTTP_BODY, blen;
	char		 e2[64];

	if (header(head, "Content-Length", cl, sizeof(cl)) != NULL &&
	    strtoul(cl, NULL, 10) < want)
		want = strtoul(cl, NULL, 10);
	if (d2 > deadline)
		d2 = deadline;
	while (w->rlen - hlen < want && fill(w, 0, d2, e2, sizeof(e2)) == 1)
		;
	blen = w->rlen - hlen < want ? w->rlen - hlen : want;
	memcpy(body, w->rbuf + hlen, blen);
	body[blen] = '\0';
	clean(body);
	snprintf(err, errlen, "the gateway rejected the WebSocket upgrade "
	    "(HTTP %d)%s%s%s", status, blen ? ": " : "", body,
	    status == 404 || status == 200 ? " (is this the gateway's "
	    "address and port, and its Control UI base path?)" : "");
}

static int
check_accept(const char *head, const char *key, char *err, size_t errlen)
{
	char		 want[WS_ACCEPT_LEN], v[256];

	ws_accept(key, strlen(key), want);
	if (header(head, "Upgrade", v, sizeof(v)) == NULL ||
	    strcasecmp(v, "websocket") != 0 ||
	    header(head, "Connection", v, sizeof(v)) == NULL ||
	    !has_token(v, "upgrade")) {
		snprintf(err, errlen, "the server answered 101 without "
		    "\"Upgrade: websocket\" and \"Connection: Upgrade\"");
		return -1;
	}
	if (header(head, "Sec-WebSocket-Accept", v, sizeof(v)) == NULL ||
	    strcmp(v, want) != 0) {
		snprintf(err, errlen, "the server's Sec-WebSocket-Accept is "
		    "%s: not a WebSocket server, or a proxy that rewrote the "
		    "handshake", header(head, "Sec-WebSocket-Accept", v,
		    sizeof(v)) ? "wrong" : "missing");
		return -1;
	}
	if (header(head, "Sec-WebSocket-Extensions", v, sizeof(v)) != NULL ||
	    header(head, "Sec-WebSocket-Protocol", v, sizeof(v)) != NULL) {
		snprintf(err, errlen, "the server chose an extension or "
		    "subprotocol that was not offered");
		return -1;
	}
	return 0;
}

static int
upgrade(struct wsc *w, const struct wsc_url *u, uint64_t deadline,
    char *err, size_t errlen)
{
	unsigned char	 raw[16];
	char		 key[32], req[2048], head[MAX_HTTP_HEAD + 1];
	unsigned char	*end;
	size_t		 hlen;
	int		 n, r, status;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, sizeof(key), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s"
	    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "User-Agent: clawgate/%s\r\n\r\n", u->path,
	    strchr(u->host, ':') ? "[" : "", u->host,
	    strchr(u->host, ':') ? "]" : "", strcmp(u->port, "80") ? ":" : "",
	    strcmp(u->port, "80") ? u->port : "", key, CG_VERSION);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		snprintf(err, errlen, "the URL is too long");
		return -1;
	}
	if (write_all(w->fd, (unsigned char *)req, (size_t)n, deadline, err,
	    errlen) == -1)
		return -1;
	for (;;) {
		end = w->rlen >= 4 ? memmem(w->rbuf, w->rlen, "\r\n\r\n", 4) :
		    NULL;
		if (end != NULL)
			break;
		if (w->rlen > MAX_HTTP_HEAD) {
			snprintf(err, errlen, "the server's HTTP answer has a "
			    "header larger than %d bytes", MAX_HTTP_HEAD);
			return -1;
		}
		if ((r = fill(w, 0, deadline, err, errlen)) == 1)
			continue;
		if (r == 0)
			snprintf(err, errlen, "the server closed the "
			    "connection during the WebSocket upgrade (not an "
			    "HTTP server?)");
		else if (r == -2)
			snprintf(err, errlen, "no answer to the WebSocket "
			    "upgrade (not an HTTP server?)");
		return -1;
	}
	hlen = (size_t)(end - w->rbuf) + 4;
	if (hlen > MAX_HTTP_HEAD) {
		snprintf(err, errlen, "the server's HTTP answer has a header "
		    "larger than %d bytes", MAX_HTTP_HEAD);
		return -1;
	}
	memcpy(head, w->rbuf, hlen);
	head[hlen] = '\0';
	if (strncmp(head, "HTTP/1.", 7) != 0 || sscanf(head + 8, " %3d",
	    &status) != 1) {
		snprintf(err, errlen, "the server did not answer in HTTP/1.x");
		return -1;
	}
	if (status != 101) {
		rejected(w, head, hlen, status, deadline, err, errlen);
		return -1;
	}
	if (check_accept(head, key, err, errlen) == -1)
		return -1;
	consume(w, hlen);	/* frames may follow in the same read */
	return 0;
}

struct wsc *
wsc_open(const struct wsc_url *u, const char *bind_addr, int timeout_ms,
    char *err, size_t errlen)
{
	struct wsc	*w;
	uint64_t	 deadline = mono_ms() + (uint64_t)timeout_ms;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = -1;
	w->close_code = 1005;
	if (tcp_connect(w, u, bind_addr, deadline, err, errlen) == -1 ||
	    upgrade(w, u, deadline, err, errlen) == -1) {
		w->sent_close = w->closed = 1;
		wsc_close(w, 0, NULL);
		return NULL;
	}
	return w;
}

/* ---- frames (wsframe.c does the RFC 6455 part) ---------------------------- */

static int
send_frame(struct wsc *w, int op, const void *data, size_t len,
    uint64_t deadline, char *err, size_t errlen)
{
	unsigned char	*f, mask[4];
	size_t		 n;
	int		 r;

	if (len > WSC_MAX_MESSAGE) {
		snprintf(err, errlen, "message too large");
		return -1;
	}
	if ((f = malloc(len + WS_MAX_HEADER)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	randombytes_buf(mask, sizeof(mask));
	n = ws_encode(f, op, data, len, mask);
	r = write_all(w->fd, f, n, deadline, err, errlen);
	sodium_memzero(f, n);
	free(f);
	return r;
}

/* A close frame with `code' (0: no body) and `reason' (NULL: none). */
static int
send_close(struct wsc *w, int code, const char *reason, uint64_t deadline)
{
	unsigned char	c[WS_MAX_CONTROL];
	char		e[64];

	return send_frame(w, WS_OP_CLOSE, c, ws_close_body(c, code, reason),
	    deadline, e, sizeof(e));
}

int
wsc_send_text(struct wsc *w, const char *buf, size_t len, int timeout_ms,
    char *err, size_t errlen)
{
	if (w->closed || w->sent_close) {
		snprintf(err, errlen, "the connection is closed");
		return -1;
	}
	return send_frame(w, WS_OP_TEXT, buf, len, mono_ms() +
	    (uint64_t)timeout_ms, err, errlen);
}

static void
on_close_frame(struct wsc *w, int code, const uint8_t *reason, size_t rlen,
    uint64_t deadline)
{
	w->closed = 1;
	w->close_code = code;
	if (rlen > sizeof(w->close_reason) - 1)
		rlen = sizeof(w->close_reason) - 1;
	memcpy(w->close_reason, reason, rlen);
	w->close_reason[rlen] = '\0';
	clean(w->close_reason);
	if (!w->sent_close) {
		/* Echo the code; 1005 must not be sent, so none then. */
		(void)send_close(w, code == 1005 ? 0 : code, NULL, deadline);
		w->sent_close = 1;
	}
}

/* Append a data frame; 1 when it completed a message. */
static int
on_data_frame(struct wsc *w, const struct ws_frame *f, char *err,
    size_t errlen)
{
	unsigned char	*nm;
	enum ws_err	 e;
	size_t		 at = w->m.len;
	int		 r;

	if ((r = ws_msg_add(&w->m, f, WSC_MAX_MESSAGE, &e)) == -1) {
		snprintf(err, errlen, "%s", ws_strerror(e));
		return -1;
	}
	if (w->m.len + 1 > w->msgcap) {
		if ((nm = realloc(w->msg, w->m.len + 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		w->msg = nm, w->msgcap = w->m.len + 1;
	}
	memcpy(w->msg + at, w->rbuf + f->hlen, f->len);
	return r;
}

static enum wsc_rc
protocol_error(struct wsc *w, int code, uint64_t deadline, char *err,
    size_t errlen)
{
	char	m[256];

	snprintf(m, sizeof(m), "%s", err);
	snprintf(err, errlen, "the gateway broke the WebSocket protocol: %s",
	    m);
	if (!w->sent_close)
		(void)send_close(w, code, NULL, deadline);
	w->sent_close = w->closed = 1;
	return WSC_ERROR;
}

/* 1 a whole frame in rbuf, 0 more bytes needed, -1 a WSC_ERROR given. */
static int
next_frame(struct wsc *w, struct ws_frame *f, uint64_t deadline, char *err,
    size_t errlen)
{
	enum ws_err	e;
	int		r;

	r = ws_decode(w->rbuf, w->rlen, WSC_MAX_MESSAGE - w->m.len,
	    WS_UNMASKED, f, &e);
	if (r != -1)
		return r;
	if (e == WS_E_TOO_BIG)
		snprintf(err, errlen, "a message larger than %zu bytes",
		    WSC_MAX_MESSAGE);
	else
		snprintf(err, errlen, "%s", ws_strerror(e));
	protocol_error(w, e == WS_E_TOO_BIG ? 1009 : 1002, deadline, err,
	    errlen);
	return -1;
}

/* No whole frame yet: read more.  -1 to go on, else what to return. */
static int
need_more(struct wsc *w, int timeout_ms, uint64_t deadline, char *err,
    size_t errlen)
{
	int	r;

	if ((r = fill(w, 0, deadline, err, errlen)) == 1)
		return -1;
	if (r == 0) {
		w->closed = 1;
		w->close_code = 1006;
		snprintf(w->close_reason, sizeof(w->close_reason),
		    "connection closed without a close frame");
		return WSC_CLOSED;
	}
	if (r == -2) {
		snprintf(err, errlen, "no answer from the gateway within %d s",
		    timeout_ms / 1000);
		return WSC_TIMEOUT;
	}
	return WSC_ERROR;
}

/* A control frame: -1 to go on, else what wsc_recv returns. */
static int
on_control(struct wsc *w, const struct ws_frame *f, uint64_t deadline,
    char *err, size_t errlen)
{
	const uint8_t	*p = w->rbuf + f->hlen, *reason;
	enum ws_err	 e;
	size_t		 rl;
	int		 code, r;

	switch (f->op) {
	case WS_OP_CLOSE:
		if (ws_close_parse(p, f->len, &code, &reason, &rl, &e) == -1) {
			snprintf(err, errlen, "%s", ws_strerror(e));
			return protocol_error(w, 1002, deadline, err, errlen);
		}
		on_close_frame(w, code, reason, rl, deadline);
		consume(w, f->total);
		return WSC_CLOSED;
	case WS_OP_PING:
		r = send_frame(w, WS_OP_PONG, p, f->len, deadline, err,
		    errlen);
		consume(w, f->total);
		return r == -1 ? WSC_ERROR : -1;
	case WS_OP_PONG:
		consume(w, f->total);
		return -1;
	}
	snprintf(err, errlen, "unknown opcode %d", f->op);
	return protocol_error(w, 1002, deadline, err, errlen);
}

/* The message just completed, handed to the caller. */
static enum wsc_rc
take_message(struct wsc *w, char **msg, size_t *len)
{
	w->msg[w->m.len] = '\0';
	*msg = (char *)w->msg;
	*len = w->m.len;
	w->msg = NULL;
	w->msgcap = 0;
	memset(&w->m, 0, sizeof(w->m));
	return WSC_MSG;
}

enum wsc_rc
wsc_recv(struct wsc *w, char **msg, size_t *len, int timeout_ms, char *err,
    size_t errlen)
{
	struct ws_frame	 f;
	uint64_t	 deadline = mono_ms() + (uint64_t)timeout_ms;
	int		 r;

	*msg = NULL;
	*len = 0;
	for (;;) {
		if (w->closed)
			return WSC_CLOSED;
		if ((r = next_frame(w, &f, deadline, err, errlen)) == -1)
			return WSC_ERROR;
		if (r == 0) {
			if ((r = need_more(w, timeout_ms, deadline, err,
			    errlen)) != -1)
				return r;
			continue;
		}
		if (f.op != WS_OP_CONT && f.op != WS_OP_TEXT &&
		    f.op != WS_OP_BINARY) {
			if ((r = on_control(w, &f, deadline, err, errlen)) != -1)
				return r;
			continue;
		}
		r = on_data_frame(w, &f, err, errlen);
		consume(w, f.total);
		if (r == -1)
			return protocol_error(w, 1002, deadline, err, errlen);
		if (r == 1)
			return take_message(w, msg, len);
	}
}

int
wsc_close_code(const struct wsc *w)
{
	return w->close_code;
}

const char *
wsc_close_reason(const struct wsc *w)
{
	return w->close_reason;
}

const char *
wsc_endpoints(const struct wsc *w)
{
	return w->ends;
}

void
wsc_close(struct wsc *w, int code, const char *reason)
{
	uint64_t	 deadline = mono_ms() + CLOSE_WAIT_MS;
	size_t		 n;
	char		 e[64], *m;

	if (w == NULL)
		return;
	if (!w->closed && !w->sent_close && w->fd != -1) {
		if (send_close(w, code, reason, deadline) == 0) {
			w->sent_close = 1;
			/* The peer's close reply, bounded; messages dropped. */
			while (wsc_recv(w, &m, &n, left_ms(deadline), e,
			    sizeof(e)) == WSC_MSG) {
				sodium_memzero(m, n);
				free(m);
			}
		}
	}
	if (w->fd != -1)
		close(w->fd);
	if (w->rbuf != NULL)
		sodium_memzero(w->rbuf, w->rcap);
	if (w->msg != NULL)
		sodium_memzero(w->msg, w->msgcap);
	free(w->rbuf);
	free(w->msg);
	free(w);
}
