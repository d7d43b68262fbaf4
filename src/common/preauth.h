/*
 * preauth.h: the per-source-address count of unauthenticated sockets,
 * shared by every worker (nginx's limit_conn zone idea).  The master
 * creates a small shared mapping before the workers start; each worker
 * maps it before its sandbox.  Counting is lock-free: a count-min sketch
 * of two rows of atomic counters under keyed hashes, so two addresses
 * can only be confused if they collide in both rows (the cap can be
 * reached early, never late).  Each worker writes only its own slot and
 * clears it when it starts, so a crashed worker's sockets do not stay
 * counted after its replacement is up.
 */
#ifndef CG_PREAUTH_H
#define CG_PREAUTH_H

#include <stdint.h>

#define PREAUTH_BUCKETS	16384
#define PREAUTH_SLOTS	64		/* = the master's MAX_WORKERS */

struct preauth_slot {
	uint32_t	total;			/* this worker's pre-auth sockets */
	uint32_t	row[2][PREAUTH_BUCKETS];
};

struct preauth_shm {
	uint64_t		key[2];
	struct preauth_slot	slot[PREAUTH_SLOTS];
};

/* Master: create the zone; returns its fd (memfd) or -1. */
int			 preauth_shm_create(void);
/* Worker: map the zone from `fd' (closes it); NULL on failure. */
struct preauth_shm	*preauth_shm_map(int fd);
/* Worker start: forget whatever a previous holder of `slot' counted. */
void			 preauth_shm_reset(struct preauth_shm *, int slot);
/* Sockets from `addr' over the first `nslots' workers, and all of them. */
unsigned		 preauth_shm_count(struct preauth_shm *, int nslots,
			    int family, const uint8_t addr[16]);
unsigned		 preauth_shm_total(struct preauth_shm *, int nslots);
void			 preauth_shm_add(struct preauth_shm *, int slot,
			    int family, const uint8_t addr[16], int delta);

#endif /* CG_PREAUTH_H */
