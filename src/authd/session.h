/*
 * session.h: what authd remembers about each authenticated connection.
 *
 * A session is created with every VERDICT_OK and bound to the worker
 * channel that asked.  The worker names it in later RPCs; authd acts
 * with the authority recorded here, never with anything the worker
 * claims, so a compromised worker can act only for the connections it
 * currently holds.  Sessions also say which devices are connected.
 */
#ifndef CG_AUTHD_SESSION_H
#define CG_AUTHD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "authd.h"
#include "authproto.h"

#define SESSION_MAX	262144		/* live sessions, all channels */

struct sessions;

struct session {
	char		 id[AUTH_SESSION_LEN + 1];
	uint64_t	 chan;		/* the worker channel that holds it */
	uint32_t	 method;	/* enum auth_method */
	uint32_t	 role;		/* enum pair_role */
	uint64_t	 scopes;	/* granted, SCOPE_BIT() */
	uint64_t	 secret_gen;	/* token/password: the secret's
					   generation then; else 0 */
	char		 device_id[DEVICE_ID_LEN + 1];	/* "" if none */
	char		 principal[80];
};

struct sessions	*sessions_new(void);
void		 sessions_free(struct sessions *);
/*
 * Record the OK verdict `v' for channel `chan' and write the new
 * session's handle into v->session.  `secret_gen' is the generation of
 * the shared secret a token or password verdict matched.  Returns 0, or
 * -1 (table full, ENOMEM, a role authd does not know) with v untouched.
 */
int		 sessions_create(struct sessions *, uint64_t chan,
		    struct auth_verdict *v, uint64_t secret_gen);
/* The session `id' (len bytes) if it belongs to `chan', else NULL. */
const struct session *sessions_get(struct sessions *, uint64_t chan,
		    const char *id, size_t len);
/* End one session of `chan'.  0, or -1 if there was none. */
int		 sessions_end(struct sessions *, uint64_t chan,
		    const char *id, size_t len);
/* End every session of a channel that went away; returns how many. */
size_t		 sessions_end_channel(struct sessions *, uint64_t chan);
/*
 * End the sessions of a device: all of them (role < 0) or those of one
 * role.  Returns how many.
 */
size_t		 sessions_end_device(struct sessions *, const char *device_id,
		    int role);
/*
 * End every session opened with a shared secret (token or password)
 * other than generation `current'; `cb' sees each one just before.
 * Returns how many.
 */
size_t		 sessions_end_stale_secret(struct sessions *,
		    uint64_t current,
		    void (*cb)(void *, const struct session *), void *arg);
/* Does the device hold at least one session? */
int		 sessions_connected(const struct sessions *,
		    const char *device_id);
size_t		 sessions_count(const struct sessions *);

#endif /* CG_AUTHD_SESSION_H */
