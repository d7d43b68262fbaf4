/*
 * fuzz.h: helpers shared by the libFuzzer harnesses.
 *
 * A harness checks properties on top of "no crash, no sanitizer report":
 * FUZZ_ASSERT aborts (libFuzzer saves the input as crash-*) when a
 * decoded value fails to round-trip, an output is not NUL-terminated,
 * and so on.  Log lines the code under test writes go to /dev/null.
 */
#ifndef CG_FUZZ_H
#define CG_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authproto.h"
#include "log.h"

#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

static inline void
fuzz_quiet_logs(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		abort();
	log_init_master(fd, 0);
}

/* A NUL-terminated copy (the code under test may need one). */
static inline char *
fuzz_strndup(const uint8_t *p, size_t n)
{
	char	*s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static inline int
fuzz_str_eq(const struct auth_str *a, const struct auth_str *b)
{
	if ((a->p == NULL) != (b->p == NULL))
		return 0;
	return a->p == NULL || (a->len == b->len &&
	    memcmp(a->p, b->p, a->len) == 0);
}

/*
 * Do two decoded requests carry the same fields?  (What authd sees must
 * be what the worker meant: a request the worker can build but authd
 * refuses would cost the worker its authd channel.)
 */
static inline int
fuzz_auth_req_eq(const struct auth_req *a, const struct auth_req *b)
{
	const struct auth_str	*sa[] = { &a->peer, &a->origin, &a->client_id,
	    &a->client_mode, &a->platform, &a->family, &a->name, &a->role,
	    &a->token, &a->password, &a->device_token, &a->bootstrap_token,
	    &a->dev_id, &a->dev_pubkey, &a->dev_sig, &a->dev_nonce,
	    &a->challenge_nonce };
	const struct auth_str	*sb[] = { &b->peer, &b->origin, &b->client_id,
	    &b->client_mode, &b->platform, &b->family, &b->name, &b->role,
	    &b->token, &b->password, &b->device_token, &b->bootstrap_token,
	    &b->dev_id, &b->dev_pubkey, &b->dev_sig, &b->dev_nonce,
	    &b->challenge_nonce };
	size_t			 i;

	if (a->flags != b->flags || a->nscopes != b->nscopes)
		return 0;
	if ((a->flags & AUTH_F_HAS_DEVICE) &&
	    a->dev_signed_at != b->dev_signed_at)
		return 0;
	for (i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
		if (!fuzz_str_eq(sa[i], sb[i]))
			return 0;
	for (i = 0; i < a->nscopes && i < AUTH_MAX_SCOPES; i++)
		if (!fuzz_str_eq(&a->scopes[i], &b->scopes[i]))
			return 0;
	return 1;
}

#endif /* CG_FUZZ_H */
