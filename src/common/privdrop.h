/*
 * privdrop.h: chroot and switch to an unprivileged user, in the order
 * OpenSSH uses (resolve the user before chroot; groups, gid, then uid).
 */
#ifndef CG_PRIVDROP_H
#define CG_PRIVDROP_H

#include <sys/types.h>

struct privdrop {
	int	active;		/* 0 when not started as root: nothing to drop */
	uid_t	uid;
	gid_t	gid;
	char	chroot_dir[4096];
};

/* Resolve `user' now (before any chroot).  0, or -1 with a message. */
int	privdrop_prepare(struct privdrop *, const char *user,
	    const char *chroot_dir, char *err, size_t errlen);
/* chroot + setgroups/setresgid/setresuid; fatal on any failure. */
void	privdrop_apply(const struct privdrop *);

/*
 * What root does before the drop, never led by a symbolic link.
 *
 * safe_dir_open: an O_DIRECTORY descriptor of `dir', created (mode
 * `mode', missing parents 0755) when `create' is set.  `dir' itself must
 * not be a symlink, and a symlink among its parents is followed only
 * when root owns it (/var/run -> /run).  `key' names the setting the
 * message tells the operator to change.  -1 with `err' (errno ENOENT:
 * absent and not created).
 */
int	safe_dir_open(const char *dir, mode_t mode, int create,
	    const char *key, char *err, size_t errlen);

/*
 * secret_file_read: the secret in `path', as Kubernetes (a Secret volume:
 * NAME -> ..data/NAME) and Docker (/run/secrets/NAME) mount it.  The
 * links are followed; the file they lead to is checked through the open
 * descriptor: a regular file owned by root or by this process's user,
 * not writable by group or others.  Its content minus one trailing
 * newline (\n or \r\n) is the secret: empty, over-long or with control
 * characters is an error.  *out is malloc'd (wipe it); *loose is set
 * when the file is readable by group or others (accepted: the mounts'
 * default is 0644 in a root-owned directory; doctor warns).  0, or -1
 * with `err', which never holds the secret.
 */
int	secret_file_read(const char *path, char **out, int *loose,
	    char *err, size_t errlen);

#endif /* CG_PRIVDROP_H */
