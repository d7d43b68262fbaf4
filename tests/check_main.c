/*
 * check_main.c: main() of every Check program: run the program's suite
 * (check_main.h) and exit non-zero if a test failed.
 */
#include <stdlib.h>

#include <check.h>

#include "check_main.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (check_program.init != NULL && check_program.init() != 0)
		return EXIT_FAILURE;
	sr = srunner_create(check_program.suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
