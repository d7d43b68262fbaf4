/*
 * children.c: spawn, talk to and supervise authd and the workers.
 *
 * Children are fork+exec'd with their channels in fixed fd slots, an
 * empty environment and a reset signal state.  The master relays their
 * log lines, feeds authd its secrets, hands every worker a private
 * channel to authd, and respawns with backoff.  If authd cannot stay up
 * the master shuts everything down: it never runs open.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawgate.h"
#include "log.h"
#include "master.h"
#include "util.h"

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		10000
#define AUTHD_MAX_DEATHS	3	/* in AUTHD_DEATH_WINDOW_MS: fail closed */
#define AUTHD_DEATH_WINDOW_MS	60000

static void	child_read_cb(struct ev_loop *, ev_io *, int);
static void	child_exit_cb(struct ev_loop *, ev_child *, int);
static void	respawn_cb(struct ev_loop *, ev_timer *, int);
static int	spawn(struct master *, struct child *);
static void	authd_feed(struct master *);
static void	connect_worker_to_authd(struct master *, struct child *);

static const char *
child_name(const struct child *c, char *buf, size_t len)
{
	if (c->kind == CHILD_AUTHD)
		snprintf(buf, len, "authd");
	else
		snprintf(buf, len, "worker[%d]", c->slot);
	return buf;
}

void
children_init(struct master *m)
{
	int	i;

	memset(&m->authd, 0, sizeof(m->authd));
	m->authd.kind = CHILD_AUTHD;
	m->authd.fd = -1;
	m->authd.io.data = m;
	for (i = 0; i < MAX_WORKERS; i++) {
		memset(&m->workers[i], 0, sizeof(m->workers[i]));
		m->workers[i].kind = CHILD_WORKER;
		m->workers[i].slot = i;
		m->workers[i].fd = -1;
	}
}

/* Move `fd' to `slot' and make sure it survives exec (P9 in the notes). */
static void
place_fd(int fd, int slot)
{
	if (fd == slot) {
		if (fcntl(fd, F_SETFD, 0) == -1)
			_exit(CG_EXIT_OSERR);
	} else if (dup2(fd, slot) == -1)
		_exit(CG_EXIT_OSERR);
}

/* Child side of fork: reset signals, lay out fds, exec.  Never returns. */
static void
exec_child(struct master *m, struct child *c, int chan, int authd_chan)
{
	char		*argv[20], slot[16], gen[24];
	char		*envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	const char	*path;
	sigset_t	 all;
	int		 i, n = 0, high[2 + CG_MAX_LISTENERS] = { -1, -1 }, nh = 0;
	int		 maxfd;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);

	/* Lift every source fd above the slots first so none is clobbered. */
	high[nh++] = fcntl(chan, F_DUPFD_CLOEXEC, 64);
	if (c->kind == CHILD_WORKER) {
		high[nh++] = authd_chan >= 0 ?
		    fcntl(authd_chan, F_DUPFD_CLOEXEC, 64) : -1;
		for (i = 0; i < m->ls.n; i++)
			high[nh++] = fcntl(m->ls.l[i].fds[c->slot],
			    F_DUPFD_CLOEXEC, 64);
	}
	if (c->kind == CHILD_AUTHD && m->audit_mode == AUDIT_FILE &&
	    m->audit_fd != -1)
		high[nh++] = fcntl(m->audit_fd, F_DUPFD_CLOEXEC, 64);
	place_fd(high[0], CG_FD_MASTER);
	maxfd = CG_FD_MASTER;
	if (c->kind == CHILD_AUTHD && nh > 1) {
		place_fd(high[1], CG_FD_AUDIT);
		maxfd = CG_FD_AUDIT;
	}
	if (c->kind == CHILD_WORKER) {
		if (high[1] >= 0)
			place_fd(high[1], CG_FD_AUTHD);
		else
			close(CG_FD_AUTHD);
		for (i = 0; i < m->ls.n; i++)
			place_fd(high[2 + i], CG_FD_LISTEN0 + i);
		maxfd = CG_FD_LISTEN0 + m->ls.n - 1;
	}
#ifdef HAVE_CLOSEFROM
	closefrom(maxfd + 1);
#else
	for (i = maxfd + 1; i < 1024; i++)
		close(i);
#endif
	path = c->kind == CHILD_AUTHD ? m->authd_path : m->worker_path;
	argv[n++] = c->kind == CHILD_AUTHD ? "clawgate-authd" :
	    "clawgate-worker";
	snprintf(slot, sizeof(slot), "%d", c->slot);
	snprintf(gen, sizeof(gen), "%llu", (unsigned long long)m->generation);
	argv[n++] = "-s";
	argv[n++] = slot;
	argv[n++] = "-g";
	argv[n++] = gen;
	argv[n++] = "-u";
	argv[n++] = c->kind == CHILD_AUTHD ? m->cfg.auth_user : m->cfg.user;
	if (m->cfg.chroot_dir[0] != '\0') {
		argv[n++] = "-c";
		argv[n++] = m->cfg.chroot_dir;
	}
	if (c->kind == CHILD_AUTHD) {
		argv[n++] = "-S";
		argv[n++] = m->authd_state_dir;
		/* The audit log: a file in CG_FD_AUDIT, or lines to us. */
		if (m->audit_mode == AUDIT_FILE && nh > 1) {
			argv[n++] = "-a";
			argv[n++] = "file";
		} else if (m->audit_mode == AUDIT_SYSLOG) {
			argv[n++] = "-a";
			argv[n++] = "syslog";
		}
	}
	if (m->sandbox_debug)
		argv[n++] = "-D";
	if (m->verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	execve(path, argv, envp);
	/* Cannot log through the master from here: stderr is all we have. */
	dprintf(2, "clawgated: cannot execute %s: %s\n", path, strerror(errno));
	_exit(CG_EXIT_CONFIG);
}

static int
spawn(struct master *m, struct child *c)
{
	char	name[32];
	int	sv[2], av[2] = { -1, -1 };
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	/* A worker gets its authd channel at exec if authd is serving. */
	if (c->kind == CHILD_WORKER && m->authd.ready &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, av) == -1) {
		log_warn("socketpair");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		if (av[0] != -1) {
			close(av[0]);
			close(av[1]);
		}
		return -1;
	}
	if (pid == 0)
		exec_child(m, c, sv[1], av[1]);
	close(sv[1]);
	if (av[0] != -1) {
		close(av[1]);
		if (ipc_send(m->authd.fd, IPC_M2A_WORKER_CHANNEL, 0,
		    &(uint32_t){ (uint32_t)c->slot }, 4, av[0]) == -1)
			log_warn("sending worker channel to authd");
		close(av[0]);
	}
	c->pid = pid;
	c->fd = sv[0];
	c->ready = 0;
	c->started_ms = mono_ms();
	fd_set_nonblock(c->fd);
	ev_io_init(&c->io, child_read_cb, c->fd, EV_READ);
	c->io.data = m;
	ev_io_start(m->loop, &c->io);
	ev_child_init(&c->cw, child_exit_cb, pid, 0);
	c->cw.data = m;
	ev_child_start(m->loop, &c->cw);
	log_debug("%s started (pid %ld)", child_name(c, name, sizeof(name)),
	    (long)pid);
	return 0;
}

static struct child *
child_of_io(struct master *m, ev_io *w)
{
	return (struct child *)((char *)w - offsetof(struct child, io));
}

static void
worker_config(struct master *m, struct child *c)
{
	struct ipc_worker_config	 wc;
	const struct cg_config		*cfg = &m->cfg;
	int				 i;

	memset(&wc, 0, sizeof(wc));
	wc.generation = m->generation;
	wc.slot = (uint32_t)c->slot;
	wc.nlisteners = (uint32_t)m->ls.n;
	wc.handshake_timeout_ms = CG_HANDSHAKE_TIMEOUT_MS;
	wc.preauth_per_ip = CG_PREAUTH_PER_IP;
	wc.preauth_global = CG_PREAUTH_GLOBAL;
	wc.tick_interval_ms = CG_TICK_INTERVAL_MS;
	wc.ping_interval_ms = CG_PING_INTERVAL_MS;
	wc.auth_mode = (uint32_t)m->secret.mode;
	wc.control_ui_enabled = (uint32_t)cfg->control_ui_enabled;
	wc.dev_mode = (uint32_t)m->foreground;
	wc.port = (uint32_t)cfg->port;
	wc.nworkers = (uint32_t)m->nworkers;
	wc.ipv4_prefix = (uint32_t)m->cfg.rate_limit.ipv4_prefix;
	wc.ipv6_prefix = (uint32_t)m->cfg.rate_limit.ipv6_prefix;
	wc.nlocal_peers = (uint32_t)cfg->nlocal_peers;
	for (i = 0; i < cfg->nlocal_peers && i < 16; i++) {
		wc.local_peers[i].family = cfg->local_peers[i].family;
		wc.local_peers[i].prefix = cfg->local_peers[i].prefix;
		memcpy(wc.local_peers[i].addr, cfg->local_peers[i].addr, 16);
	}
	wc.ntrusted_proxies = (uint32_t)cfg->ntrusted_proxies;
	for (i = 0; i < cfg->ntrusted_proxies && i < 16; i++) {
		wc.trusted_proxies[i].family = cfg->trusted_proxies[i].family;
		wc.trusted_proxies[i].prefix = cfg->trusted_proxies[i].prefix;
		memcpy(wc.trusted_proxies[i].addr, cfg->trusted_proxies[i].addr,
		    16);
	}
	wc.nallowed_origins = (uint32_t)cfg->nallowed_origins;
	for (i = 0; i < cfg->nallowed_origins && i < 16; i++)
		cg_strlcpy(wc.allowed_origins[i], cfg->allowed_origins[i],
		    sizeof(wc.allowed_origins[i]));
	cg_strlcpy(wc.base_path, cfg->control_ui_base_path,
	    sizeof(wc.base_path));
	if (ipc_send(c->fd, IPC_M2W_CONFIG, m->generation, &wc, sizeof(wc),
	    m->preauth_fd) == -1)
		log_warn("sending config to worker[%d]", c->slot);
}

static void
on_message(struct master *m, struct child *c, struct ipc_msg *msg)
{
	char	name[32];

	child_name(c, name, sizeof(name));
	switch (msg->hdr.type) {
	case IPC_X2M_LOG:
		log_child_line(name, (uint8_t)msg->buf[0],
		    (const char *)msg->buf + 1, msg->hdr.len - 1);
		break;
	case IPC_X2M_READY:
		if (c->kind == CHILD_AUTHD) {
			log_debug("authd ready: sending secrets");
			authd_feed(m);
		} else {
			c->ready = 1;
			log_debug("%s ready", name);
			master_worker_ready(m);
		}
		break;
	case IPC_A2M_SECRETS_RESULT: {
		uint32_t ok;

		memcpy(&ok, msg->buf, 4);
		if (!ok) {
			log_err("authd refused the secrets; shutting down");
			m->exit_code = CG_EXIT_FAIL;
			children_stop(m);
			break;
		}
		if (c->ready)
			break;	/* a reload: workers keep their channels */
		c->ready = 1;
		for (int i = 0; i < m->nworkers; i++)
			if (m->workers[i].pid > 0)
				connect_worker_to_authd(m, &m->workers[i]);
			else if (!m->stopping && m->workers[i].pid == 0 &&
			    !ev_is_active(&m->workers[i].respawn) &&
			    m->workers[i].restarts == 0) {
				if (spawn(m, &m->workers[i]) == 0)
					worker_config(m, &m->workers[i]);
			}
		break;
	}
	case IPC_W2M_STATS:
		memcpy(&c->stats, msg->buf, sizeof(c->stats));
		break;
	case IPC_A2M_AUDIT:
		if (m->audit_mode == AUDIT_SYSLOG)
			audit_syslog_line((const char *)msg->buf,
			    msg->hdr.len);
		break;
	case IPC_A2M_RPC_RESULT:
		control_rpc_result(m, msg->hdr.id, (const char *)msg->buf,
		    msg->hdr.len);
		break;
	}
}

static void
child_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct master	*m = w->data;
	struct child	*c = child_of_io(m, w);
	struct ipc_msg	 msg;
	char		 name[32];
	int		 rc;

	for (;;) {
		rc = ipc_recv(c->fd, &msg);
		if (rc == -1 && errno == EAGAIN)
			return;
		if (rc <= 0 || ipc_check(c->kind == CHILD_AUTHD ?
		    IPC_CH_MASTER_FROM_AUTHD : IPC_CH_MASTER_FROM_WORKER,
		    &msg) == -1) {
			if (rc == 1) {
				log_warnx("%s sent an unexpected %s message: "
				    "killing it", child_name(c, name,
				    sizeof(name)), ipc_type_name(msg.hdr.type));
				if (msg.fd >= 0)
					close(msg.fd);
				kill(c->pid, SIGKILL);
			} else if (rc == -1)
				log_warn("reading from %s",
				    child_name(c, name, sizeof(name)));
			ev_io_stop(loop, w);
			close(c->fd);
			c->fd = -1;
			c->ready = 0;
			return;
		}
		on_message(m, c, &msg);
	}
}

/* Send authd the auth policy and the secrets. */
static void
authd_feed(struct master *m)
{
	struct ipc_auth_policy	 pol;
	struct ipc_secrets	*sec;
	uint8_t			 buf[sizeof(*sec) + 2 * 1024];
	size_t			 tl, pl;

	pol.max_attempts = (uint32_t)m->cfg.rate_limit.max_attempts;
	pol.window_ms = (uint32_t)m->cfg.rate_limit.window_ms;
	pol.lockout_ms = (uint32_t)m->cfg.rate_limit.lockout_ms;
	pol.exempt_loopback = (uint32_t)m->cfg.rate_limit.exempt_loopback;
	pol.ipv4_prefix = (uint32_t)m->cfg.rate_limit.ipv4_prefix;
	pol.ipv6_prefix = (uint32_t)m->cfg.rate_limit.ipv6_prefix;
	if (ipc_send(m->authd.fd, IPC_M2A_POLICY, 0, &pol, sizeof(pol), -1)
	    == -1)
		log_warn("sending policy to authd");

	tl = m->secret.token ? strlen(m->secret.token) : 0;
	pl = m->secret.password ? strlen(m->secret.password) : 0;
	if (tl > 1024 || pl > 1024)
		fatalx("secret longer than 1024 bytes");
	sec = (struct ipc_secrets *)buf;
	memset(sec, 0, sizeof(*sec));
	sec->generation = m->generation;
	sec->auth_mode = (uint32_t)m->secret.mode;
	sec->token_len = (uint32_t)tl;
	sec->password_len = (uint32_t)pl;
	if (m->fp_key == NULL)
		fatalx("no fingerprint key to send to authd");
	memcpy(sec->fp_key, m->fp_key, sizeof(sec->fp_key));
	if (tl)
		memcpy(buf + sizeof(*sec), m->secret.token, tl);
	if (pl)
		memcpy(buf + sizeof(*sec) + tl, m->secret.password, pl);
	if (ipc_send(m->authd.fd, IPC_M2A_SECRETS, m->generation, buf,
	    sizeof(*sec) + tl + pl, -1) == -1)
		log_warn("sending secrets to authd");
	cg_wipe(buf, sizeof(buf));
}

/* A fresh private channel between one worker and authd. */
static void
connect_worker_to_authd(struct master *m, struct child *w)
{
	uint32_t	slot = (uint32_t)w->slot;
	int		av[2];

	if (w->fd == -1 || m->authd.fd == -1)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, av) == -1) {
		log_warn("socketpair");
		return;
	}
	if (ipc_send(m->authd.fd, IPC_M2A_WORKER_CHANNEL, 0, &slot, 4,
	    av[0]) == -1 ||
	    ipc_send(w->fd, IPC_M2W_AUTHD_CHANNEL, 0, &slot, 4, av[1]) == -1)
		log_warn("passing the authd channel to worker[%d]", w->slot);
	close(av[0]);
	close(av[1]);
}

static void
describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)%s",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGSYS ? ": sandbox violation" :
		    WTERMSIG(status) == SIGABRT ? ": abort or pledge violation" :
		    "");
	else
		snprintf(buf, len, "ended with status %d", status);
}

static void
schedule_respawn(struct master *m, struct child *c)
{
	char	name[32];

	/* The crash-loop rule (authd_gave_up) counts deaths, not delays. */
	if (mono_ms() - c->started_ms >= CG_RESPAWN_STABLE_MS)
		c->backoff_ms = 0;
	c->backoff_ms = c->backoff_ms == 0 ? BACKOFF_MIN_MS :
	    (c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    c->backoff_ms * 2);
	ev_timer_init(&c->respawn, respawn_cb, c->backoff_ms / 1000.0, 0.);
	c->respawn.data = m;
	ev_timer_start(m->loop, &c->respawn);
	log_info("respawning %s in %u ms", child_name(c, name, sizeof(name)),
	    c->backoff_ms);
}

static int
authd_gave_up(struct master *m)
{
	uint64_t	now = mono_ms();
	unsigned	i, recent = 0;

	m->authd_death_times[m->authd_deaths++ % 4] = now;
	for (i = 0; i < 4 && i < m->authd_deaths; i++)
		if (now - m->authd_death_times[i] < AUTHD_DEATH_WINDOW_MS)
			recent++;
	return recent > AUTHD_MAX_DEATHS;
}

/*
 * A child's last words before it exits (authd refusing a damaged store
 * at start-up) are still in its channel when libev reports the exit,
 * often in the same loop iteration, and the exit callback may run first:
 * read them before closing the channel.  The child is gone, so its end
 * is closed and this stops at EOF.  Only its log lines matter now.
 */
static void
drain_dead_child(struct child *c, const char *name)
{
	struct ipc_msg	msg;
	int		rc;

	while ((rc = ipc_recv(c->fd, &msg)) != 0) {
		if (rc == -1) {
			if (errno == EPROTO)
				continue;	/* one bad message; read on */
			break;
		}
		if (msg.fd >= 0)
			close(msg.fd);
		if (msg.hdr.type == IPC_X2M_LOG && ipc_check(c->kind ==
		    CHILD_AUTHD ? IPC_CH_MASTER_FROM_AUTHD :
		    IPC_CH_MASTER_FROM_WORKER, &msg) == 0)
			log_child_line(name, (uint8_t)msg.buf[0],
			    (const char *)msg.buf + 1, msg.hdr.len - 1);
	}
}

static void
child_exit_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct master	*m = w->data;
	struct child	*c = (struct child *)((char *)w -
			    offsetof(struct child, cw));
	char		 name[32], how[128];
	int		 status = w->rstatus;

	ev_child_stop(loop, w);
	child_name(c, name, sizeof(name));
	describe_status(status, how, sizeof(how));
	if (c->fd != -1) {
		ev_io_stop(loop, &c->io);
		drain_dead_child(c, name);
		close(c->fd);
		c->fd = -1;
	}
	c->pid = 0;
	c->ready = 0;
	if (m->stopping) {
		log_debug("%s (pid %d) %s", name, w->rpid, how);
		if (!children_alive(m))
			ev_break(loop, EVBREAK_ALL);
		return;
	}
	log_warnx("%s (pid %d) %s", name, w->rpid, how);
	if (WIFEXITED(status) && WEXITSTATUS(status) == CG_EXIT_CONFIG) {
		log_err("%s cannot start (configuration or installation "
		    "error above): not respawning; shutting down", name);
		m->exit_code = CG_EXIT_CONFIG;
		children_stop(m);
		return;
	}
	if (c->kind == CHILD_AUTHD && authd_gave_up(m)) {
		log_err("authd cannot stay up (%d exits within %d s): shutting "
		    "down rather than accept connections without "
		    "authentication", AUTHD_MAX_DEATHS + 1,
		    AUTHD_DEATH_WINDOW_MS / 1000);
		m->exit_code = CG_EXIT_FAIL;
		children_stop(m);
		return;
	}
	c->restarts++;
	schedule_respawn(m, c);
}

static void
respawn_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = w->data;
	struct child	*c = (struct child *)((char *)w -
			    offsetof(struct child, respawn));

	if (m->stopping)
		return;
	if (spawn(m, c) == -1) {
		schedule_respawn(m, c);
		return;
	}
	if (c->kind == CHILD_WORKER)
		worker_config(m, c);
}

int
children_start(struct master *m)
{
	/* Workers are spawned once authd has accepted the secrets. */
	return spawn(m, &m->authd);
}

static void
stop_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct master	*m = w->data;
	int		 i;

	log_warnx("children did not stop within 5 s: killing them");
	if (m->authd.pid > 0)
		kill(m->authd.pid, SIGKILL);
	for (i = 0; i < m->nworkers; i++)
		if (m->workers[i].pid > 0)
			kill(m->workers[i].pid, SIGKILL);
}

void
children_stop(struct master *m)
{
	int	i;

	if (m->stopping)
		return;
	m->stopping = 1;
	for (i = 0; i < m->nworkers; i++) {
		ev_timer_stop(m->loop, &m->workers[i].respawn);
		if (m->workers[i].pid > 0)
			kill(m->workers[i].pid, SIGTERM);
	}
	ev_timer_stop(m->loop, &m->authd.respawn);
	if (m->authd.pid > 0)
		kill(m->authd.pid, SIGTERM);
	if (!children_alive(m)) {
		ev_break(m->loop, EVBREAK_ALL);
		return;
	}
	ev_timer_init(&m->stop_timer, stop_timeout_cb, 5., 0.);
	m->stop_timer.data = m;
	ev_timer_start(m->loop, &m->stop_timer);
}

int
children_alive(struct master *m)
{
	int	i, n = m->authd.pid > 0;

	for (i = 0; i < m->nworkers; i++)
		n += m->workers[i].pid > 0;
	return n;
}

/* After a reload: authd gets the new policy and secrets. */
void
children_refeed(struct master *m)
{
	if (m->authd.fd != -1 && m->authd.ready)
		authd_feed(m);
}

/* Hand a running worker its slot's sockets of the current set. */
static void
send_listeners(struct master *m, struct child *w)
{
	struct ipc_listener	l;
	int			i;

	for (i = 0; i < m->ls.n; i++) {
		l.generation = m->ls.generation;
		l.index = (uint32_t)i;
		l.total = (uint32_t)m->ls.n;
		if (ipc_send(w->fd, IPC_M2W_LISTENER, 0, &l, sizeof(l),
		    m->ls.l[i].fds[w->slot]) == -1)
			log_warn("sending a listener to worker[%d]", w->slot);
	}
}

void
children_reconfigure(struct master *m, int listeners_changed)
{
	int	i;

	for (i = 0; i < m->nworkers; i++) {
		if (m->workers[i].pid <= 0 || m->workers[i].fd == -1)
			continue;
		worker_config(m, &m->workers[i]);
		if (listeners_changed)
			send_listeners(m, &m->workers[i]);
	}
}
