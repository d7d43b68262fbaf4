/*
 * accept.c: accept on the inherited listeners and hand each client to
 * libwebsockets.  lws 4.1 cannot take a pre-bound listening fd, so the
 * worker accepts itself and adopts the connected socket.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "util.h"
#include "worker.h"

static void	handshake_deadline_cb(struct ev_loop *, ev_timer *, int);

/*
 * Descriptors: RLIMIT_NOFILE, and how many non-client descriptors the
 * worker holds (the lowest free descriptor while it has no client).
 */
static uint64_t	fd_limit;
static uint64_t	fd_base;

/*
 * What a refused socket hears, in one send on an empty socket buffer,
 * then close: it never holds a descriptor past this call.  What the
 * client already sent is read first, so that close sends a FIN, not an
 * RST that could destroy the answer before the client reads it.
 */
#define BUSY_BODY	"Too many unauthenticated sockets"
static const char busy_503[] = "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: text/plain\r\nContent-Length: 32\r\n"
    "Cache-Control: no-store\r\nConnection: close\r\n\r\n" BUSY_BODY;
_Static_assert(sizeof(BUSY_BODY) - 1 == 32, "Content-Length of BUSY_BODY");

static void
refuse(int s, const struct cg_addr *key, const char *why)
{
	char	sink[2048];
	int	i;

	for (i = 0; i < 4; i++)
		if (recv(s, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
			break;
	(void)send(s, busy_503, sizeof(busy_503) - 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	close(s);
	preauth_log_refusal(key, why);
}

/*
 * Short of descriptors: fewer than the reserve left.  Open descriptors
 * are at least the new one's number + 1 (the kernel hands out the
 * lowest free one) and at least the base plus one per client.
 */
static int
fds_short(const struct worker *w, int s)
{
	uint64_t	open, reserve;

	if (fd_limit == 0)
		return 0;	/* RLIM_INFINITY */
	open = fd_base + w->st.connections + 1;
	if ((uint64_t)s + 1 > open)
		open = (uint64_t)s + 1;
	reserve = fd_limit / 16;
	if (reserve < CG_FD_RESERVE)
		reserve = CG_FD_RESERVE;
	return open + reserve > fd_limit;
}

/*
 * May this socket be served?  NULL, or why not.  Every socket counts
 * toward its address's pre-auth cap from accept on, so half-sent
 * requests cannot pile up; a trusted proxy carries many clients and is
 * capped per client once its headers name them (http.c).  While
 * descriptors are short, only addresses that hold no pre-auth socket
 * yet are served, so one busy source cannot lock out a fresh one.
 */
static const char *
admit(const struct worker *w, int s, const struct cg_addr *a,
    const struct cg_addr *key)
{
	unsigned	held;

	/* The counts include this socket (charged before the check). */
	if (preauth_total() > w->cfg.preauth_global)
		return "global pre-auth cap";
	held = preauth_count_key(key);
	if (held > w->cfg.preauth_per_ip && !conn_addr_is_trusted_proxy(a))
		return "per-address cap";
	if (held > 1 && fds_short(w, s))
		return "descriptor reserve";
	return NULL;
}

static void
accept_one(struct worker *w, int lfd)
{
	lws_sock_file_fd_type	 fd;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	struct cg_addr		 a, key;
	struct conn		*c;
	struct lws		*wsi;
	const char		*why;
	int			 s;

	memset(&ss, 0, sizeof(ss));
	s = accept4(lfd, (struct sockaddr *)&ss, &sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* A level-triggered watcher would spin: pause 1 s. */
			log_warnx("accept: %s: pausing accepts for 1 s",
			    strerror(errno));
			accept_stop(w);
			ev_timer_start(w->loop, &w->accept_pause);
		}
		return;
	}
	if (w->st.connections == 0 && (uint64_t)s > fd_base)
		fd_base = (uint64_t)s;
	conn_peer_addr(&ss, &a);
	preauth_key_of(&a, &key);
	/*
	 * Charge first, then check: two workers accepting from one address
	 * at once may both refuse, but can never both pass the cap.
	 */
	preauth_charge(&key, 1);
	if ((why = admit(w, s, &a, &key)) != NULL) {
		preauth_charge(&key, -1);
		refuse(s, &key, why);
		return;
	}
	if ((c = conn_new(s, &ss)) == NULL) {
		preauth_charge(&key, -1);
		close(s);
		return;
	}
	preauth_attach(c, &key);	/* conn_free gives it back */
	fd.sockfd = s;
	wsi = lws_adopt_descriptor_vhost(w->vhost, LWS_ADOPT_SOCKET |
	    LWS_ADOPT_HTTP, fd, NULL, NULL);
	if (wsi == NULL) {	/* lws closed the fd */
		conn_free(c);
		return;
	}
	c->wsi = wsi;
	lws_set_opaque_user_data(wsi, c);
	w->st.connections++;
	w->st.accepted_total++;
	/*
	 * Our own timer: lws timeouts fire up to 30 s late on libev.  First
	 * the request deadline; accept_request_seen() extends it to the
	 * handshake deadline once the headers are in.
	 */
	ev_timer_init(&c->deadline, handshake_deadline_cb,
	    (w->cfg.handshake_timeout_ms < CG_HTTP_REQUEST_TIMEOUT_MS ?
	    w->cfg.handshake_timeout_ms : CG_HTTP_REQUEST_TIMEOUT_MS) / 1000.0,
	    0.);
	c->deadline.data = c;
	ev_timer_start(w->loop, &c->deadline);
}

/*
 * The request headers are complete: from now on only the handshake
 * deadline (from accept) applies.  A keep-alive connection's later
 * requests stay under that one.
 */
void
accept_request_seen(struct conn *c)
{
	uint64_t	age = mono_ms() - c->opened_mono;
	double		left;

	if (c->request_seen || c->state != CS_HTTP)
		return;
	c->request_seen = 1;
	left = age >= W->cfg.handshake_timeout_ms ? 0.001 :
	    (W->cfg.handshake_timeout_ms - age) / 1000.0;
	ev_timer_stop(W->loop, &c->deadline);
	ev_timer_set(&c->deadline, left, 0.);
	ev_timer_start(W->loop, &c->deadline);
}

static void
listen_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	int	i;

	/* Bounded batch so one busy listener cannot starve the loop. */
	for (i = 0; i < 32; i++)
		accept_one(W, io->fd);
}

static void
pause_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	accept_start(W);
}

/*
 * The request deadline (5 s from accept until the request headers are
 * complete) and the handshake deadline (15 s from accept until
 * hello-ok).  A WebSocket gets close 1000 with no reason (as the
 * reference); a client still sending HTTP is cut off.
 */
static void
handshake_deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct conn	*c = t->data;

	if (c->state == CS_HTTP) {
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_HTTP_CONTENT,
		    LWS_TO_KILL_SYNC);
		return;
	}
	if (c->state == CS_PREAUTH || c->state == CS_AUTHING) {
		conn_log(c, "handshake timeout", "phase=%s",
		    c->state == CS_AUTHING ? "auth_credentials_received" :
		    "ws_upgrade_started");
		authq_forget(c);
		conn_close(c, 1000, "");
	}
}

/* Before the sandbox, which has no getrlimit. */
void
accept_init(struct worker *w)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		fd_limit = (uint64_t)rl.rlim_cur;
}

void
accept_start(struct worker *w)
{
	int	i;

	if (w->draining)
		return;
	for (i = 0; i < w->nlisteners; i++) {
		if (!ev_is_active(&w->listen_io[i])) {
			ev_io_init(&w->listen_io[i], listen_cb,
			    w->listen_fd[i], EV_READ);
			ev_io_start(w->loop, &w->listen_io[i]);
		}
	}
	ev_timer_init(&w->accept_pause, pause_cb, 1., 0.);
}

/*
 * A reload changed the listeners: serve the new sockets, give up the old
 * ones.  Established connections are not touched.
 */
void
accept_swap(struct worker *w, const int *fds, int n)
{
	int	i;

	accept_stop(w);
	for (i = 0; i < w->nlisteners; i++)
		close(w->listen_fd[i]);
	for (i = 0; i < n; i++)
		w->listen_fd[i] = fds[i];
	w->nlisteners = n;
	accept_start(w);
}

void
accept_stop(struct worker *w)
{
	int	i;

	for (i = 0; i < w->nlisteners; i++)
		ev_io_stop(w->loop, &w->listen_io[i]);
}
