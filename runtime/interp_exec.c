/*
 * interp_exec.c — running the interpreter's slot form (interp.h).
 *
 * One function, run(), executes one frame.  Dispatch is a computed goto
 * through a table indexed by the internal opcode (GCC and clang), a switch
 * otherwise; INTERP_OPS lists every handler once, and an entry without a
 * handler, or a handler without an entry, fails to compile (unused or
 * undefined label).  Every handler reads its operands as fp[ip[k]].
 *
 * A call is a C call, one C frame: run() checks the native stack against
 * the instance's limit (the same limit compiled code checks) and takes its
 * frame's slots from the thread's value stack (interp_stack.c); each call
 * links a krt_vframe (trap.h) for its frame, so that a trap's backtrace
 * names it among compiled ones and the value stack's top is known.  A
 * trap — krt_trap_raise, the one raise point, a longjmp — abandons
 * interpreter frames like compiled ones, with nothing to free: its catcher
 * puts the chain back.  Memory
 * accesses are checked explicitly against the memory's current size.
 * Numeric semantics follow compiler/lower_numeric.c: NaN results are
 * quiet; min/max propagate NaN and order -0 below +0; float-to-int
 * truncation traps on NaN ("invalid conversion to integer") and out of
 * range ("integer overflow").
 */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "instance.h"
#include "interp.h"
#include "trap.h"

/* Native stack an interpreter call needs below its run() frame: what a
 * helper, a callee's run() frame or a trap raise takes. */
#define INTERP_CALL_RESERVE 2048u

#define S(k) fp[ip[k]]

/* The memory's size: an acquire load, since a shared memory may grow on
 * another thread (memory.c publishes the size once the pages are
 * accessible); a plain mov on x86. */
static inline uint64_t mem_size(const kiln_vmctx *ctx)
{
	return atomic_load_explicit((const _Atomic uint64_t *)&ctx->memory->size,
				    memory_order_acquire);
}

static inline uint8_t *addr(const kiln_vmctx *ctx, uint32_t a, uint32_t off, uint32_t n)
{
	if ((uint64_t)a + off + n > mem_size(ctx))
		krt_trap_raise(KILN_TRAP_MEMORY_OOB);
	return ctx->memory_base + (uint64_t)a + off;
}

static int32_t div_s32(int32_t a, int32_t b)
{
	if (b == 0)
		krt_trap_raise(KILN_TRAP_DIVIDE_BY_ZERO);
	if (a == INT32_MIN && b == -1)
		krt_trap_raise(KILN_TRAP_INTEGER_OVERFLOW);
	return a / b;
}

static int64_t div_s64(int64_t a, int64_t b)
{
	if (b == 0)
		krt_trap_raise(KILN_TRAP_DIVIDE_BY_ZERO);
	if (a == INT64_MIN && b == -1)
		krt_trap_raise(KILN_TRAP_INTEGER_OVERFLOW);
	return a / b;
}

static uint64_t nonzero(uint64_t b)
{
	if (b == 0)
		krt_trap_raise(KILN_TRAP_DIVIDE_BY_ZERO);
	return b;
}

/* INT_MIN % -1 is 0 in wasm and undefined in C. */
static int32_t rem_s32(int32_t a, int32_t b)
{
	return nonzero((uint32_t)b) && b == -1 ? 0 : a % b;
}

static int64_t rem_s64(int64_t a, int64_t b)
{
	return nonzero((uint64_t)b) && b == -1 ? 0 : a % b;
}

static uint32_t rotl32(uint32_t a, uint32_t b)
{
	b &= 31;
	return b ? (a << b) | (a >> (32 - b)) : a;
}

static uint64_t rotl64(uint64_t a, uint64_t b)
{
	b &= 63;
	return b ? (a << b) | (a >> (64 - b)) : a;
}

/* Helpers of one float width.  A NaN plus anything is that NaN quieted
 * (the hardware's rule): libm's rounding functions pass a signalling NaN
 * through, wasm quiets it; min and max propagate NaN and order -0 below
 * +0. */
#define FLOAT_HELPERS(W, T) \
	static T nan##W(T x) \
	{ \
		return x != x ? x + x : x; \
	} \
	static T min##W(T a, T b) \
	{ \
		if (a != a || b != b) \
			return a + b; \
		if (a == b) \
			return signbit(a) ? a : b; \
		return a < b ? a : b; \
	} \
	static T max##W(T a, T b) \
	{ \
		if (a != a || b != b) \
			return a + b; \
		if (a == b) \
			return signbit(a) ? b : a; \
		return a > b ? a : b; \
	}

FLOAT_HELPERS(32, float)
FLOAT_HELPERS(64, double)

/* x truncated, when lo < x < hi (the integer type's range, widened by one
 * below); traps as the spec says otherwise. */
static double trunc_checked(double x, double lo, double hi)
{
	if (x != x)
		krt_trap_raise(KILN_TRAP_INVALID_CONVERSION);
	if (!(x > lo && x < hi))
		krt_trap_raise(KILN_TRAP_INTEGER_OVERFLOW);
	return trunc(x);
}

#define I32_LO -2147483649.0
#define I32_HI 2147483648.0
#define U32_HI 4294967296.0
#define I64_LO -9223372036854777856.0	/* the double below -2^63 */
#define I64_HI 9223372036854775808.0
#define U64_HI 18446744073709551616.0

/* Saturating truncation: NaN is 0, out of range the nearest bound. */
#define SAT(x, T, lo, hi, min, max) \
	((x) != (x) ? (T)0 : (x) <= (lo) ? (T)(min) : (x) >= (hi) ? (T)(max) : (T)(x))

/* A call to an imported function, or to any other through its funcref:
 * an interpreted function directly, anything else as the API calls it. */
static void call_ref(const kiln_funcref *fr, interp_val *args)
{
	uint32_t np = fr->type->nparams, nr = fr->type->nresults;

	if (fr->tramp == krt_interp_tramp) {
		interp_enter(fr->ctx, interp_thunk_func(fr->code), args);
		return;
	}
	kiln_slot slots[(np > nr ? np : nr) + 1];
	memset(slots, 0, sizeof slots);
	for (uint32_t i = 0; i < np; i++)
		memcpy(&slots[i], &args[i], sizeof args[i]);
	inst_call_funcref(fr, slots);
	for (uint32_t i = 0; i < nr; i++)
		memcpy(&args[i], &slots[i], sizeof args[i]);
}

/* An own function directly, unless the JIT compiled it (the interpreter
 * cannot run it): then through its funcref, as an import. */
static void call(kiln_vmctx *ctx, const interp_module *im, uint32_t f, interp_val *args)
{
	if (f < im->nimported || im->funcs[f - im->nimported].compiled)
		call_ref(ctx->funcs[f], args);
	else
		interp_enter(ctx, &im->funcs[f - im->nimported], args);
}

/* IOP_TIER at the function's entry or the start of loop `loop`: one count
 * off f's; at zero, asks the JIT for tier 1 (the request restarts the
 * count).  A relaxed load and store, not an atomic add, as in tier-0 code:
 * a lost count only delays tier-up.  true: the JIT answered with f's OSR
 * entry for the loop, and the call ran there to its end (interp_osr). */
static bool tier_count(kiln_vmctx *ctx, const interp_module *im, const interp_func *f,
		       interp_val *fp, uint32_t loop)
{
	_Atomic int32_t *c = &im->counters[f->index];
	int32_t n = atomic_load_explicit(c, memory_order_relaxed) - 1;
	void *q;

	atomic_store_explicit(c, n, memory_order_relaxed);
	if (n > 0 || !(q = im->tier_up(im->tier_up_arg, f->index, loop)))
		return false;
	/* The call goes on in q's frame, which a trap's backtrace names: the
	 * interpreted one leaves the chain of krt_vframes (run() unlinks it
	 * again on return, to the same).  Its slots are dead until the
	 * results come back, so q's interpreted callees may take them. */
	krt_vframes = krt_vframes->prev;
	interp_osr(ctx, f, q, fp, loop);
	return true;
}

/* call_indirect: the checks and their order are lowering's. */
static void call_indirect(kiln_vmctx *ctx, uint32_t type, uint32_t table, uint32_t i,
			  interp_val *args)
{
	const kiln_table_rt *t = ctx->tables[table];
	const kiln_funcref *fr;

	if (i >= t->size)
		krt_trap_raise(KILN_TRAP_UNDEFINED_ELEMENT);
	if (!(fr = t->elems[i]))
		krt_trap_raise(KILN_TRAP_UNINITIALIZED_ELEMENT);
	if (fr->type_id != ctx->type_ids[type])
		krt_trap_raise(KILN_TRAP_SIGNATURE_MISMATCH);
	call_ref(fr, args);
}

/* Every handler: the internal opcode, without its KILN_OP_ prefix. */
#define INTERP_OPS(X) \
	X(UNREACHABLE) X(BR) X(BR_IF) X(BR_TABLE) X(RETURN) X(CALL) \
	X(CALL_INDIRECT) X(SELECT) X(GLOBAL_GET) X(GLOBAL_SET) X(MEMORY_SIZE) \
	X(MEMORY_GROW) X(MEMORY_FILL) X(MEMORY_COPY) X(MEMORY_INIT) X(DATA_DROP) \
	X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW) X(TABLE_FILL) \
	X(TABLE_COPY) X(TABLE_INIT) X(ELEM_DROP) X(REF_NULL) X(REF_IS_NULL) \
	X(REF_FUNC) \
	X(I32_LOAD) X(I64_LOAD) X(F32_LOAD) X(F64_LOAD) X(I32_LOAD8_S) \
	X(I32_LOAD8_U) X(I32_LOAD16_S) X(I32_LOAD16_U) X(I64_LOAD8_S) \
	X(I64_LOAD8_U) X(I64_LOAD16_S) X(I64_LOAD16_U) X(I64_LOAD32_S) \
	X(I64_LOAD32_U) X(I32_STORE) X(I64_STORE) X(F32_STORE) X(F64_STORE) \
	X(I32_STORE8) X(I32_STORE16) X(I64_STORE8) X(I64_STORE16) X(I64_STORE32) \
	X(I32_EQZ) X(I32_EQ) X(I32_NE) X(I32_LT_S) X(I32_LT_U) X(I32_GT_S) \
	X(I32_GT_U) X(I32_LE_S) X(I32_LE_U) X(I32_GE_S) X(I32_GE_U) \
	X(I64_EQZ) X(I64_EQ) X(I64_NE) X(I64_LT_S) X(I64_LT_U) X(I64_GT_S) \
	X(I64_GT_U) X(I64_LE_S) X(I64_LE_U) X(I64_GE_S) X(I64_GE_U) \
	X(F32_EQ) X(F32_NE) X(F32_LT) X(F32_GT) X(F32_LE) X(F32_GE) \
	X(F64_EQ) X(F64_NE) X(F64_LT) X(F64_GT) X(F64_LE) X(F64_GE) \
	X(I32_CLZ) X(I32_CTZ) X(I32_POPCNT) X(I32_ADD) X(I32_SUB) X(I32_MUL) \
	X(I32_DIV_S) X(I32_DIV_U) X(I32_REM_S) X(I32_REM_U) X(I32_AND) \
	X(I32_OR) X(I32_XOR) X(I32_SHL) X(I32_SHR_S) X(I32_SHR_U) X(I32_ROTL) \
	X(I32_ROTR) X(I64_CLZ) X(I64_CTZ) X(I64_POPCNT) X(I64_ADD) X(I64_SUB) \
	X(I64_MUL) X(I64_DIV_S) X(I64_DIV_U) X(I64_REM_S) X(I64_REM_U) \
	X(I64_AND) X(I64_OR) X(I64_XOR) X(I64_SHL) X(I64_SHR_S) X(I64_SHR_U) \
	X(I64_ROTL) X(I64_ROTR) X(F32_ABS) X(F32_NEG) X(F32_CEIL) X(F32_FLOOR) \
	X(F32_TRUNC) X(F32_NEAREST) X(F32_SQRT) X(F32_ADD) X(F32_SUB) \
	X(F32_MUL) X(F32_DIV) X(F32_MIN) X(F32_MAX) X(F32_COPYSIGN) X(F64_ABS) \
	X(F64_NEG) X(F64_CEIL) X(F64_FLOOR) X(F64_TRUNC) X(F64_NEAREST) \
	X(F64_SQRT) X(F64_ADD) X(F64_SUB) X(F64_MUL) X(F64_DIV) X(F64_MIN) \
	X(F64_MAX) X(F64_COPYSIGN) X(I32_WRAP_I64) X(I32_TRUNC_F32_S) \
	X(I32_TRUNC_F32_U) X(I32_TRUNC_F64_S) X(I32_TRUNC_F64_U) \
	X(I64_EXTEND_I32_S) X(I64_EXTEND_I32_U) X(I64_TRUNC_F32_S) \
	X(I64_TRUNC_F32_U) X(I64_TRUNC_F64_S) X(I64_TRUNC_F64_U) \
	X(F32_CONVERT_I32_S) X(F32_CONVERT_I32_U) X(F32_CONVERT_I64_S) \
	X(F32_CONVERT_I64_U) X(F32_DEMOTE_F64) X(F64_CONVERT_I32_S) \
	X(F64_CONVERT_I32_U) X(F64_CONVERT_I64_S) X(F64_CONVERT_I64_U) \
	X(F64_PROMOTE_F32) X(I32_REINTERPRET_F32) X(I64_REINTERPRET_F64) \
	X(F32_REINTERPRET_I32) X(F64_REINTERPRET_I64) X(I32_EXTEND8_S) \
	X(I32_EXTEND16_S) X(I64_EXTEND8_S) X(I64_EXTEND16_S) X(I64_EXTEND32_S) \
	X(I32_TRUNC_SAT_F32_S) X(I32_TRUNC_SAT_F32_U) X(I32_TRUNC_SAT_F64_S) \
	X(I32_TRUNC_SAT_F64_U) X(I64_TRUNC_SAT_F32_S) X(I64_TRUNC_SAT_F32_U) \
	X(I64_TRUNC_SAT_F64_S) X(I64_TRUNC_SAT_F64_U)

/* The translator's own opcodes (interp.h), IOP_ prefixed. */
#define INTERP_IOPS(X) X(COPY) X(BR_UNLESS) X(CONST64) X(CONST32) X(EPOCH) X(TIER) \
	X(BR_EQ) X(BR_NE) X(BR_LT_S) X(BR_LT_U) X(BR_GT_S) X(BR_GT_U) X(BR_LE_S) \
	X(BR_LE_U) X(BR_GE_S) X(BR_GE_U) X(BR_EQZ) X(BR_NEZ)

#if defined(__GNUC__)
#define DISPATCH() goto *labels[*ip]
#define CASE(id) L_##id:
#define ICASE(id) L_IOP_##id:
#else
#define DISPATCH() goto dispatch
#define CASE(id) case KILN_OP_##id:
#define ICASE(id) case IOP_##id:
#endif
#define NEXT(n) do { ip += (n); DISPATCH(); } while (0)
#define JUMP(w) do { ip = code + (w); DISPATCH(); } while (0)

/* A handler that may trap or call says where its frame is first (the
 * frame's record, krt_vframe.ip): a trap's backtrace reads it.  The
 * others leave it: no backtrace looks at them, and a store per
 * instruction cost the sieve benchmark 11 %. */
#define HERE() (end.vf.ip = ip)

/* Handlers of one shape: the operands' member a (and b), the result's r;
 * the _T ones may trap. */
#define UN(id, a_, r_, expr) CASE(id) { \
		__typeof__(fp->a_) a = S(2).a_; S(1).r_ = (expr); NEXT(3); }
#define BIN(id, a_, r_, expr) CASE(id) { \
		__typeof__(fp->a_) a = S(2).a_, b = S(3).a_; S(1).r_ = (expr); NEXT(4); }
#define UN_T(id, a_, r_, expr) CASE(id) { \
		HERE(); __typeof__(fp->a_) a = S(2).a_; S(1).r_ = (expr); NEXT(3); }
#define BIN_T(id, a_, r_, expr) CASE(id) { \
		HERE(); __typeof__(fp->a_) a = S(2).a_, b = S(3).a_; S(1).r_ = (expr); NEXT(4); }
/* A fused i32 comparison and branch (interp.h): a b target. */
#define BRC(id, a_, expr) ICASE(id) { \
		__typeof__(fp->a_) a = S(1).a_, b = S(2).a_; if (expr) JUMP(ip[3]); NEXT(4); }
#define LOAD(id, T, r_) CASE(id) { \
		HERE(); T v; memcpy(&v, addr(ctx, S(2).u32, ip[3], sizeof v), sizeof v); \
		S(1).r_ = v; NEXT(4); }
#define STORE(id, T, a_) CASE(id) { \
		HERE(); T v = (T)S(2).a_; \
		memcpy(addr(ctx, S(1).u32, ip[3], sizeof v), &v, sizeof v); NEXT(4); }

/* The operations of one integer width: P the opcode prefix, s and u the
 * signed and unsigned members, W the width, B the builtins' suffix. */
#define INT_OPS(P, s, u, W, B) \
	UN(P##_EQZ, u, i32, a == 0) \
	BIN(P##_EQ, u, i32, a == b) BIN(P##_NE, u, i32, a != b) \
	BIN(P##_LT_S, s, i32, a < b) BIN(P##_LT_U, u, i32, a < b) \
	BIN(P##_GT_S, s, i32, a > b) BIN(P##_GT_U, u, i32, a > b) \
	BIN(P##_LE_S, s, i32, a <= b) BIN(P##_LE_U, u, i32, a <= b) \
	BIN(P##_GE_S, s, i32, a >= b) BIN(P##_GE_U, u, i32, a >= b) \
	UN(P##_CLZ, u, u, a ? (__typeof__(a))__builtin_clz##B(a) : W) \
	UN(P##_CTZ, u, u, a ? (__typeof__(a))__builtin_ctz##B(a) : W) \
	UN(P##_POPCNT, u, u, (__typeof__(a))__builtin_popcount##B(a)) \
	BIN(P##_ADD, u, u, a + b) BIN(P##_SUB, u, u, a - b) \
	BIN(P##_MUL, u, u, a * b) \
	BIN_T(P##_DIV_S, s, s, div_s##W(a, b)) \
	BIN_T(P##_DIV_U, u, u, a / (__typeof__(a))nonzero(b)) \
	BIN_T(P##_REM_S, s, s, rem_s##W(a, b)) \
	BIN_T(P##_REM_U, u, u, a % (__typeof__(a))nonzero(b)) \
	BIN(P##_AND, u, u, a & b) BIN(P##_OR, u, u, a | b) \
	BIN(P##_XOR, u, u, a ^ b) \
	BIN(P##_SHL, u, u, a << (b & (W - 1))) \
	BIN(P##_SHR_S, s, s, a >> (b & (W - 1))) \
	BIN(P##_SHR_U, u, u, a >> (b & (W - 1))) \
	BIN(P##_ROTL, u, u, rotl##W(a, b)) \
	BIN(P##_ROTR, u, u, rotl##W(a, W - (b & (W - 1))))

/* The operations of one float width: P the prefix, f and u the float and
 * unsigned members, W the width, L libm's suffix, SIGN the sign bit.  Sign
 * operations are bit operations: NaN payloads pass unchanged. */
#define FLOAT_OPS(P, f, u, W, L, SIGN) \
	BIN(P##_EQ, f, i32, a == b) BIN(P##_NE, f, i32, a != b) \
	BIN(P##_LT, f, i32, a < b) BIN(P##_GT, f, i32, a > b) \
	BIN(P##_LE, f, i32, a <= b) BIN(P##_GE, f, i32, a >= b) \
	UN(P##_ABS, u, u, a & ~SIGN) UN(P##_NEG, u, u, a ^ SIGN) \
	UN(P##_CEIL, f, f, nan##W(ceil##L(a))) UN(P##_FLOOR, f, f, nan##W(floor##L(a))) \
	UN(P##_TRUNC, f, f, nan##W(trunc##L(a))) \
	UN(P##_NEAREST, f, f, nan##W(nearbyint##L(a))) \
	UN(P##_SQRT, f, f, sqrt##L(a)) \
	BIN(P##_ADD, f, f, a + b) BIN(P##_SUB, f, f, a - b) \
	BIN(P##_MUL, f, f, a * b) BIN(P##_DIV, f, f, a / b) \
	BIN(P##_MIN, f, f, min##W(a, b)) BIN(P##_MAX, f, f, max##W(a, b)) \
	BIN(P##_COPYSIGN, u, u, (a & ~SIGN) | (b & SIGN))

/* The end of run()'s frame: at every return, the RETURN handler's or any
 * other, leave() unlinks its record and copies its results out.  Every
 * krt_vframe is one of these (run() links them all): the innermost says
 * where the next frame's slots go. */
typedef struct frame_end {
	krt_vframe vf;
	interp_val *args;
	interp_val *fp, *top;		/* its slots on the value stack */
	interp_val *hi;			/* the value stack's end */
	uint32_t nresults;
} frame_end;

/* The results, a return's or interp_osr's, fit in the frame's slots: a
 * path that returns has them on the operand stack. */
static void leave(frame_end *e)
{
	krt_vframes = e->vf.prev;
	memcpy(e->args, e->fp, e->nresults * sizeof *e->fp);
}

/* The slots of f's frame: on the value stack (interp_stack.c) above those
 * of the innermost interpreted frame `up`, or at its start; *hi its end.
 * Traps "call stack exhausted" when the native stack lacks the reserve
 * (interp_stack_check), or the value stack room for
 * them: it holds the stack budget of the thread's outermost interpreted
 * call (kiln_instance_limits.stack_size) in slots, as the native stack
 * holds it in C frames. */
static interp_val *frame_slots(const kiln_vmctx *ctx, const interp_func *f,
			       const frame_end *up, interp_val **hi)
{
	interp_val *fp;

	interp_stack_check(ctx, 0);
	if (up) {
		fp = up->top;
		*hi = up->hi;
	} else if (!interp_value_stack(ctx->stack_budget ? ctx->stack_budget : KILN_STACK_BUDGET,
				     &fp, hi)) {
		krt_trap_raise(KILN_TRAP_STACK_EXHAUSTED);
	}
	if ((size_t)(*hi - fp) <= f->nslots)
		krt_trap_raise(KILN_TRAP_STACK_EXHAUSTED);
	return fp;
}

/* One call of f: its slots on the value stack, the arguments copied in
 * from args, the results out to args.  The frame's setup is here rather
 * than in a caller so that a call costs one C frame, not two (the native
 * stack bounds the depth of recursion). */
static void run(kiln_vmctx *ctx, const interp_module *im, const interp_func *f,
		interp_val *args)
{
	krt_vframe **chain = &krt_vframes;

	/* One thread-local lookup (a call, __tls_get_addr): hidden from the
	 * compiler, which would otherwise look the address up again. */
	__asm__("" : "+r"(chain));
	const frame_end *up = (const frame_end *)*chain;
	frame_end end __attribute__((cleanup(leave))) = {
		{*chain, im->module, f->index, f, NULL}, args, NULL, NULL, NULL, f->nresults,
	};

	/* Linked before its slots are checked: a trap there (the stack
	 * exhausted) names this frame, at no instruction yet, as compiled
	 * code's prologue does. */
	*chain = &end.vf;
	end.fp = frame_slots(ctx, f, up, &end.hi);
	end.top = end.fp + f->nslots + 1;
	interp_val *fp = end.fp;
	const uint32_t *code = f->code, *ip = code;

	memcpy(fp, args, f->nparams * sizeof *fp);
	memset(fp + f->nparams, 0, (f->nlocals - f->nparams) * sizeof *fp);
#if defined(__GNUC__)
#define LABEL(id) [KILN_OP_##id] = &&L_##id,
#define ILABEL(id) [IOP_##id] = &&L_IOP_##id,
	static const void *const labels[IOP_COUNT_] = {
		INTERP_OPS(LABEL) INTERP_IOPS(ILABEL)
	};

	DISPATCH();
#else
dispatch:
	switch (*ip) {
#endif
	CASE(UNREACHABLE) HERE(); krt_trap_raise(KILN_TRAP_UNREACHABLE);
	CASE(BR) JUMP(ip[1]);
	CASE(BR_IF) if (S(1).i32) JUMP(ip[2]); NEXT(3);
	ICASE(BR_UNLESS) if (!S(1).i32) JUMP(ip[2]); NEXT(3);
	CASE(BR_TABLE) {
		uint32_t i = S(1).u32, n = ip[2];
		JUMP(ip[3 + (i < n ? i : n)]);
	}
	CASE(RETURN) return;
	CASE(CALL) HERE(); call(ctx, im, ip[1], &S(2)); NEXT(3);
	CASE(SELECT) S(1) = S(4).i32 ? S(2) : S(3); NEXT(5);
	ICASE(COPY) S(1) = S(2); NEXT(3);
	ICASE(CONST32) S(1).u32 = ip[2]; NEXT(3);
	ICASE(CONST64) S(1).u64 = ip[2] | (uint64_t)ip[3] << 32; NEXT(4);
	BRC(BR_EQ, u32, a == b) BRC(BR_NE, u32, a != b)
	BRC(BR_LT_S, i32, a < b) BRC(BR_LT_U, u32, a < b)
	BRC(BR_GT_S, i32, a > b) BRC(BR_GT_U, u32, a > b)
	BRC(BR_LE_S, i32, a <= b) BRC(BR_LE_U, u32, a <= b)
	BRC(BR_GE_S, i32, a >= b) BRC(BR_GE_U, u32, a >= b)
	ICASE(BR_EQZ) if (S(1).u32 == 0) JUMP(ip[2]); NEXT(3);
	ICASE(BR_NEZ) if (S(1).u32 != 0) JUMP(ip[2]); NEXT(3);
	/* Another thread moves the epoch: an atomic load each time. */
	ICASE(EPOCH)
		HERE();
		if (atomic_load_explicit(ctx->epoch, memory_order_relaxed) >= ctx->epoch_deadline)
			krt_trap_raise(KILN_TRAP_INTERRUPTED);
		NEXT(1);
	ICASE(TIER)
		HERE();
		if (tier_count(ctx, im, f, fp, ip[1]))
			return;
		NEXT(2);
	CASE(GLOBAL_GET) memcpy(&S(1), ctx->globals[ip[2]], sizeof *fp); NEXT(3);
	CASE(GLOBAL_SET) memcpy(ctx->globals[ip[2]], &S(1), sizeof *fp); NEXT(3);
	CASE(MEMORY_SIZE) S(1).u32 = (uint32_t)(mem_size(ctx) >> 16); NEXT(2);
	CASE(MEMORY_GROW) HERE(); S(1).u32 = ctx->helpers->memory_grow(ctx, S(2).u32); NEXT(3);
	CASE(CALL_INDIRECT) HERE(); call_indirect(ctx, ip[1], ip[2], S(4).u32, &S(3)); NEXT(5);

	/* Bulk memory and tables: the helpers compiled code calls. */
	CASE(MEMORY_FILL)
		HERE();
		ctx->helpers->memory_fill(ctx, S(1).u32, S(2).u32, S(3).u32);
		NEXT(4);
	CASE(MEMORY_COPY)
		HERE();
		ctx->helpers->memory_copy(ctx, S(1).u32, S(2).u32, S(3).u32);
		NEXT(4);
	CASE(MEMORY_INIT)
		HERE();
		ctx->helpers->memory_init(ctx, ip[4], S(1).u32, S(2).u32, S(3).u32);
		NEXT(5);
	CASE(DATA_DROP) ctx->helpers->data_drop(ctx, ip[1]); NEXT(2);
	CASE(TABLE_GET) HERE(); S(1).ref = ctx->helpers->table_get(ctx, ip[2], S(1).u32); NEXT(3);
	CASE(TABLE_SET) HERE(); ctx->helpers->table_set(ctx, ip[3], S(1).u32, S(2).ref); NEXT(4);
	CASE(TABLE_SIZE) S(2).u32 = ctx->tables[ip[1]]->size; NEXT(3);
	CASE(TABLE_GROW)
		HERE();
		S(1).u32 = ctx->helpers->table_grow(ctx, ip[3], S(1).ref, S(2).u32);
		NEXT(4);
	CASE(TABLE_FILL)
		HERE();
		ctx->helpers->table_fill(ctx, ip[4], S(1).u32, S(2).ref, S(3).u32);
		NEXT(5);
	CASE(TABLE_COPY)
		HERE();
		ctx->helpers->table_copy(ctx, ip[4], ip[5], S(1).u32, S(2).u32, S(3).u32);
		NEXT(6);
	CASE(TABLE_INIT)
		HERE();
		ctx->helpers->table_init(ctx, ip[4], ip[5], S(1).u32, S(2).u32, S(3).u32);
		NEXT(6);
	CASE(ELEM_DROP) ctx->helpers->elem_drop(ctx, ip[1]); NEXT(2);
	CASE(REF_NULL) S(1).ref = NULL; NEXT(2);
	CASE(REF_IS_NULL) S(1).i32 = S(2).ref == NULL; NEXT(3);
	CASE(REF_FUNC) S(1).ref = ctx->funcs[ip[2]]; NEXT(3);

	LOAD(I32_LOAD, uint32_t, u32) LOAD(I64_LOAD, uint64_t, u64)
	LOAD(F32_LOAD, uint32_t, u32) LOAD(F64_LOAD, uint64_t, u64)
	LOAD(I32_LOAD8_S, int8_t, i32) LOAD(I32_LOAD8_U, uint8_t, u32)
	LOAD(I32_LOAD16_S, int16_t, i32) LOAD(I32_LOAD16_U, uint16_t, u32)
	LOAD(I64_LOAD8_S, int8_t, i64) LOAD(I64_LOAD8_U, uint8_t, u64)
	LOAD(I64_LOAD16_S, int16_t, i64) LOAD(I64_LOAD16_U, uint16_t, u64)
	LOAD(I64_LOAD32_S, int32_t, i64) LOAD(I64_LOAD32_U, uint32_t, u64)
	STORE(I32_STORE, uint32_t, u32) STORE(I64_STORE, uint64_t, u64)
	STORE(F32_STORE, uint32_t, u32) STORE(F64_STORE, uint64_t, u64)
	STORE(I32_STORE8, uint8_t, u32) STORE(I32_STORE16, uint16_t, u32)
	STORE(I64_STORE8, uint8_t, u64) STORE(I64_STORE16, uint16_t, u64)
	STORE(I64_STORE32, uint32_t, u64)

	INT_OPS(I32, i32, u32, 32, )
	INT_OPS(I64, i64, u64, 64, ll)
	FLOAT_OPS(F32, f32, u32, 32, f, 0x80000000u)
	FLOAT_OPS(F64, f64, u64, 64, , 0x8000000000000000ull)

	UN(I32_WRAP_I64, u64, u32, (uint32_t)a)
	UN_T(I32_TRUNC_F32_S, f32, i32, (int32_t)trunc_checked(a, I32_LO, I32_HI))
	UN_T(I32_TRUNC_F32_U, f32, u32, (uint32_t)trunc_checked(a, -1.0, U32_HI))
	UN_T(I32_TRUNC_F64_S, f64, i32, (int32_t)trunc_checked(a, I32_LO, I32_HI))
	UN_T(I32_TRUNC_F64_U, f64, u32, (uint32_t)trunc_checked(a, -1.0, U32_HI))
	UN(I64_EXTEND_I32_S, i32, i64, a) UN(I64_EXTEND_I32_U, u32, u64, a)
	UN_T(I64_TRUNC_F32_S, f32, i64, (int64_t)trunc_checked(a, I64_LO, I64_HI))
	UN_T(I64_TRUNC_F32_U, f32, u64, (uint64_t)trunc_checked(a, -1.0, U64_HI))
	UN_T(I64_TRUNC_F64_S, f64, i64, (int64_t)trunc_checked(a, I64_LO, I64_HI))
	UN_T(I64_TRUNC_F64_U, f64, u64, (uint64_t)trunc_checked(a, -1.0, U64_HI))
	UN(F32_CONVERT_I32_S, i32, f32, (float)a) UN(F32_CONVERT_I32_U, u32, f32, (float)a)
	UN(F32_CONVERT_I64_S, i64, f32, (float)a) UN(F32_CONVERT_I64_U, u64, f32, (float)a)
	UN(F32_DEMOTE_F64, f64, f32, (float)a)
	UN(F64_CONVERT_I32_S, i32, f64, (double)a) UN(F64_CONVERT_I32_U, u32, f64, (double)a)
	UN(F64_CONVERT_I64_S, i64, f64, (double)a) UN(F64_CONVERT_I64_U, u64, f64, (double)a)
	UN(F64_PROMOTE_F32, f32, f64, (double)a)
	UN(I32_REINTERPRET_F32, u32, u32, a) UN(I64_REINTERPRET_F64, u64, u64, a)
	UN(F32_REINTERPRET_I32, u32, u32, a) UN(F64_REINTERPRET_I64, u64, u64, a)
	UN(I32_EXTEND8_S, u32, i32, (int8_t)a) UN(I32_EXTEND16_S, u32, i32, (int16_t)a)
	UN(I64_EXTEND8_S, u64, i64, (int8_t)a) UN(I64_EXTEND16_S, u64, i64, (int16_t)a)
	UN(I64_EXTEND32_S, u64, i64, (int32_t)a)
	UN(I32_TRUNC_SAT_F32_S, f32, i32, SAT(a, int32_t, I32_LO, I32_HI, INT32_MIN, INT32_MAX))
	UN(I32_TRUNC_SAT_F32_U, f32, u32, SAT(a, uint32_t, -1.0, U32_HI, 0, UINT32_MAX))
	UN(I32_TRUNC_SAT_F64_S, f64, i32, SAT(a, int32_t, I32_LO, I32_HI, INT32_MIN, INT32_MAX))
	UN(I32_TRUNC_SAT_F64_U, f64, u32, SAT(a, uint32_t, -1.0, U32_HI, 0, UINT32_MAX))
	UN(I64_TRUNC_SAT_F32_S, f32, i64, SAT(a, int64_t, I64_LO, I64_HI, INT64_MIN, INT64_MAX))
	UN(I64_TRUNC_SAT_F32_U, f32, u64, SAT(a, uint64_t, -1.0, U64_HI, 0, UINT64_MAX))
	UN(I64_TRUNC_SAT_F64_S, f64, i64, SAT(a, int64_t, I64_LO, I64_HI, INT64_MIN, INT64_MAX))
	UN(I64_TRUNC_SAT_F64_U, f64, u64, SAT(a, uint64_t, -1.0, U64_HI, 0, UINT64_MAX))
#if !defined(__GNUC__)
	default:
		abort();	/* the translator emits no other opcode */
	}
#endif
}

void interp_stack_check(const kiln_vmctx *ctx, size_t bytes)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	if (sp < ctx->stack_limit || sp - ctx->stack_limit < bytes + INTERP_CALL_RESERVE)
		krt_trap_raise(KILN_TRAP_STACK_EXHAUSTED);
}

uint32_t krt_vframe_offset(const krt_vframe *v)
{
	const interp_func *f = v->fn;
	uint32_t off;

	if (f == NULL || v->ip == NULL || v->ip < f->code || v->ip >= f->code + f->ncode)
		return KILN_UNKNOWN_OFFSET;
	/* The last instruction starting at or below ip's word. */
	off = krt_lines_find(f->where, f->nwhere, (uint32_t)(v->ip - f->code));
	return off ? off : KILN_UNKNOWN_OFFSET;
}

void interp_call(kiln_vmctx *ctx, const interp_module *im, const interp_func *f,
		 interp_val *args)
{
	run(ctx, im, f, args);
}
