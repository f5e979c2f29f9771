/*
 * test_table.c — a funcref table the host makes, imported by a module:
 * the host sets a host function and a wasm function into it, wasm calls
 * them with call_indirect, both sides see its size, the host grows it;
 * null and out-of-range elements trap or are refused.
 */
#include <string.h>

#include "capi_util.h"

enum { DOUBLE, CALL, SIZE };	/* table.wat's exports */

static wasm_trap_t *triple(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 * 3);
	return NULL;
}

/* call(index, x): call_indirect of table[index] with x; the trap. */
static wasm_trap_t *call(const wasm_extern_vec_t *ex, int32_t index, int32_t x, int32_t *out)
{
	wasm_val_t args[2] = {WASM_I32_VAL(index), WASM_I32_VAL(x)}, res[1] = {WASM_INIT_VAL};
	wasm_val_vec_t va = WASM_ARRAY_VEC(args), vr = WASM_ARRAY_VEC(res);
	wasm_trap_t *trap = wasm_func_call(export_func(ex, CALL), &va, &vr);

	*out = res[0].of.i32;
	return trap;
}

static int32_t call_ok(const wasm_extern_vec_t *ex, int32_t index, int32_t x)
{
	int32_t r = 0;
	wasm_trap_t *trap = call(ex, index, x, &r);

	CHECK(trap == NULL, "call(%d, %d) trapped", index, x);
	wasm_trap_delete(trap);
	return r;
}

static void expect_trap(const wasm_extern_vec_t *ex, int32_t index, const char *msg)
{
	int32_t r;
	wasm_trap_t *trap = call(ex, index, 1, &r);
	char *text = trap_text(trap);

	CHECK(text && strcmp(text, msg) == 0, "call(%d): '%s', want '%s'", index,
	      text ? text : "(no trap)", msg);
	free(text);
	wasm_trap_delete(trap);
}

static int32_t wasm_size(const wasm_extern_vec_t *ex)
{
	wasm_val_t res[1] = {WASM_INIT_VAL};
	wasm_val_vec_t none = WASM_EMPTY_VEC, vr = WASM_ARRAY_VEC(res);
	wasm_trap_t *trap = wasm_func_call(export_func(ex, SIZE), &none, &vr);

	CHECK(trap == NULL, "size trapped");
	wasm_trap_delete(trap);
	return res[0].of.i32;
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	wasm_extern_vec_t ex;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	wasm_limits_t limits = {2, 5};
	wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
	wasm_table_t *table = wasm_table_new(store, tt, NULL);
	wasm_tabletype_delete(tt);
	CHECK(table != NULL, "wasm_table_new");
	if (!table)
		return 1;
	CHECK(wasm_table_size(table) == 2 && wasm_table_get(table, 0) == NULL, "a new null table");

	wasm_functype_t *ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
	wasm_func_t *f_triple = wasm_func_new(store, ft, triple);
	wasm_functype_delete(ft);

	wasm_extern_t *imp[] = {wasm_table_as_extern(table)};
	wasm_instance_t *instance = instantiate(store, module, imp, 1, &ex);
	if (!instance)
		return 1;
	wasm_func_t *f_double = export_func(&ex, DOUBLE);

	/* Null elements trap; so does an index past the end. */
	expect_trap(&ex, 0, "uninitialized element");
	expect_trap(&ex, 2, "undefined element");

	/* The host fills the table; wasm calls through it. */
	CHECK(wasm_table_set(table, 0, wasm_func_as_ref(f_double)), "set 0");
	CHECK(wasm_table_set(table, 1, wasm_func_as_ref(f_triple)), "set 1");
	CHECK(!wasm_table_set(table, 2, wasm_func_as_ref(f_triple)), "set past the end");
	CHECK(call_ok(&ex, 0, 21) == 42, "call_indirect of a wasm function");
	CHECK(call_ok(&ex, 1, 5) == 15, "call_indirect of a host function");

	/* Reading back gives the same functions. */
	wasm_ref_t *got = wasm_table_get(table, 1);
	wasm_func_t *got_func = got ? wasm_ref_as_func(got) : NULL;
	CHECK(got_func && wasm_func_same(got_func, f_triple), "table[1] is triple");
	if (got_func) {
		wasm_val_t a[1] = {WASM_I32_VAL(2)}, r[1] = {WASM_INIT_VAL};
		wasm_val_vec_t va = WASM_ARRAY_VEC(a), vr = WASM_ARRAY_VEC(r);
		wasm_trap_t *trap = wasm_func_call(got_func, &va, &vr);
		CHECK(trap == NULL && r[0].of.i32 == 6, "calling what the table gave back");
		wasm_trap_delete(trap);
	}
	wasm_ref_delete(got);
	CHECK(wasm_table_get(table, 7) == NULL, "get past the end");

	/* Growth, seen by both sides; the new elements hold init. */
	CHECK(wasm_table_grow(table, 2, wasm_func_as_ref(f_triple)), "grow by 2");
	CHECK(wasm_table_size(table) == 4 && wasm_size(&ex) == 4, "size after growing");
	CHECK(call_ok(&ex, 3, 7) == 21, "a grown element");
	CHECK(wasm_table_grow(table, 1, NULL) && wasm_table_size(table) == 5, "grow to the maximum");
	expect_trap(&ex, 4, "uninitialized element");
	CHECK(!wasm_table_grow(table, 1, NULL), "grew past the maximum");
	wasm_tabletype_t *type = wasm_table_type(table);
	CHECK(wasm_tabletype_limits(type)->min == 5 && wasm_tabletype_limits(type)->max == 5 &&
	      wasm_valtype_kind(wasm_tabletype_element(type)) == WASM_FUNCREF, "table type");
	wasm_tabletype_delete(type);
	/* Setting null clears an element. */
	CHECK(wasm_table_set(table, 0, NULL), "set null");
	expect_trap(&ex, 0, "uninitialized element");

	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_func_delete(f_triple);
	wasm_table_delete(table);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
