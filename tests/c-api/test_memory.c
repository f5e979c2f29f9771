/*
 * test_memory.c — memories: the module's exported one (data, size,
 * growth from wasm and from the host up to its maximum, bytes written on
 * one side read on the other, a trap on an out-of-bounds load), and one
 * the host makes and a module imports.
 */
#include <string.h>

#include "capi_util.h"

enum { MEMORY, SIZE, LOAD, STORE, GROW };	/* memory.wat's exports */

/* Calls export i with up to two i32 arguments; the trap, *out the result. */
static wasm_trap_t *call(const wasm_extern_vec_t *ex, size_t i, int nargs, int32_t a, int32_t b,
			 int nres, int32_t *out)
{
	wasm_val_t args[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)}, res[1] = {WASM_INIT_VAL};
	wasm_val_vec_t va = {(size_t)nargs, args}, vr = {(size_t)nres, res};
	wasm_trap_t *trap = wasm_func_call(export_func(ex, i), &va, &vr);

	if (out)
		*out = res[0].of.i32;
	return trap;
}

/* Calls export i, which must not trap; its result (0 without one). */
static int32_t run(const wasm_extern_vec_t *ex, size_t i, int nargs, int32_t a, int32_t b,
		   int nres)
{
	int32_t r = 0;
	wasm_trap_t *trap = call(ex, i, nargs, a, b, nres, &r);

	CHECK(trap == NULL, "export %zu trapped", i);
	wasm_trap_delete(trap);
	return r;
}

static int32_t load(const wasm_extern_vec_t *ex, int32_t addr)
{
	return run(ex, LOAD, 1, addr, 0, 1);
}

static void module_memory(wasm_store_t *store, const char *path)
{
	wasm_module_t *module = load_module(store, path);
	wasm_extern_vec_t ex;
	wasm_trap_t *trap;
	int32_t r = 0;

	if (!module)
		return;
	wasm_instance_t *instance = instantiate(store, module, NULL, 0, &ex);
	if (!instance)
		return;
	wasm_memory_t *mem = wasm_extern_as_memory(ex.data[MEMORY]);
	CHECK(mem != NULL, "export 0 is a memory");
	if (!mem)
		return;

	CHECK(wasm_memory_size(mem) == 2, "size %u pages", wasm_memory_size(mem));
	CHECK(wasm_memory_data_size(mem) == 2 * MEMORY_PAGE_SIZE, "data size %zu",
	      wasm_memory_data_size(mem));
	wasm_memorytype_t *mt = wasm_memory_type(mem);
	CHECK(wasm_memorytype_limits(mt)->min == 2 && wasm_memorytype_limits(mt)->max == 3,
	      "limits %u..%u", wasm_memorytype_limits(mt)->min, wasm_memorytype_limits(mt)->max);
	wasm_memorytype_delete(mt);

	/* The data segment, seen by the host and by wasm. */
	byte_t *data = wasm_memory_data(mem);
	CHECK(data[0x1000] == 1 && data[0x1003] == 4 && data[0] == 0, "data segment");
	CHECK(load(&ex, 0x1002) == 3 && load(&ex, 0x1FFFF) == 0, "wasm loads");
	/* Each side writes, the other reads. */
	data[0x1FFFF] = 5;
	CHECK(load(&ex, 0x1FFFF) == 5, "wasm reads the host's byte");
	run(&ex, STORE, 2, 0x1002, 0x7f, 0);
	CHECK(data[0x1002] == 0x7f, "the host reads wasm's byte");

	/* Out of bounds: a trap with the spec's message, and no write. */
	trap = call(&ex, LOAD, 1, 0x20000, 0, 1, &r);
	char *text = trap_text(trap);
	CHECK(text && strcmp(text, "out of bounds memory access") == 0, "load past the end: '%s'",
	      text ? text : "(no trap)");
	free(text);
	wasm_trap_delete(trap);
	trap = call(&ex, STORE, 2, -1, 1, 0, NULL);
	CHECK(trap != NULL, "a store at 0xffffffff did not trap");
	wasm_trap_delete(trap);

	/* Growth: the host's grow and wasm's are one memory, bounded by 3. */
	CHECK(wasm_memory_grow(mem, 1), "grow to 3 pages");
	CHECK(wasm_memory_size(mem) == 3 && wasm_memory_data_size(mem) == 3 * MEMORY_PAGE_SIZE,
	      "size after growing");
	CHECK(run(&ex, SIZE, 0, 0, 0, 1) == 3, "wasm sees 3 pages");
	CHECK(load(&ex, 0x2FFFF) == 0, "the new page is zero and readable");
	data = wasm_memory_data(mem);
	data[0x2FFFF] = 9;
	CHECK(load(&ex, 0x2FFFF) == 9, "the new page is shared");
	CHECK(!wasm_memory_grow(mem, 1), "grew past the maximum");
	CHECK(run(&ex, GROW, 1, 1, 0, 1) == -1, "wasm grew past the maximum");
	CHECK(wasm_memory_grow(mem, 0), "growing by 0");
	CHECK(wasm_memory_size(mem) == 3, "size still 3");

	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_module_delete(module);
}

/* A memory the host makes (1..4 pages), imported: both sides grow it. */
static void host_memory(wasm_store_t *store, const char *path)
{
	wasm_limits_t limits = {1, 4};
	wasm_memorytype_t *mt = wasm_memorytype_new(&limits);
	wasm_memory_t *mem = wasm_memory_new(store, mt);
	wasm_module_t *module = load_module(store, path);
	wasm_trap_t *trap = NULL;
	wasm_extern_vec_t ex;
	int32_t r = 0;

	wasm_memorytype_delete(mt);
	CHECK(mem != NULL, "wasm_memory_new");
	if (!mem || !module)
		return;
	CHECK(wasm_memory_size(mem) == 1, "a new memory has its minimum");
	byte_t *data = wasm_memory_data(mem);
	CHECK(data[0] == 0 && data[MEMORY_PAGE_SIZE - 1] == 0, "a new memory is zeroed");
	memcpy(data + 8, "\x78\x56\x34\x12", 4);

	wasm_extern_t *imp[] = {wasm_memory_as_extern(mem)};
	wasm_instance_t *instance = instantiate(store, module, imp, sizeof imp / sizeof *imp, &ex);
	if (!instance)
		return;
	CHECK(run(&ex, 0, 1, 8, 0, 1) == 0x12345678, "wasm reads the host's");
	CHECK(run(&ex, 1, 1, 2, 0, 1) == 1, "wasm grows it by 2");
	CHECK(wasm_memory_size(mem) == 3, "the host sees 3 pages");
	CHECK(wasm_memory_grow(mem, 1) && !wasm_memory_grow(mem, 1), "the host grows it to 4");
	CHECK(run(&ex, 2, 0, 0, 0, 1) == 4, "wasm sees 4 pages");
	trap = call(&ex, 0, 1, 4 * 65536 - 2, 0, 1, &r);
	CHECK(trap != NULL, "a load across the end did not trap");
	wasm_trap_delete(trap);

	/* A memory with a larger minimum than its maximum is refused. */
	wasm_limits_t bad = {3, 2};
	mt = wasm_memorytype_new(&bad);
	CHECK(wasm_memory_new(store, mt) == NULL, "a memory of 3..2 pages");
	wasm_memorytype_delete(mt);

	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_module_delete(module);
	wasm_memory_delete(mem);
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);

	CHECK(argc == 3, "usage: test_memory memory.wasm memimport.wasm");
	if (argc != 3)
		return 1;
	module_memory(store, argv[1]);
	host_memory(store, argv[2]);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
