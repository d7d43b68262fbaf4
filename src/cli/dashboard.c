/*
 * dashboard.c: `clawgate dashboard', `clawgate token rotate' and
 * `clawgate token fingerprint'.
 *
 * The tokenized link goes to a terminal only (or with --show-token):
 * stdout redirected into a file, a pipe or a CI log must not carry the
 * gateway token.  The link always puts the token in the fragment
 * (#token=, percent-encoded): it never reaches a server's access log.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static const char help_dashboard[] =
"usage: clawgate dashboard [--show-token] [--json]\n"
"\n"
"Prints the Control UI link, http://HOST:PORT/#token=<token>.  The token\n"
"is included only when stdout is a terminal, or with --show-token.\n";

static const char help_token[] =
"usage: clawgate token rotate [--revoke-devices] [--show-token] [--json]\n"
"       clawgate token fingerprint [--json] [--from-file FILE | -]\n"
"       clawgate token show [--show-token]\n"
"\n"
"rotate: makes a new gateway token, persists it where the current one\n"
"lives (<stateDir>/gateway.token, or gateway.auth.token in the config\n"
"file) and applies it to the running daemon at once.  Connections opened\n"
"with the old token are closed, and the device tokens of devices paired\n"
"silently with it are retired; devices an operator approved keep theirs,\n"
"unless --revoke-devices retires every device token (and closes those\n"
"sessions).  Prints the counts and the new dashboard link (with the\n"
"token on a terminal or with --show-token only).\n"
"\n"
"fingerprint: reads a secret from FILE or stdin (never from the command\n"
"line) and asks the running daemon for its fingerprint (only the daemon\n"
"holds the key that makes one), and whether it is the gateway's secret.\n"
"Exit status: 0 it is, 1 it is not (or no daemon answered).\n"
"\n"
"show: prints the running gateway's token (as `openclaw gateway auth-token\n"
"--show'), only to a terminal unless --show-token: piped or redirected\n"
"it explains instead and exits 1.\n";

/* token rotate --revoke-devices */
static int	revoke_devices;
/* token rotate --json: what was revoked, shown with the link. */
static json_t	*rotated_json;

static int
parse(struct cli *c, int argc, char *argv[], const char *help)
{
	enum { O_REVOKE_DEVICES = OPT_FIRST_LOCAL };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "show-token", no_argument, NULL, OPT_SHOW_TOKEN },
		{ "revoke-devices", no_argument, NULL, O_REVOKE_DEVICES },
		{ NULL, 0, NULL, 0 }
	};
	int	ch, r;

	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return cli_usage(help, "bad option value");
		switch (ch) {
		case OPT_JSON: c->json = 1; break;
		case OPT_SHOW_TOKEN: c->show_token = 1; break;
		case O_REVOKE_DEVICES:
			if (help != help_token)
				return cli_usage(help, NULL);
			revoke_devices = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			return cli_usage(help, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(help, "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* Print a dashboard answer under the terminal rule. */
static void
show_url(struct cli *c, const char *url_in, int included, const char *lead)
{
	char	url[4096];
	int	show = c->show_token || isatty(STDOUT_FILENO);
	json_t	*o;

	cg_strlcpy(url, url_in, sizeof(url));
	if (!show)
		out_strip_token(url);
	if (c->json) {
		o = json_pack("{s:b, s:s, s:b, s:b}", "ok", 1, "url", url,
		    "tokenIncluded", included && show, "tokenAvailable",
		    included);
		if (o != NULL && rotated_json != NULL)
			(void)json_object_update(o, rotated_json);
		out_json(o);
		json_decref(o);
	} else {
		printf("%s%s\n", lead, url);
		if (included && show)
			printf("This link contains the gateway token: whoever "
			    "has it controls the gateway. Keep it private.\n");
		else if (included)
			cli_outf("The token is left out because stdout is not a "
			    "terminal (it would end up in a file or a log).\n"
			    "Run `clawgate dashboard --show-token` to print the "
			    "full link, or paste the token in Control UI "
			    "settings.\n");
		else
			printf("This gateway does not use a token: enter the "
			    "password in Control UI settings (auth mode "
			    "password), or none is needed (auth mode none).\n");
	}
	cg_wipe(url, sizeof(url));
}

/*
 * The daemon's dashboard link (it carries the token): *ans holds it, for
 * the caller to wipe and free.  NULL, with the reason printed, if none.
 */
static const char *
dashboard_url(struct cli *c, json_t **ans)
{
	struct ctl_error	 e;
	char			 msg[1024];
	const char		*url;

	if ((*ans = ctl_cmd(c, "dashboard", &e)) == NULL) {
		cli_warnx("%s", e.msg);
		return NULL;
	}
	if (!json_is_true(json_object_get(*ans, "ok")) ||
	    (url = json_string_value(json_object_get(*ans, "url"))) == NULL) {
		cli_warnx("%s", ctl_answer_error(*ans, msg, sizeof(msg)));
		json_decref(*ans);
		*ans = NULL;
		return NULL;
	}
	return url;
}

/* Ask the daemon for the link and print it. */
static int
dashboard(struct cli *c, const char *lead)
{
	json_t			*ans;
	const char		*url;

	if ((url = dashboard_url(c, &ans)) == NULL)
		return EXIT_FAIL;
	show_url(c, url, json_is_true(json_object_get(ans, "tokenIncluded")),
	    lead);
	cg_wipe((char *)url, strlen(url));
	json_decref(ans);
	return EXIT_OK;
}

int
cmd_dashboard(struct cli *c, int argc, char *argv[])
{
	int	r;

	optind = 0;
	if ((r = parse(c, argc, argv, help_dashboard)) != 0)
		return r == -1 ? EXIT_OK : r;
	return dashboard(c, "Dashboard URL: ");
}

/*
 * What the daemon revoked with the old token (the answer to token.rotate
 * or token.rotated).  0, or -1 when it could not (a warning was shown).
 */
static int
report_revoked(struct cli *c, const json_t *ans)
{
	const char	*w = json_string_value(json_object_get(ans, "warning"));

	if (w != NULL) {
		cli_warnx("%s", w);
		return -1;
	}
	json_decref(rotated_json);
	rotated_json = json_pack("{s:O?, s:O?, s:b}", "sessionsClosed",
	    json_object_get(ans, "sessionsClosed"), "deviceTokensRetired",
	    json_object_get(ans, "deviceTokensRetired"), "revokeDevices",
	    revoke_devices);
	if (!c->json)
		printf("Closed %lld session%s opened with the old token; "
		    "retired %lld device token%s (%s).\n",
		    (long long)json_integer_value(json_object_get(ans,
		    "sessionsClosed")),
		    json_integer_value(json_object_get(ans,
		    "sessionsClosed")) == 1 ? "" : "s",
		    (long long)json_integer_value(json_object_get(ans,
		    "deviceTokensRetired")),
		    json_integer_value(json_object_get(ans,
		    "deviceTokensRetired")) == 1 ? "" : "s",
		    revoke_devices ? "every device's: --revoke-devices" :
		    "of devices paired silently with the old token; devices "
		    "an operator approved keep theirs");
	return 0;
}

/* A token kept in the config file: a new one there, then a reload. */
static int
rotate_in_config(struct cli *c)
{
	struct cfg_change	 chg;
	struct ctl_error	 e;
	json_t			*ans, *s, *req = NULL;
	const char		*fp;
	char			*tok, err[1400];
	int			 rc;

	if ((tok = secret_generate()) == NULL) {
		cli_warnx("out of memory");
		return EXIT_FAIL;
	}
	chg.path = "gateway.auth.token";
	chg.value = json_string(tok);
	explicit_bzero(tok, strlen(tok));
	free(tok);
	rc = cfg_apply(c, &chg, 1, 1, err, sizeof(err));
	explicit_bzero((char *)json_string_value(chg.value),
	    json_string_length(chg.value));
	json_decref(chg.value);
	if (rc == -1) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if ((ans = ctl_cmd(c, "reload", &e)) == NULL ||
	    !json_is_true(json_object_get(ans, "ok"))) {
		cli_warnx("the new token is in %s but the reload failed: %s",
		    c->config_path, ans ? ctl_answer_error(ans, err,
		    sizeof(err)) : e.msg);
		json_decref(ans);
		return EXIT_FAIL;
	}
	json_decref(ans);
	if (!c->json && (s = gateway_status(c, &e)) != NULL) {
		fp = json_string_value(json_object_get(json_object_get(s,
		    "auth"), "fingerprint"));
		printf("Rotated the gateway token in %s and reloaded; new "
		    "fingerprint %s.\n", c->config_path, fp ? fp : "-");
		json_decref(s);
	}
	/* The daemon has the new token: revoke what the old one opened. */
	if ((req = json_pack("{s:s, s:b}", "cmd", "token.rotated",
	    "revokeDevices", revoke_devices)) == NULL ||
	    (ans = ctl_call(c, req, &e)) == NULL) {
		json_decref(req);
		cli_warnx("the token is rotated, but sessions opened with the "
		    "old one may still be open: %s", e.msg);
		return EXIT_FAIL;
	}
	json_decref(req);
	if (!json_is_true(json_object_get(ans, "ok"))) {
		cli_warnx("the token is rotated, but: %s",
		    ctl_answer_error(ans, err, sizeof(err)));
		json_decref(ans);
		return EXIT_FAIL;
	}
	rc = report_revoked(c, ans);
	json_decref(ans);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/*
 * `token fingerprint': the daemon fingerprints a secret the operator
 * holds.  The secret comes from a file or stdin only.
 */
static int
token_fingerprint(struct cli *c, int argc, char *argv[])
{
	enum { O_FROM = OPT_FIRST_LOCAL };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "from-file", required_argument, NULL, O_FROM },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_error	 e;
	json_t			*ans;
	const char		*from = NULL, *fp, *want;
	char			*secret, err[512];
	int			 ch, r, match;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (r == -1)
			return cli_usage(help_token, "bad option value");
		switch (ch) {
		case OPT_JSON: c->json = 1; break;
		case O_FROM: from = optarg; break;
		case 'h':
			fputs(help_token, stdout);
			return EXIT_OK;
		default:
			return cli_usage(help_token, NULL);
		}
	}
	if (optind < argc && strcmp(argv[optind], "-") == 0 && from == NULL) {
		from = "-";
		optind++;
	}
	if (optind != argc)
		return cli_usage(help_token, "refusing to take a secret from "
		    "the command line (it would land in the shell history and "
		    "in ps): use --from-file FILE, or - to read stdin");
	if (from == NULL)
		from = "-";
	if ((secret = secret_read(from, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	ans = ctl_fingerprint(c, secret, &e);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	if (ans == NULL) {
		cli_warnx("%s%s", e.msg, e.status == CTL_NOT_RUNNING ? "; only "
		    "the running daemon can fingerprint a secret (it holds the "
		    "key): start it with `clawgated -f CONFIG` (or `systemctl "
		    "start clawgated`)" : "");
		return EXIT_FAIL;
	}
	match = json_is_true(json_object_get(ans, "match"));
	if (c->json)
		out_json(ans);
	else {
		fp = json_string_value(json_object_get(ans, "fingerprint"));
		want = json_string_value(json_object_get(ans, "expected"));
		if (match)
			printf("Fingerprint %s: this is the gateway's %s.\n",
			    fp, json_string_value(json_object_get(ans,
			    "mode")));
		else if (want != NULL && want[0] != '\0')
			printf("Fingerprint %s: this is NOT the gateway's %s "
			    "(fingerprint %s).\n", fp, json_string_value(
			    json_object_get(ans, "mode")), want);
		else
			printf("Fingerprint %s (the gateway has no shared "
			    "secret: auth mode %s).\n", fp, json_string_value(
			    json_object_get(ans, "mode")));
	}
	json_decref(ans);
	return match ? EXIT_OK : EXIT_FAIL;
}

/* `token show': the running gateway's token, under the terminal rule. */
static int
token_show(struct cli *c, int argc, char *argv[])
{
	json_t			*ans;
	const char		*url, *p;
	char			 tok[1100], hex[3] = "";
	size_t			 n = 0;
	int			 r;

	optind = 0;
	if ((r = parse(c, argc, argv, help_token)) != 0)
		return r == -1 ? EXIT_OK : r;
	if (!c->show_token && !isatty(STDOUT_FILENO)) {
		cli_warnx("not printing the gateway token: stdout is not a "
		    "terminal, so it would end up in a file, a pipe or a log. "
		    "`clawgate token show --show-token` prints it anyway; "
		    "`clawgate token fingerprint` tells whether a token you "
		    "hold is the gateway's without showing it");
		return EXIT_FAIL;
	}
	if ((url = dashboard_url(c, &ans)) == NULL)
		return EXIT_FAIL;
	if ((p = strstr(url, "#token=")) == NULL) {
		cli_warnx("the gateway does not use a token (auth mode password "
		    "or none): nothing to show");
		cg_wipe((char *)url, strlen(url));
		json_decref(ans);
		return EXIT_FAIL;
	}
	/* The fragment is percent-encoded. */
	for (p += 7; *p != '\0' && *p != '&' && n + 1 < sizeof(tok); p++) {
		if (*p == '%' && p[1] != '\0' && p[2] != '\0') {
			hex[0] = p[1];
			hex[1] = p[2];
			tok[n++] = (char)strtol(hex, NULL, 16);
			p += 2;
		} else
			tok[n++] = *p;
	}
	tok[n] = '\0';
	cg_wipe((char *)url, strlen(url));
	json_decref(ans);
	if (c->json) {
		ans = json_pack("{s:b, s:s}", "ok", 1, "token", tok);
		out_json(ans);
		json_object_clear(ans);
		json_decref(ans);
	} else
		printf("%s\n", tok);
	cg_wipe(tok, sizeof(tok));
	return EXIT_OK;
}

int
cmd_token(struct cli *c, int argc, char *argv[])
{
	struct ctl_error	 e;
	json_t			*s, *ans;
	const char		*src, *mode;
	char			 msg[1024];
	int			 r;

	if (argc >= 2 && strcmp(argv[1], "fingerprint") == 0)
		return token_fingerprint(c, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return token_show(c, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "rotate") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			fputs(help_token, stdout);
			return EXIT_OK;
		}
		return cli_usage(help_token, "token needs the subcommand "
		    "rotate, fingerprint or show");
	}
	optind = 0;
	if ((r = parse(c, argc - 1, argv + 1, help_token)) != 0)
		return r == -1 ? EXIT_OK : r;
	if ((s = gateway_status(c, &e)) == NULL) {
		cli_warnx("%s%s", e.msg, e.status == CTL_NOT_RUNNING ? "; to "
		    "replace the token of a stopped gateway use `clawgate "
		    "config set gateway.auth.token --generate`" : "");
		return EXIT_FAIL;
	}
	mode = json_string_value(json_object_get(json_object_get(s, "auth"),
	    "mode"));
	src = json_string_value(json_object_get(json_object_get(s, "auth"),
	    "source"));
	if (mode == NULL || strcmp(mode, "token") != 0) {
		cli_warnx("the gateway uses auth mode %s, not a token; nothing "
		    "to rotate", mode ? mode : "?");
		json_decref(s);
		return EXIT_FAIL;
	}
	if (src != NULL && strncmp(src, "gateway.auth.token", 18) == 0) {
		json_decref(s);
		if ((r = rotate_in_config(c)) != EXIT_OK)
			return r;
		r = dashboard(c, "Dashboard URL: ");
		json_decref(rotated_json);
		rotated_json = NULL;
		return r;
	}
	if (src != NULL && src[0] == '$') {
		cli_warnx("the running daemon takes its token from %s in its "
		    "own environment; clawgate cannot change that. Set the new "
		    "value where the daemon's environment is defined (e.g. the "
		    "service's EnvironmentFile) and restart, or remove the "
		    "variable so clawgated keeps a generated token in its state "
		    "directory", src);
		json_decref(s);
		return EXIT_FAIL;
	}
	json_decref(s);
	if ((s = json_pack("{s:s, s:b}", "cmd", "token.rotate",
	    "revokeDevices", revoke_devices)) == NULL ||
	    (ans = ctl_call(c, s, &e)) == NULL) {
		json_decref(s);
		cli_warnx("%s", s == NULL ? "out of memory" : e.msg);
		return EXIT_FAIL;
	}
	json_decref(s);
	if (!json_is_true(json_object_get(ans, "ok"))) {
		cli_warnx("%s", ctl_answer_error(ans, msg, sizeof(msg)));
		json_decref(ans);
		return EXIT_FAIL;
	}
	if (!c->json)
		printf("Rotated the gateway token (kept in the state "
		    "directory) and applied it live; new fingerprint %s.\n"
		    "Clients that use the shared token need the new one.\n",
		    json_string_value(json_object_get(ans, "fingerprint")));
	r = report_revoked(c, ans);
	show_url(c, json_string_value(json_object_get(ans, "url")) ?
	    json_string_value(json_object_get(ans, "url")) : "", 1,
	    "Dashboard URL: ");
	json_decref(ans);
	json_decref(rotated_json);
	rotated_json = NULL;
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}
