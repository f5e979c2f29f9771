/*
 * fuzz_run.c — libFuzzer target: decode + validate + compile (JIT, -O0,
 * fuel metering) + instantiate (in a pool capping memories at 16 MiB and
 * tables at 10,000 elements; outside it, under the same limits, a module the
 * pool refuses: several memories; imports from "spectest") + call every exported
 * function with zero arguments, each with 100,000 units of fuel.  Traps
 * are outcomes; a crash, a hang, a leak or an error without a message is a
 * bug.  The outcome told to replay (outcome.h): the status and message of
 * the stage that failed, or on KILN_OK "N calls, T trapped" and the first
 * trap's message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kiln_engine *engine;
static kiln_pool *pool;
static kiln_linker *linker;
static kiln_instance *spectest;

static void setup(void)
{
	kiln_config cfg = kiln_config_default();
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_error err;

	/* spectest's print functions write to stdout; libFuzzer to stderr.
	 * Under replay, stdout is where the outcomes go. */
	if (!fuzz_outcome && !freopen("/dev/null", "w", stdout))
		abort();
	cfg.opt_level = 0;
	cfg.fuel_metering = true;
	cfg.stack_size = 256 << 10;
	cfg.max_memory_pages = 256;	/* the pool's limits, for instances outside it */
	cfg.max_table_elements = 10000;
	pc.max_instances = 4;
	pc.max_memory_pages = 256;
	pc.max_table_elements = 10000;
	if (kiln_engine_new(&cfg, &engine, &err) != KILN_OK ||
	    kiln_pool_new(&pc, &pool, &err) != KILN_OK || kiln_linker_new(&linker, &err) != KILN_OK ||
	    kiln_spectest_new(&spectest, &err) != KILN_OK ||
	    kiln_linker_define_instance(linker, "spectest", spectest, &err) != KILN_OK)
		abort();
}

static void call_exports(const kiln_module *m, kiln_instance *inst)
{
	unsigned calls = 0, traps = 0;
	char first[256] = "";

	for (size_t i = 0; i < kiln_module_export_count(m); i++) {
		kiln_export_info e = kiln_module_export(m, i);
		kiln_extern f;
		kiln_val args[64], results[64];
		kiln_error err;
		if (e.kind != KILN_EXTERN_FUNC || !kiln_instance_export(inst, e.name, &f))
			continue;
		const kiln_functype *t = kiln_extern_type(f).u.func;
		if (t->nparams > 64 || t->nresults > 64)
			continue;
		for (uint32_t p = 0; p < t->nparams; p++)
			args[p] = (kiln_val){.type = t->params[p]};
		kiln_instance_set_fuel(inst, 100000, NULL);
		calls++;
		if (kiln_func_call(f, args, t->nparams, results, t->nresults, NULL, &err) == KILN_OK)
			continue;
		if (err.status != KILN_ERR_TRAP && err.status != KILN_ERR_UNSUPPORTED &&
		    err.status != KILN_ERR_EXCEPTION)
			abort();
		if (traps++ == 0)
			snprintf(first, sizeof first, ": %.250s", err.message);
	}
	if (fuzz_outcome) {
		char summary[320];

		snprintf(summary, sizeof summary, "%u calls, %u trapped%.256s", calls, traps, first);
		fuzz_outcome(KILN_OK, summary);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kiln_module *m;
	kiln_instance_pre *pre;
	kiln_instance *inst = NULL;
	kiln_error err;

	if (!engine)
		setup();
	if (kiln_module_new(data, size, &m, &err) != KILN_OK) {
		if (fuzz_outcome)
			fuzz_outcome(err.status, err.message);
		return 0;
	}
	if (kiln_module_compile(engine, m, &err) == KILN_OK &&
	    kiln_linker_instantiate_pre(linker, m, &pre, &err) == KILN_OK) {
		kiln_status st = kiln_instance_pre_instantiate(pre, pool, &inst, NULL, &err);
		if (st == KILN_ERR_UNSUPPORTED)	/* several memories: not in a pool */
			st = kiln_instance_pre_instantiate(pre, NULL, &inst, NULL, &err);
		if (st == KILN_OK)
			call_exports(m, inst);
		else if (err.message[0] == 0)
			abort();
		else if (fuzz_outcome)
			fuzz_outcome(st, err.message);
		kiln_instance_delete(inst);
		kiln_instance_pre_delete(pre);
	} else if (fuzz_outcome) {
		fuzz_outcome(err.status, err.message);
	}
	kiln_module_delete(m);
	return 0;
}
