/*
 * test_host.c — host functions through the public API: native and generic
 * forms called from compiled code and through libffi, a host function
 * writing its caller's memory, a trap raised in a host function with the
 * wasm frames that called it, and host -> wasm -> host -> wasm
 * re-entrancy with traps unwinding through the nesting.  Uses
 * include/kiln.h only.
 *   kiln-host-test HOST.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"



/* Native form: (i32, i32) -> i32; also stores the sum at memory[0]. */
static int32_t add(kiln_caller *c, int32_t a, int32_t b)
{
	size_t size;
	uint8_t *mem = kiln_caller_memory(c, &size);
	int32_t sum = a + b;

	if (mem && size >= 4)
		memcpy(mem, &sum, 4);
	return sum;
}

/* Generic form: (i64, f64) -> f64. */
static void scale(kiln_caller *c, const kiln_val *args, kiln_val *results)
{
	(void)c;
	results[0].type = KILN_F64;
	results[0].of.f64 = (double)args[0].of.i64 * args[1].of.f64;
}

static void boom(kiln_caller *c)
{
	kiln_caller_trap(c);
}

static void gboom(kiln_caller *c, const kiln_val *args, kiln_val *results)
{
	(void)args;
	(void)results;
	kiln_caller_trap(c);
}

/* many(a..h) = the sum of each argument times its place (1..8): three of
 * them come on the stack, past the registers. */
static int32_t many(kiln_caller *c, int32_t a, int32_t b, int32_t d, int32_t e, int32_t f,
		    int32_t g, int32_t h, int32_t k)
{
	(void)c;
	return a + 2 * b + 3 * d + 4 * e + 5 * f + 6 * g + 7 * h + 8 * k;
}

/* gmany: the same of 8 i32 and 10 f64 arguments (two f64 on the stack). */
static void gmany(kiln_caller *c, const kiln_val *args, kiln_val *results)
{
	double sum = 0;

	(void)c;
	for (int i = 0; i < 8; i++)
		sum += args[i].of.i32 * (i + 1);
	for (int i = 0; i < 10; i++)
		sum += args[8 + i].of.f64 * (i + 1);
	results[0] = (kiln_val){KILN_F64, {.f64 = sum}};
}

/* host.wasm's function indices: 0-6 the imports (boom 2, reenter 3,
 * gboom 4, many 5, gmany 6), then call_add 7, call_scale 8, call_boom 9,
 * down 10, boom_via 11, boom_deep 12, gboom_via 13, gboom_deep 14,
 * down_trap 15, call_many 16, call_gmany 17. */
enum { F_BOOM = 2, F_REENTER, F_GBOOM, F_BOOM_VIA = 11, F_BOOM_DEEP, F_GBOOM_VIA, F_GBOOM_DEEP,
       F_DOWN_TRAP };

/* The trap's frames are the functions want[] (n of them), innermost
 * first, each at a call of callee[i]: the bytes of the module at its
 * module offset, which its function offset is within. */
static void check_host_frames(const char *what, const kiln_trap_info *t, const uint8_t *bytes,
			      size_t len, const uint32_t *want, const uint32_t *callee, uint32_t n)
{
	CHECK(t->kind == KILN_TRAP_HOST && t->nframes == n, "%s: kind %d, %u frames, want %u",
	      what, t->kind, t->nframes, n);
	for (uint32_t i = 0; i < t->nframes && i < n; i++) {
		uint32_t off = t->frames[i].module_offset;
		CHECK(t->frames[i].func_index == want[i], "%s: frame %u is function %u, want %u",
		      what, i, t->frames[i].func_index, want[i]);
		CHECK(off + 1 < len && bytes[off] == 0x10 && bytes[off + 1] == callee[i] &&
		      t->frames[i].func_offset != KILN_UNKNOWN_OFFSET &&
		      t->frames[i].func_offset <= off,
		      "%s: frame %u at %#x (function offset %#x): not its call of %u", what, i,
		      off, t->frames[i].func_offset, callee[i]);
	}
}

/* reenter(n) calls the caller's export named by env with n, plus 1; a
 * trap in the nested call is raised again here. */
static int32_t reenter(kiln_caller *c, int32_t n)
{
	const char *name = kiln_caller_env(c);
	kiln_instance *inst = kiln_caller_instance(c);
	kiln_extern f;
	kiln_val arg = {KILN_I32, {.i32 = n}}, r;
	kiln_trap_info trap;

	if (!inst || !kiln_instance_export(inst, (kiln_name){name, strlen(name)}, &f) ||
	    kiln_func_call(f, &arg, 1, &r, 1, &trap, NULL) != KILN_OK)
		kiln_caller_trap(c);
	return r.of.i32 + 1;
}

int main(int argc, char **argv)
{
	static const kiln_valtype ii[] = {KILN_I32, KILN_I32}, i[] = {KILN_I32};
	static const kiln_valtype lf[] = {KILN_I64, KILN_F64}, f[] = {KILN_F64};
	kiln_functype t_add = {2, 1, ii, i}, t_scale = {2, 1, lf, f}, t_boom = {0, 0, NULL, NULL};
	kiln_functype t_re = {1, 1, i, i};
	kiln_host_func *h_add, *h_scale, *h_boom, *h_re, *h_gboom, *h_many, *h_gmany;
	static const kiln_valtype i8[8] = {KILN_I32, KILN_I32, KILN_I32, KILN_I32,
					   KILN_I32, KILN_I32, KILN_I32, KILN_I32};
	kiln_valtype i8d10[18];
	for (int k = 0; k < 18; k++)
		i8d10[k] = k < 8 ? KILN_I32 : KILN_F64;
	kiln_functype t_many = {8, 1, i8, i}, t_gmany = {18, 1, i8d10, f};
	kiln_engine *e;
	kiln_module *m;
	kiln_instance *inst;
	kiln_linker *l;
	kiln_error err;
	kiln_trap_kind tk;
	kiln_trap_info trap;
	kiln_val args[2], r;
	size_t len = 0, size;
	uint8_t *bytes;

	if (argc != 2 || !(bytes = read_file(argv[1], &len)))
		return 2;
	if (kiln_host_func_new(&t_add, (kiln_native_fn)add, NULL, NULL, &h_add, &err) ||
	    kiln_host_func_new(&t_scale, NULL, scale, NULL, &h_scale, &err) ||
	    kiln_host_func_new(&t_boom, (kiln_native_fn)boom, NULL, NULL, &h_boom, &err) ||
	    kiln_host_func_new(&t_re, (kiln_native_fn)reenter, NULL, "down", &h_re, &err) ||
	    kiln_host_func_new(&t_boom, NULL, gboom, NULL, &h_gboom, &err) ||
	    kiln_host_func_new(&t_many, (kiln_native_fn)many, NULL, NULL, &h_many, &err) ||
	    kiln_host_func_new(&t_gmany, NULL, gmany, NULL, &h_gmany, &err) ||
	    kiln_engine_new(NULL, &e, &err) || kiln_module_new(bytes, len, &m, &err) ||
	    kiln_module_compile(e, m, &err) || kiln_linker_new(&l, &err) ||
	    kiln_linker_define(l, "host", "add", kiln_host_func_extern(h_add), &err) ||
	    kiln_linker_define(l, "host", "scale", kiln_host_func_extern(h_scale), &err) ||
	    kiln_linker_define(l, "host", "boom", kiln_host_func_extern(h_boom), &err) ||
	    kiln_linker_define(l, "host", "reenter", kiln_host_func_extern(h_re), &err) ||
	    kiln_linker_define(l, "host", "gboom", kiln_host_func_extern(h_gboom), &err) ||
	    kiln_linker_define(l, "host", "many", kiln_host_func_extern(h_many), &err) ||
	    kiln_linker_define(l, "host", "gmany", kiln_host_func_extern(h_gmany), &err) ||
	    kiln_linker_instantiate(l, m, &inst, &tk, &err)) {
		printf("setup: %s\n", err.message);
		return 1;
	}
	kiln_valtype v128 = KILN_V128;
	kiln_host_func *h_v;
	CHECK(kiln_host_func_new(&(kiln_functype){1, 0, &v128, NULL}, (kiln_native_fn)add, NULL,
				 NULL, &h_v, &err) == KILN_ERR_UNSUPPORTED && h_v == NULL &&
	      strstr(err.message, "v128"), "a v128 host function is refused: %s", err.message);

	args[0] = (kiln_val){KILN_I32, {.i32 = 40}};
	args[1] = (kiln_val){KILN_I32, {.i32 = 2}};
	CHECK(kiln_func_call(export(inst, "call_add"), args, 2, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.i32 == 42, "native host call: %d", r.of.i32);
	uint8_t *mem = kiln_memory_data(export(inst, "memory"), &size);
	CHECK(mem && size == 65536 && mem[0] == 42, "host wrote the caller's memory");
	args[0] = (kiln_val){KILN_I64, {.i64 = 3}};
	args[1] = (kiln_val){KILN_F64, {.f64 = 1.5}};
	CHECK(kiln_func_call(export(inst, "call_scale"), args, 2, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.f64 == 4.5, "generic host call from wasm: %g", r.of.f64);
	CHECK(kiln_func_call(kiln_host_func_extern(h_scale), args, 2, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.f64 == 4.5, "generic host call through libffi: %g", r.of.f64);
	args[0] = (kiln_val){KILN_I32, {.i32 = 5}};
	args[1] = (kiln_val){KILN_I32, {.i32 = 6}};
	CHECK(kiln_func_call(kiln_host_func_extern(h_add), args, 2, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.i32 == 11, "native host call through libffi: %d", r.of.i32);
	for (int k = 0; k < 1000; k++)
		CHECK(kiln_func_call(export(inst, "call_boom"), NULL, 0, &r, 1, &trap, &err) ==
		      KILN_ERR_TRAP && trap.kind == KILN_TRAP_HOST, "host trap %d", k);
	/* Arguments on the stack reach native and generic host functions. */
	CHECK(kiln_func_call(export(inst, "call_many"), NULL, 0, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.i32 == 204, "native host call, stack arguments: %d", r.of.i32);
	CHECK(kiln_func_call(export(inst, "call_gmany"), NULL, 0, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.f64 == 561.5, "generic host call, stack arguments: %g", r.of.f64);
	/* A host function's trap names the wasm calls that led to it. */
	CHECK(kiln_func_call(export(inst, "boom_deep"), NULL, 0, &r, 1, &trap, &err) ==
	      KILN_ERR_TRAP, "native host trap two calls down");
	check_host_frames("native", &trap, bytes, len, (const uint32_t[]){F_BOOM_VIA, F_BOOM_DEEP},
			  (const uint32_t[]){F_BOOM, F_BOOM_VIA}, 2);
	CHECK(kiln_func_call(export(inst, "gboom_deep"), NULL, 0, &r, 1, &trap, &err) ==
	      KILN_ERR_TRAP, "generic host trap two calls down");
	check_host_frames("generic", &trap, bytes, len, (const uint32_t[]){F_GBOOM_VIA, F_GBOOM_DEEP},
			  (const uint32_t[]){F_GBOOM, F_GBOOM_VIA}, 2);
	args[0] = (kiln_val){KILN_I32, {.i32 = 10}};
	CHECK(kiln_func_call(export(inst, "down"), args, 1, &r, 1, &trap, &err) == KILN_OK &&
	      r.of.i32 == 110, "host->wasm re-entrancy, 10 deep: %d", r.of.i32);
	/* The bottom traps; each host level raises it again: the outer call
	 * ends with a host trap and the instance still works. */
	kiln_host_func_delete(h_re);
	kiln_functype t_re2 = {1, 1, i, i};
	kiln_host_func *h_re2;
	CHECK(kiln_host_func_new(&t_re2, (kiln_native_fn)reenter, NULL, "down_trap", &h_re2, &err) == KILN_OK,
	      "host func");
	kiln_linker_define(l, "host", "reenter", kiln_host_func_extern(h_re2), &err);
	kiln_instance *inst2;
	CHECK(kiln_linker_instantiate(l, m, &inst2, &tk, &err) == KILN_OK, "second instance");
	args[0] = (kiln_val){KILN_I32, {.i32 = 5}};
	CHECK(kiln_func_call(export(inst2, "down_trap"), args, 1, &r, 1, &trap, &err) ==
	      KILN_ERR_TRAP && trap.kind == KILN_TRAP_HOST, "trap through the nesting: %d", trap.kind);
	/* The outermost host level's trap: its own caller's call, not that of
	 * a level the nested calls unwound. */
	check_host_frames("nested", &trap, bytes, len, (const uint32_t[]){F_DOWN_TRAP},
			  (const uint32_t[]){F_REENTER}, 1);
	args[0] = (kiln_val){KILN_I32, {.i32 = 0}};
	CHECK(kiln_func_call(export(inst2, "down_trap"), args, 1, &r, 1, &trap, &err) ==
	      KILN_ERR_TRAP && trap.kind == KILN_TRAP_UNREACHABLE, "direct trap: %d", trap.kind);
	args[0] = (kiln_val){KILN_I32, {.i32 = 3}};
	CHECK(kiln_func_call(export(inst2, "call_add"), (kiln_val[]){{KILN_I32, {.i32 = 1}},
	      {KILN_I32, {.i32 = 2}}}, 2, &r, 1, &trap, &err) == KILN_OK && r.of.i32 == 3,
	      "instance works after the traps");
	kiln_instance_delete(inst2);
	CHECK(kiln_linker_instantiate(l, m, &inst2, &tk, &err) == KILN_OK, "third instance");
	kiln_instance_delete(inst2);
	kiln_linker_delete(l);
	if (kiln_linker_new(&l, &err) == KILN_OK) {
		CHECK(kiln_linker_instantiate(l, m, &inst2, &tk, &err) == KILN_ERR_LINK &&
		      strstr(err.message, "unknown import"), "unknown import: %s", err.message);
		kiln_linker_delete(l);
	}
	/* Tables and globals through handles: the spectest module has both. */
	{
		kiln_instance *st;
		kiln_extern tab, g;
		kiln_val v;
		CHECK(kiln_spectest_new(&st, &err) == KILN_OK, "spectest");
		kiln_instance_export(st, (kiln_name){"table", 5}, &tab);
		kiln_instance_export(st, (kiln_name){"global_i32", 10}, &g);
		CHECK(kiln_table_size(tab) == 10, "table size %u", kiln_table_size(tab));
		v = (kiln_val){KILN_FUNCREF, {.ref = kiln_host_func_extern(h_add).handle}};
		CHECK(kiln_table_set(tab, 3, v, &err) == KILN_OK, "table set");
		CHECK(kiln_table_get(tab, 3, &v, &err) == KILN_OK &&
		      v.of.ref == kiln_host_func_extern(h_add).handle, "table get");
		CHECK(kiln_table_get(tab, 10, &v, &err) == KILN_ERR_ARG, "table get past the end");
		CHECK(kiln_global_get(g).of.i32 == 666, "global get");
		v = (kiln_val){KILN_I32, {.i32 = 1}};
		CHECK(kiln_global_set(g, v, &err) == KILN_ERR_ARG, "immutable global set refused");
		kiln_instance_delete(st);
	}
	printf("%s\n", failures ? "FAILED" : "host functions: native, generic, traps, re-entrancy all work");
	kiln_instance_delete(inst);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	kiln_host_func_delete(h_add);
	kiln_host_func_delete(h_scale);
	kiln_host_func_delete(h_boom);
	kiln_host_func_delete(h_re2);
	kiln_host_func_delete(h_gboom);
	kiln_host_func_delete(h_many);
	kiln_host_func_delete(h_gmany);
	free(bytes);
	return failures ? 1 : 0;
}
