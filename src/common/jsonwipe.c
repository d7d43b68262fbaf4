/*
 * jsonwipe.c: see jsonwipe.h.  Its own file so that a process that only
 * needs this (the worker) does not link the JSON5 reader.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonwipe.h"

/*
 * jansson's free: the block is wiped first.  Blocks come from plain
 * malloc(3), because callers free() what json_dumps() returns; the size
 * is malloc_usable_size(3)'s.  Without it (not glibc) nothing is wiped
 * here and the JSON5 reader's own wiping is all there is.
 */
static void
wiping_free(void *p)
{
#ifdef __GLIBC__
	if (p != NULL)
		explicit_bzero(p, malloc_usable_size(p));
#endif
	free(p);
}

void
json_wipe_on_free(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}
