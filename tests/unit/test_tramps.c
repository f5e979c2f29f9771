/*
 * test_tramps.c — entry trampolines are per signature (vmctx.h,
 * kiln_tramp_fn): functions of equal signature share one, even under
 * different type indices and across the modules of an engine, both in the
 * JIT and in a loaded artifact; calls from C through them pass arguments
 * and results of every kind right.
 */
#include <check.h>
#include <string.h>

#include "builder.h"
#include "code.h"
#include "module.h"
#include "unit.h"

/* Types: 0 and 1 are both (i32 i32) -> i32; 2 (i64 f32 f64) -> (f64 i64
 * f32); 3 (v128 v128) -> v128; 4 (externref i32) -> (i32 externref);
 * 5 () -> ().  Functions: add (type 0), sub (1), multi (2), vadd (3),
 * ref (4), mul (0 again), trap (5). */
enum { F_ADD, F_SUB, F_MULTI, F_VADD, F_REF, F_MUL, F_TRAP, NFUNCS };

static void add_types(buf *m)
{
	buf s = {0};

	put(&s, 6);
	PUT(&s, 0x60, 2, 0x7f, 0x7f, 1, 0x7f);
	PUT(&s, 0x60, 2, 0x7f, 0x7f, 1, 0x7f);
	PUT(&s, 0x60, 3, 0x7e, 0x7d, 0x7c, 3, 0x7c, 0x7e, 0x7d);
	PUT(&s, 0x60, 2, 0x7b, 0x7b, 1, 0x7b);
	PUT(&s, 0x60, 2, 0x6f, 0x7f, 2, 0x7f, 0x6f);
	PUT(&s, 0x60, 0, 0);
	section(m, 1, &s);
}

static void add_body(buf *code, const uint8_t *insns, size_t n)
{
	put_u32(code, (uint32_t)n + 1);
	put(code, 0);		/* no locals */
	put_n(code, insns, n);
}

static buf make_module(void)
{
	static const char *const names[NFUNCS] = {"add", "sub", "multi", "vadd", "ref", "mul",
						  "trap"};
	buf m = {0}, s = {0};

	mod_header(&m);
	add_types(&m);
	PUT(&s, NFUNCS, 0, 1, 2, 3, 4, 0, 5);
	section(&m, 3, &s);
	put(&s, NFUNCS);
	for (uint32_t i = 0; i < NFUNCS; i++) {
		put_name(&s, names[i]);
		PUT(&s, 0, (uint8_t)i);
	}
	section(&m, 7, &s);
	put(&s, NFUNCS);
	add_body(&s, (const uint8_t[]){0x20, 0, 0x20, 1, 0x6a, 0x0b}, 6);
	add_body(&s, (const uint8_t[]){0x20, 0, 0x20, 1, 0x6b, 0x0b}, 6);
	/* c + c, a + 1, b */
	add_body(&s, (const uint8_t[]){0x20, 2, 0x20, 2, 0xa0, 0x20, 0, 0x42, 1, 0x7c,
				       0x20, 1, 0x0b}, 13);
	add_body(&s, (const uint8_t[]){0x20, 0, 0x20, 1, 0xfd, 0xae, 0x01, 0x0b}, 8);
	/* b * 7, the reference */
	add_body(&s, (const uint8_t[]){0x20, 1, 0x41, 7, 0x6c, 0x20, 0, 0x0b}, 8);
	add_body(&s, (const uint8_t[]){0x20, 0, 0x20, 1, 0x6c, 0x0b}, 6);
	add_body(&s, (const uint8_t[]){0x00, 0x0b}, 2);
	section(&m, 10, &s);
	return m;
}

static void *tramp(const kiln_module *m, uint32_t f)
{
	return krt_code_tramp(m->code, f);
}

/* Equal signatures share a trampoline, different ones do not. */
static void check_sharing(const kiln_module *m)
{
	ck_assert(krt_code_ready(m->code));
	for (uint32_t f = 0; f < NFUNCS; f++)
		ck_assert_ptr_nonnull(tramp(m, f));
	ck_assert_ptr_eq(tramp(m, F_ADD), tramp(m, F_SUB));
	ck_assert_ptr_eq(tramp(m, F_ADD), tramp(m, F_MUL));
	for (uint32_t f = F_MULTI; f < NFUNCS; f++)
		for (uint32_t g = F_ADD; g < f; g++)
			if (f != F_MUL)
				ck_assert_ptr_ne(tramp(m, f), tramp(m, g));
}

static kiln_extern export(kiln_instance *inst, const char *name)
{
	kiln_extern x;

	ck_assert(kiln_instance_export(inst, (kiln_name){name, strlen(name)}, &x));
	return x;
}

static void call(kiln_instance *inst, const char *name, const kiln_val *args, size_t nargs,
		 kiln_val *results, size_t nresults)
{
	kiln_error err;

	ck_assert_int_eq(kiln_func_call(export(inst, name), args, nargs, results, nresults,
					NULL, &err), KILN_OK);
}

/* Calls through the shared trampolines give each function's own results. */
static void check_calls(kiln_module *m)
{
	kiln_instance *inst;
	kiln_val r[3], two[2] = {{KILN_I32, {.i32 = 7}}, {KILN_I32, {.i32 = 5}}};
	kiln_val three[3] = {{KILN_I64, {.i64 = (int64_t)1 << 40}}, {KILN_F32, {.f32 = 1.5f}},
			     {KILN_F64, {.f64 = 2.25}}};
	kiln_val vecs[2] = {{KILN_V128, {.v128 = {1, 0, 0, 0, 2}}},
			    {KILN_V128, {.v128 = {3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}}}};
	kiln_val refs[2] = {{KILN_EXTERNREF, {.ref = &inst}}, {KILN_I32, {.i32 = 6}}};
	kiln_trap_info trap;
	kiln_error err;

	ck_assert_int_eq(kiln_instance_new(m, NULL, 0, &inst, NULL, &err), KILN_OK);
	call(inst, "add", two, 2, r, 1);
	ck_assert_int_eq(r[0].of.i32, 12);
	call(inst, "sub", two, 2, r, 1);
	ck_assert_int_eq(r[0].of.i32, 2);
	call(inst, "mul", two, 2, r, 1);
	ck_assert_int_eq(r[0].of.i32, 35);
	call(inst, "multi", three, 3, r, 3);
	ck_assert(r[0].of.f64 == 4.5);
	ck_assert_int_eq(r[1].of.i64, ((int64_t)1 << 40) + 1);
	ck_assert(r[2].of.f32 == 1.5f);
	call(inst, "vadd", vecs, 2, r, 1);
	ck_assert_uint_eq(r[0].of.v128[0], 4);
	ck_assert_uint_eq(r[0].of.v128[4], 1);	/* 2 + 0xffffffff, wrapped */
	ck_assert_uint_eq(r[0].of.v128[5], 0);
	call(inst, "ref", refs, 2, r, 2);
	ck_assert_int_eq(r[0].of.i32, 42);
	ck_assert_ptr_eq(r[1].of.ref, &inst);
	/* The trampoline is no frame of a trap: kiln's glue (KILN_NOT_A_FUNCTION). */
	ck_assert_int_eq(kiln_func_call(export(inst, "trap"), NULL, 0, NULL, 0, &trap, &err),
			 KILN_ERR_TRAP);
	ck_assert_int_eq(trap.kind, KILN_TRAP_UNREACHABLE);
	ck_assert_uint_eq(trap.nframes, 1);
	ck_assert_uint_eq(trap.frames[0].func_index, F_TRAP);
	kiln_instance_delete(inst);
}

START_TEST(jit_shares_trampolines_per_signature)
{
	buf b = make_module();
	kiln_engine *e;
	kiln_module *m1, *m2;
	kiln_error err;

	ck_assert_int_eq(kiln_engine_new(NULL, &e, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(b.p, b.n, &m1, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(b.p, b.n, &m2, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_compile(e, m1, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_compile(e, m2, &err), KILN_OK);
	check_sharing(m1);
	/* Once per engine: another module's functions get the same ones. */
	for (uint32_t f = 0; f < NFUNCS; f++)
		ck_assert_ptr_eq(tramp(m1, f), tramp(m2, f));
	check_calls(m1);
	check_calls(m2);
	kiln_module_delete(m1);
	/* Still there for the engine's other modules. */
	check_calls(m2);
	kiln_module_delete(m2);
	kiln_engine_delete(e);
	buf_free(&b);
}
END_TEST

START_TEST(artifact_shares_trampolines_per_signature)
{
	buf b = make_module();
	kiln_engine *e;
	kiln_module *m, *loaded;
	uint8_t *art;
	size_t len;
	kiln_error err;

	ck_assert_int_eq(kiln_engine_new(NULL, &e, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(b.p, b.n, &m, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_serialize(e, m, &art, &len, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_load(art, len, &loaded, &err), KILN_OK);
	check_sharing(loaded);
	check_calls(loaded);
	kiln_module_delete(loaded);
	kiln_module_delete(m);
	free(art);
	kiln_engine_delete(e);
	buf_free(&b);
}
END_TEST

/* A trampoline takes at most 128 parameters: more is refused, by the JIT
 * and the AOT compiler alike, with that reason. */
START_TEST(more_than_128_params_refused)
{
	buf b = {0}, s = {0};
	kiln_engine *e;
	kiln_module *m;
	uint8_t *art;
	size_t len;
	kiln_error err;

	mod_header(&b);
	PUT(&s, 1, 0x60);
	put_u32(&s, 129);
	for (int i = 0; i < 129; i++)
		put(&s, 0x7f);
	put(&s, 0);
	section(&b, 1, &s);
	PUT(&s, 1, 0);
	section(&b, 3, &s);
	put(&s, 1);
	add_body(&s, (const uint8_t[]){0x0b}, 1);
	section(&b, 10, &s);
	ck_assert_int_eq(kiln_engine_new(NULL, &e, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(b.p, b.n, &m, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_compile(e, m, &err), KILN_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.message, "more than 128 parameters"));
	ck_assert_int_eq(kiln_module_serialize(e, m, &art, &len, &err), KILN_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.message, "more than 128 parameters"));
	kiln_module_delete(m);
	kiln_engine_delete(e);
	buf_free(&b);
}
END_TEST

/* The name that keys the sharing: the structure, nothing else. */
START_TEST(tramp_names_are_signatures)
{
	static const kiln_valtype p[] = {KILN_I32, KILN_I64, KILN_F32, KILN_F64, KILN_V128,
					 KILN_FUNCREF, KILN_EXTERNREF};
	kiln_functype ft = {7, 1, p, p + 1}, none = {0, 0, NULL, NULL};
	char *a = krt_tramp_name(&ft), *b = krt_tramp_name(&none);

	ck_assert_str_eq(a, "Tilfdvrx_l");
	ck_assert_str_eq(b, "T_");
	free(a);
	free(b);
}
END_TEST

Suite *tramps_suite(void)
{
	Suite *s = suite_create("tramps");
	TCase *tc = tcase_create("tramps");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, tramp_names_are_signatures);
	tcase_add_test(tc, jit_shares_trampolines_per_signature);
	tcase_add_test(tc, artifact_shares_trampolines_per_signature);
	tcase_add_test(tc, more_than_128_params_refused);
	suite_add_tcase(s, tc);
	return s;
}
