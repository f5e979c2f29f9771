/*
 * loopver.c — finding candidates for checked loop versions (loopver.h).
 *
 * A symbolic walk of the loop body's operand stack, twice.  The first
 * walk finds the induction locals: a local the body never writes (step
 * 0), or writes once with its own value at the iteration's start plus a
 * constant.  The second walk, knowing them, gives every address as an
 * induction local plus a constant; a local that is not an induction has
 * no known value before the body writes it (it carries a value from the
 * previous iteration), and an address built from it rejects the loop.
 * Nothing here depends on LLVM: lower_loopver.c turns the result into
 * the guard and the fast copy.
 */
#include <stdlib.h>

#include "krt.h"
#include "loopver.h"

enum { SYM_UNKNOWN, SYM_CONST, SYM_IND, SYM_NE };

/* A value: unknown, a constant (c, as u32), local + c (c signed), or the
 * result of the walk's last i32.ne (c: its sequence number). */
typedef struct sym {
	uint8_t kind;
	uint32_t local;
	int64_t c;
} sym;

typedef struct slot {
	uint32_t local, writes;
	bool written;		/* in this iteration, so far */
	bool ind;		/* an induction local (after the first walk) */
	int32_t step;
	sym value;		/* the last value written */
} slot;

typedef struct add_rec {
	uint32_t instr, local;
	int64_t cin, c;
} add_rec;

#define STACK_MAX 64u

typedef struct walk {
	loopver *v;
	bool second;
	uint32_t n, nslots, nadds, instr;
	sym stack[STACK_MAX];
	slot slots[LOOPVER_MAX_LOCALS];
	add_rec adds[LOOPVER_MAX_INSTRS];
	sym ne[2];
	int64_t ne_seq;
	sym exit;		/* the br_if's condition */
} walk;

static bool push(walk *w, sym s)
{
	if (w->n == STACK_MAX)
		return false;
	w->stack[w->n++] = s;
	return true;
}

/* Validation guarantees the body's pops; an empty stack here would be
 * the enclosing code's, which a valid loop body cannot reach. */
static sym pop(walk *w)
{
	return w->n ? w->stack[--w->n] : (sym){SYM_UNKNOWN, 0, 0};
}

static slot *local_slot(walk *w, uint32_t k)
{
	for (uint32_t i = 0; i < w->nslots; i++)
		if (w->slots[i].local == k)
			return &w->slots[i];
	if (w->nslots == LOOPVER_MAX_LOCALS)
		return NULL;
	w->slots[w->nslots] = (slot){.local = k, .ind = true};
	return &w->slots[w->nslots++];
}

static bool read_local(walk *w, uint32_t k)
{
	slot *s = local_slot(w, k);

	if (!s)
		return false;
	if (s->written)
		return push(w, s->value);
	/* Before its write: the value at the iteration's start, known only
	 * for an induction local (the first walk takes every local for one). */
	if (w->second && !s->ind)
		return push(w, (sym){SYM_UNKNOWN, 0, 0});
	return push(w, (sym){SYM_IND, k, 0});
}

static bool write_local(walk *w, uint32_t k, sym v)
{
	slot *s = local_slot(w, k);

	if (!s)
		return false;
	if (w->second && s->ind && (v.kind != SYM_IND || v.local != k || v.c != s->step))
		return false;
	s->written = true;
	s->writes += !w->second;
	s->value = v;
	return true;
}

static bool small(int64_t c)
{
	return c > -LOOPVER_MAX_CONST && c < LOOPVER_MAX_CONST;
}

/* i32.add: local + c + c' stays symbolic; the adds of a constant to an
 * induction value are remembered, for `nuw`. */
static bool op_add(walk *w)
{
	sym b = pop(w), a = pop(w);

	if (a.kind == SYM_CONST && b.kind == SYM_CONST)
		return push(w, (sym){SYM_CONST, 0, (uint32_t)(a.c + b.c)});
	if (a.kind == SYM_CONST) {
		sym t = a;
		a = b, b = t;
	}
	if (a.kind != SYM_IND || b.kind != SYM_CONST)
		return push(w, (sym){SYM_UNKNOWN, 0, 0});
	int64_t c = (int32_t)(uint32_t)b.c;
	if (!small(a.c + c))
		return push(w, (sym){SYM_UNKNOWN, 0, 0});
	if (w->second)
		w->adds[w->nadds++] = (add_rec){w->instr, a.local, a.c, c};
	return push(w, (sym){SYM_IND, a.local, a.c + c});
}

static bool op_ne(walk *w)
{
	w->ne[1] = pop(w);
	w->ne[0] = pop(w);
	return push(w, (sym){SYM_NE, 0, ++w->ne_seq});
}

static loopver_group *group_of(loopver *v, uint32_t local, int32_t step)
{
	for (uint32_t g = 0; g < v->ngroups; g++)
		if (v->groups[g].local == local)
			return &v->groups[g];
	if (v->ngroups == LOOPVER_MAX_GROUPS)
		return NULL;
	v->groups[v->ngroups] = (loopver_group){local, step, INT64_MAX, INT64_MIN, false};
	return &v->groups[v->ngroups++];
}

static int32_t step_of(walk *w, uint32_t local)
{
	return local == LOOPVER_NO_LOCAL ? 0 : local_slot(w, local)->step;
}

/* A load or store at address a: the second walk records it in its group. */
static bool access(walk *w, sym a, uint32_t offset, unsigned size, bool store)
{
	loopver *v = w->v;

	if (a.kind != SYM_IND && a.kind != SYM_CONST)
		return false;
	if (!w->second)
		return true;
	uint32_t local = a.kind == SYM_IND ? a.local : LOOPVER_NO_LOCAL;
	loopver_group *g = group_of(v, local, step_of(w, local));
	if (!g || v->naccesses == LOOPVER_MAX_ACCESSES)
		return false;
	v->access_group[v->naccesses] = (uint8_t)(g - v->groups);
	v->access_c[v->naccesses++] = a.c;
	if (a.c < g->cmin)
		g->cmin = a.c;
	if (a.c + offset + size > g->cend)
		g->cend = a.c + offset + size;
	g->stores |= store;
	return true;
}

static bool op_memory(walk *w, const kiln_instr *in, const kiln_op_info *d)
{
	if (d->oper == KILN_OPER_LOAD) {
		sym a = pop(w);
		return access(w, a, in->u.mem.offset, 1u << d->arg, false) &&
		       push(w, (sym){SYM_UNKNOWN, 0, 0});
	}
	if (d->oper == KILN_OPER_STORE) {
		pop(w);
		return access(w, pop(w), in->u.mem.offset, 1u << d->arg, true);
	}
	return false;	/* memory.grow, bulk operations: not in a candidate */
}

/* Any other numeric instruction: its operands and result by type. */
static bool op_value(walk *w, const kiln_op_info *d)
{
	for (unsigned i = 0; i < 3 && d->params[i] != KILN_VT_NONE; i++)
		pop(w);
	return d->result == KILN_VT_NONE || push(w, (sym){SYM_UNKNOWN, 0, 0});
}

static bool traps(const kiln_op_info *d)
{
	bool integer = d->shape == KILN_SHAPE_I32 || d->shape == KILN_SHAPE_I64;

	return d->oper == KILN_OPER_TRUNC_TO_INT ||
	       (integer && (d->oper == KILN_OPER_DIV || d->oper == KILN_OPER_REM));
}

static bool op_numeric(walk *w, const kiln_instr *in, const kiln_op_info *d)
{
	if (traps(d))
		return false;
	if (in->op == KILN_OP_I32_CONST)
		return push(w, (sym){SYM_CONST, 0, (uint32_t)in->u.i32});
	if (in->op == KILN_OP_I32_ADD)
		return op_add(w);
	if (in->op == KILN_OP_I32_NE)
		return op_ne(w);
	return op_value(w, d);
}

static bool op_variable(walk *w, const kiln_instr *in, const kiln_op_info *d)
{
	if (d->imm != KILN_IMM_LOCAL)
		return d->oper == KILN_OPER_GET && push(w, (sym){SYM_UNKNOWN, 0, 0});
	if (d->oper == KILN_OPER_GET)
		return read_local(w, in->u.idx);
	sym s = pop(w);
	return write_local(w, in->u.idx, s) && (d->oper == KILN_OPER_SET || push(w, s));
}

static bool op_parametric(walk *w, const kiln_op_info *d)
{
	if (d->oper == KILN_OPER_DROP) {
		pop(w);
		return true;
	}
	pop(w), pop(w), pop(w);	/* select */
	return push(w, (sym){SYM_UNKNOWN, 0, 0});
}

/* One instruction of the body (not its `loop`, not the `end` after the
 * final br_if). */
static bool step(walk *w, const kiln_instr *in)
{
	const kiln_op_info *d = &krt_op_table[in->op];

	switch (d->family) {
	case KILN_FAM_CONTROL:
		if (in->op == KILN_OP_NOP)
			return true;
		if (in->op != KILN_OP_BR_IF || in->u.idx != 0)
			return false;
		w->exit = pop(w);
		return true;
	case KILN_FAM_PARAMETRIC: return op_parametric(w, d);
	case KILN_FAM_VARIABLE: return op_variable(w, in, d);
	case KILN_FAM_MEMORY:	/* the guard checks memory 0's bounds only */
		return in->mem == 0 && op_memory(w, in, d);
	case KILN_FAM_NUMERIC: return op_numeric(w, in, d);
	default: return false;	/* tables, references, SIMD */
	}
}

/* Walks the body once; true when it is straight line up to a final
 * `br_if 0` and `end`. */
static bool walk_body(walk *w, const uint8_t *p, const uint8_t *end)
{
	kiln_reader r = {p, p, end, NULL};
	kiln_instr in;

	w->n = 0;
	w->instr = 0;
	for (uint32_t i = 0; i < w->nslots; i++)
		w->slots[i].written = false;
	if (!krt_rd_instr(&r, &in) || in.op != KILN_OP_LOOP || in.u.blocktype != -64)
		return false;
	for (w->instr = 1; w->instr < LOOPVER_MAX_INSTRS; w->instr++) {
		if (!krt_rd_instr(&r, &in))
			return false;
		if (in.op == KILN_OP_END) {
			w->v->ninstrs = w->instr + 1;
			return w->exit.kind != SYM_UNKNOWN;
		}
		if (w->exit.kind != SYM_UNKNOWN || !step(w, &in))
			return false;
		if (in.op == KILN_OP_BR_IF && w->exit.kind == SYM_UNKNOWN)
			return false;
	}
	return false;
}

/* After the first walk: which written locals are inductions. */
static void classify(walk *w)
{
	for (uint32_t i = 0; i < w->nslots; i++) {
		slot *s = &w->slots[i];
		sym v = s->value;

		s->step = 0;
		s->ind = s->writes == 0 ||
			 (s->writes == 1 && v.kind == SYM_IND && v.local == s->local &&
			  v.c != 0 && small(v.c));
		if (s->writes)
			s->step = s->ind ? (int32_t)v.c : 0;
	}
}

static bool invariant(walk *w, sym s)
{
	return s.kind == SYM_CONST || (s.kind == SYM_IND && step_of(w, s.local) == 0);
}

static bool counter(walk *w, sym s)
{
	return s.kind == SYM_IND && step_of(w, s.local) != 0;
}

/* The exit: `br_if 0` on `i32.ne` of a counter and an invariant, or on
 * the counter itself (against zero). */
static bool find_exit(walk *w)
{
	loopver *v = w->v;
	sym a = w->exit, b = {SYM_CONST, 0, 0};

	if (a.kind == SYM_NE) {
		if (a.c != w->ne_seq)
			return false;
		a = w->ne[0], b = w->ne[1];
		if (!counter(w, a)) {
			sym t = a;
			a = b, b = t;
		}
	}
	if (!counter(w, a) || !invariant(w, b))
		return false;
	v->exit_local = a.local;
	v->exit_step = step_of(w, a.local);
	v->exit_c = a.c;
	v->limit_local = b.kind == SYM_IND ? b.local : LOOPVER_NO_LOCAL;
	v->limit_c = b.c;
	return true;
}

/* An add local + cin + c cannot wrap when the guard has put both its
 * operand and its result inside a group's range, which it keeps below
 * 2^32 - 1: an access at a constant no greater than cin, one ending at or
 * beyond cin + c.  This takes in the update of an address local whose
 * accesses span its step (matmul's p += 16 over p and p + 8). */
static void mark_nuw(walk *w)
{
	loopver *v = w->v;

	for (uint32_t i = 0; i < w->nadds; i++) {
		const add_rec *a = &w->adds[i];
		for (uint32_t g = 0; g < v->ngroups; g++) {
			const loopver_group *gr = &v->groups[g];
			if (gr->local == a->local && a->c >= 0 && gr->cmin <= a->cin &&
			    a->cin + a->c <= gr->cend)
				v->nuw[a->instr / 8] |= (uint8_t)(1u << (a->instr % 8));
		}
	}
}

bool loopver_find(loopver *v, const uint8_t *p, const uint8_t *end)
{
	walk *w = calloc(1, sizeof *w);
	bool ok;

	if (!w)
		return false;
	*v = (loopver){0};
	w->v = v;
	ok = walk_body(w, p, end);
	if (ok) {
		classify(w);
		w->second = true;
		w->exit = (sym){SYM_UNKNOWN, 0, 0};
		w->ne_seq = 0;
		ok = walk_body(w, p, end) && find_exit(w) && v->naccesses > 0;
	}
	if (ok)
		mark_nuw(w);
	free(w);
	return ok;
}
