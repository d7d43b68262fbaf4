/*
 * latency.c: see latency.h.
 */
#include <stdlib.h>
#include <string.h>

#include "latency.h"

void
lat_add(struct lat *l, uint64_t usec)
{
	uint32_t	*nv;
	size_t		 ncap;

	if (l->n == l->cap) {
		ncap = l->cap ? l->cap * 2 : 65536;
		if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
			return;		/* drop the sample, keep going */
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = usec > UINT32_MAX ? UINT32_MAX : (uint32_t)usec;
}

static int
u32cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile. */
static double
pct(const struct lat *l, double p)
{
	size_t	k = (size_t)(p / 100.0 * (double)l->n + 0.999999);

	if (k == 0)
		k = 1;
	if (k > l->n)
		k = l->n;
	return l->v[k - 1] / 1000.0;
}

void
lat_summarize(struct lat *l, struct lat_summary *s)
{
	double	sum = 0;
	size_t	i;

	memset(s, 0, sizeof(*s));
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), u32cmp);
	for (i = 0; i < l->n; i++)
		sum += l->v[i];
	s->n = l->n;
	s->mean_ms = sum / (double)l->n / 1000.0;
	s->p50_ms = pct(l, 50);
	s->p90_ms = pct(l, 90);
	s->p99_ms = pct(l, 99);
	s->max_ms = l->v[l->n - 1] / 1000.0;
}

void
lat_free(struct lat *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
