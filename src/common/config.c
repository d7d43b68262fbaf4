/*
 * config.c: read clawgated.conf (JSON5) into struct cg_config.
 *
 * The file uses OpenClaw's `gateway.*' keys, so old guides and copied
 * configs meet a reader that knows what they mean: retired and
 * unsupported keys are recognised by name and the error says what
 * clawgate does instead.  Nothing is accepted and ignored.  Every error
 * names the full key path and where it is in the file, and none prints
 * a secret.  See clawgated.conf(5).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "authproto.h"
#include "clawgate.h"
#include "config.h"
#include "json5.h"
#include "origin.h"
#include "util.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif

#define SECRET_MIN_LEN	24	/* shorter ones get a warning */

/*
 * ASCII classes: <ctype.h> follows the locale, and a byte that a
 * Latin-1 locale calls a letter must not slip into an origin.
 */
#define IS_SPACE(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define IS_ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || \
			    ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define TO_LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' + 'a' : (c))

/* What one load knows besides the candidate config. */
struct ctx {
	struct cg_config	*c;
	struct json5_doc	*doc;
	const char		*name;
	struct cg_config_error	*err;
	int			 have_bind, have_host;
};

typedef int	(*key_fn)(struct ctx *, const char *, json_t *);

/*
 * One accepted (fn != NULL) or refused key.  A refusal's `msg' follows
 * "<full path>: " in the error.  With `subtree', a non-empty
 * object value is reported at its first member (gateway.reload.mode).
 */
struct keydef {
	const char	*name;
	key_fn		 fn;
	const char	*msg;
	int		 subtree;
};

static int	walk(struct ctx *, const char *, json_t *,
		    const struct keydef *);
static int	errat(struct ctx *, struct json5_loc, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	warnat(struct ctx *, struct json5_loc, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	set_err(struct cg_config_error *, const char *,
		    struct json5_loc, const char *, va_list)
		    __attribute__((format(printf, 4, 0)));
static int	file_err(struct cg_config_error *, const char *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static int	check_err(struct cg_config_error *, const struct cg_config *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

/* --- defaults ----------------------------------------------------- */

/* dst = a + b, or "" when it does not fit or `a' is not absolute. */
static void
path_join(char *dst, size_t size, const char *a, const char *b)
{
	if (a == NULL || a[0] != '/' ||
	    (size_t)snprintf(dst, size, "%s%s", a, b) >= size)
		dst[0] = '\0';
}

void
config_defaults(struct cg_config *c)
{
	const char	*home;
	struct passwd	*pw;

	memset(c, 0, sizeof(*c));
	c->port = CG_DEFAULT_PORT;
	c->bind = BIND_LOOPBACK;
	c->auth_mode = AUTHMODE_TOKEN;
	c->auth_mode_set = 0;
	c->rate_limit.max_attempts = 10;
	c->rate_limit.window_ms = 60000;
	c->rate_limit.lockout_ms = 300000;
	c->rate_limit.exempt_loopback = 1;
	c->rate_limit.ipv4_prefix = ADDR_DEFAULT_V4_PREFIX;
	c->rate_limit.ipv6_prefix = ADDR_DEFAULT_V6_PREFIX;
	c->control_ui_enabled = 1;
	c->workers = 0;
	cg_strlcpy(c->user, "_clawgate", sizeof(c->user));
	cg_strlcpy(c->auth_user, "_clawgate_auth", sizeof(c->auth_user));
	if (geteuid() == 0) {
		cg_strlcpy(c->state_dir, LOCALSTATEDIR "/lib/clawgate",
		    sizeof(c->state_dir));
		cg_strlcpy(c->run_dir, RUNSTATEDIR "/clawgate",
		    sizeof(c->run_dir));
		cg_strlcpy(c->chroot_dir, "/var/empty", sizeof(c->chroot_dir));
		return;
	}
	/* Not root: per-user XDG directories, no chroot (we cannot). */
	path_join(c->state_dir, sizeof(c->state_dir), getenv("XDG_STATE_HOME"),
	    "/clawgate");
	if (c->state_dir[0] == '\0') {
		home = getenv("HOME");
		if ((home == NULL || home[0] != '/') &&
		    (pw = getpwuid(geteuid())) != NULL)
			home = pw->pw_dir;
		path_join(c->state_dir, sizeof(c->state_dir), home,
		    "/.local/state/clawgate");
	}
	path_join(c->run_dir, sizeof(c->run_dir), getenv("XDG_RUNTIME_DIR"),
	    "/clawgate");
	if (c->run_dir[0] == '\0')
		path_join(c->run_dir, sizeof(c->run_dir), c->state_dir, "/run");
}

/* --- errors and warnings ------------------------------------------ */

/*
 * Copy `s' for a message: printable ASCII kept, the rest as \xHH, cut
 * at about 48 characters.  Used for keys and non-secret values only.
 */
static const char *
safe(char *buf, size_t size, const char *s)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= 48) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
	}
	buf[o] = '\0';
	return buf;
}

static struct json5_loc
loc_key(const struct ctx *x, const char *path)
{
	const struct json5_pos	*p = json5_pos_lookup(x->doc, path);
	struct json5_loc	 none = { 0, 0 };

	return p != NULL ? p->key : none;
}

static struct json5_loc
loc_value(const struct ctx *x, const char *path)
{
	const struct json5_pos	*p = json5_pos_lookup(x->doc, path);
	struct json5_loc	 none = { 0, 0 };

	return p != NULL ? p->value : none;
}

/* The key of member `k' of the object at `path' (any key, even "a.b"). */
static struct json5_loc
loc_member(const struct ctx *x, const char *path, const char *k)
{
	const struct json5_pos	*p = json5_pos_member(x->doc, path, k);
	struct json5_loc	 none = { 0, 0 };

	return p != NULL ? p->key : none;
}

/* The key of the two that comes later in the file. */
static struct json5_loc
loc_later(const struct ctx *x, const char *a, const char *b)
{
	struct json5_loc la = loc_key(x, a), lb = loc_key(x, b);

	if (lb.line > la.line || (lb.line == la.line && lb.col > la.col))
		return lb;
	return la;
}

static void
set_err(struct cg_config_error *err, const char *file, struct json5_loc l,
    const char *fmt, va_list ap)
{
	memset(err, 0, sizeof(*err));
	cg_strlcpy(err->file, file != NULL ? file : "", sizeof(err->file));
	err->line = l.line;
	err->col = l.col;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

static int
errat(struct ctx *x, struct json5_loc l, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	set_err(x->err, x->name, l, fmt, ap);
	va_end(ap);
	return -1;
}

static void
warnat(struct ctx *x, struct json5_loc l, const char *fmt, ...)
{
	struct cg_config	*c = x->c;
	char			 msg[320];
	va_list			 ap;

	if (c->nwarnings >= CFG_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->warnings[c->nwarnings++], sizeof(c->warnings[0]),
	    "%s:%d:%d: %s", x->name, l.line, l.col, msg);
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_REAL:		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	default:		return "null";
	}
}

static int
type_err(struct ctx *x, const char *path, const json_t *v, const char *want)
{
	const char	*hint = "";

	if (json_is_null(v))
		hint = "; remove the key to use the default";
	else if (json_is_string(v) && strcmp(want, "true or false") == 0 &&
	    (strcmp(json_string_value(v), "true") == 0 ||
	    strcmp(json_string_value(v), "false") == 0))
		hint = "; write true or false without quotes";
	else if (json_is_string(v) && strncmp(want, "an integer", 10) == 0 &&
	    json_string_length(v) > 0 &&
	    strspn(json_string_value(v), "0123456789") ==
	    json_string_length(v))
		hint = "; write the number without quotes";
	return errat(x, loc_value(x, path), "%s: expected %s, got %s%s", path,
	    want, type_name(v), hint);
}

/* --- typed getters ------------------------------------------------ */

static int
get_string(struct ctx *x, const char *path, const json_t *v, const char **s)
{
	*s = "";
	if (!json_is_string(v))
		return type_err(x, path, v, "a string");
	*s = json_string_value(v);
	return 0;
}

static int
get_bool(struct ctx *x, const char *path, const json_t *v, int *out)
{
	if (!json_is_boolean(v))
		return type_err(x, path, v, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* An integer in [lo, hi]; 8080.0 and 8.08e3 count (JSON5 numbers). */
static int
get_int(struct ctx *x, const char *path, const json_t *v, int lo, int hi,
    int *out)
{
	char		want[64];
	double		d;
	json_int_t	i;

	snprintf(want, sizeof(want), "an integer from %d to %d", lo, hi);
	if (json_is_integer(v))
		i = json_integer_value(v);
	else if (json_is_real(v)) {
		d = json_real_value(v);
		if (d < lo || d > hi || d != (double)(json_int_t)d)
			return errat(x, loc_value(x, path), "%s: expected %s, "
			    "got %g", path, want, d);
		i = (json_int_t)d;
	} else
		return type_err(x, path, v, want);
	if (i < lo || i > hi)
		return errat(x, loc_value(x, path), "%s: expected %s, got "
		    "%" JSON_INTEGER_FORMAT, path, want, i);
	*out = (int)i;
	return 0;
}

/* Copy a string into a fixed field; too long is an error. */
static int
get_field(struct ctx *x, const char *path, const json_t *v, char *dst,
    size_t size)
{
	const char	*s;

	if (get_string(x, path, v, &s) == -1)
		return -1;
	if (json_string_length(v) >= size)
		return errat(x, loc_value(x, path), "%s: value is longer than "
		    "%zu bytes", path, size - 1);
	memcpy(dst, s, json_string_length(v) + 1);
	return 0;
}

/* --- gateway.* ---------------------------------------------------- */

static int
k_ignore(struct ctx *x, const char *path, json_t *v)
{
	(void)x;
	(void)path;
	(void)v;
	return 0;
}

static int
k_meta(struct ctx *x, const char *path, json_t *v)
{
	return json_is_object(v) ? 0 : type_err(x, path, v, "an object");
}

static int
k_mode(struct ctx *x, const char *path, json_t *v)
{
	const char	*s;
	char		 b[64];

	if (get_string(x, path, v, &s) == -1)
		return -1;
	if (strcmp(s, "local") == 0)
		return 0;
	if (strcmp(s, "remote") == 0)
		return errat(x, loc_value(x, path), "%s: \"remote\" is the "
		    "openclaw CLI's client setting (it points the CLI at "
		    "gateway.remote.url); clawgate is the gateway itself. Set "
		    "\"local\" or remove the key", path);
	return errat(x, loc_value(x, path), "%s: \"%s\" is not a mode; the "
	    "only value is \"local\" (or remove the key)", path,
	    safe(b, sizeof(b), s));
}

static int
k_port(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 1, 65535, &x->c->port);
}

static int
k_bind(struct ctx *x, const char *path, json_t *v)
{
	struct in_addr	 a4;
	const char	*s;
	char		 b[64];

	if (get_string(x, path, v, &s) == -1)
		return -1;
	x->have_bind = 1;
	if (strcmp(s, "loopback") == 0)
		x->c->bind = BIND_LOOPBACK;
	else if (strcmp(s, "lan") == 0)
		x->c->bind = BIND_LAN;
	else if (strcmp(s, "custom") == 0)
		x->c->bind = BIND_CUSTOM;
	else if (strcmp(s, "auto") == 0 || strcmp(s, "tailnet") == 0)
		return errat(x, loc_value(x, path), "%s: \"%s\" is not "
		    "supported: clawgate never picks a wider bind implicitly. "
		    "Use \"loopback\" (this host only), \"lan\" (all IPv4 "
		    "interfaces) or \"custom\" with gateway.customBindHost",
		    path, s);
	else if (strcmp(s, "0.0.0.0") == 0)
		return errat(x, loc_value(x, path), "%s: addresses are not "
		    "bind modes; write \"lan\" to listen on all IPv4 "
		    "interfaces (0.0.0.0)", path);
	else if (strcmp(s, "localhost") == 0 || strcmp(s, "127.0.0.1") == 0 ||
	    strcmp(s, "::1") == 0)
		return errat(x, loc_value(x, path), "%s: host names and "
		    "addresses are not bind modes; write \"loopback\" to "
		    "listen on this host only", path);
	else if (inet_pton(AF_INET, s, &a4) == 1)
		return errat(x, loc_value(x, path), "%s: addresses are not "
		    "bind modes; set gateway.bind to \"custom\" and "
		    "gateway.customBindHost to \"%s\"", path, s);
	else
		return errat(x, loc_value(x, path), "%s: \"%s\" is not a bind "
		    "mode; use \"loopback\", \"lan\" or \"custom\"", path,
		    safe(b, sizeof(b), s));
	return 0;
}

static int
k_custom_host(struct ctx *x, const char *path, json_t *v)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	const char	*s;
	char		 b[64];

	if (get_string(x, path, v, &s) == -1)
		return -1;
	x->have_host = 1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		cg_strlcpy(x->c->custom_bind_host, s,
		    sizeof(x->c->custom_bind_host));
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return errat(x, loc_value(x, path), "%s: only IPv4 addresses "
		    "are supported here (as in OpenClaw); use an IPv4 address "
		    "such as \"192.168.1.10\"", path);
	return errat(x, loc_value(x, path), "%s: \"%s\" is not an IPv4 "
	    "address; write a literal such as \"192.168.1.10\" (host names "
	    "are not resolved)", path, safe(b, sizeof(b), s));
}

/* --- gateway.auth.* ----------------------------------------------- */

static int
k_auth_mode(struct ctx *x, const char *path, json_t *v)
{
	const char	*s;
	char		 b[64];

	if (get_string(x, path, v, &s) == -1)
		return -1;
	if (strcmp(s, "token") == 0)
		x->c->auth_mode = AUTHMODE_TOKEN;
	else if (strcmp(s, "password") == 0)
		x->c->auth_mode = AUTHMODE_PASSWORD;
	else if (strcmp(s, "none") == 0)
		x->c->auth_mode = AUTHMODE_NONE;
	else if (strcmp(s, "trusted-proxy") == 0)
		return errat(x, loc_value(x, path), "%s: \"trusted-proxy\" is "
		    "not supported yet: clawgate does not take identities from "
		    "proxy headers. Use \"token\" or \"password\"; a proxy in "
		    "front still works when listed in gateway.trustedProxies",
		    path);
	else
		return errat(x, loc_value(x, path), "%s: \"%s\" is not an auth "
		    "mode; use \"token\", \"password\" or \"none\"", path,
		    safe(b, sizeof(b), s));
	x->c->auth_mode_set = 1;
	return 0;
}

/* Values that templates and guides publish; never a real secret. */
static const char *const placeholders[] = {
	"change-me-to-a-long-random-token",
	"change-me-now",
	"change-me-to-a-strong-password",
	NULL
};

static int
is_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!IS_SPACE(*s))
			return 0;
	return 1;
}

/* Is `s', without surrounding white space, `w' in any case? */
static int
is_word(const char *s, const char *w)
{
	size_t	n = strlen(w);

	while (IS_SPACE(*s))
		s++;
	if (strncasecmp(s, w, n) != 0)
		return 0;
	return is_blank(s + n);
}

/*
 * Validate a secret without ever printing it.  `fix' tells what to do
 * instead, which differs for the token (generated when unset) and the
 * password (never generated).
 */
static int
check_secret(struct ctx *x, const char *path, const json_t *v,
    const char *fix)
{
	struct json5_loc l = loc_value(x, path);
	const char	*s = json_string_value(v);
	size_t		 len = json_string_length(v), i;

	if (is_blank(s))
		return errat(x, l, "%s: value is blank; %s", path, fix);
	if (is_word(s, "undefined") || is_word(s, "null"))
		return errat(x, l, "%s: value is a placeholder that a template "
		    "or script left behind; %s", path, fix);
	for (i = 0; placeholders[i] != NULL; i++)
		if (strcmp(s, placeholders[i]) == 0)
			return errat(x, l, "%s: value is a published "
			    "placeholder; %s", path, fix);
	if (len > AUTH_MAX_SECRET)
		return errat(x, l, "%s: value is longer than %d bytes; use a "
		    "shorter secret", path, AUTH_MAX_SECRET);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return errat(x, l, "%s: value contains a control "
			    "character (a stray newline?); remove it", path);
	if (IS_SPACE(s[0]) || IS_SPACE(s[len - 1]))
		return errat(x, l, "%s: value starts or ends with a space; "
		    "remove it (clients would not send it)", path);
	if (len < SECRET_MIN_LEN)
		warnat(x, l, "%s is shorter than %d characters and may be "
		    "guessed; %s", path, SECRET_MIN_LEN, fix);
	return 0;
}

/* Replace a secret field of the candidate with a copy of `s'. */
static int
set_secret(struct ctx *x, const char *path, char **dst, const char *s)
{
	char	*copy;

	if ((copy = strdup(s)) == NULL)
		return errat(x, loc_value(x, path), "%s: out of memory", path);
	*dst = copy;	/* the caller's old pointer is released on commit */
	return 0;
}

static int
k_token(struct ctx *x, const char *path, json_t *v)
{
	static const char fix[] = "remove the key and clawgate generates a "
	    "token and keeps it in <stateDir>/gateway.token, or set a long "
	    "random value";

	if (!json_is_string(v))
		return type_err(x, path, v, "a string");
	if (check_secret(x, path, v, fix) == -1)
		return -1;
	return set_secret(x, path, &x->c->auth_token, json_string_value(v));
}

static int
k_password(struct ctx *x, const char *path, json_t *v)
{
	static const char fix[] = "set a long random password, or remove "
	    "the key and use token auth: clawgate generates a token when "
	    "you leave gateway.auth.token unset";

	if (!json_is_string(v))
		return type_err(x, path, v, "a string");
	if (check_secret(x, path, v, fix) == -1)
		return -1;
	return set_secret(x, path, &x->c->auth_password,
	    json_string_value(v));
}

/*
 * gateway.auth.tokenFile / passwordFile: an absolute path, read by the
 * master (secret.c), not here: a reload reads the file again, so a
 * rotated Kubernetes Secret applies without a config change.
 */
static int
get_secret_path(struct ctx *x, const char *path, json_t *v, char *dst,
    size_t size)
{
	char	b[64];

	if (get_field(x, path, v, dst, size) == -1)
		return -1;
	if (dst[0] != '/')
		return errat(x, loc_value(x, path), "%s: \"%s\" is not an "
		    "absolute path; name the mounted file, e.g. "
		    "\"/run/secrets/gateway_token\"", path,
		    safe(b, sizeof(b), dst));
	return 0;
}

static int
k_token_file(struct ctx *x, const char *path, json_t *v)
{
	return get_secret_path(x, path, v, x->c->auth_token_file,
	    sizeof(x->c->auth_token_file));
}

static int
k_password_file(struct ctx *x, const char *path, json_t *v)
{
	return get_secret_path(x, path, v, x->c->auth_password_file,
	    sizeof(x->c->auth_password_file));
}

static int
k_max_attempts(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 1, 10000, &x->c->rate_limit.max_attempts);
}

static int
k_window_ms(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 1000, 86400000,
	    &x->c->rate_limit.window_ms);
}

static int
k_lockout_ms(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 1000, 86400000,
	    &x->c->rate_limit.lockout_ms);
}

static int
k_exempt_loopback(struct ctx *x, const char *path, json_t *v)
{
	return get_bool(x, path, v, &x->c->rate_limit.exempt_loopback);
}

static int
k_ipv4_prefix(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 8, 32, &x->c->rate_limit.ipv4_prefix);
}

static int
k_ipv6_prefix(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 16, 128, &x->c->rate_limit.ipv6_prefix);
}

static const struct keydef rate_limit_keys[] = {
	{ "maxAttempts", k_max_attempts, NULL, 0 },
	{ "ipv4Prefix", k_ipv4_prefix, NULL, 0 },
	{ "ipv6Prefix", k_ipv6_prefix, NULL, 0 },
	{ "windowMs", k_window_ms, NULL, 0 },
	{ "lockoutMs", k_lockout_ms, NULL, 0 },
	{ "exemptLoopback", k_exempt_loopback, NULL, 0 },
	{ NULL, NULL, NULL, 0 }
};

static int
k_rate_limit(struct ctx *x, const char *path, json_t *v)
{
	if (!json_is_object(v))
		return type_err(x, path, v, "an object");
	return walk(x, path, v, rate_limit_keys);
}

static int
k_allow_no_auth(struct ctx *x, const char *path, json_t *v)
{
	return get_bool(x, path, v, &x->c->allow_no_auth_on_network);
}

static const struct keydef auth_keys[] = {
	{ "mode", k_auth_mode, NULL, 0 },
	{ "token", k_token, NULL, 0 },
	{ "password", k_password, NULL, 0 },
	{ "tokenFile", k_token_file, NULL, 0 },
	{ "passwordFile", k_password_file, NULL, 0 },
	{ "rateLimit", k_rate_limit, NULL, 0 },
	{ "dangerouslyAllowNoAuthOnNetwork", k_allow_no_auth, NULL, 0 },
	{ "trustedProxy", NULL, "trusted-proxy auth is not supported by "
	    "clawgate: it does not take identities from proxy headers. Remove "
	    "it and use token or password auth; a TLS-terminating proxy in "
	    "front goes in gateway.trustedProxies", 0 },
	{ "allowTailscale", NULL, "Tailscale identity headers are not "
	    "supported by clawgate. Remove it and use token or password auth; "
	    "a proxy in front (tailscale serve, nginx, Caddy) goes in "
	    "gateway.trustedProxies", 0 },
	{ "identityScopes", NULL, "per-identity scopes need trusted-proxy "
	    "or Tailscale identities, which clawgate does not support; remove "
	    "it", 0 },
	{ NULL, NULL, NULL, 0 }
};

static int
k_auth(struct ctx *x, const char *path, json_t *v)
{
	if (!json_is_object(v))
		return type_err(x, path, v, "an object");
	return walk(x, path, v, auth_keys);
}

/* --- address lists ------------------------------------------------ */

static int
get_cidrs(struct ctx *x, const char *path, json_t *v, struct cg_cidr *out,
    int *n)
{
	char		 ep[256], b[64];
	const char	*s;
	json_t		*e;
	size_t		 i;

	if (!json_is_array(v))
		return type_err(x, path, v,
		    "an array of IP addresses or CIDRs");
	if (json_array_size(v) > CFG_MAX_CIDRS)
		return errat(x, loc_value(x, path), "%s: %zu entries; at most "
		    "%d are allowed (use wider CIDRs)", path,
		    json_array_size(v), CFG_MAX_CIDRS);
	json_array_foreach(v, i, e) {
		snprintf(ep, sizeof(ep), "%s[%zu]", path, i);
		if (get_string(x, ep, e, &s) == -1)
			return -1;
		if (cidr_parse(s, &out[i]) == -1)
			return errat(x, loc_value(x, ep), "%s: \"%s\" is not "
			    "an IP address or CIDR; write e.g. \"172.17.0.1\", "
			    "\"10.0.0.0/8\" or \"fd00::/8\"", ep,
			    safe(b, sizeof(b), s));
	}
	*n = (int)json_array_size(v);
	return 0;
}

static int
k_local_peers(struct ctx *x, const char *path, json_t *v)
{
	return get_cidrs(x, path, v, x->c->local_peers, &x->c->nlocal_peers);
}

static int
k_trusted_proxies(struct ctx *x, const char *path, json_t *v)
{
	return get_cidrs(x, path, v, x->c->trusted_proxies,
	    &x->c->ntrusted_proxies);
}

/* --- gateway.controlUi.* ------------------------------------------ */

static int
k_ui_enabled(struct ctx *x, const char *path, json_t *v)
{
	return get_bool(x, path, v, &x->c->control_ui_enabled);
}

/* "" or "/seg[/seg]": no empty, "." or ".." segment, no trailing '/'. */
static const char *
base_path_problem(const char *s)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789._~-/";
	const char	*seg, *end;
	size_t		 n;

	if (s[0] == '\0')
		return NULL;
	if (s[0] != '/')
		return "it must start with '/' (e.g. \"/openclaw\"), or be "
		    "\"\" for the root";
	if (s[strspn(s, ok)] != '\0')
		return "only A-Z, a-z, 0-9 and . _ ~ - / are allowed";
	if (s[strlen(s) - 1] == '/')
		return "remove the trailing '/' (write \"/openclaw\", or \"\" "
		    "for the root)";
	for (seg = s + 1; seg != NULL; seg = end ? end + 1 : NULL) {
		end = strchr(seg, '/');
		n = end ? (size_t)(end - seg) : strlen(seg);
		if (n == 0)
			return "it has an empty segment (\"//\")";
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return "\".\" and \"..\" segments are not allowed";
	}
	return NULL;
}

static int
k_base_path(struct ctx *x, const char *path, json_t *v)
{
	const char	*s, *why;

	if (get_string(x, path, v, &s) == -1)
		return -1;
	if (json_string_length(v) >= sizeof(x->c->control_ui_base_path))
		return errat(x, loc_value(x, path), "%s: value is longer than "
		    "%zu bytes", path, sizeof(x->c->control_ui_base_path) - 1);
	if ((why = base_path_problem(s)) != NULL)
		return errat(x, loc_value(x, path), "%s: not a valid URL "
		    "prefix: %s", path, why);
	cg_strlcpy(x->c->control_ui_base_path, s,
	    sizeof(x->c->control_ui_base_path));
	return 0;
}

/*
 * Normalise an origin, "scheme://host[:port]", to what browsers send:
 * lower case, no default port.  NULL on success, else why not.
 */
/*
 * Store the form the worker compares (origin.h), so that a listed origin
 * matches exactly what a browser sends.  NULL, or why not.
 */
static const char *
origin_canonical(const char *s, char *out, size_t size)
{
	struct origin	og;

	if (origin_parse(s, strlen(s), &og) == -1)
		return "only an http:// or https:// page is a browser origin "
		    "(a host name or an address in plain dotted form, and a "
		    "port)";
	if (strlen(og.text) >= size)
		return "it is too long";
	cg_strlcpy(out, og.text, size);
	return NULL;
}

static const char *
origin_normalize(const char *s, char *out, size_t size)
{
	struct in6_addr	 a6;
	const char	*p, *host, *hend, *port = NULL;
	char		 h6[64];
	size_t		 i, n;
	long		 pn = 0;

	if (strcmp(s, "*") == 0) {
		cg_strlcpy(out, s, size);
		return NULL;
	}
	if (!IS_ALPHA(s[0]))
		return "it must look like \"https://host[:port]\"";
	for (p = s; IS_ALPHA(*p) || IS_DIGIT(*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (strncmp(p, "://", 3) != 0)
		return "it must look like \"https://host[:port]\"";
	host = p + 3;
	if (*host == '[') {
		if ((hend = strchr(host, ']')) == NULL ||
		    (size_t)(hend - host - 1) >= sizeof(h6))
			return "the IPv6 address needs a closing ']'";
		memcpy(h6, host + 1, (size_t)(hend - host - 1));
		h6[hend - host - 1] = '\0';
		if (inet_pton(AF_INET6, h6, &a6) != 1)
			return "the address in [...] is not IPv6";
		hend++;
	} else {
		hend = host + strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789.-");
		if (hend == host)
			return "the host is missing or has invalid characters";
	}
	if (*hend == ':') {
		port = hend + 1;
		n = strspn(port, "0123456789");
		if (n == 0 || n > 5 || port[n] != '\0' ||
		    (pn = strtol(port, NULL, 10)) < 1 || pn > 65535)
			return strpbrk(port, "/?#") ? "an origin has no path, "
			    "query or fragment; remove it (and any trailing "
			    "'/')" : "the port must be 1-65535";
	} else if (*hend == '@' || strchr(hend, '@') != NULL)
		return "an origin has no user name";
	else if (*hend == '/' || *hend == '?' || *hend == '#')
		return "an origin has no path, query or fragment; remove it "
		    "(and any trailing '/')";
	else if (*hend != '\0')
		return "the host has invalid characters";
	n = (size_t)(hend - s);
	if (n >= size)
		return "it is too long";
	for (i = 0; i < n; i++)
		out[i] = (char)TO_LOWER(s[i]);
	out[n] = '\0';
	if (port != NULL && !((pn == 80 && strncmp(out, "http:", 5) == 0) ||
	    (pn == 443 && strncmp(out, "https:", 6) == 0))) {
		if ((size_t)snprintf(out + n, size - n, ":%ld", pn) >= size - n)
			return "it is too long";
	}
	return NULL;
}

static int
k_origins(struct ctx *x, const char *path, json_t *v)
{
	struct cg_config *c = x->c;
	char		 ep[256], b[64];
	const char	*s, *why;
	json_t		*e;
	size_t		 i;

	if (!json_is_array(v))
		return type_err(x, path, v, "an array of origins");
	if (json_array_size(v) > CFG_MAX_ORIGINS)
		return errat(x, loc_value(x, path), "%s: %zu entries; at most "
		    "%d are allowed", path, json_array_size(v),
		    CFG_MAX_ORIGINS);
	json_array_foreach(v, i, e) {
		snprintf(ep, sizeof(ep), "%s[%zu]", path, i);
		if (get_string(x, ep, e, &s) == -1)
			return -1;
		why = origin_normalize(s, c->allowed_origins[i],
		    sizeof(c->allowed_origins[i]));
		if (why == NULL && strcmp(s, "*") != 0)
			why = origin_canonical(s, c->allowed_origins[i],
			    sizeof(c->allowed_origins[i]));
		if (why != NULL)
			return errat(x, loc_value(x, ep), "%s: \"%s\" is not "
			    "an origin: %s", ep, safe(b, sizeof(b), s), why);
		if (strcmp(s, "*") == 0)
			warnat(x, loc_value(x, ep), "%s is \"*\": any web page "
			    "may open a WebSocket to this gateway (it still "
			    "needs the credentials); list your origins instead",
			    ep);
	}
	c->nallowed_origins = (int)json_array_size(v);
	return 0;
}

#define RETIRED_UI "retired in OpenClaw 2026.9. Browsers now create a " \
	"device identity over plain HTTP and pair through the normal device " \
	"flow: local browsers pair silently, remote ones are approved with " \
	"`clawgate devices approve <requestId>`. Remove the key"

static int
k_allow_any_origin(struct ctx *x, const char *path, json_t *v)
{
	return get_bool(x, path, v, &x->c->allow_any_origin_on_network);
}

static const struct keydef control_ui_keys[] = {
	{ "enabled", k_ui_enabled, NULL, 0 },
	{ "dangerouslyAllowAnyOriginOnNetwork", k_allow_any_origin, NULL, 0 },
	{ "basePath", k_base_path, NULL, 0 },
	{ "allowedOrigins", k_origins, NULL, 0 },
	{ "allowInsecureAuth", NULL, RETIRED_UI, 0 },
	{ "dangerouslyDisableDeviceAuth", NULL, RETIRED_UI, 0 },
	{ "dangerouslyAllowHostHeaderOriginFallback", NULL, "not "
	    "supported: clawgate never treats the Host header as an allowed "
	    "origin. List the origins in gateway.controlUi.allowedOrigins and "
	    "remove the key", 0 },
	{ "root", NULL, "not supported: clawgate serves its own Control "
	    "UI bundle; remove the key", 0 },
	{ NULL, NULL, NULL, 0 }
};

static int
k_control_ui(struct ctx *x, const char *path, json_t *v)
{
	if (!json_is_object(v))
		return type_err(x, path, v, "an object");
	return walk(x, path, v, control_ui_keys);
}

/* gateway.remote.*: the CLI's client settings, never this server's. */
static int
k_remote(struct ctx *x, const char *path, json_t *v)
{
	char		 sub[256], b[64];
	const char	*k;
	void		*it;

	if (!json_is_object(v) || (it = json_object_iter(v)) == NULL)
		return errat(x, loc_key(x, path), "%s holds the openclaw CLI's "
		    "client settings for reaching a remote gateway; clawgate "
		    "is the gateway itself. Remove gateway.remote", path);
	k = json_object_iter_key(it);
	if (strcmp(k, "token") == 0 || strcmp(k, "password") == 0) {
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		return errat(x, loc_member(x, path, k), "%s is the CLI's "
		    "client credential for reaching a remote gateway; it does "
		    "not configure this gateway's auth. %s", sub,
		    k[0] == 't' ? "Set gateway.auth.token (or leave it unset "
		    "and clawgate generates and persists one)." :
		    "Set gateway.auth.password and gateway.auth.mode "
		    "\"password\".");
	}
	snprintf(sub, sizeof(sub), "%s.%s", path, safe(b, sizeof(b), k));
	return errat(x, loc_member(x, path, k), "%s is the "
	    "openclaw CLI's client setting for reaching a remote gateway; "
	    "clawgate is the gateway itself. Remove gateway.remote", sub);
}

#define UNSUPPORTED "an OpenClaw setting that clawgate does not " \
	"implement; remove it"

static const struct keydef gateway_keys[] = {
	{ "mode", k_mode, NULL, 0 },
	{ "port", k_port, NULL, 0 },
	{ "bind", k_bind, NULL, 0 },
	{ "customBindHost", k_custom_host, NULL, 0 },
	{ "auth", k_auth, NULL, 0 },
	{ "localPeers", k_local_peers, NULL, 0 },
	{ "trustedProxies", k_trusted_proxies, NULL, 0 },
	{ "controlUi", k_control_ui, NULL, 0 },
	{ "remote", k_remote, NULL, 0 },
	{ "token", NULL, "use gateway.auth.token instead (move the value "
	    "there)", 0 },
	{ "tailscale", NULL, "not supported: clawgate does not drive "
	    "Tailscale Serve or Funnel. Put a TLS-terminating proxy (e.g. "
	    "`tailscale serve`, nginx or Caddy) in front, list its address in "
	    "gateway.trustedProxies, and remove gateway.tailscale", 1 },
	{ "tls", NULL, "not supported: clawgate does not terminate TLS. "
	    "Put a TLS-terminating reverse proxy in front, list its address in "
	    "gateway.trustedProxies, and remove gateway.tls", 1 },
	{ "reload", NULL, "clawgate reloads on SIGHUP or `clawgate gateway "
	    "reload` and never watches the file; remove the key", 1 },
	{ "allowRealIpFallback", NULL, "not supported: clawgate only "
	    "believes X-Forwarded-For, and only from gateway.trustedProxies; "
	    "remove the key", 0 },
	{ "publicOrigin", NULL, UNSUPPORTED, 0 },
	{ "http", NULL, UNSUPPORTED, 0 },
	{ "nodes", NULL, UNSUPPORTED, 0 },
	{ "roles", NULL, UNSUPPORTED, 0 },
	{ "tools", NULL, UNSUPPORTED, 0 },
	{ NULL, NULL, NULL, 0 }
};

static int
k_gateway(struct ctx *x, const char *path, json_t *v)
{
	if (!json_is_object(v))
		return type_err(x, path, v, "an object");
	return walk(x, path, v, gateway_keys);
}

/* --- clawgate.* --------------------------------------------------- */

static int
k_workers(struct ctx *x, const char *path, json_t *v)
{
	return get_int(x, path, v, 0, 64, &x->c->workers);
}

/* A portable user name: [A-Za-z0-9_][A-Za-z0-9_.-]*, not all digits. */
static int
get_user(struct ctx *x, const char *path, json_t *v, char *dst, size_t size)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789_.-";
	const char	*s;
	char		 b[64];

	if (get_string(x, path, v, &s) == -1)
		return -1;
	if (s[0] == '\0' || s[0] == '-' || s[0] == '.' ||
	    s[strspn(s, ok)] != '\0' || json_string_length(v) > 32 ||
	    strspn(s, "0123456789") == json_string_length(v))
		return errat(x, loc_value(x, path), "%s: \"%s\" is not a valid "
		    "user name (1-32 of A-Z a-z 0-9 _ . -, not starting with "
		    "'-' or '.', not all digits)", path, safe(b, sizeof(b), s));
	if (strcmp(s, "root") == 0)
		return errat(x, loc_value(x, path), "%s: the sandboxed "
		    "processes must not run as root; use a dedicated user such "
		    "as the default", path);
	cg_strlcpy(dst, s, size);
	return 0;
}

static int
k_user(struct ctx *x, const char *path, json_t *v)
{
	return get_user(x, path, v, x->c->user, sizeof(x->c->user));
}

static int
k_auth_user(struct ctx *x, const char *path, json_t *v)
{
	return get_user(x, path, v, x->c->auth_user, sizeof(x->c->auth_user));
}

/* A group name: same rules as a user name. */
static int
k_control_group(struct ctx *x, const char *path, json_t *v)
{
	return get_user(x, path, v, x->c->control_group,
	    sizeof(x->c->control_group));
}

static int
get_abspath(struct ctx *x, const char *path, json_t *v, char *dst)
{
	const char	*s;
	size_t		 i;

	if (get_field(x, path, v, dst, PATH_MAX) == -1)
		return -1;
	s = dst;
	if (s[0] != '/')
		return errat(x, loc_value(x, path), "%s: must be an absolute "
		    "path (starting with '/')", path);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return errat(x, loc_value(x, path), "%s: the path "
			    "contains a control character; remove it", path);
	return 0;
}

static int
k_state_dir(struct ctx *x, const char *path, json_t *v)
{
	return get_abspath(x, path, v, x->c->state_dir);
}

static int
k_run_dir(struct ctx *x, const char *path, json_t *v)
{
	return get_abspath(x, path, v, x->c->run_dir);
}

static int
k_chroot_dir(struct ctx *x, const char *path, json_t *v)
{
	return get_abspath(x, path, v, x->c->chroot_dir);
}

static int
k_log_file(struct ctx *x, const char *path, json_t *v)
{
	return get_abspath(x, path, v, x->c->log_file);
}

/* An absolute path, or "syslog", or "off". */
static int
k_audit_path(struct ctx *x, const char *path, json_t *v)
{
	const char	*s;

	if (get_string(x, path, v, &s) == -1)
		return -1;
	if (strcmp(s, "syslog") == 0 || strcmp(s, "off") == 0)
		return get_field(x, path, v, x->c->audit_path,
		    sizeof(x->c->audit_path));
	if (s[0] != '/')
		return errat(x, loc_value(x, path), "%s: must be an absolute "
		    "path (starting with '/'), \"syslog\" or \"off\"", path);
	return get_abspath(x, path, v, x->c->audit_path);
}

static const struct keydef audit_keys[] = {
	{ "path", k_audit_path, NULL, 0 },
	{ NULL, NULL, NULL, 0 }
};

static int
k_audit(struct ctx *x, const char *path, json_t *v)
{
	if (!json_is_object(v))
		return type_err(x, path, v, "an object");
	return walk(x, path, v, audit_keys);
}

static const struct keydef clawgate_keys[] = {
	{ "workers", k_workers, NULL, 0 },
	{ "user", k_user, NULL, 0 },
	{ "authUser", k_auth_user, NULL, 0 },
	{ "stateDir", k_state_dir, NULL, 0 },
	{ "runDir", k_run_dir, NULL, 0 },
	{ "chrootDir", k_chroot_dir, NULL, 0 },
	{ "logFile", k_log_file, NULL, 0 },
	{ "controlGroup", k_control_group, NULL, 0 },
	{ "audit", k_audit, NULL, 0 },
	{ NULL, NULL, NULL, 0 }
};

static int
k_clawgate(struct ctx *x, const char *path, json_t *v)
{
	if (!json_is_object(v))
		return type_err(x, path, v, "an object");
	return walk(x, path, v, clawgate_keys);
}

static const struct keydef top_keys[] = {
	{ "gateway", k_gateway, NULL, 0 },
	{ "clawgate", k_clawgate, NULL, 0 },
	{ "$schema", k_ignore, NULL, 0 },
	{ "meta", k_meta, NULL, 0 },
	{ NULL, NULL, NULL, 0 }
};

/* --- the walk ----------------------------------------------------- */

/* Edit distance, for "did you mean"; small bounded inputs only. */
static size_t
distance(const char *a, const char *b)
{
	size_t	row[65], la = strlen(a), lb = strlen(b), i, j, prev, tmp;

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (TO_LOWER(a[i - 1]) !=
			    TO_LOWER(b[j - 1]));
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

static int
unknown_key(struct ctx *x, const char *path, const char *k,
    const struct keydef *tab)
{
	struct json5_loc l = loc_member(x, path, k);
	const char	*best = NULL;
	char		 b[64], hint[128] = "";
	size_t		 d, bestd = strlen(k) <= 3 ? 2 : 3;

	for (; tab->name != NULL; tab++)
		if (tab->fn != NULL && (d = distance(k, tab->name)) < bestd) {
			bestd = d;
			best = tab->name;
		}
	if (best != NULL)
		snprintf(hint, sizeof(hint), " (did you mean %s%s%s?)", path,
		    path[0] ? "." : "", best);
	if (path[0] == '\0')
		return errat(x, l, "%s: unknown top-level key%s; the file has "
		    "only gateway, clawgate, $schema and meta. If this is an "
		    "openclaw.json, copy just its gateway section",
		    safe(b, sizeof(b), k), hint);
	return errat(x, l, "%s.%s: unknown key%s; remove it (clawgated.conf(5) "
	    "lists the accepted keys)", path, safe(b, sizeof(b), k), hint);
}

static int
refused_key(struct ctx *x, const char *path, const char *k, json_t *v,
    const struct keydef *kd)
{
	char		 obj[256], sub[320], b[64];
	const char	*first;
	void		*it;

	snprintf(obj, sizeof(obj), "%s%s%s", path, path[0] ? "." : "", k);
	if (kd->subtree && json_is_object(v) &&
	    (it = json_object_iter(v)) != NULL) {
		first = json_object_iter_key(it);
		snprintf(sub, sizeof(sub), "%s.%s", obj,
		    safe(b, sizeof(b), first));
		return errat(x, loc_member(x, obj, first), "%s: %s", sub,
		    kd->msg);
	}
	return errat(x, loc_member(x, path, k), "%s: %s", obj, kd->msg);
}

/* Check every member of `obj' (at `path') against `tab', in file order. */
static int
walk(struct ctx *x, const char *path, json_t *obj, const struct keydef *tab)
{
	const struct keydef *kd;
	const char	*k;
	char		 sub[256];
	json_t		*v;

	json_object_foreach(obj, k, v) {
		for (kd = tab; kd->name != NULL; kd++)
			if (strcmp(kd->name, k) == 0)
				break;
		if (kd->name == NULL)
			return unknown_key(x, path, k, tab);
		if (kd->fn == NULL)
			return refused_key(x, path, k, v, kd);
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "",
		    k);
		if (kd->fn(x, sub, v) == -1)
			return -1;
	}
	return 0;
}

/* --- whole-file checks -------------------------------------------- */

static int
check_bind(struct ctx *x)
{
	const struct cg_config *c = x->c;

	if (c->bind == BIND_CUSTOM && !x->have_host)
		return errat(x, loc_value(x, "gateway.bind"), "gateway.bind is "
		    "\"custom\" but gateway.customBindHost is not set; add the "
		    "IPv4 address to listen on");
	if (c->bind != BIND_CUSTOM && x->have_host)
		return errat(x, loc_key(x, "gateway.customBindHost"),
		    "gateway.customBindHost is set but gateway.bind is "
		    "\"%s\"%s; set gateway.bind to \"custom\" or remove "
		    "gateway.customBindHost", c->bind == BIND_LAN ? "lan" :
		    "loopback", x->have_bind ? "" : " (the default)");
	return 0;
}

#define P_MODE		"gateway.auth.mode"
#define P_TOKEN		"gateway.auth.token"
#define P_PASSWORD	"gateway.auth.password"
#define P_TOKEN_FILE	"gateway.auth.tokenFile"
#define P_PASSWORD_FILE	"gateway.auth.passwordFile"

/*
 * The secrets must fit the mode: with the mode unset, at most one of
 * them (which then picks the mode, as in OpenClaw); with it set, only
 * the one the mode uses, never one that would sit there ignored.
 */
static int
check_auth(struct ctx *x)
{
	struct cg_config *c = x->c;
	int		 tok = c->auth_token != NULL;
	int		 pw = c->auth_password != NULL;
	int		 have_used, have_other;
	const char	*mode, *used, *other, *other_mode;
	const char	*ptok, *ppw;

	/* A secret and a file that holds one: which would be meant? */
	if (tok && c->auth_token_file[0] != '\0')
		return errat(x, loc_later(x, P_TOKEN, P_TOKEN_FILE), P_TOKEN
		    " and " P_TOKEN_FILE " are both set; keep one of them");
	if (pw && c->auth_password_file[0] != '\0')
		return errat(x, loc_later(x, P_PASSWORD, P_PASSWORD_FILE),
		    P_PASSWORD " and " P_PASSWORD_FILE " are both set; keep "
		    "one of them");
	/* From here on a file counts as its secret, under its own key. */
	ptok = tok || c->auth_token_file[0] == '\0' ? P_TOKEN : P_TOKEN_FILE;
	ppw = pw || c->auth_password_file[0] == '\0' ? P_PASSWORD :
	    P_PASSWORD_FILE;
	tok |= c->auth_token_file[0] != '\0';
	pw |= c->auth_password_file[0] != '\0';
	if (c->allow_no_auth_on_network && (!c->auth_mode_set ||
	    c->auth_mode != AUTHMODE_NONE))
		warnat(x, loc_key(x, "gateway.auth."
		    "dangerouslyAllowNoAuthOnNetwork"), "gateway.auth."
		    "dangerouslyAllowNoAuthOnNetwork has no effect unless "
		    P_MODE " is none; remove it");
	if (!c->auth_mode_set) {
		if (tok && pw)
			return errat(x, loc_later(x, ptok, ppw), "%s and %s "
			    "are both set; set " P_MODE " to token or password "
			    "(and remove the other secret)", ptok, ppw);
		c->auth_mode = pw ? AUTHMODE_PASSWORD : AUTHMODE_TOKEN;
		return 0;
	}
	if (c->auth_mode == AUTHMODE_NONE) {
		if (!tok && !pw)
			return 0;
		return errat(x, loc_later(x, P_MODE, tok ? ptok : ppw),
		    P_MODE " is none but %s is set; remove the secret, or set "
		    P_MODE " to %s", tok ? ptok : ppw, tok ? "token" :
		    "password");
	}
	if (c->auth_mode == AUTHMODE_TOKEN) {
		mode = "token", used = ptok, have_used = tok;
		other = ppw, other_mode = "password", have_other = pw;
	} else {
		mode = "password", used = ppw, have_used = pw;
		other = ptok, other_mode = "token", have_other = tok;
	}
	if (have_other && !have_used)
		return errat(x, loc_later(x, P_MODE, other), P_MODE " is %s "
		    "but only %s is set; move the secret to %s, or set "
		    P_MODE " to %s", mode, other, used, other_mode);
	if (have_other)
		return errat(x, loc_later(x, P_MODE, other), "%s is set but "
		    P_MODE " is %s, so it would be ignored; remove it", other,
		    mode);
	return 0;
}

static int
check_users(struct ctx *x)
{
	if (strcmp(x->c->user, x->c->auth_user) != 0)
		return 0;
	return errat(x, loc_later(x, "clawgate.user", "clawgate.authUser"),
	    "clawgate.user and clawgate.authUser are both \"%s\"; they must "
	    "differ, or the workers could read authd's secrets", x->c->user);
}

/* --- loading ------------------------------------------------------ */

static void
secret_free(char **s)
{
	if (*s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

/* Free what `t' holds that `keep' does not. */
static void
secrets_release(struct cg_config *t, const struct cg_config *keep)
{
	if (t->auth_token != keep->auth_token)
		secret_free(&t->auth_token);
	if (t->auth_password != keep->auth_password)
		secret_free(&t->auth_password);
}

static void
copy_warnings(struct ctx *x)
{
	const struct json5_warning *w;
	size_t		 i;

	for (i = 0; i < json5_nwarnings(x->doc); i++) {
		w = json5_warning_get(x->doc, i);
		warnat(x, w->loc, "%s: environment variable %s is missing or "
		    "empty; the value is treated as unset", w->path, w->var);
	}
}

static int
load_doc(struct ctx *x)
{
	json_t	*root = json5_root(x->doc);

	copy_warnings(x);
	if (!json_is_object(root))
		return errat(x, loc_value(x, ""), "the configuration must be "
		    "an object ({ gateway: { ... } }), not %s",
		    type_name(root));
	if (walk(x, "", root, top_keys) == -1 || check_bind(x) == -1 ||
	    check_auth(x) == -1 || check_users(x) == -1)
		return -1;
	return 0;
}

int
config_load_text(struct cg_config *c, const char *text, size_t len,
    const char *name, struct cg_config_error *err)
{
	struct json5_error	 jerr;
	struct cg_config	*t;
	struct ctx		 x;
	int			 rv;

	memset(&x, 0, sizeof(x));
	x.name = name != NULL ? name : "<config>";
	x.err = err;
	memset(err, 0, sizeof(*err));
	if ((t = malloc(sizeof(*t))) == NULL)
		return errat(&x, (struct json5_loc){ 0, 0 }, "out of memory");
	*t = *c;		/* a candidate: `c' changes only on success */
	t->nwarnings = 0;
	x.c = t;
	if ((x.doc = json5_parse(text, len, JSON5_ENV_SUBST, &jerr)) == NULL)
		rv = errat(&x, jerr.loc, "%s", jerr.msg);
	else
		rv = load_doc(&x);
	json5_doc_free(x.doc);	/* wipes every string, secrets included */
	if (rv == 0) {
		secrets_release(c, t);
		*c = *t;
	} else
		secrets_release(t, c);
	explicit_bzero(t, sizeof(*t));
	free(t);
	return rv;
}

static int
file_err(struct cg_config_error *err, const char *path, const char *fmt, ...)
{
	struct json5_loc l = { 0, 0 };
	va_list		 ap;

	va_start(ap, fmt);
	set_err(err, path, l, fmt, ap);
	va_end(ap);
	return -1;
}

int
config_load_file(struct cg_config *c, const char *path,
    struct cg_config_error *err)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rv, saved;

	if (strlen(path) >= sizeof(c->path))
		return file_err(err, path, "the path is too long");
	/* O_NONBLOCK: a FIFO planted at the path must not hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return file_err(err, path, "cannot open: %s%s", strerror(errno),
		    errno == ENOENT ? "; create it (see clawgated.conf(5)) or "
		    "pass the right path with -f" : "");
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return file_err(err, path, "not a regular file");
	}
	if (st.st_size > JSON5_MAX_INPUT) {
		close(fd);
		return file_err(err, path, "the file is larger than 1 MiB; a "
		    "configuration file never needs to be this big");
	}
	/* One byte more than the limit, to see a file that grew meanwhile. */
	if ((buf = malloc(JSON5_MAX_INPUT + 1)) == NULL) {
		close(fd);
		return file_err(err, path, "out of memory");
	}
	while (len <= JSON5_MAX_INPUT &&
	    (n = read(fd, buf + len, JSON5_MAX_INPUT + 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			explicit_bzero(buf, len);
			free(buf);
			return file_err(err, path, "read: %s", strerror(saved));
		}
		len += (size_t)n;
	}
	close(fd);
	rv = config_load_text(c, buf, len, path, err);
	explicit_bzero(buf, len);	/* the text may hold secrets */
	free(buf);
	if (rv == 0)
		cg_strlcpy(c->path, path, sizeof(c->path));
	return rv;
}

/* --- after flags and environment ---------------------------------- */

static int
is_network_bind(const struct cg_config *c)
{
	struct in_addr	a;

	if (c->bind == BIND_LAN)
		return 1;
	if (c->bind != BIND_CUSTOM)
		return 0;
	/* A custom 127.x.y.z is as private as loopback. */
	return inet_pton(AF_INET, c->custom_bind_host, &a) != 1 ||
	    (ntohl(a.s_addr) >> 24) != 127;
}

/* Set to something other than white space (the master trims). */
static int
env_set(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && !is_blank(v);
}

static int
check_err(struct cg_config_error *err, const struct cg_config *c,
    const char *fmt, ...)
{
	struct json5_loc l = { 0, 0 };
	va_list		 ap;

	va_start(ap, fmt);
	set_err(err, c->path, l, fmt, ap);
	va_end(ap);
	return -1;
}

int
config_check(const struct cg_config *c, struct cg_config_error *err)
{
	const char	*bind = c->bind == BIND_LAN ? "lan" : "custom";
	int		 i, wildcard = 0;

	memset(err, 0, sizeof(*err));
	if (c->bind == BIND_CUSTOM && c->custom_bind_host[0] == '\0')
		return check_err(err, c, "bind is \"custom\" but no "
		    "gateway.customBindHost is set; add the IPv4 address to "
		    "listen on");
	for (i = 0; i < c->nallowed_origins; i++)
		if (strcmp(c->allowed_origins[i], "*") == 0)
			wildcard = 1;
	if (c->auth_mode == AUTHMODE_NONE && is_network_bind(c)) {
		if (wildcard)
			return check_err(err, c, "refusing auth mode none on "
			    "the network bind \"%s\" with gateway.controlUi."
			    "allowedOrigins \"*\": any web page could control "
			    "this gateway. Use token auth (leave gateway.auth."
			    "token unset and clawgate generates one) and list "
			    "real origins", bind);
		if (!c->allow_no_auth_on_network)
			return check_err(err, c, "refusing auth mode none on "
			    "the network bind \"%s\": anyone who can reach "
			    "port %d could control this gateway. Use token "
			    "auth (leave gateway.auth.token unset and clawgate "
			    "generates one), bind to loopback, or set gateway."
			    "auth.dangerouslyAllowNoAuthOnNetwork to true if "
			    "something else guards the port", bind, c->port);
	}
	/*
	 * Struggle #14: "*" on a network bind lets any page on the web
	 * open a socket and try credentials, or ride a pasted token; like
	 * auth none there, it needs saying twice.
	 */
	if (wildcard && is_network_bind(c) && !c->allow_any_origin_on_network)
		return check_err(err, c, "refusing gateway.controlUi."
		    "allowedOrigins \"*\" on the network bind \"%s\": any web "
		    "page could open a WebSocket to this gateway. List the "
		    "origins your Control UI is served from (e.g. "
		    "\"https://gw.example.com\"), or set gateway.controlUi."
		    "dangerouslyAllowAnyOriginOnNetwork to true if you mean it",
		    bind);
	if (c->auth_mode == AUTHMODE_PASSWORD && c->auth_password == NULL &&
	    c->auth_password_file[0] == '\0' &&
	    !env_set("CLAWGATE_GATEWAY_PASSWORD") &&
	    !env_set("OPENCLAW_GATEWAY_PASSWORD"))
		return check_err(err, c, "gateway.auth.mode is password but no "
		    "password is set; set gateway.auth.password, "
		    "gateway.auth.passwordFile or CLAWGATE_GATEWAY_PASSWORD, "
		    "or use token auth");
	return 0;
}

void
config_free(struct cg_config *c)
{
	secret_free(&c->auth_token);
	secret_free(&c->auth_password);
}

int
config_default_path(char *buf, size_t len)
{
	const char	*env, *home;

	if ((env = getenv("CLAWGATE_CONFIG")) != NULL && *env != '\0') {
		cg_strlcpy(buf, env, len);
		return 1;
	}
	if (geteuid() == 0) {
		snprintf(buf, len, "%s/clawgate/clawgate.json5", SYSCONFDIR);
		return 0;
	}
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		snprintf(buf, len, "%s/clawgate/clawgate.json5", env);
	else if ((home = getenv("HOME")) != NULL)
		snprintf(buf, len, "%s/.config/clawgate/clawgate.json5", home);
	else
		cg_strlcpy(buf, "clawgate.json5", len);
	return 0;
}
