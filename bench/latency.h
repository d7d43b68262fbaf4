/*
 * latency.h: latency samples and their percentiles.
 *
 * Every sample is kept (4 bytes each: microseconds) so percentiles are
 * exact, not bucketed; a million handshakes cost 4 MB.
 */
#ifndef CGB_LATENCY_H
#define CGB_LATENCY_H

#include <stddef.h>
#include <stdint.h>

struct lat {
	uint32_t	*v;
	size_t		 n, cap;
};

struct lat_summary {
	size_t	n;
	double	mean_ms, p50_ms, p90_ms, p99_ms, max_ms;
};

void	lat_add(struct lat *, uint64_t usec);
/* Sorts the samples; a summary of none is all zeros. */
void	lat_summarize(struct lat *, struct lat_summary *);
void	lat_free(struct lat *);

#endif /* CGB_LATENCY_H */
