/*
 * vmctx.h — the ABI between compiled code and the runtime, defined once.
 *
 * Every compiled function is `R f(kiln_vmctx *ctx, P1 p1, ...)` with the C
 * calling convention, its ctx also in %r13 (x86-64): compiled code passes
 * it there as well (LLVM's swiftself, a register C callees preserve) and
 * reads its own from there, so that a call within an instance moves
 * nothing (compiler/lower.h, LOWER_CTX_ARGS).  C functions called as wasm
 * code (host functions, the shims) see an ordinary C call.  No result is
 * `void`, one result is returned as is, several come back as an LLVM
 * first-class struct (only compiled code calls such functions; C reaches
 * compiled code through entry trampolines, kiln_tramp_fn below, which set
 * %r13 too).
 *
 * Compiled code reaches the runtime only through `ctx`: the fields below at
 * the offsets below (the compiler builds its loads from these constants and
 * this file _Static_asserts them), and the helper table.  No external
 * symbols, so that AOT objects need no dynamic relocations.
 *
 * Values in memory (globals, trampoline slots) take 16 bytes each.  A
 * funcref is a `kiln_funcref *` (NULL is ref.null); an externref is an
 * opaque host pointer.
 */
#ifndef KILN_VMCTX_H
#define KILN_VMCTX_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

typedef struct kiln_vmctx kiln_vmctx;

typedef union kiln_slot {
	int32_t i32;
	int64_t i64;
	float f32;
	double f64;
	void *ref;
	uint8_t v128[16];
} kiln_slot;

/* An entry trampoline: calls `entry`, a native entry (above) of the one
 * signature the trampoline is made for, with ctx and the arguments read
 * from slots[0..nparams), and stores its results into slots[0..nresults).
 * The entry is an argument, not built in, so that every function of one
 * signature shares one trampoline (code.h, krt_tramp_name), whatever its
 * module or type index: a module costs no trampoline per function. */
typedef void kiln_tramp_fn(kiln_vmctx *ctx, kiln_slot *slots, void *entry);

/* What a function reference points to: enough to call it from anywhere. */
typedef struct kiln_funcref {
	void *code;		/* native entry, see above */
	kiln_vmctx *ctx;	/* the instance the function belongs to */
	uint32_t type_id;	/* canonical signature id, see kiln_type_id */
	/* Entry from C: tramp(ctx, slots, code), the trampoline of the
	 * function's signature; NULL for host functions, which the API calls
	 * through libffi. */
	kiln_tramp_fn *tramp;
	const kiln_functype *type;
	/* A host function created by kiln_host_func_new, else NULL: instances
	 * importing it get their own funcref whose ctx is their kiln_caller. */
	const struct kiln_host_func *host;
} kiln_funcref;

/* A global: its value first, so a pointer to it is a pointer to the slot
 * compiled code reads. */
typedef struct kiln_global_rt {
	kiln_slot value;
	kiln_globaltype type;
} kiln_global_rt;

/* A linear memory as compiled code sees it (memory.h has the rest). */
typedef struct kiln_memory_view {
	uint8_t *base;		/* never moves */
	uint64_t size;		/* accessible bytes */
} kiln_memory_view;

typedef struct kiln_table_rt {
	void **elems;		/* kiln_funcref * or externref */
	uint32_t size, max;
	uint8_t type;		/* KILN_FUNCREF or KILN_EXTERNREF */
	/* Elements the owning instance's tables may still grow by, all
	 * together (max_table_elements); NULL: no such cap.  Runtime only. */
	uint32_t *budget;
} kiln_table_rt;

/* Runtime helpers compiled code calls through ctx->helpers.  Each takes the
 * calling instance's ctx first.  Those returning void may trap instead of
 * returning. */
typedef struct kiln_helpers {
	void (*trap)(kiln_vmctx *ctx, uint32_t kind) __attribute__((noreturn));
	uint32_t (*memory_grow)(kiln_vmctx *ctx, uint32_t delta_pages);
	void (*memory_fill)(kiln_vmctx *ctx, uint32_t dst, uint32_t value, uint32_t n);
	void (*memory_copy)(kiln_vmctx *ctx, uint32_t dst, uint32_t src, uint32_t n);
	void (*memory_init)(kiln_vmctx *ctx, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n);
	void (*data_drop)(kiln_vmctx *ctx, uint32_t seg);
	void *(*table_get)(kiln_vmctx *ctx, uint32_t table, uint32_t i);
	void (*table_set)(kiln_vmctx *ctx, uint32_t table, uint32_t i, void *ref);
	uint32_t (*table_grow)(kiln_vmctx *ctx, uint32_t table, void *init, uint32_t delta);
	void (*table_fill)(kiln_vmctx *ctx, uint32_t table, uint32_t i, void *ref, uint32_t n);
	void (*table_copy)(kiln_vmctx *ctx, uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src, uint32_t n);
	void (*table_init)(kiln_vmctx *ctx, uint32_t table, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n);
	void (*elem_drop)(kiln_vmctx *ctx, uint32_t seg);
	/* threads: ea is the effective address (aligned: compiled code
	 * checked); bounds and sharedness are checked here.  wait returns 0
	 * woken, 1 not equal, 2 timed out (timeout in ns, negative: none);
	 * notify the number of waiters woken. */
	uint32_t (*atomic_wait32)(kiln_vmctx *ctx, uint64_t ea, uint32_t expected, int64_t timeout);
	uint32_t (*atomic_wait64)(kiln_vmctx *ctx, uint64_t ea, uint64_t expected, int64_t timeout);
	uint32_t (*atomic_notify)(kiln_vmctx *ctx, uint64_t ea, uint32_t count);
	/* multi-memory: the memory helpers above for memory `mem` (copy: from
	 * memory `src_mem` to `dst_mem`); those above are these for memory 0.
	 * memory64: addresses and lengths in memories are u64s (compiled code
	 * zero-extends a 32-bit memory's), since a 64-bit memory may pass
	 * 4 GiB; a data segment's offset and length stay u32s. */
	uint32_t (*memory_grow_at)(kiln_vmctx *ctx, uint32_t mem, uint32_t delta_pages);
	void (*memory_fill_at)(kiln_vmctx *ctx, uint32_t mem, uint64_t dst, uint32_t value, uint64_t n);
	void (*memory_copy_at)(kiln_vmctx *ctx, uint32_t dst_mem, uint32_t src_mem, uint64_t dst, uint64_t src, uint64_t n);
	void (*memory_init_at)(kiln_vmctx *ctx, uint32_t mem, uint32_t seg, uint64_t dst, uint32_t src, uint32_t n);
	uint32_t (*atomic_wait32_at)(kiln_vmctx *ctx, uint32_t mem, uint64_t ea, uint32_t expected, int64_t timeout);
	uint32_t (*atomic_wait64_at)(kiln_vmctx *ctx, uint32_t mem, uint64_t ea, uint64_t expected, int64_t timeout);
	uint32_t (*atomic_notify_at)(kiln_vmctx *ctx, uint32_t mem, uint64_t ea, uint32_t count);
	/* exception handling (runtime/exception.c): throw raises a new
	 * exception of tag `tag` with the tag's parameters in vals (16-byte
	 * slots); throw_ref raises `exn` again (null: traps "null exception
	 * reference").  Neither returns.  caught tells the
	 * runtime what the landing code did with an exception it took:
	 * KILN_EXN_DROP, _PIN, _HOLD or _RELEASE (kiln_exn_use). */
	void (*throw_)(kiln_vmctx *ctx, uint32_t tag, const kiln_slot *vals) __attribute__((noreturn));
	void (*throw_ref)(kiln_vmctx *ctx, void *exn) __attribute__((noreturn));
	void (*exn_caught)(kiln_vmctx *ctx, void *exn, uint32_t use);
} kiln_helpers;

/* What landing code did with an exception (kiln_helpers.exn_caught):
 *  DROP     a catch without a reference took its values: the exception
 *           goes unless something else still holds it;
 *  PIN      catch_ref/catch_all_ref made it an exnref value, which may be
 *           kept anywhere: it lives as long as the catching instance;
 *  HOLD     a legacy catch began: `rethrow` may raise it again until
 *  RELEASE  the catch ends normally. */
enum kiln_exn_use { KILN_EXN_DROP, KILN_EXN_PIN, KILN_EXN_HOLD, KILN_EXN_RELEASE };

/* A tag: what a catch compares an exception's tag with.  Every instance
 * importing a tag points to the exporter's (or the host's) one object. */
typedef struct kiln_tag_rt {
	const kiln_functype *type;
	uint32_t type_id;
} kiln_tag_rt;

/* Helper ids: the index of each pointer in kiln_helpers. */
enum kiln_helper_id {
	KILN_H_TRAP, KILN_H_MEMORY_GROW, KILN_H_MEMORY_FILL, KILN_H_MEMORY_COPY,
	KILN_H_MEMORY_INIT, KILN_H_DATA_DROP, KILN_H_TABLE_GET, KILN_H_TABLE_SET,
	KILN_H_TABLE_GROW, KILN_H_TABLE_FILL, KILN_H_TABLE_COPY, KILN_H_TABLE_INIT,
	KILN_H_ELEM_DROP, KILN_H_ATOMIC_WAIT32, KILN_H_ATOMIC_WAIT64,
	KILN_H_ATOMIC_NOTIFY, KILN_H_MEMORY_GROW_AT, KILN_H_MEMORY_FILL_AT,
	KILN_H_MEMORY_COPY_AT, KILN_H_MEMORY_INIT_AT, KILN_H_ATOMIC_WAIT32_AT,
	KILN_H_ATOMIC_WAIT64_AT, KILN_H_ATOMIC_NOTIFY_AT, KILN_H_THROW,
	KILN_H_THROW_REF, KILN_H_EXN_CAUGHT, KILN_H_COUNT_
};

struct kiln_vmctx {
	kiln_memory_view *memory;	/* memory 0 (maybe another instance's), or NULL */
	uint8_t *memory_base;		/* memory->base (it never moves), or NULL */
	uintptr_t stack_limit;		/* the lowest stack pointer allowed */
	const kiln_helpers *helpers;
	kiln_slot **globals;		/* one pointer per global, imports included */
	kiln_table_rt **tables;		/* one pointer per table, imports included */
	kiln_funcref **funcs;		/* one per function, imports included */
	const uint32_t *type_ids;	/* canonical id of each type index */
	void *instance;			/* the kiln_instance, for helpers */
	uintptr_t stack_budget;		/* wasm stack for a call from here; 0: default */
	/* Interruption (code compiled with kiln_config.epoch_interruption):
	 * at function entries and loop headers, code traps "interrupted" once
	 * *epoch (the process's counter) reaches epoch_deadline. */
	const _Atomic uint64_t *epoch;
	uint64_t epoch_deadline;
	/* Fuel (code compiled with kiln_config.fuel_metering): what is left;
	 * function entries and loop headers subtract their cost and trap "all
	 * fuel consumed" below zero. */
	int64_t fuel;
	/* multi-memory: every memory, imports included ([0] is `memory`);
	 * code for memory 0 uses the fields above, which stay where they were
	 * so that its accesses cost what they did. */
	kiln_memory_view **memories;
	/* exception handling: every tag, imports included. */
	kiln_tag_rt **tags;
};

/* Offsets compiled code uses. */
enum kiln_vmctx_offset {
	KILN_CTX_MEMORY = 0,
	KILN_CTX_MEMORY_BASE = 8,
	KILN_MEMORY_BASE = 0,
	KILN_MEMORY_SIZE = 8,
	KILN_CTX_STACK_LIMIT = 16,
	KILN_CTX_HELPERS = 24,
	KILN_CTX_GLOBALS = 32,
	KILN_CTX_TABLES = 40,
	KILN_CTX_FUNCS = 48,
	KILN_CTX_TYPE_IDS = 56,
	KILN_CTX_EPOCH = 80,
	KILN_CTX_EPOCH_DEADLINE = 88,
	KILN_CTX_FUEL = 96,
	KILN_CTX_MEMORIES = 104,
	KILN_CTX_TAGS = 112,
	/* An exception (exnref; runtime/exception.h): its tag, and its
	 * values in 16-byte slots. */
	KILN_EXN_TAG = 32,
	KILN_EXN_VALS = 80,
	KILN_FUNCREF_CODE = 0,
	KILN_FUNCREF_CTX = 8,
	KILN_FUNCREF_TYPE_ID = 16,
	KILN_FUNCREF_HOST = 40,
	KILN_TABLE_ELEMS = 0,
	KILN_TABLE_SIZE = 8,
	KILN_SLOT_SIZE = 16,
};

_Static_assert(offsetof(kiln_vmctx, memory) == KILN_CTX_MEMORY, "ABI");
_Static_assert(offsetof(kiln_memory_view, base) == KILN_MEMORY_BASE, "ABI");
_Static_assert(offsetof(kiln_memory_view, size) == KILN_MEMORY_SIZE, "ABI");
_Static_assert(offsetof(kiln_vmctx, memory_base) == KILN_CTX_MEMORY_BASE, "ABI");
_Static_assert(offsetof(kiln_vmctx, stack_limit) == KILN_CTX_STACK_LIMIT, "ABI");
_Static_assert(offsetof(kiln_vmctx, helpers) == KILN_CTX_HELPERS, "ABI");
_Static_assert(offsetof(kiln_vmctx, globals) == KILN_CTX_GLOBALS, "ABI");
_Static_assert(offsetof(kiln_vmctx, tables) == KILN_CTX_TABLES, "ABI");
_Static_assert(offsetof(kiln_vmctx, funcs) == KILN_CTX_FUNCS, "ABI");
_Static_assert(offsetof(kiln_vmctx, type_ids) == KILN_CTX_TYPE_IDS, "ABI");
_Static_assert(offsetof(kiln_vmctx, epoch) == KILN_CTX_EPOCH, "ABI");
_Static_assert(offsetof(kiln_vmctx, epoch_deadline) == KILN_CTX_EPOCH_DEADLINE, "ABI");
_Static_assert(offsetof(kiln_vmctx, fuel) == KILN_CTX_FUEL, "ABI");
_Static_assert(offsetof(kiln_vmctx, memories) == KILN_CTX_MEMORIES, "ABI");
_Static_assert(offsetof(kiln_vmctx, tags) == KILN_CTX_TAGS, "ABI");
_Static_assert(offsetof(kiln_funcref, code) == KILN_FUNCREF_CODE, "ABI");
_Static_assert(offsetof(kiln_funcref, ctx) == KILN_FUNCREF_CTX, "ABI");
_Static_assert(offsetof(kiln_funcref, type_id) == KILN_FUNCREF_TYPE_ID, "ABI");
_Static_assert(offsetof(kiln_funcref, host) == KILN_FUNCREF_HOST, "ABI");
_Static_assert(offsetof(kiln_table_rt, elems) == KILN_TABLE_ELEMS, "ABI");
_Static_assert(offsetof(kiln_table_rt, size) == KILN_TABLE_SIZE, "ABI");
_Static_assert(sizeof(kiln_slot) == KILN_SLOT_SIZE, "ABI");
_Static_assert(sizeof(kiln_helpers) == KILN_H_COUNT_ * sizeof(void *), "ABI");

#endif /* KILN_VMCTX_H */
