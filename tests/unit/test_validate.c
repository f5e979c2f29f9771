/*
 * test_validate.c — the validator, table-driven: small modules that must
 * validate, and invalid ones with the spec's message.  Plus the shapes a
 * hostile module can take: deep nesting and very long functions.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "kiln.h"
#include "builder.h"
#include "unit.h"

/* What the test module around a function body has. */
enum {
	M_MEMORY = 1 << 0,	/* memory [1..] */
	M_TABLE = 1 << 1,	/* funcref table [1..] */
	M_GLOBALS = 1 << 2,	/* global 0: i32 = 0; global 1: mut i64 = 0 */
	M_DATA = 1 << 3,	/* data count 1 and one passive data segment */
	M_PARAM = 1 << 4,	/* the function is (i32) -> (i32), else () -> () */
	M_ELEM = 1 << 5,	/* one passive funcref element segment: [0] */
};

/* Builds the module; `locals` is the code entry's local declarations
 * (vec of runs), `body` the expression including its final `end`. */
static buf build(unsigned flags, const uint8_t *locals, size_t nlocals,
		 const uint8_t *body, size_t nbody)
{
	buf m = {0}, s = {0}, code = {0};

	mod_header(&m);
	PUT(&s, 2, 0x60, 0, 0, 0x60, 1, 0x7f, 1, 0x7f), section(&m, 1, &s);
	PUT(&s, 1, flags & M_PARAM ? 1 : 0), section(&m, 3, &s);
	if (flags & M_TABLE)
		PUT(&s, 1, 0x70, 0x00, 1), section(&m, 4, &s);
	if (flags & M_MEMORY)
		PUT(&s, 1, 0x00, 1), section(&m, 5, &s);
	if (flags & M_GLOBALS)
		PUT(&s, 2, 0x7f, 0, 0x41, 0, 0x0b, 0x7e, 1, 0x42, 0, 0x0b),
			section(&m, 6, &s);
	if (flags & M_ELEM)
		PUT(&s, 1, 0x01, 0x00, 1, 0), section(&m, 9, &s);
	if (flags & M_DATA)
		PUT(&s, 1), section(&m, 12, &s);
	put_n(&code, locals, nlocals);
	put_n(&code, body, nbody);
	put(&s, 1), put_u32(&s, (uint32_t)code.n), put_n(&s, code.p, code.n);
	section(&m, 10, &s);
	buf_free(&code);
	if (flags & M_DATA)
		PUT(&s, 1, 0x01, 1, 'x'), section(&m, 11, &s);
	return m;
}

static kiln_status check(const buf *m, kiln_error *err)
{
	kiln_module *mod = NULL;
	kiln_status st = kiln_module_new(m->p, m->n, &mod, err);

	kiln_module_delete(mod);
	return st;
}

/* check, with every resource limit lifted (kiln_module_limits). */
static kiln_status check_unlimited(const buf *m, kiln_error *err)
{
	kiln_module_limits none;

	memset(&none, 0xff, sizeof none);
	return decode_and_validate(m, KILN_FEATURES_DEFAULT, &none, err);
}

typedef struct vcase {
	const char *what;
	unsigned flags;
	uint8_t body[24];
	size_t n;
	const char *error;	/* NULL: must validate */
} vcase;

static const vcase cases[] = {
	{"add", 0, B(0x41, 1, 0x41, 2, 0x6a, 0x1a, 0x0b), NULL},
	/* The reference interpreter's words: what the instruction or the
	 * block's end wants, and what the stack has there. */
	{"mixed add", 0, B(0x41, 1, 0x42, 2, 0x6a, 0x1a, 0x0b),
	 "type mismatch: instruction requires [i32 i32] but stack has [i32 i64]"},
	{"leftover value", 0, B(0x41, 1, 0x0b),
	 "type mismatch: block requires [] but stack has [i32]"},
	{"missing result", M_PARAM, B(0x0b),
	 "type mismatch: instruction requires [i32] but stack has []"},
	{"param identity", M_PARAM, B(0x20, 0, 0x0b), NULL},
	{"unknown local", M_PARAM, B(0x20, 5, 0x0b), "unknown local"},
	{"unknown global", 0, B(0x23, 0, 0x1a, 0x0b), "unknown global"},
	{"immutable global", M_GLOBALS, B(0x41, 0, 0x24, 0, 0x0b), "global is immutable"},
	{"mutable global", M_GLOBALS, B(0x42, 0, 0x24, 1, 0x0b), NULL},
	{"unknown function", 0, B(0x10, 9, 0x0b), "unknown function"},
	{"call self", 0, B(0x10, 0, 0x0b), NULL},
	{"unknown table", 0, B(0x41, 0, 0x25, 0, 0x1a, 0x0b), "unknown table"},
	{"table.get", M_TABLE, B(0x41, 0, 0x25, 0, 0x1a, 0x0b), NULL},
	{"unknown memory", 0, B(0x41, 0, 0x28, 2, 0, 0x1a, 0x0b), "unknown memory"},
	{"load", M_MEMORY, B(0x41, 0, 0x28, 2, 0, 0x1a, 0x0b), NULL},
	{"overaligned", M_MEMORY, B(0x41, 0, 0x28, 3, 0, 0x1a, 0x0b),
	 "alignment must not be larger than natural"},
	{"unknown type", 0, B(0x02, 9, 0x0b, 0x0b), "unknown type"},
	{"unknown label", 0, B(0x0c, 1, 0x0b), "unknown label"},
	{"branch out", 0, B(0x02, 0x40, 0x0c, 1, 0x0b, 0x0b), NULL},
	{"unknown elem", M_TABLE, B(0xfc, 13, 0, 0x0b), "unknown elem segment"},
	{"elem.drop", M_ELEM, B(0xfc, 13, 0, 0x0b), NULL},
	{"unknown data", M_MEMORY | M_DATA, B(0xfc, 9, 1, 0x0b), "unknown data segment"},
	{"data.drop", M_MEMORY | M_DATA, B(0xfc, 9, 0, 0x0b), NULL},
	{"undeclared ref.func", 0, B(0xd2, 0, 0x1a, 0x0b), "undeclared function reference"},
	{"declared ref.func", M_ELEM, B(0xd2, 0, 0x1a, 0x0b), NULL},
	{"lane index", 0, B(0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			    0, 0, 0xfd, 0x15, 16, 0x1a, 0x0b), "invalid lane index"},
	{"select arity", 0, B(0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 2, 0x7f, 0x7f,
			      0x1a, 0x0b), "invalid result arity"},
	{"select of refs", 0, B(0xd0, 0x70, 0xd0, 0x70, 0x41, 0, 0x1b, 0x1a, 0x0b),
	 "type mismatch"},
	{"polymorphic stack", 0, B(0x00, 0x6a, 0x1a, 0x0b), NULL},
	{"polymorphic, but typed", 0, B(0x00, 0x42, 0, 0x6a, 0x1a, 0x0b),
	 "type mismatch: instruction requires [i32 i32] but stack has [_ i64]"},
	{"if without else", M_PARAM, B(0x20, 0, 0x04, 0x7f, 0x41, 1, 0x0b, 0x0b),
	 "type mismatch"},
	{"if with else", M_PARAM, B(0x20, 0, 0x04, 0x7f, 0x41, 1, 0x05, 0x41, 2,
				    0x0b, 0x0b), NULL},
	{"br_table arity", M_PARAM, B(0x02, 0x40, 0x02, 0x7f, 0x41, 0, 0x20, 0,
				      0x0e, 1, 0, 1, 0x0b, 0x1a, 0x0b, 0x41, 0, 0x0b),
	 "type mismatch"},
};

START_TEST(table_driven)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const vcase *c = &cases[i];
		buf m = build(c->flags, (const uint8_t[]){0}, 1, c->body, c->n);
		kiln_error err = {0};
		kiln_status st = check(&m, &err);

		if (c->error == NULL) {
			ck_assert_msg(st == KILN_OK, "%s: %s", c->what, err.message);
		} else {
			ck_assert_msg(st == KILN_ERR_INVALID, "%s: status %d (%s)",
				      c->what, st, err.message);
			ck_assert_msg(strncmp(err.message, c->error, strlen(c->error)) == 0,
				      "%s: got \"%s\"", c->what, err.message);
		}
		buf_free(&m);
	}
}
END_TEST

static kiln_status module_from_sections(void (*add)(buf *m), kiln_error *err)
{
	buf m = {0};
	kiln_status st;

	mod_header(&m);
	add(&m);
	st = check(&m, err);
	buf_free(&m);
	return st;
}

static void two_memories(buf *m)
{
	buf s = {0};
	PUT(&s, 2, 0x00, 1, 0x00, 1), section(m, 5, &s);
}

static void min_over_max(buf *m)
{
	buf s = {0};
	PUT(&s, 1, 0x01, 2, 1), section(m, 5, &s);
}

static void too_many_pages(buf *m)
{
	buf s = {0};
	PUT(&s, 1, 0x00, 0x81, 0x80, 0x04), section(m, 5, &s);	/* 65537 */
}

static void duplicate_export(buf *m)
{
	buf s = {0};
	PUT(&s, 1, 0x00, 1), section(m, 5, &s);
	put(&s, 2), put_name(&s, "x"), PUT(&s, 0x02, 0);
	put_name(&s, "x"), PUT(&s, 0x02, 0), section(m, 7, &s);
}

/* i32.and: not constant even with extended constants (i32.add is). */
static void non_constant_global(buf *m)
{
	buf s = {0};
	PUT(&s, 1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x71, 0x0b), section(m, 6, &s);
}

static void extended_const_global(buf *m)
{
	buf s = {0};
	PUT(&s, 1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b), section(m, 6, &s);
}

static void start_with_params(buf *m)
{
	buf s = {0};
	PUT(&s, 1, 0x60, 1, 0x7f, 0), section(m, 1, &s);
	PUT(&s, 1, 0), section(m, 3, &s);
	PUT(&s, 0), section(m, 8, &s);
	PUT(&s, 1, 2, 0, 0x0b), section(m, 10, &s);
}

START_TEST(module_level)
{
	static const struct {
		void (*add)(buf *m);
		const char *error;
	} mcases[] = {
		{min_over_max, "size minimum must not be greater than maximum"},
		{too_many_pages, "memory size must be at most 65536 pages (4GiB)"},
		{duplicate_export, "duplicate export name"},
		{non_constant_global, "constant expression required"},
		{start_with_params, "start function"},
	};
	for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
		kiln_error err = {0};
		ck_assert_int_eq(module_from_sections(mcases[i].add, &err), KILN_ERR_INVALID);
		ck_assert_str_eq(err.message, mcases[i].error);
	}
}
END_TEST

/* Decoded with `features`, then validated: the status and message. */
static kiln_status check_features(const buf *m, uint32_t features, kiln_error *err)
{
	kiln_module *mod = NULL;
	kiln_status st = kiln_module_decode_features(m->p, m->n, NULL, features, &mod, err);

	if (st == KILN_OK)
		st = kiln_module_validate(mod, err);
	kiln_module_delete(mod);
	return st;
}

/* Two memories, and memory.size and a load naming memory 1 or 2 (of one):
 * with KILN_FEATURE_MULTI_MEMORY as the proposal has them; without it what
 * 2.0 says of the same bytes. */
START_TEST(multi_memory_switch)
{
	const uint32_t mm = KILN_FEATURES_DEFAULT | KILN_FEATURE_MULTI_MEMORY;
	const uint32_t v20 = KILN_FEATURES_DEFAULT & ~KILN_FEATURE_MULTI_MEMORY;
	static const struct {
		uint8_t body[8];
		size_t n;
		kiln_status st20, st;
		const char *msg20, *msg;
	} mm_cases[] = {
		{{0x3f, 1, 0x1a, 0x0b}, 4, KILN_ERR_MALFORMED, KILN_ERR_INVALID,
		 "zero byte expected", "unknown memory 1"},
		{{0x3f, 2, 0x1a, 0x0b}, 4, KILN_ERR_MALFORMED, KILN_ERR_INVALID,
		 "zero byte expected", "unknown memory 2"},
		/* i32.const 0, i32.load align=2|0x40 memory 1 offset 0, drop */
		{{0x41, 0, 0x28, 0x42, 1, 0, 0x1a, 0x0b}, 8, KILN_ERR_INVALID, KILN_ERR_INVALID,
		 "alignment must not be larger than natural", "unknown memory 1"},
	};
	buf m = {0};
	kiln_error err;

	mod_header(&m);
	two_memories(&m);
	ck_assert_int_eq(check_features(&m, v20, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message, "multiple memories");
	ck_assert_int_eq(check_features(&m, mm, &err), KILN_OK);
	buf_free(&m);
	for (size_t i = 0; i < sizeof mm_cases / sizeof mm_cases[0]; i++) {
		m = build(M_MEMORY, (const uint8_t[]){0}, 1, mm_cases[i].body, mm_cases[i].n);
		ck_assert_int_eq(check_features(&m, v20, &err), mm_cases[i].st20);
		ck_assert_str_eq(err.message, mm_cases[i].msg20);
		ck_assert_int_eq(check_features(&m, mm, &err), mm_cases[i].st);
		ck_assert_str_eq(err.message, mm_cases[i].msg);
		buf_free(&m);
	}
}
END_TEST

/* Extended constants: i32.add in a global's initialiser is constant with
 * the proposal (the default) and not without it, as in 2.0; its operands
 * must be two of its type. */
START_TEST(extended_constants)
{
	static const uint8_t mixed[] = {1, 0x7f, 0, 0x41, 1, 0x42, 2, 0x6a, 0x0b};
	static const uint8_t one[] = {1, 0x7f, 0, 0x41, 1, 0x6a, 0x0b};
	buf m = {0}, s = {0};
	kiln_module *mod;
	kiln_error err;

	ck_assert_int_eq(module_from_sections(extended_const_global, &err), KILN_OK);
	mod_header(&m);
	extended_const_global(&m);
	ck_assert_int_eq(kiln_module_decode_features(m.p, m.n, NULL, KILN_FEATURE_THREADS, &mod,
						     &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_EXTENDED_CONST);
	ck_assert_int_eq(kiln_module_validate(mod, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message, "constant expression required");
	kiln_module_delete(mod);
	buf_free(&m);
	for (int i = 0; i < 2; i++) {
		mod_header(&m);
		put_n(&s, i ? one : mixed, i ? sizeof one : sizeof mixed);
		section(&m, 6, &s);
		ck_assert_int_eq(check(&m, &err), KILN_ERR_INVALID);
		ck_assert_str_eq(err.message, "type mismatch");
		buf_free(&m);
	}
}
END_TEST

/* 100,000 nested blocks: validation uses heap, not C stack. */
START_TEST(deep_nesting)
{
	enum { DEPTH = 100000 };
	buf body = {0};
	kiln_error err;

	for (int i = 0; i < DEPTH; i++)
		PUT(&body, 0x02, 0x40);
	for (int i = 0; i <= DEPTH; i++)
		put(&body, 0x0b);
	buf m = build(0, (const uint8_t[]){0}, 1, body.p, body.n);
	ck_assert_int_eq(check(&m, &err), KILN_OK);
	buf_free(&m);
	/* The same with one `end` too few is malformed, not a crash. */
	m = build(0, (const uint8_t[]){0}, 1, body.p, body.n - 1);
	ck_assert_int_eq(check(&m, &err), KILN_ERR_MALFORMED);
	buf_free(&m);
	buf_free(&body);
}
END_TEST

/* A million instructions validate (in linear time: Check's timeout is the
 * bound; this is no speed test). */
START_TEST(long_function)
{
	buf body = {0};
	kiln_error err;

	put(&body, 0x41), put(&body, 0);
	for (int i = 0; i < 500000; i++)
		PUT(&body, 0x41, 1, 0x6a);
	PUT(&body, 0x1a, 0x0b);
	buf m = build(0, (const uint8_t[]){0}, 1, body.p, body.n);
	ck_assert_int_eq(check(&m, &err), KILN_OK);
	buf_free(&m);
	buf_free(&body);
}
END_TEST

/* A huge br_table to a deep stack of labels: each label is checked once. */
START_TEST(long_br_table)
{
	enum { DEPTH = 1000, TARGETS = 200000 };
	buf body = {0};
	kiln_error err;

	for (int i = 0; i < DEPTH; i++)
		PUT(&body, 0x02, 0x40);
	PUT(&body, 0x41, 0, 0x0e);
	put_u32(&body, TARGETS);
	for (int i = 0; i < TARGETS; i++)
		put_u32(&body, (uint32_t)(i % DEPTH));
	put(&body, 0);
	for (int i = 0; i <= DEPTH; i++)
		put(&body, 0x0b);
	buf m = build(0, (const uint8_t[]){0}, 1, body.p, body.n);
	ck_assert_int_eq(check(&m, &err), KILN_ERR_LIMIT);
	ck_assert_str_eq(err.message, "a br_table has 200000 targets, limit 65520 (max_br_table)");
	ck_assert_int_eq(check_unlimited(&m, &err), KILN_OK);
	buf_free(&m);
	buf_free(&body);
}
END_TEST

START_TEST(locals_by_runs)
{
	/* 3 runs: 2 x i64, 1000000 x f32, 1 x i32; local 1000002 is the i32. */
	const uint8_t locals[] = {3, 2, 0x7e, 0xc0, 0x84, 0x3d, 0x7d, 1, 0x7f};
	const uint8_t ok[] = {0x20, 0xc2, 0x84, 0x3d, 0x1a, 0x20, 1, 0x1a, 0x0b};
	const uint8_t bad[] = {0x20, 0xc2, 0x84, 0x3d, 0x50, 0x1a, 0x0b};
	const uint8_t past[] = {0x20, 0xc3, 0x84, 0x3d, 0x1a, 0x0b};
	kiln_error err;
	buf m = build(0, locals, sizeof locals, ok, sizeof ok);

	ck_assert_int_eq(check(&m, &err), KILN_ERR_LIMIT);
	ck_assert_int_eq(check_unlimited(&m, &err), KILN_OK);
	buf_free(&m);
	m = build(0, locals, sizeof locals, bad, sizeof bad);	/* i64.eqz of i32 */
	ck_assert_int_eq(check_unlimited(&m, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message,
			 "type mismatch: instruction requires [i64] but stack has [i32]");
	buf_free(&m);
	m = build(0, locals, sizeof locals, past, sizeof past);
	ck_assert_int_eq(check_unlimited(&m, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message, "unknown local 1000003");
	buf_free(&m);
}
END_TEST

START_TEST(validate_is_idempotent)
{
	buf m = build(0, (const uint8_t[]){0}, 1, (const uint8_t[]){0x0c, 1, 0x0b}, 3);
	kiln_module *mod;
	kiln_error e1, e2;

	ck_assert_int_eq(kiln_module_decode(m.p, m.n, &mod, &e1), KILN_OK);
	ck_assert_int_eq(kiln_module_validate(mod, &e1), KILN_ERR_INVALID);
	ck_assert_int_eq(kiln_module_validate(mod, &e2), KILN_ERR_INVALID);
	ck_assert_str_eq(e1.message, e2.message);
	ck_assert_uint_eq(e1.offset, e2.offset);
	kiln_module_delete(mod);
	buf_free(&m);
}
END_TEST

Suite *validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_driven);
	tcase_add_test(tc, module_level);
	tcase_add_test(tc, multi_memory_switch);
	tcase_add_test(tc, extended_constants);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, long_function);
	tcase_add_test(tc, long_br_table);
	tcase_add_test(tc, locals_by_runs);
	tcase_add_test(tc, validate_is_idempotent);
	suite_add_tcase(s, tc);
	return s;
}
