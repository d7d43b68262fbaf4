/*
 * secret.c: decide, once, which shared secret this gateway uses and say
 * where it came from.
 *
 * Precedence (clawgated.conf(5)): gateway.auth.token in the config file,
 * then CLAWGATE_GATEWAY_TOKEN, then OPENCLAW_GATEWAY_TOKEN, then the token
 * generated on first start and persisted in <stateDir>/gateway.token.
 * Two sources that are both set and disagree are an error: clawgated
 * refuses to guess (the reference silently prefers one).  Passwords work
 * the same way, without a generated fallback.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

#define TOKEN_FILE	"gateway.token"
#define TOKEN_BYTES	32

/* A candidate secret: trimmed copy, or NULL when absent/blank. */
struct candidate {
	const char	*name;		/* where it came from, for messages */
	enum cg_secret_source src;
	char		*val;
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

static void
fp_of(const char *s, char out[FINGERPRINT_LEN + 1])
{
	secret_fingerprint(s, strlen(s), out);
}

/*
 * Pick the first present candidate; any other present one that differs
 * is a conflict the operator must resolve.
 */
static int
pick(struct candidate *c, int n, const char *what, struct candidate **out,
    struct cg_config_error *err)
{
	char	fa[FINGERPRINT_LEN + 1], fb[FINGERPRINT_LEN + 1];
	int	i, first = -1;

	for (i = 0; i < n; i++) {
		if (c[i].val == NULL)
			continue;
		if (first == -1) {
			first = i;
			continue;
		}
		if (strcmp(c[first].val, c[i].val) != 0) {
			fp_of(c[first].val, fa);
			fp_of(c[i].val, fb);
			snprintf(err->msg, sizeof(err->msg), "two different "
			    "gateway %ss are set: %s (fingerprint %s) and %s "
			    "(fingerprint %s). clawgated uses exactly one "
			    "source: remove one of them (unset the variable, "
			    "or delete the key from the config)", what,
			    c[first].name, fa, c[i].name, fb);
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
	char	tmp[4200];
	int	fd, dfd;
	size_t	len = strlen(tok);

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, tok, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		snprintf(err->msg, sizeof(err->msg), "cannot persist the "
		    "generated token in %s: %s (clawgated never runs with a "
		    "secret nobody can read back; make the state directory "
		    "writable or set gateway.auth.token)", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int
generated_token(struct master *m, char **out, struct cg_config_error *err)
{
	const char	*dir = m->cfg.state_dir;
	unsigned char	 raw[TOKEN_BYTES];
	char		 path[4200], tok[64];
	int		 rc;

	if (!m->check_only && mkdir_p(dir, 0700) == -1) {
		snprintf(err->msg, sizeof(err->msg), "cannot create state "
		    "directory %s: %s (set clawgate.stateDir)", dir,
		    strerror(errno));
		return -1;
	}
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

	if (c != NULL)
		snprintf(s->source_desc, sizeof(s->source_desc), "%s", c->name);
}

int
secret_resolve(struct master *m, struct cg_config_error *err)
{
	struct cg_config	*cfg = &m->cfg;
	struct resolved_secret	*s = &m->secret;
	struct candidate	 tok[3], pw[3], *t = NULL, *p = NULL;
	char			 tokfile[4200];
	int			 i, rc = -1;

	memset(s, 0, sizeof(*s));
	err->line = err->col = 0;
	cg_strlcpy(err->file, m->config_path, sizeof(err->file));
	tok[0] = (struct candidate){ "gateway.auth.token in the config file",
	    SECRET_CONFIG, trimmed_dup(cfg->auth_token) };
	tok[1] = (struct candidate){ "$CLAWGATE_GATEWAY_TOKEN",
	    SECRET_ENV_CLAWGATE, trimmed_dup(getenv("CLAWGATE_GATEWAY_TOKEN")) };
	tok[2] = (struct candidate){ "$OPENCLAW_GATEWAY_TOKEN",
	    SECRET_ENV_OPENCLAW, trimmed_dup(getenv("OPENCLAW_GATEWAY_TOKEN")) };
	pw[0] = (struct candidate){ "gateway.auth.password in the config file",
	    SECRET_CONFIG, trimmed_dup(cfg->auth_password) };
	pw[1] = (struct candidate){ "$CLAWGATE_GATEWAY_PASSWORD",
	    SECRET_ENV_CLAWGATE, trimmed_dup(getenv("CLAWGATE_GATEWAY_PASSWORD")) };
	pw[2] = (struct candidate){ "$OPENCLAW_GATEWAY_PASSWORD",
	    SECRET_ENV_OPENCLAW, trimmed_dup(getenv("OPENCLAW_GATEWAY_PASSWORD")) };

	if (pick(tok, 3, "token", &t, err) == -1 ||
	    pick(pw, 3, "password", &p, err) == -1)
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
		fp_of(s->password, s->fingerprint);
		break;
	case AUTHMODE_TOKEN:
		if (t != NULL) {
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
			fp_of(s->token, s->fingerprint);
		else
			cg_strlcpy(s->fingerprint, "-", sizeof(s->fingerprint));
		break;
	}
	rc = 0;
out:
	for (i = 0; i < 3; i++) {
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
	fp_of(m->secret.token, m->secret.fingerprint);
	return 0;
}
