/*
 * test_global.c — globals made by the host and imported, and the
 * module's own exported: constant and mutable, read and written from
 * the host and from wasm, each side seeing the other's writes; types
 * reflected; a constant global refuses writes.
 */
#include "capi_util.h"

enum {	/* the module's exports, in order */
	OWN_CONST, OWN_VAR, VAR_I64, GET_CI32, GET_CF64, GET_VI64, GET_VF32, GET_OWN_VAR,
	SET_VI64, SET_VF32, SET_OWN_VAR, NEXPORTS
};

static wasm_global_t *host_global(wasm_store_t *store, wasm_valkind_t kind,
				  wasm_mutability_t mut, wasm_val_t init)
{
	wasm_globaltype_t *type = wasm_globaltype_new(wasm_valtype_new(kind), mut);
	wasm_global_t *g = wasm_global_new(store, type, &init);

	wasm_globaltype_delete(type);
	CHECK(g != NULL, "wasm_global_new");
	return g;
}

static wasm_val_t get(const wasm_global_t *g)
{
	wasm_val_t v;

	wasm_global_get(g, &v);
	return v;
}

/* Calls a getter (no arguments, one result). */
static wasm_val_t call0(const wasm_extern_vec_t *ex, size_t i)
{
	wasm_val_t r[1] = {WASM_INIT_VAL};
	wasm_val_vec_t args = WASM_EMPTY_VEC, res = WASM_ARRAY_VEC(r);
	wasm_trap_t *trap = wasm_func_call(export_func(ex, i), &args, &res);

	CHECK(trap == NULL, "getter %zu trapped", i);
	wasm_trap_delete(trap);
	return r[0];
}

static void call1(const wasm_extern_vec_t *ex, size_t i, wasm_val_t arg)
{
	wasm_val_t a[1] = {arg};
	wasm_val_vec_t args = WASM_ARRAY_VEC(a), res = WASM_EMPTY_VEC;
	wasm_trap_t *trap = wasm_func_call(export_func(ex, i), &args, &res);

	CHECK(trap == NULL, "setter %zu trapped", i);
	wasm_trap_delete(trap);
}

static void check_type(const wasm_global_t *g, wasm_valkind_t kind, wasm_mutability_t mut)
{
	wasm_globaltype_t *t = wasm_global_type(g);

	CHECK(wasm_valtype_kind(wasm_globaltype_content(t)) == kind &&
	      wasm_globaltype_mutability(t) == mut, "global type");
	wasm_globaltype_delete(t);
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	wasm_extern_vec_t ex;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	wasm_global_t *ci32 = host_global(store, WASM_I32, WASM_CONST, (wasm_val_t)WASM_I32_VAL(1));
	wasm_global_t *cf64 = host_global(store, WASM_F64, WASM_CONST, (wasm_val_t)WASM_F64_VAL(2.5));
	wasm_global_t *vi64 = host_global(store, WASM_I64, WASM_VAR, (wasm_val_t)WASM_I64_VAL(3));
	wasm_global_t *vf32 = host_global(store, WASM_F32, WASM_VAR, (wasm_val_t)WASM_F32_VAL(4.0f));
	/* A value of the wrong kind makes no global. */
	wasm_globaltype_t *gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
	wasm_val_t wrong = WASM_I64_VAL(1);
	CHECK(wasm_global_new(store, gt, &wrong) == NULL, "an i32 global from an i64 value");
	wasm_globaltype_delete(gt);

	wasm_extern_t *imp[] = {wasm_global_as_extern(ci32), wasm_global_as_extern(cf64),
				wasm_global_as_extern(vi64), wasm_global_as_extern(vf32)};
	wasm_instance_t *instance = instantiate(store, module, imp, sizeof imp / sizeof *imp, &ex);
	if (!instance)
		return 1;
	CHECK(ex.size == NEXPORTS, "%zu exports", ex.size);
	wasm_global_t *own_const = wasm_extern_as_global(ex.data[OWN_CONST]);
	wasm_global_t *own_var = wasm_extern_as_global(ex.data[OWN_VAR]);
	wasm_global_t *var_i64 = wasm_extern_as_global(ex.data[VAR_I64]);
	CHECK(own_const && own_var && var_i64, "exported globals");
	CHECK(wasm_extern_as_func(ex.data[OWN_CONST]) == NULL, "a global is not a function");
	CHECK(wasm_extern_kind(ex.data[OWN_VAR]) == WASM_EXTERN_GLOBAL, "extern kind");
	/* The re-exported import is the host's own global. */
	CHECK(wasm_global_same(var_i64, vi64), "re-export is the same global");
	CHECK(!wasm_global_same(var_i64, vf32), "different globals are not the same");

	check_type(ci32, WASM_I32, WASM_CONST);
	check_type(vf32, WASM_F32, WASM_VAR);
	check_type(own_const, WASM_I64, WASM_CONST);
	check_type(own_var, WASM_I32, WASM_VAR);

	/* Initial values, from both sides. */
	CHECK(get(ci32).of.i32 == 1 && call0(&ex, GET_CI32).of.i32 == 1, "const i32");
	CHECK(get(cf64).of.f64 == 2.5 && call0(&ex, GET_CF64).of.f64 == 2.5, "const f64");
	CHECK(get(vi64).of.i64 == 3 && call0(&ex, GET_VI64).of.i64 == 3, "var i64");
	CHECK(get(vf32).of.f32 == 4.0f && call0(&ex, GET_VF32).of.f32 == 4.0f, "var f32");
	CHECK(get(own_const).kind == WASM_I64 && get(own_const).of.i64 == 42, "own const");
	CHECK(get(own_var).of.i32 == 5 && call0(&ex, GET_OWN_VAR).of.i32 == 5, "own var");

	/* The host writes, wasm reads. */
	wasm_val_t v = WASM_I64_VAL(-30);
	wasm_global_set(vi64, &v);
	CHECK(call0(&ex, GET_VI64).of.i64 == -30, "wasm sees the host's i64");
	v = (wasm_val_t)WASM_F32_VAL(0.25f);
	wasm_global_set(vf32, &v);
	CHECK(call0(&ex, GET_VF32).of.f32 == 0.25f, "wasm sees the host's f32");
	v = (wasm_val_t)WASM_I32_VAL(77);
	wasm_global_set(own_var, &v);
	CHECK(call0(&ex, GET_OWN_VAR).of.i32 == 77, "wasm sees the host's write to its own");

	/* wasm writes, the host reads (through both handles of the import). */
	call1(&ex, SET_VI64, (wasm_val_t)WASM_I64_VAL(1234567890123));
	CHECK(get(vi64).of.i64 == 1234567890123 && get(var_i64).of.i64 == 1234567890123,
	      "host sees wasm's i64");
	call1(&ex, SET_VF32, (wasm_val_t)WASM_F32_VAL(-8.5f));
	CHECK(get(vf32).of.f32 == -8.5f, "host sees wasm's f32");
	call1(&ex, SET_OWN_VAR, (wasm_val_t)WASM_I32_VAL(-1));
	CHECK(get(own_var).of.i32 == -1, "host sees wasm's write to its own");

	/* Constants stay constant; a value of another kind is not stored. */
	v = (wasm_val_t)WASM_I32_VAL(99);
	wasm_global_set(ci32, &v);
	CHECK(get(ci32).of.i32 == 1 && call0(&ex, GET_CI32).of.i32 == 1, "const i32 was set");
	v = (wasm_val_t)WASM_F64_VAL(1.0);
	wasm_global_set(vi64, &v);
	CHECK(get(vi64).kind == WASM_I64 && get(vi64).of.i64 == 1234567890123,
	      "an f64 was stored in an i64 global");

	/* A copy is the same global, and outlives the handle it came from. */
	wasm_global_t *copy = wasm_global_copy(own_var);
	CHECK(wasm_global_same(copy, own_var), "copy is the same");
	wasm_extern_vec_delete(&ex);
	CHECK(get(copy).of.i32 == -1, "the copy reads after the original handle is gone");
	wasm_global_delete(copy);

	wasm_instance_delete(instance);
	wasm_global_delete(ci32);
	wasm_global_delete(cf64);
	wasm_global_delete(vi64);
	wasm_global_delete(vf32);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
