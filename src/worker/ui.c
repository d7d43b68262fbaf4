/*
 * ui.c: load the Control UI's files into memory (see ui.h).  The set is
 * whatever regular files with a known type sit at the top of the
 * directory, within fixed bounds; nothing is read after start-up.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "ui.h"

#ifndef DATADIR
#define DATADIR		"/usr/local/share"
#endif
#ifndef LIBEXECDIR
#define LIBEXECDIR	"/usr/local/libexec"
#endif

#define BASE_MARK	"{{BASE}}"
#define BASE_MAX	128

static struct ui_file	files[UI_MAX_FILES];
static int		nfiles;
static int		index_at = -1;	/* the raw index.html, with markers */
static struct ui_file	index_page;	/* it, for index_base */
static char		index_base[BASE_MAX] = "\x01";	/* none yet */
static char		where[PATH_MAX];

static const struct {
	const char	*ext;
	const char	*ctype;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ NULL, NULL }
};

const char *
ui_content_type(const char *name)
{
	const char	*dot = strrchr(name, '.');
	int		 i;

	if (dot == NULL)
		return NULL;
	for (i = 0; types[i].ext != NULL; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].ctype;
	return NULL;
}

/* Plain names only: no dot files, nothing a URL would need to escape. */
static int
name_ok(const char *name)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789._-";
	size_t	n = strlen(name);

	return n > 0 && n < sizeof(files[0].name) - 1 && name[0] != '.' &&
	    name[strspn(name, ok)] == '\0';
}

/* A validator, not a defence: FNV-1a 64 is plenty to tell versions apart. */
static void
make_etag(struct ui_file *f)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < f->len; i++) {
		h ^= (unsigned char)f->body[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(f->etag, sizeof(f->etag), "\"%016llx\"",
	    (unsigned long long)h);
}

/* Read one regular file of at most `max' bytes.  NULL on error. */
static char *
read_file(int dfd, const char *name, size_t max, size_t *lenp, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < 0 || (uintmax_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu "
		    "bytes", name, max);
		close(fd);
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", name, n == 0 ?
			    "changed while being read" : strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*lenp = got;
	return buf;
}

/* Replace every {{BASE}} with `base'; the result is a new buffer. */
static char *
substitute_base(const char *in, size_t len, const char *base, size_t *outlen)
{
	const char	*p, *hit, *end = in + len;
	size_t		 blen = strlen(base), mlen = strlen(BASE_MARK);
	size_t		 n = 0, count = 0;
	char		*out, *o;

	for (p = in; (hit = memmem(p, (size_t)(end - p), BASE_MARK, mlen)) !=
	    NULL; p = hit + mlen)
		count++;
	/* blen < BASE_MAX and count <= len: no overflow on 64-bit sizes. */
	n = len - count * mlen + count * blen;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	o = out;
	for (p = in; (hit = memmem(p, (size_t)(end - p), BASE_MARK, mlen)) !=
	    NULL; p = hit + mlen) {
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, base, blen);
		o += blen;
	}
	memcpy(o, p, (size_t)(end - p));
	o += end - p;
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

/* The configured base path, checked again: it is pasted into HTML. */
static const char *
safe_base(const char *base_path, char *buf, size_t len)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789._~-/";
	size_t	n;

	if (base_path == NULL)
		return "";
	n = strnlen(base_path, BASE_MAX);
	if (n == 0 || n >= BASE_MAX || n >= len || base_path[0] != '/' ||
	    base_path[n - 1] == '/' || strspn(base_path, ok) != n) {
		if (n > 0)
			log_warnx("control UI: ignoring an invalid basePath");
		return "";
	}
	memcpy(buf, base_path, n);
	buf[n] = '\0';
	return buf;
}

void
ui_free(void)
{
	int	i;

	for (i = 0; i < nfiles; i++) {
		free(files[i].body);
		memset(&files[i], 0, sizeof(files[i]));
	}
	nfiles = 0;
	index_at = -1;
	free(index_page.body);
	memset(&index_page, 0, sizeof(index_page));
	index_base[0] = '\x01';
}

static int
add_file(int dfd, const char *name, size_t *total, char *err, size_t errlen)
{
	struct stat	 st;
	struct ui_file	*f;
	const char	*ctype;
	char		*body;
	size_t		 len;

	if (!name_ok(name) || (ctype = ui_content_type(name)) == NULL)
		return 0;	/* not ours to serve: skipped */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return 0;	/* only the top level is served */
	if (nfiles == UI_MAX_FILES) {
		snprintf(err, errlen, "more than %d files", UI_MAX_FILES);
		return -1;
	}
	body = read_file(dfd, name, UI_MAX_FILE, &len, err, errlen);
	if (body == NULL)
		return -1;
	if (strcmp(name, "index.html") == 0)
		index_at = nfiles;
	if (len > UI_MAX_TOTAL - *total) {
		free(body);
		snprintf(err, errlen, "more than %d bytes in all", UI_MAX_TOTAL);
		return -1;
	}
	*total += len;
	f = &files[nfiles++];
	snprintf(f->name, sizeof(f->name), "/%s", name);
	f->ctype = ctype;
	f->body = body;
	f->len = len;
	make_etag(f);
	return 0;
}

int
ui_load(const char *dir, char *err, size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 total = 0;

	ui_free();
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (add_file(dirfd(d), de->d_name, &total, err, errlen) == -1) {
			closedir(d);
			ui_free();
			return -1;
		}
	}
	closedir(d);
	if (index_at < 0) {
		snprintf(err, errlen, "%s: no index.html", dir);
		ui_free();
		return -1;
	}
	return 0;
}

static int
has_index(const char *dir)
{
	char	p[PATH_MAX];

	if ((size_t)snprintf(p, sizeof(p), "%s/index.html", dir) >= sizeof(p))
		return 0;
	return access(p, R_OK) == 0;
}

/*
 * An installed worker reads DATADIR/clawgate/ui.  One started from the
 * build tree (not from LIBEXECDIR) prefers the source tree's ui/: in-tree
 * builds have it beside the binary, out-of-tree ones (build/NAME) two
 * levels up.
 */
static void
find_dir(char *out, size_t len)
{
	static const char *const up[] = { "/ui", "/../ui", "/../../ui", NULL };
	char	self[PATH_MAX], cand[PATH_MAX + 16], *slash;
	ssize_t	n;
	int	i;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
	}
	if (n > 0 && strcmp(self, LIBEXECDIR) != 0) {
#ifdef CG_UI_SRCDIR
		if (has_index(CG_UI_SRCDIR)) {
			snprintf(out, len, "%s", CG_UI_SRCDIR);
			return;
		}
#endif
		for (i = 0; up[i] != NULL; i++) {
			snprintf(cand, sizeof(cand), "%s%s", self, up[i]);
			if (!has_index(cand))
				continue;
			if (len < PATH_MAX || realpath(cand, out) == NULL)
				snprintf(out, len, "%s", cand);
			return;
		}
	}
	snprintf(out, len, "%s/clawgate/ui", DATADIR);
}

void
ui_init(const char *dir)
{
	char	err[PATH_MAX + 128];

	if (dir != NULL && dir[0] != '\0')
		snprintf(where, sizeof(where), "%s", dir);
	else
		find_dir(where, sizeof(where));
	if (ui_load(where, err, sizeof(err)) == -1) {
		log_warnx("control UI not available: %s", err);
		return;
	}
	log_debug("control UI: %d files from %s", nfiles, where);
}

const char *
ui_dir(void)
{
	return where;
}

int
ui_loaded(void)
{
	return index_at >= 0;
}

/*
 * index.html with its {{BASE}} markers replaced, made again only when
 * the base path changes (a reload may change it; no file is read).
 */
const struct ui_file *
ui_index(const char *base_path)
{
	char		 bbuf[BASE_MAX];
	const char	*base = safe_base(base_path, bbuf, sizeof(bbuf));
	const struct ui_file *raw;
	char		*body;
	size_t		 len;

	if (index_at < 0)
		return NULL;
	if (index_page.body != NULL && strcmp(index_base, base) == 0)
		return &index_page;
	raw = &files[index_at];
	if ((body = substitute_base(raw->body, raw->len, base, &len)) == NULL)
		return NULL;
	free(index_page.body);
	index_page = *raw;
	index_page.body = body;
	index_page.len = len;
	make_etag(&index_page);
	snprintf(index_base, sizeof(index_base), "%s", base);
	return &index_page;
}

const struct ui_file *
ui_lookup(const char *rel, const char *base_path)
{
	int	i;

	if (index_at < 0)
		return NULL;
	if (strcmp(rel, "/") == 0 || strcmp(rel, "") == 0 ||
	    strcmp(rel, "/index.html") == 0)
		return ui_index(base_path);
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i].name, rel) == 0)
			return &files[i];
	return NULL;
}

/* RFC 9110 §13.1.2: "*" or a list of entity tags, weak ones compared weakly. */
int
ui_etag_matches(const char *inm, const char *etag)
{
	size_t		 elen = strlen(etag);
	const char	*p = inm;

	if (inm == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (strncmp(p, etag, elen) == 0 &&
		    (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' ' ||
		    p[elen] == '\t'))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}
