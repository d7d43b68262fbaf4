/*
 * ipc.c: SEQPACKET framing, fd passing and per-channel permit tables.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "authproto.h"
#include "ipc.h"

int
ipc_send(int sock, uint16_t type, uint64_t id, const void *payload,
    size_t len, int fd)
{
	struct ipc_hdr	 hdr;
	struct msghdr	 mh;
	struct iovec	 iov[2];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct cmsghdr	*c;
	ssize_t		 n;

	if (len > IPC_MAX_MSG - sizeof(hdr)) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.version = IPC_VERSION;
	hdr.flags = fd >= 0 ? IPC_F_HASFD : 0;
	hdr.len = (uint32_t)len;
	hdr.id = id;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = len > 0 ? 2 : 1;
	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != sizeof(hdr) + len) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Close every fd a message carried; used when the message is refused. */
static void
close_cmsg_fds(struct msghdr *mh)
{
	struct cmsghdr	*c;
	int		 fd;
	size_t		 i, n;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
}

int
ipc_recv(int sock, struct ipc_msg *m)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 4)];
	}		 cm;
	struct cmsghdr	*c;
	uint8_t		 raw[IPC_MAX_MSG];
	ssize_t		 n;
	int		 nfds = 0;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = raw;
	iov.iov_len = sizeof(raw);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0)
		return 0;	/* SEQPACKET: zero length means EOF (we never send one) */

	m->fd = -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			nfds += (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			if (nfds == 1)
				memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
		}
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || nfds > 1 ||
	    (size_t)n < sizeof(struct ipc_hdr) || (size_t)n > sizeof(raw))
		goto bad;
	memcpy(&m->hdr, raw, sizeof(m->hdr));
	if (m->hdr.version != IPC_VERSION ||
	    m->hdr.len != (size_t)n - sizeof(m->hdr) ||
	    ((m->hdr.flags & IPC_F_HASFD) != 0) != (nfds == 1) ||
	    (m->hdr.flags & ~IPC_F_HASFD))
		goto bad;
	memcpy(m->buf, raw + sizeof(m->hdr), m->hdr.len);
	return 1;
bad:
	close_cmsg_fds(&mh);
	m->fd = -1;
	errno = EPROTO;
	return -1;
}

/* Size rules: exact for fixed payloads, bounds for variable ones. */
enum size_rule { SZ_EXACT, SZ_RANGE };
struct type_rule {
	enum size_rule	rule;
	size_t		min, max;
	int		fd;		/* 1 required, 0 forbidden */
	const char	*name;
};

static const struct type_rule rules[IPC_TYPE_MAX] = {
	[IPC_X2M_READY] = { SZ_EXACT, 4, 4, 0, "READY" },
	[IPC_X2M_LOG] = { SZ_RANGE, 2, 1025, 0, "LOG" },
	[IPC_W2M_STATS] = { SZ_EXACT, sizeof(struct ipc_worker_stats),
	    sizeof(struct ipc_worker_stats), 0, "STATS" },
	[IPC_M2A_SECRETS] = { SZ_RANGE, sizeof(struct ipc_secrets),
	    sizeof(struct ipc_secrets) + 2 * 1024, 0, "SECRETS" },
	[IPC_M2A_WORKER_CHANNEL] = { SZ_EXACT, 4, 4, 1, "WORKER_CHANNEL" },
	[IPC_M2A_POLICY] = { SZ_EXACT, sizeof(struct ipc_auth_policy),
	    sizeof(struct ipc_auth_policy), 0, "POLICY" },
	[IPC_A2M_SECRETS_RESULT] = { SZ_EXACT, 4, 4, 0, "SECRETS_RESULT" },
	[IPC_M2A_RPC] = { SZ_RANGE, 2, IPC_MAX_MSG, 0, "M2A_RPC" },
	[IPC_A2M_RPC_RESULT] = { SZ_RANGE, 1, IPC_MAX_MSG, 0, "A2M_RPC_RESULT" },
	[IPC_M2W_CONFIG] = { SZ_EXACT, sizeof(struct ipc_worker_config),
	    sizeof(struct ipc_worker_config), 1, "CONFIG" },
	[IPC_M2W_AUTHD_CHANNEL] = { SZ_EXACT, 4, 4, 1, "AUTHD_CHANNEL" },
	[IPC_M2W_DRAIN] = { SZ_EXACT, 4, 4, 0, "DRAIN" },
	[IPC_M2W_LISTENER] = { SZ_EXACT, sizeof(struct ipc_listener),
	    sizeof(struct ipc_listener), 1, "LISTENER" },
	[IPC_W2A_AUTH_REQ] = { SZ_RANGE, 1, IPC_MAX_MSG, 0, "AUTH_REQ" },
	[IPC_A2W_VERDICT] = { SZ_EXACT, sizeof(struct auth_verdict),
	    sizeof(struct auth_verdict), 0, "VERDICT" },
	[IPC_W2A_RPC] = { SZ_RANGE, 2, IPC_MAX_MSG, 0, "RPC" },
	[IPC_A2W_RPC_RESULT] = { SZ_RANGE, 2, IPC_MAX_MSG, 0, "RPC_RESULT" },
	[IPC_A2W_EVENT] = { SZ_RANGE, 2, IPC_MAX_MSG, 0, "EVENT" },
	[IPC_W2A_SESSION_END] = { SZ_EXACT, AUTH_SESSION_LEN,
	    AUTH_SESSION_LEN, 0, "SESSION_END" },
};

/* Which types each receiver accepts. */
static int
permitted(enum ipc_channel ch, uint16_t type)
{
	switch (ch) {
	case IPC_CH_MASTER_FROM_AUTHD:
		return type == IPC_X2M_READY || type == IPC_X2M_LOG ||
		    type == IPC_A2M_SECRETS_RESULT ||
		    type == IPC_A2M_RPC_RESULT;
	case IPC_CH_MASTER_FROM_WORKER:
		return type == IPC_X2M_READY || type == IPC_X2M_LOG ||
		    type == IPC_W2M_STATS;
	case IPC_CH_AUTHD_FROM_MASTER:
		return type == IPC_M2A_SECRETS || type == IPC_M2A_POLICY ||
		    type == IPC_M2A_WORKER_CHANNEL || type == IPC_M2A_RPC;
	case IPC_CH_AUTHD_FROM_WORKER:
		return type == IPC_W2A_AUTH_REQ || type == IPC_W2A_RPC ||
		    type == IPC_W2A_SESSION_END;
	case IPC_CH_WORKER_FROM_MASTER:
		return type == IPC_M2W_CONFIG || type == IPC_M2W_AUTHD_CHANNEL ||
		    type == IPC_M2W_DRAIN || type == IPC_M2W_LISTENER;
	case IPC_CH_WORKER_FROM_AUTHD:
		return type == IPC_A2W_VERDICT || type == IPC_A2W_RPC_RESULT ||
		    type == IPC_A2W_EVENT;
	}
	return 0;
}

int
ipc_check(enum ipc_channel ch, const struct ipc_msg *m)
{
	const struct type_rule	*r;
	size_t			 len = m->hdr.len;

	if (m->hdr.type == IPC_NONE || m->hdr.type >= IPC_TYPE_MAX)
		return -1;
	r = &rules[m->hdr.type];
	if (r->name == NULL || !permitted(ch, m->hdr.type))
		return -1;
	if (len < r->min || len > r->max)
		return -1;
	if (r->rule == SZ_EXACT && len != r->min)
		return -1;
	if (r->fd != (m->fd >= 0))
		return -1;
	return 0;
}

const char *
ipc_type_name(uint16_t type)
{
	if (type < IPC_TYPE_MAX && rules[type].name != NULL)
		return rules[type].name;
	return "unknown";
}

void
tlv_init(struct tlv_buf *tb)
{
	tb->len = 0;
	tb->overflow = 0;
}

void
tlv_put(struct tlv_buf *tb, uint16_t tag, const void *p, size_t len)
{
	uint16_t	l16;

	if (tb->overflow || len > UINT16_MAX ||
	    sizeof(tb->data) - tb->len < 4 + len) {
		tb->overflow = 1;
		return;
	}
	l16 = (uint16_t)len;
	memcpy(tb->data + tb->len, &tag, 2);
	memcpy(tb->data + tb->len + 2, &l16, 2);
	if (len > 0)
		memcpy(tb->data + tb->len + 4, p, len);
	tb->len += 4 + len;
}

void
tlv_put_str(struct tlv_buf *tb, uint16_t tag, const char *s)
{
	tlv_put(tb, tag, s, strlen(s));
}

void
tlv_put_u64(struct tlv_buf *tb, uint16_t tag, uint64_t v)
{
	tlv_put(tb, tag, &v, sizeof(v));
}

void
tlv_iter_init(struct tlv_iter *it, const void *p, size_t len)
{
	it->p = p;
	it->left = len;
}

int
tlv_next(struct tlv_iter *it, uint16_t *tag, const uint8_t **val, size_t *len)
{
	uint16_t	l16;

	if (it->left == 0)
		return 0;
	if (it->left < 4)
		return -1;
	memcpy(tag, it->p, 2);
	memcpy(&l16, it->p + 2, 2);
	if (it->left - 4 < l16)
		return -1;
	*val = it->p + 4;
	*len = l16;
	it->p += 4 + l16;
	it->left -= 4 + l16;
	return 1;
}
