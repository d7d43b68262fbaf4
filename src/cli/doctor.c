/*
 * doctor.c: `clawgate doctor [--fix]'.
 *
 * The diagnosis is of the running daemon (asked over its control
 * socket) and of the files it reads, never of the invoking shell: the
 * shell's environment is only compared with what the daemon uses, and
 * the finding says which one wins.  Secrets are compared by fingerprint
 * (the running daemon computes them: only it holds the key) and never
 * printed.  Each finding has a severity, what is wrong and the
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

#include "doctor.h"
#include "util.h"

static const char help_doctor[] =
"usage: clawgate [-f file] doctor [--fix] [--json] [--client-config FILE]\n"
"\n"
"Checks the running clawgated (over its control socket) and its files:\n"
"secret sources and fingerprints (your shell's $OPENCLAW_GATEWAY_TOKEN and\n"
"an openclaw client config are compared, never trusted; the daemon\n"
"fingerprints them, so this needs it running), unsafe tokens,\n"
"retired keys, exposure (auth none or \"*\" origins on a network bind),\n"
"permissions, stale pid/socket files, second instances, listeners that\n"
"differ from the config, and container networks that will need pairing.\n"
"--fix applies the safe fixes, says what it changed, then runs every check\n"
"again and reports what is still wrong (the exit status is the re-check's).\n"
"--client-config FILE: the openclaw client config to compare (default\n"
"$OPENCLAW_CONFIG_PATH, $OPENCLAW_STATE_DIR/openclaw.json or\n"
"~/.openclaw/openclaw.json).\n"
"Exit status: 0 clean, 1 warnings, 2 critical.\n";

struct finding *
doctor_add(struct doctor *d, enum sev sev, const char *id)
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

const char *
doctor_jstr(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* --- inputs ------------------------------------------------------- */

void
load_inputs(struct doctor *d)
{
	struct json5_error	 je;
	json_t			*au;
	char			*text, err[512];
	size_t			 len;

	if ((d->st = gateway_status(d->c, &d->ce)) != NULL) {
		au = json_object_get(d->st, "auth");
		cg_strlcpy(d->dfp, doctor_jstr(au, "fingerprint"), sizeof(d->dfp));
		cg_strlcpy(d->dsrc, doctor_jstr(au, "source"), sizeof(d->dsrc));
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
const char *
doctor_raw_str(const struct doctor *d, const char *path)
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

int
doctor_raw_has(const struct doctor *d, const char *path)
{
	return d->raw != NULL && json5_pos_lookup(d->raw, path) != NULL;
}

/* The state-file token (its first line), when readable. */
char *
doctor_state_token(const struct doctor *d)
{
	char	 path[PATH_MAX], buf[1100], *s;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", d->st ? doctor_jstr(d->st, "stateDir") :
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

void
doctor_wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
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
		doctor_wipe_free(tok);
		return -1;
	}
	doctor_wipe_free(tok);
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
		    (v = doctor_raw_str(d, f->arg)) != NULL) {
			ch[n].path = "gateway.auth.token";
			ch[n++].value = json_string(v);
			ch[n].path = f->arg2;
			ch[n++].value = NULL;
			cf[ncf++] = f;
		} else if (f->kind == FIX_SET && (ch[n].value =
		    json_loads(f->value, JSON_DECODE_ANY, NULL)) != NULL) {
			ch[n++].path = f->arg;
			cf[ncf++] = f;
		} else if (f->kind != FIX_NONE && f->kind != FIX_MOVE_SECRET &&
		    f->kind != FIX_SET)
			f->fixed = apply_fix(d, f) == 0;
	}
	if (n == 0)
		return;
	ok = cfg_apply(d->c, ch, n, 1, err, sizeof(err)) != -1;
	for (i = 0; i < n; i++)
		if (ch[i].value != NULL) {
			if (json_is_string(ch[i].value))
				explicit_bzero((char *)json_string_value(
				    ch[i].value), json_string_length(
				    ch[i].value));
			json_decref(ch[i].value);
		}
	for (i = 0; i < ncf; i++) {
		cf[i]->fixed = ok;
		if (!ok)
			snprintf(cf[i]->done, sizeof(cf[i]->done), "%s", err);
		else if (cf[i]->kind == FIX_UNSET)
			snprintf(cf[i]->done, sizeof(cf[i]->done), "removed %s "
			    "from %s", cf[i]->arg, d->c->config_path);
		else if (cf[i]->kind == FIX_SET)
			snprintf(cf[i]->done, sizeof(cf[i]->done), "set %s to "
			    "%.400s in %s; `clawgate gateway reload` applies it",
			    cf[i]->arg, cf[i]->value, d->c->config_path);
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
	/* The commands suggested carry the -f FILE the user gave. */
	for (i = 0; i < d->n; i++) {
		cli_fopt_hints(d->c, d->f[i].what, sizeof(d->f[i].what));
		cli_fopt_hints(d->c, d->f[i].fix, sizeof(d->f[i].fix));
	}
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
		o = json_pack("{s:s, s:b, s:o, s:i, s:b}", "config",
		    d->c->config_path, "running", d->st != NULL, "findings", a,
		    "exitCode", rc, "rechecked", d->rechecked);
		if (d->st != NULL)
			json_object_set(o, "pid", json_object_get(d->st, "pid"));
		out_json(o);
		json_decref(o);
		return rc;
	}
	printf("clawgate doctor: config %s; daemon %s\n", d->c->config_path,
	    d->st ? "running" : d->ce.status == CTL_CONFIG ? "not asked" :
	    d->ce.status == CTL_MISMATCH ? "on its socket is another "
	    "instance's" : "not running");
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
			printf("          fix: %s%s%s%s\n", f->fix,
			    f->kind != FIX_NONE && !d->fix ?
			    " [clawgate" : "", f->kind != FIX_NONE && !d->fix ?
			    cli_fopt(d->c) : "", f->kind != FIX_NONE &&
			    !d->fix ? " doctor --fix does this]" : "");
			if (f->done[0] != '\0')
				printf("          --fix failed: %s\n", f->done);
		}
	}
	if (d->rechecked)
		printf("\nChecked again after the fixes: what is listed above "
		    "without FIXED is still wrong.\n");
	if (d->n == 0)
		printf("\nNo problems found.\n");
	else
		printf("\n%d critical, %d warning%s, %d fixed.\n", crit, warn,
		    warn == 1 ? "" : "s", fixed);
	return rc;
}

static void
run_checks(struct doctor *d)
{
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
	check_loopback_peers(d);
	check_nat_peers(d);
}

/*
 * After --fix: every check again, on what the fixes left.  The report
 * is the fixes applied, then what the second pass still finds (a
 * failed fix keeps its error); the exit code is the second pass's.  A
 * fix may uncover what an invalid file hid (a retired key removed, the
 * rest of the file is checked at last).
 */
static void
recheck(struct doctor *d)
{
	struct finding	*old;
	int		 i, j, n = d->n, k = 0;

	if ((old = malloc(sizeof(*old) * (size_t)n)) == NULL)
		return;
	memcpy(old, d->f, sizeof(*old) * (size_t)n);
	json_decref(d->st);
	d->st = NULL;
	memset(&d->ce, 0, sizeof(d->ce));
	d->dfp[0] = d->dsrc[0] = '\0';
	d->n = 0;
	run_checks(d);
	/* The fixed first, then the new pass. */
	for (i = 0; i < n; i++)
		k += old[i].fixed;
	if (k > MAX_FINDINGS - d->n)
		k = MAX_FINDINGS - d->n;
	memmove(&d->f[k], &d->f[0], sizeof(*old) * (size_t)d->n);
	for (i = j = 0; i < n && j < k; i++)
		if (old[i].fixed)
			d->f[j++] = old[i];
	d->n += k;
	for (i = k; i < d->n; i++)
		for (j = 0; j < n; j++)
			if (!old[j].fixed && old[j].done[0] != '\0' &&
			    strcmp(old[j].id, d->f[i].id) == 0 &&
			    strcmp(old[j].arg, d->f[i].arg) == 0)
				memcpy(d->f[i].done, old[j].done,
				    sizeof(d->f[i].done));
	d->rechecked = 1;
	free(old);
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
	int		 ch, r, rc, i;

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
	run_checks(d);
	for (i = 0; d->fix && i < d->n && d->f[i].kind == FIX_NONE; i++)
		;
	if (d->fix && i < d->n) {
		apply_fixes(d);
		recheck(d);
	}
	rc = report(d);
	json_decref(d->st);
	json5_doc_free(d->raw);
	config_free(&d->cfg);
	free(d);
	return rc;
}

