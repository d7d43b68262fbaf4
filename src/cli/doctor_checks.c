/*
 * doctor_checks.c: what `clawgate doctor' finds in the running daemon,
 * the configuration and the secrets (compared by fingerprint, never
 * printed; the shell's environment is compared, never trusted).  Only
 * the running daemon can fingerprint a secret: doctor asks it over the
 * control socket, and without it says it cannot compare.
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

#include "doctor.h"
#include "privdrop.h"
#include "util.h"

/* --- the daemon ---------------------------------------------------- */

void
check_daemon(struct doctor *d)
{
	struct finding	*f;
	json_t		*l, *ad, *w;
	size_t		 i;
	long long	 wr = 0;

	if (d->st == NULL && d->ce.fix_at > 0) {
		/* A broken named file, or another instance's daemon. */
		f = doctor_add(d, SEV_CRIT, d->ce.status == CTL_CONFIG ?
		    "daemon-not-asked" : "other-daemon");
		snprintf(f->what, sizeof(f->what), "%.*s", d->ce.fix_at,
		    d->ce.msg);
		snprintf(f->fix, sizeof(f->fix), "%s", d->ce.msg +
		    d->ce.fix_at + 2);
		return;
	}
	if (d->st == NULL) {
		f = doctor_add(d, d->ce.status == CTL_NOT_RUNNING ? SEV_WARN :
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
		f = doctor_add(d, SEV_WARN, "listeners-differ");
		snprintf(f->what, sizeof(f->what), "the running clawgated "
		    "(pid %lld) listens on %s, but its config file asks for %s",
		    (long long)json_integer_value(json_object_get(d->st, "pid")),
		    b, a);
		snprintf(f->fix, sizeof(f->fix), "`clawgate gateway reload` "
		    "(it binds the new listeners before closing the old ones; "
		    "`clawgate config validate` first if the file may be "
		    "broken)");
	}
	ad = json_object_get(d->st, "authd");
	if (!json_is_true(json_object_get(ad, "ready"))) {
		f = doctor_add(d, SEV_CRIT, "authd-down");
		snprintf(f->what, sizeof(f->what), "authd is not ready: every "
		    "connect fails closed until it is");
		snprintf(f->fix, sizeof(f->fix), "`clawgate logs` shows why; "
		    "then `clawgate gateway restart`");
	}
	json_array_foreach(json_object_get(d->st, "workers"), i, w)
		wr += json_integer_value(json_object_get(w, "restarts"));
	wr += json_integer_value(json_object_get(ad, "restarts"));
	if (wr > 0) {
		f = doctor_add(d, SEV_INFO, "restarts");
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
		f = doctor_add(d, SEV_CRIT, "retired-key");
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
	const char	*v = doctor_raw_str(d, key);
	char		 why[256];

	if (!doctor_raw_has(d, key))
		return;
	f = doctor_add(d, SEV_CRIT, "misplaced-token");
	if (doctor_raw_has(d, "gateway.auth.token")) {
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

void
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
			f = doctor_add(d, SEV_CRIT, "config-invalid");
			snprintf(f->what, sizeof(f->what), "the config file "
			    "does not load: %s", es);
			snprintf(f->fix, sizeof(f->fix), "change the key named "
			    "there (`clawgate config set|unset PATH`); `clawgate "
			    "config validate` checks again");
		}
		return;
	}
	for (i = 0; i < d->cfg.nwarnings; i++) {
		f = doctor_add(d, SEV_WARN, "config-warning");
		snprintf(f->what, sizeof(f->what), "%s", d->cfg.warnings[i]);
		snprintf(f->fix, sizeof(f->fix), "change the value named "
		    "there");
	}
}

void
check_exposure(struct doctor *d)
{
	struct finding	*f;
	const char	*mode = d->st ? doctor_jstr(json_object_get(d->st, "auth"),
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
		f = doctor_add(d, SEV_CRIT, "no-auth-on-network");
		snprintf(f->what, sizeof(f->what), "auth mode is none on the "
		    "network bind \"%s\": anyone who reaches port %d is an "
		    "operator", d->cfg.bind == BIND_LAN ? "lan" :
		    d->cfg.custom_bind_host, d->cfg.port);
		snprintf(f->fix, sizeof(f->fix), "`clawgate config unset "
		    "gateway.auth.mode` (token auth; clawgated generates the "
		    "token) or `clawgate config set gateway.bind loopback`, "
		    "then `clawgate gateway reload`");
	}
	if (wild) {
		f = doctor_add(d, net ? SEV_CRIT : SEV_WARN, "wildcard-origin");
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
	f = doctor_add(d, SEV_WARN, "unsafe-token");
	snprintf(f->what, sizeof(f->what), "%s: %s; it breaks #token= links "
	    "and unquoted shell use (a mangled token is reported as a plain "
	    "\"token mismatch\")", where, why);
	snprintf(f->fix, sizeof(f->fix), "replace it with a URL-safe one: "
	    "`clawgate token rotate` (or `clawgate config set "
	    "gateway.auth.token --generate`)");
}

/*
 * Compare a token found in the shell or a client config with the one
 * the running daemon uses.  Only the daemon can fingerprint a secret (it
 * holds the install's key), so it is asked over the control socket.
 * 1 same, 0 different (`fp' is the secret's fingerprint), -1 not
 * compared (`why' says why; with no daemon, nothing can be compared).
 */
static int
daemon_compare(struct doctor *d, const char *secret, char fp[17],
    char *why, size_t whylen)
{
	struct ctl_error	 e;
	json_t			*ans;
	int			 same;

	fp[0] = '\0';
	if (d->st == NULL) {
		snprintf(why, whylen, "clawgated is not running");
		return -1;
	}
	if (d->dfp[0] == '\0')
		return 1;	/* no shared secret in use: nothing to match */
	if ((ans = ctl_fingerprint(d->c, secret, &e)) == NULL) {
		snprintf(why, whylen, "the daemon did not fingerprint it: %s",
		    e.msg);
		return -1;
	}
	cg_strlcpy(fp, doctor_jstr(ans, "fingerprint"), 17);
	same = strcmp(fp, d->dfp) == 0;
	json_decref(ans);
	return same;
}

/* One finding for every token that could not be compared. */
static void
not_compared(struct doctor *d, const char *what, const char *why)
{
	struct finding	*f = NULL;
	size_t		 n;
	int		 i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->f[i].id, "token-not-compared") == 0)
			f = &d->f[i];
	if (f != NULL) {
		n = strlen(f->what);
		snprintf(f->what + n, sizeof(f->what) - n, "; %s", what);
		return;
	}
	f = doctor_add(d, SEV_INFO, "token-not-compared");
	snprintf(f->what, sizeof(f->what), "cannot compare with the gateway's "
	    "token without the running daemon (%s; only it holds the key "
	    "that makes fingerprints): %s", why, what);
	if (d->st == NULL)
		snprintf(f->fix, sizeof(f->fix), "start it: `clawgated -f "
		    "CONFIG` (or `systemctl start clawgated`), then run "
		    "`clawgate doctor` again");
	else
		snprintf(f->fix, sizeof(f->fix), "`clawgate gateway status` "
		    "and `clawgate logs` show what the daemon is doing; then "
		    "run `clawgate doctor` again");
}

void
check_env(struct doctor *d)
{
	static const char *const vars[] = { "CLAWGATE_GATEWAY_TOKEN",
	    "OPENCLAW_GATEWAY_TOKEN", NULL };
	struct finding	*f;
	const char	*v;
	char		 efp[17], why[1100], where[64];
	int		 i, same;

	for (i = 0; vars[i] != NULL; i++) {
		if ((v = getenv(vars[i])) == NULL || *v == '\0')
			continue;
		snprintf(where, sizeof(where), "$%s in your shell", vars[i]);
		unsafe_token(d, v, where);
		if ((same = daemon_compare(d, v, efp, why, sizeof(why))) == -1)
			not_compared(d, where, why);
		if (same != 0)
			continue;
		f = doctor_add(d, SEV_WARN, "env-token-differs");
		snprintf(f->what, sizeof(f->what), "$%s in your shell "
		    "(fingerprint %s) differs from the token the running "
		    "daemon uses (fingerprint %s, from %s). The daemon never "
		    "reads your shell: clients started from this shell "
		    "(openclaw CLI, scripts) will get \"token mismatch\"",
		    vars[i], efp, d->dfp, d->dsrc);
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

void
check_client(struct doctor *d)
{
	static const char *const keys[] = { "remote", "auth" };
	struct json5_error	 je;
	struct json5_doc	*doc;
	struct finding		*f;
	json_t			*gw, *rem;
	const char		*tok, *mode, *url;
	char			 path[PATH_MAX], err[256], cfp[17];
	char			 why[1100], where[PATH_MAX + 64], *text;
	size_t			 len;
	int			 i, same;

	client_path(d, path, sizeof(path));
	if (path[0] == '\0' || (d->client_config == NULL &&
	    access(path, F_OK) == -1))
		return;
	if ((text = cfg_read(path, &len, err, sizeof(err))) == NULL) {
		f = doctor_add(d, SEV_WARN, "client-config");
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
		if ((same = daemon_compare(d, tok, cfp, why,
		    sizeof(why))) == -1)
			not_compared(d, where, why);
		if (same != 0)
			continue;
		f = doctor_add(d, SEV_WARN, "client-token-differs");
		snprintf(f->what, sizeof(f->what), "the openclaw client config "
		    "%s has gateway.%s.token (fingerprint %s)%s, which differs "
		    "from the token the running daemon uses (fingerprint %s, "
		    "from %s): that CLI will get \"token mismatch\"", path,
		    keys[i], cfp, (i == 0) == (mode != NULL &&
		    strcmp(mode, "remote") == 0) ? ", the token it sends" :
		    " (not used in its current gateway.mode)", d->dfp, d->dsrc);
		snprintf(f->fix, sizeof(f->fix), "put the gateway's token in "
		    "gateway.%s.token of %s (`clawgate dashboard --show-token` "
		    "shows it; `openclaw config set gateway.%s.token ...`)",
		    keys[i], path, keys[i]);
	}
	/* A client that names a gateway but sends no shared secret. */
	rem = json_object_get(gw, "remote");
	url = json_string_value(json_object_get(rem, "url"));
	if (url != NULL && json_object_get(rem, "token") == NULL &&
	    json_object_get(rem, "password") == NULL) {
		f = doctor_add(d, SEV_WARN, "client-no-token");
		snprintf(f->what, sizeof(f->what), "the openclaw client config "
		    "%s has gateway.remote.url (%.200s) but no "
		    "gateway.remote.token: that CLI connects without the "
		    "gateway's token and gets \"gateway token missing\" (unless "
		    "$OPENCLAW_GATEWAY_TOKEN is set where it runs, or its device "
		    "is paired)", path, url);
		snprintf(f->fix, sizeof(f->fix), "put the gateway's token in "
		    "gateway.remote.token of %s (`clawgate token show` shows it "
		    "on a terminal; `openclaw config set gateway.remote.token "
		    "...`)", path);
	}
	json5_doc_free(doc);
}

/*
 * Secret files (gateway.auth.tokenFile/passwordFile) readable by group
 * or others, as Kubernetes and Docker mount them by default: accepted,
 * worth tightening.  Then issue 10 item 15: a gateway.token that holds
 * another token than the configured one (clawgated refuses to start).
 */
static void
check_secret_files(struct doctor *d, const char *state_tok, const char *where)
{
	const char	*files[] = { d->cfg.auth_token_file,
			    d->cfg.auth_password_file }, *other, *src;
	struct finding	*f;
	char		*ft = NULL, *fp = NULL, e[512];
	int		 i, loose;

	for (i = 0; i < 2 && d->cfg_ok; i++) {
		if (files[i][0] == '\0' || secret_file_read(files[i],
		    i == 0 ? &ft : &fp, &loose, e, sizeof(e)) == -1 || !loose)
			continue;
		f = doctor_add(d, SEV_WARN, "secret-file-readable");
		snprintf(f->what, sizeof(f->what), "%s (gateway.auth.%s) is "
		    "readable by group or others (accepted: it is the default "
		    "of Kubernetes Secret volumes and Docker secrets)",
		    files[i], i == 0 ? "tokenFile" : "passwordFile");
		snprintf(f->fix, sizeof(f->fix), "in Kubernetes set "
		    "defaultMode: 0400 on the Secret volume; elsewhere `chmod "
		    "600 %s`", files[i]);
	}
	doctor_wipe_free(fp);
	src = "gateway.auth.token";
	if ((other = d->cfg_ok ? d->cfg.auth_token : NULL) != NULL)
		;
	else if (ft != NULL)
		other = ft, src = "gateway.auth.tokenFile";
	else if ((other = getenv(src = "CLAWGATE_GATEWAY_TOKEN")) == NULL ||
	    *other == '\0')
		other = getenv(src = "OPENCLAW_GATEWAY_TOKEN");
	if (state_tok != NULL && other != NULL && *other != '\0' &&
	    strcmp(state_tok, other) != 0) {
		f = doctor_add(d, SEV_WARN, "stale-token-file");
		snprintf(f->what, sizeof(f->what), "%s holds another token than "
		    "%s%s: clawgated refuses to start (or reload) with two "
		    "different tokens, and whoever reads the file gets the "
		    "wrong one", where, src[0] == 'g' ? "" : "$", src);
		snprintf(f->fix, sizeof(f->fix), "delete the stale file (`rm "
		    "%s`), or remove %s%s to use the file's token again", where,
		    src[0] == 'g' ? "" : "$", src);
	}
	doctor_wipe_free(ft);
}

void
check_tokens(struct doctor *d)
{
	struct finding	*f;
	char		*t, where[PATH_MAX + 32], path[PATH_MAX], cfp[17];
	char		 why[1100];

	/* The file's token is not the one in use: a reload is pending. */
	if (d->st != NULL && d->cfg_ok && d->cfg.auth_token != NULL &&
	    d->dfp[0] != '\0') {
		if (daemon_compare(d, d->cfg.auth_token, cfp, why,
		    sizeof(why)) == 0) {
			f = doctor_add(d, SEV_WARN, "config-not-applied");
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
	if ((t = doctor_state_token(d)) != NULL) {
		snprintf(where, sizeof(where), "%s/%s", d->cfg.state_dir,
		    TOKEN_FILE);
		unsafe_token(d, t, where);
	}
	check_secret_files(d, t, where);
	doctor_wipe_free(t);
	/* A stopped gateway without any token: say how one appears. */
	if (d->st == NULL && d->cfg_ok && d->cfg.auth_mode == AUTHMODE_TOKEN &&
	    d->cfg.auth_token == NULL && getenv("CLAWGATE_GATEWAY_TOKEN") ==
	    NULL && getenv("OPENCLAW_GATEWAY_TOKEN") == NULL) {
		snprintf(path, sizeof(path), "%s/%s", d->cfg.state_dir,
		    TOKEN_FILE);
		if (access(path, F_OK) == 0)
			return;
		f = doctor_add(d, SEV_INFO, "no-token-yet");
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

