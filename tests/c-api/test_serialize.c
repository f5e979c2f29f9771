/*
 * test_serialize.c — wasm_module_serialize and wasm_module_deserialize
 * (kiln's AOT artifacts), in two processes:
 *
 *   test_serialize save hello.wasm OUT   compiles, serializes to OUT,
 *                                        deserializes and runs it here,
 *                                        and checks damaged or foreign
 *                                        bytes are refused;
 *   test_serialize load OUT lazy|linked  only deserializes and runs: with
 *                                        a lazily loaded libLLVM (lazy)
 *                                        it must never be mapped.
 */
#include <string.h>

#include "capi_util.h"

static int calls;

static wasm_trap_t *hello(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	calls++;
	results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 * 10);
	return NULL;
}

/* Instantiates hello.wasm's module with the callback and runs it. */
static void run(wasm_store_t *store, const wasm_module_t *module)
{
	wasm_functype_t *ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
	wasm_func_t *f = wasm_func_new(store, ft, hello);
	wasm_extern_t *imp[] = {wasm_func_as_extern(f)};
	wasm_extern_vec_t ex;
	wasm_instance_t *instance = instantiate(store, module, imp, 1, &ex);

	wasm_functype_delete(ft);
	calls = 0;
	if (instance) {
		wasm_val_t r[1] = {WASM_INIT_VAL};
		wasm_val_vec_t none = WASM_EMPTY_VEC, vr = WASM_ARRAY_VEC(r);
		wasm_trap_t *trap = wasm_func_call(export_func(&ex, 0), &none, &vr);
		CHECK(trap == NULL && r[0].of.i32 == 31 && calls == 3, "run() = %d after %d calls",
		      r[0].of.i32, calls);
		wasm_trap_delete(trap);
		wasm_extern_vec_delete(&ex);
	}
	wasm_instance_delete(instance);
	wasm_func_delete(f);
}

static void save(wasm_store_t *store, const char *wasm, const char *out)
{
	wasm_module_t *module = load_module(store, wasm);
	wasm_byte_vec_t art, copy;
	FILE *f;

	if (!module)
		return;
	wasm_module_serialize(module, &art);
	CHECK(art.size > 0, "nothing serialized");
	wasm_module_delete(module);
	f = fopen(out, "wb");
	CHECK(f && fwrite(art.data, 1, art.size, f) == art.size, "cannot write %s", out);
	if (f)
		fclose(f);

	module = wasm_module_deserialize(store, &art);
	CHECK(module != NULL, "the artifact does not deserialize");
	if (module) {
		/* Its imports and exports are the module's. */
		wasm_importtype_vec_t imports;
		wasm_module_imports(module, &imports);
		CHECK(imports.size == 1 &&
		      wasm_externtype_kind(wasm_importtype_type(imports.data[0])) == WASM_EXTERN_FUNC,
		      "imports of the deserialized module");
		wasm_importtype_vec_delete(&imports);
		run(store, module);
		wasm_module_delete(module);
	}

	/* One flipped byte in the code, or the wasm bytes themselves: refused. */
	wasm_byte_vec_copy(&copy, &art);
	copy.data[copy.size - 40] ^= 0x10;
	CHECK(wasm_module_deserialize(store, &copy) == NULL, "a damaged artifact deserialized");
	wasm_byte_vec_delete(&copy);
	copy = read_file(wasm);
	CHECK(wasm_module_deserialize(store, &copy) == NULL, "a .wasm deserialized as an artifact");
	wasm_byte_vec_delete(&copy);
	wasm_byte_vec_delete(&art);
}

/* Whether a library whose name contains `name` is mapped in this process. */
static bool mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	bool found = false;

	while (f && !found && fgets(line, sizeof line, f))
		found = strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return found;
}

static void load(wasm_store_t *store, const char *path, bool lazy)
{
	wasm_byte_vec_t art = read_file(path);
	wasm_module_t *module = wasm_module_deserialize(store, &art);

	wasm_byte_vec_delete(&art);
	CHECK(module != NULL, "%s does not deserialize", path);
	if (module)
		run(store, module);
	wasm_module_delete(module);
	CHECK(!lazy || !mapped("libLLVM"), "deserializing and running mapped libLLVM");
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);

	CHECK(argc == 4, "usage: test_serialize save WASM OUT | load ARTIFACT lazy|linked");
	if (argc != 4)
		return 1;
	if (strcmp(argv[1], "save") == 0)
		save(store, argv[2], argv[3]);
	else
		load(store, argv[2], strcmp(argv[3], "lazy") == 0);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
