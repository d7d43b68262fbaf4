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

/* IPC_MESSAGES (ipc.h) as a table indexed by type. */
struct type_rule {
	const char	*name;
	uint8_t		 from, to;	/* IPC_R_* */
	uint8_t		 fd;		/* 1 required, 0 forbidden, 2 may */
	size_t		 min, max;
};

#define IPC_RULE(t, f, r, lo, hi, withfd)				\
	[IPC_##t] = { #t, IPC_R_##f, IPC_R_##r, withfd, lo, hi },
static const struct type_rule rules[IPC_TYPE_MAX] = {
	IPC_MESSAGES(IPC_RULE)
};
#undef IPC_RULE

/* Who receives on a channel, and from whom. */
static const struct {
	uint8_t	to, from;
} channels[] = {
	[IPC_CH_MASTER_FROM_AUTHD] = { IPC_R_MASTER, IPC_R_AUTHD },
	[IPC_CH_MASTER_FROM_WORKER] = { IPC_R_MASTER, IPC_R_WORKER },
	[IPC_CH_AUTHD_FROM_MASTER] = { IPC_R_AUTHD, IPC_R_MASTER },
	[IPC_CH_AUTHD_FROM_WORKER] = { IPC_R_AUTHD, IPC_R_WORKER },
	[IPC_CH_WORKER_FROM_MASTER] = { IPC_R_WORKER, IPC_R_MASTER },
	[IPC_CH_WORKER_FROM_AUTHD] = { IPC_R_WORKER, IPC_R_AUTHD },
};

int
ipc_check(enum ipc_channel ch, const struct ipc_msg *m)
{
	const struct type_rule	*r;
	size_t			 len = m->hdr.len;

	if (m->hdr.type == IPC_NONE || m->hdr.type >= IPC_TYPE_MAX ||
	    (size_t)ch >= sizeof(channels) / sizeof(channels[0]))
		return -1;
	r = &rules[m->hdr.type];
	if (r->name == NULL || r->to != channels[ch].to ||
	    (r->from & channels[ch].from) == 0)
		return -1;
	if (len < r->min || len > r->max)
		return -1;
	if (r->fd != 2 && r->fd != (m->fd >= 0))
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
