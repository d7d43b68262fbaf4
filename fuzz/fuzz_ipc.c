/*
 * fuzz_ipc.c: the IPC receive path as any peer can drive it: one
 * datagram of arbitrary bytes (with zero, one or two descriptors
 * attached) on a SOCK_SEQPACKET socketpair, read by ipc_recv(), then
 * checked against every channel's permit table (ipc_check), and a
 * permitted W2A_AUTH_REQ decoded as authd does (auth_req_decode).
 *
 * Input: byte 0 picks the descriptors (bits 0-1: how many, 0..2), the
 * rest is the datagram.  Run with -max_len=20000 so that messages over
 * IPC_MAX_MSG (truncation) are tried too.
 *
 * Properties: no descriptor leaks (a rejected message's fds are
 * closed), an accepted message's header length equals the bytes sent
 * minus the header, and a decoded request re-encodes to one that
 * decodes to the same fields.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "authproto.h"
#include "ipc.h"
#include "fuzz.h"

static int	sv[2] = { -1, -1 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	sz = 1 << 18;

	fuzz_quiet_logs();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) == -1)
		abort();
	return 0;
}

static int
lowest_free_fd(void)
{
	int	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		abort();
	close(fd);
	return fd;
}

static int
send_raw(const uint8_t *p, size_t len, int nfds)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 2)];
	}		 cm;
	struct cmsghdr	*c;
	int		 fds[2] = { -1, -1 }, i, rc;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		for (i = 0; i < nfds; i++)
			if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC))
			    == -1)
				abort();
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	rc = sendmsg(sv[0], &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return rc;
}

static void
check_auth_req(const struct ipc_msg *m)
{
	static struct tlv_buf	tb;
	struct auth_req		r, back;

	if (auth_req_decode(m->buf, m->hdr.len, &r) != 0)
		return;
	FUZZ_ASSERT(r.nscopes <= AUTH_MAX_SCOPES);
	FUZZ_ASSERT(auth_req_encode(&r, &tb) == 0);
	FUZZ_ASSERT(auth_req_decode(tb.data, tb.len, &back) == 0);
	FUZZ_ASSERT(fuzz_auth_req_eq(&r, &back));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipc_msg	m;
	struct tlv_iter		it;
	const uint8_t		*val;
	uint16_t		 tag;
	size_t			 vlen;
	int			 before, nfds, rc, ch, permitted = 0;

	if (size < 2)
		return 0;	/* a zero-length datagram is EOF by design */
	nfds = data[0] & 3;
	if (nfds == 3)
		nfds = 0;
	before = lowest_free_fd();
	if (send_raw(data + 1, size - 1, nfds) == -1)
		return 0;	/* EMSGSIZE: never reaches a receiver */
	rc = ipc_recv(sv[1], &m);
	FUZZ_ASSERT(rc == 1 || (rc == -1 && errno == EPROTO));
	if (rc == 1) {
		FUZZ_ASSERT(m.hdr.len == size - 1 - sizeof(struct ipc_hdr));
		FUZZ_ASSERT((m.fd != -1) == (nfds == 1));
		for (ch = IPC_CH_MASTER_FROM_AUTHD;
		    ch <= IPC_CH_WORKER_FROM_AUTHD; ch++)
			if (ipc_check((enum ipc_channel)ch, &m) == 0) {
				permitted++;
				(void)ipc_type_name(m.hdr.type);
				if (m.hdr.type == IPC_W2A_AUTH_REQ)
					check_auth_req(&m);
			}
		/* Any TLV walk ends, and stays inside the payload. */
		tlv_iter_init(&it, m.buf, m.hdr.len);
		while (tlv_next(&it, &tag, &val, &vlen) == 1)
			FUZZ_ASSERT(val >= m.buf &&
			    val + vlen <= m.buf + m.hdr.len);
		if (m.fd != -1)
			close(m.fd);
	}
	(void)permitted;
	FUZZ_ASSERT(lowest_free_fd() == before);
	return 0;
}
