/*
 * scopes.c: operator scope names and satisfaction rules (protocol.md §8.1).
 */
#include <string.h>

#include "scopes.h"

static const char *const scope_names[SCOPE_COUNT] = {
	[SCOPE_ADMIN] = "operator.admin",
	[SCOPE_READ] = "operator.read",
	[SCOPE_WRITE] = "operator.write",
	[SCOPE_APPROVALS] = "operator.approvals",
	[SCOPE_QUESTIONS] = "operator.questions",
	[SCOPE_PAIRING] = "operator.pairing",
	[SCOPE_TALK] = "operator.talk",
	[SCOPE_TALK_SECRETS] = "operator.talk.secrets",
	[SCOPE_SESSIONS_READ] = "operator.sessions.read",
	[SCOPE_SESSIONS_WRITE] = "operator.sessions.write",
};

int
scope_from_name(const char *name, size_t len)
{
	int	i;

	for (i = 0; i < SCOPE_COUNT; i++)
		if (strlen(scope_names[i]) == len &&
		    memcmp(scope_names[i], name, len) == 0)
			return i;
	return -1;
}

const char *
scope_name(enum cg_scope s)
{
	return (s >= 0 && s < SCOPE_COUNT) ? scope_names[s] : "unknown";
}

int
scope_satisfied(uint64_t held, enum cg_scope required)
{
	if (held & SCOPE_BIT(required))
		return 1;
	if (held & SCOPE_BIT(SCOPE_ADMIN))
		return 1;
	switch (required) {
	case SCOPE_READ:
	case SCOPE_TALK:
	case SCOPE_SESSIONS_WRITE:
		return (held & SCOPE_BIT(SCOPE_WRITE)) != 0;
	case SCOPE_SESSIONS_READ:
		return (held & (SCOPE_BIT(SCOPE_WRITE) | SCOPE_BIT(SCOPE_READ) |
		    SCOPE_BIT(SCOPE_SESSIONS_WRITE))) != 0;
	default:
		return 0;
	}
}

uint64_t
scope_normalize(uint64_t s)
{
	if (s & SCOPE_BIT(SCOPE_ADMIN))
		s |= SCOPE_BIT(SCOPE_READ) | SCOPE_BIT(SCOPE_WRITE);
	if (s & SCOPE_BIT(SCOPE_WRITE))
		s |= SCOPE_BIT(SCOPE_READ);
	return s;
}
