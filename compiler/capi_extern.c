/*
 * capi_extern.c — wasm.h's functions, globals, tables, memories and
 * externs, over kiln's externs (kiln.h).
 *
 * An extern handle holds a kiln_extern: a borrowed kiln handle whose
 * owner (an instance, or a host object made here) the store keeps until
 * it is deleted.  Host functions are kiln host functions of the generic
 * form, with host_entry as their body: it converts the values, calls the
 * embedder's callback, and turns a returned trap into a kiln host trap,
 * parking the wasm_trap_t for the wasm_func_call it unwinds to.
 *
 * Values: numbers map one to one.  A funcref is a function extern's kiln
 * handle; coming back it gets a new wasm_func_t.  An externref is the
 * wasm_ref_t itself: handing one to wasm copies the handle, and the copy
 * lives until the store is deleted, since kiln cannot say when wasm lets
 * go of it.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* -------------------------------------------------------------- values */

bool capi_to_kiln(const wasm_val_t *v, kiln_val *out)
{
	memset(out, 0, sizeof *out);
	out->type = capi_kiln_valtype(v->kind);
	switch (v->kind) {
	case WASM_I32: out->of.i32 = v->of.i32; return true;
	case WASM_I64: out->of.i64 = v->of.i64; return true;
	case WASM_F32: out->of.f32 = v->of.f32; return true;
	case WASM_F64: out->of.f64 = v->of.f64; return true;
	case WASM_FUNCREF:
		if (v->of.ref && !capi_ref_is(v->of.ref, CAPI_FUNC))
			return false;
		out->of.ref = v->of.ref ? ((wasm_extern_t *)v->of.ref)->ext.handle : NULL;
		return true;
	case WASM_EXTERNREF:
		out->of.ref = v->of.ref ? capi_ref_copy(v->of.ref) : NULL;
		return true;
	default:
		return false;
	}
}

bool capi_from_kiln(wasm_store_t *store, const kiln_val *v, wasm_val_t *out)
{
	memset(out, 0, sizeof *out);
	out->kind = capi_valkind(v->type);
	switch (v->type) {
	case KILN_I32: out->of.i32 = v->of.i32; return true;
	case KILN_I64: out->of.i64 = v->of.i64; return true;
	case KILN_F32: out->of.f32 = v->of.f32; return true;
	case KILN_F64: out->of.f64 = v->of.f64; return true;
	case KILN_FUNCREF:
		if (v->of.ref == NULL)
			return true;
		out->of.ref = (wasm_ref_t *)capi_extern_new(
			store, (kiln_extern){KILN_EXTERN_FUNC, v->of.ref});
		return out->of.ref != NULL;
	case KILN_EXTERNREF:
		out->of.ref = v->of.ref ? capi_ref_copy(v->of.ref) : NULL;
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------- externs */

wasm_extern_t *capi_extern_new(wasm_store_t *store, kiln_extern ext)
{
	static const capi_kind kinds[] = {
		[KILN_EXTERN_FUNC] = CAPI_FUNC,
		[KILN_EXTERN_TABLE] = CAPI_TABLE,
		[KILN_EXTERN_MEMORY] = CAPI_MEMORY,
		[KILN_EXTERN_GLOBAL] = CAPI_GLOBAL,
		[KILN_EXTERN_TAG] = CAPI_TAG,
	};
	wasm_extern_t *e = capi_handle_new(store, kinds[ext.kind], sizeof *e);

	if (e)
		e->ext = ext;
	return e;
}

wasm_externkind_t wasm_extern_kind(const wasm_extern_t *e)
{
	return capi_externkind(e->ext.kind);
}

wasm_externtype_t *wasm_extern_type(const wasm_extern_t *e)
{
	kiln_externtype t = kiln_extern_type(e->ext);

	return capi_externtype(&t);
}

CAPI_REF(extern, CAPI_EXTERN)
CAPI_VEC_OWN(extern)

/* Each extern kind as an extern and back: the same handle (a cast, NULL
 * staying NULL). */
#define CAPI_EXTERN_AS(name, kind)                                             \
	wasm_extern_t *wasm_##name##_as_extern(wasm_##name##_t *x)             \
	{                                                                      \
		return (wasm_extern_t *)x;                                     \
	}                                                                      \
	const wasm_extern_t *wasm_##name##_as_extern_const(const wasm_##name##_t *x) \
	{                                                                      \
		return (const wasm_extern_t *)x;                               \
	}                                                                      \
	wasm_##name##_t *wasm_extern_as_##name(wasm_extern_t *e)               \
	{                                                                      \
		return capi_ref_is((wasm_ref_t *)e, kind) ? (wasm_##name##_t *)e : NULL; \
	}                                                                      \
	const wasm_##name##_t *wasm_extern_as_##name##_const(const wasm_extern_t *e) \
	{                                                                      \
		return capi_ref_is((const wasm_ref_t *)e, kind) ? (const wasm_##name##_t *)e \
								 : NULL;       \
	}                                                                      \
	CAPI_REF(name, kind)

CAPI_EXTERN_AS(func, CAPI_FUNC)
CAPI_EXTERN_AS(global, CAPI_GLOBAL)
CAPI_EXTERN_AS(table, CAPI_TABLE)
CAPI_EXTERN_AS(memory, CAPI_MEMORY)

/* ----------------------------------------------------- host functions */

/* The most parameters kiln's host functions take (kiln_host_func_new). */
#define HOST_MAX_PARAMS 64

typedef struct capi_host {
	kiln_host_func *func;		/* runs the callback */
	wasm_store_t *store;
	wasm_func_callback_t callback;
	wasm_func_callback_with_env_t callback_env;
	void *env;
	void (*finalizer)(void *);
	const kiln_functype *type;	/* the callback's, all results included */
	capi_adapter *adapter;		/* more than one result: func's wasm adapter */
} capi_host;

static void host_free(void *p)
{
	capi_host *h = p;

	capi_adapter_delete(h->adapter);	/* it imports func */
	kiln_host_func_delete(h->func);
	if (h->finalizer)
		h->finalizer(h->env);
	free(h);
}

/* Deletes the references among n values (the callback's arguments). */
static void vals_drop(wasm_val_t *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wasm_val_delete(&vals[i]);
}

/* Every host function's body (kiln's generic form): its results go to
 * `results`, or for several to the adapter's buffer.  Nothing here is on
 * the heap when kiln_caller_trap unwinds through it but the parked trap. */
static void host_entry(kiln_caller *caller, const kiln_val *args, kiln_val *results)
{
	capi_host *h = kiln_caller_env(caller);
	const kiln_functype *ft = h->type;
	wasm_val_t in[HOST_MAX_PARAMS], out[CAPI_MAX_RESULTS];
	wasm_val_vec_t vin = {ft->nparams, in}, vout = {ft->nresults, out};
	wasm_trap_t *trap;
	bool ok = true;

	for (uint32_t i = 0; i < ft->nparams; i++)
		ok &= capi_from_kiln(h->store, &args[i], &in[i]);
	for (uint32_t i = 0; i < ft->nresults; i++)
		out[i] = (wasm_val_t){.kind = capi_valkind(ft->results[i])};
	if (!ok)
		trap = capi_trap_new(h->store, "out of memory", 13);
	else if (h->callback)
		trap = h->callback(&vin, &vout);
	else
		trap = h->callback_env(h->env, &vin, &vout);
	vals_drop(in, ft->nparams);
	if (h->adapter)
		results = capi_adapter_results();
	for (uint32_t i = 0; !trap && i < ft->nresults; i++)
		if (out[i].kind != capi_valkind(ft->results[i]) || !capi_to_kiln(&out[i], &results[i]))
			trap = capi_trap_new(h->store, "host function result of the wrong type", 38);
	vals_drop(out, ft->nresults);
	if (trap) {
		capi_trap_pend(trap);
		kiln_caller_trap(caller);
	}
}

/* Both constructors: the callback is one of the two. */
static wasm_func_t *host_new(wasm_store_t *store, const wasm_functype_t *type,
			     wasm_func_callback_t callback,
			     wasm_func_callback_with_env_t callback_env, void *env,
			     void (*finalizer)(void *))
{
	size_t n = type->params.size + type->results.size;
	kiln_valtype *types = malloc((n ? n : 1) * sizeof *types);
	capi_host *h = calloc(1, sizeof *h);
	wasm_func_t *f;
	kiln_functype kt;

	kiln_extern ext;

	if (types == NULL || h == NULL)
		goto fail;
	*h = (capi_host){NULL, store, callback, callback_env, env, finalizer, NULL, NULL};
	kt = capi_kiln_functype(type, types);
	/* Several results: the callback's own function takes the parameters
	 * only, and the adapter returns the results. */
	kt.nresults = kt.nresults > 1 ? 0 : kt.nresults;
	if (kiln_host_func_new(&kt, NULL, host_entry, h, &h->func, NULL) != KILN_OK)
		goto fail;
	ext = kiln_host_func_extern(h->func);
	h->type = kiln_extern_type(ext).u.func;
	if (type->results.size > 1) {
		kt = capi_kiln_functype(type, types);
		if (!(h->adapter = capi_adapter_new(store->engine->engine, &kt, h->func, &ext)))
			goto fail;
		h->type = capi_adapter_type(h->adapter);
	}
	if (!capi_store_keep(store, host_free, h))
		goto fail;
	f = (wasm_func_t *)capi_extern_new(store, ext);
	h = NULL;	/* the store's now: it runs the finalizer */
	free(types);
	return f;
fail:
	if (h) {
		capi_adapter_delete(h->adapter);
		kiln_host_func_delete(h->func);
	}
	free(h);
	free(types);
	return NULL;
}

wasm_func_t *wasm_func_new(wasm_store_t *store, const wasm_functype_t *type,
			   wasm_func_callback_t callback)
{
	return host_new(store, type, callback, NULL, NULL, NULL);
}

wasm_func_t *wasm_func_new_with_env(wasm_store_t *store, const wasm_functype_t *type,
				    wasm_func_callback_with_env_t callback, void *env,
				    void (*finalizer)(void *))
{
	return host_new(store, type, NULL, callback, env, finalizer);
}

static const kiln_functype *func_type(const wasm_func_t *f)
{
	return kiln_extern_type(f->e.ext).u.func;
}

wasm_functype_t *wasm_func_type(const wasm_func_t *f)
{
	return capi_functype(func_type(f));
}

size_t wasm_func_param_arity(const wasm_func_t *f)
{
	return func_type(f)->nparams;
}

size_t wasm_func_result_arity(const wasm_func_t *f)
{
	return func_type(f)->nresults;
}

wasm_trap_t *wasm_func_call(const wasm_func_t *f, const wasm_val_vec_t *args,
			    wasm_val_vec_t *results)
{
	const kiln_functype *ft = func_type(f);
	wasm_store_t *store = f->e.ref.store;
	kiln_val small[16], *vals = small;
	size_t n = ft->nparams + ft->nresults;
	wasm_trap_t *trap = NULL;
	kiln_trap_info info;
	kiln_error err;

	if (args->size != ft->nparams || results->size != ft->nresults)
		return capi_trap_new(store, "wrong number of arguments or results", 36);
	if (n > 16 && !(vals = calloc(n, sizeof *vals)))
		return capi_trap_new(store, "out of memory", 13);
	for (size_t i = 0; i < args->size && !trap; i++)
		if (!capi_to_kiln(&args->data[i], &vals[i]))
			trap = capi_trap_new(store, "argument of a kind kiln cannot pass", 35);
	if (trap == NULL) {
		kiln_status st = kiln_func_call(f->e.ext, vals, ft->nparams, vals + ft->nparams,
						ft->nresults, &info, &err);
		if (st == KILN_ERR_TRAP || st == KILN_ERR_EXCEPTION) {
			/* wasm.h has no exceptions: "uncaught exception", a trap */
			trap = capi_trap_from(store, &info);
			kiln_exception_delete(info.exception);
		}
		else if (st != KILN_OK)
			trap = capi_trap_new(store, err.message, strlen(err.message));
	}
	for (size_t i = 0; i < results->size && !trap; i++)
		if (!capi_from_kiln(store, &vals[ft->nparams + i], &results->data[i]))
			trap = capi_trap_new(store, "out of memory", 13);
	if (vals != small)
		free(vals);
	return trap;
}

/* ---------------------------------- host globals, memories and tables */

/* A handle for a host object just made: the store keeps the object (and
 * frees it with free_fn), or it is freed now when that cannot be. */
static wasm_extern_t *host_extern(wasm_store_t *store, void (*free_fn)(void *), void *obj,
				  kiln_extern ext)
{
	if (!capi_store_keep(store, free_fn, obj)) {
		free_fn(obj);
		return NULL;
	}
	return capi_extern_new(store, ext);
}

/* -------------------------------------------------------------- globals */

static void host_global_free(void *p)
{
	kiln_host_global_delete(p);
}

wasm_global_t *wasm_global_new(wasm_store_t *store, const wasm_globaltype_t *type,
			       const wasm_val_t *val)
{
	kiln_globaltype kt = {capi_kiln_valtype(type->content->kind), type->mutability == WASM_VAR};
	kiln_host_global *g;
	kiln_val v;

	if (val->kind != type->content->kind || !capi_to_kiln(val, &v))
		return NULL;
	if (kiln_host_global_new(&kt, v, &g, NULL) != KILN_OK)
		return NULL;
	return (wasm_global_t *)host_extern(store, host_global_free, g,
					    kiln_host_global_extern(g));
}

wasm_globaltype_t *wasm_global_type(const wasm_global_t *g)
{
	return (wasm_globaltype_t *)wasm_extern_type(&g->e);
}

void wasm_global_get(const wasm_global_t *g, wasm_val_t *out)
{
	kiln_val v = kiln_global_get(g->e.ext);

	capi_from_kiln(g->e.ref.store, &v, out);
}

void wasm_global_set(wasm_global_t *g, const wasm_val_t *val)
{
	kiln_val v;

	if (capi_to_kiln(val, &v))
		kiln_global_set(g->e.ext, v, NULL);
}

/* ------------------------------------------------------------- memories */

static void host_memory_free(void *p)
{
	kiln_host_memory_delete(p);
}

wasm_memory_t *wasm_memory_new(wasm_store_t *store, const wasm_memorytype_t *type)
{
	const wasm_limits_t *l = &type->limits;
	kiln_memtype kt = {{l->min, l->max, l->max != wasm_limits_max_default}, false, false};
	kiln_host_memory *m;

	if (kiln_host_memory_new(&kt, &m, NULL) != KILN_OK)
		return NULL;
	return (wasm_memory_t *)host_extern(store, host_memory_free, m,
					    kiln_host_memory_extern(m));
}

wasm_memorytype_t *wasm_memory_type(const wasm_memory_t *m)
{
	return (wasm_memorytype_t *)wasm_extern_type(&m->e);
}

byte_t *wasm_memory_data(wasm_memory_t *m)
{
	size_t size;

	return (byte_t *)kiln_memory_data(m->e.ext, &size);
}

size_t wasm_memory_data_size(const wasm_memory_t *m)
{
	size_t size;

	kiln_memory_data(m->e.ext, &size);
	return size;
}

wasm_memory_pages_t wasm_memory_size(const wasm_memory_t *m)
{
	return (wasm_memory_pages_t)(wasm_memory_data_size(m) / MEMORY_PAGE_SIZE);
}

bool wasm_memory_grow(wasm_memory_t *m, wasm_memory_pages_t delta)
{
	return kiln_memory_grow_by(m->e.ext, delta, NULL, NULL) == KILN_OK;
}

/* --------------------------------------------------------------- tables */

static void host_table_free(void *p)
{
	kiln_host_table_delete(p);
}

/* A table element as kiln's value: a reference of the table's type. */
static bool elem_to_kiln(wasm_valkind_t kind, wasm_ref_t *ref, kiln_val *out)
{
	wasm_val_t v = {.kind = kind, .of.ref = ref};

	return capi_to_kiln(&v, out);
}

static wasm_valkind_t table_elem(const wasm_table_t *t)
{
	return capi_valkind(kiln_extern_type(t->e.ext).u.table.elem);
}

wasm_table_t *wasm_table_new(wasm_store_t *store, const wasm_tabletype_t *type,
			     wasm_ref_t *init)
{
	const wasm_limits_t *l = &type->limits;
	kiln_tabletype kt = {capi_kiln_valtype(type->element->kind),
			     {l->min, l->max, l->max != wasm_limits_max_default}};
	kiln_host_table *t;
	kiln_val v;

	if (!elem_to_kiln(type->element->kind, init, &v) ||
	    kiln_host_table_new(&kt, v, &t, NULL) != KILN_OK)
		return NULL;
	return (wasm_table_t *)host_extern(store, host_table_free, t, kiln_host_table_extern(t));
}

wasm_tabletype_t *wasm_table_type(const wasm_table_t *t)
{
	return (wasm_tabletype_t *)wasm_extern_type(&t->e);
}

wasm_ref_t *wasm_table_get(const wasm_table_t *t, wasm_table_size_t index)
{
	kiln_val v;
	wasm_val_t out;

	if (kiln_table_get(t->e.ext, index, &v, NULL) != KILN_OK ||
	    !capi_from_kiln(t->e.ref.store, &v, &out))
		return NULL;
	return out.of.ref;
}

bool wasm_table_set(wasm_table_t *t, wasm_table_size_t index, wasm_ref_t *ref)
{
	kiln_val v;

	return index < kiln_table_size(t->e.ext) && elem_to_kiln(table_elem(t), ref, &v) &&
	       kiln_table_set(t->e.ext, index, v, NULL) == KILN_OK;
}

wasm_table_size_t wasm_table_size(const wasm_table_t *t)
{
	return kiln_table_size(t->e.ext);
}

bool wasm_table_grow(wasm_table_t *t, wasm_table_size_t delta, wasm_ref_t *init)
{
	kiln_val v;

	return elem_to_kiln(table_elem(t), init, &v) &&
	       kiln_table_grow_by(t->e.ext, delta, v, NULL, NULL) == KILN_OK;
}
