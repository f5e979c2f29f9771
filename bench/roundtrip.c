/*
 * roundtrip.c — the cost of a wasm -> host -> wasm round trip, next to a
 * plain native call of the same function, and of the same round trip when
 * the host function is a callback of the standard C API (wasm.h: values
 * converted to wasm_val_t both ways, through kiln's generic host function
 * and libffi).
 *
 *   kiln-bench-roundtrip ROUNDTRIP.wasm [CALLS] [RUNS]
 *
 * Runs each measurement RUNS times (default 7), alternating, and prints
 * the median and the range in ns per call.  Every call's status and result
 * are checked against the native loop's (loop(n) returns (n + 1) / 2): a
 * call that traps or computes something else ends the run with exit 1, so
 * the ctest run of a few calls fails rather than timing traps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kiln.h>
#include <wasm.h>

/* The host function, kept out of line so the native loop really calls it. */
__attribute__((noinline)) static int32_t nop(kiln_caller *c, int32_t x)
{
	__asm__ volatile("" ::: "memory");
	(void)c;
	return x & 1;
}

/* Through a volatile pointer, so that the compiler cannot see the callee:
 * an indirect call, as compiled wasm makes to an imported function. */
static int32_t (*volatile native_target)(kiln_caller *, int32_t) = nop;

__attribute__((noinline)) static int32_t native_loop(int32_t n)
{
	int32_t acc = 0;

	for (; n; n--)
		acc += native_target(NULL, n);
	return acc;
}

/* One timed call of the wasm loop; exits on a trap or a wrong result. */
static void wasm_loop(kiln_extern loop, int32_t calls, int32_t expect)
{
	kiln_val arg = {KILN_I32, {.i32 = calls}}, r = {KILN_I32, {.i32 = 0}};
	kiln_trap_info t = {.kind = KILN_TRAP_NONE};
	kiln_status s = kiln_func_call(loop, &arg, 1, &r, 1, &t, NULL);

	if (s != KILN_OK || r.of.i32 != expect) {
		fprintf(stderr, "kiln-bench-roundtrip: loop(%d): status %d (%s), result %d, expected %d\n",
			calls, (int)s, s == KILN_ERR_TRAP ? kiln_trap_message(t.kind) : "no trap",
			r.of.i32, expect);
		exit(1);
	}
}

/* The host function as a wasm.h callback. */
static wasm_trap_t *capi_nop(const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 & 1);
	return NULL;
}

typedef struct capi_run {
	wasm_engine_t *engine;
	wasm_store_t *store;
	wasm_func_t *loop;
} capi_run;

/* The module again, through wasm.h, importing capi_nop; false on failure. */
static bool capi_setup(const uint8_t *bytes, size_t len, capi_run *r)
{
	wasm_byte_vec_t binary = {len, (wasm_byte_t *)bytes};
	wasm_functype_t *ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
	wasm_module_t *module;
	wasm_extern_vec_t exports = WASM_EMPTY_VEC;

	r->engine = wasm_engine_new();
	r->store = wasm_store_new(r->engine);
	module = wasm_module_new(r->store, &binary);
	wasm_extern_t *imports[] = {wasm_func_as_extern(wasm_func_new(r->store, ft, capi_nop))};
	wasm_extern_vec_t vec = WASM_ARRAY_VEC(imports);
	wasm_instance_t *inst = module ? wasm_instance_new(r->store, module, &vec, NULL) : NULL;

	wasm_functype_delete(ft);
	if (inst)
		wasm_instance_exports(inst, &exports);
	r->loop = exports.size == 1 ? wasm_func_copy(wasm_extern_as_func(exports.data[0])) : NULL;
	wasm_extern_vec_delete(&exports);
	wasm_extern_delete(imports[0]);
	wasm_instance_delete(inst);
	wasm_module_delete(module);
	return r->loop != NULL;
}

static void capi_loop(const wasm_func_t *loop, int32_t calls, int32_t expect)
{
	wasm_val_t a[1] = {WASM_I32_VAL(calls)}, r[1] = {WASM_I32_VAL(0)};
	wasm_val_vec_t args = WASM_ARRAY_VEC(a), results = WASM_ARRAY_VEC(r);
	wasm_trap_t *trap = wasm_func_call(loop, &args, &results);

	if (trap || r[0].of.i32 != expect) {
		fprintf(stderr, "kiln-bench-roundtrip: wasm.h loop(%d): %s, result %d, expected %d\n",
			calls, trap ? "trapped" : "returned", r[0].of.i32, expect);
		exit(1);
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	if (f)
		fclose(f);
	return b;
}

int main(int argc, char **argv)
{
	static const kiln_valtype i[] = {KILN_I32};
	kiln_functype t = {1, 1, i, i};
	int32_t calls = argc > 2 ? atoi(argv[2]) : 20000000;
	int runs = argc > 3 ? atoi(argv[3]) : 7;
	double wasm[64], native[64], capi[64];
	capi_run cr;
	size_t len = 0;
	uint8_t *bytes;
	kiln_host_func *h;
	kiln_engine *e;
	kiln_module *m;
	kiln_linker *l;
	kiln_instance *inst;
	kiln_extern loop;
	kiln_error err;
	kiln_trap_kind tk;
	int32_t expect;

	if (argc < 2 || !(bytes = read_file(argv[1], &len)) || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: kiln-bench-roundtrip ROUNDTRIP.wasm [CALLS] [RUNS]\n");
		return 2;
	}
	if (kiln_host_func_new(&t, (kiln_native_fn)nop, NULL, NULL, &h, &err) ||
	    kiln_engine_new(NULL, &e, &err) || kiln_module_new(bytes, len, &m, &err) ||
	    kiln_module_compile(e, m, &err) || kiln_linker_new(&l, &err) ||
	    kiln_linker_define(l, "host", "nop", kiln_host_func_extern(h), &err) ||
	    kiln_linker_instantiate(l, m, &inst, &tk, &err) ||
	    !kiln_instance_export(inst, (kiln_name){"loop", 4}, &loop)) {
		fprintf(stderr, "setup: %s\n", err.message);
		return 1;
	}
	if (!capi_setup(bytes, len, &cr)) {
		fprintf(stderr, "setup through wasm.h failed\n");
		return 1;
	}
	free(bytes);
	if (calls < 1) {
		fprintf(stderr, "kiln-bench-roundtrip: CALLS must be at least 1\n");
		return 2;
	}
	expect = native_loop(calls);	/* (calls + 1) / 2: nop returns x & 1 */
	wasm_loop(loop, calls, expect);	/* compile, warm up */
	capi_loop(cr.loop, calls, expect);
	for (int k = 0; k < runs; k++) {
		double t0 = now();
		wasm_loop(loop, calls, expect);
		double t1 = now();
		int32_t got = native_loop(calls);
		double t2 = now();
		capi_loop(cr.loop, calls, expect);
		double t3 = now();

		if (got != expect) {
			fprintf(stderr, "kiln-bench-roundtrip: native loop returned %d\n", got);
			return 1;
		}
		wasm[k] = (t1 - t0) * 1e9 / calls;
		native[k] = (t2 - t1) * 1e9 / calls;
		capi[k] = (t3 - t2) * 1e9 / calls;
	}
	qsort(wasm, (size_t)runs, sizeof *wasm, cmp);
	qsort(native, (size_t)runs, sizeof *native, cmp);
	qsort(capi, (size_t)runs, sizeof *capi, cmp);
	printf("%d calls x %d runs\n", calls, runs);
	printf("wasm -> host -> wasm: median %.2f ns/call (%.2f..%.2f)\n", wasm[runs / 2],
	       wasm[0], wasm[runs - 1]);
	printf("native C call:        median %.2f ns/call (%.2f..%.2f)\n", native[runs / 2],
	       native[0], native[runs - 1]);
	printf("through wasm.h:       median %.2f ns/call (%.2f..%.2f)\n", capi[runs / 2],
	       capi[0], capi[runs - 1]);
	wasm_func_delete(cr.loop);
	wasm_store_delete(cr.store);
	wasm_engine_delete(cr.engine);
	kiln_instance_delete(inst);
	kiln_linker_delete(l);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	kiln_host_func_delete(h);
	return 0;
}
