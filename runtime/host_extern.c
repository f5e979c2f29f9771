/*
 * host_extern.c — globals, memories and tables made by the host, and
 * growing memories and tables from the host.
 *
 * A host-made object is the runtime structure an instance's own would be
 * (kiln_global_rt, kiln_memory_rt, kiln_table_rt), first in its struct so
 * that its extern's handle is what instances import and compiled code
 * reads.  Nothing else refers back to it: the embedder deletes it after
 * the instances importing it.  A host table has no element budget (that
 * is an instance's, kiln_config.max_table_elements); its own maximum and
 * the 10,000,000 elements of any table bound it.
 */
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "memory.h"

struct kiln_host_global {
	kiln_global_rt g;
};

struct kiln_host_memory {
	kiln_memory_rt mem;
};

struct kiln_host_table {
	kiln_table_rt t;
};

static kiln_status nomem(kiln_error *err)
{
	return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

kiln_status kiln_memory_grow_by(kiln_extern memory, uint32_t delta, uint32_t *out_old,
				kiln_error *err)
{
	kiln_memory_rt *mem = memory.kind == KILN_EXTERN_MEMORY ? memory.handle : NULL;
	uint32_t old;

	if (mem == NULL)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "not a memory");
	if (delta > mem->max_pages - mem->pages)
		return krt_fail_status(err, KILN_ERR_LIMIT, KILN_NO_OFFSET,
				       "memory of %u pages cannot grow by %u (maximum %u)",
				       mem->pages, delta, mem->max_pages);
	if ((old = kiln_memory_grow(mem, delta)) == UINT32_MAX)
		return nomem(err);
	if (out_old)
		*out_old = old;
	return KILN_OK;
}

kiln_status kiln_table_grow_by(kiln_extern table, uint32_t delta, kiln_val init,
			       uint32_t *out_old, kiln_error *err)
{
	kiln_table_rt *t = table.kind == KILN_EXTERN_TABLE ? table.handle : NULL;
	uint32_t old;

	if (t == NULL || init.type != (kiln_valtype)t->type)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       t ? "value of another type" : "not a table");
	/* kiln_table_grow does not tell a limit from a failed allocation. */
	if ((old = kiln_table_grow(t, delta, init.of.ref)) == UINT32_MAX)
		return krt_fail_status(err, KILN_ERR_LIMIT, KILN_NO_OFFSET,
				       "table of %u elements cannot grow by %u", t->size, delta);
	if (out_old)
		*out_old = old;
	return KILN_OK;
}

/* ------------------------------------------------------------ globals */

kiln_status kiln_host_global_new(const kiln_globaltype *type, kiln_val init,
				 kiln_host_global **out, kiln_error *err)
{
	kiln_host_global *g;

	*out = NULL;
	if (init.type != type->type || type->type == KILN_V128)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "a %s global cannot hold a %s value",
				       kiln_valtype_name(type->type), kiln_valtype_name(init.type));
	if (!(g = calloc(1, sizeof *g)))
		return nomem(err);
	g->g.type = *type;
	memcpy(&g->g.value, &init.of, sizeof g->g.value);
	*out = g;
	return KILN_OK;
}

void kiln_host_global_delete(kiln_host_global *global)
{
	free(global);
}

kiln_extern kiln_host_global_extern(kiln_host_global *global)
{
	return (kiln_extern){KILN_EXTERN_GLOBAL, &global->g};
}

/* ----------------------------------------------------------- memories */

kiln_status kiln_host_memory_new(const kiln_memtype *type, kiln_host_memory **out,
				 kiln_error *err)
{
	const kiln_limits *lim = &type->limits;
	kiln_host_memory *m;

	*out = NULL;
	if (lim->min > KILN_MAX_PAGES || (lim->has_max && lim->max > KILN_MAX_PAGES))
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "memory limits out of range");
	if (type->shared)	/* a shared one must be counted (memory.c) */
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "shared host memories are not supported yet");
	if (type->index64)
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "64-bit host memories are not supported yet");
	if (!(m = calloc(1, sizeof *m)))
		return nomem(err);
	if (!kiln_memory_init(&m->mem, (uint32_t)lim->min,
			      lim->has_max ? (uint32_t)lim->max : KILN_MAX_PAGES, false, err)) {
		free(m);
		return err ? err->status : KILN_ERR_NOMEM;
	}
	m->mem.has_max = lim->has_max;
	*out = m;
	return KILN_OK;
}

void kiln_host_memory_delete(kiln_host_memory *memory)
{
	if (memory == NULL)
		return;
	kiln_memory_free(&memory->mem);
	free(memory);
}

kiln_extern kiln_host_memory_extern(kiln_host_memory *memory)
{
	return (kiln_extern){KILN_EXTERN_MEMORY, &memory->mem};
}

/* ------------------------------------------------------------- tables */

kiln_status kiln_host_table_new(const kiln_tabletype *type, kiln_val init,
				kiln_host_table **out, kiln_error *err)
{
	const kiln_limits *lim = &type->limits;
	kiln_host_table *t;

	*out = NULL;
	if ((type->elem != KILN_FUNCREF && type->elem != KILN_EXTERNREF) ||
	    init.type != type->elem || (lim->has_max && lim->max < lim->min) ||
	    lim->min > UINT32_MAX || (lim->has_max && lim->max > UINT32_MAX))
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "bad table type or initial value");
	if (!(t = calloc(1, sizeof *t)))
		return nomem(err);
	t->t.type = (uint8_t)type->elem;
	t->t.max = lim->has_max ? (uint32_t)lim->max : UINT32_MAX;
	if (kiln_table_grow(&t->t, (uint32_t)lim->min, init.of.ref) == UINT32_MAX) {
		free(t);
		return krt_fail_status(err, KILN_ERR_LIMIT, KILN_NO_OFFSET,
				       "a table of %llu elements cannot be made",
				       (unsigned long long)lim->min);
	}
	*out = t;
	return KILN_OK;
}

void kiln_host_table_delete(kiln_host_table *table)
{
	if (table == NULL)
		return;
	free(table->t.elems);
	free(table);
}

kiln_extern kiln_host_table_extern(kiln_host_table *table)
{
	return (kiln_extern){KILN_EXTERN_TABLE, &table->t};
}
