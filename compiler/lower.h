/*
 * lower.h — WebAssembly function bodies → LLVM IR (internal to compiler/).
 *
 * One wasm function becomes one LLVM function
 * `R f<i>(ptr swiftself ctx, ptr ctx, params...)` (runtime/vmctx.h has the
 * ABI): the C convention, with the ctx twice, in %r13 and in %rdi (below,
 * LOWER_CTX_ARGS); each signature has an entry trampoline
 * `void T<sig>(ptr ctx, ptr slots, ptr entry)` (kiln_tramp_fn).  The operand stack is simulated at compile time as
 * LLVM values; locals are allocas that mem2reg promotes; each control
 * frame owns the block a branch to it goes to, with one phi per value the
 * branch carries.  Code after an unconditional branch is skipped to the
 * end of its frame (the validator has already checked it).
 *
 * lower.c drives the body, hands each instruction to the function of its
 * family (the `fam` column of opcodes.def), and does locals and calls
 * itself; lower_block.c structured control flow; lower_eh.c exception
 * handling; lower_numeric.c the numeric instructions; lower_memory.c
 * memories, tables, globals and references; lower_simd.c the v128
 * instructions; lower_atomic.c the threads proposal's; lower_tier.c and
 * lower_loopver.c tiering's OSR and checked loop versions.
 */
#ifndef KILN_LOWER_H
#define KILN_LOWER_H

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#include "krt.h"

/* The ctx arguments that open every wasm prototype.  The first, marked
 * swiftself, travels in %r13, a register the C convention makes callees
 * preserve: wasm code keeps its ctx there from entry to return, across
 * every call, with nothing to save or move (before, a callee-saved
 * register held it, pushed and popped in every function that calls, and
 * moved to %rdi at every call).  The second is the same ctx in %rdi, so
 * that the other arguments sit where C puts them: host functions, the
 * runtime's shims and the interpreter's adapter are called as wasm code
 * and read a C call's registers, %r13 untouched. */
#define LOWER_CTX_ARGS 2

/* FR_TRY: a legacy try's body; FR_CATCH: its catches (lower_eh.c). */
enum { FR_BLOCK, FR_LOOP, FR_IF, FR_ELSE, FR_FUNC, FR_TRY, FR_CATCH, FR_TRY_TABLE };

typedef struct lower_frame {
	uint8_t kind;
	bool dead;			/* after an unconditional branch */
	uint32_t nparams, nresults;
	const kiln_valtype *params, *results;
	LLVMBasicBlockRef target;	/* where a branch to this frame goes */
	LLVMBasicBlockRef merge;	/* the block after the frame's end */
	LLVMBasicBlockRef else_bb;	/* if: the false arm */
	LLVMValueRef *phis;		/* at `target`: label values; loop: params */
	LLVMValueRef *end_phis;		/* at `merge`: results (== phis unless loop) */
	LLVMValueRef *if_params;	/* if: params, for the else arm */
	size_t height;			/* operand stack height below the params */
	/* loop, with fuel metering: the enclosing meter, restored at the end */
	LLVMValueRef outer_fuel_sub;
	uint64_t outer_fuel_ops;
	/* Exception handling (lower_eh.c), made on first use: the landing
	 * pad, the dispatch block and its phi `exn` (a legacy catch's
	 * exception); the legacy catches' next comparison; a try_table's
	 * catch clauses (kiln_catch, read with krt_rd_catch). */
	LLVMBasicBlockRef lpad, dispatch, next;
	LLVMValueRef exn;
	/* A legacy catch's cleanup scope: pad, block, leaving exception. */
	LLVMBasicBlockRef cleanup_lpad, cleanup;
	LLVMValueRef inflight;
	const uint8_t *clauses;
	uint32_t nclauses;
	/* A loop: the branch that enters it; whether it holds a call or
	 * another loop (then it is not aligned: lower_block.c). */
	LLVMValueRef entry_br;
	bool busy;
} lower_frame;

/* Per-module state shared by the functions of one compilation. */
typedef struct lower_module {
	const kiln_module *m;
	LLVMContextRef llctx;
	LLVMModuleRef llmod;
	LLVMTypeRef ptr, i8, i32, i64, f32, f64, v128, void_;
	LLVMValueRef *funcs;		/* declarations of callees, by function index */
	LLVMTypeRef *func_types;	/* by type index */
	const char *prefix;		/* symbol prefix, unique per module */
	bool direct_calls;		/* call bodies directly (whole-module, AOT) */
	bool epoch_checks;		/* check the epoch deadline (vmctx.h) */
	bool fuel_checks;		/* charge fuel (vmctx.h) */
	/* kiln_config.ssa_max_locals and ssa_max_body (0: the defaults):
	 * larger functions keep their locals in a frame array, unoptimised. */
	uint32_t ssa_max_locals, ssa_max_body;
	/* The name kind lower_function defines the body under: 'b' (0 means
	 * 'b'); the JIT's tier-1 code of a tiered function is 'o'. */
	char body_kind;
	/* The function whose calls to itself go straight to its own body,
	 * not through its entry (tier 1: recursion stays in the code being
	 * compiled); UINT32_MAX (or 0 when body_kind is 0): none. */
	uint32_t self;
	/* Tier 0 of a tiered JIT: counters, one int32 per function index,
	 * which a function's entry and loop headers decrement; at zero or
	 * below the code calls tier_up(tier_up_arg, function index).  NULL:
	 * no counting. */
	int32_t *tier_counters;
	void *(*tier_up)(void *arg, uint32_t func_index, uint32_t loop);
	void *tier_up_arg;
	/* q<i>'s entry tells osr_note(tier_up_arg, its return address): the
	 * tier-0 frame below it is glue, not a frame of its own. */
	void (*osr_note)(void *arg, void *return_address);
	/* Tier 0 (the JIT's cheapest code): shapes LLVM's fast instruction
	 * selector takes (br_table as compares, not a switch). */
	bool tier0;
	/* Lower the function's OSR entry "q<i>" instead (lower_tier.c); at
	 * tier 0 "p<i>", the interpreter's, whose loop headers count as tier
	 * 0's do (with tier_counters). */
	bool osr;
	/* OSR points (lower_tier.c) the last lower_function met. */
	uint32_t osr_points;
	/* With osr: the loop numbers of those points, ascending — the cases
	 * of q<i>'s switch (the JIT publishes them with q<i>: a number not
	 * among them must not enter it).  lower_module_free frees it. */
	uint32_t *osr_loops;
	size_t nosr_loops, osr_loops_cap;
	/* A br_table of LOWER_JUMP_TABLE targets or more was lowered to a
	 * switch (set, never cleared): LLVM may make it a jump table. */
	bool switches;
	/* Line tables (lower_lines): every instruction of a function
	 * lower_function defines carries a debug location whose line is
	 * its wasm instruction's module offset (0 for the function's own
	 * set-up), so that the object's .debug_line maps code back to wasm
	 * (lines.h).  NULL: none. */
	LLVMDIBuilderRef dib;
	LLVMMetadataRef difile, ditype;
	bool no_lines;			/* lowering callees to import: none */
	/* The code's target has FMA: relaxed madd/nmadd fuse (llvm.fma),
	 * else they multiply, round and add.  lower_module_init sets the
	 * host's (the JIT's target); artifacts set their target's. */
	bool fma;
} lower_module;

/* LLVM's least number of cases for a jump table (-min-jump-table-entries). */
#define LOWER_JUMP_TABLE 4u

/* The alignment in bytes of an innermost loop without calls (lower_block.c). */
#define LOWER_LOOP_ALIGN 32
/* The alignment in bytes of a function body, above tier 0 (lower.c). */
#define LOWER_FUNC_ALIGN 64

/* tier_up's `loop` for a count that is no OSR point. */
#define LOWER_NO_LOOP UINT32_MAX
/* The most locals a function's OSR exits store together (lower_tier.c). */
#define LOWER_OSR_STORES 65536u

/* memory64: the most memories whose lengths a function keeps in locals. */
#define LOWER_LENGTHS 8u

typedef struct lower {
	lower_module *lm;
	const kiln_module *m;
	LLVMBuilderRef b;
	LLVMValueRef fn, ctx;
	uint32_t fidx;			/* the function's index */
	const kiln_functype *type;
	LLVMValueRef *locals;		/* allocas (none with a frame) */
	LLVMTypeRef *local_types;
	uint32_t nlocals;
	/* A function over the SSA thresholds keeps its locals in one array,
	 * `frame`, at byte offsets `local_offs`; NULL otherwise. */
	LLVMValueRef frame;
	uint32_t *local_offs;
	uint32_t frame_bytes;
	LLVMValueRef mem_base;		/* loaded in the entry block, or NULL */
	/* memory64: the lengths of unshared 64-bit memories 0..LOWER_LENGTHS-1
	 * (allocas, NULL for other memories), lower_memory_lengths. */
	LLVMValueRef lengths[LOWER_LENGTHS];

	LLVMBasicBlockRef traps[KILN_TRAP_KIND_COUNT_];
	LLVMValueRef *stack;
	size_t nstack, stack_cap;
	lower_frame *frames;
	size_t nframes, frames_cap;
	/* Fuel metering: the subtraction charging the innermost loop (or the
	 * function), whose constant becomes fuel_ops, the operators lowered
	 * in it so far, when it ends. */
	LLVMValueRef fuel_sub;
	uint64_t fuel_ops;
	/* Tiering (lower_tier.c): live loops lowered so far (their numbers),
	 * the OSR entry's dispatch, and tier 0's buffer for an OSR exit. */
	uint32_t nloops;
	LLVMValueRef osr_switch;
	LLVMValueRef osr_slots;
	/* Lowering a checked loop's fast copy (lower_loopver.c), or NULL. */
	struct lower_ver *ver;
	LLVMMetadataRef sp;		/* the function's subprogram, or NULL */
	/* Open handler scopes (FR_TRY, FR_TRY_TABLE) and legacy catches. */
	uint32_t nhandlers, ncatches;
	kiln_error *err;
} lower;

/* Prepares lowering of a module's functions into lm->llmod: lower_function
 * defines function i's body as "<prefix>b<i>"; calls go to "<prefix>f<i>",
 * declared on first use (lower_callee), which the JIT binds to a lazily
 * compiled body.  Failures (out of memory, unsupported instructions) are
 * reported through err. */
bool lower_module_init(lower_module *lm, const kiln_module *m,
		       LLVMContextRef llctx, const char *prefix, kiln_error *err);
/* The LLVM module and types only, for code of no wasm module (the JIT's
 * trampolines, shared by modules): lower_trampoline alone may use it. */
void lower_module_init_bare(lower_module *lm, LLVMContextRef llctx, const char *prefix);
void lower_module_free(lower_module *lm);
/* Whether an LLVM feature string ("+sse4.2,-avx,+fma,...") enables FMA. */
bool lower_features_fma(const char *features);
/* Line tables for the functions lower_function defines from now on (the
 * module's compile unit); lower_module_free finishes them. */
void lower_lines(lower_module *lm);
/* Before the module is verified or emitted: its debug information done. */
void lower_lines_finish(lower_module *lm);
/* The wasm instruction at module offset `offset` (0: none, the
 * function's set-up) is being lowered: the debug location of what the
 * builder makes now. */
void lower_at(lower *l, size_t offset);
bool lower_function(lower_module *lm, uint32_t func_index, kiln_error *err);
/* Whether lower_function lowers function `func_index` unoptimised: over
 * lm's SSA thresholds, its locals in a frame array, optnone. */
bool lower_unoptimised(const lower_module *lm, uint32_t func_index);
/* Defines the entry trampoline of signature ft as `name` (the runtime's
 * krt_tramp_name(ft)); refuses more than 128 parameters. */
bool lower_trampoline(lower_module *lm, const kiln_functype *ft, const char *name,
		      kiln_error *err);
LLVMValueRef lower_callee(lower_module *lm, uint32_t func_index);
/* Returns n values from the function being lowered, in its prototype's
 * form (a function of a module using tail calls may have the uniform one:
 * lower.c, "Tail calls"). */
void lower_build_ret(struct lower *l, LLVMValueRef *v, uint32_t n);
/* Imports the bodies of small functions lm's code calls but does not
 * define (at most `max` functions of at most `max_bytes` of code each),
 * each as an available_externally definition of the symbol its callers
 * call: LLVM may inline them as within one module, a call it leaves
 * still goes to the symbol, and the copy itself is never emitted.
 * Callees of the copies are imported too while the budget lasts. */
bool lower_import_callees(lower_module *lm, uint32_t max, uint32_t max_bytes,
			  kiln_error *err);

/* Symbol names: "<prefix><kind><i>", kind 'b' (body), 'f' (entry); the
 * JIT's 'l' (lazy stub), 'o' (tier-1 body), 'q' (its OSR entry), 'p'
 * (tier 0's OSR entry, for the interpreter). */
void lower_func_name(const lower_module *lm, char kind, uint32_t i,
		     char *buf, size_t len);

/* Shared helpers (lower.c). */
LLVMTypeRef lower_type(const lower_module *lm, kiln_valtype t);
bool lower_push(lower *l, LLVMValueRef v);
LLVMValueRef lower_pop(lower *l);
/* A ctx field (invariant.load for all but the stack limit). */
LLVMValueRef lower_ctx_field(lower *l, unsigned offset, LLVMTypeRef type);
/* A load of what never changes once the instance exists. */
LLVMValueRef lower_load_invariant(lower *l, LLVMValueRef base, unsigned offset,
				  LLVMTypeRef type);
LLVMValueRef lower_load_at(lower *l, LLVMValueRef base, unsigned offset,
			   LLVMTypeRef type);
/* Branches to the function's trap block for `kind` when cond is true. */
void lower_trap_if(lower *l, LLVMValueRef cond, kiln_trap_kind kind);
/* A new block at the end of the function. */
LLVMBasicBlockRef lower_block(lower *l, const char *name);
/* Local i's alloca (or frame slot), made on first use. */
LLVMValueRef lower_local_ptr(lower *l, uint32_t i);
/* Tier 0's buffer of a slot per local for an OSR exit (in the entry
 * block, made once). */
LLVMValueRef lower_osr_slots(lower *l);

/* lower_tier.c.  lower_tier_count: tier 0's count at the function's entry
 * or a loop header; at OSR point number `loop` (else LOWER_NO_LOOP) with
 * the exit to q.  lower_osr_note: q's first code, telling the JIT where it
 * was called from (before anything in q may trap).  lower_osr_entry: q's
 * dispatch, at the end of its entry code; lower_osr_case adds OSR point
 * `loop` to it, and to lower_module.osr_loops (false: out of memory).
 * lower_osr_point: whether a loop with `nparams` parameters,
 * entered with the operand stack below them empty, is one. */
void lower_tier_count(lower *l, uint32_t loop);
void lower_osr_note(lower *l);
void lower_osr_entry(lower *l);
bool lower_osr_case(lower *l, uint32_t loop, LLVMBasicBlockRef header);
bool lower_osr_point(const lower *l, uint32_t nparams);
/* lower_loopver.c.  lower_loop: the loop `in`, just read from r, as a
 * checked pair of copies when it is a candidate (r then follows its
 * `end`), else as lower_instr does.  lower_ver_access: puts a load or
 * store of the fast copy in its group's alias scope.  lower_ver_address:
 * the i64 address of the fast copy's next access, whose i32 address is
 * a (before its memarg offset). */
bool lower_loop(lower *l, kiln_reader *r, const kiln_instr *in);
void lower_ver_access(lower *l, LLVMValueRef access);
LLVMValueRef lower_ver_address(lower *l, LLVMValueRef a);
/* Frames (lower_block.c): the innermost; a block's types, a new frame,
 * an arm's results to the frame's end, the rest of the frame dead, the
 * frame's `end` (lower_end_frame: without lower_eh_end), a branch to a
 * frame's label, a frame's arrays freed; block, loop and if, else, end,
 * br and br_if, br_table. */
lower_frame *lower_top(lower *l);
void lower_free_frame(lower_frame *f);
void lower_branch_to(lower *l, lower_frame *f);
bool lower_op_block(lower *l, const kiln_instr *in);
bool lower_op_else(lower *l);
bool lower_op_end(lower *l);
bool lower_op_br(lower *l, const kiln_instr *in);
bool lower_op_br_table(lower *l, const kiln_instr *in);
/* Interruption and fuel (lower.c): the epoch check of a function entry
 * or loop header; the fuel charge of a function or loop (its count put
 * in by lower_fuel_settle at its end). */
void lower_epoch_check(lower *l);
void lower_fuel_charge(lower *l);
void lower_fuel_settle(lower *l);
void lower_blocktype(lower *l, int64_t bt, const kiln_valtype **p, uint32_t *np,
		     const kiln_valtype **r, uint32_t *nr);
/* Marks the innermost loop around the code being lowered as holding a
 * call or a loop. */
void lower_loop_busy(lower *l);
bool lower_push_frame(lower *l, uint8_t kind, const kiln_valtype *params, uint32_t np,
		      const kiln_valtype *results, uint32_t nr);
void lower_close_arm(lower *l, lower_frame *f);
void lower_set_dead(lower *l);
bool lower_end_frame(lower *l);
/* lower_eh.c: the exception-handling instructions; a call that may throw
 * (an invoke inside a handler scope); before a frame's end closes a try,
 * try_table or catch (the exceptions its catches leave, passed to the
 * scope around frames[delegate_to]); releasing the legacy catches a
 * branch to frames[target] leaves, and whether it leaves any. */
bool lower_eh_op(lower *l, const kiln_instr *in, const kiln_op_info *d);
LLVMValueRef lower_eh_call(lower *l, LLVMTypeRef fty, LLVMValueRef fn,
			   LLVMValueRef *args, unsigned n);
bool lower_eh_end(lower *l, long delegate_to);
void lower_eh_exit(lower *l, size_t target);
bool lower_eh_leaves_catch(const lower *l, size_t target);
/* One instruction, by its family (lower.c). */
bool lower_instr(lower *l, const kiln_instr *in);
/* Calls helper `id` with the given type; ctx is passed first. */
LLVMValueRef lower_call_helper(lower *l, enum kiln_helper_id id,
			       LLVMTypeRef ret, LLVMValueRef *args,
			       unsigned nargs);
LLVMValueRef lower_intrinsic(lower *l, const char *name, LLVMTypeRef *types,
			     unsigned ntypes, LLVMValueRef *args, unsigned nargs);

/* Comparison predicates for the oper (EQ..GE) and sign columns. */
LLVMIntPredicate lower_int_predicate(kiln_oper oper, kiln_sign sign);
LLVMRealPredicate lower_real_predicate(kiln_oper oper);

/* The instruction families.  lower.c calls each one only for instructions
 * whose `fam` column (opcodes.def) is its own, with d their row; each
 * lowers by d's oper, shape and sign columns.  All return true when the
 * instruction is lowered, and false after storing the failure in l->err
 * (out of memory, or an instruction they do not lower:
 * lower_unsupported). */
typedef bool lower_family_fn(lower *l, const kiln_instr *in, const kiln_op_info *d);
/* Fails with KILN_ERR_UNSUPPORTED: "<instruction> is not supported yet". */
bool lower_unsupported(lower *l, const kiln_instr *in);
/* lower_numeric.c: constants, comparisons, arithmetic and conversions of
 * i32, i64, f32 and f64. */
lower_family_fn lower_numeric;
/* lower_memory.c: linear memory (loads, stores, memory.*, data.drop),
 * tables, references and globals (the variable family's other half). */
lower_family_fn lower_memory, lower_table, lower_reference, lower_global;
/* The address of a load or store: pops the index, adds the offset; on a
 * 64-bit memory (memory64) checked against the memory's length first. */
LLVMValueRef lower_address(lower *l, const kiln_instr *in);
/* memory64: whether memory `mem` exists and is 64-bit, and the explicit
 * check that an access of `bytes` bytes at a (i64) + in's offset lies
 * within that memory's current length, else "out of bounds memory
 * access" (no guard region covers a 64-bit index). */
bool lower_is64(lower *l, uint32_t mem);
void lower_bounds64(lower *l, const kiln_instr *in, LLVMValueRef a, unsigned bytes);
/* The base of the memory `in` addresses (in->mem): memory 0's from the ctx
 * as ever, another's through ctx->memories (lower_memory.c). */
LLVMValueRef lower_memory_base(lower *l, const kiln_instr *in);
/* memory64: at function entry, each unshared 64-bit memory's length in a
 * local, which bounds checks read; lower_memory_reload reads them again
 * after whatever may grow a memory (a call, memory.grow). */
void lower_memory_lengths(lower *l);
void lower_memory_reload(lower *l);
/* A load from linear memory that is never deleted or moved past a trap. */
LLVMValueRef lower_memory_load(lower *l, LLVMTypeRef t, LLVMValueRef addr);
/* A store to linear memory that stays in order with traps, whatever it
 * overwrites or is overwritten by. */
void lower_memory_store(lower *l, LLVMValueRef v, LLVMValueRef addr);
/* lower_simd.c: the 0xfd-prefixed (SIMD) instructions. */
lower_family_fn lower_simd;
/* lower_atomic.c: the 0xfe-prefixed (threads) instructions. */
lower_family_fn lower_atomic;

#endif /* KILN_LOWER_H */
