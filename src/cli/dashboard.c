/*
 * dashboard.c: `clawgate dashboard' and `clawgate token rotate'.
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
"usage: clawgate token rotate [--show-token] [--json]\n"
"\n"
"Makes a new gateway token, persists it where the current one lives\n"
"(<stateDir>/gateway.token, or gateway.auth.token in the config file)\n"
"and applies it to the running daemon at once.  Prints the new dashboard\n"
"link (with the token on a terminal or with --show-token only).\n";

static int
parse(struct cli *c, int argc, char *argv[], const char *help)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "show-token", no_argument, NULL, OPT_SHOW_TOKEN },
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
		out_json(o);
		json_decref(o);
	} else {
		printf("%s%s\n", lead, url);
		if (included && show)
			printf("This link contains the gateway token: whoever "
			    "has it controls the gateway. Keep it private.\n");
		else if (included)
			printf("The token is left out because stdout is not a "
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

/* Ask the daemon for the link and print it. */
static int
dashboard(struct cli *c, const char *lead)
{
	struct ctl_error	 e;
	json_t			*ans;
	char			 msg[1024];
	const char		*url;

	if ((ans = ctl_cmd(c, "dashboard", &e)) == NULL) {
		cli_warnx("%s", e.msg);
		return EXIT_FAIL;
	}
	if (!json_is_true(json_object_get(ans, "ok")) ||
	    (url = json_string_value(json_object_get(ans, "url"))) == NULL) {
		cli_warnx("%s", ctl_answer_error(ans, msg, sizeof(msg)));
		json_decref(ans);
		return EXIT_FAIL;
	}
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

/* A token kept in the config file: a new one there, then a reload. */
static int
rotate_in_config(struct cli *c)
{
	struct cfg_change	 chg;
	struct ctl_error	 e;
	json_t			*ans;
	char			*tok, err[1400], fp[17];
	int			 rc;

	if ((tok = secret_generate()) == NULL) {
		cli_warnx("out of memory");
		return EXIT_FAIL;
	}
	secret_fp(tok, fp);
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
	if (!c->json)
		printf("Rotated the gateway token in %s and reloaded; new "
		    "fingerprint %s.\n", c->config_path, fp);
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

	if (argc < 2 || strcmp(argv[1], "rotate") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			fputs(help_token, stdout);
			return EXIT_OK;
		}
		return cli_usage(help_token, "token needs the subcommand "
		    "rotate");
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
		return dashboard(c, "Dashboard URL: ");
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
	if ((ans = ctl_cmd(c, "token.rotate", &e)) == NULL) {
		cli_warnx("%s", e.msg);
		return EXIT_FAIL;
	}
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
	show_url(c, json_string_value(json_object_get(ans, "url")) ?
	    json_string_value(json_object_get(ans, "url")) : "", 1,
	    "Dashboard URL: ");
	json_decref(ans);
	return EXIT_OK;
}
