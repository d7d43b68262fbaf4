/*
 * secret.c: decide, once, which shared secret this gateway uses and say
 * where it came from.
 *
 * Sources (clawgated.conf(5)): gateway.auth.token in the config file or
 * the file gateway.auth.tokenFile names (a Kubernetes Secret volume,
 * /run/secrets/NAME: read here, by the master, at start and at reload),
 * CLAWGATE_GATEWAY_TOKEN, OPENCLAW_GATEWAY_TOKEN, and the token generated
 * on first start and persisted in <stateDir>/gateway.token when none of
 * the others is set.  Two sources that are both set and disagree are an
 * error: clawgated refuses to guess (the reference silently prefers
 * one).  That includes a gateway.token left from an earlier start: the
 * README tells users to read that file, so it must never hold a token
 * other than the one in use.  Passwords work the same way, without a
 * generated fallback.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "privdrop.h"
#include "util.h"

#define TOKEN_FILE	"gateway.token"
#define TOKEN_BYTES	32
#define NCAND		4	/* config, file, two environment variables */

/* A candidate secret: trimmed copy, or NULL when absent/blank. */
struct candidate {
	const char	*name;		/* where it came from, for messages */
	enum cg_secret_source src;
	char		*val;
	const char	*file;		/* SECRET_FILE: the path */
	const char	*key;		/* SECRET_FILE: the config key */
};

static char *
trimmed_dup(const char *s)
{
	const char	*e;
	char		*d;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		e--;
	if (e == s)
		return NULL;
	if ((d = malloc((size_t)(e - s) + 1)) == NULL)
		fatal("malloc");
	memcpy(d, s, (size_t)(e - s));
	d[e - s] = '\0';
	return d;
}

static void
cand_free(struct candidate *c)
{
	if (c->val != NULL) {
		sodium_memzero(c->val, strlen(c->val));
		free(c->val);
		c->val = NULL;
	}
}

/*
 * gateway.auth.tokenFile / passwordFile: read now, through whatever
 * links the mount uses; privdrop.c checks the file it leads to.
 */
static int
file_candidate(struct candidate *c, const char *key, const char *path,
    char *name, size_t namelen, struct cg_config_error *err)
{
	char	msg[sizeof(err->msg)];
	int	loose;

	if (path[0] == '\0')
		return 0;
	snprintf(name, namelen, "%s %s", key, path);
	c->name = name;
	c->file = path;
	c->key = key;
	if (secret_file_read(path, &c->val, &loose, msg, sizeof(msg)) == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", key, msg);
		return -1;
	}
	return 0;
}

/*
 * The state directory, never through a symlink (privdrop.c): created
 * unless `create' is 0 (-n), when an absent one is fine.  An open
 * descriptor, -2 (absent), or -1 with err.
 */
static int
state_dir_open(struct master *m, int create, struct cg_config_error *err)
{
	int	fd;

	fd = safe_dir_open(m->cfg.state_dir, 0700, create,
	    "clawgate.stateDir", err->msg, sizeof(err->msg));
	if (fd == -1 && !create && errno == ENOENT) {
		err->msg[0] = '\0';
		return -2;
	}
	return fd;
}

/* ---- the fingerprint key ----------------------------------------- */

/* 1 read, 0 absent, -1 error (err says which file and the fix). */
static int
read_key_file(const char *path, uint8_t key[FINGERPRINT_KEY_LEN],
    int check_only, struct cg_config_error *err)
{
	struct stat	 st;
	uint8_t		 buf[FINGERPRINT_KEY_LEN + 1];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		/* -n run by someone else only goes without fingerprints. */
		if (errno == ENOENT || (check_only && errno == EACCES))
			return 0;
		snprintf(err->msg, sizeof(err->msg), "cannot read %s: %s (it "
		    "holds this install's fingerprint key; it must be a "
		    "regular file, not a symbolic link)", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		snprintf(err->msg, sizeof(err->msg), "%s must be a regular "
		    "file owned by uid %ld with mode 0600 (it holds this "
		    "install's fingerprint key): fix with `chown %ld %s && "
		    "chmod 600 %s`", path, (long)geteuid(), (long)geteuid(),
		    path, path);
		close(fd);
		return -1;
	}
	while (got < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err->msg, sizeof(err->msg), "cannot read %s: "
			    "%s", path, strerror(errno));
			close(fd);
			sodium_memzero(buf, sizeof(buf));
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got != FINGERPRINT_KEY_LEN) {
		snprintf(err->msg, sizeof(err->msg), "%s is damaged: it holds "
		    "%s%zu bytes, not the %d random bytes of this install's "
		    "fingerprint key. Restore it from a backup (or from "
		    "another instance that shares it), or delete it and "
		    "clawgated makes a new key at the next start (every "
		    "fingerprint changes, and browsers paired with the shared "
		    "secret present it once more)", path, got == sizeof(buf) ?
		    "more than " : "", got == sizeof(buf) ?
		    (size_t)FINGERPRINT_KEY_LEN : got, FINGERPRINT_KEY_LEN);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(key, buf, FINGERPRINT_KEY_LEN);
	sodium_memzero(buf, sizeof(buf));
	return 1;
}

/*
 * A new key, made atomically: a temporary file, synced, then link(2)ed
 * to its name, which fails if another start made one meanwhile (then
 * that one is read).  0 made, 1 someone else's exists, -1 error.
 */
static int
make_key_file(const char *dir, const char *path,
    const uint8_t key[FINGERPRINT_KEY_LEN], struct cg_config_error *err)
{
	char	tmp[4200];
	int	fd, dfd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, key, FINGERPRINT_KEY_LEN) !=
	    FINGERPRINT_KEY_LEN || fsync(fd) == -1 || close(fd) == -1) {
		snprintf(err->msg, sizeof(err->msg), "cannot write this "
		    "install's fingerprint key %s: %s (make the state "
		    "directory writable or set clawgate.stateDir)", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		(void)unlink(tmp);
		return -1;
	}
	if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			rc = 1;
		else {
			snprintf(err->msg, sizeof(err->msg), "cannot create "
			    "%s: %s (make the state directory writable or set "
			    "clawgate.stateDir)", path, strerror(errno));
			rc = -1;
		}
	}
	(void)unlink(tmp);
	if (rc == 0 && (dfd = open(dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return rc;
}

int
secret_key_load(struct master *m, struct cg_config_error *err)
{
	const char	*dir = m->cfg.state_dir;
	uint8_t		*key;
	char		 path[4200];
	int		 rc = 0, tries, dfd;

	err->file[0] = '\0';
	err->line = err->col = 0;
	if (m->fp_key != NULL)
		return 0;
	if ((key = sodium_malloc(FINGERPRINT_KEY_LEN)) == NULL)
		fatal("sodium_malloc");
	snprintf(path, sizeof(path), "%s/%s", dir, FINGERPRINT_KEY_FILE);
	if ((dfd = state_dir_open(m, 0, err)) == -1)
		goto fail;
	if (dfd >= 0)
		close(dfd);
	for (tries = 0; tries < 2; tries++) {
		if ((rc = read_key_file(path, key, m->check_only, err)) == 1) {
			m->fp_key = key;
			return 0;
		}
		if (rc == -1 || m->check_only)
			break;		/* -n makes nothing on disk */
		if ((dfd = state_dir_open(m, 1, err)) == -1) {
			rc = -1;
			break;
		}
		close(dfd);
		randombytes_buf(key, FINGERPRINT_KEY_LEN);
		if ((rc = make_key_file(dir, path, key, err)) == 0) {
			log_info("created %s: this install's key for secret "
			    "fingerprints (keep it with the state directory)",
			    path);
			m->fp_key = key;
			return 0;
		}
		if (rc == -1)
			break;
		/* Another start made it first: use that one. */
	}
	if (rc != -1 && !m->check_only) {
		snprintf(err->msg, sizeof(err->msg), "cannot create %s: it "
		    "appeared and vanished again; is another program removing "
		    "files from %s?", path, dir);
		rc = -1;
	}
	if (0) {
fail:
		rc = -1;
	}
	sodium_memzero(key, FINGERPRINT_KEY_LEN);
	sodium_free(key);
	return rc == -1 ? -1 : 0;
}

void
secret_key_free(struct master *m)
{
	if (m->fp_key == NULL)
		return;
	sodium_memzero(m->fp_key, FINGERPRINT_KEY_LEN);
	sodium_free(m->fp_key);
	m->fp_key = NULL;
}

/* authd's trim (authd_trim): ASCII white space at both ends. */
static int
trim_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

int
secret_fingerprint_of(const struct master *m, const char *s, size_t len,
    char out[FINGERPRINT_LEN + 1])
{
	while (len > 0 && trim_space(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && trim_space(s[len - 1]))
		len--;
	if (m->fp_key == NULL || len == 0) {
		cg_strlcpy(out, "-", FINGERPRINT_LEN + 1);
		return -1;
	}
	secret_fingerprint(m->fp_key, s, len, out);
	return 0;
}

static void
fp_of(const struct master *m, const char *s, char out[FINGERPRINT_LEN + 1])
{
	(void)secret_fingerprint_of(m, s, strlen(s), out);
}

/* " (fingerprint F)", or "" before the first start made the key. */
static void
fp_note(const struct master *m, const char *s, char *out, size_t len)
{
	char	fp[FINGERPRINT_LEN + 1];

	if (secret_fingerprint_of(m, s, strlen(s), fp) == -1)
		out[0] = '\0';
	else
		snprintf(out, len, " (fingerprint %s)", fp);
}

/*
 * Pick the first present candidate; any other present one that differs
 * is a conflict the operator must resolve.
 */
static int
pick(const struct master *m, struct candidate *c, int n, const char *what,
    struct candidate **out, struct cg_config_error *err)
{
	char	fa[FINGERPRINT_LEN + 32], fb[FINGERPRINT_LEN + 32];
	int	i, first = -1;

	for (i = 0; i < n; i++) {
		if (c[i].val == NULL)
			continue;
		if (first == -1) {
			first = i;
			continue;
		}
		if (strcmp(c[first].val, c[i].val) != 0) {
			fp_note(m, c[first].val, fa, sizeof(fa));
			fp_note(m, c[i].val, fb, sizeof(fb));
			snprintf(err->msg, sizeof(err->msg), "two different "
			    "gateway %ss are set: %s%s and %s%s. clawgated "
			    "uses exactly one source: remove one of them "
			    "(unset the variable, or delete the key from the "
			    "config)%s", what,
			    c[first].name, fa, c[i].name, fb,
			    c[first].file != NULL ? ", or put the same secret "
			    "in both" : "");
			return -1;
		}
	}
	*out = first >= 0 ? &c[first] : NULL;
	return 0;
}

/* Read <stateDir>/gateway.token; 1 found, 0 absent, -1 error. */
static int
read_token_file(const char *path, char **out, struct cg_config_error *err)
{
	struct stat	 st;
	char		 buf[1100];
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err->msg, sizeof(err->msg), "cannot read %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		snprintf(err->msg, sizeof(err->msg), "%s must be a regular "
		    "file owned by uid %ld with mode 0600 (it holds the gateway "
		    "token): fix with `chown %ld %s && chmod 600 %s`", path,
		    (long)geteuid(), (long)geteuid(), path, path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot read %s: %s",
		    path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	*out = trimmed_dup(buf);
	sodium_memzero(buf, sizeof(buf));
	if (*out == NULL) {
		snprintf(err->msg, sizeof(err->msg), "%s is empty: delete it "
		    "and clawgated generates a new token", path);
		return -1;
	}
	return 1;
}

/* Write a new token atomically: temp file, fsync, rename, fsync dir. */
static int
write_token_file(const char *dir, const char *path, const char *tok,
    struct cg_config_error *err)
{
	char	tmp[64];
	int	fd = -1, dfd;
	size_t	len = strlen(tok);

	/* Through a descriptor of the real directory: no link is followed. */
	if ((dfd = safe_dir_open(dir, 0700, 1, "clawgate.stateDir", err->msg,
	    sizeof(err->msg))) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", TOKEN_FILE, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1 || write(fd, tok, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1 || close(fd) == -1 ||
	    (fd = -2, renameat(dfd, tmp, dfd, TOKEN_FILE)) == -1) {
		snprintf(err->msg, sizeof(err->msg), "cannot persist the "
		    "generated token in %s: %s (clawgated never runs with a "
		    "secret nobody can read back; make the state directory "
		    "writable or set gateway.auth.token)", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		(void)unlinkat(dfd, tmp, 0);
		close(dfd);
		return -1;
	}
	(void)fsync(dfd);
	close(dfd);
	return 0;
}

static int
generated_token(struct master *m, char **out, struct cg_config_error *err)
{
	const char	*dir = m->cfg.state_dir;
	unsigned char	 raw[TOKEN_BYTES];
	char		 path[4200], tok[64];
	int		 rc;

	if ((rc = state_dir_open(m, !m->check_only, err)) == -1)
		return -1;
	if (rc >= 0)
		close(rc);
	snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE);
	if ((rc = read_token_file(path, out, err)) != 0)
		return rc < 0 ? -1 : 0;
	if (m->check_only)
		return 0;	/* -n reports; the first real start generates */
	randombytes_buf(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), tok, sizeof(tok));
	sodium_memzero(raw, sizeof(raw));
	rc = write_token_file(dir, path, tok, err);
	if (rc == 0) {
		*out = trimmed_dup(tok);
		m->secret.generated = 1;
	}
	sodium_memzero(tok, sizeof(tok));
	return rc;
}

static void
describe(struct master *m, struct candidate *c)
{
	struct resolved_secret *s = &m->secret;

	if (c != NULL && c->file != NULL)
		snprintf(s->source_desc, sizeof(s->source_desc), "file %s (%s)",
		    c->file, c->key);
	else if (c != NULL)
		snprintf(s->source_desc, sizeof(s->source_desc), "%s", c->name);
}

/*
 * Issue 10 item 15: a <stateDir>/gateway.token generated by an earlier
 * start, when another source is in use now, holds a token nobody
 * accepts, and the README tells users to read that file.  It is renamed
 * to gateway.token.stale-<UTC time>, with a log line, so that nobody
 * reads the wrong token from it and nothing is lost.  (Refusing to start
 * instead would break `clawgate config set gateway.auth.token
 * --generate` + reload on every install that ran once on the generated
 * token, and turn an upgrade into an outage for a file clawgated made
 * itself.)  The same token in both is no conflict; -n only reports.
 */
static void
stale_token_file(struct master *m, const struct candidate *t)
{
	struct cg_config_error	 e;
	struct tm		 tm;
	time_t			 now;
	char			 path[4200], stale[80], fa[FINGERPRINT_LEN + 32];
	char			 fb[FINGERPRINT_LEN + 32], *old = NULL;
	int			 dfd;

	snprintf(path, sizeof(path), "%s/%s", m->cfg.state_dir, TOKEN_FILE);
	if (read_token_file(path, &old, &e) != 1)
		return;		/* absent, or not ours: no token to hand out */
	if (strcmp(old, t->val) == 0)
		goto out;
	fp_note(m, t->val, fa, sizeof(fa));
	fp_note(m, old, fb, sizeof(fb));
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stale, sizeof(stale), TOKEN_FILE ".stale-%Y%m%dT%H%M%SZ", &tm);
	if (m->check_only) {
		log_warnx("%s%s is not the token in use (%s%s): the next start "
		    "renames it to %s", path, fb, t->name, fa, stale);
		goto out;
	}
	if ((dfd = safe_dir_open(m->cfg.state_dir, 0700, 0,
	    "clawgate.stateDir", e.msg, sizeof(e.msg))) == -1 ||
	    renameat(dfd, TOKEN_FILE, dfd, stale) == -1) {
		log_warn("%s%s is not the token in use (%s%s) and cannot be "
		    "renamed: delete it, clients that read it get the wrong "
		    "token", path, fb, t->name, fa);
		if (dfd != -1)
			close(dfd);
		goto out;
	}
	(void)fsync(dfd);
	close(dfd);
	log_warnx("%s%s held another token than the one in use (%s%s): "
	    "renamed to %s/%s so that nobody hands it out; delete it when no "
	    "client uses it", path, fb, t->name, fa, m->cfg.state_dir, stale);
out:
	sodium_memzero(old, strlen(old));
	free(old);
}

int
secret_resolve(struct master *m, struct cg_config_error *err)
{
	struct cg_config	*cfg = &m->cfg;
	struct resolved_secret	*s = &m->secret;
	struct candidate	 tok[NCAND], pw[NCAND], *t = NULL, *p = NULL;
	char			 tokfile[4200], tname[4200], pname[4200];
	int			 i, rc = -1;

	memset(s, 0, sizeof(*s));
	memset(tok, 0, sizeof(tok));
	memset(pw, 0, sizeof(pw));
	if (m->fp_key == NULL && secret_key_load(m, err) == -1)
		return -1;
	err->line = err->col = 0;
	cg_strlcpy(err->file, m->config_path, sizeof(err->file));
	tok[0] = (struct candidate){ "gateway.auth.token in the config file",
	    SECRET_CONFIG, trimmed_dup(cfg->auth_token), NULL, NULL };
	tok[1] = (struct candidate){ NULL, SECRET_FILE, NULL, NULL, NULL };
	tok[2] = (struct candidate){ "$CLAWGATE_GATEWAY_TOKEN",
	    SECRET_ENV_CLAWGATE, trimmed_dup(getenv("CLAWGATE_GATEWAY_TOKEN")),
	    NULL, NULL };
	tok[3] = (struct candidate){ "$OPENCLAW_GATEWAY_TOKEN",
	    SECRET_ENV_OPENCLAW, trimmed_dup(getenv("OPENCLAW_GATEWAY_TOKEN")),
	    NULL, NULL };
	pw[0] = (struct candidate){ "gateway.auth.password in the config file",
	    SECRET_CONFIG, trimmed_dup(cfg->auth_password), NULL, NULL };
	pw[1] = (struct candidate){ NULL, SECRET_FILE, NULL, NULL, NULL };
	pw[2] = (struct candidate){ "$CLAWGATE_GATEWAY_PASSWORD",
	    SECRET_ENV_CLAWGATE, trimmed_dup(getenv("CLAWGATE_GATEWAY_PASSWORD")),
	    NULL, NULL };
	pw[3] = (struct candidate){ "$OPENCLAW_GATEWAY_PASSWORD",
	    SECRET_ENV_OPENCLAW, trimmed_dup(getenv("OPENCLAW_GATEWAY_PASSWORD")),
	    NULL, NULL };

	/* A file only when its mode uses it: an unused one may be absent. */
	if ((!cfg->auth_mode_set || cfg->auth_mode == AUTHMODE_TOKEN) &&
	    file_candidate(&tok[1], "gateway.auth.tokenFile",
	    cfg->auth_token_file, tname, sizeof(tname), err) == -1)
		goto out;
	if ((!cfg->auth_mode_set || cfg->auth_mode == AUTHMODE_PASSWORD) &&
	    file_candidate(&pw[1], "gateway.auth.passwordFile",
	    cfg->auth_password_file, pname, sizeof(pname), err) == -1)
		goto out;
	if (pick(m, tok, NCAND, "token", &t, err) == -1 ||
	    pick(m, pw, NCAND, "password", &p, err) == -1)
		goto out;
	if (cfg->auth_mode_set)
		s->mode = cfg->auth_mode;
	else if (t != NULL && p != NULL) {
		snprintf(err->msg, sizeof(err->msg), "both a gateway token (%s) "
		    "and a password (%s) are set: set gateway.auth.mode to "
		    "\"token\" or \"password\" to say which one clients use",
		    t->name, p->name);
		goto out;
	} else
		s->mode = p != NULL ? AUTHMODE_PASSWORD : AUTHMODE_TOKEN;

	switch (s->mode) {
	case AUTHMODE_NONE:
		snprintf(s->source_desc, sizeof(s->source_desc),
		    "none (gateway.auth.mode is \"none\")");
		s->source = SECRET_NONE;
		break;
	case AUTHMODE_PASSWORD:
		if (p == NULL) {
			snprintf(err->msg, sizeof(err->msg), "gateway.auth.mode "
			    "is \"password\" but no password is set: set "
			    "gateway.auth.password or $CLAWGATE_GATEWAY_PASSWORD");
			goto out;
		}
		s->password = p->val;
		p->val = NULL;
		s->source = p->src;
		describe(m, p);
		fp_of(m, s->password, s->fingerprint);
		break;
	case AUTHMODE_TOKEN:
		if (t != NULL) {
			stale_token_file(m, t);
			s->token = t->val;
			t->val = NULL;
			s->source = t->src;
			describe(m, t);
		} else {
			if (generated_token(m, &s->token, err) == -1)
				goto out;
			s->source = SECRET_STATE_FILE;
			snprintf(tokfile, sizeof(tokfile), "%s/%s",
			    cfg->state_dir, TOKEN_FILE);
			snprintf(s->source_desc, sizeof(s->source_desc),
			    "%s %s", s->token == NULL ? "none yet: generated at "
			    "the first start into" : s->generated ?
			    "generated and persisted in" : "state file", tokfile);
		}
		if (s->token != NULL)
			fp_of(m, s->token, s->fingerprint);
		else
			cg_strlcpy(s->fingerprint, "-", sizeof(s->fingerprint));
		break;
	}
	rc = 0;
out:
	for (i = 0; i < NCAND; i++) {
		cand_free(&tok[i]);
		cand_free(&pw[i]);
	}
	return rc;
}

void
secret_wipe(struct resolved_secret *s)
{
	if (s->token != NULL) {
		sodium_memzero(s->token, strlen(s->token));
		free(s->token);
		s->token = NULL;
	}
	if (s->password != NULL) {
		sodium_memzero(s->password, strlen(s->password));
		free(s->password);
		s->password = NULL;
	}
}

int
secret_dashboard_url(struct master *m, char *buf, size_t len)
{
	const char	*host;
	char		 enc[3200];

	host = m->cfg.bind == BIND_CUSTOM ? m->cfg.custom_bind_host :
	    "127.0.0.1";
	if (m->secret.token == NULL) {
		snprintf(buf, len, "http://%s:%d%s/", host, m->cfg.port,
		    m->cfg.control_ui_base_path);
		return -1;
	}
	/* `#token=' keeps the secret out of every server's access log. */
	url_encode(m->secret.token, enc, sizeof(enc));
	snprintf(buf, len, "http://%s:%d%s/#token=%s", host, m->cfg.port,
	    m->cfg.control_ui_base_path, enc);
	sodium_memzero(enc, sizeof(enc));
	return 0;
}

/*
 * The tokenized dashboard URL goes to the terminal only: never to the
 * log, never into a file.
 */
void
secret_print_dashboard(struct master *m)
{
	char	url[4096];

	if (secret_dashboard_url(m, url, sizeof(url)) == -1)
		return;
	fprintf(stdout, "\nclawgate is ready. Open the dashboard (this link "
	    "contains the gateway token; keep it private):\n\n    %s\n\n"
	    "Token source: %s. `clawgate dashboard` prints this link "
	    "again.\n\n", url, m->secret.source_desc);
	fflush(stdout);
	sodium_memzero(url, sizeof(url));
}

int
secret_rotate(struct master *m, char *err, size_t errlen)
{
	struct cg_config_error	 e;
	unsigned char		 raw[TOKEN_BYTES];
	char			 path[4200], tok[64];

	if (m->secret.mode != AUTHMODE_TOKEN ||
	    m->secret.source != SECRET_STATE_FILE) {
		snprintf(err, errlen, "the gateway token comes from %s: change "
		    "it there and run `clawgate gateway reload` (clawgate rotates "
		    "only a token it generated itself)", m->secret.source_desc);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", m->cfg.state_dir, TOKEN_FILE);
	randombytes_buf(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), tok, sizeof(tok));
	sodium_memzero(raw, sizeof(raw));
	memset(&e, 0, sizeof(e));
	if (write_token_file(m->cfg.state_dir, path, tok, &e) == -1) {
		snprintf(err, errlen, "%s", e.msg);
		sodium_memzero(tok, sizeof(tok));
		return -1;
	}
	secret_wipe(&m->secret);
	m->secret.token = trimmed_dup(tok);
	sodium_memzero(tok, sizeof(tok));
	fp_of(m, m->secret.token, m->secret.fingerprint);
	return 0;
}
