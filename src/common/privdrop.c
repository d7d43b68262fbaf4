/*
 * privdrop.c: give up root for good; and, before that, make directories
 * and read secret files as root without being led by a symbolic link.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authproto.h"
#include "log.h"
#include "privdrop.h"
#include "util.h"

int
privdrop_prepare(struct privdrop *pd, const char *user, const char *chroot_dir,
    char *err, size_t errlen)
{
	struct passwd	*pw;

	memset(pd, 0, sizeof(*pd));
	if (geteuid() != 0)
		return 0;	/* development and tests: run as the invoking user */
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user \"%s\" does not exist: create it "
		    "with `useradd --system --no-create-home --shell "
		    "/usr/sbin/nologin %s` (or `make install-users`), or set "
		    "clawgate.user / clawgate.authUser", user, user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user \"%s\" has uid 0: choose an "
		    "unprivileged user", user);
		return -1;
	}
	pd->active = 1;
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	cg_strlcpy(pd->chroot_dir, chroot_dir, sizeof(pd->chroot_dir));
	return 0;
}

void
privdrop_apply(const struct privdrop *pd)
{
	if (!pd->active)
		return;
	if (pd->chroot_dir[0] != '\0') {
		if (chroot(pd->chroot_dir) == -1)
			fatal("chroot %s", pd->chroot_dir);
		if (chdir("/") == -1)
			fatal("chdir /");
	}
	if (setgroups(1, &pd->gid) == -1 ||
	    setresgid(pd->gid, pd->gid, pd->gid) == -1 ||
	    setresuid(pd->uid, pd->uid, pd->uid) == -1)
		fatal("cannot drop privileges");
	/* Paranoia: getting root back must be impossible now. */
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("privileges could be regained after the drop");
}

/* ---- before the drop: directories and secret files ---------------- */

static int
symlink_err(const char *dir, const char *key, char *err, size_t errlen)
{
	char	to[1024];
	ssize_t	n;

	n = readlink(dir, to, sizeof(to) - 1);
	to[n > 0 ? n : 0] = '\0';
	snprintf(err, errlen, "%s is a symlink; clawgated does not write "
	    "through symlinks as root: point %s at the real directory%s%s%s",
	    dir, key, n > 0 ? " (" : "", to, n > 0 ? ")" : "");
	return -1;
}

int
safe_dir_open(const char *dir, mode_t mode, int create, const char *key,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 tmp[PATH_MAX], *p;
	size_t		 len;
	int		 fd, saved;

	if ((len = cg_strlcpy(tmp, dir, sizeof(tmp))) >= sizeof(tmp) ||
	    len == 0) {
		snprintf(err, errlen, "%s: bad directory name (set %s)", dir,
		    key);
		errno = EINVAL;
		return -1;
	}
	/* "dir/" would make lstat(2) look through a link. */
	while (len > 1 && tmp[len - 1] == '/')
		tmp[--len] = '\0';
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (lstat(tmp, &st) == -1) {
			if (errno != ENOENT || !create ||
			    (mkdir(tmp, 0755) == -1 && errno != EEXIST))
				goto fail;
		} else if (S_ISLNK(st.st_mode) && st.st_uid != 0) {
			snprintf(err, errlen, "%s (in %s) is a symlink owned by "
			    "uid %ld; clawgated does not write through "
			    "symlinks as root: point %s at the real directory",
			    tmp, dir, (long)st.st_uid, key);
			errno = ELOOP;
			return -1;
		}
		*p = '/';
	}
	if (create && mkdir(tmp, mode) == -1 && errno != EEXIST)
		goto fail;
	if (lstat(tmp, &st) == -1)
		goto fail;
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return symlink_err(tmp, key, err, errlen);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory: point %s at a "
		    "directory", tmp, key);
		errno = ENOTDIR;
		return -1;
	}
	/* Swapped for a link since lstat: O_NOFOLLOW fails with ELOOP. */
	if ((fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			return symlink_err(tmp, key, err, errlen);
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	snprintf(err, errlen, "cannot %s %s: %s (set %s to a writable "
	    "directory)", create ? "create" : "open", dir, strerror(saved),
	    key);
	errno = saved;
	return -1;
}

int
secret_file_read(const char *path, char **out, int *loose, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		 buf[AUTH_MAX_SECRET + 3];
	size_t		 len = 0, i;
	ssize_t		 n;
	int		 fd;

	*out = NULL;
	*loose = 0;
	/* Links followed (..data/NAME); O_NONBLOCK: a FIFO cannot hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by uid %ld: a secret file "
		    "must belong to root or to the user clawgated runs as "
		    "(uid %ld); `chown root %s`", path, (long)st.st_uid,
		    (long)geteuid(), path);
		goto fail;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s is writable by group or others (mode "
		    "%04o): whoever can write it chooses the gateway's secret. "
		    "`chmod go-w %s` (in a Kubernetes Secret volume: "
		    "defaultMode 0400)", path, (unsigned)(st.st_mode & 07777),
		    path);
		goto fail;
	}
	*loose = (st.st_mode & 044) != 0;
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	close(fd);
	fd = -1;
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	if (len == 0) {
		snprintf(err, errlen, "%s is empty: put the secret in it (one "
		    "line)", path);
		goto fail;
	}
	if (len > AUTH_MAX_SECRET) {
		snprintf(err, errlen, "%s holds more than %d bytes: a secret "
		    "file holds the secret alone, on one line", path,
		    AUTH_MAX_SECRET);
		goto fail;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			snprintf(err, errlen, "%s: the secret contains a "
			    "control character (more than one line, or a "
			    "blank line at the end?); write it on one line",
			    path);
			goto fail;
		}
	if (buf[0] == ' ' || buf[len - 1] == ' ') {
		snprintf(err, errlen, "%s: the secret starts or ends with a "
		    "space; remove it (clients would not send it)", path);
		goto fail;
	}
	if ((*out = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(*out, buf, len);
	(*out)[len] = '\0';
	explicit_bzero(buf, sizeof(buf));
	return 0;
fail:
	if (fd != -1)
		close(fd);
	explicit_bzero(buf, sizeof(buf));
	return -1;
}
