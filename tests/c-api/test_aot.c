/*
 * test_aot.c — engines configured through kiln_wasm.h: with AOT, modules
 * are compiled whole when made and the JIT compiles nothing; by default
 * the JIT compiles what runs; kiln's own settings pass through.
 */
#include "capi_util.h"
#include "kiln_wasm.h"

/* Runs multi.wasm's pair() in an engine made from config; the JIT's count
 * of compiled functions after it. */
static uint64_t run(wasm_config_t *config, const char *path)
{
	wasm_engine_t *engine = wasm_engine_new_with_config(config);
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module = load_module(store, path);
	wasm_extern_vec_t ex;
	uint64_t compiled = UINT64_MAX;

	wasm_instance_t *instance = module ? instantiate(store, module, NULL, 0, &ex) : NULL;
	if (instance) {
		wasm_val_t r[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
		wasm_val_vec_t none = WASM_EMPTY_VEC, vr = WASM_ARRAY_VEC(r);
		wasm_trap_t *trap = wasm_func_call(export_func(&ex, 1), &none, &vr);
		CHECK(!trap && r[0].of.i32 == -1 && r[1].of.i64 == 0x123456789, "pair()");
		wasm_trap_delete(trap);
		wasm_extern_vec_delete(&ex);
		compiled = kiln_engine_stats_of(kiln_wasm_engine(engine)).functions_compiled;
	}
	wasm_instance_delete(instance);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return compiled;
}

int main(int argc, char **argv)
{
	wasm_config_t *config;
	uint64_t n;

	CHECK(argc == 2, "usage: test_aot multi.wasm");
	if (argc != 2)
		return 1;
	config = wasm_config_new();
	kiln_wasm_config_set_aot(config, true);
	n = run(config, argv[1]);
	CHECK(n == 0, "AOT: the JIT compiled %llu functions", (unsigned long long)n);

	n = run(wasm_config_new(), argv[1]);
	CHECK(n >= 1 && n != UINT64_MAX, "JIT: %llu functions compiled", (unsigned long long)n);

	/* kiln's settings: a bad one makes no engine. */
	kiln_config bad = kiln_config_default();
	bad.opt_level = 9;
	config = wasm_config_new();
	kiln_wasm_config_set(config, &bad);
	wasm_engine_t *engine = wasm_engine_new_with_config(config);
	CHECK(engine == NULL, "an engine at opt_level 9");
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
