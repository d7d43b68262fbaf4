/*
 * accept.c: accept on the inherited listeners and hand each client to
 * libwebsockets.  lws 4.1 cannot take a pre-bound listening fd, so the
 * worker accepts itself and adopts the connected socket.
 */
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "worker.h"

static void	handshake_deadline_cb(struct ev_loop *, ev_timer *, int);

static void
accept_one(struct worker *w, int lfd)
{
	lws_sock_file_fd_type	 fd;
	struct conn		*c;
	struct lws		*wsi;
	int			 s;

	s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
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
	if ((c = conn_new(s)) == NULL) {
		close(s);
		return;
	}
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
	/* Our own timer: lws timeouts fire up to 30 s late on libev. */
	ev_timer_init(&c->deadline, handshake_deadline_cb,
	    w->cfg.handshake_timeout_ms / 1000.0, 0.);
	c->deadline.data = c;
	ev_timer_start(w->loop, &c->deadline);
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
 * The handshake deadline: 15 s from accept until hello-ok.  A WebSocket
 * gets close 1000 with no reason (as the reference); a client still
 * sending HTTP headers is cut off.
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
