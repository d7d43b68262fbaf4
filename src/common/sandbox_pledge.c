/*
 * sandbox_pledge.c: OpenBSD pledge(2)/unveil(2) per role.
 *
 * Both roles run chrooted to an empty directory by then, so unveil only
 * removes the rest of the view; the promises are the whole policy:
 *  - authd: stdio (IPC on inherited sockets) and recvfd (worker channels
 *    arrive by SCM_RIGHTS);
 *  - worker: stdio, inet (accept4 and socket options on inherited
 *    listeners) and recvfd (the authd channel after a respawn).
 */
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

void
sandbox_apply(enum sandbox_role role, int debug)
{
	const char	*promises;

	promises = role == SANDBOX_AUTHD ? "stdio recvfd" :
	    "stdio inet recvfd";
	if (unveil("/", "") == -1 || unveil(NULL, NULL) == -1)
		fatal("unveil");
	if (pledge(promises, NULL) == -1)
		fatal("pledge");
}

const char *
sandbox_kind(void)
{
	return "pledge";
}
