/*
 * test_multi.c — calls with several results: four values of four types
 * come back reversed, and two results of different types.
 */
#include "capi_util.h"

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	wasm_extern_vec_t ex;
	wasm_trap_t *trap;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
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
