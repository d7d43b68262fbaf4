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

/*
 * Count per prefix, not per address as written: an IPv6 client owns a
 * whole /64, and every address in it would otherwise get a fresh cap.
 */
void
preauth_key_of(const struct cg_addr *a, struct cg_addr *key)
{
	unsigned	v4 = W->cfg.ipv4_prefix, v6 = W->cfg.ipv6_prefix;

	*key = *a;
	addr_mask(key, v4 != 0 ? v4 : ADDR_DEFAULT_V4_PREFIX,
	    v6 != 0 ? v6 : ADDR_DEFAULT_V6_PREFIX);
}

unsigned
preauth_count_key(const struct cg_addr *key)
{
	return preauth_shm_count(W->preauth, (int)W->cfg.nworkers,
	    key->family, key->addr);
}

unsigned
preauth_total(void)
{
	return preauth_shm_total(W->preauth, (int)W->cfg.nworkers);
}

static void
conn_addr(const struct conn *c, struct cg_addr *a)
{
	addr_from_bytes(a, c->family, c->addr);
}

void
preauth_charge(const struct cg_addr *key, int delta)
{
	preauth_shm_add(W->preauth, W->slot, key->family, key->addr, delta);
}

/* The socket was charged to `key' at accept: conn_free gives it back. */
void
preauth_attach(struct conn *c, const struct cg_addr *key)
{
	c->preauth_key = *key;
	c->counted_preauth = 1;
}

static void
preauth_add(struct conn *c)
{
	struct cg_addr	a, key;

	if (c->counted_preauth)
		return;
	conn_addr(c, &a);
	preauth_key_of(&a, &key);
	preauth_charge(&key, 1);
	preauth_attach(c, &key);
}

void
preauth_drop(struct conn *c)
{
	if (!c->counted_preauth)
		return;
	c->counted_preauth = 0;
	preauth_charge(&c->preauth_key, -1);
}

/*
 * A trusted proxy named the client (or no one: then the proxy itself):
 * count the socket as that client's from now on.  A trusted proxy is
 * not capped at accept (it carries everyone), so the caller applies the
 * cap here: -1 if the client, this socket included, is over it.
 */
int
preauth_rekey(struct conn *c)
{
	struct cg_addr	a, key;

	if (!c->counted_preauth)
		return 0;	/* authenticated: not counted any more */
	conn_addr(c, &a);
	preauth_key_of(&a, &key);
	if (memcmp(&key, &c->preauth_key, sizeof(key)) != 0) {
		preauth_drop(c);
		preauth_add(c);
	}
	return preauth_count_key(&c->preauth_key) > W->cfg.preauth_per_ip ?
	    -1 : 0;
}

/*
 * A refused socket costs one line per key and interval, whatever the
 * rate: a flood must not turn into a log flood.  A small direct-mapped
 * table; a collision only costs an extra line.
 */
#define REFUSAL_SLOTS		256
#define REFUSAL_INTERVAL_MS	10000

static struct refusal {
	struct cg_addr	key;
	uint64_t	logged_ms;
	unsigned	quiet;		/* refused since the last line */
} refusals[REFUSAL_SLOTS];

static unsigned
refusal_slot(const struct cg_addr *key)
{
	uint32_t	h = 2166136261u ^ key->family;
	size_t		i;

	for (i = 0; i < sizeof(key->addr); i++)
		h = (h ^ key->addr[i]) * 16777619u;
	return h % REFUSAL_SLOTS;
}

void
preauth_log_refusal(const struct cg_addr *key, const char *why)
{
	struct refusal	*r = &refusals[refusal_slot(key)];
	uint64_t	 now = mono_ms();
	char		 txt[ADDR_KEY_MAX];
	unsigned	 v4 = W->cfg.ipv4_prefix, v6 = W->cfg.ipv6_prefix;

	if (memcmp(&r->key, key, sizeof(*key)) == 0 && r->logged_ms != 0 &&
	    now - r->logged_ms < REFUSAL_INTERVAL_MS) {
		r->quiet++;
		return;
	}
	if (addr_key(key, v4 ? v4 : ADDR_DEFAULT_V4_PREFIX,
	    v6 ? v6 : ADDR_DEFAULT_V6_PREFIX, txt, sizeof(txt)) == -1)
		cg_strlcpy(txt, "?", sizeof(txt));
	log_info("[ws] refused unauthenticated socket remote=%s reason=%s "
	    "pre-auth=%u total=%u (one line per address per %d s; %u more "
	    "refused since the last)", txt, why, preauth_count_key(key),
	    preauth_total(), REFUSAL_INTERVAL_MS / 1000,
	    memcmp(&r->key, key, sizeof(*key)) == 0 ? r->quiet : 0);
	r->key = *key;
	r->logged_ms = now;
	r->quiet = 0;
}

/* --- lifecycle ------------------------------------------------------------ */

static int
in_cidrs(const struct ipc_cidr *list, uint32_t n, const struct cg_addr *a)
{
	struct cg_cidr	cc;
	uint32_t	i;

	for (i = 0; i < n && i < 16; i++) {
		cc.family = list[i].family;
		cc.prefix = list[i].prefix;
		memcpy(cc.addr, list[i].addr, 16);
		if (cidr_match(&cc, a->family, a->addr))
			return 1;
	}
	return 0;
}

void
conn_peer_addr(const struct sockaddr_storage *ss, struct cg_addr *a)
{
	if (ss->ss_family == AF_INET6)
		addr_from_bytes(a, 6,
		    ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr);
	else
		addr_from_bytes(a, 4, (const uint8_t *)
		    &((const struct sockaddr_in *)ss)->sin_addr);
}

int
conn_addr_is_trusted_proxy(const struct cg_addr *a)
{
	return in_cidrs(W->cfg.trusted_proxies, W->cfg.ntrusted_proxies, a);
}

/* The canonical text (inet_ntop) is what logs and authd see. */
void
conn_set_client(struct conn *c, const struct cg_addr *a)
{
	c->family = a->family;
	memcpy(c->addr, a->addr, sizeof(c->addr));
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, c->peer,
	    sizeof(c->peer)) == NULL)
		cg_strlcpy(c->peer, "?", sizeof(c->peer));
}

static int
sock_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return 0;
}

static void
fill_addresses(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	struct sockaddr_storage	 ls;
	socklen_t		 ll = sizeof(ls);
	struct cg_addr		 a, la;
	char			 local[64] = "?";

	conn_peer_addr(ss, &a);
	c->sock_addr = a;
	conn_set_client(c, &a);
	c->loopback = a.family == 4 ? a.addr[0] == 127 :
	    IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a.addr);
	memset(&ls, 0, sizeof(ls));
	if (getsockname(fd, (struct sockaddr *)&ls, &ll) == 0 &&
	    (ls.ss_family == AF_INET || ls.ss_family == AF_INET6)) {
		/* The local side as the socket has it (::ffff:… stays). */
		if (ls.ss_family == AF_INET6)
			memcpy(la.addr, &((struct sockaddr_in6 *)&ls)->sin6_addr,
			    16);
		else
			memcpy(la.addr, &((struct sockaddr_in *)&ls)->sin_addr,
			    4);
		inet_ntop(ls.ss_family, la.addr, local, sizeof(local));
	}
	snprintf(c->peer_port, sizeof(c->peer_port), "%s:%d->%s:%d", c->peer,
	    sock_port(ss), local, sock_port(&ls));
	c->trusted_proxy = conn_addr_is_trusted_proxy(&a);
	/* Locality before headers; a forwarding header revokes it later. */
	c->local = W->cfg.nlocal_peers > 0 ?
	    in_cidrs(W->cfg.local_peers, W->cfg.nlocal_peers, &a) : c->loopback;
}

struct conn *
conn_new(int fd, const struct sockaddr_storage *peer)
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
	fill_addresses(c, fd, peer);
	return c;
}

int
conn_is_trusted_proxy(const struct conn *c)
{
	return c->trusted_proxy;
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
