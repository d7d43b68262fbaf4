/*
 * conn.c: connection lifecycle, the send queue and the per-address count
 * of unauthenticated sockets.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "log.h"
#include "preauth.h"
#include "util.h"
#include "worker.h"

struct conn_list	open_conns = TAILQ_HEAD_INITIALIZER(open_conns);

/* --- per-address pre-auth counts, across every worker -------------------- */

int
preauth_count(const struct conn *c)
{
	return (int)preauth_shm_count(W->preauth, (int)W->cfg.nworkers,
	    c->family, c->addr);
}

unsigned
preauth_total(void)
{
	return preauth_shm_total(W->preauth, (int)W->cfg.nworkers);
}

void
preauth_add(struct conn *c)
{
	if (c->counted_preauth)
		return;
	preauth_shm_add(W->preauth, W->slot, c->family, c->addr, 1);
	c->counted_preauth = 1;
}

void
preauth_drop(struct conn *c)
{
	if (!c->counted_preauth)
		return;
	c->counted_preauth = 0;
	preauth_shm_add(W->preauth, W->slot, c->family, c->addr, -1);
}

/* --- lifecycle ------------------------------------------------------------ */

static int
in_cidrs(const struct ipc_cidr *list, uint32_t n, const struct conn *c)
{
	struct cg_cidr	cc;
	uint32_t	i;

	for (i = 0; i < n && i < 16; i++) {
		cc.family = list[i].family;
		cc.prefix = list[i].prefix;
		memcpy(cc.addr, list[i].addr, 16);
		if (cidr_match(&cc, c->family, c->addr))
			return 1;
	}
	return 0;
}

static void
fill_addresses(struct conn *c, int fd)
{
	struct sockaddr_storage	 ss, ls;
	socklen_t		 sl = sizeof(ss), ll = sizeof(ls);
	char			 local[64] = "?";
	int			 port = 0, lport = 0;

	memset(&ss, 0, sizeof(ss));
	memset(&ls, 0, sizeof(ls));
	(void)getpeername(fd, (struct sockaddr *)&ss, &sl);
	(void)getsockname(fd, (struct sockaddr *)&ls, &ll);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			c->family = 4;
			memcpy(c->addr, s6->sin6_addr.s6_addr + 12, 4);
			inet_ntop(AF_INET, c->addr, c->peer, sizeof(c->peer));
		} else {
			c->family = 6;
			memcpy(c->addr, &s6->sin6_addr, 16);
			inet_ntop(AF_INET6, c->addr, c->peer, sizeof(c->peer));
		}
		port = ntohs(s6->sin6_port);
		c->loopback = c->family == 4 ? c->addr[0] == 127 :
		    IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		c->family = 4;
		memcpy(c->addr, &s4->sin_addr, 4);
		inet_ntop(AF_INET, c->addr, c->peer, sizeof(c->peer));
		port = ntohs(s4->sin_port);
		c->loopback = c->addr[0] == 127;
	}
	if (ls.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ls)->sin6_addr,
		    local, sizeof(local));
		lport = ntohs(((struct sockaddr_in6 *)&ls)->sin6_port);
	} else if (ls.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ls)->sin_addr,
		    local, sizeof(local));
		lport = ntohs(((struct sockaddr_in *)&ls)->sin_port);
	}
	snprintf(c->peer_port, sizeof(c->peer_port), "%s:%d->%s:%d", c->peer,
	    port, local, lport);
	/* Locality before headers; a forwarding header revokes it later. */
	c->local = W->cfg.nlocal_peers > 0 ?
	    in_cidrs(W->cfg.local_peers, W->cfg.nlocal_peers, c) : c->loopback;
}

struct conn *
conn_new(int fd)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->outq);
	uuid_v4(c->id);
	c->opened_mono = mono_ms();
	cg_strlcpy(c->origin, "n/a", sizeof(c->origin));
	cg_strlcpy(c->host, "n/a", sizeof(c->host));
	cg_strlcpy(c->ua, "n/a", sizeof(c->ua));
	fill_addresses(c, fd);
	return c;
}

int
conn_is_trusted_proxy(const struct conn *c)
{
	return in_cidrs(W->cfg.trusted_proxies, W->cfg.ntrusted_proxies, c);
}

void
conn_free(struct conn *c)
{
	struct out_frame	*f;

	ev_timer_stop(W->loop, &c->deadline);
	preauth_drop(c);
	authq_forget(c);
	rpc_conn_gone(c);
	if (c->session[0] != '\0' && W->authd_fd != -1)
		(void)authq_send(W, IPC_W2A_SESSION_END, 0, c->session,
		    AUTH_SESSION_LEN);
	else if (c->pending.result == VERDICT_OK &&
	    c->pending.session[0] != '\0' && W->authd_fd != -1)
		/* It left while its (delayed) success waited. */
		(void)authq_send(W, IPC_W2A_SESSION_END, 0, c->pending.session,
		    AUTH_SESSION_LEN);
	if (c->state == CS_OPEN || c->open_entry.tqe_prev != NULL) {
		if (c->open_entry.tqe_prev != NULL)
			TAILQ_REMOVE(&open_conns, c, open_entry);
		if (W->st.authenticated > 0)
			W->st.authenticated--;
	}
	while ((f = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, f, entry);
		free(f);
	}
	free(c->rx);
	free(c->client.scopes);
	if (W->st.connections > 0)
		W->st.connections--;
	cg_wipe(&c->pending, sizeof(c->pending));
	free(c);
}

static int
enqueue(struct conn *c, enum lws_write_protocol kind, const void *p,
    size_t len)
{
	struct out_frame	*f;

	if (c->close_code != 0 || c->kill_now)
		return -1;	/* nothing goes out after a close */
	if (c->out_bytes + len > CG_MAX_BUFFERED) {
		conn_log(c, "slow consumer", "queued=%zu", c->out_bytes);
		c->kill_now = 0;
		conn_close(c, 1008, "slow consumer");
		return -1;
	}
	if ((f = malloc(sizeof(*f) + LWS_PRE + len)) == NULL)
		return -1;
	f->kind = kind;
	f->len = len;
	memcpy(f->buf + LWS_PRE, p, len);
	TAILQ_INSERT_TAIL(&c->outq, f, entry);
	c->out_bytes += len;
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
	return 0;
}

int
conn_send_text(struct conn *c, const char *p, size_t len)
{
	return enqueue(c, LWS_WRITE_TEXT, p, len);
}

int
conn_send_json(struct conn *c, json_t *j)
{
	char	*s;
	int	 rc;

	if (j == NULL)
		return -1;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return -1;
	rc = conn_send_text(c, s, strlen(s));
	free(s);
	return rc;
}

int
conn_send_ping(struct conn *c)
{
	/* lws 4.1 drops an empty PONG before our callback sees it. */
	return enqueue(c, LWS_WRITE_PING, "cg", 2);
}

void
conn_close(struct conn *c, int code, const char *reason)
{
	if (c->close_code != 0)
		return;
	c->close_code = code;
	cg_strlcpy(c->close_reason, reason ? reason : "",
	    sizeof(c->close_reason));
	c->state = CS_CLOSING;
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

int
conn_writable(struct conn *c)
{
	struct out_frame	*f;

	if (c->kill_now)
		return -1;
	if ((f = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, f, entry);
		c->out_bytes -= f->len;
		if (lws_write(c->wsi, f->buf + LWS_PRE, f->len, f->kind) <
		    (int)f->len) {
			free(f);
			return -1;
		}
		free(f);
		if (!TAILQ_EMPTY(&c->outq) || c->close_code != 0)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->close_code != 0) {
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
		    (unsigned char *)c->close_reason, strlen(c->close_reason));
		return -1;
	}
	return 0;
}

void
conn_log(struct conn *c, const char *what, const char *fmt, ...)
{
	char	extra[600];
	va_list	ap;

	extra[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(extra, sizeof(extra), fmt, ap);
		va_end(ap);
	}
	log_info("[ws] %s conn=%s peer=%s remote=%s%s%s", what, c->id,
	    c->peer_port, c->peer, extra[0] ? " " : "", extra);
}
