/*
 * check_ipc.c: the IPC codec and the auth-request TLV, against real
 * SEQPACKET socketpairs.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authproto.h"
#include "check_main.h"
#include "ipc.h"
#include "log.h"

static int	sv[2];

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

static void
teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

START_TEST(roundtrip_fixed)
{
	struct ipc_msg	m;
	uint32_t	gen = 7;

	ck_assert_int_eq(ipc_send(sv[0], IPC_X2M_READY, 42, &gen, 4, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(m.hdr.type, IPC_X2M_READY);
	ck_assert_uint_eq(m.hdr.id, 42);
	ck_assert_uint_eq(m.hdr.len, 4);
	ck_assert_int_eq(m.fd, -1);
	ck_assert_int_eq(ipc_check(IPC_CH_MASTER_FROM_WORKER, &m), 0);
	/* READY is not something a worker may receive from authd. */
	ck_assert_int_eq(ipc_check(IPC_CH_WORKER_FROM_AUTHD, &m), -1);
}
END_TEST

START_TEST(fd_passing)
{
	struct ipc_msg	m;
	uint32_t	slot = 3;
	int		p[2];
	char		c = 0;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_M2A_WORKER_CHANNEL, 0, &slot, 4,
	    p[1]), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(ipc_check(IPC_CH_AUTHD_FROM_MASTER, &m), 0);
	ck_assert_int_eq(write(m.fd, "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	ck_assert_int_ne(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, 0);
	close(m.fd);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(fd_required_and_forbidden)
{
	struct ipc_msg	m;
	uint32_t	slot = 0;
	int		p[2];

	/* WORKER_CHANNEL without its fd is refused by the permit table. */
	ck_assert_int_eq(ipc_send(sv[0], IPC_M2A_WORKER_CHANNEL, 0, &slot, 4,
	    -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(ipc_check(IPC_CH_AUTHD_FROM_MASTER, &m), -1);
	/* READY with an fd attached is refused too. */
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_X2M_READY, 0, &slot, 4, p[0]), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(ipc_check(IPC_CH_MASTER_FROM_WORKER, &m), -1);
	close(m.fd);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(exact_sizes)
{
	struct ipc_msg		m;
	struct auth_verdict	v;
	uint8_t			big[sizeof(v) + 1];

	memset(&v, 0, sizeof(v));
	memset(big, 0, sizeof(big));
	ck_assert_int_eq(ipc_send(sv[0], IPC_A2W_VERDICT, 1, &v, sizeof(v),
	    -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(ipc_check(IPC_CH_WORKER_FROM_AUTHD, &m), 0);
	ck_assert_int_eq(ipc_send(sv[0], IPC_A2W_VERDICT, 1, big, sizeof(big),
	    -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(ipc_check(IPC_CH_WORKER_FROM_AUTHD, &m), -1);
	ck_assert_int_eq(ipc_send(sv[0], IPC_A2W_VERDICT, 1, big, 3, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(ipc_check(IPC_CH_WORKER_FROM_AUTHD, &m), -1);
}
END_TEST

START_TEST(unknown_type)
{
	struct ipc_msg	m;
	uint32_t	x = 0;

	ck_assert_int_eq(ipc_send(sv[0], 999, 0, &x, 4, -1), 0);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 1);
	ck_assert_int_eq(ipc_check(IPC_CH_MASTER_FROM_AUTHD, &m), -1);
	ck_assert_str_eq(ipc_type_name(999), "unknown");
	ck_assert_str_eq(ipc_type_name(IPC_A2W_VERDICT), "A2W_VERDICT");
}
END_TEST

/*
 * The one message table (IPC_MESSAGES) permits exactly what the channels
 * accepted before it replaced the per-channel switch: every type on
 * every channel, with a payload and fd that fit the type.
 */
START_TEST(message_table_is_the_permit_table)
{
	static const uint16_t want[][5] = {
		[IPC_CH_MASTER_FROM_AUTHD] = { IPC_X2M_READY, IPC_X2M_LOG,
		    IPC_A2M_SECRETS_RESULT, IPC_A2M_RPC_RESULT, IPC_A2M_AUDIT },
		[IPC_CH_MASTER_FROM_WORKER] = { IPC_X2M_READY, IPC_X2M_LOG,
		    IPC_W2M_STATS },
		[IPC_CH_AUTHD_FROM_MASTER] = { IPC_M2A_SECRETS, IPC_M2A_POLICY,
		    IPC_M2A_WORKER_CHANNEL, IPC_M2A_RPC, IPC_M2A_AUDIT_FD },
		[IPC_CH_AUTHD_FROM_WORKER] = { IPC_W2A_AUTH_REQ, IPC_W2A_RPC,
		    IPC_W2A_SESSION_END },
		[IPC_CH_WORKER_FROM_MASTER] = { IPC_M2W_CONFIG,
		    IPC_M2W_AUTHD_CHANNEL, IPC_M2W_DRAIN, IPC_M2W_LISTENER },
		[IPC_CH_WORKER_FROM_AUTHD] = { IPC_A2W_VERDICT,
		    IPC_A2W_RPC_RESULT, IPC_A2W_EVENT },
	};
	static const uint16_t withfd[] = { IPC_M2A_WORKER_CHANNEL,
	    IPC_M2W_CONFIG, IPC_M2W_AUTHD_CHANNEL, IPC_M2W_LISTENER };
	static struct ipc_msg	m;
	unsigned		ch, t, i, permitted, n;

	for (ch = IPC_CH_MASTER_FROM_AUTHD; ch <= IPC_CH_WORKER_FROM_AUTHD;
	    ch++) {
		n = 0;
		for (t = 1; t < IPC_TYPE_MAX; t++) {
			if (strcmp(ipc_type_name((uint16_t)t), "unknown") == 0)
				continue;
			permitted = 0;
			for (i = 0; i < 5; i++)
				permitted |= want[ch][i] == t;
			memset(&m, 0, sizeof(m));
			m.hdr.type = (uint16_t)t;
			m.fd = -1;
			for (i = 0; i < sizeof(withfd) / sizeof(withfd[0]); i++)
				if (withfd[i] == t)
					m.fd = 0;	/* any fd number */
			/* The smallest size the type takes. */
			for (m.hdr.len = 0; m.hdr.len <= IPC_MAX_MSG &&
			    ipc_check((enum ipc_channel)ch, &m) != 0;
			    m.hdr.len++)
				;
			ck_assert_msg((m.hdr.len <= IPC_MAX_MSG) == permitted,
			    "channel %u, %s: permitted %u", ch,
			    ipc_type_name((uint16_t)t), permitted);
			n += permitted;
		}
		ck_assert_uint_gt(n, 0);
	}
}
END_TEST

START_TEST(malformed_header)
{
	struct ipc_msg	m;
	struct ipc_hdr	h;
	uint8_t		raw[sizeof(h) + 8];

	/* Too short for a header. */
	ck_assert_int_eq(send(sv[0], "abc", 3, 0), 3);
	ck_assert_int_eq(ipc_recv(sv[1], &m), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* Length field that lies. */
	memset(&h, 0, sizeof(h));
	h.type = IPC_X2M_READY;
	h.version = IPC_VERSION;
	h.len = 100;
	memcpy(raw, &h, sizeof(h));
	ck_assert_int_eq(send(sv[0], raw, sizeof(h) + 4, 0),
	    (ssize_t)(sizeof(h) + 4));
	ck_assert_int_eq(ipc_recv(sv[1], &m), -1);
	/* Wrong version. */
	h.len = 4;
	h.version = 9;
	memcpy(raw, &h, sizeof(h));
	ck_assert_int_eq(send(sv[0], raw, sizeof(h) + 4, 0),
	    (ssize_t)(sizeof(h) + 4));
	ck_assert_int_eq(ipc_recv(sv[1], &m), -1);
	/* Claims an fd it does not carry. */
	h.version = IPC_VERSION;
	h.flags = IPC_F_HASFD;
	memcpy(raw, &h, sizeof(h));
	ck_assert_int_eq(send(sv[0], raw, sizeof(h) + 4, 0),
	    (ssize_t)(sizeof(h) + 4));
	ck_assert_int_eq(ipc_recv(sv[1], &m), -1);
}
END_TEST

START_TEST(oversized_refused)
{
	static uint8_t	buf[IPC_MAX_MSG];

	ck_assert_int_eq(ipc_send(sv[0], IPC_W2A_AUTH_REQ, 0, buf,
	    sizeof(buf), -1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST(eof)
{
	struct ipc_msg	m;

	close(sv[0]);
	ck_assert_int_eq(ipc_recv(sv[1], &m), 0);
	sv[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
}
END_TEST

/*
 * A child's error line waits for room in a full channel instead of being
 * dropped (issue 10 item 21): it is often the reason the child exits.
 */
START_TEST(child_error_waits_for_room)
{
	struct ipc_msg	m;
	char		line[64];
	int		filled = 0, got = 0, last = 0, rc, status;
	pid_t		pid;

	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	memset(line, 'x', sizeof(line));
	line[0] = LOG_LVL_INFO;
	while (ipc_send(sv[0], IPC_X2M_LOG, 0, line, sizeof(line), -1) == 0)
		filled++;
	ck_assert_int_eq(errno, EAGAIN);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		log_init_child("test", sv[0], 0);
		log_info("a full channel drops this one");
		log_err("last words");
		_exit(0);
	}
	close(sv[0]);
	sv[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	usleep(100000);		/* the child is blocked (or gave up) by now */
	while ((rc = ipc_recv(sv[1], &m)) == 1) {
		got++;
		if (m.hdr.len == 1 + strlen("last words") &&
		    memcmp(m.buf + 1, "last words", m.hdr.len - 1) == 0)
			last = got;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(last == filled + 1, "error line %d of %d (%d filler)",
	    last, got, filled);
	ck_assert_int_eq(got, filled + 1);	/* the info line was dropped */
}
END_TEST

static void
set(struct auth_str *s, const char *v)
{
	s->p = v;
	s->len = strlen(v);
}

START_TEST(auth_req_roundtrip)
{
	struct auth_req	r, d;
	struct tlv_buf	tb;

	memset(&r, 0, sizeof(r));
	r.flags = AUTH_F_LOCAL | AUTH_F_HAS_DEVICE;
	set(&r.peer, "127.0.0.1");
	set(&r.client_id, "cli");
	set(&r.client_mode, "cli");
	set(&r.role, "operator");
	set(&r.scopes[0], "operator.read");
	set(&r.scopes[1], "operator.pairing");
	r.nscopes = 2;
	set(&r.token, "");		/* present but empty: must survive */
	set(&r.dev_id, "abcd");
	r.dev_signed_at = 1737264000000ULL;
	set(&r.challenge_nonce, "n");
	ck_assert_int_eq(auth_req_encode(&r, &tb), 0);
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), 0);
	ck_assert_uint_eq(d.flags, r.flags);
	ck_assert_uint_eq(d.nscopes, 2);
	ck_assert_int_eq(d.scopes[1].len, strlen("operator.pairing"));
	ck_assert(memcmp(d.scopes[1].p, "operator.pairing", d.scopes[1].len)
	    == 0);
	ck_assert_ptr_nonnull(d.token.p);
	ck_assert_uint_eq(d.token.len, 0);
	ck_assert_ptr_null(d.password.p);
	ck_assert_uint_eq(d.dev_signed_at, 1737264000000ULL);
}
END_TEST

START_TEST(auth_req_strict)
{
	struct auth_req	d;
	struct tlv_buf	tb;
	uint32_t	flags = 0;
	char		big[AUTH_MAX_SECRET + 1];
	int		i;

	/* No flags field. */
	tlv_init(&tb);
	tlv_put_str(&tb, AT_PEER_ADDR, "x");
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
	/* Unknown tag. */
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 4);
	tlv_put_str(&tb, 200, "x");
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
	/* Repeated field. */
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 4);
	tlv_put_str(&tb, AT_TOKEN, "a");
	tlv_put_str(&tb, AT_TOKEN, "b");
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
	/* NUL inside a string. */
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 4);
	tlv_put(&tb, AT_TOKEN, "a\0b", 3);
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
	/* Secret over its limit. */
	memset(big, 'a', sizeof(big));
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 4);
	tlv_put(&tb, AT_TOKEN, big, sizeof(big));
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
	/* Too many scopes. */
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 4);
	for (i = 0; i <= AUTH_MAX_SCOPES; i++)
		tlv_put_str(&tb, AT_SCOPE, "operator.read");
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
	/* Truncated field. */
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 4);
	tlv_put_str(&tb, AT_TOKEN, "abcdef");
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len - 2, &d), -1);
	/* Wrong width of a fixed field. */
	tlv_init(&tb);
	tlv_put(&tb, AT_FLAGS, &flags, 2);
	ck_assert_int_eq(auth_req_decode(tb.data, tb.len, &d), -1);
}
END_TEST

START_TEST(tlv_overflow)
{
	static struct tlv_buf	tb;
	static char		big[4096];
	int			i;

	tlv_init(&tb);
	for (i = 0; i < 8; i++)
		tlv_put(&tb, AT_TOKEN, big, sizeof(big));
	ck_assert_int_eq(tb.overflow, 1);
	ck_assert_uint_le(tb.len, sizeof(tb.data));
}
END_TEST

static Suite *
ipc_suite(void)
{
	Suite	*s = suite_create("ipc");
	TCase	*tc = tcase_create("seqpacket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, roundtrip_fixed);
	tcase_add_test(tc, fd_passing);
	tcase_add_test(tc, fd_required_and_forbidden);
	tcase_add_test(tc, exact_sizes);
	tcase_add_test(tc, unknown_type);
	tcase_add_test(tc, malformed_header);
	tcase_add_test(tc, oversized_refused);
	tcase_add_test(tc, eof);
	tcase_add_test(tc, child_error_waits_for_room);
	suite_add_tcase(s, tc);
	tc = tcase_create("tlv");
	tcase_add_test(tc, auth_req_roundtrip);
	tcase_add_test(tc, auth_req_strict);
	tcase_add_test(tc, tlv_overflow);
	tcase_add_test(tc, message_table_is_the_permit_table);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_program check_program = { ipc_suite, NULL };
