/*
 * ctl.c: the client side of the control socket (docs/CONTROL.md): one
 * JSON request per connection, one JSON answer.  The daemon decides
 * who may ask by the peer's credentials; we only need to reach it.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json5.h"
#include "util.h"

#define CTL_MAX_ANSWER	((size_t)32 << 20)

/*
 * The run directory from the file even when it does not validate: a
 * broken config must not hide a running daemon.  -1 with `err' (file,
 * line and column) when the file cannot be read or is not JSON5 at all:
 * then its run directory is unknown.
 */
static int
raw_run_dir(const char *path, char *out, size_t len, char *err,
    size_t errlen)
{
	struct json5_error	 je;
	struct json5_doc	*d;
	char			*text;
	size_t			 n;
	json_t			*v;

	if ((text = cfg_read(path, &n, err, errlen)) == NULL)
		return -1;
	if ((d = json5_parse(text, n, JSON5_ENV_SUBST, &je)) != NULL) {
		v = json_object_get(json_object_get(json5_root(d), "clawgate"),
		    "runDir");
		if (json_is_string(v) && json_string_value(v)[0] == '/')
			cg_strlcpy(out, json_string_value(v), len);
		json5_doc_free(d);
	} else
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.loc.line,
		    je.loc.col, je.msg);
	explicit_bzero(text, n);
	free(text);
	return d != NULL ? 0 : -1;
}

/*
 * A file named with -f or $CLAWGATE_CONFIG that cannot be read or
 * parsed has no known run directory: the default one may be another
 * instance's, so nothing is asked of any daemon (CTL_CONFIG).
 */
int
ctl_resolve(struct cli *c, char *buf, size_t len, struct ctl_error *e)
{
	struct cg_config	 cfg;
	struct cg_config_error	 ce;
	char			 run[PATH_MAX], err[768];
	int			 r = 0;

	if (c->socket_path[0] != '\0') {
		cg_strlcpy(buf, c->socket_path, len);
		return 0;
	}
	if (cfg_load(c, &cfg, &ce) == 0)
		cg_strlcpy(run, cfg.run_dir, sizeof(run));
	else {
		config_free(&cfg);
		config_defaults(&cfg);
		cg_strlcpy(run, cfg.run_dir, sizeof(run));
		if (raw_run_dir(c->config_path, run, sizeof(run), err,
		    sizeof(err)) == -1 && c->config_explicit) {
			e->status = CTL_CONFIG;
			snprintf(e->msg, sizeof(e->msg), "%s; not asking any "
			    "daemon: the run directory of %s is unknown (the "
			    "default %s may be another instance's)", err,
			    c->config_path, cfg.run_dir);
			e->fix_at = (int)strlen(e->msg);
			snprintf(e->msg + e->fix_at, sizeof(e->msg) -
			    (size_t)e->fix_at, "; fix the file (`clawgate%s "
			    "config validate` checks it), or name the daemon "
			    "with --socket PATH", cli_fopt(c));
			r = -1;
		}
	}
	config_free(&cfg);
	snprintf(buf, len, "%s/clawgated.sock", run);
	return r;
}

void
ctl_path(struct cli *c, char *buf, size_t len)
{
	struct ctl_error	 e;

	(void)ctl_resolve(c, buf, len, &e);
}

/* realpath(3), or the path itself when it does not resolve. */
static void
real_or_same(const char *path, char *out, size_t len)
{
	char	 r[PATH_MAX];

	cg_strlcpy(out, realpath(path, r) != NULL ? r : path, len);
}

/*
 * Is the daemon that answered `st' (a status answer) the one of the
 * config the CLI loaded?  A daemon on the built-in defaults counts as
 * running the file it reads on its next reload (configDefault).  A CLI
 * on the built-in defaults itself (no file named, none there) names no
 * file to differ from.  -1 with CTL_MISMATCH in `e' if another.
 */
static int
same_config(struct cli *c, const char *sock, const json_t *st,
    struct ctl_error *e)
{
	const char	*theirs;
	char		 a[PATH_MAX], b[PATH_MAX];

	if (!c->config_explicit && access(c->config_path, F_OK) == -1)
		return 0;
	theirs = json_string_value(json_object_get(st, "configPath"));
	if (theirs == NULL)
		return 0;	/* not a status answer this check knows */
	if (theirs[0] == '\0')
		theirs = json_string_value(json_object_get(st,
		    "configDefault"));
	if (theirs == NULL || theirs[0] == '\0') {
		if (!c->config_explicit)
			return 0;
		theirs = "no config file (the built-in defaults)";
		cg_strlcpy(a, theirs, sizeof(a));
	} else
		real_or_same(theirs, a, sizeof(a));
	real_or_same(c->config_path, b, sizeof(b));
	if (strcmp(a, b) == 0)
		return 0;
	e->status = CTL_MISMATCH;
	snprintf(e->msg, sizeof(e->msg), "the daemon on %s runs %s, not %s",
	    sock, a, c->config_path);
	e->fix_at = (int)strlen(e->msg);
	snprintf(e->msg + e->fix_at, sizeof(e->msg) - (size_t)e->fix_at,
	    ": give %s its own clawgate.runDir (`clawgate%s config set "
	    "clawgate.runDir /run/clawgate-NAME`), or name that daemon's "
	    "own config with -f", c->config_path, cli_fopt(c));
	return -1;
}

static json_t	*ctl_call1(struct cli *, const char *path, json_t *req,
		    struct ctl_error *);

static int
ctl_connect(const char *path, struct ctl_error *e)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (cg_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "control socket path %s is "
		    "too long", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
		e->status = CTL_NOT_RUNNING;
		snprintf(e->msg, sizeof(e->msg), "clawgated is not running "
		    "(no control socket at %s)", path);
		break;
	case ECONNREFUSED:
		e->status = CTL_NOT_RUNNING;
		snprintf(e->msg, sizeof(e->msg), "clawgated is not running "
		    "(nothing listens on %s: a stale socket of a daemon that "
		    "died)", path);
		break;
	case EACCES:
	case EPERM:
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "permission denied on %s: run "
		    "clawgate as root, as the daemon's user, or as a member of "
		    "clawgate.controlGroup", path);
		break;
	default:
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "cannot connect to %s: %s",
		    path, strerror(errno));
		break;
	}
	close(fd);
	return -1;
}

/* Read until the newline (or EOF) within the deadline. */
static char *
read_answer(int fd, int timeout_ms, size_t *lenp, struct ctl_error *e)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	uint64_t	 deadline = mono_ms() + (uint64_t)timeout_ms;
	char		*buf = NULL, *nb;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;
	int		 left;

	for (;;) {
		left = (int)(deadline - mono_ms());
		if ((int64_t)(deadline - mono_ms()) <= 0 ||
		    poll(&pfd, 1, left) == 0) {
			e->status = CTL_FAILED;
			snprintf(e->msg, sizeof(e->msg), "no answer from "
			    "clawgated within %d s", timeout_ms / 1000);
			goto fail;
		}
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 65536 * 2;
			if (cap > CTL_MAX_ANSWER + 65536 ||
			    (nb = realloc(buf, cap)) == NULL) {
				e->status = CTL_FAILED;
				snprintf(e->msg, sizeof(e->msg), "the answer "
				    "is too large");
				goto fail;
			}
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e->status = CTL_FAILED;
			snprintf(e->msg, sizeof(e->msg), "reading the answer: "
			    "%s", strerror(errno));
			goto fail;
		}
		if (n == 0 || memchr(buf + len, '\n', (size_t)n) != NULL) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/*
 * The socket of the config the CLI loaded, and only if the daemon
 * behind it runs that config (checked once, with a status request,
 * unless --socket named the daemon and no file was named).
 */
json_t *
ctl_call(struct cli *c, json_t *req, struct ctl_error *e)
{
	json_t		*st, *sreq, *ans;
	const char	*cmd;
	char		 path[PATH_MAX];
	int		 check;

	memset(e, 0, sizeof(*e));
	if (ctl_resolve(c, path, sizeof(path), e) == -1)
		return NULL;
	check = !c->daemon_checked && (c->socket_path[0] == '\0' ||
	    c->config_explicit);
	if (!check)
		return ctl_call1(c, path, req, e);
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (cmd != NULL && strcmp(cmd, "status") == 0) {
		if ((ans = ctl_call1(c, path, req, e)) != NULL &&
		    same_config(c, path, ans, e) == -1) {
			json_decref(ans);
			return NULL;
		}
		c->daemon_checked = ans != NULL;
		return ans;
	}
	sreq = json_pack("{s:s}", "cmd", "status");
	st = ctl_call1(c, path, sreq, e);
	json_decref(sreq);
	if (st == NULL)
		return NULL;
	if (same_config(c, path, st, e) == -1) {
		json_decref(st);
		return NULL;
	}
	json_decref(st);
	c->daemon_checked = 1;
	return ctl_call1(c, path, req, e);
}

static json_t *
ctl_call1(struct cli *c, const char *path, json_t *req, struct ctl_error *e)
{
	struct timeval	 tv = { 5, 0 };
	json_error_t	 je;
	json_t		*ans;
	char		*s, *buf;
	size_t		 len;
	int		 fd;

	if ((fd = ctl_connect(path, e)) == -1)
		return NULL;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((s = json_dumps(req, JSON_COMPACT)) == NULL) {
		close(fd);
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		return NULL;
	}
	len = strlen(s);
	s[len] = '\n';		/* json_dumps leaves room for the NUL */
	if (send(fd, s, len + 1, MSG_NOSIGNAL) != (ssize_t)(len + 1)) {
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "sending the request to %s: "
		    "%s", path, strerror(errno));
		cg_wipe(s, len + 1);	/* a fingerprint request holds one */
		free(s);
		close(fd);
		return NULL;
	}
	cg_wipe(s, len + 1);
	free(s);
	buf = read_answer(fd, c->timeout_ms, &len, e);
	close(fd);
	if (buf == NULL)
		return NULL;
	ans = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &je);
	cg_wipe(buf, len);	/* a dashboard answer holds the token */
	free(buf);
	if (!json_is_object(ans)) {
		json_decref(ans);
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "clawgated answered with "
		    "something that is not a JSON object%s", len == 0 ?
		    " (nothing: the connection closed)" : "");
		return NULL;
	}
	return ans;
}

json_t *
ctl_cmd(struct cli *c, const char *cmd, struct ctl_error *e)
{
	json_t	*req, *ans;

	req = json_pack("{s:s}", "cmd", cmd);
	ans = ctl_call(c, req, e);
	json_decref(req);
	return ans;
}

json_t *
ctl_fingerprint(struct cli *c, const char *secret, struct ctl_error *e)
{
	json_t	*req, *sv, *ans;

	if ((sv = json_string(secret)) == NULL ||
	    (req = json_pack("{s:s, s:o}", "cmd", "fingerprint", "secret",
	    sv)) == NULL) {
		memset(e, 0, sizeof(*e));
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "the secret is not UTF-8, or "
		    "out of memory");
		return NULL;
	}
	ans = ctl_call(c, req, e);
	cg_wipe((char *)json_string_value(sv), json_string_length(sv));
	json_decref(req);
	if (ans != NULL && !json_is_true(json_object_get(ans, "ok"))) {
		e->status = CTL_FAILED;
		ctl_answer_error(ans, e->msg, sizeof(e->msg));
		json_decref(ans);
		return NULL;
	}
	return ans;
}

const char *
ctl_answer_error(const json_t *ans, char *buf, size_t len)
{
	json_t	*e = json_object_get(ans, "error");

	if (json_is_string(e))
		cg_strlcpy(buf, json_string_value(e), len);
	else if (json_is_object(e) && json_is_string(json_object_get(e,
	    "message")))
		cg_strlcpy(buf, json_string_value(json_object_get(e,
		    "message")), len);
	else
		cg_strlcpy(buf, "unknown error", len);
	return buf;
}
