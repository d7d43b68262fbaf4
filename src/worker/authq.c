/*
 * authq.c: the worker's side of authd.  Each connect becomes one
 * request on the private SEQPACKET channel; verdicts come back tagged
 * with the request id and are matched to connections that may have gone
 * away meanwhile.  If authd disappears, every waiting client gets a
 * retryable UNAVAILABLE rather than a hang.
 *
 * Nothing for authd is dropped because its socket is momentarily full:
 * messages wait in a queue flushed when the socket is writable.  A
 * session authd created must end exactly once, so a verdict that comes
 * back for a connection that is already gone (closed, or timed out while
 * authd decided) is answered with SESSION_END at once.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "connect_params.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define PENDING_BUCKETS	256

static struct conn_list	pending[PENDING_BUCKETS];
static int		pending_init;

/* Messages for authd that did not fit into its socket yet. */
struct authd_out {
	STAILQ_ENTRY(authd_out)	 entry;
	uint16_t		 type;
	uint64_t		 id;
	size_t			 len;
	uint8_t			 buf[];
};
static STAILQ_HEAD(, authd_out)	outq = STAILQ_HEAD_INITIALIZER(outq);
static ev_io			authd_wio;

static struct conn_list *
bucket(uint64_t id)
{
	int	i;

	if (!pending_init) {
		for (i = 0; i < PENDING_BUCKETS; i++)
			TAILQ_INIT(&pending[i]);
		pending_init = 1;
	}
	return &pending[id % PENDING_BUCKETS];
}

static void	authd_cb(struct ev_loop *, ev_io *, int);
static void	authd_write_cb(struct ev_loop *, ev_io *, int);

/* Drop what was queued for an authd that is gone; requests are wiped. */
static void
outq_clear(struct worker *w)
{
	struct authd_out	*o;

	if (ev_is_active(&authd_wio))
		ev_io_stop(w->loop, &authd_wio);
	while ((o = STAILQ_FIRST(&outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&outq, entry);
		cg_wipe(o->buf, o->len);
		free(o);
	}
}

static void
outq_flush(struct worker *w)
{
	struct authd_out	*o;

	while ((o = STAILQ_FIRST(&outq)) != NULL) {
		if (ipc_send(w->authd_fd, o->type, o->id, o->buf, o->len,
		    -1) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return;
			log_warn("sending to authd");
		}
		STAILQ_REMOVE_HEAD(&outq, entry);
		cg_wipe(o->buf, o->len);
		free(o);
	}
	ev_io_stop(w->loop, &authd_wio);
}

static void
authd_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	outq_flush(W);
}

/*
 * Send one message to authd, in order with everything queued before it.
 * 0 once it is sent or queued; -1 if there is no authd or no memory.
 */
int
authq_send(struct worker *w, uint16_t type, uint64_t id, const void *buf,
    size_t len)
{
	struct authd_out	*o;

	if (w->authd_fd == -1)
		return -1;
	if (STAILQ_EMPTY(&outq)) {
		if (ipc_send(w->authd_fd, type, id, buf, len, -1) == 0)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ENOBUFS)
			return -1;
	}
	if ((o = malloc(sizeof(*o) + len)) == NULL)
		return -1;
	o->type = type;
	o->id = id;
	o->len = len;
	memcpy(o->buf, buf, len);
	STAILQ_INSERT_TAIL(&outq, o, entry);
	if (!ev_is_active(&authd_wio)) {
		ev_io_init(&authd_wio, authd_write_cb, w->authd_fd, EV_WRITE);
		ev_io_start(w->loop, &authd_wio);
	}
	return 0;
}

/* Everyone waiting on an authd that went away: retry later. */
static void
fail_all_pending(struct worker *w)
{
	struct auth_verdict	 v;
	struct conn		*c;
	int			 i;

	memset(&v, 0, sizeof(v));
	v.result = VERDICT_ERROR;
	v.reason = AUTH_R_UNAVAILABLE;
	for (i = 0; i < PENDING_BUCKETS; i++)
		while ((c = TAILQ_FIRST(bucket((uint64_t)i))) != NULL) {
			authq_forget(c);
			handshake_verdict(c, &v);
		}
}

void
authq_set_channel(struct worker *w, int fd)
{
	if (w->authd_fd != -1) {
		ev_io_stop(w->loop, &w->authd_io);
		outq_clear(w);
		close(w->authd_fd);
		w->authd_fd = -1;
		fail_all_pending(w);
		rpc_fail_all(w);
	}
	if (fd < 0)
		return;
	fd_set_nonblock(fd);
	w->authd_fd = fd;
	ev_io_init(&w->authd_io, authd_cb, fd, EV_READ);
	ev_io_start(w->loop, &w->authd_io);
}

int
authq_ready(const struct worker *w)
{
	return w->authd_fd != -1;
}

int
authq_submit(struct worker *w, struct conn *c, const struct connect_params *cp)
{
	struct auth_req	 req;
	struct tlv_buf	 tb;
	int		 rc;

	if (w->authd_fd == -1)
		return -1;
	memset(&req, 0, sizeof(req));
	connect_params_to_auth_req(cp, &req);
	if (c->loopback)
		req.flags |= AUTH_F_LOOPBACK;
	if (c->forwarded)
		req.flags |= AUTH_F_FORWARDED;
	if (c->local)
		req.flags |= AUTH_F_LOCAL;
	if (c->has_origin) {
		req.flags |= AUTH_F_HAS_ORIGIN;
		req.origin.p = c->origin;
		req.origin.len = strlen(c->origin);
	}
	req.peer.p = c->peer;
	req.peer.len = strlen(c->peer);
	req.challenge_nonce.p = c->nonce;
	req.challenge_nonce.len = strlen(c->nonce);
	if (auth_req_encode(&req, &tb) == -1) {
		cg_wipe(&tb, sizeof(tb));
		return -1;
	}
	c->auth_id = ++w->next_req_id;
	rc = authq_send(w, IPC_W2A_AUTH_REQ, c->auth_id, tb.data, tb.len);
	cg_wipe(tb.data, tb.len);	/* the credentials leave this process */
	if (rc == -1) {
		log_warn("sending an auth request to authd");
		c->auth_id = 0;
		return -1;
	}
	TAILQ_INSERT_TAIL(bucket(c->auth_id), c, pending_entry);
	return 0;
}

void
authq_forget(struct conn *c)
{
	if (c->auth_id == 0)
		return;
	TAILQ_REMOVE(bucket(c->auth_id), c, pending_entry);
	c->auth_id = 0;
}

static struct conn *
lookup(uint64_t id)
{
	struct conn	*c;

	TAILQ_FOREACH(c, bucket(id), pending_entry)
		if (c->auth_id == id)
			return c;
	return NULL;
}

static void
authd_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker		*w = W;
	struct auth_verdict	 v;
	struct ipc_msg		 m;
	struct conn		*c;
	int			 rc, n;

	for (n = 0; n < 256; n++) {
		rc = ipc_recv(w->authd_fd, &m);
		if (rc == -1 && errno == EAGAIN)
			return;
		if (rc == 0 || (rc == -1 && errno != EPROTO)) {
			log_warnx("authd went away: new connects get "
			    "UNAVAILABLE until it is back");
			authq_set_channel(w, -1);
			return;
		}
		if (rc == -1 || ipc_check(IPC_CH_WORKER_FROM_AUTHD, &m) == -1) {
			log_warnx("unexpected message from authd: dropping "
			    "the channel");
			if (rc == 1 && m.fd >= 0)
				close(m.fd);
			authq_set_channel(w, -1);
			return;
		}
		if (m.hdr.type == IPC_A2W_RPC_RESULT) {
			rpc_result(w, m.hdr.id, (const char *)m.buf, m.hdr.len);
			continue;
		}
		if (m.hdr.type == IPC_A2W_EVENT) {
			rpc_event(w, (const char *)m.buf, m.hdr.len);
			continue;
		}
		memcpy(&v, m.buf, sizeof(v));
		if ((c = lookup(m.hdr.id)) != NULL)
			authq_forget(c);
		if (c != NULL && c->state == CS_AUTHING)
			handshake_verdict(c, &v);
		else if (v.result == VERDICT_OK && v.session[0] != '\0') {
			/* Its client left (or timed out) while authd decided. */
			(void)authq_send(w, IPC_W2A_SESSION_END, 0, v.session,
			    AUTH_SESSION_LEN);
		}
		cg_wipe(&v, sizeof(v));
		cg_wipe(m.buf, m.hdr.len);
	}
}
