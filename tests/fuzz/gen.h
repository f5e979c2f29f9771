/*
 * gen.h — the module generator of the differential tests (gen.c).
 */
#ifndef KILN_FUZZ_GEN_H
#define KILN_FUZZ_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A valid module from `seed` (the same module for the same seed): no
 * imports, exports "f0".."fN" and "state", each () -> i64.  *out_bytes is
 * malloc'd.  false when out of memory. */
bool kiln_gen_module(uint64_t seed, uint8_t **out_bytes, size_t *out_len);
/* The same without any v128 value (no SIMD): i64 where the other draws
 * v128, so every way of running it, the interpreter too, runs it. */
bool kiln_gen_scalar_module(uint64_t seed, uint8_t **out_bytes, size_t *out_len);

/* Proposals past 2.0 a module may use besides (KILN_GEN_* bits): without
 * any, the module of a seed is the one kiln_gen_module makes. */
enum {
	KILN_GEN_EXTENDED_CONST = 1,	/* i32/i64 add, sub, mul in initialisers and offsets */
	KILN_GEN_TAIL_CALL = 2,		/* return_call, return_call_indirect */
	KILN_GEN_MULTI_MEMORY = 4,	/* a second memory, accesses and copies between them */
	KILN_GEN_RELAXED_SIMD = 8,	/* results implementation-defined: kiln against itself */
	KILN_GEN_MEMORY64 = 16,		/* memory 0 indexed by i64, addresses past 2^32 too */
	KILN_GEN_EXCEPTIONS = 32,	/* tags, throw, try/catch/delegate/rethrow, try_table */
	KILN_GEN_ALL = 63,
};
bool kiln_gen_module_with(uint64_t seed, unsigned features, bool scalar, uint8_t **out_bytes,
			  size_t *out_len);

#endif /* KILN_FUZZ_GEN_H */
