/*
 * nullgw: a null OpenClaw gateway, the machine's handshake ceiling.
 *
 * It does the least a server can while still letting cgbench count a
 * success: complete the HTTP upgrade (Sec-WebSocket-Accept computed,
 * since the client checks it), send a fixed connect.challenge, and
 * answer the first text frame with a fixed hello-ok carrying that
 * frame's request id.  It checks nothing: no JSON parsing, no auth, no
 * signatures.  N worker processes, each with its own SO_REUSEPORT
 * listener and epoll loop, like clawgated's workers.
 *
 * usage: nullgw -p PORT [-H ADDR] [-w WORKERS]
 */
#define _GNU_SOURCE	/* memmem(3), accept4(2) */

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "wsframe.h"

#define MAX_WORKERS	64
#define MAX_IN		65536	/* pre-auth cap, as the real gateway */
#define ID_MAX		128

/* What clawgated sends, give or take the ids: same size on the wire. */
#define HELLO_HEAD	"{\"type\":\"res\",\"id\":\""
#define HELLO_TAIL	"\",\"ok\":true,\"payload\":{\"type\":\"hello-ok\"," \
	"\"protocol\":4,\"server\":{\"version\":\"2026.9.6\",\"connId\":" \
	"\"00000000-0000-4000-8000-000000000000\"},\"features\":{\"methods\":" \
	"[\"health\",\"status\",\"system-presence\",\"config.get\"," \
	"\"device.pair.list\",\"device.pair.approve\",\"device.pair.reject\"," \
	"\"device.pair.remove\",\"device.token.rotate\"," \
	"\"device.token.revoke\"],\"events\":[\"connect.challenge\",\"tick\"," \
	"\"device.pair.requested\",\"device.pair.resolved\"]},\"snapshot\":" \
	"{\"presence\":[],\"health\":{},\"stateVersion\":{\"presence\":0," \
	"\"health\":0},\"uptimeMs\":0},\"auth\":{\"role\":\"operator\"," \
	"\"scopes\":[\"operator.read\"],\"method\":\"token\"},\"policy\":" \
	"{\"maxPayload\":26214400,\"maxBufferedBytes\":52428800," \
	"\"tickIntervalMs\":30000}}}"

enum { C_HTTP, C_WS };

struct conn {
	int	 fd;
	int	 state;
	uint8_t	*buf;
	size_t	 len, cap;
};

static int	epfd, lfd;
static char	chal_frame[256];
static size_t	chal_len;

static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

static int
send_all(int fd, const void *p, size_t len)
{
	return send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* The challenge never changes but for its timestamp: refresh it. */
static void
build_challenge(void)
{
	struct timespec	ts;
	char		text[200];
	int		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(text, sizeof(text), "{\"type\":\"event\",\"event\":"
	    "\"connect.challenge\",\"payload\":{\"nonce\":"
	    "\"00000000-0000-4000-8000-000000000000\",\"ts\":%lld}}",
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	chal_len = ws_header((uint8_t *)chal_frame, WS_OP_TEXT, (size_t)n,
	    NULL);
	memcpy(chal_frame + chal_len, text, (size_t)n);
	chal_len += (size_t)n;
}

static int
on_http(struct conn *c)
{
	char		 resp[512], acc[WS_ACCEPT_LEN];
	const uint8_t	*end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	const char	*k;
	size_t		 kl, hl;
	int		 n;

	if (end == NULL)
		return c->len > 8192 ? -1 : 0;
	hl = (size_t)(end - c->buf) + 4;
	c->buf[hl - 1] = '\0';
	for (k = strstr((char *)c->buf, "\r\n"); k != NULL;
	    k = strstr(k + 2, "\r\n"))
		if (strncasecmp(k + 2, "sec-websocket-key:", 18) == 0)
			break;
	if (k == NULL)
		return -1;
	k += 2 + 18;
	k += strspn(k, " \t");
	kl = strcspn(k, " \t\r");
	ws_accept(k, kl, acc);
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	memcpy(resp + n, chal_frame, chal_len);
	if (send_all(c->fd, resp, (size_t)n + chal_len) == -1)
		return -1;
	memmove(c->buf, c->buf + hl, c->len - hl);
	c->len -= hl;
	c->state = C_WS;
	return 1;
}

/* The hello-ok for the request whose text is p[0..len). */
static int
send_hello(int fd, const uint8_t *p, size_t len)
{
	static char	 out[sizeof(HELLO_HEAD) + ID_MAX + sizeof(HELLO_TAIL) +
			    WS_MAX_HEADER];
	const uint8_t	*id = memmem(p, len, "\"id\":\"", 6), *e;
	size_t		 il, tl, hl;

	if (id == NULL)
		return -1;
	id += 6;
	if ((e = memchr(id, '"', len - (size_t)(id - p))) == NULL ||
	    (il = (size_t)(e - id)) > ID_MAX)
		return -1;
	tl = sizeof(HELLO_HEAD) - 1 + il + sizeof(HELLO_TAIL) - 1;
	hl = ws_header((uint8_t *)out, WS_OP_TEXT, tl, NULL);
	memcpy(out + hl, HELLO_HEAD, sizeof(HELLO_HEAD) - 1);
	memcpy(out + hl + sizeof(HELLO_HEAD) - 1, id, il);
	memcpy(out + hl + sizeof(HELLO_HEAD) - 1 + il, HELLO_TAIL,
	    sizeof(HELLO_TAIL) - 1);
	return send_all(fd, out, hl + tl);
}

static int
on_ws(struct conn *c)
{
	struct ws_frame	f;
	enum ws_err	e;
	uint8_t		hdr[WS_MAX_HEADER], *pl;
	size_t		off = 0, hl;
	int		r;

	while ((r = ws_decode(c->buf + off, c->len - off, MAX_IN, 0, &f,
	    &e)) == 1) {
		pl = c->buf + off + f.hlen;
		if (f.masked)
			ws_mask(pl, f.len, f.mask);
		off += f.total;
		if (f.op == WS_OP_CLOSE)
			return -1;
		if (f.op == WS_OP_TEXT && send_hello(c->fd, pl,
		    f.len) == -1)
			return -1;
		if (f.op == WS_OP_PING) {
			hl = ws_header(hdr, WS_OP_PONG, 0, NULL);
			(void)send_all(c->fd, hdr, hl);
		}
	}
	if (r == -1)
		return -1;
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

static void
on_readable(struct conn *c)
{
	uint8_t	*nb;
	ssize_t	 n;
	int	 r;

	if (c->cap - c->len < 4096) {
		if (c->cap >= MAX_IN + 4096 ||
		    (nb = realloc(c->buf, c->cap + 8192)) == NULL) {
			conn_close(c);
			return;
		}
		c->buf = nb;
		c->cap += 8192;
	}
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n == -1)
		return;
	c->len += (size_t)n;
	if (c->state == C_HTTP) {
		if ((r = on_http(c)) == -1) {
			conn_close(c);
			return;
		}
		if (r == 0)
			return;
	}
	if (on_ws(c) == -1) {
		conn_close(c);
		return;
	}
	if (c->len == 0) {	/* idle: give the buffer back */
		free(c->buf);
		c->buf = NULL;
		c->cap = 0;
	}
}

static void
on_accept(void)
{
	struct epoll_event	 ev;
	struct conn		*c;
	int			 fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
			conn_close(c);
	}
}

static int
listen_on(const char *addr, int port)
{
	struct sockaddr_in	sa;
	int			fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4096) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void __attribute__((noreturn))
worker(const char *addr, int port)
{
	struct epoll_event	 evs[256], ev;
	time_t			 last = 0;
	int			 n, i;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((lfd = listen_on(addr, port)) == -1) {
		perror("nullgw: listen");
		_exit(1);
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("nullgw: epoll");
		_exit(1);
	}
	for (;;) {
		if (time(NULL) != last) {
			last = time(NULL);
			build_challenge();
		}
		n = epoll_wait(epfd, evs, 256, 1000);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				on_accept();
			else
				on_readable(evs[i].data.ptr);
		}
	}
}

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	const char	*addr = "127.0.0.1";
	struct rlimit	 rl;
	struct sigaction sa;
	pid_t		 kids[MAX_WORKERS];
	int		 ch, port = 0, nw = 2, i;

	while ((ch = getopt(argc, argv, "H:p:w:")) != -1) {
		switch (ch) {
		case 'H':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'w':
			nw = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (port <= 0 || port > 65535 || nw < 1 || nw > MAX_WORKERS ||
	    optind != argc)
		goto usage;
	if (sodium_init() < 0)
		return 1;
	/* Held connections: as many descriptors as we may have. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: the signal must interrupt wait(2). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < nw; i++) {
		if ((kids[i] = fork()) == -1) {
			perror("nullgw: fork");
			nw = i;
			stop = 1;
			break;
		}
		if (kids[i] == 0)
			worker(addr, port);
	}
	fprintf(stderr, "nullgw: %d workers on %s:%d\n", nw, addr, port);
	while (!stop && wait(NULL) == -1 && errno == EINTR)
		;
	for (i = 0; i < nw; i++)
		kill(kids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
usage:
	fprintf(stderr, "usage: nullgw -p PORT [-H ADDR] [-w WORKERS]\n");
	return 2;
}
