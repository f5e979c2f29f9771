/*
 * test_multi.c — calls with several results: four values of four types
 * come back reversed, and two results of different types; host functions
 * of several results called from wasm (one re-entering wasm before it
 * returns) and directly, and one that traps.
 */
#include <string.h>

#include "capi_util.h"

static wasm_store_t *host_store;
static wasm_func_t *call_swap;	/* multihost.wat's export, for pair to call */
static int swaps;

/* (i32, i64, i64, i32) -> the same, reversed; traps on a first argument 0. */
static wasm_trap_t *swap(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	swaps++;
	if (args->data[0].of.i32 == 0) {
		wasm_message_t m;
		wasm_name_new_from_string_nt(&m, "swap of 0");
		wasm_trap_t *trap = wasm_trap_new(host_store, &m);
		wasm_name_delete(&m);
		return trap;
	}
	for (size_t i = 0; i < 4; i++)
		wasm_val_copy(&results->data[i], &args->data[3 - i]);
	return NULL;
}

/* f64 -> (x, x / 2 as f32), after a call_swap through wasm whose results
 * must not disturb its own. */
static wasm_trap_t *pair(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	wasm_val_t a[4] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_I64_VAL(3), WASM_I32_VAL(4)};
	wasm_val_t r[4];
	wasm_val_vec_t va = WASM_ARRAY_VEC(a), vr = WASM_ARRAY_VEC(r);
	wasm_trap_t *trap = wasm_func_call(call_swap, &va, &vr);

	CHECK(!trap && r[0].of.i32 == 4 && r[3].of.i32 == 1, "the nested swap");
	results->data[0] = (wasm_val_t)WASM_F64_VAL(args->data[0].of.f64);
	results->data[1] = (wasm_val_t)WASM_F32_VAL((float)(args->data[0].of.f64 / 2));
	return trap;
}

static void host_results(const char *path)
{
	wasm_module_t *module = load_module(host_store, path);
	wasm_valtype_t *q[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(),
				wasm_valtype_new_i64(), wasm_valtype_new_i32()};
	wasm_valtype_vec_t ps, rs;
	wasm_extern_vec_t ex;

	wasm_valtype_vec_new(&ps, 4, q);
	wasm_valtype_vec_copy(&rs, &ps);
	wasm_functype_t *t_swap = wasm_functype_new(&ps, &rs);
	wasm_functype_t *t_pair = wasm_functype_new_1_2(wasm_valtype_new_f64(),
							wasm_valtype_new_f64(),
							wasm_valtype_new_f32());
	wasm_func_t *f_swap = wasm_func_new(host_store, t_swap, swap);
	wasm_func_t *f_pair = wasm_func_new(host_store, t_pair, pair);
	wasm_functype_delete(t_swap);
	wasm_functype_delete(t_pair);
	CHECK(f_swap && f_pair, "host functions of several results");
	if (!module || !f_swap || !f_pair)
		return;
	CHECK(wasm_func_result_arity(f_swap) == 4 && wasm_func_param_arity(f_swap) == 4,
	      "swap's arity");

	wasm_extern_t *imp[] = {wasm_func_as_extern(f_swap), wasm_func_as_extern(f_pair)};
	wasm_instance_t *instance = instantiate(host_store, module, imp, 2, &ex);
	if (!instance)
		return;
	call_swap = export_func(&ex, 0);

	wasm_val_t a[4] = {WASM_I32_VAL(7), WASM_I64_VAL(-8), WASM_I64_VAL(1LL << 50),
			   WASM_I32_VAL(-10)};
	wasm_val_t r[4];
	wasm_val_vec_t va = WASM_ARRAY_VEC(a), vr = WASM_ARRAY_VEC(r);
	wasm_trap_t *trap = wasm_func_call(call_swap, &va, &vr);
	CHECK(!trap && r[0].kind == WASM_I32 && r[0].of.i32 == -10 && r[1].of.i64 == 1LL << 50 &&
	      r[2].of.i64 == -8 && r[3].of.i32 == 7, "swap from wasm");
	/* Directly, no wasm of the program's in between. */
	trap = wasm_func_call(f_swap, &va, &vr);
	CHECK(!trap && r[0].of.i32 == -10 && r[3].of.i32 == 7, "swap directly");
	/* Its trap, with its message. */
	a[0] = (wasm_val_t)WASM_I32_VAL(0);
	trap = wasm_func_call(call_swap, &va, &vr);
	char *text = trap_text(trap);
	CHECK(text && strcmp(text, "swap of 0") == 0, "swap's trap: '%s'", text ? text : "(none)");
	free(text);
	wasm_trap_delete(trap);

	wasm_val_t x[1] = {WASM_F64_VAL(3.0)}, sum[1] = {WASM_INIT_VAL};
	wasm_val_vec_t vx = WASM_ARRAY_VEC(x), vs = WASM_ARRAY_VEC(sum);
	trap = wasm_func_call(export_func(&ex, 1), &vx, &vs);
	CHECK(!trap && sum[0].of.f64 == 4.5, "sum_pair(3) = %g", sum[0].of.f64);
	wasm_trap_delete(trap);
	CHECK(swaps == 4, "swap called %d times", swaps);

	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_func_delete(f_swap);
	wasm_func_delete(f_pair);
	wasm_module_delete(module);
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	wasm_extern_vec_t ex;
	wasm_trap_t *trap;

	CHECK(argc == 3, "usage: test_multi multi.wasm multihost.wasm");
	if (argc != 3 || !(module = load_module(store, argv[1])))
		return 1;
	host_store = store;
	host_results(argv[2]);
	wasm_instance_t *instance = instantiate(store, module, NULL, 0, &ex);
	if (!instance)
		return 1;
	wasm_func_t *round_trip = export_func(&ex, 0), *pair = export_func(&ex, 1);

	wasm_functype_t *ft = wasm_func_type(round_trip);
	const wasm_valtype_vec_t *rs = wasm_functype_results(ft);
	CHECK(rs->size == 4 && wasm_valtype_kind(rs->data[0]) == WASM_F64 &&
	      wasm_valtype_kind(rs->data[3]) == WASM_I32, "round_trip's result types");
	wasm_functype_delete(ft);
	CHECK(wasm_func_param_arity(round_trip) == 4 && wasm_func_result_arity(round_trip) == 4,
	      "round_trip's arity");

	wasm_val_t args[] = {WASM_I32_VAL(-7), WASM_I64_VAL(1LL << 40), WASM_F32_VAL(1.25f),
			     WASM_F64_VAL(-3.5)};
	wasm_val_t res[4] = {WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL};
	wasm_val_vec_t va = WASM_ARRAY_VEC(args), vr = WASM_ARRAY_VEC(res);
	trap = wasm_func_call(round_trip, &va, &vr);
	CHECK(trap == NULL, "round_trip trapped");
	CHECK(res[0].kind == WASM_F64 && res[0].of.f64 == -3.5, "result 0");
	CHECK(res[1].kind == WASM_F32 && res[1].of.f32 == 1.25f, "result 1");
	CHECK(res[2].kind == WASM_I64 && res[2].of.i64 == 1LL << 40, "result 2");
	CHECK(res[3].kind == WASM_I32 && res[3].of.i32 == -7, "result 3");

	wasm_val_t two[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
	wasm_val_vec_t none = WASM_EMPTY_VEC, vtwo = WASM_ARRAY_VEC(two);
	trap = wasm_func_call(pair, &none, &vtwo);
	CHECK(trap == NULL && two[0].kind == WASM_I32 && two[0].of.i32 == -1 &&
	      two[1].kind == WASM_I64 && two[1].of.i64 == 0x123456789, "pair()");
	/* Too little room for the results is refused, not overrun. */
	wasm_val_vec_t one = {1, two};
	trap = wasm_func_call(pair, &none, &one);
	CHECK(trap != NULL, "a call with room for one of two results did not fail");
	wasm_trap_delete(trap);

	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
