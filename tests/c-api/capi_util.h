/*
 * capi_util.h — what the standard C API tests share: CHECK (tests/api's
 * check.h) and reading a module from a file.  Only wasm.h is used.
 */
#ifndef KILN_CAPI_UTIL_H
#define KILN_CAPI_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "wasm.h"

/* The file's bytes, or an empty vector (and a failed CHECK). */
static inline wasm_byte_vec_t read_file(const char *path)
{
	wasm_byte_vec_t bytes = WASM_EMPTY_VEC;
	FILE *f = fopen(path, "rb");
	long len;

	CHECK(f != NULL, "cannot open %s", path);
	if (f == NULL)
		return bytes;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	wasm_byte_vec_new_uninitialized(&bytes, (size_t)len);
	CHECK(fread(bytes.data, 1, (size_t)len, f) == (size_t)len, "cannot read %s", path);
	fclose(f);
	return bytes;
}

/* Compiles the module in the file; NULL (and a failed CHECK) on failure. */
static inline wasm_module_t *load_module(wasm_store_t *store, const char *path)
{
	wasm_byte_vec_t bytes = read_file(path);
	wasm_module_t *module = wasm_module_new(store, &bytes);

	CHECK(module != NULL, "cannot compile %s", path);
	wasm_byte_vec_delete(&bytes);
	return module;
}

/* Instantiates the module with n imports and fills *exports; NULL (and a
 * failed CHECK) when it fails or traps. */
static inline wasm_instance_t *instantiate(wasm_store_t *store, const wasm_module_t *module,
					   wasm_extern_t *const *imports, size_t n,
					   wasm_extern_vec_t *exports)
{
	wasm_extern_vec_t vec = {n, (wasm_extern_t **)imports};
	wasm_trap_t *trap = NULL;
	wasm_instance_t *instance = wasm_instance_new(store, module, &vec, &trap);

	CHECK(instance != NULL && trap == NULL, "instantiation");
	wasm_trap_delete(trap);
	if (instance)
		wasm_instance_exports(instance, exports);
	return instance;
}

/* Export i of an instance's exports as a function (CHECKed). */
static inline wasm_func_t *export_func(const wasm_extern_vec_t *exports, size_t i)
{
	wasm_func_t *f = i < exports->size ? wasm_extern_as_func(exports->data[i]) : NULL;

	CHECK(f != NULL, "export %zu is not a function", i);
	return f;
}

/* A trap's message as a C string (the caller frees it), or NULL. */
static inline char *trap_text(const wasm_trap_t *trap)
{
	wasm_message_t msg;
	char *s;

	if (trap == NULL)
		return NULL;
	wasm_trap_message(trap, &msg);
	s = calloc(1, msg.size + 1);
	if (s && msg.size)
		memcpy(s, msg.data, msg.size);
	wasm_byte_vec_delete(&msg);
	return s;
}

#endif /* KILN_CAPI_UTIL_H */
