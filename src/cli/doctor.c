/*
 * doctor.c: `clawgate doctor [--fix]'.
 *
 * The diagnosis is of the running daemon (asked over its control
 * socket) and of the files it reads, never of the invoking shell: the
 * shell's environment is only compared with what the daemon uses, and
 * the finding says which one wins.  Secrets are compared by fingerprint
 * and never printed.  Each finding has a severity, what is wrong and the
 * exact fix; --fix applies the safe ones (permissions, stale files,
 * retired keys, a token in the wrong key, a missing generated token).
 * Exit: 0 clean, 1 warnings, 2 critical (after --fix: what is left).
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json5.h"
#include "util.h"

#define MAX_FINDINGS	64
#define TOKEN_FILE	"gateway.token"

enum sev { SEV_INFO = 0, SEV_WARN, SEV_CRIT };

enum fix_kind {
	FIX_NONE = 0,
	FIX_CHMOD,		/* chmod(arg, mode) */
	FIX_UNLINK,		/* unlink(arg) */
	FIX_UNSET,		/* config unset arg */
	FIX_MOVE_SECRET,	/* arg's value to gateway.auth.token, unset arg2 */
	FIX_GEN_TOKEN,		/* write <stateDir>/gateway.token */
};

struct finding {
	char		 id[40];
	enum sev	 sev;
	char		 what[1200];
	char		 fix[700];
	enum fix_kind	 kind;
	char		 arg[PATH_MAX];
	char		 arg2[128];
	mode_t		 mode;
	int		 fixed;
	char		 done[600];
};

struct doctor {
	struct cli		*c;
	int			 fix;
	json_t			*st;		/* daemon status, or NULL */
	struct ctl_error	 ce;
	struct cg_config	 cfg;
	int			 cfg_ok;
	struct cg_config_error	 cerr;
	struct json5_doc	*raw;		/* the file as written, or NULL */
	const char		*client_config;
	char			 dfp[17];	/* the daemon's fingerprint */
	char			 dsrc[512];	/* and where it comes from */
	struct finding		 f[MAX_FINDINGS];
	int			 n;
};

static const char help_doctor[] =
"usage: clawgate [-f file] doctor [--fix] [--json] [--client-config FILE]\n"
"\n"
"Checks the running clawgated (over its control socket) and its files:\n"
"secret sources and fingerprints (your shell's $OPENCLAW_GATEWAY_TOKEN and\n"
"an openclaw client config are compared, never trusted), unsafe tokens,\n"
"retired keys, exposure (auth none or \"*\" origins on a network bind),\n"
"permissions, stale pid/socket files, second instances, listeners that\n"
"differ from the config, and container networks that will need pairing.\n"
"--fix applies the safe fixes and says what it changed.\n"
"--client-config FILE: the openclaw client config to compare (default\n"
"$OPENCLAW_CONFIG_PATH, $OPENCLAW_STATE_DIR/openclaw.json or\n"
"~/.openclaw/openclaw.json).\n"
"Exit status: 0 clean, 1 warnings, 2 critical.\n";

static struct finding *
add(struct doctor *d, enum sev sev, const char *id)
{
	struct finding	*f;

	if (d->n == MAX_FINDINGS)
		f = &d->f[MAX_FINDINGS - 1];	/* keep the last slot */
	else
		f = &d->f[d->n++];
	memset(f, 0, sizeof(*f));
	cg_strlcpy(f->id, id, sizeof(f->id));
	f->sev = sev;
	return f;
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* --- inputs ------------------------------------------------------- */

static void
load_inputs(struct doctor *d)
{
	struct json5_error	 je;
	json_t			*au;
	char			*text, err[512];
	size_t			 len;

	if ((d->st = gateway_status(d->c, &d->ce)) != NULL) {
		au = json_object_get(d->st, "auth");
		cg_strlcpy(d->dfp, jstr(au, "fingerprint"), sizeof(d->dfp));
		cg_strlcpy(d->dsrc, jstr(au, "source"), sizeof(d->dsrc));
	}
	config_free(&d->cfg);
	d->cfg_ok = cfg_load(d->c, &d->cfg, &d->cerr) == 0;
	json5_doc_free(d->raw);
	d->raw = NULL;
	if ((text = cfg_read(d->c->config_path, &len, err, sizeof(err))) !=
	    NULL) {
		d->raw = json5_parse(text, len, 0, &je);
		explicit_bzero(text, len);
		free(text);
	}
}

/* A string at `path' of the file as written (no ${VAR}), or NULL. */
static const char *
raw_str(const struct doctor *d, const char *path)
{
	json_t		*v;
	char		 k[128];
	const char	*p = path, *e;

	if (d->raw == NULL)
		return NULL;
	v = json5_root(d->raw);
	while (v != NULL && *p != '\0') {
		e = p + strcspn(p, ".");
		if ((size_t)(e - p) >= sizeof(k))
			return NULL;
		memcpy(k, p, (size_t)(e - p));
		k[e - p] = '\0';
		v = json_object_get(v, k);
		p = *e ? e + 1 : e;
	}
	return json_string_value(v);
}

static int
raw_has(const struct doctor *d, const char *path)
{
	return d->raw != NULL && json5_pos_lookup(d->raw, path) != NULL;
}

/* The state-file token (its first line), when readable. */
static char *
state_token(const struct doctor *d)
{
	char	 path[PATH_MAX], buf[1100], *s;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", d->st ? jstr(d->st, "stateDir") :
	    d->cfg.state_dir, TOKEN_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	s = buf[0] != '\0' ? strdup(buf) : NULL;
	explicit_bzero(buf, sizeof(buf));
	return s;
}

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* --- the daemon ---------------------------------------------------- */

static void
check_daemon(struct doctor *d)
{
	struct finding	*f;
	json_t		*l, *ad, *w;
	size_t		 i;
	long long	 wr = 0;

	if (d->st == NULL) {
		f = add(d, d->ce.status == CTL_NOT_RUNNING ? SEV_WARN :
		    SEV_CRIT, "daemon-down");
		snprintf(f->what, sizeof(f->what), "%s", d->ce.msg);
		snprintf(f->fix, sizeof(f->fix), "%s", d->ce.status ==
		    CTL_NOT_RUNNING ? "start it: `clawgated -f CONFIG` (or "
		    "`systemctl start clawgated`)" : "run clawgate as root or "
		    "as the daemon's user; `clawgate gateway status` retries");
		return;
	}
	l = json_object_get(d->st, "listeners");
	if (!json_is_true(json_object_get(l, "match")) &&
	    json_is_array(json_object_get(l, "configured"))) {
		char	 a[256], b[256];
		json_t	*v;

		a[0] = b[0] = '\0';
		json_array_foreach(json_object_get(l, "configured"), i, v)
			snprintf(a + strlen(a), sizeof(a) - strlen(a), "%s%s",
			    i ? ", " : "", json_string_value(v));
		json_array_foreach(json_object_get(l, "actual"), i, v)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s%s",
			    i ? ", " : "", json_string_value(v));
		f = add(d, SEV_WARN, "listeners-differ");
		snprintf(f->what, sizeof(f->what), "the running clawgated "
		    "(pid %lld) listens on %s, but its config file asks for %s",
		    (long long)json_integer_value(json_object_get(d->st, "pid")),
		    b, a);
		snprintf(f->fix, sizeof(f->fix), "`clawgate gateway restart` "
		    "(bind and port changes need a restart)");
	}
	ad = json_object_get(d->st, "authd");
	if (!json_is_true(json_object_get(ad, "ready"))) {
		f = add(d, SEV_CRIT, "authd-down");
		snprintf(f->what, sizeof(f->what), "authd is not ready: every "
		    "connect fails closed until it is");
		snprintf(f->fix, sizeof(f->fix), "`clawgate logs` shows why; "
		    "then `clawgate gateway restart`");
	}
	json_array_foreach(json_object_get(d->st, "workers"), i, w)
		wr += json_integer_value(json_object_get(w, "restarts"));
	wr += json_integer_value(json_object_get(ad, "restarts"));
	if (wr > 0) {
		f = add(d, SEV_INFO, "restarts");
		snprintf(f->what, sizeof(f->what), "child processes were "
		    "restarted %lld time%s since the daemon started", wr,
		    wr == 1 ? "" : "s");
		snprintf(f->fix, sizeof(f->fix), "`clawgate logs` shows each "
		    "exit and its cause");
	}
}

/* --- the configuration ------------------------------------------- */

/* Keys from old guides that clawgated refuses; the fix is removal. */
static const char *const retired[] = {
	"gateway.controlUi.allowInsecureAuth",
	"gateway.controlUi.dangerouslyDisableDeviceAuth",
	"gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback",
	"gateway.reload",
	"gateway.tailscale",
	"gateway.auth.allowTailscale",
	NULL
};

/* config.c's explanation of one key, from a file holding just it. */
static void
explain(const char *path, char *out, size_t len)
{
	struct cg_config	 cfg;
	struct cg_config_error	 e;
	char			 text[512], *p, *q;
	int			 depth = 0;

	/* "gateway.controlUi.x" -> "{gateway:{controlUi:{x:true}}}" */
	p = text;
	q = (char *)path;
	*p++ = '{';
	while (*q != '\0' && p < text + sizeof(text) - 32) {
		size_t n = strcspn(q, ".");

		*p++ = '"';
		memcpy(p, q, n);
		p += n;
		q += n;
		if (*q == '.') {
			q++;
			memcpy(p, "\":{", 3);
			p += 3;
			depth++;
		} else {
			memcpy(p, "\":true", 6);
			p += 6;
		}
	}
	while (depth-- >= 0)
		*p++ = '}';
	*p = '\0';
	config_defaults(&cfg);
	if (config_load_text(&cfg, text, strlen(text), "", &e) == -1)
		snprintf(out, len, "%s", e.msg);
	else
		snprintf(out, len, "%s: not accepted by clawgated", path);
	config_free(&cfg);
}

static void
check_retired(struct doctor *d)
{
	const struct json5_pos	*pos;
	struct finding		*f;
	char			 why[600];
	int			 i;

	for (i = 0; retired[i] != NULL; i++) {
		if (d->raw == NULL ||
		    (pos = json5_pos_lookup(d->raw, retired[i])) == NULL)
			continue;
		explain(retired[i], why, sizeof(why));
		f = add(d, SEV_CRIT, "retired-key");
		snprintf(f->what, sizeof(f->what), "%s:%d:%d: %s (clawgated "
		    "refuses to start or reload with it)", d->c->config_path,
		    pos->key.line, pos->key.col, why);
		snprintf(f->fix, sizeof(f->fix), "`clawgate config unset %s`",
		    retired[i]);
		f->kind = FIX_UNSET;
		cg_strlcpy(f->arg, retired[i], sizeof(f->arg));
	}
}

/* A server secret under a client key (gateway.remote.token, gateway.token). */
static void
check_misplaced_token(struct doctor *d, const char *key, const char *unset)
{
	struct finding	*f;
	const char	*v = raw_str(d, key);
	char		 why[256];

	if (!raw_has(d, key))
		return;
	f = add(d, SEV_CRIT, "misplaced-token");
	if (raw_has(d, "gateway.auth.token")) {
		snprintf(f->what, sizeof(f->what), "%s is set in the server's "
		    "config next to gateway.auth.token; it is the openclaw "
		    "CLI's client setting and clawgated refuses it", key);
		snprintf(f->fix, sizeof(f->fix), "`clawgate config unset %s`",
		    unset);
		f->kind = FIX_UNSET;
		cg_strlcpy(f->arg, unset, sizeof(f->arg));
		return;
	}
	snprintf(f->what, sizeof(f->what), "the server config has only %s "
	    "and no gateway.auth.token: that key does not configure this "
	    "gateway (with OpenClaw the gateway then rejects every client with "
	    "\"gateway token not configured\"); clawgated refuses it", key);
	snprintf(f->fix, sizeof(f->fix), "move the value to "
	    "gateway.auth.token and remove %s (doctor --fix does both in one "
	    "write)", unset);
	if (v != NULL && strstr(v, "${") == NULL &&
	    secret_unsafe(v, why, sizeof(why)) == NULL) {
		f->kind = FIX_MOVE_SECRET;
		cg_strlcpy(f->arg, key, sizeof(f->arg));
		cg_strlcpy(f->arg2, unset, sizeof(f->arg2));
	} else
		snprintf(f->fix, sizeof(f->fix), "remove %s (`clawgate config "
		    "unset %s`) and set gateway.auth.token with `clawgate "
		    "config set gateway.auth.token --generate` (or "
		    "--from-file)", unset, unset);
}

static void
check_config(struct doctor *d)
{
	struct finding	*f;
	char		 es[1200];
	int		 i, handled;

	check_retired(d);
	check_misplaced_token(d, "gateway.remote.token", "gateway.remote");
	check_misplaced_token(d, "gateway.token", "gateway.token");
	if (!d->cfg_ok) {
		cfg_errstr(&d->cerr, es, sizeof(es));
		handled = 0;
		for (i = 0; i < d->n; i++)
			if (strcmp(d->f[i].id, "retired-key") == 0 ||
			    strcmp(d->f[i].id, "misplaced-token") == 0)
				handled = 1;
		if (!handled || d->cerr.line == 0) {
			f = add(d, SEV_CRIT, "config-invalid");
			snprintf(f->what, sizeof(f->what), "the config file "
			    "does not load: %s", es);
			snprintf(f->fix, sizeof(f->fix), "change the key named "
			    "there (`clawgate config set|unset PATH`); `clawgate "
			    "config validate` checks again");
		}
		return;
	}
	for (i = 0; i < d->cfg.nwarnings; i++) {
		f = add(d, SEV_WARN, "config-warning");
		snprintf(f->what, sizeof(f->what), "%s", d->cfg.warnings[i]);
		snprintf(f->fix, sizeof(f->fix), "change the value named "
		    "there");
	}
}

static void
check_exposure(struct doctor *d)
{
	struct finding	*f;
	const char	*mode = d->st ? jstr(json_object_get(d->st, "auth"),
			    "mode") : NULL;
	int		 i, wild = 0, net, none;

	if (!d->cfg_ok)
		return;
	net = d->cfg.bind == BIND_LAN || (d->cfg.bind == BIND_CUSTOM &&
	    strncmp(d->cfg.custom_bind_host, "127.", 4) != 0);
	none = mode != NULL ? strcmp(mode, "none") == 0 :
	    d->cfg.auth_mode == AUTHMODE_NONE;
	for (i = 0; i < d->cfg.nallowed_origins; i++)
		wild |= strcmp(d->cfg.allowed_origins[i], "*") == 0;
	if (net && none) {
		f = add(d, SEV_CRIT, "no-auth-on-network");
		snprintf(f->what, sizeof(f->what), "auth mode is none on the "
		    "network bind \"%s\": anyone who reaches port %d is an "
		    "operator", d->cfg.bind == BIND_LAN ? "lan" :
		    d->cfg.custom_bind_host, d->cfg.port);
		snprintf(f->fix, sizeof(f->fix), "`clawgate config unset "
		    "gateway.auth.mode` (token auth; clawgated generates the "
		    "token) or `clawgate config set gateway.bind loopback`, "
		    "then `clawgate gateway restart`");
	}
	if (wild) {
		f = add(d, net ? SEV_CRIT : SEV_WARN, "wildcard-origin");
		snprintf(f->what, sizeof(f->what), "gateway.controlUi."
		    "allowedOrigins contains \"*\"%s: any web page a user "
		    "visits may open a WebSocket to this gateway", net ?
		    " on a network bind" : "");
		snprintf(f->fix, sizeof(f->fix), "list the real origins: "
		    "`clawgate config set gateway.controlUi.allowedOrigins "
		    "'[\"https://gateway.example\"]'`");
	}
}

/* --- secrets ------------------------------------------------------ */

static void
unsafe_token(struct doctor *d, const char *s, const char *where)
{
	struct finding	*f;
	char		 why[256];

	if (s == NULL || secret_unsafe(s, why, sizeof(why)) == NULL ||
	    strstr(s, "${") != NULL)
		return;
	f = add(d, SEV_WARN, "unsafe-token");
	snprintf(f->what, sizeof(f->what), "%s: %s; it breaks #token= links "
	    "and unquoted shell use (a mangled token is reported as a plain "
	    "\"token mismatch\")", where, why);
	snprintf(f->fix, sizeof(f->fix), "replace it with a URL-safe one: "
	    "`clawgate token rotate` (or `clawgate config set "
	    "gateway.auth.token --generate`)");
}

/* The token the gateway uses, as a fingerprint, and where it is from. */
static int
gateway_fp(struct doctor *d, char fp[17], char *src, size_t srclen)
{
	char	*t;

	if (d->st != NULL && d->dfp[0] != '\0') {
		cg_strlcpy(fp, d->dfp, 17);
		snprintf(src, srclen, "the running daemon's (%s)", d->dsrc);
		return 1;
	}
	if (d->cfg_ok && d->cfg.auth_token != NULL) {
		secret_fp(d->cfg.auth_token, fp);
		snprintf(src, srclen, "gateway.auth.token in %s",
		    d->c->config_path);
		return 1;
	}
	if ((t = state_token(d)) != NULL) {
		secret_fp(t, fp);
		wipe_free(t);
		snprintf(src, srclen, "the generated one in %s/%s",
		    d->cfg.state_dir, TOKEN_FILE);
		return 1;
	}
	return 0;
}

static void
check_env(struct doctor *d)
{
	static const char *const vars[] = { "CLAWGATE_GATEWAY_TOKEN",
	    "OPENCLAW_GATEWAY_TOKEN", NULL };
	struct finding	*f;
	const char	*v;
	char		 efp[17], gfp[17], src[700], where[64];
	int		 i;

	for (i = 0; vars[i] != NULL; i++) {
		if ((v = getenv(vars[i])) == NULL || *v == '\0')
			continue;
		snprintf(where, sizeof(where), "$%s in your shell", vars[i]);
		unsafe_token(d, v, where);
		secret_fp(v, efp);
		if (!gateway_fp(d, gfp, src, sizeof(src)) ||
		    strcmp(efp, gfp) == 0)
			continue;
		f = add(d, SEV_WARN, "env-token-differs");
		if (d->st != NULL)
			snprintf(f->what, sizeof(f->what), "$%s in your shell "
			    "(fingerprint %s) differs from the token the "
			    "running daemon uses (fingerprint %s, from %s). The "
			    "daemon never reads your shell: clients started "
			    "from this shell (openclaw CLI, scripts) will get "
			    "\"token mismatch\"", vars[i], efp, gfp, d->dsrc);
		else
			snprintf(f->what, sizeof(f->what), "$%s in your shell "
			    "(fingerprint %s) differs from %s (fingerprint "
			    "%s). A clawgated started from this shell refuses "
			    "to start (two different tokens); one started by a "
			    "service manager uses the config's, and clients "
			    "from this shell get \"token mismatch\"", vars[i],
			    efp, src, gfp);
		snprintf(f->fix, sizeof(f->fix), "`unset %s`, or export the "
		    "gateway's token instead (`clawgate dashboard "
		    "--show-token` shows it)", vars[i]);
	}
}

/* The openclaw client config: where the openclaw CLI finds its token. */
static void
client_path(struct doctor *d, char *out, size_t len)
{
	const char	*e;

	if (d->client_config != NULL)
		cg_strlcpy(out, d->client_config, len);
	else if ((e = getenv("OPENCLAW_CONFIG_PATH")) != NULL && *e != '\0')
		cg_strlcpy(out, e, len);
	else if ((e = getenv("OPENCLAW_STATE_DIR")) != NULL && *e != '\0')
		snprintf(out, len, "%s/openclaw.json", e);
	else if ((e = getenv("HOME")) != NULL)
		snprintf(out, len, "%s/.openclaw/openclaw.json", e);
	else
		out[0] = '\0';
}

static void
check_client(struct doctor *d)
{
	static const char *const keys[] = { "remote", "auth" };
	struct json5_error	 je;
	struct json5_doc	*doc;
	struct finding		*f;
	json_t			*gw;
	const char		*tok, *mode;
	char			 path[PATH_MAX], err[256], cfp[17], gfp[17];
	char			 src[700], where[PATH_MAX + 64], *text;
	size_t			 len;
	int			 i;

	client_path(d, path, sizeof(path));
	if (path[0] == '\0' || (d->client_config == NULL &&
	    access(path, F_OK) == -1))
		return;
	if ((text = cfg_read(path, &len, err, sizeof(err))) == NULL) {
		f = add(d, SEV_WARN, "client-config");
		snprintf(f->what, sizeof(f->what), "cannot read the client "
		    "config: %s", err);
		snprintf(f->fix, sizeof(f->fix), "check the path given with "
		    "--client-config");
		return;
	}
	doc = json5_parse(text, len, JSON5_ENV_SUBST, &je);
	explicit_bzero(text, len);
	free(text);
	if (doc == NULL)
		return;
	gw = json_object_get(json5_root(doc), "gateway");
	mode = json_string_value(json_object_get(gw, "mode"));
	for (i = 0; i < 2; i++) {
		tok = json_string_value(json_object_get(json_object_get(gw,
		    keys[i]), "token"));
		if (tok == NULL)
			continue;
		snprintf(where, sizeof(where), "gateway.%s.token in %s",
		    keys[i], path);
		unsafe_token(d, tok, where);
		secret_fp(tok, cfp);
		if (!gateway_fp(d, gfp, src, sizeof(src)) ||
		    strcmp(cfp, gfp) == 0)
			continue;
		f = add(d, SEV_WARN, "client-token-differs");
		snprintf(f->what, sizeof(f->what), "the openclaw client config "
		    "%s has gateway.%s.token (fingerprint %s)%s, which differs "
		    "from %s (fingerprint %s): that CLI will get \"token "
		    "mismatch\"", path, keys[i], cfp, (i == 0) == (mode != NULL
		    && strcmp(mode, "remote") == 0) ? ", the token it sends" :
		    " (not used in its current gateway.mode)", src, gfp);
		snprintf(f->fix, sizeof(f->fix), "put the gateway's token in "
		    "gateway.%s.token of %s (`clawgate dashboard --show-token` "
		    "shows it; `openclaw config set gateway.%s.token ...`)",
		    keys[i], path, keys[i]);
	}
	json5_doc_free(doc);
}

static void
check_tokens(struct doctor *d)
{
	struct finding	*f;
	char		*t, where[PATH_MAX + 32], path[PATH_MAX], cfp[17];

	/* The file's token is not the one in use: a reload is pending. */
	if (d->st != NULL && d->cfg_ok && d->cfg.auth_token != NULL &&
	    d->dfp[0] != '\0') {
		secret_fp(d->cfg.auth_token, cfp);
		if (strcmp(cfp, d->dfp) != 0) {
			f = add(d, SEV_WARN, "config-not-applied");
			snprintf(f->what, sizeof(f->what), "gateway.auth.token "
			    "in %s (fingerprint %s) is not the token the running "
			    "daemon uses (fingerprint %s, from %s): the file "
			    "changed after the last reload", d->c->config_path,
			    cfp, d->dfp, d->dsrc);
			snprintf(f->fix, sizeof(f->fix), "`clawgate gateway "
			    "reload`");
		}
	}

	if (d->cfg_ok && d->cfg.auth_token != NULL) {
		snprintf(where, sizeof(where), "gateway.auth.token in %s",
		    d->c->config_path);
		unsafe_token(d, d->cfg.auth_token, where);
	}
	if ((t = state_token(d)) != NULL) {
		snprintf(where, sizeof(where), "%s/%s", d->cfg.state_dir,
		    TOKEN_FILE);
		unsafe_token(d, t, where);
		wipe_free(t);
	}
	/* A stopped gateway without any token: say how one appears. */
	if (d->st == NULL && d->cfg_ok && d->cfg.auth_mode == AUTHMODE_TOKEN &&
	    d->cfg.auth_token == NULL && getenv("CLAWGATE_GATEWAY_TOKEN") ==
	    NULL && getenv("OPENCLAW_GATEWAY_TOKEN") == NULL) {
		snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir,
		    TOKEN_FILE);
		if (access(path, F_OK) == 0)
			return;
		f = add(d, SEV_INFO, "no-token-yet");
		snprintf(f->what, sizeof(f->what), "no gateway token is set: "
		    "clawgated generates one on its first start and keeps it in "
		    "%s (mode 0600)", path);
		snprintf(f->fix, sizeof(f->fix), "nothing to do; `clawgate "
		    "dashboard` shows the link with it once the daemon runs "
		    "(doctor --fix creates the file now, as the daemon would)");
		f->kind = FIX_GEN_TOKEN;
		cg_strlcpy(f->arg, path, sizeof(f->arg));
	}
}

/* --- files -------------------------------------------------------- */

static void
check_mode(struct doctor *d, const char *path, mode_t bad, mode_t want,
    enum sev sev, const char *what)
{
	struct finding	*f;
	struct stat	 st;

	if (lstat(path, &st) == -1 || S_ISLNK(st.st_mode) ||
	    (st.st_mode & bad) == 0)
		return;
	f = add(d, sev, "permissions");
	snprintf(f->what, sizeof(f->what), "%s %s is mode %04o: readable by "
	    "%s", what, path, (unsigned)(st.st_mode & 07777),
	    (st.st_mode & 004) ? "everyone on this host" : "its group");
	snprintf(f->fix, sizeof(f->fix), "`chmod %04o %s`", (unsigned)
	    ((st.st_mode & 07777 & ~bad) | want), path);
	f->kind = FIX_CHMOD;
	f->mode = (st.st_mode & 07777 & ~bad) | want;
	cg_strlcpy(f->arg, path, sizeof(f->arg));
}

static void
check_files(struct doctor *d)
{
	char		 p[PATH_MAX];
	const char	*sd = d->st ? jstr(d->st, "stateDir") : d->cfg.state_dir;
	int		 secret;

	secret = raw_has(d, "gateway.auth.token") ||
	    raw_has(d, "gateway.auth.password") ||
	    raw_has(d, "gateway.remote.token") || raw_has(d, "gateway.token");
	if (secret)
		check_mode(d, d->c->config_path, 077, 0, SEV_WARN,
		    "the config file (it holds a secret)");
	if (sd[0] == '\0')
		return;
	/* Group/others may traverse (authd's own user needs to). */
	check_mode(d, sd, 066, 0, SEV_WARN, "the state directory");
	snprintf(p, sizeof(p), "%s/%s", sd, TOKEN_FILE);
	check_mode(d, p, 077, 0, SEV_CRIT, "the gateway token file (clawgated "
	    "refuses to start with it)");
	snprintf(p, sizeof(p), "%s/authd", sd);
	check_mode(d, p, 077, 0, SEV_WARN, "authd's pairing store directory");
}

/* --- instances ---------------------------------------------------- */

static void
check_stale(struct doctor *d)
{
	struct finding	*f;
	struct stat	 st;
	char		 pidf[PATH_MAX], sock[PATH_MAX], owner[256];
	const char	*run;
	ssize_t		 n;
	int		 fd;

	if (d->st != NULL)
		return;		/* a live daemon owns both */
	run = d->cfg.run_dir;
	ctl_path(d->c, sock, sizeof(sock));
	if (lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    d->ce.status == CTL_NOT_RUNNING) {
		f = add(d, SEV_WARN, "stale-socket");
		snprintf(f->what, sizeof(f->what), "%s is a control socket "
		    "nobody listens on: a clawgated died without cleaning up",
		    sock);
		snprintf(f->fix, sizeof(f->fix), "`rm %s`", sock);
		f->kind = FIX_UNLINK;
		cg_strlcpy(f->arg, sock, sizeof(f->arg));
	}
	snprintf(pidf, sizeof(pidf), "%s/clawgated.pid", run);
	if ((fd = open(pidf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return;
	/* The daemon holds an flock while it lives. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		n = pread(fd, owner, sizeof(owner) - 1, 0);
		owner[n > 0 ? n : 0] = '\0';
		owner[strcspn(owner, "\n")] = '\0';
		f = add(d, SEV_WARN, "stale-pidfile");
		snprintf(f->what, sizeof(f->what), "%s names pid %s, but no "
		    "clawgated holds it: it is left over from a daemon that "
		    "died (`kill $(head -n 1 %s)` could now hit an unrelated "
		    "process)", pidf, owner[0] ? owner : "?", pidf);
		snprintf(f->fix, sizeof(f->fix), "`rm %s`", pidf);
		f->kind = FIX_UNLINK;
		cg_strlcpy(f->arg, pidf, sizeof(f->arg));
	} else {
		f = add(d, SEV_CRIT, "pidfile-locked");
		snprintf(f->what, sizeof(f->what), "%s is locked by a running "
		    "clawgated, but its control socket does not answer (%s)",
		    pidf, d->ce.msg);
		snprintf(f->fix, sizeof(f->fix), "`kill $(head -n 1 %s)` and "
		    "start it again", pidf);
	}
	close(fd);
}

/* The -f argument of a clawgated's command line, made absolute. */
static int
proc_config(long pid, char *out, size_t len)
{
	char	 path[64], buf[8192], real[PATH_MAX], *p, *end;
	ssize_t	 n;
	int	 fd, next = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p += strlen(p) + 1) {
		if (next) {
			cg_strlcpy(out, p, len);
			break;
		}
		if (strcmp(p, "-f") == 0 || strcmp(p, "--config") == 0)
			next = 1;
		else if (strncmp(p, "--config=", 9) == 0) {
			cg_strlcpy(out, p + 9, len);
			break;
		}
	}
	snprintf(path, sizeof(path), "/proc/%ld/cwd", pid);
	if (out[0] != '\0' && out[0] != '/') {
		char cwd[PATH_MAX], tmp[PATH_MAX * 2];

		if ((n = readlink(path, cwd, sizeof(cwd) - 1)) > 0) {
			cwd[n] = '\0';
			snprintf(tmp, sizeof(tmp), "%s/%s", cwd, out);
			cg_strlcpy(out, tmp, len);
		}
	}
	if (out[0] != '\0' && realpath(out, real) != NULL)
		cg_strlcpy(out, real, len);
	return out[0] != '\0' ? 0 : -1;
}

static long
proc_ppid(long pid)
{
	char	 path[64], buf[512], *p;
	long	 ppid = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %ld", &ppid);
	fclose(fp);
	return ppid;
}

static int
is_clawgated(long pid)
{
	char	 path[64], comm[32];
	FILE	*fp;
	int	 r = 0;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof(comm), fp) != NULL)
		r = strcmp(comm, "clawgated\n") == 0;
	fclose(fp);
	return r;
}

static void
check_instances(struct doctor *d)
{
	struct finding	*f;
	struct dirent	*de;
	DIR		*dir;
	char		 ours[PATH_MAX], theirs[PATH_MAX];
	long		 pid, me = 0, ppid;

	if (realpath(d->c->config_path, ours) == NULL)
		return;
	if (d->st != NULL)
		me = (long)json_integer_value(json_object_get(d->st, "pid"));
	if ((dir = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if ((pid = strtol(de->d_name, NULL, 10)) <= 0 || pid == me ||
		    !is_clawgated(pid))
			continue;
		/* A daemonizing parent, waiting for its child: not another. */
		if ((ppid = proc_ppid(pid)) > 0 && is_clawgated(ppid))
			continue;
		if (proc_config(pid, theirs, sizeof(theirs)) == -1 ||
		    strcmp(theirs, ours) != 0)
			continue;
		f = add(d, SEV_WARN, "second-instance");
		snprintf(f->what, sizeof(f->what), "another clawgated (pid %ld) "
		    "runs with the same config file %s%s", pid, ours, me ?
		    "; it has its own run directory, so it is an old instance "
		    "that kept running" : ", but its control socket is not the "
		    "one this config names: it was started with another "
		    "clawgate.runDir (an old instance?)");
		snprintf(f->fix, sizeof(f->fix), "stop the one you do not want: "
		    "`kill %ld`", pid);
	}
	closedir(dir);
}

/* Who listens on the port, when our daemon does not (it cannot start). */
static void
check_port(struct doctor *d)
{
	static const char *const tabs[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	struct finding	*f;
	char		 line[512], local[128];
	unsigned	 port, state;
	unsigned long	 inode;
	FILE		*fp;
	int		 i;

	if (d->st != NULL || !d->cfg_ok)
		return;
	for (i = 0; i < 2; i++) {
		if ((fp = fopen(tabs[i], "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, " %*d: %127s %*s %x %*s %*s %*s %*s "
			    "%*s %lu", local, &state, &inode) != 3 ||
			    state != 0x0A || strchr(local, ':') == NULL)
				continue;
			port = (unsigned)strtoul(strrchr(local, ':') + 1, NULL,
			    16);
			if ((int)port != d->cfg.port)
				continue;
			f = add(d, SEV_CRIT, "port-in-use");
			snprintf(f->what, sizeof(f->what), "port %d is already "
			    "in use (socket inode %lu) while clawgated is not "
			    "running: it cannot start", d->cfg.port, inode);
			snprintf(f->fix, sizeof(f->fix), "`ss -ltnp 'sport = "
			    ":%d'` shows the owner; stop it or change "
			    "gateway.port", d->cfg.port);
			fclose(fp);
			return;
		}
		fclose(fp);
	}
}

/* --- container networks ------------------------------------------ */

static int
container_if(const char *name)
{
	static const char *const pfx[] = { "docker", "br-", "cni", "cbr0",
	    "flannel", "cali", "weave", "podman", "kube", "vxlan.calico",
	    NULL };
	int	i;

	for (i = 0; pfx[i] != NULL; i++)
		if (strncmp(name, pfx[i], strlen(pfx[i])) == 0)
			return 1;
	return 0;
}

static void
check_containers(struct doctor *d)
{
	struct ifaddrs	*ifa, *i;
	struct finding	*f;
	char		 addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN], cidr[64];
	uint32_t	 a, m;
	int		 prefix, k, covered, seen = 0;

	if (!d->cfg_ok || getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    i->ifa_netmask == NULL || !container_if(i->ifa_name) ||
		    seen++ >= 8)
			continue;
		a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		m = ntohl(((struct sockaddr_in *)
		    i->ifa_netmask)->sin_addr.s_addr);
		for (prefix = 0; prefix < 32 && (m & (0x80000000u >> prefix));
		    prefix++)
			;
		inet_ntop(AF_INET, &((struct sockaddr_in *)
		    i->ifa_addr)->sin_addr, addr, sizeof(addr));
		{
			struct in_addr na = { htonl(a & m) };

			inet_ntop(AF_INET, &na, net, sizeof(net));
		}
		snprintf(cidr, sizeof(cidr), "%s/%d", net, prefix);
		covered = 0;
		for (k = 0; k < d->cfg.nlocal_peers; k++) {
			uint32_t nb = htonl(a & m);

			covered |= cidr_match(&d->cfg.local_peers[k], 4,
			    (const uint8_t *)&nb);
		}
		if (covered)
			continue;
		if (d->cfg.bind == BIND_LOOPBACK) {
			f = add(d, SEV_INFO, "container-network");
			snprintf(f->what, sizeof(f->what), "%s (%s/%d) is a "
			    "container network, but the gateway listens on "
			    "loopback only: containers cannot reach it over "
			    "TCP", i->ifa_name, addr, prefix);
			snprintf(f->fix, sizeof(f->fix), "for a clawgate CLI in "
			    "a container, mount the control socket's directory "
			    "(%s) instead of opening the port", d->cfg.run_dir);
			continue;
		}
		f = add(d, SEV_WARN, "container-network");
		snprintf(f->what, sizeof(f->what), "%s (%s/%d) is a container "
		    "network not in gateway.localPeers: CLIs in containers "
		    "(from %s) and browsers through published ports (from %s) "
		    "count as remote and every new device waits for `clawgate "
		    "devices approve`", i->ifa_name, addr, prefix, cidr, addr);
		snprintf(f->fix, sizeof(f->fix), "if they are yours, add \"%s\" "
		    "to gateway.localPeers (\"%s/32\" for published ports "
		    "only): `clawgate config set gateway.localPeers '[\"%s\"]'`"
		    " (keep any entries already there), then `clawgate gateway "
		    "reload`", cidr, addr, cidr);
	}
	freeifaddrs(ifa);
}

/* --- fixes -------------------------------------------------------- */

static int
write_token_file(const char *path, char *msg, size_t len)
{
	char	 dir[PATH_MAX], tmp[PATH_MAX + 16], *tok, *slash;
	int	 fd;

	cg_strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (mkdir_p(dir, 0700) == -1) {
		snprintf(msg, len, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((tok = secret_generate()) == NULL)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, tok, strlen(tok)) != (ssize_t)strlen(tok) ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		snprintf(msg, len, "cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		wipe_free(tok);
		return -1;
	}
	wipe_free(tok);
	snprintf(msg, len, "created %s (mode 0600, owner uid %ld) with a new "
	    "URL-safe token; clawgated started as uid %ld uses it", path,
	    (long)geteuid(), (long)geteuid());
	return 0;
}

static int
apply_fix(struct doctor *d, struct finding *f)
{
	struct stat	st;
	char		arg[PATH_MAX];

	/* A copy: f->done and arg are neighbours in one struct. */
	cg_strlcpy(arg, f->arg, sizeof(arg));

	switch (f->kind) {
	case FIX_CHMOD:
		if (lstat(arg, &st) == -1 || chmod(arg, f->mode) == -1) {
			snprintf(f->done, sizeof(f->done), "chmod %s failed: %s",
			    arg, strerror(errno));
			return -1;
		}
		snprintf(f->done, sizeof(f->done), "chmod %04o %s (was %04o)",
		    (unsigned)f->mode, arg, (unsigned)(st.st_mode & 07777));
		return 0;
	case FIX_UNLINK:
		if (unlink(arg) == -1) {
			snprintf(f->done, sizeof(f->done), "rm %s failed: %s",
			    arg, strerror(errno));
			return -1;
		}
		snprintf(f->done, sizeof(f->done), "removed %s", arg);
		return 0;
	case FIX_GEN_TOKEN:
		return write_token_file(arg, f->done, sizeof(f->done));
	default:
		return -1;
	}
}

/*
 * Config edits go in one batch: each alone may leave the file invalid
 * (two retired keys: removing one still leaves the other).
 */
static void
apply_fixes(struct doctor *d)
{
	struct cfg_change	 ch[MAX_FINDINGS * 2];
	struct finding		*cf[MAX_FINDINGS];
	const char		*v;
	char			 err[1400];
	int			 i, n = 0, ncf = 0, ok;

	for (i = 0; i < d->n; i++) {
		struct finding *f = &d->f[i];

		if (f->kind == FIX_UNSET) {
			ch[n].path = f->arg;
			ch[n++].value = NULL;
			cf[ncf++] = f;
		} else if (f->kind == FIX_MOVE_SECRET &&
		    (v = raw_str(d, f->arg)) != NULL) {
			ch[n].path = "gateway.auth.token";
			ch[n++].value = json_string(v);
			ch[n].path = f->arg2;
			ch[n++].value = NULL;
			cf[ncf++] = f;
		} else if (f->kind != FIX_NONE && f->kind != FIX_MOVE_SECRET)
			f->fixed = apply_fix(d, f) == 0;
	}
	if (n == 0)
		return;
	ok = cfg_apply(d->c, ch, n, 1, err, sizeof(err)) != -1;
	for (i = 0; i < n; i++)
		if (ch[i].value != NULL) {
			explicit_bzero((char *)json_string_value(ch[i].value),
			    json_string_length(ch[i].value));
			json_decref(ch[i].value);
		}
	for (i = 0; i < ncf; i++) {
		cf[i]->fixed = ok;
		if (!ok)
			snprintf(cf[i]->done, sizeof(cf[i]->done), "%s", err);
		else if (cf[i]->kind == FIX_UNSET)
			snprintf(cf[i]->done, sizeof(cf[i]->done), "removed %s "
			    "from %s", cf[i]->arg, d->c->config_path);
		else
			snprintf(cf[i]->done, sizeof(cf[i]->done), "moved the "
			    "token from %s to gateway.auth.token in %s",
			    cf[i]->arg, d->c->config_path);
	}
}

/* --- report ------------------------------------------------------- */

static const char *
sev_name(enum sev s)
{
	return s == SEV_CRIT ? "critical" : s == SEV_WARN ? "warning" :
	    "info";
}

static int
report(struct doctor *d)
{
	json_t	*a, *o;
	int	 i, crit = 0, warn = 0, fixed = 0, rc;

	for (i = 0; i < d->n; i++) {
		if (d->f[i].fixed) {
			fixed++;
			continue;
		}
		crit += d->f[i].sev == SEV_CRIT;
		warn += d->f[i].sev == SEV_WARN;
	}
	rc = crit ? 2 : warn ? 1 : 0;
	if (d->c->json) {
		a = json_array();
		for (i = 0; i < d->n; i++) {
			o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "id",
			    d->f[i].id, "severity", sev_name(d->f[i].sev),
			    "message", d->f[i].what, "fix", d->f[i].fix,
			    "fixable", d->f[i].kind != FIX_NONE, "fixed",
			    d->f[i].fixed);
			if (d->f[i].done[0] != '\0')
				json_object_set_new(o, "fixResult",
				    json_string(d->f[i].done));
			json_array_append_new(a, o);
		}
		o = json_pack("{s:s, s:b, s:o, s:i}", "config",
		    d->c->config_path, "running", d->st != NULL, "findings", a,
		    "exitCode", rc);
		if (d->st != NULL)
			json_object_set(o, "pid", json_object_get(d->st, "pid"));
		out_json(o);
		json_decref(o);
		return rc;
	}
	printf("clawgate doctor: config %s; daemon %s\n", d->c->config_path,
	    d->st ? "running" : "not running");
	if (d->st != NULL)
		printf("Gateway secret: %s, fingerprint %s\n", d->dsrc,
		    d->dfp[0] ? d->dfp : "-");
	for (i = 0; i < d->n; i++) {
		const struct finding *f = &d->f[i];

		printf("\n%-9s %s: %s\n", f->fixed ? "FIXED" :
		    f->sev == SEV_CRIT ? "CRITICAL" : f->sev == SEV_WARN ?
		    "WARNING" : "INFO", f->id, f->what);
		if (f->fixed)
			printf("          done: %s\n", f->done);
		else {
			printf("          fix: %s%s\n", f->fix,
			    f->kind != FIX_NONE && !d->fix ?
			    " [clawgate doctor --fix does this]" : "");
			if (f->done[0] != '\0')
				printf("          --fix failed: %s\n", f->done);
		}
	}
	if (d->n == 0)
		printf("\nNo problems found.\n");
	else
		printf("\n%d critical, %d warning%s, %d fixed.\n", crit, warn,
		    warn == 1 ? "" : "s", fixed);
	return rc;
}

int
cmd_doctor(struct cli *c, int argc, char *argv[])
{
	enum { O_FIX = OPT_FIRST_LOCAL, O_CLIENT };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "fix", no_argument, NULL, O_FIX },
		{ "client-config", required_argument, NULL, O_CLIENT },
		{ NULL, 0, NULL, 0 }
	};
	struct doctor	*d;
	int		 ch, r, rc;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return EXIT_FAIL;
	d->c = c;
	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		switch (ch) {
		case OPT_JSON: c->json = 1; break;
		case O_FIX: d->fix = 1; break;
		case O_CLIENT: d->client_config = optarg; break;
		case 'h':
			fputs(help_doctor, stdout);
			free(d);
			return EXIT_OK;
		default:
			free(d);
			return cli_usage(help_doctor, NULL);
		}
	}
	if (optind != argc) {
		free(d);
		return cli_usage(help_doctor, "unexpected argument \"%s\"",
		    argv[optind]);
	}
	config_defaults(&d->cfg);
	load_inputs(d);
	check_daemon(d);
	check_config(d);
	check_exposure(d);
	check_env(d);
	check_client(d);
	check_tokens(d);
	check_files(d);
	check_stale(d);
	check_instances(d);
	check_port(d);
	check_containers(d);
	if (d->fix)
		apply_fixes(d);
	rc = report(d);
	json_decref(d->st);
	json5_doc_free(d->raw);
	config_free(&d->cfg);
	free(d);
	return rc;
}
