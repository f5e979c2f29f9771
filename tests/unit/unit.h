/* unit.h — the Check suites of kiln's unit tests. */
#ifndef KILN_UNIT_H
#define KILN_UNIT_H

#include <check.h>

Suite *reader_suite(void);
Suite *decode_suite(void);
Suite *validate_suite(void);
Suite *runtime_suite(void);
Suite *tramps_suite(void);
Suite *loopver_suite(void);
Suite *interp_suite(void);
Suite *exceptions_suite(void);

#endif
