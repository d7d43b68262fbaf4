/*
 * control.c: the local control socket (docs/CONTROL.md).  Authority is
 * the peer's credentials, never a token: root, the daemon's own uid, or
 * the control group.  One JSON request per connection, one answer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawgate.h"
#include "log.h"
#include "master.h"
#include "sandbox.h"
#include "util.h"

#define CTL_MAX_REQ	65536
#define CTL_MAX_CLIENTS	32
#define CTL_TIMEOUT_S	10.

struct ctl_client {
	struct master	*m;
	int		 fd;
	uid_t		 uid;
	gid_t		 gid;
	ev_io		 io;
	ev_timer	 timer;
	char		 buf[CTL_MAX_REQ];
	size_t		 len;
	uint64_t	 rpc_id;	/* waiting for authd, 0 if not */
	int		 rotation;	/* ... to revoke what a rotated
					   token granted (token.rotate*) */
	int		 revoke_devices;
	char		 fingerprint[FINGERPRINT_LEN + 1];
	char		*acc;		/* pieces of authd's answer */
	size_t		 acc_len;
	struct ctl_client *next;
};

static struct ctl_client	*clients;
static int			 nclients;
static int			 ctl_fd = -1;
static ev_io			 ctl_io;
static char			 ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static uint64_t			 next_rpc_id;

static void
client_free(struct ctl_client *c)
{
	struct ctl_client	**pp;

	for (pp = &clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ev_io_stop(c->m->loop, &c->io);
	ev_timer_stop(c->m->loop, &c->timer);
	close(c->fd);
	free(c->acc);
	cg_wipe(c->buf, sizeof(c->buf));
	free(c);
	nclients--;
}

/* Answer and hang up.  Small answers: a blocking write with a timeout. */
static void
reply(struct ctl_client *c, json_t *ans)
{
	struct timeval	 tv = { 2, 0 };
	char		*s;
	size_t		 len, off = 0;
	ssize_t		 n;

	s = json_dumps(ans, JSON_COMPACT);
	json_decref(ans);
	if (s != NULL) {
		len = strlen(s);
		fd_set_blocking(c->fd);
		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		while (off < len && (n = send(c->fd, s + off, len - off,
		    MSG_NOSIGNAL)) > 0)
			off += (size_t)n;
		(void)send(c->fd, "\n", 1, MSG_NOSIGNAL);
		cg_wipe(s, len);
		free(s);
	}
	client_free(c);
}

static json_t *
err(const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static int
may_see_secret(const struct ctl_client *c)
{
	return c->uid == 0 || c->uid == geteuid();
}

static json_t *
child_json(const struct child *ch)
{
	return json_pack("{s:i, s:I, s:b, s:i, s:I, s:I}", "slot", ch->slot,
	    "pid", (json_int_t)ch->pid, "ready", ch->ready, "restarts",
	    (int)ch->restarts, "connections", (json_int_t)ch->stats.connections,
	    "authenticated", (json_int_t)ch->stats.authenticated);
}

static json_t *
listeners_json(struct master *m, int port, enum cg_bind bind,
    const char *custom)
{
	json_t	*a = json_array();
	char	 buf[96];

	switch (bind) {
	case BIND_LOOPBACK:
		snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
		json_array_append_new(a, json_string(buf));
		snprintf(buf, sizeof(buf), "[::1]:%d", port);
		json_array_append_new(a, json_string(buf));
		break;
	case BIND_LAN:
		snprintf(buf, sizeof(buf), "0.0.0.0:%d", port);
		json_array_append_new(a, json_string(buf));
		snprintf(buf, sizeof(buf), "[::]:%d", port);
		json_array_append_new(a, json_string(buf));
		break;
	case BIND_CUSTOM:
		snprintf(buf, sizeof(buf), "%s:%d", custom, port);
		json_array_append_new(a, json_string(buf));
		if (strcmp(custom, "127.0.0.1") != 0) {
			snprintf(buf, sizeof(buf), "127.0.0.1:%d", port);
			json_array_append_new(a, json_string(buf));
		}
		break;
	}
	return a;
}

static json_t *
actual_listeners(struct master *m)
{
	json_t	*a = json_array();
	char	 buf[96];
	int	 i;

	for (i = 0; i < m->ls.n; i++) {
		const struct listener *l = &m->ls.l[i];

		snprintf(buf, sizeof(buf), "%s%s%s:%d", l->family == AF_INET6 ?
		    "[" : "", l->host, l->family == AF_INET6 ? "]" : "",
		    m->ls.port);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

/* A CIDR list as ["10.0.0.0/8", ...]; the default when empty, if any. */
static json_t *
cidrs_json(const struct cg_cidr *c, int n, const char *const *dflt)
{
	json_t	*a = json_array();
	char	 h[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
	int	 i;

	for (i = 0; i < n; i++) {
		inet_ntop(c[i].family == 4 ? AF_INET : AF_INET6, c[i].addr, h,
		    sizeof(h));
		snprintf(buf, sizeof(buf), "%s/%d", h, c[i].prefix);
		json_array_append_new(a, json_string(buf));
	}
	for (i = 0; n == 0 && dflt != NULL && dflt[i] != NULL; i++)
		json_array_append_new(a, json_string(dflt[i]));
	return a;
}

/*
 * What the configuration on disk asks for now, next to what is bound:
 * a changed file that was not reloaded (or cannot be) shows up here.
 */
static json_t *
cmd_status(struct master *m)
{
	static const char *const loopback[] = { "127.0.0.0/8", "::1", NULL };
	struct cg_config	 disk;
	struct cg_config_error	 e;
	json_t			*configured, *actual, *workers, *ans, *origins;
	int			 i, port;

	config_defaults(&disk);
	if (m->config_path[0] != '\0' &&
	    config_load_file(&disk, m->config_path, &e) == -1)
		configured = json_null();
	else {
		port = m->port_override ? m->cfg.port : disk.port;
		configured = listeners_json(m, port, disk.bind,
		    disk.custom_bind_host);
	}
	config_free(&disk);
	actual = actual_listeners(m);
	workers = json_array();
	for (i = 0; i < m->nworkers; i++)
		json_array_append_new(workers, child_json(&m->workers[i]));
	ans = json_pack("{s:b, s:I, s:I, s:I, s:s, s:i, s:s, s:s, s:I, "
	    "s:{s:O, s:O, s:b}, s:{s:I, s:b, s:i}, s:o, s:{s:s, s:s, s:s}, "
	    "s:s, s:s, s:s, s:s}",
	    "ok", 1,
	    "pid", (json_int_t)getpid(),
	    "startedAtMs", (json_int_t)m->started_ms,
	    "uptimeMs", (json_int_t)(now_ms() - m->started_ms),
	    "version", CG_VERSION,
	    "protocol", CG_PROTOCOL,
	    "configPath", m->config_path,
	    /* the file a reload reads when configPath is "" (clawgate(1)) */
	    "configDefault", m->config_default,
	    "generation", (json_int_t)m->generation,
	    "listeners", "configured", configured, "actual", actual,
	    "match", json_equal(configured, actual),
	    "authd", "pid", (json_int_t)m->authd.pid, "ready", m->authd.ready,
	    "restarts", (int)m->authd.restarts,
	    "workers", workers,
	    "auth", "mode", m->secret.mode == AUTHMODE_TOKEN ? "token" :
	    m->secret.mode == AUTHMODE_PASSWORD ? "password" : "none",
	    "source", m->secret.source_desc, "fingerprint",
	    m->secret.mode == AUTHMODE_NONE ? "" : m->secret.fingerprint,
	    "stateDir", m->cfg.state_dir,
	    "runDir", m->cfg.run_dir,
	    "logFile", m->foreground ? "" : m->cfg.log_file,
	    "sandbox", sandbox_kind());
	json_decref(configured);
	json_decref(actual);
	/* The running lists (the loopback default when localPeers is []). */
	json_object_set_new(ans, "localPeers", cidrs_json(m->cfg.local_peers,
	    m->cfg.nlocal_peers, loopback));
	json_object_set_new(ans, "trustedProxies",
	    cidrs_json(m->cfg.trusted_proxies, m->cfg.ntrusted_proxies, NULL));
	origins = json_array();
	for (i = 0; i < m->cfg.nallowed_origins; i++)
		json_array_append_new(origins,
		    json_string(m->cfg.allowed_origins[i]));
	json_object_set_new(ans, "allowedOrigins", origins);
	return ans;
}

static json_t *
cmd_dashboard(struct master *m, const struct ctl_client *c)
{
	char	url[4096];

	if (!may_see_secret(c))
		return err("only root or the daemon's user may read the "
		    "dashboard URL (it contains the gateway token)");
	if (secret_dashboard_url(m, url, sizeof(url)) == -1)
		return json_pack("{s:b, s:s, s:b}", "ok", 1, "url", url,
		    "tokenIncluded", 0);
	return json_pack("{s:b, s:s, s:b}", "ok", 1, "url", url,
	    "tokenIncluded", 1);
}

/*
 * The answer to token.rotate / token.rotated, with what authd revoked
 * (`rev' is authd's answer, NULL if it gave none), and the one log line
 * of the rotation.  The fingerprint is the new secret's, never the
 * secret.
 */
static json_t *
rotation_answer(struct master *m, struct ctl_client *c, json_t *rev)
{
	json_t		*ans, *pl = json_object_get(rev, "payload");
	json_int_t	 ns, nt;
	char		 url[4096], msg[512];
	const char	*why;

	ans = json_pack("{s:b, s:s}", "ok", 1, "fingerprint", c->fingerprint);
	if (c->rotation == 1) {
		(void)secret_dashboard_url(m, url, sizeof(url));
		json_object_set_new(ans, "url", json_string(url));
	}
	if (json_is_true(json_object_get(rev, "ok")) && pl != NULL) {
		ns = json_integer_value(json_object_get(pl, "sessionsClosed"));
		nt = json_integer_value(json_object_get(pl,
		    "deviceTokensRetired"));
		json_object_set_new(ans, "sessionsClosed", json_integer(ns));
		json_object_set_new(ans, "deviceTokensRetired",
		    json_integer(nt));
		json_object_set_new(ans, "revokeDevices",
		    json_boolean(c->revoke_devices));
		log_info("gateway token rotated through the control socket "
		    "(uid %ld): %lld sessions opened with the old token "
		    "closed, %lld device tokens retired (%s); new fingerprint "
		    "%s", (long)c->uid, (long long)ns, (long long)nt,
		    c->revoke_devices ? "all devices" :
		    "devices paired silently with a shared secret",
		    c->fingerprint);
		return ans;
	}
	why = json_string_value(json_object_get(json_object_get(rev, "error"),
	    "message"));
	snprintf(msg, sizeof(msg), "the token is rotated, but %s: sessions "
	    "opened with the old token may still be open and device tokens "
	    "were not retired; run `clawgate token rotate%s` again",
	    why != NULL ? why : "authd did not answer", c->revoke_devices ?
	    " --revoke-devices" : "");
	json_object_set_new(ans, "warning", json_string(msg));
	log_warnx("gateway token rotated through the control socket (uid "
	    "%ld), but %s; new fingerprint %s", (long)c->uid,
	    why != NULL ? why : "authd did not answer", c->fingerprint);
	return ans;
}

/*
 * authd holds the new secret (M2A_SECRETS went first on the same
 * channel): have it end what the old one opened.  NULL while waiting.
 */
static json_t *
revoke_old(struct master *m, struct ctl_client *c, json_t *req, int which)
{
	json_t	*rd = json_object_get(req, "revokeDevices"), *fwd;
	char	*s, op[48];
	int	 rc = -1;

	if (rd != NULL && !json_is_boolean(rd))
		return err("\"revokeDevices\" must be true or false");
	c->rotation = which;
	c->revoke_devices = json_is_true(rd);
	cg_strlcpy(c->fingerprint, m->secret.fingerprint,
	    sizeof(c->fingerprint));
	if (m->authd.fd == -1 || !m->authd.ready)
		return rotation_answer(m, c, NULL);
	snprintf(op, sizeof(op), "local uid %ld", (long)c->uid);
	fwd = json_pack("{s:s, s:{s:b}, s:s}", "method",
	    "gateway.secret.rotated", "params", "revokeDevices",
	    c->revoke_devices, "operator", op);
	if ((s = json_dumps(fwd, JSON_COMPACT)) != NULL) {
		c->rpc_id = ++next_rpc_id;
		rc = ipc_send(m->authd.fd, IPC_M2A_RPC, c->rpc_id, s,
		    strlen(s), -1);
	}
	free(s);
	json_decref(fwd);
	if (rc == -1) {
		c->rpc_id = 0;
		return rotation_answer(m, c, NULL);
	}
	return NULL;
}

static json_t *
cmd_token_rotate(struct master *m, struct ctl_client *c, json_t *req)
{
	char	e[512];
	json_t	*rd = json_object_get(req, "revokeDevices");

	if (!may_see_secret(c))
		return err("only root or the daemon's user may rotate the token");
	if (rd != NULL && !json_is_boolean(rd))
		return err("\"revokeDevices\" must be true or false");
	if (secret_rotate(m, e, sizeof(e)) == -1)
		return err("%s", e);
	children_refeed(m);
	return revoke_old(m, c, req, 1);
}

/*
 * The CLI rotated a token kept in the config file and reloaded: the
 * same revocation as token.rotate.  The reload already gave authd the
 * new secret.
 */
static json_t *
cmd_token_rotated(struct master *m, struct ctl_client *c, json_t *req)
{
	if (!may_see_secret(c))
		return err("only root or the daemon's user may rotate the token");
	if (m->secret.mode != AUTHMODE_TOKEN)
		return err("the gateway uses no token");
	return revoke_old(m, c, req, 2);
}

/*
 * The fingerprint of a secret the caller holds (clawgate doctor, `token
 * fingerprint'): only the daemon has the key.  The secret is in the
 * request; it is never logged, and the request is wiped (client_free,
 * and jansson's copy in dispatch()).
 */
static json_t *
cmd_fingerprint(struct master *m, json_t *req)
{
	json_t		*sv = json_object_get(req, "secret");
	const char	*want;
	char		 fp[FINGERPRINT_LEN + 1];

	if (!json_is_string(sv))
		return err("fingerprint: \"secret\" must be a string");
	if (json_string_length(sv) > 1024)
		return err("fingerprint: the secret is longer than 1024 bytes");
	if (secret_fingerprint_of(m, json_string_value(sv),
	    json_string_length(sv), fp) == -1)
		return err("fingerprint: the secret is empty");
	want = m->secret.mode == AUTHMODE_NONE ? "" : m->secret.fingerprint;
	if (strcmp(want, "-") == 0)
		want = "";
	return json_pack("{s:b, s:s, s:s, s:s, s:b}", "ok", 1,
	    "fingerprint", fp, "expected", want, "mode",
	    m->secret.mode == AUTHMODE_TOKEN ? "token" :
	    m->secret.mode == AUTHMODE_PASSWORD ? "password" : "none",
	    "match", want[0] != '\0' && strcmp(fp, want) == 0);
}

static json_t *
cmd_reload(struct master *m)
{
	char	e[1024];

	if (master_reload(m, e, sizeof(e)) == -1)
		return json_pack("{s:b, s:s, s:b}", "ok", 0, "error", e,
		    "oldConfigActive", 1);
	return json_pack("{s:b, s:I}", "ok", 1, "generation",
	    (json_int_t)m->generation);
}

/* Forward to authd; the answer arrives in control_rpc_result(). */
static json_t *
cmd_rpc(struct master *m, struct ctl_client *c, json_t *req)
{
	json_t		*fwd;
	char		*s, op[48];
	const char	*method;
	int		 rc;

	method = json_string_value(json_object_get(req, "method"));
	if (method == NULL || strncmp(method, "device.", 7) != 0)
		return err("rpc: \"method\" must be a device.pair.* or "
		    "device.token.* method");
	if (m->authd.fd == -1 || !m->authd.ready)
		return err("authd is not running right now; retry in a moment");
	/* The operator, for the audit log: the peer's uid. */
	snprintf(op, sizeof(op), "local uid %ld", (long)c->uid);
	fwd = json_pack("{s:s, s:O?, s:s}", "method", method, "params",
	    json_object_get(req, "params"), "operator", op);
	s = json_dumps(fwd, JSON_COMPACT);
	json_decref(fwd);
	if (s == NULL || strlen(s) > IPC_MAX_MSG - sizeof(struct ipc_hdr)) {
		free(s);
		return err("rpc: request too large");
	}
	c->rpc_id = ++next_rpc_id;
	rc = ipc_send(m->authd.fd, IPC_M2A_RPC, c->rpc_id, s, strlen(s), -1);
	free(s);
	if (rc == -1) {
		c->rpc_id = 0;
		return err("cannot reach authd: %s", strerror(errno));
	}
	log_info("control: uid %ld called %s", (long)c->uid, method);
	return NULL;	/* answered later */
}

/* A request's "secret" is wiped before jansson frees it. */
static void
wipe_secret_field(json_t *req)
{
	json_t	*sv = json_object_get(req, "secret");

	if (json_is_string(sv))
		sodium_memzero((char *)json_string_value(sv),
		    json_string_length(sv));
}

static void
dispatch(struct ctl_client *c)
{
	struct master	*m = c->m;
	json_error_t	 je;
	json_t		*req, *ans = NULL;
	const char	*cmd;

	req = json_loadb(c->buf, c->len, JSON_REJECT_DUPLICATES, &je);
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (req == NULL || cmd == NULL)
		ans = err("bad request: expected one JSON object with \"cmd\"");
	else if (strcmp(cmd, "status") == 0)
		ans = cmd_status(m);
	else if (strcmp(cmd, "reload") == 0)
		ans = cmd_reload(m);
	else if (strcmp(cmd, "dashboard") == 0)
		ans = cmd_dashboard(m, c);
	else if (strcmp(cmd, "token.rotate") == 0)
		ans = cmd_token_rotate(m, c, req);
	else if (strcmp(cmd, "token.rotated") == 0)
		ans = cmd_token_rotated(m, c, req);
	else if (strcmp(cmd, "rpc") == 0)
		ans = cmd_rpc(m, c, req);
	else if (strcmp(cmd, "fingerprint") == 0)
		ans = cmd_fingerprint(m, req);
	else if (strcmp(cmd, "stop") == 0) {
		log_info("control: stop requested by uid %ld", (long)c->uid);
		reply(c, json_pack("{s:b}", "ok", 1));
		wipe_secret_field(req);
		json_decref(req);
		children_stop(m);
		return;
	} else
		ans = err("unknown command \"%s\" (status, reload, stop, "
		    "dashboard, token.rotate, token.rotated, rpc, "
		    "fingerprint)", cmd);
	wipe_secret_field(req);
	json_decref(req);
	if (ans != NULL)
		reply(c, ans);
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client	*c = w->data;
	ssize_t			 n;
	char			*nl;

	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		client_free(c);
		return;
	}
	c->len += (size_t)n;
	if ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len == sizeof(c->buf))
			reply(c, err("request too large (64 KiB at most)"));
		return;
	}
	c->len = (size_t)(nl - c->buf);
	ev_io_stop(loop, &c->io);
	dispatch(c);
}

static void
client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;

	if (c->rotation && c->rpc_id != 0) {
		c->rpc_id = 0;
		reply(c, rotation_answer(c->m, c, NULL));
		return;
	}
	reply(c, err("timed out"));
}

static int
authorized(struct master *m, uid_t uid, gid_t gid)
{
	struct group	*gr;
	int		 i;

	if (uid == 0 || uid == geteuid())
		return 1;
	if (m->control_gid != (gid_t)-1) {
		if (gid == m->control_gid)
			return 1;
		/* Supplementary membership, resolved now (names can change). */
		if ((gr = getgrgid(m->control_gid)) != NULL) {
			struct passwd *pw = getpwuid(uid);

			for (i = 0; pw != NULL && gr->gr_mem[i] != NULL; i++)
				if (strcmp(gr->gr_mem[i], pw->pw_name) == 0)
					return 1;
		}
	}
	return 0;
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct master		*m = w->data;
	struct ctl_client	*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof(cred);
	int			 fd;

	fd = accept4(ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    !authorized(m, cred.uid, cred.gid) || nclients >= CTL_MAX_CLIENTS) {
		static const char no[] = "{\"ok\":false,\"error\":\"permission "
		    "denied: run clawgate as root, as the daemon's user, or as a "
		    "member of clawgate.controlGroup\"}\n";

		(void)send(fd, no, sizeof(no) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->m = m;
	c->fd = fd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	ev_io_init(&c->io, client_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_init(&c->timer, client_timeout_cb, CTL_TIMEOUT_S, 0.);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
	c->next = clients;
	clients = c;
	nclients++;
}

/* authd answered a forwarded rpc (possibly in pieces: '+'... '$'). */
void
control_rpc_result(struct master *m, uint64_t id, const char *p, size_t len)
{
	struct ctl_client	*c;
	json_t			*ans, *rev;
	char			*n;

	for (c = clients; c != NULL; c = c->next)
		if (c->rpc_id == id)
			break;
	if (c == NULL || len == 0)
		return;
	if (p[0] == '+' || p[0] == '$') {
		if (c->acc_len + len > ((size_t)16 << 20) ||
		    (n = realloc(c->acc, c->acc_len + len)) == NULL) {
			reply(c, err("authd's answer is too large"));
			return;
		}
		c->acc = n;
		memcpy(c->acc + c->acc_len, p + 1, len - 1);
		c->acc_len += len - 1;
		if (p[0] == '+')
			return;
		p = c->acc;
		len = c->acc_len;
	}
	if ((ans = json_loadb(p, len, 0, NULL)) == NULL)
		ans = err("authd answered with malformed JSON");
	if (c->rotation) {
		c->rpc_id = 0;
		rev = ans;
		ans = rotation_answer(m, c, rev);
		json_decref(rev);
	}
	reply(c, ans);
}

int
control_open(struct master *m, char *e, size_t elen)
{
	struct sockaddr_un	 sun;
	mode_t			 old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(ctl_path, sizeof(ctl_path), "%s/clawgated.sock",
	    m->cfg.run_dir) >= sizeof(ctl_path)) {
		snprintf(e, elen, "clawgate.runDir is too long for a socket path");
		return -1;
	}
	cg_strlcpy(sun.sun_path, ctl_path, sizeof(sun.sun_path));
	/* We hold the instance lock: a leftover socket is stale. */
	(void)unlink(ctl_path);
	if ((ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		snprintf(e, elen, "control socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0117);
	if (bind(ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(ctl_fd, 16) == -1) {
		umask(old);
		snprintf(e, elen, "cannot listen on %s: %s", ctl_path,
		    strerror(errno));
		close(ctl_fd);
		ctl_fd = -1;
		return -1;
	}
	umask(old);
	if (m->control_gid != (gid_t)-1 &&
	    chown(ctl_path, (uid_t)-1, m->control_gid) == -1)
		log_warn("chown %s", ctl_path);
	(void)chmod(ctl_path, 0660);
	ev_io_init(&ctl_io, accept_cb, ctl_fd, EV_READ);
	ctl_io.data = m;
	ev_io_start(m->loop, &ctl_io);
	return 0;
}

void
control_close(struct master *m)
{
	while (clients != NULL)
		client_free(clients);
	if (ctl_fd != -1) {
		ev_io_stop(m->loop, &ctl_io);
		close(ctl_fd);
		ctl_fd = -1;
		(void)unlink(ctl_path);
	}
}
