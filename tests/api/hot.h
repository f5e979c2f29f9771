/*
 * hot.h — what the tiering tests (test_tier.c, tests/threads/test_tierup.c)
 * call in hot.wat and what every call must give, at any tier: the values
 * were computed by the same algorithms in C (IEEE doubles, no FMA), so a
 * tier that agrees with the others but not with these is wrong too.
 */
#ifndef KILN_TEST_HOT_H
#define KILN_TEST_HOT_H

#include <string.h>

#include <kiln.h>

#include "test_util.h"

/* hot.wat's own functions: sq, rot, fib, hash, poly, bump, div. */
enum { HOT_NFUNCS = 7 };

typedef struct hot_call {
	const char *name;
	kiln_val args[2];
	unsigned nargs;
	kiln_trap_kind trap;	/* expected: a trap, or KILN_TRAP_NONE and */
	uint64_t bits;		/* the result's bits (i32 zero-extended) */
} hot_call;

#define HOT_I32(v) {KILN_I32, {.i32 = (v)}}
#define HOT_I64(v) {KILN_I64, {.i64 = (v)}}
#define HOT_F64(v) {KILN_F64, {.f64 = (v)}}

/* bump is not here: its result depends on the calls before (hot_bump). */
static const hot_call hot_calls[] = {
	{"fib", {HOT_I32(1)}, 1, KILN_TRAP_NONE, 1},
	{"fib", {HOT_I32(20)}, 1, KILN_TRAP_NONE, 6765},
	{"fib", {HOT_I32(25)}, 1, KILN_TRAP_NONE, 75025},
	{"hash", {HOT_I32(7)}, 1, KILN_TRAP_NONE, 1672788990u},
	{"hash", {HOT_I32(1000)}, 1, KILN_TRAP_NONE, 1099790614u},
	{"hash", {HOT_I32(100000)}, 1, KILN_TRAP_NONE, (uint32_t)-1947475693},
	{"poly", {HOT_F64(2.0)}, 1, KILN_TRAP_NONE, 0xc01257d86660310dull},
	{"poly", {HOT_F64(1e10)}, 1, KILN_TRAP_NONE, 0x43f5af1d783329beull},
	{"poly", {HOT_F64(0.0)}, 1, KILN_TRAP_NONE, 0x3bf0000000000000ull},
	{"poly", {HOT_F64(-3.0)}, 1, KILN_TRAP_NONE, 0x402b3f95987eef41ull},
	{"div", {HOT_I64(-7), HOT_I64(2)}, 2, KILN_TRAP_NONE, (uint64_t)-3},
	{"div", {HOT_I64(1), HOT_I64(0)}, 2, KILN_TRAP_DIVIDE_BY_ZERO, 0},
	{"div", {HOT_I64(INT64_MIN), HOT_I64(-1)}, 2, KILN_TRAP_INTEGER_OVERFLOW, 0},
};

enum { HOT_NCALLS = sizeof hot_calls / sizeof hot_calls[0] };

/* The result's bits, or the trap (*trap; KILN_TRAP_KIND_COUNT_ when the
 * call failed otherwise). */
static inline uint64_t hot_call_of(kiln_instance *inst, const char *name, const kiln_val *args,
				   unsigned nargs, kiln_trap_kind *trap)
{
	kiln_val r;
	kiln_trap_info t;
	kiln_status st;
	uint64_t bits = 0;

	memset(&r, 0, sizeof r);
	st = kiln_func_call(export(inst, name), args, nargs, &r, 1, &t, NULL);
	*trap = st == KILN_OK ? KILN_TRAP_NONE : st == KILN_ERR_TRAP ? t.kind : KILN_TRAP_KIND_COUNT_;
	if (st != KILN_OK)
		return 0;
	if (r.type == KILN_I32)
		return (uint32_t)r.of.i32;
	memcpy(&bits, &r.of, sizeof bits);
	return bits;
}

/* Makes call c on inst: true when it gave what it must (else *got and
 * *trap say what it gave). */
static inline bool hot_check(kiln_instance *inst, const hot_call *c, uint64_t *got,
			     kiln_trap_kind *trap)
{
	*got = hot_call_of(inst, c->name, c->args, c->nargs, trap);
	return *trap == c->trap && (c->trap != KILN_TRAP_NONE || *got == c->bits);
}

/* bump(n): the instance's running total after adding n. */
static inline int64_t hot_bump(kiln_instance *inst, int64_t n, kiln_trap_kind *trap)
{
	kiln_val a = HOT_I64(n);

	return (int64_t)hot_call_of(inst, "bump", &a, 1, trap);
}

#endif /* KILN_TEST_HOT_H */
