/*
 * ratelimit.c: bounded failed-auth limiter, see ratelimit.h.
 *
 * Semantics follow the reference's auth-rate-limit (protocol.md §10):
 * failures older than the window are forgotten; the lock engages when
 * the max_attempts-th failure is recorded (or, after a policy change,
 * at the next check); a lock that has run out clears the history; a
 * locked key records nothing more; exempt keys never lock and keep only
 * enough history to compute the delay.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ratelimit.h"

#define RL_KEYLEN	16

struct rl_entry {
	uint8_t			 key[RL_KEYLEN];
	struct rl_entry		*hnext;
	TAILQ_ENTRY(rl_entry)	 q;
	int			 on_locked;
	uint64_t		 locked_until;	/* 0: not locked */
	uint64_t		 busy_until;	/* exempt: answer still delayed */
	unsigned		 first, n;	/* ring of failure times */
	uint64_t		 ts[RL_MAX_HISTORY];
};

TAILQ_HEAD(rl_list, rl_entry);

struct rl {
	struct rl_entry		**b;
	size_t			  nb;		/* power of two */
	size_t			  n, max;
	int			  allow_exempt;
	struct rl_policy	  pol;
	/* Unlocked keys by last failure, oldest first; locked by lock time. */
	struct rl_list		  unlocked, locked;
	uint8_t			  hkey[crypto_generichash_KEYBYTES];
};

static void
rl_key(const struct rl *rl, const char *scope, const char *subject,
    size_t slen, uint8_t out[RL_KEYLEN])
{
	crypto_generichash_state	st;

	crypto_generichash_init(&st, rl->hkey, sizeof(rl->hkey), RL_KEYLEN);
	/* The NUL separates scope from subject unambiguously. */
	crypto_generichash_update(&st, (const unsigned char *)scope,
	    strlen(scope) + 1);
	crypto_generichash_update(&st, (const unsigned char *)subject, slen);
	crypto_generichash_final(&st, out, RL_KEYLEN);
	sodium_memzero(&st, sizeof(st));
}

static size_t
rl_bucket(const struct rl *rl, const uint8_t key[RL_KEYLEN])
{
	uint64_t	h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h & (rl->nb - 1);
}

static struct rl_entry *
rl_find(const struct rl *rl, const uint8_t key[RL_KEYLEN])
{
	struct rl_entry	*e;

	for (e = rl->b[rl_bucket(rl, key)]; e != NULL; e = e->hnext)
		if (memcmp(e->key, key, RL_KEYLEN) == 0)
			return e;
	return NULL;
}

static struct rl_list *
rl_list_of(struct rl *rl, struct rl_entry *e)
{
	return e->on_locked ? &rl->locked : &rl->unlocked;
}

static void
rl_delete(struct rl *rl, struct rl_entry *e)
{
	struct rl_entry	**pp;

	for (pp = &rl->b[rl_bucket(rl, e->key)]; *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	TAILQ_REMOVE(rl_list_of(rl, e), e, q);
	rl->n--;
	free(e);
}

static void
rl_move(struct rl *rl, struct rl_entry *e, int locked)
{
	TAILQ_REMOVE(rl_list_of(rl, e), e, q);
	e->on_locked = locked;
	TAILQ_INSERT_TAIL(rl_list_of(rl, e), e, q);
}

struct rl *
rl_new(size_t max_entries, int allow_exempt)
{
	struct rl	*rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->max = max_entries ? max_entries : RL_DEFAULT_MAX_ENTRIES;
	for (rl->nb = 16; rl->nb < rl->max; rl->nb <<= 1)
		;
	if ((rl->b = calloc(rl->nb, sizeof(*rl->b))) == NULL) {
		free(rl);
		return NULL;
	}
	rl->allow_exempt = allow_exempt;
	TAILQ_INIT(&rl->unlocked);
	TAILQ_INIT(&rl->locked);
	randombytes_buf(rl->hkey, sizeof(rl->hkey));
	rl_set_policy(rl, NULL);
	return rl;
}

void
rl_free(struct rl *rl)
{
	struct rl_entry	*e;

	if (rl == NULL)
		return;
	while ((e = TAILQ_FIRST(&rl->unlocked)) != NULL)
		rl_delete(rl, e);
	while ((e = TAILQ_FIRST(&rl->locked)) != NULL)
		rl_delete(rl, e);
	free(rl->b);
	sodium_memzero(rl->hkey, sizeof(rl->hkey));
	free(rl);
}

void
rl_set_policy(struct rl *rl, const struct rl_policy *p)
{
	struct rl_policy	d = { RL_DEFAULT_MAX_ATTEMPTS,
				    RL_DEFAULT_WINDOW_MS,
				    RL_DEFAULT_LOCKOUT_MS, 1 };

	if (p != NULL) {
		if (p->max_attempts != 0)
			d.max_attempts = p->max_attempts;
		if (p->window_ms != 0)
			d.window_ms = p->window_ms;
		if (p->lockout_ms != 0)
			d.lockout_ms = p->lockout_ms;
		d.exempt_local = p->exempt_local != 0;
	}
	if (d.max_attempts > RL_MAX_HISTORY)
		d.max_attempts = RL_MAX_HISTORY;
	rl->pol = d;
}

size_t
rl_size(const struct rl *rl)
{
	return rl->n;
}

static int
rl_exempt(const struct rl *rl, int local)
{
	return rl->allow_exempt && rl->pol.exempt_local && local;
}

/* Expire a finished lock and failures older than the window. */
static void
rl_refresh(struct rl *rl, struct rl_entry *e, uint64_t now)
{
	uint64_t	cutoff;

	if (e->locked_until != 0 && now >= e->locked_until) {
		e->locked_until = 0;
		e->n = 0;
	}
	if (e->on_locked && e->locked_until == 0)
		rl_move(rl, e, 0);
	cutoff = now > rl->pol.window_ms ? now - rl->pol.window_ms : 0;
	while (e->n > 0 && e->ts[e->first] <= cutoff) {
		e->first = (e->first + 1) % RL_MAX_HISTORY;
		e->n--;
	}
}

static void
rl_lock(struct rl *rl, struct rl_entry *e, uint64_t now)
{
	e->locked_until = now + rl->pol.lockout_ms;
	rl_move(rl, e, 1);
}

/*
 * Make room for one more key.  A full table never refuses anyone: that
 * would turn an attacker's many addresses into a lockout of everybody
 * (the reference's "overflow lock").  Instead the key that matters least
 * goes: an expired lock, else the least recently failing unlocked key,
 * else the lock that would end first.
 */
static void
rl_make_room(struct rl *rl, uint64_t now)
{
	struct rl_entry	*e;

	if (rl->n < rl->max)
		return;
	if ((e = TAILQ_FIRST(&rl->locked)) != NULL && now >= e->locked_until) {
		rl_delete(rl, e);
		return;
	}
	if ((e = TAILQ_FIRST(&rl->unlocked)) == NULL)
		e = TAILQ_FIRST(&rl->locked);
	if (e != NULL)
		rl_delete(rl, e);
}

int
rl_check(struct rl *rl, const char *scope, const char *subject, size_t slen,
    int local, uint64_t now, uint64_t *retry_after)
{
	uint8_t		 key[RL_KEYLEN];
	struct rl_entry	*e;

	*retry_after = 0;
	rl_key(rl, scope, subject, slen, key);
	if ((e = rl_find(rl, key)) == NULL)
		return 0;
	if (rl_exempt(rl, local)) {
		/*
		 * Never locked, but the answers of one address come one
		 * delay after another (rl_backlog), so parallel sockets
		 * learn nothing sooner than one socket would.  Past
		 * RL_BACKLOG_MAX_MS of queued answers the attempt is not
		 * compared at all: retry once the queue has drained.
		 */
		if (e->busy_until > now + RL_BACKLOG_MAX_MS) {
			*retry_after = e->busy_until - now - RL_BACKLOG_MAX_MS;
			return -1;
		}
		return 0;
	}
	rl_refresh(rl, e, now);
	if (e->locked_until == 0 && e->n >= rl->pol.max_attempts)
		rl_lock(rl, e, now);
	if (e->locked_until != 0 && now < e->locked_until) {
		*retry_after = e->locked_until - now;
		return -1;
	}
	return 0;
}

static uint32_t
rl_delay(unsigned n)
{
	unsigned	shift = n > 0 ? n - 1 : 0;

	if (shift > 5)		/* 250 << 5 already exceeds the cap */
		return RL_DELAY_MAX_MS;
	return (RL_DELAY_BASE_MS << shift) > RL_DELAY_MAX_MS ?
	    RL_DELAY_MAX_MS : (uint32_t)(RL_DELAY_BASE_MS << shift);
}

uint32_t
rl_record_failure(struct rl *rl, const char *scope, const char *subject,
    size_t slen, int local, uint64_t now)
{
	uint8_t		 key[RL_KEYLEN];
	struct rl_entry	*e;
	int		 exempt = rl_exempt(rl, local);
	unsigned	 cap;
	uint32_t	 d;

	rl_key(rl, scope, subject, slen, key);
	if ((e = rl_find(rl, key)) == NULL) {
		rl_make_room(rl, now);
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return exempt ? rl_delay(1) : 0;
		memcpy(e->key, key, RL_KEYLEN);
		e->hnext = rl->b[rl_bucket(rl, key)];
		rl->b[rl_bucket(rl, key)] = e;
		TAILQ_INSERT_TAIL(&rl->unlocked, e, q);
		rl->n++;
	}
	if (!exempt && e->locked_until != 0 && now < e->locked_until)
		return 0;
	rl_refresh(rl, e, now);
	cap = exempt ? RL_EXEMPT_HISTORY : RL_MAX_HISTORY;
	while (e->n >= cap) {
		e->first = (e->first + 1) % RL_MAX_HISTORY;
		e->n--;
	}
	e->ts[(e->first + e->n) % RL_MAX_HISTORY] = now;
	e->n++;
	if (!e->on_locked)
		rl_move(rl, e, 0);	/* most recent failure last */
	if (exempt) {
		/* This answer goes out one delay after the last one. */
		d = rl_delay(e->n);
		e->busy_until = (e->busy_until > now ? e->busy_until : now) + d;
		return (uint32_t)(e->busy_until - now);
	}
	if (e->n >= rl->pol.max_attempts)
		rl_lock(rl, e, now);
	return 0;
}

uint64_t
rl_backlog(struct rl *rl, const char *scope, const char *subject,
    size_t slen, uint64_t now)
{
	uint8_t		 key[RL_KEYLEN];
	struct rl_entry	*e;

	rl_key(rl, scope, subject, slen, key);
	if ((e = rl_find(rl, key)) == NULL || e->busy_until <= now)
		return 0;
	return e->busy_until - now;
}

void
rl_reset(struct rl *rl, const char *scope, const char *subject, size_t slen)
{
	uint8_t		 key[RL_KEYLEN];
	struct rl_entry	*e;

	rl_key(rl, scope, subject, slen, key);
	if ((e = rl_find(rl, key)) != NULL)
		rl_delete(rl, e);
}

int
rl_exempts(const struct rl *rl, int local)
{
	return rl_exempt(rl, local);
}
