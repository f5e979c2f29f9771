/*
 * aot_check.c — the indices an artifact's module hands the runtime
 * (aot_load.c).
 *
 * An artifact's module is decoded without walking its function bodies
 * (compiled code stands in for them) and without the validator, which
 * belongs to the compiler.  Instantiation and the export accessors index
 * arrays with what the module says, so every index they use is checked
 * here, once, before the module is returned: function types, exports,
 * the start function, element and data segments and the references in
 * constant expressions.  A module that fails is malformed: damage the
 * checksums did not catch, or one resealed by hand.
 */
#include <stdio.h>

#include "artifact.h"
#include "module.h"
#include "reader.h"

static bool bad_index(kiln_error *err, const char *what, uint32_t i, uint32_t n)
{
	return kiln_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
			 "artifact module: %s index %u out of range (%u defined)", what, i, n);
}

/* A constant expression: ref.func and global.get name a function and a
 * global below nglobals (globals are initialised in order: an own
 * global's initialiser sees only those before it). */
static bool check_const(const kiln_module *m, kiln_range e, uint32_t nglobals,
			kiln_error *err)
{
	kiln_error ignored;
	kiln_reader r = {m->bytes, m->bytes + e.off, m->bytes + e.off + e.len, &ignored};
	kiln_instr in;

	if (e.off > m->size || e.len > m->size - e.off)
		return kiln_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				 "artifact module: constant expression out of bounds");
	while (rd_instr(&r, &in) && in.op != KILN_OP_END) {
		if (in.op == KILN_OP_REF_FUNC && in.u.idx >= m->nfuncs)
			return bad_index(err, "function", in.u.idx, m->nfuncs);
		if (in.op == KILN_OP_GLOBAL_GET && in.u.idx >= nglobals)
			return bad_index(err, "global", in.u.idx, nglobals);
	}
	return true;
}

static bool check_exports(const kiln_module *m, kiln_error *err)
{
	for (uint32_t i = 0; i < m->nexports; i++) {
		const kiln_export *x = &m->exports[i];
		uint32_t n = x->kind == KILN_EXTERN_FUNC ? m->nfuncs
			   : x->kind == KILN_EXTERN_TABLE ? m->ntables
			   : x->kind == KILN_EXTERN_MEMORY ? m->nmemories
			   : x->kind == KILN_EXTERN_GLOBAL ? m->nglobals : 0;
		if (x->index >= n)
			return bad_index(err, "export", x->index, n);
	}
	return true;
}

static bool check_segments(const kiln_module *m, kiln_error *err)
{
	for (uint32_t i = 0; i < m->nelems; i++) {
		const kiln_elem *e = &m->elems[i];
		if (e->mode == KILN_SEG_ACTIVE &&
		    (e->table >= m->ntables ? !bad_index(err, "table", e->table, m->ntables)
					    : !check_const(m, e->offset, m->nglobals, err)))
			return false;
		for (uint32_t k = 0; k < e->count; k++)
			if (e->funcs ? e->funcs[k] >= m->nfuncs &&
					       !bad_index(err, "function", e->funcs[k], m->nfuncs)
				     : !check_const(m, e->exprs[k], m->nglobals, err))
				return false;
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const kiln_data *d = &m->datas[i];
		if (d->mode == KILN_SEG_ACTIVE &&
		    (d->memory >= m->nmemories ? !bad_index(err, "memory", d->memory, m->nmemories)
					       : !check_const(m, d->offset, m->nglobals, err)))
			return false;
	}
	return true;
}

bool aot_check_module(const kiln_module *m, kiln_error *err)
{
	if (m->nmemories > 1)
		return kiln_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				 "artifact module: multiple memories");
	for (uint32_t i = 0; i < m->nfuncs; i++)
		if (m->funcs[i].type_idx >= m->ntypes)
			return bad_index(err, "type", m->funcs[i].type_idx, m->ntypes);
	for (uint32_t g = m->nimported_globals; g < m->nglobals; g++)
		if (!check_const(m, m->globals[g].init, g, err))
			return false;
	if (m->has_start) {
		if (m->start >= m->nfuncs)
			return bad_index(err, "start function", m->start, m->nfuncs);
		const kiln_functype *t = &m->types[m->funcs[m->start].type_idx];
		if (t->nparams || t->nresults)
			return kiln_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
					 "artifact module: start function %u takes or returns values",
					 m->start);
	}
	return check_exports(m, err) && check_segments(m, err);
}
