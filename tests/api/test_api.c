/*
 * test_api.c — compiled code through the public API only: every trap
 * kind a call can end with, 10,000 times each, leaves the process and the
 * instance working — those of traps.wat's code (stack exhaustion too),
 * and an epoch deadline, fuel running out, a host function's trap and
 * WASI proc_exit (a module of imports below).  A JIT compile failure
 * (KILN_TRAP_COMPILE_FAILED) needs the process-wide test knob
 * KILN_JIT_CODE_LIMIT: cli_compile_cost forces it.
 *
 *   kiln-api-test TRAPS.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

static kiln_trap_info last_trap;


static kiln_trap_kind call(kiln_instance *inst, const char *name, kiln_val *args,
			   size_t nargs, kiln_val *result)
{
	kiln_trap_info trap;
	kiln_error err;
	kiln_val res[1];
	kiln_status st = kiln_func_call(export(inst, name), args, nargs, res, 1, &trap, &err);

	if (st != KILN_OK && st != KILN_ERR_TRAP)
		printf("call %s: %s\n", name, err.message);
	if (result)
		*result = res[0];
	last_trap = trap;
	return trap.kind;
}

/* "grow" of module `mod` under an engine of config cfg: each delta's
 * result (an i32 or, for a 64-bit memory, an i64) must be want's. */
static void grow_under(const kiln_config *cfg, const uint8_t *mod, size_t len, bool is64,
		       const int64_t *delta, const int64_t *want, int n)
{
	kiln_error err;
	kiln_trap_kind trap;
	kiln_engine *e;
	kiln_module *gm;
	kiln_instance *gi;
	kiln_val arg, v;

	if (kiln_engine_new(cfg, &e, &err) != KILN_OK ||
	    kiln_module_new(mod, len, &gm, &err) != KILN_OK ||
	    kiln_module_compile(e, gm, &err) != KILN_OK ||
	    kiln_instance_new(gm, NULL, 0, &gi, &trap, &err) != KILN_OK) {
		CHECK(false, "memory limit setup: %s", err.message);
		return;
	}
	for (int i = 0; i < n; i++) {
		arg = is64 ? (kiln_val){KILN_I64, {.i64 = delta[i]}}
			   : (kiln_val){KILN_I32, {.i32 = (int32_t)delta[i]}};
		call(gi, "grow", &arg, 1, &v);
		int64_t got = is64 ? v.of.i64 : v.of.i32;
		CHECK(got == want[i], "grow(%lld): %lld, want %lld", (long long)delta[i],
		      (long long)got, (long long)want[i]);
	}
	kiln_instance_delete(gi);
	kiln_module_delete(gm);
	kiln_engine_delete(e);
}

/* An engine's memory limit caps memory.grow below the type's maximum;
 * memory64: max_memory64_pages caps a 64-bit memory, past 4 GiB (65540
 * pages: reserved, never touched). */
static void test_memory_limit(void)
{
	kiln_config cfg = kiln_config_default();
	static const uint8_t grow_mod[] = {
		/* (memory 1) (func (export "grow") (param i32) (result i32)
		 *   (memory.grow (local.get 0))) */
		0, 'a', 's', 'm', 1, 0, 0, 0, 1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f,
		3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 8, 1, 4, 'g', 'r', 'o', 'w', 0, 0,
		10, 8, 1, 6, 0, 0x20, 0, 0x40, 0, 0x0b,
	};
	static const uint8_t grow64_mod[] = {
		/* (memory i64 1) (func (export "grow") (param i64) (result i64)
		 *   (memory.grow (local.get 0))) */
		0, 'a', 's', 'm', 1, 0, 0, 0, 1, 6, 1, 0x60, 1, 0x7e, 1, 0x7e,
		3, 2, 1, 0, 5, 3, 1, 4, 1, 7, 8, 1, 4, 'g', 'r', 'o', 'w', 0, 0,
		10, 8, 1, 6, 0, 0x20, 0, 0x40, 0, 0x0b,
	};
	static const int64_t d32[] = {2, 1}, w32[] = {1, -1};
	static const int64_t d64[] = {65538, 1, 1}, w64[] = {1, 65539, -1};

	cfg.max_memory_pages = 3;
	grow_under(&cfg, grow_mod, sizeof grow_mod, false, d32, w32, 2);
	cfg = kiln_config_default();
	cfg.max_memory64_pages = 65540;
	grow_under(&cfg, grow64_mod, sizeof grow64_mod, true, d64, w64, 3);
}

/* Instance limits act the same on a module compiled by the engine and on
 * its artifact: memory pages, the stack (a smaller one exhausts sooner,
 * one larger than the thread's own stack is cut to it: a trap, not a
 * crash), and they override the engine's defaults. */
static void test_instance_limits(const char *path)
{
	kiln_config cfg = kiln_config_default();
	kiln_engine *e = NULL;
	kiln_module *jit = NULL, *aot = NULL;
	kiln_error err;
	size_t len, alen = 0;
	uint8_t *bytes = read_file(path, &len), *art = NULL;

	cfg.stack_size = 64 * 1024;	/* the engine's default, overridden below */
	CHECK(bytes && kiln_engine_new(&cfg, &e, &err) == KILN_OK &&
	      kiln_module_new(bytes, len, &jit, &err) == KILN_OK &&
	      kiln_module_compile(e, jit, &err) == KILN_OK &&
	      kiln_module_serialize(e, jit, &art, &alen, &err) == KILN_OK &&
	      kiln_module_load(art, alen, &aot, &err) == KILN_OK, "limits setup: %s",
	      err.message);
	for (int k = 0; jit && aot && k < 2; k++) {
		kiln_module *m = k ? aot : jit;
		const char *way = k ? "artifact" : "JIT";
		static const size_t stacks[] = {32 << 10, 8 << 20, (size_t)1 << 40};
		for (size_t i = 0; i < sizeof stacks / sizeof stacks[0]; i++) {
			kiln_instance_limits lim = {.stack_size = stacks[i]};
			kiln_instance *inst = NULL;
			kiln_instance_pre *pre = NULL;
			kiln_val arg = {KILN_I32, {.i32 = 20000}}, v = {0};
			/* Odd sizes through a pre-linked template: the same limits. */
			kiln_status st = i % 2 == 0
				? kiln_instance_new_limited(NULL, m, NULL, 0, &lim, &inst, NULL, &err)
				: kiln_instance_pre_new(m, NULL, 0, &pre, &err) != KILN_OK
				? KILN_ERR_INVALID
				: kiln_instance_pre_instantiate_limited(pre, NULL, &lim, &inst, NULL,
									&err);
			CHECK(st == KILN_OK, "%s: instance: %s", way, err.message);
			if (!inst)
				continue;
			/* 20,000 frames fit in 8 MiB, not in 32 KiB; 1 TiB is cut
			 * to the thread's stack, which 10^9 frames exhaust. */
			kiln_trap_kind want = i == 1 ? KILN_TRAP_NONE : KILN_TRAP_STACK_EXHAUSTED;
			if (i == 2)
				arg.of.i32 = 1000000000;
			CHECK(call(inst, "depth", &arg, 1, &v) == want, "%s: stack %zu: trap %d",
			      way, stacks[i], (int)last_trap.kind);
			CHECK(want != KILN_TRAP_NONE || v.of.i32 == 20000, "%s: depth %d", way,
			      v.of.i32);
			kiln_instance_delete(inst);
			kiln_instance_pre_delete(pre);
		}
	}
	kiln_module_delete(aot);
	kiln_module_delete(jit);
	kiln_engine_delete(e);
	free(art);
	free(bytes);
}

/* Configuration: a smaller wasm stack exhausts sooner; what is not
 * built says so. */
static void test_config(const char *path)
{
	kiln_error err;
	kiln_trap_kind trap;
	kiln_val arg = {KILN_I32, {.i32 = 0}};

	kiln_config cfg = kiln_config_default();
	kiln_engine *e2 = NULL;
	kiln_module *m2 = NULL;
	kiln_instance *i2 = NULL;
	size_t len2;
	uint8_t *b2 = read_file(path, &len2);
	cfg.stack_size = 64 * 1024;
	CHECK(b2 && kiln_engine_new(&cfg, &e2, &err) == KILN_OK &&
	      kiln_module_new(b2, len2, &m2, &err) == KILN_OK &&
	      kiln_module_compile(e2, m2, &err) == KILN_OK &&
	      kiln_instance_new(m2, NULL, 0, &i2, &trap, &err) == KILN_OK, "small stack setup");
	free(b2);
	if (!i2) {		/* failed above: nothing to run */
		kiln_module_delete(m2);
		kiln_engine_delete(e2);
		return;
	}
	arg.of.i32 = 0;
	CHECK(call(i2, "stack", &arg, 1, NULL) == KILN_TRAP_STACK_EXHAUSTED, "small stack");
	CHECK(last_trap.nframes == KILN_MAX_TRAP_FRAMES, "deep backtrace: %u", last_trap.nframes);
	kiln_instance_delete(i2);
	kiln_module_delete(m2);
	kiln_engine_delete(e2);
	cfg = kiln_config_default();
	cfg.bounds = KILN_BOUNDS_EXPLICIT;
	CHECK(kiln_engine_new(&cfg, &e2, &err) == KILN_ERR_UNSUPPORTED, "explicit bounds");
	cfg = kiln_config_default();
	cfg.cache_dir = "/tmp";
	CHECK(kiln_engine_new(&cfg, &e2, &err) == KILN_ERR_UNSUPPORTED, "cache");
	cfg = kiln_config_default();
	cfg.opt_level = 4;
	CHECK(kiln_engine_new(&cfg, &e2, &err) == KILN_ERR_ARG, "opt level");

}

/* Host functions called from the API go through libffi. */
static void test_libffi_wasi(void)
{
	kiln_error err;
	kiln_val arg = {KILN_I32, {.i32 = 0}}, v;

	kiln_wasi_config wc = {0};
	kiln_instance *wasi;
	kiln_val two[2] = {{KILN_I32, {.i32 = 0}}, {KILN_I32, {.i32 = 4}}};
	kiln_trap_info ti;
	CHECK(kiln_wasi_new(&wc, &wasi, &err) == KILN_OK, "wasi: %s", err.message);
	/* No memory bound yet: the pointers are bad, EFAULT (21). */
	CHECK(kiln_func_call(export(wasi, "args_sizes_get"), two, 2, &v, 1, &ti, &err) == KILN_OK &&
	      v.type == KILN_I32 && v.of.i32 == 21, "args_sizes_get via libffi: %d", v.of.i32);
	CHECK(kiln_func_call(export(wasi, "sched_yield"), NULL, 0, &v, 1, &ti, &err) == KILN_OK &&
	      v.of.i32 == 0, "sched_yield via libffi: %d", v.of.i32);
	arg.of.i32 = 3;
	CHECK(kiln_func_call(export(wasi, "proc_exit"), &arg, 1, &v, 1, &ti, &err) == KILN_ERR_TRAP &&
	      ti.kind == KILN_TRAP_EXIT && kiln_wasi_exit_code(wasi) == 3,
	      "proc_exit via libffi: trap %d code %d", ti.kind, kiln_wasi_exit_code(wasi));
	kiln_instance_delete(wasi);

}

#define TRAP_CALLS 10000

static void host_fail(kiln_caller *c)
{
	kiln_caller_trap(c);
}

/* Arms the trap the next call must end with: a passed epoch deadline for
 * "interrupted", 100 units of fuel for "all fuel consumed"; neither for
 * the others (no deadline, all the fuel there is). */
static void arm(kiln_instance *inst, kiln_trap_kind kind)
{
	uint64_t deadline = kind == KILN_TRAP_INTERRUPTED ? 0 : UINT64_MAX;
	uint64_t fuel = kind == KILN_TRAP_OUT_OF_FUEL ? 100 : INT64_MAX;
	kiln_error err;

	if (kiln_instance_set_epoch_deadline(inst, deadline, &err) != KILN_OK ||
	    kiln_instance_set_fuel(inst, fuel, &err) != KILN_OK)
		CHECK(false, "arming trap %d: %s", kind, err.message);
}

/* The kinds the runtime raises from outside the code: a module compiled
 * with epoch checks and fuel metering, importing a host function that
 * traps and WASI's proc_exit, called TRAP_CALLS times per kind. */
static void test_runtime_traps(void)
{
	/* (module
	 *   (import "host" "fail" (func $fail))
	 *   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
	 *   (func (export "host") (call $fail))
	 *   (func (export "exit") (call $exit (i32.const 3)))
	 *   (func (export "spin") (loop $l (br $l)))
	 *   (func (export "ok") (param i32) (result i32)
	 *     (i32.add (local.get 0) (i32.const 1)))) */
	static const uint8_t mod[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60,
		0x00, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02,
		0x30, 0x02, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x04, 0x66, 0x61, 0x69, 0x6c,
		0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70,
		0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
		0x31, 0x09, 0x70, 0x72, 0x6f, 0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00,
		0x01, 0x03, 0x05, 0x04, 0x00, 0x00, 0x00, 0x02, 0x07, 0x1b, 0x04, 0x04,
		0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x04, 0x65, 0x78, 0x69, 0x74, 0x00,
		0x03, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x04, 0x02, 0x6f, 0x6b, 0x00,
		0x05, 0x0a, 0x1d, 0x04, 0x04, 0x00, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x41,
		0x03, 0x10, 0x01, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
		0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
	};
	static const struct {
		const char *name;
		kiln_trap_kind kind;
	} cases[] = {
		{"spin", KILN_TRAP_INTERRUPTED},
		{"spin", KILN_TRAP_OUT_OF_FUEL},
		{"host", KILN_TRAP_HOST},
		{"exit", KILN_TRAP_EXIT},
	};
	kiln_functype void_fn = {0, 0, NULL, NULL};
	kiln_config cfg = kiln_config_default();
	kiln_wasi_config wc = {0};
	kiln_engine *e = NULL;
	kiln_module *m = NULL;
	kiln_host_func *h = NULL;
	kiln_instance *wasi = NULL, *inst = NULL;
	kiln_linker *l = NULL;
	kiln_trap_kind trap;
	kiln_error err;

	cfg.epoch_interruption = true;
	cfg.fuel_metering = true;
	if (kiln_engine_new(&cfg, &e, &err) != KILN_OK ||
	    kiln_module_new(mod, sizeof mod, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_host_func_new(&void_fn, (kiln_native_fn)host_fail, NULL, NULL, &h, &err) != KILN_OK ||
	    kiln_wasi_new(&wc, &wasi, &err) != KILN_OK || kiln_linker_new(&l, &err) != KILN_OK ||
	    kiln_linker_define(l, "host", "fail", kiln_host_func_extern(h), &err) != KILN_OK ||
	    kiln_linker_define_instance(l, "wasi_snapshot_preview1", wasi, &err) != KILN_OK ||
	    kiln_linker_instantiate(l, m, &inst, &trap, &err) != KILN_OK) {
		CHECK(false, "runtime traps setup: %s", err.message);
		goto done;
	}
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int wrong = 0;

		for (int i = 0; i < TRAP_CALLS; i++) {
			arm(inst, cases[c].kind);
			wrong += call(inst, cases[c].name, NULL, 0, NULL) != cases[c].kind;
		}
		CHECK(wrong == 0, "%s: %d of %d calls did not trap with \"%s\"", cases[c].name,
		      wrong, TRAP_CALLS, kiln_trap_message(cases[c].kind));
	}
	CHECK(kiln_wasi_exit_code(wasi) == 3, "proc_exit(3): exit code %d", kiln_wasi_exit_code(wasi));
	/* The same instance, refuelled, still returns. */
	kiln_val arg = {KILN_I32, {.i32 = 41}}, v = {KILN_I32, {.i32 = 0}};
	arm(inst, KILN_TRAP_NONE);
	trap = call(inst, "ok", &arg, 1, &v);
	CHECK(trap == KILN_TRAP_NONE && v.of.i32 == 42, "ok(41) after %d traps: trap %d, value %d",
	      4 * TRAP_CALLS, trap, v.of.i32);
done:
	kiln_instance_delete(inst);
	kiln_linker_delete(l);
	kiln_instance_delete(wasi);
	kiln_host_func_delete(h);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		kiln_trap_kind kind;
		int32_t arg;
		bool has_arg;
	} cases[] = {
		{"unreachable", KILN_TRAP_UNREACHABLE, 0, false},
		{"div_zero", KILN_TRAP_DIVIDE_BY_ZERO, 0, false},
		{"overflow", KILN_TRAP_INTEGER_OVERFLOW, 0, false},
		{"conversion", KILN_TRAP_INVALID_CONVERSION, 0, false},
		{"memory", KILN_TRAP_MEMORY_OOB, 65536, true},
		{"memory_dropped", KILN_TRAP_MEMORY_OOB, -1, true},
		{"table", KILN_TRAP_TABLE_OOB, 0, false},
		{"undefined", KILN_TRAP_UNDEFINED_ELEMENT, 0, false},
		{"uninitialized", KILN_TRAP_UNINITIALIZED_ELEMENT, 0, false},
		{"mismatch", KILN_TRAP_SIGNATURE_MISMATCH, 0, false},
		{"stack", KILN_TRAP_STACK_EXHAUSTED, 0, true},
	};
	kiln_engine *engine;
	kiln_module *module;
	kiln_instance *inst;
	kiln_error err;
	kiln_trap_kind trap;
	size_t len;
	uint8_t *bytes;
	kiln_val v, arg = {KILN_I32, {.i32 = 0}};

	if (argc != 2 || !(bytes = read_file(argv[1], &len))) {
		fprintf(stderr, "usage: kiln-api-test TRAPS.wasm\n");
		return 2;
	}
	if (kiln_engine_new(NULL, &engine, &err) != KILN_OK ||
	    kiln_module_new(bytes, len, &module, &err) != KILN_OK ||
	    kiln_module_compile(engine, module, &err) != KILN_OK ||
	    kiln_instance_new(module, NULL, 0, &inst, &trap, &err) != KILN_OK) {
		printf("setup: %s\n", err.message);
		return 1;
	}
	free(bytes);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		int wrong = 0;
		arg.of.i32 = cases[c].arg;
		for (int i = 0; i < TRAP_CALLS; i++)
			wrong += call(inst, cases[c].name, &arg, cases[c].has_arg, NULL) != cases[c].kind;
		CHECK(wrong == 0, "%s: %d of %d calls did not trap with \"%s\"", cases[c].name,
		      wrong, TRAP_CALLS, kiln_trap_message(cases[c].kind));
	}
	/* The backtrace of a trap three calls deep names the functions. */
	trap = call(inst, "nested", NULL, 0, NULL);
	CHECK(trap == KILN_TRAP_DIVIDE_BY_ZERO && last_trap.nframes == 3,
	      "nested: trap %d with %u frames", trap, last_trap.nframes);
	for (uint32_t i = 0; i < last_trap.nframes && i < 3; i++) {
		static const char *const want[] = {"inner", "middle", "outer"};
		kiln_name n = last_trap.frames[i].name;
		CHECK(n.data && n.len == strlen(want[i]) && !memcmp(n.data, want[i], n.len),
		      "frame %u: expected %s, got %.*s (function %u)", i, want[i],
		      (int)n.len, n.data ? n.data : "", last_trap.frames[i].func_index);
	}
	arg.of.i32 = 41;
	trap = call(inst, "ok", &arg, 1, &v);
	CHECK(trap == KILN_TRAP_NONE && v.type == KILN_I32 && v.of.i32 == 42,
	      "ok(41): trap %d, value %d", trap, v.of.i32);
	test_runtime_traps();
	test_memory_limit();
	test_config(argv[1]);
	test_instance_limits(argv[1]);
	test_libffi_wasi();
	printf("%s\n", failures ? "FAILED" : "all trap kinds trapped every time; the instance still works");
	kiln_instance_delete(inst);
	kiln_module_delete(module);
	kiln_engine_delete(engine);
	return failures ? 1 : 0;
}
