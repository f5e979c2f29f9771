/*
 * lower_memory.c — linear memory, bulk memory, globals, tables and
 * references.
 *
 * Loads and stores compute base + zext(address) + offset with no bounds
 * check: the 8 GiB reservation's guard pages fault, and the fault handler
 * raises the trap.  A 64-bit memory (memory64) is the exception: no guard
 * region covers a 64-bit index, so each access compares its end with the
 * memory's current length (lower_bounds64) and branches to the trap.  Accesses are unaligned (align 1): wasm's alignment is
 * a hint.  LLVM takes a load for free of side effects: it deletes one whose
 * value is unused and may sink one past a trap's branch, so an
 * out-of-bounds load would not trap, or trap late.  Each loaded value is
 * therefore handed to an empty inline asm with side effects (wasm2c's
 * force_read): the load stays, in order with other traps and calls.
 * Found by the differential tester (tests/regress/wast/dead_load_traps.wast).
 * Likewise LLVM takes a store for one that cannot fault: it deleted a
 * store that a later one overwrote although a faulting store came between,
 * so the trap left the old value behind.  Each store is therefore followed
 * by an empty asm with side effects, which LLVM must assume reads and
 * writes all memory: what came before a faulting store stays before it
 * and stays written (tests/regress/wast/stores_before_trap.wast).
 * Cheaper forms were measured and gained nothing (docs/architecture.md,
 * "Trap exactness"): memory attributes on the asms, which would let LLVM
 * forward stored values and merge loads across them (the load's asm must
 * then still write some memory, or FastISel deletes it at -O0), and no
 * barrier after stores at all.  Bulk operations and table operations go
 * through runtime helpers, which check bounds as the spec orders.
 */
#include "lower.h"

/* Memory i's view (kiln_memory_view *): ctx->memories[i], fixed for the
 * instance's life. */
static LLVMValueRef view(lower *l, uint32_t i)
{
	LLVMValueRef mems = lower_ctx_field(l, KILN_CTX_MEMORIES, l->lm->ptr);

	return lower_load_invariant(l, mems, i * 8, l->lm->ptr);
}

/* Memory 0 keeps the base loaded from the ctx in the entry block; another
 * memory's base is two invariant loads more (its base never moves either),
 * which LLVM hoists and merges like that one. */
static LLVMValueRef base_of(lower *l, uint32_t i)
{
	return i == 0 ? l->mem_base : lower_load_invariant(l, view(l, i), KILN_MEMORY_BASE,
							   l->lm->ptr);
}

LLVMValueRef lower_memory_base(lower *l, const kiln_instr *in)
{
	return base_of(l, in->mem);
}

/* The host address of wasm address a (i64) in memory of base `base`. */
static LLVMValueRef at(lower *l, LLVMValueRef base, LLVMValueRef a)
{
	return LLVMBuildGEP2(l->b, l->lm->i8, base, &a, 1, "");
}

bool lower_is64(lower *l, uint32_t mem)
{
	return mem < l->m->nmemories && l->m->memories[mem].type.index64;
}

/* The current length in bytes, from the view: not invariant (memory.grow,
 * here or in a callee, changes it). */
static LLVMValueRef load_length(lower *l, uint32_t mem)
{
	return lower_load_at(l, view(l, mem), KILN_MEMORY_SIZE, l->lm->i64);
}

/* Whether memory `mem`'s length can live in a local: an unshared memory
 * grows only through this thread's calls and memory.grow. */
static bool length_local(lower *l, uint32_t mem)
{
	return mem < LOWER_LENGTHS && lower_is64(l, mem) && !l->m->memories[mem].type.shared;
}

/* The length kept in a local (an alloca that LLVM makes a register) is
 * read at entry and after every call and memory.grow, the only things
 * that change it, so that the barriers after stores (which may write any
 * memory as far as LLVM knows, the view's size included) no longer force
 * a reload per access, and checks can be hoisted out of loops.  A stale
 * length could only be smaller than the real one (memories never shrink):
 * a missed reload would trap wrongly, never let an access past the end.
 * A shared memory, which another thread may grow, reads the view each
 * time. */
void lower_memory_lengths(lower *l)
{
	for (uint32_t i = 0; i < l->m->nmemories && i < LOWER_LENGTHS; i++) {
		if (!length_local(l, i))
			continue;
		l->lengths[i] = LLVMBuildAlloca(l->b, l->lm->i64, "len");
		LLVMBuildStore(l->b, load_length(l, i), l->lengths[i]);
	}
}

void lower_memory_reload(lower *l)
{
	for (uint32_t i = 0; i < LOWER_LENGTHS; i++)
		if (l->lengths[i])
			LLVMBuildStore(l->b, load_length(l, i), l->lengths[i]);
}

static LLVMValueRef length_of(lower *l, uint32_t mem)
{
	if (mem < LOWER_LENGTHS && l->lengths[mem])
		return LLVMBuildLoad2(l->b, l->lm->i64, l->lengths[mem], "");
	return load_length(l, mem);
}

/* a + offset + bytes <= length, without wrapping: with extra = offset +
 * bytes (a constant), extra <= length and a <= length - extra. */
void lower_bounds64(lower *l, const kiln_instr *in, LLVMValueRef a, unsigned bytes)
{
	lower_module *lm = l->lm;
	uint64_t extra = in->u.mem.offset + bytes;
	LLVMValueRef len, x, oob;

	if (extra < bytes) {	/* offset + bytes wraps: never in bounds */
		lower_trap_if(l, LLVMConstInt(LLVMInt1TypeInContext(lm->llctx), 1, 0),
			      KILN_TRAP_MEMORY_OOB);
		return;
	}
	len = length_of(l, in->mem);
	x = LLVMConstInt(lm->i64, extra, 0);
	oob = LLVMBuildOr(l->b, LLVMBuildICmp(l->b, LLVMIntUGT, x, len, ""),
			  LLVMBuildICmp(l->b, LLVMIntUGT, a, LLVMBuildSub(l->b, len, x, ""), ""),
			  "");
	lower_trap_if(l, oob, KILN_TRAP_MEMORY_OOB);
}

LLVMValueRef lower_address(lower *l, const kiln_instr *in)
{
	LLVMValueRef a;

	if (l->ver) {	/* a checked loop's fast copy: no i32 wrap */
		a = lower_ver_address(l, lower_pop(l));
	} else if (lower_is64(l, in->mem)) {
		a = lower_pop(l);
		lower_bounds64(l, in, a, 1u << krt_op_table[in->op].arg);
	} else {
		a = LLVMBuildZExt(l->b, lower_pop(l), l->lm->i64, "");
	}

	if (in->u.mem.offset != 0)
		a = LLVMBuildAdd(l->b, a, LLVMConstInt(l->lm->i64, in->u.mem.offset, 0), "");
	return at(l, lower_memory_base(l, in), a);
}

LLVMValueRef lower_memory_load(lower *l, LLVMTypeRef t, LLVMValueRef addr)
{
	LLVMValueRef v = LLVMBuildLoad2(l->b, t, addr, ""), used = v;
	LLVMTypeKind k = LLVMGetTypeKind(t);
	LLVMTypeRef ut = t;

	LLVMSetAlignment(v, 1);
	if (l->ver) {	/* a checked loop's fast copy: cannot fault */
		lower_ver_access(l, v);
		return v;
	}
	/* Vectors narrower than 128 bits (load8x8 and friends) go to the asm
	 * as an integer of their width: "x" takes whole SSE registers only. */
	LLVMTypeRef elem = k == LLVMVectorTypeKind ? LLVMGetElementType(t) : NULL;
	unsigned bits = elem && LLVMGetTypeKind(elem) == LLVMIntegerTypeKind
				? LLVMGetIntTypeWidth(elem) * LLVMGetVectorSize(t) : 128;
	if (bits < 128) {
		ut = LLVMIntTypeInContext(l->lm->llctx, bits);
		used = LLVMBuildBitCast(l->b, v, ut, "");
		k = LLVMIntegerTypeKind;
	}
	LLVMTypeRef ft = LLVMFunctionType(l->lm->void_, &ut, 1, 0);
	LLVMValueRef use = LLVMGetInlineAsm(ft, "", 0, k == LLVMIntegerTypeKind ? "r" : "x", 1,
					    1, 0, LLVMInlineAsmDialectATT, 0);
	LLVMBuildCall2(l->b, ft, use, &used, 1, "");
	return v;
}

void lower_memory_store(lower *l, LLVMValueRef v, LLVMValueRef addr)
{
	LLVMTypeRef ft = LLVMFunctionType(l->lm->void_, NULL, 0, 0);
	LLVMValueRef barrier = LLVMGetInlineAsm(ft, "", 0, "", 0, 1, 0,
						LLVMInlineAsmDialectATT, 0);

	LLVMValueRef st = LLVMBuildStore(l->b, v, addr);

	LLVMSetAlignment(st, 1);
	if (l->ver)	/* a checked loop's fast copy: cannot fault */
		lower_ver_access(l, st);
	else
		LLVMBuildCall2(l->b, ft, barrier, NULL, 0, "");
}

static LLVMTypeRef int_type(lower *l, unsigned bytes)
{
	return LLVMIntTypeInContext(l->lm->llctx, bytes * 8);
}

static bool load(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	LLVMTypeRef rt = lower_type(l->lm, (kiln_valtype)d->result);
	unsigned bytes = 1u << d->arg;
	LLVMTypeRef mt = LLVMGetTypeKind(rt) == LLVMIntegerTypeKind ? int_type(l, bytes) : rt;
	LLVMValueRef v = lower_memory_load(l, mt, lower_address(l, in));

	if (mt != rt)	/* narrow integer loads: _s sign-extends, _u zero-extends */
		v = d->sign == KILN_SIGN_S ? LLVMBuildSExt(l->b, v, rt, "")
					   : LLVMBuildZExt(l->b, v, rt, "");
	return lower_push(l, v);
}

static bool store(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	LLVMValueRef v = lower_pop(l);
	unsigned bytes = 1u << d->arg;
	LLVMTypeRef vt = LLVMTypeOf(v);

	if (LLVMGetTypeKind(vt) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(vt) != bytes * 8)
		v = LLVMBuildTrunc(l->b, v, int_type(l, bytes), "");
	lower_memory_store(l, v, lower_address(l, in));
	return true;
}

/* Copies n bytes, width <= n <= 2 * width, as two overlapping accesses of
 * `width` bytes: both loads first (memmove semantics), then the higher
 * store and the lower one.  Out of bounds, the higher load or store is
 * the one that faults, before anything was written, as the spec wants. */
static void copy_two(lower *l, LLVMValueRef d, LLVMValueRef s, LLVMValueRef n,
		     unsigned width)
{
	LLVMTypeRef t = int_type(l, width);
	LLVMValueRef back = LLVMBuildSub(l->b, n, LLVMConstInt(l->lm->i64, width, 0), "");
	LLVMValueRef lo = lower_memory_load(l, t, at(l, l->mem_base, s));
	LLVMValueRef hi = lower_memory_load(l, t, at(l, l->mem_base,
						   LLVMBuildAdd(l->b, s, back, "")));

	lower_memory_store(l, hi, at(l, l->mem_base, LLVMBuildAdd(l->b, d, back, "")));
	lower_memory_store(l, lo, at(l, l->mem_base, d));
}

/* memory.copy: 1 to 16 bytes inline (C's memcpy of a small variable size
 * becomes memory.copy), the rest, and 0 bytes (bounds checked all the
 * same), by the runtime's helper. */
static void copy(lower *l, LLVMValueRef *a)
{
	lower_module *lm = l->lm;
	LLVMValueRef n = a[2], one = LLVMConstInt(lm->i32, 1, 0);
	LLVMBasicBlockRef slow = lower_block(l, "copy.call"), done = lower_block(l, "copy.done");
	LLVMBasicBlockRef next = lower_block(l, "copy.small");
	LLVMValueRef small = LLVMBuildICmp(l->b, LLVMIntULT, LLVMBuildSub(l->b, n, one, ""),
					   LLVMConstInt(lm->i32, 16, 0), "");

	LLVMBuildCondBr(l->b, small, next, slow);
	LLVMPositionBuilderAtEnd(l->b, slow);
	lower_call_helper(l, KILN_H_MEMORY_COPY, lm->void_, a, 3);
	LLVMBuildBr(l->b, done);
	LLVMPositionBuilderAtEnd(l->b, next);
	LLVMValueRef d = LLVMBuildZExt(l->b, a[0], lm->i64, "");
	LLVMValueRef s = LLVMBuildZExt(l->b, a[1], lm->i64, "");
	LLVMValueRef n64 = LLVMBuildZExt(l->b, n, lm->i64, "");
	for (unsigned width = 8; width > 1; width /= 2) {
		LLVMBasicBlockRef two = lower_block(l, "copy.two");
		LLVMValueRef fits = LLVMBuildICmp(l->b, LLVMIntUGE, n,
						  LLVMConstInt(lm->i32, width, 0), "");

		next = lower_block(l, "copy.small");
		LLVMBuildCondBr(l->b, fits, two, next);
		LLVMPositionBuilderAtEnd(l->b, two);
		copy_two(l, d, s, n64, width);
		LLVMBuildBr(l->b, done);
		LLVMPositionBuilderAtEnd(l->b, next);
	}
	copy_two(l, d, s, n64, 1);
	LLVMBuildBr(l->b, done);
	LLVMPositionBuilderAtEnd(l->b, done);
}

static LLVMValueRef pop_n(lower *l, LLVMValueRef *out, unsigned n)
{
	for (unsigned i = n; i > 0; i--)
		out[i - 1] = lower_pop(l);
	return out[0];
}

static LLVMValueRef u32(lower *l, uint32_t v)
{
	return LLVMConstInt(l->lm->i32, v, 0);
}

/* A bulk operation's address or length as the helpers' u64: a 32-bit
 * memory's i32 zero-extended, a 64-bit memory's i64 as it is. */
static LLVMValueRef wide(lower *l, LLVMValueRef v)
{
	return LLVMTypeOf(v) == l->lm->i64 ? v : LLVMBuildZExt(l->b, v, l->lm->i64, "");
}

/* memory64: memory.grow by an i64 delta: one past 2^32 - 1 pages fails as
 * one of 2^32 - 1 does (a memory has fewer than 2^32 - 1 pages,
 * KILN_MAX_PAGES64).  The helper's u32 result is the old size, which may
 * be past 2^31 pages, zero-extended, or UINT32_MAX for -1. */
static LLVMValueRef grow64(lower *l, uint32_t mem, LLVMValueRef delta)
{
	lower_module *lm = l->lm;
	LLVMValueRef a[2], old, big = LLVMConstInt(lm->i64, UINT32_MAX, 0);

	a[0] = u32(l, mem);
	a[1] = LLVMBuildSelect(l->b, LLVMBuildICmp(l->b, LLVMIntUGT, delta, big, ""),
			       u32(l, UINT32_MAX), LLVMBuildTrunc(l->b, delta, lm->i32, ""), "");
	old = lower_call_helper(l, KILN_H_MEMORY_GROW_AT, lm->i32, a, 2);
	return LLVMBuildSelect(l->b, LLVMBuildICmp(l->b, LLVMIntEQ, old, u32(l, UINT32_MAX), ""),
			       LLVMConstInt(lm->i64, UINT64_MAX, 0),
			       LLVMBuildZExt(l->b, old, lm->i64, ""), "");
}

/* multi-memory: memory.size, grow, fill, copy and init of memories other
 * than 0 (copy: either side), through the helpers that take the memory;
 * memory64: those of 64-bit memories, memory 0 included, too. */
static bool memory_at(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	lower_module *lm = l->lm;
	bool is64 = lower_is64(l, in->mem);
	LLVMValueRef a[6];

	switch (d->oper) {
	case KILN_OPER_SIZE: {
		LLVMValueRef size = length_of(l, in->mem);
		size = LLVMBuildLShr(l->b, size, LLVMConstInt(lm->i64, 16, 0), "");
		return lower_push(l, is64 ? size : LLVMBuildTrunc(l->b, size, lm->i32, ""));
	}
	case KILN_OPER_GROW:
		if (is64)
			return lower_push(l, grow64(l, in->mem, lower_pop(l)));
		a[0] = u32(l, in->mem);
		a[1] = lower_pop(l);
		return lower_push(l, lower_call_helper(l, KILN_H_MEMORY_GROW_AT, lm->i32, a, 2));
	case KILN_OPER_FILL:
		a[0] = u32(l, in->mem);
		pop_n(l, a + 1, 3);
		a[1] = wide(l, a[1]);
		a[3] = wide(l, a[3]);
		lower_call_helper(l, KILN_H_MEMORY_FILL_AT, lm->void_, a, 4);
		return true;
	case KILN_OPER_COPY:	/* (dst memory, src memory, d, s, n) */
	case KILN_OPER_INIT: {	/* (memory, data segment, d, s, n) */
		bool copy = d->oper == KILN_OPER_COPY;
		a[0] = u32(l, in->mem);
		a[1] = u32(l, copy ? in->mem2 : in->u.pair.a);
		pop_n(l, a + 2, 3);
		for (int i = 2; i < (copy ? 5 : 3); i++)	/* init: s and n index a segment */
			a[i] = wide(l, a[i]);
		lower_call_helper(l, copy ? KILN_H_MEMORY_COPY_AT : KILN_H_MEMORY_INIT_AT,
				  lm->void_, a, 5);
		return true;
	}
	default:
		return lower_unsupported(l, in);
	}
}

bool lower_memory(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	lower_module *lm = l->lm;
	LLVMValueRef a[4];

	if ((in->mem != 0 || in->mem2 != 0 || lower_is64(l, 0)) &&
	    d->oper != KILN_OPER_LOAD && d->oper != KILN_OPER_STORE && d->oper != KILN_OPER_DROP)
		return memory_at(l, in, d);
	switch (d->oper) {
	case KILN_OPER_LOAD:
		return load(l, in, d);
	case KILN_OPER_STORE:
		return store(l, in, d);
	case KILN_OPER_SIZE: {
		LLVMValueRef mem = lower_ctx_field(l, KILN_CTX_MEMORY, lm->ptr);
		LLVMValueRef size = lower_load_at(l, mem, KILN_MEMORY_SIZE, lm->i64);
		size = LLVMBuildLShr(l->b, size, LLVMConstInt(lm->i64, 16, 0), "");
		return lower_push(l, LLVMBuildTrunc(l->b, size, lm->i32, ""));
	}
	case KILN_OPER_GROW:
		a[0] = lower_pop(l);
		return lower_push(l, lower_call_helper(l, KILN_H_MEMORY_GROW, lm->i32, a, 1));
	case KILN_OPER_FILL:
		pop_n(l, a, 3);
		lower_call_helper(l, KILN_H_MEMORY_FILL, lm->void_, a, 3);
		return true;
	case KILN_OPER_COPY:
		pop_n(l, a, 3);
		copy(l, a);
		return true;
	case KILN_OPER_INIT:
		pop_n(l, a + 1, 3);
		a[0] = u32(l, in->u.pair.a);
		lower_call_helper(l, KILN_H_MEMORY_INIT, lm->void_, a, 4);
		return true;
	case KILN_OPER_DROP:
		a[0] = u32(l, in->u.idx);
		lower_call_helper(l, KILN_H_DATA_DROP, lm->void_, a, 1);
		return true;
	default:
		return lower_unsupported(l, in);
	}
}

static LLVMValueRef global_slot(lower *l, uint32_t g)
{
	LLVMValueRef globals = lower_ctx_field(l, KILN_CTX_GLOBALS, l->lm->ptr);

	return lower_load_invariant(l, globals, g * 8, l->lm->ptr);
}

bool lower_global(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	LLVMTypeRef t = lower_type(l->lm, l->m->globals[in->u.idx].type.type);
	LLVMValueRef slot = global_slot(l, in->u.idx);
	LLVMValueRef v;

	switch (d->oper) {
	case KILN_OPER_GET:
		v = LLVMBuildLoad2(l->b, t, slot, "");
		LLVMSetAlignment(v, 8);
		return lower_push(l, v);
	case KILN_OPER_SET:
		LLVMSetAlignment(LLVMBuildStore(l->b, lower_pop(l), slot), 8);
		return true;
	default:
		return lower_unsupported(l, in);
	}
}

bool lower_table(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	lower_module *lm = l->lm;
	LLVMValueRef a[6];

	switch (d->oper) {
	case KILN_OPER_GET:
		a[0] = u32(l, in->u.idx);
		a[1] = lower_pop(l);
		return lower_push(l, lower_call_helper(l, KILN_H_TABLE_GET, lm->ptr, a, 2));
	case KILN_OPER_SET:
		a[0] = u32(l, in->u.idx);
		pop_n(l, a + 1, 2);
		lower_call_helper(l, KILN_H_TABLE_SET, lm->void_, a, 3);
		return true;
	case KILN_OPER_SIZE: {
		LLVMValueRef tables = lower_ctx_field(l, KILN_CTX_TABLES, lm->ptr);
		LLVMValueRef t = lower_load_invariant(l, tables, in->u.idx * 8, lm->ptr);
		return lower_push(l, lower_load_at(l, t, KILN_TABLE_SIZE, lm->i32));
	}
	case KILN_OPER_GROW:
		a[0] = u32(l, in->u.idx);
		pop_n(l, a + 1, 2);
		return lower_push(l, lower_call_helper(l, KILN_H_TABLE_GROW, lm->i32, a, 3));
	case KILN_OPER_FILL:
		a[0] = u32(l, in->u.idx);
		pop_n(l, a + 1, 3);
		lower_call_helper(l, KILN_H_TABLE_FILL, lm->void_, a, 4);
		return true;
	case KILN_OPER_COPY:
		a[0] = u32(l, in->u.pair.a);
		a[1] = u32(l, in->u.pair.b);
		pop_n(l, a + 2, 3);
		lower_call_helper(l, KILN_H_TABLE_COPY, lm->void_, a, 5);
		return true;
	case KILN_OPER_INIT:
		a[0] = u32(l, in->u.pair.b);	/* table */
		a[1] = u32(l, in->u.pair.a);	/* element segment */
		pop_n(l, a + 2, 3);
		lower_call_helper(l, KILN_H_TABLE_INIT, lm->void_, a, 5);
		return true;
	case KILN_OPER_DROP:
		a[0] = u32(l, in->u.idx);
		lower_call_helper(l, KILN_H_ELEM_DROP, lm->void_, a, 1);
		return true;
	default:
		return lower_unsupported(l, in);
	}
}

bool lower_reference(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	lower_module *lm = l->lm;
	LLVMValueRef funcs;

	switch (d->oper) {
	case KILN_OPER_NUL:
		return lower_push(l, LLVMConstNull(lm->ptr));
	case KILN_OPER_IS_NULL:
		return lower_push(l, LLVMBuildZExt(l->b, LLVMBuildIsNull(l->b, lower_pop(l), ""),
						   lm->i32, ""));
	case KILN_OPER_FUNC:	/* this instance's funcref of the function */
		funcs = lower_ctx_field(l, KILN_CTX_FUNCS, lm->ptr);
		return lower_push(l, lower_load_invariant(l, funcs, in->u.idx * 8, lm->ptr));
	default:
		return lower_unsupported(l, in);
	}
}
