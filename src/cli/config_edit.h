/*
 * config_edit.h: change one value of a JSON5 text in place.
 *
 * Everything outside the edited value stays byte for byte: comments,
 * blank lines, quoting, trailing commas, line endings.  A new member is
 * written in the style of its siblings (indentation, quoted or bare
 * keys, the quote character of their strings); a removed member takes
 * its line and its comma with it.  The editor knows JSON5, not the
 * configuration schema: the caller validates the result.
 */
#ifndef CG_CONFIG_EDIT_H
#define CG_CONFIG_EDIT_H

#include <stddef.h>

#include <jansson.h>

/* The text being edited; malloc'd, NUL-terminated, owned by the editor. */
struct cedit {
	char	*text;
	size_t	 len;
};

#define CEDIT_OK	0
#define CEDIT_ABSENT	1	/* unset: nothing at that path */

/* Take a copy of `len' bytes.  0 or -1 (ENOMEM). */
int	cedit_init(struct cedit *, const char *text, size_t len);
/* Wipe (the text may hold secrets) and free. */
void	cedit_free(struct cedit *);

/*
 * Set the value at `path' ("gateway.auth.token", "a.list[1]") to `v'.
 * An existing value is replaced; missing objects on the way are
 * created; array elements must exist.  CEDIT_OK, or -1 with `err'.
 */
int	cedit_set(struct cedit *, const char *path, const json_t *v,
	    char *err, size_t errlen);

/* Remove the member (or element) at `path'.  CEDIT_OK, CEDIT_ABSENT, -1. */
int	cedit_unset(struct cedit *, const char *path, char *err,
	    size_t errlen);

/*
 * `v' as JSON5 text on one line, strings in `quote' ('"' or '\''), keys
 * bare when they are identifiers unless `quote_keys'.  malloc'd or NULL.
 */
char	*cedit_format(const json_t *v, int quote, int quote_keys);

#endif /* CG_CONFIG_EDIT_H */
