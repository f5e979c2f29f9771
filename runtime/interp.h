/*
 * interp.h — the interpreter tier (internal; docs/architecture.md, "The
 * interpreter tier").
 *
 * A function body is translated once, in one linear pass over the
 * validated body (interp_translate.c), to a compact slot form: 32-bit
 * words, an opcode then its operands, every operand a frame slot index
 * and every branch target a word index, resolved.  A frame is an array of
 * 64-bit slots: the locals (parameters first), then the operand stack,
 * whose height at each instruction is known statically, so an operand is
 * a fixed slot.  interp.c runs that code and gives each function the
 * native entry every kiln function has (code.h).
 *
 * Nothing here uses LLVM: the slim runtime can run a module this way too.
 */
#ifndef KILN_INTERP_H
#define KILN_INTERP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "lines.h"
#include "internal.h"
#include "module.h"
#include "opcode.h"
#include "vmctx.h"

/* One frame slot.  Members are read as the instruction's type says; an i32
 * leaves the upper half of its slot undefined. */
typedef union interp_val {
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float f32;
	double f64;
	void *ref;
} interp_val;

/* Internal opcodes: the kiln_op of the instruction when the translated
 * form does what the wasm instruction does (every scalar numeric, memory,
 * table and reference opcode, and BR, BR_IF, BR_TABLE, RETURN, CALL,
 * CALL_INDIRECT, UNREACHABLE, SELECT, GLOBAL_GET, GLOBAL_SET), plus these
 * of its own.  interp_exec.c's handlers say each one's operands. */
enum {
	IOP_COPY = KILN_OP_COUNT_,	/* dst src: local.get/set/tee, branch values */
	IOP_BR_UNLESS,			/* cond target: `if`, br_if with values */
	IOP_CONST64,			/* dst lo hi: i64.const, f64.const */
	IOP_CONST32,			/* dst imm: i32.const, f32.const */
	IOP_EPOCH,			/* (none): traps once the epoch deadline passed */
	IOP_TIER,			/* loop: counts toward tier-up (interp_exec.c) */
	/* An i32 comparison and the br_if or if that consumes it, fused:
	 * a b target, branching when the comparison holds (EQZ, NEZ: a
	 * target). */
	IOP_BR_EQ, IOP_BR_NE, IOP_BR_LT_S, IOP_BR_LT_U, IOP_BR_GT_S, IOP_BR_GT_U,
	IOP_BR_LE_S, IOP_BR_LE_U, IOP_BR_GE_S, IOP_BR_GE_U, IOP_BR_EQZ, IOP_BR_NEZ,
	IOP_COUNT_
};

struct interp_module;

/* One translated function. */
typedef struct interp_func {
	const struct interp_module *im;	/* its module's code */
	uint32_t *code;
	uint32_t ncode;			/* words */
	uint32_t nparams, nresults;
	uint32_t nlocals;		/* parameters included */
	uint32_t nslots;		/* the frame: locals and operand stack */
	uint32_t index;			/* in the module's function space */
	uint32_t body_len;		/* wasm bytes translated */
	/* Where each instruction came from, for trap backtraces
	 * (krt_vframe_offset): the first word of each that emitted code (as
	 * krt_line.pc) and its module offset. */
	krt_line *where;
	uint32_t nwhere;
	/* Not translated (the interpreter cannot run it): the JIT compiled
	 * it, and calls go through its funcref; only `im` and `index` are
	 * set. */
	bool compiled;
} interp_func;

/* A module's interpreted code: kiln_code.state of code published by
 * krt_interp_publish, or part of the JIT's state when some functions are
 * compiled (krt_interp_translate). */
typedef struct interp_module {
	const kiln_module *module;
	interp_func *funcs;		/* own functions, index - nimported */
	uint32_t nfuncs, nimported;
	uint32_t ncompiled;		/* functions left to compiled code */
	uint8_t *thunks;		/* native entries, one per function */
	size_t thunks_len;		/* their mapping, with targets */
	_Atomic(void *) *targets;	/* where each thunk jumps (interp.c) */
	/* Tier-up (translated with KRT_INTERP_TIER_UP; set by the JIT that
	 * owns the module, compiler/jit.c, before its code is published):
	 * per function index, the count its entry and loop headers
	 * decrement, and what is called when it runs out — the JIT's
	 * tier-up request (the function, and at a loop start the loop's
	 * number as lowering numbers it, else INTERP_NO_LOOP; at its entry
	 * INTERP_ENTRY), which restarts the count and, once tier 1 is there,
	 * may return the function's OSR entry for that loop (interp_osr).  Tier 1 installed, the function's
	 * code entry is no longer its thunk (interp_enter). */
	_Atomic int32_t *counters;
	void *(*tier_up)(void *arg, uint32_t f, uint32_t loop);
	void *tier_up_arg;
} interp_module;

/* krt_interp_translate's flag beside the KILN_CODE_* ones: count calls and
 * loop iterations toward tier-up (an IOP_TIER at entry and loop headers). */
#define KRT_INTERP_TIER_UP 0x100u
/* The loop number of a count that is no OSR point (lower.h's LOWER_NO_LOOP). */
#define INTERP_NO_LOOP UINT32_MAX
/* The loop number of the count at a function's entry: the JIT answers
 * with tier 0 first there (a call is done soon), tier 1 at a loop. */
#define INTERP_ENTRY (UINT32_MAX - 1)

/* Translates own function `index` of a validated module into *out.  false
 * with err filled (KILN_ERR_UNSUPPORTED, "X in the interpreter is not
 * supported yet", at the instruction's offset) when
 * the body uses an instruction the interpreter does not run yet; out of
 * memory likewise (KILN_ERR_NOMEM). */
bool interp_translate(const kiln_module *m, uint32_t index, uint32_t flags,
		      interp_func *out, kiln_error *err);
void interp_func_free(interp_func *f);

/* Translates every function of validated module m that the interpreter
 * can run into *out (the caller owns it: krt_interp_publish or
 * krt_interp_free), with its native thunks.  A function it cannot run (a
 * v128 value, the first such instruction) is left to compiled code:
 * marked `compiled` and counted in ncompiled.  Of the flags,
 * KILN_CODE_EPOCH_CHECKS is built (checks at function entries and loop
 * headers, where compiled code has them), and KRT_INTERP_TIER_UP; what the interpreter refuses for
 * the whole module — KILN_CODE_FUEL, another
 * architecture than x86-64 — is KILN_ERR_UNSUPPORTED with its message;
 * out of memory KILN_ERR_NOMEM. */
KRT_ABI kiln_status krt_interp_translate(const kiln_module *m, uint32_t flags,
					 interp_module **out, kiln_error *err);
/* Own function f's native entry, its thunk; NULL when it is compiled. */
KRT_ABI void *krt_interp_entry(const interp_module *im, uint32_t f);
/* Own function f's tier 1 is installed: its thunk jumps to `entry` (the
 * JIT's stub) from now on, not to the native adapter. */
KRT_ABI void krt_interp_retarget(const interp_module *im, uint32_t f, void *entry);
/* Sets the entry (its thunk) and trampoline (krt_interp_tramp) of every
 * translated function of im in code; compiled ones' are left as they are. */
KRT_ABI void krt_interp_set_entries(kiln_code *code, const interp_module *im);
/* Publishes im, every function translated, as m's code (code.h) with
 * `owner`, `flags` and `limits`; the code owns im from now on. */
KRT_ABI void krt_interp_publish(kiln_module *m, interp_module *im, const void *owner,
				uint32_t flags, const kiln_instance_limits *limits);
/* Frees im (NULL: a no-op), its thunks with it: no code may still run them. */
KRT_ABI void krt_interp_free(interp_module *im);

/* The entry trampoline of every interpreted function (a kiln_tramp_fn):
 * `entry` is the function's thunk, which names its interp_func. */
void krt_interp_tramp(kiln_vmctx *ctx, kiln_slot *slots, void *entry);

/* The function whose thunk (native entry) is `entry`. */
const interp_func *interp_thunk_func(const void *entry);

/* This thread's value stack (interp_stack.c), at least `bytes` long, in
 * [*out_lo, *out_hi): mapped anew when it is shorter, so only while no
 * interpreted frame is on the thread.  false when out of memory. */
bool interp_value_stack(size_t bytes, interp_val **out_lo, interp_val **out_hi);

/* Runs f with its arguments in args[0..nparams); leaves its results in
 * args[0..nresults).  args must hold max(nparams, nresults) slots. */
void interp_call(kiln_vmctx *ctx, const interp_module *im,
		 const interp_func *f, interp_val *args);
/* Traps "call stack exhausted" unless the native stack has `bytes` and a
 * reserve for what runs below them left above ctx's limit. */
void interp_stack_check(const kiln_vmctx *ctx, size_t bytes);
/* On-stack replacement: f's frame fp, at the start of loop number `loop`,
 * moves to q, f's OSR entry (compiled code: q(ctx, slots, loop), the
 * locals in 16-byte slots, f's results returned as compiled code returns
 * them), which runs the rest of the call; its results are left in
 * fp[0..nresults), as a return leaves them. */
void interp_osr(kiln_vmctx *ctx, const interp_func *f, void *q, interp_val *fp,
		uint32_t loop);
/* A new call of f, as interp_call: interpreted, or its tier-1 code once
 * the JIT installed it (its code entry is no longer its thunk). */
void interp_enter(kiln_vmctx *ctx, const interp_func *f, interp_val *args);

#endif /* KILN_INTERP_H */
