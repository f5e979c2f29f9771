/*
 * test_callback.c — host functions with and without environment: values
 * of every number type both ways, an env each call sees, finalizers run
 * exactly once (when the store goes), a trap returned by a callback,
 * and host functions called directly through the API.
 */
#include <string.h>

#include "capi_util.h"

static wasm_store_t *store;
static int finalized[3];

static wasm_trap_t *add(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 + args->data[1].of.i32);
	return NULL;
}

/* env: the factor. */
static wasm_trap_t *scale(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	double factor = *(double *)env;

	CHECK(args->data[0].kind == WASM_I64 && args->data[1].kind == WASM_F64, "scale's kinds");
	results->data[0] = (wasm_val_t)WASM_F64_VAL((double)args->data[0].of.i64 *
						   args->data[1].of.f64 * factor);
	return NULL;
}

/* env: a counter of calls; returns its argument plus the count. */
static wasm_trap_t *count(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	int *n = env;

	(*n)++;
	results->data[0] = (wasm_val_t)WASM_F32_VAL(args->data[0].of.f32 + (float)*n);
	return NULL;
}

static wasm_trap_t *fail(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	char msg[64];
	wasm_message_t m;
	wasm_trap_t *trap;

	(void)env;
	(void)results;
	if (args->data[0].of.i32 == 0)
		return NULL;
	snprintf(msg, sizeof msg, "fail %d", args->data[0].of.i32);
	wasm_name_new_from_string_nt(&m, msg);
	trap = wasm_trap_new(store, &m);
	wasm_byte_vec_delete(&m);
	return trap;
}

static void finalize(void *env)
{
	finalized[*(int *)env]++;
}

/* Calls export i with args, results into res (n of them); the trap. */
static wasm_trap_t *call(const wasm_extern_vec_t *exports, size_t i, wasm_val_t *args,
			 size_t nargs, wasm_val_t *res, size_t n)
{
	wasm_val_vec_t a = {nargs, args}, r = {n, res};

	return wasm_func_call(export_func(exports, i), &a, &r);
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_module_t *module;
	wasm_instance_t *instance;
	wasm_extern_vec_t exports;
	wasm_trap_t *trap = NULL;
	double factor = 0.5;
	int counter = 0;
	static int ids[3] = {0, 1, 2};

	store = wasm_store_new(engine);
	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;

	wasm_functype_t *t_add = wasm_functype_new_2_1(wasm_valtype_new_i32(),
						       wasm_valtype_new_i32(),
						       wasm_valtype_new_i32());
	wasm_functype_t *t_scale = wasm_functype_new_2_1(wasm_valtype_new_i64(),
							 wasm_valtype_new_f64(),
							 wasm_valtype_new_f64());
	wasm_functype_t *t_count = wasm_functype_new_1_1(wasm_valtype_new_f32(),
							 wasm_valtype_new_f32());
	wasm_functype_t *t_fail = wasm_functype_new_1_0(wasm_valtype_new_i32());
	wasm_func_t *f_add = wasm_func_new(store, t_add, add);
	wasm_func_t *f_scale = wasm_func_new_with_env(store, t_scale, scale, &factor, NULL);
	wasm_func_t *f_count = wasm_func_new_with_env(store, t_count, count, &counter, NULL);
	wasm_func_t *f_fail = wasm_func_new_with_env(store, t_fail, fail, &ids[0], finalize);
	/* Two more with finalizers, never imported: theirs run too. */
	wasm_func_t *extra1 = wasm_func_new_with_env(store, t_fail, fail, &ids[1], finalize);
	wasm_func_t *extra2 = wasm_func_new_with_env(store, t_fail, fail, &ids[2], finalize);
	CHECK(f_add && f_scale && f_count && f_fail && extra1 && extra2, "wasm_func_new*");

	/* The type a host function reports is the one it was made with. */
	wasm_functype_t *got = wasm_func_type(f_scale);
	CHECK(wasm_functype_params(got)->size == 2 && wasm_functype_results(got)->size == 1 &&
	      wasm_valtype_kind(wasm_functype_params(got)->data[0]) == WASM_I64 &&
	      wasm_valtype_kind(wasm_functype_results(got)->data[0]) == WASM_F64, "func type");
	wasm_functype_delete(got);

	wasm_extern_t *imp[] = {wasm_func_as_extern(f_add), wasm_func_as_extern(f_scale),
				wasm_func_as_extern(f_count), wasm_func_as_extern(f_fail)};
	instance = instantiate(store, module, imp, sizeof imp / sizeof *imp, &exports);
	if (!instance)
		return 1;

	wasm_val_t r[1];
	wasm_val_t a_add[] = {WASM_I32_VAL(40), WASM_I32_VAL(2)};
	CHECK(!call(&exports, 0, a_add, 2, r, 1) && r[0].kind == WASM_I32 && r[0].of.i32 == 42,
	      "call_add(40, 2) = %d", r[0].of.i32);
	wasm_val_t a_scale[] = {WASM_I64_VAL(3), WASM_F64_VAL(5.0)};
	CHECK(!call(&exports, 1, a_scale, 2, r, 1) && r[0].kind == WASM_F64 && r[0].of.f64 == 7.5,
	      "call_scale(3, 5.0) = %g", r[0].of.f64);
	factor = 2.0;	/* the env is the host's pointer, read on each call */
	CHECK(!call(&exports, 1, a_scale, 2, r, 1) && r[0].of.f64 == 30.0,
	      "call_scale after the env changed = %g", r[0].of.f64);
	wasm_val_t a_count[] = {WASM_F32_VAL(1.5f)};
	CHECK(!call(&exports, 2, a_count, 1, r, 1) && r[0].kind == WASM_F32 && r[0].of.f32 == 3.5f,
	      "call_count(1.5) = %g", (double)r[0].of.f32);
	CHECK(counter == 2, "count called %d times", counter);

	/* A trap from a callback ends the wasm call with the host's message. */
	wasm_val_t a_fail[] = {WASM_I32_VAL(3)};
	trap = call(&exports, 3, a_fail, 1, r, 1);
	char *text = trap_text(trap);
	CHECK(text && strcmp(text, "fail 3") == 0, "host trap message '%s'", text ? text : "(none)");
	free(text);
	wasm_trap_delete(trap);
	a_fail[0] = (wasm_val_t)WASM_I32_VAL(0);
	CHECK(!call(&exports, 3, a_fail, 1, r, 1) && r[0].of.i32 == 7, "after_fail(0) = %d",
	      r[0].of.i32);

	/* Host functions called directly, no wasm in between. */
	wasm_val_vec_t args = {2, a_add}, res = {1, r};
	CHECK(!wasm_func_call(f_add, &args, &res) && r[0].of.i32 == 42, "add directly");
	a_fail[0] = (wasm_val_t)WASM_I32_VAL(9);
	wasm_val_vec_t fargs = {1, a_fail}, nores = WASM_EMPTY_VEC;
	trap = wasm_func_call(f_fail, &fargs, &nores);
	text = trap_text(trap);
	CHECK(text && strcmp(text, "fail 9") == 0, "direct host trap '%s'", text ? text : "(none)");
	free(text);
	wasm_trap_delete(trap);
	/* Arity is checked: a wrong count is a trap, not a crash. */
	trap = wasm_func_call(f_add, &fargs, &res);
	CHECK(trap != NULL, "a call with one argument of two did not trap");
	wasm_trap_delete(trap);

	/* Deleting handles runs no env finalizer: the store owns the functions. */
	wasm_func_delete(f_fail);
	wasm_func_delete(extra1);
	CHECK(finalized[0] + finalized[1] + finalized[2] == 0, "finalizer ran early");

	wasm_functype_delete(t_add);
	wasm_functype_delete(t_scale);
	wasm_functype_delete(t_count);
	wasm_functype_delete(t_fail);
	wasm_extern_vec_delete(&exports);
	wasm_instance_delete(instance);
	wasm_func_delete(f_add);
	wasm_func_delete(f_scale);
	wasm_func_delete(f_count);
	/* extra2's handle is left for the store to delete. */
	wasm_module_delete(module);
	wasm_store_delete(store);
	for (int i = 0; i < 3; i++)
		CHECK(finalized[i] == 1, "finalizer %d ran %d times", i, finalized[i]);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
