/*
 * loopver.h — candidates for checked loop versions (docs/architecture.md,
 * "Barriers and loop vectorisation").
 *
 * loopver_find reads an innermost wasm loop, before lowering, and tells
 * whether it is a candidate: a straight-line body whose only exit is the
 * final `br_if 0`, no call and no instruction that may trap but its loads
 * and stores, every address an induction local plus a constant, and an
 * exit test `i32.ne` of an induction local and an invariant (or the
 * induction local itself against zero).  What it finds is what the guard
 * before the loop tests (lower_loopver.c): with the locals' values at the
 * loop's entry, the trip count and every access's byte range.
 *
 * A local's value is taken at the start of an iteration: an access's
 * constant `c` includes the step when it reads the local after its update.
 */
#ifndef KILN_LOOPVER_H
#define KILN_LOOPVER_H

#include <stdbool.h>
#include <stdint.h>

#define LOOPVER_MAX_INSTRS 1024u	/* from `loop` to its `end` */
#define LOOPVER_MAX_GROUPS 8u
#define LOOPVER_MAX_ACCESSES 64u
#define LOOPVER_MAX_LOCALS 32u		/* distinct locals the body touches */
/* Steps and constants are kept below this in magnitude, so that the
 * guard's i64 arithmetic (at most 2^32 iterations) cannot overflow. */
#define LOOPVER_MAX_CONST (1 << 30)
/* A group's or the limit's "local" when it is a constant address. */
#define LOOPVER_NO_LOCAL UINT32_MAX

/* The accesses through one induction local (or constant addresses):
 * over the run, from k0 + cmin to k0 + (N - 1) * step + cend (exclusive)
 * when the step is positive. */
typedef struct loopver_group {
	uint32_t local;
	int32_t step;
	int64_t cmin;		/* least constant of its accesses */
	int64_t cend;		/* greatest constant + memarg offset + size */
	bool stores;
} loopver_group;

typedef struct loopver {
	uint32_t ninstrs;		/* from `loop` to its `end` */
	uint32_t ngroups, naccesses;
	loopver_group groups[LOOPVER_MAX_GROUPS];
	uint8_t access_group[LOOPVER_MAX_ACCESSES];	/* in body order */
	/* Each access's address: its group's local at the iteration's start
	 * plus this (the memarg offset not included). */
	int64_t access_c[LOOPVER_MAX_ACCESSES];
	/* The loop goes on while exit_local + exit_c != limit_local + limit_c
	 * (values at the iteration's start; LOOPVER_NO_LOCAL: 0). */
	uint32_t exit_local, limit_local;
	int32_t exit_step;
	int64_t exit_c, limit_c;
	/* Instruction i (0 is the `loop`) is an add of an address that the
	 * guard keeps from wrapping: `add nuw` in the fast copy. */
	uint8_t nuw[LOOPVER_MAX_INSTRS / 8];
} loopver;

/* p points at a `loop` instruction of a validated body ending at `end`.
 * true: the loop is a candidate, described in *v. */
bool loopver_find(loopver *v, const uint8_t *p, const uint8_t *end);

static inline bool loopver_nuw(const loopver *v, uint32_t i)
{
	return i < LOOPVER_MAX_INSTRS && (v->nuw[i / 8] >> (i % 8) & 1);
}

#endif /* KILN_LOOPVER_H */
