/*
 * config_cmd.c: `clawgate config get|set|unset|validate|file'.
 *
 * Edits change the file in place (config_edit.c): comments and layout
 * outside the edited value stay byte for byte.  The whole result is
 * validated with the daemon's own reader before anything is written,
 * and the write is atomic; an invalid result leaves the file untouched
 * and the message is config.c's, which explains retired keys.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "config_edit.h"
#include "json5.h"
#include "util.h"

#define REDACTED	"__OPENCLAW_REDACTED__"
#define MAX_BATCH	64

static const char *const secret_keys[] = {
	"gateway.auth.token", "gateway.auth.password",
	"gateway.remote.token", "gateway.remote.password", NULL
};

static const char help_config[] =
"usage: clawgate [-f file] config get [--json] [path]\n"
"       clawgate [-f file] config set [--dry-run] path value\n"
"       clawgate [-f file] config set path --from-file FILE | - | --generate\n"
"       clawgate [-f file] config set --batch FILE\n"
"       clawgate [-f file] config unset [--dry-run] path\n"
"       clawgate [-f file] config validate [--json]\n"
"       clawgate [-f file] config file\n"
"\n"
"Paths use dots and [index]: gateway.port, gateway.localPeers[0].\n"
"A value is read as JSON5 (18790, true, [\"a\"], 'text'), else as a\n"
"plain string; --string takes it as a string as it is.\n"
"Secrets (gateway.auth.token, gateway.auth.password) are never taken\n"
"from the command line, nor is an object value that holds a token or\n"
"password key at any depth (gateway.auth '{...}', gateway '{...}'):\n"
"--from-file FILE, - (stdin) or --generate (a new URL-safe 32-byte\n"
"token).  --batch FILE applies a JSON array of {\"path\":..,\"value\":..}\n"
"or {\"path\":..,\"unset\":true} as one write.\n"
"The file is edited in place (comments kept), validated as a whole\n"
"first, and replaced atomically.  Run `clawgate gateway reload' to apply.\n";

/* --- helpers ------------------------------------------------------ */

/* Walk "a.b[1]" through a jansson tree; NULL if absent. */
static json_t *
tree_get(json_t *root, const char *path)
{
	char		 key[256];
	const char	*p = path;
	char		*end;
	size_t		 n;
	unsigned long	 i;

	while (*p != '\0' && root != NULL) {
		if (*p == '[') {
			i = strtoul(p + 1, &end, 10);
			if (*end != ']')
				return NULL;
			root = json_array_get(root, i);
			p = end + 1;
		} else {
			n = strcspn(p, ".[");
			if (n == 0 || n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			root = json_object_get(root, key);
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return root;
}

/* Replace every secret in the tree with the redaction sentinel. */
static void
redact(json_t *root)
{
	char	 parent[64];
	json_t	*o;
	int	 i;

	for (i = 0; secret_keys[i] != NULL; i++) {
		cg_strlcpy(parent, secret_keys[i], sizeof(parent));
		*strrchr(parent, '.') = '\0';
		o = tree_get(root, parent);
		if (json_is_object(o) && json_object_get(o,
		    strrchr(secret_keys[i], '.') + 1) != NULL)
			json_object_set_new(o, strrchr(secret_keys[i], '.') + 1,
			    json_string(REDACTED));
	}
}

/*
 * The built-in defaults as a tree of the file's keys, for `config get'
 * of a key that is not set.  Secrets, gateway.customBindHost and
 * clawgate.logFile/controlGroup have none.  localPeers is the loopback
 * an empty list means.
 */
static json_t *
defaults_tree(void)
{
	struct cg_config	 d;
	json_t			*t;

	config_defaults(&d);
	t = json_pack("{s:{s:s, s:i, s:s, s:{s:s, s:b, s:{s:i, s:i, s:i, s:b, "
	    "s:i, s:i}}, s:[s, s], s:[], s:{s:b, s:s, s:[], s:b}}, "
	    "s:{s:i, s:s, s:s, s:s, s:s, s:s}}",
	    "gateway",
	    "mode", "local", "port", d.port, "bind", "loopback",
	    "auth", "mode", "token", "dangerouslyAllowNoAuthOnNetwork", 0,
	    "rateLimit", "maxAttempts", d.rate_limit.max_attempts,
	    "windowMs", d.rate_limit.window_ms,
	    "lockoutMs", d.rate_limit.lockout_ms,
	    "exemptLoopback", d.rate_limit.exempt_loopback,
	    "ipv4Prefix", d.rate_limit.ipv4_prefix,
	    "ipv6Prefix", d.rate_limit.ipv6_prefix,
	    "localPeers", "127.0.0.0/8", "::1",
	    "trustedProxies",
	    "controlUi", "enabled", d.control_ui_enabled, "basePath", "",
	    "allowedOrigins", "dangerouslyAllowAnyOriginOnNetwork", 0,
	    "clawgate", "workers", d.workers, "user", d.user,
	    "authUser", d.auth_user, "stateDir", d.state_dir,
	    "runDir", d.run_dir, "chrootDir", d.chroot_dir);
	config_free(&d);
	return t;
}

/*
 * Does the schema know `path'?  Probe the daemon's reader with the key
 * set to null: "unknown key" means no; a refusal is returned in `why'.
 * 1 known, 0 unknown, -1 refused (retired or unsupported).
 */
static int
path_known(const char *path, char *why, size_t len)
{
	struct cg_config	 cfg;
	struct cg_config_error	 e;
	struct cedit		 ed;
	char			 err[256];
	int			 rc = 1;

	why[0] = '\0';
	if (cedit_init(&ed, "{}", 2) == -1)
		return 1;
	if (cedit_set(&ed, path, json_null(), err, sizeof(err)) != CEDIT_OK) {
		cedit_free(&ed);
		snprintf(why, len, "%s", err);
		return 0;
	}
	config_defaults(&cfg);
	if (config_load_text(&cfg, ed.text, ed.len, "probe", &e) == -1) {
		if (strstr(e.msg, "unknown key") != NULL ||
		    strstr(e.msg, "unknown top-level key") != NULL) {
			rc = 0;
			snprintf(why, len, "%s", e.msg);
		} else if (strstr(e.msg, "got null") == NULL) {
			rc = -1;
			snprintf(why, len, "%s", e.msg);
		}
	}
	config_free(&cfg);
	cedit_free(&ed);
	return rc;
}

/*
 * Cross-checks the daemon makes at start (auth none on a network bind
 * and the like).  A password mode without a password in the file is
 * left out: the daemon's environment may provide it.
 */
static int
check_result(struct cg_config *cfg, struct cg_config_error *e)
{
	struct cg_config	 t = *cfg;
	static char		 dummy[] = "x";

	if (t.auth_mode == AUTHMODE_PASSWORD && t.auth_password == NULL)
		t.auth_password = dummy;
	return config_check(&t, e);
}

/* --- apply: the one writer ---------------------------------------- */

int
cfg_apply(struct cli *c, const struct cfg_change *ch, int n, int quiet,
    char *err, size_t errlen)
{
	struct cg_config	 cfg;
	struct cg_config_error	 e;
	struct cedit		 ed = { NULL, 0 };
	char			*text = NULL, eb[256], es[1200];
	size_t			 len = 0;
	int			 i, rc = -1, lockfd, absent = 0;

	lockfd = cfg_lock(c->config_path);
	if (lockfd == -1 && access(c->config_path, F_OK) == 0) {
		snprintf(err, errlen, "cannot open %s: %s", c->config_path,
		    strerror(errno));
		return -1;
	}
	if (lockfd == -1) {
		text = strdup("{\n}\n");	/* a new file */
		len = text != NULL ? strlen(text) : 0;
	} else
		text = cfg_read(c->config_path, &len, err, errlen);
	if (text == NULL || cedit_init(&ed, text, len) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (ch[i].value != NULL)
			rc = cedit_set(&ed, ch[i].path, ch[i].value, eb,
			    sizeof(eb));
		else
			rc = cedit_unset(&ed, ch[i].path, eb, sizeof(eb));
		if (rc == CEDIT_ABSENT) {
			absent++;
			rc = 0;
		}
		if (rc == -1) {
			snprintf(err, errlen, "%s: %s", ch[i].path, eb);
			goto out;
		}
	}
	rc = -1;
	config_defaults(&cfg);
	if (config_load_text(&cfg, ed.text, ed.len, c->config_path, &e) ==
	    -1 || check_result(&cfg, &e) == -1) {
		config_free(&cfg);
		if (e.line > 0)
			snprintf(err, errlen, "refusing to change %s: %s (line "
			    "%d of the edited file). The file is unchanged.",
			    c->config_path, e.msg, e.line);
		else
			snprintf(err, errlen, "refusing to change %s: %s. The "
			    "file is unchanged.", c->config_path, e.msg);
		goto out;
	}
	for (i = 0; !(quiet & CFG_QUIET) && i < cfg.nwarnings; i++)
		cli_warnx("warning: %s", cfg.warnings[i]);
	config_free(&cfg);
	if (quiet & CFG_DRY_RUN)
		rc = 0;		/* validated whole; nothing written */
	else if (lockfd != -1 && ed.len == len && memcmp(ed.text, text, len) == 0)
		rc = absent > 0 ? 1 : 0;	/* nothing changed */
	else if (cfg_write(c->config_path, ed.text, ed.len, es,
	    sizeof(es)) == -1)
		snprintf(err, errlen, "%s", es);
	else
		rc = 0;
out:
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	cedit_free(&ed);
	if (lockfd != -1)
		close(lockfd);
	return rc;
}

/* --- config get --------------------------------------------------- */

static int
config_get(struct cli *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 }
	};
	struct json5_error	 je;
	struct json5_doc	*d;
	const char		*path = "";
	char			*text, err[512], why[512], *s;
	size_t			 len;
	json_t			*root, *v, *dt = NULL;
	int			 ch, r, rc = EXIT_OK;

	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (ch == OPT_JSON)
			c->json = 1;
		else if (ch == 'h') {
			fputs(help_config, stdout);
			return EXIT_OK;
		} else
			return cli_usage(help_config, NULL);
	}
	if (argc - optind > 1)
		return cli_usage(help_config, "config get takes one path");
	if (argc - optind == 1)
		path = argv[optind];
	if ((text = cfg_read(c->config_path, &len, err, sizeof(err))) ==
	    NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	d = json5_parse(text, len, 0, &je);
	explicit_bzero(text, len);
	free(text);
	if (d == NULL) {
		cli_warnx("%s:%d:%d: %s", c->config_path, je.loc.line,
		    je.loc.col, je.msg);
		return EXIT_FAIL;
	}
	root = json_deep_copy(json5_root(d));
	json5_doc_free(d);
	redact(root);
	if ((v = tree_get(root, path)) == NULL) {
		r = path_known(path, why, sizeof(why));
		if (r == 0) {
			if ((s = strstr(why, "; remove it")) != NULL)
				*s = '\0';
			cli_warnx("%s", why);
		} else if (r == -1)
			cli_warnx("%s", why);
		else if ((dt = defaults_tree()) != NULL &&
		    (v = tree_get(dt, path)) != NULL) {
			/* The value on stdout, bare; the note on stderr. */
			json_decref(root);
			root = dt;
			cli_warnx("%s is not set in %s; printing the built-in "
			    "default (default)", path, c->config_path);
			goto print;
		} else
			cli_warnx("Config path is valid but unset: %s. The "
			    "built-in default applies until you set it with "
			    "`clawgate config set %s <value>`.", path, path);
		json_decref(dt);
		json_decref(root);
		return EXIT_FAIL;
	}
print:
	if (c->json || json_is_object(v) || json_is_array(v))
		out_json(v);
	else if (json_is_string(v))
		printf("%s\n", json_string_value(v));
	else if ((s = json_dumps(v, JSON_ENCODE_ANY)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
	json_decref(root);
	return rc;
}

/* --- config set / unset ------------------------------------------- */

/* A command-line value: JSON5 if it parses, else the text itself. */
static json_t *
parse_value(const char *s, int as_string)
{
	struct json5_error	 je;
	struct json5_doc	*d;
	json_t			*v;

	if (!as_string && (d = json5_parse(s, strlen(s), 0, &je)) != NULL) {
		/* A copy: freeing the document wipes its strings. */
		v = json_deep_copy(json5_root(d));
		json5_doc_free(d);
		return v;
	}
	return json_string(s);
}

static int
report(struct cli *c, const char *what, const char *path, const char *fp,
    int rc, const char *err)
{
	if (rc == -1) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	}
	if (rc == 1)
		printf("%s was not set in %s; nothing to do.\n", path,
		    c->config_path);
	else
		cli_outf("%s %s in %s%s. Run `clawgate gateway reload` to apply "
		    "it to a running gateway.\n", what, path, c->config_path,
		    fp != NULL ? fp : "");
	return EXIT_OK;
}

/*
 * Does a command-line value hold a secret at any depth?  A key named
 * token or password anywhere, or a path config.c reads a secret from
 * (gateway.auth.token set as part of gateway.auth, or of gateway at the
 * root).  `found' gets the full path of the first one.
 */
static int
holds_secret(const char *base, json_t *v, char *found, size_t len)
{
	const char	*k;
	char		 sub[512];
	json_t		*e;
	size_t		 i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, e) {
			snprintf(sub, sizeof(sub), "%s%s%s", base,
			    base[0] != '\0' ? "." : "", k);
			if (strcasecmp(k, "token") == 0 ||
			    strcasecmp(k, "password") == 0 || secret_path(sub)) {
				cg_strlcpy(found, sub, len);
				return 1;
			}
			if (holds_secret(sub, e, found, len))
				return 1;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			snprintf(sub, sizeof(sub), "%s[%zu]", base, i);
			if (holds_secret(sub, e, found, len))
				return 1;
		}
	}
	return 0;
}

/* The secret for a secret path, never from argv. */
static json_t *
secret_value(const char *path, const char *from, int generate, char *err,
    size_t errlen)
{
	char	*s, why[256];
	json_t	*v;

	if (generate) {
		if (strcmp(path, "gateway.auth.token") != 0) {
			snprintf(err, errlen, "--generate makes gateway tokens "
			    "only; choose a password yourself and pass it with "
			    "--from-file");
			return NULL;
		}
		s = secret_generate();
	} else if ((s = secret_read(from, err, errlen)) == NULL)
		return NULL;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (secret_unsafe(s, why, sizeof(why)) != NULL) {
		snprintf(err, errlen, "refusing this %s: %s. Use only A-Z a-z "
		    "0-9 - _ . ~ so that it survives URLs (#token=...) and "
		    "shells; `clawgate config set gateway.auth.token "
		    "--generate` makes a safe one", strrchr(path, '.') + 1, why);
		explicit_bzero(s, strlen(s));
		free(s);
		return NULL;
	}
	v = json_string(s);
	explicit_bzero(s, strlen(s));
	free(s);
	return v;
}

/*
 * The running daemon's fingerprint of a new secret (only the daemon has
 * the key), or "" when no daemon answers.
 */
static void
daemon_fp(struct cli *c, const char *secret, char fp[17])
{
	struct ctl_error	 e;
	json_t			*ans;

	fp[0] = '\0';
	if ((ans = ctl_fingerprint(c, secret, &e)) == NULL)
		return;
	cg_strlcpy(fp, json_string_value(json_object_get(ans,
	    "fingerprint")) != NULL ? json_string_value(json_object_get(ans,
	    "fingerprint")) : "", 17);
	json_decref(ans);
}

/* Wipe a secret json string before it is freed. */
static void
value_free(json_t *v)
{
	if (json_is_string(v) && v->refcount == 1)
		explicit_bzero((char *)json_string_value(v),
		    json_string_length(v));
	json_decref(v);
}

static int
config_batch(struct cli *c, const char *file, int dry)
{
	struct cfg_change	 ch[MAX_BATCH];
	json_error_t		 je;
	json_t			*a, *e, *v;
	char			*text, err[1400], why[256];
	size_t			 len, i;
	int			 rc, n = 0;

	if (strcmp(file, "-") == 0)
		a = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
	else if ((text = cfg_read(file, &len, err, sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		return EXIT_FAIL;
	} else {
		a = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		explicit_bzero(text, len);
		free(text);
	}
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > MAX_BATCH) {
		cli_warnx("%s: expected a JSON array of 1 to %d {\"path\", "
		    "\"value\"} or {\"path\", \"unset\": true} objects%s%s",
		    file, MAX_BATCH, a == NULL ? ": " : "", a == NULL ? je.text :
		    "");
		json_decref(a);
		return EXIT_FAIL;
	}
	json_array_foreach(a, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));

		v = json_object_get(e, "value");
		if (p == NULL || (v == NULL) == !json_is_true(json_object_get(e,
		    "unset")) || json_object_size(e) != 2) {
			cli_warnx("%s: element %zu: expected {\"path\": \"...\","
			    " \"value\": ...} or {\"path\": \"...\", \"unset\": "
			    "true}", file, i);
			json_decref(a);
			return EXIT_FAIL;
		}
		if (v != NULL && secret_path(p) && (!json_is_string(v) ||
		    secret_unsafe(json_string_value(v), why, sizeof(why)))) {
			cli_warnx("%s: element %zu: refusing this %s: %s", file,
			    i, strrchr(p, '.') + 1, json_is_string(v) ? why :
			    "it must be a string");
			json_decref(a);
			return EXIT_FAIL;
		}
		ch[n].path = p;
		ch[n++].value = v;
	}
	rc = cfg_apply(c, ch, n, dry ? CFG_DRY_RUN : 0, err, sizeof(err));
	if (dry && rc != -1) {
		printf("Dry run: the %d change%s validate%s; nothing written.\n",
		    n, n == 1 ? "" : "s", n == 1 ? "s" : "");
		json_decref(a);
		return EXIT_OK;
	}
	if (rc == -1)
		cli_warnx("%s", err);
	else
		printf("Applied %d change%s to %s in one write. Run `clawgate "
		    "gateway reload` to apply them to a running gateway.\n", n,
		    n == 1 ? "" : "s", c->config_path);
	json_decref(a);
	return rc == -1 ? EXIT_FAIL : EXIT_OK;
}

static int
config_set(struct cli *c, int argc, char *argv[])
{
	enum { O_FROM = OPT_FIRST_LOCAL, O_GEN, O_BATCH, O_DRY, O_STRING };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "from-file", required_argument, NULL, O_FROM },
		{ "generate", no_argument, NULL, O_GEN },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "string", no_argument, NULL, O_STRING },
		{ NULL, 0, NULL, 0 }
	};
	struct cfg_change	 chg;
	struct stat		 st;
	const char		*from = NULL, *batch = NULL, *path;
	char			 err[1400], fp[17] = "", what[512];
	json_t			*v;
	int			 ch, r, gen = 0, dry = 0, as_string = 0;

	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		switch (ch) {
		case O_FROM: from = optarg; break;
		case O_GEN: gen = 1; break;
		case O_BATCH: batch = optarg; break;
		case O_DRY: dry = 1; break;
		case O_STRING: as_string = 1; break;
		case 'h':
			fputs(help_config, stdout);
			return EXIT_OK;
		default:
			return cli_usage(help_config, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (batch != NULL) {
		if (argc != 0 || from != NULL || gen)
			return cli_usage(help_config, "--batch takes no path "
			    "or value");
		return config_batch(c, batch, dry);
	}
	if (argc < 1)
		return cli_usage(help_config, "config set needs a path");
	path = argv[0];
	if (secret_path(path)) {
		if (argc == 2 && strcmp(argv[1], "-") == 0 && from == NULL)
			from = "-";
		else if (argc != 1)
			return cli_usage(NULL, "refusing to take %s from the "
			    "command line (it would land in the shell history "
			    "and in ps): use `clawgate config set %s "
			    "--from-file FILE`, `... %s -` to read stdin, or "
			    "--generate", path, path, path);
		if ((from != NULL) + gen != 1)
			return cli_usage(NULL, "%s: give exactly one of "
			    "--from-file FILE, - (stdin) or --generate", path);
		if ((v = secret_value(path, from, gen, err,
		    sizeof(err))) == NULL) {
			cli_warnx("%s", err);
			return EXIT_FAIL;
		}
	} else {
		if (from != NULL || gen)
			return cli_usage(NULL, "--from-file and --generate are "
			    "for gateway.auth.token and gateway.auth.password");
		if (argc != 2)
			return cli_usage(help_config, "config set needs a path "
			    "and a value");
		v = parse_value(argv[1], as_string);
		if (holds_secret(path, v, what, sizeof(what))) {
			value_free(v);
			return cli_usage(NULL, "refusing to take %s from the "
			    "command line (it would land in the shell history "
			    "and in ps): set the other keys without it, then "
			    "the secret on its own with `clawgate config set "
			    "%s --from-file FILE`, `... %s -` to read stdin, or "
			    "--generate", what, secret_path(what) ? what :
			    "gateway.auth.token", secret_path(what) ? what :
			    "gateway.auth.token");
		}
	}
	chg.path = path;
	chg.value = v;
	if (dry) {
		r = cfg_apply(c, &chg, 1, CFG_DRY_RUN, err, sizeof(err));
		value_free(v);
		if (r == -1) {
			cli_warnx("%s", err);
			return EXIT_FAIL;
		}
		printf("Dry run: setting %s validates; nothing written.\n",
		    path);
		return EXIT_OK;
	}
	r = cfg_apply(c, &chg, 1, 0, err, sizeof(err));
	if (r == 0 && secret_path(path))
		daemon_fp(c, json_string_value(v), fp);
	value_free(v);
	if (r == 0 && secret_path(path) && stat(c->config_path, &st) == 0 &&
	    (st.st_mode & 077) != 0)
		cli_warnx("warning: %s is mode %04o and now holds a secret: "
		    "`chmod 600 %s` (clawgate doctor --fix does it)",
		    c->config_path, (unsigned)(st.st_mode & 07777),
		    c->config_path);
	if (fp[0] != '\0')
		snprintf(what, sizeof(what), " (fingerprint %s)", fp);
	else
		what[0] = '\0';
	return report(c, "Updated", path, what, r, err);
}

static int
config_unset(struct cli *c, int argc, char *argv[])
{
	enum { O_DRY = OPT_FIRST_LOCAL };
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "dry-run", no_argument, NULL, O_DRY },
		{ NULL, 0, NULL, 0 }
	};
	struct cfg_change	 chg;
	char			 err[1400];
	int			 ch, r, dry = 0;

	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (ch == O_DRY)
			dry = 1;
		else if (ch == 'h') {
			fputs(help_config, stdout);
			return EXIT_OK;
		} else
			return cli_usage(help_config, NULL);
	}
	if (argc - optind != 1)
		return cli_usage(help_config, "config unset takes one path");
	chg.path = argv[optind];
	chg.value = NULL;
	if (dry) {
		printf("Dry run: %s would be removed; nothing written.\n",
		    chg.path);
		return EXIT_OK;
	}
	r = cfg_apply(c, &chg, 1, 0, err, sizeof(err));
	return report(c, "Removed", chg.path, NULL, r, err);
}

/* --- config validate ---------------------------------------------- */

static int
config_validate(struct cli *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 }
	};
	struct cg_config	 cfg;
	struct cg_config_error	 e;
	json_t			*o, *w;
	char			 es[1200];
	int			 ch, r, i, ok;

	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		if ((r = cli_common_opt(c, ch, optarg)) == 1)
			continue;
		if (ch == OPT_JSON)
			c->json = 1;
		else if (ch == 'h') {
			fputs(help_config, stdout);
			return EXIT_OK;
		} else
			return cli_usage(help_config, NULL);
	}
	if (optind != argc)
		return cli_usage(help_config, "config validate takes no "
		    "arguments");
	config_defaults(&cfg);
	memset(&e, 0, sizeof(e));
	ok = config_load_file(&cfg, c->config_path, &e) == 0 &&
	    check_result(&cfg, &e) == 0;
	if (c->json) {
		w = json_array();
		for (i = 0; ok && i < cfg.nwarnings; i++)
			json_array_append_new(w, json_string(cfg.warnings[i]));
		o = json_pack("{s:b, s:s, s:o}", "valid", ok, "path",
		    c->config_path, "warnings", w);
		if (!ok)
			json_object_set_new(o, "error", json_pack("{s:i, s:i, "
			    "s:s}", "line", e.line, "column", e.col, "message",
			    e.msg));
		out_json(o);
		json_decref(o);
	} else if (ok) {
		printf("Config valid: %s\n", c->config_path);
		for (i = 0; i < cfg.nwarnings; i++)
			printf("  warning: %s\n", cfg.warnings[i]);
	} else {
		cfg_errstr(&e, es, sizeof(es));
		cli_outf("clawgate config is invalid: %s\n  \u00d7 %s\nFix the "
		    "key above (`clawgate config unset PATH` removes one); "
		    "`clawgate doctor` explains more.\n", c->config_path, es);
	}
	config_free(&cfg);
	return ok ? EXIT_OK : EXIT_FAIL;
}

int
cmd_config(struct cli *c, int argc, char *argv[])
{
	if (argc < 2)
		return cli_usage(help_config, "config needs a subcommand");
	argc--;
	argv++;
	optind = 0;
	if (strcmp(argv[0], "get") == 0)
		return config_get(c, argc, argv);
	if (strcmp(argv[0], "set") == 0)
		return config_set(c, argc, argv);
	if (strcmp(argv[0], "unset") == 0)
		return config_unset(c, argc, argv);
	if (strcmp(argv[0], "validate") == 0)
		return config_validate(c, argc, argv);
	if (strcmp(argv[0], "file") == 0) {
		printf("%s\n", c->config_path);
		return EXIT_OK;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		fputs(help_config, stdout);
		return EXIT_OK;
	}
	return cli_usage(help_config, "unknown config subcommand \"%s\"",
	    argv[0]);
}
