/*
 * lower_atomic.c — the threads proposal's atomics (0xfe prefix).
 *
 * Every access is an LLVM atomic of the access's width with sequentially
 * consistent ordering, as the proposal specifies, at base + zext(address)
 * + offset like any other access: the guard pages bound it.  The effective
 * address must be a multiple of the width, else "unaligned atomic" (checked
 * here, before the access, as the reference interpreter does); LLVM's
 * atomics are then aligned, which x86 makes lock-free at every width.
 * Atomic loads and stores are also volatile, so that one whose value is
 * unused still faults (the barriers of lower_memory.c, for free); a
 * read-modify-write is never deleted.  Narrow forms (rmw8..rmw32, _u)
 * truncate their operands and zero-extend the old value.  atomic.fence
 * is a fence; wait and notify call the runtime (helpers.c), which checks
 * bounds and sharedness and parks the thread.
 */
#include "lower.h"

/* The effective address (i64) of an atomic of `bytes` bytes, trapping
 * "unaligned atomic" when it is not a multiple of them. */
static LLVMValueRef effective(lower *l, const kiln_instr *in, unsigned bytes)
{
	bool is64 = lower_is64(l, in->mem);
	LLVMValueRef a = is64 ? lower_pop(l) : LLVMBuildZExt(l->b, lower_pop(l), l->lm->i64, ""),
		     a0 = a;

	if (in->u.mem.offset != 0)
		a = LLVMBuildAdd(l->b, a, LLVMConstInt(l->lm->i64, in->u.mem.offset, 0), "");
	if (bytes > 1) {
		LLVMValueRef low = LLVMBuildAnd(l->b, a, LLVMConstInt(l->lm->i64, bytes - 1, 0), "");
		lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntNE, low,
					       LLVMConstInt(l->lm->i64, 0, 0), ""),
			      KILN_TRAP_UNALIGNED_ATOMIC);
	}
	/* memory64: bounds after alignment, as the guard page faults after */
	if (is64)
		lower_bounds64(l, in, a0, bytes);
	return a;
}

static LLVMValueRef host(lower *l, const kiln_instr *in, LLVMValueRef ea)
{
	return LLVMBuildGEP2(l->b, l->lm->i8, lower_memory_base(l, in), &ea, 1, "");
}

static LLVMValueRef narrow(lower *l, LLVMValueRef v, LLVMTypeRef mt)
{
	return LLVMTypeOf(v) == mt ? v : LLVMBuildTrunc(l->b, v, mt, "");
}

static LLVMValueRef widen(lower *l, LLVMValueRef v, LLVMTypeRef rt)
{
	return LLVMTypeOf(v) == rt ? v : LLVMBuildZExt(l->b, v, rt, "");
}

static LLVMAtomicRMWBinOp rmw_op(kiln_oper oper)
{
	switch (oper) {
	case KILN_OPER_ADD: return LLVMAtomicRMWBinOpAdd;
	case KILN_OPER_SUB: return LLVMAtomicRMWBinOpSub;
	case KILN_OPER_AND: return LLVMAtomicRMWBinOpAnd;
	case KILN_OPER_OR: return LLVMAtomicRMWBinOpOr;
	case KILN_OPER_XOR: return LLVMAtomicRMWBinOpXor;
	default: return LLVMAtomicRMWBinOpXchg;
	}
}

/* Loads, stores, read-modify-writes and compare-exchanges: `shape` is the
 * value's type, `arg` the width's log2. */
static bool access(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	unsigned bytes = 1u << d->arg;
	LLVMTypeRef rt = d->shape == KILN_SHAPE_I64 ? l->lm->i64 : l->lm->i32;
	LLVMTypeRef mt = LLVMIntTypeInContext(l->lm->llctx, bytes * 8);
	LLVMValueRef v = NULL, expect = NULL, p, r;

	if (d->oper == KILN_OPER_CMPXCHG)
		v = narrow(l, lower_pop(l), mt), expect = narrow(l, lower_pop(l), mt);
	else if (d->oper != KILN_OPER_LOAD)
		v = narrow(l, lower_pop(l), mt);
	p = host(l, in, effective(l, in, bytes));
	switch (d->oper) {
	case KILN_OPER_LOAD:
		r = LLVMBuildLoad2(l->b, mt, p, "");
		LLVMSetOrdering(r, LLVMAtomicOrderingSequentiallyConsistent);
		LLVMSetVolatile(r, 1);
		break;
	case KILN_OPER_STORE:
		r = LLVMBuildStore(l->b, v, p);
		LLVMSetOrdering(r, LLVMAtomicOrderingSequentiallyConsistent);
		LLVMSetVolatile(r, 1);
		LLVMSetAlignment(r, bytes);
		return true;
	case KILN_OPER_CMPXCHG:
		r = LLVMBuildAtomicCmpXchg(l->b, p, expect, v,
					   LLVMAtomicOrderingSequentiallyConsistent,
					   LLVMAtomicOrderingSequentiallyConsistent, 0);
		LLVMSetAlignment(r, bytes);
		r = LLVMBuildExtractValue(l->b, r, 0, "");
		return lower_push(l, widen(l, r, rt));
	default:
		r = LLVMBuildAtomicRMW(l->b, rmw_op(d->oper), p, v,
				       LLVMAtomicOrderingSequentiallyConsistent, 0);
		break;
	}
	LLVMSetAlignment(r, bytes);
	return lower_push(l, widen(l, r, rt));
}

/* memory.atomic.wait32/64 (addr expected timeout) and notify (addr count):
 * the runtime's helpers, given the effective address. */
static bool wait_notify(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	LLVMValueRef a[4], *p = a + 1;
	bool at = in->mem != 0;	/* multi-memory: the helpers that take the memory */
	enum kiln_helper_id h;

	a[0] = LLVMConstInt(l->lm->i32, in->mem, 0);
	if (!at)
		p = a;
	if (d->oper == KILN_OPER_NOTIFY) {
		p[1] = lower_pop(l);
		p[0] = effective(l, in, 4);
		h = at ? KILN_H_ATOMIC_NOTIFY_AT : KILN_H_ATOMIC_NOTIFY;
		return lower_push(l, lower_call_helper(l, h, l->lm->i32, a, 2 + at));
	}
	p[2] = lower_pop(l);
	p[1] = lower_pop(l);
	p[0] = effective(l, in, 1u << d->arg);
	if (d->arg == 3)
		h = at ? KILN_H_ATOMIC_WAIT64_AT : KILN_H_ATOMIC_WAIT64;
	else
		h = at ? KILN_H_ATOMIC_WAIT32_AT : KILN_H_ATOMIC_WAIT32;
	return lower_push(l, lower_call_helper(l, h, l->lm->i32, a, 3 + at));
}

bool lower_atomic(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	switch (d->oper) {
	case KILN_OPER_FENCE:
		LLVMBuildFence(l->b, LLVMAtomicOrderingSequentiallyConsistent, 0, "");
		return true;
	case KILN_OPER_WAIT:
	case KILN_OPER_NOTIFY:
		return wait_notify(l, in, d);
	default:
		return access(l, in, d);
	}
}
