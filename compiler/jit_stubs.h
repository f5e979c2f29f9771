/*
 * jit_stubs.h — a module's entry stubs (internal to compiler/).
 *
 * Every own function of a JIT-compiled module has one stub, a 16-byte
 * `jmp *slot(%rip)`, and one slot, the address the stub jumps to.  The
 * stub's address never changes: it is the function's entry (kiln_code),
 * what funcrefs hold and what compiled code calls ("f<i>").  The slot is
 * what tiering moves: first ORC's lazy stub (compile on first call), then
 * the tier-1 body once it is compiled; a release store, so a call from
 * any thread enters either the old code or the new, whole.  Code that is
 * running (or entered through an old slot value) finishes where it is.
 */
#ifndef KILN_JIT_STUBS_H
#define KILN_JIT_STUBS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct jit_stubs jit_stubs;

/* Stubs for n functions (n ≥ 1), every slot pointing at `initial` until
 * set; NULL when out of memory or n is too large (more than
 * JIT_STUBS_MAX). */
#define JIT_STUBS_MAX (1u << 24)
jit_stubs *jit_stubs_new(uint32_t n, void *initial);
void jit_stubs_free(jit_stubs *s);
/* Stub k's address: the function's entry. */
void *jit_stub(const jit_stubs *s, uint32_t k);
/* Points stub k at `target` (thread-safe). */
void jit_stub_point(jit_stubs *s, uint32_t k, void *target);

#endif /* KILN_JIT_STUBS_H */
