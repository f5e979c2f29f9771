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

#endif /* KILN_FUZZ_GEN_H */
