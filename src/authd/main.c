/*
 * clawgate-authd: the only process that holds the gateway's secrets.
 *
 * It starts as root only long enough to open its state directory and
 * become an unprivileged user in an empty chroot, refuses to be ptraced
 * or dumped, and then answers on each worker's private channel: may this
 * connect proceed, and what may this connection do with the pairing
 * table (rpc.c).  The master forwards the local operator's pairing
 * requests from its control socket; they run with full authority.  Its only files are the pairing store, reached through
 * the directory descriptor opened before the sandbox (store.c); it opens
 * no sockets and ignores workers until the master has given it the
 * secrets (OpenSMTPD's ca.c stance).
 *
 * Replies to a worker leave in order through a per-channel queue, so an
 * event queued before a verdict is never overtaken by it.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "authd.h"
#include "authproto.h"
#include "clawgate.h"
#include "hold.h"
#include "ipc.h"
#include "json5.h"
#include "jsonwipe.h"
#include "log.h"
#include "privdrop.h"
#include "rpc.h"
#include "sandbox.h"
#include "store.h"
#include "util.h"

#define MAX_CHANNELS	128
#define OUTQ_MAX	((size_t)64 << 20)	/* unsent bytes per channel */
#define FLUSH_EVERY	300.0	/* s, soft changes (last seen): a full rewrite */

struct outmsg {
	TAILQ_ENTRY(outmsg)	 q;
	uint16_t		 type;
	uint64_t		 id;
	size_t			 len;
	uint8_t			 data[];
};

struct channel {
	int			 fd;		/* -1 when unused */
	uint32_t		 slot;
	uint64_t		 id;		/* unique, never reused */
	ev_io			 io, wio;
	TAILQ_HEAD(, outmsg)	 outq;
	size_t			 outbytes;
};

static struct authd	*authd;
static struct store	*store;
static struct rpc	*rpc;
static struct channel	 channels[MAX_CHANNELS];
static uint64_t		 next_chan_id = 1;
static int		 have_secrets;
static struct ev_loop	*loop;
static ev_io		 master_io;
static struct channel	 master_out;	/* replies to the master, queued */
static ev_timer		 flush_timer;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: clawgate-authd -s slot -g generation -u user "
	    "[-c chroot] [-S statedir] [-a file|syslog] [-Dv]\n"
	    "(started by clawgated; not for direct use)\n");
	exit(CG_EXIT_CONFIG);
}

static void
channel_close(struct channel *c)
{
	struct outmsg	*o;

	if (c == &master_out)
		fatalx("the master does not take our replies");
	ev_io_stop(loop, &c->io);
	ev_io_stop(loop, &c->wio);
	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, q);
		sodium_memzero(o->data, o->len);
		free(o);
	}
	c->outbytes = 0;
	close(c->fd);
	c->fd = -1;
	rpc_channel_gone(rpc, c->id);	/* its connections are gone */
}

/* Send what the socket takes; watch for room if anything is left. */
static void
channel_flush(struct channel *c)
{
	struct outmsg	*o;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		if (ipc_send(c->fd, o->type, o->id, o->data, o->len, -1) == -1) {
			if (errno == EAGAIN)
				break;
			log_warn("sending to worker[%u]: dropping its channel",
			    c->slot);
			channel_close(c);
			return;
		}
		TAILQ_REMOVE(&c->outq, o, q);
		c->outbytes -= o->len;
		sodium_memzero(o->data, o->len);
		free(o);
	}
	if (TAILQ_EMPTY(&c->outq))
		ev_io_stop(loop, &c->wio);
	else
		ev_io_start(loop, &c->wio);
}

static void
channel_writable_cb(struct ev_loop *l, ev_io *w, int revents)
{
	channel_flush(w->data);
}

static void
channel_send(struct channel *c, uint16_t type, uint64_t id, const void *p,
    size_t len)
{
	struct outmsg	*o;

	if (c->fd == -1)
		return;
	if (c->outbytes + len > OUTQ_MAX ||
	    (o = malloc(sizeof(*o) + len)) == NULL) {
		log_warnx("worker[%u] does not read its channel: dropping it",
		    c->slot);
		channel_close(c);
		return;
	}
	o->type = type;
	o->id = id;
	o->len = len;
	memcpy(o->data, p, len);
	TAILQ_INSERT_TAIL(&c->outq, o, q);
	c->outbytes += len;
	channel_flush(c);
}

/* rpc.c's way out. */
static void
rpc_send(void *arg, uint64_t chan, uint16_t type, uint64_t id,
    const void *p, size_t len)
{
	int	i;

	for (i = 0; i < MAX_CHANNELS; i++)
		if (channels[i].fd != -1 && (chan == RPC_ALL_CHANNELS ||
		    channels[i].id == chan))
			channel_send(&channels[i], type, id, p, len);
}

/* hold.c's way out: the channel may have gone meanwhile. */
static void
held_send(uint64_t chan, uint64_t id, const struct auth_verdict *v)
{
	int	i;

	for (i = 0; i < MAX_CHANNELS; i++)
		if (channels[i].fd != -1 && channels[i].id == chan) {
			channel_send(&channels[i], IPC_A2W_VERDICT, id, v,
			    sizeof(*v));
			return;
		}
}

/* A device paired on its own connect (local, or a setup code). */
static void
audit_silent_pairing(const struct auth_req *req, const struct auth_verdict *v)
{
	json_t	*o;

	o = json_pack("{s:s,s:s,s:s%,s:s%,s:o}", "event", "device.pair.silent",
	    "operator", "silent", "deviceId", v->device_id,
	    strnlen(v->device_id, sizeof(v->device_id)), "role", v->role,
	    strnlen(v->role, sizeof(v->role)), "scopes",
	    audit_scopes(v->scopes));
	if (o == NULL)
		return;
	if (req->peer.p != NULL)
		json_object_set_new(o, "peer", json_stringn(req->peer.p,
		    req->peer.len));
	json_object_set_new(o, "outcome", json_string("OK"));
	audit_change(o);
	json_decref(o);
}

static void
answer(struct channel *c, const struct ipc_msg *m)
{
	struct auth_req		req;
	struct auth_verdict	v;

	memset(&v, 0, sizeof(v));
	if (auth_req_decode(m->buf, m->hdr.len, &req) == -1) {
		log_warnx("worker[%u] sent a malformed auth request: dropping "
		    "its channel", c->slot);
		channel_close(c);
		return;
	}
	if (!have_secrets) {
		v.result = VERDICT_ERROR;
		v.reason = AUTH_R_UNAVAILABLE;
	} else
		rpc_connect(rpc, c->id, &req, now_ms(), &v);
	/* On disk before the answer leaves (audit.h). */
	audit_verdict(&req, &v);
	if (v.result == VERDICT_OK && (v.flags & VERDICT_F_SILENT_PAIRED))
		audit_silent_pairing(&req, &v);
	/* A delayed answer leaves authd late, whatever the worker does. */
	if (v.delay_ms == 0 || v.result == VERDICT_ERROR ||
	    hold_verdict(c->id, m->hdr.id, &v) == -1)
		channel_send(c, IPC_A2W_VERDICT, m->hdr.id, &v, sizeof(v));
	sodium_memzero(&v, sizeof(v));
}

static void
dispatch(struct channel *c, const struct ipc_msg *m)
{
	switch (m->hdr.type) {
	case IPC_W2A_AUTH_REQ:
		answer(c, m);
		break;
	case IPC_W2A_RPC:
		rpc_call(rpc, c->id, m->hdr.id, m->buf, m->hdr.len, now_ms());
		break;
	case IPC_W2A_SESSION_END:
		rpc_session_end(rpc, c->id, m->buf, m->hdr.len);
		break;
	}
}

static void
worker_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct channel	*c = w->data;
	struct ipc_msg	 m;
	int		 rc, n;

	for (n = 0; n < 64 && c->fd != -1; n++) {
		rc = ipc_recv(c->fd, &m);
		if (rc == -1 && errno == EAGAIN)
			break;
		if (rc == 0) {
			channel_close(c);	/* that worker is gone */
			break;
		}
		if (rc == -1 || ipc_check(IPC_CH_AUTHD_FROM_WORKER, &m) == -1) {
			log_warnx("worker[%u] broke the IPC protocol (%s): "
			    "dropping its channel", c->slot, rc == -1 ?
			    strerror(errno) : ipc_type_name(m.hdr.type));
			if (rc == 1 && m.fd >= 0)
				close(m.fd);
			channel_close(c);
			break;
		}
		dispatch(c, &m);
		sodium_memzero(m.buf, m.hdr.len);
	}
}

static void
add_channel(int fd, uint32_t slot)
{
	int	i;

	for (i = 0; i < MAX_CHANNELS; i++)
		if (channels[i].fd == -1)
			break;
	if (i == MAX_CHANNELS) {
		log_warnx("too many worker channels: refusing one for "
		    "worker[%u]", slot);
		close(fd);
		return;
	}
	fd_set_nonblock(fd);
	channels[i].fd = fd;
	channels[i].slot = slot;
	channels[i].id = next_chan_id++;
	TAILQ_INIT(&channels[i].outq);
	channels[i].outbytes = 0;
	ev_io_init(&channels[i].io, worker_cb, fd, EV_READ);
	channels[i].io.data = &channels[i];
	ev_io_init(&channels[i].wio, channel_writable_cb, fd, EV_WRITE);
	channels[i].wio.data = &channels[i];
	ev_io_start(loop, &channels[i].io);
}

static void
load_secrets(const struct ipc_msg *m)
{
	struct ipc_secrets	s;
	uint32_t		ok = 0;
	const char		*tok, *pw;

	memcpy(&s, m->buf, sizeof(s));
	if (sizeof(s) + (size_t)s.token_len + s.password_len == m->hdr.len &&
	    s.token_len <= 1024 && s.password_len <= 1024) {
		tok = (const char *)m->buf + sizeof(s);
		pw = tok + s.token_len;
		if (authd_set_fingerprint_key(authd, s.fp_key) == 0 &&
		    authd_set_secrets(authd, s.auth_mode, s.token_len ? tok :
		    NULL, s.token_len, s.password_len ? pw : NULL,
		    s.password_len) == 0) {
			ok = 1;
			have_secrets = 1;
		}
	}
	sodium_memzero(&s, sizeof(s));
	if (!ok)
		log_warnx("secrets message rejected; keeping the old secrets");
	if (ipc_send(CG_FD_MASTER, IPC_A2M_SECRETS_RESULT, m->hdr.id, &ok,
	    sizeof(ok), -1) == -1)
		log_warn("answering the master");
}

static void
master_piece(void *arg, const void *p, size_t len)
{
	channel_send(&master_out, IPC_A2M_RPC_RESULT, *(uint64_t *)arg, p,
	    len);
}

/* The control socket's request, with the local operator's authority. */
/* AUDIT_SYSLOG: the master writes the line to syslog(3). */
static void
audit_to_master(const char *line, size_t len)
{
	if (len > IPC_MAX_MSG - sizeof(struct ipc_hdr))
		len = IPC_MAX_MSG - sizeof(struct ipc_hdr);
	channel_send(&master_out, IPC_A2M_AUDIT, 0, line, len);
}

static void
master_rpc(const struct ipc_msg *m)
{
	uint64_t	 id = m->hdr.id;
	char		*text;

	if (rpc == NULL || !have_secrets)
		text = strdup("{\"ok\":false,\"error\":{\"code\":"
		    "\"UNAVAILABLE\",\"message\":\"authd is starting; retry "
		    "shortly\"}}");
	else
		text = rpc_admin_request(rpc, m->buf, m->hdr.len, now_ms());
	if (text == NULL) {
		log_warnx("out of memory: a control request is not answered");
		return;
	}
	rpc_pieces(text, strlen(text), master_piece, &id);
	free(text);
}

static void
master_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct ipc_auth_policy	pol;
	struct ipc_msg		m;
	uint32_t		slot;
	int			rc;

	for (;;) {
		rc = ipc_recv(CG_FD_MASTER, &m);
		if (rc == -1 && errno == EAGAIN)
			return;
		if (rc == 0)
			exit(0);	/* the master is gone: so are we */
		if (rc == -1 || ipc_check(IPC_CH_AUTHD_FROM_MASTER, &m) == -1)
			fatalx("unexpected message from the master");
		switch (m.hdr.type) {
		case IPC_M2A_POLICY:
			memcpy(&pol, m.buf, sizeof(pol));
			authd_set_policy(authd, &pol);
			break;
		case IPC_M2A_SECRETS:
			load_secrets(&m);
			break;
		case IPC_M2A_WORKER_CHANNEL:
			memcpy(&slot, m.buf, sizeof(slot));
			add_channel(m.fd, slot);
			break;
		case IPC_M2A_RPC:
			master_rpc(&m);
			break;
		case IPC_M2A_AUDIT_FD: {
			uint32_t mode;

			memcpy(&mode, m.buf, sizeof(mode));
			if ((mode == AUDIT_FILE) != (m.fd >= 0) ||
			    mode > AUDIT_SYSLOG)
				fatalx("bad audit log message from the master");
			audit_set(mode, m.fd);
			break;
		}
		}
		sodium_memzero(m.buf, m.hdr.len);
	}
}

/* Changes nobody waits for (last use, metadata) are saved lazily. */
static void
flush_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)rpc_flush(rpc);
}

static void
sigterm_cb(struct ev_loop *l, ev_signal *w, int revents)
{
	(void)rpc_flush(rpc);
	exit(0);
}

/* Before privdrop: the store's directory, the only files authd uses. */
static void
open_store(const char *dir)
{
	char	err[4200];

	if (dir == NULL) {
		log_warnx("no state directory (-S): paired devices will not "
		    "survive a restart");
		return;
	}
	if ((store = store_open(dir, err, sizeof(err))) == NULL) {
		log_err("pairing store: %s", err);
		exit(CG_EXIT_CONFIG);
	}
}

/*
 * In the sandbox: load the table, or start one.  A store that cannot be
 * read is a configuration error: starting empty would unpair everyone.
 */
static void
load_store(void)
{
	char	err[4200];
	int	rc;

	if (store == NULL)
		return;
	if ((rc = store_load(store, authd, err, sizeof(err))) == -1) {
		log_err("pairing store unusable: %s (fix or move it away; "
		    "authd will not start without it)", err);
		exit(CG_EXIT_CONFIG);
	}
	if (rc == 1) {
		if (store_save(store, authd, err, sizeof(err)) == -1) {
			log_err("cannot create the pairing store: %s", err);
			exit(CG_EXIT_CONFIG);
		}
		log_info("pairing store created: %s", store_path(store));
	} else {
		/* The parsed document is freed: give its heap back. */
		malloc_trim(0);
		log_info("pairing store loaded: %zu devices, %zu pending "
		    "requests", pairing_count(authd_pairing(authd)),
		    pairing_pending_count(authd_pairing(authd), now_ms()));
	}
}

static void
check_slot(int fd)
{
	int		type;
	socklen_t	len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_SEQPACKET) {
		fprintf(stderr, "clawgate-authd: fd %d is not the master "
		    "channel: start clawgated instead\n", fd);
		exit(CG_EXIT_OSERR);
	}
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
	struct privdrop	 pd;
	struct rlimit	 rl = { 0, 0 };
	ev_signal	 sigterm;
	const char	*user = "_clawgate_auth", *root = "", *dir = NULL;
	char		 err[512];
	const char	*audit = NULL;
	int		 ch, debug = 0, verbose = 0, i;

	json_wipe_on_free();	/* its requests carry secrets */
	while ((ch = getopt(argc, argv, "a:c:Dg:S:s:u:v")) != -1) {
		switch (ch) {
		case 'a': audit = optarg; break;
		case 'c': root = optarg; break;
		case 'D': debug = 1; break;
		case 'g': case 's': break;
		case 'S': dir = optarg; break;
		case 'u': user = optarg; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	check_slot(CG_FD_MASTER);
	fd_set_nonblock(CG_FD_MASTER);
	log_init_child("authd", CG_FD_MASTER, verbose);
	/* The audit log: the master's file in its slot, or lines to it. */
	audit_init(audit_to_master);
	if (audit != NULL && strcmp(audit, "file") == 0) {
		if (fcntl(CG_FD_AUDIT, F_GETFD) == -1)
			fatalx("-a file without a descriptor in slot %d",
			    CG_FD_AUDIT);
		(void)fcntl(CG_FD_AUDIT, F_SETFD, FD_CLOEXEC);
		audit_set(AUDIT_FILE, CG_FD_AUDIT);
	} else if (audit != NULL && strcmp(audit, "syslog") == 0)
		audit_set(AUDIT_SYSLOG, -1);
	else if (audit != NULL)
		usage();

	/* No core files, no ptrace from other uids: secrets live here. */
	(void)setrlimit(RLIMIT_CORE, &rl);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	json_object_seed(0);	/* jansson reads /dev/urandom lazily */
	tzset();
	if ((authd = authd_new()) == NULL)
		fatalx("out of memory");
	for (i = 0; i < MAX_CHANNELS; i++)
		channels[i].fd = -1;
	open_store(dir);

	if (privdrop_prepare(&pd, user, root, err, sizeof(err)) == -1) {
		log_err("%s", err);
		exit(CG_EXIT_CONFIG);
	}
	loop = ev_default_loop(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
	if (loop == NULL)
		fatalx("cannot create the event loop");
	ev_signal_init(&sigterm, sigterm_cb, SIGTERM);
	ev_signal_start(loop, &sigterm);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* a full store fails a save, no more */
	hold_init(loop, held_send);
	ev_io_init(&master_io, master_cb, CG_FD_MASTER, EV_READ);
	ev_io_start(loop, &master_io);
	master_out.fd = CG_FD_MASTER;
	TAILQ_INIT(&master_out.outq);
	ev_io_init(&master_out.wio, channel_writable_cb, CG_FD_MASTER,
	    EV_WRITE);
	master_out.wio.data = &master_out;
	ev_timer_init(&flush_timer, flush_cb, FLUSH_EVERY, FLUSH_EVERY);
	ev_timer_start(loop, &flush_timer);

	privdrop_apply(&pd);
	sandbox_apply(SANDBOX_AUTHD, debug, store != NULL ?
	    store_dirfd(store) : -1);
	load_store();
	if ((rpc = rpc_new(authd, store, rpc_send, NULL)) == NULL)
		fatalx("out of memory");
	rpc_set_audit(rpc, audit_change);

	if (ipc_send(CG_FD_MASTER, IPC_X2M_READY, 0, &(uint32_t){ 0 }, 4, -1)
	    == -1)
		fatal("telling the master we are ready");
	ev_run(loop, 0);
	return 0;
}
