/*
 * check_wsc.c: the CLI's WebSocket client (src/cli/wsc.c) against a
 * scripted server in a child process on 127.0.0.1 (the codec itself is
 * check_wsframe.c's): URL parsing and refusals, the upgrade (bad
 * accept, HTTP rejection), server frames of every length form,
 * fragments with a ping between them, ping->pong, the close handshake,
 * EOF, timeouts, and the RFC 6455 violations a client must refuse
 * (masked, reserved bits, oversized, fragmented control frames).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "wsc.h"
#include "wsframe.h"

#define BIG	70000		/* a 64-bit length form */

static int	lfd = -1;
static int	port;
static pid_t	child = -1;

static void
listen_any(void)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	int			one = 1;

	ck_assert_int_ge(lfd = socket(AF_INET, SOCK_STREAM, 0), 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
}

/* ---- the scripted server (child side; exit status = verdict) ------------- */

static void
wr(int fd, const void *p, size_t n)
{
	const unsigned char	*b = p;
	ssize_t			 r;

	while (n > 0) {
		if ((r = write(fd, b, n)) <= 0)
			_exit(90);
		b += r, n -= (size_t)r;
	}
}

static void
rd(int fd, void *p, size_t n)
{
	unsigned char	*b = p;
	ssize_t		 r;

	while (n > 0) {
		if ((r = read(fd, b, n)) <= 0)
			_exit(91);
		b += r, n -= (size_t)r;
	}
}

/* The client's upgrade request; its accept key into `acc'. */
static void
read_request(int fd, char acc[64], char *peer, size_t plen)
{
	char		 req[4096], *k, *e;
	size_t		 n = 0;
	struct sockaddr_in sin;
	socklen_t	 sl = sizeof(sin);

	while (n < sizeof(req) - 1) {
		rd(fd, req + n, 1);
		req[++n] = '\0';
		if (n >= 4 && strcmp(req + n - 4, "\r\n\r\n") == 0)
			break;
	}
	if (strncmp(req, "GET /p?q=1 HTTP/1.1\r\n", 21) != 0 ||
	    strstr(req, "\r\nUpgrade: websocket\r\n") == NULL ||
	    strstr(req, "\r\nSec-WebSocket-Version: 13\r\n") == NULL ||
	    (k = strstr(req, "Sec-WebSocket-Key: ")) == NULL)
		_exit(92);
	k += 19;
	if ((e = strstr(k, "\r\n")) == NULL || e - k != 24)
		_exit(93);
	ws_accept(k, 24, acc);
	if (peer != NULL && getpeername(fd, (struct sockaddr *)&sin, &sl) == 0)
		inet_ntop(AF_INET, &sin.sin_addr, peer, (socklen_t)plen);
}

static void
accept_101(int fd, const char *acc, const unsigned char *extra, size_t n)
{
	unsigned char	*b;
	char		 r[512];
	int		 len;

	len = snprintf(r, sizeof(r), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	/* One write: frames right behind the head must not be lost. */
	if ((b = malloc((size_t)len + n)) == NULL)
		_exit(97);
	memcpy(b, r, (size_t)len);
	if (n > 0)
		memcpy(b + len, extra, n);
	wr(fd, b, (size_t)len + n);
	free(b);
}

/* A server frame (unmasked unless `mask'), bytes into `out'; its size. */
static size_t
frame(unsigned char *out, int b0, const void *p, size_t n, int mask)
{
	size_t	h = 2, i;

	out[0] = (unsigned char)b0;
	if (n < 126)
		out[1] = (unsigned char)n;
	else if (n <= 0xffff) {
		out[1] = 126, out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n, h = 4;
	} else {
		out[1] = 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)n >>
			    (56 - 8 * i));
		h = 10;
	}
	if (mask) {
		out[1] |= 0x80;
		memset(out + h, 0, 4);
		h += 4;
	}
	memcpy(out + h, p, n);
	return h + n;
}

static void
send_frame(int fd, int b0, const void *p, size_t n)
{
	unsigned char	*b = malloc(n + 14);

	wr(fd, b, frame(b, b0, p, n, 0));
	free(b);
}

/* A client frame: must be masked; unmasked payload malloc'd. */
static unsigned char *
client_frame(int fd, int *b0, size_t *n)
{
	unsigned char	h[14], m[4], *p;
	uint64_t	len;
	size_t		i;

	rd(fd, h, 2);
	*b0 = h[0];
	if (!(h[1] & 0x80))
		_exit(94);
	len = h[1] & 0x7f;
	if (len == 126) {
		rd(fd, h + 2, 2);
		len = (uint64_t)h[2] << 8 | h[3];
	} else if (len == 127) {
		rd(fd, h + 2, 8);
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
	}
	rd(fd, m, 4);
	p = malloc(len + 1);
	rd(fd, p, len);
	for (i = 0; i < len; i++)
		p[i] ^= m[i & 3];
	p[len] = '\0';
	*n = len;
	return p;
}

static void
expect_close(int fd, int code)
{
	unsigned char	*p;
	size_t		 n;
	int		 b0;

	p = client_frame(fd, &b0, &n);
	if (b0 != 0x88 || n < 2 || (p[0] << 8 | p[1]) != code)
		_exit(95);
	free(p);
}

typedef void	server_fn(int fd, const char *acc);

static void
serve(server_fn *fn)
{
	int	fd;
	char	acc[64];

	listen_any();
	ck_assert_int_ge(child = fork(), 0);
	if (child == 0) {
		alarm(10);
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(96);
		read_request(fd, acc, NULL, 0);
		fn(fd, acc);
		_exit(0);
	}
	close(lfd);
}

static int
server_status(void)
{
	int	st;

	ck_assert_int_eq(waitpid(child, &st, 0), child);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct wsc *
open_ok(void)
{
	struct wsc_url	 u;
	struct wsc	*w;
	char		 url[64], err[512];

	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/p?q=1", port);
	ck_assert_int_eq(wsc_parse_url(url, &u, err, sizeof(err)), 0);
	w = wsc_open(&u, NULL, 3000, err, sizeof(err));
	ck_assert_msg(w != NULL, "wsc_open: %s", err);
	return w;
}

static char *
open_fail(void)
{
	static char	 err[512];
	struct wsc_url	 u;
	char		 url[64];

	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/p?q=1", port);
	ck_assert_int_eq(wsc_parse_url(url, &u, err, sizeof(err)), 0);
	ck_assert_ptr_null(wsc_open(&u, NULL, 3000, err, sizeof(err)));
	return err;
}

/* ---- SHA-1 and URLs ------------------------------------------------------ */

START_TEST(test_url)
{
	static const char *const bad[] = {
		"http://127.0.0.1:18789", "ftp://x", "ws://", "ws://:80",
		"ws://h:0", "ws://h:65536", "ws://h:8a", "ws://h:", "ws://[::1",
		"ws://[::1]x", "ws://user:pw@h", "ws://h/?token=x",
		"ws://h/?auth=1&password=2", "ws://h/a b", "ws://h/#x",
		"ws://h\x01/", "ws://h/\xc3\xa9", "ws://h!/",
	};
	struct wsc_url	u;
	char		err[512];
	size_t		i;

	ck_assert_int_eq(wsc_parse_url("ws://127.0.0.1:18789", &u, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_str_eq(u.port, "18789");
	ck_assert_str_eq(u.path, "/");
	ck_assert_str_eq(u.canon, "ws://127.0.0.1:18789/");
	ck_assert_int_eq(wsc_parse_url("WS://GateWay.Example:80/x/y?z=1", &u,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(u.canon, "ws://gateway.example:80/x/y?z=1");
	ck_assert_int_eq(wsc_parse_url("ws://gw", &u, err, sizeof(err)), 0);
	ck_assert_str_eq(u.canon, "ws://gw:80/");
	ck_assert_int_eq(wsc_parse_url("ws://[::1]:9/", &u, err, sizeof(err)),
	    0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_str_eq(u.canon, "ws://[::1]:9/");
	ck_assert_int_eq(wsc_parse_url("wss://gw:443", &u, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "SSH tunnel"));
	ck_assert_ptr_nonnull(strstr(err, "TLS proxy"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(wsc_parse_url(bad[i], &u, err, sizeof(err)) == -1,
		    "accepted %s", bad[i]);
}
END_TEST

START_TEST(test_far_address)
{
	struct wsc_url	u;
	char		err[512];

	/* TEST-NET: refused before any packet is sent. */
	ck_assert_int_eq(wsc_parse_url("ws://192.0.2.7:18789", &u, err,
	    sizeof(err)), 0);
	ck_assert_ptr_null(wsc_open(&u, NULL, 1000, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "refusing plain ws://"));
}
END_TEST

/* ---- the upgrade --------------------------------------------------------- */

static void
srv_bad_accept(int fd, const char *acc)
{
	accept_101(fd, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL, 0);
	sleep(1);
}

START_TEST(test_bad_accept)
{
	serve(srv_bad_accept);
	ck_assert_ptr_nonnull(strstr(open_fail(), "Sec-WebSocket-Accept is "
	    "wrong"));
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

static void
srv_403(int fd, const char *acc)
{
	static const char r[] = "HTTP/1.1 403 Forbidden\r\nContent-Type: "
	    "application/json\r\nContent-Length: 24\r\n\r\n"
	    "{\"error\":\"not\x1b[2J here\"}";

	wr(fd, r, sizeof(r) - 1);
	sleep(1);
}

START_TEST(test_http_rejected)
{
	char	*e;

	serve(srv_403);
	e = open_fail();
	ck_assert_ptr_nonnull(strstr(e, "HTTP 403"));
	ck_assert_ptr_nonnull(strstr(e, "{\"error\":\"not?[2J here\"}"));
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

static void
srv_extension(int fd, const char *acc)
{
	char	r[512];

	snprintf(r, sizeof(r), "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n"
	    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
	    "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", acc);
	wr(fd, r, strlen(r));
	sleep(1);
}

START_TEST(test_unoffered_extension)
{
	serve(srv_extension);
	ck_assert_ptr_nonnull(strstr(open_fail(), "not offered"));
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

START_TEST(test_refused)
{
	struct wsc_url	u;
	char		url[64], err[512];

	listen_any();
	close(lfd);	/* nothing listens there now */
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d", port);
	ck_assert_int_eq(wsc_parse_url(url, &u, err, sizeof(err)), 0);
	ck_assert_ptr_null(wsc_open(&u, NULL, 1000, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot connect"));
	ck_assert_int_eq(wsc_parse_url(url, &u, err, sizeof(err)), 0);
	ck_assert_ptr_null(wsc_open(&u, "not-an-address", 1000, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "--bind"));
}
END_TEST

/* ---- frames -------------------------------------------------------------- */

/*
 * A text frame right behind the 101; the client's 70000-byte message;
 * a ping; a message in three fragments with a ping between them; 300
 * and 70000 bytes; a close.  The client must pong both pings with their
 * payloads and echo the close.
 */
static void
srv_script(int fd, const char *acc)
{
	unsigned char	 hello[16], *p, *big;
	size_t		 hn, n, i;
	int		 b0;

	hn = frame(hello, 0x81, "hello", 5, 0);
	accept_101(fd, acc, hello, hn);
	p = client_frame(fd, &b0, &n);
	if (b0 != 0x81 || n != BIG)
		_exit(80);
	for (i = 0; i < n; i++)
		if (p[i] != 'x')
			_exit(81);
	free(p);
	send_frame(fd, 0x89, "p1", 2);
	send_frame(fd, 0x01, "ab", 2);		/* text, not final */
	send_frame(fd, 0x89, "p2", 2);		/* control in between */
	send_frame(fd, 0x00, "cd", 2);
	send_frame(fd, 0x80, "ef", 2);		/* final continuation */
	big = malloc(BIG);
	memset(big, 'y', BIG);
	send_frame(fd, 0x81, big, 300);
	send_frame(fd, 0x82, big, BIG);	/* binary counts as text */
	free(big);
	for (i = 1; i <= 2; i++) {
		p = client_frame(fd, &b0, &n);
		if (b0 != 0x8a || n != 2 || p[0] != 'p' || p[1] != '0' + i)
			_exit(82);
		free(p);
	}
	send_frame(fd, 0x88, "\x03\xe8" "bye", 5);
	expect_close(fd, 1000);
}

START_TEST(test_frames)
{
	struct wsc	*w;
	char		*m, *big, err[256];
	size_t		 n, i;

	serve(srv_script);
	w = open_ok();
	big = malloc(BIG);
	memset(big, 'x', BIG);
	ck_assert_int_eq(wsc_send_text(w, big, BIG, 3000, err, sizeof(err)),
	    0);
	free(big);
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)), WSC_MSG);
	ck_assert_str_eq(m, "hello");
	free(m);
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)), WSC_MSG);
	ck_assert_str_eq(m, "abcdef");
	ck_assert_uint_eq(n, 6);
	free(m);
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)), WSC_MSG);
	ck_assert_uint_eq(n, 300);
	ck_assert_uint_eq(strlen(m), 300);
	free(m);
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)), WSC_MSG);
	ck_assert_uint_eq(n, BIG);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(m[i], 'y');
	free(m);
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)),
	    WSC_CLOSED);
	ck_assert_int_eq(wsc_close_code(w), 1000);
	ck_assert_str_eq(wsc_close_reason(w), "bye");
	ck_assert_ptr_nonnull(strstr(wsc_endpoints(w), "127.0.0.1:"));
	ck_assert_int_eq(wsc_send_text(w, "x", 1, 100, err, sizeof(err)), -1);
	wsc_close(w, 1000, NULL);
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

/* The client closes first: 1000, then waits for the echo. */
static void
srv_echo_close(int fd, const char *acc)
{
	accept_101(fd, acc, NULL, 0);
	expect_close(fd, 1000);
	send_frame(fd, 0x88, "\x03\xe8", 2);
}

START_TEST(test_client_close)
{
	serve(srv_echo_close);
	wsc_close(open_ok(), 1000, "done");
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

static void
srv_eof(int fd, const char *acc)
{
	accept_101(fd, acc, NULL, 0);
}

START_TEST(test_eof)
{
	struct wsc	*w;
	char		*m, err[256];
	size_t		 n;

	serve(srv_eof);
	w = open_ok();
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)),
	    WSC_CLOSED);
	ck_assert_int_eq(wsc_close_code(w), 1006);
	wsc_close(w, 1000, NULL);
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

static void
srv_silent(int fd, const char *acc)
{
	char	c;

	accept_101(fd, acc, NULL, 0);
	(void)read(fd, &c, 1);	/* until the client gives up */
}

START_TEST(test_timeout)
{
	struct wsc	*w;
	char		*m, err[256];
	size_t		 n;

	serve(srv_silent);
	w = open_ok();
	ck_assert_int_eq(wsc_recv(w, &m, &n, 200, err, sizeof(err)),
	    WSC_TIMEOUT);
	ck_assert_ptr_null(m);
	wsc_close(w, 1000, NULL);
	kill(child, SIGTERM);
	server_status();
}
END_TEST

/* ---- violations: the client answers with a close and gives up ------------ */

static int	violation;

static void
srv_violation(int fd, const char *acc)
{
	unsigned char	b[32];

	accept_101(fd, acc, NULL, 0);
	switch (violation) {
	case 0:		/* masked server frame */
		wr(fd, b, frame(b, 0x81, "hi", 2, 1));
		break;
	case 1:		/* reserved bit */
		wr(fd, b, frame(b, 0xc1, "hi", 2, 0));
		break;
	case 2:		/* fragmented ping */
		wr(fd, b, frame(b, 0x09, "hi", 2, 0));
		break;
	case 3:		/* continuation out of the blue */
		wr(fd, b, frame(b, 0x80, "hi", 2, 0));
		break;
	case 4:		/* unknown opcode */
		wr(fd, b, frame(b, 0x83, "hi", 2, 0));
		break;
	case 5:		/* announced length beyond the client's limit */
		memset(b, 0, 10);
		b[0] = 0x81;
		b[1] = 127;
		b[4] = 0x01;	/* 2^40 bytes */
		wr(fd, b, 10);
		expect_close(fd, 1009);
		return;
	case 6:		/* a 1-byte close */
		wr(fd, b, frame(b, 0x88, "x", 1, 0));
		break;
	}
	expect_close(fd, 1002);
}

START_TEST(test_violations)
{
	struct wsc	*w;
	char		*m, err[256];
	size_t		 n;

	violation = _i;
	serve(srv_violation);
	w = open_ok();
	ck_assert_int_eq(wsc_recv(w, &m, &n, 3000, err, sizeof(err)),
	    WSC_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "broke the WebSocket protocol"));
	ck_assert_int_eq(wsc_recv(w, &m, &n, 100, err, sizeof(err)),
	    WSC_CLOSED);
	wsc_close(w, 1000, NULL);
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

/* ---- --bind -------------------------------------------------------------- */

START_TEST(test_bind)
{
	struct wsc_url	 u;
	struct wsc	*w;
	char		 url[64], err[256], acc[64], peer[64] = "";
	int		 p[2], fd;

	listen_any();
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(child = fork(), 0);
	if (child == 0) {
		alarm(10);
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			_exit(96);
		read_request(fd, acc, peer, sizeof(peer));
		wr(p[1], peer, sizeof(peer));
		accept_101(fd, acc, NULL, 0);
		expect_close(fd, 1000);
		_exit(0);
	}
	close(lfd);
	snprintf(url, sizeof(url), "ws://127.0.0.1:%d/p?q=1", port);
	ck_assert_int_eq(wsc_parse_url(url, &u, err, sizeof(err)), 0);
	w = wsc_open(&u, "127.0.0.2", 3000, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert_int_eq(read(p[0], peer, sizeof(peer)), (ssize_t)sizeof(peer));
	ck_assert_str_eq(peer, "127.0.0.2");
	ck_assert_ptr_nonnull(strstr(wsc_endpoints(w), "127.0.0.2:"));
	wsc_close(w, 1000, NULL);
	ck_assert_int_eq(server_status(), 0);
}
END_TEST

static Suite *
wsc_suite(void)
{
	Suite	*s = suite_create("wsc");
	TCase	*tc = tcase_create("client");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_far_address);
	tcase_add_test(tc, test_bad_accept);
	tcase_add_test(tc, test_http_rejected);
	tcase_add_test(tc, test_unoffered_extension);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_frames);
	tcase_add_test(tc, test_client_close);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_timeout);
	tcase_add_loop_test(tc, test_violations, 0, 7);
	tcase_add_test(tc, test_bind);
	suite_add_tcase(s, tc);
	return s;
}

/* libsodium ready; a peer that goes away must not end the run. */
static int
wsc_init(void)
{
	if (sodium_init() < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

const struct check_program check_program = { wsc_suite, wsc_init };
