/*
 * module.c — the life and the public accessors of kiln_module.
 *
 * Accessors only read the description decode.c built; an index out of range
 * is a caller bug and yields a zeroed value rather than a crash.
 */
#include <stdlib.h>

#include "module.h"

void kiln_module_delete(kiln_module *m)
{
	if (m == NULL)
		return;
	/* The code first: its producer's state may still read the module. */
	krt_code_delete(m->code);
	for (uint32_t i = 0; i < m->nfuncs; i++)
		free(m->funcs[i].runs);
	for (uint32_t i = 0; i < m->nelems; i++) {
		free(m->elems[i].funcs);
		free(m->elems[i].exprs);
	}
	free(m->types);
	free(m->valtypes);
	free(m->imports);
	free(m->funcs);
	free(m->tables);
	free(m->memories);
	free(m->globals);
	free(m->tags);
	free(m->exports);
	free(m->elems);
	free(m->datas);
	free(m->sections);
	free(m->func_names);
	free(m->bytes);
	free(m);
}

size_t kiln_module_section_count(const kiln_module *m)
{
	return m->nsections;
}

kiln_section_info kiln_module_section(const kiln_module *m, size_t i)
{
	return i < m->nsections ? m->sections[i] : (kiln_section_info){0};
}

size_t kiln_module_type_count(const kiln_module *m)
{
	return m->ntypes;
}

const kiln_functype *kiln_module_type(const kiln_module *m, size_t i)
{
	return i < m->ntypes ? &m->types[i] : NULL;
}

/* The type of entity `index` of `kind`, as an import or export shows it. */
static kiln_externtype extern_type(const kiln_module *m, kiln_extern_kind kind,
				   uint32_t index)
{
	kiln_externtype t = {.kind = kind};

	switch (kind) {
	case KILN_EXTERN_FUNC:
		if (index < m->nfuncs)
			t.u.func = kiln_module_type(m, m->funcs[index].type_idx);
		break;
	case KILN_EXTERN_TABLE:
		if (index < m->ntables)
			t.u.table = m->tables[index].type;
		break;
	case KILN_EXTERN_MEMORY:
		if (index < m->nmemories)
			t.u.memory = m->memories[index].type;
		break;
	case KILN_EXTERN_GLOBAL:
		if (index < m->nglobals)
			t.u.global = m->globals[index].type;
		break;
	case KILN_EXTERN_TAG:
		if (index < m->ntags)
			t.u.tag = kiln_module_type(m, m->tags[index].type_idx);
		break;
	}
	return t;
}

size_t kiln_module_import_count(const kiln_module *m)
{
	return m->nimports;
}

kiln_import_info kiln_module_import(const kiln_module *m, size_t i)
{
	kiln_import_info info = {0};
	const kiln_import *imp;

	if (i >= m->nimports)
		return info;
	imp = &m->imports[i];
	info.module = imp->module;
	info.name = imp->name;
	info.type = extern_type(m, imp->kind, imp->index);
	if (imp->kind == KILN_EXTERN_FUNC)
		info.type_index = m->funcs[imp->index].type_idx;
	else if (imp->kind == KILN_EXTERN_TAG)
		info.type_index = m->tags[imp->index].type_idx;
	return info;
}

size_t kiln_module_export_count(const kiln_module *m)
{
	return m->nexports;
}

kiln_export_info kiln_module_export(const kiln_module *m, size_t i)
{
	if (i >= m->nexports)
		return (kiln_export_info){0};
	return (kiln_export_info){m->exports[i].name, m->exports[i].kind,
				  m->exports[i].index};
}

kiln_externtype kiln_module_export_type(const kiln_module *m, size_t i)
{
	if (i >= m->nexports)
		return (kiln_externtype){0};
	return extern_type(m, m->exports[i].kind, m->exports[i].index);
}

kiln_module_counts kiln_module_counts_of(const kiln_module *m)
{
	return (kiln_module_counts){
		.types = m->ntypes,
		.funcs = m->nfuncs, .imported_funcs = m->nimported_funcs,
		.tables = m->ntables, .imported_tables = m->nimported_tables,
		.memories = m->nmemories, .imported_memories = m->nimported_memories,
		.globals = m->nglobals, .imported_globals = m->nimported_globals,
		.elems = m->nelems, .datas = m->ndatas,
		.has_start = m->has_start, .start = m->start,
		.tags = m->ntags, .imported_tags = m->nimported_tags,
	};
}

kiln_memtype kiln_module_memory_type(const kiln_module *m, uint32_t index)
{
	return extern_type(m, KILN_EXTERN_MEMORY, index).u.memory;
}

const kiln_functype *kiln_module_tag_type(const kiln_module *m, uint32_t index)
{
	return extern_type(m, KILN_EXTERN_TAG, index).u.tag;
}

kiln_name kiln_module_func_name(const kiln_module *m, uint32_t func_index)
{
	uint32_t lo = 0, hi = m->nfunc_names;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->func_names[mid].index < func_index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nfunc_names && m->func_names[lo].index == func_index)
		return m->func_names[lo].name;
	return (kiln_name){NULL, 0};
}

kiln_name kiln_module_name(const kiln_module *m)
{
	return m->name;
}
