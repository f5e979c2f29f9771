/*
 * instance.h — what an instance holds (internal).
 *
 * The vmctx comes first and points back at the instance.  Index spaces are
 * pointer arrays (ctx.funcs, ctx.globals, ctx.tables) whose entries point
 * either into this instance's own storage or, for imports, into the
 * exporting instance's: that is how instances share functions, globals,
 * tables and memories.
 */
#ifndef KILN_INSTANCE_H
#define KILN_INSTANCE_H

#include "memory.h"
#include "module.h"
#include "vmctx.h"

/* A host export (the spectest module's). */
typedef struct kiln_host_export {
	const char *name;
	kiln_extern ext;
} kiln_host_export;

struct kiln_instance {
	kiln_vmctx ctx;
	const kiln_module *module;	/* NULL for a host instance */
	const kiln_code *code;		/* the module's, which it runs; NULL likewise */
	kiln_memory_rt own_memory;	/* own memory 0 (a host instance's memory) */
	kiln_memory_rt *memory;		/* memory 0, or NULL: memories[0] */
	bool memory_from_image;		/* own memory mapped from a pool image */
	/* multi-memory: one pointer per memory, imports included (ctx.memories),
	 * and own memories 1.. (own_memories[0] is unused: own_memory). */
	kiln_memory_rt **memories;
	kiln_memory_rt *own_memories;
	kiln_global_rt *own_globals;
	kiln_slot **globals;
	kiln_table_rt *own_tables;
	kiln_table_rt **tables;
	kiln_instance_limits limits;	/* resolved: see resolve_limits */
	uint32_t table_budget;		/* own tables' elements still allowed */
	kiln_funcref *own_funcs;
	/* exception handling: every tag (ctx.tags), own ones' objects; and
	 * the exceptions this instance owns (exception.h). */
	kiln_tag_rt **tags;
	kiln_tag_rt *own_tags;
	struct kiln_exn *exns;
	uint32_t nexns;			/* on that list (limits.max_exceptions) */
	kiln_funcref **funcs;
	uint32_t *type_ids;
	/* Element segments' values, evaluated at instantiation; a dropped
	 * segment has length 0.  Data segments: dropped ones likewise. */
	void ***elems;
	uint32_t *elem_len;
	uint32_t *data_len;
	kiln_slot *const_stack;	/* evaluating constants: max_const_depth */
	const kiln_host_export *host_exports;
	size_t nhost_exports;
	void (*free_host)(kiln_instance *inst);	/* host instances: their own teardown */
	/* Per imported host function: the funcref compiled code calls, whose
	 * ctx is the kiln_caller that tells the host who called. */
	struct kiln_caller *callers;
	kiln_funcref *host_refs;
	/* The trap instantiation ended with, frames and all (NULL when it did
	 * not trap): kiln_instance_init_trap. */
	kiln_trap_info *init_trap;
};

struct kiln_caller {
	kiln_instance *instance;
	const struct kiln_host_func *func;
};

struct kiln_host_func {
	kiln_funcref ref;	/* first: the extern's handle */
	kiln_functype type;
	kiln_valtype *types;
	void *code;		/* the native entry */
	kiln_generic_fn generic;
	void *env;
	void *closure;		/* libffi closure for the generic form */
	struct kiln_caller unbound;	/* for calls through the API */
	void *cif;		/* ffi_cif of the generic entry */
	void *cif_types;
};

/* Calls a host function's native entry `R f(ctx, P...)` (it has no entry
 * trampoline) with the arguments from the slots, its result into slots[0]
 * (host.c). */
void host_call_native(const kiln_funcref *f, kiln_slot *slots);

/* Calls any function through its funcref: its entry trampoline, or the
 * host call above; arguments and results in `slots` (instance.c).  Inside
 * a kiln_trap_catch. */
void inst_call_funcref(const kiln_funcref *f, kiln_slot *slots);

/* The process's epoch (instance.c): compiled code reads it through ctx. */
extern _Atomic uint64_t kiln_epoch_counter;

/* Host calls that block (WASI's poll_oneoff, reads, accepts) wait in
 * slices of this many milliseconds while the running call has an epoch
 * deadline, and check it between slices: the epoch is a counter moved by
 * the embedder, not a clock, so they cannot sleep until it. */
#define KILN_DEADLINE_SLICE_MS 10

/* The epoch deadline of the call running on this thread (its entry
 * instance's), UINT64_MAX when it has none; ends the call with
 * "interrupted" when the epoch has reached it.  Only inside a call. */
uint64_t kiln_deadline_check(void);

/* The helper table compiled code calls (helpers.c). */
extern const kiln_helpers kiln_runtime_helpers;

/* The canonical id of a signature: equal signatures, equal ids, across
 * modules (types.c). */
uint32_t kiln_type_id(const kiln_functype *ft);

#define KILN_INSTANCE(ctx) ((kiln_instance *)(ctx)->instance)

/* Grows a table by `delta` elements set to `init`; returns the old size or
 * UINT32_MAX (past its maximum, 10,000,000 elements, its instance's
 * max_table_elements, or out of memory). */
uint32_t kiln_table_grow(kiln_table_rt *t, uint32_t delta, void *init);

#endif /* KILN_INSTANCE_H */
