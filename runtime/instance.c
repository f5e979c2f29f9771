/*
 * instance.c — instantiation, exports and calls from C.
 *
 * kiln_instance_new follows the spec's order: check every import against
 * its declared type (KILN_ERR_LINK, nothing created); build globals,
 * memory, tables and function references; evaluate element segments;
 * apply active element segments, then active data segments, in order,
 * each bounds-checked as a whole (a failure traps and leaves earlier
 * writes in place); then run the start function.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "pool.h"
#include "reader.h"
#include "exception.h"
#include "trap.h"

static kiln_status nomem_status(kiln_error *err)
{
	return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

static bool nomem(kiln_error *err)
{
	nomem_status(err);
	return false;
}

static bool link_error(kiln_error *err, uint32_t i, const char *what)
{
	return krt_fail(err, KILN_ERR_LINK, KILN_NO_OFFSET,
			"incompatible import type (import %u: %s)", i, what);
}

/* ---------------------------------------------------------- linking */

static bool limits_match(uint64_t have_min, bool have_has_max, uint64_t have_max,
			 const kiln_limits *want)
{
	if (have_min < want->min)
		return false;
	if (!want->has_max)
		return true;
	return have_has_max && have_max <= want->max;
}

static bool check_import(const kiln_module *m, uint32_t i, const kiln_extern *ext,
			 kiln_error *err)
{
	const kiln_import *imp = &m->imports[i];

	if (ext->handle == NULL || ext->kind != imp->kind)
		return link_error(err, i, "wrong kind");
	switch (imp->kind) {
	case KILN_EXTERN_FUNC: {
		const kiln_funcref *f = ext->handle;
		if (f->type_id != kiln_type_id(&m->types[m->funcs[imp->index].type_idx]))
			return link_error(err, i, "function signature");
		return true;
	}
	case KILN_EXTERN_TABLE: {
		const kiln_table_rt *t = ext->handle;
		const kiln_tabletype *want = &m->tables[imp->index].type;
		if (t->type != want->elem ||
		    !limits_match(t->size, t->max != UINT32_MAX, t->max, &want->limits))
			return link_error(err, i, "table type");
		return true;
	}
	case KILN_EXTERN_MEMORY: {
		const kiln_memory_rt *mem = ext->handle;
		const kiln_limits *want = &m->memories[imp->index].type.limits;
		if (!limits_match(mem->pages, mem->has_max, mem->max_pages, want) ||
		    mem->shared != m->memories[imp->index].type.shared ||
		    mem->index64 != m->memories[imp->index].type.index64)
			return link_error(err, i, "memory type");
		return true;
	}
	case KILN_EXTERN_TAG: {
		const kiln_tag_rt *t = ext->handle;
		if (t->type_id != kiln_type_id(&m->types[m->tags[imp->index].type_idx]))
			return link_error(err, i, "tag type");
		return true;
	}
	default: {
		const kiln_global_rt *g = ext->handle;
		const kiln_globaltype *want = &m->globals[imp->index].type;
		if (g->type.type != want->type || g->type.mutable_ != want->mutable_)
			return link_error(err, i, "global type");
		return true;
	}
	}
}

/* ------------------------------------------------------ construction */

/* One allocation holds the instance and all its index spaces, freed whole:
 * instantiation is a hot path for servers.  Carving twice: once to size
 * the block (p NULL), once to place the arrays, each 16-byte aligned. */
#define CARVE(field, count)                                                    \
	do {                                                                   \
		size_t at_ = off;                                              \
		off += ((size_t)(count) * sizeof *inst->field + 15) & ~(size_t)15; \
		if (p)                                                         \
			inst->field = (void *)(p + at_);                       \
	} while (0)

static kiln_instance *alloc_instance(const kiln_module *m)
{
	kiln_instance *inst = NULL;
	uint8_t *p = NULL;

	for (int pass = 0; pass < 2; pass++) {
		size_t off = (sizeof *inst + 15) & ~(size_t)15;
		CARVE(globals, m->nglobals);
		CARVE(own_globals, m->nglobals);
		CARVE(tables, m->ntables);
		CARVE(own_tables, m->ntables);
		CARVE(funcs, m->nfuncs);
		CARVE(own_funcs, m->nfuncs);
		CARVE(tags, m->ntags);
		CARVE(own_tags, m->ntags);
		CARVE(type_ids, m->ntypes);
		CARVE(elems, m->nelems);
		CARVE(elem_len, m->nelems);
		CARVE(data_len, m->ndatas);
		CARVE(const_stack, m->max_const_depth);
		CARVE(callers, m->nimported_funcs);
		CARVE(host_refs, m->nimported_funcs);
		CARVE(memories, m->nmemories);
		CARVE(own_memories, m->nmemories > 1 ? m->nmemories : 0);
		if (pass == 0 && !(inst = (kiln_instance *)(p = calloc(1, off))))
			return NULL;
	}
	return inst;
}

/* An imported host function gets a funcref of this instance's own, whose
 * ctx is a kiln_caller naming this instance. */
static kiln_funcref *bind_func(kiln_instance *inst, kiln_funcref *f, uint32_t index)
{
	if (f->host == NULL)
		return f;
	inst->callers[index] = (kiln_caller){inst, f->host};
	inst->host_refs[index] = *f;
	inst->host_refs[index].ctx = (kiln_vmctx *)&inst->callers[index];
	return &inst->host_refs[index];
}

static void bind_imports(kiln_instance *inst, const kiln_module *m,
			 const kiln_extern *imports)
{
	for (uint32_t i = 0; i < m->nimports; i++) {
		const kiln_import *imp = &m->imports[i];
		switch (imp->kind) {
		case KILN_EXTERN_FUNC:
			inst->funcs[imp->index] = bind_func(inst, imports[i].handle, imp->index);
			break;
		case KILN_EXTERN_TABLE: inst->tables[imp->index] = imports[i].handle; break;
		case KILN_EXTERN_MEMORY:
			inst->memories[imp->index] = imports[i].handle;
			if (inst->memories[imp->index]->shared)	/* it may outlive its exporter */
				kiln_memory_ref(inst->memories[imp->index]);
			break;
		case KILN_EXTERN_GLOBAL: inst->globals[imp->index] = imports[i].handle; break;
		case KILN_EXTERN_TAG: inst->tags[imp->index] = imports[i].handle; break;
		}
	}
	for (uint32_t t = m->nimported_tags; t < m->ntags; t++) {
		const kiln_functype *ft = &m->types[m->tags[t].type_idx];
		inst->own_tags[t] = (kiln_tag_rt){ft, kiln_type_id(ft)};
		inst->tags[t] = &inst->own_tags[t];
	}
}

/* An extended constant's binary operation on the top two values of st
 * (validated: two of the operation's type), leaving its result there;
 * wrapping as in code. */
static void arith(const kiln_instr *in, kiln_slot *st, uint32_t *n)
{
	bool i64 = krt_op_table[in->op].shape == KILN_SHAPE_I64;
	uint64_t a = i64 ? (uint64_t)st[*n - 2].i64 : (uint32_t)st[*n - 2].i32;
	uint64_t b = i64 ? (uint64_t)st[*n - 1].i64 : (uint32_t)st[*n - 1].i32;
	uint64_t r;

	switch (krt_op_table[in->op].oper) {
	case KILN_OPER_ADD: r = a + b; break;
	case KILN_OPER_SUB: r = a - b; break;
	default: r = a * b; break;
	}
	*n -= 2;
	memset(&st[*n], 0, sizeof st[*n]);
	if (i64)
		st[*n].i64 = (int64_t)r;
	else
		st[*n].i32 = (int32_t)(uint32_t)r;
}

/* Evaluates a constant expression (validated: one value of its type) on
 * the instance's constant stack (decoding bounds its depth).  Extended
 * constants add, subtract and multiply, wrapping as in code. */
static kiln_slot eval_const(kiln_instance *inst, kiln_range expr)
{
	const kiln_module *m = inst->module;
	kiln_error ignored;
	kiln_reader r = {m->bytes, m->bytes + expr.off, m->bytes + expr.off + expr.len, &ignored};
	kiln_slot *st = inst->const_stack, v;
	kiln_instr in;
	uint32_t n = 0;

	while (krt_rd_instr(&r, &in) && in.op != KILN_OP_END) {
		memset(&v, 0, sizeof v);
		switch (in.op) {
		case KILN_OP_I32_CONST: v.i32 = in.u.i32; break;
		case KILN_OP_I64_CONST: v.i64 = in.u.i64; break;
		case KILN_OP_F32_CONST: memcpy(&v.f32, &in.u.f32, 4); break;
		case KILN_OP_F64_CONST: memcpy(&v.f64, &in.u.f64, 8); break;
		case KILN_OP_V128_CONST: memcpy(v.v128, in.u.bytes, 16); break;
		case KILN_OP_REF_NULL: v.ref = NULL; break;
		case KILN_OP_REF_FUNC: v.ref = inst->funcs[in.u.idx]; break;
		case KILN_OP_GLOBAL_GET: v = *inst->globals[in.u.idx]; break;
		case KILN_OP_I32_ADD: case KILN_OP_I32_SUB: case KILN_OP_I32_MUL:
		case KILN_OP_I64_ADD: case KILN_OP_I64_SUB: case KILN_OP_I64_MUL:
			arith(&in, st, &n);
			v = st[n];
			break;
		default: break;
		}
		st[n++] = v;
	}
	return n ? st[n - 1] : (kiln_slot){0};
}

/* An instance's limits: what it was asked for, else the defaults of its
 * code (the engine's configuration; none for an artifact), else kiln's;
 * a pool lowers each further. */
static kiln_instance_limits resolve_limits(const kiln_module *m,
					   const kiln_instance_limits *asked,
					   const kiln_pool *pool)
{
	kiln_instance_limits l = asked ? *asked : (kiln_instance_limits){0};
	kiln_instance_limits code = krt_code_limits(m->code);
	uint32_t pe = pool ? kiln_pool_max_instance_elements(pool) : 0;
	uint32_t pp = pool ? kiln_pool_max_pages(pool) : 0;

	if (!l.max_memory_pages)
		l.max_memory_pages = code.max_memory_pages;
	if (pp && (!l.max_memory_pages || pp < l.max_memory_pages))
		l.max_memory_pages = pp;
	if (!l.max_table_elements)
		l.max_table_elements = code.max_table_elements ? code.max_table_elements
				       : pe ? pe : KILN_DEFAULT_MAX_TABLE_ELEMENTS;
	if (pe && pe < l.max_table_elements)
		l.max_table_elements = pe;
	if (!l.stack_size)
		l.stack_size = code.stack_size;
	if (!l.max_memory64_pages)
		l.max_memory64_pages = code.max_memory64_pages ? code.max_memory64_pages
				       : KILN_DEFAULT_MAX_MEMORY64_PAGES;
	if (!l.max_exceptions)
		l.max_exceptions = KILN_DEFAULT_MAX_EXCEPTIONS;
	return l;
}

/* Refuses initial table sizes over the cap before anything is allocated,
 * and points the tables at the instance's budget. */
static bool table_budget(kiln_instance *inst, const kiln_module *m, kiln_error *err)
{
	uint32_t cap = inst->limits.max_table_elements;
	uint64_t total = 0;

	for (uint32_t t = m->nimported_tables; t < m->ntables; t++)
		total += m->tables[t].type.limits.min;
	if (total > cap)
		return krt_fail(err, KILN_ERR_LIMIT, KILN_NO_OFFSET,
				"tables of %llu elements in all exceed the limit of %u per "
				"instance (max_table_elements)", (unsigned long long)total, cap);
	inst->table_budget = cap;
	for (uint32_t t = m->nimported_tables; t < m->ntables; t++)
		inst->own_tables[t].budget = cap == UINT32_MAX ? NULL : &inst->table_budget;
	return true;
}


/* threads: a shared memory lives on its own, counted, so that it outlives
 * this instance while importers use it (memory.c). */
static bool own_shared_memory(kiln_instance *inst, kiln_pool *pool, uint32_t i,
			      uint32_t min, uint32_t max, bool index64, kiln_error *err)
{
	if (pool)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"shared memories in pooled instances are not supported yet");
	inst->memories[i] = kiln_memory_new_shared(min, max, index64, err);
	return inst->memories[i] != NULL;
}

/* Own memory i: memory 0 in the instance itself, the others in the
 * carved array. */
static kiln_memory_rt *own_mem(kiln_instance *inst, uint32_t i)
{
	return i == 0 ? &inst->own_memory : &inst->own_memories[i];
}

/* Makes own memory i of its type, within the instance's page limit.  A
 * pool holds one memory per instance: a module with several is refused
 * there (its slots, images and resets know one).  memory64: a 64-bit
 * memory may pass 4 GiB, up to the instance's max_memory64_pages (a
 * larger maximum is capped there and memory.grow past it returns -1, as
 * when max_memory_pages caps one); it reserves what it may grow to. */
static bool build_memory(kiln_instance *inst, const kiln_module *m, kiln_pool *pool,
			 uint32_t i, kiln_error *err)
{
	const kiln_limits *lim = &m->memories[i].type.limits;
	bool index64 = m->memories[i].type.index64;
	uint32_t cap = index64 ? inst->limits.max_memory64_pages : KILN_MAX_PAGES;
	uint32_t max = lim->has_max && lim->max < cap ? (uint32_t)lim->max : cap;
	kiln_memory_rt *mem = own_mem(inst, i);

	if (inst->limits.max_memory_pages && inst->limits.max_memory_pages < max)
		max = inst->limits.max_memory_pages;
	if (lim->min > max)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"memory of %" PRIu64 " pages exceeds the limit of %u",
				lim->min, max);
	if (pool && m->nmemories > 1)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"several memories in pooled instances are not supported yet");
	if (pool && m->memories[i].type.index64)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"64-bit memories in pooled instances are not supported yet");
	if (m->memories[i].type.shared)
		return own_shared_memory(inst, pool, i, (uint32_t)lim->min, max, index64, err);
	if (pool ? !kiln_pool_memory_init(pool, m, mem, (uint32_t)lim->min, max,
					  &inst->memory_from_image, err)
		 : !kiln_memory_init(mem, (uint32_t)lim->min, max, index64, err))
		return false;
	mem->has_max = lim->has_max;
	inst->memories[i] = mem;
	return true;
}

static bool build(kiln_instance *inst, const kiln_module *m, kiln_pool *pool,
		  kiln_error *err)
{
	if (!table_budget(inst, m, err))
		return false;
	for (uint32_t t = 0; t < m->ntypes; t++)
		inst->type_ids[t] = kiln_type_id(&m->types[t]);
	for (uint32_t f = m->nimported_funcs; f < m->nfuncs; f++) {
		kiln_funcref *fr = &inst->own_funcs[f];
		fr->code = krt_code_entry(inst->code, f);
		fr->tramp = (kiln_tramp_fn *)krt_code_tramp(inst->code, f);
		fr->ctx = &inst->ctx;
		fr->type = &m->types[m->funcs[f].type_idx];
		fr->type_id = inst->type_ids[m->funcs[f].type_idx];
		fr->host = NULL;
		inst->funcs[f] = fr;
	}
	for (uint32_t g = m->nimported_globals; g < m->nglobals; g++) {
		inst->own_globals[g].type = m->globals[g].type;
		inst->globals[g] = &inst->own_globals[g].value;
		inst->own_globals[g].value = eval_const(inst, m->globals[g].init);
	}
	for (uint32_t t = m->nimported_tables; t < m->ntables; t++) {
		kiln_table_rt *tab = &inst->own_tables[t];
		const kiln_tabletype *tt = &m->tables[t].type;
		tab->type = (uint8_t)tt->elem;
		tab->max = tt->limits.has_max ? (uint32_t)tt->limits.max : UINT32_MAX;
		if (pool && kiln_pool_max_elements(pool) && kiln_pool_max_elements(pool) < tab->max)
			tab->max = kiln_pool_max_elements(pool);
		if (tt->limits.min > tab->max)
			return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
					"table of %u elements exceeds the limit of %u",
					(uint32_t)tt->limits.min, tab->max);
		if (kiln_table_grow(tab, (uint32_t)tt->limits.min, NULL) == UINT32_MAX)
			return nomem(err);
		inst->tables[t] = tab;
	}
	for (uint32_t i = m->nimported_memories; i < m->nmemories; i++)
		if (!build_memory(inst, m, pool, i, err))
			return false;
	inst->memory = m->nmemories ? inst->memories[0] : NULL;
	return true;
}

static bool eval_elems(kiln_instance *inst, const kiln_module *m, kiln_error *err)
{
	for (uint32_t s = 0; s < m->nelems; s++) {
		const kiln_elem *e = &m->elems[s];
		if (!(inst->elems[s] = krt_calloc(e->count, sizeof **inst->elems)))
			return nomem(err);
		for (uint32_t k = 0; k < e->count; k++)
			inst->elems[s][k] = e->funcs ? (void *)inst->funcs[e->funcs[k]]
						     : eval_const(inst, e->exprs[k]).ref;
		inst->elem_len[s] = e->mode == KILN_SEG_PASSIVE ? e->count : 0;
	}
	for (uint32_t s = 0; s < m->ndatas; s++)
		inst->data_len[s] = m->datas[s].mode == KILN_SEG_PASSIVE ? m->datas[s].init.len : 0;
	return true;
}


/* Active segments, then the start function, under one trap catcher. */
static void initialise(void *arg)
{
	kiln_instance *inst = arg;
	const kiln_module *m = inst->module;

	for (uint32_t s = 0; s < m->nelems; s++) {
		const kiln_elem *e = &m->elems[s];
		if (e->mode != KILN_SEG_ACTIVE)
			continue;
		uint32_t off = (uint32_t)eval_const(inst, e->offset).i32;
		kiln_table_rt *t = inst->tables[e->table];
		if ((uint64_t)off + e->count > t->size)
			krt_trap_raise(KILN_TRAP_TABLE_OOB);
		if (e->count)
			memcpy(t->elems + off, inst->elems[s], e->count * sizeof *t->elems);
	}
	/* A memory mapped from the module's image has its segments (pool.c). */
	for (uint32_t s = 0; s < m->ndatas && !inst->memory_from_image; s++) {
		const kiln_data *d = &m->datas[s];
		if (d->mode != KILN_SEG_ACTIVE)
			continue;
		kiln_slot v = eval_const(inst, d->offset);
		kiln_memory_rt *mem = inst->memories[d->memory];
		uint64_t off = mem->index64 ? (uint64_t)v.i64 : (uint32_t)v.i32;
		if (off > mem->size || d->init.len > mem->size - off)
			krt_trap_raise(KILN_TRAP_MEMORY_OOB);
		memcpy(mem->base + off, m->bytes + d->init.off, d->init.len);
	}
	if (m->has_start) {
		kiln_slot none[1];
		inst_call_funcref(inst->funcs[m->start], none);
	}
}

/* The deadline instances made on this thread start with, as an epoch
 * value (kiln_thread_set_epoch_deadline). */
static _Thread_local uint64_t thread_deadline = UINT64_MAX;

static void set_ctx(kiln_instance *inst)
{
	inst->ctx.memory = (kiln_memory_view *)inst->memory;
	inst->ctx.memory_base = inst->memory ? inst->memory->base : NULL;
	inst->ctx.memories = (kiln_memory_view **)inst->memories;
	inst->ctx.helpers = &kiln_runtime_helpers;
	inst->ctx.globals = inst->globals;
	inst->ctx.tables = inst->tables;
	inst->ctx.funcs = inst->funcs;
	inst->ctx.type_ids = inst->type_ids;
	inst->ctx.tags = inst->tags;
	inst->ctx.instance = inst;
	inst->ctx.stack_budget = inst->limits.stack_size;
	inst->ctx.epoch = &kiln_epoch_counter;
	inst->ctx.epoch_deadline = thread_deadline;
	inst->ctx.fuel = INT64_MAX;
}

/* The checks instantiation makes of a module and its imports, once. */
static kiln_status check_link(const kiln_module *m, const kiln_extern *imports, size_t nimports,
			      kiln_error *err)
{
	if (!krt_code_ready(m->code) && m->nfuncs > m->nimported_funcs)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "module not compiled");
	if (nimports != m->nimports)
		return krt_fail_status(err, KILN_ERR_LINK, KILN_NO_OFFSET,
				       "expected %u imports, got %zu", m->nimports, nimports);
	for (uint32_t i = 0; i < m->nimports; i++)
		if (!check_import(m, i, &imports[i], err))
			return KILN_ERR_LINK;
	return KILN_OK;
}

/* The fuel instances made on this thread start with
 * (kiln_thread_set_fuel). */
static _Thread_local int64_t thread_fuel = INT64_MAX;

void kiln_thread_set_fuel(uint64_t fuel)
{
	thread_fuel = fuel > INT64_MAX ? INT64_MAX : (int64_t)fuel;
}

static void describe_frames(const kiln_instance *inst, kiln_trap_kind kind,
			    const kiln_trap_pcs *pcs, kiln_trap_info *out);

/* Keeps what kiln_instance_init_trap says: the start function's frames
 * (a segment's trap has none).  Out of memory, only the kind is lost to
 * it: kiln_instance_new still reports it. */
static void keep_init_trap(kiln_instance *inst, kiln_trap_kind kind, const kiln_trap_pcs *pcs)
{
	if ((inst->init_trap = malloc(sizeof *inst->init_trap)))
		describe_frames(inst, kind, pcs, inst->init_trap);
}

bool kiln_instance_init_trap(const kiln_instance *inst, kiln_trap_info *out)
{
	if (inst == NULL || inst->init_trap == NULL) {
		*out = (kiln_trap_info){.kind = KILN_TRAP_NONE};
		return false;
	}
	*out = *inst->init_trap;
	return true;
}

/* Instantiates with imports that check_link accepted. */
static kiln_status instantiate(kiln_pool *pool, kiln_module *m, const kiln_extern *imports,
			       const kiln_instance_limits *limits, kiln_instance **out,
			       kiln_trap_kind *out_trap, kiln_error *err)
{
	kiln_instance *inst;
	kiln_trap_kind trap;
	kiln_trap_pcs pcs;

	if (!(inst = alloc_instance(m)))
		return nomem_status(err);
	inst->module = m;
	inst->code = m->code;
	inst->limits = resolve_limits(m, limits, pool);
	bind_imports(inst, m, imports);
	if (!build(inst, m, pool, err) || !eval_elems(inst, m, err))
		goto fail;
	set_ctx(inst);
	inst->ctx.fuel = thread_fuel;	/* the start function runs on it */
	*out = inst;
	trap = kiln_trap_catch(&inst->ctx, initialise, inst, &pcs);
	if (trap == KILN_TRAP_NONE)
		return KILN_OK;
	/* A start function's exception ends instantiation as a trap of kind
	 * KILN_TRAP_UNCAUGHT_EXCEPTION; its values go. */
	if (trap == KILN_TRAP_UNCAUGHT_EXCEPTION)
		kiln_exception_delete(krt_exn_take_uncaught());
	keep_init_trap(inst, trap, &pcs);
	if (out_trap)
		*out_trap = trap;
	return krt_fail_status(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "%s", kiln_trap_message(trap));
fail:
	kiln_instance_delete(inst);
	return err->status;
}

kiln_status kiln_instance_new_limited(kiln_pool *pool, kiln_module *m,
				      const kiln_extern *imports, size_t nimports,
				      const kiln_instance_limits *limits,
				      kiln_instance **out, kiln_trap_kind *out_trap,
				      kiln_error *err)
{
	kiln_error local;
	kiln_status st;

	*out = NULL;
	if (out_trap)
		*out_trap = KILN_TRAP_NONE;
	if (!err)
		err = &local;
	if ((st = check_link(m, imports, nimports, err)) != KILN_OK)
		return st;
	return instantiate(pool, m, imports, limits, out, out_trap, err);
}

kiln_status kiln_instance_new(kiln_module *m, const kiln_extern *imports,
			      size_t nimports, kiln_instance **out,
			      kiln_trap_kind *out_trap, kiln_error *err)
{
	return kiln_instance_new_limited(NULL, m, imports, nimports, NULL, out, out_trap, err);
}

kiln_status kiln_instance_new_pooled(kiln_pool *pool, kiln_module *m,
				     const kiln_extern *imports, size_t nimports,
				     kiln_instance **out, kiln_trap_kind *out_trap,
				     kiln_error *err)
{
	if (pool == NULL) {
		*out = NULL;
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "no pool");
	}
	return kiln_instance_new_limited(pool, m, imports, nimports, NULL, out, out_trap, err);
}

/* ------------------------------------------------------- pre-linked */

struct kiln_instance_pre {
	kiln_module *module;
	size_t nimports;
	kiln_extern imports[];
};

kiln_status kiln_instance_pre_new(kiln_module *m, const kiln_extern *imports,
				  size_t nimports, kiln_instance_pre **out, kiln_error *err)
{
	kiln_instance_pre *pre;
	kiln_status st;

	*out = NULL;
	if ((st = check_link(m, imports, nimports, err)) != KILN_OK)
		return st;
	if (!(pre = malloc(sizeof *pre + nimports * sizeof *imports)))
		return nomem_status(err);
	pre->module = m;
	pre->nimports = nimports;
	if (nimports)
		memcpy(pre->imports, imports, nimports * sizeof *imports);
	*out = pre;
	return KILN_OK;
}

void kiln_instance_pre_delete(kiln_instance_pre *pre)
{
	free(pre);
}

kiln_module *kiln_instance_pre_module(const kiln_instance_pre *pre)
{
	return pre->module;
}

kiln_status kiln_instance_pre_instantiate_limited(kiln_instance_pre *pre, kiln_pool *pool,
						  const kiln_instance_limits *limits,
						  kiln_instance **out, kiln_trap_kind *out_trap,
						  kiln_error *err)
{
	kiln_error local;

	*out = NULL;
	if (out_trap)
		*out_trap = KILN_TRAP_NONE;
	return instantiate(pool, pre->module, pre->imports, limits, out, out_trap,
			   err ? err : &local);
}

kiln_status kiln_instance_pre_instantiate(kiln_instance_pre *pre, kiln_pool *pool,
					  kiln_instance **out, kiln_trap_kind *out_trap,
					  kiln_error *err)
{
	return kiln_instance_pre_instantiate_limited(pre, pool, NULL, out, out_trap, err);
}

/* ------------------------------------------------------------ interruption */

_Atomic uint64_t kiln_epoch_counter;

void kiln_epoch_increment(void)
{
	atomic_fetch_add_explicit(&kiln_epoch_counter, 1, memory_order_relaxed);
}

uint64_t kiln_epoch_now(void)
{
	return atomic_load_explicit(&kiln_epoch_counter, memory_order_relaxed);
}

/* The epoch `ticks` from now; UINT64_MAX (never) when that overflows. */
static uint64_t epoch_after(uint64_t ticks)
{
	uint64_t now = kiln_epoch_now();

	return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

void kiln_thread_set_epoch_deadline(uint64_t ticks)
{
	thread_deadline = epoch_after(ticks);
}

/* The running call's deadline is read through its catch frame's ctx: a
 * host function's own ctx (WASI's) is not the caller's.  A ctx without an
 * epoch pointer (the WASI instance's, the blank one of a direct host call)
 * has no deadline. */
uint64_t kiln_deadline_check(void)
{
	const kiln_vmctx *ctx = kiln_trap_running_ctx();
	uint64_t deadline = ctx && ctx->epoch ? ctx->epoch_deadline : UINT64_MAX;

	if (deadline != UINT64_MAX && kiln_epoch_now() >= deadline)
		krt_trap_raise(KILN_TRAP_INTERRUPTED);
	return deadline;
}

static kiln_status fuel_unsupported(kiln_instance *inst, kiln_error *err)
{
	if (inst->code && (krt_code_flags(inst->code) & KILN_CODE_FUEL))
		return KILN_OK;
	return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
			       "the module was compiled without fuel metering");
}

kiln_status kiln_instance_set_fuel(kiln_instance *inst, uint64_t fuel, kiln_error *err)
{
	kiln_status st = fuel_unsupported(inst, err);

	if (st != KILN_OK)
		return st;
	if (fuel > INT64_MAX)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "fuel over INT64_MAX");
	inst->ctx.fuel = (int64_t)fuel;
	return KILN_OK;
}

kiln_status kiln_instance_get_fuel(kiln_instance *inst, uint64_t *out, kiln_error *err)
{
	kiln_status st = fuel_unsupported(inst, err);

	*out = 0;
	if (st == KILN_OK && inst->ctx.fuel > 0)
		*out = (uint64_t)inst->ctx.fuel;
	return st;
}

kiln_status kiln_instance_set_epoch_deadline(kiln_instance *inst, uint64_t ticks,
					     kiln_error *err)
{
	if (inst == NULL || inst->code == NULL)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "no instance");
	if (!(krt_code_flags(inst->code) & KILN_CODE_EPOCH_CHECKS))
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "the module was compiled without epoch interruption");
	inst->ctx.epoch_deadline = epoch_after(ticks);
	return KILN_OK;
}

void kiln_instance_delete(kiln_instance *inst)
{
	const kiln_module *m;

	if (inst == NULL)
		return;
	if (inst->free_host) {
		inst->free_host(inst);
		return;
	}
	m = inst->module;
	for (uint32_t t = 0; m && t < m->ntables; t++)
		free(inst->own_tables[t].elems);
	for (uint32_t s = 0; m && s < m->nelems; s++)
		free(inst->elems[s]);
	for (uint32_t i = 0; m && i < m->nmemories; i++) {
		if (i >= m->nimported_memories)
			kiln_memory_free(own_mem(inst, i));
		if (inst->memories[i] && inst->memories[i]->shared)
			kiln_memory_unref(inst->memories[i]);
	}
	krt_exn_free_all(inst);
	free(inst->init_trap);
	free(inst);	/* and every array (alloc_instance) */
}

/* ------------------------------------------------------------ exports */

bool kiln_instance_export(kiln_instance *inst, kiln_name name, kiln_extern *out)
{
	const kiln_module *m = inst->module;

	for (size_t i = 0; i < inst->nhost_exports; i++) {
		const kiln_host_export *h = &inst->host_exports[i];
		if (strlen(h->name) == name.len && memcmp(h->name, name.data, name.len) == 0) {
			*out = h->ext;
			return true;
		}
	}
	for (uint32_t i = 0; m && i < m->nexports; i++) {
		const kiln_export *e = &m->exports[i];
		if (e->name.len != name.len || memcmp(e->name.data, name.data, name.len) != 0)
			continue;
		out->kind = e->kind;
		switch (e->kind) {
		case KILN_EXTERN_FUNC: out->handle = inst->funcs[e->index]; break;
		case KILN_EXTERN_TABLE: out->handle = inst->tables[e->index]; break;
		case KILN_EXTERN_MEMORY: out->handle = inst->memories[e->index]; break;
		case KILN_EXTERN_GLOBAL: out->handle = inst->globals[e->index]; break;
		case KILN_EXTERN_TAG: out->handle = inst->tags[e->index]; break;
		}
		return true;
	}
	return false;
}

kiln_externtype kiln_extern_type(kiln_extern ext)
{
	kiln_externtype t = {.kind = ext.kind};

	switch (ext.kind) {
	case KILN_EXTERN_FUNC:
		t.u.func = ((kiln_funcref *)ext.handle)->type;
		break;
	case KILN_EXTERN_TABLE: {
		kiln_table_rt *tab = ext.handle;
		t.u.table.elem = (kiln_valtype)tab->type;
		t.u.table.limits = (kiln_limits){tab->size, tab->max, tab->max != UINT32_MAX};
		break;
	}
	case KILN_EXTERN_MEMORY: {
		kiln_memory_rt *mem = ext.handle;
		t.u.memory.limits = (kiln_limits){mem->pages, mem->max_pages, mem->has_max};
		t.u.memory.shared = mem->shared;
		t.u.memory.index64 = mem->index64;
		break;
	}
	case KILN_EXTERN_GLOBAL:
		t.u.global = ((kiln_global_rt *)ext.handle)->type;
		break;
	case KILN_EXTERN_TAG:
		t.u.tag = ((kiln_tag_rt *)ext.handle)->type;
		break;
	}
	return t;
}

kiln_val kiln_global_get(kiln_extern ext)
{
	kiln_global_rt *g = ext.handle;
	kiln_val v = {.type = g->type.type};

	memcpy(&v.of, &g->value, sizeof v.of);
	return v;
}

kiln_status kiln_global_set(kiln_extern ext, kiln_val value, kiln_error *err)
{
	kiln_global_rt *g = ext.handle;

	if (ext.kind != KILN_EXTERN_GLOBAL || !g->type.mutable_ || value.type != g->type.type)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "not a mutable global of that type");
	memcpy(&g->value, &value.of, sizeof g->value);
	return KILN_OK;
}

uint32_t kiln_table_size(kiln_extern ext)
{
	return ext.kind == KILN_EXTERN_TABLE ? ((kiln_table_rt *)ext.handle)->size : 0;
}

static kiln_table_rt *table_at(kiln_extern ext, uint32_t i, kiln_error *err)
{
	kiln_table_rt *t = ext.kind == KILN_EXTERN_TABLE ? ext.handle : NULL;

	if (t == NULL || i >= t->size) {
		krt_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET, "no table element %u", i);
		return NULL;
	}
	return t;
}

kiln_status kiln_table_get(kiln_extern ext, uint32_t i, kiln_val *out, kiln_error *err)
{
	kiln_table_rt *t = table_at(ext, i, err);

	if (t == NULL)
		return KILN_ERR_ARG;
	memset(out, 0, sizeof *out);
	out->type = (kiln_valtype)t->type;
	out->of.ref = t->elems[i];
	return KILN_OK;
}

kiln_status kiln_table_set(kiln_extern ext, uint32_t i, kiln_val v, kiln_error *err)
{
	kiln_table_rt *t = table_at(ext, i, err);

	if (t == NULL)
		return KILN_ERR_ARG;
	if (v.type != (kiln_valtype)t->type)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "value of another type");
	t->elems[i] = v.of.ref;
	return KILN_OK;
}

/* --------------------------------------------------------------- calls */

typedef struct call {
	kiln_funcref *f;
	kiln_slot *slots;
} call;

void inst_call_funcref(const kiln_funcref *f, kiln_slot *slots)
{
	if (f->tramp)
		f->tramp(f->ctx, slots, f->code);	/* its signature's, shared */
	else
		host_call_native(f, slots);
}

static void run_call(void *arg)
{
	call *c = arg;

	inst_call_funcref(c->f, c->slots);
}

/* The function index of frame i of a trap in inst's module (trap.h): an
 * interpreted frame's own when it is of that module, a compiled one's as
 * the code symbolizes its pc. */
static uint32_t frame_func(const kiln_instance *inst, const kiln_trap_pcs *pcs, uint32_t i)
{
	if (inst == NULL)
		return UINT32_MAX;
	if (pcs->module[i])
		return pcs->module[i] == inst->module ? (uint32_t)pcs->pc[i] : UINT32_MAX;
	return krt_code_symbolize(inst->code, pcs->pc[i]);
}

/* Frame i's offsets (kiln.h), frame's of function idx of inst's module:
 * both known or neither.  An interpreted frame's came with it, a compiled
 * one's code finds from its pc; an offset outside the function's code
 * entry is not believed. */
static void frame_offsets(const kiln_instance *inst, const kiln_trap_pcs *pcs, uint32_t i,
			  uint32_t idx, __typeof__(((kiln_trap_info *)0)->frames[0]) *fr)
{
	const kiln_module *m = inst ? inst->module : NULL;
	const kiln_func *f;
	uint64_t start;
	uint32_t off;

	fr->module_offset = fr->func_offset = KILN_UNKNOWN_OFFSET;
	if (m == NULL || idx >= m->nfuncs || m->funcs[idx].imported)
		return;
	off = pcs->module[i] ? pcs->offset[i] : krt_code_offset(inst->code, pcs->pc[i]);
	if (off == KILN_UNKNOWN_OFFSET)
		return;
	f = &m->funcs[idx];
	start = (uint64_t)f->body.off + f->body.len - f->code_size;
	if (off < start || off >= (uint64_t)f->body.off + f->body.len)
		return;
	fr->module_offset = off;
	fr->func_offset = (uint32_t)(off - start);
}

/* Names the frames of a trap, as far as inst's module knows them. */
static void describe_frames(const kiln_instance *inst, kiln_trap_kind kind,
			    const kiln_trap_pcs *pcs, kiln_trap_info *out)
{
	const kiln_module *m = inst ? inst->module : NULL;

	out->kind = kind;
	out->instance = (kiln_instance *)inst;
	out->nframes = 0;
	for (uint32_t i = 0; i < pcs->n; i++) {
		uint32_t idx = frame_func(inst, pcs, i);
		if (idx == KILN_NOT_A_FUNCTION)
			continue;	/* an entry trampoline */
		out->frames[out->nframes].func_index = idx;
		out->frames[out->nframes].name =
			idx != UINT32_MAX ? kiln_module_func_name(m, idx) : (kiln_name){NULL, 0};
		frame_offsets(inst, pcs, i, idx, &out->frames[out->nframes++]);
	}
}

/* A call's trap, named by the called function's module. */
static void describe_trap(const kiln_funcref *f, kiln_trap_kind kind,
			  const kiln_trap_pcs *pcs, kiln_trap_info *out)
{
	/* A host function's ctx is a kiln_caller: name frames by its caller. */
	describe_frames(f->host ? ((kiln_caller *)f->ctx)->instance
			: f->ctx ? f->ctx->instance : NULL, kind, pcs, out);
}

/* A call ended with an exception nobody caught: its copy to the caller
 * (out_trap->exception), the status KILN_ERR_EXCEPTION. */
static kiln_status uncaught(kiln_trap_info *out_trap, kiln_error *err)
{
	kiln_exception *e = krt_exn_take_uncaught();

	if (out_trap)
		out_trap->exception = e;
	else
		kiln_exception_delete(e);
	return krt_fail_status(err, KILN_ERR_EXCEPTION, KILN_NO_OFFSET, "uncaught exception");
}

kiln_status kiln_func_call(kiln_extern ext, const kiln_val *args, size_t nargs,
			   kiln_val *results, size_t nresults,
			   kiln_trap_info *out_trap, kiln_error *err)
{
	kiln_funcref *f = ext.handle;
	const kiln_functype *ft;
	kiln_slot small[16], *slots = small;
	size_t n;
	kiln_trap_kind trap;
	kiln_trap_pcs pcs;
	call c;

	if (out_trap)
		*out_trap = (kiln_trap_info){.kind = KILN_TRAP_NONE};
	if (ext.kind != KILN_EXTERN_FUNC || f == NULL)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "not a function");
	ft = f->type;
	if (nargs != ft->nparams || nresults < ft->nresults)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "expected %u arguments and room for %u results",
				       ft->nparams, ft->nresults);
	for (size_t i = 0; i < nargs; i++)
		if (args[i].type != ft->params[i])
			return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
					       "argument %zu: expected %s", i,
					       kiln_valtype_name(ft->params[i]));
	n = nargs > ft->nresults ? nargs : ft->nresults;
	if (n > 16 && !(slots = krt_calloc(n, sizeof *slots)))
		return nomem_status(err);
	for (size_t i = 0; i < nargs; i++)
		memcpy(&slots[i], &args[i].of, sizeof slots[i]);
	c.f = f;
	c.slots = slots;
	/* A host function's ctx is its kiln_caller, not a vmctx: the catcher
	 * gets a blank one to keep its stack limit in. */
	kiln_vmctx blank = {0};
	trap = kiln_trap_catch(f->host ? &blank : f->ctx, run_call, &c, &pcs);
	for (size_t i = 0; trap == KILN_TRAP_NONE && i < ft->nresults; i++) {
		results[i].type = ft->results[i];
		memcpy(&results[i].of, &slots[i], sizeof results[i].of);
	}
	if (slots != small)
		free(slots);
	if (trap == KILN_TRAP_NONE)
		return KILN_OK;
	if (out_trap)
		describe_trap(f, trap, &pcs, out_trap);
	if (trap == KILN_TRAP_UNCAUGHT_EXCEPTION)
		return uncaught(out_trap, err);
	return krt_fail_status(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "%s", kiln_trap_message(trap));
}
