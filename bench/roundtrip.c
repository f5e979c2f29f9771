/*
 * roundtrip.c — the cost of a wasm -> host -> wasm round trip, next to a
 * plain native call of the same function.
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
	double wasm[64], native[64];
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
	free(bytes);
	if (calls < 1) {
		fprintf(stderr, "kiln-bench-roundtrip: CALLS must be at least 1\n");
		return 2;
	}
	expect = native_loop(calls);	/* (calls + 1) / 2: nop returns x & 1 */
	wasm_loop(loop, calls, expect);	/* compile, warm up */
	for (int k = 0; k < runs; k++) {
		double t0 = now();
		wasm_loop(loop, calls, expect);
		double t1 = now();
		int32_t got = native_loop(calls);
		double t2 = now();

		if (got != expect) {
			fprintf(stderr, "kiln-bench-roundtrip: native loop returned %d\n", got);
			return 1;
		}
		wasm[k] = (t1 - t0) * 1e9 / calls;
		native[k] = (t2 - t1) * 1e9 / calls;
	}
	qsort(wasm, (size_t)runs, sizeof *wasm, cmp);
	qsort(native, (size_t)runs, sizeof *native, cmp);
	printf("%d calls x %d runs\n", calls, runs);
	printf("wasm -> host -> wasm: median %.2f ns/call (%.2f..%.2f)\n", wasm[runs / 2],
	       wasm[0], wasm[runs - 1]);
	printf("native C call:        median %.2f ns/call (%.2f..%.2f)\n", native[runs / 2],
	       native[0], native[runs - 1]);
	kiln_instance_delete(inst);
	kiln_linker_delete(l);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	kiln_host_func_delete(h);
	return 0;
}
