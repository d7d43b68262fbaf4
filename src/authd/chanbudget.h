/*
 * chanbudget.h: a failure budget per worker channel (SECURITY.md G1).
 *
 * authd believes the worker about a client's address, so a worker that
 * lies can name a fresh address for every few guesses and never meet the
 * per-address lockout.  What it cannot escape is its own channel: each
 * channel may fail CB_PER_MIN shared-secret or device-token comparisons
 * a minute (with a burst of as many); past that, its answers are queued
 * one CB_STEP_MS after another, a success too, and past RL_BACKLOG_MAX_MS
 * of queue its attempts are refused uncompared.  A lying worker thus
 * guesses at most 100 a second instead of at IPC speed.  An honest worker
 * meets the budget only when more than 100 wrong credentials a second
 * reach it, at least 600 attacking addresses each spending the 10
 * guesses a minute the per-address limiter allows; then its clients'
 * answers are slowed too (SECURITY.md G1 says so).
 */
#ifndef CG_AUTHD_CHANBUDGET_H
#define CG_AUTHD_CHANBUDGET_H

#include <stdint.h>

#define CB_PER_MIN	6000
#define CB_STEP_MS	(60000 / CB_PER_MIN)
#define CB_SLOTS	80	/* more than the master's workers */

/*
 * Before a comparison: 0 if `chan' may be answered, with how long its
 * answer must wait in *wait_ms; -1 if its queue is too long, with the
 * time until it is short again in *wait_ms.
 */
int	cb_check(uint64_t chan, uint64_t now_ms, uint64_t *wait_ms);
/* A failed comparison on `chan'; returns the delay its answer needs. */
uint64_t cb_failure(uint64_t chan, uint64_t now_ms);
/* Forget every channel (tests). */
void	cb_reset(void);

#endif /* CG_AUTHD_CHANBUDGET_H */
