/*
 * sandbox_pledge.c: OpenBSD pledge(2)/unveil(2) per role.
 *
 * Both roles run chrooted to an empty directory by then, so unveil only
 * removes the rest of the view; the promises are the whole policy:
 *  - authd: stdio (IPC on inherited sockets) and recvfd (worker channels
 *    arrive by SCM_RIGHTS); with a pairing store, also rpath wpath cpath
 *    for the files under the directory it opened before the chroot;
 *  - worker: stdio, inet (accept4 and socket options on inherited
 *    listeners) and recvfd (the authd channel after a respawn).
 *
 * authd with a store does not unveil: the store is reached by openat()
 * relative to a descriptor opened before the chroot, whose path is not
 * in the chroot's view, and unveil(2) cannot name a directory by
 * descriptor.  Hiding "/" would risk hiding the store too; the empty
 * chroot already gives the path-based view nothing to show.
 * (Not exercised on OpenBSD yet.)
 */
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_apply(enum sandbox_role role, int debug, int dirfd)
{
	const char	*promises;

	if (role == SANDBOX_AUTHD)
		promises = dirfd >= 0 ? "stdio rpath wpath cpath recvfd" :
		    "stdio recvfd";
	else
		promises = "stdio inet recvfd";
	if (!(role == SANDBOX_AUTHD && dirfd >= 0) &&
	    (unveil("/", "") == -1 || unveil(NULL, NULL) == -1))
		fatal("unveil");
	if (pledge(promises, NULL) == -1)
		fatal("pledge");
}

const char *
sandbox_kind(void)
{
	return "pledge";
}
