/*
 * clawgate-authd: the only process that holds the gateway's secrets.
 *
 * It starts as root only long enough to become an unprivileged user in
 * an empty chroot, refuses to be ptraced or dumped, and then answers one
 * question on each worker's private channel: may this connect proceed?
 * It opens no files and no sockets; it ignores workers until the master
 * has given it the secrets (OpenSMTPD's ca.c stance).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <ev.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authd.h"
#include "authproto.h"
#include "clawgate.h"
#include "ipc.h"
#include "log.h"
#include "privdrop.h"
#include "sandbox.h"
#include "util.h"

#define MAX_CHANNELS	128

struct channel {
	int		 fd;		/* -1 when unused */
	uint32_t	 slot;
	ev_io		 io;
};

static struct authd	*authd;
static struct channel	 channels[MAX_CHANNELS];
static int		 have_secrets;
static struct ev_loop	*loop;
static ev_io		 master_io;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: clawgate-authd -s slot -g generation -u user "
	    "[-c chroot] [-Dv]\n(started by clawgated; not for direct use)\n");
	exit(CG_EXIT_CONFIG);
}

static void
channel_close(struct channel *c)
{
	ev_io_stop(loop, &c->io);
	close(c->fd);
	c->fd = -1;
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
		authd_decide(authd, &req, now_ms(), &v);
	if (ipc_send(c->fd, IPC_A2W_VERDICT, m->hdr.id, &v, sizeof(v), -1)
	    == -1 && errno != EAGAIN)
		log_warn("sending verdict to worker[%u]", c->slot);
	sodium_memzero(&v, sizeof(v));
}

static void
worker_cb(struct ev_loop *l, ev_io *w, int revents)
{
	struct channel	*c = w->data;
	struct ipc_msg	 m;
	int		 rc, n;

	for (n = 0; n < 64; n++) {
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
		answer(c, &m);
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
	ev_io_init(&channels[i].io, worker_cb, fd, EV_READ);
	channels[i].io.data = &channels[i];
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
		if (authd_set_secrets(authd, s.auth_mode, s.token_len ? tok :
		    NULL, s.token_len, s.password_len ? pw : NULL,
		    s.password_len) == 0) {
			ok = 1;
			have_secrets = 1;
		}
	}
	if (!ok)
		log_warnx("secrets message rejected; keeping the old secrets");
	if (ipc_send(CG_FD_MASTER, IPC_A2M_SECRETS_RESULT, m->hdr.id, &ok,
	    sizeof(ok), -1) == -1)
		log_warn("answering the master");
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
		}
		sodium_memzero(m.buf, m.hdr.len);
	}
}

static void
sigterm_cb(struct ev_loop *l, ev_signal *w, int revents)
{
	exit(0);
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

int
main(int argc, char *argv[])
{
	struct privdrop	 pd;
	struct rlimit	 rl = { 0, 0 };
	ev_signal	 sigterm;
	const char	*user = "_clawgate_auth", *root = "";
	char		 err[512];
	int		 ch, debug = 0, verbose = 0, i;

	while ((ch = getopt(argc, argv, "c:Dg:S:s:u:v")) != -1) {
		switch (ch) {
		case 'c': root = optarg; break;
		case 'D': debug = 1; break;
		case 'g': case 's': break;
		case 'S': break;	/* the pairing store directory */
		case 'u': user = optarg; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	check_slot(CG_FD_MASTER);
	fd_set_nonblock(CG_FD_MASTER);
	log_init_child("authd", CG_FD_MASTER, verbose);

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
	ev_io_init(&master_io, master_cb, CG_FD_MASTER, EV_READ);
	ev_io_start(loop, &master_io);

	privdrop_apply(&pd);
	sandbox_apply(SANDBOX_AUTHD, debug);

	if (ipc_send(CG_FD_MASTER, IPC_X2M_READY, 0, &(uint32_t){ 0 }, 4, -1)
	    == -1)
		fatal("telling the master we are ready");
	ev_run(loop, 0);
	return 0;
}
