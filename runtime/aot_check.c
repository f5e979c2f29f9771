/*
 * aot_check.c — the indices an artifact's module hands the runtime
 * (aot_load.c).
 *
 * An artifact's module is decoded without walking its function bodies
 * (compiled code stands in for them) and without the validator, which
 * belongs to the compiler.  Instantiation and the export accessors index
 * arrays with what the module says, so every index they use is checked
 * here, once, before the module is returned: function types (which also
 * pick each function's trampoline, aot_load.c), exports, the start
 * function, element and data segments, and the references and types of
 * constant expressions (instance.c evaluates them as they come).  A module
 * that fails is malformed: damage the checksums did not catch, or one
 * resealed by hand.
 */
#include <stdio.h>
#include <stdlib.h>

#include "artifact.h"
#include "module.h"
#include "reader.h"

static bool bad_index(kiln_error *err, const char *what, uint32_t i, uint32_t n)
{
	return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
			"artifact module: %s index %u out of range (%u defined)", what, i, n);
}

/* A constant expression giving one `want`: its instructions leave their
 * types on a stack, whose ref.func and global.get name a function and a
 * global below nglobals (globals are initialised in order: an own
 * global's initialiser sees only those before it), and whose extended
 * i32/i64 add, sub, mul find two of their type.  instance.c evaluates it
 * trusting all of that (a global.get of an i32 into a funcref table would
 * be a pointer made up) on a stack of the module's max_const_depth. */
static bool check_const(const kiln_module *m, kiln_range e, uint8_t want, uint32_t nglobals,
			kiln_error *err)
{
	kiln_error ignored;
	kiln_reader r = {m->bytes, m->bytes + e.off, m->bytes + e.off + e.len, &ignored};
	uint8_t small[16], *st;
	kiln_instr in;
	uint32_t n = 0;
	int t = -1;
	bool ended = false, ok = true, named = false;

	if (e.off > m->size || e.len > m->size - e.off)
		return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				"artifact module: constant expression out of bounds");
	if (!(st = e.len <= sizeof small ? small : malloc(e.len)))
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	while (ok && !ended && krt_rd_instr(&r, &in)) {
		if ((ended = in.op == KILN_OP_END))
			break;
		switch (in.op) {
		case KILN_OP_I32_CONST: t = KILN_I32; break;
		case KILN_OP_I64_CONST: t = KILN_I64; break;
		case KILN_OP_F32_CONST: t = KILN_F32; break;
		case KILN_OP_F64_CONST: t = KILN_F64; break;
		case KILN_OP_V128_CONST: t = KILN_V128; break;
		case KILN_OP_REF_NULL: t = in.u.reftype; break;
		case KILN_OP_REF_FUNC:
			if (in.u.idx >= m->nfuncs)
				ok = bad_index(err, "function", in.u.idx, m->nfuncs), named = true;
			t = KILN_FUNCREF;
			break;
		case KILN_OP_GLOBAL_GET:
			if (in.u.idx >= nglobals)
				ok = bad_index(err, "global", in.u.idx, nglobals), named = true;
			else
				t = m->globals[in.u.idx].type.type;
			break;
		case KILN_OP_I32_ADD: case KILN_OP_I32_SUB: case KILN_OP_I32_MUL:
		case KILN_OP_I64_ADD: case KILN_OP_I64_SUB: case KILN_OP_I64_MUL:
			t = krt_op_table[in.op].result;
			ok = n >= 2 && st[n - 1] == t && st[n - 2] == t;
			n -= ok ? 2 : 0;
			break;
		default:
			ok = false;
		}
		if (ok)
			st[n++] = (uint8_t)t;
	}
	ok = ok && ended && n == 1 && st[0] == want;
	if (st != small)
		free(st);
	if (!ok && !named)
		return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				"artifact module: bad constant expression");
	return ok;
}

static bool check_exports(const kiln_module *m, kiln_error *err)
{
	for (uint32_t i = 0; i < m->nexports; i++) {
		const kiln_export *x = &m->exports[i];
		uint32_t n = x->kind == KILN_EXTERN_FUNC ? m->nfuncs
			   : x->kind == KILN_EXTERN_TABLE ? m->ntables
			   : x->kind == KILN_EXTERN_MEMORY ? m->nmemories
			   : x->kind == KILN_EXTERN_GLOBAL ? m->nglobals
			   : x->kind == KILN_EXTERN_TAG ? m->ntags : 0;
		if (x->index >= n)
			return bad_index(err, "export", x->index, n);
	}
	return true;
}

static bool check_elem(const kiln_module *m, const kiln_elem *e, kiln_error *err)
{
	if (e->type != KILN_FUNCREF && e->type != KILN_EXTERNREF)
		return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				"artifact module: bad element type");
	if (e->mode == KILN_SEG_ACTIVE) {
		if (e->table >= m->ntables)
			return bad_index(err, "table", e->table, m->ntables);
		if (m->tables[e->table].type.elem != e->type)
			return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
					"artifact module: element type differs from its table's");
		if (!check_const(m, e->offset, KILN_I32, m->nglobals, err))
			return false;
	}
	for (uint32_t k = 0; k < e->count; k++) {
		if (!e->funcs && !check_const(m, e->exprs[k], e->type, m->nglobals, err))
			return false;
		if (e->funcs && (e->type != KILN_FUNCREF || e->funcs[k] >= m->nfuncs))
			return bad_index(err, "function", e->funcs[k], m->nfuncs);
	}
	return true;
}

static bool check_segments(const kiln_module *m, kiln_error *err)
{
	for (uint32_t i = 0; i < m->nelems; i++)
		if (!check_elem(m, &m->elems[i], err))
			return false;
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const kiln_data *d = &m->datas[i];
		if (d->mode != KILN_SEG_ACTIVE)
			continue;
		if (d->memory >= m->nmemories)
			return bad_index(err, "memory", d->memory, m->nmemories);
		if (!check_const(m, d->offset,
				 m->memories[d->memory].type.index64 ? KILN_I64 : KILN_I32,
				 m->nglobals, err))
			return false;
	}
	return true;
}

bool aot_check_module(const kiln_module *m, kiln_error *err)
{
	for (uint32_t i = 0; i < m->nfuncs; i++)
		if (m->funcs[i].type_idx >= m->ntypes)
			return bad_index(err, "type", m->funcs[i].type_idx, m->ntypes);
	/* Compiled code reads a tag's values by its type's parameters. */
	for (uint32_t i = 0; i < m->ntags; i++)
		if (m->tags[i].type_idx >= m->ntypes)
			return bad_index(err, "type", m->tags[i].type_idx, m->ntypes);
	for (uint32_t g = m->nimported_globals; g < m->nglobals; g++)
		if (!check_const(m, m->globals[g].init, m->globals[g].type.type, g, err))
			return false;
	if (m->has_start) {
		if (m->start >= m->nfuncs)
			return bad_index(err, "start function", m->start, m->nfuncs);
		const kiln_functype *t = &m->types[m->funcs[m->start].type_idx];
		if (t->nparams || t->nresults)
			return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
					"artifact module: start function %u takes or returns values",
					m->start);
	}
	return check_exports(m, err) && check_segments(m, err);
}
