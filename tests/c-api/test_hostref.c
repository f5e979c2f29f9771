/*
 * test_hostref.c — host references: foreign objects with host info
 * handed to wasm as externref and back, through parameters, results, a
 * host function, a global and a table; null references; a funcref
 * result callable from the host; foreign finalizers run once, when the
 * store goes, since wasm may still hold the references until then.
 */
#include "capi_util.h"

enum { GLOBAL, TABLE, GLOBAL_SET, GLOBAL_GET, TABLE_SET, TABLE_GET, CALL_ECHO, IS_NULL, SELF };

static int echoes, finalized;

static wasm_trap_t *echo(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	echoes++;
	CHECK(args->data[0].kind == WASM_EXTERNREF, "echo's argument kind");
	wasm_val_copy(&results->data[0], &args->data[0]);
	return NULL;
}

static void finalize(void *info)
{
	(void)info;
	finalized++;
}

/* Calls export i with args; *out its one result (or untouched). */
static void call(const wasm_extern_vec_t *ex, size_t i, wasm_val_t *args, size_t nargs,
		 wasm_val_t *out, size_t nres)
{
	wasm_val_vec_t va = {nargs, args}, vr = {nres, out};
	wasm_trap_t *trap = wasm_func_call(export_func(ex, i), &va, &vr);

	CHECK(trap == NULL, "export %zu trapped", i);
	wasm_trap_delete(trap);
}

/* The foreign object a result refers to: its host info, or NULL. */
static void *info_of(wasm_val_t *v)
{
	void *info = v->of.ref ? wasm_ref_get_host_info(v->of.ref) : NULL;

	CHECK(v->kind == WASM_EXTERNREF, "result kind %d", v->kind);
	wasm_val_delete(v);
	return info;
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	wasm_extern_vec_t ex;
	static int a_info, b_info;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	wasm_functype_t *ft = wasm_functype_new_1_1(wasm_valtype_new_externref(),
						    wasm_valtype_new_externref());
	wasm_func_t *f = wasm_func_new(store, ft, echo);
	wasm_functype_delete(ft);
	wasm_extern_t *imp[] = {wasm_func_as_extern(f)};
	wasm_instance_t *instance = instantiate(store, module, imp, 1, &ex);
	if (!instance)
		return 1;

	wasm_foreign_t *a = wasm_foreign_new(store), *b = wasm_foreign_new(store);
	wasm_foreign_set_host_info_with_finalizer(a, &a_info, finalize);
	wasm_foreign_set_host_info_with_finalizer(b, &b_info, finalize);
	CHECK(wasm_foreign_get_host_info(a) == &a_info && !wasm_foreign_same(a, b), "foreigns");
	wasm_val_t va = WASM_REF_VAL(wasm_foreign_as_ref(a));
	wasm_val_t vb = WASM_REF_VAL(wasm_foreign_as_ref(b));
	wasm_val_t vnull = WASM_REF_VAL(NULL);
	wasm_val_t r, args[2];

	/* Through a host function and back. */
	call(&ex, CALL_ECHO, &va, 1, &r, 1);
	CHECK(echoes == 1 && info_of(&r) == &a_info, "echo(a)");
	call(&ex, CALL_ECHO, &vnull, 1, &r, 1);
	CHECK(r.of.ref == NULL, "echo(null)");

	/* Null or not, as wasm sees it. */
	call(&ex, IS_NULL, &va, 1, &r, 1);
	CHECK(r.of.i32 == 0, "is_null(a)");
	call(&ex, IS_NULL, &vnull, 1, &r, 1);
	CHECK(r.of.i32 == 1, "is_null(null)");

	/* A global: set by wasm, read by wasm and by the host, set by the host. */
	wasm_global_t *g = wasm_extern_as_global(ex.data[GLOBAL]);
	call(&ex, GLOBAL_SET, &vb, 1, NULL, 0);
	call(&ex, GLOBAL_GET, NULL, 0, &r, 1);
	CHECK(info_of(&r) == &b_info, "global after wasm set b");
	wasm_global_get(g, &r);
	CHECK(info_of(&r) == &b_info, "the host reads b from the global");
	wasm_global_set(g, &va);
	call(&ex, GLOBAL_GET, NULL, 0, &r, 1);
	CHECK(info_of(&r) == &a_info, "wasm reads a after the host set it");

	/* A table: the same, both ways. */
	wasm_table_t *t = wasm_extern_as_table(ex.data[TABLE]);
	args[0] = (wasm_val_t)WASM_I32_VAL(3);
	args[1] = vb;
	call(&ex, TABLE_SET, args, 2, NULL, 0);
	wasm_ref_t *got = wasm_table_get(t, 3);
	CHECK(got && wasm_ref_get_host_info(got) == &b_info, "the host reads b from the table");
	wasm_ref_delete(got);
	CHECK(wasm_table_get(t, 0) == NULL, "an unset element is null");
	CHECK(wasm_table_set(t, 1, wasm_foreign_as_ref(a)), "the host sets a");
	args[0] = (wasm_val_t)WASM_I32_VAL(1);
	call(&ex, TABLE_GET, args, 1, &r, 1);
	CHECK(info_of(&r) == &a_info, "wasm reads a from the table");

	/* A funcref result is a function the host can call. */
	call(&ex, SELF, NULL, 0, &r, 1);
	wasm_func_t *self = r.kind == WASM_FUNCREF && r.of.ref ? wasm_ref_as_func(r.of.ref) : NULL;
	CHECK(self && wasm_func_same(self, export_func(&ex, SELF)), "self() is itself");
	wasm_val_delete(&r);

	/* The program lets go of its handles; wasm may still hold a and b. */
	wasm_foreign_delete(a);
	wasm_foreign_delete(b);
	CHECK(finalized == 0, "a foreign wasm holds was finalized");
	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_func_delete(f);
	wasm_module_delete(module);
	wasm_store_delete(store);
	CHECK(finalized == 2, "%d foreign finalizers ran, want 2", finalized);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
