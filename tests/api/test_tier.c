/*
 * test_tier.c — tiered compilation through the public API.  hot.wat's
 * functions, run on an engine that tiers up (threshold 1: on the first
 * call; threshold 10: within one long call, by loop back-edges), give
 * what they must (hot.h) in tier 0, then the background threads compile
 * them at tier 1 and repoint their entries, and they give the same again —
 * an instance made before the swap keeps its state across it; so they do
 * tiered up through the light pipeline (tier_up_light_body 1: every
 * function is over it; by default none of these small ones is).  Engines
 * at tier 0 only and tier 1 only give the same and never tier up.  The
 * statistics say which tier compiled what, and through which pipeline.
 *
 * kiln-tier-test HOT.wasm
 */
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "hot.h"

/* How long the background threads may take to tier everything up: a
 * bound for a loaded machine (or ThreadSanitizer), not an expectation. */
enum { WAIT_SECONDS = 30 };

static const uint8_t *wasm;
static size_t wasm_len;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static kiln_engine *engine(kiln_tiering tiering, uint32_t threshold, uint32_t light_body)
{
	kiln_config cfg = kiln_config_default();
	kiln_engine *e = NULL;
	kiln_error err;

	cfg.tiering = tiering;
	cfg.tier_up_threshold = threshold;
	cfg.tier_up_light_body = light_body;
	if (kiln_engine_new(&cfg, &e, &err) != KILN_OK)
		printf("engine: %s\n", err.message);
	return e;
}

static kiln_module *module(kiln_engine *e)
{
	kiln_module *m = NULL;
	kiln_error err;

	if (kiln_module_new(wasm, wasm_len, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK) {
		printf("module: %s\n", err.message);
		kiln_module_delete(m);
		return NULL;
	}
	return m;
}

static kiln_instance *instance(kiln_module *m)
{
	kiln_instance *inst = NULL;
	kiln_trap_kind trap;
	kiln_error err;

	if (kiln_instance_new(m, NULL, 0, &inst, &trap, &err) != KILN_OK)
		printf("instance: %s\n", err.message);
	return inst;
}

/* Every call of hot.h on inst, each checked; `when` names the run. */
static void run_calls(kiln_instance *inst, const char *when)
{
	for (int i = 0; i < HOT_NCALLS; i++) {
		const hot_call *c = &hot_calls[i];
		kiln_trap_kind trap;
		uint64_t got;

		CHECK(hot_check(inst, c, &got, &trap), "%s: call %d (%s) gave 0x%llx, trap %d",
		      when, i, c->name, (unsigned long long)got, (int)trap);
	}
}

/* Waits until at least n functions have tiered up; their count. */
static uint64_t wait_tiered_up(kiln_engine *e, uint64_t n)
{
	uint64_t up = 0;

	for (double end = now() + WAIT_SECONDS; now() < end; usleep(1000))
		if ((up = kiln_engine_stats_of(e).tiered_up) >= n)
			break;
	return up;
}

/* One tier only: every call right, each function compiled once at that
 * tier, nothing tiered up — also a while later (no background work) — and
 * nothing through the light pipeline, though every function is over
 * tier_up_light_body: it is for tier-ups only. */
static void one_tier(kiln_tiering tiering, const char *what)
{
	kiln_engine *e = engine(tiering, 1, 1);
	kiln_module *m = e ? module(e) : NULL;
	kiln_instance *inst = m ? instance(m) : NULL;
	kiln_trap_kind trap;

	CHECK(inst != NULL, "%s: set-up failed", what);
	if (inst) {
		run_calls(inst, what);
		CHECK(hot_bump(inst, 5, &trap) == 5 && hot_bump(inst, 6, &trap) == 11, "%s: bump",
		      what);
		usleep(200 * 1000);
		run_calls(inst, what);
		kiln_engine_stats s = kiln_engine_stats_of(e);
		uint64_t t0 = tiering == KILN_TIERING_TIER0 ? HOT_NFUNCS : 0;
		printf("%s: %llu functions at tier 0, %llu at tier 1, %llu tiered up\n", what,
		       (unsigned long long)s.tier0_functions, (unsigned long long)s.tier1_functions,
		       (unsigned long long)s.tiered_up);
		CHECK(s.tier0_functions == t0 && s.tier1_functions == HOT_NFUNCS - t0 &&
		      s.tiered_up == 0 && s.tiered_up_light == 0, "%s: statistics", what);
	}
	kiln_instance_delete(inst);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}

/* Threshold 1: every function is queued for tier 1 on its first call,
 * which runs in tier 0; once all are swapped, the same calls again, on the
 * instance made before and on a new one.  light_body: the engine's
 * tier_up_light_body; light: whether every tier-up, or none, goes through
 * the light pipeline. */
static void tier_up_on_first_call(uint32_t light_body, bool light)
{
	kiln_engine *e = engine(KILN_TIERING_TIERED, 1, light_body);
	kiln_module *m = e ? module(e) : NULL;
	kiln_instance *before = m ? instance(m) : NULL, *after;
	kiln_trap_kind trap;

	CHECK(before != NULL, "threshold 1: set-up failed");
	if (!before)
		goto out;
	run_calls(before, "threshold 1, tier 0");
	CHECK(hot_bump(before, 5, &trap) == 5, "threshold 1: bump in tier 0");
	uint64_t up = wait_tiered_up(e, HOT_NFUNCS);
	CHECK(up == HOT_NFUNCS, "threshold 1: %llu of %d tiered up after %d s",
	      (unsigned long long)up, HOT_NFUNCS, WAIT_SECONDS);
	run_calls(before, "threshold 1, tier 1, same instance");
	CHECK(hot_bump(before, 6, &trap) == 11, "threshold 1: bump's total lost in the swap");
	after = instance(m);
	if (after)
		run_calls(after, "threshold 1, tier 1, new instance");
	kiln_instance_delete(after);
	kiln_engine_stats s = kiln_engine_stats_of(e);
	printf("threshold 1, light body %u: %llu functions at tier 0 in %.1f ms, %llu at tier 1 "
	       "in %.1f ms, %llu tiered up, %llu light\n", light_body,
	       (unsigned long long)s.tier0_functions, s.tier0_seconds * 1e3,
	       (unsigned long long)s.tier1_functions, s.tier1_seconds * 1e3,
	       (unsigned long long)s.tiered_up, (unsigned long long)s.tiered_up_light);
	CHECK(s.tier0_functions == HOT_NFUNCS && s.tier1_functions == HOT_NFUNCS &&
	      s.tiered_up == HOT_NFUNCS, "threshold 1: statistics");
	CHECK(s.tiered_up_light == (light ? HOT_NFUNCS : 0),
	      "threshold 1, light body %u: %llu light tier-ups", light_body,
	      (unsigned long long)s.tiered_up_light);
	CHECK(s.tier0_seconds > 0 && s.tier1_seconds > 0, "threshold 1: compile times");
out:
	kiln_instance_delete(before);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}

/* Threshold 10: one call of hash(100000) runs its loop (and sq and rot,
 * 50,000 calls each) far past the threshold; the call finishes in tier 0
 * and the next ones run tier 1.  bump, called once, stays in tier 0. */
static void tier_up_in_a_loop(void)
{
	const hot_call *hash = &hot_calls[5];
	kiln_engine *e = engine(KILN_TIERING_TIERED, 10, 0);
	kiln_module *m = e ? module(e) : NULL;
	kiln_instance *inst = m ? instance(m) : NULL;
	kiln_trap_kind trap;
	uint64_t got;

	CHECK(inst != NULL, "threshold 10: set-up failed");
	if (!inst)
		goto out;
	CHECK(hot_check(inst, hash, &got, &trap), "threshold 10: hash in tier 0 gave 0x%llx",
	      (unsigned long long)got);
	uint64_t up = wait_tiered_up(e, 3);
	CHECK(up == 3, "threshold 10: %llu tiered up, not hash, sq and rot",
	      (unsigned long long)up);
	CHECK(hot_check(inst, hash, &got, &trap), "threshold 10: hash in tier 1 gave 0x%llx",
	      (unsigned long long)got);
	run_calls(inst, "threshold 10");
	CHECK(hot_bump(inst, 5, &trap) == 5, "threshold 10: bump");
	CHECK(kiln_engine_stats_of(e).tier0_functions == HOT_NFUNCS,
	      "threshold 10: not every function compiled at tier 0 first");
out:
	kiln_instance_delete(inst);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}

int main(int argc, char **argv)
{
	uint8_t *bytes = argc > 1 ? read_file(argv[1], &wasm_len) : NULL;

	if (!bytes) {
		printf("usage: kiln-tier-test HOT.wasm\n");
		return 2;
	}
	wasm = bytes;
	one_tier(KILN_TIERING_TIER0, "tier 0 only");
	one_tier(KILN_TIERING_TIER1, "tier 1 only");
	tier_up_on_first_call(0, false);
	tier_up_on_first_call(1, true);
	tier_up_in_a_loop();
	free(bytes);
	printf("%s\n", failures ? "FAILED" : "the same results in every tier, before and "
	       "after every swap");
	return failures ? 1 : 0;
}
