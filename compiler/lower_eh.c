/*
 * lower_eh.c — exception handling: try_table, throw, throw_ref and the
 * legacy try, catch, catch_all, delegate and rethrow (lower.h).
 *
 * A handler scope is the body of a try_table or of a legacy try before its
 * first catch.  A call that may throw (a call of wasm or host code, a
 * throw) made inside one is an LLVM `invoke` whose unwind edge goes to the
 * scope's landing pad; every other call stays a `call`, so the path on
 * which nothing throws costs what it did.  The landing pad takes every
 * kiln exception (runtime/exception.h: krt_eh_personality finds it by the
 * function's call-site table) and hands it to the scope's dispatch block,
 * which compares the exception's tag with each catch's in order.  What no
 * catch takes goes on to the next scope out in the same function, by a
 * branch, or leaves the function through throw_ref, which unwinds on.
 *
 * A legacy catch holds its exception while its body runs (rethrow may
 * raise it again) and releases it however the body ends: at its end, on
 * a branch out, and, for an exception leaving it, in a cleanup scope of
 * its own (its body is one: the cleanup releases, then passes the
 * exception on as a dispatch would).  try_table's catch and catch_all
 * drop it once its values are taken, catch_ref and catch_all_ref pin it
 * (an exnref value may go anywhere).
 */
#include <stdlib.h>

#include "lower.h"

static bool is_handler(const lower_frame *f)
{
	return f->kind == FR_TRY || f->kind == FR_TRY_TABLE || f->kind == FR_CATCH;
}

/* The innermost handler scope among frames[0..k], or -1. */
static long handler_at(const lower *l, long k)
{
	for (; k >= 0; k--)
		if (is_handler(&l->frames[k]))
			return k;
	return -1;
}

static LLVMValueRef helper(lower *l, enum kiln_helper_id id)
{
	LLVMValueRef helpers = lower_ctx_field(l, KILN_CTX_HELPERS, l->lm->ptr);

	return lower_load_invariant(l, helpers, id * 8, l->lm->ptr);
}

static LLVMValueRef personality(lower *l)
{
	LLVMValueRef p = LLVMGetNamedFunction(l->lm->llmod, "krt_eh_personality");

	if (p == NULL)
		p = LLVMAddFunction(l->lm->llmod, "krt_eh_personality",
				    LLVMFunctionType(l->lm->i32, NULL, 0, 1));
	return p;
}

/* Frame f's dispatch block, whose phi f->exn is the exception; a legacy
 * catch's cleanup, whose phi f->inflight is the exception leaving it. */
static LLVMBasicBlockRef dispatch_of(lower *l, lower_frame *f)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b);
	bool cleanup = f->kind == FR_CATCH;
	LLVMBasicBlockRef *bb = cleanup ? &f->cleanup : &f->dispatch;

	if (*bb)
		return *bb;
	*bb = lower_block(l, cleanup ? "cleanup" : "dispatch");
	LLVMPositionBuilderAtEnd(l->b, *bb);
	*(cleanup ? &f->inflight : &f->exn) = LLVMBuildPhi(l->b, l->lm->ptr, "exn");
	LLVMPositionBuilderAtEnd(l->b, here);
	return *bb;
}

/* Ends the current block with a branch to f's dispatch, carrying exn. */
static void to_dispatch(lower *l, lower_frame *f, LLVMValueRef exn)
{
	LLVMBasicBlockRef from = LLVMGetInsertBlock(l->b);
	LLVMBasicBlockRef d = dispatch_of(l, f);

	LLVMAddIncoming(f->kind == FR_CATCH ? f->inflight : f->exn, &exn, &from, 1);
	LLVMBuildBr(l->b, d);
}

/* Frame f's landing pad: catches everything, on to the dispatch. */
static LLVMBasicBlockRef lpad_of(lower *l, lower_frame *f)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b);
	LLVMTypeRef fields[2] = {l->lm->ptr, l->lm->i32};
	LLVMBasicBlockRef *pad = f->kind == FR_CATCH ? &f->cleanup_lpad : &f->lpad;
	LLVMValueRef lp;

	if (*pad)
		return *pad;
	*pad = lower_block(l, "lpad");
	LLVMSetPersonalityFn(l->fn, personality(l));
	LLVMPositionBuilderAtEnd(l->b, *pad);
	lp = LLVMBuildLandingPad(l->b, LLVMStructTypeInContext(l->lm->llctx, fields, 2, 0),
				 NULL, 1, "");
	LLVMAddClause(lp, LLVMConstNull(l->lm->ptr));
	to_dispatch(l, f, LLVMBuildExtractValue(l->b, lp, 0, ""));
	LLVMPositionBuilderAtEnd(l->b, here);
	return *pad;
}

LLVMValueRef lower_eh_call(lower *l, LLVMTypeRef fty, LLVMValueRef fn,
			   LLVMValueRef *args, unsigned n)
{
	long k = l->nhandlers ? handler_at(l, (long)l->nframes - 1) : -1;
	LLVMBasicBlockRef cont;
	LLVMValueRef call;

	if (k < 0)
		return LLVMBuildCall2(l->b, fty, fn, args, n, "");
	cont = lower_block(l, "cont");
	call = LLVMBuildInvoke2(l->b, fty, fn, args, n, cont, lpad_of(l, &l->frames[k]), "");
	LLVMPositionBuilderAtEnd(l->b, cont);
	return call;
}

/* Calls a helper that never returns (throw: a and b; throw_ref: a) and
 * ends the block. */
static void raise_with(lower *l, enum kiln_helper_id id, LLVMValueRef a, LLVMValueRef b,
		       bool may_be_caught)
{
	LLVMTypeRef pt[3] = {l->lm->ptr, LLVMTypeOf(a), b ? LLVMTypeOf(b) : NULL};
	LLVMValueRef args[3] = {l->ctx, a, b};
	unsigned n = b ? 3 : 2;
	LLVMTypeRef fty = LLVMFunctionType(l->lm->void_, pt, n, 0);

	if (may_be_caught)
		lower_eh_call(l, fty, helper(l, id), args, n);
	else
		LLVMBuildCall2(l->b, fty, helper(l, id), args, n, "");
	LLVMBuildUnreachable(l->b);
}

/* exn, which no catch of the scope took, to the next scope out from
 * frames[k], or out of the function. */
static void propagate(lower *l, long k, LLVMValueRef exn)
{
	long h = handler_at(l, k);

	if (h >= 0)
		to_dispatch(l, &l->frames[h], exn);
	else
		raise_with(l, KILN_H_THROW_REF, exn, NULL, false);
}

static void exn_caught(lower *l, LLVMValueRef exn, enum kiln_exn_use use)
{
	LLVMValueRef args[2] = {exn, LLVMConstInt(l->lm->i32, use, 0)};

	lower_call_helper(l, KILN_H_EXN_CAUGHT, l->lm->void_, args, 2);
}

/* Whether exn's tag is tag `tag` of this instance. */
static LLVMValueRef tag_is(lower *l, LLVMValueRef exn, uint32_t tag)
{
	LLVMValueRef tags = lower_ctx_field(l, KILN_CTX_TAGS, l->lm->ptr);
	LLVMValueRef want = lower_load_invariant(l, tags, tag * 8, l->lm->ptr);
	LLVMValueRef have = lower_load_at(l, exn, KILN_EXN_TAG, l->lm->ptr);

	return LLVMBuildICmp(l->b, LLVMIntEQ, have, want, "");
}

/* Value i of exn, an exception of a tag of type ft. */
static LLVMValueRef exn_value(lower *l, LLVMValueRef exn, const kiln_functype *ft, uint32_t i)
{
	return lower_load_at(l, exn, KILN_EXN_VALS + i * KILN_SLOT_SIZE,
			     lower_type(l->lm, ft->params[i]));
}

/* The values of exn, a tag-`tag` exception, into v. */
static void unpack(lower *l, LLVMValueRef exn, uint32_t tag, LLVMValueRef *v)
{
	const kiln_functype *ft = &l->m->types[l->m->tags[tag].type_idx];

	for (uint32_t i = 0; i < ft->nparams; i++)
		v[i] = exn_value(l, exn, ft, i);
}

/* ------------------------------------------------------------ throwing */

/* A buffer of n value slots in the entry block. */
static LLVMValueRef slots(lower *l, uint32_t n)
{
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(l->fn);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(l->lm->llctx);
	LLVMValueRef first = LLVMGetFirstInstruction(entry), a;

	if (first)
		LLVMPositionBuilderBefore(b, first);
	else
		LLVMPositionBuilderAtEnd(b, entry);
	a = LLVMBuildAlloca(b, LLVMArrayType(l->lm->i64, 2 * n), "thrown");
	LLVMSetAlignment(a, 16);
	LLVMDisposeBuilder(b);
	return a;
}

static bool op_throw(lower *l, uint32_t tag)
{
	const kiln_functype *ft = &l->m->types[l->m->tags[tag].type_idx];
	LLVMValueRef buf = ft->nparams ? slots(l, ft->nparams) : LLVMConstNull(l->lm->ptr);

	for (uint32_t i = ft->nparams; i > 0; i--) {
		LLVMValueRef off = LLVMConstInt(l->lm->i64, (i - 1) * KILN_SLOT_SIZE, 0);
		LLVMValueRef p = LLVMBuildGEP2(l->b, l->lm->i8, buf, &off, 1, "");
		LLVMSetAlignment(LLVMBuildStore(l->b, lower_pop(l), p), 8);
	}
	raise_with(l, KILN_H_THROW, LLVMConstInt(l->lm->i32, tag, 0), buf, true);
	lower_set_dead(l);
	return true;
}

static bool op_throw_ref(lower *l)
{
	raise_with(l, KILN_H_THROW_REF, lower_pop(l), NULL, true);
	lower_set_dead(l);
	return true;
}

static bool op_rethrow(lower *l, uint32_t depth)
{
	const lower_frame *f = &l->frames[l->nframes - 1 - depth];

	raise_with(l, KILN_H_THROW_REF, f->exn, NULL, true);
	lower_set_dead(l);
	return true;
}

/* ------------------------------------------------------------- scopes */

static bool op_try(lower *l, const kiln_instr *in)
{
	const kiln_valtype *p, *r;
	uint32_t np, nr;
	bool table = in->op == KILN_OP_TRY_TABLE;

	lower_blocktype(l, table ? in->u.tt.blocktype : in->u.blocktype, &p, &np, &r, &nr);
	if (!lower_push_frame(l, table ? FR_TRY_TABLE : FR_TRY, p, np, r, nr))
		return false;
	if (table) {
		l->frames[l->nframes - 1].clauses = in->u.tt.p;
		l->frames[l->nframes - 1].nclauses = in->u.tt.n;
	}
	l->nhandlers++;
	return true;
}

/* catch x / catch_all (tag UINT32_MAX) of the legacy try on top. */
static bool op_catch(lower *l, uint32_t tag)
{
	lower_frame *f = &l->frames[l->nframes - 1];
	LLVMBasicBlockRef match;

	if (f->kind == FR_TRY) {
		lower_close_arm(l, f);
		LLVMPositionBuilderAtEnd(l->b, dispatch_of(l, f));
		f->kind = FR_CATCH;
		l->ncatches++;	/* a handler scope still: its cleanup */
	} else {
		if (!f->dead)
			exn_caught(l, f->exn, KILN_EXN_RELEASE);
		lower_close_arm(l, f);
		LLVMPositionBuilderAtEnd(l->b, f->next);
	}
	f->dead = false;
	f->next = NULL;
	if (tag != UINT32_MAX) {
		const kiln_functype *ft = &l->m->types[l->m->tags[tag].type_idx];
		match = lower_block(l, "catch");
		f->next = lower_block(l, "next");
		LLVMBuildCondBr(l->b, tag_is(l, f->exn, tag), match, f->next);
		LLVMPositionBuilderAtEnd(l->b, match);
		for (uint32_t i = 0; i < ft->nparams; i++)
			if (!lower_push(l, exn_value(l, f->exn, ft, i)))
				return false;
	}
	exn_caught(l, f->exn, KILN_EXN_HOLD);
	return true;
}

/* The catch clauses of the try_table on top (frames[fi]), from its
 * dispatch: each takes the exception to its label or passes it on. */
static bool table_dispatch(lower *l, long fi)
{
	lower_frame *f = &l->frames[fi];
	kiln_reader r = {l->m->bytes, f->clauses, l->m->bytes + l->m->size, l->err};
	LLVMValueRef exn = f->exn, *v = NULL;
	size_t cap = 0;
	kiln_catch c;

	LLVMPositionBuilderAtEnd(l->b, f->dispatch);
	for (uint32_t k = 0; k < f->nclauses; k++) {
		uint32_t n = 0;
		if (!krt_rd_catch(&r, &c))
			return false;
		bool ref = c.kind == KILN_CATCH_REF || c.kind == KILN_CATCH_ALL_REF;
		lower_frame *t = &l->frames[fi - 1 - (long)c.label];
		LLVMBasicBlockRef next = NULL, from;
		if (c.kind == KILN_CATCH || c.kind == KILN_CATCH_REF) {
			LLVMBasicBlockRef match = lower_block(l, "catch");
			next = lower_block(l, "next");
			LLVMBuildCondBr(l->b, tag_is(l, exn, c.tag), match, next);
			LLVMPositionBuilderAtEnd(l->b, match);
			n = l->m->types[l->m->tags[c.tag].type_idx].nparams;
		}
		if (!krt_grow((void **)&v, &cap, n + 1, sizeof *v)) {
			free(v);
			return krt_fail(l->err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		}
		if (n)
			unpack(l, exn, c.tag, v);
		if (ref)
			v[n++] = exn;
		exn_caught(l, exn, ref ? KILN_EXN_PIN : KILN_EXN_DROP);
		from = LLVMGetInsertBlock(l->b);
		for (uint32_t i = 0; i < n; i++)
			LLVMAddIncoming(t->phis[i], &v[i], &from, 1);
		LLVMBuildBr(l->b, t->target);
		if (next == NULL) {
			free(v);
			return true;	/* a catch_all: nothing gets past it */
		}
		LLVMPositionBuilderAtEnd(l->b, next);
	}
	free(v);
	propagate(l, fi - 1, exn);
	return true;
}

/* Before `end` (or `delegate`) closes a try, try_table or legacy catch on
 * top: what its dispatch does with what its catches do not take. */
bool lower_eh_end(lower *l, long delegate_to)
{
	long fi = (long)l->nframes - 1;
	lower_frame *f = &l->frames[fi];
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b);
	bool ok = true;

	if (f->kind == FR_CATCH && !f->dead)
		exn_caught(l, f->exn, KILN_EXN_RELEASE);
	if (f->kind == FR_CATCH && f->cleanup) {
		/* An exception leaving a catch body: the caught one released. */
		LLVMPositionBuilderAtEnd(l->b, f->cleanup);
		exn_caught(l, f->exn, KILN_EXN_RELEASE);
		propagate(l, fi - 1, f->inflight);
	}
	if (f->kind == FR_TRY_TABLE && f->dispatch) {
		ok = table_dispatch(l, fi);
	} else if (f->kind == FR_TRY && f->dispatch) {
		LLVMPositionBuilderAtEnd(l->b, f->dispatch);
		propagate(l, delegate_to, f->exn);
	} else if (f->kind == FR_CATCH && f->next) {
		LLVMPositionBuilderAtEnd(l->b, f->next);
		propagate(l, fi - 1, f->exn);
	}
	if (f->kind == FR_CATCH)
		l->ncatches--;
	l->nhandlers--;
	LLVMPositionBuilderAtEnd(l->b, here);
	return ok;
}

/* Before a branch out of frames[target..]: the legacy catches it leaves
 * release their exceptions. */
void lower_eh_exit(lower *l, size_t target)
{
	for (size_t k = l->nframes; l->ncatches && k-- > target;)
		if (l->frames[k].kind == FR_CATCH)
			exn_caught(l, l->frames[k].exn, KILN_EXN_RELEASE);
}

bool lower_eh_leaves_catch(const lower *l, size_t target)
{
	for (size_t k = l->nframes; l->ncatches && k-- > target;)
		if (l->frames[k].kind == FR_CATCH)
			return true;
	return false;
}

bool lower_eh_op(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	switch (d->oper) {
	case KILN_OPER_TRY:
	case KILN_OPER_TRY_TABLE: return op_try(l, in);
	case KILN_OPER_CATCH: return op_catch(l, in->u.idx);
	case KILN_OPER_CATCH_ALL: return op_catch(l, UINT32_MAX);
	case KILN_OPER_DELEGATE:
		/* The label counts from outside the try it ends. */
		return lower_eh_end(l, (long)l->nframes - 2 - (long)in->u.idx) &&
		       lower_end_frame(l);
	case KILN_OPER_THROW: return op_throw(l, in->u.idx);
	case KILN_OPER_THROW_REF: return op_throw_ref(l);
	case KILN_OPER_RETHROW: return op_rethrow(l, in->u.idx);
	default: return lower_unsupported(l, in);
	}
}
