/*
 * hold.c: see hold.h.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hold.h"

struct held {
	ev_timer		t;	/* first: the callback's handle */
	uint64_t		chan, id;
	struct auth_verdict	v;
};

static struct ev_loop	*hold_loop;
static hold_send_fn	 hold_send;
static size_t		 nheld;

void
hold_init(struct ev_loop *loop, hold_send_fn send)
{
	hold_loop = loop;
	hold_send = send;
}

static void
release_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct held	*h = (struct held *)t;

	ev_timer_stop(loop, t);
	/* The wait is over: the worker must not add its own. */
	h->v.delay_ms = 0;
	hold_send(h->chan, h->id, &h->v);
	sodium_memzero(h, sizeof(*h));
	free(h);
	nheld--;
}

int
hold_verdict(uint64_t chan, uint64_t id, const struct auth_verdict *v)
{
	struct held	*h;

	if (hold_loop == NULL || (h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	h->chan = chan;
	h->id = id;
	h->v = *v;
	ev_timer_init(&h->t, release_cb, v->delay_ms / 1000.0, 0.);
	ev_timer_start(hold_loop, &h->t);
	nheld++;
	return 0;
}

size_t
hold_count(void)
{
	return nheld;
}
