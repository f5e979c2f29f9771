/*
 * test_mixed.c — compiled code calling interpreted functions through their
 * native entries (runtime/interp.c's thunks and adapter): a module of an
 * interpreting engine (mixed_callee.wat) linked into a JIT-compiled one
 * (mixed_caller.wat).  Arguments of every kind arrive where the System V
 * ABI puts them, registers and stack; results of each kind come back; a
 * trap unwinds through the adapter; several results of mixed kinds come
 * back where LLVM returns a struct: registers, x87 past two floats, memory
 * through a hidden pointer past three integers.
 *
 * kiln-mixed-test CALLEE.wasm CALLER.wasm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

static kiln_module *compiled(const char *path, kiln_tiering tiering, kiln_engine **e)
{
	kiln_config c = kiln_config_default();
	kiln_module *m = NULL;
	kiln_error err;
	uint8_t *b;
	size_t len;

	c.tiering = tiering;
	if (!(b = read_file(path, &len)) || kiln_engine_new(&c, e, &err) != KILN_OK ||
	    kiln_module_new(b, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(*e, m, &err) != KILN_OK) {
		printf("%s: %s\n", path, b ? err.message : "cannot read");
		exit(1);
	}
	free(b);
	return m;
}

static kiln_trap_kind call_n(kiln_instance *inst, const char *name, const kiln_val *args,
			     size_t n, kiln_val *res, size_t nres)
{
	kiln_trap_info t = {0};
	kiln_error err;
	kiln_status st = kiln_func_call(export(inst, name), args, n, res, nres, &t, &err);

	CHECK(st == KILN_OK || st == KILN_ERR_TRAP, "%s: %s", name, err.message);
	return t.kind;
}

static kiln_trap_kind call(kiln_instance *inst, const char *name, const kiln_val *args,
			   size_t n, kiln_val *res)
{
	return call_n(inst, name, args, n, res, 1);
}

#define I32(v) {KILN_I32, {.i32 = (v)}}
#define I64(v) {KILN_I64, {.i64 = (v)}}
#define F32(v) {KILN_F32, {.f32 = (v)}}
#define F64(v) {KILN_F64, {.f64 = (v)}}

/* Two and three results in registers, four floats (two through x87), six
 * results through memory with seven arguments (two on the stack once the
 * hidden pointer takes %rdi). */
static void several_results(kiln_instance *ic)
{
	kiln_val pa[2] = {I32(-7), F64(1.25)}, ta[3] = {F32(2.5f), I64(41), I32(5)};
	kiln_val fa[2] = {F32(0.5f), F64(-3.0)};
	kiln_val ma[7] = {I64((int64_t)1 << 33), I32(10), F64(2.5), I32(20), I32(30), I32(40),
			  I64(7)};
	kiln_val r[6];

	CHECK(call(ic, "two", NULL, 0, r) == KILN_TRAP_NONE && r[0].of.i32 == -1,
	      "two: 1 - 2 = %d", r[0].of.i32);
	CHECK(call_n(ic, "pair", pa, 2, r, 2) == KILN_TRAP_NONE && r[0].of.f64 == 2.5 &&
	      r[1].of.i64 == -7, "pair: %g %lld", r[0].of.f64, (long long)r[1].of.i64);
	CHECK(call_n(ic, "three", ta, 3, r, 3) == KILN_TRAP_NONE && r[0].of.i64 == 42 &&
	      r[1].of.f32 == -2.5f && r[2].of.i32 == 15, "three: %lld %g %d",
	      (long long)r[0].of.i64, (double)r[1].of.f32, r[2].of.i32);
	CHECK(call_n(ic, "floats", fa, 2, r, 4) == KILN_TRAP_NONE && r[0].of.f32 == 0.5f &&
	      r[1].of.f64 == -3.0 && r[2].of.f32 == 1.5f && r[3].of.f64 == -2.0,
	      "floats: %g %g %g %g", (double)r[0].of.f32, r[1].of.f64, (double)r[2].of.f32,
	      r[3].of.f64);
	CHECK(call_n(ic, "many", ma, 7, r, 6) == KILN_TRAP_NONE && r[0].of.i32 == 30 &&
	      r[1].of.i64 == ((int64_t)1 << 33) + 7 && r[2].of.f32 == 2.5f &&
	      r[3].of.i32 == 70 && r[4].of.i64 == 7 && r[5].of.f64 == -2.5,
	      "many: %d %lld %g %d %lld %g", r[0].of.i32, (long long)r[1].of.i64,
	      (double)r[2].of.f32, r[3].of.i32, (long long)r[4].of.i64, r[5].of.f64);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"add", "mix", "half", "wide", "boom", "two",
					    "pair", "three", "floats", "many"};
	kiln_engine *ei, *ec;
	kiln_module *mi, *mc;
	kiln_instance *ii, *ic;
	kiln_extern imports[10];
	kiln_val r, a[2] = {{KILN_I32, {.i32 = 2}}, {KILN_I32, {.i32 = 40}}};
	kiln_val f = {KILN_F32, {.f32 = 3.0f}}, w = {KILN_I64, {.i64 = (int64_t)1 << 40}};
	kiln_error err;

	if (argc != 3)
		return fprintf(stderr, "usage: kiln-mixed-test CALLEE.wasm CALLER.wasm\n"), 2;
	mi = compiled(argv[1], KILN_TIERING_INTERP, &ei);
	mc = compiled(argv[2], KILN_TIERING_TIER1, &ec);
	if (kiln_instance_new(mi, NULL, 0, &ii, NULL, &err) != KILN_OK)
		return printf("callee: %s\n", err.message), 1;
	for (int i = 0; i < 10; i++)
		imports[i] = export(ii, names[i]);
	if (kiln_instance_new(mc, imports, 10, &ic, NULL, &err) != KILN_OK)
		return printf("caller: %s\n", err.message), 1;

	CHECK(call(ic, "add", a, 2, &r) == KILN_TRAP_NONE && r.of.i32 == 42, "add: %d", r.of.i32);
	CHECK(call(ic, "mix", NULL, 0, &r) == KILN_TRAP_NONE && r.of.f64 == 1785.0,
	      "mix: %g, want 1785 (sum of k * k)", r.of.f64);
	CHECK(call(ic, "half", &f, 1, &r) == KILN_TRAP_NONE && r.of.f32 == 1.5f, "half: %g",
	      (double)r.of.f32);
	CHECK(call(ic, "wide", &w, 1, &r) == KILN_TRAP_NONE && r.of.i64 == (int64_t)3 << 40,
	      "wide: %lld", (long long)r.of.i64);
	CHECK(call(ic, "boom", NULL, 0, &r) == KILN_TRAP_UNREACHABLE, "boom did not trap");
	several_results(ic);
	/* After the traps, calls still work. */
	CHECK(call(ic, "add", a, 2, &r) == KILN_TRAP_NONE && r.of.i32 == 42, "add again");

	kiln_instance_delete(ic);
	kiln_instance_delete(ii);
	kiln_module_delete(mc);
	kiln_module_delete(mi);
	kiln_engine_delete(ec);
	kiln_engine_delete(ei);
	if (failures == 0)
		printf("compiled code calls interpreted functions: all checks passed\n");
	return failures ? 1 : 0;
}
