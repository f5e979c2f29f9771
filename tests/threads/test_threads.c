/*
 * test_threads.c — one compiled module instantiated and run from many
 * threads at once: under the JIT (lazy compilation racing, without and with
 * speculation), as an artifact loaded with no compiler, and that artifact
 * instantiated in a pool whose memories are capped at 2 pages and tables at
 * 3 elements.  Every
 * thread instantiates, runs each export of threads.wat, checks each result
 * and trap (an endless loop ended by an epoch deadline among them), and
 * deletes the instance, ROUNDS times.  The process's RSS is printed after
 * each mode: it must not grow once warm (not checked under AddressSanitizer,
 * whose quarantine keeps freed memory resident).  Built with
 * -DKILN_SANITIZE_THREAD=ON this is ThreadSanitizer's workload.
 *
 * kiln-threads-test THREADS.wasm [THREADS] [ROUNDS]
 * (the stress run: kiln-threads-test threads.wasm 2 100000)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

enum { POOL_PAGES = 2, POOL_ELEMENTS = 3 };

#include "test_util.h"
#include "workers.h"

typedef struct shared {
	kiln_module *module;
	kiln_pool *pool;		/* memories capped at POOL_PAGES */
	unsigned rounds;
	atomic_uint failures, traps;
} shared;

/* Calls an (i32) -> i32 or () -> i32 export; the trap kind, or NONE. */
static kiln_trap_kind call(kiln_instance *inst, const char *name, const int32_t *arg,
			   int32_t *out)
{
	kiln_val a = {KILN_I32, {.i32 = arg ? *arg : 0}}, r;
	kiln_trap_info t;
	kiln_status st = kiln_func_call(export(inst, name), &a, arg ? 1 : 0, &r, 1, &t, NULL);

	if (st == KILN_OK) {
		*out = r.of.i32;
		return KILN_TRAP_NONE;
	}
	return st == KILN_ERR_TRAP ? t.kind : KILN_TRAP_KIND_COUNT_;
}

static uint32_t work_sum(uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += i * i;
	return s;
}

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			printf("thread %u round %u: ", w->id, r);               \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
			atomic_fetch_add(&s->failures, 1);                      \
		}                                                               \
	} while (0)

static void *run(void *arg)
{
	worker *w = arg;
	shared *s = w->shared;
	kiln_trap_kind trap;
	int32_t v = 0;

	worker_wait(w);
	for (unsigned r = 0; r < s->rounds; r++) {
		kiln_instance *inst;
		int32_t n = 100 + (int32_t)((w->id * 7 + r) % 50), zero = 0, one = 1;
		int32_t k = (int32_t)r;

		kiln_status st = s->pool
			? kiln_instance_new_pooled(s->pool, s->module, NULL, 0, &inst, &trap, NULL)
			: kiln_instance_new(s->module, NULL, 0, &inst, &trap, NULL);
		if (st != KILN_OK) {
			CHECK(0, "instantiation failed");
			continue;
		}
		CHECK(call(inst, "work", &n, &v) == KILN_TRAP_NONE && (uint32_t)v == work_sum((uint32_t)n),
		      "work(%d) = %d", n, v);
		CHECK(call(inst, "chain", &k, &v) == KILN_TRAP_NONE && v == k + 5, "chain");
		CHECK(call(inst, "calls", NULL, &v) == KILN_TRAP_NONE && v == 1,
		      "calls() = %d: instances share a global", v);
		CHECK(call(inst, "trap", &zero, &v) == KILN_TRAP_DIVIDE_BY_ZERO, "trap(0)");
		CHECK(call(inst, "trap", &one, &v) == KILN_TRAP_NONE && v == 1, "trap(1)");
		if (r % 8 == 0) {
			int32_t limit = s->pool ? POOL_PAGES : 4;
			CHECK(call(inst, "deep", &zero, &v) == KILN_TRAP_STACK_EXHAUSTED, "deep");
			CHECK(call(inst, "grow", NULL, &v) == KILN_TRAP_NONE && v == limit,
			      "grow() = %d", v);
			limit = s->pool ? POOL_ELEMENTS : 8;
			CHECK(call(inst, "tgrow", NULL, &v) == KILN_TRAP_NONE && v == limit,
			      "tgrow() = %d", v);
			kiln_instance_set_epoch_deadline(inst, 0, NULL);
			CHECK(call(inst, "spin", &zero, &v) == KILN_TRAP_INTERRUPTED, "spin");
			atomic_fetch_add(&s->traps, 2);
		}
		atomic_fetch_add(&s->traps, 1);
		kiln_instance_delete(inst);
	}
	return NULL;
}

static unsigned run_threads(kiln_module *m, kiln_pool *pool, unsigned nthreads,
			    unsigned rounds, const char *what)
{
	shared s = {.module = m, .pool = pool, .rounds = rounds};

	workers_run(nthreads, run, &s);
	printf("%s: %u threads x %u instances, %u traps caught, %u failures; RSS %ld KiB\n",
	       what, nthreads, rounds, atomic_load(&s.traps), atomic_load(&s.failures),
	       rss_kb());
	return atomic_load(&s.failures);
}

int main(int argc, char **argv)
{
	size_t len = 0, alen = 0;
	uint8_t *bytes = argc > 1 ? read_file(argv[1], &len) : NULL, *art = NULL;
	unsigned nthreads = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 200, failures = 0;
	kiln_error err;

	if (!bytes || nthreads < 1 || nthreads > 64) {
		printf("usage: kiln-threads-test THREADS.wasm [THREADS 1..64] [ROUNDS]\n");
		return 2;
	}
	for (int spec = 0; spec < 2; spec++) {
		kiln_config cfg = kiln_config_default();
		kiln_engine *e;
		kiln_module *m;
		cfg.speculative_compile = spec;
		cfg.epoch_interruption = true;
		if (kiln_engine_new(&cfg, &e, &err) != KILN_OK ||
		    kiln_module_new(bytes, len, &m, &err) != KILN_OK ||
		    kiln_module_compile(e, m, &err) != KILN_OK) {
			printf("setup: %s\n", err.message);
			return 1;
		}
		failures += run_threads(m, NULL, nthreads, rounds,
					spec ? "JIT, speculative" : "JIT, lazy");
		if (spec && kiln_module_serialize(e, m, &art, &alen, &err) != KILN_OK) {
			printf("serialize: %s\n", err.message);
			return 1;
		}
		kiln_module_delete(m);
		kiln_engine_delete(e);
	}
	kiln_module *m;
	if (kiln_module_load(art, alen, &m, &err) != KILN_OK) {
		printf("load: %s\n", err.message);
		return 1;
	}
	failures += run_threads(m, NULL, nthreads, rounds, "AOT");
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_pool *pool;
	pc.max_instances = 64;
	pc.max_memory_pages = POOL_PAGES;
	pc.max_table_elements = POOL_ELEMENTS;
	if (kiln_pool_new(&pc, &pool, &err) != KILN_OK) {
		printf("pool: %s\n", err.message);
		return 1;
	}
	long warm = 0;
	for (int k = 0; k < 3; k++) {	/* RSS once warm, then twice more */
		failures += run_threads(m, pool, nthreads, rounds, "AOT, pooled");
		if (k == 0)
			warm = rss_kb();
	}
	long after = rss_kb();
	printf("RSS once warm %ld KiB, after two more pooled runs %ld KiB\n", warm, after);
#ifndef __SANITIZE_ADDRESS__	/* ASan's quarantine keeps freed memory resident */
	if (after > warm + 8192) {
		printf("RSS grew by %ld KiB (over 8 MiB)\n", after - warm);
		failures++;
	}
#endif
	if (kiln_pool_live(pool) != 0) {
		printf("%u pooled instances left live\n", kiln_pool_live(pool));
		failures++;
	}
	kiln_pool_delete(pool);
	kiln_module_delete(m);
	free(art);
	free(bytes);
	printf("%s\n", failures ? "FAILED" : "every outcome correct on every thread");
	return failures ? 1 : 0;
}
