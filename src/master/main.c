/*
 * clawgated: the master process.
 *
 * It reads the configuration, resolves the one shared secret, takes the
 * instance lock, binds the listeners, then spawns authd and the workers
 * and supervises them.  It never reads a byte from the network.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawgate.h"
#include "json5.h"
#include "jsonwipe.h"
#include "log.h"
#include "master.h"
#include "preauth.h"
#include "sandbox.h"
#include "util.h"

static struct master	 master;

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*fp = status ? stderr : stdout;
	char	 usage_path[4096];

	(void)config_default_path(usage_path, sizeof(usage_path));
	fprintf(fp,
"usage: clawgated [-dhnVv] [-f file] [--port port] [--bind mode]\n"
"                 [--workers n] [--sandbox-debug] [--show-token]\n"
"\n"
"  -f, --config FILE   configuration file (JSON5, gateway.* keys;\n"
"                      default %s,\n"
"                      or $CLAWGATE_CONFIG; a missing default file means\n"
"                      the built-in safe defaults)\n"
"  -n                  check the configuration and exit (0 ok, 78 error)\n"
"  -d                  stay in the foreground and log to stderr\n"
"  -v                  verbose: debug-level lines too\n"
"      --port PORT     listen port (overrides CLAWGATE_GATEWAY_PORT,\n"
"                      OPENCLAW_GATEWAY_PORT and gateway.port)\n"
"      --bind MODE     loopback | lan (overrides gateway.bind)\n"
"      --workers N     worker processes (default: number of CPUs)\n"
"      --sandbox-debug report a blocked system call by name instead of\n"
"                      letting the kernel kill the process silently\n"
"      --show-token    print the tokenized dashboard URL when ready even\n"
"                      if stdout is not a terminal\n"
"  -V, --version       print the version and exit\n"
"  -h, --help          this help\n"
"\n"
"Secrets are never taken from the command line: put the token in the\n"
"config file, in $CLAWGATE_GATEWAY_TOKEN / $OPENCLAW_GATEWAY_TOKEN, or\n"
"leave it unset and clawgated generates one and keeps it in the state\n"
"directory. See clawgated(8) and clawgated.conf(5).\n",
	    usage_path);
	exit(status);
}

static void __attribute__((noreturn))
config_fail(const struct cg_config_error *e)
{
	if (e->line > 0)
		fprintf(stderr, "clawgated: %s:%d:%d: %s\n", e->file, e->line,
		    e->col, e->msg);
	else if (e->file[0] != '\0')
		fprintf(stderr, "clawgated: %s: %s\n", e->file, e->msg);
	else
		fprintf(stderr, "clawgated: %s\n", e->msg);
	exit(CG_EXIT_CONFIG);
}

/* `--port' > CLAWGATE_GATEWAY_PORT > OPENCLAW_GATEWAY_PORT > file. */
static int
apply_port_env(struct cg_config *c)
{
	static const char *const vars[] = { "CLAWGATE_GATEWAY_PORT",
	    "OPENCLAW_GATEWAY_PORT" };
	struct cg_config_error	 e;
	const char		*v;
	char			*end;
	long			 p;
	size_t			 i;

	for (i = 0; i < 2; i++) {
		if ((v = getenv(vars[i])) == NULL || *v == '\0')
			continue;
		errno = 0;
		p = strtol(v, &end, 10);
		if (errno || *end != '\0' || p < 1 || p > 65535) {
			memset(&e, 0, sizeof(e));
			snprintf(e.msg, sizeof(e.msg), "$%s=\"%.32s\" is not a "
			    "port number (1-65535)", vars[i], v);
			config_fail(&e);
		}
		c->port = (int)p;
		return 1;
	}
	return 0;
}

static void
find_children(struct master *m)
{
	char	self[4096], *slash;
	ssize_t	n;

	/* Running from the build tree: use the siblings next to us. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(m->authd_path, sizeof(m->authd_path),
			    "%s/clawgate-authd", self);
			snprintf(m->worker_path, sizeof(m->worker_path),
			    "%s/clawgate-worker", self);
			if (access(m->authd_path, X_OK) == 0 &&
			    access(m->worker_path, X_OK) == 0)
				return;
		}
	}
	snprintf(m->authd_path, sizeof(m->authd_path), "%s/clawgate-authd",
	    LIBEXECDIR);
	snprintf(m->worker_path, sizeof(m->worker_path), "%s/clawgate-worker",
	    LIBEXECDIR);
}

static int
load_config(struct master *m, const char *path, int explicit_path,
    struct cg_config_error *err)
{
	config_defaults(&m->cfg);
	cg_strlcpy(m->config_default, path, sizeof(m->config_default));
	if (!explicit_path && access(path, F_OK) == -1 && errno == ENOENT) {
		m->config_path[0] = '\0';
		return 0;	/* no file: the safe built-in defaults */
	}
	/* Absolute, so that status and reload mean the same file later. */
	if (realpath(path, m->config_path) == NULL)
		cg_strlcpy(m->config_path, path, sizeof(m->config_path));
	return config_load_file(&m->cfg, path, err);
}

/*
 * Started as root, the children become two different unprivileged users
 * in an empty chroot: check now, with the fix in the message, rather than
 * watch them fail to start.
 */
static int
check_privsep(struct master *m, char *err, size_t len)
{
	struct privdrop	pd;
	struct stat	st;

	if (geteuid() != 0)
		return 0;
	if (privdrop_prepare(&pd, m->cfg.user, m->cfg.chroot_dir, err,
	    len) == -1 || privdrop_prepare(&pd, m->cfg.auth_user,
	    m->cfg.chroot_dir, err, len) == -1)
		return -1;
	if (strcmp(m->cfg.user, m->cfg.auth_user) == 0) {
		snprintf(err, len, "clawgate.user and clawgate.authUser are "
		    "both \"%s\": authd must run as its own user so that a "
		    "compromised worker cannot reach it", m->cfg.user);
		return -1;
	}
	if (m->cfg.chroot_dir[0] != '\0' && (stat(m->cfg.chroot_dir, &st) ==
	    -1 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0)) {
		snprintf(err, len, "chroot directory %s must exist, be owned by "
		    "root and not be group or world writable: create it with "
		    "`mkdir -p -m 0755 %s` (or set clawgate.chrootDir)",
		    m->cfg.chroot_dir, m->cfg.chroot_dir);
		return -1;
	}
	return 0;
}

/*
 * authd keeps the pairing store in <stateDir>/authd, a directory only
 * its user can enter: it opens it before the sandbox and works through
 * that descriptor alone.
 */
static int
prepare_authd_dir(struct master *m, char *err, size_t len)
{
	struct privdrop	pd;
	struct stat	st;
	char		perr[512];
	int		dfd, afd = -1, rc = -1;

	snprintf(m->authd_state_dir, sizeof(m->authd_state_dir), "%s/authd",
	    m->cfg.state_dir);
	/* Root chowns and chmods here: through descriptors, never a link. */
	if ((dfd = safe_dir_open(m->cfg.state_dir, 0700, 1,
	    "clawgate.stateDir", err, len)) == -1)
		return -1;
	if ((mkdirat(dfd, "authd", 0700) == -1 && errno != EEXIST) ||
	    (afd = openat(dfd, "authd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			snprintf(err, len, "%s is a symlink or not a directory; "
			    "clawgated does not write through symlinks as root: "
			    "remove it and clawgated creates the directory",
			    m->authd_state_dir);
		else
			snprintf(err, len, "cannot create %s: %s (set "
			    "clawgate.stateDir to a writable directory)",
			    m->authd_state_dir, strerror(errno));
		goto out;
	}
	if (geteuid() == 0) {
		if (privdrop_prepare(&pd, m->cfg.auth_user, "", perr,
		    sizeof(perr)) == -1) {
			snprintf(err, len, "%s", perr);
			goto out;
		}
		if (fchown(afd, pd.uid, pd.gid) == -1) {
			snprintf(err, len, "chown %s: %s", m->authd_state_dir,
			    strerror(errno));
			goto out;
		}
		/* The parent stays root's: others cannot walk into it. */
		(void)fchmod(dfd, 0711);
	}
	if (fstat(afd, &st) == -1 || (st.st_mode & 077) != 0) {
		snprintf(err, len, "%s must not be accessible to group or others "
		    "(it holds the pairing store): `chmod 700 %s`",
		    m->authd_state_dir, m->authd_state_dir);
		goto out;
	}
	rc = 0;
out:
	if (afd != -1)
		close(afd);
	close(dfd);
	return rc;
}

/* The run directory gets the pid file and the control socket. */
static int
prepare_run_dir(struct master *m, char *err, size_t len)
{
	int	fd;

	if ((fd = safe_dir_open(m->cfg.run_dir, 0755, 1, "clawgate.runDir",
	    err, len)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* "10.0.0.0/8, ::1" (or `none') for the log. */
static void
cidrs_describe(const struct cg_cidr *c, int n, const char *none, char *buf,
    size_t len)
{
	char	a[INET6_ADDRSTRLEN];
	size_t	o = 0;
	int	i;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		inet_ntop(c[i].family == 4 ? AF_INET : AF_INET6, c[i].addr, a,
		    sizeof(a));
		o += (size_t)snprintf(buf + o, len - o, "%s%s/%d", i ? ", " :
		    "", a, c[i].prefix);
	}
	if (n == 0)
		snprintf(buf, len, "%s", none);
}

/* Things the file allows but an operator should hear about. */
static void
log_config_warnings(struct master *m)
{
	int	i;

	for (i = 0; i < m->cfg.nwarnings && i < CFG_MAX_WARNINGS; i++)
		log_warnx("config: %s", m->cfg.warnings[i]);
}

/*
 * Not root (a container with runAsNonRoot, a user's own instance): the
 * children cannot get uids of their own.  Say what that costs and what
 * still holds, once, at start.
 */
static void
log_one_uid(void)
{
	log_info("running as one uid (%ld, not root): authd and the workers "
	    "share it and nothing is chrooted, so a worker that escaped its "
	    "seccomp filter could read the state directory. Still in force: "
	    "seccomp filters in authd and every worker (a worker cannot "
	    "open files, ptrace or signal), authd not dumpable, secrets only "
	    "in authd and this process, one process per job. Start clawgated "
	    "as root for separate uids and a chroot", (long)geteuid());
}

static void
log_startup(struct master *m)
{
	char	addrs[512], peers[256];
	int	i;
	size_t	o = 0;

	listeners_describe(&m->ls, addrs, sizeof(addrs));
	log_info("clawgate %s (protocol %d) starting: config %s", CG_VERSION,
	    CG_PROTOCOL, m->config_path[0] ? m->config_path :
	    "(none: built-in defaults)");
	log_info("listening on %s (%s)", addrs, m->cfg.bind == BIND_LOOPBACK ?
	    "loopback only: reachable from this host" :
	    "reachable from the network");
	log_info("auth mode %s; secret source: %s; fingerprint %s",
	    m->secret.mode == AUTHMODE_TOKEN ? "token" :
	    m->secret.mode == AUTHMODE_PASSWORD ? "password" : "none",
	    m->secret.source_desc, m->secret.mode == AUTHMODE_NONE ? "-" :
	    m->secret.fingerprint);
	peers[0] = '\0';
	for (i = 0; i < m->cfg.nlocal_peers && o < sizeof(peers); i++) {
		char a[64];
		const struct cg_cidr *c = &m->cfg.local_peers[i];

		inet_ntop(c->family == 4 ? AF_INET : AF_INET6,
		    c->addr, a, sizeof(a));
		o += (size_t)snprintf(peers + o, sizeof(peers) - o, "%s%s/%d",
		    i ? ", " : "", a, c->prefix);
	}
	log_config_warnings(m);
	log_info("local peers (silent pairing, loopback rules): %s",
	    m->cfg.nlocal_peers ? peers : "loopback only");
	log_info("%d worker%s, sandbox %s%s", m->nworkers,
	    m->nworkers == 1 ? "" : "s", sandbox_kind(),
	    geteuid() == 0 ? "" : ", no privilege drop (not started as root)");
	if (geteuid() != 0)
		log_one_uid();
	if (m->cfg.bind != BIND_LOOPBACK && m->secret.mode == AUTHMODE_NONE)
		log_warnx("auth mode none on a network bind: anyone who can "
		    "reach this port is an operator");
}

/* Called whenever a worker reports ready; announce once all are. */
void
master_worker_ready(struct master *m)
{
	int	i;

	if (m->announced)
		return;
	for (i = 0; i < m->nworkers; i++)
		if (!m->workers[i].ready)
			return;
	m->announced = 1;
	log_info("ready");
	if (m->notify_fd >= 0) {
		(void)!write(m->notify_fd, "ok\n", 3);
		close(m->notify_fd);
		m->notify_fd = -1;
	}
}

/*
 * Reload: validate the whole file; on any error the running config stays
 * and the error says where.  Secrets and rate limits apply live (authd
 * swaps its table; established sessions stay up); listener and mode
 * changes need a restart and are reported as such.
 */
/* The parts of a reloaded config that apply to a running daemon. */
static void
adopt_runtime_config(struct cg_config *cur, const struct cg_config *n)
{
	cur->port = n->port;
	cur->bind = n->bind;
	memcpy(cur->custom_bind_host, n->custom_bind_host,
	    sizeof(cur->custom_bind_host));
	cur->auth_mode = n->auth_mode;
	cur->auth_mode_set = n->auth_mode_set;
	cur->rate_limit = n->rate_limit;
	memcpy(cur->audit_path, n->audit_path, sizeof(cur->audit_path));
	cur->allow_no_auth_on_network = n->allow_no_auth_on_network;
	memcpy(cur->local_peers, n->local_peers, sizeof(cur->local_peers));
	cur->nlocal_peers = n->nlocal_peers;
	memcpy(cur->trusted_proxies, n->trusted_proxies,
	    sizeof(cur->trusted_proxies));
	cur->ntrusted_proxies = n->ntrusted_proxies;
	cur->control_ui_enabled = n->control_ui_enabled;
	memcpy(cur->control_ui_base_path, n->control_ui_base_path,
	    sizeof(cur->control_ui_base_path));
	memcpy(cur->allowed_origins, n->allowed_origins,
	    sizeof(cur->allowed_origins));
	cur->nallowed_origins = n->nallowed_origins;
}

int
master_reload(struct master *m, char *errbuf, size_t errlen)
{
	struct master		 cand;
	struct cg_config_error	 err;
	struct listener_set	 fresh, old;
	int			 changed;

	memset(&cand, 0, sizeof(cand));
	memset(&err, 0, sizeof(err));
	/* Started on the defaults: a file written since then is read now. */
	if (m->config_path[0] == '\0' && m->config_default[0] != '\0' &&
	    access(m->config_default, F_OK) == 0)
		cg_strlcpy(m->config_path, m->config_default,
		    sizeof(m->config_path));
	if (load_config(&cand, m->config_path[0] ? m->config_path : "",
	    m->config_path[0] != '\0', &err) == -1 ||
	    config_check(&cand.cfg, &err) == -1) {
		if (err.line > 0)
			snprintf(errbuf, errlen, "%s:%d:%d: %s", err.file,
			    err.line, err.col, err.msg);
		else
			snprintf(errbuf, errlen, "%s", err.msg);
		config_free(&cand.cfg);
		return -1;
	}
	cg_strlcpy(cand.cfg.state_dir, m->cfg.state_dir,
	    sizeof(cand.cfg.state_dir));
	if (m->port_override)
		cand.cfg.port = m->cfg.port;	/* flags keep their meaning */
	cand.fp_key = m->fp_key;	/* the install's, read at start */
	if (secret_resolve(&cand, &err) == -1) {
		snprintf(errbuf, errlen, "%s", err.msg);
		config_free(&cand.cfg);
		return -1;
	}
	changed = listeners_differ(&m->ls, &cand.cfg, cand.cfg.port);
	if (changed && ((cand.cfg.port != m->ls.port &&
	    listeners_probe(&cand.cfg, cand.cfg.port, errbuf, errlen) == -1) ||
	    listeners_open(&fresh, &cand.cfg, cand.cfg.port, m->nworkers,
	    errbuf, errlen) == -1)) {
		secret_wipe(&cand.secret);
		config_free(&cand.cfg);
		return -1;
	}
	if (cand.cfg.workers != m->cfg.workers ||
	    strcmp(cand.cfg.user, m->cfg.user) != 0 ||
	    strcmp(cand.cfg.auth_user, m->cfg.auth_user) != 0 ||
	    strcmp(cand.cfg.run_dir, m->cfg.run_dir) != 0 ||
	    strcmp(cand.cfg.chroot_dir, m->cfg.chroot_dir) != 0)
		log_warnx("reload: clawgate.* process settings changed: restart "
		    "clawgated to apply those (everything else is applied now)");
	secret_wipe(&m->secret);
	m->secret = cand.secret;
	adopt_runtime_config(&m->cfg, &cand.cfg);
	config_free(&cand.cfg);
	m->generation++;
	if (changed) {
		char was[512], now[512];

		listeners_describe(&m->ls, was, sizeof(was));
		fresh.generation = m->generation;
		old = m->ls;
		m->ls = fresh;
		m->cfg.port = m->ls.port;
		listeners_describe(&m->ls, now, sizeof(now));
		children_reconfigure(m, 1);
		/* Workers hold their own copies; the kernel keeps established
		 * connections.  Only the old listening sockets go away. */
		listeners_close(&old);
		log_info("reload: listeners %s -> %s", was, now);
	} else
		children_reconfigure(m, 0);
	log_config_warnings(m);
	log_info("reloaded (generation %llu): secret source %s, fingerprint %s",
	    (unsigned long long)m->generation, m->secret.source_desc,
	    m->secret.mode == AUTHMODE_NONE ? "-" : m->secret.fingerprint);
	{
		char	lp[1024], tp[1024], ao[CFG_MAX_ORIGINS * 130];
		size_t	o = 0;
		int	i;

		cidrs_describe(m->cfg.local_peers, m->cfg.nlocal_peers,
		    "loopback only", lp, sizeof(lp));
		cidrs_describe(m->cfg.trusted_proxies, m->cfg.ntrusted_proxies,
		    "none", tp, sizeof(tp));
		ao[0] = '\0';
		for (i = 0; i < m->cfg.nallowed_origins && o < sizeof(ao); i++)
			o += (size_t)snprintf(ao + o, sizeof(ao) - o, "%s%s",
			    i ? ", " : "", m->cfg.allowed_origins[i]);
		log_info("reload: local peers %s; allowed origins %s; trusted "
		    "proxies %s", lp, o ? ao : "none", tp);
	}
	/* The audit log: reopened, perhaps elsewhere. */
	{
		char	e[4400];

		if (audit_open(m, e, sizeof(e)) == -1)
			log_err("reload: audit log: %s; authd keeps writing "
			    "the old one", e);
		else
			audit_send(m);
	}
	/* authd swaps its table atomically; workers keep their channels. */
	children_refeed(m);
	return 0;
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct master	*m = w->data;

	switch (w->signum) {
	case SIGHUP: {
		char e[1024];

		log_info("SIGHUP: reloading %s", m->config_path[0] ?
		    m->config_path : "(built-in defaults)");
		if (master_reload(m, e, sizeof(e)) == -1)
			log_err("reload failed, the old configuration stays "
			    "active: %s", e);
		break;
	}
	case SIGUSR1:
		audit_reopen(m);
		break;
	default:
		log_info("%s: stopping", strsignal(w->signum));
		children_stop(m);
		break;
	}
}

static void
watch_signal(struct master *m, ev_signal *w, int sig)
{
	ev_signal_init(w, signal_cb, sig);
	w->data = m;
	ev_signal_start(m->loop, w);
}

/*
 * Background: the parent waits until the daemon is serving (or failed),
 * so `clawgated' returns a meaningful exit status.
 */
static void
daemonize(struct master *m, int logfd)
{
	char	buf[8];
	int	p[2], devnull;
	pid_t	pid;
	ssize_t	n;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], buf, sizeof(buf));
		if (n >= 2 && memcmp(buf, "ok", 2) == 0) {
			if (m->show_token || isatty(1))
				secret_print_dashboard(m);
			printf("clawgated running (pid %ld); log: %s\n",
			    (long)pid, m->cfg.log_file);
			exit(0);
		}
		fprintf(stderr, "clawgated: failed to start; see %s\n",
		    m->cfg.log_file);
		exit(1);
	}
	close(p[0]);
	m->notify_fd = p[1];
	if (setsid() == -1)
		fatal("setsid");
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		close(devnull);
	}
	dup2(logfd, 2);
	close(logfd);
}

static int
open_log(struct master *m)
{
	int	fd;

	if (m->cfg.log_file[0] == '\0')
		snprintf(m->cfg.log_file, sizeof(m->cfg.log_file),
		    "%s/clawgated.log", m->cfg.state_dir);
	if (mkdir_p(m->cfg.state_dir, 0700) == -1)
		fatal("mkdir %s", m->cfg.state_dir);
	fd = open(m->cfg.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (fd == -1) {
		fprintf(stderr, "clawgated: cannot open log file %s: %s\n",
		    m->cfg.log_file, strerror(errno));
		exit(CG_EXIT_CONFIG);
	}
	return fd;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "workers", required_argument, NULL, 'w' },
		{ "sandbox-debug", no_argument, NULL, 'D' },
		{ "show-token", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct master		*m = &master;
	struct cg_config_error	 err;
	char			 path[4096], lerr[1024];
	const char		*port_flag = NULL, *bind_flag = NULL;
	int			 ch, check_only = 0, explicit_path = 0;
	int			 workers_flag = 0, show_token = 0, logfd = -1;
	long			 v;

	memset(m, 0, sizeof(*m));
	m->notify_fd = -1;
	explicit_path = config_default_path(path, sizeof(path));
	while ((ch = getopt_long(argc, argv, "df:hnvV", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'd': m->foreground = 1; break;
		case 'D': m->sandbox_debug = 1; break;
		case 'f':
			cg_strlcpy(path, optarg, sizeof(path));
			explicit_path = 1;
			break;
		case 'n': check_only = 1; break;
		case 'v': m->verbose++; break;
		case 'p': port_flag = optarg; break;
		case 'b': bind_flag = optarg; break;
		case 'T': show_token = m->show_token = 1; break;
		case 'w':
			v = strtol(optarg, NULL, 10);
			if (v < 1 || v > MAX_WORKERS) {
				fprintf(stderr, "clawgated: --workers takes "
				    "1 to %d\n", MAX_WORKERS);
				exit(CG_EXIT_CONFIG);
			}
			workers_flag = (int)v;
			break;
		case 'V':
			printf("clawgated %s (OpenClaw gateway protocol %d)\n",
			    CG_VERSION, CG_PROTOCOL);
			exit(0);
		case 'h': usage(0);
		default: usage(CG_EXIT_CONFIG);
		}
	}
	if (optind != argc)
		usage(CG_EXIT_CONFIG);
	if (sodium_init() < 0) {
		fprintf(stderr, "clawgated: libsodium failed to initialise\n");
		exit(CG_EXIT_FAIL);
	}
	log_init_master(2, m->verbose);
	/* The config and control requests can carry secrets. */
	json_wipe_on_free();

	memset(&err, 0, sizeof(err));
	if (load_config(m, path, explicit_path, &err) == -1)
		config_fail(&err);
	m->port_override = apply_port_env(&m->cfg);
	if (port_flag != NULL) {
		v = strtol(port_flag, NULL, 10);
		if (v < 0 || v > 65535) {
			fprintf(stderr, "clawgated: --port takes 0 to 65535\n");
			exit(CG_EXIT_CONFIG);
		}
		m->cfg.port = (int)v;
		m->port_override = 1;
	}
	if (bind_flag != NULL) {
		if (strcmp(bind_flag, "loopback") == 0)
			m->cfg.bind = BIND_LOOPBACK;
		else if (strcmp(bind_flag, "lan") == 0)
			m->cfg.bind = BIND_LAN;
		else {
			fprintf(stderr, "clawgated: --bind takes loopback or "
			    "lan (use gateway.bind \"custom\" with "
			    "gateway.customBindHost for one address)\n");
			exit(CG_EXIT_CONFIG);
		}
	}
	if (config_check(&m->cfg, &err) == -1)
		config_fail(&err);
	m->check_only = check_only;
	if (secret_resolve(m, &err) == -1)
		config_fail(&err);
	m->nworkers = workers_flag ? workers_flag : m->cfg.workers;
	if (m->nworkers <= 0)
		m->nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (m->nworkers <= 0)
		m->nworkers = 1;
	if (m->nworkers > MAX_WORKERS)
		m->nworkers = MAX_WORKERS;

	if (check_only) {
		for (int i = 0; i < m->cfg.nwarnings && i < CFG_MAX_WARNINGS; i++)
			printf("warning: %s\n", m->cfg.warnings[i]);
		snprintf(path, sizeof(path), "%s/%s", m->cfg.state_dir,
		    FINGERPRINT_KEY_FILE);
		if (m->fp_key == NULL && m->secret.mode != AUTHMODE_NONE)
			snprintf(lerr, sizeof(lerr), access(path, F_OK) == 0 ?
			    " (%s is not readable by you: run -n as the "
			    "daemon's user)" : " (no fingerprint key yet: the "
			    "first start makes %s)", path);
		else
			lerr[0] = '\0';
		printf("configuration OK: %s\nauth mode %s, secret source: %s, "
		    "fingerprint %s%s\n", m->config_path[0] ? m->config_path :
		    "(no file: built-in defaults)",
		    m->secret.mode == AUTHMODE_TOKEN ? "token" :
		    m->secret.mode == AUTHMODE_PASSWORD ? "password" : "none",
		    m->secret.source_desc, m->secret.mode == AUTHMODE_NONE ?
		    "-" : m->secret.fingerprint, lerr);
		secret_wipe(&m->secret);
		secret_key_free(m);
		config_free(&m->cfg);
		return 0;
	}

	if (check_privsep(m, lerr, sizeof(lerr)) == -1) {
		fprintf(stderr, "clawgated: %s\n", lerr);
		exit(CG_EXIT_CONFIG);
	}
	if (prepare_authd_dir(m, lerr, sizeof(lerr)) == -1 ||
	    prepare_run_dir(m, lerr, sizeof(lerr)) == -1) {
		fprintf(stderr, "clawgated: %s\n", lerr);
		exit(CG_EXIT_CONFIG);
	}
	signal(SIGPIPE, SIG_IGN);
	find_children(m);
	if (lock_acquire(m->cfg.run_dir, m->config_path, lerr,
	    sizeof(lerr)) == -1) {
		fprintf(stderr, "clawgated: %s\n", lerr);
		exit(CG_EXIT_FAIL);
	}
	if (lock_state_dir(m->cfg.state_dir, m->config_path, lerr,
	    sizeof(lerr)) == -1) {
		fprintf(stderr, "clawgated: %s\n", lerr);
		lock_release();
		exit(CG_EXIT_CONFIG);
	}
	if (listeners_probe(&m->cfg, m->cfg.port, lerr, sizeof(lerr)) == -1 ||
	    listeners_open(&m->ls, &m->cfg, m->cfg.port, m->nworkers, lerr,
	    sizeof(lerr)) == -1) {
		fprintf(stderr, "clawgated: %s\n", lerr);
		lock_release();
		exit(CG_EXIT_FAIL);
	}
	if (!m->foreground) {
		logfd = open_log(m);
		daemonize(m, logfd);
		lock_update_pid(m->config_path);	/* the pid changed */
	}
	if ((m->preauth_fd = preauth_shm_create()) == -1)
		fatal("cannot create the shared pre-auth zone");
	m->loop = ev_default_loop(EVFLAG_AUTO);
	m->started_ms = now_ms();
	m->generation = 1;
	children_init(m);
	watch_signal(m, &m->sigterm, SIGTERM);
	watch_signal(m, &m->sigint, SIGINT);
	watch_signal(m, &m->sighup, SIGHUP);
	watch_signal(m, &m->sigusr1, SIGUSR1);
	m->control_gid = (gid_t)-1;
	if (m->cfg.control_group[0] != '\0') {
		struct group *gr = getgrnam(m->cfg.control_group);

		if (gr == NULL)
			fatalx("clawgate.controlGroup \"%s\" does not exist: create "
			    "it (`groupadd %s`) or remove the key",
			    m->cfg.control_group, m->cfg.control_group);
		m->control_gid = gr->gr_gid;
	}
	if (control_open(m, lerr, sizeof(lerr)) == -1)
		fatalx("%s", lerr);
	log_startup(m);
	m->cfg.port = m->ls.port;	/* port 0: what the kernel chose */
	if (m->foreground && (show_token || isatty(1)))
		secret_print_dashboard(m);
	m->audit_fd = -1;
	if (audit_open(m, lerr, sizeof(lerr)) == -1)
		fatalx("%s", lerr);
	if (children_start(m) == -1)
		fatalx("cannot start authd");
	ev_run(m->loop, 0);

	control_close(m);
	listeners_close(&m->ls);
	lock_release();
	secret_wipe(&m->secret);
	secret_key_free(m);
	config_free(&m->cfg);
	log_info("stopped");
	return m->exit_code;
}
