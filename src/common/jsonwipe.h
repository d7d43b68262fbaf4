/*
 * jsonwipe.h: make jansson wipe every block it frees.  Connect frames,
 * control requests and config files carry secrets; jansson keeps the last
 * of duplicate keys and frees the others, and frees every parsed tree,
 * without wiping.  Call once at start, before anything is parsed.
 */
#ifndef CG_JSONWIPE_H
#define CG_JSONWIPE_H

void	json_wipe_on_free(void);

#endif /* CG_JSONWIPE_H */
