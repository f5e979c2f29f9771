/*
 * test_finalize.c — host info and finalizers on 10,000 objects of every
 * runtime kind: each finalizer runs exactly once, with its own info,
 * when the last handle to its object goes — deleted by the program,
 * through copies, or left for the store to delete.
 */
#include "capi_util.h"

#define N 10000

static int finalized[N];

static void finalize(void *info)
{
	finalized[(int *)info - (int *)finalized]++;
}

static wasm_trap_t *nop(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	(void)args;
	(void)results;
	return NULL;
}

/* Object i: a foreign, function, global, trap or instance, by i % 5. */
static wasm_ref_t *make(wasm_store_t *store, wasm_module_t *module, int i)
{
	wasm_functype_t *ft;
	wasm_globaltype_t *gt;
	wasm_val_t v = WASM_I32_VAL(i);
	wasm_message_t msg;
	wasm_extern_vec_t none = WASM_EMPTY_VEC;
	wasm_ref_t *ref = NULL;

	switch (i % 5) {
	case 0:
		ref = wasm_foreign_as_ref(wasm_foreign_new(store));
		break;
	case 1:
		ft = wasm_functype_new_0_0();
		ref = wasm_func_as_ref(wasm_func_new(store, ft, nop));
		wasm_functype_delete(ft);
		break;
	case 2:
		gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
		ref = wasm_global_as_ref(wasm_global_new(store, gt, &v));
		wasm_globaltype_delete(gt);
		break;
	case 3:
		wasm_name_new_from_string_nt(&msg, "trap");
		ref = wasm_trap_as_ref(wasm_trap_new(store, &msg));
		wasm_name_delete(&msg);
		break;
	default:
		ref = wasm_instance_as_ref(wasm_instance_new(store, module, &none, NULL));
		break;
	}
	CHECK(ref != NULL, "object %d", i);
	return ref;
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	static wasm_ref_t *refs[N];
	int early = 0;

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	for (int i = 0; i < N; i++) {
		refs[i] = make(store, module, i);
		if (refs[i])
			wasm_ref_set_host_info_with_finalizer(refs[i], &finalized[i], finalize);
	}
	/* Every third: a copy first; the finalizer waits for both. */
	for (int i = 0; i < N; i += 3) {
		wasm_ref_t *copy = refs[i] ? wasm_ref_copy(refs[i]) : NULL;
		CHECK(!copy || wasm_ref_get_host_info(copy) == &finalized[i], "copy's info");
		wasm_ref_delete(refs[i]);
		CHECK(finalized[i] == 0, "object %d finalized with a copy alive", i);
		refs[i] = copy;
	}
	/* Half deleted by the program, the rest left to the store. */
	for (int i = 0; i < N; i += 2) {
		wasm_ref_delete(refs[i]);
		CHECK(finalized[i] == 1, "object %d finalized %d times on delete", i, finalized[i]);
		early++;
	}
	for (int i = 1; i < N; i += 2)
		CHECK(finalized[i] == 0, "object %d finalized before its store went", i);
	wasm_module_delete(module);
	wasm_store_delete(store);
	for (int i = 0; i < N; i++)
		CHECK(finalized[i] == 1, "object %d finalized %d times", i, finalized[i]);
	wasm_engine_delete(engine);
	printf("%d objects, %d finalized by the program, %d by the store\n", N, early, N - early);
	return failures ? 1 : 0;
}
