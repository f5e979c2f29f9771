/*
 * lower_block.c — structured control flow: a frame per block, loop and
 * if (and try, try_table: lower_eh.c), the phis a branch to it fills, and
 * br, br_if and br_table (lower.h has the scheme).
 */
#include <stdlib.h>
#include <string.h>

#include "lower.h"

static bool nomem(kiln_error *err)
{
	return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}


lower_frame *lower_top(lower *l)
{
	return &l->frames[l->nframes - 1];
}

static LLVMValueRef *make_phis(lower *l, LLVMBasicBlockRef bb, uint32_t n,
			       const kiln_valtype *types)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b);
	LLVMValueRef *phis = krt_calloc(n, sizeof *phis);

	if (phis == NULL)
		return NULL;
	LLVMPositionBuilderAtEnd(l->b, bb);
	for (uint32_t i = 0; i < n; i++)
		phis[i] = LLVMBuildPhi(l->b, lower_type(l->lm, types[i]), "");
	if (here)
		LLVMPositionBuilderAtEnd(l->b, here);
	return phis;
}

bool lower_push_frame(lower *l, uint8_t kind, const kiln_valtype *params,
		      uint32_t np, const kiln_valtype *results, uint32_t nr)
{
	lower_frame *f;

	if (!krt_grow((void **)&l->frames, &l->frames_cap, l->nframes + 1, sizeof *l->frames))
		return nomem(l->err);
	f = &l->frames[l->nframes++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->params = params, f->nparams = np;
	f->results = results, f->nresults = nr;
	f->height = l->nstack - np;
	f->merge = lower_block(l, "end");
	if (!(f->end_phis = make_phis(l, f->merge, nr, results)))
		return nomem(l->err);
	f->target = f->merge;
	f->phis = f->end_phis;
	return true;
}

void lower_loop_busy(lower *l)
{
	for (size_t i = l->nframes; i-- > 0;)
		if (l->frames[i].kind == FR_LOOP) {
			l->frames[i].busy = true;
			return;
		}
}

/* An innermost loop without calls starts on a LOWER_LOOP_ALIGN boundary
 * (x86: LLVM aligns loops to 16 bytes, and a small loop across a 64-byte
 * line ran up to 1.5 times longer than the same instructions within one:
 * docs/bench/issue21-ctx-register.md).  Loops that call, or hold other
 * loops, are left alone: they are entered often (a recursive function's
 * loop, once per call) and the padding before them runs each time.  The
 * request is LLVM's loop metadata `llvm.loop.align` on every branch back
 * to the header (the latches), which code generation reads after the
 * optimisation passes, on the loops they kept it on. */
static void align_loop(lower *l, lower_frame *f)
{
	LLVMContextRef c = l->lm->llctx;
	LLVMMetadataRef self = LLVMTemporaryMDNode(c, NULL, 0);
	LLVMMetadataRef prop[2] = {
		LLVMMDStringInContext2(c, "llvm.loop.align", 15),
		LLVMValueAsMetadata(LLVMConstInt(l->lm->i32, LOWER_LOOP_ALIGN, 0)),
	};
	LLVMMetadataRef ops[2] = {self, LLVMMDNodeInContext2(c, prop, 2)};
	LLVMMetadataRef id = LLVMMDNodeInContext2(c, ops, 2);
	unsigned kind = LLVMGetMDKindIDInContext(c, "llvm.loop", 9);
	LLVMValueRef md;

	LLVMMetadataReplaceAllUsesWith(self, id);	/* a loop ID names itself */
	md = LLVMMetadataAsValue(c, id);
	for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(f->target)); u;
	     u = LLVMGetNextUse(u)) {
		LLVMValueRef br = LLVMGetUser(u);
		if (br != f->entry_br && br != l->osr_switch && LLVMIsATerminatorInst(br))
			LLVMSetMetadata(br, kind, md);
	}
}

void lower_free_frame(lower_frame *f)
{
	if (f->phis != f->end_phis)
		free(f->phis);
	free(f->end_phis);
	free(f->if_params);
}

/* Adds the top `n` stack values as incoming values of `phis` from the
 * current block. */
static void add_incoming(lower *l, LLVMValueRef *phis, uint32_t n)
{
	LLVMBasicBlockRef from = LLVMGetInsertBlock(l->b);

	for (uint32_t i = 0; i < n; i++) {
		LLVMValueRef v = l->stack[l->nstack - n + i];
		LLVMAddIncoming(phis[i], &v, &from, 1);
	}
}

static uint32_t label_arity(const lower_frame *f)
{
	return f->kind == FR_LOOP ? f->nparams : f->nresults;
}

void lower_set_dead(lower *l)
{
	lower_top(l)->dead = true;
}

void lower_blocktype(lower *l, int64_t bt, const kiln_valtype **p, uint32_t *np,
		      const kiln_valtype **r, uint32_t *nr)
{
	static const kiln_valtype one[] = {
		KILN_I32, KILN_I64, KILN_F32, KILN_F64, KILN_V128, KILN_FUNCREF,
		KILN_EXTERNREF, KILN_EXNREF,
	};

	*np = *nr = 0;
	*p = *r = NULL;
	if (bt == -64)
		return;
	if (bt < 0) {
		for (size_t i = 0; i < KILN_ARRAY_LEN(one); i++)
			if (one[i] == (kiln_valtype)(bt + 0x80))
				*r = &one[i];
		*nr = 1;
		return;
	}
	*p = l->m->types[bt].params, *np = l->m->types[bt].nparams;
	*r = l->m->types[bt].results, *nr = l->m->types[bt].nresults;
}

bool lower_op_block(lower *l, const kiln_instr *in)
{
	const kiln_valtype *p, *r;
	uint32_t np, nr;
	lower_frame *f;

	lower_blocktype(l, in->u.blocktype, &p, &np, &r, &nr);
	if (in->op == KILN_OP_BLOCK)
		return lower_push_frame(l, FR_BLOCK, p, np, r, nr);
	if (in->op == KILN_OP_LOOP) {
		LLVMBasicBlockRef header = lower_block(l, "loop");
		lower_loop_busy(l);
		if (!lower_push_frame(l, FR_LOOP, p, np, r, nr))
			return false;
		f = lower_top(l);
		f->target = header;
		if (!(f->phis = make_phis(l, header, np, p)))
			return nomem(l->err);
		add_incoming(l, f->phis, np);
		f->entry_br = LLVMBuildBr(l->b, header);
		LLVMPositionBuilderAtEnd(l->b, header);
		l->nstack -= np;
		/* A checked loop's fast copy is no OSR point: loops are
		 * numbered alike at every tier, where only one copy exists. */
		bool osr = !l->ver && lower_osr_point(l, np);
		uint32_t loop = l->ver ? LOWER_NO_LOOP : l->nloops++;
		if (osr && l->lm->osr && !lower_osr_case(l, loop, header))
			return false;
		l->lm->osr_points += osr;
		for (uint32_t i = 0; i < np; i++)
			lower_push(l, f->phis[i]);
		if (l->lm->epoch_checks)
			lower_epoch_check(l);
		if (l->lm->tier_counters)
			lower_tier_count(l, osr ? loop : LOWER_NO_LOOP);
		if (l->lm->fuel_checks) {
			f->outer_fuel_sub = l->fuel_sub;
			f->outer_fuel_ops = l->fuel_ops;
			lower_fuel_charge(l);
		}
		return true;
	}
	/* if */
	LLVMValueRef c = LLVMBuildICmp(l->b, LLVMIntNE, lower_pop(l),
				       LLVMConstInt(l->lm->i32, 0, 0), "");
	if (!lower_push_frame(l, FR_IF, p, np, r, nr))
		return false;
	f = lower_top(l);
	LLVMBasicBlockRef then_bb = lower_block(l, "then");
	f->else_bb = lower_block(l, "else");
	if (np && !(f->if_params = krt_calloc(np, sizeof *f->if_params)))
		return nomem(l->err);
	for (uint32_t i = 0; i < np; i++)
		f->if_params[i] = l->stack[l->nstack - np + i];
	LLVMBuildCondBr(l->b, c, then_bb, f->else_bb);
	LLVMPositionBuilderAtEnd(l->b, then_bb);
	return true;
}

/* Leaves the current arm: its results flow to the frame's merge block. */
void lower_close_arm(lower *l, lower_frame *f)
{
	if (!f->dead) {
		add_incoming(l, f->end_phis, f->nresults);
		LLVMBuildBr(l->b, f->merge);
	}
	l->nstack = f->height;
}

bool lower_op_else(lower *l)
{
	lower_frame *f = lower_top(l);

	lower_close_arm(l, f);
	LLVMPositionBuilderAtEnd(l->b, f->else_bb);
	for (uint32_t i = 0; i < f->nparams; i++)
		lower_push(l, f->if_params[i]);
	f->kind = FR_ELSE;
	f->dead = false;
	return true;
}

static bool end_frame(lower *l);

bool lower_op_end(lower *l)
{
	uint8_t kind = lower_top(l)->kind;

	if ((kind == FR_TRY || kind == FR_CATCH || kind == FR_TRY_TABLE) &&
	    !lower_eh_end(l, (long)l->nframes - 2))
		return false;
	return end_frame(l);
}

bool lower_end_frame(lower *l)
{
	return end_frame(l);
}

static bool end_frame(lower *l)
{
	lower_frame *f = lower_top(l);

	lower_close_arm(l, f);
	if (f->kind == FR_LOOP && !f->busy && !l->lm->tier0)
		align_loop(l, f);
	if (f->kind == FR_IF) {
		/* No else: the params pass through as the results. */
		LLVMBasicBlockRef from = f->else_bb;
		LLVMPositionBuilderAtEnd(l->b, f->else_bb);
		for (uint32_t i = 0; i < f->nresults; i++)
			LLVMAddIncoming(f->end_phis[i], &f->if_params[i], &from, 1);
		LLVMBuildBr(l->b, f->merge);
	}
	LLVMMoveBasicBlockAfter(f->merge, LLVMGetInsertBlock(l->b));
	LLVMPositionBuilderAtEnd(l->b, f->merge);
	for (uint32_t i = 0; i < f->nresults; i++)
		if (!lower_push(l, f->end_phis[i]))
			return false;
	if (l->lm->fuel_checks && (f->kind == FR_LOOP || f->kind == FR_FUNC)) {
		lower_fuel_settle(l);
		l->fuel_sub = f->outer_fuel_sub;
		l->fuel_ops = f->outer_fuel_ops;
	}
	if (f->kind == FR_FUNC) {
		/* The function's end: return what the merge block gathered. */
		lower_build_ret(l, f->end_phis, f->nresults);
	}
	lower_free_frame(f);
	l->nframes--;
	return true;
}

void lower_branch_to(lower *l, lower_frame *f)
{
	add_incoming(l, f->phis, label_arity(f));
	LLVMBuildBr(l->b, f->target);
}

bool lower_op_br(lower *l, const kiln_instr *in)
{
	size_t target = l->nframes - 1 - in->u.idx;
	lower_frame *f = &l->frames[target];

	if (in->op == KILN_OP_BR) {
		lower_eh_exit(l, target);
		lower_branch_to(l, f);
		lower_set_dead(l);
		return true;
	}
	LLVMValueRef c = LLVMBuildICmp(l->b, LLVMIntNE, lower_pop(l),
				       LLVMConstInt(l->lm->i32, 0, 0), "");
	LLVMBasicBlockRef cont = lower_block(l, "cont");
	if (lower_eh_leaves_catch(l, target)) {
		/* The legacy catches left release their exceptions first. */
		LLVMBasicBlockRef out = lower_block(l, "leave");
		LLVMBuildCondBr(l->b, c, out, cont);
		LLVMPositionBuilderAtEnd(l->b, out);
		lower_eh_exit(l, target);
		lower_branch_to(l, f);
		LLVMPositionBuilderAtEnd(l->b, cont);
		return true;
	}
	add_incoming(l, f->phis, label_arity(f));
	LLVMBuildCondBr(l->b, c, f->target, cont);
	LLVMPositionBuilderAtEnd(l->b, cont);
	return true;
}

/* A branch to frame f's label from a block of its own (an edge of tier
 * 0's br_table tree). */
static LLVMBasicBlockRef edge_to(lower *l, lower_frame *f)
{
	LLVMBasicBlockRef bb = lower_block(l, "edge");

	LLVMPositionBuilderAtEnd(l->b, bb);
	lower_eh_exit(l, (size_t)(f - l->frames));
	add_incoming(l, f->phis, label_arity(f));
	LLVMBuildBr(l->b, f->target);
	return bb;
}

/* Tier 0's br_table over targets[lo, hi): a binary search of compares,
 * which LLVM's fast instruction selector handles (a switch it hands to
 * the slow one). */
static LLVMBasicBlockRef table_tree(lower *l, LLVMValueRef idx, lower_frame **targets,
				    uint32_t lo, uint32_t hi)
{
	if (hi - lo == 1)
		return edge_to(l, targets[lo]);
	uint32_t mid = lo + (hi - lo) / 2;
	LLVMBasicBlockRef left = table_tree(l, idx, targets, lo, mid);
	LLVMBasicBlockRef right = table_tree(l, idx, targets, mid, hi);
	LLVMBasicBlockRef bb = lower_block(l, "table");

	LLVMPositionBuilderAtEnd(l->b, bb);
	LLVMBuildCondBr(l->b, LLVMBuildICmp(l->b, LLVMIntULT, idx,
					    LLVMConstInt(l->lm->i32, mid, 0), ""), left, right);
	return bb;
}

static bool br_table_tree(lower *l, const kiln_instr *in, LLVMValueRef idx)
{
	lower_frame *dflt = &l->frames[l->nframes - 1 - in->u.vec.dflt];
	lower_frame **targets = krt_calloc(in->u.vec.n ? in->u.vec.n : 1, sizeof *targets);
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b);
	const uint8_t *p = in->u.vec.p;

	if (targets == NULL)
		return nomem(l->err);
	for (uint32_t i = 0; i < in->u.vec.n; i++)
		targets[i] = &l->frames[l->nframes - 1 - krt_rd_u32_trusted(&p)];
	LLVMBasicBlockRef other = edge_to(l, dflt);
	LLVMBasicBlockRef tree = in->u.vec.n ? table_tree(l, idx, targets, 0, in->u.vec.n) : other;
	free(targets);
	LLVMPositionBuilderAtEnd(l->b, here);
	LLVMBuildCondBr(l->b, LLVMBuildICmp(l->b, LLVMIntULT, idx,
					    LLVMConstInt(l->lm->i32, in->u.vec.n, 0), ""),
			tree, other);
	lower_set_dead(l);
	return true;
}

bool lower_op_br_table(lower *l, const kiln_instr *in)
{
	LLVMValueRef idx = lower_pop(l);

	/* Leaving a legacy catch: each edge its own block, to release. */
	if (l->lm->tier0 || lower_eh_leaves_catch(l, 0))
		return br_table_tree(l, in, idx);
	lower_frame *dflt = &l->frames[l->nframes - 1 - in->u.vec.dflt];
	LLVMValueRef sw = LLVMBuildSwitch(l->b, idx, dflt->target, in->u.vec.n);
	const uint8_t *p = in->u.vec.p;

	if (in->u.vec.n >= LOWER_JUMP_TABLE)
		l->lm->switches = true;

	/* One incoming entry per edge, duplicates included, as LLVM wants. */
	add_incoming(l, dflt->phis, label_arity(dflt));
	for (uint32_t i = 0; i < in->u.vec.n; i++) {
		lower_frame *f = &l->frames[l->nframes - 1 - krt_rd_u32_trusted(&p)];
		LLVMAddCase(sw, LLVMConstInt(l->lm->i32, i, 0), f->target);
		add_incoming(l, f->phis, label_arity(f));
	}
	lower_set_dead(l);
	return true;
}

