/*
 * hold.h: verdicts authd keeps back until their delay is over.
 *
 * A wrong answer to a loopback client is delayed (ratelimit.h).  If the
 * worker enforced that delay, a compromised worker could skip it and
 * guess at full speed under the loopback exemption (SECURITY.md G1).  So
 * authd itself sends such a verdict only when its time has come; the
 * worker receives it with delay_ms 0 and answers at once.
 */
#ifndef CG_AUTHD_HOLD_H
#define CG_AUTHD_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "authproto.h"

/* How a held verdict finally leaves: to channel `chan', as reply `id'. */
typedef void	(*hold_send_fn)(uint64_t chan, uint64_t id,
		    const struct auth_verdict *);

void	hold_init(struct ev_loop *, hold_send_fn);
/*
 * Send `v' after v->delay_ms.  0 if it is held; -1 (no memory) if the
 * caller must send it now.
 */
int	hold_verdict(uint64_t chan, uint64_t id, const struct auth_verdict *v);
/* Verdicts still held. */
size_t	hold_count(void);

#endif /* CG_AUTHD_HOLD_H */
