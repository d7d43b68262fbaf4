/*
 * check_chanbudget.c: the failure budget per worker channel
 * (src/authd/chanbudget.c; issue 10 item 12, SECURITY.md G1).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "chanbudget.h"
#include "ratelimit.h"

#define NOW	1795342016742ULL

/* Within the budget, nothing waits; past it, answers queue up. */
START_TEST(budget_then_queue)
{
	uint64_t	wait, d = 0;
	int		i;

	cb_reset();
	for (i = 0; i < CB_PER_MIN; i++) {
		ck_assert_int_eq(cb_check(7, NOW, &wait), 0);
		ck_assert_uint_eq(wait, 0);
		ck_assert_uint_eq(cb_failure(7, NOW), 0);
	}
	/* One more failure: its answer waits one step, the next two. */
	ck_assert_uint_eq(cb_failure(7, NOW), CB_STEP_MS);
	ck_assert_uint_eq(cb_failure(7, NOW), 2 * CB_STEP_MS);
	/* Any answer on that channel, a success too, waits behind them. */
	ck_assert_int_eq(cb_check(7, NOW, &wait), 0);
	ck_assert_uint_eq(wait, 2 * CB_STEP_MS);
	/* Another channel is untouched. */
	ck_assert_int_eq(cb_check(8, NOW, &wait), 0);
	ck_assert_uint_eq(wait, 0);
	/* Fill the queue past RL_BACKLOG_MAX_MS: attempts are refused. */
	for (i = 0; i < (int)(RL_BACKLOG_MAX_MS / CB_STEP_MS) + 1; i++)
		d = cb_failure(7, NOW);
	ck_assert_uint_gt(d, RL_BACKLOG_MAX_MS);
	ck_assert_int_eq(cb_check(7, NOW, &wait), -1);
	ck_assert_uint_gt(wait, 0);
	/* Once the queue has drained, the channel is answered again. */
	ck_assert_int_eq(cb_check(7, NOW + d, &wait), 0);
	ck_assert_uint_eq(wait, 0);
}
END_TEST

/* The budget refills over a minute. */
START_TEST(budget_refills)
{
	uint64_t	wait;
	int		i;

	cb_reset();
	for (i = 0; i < CB_PER_MIN; i++)
		(void)cb_failure(3, NOW);
	ck_assert_uint_eq(cb_failure(3, NOW), CB_STEP_MS);
	/* A minute later the queue is gone and the bucket full again. */
	ck_assert_int_eq(cb_check(3, NOW + 60000, &wait), 0);
	ck_assert_uint_eq(wait, 0);
	ck_assert_uint_eq(cb_failure(3, NOW + 60000), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("chanbudget");
	TCase	*tc = tcase_create("budget");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, budget_then_queue);
	tcase_add_test(tc, budget_refills);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
