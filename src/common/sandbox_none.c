/*
 * sandbox_none.c: no process sandbox on this system (configure warned).
 */
#include "log.h"
#include "sandbox.h"

void
sandbox_apply(enum sandbox_role role, int debug, int dirfd)
{
	log_debug("no sandbox available on this system");
}

const char *
sandbox_kind(void)
{
	return "none";
}
