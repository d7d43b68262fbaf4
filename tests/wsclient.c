/*
 * wsclient: a small WebSocket client for the clawgate integration tests.
 *
 * It speaks just enough RFC 6455 (masked client frames, fragmented and
 * 16/64-bit-length server frames, ping/pong, close handshake) and just
 * enough of the OpenClaw protocol 4 handshake (wait for connect.challenge,
 * send connect, sign a device identity) to drive the daemon from shell
 * scripts.  Everything it sees and sends is printed on stdout as one JSON
 * object per line, so that tests can pick lines apart with jq.
 *
 * Dependencies are deliberately few: libc sockets and poll(2), libsodium
 * (Ed25519, SHA-256, base64, randomness) and jansson; from libcommon, the
 * RFC 6455 codec (wsframe.c) and the signed device payload (devsig.c),
 * the same code the CLI uses.
 *
 * Exit status: 0 the script ran (whatever the server answered), 1 the
 * server broke RFC 6455, 2 usage error, 3 overall timeout, 4 connect
 * (resolve, bind, TCP) failure.
 */
#define _GNU_SOURCE	/* memmem(3) */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
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

#include "devsig.h"
#include "wsframe.h"

#define EXIT_PROTO	1
#define EXIT_USAGE	2
#define EXIT_TIMEOUT	3
#define EXIT_CONNECT	4

#define MAX_HEADERS	32
#define MAX_STEPS	64
#define MAX_HOLD_OPEN	1024
#define MAX_MESSAGE	(64u * 1024 * 1024)	/* we never expect more */
#define MAX_HTTP_HEAD	(16 * 1024)
#define MAX_HTTP_BODY	(1024 * 1024)
#define PRINT_SENT_MAX	4096	/* larger sent frames are summarised */
#define CLOSE_WAIT_MS	2000	/* wait for the peer's close reply / FIN */
#define DEFAULT_TIMEOUT	20000
#define DEFAULT_HOLD_OPEN_MS 10000
#define CONNECT_ID	"c1"

/* One frame to send before the connect, or one step after hello-ok. */
enum step_kind {
	STEP_TEXT,		/* --raw */
	STEP_BINARY,		/* --raw-binary, --raw-hex */
	STEP_SIZE,		/* --raw-size */
	STEP_METHOD,		/* --then */
	STEP_THEN_RAW		/* --then-raw */
};

struct step {
	enum step_kind	 kind;
	unsigned char	*data;		/* owned copy for text/binary */
	size_t		 len;
	char		*method;	/* STEP_METHOD */
	json_t		*params;	/* STEP_METHOD, may be NULL */
};

static struct {
	char		 host[256];
	char		 port[8];
	char		 path[2048];
	const char	*bind_addr;
	const char	*headers[MAX_HEADERS];
	int		 nheaders;
	int		 have_host_header;
	int		 no_challenge_wait;
	json_t		*connect;
	struct step	 first[MAX_STEPS];
	int		 nfirst;
	struct step	 then[MAX_STEPS];
	int		 nthen;
	const char	*pad_base;
	int		 v2;
	int		 have_seed;
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	int		 have_signed_at;
	long long	 signed_at;
	const char	*nonce;
	const char	*device_id;
	int		 corrupt_sig;
	long long	 hold_ms;	/* -1: not given */
	long long	 timeout_ms;
	int		 ping;
	int		 count;
	int		 hold_open;
} opt;

struct conn {
	int		 fd;
	int		 idx;
	char		 local[64];
	char		 remote[64];
	unsigned char	*rbuf;		/* bytes read, not yet parsed */
	size_t		 rlen;
	size_t		 rcap;
	struct ws_msg	 m;		/* the message being assembled */
	unsigned char	*msg;
	size_t		 msgcap;
	int		 sent_close;
	int		 done;		/* close seen or EOF: no more I/O */
	int		 have_challenge;
	char		 nonce[256];
	long long	 challenge_ts;
};

/* What next_event() hands back to the script. */
enum ev {
	EV_MSG,		/* text or binary message; json set if it parsed */
	EV_PONG,
	EV_CLOSE,	/* close frame received (printed, answered) */
	EV_EOF,		/* TCP closed without a close frame */
	EV_DEADLINE	/* the caller's deadline passed */
};

struct wsmsg {
	int		 op;
	json_t		*json;		/* owned by the caller */
};

static int64_t	 t0_ms;
static int64_t	 global_deadline;
static int	 current_conn = 1;
static unsigned char dev_seed[crypto_sign_SEEDBYTES];

static void	usage(FILE *, int) __attribute__((noreturn));

/* ---------------------------------------------------------------- util */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wsclient: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(try wsclient --help)\n");
	exit(EXIT_USAGE);
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		perror("wsclient: malloc");
		exit(EXIT_PROTO);
	}
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL) {
		perror("wsclient: realloc");
		exit(EXIT_PROTO);
	}
	return p;
}

/* Grow *buf (capacity *cap) so that it holds at least `need' bytes. */
static void
reserve(unsigned char **buf, size_t *cap, size_t need)
{
	size_t ncap;

	if (need <= *cap)
		return;
	ncap = *cap ? *cap : 4096;
	while (ncap < need)
		ncap *= 2;
	*buf = xrealloc(*buf, ncap);
	*cap = ncap;
}

/* Strict decimal parse of an integer option. */
static long long
parse_num(const char *name, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		die_usage("%s: expected an integer in [%lld, %lld], got '%s'",
		    name, min, max, s);
	return v;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into a fresh buffer; -1 if malformed. */
static int
unhex(const char *s, unsigned char **out, size_t *outlen)
{
	size_t i, n = strlen(s);

	if (n % 2 != 0)
		return -1;
	*out = xmalloc(n / 2);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]);
		int lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(*out);
			return -1;
		}
		(*out)[i] = (unsigned char)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return 0;
}

static json_t *
hexstr(const unsigned char *p, size_t n)
{
	char *s = xmalloc(2 * n + 1);
	json_t *j;

	sodium_bin2hex(s, 2 * n + 1, p, n);
	j = json_string(s);
	free(s);
	return j;
}

/*
 * Add `key' to `o' as a JSON string if the bytes are valid UTF-8, else
 * add `key'_hex with their hex dump, so that nothing is lost or mangled.
 */
static void
set_bytes(json_t *o, const char *key, const unsigned char *p, size_t n)
{
	json_t *s;
	char hkey[64];

	if ((s = json_stringn((const char *)p, n)) != NULL) {
		json_object_set_new(o, key, s);
		return;
	}
	snprintf(hkey, sizeof(hkey), "%s_hex", key);
	json_object_set_new(o, hkey, hexstr(p, n));
}

/* Print one event line: `o' (stolen) gets conn and t_ms appended. */
static void
emit(json_t *o)
{
	char *s;

	json_object_set_new(o, "conn", json_integer(current_conn));
	json_object_set_new(o, "t_ms", json_integer(now_ms() - t0_ms));
	s = json_dumps(o, JSON_COMPACT);
	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(s);
	}
	json_decref(o);
}

static json_t *
event(const char *name)
{
	json_t *o = json_object();

	json_object_set_new(o, "ev", json_string(name));
	return o;
}

static void __attribute__((noreturn))
global_timeout(void)
{
	emit(event("timeout"));
	exit(EXIT_TIMEOUT);
}

static void __attribute__((noreturn))
proto_error(const char *stage, const char *msg)
{
	json_t *o = event("error");

	json_object_set_new(o, "stage", json_string(stage));
	json_object_set_new(o, "msg", json_string(msg));
	emit(o);
	exit(EXIT_PROTO);
}

static int
poll_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* ---------------------------------------------------------- device sign */

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Append to a growing string buffer. */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	size_t ncap = b->cap ? b->cap : 256;

	if (b->len + n + 1 > b->cap) {
		while (ncap < b->len + n + 1)
			ncap *= 2;
		b->s = xrealloc(b->s, ncap);
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/*
 * The signed payload of protocol.md §6.2 for these connect params.  The
 * token is auth.token ?? auth.deviceToken ?? auth.bootstrapToken ?? "",
 * taking the raw field values (an empty auth.token counts).
 */
static char *
sign_payload(json_t *params, int v2, const char *device_id,
    long long signed_at, const char *nonce)
{
	json_t *client = json_object_get(params, "client");
	json_t *auth = json_object_get(params, "auth");
	json_t *scopes = json_object_get(params, "scopes");
	const char *role = jstr(params, "role");
	struct devsig_str *sc;
	struct devsig d;
	size_t i, n = json_array_size(scopes);
	char *pl;

	sc = xmalloc(n * sizeof(*sc));
	for (i = 0; i < n; i++)
		sc[i] = devsig_s(json_string_value(json_array_get(scopes, i)));
	memset(&d, 0, sizeof(d));
	d.v3 = !v2;
	d.device_id = devsig_s(device_id);
	d.client_id = devsig_s(jstr(client, "id"));
	d.client_mode = devsig_s(jstr(client, "mode"));
	d.role = devsig_s(role != NULL ? role : "operator");
	d.scopes = sc;
	d.nscopes = n;
	d.signed_at = (uint64_t)signed_at;
	d.token = devsig_token(devsig_s(jstr(auth, "token")),
	    devsig_s(jstr(auth, "deviceToken")),
	    devsig_s(jstr(auth, "bootstrapToken")));
	d.nonce = devsig_s(nonce);
	d.platform = devsig_s(jstr(client, "platform"));
	d.family = devsig_s(jstr(client, "deviceFamily"));
	if ((pl = devsig_payload(&d, &n)) == NULL) {
		perror("wsclient: malloc");
		exit(EXIT_PROTO);
	}
	free(sc);
	return pl;
}

static char *
b64url(const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = xmalloc(len);

	sodium_bin2base64(s, len, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return s;
}

struct signed_device {
	json_t		*device;	/* {id, publicKey, signature, signedAt, nonce} */
	char		*payload;
	char		 pkhex[2 * crypto_sign_PUBLICKEYBYTES + 1];
	int		 verified;	/* our own signature checks out */
};

/*
 * Derive the key pair from `seed', build the device block for `params'
 * and sign it.  `id_override' replaces the derived id (it is then also
 * what is signed, as a client claiming that id would do).
 */
static void
sign_device(json_t *params, const unsigned char *seed, int v2,
    const char *id_override, long long signed_at, const char *nonce,
    int corrupt, struct signed_device *out)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char sig[crypto_sign_BYTES];
	char idhex[2 * crypto_hash_sha256_BYTES + 1];
	char *pkb, *sigb;
	const char *id;

	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_hash_sha256(digest, pk, sizeof(pk));
	sodium_bin2hex(idhex, sizeof(idhex), digest, sizeof(digest));
	sodium_bin2hex(out->pkhex, sizeof(out->pkhex), pk, sizeof(pk));
	id = id_override != NULL ? id_override : idhex;

	out->payload = sign_payload(params, v2, id, signed_at, nonce);
	crypto_sign_detached(sig, NULL, (unsigned char *)out->payload,
	    strlen(out->payload), sk);
	out->verified = crypto_sign_verify_detached(sig,
	    (unsigned char *)out->payload, strlen(out->payload), pk) == 0;
	sodium_memzero(sk, sizeof(sk));
	if (corrupt)
		sig[0] ^= 0x01;

	pkb = b64url(pk, sizeof(pk));
	sigb = b64url(sig, sizeof(sig));
	out->device = json_pack("{s:s, s:s, s:s, s:I, s:s}",
	    "id", id, "publicKey", pkb, "signature", sigb,
	    "signedAt", (json_int_t)signed_at, "nonce", nonce);
	free(pkb);
	free(sigb);
}

/* --selftest-sign: protocol.md §6.4, through the same code path. */
static int
selftest_sign(void)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	struct signed_device v3, v2, edge;
	json_t *p, *pe, *o;
	const char *nonce = "3cabda82-4782-4df7-a1fe-1b4d291960da";
	const long long at = 1737264000000LL;
	size_t i;

	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)i;
	p = json_pack("{s:{s:s, s:s, s:s, s:s}, s:s, s:[s, s], s:{s:s}}",
	    "client", "id", "cli", "mode", "cli", "platform", "Linux",
	    "deviceFamily", "Linux", "role", "operator",
	    "scopes", "operator.read", "operator.pairing",
	    "auth", "token", "test-token-0123456789abcdef0123456789");
	pe = json_pack("{s:{s:s, s:s, s:s}, s:s, s:[]}",
	    "client", "id", "cli", "mode", "cli", "platform", " MacOS ",
	    "role", "operator", "scopes");
	sign_device(p, seed, 0, NULL, at, nonce, 0, &v3);
	sign_device(p, seed, 1, NULL, at, nonce, 0, &v2);
	sign_device(pe, seed, 0, NULL, at, nonce, 0, &edge);

	o = event("selftest-sign");
	json_object_set_new(o, "publicKeyHex", json_string(v3.pkhex));
	json_object_set(o, "publicKey", json_object_get(v3.device, "publicKey"));
	json_object_set(o, "deviceId", json_object_get(v3.device, "id"));
	json_object_set_new(o, "v3", json_pack("{s:s, s:O, s:b}",
	    "payload", v3.payload,
	    "signature", json_object_get(v3.device, "signature"),
	    "verified", v3.verified));
	json_object_set_new(o, "v2", json_pack("{s:s, s:O, s:b}",
	    "payload", v2.payload,
	    "signature", json_object_get(v2.device, "signature"),
	    "verified", v2.verified));
	json_object_set_new(o, "v3edge", json_pack("{s:s, s:O, s:b}",
	    "payload", edge.payload,
	    "signature", json_object_get(edge.device, "signature"),
	    "verified", edge.verified));
	emit(o);
	free(v3.payload), free(v2.payload), free(edge.payload);
	json_decref(v3.device), json_decref(v2.device), json_decref(edge.device);
	json_decref(p), json_decref(pe);
	return 0;
}

/* ----------------------------------------------------------- transport */

static void
fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else
		snprintf(buf, len, "?");
}

static void __attribute__((noreturn))
connect_failed(const char *stage, const char *msg)
{
	json_t *o = event("error");

	json_object_set_new(o, "stage", json_string(stage));
	json_object_set_new(o, "msg", json_string(msg));
	emit(o);
	exit(EXIT_CONNECT);
}

static int
bind_source(int fd, int family)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if ((rc = getaddrinfo(opt.bind_addr, "0", &hints, &res)) != 0)
		connect_failed("bind", gai_strerror(rc));
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return rc;
}

/* TCP connect before the global deadline; the socket stays non-blocking. */
static int
tcp_connect(struct conn *c)
{
	struct addrinfo hints, *res;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct pollfd pfd;
	int fd, rc, err, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(opt.host, opt.port, &hints, &res)) != 0)
		connect_failed("resolve", gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1)
		connect_failed("socket", strerror(errno));
	if (opt.bind_addr != NULL && bind_source(fd, res->ai_family) == -1)
		connect_failed("bind", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == -1 && errno != EINPROGRESS)
		connect_failed("connect", strerror(errno));
	if (rc == -1) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, poll_ms(global_deadline)) == 0)
			global_timeout();
		sl = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
			err = errno;
		if (err != 0)
			connect_failed("connect", strerror(err));
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		fmt_addr(&ss, c->local, sizeof(c->local));
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		fmt_addr(&ss, c->remote, sizeof(c->remote));
	c->fd = fd;
	return 0;
}

/*
 * Write everything before the global deadline.  Returns 0, or -1 if the
 * peer is gone (the caller then reads what the peer said before going).
 */
static int
write_all(struct conn *c, const unsigned char *p, size_t n)
{
	struct pollfd pfd;
	ssize_t w;

	while (n > 0) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w, n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pfd.fd = c->fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, poll_ms(global_deadline)) == 0)
				global_timeout();
			continue;
		}
		{
			json_t *o = event("send-failed");

			json_object_set_new(o, "msg", json_string(strerror(errno)));
			emit(o);
		}
		return -1;
	}
	return 0;
}

/*
 * Read once into c->rbuf, waiting until `deadline'.  Returns bytes read,
 * 0 on EOF, -1 on deadline, -2 on a socket error (treated as EOF).
 */
static ssize_t
fill(struct conn *c, int64_t deadline)
{
	struct pollfd pfd;
	ssize_t r;
	int n;

	for (;;) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, poll_ms(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			return -1;
		reserve(&c->rbuf, &c->rcap, c->rlen + 65536);
		r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == -1)
			return -2;
		c->rlen += (size_t)r;
		return r;
	}
}

static void
consume(struct conn *c, size_t n)
{
	memmove(c->rbuf, c->rbuf + n, c->rlen - n);
	c->rlen -= n;
}

static void
conn_free(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	free(c->msg);
	c->rbuf = c->msg = NULL;
	c->rlen = c->rcap = c->msgcap = 0;
	memset(&c->m, 0, sizeof(c->m));
}

/* ------------------------------------------------------------ frames */

static int
send_frame(struct conn *c, int op, const unsigned char *p, size_t n)
{
	unsigned char *f, mask[4];
	size_t len;
	int rc;

	f = xmalloc(n + WS_MAX_HEADER);
	randombytes_buf(mask, sizeof(mask));
	len = ws_encode(f, op, p, n, mask);
	rc = write_all(c, f, len);
	free(f);
	return rc;
}

/* Log a frame we send: the JSON if it parses, else the text. */
static void
emit_sent(int op, const unsigned char *p, size_t n)
{
	json_t *o = event("sent"), *j;

	if (op == WS_OP_BINARY)
		json_object_set_new(o, "binary", json_true());
	if (n > PRINT_SENT_MAX)
		json_object_set_new(o, "clipped", json_true());
	else if (op == WS_OP_TEXT &&
	    (j = json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL)) != NULL)
		json_object_set_new(o, "json", j);
	else if (op == WS_OP_TEXT)
		set_bytes(o, "text", p, n);
	else
		json_object_set_new(o, "hex", hexstr(p, n));
	json_object_set_new(o, "bytes", json_integer((json_int_t)n));
	emit(o);
}

static int
send_logged(struct conn *c, int op, const unsigned char *p, size_t n)
{
	emit_sent(op, p, n);
	return send_frame(c, op, p, n);
}

static int
send_json(struct conn *c, json_t *frame)
{
	char *s = json_dumps(frame, JSON_COMPACT);
	int rc;

	rc = send_logged(c, WS_OP_TEXT, (unsigned char *)s, strlen(s));
	free(s);
	return rc;
}

/* Our side of the close handshake; code 0 sends an empty body. */
static void
send_close(struct conn *c, int code, int log)
{
	unsigned char b[WS_MAX_CONTROL];
	json_t *o;

	if (c->sent_close)
		return;
	c->sent_close = 1;
	if (log) {
		o = event("sent-close");
		json_object_set_new(o, "code", code ? json_integer(code) :
		    json_null());
		emit(o);
	}
	(void)send_frame(c, WS_OP_CLOSE, b, ws_close_body(b, code, NULL));
}

/* After a close: half-close and wait (bounded) for the peer's FIN. */
static void
linger_close(struct conn *c)
{
	int64_t dl = min64(now_ms() + CLOSE_WAIT_MS, global_deadline);
	ssize_t r;

	shutdown(c->fd, SHUT_WR);
	c->rlen = 0;
	while ((r = fill(c, dl)) > 0)
		c->rlen = 0;
	if (r == -1)	/* RFC 6455 §7.1.1: the server closes TCP first */
		emit(event("no-fin"));
	c->done = 1;
}

static void
emit_eof(struct conn *c, ssize_t why)
{
	json_t *o = event("eof");

	if (why == -2)
		json_object_set_new(o, "error", json_string(strerror(errno)));
	emit(o);
	c->done = 1;
}

static void
handle_close(struct conn *c, const unsigned char *p, size_t n, int reply)
{
	json_t *o = event("close");
	const unsigned char *reason;
	enum ws_err e;
	size_t rl;
	int code;

	if (ws_close_parse(p, n, &code, &reason, &rl, &e) == -1)
		proto_error("frame", ws_strerror(e));
	if (n >= 2) {
		json_object_set_new(o, "code", json_integer(code));
		set_bytes(o, "reason", reason, rl);
	} else {
		code = 0;	/* and none in our reply */
		json_object_set_new(o, "code", json_null());
		json_object_set_new(o, "reason", json_string(""));
	}
	if (reply)
		json_object_set_new(o, "reply", json_true());
	emit(o);
	if (!c->sent_close)
		send_close(c, code, 0);
	linger_close(c);
}

/* A complete text/binary message: print it, hand its JSON back. */
static json_t *
handle_message(int op, const unsigned char *p, size_t n)
{
	json_t *o = event("recv"), *j = NULL;

	if (op == WS_OP_BINARY) {
		json_object_set_new(o, "binary", json_true());
		json_object_set_new(o, "hex", hexstr(p, n < 4096 ? n : 4096));
	} else if ((j = json_loadb((const char *)p, n, JSON_DECODE_ANY,
	    NULL)) != NULL)
		json_object_set(o, "json", j);
	else
		set_bytes(o, "text", p, n);
	json_object_set_new(o, "bytes", json_integer((json_int_t)n));
	emit(o);
	return j;
}

/*
 * A data frame: a message when it completes one (EV_MSG, *mp filled),
 * else EV_DEADLINE.  Fragments are kept in c->msg; a message in one
 * frame is handed over from the read buffer.
 */
static int
on_data(struct conn *c, const struct ws_frame *f, const unsigned char *p,
    struct wsmsg *mp)
{
	size_t at = c->m.len;
	enum ws_err e;
	int r;

	if ((r = ws_msg_add(&c->m, f, MAX_MESSAGE, &e)) == -1)
		proto_error("frame", ws_strerror(e));
	if (r == 1 && f->op != WS_OP_CONT) {
		mp->op = f->op;
		mp->json = handle_message(f->op, p, f->len);
		memset(&c->m, 0, sizeof(c->m));
		return EV_MSG;
	}
	reserve(&c->msg, &c->msgcap, c->m.len);
	memcpy(c->msg + at, p, f->len);
	if (r == 0)
		return EV_DEADLINE;
	mp->op = c->m.op;
	mp->json = handle_message(c->m.op, c->msg, c->m.len);
	memset(&c->m, 0, sizeof(c->m));
	return EV_MSG;
}

/*
 * Process one frame if buffered.  Returns -1 if more bytes are needed,
 * else an event (EV_MSG with *mp filled, EV_PONG, EV_CLOSE), or EV_DEADLINE
 * as "frame handled, nothing to report" (pings, fragments).  Protocol
 * violations (strict RFC 6455, wsframe.c) end the program.
 */
static int
step_frame(struct conn *c, struct wsmsg *mp)
{
	struct ws_frame f;
	enum ws_err e;
	unsigned char *p;
	int rc = EV_DEADLINE, r;

	r = ws_decode(c->rbuf, c->rlen, MAX_MESSAGE, WS_UNMASKED | WS_STRICT,
	    &f, &e);
	if (r == -1)
		proto_error("frame", ws_strerror(e));
	if (r == 0)
		return -1;
	p = c->rbuf + f.hlen;
	switch (f.op) {
	case WS_OP_PING:
		emit(event("ping"));
		if (!c->sent_close)
			(void)send_frame(c, WS_OP_PONG, p, f.len);
		break;
	case WS_OP_PONG: {
		json_t *o = event("pong");

		set_bytes(o, "data", p, f.len);
		emit(o);
		rc = EV_PONG;
		break;
	}
	case WS_OP_CLOSE:
		handle_close(c, p, f.len, c->sent_close);
		return EV_CLOSE;
	default:	/* CONT, TEXT, BINARY: WS_STRICT let no other by */
		rc = on_data(c, &f, p, mp);
		break;
	}
	consume(c, f.total);
	return rc;
}

/*
 * The next event on `c' before `deadline' (which the caller has already
 * capped at the global deadline).  Everything is printed on the way.
 */
static enum ev
next_event(struct conn *c, int64_t deadline, struct wsmsg *mp)
{
	ssize_t r;
	int rc;

	mp->op = 0;
	mp->json = NULL;
	if (c->done)
		return EV_EOF;
	for (;;) {
		while ((rc = step_frame(c, mp)) != -1)
			if (rc != EV_DEADLINE)
				return (enum ev)rc;
		if ((r = fill(c, deadline)) == -1)
			return EV_DEADLINE;
		if (r <= 0) {
			emit_eof(c, r);
			return EV_EOF;
		}
	}
}

/* next_event() bounded by min(deadline, global); global expiry exits 3. */
static enum ev
wait_event(struct conn *c, int64_t deadline, struct wsmsg *mp)
{
	enum ev e = next_event(c, min64(deadline, global_deadline), mp);

	if (e == EV_DEADLINE && now_ms() >= global_deadline)
		global_timeout();
	return e;
}

/* ------------------------------------------------------------ upgrade */

/* Header value lookup in the lowercased header object. */
static const char *
hdr(json_t *headers, const char *name)
{
	return jstr(headers, name);
}

/* Does the comma-separated header value contain token `t'? */
static int
hdr_has_token(const char *v, const char *t)
{
	size_t tl = strlen(t);

	while (v != NULL && *v) {
		while (*v == ' ' || *v == ',' || *v == '\t')
			v++;
		if (strncasecmp(v, t, tl) == 0 &&
		    (v[tl] == '\0' || v[tl] == ',' || v[tl] == ' ' ||
		    v[tl] == '\t'))
			return 1;
		v = strchr(v, ',');
	}
	return 0;
}

/* Parse "Name: value" lines into a lowercased-name object. */
static json_t *
parse_headers(char *p)
{
	json_t *h = json_object(), *j;
	char *line, *colon, *name, *val, *e, *cat;
	const char *old;

	while ((line = strsep(&p, "\n")) != NULL) {
		if ((e = strchr(line, '\r')) != NULL)
			*e = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		for (name = line; *name; name++)
			*name = (char)tolower((unsigned char)*name);
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		e = val + strlen(val);
		while (e > val && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if ((old = hdr(h, line)) != NULL) {
			cat = xmalloc(strlen(old) + strlen(val) + 3);
			sprintf(cat, "%s, %s", old, val);
			json_object_set_new(h, line, json_string(cat));
			free(cat);
		} else if ((j = json_string(val)) != NULL)
			json_object_set_new(h, line, j);
	}
	return h;
}

/*
 * Decode a chunked body held in buf[0..n).  Returns the decoded length
 * once the terminating chunk is present, else -1 (need more or bad).
 */
static ssize_t
dechunk(const unsigned char *buf, size_t n, unsigned char *out)
{
	size_t i = 0, o = 0, sz;
	const unsigned char *e;
	int d;

	for (;;) {
		sz = 0;
		while (i < n && (d = hexval(buf[i])) >= 0)
			sz = sz * 16 + (size_t)d, i++;
		if (sz > MAX_HTTP_BODY)
			return -1;
		e = memmem(buf + i, n - i, "\r\n", 2);
		if (e == NULL)
			return -1;
		i = (size_t)(e - buf) + 2;
		if (sz == 0)
			return (ssize_t)o;
		if (n - i < sz + 2)
			return -1;
		memcpy(out + o, buf + i, sz);
		o += sz, i += sz + 2;
	}
}

/* Read the body of a non-101 answer (bounded) and print it. */
static void
http_reject(struct conn *c, int status, const char *reason, json_t *headers)
{
	const char *cl = hdr(headers, "content-length");
	const char *te = hdr(headers, "transfer-encoding");
	unsigned char *dec = NULL;
	size_t want = MAX_HTTP_BODY;
	ssize_t r, dn = -1;
	json_t *o;

	if (cl != NULL)
		want = (size_t)strtoul(cl, NULL, 10);
	if (want > MAX_HTTP_BODY)
		want = MAX_HTTP_BODY;
	while (c->rlen < want) {
		if (te != NULL && hdr_has_token(te, "chunked")) {
			free(dec);
			dec = xmalloc(c->rlen);
			if ((dn = dechunk(c->rbuf, c->rlen, dec)) >= 0)
				break;
		}
		if ((r = fill(c, global_deadline)) == -1)
			global_timeout();
		if (r <= 0)
			break;
	}
	o = event("http");
	json_object_set_new(o, "status", json_integer(status));
	json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(o, "local", json_string(c->local));
	json_object_set_new(o, "remote", json_string(c->remote));
	json_object_set_new(o, "headers", headers);
	if (dn >= 0)
		set_bytes(o, "body", dec, (size_t)dn);
	else
		set_bytes(o, "body", c->rbuf, c->rlen < want ? c->rlen : want);
	emit(o);
	free(dec);
	c->done = 1;
}

/* The request line and headers of the upgrade. */
static char *
upgrade_request(const char *key)
{
	struct sbuf b = { NULL, 0, 0 };
	int i;

	sb_str(&b, "GET ");
	sb_str(&b, opt.path);
	sb_str(&b, " HTTP/1.1\r\n");
	if (!opt.have_host_header) {
		sb_str(&b, "Host: ");
		if (strchr(opt.host, ':') != NULL) {
			sb_str(&b, "[");
			sb_str(&b, opt.host);
			sb_str(&b, "]");
		} else
			sb_str(&b, opt.host);
		sb_str(&b, ":");
		sb_str(&b, opt.port);
		sb_str(&b, "\r\n");
	}
	sb_str(&b, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
	sb_str(&b, key);
	sb_str(&b, "\r\n");
	for (i = 0; i < opt.nheaders; i++) {
		sb_str(&b, opt.headers[i]);
		sb_str(&b, "\r\n");
	}
	sb_str(&b, "\r\n");
	return b.s;
}

/* Is the 101 answer a valid RFC 6455 acceptance of `key'? */
static const char *
check_101(json_t *headers, const char *key)
{
	char want[WS_ACCEPT_LEN];
	const char *acc;

	if (!hdr_has_token(hdr(headers, "upgrade"), "websocket"))
		return "101 without Upgrade: websocket";
	if (!hdr_has_token(hdr(headers, "connection"), "upgrade"))
		return "101 without Connection: Upgrade";
	ws_accept(key, strlen(key), want);
	if ((acc = hdr(headers, "sec-websocket-accept")) == NULL)
		return "101 without Sec-WebSocket-Accept";
	if (strcmp(acc, want) != 0)
		return "Sec-WebSocket-Accept does not match the key";
	if (hdr(headers, "sec-websocket-extensions") != NULL)
		return "server negotiated an extension we did not offer";
	return NULL;
}

/*
 * Connect and upgrade.  Returns 1 when the WebSocket is open ("open"
 * printed), 0 when the server answered otherwise ("http"/"eof" printed).
 */
static int
conn_open(struct conn *c, int idx)
{
	unsigned char raw[16];
	char key[32], *req, *end, *head, *sp, *reason;
	const char *bad;
	json_t *headers, *o;
	size_t hl;
	ssize_t r;
	int status;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->idx = idx;
	current_conn = idx;
	tcp_connect(c);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, sizeof(key), raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	req = upgrade_request(key);
	r = write_all(c, (unsigned char *)req, strlen(req));
	free(req);
	for (;;) {
		end = c->rlen ? memmem(c->rbuf, c->rlen, "\r\n\r\n", 4) : NULL;
		if (end != NULL)
			break;
		if (c->rlen > MAX_HTTP_HEAD)
			proto_error("upgrade", "response head too large");
		if ((r = fill(c, global_deadline)) == -1)
			global_timeout();
		if (r <= 0) {
			emit_eof(c, r);
			return 0;
		}
	}
	hl = (size_t)(end - (char *)c->rbuf) + 4;
	head = xmalloc(hl + 1);
	memcpy(head, c->rbuf, hl);
	head[hl] = '\0';
	consume(c, hl);

	sp = strchr(head, '\n');
	if (sp != NULL)
		*sp++ = '\0';
	if (strncmp(head, "HTTP/1.", 7) != 0 || strlen(head) < 12)
		proto_error("upgrade", "not an HTTP/1.x response");
	status = atoi(head + 9);
	reason = head + 12;
	while (*reason == ' ')
		reason++;
	if ((end = strchr(reason, '\r')) != NULL)
		*end = '\0';
	headers = parse_headers(sp);
	if (status != 101) {
		http_reject(c, status, reason, headers);
		free(head);
		return 0;
	}
	free(head);
	if ((bad = check_101(headers, key)) != NULL)
		proto_error("upgrade", bad);
	o = event("open");
	json_object_set_new(o, "local", json_string(c->local));
	json_object_set_new(o, "remote", json_string(c->remote));
	json_object_set_new(o, "status", json_integer(101));
	json_object_set_new(o, "headers", headers);
	emit(o);
	return 1;
}

/* ------------------------------------------------------------- script */

/* Is `j' the connect.challenge event?  Then remember nonce and ts. */
static int
take_challenge(struct conn *c, json_t *j)
{
	json_t *pl;
	const char *n;

	if (!json_is_object(j) || c->have_challenge ||
	    strcmp(jstr(j, "type") ? jstr(j, "type") : "", "event") != 0 ||
	    strcmp(jstr(j, "event") ? jstr(j, "event") : "",
	    "connect.challenge") != 0)
		return 0;
	pl = json_object_get(j, "payload");
	n = jstr(pl, "nonce");
	snprintf(c->nonce, sizeof(c->nonce), "%s", n ? n : "");
	c->challenge_ts = json_is_integer(json_object_get(pl, "ts")) ?
	    json_integer_value(json_object_get(pl, "ts")) : wall_ms();
	c->have_challenge = 1;
	return 1;
}

/* Wait for connect.challenge.  0 when seen, -1 if the socket ended. */
static int
await_challenge(struct conn *c)
{
	struct wsmsg m;
	enum ev e;
	int got;

	for (;;) {
		e = wait_event(c, global_deadline, &m);
		if (e == EV_CLOSE || e == EV_EOF)
			return -1;
		got = e == EV_MSG && take_challenge(c, m.json);
		json_decref(m.json);
		if (got)
			return 0;
	}
}

/* The text of a STEP_SIZE frame: pad_base padded with spaces to n bytes. */
static unsigned char *
padded(size_t n)
{
	const char *base = opt.pad_base ? opt.pad_base : "{}";
	size_t bl = strlen(base);
	unsigned char *p;

	/* checked at option time: n >= bl, base ends in '}' */
	p = xmalloc(n);
	memcpy(p, base, bl - 1);
	memset(p + bl - 1, ' ', n - bl);
	p[n - 1] = '}';
	return p;
}

static int
send_step_frame(struct conn *c, struct step *s)
{
	unsigned char *p;
	int rc;

	switch (s->kind) {
	case STEP_SIZE:
		p = padded(s->len);
		rc = send_logged(c, WS_OP_TEXT, p, s->len);
		free(p);
		return rc;
	case STEP_BINARY:
		return send_logged(c, WS_OP_BINARY, s->data, s->len);
	default:
		return send_logged(c, WS_OP_TEXT, s->data, s->len);
	}
}

/* Build, sign if asked, and send the connect request. */
static int
send_connect(struct conn *c)
{
	struct signed_device sd;
	json_t *params, *frame, *dev, *o;
	long long at;
	const char *nonce;
	int rc;

	params = json_deep_copy(opt.connect);
	dev = json_object_get(params, "device");
	if (opt.have_seed || (json_is_string(dev) &&
	    strcmp(json_string_value(dev), "SIGN") == 0)) {
		at = opt.have_signed_at ? opt.signed_at :
		    c->have_challenge ? c->challenge_ts : wall_ms();
		nonce = opt.nonce ? opt.nonce : c->nonce;
		sign_device(params, dev_seed, opt.v2, opt.device_id, at, nonce,
		    opt.corrupt_sig, &sd);
		o = event("signed");
		json_object_set_new(o, "version", json_string(opt.v2 ? "v2" :
		    "v3"));
		json_object_set_new(o, "payload", json_string(sd.payload));
		emit(o);
		json_object_set_new(params, "device", sd.device);
		free(sd.payload);
	}
	frame = json_pack("{s:s, s:s, s:s, s:o}", "type", "req", "id",
	    CONNECT_ID, "method", "connect", "params", params);
	rc = send_json(c, frame);
	json_decref(frame);
	return rc;
}

static int
is_res(json_t *j, const char *id)
{
	const char *t = jstr(j, "type"), *i = jstr(j, "id");

	return t != NULL && strcmp(t, "res") == 0 &&
	    (id == NULL || (i != NULL && strcmp(i, id) == 0));
}

static int
is_hello_ok(json_t *j, const char *id)
{
	json_t *pl = json_object_get(j, "payload");
	const char *pt = jstr(pl, "type");

	if (!is_res(j, id) || !json_is_true(json_object_get(j, "ok")))
		return 0;
	/* with our own connect the id is enough; raw frames need the type */
	return id != NULL || (pt != NULL && strcmp(pt, "hello-ok") == 0);
}

/*
 * Read until a res (with `id', or any if NULL) arrives.  Returns 1 and
 * stores ok in *okp, 0 if the socket ended or `deadline' passed first.
 */
static int
await_res(struct conn *c, const char *id, int64_t deadline, int *okp,
    int hello)
{
	struct wsmsg m;
	enum ev e;
	int got;

	for (;;) {
		e = wait_event(c, deadline, &m);
		if (e != EV_MSG && e != EV_PONG)
			return 0;
		got = e == EV_MSG && is_res(m.json, id);
		if (got)
			*okp = hello ? is_hello_ok(m.json, id) :
			    json_is_true(json_object_get(m.json, "ok"));
		json_decref(m.json);
		if (got)
			return 1;
	}
}

/* Keep reading until close/EOF, or until `deadline' (then return 0). */
static int
drain_until(struct conn *c, int64_t deadline)
{
	struct wsmsg m;
	enum ev e;

	for (;;) {
		e = wait_event(c, deadline, &m);
		json_decref(m.json);
		if (e == EV_CLOSE || e == EV_EOF)
			return 1;
		if (e == EV_DEADLINE)
			return 0;
	}
}

/* Close from our side and print the server's reply. */
static void
client_close(struct conn *c)
{
	int64_t dl = min64(now_ms() + CLOSE_WAIT_MS, global_deadline);
	struct wsmsg m;
	enum ev e;

	if (c->done)
		return;
	send_close(c, 1000, 1);
	do {
		e = next_event(c, dl, &m);
		json_decref(m.json);
	} while (e == EV_MSG || e == EV_PONG);
	if (e == EV_DEADLINE) {
		emit(event("close-unanswered"));
		c->done = 1;
	}
}

static int64_t
hold_deadline(void)
{
	return opt.hold_ms >= 0 ? now_ms() + opt.hold_ms : global_deadline;
}

/* After hello-ok: --ping, the --then steps, --hold, then close. */
static void
after_hello(struct conn *c)
{
	char id[16];
	json_t *frame;
	int i, ok;

	if (opt.ping) {
		struct wsmsg m;
		enum ev e;

		(void)send_frame(c, WS_OP_PING, (const unsigned char *)"wsclient",
		    8);
		emit(event("sent-ping"));
		do {
			e = wait_event(c, global_deadline, &m);
			json_decref(m.json);
		} while (e == EV_MSG);
		if (e != EV_PONG)
			return;
	}
	for (i = 0; i < opt.nthen; i++) {
		struct step *s = &opt.then[i];

		snprintf(id, sizeof(id), "r%d", i + 1);
		if (s->kind == STEP_METHOD) {
			frame = json_pack("{s:s, s:s, s:s}", "type", "req",
			    "id", id, "method", s->method);
			if (s->params != NULL)
				json_object_set(frame, "params", s->params);
			if (send_json(c, frame) == -1) {
				json_decref(frame);
				drain_until(c, global_deadline);
				return;
			}
			json_decref(frame);
			if (!await_res(c, id, global_deadline, &ok, 0))
				return;
		} else {
			if (send_step_frame(c, s) == -1) {
				drain_until(c, global_deadline);
				return;
			}
			if (!await_res(c, NULL, global_deadline, &ok, 0))
				return;
		}
	}
	if (opt.hold_ms > 0 && drain_until(c, now_ms() + opt.hold_ms))
		return;
	client_close(c);
}

/*
 * One connection running the whole script.  Where an answer is expected
 * (the res to our connect, the close after a refusal) we wait up to the
 * global deadline; --hold only bounds the waits where nothing is: an
 * idle socket, the answer to raw frames, the time after the script.
 */
static void
run_conn(int idx)
{
	struct conn c;
	int64_t dl;
	int i, ok = 0;

	if (!conn_open(&c, idx))
		goto out;
	if (!opt.no_challenge_wait && await_challenge(&c) == -1)
		goto out;
	if (opt.nfirst > 0) {
		for (i = 0; i < opt.nfirst; i++)
			if (send_step_frame(&c, &opt.first[i]) == -1)
				break;
		/* a raw connect may still earn a hello-ok */
		dl = hold_deadline();
		do {
			if (!await_res(&c, NULL, dl, &ok, 1)) {
				client_close(&c);	/* no-op once closed */
				goto out;
			}
		} while (!ok);
	} else if (opt.connect != NULL && send_connect(&c) == 0) {
		if (!await_res(&c, CONNECT_ID, global_deadline, &ok, 1))
			goto out;
		if (!ok) {
			/* refused: the server closes now */
			drain_until(&c, global_deadline);
			goto out;
		}
	} else {
		/* nothing (more) to say: read until the server is done */
		if (!drain_until(&c, hold_deadline()))
			client_close(&c);
		goto out;
	}
	after_hello(&c);
out:
	conn_free(&c);
}

/* --hold-open N: N idle upgraded sockets held for --hold ms. */
static void
run_hold_open(void)
{
	struct conn *cs = calloc((size_t)opt.hold_open, sizeof(*cs));
	struct pollfd *pfd = calloc((size_t)opt.hold_open, sizeof(*pfd));
	int64_t dl;
	struct wsmsg m;
	int i, n, live;

	if (cs == NULL || pfd == NULL) {
		perror("wsclient: calloc");
		exit(EXIT_PROTO);
	}
	for (i = 0; i < opt.hold_open; i++)
		if (!conn_open(&cs[i], i + 1))
			conn_free(&cs[i]);
	dl = min64(now_ms() + (opt.hold_ms >= 0 ? opt.hold_ms :
	    DEFAULT_HOLD_OPEN_MS), global_deadline);
	for (;;) {
		for (i = live = 0; i < opt.hold_open; i++) {
			pfd[i].fd = cs[i].done ? -1 : cs[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			live += pfd[i].fd != -1;
		}
		if (live == 0 || now_ms() >= dl)
			break;
		n = poll(pfd, (nfds_t)opt.hold_open, poll_ms(dl));
		if (n == -1 && errno != EINTR)
			break;
		for (i = 0; n > 0 && i < opt.hold_open; i++) {
			if (pfd[i].revents == 0)
				continue;
			current_conn = i + 1;
			/* read what is there now, print it, never block */
			(void)next_event(&cs[i], now_ms(), &m);
			json_decref(m.json);
		}
	}
	for (i = 0; i < opt.hold_open; i++) {
		current_conn = i + 1;
		if (cs[i].fd != -1 && !cs[i].done)
			send_close(&cs[i], 1000, 0);
		conn_free(&cs[i]);
	}
	free(cs);
	free(pfd);
}

/* ------------------------------------------------------------ options */

static void
usage(FILE *f, int code)
{
	fprintf(f,
"usage: wsclient [options] ws://HOST:PORT[/path]\n"
"       wsclient --selftest-sign\n"
"\n"
"Drives one (or more) WebSocket connections and prints every event as one\n"
"JSON object per line: open, http (non-101 answer), recv, sent, signed,\n"
"ping, pong, close, sent-close, close-unanswered, no-fin (TCP still open\n"
"2 s after the close handshake), eof, send-failed, timeout, error.\n"
"Every line carries \"conn\" (1-based connection number) and \"t_ms\".\n"
"\n"
"Connection:\n"
"  --bind ADDR            local source address (e.g. 127.0.0.2)\n"
"  -H, --header 'N: v'    extra upgrade header (repeatable); a Host header\n"
"                         replaces the default one\n"
"  --timeout MS           overall deadline (default %d): prints timeout,\n"
"                         exits 3\n"
"\n"
"First frames (after connect.challenge unless --no-challenge-wait):\n"
"  --connect JSON         send {type:req,id:\"" CONNECT_ID "\",method:connect,params:JSON}\n"
"  --raw TEXT             send TEXT as a text frame instead (repeatable)\n"
"  --raw-binary TEXT      send TEXT as a binary frame (repeatable)\n"
"  --raw-hex HEX          send the bytes HEX as a binary frame (repeatable)\n"
"  --raw-size N           send a text frame of exactly N bytes: the object\n"
"                         of --pad-base (default {}) padded with spaces\n"
"  --pad-base JSON        the object --raw-size pads\n"
"  --no-challenge-wait    do not wait for connect.challenge first\n"
"\n"
"Device identity (when params.device is \"SIGN\" or --device-seed is given):\n"
"  --device-seed HEX64    Ed25519 seed (default: random per run)\n"
"  --v2                   sign the v2 payload instead of v3\n"
"  --signed-at N          sign and send this signedAt (default challenge ts)\n"
"  --nonce S              sign and send this nonce (default challenge nonce)\n"
"  --device-id S          send (and sign) this id instead of sha256(key)\n"
"  --corrupt-signature    flip one bit of the signature\n"
"\n"
"After hello-ok (a res with ok:true to our connect):\n"
"  --ping                 send a WS ping and wait for the pong\n"
"  --then 'METHOD[ JSON]' send {type:req,id:rN,method,params?} and wait for\n"
"                         res rN (repeatable, in order)\n"
"  --then-raw TEXT        send TEXT, wait for the next res (repeatable)\n"
"  --hold MS              then keep reading MS ms before closing (also caps\n"
"                         the wait when no answer or close is expected)\n"
"\n"
"Several connections:\n"
"  --count N              run the script on N connections, one after another\n"
"  --hold-open N          open N upgraded sockets, send nothing, hold them\n"
"                         --hold MS (default %d), then close\n"
"\n"
"  --selftest-sign        print the protocol.md 6.4 vectors as we compute them\n"
"  -h, --help             this text\n"
"\n"
"Exit: 0 script ran, 1 server broke RFC 6455, 2 usage, 3 timeout,\n"
"4 connect failure.\n", DEFAULT_TIMEOUT, DEFAULT_HOLD_OPEN_MS);
	exit(code);
}

static void
parse_url(const char *url)
{
	const char *p, *e, *hp;
	size_t n;

	if (strncmp(url, "ws://", 5) != 0)
		die_usage("only ws:// URLs are supported: '%s'", url);
	p = url + 5;
	if (*p == '[') {
		if ((e = strchr(p, ']')) == NULL)
			die_usage("bad IPv6 literal in '%s'", url);
		n = (size_t)(e - p - 1);
		hp = p + 1;
		p = e + 1;
	} else {
		hp = p;
		n = strcspn(p, ":/");
		p += n;
	}
	if (n == 0 || n >= sizeof(opt.host))
		die_usage("bad host in '%s'", url);
	memcpy(opt.host, hp, n);
	opt.host[n] = '\0';
	strcpy(opt.port, "80");
	if (*p == ':') {
		n = strcspn(++p, "/");
		if (n == 0 || n >= sizeof(opt.port))
			die_usage("bad port in '%s'", url);
		memcpy(opt.port, p, n);
		opt.port[n] = '\0';
		(void)parse_num("port", opt.port, 1, 65535);
		p += n;
	}
	if (*p == '\0')
		p = "/";
	if (*p != '/' || strlen(p) >= sizeof(opt.path) ||
	    strpbrk(p, " \r\n") != NULL)
		die_usage("bad path in '%s'", url);
	strcpy(opt.path, p);
}

static struct step *
add_step(struct step *arr, int *n, const char *what)
{
	if (*n >= MAX_STEPS)
		die_usage("too many %s options (max %d)", what, MAX_STEPS);
	memset(&arr[*n], 0, sizeof(arr[*n]));
	return &arr[(*n)++];
}

static void
step_text(struct step *s, enum step_kind k, const char *text)
{
	s->kind = k;
	s->len = strlen(text);
	s->data = xmalloc(s->len);
	memcpy(s->data, text, s->len);
}

static json_t *
parse_json_arg(const char *name, const char *s, int want_object)
{
	json_error_t err;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &err);

	if (j == NULL)
		die_usage("%s: invalid JSON: %s", name, err.text);
	if (want_object && !json_is_object(j))
		die_usage("%s: expected a JSON object", name);
	return j;
}

static void
add_then_method(const char *arg)
{
	struct step *s = add_step(opt.then, &opt.nthen, "--then");
	const char *sp = strchr(arg, ' ');
	size_t n = sp ? (size_t)(sp - arg) : strlen(arg);

	if (n == 0)
		die_usage("--then: empty method");
	s->kind = STEP_METHOD;
	s->method = strndup(arg, n);
	if (sp != NULL && sp[strspn(sp, " ")] != '\0')
		s->params = parse_json_arg("--then", sp + 1, 0);
}

static void
add_header(const char *h)
{
	const char *colon = strchr(h, ':');

	if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL)
		die_usage("-H: expected 'Name: value', got '%s'", h);
	if (opt.nheaders >= MAX_HEADERS)
		die_usage("too many -H options (max %d)", MAX_HEADERS);
	if ((size_t)(colon - h) == 4 && strncasecmp(h, "host", 4) == 0)
		opt.have_host_header = 1;
	opt.headers[opt.nheaders++] = h;
}

enum {
	O_BIND = 256, O_NOCHAL, O_CONNECT, O_SEED, O_V2, O_SIGNEDAT, O_NONCE,
	O_DEVID, O_CORRUPT, O_RAW, O_RAWBIN, O_RAWHEX, O_RAWSIZE, O_PADBASE,
	O_THEN, O_THENRAW, O_HOLD, O_TIMEOUT, O_PING, O_COUNT, O_HOLDOPEN,
	O_SELFTEST
};

static const struct option longopts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "header",		required_argument,	NULL, 'H' },
	{ "bind",		required_argument,	NULL, O_BIND },
	{ "no-challenge-wait",	no_argument,		NULL, O_NOCHAL },
	{ "connect",		required_argument,	NULL, O_CONNECT },
	{ "device-seed",	required_argument,	NULL, O_SEED },
	{ "v2",			no_argument,		NULL, O_V2 },
	{ "signed-at",		required_argument,	NULL, O_SIGNEDAT },
	{ "nonce",		required_argument,	NULL, O_NONCE },
	{ "device-id",		required_argument,	NULL, O_DEVID },
	{ "corrupt-signature",	no_argument,		NULL, O_CORRUPT },
	{ "raw",		required_argument,	NULL, O_RAW },
	{ "raw-binary",		required_argument,	NULL, O_RAWBIN },
	{ "raw-hex",		required_argument,	NULL, O_RAWHEX },
	{ "raw-size",		required_argument,	NULL, O_RAWSIZE },
	{ "pad-base",		required_argument,	NULL, O_PADBASE },
	{ "then",		required_argument,	NULL, O_THEN },
	{ "then-raw",		required_argument,	NULL, O_THENRAW },
	{ "hold",		required_argument,	NULL, O_HOLD },
	{ "timeout",		required_argument,	NULL, O_TIMEOUT },
	{ "ping",		no_argument,		NULL, O_PING },
	{ "count",		required_argument,	NULL, O_COUNT },
	{ "hold-open",		required_argument,	NULL, O_HOLDOPEN },
	{ "selftest-sign",	no_argument,		NULL, O_SELFTEST },
	{ NULL,			0,			NULL, 0 }
};

static void
check_options(int selftest, int argc, char **argv)
{
	const char *pb = opt.pad_base ? opt.pad_base : "{}";
	int i;

	if (selftest) {
		if (argc != 0)
			die_usage("--selftest-sign takes no URL");
		return;
	}
	if (argc != 1)
		die_usage(argc ? "exactly one URL expected" : "missing URL");
	parse_url(argv[0]);
	if (opt.connect != NULL && opt.nfirst > 0)
		die_usage("--connect and --raw* are alternatives");
	if (opt.hold_open > 0 && (opt.connect != NULL || opt.nfirst > 0 ||
	    opt.nthen > 0 || opt.count > 1 || opt.ping))
		die_usage("--hold-open sends nothing: no --connect, --raw*, "
		    "--then*, --ping or --count with it");
	if ((opt.nthen > 0 || opt.ping) && opt.connect == NULL &&
	    opt.nfirst == 0)
		die_usage("--then/--ping need a --connect (or a raw connect)");
	for (i = 0; i < opt.nfirst; i++)
		if (opt.first[i].kind == STEP_SIZE) {
			json_t *j = parse_json_arg("--pad-base", pb, 1);

			json_decref(j);
			if (pb[strlen(pb) - 1] != '}')
				die_usage("--pad-base must end with '}'");
			if (opt.first[i].len < strlen(pb))
				die_usage("--raw-size %zu is smaller than the "
				    "base object (%zu bytes)", opt.first[i].len,
				    strlen(pb));
		}
}

static void
parse_options(int argc, char **argv)
{
	struct step *s;
	int ch, selftest = 0;

	opt.hold_ms = -1;
	opt.timeout_ms = DEFAULT_TIMEOUT;
	opt.count = 1;
	while ((ch = getopt_long(argc, argv, "hH:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
		case 'H':
			add_header(optarg);
			break;
		case O_BIND:
			opt.bind_addr = optarg;
			break;
		case O_NOCHAL:
			opt.no_challenge_wait = 1;
			break;
		case O_CONNECT:
			json_decref(opt.connect);
			opt.connect = parse_json_arg("--connect", optarg, 1);
			break;
		case O_SEED: {
			unsigned char *b;
			size_t n;

			if (unhex(optarg, &b, &n) == -1 || n != sizeof(opt.seed))
				die_usage("--device-seed: expected 64 hex digits");
			memcpy(opt.seed, b, n);
			free(b);
			opt.have_seed = 1;
			break;
		}
		case O_V2:
			opt.v2 = 1;
			break;
		case O_SIGNEDAT:
			opt.signed_at = parse_num("--signed-at", optarg, 0,
			    LLONG_MAX);
			opt.have_signed_at = 1;
			break;
		case O_NONCE:
			opt.nonce = optarg;
			break;
		case O_DEVID:
			opt.device_id = optarg;
			break;
		case O_CORRUPT:
			opt.corrupt_sig = 1;
			break;
		case O_RAW:
			s = add_step(opt.first, &opt.nfirst, "--raw");
			step_text(s, STEP_TEXT, optarg);
			break;
		case O_RAWBIN:
			s = add_step(opt.first, &opt.nfirst, "--raw-binary");
			step_text(s, STEP_BINARY, optarg);
			break;
		case O_RAWHEX:
			s = add_step(opt.first, &opt.nfirst, "--raw-hex");
			s->kind = STEP_BINARY;
			if (unhex(optarg, &s->data, &s->len) == -1)
				die_usage("--raw-hex: bad hex '%s'", optarg);
			break;
		case O_RAWSIZE:
			s = add_step(opt.first, &opt.nfirst, "--raw-size");
			s->kind = STEP_SIZE;
			s->len = (size_t)parse_num("--raw-size", optarg, 2,
			    MAX_MESSAGE);
			break;
		case O_PADBASE:
			opt.pad_base = optarg;
			break;
		case O_THEN:
			add_then_method(optarg);
			break;
		case O_THENRAW:
			s = add_step(opt.then, &opt.nthen, "--then-raw");
			step_text(s, STEP_THEN_RAW, optarg);
			break;
		case O_HOLD:
			opt.hold_ms = parse_num("--hold", optarg, 0, 86400000);
			break;
		case O_TIMEOUT:
			opt.timeout_ms = parse_num("--timeout", optarg, 1,
			    86400000);
			break;
		case O_PING:
			opt.ping = 1;
			break;
		case O_COUNT:
			opt.count = (int)parse_num("--count", optarg, 1, 100000);
			break;
		case O_HOLDOPEN:
			opt.hold_open = (int)parse_num("--hold-open", optarg, 1,
			    MAX_HOLD_OPEN);
			break;
		case O_SELFTEST:
			selftest = 1;
			break;
		default:
			usage(stderr, EXIT_USAGE);
		}
	}
	check_options(selftest, argc - optind, argv + optind);
	if (selftest)
		exit(selftest_sign());
}

static void
free_steps(struct step *arr, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(arr[i].data);
		free(arr[i].method);
		json_decref(arr[i].params);
	}
}

int
main(int argc, char **argv)
{
	int i;

	t0_ms = now_ms();
	if (sodium_init() < 0) {
		fprintf(stderr, "wsclient: sodium_init failed\n");
		return EXIT_PROTO;
	}
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv);
	global_deadline = t0_ms + opt.timeout_ms;
	if (opt.have_seed)
		memcpy(dev_seed, opt.seed, sizeof(dev_seed));
	else
		randombytes_buf(dev_seed, sizeof(dev_seed));

	if (opt.hold_open > 0)
		run_hold_open();
	else
		for (i = 1; i <= opt.count; i++)
			run_conn(i);

	sodium_memzero(dev_seed, sizeof(dev_seed));
	json_decref(opt.connect);
	free_steps(opt.first, opt.nfirst);
	free_steps(opt.then, opt.nthen);
	return 0;
}
