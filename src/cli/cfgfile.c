/*
 * cfgfile.c: finding, reading and atomically replacing the
 * configuration file.  The file may hold the gateway token, so every
 * buffer is wiped and a replacement keeps the original's mode and owner.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json5.h"
#include "util.h"

int
cfg_load(const struct cli *c, struct cg_config *cfg,
    struct cg_config_error *err)
{
	config_defaults(cfg);
	memset(err, 0, sizeof(*err));
	if (!c->config_explicit && access(c->config_path, F_OK) == -1 &&
	    errno == ENOENT)
		return 0;
	return config_load_file(cfg, c->config_path, err);
}

void
cfg_errstr(const struct cg_config_error *e, char *buf, size_t len)
{
	if (e->line > 0)
		snprintf(buf, len, "%s:%d:%d: %s", e->file, e->line, e->col,
		    e->msg);
	else if (e->file[0] != '\0')
		snprintf(buf, len, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
}

char *
cfg_read(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((buf = malloc(JSON5_MAX_INPUT + 2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	while (len <= JSON5_MAX_INPUT && (n = read(fd, buf + len,
	    JSON5_MAX_INPUT + 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read %s: %s", path,
			    strerror(errno));
			close(fd);
			explicit_bzero(buf, len);
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > JSON5_MAX_INPUT) {
		snprintf(err, errlen, "%s is larger than 1 MiB", path);
		explicit_bzero(buf, len);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write a temporary file next to the target (same file system), make it
 * durable, give it the target's mode and owner, then rename it over the
 * target: readers see the old file or the new one, never half of it.
 * A symbolic link is followed so that the link itself stays.
 */
int
cfg_write(const char *path, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		 real[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 32];
	mode_t		 mode = 0600;
	int		 fd, dfd, have = 0, saved;

	/*
	 * Root does not write through a symlink (issue 10 item 11): whoever
	 * controls the link would choose which file root replaces, and
	 * whose ownership it gets.  The real file can still be named.
	 */
	if (geteuid() == 0 && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (realpath(path, real) == NULL)
			cg_strlcpy(real, "its target", sizeof(real));
		snprintf(err, errlen, "%s is a symlink; clawgate does not write "
		    "through symlinks as root: edit the real file with "
		    "`clawgate -f %s …`, or replace the link with the file",
		    path, real);
		return -1;
	}
	if (realpath(path, real) == NULL) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		cg_strlcpy(real, path, sizeof(real));	/* a new file */
	} else if (stat(real, &st) == 0) {
		have = 1;
		mode = st.st_mode & 07777;
	}
	cg_strlcpy(dir, real, sizeof(dir));
	cg_strlcpy(dir, dirname(dir), sizeof(dir));
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir,
	    strrchr(real, '/') ? strrchr(real, '/') + 1 : real);
	/* First write after the quick start: /etc/clawgate may not exist. */
	if (!have && mkdir_p(dir, 0755) == -1) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "cannot create a temporary file in %s: "
		    "%s", dir, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 ||
	    (have && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) == -1) ||
	    write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s%s", tmp,
		    strerror(saved), saved == EPERM ? " (cannot keep the "
		    "file's owner: run as root or as its owner)" : "");
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, real) == -1) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot replace %s: %s", real,
		    strerror(saved));
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/*
 * Serialise editors: an exclusive flock on the file itself.  A writer
 * that finishes replaces the inode, so a waiter checks that it locked
 * the file that is there now.  Returns the fd to close, or -1 when the
 * file does not exist yet (nothing to lock).
 */
int
cfg_lock(const char *path)
{
	struct stat	 a, b;
	int		 fd, i;

	for (i = 0; i < 50; i++) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
			return -1;
		if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 &&
		    stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	return -1;
}
