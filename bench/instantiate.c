/*
 * instantiate.c — instantiation throughput: instantiate + call a trivial
 * export + delete, in a loop, on one thread and on every CPU, for a tiny
 * module and for one with MB of data segments; and the RSS each live
 * instance costs.  Modules compiled ahead of time (the artifact path a
 * server takes) and by the JIT, instantiated plainly and in a pool.
 *
 * kiln-bench-instantiate [ITERATIONS] [DATA_KB] [pooled]   (pooled: only in a pool,
 * for profiling).  Modules with data run pooled twice: segments copied, and
 * mapped copy-on-write from the module's image (kiln_pool_config's
 * image_min_bytes), to show where each pays.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kiln.h>

#include "builder.h"
#include "test_util.h"

/* (memory P) (func (export "f") (result i32) i32.const 42) and, with
 * data_bytes > 0, one active data segment of that many bytes at 1024. */
static buf build(uint32_t data_bytes)
{
	buf m = {0}, s = {0};
	uint32_t pages = (data_bytes + 1024) / 65536 + 1;

	mod_header(&m);
	PUT(&s, 1, 0x60, 0, 1, 0x7f);
	section(&m, 1, &s);
	PUT(&s, 1, 0);
	section(&m, 3, &s);
	put(&s, 1), put(&s, 0), put_u32(&s, pages);
	section(&m, 5, &s);
	put(&s, 1), put_name(&s, "f"), PUT(&s, 0, 0);
	section(&m, 7, &s);
	PUT(&s, 1, 4, 0, 0x41, 42, 0x0b);
	section(&m, 10, &s);
	if (data_bytes) {
		put(&s, 1), PUT(&s, 0, 0x41, 0x80, 0x08, 0x0b), put_u32(&s, data_bytes);
		for (uint32_t i = 0; i < data_bytes; i++)
			put(&s, (uint8_t)(i * 7 + (i >> 12)));
		section(&m, 11, &s);
	}
	return m;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static kiln_pool *pool;	/* NULL: plain kiln_instance_new */
static bool pooled_only;

static kiln_status new_instance(kiln_module *m, kiln_instance **inst)
{
	kiln_trap_kind trap;

	return pool ? kiln_instance_new_pooled(pool, m, NULL, 0, inst, &trap, NULL)
		    : kiln_instance_new(m, NULL, 0, inst, &trap, NULL);
}

typedef struct job {
	kiln_module *m;
	unsigned n;
	pthread_barrier_t *start;
	unsigned bad;
} job;

static void *loop(void *arg)
{
	job *j = arg;
	kiln_instance *inst;
	kiln_extern f;
	kiln_val r;

	pthread_barrier_wait(j->start);
	for (unsigned i = 0; i < j->n; i++) {
		if (new_instance(j->m, &inst) != KILN_OK) {
			j->bad++;
			continue;
		}
		if (!kiln_instance_export(inst, (kiln_name){"f", 1}, &f) ||
		    kiln_func_call(f, NULL, 0, &r, 1, NULL, NULL) != KILN_OK || r.of.i32 != 42)
			j->bad++;
		kiln_instance_delete(inst);
	}
	return NULL;
}

/* Microseconds per instantiate+call+delete, per thread, on `threads`. */
static double measure(kiln_module *m, unsigned threads, unsigned n)
{
	pthread_t t[64];
	job jobs[64];
	pthread_barrier_t start;
	unsigned bad = 0;
	double t0;

	pthread_barrier_init(&start, NULL, threads + 1);
	for (unsigned i = 0; i < threads; i++) {
		jobs[i] = (job){m, n, &start, 0};
		pthread_create(&t[i], NULL, loop, &jobs[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now();
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		bad += jobs[i].bad;
	}
	double us = (now() - t0) * 1e6 / n;
	pthread_barrier_destroy(&start);
	if (bad)
		printf("  %u calls failed\n", bad);
	return us;
}

/* The RSS of 100 live instances, each having touched its memory once, and
 * what stays of it once they are deleted (in a pool: idle slots). */
static void rss_per_instance(kiln_module *m, double *live_kb, double *idle_kb)
{
	enum { N = 100 };
	kiln_instance *inst[N];
	long before = rss_kb();

	for (int i = 0; i < N; i++)
		if (new_instance(m, &inst[i]) != KILN_OK)
			inst[i] = NULL;
	*live_kb = (double)(rss_kb() - before) / N;
	for (int i = 0; i < N; i++)
		kiln_instance_delete(inst[i]);
	*idle_kb = (double)(rss_kb() - before) / N;
}

static void run(const char *what, kiln_module *m, unsigned n, unsigned cpus, bool data)
{
	static const char *const modes[] = {"", ", pooled", ", pooled, copy-on-write"};

	for (int mode = pooled_only; mode < (data ? 3 : 2); mode++) {
		kiln_pool_config pc = kiln_pool_config_default();
		pc.max_instances = 256;
		pc.image_min_bytes = mode == 2 ? 1 : UINT32_MAX;
		if (mode && kiln_pool_new(&pc, &pool, NULL) != KILN_OK) {
			printf("| %s%s | no pool |\n", what, modes[mode]);
			return;
		}
		double one = measure(m, 1, n), all = measure(m, cpus, n), live, idle;
		rss_per_instance(m, &live, &idle);
		printf("| %s%s | %.2f µs | %.2f µs, %.0f instances/s | %.1f KiB | %.1f KiB |\n",
		       what, modes[mode], one, all, cpus * 1e6 / all, live, idle);
		kiln_pool_delete(pool);
		pool = NULL;
	}
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
	unsigned kb = argc > 2 ? (unsigned)atoi(argv[2]) : 4096;
	unsigned cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

	pooled_only = argc > 3 && !strcmp(argv[3], "pooled");
	kiln_engine *e;
	kiln_error err;

	if (cpus > 64)
		cpus = 64;
	if (kiln_engine_new(NULL, &e, &err) != KILN_OK)
		return printf("engine: %s\n", err.message), 1;
	printf("instantiate + call f() + delete, %u iterations per thread; %u CPUs\n\n", n, cpus);
	printf("| module | 1 thread | each of %u threads, all together | RSS per live instance "
	       "| RSS per deleted one (pooled: idle slot) |\n|---|---|---|---|---|\n", cpus);
	for (int big = 0; big < 2; big++) {
		buf b = build(big ? kb << 10 : 0);
		kiln_module *jm, *am;
		uint8_t *art;
		size_t len;
		char what[64];
		if (kiln_module_new(b.p, b.n, &jm, &err) != KILN_OK ||
		    kiln_module_compile(e, jm, &err) != KILN_OK ||
		    kiln_module_serialize(e, jm, &art, &len, &err) != KILN_OK ||
		    kiln_module_load(art, len, &am, &err) != KILN_OK)
			return printf("module: %s\n", err.message), 1;
		unsigned iters = big && kb >= 1024 ? n / 10 : n;
		if (big)
			snprintf(what, sizeof what, "%u KiB of data, AOT", kb);
		else
			snprintf(what, sizeof what, "tiny, AOT");
		run(what, am, iters, cpus, big && kb);
		if (!big)
			run("tiny, JIT", jm, iters, cpus, false);
		kiln_module_delete(am);
		kiln_module_delete(jm);
		free(art);
		buf_free(&b);
	}
	kiln_engine_delete(e);
	return 0;
}
