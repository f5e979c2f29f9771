/*
 * helpers.c — the runtime functions compiled code calls through
 * ctx->helpers: memory.grow, bulk memory, tables, segment drops, wait and
 * notify (atomic.c), and the trap entry.  Bounds are checked as the spec orders (the whole range
 * before anything is written) and violations trap through
 * krt_trap_raise, the one raise point.
 */
#include <stdlib.h>
#include <string.h>

#include "exception.h"
#include "instance.h"
#include "trap.h"

#define MAX_TABLE_SIZE 10000000u	/* elements; table.grow fails beyond */

static __attribute__((noreturn)) void h_trap(kiln_vmctx *ctx, uint32_t kind)
{
	(void)ctx;
	krt_trap_raise(kind);
}

/* Memory i of the calling instance (0: ctx->memory's). */
static kiln_memory_rt *memory(kiln_vmctx *ctx, uint32_t i)
{
	return KILN_INSTANCE(ctx)->memories[i];
}

/* true when [start, start + n) lies within `size` (no sum that wraps:
 * a 64-bit memory's operands are u64s). */
static bool fits(uint64_t start, uint64_t n, uint64_t size)
{
	return n <= size && start <= size - n;
}

static uint32_t h_memory_grow_at(kiln_vmctx *ctx, uint32_t i, uint32_t delta)
{
	return kiln_memory_grow(memory(ctx, i), delta);
}

static void h_memory_fill_at(kiln_vmctx *ctx, uint32_t i, uint64_t d, uint32_t v, uint64_t n)
{
	kiln_memory_rt *mem = memory(ctx, i);

	if (!fits(d, n, kiln_memory_size(mem)))
		krt_trap_raise(KILN_TRAP_MEMORY_OOB);
	memset(mem->base + d, (int)(v & 0xff), n);
}

/* Between two memories (the same one: memmove's overlap rules). */
static void h_memory_copy_at(kiln_vmctx *ctx, uint32_t di, uint32_t si, uint64_t d,
			     uint64_t s, uint64_t n)
{
	kiln_memory_rt *dm = memory(ctx, di), *sm = memory(ctx, si);

	if (!fits(d, n, kiln_memory_size(dm)) || !fits(s, n, kiln_memory_size(sm)))
		krt_trap_raise(KILN_TRAP_MEMORY_OOB);
	memmove(dm->base + d, sm->base + s, n);
}

static void h_memory_init_at(kiln_vmctx *ctx, uint32_t i, uint32_t seg, uint64_t d,
			     uint32_t s, uint32_t n)
{
	kiln_instance *inst = KILN_INSTANCE(ctx);
	const kiln_module *m = inst->module;
	kiln_memory_rt *mem = inst->memories[i];

	if (!fits(s, n, inst->data_len[seg]) || !fits(d, n, kiln_memory_size(mem)))
		krt_trap_raise(KILN_TRAP_MEMORY_OOB);
	memcpy(mem->base + d, m->bytes + m->datas[seg].init.off + s, n);
}

/* Memory 0's helpers: what 2.0 code calls. */
static uint32_t h_memory_grow(kiln_vmctx *ctx, uint32_t delta)
{
	return h_memory_grow_at(ctx, 0, delta);
}

static void h_memory_fill(kiln_vmctx *ctx, uint32_t d, uint32_t v, uint32_t n)
{
	h_memory_fill_at(ctx, 0, d, v, n);
}

static void h_memory_copy(kiln_vmctx *ctx, uint32_t d, uint32_t s, uint32_t n)
{
	h_memory_copy_at(ctx, 0, 0, d, s, n);
}

static void h_memory_init(kiln_vmctx *ctx, uint32_t seg, uint32_t d, uint32_t s,
			  uint32_t n)
{
	h_memory_init_at(ctx, 0, seg, d, s, n);
}

static void h_data_drop(kiln_vmctx *ctx, uint32_t seg)
{
	KILN_INSTANCE(ctx)->data_len[seg] = 0;
}

static kiln_table_rt *table(kiln_vmctx *ctx, uint32_t t)
{
	return KILN_INSTANCE(ctx)->tables[t];
}

static void *h_table_get(kiln_vmctx *ctx, uint32_t t, uint32_t i)
{
	kiln_table_rt *tab = table(ctx, t);

	if (i >= tab->size)
		krt_trap_raise(KILN_TRAP_TABLE_OOB);
	return tab->elems[i];
}

static void h_table_set(kiln_vmctx *ctx, uint32_t t, uint32_t i, void *ref)
{
	kiln_table_rt *tab = table(ctx, t);

	if (i >= tab->size)
		krt_trap_raise(KILN_TRAP_TABLE_OOB);
	tab->elems[i] = ref;
}

uint32_t kiln_table_grow(kiln_table_rt *t, uint32_t delta, void *init)
{
	uint32_t old = t->size;
	uint64_t n = (uint64_t)old + delta;
	void **elems;

	if (n > t->max || n > MAX_TABLE_SIZE || (t->budget && delta > *t->budget))
		return UINT32_MAX;
	if (delta == 0)
		return old;
	if (!(elems = realloc(t->elems, n * sizeof *elems)))
		return UINT32_MAX;
	for (uint64_t i = old; i < n; i++)
		elems[i] = init;
	t->elems = elems;
	t->size = (uint32_t)n;
	if (t->budget)
		*t->budget -= delta;
	return old;
}

static uint32_t h_table_grow(kiln_vmctx *ctx, uint32_t t, void *init, uint32_t delta)
{
	return kiln_table_grow(table(ctx, t), delta, init);
}

static void h_table_fill(kiln_vmctx *ctx, uint32_t t, uint32_t i, void *ref, uint32_t n)
{
	kiln_table_rt *tab = table(ctx, t);

	if (!fits(i, n, tab->size))
		krt_trap_raise(KILN_TRAP_TABLE_OOB);
	for (uint32_t k = 0; k < n; k++)
		tab->elems[i + k] = ref;
}

static void h_table_copy(kiln_vmctx *ctx, uint32_t dt, uint32_t st, uint32_t d,
			 uint32_t s, uint32_t n)
{
	kiln_table_rt *dst = table(ctx, dt), *src = table(ctx, st);

	if (!fits(d, n, dst->size) || !fits(s, n, src->size))
		krt_trap_raise(KILN_TRAP_TABLE_OOB);
	if (n)
		memmove(dst->elems + d, src->elems + s, n * sizeof *dst->elems);
}

static void h_table_init(kiln_vmctx *ctx, uint32_t t, uint32_t seg, uint32_t d,
			 uint32_t s, uint32_t n)
{
	kiln_instance *inst = KILN_INSTANCE(ctx);
	kiln_table_rt *tab = table(ctx, t);

	if (!fits(s, n, inst->elem_len[seg]) || !fits(d, n, tab->size))
		krt_trap_raise(KILN_TRAP_TABLE_OOB);
	if (n)
		memcpy(tab->elems + d, inst->elems[seg] + s, n * sizeof *tab->elems);
}

static void h_elem_drop(kiln_vmctx *ctx, uint32_t seg)
{
	KILN_INSTANCE(ctx)->elem_len[seg] = 0;
}

static uint32_t h_atomic_wait32_at(kiln_vmctx *ctx, uint32_t i, uint64_t ea,
				   uint32_t expected, int64_t timeout)
{
	return kiln_atomic_wait(memory(ctx, i), ea, expected, 4, timeout);
}

static uint32_t h_atomic_wait64_at(kiln_vmctx *ctx, uint32_t i, uint64_t ea,
				   uint64_t expected, int64_t timeout)
{
	return kiln_atomic_wait(memory(ctx, i), ea, expected, 8, timeout);
}

static uint32_t h_atomic_notify_at(kiln_vmctx *ctx, uint32_t i, uint64_t ea, uint32_t count)
{
	return kiln_atomic_notify(memory(ctx, i), ea, count);
}

static uint32_t h_atomic_wait32(kiln_vmctx *ctx, uint64_t ea, uint32_t expected,
				int64_t timeout)
{
	return h_atomic_wait32_at(ctx, 0, ea, expected, timeout);
}

static uint32_t h_atomic_wait64(kiln_vmctx *ctx, uint64_t ea, uint64_t expected,
				int64_t timeout)
{
	return h_atomic_wait64_at(ctx, 0, ea, expected, timeout);
}

static uint32_t h_atomic_notify(kiln_vmctx *ctx, uint64_t ea, uint32_t count)
{
	return h_atomic_notify_at(ctx, 0, ea, count);
}

const kiln_helpers kiln_runtime_helpers = {
	.trap = h_trap,
	.memory_grow = h_memory_grow,
	.memory_fill = h_memory_fill,
	.memory_copy = h_memory_copy,
	.memory_init = h_memory_init,
	.data_drop = h_data_drop,
	.table_get = h_table_get,
	.table_set = h_table_set,
	.table_grow = h_table_grow,
	.table_fill = h_table_fill,
	.table_copy = h_table_copy,
	.table_init = h_table_init,
	.elem_drop = h_elem_drop,
	.atomic_wait32 = h_atomic_wait32,
	.atomic_wait64 = h_atomic_wait64,
	.atomic_notify = h_atomic_notify,
	.memory_grow_at = h_memory_grow_at,
	.memory_fill_at = h_memory_fill_at,
	.memory_copy_at = h_memory_copy_at,
	.memory_init_at = h_memory_init_at,
	.atomic_wait32_at = h_atomic_wait32_at,
	.atomic_wait64_at = h_atomic_wait64_at,
	.atomic_notify_at = h_atomic_notify_at,
	.throw_ = krt_h_throw,
	.throw_ref = krt_h_throw_ref,
	.exn_caught = krt_h_exn_caught,
};
