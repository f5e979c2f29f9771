/*
 * lower_loopver.c — checked loop versions (docs/architecture.md).
 *
 * A candidate loop (loopver.c) is lowered twice behind a guard computed
 * in i64 before it from the locals' values at entry and the memory size:
 * the trip count divides exactly, every group of accesses stays in
 * bounds without an i32 wrap, and groups of which one stores are
 * disjoint.  The fast copy then has nothing that can fault: its accesses
 * have no barriers, its address adds are `add nuw`, and each group's
 * accesses are in an alias scope of their own, declared anew for each
 * run with llvm.experimental.noalias.scope.decl (the guard holds for one
 * run only).  Its addresses are computed in i64 from a 64-bit copy of
 * each group's local (the representative the guard checked), not as
 * zext of an i32 sum: the guard proved that sum does not wrap, and only
 * an i64 recurrence lets LLVM see consecutive accesses (sieve's count,
 * `p + 4197984` with p negative, vectorises only so).  When the guard
 * fails the slow copy, the usual lowering, runs: traps where the spec
 * puts them.
 */
#include <stdio.h>
#include <string.h>

#include "loopver.h"
#include "lower.h"

struct lower_ver {
	const loopver *v;
	uint32_t next;			/* the next access, in body order */
	LLVMValueRef scope[LOOPVER_MAX_GROUPS], noalias[LOOPVER_MAX_GROUPS];
	/* Each group's local in i64: its entry value as the guard took it,
	 * and in the fast copy its value at the iteration's start (a phi
	 * in the loop's header when the step is not 0). */
	LLVMValueRef start[LOOPVER_MAX_GROUPS], wide[LOOPVER_MAX_GROUPS];
	/* The trip count less one (i64), and the fast copy's iteration. */
	LLVMValueRef nm1, iter;
};

static LLVMValueRef i64c(lower *l, int64_t c)
{
	return LLVMConstInt(l->lm->i64, (unsigned long long)c, 1);
}

/* Local k's i32 value at the loop's entry (0 for LOOPVER_NO_LOCAL). */
static LLVMValueRef entry_value(lower *l, uint32_t k)
{
	if (k == LOOPVER_NO_LOCAL)
		return LLVMConstInt(l->lm->i32, 0, 0);
	return LLVMBuildLoad2(l->b, l->lm->i32, lower_local_ptr(l, k), "");
}

/* N - 1, and in *ok whether the exit's difference divides by the step. */
static LLVMValueRef trips(lower *l, const loopver *v, LLVMValueRef *ok)
{
	LLVMBuilderRef b = l->b;
	LLVMTypeRef i32 = l->lm->i32;
	LLVMValueRef e = LLVMBuildAdd(b, entry_value(l, v->exit_local),
				      LLVMConstInt(i32, (uint32_t)v->exit_c, 0), "");
	LLVMValueRef lim = LLVMBuildAdd(b, entry_value(l, v->limit_local),
					LLVMConstInt(i32, (uint32_t)v->limit_c, 0), "");
	LLVMValueRef d = v->exit_step > 0 ? LLVMBuildSub(b, lim, e, "") : LLVMBuildSub(b, e, lim, "");
	LLVMValueRef s = i64c(l, v->exit_step > 0 ? v->exit_step : -(int64_t)v->exit_step);

	d = LLVMBuildZExt(b, d, l->lm->i64, "");
	*ok = LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildURem(b, d, s, ""), i64c(l, 0), "");
	return LLVMBuildUDiv(b, d, s, "");
}

/* Group g's byte range over the run, [lo[g], hi[g]); its in-bounds test
 * joins *ok.  k0 is taken as the representative (mod 2^32) that puts the
 * lowest address at or above 0: sign-extended, or that plus 2^32; it
 * goes to *start. */
static void group_range(lower *l, const loopver_group *g, LLVMValueRef nm1,
			LLVMValueRef size, LLVMValueRef *lo, LLVMValueRef *hi,
			LLVMValueRef *ok, LLVMValueRef *start)
{
	LLVMBuilderRef b = l->b;
	LLVMValueRef k0 = LLVMBuildSExt(b, entry_value(l, g->local), l->lm->i64, "");
	LLVMValueRef span = LLVMBuildMul(b, nm1, i64c(l, g->step), "");
	LLVMValueRef down = g->step < 0 ? span : i64c(l, 0), up = g->step < 0 ? i64c(l, 0) : span;
	LLVMValueRef low = LLVMBuildAdd(b, LLVMBuildAdd(b, k0, down, ""), i64c(l, g->cmin), "");
	LLVMValueRef high = LLVMBuildAdd(b, LLVMBuildAdd(b, k0, up, ""), i64c(l, g->cend), "");
	LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, low, i64c(l, 0), "");
	LLVMValueRef wrap = LLVMBuildSelect(b, neg, i64c(l, 1ll << 32), i64c(l, 0), "");

	*lo = LLVMBuildAdd(b, low, wrap, "");
	*hi = LLVMBuildAdd(b, high, wrap, "");
	*start = LLVMBuildAdd(b, k0, wrap, "");
	*ok = LLVMBuildAnd(b, *ok, LLVMBuildICmp(b, LLVMIntSGE, *lo, i64c(l, 0), ""), "");
	*ok = LLVMBuildAnd(b, *ok, LLVMBuildICmp(b, LLVMIntSLE, *hi, size, ""), "");
}

static LLVMValueRef disjoint(lower *l, LLVMValueRef lo0, LLVMValueRef hi0,
			     LLVMValueRef lo1, LLVMValueRef hi1)
{
	LLVMValueRef below = LLVMBuildICmp(l->b, LLVMIntSLE, hi0, lo1, "");
	LLVMValueRef above = LLVMBuildICmp(l->b, LLVMIntSLE, hi1, lo0, "");

	return LLVMBuildOr(l->b, below, above, "");
}

/* The guard: true when the fast copy may run. */
static LLVMValueRef guard(lower *l, struct lower_ver *ver)
{
	const loopver *v = ver->v;
	LLVMValueRef ok, lo[LOOPVER_MAX_GROUPS], hi[LOOPVER_MAX_GROUPS];
	LLVMValueRef mem = lower_ctx_field(l, KILN_CTX_MEMORY, l->lm->ptr);
	LLVMValueRef size = lower_load_at(l, mem, KILN_MEMORY_SIZE, l->lm->i64);
	LLVMValueRef top = i64c(l, UINT32_MAX);
	/* Ranges end below 2^32 - 1, so that an address local's update past
	 * its last access is `nuw` too (loopver.c, mark_nuw). */
	size = LLVMBuildSelect(l->b, LLVMBuildICmp(l->b, LLVMIntUGT, size, top, ""), top, size, "");
	LLVMValueRef nm1 = trips(l, v, &ok);

	ver->nm1 = nm1;
	for (uint32_t g = 0; g < v->ngroups; g++)
		group_range(l, &v->groups[g], nm1, size, &lo[g], &hi[g], &ok, &ver->start[g]);
	for (uint32_t g = 0; g < v->ngroups; g++)
		for (uint32_t h = g + 1; h < v->ngroups; h++)
			if (v->groups[g].stores || v->groups[h].stores)
				ok = LLVMBuildAnd(l->b, ok, disjoint(l, lo[g], hi[g], lo[h], hi[h]), "");
	return ok;
}

static LLVMMetadataRef md_string(lower *l, const char *s)
{
	return LLVMMDStringInContext2(l->lm->llctx, s, strlen(s));
}

/* A domain and a scope per group, named after the loop's offset in the
 * module; each group's accesses are !noalias to the other scopes.  The
 * declarations start this run's scopes. */
static void declare_scopes(lower *l, struct lower_ver *ver, size_t offset)
{
	LLVMContextRef c = l->lm->llctx;
	const loopver *v = ver->v;
	LLVMMetadataRef scope[LOOPVER_MAX_GROUPS], others[LOOPVER_MAX_GROUPS], dom;
	char name[96];

	snprintf(name, sizeof name, "%sloop%zu", l->lm->prefix, offset);
	LLVMMetadataRef n = md_string(l, name);
	dom = LLVMMDNodeInContext2(c, &n, 1);
	for (uint32_t g = 0; g < v->ngroups; g++) {
		snprintf(name, sizeof name, "%sloop%zu.%u", l->lm->prefix, offset, g);
		LLVMMetadataRef ops[2] = {md_string(l, name), dom};
		scope[g] = LLVMMDNodeInContext2(c, ops, 2);
	}
	for (uint32_t g = 0; g < v->ngroups; g++) {
		unsigned n_others = 0;
		for (uint32_t h = 0; h < v->ngroups; h++)
			if (h != g)
				others[n_others++] = scope[h];
		ver->scope[g] = LLVMMetadataAsValue(c, LLVMMDNodeInContext2(c, &scope[g], 1));
		ver->noalias[g] = LLVMMetadataAsValue(c, LLVMMDNodeInContext2(c, others, n_others));
		lower_intrinsic(l, "llvm.experimental.noalias.scope.decl", NULL, 0,
				&ver->scope[g], 1);
	}
}

void lower_ver_access(lower *l, LLVMValueRef access)
{
	struct lower_ver *ver = l->ver;
	LLVMContextRef c = l->lm->llctx;
	unsigned g = ver->v->access_group[ver->next++];

	LLVMSetMetadata(access, LLVMGetMDKindIDInContext(c, "alias.scope", 11), ver->scope[g]);
	if (ver->v->ngroups > 1)
		LLVMSetMetadata(access, LLVMGetMDKindIDInContext(c, "noalias", 7),
				ver->noalias[g]);
}

LLVMValueRef lower_ver_address(lower *l, LLVMValueRef a)
{
	struct lower_ver *ver = l->ver;
	unsigned g = ver->v->access_group[ver->next];

	if (ver->v->groups[g].local == LOOPVER_NO_LOCAL)	/* a constant */
		return LLVMBuildZExt(l->b, a, l->lm->i64, "");
	return LLVMBuildNSWAdd(l->b, ver->wide[g], i64c(l, ver->v->access_c[ver->next]), "");
}

/* In the fast copy's header, just made, entered from `pre`: the
 * iteration and each group's local in i64 at the iteration's start. */
static void wide_phis(lower *l, struct lower_ver *ver, LLVMBasicBlockRef pre)
{
	LLVMValueRef zero = i64c(l, 0);

	ver->iter = LLVMBuildPhi(l->b, l->lm->i64, "iter");
	LLVMAddIncoming(ver->iter, &zero, &pre, 1);
	for (uint32_t g = 0; g < ver->v->ngroups; g++) {
		ver->wide[g] = ver->start[g];
		if (ver->v->groups[g].step == 0)
			continue;
		ver->wide[g] = LLVMBuildPhi(l->b, l->lm->i64, "wide");
		LLVMAddIncoming(ver->wide[g], &ver->start[g], &pre, 1);
	}
}

/* Before the body's final br_if, the back edge's values of the phis:
 * each one step on (no i64 wrap: steps and entry values are small).
 * And the br_if's condition, exit local + c != limit, becomes iter !=
 * N - 1: the guard proved the exit's difference a multiple of the step,
 * so the two first differ at the last iteration, and an i64 count is
 * one LLVM can take the trip count from. */
static void wide_steps(lower *l, struct lower_ver *ver)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b);
	LLVMValueRef iter = LLVMBuildNUWAdd(l->b, ver->iter, i64c(l, 1), "");
	LLVMValueRef more = LLVMBuildICmp(l->b, LLVMIntNE, ver->iter, ver->nm1, "");

	LLVMAddIncoming(ver->iter, &iter, &here, 1);
	l->stack[l->nstack - 1] = LLVMBuildZExt(l->b, more, l->lm->i32, "");

	for (uint32_t g = 0; g < ver->v->ngroups; g++) {
		if (ver->v->groups[g].step == 0)
			continue;
		LLVMValueRef next = LLVMBuildNSWAdd(l->b, ver->wide[g],
						    i64c(l, ver->v->groups[g].step), "");
		LLVMAddIncoming(ver->wide[g], &next, &here, 1);
	}
}

/* One copy of the loop, from its `loop` (already read) through its `end`;
 * in the fast copy, the adds the analysis marked are `nuw`. */
static bool lower_copy(lower *l, kiln_reader *r, const kiln_instr *loop)
{
	size_t depth = l->nframes;
	kiln_instr in = *loop;
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(l->b);

	for (uint32_t i = 0;; i++) {
		if (i > 0 && !krt_rd_instr(r, &in))
			return false;
		/* The body is straight line: its one br_if is the back edge. */
		if (l->ver && in.op == KILN_OP_BR_IF)
			wide_steps(l, l->ver);
		if (!lower_instr(l, &in))
			return false;
		if (l->ver && i == 0)
			wide_phis(l, l->ver, pre);
		if (l->ver && loopver_nuw(l->ver->v, i)) {
			LLVMValueRef sum = l->stack[l->nstack - 1];
			if (LLVMIsAInstruction(sum))
				LLVMSetNUW(sum, 1);
		}
		if (l->nframes == depth && i > 0)
			return true;
	}
}

static bool versionable(const lower *l)
{
	const lower_module *lm = l->lm;

	/* memory64: a 64-bit memory 0 checks each access itself; the guard's
	 * arithmetic is the i32 address space's. */
	return l->mem_base && !l->m->memories[0].type.index64 && !l->frame &&
	       !lm->epoch_checks && !lm->fuel_checks && !lm->tier_counters && !lm->tier0;
}

bool lower_loop(lower *l, kiln_reader *r, const kiln_instr *in)
{
	struct lower_ver ver = {0};
	loopver v;

	lower_at(l, in->offset);
	if (!versionable(l) || !loopver_find(&v, l->m->bytes + in->offset, r->end))
		return lower_instr(l, in);
	LLVMBasicBlockRef fast = lower_block(l, "ver.fast"), slow = lower_block(l, "ver.slow");
	LLVMBasicBlockRef join = lower_block(l, "ver.join");
	kiln_reader again = *r;
	bool ok;

	ver.v = &v;
	LLVMBuildCondBr(l->b, guard(l, &ver), fast, slow);
	LLVMPositionBuilderAtEnd(l->b, fast);
	declare_scopes(l, &ver, in->offset);
	l->ver = &ver;
	ok = lower_copy(l, &again, in);
	l->ver = NULL;
	if (!ok)
		return false;
	LLVMBuildBr(l->b, join);
	LLVMPositionBuilderAtEnd(l->b, slow);
	if (!lower_copy(l, r, in))
		return false;
	LLVMBuildBr(l->b, join);
	LLVMMoveBasicBlockAfter(join, LLVMGetInsertBlock(l->b));
	LLVMPositionBuilderAtEnd(l->b, join);
	return true;
}
