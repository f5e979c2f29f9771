/*
 * outcome.h — what a fuzz target made of its input, told to replay.c,
 * which compares it with the outcome the regress input expects
 * (tests/regress).  ST is the status of the call under test; TEXT is its
 * error message, or on KILN_OK a summary of what was loaded.  Under
 * libFuzzer nothing defines fuzz_outcome: the weak reference is NULL and
 * the targets skip the call.
 */
#ifndef KILN_FUZZ_OUTCOME_H
#define KILN_FUZZ_OUTCOME_H

#include <kiln.h>

extern void fuzz_outcome(kiln_status st, const char *text) __attribute__((weak));

#endif
