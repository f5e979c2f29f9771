/*
 * test_shared_counter.c — threads sharing one memory: N threads, each with
 * an instance of its own importing one shared memory (shared_mem.wat's),
 * add 1 ITER times with i32.atomic.rmw.add and count down when done; the
 * main thread waits for the count with memory.atomic.wait32 and checks the
 * total.  Then N threads park (wait32, no timeout) and the main thread
 * wakes them with notify(addr, 1) until every one returned "ok": notify's
 * counts must add up to N.  The memory's defining instance is deleted
 * before the others, which keep using it (shared memories are counted).
 * And the refusals: a pooled instance defining a shared memory and a
 * shared host memory are "not supported yet"; a pooled importer works.
 * Under the JIT and through an artifact.  Built with
 * -DKILN_SANITIZE_THREAD=ON this is ThreadSanitizer's workload.
 *
 * And one thread grows a shared memory page by page to its maximum while
 * the others read its size and the last word of that size: never a trap.
 *
 * kiln-shared-counter-test SHARED_MEM.wasm SHARED_COUNTER.wasm
 *     SHARED_MEM64.wasm SHARED_GROW.wasm [THREADS] [ITER]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kiln.h>

#include "test_util.h"
#include "workers.h"

typedef struct shared {
	kiln_module *counter;
	kiln_extern memory;
	int32_t iter;
	atomic_uint failures;
	atomic_uint parked_ok;	/* park() calls that returned 0 */
	/* What each worker does in its instance; false counts a failure. */
	bool (*step)(struct shared *s, kiln_instance *inst, unsigned id);
} shared;

static bool call(kiln_instance *inst, const char *name, int32_t arg, int nargs,
		 int32_t *out)
{
	kiln_val a = {KILN_I32, {.i32 = arg}}, r;
	kiln_trap_info t;
	kiln_error err;

	if (kiln_func_call(export(inst, name), &a, (size_t)nargs, &r, out ? 1 : 0, &t,
			   &err) != KILN_OK) {
		printf("%s: %s\n", name, err.message);
		return false;
	}
	if (out)
		*out = r.of.i32;
	return true;
}

static kiln_instance *instance(shared *s)
{
	kiln_instance *inst;
	kiln_error err;

	if (kiln_instance_new(s->counter, &s->memory, 1, &inst, NULL, &err) != KILN_OK) {
		printf("instance: %s\n", err.message);
		return NULL;
	}
	return inst;
}

static bool add(shared *s, kiln_instance *inst, unsigned id)
{
	(void)id;
	return call(inst, "run", s->iter, 1, NULL);
}

static bool park(shared *s, kiln_instance *inst, unsigned id)
{
	int32_t r = -1;

	(void)id;
	if (!call(inst, "park", 0, 0, &r) || r != 0)
		return false;
	s->parked_ok++;
	return true;
}

/* Worker 0 grows the memory page by page to its 64; the others read its
 * size and the last word of it until it has 64 pages, never trapping. */
static bool grow_or_probe(shared *s, kiln_instance *inst, unsigned id)
{
	int32_t r = -1;

	(void)s;
	return call(inst, id ? "probe" : "grow", id ? 64 : 63, 1, &r) && (id ? r >= 1 : r == 0);
}

/* Every worker: an instance of its own, then s->step in it. */
static void *work(void *arg)
{
	worker *w = arg;
	shared *s = w->shared;
	kiln_instance *inst = instance(s);

	worker_wait(w);
	if (!inst || !s->step(s, inst, w->id))
		s->failures++;
	kiln_instance_delete(inst);
	return NULL;
}

typedef struct job {
	unsigned n;
	shared *s;
} job;

static void *run_workers(void *arg)
{
	job *j = arg;

	workers_run(j->n, work, j->s);
	return NULL;
}

/* Wakes the parked threads one notify at a time until all n returned. */
static unsigned wake_all(kiln_instance *inst, unsigned n)
{
	unsigned woken = 0;
	int32_t r;

	for (int tries = 0; woken < n && tries < 100000; tries++) {
		if (!call(inst, "wake", 1, 1, &r) || r < 0 || r > 1)
			return UINT32_MAX;
		woken += (unsigned)r;
		if (r == 0)
			nanosleep(&(struct timespec){0, 100000}, NULL);
	}
	return woken;
}

static unsigned run(kiln_module *mem_mod, kiln_module *counter, unsigned n, int32_t iter,
		    const char *mode)
{
	shared s = {.counter = counter, .iter = iter};
	kiln_instance *owner, *main_inst;
	kiln_error err;
	pthread_t t;
	int32_t total = 0;
	unsigned woken;

	if (kiln_instance_new(mem_mod, NULL, 0, &owner, NULL, &err) != KILN_OK) {
		printf("%s: memory: %s\n", mode, err.message);
		return 1;
	}
	s.memory = export(owner, "memory");
	if (!(main_inst = instance(&s)))
		return 1;
	kiln_instance_delete(owner);	/* the importers keep the memory */
	if (!call(main_inst, "init", (int32_t)n, 1, NULL))
		return 1;

	job adders = {n, &s};
	s.step = add;
	pthread_create(&t, NULL, run_workers, &adders);
	bool joined = call(main_inst, "join", 0, 0, NULL);
	pthread_join(t, NULL);
	if (!joined || !call(main_inst, "total", 0, 0, &total) || total != (int32_t)n * iter) {
		printf("%s: total %d, want %d\n", mode, total, (int32_t)n * iter);
		s.failures++;
	}

	job parkers = {n, &s};
	s.step = park;
	pthread_create(&t, NULL, run_workers, &parkers);
	woken = wake_all(main_inst, n);
	pthread_join(t, NULL);
	if (woken != n || s.parked_ok != n) {
		printf("%s: notify woke %u, %u waits returned ok, want %u\n", mode, woken,
		       s.parked_ok, n);
		s.failures++;
	}
	kiln_instance_delete(main_inst);
	printf("%s: %u threads, total %d, %u woken one by one\n", mode, n, total, woken);
	return s.failures;
}

static unsigned grow_run(kiln_module *mem_mod, kiln_module *grow, unsigned n, const char *mode)
{
	shared s = {.counter = grow};
	kiln_instance *owner, *inst;
	kiln_error err;
	int32_t r = 0;

	if (kiln_instance_new(mem_mod, NULL, 0, &owner, NULL, &err) != KILN_OK) {
		printf("%s: memory: %s\n", mode, err.message);
		return 1;
	}
	s.memory = export(owner, "memory");
	s.step = grow_or_probe;
	workers_run(n < 2 ? 2 : n, work, &s);
	/* At its maximum now: one more page fails. */
	if (!(inst = instance(&s)) || !call(inst, "grow", 1, 1, &r) || r != 1)
		s.failures++;
	kiln_instance_delete(inst);
	kiln_instance_delete(owner);
	printf("%s: memory grown to 64 pages under %u readers: %s\n", mode, (n < 2 ? 2 : n) - 1,
	       s.failures ? "FAILED" : "no trap");
	return s.failures;
}

/* What is refused as not supported yet: a pooled instance defining a shared
 * memory, a shared host memory.  A pooled instance may import one. */
static unsigned refusals(kiln_module *mem_mod, kiln_module *counter)
{
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_memtype shared_type = {{1, 1, true}, true, false};
	kiln_instance *owner, *inst;
	kiln_host_memory *hm;
	kiln_pool *pool;
	kiln_error err;
	unsigned failures = 0;
	int32_t total = -1;

	pc.max_instances = 2;
	if (kiln_pool_new(&pc, &pool, &err) != KILN_OK ||
	    kiln_instance_new(mem_mod, NULL, 0, &owner, NULL, &err) != KILN_OK) {
		printf("refusals: %s\n", err.message);
		return 1;
	}
	if (kiln_instance_new_pooled(pool, mem_mod, NULL, 0, &inst, NULL, &err) !=
		    KILN_ERR_UNSUPPORTED ||
	    strcmp(err.message, "shared memories in pooled instances are not supported yet")) {
		printf("a pooled shared memory: %s\n", err.message);
		failures++;
	}
	kiln_extern mem = export(owner, "memory");
	if (kiln_instance_new_pooled(pool, counter, &mem, 1, &inst, NULL, &err) != KILN_OK ||
	    !call(inst, "init", 1, 1, NULL) || !call(inst, "run", 5, 1, NULL) ||
	    !call(inst, "total", 0, 0, &total) || total != 5) {
		printf("a pooled importer: total %d %s\n", total, err.message);
		failures++;
	} else {
		kiln_instance_delete(inst);
	}
	if (kiln_host_memory_new(&shared_type, &hm, &err) != KILN_ERR_UNSUPPORTED ||
	    strcmp(err.message, "shared host memories are not supported yet")) {
		printf("a shared host memory: %s\n", err.message);
		failures++;
	}
	kiln_instance_delete(owner);
	kiln_pool_delete(pool);
	return failures;
}

static kiln_module *compile(kiln_engine *e, const uint8_t *b, size_t len)
{
	kiln_module *m;
	kiln_error err;

	if (kiln_module_new(b, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK) {
		printf("compile: %s\n", err.message);
		return NULL;
	}
	return m;
}

static kiln_module *through_artifact(kiln_engine *e, kiln_module *m)
{
	uint8_t *art;
	size_t alen;
	kiln_module *loaded = NULL;
	kiln_error err;

	if (kiln_module_serialize(e, m, &art, &alen, &err) != KILN_OK ||
	    kiln_module_load(art, alen, &loaded, &err) != KILN_OK)
		printf("artifact: %s\n", err.message);
	free(art);
	return loaded;
}

int main(int argc, char **argv)
{
	size_t len[4] = {0};
	uint8_t *b[4] = {NULL};
	unsigned n = argc > 5 ? (unsigned)atoi(argv[5]) : 4, failures = 0;
	int32_t iter = argc > 6 ? atoi(argv[6]) : 100000;
	kiln_config cfg = kiln_config_default();
	kiln_module *jit[4], *aot[4];
	kiln_engine *e;
	kiln_error err;

	for (int i = 0; i < 4 && argc > 4; i++)
		b[i] = read_file(argv[i + 1], &len[i]);
	if (!b[0] || !b[1] || !b[2] || !b[3] || n < 1 || n > MAX_WORKERS || iter < 1) {
		printf("usage: kiln-shared-counter-test SHARED_MEM.wasm SHARED_COUNTER.wasm"
		       " SHARED_MEM64.wasm SHARED_GROW.wasm [THREADS 1..64] [ITER]\n");
		return 2;
	}
	if (kiln_engine_new(&cfg, &e, &err) != KILN_OK) {
		printf("engine: %s\n", err.message);
		return 1;
	}
	/* Artifacts first: LLVM's lazily made statics, first touched by a
	 * tier-up thread, would look like a race to TSan (LLVM is not
	 * instrumented) when the main thread's compile met them later. */
	for (int i = 0; i < 4; i++)
		if (!(jit[i] = compile(e, b[i], len[i])) || !(aot[i] = through_artifact(e, jit[i])))
			return 1;
	failures += run(jit[0], jit[1], n, iter, "JIT");
	failures += grow_run(jit[2], jit[3], n, "JIT");
	failures += refusals(jit[0], jit[1]);
	failures += run(aot[0], aot[1], n, iter, "AOT");
	failures += grow_run(aot[2], aot[3], n, "AOT");
	for (int i = 0; i < 4; i++) {
		kiln_module_delete(jit[i]);
		kiln_module_delete(aot[i]);
		free(b[i]);
	}
	kiln_engine_delete(e);
	puts(failures ? "FAILED" : "every total, wake count and read right");
	return failures != 0;
}
