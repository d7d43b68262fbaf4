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

#endif /* CG_PRIVDROP_H */
