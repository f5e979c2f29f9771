/*
 * capi_store.c — wasm.h's configs, engines, stores, modules and
 * instances, and the handles every runtime object has.
 *
 * A store keeps two lists (capi.h): the live handles made in it, and the
 * kiln objects behind them (instances, host functions, globals, tables,
 * memories, counts on modules).  Deleting the store deletes the handles
 * still live first (their finalizers run then), then the kiln objects
 * newest first: an instance goes before the host objects it imports,
 * which were made before it, and before the count on its module, which
 * it takes first.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h"
#include "kiln_wasm.h"

/* --------------------------------------------------- config and engine */

wasm_config_t *wasm_config_new(void)
{
	wasm_config_t *c = malloc(sizeof *c);

	if (c) {
		c->config = kiln_config_default();
		c->aot = false;
	}
	return c;
}

void kiln_wasm_config_set(wasm_config_t *config, const kiln_config *settings)
{
	config->config = *settings;
}

void kiln_wasm_config_set_aot(wasm_config_t *config, bool aot)
{
	config->aot = aot;
}

kiln_engine *kiln_wasm_engine(wasm_engine_t *engine)
{
	return engine->engine;
}

void wasm_config_delete(wasm_config_t *config)
{
	free(config);
}

wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *config)
{
	wasm_engine_t *e = malloc(sizeof *e);

	if (e && kiln_engine_new(config ? &config->config : NULL, &e->engine, NULL) != KILN_OK) {
		free(e);
		e = NULL;
	}
	if (e)
		e->aot = config && config->aot;
	wasm_config_delete(config);
	return e;
}

wasm_engine_t *wasm_engine_new(void)
{
	return wasm_engine_new_with_config(NULL);
}

void wasm_engine_delete(wasm_engine_t *engine)
{
	if (engine == NULL)
		return;
	kiln_engine_delete(engine->engine);
	free(engine);
}

/* -------------------------------------------------------------- stores */

wasm_store_t *wasm_store_new(wasm_engine_t *engine)
{
	wasm_store_t *s = calloc(1, sizeof *s);

	if (s)
		s->engine = engine;
	return s;
}

void wasm_store_delete(wasm_store_t *store)
{
	if (store == NULL)
		return;
	while (store->live) {
		/* However many copies the program forgot, the handle goes. */
		store->live->handles = 1;
		capi_handle_delete(store->live);
	}
	while (store->nres--)
		store->res[store->nres].free(store->res[store->nres].p);
	free(store->res);
	free(store);
}

bool capi_store_keep(wasm_store_t *store, void (*fn)(void *), void *p)
{
	if (store->nres == store->cap) {
		size_t cap = store->cap ? 2 * store->cap : 16;
		capi_resource *res = realloc(store->res, cap * sizeof *res);
		if (res == NULL)
			return false;
		store->res = res;
		store->cap = cap;
	}
	store->res[store->nres++] = (capi_resource){fn, p};
	return true;
}

/* ------------------------------------------------------------- handles */

void *capi_handle_new(wasm_store_t *store, capi_kind kind, size_t size)
{
	wasm_ref_t *ref = calloc(1, size);

	if (ref == NULL)
		return NULL;
	ref->kind = kind;
	ref->handles = 1;
	ref->store = store;
	if (store) {
		ref->next = store->live;
		if (store->live)
			store->live->prev = ref;
		store->live = ref;
	}
	return ref;
}

void capi_handle_delete(wasm_ref_t *ref)
{
	if (--ref->handles)
		return;
	if (ref->finalizer)
		ref->finalizer(ref->host_info);
	if (ref->prev)
		ref->prev->next = ref->next;
	else if (ref->store)
		ref->store->live = ref->next;
	if (ref->next)
		ref->next->prev = ref->prev;
	if (ref->kind == CAPI_TRAP)
		wasm_byte_vec_delete(&((wasm_trap_t *)ref)->message);
	else if (ref->kind == CAPI_MODULE)
		capi_module_release(((wasm_module_t *)ref)->m);
	free(ref);
}

/* ------------------------------------------------------------- modules */

capi_module *capi_module_hold(capi_module *m)
{
	atomic_fetch_add(&m->refs, 1);
	return m;
}

void capi_module_release(void *p)
{
	capi_module *m = p;

	if (atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	kiln_module_delete(m->module);
	free(m);
}

/* A handle in `store` for a kiln module (consumed, also on failure). */
static wasm_module_t *module_handle(wasm_store_t *store, kiln_module *module)
{
	capi_module *m = malloc(sizeof *m);
	wasm_module_t *h = m ? capi_handle_new(store, CAPI_MODULE, sizeof *h) : NULL;

	if (h == NULL) {
		free(m);
		kiln_module_delete(module);
		return NULL;
	}
	atomic_init(&m->refs, 1);
	m->module = module;
	m->engine = store->engine;
	h->m = m;
	return h;
}

/* Compiles a validated module whole, through an artifact in memory: the
 * module loaded from it replaces *module. */
static kiln_status compile_aot(kiln_engine *engine, kiln_module **module)
{
	uint8_t *art;
	size_t len;
	kiln_module *loaded;
	kiln_status st = kiln_module_serialize(engine, *module, &art, &len, NULL);

	if (st != KILN_OK)
		return st;
	st = kiln_module_load(art, len, &loaded, NULL);
	free(art);
	if (st == KILN_OK) {
		kiln_module_delete(*module);
		*module = loaded;
	}
	return st;
}

wasm_module_t *wasm_module_new(wasm_store_t *store, const wasm_byte_vec_t *binary)
{
	wasm_engine_t *e = store->engine;
	kiln_module *module;
	kiln_status st;

	if (kiln_module_new((const uint8_t *)binary->data, binary->size, &module, NULL) != KILN_OK)
		return NULL;
	st = e->aot ? compile_aot(e->engine, &module) : kiln_module_compile(e->engine, module, NULL);
	if (st != KILN_OK) {
		kiln_module_delete(module);
		return NULL;
	}
	return module_handle(store, module);
}

bool wasm_module_validate(wasm_store_t *store, const wasm_byte_vec_t *binary)
{
	kiln_module *module;

	(void)store;
	if (kiln_module_new((const uint8_t *)binary->data, binary->size, &module, NULL) != KILN_OK)
		return false;
	kiln_module_delete(module);
	return true;
}

void wasm_module_imports(const wasm_module_t *module, wasm_importtype_vec_t *out)
{
	const kiln_module *m = module->m->module;
	size_t n = kiln_module_import_count(m);

	wasm_importtype_vec_new_uninitialized(out, n);
	for (size_t i = 0; i < out->size; i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		wasm_name_t mod, name;

		wasm_name_new(&mod, imp.module.len, imp.module.data);
		wasm_name_new(&name, imp.name.len, imp.name.data);
		out->data[i] = wasm_importtype_new(&mod, &name, capi_externtype(&imp.type));
	}
}

void wasm_module_exports(const wasm_module_t *module, wasm_exporttype_vec_t *out)
{
	const kiln_module *m = module->m->module;
	size_t n = kiln_module_export_count(m);

	wasm_exporttype_vec_new_uninitialized(out, n);
	for (size_t i = 0; i < out->size; i++) {
		kiln_export_info exp = kiln_module_export(m, i);
		kiln_externtype type = kiln_module_export_type(m, i);
		wasm_name_t name;

		wasm_name_new(&name, exp.name.len, exp.name.data);
		out->data[i] = wasm_exporttype_new(&name, capi_externtype(&type));
	}
}

/* An AOT artifact of the module (kiln_module_serialize), for this
 * machine; empty when it cannot be made. */
void wasm_module_serialize(const wasm_module_t *module, wasm_byte_vec_t *out)
{
	uint8_t *bytes;
	size_t len;

	wasm_byte_vec_new_empty(out);
	if (kiln_module_serialize(module->m->engine->engine, module->m->module, &bytes, &len,
				  NULL) != KILN_OK)
		return;
	/* kiln's buffer is malloc'd: the vector takes it as it is. */
	out->data = (wasm_byte_t *)bytes;
	out->size = len;
}

/* kiln_module_load: checked as kiln-run checks artifacts (foreign or
 * damaged bytes give NULL); no compiler is involved. */
wasm_module_t *wasm_module_deserialize(wasm_store_t *store, const wasm_byte_vec_t *bytes)
{
	kiln_module *module;

	if (kiln_module_load((const uint8_t *)bytes->data, bytes->size, &module, NULL) != KILN_OK)
		return NULL;
	return module_handle(store, module);
}

wasm_shared_module_t *wasm_module_share(const wasm_module_t *module)
{
	wasm_shared_module_t *s = malloc(sizeof *s);

	if (s)
		s->m = capi_module_hold(module->m);
	return s;
}

void wasm_shared_module_delete(wasm_shared_module_t *shared)
{
	if (shared == NULL)
		return;
	capi_module_release(shared->m);
	free(shared);
}

wasm_module_t *wasm_module_obtain(wasm_store_t *store, const wasm_shared_module_t *shared)
{
	wasm_module_t *h = capi_handle_new(store, CAPI_MODULE, sizeof *h);

	if (h)
		h->m = capi_module_hold(shared->m);
	return h;
}

CAPI_REF(module, CAPI_MODULE)

/* ----------------------------------------------------------- instances */

/* A store's instance: deleted before the count on its module is dropped. */
typedef struct capi_instance_res {
	kiln_instance *instance;
	capi_module *m;
} capi_instance_res;

static void instance_free(void *p)
{
	capi_instance_res *r = p;

	kiln_instance_delete(r->instance);
	capi_module_release(r->m);
	free(r);
}

capi_module *capi_store_module_of(const wasm_store_t *store, const kiln_instance *instance)
{
	for (size_t i = 0; i < store->nres; i++) {
		const capi_instance_res *r = store->res[i].p;
		if (store->res[i].free == instance_free && r->instance == instance)
			return r->m;
	}
	return NULL;
}

/* Makes the store keep an instance and a count on its module; false (the
 * instance deleted) when out of memory. */
static bool keep_instance(wasm_store_t *store, kiln_instance *instance, capi_module *m)
{
	capi_instance_res *r = malloc(sizeof *r);

	if (r == NULL || !capi_store_keep(store, instance_free, r)) {
		free(r);
		kiln_instance_delete(instance);
		return false;
	}
	*r = (capi_instance_res){instance, capi_module_hold(m)};
	return true;
}

/* The trap instantiation ended with, frames and all: a host function's,
 * or one of kiln's kind (the kind alone if the instance's record of it
 * was lost to a lack of memory). */
static wasm_trap_t *start_trap(wasm_store_t *store, const kiln_instance *inst,
			       kiln_trap_kind kind)
{
	kiln_trap_info info;

	if (!kiln_instance_init_trap(inst, &info))
		info = (kiln_trap_info){.kind = kind};
	return capi_trap_from(store, &info);
}

wasm_instance_t *wasm_instance_new(wasm_store_t *store, const wasm_module_t *module,
				   const wasm_extern_vec_t *imports, wasm_trap_t **trap)
{
	kiln_extern small[16], *ext = small;
	kiln_instance *inst = NULL;
	kiln_trap_kind kind = KILN_TRAP_NONE;
	wasm_instance_t *h = NULL;
	kiln_status st;

	if (trap)
		*trap = NULL;
	if (imports->size > 16 && !(ext = calloc(imports->size, sizeof *ext)))
		return NULL;
	for (size_t i = 0; i < imports->size; i++)
		ext[i] = imports->data[i] ? imports->data[i]->ext : (kiln_extern){0, NULL};
	st = kiln_instance_new(module->m->module, ext, imports->size, &inst, &kind, NULL);
	/* A trapping start function leaves an instance that may be referred
	 * to from imported tables: the store deletes it with the rest. */
	if (inst && !keep_instance(store, inst, module->m))
		goto out;
	if (st == KILN_ERR_TRAP) {
		wasm_trap_t *t = start_trap(store, inst, kind);
		if (trap)
			*trap = t;
		else
			wasm_trap_delete(t);
		goto out;
	}
	if (st != KILN_OK || !(h = capi_handle_new(store, CAPI_INSTANCE, sizeof *h)))
		goto out;
	h->instance = inst;
	h->m = module->m;
out:
	if (ext != small)
		free(ext);
	return h;
}

void wasm_instance_exports(const wasm_instance_t *instance, wasm_extern_vec_t *out)
{
	const kiln_module *m = instance->m->module;
	size_t n = kiln_module_export_count(m);

	wasm_extern_vec_new_uninitialized(out, n);
	for (size_t i = 0; i < out->size; i++) {
		kiln_export_info exp = kiln_module_export(m, i);
		kiln_extern ext;

		out->data[i] = kiln_instance_export(instance->instance, exp.name, &ext)
				       ? capi_extern_new(instance->ref.store, ext)
				       : NULL;
	}
}

CAPI_REF(instance, CAPI_INSTANCE)
