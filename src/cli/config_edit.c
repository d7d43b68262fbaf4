/*
 * config_edit.c: change one value of a JSON5 text in place (see
 * config_edit.h).
 *
 * The JSON5 reader gives the byte span of every key and value; edits
 * are splices at those offsets.  What lies between tokens is known to
 * be white space and comments (the reader proved it), so a short
 * scanner that skips comments is enough to find commas and line ends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_edit.h"
#include "json5.h"

#define MAX_SEGS	JSON5_MAX_DEPTH

struct seg {
	size_t		 off, end;	/* the segment in the path */
	int		 is_index;
	unsigned long	 index;
};

struct style {
	const char	*nl;		/* "\n" or "\r\n" */
	char		 indent[128];	/* of the sibling members */
	char		 unit[32];	/* one level of indentation */
	int		 quote;		/* '"' or '\'' */
	int		 quote_keys;
	int		 multiline;
};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
cedit_init(struct cedit *e, const char *text, size_t len)
{
	if ((e->text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
	return 0;
}

void
cedit_free(struct cedit *e)
{
	if (e->text != NULL) {
		explicit_bzero(e->text, e->len);
		free(e->text);
	}
	e->text = NULL;
	e->len = 0;
}

/* Replace [start, end) with `ins'.  The old buffer is wiped. */
static int
splice(struct cedit *e, size_t start, size_t end, const char *ins)
{
	size_t	 n = strlen(ins), len = e->len - (end - start) + n;
	char	*t;

	if ((t = malloc(len + 1)) == NULL)
		return -1;
	memcpy(t, e->text, start);
	memcpy(t + start, ins, n);
	memcpy(t + start + n, e->text + end, e->len - end);
	t[len] = '\0';
	cedit_free(e);
	e->text = t;
	e->len = len;
	return 0;
}

/* --- paths -------------------------------------------------------- */

static int
split_path(const char *path, struct seg *s, int *n, char *err, size_t errlen)
{
	const char	*p = path;
	char		*end;

	*n = 0;
	if (*p == '\0')
		return fail(err, errlen, "empty path; name a key such as "
		    "gateway.port");
	while (*p != '\0') {
		if (*n == MAX_SEGS)
			return fail(err, errlen, "%s: path is too deep", path);
		if (*p == '[') {
			if (p[1] < '0' || p[1] > '9')
				return fail(err, errlen, "%s: expected a number "
				    "inside [ ]", path);
			errno = 0;
			s[*n].index = strtoul(p + 1, &end, 10);
			if (errno != 0 || *end != ']')
				return fail(err, errlen, "%s: expected a number "
				    "inside [ ]", path);
			s[*n].is_index = 1;
			s[*n].off = (size_t)(p - path);
			p = end + 1;
		} else {
			s[*n].is_index = 0;
			s[*n].off = (size_t)(p - path);
			p += strcspn(p, ".[]");
			if ((size_t)(p - path) == s[*n].off || *p == ']')
				return fail(err, errlen, "%s: empty key or stray "
				    "']' in the path", path);
		}
		s[*n].end = (size_t)(p - path);
		(*n)++;
		if (*p == '.') {
			p++;
			if (*p == '\0' || *p == '.' || *p == '[')
				return fail(err, errlen, "%s: empty key in the "
				    "path", path);
		} else if (*p != '\0' && *p != '[')
			return fail(err, errlen, "%s: malformed path", path);
	}
	return 0;
}

/* The path up to and including segment i (i = -1: the root, ""). */
static void
prefix(const char *path, const struct seg *s, int i, char *out, size_t size)
{
	size_t	n = i < 0 ? 0 : s[i].end;

	if (n >= size)
		n = size - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/* --- scanning between tokens -------------------------------------- */

/* Past a comment starting at i, or i when there is none. */
static size_t
skip_comment(const char *t, size_t len, size_t i)
{
	const char	*q;

	if (i + 1 >= len || t[i] != '/')
		return i;
	if (t[i + 1] == '/') {
		while (i < len && t[i] != '\n' && t[i] != '\r')
			i++;
		return i;
	}
	if (t[i + 1] == '*') {
		q = strstr(t + i + 2, "*/");
		return q != NULL ? (size_t)(q - t) + 2 : len;
	}
	return i;
}

/*
 * From `i' (just after a value), over white space and comments, to the
 * next structural character: the offset of a ',' or of the closing
 * bracket.
 */
static size_t
next_token(const char *t, size_t len, size_t i)
{
	size_t	j;

	while (i < len) {
		if ((j = skip_comment(t, len, i)) != i) {
			i = j;
			continue;
		}
		if (t[i] == ',' || t[i] == '}' || t[i] == ']')
			return i;
		i++;		/* white space, possibly multi-byte */
	}
	return len;
}

static size_t
line_start(const char *t, size_t i)
{
	while (i > 0 && t[i - 1] != '\n' && t[i - 1] != '\r')
		i--;
	return i;
}

/* Only blanks between the start of the line and `i'? */
static int
first_on_line(const char *t, size_t i)
{
	size_t	j;

	for (j = line_start(t, i); j < i; j++)
		if (t[j] != ' ' && t[j] != '\t')
			return 0;
	return 1;
}

/*
 * If the rest of the line from `i' is [blanks][,][blanks][comment], the
 * offset of its line break (or of the end); else (size_t)-1.  `comma'
 * gets the offset of that comma or (size_t)-1.
 */
static size_t
rest_of_line(const char *t, size_t len, size_t i, size_t *comma)
{
	size_t	j;

	*comma = (size_t)-1;
	while (i < len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	if (i < len && t[i] == ',') {
		*comma = i++;
		while (i < len && (t[i] == ' ' || t[i] == '\t'))
			i++;
	}
	if (i + 1 < len && t[i] == '/' && t[i + 1] == '/')
		return skip_comment(t, len, i);
	if (i + 1 < len && t[i] == '/' && t[i + 1] == '*') {
		j = skip_comment(t, len, i);
		if (memchr(t + i, '\n', j - i) != NULL)
			return (size_t)-1;
		i = j;
		while (i < len && (t[i] == ' ' || t[i] == '\t'))
			i++;
	}
	if (i == len || t[i] == '\n' || t[i] == '\r')
		return i;
	return (size_t)-1;
}

/* Past the line break at i ("\n", "\r\n" or "\r"). */
static size_t
past_newline(const char *t, size_t len, size_t i)
{
	if (i < len && t[i] == '\r')
		i++;
	if (i < len && t[i] == '\n')
		i++;
	return i;
}

/* --- formatting --------------------------------------------------- */

struct buf {
	char	*s;
	size_t	 len, cap;
	int	 bad;
};

static void
bput(struct buf *b, const char *s, size_t n)
{
	char	*ns;
	size_t	 cap;

	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap * 2 : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((ns = malloc(cap)) == NULL) {
			b->bad = 1;
			return;
		}
		if (b->s != NULL) {
			memcpy(ns, b->s, b->len);
			explicit_bzero(b->s, b->cap);
			free(b->s);
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
bputs(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

static void
bfree(struct buf *b)
{
	if (b->s != NULL) {
		explicit_bzero(b->s, b->cap);
		free(b->s);
	}
	b->s = NULL;
}

static int
is_ident(const char *k)
{
	size_t	i;

	for (i = 0; k[i] != '\0'; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' &&
		    k[i] <= 'Z') || k[i] == '_' || k[i] == '$' ||
		    (i > 0 && k[i] >= '0' && k[i] <= '9')))
			return 0;
	return i > 0;
}

static void
put_string(struct buf *b, const char *s, size_t n, int q)
{
	char	esc[8];
	size_t	i;

	bput(b, (const char *)&(char){ (char)q }, 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == q) {
			esc[0] = '\\';
			esc[1] = (char)c;
			bput(b, esc, 2);
		} else if (c == '\n')
			bputs(b, "\\n");
		else if (c == '\t')
			bputs(b, "\\t");
		else if (c == '\r')
			bputs(b, "\\r");
		else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			bputs(b, esc);
		} else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] ==
		    0x80 && ((unsigned char)s[i + 2] == 0xa8 ||
		    (unsigned char)s[i + 2] == 0xa9)) {
			/* U+2028/9 end lines in JavaScript: escape them. */
			bputs(b, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" :
			    "\\u2029");
			i += 2;
		} else
			bput(b, s + i, 1);
	}
	bput(b, (const char *)&(char){ (char)q }, 1);
}

static void
put_key(struct buf *b, const char *k, int q, int quote_keys)
{
	if (!quote_keys && is_ident(k))
		bputs(b, k);
	else
		put_string(b, k, strlen(k), q);
}

static void
put_value(struct buf *b, const json_t *v, int q, int quote_keys)
{
	const char	*k;
	json_t		*e;
	size_t		 i;
	char		*s, num[64];
	int		 first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) == 0) {
			bputs(b, "{}");
			break;
		}
		bputs(b, "{ ");
		json_object_foreach((json_t *)v, k, e) {
			if (!first)
				bputs(b, ", ");
			first = 0;
			put_key(b, k, q, quote_keys);
			bputs(b, ": ");
			put_value(b, e, q, quote_keys);
		}
		bputs(b, " }");
		break;
	case JSON_ARRAY:
		bputs(b, "[");
		json_array_foreach(v, i, e) {
			if (i > 0)
				bputs(b, ", ");
			put_value(b, e, q, quote_keys);
		}
		bputs(b, "]");
		break;
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v), q);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		bputs(b, num);
		break;
	case JSON_REAL:
		if ((s = json_dumps(v, JSON_ENCODE_ANY)) == NULL) {
			b->bad = 1;
			break;
		}
		bputs(b, s);
		free(s);
		break;
	case JSON_TRUE:
		bputs(b, "true");
		break;
	case JSON_FALSE:
		bputs(b, "false");
		break;
	default:
		bputs(b, "null");
		break;
	}
}

char *
cedit_format(const json_t *v, int quote, int quote_keys)
{
	struct buf	b = { NULL, 0, 0, 0 };

	put_value(&b, v, quote == '\'' ? '\'' : '"', quote_keys);
	if (b.bad) {
		bfree(&b);
		return NULL;
	}
	return b.s;
}

/* --- style -------------------------------------------------------- */

/* The quote of the first string value under `path', depth first. */
static int
first_quote(const struct cedit *e, const struct json5_doc *d,
    const char *path, int depth)
{
	struct json5_span sp;
	const char	*k;
	char		 sub[512];
	size_t		 i, n = json5_nchildren(d, path);
	int		 q;

	for (i = 0; i < n && depth < 8; i++) {
		if (json5_child(d, path, i, &k, &sp) == -1)
			break;
		q = e->text[sp.value_start];
		if (q == '"' || q == '\'')
			return q;
		if (k == NULL || strpbrk(k, ".[]") != NULL)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "",
		    k);
		if ((q = first_quote(e, d, sub, depth + 1)) != 0)
			return q;
	}
	return 0;
}

/*
 * How the members of the object at `objpath' are written: quoted keys,
 * the quote of their strings, one per line and how far indented.
 */
static void
object_style(const struct cedit *e, const struct json5_doc *d,
    const char *objpath, struct style *st)
{
	struct json5_span sp, obj;
	const char	*t = e->text;
	size_t		 i, n, ls, il;
	int		 got_quote = 0;

	memset(st, 0, sizeof(*st));
	st->nl = strstr(t, "\r\n") != NULL ? "\r\n" : "\n";
	st->quote = '"';
	/* The file's own habit, from its first key and string. */
	st->quote_keys = 0;
	n = json5_nchildren(d, objpath);
	for (i = 0; i < n; i++) {
		if (json5_child(d, objpath, i, NULL, &sp) == -1)
			break;
		if (i == 0)
			st->quote_keys = t[sp.key_start] == '"';
		if (!got_quote && (t[sp.value_start] == '"' ||
		    t[sp.value_start] == '\'')) {
			st->quote = t[sp.value_start];
			got_quote = 1;
		}
	}
	if (!got_quote && (i = (size_t)first_quote(e, d, "", 0)) != 0)
		st->quote = (int)i;
	if (n == 0 && json5_nchildren(d, "") > 0 &&
	    json5_child(d, "", 0, NULL, &sp) == 0)
		st->quote_keys = t[sp.key_start] == '"';
	if (st->quote_keys)
		st->quote = '"';
	/* Indentation: of the last member, or one level past the brace. */
	(void)json5_span_lookup(d, objpath, &obj);
	if (n > 0 && json5_child(d, objpath, n - 1, NULL, &sp) == 0 &&
	    first_on_line(t, sp.key_start)) {
		st->multiline = 1;
		ls = line_start(t, sp.key_start);
		il = sp.key_start - ls;
		if (il >= sizeof(st->indent))
			il = sizeof(st->indent) - 1;
		memcpy(st->indent, t + ls, il);
		st->indent[il] = '\0';
	} else if (n == 0 && memchr(t + obj.value_start, '\n',
	    obj.value_end - obj.value_start) != NULL) {
		st->multiline = 1;
		/* The closing brace's line, one level further in. */
		ls = line_start(t, obj.value_end - 1);
		il = first_on_line(t, obj.value_end - 1) ?
		    obj.value_end - 1 - ls : 0;
		if (il + 8 >= sizeof(st->indent))
			il = sizeof(st->indent) - 9;
		memcpy(st->indent, t + ls, il);
		st->indent[il] = '\0';
		strcat(st->indent, strchr(st->indent, '\t') ? "\t" : "  ");
	}
	/* One level: this member's indentation minus the object's. */
	ls = line_start(t, obj.key_start);
	il = first_on_line(t, obj.key_start) ? obj.key_start - ls : 0;
	if (objpath[0] == '\0')
		il = 0;
	if (strlen(st->indent) > il && strlen(st->indent) - il <
	    sizeof(st->unit))
		strcpy(st->unit, st->indent + il);
	else
		strcpy(st->unit, strchr(st->indent, '\t') ? "\t" : "  ");
}

/*
 * "key: value", or for missing intermediate objects
 * "a: {\n  b: value\n}" (multi-line style) / "a: { b: value }".
 */
static int
build_member(struct buf *b, const char *path, const struct seg *s, int from,
    int nsegs, const json_t *v, const struct style *st)
{
	char	key[512], ind[512];
	int	i;
	size_t	n;
	char	*val;

	if ((val = cedit_format(v, st->quote, st->quote_keys)) == NULL)
		return -1;
	snprintf(ind, sizeof(ind), "%s", st->indent);
	for (i = from; i < nsegs; i++) {
		n = s[i].end - s[i].off;
		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, path + s[i].off, n);
		key[n] = '\0';
		put_key(b, key, st->quote, st->quote_keys);
		bputs(b, ": ");
		if (i == nsegs - 1)
			break;
		if (st->multiline) {
			bputs(b, "{");
			bputs(b, st->nl);
			if (strlen(ind) + strlen(st->unit) < sizeof(ind))
				strcat(ind, st->unit);
			bputs(b, ind);
		} else
			bputs(b, "{ ");
	}
	bputs(b, val);
	explicit_bzero(val, strlen(val));
	free(val);
	/* Close the opened objects, outermost last. */
	for (i = nsegs - 2; i >= from; i--) {
		if (st->multiline) {
			bputs(b, st->nl);
			n = strlen(ind) >= strlen(st->unit) ?
			    strlen(ind) - strlen(st->unit) : 0;
			ind[n] = '\0';
			bputs(b, ind);
			bputs(b, "}");
		} else
			bputs(b, " }");
	}
	return b->bad ? -1 : 0;
}

/* --- set ---------------------------------------------------------- */

static int
replace_value(struct cedit *e, const struct json5_doc *d, const char *path,
    const json_t *v, char *err, size_t errlen)
{
	struct json5_span sp;
	struct style	 st;
	char		*val;
	int		 q, rc;

	(void)json5_span_lookup(d, path, &sp);
	object_style(e, d, "", &st);
	/* Strings keep the quote they were written with. */
	q = e->text[sp.value_start];
	if (q != '"' && q != '\'')
		q = st.quote;
	if ((val = cedit_format(v, q, st.quote_keys)) == NULL)
		return fail(err, errlen, "out of memory");
	rc = splice(e, sp.value_start, sp.value_end, val);
	explicit_bzero(val, strlen(val));
	free(val);
	return rc == -1 ? fail(err, errlen, "out of memory") : CEDIT_OK;
}

/* Add member s[from..] (with value v) to the object at `objpath'. */
static int
insert_member(struct cedit *e, const struct json5_doc *d, const char *objpath,
    const char *path, const struct seg *s, int from, int nsegs,
    const json_t *v, char *err, size_t errlen)
{
	struct json5_span obj, last;
	struct style	 st;
	struct buf	 m = { NULL, 0, 0, 0 }, ins = { NULL, 0, 0, 0 };
	const char	*t = e->text;
	size_t		 n, comma, eol, at, i;
	int		 rc = -1, has_comma;

	(void)json5_span_lookup(d, objpath, &obj);
	object_style(e, d, objpath, &st);
	if (build_member(&m, path, s, from, nsegs, v, &st) == -1)
		goto oom;
	n = json5_nchildren(d, objpath);
	if (n > 0) {
		(void)json5_child(d, objpath, n - 1, NULL, &last);
		comma = next_token(t, e->len, last.value_end);
		has_comma = comma < e->len && t[comma] == ',';
		at = has_comma ? comma + 1 : last.value_end;
		if (st.multiline && (eol = rest_of_line(t, e->len,
		    last.value_end, &i)) != (size_t)-1 &&
		    (!has_comma || i == comma)) {
			bputs(&ins, st.nl);
			bputs(&ins, st.indent);
			bput(&ins, m.s, m.len);
			if (has_comma)
				bputs(&ins, ",");
			if (ins.bad || splice(e, eol, eol, ins.s) == -1)
				goto oom;
			if (!has_comma && splice(e, last.value_end,
			    last.value_end, ",") == -1)
				goto oom;
		} else {
			bputs(&ins, has_comma ? " " : ", ");
			bput(&ins, m.s, m.len);
			if (has_comma)
				bputs(&ins, ",");
			if (ins.bad || splice(e, at, at, ins.s) == -1)
				goto oom;
		}
	} else if (st.multiline) {
		bputs(&ins, st.nl);
		bputs(&ins, st.indent);
		bput(&ins, m.s, m.len);
		if (ins.bad || splice(e, obj.value_start + 1,
		    obj.value_start + 1, ins.s) == -1)
			goto oom;
	} else {
		/* "{}" or "{ }" (maybe a comment inside): " key: v ". */
		for (i = obj.value_start + 1; i < obj.value_end - 1 &&
		    (t[i] == ' ' || t[i] == '\t'); i++)
			;
		bputs(&ins, " ");
		bput(&ins, m.s, m.len);
		bputs(&ins, " ");
		if (ins.bad || splice(e, obj.value_start + 1,
		    i == obj.value_end - 1 ? i : obj.value_start + 1,
		    ins.s) == -1)
			goto oom;
	}
	rc = CEDIT_OK;
	goto out;
oom:
	rc = fail(err, errlen, "out of memory");
out:
	bfree(&m);
	bfree(&ins);
	return rc;
}

static struct json5_doc *
parse(const struct cedit *e, char *err, size_t errlen)
{
	struct json5_error	 je;
	struct json5_doc	*d;

	/* No ${VAR} substitution: edit what is written. */
	if ((d = json5_parse(e->text, e->len, 0, &je)) == NULL)
		fail(err, errlen, "line %d col %d: %s", je.loc.line,
		    je.loc.col, je.msg);
	return d;
}

int
cedit_set(struct cedit *e, const char *path, const json_t *v, char *err,
    size_t errlen)
{
	struct json5_doc *d;
	struct json5_span sp;
	struct seg	 s[MAX_SEGS];
	char		 pre[4096];
	int		 n, i, rc;

	if (split_path(path, s, &n, err, errlen) == -1)
		return -1;
	if (strlen(path) >= sizeof(pre))
		return fail(err, errlen, "path is too long");
	if ((d = parse(e, err, errlen)) == NULL)
		return -1;
	if (!json_is_object(json5_root(d))) {
		json5_doc_free(d);
		return fail(err, errlen, "the file is not a JSON5 object");
	}
	/* The deepest part of the path that exists. */
	for (i = n - 1; i >= 0; i--) {
		prefix(path, s, i, pre, sizeof(pre));
		if (json5_pos_lookup(d, pre) != NULL)
			break;
	}
	if (i == n - 1) {
		rc = replace_value(e, d, path, v, err, errlen);
		json5_doc_free(d);
		return rc;
	}
	for (rc = i + 1; rc < n; rc++)
		if (s[rc].is_index) {
			json5_doc_free(d);
			return fail(err, errlen, "%.*s does not exist; set the "
			    "whole array instead", (int)s[rc].end, path);
		}
	prefix(path, s, i, pre, sizeof(pre));
	(void)json5_span_lookup(d, pre, &sp);
	if (e->text[sp.value_start] != '{') {
		json5_doc_free(d);
		return fail(err, errlen, "%s is not an object, so it cannot "
		    "hold %.*s", pre, (int)(s[i + 1].end - s[i + 1].off),
		    path + s[i + 1].off);
	}
	rc = insert_member(e, d, pre, path, s, i + 1, n, v, err, errlen);
	json5_doc_free(d);
	return rc;
}

/* --- unset -------------------------------------------------------- */

int
cedit_unset(struct cedit *e, const char *path, char *err, size_t errlen)
{
	struct json5_doc *d;
	struct json5_span sp, prev = { 0, 0, 0, 0 }, c;
	struct seg	 s[MAX_SEGS];
	const char	*t;
	char		 parent[4096];
	size_t		 nk, k, comma, eol, ls, from, to, pc;
	int		 n, has_prev = 0;

	if (split_path(path, s, &n, err, errlen) == -1)
		return -1;
	if (strlen(path) >= sizeof(parent))
		return fail(err, errlen, "path is too long");
	if ((d = parse(e, err, errlen)) == NULL)
		return -1;
	if (json5_span_lookup(d, path, &sp) == -1) {
		json5_doc_free(d);
		return CEDIT_ABSENT;
	}
	prefix(path, s, n - 2, parent, sizeof(parent));
	nk = json5_nchildren(d, parent);
	for (k = 0; k < nk; k++) {
		(void)json5_child(d, parent, k, NULL, &c);
		if (c.value_start == sp.value_start)
			break;
		prev = c;
		has_prev = 1;
	}
	json5_doc_free(d);
	t = e->text;
	comma = next_token(t, e->len, sp.value_end);
	if (comma >= e->len || t[comma] != ',')
		comma = (size_t)-1;
	eol = rest_of_line(t, e->len, sp.value_end, &k);
	if (first_on_line(t, sp.key_start) && eol != (size_t)-1 &&
	    k == comma) {
		/* The member has its line(s) to itself: remove them. */
		ls = line_start(t, sp.key_start);
		to = past_newline(t, e->len, eol);
		/* Keep the file's last line break if it had none before. */
		if (splice(e, ls, to, "") == -1)
			return fail(err, errlen, "out of memory");
		if (comma == (size_t)-1 && has_prev) {
			/* It was the last one: its predecessor's comma goes. */
			pc = next_token(e->text, e->len, prev.value_end);
			if (pc < e->len && e->text[pc] == ',' &&
			    splice(e, pc, pc + 1, "") == -1)
				return fail(err, errlen, "out of memory");
		}
		return CEDIT_OK;
	}
	if (comma != (size_t)-1) {
		from = sp.key_start;
		to = comma + 1;
		while (to < e->len && (t[to] == ' ' || t[to] == '\t'))
			to++;
	} else if (has_prev) {
		from = prev.value_end;
		to = sp.value_end;
	} else {
		from = sp.key_start;
		to = sp.value_end;
	}
	if (splice(e, from, to, "") == -1)
		return fail(err, errlen, "out of memory");
	return CEDIT_OK;
}
