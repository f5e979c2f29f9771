/*
 * test_reflect.c — a module's imports and exports as types: names,
 * kinds, function signatures, limits, mutability; copies of them; the
 * externtype conversions; validation of good and damaged bytes.
 */
#include <string.h>

#include "capi_util.h"

static bool name_is(const wasm_name_t *name, const char *s)
{
	return name->size == strlen(s) && memcmp(name->data, s, name->size) == 0;
}

static void check_imports(const wasm_module_t *module)
{
	wasm_importtype_vec_t imports;

	wasm_module_imports(module, &imports);
	CHECK(imports.size == 4, "%zu imports", imports.size);
	if (imports.size != 4)
		return;
	CHECK(name_is(wasm_importtype_module(imports.data[0]), "env") &&
	      name_is(wasm_importtype_name(imports.data[0]), "f"), "import 0's names");
	CHECK(name_is(wasm_importtype_module(imports.data[3]), "lib") &&
	      name_is(wasm_importtype_name(imports.data[3]), "m"), "import 3's names");

	const wasm_externtype_t *t0 = wasm_importtype_type(imports.data[0]);
	const wasm_functype_t *ft = wasm_externtype_as_functype_const(t0);
	CHECK(wasm_externtype_kind(t0) == WASM_EXTERN_FUNC && ft, "import 0 is a function");
	CHECK(wasm_externtype_as_globaltype_const(t0) == NULL, "a function is not a global");
	if (ft) {
		const wasm_valtype_vec_t *ps = wasm_functype_params(ft);
		const wasm_valtype_vec_t *rs = wasm_functype_results(ft);
		CHECK(ps->size == 2 && wasm_valtype_kind(ps->data[0]) == WASM_I32 &&
		      wasm_valtype_kind(ps->data[1]) == WASM_I64 && rs->size == 1 &&
		      wasm_valtype_kind(rs->data[0]) == WASM_F32, "(i32, i64) -> f32");
	}
	const wasm_globaltype_t *gt =
		wasm_externtype_as_globaltype_const(wasm_importtype_type(imports.data[1]));
	CHECK(gt && wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_F64 &&
	      wasm_globaltype_mutability(gt) == WASM_VAR, "import 1: (mut f64)");
	const wasm_tabletype_t *tt =
		wasm_externtype_as_tabletype_const(wasm_importtype_type(imports.data[2]));
	CHECK(tt && wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF &&
	      wasm_valtype_is_ref(wasm_tabletype_element(tt)) &&
	      wasm_tabletype_limits(tt)->min == 2 &&
	      wasm_tabletype_limits(tt)->max == wasm_limits_max_default, "import 2: table 2 funcref");
	const wasm_memorytype_t *mt =
		wasm_externtype_as_memorytype_const(wasm_importtype_type(imports.data[3]));
	CHECK(mt && wasm_memorytype_limits(mt)->min == 1 && wasm_memorytype_limits(mt)->max == 4,
	      "import 3: memory 1 4");

	/* A copy of the vector is deep and equal. */
	wasm_importtype_vec_t copy;
	wasm_importtype_vec_copy(&copy, &imports);
	CHECK(copy.size == 4 && copy.data[1] != imports.data[1] &&
	      name_is(wasm_importtype_name(copy.data[1]), "g") &&
	      wasm_externtype_kind(wasm_importtype_type(copy.data[1])) == WASM_EXTERN_GLOBAL,
	      "copied imports");
	wasm_importtype_vec_delete(&copy);
	wasm_importtype_vec_delete(&imports);
	CHECK(imports.size == 0 && imports.data == NULL, "a deleted vector is empty");
}

static void check_exports(const wasm_module_t *module)
{
	static const char *const names[] = {"func", "global", "table", "memory"};
	static const wasm_externkind_t kinds[] = {WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL,
						  WASM_EXTERN_TABLE, WASM_EXTERN_MEMORY};
	wasm_exporttype_vec_t exports;

	wasm_module_exports(module, &exports);
	CHECK(exports.size == 4, "%zu exports", exports.size);
	for (size_t i = 0; i < exports.size && i < 4; i++) {
		CHECK(name_is(wasm_exporttype_name(exports.data[i]), names[i]), "export %zu's name", i);
		CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[i])) == kinds[i],
		      "export %zu's kind", i);
	}
	if (exports.size == 4) {
		const wasm_tabletype_t *tt =
			wasm_externtype_as_tabletype_const(wasm_exporttype_type(exports.data[2]));
		CHECK(tt && wasm_tabletype_limits(tt)->min == 3 && wasm_tabletype_limits(tt)->max == 8,
		      "table 3 8");
		const wasm_memorytype_t *mt =
			wasm_externtype_as_memorytype_const(wasm_exporttype_type(exports.data[3]));
		CHECK(mt && wasm_memorytype_limits(mt)->min == 1, "the exported import's memory");
		wasm_exporttype_t *copy = wasm_exporttype_copy(exports.data[0]);
		CHECK(copy && name_is(wasm_exporttype_name(copy), "func"), "exporttype copy");
		wasm_exporttype_delete(copy);
	}
	wasm_exporttype_vec_delete(&exports);
}

/* Types built by hand: conversions and copies. */
static void check_built_types(void)
{
	wasm_functype_t *ft = wasm_functype_new_3_2(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
						    wasm_valtype_new_externref(),
						    wasm_valtype_new_funcref(),
						    wasm_valtype_new_i64());
	wasm_externtype_t *et = wasm_functype_as_externtype(ft);
	CHECK(wasm_externtype_kind(et) == WASM_EXTERN_FUNC && wasm_externtype_as_functype(et) == ft,
	      "functype as externtype and back");
	CHECK(wasm_externtype_as_memorytype(et) == NULL, "a functype is no memorytype");
	wasm_externtype_t *copy = wasm_externtype_copy(et);
	const wasm_functype_t *fc = wasm_externtype_as_functype_const(copy);
	CHECK(fc && wasm_functype_params(fc)->size == 3 &&
	      wasm_valtype_kind(wasm_functype_params(fc)->data[2]) == WASM_EXTERNREF &&
	      wasm_valtype_kind(wasm_functype_results(fc)->data[1]) == WASM_I64, "copied functype");
	wasm_externtype_delete(copy);
	wasm_functype_delete(ft);

	wasm_limits_t lim = {1, wasm_limits_max_default};
	wasm_tabletype_t *tt = wasm_tabletype_new(wasm_valtype_new_externref(), &lim);
	wasm_tabletype_t *tc = wasm_tabletype_copy(tt);
	CHECK(tc && wasm_valtype_kind(wasm_tabletype_element(tc)) == WASM_EXTERNREF &&
	      wasm_tabletype_limits(tc)->max == wasm_limits_max_default, "copied tabletype");
	wasm_tabletype_delete(tc);
	wasm_tabletype_delete(tt);

	wasm_valtype_t *vts[] = {wasm_valtype_new_i32(), wasm_valtype_new_f32()};
	wasm_valtype_vec_t vv, vc;
	wasm_valtype_vec_new(&vv, 2, vts);
	wasm_valtype_vec_copy(&vc, &vv);
	CHECK(vc.size == 2 && wasm_valtype_kind(vc.data[1]) == WASM_F32 && vc.data[1] != vts[1],
	      "valtype vector copy");
	wasm_valtype_vec_delete(&vc);
	wasm_valtype_vec_delete(&vv);

	/* Earlier revisions' spelling of externref names the same kind. */
	wasm_valtype_t *any = wasm_valtype_new_anyref();
	CHECK(wasm_valtype_kind(any) == WASM_EXTERNREF && WASM_ANYREF == WASM_EXTERNREF &&
	      wasm_valkind_is_ref(WASM_ANYREF), "anyref is externref");
	wasm_valtype_delete(any);

	wasm_name_t name;
	wasm_name_new_from_string(&name, "hello");
	CHECK(name.size == 5 && memcmp(name.data, "hello", 5) == 0, "name from string");
	wasm_name_delete(&name);
	wasm_name_new_from_string_nt(&name, "hi");
	CHECK(name.size == 3 && name.data[2] == '\0', "name from string with its NUL");
	wasm_name_delete(&name);
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	check_imports(module);
	check_exports(module);
	check_built_types();

	/* Validation alone, of good and bad bytes. */
	wasm_byte_vec_t bytes = read_file(argv[1]);
	CHECK(wasm_module_validate(store, &bytes), "the module does not validate");
	bytes.data[bytes.size - 1] ^= 0x55;
	bytes.size -= 3;
	CHECK(!wasm_module_validate(store, &bytes), "truncated bytes validate");
	CHECK(wasm_module_new(store, &bytes) == NULL, "truncated bytes compile");
	wasm_byte_vec_delete(&bytes);

	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
