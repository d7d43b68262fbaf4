/*
 * scopes.h: operator scopes as a bit set, and the reference's rule for
 * when a held scope satisfies a required one.
 */
#ifndef CG_SCOPES_H
#define CG_SCOPES_H

#include <stddef.h>
#include <stdint.h>

enum cg_scope {
	SCOPE_ADMIN = 0,
	SCOPE_READ,
	SCOPE_WRITE,
	SCOPE_APPROVALS,
	SCOPE_QUESTIONS,
	SCOPE_PAIRING,
	SCOPE_TALK,
	SCOPE_TALK_SECRETS,
	SCOPE_SESSIONS_READ,
	SCOPE_SESSIONS_WRITE,
	SCOPE_COUNT
};
#define SCOPE_BIT(s)	((uint64_t)1 << (s))

/* "operator.read" -> SCOPE_READ; -1 if unknown. */
int		 scope_from_name(const char *name, size_t len);
const char	*scope_name(enum cg_scope);
/* Does a connection holding `held' satisfy `required'? (§8.1) */
int		 scope_satisfied(uint64_t held, enum cg_scope required);
/* Add implications: admin => read, write; write => read. */
uint64_t	 scope_normalize(uint64_t);

#endif /* CG_SCOPES_H */
