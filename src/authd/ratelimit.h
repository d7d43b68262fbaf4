/*
 * ratelimit.h: the failed-authentication limiter (protocol.md §10).
 *
 * A limiter counts wrong credentials per {scope, subject}, where the
 * subject is a client address or "browser-origin:<origin>".  After
 * max_attempts failures inside window_ms the key is locked for
 * lockout_ms; while locked, check() refuses before any comparison.
 * Exempt callers (loopback peers, when the policy allows it; never a
 * gateway.localPeers network) are never locked, but their answers are
 * delayed, one after another per key: the delay binds the address, not
 * each of its sockets, so 30 parallel guesses take as long as 30 in a
 * row.  Past RL_BACKLOG_MAX_MS of queued answers, attempts are refused
 * uncompared until the queue drains.
 *
 * Keys are stored as a keyed BLAKE2b digest of the scope and subject:
 * fixed-size entries, no attacker-chosen strings kept, and hash-flooding
 * resistant buckets.  The table is bounded; when full, an expired lock,
 * else the least recently failing unlocked key, else the lock that ends
 * first is evicted in O(1).  A full table never refuses a key it does
 * not hold: the reference's "overflow lock" let many attacking addresses
 * lock out everybody.  Subjects are prefix keys (addr.h), so one IPv6
 * client cannot fill the table from its own /64.
 */
#ifndef CG_RATELIMIT_H
#define CG_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#define RL_DEFAULT_MAX_ATTEMPTS	10
#define RL_DEFAULT_WINDOW_MS	60000
#define RL_DEFAULT_LOCKOUT_MS	300000
#define RL_DEFAULT_MAX_ENTRIES	10000
/* max_attempts is clamped to this. */
#define RL_MAX_HISTORY		64
#define RL_DELAY_BASE_MS	250
#define RL_DELAY_MAX_MS		5000
/* History kept for exempt keys: enough to reach the delay cap. */
#define RL_EXEMPT_HISTORY	6
/* Most answer delay one exempt key may have queued. */
#define RL_BACKLOG_MAX_MS	10000

/* Credential classes: separate buckets for the same subject. */
#define RL_SCOPE_SHARED_SECRET	"shared-secret"
#define RL_SCOPE_DEVICE_TOKEN	"device-token"

struct rl_policy {
	uint32_t	max_attempts;
	uint32_t	window_ms;
	uint32_t	lockout_ms;
	int		exempt_local;	/* exemptLoopback */
};

struct rl;

/*
 * `allow_exempt' is 0 for the browser-origin limiter, whose loopback
 * exemption is always off.  `max_entries' 0 means the default.
 * Returns NULL on allocation failure.
 */
struct rl	*rl_new(size_t max_entries, int allow_exempt);
void		 rl_free(struct rl *);
/* Zero fields take the defaults. */
void		 rl_set_policy(struct rl *, const struct rl_policy *);

/*
 * 0 if an attempt may be evaluated; -1 if the key is locked (or, for an
 * exempt caller, has more than RL_BACKLOG_MAX_MS of answers queued), with
 * the time left in *retry_after_ms.  `local': the peer may be exempt
 * (true loopback).
 */
int		 rl_check(struct rl *, const char *scope,
		    const char *subject, size_t slen, int local, uint64_t now_ms,
		    uint64_t *retry_after_ms);
/*
 * Record one wrong credential.  Returns the delay the answer should
 * get for exempt callers: the answers already queued for the key plus
 * min(250 * 2^(n-1), 5000) ms (n = failures in the window); else 0.
 */
uint32_t	 rl_record_failure(struct rl *, const char *scope,
		    const char *subject, size_t slen, int local,
		    uint64_t now_ms);
/*
 * How long answers to this key are still held back (exempt keys): any
 * answer, a success too, must wait that long, or a correct guess among
 * parallel ones would come back early.
 */
uint64_t	 rl_backlog(struct rl *, const char *scope,
		    const char *subject, size_t slen, uint64_t now_ms);
/* Forget a key (after a success). */
void		 rl_reset(struct rl *, const char *scope,
		    const char *subject, size_t slen);
size_t		 rl_size(const struct rl *);
/* Would a caller with this locality be exempt from the lockout? */
int		 rl_exempts(const struct rl *, int local);

#endif /* CG_RATELIMIT_H */
