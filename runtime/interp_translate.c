/*
 * interp_translate.c — a validated function body to the interpreter's slot
 * form (interp.h), in one pass.
 *
 * The pass keeps the wasm operand stack's height `h`; the value at height
 * k has its own frame slot, nlocals + k, so every operand is a slot index
 * known here.  `local.get` emits nothing: the value's place (`where`) is
 * the local itself, and the instruction that uses it reads the local.
 * Such a value is copied to its own slot ("materialised") before its
 * local is written, before control flow joins (block, loop and if entries,
 * else, end: every path must leave a value in the same place), before a
 * call (whose arguments are consecutive slots), and before an instruction
 * that writes its result over an operand.  Control frames remember the height below their parameters
 * (`base`): a branch to a label copies the label's values down to base
 * (nothing when they are there already) and jumps.  Backward targets
 * (loops) are known; a forward one is emitted as a link in a list threaded
 * through the unpatched words themselves, patched when the frame's `end`
 * is reached.  Code after an unconditional branch is skipped up to the
 * `end` or `else` that makes it reachable again: it never runs, and its
 * stack is polymorphic.
 *
 * The body is validated, so types and depths are not checked again; what
 * is checked is that every instruction is one the interpreter runs.
 */
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "reader.h"

#define NO_LINK UINT32_MAX

enum { CTL_FUNC, CTL_BLOCK, CTL_LOOP, CTL_IF };

typedef struct ctl {
	uint8_t kind;
	uint32_t base;			/* height below the parameters */
	uint32_t nparams, nresults;
	uint32_t start;			/* a loop's first word */
	uint32_t patches;		/* forward branches to the end */
	uint32_t else_patch;		/* an if's jump to its else */
} ctl;

typedef struct tr {
	const kiln_module *m;
	kiln_reader r;
	uint32_t *code;
	size_t ncode, cap;
	ctl *ctls;
	size_t nctl, ctlcap;
	uint32_t h, maxh, nlocals;
	uint32_t *where;		/* per height: the value's slot */
	size_t wcap;
	krt_line *from;		/* per instruction: its words' offset */
	size_t nfrom, fromcap;
	/* The last value_op's result word and the code's end after it, and
	 * the last word a label was bound to: local.set after value_op
	 * retargets the result (no label between). */
	uint32_t last_dst, last_end, label_at;
	uint32_t skip;			/* blocks opened inside dead code */
	uint32_t nloops;		/* loops translated (dead code's are not) */
	bool dead, oom;
	bool epoch_checks;		/* IOP_EPOCH at entry and loop headers */
	bool tier_counts;		/* IOP_TIER there too */
	kiln_error *err;
} tr;

static void emit(tr *t, uint32_t w)
{
	if (t->ncode == t->cap && !krt_grow((void **)&t->code, &t->cap, t->ncode + 1, sizeof *t->code)) {
		t->oom = true;
		return;
	}
	t->code[t->ncode++] = w;
}

static uint32_t here(const tr *t)
{
	return (uint32_t)t->ncode;
}

static uint32_t slot(const tr *t, uint32_t height)
{
	return t->nlocals + height;
}

/* n values in their own slots. */
static void push(tr *t, uint32_t n)
{
	if (t->h + n > t->wcap &&
	    !krt_grow((void **)&t->where, &t->wcap, t->h + n, sizeof *t->where)) {
		t->oom = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++, t->h++)
		t->where[t->h] = slot(t, t->h);
	if (t->h > t->maxh)
		t->maxh = t->h;
}

/* The slot holding the d-th value from the top (1: the top). */
static uint32_t top(const tr *t, uint32_t d)
{
	return t->where[t->h - d];
}

static void materialise(tr *t, uint32_t k)
{
	if (t->where[k] == slot(t, k))
		return;
	emit(t, IOP_COPY);
	emit(t, slot(t, k));
	emit(t, t->where[k]);
	t->where[k] = slot(t, k);
}

static void materialise_from(tr *t, uint32_t k)
{
	for (; k < t->h; k++)
		materialise(t, k);
}

/* Before local x is written: the values read from it keep the old one. */
static void materialise_local(tr *t, uint32_t x)
{
	for (uint32_t k = 0; k < t->h; k++)
		if (t->where[k] == x)
			materialise(t, k);
}

/* A word to patch with c's end: linked into c's list. */
static void emit_forward(tr *t, ctl *c)
{
	uint32_t at = here(t);

	emit(t, c->patches);
	if (!t->oom)
		c->patches = at;
}

static void patch_list(tr *t, uint32_t link, uint32_t target)
{
	while (link != NO_LINK) {
		uint32_t next = t->code[link];
		t->code[link] = target;
		link = next;
	}
}

static uint32_t arity(const ctl *c)
{
	return c->kind == CTL_LOOP ? c->nparams : c->nresults;
}

/* Copies the top k values to slots dst..: ascending, as dst is below
 * their own slots.  A local is a destination only for the function's
 * results (emit_return), which first takes care of that. */
static void emit_moves(tr *t, uint32_t dst, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++) {
		if (top(t, k - i) == dst + i)
			continue;
		emit(t, IOP_COPY);
		emit(t, dst + i);
		emit(t, top(t, k - i));
	}
}

/* The results go to slots 0..k, the first locals: a value read from one
 * of those that another result overwrites first is materialised. */
static void emit_return(tr *t)
{
	uint32_t k = t->ctls[0].nresults;

	for (uint32_t i = 0; i < k; i++)
		if (top(t, k - i) < k && top(t, k - i) != i)
			materialise(t, t->h - k + i);
	emit_moves(t, 0, k);
	emit(t, KILN_OP_RETURN);
}

static bool needs_moves(const tr *t, const ctl *c)
{
	uint32_t k = arity(c);

	for (uint32_t i = 0; i < k; i++)
		if (top(t, k - i) != slot(t, c->base + i))
			return true;
	return false;
}

/* An unconditional branch to c with the stack as it is. */
static void emit_branch(tr *t, ctl *c)
{
	if (c->kind == CTL_FUNC) {
		emit_return(t);
		return;
	}
	emit_moves(t, slot(t, c->base), arity(c));
	emit(t, KILN_OP_BR);
	if (c->kind == CTL_LOOP)
		emit(t, c->start);
	else
		emit_forward(t, c);
}

static ctl *label(tr *t, uint32_t depth)
{
	return &t->ctls[t->nctl - 1 - depth];
}

static bool unsupported(tr *t, const char *what)
{
	return krt_fail(t->err, KILN_ERR_UNSUPPORTED, rd_offset(&t->r),
			"%s in the interpreter is not supported yet", what);
}

/* IOP_TIER's loop number at the start of the next loop, which has np
 * parameters: lowering's (compiler/lower.c numbers the loops it lowers in
 * order, dead code's left out as here), when the loop is an OSR point as
 * lowering says — no parameters, the operand stack below empty — else
 * INTERP_NO_LOOP.  The JIT enters tier 1 only at the points it lowered
 * into the function's OSR entry, so a number is no promise. */
static uint32_t osr_loop(const tr *t, uint32_t np)
{
	return np == 0 && t->h == 0 ? t->nloops : INTERP_NO_LOOP;
}

static bool push_ctl(tr *t, uint8_t kind, int64_t bt)
{
	uint32_t np = 0, nr = 0;

	materialise_from(t, 0);
	t->label_at = here(t);	/* a loop's start; harmless for the others */
	if (bt >= 0) {
		np = t->m->types[bt].nparams;
		nr = t->m->types[bt].nresults;
	} else if (bt != -64) {
		nr = 1;
	}
	if (t->nctl == t->ctlcap &&
	    !krt_grow((void **)&t->ctls, &t->ctlcap, t->nctl + 1, sizeof *t->ctls)) {
		t->oom = true;
		return false;
	}
	t->ctls[t->nctl++] = (ctl){kind, t->h - np, np, nr, here(t), NO_LINK, NO_LINK};
	if (t->epoch_checks && (kind == CTL_LOOP || kind == CTL_FUNC))
		emit(t, IOP_EPOCH);
	if (t->tier_counts && (kind == CTL_LOOP || kind == CTL_FUNC)) {
		emit(t, IOP_TIER);
		emit(t, kind == CTL_LOOP ? osr_loop(t, np) : INTERP_ENTRY);
	}
	t->nloops += kind == CTL_LOOP;
	return true;
}

static void do_end(tr *t)
{
	ctl *c = &t->ctls[t->nctl - 1];

	t->label_at = here(t);
	if (c->kind == CTL_FUNC) {
		if (!t->dead)
			emit_return(t);
		t->nctl--;
		return;
	}
	if (!t->dead)
		materialise_from(t, 0);
	patch_list(t, c->else_patch, here(t));
	patch_list(t, c->patches, here(t));
	t->h = c->base;
	push(t, c->nresults);
	t->dead = false;
	t->nctl--;
}

static void do_else(tr *t)
{
	ctl *c = &t->ctls[t->nctl - 1];

	t->label_at = here(t);
	if (!t->dead) {
		materialise_from(t, 0);
		emit(t, KILN_OP_BR);
		emit_forward(t, c);
	}
	patch_list(t, c->else_patch, here(t));
	c->else_patch = NO_LINK;
	t->h = c->base;		/* the parameters, where the if found them */
	push(t, c->nparams);
	t->dead = false;
}

/* In dead code only nesting matters, until the end or else that ends it. */
static void skip_dead(tr *t, kiln_op op)
{
	switch (op) {
	case KILN_OP_BLOCK: case KILN_OP_LOOP: case KILN_OP_IF:
		t->skip++;
		break;
	case KILN_OP_END:
		if (t->skip)
			t->skip--;
		else
			do_end(t);
		break;
	case KILN_OP_ELSE:
		if (!t->skip)
			do_else(t);
		break;
	default:
		break;
	}
}

/* The i32 comparisons a branch may fuse with: the branch when it holds,
 * and when it does not (for `if`). */
static const struct { kiln_op op; uint16_t when, unless; } fusable[] = {
	{KILN_OP_I32_EQ, IOP_BR_EQ, IOP_BR_NE}, {KILN_OP_I32_NE, IOP_BR_NE, IOP_BR_EQ},
	{KILN_OP_I32_LT_S, IOP_BR_LT_S, IOP_BR_GE_S}, {KILN_OP_I32_LT_U, IOP_BR_LT_U, IOP_BR_GE_U},
	{KILN_OP_I32_GT_S, IOP_BR_GT_S, IOP_BR_LE_S}, {KILN_OP_I32_GT_U, IOP_BR_GT_U, IOP_BR_LE_U},
	{KILN_OP_I32_LE_S, IOP_BR_LE_S, IOP_BR_GT_S}, {KILN_OP_I32_LE_U, IOP_BR_LE_U, IOP_BR_GT_U},
	{KILN_OP_I32_GE_S, IOP_BR_GE_S, IOP_BR_LT_S}, {KILN_OP_I32_GE_U, IOP_BR_GE_U, IOP_BR_LT_U},
	{KILN_OP_I32_EQZ, IOP_BR_EQZ, IOP_BR_NEZ},
};

/* A branch on the top value (already popped, at height h) that the code
 * just computed with an i32 comparison, as retarget() allows: the
 * comparison's words become the fused branch's, up to its target, which
 * the caller emits.  false: nothing changed. */
static bool fuse_compare(tr *t, bool unless)
{
	uint32_t at = t->last_dst - 1, a;

	if (t->oom || t->last_end != here(t) || t->label_at == here(t) ||
	    t->where[t->h] != slot(t, t->h) || t->code[t->last_dst] != slot(t, t->h))
		return false;
	for (size_t i = 0; i < sizeof fusable / sizeof fusable[0]; i++) {
		if (t->code[at] != fusable[i].op)
			continue;
		bool binary = fusable[i].op != KILN_OP_I32_EQZ;
		uint32_t b = binary ? t->code[at + 3] : 0;
		a = t->code[at + 2];
		t->ncode = at;
		emit(t, unless ? fusable[i].unless : fusable[i].when);
		emit(t, a);
		if (binary)
			emit(t, b);
		t->last_end = NO_LINK;
		return true;
	}
	return false;
}

static void do_br_if(tr *t, uint32_t depth)
{
	ctl *c = label(t, depth);
	uint32_t cond = top(t, 1), skip;

	t->h--;
	if (c->kind != CTL_FUNC && !needs_moves(t, c)) {
		if (!fuse_compare(t, false)) {
			emit(t, KILN_OP_BR_IF);
			emit(t, cond);
		}
		if (c->kind == CTL_LOOP)
			emit(t, c->start);
		else
			emit_forward(t, c);
		return;
	}
	emit(t, IOP_BR_UNLESS);
	emit(t, cond);
	skip = here(t);
	emit(t, NO_LINK);
	emit_branch(t, c);
	if (!t->oom)
		t->code[skip] = t->label_at = here(t);
}

/* br_table idx n t[0..n]: a target without moves is its label's; the
 * others get one stub per label after the table, moves then a branch. */
static bool do_br_table(tr *t, const kiln_instr *in)
{
	uint32_t n = in->u.vec.n, idx = top(t, 1);
	uint32_t *stub = malloc(t->nctl * sizeof *stub);
	const uint8_t *p = in->u.vec.p;

	if (!stub)
		return !(t->oom = true);
	t->h--;
	for (size_t i = 0; i < t->nctl; i++)
		stub[i] = NO_LINK;
	emit(t, KILN_OP_BR_TABLE);
	emit(t, idx);
	emit(t, n);
	for (uint32_t i = 0; i <= n; i++) {
		uint32_t depth = i < n ? krt_rd_u32_trusted(&p) : in->u.vec.dflt;
		ctl *c = label(t, depth);
		if (c->kind == CTL_FUNC || needs_moves(t, c)) {
			uint32_t at = here(t);	/* linked to the depth's stub */
			emit(t, stub[depth]);
			stub[depth] = t->oom ? stub[depth] : at;
		} else if (c->kind == CTL_LOOP) {
			emit(t, c->start);
		} else {
			emit_forward(t, c);
		}
	}
	for (uint32_t d = 0; d < t->nctl && !t->oom; d++) {
		if (stub[d] == NO_LINK)
			continue;
		patch_list(t, stub[d], here(t));
		emit_branch(t, label(t, d));
	}
	free(stub);
	t->dead = true;
	return true;
}

/* The callee's arguments and results share the slots from the first
 * argument's: call f argbase; call_indirect type table argbase index. */
static void do_call(tr *t, const kiln_instr *in)
{
	bool direct = in->op == KILN_OP_CALL;
	uint32_t type = direct ? t->m->funcs[in->u.idx].type_idx : in->u.pair.a;
	const kiln_functype *ft = &t->m->types[type];
	uint32_t idx = direct ? 0 : top(t, 1), argbase;

	t->h -= !direct;
	argbase = t->h - ft->nparams;
	materialise_from(t, argbase);
	emit(t, in->op);
	if (direct) {
		emit(t, in->u.idx);
	} else {
		emit(t, type);
		emit(t, in->u.pair.b);
	}
	emit(t, slot(t, argbase));
	if (!direct)
		emit(t, idx);
	t->h = argbase;
	push(t, ft->nresults);
}

/* Operations on the top n values, in their own slots (a result may be
 * written over the first): op slots... immediates... */
static void emit_top(tr *t, kiln_op op, uint32_t n, uint32_t nimm, uint32_t a, uint32_t b)
{
	uint32_t first = slot(t, t->h - n);

	materialise_from(t, t->h - n);
	emit(t, op);
	for (uint32_t i = 0; i < n; i++)
		emit(t, first + i);
	if (nimm > 0)
		emit(t, a);
	if (nimm > 1)
		emit(t, b);
	t->h -= n;
}

static bool has_v128(const kiln_valtype *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] == KILN_V128)
			return true;
	return false;
}

/* op dst operands... [imm]: n operands wherever they are, one result in
 * its own slot. */
static void value_op(tr *t, uint32_t op, uint32_t n, uint32_t nimm, uint32_t imm)
{
	uint32_t h = t->h - n;

	emit(t, op);
	t->last_dst = here(t);
	emit(t, slot(t, h));
	for (uint32_t i = 0; i < n; i++)
		emit(t, t->where[h + i]);
	if (nimm)
		emit(t, imm);
	t->last_end = here(t);
	t->h = h;
	push(t, 1);
}

/* local.set/tee x of the value the code just computed: the computation
 * writes x itself (it reads its operands before it writes).  Not when a
 * label lies between (the value may come from elsewhere), nor when
 * values read from x were just materialised after it. */
static bool retarget(tr *t, uint32_t x)
{
	if (t->oom || t->last_end != here(t) || t->label_at == here(t) ||
	    top(t, 1) != slot(t, t->h - 1) || t->code[t->last_dst] != top(t, 1))
		return false;
	t->code[t->last_dst] = x;
	t->last_end = NO_LINK;
	return true;
}

/* multi-memory: the interpreter addresses memory 0 (ctx->memory); a
 * function that names another is left to compiled code (tier 0), and so is
 * one that addresses a 64-bit memory (memory64: explicit bounds checks). */
static bool do_memory(tr *t, const kiln_instr *in, const kiln_op_info *info)
{
	if (in->mem != 0 || in->mem2 != 0)
		return unsupported(t, "a memory other than memory 0");
	if (info->oper != KILN_OPER_DROP && t->m->memories[0].type.index64)
		return unsupported(t, "a 64-bit memory");
	switch (info->oper) {
	case KILN_OPER_LOAD:	/* op dst addr offset */
		value_op(t, in->op, 1, 1, in->u.mem.offset);
		return true;
	case KILN_OPER_STORE:	/* op addr value offset */
		emit(t, in->op);
		emit(t, top(t, 2));
		emit(t, top(t, 1));
		emit(t, in->u.mem.offset);
		t->h -= 2;
		return true;
	case KILN_OPER_SIZE: case KILN_OPER_GROW:
		value_op(t, in->op, info->oper == KILN_OPER_GROW, 0, 0);
		return true;
	case KILN_OPER_FILL: case KILN_OPER_COPY:
		emit_top(t, in->op, 3, 0, 0, 0);
		return true;
	case KILN_OPER_INIT:
		emit_top(t, in->op, 3, 1, in->u.pair.a, 0);
		return true;
	case KILN_OPER_DROP:	/* data.drop */
		emit_top(t, in->op, 0, 1, in->u.idx, 0);
		return true;
	default:
		return unsupported(t, info->name);
	}
}

/* Table operations: their operands, then the table (and segment) indices;
 * get, size and grow leave a result in their first operand's slot. */
static bool do_table(tr *t, const kiln_instr *in)
{
	switch (in->op) {
	case KILN_OP_TABLE_GET: emit_top(t, in->op, 1, 1, in->u.idx, 0); break;
	case KILN_OP_TABLE_SET: emit_top(t, in->op, 2, 1, in->u.idx, 0); break;
	case KILN_OP_TABLE_SIZE: emit_top(t, in->op, 0, 1, in->u.idx, 0); break;
	case KILN_OP_TABLE_GROW: emit_top(t, in->op, 2, 1, in->u.idx, 0); break;
	case KILN_OP_TABLE_FILL: emit_top(t, in->op, 3, 1, in->u.idx, 0); break;
	case KILN_OP_TABLE_COPY: emit_top(t, in->op, 3, 2, in->u.pair.a, in->u.pair.b); break;
	case KILN_OP_TABLE_INIT: emit_top(t, in->op, 3, 2, in->u.pair.b, in->u.pair.a); break;
	default: emit_top(t, in->op, 0, 1, in->u.idx, 0); break;	/* elem.drop */
	}
	if (in->op == KILN_OP_TABLE_SIZE) {
		emit(t, slot(t, t->h));	/* the result slot, after the index */
		push(t, 1);
	} else if (in->op == KILN_OP_TABLE_GET || in->op == KILN_OP_TABLE_GROW) {
		push(t, 1);
	}
	return true;
}

static bool do_reference(tr *t, const kiln_instr *in)
{
	switch (in->op) {
	case KILN_OP_REF_NULL: value_op(t, in->op, 0, 0, 0); break;
	case KILN_OP_REF_IS_NULL: value_op(t, in->op, 1, 0, 0); break;
	default: value_op(t, in->op, 0, 1, in->u.idx); break;	/* ref.func */
	}
	return true;
}

static bool do_numeric(tr *t, const kiln_instr *in, const kiln_op_info *info)
{
	uint64_t v;

	switch (in->op) {
	case KILN_OP_I32_CONST: case KILN_OP_F32_CONST:
		value_op(t, IOP_CONST32, 0, 1,
			 in->op == KILN_OP_I32_CONST ? (uint32_t)in->u.i32 : in->u.f32);
		return true;
	case KILN_OP_I64_CONST: case KILN_OP_F64_CONST:
		v = in->op == KILN_OP_I64_CONST ? (uint64_t)in->u.i64 : in->u.f64;
		emit(t, IOP_CONST64);
		emit(t, slot(t, t->h));
		emit(t, (uint32_t)v);
		emit(t, (uint32_t)(v >> 32));
		push(t, 1);
		return true;
	default:	/* unary (conversions too) or binary */
		value_op(t, in->op, info->params[1] != KILN_VT_NONE ? 2 : 1, 0, 0);
		return true;
	}
}

static bool do_variable(tr *t, const kiln_instr *in)
{
	uint32_t x = in->u.idx;

	switch (in->op) {
	case KILN_OP_LOCAL_GET:	/* nothing to run: the value is the local's */
		push(t, 1);
		if (!t->oom)
			t->where[t->h - 1] = x;
		return true;
	case KILN_OP_LOCAL_SET: case KILN_OP_LOCAL_TEE:
		materialise_local(t, x);
		if (!retarget(t, x)) {
			emit(t, IOP_COPY);
			emit(t, x);
			emit(t, top(t, 1));
		}
		if (in->op == KILN_OP_LOCAL_SET)
			t->h--;
		else if (t->where[t->h - 1] == slot(t, t->h - 1))
			t->where[t->h - 1] = x;	/* the value is x's now */
		return true;
	default:
		break;
	}
	if (t->m->globals[x].type.type == KILN_V128)
		return unsupported(t, "a v128 global");
	if (in->op == KILN_OP_GLOBAL_GET) {
		value_op(t, in->op, 0, 1, x);
		return true;
	}
	emit(t, in->op);	/* global.set value g */
	emit(t, top(t, 1));
	emit(t, x);
	t->h--;
	return true;
}

static bool do_control(tr *t, const kiln_instr *in)
{
	switch (in->op) {
	case KILN_OP_NOP:
		return true;
	case KILN_OP_UNREACHABLE:
		emit(t, KILN_OP_UNREACHABLE);
		t->dead = true;
		return true;
	case KILN_OP_BLOCK: case KILN_OP_LOOP:
		return push_ctl(t, in->op == KILN_OP_BLOCK ? CTL_BLOCK : CTL_LOOP, in->u.blocktype);
	case KILN_OP_IF:
		t->h--;
		materialise_from(t, 0);
		if (!fuse_compare(t, true)) {
			emit(t, IOP_BR_UNLESS);
			emit(t, t->where[t->h]);	/* the condition */
		}
		emit(t, NO_LINK);
		if (!push_ctl(t, CTL_IF, in->u.blocktype))
			return false;
		t->ctls[t->nctl - 1].else_patch = here(t) - 1;
		return true;
	case KILN_OP_ELSE:
		do_else(t);
		return true;
	case KILN_OP_END:
		do_end(t);
		return true;
	case KILN_OP_BR:
		emit_branch(t, label(t, in->u.idx));
		t->dead = true;
		return true;
	case KILN_OP_BR_IF:
		do_br_if(t, in->u.idx);
		return true;
	case KILN_OP_BR_TABLE:
		return do_br_table(t, in);
	case KILN_OP_RETURN:
		emit_return(t);
		t->dead = true;
		return true;
	case KILN_OP_CALL: case KILN_OP_CALL_INDIRECT:
		do_call(t, in);
		return true;
	default:
		return unsupported(t, krt_op_table[in->op].name);
	}
}

static bool do_parametric(tr *t, const kiln_instr *in)
{
	if (in->op == KILN_OP_DROP) {
		t->h--;
		return true;
	}
	if (in->op == KILN_OP_SELECT_T && in->u.vec.p[0] == KILN_V128)
		return unsupported(t, "a select of v128");
	value_op(t, KILN_OP_SELECT, 3, 0, 0);	/* select dst a b cond */
	return true;
}

static bool do_instr(tr *t, const kiln_instr *in)
{
	const kiln_op_info *info = &krt_op_table[in->op];

	switch (info->family) {
	case KILN_FAM_CONTROL: return do_control(t, in);
	case KILN_FAM_PARAMETRIC: return do_parametric(t, in);
	case KILN_FAM_VARIABLE: return do_variable(t, in);
	case KILN_FAM_MEMORY: return do_memory(t, in, info);
	case KILN_FAM_TABLE: return do_table(t, in);
	case KILN_FAM_REFERENCE: return do_reference(t, in);
	case KILN_FAM_NUMERIC: return do_numeric(t, in, info);
	default: return unsupported(t, info->name);
	}
}

static bool check_signature(tr *t, const kiln_func *fn, const kiln_functype *ft)
{
	if (has_v128(ft->params, ft->nparams) || has_v128(ft->results, ft->nresults))
		return unsupported(t, "a v128 parameter or result");
	for (uint32_t i = 0; i < fn->nruns; i++)
		if (fn->runs[i].type == KILN_V128)
			return unsupported(t, "a v128 local");
	if (fn->nlocals + ft->nparams > UINT32_MAX / 4)
		return unsupported(t, "a function of this many locals");
	return true;
}

/* Calls whose callee has v128 in its signature are not run either. */
static bool check_call(tr *t, const kiln_instr *in)
{
	const kiln_functype *ft;

	if (in->op == KILN_OP_CALL)
		ft = &t->m->types[t->m->funcs[in->u.idx].type_idx];
	else if (in->op == KILN_OP_CALL_INDIRECT)
		ft = &t->m->types[in->u.pair.a];
	else
		return true;
	if (has_v128(ft->params, ft->nparams) || has_v128(ft->results, ft->nresults))
		return unsupported(t, "a call with v128 values");
	return true;
}

/* The words from here on are the instruction at `offset`'s, until the
 * next one emits any: an instruction that emitted none gives its place
 * to the next. */
static void note_offset(tr *t, uint32_t offset)
{
	if (t->nfrom > 0 && t->from[t->nfrom - 1].pc == here(t)) {
		t->from[t->nfrom - 1].offset = offset;
		return;
	}
	if (t->nfrom == t->fromcap &&
	    !krt_grow((void **)&t->from, &t->fromcap, t->nfrom + 1, sizeof *t->from)) {
		t->oom = true;
		return;
	}
	t->from[t->nfrom++] = (krt_line){here(t), offset};
}

static bool translate(tr *t, const kiln_func *fn, const kiln_functype *ft)
{
	kiln_instr in;

	if (!check_signature(t, fn, ft) || !push_ctl(t, CTL_FUNC, -64))
		return false;
	t->ctls[0].nresults = ft->nresults;
	while (t->nctl > 0) {
		if (!krt_rd_instr(&t->r, &in))
			return false;
		if (t->dead)
			skip_dead(t, in.op);
		else if (note_offset(t, (uint32_t)in.offset),
			 !check_call(t, &in) || !do_instr(t, &in))
			return false;
		if (t->oom)
			return false;
	}
	return true;
}

bool interp_translate(const kiln_module *m, uint32_t index, uint32_t flags,
		      interp_func *out, kiln_error *err)
{
	const kiln_func *fn = &m->funcs[index];
	const kiln_functype *ft = &m->types[fn->type_idx];
	tr t = {.m = m, .err = err, .last_end = NO_LINK, .label_at = NO_LINK,
		.epoch_checks = flags & KILN_CODE_EPOCH_CHECKS,
		.tier_counts = flags & KRT_INTERP_TIER_UP};
	bool ok;

	t.r = (kiln_reader){m->bytes, m->bytes + fn->body.off,
			    m->bytes + fn->body.off + fn->body.len, err};
	t.nlocals = ft->nparams + (uint32_t)fn->nlocals;
	/* An exception unwinds compiled frames only (exception.h): none of
	 * a module that uses them is interpreted. */
	if (m->uses & KILN_FEATURE_EXCEPTIONS)
		ok = unsupported(&t, "a module using exceptions");
	else
		ok = translate(&t, fn, ft);
	free(t.ctls);
	free(t.where);
	if (!ok) {
		free(t.code);
		free(t.from);
		if (t.oom)
			krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		return false;
	}
	*out = (interp_func){NULL, t.code, (uint32_t)t.ncode, ft->nparams, ft->nresults,
			     t.nlocals, t.nlocals + t.maxh, index, fn->body.len,
			     t.from, (uint32_t)t.nfrom, false};
	return true;
}

void interp_func_free(interp_func *f)
{
	free(f->code);
	free(f->where);
	f->code = NULL;
	f->where = NULL;
}
