/*
 * check.h — the API tests' CHECK: a failed condition prints its line and
 * message and counts in `failures`; each test exits 1 when any failed.
 */
#ifndef KILN_TEST_CHECK_H
#define KILN_TEST_CHECK_H

#include <stdio.h>

static int failures __attribute__((unused));

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			printf("FAIL line %d: ", __LINE__);                   \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
			failures++;                                             \
		}                                                               \
	} while (0)

#endif /* KILN_TEST_CHECK_H */
