/*
 * test_hello.c — the smallest host program of the standard C API: a
 * host callback imported by a module, the module's export called.
 */
#include "capi_util.h"

static int calls;
static int32_t last_arg;

static wasm_trap_t *hello(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	calls++;
	CHECK(args->size == 1 && args->data[0].kind == WASM_I32, "hello's arguments");
	CHECK(results->size == 1, "room for one result");
	last_arg = args->data[0].of.i32;
	results->data[0].kind = WASM_I32;
	results->data[0].of.i32 = last_arg * 10;
	return NULL;
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	wasm_functype_t *type;
	wasm_func_t *hello_func, *run;
	wasm_instance_t *instance;
	wasm_extern_vec_t exports;
	wasm_trap_t *trap = NULL;

	CHECK(argc == 2, "usage: test_hello hello.wasm");
	CHECK(engine && store, "engine and store");
	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;

	type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
	hello_func = wasm_func_new(store, type, hello);
	wasm_functype_delete(type);
	CHECK(hello_func != NULL, "wasm_func_new");

	wasm_extern_t *imports_data[] = {wasm_func_as_extern(hello_func)};
	wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_data);
	instance = wasm_instance_new(store, module, &imports, &trap);
	CHECK(instance != NULL && trap == NULL, "instantiation");
	if (instance == NULL)
		return 1;
	/* As the standard's example does: handles go, their objects stay. */
	wasm_func_delete(hello_func);
	wasm_instance_exports(instance, &exports);
	CHECK(exports.size == 1, "one export, got %zu", exports.size);
	run = export_func(&exports, 0);
	wasm_module_delete(module);
	wasm_instance_delete(instance);

	CHECK(wasm_func_param_arity(run) == 0 && wasm_func_result_arity(run) == 1, "arity");
	wasm_val_t results_data[1] = {WASM_INIT_VAL};
	wasm_val_vec_t args = WASM_EMPTY_VEC;
	wasm_val_vec_t results = WASM_ARRAY_VEC(results_data);
	trap = wasm_func_call(run, &args, &results);
	CHECK(trap == NULL, "run trapped");
	CHECK(calls == 3 && last_arg == 3, "hello called %d times, last with %d", calls, last_arg);
	CHECK(results_data[0].kind == WASM_I32 && results_data[0].of.i32 == 31,
	      "run() = %d, want 31", results_data[0].of.i32);

	wasm_extern_vec_delete(&exports);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	printf("hello: %d calls\n", calls);
	return failures ? 1 : 0;
}
