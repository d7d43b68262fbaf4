/*
 * connect_params.c: the first frame, classified and validated exactly as
 * the reference gateway does (protocol.md §1.2, §1.4, §2.2, §2.4).
 *
 * The reference compiles TypeBox schemas and turns the errors into text
 * with formatValidationErrors().  The rules below were inferred from the
 * live transcripts (08-framing-failures, README table 07 d), protocol.md
 * §1.4/§4.6 and the public TypeBox/openclaw sources:
 *
 *  1. Every keyword that fails adds one error; nothing short-circuits.
 *     Per schema node the order is: type; then, only if the value is an
 *     object, required, additionalProperties, patternProperties,
 *     properties (in schema order, present keys only); only if a string,
 *     maxLength then minLength; only if a number, minimum; then const,
 *     enum, anyOf.  Nested errors therefore follow the parent's
 *     required/additionalProperties errors.
 *  2. "required" is one error per object listing the missing keys in
 *     schema order; the text names only the first:
 *     "must have required property '<first missing>'".
 *  3. "additionalProperties" is one error per object listing the extra
 *     keys in JavaScript Object.keys() order (array-index keys first,
 *     ascending, then insertion order); the text names the first that is
 *     not blank after JS trim(): "unexpected property '<key>'".  If every
 *     extra key is blank the generic "must not have additional
 *     properties" is used.
 *  4. An additionalProperties error is prefixed "at <path>: ", or
 *     "at root: " when the path is empty.  Every other error is prefixed
 *     "at <path>: " when the path is non-empty and not at all at the root
 *     ("must have required property 'minProtocol'").
 *  5. Paths are JSON-pointer-like: "/client/id", "/scopes/0"; record keys
 *     are appended raw.
 *  6. Identical texts are dropped (first kept), the rest joined by "; ".
 *  7. Messages (TypeBox en_US): "must be <type>", "must be integer",
 *     "must be >= <n>", "must not have fewer than <n> characters",
 *     "must not have more than <n> characters", "must be equal to
 *     constant", "must be equal to one of the allowed values", "must
 *     match a schema in anyOf" (after the failing alternatives' errors),
 *     "must not have more than <n> items".
 *
 * clawgate additions, documented deviations for input no real client
 * sends: byte caps on strings the worker forwards or echoes ("must not
 * have more than <n> bytes"), at most AUTH_MAX_SCOPES scopes, at most
 * VS_MAX_PARTS errors and VS_MSG_MAX bytes of text, numbers parsed as
 * doubles like JavaScript (integers beyond 2^53 lose precision, beyond
 * DBL_MAX the frame is not JSON), and "\u0000" makes a frame not JSON.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clawgate.h"
#include "connect_params.h"

#define VS_MAX_PARTS	32		/* errors kept per message */
#define VS_PART_MAX	512		/* bytes per error text */
#define VS_PATH_MAX	256		/* bytes of instance path */
#define FRAME_ID_MAX	256		/* req id / method, bytes */
#define MAX_SAFE_INT	9007199254740992.0	/* 2^53 */
/* MIN_NODE_PROTOCOL_VERSION (§2.4); not (yet) in clawgate.h. */
#define MIN_NODE_PROTOCOL	3

/* ------------------------------------------------------------------ */
/* UTF-8 helpers (input is valid UTF-8: jansson checked it).           */
/* ------------------------------------------------------------------ */

/* Decode one code point at s[0..len); store its length in *n. */
static unsigned long
utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	unsigned long	 cp;
	size_t		 need, i;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		*n = 1;
		return 0xfffd;
	}
	if (need > len) {
		*n = 1;
		return 0xfffd;
	}
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*n = 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*n = need;
	return cp;
}

static size_t
utf8_count(const char *s, size_t len)
{
	size_t	 i, n, count = 0;

	for (i = 0; i < len; i += n, count++)
		(void)utf8_next((const unsigned char *)s + i, len - i, &n);
	return count;
}

/* The longest prefix of s[0..len) that does not end inside a sequence. */
static size_t
utf8_cut(const char *s, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < len; i += n) {
		(void)utf8_next((const unsigned char *)s + i, len - i, &n);
		if (i + n > len)
			break;
	}
	return i;
}

/* ECMAScript WhiteSpace and LineTerminator, what String.trim() strips. */
static int
js_space(unsigned long cp)
{
	return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0xa0 ||
	    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
	    cp == 0x3000 || cp == 0xfeff;
}

static int
js_blank(const char *s, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < len; i += n)
		if (!js_space(utf8_next((const unsigned char *)s + i,
		    len - i, &n)))
			return 0;
	return 1;
}

/* Would the regexp /^.*$/ (no s flag) match?  No line terminators. */
static int
js_dot_all(const char *s, size_t len)
{
	size_t		 i, n;
	unsigned long	 cp;

	for (i = 0; i < len; i += n) {
		cp = utf8_next((const unsigned char *)s + i, len - i, &n);
		if (cp == 0x0a || cp == 0x0d || cp == 0x2028 || cp == 0x2029)
			return 0;
	}
	return 1;
}

/* A canonical array index ("0".."4294967294"): Object.keys() lists
 * these first. */
static int
js_array_index(const char *s, size_t len, unsigned long long *val)
{
	unsigned long long	 v = 0;
	size_t			 i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v > 4294967294ULL)
		return 0;
	*val = v;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Error collection and formatting.                                    */
/* ------------------------------------------------------------------ */

struct vs_errs {
	char		 buf[VS_MSG_MAX];	/* parts, back to back */
	size_t		 used;
	size_t		 off[VS_MAX_PARTS];
	size_t		 len[VS_MAX_PARTS];
	unsigned	 n;
};

struct vs_path {
	char	 p[VS_PATH_MAX];
	size_t	 len;
};

static void
errs_add(struct vs_errs *e, const char *part, size_t len)
{
	unsigned	 i;

	if (len > VS_PART_MAX)
		len = utf8_cut(part, VS_PART_MAX);
	for (i = 0; i < e->n; i++)
		if (e->len[i] == len && memcmp(e->buf + e->off[i], part,
		    len) == 0)
			return;
	if (e->n == VS_MAX_PARTS || e->used + len > sizeof(e->buf))
		return;
	memcpy(e->buf + e->used, part, len);
	e->off[e->n] = e->used;
	e->len[e->n] = len;
	e->used += len;
	e->n++;
}

static void
errs_merge(struct vs_errs *dst, const struct vs_errs *src)
{
	unsigned	 i;

	for (i = 0; i < src->n; i++)
		errs_add(dst, src->buf + src->off[i], src->len[i]);
}

/* Join with "; " into out (always NUL-terminated, cut on a boundary). */
static void
errs_join(const struct vs_errs *e, char *out, size_t outlen)
{
	size_t		 w = 0, take;
	unsigned	 i;

	if (outlen == 0)
		return;
	for (i = 0; i < e->n; i++) {
		if (i > 0) {
			if (w + 2 >= outlen)
				break;
			memcpy(out + w, "; ", 2);
			w += 2;
		}
		take = e->len[i];
		if (take > outlen - 1 - w)
			take = utf8_cut(e->buf + e->off[i], outlen - 1 - w);
		memcpy(out + w, e->buf + e->off[i], take);
		w += take;
		if (take < e->len[i])
			break;
	}
	out[w] = '\0';
}

/* Add "[at <path>: ]<msg>" (rule 4, every keyword but additionalProperties). */
static void
errs_msg(struct vs_errs *e, const struct vs_path *p, const char *msg)
{
	char	 part[VS_PART_MAX + 1];
	int	 r;

	if (p->len > 0)
		r = snprintf(part, sizeof(part), "at %.*s: %s", (int)p->len,
		    p->p, msg);
	else
		r = snprintf(part, sizeof(part), "%s", msg);
	if (r < 0)
		return;
	errs_add(e, part, (size_t)r < sizeof(part) ? (size_t)r :
	    utf8_cut(part, sizeof(part) - 1));
}

static void
errs_unexpected(struct vs_errs *e, const struct vs_path *p, const char *key,
    size_t klen)
{
	char	 part[VS_PART_MAX + 1];
	int	 r;

	if (klen > VS_PART_MAX)
		klen = VS_PART_MAX;
	if (p->len > 0)
		r = snprintf(part, sizeof(part),
		    "at %.*s: unexpected property '%.*s'", (int)p->len, p->p,
		    (int)klen, key);
	else
		r = snprintf(part, sizeof(part),
		    "at root: unexpected property '%.*s'", (int)klen, key);
	if (r < 0)
		return;
	errs_add(e, part, (size_t)r < sizeof(part) ? (size_t)r :
	    utf8_cut(part, sizeof(part) - 1));
}

/* Append "/seg" to the path; returns the old length to restore. */
static size_t
path_push(struct vs_path *p, const char *seg, size_t slen)
{
	size_t	 old = p->len, room;

	if (p->len + 1 < sizeof(p->p)) {
		p->p[p->len++] = '/';
		room = sizeof(p->p) - p->len;
		if (slen > room)
			slen = utf8_cut(seg, room);
		memcpy(p->p + p->len, seg, slen);
		p->len += slen;
	}
	return old;
}

/* ------------------------------------------------------------------ */
/* The validator.                                                      */
/* ------------------------------------------------------------------ */

static int	vs_walk(const struct vschema *, json_t *, struct vs_path *,
		    struct vs_errs *);

static int
json_integral(json_t *v)
{
	double	 d;

	if (json_is_integer(v))
		return 1;
	if (!json_is_real(v))
		return 0;
	d = json_real_value(v);
	/* Number.isInteger() without libm: every |d| >= 2^53 is integral. */
	if (!isfinite(d))
		return 0;
	if (d >= MAX_SAFE_INT || d <= -MAX_SAFE_INT)
		return 1;
	return d == (double)(long long)d;
}

static double
json_num(json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) :
	    json_real_value(v);
}

static int
str_eq(json_t *v, const char *lit)
{
	size_t	 n = strlen(lit);

	return json_is_string(v) && json_string_length(v) == n &&
	    memcmp(json_string_value(v), lit, n) == 0;
}

static int
walk_string(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	char	 m[80];
	size_t	 n;
	int	 ok = 1;

	if (!json_is_string(v)) {
		errs_msg(e, p, "must be string");
		return 0;
	}
	n = json_string_length(v);
	if (s->maxlen > 0) {
		if (s->flags & VS_F_BYTES) {
			if (n > s->maxlen) {
				snprintf(m, sizeof(m),
				    "must not have more than %zu bytes",
				    s->maxlen);
				errs_msg(e, p, m);
				ok = 0;
			}
		} else if (utf8_count(json_string_value(v), n) > s->maxlen) {
			snprintf(m, sizeof(m),
			    "must not have more than %zu characters",
			    s->maxlen);
			errs_msg(e, p, m);
			ok = 0;
		}
	}
	if (s->minlen > 0 && utf8_count(json_string_value(v), n) < s->minlen) {
		snprintf(m, sizeof(m), "must not have fewer than %zu characters",
		    s->minlen);
		errs_msg(e, p, m);
		ok = 0;
	}
	return ok;
}

static int
walk_integer(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	char	 m[64];
	int	 ok = 1;

	if (!json_integral(v)) {
		errs_msg(e, p, "must be integer");
		ok = 0;
	}
	if (json_is_number(v) && (s->flags & VS_F_MINIMUM) &&
	    !(json_num(v) >= (double)s->minimum)) {
		snprintf(m, sizeof(m), "must be >= %lld", s->minimum);
		errs_msg(e, p, m);
		ok = 0;
	}
	return ok;
}

static int
walk_enum(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	const char *const	*vp;

	for (vp = s->values; *vp != NULL; vp++)
		if (str_eq(v, *vp))
			return 1;
	errs_msg(e, p, "must be equal to one of the allowed values");
	return 0;
}

static int
walk_const(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	int	 ok = 1;

	if (!json_is_string(v)) {
		errs_msg(e, p, "must be string");
		ok = 0;
	}
	if (!str_eq(v, s->values[0])) {
		errs_msg(e, p, "must be equal to constant");
		ok = 0;
	}
	return ok;
}

static const struct vs_prop *
find_prop(const struct vschema *s, const char *key, size_t klen)
{
	const struct vs_prop	*pp;

	for (pp = s->props; pp->name != NULL; pp++)
		if (strlen(pp->name) == klen && memcmp(pp->name, key, klen) == 0)
			return pp;
	return NULL;
}

/* Rule 3: pick the extra key the reference would name; 0 if none. */
static int
walk_extra_keys(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	const char		*key, *best = NULL, *blank = NULL;
	size_t			 klen, best_len = 0;
	unsigned long long	 idx, best_idx = 0;
	int			 best_is_idx = 0;
	void			*it;

	for (it = json_object_iter(v); it != NULL;
	    it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		klen = strlen(key);	/* jansson refuses NUL in keys */
		if (find_prop(s, key, klen) != NULL)
			continue;
		if (js_array_index(key, klen, &idx)) {
			if (!best_is_idx || idx < best_idx) {
				best = key;
				best_len = klen;
				best_idx = idx;
				best_is_idx = 1;
			}
		} else if (js_blank(key, klen)) {
			blank = key;
		} else if (best == NULL) {
			best = key;
			best_len = klen;
		}
	}
	if (best != NULL)
		errs_unexpected(e, p, best, best_len);
	else if (blank != NULL)
		errs_msg(e, p, "must not have additional properties");
	return best != NULL || blank != NULL;
}

static int
walk_object(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	const struct vs_prop	*pp;
	json_t			*child;
	char			 m[VS_PART_MAX];
	size_t			 old;
	int			 ok = 1;

	if (!json_is_object(v)) {
		errs_msg(e, p, "must be object");
		return 0;
	}
	for (pp = s->props; pp->name != NULL; pp++)
		if (pp->required && json_object_get(v, pp->name) == NULL) {
			snprintf(m, sizeof(m), "must have required property '%s'",
			    pp->name);
			errs_msg(e, p, m);
			ok = 0;
			break;
		}
	if (s->closed && walk_extra_keys(s, v, p, e))
		ok = 0;
	for (pp = s->props; pp->name != NULL; pp++) {
		if ((child = json_object_get(v, pp->name)) == NULL)
			continue;
		old = path_push(p, pp->name, strlen(pp->name));
		if (!vs_walk(pp->schema, child, p, e))
			ok = 0;
		p->len = old;
	}
	return ok;
}

static int
walk_array(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	char	 seg[24], m[64];
	size_t	 i, old;
	int	 ok = 1, n;

	if (!json_is_array(v)) {
		errs_msg(e, p, "must be array");
		return 0;
	}
	for (i = 0; i < json_array_size(v); i++) {
		n = snprintf(seg, sizeof(seg), "%zu", i);
		old = path_push(p, seg, (size_t)n);
		if (!vs_walk(s->items, json_array_get(v, i), p, e))
			ok = 0;
		p->len = old;
	}
	if (s->maxitems > 0 && json_array_size(v) > s->maxitems) {
		snprintf(m, sizeof(m), "must not have more than %zu items",
		    s->maxitems);
		errs_msg(e, p, m);
		ok = 0;
	}
	return ok;
}

static int
walk_record(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	const char	*key;
	size_t		 klen, old;
	void		*it;
	int		 ok = 1;

	if (!json_is_object(v)) {
		errs_msg(e, p, "must be object");
		return 0;
	}
	for (it = json_object_iter(v); it != NULL;
	    it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		klen = strlen(key);
		if (!js_dot_all(key, klen))
			continue;
		old = path_push(p, key, klen);
		if (!vs_walk(s->items, json_object_iter_value(it), p, e))
			ok = 0;
		p->len = old;
	}
	return ok;
}

static int
walk_anyof(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	const struct vschema *const	*ap;
	struct vs_errs			 sub[4];
	unsigned			 i, n = 0;

	for (ap = s->alts; *ap != NULL && n < 4; ap++, n++) {
		memset(&sub[n], 0, sizeof(sub[n]));
		if (vs_walk(*ap, v, p, &sub[n]))
			return 1;
	}
	for (i = 0; i < n; i++)
		errs_merge(e, &sub[i]);
	errs_msg(e, p, "must match a schema in anyOf");
	return 0;
}

static int
vs_walk(const struct vschema *s, json_t *v, struct vs_path *p,
    struct vs_errs *e)
{
	switch (s->kind) {
	case VS_ANY:
		return 1;
	case VS_STRING:
		return walk_string(s, v, p, e);
	case VS_INTEGER:
		return walk_integer(s, v, p, e);
	case VS_BOOLEAN:
		if (json_is_boolean(v))
			return 1;
		errs_msg(e, p, "must be boolean");
		return 0;
	case VS_ENUM:
		return walk_enum(s, v, p, e);
	case VS_CONST:
		return walk_const(s, v, p, e);
	case VS_OBJECT:
		return walk_object(s, v, p, e);
	case VS_ARRAY:
		return walk_array(s, v, p, e);
	case VS_RECORD:
		return walk_record(s, v, p, e);
	case VS_ANYOF:
		return walk_anyof(s, v, p, e);
	}
	return 0;
}

int
vschema_check(const struct vschema *s, json_t *v, char *msg, size_t msglen)
{
	struct vs_errs	 e;
	struct vs_path	 p;

	memset(&e, 0, sizeof(e));
	p.len = 0;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (vs_walk(s, v, &p, &e))
		return 0;
	if (msg != NULL) {
		if (e.n == 0)
			snprintf(msg, msglen, "unknown validation error");
		else
			errs_join(&e, msg, msglen);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Schemas (§1.2, §2.2).                                               */
/* ------------------------------------------------------------------ */

#define NONEMPTY_CAP(cap) \
	{ .kind = VS_STRING, .flags = VS_F_BYTES, .minlen = 1, .maxlen = (cap) }
#define STRING_CAP(cap) \
	{ .kind = VS_STRING, .flags = VS_F_BYTES, .maxlen = (cap) }

static const struct vschema s_any = { .kind = VS_ANY };
static const struct vschema s_field = NONEMPTY_CAP(AUTH_MAX_FIELD);
static const struct vschema s_frame_id = NONEMPTY_CAP(FRAME_ID_MAX);
static const struct vschema s_role = NONEMPTY_CAP(64);
static const struct vschema s_secret = STRING_CAP(AUTH_MAX_SECRET);
static const struct vschema s_runtime_token = STRING_CAP(2048);
static const struct vschema s_locale = STRING_CAP(256);
static const struct vschema s_user_agent = STRING_CAP(1024);
static const struct vschema s_path_env = STRING_CAP(32768);
static const struct vschema s_plain_string = STRING_CAP(AUTH_MAX_FIELD);
static const struct vschema s_build_id = {
	.kind = VS_STRING, .minlen = 1, .maxlen = 96 };
static const struct vschema s_time_zone = {
	.kind = VS_STRING, .minlen = 1, .maxlen = 64 };
static const struct vschema s_traceparent = {
	.kind = VS_STRING, .maxlen = 128 };
static const struct vschema s_profile_id = {
	.kind = VS_STRING, .minlen = 1, .maxlen = 128 };
static const struct vschema s_int_min1 = {
	.kind = VS_INTEGER, .flags = VS_F_MINIMUM, .minimum = 1 };
static const struct vschema s_int_min0 = {
	.kind = VS_INTEGER, .flags = VS_F_MINIMUM, .minimum = 0 };
static const struct vschema s_boolean = { .kind = VS_BOOLEAN };
static const struct vschema s_object = {
	.kind = VS_OBJECT, .props = (const struct vs_prop[]){ { NULL, NULL,
	0 } } };

static const char *const client_ids[] = {
	"webchat-ui", "openclaw-control-ui", "openclaw-browser-copilot",
	"openclaw-tui", "webchat", "cli", "gateway-client", "openclaw-macos",
	"openclaw-linux", "openclaw-ios", "openclaw-watchos",
	"openclaw-android", "node-host", "openclaw-worker", "test",
	"fingerprint", "openclaw-probe", NULL
};
static const char *const client_modes[] = {
	"webchat", "cli", "ui", "backend", "node", "worker", "probe", "test",
	NULL
};
static const struct vschema s_client_id = {
	.kind = VS_ENUM, .values = client_ids };
static const struct vschema s_client_mode = {
	.kind = VS_ENUM, .values = client_modes };

static const struct vschema s_client = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "id", &s_client_id, 1 },
		{ "displayName", &s_field, 0 },
		{ "version", &s_field, 1 },
		{ "buildId", &s_build_id, 0 },
		{ "platform", &s_field, 1 },
		{ "deviceFamily", &s_field, 0 },
		{ "modelIdentifier", &s_field, 0 },
		{ "timeZone", &s_time_zone, 0 },
		{ "mode", &s_client_mode, 1 },
		{ "instanceId", &s_field, 0 },
		{ NULL, NULL, 0 } }
};

static const struct vschema s_name_list = {
	.kind = VS_ARRAY, .items = &s_field, .maxitems = 256 };
static const struct vschema s_scopes = {
	.kind = VS_ARRAY, .items = &s_field, .maxitems = AUTH_MAX_SCOPES };
static const struct vschema s_permissions = {
	.kind = VS_RECORD, .items = &s_boolean };

/* Approximate: only sent when the gateway advertises the capability. */
static const struct vschema s_catalog_session = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "agentId", &s_plain_string, 0 },
		{ "sessionKey", &s_plain_string, 0 },
		{ NULL, NULL, 0 } }
};
static const struct vschema s_catalog_short = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "agentId", &s_plain_string, 0 },
		{ "shortId", &s_plain_string, 1 },
		{ "slugHint", &s_plain_string, 0 },
		{ NULL, NULL, 0 } }
};
static const struct vschema s_model_catalog = {
	.kind = VS_ANYOF,
	.alts = (const struct vschema *const[]){ &s_catalog_session,
	    &s_catalog_short, NULL }
};

static const struct vschema s_device = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "id", &s_field, 1 },
		{ "publicKey", &s_field, 1 },
		{ "signature", &s_field, 1 },
		{ "signedAt", &s_int_min0, 1 },
		{ "nonce", &s_field, 1 },
		{ NULL, NULL, 0 } }
};

static const struct vschema s_auth = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "token", &s_secret, 0 },
		{ "bootstrapToken", &s_secret, 0 },
		{ "deviceToken", &s_secret, 0 },
		{ "password", &s_secret, 0 },
		{ "approvalRuntimeToken", &s_runtime_token, 0 },
		{ "agentRuntimeIdentityToken", &s_runtime_token, 0 },
		{ NULL, NULL, 0 } }
};

const struct vschema vs_connect_params = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "minProtocol", &s_int_min1, 1 },
		{ "maxProtocol", &s_int_min1, 1 },
		{ "client", &s_client, 1 },
		{ "caps", &s_name_list, 0 },
		{ "commands", &s_name_list, 0 },
		{ "computerUse", &s_any, 0 },
		{ "workerRuns", &s_object, 0 },
		{ "permissions", &s_permissions, 0 },
		{ "pathEnv", &s_path_env, 0 },
		{ "role", &s_role, 0 },
		{ "scopes", &s_scopes, 0 },
		{ "modelCatalog", &s_model_catalog, 0 },
		{ "device", &s_device, 0 },
		{ "auth", &s_auth, 0 },
		{ "locale", &s_locale, 0 },
		{ "userAgent", &s_user_agent, 0 },
		{ NULL, NULL, 0 } }
};

static const char *const req_literal[] = { "req", NULL };
static const struct vschema s_req_type = {
	.kind = VS_CONST, .values = req_literal };

const struct vschema vs_request_frame = {
	.kind = VS_OBJECT, .closed = 1,
	.props = (const struct vs_prop[]){
		{ "type", &s_req_type, 1 },
		{ "id", &s_frame_id, 1 },
		{ "method", &s_frame_id, 1 },
		{ "params", &s_any, 0 },
		{ "traceparent", &s_traceparent, 0 },
		{ "expectedProfileId", &s_profile_id, 0 },
		{ NULL, NULL, 0 } }
};

int
frame_check_request(json_t *root, char *msg, size_t msglen)
{
	return vschema_check(&vs_request_frame, root, msg, msglen);
}

/* ------------------------------------------------------------------ */
/* The first frame.                                                    */
/* ------------------------------------------------------------------ */

int
auth_str_eq(const struct auth_str *s, const char *lit)
{
	size_t	 n = strlen(lit);

	return s->p != NULL && s->len == n && memcmp(s->p, lit, n) == 0;
}

static void
get_str(json_t *obj, const char *key, struct auth_str *out)
{
	json_t	*v = json_object_get(obj, key);

	if (json_is_string(v)) {
		out->p = json_string_value(v);
		out->len = json_string_length(v);
	} else {
		out->p = NULL;
		out->len = 0;
	}
}

static int64_t
clamp_protocol(json_t *v)
{
	double	 d = json_num(v);

	if (!(d >= 1.0))
		return 1;
	if (d > MAX_SAFE_INT)
		return (int64_t)MAX_SAFE_INT;
	return (int64_t)d;
}

static uint64_t
clamp_u64(json_t *v)
{
	double	 d = json_num(v);

	if (!(d >= 0.0))
		return 0;
	if (d >= 18446744073709551616.0)
		return UINT64_MAX;
	return (uint64_t)d;
}

int
connect_client_class(const struct auth_str *id, const struct auth_str *mode)
{
	int	 c = CLIENT_CLASS_OTHER;

	if (auth_str_eq(mode, "cli"))
		c |= CLIENT_CLASS_CLI;
	if (auth_str_eq(id, "openclaw-control-ui") ||
	    auth_str_eq(id, "openclaw-browser-copilot") ||
	    auth_str_eq(id, "openclaw-tui") ||
	    auth_str_eq(id, "webchat-ui") || auth_str_eq(mode, "webchat"))
		c |= CLIENT_CLASS_UI;
	return c;
}

int
connect_protocol_ok(int64_t min, int64_t max, const struct auth_str *mode,
    const struct auth_str *role)
{
	if (max >= CG_PROTOCOL && min <= CG_PROTOCOL)
		return 1;
	if (auth_str_eq(mode, "probe") && max >= CG_MIN_PROBE_PROTOCOL &&
	    min <= CG_PROTOCOL)
		return 1;
	if (auth_str_eq(role, "node") && auth_str_eq(mode, "node") &&
	    max >= MIN_NODE_PROTOCOL && min <= MIN_NODE_PROTOCOL)
		return 1;
	return 0;
}

static int
non_blank(const struct auth_str *s)
{
	return s->p != NULL && !js_blank(s->p, s->len);
}

static const char *
auth_kind(const struct connect_params *cp)
{
	if (non_blank(&cp->token))
		return "token";
	if (non_blank(&cp->password))
		return "password";
	if (non_blank(&cp->bootstrap_token))
		return "bootstrap-token";
	if (non_blank(&cp->device_token))
		return "device-token";
	return "none";
}

/* Copy the validated params into `out' (pointers into the frame). */
static void
extract_params(json_t *params, struct connect_params *out)
{
	json_t	*client, *auth, *dev, *scopes;
	size_t	 i;

	out->min_protocol = clamp_protocol(json_object_get(params,
	    "minProtocol"));
	out->max_protocol = clamp_protocol(json_object_get(params,
	    "maxProtocol"));
	client = json_object_get(params, "client");
	get_str(client, "id", &out->client_id);
	get_str(client, "mode", &out->client_mode);
	get_str(client, "version", &out->client_version);
	get_str(client, "platform", &out->platform);
	get_str(client, "deviceFamily", &out->device_family);
	get_str(client, "displayName", &out->display_name);
	get_str(client, "instanceId", &out->instance_id);
	get_str(client, "buildId", &out->build_id);
	out->client_class = connect_client_class(&out->client_id,
	    &out->client_mode);

	get_str(params, "role", &out->role);
	out->role_sent = out->role.p != NULL;
	if (!out->role_sent) {
		out->role.p = "operator";
		out->role.len = strlen("operator");
	}
	scopes = json_object_get(params, "scopes");
	for (i = 0; i < json_array_size(scopes) && i < AUTH_MAX_SCOPES; i++) {
		out->scopes[i].p = json_string_value(json_array_get(scopes, i));
		out->scopes[i].len = json_string_length(json_array_get(scopes,
		    i));
	}
	out->nscopes = (unsigned)i;

	auth = json_object_get(params, "auth");
	out->has_auth = auth != NULL;
	get_str(auth, "token", &out->token);
	get_str(auth, "password", &out->password);
	get_str(auth, "deviceToken", &out->device_token);
	get_str(auth, "bootstrapToken", &out->bootstrap_token);
	out->auth_kind = auth_kind(out);

	dev = json_object_get(params, "device");
	out->has_device = dev != NULL;
	get_str(dev, "id", &out->dev_id);
	get_str(dev, "publicKey", &out->dev_pubkey);
	get_str(dev, "signature", &out->dev_sig);
	get_str(dev, "nonce", &out->dev_nonce);
	if (dev != NULL)
		out->dev_signed_at = clamp_u64(json_object_get(dev,
		    "signedAt"));
}

/* err = a || b, cut on a UTF-8 boundary if it does not fit. */
static void
set_err2(char *err, size_t errlen, const char *a, const char *b)
{
	if (errlen == 0)
		return;
	if ((size_t)snprintf(err, errlen, "%s%s", a, b) >= errlen)
		err[utf8_cut(err, strlen(err))] = '\0';
}

static void
set_err(char *err, size_t errlen, const char *msg)
{
	set_err2(err, errlen, msg, "");
}

enum first_frame
connect_parse(const char *text, size_t len, struct connect_params *out,
    char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*root, *params;
	char		 msg[VS_MSG_MAX];

	memset(out, 0, sizeof(*out));
	set_err(err, errlen, "");
	root = json_loadb(text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL,
	    &je);
	if (root == NULL) {
		/* Position only: jansson's text may quote the input. */
		if (errlen > 0)
			snprintf(err, errlen, "invalid JSON at line %d column %d",
			    je.line, je.column);
		return FF_NOT_JSON;
	}
	out->frame = root;
	if (vschema_check(&vs_request_frame, root, NULL, 0) != 0) {
		set_err(err, errlen, "invalid request frame");
		return FF_INVALID_FRAME;
	}
	get_str(root, "id", &out->req_id);
	get_str(root, "method", &out->method);
	if (!auth_str_eq(&out->method, "connect")) {
		set_err(err, errlen,
		    "invalid handshake: first request must be connect");
		return FF_NOT_CONNECT;
	}
	params = json_object_get(root, "params");
	if (vschema_check(&vs_connect_params, params, msg, sizeof(msg)) != 0) {
		set_err2(err, errlen, "invalid connect params: ", msg);
		return FF_BAD_PARAMS;
	}
	extract_params(params, out);
	if (!connect_protocol_ok(out->min_protocol, out->max_protocol,
	    &out->client_mode, &out->role)) {
		set_err(err, errlen, "protocol mismatch");
		return FF_PROTOCOL_MISMATCH;
	}
	if (!auth_str_eq(&out->role, "operator") &&
	    !auth_str_eq(&out->role, "node")) {
		set_err(err, errlen, "invalid role");
		return FF_INVALID_ROLE;
	}
	return FF_OK;
}

/*
 * Overwrite every string under `v' in place before it is freed: the
 * frame held credentials, and jansson frees without clearing.  Depth is
 * bounded by jansson's parser (2048).
 */
static void
wipe_strings(json_t *v)
{
	size_t	 i;
	void	*it;

	if (json_is_string(v) && json_string_length(v) > 0)
		explicit_bzero((char *)(uintptr_t)json_string_value(v),
		    json_string_length(v));
	else if (json_is_array(v))
		for (i = 0; i < json_array_size(v); i++)
			wipe_strings(json_array_get(v, i));
	else if (json_is_object(v))
		for (it = json_object_iter(v); it != NULL;
		    it = json_object_iter_next(v, it))
			wipe_strings(json_object_iter_value(it));
}

void
connect_params_scrub(struct connect_params *cp)
{
	json_t	*params, *auth;

	params = json_object_get(cp->frame, "params");
	if ((auth = json_object_get(params, "auth")) != NULL) {
		wipe_strings(auth);
		json_object_del(params, "auth");
	}
	memset(&cp->token, 0, sizeof(cp->token));
	memset(&cp->password, 0, sizeof(cp->password));
	memset(&cp->device_token, 0, sizeof(cp->device_token));
	memset(&cp->bootstrap_token, 0, sizeof(cp->bootstrap_token));
}

void
connect_params_free(struct connect_params *cp)
{
	/* A malformed frame may hold a credential anywhere: wipe it all. */
	wipe_strings(cp->frame);
	json_decref(cp->frame);
	memset(cp, 0, sizeof(*cp));
}

const char *
connect_auth_kind(const struct connect_params *cp)
{
	return cp->auth_kind != NULL ? cp->auth_kind : "none";
}

void
connect_params_to_auth_req(const struct connect_params *cp,
    struct auth_req *req)
{
	unsigned	 i;

	req->client_id = cp->client_id;
	req->client_mode = cp->client_mode;
	req->platform = cp->platform;
	req->family = cp->device_family;
	req->name = cp->display_name;
	req->role = cp->role;
	for (i = 0; i < cp->nscopes && i < AUTH_MAX_SCOPES; i++)
		req->scopes[i] = cp->scopes[i];
	req->nscopes = i;
	req->token = cp->token;
	req->password = cp->password;
	req->device_token = cp->device_token;
	req->bootstrap_token = cp->bootstrap_token;
	if (cp->has_device)
		req->flags |= AUTH_F_HAS_DEVICE;
	req->dev_id = cp->dev_id;
	req->dev_pubkey = cp->dev_pubkey;
	req->dev_sig = cp->dev_sig;
	req->dev_nonce = cp->dev_nonce;
	req->dev_signed_at = cp->dev_signed_at;
}
