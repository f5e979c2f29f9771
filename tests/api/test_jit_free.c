/*
 * test_jit_free.c — a module's JIT code goes with the module, not with the
 * engine: one engine compiles, runs and deletes 2,000 modules (each body
 * compiled lazily into code memory registered with the trap handler).
 * Every one must work — the trap handler's 4,096 code ranges were once
 * exhausted after ~170 modules, found by the differential tester — and
 * the RSS must stay flat (not checked under AddressSanitizer, whose
 * quarantine holds freed memory; its leak check stands in).  The modules differ (a constant), so nothing is
 * shared between them.
 *
 * The engine's JIT links all code into one region (kiln_config.jit_memory):
 * an engine whose region holds a few modules' code at a time runs 600
 * modules one after another (freed ranges are reused), and one whose
 * region cannot hold a single compilation fails that call with
 * KILN_TRAP_COMPILE_FAILED and says why — the process goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

/* (func (export "f") (result i32) (call $g)) (func $g (result i32) (i32.const K))
 * with 0 <= K < 64 (one LEB128 byte), and a trap: (func (export "t") unreachable). */
static size_t module(uint8_t *b, int k)
{
	static const uint8_t head[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 8, 2, 0x60, 0, 1, 0x7f, 0x60, 0, 0,		/* types: ()->i32, ()->() */
		3, 4, 3, 0, 0, 1,				/* funcs */
		7, 9, 2, 1, 'f', 0, 0, 1, 't', 0, 2,		/* exports f, t */
		10, 15, 3, 4, 0, 0x10, 1, 0x0b,			/* code: call 1 */
		4, 0, 0x41, 0, 0x0b,				/* i32.const K */
		3, 0, 0x00, 0x0b,				/* unreachable */
	};
	memcpy(b, head, sizeof head);
	b[sizeof head - 6] = (uint8_t)k;
	return sizeof head;
}

/* Compiles, runs and deletes module i; false when it could not be made. */
static bool run_module(kiln_engine *e, int i)
{
	uint8_t b[128];
	size_t len = module(b, i % 60);
	kiln_module *m;
	kiln_instance *inst;
	kiln_val r;
	kiln_trap_info t;
	kiln_error err;

	if (kiln_module_new(b, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_instance_new(m, NULL, 0, &inst, NULL, &err) != KILN_OK) {
		CHECK(0, "module %d: %s", i, err.message);
		return false;
	}
	CHECK(kiln_func_call(export(inst, "f"), NULL, 0, &r, 1, NULL, &err) == KILN_OK &&
	      r.of.i32 == i % 60, "module %d: f: %s", i, err.message);
	CHECK(kiln_func_call(export(inst, "t"), NULL, 0, NULL, 0, &t, &err) == KILN_ERR_TRAP &&
	      t.kind == KILN_TRAP_UNREACHABLE, "module %d: the trap", i);
	kiln_instance_delete(inst);
	kiln_module_delete(m);
	return true;
}

static void many_modules(void)
{
	kiln_engine *e;
	kiln_error err;
	long rss_warm = 0;
	enum { N = 2000 };

	if (kiln_engine_new(NULL, &e, &err) != KILN_OK) {
		CHECK(0, "engine: %s", err.message);
		return;
	}
	for (int i = 0; i < N && failures <= 5 && run_module(e, i); i++)
		if (i == 500)
			rss_warm = rss_kb();
	long rss_end = rss_kb();
	printf("RSS after 500 modules %ld KiB, after %d %ld KiB\n", rss_warm, N, rss_end);
#ifndef __SANITIZE_ADDRESS__	/* ASan's quarantine keeps freed memory resident */
	CHECK(rss_end - rss_warm < 16 * 1024, "RSS grew by %ld KiB", rss_end - rss_warm);
#endif
	kiln_engine_delete(e);
}

/* 256 KiB: 64 pages, each module's code takes about six (two per
 * function compiled, and no more than ten modules' worth at once). */
static void small_region(void)
{
	kiln_config c = kiln_config_default();
	kiln_engine *e;
	kiln_error err;

	c.jit_memory = 256 * 1024;
	if (kiln_engine_new(&c, &e, &err) != KILN_OK) {
		CHECK(0, "engine with 256 KiB of JIT memory: %s", err.message);
		return;
	}
	for (int i = 0; i < 600 && failures <= 5 && run_module(e, i); i++)
		;
	char msg[256];
	CHECK(kiln_engine_compile_error(e, msg, sizeof msg) == 0,
	      "256 KiB of JIT memory: a compilation failed: %s", msg);
	kiln_engine_delete(e);
}

/* One page: the first compilation needs code and read-only data. */
static void full_region(void)
{
	kiln_config c = kiln_config_default();
	kiln_engine *e;
	kiln_module *m;
	kiln_instance *inst;
	kiln_trap_info t;
	kiln_error err;
	kiln_val r;
	uint8_t b[128];
	size_t len = module(b, 7);
	char msg[256] = "";

	c.jit_memory = KILN_JIT_MEMORY_MAX + 1;
	CHECK(kiln_engine_new(&c, &e, &err) == KILN_ERR_ARG && e == NULL,
	      "jit_memory over KILN_JIT_MEMORY_MAX accepted");
	c.jit_memory = 4096;
	if (kiln_engine_new(&c, &e, &err) != KILN_OK) {
		CHECK(0, "engine with one page of JIT memory: %s", err.message);
		return;
	}
	if (kiln_module_new(b, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_instance_new(m, NULL, 0, &inst, NULL, &err) != KILN_OK) {
		CHECK(0, "one page of JIT memory: %s", err.message);
		kiln_engine_delete(e);
		return;
	}
	for (int k = 0; k < 2; k++) {
		CHECK(kiln_func_call(export(inst, "f"), NULL, 0, &r, 1, &t, &err) == KILN_ERR_TRAP &&
		      t.kind == KILN_TRAP_COMPILE_FAILED,
		      "one page of JIT memory: call %d did not fail to compile", k);
	}
	kiln_engine_compile_error(e, msg, sizeof msg);
	CHECK(strstr(msg, "out of JIT memory") != NULL, "the compile error: '%s'", msg);
	kiln_instance_delete(inst);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}

int main(void)
{
	many_modules();
	small_region();
	full_region();
	if (failures == 0)
		printf("JIT code freed with its module: all checks passed\n");
	return failures ? 1 : 0;
}
