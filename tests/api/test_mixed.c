/*
 * test_mixed.c — compiled code calling interpreted functions through their
 * native entries (runtime/interp.c's thunks and adapter): a module of an
 * interpreting engine (mixed_callee.wat) linked into a JIT-compiled one
 * (mixed_caller.wat).  Arguments of every kind arrive where the System V
 * ABI puts them, registers and stack; results of each kind come back; a
 * trap unwinds through the adapter; a function of several results, which
 * the adapter does not take yet, traps "compile error" rather than run.
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

static kiln_trap_kind call(kiln_instance *inst, const char *name, const kiln_val *args,
			   size_t n, kiln_val *res)
{
	kiln_trap_info t = {0};
	kiln_error err;
	kiln_status st = kiln_func_call(export(inst, name), args, n, res, 1, &t, &err);

	CHECK(st == KILN_OK || st == KILN_ERR_TRAP, "%s: %s", name, err.message);
	return t.kind;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"add", "mix", "half", "wide", "boom", "two"};
	kiln_engine *ei, *ec;
	kiln_module *mi, *mc;
	kiln_instance *ii, *ic;
	kiln_extern imports[6];
	kiln_val r, a[2] = {{KILN_I32, {.i32 = 2}}, {KILN_I32, {.i32 = 40}}};
	kiln_val f = {KILN_F32, {.f32 = 3.0f}}, w = {KILN_I64, {.i64 = (int64_t)1 << 40}};
	kiln_error err;

	if (argc != 3)
		return fprintf(stderr, "usage: kiln-mixed-test CALLEE.wasm CALLER.wasm\n"), 2;
	mi = compiled(argv[1], KILN_TIERING_INTERP, &ei);
	mc = compiled(argv[2], KILN_TIERING_TIER1, &ec);
	if (kiln_instance_new(mi, NULL, 0, &ii, NULL, &err) != KILN_OK)
		return printf("callee: %s\n", err.message), 1;
	for (int i = 0; i < 6; i++)
		imports[i] = export(ii, names[i]);
	if (kiln_instance_new(mc, imports, 6, &ic, NULL, &err) != KILN_OK)
		return printf("caller: %s\n", err.message), 1;

	CHECK(call(ic, "add", a, 2, &r) == KILN_TRAP_NONE && r.of.i32 == 42, "add: %d", r.of.i32);
	CHECK(call(ic, "mix", NULL, 0, &r) == KILN_TRAP_NONE && r.of.f64 == 1785.0,
	      "mix: %g, want 1785 (sum of k * k)", r.of.f64);
	CHECK(call(ic, "half", &f, 1, &r) == KILN_TRAP_NONE && r.of.f32 == 1.5f, "half: %g",
	      (double)r.of.f32);
	CHECK(call(ic, "wide", &w, 1, &r) == KILN_TRAP_NONE && r.of.i64 == (int64_t)3 << 40,
	      "wide: %lld", (long long)r.of.i64);
	CHECK(call(ic, "boom", NULL, 0, &r) == KILN_TRAP_UNREACHABLE, "boom did not trap");
	CHECK(call(ic, "two", NULL, 0, &r) == KILN_TRAP_COMPILE_FAILED,
	      "two: several results from native code are not built: it must trap");
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
