/*
 * code.h — a module's compiled code, an object of its own (internal).
 *
 * Decoding creates a module's kiln_code empty (no entries, not ready) and
 * kiln_module_delete frees it; exactly two producers fill it, once:
 * kiln_module_compile (compiler/jit.c: lazy stubs of an engine) and
 * kiln_module_load (runtime/aot_load.c: an artifact's linked bodies).  A
 * producer sets every entry with krt_code_set, then krt_code_publish
 * hands over its state and marks the code ready (a release store);
 * readers check krt_code_ready (an acquire load) before anything else.
 * Nothing else writes compiled-code state.
 *
 * Entries are read when something is built from them: an instance copies
 * entry and trampoline into its funcrefs at instantiation.  Trampolines
 * are per signature, not per function (vmctx.h, kiln_tramp_fn): functions
 * of equal signature get the same trampoline pointer, named
 * krt_tramp_name(type) by both producers (the JIT makes one per signature
 * per engine, an artifact holds one per signature its module uses); the
 * per-function table keeps what instantiation reads one load away.  Compiled code
 * calls other functions at the same addresses, resolved when it was made:
 * an artifact's bodies call each other directly; the JIT's code calls its
 * stubs "f<i>", an indirection of their own, and the entries are those
 * stubs.  Tiering swaps the code behind a JIT stub by repointing the
 * stub's slot, which leaves this table as it is: what already runs the
 * old code finishes in it, so old code stays until the state is freed.
 * Entries are atomic so that a producer could also replace one while
 * instances run.
 */
#ifndef KILN_CODE_H
#define KILN_CODE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* What the code was compiled with (kiln_code.flags). */
#define KILN_CODE_EPOCH_CHECKS 1u	/* checks the epoch deadline (vmctx.h) */
#define KILN_CODE_FUEL 2u		/* charges fuel (vmctx.h) */

typedef struct kiln_code kiln_code;

/* What kiln_code_ops.symbolize says of kiln's own glue. */
#define KILN_NOT_A_FUNCTION (UINT32_MAX - 1)

/* What one producer does with its code. */
typedef struct kiln_code_ops {
	const char *name;		/* "jit", "artifact" */
	/* The own function whose compiled code holds `pc`: UINT32_MAX when
	 * none, KILN_NOT_A_FUNCTION for kiln's own glue (an entry
	 * trampoline; the JIT's tier-0 frame that moved on to its tier-1
	 * code at a loop, on-stack replacement).  For trap backtraces; may
	 * take locks. */
	uint32_t (*symbolize)(const kiln_code *code, uintptr_t pc);
	/* Frees `state`, and with it the code's memory. */
	void (*free_state)(void *state);
	/* The module offset of the wasm instruction whose code holds `pc`
	 * (a faulting instruction's, or a return address less one), or
	 * KILN_UNKNOWN_OFFSET; NULL: never known. */
	uint32_t (*offset)(const kiln_code *code, uintptr_t pc);
} kiln_code_ops;

struct kiln_code {
	uint32_t nfuncs, nimported;	/* the module's function index space */
	/* Per function index (own functions only): the native entry that
	 * funcrefs hold and compiled code calls, and the entry trampoline
	 * from C of its signature (a kiln_tramp_fn, shared).  Imported
	 * functions' slots stay NULL. */
	_Atomic(void *) *entry;
	_Atomic(void *) *tramp;
	/* Set by krt_code_publish, before `ready`: */
	const kiln_code_ops *ops;
	void *state;			/* the producer's: module_jit, aot_image */
	const void *owner;		/* the engine that compiled it; NULL: an artifact */
	uint32_t flags;			/* KILN_CODE_* */
	/* Its instances' default limits (kiln.h): the producing engine's
	 * configuration; all 0 for an artifact, kiln's defaults.  What an
	 * instance is asked for, and its pool, come first (instance.c). */
	kiln_instance_limits limits;
	atomic_bool ready;
};

/* Empty code for a module of `nfuncs` functions, `nimported` of them
 * imported; NULL when out of memory. */
kiln_code *krt_code_new(uint32_t nfuncs, uint32_t nimported);
/* Frees the producer's state (ops->free_state), then the code.  NULL is a
 * no-op.  No instance may still run it. */
void krt_code_delete(kiln_code *code);
/* Sets own function f's entry and trampoline (release stores); a NULL one
 * is left as it is. */
KRT_ABI void krt_code_set(kiln_code *code, uint32_t f, void *entry, void *tramp);
/* Hands over the producer's state (freed with the code from now on) and
 * what the code was compiled with, then marks it ready.  Every own
 * function's entry and trampoline must be set. */
KRT_ABI void krt_code_publish(kiln_code *code, const kiln_code_ops *ops, void *state,
			      const void *owner, uint32_t flags,
			      const kiln_instance_limits *limits);
/* The own function holding pc (kiln_code_ops.symbolize); UINT32_MAX when
 * the code is not ready. */
uint32_t krt_code_symbolize(const kiln_code *code, uintptr_t pc);
/* The module offset of the instruction at pc (kiln_code_ops.offset);
 * KILN_UNKNOWN_OFFSET when the code cannot tell. */
uint32_t krt_code_offset(const kiln_code *code, uintptr_t pc);

/* The symbol name of the entry trampoline for functions of type ft:
 * "T", a letter per parameter, "_", a letter per result (i32 'i', i64
 * 'l', f32 'f', f64 'd', v128 'v', funcref 'r', externref 'x'), e.g.
 * "Tii_l".  Equal names, equal trampolines: the name is the key that
 * shares them.  Allocated (the caller frees it); NULL when out of memory. */
KRT_ABI char *krt_tramp_name(const kiln_functype *ft);

static inline bool krt_code_ready(const kiln_code *code)
{
	return atomic_load_explicit(&code->ready, memory_order_acquire);
}

static inline void *krt_code_entry(const kiln_code *code, uint32_t f)
{
	return atomic_load_explicit(&code->entry[f], memory_order_acquire);
}

static inline void *krt_code_tramp(const kiln_code *code, uint32_t f)
{
	return atomic_load_explicit(&code->tramp[f], memory_order_acquire);
}

/* The flags and limits of ready code; of code not ready: none, the
 * defaults (a module without functions of its own runs uncompiled). */
static inline uint32_t krt_code_flags(const kiln_code *code)
{
	return krt_code_ready(code) ? code->flags : 0;
}

static inline kiln_instance_limits krt_code_limits(const kiln_code *code)
{
	return krt_code_ready(code) ? code->limits : (kiln_instance_limits){0};
}

#endif /* KILN_CODE_H */
