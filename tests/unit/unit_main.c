/*
 * unit_main.c — runs one Check suite, named by argv[1] (reader, decode,
 * validate, runtime, tramps, loopver, interp, exceptions), in fork mode so that a crash
 * fails one test, not the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		Suite *(*make)(void);
	} suites[] = {
		{"reader", reader_suite},
		{"decode", decode_suite},
		{"validate", validate_suite},
		{"runtime", runtime_suite},
		{"tramps", tramps_suite},
		{"loopver", loopver_suite},
		{"interp", interp_suite},
		{"exceptions", exceptions_suite},
	};
	SRunner *sr = NULL;
	int failed;

	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (argc > 1 && strcmp(argv[1], suites[i].name) != 0)
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (sr == NULL) {
		fprintf(stderr, "unknown suite '%s'\n", argv[1]);
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
