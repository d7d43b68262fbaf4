/*
 * cgbench: handshake load generator for OpenClaw protocol 4 gateways.
 *
 * One thread, non-blocking sockets on epoll.  Each connection does the
 * whole handshake a real client does: TCP connect (from a chosen
 * 127.0.0.0/8 source address), HTTP upgrade (Sec-WebSocket-Accept
 * checked), wait for connect.challenge, send a masked connect request
 * (token, password, or token plus a v3-signed device identity), and
 * wait for the res with its own request id.  A success is counted only
 * for a validated hello-ok; anything else is a failure, counted by its
 * error code (details.code, else code) or by what went wrong on the wire.
 *
 * Closed loop (-c N: N handshakes in flight, each completion starts the
 * next) or open loop (--rate R: R starts per second whatever happens).
 * --hold N keeps N authenticated connections open and measures what
 * they cost the server.  The server's process tree (--server-pid) is
 * sampled from /proc for CPU time and memory at the edges of the
 * measured window.
 */
#define _GNU_SOURCE	/* memmem(3) */

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "ident.h"
#include "latency.h"
#include "procstat.h"
#include "wsframe.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT	24
#endif

#define MAX_MSG		(4u << 20)	/* largest server message we take */
#define READ_CHUNK	65536
#define MAX_CODES	64
#define CODE_LEN	48
#define NONCE_MAX	128
#define SCOPES_JSON	"[\"operator.read\"]"
#define SCOPES_CSV	"operator.read"
#define MAX_PROCS	64

enum mode { M_TOKEN, M_PASSWORD, M_DEVICE };

enum state {
	ST_CONNECTING,	/* TCP connect in progress */
	ST_HTTP,	/* upgrade sent, waiting for 101 */
	ST_CHAL,	/* waiting for connect.challenge */
	ST_HELLO,	/* connect sent, waiting for our res */
	ST_HELD		/* authenticated, kept open (--hold) */
};

struct conn {
	int		 fd;
	uint8_t		 state;
	uint8_t		 in_flight;	/* on the timeout list */
	uint32_t	 ident;		/* device identity index */
	uint64_t	 seq;		/* request id number */
	uint64_t	 t0, t_sent;	/* ns */
	uint8_t		*rbuf;		/* unparsed bytes, only while partial */
	uint32_t	 rlen, rcap;
	uint8_t		*msg;		/* fragmented message being assembled */
	struct ws_msg	 m;		/* its opcode and length */
	struct conn	*prev, *next;	/* in-flight list, oldest first */
};

static struct {
	const char	*host;
	int		 port;
	const char	*path;
	enum mode	 mode;
	const char	*secret;
	int		 expect_fail;
	int		 concurrency;
	double		 rate;
	int		 max_inflight;
	double		 duration_s;
	double		 warmup_s;
	long long	 count;
	long		 hold;
	double		 hold_s;
	int		 procs;
	int		 timeout_ms;
	int		 sources;
	uint32_t	 src_base;	/* host order */
	const char	*ident_file;
	long		 devices;
	const char	*write_pairing;
	pid_t		 server_pid;
	int		 json;
	const char	*label;
	int		 sample;
} opt;

static struct {
	uint64_t	ok, fail, started, skipped;
	char		code[MAX_CODES][CODE_LEN];
	uint64_t	code_n[MAX_CODES];
	int		ncodes;
	struct lat	chal, hello;
} st;

static int		 epfd;
static struct conn	*flist_head, *flist_tail;	/* in flight */
static long		 inflight, held, held_lost;
static uint64_t		 next_seq;
static uint64_t		 ident_next;
static uint32_t		 src_next;
static struct ident_pool pool;
static char		 ws_key[25], ws_expect[WS_ACCEPT_LEN];
static char		 upgrade_req[512];
static size_t		 upgrade_len;
static struct sockaddr_in dst;
static int		 measuring;
static long		 to_start;	/* closed loop: slots to refill */
static uint8_t		 scratch[READ_CHUNK + MAX_MSG];

static int	conn_fail(struct conn *, const char *);
static int	conn_done(struct conn *, int);

/* ---------------------------------------------------------------- util */

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "cgbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void
count_code(const char *code)
{
	int	i;

	if (!measuring)
		return;
	for (i = 0; i < st.ncodes; i++)
		if (strcmp(st.code[i], code) == 0) {
			st.code_n[i]++;
			return;
		}
	if (st.ncodes == MAX_CODES)
		i = MAX_CODES - 1;	/* the last slot absorbs the rest */
	else {
		i = st.ncodes++;
		snprintf(st.code[i], CODE_LEN, "%s", code);
	}
	st.code_n[i]++;
}

/* ------------------------------------------------------- in-flight list */

static void
flist_add(struct conn *c)
{
	c->prev = flist_tail;
	c->next = NULL;
	if (flist_tail != NULL)
		flist_tail->next = c;
	else
		flist_head = c;
	flist_tail = c;
	c->in_flight = 1;
	inflight++;
}

static void
flist_del(struct conn *c)
{
	if (!c->in_flight)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		flist_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		flist_tail = c->prev;
	c->in_flight = 0;
	inflight--;
}

/* ------------------------------------------------------------- sending */

/* Small writes on a fresh socket: anything short is a failure. */
static int
send_all(struct conn *c, const void *p, size_t len)
{
	ssize_t	n = send(c->fd, p, len, MSG_NOSIGNAL);

	return n == (ssize_t)len ? 0 : -1;
}

static int
send_frame(struct conn *c, int op, const void *payload, size_t len)
{
	uint8_t		 buf[8192], mask[4];
	uint32_t	 r = randombytes_random();

	if (len + WS_MAX_HEADER > sizeof(buf))
		return -1;
	memcpy(mask, &r, 4);
	return send_all(c, buf, ws_encode(buf, op, payload, len, mask));
}

static int
send_close(struct conn *c, int code)
{
	uint8_t	p[WS_MAX_CONTROL];

	return send_frame(c, WS_OP_CLOSE, p, ws_close_body(p, code, NULL));
}

static int
send_connect(struct conn *c, const char *nonce, long long ts)
{
	char		 frame[4096], dev[1024], sig[128], auth[512];
	const struct ident *d;
	int		 n;

	c->seq = ++next_seq;
	dev[0] = '\0';
	if (opt.mode == M_PASSWORD)
		snprintf(auth, sizeof(auth), "{\"password\":\"%s\"}",
		    opt.secret);
	else
		snprintf(auth, sizeof(auth), "{\"token\":\"%s\"}", opt.secret);
	if (opt.mode == M_DEVICE) {
		d = &pool.v[c->ident];
		if (ident_sign_v3(d, "cli", "cli", "operator", SCOPES_CSV, ts,
		    opt.secret, nonce, "linux", "", sig, sizeof(sig)) == -1)
			return -1;
		snprintf(dev, sizeof(dev), ",\"device\":{\"id\":\"%s\","
		    "\"publicKey\":\"%s\",\"signature\":\"%s\","
		    "\"signedAt\":%lld,\"nonce\":\"%s\"}", d->id, d->pk, sig,
		    ts, nonce);
	}
	n = snprintf(frame, sizeof(frame), "{\"type\":\"req\",\"id\":\"b%llu\","
	    "\"method\":\"connect\",\"params\":{\"minProtocol\":4,"
	    "\"maxProtocol\":4,\"client\":{\"id\":\"cli\",\"version\":"
	    "\"2026.9.6\",\"platform\":\"linux\",\"mode\":\"cli\"},"
	    "\"role\":\"operator\",\"scopes\":" SCOPES_JSON ",\"auth\":%s%s}}",
	    (unsigned long long)c->seq, auth, dev);
	if (n < 0 || (size_t)n >= sizeof(frame))
		return -1;
	c->t_sent = now_ns();
	return send_frame(c, WS_OP_TEXT, frame, (size_t)n);
}

/* -------------------------------------------------------- connections */

static void
conn_free(struct conn *c)
{
	flist_del(c);
	if (c->fd != -1)
		close(c->fd);
	free(c->rbuf);
	free(c->msg);
	free(c);
}

/*
 * A handshake is over (ok or not).  In --hold mode a success keeps the
 * socket (returns 0); otherwise it is closed, politely for a success,
 * and freed (returns -1).  The closed loop refills the slot from the
 * main loop, never from here: no recursion when every connect fails.
 */
static int
conn_done(struct conn *c, int ok)
{
	flist_del(c);
	if (ok && opt.hold > 0) {
		c->state = ST_HELD;
		held++;
		free(c->msg);
		c->msg = NULL;
		memset(&c->m, 0, sizeof(c->m));
		return 0;
	}
	if (ok)
		(void)send_close(c, 1000);
	conn_free(c);
	if (opt.hold == 0 && opt.rate == 0)
		to_start++;
	return -1;
}

/* Always -1: `c' is gone. */
static int
conn_fail(struct conn *c, const char *code)
{
	if (c->state == ST_HELD) {
		held--;
		held_lost++;
		count_code(code);
		conn_free(c);
		return -1;
	}
	if (measuring)
		st.fail++;
	count_code(code);
	return conn_done(c, 0);
}

static int
conn_success(struct conn *c)
{
	if (measuring) {
		st.ok++;
		lat_add(&st.hello, (now_ns() - c->t_sent) / 1000);
	}
	return conn_done(c, 1);
}

static int
source_addr(struct sockaddr_in *sa)
{
	uint32_t	a = opt.src_base + (src_next++ % (uint32_t)opt.sources);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(a);
	return 0;
}

static void
start_one(void)
{
	struct sockaddr_in	 src;
	struct epoll_event	 ev;
	struct conn		*c;
	int			 fd, one = 1;

	if (opt.count > 0 && (long long)(st.ok + st.fail) + inflight >=
	    opt.count)
		return;
	if (opt.hold > 0 && held + held_lost + inflight >= opt.hold)
		return;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		if (measuring)
			st.fail++;
		count_code(errno == EMFILE || errno == ENFILE ? "EMFILE" :
		    "SOCKET");
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (opt.sources > 0) {
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		source_addr(&src);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			close(fd);
			if (measuring)
				st.fail++;
			count_code("BIND");
			return;
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->t0 = now_ns();
	if (pool.n > 0)
		c->ident = (uint32_t)(ident_next++ % pool.n);
	if (measuring)
		st.started++;
	flist_add(c);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
	    errno != EINPROGRESS) {
		(void)conn_fail(c, errno == EADDRNOTAVAIL ? "EADDRNOTAVAIL" :
		    errno == ECONNREFUSED ? "ECONNREFUSED" : "CONNECT");
		return;
	}
	c->state = ST_CONNECTING;
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		(void)conn_fail(c, "EPOLL");
}

static void
on_connected(struct conn *c)
{
	struct epoll_event	ev;
	int			err = 0;
	socklen_t		len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		(void)conn_fail(c, err == ECONNREFUSED ? "ECONNREFUSED" :
		    err == ECONNRESET ? "ECONNRESET" : "CONNECT");
		return;
	}
	if (send_all(c, upgrade_req, upgrade_len) == -1) {
		(void)conn_fail(c, "SEND");
		return;
	}
	c->state = ST_HTTP;
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		(void)conn_fail(c, "EPOLL");
}

/* ------------------------------------------------------------ parsing */

/* The HTTP head in p[0..len): 1 ok, 0 need more, -1 failed (counted). */
static int
on_http(struct conn *c, const uint8_t *p, size_t len, size_t *used)
{
	const uint8_t	*end = memmem(p, len, "\r\n\r\n", 4);
	const char	*h, *v;
	char		 head[4096], code[32];
	size_t		 hl, vl;
	int		 status;

	if (end == NULL) {
		if (len > sizeof(head) - 1) {
			conn_fail(c, "HTTP_HEAD_TOO_LONG");
			return -1;
		}
		return 0;
	}
	hl = (size_t)(end - p) + 4;
	if (hl > sizeof(head) - 1) {
		conn_fail(c, "HTTP_HEAD_TOO_LONG");
		return -1;
	}
	memcpy(head, p, hl);
	head[hl] = '\0';
	*used = hl;
	if (sscanf(head, "HTTP/1.1 %d", &status) != 1) {
		conn_fail(c, "HTTP_BAD");
		return -1;
	}
	if (status != 101) {
		snprintf(code, sizeof(code), "HTTP_%d", status);
		conn_fail(c, code);
		return -1;
	}
	for (h = strstr(head, "\r\n"); h != NULL; h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "sec-websocket-accept:", 21) == 0)
			break;
	if (h == NULL) {
		conn_fail(c, "WS_NO_ACCEPT");
		return -1;
	}
	v = h + 2 + 21;
	v += strspn(v, " \t");
	vl = strcspn(v, " \t\r");
	if (vl != WS_ACCEPT_LEN - 1 || memcmp(v, ws_expect, vl) != 0) {
		conn_fail(c, "WS_BAD_ACCEPT");
		return -1;
	}
	c->state = ST_CHAL;
	return 1;
}

/* -1 when `c' is gone. */
static int
on_challenge(struct conn *c, json_t *j)
{
	json_t		*pl = json_object_get(j, "payload");
	json_t		*nonce = json_object_get(pl, "nonce");
	json_t		*ts = json_object_get(pl, "ts");
	const char	*ev = json_string_value(json_object_get(j, "event"));
	const char	*type = json_string_value(json_object_get(j, "type"));

	if (type == NULL || strcmp(type, "event") != 0 || ev == NULL ||
	    strcmp(ev, "connect.challenge") != 0)
		return conn_fail(c, "NO_CHALLENGE");
	if (!json_is_string(nonce) || json_string_length(nonce) == 0 ||
	    json_string_length(nonce) > NONCE_MAX ||
	    strpbrk(json_string_value(nonce), "\"\\|") != NULL ||
	    !json_is_integer(ts) || json_integer_value(ts) < 0)
		return conn_fail(c, "BAD_CHALLENGE");
	if (measuring)
		lat_add(&st.chal, (now_ns() - c->t0) / 1000);
	if (send_connect(c, json_string_value(nonce),
	    (long long)json_integer_value(ts)) == -1)
		return conn_fail(c, "SEND");
	c->state = ST_HELLO;
	return 0;
}

/* The checks a real client relies on (protocol.md §3). */
static int
valid_hello(json_t *pl)
{
	json_t	*server = json_object_get(pl, "server");
	json_t	*auth = json_object_get(pl, "auth");
	json_t	*policy = json_object_get(pl, "policy");
	const char *t = json_string_value(json_object_get(pl, "type"));

	return t != NULL && strcmp(t, "hello-ok") == 0 &&
	    json_integer_value(json_object_get(pl, "protocol")) == 4 &&
	    json_is_string(json_object_get(server, "version")) &&
	    json_is_string(json_object_get(server, "connId")) &&
	    json_is_string(json_object_get(auth, "role")) &&
	    json_is_array(json_object_get(auth, "scopes")) &&
	    json_is_integer(json_object_get(policy, "tickIntervalMs"));
}

/* -1 when `c' is gone, 0 when it is held. */
static int
on_res(struct conn *c, json_t *j)
{
	const char	*id = json_string_value(json_object_get(j, "id"));
	json_t		*okv = json_object_get(j, "ok");
	json_t		*err = json_object_get(j, "error");
	const char	*code;
	char		 want[32];

	snprintf(want, sizeof(want), "b%llu", (unsigned long long)c->seq);
	if (id == NULL || strcmp(id, want) != 0)
		return conn_fail(c, "WRONG_ID");
	if (json_is_true(okv)) {
		if (!valid_hello(json_object_get(j, "payload")))
			return conn_fail(c, "BAD_HELLO");
		if (opt.expect_fail)
			return conn_fail(c, "UNEXPECTED_HELLO");
		return conn_success(c);
	}
	code = json_string_value(json_object_get(json_object_get(err,
	    "details"), "code"));
	if (code == NULL)
		code = json_string_value(json_object_get(err, "code"));
	if (code == NULL)
		code = "ERROR_NO_CODE";
	if (opt.expect_fail && json_is_false(okv)) {
		/* A rejection is this mode's success; by code, too. */
		count_code(code);
		return conn_success(c);
	}
	return conn_fail(c, code);
}

/* One complete text message.  Returns -1 when `c' is gone. */
static int
on_message(struct conn *c, const uint8_t *p, size_t len)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*type;
	int		 rc = 0;

	if (c->state == ST_HELD)
		return 0;	/* ticks, health: not our business */
	if ((j = json_loadb((const char *)p, len, 0, &jerr)) == NULL)
		return conn_fail(c, "BAD_JSON");
	if (c->state == ST_CHAL)
		rc = on_challenge(c, j);
	else {
		type = json_string_value(json_object_get(j, "type"));
		if (type != NULL && strcmp(type, "res") == 0)
			rc = on_res(c, j);
	}
	json_decref(j);
	return rc;
}

/* Close frame from the server: what it said is the failure code. */
static int
on_close(struct conn *c, const uint8_t *p, size_t len)
{
	char	code[32];
	int	cc = len >= 2 ? (p[0] << 8 | p[1]) : 1005;

	snprintf(code, sizeof(code), c->state == ST_HELD ? "HELD_CLOSE_%d" :
	    "CLOSE_%d", cc);
	return conn_fail(c, code);
}

/*
 * A data frame at pl: a message whole in one frame goes straight to
 * on_message, fragments are gathered in c->msg.  -1 when `c' is gone.
 */
static int
on_data(struct conn *c, const struct ws_frame *f, const uint8_t *pl)
{
	enum ws_err	 e;
	uint8_t		*nm;
	size_t		 at = c->m.len;
	int		 r;

	if ((r = ws_msg_add(&c->m, f, MAX_MSG, &e)) == -1)
		return conn_fail(c, e == WS_E_TOO_BIG ? "WS_TOO_BIG" :
		    "WS_BAD_FRAME");
	if (r == 1 && f->op != WS_OP_CONT) {
		memset(&c->m, 0, sizeof(c->m));
		return on_message(c, pl, f->len);
	}
	if ((nm = realloc(c->msg, c->m.len + 1)) == NULL)
		return conn_fail(c, "WS_TOO_BIG");
	c->msg = nm;
	memcpy(c->msg + at, pl, f->len);
	if (r == 0)
		return 0;
	c->msg = NULL;
	at = c->m.len;
	memset(&c->m, 0, sizeof(c->m));
	r = on_message(c, nm, at);
	free(nm);
	return r;
}

/* Frames in p[0..len).  Returns bytes used, or -1 when `c' is gone. */
static ssize_t
on_frames(struct conn *c, uint8_t *p, size_t len)
{
	struct ws_frame	 f;
	enum ws_err	 e;
	const uint8_t	*pl;
	size_t		 off = 0;
	int		 r;

	while (off < len) {
		r = ws_decode(p + off, len - off, MAX_MSG, WS_UNMASKED, &f, &e);
		if (r == 0)
			break;
		if (r == -1)
			return conn_fail(c, "WS_BAD_FRAME");
		pl = p + off + f.hlen;
		off += f.total;
		switch (f.op) {
		case WS_OP_PING:
			if (send_frame(c, WS_OP_PONG, pl, f.len) == -1)
				return conn_fail(c, "SEND");
			continue;
		case WS_OP_PONG:
			continue;
		case WS_OP_CLOSE:
			return on_close(c, pl, f.len);
		case WS_OP_TEXT:
		case WS_OP_BINARY:
		case WS_OP_CONT:
			if (on_data(c, &f, pl) == -1)
				return -1;
			continue;
		default:
			return conn_fail(c, "WS_BAD_OPCODE");
		}
	}
	return (ssize_t)off;
}

/* Keep the unparsed tail, or drop the buffer when nothing is left. */
static int
keep_rest(struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t	*nb;

	if (n == 0) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rlen = c->rcap = 0;
		return 0;
	}
	if (n > MAX_MSG + 64)
		return -1;
	if (n > c->rcap || c->rbuf == NULL) {
		if ((nb = malloc(n)) == NULL)
			return -1;
		free(c->rbuf);
		c->rbuf = nb;
		c->rcap = (uint32_t)n;
	}
	memmove(c->rbuf, p, n);
	c->rlen = (uint32_t)n;
	return 0;
}

static void
on_readable(struct conn *c)
{
	size_t		 have = c->rlen, used = 0;
	ssize_t		 n, u;
	int		 r;

	/* Parse from scratch: old tail first, then what just came. */
	if (have > 0)
		memcpy(scratch, c->rbuf, have);
	n = recv(c->fd, scratch + have, READ_CHUNK, 0);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		(void)conn_fail(c, c->state == ST_HELD ? "HELD_EOF" :
		    n == 0 ? "EOF" : "ECONNRESET");
		return;
	}
	if (n == -1)
		return;
	have += (size_t)n;
	if (c->state == ST_HTTP) {
		if ((r = on_http(c, scratch, have, &used)) == -1)
			return;
		if (r == 0) {
			if (keep_rest(c, scratch, have) == -1)
				(void)conn_fail(c, "ENOMEM");
			return;
		}
	}
	if ((u = on_frames(c, scratch + used, have - used)) == -1)
		return;
	used += (size_t)u;
	if (keep_rest(c, scratch + used, have - used) == -1)
		(void)conn_fail(c, "ENOMEM");
}

/* ------------------------------------------------------------ running */

static void
expire(void)
{
	uint64_t	limit = (uint64_t)opt.timeout_ms * 1000000u;
	uint64_t	now = now_ns();

	/* Oldest first; a start after `now' was read must not wrap. */
	while (flist_head != NULL && now > flist_head->t0 &&
	    now - flist_head->t0 > limit)
		(void)conn_fail(flist_head, "TIMEOUT");
}

struct window {
	uint64_t		t_start, t_end;
	double			self0, self1;
	struct proc_sample	s0, s1;
	int			have_server;
};

static void
reset_stats(void)
{
	lat_free(&st.chal);
	lat_free(&st.hello);
	memset(&st, 0, sizeof(st));
}

static void
window_open(struct window *w)
{
	reset_stats();
	measuring = 1;
	w->self0 = self_cpu_s();
	if (opt.server_pid > 0)
		w->have_server = proctree_sample(opt.server_pid, 1,
		    &w->s0) == 0;
	w->t_start = now_ns();
}

static void
window_close(struct window *w)
{
	w->t_end = now_ns();
	measuring = 0;
	w->self1 = self_cpu_s();
	if (w->have_server)
		w->have_server = proctree_sample(opt.server_pid, 1,
		    &w->s1) == 0;
}

/* Open loop: start whatever is due (timerfd tick). */
static uint64_t	ol_next, ol_period;
static int	ol_tfd = -1;

static void
open_loop_tick(void)
{
	uint64_t	n, now = now_ns();

	(void)read(ol_tfd, &n, sizeof(n));
	while (ol_next <= now) {
		if (inflight < opt.max_inflight)
			start_one();
		else if (measuring)
			st.skipped++;
		ol_next += ol_period;
	}
}

/* A periodic timer in the epoll set: no busy polling between starts. */
static void
open_loop_init(void)
{
	struct itimerspec	its;
	struct epoll_event	ev;
	uint64_t		tick;

	ol_period = (uint64_t)(1e9 / opt.rate);
	ol_next = now_ns();
	tick = ol_period < 100000 ? 100000 : ol_period;
	if ((ol_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1)
		die("timerfd_create: %s", strerror(errno));
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_sec = (time_t)(tick / 1000000000u);
	its.it_interval.tv_nsec = (long)(tick % 1000000000u);
	its.it_value = its.it_interval;
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (timerfd_settime(ol_tfd, 0, &its, NULL) == -1 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, ol_tfd, &ev) == -1)
		die("timerfd: %s", strerror(errno));
}

static void
poll_once(int timeout_ms)
{
	struct epoll_event	 evs[256];
	struct conn		*c;
	int			 n, i;

	n = epoll_wait(epfd, evs, 256, timeout_ms);
	for (i = 0; i < n; i++) {
		c = evs[i].data.ptr;
		if (c == NULL) {	/* the open loop's timer */
			open_loop_tick();
			continue;
		}
		if (c->state == ST_CONNECTING)
			on_connected(c);
		else
			on_readable(c);
	}
	/* Refill the closed loop; what fails now is retried next round. */
	for (n = (int)to_start, to_start = 0; n > 0; n--)
		start_one();
}

/* Closed or open loop for the warm-up, then the measured window. */
static void
run_load(struct window *w)
{
	uint64_t	t0 = now_ns(), now, wend;
	uint64_t	warm = (uint64_t)(opt.warmup_s * 1e9);
	int		i;

	if (opt.rate > 0)
		open_loop_init();
	if (warm == 0)
		window_open(w);
	if (opt.rate == 0)
		for (i = 0; i < opt.concurrency; i++)
			start_one();
	wend = t0 + warm + (uint64_t)(opt.duration_s * 1e9);
	for (;;) {
		now = now_ns();
		if (!measuring && warm > 0 && now - t0 >= warm && w->t_start ==
		    0)
			window_open(w);
		if (now >= wend && opt.count == 0)
			break;
		if (opt.count > 0 && (long long)(st.ok + st.fail) >=
		    opt.count && inflight == 0)
			break;
		expire();
		poll_once(50);
	}
	window_close(w);
}

static volatile sig_atomic_t	hold_release;

static void
on_release(int sig)
{
	(void)sig;
	hold_release = 1;
}

static void
count_code_n(const char *code, uint64_t n)
{
	int	i;

	count_code(code);
	for (i = 0; i < st.ncodes; i++)
		if (strcmp(st.code[i], code) == 0)
			st.code_n[i] += n - 1;
}

static void
make_epoll(void)
{
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
}

/*
 * One holder process: open `n' connections, say "filled" on `f', keep
 * them until the parent's SIGUSR1 (or a safety deadline), then report
 * what it held and every failure code, and exit.
 */
static void __attribute__((noreturn))
hold_child(FILE *f, long n)
{
	uint64_t	t0, end;
	long		fail_cap = n / 100 > 50 ? n / 100 : 50;
	int		i;

	opt.hold = n;
	make_epoll();
	measuring = 1;
	t0 = now_ns();
	for (i = 0; i < opt.concurrency; i++)
		start_one();
	/*
	 * Lost connections are not replaced, and a server that refuses
	 * more (1 % of n, at least 50) is full: stop there.
	 */
	while (held + held_lost + (long)st.fail < opt.hold &&
	    (long)st.fail < fail_cap && (now_ns() - t0) <
	    (uint64_t)(opt.duration_s * 1e9)) {
		expire();
		poll_once(50);
		/* a failure frees a slot the closed loop does not refill */
		while (inflight < opt.concurrency && held + held_lost +
		    inflight + (long)st.fail < opt.hold)
			start_one();
	}
	/* What is still handshaking now will not be waited for. */
	while (flist_head != NULL)
		(void)conn_fail(flist_head, "FILL_DEADLINE");
	fprintf(f, "filled %ld %.3f\n", held, (double)(now_ns() - t0) / 1e9);
	fflush(f);
	end = now_ns() + (uint64_t)(opt.hold_s + 600) * 1000000000u;
	while (!hold_release && now_ns() < end)
		poll_once(100);
	fprintf(f, "done %ld %ld %llu %llu\n", held, held_lost,
	    (unsigned long long)st.ok, (unsigned long long)st.fail);
	for (i = 0; i < st.ncodes; i++)
		fprintf(f, "code %s %llu\n", st.code[i],
		    (unsigned long long)st.code_n[i]);
	fflush(f);
	_exit(0);
}

static void
sleep_s(double s)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * --hold: N connections over --procs holder processes (one process
 * can only have so many descriptors).  The server is sampled at rest,
 * and again once every holder is full and --hold-time has passed.
 */
static void
run_hold(struct window *w, struct proc_sample *rest, struct proc_sample *full,
    double *fill_s)
{
	pid_t			 kids[MAX_PROCS];
	FILE			*in[MAX_PROCS];
	char			 line[256], code[CODE_LEN];
	unsigned long long	 a, b;
	long			 h, l, total = 0;
	double			 fs;
	int			 k, p[2];

	if (opt.server_pid > 0)
		(void)proctree_sample(opt.server_pid, 1, rest);
	window_open(w);
	for (k = 0; k < opt.procs; k++) {
		if (pipe(p) == -1 || (kids[k] = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (kids[k] == 0) {
			close(p[0]);
			signal(SIGUSR1, on_release);
			opt.src_base += (uint32_t)(k * opt.sources);
			hold_child(fdopen(p[1], "w"), opt.hold / opt.procs +
			    (k < opt.hold % opt.procs));
		}
		close(p[1]);
		in[k] = fdopen(p[0], "r");
	}
	for (k = 0; k < opt.procs; k++)
		if (fgets(line, sizeof(line), in[k]) != NULL &&
		    sscanf(line, "filled %ld %lf", &h, &fs) == 2 &&
		    fs > *fill_s)
			*fill_s = fs;
	sleep_s(opt.hold_s);
	if (opt.server_pid > 0)
		(void)proctree_sample(opt.server_pid, 1, full);
	for (k = 0; k < opt.procs; k++)
		kill(kids[k], SIGUSR1);
	for (k = 0; k < opt.procs; k++) {
		while (fgets(line, sizeof(line), in[k]) != NULL) {
			if (sscanf(line, "done %ld %ld %llu %llu", &h, &l, &a,
			    &b) == 4) {
				total += h;
				held_lost += l;
				st.ok += a;
				st.fail += b;
			} else if (sscanf(line, "code %47s %llu", code, &a) == 2)
				count_code_n(code, a);
		}
		fclose(in[k]);
		waitpid(kids[k], NULL, 0);
	}
	held = total;
	window_close(w);
}

/* ------------------------------------------------------------ reports */

static json_t *
lat_json(struct lat *l)
{
	struct lat_summary	s;

	lat_summarize(l, &s);
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "n", (json_int_t)s.n,
	    "mean", s.mean_ms, "p50", s.p50_ms, "p90", s.p90_ms, "p99",
	    s.p99_ms, "max", s.max_ms);
}

static const char *
mode_name(void)
{
	return opt.mode == M_TOKEN ? "token" : opt.mode == M_PASSWORD ?
	    "password" : "device";
}

static json_t *
report(struct window *w, struct proc_sample *rest, struct proc_sample *full,
    double fill_s)
{
	double		 secs = (double)(w->t_end - w->t_start) / 1e9;
	double		 ops = (double)st.ok;
	json_t		*r, *codes = json_object(), *srv;
	int		 i;

	for (i = 0; i < st.ncodes; i++)
		json_object_set_new(codes, st.code[i],
		    json_integer((json_int_t)st.code_n[i]));
	r = json_pack("{s:s?, s:s, s:b, s:i, s:f, s:f, s:I, s:I, s:I, s:I,"
	    " s:f, s:o, s:o, s:o, s:f, s:f, s:i}",
	    "label", opt.label, "mode", mode_name(), "expect_fail",
	    opt.expect_fail, "concurrency", opt.concurrency, "rate", opt.rate,
	    "seconds", secs, "ok", (json_int_t)st.ok, "fail",
	    (json_int_t)st.fail, "started", (json_int_t)st.started,
	    "skipped", (json_int_t)st.skipped,
	    "ops_per_s", secs > 0 ? ops / secs : 0.0,
	    "codes", codes, "lat_challenge_ms", lat_json(&st.chal),
	    "lat_hello_ms", lat_json(&st.hello),
	    "client_cpu_s", w->self1 - w->self0,
	    "client_cpu_us_per_op", ops > 0 ? (w->self1 - w->self0) / ops *
	    1e6 : 0.0, "sources", opt.sources);
	if (w->have_server) {
		double cpu = w->s1.cpu_s - w->s0.cpu_s;

		srv = json_pack("{s:i, s:i, s:f, s:f, s:f, s:I, s:I, s:I, s:I}",
		    "pid", (int)opt.server_pid, "nproc", w->s1.nproc,
		    "cpu_s", cpu, "cpu_us_per_op", ops > 0 ? cpu / ops * 1e6 :
		    0.0, "cpu_util", secs > 0 ? cpu / secs : 0.0,
		    "rss_kib_start", (json_int_t)w->s0.rss_kib,
		    "pss_kib_start", (json_int_t)w->s0.pss_kib,
		    "rss_kib_end", (json_int_t)w->s1.rss_kib,
		    "pss_kib_end", (json_int_t)w->s1.pss_kib);
		json_object_set_new(r, "server", srv);
	}
	if (opt.hold > 0) {
		double	nh = held > 0 ? (double)held : 1;

		json_object_set_new(r, "hold", json_pack("{s:I, s:I, s:I, "
		    "s:f, s:f, s:I, s:I, s:I, s:I, s:f, s:f}",
		    "requested", (json_int_t)opt.hold, "held", (json_int_t)held,
		    "lost", (json_int_t)held_lost, "fill_s", fill_s,
		    "hold_s", opt.hold_s,
		    "rss_kib_rest", (json_int_t)rest->rss_kib,
		    "pss_kib_rest", (json_int_t)rest->pss_kib,
		    "rss_kib_held", (json_int_t)full->rss_kib,
		    "pss_kib_held", (json_int_t)full->pss_kib,
		    "rss_b_per_conn", ((double)full->rss_kib -
		    (double)rest->rss_kib) * 1024 / nh,
		    "pss_b_per_conn", ((double)full->pss_kib -
		    (double)rest->pss_kib) * 1024 / nh));
	}
	return r;
}

static void
print_human(json_t *r)
{
	json_t		*lc = json_object_get(r, "lat_challenge_ms");
	json_t		*lh = json_object_get(r, "lat_hello_ms");
	json_t		*srv = json_object_get(r, "server");
	json_t		*hold = json_object_get(r, "hold");
	const char	*k;
	json_t		*v;

#define N(o, key)	json_number_value(json_object_get((o), (key)))
	printf("%s%s%s mode=%s%s c=%d rate=%.0f: %.0f ok in %.1f s = "
	    "%.1f/s, %.0f failed\n", opt.label ? "[" : "", opt.label ?
	    opt.label : "", opt.label ? "] " : "", mode_name(),
	    opt.expect_fail ? " (expect-fail)" : "", opt.concurrency,
	    opt.rate, N(r, "ok"), N(r, "seconds"), N(r, "ops_per_s"),
	    N(r, "fail"));
	json_object_foreach(json_object_get(r, "codes"), k, v)
		printf("  %-32s %lld\n", k, (long long)json_integer_value(v));
	printf("  tcp->challenge ms: p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
	    N(lc, "p50"), N(lc, "p90"), N(lc, "p99"), N(lc, "max"));
	printf("  connect->res   ms: p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
	    N(lh, "p50"), N(lh, "p90"), N(lh, "p99"), N(lh, "max"));
	printf("  client cpu %.2f s (%.1f us/op)\n", N(r, "client_cpu_s"),
	    N(r, "client_cpu_us_per_op"));
	if (srv != NULL)
		printf("  server cpu %.2f s (%.1f us/op, %.2f cores), "
		    "%.0f procs, rss %.0f KiB pss %.0f KiB at end\n",
		    N(srv, "cpu_s"), N(srv, "cpu_us_per_op"),
		    N(srv, "cpu_util"), N(srv, "nproc"), N(srv, "rss_kib_end"),
		    N(srv, "pss_kib_end"));
	if (hold != NULL)
		printf("  held %.0f of %.0f (lost %.0f) filled in %.1f s; "
		    "server rss %.0f -> %.0f KiB, pss %.0f -> %.0f KiB: "
		    "%.0f B rss, %.0f B pss per connection\n",
		    N(hold, "held"), N(hold, "requested"), N(hold, "lost"),
		    N(hold, "fill_s"), N(hold, "rss_kib_rest"),
		    N(hold, "rss_kib_held"), N(hold, "pss_kib_rest"),
		    N(hold, "pss_kib_held"), N(hold, "rss_b_per_conn"),
		    N(hold, "pss_b_per_conn"));
#undef N
}

/* ------------------------------------------------------------ options */

static void __attribute__((noreturn))
usage(int code)
{
	fprintf(code ? stderr : stdout,
"usage: cgbench [options] -p PORT\n"
"  -H, --host ADDR        gateway IPv4 address (127.0.0.1)\n"
"  -p, --port N           gateway port\n"
"      --path P           upgrade path (/)\n"
"  -s, --secret S         shared secret (bench-token)\n"
"      --token            send it as auth.token (default)\n"
"      --password         send it as auth.password\n"
"      --device           auth.token plus a v3-signed device identity\n"
"      --identities FILE  persisted identity seed (created if missing)\n"
"      --devices N        identity pool size (default: concurrency)\n"
"      --write-pairing F  write an authd pairing store pairing the pool\n"
"                         to F and exit\n"
"      --expect-fail      count rejections (ok:false res) as the operation\n"
"  -c, --concurrency N    handshakes in flight, closed loop (50)\n"
"      --rate R           open loop: R starts per second\n"
"      --max-inflight N   open loop cap (10000)\n"
"  -d, --duration S       measured seconds (10); --hold: fill deadline\n"
"  -w, --warmup S         unmeasured seconds first (1)\n"
"  -n, --count N          stop after N handshakes instead\n"
"      --hold N           keep N authenticated connections open\n"
"      --hold-time S      how long to hold them (5)\n"
"      --procs K          spread --hold over K processes (1): each has\n"
"                         its own descriptor limit and --sources block\n"
"      --timeout MS       per-handshake deadline (10000)\n"
"      --sources N        spread source addresses over N addresses of\n"
"                         127.0.0.0/8 from --source-base (0: kernel's)\n"
"      --source-base A    first source address (127.1.0.1)\n"
"      --server-pid PID   root of the server's process tree to sample\n"
"      --sample           only print that tree's CPU and memory (JSON)\n"
"      --label S          name for the report\n"
"      --json             one JSON object on stdout\n");
	exit(code);
}

enum {
	O_TOKEN = 256, O_PASSWORD, O_DEVICE, O_IDENT, O_DEVICES, O_WPAIR,
	O_XFAIL, O_RATE, O_MAXIN, O_HOLD, O_HOLDT, O_TIMEOUT, O_SOURCES,
	O_SRCBASE, O_SPID, O_LABEL, O_JSON, O_WSPATH, O_SAMPLE, O_PROCS
};

static const struct option longopts[] = {
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "path", required_argument, NULL, O_WSPATH },
	{ "secret", required_argument, NULL, 's' },
	{ "token", no_argument, NULL, O_TOKEN },
	{ "password", no_argument, NULL, O_PASSWORD },
	{ "device", no_argument, NULL, O_DEVICE },
	{ "identities", required_argument, NULL, O_IDENT },
	{ "devices", required_argument, NULL, O_DEVICES },
	{ "write-pairing", required_argument, NULL, O_WPAIR },
	{ "expect-fail", no_argument, NULL, O_XFAIL },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "rate", required_argument, NULL, O_RATE },
	{ "max-inflight", required_argument, NULL, O_MAXIN },
	{ "duration", required_argument, NULL, 'd' },
	{ "warmup", required_argument, NULL, 'w' },
	{ "count", required_argument, NULL, 'n' },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "hold-time", required_argument, NULL, O_HOLDT },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "sources", required_argument, NULL, O_SOURCES },
	{ "source-base", required_argument, NULL, O_SRCBASE },
	{ "server-pid", required_argument, NULL, O_SPID },
	{ "label", required_argument, NULL, O_LABEL },
	{ "json", no_argument, NULL, O_JSON },
	{ "sample", no_argument, NULL, O_SAMPLE },
	{ "procs", required_argument, NULL, O_PROCS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static double
num(const char *name, const char *s, double min, double max)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		die("%s: expected a number in [%g, %g], got '%s'", name, min,
		    max, s);
	return v;
}

static void
parse_options(int argc, char **argv)
{
	struct in_addr	a;
	int		ch;

	opt.host = "127.0.0.1";
	opt.path = "/";
	opt.secret = "bench-token";
	opt.concurrency = 50;
	opt.max_inflight = 10000;
	opt.duration_s = 10;
	opt.warmup_s = 1;
	opt.hold_s = 5;
	opt.timeout_ms = 10000;
	opt.src_base = 0x7f010001;
	opt.procs = 1;
	while ((ch = getopt_long(argc, argv, "H:p:s:c:d:w:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'H':
			opt.host = optarg;
			break;
		case 'p':
			opt.port = (int)num("--port", optarg, 1, 65535);
			break;
		case O_WSPATH:
			if (optarg[0] != '/' || strpbrk(optarg, " \r\n") ||
			    strlen(optarg) > 200)
				die("--path: bad path");
			opt.path = optarg;
			break;
		case 's':
			if (strpbrk(optarg, "\"\\|") != NULL ||
			    strlen(optarg) > 256)
				die("--secret: no '\"', '\\' or '|', at most "
				    "256 bytes");
			opt.secret = optarg;
			break;
		case O_TOKEN:
			opt.mode = M_TOKEN;
			break;
		case O_PASSWORD:
			opt.mode = M_PASSWORD;
			break;
		case O_DEVICE:
			opt.mode = M_DEVICE;
			break;
		case O_IDENT:
			opt.ident_file = optarg;
			break;
		case O_DEVICES:
			opt.devices = (long)num("--devices", optarg, 1, 1e7);
			break;
		case O_WPAIR:
			opt.write_pairing = optarg;
			break;
		case O_XFAIL:
			opt.expect_fail = 1;
			break;
		case 'c':
			opt.concurrency = (int)num("-c", optarg, 1, 1e6);
			break;
		case O_RATE:
			opt.rate = num("--rate", optarg, 0.1, 1e7);
			break;
		case O_MAXIN:
			opt.max_inflight = (int)num("--max-inflight", optarg,
			    1, 1e6);
			break;
		case 'd':
			opt.duration_s = num("-d", optarg, 0.1, 86400);
			break;
		case 'w':
			opt.warmup_s = num("-w", optarg, 0, 86400);
			break;
		case 'n':
			opt.count = (long long)num("-n", optarg, 1, 1e12);
			break;
		case O_HOLD:
			opt.hold = (long)num("--hold", optarg, 1, 1e7);
			break;
		case O_HOLDT:
			opt.hold_s = num("--hold-time", optarg, 0, 86400);
			break;
		case O_TIMEOUT:
			opt.timeout_ms = (int)num("--timeout", optarg, 1, 1e7);
			break;
		case O_SOURCES:
			opt.sources = (int)num("--sources", optarg, 0, 1 << 23);
			break;
		case O_SRCBASE:
			if (inet_pton(AF_INET, optarg, &a) != 1 ||
			    (ntohl(a.s_addr) >> 24) != 127)
				die("--source-base: an address in 127.0.0.0/8");
			opt.src_base = ntohl(a.s_addr);
			break;
		case O_SPID:
			opt.server_pid = (pid_t)num("--server-pid", optarg, 1,
			    INT_MAX);
			break;
		case O_LABEL:
			opt.label = optarg;
			break;
		case O_JSON:
			opt.json = 1;
			break;
		case O_SAMPLE:
			opt.sample = 1;
			break;
		case O_PROCS:
			opt.procs = (int)num("--procs", optarg, 1, MAX_PROCS);
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (opt.sample && opt.server_pid == 0)
		die("--sample needs --server-pid");
	if (opt.port == 0 && opt.write_pairing == NULL && !opt.sample)
		die("-p PORT is required");
	if (opt.sources > 0 && (uint64_t)opt.src_base + (uint64_t)opt.sources *
	    (uint64_t)opt.procs > 0x7fffffffu)
		die("--sources: the range leaves 127.0.0.0/8");
	if (opt.hold > 0 && opt.rate > 0)
		die("--hold is closed loop: no --rate with it");
	if (opt.hold > 0 && opt.expect_fail)
		die("--hold keeps successes: no --expect-fail with it");
	if ((opt.mode == M_DEVICE || opt.write_pairing) && opt.ident_file ==
	    NULL)
		die("--device and --write-pairing need --identities FILE");
	if (opt.hold > 0 && opt.duration_s == 10)
		opt.duration_s = 600;	/* fill deadline */
	if (opt.count > 0)
		opt.warmup_s = 0;	/* every one of them is the point */
}

/* Room for --hold connections (root may raise the hard limit). */
static void
raise_nofile(void)
{
	struct rlimit	rl;
	rlim_t		want = (rlim_t)(opt.hold > 0 ? opt.hold : 0) +
			    (rlim_t)opt.concurrency + (rlim_t)opt.max_inflight +
			    1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_max < want) {
		rl.rlim_max = want;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return;
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

static int
sample_only(void)
{
	struct proc_sample	s;

	if (proctree_sample(opt.server_pid, 1, &s) == -1)
		die("no process %d", (int)opt.server_pid);
	printf("{\"pid\":%d,\"nproc\":%d,\"cpu_s\":%.3f,\"rss_kib\":%llu,"
	    "\"pss_kib\":%llu}\n", (int)opt.server_pid, s.nproc, s.cpu_s,
	    (unsigned long long)s.rss_kib, (unsigned long long)s.pss_kib);
	return 0;
}

static void
setup_target(void)
{
	uint8_t	 k[16];
	int	 n;

	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.host, &dst.sin_addr) != 1)
		die("--host: an IPv4 address, got '%s'", opt.host);
	/* One key per run: the server cannot know it in advance. */
	randombytes_buf(k, sizeof(k));
	sodium_bin2base64(ws_key, sizeof(ws_key), k, sizeof(k),
	    sodium_base64_VARIANT_ORIGINAL);
	ws_accept(ws_key, strlen(ws_key), ws_expect);
	n = snprintf(upgrade_req, sizeof(upgrade_req), "GET %s HTTP/1.1\r\n"
	    "Host: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
	    opt.path, opt.host, opt.port, ws_key);
	if (n < 0 || (size_t)n >= sizeof(upgrade_req))
		die("upgrade request too long");
	upgrade_len = (size_t)n;
}

int
main(int argc, char **argv)
{
	struct window		 w;
	struct proc_sample	 rest, full;
	double			 fill_s = 0;
	char			 err[512];
	json_t			*r;
	size_t			 npool;

	if (sodium_init() < 0)
		die("sodium_init failed");
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv);
	npool = (size_t)(opt.devices > 0 ? opt.devices : opt.concurrency);
	if (opt.ident_file != NULL && ident_pool_load(opt.ident_file, npool,
	    &pool, err, sizeof(err)) == -1)
		die("%s", err);
	if (opt.write_pairing != NULL) {
		if (ident_write_pairing(&pool, pool.n, opt.write_pairing,
		    SCOPES_JSON, err, sizeof(err)) == -1)
			die("%s", err);
		ident_pool_free(&pool);
		return 0;
	}
	if (opt.sample)
		return sample_only();
	raise_nofile();
	setup_target();
	memset(&w, 0, sizeof(w));
	memset(&rest, 0, sizeof(rest));
	memset(&full, 0, sizeof(full));
	if (opt.hold > 0)
		run_hold(&w, &rest, &full, &fill_s);
	else {
		make_epoll();
		run_load(&w);
	}
	r = report(&w, &rest, &full, fill_s);
	if (opt.json) {
		json_dumpf(r, stdout, JSON_COMPACT);
		putchar('\n');
	} else
		print_human(r);
	json_decref(r);
	/* Everything still open goes with the process. */
	ident_pool_free(&pool);
	return st.ok > 0 ? 0 : 1;
}
