/*
 * clawgate-worker: serves the clients the kernel hands it on the
 * listeners inherited from the master.  It creates its libwebsockets
 * context (which dlopens the libev glue), then chroots, drops to the
 * worker user and locks itself into a seccomp allowlist before it
 * accepts anyone.
 */
#include <sys/socket.h>

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "jsonwipe.h"
#include "log.h"
#include "preauth.h"
#include "privdrop.h"
#include "sandbox.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

struct worker	*W;
static struct worker	 worker;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: clawgate-worker -s slot -g generation -u user "
	    "[-c chroot] [-Dv]\n(started by clawgated; not for direct use)\n");
	exit(CG_EXIT_CONFIG);
}

static int
sock_type(int fd, int *listening)
{
	int		type = -1, acc = 0;
	socklen_t	len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return -1;
	len = sizeof(acc);
	if (listening != NULL)
		*listening = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc,
		    &len) == 0 && acc;
	return type;
}

/* The config arrives first, before anything else is set up. */
static void
read_config(struct worker *w)
{
	struct pollfd	pfd = { CG_FD_MASTER, POLLIN, 0 };
	struct ipc_msg	m;

	if (poll(&pfd, 1, 10000) != 1)
		fatalx("no configuration from the master within 10 s");
	if (ipc_recv(CG_FD_MASTER, &m) != 1 ||
	    ipc_check(IPC_CH_WORKER_FROM_MASTER, &m) == -1 ||
	    m.hdr.type != IPC_M2W_CONFIG)
		fatalx("expected the configuration from the master");
	memcpy(&w->cfg, m.buf, sizeof(w->cfg));
	if (w->cfg.nworkers == 0 || w->cfg.nworkers > PREAUTH_SLOTS ||
	    w->slot < 0 || w->slot >= (int)w->cfg.nworkers)
		fatalx("bad worker slot %d of %u", w->slot, w->cfg.nworkers);
	if ((w->preauth = preauth_shm_map(m.fd)) == NULL)
		fatal("mapping the pre-auth zone");
	preauth_shm_reset(w->preauth, w->slot);
	if (w->cfg.nlisteners == 0 || w->cfg.nlisteners > CG_MAX_LISTENERS)
		fatalx("bad listener count %u", w->cfg.nlisteners);
}

static void
check_fds(struct worker *w)
{
	unsigned	i;
	int		listening;

	if (sock_type(CG_FD_MASTER, NULL) != SOCK_SEQPACKET) {
		fprintf(stderr, "clawgate-worker: fd %d is not the master "
		    "channel: start clawgated instead\n", CG_FD_MASTER);
		exit(CG_EXIT_OSERR);
	}
	read_config(w);
	for (i = 0; i < w->cfg.nlisteners; i++)
		if (sock_type(CG_FD_LISTEN0 + (int)i, &listening) !=
		    SOCK_STREAM || !listening)
			fatalx("fd %u is not a listening socket", CG_FD_LISTEN0 + i);
	w->nlisteners = (int)w->cfg.nlisteners;
	for (i = 0; i < w->cfg.nlisteners; i++)
		w->listen_fd[i] = CG_FD_LISTEN0 + (int)i;
}

/* lws's own lines go to the master like ours (its stderr emitter is not
 * sandbox-safe: isatty, localtime). */
static void
lws_emit(int level, const char *line)
{
	size_t	n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_warnx("lws: %.*s", (int)n, line);
	else
		log_debug("lws: %.*s", (int)n, line);
}

static const lws_retry_bo_t	no_validity = { .secs_since_valid_ping = 0,
    .secs_since_valid_hangup = 0 };

static void
create_context(struct worker *w)
{
	struct lws_context_creation_info	 info;
	void					*loops[1];

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_emit);
	memset(&info, 0, sizeof(info));
	loops[0] = w->loop;
	info.options = LWS_SERVER_OPTION_LIBEV |
	    LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
	    LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.foreign_loops = loops;
	/* 0: the process descriptor limit, however high it was raised. */
	info.fd_limit_per_thread = 0;
	info.pcontext = &w->ctx;
	if ((w->ctx = lws_create_context(&info)) == NULL)
		fatalx("lws_create_context failed (is the libwebsockets-evlib-ev "
		    "package installed?)");
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = worker_protocols;
	info.vhost_name = "clawgate";
	info.keepalive_timeout = 15;
	info.timeout_secs = 20;
	/*
	 * No lws validity timer (we ping ourselves): lws 4.1 defaults it
	 * to 300 s and re-inserts it into a sorted list on every frame
	 * received, a walk over every open connection.
	 */
	info.retry_and_idle_policy = &no_validity;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if ((w->vhost = lws_create_vhost(w->ctx, &info)) == NULL)
		fatalx("lws_create_vhost failed");
}

/* A reload: new policy for new connects; slot and zone stay. */
static void
reconfigure(struct worker *w, struct ipc_msg *m)
{
	struct ipc_worker_config	nc;

	memcpy(&nc, m->buf, sizeof(nc));
	close(m->fd);		/* the pre-auth zone: already mapped */
	nc.slot = w->cfg.slot;
	nc.nworkers = w->cfg.nworkers;
	nc.nlisteners = w->cfg.nlisteners;
	w->cfg = nc;
	log_debug("configuration generation %llu applied",
	    (unsigned long long)nc.generation);
}

static void
add_listener(struct worker *w, struct ipc_msg *m)
{
	struct ipc_listener	l;
	uint32_t		i;

	memcpy(&l, m->buf, sizeof(l));
	if (l.total == 0 || l.total > CG_MAX_LISTENERS || l.index >= l.total)
		fatalx("bad listener message %u/%u", l.index, l.total);
	if (l.generation != w->next_gen) {
		for (i = 0; i < w->next_have; i++)
			close(w->next_fd[i]);
		w->next_gen = l.generation;
		w->next_have = 0;
	}
	if (l.index != w->next_have)
		fatalx("listener %u arrived out of order", l.index);
	w->next_fd[w->next_have++] = m->fd;
	fd_set_nonblock(m->fd);
	if (w->next_have == l.total) {
		accept_swap(w, w->next_fd, (int)l.total);
		w->cfg.nlisteners = l.total;
		w->next_have = 0;
		log_debug("now accepting on %u new listener%s", l.total,
		    l.total == 1 ? "" : "s");
	}
}

static void
master_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker	*w = W;
	struct ipc_msg	 m;
	int		 rc;

	for (;;) {
		rc = ipc_recv(CG_FD_MASTER, &m);
		if (rc == -1 && errno == EAGAIN)
			return;
		if (rc == 0)
			exit(0);	/* the master is gone */
		if (rc == -1 || ipc_check(IPC_CH_WORKER_FROM_MASTER, &m) == -1)
			fatalx("unexpected message from the master");
		switch (m.hdr.type) {
		case IPC_M2W_AUTHD_CHANNEL:
			authq_set_channel(w, m.fd);
			log_debug("new authd channel");
			break;
		case IPC_M2W_DRAIN:
			w->draining = 1;
			accept_stop(w);
			break;
		case IPC_M2W_CONFIG:
			reconfigure(w, &m);
			break;
		case IPC_M2W_LISTENER:
			add_listener(w, &m);
			break;
		}
	}
}

static void
tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	ws_tick_all(W);
}

static void
ping_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	ws_ping_all(W);
}

/* Once a second, if anything changed: counters for `clawgate status'. */
static void
stats_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	static struct ipc_worker_stats	last;

	if (memcmp(&last, &W->st, sizeof(last)) == 0)
		return;
	last = W->st;
	(void)ipc_send(CG_FD_MASTER, IPC_W2M_STATS, 0, &W->st, sizeof(W->st),
	    -1);
}

/*
 * Stop: no new clients; every session gets a close frame (1001 "going
 * away") so clients reconnect at once instead of waiting for a timeout;
 * exit when they are gone or after SHUTDOWN_GRACE_S.
 */
#define SHUTDOWN_GRACE_S	2.

static ev_timer	shutdown_poll;
static double	shutdown_started;

static void
shutdown_poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	if (TAILQ_EMPTY(&open_conns) ||
	    ev_now(loop) - shutdown_started > SHUTDOWN_GRACE_S)
		exit(0);
}

static void
sigterm_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
	struct conn	*c;

	if (W->draining == 2)
		exit(0);	/* a second TERM: now */
	W->draining = 2;
	accept_stop(W);
	TAILQ_FOREACH(c, &open_conns, open_entry)
		conn_close(c, 1001, "going away");
	shutdown_started = ev_now(loop);
	ev_timer_init(&shutdown_poll, shutdown_poll_cb, 0.05, 0.05);
	ev_timer_start(loop, &shutdown_poll);
}

#ifdef WITH_SANITIZERS
/*
 * LeakSanitizer needs /proc and ptrace, which a chrooted, seccomp'd child
 * has neither of: it would spin at exit.  Leaks are checked with
 * valgrind instead; ASan and UBSan stay on.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

int
main(int argc, char *argv[])
{
	struct worker	*w = &worker;
	struct privdrop	 pd;
	ev_signal	 sigterm;
	const char	*user = "_clawgate", *root = "";
	char		 err[512], proc[32];
	int		 ch, debug = 0, verbose = 0;

	json_wipe_on_free();	/* connect frames carry secrets */
	W = w;
	memset(w, 0, sizeof(*w));
	w->authd_fd = -1;
	while ((ch = getopt(argc, argv, "c:Dg:s:u:v")) != -1) {
		switch (ch) {
		case 'c': root = optarg; break;
		case 'D': debug = 1; break;
		case 'g': break;
		case 's': w->slot = atoi(optarg); break;
		case 'u': user = optarg; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	check_fds(w);
	fd_set_nonblock(CG_FD_MASTER);
	snprintf(proc, sizeof(proc), "worker[%d]", w->slot);
	log_init_child(strdup(proc), CG_FD_MASTER, verbose);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	tzset();
	json_object_seed(0);	/* jansson reads /dev/urandom lazily */
	w->started_ms = now_ms();
	w->started_mono = mono_ms();
	uuid_v4(w->boot_id);

	if (privdrop_prepare(&pd, user, root, err, sizeof(err)) == -1) {
		log_err("%s", err);
		exit(CG_EXIT_CONFIG);
	}
	w->loop = ev_default_loop(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
	if (w->loop == NULL)
		fatalx("cannot create the event loop");
	create_context(w);	/* before chroot: lws dlopens its libev glue */
	accept_init(w);
	ev_signal_init(&sigterm, sigterm_cb, SIGTERM);
	ev_signal_start(w->loop, &sigterm);

	ui_init(NULL);		/* before chroot and seccomp: reads files */
	privdrop_apply(&pd);
	sandbox_apply(SANDBOX_WORKER, debug, -1);

	if (sock_type(CG_FD_AUTHD, NULL) == SOCK_SEQPACKET)
		authq_set_channel(w, CG_FD_AUTHD);
	ev_io_init(&w->master_io, master_cb, CG_FD_MASTER, EV_READ);
	ev_io_start(w->loop, &w->master_io);
	ev_timer_init(&w->tick, tick_cb, w->cfg.tick_interval_ms / 1000.0,
	    w->cfg.tick_interval_ms / 1000.0);
	ev_timer_start(w->loop, &w->tick);
	ev_timer_init(&w->ping, ping_cb, w->cfg.ping_interval_ms / 1000.0,
	    w->cfg.ping_interval_ms / 1000.0);
	ev_timer_start(w->loop, &w->ping);
	ev_timer_init(&w->stats, stats_cb, 1., 1.);
	ev_timer_start(w->loop, &w->stats);
	accept_start(w);
	if (ipc_send(CG_FD_MASTER, IPC_X2M_READY, 0, &(uint32_t){ 0 }, 4, -1)
	    == -1)
		fatal("telling the master we are ready");
	ev_run(w->loop, 0);
	return 0;
}
