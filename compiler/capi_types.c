/*
 * capi_types.c — wasm.h's type objects and vectors: valtype, functype,
 * globaltype, tabletype, memorytype, tagtype, externtype, importtype,
 * exporttype, bytes and values, and the conversions from kiln's types.
 *
 * Type objects are values: each owns what it points to, _copy copies it
 * all, _delete frees it all, and _delete(NULL) does nothing.  An extern
 * type starts with wasm_externtype_t, so that viewing one as the other
 * is a cast checked by kind.  A constructor that cannot allocate returns
 * NULL, having consumed what it was given.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* --------------------------------------------------------- bytes, values */

static void byte_copy_one(wasm_byte_t *dst, const wasm_byte_t *src)
{
	*dst = *src;
}

static void byte_delete_one(wasm_byte_t *b)
{
	(void)b;
}

CAPI_VEC(byte, wasm_byte_t, byte_copy_one, byte_delete_one)

void wasm_val_delete(wasm_val_t *v)
{
	if (wasm_valkind_is_ref(v->kind) && v->of.ref) {
		wasm_ref_delete(v->of.ref);
		v->of.ref = NULL;
	}
}

void wasm_val_copy(wasm_val_t *out, const wasm_val_t *v)
{
	*out = *v;
	if (wasm_valkind_is_ref(v->kind) && v->of.ref)
		out->of.ref = wasm_ref_copy(v->of.ref);
}

CAPI_VEC(val, wasm_val_t, wasm_val_copy, wasm_val_delete)

/* ------------------------------------------------------------ valtypes */

wasm_valtype_t *wasm_valtype_new(wasm_valkind_t kind)
{
	wasm_valtype_t *t = malloc(sizeof *t);

	if (t)
		t->kind = kind;
	return t;
}

wasm_valtype_t *wasm_valtype_copy(const wasm_valtype_t *t)
{
	return wasm_valtype_new(t->kind);
}

void wasm_valtype_delete(wasm_valtype_t *t)
{
	free(t);
}

wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t *t)
{
	return t->kind;
}

CAPI_VEC_OWN(valtype)

/* ----------------------------------------------------------- functypes */

/* The extern type header every extern type starts with. */
static void *externtype_alloc(size_t size, wasm_externkind_t kind)
{
	wasm_externtype_t *t = calloc(1, size);

	if (t)
		t->kind = kind;
	return t;
}

wasm_functype_t *wasm_functype_new(wasm_valtype_vec_t *params, wasm_valtype_vec_t *results)
{
	wasm_functype_t *ft = externtype_alloc(sizeof *ft, WASM_EXTERN_FUNC);

	if (ft == NULL) {
		wasm_valtype_vec_delete(params);
		wasm_valtype_vec_delete(results);
		return NULL;
	}
	ft->params = *params;
	ft->results = *results;
	/* Consumed: the caller's vectors no longer own the elements. */
	*params = (wasm_valtype_vec_t){0, NULL};
	*results = (wasm_valtype_vec_t){0, NULL};
	return ft;
}

wasm_functype_t *wasm_functype_copy(const wasm_functype_t *ft)
{
	wasm_valtype_vec_t p, r;

	wasm_valtype_vec_copy(&p, &ft->params);
	wasm_valtype_vec_copy(&r, &ft->results);
	if (p.size != ft->params.size || r.size != ft->results.size) {
		wasm_valtype_vec_delete(&p);
		wasm_valtype_vec_delete(&r);
		return NULL;
	}
	return wasm_functype_new(&p, &r);
}

void wasm_functype_delete(wasm_functype_t *ft)
{
	if (ft == NULL)
		return;
	wasm_valtype_vec_delete(&ft->params);
	wasm_valtype_vec_delete(&ft->results);
	free(ft);
}

const wasm_valtype_vec_t *wasm_functype_params(const wasm_functype_t *ft)
{
	return &ft->params;
}

const wasm_valtype_vec_t *wasm_functype_results(const wasm_functype_t *ft)
{
	return &ft->results;
}

CAPI_VEC_OWN(functype)

/* --------------------------------------------------------- globaltypes */

wasm_globaltype_t *wasm_globaltype_new(wasm_valtype_t *content, wasm_mutability_t mutability)
{
	wasm_globaltype_t *gt = externtype_alloc(sizeof *gt, WASM_EXTERN_GLOBAL);

	if (gt == NULL || content == NULL) {
		wasm_valtype_delete(content);
		free(gt);
		return NULL;
	}
	gt->content = content;
	gt->mutability = mutability;
	return gt;
}

wasm_globaltype_t *wasm_globaltype_copy(const wasm_globaltype_t *gt)
{
	return wasm_globaltype_new(wasm_valtype_copy(gt->content), gt->mutability);
}

void wasm_globaltype_delete(wasm_globaltype_t *gt)
{
	if (gt == NULL)
		return;
	wasm_valtype_delete(gt->content);
	free(gt);
}

const wasm_valtype_t *wasm_globaltype_content(const wasm_globaltype_t *gt)
{
	return gt->content;
}

wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t *gt)
{
	return gt->mutability;
}

CAPI_VEC_OWN(globaltype)

/* ---------------------------------------------------------- tabletypes */

wasm_tabletype_t *wasm_tabletype_new(wasm_valtype_t *element, const wasm_limits_t *limits)
{
	wasm_tabletype_t *tt = externtype_alloc(sizeof *tt, WASM_EXTERN_TABLE);

	if (tt == NULL || element == NULL) {
		wasm_valtype_delete(element);
		free(tt);
		return NULL;
	}
	tt->element = element;
	tt->limits = *limits;
	return tt;
}

wasm_tabletype_t *wasm_tabletype_copy(const wasm_tabletype_t *tt)
{
	return wasm_tabletype_new(wasm_valtype_copy(tt->element), &tt->limits);
}

void wasm_tabletype_delete(wasm_tabletype_t *tt)
{
	if (tt == NULL)
		return;
	wasm_valtype_delete(tt->element);
	free(tt);
}

const wasm_valtype_t *wasm_tabletype_element(const wasm_tabletype_t *tt)
{
	return tt->element;
}

const wasm_limits_t *wasm_tabletype_limits(const wasm_tabletype_t *tt)
{
	return &tt->limits;
}

CAPI_VEC_OWN(tabletype)

/* --------------------------------------------------------- memorytypes */

wasm_memorytype_t *wasm_memorytype_new(const wasm_limits_t *limits)
{
	wasm_memorytype_t *mt = externtype_alloc(sizeof *mt, WASM_EXTERN_MEMORY);

	if (mt)
		mt->limits = *limits;
	return mt;
}

wasm_memorytype_t *wasm_memorytype_copy(const wasm_memorytype_t *mt)
{
	return wasm_memorytype_new(&mt->limits);
}

void wasm_memorytype_delete(wasm_memorytype_t *mt)
{
	free(mt);
}

const wasm_limits_t *wasm_memorytype_limits(const wasm_memorytype_t *mt)
{
	return &mt->limits;
}

CAPI_VEC_OWN(memorytype)

/* ------------------------------------------------------------ tagtypes */

wasm_tagtype_t *wasm_tagtype_new(wasm_functype_t *functype)
{
	wasm_tagtype_t *tt = externtype_alloc(sizeof *tt, WASM_EXTERN_TAG);

	if (tt == NULL || functype == NULL) {
		wasm_functype_delete(functype);
		free(tt);
		return NULL;
	}
	tt->functype = functype;
	return tt;
}

wasm_tagtype_t *wasm_tagtype_copy(const wasm_tagtype_t *tt)
{
	return wasm_tagtype_new(wasm_functype_copy(tt->functype));
}

void wasm_tagtype_delete(wasm_tagtype_t *tt)
{
	if (tt == NULL)
		return;
	wasm_functype_delete(tt->functype);
	free(tt);
}

const wasm_functype_t *wasm_tagtype_functype(const wasm_tagtype_t *tt)
{
	return tt->functype;
}

CAPI_VEC_OWN(tagtype)

/* --------------------------------------------------------- externtypes */

wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t *t)
{
	return t->kind;
}

wasm_externtype_t *wasm_externtype_copy(const wasm_externtype_t *t)
{
	switch (t->kind) {
	case WASM_EXTERN_FUNC:
		return (wasm_externtype_t *)wasm_functype_copy((const wasm_functype_t *)t);
	case WASM_EXTERN_GLOBAL:
		return (wasm_externtype_t *)wasm_globaltype_copy((const wasm_globaltype_t *)t);
	case WASM_EXTERN_TABLE:
		return (wasm_externtype_t *)wasm_tabletype_copy((const wasm_tabletype_t *)t);
	case WASM_EXTERN_MEMORY:
		return (wasm_externtype_t *)wasm_memorytype_copy((const wasm_memorytype_t *)t);
	default:
		return (wasm_externtype_t *)wasm_tagtype_copy((const wasm_tagtype_t *)t);
	}
}

void wasm_externtype_delete(wasm_externtype_t *t)
{
	if (t == NULL)
		return;
	switch (t->kind) {
	case WASM_EXTERN_FUNC: wasm_functype_delete((wasm_functype_t *)t); break;
	case WASM_EXTERN_GLOBAL: wasm_globaltype_delete((wasm_globaltype_t *)t); break;
	case WASM_EXTERN_TABLE: wasm_tabletype_delete((wasm_tabletype_t *)t); break;
	case WASM_EXTERN_MEMORY: wasm_memorytype_delete((wasm_memorytype_t *)t); break;
	default: wasm_tagtype_delete((wasm_tagtype_t *)t); break;
	}
}

CAPI_VEC_OWN(externtype)

/* The conversions: each type to an externtype and back (NULL for another
 * kind), mutable and const.  The `ext` member is first, so each is a cast. */
#define CAPI_EXTERNTYPE_AS(name, KIND)                                         \
	wasm_externtype_t *wasm_##name##_as_externtype(wasm_##name##_t *t)     \
	{                                                                      \
		return &t->ext;                                                \
	}                                                                      \
	const wasm_externtype_t *wasm_##name##_as_externtype_const(const wasm_##name##_t *t) \
	{                                                                      \
		return &t->ext;                                                \
	}                                                                      \
	wasm_##name##_t *wasm_externtype_as_##name(wasm_externtype_t *t)       \
	{                                                                      \
		return t->kind == KIND ? (wasm_##name##_t *)t : NULL;          \
	}                                                                      \
	const wasm_##name##_t *wasm_externtype_as_##name##_const(const wasm_externtype_t *t) \
	{                                                                      \
		return t->kind == KIND ? (const wasm_##name##_t *)t : NULL;    \
	}

CAPI_EXTERNTYPE_AS(functype, WASM_EXTERN_FUNC)
CAPI_EXTERNTYPE_AS(globaltype, WASM_EXTERN_GLOBAL)
CAPI_EXTERNTYPE_AS(tabletype, WASM_EXTERN_TABLE)
CAPI_EXTERNTYPE_AS(memorytype, WASM_EXTERN_MEMORY)
CAPI_EXTERNTYPE_AS(tagtype, WASM_EXTERN_TAG)

/* --------------------------------------------- import and export types */

wasm_importtype_t *wasm_importtype_new(wasm_name_t *module, wasm_name_t *name,
				       wasm_externtype_t *type)
{
	wasm_importtype_t *it = malloc(sizeof *it);

	if (it == NULL || type == NULL) {
		wasm_name_delete(module);
		wasm_name_delete(name);
		wasm_externtype_delete(type);
		free(it);
		return NULL;
	}
	it->module = *module;
	it->name = *name;
	it->type = type;
	*module = (wasm_name_t){0, NULL};
	*name = (wasm_name_t){0, NULL};
	return it;
}

wasm_importtype_t *wasm_importtype_copy(const wasm_importtype_t *it)
{
	wasm_name_t module, name;

	wasm_name_copy(&module, &it->module);
	wasm_name_copy(&name, &it->name);
	return wasm_importtype_new(&module, &name, wasm_externtype_copy(it->type));
}

void wasm_importtype_delete(wasm_importtype_t *it)
{
	if (it == NULL)
		return;
	wasm_name_delete(&it->module);
	wasm_name_delete(&it->name);
	wasm_externtype_delete(it->type);
	free(it);
}

const wasm_name_t *wasm_importtype_module(const wasm_importtype_t *it)
{
	return &it->module;
}

const wasm_name_t *wasm_importtype_name(const wasm_importtype_t *it)
{
	return &it->name;
}

const wasm_externtype_t *wasm_importtype_type(const wasm_importtype_t *it)
{
	return it->type;
}

CAPI_VEC_OWN(importtype)

wasm_exporttype_t *wasm_exporttype_new(wasm_name_t *name, wasm_externtype_t *type)
{
	wasm_exporttype_t *et = malloc(sizeof *et);

	if (et == NULL || type == NULL) {
		wasm_name_delete(name);
		wasm_externtype_delete(type);
		free(et);
		return NULL;
	}
	et->name = *name;
	et->type = type;
	*name = (wasm_name_t){0, NULL};
	return et;
}

wasm_exporttype_t *wasm_exporttype_copy(const wasm_exporttype_t *et)
{
	wasm_name_t name;

	wasm_name_copy(&name, &et->name);
	return wasm_exporttype_new(&name, wasm_externtype_copy(et->type));
}

void wasm_exporttype_delete(wasm_exporttype_t *et)
{
	if (et == NULL)
		return;
	wasm_name_delete(&et->name);
	wasm_externtype_delete(et->type);
	free(et);
}

const wasm_name_t *wasm_exporttype_name(const wasm_exporttype_t *et)
{
	return &et->name;
}

const wasm_externtype_t *wasm_exporttype_type(const wasm_exporttype_t *et)
{
	return et->type;
}

CAPI_VEC_OWN(exporttype)

/* ------------------------------------------------- from kiln's types */

/* v128 has no kind in the standard: it shows as kind 4, the first number
 * the standard leaves unused; exnref as kind 5, the next. */
#define CAPI_V128 4
#define CAPI_EXNREF 5

wasm_valkind_t capi_valkind(kiln_valtype t)
{
	switch (t) {
	case KILN_I32: return WASM_I32;
	case KILN_I64: return WASM_I64;
	case KILN_F32: return WASM_F32;
	case KILN_F64: return WASM_F64;
	case KILN_FUNCREF: return WASM_FUNCREF;
	case KILN_EXTERNREF: return WASM_EXTERNREF;
	case KILN_EXNREF: return CAPI_EXNREF;
	default: return CAPI_V128;
	}
}

kiln_valtype capi_kiln_valtype(wasm_valkind_t k)
{
	switch (k) {
	case WASM_I32: return KILN_I32;
	case WASM_I64: return KILN_I64;
	case WASM_F32: return KILN_F32;
	case WASM_F64: return KILN_F64;
	case WASM_FUNCREF: return KILN_FUNCREF;
	case WASM_EXTERNREF: return KILN_EXTERNREF;
	case CAPI_EXNREF: return KILN_EXNREF;
	default: return KILN_V128;
	}
}

wasm_externkind_t capi_externkind(kiln_extern_kind k)
{
	switch (k) {
	case KILN_EXTERN_FUNC: return WASM_EXTERN_FUNC;
	case KILN_EXTERN_TABLE: return WASM_EXTERN_TABLE;
	case KILN_EXTERN_MEMORY: return WASM_EXTERN_MEMORY;
	case KILN_EXTERN_TAG: return WASM_EXTERN_TAG;
	default: return WASM_EXTERN_GLOBAL;
	}
}

/* A vector of n valtypes of kiln's; size 0 when out of memory. */
static bool valtypes(wasm_valtype_vec_t *out, const kiln_valtype *types, uint32_t n)
{
	wasm_valtype_vec_new_uninitialized(out, n);
	for (uint32_t i = 0; i < out->size; i++)
		if (!(out->data[i] = wasm_valtype_new(capi_valkind(types[i])))) {
			wasm_valtype_vec_delete(out);
			return false;
		}
	return out->size == n;
}

wasm_functype_t *capi_functype(const kiln_functype *ft)
{
	wasm_valtype_vec_t p = {0, NULL}, r = {0, NULL};

	if (!valtypes(&p, ft->params, ft->nparams) || !valtypes(&r, ft->results, ft->nresults)) {
		wasm_valtype_vec_delete(&p);
		return NULL;
	}
	return wasm_functype_new(&p, &r);
}

kiln_functype capi_kiln_functype(const wasm_functype_t *ft, kiln_valtype *types)
{
	size_t np = ft->params.size, nr = ft->results.size;

	for (size_t i = 0; i < np; i++)
		types[i] = capi_kiln_valtype(ft->params.data[i]->kind);
	for (size_t i = 0; i < nr; i++)
		types[np + i] = capi_kiln_valtype(ft->results.data[i]->kind);
	return (kiln_functype){(uint32_t)np, (uint32_t)nr, types, types + np};
}

static wasm_limits_t limits(const kiln_limits *l)
{
	uint64_t max = l->has_max ? l->max : wasm_limits_max_default;

	return (wasm_limits_t){(uint32_t)l->min, max > UINT32_MAX ? UINT32_MAX : (uint32_t)max};
}

wasm_externtype_t *capi_externtype(const kiln_externtype *t)
{
	wasm_limits_t l;

	switch (t->kind) {
	case KILN_EXTERN_FUNC: {
		wasm_functype_t *ft = capi_functype(t->u.func);
		return ft ? &ft->ext : NULL;
	}
	case KILN_EXTERN_TABLE: {
		wasm_tabletype_t *tt;
		l = limits(&t->u.table.limits);
		tt = wasm_tabletype_new(wasm_valtype_new(capi_valkind(t->u.table.elem)), &l);
		return tt ? &tt->ext : NULL;
	}
	case KILN_EXTERN_MEMORY: {
		wasm_memorytype_t *mt;
		l = limits(&t->u.memory.limits);
		mt = wasm_memorytype_new(&l);
		return mt ? &mt->ext : NULL;
	}
	case KILN_EXTERN_TAG: {	/* a module's tag imports and exports */
		wasm_tagtype_t *tt = wasm_tagtype_new(capi_functype(t->u.func));
		return tt ? &tt->ext : NULL;
	}
	default: {
		const kiln_globaltype *g = &t->u.global;
		wasm_globaltype_t *gt = wasm_globaltype_new(wasm_valtype_new(capi_valkind(g->type)),
							    g->mutable_ ? WASM_VAR : WASM_CONST);
		return gt ? &gt->ext : NULL;
	}
	}
}
