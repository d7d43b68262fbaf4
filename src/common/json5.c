/*
 * json5.c: a strict, bounded JSON5 reader (see json5.h).
 *
 * One recursive-descent pass over text that a first pass has proven to
 * be NUL-free, valid UTF-8 within JSON5_MAX_INPUT bytes.  Recursion is
 * bounded by JSON5_MAX_DEPTH.  Decoded strings never grow (every escape
 * is at least as long as what it stands for), so one scratch buffer of
 * the input's size serves every string; it is wiped before it is freed
 * because config strings carry secrets.
 */
#include <errno.h>
#ifdef __GLIBC__
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json5.h"

/* One value in the position map; a tree of parent/child indices. */
struct pnode {
	char		*key;		/* NULL: array element or the root */
	size_t		 index;		/* array elements */
	int		 parent;
	int		 first, last, next;
	int		 dropped;	/* ${VAR} missing: not in the tree */
	struct json5_pos pos;
	struct json5_span span;		/* byte offsets, for editors */
};

struct json5_doc {
	json_t		*root;
	struct pnode	*nodes;
	size_t		 nnodes, cap;
	struct json5_warning warns[JSON5_MAX_WARNINGS];
	size_t		 nwarns;
};

struct parser {
	const unsigned char *s;
	size_t		 len, pos;
	int		 line, col;
	int		 flags;
	int		 depth;
	struct json5_doc *doc;
	struct json5_error *err;
	unsigned char	*buf;		/* scratch for strings, len + 1 */
	size_t		 blen;		/* bytes of the last string in buf */
};

/* Return values of the value parsers besides -1. */
#define V_OK		0
#define V_DROPPED	1

static int	parse_value(struct parser *, int, json_t **);
static int	perr(struct parser *, struct json5_loc, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}


/* --- cursor ------------------------------------------------------- */

static struct json5_loc
here(const struct parser *p)
{
	struct json5_loc l = { p->line, p->col };

	return l;
}

static int
peek(const struct parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

static int
peek_at(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? p->s[p->pos + off] : -1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char	c = s[0];
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* > U+10FFFF */
	} else
		return 0;
	if (n < need + 1)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need + 1;
}

/* Decode the (valid) code point at the cursor; *n gets its length. */
static uint32_t
cur_cp(const struct parser *p, size_t *n)
{
	const unsigned char	*s = p->s + p->pos;
	size_t			 len;

	if (p->pos >= p->len) {
		*n = 0;
		return 0;
	}
	len = utf8_seq(s, p->len - p->pos);
	if (len <= 1) {
		*n = 1;
		return s[0];
	}
	*n = len;
	if (len == 2)
		return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	if (len == 3)
		return (uint32_t)(s[0] & 0x0f) << 12 |
		    (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	    (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

static int
is_newline(uint32_t cp)
{
	return cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
}

/* Step over one code point, keeping line and column. */
static void
adv(struct parser *p)
{
	size_t		n;
	uint32_t	cp = cur_cp(p, &n);

	if (n == 0)
		return;
	p->pos += n;
	if (cp == '\r' && peek(p) == '\n')
		return;		/* CR LF is one line break: LF counts it */
	if (is_newline(cp)) {
		p->line++;
		p->col = 1;
	} else
		p->col++;
}

/* --- errors ------------------------------------------------------- */

static int
perr(struct parser *p, struct json5_loc loc, const char *fmt, ...)
{
	va_list	ap;

	p->err->loc = loc;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* What is at the cursor, for messages: 'x', U+00A0, end of input. */
static const char *
what(const struct parser *p, char *buf, size_t size)
{
	size_t		n;
	uint32_t	cp = cur_cp(p, &n);

	if (n == 0)
		snprintf(buf, size, "end of input");
	else if (cp > 0x20 && cp < 0x7f && cp != '\'')
		snprintf(buf, size, "'%c'", (int)cp);
	else if (cp == '\'')
		snprintf(buf, size, "\"'\"");
	else if (cp == '\n' || cp == '\r')
		snprintf(buf, size, "end of line");
	else
		snprintf(buf, size, "U+%04X", (unsigned)cp);
	return buf;
}

/* --- the first pass: size, NUL, UTF-8 ----------------------------- */

static int
check_input(struct parser *p)
{
	size_t	n;

	if (p->len > JSON5_MAX_INPUT) {
		/* Point at the first byte over the limit. */
		p->len = JSON5_MAX_INPUT;
		while (p->pos < p->len)
			adv(p);
		return perr(p, here(p), "the file is larger than %d bytes "
		    "(1 MiB); a configuration file never needs to be this big",
		    JSON5_MAX_INPUT);
	}
	while (p->pos < p->len) {
		if (p->s[p->pos] == '\0')
			return perr(p, here(p), "NUL byte in the input; "
			    "the file must be UTF-8 text");
		n = utf8_seq(p->s + p->pos, p->len - p->pos);
		if (n == 0)
			return perr(p, here(p), "invalid UTF-8 byte 0x%02X; "
			    "save the file as UTF-8", p->s[p->pos]);
		adv(p);
	}
	p->pos = 0;
	p->line = p->col = 1;
	return 0;
}

/* --- whitespace and comments -------------------------------------- */

static int
is_space(uint32_t cp)
{
	switch (cp) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0xa0: case 0x1680: case 0x2028: case 0x2029: case 0x202f:
	case 0x205f: case 0x3000: case 0xfeff:
		return 1;
	default:
		return cp >= 0x2000 && cp <= 0x200a;
	}
}

static int
skip_ws(struct parser *p)
{
	struct json5_loc start;
	size_t		 n;
	uint32_t	 cp;

	for (;;) {
		cp = cur_cp(p, &n);
		if (n == 0)
			return 0;
		if (is_space(cp)) {
			adv(p);
			continue;
		}
		if (cp != '/')
			return 0;
		start = here(p);
		if (peek_at(p, 1) == '/') {
			while ((cp = cur_cp(p, &n)), n != 0 && !is_newline(cp))
				adv(p);
		} else if (peek_at(p, 1) == '*') {
			adv(p);
			adv(p);
			while (!(peek(p) == '*' && peek_at(p, 1) == '/')) {
				if (peek(p) == -1)
					return perr(p, start,
					    "unterminated /* comment; "
					    "close it with */");
				adv(p);
			}
			adv(p);
			adv(p);
		} else
			return perr(p, start, "stray '/': comments start "
			    "with // or /*");
	}
}

/* --- position map ------------------------------------------------- */

static int
node_new(struct parser *p, int parent, const char *key, size_t index,
    struct json5_loc keyloc)
{
	struct json5_doc	*d = p->doc;
	struct pnode		*nn;
	int			 i;

	if (d->nnodes == d->cap) {
		size_t	cap = d->cap ? d->cap * 2 : 64;

		nn = reallocarray(d->nodes, cap, sizeof(*nn));
		if (nn == NULL)
			return perr(p, keyloc, "out of memory");
		d->nodes = nn;
		d->cap = cap;
	}
	i = (int)d->nnodes;
	nn = &d->nodes[i];
	memset(nn, 0, sizeof(*nn));
	nn->parent = parent;
	nn->first = nn->last = nn->next = -1;
	nn->index = index;
	nn->pos.key = keyloc;
	nn->pos.value = keyloc;
	if (key != NULL && (nn->key = strdup(key)) == NULL)
		return perr(p, keyloc, "out of memory");
	d->nnodes++;
	if (parent >= 0) {
		if (d->nodes[parent].last >= 0)
			d->nodes[d->nodes[parent].last].next = i;
		else
			d->nodes[parent].first = i;
		d->nodes[parent].last = i;
	}
	return i;
}

/* A value without a key (array element, root) starts at the cursor. */
static void
span_start(struct parser *p, int i)
{
	struct json5_span *sp = &p->doc->nodes[i].span;

	sp->key_start = sp->key_end = sp->value_start = p->pos;
}

/* Build the path of node `i' ("a.b[2]"); malloc'd, or NULL. */
static char *
node_path(const struct json5_doc *d, int i)
{
	int	 chain[JSON5_MAX_DEPTH + 2];
	size_t	 len = 0, o = 0;
	int	 n = 0, j;
	char	*s;

	/* The chain is at most one node per level plus the leaf. */
	for (j = i; j > 0 && n < (int)(sizeof(chain) / sizeof(chain[0]));
	    j = d->nodes[j].parent)
		chain[n++] = j;
	for (j = 0; j < n; j++)
		len += d->nodes[chain[j]].key != NULL ?
		    strlen(d->nodes[chain[j]].key) + 1 : 24;
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	while (n-- > 0) {
		const struct pnode *nd = &d->nodes[chain[n]];

		if (nd->key != NULL) {
			if (o > 0)
				s[o++] = '.';
			memcpy(s + o, nd->key, strlen(nd->key));
			o += strlen(nd->key);
		} else
			o += (size_t)snprintf(s + o, len + 1 - o, "[%zu]",
			    nd->index);
	}
	s[o] = '\0';
	return s;
}

/* A child of `parent' by key (key != NULL) or by index. */
static int
node_child(const struct json5_doc *d, int parent, const char *key,
    size_t keylen, size_t index)
{
	int	i, found = -1;

	for (i = d->nodes[parent].first; i >= 0; i = d->nodes[i].next) {
		const struct pnode *nd = &d->nodes[i];

		if (key != NULL) {
			if (nd->key == NULL || strlen(nd->key) != keylen ||
			    memcmp(nd->key, key, keylen) != 0)
				continue;
		} else if (nd->key != NULL || nd->index != index)
			continue;
		if (!nd->dropped)
			return i;
		if (found < 0)
			found = i;
	}
	return found;
}

/* --- strings ------------------------------------------------------ */

static size_t
utf8_put(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read `n' hex digits at the cursor into *out. */
static int
read_hex(struct parser *p, int n, uint32_t *out)
{
	uint32_t	v = 0;
	int		i, h;

	for (i = 0; i < n; i++) {
		if ((h = hexval(peek(p))) < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
		adv(p);
	}
	*out = v;
	return 0;
}

/* \u escape (cursor after the 'u'), with surrogate pairs. */
static int
read_u_escape(struct parser *p, struct json5_loc at, uint32_t *cp)
{
	uint32_t	lo;

	if (read_hex(p, 4, cp) == -1)
		return perr(p, at, "\\u must be followed by four hex digits");
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return perr(p, at, "lone UTF-16 low surrogate \\u%04X; it must "
		    "follow a high surrogate (\\uD800-\\uDBFF)", (unsigned)*cp);
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (peek(p) != '\\' || peek_at(p, 1) != 'u')
		return perr(p, at, "lone UTF-16 high surrogate \\u%04X; it "
		    "must be followed by a low surrogate \\uDC00-\\uDFFF",
		    (unsigned)*cp);
	adv(p);
	adv(p);
	if (read_hex(p, 4, &lo) == -1)
		return perr(p, at, "\\u must be followed by four hex digits");
	if (lo < 0xdc00 || lo > 0xdfff)
		return perr(p, at, "UTF-16 high surrogate \\u%04X is followed "
		    "by \\u%04X, which is not a low surrogate", (unsigned)*cp,
		    (unsigned)lo);
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* One escape sequence; the cursor is on the backslash. */
static int
read_escape(struct parser *p, struct json5_loc start, size_t *o)
{
	struct json5_loc at = here(p);
	uint32_t	 cp = 0;
	size_t		 n;
	int		 c;

	adv(p);
	c = peek(p);
	switch (c) {
	case -1:
		return perr(p, start, "unterminated string; close it with "
		    "the quote it started with");
	case 'b': cp = '\b'; break;
	case 'f': cp = '\f'; break;
	case 'n': cp = '\n'; break;
	case 'r': cp = '\r'; break;
	case 't': cp = '\t'; break;
	case 'v': cp = '\v'; break;
	case '0':
		if (peek_at(p, 1) >= '0' && peek_at(p, 1) <= '9')
			return perr(p, at, "\\0 followed by a digit is not "
			    "a valid escape");
		return perr(p, at, "escaped NUL (\\0) is not allowed in "
		    "strings");
	case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		return perr(p, at, "invalid escape '\\%c': octal and decimal "
		    "escapes do not exist in JSON5", c);
	case 'x':
		adv(p);
		if (read_hex(p, 2, &cp) == -1)
			return perr(p, at, "\\x must be followed by two hex "
			    "digits");
		if (cp == 0)
			return perr(p, at, "escaped NUL (\\x00) is not allowed "
			    "in strings");
		*o += utf8_put(p->buf + *o, cp);
		return 0;
	case 'u':
		adv(p);
		if (read_u_escape(p, at, &cp) == -1)
			return -1;
		if (cp == 0)
			return perr(p, at, "escaped NUL (\\u0000) is not "
			    "allowed in strings");
		*o += utf8_put(p->buf + *o, cp);
		return 0;
	default:
		cp = cur_cp(p, &n);
		if (is_newline(cp)) {
			adv(p);		/* line continuation: nothing */
			if (cp == '\r' && peek(p) == '\n')
				adv(p);
			return 0;
		}
		/* \' \" \\ and any other character stand for themselves. */
		memcpy(p->buf + *o, p->s + p->pos, n);
		*o += n;
		adv(p);
		return 0;
	}
	*o += utf8_put(p->buf + *o, cp);
	adv(p);
	return 0;
}

/* A quoted string into p->buf (NUL-terminated), length in p->blen. */
static int
parse_string(struct parser *p)
{
	struct json5_loc start = here(p);
	int		 q = peek(p);
	size_t		 o = 0, n;
	uint32_t	 cp;

	adv(p);
	for (;;) {
		cp = cur_cp(p, &n);
		if (n == 0)
			return perr(p, start, "unterminated string; close it "
			    "with the quote it started with (%c)", q);
		if (cp == (uint32_t)q) {
			adv(p);
			break;
		}
		if (cp == '\n' || cp == '\r')
			return perr(p, here(p), "line break inside a string; "
			    "write \\n, or end the line with a backslash to "
			    "continue the string");
		if (cp == '\\') {
			if (read_escape(p, start, &o) == -1)
				return -1;
			continue;
		}
		memcpy(p->buf + o, p->s + p->pos, n);
		o += n;
		adv(p);
	}
	p->buf[o] = '\0';
	p->blen = o;
	return 0;
}

/* --- ${VAR} substitution ------------------------------------------ */

struct sbuf {
	char	*s;
	size_t	 len, cap;
};

/* Append; grows by copying so that no unwiped copy is left behind. */
static int
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	char	*ns;
	size_t	 cap;

	if (b->len + n + 1 > JSON5_MAX_INPUT)
		return -1;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((ns = malloc(cap)) == NULL)
			return -1;
		if (b->s != NULL) {
			memcpy(ns, b->s, b->len);
			wipe_free(b->s, b->cap);
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int
is_env_name(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* If s[i..] is "${NAME}" with a valid NAME, its length, else 0. */
static size_t
env_ref(const char *s, size_t len, size_t i, size_t *nameoff, size_t *namelen)
{
	const char	*end;

	if (i + 2 >= len || s[i] != '$' || s[i + 1] != '{')
		return 0;
	end = memchr(s + i + 2, '}', len - i - 2);
	if (end == NULL || !is_env_name(s + i + 2, (size_t)(end - s - i - 2)))
		return 0;
	*nameoff = i + 2;
	*namelen = (size_t)(end - s - i - 2);
	return (size_t)(end - s) - i + 1;
}

static void
add_warning(struct parser *p, int node, const char *var, size_t varlen)
{
	struct json5_warning	*w;

	if (p->doc->nwarns >= JSON5_MAX_WARNINGS)
		return;
	w = &p->doc->warns[p->doc->nwarns];
	w->loc = p->doc->nodes[node].pos.value;
	w->path = node_path(p->doc, node);
	w->var = strndup(var, varlen);
	if (w->path == NULL || w->var == NULL) {
		free(w->path);
		free(w->var);
		memset(w, 0, sizeof(*w));
		return;		/* a lost warning is not worth failing for */
	}
	p->doc->nwarns++;
}

/*
 * Substitute p->buf into *out, OpenClaw's rules: only ${UPPER_CASE}
 * names, $${NAME} is a literal ${NAME}, anything else is left alone.
 * Returns V_OK, V_DROPPED (missing or empty variable) or -1.
 */
static int
substitute(struct parser *p, int node, struct sbuf *out)
{
	const char	*s = (const char *)p->buf, *val;
	size_t		 len = p->blen, i = 0, n, off, nl;
	char		 name[256];

	while (i < len) {
		if (s[i] == '$' && i + 1 < len && s[i + 1] == '$' &&
		    (n = env_ref(s, len, i + 1, &off, &nl)) != 0) {
			if (sbuf_add(out, s + i + 1, n) == -1)
				goto toolong;
			i += n + 1;
			continue;
		}
		if ((n = env_ref(s, len, i, &off, &nl)) != 0) {
			if (nl >= sizeof(name))
				val = NULL;
			else {
				memcpy(name, s + off, nl);
				name[nl] = '\0';
				val = getenv(name);
			}
			if (val == NULL || *val == '\0') {
				add_warning(p, node, s + off, nl);
				return V_DROPPED;
			}
			if (sbuf_add(out, val, strlen(val)) == -1)
				goto toolong;
			i += n;
			continue;
		}
		if (sbuf_add(out, s + i, 1) == -1)
			goto toolong;
		i++;
	}
	if (out->s == NULL && sbuf_add(out, "", 0) == -1)
		goto toolong;
	return V_OK;
toolong:
	return perr(p, p->doc->nodes[node].pos.value, "string is longer than "
	    "1 MiB after ${VAR} substitution, or out of memory");
}

static int
string_value(struct parser *p, int node, json_t **out)
{
	struct sbuf	sb = { NULL, 0, 0 };
	int		r = V_OK;

	if (parse_string(p) == -1)
		return -1;
	if ((p->flags & JSON5_ENV_SUBST) &&
	    memchr(p->buf, '$', p->blen) != NULL) {
		r = substitute(p, node, &sb);
		if (r == V_OK && (*out = json_stringn(sb.s, sb.len)) == NULL)
			r = perr(p, p->doc->nodes[node].pos.value,
			    "out of memory");
		wipe_free(sb.s, sb.cap);
		return r;
	}
	if ((*out = json_stringn((char *)p->buf, p->blen)) == NULL)
		return perr(p, p->doc->nodes[node].pos.value, "out of memory");
	return V_OK;
}

/* --- numbers ------------------------------------------------------ */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
number_hex(struct parser *p, struct json5_loc at, int neg, json_t **out)
{
	uint64_t	v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	int		h, any = 0;

	adv(p);
	adv(p);
	while ((h = hexval(peek(p))) >= 0) {
		if (v > (lim - (uint64_t)h) / 16)
			return perr(p, at, "hexadecimal number out of range "
			    "(the limit is 64-bit signed)");
		v = v * 16 + (uint64_t)h;
		any = 1;
		adv(p);
	}
	if (!any)
		return perr(p, at, "expected hex digits after 0x");
	if (neg)
		*out = json_integer(v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(json_int_t)v);
	else
		*out = json_integer((json_int_t)v);
	return *out == NULL ? perr(p, at, "out of memory") : V_OK;
}

/* Integer digits to json_int_t; 1 on overflow. */
static int
to_int(const char *d, size_t n, int neg, json_int_t *out)
{
	uint64_t	v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (v > (lim - (uint64_t)(d[i] - '0')) / 10)
			return 1;
		v = v * 10 + (uint64_t)(d[i] - '0');
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(json_int_t)v;
	else
		*out = (json_int_t)v;
	return 0;
}

static int
number_value(struct parser *p, json_t **out)
{
	struct json5_loc at = here(p);
	char		 norm[512];
	size_t		 ni = 0, ip, il, fp = 0, fl = 0, ep = 0, el = 0, i;
	int		 neg = 0, exp = 0, expneg = 0;
	json_int_t	 iv;
	json_error_t	 jerr;

	if (peek(p) == '+' || peek(p) == '-') {
		neg = peek(p) == '-';
		adv(p);
	}
	if (peek(p) == 'I' || peek(p) == 'N')
		return perr(p, at, "NaN and Infinity are not allowed: "
		    "clawgate only accepts finite numbers");
	if (peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'X'))
		return number_hex(p, at, neg, out);
	ip = p->pos;
	if (peek(p) == '0') {
		adv(p);
		if (is_digit(peek(p)))
			return perr(p, at, "numbers cannot have leading "
			    "zeros; write 7, not 07 (0x7 for hex)");
	} else
		while (is_digit(peek(p)))
			adv(p);
	il = p->pos - ip;
	if (peek(p) == '.') {
		adv(p);
		fp = p->pos;
		while (is_digit(peek(p)))
			adv(p);
		fl = p->pos - fp;
		exp = 1;	/* a real, even "1." */
	}
	if (il == 0 && fl == 0)
		return perr(p, at, "invalid number: expected digits");
	if (peek(p) == 'e' || peek(p) == 'E') {
		adv(p);
		if (peek(p) == '+' || peek(p) == '-') {
			expneg = peek(p) == '-';
			adv(p);
		}
		ep = p->pos;
		while (is_digit(peek(p)))
			adv(p);
		el = p->pos - ep;
		if (el == 0)
			return perr(p, at, "invalid number: expected digits "
			    "in the exponent");
		exp = 1;
	}
	if (!exp && to_int((const char *)p->s + ip, il, neg, &iv) == 0) {
		*out = json_integer(iv);
		return *out == NULL ? perr(p, at, "out of memory") : V_OK;
	}
	/* A real: let jansson convert it (it copes with the locale). */
	if (il + fl + el + 8 > sizeof(norm))
		return perr(p, at, "number literal is too long");
	if (neg)
		norm[ni++] = '-';
	if (il == 0)
		norm[ni++] = '0';
	for (i = 0; i < il; i++)
		norm[ni++] = (char)p->s[ip + i];
	norm[ni++] = '.';
	if (fl == 0)
		norm[ni++] = '0';
	for (i = 0; i < fl; i++)
		norm[ni++] = (char)p->s[fp + i];
	if (el > 0) {
		norm[ni++] = 'e';
		norm[ni++] = expneg ? '-' : '+';
		for (i = 0; i < el; i++)
			norm[ni++] = (char)p->s[ep + i];
	}
	*out = json_loadb(norm, ni, JSON_DECODE_ANY, &jerr);
	if (*out == NULL)
		return perr(p, at, "number out of range: clawgate only "
		    "accepts finite numbers");
	return V_OK;
}

/* --- words: true, false, null, and mistakes ----------------------- */

static int
is_ident(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == '$' || (!first && is_digit(c));
}

static int
word_value(struct parser *p, json_t **out)
{
	struct json5_loc at = here(p);
	size_t		 start = p->pos, n;

	while (is_ident(peek(p), 0))
		adv(p);
	n = p->pos - start;
	if (n == 4 && memcmp(p->s + start, "true", 4) == 0)
		*out = json_true();
	else if (n == 5 && memcmp(p->s + start, "false", 5) == 0)
		*out = json_false();
	else if (n == 4 && memcmp(p->s + start, "null", 4) == 0)
		*out = json_null();
	else if ((n == 8 && memcmp(p->s + start, "Infinity", 8) == 0) ||
	    (n == 3 && memcmp(p->s + start, "NaN", 3) == 0))
		return perr(p, at, "NaN and Infinity are not allowed: "
		    "clawgate only accepts finite numbers");
	else
		return perr(p, at, "unquoted word '%.*s%s' is not a value; "
		    "strings need quotes (\"%.*s%s\")", (int)(n > 32 ? 32 : n),
		    p->s + start, n > 32 ? "..." : "", (int)(n > 32 ? 32 : n),
		    p->s + start, n > 32 ? "..." : "");
	return V_OK;
}

/* --- objects and arrays ------------------------------------------- */

/* Zero every string in a tree: they may be secrets. */
static void
wipe_tree(json_t *v)
{
	const char	*k;
	json_t		*e;
	size_t		 i;

	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		explicit_bzero((char *)json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_OBJECT:
		json_object_foreach(v, k, e)
			wipe_tree(e);
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, e)
			wipe_tree(e);
		break;
	default:
		break;
	}
}

/* An unquoted key: ASCII identifier characters and \uXXXX escapes. */
static int
parse_ident_key(struct parser *p)
{
	struct json5_loc at;
	size_t		 o = 0, n;
	uint32_t	 cp;

	for (;;) {
		at = here(p);
		cp = cur_cp(p, &n);
		if (cp == '\\') {
			adv(p);
			if (peek(p) != 'u')
				return perr(p, at, "only \\u escapes may "
				    "appear in an unquoted key");
			adv(p);
			if (read_hex(p, 4, &cp) == -1)
				return perr(p, at, "\\u must be followed by "
				    "four hex digits");
			if (!is_ident((int)cp, o == 0) || cp > 0x7f)
				return perr(p, at, "\\u%04X is not an "
				    "identifier character; quote the key",
				    (unsigned)cp);
		} else if (n > 0 && is_ident((int)cp, o == 0) && cp < 0x80)
			adv(p);
		else if (n > 0 && cp >= 0x80 && !is_space(cp))
			return perr(p, at, "unquoted keys may only use A-Z, "
			    "a-z, 0-9, _ and $; put this key in quotes");
		else
			break;
		p->buf[o++] = (unsigned char)cp;
	}
	p->buf[o] = '\0';
	p->blen = o;
	return 0;
}

static int
parse_key(struct parser *p)
{
	char	w[32];
	int	c = peek(p);

	if (c == '"' || c == '\'')
		return parse_string(p);
	if (is_ident(c, 1) || c == '\\')
		return parse_ident_key(p);
	if (c >= 0x80)
		return perr(p, here(p), "unquoted keys may only use A-Z, a-z, "
		    "0-9, _ and $; put this key in quotes");
	return perr(p, here(p), "expected an object key (a name or a quoted "
	    "string) or '}', found %s", what(p, w, sizeof(w)));
}

static int
depth_in(struct parser *p)
{
	if (++p->depth > JSON5_MAX_DEPTH)
		return perr(p, here(p), "nesting is deeper than %d levels",
		    JSON5_MAX_DEPTH);
	adv(p);
	return 0;
}

static int
dup_key(struct parser *p, int node, struct json5_loc at)
{
	int	first;

	first = node_child(p->doc, node, (char *)p->buf, p->blen, 0);
	return perr(p, at, "duplicate key \"%.64s%s\" (first at line %d col "
	    "%d); remove one of them", (char *)p->buf, p->blen > 64 ? "..." :
	    "", first >= 0 ? p->doc->nodes[first].pos.key.line : 0,
	    first >= 0 ? p->doc->nodes[first].pos.key.col : 0);
}

static int
object_member(struct parser *p, int node, json_t *obj)
{
	struct json5_loc kat = here(p);
	size_t		 koff = p->pos;
	json_t		*v = NULL;
	char		 w[32];
	int		 child, r;

	if (parse_key(p) == -1)
		return -1;
	if (json_object_get(obj, (char *)p->buf) != NULL)
		return dup_key(p, node, kat);
	if ((child = node_new(p, node, (char *)p->buf, 0, kat)) == -1)
		return -1;
	p->doc->nodes[child].span.key_start = koff;
	p->doc->nodes[child].span.key_end = p->pos;
	if (skip_ws(p) == -1)
		return -1;
	if (peek(p) != ':')
		return perr(p, here(p), "expected ':' after object key, found "
		    "%s", what(p, w, sizeof(w)));
	adv(p);
	if (skip_ws(p) == -1)
		return -1;
	p->doc->nodes[child].pos.value = here(p);
	p->doc->nodes[child].span.value_start = p->pos;
	if ((r = parse_value(p, child, &v)) == -1)
		return -1;
	p->doc->nodes[child].span.value_end = p->pos;
	if (r == V_DROPPED) {
		p->doc->nodes[child].dropped = 1;
		v = json_null();	/* holds the key for duplicate checks */
	}
	if (json_object_set_new(obj, p->doc->nodes[child].key, v) == -1)
		return perr(p, kat, "out of memory");
	return 0;
}

static int
object_value(struct parser *p, int node, json_t **out)
{
	json_t	*obj;
	char	 w[32];
	int	 i;

	if (depth_in(p) == -1)
		return -1;
	if ((*out = obj = json_object()) == NULL)
		return perr(p, here(p), "out of memory");
	for (;;) {
		if (skip_ws(p) == -1)
			return -1;
		if (peek(p) == '}')
			break;
		if (object_member(p, node, obj) == -1)
			return -1;
		if (skip_ws(p) == -1)
			return -1;
		if (peek(p) == ',') {
			adv(p);
			continue;
		}
		if (peek(p) != '}')
			return perr(p, here(p), "expected ',' or '}' after "
			    "object member, found %s", what(p, w, sizeof(w)));
		break;
	}
	adv(p);
	p->depth--;
	for (i = p->doc->nodes[node].first; i >= 0; i = p->doc->nodes[i].next)
		if (p->doc->nodes[i].dropped)
			json_object_del(obj, p->doc->nodes[i].key);
	return V_OK;
}

static int
array_value(struct parser *p, int node, json_t **out)
{
	json_t	*arr, *v;
	char	 w[32];
	int	 child, r;

	if (depth_in(p) == -1)
		return -1;
	if ((*out = arr = json_array()) == NULL)
		return perr(p, here(p), "out of memory");
	for (;;) {
		if (skip_ws(p) == -1)
			return -1;
		if (peek(p) == ']')
			break;
		child = node_new(p, node, NULL, json_array_size(arr), here(p));
		if (child == -1)
			return -1;
		span_start(p, child);
		v = NULL;
		if ((r = parse_value(p, child, &v)) == -1)
			return -1;
		p->doc->nodes[child].span.value_end = p->pos;
		if (r == V_DROPPED)
			p->doc->nodes[child].dropped = 1;
		else if (json_array_append_new(arr, v) == -1)
			return perr(p, here(p), "out of memory");
		if (skip_ws(p) == -1)
			return -1;
		if (peek(p) == ',') {
			adv(p);
			continue;
		}
		if (peek(p) != ']')
			return perr(p, here(p), "expected ',' or ']' after "
			    "array element, found %s", what(p, w, sizeof(w)));
		break;
	}
	adv(p);
	p->depth--;
	return V_OK;
}

/*
 * Any value; the cursor is on its first character.  On error *out may
 * hold a partial tree that the caller frees.
 */
static int
parse_value(struct parser *p, int node, json_t **out)
{
	char	w[32];
	int	c = peek(p), r;
	json_t	*v = NULL;

	switch (c) {
	case '{':
		r = object_value(p, node, &v);
		break;
	case '[':
		r = array_value(p, node, &v);
		break;
	case '"':
	case '\'':
		r = string_value(p, node, &v);
		break;
	case '+': case '-': case '.':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		r = number_value(p, &v);
		break;
	default:
		if (is_ident(c, 1)) {
			r = word_value(p, &v);
			break;
		}
		return perr(p, here(p), "expected a value, found %s",
		    what(p, w, sizeof(w)));
	}
	if (r == -1) {
		wipe_tree(v);
		json_decref(v);
		return -1;
	}
	*out = v;
	return r;
}

/* --- the document ------------------------------------------------- */

struct json5_doc *
json5_parse(const char *text, size_t len, int flags, struct json5_error *err)
{
	struct parser	 p;
	struct json5_doc *d;
	json_t		*root = NULL;
	char		 w[32];
	int		 r;

	memset(&p, 0, sizeof(p));
	memset(err, 0, sizeof(*err));
	p.s = (const unsigned char *)text;
	p.len = len;
	p.line = p.col = 1;
	p.flags = flags;
	p.err = err;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		perr(&p, here(&p), "out of memory");
		return NULL;
	}
	p.doc = d;
	if (check_input(&p) == -1 || skip_ws(&p) == -1)
		goto fail;
	if ((p.buf = malloc(len + 1)) == NULL) {
		perr(&p, here(&p), "out of memory");
		goto fail;
	}
	if (node_new(&p, -1, NULL, 0, here(&p)) == -1)
		goto fail;
	span_start(&p, 0);
	if ((r = parse_value(&p, 0, &root)) == -1)
		goto fail;
	d->nodes[0].span.value_end = p.pos;
	if (r == V_DROPPED)
		root = json_null();
	d->root = root;
	if (skip_ws(&p) == -1)
		goto fail;
	if (peek(&p) != -1) {
		perr(&p, here(&p), "unexpected %s after the end of the "
		    "document", what(&p, w, sizeof(w)));
		goto fail;
	}
	wipe_free(p.buf, len + 1);
	return d;
fail:
	wipe_free(p.buf, p.buf ? len + 1 : 0);
	json5_doc_free(d);
	return NULL;
}

json_t *
json5_root(const struct json5_doc *d)
{
	return d->root;
}

/* The node at `path', or -1. */
static int
lookup_node(const struct json5_doc *d, const char *path)
{
	const char	*s = path, *e;
	char		*end;
	unsigned long	 idx;
	int		 i = 0;

	if (d == NULL || d->nnodes == 0)
		return -1;
	while (*s != '\0' && i >= 0) {
		if (*s == '[') {
			if (!is_digit(s[1]))
				return -1;
			errno = 0;
			idx = strtoul(s + 1, &end, 10);
			if (errno != 0 || *end != ']')
				return -1;
			i = node_child(d, i, NULL, 0, idx);
			s = end + 1;
		} else {
			e = s + strcspn(s, ".[");
			if (e == s)
				return -1;
			i = node_child(d, i, s, (size_t)(e - s), 0);
			s = e;
		}
		if (*s == '.')
			s++;
	}
	return i;
}

const struct json5_pos *
json5_pos_lookup(const struct json5_doc *d, const char *path)
{
	int	i = lookup_node(d, path);

	return i >= 0 ? &d->nodes[i].pos : NULL;
}

const struct json5_pos *
json5_pos_member(const struct json5_doc *d, const char *objpath,
    const char *key)
{
	int	i = lookup_node(d, objpath);

	if (i >= 0)
		i = node_child(d, i, key, strlen(key), 0);
	return i >= 0 ? &d->nodes[i].pos : NULL;
}

int
json5_span_lookup(const struct json5_doc *d, const char *path,
    struct json5_span *out)
{
	int	i = lookup_node(d, path);

	if (i < 0)
		return -1;
	*out = d->nodes[i].span;
	return 0;
}

/* The i-th child (document order) of the node at `path', or -1. */
static int
nth_child(const struct json5_doc *d, const char *path, size_t n)
{
	int	i = lookup_node(d, path);

	if (i < 0)
		return -1;
	for (i = d->nodes[i].first; i >= 0 && n > 0; i = d->nodes[i].next)
		n--;
	return i;
}

size_t
json5_nchildren(const struct json5_doc *d, const char *path)
{
	size_t	n = 0;
	int	i = lookup_node(d, path);

	if (i < 0)
		return 0;
	for (i = d->nodes[i].first; i >= 0; i = d->nodes[i].next)
		n++;
	return n;
}

int
json5_child(const struct json5_doc *d, const char *path, size_t n,
    const char **key, struct json5_span *out)
{
	int	i = nth_child(d, path, n);

	if (i < 0)
		return -1;
	if (key != NULL)
		*key = d->nodes[i].key;
	*out = d->nodes[i].span;
	return 0;
}

size_t
json5_nwarnings(const struct json5_doc *d)
{
	return d->nwarns;
}

const struct json5_warning *
json5_warning_get(const struct json5_doc *d, size_t i)
{
	return i < d->nwarns ? &d->warns[i] : NULL;
}

void
json5_doc_free(struct json5_doc *d)
{
	size_t	i;

	if (d == NULL)
		return;
	if (d->root != NULL) {
		wipe_tree(d->root);
		json_decref(d->root);
	}
	for (i = 0; i < d->nnodes; i++)
		free(d->nodes[i].key);
	free(d->nodes);
	for (i = 0; i < d->nwarns; i++) {
		free(d->warns[i].path);
		free(d->warns[i].var);
	}
	free(d);
}
