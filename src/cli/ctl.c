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
 * broken config must not hide a running daemon.
 */
static void
raw_run_dir(const char *path, char *out, size_t len)
{
	struct json5_error	 je;
	struct json5_doc	*d;
	char			*text, err[256];
	size_t			 n;
	json_t			*v;

	if ((text = cfg_read(path, &n, err, sizeof(err))) == NULL)
		return;
	if ((d = json5_parse(text, n, JSON5_ENV_SUBST, &je)) != NULL) {
		v = json_object_get(json_object_get(json5_root(d), "clawgate"),
		    "runDir");
		if (json_is_string(v) && json_string_value(v)[0] == '/')
			cg_strlcpy(out, json_string_value(v), len);
		json5_doc_free(d);
	}
	explicit_bzero(text, n);
	free(text);
}

void
ctl_path(struct cli *c, char *buf, size_t len)
{
	struct cg_config	 cfg;
	struct cg_config_error	 e;
	char			 run[PATH_MAX];

	if (c->socket_path[0] != '\0') {
		cg_strlcpy(buf, c->socket_path, len);
		return;
	}
	if (cfg_load(c, &cfg, &e) == 0)
		cg_strlcpy(run, cfg.run_dir, sizeof(run));
	else {
		config_free(&cfg);
		config_defaults(&cfg);
		cg_strlcpy(run, cfg.run_dir, sizeof(run));
		raw_run_dir(c->config_path, run, sizeof(run));
	}
	config_free(&cfg);
	snprintf(buf, len, "%s/clawgated.sock", run);
}

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

json_t *
ctl_call(struct cli *c, json_t *req, struct ctl_error *e)
{
	struct timeval	 tv = { 5, 0 };
	json_error_t	 je;
	json_t		*ans;
	char		 path[PATH_MAX], *s, *buf;
	size_t		 len;
	int		 fd;

	memset(e, 0, sizeof(*e));
	ctl_path(c, path, sizeof(path));
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
