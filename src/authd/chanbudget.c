/*
 * chanbudget.c: see chanbudget.h.  A token bucket per channel; channels
 * are few (the workers), so a small table with the least recently used
 * slot reused.
 */
#include <string.h>

#include "chanbudget.h"
#include "ratelimit.h"

struct cb_slot {
	uint64_t	chan;		/* 0: free */
	uint64_t	last;		/* refill time, ms */
	uint64_t	busy_until;	/* queued answers end here */
	double		tokens;
};

static struct cb_slot	slots[CB_SLOTS];

static struct cb_slot *
slot_of(uint64_t chan, uint64_t now)
{
	struct cb_slot	*s, *old = &slots[0];
	int		 i;

	for (i = 0; i < CB_SLOTS; i++) {
		s = &slots[i];
		if (s->chan == chan)
			return s;
		if (s->last < old->last)
			old = s;
	}
	memset(old, 0, sizeof(*old));
	old->chan = chan;
	old->last = now;
	old->tokens = CB_PER_MIN;
	return old;
}

static void
refill(struct cb_slot *s, uint64_t now)
{
	if (now > s->last) {
		s->tokens += (double)(now - s->last) * CB_PER_MIN / 60000.0;
		if (s->tokens > CB_PER_MIN)
			s->tokens = CB_PER_MIN;
		s->last = now;
	}
}

int
cb_check(uint64_t chan, uint64_t now, uint64_t *wait)
{
	struct cb_slot	*s = slot_of(chan, now);

	refill(s, now);
	*wait = s->busy_until > now ? s->busy_until - now : 0;
	if (*wait > RL_BACKLOG_MAX_MS) {
		*wait -= RL_BACKLOG_MAX_MS;
		return -1;
	}
	return 0;
}

uint64_t
cb_failure(uint64_t chan, uint64_t now)
{
	struct cb_slot	*s = slot_of(chan, now);

	refill(s, now);
	if (s->tokens >= 1.0) {
		s->tokens -= 1.0;
		return s->busy_until > now ? s->busy_until - now : 0;
	}
	/* Over budget: this answer goes out one step after the last. */
	s->busy_until = (s->busy_until > now ? s->busy_until : now) +
	    CB_STEP_MS;
	return s->busy_until - now;
}

void
cb_reset(void)
{
	memset(slots, 0, sizeof(slots));
}
