/*
 * test_epoch.c — epoch interruption: a call of code compiled with the
 * checks traps "interrupted" once the epoch reaches its instance's
 * deadline (a loop's header and a function entry both check), returns
 * normally otherwise, and other instances are not disturbed; under the JIT
 * and from an artifact.  Code compiled without the checks refuses a
 * deadline.
 *
 * kiln-epoch-test SPIN.wasm
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

	if (!bytes)
		return printf("usage: kiln-epoch-test SPIN.wasm\n"), 2;
	cfg.epoch_interruption = true;
	if (kiln_engine_new(&cfg, &e, &err) != KILN_OK || kiln_engine_new(NULL, &plain, &err) ||
	    kiln_module_new(bytes, len, &m, &err) != KILN_OK ||
	    kiln_module_new(bytes, len, &pm, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_module_compile(plain, pm, &err) != KILN_OK ||
	    kiln_module_serialize(e, m, &art, &alen, &err) != KILN_OK ||
	    kiln_module_load(art, alen, &loaded, &err) != KILN_OK) {
		printf("setup: %s\n", err.message);
		return 1;
	}
	exercise(m, "JIT");
	exercise(loaded, "AOT");
	/* Without the checks a deadline is refused, not ignored. */
	if (kiln_instance_new(pm, NULL, 0, &inst, &trap, &err) == KILN_OK) {
		CHECK(kiln_instance_set_epoch_deadline(inst, 0, &err) == KILN_ERR_UNSUPPORTED,
		      "a deadline for code without checks is refused");
		printf("no checks: %s\n", err.message);
		kiln_instance_delete(inst);
	}
	kiln_module_delete(loaded);
	kiln_module_delete(m);
	kiln_module_delete(pm);
	kiln_engine_delete(e);
	kiln_engine_delete(plain);
	free(art);
	free(bytes);
	printf("%s\n", failures ? "FAILED" : "epoch interruption works");
	return failures ? 1 : 0;
}
