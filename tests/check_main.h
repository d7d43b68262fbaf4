/*
 * check_main.h: the one main() of the Check unit-test programs
 * (tests/check_main.c, linked into every tests/check_*).
 *
 * A program defines its suite and, if it needs one, a start-up step run
 * once before any test:
 *
 *	const struct check_program check_program = { foo_suite, foo_init };
 *
 * The runner is libcheck's, so CK_RUN_SUITE, CK_RUN_CASE, CK_FORK and
 * CK_DEFAULT_TIMEOUT select and shape the run as usual.
 */
#ifndef CLAWGATE_CHECK_MAIN_H
#define CLAWGATE_CHECK_MAIN_H

#include <check.h>

struct check_program {
	Suite	*(*suite)(void);	/* the program's tests */
	int	 (*init)(void);		/* NULL, or non-zero: fail at once */
};

extern const struct check_program	check_program;

#endif
