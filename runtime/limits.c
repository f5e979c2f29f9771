/*
 * limits.c — what a module may declare (kiln_module_limits): the defaults
 * and the check of a decoded module against them.
 *
 * A few bytes of wasm can declare millions of locals, functions or
 * segments, and compiling or instantiating them costs gigabytes; the
 * limits refuse such a module first, with one line naming the limit.  The
 * check reads only what decoding recorded (counts, local runs, code entry
 * sizes, the largest br_table), so it is linear in the declarations and
 * runs both when a module is decoded and when an engine with other limits
 * compiles it.
 */
#include <inttypes.h>

#include "module.h"

kiln_module_limits kiln_module_limits_default(void)
{
	return (kiln_module_limits){
		.max_types = KILN_LIMIT_TYPES,
		.max_funcs = KILN_LIMIT_FUNCS,
		.max_imports = KILN_LIMIT_IMPORTS,
		.max_exports = KILN_LIMIT_EXPORTS,
		.max_globals = KILN_LIMIT_GLOBALS,
		.max_tables = KILN_LIMIT_TABLES,
		.max_memories = KILN_LIMIT_MEMORIES,
		.max_data_segments = KILN_LIMIT_DATA_SEGMENTS,
		.max_elem_segments = KILN_LIMIT_ELEM_SEGMENTS,
		.max_elem_entries = KILN_LIMIT_ELEM_ENTRIES,
		.max_params = KILN_LIMIT_PARAMS,
		.max_results = KILN_LIMIT_RESULTS,
		.max_locals = KILN_LIMIT_LOCALS,
		.max_func_size = KILN_LIMIT_FUNC_SIZE,
		.max_br_table = KILN_LIMIT_BR_TABLE,
		.max_tags = KILN_LIMIT_TAGS,
	};
}

/* `limits` with its zero fields set to the defaults. */
static kiln_module_limits resolve(const kiln_module_limits *limits)
{
	kiln_module_limits d = kiln_module_limits_default(), l;
	uint32_t *lf, *df;

	if (limits == NULL)
		return d;
	l = *limits;
	lf = (uint32_t *)&l;
	df = (uint32_t *)&d;
	_Static_assert(sizeof l % sizeof *lf == 0, "kiln_module_limits holds uint32_t only");
	for (size_t i = 0; i < sizeof l / sizeof *lf; i++)
		if (lf[i] == 0)
			lf[i] = df[i];
	return l;
}

/* The offset of the first section with id `id`, or KILN_NO_OFFSET. */
static size_t section_at(const kiln_module *m, uint8_t id)
{
	for (uint32_t i = 0; i < m->nsections; i++)
		if (m->sections[i].id == id)
			return m->sections[i].offset;
	return KILN_NO_OFFSET;
}

/* false (and the error) when `what`, numbering `n`, is over `limit`. */
static bool within(kiln_error *err, size_t at, uint64_t n, uint32_t limit,
		   const char *what, const char *field)
{
	if (n <= limit)
		return true;
	return krt_fail(err, KILN_ERR_LIMIT, at, "module declares %" PRIu64 " %s, limit %" PRIu32
			" (%s)", n, what, limit, field);
}

static bool check_counts(const kiln_module *m, const kiln_module_limits *l, kiln_error *err)
{
	return within(err, section_at(m, 1), m->ntypes, l->max_types, "types", "max_types") &&
	       within(err, section_at(m, 2), m->nimports, l->max_imports, "imports",
		      "max_imports") &&
	       within(err, section_at(m, 3), m->nfuncs, l->max_funcs, "functions", "max_funcs") &&
	       within(err, section_at(m, 4), m->ntables, l->max_tables, "tables", "max_tables") &&
	       within(err, section_at(m, 5), m->nmemories, l->max_memories, "memories",
		      "max_memories") &&
	       within(err, section_at(m, 6), m->nglobals, l->max_globals, "globals",
		      "max_globals") &&
	       within(err, section_at(m, 7), m->nexports, l->max_exports, "exports",
		      "max_exports") &&
	       within(err, section_at(m, 9), m->nelems, l->max_elem_segments,
		      "element segments", "max_elem_segments") &&
	       within(err, section_at(m, 11), m->ndatas, l->max_data_segments,
		      "data segments", "max_data_segments") &&
	       within(err, section_at(m, 13), m->ntags, l->max_tags, "tags", "max_tags");
}

static bool check_types(const kiln_module *m, const kiln_module_limits *l, kiln_error *err)
{
	for (uint32_t i = 0; i < m->ntypes; i++) {
		const kiln_functype *t = &m->types[i];
		const char *kind = t->nparams > l->max_params ? "parameters" : "results";
		uint32_t n = t->nparams > l->max_params ? t->nparams : t->nresults;
		uint32_t limit = t->nparams > l->max_params ? l->max_params : l->max_results;

		if (n > limit)
			return krt_fail(err, KILN_ERR_LIMIT, section_at(m, 1),
					"type %" PRIu32 " declares %" PRIu32 " %s, limit %" PRIu32
					" (max_%s)", i, n, kind, limit, kind);
	}
	if (m->max_br_table > l->max_br_table)
		return krt_fail(err, KILN_ERR_LIMIT, section_at(m, 10), "a br_table has %" PRIu32
				" targets, limit %" PRIu32 " (max_br_table)", m->max_br_table,
				l->max_br_table);
	for (uint32_t i = 0; i < m->nelems; i++)
		if (m->elems[i].count > l->max_elem_entries)
			return krt_fail(err, KILN_ERR_LIMIT, section_at(m, 9),
					"element segment %" PRIu32 " declares %" PRIu32
					" entries, limit %" PRIu32 " (max_elem_entries)", i,
					m->elems[i].count, l->max_elem_entries);
	return true;
}

static bool check_funcs(const kiln_module *m, const kiln_module_limits *l, kiln_error *err)
{
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
		const kiln_func *f = &m->funcs[i];
		uint64_t n = f->nlocals;
		size_t at = f->body.off;

		/* An unknown type index is the validator's to report. */
		if (f->type_idx < m->ntypes)
			n += m->types[f->type_idx].nparams;
		if (f->code_size > l->max_func_size)
			return krt_fail(err, KILN_ERR_LIMIT, at, "function %" PRIu32 " has %" PRIu32
					" bytes of code, limit %" PRIu32 " (max_func_size)", i,
					f->code_size, l->max_func_size);
		if (n > l->max_locals)
			return krt_fail(err, KILN_ERR_LIMIT, at, "function %" PRIu32 " declares %"
					PRIu64 " locals%s, limit %" PRIu32 " (max_locals)", i, n,
					n > f->nlocals ? " with its parameters" : "",
					l->max_locals);
	}
	return true;
}

kiln_status krt_module_check_limits(const kiln_module *m, const kiln_module_limits *limits,
				    kiln_error *err)
{
	kiln_module_limits l = resolve(limits);
	kiln_error local;

	if (err == NULL)
		err = &local;
	if (check_counts(m, &l, err) && check_types(m, &l, err) && check_funcs(m, &l, err))
		return KILN_OK;
	return KILN_ERR_LIMIT;
}
