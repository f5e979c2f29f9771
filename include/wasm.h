/*
 * wasm.h — the standard WebAssembly C API (the WebAssembly/wasm-c-api
 * project's interface), as kiln provides it.
 *
 * Written for kiln, source-compatible with the standard header's current
 * revision: the same names, types, signatures and macro shapes, so that a
 * program written against the standard compiles here unchanged and links
 * with `pkg-config --libs kiln`.  kiln's own, richer API is kiln.h; both
 * may be used in one program, but their handles do not mix.
 *
 * Conventions of the standard, which every declaration below follows:
 *
 *  - `own` marks ownership.  An `own T *` result is the caller's to delete
 *    with the matching `wasm_T_delete`; an `own` parameter is consumed by
 *    the call; an `own ... *out` parameter receives something the caller
 *    then owns.  A vector that is owned owns its elements too.  Anything not
 *    marked is borrowed and stays the owner's.
 *  - Deleting a handle to a runtime object (function, global, table,
 *    memory, extern, instance, module, trap, foreign) ends that handle
 *    only: the object itself belongs to its store and lives as long as the
 *    store does (kiln frees it, and runs its finalizers, when the store is
 *    deleted).  `wasm_T_copy` makes another handle to the same object;
 *    `wasm_T_same` says whether two handles name one object.
 *  - Host info set on a handle belongs to the object; its finalizer runs
 *    exactly once, when the last handle to the object is deleted.
 *  - A store and what is made in it are single-threaded.  Engines and
 *    shared modules (wasm_module_share) may be used from any thread.
 *  - A call that fails returns NULL (or false); the standard has no error
 *    messages beyond traps.
 */
#ifndef WASM_H
#define WASM_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What marks the functions the library exports; an embedder may define it
 * first (e.g. empty, for a static build). */
#ifndef WASM_API_EXTERN
#if defined(__GNUC__)
#define WASM_API_EXTERN __attribute__((visibility("default")))
#else
#define WASM_API_EXTERN
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ basics */

/* The API assumes IEEE floats of 32 and 64 bits and pointers of either. */
#ifdef __cplusplus
#define WASM_H_ASSERT_(cond, why) static_assert(cond, why)
#else
#define WASM_H_ASSERT_(cond, why) _Static_assert(cond, why)
#endif
WASM_H_ASSERT_(sizeof(float) == sizeof(uint32_t), "float is not 32 bits");
WASM_H_ASSERT_(sizeof(double) == sizeof(uint64_t), "double is not 64 bits");
WASM_H_ASSERT_(sizeof(intptr_t) == sizeof(uint32_t) || sizeof(intptr_t) == sizeof(uint64_t),
	       "pointers are neither 32 nor 64 bits");
#undef WASM_H_ASSERT_

typedef char byte_t;
typedef float float32_t;
typedef double float64_t;

/* Documents ownership (see the top of this file); expands to nothing. */
#define own

/* An object kind with a handle type and its destructor. */
#define WASM_DECLARE_OWN(name)                                                 \
	typedef struct wasm_##name##_t wasm_##name##_t;                        \
	WASM_API_EXTERN void wasm_##name##_delete(own wasm_##name##_t *);

/* A vector of `name`s (ptr_or_none `*`: of handles).  `size` elements at
 * `data`.  _new copies the array given (taking ownership of handles in
 * it), _new_uninitialized leaves the elements zeroed, _copy copies each
 * element (handles: new handles), _delete deletes each element and the
 * array, and leaves the vector empty. */
#define WASM_DECLARE_VEC(name, ptr_or_none)                                    \
	typedef struct wasm_##name##_vec_t {                                   \
		size_t size;                                                   \
		wasm_##name##_t ptr_or_none *data;                             \
	} wasm_##name##_vec_t;                                                 \
	WASM_API_EXTERN void wasm_##name##_vec_new_empty(own wasm_##name##_vec_t *out); \
	WASM_API_EXTERN void wasm_##name##_vec_new_uninitialized(              \
		own wasm_##name##_vec_t *out, size_t);                         \
	WASM_API_EXTERN void wasm_##name##_vec_new(                            \
		own wasm_##name##_vec_t *out, size_t,                          \
		own wasm_##name##_t ptr_or_none const[]);                      \
	WASM_API_EXTERN void wasm_##name##_vec_copy(                           \
		own wasm_##name##_vec_t *out, const wasm_##name##_vec_t *);    \
	WASM_API_EXTERN void wasm_##name##_vec_delete(own wasm_##name##_vec_t *);

/* Bytes, and names (bytes too: UTF-8, not NUL-terminated unless made so). */
typedef byte_t wasm_byte_t;
WASM_DECLARE_VEC(byte, )

typedef wasm_byte_vec_t wasm_name_t;

#define wasm_name wasm_byte_vec
#define wasm_name_new wasm_byte_vec_new
#define wasm_name_new_empty wasm_byte_vec_new_empty
#define wasm_name_new_uninitialized wasm_byte_vec_new_uninitialized
#define wasm_name_copy wasm_byte_vec_copy
#define wasm_name_delete wasm_byte_vec_delete

/* A name holding the characters of `s`, without its NUL ... */
static inline void wasm_name_new_from_string(own wasm_name_t *out, const char *s)
{
	wasm_name_new(out, strlen(s), s);
}

/* ... and with it (what wasm_trap_new wants as a message). */
static inline void wasm_name_new_from_string_nt(own wasm_name_t *out, const char *s)
{
	wasm_name_new(out, strlen(s) + 1, s);
}

/* ------------------------------------------------ engines and stores */

/* Settings for an engine; consumed by wasm_engine_new_with_config. */
WASM_DECLARE_OWN(config)
WASM_API_EXTERN own wasm_config_t *wasm_config_new(void);

/* An engine compiles modules: kiln's engine (JIT by default).  Delete it
 * after every store and module made with it. */
WASM_DECLARE_OWN(engine)
WASM_API_EXTERN own wasm_engine_t *wasm_engine_new(void);
WASM_API_EXTERN own wasm_engine_t *wasm_engine_new_with_config(own wasm_config_t *);

/* A store owns the runtime objects made in it (instances, functions,
 * globals, tables, memories, traps...) until it is deleted. */
WASM_DECLARE_OWN(store)
WASM_API_EXTERN own wasm_store_t *wasm_store_new(wasm_engine_t *);

/* ------------------------------------------------------------- types */

typedef uint8_t wasm_mutability_t;
enum wasm_mutability_enum {
	WASM_CONST,
	WASM_VAR,
};

/* Limits in pages (memories) or elements (tables); max
 * wasm_limits_max_default means none. */
typedef struct wasm_limits_t {
	uint32_t min;
	uint32_t max;
} wasm_limits_t;

static const uint32_t wasm_limits_max_default = 0xffffffff;

/* A type object: handle, vector, copy. */
#define WASM_DECLARE_TYPE(name)                                                \
	WASM_DECLARE_OWN(name)                                                 \
	WASM_DECLARE_VEC(name, *)                                              \
	WASM_API_EXTERN own wasm_##name##_t *wasm_##name##_copy(const wasm_##name##_t *);

/* Value types. */
WASM_DECLARE_TYPE(valtype)

typedef uint8_t wasm_valkind_t;
enum wasm_valkind_enum {
	WASM_I32,
	WASM_I64,
	WASM_F32,
	WASM_F64,
	WASM_EXTERNREF = 128,
	WASM_FUNCREF,
	/* The name earlier revisions of the standard header gave externref;
	 * hosts written against them (and their examples) still use it. */
	WASM_ANYREF = WASM_EXTERNREF,
};

WASM_API_EXTERN own wasm_valtype_t *wasm_valtype_new(wasm_valkind_t);
WASM_API_EXTERN wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t *);

static inline bool wasm_valkind_is_num(wasm_valkind_t k)
{
	return k < WASM_EXTERNREF;
}

static inline bool wasm_valkind_is_ref(wasm_valkind_t k)
{
	return k >= WASM_EXTERNREF;
}

static inline bool wasm_valtype_is_num(const wasm_valtype_t *t)
{
	return wasm_valkind_is_num(wasm_valtype_kind(t));
}

static inline bool wasm_valtype_is_ref(const wasm_valtype_t *t)
{
	return wasm_valkind_is_ref(wasm_valtype_kind(t));
}

/* Function types: the vectors given are consumed; the accessors' vectors
 * are borrowed from the type. */
WASM_DECLARE_TYPE(functype)
WASM_API_EXTERN own wasm_functype_t *wasm_functype_new(own wasm_valtype_vec_t *params,
						       own wasm_valtype_vec_t *results);
WASM_API_EXTERN const wasm_valtype_vec_t *wasm_functype_params(const wasm_functype_t *);
WASM_API_EXTERN const wasm_valtype_vec_t *wasm_functype_results(const wasm_functype_t *);

/* Global types. */
WASM_DECLARE_TYPE(globaltype)
WASM_API_EXTERN own wasm_globaltype_t *wasm_globaltype_new(own wasm_valtype_t *,
							   wasm_mutability_t);
WASM_API_EXTERN const wasm_valtype_t *wasm_globaltype_content(const wasm_globaltype_t *);
WASM_API_EXTERN wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t *);

/* Table types: element type (a reference type) and limits in elements. */
WASM_DECLARE_TYPE(tabletype)
WASM_API_EXTERN own wasm_tabletype_t *wasm_tabletype_new(own wasm_valtype_t *,
							 const wasm_limits_t *);
WASM_API_EXTERN const wasm_valtype_t *wasm_tabletype_element(const wasm_tabletype_t *);
WASM_API_EXTERN const wasm_limits_t *wasm_tabletype_limits(const wasm_tabletype_t *);

/* Memory types: limits in 64 KiB pages. */
WASM_DECLARE_TYPE(memorytype)
WASM_API_EXTERN own wasm_memorytype_t *wasm_memorytype_new(const wasm_limits_t *);
WASM_API_EXTERN const wasm_limits_t *wasm_memorytype_limits(const wasm_memorytype_t *);

/* Tag types (exception handling): a function type with no results.  kiln
 * does not run exception handling, so no module has them; the types exist
 * for programs that build them. */
WASM_DECLARE_TYPE(tagtype)
WASM_API_EXTERN own wasm_tagtype_t *wasm_tagtype_new(own wasm_functype_t *);
WASM_API_EXTERN const wasm_functype_t *wasm_tagtype_functype(const wasm_tagtype_t *);

/* Extern types: any of the above but value types.  The _as_ conversions
 * view one object as another type (no copy, no ownership change); from
 * an externtype they return NULL when the kind differs. */
WASM_DECLARE_TYPE(externtype)

typedef uint8_t wasm_externkind_t;
enum wasm_externkind_enum {
	WASM_EXTERN_FUNC,
	WASM_EXTERN_GLOBAL,
	WASM_EXTERN_TABLE,
	WASM_EXTERN_MEMORY,
	WASM_EXTERN_TAG,
};

WASM_API_EXTERN wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t *);

WASM_API_EXTERN wasm_externtype_t *wasm_functype_as_externtype(wasm_functype_t *);
WASM_API_EXTERN wasm_externtype_t *wasm_globaltype_as_externtype(wasm_globaltype_t *);
WASM_API_EXTERN wasm_externtype_t *wasm_tabletype_as_externtype(wasm_tabletype_t *);
WASM_API_EXTERN wasm_externtype_t *wasm_memorytype_as_externtype(wasm_memorytype_t *);
WASM_API_EXTERN wasm_externtype_t *wasm_tagtype_as_externtype(wasm_tagtype_t *);

WASM_API_EXTERN wasm_functype_t *wasm_externtype_as_functype(wasm_externtype_t *);
WASM_API_EXTERN wasm_globaltype_t *wasm_externtype_as_globaltype(wasm_externtype_t *);
WASM_API_EXTERN wasm_tabletype_t *wasm_externtype_as_tabletype(wasm_externtype_t *);
WASM_API_EXTERN wasm_memorytype_t *wasm_externtype_as_memorytype(wasm_externtype_t *);
WASM_API_EXTERN wasm_tagtype_t *wasm_externtype_as_tagtype(wasm_externtype_t *);

WASM_API_EXTERN const wasm_externtype_t *
wasm_functype_as_externtype_const(const wasm_functype_t *);
WASM_API_EXTERN const wasm_externtype_t *
wasm_globaltype_as_externtype_const(const wasm_globaltype_t *);
WASM_API_EXTERN const wasm_externtype_t *
wasm_tabletype_as_externtype_const(const wasm_tabletype_t *);
WASM_API_EXTERN const wasm_externtype_t *
wasm_memorytype_as_externtype_const(const wasm_memorytype_t *);
WASM_API_EXTERN const wasm_externtype_t *
wasm_tagtype_as_externtype_const(const wasm_tagtype_t *);

WASM_API_EXTERN const wasm_functype_t *
wasm_externtype_as_functype_const(const wasm_externtype_t *);
WASM_API_EXTERN const wasm_globaltype_t *
wasm_externtype_as_globaltype_const(const wasm_externtype_t *);
WASM_API_EXTERN const wasm_tabletype_t *
wasm_externtype_as_tabletype_const(const wasm_externtype_t *);
WASM_API_EXTERN const wasm_memorytype_t *
wasm_externtype_as_memorytype_const(const wasm_externtype_t *);
WASM_API_EXTERN const wasm_tagtype_t *
wasm_externtype_as_tagtype_const(const wasm_externtype_t *);

/* Import types: module name, name and type, all consumed by _new. */
WASM_DECLARE_TYPE(importtype)
WASM_API_EXTERN own wasm_importtype_t *wasm_importtype_new(own wasm_name_t *module,
							   own wasm_name_t *name,
							   own wasm_externtype_t *);
WASM_API_EXTERN const wasm_name_t *wasm_importtype_module(const wasm_importtype_t *);
WASM_API_EXTERN const wasm_name_t *wasm_importtype_name(const wasm_importtype_t *);
WASM_API_EXTERN const wasm_externtype_t *wasm_importtype_type(const wasm_importtype_t *);

/* Export types: name and type, consumed by _new. */
WASM_DECLARE_TYPE(exporttype)
WASM_API_EXTERN own wasm_exporttype_t *wasm_exporttype_new(own wasm_name_t *,
							   own wasm_externtype_t *);
WASM_API_EXTERN const wasm_name_t *wasm_exporttype_name(const wasm_exporttype_t *);
WASM_API_EXTERN const wasm_externtype_t *wasm_exporttype_type(const wasm_exporttype_t *);

/* ------------------------------------------------------------ values */

struct wasm_ref_t;

/* A value: a number, or a reference (`ref` NULL is the null reference; a
 * non-NULL one is a handle, owned by whoever owns the value). */
typedef struct wasm_val_t {
	wasm_valkind_t kind;
	union {
		int32_t i32;
		int64_t i64;
		float32_t f32;
		float64_t f64;
		struct wasm_ref_t *ref;
	} of;
} wasm_val_t;

/* Deletes the reference a value holds, if any. */
WASM_API_EXTERN void wasm_val_delete(own wasm_val_t *v);
/* Copies a value (a reference: a new handle). */
WASM_API_EXTERN void wasm_val_copy(own wasm_val_t *out, const wasm_val_t *);

WASM_DECLARE_VEC(val, )

/* -------------------------------------------------------- references */

/* What every runtime object has: handles that can be copied and compared,
 * and host info (see the top of this file). */
#define WASM_DECLARE_REF_BASE(name)                                            \
	WASM_DECLARE_OWN(name)                                                 \
	WASM_API_EXTERN own wasm_##name##_t *wasm_##name##_copy(const wasm_##name##_t *); \
	WASM_API_EXTERN bool wasm_##name##_same(const wasm_##name##_t *,       \
						const wasm_##name##_t *);      \
	WASM_API_EXTERN void *wasm_##name##_get_host_info(const wasm_##name##_t *); \
	WASM_API_EXTERN void wasm_##name##_set_host_info(wasm_##name##_t *, void *); \
	WASM_API_EXTERN void wasm_##name##_set_host_info_with_finalizer(       \
		wasm_##name##_t *, void *, void (*)(void *));

/* ... and that can be viewed as a generic reference and back (no copy;
 * ref_as_ returns NULL for a reference of another kind). */
#define WASM_DECLARE_REF(name)                                                 \
	WASM_DECLARE_REF_BASE(name)                                            \
	WASM_API_EXTERN wasm_ref_t *wasm_##name##_as_ref(wasm_##name##_t *);   \
	WASM_API_EXTERN wasm_##name##_t *wasm_ref_as_##name(wasm_ref_t *);     \
	WASM_API_EXTERN const wasm_ref_t *wasm_##name##_as_ref_const(const wasm_##name##_t *); \
	WASM_API_EXTERN const wasm_##name##_t *wasm_ref_as_##name##_const(const wasm_ref_t *);

/* ... and that can be handed to another thread: _share makes a
 * thread-safe token, _obtain a handle to the object in another store. */
#define WASM_DECLARE_SHARABLE_REF(name)                                        \
	WASM_DECLARE_REF(name)                                                 \
	WASM_DECLARE_OWN(shared_##name)                                        \
	WASM_API_EXTERN own wasm_shared_##name##_t *wasm_##name##_share(const wasm_##name##_t *); \
	WASM_API_EXTERN own wasm_##name##_t *wasm_##name##_obtain(             \
		wasm_store_t *, const wasm_shared_##name##_t *);

WASM_DECLARE_REF_BASE(ref)

/* ------------------------------------------------------ traps, frames */

/* A wasm function on the stack where a trap happened. */
WASM_DECLARE_OWN(frame)
WASM_DECLARE_VEC(frame, *)
WASM_API_EXTERN own wasm_frame_t *wasm_frame_copy(const wasm_frame_t *);

WASM_API_EXTERN struct wasm_instance_t *wasm_frame_instance(const wasm_frame_t *);
WASM_API_EXTERN uint32_t wasm_frame_func_index(const wasm_frame_t *);
WASM_API_EXTERN size_t wasm_frame_func_offset(const wasm_frame_t *);
WASM_API_EXTERN size_t wasm_frame_module_offset(const wasm_frame_t *);

/* A trap's message: NUL-terminated, the NUL counted in size. */
typedef wasm_name_t wasm_message_t;

WASM_DECLARE_REF(trap)
WASM_API_EXTERN own wasm_trap_t *wasm_trap_new(wasm_store_t *store, const wasm_message_t *);
WASM_API_EXTERN void wasm_trap_message(const wasm_trap_t *, own wasm_message_t *out);
/* The innermost frame (NULL when none is known), and all of them,
 * innermost first. */
WASM_API_EXTERN own wasm_frame_t *wasm_trap_origin(const wasm_trap_t *);
WASM_API_EXTERN void wasm_trap_trace(const wasm_trap_t *, own wasm_frame_vec_t *out);

/* A host object with no behaviour but its identity and host info: what
 * an externref carries. */
WASM_DECLARE_REF(foreign)
WASM_API_EXTERN own wasm_foreign_t *wasm_foreign_new(wasm_store_t *);

/* ----------------------------------------------------------- modules */

/* A compiled module.  Validated and compiled by the store's engine when
 * made; instantiable in any store of that engine (through share/obtain
 * from other threads). */
WASM_DECLARE_SHARABLE_REF(module)

WASM_API_EXTERN own wasm_module_t *wasm_module_new(wasm_store_t *,
						   const wasm_byte_vec_t *binary);
WASM_API_EXTERN bool wasm_module_validate(wasm_store_t *, const wasm_byte_vec_t *binary);

/* Its imports and exports in the module's order. */
WASM_API_EXTERN void wasm_module_imports(const wasm_module_t *, own wasm_importtype_vec_t *out);
WASM_API_EXTERN void wasm_module_exports(const wasm_module_t *, own wasm_exporttype_vec_t *out);

/* Compiled code as bytes (a kiln AOT artifact), and back. */
WASM_API_EXTERN void wasm_module_serialize(const wasm_module_t *, own wasm_byte_vec_t *out);
WASM_API_EXTERN own wasm_module_t *wasm_module_deserialize(wasm_store_t *,
							   const wasm_byte_vec_t *);

/* --------------------------------------------------------- functions */

WASM_DECLARE_REF(func)

/* A host function: `results` arrives with room for the function's results
 * (size set); fill them and return NULL, or return a trap (owned by the
 * caller of the function, which it ends). */
typedef own wasm_trap_t *(*wasm_func_callback_t)(const wasm_val_vec_t *args,
						  own wasm_val_vec_t *results);
typedef own wasm_trap_t *(*wasm_func_callback_with_env_t)(void *env,
							   const wasm_val_vec_t *args,
							   wasm_val_vec_t *results);

WASM_API_EXTERN own wasm_func_t *wasm_func_new(wasm_store_t *, const wasm_functype_t *,
					       wasm_func_callback_t);
/* The finalizer (may be NULL) is called with env once, when the store
 * frees the function. */
WASM_API_EXTERN own wasm_func_t *wasm_func_new_with_env(wasm_store_t *,
							const wasm_functype_t *type,
							wasm_func_callback_with_env_t,
							void *env, void (*finalizer)(void *));

WASM_API_EXTERN own wasm_functype_t *wasm_func_type(const wasm_func_t *);
WASM_API_EXTERN size_t wasm_func_param_arity(const wasm_func_t *);
WASM_API_EXTERN size_t wasm_func_result_arity(const wasm_func_t *);

/* Calls: `args` matches the parameters, `results` has exactly as many
 * elements as there are results (kiln fills them).  Returns NULL when the
 * call returned, else the trap it ended with. */
WASM_API_EXTERN own wasm_trap_t *wasm_func_call(const wasm_func_t *, const wasm_val_vec_t *args,
						wasm_val_vec_t *results);

/* ----------------------------------------------------------- globals */

WASM_DECLARE_REF(global)

WASM_API_EXTERN own wasm_global_t *wasm_global_new(wasm_store_t *, const wasm_globaltype_t *,
						   const wasm_val_t *);
WASM_API_EXTERN own wasm_globaltype_t *wasm_global_type(const wasm_global_t *);
WASM_API_EXTERN void wasm_global_get(const wasm_global_t *, own wasm_val_t *out);
/* Sets a mutable global to a value of its type; anything else is ignored. */
WASM_API_EXTERN void wasm_global_set(wasm_global_t *, const wasm_val_t *);

/* ------------------------------------------------------------ tables */

WASM_DECLARE_REF(table)

typedef uint32_t wasm_table_size_t;

WASM_API_EXTERN own wasm_table_t *wasm_table_new(wasm_store_t *, const wasm_tabletype_t *,
						 wasm_ref_t *init);
WASM_API_EXTERN own wasm_tabletype_t *wasm_table_type(const wasm_table_t *);
WASM_API_EXTERN own wasm_ref_t *wasm_table_get(const wasm_table_t *, wasm_table_size_t index);
WASM_API_EXTERN bool wasm_table_set(wasm_table_t *, wasm_table_size_t index, wasm_ref_t *);
WASM_API_EXTERN wasm_table_size_t wasm_table_size(const wasm_table_t *);
WASM_API_EXTERN bool wasm_table_grow(wasm_table_t *, wasm_table_size_t delta,
				     wasm_ref_t *init);

/* ---------------------------------------------------------- memories */

WASM_DECLARE_REF(memory)

typedef uint32_t wasm_memory_pages_t;

static const size_t MEMORY_PAGE_SIZE = 0x10000;

WASM_API_EXTERN own wasm_memory_t *wasm_memory_new(wasm_store_t *, const wasm_memorytype_t *);
WASM_API_EXTERN own wasm_memorytype_t *wasm_memory_type(const wasm_memory_t *);
/* The bytes: valid until the memory grows. */
WASM_API_EXTERN byte_t *wasm_memory_data(wasm_memory_t *);
WASM_API_EXTERN size_t wasm_memory_data_size(const wasm_memory_t *);
WASM_API_EXTERN wasm_memory_pages_t wasm_memory_size(const wasm_memory_t *);
WASM_API_EXTERN bool wasm_memory_grow(wasm_memory_t *, wasm_memory_pages_t delta);

/* ----------------------------------------------------------- externs */

/* Any of a function, global, table or memory.  The _as_ conversions view
 * one handle as another (no copy; NULL when the kind differs): deleting
 * either deletes the one handle. */
WASM_DECLARE_REF(extern)
WASM_DECLARE_VEC(extern, *)

WASM_API_EXTERN wasm_externkind_t wasm_extern_kind(const wasm_extern_t *);
WASM_API_EXTERN own wasm_externtype_t *wasm_extern_type(const wasm_extern_t *);

WASM_API_EXTERN wasm_extern_t *wasm_func_as_extern(wasm_func_t *);
WASM_API_EXTERN wasm_extern_t *wasm_global_as_extern(wasm_global_t *);
WASM_API_EXTERN wasm_extern_t *wasm_table_as_extern(wasm_table_t *);
WASM_API_EXTERN wasm_extern_t *wasm_memory_as_extern(wasm_memory_t *);

WASM_API_EXTERN wasm_func_t *wasm_extern_as_func(wasm_extern_t *);
WASM_API_EXTERN wasm_global_t *wasm_extern_as_global(wasm_extern_t *);
WASM_API_EXTERN wasm_table_t *wasm_extern_as_table(wasm_extern_t *);
WASM_API_EXTERN wasm_memory_t *wasm_extern_as_memory(wasm_extern_t *);

WASM_API_EXTERN const wasm_extern_t *wasm_func_as_extern_const(const wasm_func_t *);
WASM_API_EXTERN const wasm_extern_t *wasm_global_as_extern_const(const wasm_global_t *);
WASM_API_EXTERN const wasm_extern_t *wasm_table_as_extern_const(const wasm_table_t *);
WASM_API_EXTERN const wasm_extern_t *wasm_memory_as_extern_const(const wasm_memory_t *);

WASM_API_EXTERN const wasm_func_t *wasm_extern_as_func_const(const wasm_extern_t *);
WASM_API_EXTERN const wasm_global_t *wasm_extern_as_global_const(const wasm_extern_t *);
WASM_API_EXTERN const wasm_table_t *wasm_extern_as_table_const(const wasm_extern_t *);
WASM_API_EXTERN const wasm_memory_t *wasm_extern_as_memory_const(const wasm_extern_t *);

/* --------------------------------------------------------- instances */

WASM_DECLARE_REF(instance)

/* Instantiates a module with one extern per import, in the module's
 * import order.  NULL on failure; when the failure is a trap (the start
 * function's, or a host function's it called) and `trap` is not NULL,
 * *trap receives it. */
WASM_API_EXTERN own wasm_instance_t *wasm_instance_new(wasm_store_t *, const wasm_module_t *,
						       const wasm_extern_vec_t *imports,
						       own wasm_trap_t **trap);

/* Its exports in the module's export order. */
WASM_API_EXTERN void wasm_instance_exports(const wasm_instance_t *, own wasm_extern_vec_t *out);

/* ------------------------------------------------------- shorthands */

#define WASM_EMPTY_VEC {0, NULL}
#define WASM_ARRAY_VEC(array) {sizeof(array) / sizeof(*(array)), array}

static inline own wasm_valtype_t *wasm_valtype_new_i32(void)
{
	return wasm_valtype_new(WASM_I32);
}

static inline own wasm_valtype_t *wasm_valtype_new_i64(void)
{
	return wasm_valtype_new(WASM_I64);
}

static inline own wasm_valtype_t *wasm_valtype_new_f32(void)
{
	return wasm_valtype_new(WASM_F32);
}

static inline own wasm_valtype_t *wasm_valtype_new_f64(void)
{
	return wasm_valtype_new(WASM_F64);
}

static inline own wasm_valtype_t *wasm_valtype_new_externref(void)
{
	return wasm_valtype_new(WASM_EXTERNREF);
}

static inline own wasm_valtype_t *wasm_valtype_new_funcref(void)
{
	return wasm_valtype_new(WASM_FUNCREF);
}

/* Earlier revisions' name for wasm_valtype_new_externref. */
static inline own wasm_valtype_t *wasm_valtype_new_anyref(void)
{
	return wasm_valtype_new(WASM_ANYREF);
}

/* wasm_functype_new_P_R: P parameters then R results, all consumed.  One
 * helper builds them all. */
static inline own wasm_functype_t *wasm_functype_from_arrays_(wasm_valtype_t *const *ps,
							      size_t np,
							      wasm_valtype_t *const *rs,
							      size_t nr)
{
	wasm_valtype_vec_t params, results;

	wasm_valtype_vec_new(&params, np, ps);
	wasm_valtype_vec_new(&results, nr, rs);
	return wasm_functype_new(&params, &results);
}

static inline own wasm_functype_t *wasm_functype_new_0_0(void)
{
	return wasm_functype_from_arrays_(NULL, 0, NULL, 0);
}

static inline own wasm_functype_t *wasm_functype_new_1_0(own wasm_valtype_t *p)
{
	wasm_valtype_t *ps[1] = {p};
	return wasm_functype_from_arrays_(ps, 1, NULL, 0);
}

static inline own wasm_functype_t *wasm_functype_new_2_0(own wasm_valtype_t *p1,
							 own wasm_valtype_t *p2)
{
	wasm_valtype_t *ps[2] = {p1, p2};
	return wasm_functype_from_arrays_(ps, 2, NULL, 0);
}

static inline own wasm_functype_t *wasm_functype_new_3_0(own wasm_valtype_t *p1,
							 own wasm_valtype_t *p2,
							 own wasm_valtype_t *p3)
{
	wasm_valtype_t *ps[3] = {p1, p2, p3};
	return wasm_functype_from_arrays_(ps, 3, NULL, 0);
}

static inline own wasm_functype_t *wasm_functype_new_0_1(own wasm_valtype_t *r)
{
	wasm_valtype_t *rs[1] = {r};
	return wasm_functype_from_arrays_(NULL, 0, rs, 1);
}

static inline own wasm_functype_t *wasm_functype_new_1_1(own wasm_valtype_t *p,
							 own wasm_valtype_t *r)
{
	wasm_valtype_t *ps[1] = {p}, *rs[1] = {r};
	return wasm_functype_from_arrays_(ps, 1, rs, 1);
}

static inline own wasm_functype_t *wasm_functype_new_2_1(own wasm_valtype_t *p1,
							 own wasm_valtype_t *p2,
							 own wasm_valtype_t *r)
{
	wasm_valtype_t *ps[2] = {p1, p2}, *rs[1] = {r};
	return wasm_functype_from_arrays_(ps, 2, rs, 1);
}

static inline own wasm_functype_t *wasm_functype_new_3_1(own wasm_valtype_t *p1,
							 own wasm_valtype_t *p2,
							 own wasm_valtype_t *p3,
							 own wasm_valtype_t *r)
{
	wasm_valtype_t *ps[3] = {p1, p2, p3}, *rs[1] = {r};
	return wasm_functype_from_arrays_(ps, 3, rs, 1);
}

static inline own wasm_functype_t *wasm_functype_new_0_2(own wasm_valtype_t *r1,
							 own wasm_valtype_t *r2)
{
	wasm_valtype_t *rs[2] = {r1, r2};
	return wasm_functype_from_arrays_(NULL, 0, rs, 2);
}

static inline own wasm_functype_t *wasm_functype_new_1_2(own wasm_valtype_t *p,
							 own wasm_valtype_t *r1,
							 own wasm_valtype_t *r2)
{
	wasm_valtype_t *ps[1] = {p}, *rs[2] = {r1, r2};
	return wasm_functype_from_arrays_(ps, 1, rs, 2);
}

static inline own wasm_functype_t *wasm_functype_new_2_2(own wasm_valtype_t *p1,
							 own wasm_valtype_t *p2,
							 own wasm_valtype_t *r1,
							 own wasm_valtype_t *r2)
{
	wasm_valtype_t *ps[2] = {p1, p2}, *rs[2] = {r1, r2};
	return wasm_functype_from_arrays_(ps, 2, rs, 2);
}

static inline own wasm_functype_t *wasm_functype_new_3_2(own wasm_valtype_t *p1,
							 own wasm_valtype_t *p2,
							 own wasm_valtype_t *p3,
							 own wasm_valtype_t *r1,
							 own wasm_valtype_t *r2)
{
	wasm_valtype_t *ps[3] = {p1, p2, p3}, *rs[2] = {r1, r2};
	return wasm_functype_from_arrays_(ps, 3, rs, 2);
}

/* A pointer carried as an integer of its width (i32 or i64). */
static inline void wasm_val_init_ptr(own wasm_val_t *out, void *p)
{
#if UINTPTR_MAX == UINT32_MAX
	out->kind = WASM_I32;
	out->of.i32 = (int32_t)(intptr_t)p;
#else
	out->kind = WASM_I64;
	out->of.i64 = (int64_t)(intptr_t)p;
#endif
}

static inline void *wasm_val_ptr(const wasm_val_t *val)
{
#if UINTPTR_MAX == UINT32_MAX
	return (void *)(intptr_t)val->of.i32;
#else
	return (void *)(intptr_t)val->of.i64;
#endif
}

/* Initialisers: `wasm_val_t v = WASM_I32_VAL(6);` */
#define WASM_I32_VAL(i) {.kind = WASM_I32, .of = {.i32 = i}}
#define WASM_I64_VAL(i) {.kind = WASM_I64, .of = {.i64 = i}}
#define WASM_F32_VAL(z) {.kind = WASM_F32, .of = {.f32 = z}}
#define WASM_F64_VAL(z) {.kind = WASM_F64, .of = {.f64 = z}}
#define WASM_REF_VAL(r) {.kind = WASM_EXTERNREF, .of = {.ref = r}}
#define WASM_INIT_VAL {.kind = WASM_EXTERNREF, .of = {.ref = NULL}}

#undef own

#ifdef __cplusplus
}
#endif

#endif /* WASM_H */
