/*
 * test_tierup.c — entries swapped while other threads call them: threads
 * each with an instance of one module call every function of hot.wat (with
 * tests/api/hot.h's calls and results) in a loop, on an engine that tiers
 * a function up on its first call (threshold 1), so that the background
 * threads compile tier-1 code and repoint the entry stubs while calls go
 * through them, recursion (fib) runs frames of both tiers at once and
 * call_indirect goes through table entries being repointed.  Every result
 * is checked, every call.  In the first cycle the threads go on until
 * every function has tiered up (then as many rounds again); in the others
 * the module is deleted as soon as they stop, tier-ups perhaps still
 * queued or compiling.  Built with -DKILN_SANITIZE_THREAD=ON this is one
 * of ThreadSanitizer's workloads (scripts/test-tsan).
 *
 * With `interp` the module starts in the interpreter (KILN_TIERING_INTERP):
 * tier-up then installs tier-1 code (stub slot, trampoline, entry) under
 * interpreted calls of every kind — the API's through krt_interp_tramp,
 * fib's direct recursion and hash's call_indirect through table entries
 * that still hold the thunks — each of which reads the entry (interp_enter)
 * while another thread writes it.
 *
 * kiln-tierup-test HOT.wasm [THREADS] [ROUNDS] [CYCLES] [tiered|interp]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hot.h"
#include "workers.h"

enum { WAIT_SECONDS = 30 };

typedef struct shared {
	kiln_engine *engine;
	kiln_module *module;
	unsigned rounds;
	bool until_tiered;	/* go on until every function tiered up */
	atomic_uint failures, calls;
} shared;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fail(const worker *w, unsigned r, const char *name, uint64_t got, kiln_trap_kind trap)
{
	shared *s = w->shared;

	printf("thread %u round %u: %s gave 0x%llx, trap %d\n", w->id, r, name,
	       (unsigned long long)got, (int)trap);
	atomic_fetch_add(&s->failures, 1);
}

/* One round: every call of hot.h, then bump (the instance's total after
 * round r is 3 * (r + 1)). */
static void round_of_calls(worker *w, kiln_instance *inst, unsigned r)
{
	shared *s = w->shared;
	kiln_trap_kind trap;
	uint64_t got;

	for (int i = 0; i < HOT_NCALLS; i++)
		if (!hot_check(inst, &hot_calls[i], &got, &trap))
			fail(w, r, hot_calls[i].name, got, trap);
	got = (uint64_t)hot_bump(inst, 3, &trap);
	if (trap != KILN_TRAP_NONE || got != 3 * ((uint64_t)r + 1))
		fail(w, r, "bump", got, trap);
	atomic_fetch_add(&s->calls, HOT_NCALLS + 1);
}

/* Whether round r is to run: the first `rounds`; with until_tiered, then
 * more until every function has tiered up (or WAIT_SECONDS passed), then
 * `rounds` more, all in tier 1. */
typedef struct plan {
	unsigned until;
	bool waited;
	double end;
} plan;

static bool go_on(const shared *s, plan *p, unsigned r)
{
	if (r < p->until)
		return true;
	if (!s->until_tiered || p->waited)
		return false;
	if (kiln_engine_stats_of(s->engine).tiered_up >= HOT_NFUNCS || now() > p->end) {
		p->waited = true;
		p->until = r + s->rounds;
	}
	return true;
}

static void *run(void *arg)
{
	worker *w = arg;
	shared *s = w->shared;
	kiln_instance *inst = NULL;
	kiln_trap_kind trap;
	plan p = {s->rounds, false, now() + WAIT_SECONDS};

	if (kiln_instance_new(s->module, NULL, 0, &inst, &trap, NULL) != KILN_OK)
		fail(w, 0, "instantiation", 0, trap);
	worker_wait(w);
	for (unsigned r = 0; inst && go_on(s, &p, r); r++)
		round_of_calls(w, inst, r);
	kiln_instance_delete(inst);
	return NULL;
}

/* A cycle: an engine, a module, the threads; 0 when all went right. */
static unsigned cycle(const uint8_t *wasm, size_t len, kiln_tiering tiering, unsigned nthreads,
		      unsigned rounds, bool until_tiered)
{
	kiln_config cfg = kiln_config_default();
	shared s = {.rounds = rounds, .until_tiered = until_tiered};
	kiln_error err;

	cfg.tiering = tiering;
	cfg.tier_up_threshold = 1;
	if (kiln_engine_new(&cfg, &s.engine, &err) != KILN_OK ||
	    kiln_module_new(wasm, len, &s.module, &err) != KILN_OK ||
	    kiln_module_compile(s.engine, s.module, &err) != KILN_OK) {
		printf("setup: %s\n", err.message);
		return 1;
	}
	workers_run(nthreads, run, &s);
	kiln_engine_stats st = kiln_engine_stats_of(s.engine);
	printf("%u threads, %u calls checked, %u failures; %llu functions tiered up%s\n", nthreads,
	       atomic_load(&s.calls), atomic_load(&s.failures), (unsigned long long)st.tiered_up,
	       until_tiered ? " (waited for all)" : " when the module went");
	if (until_tiered && st.tiered_up != HOT_NFUNCS) {
		printf("only %llu of %d functions tiered up in %d s\n",
		       (unsigned long long)st.tiered_up, HOT_NFUNCS, WAIT_SECONDS);
		atomic_fetch_add(&s.failures, 1);
	}
	kiln_module_delete(s.module);
	kiln_engine_delete(s.engine);
	return atomic_load(&s.failures);
}

int main(int argc, char **argv)
{
	size_t len = 0;
	uint8_t *bytes = argc > 1 ? read_file(argv[1], &len) : NULL;
	unsigned nthreads = argc > 2 ? (unsigned)atoi(argv[2]) : 4;
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 10;
	unsigned cycles = argc > 4 ? (unsigned)atoi(argv[4]) : 4, failures = 0;
	const char *mode = argc > 5 ? argv[5] : "tiered";
	bool interp = strcmp(mode, "interp") == 0;

	if (!bytes || nthreads < 1 || nthreads > MAX_WORKERS || rounds < 1 || cycles < 1 ||
	    (!interp && strcmp(mode, "tiered") != 0)) {
		printf("usage: kiln-tierup-test HOT.wasm [THREADS 1..64] [ROUNDS] [CYCLES]"
		       " [tiered|interp]\n");
		return 2;
	}
	for (unsigned c = 0; c < cycles; c++)
		failures += cycle(bytes, len, interp ? KILN_TIERING_INTERP : KILN_TIERING_TIERED,
				  nthreads, rounds, c == 0);
	free(bytes);
	printf("%s\n", failures ? "FAILED" : "every call right while entries were swapped");
	return failures ? 1 : 0;
}
