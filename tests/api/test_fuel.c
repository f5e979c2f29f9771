/*
 * test_fuel.c — fuel metering: code compiled with it charges a fixed cost
 * per function entry and loop iteration, the same under the JIT and from
 * an artifact: count(n) of fuel.wat costs exactly 12 + 12n; an endless
 * loop ends with "all fuel consumed" and nothing left, and the instance
 * runs again once refuelled; code without metering refuses fuel; an
 * instance starts with the fuel kiln_thread_set_fuel gave its thread.
 *
 * kiln-fuel-test FUEL.wasm
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

/* The fuel count(n) consumes, or UINT64_MAX when it did not return n. */
static uint64_t cost(kiln_instance *inst, int32_t n)
{
	kiln_val a = {KILN_I32, {.i32 = n}}, r;
	uint64_t left;
	kiln_error err;

	if (kiln_instance_set_fuel(inst, 1000000, &err) != KILN_OK ||
	    kiln_func_call(export(inst, "count"), &a, 1, &r, 1, NULL, &err) != KILN_OK ||
	    r.of.i32 != n || kiln_instance_get_fuel(inst, &left, &err) != KILN_OK)
		return UINT64_MAX;
	return 1000000 - left;
}

static kiln_instance *instantiate(kiln_module *m)
{
	kiln_instance *inst = NULL;
	kiln_error err;

	if (kiln_instance_new(m, NULL, 0, &inst, NULL, &err) != KILN_OK)
		printf("instantiate: %s\n", err.message);
	return inst;
}

/* count(n)'s cost, 12 + 12n: one unit per operator, charged as a function
 * or a loop iteration begins for the operators up to its end — count's
 * body and a last loop check, then per iteration the loop's body and
 * $inner's (the README's figure: a change in the charging shows here). */
static uint64_t count_cost(uint64_t n)
{
	return 12 + 12 * n;
}

static void check_metered(kiln_module *m, const char *how)
{
	kiln_instance *inst = instantiate(m);
	kiln_trap_info t;
	kiln_error err;
	uint64_t c0, c1, c10, left;

	if (!inst) {
		failures++;
		return;
	}
	c0 = cost(inst, 0), c1 = cost(inst, 1), c10 = cost(inst, 10);
	printf("%s: count(0) %" PRIu64 ", count(1) %" PRIu64 ", count(10) %" PRIu64 "\n", how, c0,
	       c1, c10);
	CHECK(c0 != UINT64_MAX && c1 > c0 && c10 - c0 == 10 * (c1 - c0),
	      "%s: not a fixed cost per iteration", how);
	CHECK(c0 == count_cost(0) && c1 == count_cost(1) && c10 == count_cost(10),
	      "%s: count(n) does not cost 12 + 12n", how);
	/* Too little fuel for the loop: trapped, and nothing left. */
	kiln_val a = {KILN_I32, {.i32 = 1000}}, r;
	kiln_instance_set_fuel(inst, c10, &err);
	CHECK(kiln_func_call(export(inst, "count"), &a, 1, &r, 1, &t, &err) == KILN_ERR_TRAP &&
	      t.kind == KILN_TRAP_OUT_OF_FUEL && !strcmp(kiln_trap_message(t.kind), "all fuel consumed"),
	      "%s: count(1000) on count(10)'s fuel", how);
	CHECK(kiln_instance_get_fuel(inst, &left, &err) == KILN_OK && left == 0,
	      "%s: fuel left after the trap: %" PRIu64, how, left);
	kiln_instance_set_fuel(inst, 100000, &err);
	CHECK(kiln_func_call(export(inst, "spin"), NULL, 0, NULL, 0, &t, &err) == KILN_ERR_TRAP &&
	      t.kind == KILN_TRAP_OUT_OF_FUEL, "%s: an endless loop ends", how);
	CHECK(cost(inst, 10) == c10, "%s: refuelled, the instance runs the same", how);
	CHECK(kiln_instance_set_fuel(inst, (uint64_t)INT64_MAX + 1, &err) == KILN_ERR_ARG,
	      "%s: fuel over INT64_MAX refused", how);
	kiln_instance_delete(inst);
	/* The thread's fuel: instances start with it (their start function
	 * would run on it), until it is reset. */
	kiln_thread_set_fuel(c10);
	inst = instantiate(m);
	CHECK(inst && kiln_instance_get_fuel(inst, &left, &err) == KILN_OK && left == c10,
	      "%s: an instance made under kiln_thread_set_fuel starts with it", how);
	kiln_instance_delete(inst);
	kiln_thread_set_fuel(UINT64_MAX);
	inst = instantiate(m);
	CHECK(inst && kiln_instance_get_fuel(inst, &left, &err) == KILN_OK && left == INT64_MAX,
	      "%s: the thread's fuel reset", how);
	kiln_instance_delete(inst);
}

int main(int argc, char **argv)
{
	kiln_config cfg = kiln_config_default();
	kiln_engine *metered, *plain;
	kiln_module *m, *aot, *unmetered;
	kiln_instance *inst;
	kiln_error err;
	uint8_t *bytes, *art;
	size_t len, art_len;
	uint64_t left;

	if (argc != 2 || !(bytes = read_file(argv[1], &len))) {
		fprintf(stderr, "usage: kiln-fuel-test FUEL.wasm\n");
		return 2;
	}
	cfg.fuel_metering = true;
	if (kiln_engine_new(&cfg, &metered, &err) != KILN_OK ||
	    kiln_engine_new(NULL, &plain, &err) != KILN_OK ||
	    kiln_module_new(bytes, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(metered, m, &err) != KILN_OK ||
	    kiln_module_serialize(metered, m, &art, &art_len, &err) != KILN_OK ||
	    kiln_module_load(art, art_len, &aot, &err) != KILN_OK ||
	    kiln_module_new(bytes, len, &unmetered, &err) != KILN_OK ||
	    kiln_module_compile(plain, unmetered, &err) != KILN_OK) {
		fprintf(stderr, "setup: %s\n", err.message);
		return 1;
	}
	check_metered(m, "JIT");
	check_metered(aot, "AOT");
	if ((inst = instantiate(unmetered))) {
		CHECK(kiln_instance_set_fuel(inst, 10, &err) == KILN_ERR_UNSUPPORTED &&
		      kiln_instance_get_fuel(inst, &left, &err) == KILN_ERR_UNSUPPORTED,
		      "code without metering refuses fuel");
		kiln_instance_delete(inst);
	}
	kiln_module_delete(m);
	kiln_module_delete(aot);
	kiln_module_delete(unmetered);
	kiln_engine_delete(metered);
	kiln_engine_delete(plain);
	free(art);
	free(bytes);
	if (failures == 0)
		printf("fuel metering: all checks passed\n");
	return failures ? 1 : 0;
}
