/*
 * validate.c — the spec's validation algorithm (WebAssembly 2.0, SIMD
 * included) over a decoded kiln_module.
 *
 * Module-level checks come first (limits, index spaces, constant
 * expressions, exports, start), then every function body is type-checked
 * with the algorithm of the spec's appendix "Validation Algorithm": an
 * operand stack of value types, where UNKNOWN stands for the polymorphic
 * stack after an unconditional branch, and a control stack of frames.
 * Both stacks are explicit arrays grown on the heap, so nesting depth costs
 * memory proportional to the body, never C stack; every instruction is
 * looked at once, so time is linear in the size of the code.
 *
 * Instructions whose type is fixed are typed straight from opcodes.def;
 * only those marked X there are typed by hand below.
 *
 * Exception handling: try_table is a block whose catch clauses are
 * branches (typed against the labels outside it); the legacy try is a
 * block whose catch and catch_all switch it to a handler, as `else`
 * switches an `if`: a handler of `catch x` starts with the tag's payload,
 * and only a handler is a target of rethrow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krt.h"

#define UNKNOWN 0	/* the bottom type of the polymorphic stack */

enum { F_BLOCK, F_LOOP, F_IF, F_ELSE, F_FUNC, F_TRY, F_CATCH, F_CATCH_ALL };

typedef struct frame {
	uint8_t kind;
	bool unreachable;
	uint32_t nparams, nresults;
	const kiln_valtype *params, *results;
	size_t height;		/* operand stack height at entry */
	uint32_t br_stamp;	/* br_table that last checked this label */
} frame;

typedef struct validator {
	const kiln_module *m;
	kiln_error *err;
	kiln_reader r;
	size_t at;		/* offset of the instruction being checked */
	uint8_t *vals;
	size_t nvals, vals_cap;
	frame *frames;
	size_t nframes, frames_cap;
	uint32_t br_stamp;	/* counts br_table instructions */
	/* The current function. */
	const kiln_functype *type;
	const kiln_func *func;
	uint64_t *run_ends;	/* cumulative local counts, per run */
	/* Functions that may be named by ref.func in code (C.refs). */
	uint8_t *declared;
	uint8_t *written;	/* per table: an instruction may change it */
} validator;

static bool invalid(validator *v, const char *msg)
{
	return krt_fail(v->err, KILN_ERR_INVALID, v->at, "%s", msg);
}

static bool unknown(validator *v, const char *what, uint32_t index)
{
	return krt_fail(v->err, KILN_ERR_INVALID, v->at, "unknown %s %u", what,
			index);
}

static bool nomem(validator *v)
{
	return krt_fail(v->err, KILN_ERR_NOMEM, v->at, "out of memory");
}

static bool grow(validator *v, void **arr, size_t *cap, size_t n, size_t size)
{
	return krt_grow(arr, cap, n + 1, size) || nomem(v);
}

/* ---------------------------------------------------- operand stack */

static bool push(validator *v, uint8_t t)
{
	if (!grow(v, (void **)&v->vals, &v->vals_cap, v->nvals, 1))
		return false;
	v->vals[v->nvals++] = t;
	return true;
}

static bool is_ref(uint8_t t)
{
	return t == KILN_FUNCREF || t == KILN_EXTERNREF || t == KILN_EXNREF;
}

/* Pops any value into *out. */
static bool pop_any(validator *v, uint8_t *out)
{
	frame *f = &v->frames[v->nframes - 1];

	*out = UNKNOWN;		/* on every path, as label_types does */
	if (v->nvals == f->height) {
		if (f->unreachable)
			return true;
		return invalid(v, "type mismatch");
	}
	*out = v->vals[--v->nvals];
	return true;
}

static bool pop_expect(validator *v, uint8_t want)
{
	uint8_t got = UNKNOWN;

	if (!pop_any(v, &got))
		return false;
	if (got != want && got != UNKNOWN && want != UNKNOWN)
		return invalid(v, "type mismatch");
	return true;
}

/* Appends " [t1 t2 ...]" to buf[*len..cap) (UNKNOWN as "_", the
 * reference interpreter's spelling), cut short at cap. */
static void put_types(char *buf, size_t cap, size_t *len, const uint8_t *types, size_t n,
		      size_t unknowns)
{
	for (size_t i = 0; i < unknowns + n && *len < cap; i++) {
		uint8_t t = i < unknowns ? UNKNOWN : types[i - unknowns];
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s%s", i ? " " : "[",
					 t == UNKNOWN ? "_" : kiln_valtype_name((kiln_valtype)t));
	}
	if (*len < cap)
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s]", n + unknowns ? "" : "[");
}

/* The reference interpreter's "type mismatch: instruction requires [want]
 * but stack has [got]": `got` is the top of the stack as it was (height
 * h0) where `want` should have been, as many values as `want` has or the
 * frame holds, the polymorphic stack's bottom shown as "_"; for a block
 * (`instruction` false), what was left of the frame's values at its end. */
static bool mismatch(validator *v, bool instruction, const kiln_valtype *want, uint32_t n,
		     size_t h0)
{
	const frame *f = &v->frames[v->nframes - 1];
	size_t avail = h0 - f->height, k = instruction && n < avail ? n : avail;
	size_t unknowns = instruction && f->unreachable ? n - k : 0;
	uint8_t wanted[64];
	char msg[sizeof v->err->message];
	size_t len = (size_t)snprintf(msg, sizeof msg, "type mismatch: %s requires ",
				      instruction ? "instruction" : "block");

	for (uint32_t i = 0; i < n && i < sizeof wanted; i++)
		wanted[i] = (uint8_t)want[i];
	put_types(msg, sizeof msg, &len, wanted, n < sizeof wanted ? n : sizeof wanted, 0);
	if (len < sizeof msg)
		len += (size_t)snprintf(msg + len, sizeof msg - len, " but stack has ");
	/* k == 0 with no values yet: vals may be NULL (no offset from it) */
	put_types(msg, sizeof msg, &len, k ? v->vals + h0 - k : NULL, k, unknowns);
	return invalid(v, msg);
}

static bool pop_vals(validator *v, const kiln_valtype *types, uint32_t n)
{
	size_t h0 = v->nvals;

	for (uint32_t i = n; i-- > 0;)
		if (!pop_expect(v, types[i]))
			return mismatch(v, true, types, n, h0);
	return true;
}

static bool push_vals(validator *v, const kiln_valtype *types, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!push(v, types[i]))
			return false;
	return true;
}

/* ---------------------------------------------------- control stack */

static void set_unreachable(validator *v)
{
	frame *f = &v->frames[v->nframes - 1];

	v->nvals = f->height;
	f->unreachable = true;
}

/* A one-element type list for a block type `[] -> [t]`, in static storage
 * so that frames can move when the control stack grows. */
static const kiln_valtype *one_type(uint8_t t)
{
	static const kiln_valtype all[] = {
		KILN_I32, KILN_I64, KILN_F32, KILN_F64, KILN_V128,
		KILN_FUNCREF, KILN_EXTERNREF, KILN_EXNREF,
	};

	for (size_t i = 0; i < KILN_ARRAY_LEN(all); i++)
		if (all[i] == t)
			return &all[i];
	return &all[0];	/* unreachable: the decoder admits only these */
}

/* Fills the frame's signature from a block type. */
static bool block_sig(validator *v, int64_t bt, frame *f)
{
	if (bt == -64) {
		f->nparams = f->nresults = 0;
	} else if (bt < 0) {
		f->nparams = 0;
		f->nresults = 1;
		f->results = one_type((uint8_t)(bt + 0x80));
	} else {
		const kiln_functype *ft;
		if ((uint64_t)bt >= v->m->ntypes)
			return unknown(v, "type", (uint32_t)bt);
		ft = &v->m->types[bt];
		f->nparams = ft->nparams;
		f->params = ft->params;
		f->nresults = ft->nresults;
		f->results = ft->results;
	}
	return true;
}

static bool push_frame(validator *v, uint8_t kind, const frame *sig)
{
	frame *f;

	if (!grow(v, (void **)&v->frames, &v->frames_cap, v->nframes, sizeof *f))
		return false;
	f = &v->frames[v->nframes++];
	*f = *sig;
	f->kind = kind;
	f->unreachable = false;
	f->height = v->nvals;
	f->br_stamp = 0;
	return push_vals(v, f->params, f->nparams);
}

/* The types a branch to label `depth` carries. */
static bool label_types(validator *v, uint32_t depth, const kiln_valtype **types,
			uint32_t *n)
{
	frame *f;

	/* Outputs are written on every path, so callers never read an
	 * unset value (gcc -O3 cannot see that unknown() returns false). */
	*types = NULL;
	*n = 0;
	if (depth >= v->nframes)
		return unknown(v, "label", depth);
	f = &v->frames[v->nframes - 1 - depth];
	if (f->kind == F_LOOP) {
		*types = f->params;
		*n = f->nparams;
	} else {
		*types = f->results;
		*n = f->nresults;
	}
	return true;
}

/* A block's results end it, and nothing else may be left. */
static bool pop_results(validator *v, const frame *f)
{
	size_t h0 = v->nvals;

	if (!pop_vals(v, f->results, f->nresults))
		return false;
	return v->nvals == f->height || mismatch(v, false, f->results, f->nresults, h0);
}

static bool end_frame(validator *v)
{
	frame *f = &v->frames[v->nframes - 1];

	if (!pop_results(v, f))
		return false;
	/* An `if` without `else` passes its params through as results. */
	if (f->kind == F_IF &&
	    (f->nparams != f->nresults ||
	     (f->nparams > 0 &&
	      memcmp(f->params, f->results, f->nparams * sizeof *f->params) != 0)))
		return invalid(v, "type mismatch");
	v->nframes--;
	return push_vals(v, f->results, f->nresults);
}

/* ------------------------------------------------------- control ops */

static bool check_block(validator *v, const kiln_instr *in)
{
	frame sig = {0};

	if (!block_sig(v, in->u.blocktype, &sig))
		return false;
	if (in->op == KILN_OP_IF && !pop_expect(v, KILN_I32))
		return false;
	if (!pop_vals(v, sig.params, sig.nparams))
		return false;
	return push_frame(v, in->op == KILN_OP_LOOP ? F_LOOP
			     : in->op == KILN_OP_IF ? F_IF
			     : in->op == KILN_OP_TRY ? F_TRY : F_BLOCK, &sig);
}

static bool check_else(validator *v)
{
	frame *f = &v->frames[v->nframes - 1];

	if (f->kind != F_IF)
		return invalid(v, "else without if");
	if (!pop_results(v, f))
		return false;
	f->kind = F_ELSE;
	f->unreachable = false;
	return push_vals(v, f->params, f->nparams);
}

static bool check_br(validator *v, const kiln_instr *in)
{
	const kiln_valtype *types;
	uint32_t n;

	if (in->op == KILN_OP_BR_IF && !pop_expect(v, KILN_I32))
		return false;
	if (!label_types(v, in->u.idx, &types, &n) || !pop_vals(v, types, n))
		return false;
	if (in->op == KILN_OP_BR_IF)
		return push_vals(v, types, n);
	set_unreachable(v);
	return true;
}

/* Pops then re-pushes `types`: checks the stack top without consuming it. */
static bool peek_vals(validator *v, const kiln_valtype *types, uint32_t n)
{
	size_t h = v->nvals;
	kiln_valtype got[64], *buf = got;
	bool ok = false;

	if (n > KILN_ARRAY_LEN(got) && !(buf = krt_calloc(n, sizeof *buf)))
		return nomem(v);
	for (uint32_t i = n; i-- > 0;) {
		if (!pop_expect(v, types[i]))
			goto out;
		/* Keep what was really there (UNKNOWN stays UNKNOWN). */
		buf[i] = v->nvals < h ? (kiln_valtype)v->vals[v->nvals] : UNKNOWN;
	}
	ok = push_vals(v, buf, n);
out:
	if (buf != got)
		free(buf);
	return ok;
}

static bool check_br_table(validator *v, const kiln_instr *in)
{
	const kiln_valtype *types;
	const uint8_t *p = in->u.vec.p;
	uint32_t arity, n;

	if (!pop_expect(v, KILN_I32))
		return false;
	if (!label_types(v, in->u.vec.dflt, &types, &arity))
		return false;
	/* Checking a label leaves the stack as it was, so each distinct
	 * label is checked once: a long table costs its length, not its
	 * length times the labels' arity. */
	v->br_stamp++;
	for (uint32_t i = 0; i < in->u.vec.n; i++) {
		uint32_t label = krt_rd_u32_trusted(&p);
		frame *f;
		if (!label_types(v, label, &types, &n))
			return false;
		if (n != arity)
			return invalid(v, "type mismatch");
		f = &v->frames[v->nframes - 1 - label];
		if (f->br_stamp == v->br_stamp)
			continue;
		f->br_stamp = v->br_stamp;
		if (!peek_vals(v, types, n))
			return false;
	}
	label_types(v, in->u.vec.dflt, &types, &arity);
	if (!pop_vals(v, types, arity))
		return false;
	set_unreachable(v);
	return true;
}

static bool check_call(validator *v, const kiln_functype *ft)
{
	return pop_vals(v, ft->params, ft->nparams) &&
	       push_vals(v, ft->results, ft->nresults);
}

static bool check_call_indirect(validator *v, const kiln_instr *in)
{
	uint32_t type = in->u.pair.a, table = in->u.pair.b;

	if (table >= v->m->ntables)
		return unknown(v, "table", table);
	if (v->m->tables[table].type.elem != KILN_FUNCREF)
		return invalid(v, "type mismatch");
	if (type >= v->m->ntypes)
		return unknown(v, "type", type);
	return pop_expect(v, KILN_I32) && check_call(v, &v->m->types[type]);
}

/* return_call, return_call_indirect: the call, whose results must be this
 * function's, then a return. */
static bool check_return_call(validator *v, const kiln_instr *in)
{
	const kiln_functype *ft, *own = v->type;

	if (in->op == KILN_OP_RETURN_CALL) {
		if (in->u.idx >= v->m->nfuncs)
			return unknown(v, "function", in->u.idx);
		ft = &v->m->types[v->m->funcs[in->u.idx].type_idx];
		if (!check_call(v, ft))
			return false;
	} else {
		if (!check_call_indirect(v, in))
			return false;
		ft = &v->m->types[in->u.pair.a];
	}
	if (ft->nresults != own->nresults ||
	    (ft->nresults && memcmp(ft->results, own->results,
				    ft->nresults * sizeof *ft->results)))
		return invalid(v, "type mismatch");
	if (!pop_vals(v, ft->results, ft->nresults))
		return false;
	set_unreachable(v);
	return true;
}

/* ---------------------------------------------- exception handling */

static const kiln_functype *tag_type(validator *v, uint32_t idx)
{
	if (idx >= v->m->ntags) {
		unknown(v, "tag", idx);
		return NULL;
	}
	return &v->m->types[v->m->tags[idx].type_idx];
}

/* catch x / catch_all: the try (or the previous handler) ends as a block
 * does, and a handler starts, with the tag's payload (catch x) or nothing. */
static bool check_catch(validator *v, const kiln_instr *in)
{
	frame *f = &v->frames[v->nframes - 1];
	const kiln_functype *ft = NULL;

	if (f->kind != F_TRY && f->kind != F_CATCH)
		return invalid(v, "catch without try");
	if (in->op == KILN_OP_CATCH && !(ft = tag_type(v, in->u.idx)))
		return false;
	if (!pop_results(v, f))
		return false;
	f->kind = ft ? F_CATCH : F_CATCH_ALL;
	f->unreachable = false;
	return ft == NULL || push_vals(v, ft->params, ft->nparams);
}

/* delegate l: ends a try before any handler; l counts from outside it and
 * may name the function's frame. */
static bool check_delegate(validator *v, const kiln_instr *in)
{
	if (v->frames[v->nframes - 1].kind != F_TRY)
		return invalid(v, "delegate without try");
	if (in->u.idx >= v->nframes - 1)
		return unknown(v, "label", in->u.idx);
	return end_frame(v);
}

static bool check_rethrow(validator *v, const kiln_instr *in)
{
	uint8_t kind;

	if (in->u.idx >= v->nframes)
		return unknown(v, "label", in->u.idx);
	kind = v->frames[v->nframes - 1 - in->u.idx].kind;
	if (kind != F_CATCH && kind != F_CATCH_ALL)
		return invalid(v, "invalid rethrow label");
	set_unreachable(v);
	return true;
}

static bool check_throw(validator *v, const kiln_instr *in)
{
	const kiln_functype *ft;

	if (in->op == KILN_OP_THROW_REF) {
		if (!pop_expect(v, KILN_EXNREF))
			return false;
	} else if (!(ft = tag_type(v, in->u.idx)) || !pop_vals(v, ft->params, ft->nparams)) {
		return false;
	}
	set_unreachable(v);
	return true;
}

/* Whether label `depth`'s types are exactly `types` then, when `ref`, an
 * exnref: what a catch clause hands its label. */
static bool label_takes(validator *v, uint32_t depth, const kiln_valtype *types,
			uint32_t n, bool ref)
{
	const kiln_valtype *want;
	uint32_t nwant;

	if (!label_types(v, depth, &want, &nwant))
		return false;
	if (nwant != n + ref ||
	    (n && memcmp(want, types, n * sizeof *types) != 0) ||
	    (ref && want[n] != KILN_EXNREF))
		return invalid(v, "type mismatch in catch clause");
	return true;
}

/* try_table: each clause names a tag (catch, catch_ref) and a label outside
 * the try_table, which must take what the clause hands it. */
static bool check_try_table(validator *v, const kiln_instr *in)
{
	kiln_reader r = {v->m->bytes, in->u.tt.p, v->r.end, v->err};
	const kiln_functype *ft;
	kiln_catch c;
	frame sig = {0};

	if (!block_sig(v, in->u.tt.blocktype, &sig))
		return false;
	for (uint32_t i = 0; i < in->u.tt.n; i++) {
		if (!krt_rd_catch(&r, &c))
			return false;
		if (c.kind >= KILN_CATCH_ALL) {
			if (!label_takes(v, c.label, NULL, 0, c.kind == KILN_CATCH_ALL_REF))
				return false;
		} else if (!(ft = tag_type(v, c.tag)) ||
			   !label_takes(v, c.label, ft->params, ft->nparams,
					c.kind == KILN_CATCH_REF)) {
			return false;
		}
	}
	if (!pop_vals(v, sig.params, sig.nparams))
		return false;
	return push_frame(v, F_BLOCK, &sig);
}

/* ------------------------------------------------------ variables */

static bool local_type(validator *v, uint32_t idx, uint8_t *out)
{
	const kiln_functype *ft = v->type;
	uint64_t i;
	uint32_t lo = 0, hi;

	if (idx < ft->nparams) {
		*out = (uint8_t)ft->params[idx];
		return true;
	}
	i = (uint64_t)idx - ft->nparams;
	if (i >= v->func->nlocals)
		return unknown(v, "local", idx);
	/* The first run whose cumulative end lies past i. */
	hi = v->func->nruns;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v->run_ends[mid] <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = v->func->runs[lo].type;
	return true;
}

static bool check_local(validator *v, const kiln_instr *in)
{
	uint8_t t = UNKNOWN;

	if (!local_type(v, in->u.idx, &t))
		return false;
	switch (in->op) {
	case KILN_OP_LOCAL_GET: return push(v, t);
	case KILN_OP_LOCAL_SET: return pop_expect(v, t);
	default: return pop_expect(v, t) && push(v, t);
	}
}

static bool check_global(validator *v, const kiln_instr *in)
{
	const kiln_global *g;

	if (in->u.idx >= v->m->nglobals)
		return unknown(v, "global", in->u.idx);
	g = &v->m->globals[in->u.idx];
	if (in->op == KILN_OP_GLOBAL_GET)
		return push(v, g->type.type);
	if (!g->type.mutable_)
		return invalid(v, "global is immutable");
	return pop_expect(v, g->type.type);
}

/* ------------------------------------------------ references, tables */

static bool table_elem(validator *v, uint32_t table, uint8_t *out)
{
	if (table >= v->m->ntables)
		return unknown(v, "table", table);
	*out = v->m->tables[table].type.elem;
	return true;
}

static bool check_table(validator *v, const kiln_instr *in)
{
	uint8_t t = UNKNOWN;

	if (!table_elem(v, in->u.idx, &t))
		return false;
	if (in->op != KILN_OP_TABLE_GET)
		v->written[in->u.idx] = 1;
	switch (in->op) {
	case KILN_OP_TABLE_GET:
		return pop_expect(v, KILN_I32) && push(v, t);
	case KILN_OP_TABLE_SET:
		return pop_expect(v, t) && pop_expect(v, KILN_I32);
	case KILN_OP_TABLE_GROW:
		return pop_expect(v, KILN_I32) && pop_expect(v, t) &&
		       push(v, KILN_I32);
	default: /* table.fill */
		return pop_expect(v, KILN_I32) && pop_expect(v, t) &&
		       pop_expect(v, KILN_I32);
	}
}

static bool check_ref(validator *v, const kiln_instr *in)
{
	uint8_t t = UNKNOWN;

	switch (in->op) {
	case KILN_OP_REF_NULL:
		return push(v, in->u.reftype);
	case KILN_OP_REF_IS_NULL:
		if (!pop_any(v, &t))
			return false;
		if (t != UNKNOWN && !is_ref(t))
			return invalid(v, "type mismatch");
		return push(v, KILN_I32);
	default: /* ref.func */
		if (in->u.idx >= v->m->nfuncs)
			return unknown(v, "function", in->u.idx);
		if (v->declared && !v->declared[in->u.idx])
			return invalid(v, "undeclared function reference");
		return push(v, KILN_FUNCREF);
	}
}

static bool check_select(validator *v, const kiln_instr *in)
{
	uint8_t t1, t2;

	if (in->op == KILN_OP_SELECT_T) {
		if (in->u.vec.n != 1)
			return invalid(v, "invalid result arity");
		t1 = in->u.vec.p[0];
		return pop_expect(v, KILN_I32) && pop_expect(v, t1) &&
		       pop_expect(v, t1) && push(v, t1);
	}
	if (!pop_expect(v, KILN_I32) || !pop_any(v, &t1) || !pop_any(v, &t2))
		return false;
	if (is_ref(t1) || is_ref(t2))
		return invalid(v, "type mismatch");
	if (t1 != UNKNOWN && t2 != UNKNOWN && t1 != t2)
		return invalid(v, "type mismatch");
	return push(v, t1 == UNKNOWN ? t2 : t1);
}

/* ---------------------------------------- immediates of fixed-type ops */

/* memory64: the type of a memory's addresses (and sizes, lengths). */
static uint8_t mem_addr_type(const kiln_module *m, uint32_t idx)
{
	return m->memories[idx].type.index64 ? KILN_I64 : KILN_I32;
}

static bool need_memory(validator *v, uint32_t idx)
{
	return idx < v->m->nmemories ? true : unknown(v, "memory", idx);
}

static bool need_data(validator *v, uint32_t idx)
{
	return idx < v->m->data_count ? true : unknown(v, "data segment", idx);
}

static bool need_elem(validator *v, uint32_t idx)
{
	return idx < v->m->nelems ? true : unknown(v, "elem segment", idx);
}

static bool check_memarg(validator *v, const kiln_instr *in, uint8_t natural)
{
	if (in->mem_explicit && !v->m->multi_memory)	/* 2.0: alignment >= 64 */
		return invalid(v, "alignment must not be larger than natural");
	if (!need_memory(v, in->mem))
		return false;
	if (in->u.mem.align > natural)
		return invalid(v, "alignment must not be larger than natural");
	/* A 32-bit memory's offset is a u32 (decoded as a u64 with memory64). */
	if (!v->m->memories[in->mem].type.index64 && in->u.mem.offset > UINT32_MAX)
		return invalid(v, "offset out of range");
	/* Atomics (threads): exactly natural; a misaligned address traps. */
	if (krt_op_table[in->op].family == KILN_FAM_ATOMIC && in->u.mem.align != natural)
		return invalid(v, "atomic alignment must be natural");
	return true;
}

static bool check_lane(validator *v, uint8_t lane, uint8_t lanes)
{
	return lane < lanes ? true : invalid(v, "invalid lane index");
}

static bool check_table_pair(validator *v, uint32_t a, uint32_t b_elem_or_table,
			     bool second_is_elem)
{
	uint8_t ta = UNKNOWN, tb = UNKNOWN;

	if (second_is_elem) {
		/* table.init elem table: immediates are (elem, table). */
		if (!table_elem(v, b_elem_or_table, &ta) || !need_elem(v, a))
			return false;
		tb = v->m->elems[a].type;
		v->written[b_elem_or_table] = 1;
	} else if (!table_elem(v, a, &ta) || !table_elem(v, b_elem_or_table, &tb)) {
		return false;
	} else {
		v->written[a] = 1;	/* table.copy dst src */
	}
	return ta == tb ? true : invalid(v, "type mismatch");
}

static bool check_imm(validator *v, const kiln_instr *in)
{
	const kiln_op_info *info = &krt_op_table[in->op];

	switch ((kiln_imm)info->imm) {
	case KILN_IMM_MEMARG:
		return check_memarg(v, in, info->arg);
	case KILN_IMM_MEMARG_LANE:
		return check_memarg(v, in, info->arg) &&
		       check_lane(v, in->u.mem.lane, (uint8_t)(16 >> info->arg));
	case KILN_IMM_LANE:
		return check_lane(v, in->u.lane, info->arg);
	case KILN_IMM_SHUFFLE:
		for (int i = 0; i < 16; i++)
			if (!check_lane(v, in->u.bytes[i], 32))
				return false;
		return true;
	case KILN_IMM_MEMIDX:
		return need_memory(v, in->mem);
	case KILN_IMM_MEMORY_COPY:
		return need_memory(v, in->mem) && need_memory(v, in->mem2);
	case KILN_IMM_FENCE:
		return true;
	case KILN_IMM_MEMORY_INIT:
		return need_memory(v, in->mem) && need_data(v, in->u.pair.a);
	case KILN_IMM_DATA:
		return need_data(v, in->u.idx);
	case KILN_IMM_ELEM:
		return need_elem(v, in->u.idx);
	case KILN_IMM_TABLE:	/* table.size */
		return in->u.idx < v->m->ntables ? true
						  : unknown(v, "table", in->u.idx);
	case KILN_IMM_TABLE_INIT:
		return check_table_pair(v, in->u.pair.a, in->u.pair.b, true);
	case KILN_IMM_TABLE_COPY:
		return check_table_pair(v, in->u.pair.a, in->u.pair.b, false);
	default:
		return true;
	}
}

/* memory64: the operand types of a memory instruction on its memories'
 * address types (the table's say i32: a 32-bit memory).  memory.copy's
 * length is i64 only when both memories are 64-bit. */
static void memory_types(const kiln_module *m, const kiln_instr *in, uint8_t p[3],
			 uint8_t *result)
{
	const kiln_op_info *info = &krt_op_table[in->op];
	uint8_t at = mem_addr_type(m, in->mem);

	switch ((kiln_imm)info->imm) {
	case KILN_IMM_MEMARG:
	case KILN_IMM_MEMARG_LANE:
	case KILN_IMM_MEMORY_INIT:
		p[0] = at;
		break;
	case KILN_IMM_MEMORY_COPY: {
		uint8_t src = mem_addr_type(m, in->mem2);
		p[0] = at;
		p[1] = src;
		p[2] = at == KILN_I64 && src == KILN_I64 ? KILN_I64 : KILN_I32;
		break;
	}
	case KILN_IMM_MEMIDX:
		if (in->op == KILN_OP_MEMORY_FILL) {
			p[0] = p[2] = at;
		} else {	/* memory.size, memory.grow */
			if (p[0] != KILN_VT_NONE)
				p[0] = at;
			*result = at;
		}
		break;
	default:
		break;
	}
}

static bool check_fixed(validator *v, const kiln_instr *in)
{
	const kiln_op_info *info = &krt_op_table[in->op];
	uint8_t p[3] = {info->params[0], info->params[1], info->params[2]};
	uint8_t result = info->result;
	kiln_valtype want[3];
	uint32_t n = 0;

	if (!check_imm(v, in))
		return false;
	if (info->imm == KILN_IMM_MEMARG || info->imm == KILN_IMM_MEMARG_LANE ||
	    info->imm == KILN_IMM_MEMIDX || info->imm == KILN_IMM_MEMORY_COPY ||
	    info->imm == KILN_IMM_MEMORY_INIT)
		memory_types(v->m, in, p, &result);
	for (int i = 0; i < 3; i++)
		if (p[i] != KILN_VT_NONE)
			want[n++] = (kiln_valtype)p[i];
	if (!pop_vals(v, want, n))
		return false;
	return result == KILN_VT_NONE ? true : push(v, result);
}

/* ------------------------------------------------------ one instruction */

static bool check_instr(validator *v, const kiln_instr *in)
{
	switch (in->op) {
	case KILN_OP_UNREACHABLE: set_unreachable(v); return true;
	case KILN_OP_BLOCK:
	case KILN_OP_LOOP:
	case KILN_OP_IF:
	case KILN_OP_TRY: return check_block(v, in);
	case KILN_OP_ELSE: return check_else(v);
	case KILN_OP_CATCH:
	case KILN_OP_CATCH_ALL: return check_catch(v, in);
	case KILN_OP_DELEGATE: return check_delegate(v, in);
	case KILN_OP_RETHROW: return check_rethrow(v, in);
	case KILN_OP_THROW:
	case KILN_OP_THROW_REF: return check_throw(v, in);
	case KILN_OP_TRY_TABLE: return check_try_table(v, in);
	case KILN_OP_END: return end_frame(v);
	case KILN_OP_BR:
	case KILN_OP_BR_IF: return check_br(v, in);
	case KILN_OP_BR_TABLE: return check_br_table(v, in);
	case KILN_OP_RETURN:
		if (!pop_vals(v, v->type->results, v->type->nresults))
			return false;
		set_unreachable(v);
		return true;
	case KILN_OP_CALL:
		if (in->u.idx >= v->m->nfuncs)
			return unknown(v, "function", in->u.idx);
		return check_call(v, &v->m->types[v->m->funcs[in->u.idx].type_idx]);
	case KILN_OP_CALL_INDIRECT: return check_call_indirect(v, in);
	case KILN_OP_RETURN_CALL:
	case KILN_OP_RETURN_CALL_INDIRECT: return check_return_call(v, in);
	case KILN_OP_DROP: {
		uint8_t t;
		return pop_any(v, &t);
	}
	case KILN_OP_SELECT:
	case KILN_OP_SELECT_T: return check_select(v, in);
	case KILN_OP_LOCAL_GET:
	case KILN_OP_LOCAL_SET:
	case KILN_OP_LOCAL_TEE: return check_local(v, in);
	case KILN_OP_GLOBAL_GET:
	case KILN_OP_GLOBAL_SET: return check_global(v, in);
	case KILN_OP_TABLE_GET:
	case KILN_OP_TABLE_SET:
	case KILN_OP_TABLE_GROW:
	case KILN_OP_TABLE_FILL: return check_table(v, in);
	case KILN_OP_REF_NULL:
	case KILN_OP_REF_IS_NULL:
	case KILN_OP_REF_FUNC: return check_ref(v, in);
	default: return check_fixed(v, in);
	}
}

static bool check_body(validator *v, uint32_t fidx)
{
	const kiln_module *m = v->m;
	frame sig = {0};
	kiln_instr in;

	v->func = &m->funcs[fidx];
	v->type = &m->types[v->func->type_idx];
	free(v->run_ends);
	if (!(v->run_ends = krt_calloc(v->func->nruns, sizeof *v->run_ends)))
		return nomem(v);
	for (uint32_t i = 0; i < v->func->nruns; i++)
		v->run_ends[i] = (i ? v->run_ends[i - 1] : 0) + v->func->runs[i].count;
	v->nvals = v->nframes = 0;
	sig.nresults = v->type->nresults;
	sig.results = v->type->results;
	if (!push_frame(v, F_FUNC, &sig))
		return false;
	v->r.p = m->bytes + v->func->body.off;
	v->r.end = v->r.p + v->func->body.len;
	while (v->nframes > 0) {
		if (!krt_rd_instr(&v->r, &in))
			return false;
		v->at = in.offset;
		if (!check_instr(v, &in))
			return false;
	}
	return true;
}

/* ------------------------------------------------- constant expressions */

/* An extended constant's i32/i64 add, sub or mul (with the proposal):
 * pops two of its type from the constant's stack st[0..*n). */
static bool const_arith(validator *v, const kiln_instr *in, uint8_t *st, uint32_t *n)
{
	uint8_t t = krt_op_table[in->op].params[0];

	if (!(v->m->features & KILN_FEATURE_EXTENDED_CONST))
		return invalid(v, "constant expression required");
	if (*n < 2 || st[*n - 1] != t || st[*n - 2] != t)
		return invalid(v, "type mismatch");
	*n -= 2;
	return true;
}

/* *t: the type one instruction of a constant pushes, after
 * const_arith's pops for an operation. */
static bool const_type(validator *v, const kiln_instr *in, uint32_t nglobals,
		       uint8_t *st, uint32_t *n, uint8_t *t)
{
	const kiln_global *g;

	switch (in->op) {
	case KILN_OP_I32_CONST: *t = KILN_I32; return true;
	case KILN_OP_I64_CONST: *t = KILN_I64; return true;
	case KILN_OP_F32_CONST: *t = KILN_F32; return true;
	case KILN_OP_F64_CONST: *t = KILN_F64; return true;
	case KILN_OP_V128_CONST: *t = KILN_V128; return true;
	case KILN_OP_REF_NULL: *t = in->u.reftype; return true;
	case KILN_OP_REF_FUNC:
		*t = KILN_FUNCREF;
		return in->u.idx < v->m->nfuncs || unknown(v, "function", in->u.idx);
	case KILN_OP_GLOBAL_GET:
		if (in->u.idx >= nglobals)
			return unknown(v, "global", in->u.idx);
		g = &v->m->globals[in->u.idx];
		*t = g->type.type;
		return !g->type.mutable_ || invalid(v, "constant expression required");
	case KILN_OP_I32_ADD: case KILN_OP_I32_SUB: case KILN_OP_I32_MUL:
	case KILN_OP_I64_ADD: case KILN_OP_I64_SUB: case KILN_OP_I64_MUL:
		*t = krt_op_table[in->op].result;
		return const_arith(v, in, st, n);
	default:
		return invalid(v, "constant expression required");
	}
}

/* Validates a constant expression producing one `want`.  Only imported
 * globals are visible to it (`nglobals`), and they must be immutable.
 * Its stack holds at most as many types as it has instructions. */
static bool check_const(validator *v, kiln_range expr, uint8_t want,
			uint32_t nglobals)
{
	kiln_reader r = {v->m->bytes, v->m->bytes + expr.off,
			 v->m->bytes + expr.off + expr.len, v->err};
	uint8_t small[16], *st = expr.len <= sizeof small ? small : malloc(expr.len);
	kiln_instr in;
	uint32_t n = 0;
	uint8_t t = UNKNOWN;
	bool ok = false;

	if (st == NULL)
		return krt_fail(v->err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	while (krt_rd_instr(&r, &in)) {
		v->at = in.offset;
		if (in.op == KILN_OP_END) {
			ok = n == 1 && st[0] == want ? true : invalid(v, "type mismatch");
			break;
		}
		if (!const_type(v, &in, nglobals, st, &n, &t))
			break;
		st[n++] = t;
	}
	if (st != small)
		free(st);
	return ok;
}

/* ------------------------------------------------------------- module */

static bool check_limits(validator *v, const kiln_limits *l, uint64_t range,
			 const char *msg)
{
	if (l->min > range || (l->has_max && l->max > range))
		return invalid(v, msg);
	if (l->has_max && l->min > l->max)
		return invalid(v, "size minimum must not be greater than maximum");
	return true;
}

static bool check_entities(validator *v)
{
	const kiln_module *m = v->m;

	for (uint32_t i = 0; i < m->nfuncs; i++)
		if (m->funcs[i].type_idx >= m->ntypes)
			return unknown(v, "type", m->funcs[i].type_idx);
	for (uint32_t i = 0; i < m->ntags; i++) {
		if (m->tags[i].type_idx >= m->ntypes)
			return unknown(v, "type", m->tags[i].type_idx);
		if (m->types[m->tags[i].type_idx].nresults != 0)
			return invalid(v, "non-empty tag result type");
	}
	if (m->no_reference_types && m->ntables > 1)
		return invalid(v, "multiple tables");
	for (uint32_t i = 0; i < m->ntables; i++)
		if (!check_limits(v, &m->tables[i].type.limits, UINT32_MAX,
				  "table size must be at most 2^32-1"))
			return false;
	if (m->nmemories > 1 && !m->multi_memory)
		return invalid(v, "multiple memories");
	for (uint32_t i = 0; i < m->nmemories; i++) {
		if (m->memories[i].type.index64
			    ? !check_limits(v, &m->memories[i].type.limits, 1ull << 48,
					    "memory size must be at most 2^48 pages (256 TiB)")
			    : !check_limits(v, &m->memories[i].type.limits, 65536,
					    "memory size must be at most 65536 pages (4GiB)"))
			return false;
		if (m->memories[i].type.shared && !m->memories[i].type.limits.has_max)
			return invalid(v, "shared memory must have maximum");
	}
	for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
		if (!check_const(v, m->globals[i].init, m->globals[i].type.type,
				 m->nimported_globals))
			return false;
	return true;
}

static bool check_elem(validator *v, const kiln_elem *e)
{
	const kiln_module *m = v->m;

	if (e->mode == KILN_SEG_ACTIVE) {
		if (e->table >= m->ntables)
			return unknown(v, "table", e->table);
		if (!check_const(v, e->offset, KILN_I32, m->nimported_globals))
			return false;
		if (m->tables[e->table].type.elem != e->type)
			return invalid(v, "type mismatch");
	}
	for (uint32_t i = 0; i < e->count; i++) {
		if (e->funcs && e->funcs[i] >= m->nfuncs)
			return unknown(v, "function", e->funcs[i]);
		if (e->exprs && !check_const(v, e->exprs[i], e->type,
					     m->nimported_globals))
			return false;
	}
	return true;
}

static bool check_segments(validator *v)
{
	const kiln_module *m = v->m;

	for (uint32_t i = 0; i < m->nelems; i++)
		if (!check_elem(v, &m->elems[i]))
			return false;
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const kiln_data *d = &m->datas[i];
		if (d->mode != KILN_SEG_ACTIVE)
			continue;
		if (d->memory >= m->nmemories)
			return unknown(v, "memory", d->memory);
		if (!check_const(v, d->offset, mem_addr_type(m, d->memory),
				 m->nimported_globals))
			return false;
	}
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	const kiln_export *x = *(const kiln_export *const *)a;
	const kiln_export *y = *(const kiln_export *const *)b;
	size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
	int c = memcmp(x->name.data, y->name.data, n);

	if (c != 0)
		return c;
	return (x->name.len > y->name.len) - (x->name.len < y->name.len);
}

static bool check_export_names(validator *v)
{
	const kiln_module *m = v->m;
	const kiln_export **sorted;
	bool ok = true;

	if (!(sorted = krt_calloc(m->nexports, sizeof *sorted)))
		return nomem(v);
	for (uint32_t i = 0; i < m->nexports; i++)
		sorted[i] = &m->exports[i];
	qsort(sorted, m->nexports, sizeof *sorted, cmp_names);
	for (uint32_t i = 1; i < m->nexports && ok; i++)
		if (cmp_names(&sorted[i - 1], &sorted[i]) == 0)
			ok = invalid(v, "duplicate export name");
	free(sorted);
	return ok;
}

static bool check_exports(validator *v)
{
	static const char *const what[] = {"function", "table", "memory", "global", "tag"};
	const kiln_module *m = v->m;
	const uint32_t count[] = {m->nfuncs, m->ntables, m->nmemories, m->nglobals, m->ntags};

	for (uint32_t i = 0; i < m->nexports; i++) {
		const kiln_export *e = &m->exports[i];
		if (e->index >= count[e->kind])
			return unknown(v, what[e->kind], e->index);
	}
	if (!check_export_names(v))
		return false;
	if (m->has_start) {
		const kiln_functype *ft;
		if (m->start >= m->nfuncs)
			return unknown(v, "function", m->start);
		ft = &m->types[m->funcs[m->start].type_idx];
		if (ft->nparams != 0 || ft->nresults != 0)
			return invalid(v, "start function");
	}
	return true;
}

/* Marks ref.func targets in a constant expression as declared. */
static void declare_in_expr(validator *v, kiln_range expr)
{
	kiln_error ignored;
	kiln_reader r = {v->m->bytes, v->m->bytes + expr.off,
			 v->m->bytes + expr.off + expr.len, &ignored};
	kiln_instr in;

	while (!rd_eof(&r) && krt_rd_instr(&r, &in))
		if (in.op == KILN_OP_REF_FUNC && in.u.idx < v->m->nfuncs)
			v->declared[in.u.idx] = 1;
}

/* C.refs: functions named in element segments, exports or global
 * initialisers may be referenced by ref.func in code. */
static bool collect_refs(validator *v)
{
	const kiln_module *m = v->m;

	if (!(v->declared = krt_calloc(m->nfuncs, 1)))
		return nomem(v);
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == KILN_EXTERN_FUNC)
			v->declared[m->exports[i].index] = 1;
	for (uint32_t i = m->nimported_globals; i < m->nglobals; i++)
		declare_in_expr(v, m->globals[i].init);
	for (uint32_t i = 0; i < m->nelems; i++) {
		const kiln_elem *e = &m->elems[i];
		for (uint32_t k = 0; k < e->count; k++) {
			if (e->funcs)
				v->declared[e->funcs[k]] = 1;
			else
				declare_in_expr(v, e->exprs[k]);
		}
	}
	return true;
}

static bool validate(validator *v)
{
	const kiln_module *m = v->m;

	if (!check_entities(v) || !check_segments(v) || !check_exports(v) ||
	    !collect_refs(v))
		return false;
	v->r = (kiln_reader){m->bytes, NULL, NULL, v->err};
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (!check_body(v, i))
			return false;
	return true;
}

/* kiln_table.fixed: a table neither imported nor exported that no
 * instruction writes holds what instantiation put in it, for good. */
static void mark_fixed_tables(kiln_module *m, const uint8_t *written)
{
	for (uint32_t i = 0; i < m->ntables; i++)
		m->tables[i].fixed = !m->tables[i].imported && !written[i];
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == KILN_EXTERN_TABLE)
			m->tables[m->exports[i].index].fixed = false;
}

kiln_status kiln_module_validate(kiln_module *m, kiln_error *err)
{
	validator v = {.m = m, .err = &m->valid_error};

	if (m == NULL)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "no module");
	if (!m->validated) {
		v.written = krt_calloc(m->ntables, 1);
		if (v.written == NULL && m->ntables > 0)
			return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
					       "out of memory");
		m->valid_status = validate(&v) ? KILN_OK : m->valid_error.status;
		m->validated = true;
		if (m->valid_status == KILN_OK)
			mark_fixed_tables(m, v.written);
		free(v.written);
		free(v.vals);
		free(v.frames);
		free(v.run_ends);
		free(v.declared);
	}
	if (m->valid_status != KILN_OK && err != NULL)
		*err = m->valid_error;
	return m->valid_status;
}

kiln_status kiln_module_new(const uint8_t *bytes, size_t len,
			    kiln_module **out_module, kiln_error *err)
{
	kiln_module *m;
	kiln_status st;

	*out_module = NULL;
	st = kiln_module_decode(bytes, len, &m, err);
	if (st != KILN_OK)
		return st;
	st = kiln_module_validate(m, err);
	if (st != KILN_OK) {
		kiln_module_delete(m);
		return st;
	}
	*out_module = m;
	return KILN_OK;
}
