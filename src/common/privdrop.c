/*
 * privdrop.c: give up root for good.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
