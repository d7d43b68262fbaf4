/*
 * ob.h: build a JSON object field by field; the first failure sticks and
 * ob_done() then returns NULL.  Used by the store encoder and the RPC
 * views, which build the same kind of records.
 */
#ifndef CG_AUTHD_OB_H
#define CG_AUTHD_OB_H

#include <stdint.h>

#include <jansson.h>

struct ob {
	json_t	*o;
	int	 bad;
};

static inline void
ob_set(struct ob *b, const char *k, json_t *v)
{
	if (v == NULL || b->o == NULL || json_object_set_new(b->o, k, v) == -1)
		b->bad = 1;
}

static inline void
ob_str(struct ob *b, const char *k, const char *v)
{
	if (v != NULL)
		ob_set(b, k, json_string(v));
}

/* A millisecond timestamp; 0 means "never" and is left out. */
static inline void
ob_ms(struct ob *b, const char *k, uint64_t v, int always)
{
	if (v != 0 || always)
		ob_set(b, k, json_integer((json_int_t)v));
}

static inline json_t *
ob_done(struct ob *b)
{
	if (b->bad) {
		json_decref(b->o);
		return NULL;
	}
	return b->o;
}

#endif /* CG_AUTHD_OB_H */
