/*
 * test_threads.c — one module compiled once and shared
 * (wasm_module_share): each of several threads obtains it in a store of
 * its own and instantiates and calls it 1,000 times, with a host
 * function whose env is the thread's.
 */
#include <pthread.h>

#include "capi_util.h"

#define NTHREADS 4
#define ROUNDS 1000

typedef struct worker {
	wasm_engine_t *engine;
	const wasm_shared_module_t *shared;
	int id, calls, wrong;
} worker;

static wasm_trap_t *inc(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	worker *w = env;

	w->calls++;
	results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 + w->id * 1000000);
	return NULL;
}

static void *work(void *p)
{
	worker *w = p;
	wasm_store_t *store = wasm_store_new(w->engine);
	wasm_module_t *module = wasm_module_obtain(store, w->shared);
	wasm_functype_t *ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
	wasm_func_t *f = wasm_func_new_with_env(store, ft, inc, w, NULL);

	wasm_functype_delete(ft);
	for (int i = 0; module && f && i < ROUNDS; i++) {
		wasm_extern_t *imp[] = {wasm_func_as_extern(f)};
		wasm_extern_vec_t imports = WASM_ARRAY_VEC(imp), ex = WASM_EMPTY_VEC;
		wasm_instance_t *instance = wasm_instance_new(store, module, &imports, NULL);
		wasm_val_t a[1] = {WASM_I32_VAL(i)}, r[1] = {WASM_INIT_VAL};
		wasm_val_vec_t va = WASM_ARRAY_VEC(a), vr = WASM_ARRAY_VEC(r);
		wasm_func_t *run = NULL;

		if (instance)
			wasm_instance_exports(instance, &ex);
		if (ex.size == 1)
			run = wasm_extern_as_func(ex.data[0]);
		if (!run || wasm_func_call(run, &va, &vr) || r[0].of.i32 != i + 1 + w->id * 1000000)
			w->wrong++;
		wasm_extern_vec_delete(&ex);
		wasm_instance_delete(instance);
	}
	wasm_func_delete(f);
	wasm_module_delete(module);
	wasm_store_delete(store);
	return NULL;
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_store_t *store = wasm_store_new(engine);
	wasm_module_t *module;
	pthread_t threads[NTHREADS];
	worker workers[NTHREADS];

	if (argc != 2 || !(module = load_module(store, argv[1])))
		return 1;
	wasm_shared_module_t *shared = wasm_module_share(module);
	/* The shared module outlives the handle and the store it came from. */
	wasm_module_delete(module);
	wasm_store_delete(store);
	for (int i = 0; i < NTHREADS; i++) {
		workers[i] = (worker){engine, shared, i + 1, 0, 0};
		CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0, "pthread_create");
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(threads[i], NULL);
		CHECK(workers[i].calls == ROUNDS && workers[i].wrong == 0,
		      "thread %d: %d calls, %d wrong", i, workers[i].calls, workers[i].wrong);
	}
	wasm_shared_module_delete(shared);
	wasm_engine_delete(engine);
	printf("%d threads x %d instantiations\n", NTHREADS, ROUNDS);
	return failures ? 1 : 0;
}
