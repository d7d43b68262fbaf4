/*
 * json5.h: a strict, bounded JSON5 reader for configuration files.
 *
 * It produces a jansson tree plus a position map, so that a validator
 * can say "file:5:7: gateway.auth.token: ..." about any key it dislikes.
 * The grammar is JSON5 (https://spec.json5.org) with these limits:
 * input at most JSON5_MAX_INPUT bytes of valid UTF-8 without NUL bytes,
 * nesting at most JSON5_MAX_DEPTH, no duplicate keys, no NaN/Infinity
 * (jansson cannot hold them), no escaped NUL, and unquoted keys limited
 * to ASCII identifiers (quote anything else).
 */
#ifndef CG_JSON5_H
#define CG_JSON5_H

#include <stddef.h>

#include <jansson.h>

#define JSON5_MAX_INPUT		(1024 * 1024)
#define JSON5_MAX_DEPTH		64
#define JSON5_MAX_WARNINGS	32

/* Parse flags. */
#define JSON5_ENV_SUBST		0x01	/* ${VAR} in string values */

/* A place in the text: 1-based line and column (in characters). */
struct json5_loc {
	int	line;
	int	col;
};

/*
 * Where a value sits.  `key' is the member's key, or the value itself
 * for array elements and the root.
 */
struct json5_pos {
	struct json5_loc key;
	struct json5_loc value;
};

/*
 * Where a value sits in bytes, for editors that replace exactly one
 * value: [value_start, value_end) is the value's text (quotes, braces
 * included), [key_start, key_end) its key as written (quotes included);
 * for array elements and the root the key range is empty, at
 * value_start.
 */
struct json5_span {
	size_t	key_start, key_end;
	size_t	value_start, value_end;
};

struct json5_error {
	struct json5_loc loc;
	char		msg[256];
};

/* A non-fatal finding, e.g. a ${VAR} that was missing or empty. */
struct json5_warning {
	struct json5_loc loc;		/* the string value */
	char		*path;		/* "gateway.auth.token", "a.b[2]" */
	char		*var;		/* the variable's name */
};

struct json5_doc;

/*
 * Parse `len' bytes.  Returns a document, or NULL with `err' filled
 * (also on ENOMEM).  With JSON5_ENV_SUBST, `${NAME}' in string values
 * (NAME matching [A-Z_][A-Z0-9_]*) is replaced by getenv(NAME), `$${NAME}'
 * yields a literal `${NAME}', and a value that names a missing or empty
 * variable is dropped from its object or array, with a warning.
 */
struct json5_doc	*json5_parse(const char *text, size_t len, int flags,
			    struct json5_error *err);

/* The tree; owned by the document. */
json_t			*json5_root(const struct json5_doc *);

/*
 * Position of the value at `path': keys joined by '.', array elements
 * as "[i]", "" for the root: "gateway.localPeers[1]".  Keys that contain
 * '.' or '[' cannot be named this way; use json5_pos_member().
 * Dropped (${VAR}-missing) values keep their position.  NULL if absent.
 */
const struct json5_pos	*json5_pos_lookup(const struct json5_doc *,
			    const char *path);
/* Position of member `key' of the object at `objpath'. */
const struct json5_pos	*json5_pos_member(const struct json5_doc *,
			    const char *objpath, const char *key);

/* Byte span of the value at `path' (as json5_pos_lookup).  0 or -1. */
int			 json5_span_lookup(const struct json5_doc *,
			    const char *path, struct json5_span *);
/* Members (or elements) of the container at `path', in file order. */
size_t			 json5_nchildren(const struct json5_doc *,
			    const char *path);
/*
 * The n-th of them: its key (NULL for array elements; owned by the
 * document) and span.  0, or -1 when there is no such child.
 */
int			 json5_child(const struct json5_doc *, const char *path,
			    size_t n, const char **key, struct json5_span *);

/* Warnings, in document order; at most JSON5_MAX_WARNINGS are kept. */
size_t			 json5_nwarnings(const struct json5_doc *);
const struct json5_warning *json5_warning_get(const struct json5_doc *,
			    size_t i);

/* Wipe every string value in the tree (secrets), then free it all. */
void			 json5_doc_free(struct json5_doc *);


#endif /* CG_JSON5_H */
