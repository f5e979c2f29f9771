/*
 * test_exceptions.c — exception handling's front end: the tag section,
 * tag imports and exports, exnref, and the instructions (try_table with
 * each kind of catch clause, throw, throw_ref; the legacy try, catch,
 * catch_all, delegate, rethrow) decoded and validated from hand-made
 * bytes (wabt 1.0.32 cannot write try_table or throw_ref).  And that
 * compiling refuses them until the runtime can run them.
 */
#include <check.h>
#include <string.h>

#include "kiln.h"
#include "builder.h"
#include "reader.h"
#include "unit.h"

/* The types every test module has. */
enum {
	T_NONE,		/* [] -> [] */
	T_I32,		/* [i32] -> [] */
	T_TO_I32,	/* [] -> [i32] */
	T_TO_EXN,	/* [] -> [exnref] */
	T_TO_I32_EXN,	/* [] -> [i32 exnref] */
	T_I32_TO_I32,	/* [i32] -> [i32]: no tag's type */
};

/* Tag 0 carries nothing, tag 1 an i32. */
static const uint8_t two_tags[] = {2, 0x00, T_NONE, 0x00, T_I32};

/* Without `exn` (a 2.0 decoder's module), the two types naming exnref
 * are [] -> [] instead. */
static void types(buf *m, bool exn)
{
	buf s = {0};

	PUT(&s, 6, 0x60, 0, 0, 0x60, 1, 0x7f, 0, 0x60, 0, 1, 0x7f);
	if (exn)
		PUT(&s, 0x60, 0, 1, 0x69, 0x60, 0, 2, 0x7f, 0x69);
	else
		PUT(&s, 0x60, 0, 0, 0x60, 0, 0);
	PUT(&s, 0x60, 1, 0x7f, 1, 0x7f);
	section(m, 1, &s);
}

/* A module of the types above (types(m, exn)), the tag section `tags`
 * (vec included; none when NULL) and one function of type `ftype` with
 * `locals` (vec of runs) and `body` (its final `end` included). */
static buf module_of(bool exn, const uint8_t *tags, size_t ntags, uint8_t ftype,
		     const uint8_t *locals, size_t nlocals, const uint8_t *body, size_t nbody)
{
	buf m = {0}, s = {0}, code = {0};

	mod_header(&m);
	types(&m, exn);
	PUT(&s, 1, ftype), section(&m, 3, &s);
	if (tags)
		put_n(&s, tags, ntags), section(&m, 13, &s);
	put_n(&code, locals, nlocals);
	put_n(&code, body, nbody);
	put(&s, 1), put_u32(&s, (uint32_t)code.n), put_n(&s, code.p, code.n);
	section(&m, 10, &s);
	buf_free(&code);
	return m;
}

#define module(...) module_of(true, __VA_ARGS__)

static kiln_status check(const buf *m, uint32_t features, kiln_error *err)
{
	return decode_and_validate(m, features, NULL, err);
}

typedef struct ecase {
	const char *what;
	uint8_t ftype;
	uint8_t body[24];
	size_t n;
	kiln_status status;
	const char *error;	/* the message's start */
} ecase;

#define OK KILN_OK, NULL
#define INVALID(msg) KILN_ERR_INVALID, msg
#define MALFORMED(msg) KILN_ERR_MALFORMED, msg

/* try_table 0x1f bt vec(clause); clause: 0 tag label (catch), 1 tag label
 * (catch_ref), 2 label (catch_all), 3 label (catch_all_ref); labels count
 * from outside the try_table.  block 0x02, throw 0x08, throw_ref 0x0a. */
static const ecase cases[] = {
	/* Each clause kind to a label taking exactly what it hands over. */
	{"catch", T_NONE, B(0x02, 0x7f, 0x1f, 0x40, 1, 0, 1, 0, 0x0b, 0x41, 0, 0x0b, 0x1a, 0x0b),
	 OK},
	{"catch_ref", T_NONE, B(0x02, T_TO_I32_EXN, 0x1f, 0x40, 1, 1, 1, 0, 0x0b, 0x00, 0x0b,
				0x1a, 0x1a, 0x0b), OK},
	{"catch_all", T_NONE, B(0x02, 0x40, 0x1f, 0x40, 1, 2, 0, 0x0b, 0x0b, 0x0b), OK},
	{"catch_all_ref", T_NONE, B(0x02, 0x69, 0x1f, 0x40, 1, 3, 0, 0x0b, 0x00, 0x0b, 0x1a,
				    0x0b), OK},
	{"every clause", T_NONE, B(0x02, 0x69, 0x02, 0x40, 0x1f, 0x40, 4, 0, 0, 0, 1, 0, 1, 2, 0,
				   3, 1, 0x0b, 0x0b, 0x00, 0x0b, 0x1a, 0x0b), OK},
	{"label of the function", T_NONE, B(0x1f, 0x40, 1, 2, 0, 0x0b, 0x0b), OK},
	{"catch to a loop", T_NONE, B(0x41, 0, 0x03, T_I32, 0x1a, 0x1f, 0x40, 1, 0, 1, 0, 0x0b,
				      0x00, 0x0b, 0x0b), OK},
	{"try_table's params", T_NONE, B(0x41, 0, 0x1f, T_I32, 0, 0x1a, 0x0b, 0x0b), OK},
	{"branch to the try_table", T_NONE, B(0x1f, 0x7f, 0, 0x41, 1, 0x0c, 0, 0x0b, 0x1a, 0x0b),
	 OK},
	{"try_table's result", T_NONE, B(0x1f, 0x7f, 0, 0x0b, 0x1a, 0x0b),
	 INVALID("type mismatch")},
	/* A label that does not take what the clause hands over. */
	{"catch to []", T_NONE, B(0x02, 0x40, 0x1f, 0x40, 1, 0, 1, 0, 0x0b, 0x0b, 0x0b),
	 INVALID("type mismatch")},
	{"catch to [i64]", T_NONE, B(0x02, 0x7e, 0x1f, 0x40, 1, 0, 1, 0, 0x0b, 0x00, 0x0b, 0x1a,
				     0x0b), INVALID("type mismatch")},
	{"catch_ref without exnref", T_NONE, B(0x02, 0x7f, 0x1f, 0x40, 1, 1, 1, 0, 0x0b, 0x00,
					       0x0b, 0x1a, 0x0b), INVALID("type mismatch")},
	{"catch_ref to [exnref]", T_NONE, B(0x02, 0x69, 0x1f, 0x40, 1, 1, 1, 0, 0x0b, 0x00,
					    0x0b, 0x1a, 0x0b), INVALID("type mismatch")},
	{"catch_all to [i32]", T_NONE, B(0x02, 0x7f, 0x1f, 0x40, 1, 2, 0, 0x0b, 0x00, 0x0b,
					 0x1a, 0x0b), INVALID("type mismatch")},
	{"catch_all_ref to []", T_NONE, B(0x02, 0x40, 0x1f, 0x40, 1, 3, 0, 0x0b, 0x0b, 0x0b),
	 INVALID("type mismatch")},
	{"catch_all_ref to [i32]", T_NONE, B(0x02, 0x7f, 0x1f, 0x40, 1, 3, 0, 0x0b, 0x00, 0x0b,
					     0x1a, 0x0b), INVALID("type mismatch")},
	{"catch_all to a function's result", T_TO_I32, B(0x1f, 0x40, 1, 2, 0, 0x0b, 0x00, 0x0b),
	 INVALID("type mismatch")},
	{"unknown tag in a clause", T_NONE, B(0x02, 0x40, 0x1f, 0x40, 1, 0, 5, 0, 0x0b, 0x0b,
					      0x0b), INVALID("unknown tag 5")},
	/* Labels count from outside: the try_table's own is not there. */
	{"unknown label in a clause", T_NONE, B(0x1f, 0x40, 1, 2, 1, 0x0b, 0x0b),
	 INVALID("unknown label")},
	{"malformed clause", T_NONE, B(0x1f, 0x40, 1, 4, 0, 0x0b, 0x0b),
	 MALFORMED("malformed catch clause")},
	/* throw and throw_ref. */
	{"throw", T_NONE, B(0x41, 7, 0x08, 1, 0x0b), OK},
	{"throw is polymorphic", T_TO_I32, B(0x08, 0, 0x0b), OK},
	{"throw's payload", T_NONE, B(0x42, 7, 0x08, 1, 0x0b), INVALID("type mismatch")},
	{"throw without payload", T_NONE, B(0x08, 1, 0x0b), INVALID("type mismatch")},
	{"throw of an unknown tag", T_NONE, B(0x08, 9, 0x0b), INVALID("unknown tag 9")},
	{"throw_ref", T_NONE, B(0xd0, 0x69, 0x0a, 0x0b), OK},
	{"throw_ref of a caught exception", T_NONE, B(0x02, 0x69, 0x1f, 0x40, 1, 3, 0, 0x0b,
						      0x00, 0x0b, 0x0a, 0x0b), OK},
	{"throw_ref is polymorphic", T_TO_I32, B(0xd0, 0x69, 0x0a, 0x0b), OK},
	{"throw_ref of an i32", T_NONE, B(0x41, 0, 0x0a, 0x0b), INVALID("type mismatch")},
	{"throw_ref of a funcref", T_NONE, B(0xd0, 0x70, 0x0a, 0x0b), INVALID("type mismatch")},
	{"throw_ref of nothing", T_NONE, B(0x0a, 0x0b), INVALID("type mismatch")},
	{"exnref is a reference", T_NONE, B(0xd0, 0x69, 0xd1, 0x1a, 0x0b), OK},
	{"exnref result", T_TO_EXN, B(0xd0, 0x69, 0x0b), OK},
	{"no exnref in untyped select", T_NONE, B(0xd0, 0x69, 0xd0, 0x69, 0x41, 0, 0x1b, 0x1a,
						  0x0b), INVALID("type mismatch")},
	{"typed select of exnref", T_NONE, B(0xd0, 0x69, 0xd0, 0x69, 0x41, 0, 0x1c, 1, 0x69,
					     0x1a, 0x0b), OK},
	/* The legacy form: try 0x06, catch 0x07, rethrow 0x09, delegate
	 * 0x18, catch_all 0x19. */
	{"try, catch, catch_all", T_NONE, B(0x06, 0x40, 0x41, 5, 0x08, 1, 0x07, 1, 0x1a, 0x07,
					    0, 0x19, 0x0b, 0x0b), OK},
	{"try without handlers", T_NONE, B(0x06, 0x40, 0x0b, 0x0b), OK},
	{"try's result in a handler", T_TO_I32, B(0x06, 0x7f, 0x41, 1, 0x07, 1, 0x0b, 0x0b), OK},
	{"handler's payload", T_TO_I32, B(0x06, 0x7f, 0x41, 1, 0x07, 0, 0x0b, 0x0b),
	 INVALID("type mismatch")},
	{"leftover in a handler", T_NONE, B(0x06, 0x40, 0x19, 0x41, 1, 0x0b, 0x0b),
	 INVALID("type mismatch")},
	{"catch of an unknown tag", T_NONE, B(0x06, 0x40, 0x07, 2, 0x0b, 0x0b),
	 INVALID("unknown tag 2")},
	{"rethrow", T_NONE, B(0x06, 0x40, 0x07, 0, 0x09, 0, 0x0b, 0x0b), OK},
	{"rethrow from a block in catch_all", T_NONE, B(0x06, 0x40, 0x19, 0x02, 0x40, 0x09, 1,
							0x0b, 0x0b, 0x0b), OK},
	{"rethrow in try", T_NONE, B(0x06, 0x40, 0x09, 0, 0x0b, 0x0b),
	 INVALID("invalid rethrow label")},
	{"rethrow to a block", T_NONE, B(0x06, 0x40, 0x19, 0x02, 0x40, 0x09, 0, 0x0b, 0x0b,
					 0x0b), INVALID("invalid rethrow label")},
	{"rethrow's unknown label", T_NONE, B(0x06, 0x40, 0x19, 0x09, 2, 0x0b, 0x0b),
	 INVALID("unknown label")},
	{"delegate to the function", T_NONE, B(0x06, 0x40, 0x18, 0, 0x0b), OK},
	{"delegate to a block", T_NONE, B(0x02, 0x40, 0x06, 0x40, 0x18, 0, 0x0b, 0x0b), OK},
	{"delegate's unknown label", T_NONE, B(0x06, 0x40, 0x18, 1, 0x0b),
	 INVALID("unknown label")},
	{"delegate's result", T_NONE, B(0x06, 0x7f, 0x18, 0, 0x1a, 0x0b),
	 INVALID("type mismatch")},
	{"catch after catch_all", T_NONE, B(0x06, 0x40, 0x19, 0x07, 0, 0x0b, 0x0b),
	 MALFORMED("END opcode expected")},
	{"catch_all twice", T_NONE, B(0x06, 0x40, 0x19, 0x19, 0x0b, 0x0b),
	 MALFORMED("END opcode expected")},
	{"catch outside try", T_NONE, B(0x02, 0x40, 0x07, 0, 0x0b, 0x0b),
	 MALFORMED("END opcode expected")},
	{"delegate after catch", T_NONE, B(0x06, 0x40, 0x07, 0, 0x18, 0, 0x0b),
	 MALFORMED("END opcode expected")},
	{"delegate outside try", T_NONE, B(0x02, 0x40, 0x18, 0, 0x0b),
	 MALFORMED("END opcode expected")},
};

START_TEST(instructions)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const ecase *c = &cases[i];
		buf m = module(two_tags, sizeof two_tags, c->ftype, (const uint8_t[]){0}, 1,
			       c->body, c->n);
		kiln_error err = {0};
		kiln_status st = check(&m, KILN_FEATURES_DEFAULT, &err);

		ck_assert_msg(st == c->status, "%s: status %d (%s)", c->what, st, err.message);
		if (c->error)
			ck_assert_msg(strncmp(err.message, c->error, strlen(c->error)) == 0,
				      "%s: got \"%s\"", c->what, err.message);
		buf_free(&m);
	}
}
END_TEST

/* Locals, and the proposal noted in the module's uses by each of its
 * encodings alone. */
START_TEST(exnref_and_uses)
{
	static const uint8_t exn_local[] = {1, 1, 0x69};
	static const uint8_t get_is_null[] = {0x20, 0, 0xd1, 0x1a, 0x0b};
	static const uint8_t catch_all[] = {0x1f, 0x40, 1, 2, 0, 0x0b, 0x0b};
	static const uint8_t nothing[] = {0x0b};
	kiln_module *mod;
	kiln_error err;
	buf m = module(NULL, 0, T_NONE, exn_local, sizeof exn_local, get_is_null,
		       sizeof get_is_null);

	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_EXCEPTIONS);
	kiln_module_delete(mod);
	buf_free(&m);
	m = module(NULL, 0, T_NONE, (const uint8_t[]){0}, 1, catch_all, sizeof catch_all);
	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_EXCEPTIONS);
	kiln_module_delete(mod);
	buf_free(&m);
	m = module_of(false, (const uint8_t[]){0}, 1, T_NONE, (const uint8_t[]){0}, 1, nothing,
		      sizeof nothing);	/* an empty tag section */
	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_EXCEPTIONS);
	kiln_module_delete(mod);
	buf_free(&m);
	/* A type naming exnref is a use too. */
	m = module(NULL, 0, T_NONE, (const uint8_t[]){0}, 1, nothing, sizeof nothing);
	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_EXCEPTIONS);
	kiln_module_delete(mod);
	buf_free(&m);
	m = module_of(false, NULL, 0, T_NONE, (const uint8_t[]){0}, 1, nothing, sizeof nothing);
	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), 0);
	kiln_module_delete(mod);
	buf_free(&m);
}
END_TEST

/* A tag's type must exist and have no results. */
START_TEST(tag_types)
{
	kiln_error err;
	buf m = module((const uint8_t[]){1, 0x00, T_I32_TO_I32}, 3, T_NONE,
		       (const uint8_t[]){0}, 1, (const uint8_t[]){0x0b}, 1);

	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message, "non-empty tag result type");
	buf_free(&m);
	m = module((const uint8_t[]){1, 0x00, 6}, 3, T_NONE, (const uint8_t[]){0}, 1,
		   (const uint8_t[]){0x0b}, 1);
	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message, "unknown type 6");
	buf_free(&m);
	m = module((const uint8_t[]){1, 0x01, T_NONE}, 3, T_NONE, (const uint8_t[]){0}, 1,
		   (const uint8_t[]){0x0b}, 1);
	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "zero byte expected");
	buf_free(&m);
}
END_TEST

/* The tag section comes after the memory section and before the global
 * section. */
START_TEST(section_order)
{
	kiln_error err;
	buf m = {0}, s = {0};

	mod_header(&m);
	types(&m, true);
	PUT(&s, 1, 0x00, 1), section(&m, 5, &s);
	PUT(&s, 1, 0x00, T_I32), section(&m, 13, &s);
	PUT(&s, 1, 0x7f, 0, 0x41, 0, 0x0b), section(&m, 6, &s);
	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_OK);
	buf_free(&m);
	mod_header(&m);
	types(&m, true);
	PUT(&s, 1, 0x7f, 0, 0x41, 0, 0x0b), section(&m, 6, &s);
	PUT(&s, 1, 0x00, T_I32), section(&m, 13, &s);
	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "unexpected content after last section");
	buf_free(&m);
	mod_header(&m);
	types(&m, true);
	PUT(&s, 1, 0x00, T_I32), section(&m, 13, &s);
	PUT(&s, 1, 0x00, 1), section(&m, 5, &s);
	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "unexpected content after last section");
	buf_free(&m);
}
END_TEST

/* (import "m" "t" (tag (param i32))) (tag) (export "t" (tag 1))
 * (export "u" (tag 0)): imports first in the index space. */
static buf tag_imports_exports(bool exn)
{
	buf m = {0}, s = {0};

	mod_header(&m);
	types(&m, exn);
	PUT(&s, 1, 1, 'm', 1, 't', 0x04, 0x00, T_I32), section(&m, 2, &s);
	PUT(&s, 1, 0x00, T_NONE), section(&m, 13, &s);
	PUT(&s, 2, 1, 't', 0x04, 1, 1, 'u', 0x04, 0), section(&m, 7, &s);
	return m;
}

START_TEST(imports_and_exports)
{
	kiln_module *mod;
	kiln_error err;
	buf m = tag_imports_exports(true);
	kiln_module_counts c;
	kiln_import_info imp;
	kiln_externtype t;

	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_EXCEPTIONS);
	c = kiln_module_counts_of(mod);
	ck_assert_uint_eq(c.tags, 2);
	ck_assert_uint_eq(c.imported_tags, 1);
	ck_assert_uint_eq(kiln_module_tag_type(mod, 0)->nparams, 1);
	ck_assert_int_eq(kiln_module_tag_type(mod, 0)->params[0], KILN_I32);
	ck_assert_uint_eq(kiln_module_tag_type(mod, 1)->nparams, 0);
	ck_assert_ptr_null(kiln_module_tag_type(mod, 2));
	imp = kiln_module_import(mod, 0);
	ck_assert_int_eq(imp.type.kind, KILN_EXTERN_TAG);
	ck_assert_uint_eq(imp.type_index, T_I32);
	ck_assert_ptr_eq(imp.type.u.func, kiln_module_tag_type(mod, 0));
	ck_assert_int_eq(kiln_module_export(mod, 0).kind, KILN_EXTERN_TAG);
	ck_assert_uint_eq(kiln_module_export(mod, 0).index, 1);
	t = kiln_module_export_type(mod, 1);
	ck_assert_int_eq(t.kind, KILN_EXTERN_TAG);
	ck_assert_ptr_eq(t.u.func, kiln_module_tag_type(mod, 0));
	ck_assert_str_eq(kiln_extern_kind_name(KILN_EXTERN_TAG), "tag");
	ck_assert_str_eq(kiln_valtype_name(KILN_EXNREF), "exnref");
	ck_assert_str_eq(kiln_status_string(KILN_ERR_EXCEPTION), "uncaught exception");
	kiln_module_delete(mod);
	buf_free(&m);
}
END_TEST

START_TEST(unknown_tag_export)
{
	kiln_error err;
	buf m = {0}, s = {0};

	mod_header(&m);
	types(&m, true);
	PUT(&s, 1, 0x00, T_NONE), section(&m, 13, &s);
	PUT(&s, 1, 1, 't', 0x04, 1), section(&m, 7, &s);
	ck_assert_int_eq(check(&m, KILN_FEATURES_DEFAULT, &err), KILN_ERR_INVALID);
	ck_assert_str_eq(err.message, "unknown tag 1");
	buf_free(&m);
}
END_TEST

/* Without the proposal, its encodings mean what they meant in 2.0. */
static const struct {
	uint8_t locals[4], body[8];
	const char *error;
} in_2_0[] = {
	{{0}, {0x1f, 0x40, 0, 0x0b, 0x0b}, "illegal opcode"},		/* try_table */
	{{0}, {0x06, 0x40, 0x0b, 0x0b}, "illegal opcode"},		/* try */
	{{0}, {0x0a, 0x0b}, "illegal opcode"},				/* throw_ref */
	{{0}, {0x02, 0x69, 0x00, 0x0b, 0x1a, 0x0b}, "malformed value type"},
	{{0}, {0xd0, 0x69, 0x1a, 0x0b}, "malformed reference type"},	/* ref.null exn */
	{{1, 1, 0x69}, {0x0b}, "malformed value type"},			/* an exnref local */
};

START_TEST(without_the_proposal)
{
	uint32_t off = KILN_FEATURES_DEFAULT & ~KILN_FEATURE_EXCEPTIONS;
	kiln_error err;
	buf m = tag_imports_exports(false);

	ck_assert_int_eq(check(&m, off, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed import kind");
	buf_free(&m);
	m = module_of(false, two_tags, sizeof two_tags, T_NONE, (const uint8_t[]){0}, 1,
		      (const uint8_t[]){0x0b}, 1);
	ck_assert_int_eq(check(&m, off, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed section id");
	buf_free(&m);
	for (size_t i = 0; i < sizeof in_2_0 / sizeof in_2_0[0]; i++) {
		const uint8_t *l = in_2_0[i].locals;
		m = module_of(false, NULL, 0, T_NONE, l, l[0] ? 3 : 1, in_2_0[i].body,
			      sizeof in_2_0[i].body);
		ck_assert_int_eq(check(&m, off, &err), KILN_ERR_MALFORMED);
		ck_assert_str_eq(err.message, in_2_0[i].error);
		buf_free(&m);
	}
}
END_TEST

/* What lowering reads: try_table's block type and its clauses, walked
 * from u.tt.p with krt_rd_catch. */
START_TEST(catch_clauses)
{
	static const uint8_t body[] = {0x1f, 0x7f, 4, 0, 1, 0, 1, 0, 1, 2, 2, 3, 0x80, 0x01,
				       0x0b, 0x0b};
	static const kiln_catch want[] = {
		{KILN_CATCH, 1, 0}, {KILN_CATCH_REF, 0, 1}, {KILN_CATCH_ALL, 0, 2},
		{KILN_CATCH_ALL_REF, 0, 128},
	};
	kiln_error err;
	kiln_reader r = {body, body, body + sizeof body, &err};
	kiln_instr in;
	kiln_catch c;

	ck_assert(krt_rd_instr(&r, &in));
	ck_assert_int_eq(in.op, KILN_OP_TRY_TABLE);
	ck_assert_int_eq(in.u.tt.blocktype, KILN_I32 - 0x80);
	ck_assert_uint_eq(in.u.tt.n, 4);
	ck_assert_ptr_eq(in.u.tt.p, body + 3);
	ck_assert_ptr_eq(r.p, body + 14);
	r.p = in.u.tt.p;
	for (size_t i = 0; i < 4; i++) {
		ck_assert(krt_rd_catch(&r, &c));
		ck_assert_uint_eq(c.kind, want[i].kind);
		ck_assert_uint_eq(c.tag, want[i].tag);
		ck_assert_uint_eq(c.label, want[i].label);
	}
	ck_assert_ptr_eq(r.p, body + 14);
	ck_assert_str_eq(krt_op_table[KILN_OP_DELEGATE].name, "delegate");
	ck_assert_int_eq(kiln_op_lookup(0, 0x19), KILN_OP_CATCH_ALL);
	ck_assert_int_eq(krt_op_table[KILN_OP_THROW].imm, KILN_IMM_TAG);
}
END_TEST

/* Exception handling compiles, JIT and artifact; an engine with the
 * proposal disabled refuses a module using it, by name. */
START_TEST(compile_or_refuse)
{
	static const uint8_t catch_all[] = {0x1f, 0x40, 1, 2, 0, 0x0b, 0x0b};
	kiln_config c = kiln_config_default();
	kiln_engine *e, *off;
	kiln_module *mod;
	kiln_error err;
	uint8_t *bytes = NULL;
	size_t len = 0;
	buf m = module(NULL, 0, T_NONE, (const uint8_t[]){0}, 1, catch_all, sizeof catch_all);

	c.features &= ~KILN_FEATURE_EXCEPTIONS;
	ck_assert_int_eq(kiln_engine_new(NULL, &e, &err), KILN_OK);
	ck_assert_int_eq(kiln_engine_new(&c, &off, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_new(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_compile(off, mod, &err), KILN_ERR_UNSUPPORTED);
	ck_assert_str_eq(err.message, "the module uses exceptions, which is disabled in this engine");
	ck_assert_int_eq(kiln_module_compile(e, mod, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_serialize(e, mod, &bytes, &len, &err), KILN_OK);
	ck_assert_ptr_nonnull(bytes);
	free(bytes);
	kiln_module_delete(mod);
	kiln_engine_delete(off);
	kiln_engine_delete(e);
	buf_free(&m);
}
END_TEST

Suite *exceptions_suite(void)
{
	const TTest *const tests[] = {
		instructions, exnref_and_uses, tag_types, section_order, imports_and_exports,
		unknown_tag_export, without_the_proposal, catch_clauses, compile_or_refuse,
	};
	Suite *s = suite_create("exceptions");
	TCase *tc = tcase_create("exceptions");

	tcase_set_timeout(tc, 60);
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	return s;
}
