/*
 * host_call.c — embedding kiln: a wasm module calls back into the host.
 *
 * The module (its text below, assembled to the bytes in `module`) imports
 * env.report and exports run(n), which reports the squares of 1..n to the
 * host and returns their sum.  The host function is a plain C function
 * with the native signature; the linker supplies it by name.
 *
 *   (module
 *     (import "env" "report" (func $report (param i32 i32)))
 *     (func (export "run") (param $n i32) (result i32)
 *       (local $i i32) (local $sum i32)
 *       (block $done
 *         (loop $next
 *           (br_if $done (i32.gt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
 *                                  (local.get $n)))
 *           (call $report (local.get $i) (i32.mul (local.get $i) (local.get $i)))
 *           (local.set $sum (i32.add (local.get $sum) (i32.mul (local.get $i) (local.get $i))))
 *           (br $next)))
 *       (local.get $sum)))
 */
#include <stdio.h>

#include <kiln.h>

static const uint8_t module[] = {
	/* wat2wasm of the text above */
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60,
	0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0e, 0x01,
	0x03, 0x65, 0x6e, 0x76, 0x06, 0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0x00,
	0x00, 0x03, 0x02, 0x01, 0x01, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e,
	0x00, 0x01, 0x0a, 0x2f, 0x01, 0x2d, 0x01, 0x02, 0x7f, 0x02, 0x40, 0x03,
	0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x4b, 0x0d,
	0x01, 0x20, 0x01, 0x20, 0x01, 0x20, 0x01, 0x6c, 0x10, 0x00, 0x20, 0x02,
	0x20, 0x01, 0x20, 0x01, 0x6c, 0x6a, 0x21, 0x02, 0x0c, 0x00, 0x0b, 0x0b,
	0x20, 0x02, 0x0b,
};

/* The host function: R f(kiln_caller *, params...). */
static void report(kiln_caller *caller, int32_t i, int32_t square)
{
	(void)caller;
	printf("%d squared is %d\n", i, square);
}

int main(void)
{
	static const kiln_valtype two_i32[] = {KILN_I32, KILN_I32};
	kiln_functype report_type = {2, 0, two_i32, NULL};
	kiln_host_func *host = NULL;
	kiln_engine *engine = NULL;
	kiln_module *mod = NULL;
	kiln_linker *linker = NULL;
	kiln_instance *inst = NULL;
	kiln_extern run;
	kiln_val arg = {KILN_I32, {.i32 = 5}}, result;
	kiln_trap_info trap;
	kiln_trap_kind start_trap;
	kiln_error err = {0};
	int rc = 1;

	if (kiln_host_func_new(&report_type, (kiln_native_fn)report, NULL, NULL, &host, &err) ||
	    kiln_engine_new(NULL, &engine, &err) ||
	    kiln_module_new(module, sizeof module, &mod, &err) ||
	    kiln_module_compile(engine, mod, &err) ||
	    kiln_linker_new(&linker, &err) ||
	    kiln_linker_define(linker, "env", "report", kiln_host_func_extern(host), &err) ||
	    kiln_linker_instantiate(linker, mod, &inst, &start_trap, &err)) {
		fprintf(stderr, "host_call: %s\n", err.message);
		goto out;
	}
	if (!kiln_instance_export(inst, (kiln_name){"run", 3}, &run) ||
	    kiln_func_call(run, &arg, 1, &result, 1, &trap, &err) != KILN_OK) {
		fprintf(stderr, "host_call: %s\n", err.message);
		goto out;
	}
	printf("run(5) = %d\n", result.of.i32);
	rc = 0;
out:
	/* Instances before their module, module before the engine, and the
	 * host function after the instances that import it. */
	kiln_instance_delete(inst);
	kiln_linker_delete(linker);
	kiln_module_delete(mod);
	kiln_engine_delete(engine);
	kiln_host_func_delete(host);
	return rc;
}
