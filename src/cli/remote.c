/*
 * remote.c: clawgate(1) over the gateway's WebSocket (remote.h).
 *
 * The CLI is an ordinary operator client here, with the least privilege
 * each command needs (protocol.md §9): its own Ed25519 identity signs the
 * v3 payload of every connect, a device token from hello-ok is kept per
 * gateway URL so that later commands need no secret, and the gateway's
 * errors are shown with its exact message plus what to do about it.
 *
 * Files (mode 0600, in a directory only we can write):
 *   identity.json       {"version":1,"deviceId","publicKey","privateKey"
 *                        (the 32-byte seed, base64url),"createdAtMs"}
 *   device-tokens.json  {"version":1,"tokens":{"<ws://host:port/path>":
 *                        {"deviceId","role","token","scopes","issuedAtMs",
 *                        "savedAtMs"}}}
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authproto.h"
#include "clawgate.h"
#include "cli.h"
#include "devsig.h"
#include "remote.h"
#include "util.h"
#include "wsc.h"

#define IDENTITY_FILE	"identity.json"
#define TOKENS_FILE	"device-tokens.json"
#define MAX_FILE	(1 << 20)
#define MAX_NONCE	256
#define MAX_SKIPPED	256	/* other frames skipped while waiting */
#define CLIENT_ID	"cli"
#define CLIENT_MODE	"cli"
#define PLATFORM	"linux"
#define DEVICE_FAMILY	"Linux"

struct ident {
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES];
	char		 id[65];
	char		 pub[64];		/* base64url, 43 chars */
	char		 dir[PATH_MAX];
	char		 path[PATH_MAX];	/* identity.json */
	char		 store[PATH_MAX];	/* device-tokens.json */
	int		 created;
};

struct cred {
	char		*token;		/* shared secrets to send */
	char		*password;
	char		*device_token;	/* stored for this URL */
	json_t		*stored_scopes;	/* issued with */
	char		 source[PATH_MAX + 96];
};

struct remote {
	struct cli	*c;
	struct wsc	*ws;
	struct wsc_url	 url;
	struct ident	 id;
	struct cred	 cred;
	json_t		*scopes;		/* requested */
	json_t		*hello;		/* without deviceToken */
	int		 seq;
	char		 nonce[MAX_NONCE + 1];
	json_int_t	 challenge_ts;
	char		 method[32];	/* hello-ok auth.method */
};

/* ---- options ------------------------------------------------------------- */

int
remote_opt(struct remote_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case OPT_URL:
		o->url = arg;
		return 1;
	case OPT_BIND:
		o->bind_addr = arg;
		return 1;
	case OPT_TOKEN_FILE:
		o->token_file = arg;
		return 1;
	case OPT_PASSWORD_FILE:
		o->password_file = arg;
		return 1;
	case OPT_TOKEN_ARGV:
	case OPT_PASSWORD_ARGV:
		/* The value is never echoed: it is the secret. */
		cli_warnx("refusing --%s VALUE: a secret on the command line "
		    "is kept in the shell history and visible in ps(1). Use "
		    "--%s-file FILE (mode 0600), --%s-file - to read it from "
		    "stdin, or $CLAWGATE_GATEWAY_%s", ch == OPT_TOKEN_ARGV ?
		    "token" : "password", ch == OPT_TOKEN_ARGV ? "token" :
		    "password", ch == OPT_TOKEN_ARGV ? "token" : "password",
		    ch == OPT_TOKEN_ARGV ? "TOKEN" : "PASSWORD");
		return -1;
	default:
		return 0;
	}
}

int
remote_check(const struct remote_opts *o)
{
	const char	*what = o->token_file != NULL ? "--token-file" :
			    o->password_file != NULL ? "--password-file" :
			    o->bind_addr != NULL ? "--bind" : NULL;

	if (o->url == NULL && what != NULL) {
		cli_warnx("%s is only for --url: through the local control "
		    "socket clawgate needs no secret", what);
		return -1;
	}
	if (o->token_file != NULL && o->password_file != NULL) {
		cli_warnx("give one of --token-file and --password-file");
		return -1;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------- */

static const char *
js(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* Printable ASCII copy of what a peer sent, for the terminal. */
static const char *
clean(const char *in, char *out, size_t len)
{
	size_t	i;

	for (i = 0; in != NULL && in[i] != '\0' && i + 1 < len; i++)
		out[i] = (unsigned char)in[i] < 0x20 ||
		    (unsigned char)in[i] == 0x7f ? '?' : in[i];
	out[len > 0 ? i : 0] = '\0';
	return out;
}

/* Overwrite every string in `v' before it is freed: tokens live there. */
static void
json_wipe(json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i;

	if (json_is_string(v))
		sodium_memzero((char *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
	else if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			json_wipe(e);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			json_wipe(e);
	}
}

static void
free_secret(char **s)
{
	if (*s != NULL) {
		sodium_memzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* "a, b" from a JSON array of strings; "-" when empty. */
static void
join(const json_t *a, const char *sep, char *buf, size_t len)
{
	const json_t	*v;
	size_t		 i, o = 0;
	char		 t[128];

	buf[0] = '\0';
	json_array_foreach(a, i, v)
		if (json_is_string(v) && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? sep : "", clean(json_string_value(v), t,
			    sizeof(t)));
	if (buf[0] == '\0' && sep[0] != ',')
		cg_strlcpy(buf, "-", len);
}

/* A request id as the reference echoes one: [A-Za-z0-9][A-Za-z0-9._:-]*. */
static int
safe_id(const char *s, size_t max)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || strlen(s) > max ||
	    !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._:-", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* A device token: base64url (or at least URL- and shell-safe) text. */
static int
token_ok(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0' || strlen(s) > AUTH_MAX_SECRET)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("-_.~", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* ---- private files ------------------------------------------------------- */

static int
config_dir(char *buf, size_t len, char *err, size_t errlen)
{
	const char	*x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	struct passwd	*pw;
	int		 n;

	if (x != NULL && x[0] == '/')
		n = snprintf(buf, len, "%s/clawgate", x);
	else {
		if ((h == NULL || h[0] != '/') &&
		    (pw = getpwuid(getuid())) != NULL)
			h = pw->pw_dir;
		if (h == NULL || h[0] != '/') {
			snprintf(err, errlen, "no home directory to keep this "
			    "CLI's identity in: set $XDG_CONFIG_HOME or $HOME");
			return -1;
		}
		n = snprintf(buf, len, "%s/.config/clawgate", h);
	}
	if (n < 0 || (size_t)n >= len - 32) {
		snprintf(err, errlen, "the configuration directory's path is "
		    "too long");
		return -1;
	}
	return 0;
}

/* Create the directory if needed; refuse one that others may write. */
static int
private_dir(const char *dir, char *err, size_t errlen)
{
	struct stat	st;

	if (mkdir_p(dir, 0700) == -1) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if (st.st_uid != getuid() || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s is %s: anyone who can write there "
		    "could replace this CLI's identity. Fix it (chown to you, "
		    "chmod 700) or set $XDG_CONFIG_HOME", dir,
		    st.st_uid != getuid() ? "owned by someone else" :
		    "writable by others");
		return -1;
	}
	return 0;
}

/*
 * A whole file that must be ours and private: malloc'd, NUL-terminated.
 * NULL with *missing set when it does not exist, else with `err'.
 */
static char *
read_private(const char *path, size_t *lenp, int *missing, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	*missing = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			*missing = 1;
		else
			snprintf(err, errlen, "cannot open %s: %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAX_FILE) {
		snprintf(err, errlen, "%s is not a regular file of at most "
		    "1 MiB", path);
		goto fail;
	}
	if (st.st_uid != getuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s is %s (mode %04o): it holds a "
		    "private key or device token. Run `chmod 600 %s`%s", path,
		    st.st_uid != getuid() ? "owned by someone else" :
		    "accessible by others", (unsigned)(st.st_mode & 07777),
		    path, st.st_uid != getuid() ? " as its owner, or remove it"
		    : ", and if others may have read it, remove it and pair "
		    "again");
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (len < (size_t)st.st_size && (n = read(fd, buf + len,
	    (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "read %s: %s", path,
			    strerror(errno));
			sodium_memzero(buf, len);
			free(buf);
			buf = NULL;
			goto fail;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	*lenp = len;
	close(fd);
	return buf;
fail:
	close(fd);
	return NULL;
}

/*
 * Write `text' to a new 0600 file beside `path', then put it in place:
 * rename(2), or link(2) when `exclusive' (never replace: two first runs
 * at once must end with one identity).  1 = `path' already existed.
 */
static int
write_private(const char *dir, const char *path, const char *text,
    size_t len, int exclusive, char *err, size_t errlen)
{
	char	 tmp[PATH_MAX];
	size_t	 o = 0;
	ssize_t	 n;
	int	 fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir,
	    strrchr(path, '/') + 1) >= (int)sizeof(tmp) ||
	    (fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "cannot create a file in %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	(void)fchmod(fd, 0600);
	while (o < len) {
		if ((n = write(fd, text + o, len - o)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		o += (size_t)n;
	}
	if (o < len || fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (exclusive) {
		if (link(tmp, path) == -1) {
			if (errno == EEXIST)
				r = 1;
			else {
				snprintf(err, errlen, "cannot create %s: %s",
				    path, strerror(errno));
				r = -1;
			}
		}
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "cannot replace %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		r = -1;
	}
	return r;
}

/* ---- identity ------------------------------------------------------------ */

static void
ident_derive(struct ident *id, const unsigned char seed[32])
{
	unsigned char	h[crypto_hash_sha256_BYTES];

	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	crypto_hash_sha256(h, id->pk, sizeof(id->pk));
	sodium_bin2hex(id->id, sizeof(id->id), h, sizeof(h));
	sodium_bin2base64(id->pub, sizeof(id->pub), id->pk, sizeof(id->pk),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int
ident_parse(struct ident *id, const char *text, size_t len, char *err,
    size_t errlen)
{
	json_t		*o;
	unsigned char	 seed[32];
	size_t		 n = 0;
	int		 ok;

	if ((o = json_loadb(text, len, 0, NULL)) == NULL ||
	    json_integer_value(json_object_get(o, "version")) != 1 ||
	    sodium_base642bin(seed, sizeof(seed), js(o, "privateKey"),
	    strlen(js(o, "privateKey")), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof(seed)) {
		snprintf(err, errlen, "%s is not a clawgate identity (version "
		    "1 with a 32-byte privateKey); move it away to create a "
		    "new one (the gateway then sees a new device to pair)",
		    id->path);
		json_wipe(o);
		json_decref(o);
		return -1;
	}
	ident_derive(id, seed);
	sodium_memzero(seed, sizeof(seed));
	ok = strcmp(js(o, "publicKey"), id->pub) == 0 &&
	    strcmp(js(o, "deviceId"), id->id) == 0;
	json_wipe(o);
	json_decref(o);
	if (!ok) {
		snprintf(err, errlen, "%s: deviceId or publicKey does not "
		    "belong to its privateKey; the file was edited or "
		    "damaged. Move it away to create a new identity", id->path);
		return -1;
	}
	return 0;
}

static int
ident_create(struct ident *id, char *err, size_t errlen)
{
	unsigned char	 seed[32];
	char		 priv[64];
	json_t		*o;
	char		*text;
	int		 r;

	randombytes_buf(seed, sizeof(seed));
	ident_derive(id, seed);
	sodium_bin2base64(priv, sizeof(priv), seed, sizeof(seed),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(seed, sizeof(seed));
	o = json_pack("{s:i, s:s, s:s, s:s, s:I}", "version", 1, "deviceId",
	    id->id, "publicKey", id->pub, "privateKey", priv, "createdAtMs",
	    (json_int_t)now_ms());
	sodium_memzero(priv, sizeof(priv));
	text = o != NULL ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_wipe(o);
	json_decref(o);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = write_private(id->dir, id->path, text, strlen(text), 1, err,
	    errlen);
	sodium_memzero(text, strlen(text));
	free(text);
	id->created = r == 0;
	return r;
}

/* Load this CLI's identity, creating it on first use. */
static int
ident_load(struct ident *id, char *err, size_t errlen)
{
	char	*text;
	size_t	 len;
	int	 missing, tries;

	memset(id, 0, sizeof(*id));
	if (config_dir(id->dir, sizeof(id->dir), err, errlen) == -1 ||
	    private_dir(id->dir, err, errlen) == -1)
		return -1;
	snprintf(id->path, sizeof(id->path), "%s/" IDENTITY_FILE, id->dir);
	snprintf(id->store, sizeof(id->store), "%s/" TOKENS_FILE, id->dir);
	for (tries = 0; tries < 2; tries++) {
		text = read_private(id->path, &len, &missing, err, errlen);
		if (text != NULL) {
			int r = ident_parse(id, text, len, err, errlen);

			sodium_memzero(text, len);
			free(text);
			return r;
		}
		if (!missing)
			return -1;
		/* 1: another clawgate created it meanwhile; read that one. */
		if (ident_create(id, err, errlen) != 1)
			return id->created ? 0 : -1;
	}
	snprintf(err, errlen, "%s: cannot create or read it", id->path);
	return -1;
}

static void
ident_wipe(struct ident *id)
{
	sodium_memzero(id->sk, sizeof(id->sk));
}

/* ---- device tokens, per gateway URL -------------------------------------- */

/* The whole store; an empty one when there is no file yet. */
static json_t *
store_read(const struct ident *id, char *err, size_t errlen)
{
	json_t	*o;
	char	*text;
	size_t	 len;
	int	 missing;

	if ((text = read_private(id->store, &len, &missing, err, errlen)) ==
	    NULL)
		return missing ? json_pack("{s:i, s:{}}", "version", 1,
		    "tokens") : NULL;
	o = json_loadb(text, len, 0, NULL);
	sodium_memzero(text, len);
	free(text);
	if (!json_is_object(json_object_get(o, "tokens"))) {
		json_wipe(o);
		json_decref(o);
		snprintf(err, errlen, "%s is damaged; remove it (the gateways "
		    "then need the secret once more)", id->store);
		return NULL;
	}
	return o;
}

/* The entry for `url' if it belongs to this identity (new ref). */
static json_t *
store_get(const struct ident *id, const char *url)
{
	json_t	*all, *e;
	char	 err[256];

	if ((all = store_read(id, err, sizeof(err))) == NULL) {
		cli_warnx("warning: %s", err);
		return NULL;
	}
	e = json_object_get(json_object_get(all, "tokens"), url);
	if (e != NULL && strcmp(js(e, "deviceId"), id->id) == 0 &&
	    token_ok(js(e, "token")))
		e = json_deep_copy(e);
	else
		e = NULL;
	json_wipe(all);
	json_decref(all);
	return e;
}

/* Set (entry) or drop (NULL) the token for `url', under a lock. */
static int
store_put(const struct ident *id, const char *url, json_t *entry)
{
	json_t	*all;
	char	 err[512], *text;
	int	 dfd, r = -1;

	if ((dfd = open(id->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    flock(dfd, LOCK_EX) == -1) {
		cli_warnx("warning: cannot lock %s: %s", id->dir,
		    strerror(errno));
		if (dfd != -1)
			close(dfd);
		return -1;
	}
	if ((all = store_read(id, err, sizeof(err))) == NULL)
		goto out;
	if (entry != NULL)
		json_object_set(json_object_get(all, "tokens"), url, entry);
	else if (json_object_del(json_object_get(all, "tokens"), url) != 0) {
		r = 0;		/* nothing stored: nothing to write */
		goto out;
	}
	if ((text = json_dumps(all, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else {
		r = write_private(id->dir, id->store, text, strlen(text), 0,
		    err, sizeof(err));
		sodium_memzero(text, strlen(text));
		free(text);
	}
out:
	if (r != 0)
		cli_warnx("warning: device token not saved: %s", err);
	if (all != NULL && entry != NULL)
		json_object_del(json_object_get(all, "tokens"), url);
	json_wipe(all);
	json_decref(all);
	close(dfd);
	return r;
}

/* ---- credentials --------------------------------------------------------- */

static int
blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/*
 * $CLAWGATE_GATEWAY_<KIND>, else $OPENCLAW_GATEWAY_<KIND>; both set and
 * different is refused (struggle 1: one source, never a guess).
 */
static int
env_secret(const char *kind, char **out, char *src, size_t srclen, char *err,
    size_t errlen)
{
	char		 a[64], b[64];
	const char	*va, *vb;
	size_t		 n;

	snprintf(a, sizeof(a), "CLAWGATE_GATEWAY_%s", kind);
	snprintf(b, sizeof(b), "OPENCLAW_GATEWAY_%s", kind);
	va = blank(getenv(a)) ? NULL : getenv(a);
	vb = blank(getenv(b)) ? NULL : getenv(b);
	if (va != NULL && vb != NULL && strcmp(va, vb) != 0) {
		snprintf(err, errlen, "$%s and $%s are both set and differ; "
		    "unset the one that is not this gateway's (on the gateway "
		    "host, `clawgate token fingerprint` tells which one it is)",
		    a, b);
		return -1;
	}
	if (va == NULL && vb == NULL)
		return 0;
	if (strlen(va != NULL ? va : vb) > AUTH_MAX_SECRET) {
		snprintf(err, errlen, "$%s is longer than %d bytes",
		    va != NULL ? a : b, AUTH_MAX_SECRET);
		return -1;
	}
	if ((*out = strdup(va != NULL ? va : vb)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = strlen(src);
	snprintf(src + n, srclen - n, "%s$%s", n ? " and " : "",
	    va != NULL ? a : b);
	return 0;
}

static int
file_secret(const char *file, const char *what, char **out, char *src,
    size_t srclen, char *err, size_t errlen)
{
	if ((*out = secret_read(file, err, errlen)) == NULL)
		return -1;
	if (blank(*out)) {
		snprintf(err, errlen, "%s is empty", strcmp(file, "-") ? file :
		    "stdin");
		free_secret(out);
		return -1;
	}
	if (strcmp(file, "-") == 0)
		snprintf(src, srclen, "the %s read from stdin", what);
	else
		snprintf(src, srclen, "the %s in %s", what, file);
	return 0;
}

static int
cred_load(struct remote *r, const struct remote_opts *o, char *err,
    size_t errlen)
{
	struct cred	*cr = &r->cred;
	char		 src[sizeof(cr->source)] = "";
	json_t		*e;

	if (o->token_file != NULL) {
		if (file_secret(o->token_file, "token", &cr->token,
		    cr->source, sizeof(cr->source), err, errlen) == -1)
			return -1;
	} else if (o->password_file != NULL) {
		if (file_secret(o->password_file, "password", &cr->password,
		    cr->source, sizeof(cr->source), err, errlen) == -1)
			return -1;
	} else {
		if (env_secret("TOKEN", &cr->token, src, sizeof(src), err,
		    errlen) == -1 || env_secret("PASSWORD", &cr->password,
		    src, sizeof(src), err, errlen) == -1)
			return -1;
		if (src[0] != '\0')
			snprintf(cr->source, sizeof(cr->source), "%s", src);
	}
	if ((e = store_get(&r->id, r->url.canon)) == NULL)
		return 0;
	/* A copy: `e' is wiped below. */
	cr->stored_scopes = json_deep_copy(json_object_get(e, "scopes"));
	if (cr->token == NULL && cr->password == NULL) {
		if ((cr->device_token = strdup(js(e, "token"))) == NULL) {
			snprintf(err, errlen, "out of memory");
			json_wipe(e);
			json_decref(e);
			return -1;
		}
		snprintf(cr->source, sizeof(cr->source), "this CLI's device "
		    "token for %s (from %s)", r->url.canon, r->id.store);
	}
	json_wipe(e);
	json_decref(e);
	return 0;
}

/*
 * The scopes to ask for: what the command needs and, when a secret is
 * sent (the gateway then issues a token for exactly these), also what
 * the stored device token held, so that the new token still serves the
 * commands that worked before.  With the device token alone, only what
 * is needed: a token never widens.
 */
static int
want_scopes(struct remote *r, const char *const *scopes, int n)
{
	const json_t	*v;
	json_t		*s;
	size_t		 i, k;
	int		 j, have;

	if ((r->scopes = json_array()) == NULL)
		return -1;
	for (j = 0; j < n; j++)
		json_array_append_new(r->scopes, json_string(scopes[j]));
	if (r->cred.device_token != NULL)
		return 0;
	json_array_foreach(r->cred.stored_scopes, i, v) {
		if (!safe_id(json_string_value(v), 64) ||
		    strncmp(json_string_value(v), "operator.", 9) != 0 ||
		    json_array_size(r->scopes) >= 16)
			continue;
		have = 0;
		json_array_foreach(r->scopes, k, s)
			have |= json_equal(s, v);
		if (!have)
			json_array_append(r->scopes, (json_t *)v);
	}
	return 0;
}

static void
cred_free(struct cred *cr)
{
	free_secret(&cr->token);
	free_secret(&cr->password);
	free_secret(&cr->device_token);
	json_decref(cr->stored_scopes);
	cr->stored_scopes = NULL;
}

/* ---- frames -------------------------------------------------------------- */

static int
send_json(struct remote *r, json_t *frame, char *err, size_t errlen)
{
	char	*text;
	int	 rc;

	if ((text = json_dumps(frame, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = wsc_send_text(r->ws, text, strlen(text), r->c->timeout_ms, err,
	    errlen);
	sodium_memzero(text, strlen(text));
	free(text);
	return rc;
}

/* The next JSON frame; NULL with `err' (closed: the close in it). */
static json_t *
recv_json(struct remote *r, int *closed, char *err, size_t errlen)
{
	enum wsc_rc	 rc;
	json_t		*j;
	char		*m;
	size_t		 n;

	*closed = 0;
	rc = wsc_recv(r->ws, &m, &n, r->c->timeout_ms, err, errlen);
	if (rc == WSC_CLOSED) {
		*closed = 1;
		snprintf(err, errlen, "the gateway closed the connection (%d%s"
		    "%s)", wsc_close_code(r->ws), wsc_close_reason(r->ws)[0] ?
		    " " : "", wsc_close_reason(r->ws));
		return NULL;
	}
	if (rc != WSC_MSG)
		return NULL;
	j = json_loadb(m, n, JSON_REJECT_DUPLICATES, NULL);
	sodium_memzero(m, n);
	free(m);
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "the gateway sent a frame that is not "
		    "a JSON object");
		return NULL;
	}
	return j;
}

/* The res to request `id'; events and other frames are skipped. */
static json_t *
await_res(struct remote *r, const char *id, int *closed, char *err,
    size_t errlen)
{
	json_t	*j;
	int	 i;

	for (i = 0; i < MAX_SKIPPED; i++) {
		if ((j = recv_json(r, closed, err, errlen)) == NULL)
			return NULL;
		if (strcmp(js(j, "type"), "res") == 0 &&
		    strcmp(js(j, "id"), id) == 0)
			return j;
		json_decref(j);
	}
	snprintf(err, errlen, "no answer among %d frames from the gateway",
	    MAX_SKIPPED);
	return NULL;
}

static void
next_id(struct remote *r, char *buf, size_t len)
{
	char	u[37];

	uuid_v4(u);
	snprintf(buf, len, "%d:%s", ++r->seq, u);
}

/* ---- the handshake ------------------------------------------------------- */

static int
await_challenge(struct remote *r, char *err, size_t errlen)
{
	json_t		*j, *p;
	const char	*nonce;
	size_t		 nl;
	int		 i, closed;

	for (i = 0; i < MAX_SKIPPED; i++) {
		if ((j = recv_json(r, &closed, err, errlen)) == NULL) {
			if (!closed && strncmp(err, "no answer", 9) == 0)
				snprintf(err, errlen, "no connect.challenge "
				    "from %s within %d s: is this an OpenClaw "
				    "gateway?", r->url.canon,
				    r->c->timeout_ms / 1000);
			return -1;
		}
		p = json_object_get(j, "payload");
		if (strcmp(js(j, "type"), "event") != 0 ||
		    strcmp(js(j, "event"), "connect.challenge") != 0) {
			json_decref(j);
			continue;
		}
		nonce = js(p, "nonce");
		nonce += strspn(nonce, " \t\r\n");
		nl = strlen(nonce);
		while (nl > 0 && isspace((unsigned char)nonce[nl - 1]))
			nl--;
		if (nl == 0 || nl > MAX_NONCE || memchr(nonce, '|', nl) ||
		    !json_is_integer(json_object_get(p, "ts")) ||
		    json_integer_value(json_object_get(p, "ts")) < 0) {
			json_decref(j);
			snprintf(err, errlen, "the gateway's connect.challenge "
			    "has no usable nonce or ts");
			return -1;
		}
		memcpy(r->nonce, nonce, nl);
		r->nonce[nl] = '\0';
		r->challenge_ts = json_integer_value(json_object_get(p, "ts"));
		json_decref(j);
		return 0;
	}
	snprintf(err, errlen, "no connect.challenge from the gateway");
	return -1;
}

/* The v3 payload (devsig.c), signed; `token' is the one auth carries. */
static json_t *
device_block(struct remote *r, const char *token, char *err, size_t errlen)
{
	struct devsig_str	 sc[32];
	struct devsig		 d;
	char			 sigb[DEVSIG_B64_LEN];
	size_t			 i, n = json_array_size(r->scopes);

	if (n > sizeof(sc) / sizeof(sc[0])) {
		snprintf(err, errlen, "too many scopes");
		return NULL;
	}
	for (i = 0; i < n; i++)
		sc[i] = devsig_s(json_string_value(json_array_get(r->scopes,
		    i)));
	memset(&d, 0, sizeof(d));
	d.v3 = 1;
	d.device_id = devsig_s(r->id.id);
	d.client_id = devsig_s(CLIENT_ID);
	d.client_mode = devsig_s(CLIENT_MODE);
	d.role = devsig_s("operator");
	d.scopes = sc;
	d.nscopes = n;
	d.signed_at = (uint64_t)r->challenge_ts;
	d.token = devsig_s(token);
	d.nonce = devsig_s(r->nonce);
	d.platform = devsig_s(PLATFORM);
	d.family = devsig_s(DEVICE_FAMILY);
	if (devsig_sign(&d, r->id.sk, sigb, sizeof(sigb)) == -1) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:I, s:s}", "id", r->id.id,
	    "publicKey", r->id.pub, "signature", sigb, "signedAt",
	    r->challenge_ts, "nonce", r->nonce);
}

/* "clawgate@host": what `devices list' shows for this device. */
static void
display_name(char *buf, size_t len)
{
	char	h[64] = "";
	size_t	i;

	(void)gethostname(h, sizeof(h) - 1);
	for (i = 0; h[i] != '\0'; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.')
			h[i] = '_';
	snprintf(buf, len, "clawgate@%s", h[0] ? h : "localhost");
}

static json_t *
connect_frame(struct remote *r, const char *id, char *err, size_t errlen)
{
	struct cred		*cr = &r->cred;
	struct devsig_str	 tok;
	json_t			*params, *auth, *dev;
	const char		*dtok;
	char			 iid[37], dn[96];

	/* The stored device token goes only where no secret is sent. */
	dtok = cr->token == NULL && cr->password == NULL ? cr->device_token :
	    NULL;
	auth = json_object();
	if (cr->token != NULL)
		json_object_set_new(auth, "token", json_string(cr->token));
	if (cr->password != NULL)
		json_object_set_new(auth, "password",
		    json_string(cr->password));
	if (dtok != NULL)
		json_object_set_new(auth, "deviceToken", json_string(dtok));
	tok = devsig_token(devsig_s(cr->token), devsig_s(dtok),
	    devsig_s(NULL));
	dev = device_block(r, tok.p, err, errlen);
	uuid_v4(iid);
	display_name(dn, sizeof(dn));
	params = json_pack("{s:i, s:i, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s},"
	    " s:[], s:s, s:o, s:o, s:o}", "minProtocol", CG_PROTOCOL,
	    "maxProtocol", CG_PROTOCOL, "client", "id", CLIENT_ID,
	    "displayName", dn, "version", CG_VERSION, "platform", PLATFORM,
	    "deviceFamily", DEVICE_FAMILY, "mode", CLIENT_MODE, "instanceId",
	    iid, "caps", "role", "operator", "scopes",
	    json_deep_copy(r->scopes), "auth", auth, "device", dev);
	if (params == NULL) {
		if (dev != NULL)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (json_object_size(auth) == 0)
		json_object_del(params, "auth");
	return json_pack("{s:s, s:s, s:s, s:o}", "type", "req", "id", id,
	    "method", "connect", "params", params);
}

/* ---- explaining a failed connect ----------------------------------------- */

static void
hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
hint(const char *fmt, ...)
{
	va_list	ap;

	fputs("  ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Other gateway URLs this identity holds a device token for. */
static void
other_urls(const struct remote *r)
{
	json_t		*all, *e;
	const char	*k;
	char		 err[256], t[512];

	if ((all = store_read(&r->id, err, sizeof(err))) == NULL)
		return;
	json_object_foreach(json_object_get(all, "tokens"), k, e)
		if (strcmp(js(e, "deviceId"), r->id.id) == 0 &&
		    strcmp(k, r->url.canon) != 0)
			hint("A device token is stored for %s, not for %s: "
			    "tokens are kept per URL as written; if that is "
			    "the same gateway, use that URL.", clean(k, t,
			    sizeof(t)), r->url.canon);
	json_wipe(all);
	json_decref(all);
}

/* operations.md struggle 15: --url and no credential at all. */
static void
explain_no_credential(struct remote *r)
{
	struct cg_config	 cfg;
	struct cg_config_error	 ce;
	struct stat		 st;
	char			 path[PATH_MAX + 32];
	int			 found = 0;

	hint("No credential was sent: with --url, clawgate sends only "
	    "--token-file/--password-file, $CLAWGATE_GATEWAY_TOKEN or "
	    "$OPENCLAW_GATEWAY_TOKEN (or *_PASSWORD), or a device token it "
	    "stored for that exact URL; none of them was there.");
	if (cfg_load(r->c, &cfg, &ce) == 0) {
		const char *k = cfg.auth_token != NULL ? "gateway.auth.token" :
		    cfg.auth_password != NULL ? "gateway.auth.password" : NULL;

		if (k != NULL) {
			hint("Not sent: %s in %s. It is the secret of the "
			    "gateway this host's configuration describes, and "
			    "--url may name another one, so clawgate never "
			    "sends it on its own.", k, r->c->config_path);
			found = 1;
		}
		snprintf(path, sizeof(path), "%s/gateway.token", cfg.state_dir);
		if (k == NULL && stat(path, &st) == 0) {
			hint("Not sent: the generated token in %s%s, for the "
			    "same reason.", path, access(path, R_OK) == 0 ? "" :
			    " (not readable by you)");
			found = 1;
		}
	}
	config_free(&cfg);
	other_urls(r);
	if (found)
		hint("If %s is that gateway, pass its secret with --token-file "
		    "FILE (or - for stdin); on the gateway host itself, drop "
		    "--url: the control socket needs no secret.", r->url.canon);
	else
		hint("Pass the gateway's secret with --token-file FILE (or - "
		    "for stdin) or $CLAWGATE_GATEWAY_TOKEN; on the gateway "
		    "host `clawgate dashboard` or the token's file shows it.");
}

static void
explain_pairing(struct remote *r, const json_t *d)
{
	const char	*rid = js(d, "requestId"), *reason = js(d, "reason");
	char		 want[512], have[512];

	if (!safe_id(rid, 128))
		rid = "";
	hint("This CLI's device: %s (%s)", r->id.id, r->id.path);
	if (strcmp(reason, "scope-upgrade") == 0 ||
	    strcmp(reason, "role-upgrade") == 0) {
		join(json_object_get(d, "requestedScopes"), ", ", want,
		    sizeof(want));
		join(json_object_get(d, "approvedScopes"), ", ", have,
		    sizeof(have));
		hint("It asks for scopes %s; approved so far: %s.", want,
		    have);
	}
	if (rid[0] != '\0') {
		hint("Request ID: %s", rid);
		hint("Run `clawgate devices approve %s` on the gateway host "
		    "(or with --url from an operator already paired there), "
		    "then run this command again with the same credential: "
		    "the CLI then stores its device token, and later "
		    "commands to %s need no secret. Requests expire after 5 "
		    "minutes.", rid, r->url.canon);
	} else
		hint("Approve it with `clawgate devices list` and `clawgate "
		    "devices approve <requestId>` on the gateway host.");
}

static void
explain_mismatch(struct remote *r, const json_t *d, const char *kind)
{
	const char	*exp = js(d, "expectedFingerprint");
	const char	*got = js(d, "providedFingerprint");
	char		 t[32], u[32];

	/* Only the gateway can fingerprint (it holds the key); local
	 * peers get both fingerprints, remote ones neither. */
	hint("Sent: %s%s%s%s%s%s.", r->cred.source,
	    got[0] ? " (fingerprint " : "", clean(got, u, sizeof(u)),
	    got[0] ? ")" : "", exp[0] ? "; the gateway expects fingerprint " :
	    "", clean(exp, t, sizeof(t)));
	hint("On the gateway host, `clawgate token fingerprint --from-file "
	    "FILE` says whether a secret is the gateway's (never print the "
	    "secret itself); pass that gateway's %s with --%s-file. clawgate "
	    "has no gateway.remote.* setting: the secret comes from the file "
	    "or environment you name.", kind, kind);
}

static void
explain_device_token(struct remote *r, const char *code)
{
	char	have[512], want[512];

	if (strcmp(code, "AUTH_SCOPE_MISMATCH") == 0) {
		join(r->cred.stored_scopes, ", ", have, sizeof(have));
		join(r->scopes, ", ", want, sizeof(want));
		hint("Sent: %s, issued for scopes %s; this command asks for "
		    "%s.", r->cred.source, have, want);
		hint("A device token never widens its scopes. Run the command "
		    "once with the gateway secret (--token-file) to ask for "
		    "the extra scopes, and approve that request on the "
		    "gateway host.");
		return;
	}
	if (r->cred.device_token == NULL)
		return;
	(void)store_put(&r->id, r->url.canon, NULL);
	hint("The device token stored for %s was refused (rotated, revoked, "
	    "or this device was removed there); it is forgotten now. Run the "
	    "command with the gateway secret (--token-file) to pair again.",
	    r->url.canon);
}

static void
explain(struct remote *r, const json_t *error, const char *closed)
{
	const json_t	*d = json_object_get(error, "details");
	const json_t	*also = json_object_get(d, "alsoFailed");
	const char	*code = js(d, "code");
	char		 msg[1024], t[512];

	if (error != NULL)
		clean(js(error, "message"), msg, sizeof(msg));
	else
		cg_strlcpy(msg, closed, sizeof(msg));
	cli_warnx("gateway connect failed: %s", msg);
	hint("Gateway: %s (%s)", r->url.canon, wsc_endpoints(r->ws));
	if (strcmp(code, "PAIRING_REQUIRED") == 0 ||
	    strcmp(js(error, "code"), "NOT_PAIRED") == 0)
		explain_pairing(r, d);
	else if (strcmp(code, "AUTH_TOKEN_MISMATCH") == 0)
		explain_mismatch(r, d, "token");
	else if (strcmp(code, "AUTH_PASSWORD_MISMATCH") == 0)
		explain_mismatch(r, d, "password");
	else if ((strcmp(code, "AUTH_TOKEN_MISSING") == 0 ||
	    strcmp(code, "AUTH_PASSWORD_MISSING") == 0) &&
	    r->cred.source[0] == '\0')
		explain_no_credential(r);
	else if (strcmp(code, "AUTH_DEVICE_TOKEN_MISMATCH") == 0 ||
	    strcmp(code, "AUTH_SCOPE_MISMATCH") == 0)
		explain_device_token(r, code);
	else if (strcmp(code, "AUTH_RATE_LIMITED") == 0)
		hint("Too many failed attempts from this address: retry in "
		    "%lld s, with the right secret.", (long long)
		    (json_integer_value(json_object_get(error,
		    "retryAfterMs")) + 999) / 1000);
	else if (strcmp(code, "DEVICE_AUTH_SIGNATURE_EXPIRED") == 0)
		hint("The gateway found this device's signature more than 2 "
		    "minutes off its clock: check the time on both hosts "
		    "(NTP).");
	else if (strncmp(code, "DEVICE_AUTH_", 12) == 0)
		hint("The gateway refused this CLI's device proof (%s). If the "
		    "file was edited, move it away: a new identity is "
		    "created, to be paired again.", r->id.path);
	else if (strcmp(code, "PROTOCOL_MISMATCH") == 0)
		hint("clawgate speaks protocol %d; the gateway expects %lld.",
		    CG_PROTOCOL, (long long)json_integer_value(
		    json_object_get(d, "expectedProtocol")));
	else if (strcmp(code, "AUTH_TOKEN_NOT_CONFIGURED") == 0 ||
	    strcmp(code, "AUTH_PASSWORD_NOT_CONFIGURED") == 0)
		hint("The gateway has no such secret configured; `clawgate "
		    "gateway status` on its host shows its auth mode.");
	else if (json_is_true(json_object_get(error, "retryable")))
		hint("The gateway is starting or restarting: retry in a "
		    "moment.");
	if (json_is_object(also))
		hint("Also: %s", clean(js(also, "message"), t, sizeof(t)));
}

/* ---- connect ------------------------------------------------------------- */

/* A copy of o.scopes when it is an array, else []. */
static json_t *
scope_copy(const json_t *o)
{
	json_t	*a = json_object_get(o, "scopes");

	return json_is_array(a) ? json_deep_copy(a) : json_array();
}

static int
keep_device_token(struct remote *r, json_t *auth)
{
	const char	*t = json_string_value(json_object_get(auth,
			    "deviceToken"));
	json_t		*e, *old;
	int		 same;

	if (!token_ok(t))
		return 0;
	/* A reused token keeps its scopes; only a new one is saved. */
	old = store_get(&r->id, r->url.canon);
	same = old != NULL && strcmp(js(old, "token"), t) == 0;
	json_wipe(old);
	json_decref(old);
	if (same)
		return 0;
	e = json_pack("{s:s, s:s, s:s, s:o, s:I, s:I}", "deviceId", r->id.id,
	    "role", "operator", "token", t, "scopes", scope_copy(auth),
	    "issuedAtMs", json_integer_value(json_object_get(auth,
	    "issuedAtMs")), "savedAtMs", (json_int_t)now_ms());
	if (e == NULL || store_put(&r->id, r->url.canon, e) != 0) {
		json_wipe(e);
		json_decref(e);
		return -1;
	}
	json_wipe(e);
	json_decref(e);
	if (r->cred.device_token == NULL)
		fprintf(stderr, "clawgate: this CLI's device token for %s is "
		    "stored in %s; later commands to it need no secret\n",
		    r->url.canon, r->id.store);
	return 0;
}

static int
on_hello(struct remote *r, json_t *payload, char *err, size_t errlen)
{
	json_t	*auth = json_object_get(payload, "auth");

	if (strcmp(js(payload, "type"), "hello-ok") != 0) {
		snprintf(err, errlen, "the gateway answered connect without "
		    "hello-ok");
		cli_warnx("%s", err);
		return -1;
	}
	(void)keep_device_token(r, auth);
	cg_strlcpy(r->method, js(auth, "method"), sizeof(r->method));
	if (json_object_get(auth, "deviceToken") != NULL) {
		json_wipe(json_object_get(auth, "deviceToken"));
		json_object_del(auth, "deviceToken");
	}
	r->hello = json_incref(payload);
	return 0;
}

static int
handshake(struct remote *r, char *err, size_t errlen)
{
	json_t	*frame, *res;
	char	 id[64], msg[1024];
	int	 closed, rc;

	if (await_challenge(r, err, errlen) == -1) {
		cli_warnx("%s", err);
		return -1;
	}
	next_id(r, id, sizeof(id));
	if ((frame = connect_frame(r, id, err, errlen)) == NULL) {
		cli_warnx("%s", err);
		return -1;
	}
	rc = send_json(r, frame, err, errlen);
	json_wipe(frame);
	json_decref(frame);
	if (rc == -1) {
		cli_warnx("%s", err);
		return -1;
	}
	if ((res = await_res(r, id, &closed, err, errlen)) == NULL) {
		if (!closed) {
			cli_warnx("%s", err);
			return -1;
		}
		/* No res, only a close: its reason is the message (§7.4). */
		snprintf(msg, sizeof(msg), "%s", wsc_close_reason(r->ws)[0] ?
		    wsc_close_reason(r->ws) : err);
		explain(r, NULL, msg);
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	if (!json_is_true(json_object_get(res, "ok"))) {
		explain(r, json_object_get(res, "error"), NULL);
		clean(js(json_object_get(res, "error"), "message"), err,
		    errlen);
		json_decref(res);
		return -1;
	}
	rc = on_hello(r, json_object_get(res, "payload"), err, errlen);
	json_wipe(json_object_get(json_object_get(json_object_get(res,
	    "payload"), "auth"), "deviceToken"));
	json_decref(res);
	return rc;
}

struct remote *
remote_connect(struct cli *c, const struct remote_opts *o,
    const char *const *scopes, int nscopes, char *errp, size_t errplen)
{
	struct remote	*r;
	char		 err[1024];

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cli_warnx("out of memory");
		return NULL;
	}
	r->c = c;
	err[0] = '\0';
	if (wsc_parse_url(o->url, &r->url, err, sizeof(err)) == -1 ||
	    ident_load(&r->id, err, sizeof(err)) == -1 ||
	    cred_load(r, o, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		goto fail;
	}
	if (want_scopes(r, scopes, nscopes) == -1) {
		cli_warnx("out of memory");
		goto fail;
	}
	if (r->id.created)
		fprintf(stderr, "clawgate: created this CLI's device identity "
		    "%s in %s\n", r->id.id, r->id.path);
	if ((r->ws = wsc_open(&r->url, o->bind_addr, c->timeout_ms, err,
	    sizeof(err))) == NULL) {
		cli_warnx("%s", err);
		goto fail;
	}
	if (handshake(r, err, sizeof(err)) == -1)
		goto fail;
	return r;
fail:
	if (errp != NULL)
		snprintf(errp, errplen, "%s", err[0] ? err : "failed");
	remote_close(r);
	return NULL;
}

/* ---- requests ------------------------------------------------------------ */

/* Replace control characters in every string: the peer is not trusted. */
static void
scrub(json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i, n;
	char		*s;

	if (json_is_string(v)) {
		n = json_string_length(v);
		s = (char *)(uintptr_t)json_string_value(v);
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 ||
			    (unsigned char)s[i] == 0x7f)
				s[i] = '?';
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			scrub(e);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			scrub(e);
	}
}

/* Keep the stored device token right when this CLI changed its own device. */
static void
self_change(struct remote *r, const char *method, const char *dev,
    const char *role, const json_t *payload)
{
	json_t		*e;
	const char	*t = js(payload, "token");

	if (strcmp(dev, r->id.id) != 0 || (role != NULL &&
	    strcmp(role, "operator") != 0))
		return;
	if (strcmp(method, "device.token.rotate") == 0 && token_ok(t)) {
		e = json_pack("{s:s, s:s, s:s, s:o, s:I, s:I}", "deviceId",
		    r->id.id, "role", "operator", "token", t, "scopes",
		    scope_copy(payload), "issuedAtMs",
		    json_integer_value(json_object_get(payload,
		    "rotatedAtMs")), "savedAtMs", (json_int_t)now_ms());
		if (e != NULL && store_put(&r->id, r->url.canon, e) == 0)
			fprintf(stderr, "clawgate: this CLI's new device token "
			    "is stored in %s\n", r->id.store);
		json_wipe(e);
		json_decref(e);
		return;
	}
	if (store_put(&r->id, r->url.canon, NULL) == 0)
		fprintf(stderr, "clawgate: that was this CLI's own device; its "
		    "device token for %s is forgotten\n", r->url.canon);
}

static void
missing_scope_hint(struct remote *r, const json_t *error, char *err,
    size_t errlen)
{
	char	have[512], add[768];
	size_t	o = strlen(err);

	if (strcmp(js(json_object_get(error, "details"), "code"),
	    "MISSING_SCOPE") != 0 || o >= errlen)
		return;
	join(json_object_get(json_object_get(r->hello, "auth"), "scopes"),
	    ", ", have, sizeof(have));
	snprintf(add, sizeof(add), " (this connection holds: %s)", have);
	snprintf(err + o, errlen - o, "%s", add);
}

json_t *
remote_call(struct remote *r, const char *method, json_t *params, char *err,
    size_t errlen)
{
	json_t	*frame, *res, *p;
	char	 id[64], dev[72] = "", role[64] = "";
	int	 closed, self;

	self = strcmp(method, "device.pair.remove") == 0 ||
	    strcmp(method, "device.token.revoke") == 0 ||
	    strcmp(method, "device.token.rotate") == 0;
	if (self) {
		cg_strlcpy(dev, js(params, "deviceId"), sizeof(dev));
		cg_strlcpy(role, js(params, "role"), sizeof(role));
	}
	next_id(r, id, sizeof(id));
	frame = json_pack("{s:s, s:s, s:s}", "type", "req", "id", id,
	    "method", method);
	if (frame != NULL && params != NULL)
		json_object_set(frame, "params", params);
	json_decref(params);
	if (frame == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (send_json(r, frame, err, errlen) == -1) {
		json_decref(frame);
		return NULL;
	}
	json_decref(frame);
	if ((res = await_res(r, id, &closed, err, errlen)) == NULL) {
		/*
		 * The close of our own device's sessions (4001) and the
		 * answer take different paths in a gateway; when the close
		 * wins, the change happened all the same.
		 */
		if (!closed || !self || strcmp(dev, r->id.id) != 0 ||
		    wsc_close_code(r->ws) != 4001)
			return NULL;
		p = json_pack("{s:s}", "deviceId", dev);
		if (p != NULL && role[0] != '\0')
			json_object_set_new(p, "role", json_string(role));
		if (p != NULL)
			self_change(r, method, dev, role[0] ? role : NULL, p);
		return p;
	}
	if (!json_is_true(json_object_get(res, "ok"))) {
		clean(js(json_object_get(res, "error"), "message"), err,
		    errlen);
		if (err[0] == '\0')
			snprintf(err, errlen, "%s failed", method);
		missing_scope_hint(r, json_object_get(res, "error"), err,
		    errlen);
		json_decref(res);
		return NULL;
	}
	p = json_object_get(res, "payload");
	p = p != NULL ? json_incref(p) : json_object();
	json_decref(res);
	if (self)
		self_change(r, method, dev, role[0] ? role : NULL, p);
	if (!r->c->json)
		scrub(p);
	return p;
}

const json_t *
remote_hello(const struct remote *r)
{
	return r->hello;
}

const char *
remote_device_id(const struct remote *r)
{
	return r->id.id;
}

const char *
remote_url(const struct remote *r)
{
	return r->url.canon;
}

const char *
remote_endpoints(const struct remote *r)
{
	return r->ws != NULL ? wsc_endpoints(r->ws) : "";
}

const char *
remote_cred_source(const struct remote *r)
{
	return r->cred.source[0] ? r->cred.source : "no credential";
}

void
remote_close(struct remote *r)
{
	if (r == NULL)
		return;
	wsc_close(r->ws, 1000, NULL);
	cred_free(&r->cred);
	ident_wipe(&r->id);
	json_decref(r->scopes);
	json_decref(r->hello);
	sodium_memzero(r, sizeof(*r));
	free(r);
}
