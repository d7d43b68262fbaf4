/*
 * ui.h: the Control UI's static files.  They are read once, at worker
 * start, before the chroot and the seccomp filter (which soft-denies
 * open()), and served from memory afterwards.
 */
#ifndef CG_UI_H
#define CG_UI_H

#include <stddef.h>

#define UI_MAX_FILES	32
#define UI_MAX_FILE	(1024 * 1024)		/* bytes, one file */
#define UI_MAX_TOTAL	(4 * 1024 * 1024)	/* bytes, all files */
#define UI_ETAG_LEN	20			/* "\"" 16 hex "\"" + NUL */

struct ui_file {
	char		 name[64];	/* "/app.js" */
	const char	*ctype;
	char		*body;
	size_t		 len;
	char		 etag[UI_ETAG_LEN];
};

/*
 * Find the UI directory (`dir' if not NULL, else the source tree's ui/
 * when the worker runs from the build tree, else DATADIR/clawgate/ui)
 * and load it.  Problems are logged, never fatal: the worker then
 * explains the missing files on the page instead.  Call once, before
 * privdrop_apply() (chroot) and sandbox_apply() (no open() after it).
 * The files are loaded even when the UI is disabled, so that a reload
 * may enable it.
 */
void	ui_init(const char *dir);

/* Same, from an explicit directory; 0, or -1 with `err' filled. */
int	ui_load(const char *dir, char *err, size_t errlen);
void	ui_free(void);

/* Where ui_init() looked (for the error page), "" before it ran. */
const char *ui_dir(void);
int	ui_loaded(void);

/*
 * The file served at `rel' ("/app.js"; "/" and "/index.html" are the
 * index), or NULL.  index.html's {{BASE}} markers are replaced with
 * `base_path' ("" or "/prefix", checked again here).
 */
const struct ui_file *ui_lookup(const char *rel, const char *base_path);
const struct ui_file *ui_index(const char *base_path);

/* Content type for a file name by its extension; NULL if not served. */
const char *ui_content_type(const char *name);

/* Is `etag' listed in an If-None-Match header value? */
int	ui_etag_matches(const char *if_none_match, const char *etag);

#endif /* CG_UI_H */
