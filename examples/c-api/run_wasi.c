/*
 * run_wasi.c — a host written for the standard WebAssembly C API
 * (wasm.h), as a container runtime's wasm handler would be: it runs a
 * WASI command with kiln as the engine.
 *
 *   run_wasi PROGRAM.wasm [ARGS...]
 *
 * compiles the module, gives it WASI (kiln_wasi.h: its arguments, the
 * host's stdin, stdout and stderr), instantiates it, calls `_start` and
 * exits with the program's exit code.  Only the WASI part is kiln's own;
 * the rest is the standard API and compiles unchanged against any
 * engine's wasm.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln_wasi.h>
#include <wasm.h>

static int fail(const char *what)
{
	fprintf(stderr, "run_wasi: %s\n", what);
	return 2;
}

static bool read_file(const char *path, wasm_byte_vec_t *out)
{
	FILE *f = fopen(path, "rb");
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		if (f)
			fclose(f);
		return false;
	}
	rewind(f);
	wasm_byte_vec_new_uninitialized(out, (size_t)len);
	if (fread(out->data, 1, out->size, f) != out->size) {
		wasm_byte_vec_delete(out);
		fclose(f);
		return false;
	}
	fclose(f);
	return true;
}

/* The export named `name` as a function, or NULL. */
static wasm_func_t *find_func(const wasm_module_t *module, const wasm_extern_vec_t *exports,
			      const char *name)
{
	wasm_exporttype_vec_t types;
	wasm_func_t *f = NULL;

	wasm_module_exports(module, &types);
	for (size_t i = 0; i < types.size && i < exports->size; i++) {
		const wasm_name_t *n = wasm_exporttype_name(types.data[i]);
		if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0)
			f = wasm_extern_as_func(exports->data[i]);
	}
	wasm_exporttype_vec_delete(&types);
	return f;
}

/* Instantiates with WASI and runs _start; the program's exit code. */
static int run(wasm_store_t *store, wasm_module_t *module, kiln_wasm_wasi *wasi)
{
	wasm_extern_vec_t imports, exports;
	wasm_trap_t *trap = NULL;
	wasm_instance_t *instance;
	wasm_func_t *start;
	int code = 0;

	if (!kiln_wasm_wasi_imports(wasi, module, &imports))
		return fail("the module imports something WASI does not have");
	for (size_t i = 0; i < imports.size; i++)
		if (imports.data[i] == NULL)
			return fail("the module imports from outside WASI");
	instance = wasm_instance_new(store, module, &imports, &trap);
	wasm_extern_vec_delete(&imports);
	if (instance == NULL)
		return fail(trap ? "the start function trapped" : "cannot instantiate");
	wasm_instance_exports(instance, &exports);
	start = find_func(module, &exports, "_start");
	if (start == NULL || !kiln_wasm_wasi_bind(wasi, instance))
		code = fail("no _start function or no memory exported");
	else {
		wasm_val_vec_t none = WASM_EMPTY_VEC, nothing = WASM_EMPTY_VEC;
		trap = wasm_func_call(start, &none, &nothing);
	}
	if (trap && !kiln_wasm_wasi_exited(wasi, trap, &code)) {
		wasm_message_t msg;
		wasm_trap_message(trap, &msg);
		fprintf(stderr, "run_wasi: trap: %.*s\n", (int)msg.size, msg.data);
		wasm_byte_vec_delete(&msg);
		code = 1;
	}
	wasm_trap_delete(trap);
	wasm_extern_vec_delete(&exports);
	wasm_instance_delete(instance);
	return code;
}

int main(int argc, char **argv)
{
	wasm_byte_vec_t bytes;
	int code;

	if (argc < 2)
		return fail("usage: run_wasi PROGRAM.wasm [ARGS...]");
	if (!read_file(argv[1], &bytes))
		return fail("cannot read the program");
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module = wasm_module_new(store, &bytes);
	wasm_byte_vec_delete(&bytes);
	kiln_wasi_config config = {.argc = argc - 1, .argv = (const char *const *)argv + 1};
	kiln_wasm_wasi *wasi = kiln_wasm_wasi_new(store, &config);

	if (module == NULL)
		code = fail("not a valid module");
	else if (wasi == NULL)
		code = fail("cannot set up WASI");
	else
		code = run(store, module, wasi);
	kiln_wasm_wasi_delete(wasi);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return code;
}
