/*
 * test_epoch.c — epoch interruption: a call of code compiled with the
 * checks traps "interrupted" once the epoch reaches its instance's
 * deadline (a loop's header and a function entry both check), returns
 * normally otherwise, and other instances are not disturbed; under the JIT
 * and from an artifact.  Code compiled without the checks refuses a
 * deadline.  A thread's deadline (kiln_thread_set_epoch_deadline) bounds
 * the start function of the instances made on it, stays with them, and
 * does not reach other threads; it ends a WASI call blocked in
 * poll_oneoff (a 30 s sleep) too.
 *
 * kiln-epoch-test SPIN.wasm START.wasm BLOCK.wasm (tests/cli/deadline_*.wat)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"



static kiln_trap_kind call(kiln_instance *inst, const char *name, int32_t arg, int32_t *out)
{
	kiln_extern f;
	kiln_val a = {KILN_I32, {.i32 = arg}}, r;
	kiln_trap_info t;
	const char *no_arg = "spin";

	if (!kiln_instance_export(inst, (kiln_name){name, strlen(name)}, &f))
		return KILN_TRAP_KIND_COUNT_;
	bool none = !strcmp(name, no_arg);
	kiln_status st = kiln_func_call(f, &a, none ? 0 : 1, &r, none ? 0 : 1, &t, NULL);
	if (st == KILN_OK) {
		if (!none)
			*out = r.of.i32;
		return KILN_TRAP_NONE;
	}
	return st == KILN_ERR_TRAP ? t.kind : KILN_TRAP_KIND_COUNT_;
}

/* Moves the epoch every millisecond until told to stop. */
static atomic_int ticking;

static void *ticker(void *arg)
{
	(void)arg;
	while (ticking) {
		kiln_epoch_increment();
		usleep(1000);
	}
	return NULL;
}

static void exercise(kiln_module *m, const char *what)
{
	kiln_instance *a, *b;
	kiln_trap_kind trap;
	kiln_error err;
	pthread_t t;
	int32_t v = -1;
	char msg[128];

	if (kiln_instance_new(m, NULL, 0, &a, &trap, &err) != KILN_OK ||
	    kiln_instance_new(m, NULL, 0, &b, &trap, &err) != KILN_OK) {
		printf("FAIL: %s: instantiate: %s\n", what, err.message);
		failures++;
		return;
	}
	snprintf(msg, sizeof msg, "%s: no deadline: count(1000) returns", what);
	CHECK(call(a, "count", 1000, &v) == KILN_TRAP_NONE && v == 1000, "%s", msg);
	/* Deadline now: the first check traps, a loop's or an entry's. */
	kiln_instance_set_epoch_deadline(a, 0, NULL);
	snprintf(msg, sizeof msg, "%s: deadline passed: count traps", what);
	CHECK(call(a, "count", 5, &v) == KILN_TRAP_INTERRUPTED, "%s", msg);
	snprintf(msg, sizeof msg, "%s: deadline passed: a loopless call traps", what);
	CHECK(call(a, "down", 3, &v) == KILN_TRAP_INTERRUPTED, "%s", msg);
	/* A loop that never ends, ended by the ticker; b, with no deadline,
	 * counts meanwhile undisturbed. */
	kiln_instance_set_epoch_deadline(a, 20, NULL);
	ticking = 1;
	pthread_create(&t, NULL, ticker, NULL);
	snprintf(msg, sizeof msg, "%s: spin() is interrupted", what);
	CHECK(call(a, "spin", 0, &v) == KILN_TRAP_INTERRUPTED, "%s", msg);
	snprintf(msg, sizeof msg, "%s: another instance is not", what);
	CHECK(call(b, "count", 50000000, &v) == KILN_TRAP_NONE && v == 50000000, "%s", msg);
	ticking = 0;
	pthread_join(t, NULL);
	/* After a trap the instance runs again with a new deadline. */
	kiln_instance_set_epoch_deadline(a, UINT64_MAX, NULL);
	snprintf(msg, sizeof msg, "%s: deadline lifted: down(100) returns", what);
	CHECK(call(a, "down", 100, &v) == KILN_TRAP_NONE && v == 0, "%s", msg);
	printf("%s: interrupted a loop, a loopless call and spin(); others undisturbed\n", what);
	kiln_instance_delete(a);
	kiln_instance_delete(b);
}

static void start_ticker(pthread_t *t)
{
	ticking = 1;
	pthread_create(t, NULL, ticker, NULL);
}

static void stop_ticker(pthread_t t)
{
	ticking = 0;
	pthread_join(t, NULL);
}

/* count(1000) in a new instance of `spin` made on this thread. */
static void *count_here(void *spin)
{
	kiln_instance *inst = NULL;
	int32_t v = -1;
	kiln_trap_kind trap;

	if (kiln_instance_new(spin, NULL, 0, &inst, &trap, NULL) == KILN_OK)
		call(inst, "count", 1000, &v);
	kiln_instance_delete(inst);
	return (void *)(intptr_t)v;
}

static void thread_deadline(kiln_module *start, kiln_module *spin, const char *what)
{
	kiln_instance *inst = NULL;
	kiln_trap_kind trap = KILN_TRAP_NONE;
	kiln_status st;
	pthread_t t, other;
	void *v;
	int32_t n = -1;

	start_ticker(&t);
	kiln_thread_set_epoch_deadline(20);
	st = kiln_instance_new(start, NULL, 0, &inst, &trap, NULL);
	CHECK(st == KILN_ERR_TRAP && trap == KILN_TRAP_INTERRUPTED,
	      "%s: a start function that loops is interrupted (status %d, trap %d)", what, st, trap);
	kiln_instance_delete(inst);
	inst = NULL;
	/* An instance made under it keeps it for its calls. */
	kiln_thread_set_epoch_deadline(20);
	CHECK(kiln_instance_new(spin, NULL, 0, &inst, &trap, NULL) == KILN_OK &&
	      call(inst, "spin", 0, &n) == KILN_TRAP_INTERRUPTED,
	      "%s: the instance's calls keep the thread's deadline", what);
	kiln_instance_delete(inst);
	stop_ticker(t);
	/* Lifted: new instances have none. */
	kiln_thread_set_epoch_deadline(UINT64_MAX);
	CHECK(kiln_instance_new(spin, NULL, 0, &inst, &trap, NULL) == KILN_OK &&
	      call(inst, "count", 1000, &n) == KILN_TRAP_NONE && n == 1000,
	      "%s: no deadline after UINT64_MAX", what);
	kiln_instance_delete(inst);
	/* Thread-local: a passed deadline here does not reach another thread. */
	kiln_thread_set_epoch_deadline(0);
	pthread_create(&other, NULL, count_here, spin);
	pthread_join(other, &v);
	CHECK((intptr_t)v == 1000, "%s: another thread's instances have no deadline", what);
	CHECK((intptr_t)count_here(spin) == -1, "%s: this thread's have", what);
	kiln_thread_set_epoch_deadline(UINT64_MAX);
	printf("%s: a thread's deadline bounds start functions and stays on its thread\n", what);
}

/* A WASI poll_oneoff sleeping 30 s ends at the deadline, long before. */
static void blocking_wasi(kiln_module *block)
{
	kiln_wasi_config wc = {0};
	kiln_instance *wasi = NULL, *inst = NULL;
	kiln_linker *l = NULL;
	kiln_trap_kind trap;
	kiln_trap_info ti;
	kiln_error err;
	struct timespec t0, t1;
	pthread_t t;

	kiln_thread_set_epoch_deadline(200);	/* ~200 ms of 1 ms ticks */
	if (kiln_wasi_new(&wc, &wasi, &err) != KILN_OK || kiln_linker_new(&l, &err) != KILN_OK ||
	    kiln_linker_define_instance(l, "wasi_snapshot_preview1", wasi, &err) != KILN_OK ||
	    kiln_linker_instantiate(l, block, &inst, &trap, &err) != KILN_OK) {
		CHECK(0, "WASI setup: %s", err.message);
		goto out;
	}
	kiln_thread_set_epoch_deadline(UINT64_MAX);
	kiln_wasi_set_memory(wasi, export(inst, "memory"));
	start_ticker(&t);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kiln_status st = kiln_func_call(export(inst, "sleep"), NULL, 0, NULL, 0, &ti, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stop_ticker(t);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(st == KILN_ERR_TRAP && ti.kind == KILN_TRAP_INTERRUPTED && s < 5,
	      "poll_oneoff of 30 s under a deadline: status %d after %.2f s", st, s);
	printf("poll_oneoff of 30 s: interrupted after %.2f s\n", s);
out:
	kiln_thread_set_epoch_deadline(UINT64_MAX);
	kiln_instance_delete(inst);
	kiln_linker_delete(l);
	kiln_instance_delete(wasi);
}

int main(int argc, char **argv)
{
	size_t len = 0, alen = 0;
	uint8_t *bytes = argc > 1 ? read_file(argv[1], &len) : NULL, *art = NULL;
	kiln_config cfg = kiln_config_default();
	kiln_engine *e, *plain;
	kiln_module *m, *pm, *loaded;
	kiln_instance *inst;
	kiln_trap_kind trap;
	kiln_error err;

	size_t slen = 0, blen = 0;
	uint8_t *sbytes = argc > 3 ? read_file(argv[2], &slen) : NULL;
	uint8_t *bbytes = argc > 3 ? read_file(argv[3], &blen) : NULL, *sart = NULL;
	kiln_module *start, *block, *sloaded;

	if (!bytes || !sbytes || !bbytes)
		return printf("usage: kiln-epoch-test SPIN.wasm START.wasm BLOCK.wasm\n"), 2;
	cfg.epoch_interruption = true;
	if (kiln_engine_new(&cfg, &e, &err) != KILN_OK || kiln_engine_new(NULL, &plain, &err) ||
	    kiln_module_new(bytes, len, &m, &err) != KILN_OK ||
	    kiln_module_new(bytes, len, &pm, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_module_compile(plain, pm, &err) != KILN_OK ||
	    kiln_module_serialize(e, m, &art, &alen, &err) != KILN_OK ||
	    kiln_module_load(art, alen, &loaded, &err) != KILN_OK ||
	    kiln_module_new(sbytes, slen, &start, &err) != KILN_OK ||
	    kiln_module_compile(e, start, &err) != KILN_OK ||
	    kiln_module_serialize(e, start, &sart, &alen, &err) != KILN_OK ||
	    kiln_module_load(sart, alen, &sloaded, &err) != KILN_OK ||
	    kiln_module_new(bbytes, blen, &block, &err) != KILN_OK ||
	    kiln_module_compile(e, block, &err) != KILN_OK) {
		printf("setup: %s\n", err.message);
		return 1;
	}
	exercise(m, "JIT");
	exercise(loaded, "AOT");
	thread_deadline(start, m, "JIT");
	thread_deadline(sloaded, loaded, "AOT");
	blocking_wasi(block);
	/* Without the checks a deadline is refused, not ignored. */
	if (kiln_instance_new(pm, NULL, 0, &inst, &trap, &err) == KILN_OK) {
		CHECK(kiln_instance_set_epoch_deadline(inst, 0, &err) == KILN_ERR_UNSUPPORTED,
		      "a deadline for code without checks is refused");
		printf("no checks: %s\n", err.message);
		kiln_instance_delete(inst);
	}
	kiln_module_delete(loaded);
	kiln_module_delete(sloaded);
	kiln_module_delete(start);
	kiln_module_delete(block);
	kiln_module_delete(m);
	kiln_module_delete(pm);
	kiln_engine_delete(e);
	kiln_engine_delete(plain);
	free(art);
	free(sart);
	free(bytes);
	free(sbytes);
	free(bbytes);
	printf("%s\n", failures ? "FAILED" : "epoch interruption works");
	return failures ? 1 : 0;
}
