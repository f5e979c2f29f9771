/*
 * test_wasi.c — a WASI command run through the standard C API with
 * kiln_wasi.h: WASI's imports filled in, the embedder's own import
 * added, arguments given, stdout captured, the exit code read back.
 */
#include <string.h>

#include "capi_util.h"
#include "kiln_wasi.h"

static char out[256];
static size_t out_len;

static bool capture(void *data, const uint8_t *bytes, size_t len)
{
	(void)data;
	if (out_len + len > sizeof out)
		return false;
	memcpy(out + out_len, bytes, len);
	out_len += len;
	return true;
}

static wasm_trap_t *twice(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	results->data[0] = (wasm_val_t)WASM_I32_VAL(2 * args->data[0].of.i32);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const args[] = {"prog", "one", "two"};
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	kiln_wasi_config config = {.argc = 3, .argv = args, .stdout_write = capture};
	wasm_module_t *module;
	wasm_extern_vec_t imports, ex;
	wasm_trap_t *trap = NULL;
	int code = -1;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	kiln_wasm_wasi *wasi = kiln_wasm_wasi_new(store, &config);
	CHECK(wasi != NULL, "kiln_wasm_wasi_new");
	if (!wasi || !kiln_wasm_wasi_imports(wasi, module, &imports))
		return 1;
	CHECK(imports.size == 4 && imports.data[0] && !imports.data[1] && imports.data[2] &&
	      imports.data[3], "WASI's imports filled in, env's left NULL");
	wasm_functype_t *ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
	imports.data[1] = wasm_func_as_extern(wasm_func_new(store, ft, twice));
	wasm_functype_delete(ft);

	wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
	CHECK(instance && !trap, "instantiation");
	if (!instance)
		return 1;
	CHECK(kiln_wasm_wasi_bind(wasi, instance), "binding the memory");
	wasm_instance_exports(instance, &ex);
	wasm_val_vec_t none = WASM_EMPTY_VEC, nores = WASM_EMPTY_VEC;
	trap = wasm_func_call(export_func(&ex, 1), &none, &nores);
	CHECK(trap != NULL, "_start returned instead of exiting");
	CHECK(kiln_wasm_wasi_exited(wasi, trap, &code) && code == 6, "exit code %d, want 6", code);
	CHECK(out_len == 16 && memcmp(out, "hello from wasi\n", 16) == 0, "stdout '%.*s'",
	      (int)out_len, out);
	wasm_trap_delete(trap);

	/* Another trap is not an exit. */
	wasm_message_t msg;
	wasm_name_new_from_string_nt(&msg, "not an exit");
	trap = wasm_trap_new(store, &msg);
	wasm_name_delete(&msg);
	CHECK(!kiln_wasm_wasi_exited(wasi, trap, &code), "a host trap taken for an exit");
	wasm_trap_delete(trap);

	wasm_extern_vec_delete(&ex);
	wasm_extern_vec_delete(&imports);
	wasm_instance_delete(instance);
	kiln_wasm_wasi_delete(wasi);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
