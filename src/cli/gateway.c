/*
 * gateway.c: `clawgate gateway status|start|stop|restart|reload', through
 * the control socket.  Status prints the configured and the actual
 * listeners side by side and fails when they differ: a daemon that
 * kept an old bind after a config change is caught here.  `status
 * --url' asks a gateway over its WebSocket instead (connect, `status',
 * `health'), as any operator client can.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "remote.h"
#include "util.h"

#define STOP_WAIT_MS	30000

static const char help_gateway[] =
"usage: clawgate gateway status [--json]\n"
"       clawgate gateway start\n"
"       clawgate gateway stop [--wait S]\n"
"       clawgate gateway restart [--wait S]\n"
"       clawgate gateway reload [--json]\n"
"\n"
"status   pid, uptime, configured and actual listeners (exit 1 when they\n"
"         differ or the daemon is not running), workers, authd, secret\n"
"         source and fingerprint, local peers, allowed origins and\n"
"         trusted proxies in effect\n"
"start    start clawgated with this config (`clawgate -f FILE gateway\n"
"         start' runs `clawgated -f FILE'); when it already runs, says so\n"
"         with its pid (exit 0); under systemd use `systemctl start'\n"
"stop     stop the daemon and wait until it is gone (default 30 s)\n"
"restart  stop, then start the same clawgated binary with the same\n"
"         arguments, environment and user it ran with; under systemd\n"
"         (a clawgate*.service unit) `systemctl restart UNIT' instead\n"
"reload   re-read the configuration; on an error the old one stays\n"
"         active and the exact error is shown (exit 1)\n"
"\n"
"status --url ws://HOST:PORT: connect as an operator (operator.read),\n"
"call `status' and `health' (exit 1 when either fails).\n"
"\n"
REMOTE_HELP;

json_t *
gateway_status(struct cli *c, struct ctl_error *e)
{
	json_t	*ans;
	char	 msg[1024];

	if ((ans = ctl_cmd(c, "status", e)) == NULL)
		return NULL;
	if (!json_is_true(json_object_get(ans, "ok"))) {
		e->status = CTL_FAILED;
		snprintf(e->msg, sizeof(e->msg), "%s", ctl_answer_error(ans,
		    msg, sizeof(msg)));
		json_decref(ans);
		return NULL;
	}
	return ans;
}

/* The systemd unit of a process, when it is one of ours. */
int
gateway_systemd_unit(long pid, char *unit, size_t len)
{
	char	 path[64], line[1024], *u;
	FILE	*fp;
	size_t	 n;

	unit[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((u = strrchr(line, '/')) == NULL)
			continue;
		u++;
		n = strlen(u);
		/* Only clawgate's own units: never a unit we merely run in. */
		if (strncmp(u, "clawgate", 8) == 0 && n > 8 &&
		    strcmp(u + n - 8, ".service") == 0) {
			cg_strlcpy(unit, u, len);
			break;
		}
	}
	fclose(fp);
	return unit[0] != '\0';
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static long long
jint(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
print_listeners(const json_t *l)
{
	json_t		*conf = json_object_get(l, "configured");
	json_t		*act = json_object_get(l, "actual");
	size_t		 i, n;
	const char	*a, *b;

	n = json_array_size(conf) > json_array_size(act) ?
	    json_array_size(conf) : json_array_size(act);
	printf("Listeners:  %-28s %s\n", "configured", "actual");
	if (!json_is_array(conf))
		printf("            %-28s %s\n", "(config file invalid)",
		    json_array_size(act) ? json_string_value(
		    json_array_get(act, 0)) : "-");
	for (i = json_is_array(conf) ? 0 : 1; i < n; i++) {
		a = json_string_value(json_array_get(conf, i));
		b = json_string_value(json_array_get(act, i));
		printf("            %-28s %s\n", a ? a : "-", b ? b : "-");
	}
}

/* "Label:      a, b" ("none" when empty; nothing from an old daemon). */
static void
print_list(const char *label, const json_t *a)
{
	const json_t	*v;
	size_t		 i;

	if (!json_is_array(a))
		return;
	printf("%-11s ", label);
	json_array_foreach(a, i, v)
		printf("%s%s", i ? ", " : "", json_string_value(v) ?
		    json_string_value(v) : "?");
	printf("%s\n", json_array_size(a) ? "" : "none");
}

static int
print_status(const json_t *s)
{
	json_t		*l = json_object_get(s, "listeners");
	json_t		*ad = json_object_get(s, "authd");
	json_t		*au = json_object_get(s, "auth");
	json_t		*ws = json_object_get(s, "workers"), *w;
	char		 t[64], up[32];
	long long	 conns = 0, authn = 0, restarts = 0;
	size_t		 i, ready = 0;
	int		 match = json_is_true(json_object_get(l, "match"));

	out_time(t, sizeof(t), jint(s, "startedAtMs"));
	out_duration(up, sizeof(up), jint(s, "uptimeMs"));
	printf("clawgated %s (protocol %lld) is running\n", jstr(s, "version"),
	    jint(s, "protocol"));
	printf("PID:        %lld, started %s (up %s)\n", jint(s, "pid"), t, up);
	printf("Config:     %s (generation %lld)\n", jstr(s, "configPath")[0] ?
	    jstr(s, "configPath") : "(none: built-in defaults)",
	    jint(s, "generation"));
	print_listeners(l);
	if (!match)
		cli_outf("            MISMATCH: the daemon does not listen where "
		    "the config file says.\n            %s\n",
		    json_is_array(json_object_get(l, "configured")) ?
		    "apply the file with `clawgate gateway reload` (it rebinds)" :
		    "`clawgate config validate` shows the error");
	json_array_foreach(ws, i, w) {
		ready += json_is_true(json_object_get(w, "ready"));
		conns += jint(w, "connections");
		authn += jint(w, "authenticated");
		restarts += jint(w, "restarts");
	}
	printf("Workers:    %zu/%zu ready, %lld restart%s\n", ready,
	    json_array_size(ws), restarts, restarts == 1 ? "" : "s");
	printf("Authd:      pid %lld, %s, %lld restart%s\n", jint(ad, "pid"),
	    json_is_true(json_object_get(ad, "ready")) ? "ready" : "NOT READY",
	    jint(ad, "restarts"), jint(ad, "restarts") == 1 ? "" : "s");
	printf("Connections: %lld (%lld authenticated)\n", conns, authn);
	printf("Auth:       mode %s; secret from %s", jstr(au, "mode"),
	    jstr(au, "source"));
	if (jstr(au, "fingerprint")[0] != '\0')
		printf("; fingerprint %s", jstr(au, "fingerprint"));
	printf("\n");
	print_list("Local peers:", json_object_get(s, "localPeers"));
	print_list("Origins:", json_object_get(s, "allowedOrigins"));
	print_list("Proxies:", json_object_get(s, "trustedProxies"));
	printf("State dir:  %s\nRun dir:    %s\nLog:        %s\n"
	    "Sandbox:    %s\n", jstr(s, "stateDir"), jstr(s, "runDir"),
	    jstr(s, "logFile")[0] ? jstr(s, "logFile") :
	    "stderr (foreground)", jstr(s, "sandbox"));
	return match ? EXIT_OK : EXIT_FAIL;
}

static int
parse_opts(struct cli *c, int argc, char *argv[], int *wait_ms,
    struct remote_opts *ro)
{
	enum { O_WAIT = OPT_FIRST_LOCAL };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		REMOTE_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "wait", required_argument, NULL, O_WAIT },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 ch, r;
	long	 v;

	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return cli_usage(help_gateway, "bad option value");
		if ((r = remote_opt(ro, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return EXIT_USAGE;
		switch (ch) {
		case OPT_JSON:
			c->json = 1;
			break;
		case O_WAIT:
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 3600)
				return cli_usage(help_gateway, "--wait takes "
				    "1 to 3600 seconds");
			*wait_ms = (int)v * 1000;
			break;
		case 'h':
			fputs(help_gateway, stdout);
			return -1;
		default:
			return cli_usage(help_gateway, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(help_gateway, "unexpected argument \"%s\"",
		    argv[optind]);
	return remote_check(ro) == -1 ? EXIT_USAGE : 0;
}

static int
gw_status(struct cli *c)
{
	struct ctl_error	 e;
	json_t			*s;
	int			 rc;

	if ((s = gateway_status(c, &e)) == NULL) {
		if (c->json) {
			json_t *o = json_pack("{s:b, s:b, s:s}", "ok", 0,
			    "running", 0, "error", e.msg);

			if (e.status != CTL_NOT_RUNNING)
				json_object_set_new(o, "running", json_null());
			out_json(o);
			json_decref(o);
		} else
			cli_warnx("%s", e.msg);
		return EXIT_FAIL;
	}
	if (c->json) {
		out_json(s);
		rc = json_is_true(json_object_get(json_object_get(s,
		    "listeners"), "match")) ? EXIT_OK : EXIT_FAIL;
	} else
		rc = print_status(s);
	json_decref(s);
	return rc;
}

/* What the granted scopes allow, in the reference's words (§9.5). */
static const char *
capability(const json_t *scopes)
{
	const json_t	*v;
	size_t		 i;
	int		 r = 0, w = 0, a = 0;
	const char	*s;

	json_array_foreach(scopes, i, v) {
		s = json_string_value(v) != NULL ? json_string_value(v) : "";
		a |= strcmp(s, "operator.admin") == 0;
		w |= strcmp(s, "operator.write") == 0;
		r |= strcmp(s, "operator.read") == 0;
	}
	return a ? "admin-capable" : w ? "write-capable" : r ? "read-only" :
	    "connected-no-operator-scope";
}

static void
print_remote(struct remote *r, const json_t *st, const char *serr,
    const json_t *he, const char *herr)
{
	const json_t	*h = remote_hello(r);
	const json_t	*srv = json_object_get(h, "server");
	const json_t	*auth = json_object_get(h, "auth");
	const json_t	*sc = json_object_get(auth, "scopes"), *v, *cn;
	char		 up[32];
	size_t		 i;

	printf("Gateway:    %s is reachable (%s)\n", remote_url(r),
	    remote_endpoints(r));
	printf("Server:     version %s, protocol %lld, connection %s\n",
	    jstr(srv, "version")[0] ? jstr(srv, "version") : "?",
	    jint(h, "protocol"), jstr(srv, "connId")[0] ?
	    jstr(srv, "connId") : "-");
	printf("Auth:       %s; role %s; scopes ", jstr(auth, "method")[0] ?
	    jstr(auth, "method") : "?", jstr(auth, "role"));
	json_array_foreach(sc, i, v)
		printf("%s%s", i ? ", " : "", json_string_value(v) ?
		    json_string_value(v) : "?");
	printf("%s (%s)\n", json_array_size(sc) ? "" : "-", capability(sc));
	printf("Credential: %s\n", remote_cred_source(r));
	printf("Device:     %s (this CLI's identity)\n", remote_device_id(r));
	if (he != NULL)
		printf("Health:     OK%s", json_is_integer(json_object_get(he,
		    "durationMs")) ? "" : "\n");
	else
		printf("Health:     FAILED: %s\n", herr);
	if (he != NULL && json_is_integer(json_object_get(he, "durationMs")))
		printf(" (%lld ms)\n", jint(he, "durationMs"));
	if (st == NULL) {
		printf("Status:     FAILED: %s\n", serr);
		return;
	}
	printf("Status:     %s", jstr(st, "runtimeVersion")[0] ?
	    jstr(st, "runtimeVersion") : "ok");
	if (json_is_integer(json_object_get(st, "uptimeMs"))) {
		out_duration(up, sizeof(up), jint(st, "uptimeMs"));
		printf(", up %s", up);
	}
	cn = json_object_get(st, "connections");
	if (json_is_object(cn))
		printf(", %lld connection%s (%lld authenticated) on the worker "
		    "that answered", jint(cn, "open"), jint(cn, "open") == 1 ?
		    "" : "s", jint(cn, "authenticated"));
	printf("\n");
}

/* Strip what must not be printed from hello-ok (no secret is in it). */
static json_t *
hello_view(const json_t *h)
{
	return json_pack("{s:O?, s:O?, s:O?, s:O?}", "protocol",
	    json_object_get(h, "protocol"), "server", json_object_get(h,
	    "server"), "auth", json_object_get(h, "auth"), "policy",
	    json_object_get(h, "policy"));
}

/* `gateway status --url': connect, status, health (§9.4, §9.5). */
static int
gw_status_remote(struct cli *c, const struct remote_opts *ro)
{
	static const char *const read_scope[] = { "operator.read" };
	struct remote	*r;
	json_t		*st, *he, *o;
	char		 err[1024], serr[1024] = "", herr[1024] = "";
	int		 ok;

	if ((r = remote_connect(c, ro, read_scope, 1, err,
	    sizeof(err))) == NULL) {
		if (c->json) {
			o = json_pack("{s:b, s:s, s:s}", "ok", 0, "url",
			    ro->url, "error", err);
			out_json(o);
			json_decref(o);
		}
		return EXIT_FAIL;
	}
	st = remote_call(r, "status", NULL, serr, sizeof(serr));
	he = remote_call(r, "health", NULL, herr, sizeof(herr));
	ok = st != NULL && he != NULL;
	if (c->json) {
		o = json_pack("{s:b, s:s, s:s, s:o, s:o, s:o}", "ok", ok, "url",
		    remote_url(r), "connection", remote_endpoints(r), "hello",
		    hello_view(remote_hello(r)), "status", st != NULL ?
		    json_incref(st) : json_pack("{s:s}", "error", serr),
		    "health", he != NULL ? json_incref(he) :
		    json_pack("{s:s}", "error", herr));
		out_json(o);
		json_decref(o);
	} else
		print_remote(r, st, serr, he, herr);
	json_decref(st);
	json_decref(he);
	remote_close(r);
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* Is `pid' gone (or a zombie nobody reaped yet)? */
static int
pid_gone(long pid)
{
	char	 path[64], buf[512], *p;
	FILE	*fp;
	int	 gone = 0;

	if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && (p[2] == 'Z' || p[2] == 'X'))
		gone = 1;
	fclose(fp);
	return gone;
}

/* The daemon and its children (they hold the listening sockets too). */
static int
family(struct cli *c, long pid, long *pids, int max)
{
	struct ctl_error	 e;
	json_t			*s, *w;
	size_t			 i;
	int			 n = 0;

	pids[n++] = pid;
	if ((s = gateway_status(c, &e)) == NULL)
		return n;
	if (n < max)
		pids[n++] = (long)json_integer_value(json_object_get(
		    json_object_get(s, "authd"), "pid"));
	json_array_foreach(json_object_get(s, "workers"), i, w)
		if (n < max)
			pids[n++] = (long)json_integer_value(json_object_get(w,
			    "pid"));
	json_decref(s);
	return n;
}

/* Ask it to stop; wait until it and its children are gone. */
static int
stop_and_wait(struct cli *c, long pid, int wait_ms)
{
	struct ctl_error	 e;
	json_t			*ans;
	char			 msg[1024];
	uint64_t		 end;
	long			 pids[70];
	int			 n, i, alive;

	n = family(c, pid, pids, 70);
	if ((ans = ctl_cmd(c, "stop", &e)) == NULL) {
		cli_warnx("%s", e.msg);
		return -1;
	}
	if (!json_is_true(json_object_get(ans, "ok"))) {
		cli_warnx("stop refused: %s", ctl_answer_error(ans, msg,
		    sizeof(msg)));
		json_decref(ans);
		return -1;
	}
	json_decref(ans);
	end = mono_ms() + (uint64_t)wait_ms;
	while (mono_ms() < end) {
		for (i = alive = 0; i < n; i++)
			alive += pids[i] > 0 && !pid_gone(pids[i]);
		if (alive == 0)
			return 0;
		usleep(50000);
	}
	cli_warnx("clawgated (pid %ld) is still running after %d s; it may be "
	    "draining connections: check `clawgate gateway status`, or "
	    "`kill %ld`", pid, wait_ms / 1000, pid);
	return -1;
}

static int
gw_stop(struct cli *c, int wait_ms)
{
	struct ctl_error	 e;
	json_t			*s;
	long			 pid;

	if ((s = gateway_status(c, &e)) == NULL) {
		if (e.status == CTL_NOT_RUNNING) {
			printf("clawgated is not running; nothing to stop.\n");
			return EXIT_OK;
		}
		cli_warnx("%s", e.msg);
		return EXIT_FAIL;
	}
	pid = (long)jint(s, "pid");
	json_decref(s);
	if (stop_and_wait(c, pid, wait_ms) == -1)
		return EXIT_FAIL;
	printf("Stopped clawgated (pid %ld).\n", pid);
	return EXIT_OK;
}

/* NUL-separated /proc file into a NULL-terminated vector. */
static char **
proc_vector(long pid, const char *what, char **bufp)
{
	char	 path[64], *buf, **v;
	size_t	 len = 0, n = 0, i, cap = 1 << 16;
	ssize_t	 r;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((buf = malloc(cap + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < cap && (r = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	for (i = 0; i < len; i++)
		n += buf[i] == '\0';
	if ((v = calloc(n + 2, sizeof(*v))) == NULL) {
		free(buf);
		return NULL;
	}
	for (i = 0, n = 0; i < len; i += strlen(buf + i) + 1)
		v[n++] = buf + i;
	*bufp = buf;
	return v;
}

/* Uid and gid of a process, from /proc/PID/status. */
static int
proc_ids(long pid, uid_t *uid, gid_t *gid)
{
	char	 path[64], line[256];
	FILE	*fp;
	int	 got = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "Uid:", 4) == 0)
			got += sscanf(line + 4, "%*u %u", uid) == 1;
		else if (strncmp(line, "Gid:", 4) == 0)
			got += sscanf(line + 4, "%*u %u", gid) == 1;
	}
	fclose(fp);
	return got == 2 ? 0 : -1;
}

struct relaunch {
	char	 exe[PATH_MAX];
	char	*argbuf, *envbuf;
	char	**argv, **envp;
	uid_t	 uid;
	gid_t	 gid;
};

/*
 * What to start again: the same binary (/proc/PID/exe), its arguments
 * minus -d (we want it to detach and report readiness), its whole
 * environment (a token from $CLAWGATE_GATEWAY_TOKEN must survive), and
 * its user.  Captured before the stop, while /proc still has it.
 */
static int
capture(long pid, const char *config_path, struct relaunch *r)
{
	char	 path[64];
	ssize_t	 n;
	int	 i, j;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	if ((n = readlink(path, r->exe, sizeof(r->exe) - 1)) <= 0)
		return -1;
	r->exe[n] = '\0';
	if ((r->argv = proc_vector(pid, "cmdline", &r->argbuf)) == NULL ||
	    (r->envp = proc_vector(pid, "environ", &r->envbuf)) == NULL ||
	    proc_ids(pid, &r->uid, &r->gid) == -1)
		return -1;
	/* Detached, and never the token on an output nobody watches. */
	for (i = j = 1; r->argv[i] != NULL; i++)
		if (strcmp(r->argv[i], "-d") != 0 &&
		    strcmp(r->argv[i], "--show-token") != 0)
			r->argv[j++] = r->argv[i];
	r->argv[j] = NULL;
	r->argv[0] = r->exe;
	(void)config_path;
	return 0;
}

static void
relaunch_free(struct relaunch *r)
{
	if (r->envbuf != NULL)
		explicit_bzero(r->envbuf, strlen(r->envbuf));
	free(r->argbuf);
	free(r->envbuf);
	free(r->argv);
	free(r->envp);
}

/*
 * Start it and wait for the daemonizing parent's verdict.  Its stderr is
 * captured: a port the old daemon's last socket still holds for a
 * moment ("in use") is retried; any other error is shown as it is.
 */
static int
launch_once(struct relaunch *r, char *errbuf, size_t errlen)
{
	pid_t	pid;
	int	st, p[2];
	size_t	len = 0;
	ssize_t	n;

	errbuf[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(errbuf, errlen, "clawgate: fork: %s\n",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		if (geteuid() == 0 && r->uid != 0 &&
		    (setgroups(0, NULL) == -1 || setgid(r->gid) == -1 ||
		    setuid(r->uid) == -1)) {
			dprintf(STDERR_FILENO, "clawgate: cannot become uid %u: "
			    "%s\n", r->uid, strerror(errno));
			_exit(127);
		}
		execve(r->exe, r->argv, r->envp);
		dprintf(STDERR_FILENO, "clawgate: cannot run %s: %s\n", r->exe,
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (len + 1 < errlen && (n = read(p[0], errbuf + len,
	    errlen - len - 1)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += (size_t)n;
	}
	errbuf[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
launch(struct relaunch *r)
{
	char	err[4096];
	int	i, rc;

	/*
	 * Connections the old daemon closed may keep the port in TIME_WAIT
	 * for up to a minute; wait that long rather than give up.
	 */
	for (i = 0; i < 260; i++) {
		if ((rc = launch_once(r, err, sizeof(err))) == 0 ||
		    strstr(err, "already in use") == NULL)
			break;
		if (i == 0) {
			printf("The port is still held (connections of the old "
			    "daemon in TIME_WAIT); retrying for up to 65 s.\n");
			fflush(stdout);
		}
		usleep(250000);
	}
	fputs(err, stderr);
	return rc;
}

static int
gw_restart(struct cli *c, int wait_ms)
{
	struct ctl_error	 e;
	struct relaunch		 r;
	json_t			*s;
	char			 unit[256], cmd[300];
	long			 pid;
	int			 rc = EXIT_FAIL;

	if ((s = gateway_status(c, &e)) == NULL) {
		cli_warnx("%s%s", e.msg, e.status == CTL_NOT_RUNNING ?
		    "; start it with `clawgated -f CONFIG` (restart reuses "
		    "the arguments of a running daemon)" : "");
		return EXIT_FAIL;
	}
	pid = (long)jint(s, "pid");
	json_decref(s);
	if (gateway_systemd_unit(pid, unit, sizeof(unit))) {
		printf("clawgated runs as systemd unit %s: running `systemctl "
		    "restart %s`.\n", unit, unit);
		fflush(stdout);
		snprintf(cmd, sizeof(cmd), "systemctl restart '%s'", unit);
		return system(cmd) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	if (capture(pid, "", &r) == -1) {
		cli_warnx("cannot read how pid %ld was started (/proc/%ld): "
		    "run clawgate as root or as the daemon's user", pid, pid);
		relaunch_free(&r);
		return EXIT_FAIL;
	}
	if (stop_and_wait(c, pid, wait_ms) == -1)
		goto out;
	printf("Stopped clawgated (pid %ld); starting %s again.\n", pid,
	    r.exe);
	fflush(stdout);
	if (launch(&r) == -1) {
		cli_warnx("the new clawgated did not start; its error is "
		    "above, and `clawgate logs` shows the log");
		goto out;
	}
	rc = EXIT_OK;
out:
	relaunch_free(&r);
	return rc;
}

/* clawgated next to this clawgate (a build tree), else the installed. */
static void
daemon_path(char *buf, size_t len)
{
	char	self[PATH_MAX], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(buf, len, "%s/clawgated", self);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, len, "%s/clawgated", SBINDIR);
}

/*
 * `gateway start': clawgated with the config this command was given
 * (-f passed through), detached; it reports readiness before its parent
 * exits.  A daemon that already runs this config is left alone.
 */
static int
gw_start(struct cli *c)
{
	extern char		**environ;
	struct ctl_error	 e;
	struct relaunch		 r;
	json_t			*s;
	char			*argv[4], cfg[PATH_MAX];
	int			 n = 0;

	if ((s = gateway_status(c, &e)) != NULL) {
		printf("clawgated is already running (pid %lld, config %s); "
		    "nothing to start.\n", jint(s, "pid"),
		    jstr(s, "configPath")[0] ? jstr(s, "configPath") :
		    "(built-in defaults)");
		json_decref(s);
		return EXIT_OK;
	}
	if (e.status != CTL_NOT_RUNNING) {
		cli_warnx("%s", e.msg);
		return EXIT_FAIL;
	}
	memset(&r, 0, sizeof(r));
	daemon_path(r.exe, sizeof(r.exe));
	argv[n++] = r.exe;
	if (c->config_explicit) {
		/* absolute: the daemon changes directory when it detaches */
		if (realpath(c->config_path, cfg) == NULL)
			cg_strlcpy(cfg, c->config_path, sizeof(cfg));
		argv[n++] = "-f";
		argv[n++] = cfg;
	}
	argv[n] = NULL;
	r.argv = argv;
	r.envp = environ;
	r.uid = geteuid();
	r.gid = getegid();
	printf("Starting %s%s%s.\n", r.exe, c->config_explicit ? " -f " : "",
	    c->config_explicit ? cfg : "");
	fflush(stdout);
	if (launch(&r) == -1) {
		cli_warnx("clawgated did not start; its error is above, and "
		    "`clawgate logs` shows the log");
		return EXIT_FAIL;
	}
	if ((s = gateway_status(c, &e)) == NULL) {
		cli_warnx("clawgated started but does not answer: %s", e.msg);
		return EXIT_FAIL;
	}
	printf("Started clawgated (pid %lld).\n", jint(s, "pid"));
	json_decref(s);
	return EXIT_OK;
}

static int
gw_reload(struct cli *c)
{
	struct ctl_error	 e;
	json_t			*ans, *s;
	char			 msg[1024];

	if ((ans = ctl_cmd(c, "reload", &e)) == NULL) {
		cli_warnx("%s", e.msg);
		return EXIT_FAIL;
	}
	if (c->json) {
		int ok = json_is_true(json_object_get(ans, "ok"));

		out_json(ans);
		json_decref(ans);
		return ok ? EXIT_OK : EXIT_FAIL;
	}
	if (!json_is_true(json_object_get(ans, "ok"))) {
		printf("Reload failed: %s\nThe old configuration stays "
		    "active.\n", ctl_answer_error(ans, msg, sizeof(msg)));
		json_decref(ans);
		return EXIT_FAIL;
	}
	printf("Reloaded (generation %lld).\n", jint(ans, "generation"));
	json_decref(ans);
	if ((s = gateway_status(c, &e)) != NULL) {
		if (!json_is_true(json_object_get(json_object_get(s,
		    "listeners"), "match")))
			cli_outf("Note: the listeners in the file differ from "
			    "the running ones; run `clawgate gateway restart` "
			    "to apply bind and port changes.\n");
		json_decref(s);
	}
	return EXIT_OK;
}

int
cmd_gateway(struct cli *c, int argc, char *argv[])
{
	struct remote_opts	 ro;
	const char		*sub;
	int			 wait_ms = STOP_WAIT_MS, r;

	if (argc < 2)
		return cli_usage(help_gateway, "gateway needs a subcommand");
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(help_gateway, stdout);
		return EXIT_OK;
	}
	optind = 0;
	memset(&ro, 0, sizeof(ro));
	if ((r = parse_opts(c, argc - 1, argv + 1, &wait_ms, &ro)) != 0)
		return r == -1 ? EXIT_OK : r;
	if (ro.url != NULL && strcmp(sub, "status") == 0)
		return gw_status_remote(c, &ro);
	if (ro.url != NULL) {
		cli_warnx("gateway %s does not work with --url: the OpenClaw "
		    "protocol has no such request. Run it on the gateway host "
		    "(e.g. over ssh), where the control socket needs no "
		    "secret", sub);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "status") == 0)
		return gw_status(c);
	if (strcmp(sub, "start") == 0)
		return gw_start(c);
	if (strcmp(sub, "stop") == 0)
		return gw_stop(c, wait_ms);
	if (strcmp(sub, "restart") == 0)
		return gw_restart(c, wait_ms);
	if (strcmp(sub, "reload") == 0)
		return gw_reload(c);
	return cli_usage(help_gateway, "unknown gateway subcommand \"%s\"",
	    sub);
}
