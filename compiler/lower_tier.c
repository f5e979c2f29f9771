/*
 * lower_tier.c — what tiered JIT code adds to a function (lower.h):
 * tier 0's counters, and on-stack replacement at loop headers.
 *
 * Tier 0 counts a function's calls and loop iterations down in a
 * per-function counter (lower_module.tier_counters).  At zero it calls the
 * JIT's tier_up(arg, function, loop), which queues the function for tier
 * 1 and resets the counter, so that the call comes again now and then
 * until tier 1 is there.
 *
 * A call that never returns — main's loop nest — would run in tier 0 to
 * its end.  So at an OSR point, a loop header where the operand stack is
 * empty (no value lives in an SSA register across it: locals are allocas,
 * the memory base is loaded in the entry block), tier_up returns the
 * function's OSR entry once tier 1 has one, and tier 0 moves there: it
 * stores every local in a buffer of 16-byte slots and returns what
 *	q<i>(ctx, slots, loop)
 * returns.  q<i> is function i lowered again at tier 1 (lower_module.osr):
 * its entry loads the locals from the slots and jumps to loop header
 * number `loop` (live loops are numbered in the order lowering meets them,
 * the same at both tiers).  It first hands its return address to the
 * JIT's osr_note: a trap's backtrace then leaves the tier-0 frame out, as
 * if the call had run in tier 1 all along.  Its normal start is unreachable and goes.  Not
 * with fuel metering: q's entry would charge the function's fuel again.
 *
 * The interpreter's frames move the same way, and also, while tier 1 is
 * on its way, to p<i>: the same OSR entry lowered at tier 0, whose loop
 * headers count (lower_tier_count) as tier 0's do, so that from there the
 * frame moves on to q<i>.
 */
#include "lower.h"

static LLVMValueRef const_ptr(lower *l, const void *p)
{
	return LLVMBuildIntToPtr(l->b, LLVMConstInt(l->lm->i64, (uintptr_t)p, 0), l->lm->ptr, "");
}

/* The OSR exit of tier 0 at loop `loop`: slots filled, q called, its
 * results returned.  The builder is left in a block with no predecessor
 * besides the caller's (it ends with the return). */
static void osr_exit(lower *l, LLVMValueRef entry, uint32_t loop)
{
	lower_module *lm = l->lm;
	LLVMValueRef slots = lower_osr_slots(l);
	LLVMTypeRef pt[3] = {lm->ptr, lm->ptr, lm->i32};
	LLVMTypeRef ret = LLVMGetReturnType(lm->func_types[l->m->funcs[l->fidx].type_idx]);
	LLVMValueRef args[3] = {l->ctx, slots, LLVMConstInt(lm->i32, loop, 0)};

	for (uint32_t i = 0; i < l->nlocals; i++) {
		LLVMValueRef v = LLVMBuildLoad2(l->b, l->local_types[i], lower_local_ptr(l, i), "");
		LLVMValueRef off = LLVMConstInt(lm->i64, (uint64_t)i * KILN_SLOT_SIZE, 0);
		LLVMSetAlignment(LLVMBuildStore(l->b, v, LLVMBuildGEP2(l->b, lm->i8, slots, &off,
								      1, "")), 8);
	}
	LLVMValueRef r = LLVMBuildCall2(l->b, LLVMFunctionType(ret, pt, 3, 0), entry, args, 3, "");
	/* Never a tail call: q reads the slots, in this frame. */
	LLVMSetTailCallKind(r, LLVMTailCallKindNoTail);
	lower_build_ret(l, &r, LLVMGetTypeKind(ret) == LLVMVoidTypeKind ? 0 : 1);
}

void lower_tier_count(lower *l, uint32_t loop)
{
	lower_module *lm = l->lm;
	LLVMValueRef p = const_ptr(l, &lm->tier_counters[l->fidx]);
	LLVMValueRef c = LLVMBuildLoad2(l->b, lm->i32, p, "");
	LLVMValueRef d = LLVMBuildSub(l->b, c, LLVMConstInt(lm->i32, 1, 0), "");
	LLVMValueRef st = LLVMBuildStore(l->b, d, p);
	LLVMBasicBlockRef hot = lower_block(l, "tierup"), cont = lower_block(l, "counted");

	/* A relaxed load and store, not an atomic decrement: a count lost
	 * to a race only delays tiering. */
	LLVMSetOrdering(c, LLVMAtomicOrderingMonotonic);
	LLVMSetAlignment(c, 4);
	LLVMSetOrdering(st, LLVMAtomicOrderingMonotonic);
	LLVMSetAlignment(st, 4);
	LLVMBuildCondBr(l->b, LLVMBuildICmp(l->b, LLVMIntSLE, d, LLVMConstInt(lm->i32, 0, 0), ""),
			hot, cont);
	LLVMPositionBuilderAtEnd(l->b, hot);
	LLVMTypeRef pt[3] = {lm->ptr, lm->i32, lm->i32};
	LLVMValueRef args[3] = {const_ptr(l, lm->tier_up_arg), LLVMConstInt(lm->i32, l->fidx, 0),
				LLVMConstInt(lm->i32, loop, 0)};
	LLVMValueRef entry = LLVMBuildCall2(l->b, LLVMFunctionType(lm->ptr, pt, 3, 0),
					    const_ptr(l, (const void *)(uintptr_t)lm->tier_up),
					    args, 3, "");
	if (loop == LOWER_NO_LOOP) {
		LLVMBuildBr(l->b, cont);
	} else {
		LLVMBasicBlockRef move = lower_block(l, "osr");
		LLVMBuildCondBr(l->b, LLVMBuildIsNull(l->b, entry, ""), cont, move);
		LLVMPositionBuilderAtEnd(l->b, move);
		osr_exit(l, entry, loop);
	}
	LLVMPositionBuilderAtEnd(l->b, cont);
}

void lower_osr_note(lower *l)
{
	lower_module *lm = l->lm;
	LLVMTypeRef pt[2] = {lm->ptr, lm->ptr};
	LLVMValueRef zero = LLVMConstInt(lm->i32, 0, 0);
	LLVMValueRef args[2] = {const_ptr(l, lm->tier_up_arg),
				lower_intrinsic(l, "llvm.returnaddress", NULL, 0, &zero, 1)};

	LLVMBuildCall2(l->b, LLVMFunctionType(lm->void_, pt, 2, 0),
		       const_ptr(l, (const void *)(uintptr_t)lm->osr_note), args, 2, "");
}

void lower_osr_entry(lower *l)
{
	LLVMBasicBlockRef bad = lower_block(l, "osr_bad"), start = lower_block(l, "start");

	l->osr_switch = LLVMBuildSwitch(l->b, LLVMGetParam(l->fn, 2), bad, 4);
	LLVMPositionBuilderAtEnd(l->b, bad);
	LLVMBuildUnreachable(l->b);
	/* The function's own start: no predecessor, removed as dead. */
	LLVMPositionBuilderAtEnd(l->b, start);
}

bool lower_osr_case(lower *l, uint32_t loop, LLVMBasicBlockRef header)
{
	lower_module *lm = l->lm;

	if (!krt_grow((void **)&lm->osr_loops, &lm->osr_loops_cap, lm->nosr_loops + 1,
		      sizeof *lm->osr_loops))
		return krt_fail(l->err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	lm->osr_loops[lm->nosr_loops++] = loop;
	LLVMAddCase(l->osr_switch, LLVMConstInt(lm->i32, loop, 0), header);
	return true;
}

bool lower_osr_point(const lower *l, uint32_t nparams)
{
	/* Each exit stores every local: a hostile function of many loops
	 * and locals would make tier 0 quadratic.  So the points stop at
	 * LOWER_OSR_STORES stores in all (the same count at both tiers). */
	uint64_t stores = ((uint64_t)l->lm->osr_points + 1) * l->nlocals;

	/* Nor is a loop inside a legacy catch: entered there, the frame
	 * would not have the exception the catch holds. */
	return !l->lm->fuel_checks && !l->frame && nparams == 0 && l->nstack == 0 &&
	       l->ncatches == 0 && stores <= LOWER_OSR_STORES;
}
