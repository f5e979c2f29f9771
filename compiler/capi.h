/*
 * capi.h — the objects behind include/wasm.h (internal to capi_*.c).
 *
 * The standard C API is a layer over kiln.h and nothing else: every
 * object below wraps kiln handles.  docs/architecture.md ("The standard C
 * API") has the ownership rules; in short:
 *
 *  - Type objects (valtype, functype...) are plain values, owned by whoever
 *    holds the pointer, copied deeply.
 *  - Runtime objects (func, global, table, memory, instance, module,
 *    trap, foreign) are handles: a wasm_ref_t header with a count of the
 *    handles sharing it (wasm_X_copy adds one, wasm_X_delete drops one;
 *    at zero the host info's finalizer runs and the handle is freed).
 *    Live handles are linked into their store, which frees those left
 *    when it is deleted.
 *  - What handles point at (kiln instances, host functions, globals,
 *    memories, tables) belongs to the store: kept on its list of
 *    resources and freed, newest first, when the store is deleted, since
 *    the standard lets a program delete an instance's handle and go on
 *    calling its exports.  Modules are shared between stores and threads
 *    (capi_module, counted atomically); a store holds a count on each
 *    module it instantiated.
 */
#ifndef KILN_CAPI_H
#define KILN_CAPI_H

#include <stdatomic.h>

#include "kiln.h"
#include "wasm.h"

/* ---------------------------------------------------------------- types */

struct wasm_valtype_t {
	wasm_valkind_t kind;
};

/* The first member of every extern type, so that the _as_ conversions are
 * casts. */
struct wasm_externtype_t {
	wasm_externkind_t kind;
};

struct wasm_functype_t {
	wasm_externtype_t ext;
	wasm_valtype_vec_t params, results;
};

struct wasm_globaltype_t {
	wasm_externtype_t ext;
	wasm_valtype_t *content;
	wasm_mutability_t mutability;
};

struct wasm_tabletype_t {
	wasm_externtype_t ext;
	wasm_valtype_t *element;
	wasm_limits_t limits;
};

struct wasm_memorytype_t {
	wasm_externtype_t ext;
	wasm_limits_t limits;
};

struct wasm_tagtype_t {
	wasm_externtype_t ext;
	wasm_functype_t *functype;
};

struct wasm_importtype_t {
	wasm_name_t module, name;
	wasm_externtype_t *type;
};

struct wasm_exporttype_t {
	wasm_name_t name;
	wasm_externtype_t *type;
};

/* kiln's types as the standard's (new objects, the caller's). */
wasm_valkind_t capi_valkind(kiln_valtype t);
kiln_valtype capi_kiln_valtype(wasm_valkind_t k);
wasm_externtype_t *capi_externtype(const kiln_externtype *t);
wasm_functype_t *capi_functype(const kiln_functype *ft);
/* A functype as kiln's: types has room for params + results. */
kiln_functype capi_kiln_functype(const wasm_functype_t *ft, kiln_valtype *types);
wasm_externkind_t capi_externkind(kiln_extern_kind k);

/* ------------------------------------------------------------- handles */

typedef enum capi_kind {
	CAPI_FUNC,	/* the externs first: wasm_extern_t */
	CAPI_GLOBAL,
	CAPI_TABLE,
	CAPI_MEMORY,
	CAPI_TAG,	/* an exception tag: a wasm_extern_t of kind WASM_EXTERN_TAG */
	CAPI_INSTANCE,
	CAPI_MODULE,
	CAPI_TRAP,
	CAPI_FOREIGN,
	CAPI_EXTERN,	/* not a kind of handle: "any of the first five" */
} capi_kind;

/* The header of every runtime object's handle. */
struct wasm_ref_t {
	capi_kind kind;
	uint32_t handles;		/* sharing this header: copies add one */
	wasm_store_t *store;		/* NULL for a trap made outside a store */
	struct wasm_ref_t *prev, *next;	/* the store's live handles */
	void *host_info;
	void (*finalizer)(void *);
};

/* A function, global, table or memory; the four handle types are this. */
struct wasm_extern_t {
	wasm_ref_t ref;
	kiln_extern ext;
};

struct wasm_func_t { wasm_extern_t e; };
struct wasm_global_t { wasm_extern_t e; };
struct wasm_table_t { wasm_extern_t e; };
struct wasm_memory_t { wasm_extern_t e; };

/* A module compiled once, shared by handles in any store, on any thread. */
typedef struct capi_module {
	atomic_uint refs;
	kiln_module *module;
	wasm_engine_t *engine;
} capi_module;

struct wasm_module_t {
	wasm_ref_t ref;
	capi_module *m;
};

struct wasm_shared_module_t {
	capi_module *m;
};

struct wasm_instance_t {
	wasm_ref_t ref;
	kiln_instance *instance;	/* the store's */
	capi_module *m;			/* a count the store holds */
};

/* A frame names its function, its instruction's offsets and its instance
 * (kiln_trap_info).  `handle` is the instance's handle wasm_frame_instance
 * made, which the frame owns. */
struct wasm_frame_t {
	uint32_t func_index;
	uint32_t module_offset, func_offset;	/* KILN_UNKNOWN_OFFSET: unknown */
	kiln_instance *instance;	/* NULL: unknown */
	wasm_store_t *store;
	wasm_instance_t *handle;
};

struct wasm_trap_t {
	wasm_ref_t ref;
	wasm_message_t message;		/* NUL-terminated, NUL counted */
	kiln_trap_info info;		/* frames; kind KILN_TRAP_NONE when made by the host */
};

struct wasm_foreign_t {
	wasm_ref_t ref;
};

struct wasm_config_t {
	kiln_config config;
	bool aot;		/* kiln_wasm_config_set_aot */
};

struct wasm_engine_t {
	kiln_engine *engine;
	bool aot;		/* modules compiled whole when made */
};

/* A store's resource: what `free` is called on when the store goes. */
typedef struct capi_resource {
	void (*free)(void *p);
	void *p;
} capi_resource;

struct wasm_store_t {
	wasm_engine_t *engine;
	wasm_ref_t *live;		/* handles not yet deleted */
	capi_resource *res;		/* freed newest first at deletion */
	size_t nres, cap;
};

/* Starts a handle of `kind` in `store` (size bytes, zeroed, one handle):
 * NULL when out of memory. */
void *capi_handle_new(wasm_store_t *store, capi_kind kind, size_t size);
/* Drops one handle: at the last, runs the finalizer and frees it. */
void capi_handle_delete(wasm_ref_t *ref);
/* Makes the store free `p` with `fn` when it is deleted; false (having
 * freed nothing) when out of memory. */
bool capi_store_keep(wasm_store_t *store, void (*fn)(void *), void *p);

/* A handle for a kiln extern: a new wasm_extern_t in the store. */
wasm_extern_t *capi_extern_new(wasm_store_t *store, kiln_extern ext);

/* The module of an instance the store made (NULL if it made none such). */
capi_module *capi_store_module_of(const wasm_store_t *store, const kiln_instance *instance);

/* Modules: one more count, one less (the last frees it). */
capi_module *capi_module_hold(capi_module *m);
void capi_module_release(void *m);

/* The parts of a handle every type shares (capi_trap.c). */
wasm_ref_t *capi_ref_copy(const wasm_ref_t *ref);
bool capi_ref_same(const wasm_ref_t *a, const wasm_ref_t *b);
void capi_ref_set_host_info(wasm_ref_t *ref, void *info, void (*finalizer)(void *));
/* Whether ref is a handle of `kind` (CAPI_EXTERN: any extern). */
bool capi_ref_is(const wasm_ref_t *ref, capi_kind kind);

/* The functions WASM_DECLARE_REF_BASE declares for wasm_NAME_t ... */
#define CAPI_REF_BASE(name)                                                    \
	void wasm_##name##_delete(wasm_##name##_t *x)                          \
	{                                                                      \
		if (x)                                                         \
			capi_handle_delete((wasm_ref_t *)x);                   \
	}                                                                      \
	wasm_##name##_t *wasm_##name##_copy(const wasm_##name##_t *x)          \
	{                                                                      \
		return (wasm_##name##_t *)capi_ref_copy((const wasm_ref_t *)x); \
	}                                                                      \
	bool wasm_##name##_same(const wasm_##name##_t *a, const wasm_##name##_t *b) \
	{                                                                      \
		return capi_ref_same((const wasm_ref_t *)a, (const wasm_ref_t *)b); \
	}                                                                      \
	void *wasm_##name##_get_host_info(const wasm_##name##_t *x)            \
	{                                                                      \
		return ((const wasm_ref_t *)x)->host_info;                     \
	}                                                                      \
	void wasm_##name##_set_host_info(wasm_##name##_t *x, void *info)       \
	{                                                                      \
		capi_ref_set_host_info((wasm_ref_t *)x, info, NULL);           \
	}                                                                      \
	void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t *x, void *info, \
							void (*fin)(void *))   \
	{                                                                      \
		capi_ref_set_host_info((wasm_ref_t *)x, info, fin);            \
	}

/* ... and WASM_DECLARE_REF (handles of `kind`). */
#define CAPI_REF(name, kind)                                                   \
	CAPI_REF_BASE(name)                                                    \
	wasm_ref_t *wasm_##name##_as_ref(wasm_##name##_t *x)                   \
	{                                                                      \
		return (wasm_ref_t *)x;                                        \
	}                                                                      \
	const wasm_ref_t *wasm_##name##_as_ref_const(const wasm_##name##_t *x) \
	{                                                                      \
		return (const wasm_ref_t *)x;                                  \
	}                                                                      \
	wasm_##name##_t *wasm_ref_as_##name(wasm_ref_t *r)                     \
	{                                                                      \
		return capi_ref_is(r, kind) ? (wasm_##name##_t *)r : NULL;     \
	}                                                                      \
	const wasm_##name##_t *wasm_ref_as_##name##_const(const wasm_ref_t *r) \
	{                                                                      \
		return capi_ref_is(r, kind) ? (const wasm_##name##_t *)r : NULL; \
	}

/* Values both ways; false for a value kiln cannot carry there. */
bool capi_to_kiln(const wasm_val_t *v, kiln_val *out);
bool capi_from_kiln(wasm_store_t *store, const kiln_val *v, wasm_val_t *out);

/* Traps: one with a message (copied, NUL added), and the one a call into
 * kiln ended with (the host's own when a host function returned it). */
wasm_trap_t *capi_trap_new(wasm_store_t *store, const char *msg, size_t len);
wasm_trap_t *capi_trap_from(wasm_store_t *store, const kiln_trap_info *info);
/* A host function's trap, kept for the call it ends (thread-local). */
void capi_trap_pend(wasm_trap_t *trap);

/* -------------------------------------- host functions of several results */

/* The most results a host function may have. */
#define CAPI_MAX_RESULTS 64

/* A wasm adapter (capi_multi.c) giving a host function of type ft, with
 * more than one result, the entry compiled code expects: `call` (of ft's
 * parameters, no results) runs the callback, which leaves its results in
 * capi_adapter_results(); *out is the function to import.  NULL when the
 * module cannot be made. */
typedef struct capi_adapter capi_adapter;
capi_adapter *capi_adapter_new(kiln_engine *engine, const kiln_functype *ft,
			       kiln_host_func *call, kiln_extern *out);
void capi_adapter_delete(capi_adapter *a);
/* The callback's type, all results included (the adapter's copy). */
const kiln_functype *capi_adapter_type(const capi_adapter *a);
/* Where a callback of several results leaves them (thread-local). */
kiln_val *capi_adapter_results(void);

/* ------------------------------------------------------------- vectors */

/* The five functions of wasm_NAME_vec_t, elements of type elem_t, each
 * copied by copy_one(elem_t *dst, const elem_t *src) and deleted by
 * delete_one(elem_t *). */
#define CAPI_VEC(name, elem_t, copy_one, delete_one)                           \
	void wasm_##name##_vec_new_empty(wasm_##name##_vec_t *out)             \
	{                                                                      \
		out->size = 0;                                                 \
		out->data = NULL;                                              \
	}                                                                      \
	void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t *out, size_t n) \
	{                                                                      \
		out->data = n ? calloc(n, sizeof(elem_t)) : NULL;              \
		out->size = out->data ? n : 0;                                 \
	}                                                                      \
	void wasm_##name##_vec_new(wasm_##name##_vec_t *out, size_t n,         \
				   elem_t const src[])                         \
	{                                                                      \
		wasm_##name##_vec_new_uninitialized(out, n);                   \
		if (out->size)                                                 \
			memcpy(out->data, src, n * sizeof(elem_t));            \
	}                                                                      \
	void wasm_##name##_vec_copy(wasm_##name##_vec_t *out,                  \
				    const wasm_##name##_vec_t *src)            \
	{                                                                      \
		wasm_##name##_vec_new_uninitialized(out, src->size);           \
		for (size_t i_ = 0; i_ < out->size; i_++)                      \
			copy_one(&out->data[i_], &src->data[i_]);              \
	}                                                                      \
	void wasm_##name##_vec_delete(wasm_##name##_vec_t *v)                  \
	{                                                                      \
		for (size_t i_ = 0; i_ < v->size; i_++)                        \
			delete_one(&v->data[i_]);                              \
		free(v->data);                                                 \
		v->data = NULL;                                                \
		v->size = 0;                                                   \
	}

/* A vector of handles or type objects: elements copied with wasm_NAME_copy
 * and deleted with wasm_NAME_delete. */
#define CAPI_VEC_OWN(name)                                                     \
	static void name##_copy_one(wasm_##name##_t **dst, wasm_##name##_t *const *src) \
	{                                                                      \
		*dst = *src ? wasm_##name##_copy(*src) : NULL;                 \
	}                                                                      \
	static void name##_delete_one(wasm_##name##_t **p)                     \
	{                                                                      \
		wasm_##name##_delete(*p);                                      \
	}                                                                      \
	CAPI_VEC(name, wasm_##name##_t *, name##_copy_one, name##_delete_one)

#endif /* KILN_CAPI_H */
