/*
 * test_decode.c — the decoder, section by section, through the public API:
 * what a well-formed module decodes to, and the spec's message and offset
 * for malformed ones.
 */
#include <check.h>
#include <string.h>

#include "builder.h"
#include "kiln.h"
#include "unit.h"

/* A module using every section kind (it decodes; it would not validate:
 * it has two memories). */
static buf full_module(void)
{
	buf m = {0}, s = {0};

	mod_header(&m);
	PUT(&s, 2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 0, 0);	/* (i32)->(i32), ()->() */
	section(&m, 1, &s);
	put_u32(&s, 4);
	put_name(&s, "env"), put_name(&s, "f"), PUT(&s, 0x00, 1);
	put_name(&s, "env"), put_name(&s, "t"), PUT(&s, 0x01, 0x70, 0x00, 1);
	put_name(&s, "env"), put_name(&s, "m"), PUT(&s, 0x02, 0x01, 1, 2);
	put_name(&s, "env"), put_name(&s, "g"), PUT(&s, 0x03, 0x7e, 0x00);
	section(&m, 2, &s);
	PUT(&s, 1, 0);				/* one function of type 0 */
	section(&m, 3, &s);
	PUT(&s, 1, 0x70, 0x01, 0, 10);		/* funcref [0..10] */
	section(&m, 4, &s);
	PUT(&s, 1, 0x00, 1);			/* memory [1..] */
	section(&m, 5, &s);
	PUT(&s, 1, 0x7f, 0x01, 0x41, 42, 0x0b);	/* (mut i32) = 42 */
	section(&m, 6, &s);
	put_u32(&s, 2);
	put_name(&s, "run"), PUT(&s, 0x00, 1);
	put_name(&s, "tab"), PUT(&s, 0x01, 0);
	section(&m, 7, &s);
	PUT(&s, 0);				/* start: function 0 */
	section(&m, 8, &s);
	PUT(&s, 1, 0x00, 0x41, 0, 0x0b, 1, 1);	/* elem: table 0 at 0: [1] */
	section(&m, 9, &s);
	PUT(&s, 1);				/* data count */
	section(&m, 12, &s);
	PUT(&s, 1, 6, 1, 1, 0x7f, 0x20, 0, 0x0b);	/* 1 local i32; local.get 0 */
	section(&m, 10, &s);
	PUT(&s, 1, 0x00, 0x41, 0, 0x0b, 2, 'h', 'i');
	section(&m, 11, &s);
	put_name(&s, "name");
	PUT(&s, 0, 4), put_name(&s, "mod");		/* module name */
	PUT(&s, 1, 6, 1, 1), put_name(&s, "run");	/* function 1: "run" */
	section(&m, 0, &s);
	return m;
}

static kiln_status decode(const buf *m, kiln_error *err)
{
	kiln_module *mod = NULL;
	kiln_status st = kiln_module_decode(m->p, m->n, &mod, err);

	ck_assert(st == KILN_OK ? mod != NULL : mod == NULL);
	kiln_module_delete(mod);
	return st;
}

static bool name_is(kiln_name n, const char *s)
{
	return n.len == strlen(s) && memcmp(n.data, s, n.len) == 0;
}

START_TEST(every_section)
{
	buf m = full_module();
	kiln_module *mod;
	kiln_error err;
	kiln_module_counts c;

	ck_assert_int_eq(kiln_module_decode(m.p, m.n, &mod, &err), KILN_OK);
	c = kiln_module_counts_of(mod);
	ck_assert_uint_eq(c.types, 2);
	ck_assert_uint_eq(c.funcs, 2);
	ck_assert_uint_eq(c.imported_funcs, 1);
	ck_assert_uint_eq(c.tables, 2);
	ck_assert_uint_eq(c.imported_tables, 1);
	ck_assert_uint_eq(c.memories, 2);
	ck_assert_uint_eq(c.imported_memories, 1);
	ck_assert_uint_eq(c.globals, 2);
	ck_assert_uint_eq(c.imported_globals, 1);
	ck_assert_uint_eq(c.elems, 1);
	ck_assert_uint_eq(c.datas, 1);
	ck_assert(c.has_start);
	ck_assert_uint_eq(c.start, 0);
	ck_assert_uint_eq(kiln_module_section_count(mod), 13);
	ck_assert_uint_eq(kiln_module_section(mod, 0).id, 1);
	ck_assert_uint_eq(kiln_module_section(mod, 0).offset, 10);
	ck_assert_uint_eq(kiln_module_section(mod, 0).count, 2);
	ck_assert(name_is(kiln_module_section(mod, 12).name, "name"));
	ck_assert_uint_eq(kiln_module_import_count(mod), 4);
	kiln_import_info imp = kiln_module_import(mod, 2);
	ck_assert(name_is(imp.module, "env") && name_is(imp.name, "m"));
	ck_assert_int_eq(imp.type.kind, KILN_EXTERN_MEMORY);
	ck_assert(imp.type.u.memory.limits.has_max);
	ck_assert_uint_eq(imp.type.u.memory.limits.max, 2);
	imp = kiln_module_import(mod, 3);
	ck_assert_int_eq(imp.type.u.global.type, KILN_I64);
	ck_assert(!imp.type.u.global.mutable_);
	ck_assert_uint_eq(kiln_module_export_count(mod), 2);
	ck_assert(name_is(kiln_module_export(mod, 0).name, "run"));
	kiln_externtype t = kiln_module_export_type(mod, 0);
	ck_assert_uint_eq(t.u.func->nparams, 1);
	ck_assert_int_eq(t.u.func->results[0], KILN_I32);
	t = kiln_module_export_type(mod, 1);
	ck_assert_int_eq(t.kind, KILN_EXTERN_TABLE);
	ck_assert_int_eq(t.u.table.elem, KILN_FUNCREF);
	ck_assert(name_is(kiln_module_name(mod), "mod"));
	ck_assert(name_is(kiln_module_func_name(mod, 1), "run"));
	ck_assert_ptr_null(kiln_module_func_name(mod, 0).data);
	/* Out-of-range accessors give zeroes, not crashes. */
	ck_assert_ptr_null(kiln_module_type(mod, 99));
	ck_assert_uint_eq(kiln_module_export(mod, 99).name.len, 0);
	kiln_module_delete(mod);
	buf_free(&m);
}
END_TEST

/* Truncating a module mid-section is always malformed; at a section
 * boundary the prefix is itself a module, which may be well-formed. */
START_TEST(every_truncation_is_malformed)
{
	buf m = full_module();
	kiln_module *mod;
	kiln_error err;
	bool boundary[1024] = {false};
	size_t accepted = 0;

	ck_assert_uint_lt(m.n, sizeof boundary);
	ck_assert_int_eq(kiln_module_decode(m.p, m.n, &mod, &err), KILN_OK);
	boundary[8] = true;
	for (size_t i = 0; i < kiln_module_section_count(mod); i++) {
		kiln_section_info si = kiln_module_section(mod, i);
		boundary[si.offset + si.size] = true;
	}
	kiln_module_delete(mod);
	for (size_t n = 0; n < m.n; n++) {
		kiln_status st = decode(&(buf){m.p, n, n}, &err);
		if (st == KILN_OK) {
			ck_assert_msg(boundary[n], "prefix of %zu bytes accepted", n);
			accepted++;
			continue;
		}
		ck_assert_int_eq(st, KILN_ERR_MALFORMED);
		ck_assert_uint_le(err.offset, n);
	}
	/* The header alone, and the prefixes before function/code or data
	 * count/data would disagree. */
	ck_assert_uint_eq(accepted, 4);
	buf_free(&m);
}
END_TEST

/* Decodes header + one section (id, bytes) and returns the status. */
static kiln_status one_section(uint8_t id, const uint8_t *content, size_t n,
			       kiln_error *err)
{
	buf m = {0}, s = {0};
	kiln_status st;

	mod_header(&m);
	put_n(&s, content, n);
	section(&m, id, &s);
	st = decode(&m, err);
	buf_free(&m);
	return st;
}

#define SECTION(err, id, ...)                                                  \
	one_section(id, (const uint8_t[]){__VA_ARGS__},                        \
		    sizeof((const uint8_t[]){__VA_ARGS__}), err)

START_TEST(element_forms)
{
	kiln_error err;

	/* Flags 0..7 with a table section before them; all decode. */
	/* [0] is the length of the segment's bytes that follow. */
	static const uint8_t forms[8][12] = {
		{6, 0x00, 0x41, 0, 0x0b, 1, 0},
		{4, 0x01, 0x00, 1, 0},
		{8, 0x02, 0, 0x41, 0, 0x0b, 0x00, 1, 0},
		{4, 0x03, 0x00, 1, 0},
		{8, 0x04, 0x41, 0, 0x0b, 1, 0xd2, 0, 0x0b},
		{6, 0x05, 0x70, 1, 0xd0, 0x70, 0x0b},
		{10, 0x06, 0, 0x41, 0, 0x0b, 0x70, 1, 0xd2, 0, 0x0b},
		{6, 0x07, 0x6f, 1, 0xd0, 0x6f, 0x0b},
	};
	for (int f = 0; f < 8; f++) {
		buf m = {0}, s = {0};
		mod_header(&m);
		PUT(&s, 1, 0x60, 0, 0), section(&m, 1, &s);
		PUT(&s, 1, 0), section(&m, 3, &s);
		PUT(&s, 1, 0x70, 0x00, 1), section(&m, 4, &s);
		put(&s, 1);
		put_n(&s, forms[f] + 1, forms[f][0]);
		section(&m, 9, &s);
		PUT(&s, 1, 2, 0, 0x0b), section(&m, 10, &s);
		ck_assert_msg(decode(&m, &err) == KILN_OK, "elem form %d: %s", f,
			      err.message);
		buf_free(&m);
	}
	ck_assert_int_eq(SECTION(&err, 9, 1, 0x08), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed elements segment kind");
	ck_assert_int_eq(SECTION(&err, 9, 1, 0x01, 0x01, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed element kind");
	ck_assert_int_eq(SECTION(&err, 9, 1, 0x05, 0x7f, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed reference type");
}
END_TEST

START_TEST(data_forms)
{
	kiln_error err;

	ck_assert_int_eq(SECTION(&err, 11, 3, 0x00, 0x41, 0, 0x0b, 1, 'a',
				 0x01, 2, 'b', 'c',
				 0x02, 0, 0x41, 1, 0x0b, 0), KILN_OK);
	ck_assert_int_eq(SECTION(&err, 11, 1, 0x03), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed data segment kind");
	ck_assert_int_eq(SECTION(&err, 11, 1, 0x01, 5, 'a'), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "length out of bounds");
	ck_assert_int_eq(SECTION(&err, 12, 2), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "data count and data section have inconsistent lengths");
}
END_TEST

START_TEST(header_and_sections)
{
	static const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0};
	static const uint8_t bad_version[] = {0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0};
	kiln_error err;

	ck_assert_int_eq(decode(&(buf){(uint8_t *)bad_magic, 8, 8}, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "magic header not detected");
	ck_assert_int_eq(decode(&(buf){(uint8_t *)bad_version, 8, 8}, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "unknown binary version");
	ck_assert_uint_eq(err.offset, 4);
	ck_assert_int_eq(decode(&(buf){(uint8_t *)bad_magic, 3, 3}, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "unexpected end");
	/* 13 is exception handling's tag section (test_exceptions.c). */
	ck_assert_int_eq(SECTION(&err, 14, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed section id");
	ck_assert_uint_eq(err.offset, 8);
	/* A section whose contents overrun its size. */
	ck_assert_int_eq(SECTION(&err, 1, 1, 0x60, 0, 0, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "section size mismatch");

	buf m = {0}, s = {0};
	mod_header(&m);
	PUT(&s, 0), section(&m, 3, &s);
	PUT(&s, 0), section(&m, 1, &s);	/* type after function */
	ck_assert_int_eq(decode(&m, &err), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "unexpected content after last section");
	buf_free(&m);
	/* Custom sections go anywhere, any number of times. */
	mod_header(&m);
	put_name(&s, "a"), section(&m, 0, &s);
	PUT(&s, 0), section(&m, 1, &s);
	put_name(&s, "b"), section(&m, 0, &s);
	ck_assert_int_eq(decode(&m, &err), KILN_OK);
	buf_free(&m);
}
END_TEST

/* A module: type ()->(), one function whose code entry is `code`. */
static kiln_status func_code(const uint8_t *code, size_t n, bool datacount,
			     kiln_error *err)
{
	buf m = {0}, s = {0};
	kiln_status st;

	mod_header(&m);
	PUT(&s, 1, 0x60, 0, 0), section(&m, 1, &s);
	PUT(&s, 1, 0), section(&m, 3, &s);
	PUT(&s, 1, 0x00, 1), section(&m, 5, &s);
	if (datacount)
		PUT(&s, 1), section(&m, 12, &s);
	put(&s, 1), put_u32(&s, (uint32_t)n), put_n(&s, code, n);
	section(&m, 10, &s);
	PUT(&s, 1, 0x01, 0), section(&m, 11, &s);
	st = decode(&m, err);
	buf_free(&m);
	return st;
}

#define CODE(err, dc, ...)                                                     \
	func_code((const uint8_t[]){__VA_ARGS__},                              \
		  sizeof((const uint8_t[]){__VA_ARGS__}), dc, err)

START_TEST(code_section)
{
	kiln_error err;

	ck_assert_int_eq(CODE(&err, true, 0, 0xfc, 9, 0, 0x0b), KILN_OK);
	ck_assert_int_eq(CODE(&err, false, 0, 0xfc, 9, 0, 0x0b), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "data count section required");
	ck_assert_int_eq(CODE(&err, false, 0, 0xff, 0x0b), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "illegal opcode");
	ck_assert_int_eq(CODE(&err, false, 0, 0xfd, 0xa2, 0x01, 0x0b), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "illegal opcode");
	ck_assert_int_eq(CODE(&err, false, 0, 0x05, 0x0b), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "END opcode expected");
	ck_assert_int_eq(CODE(&err, false, 0, 0x02, 0x40, 0x0b), KILN_ERR_MALFORMED);
	/* Locals: runs whose counts add up past 2^32 - 1. */
	ck_assert_int_eq(CODE(&err, false, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f,
			      1, 0x7e, 0x0b), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "too many locals");
	/* 2^32 - 1 locals decode, and are over the limit (issue 17). */
	ck_assert_int_eq(CODE(&err, false, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f,
			      0x0b), KILN_ERR_LIMIT);
	ck_assert_str_eq(err.message,
			 "function 0 declares 4294967295 locals, limit 50000 (max_locals)");
	ck_assert_int_eq(CODE(&err, false, 1, 1, 0x70, 0x0b), KILN_OK);
	ck_assert_int_eq(CODE(&err, false, 1, 1, 0x40, 0x0b), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed value type");
}
END_TEST

START_TEST(imports_and_types)
{
	kiln_error err;

	/* 4 is a tag (exception handling, test_exceptions.c). */
	ck_assert_int_eq(SECTION(&err, 2, 1, 1, 'a', 1, 'b', 0x05, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed import kind");
	ck_assert_int_eq(SECTION(&err, 2, 1, 1, 'a', 1, 'b', 0x03, 0x7f, 0x02), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed mutability");
	ck_assert_int_eq(SECTION(&err, 2, 1, 1, 0xff, 1, 'b', 0x00, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed UTF-8 encoding");
	ck_assert_int_eq(SECTION(&err, 1, 1, 0x61, 0, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed function type");
	ck_assert_int_eq(SECTION(&err, 4, 1, 0x7f, 0, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed reference type");
	/* memory64 (default): one flag byte, bit 3 none's (without it, flag 4
	 * is 2.0's "integer too large": unbuilt_features_refused) */
	ck_assert_int_eq(SECTION(&err, 5, 1, 0x08, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed limits flags");
	ck_assert_int_eq(SECTION(&err, 7, 1, 1, 'x', 0x05, 0), KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "malformed export kind");
}
END_TEST

/* Threads: a memory's flag 3 is shared with a maximum, 2 shared without
 * one (the validator's to refuse); without KILN_FEATURE_THREADS both are
 * "integer too large" and an 0xfe instruction is an "illegal opcode". */
START_TEST(threads_feature)
{
	static const uint8_t shared[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
					 2, 9, 1, 1, 'm', 1, 'm', 0x02, 0x03, 1, 2};
	static const uint8_t fence[] = {0, 'a', 's', 'm', 1, 0, 0, 0,
					1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0,
					10, 7, 1, 5, 0, 0xfe, 0x03, 0, 0x0b};
	kiln_module *mod;
	kiln_error err;

	ck_assert_int_eq(kiln_module_decode(shared, sizeof shared, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_THREADS);
	kiln_import_info imp = kiln_module_import(mod, 0);
	ck_assert(imp.type.u.memory.shared);
	ck_assert(imp.type.u.memory.limits.has_max);
	ck_assert_uint_eq(imp.type.u.memory.limits.max, 2);
	kiln_module_delete(mod);
	ck_assert_int_eq(kiln_module_decode_features(shared, sizeof shared, NULL, 0, &mod, &err),
			 KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "integer too large");
	ck_assert_int_eq(kiln_module_decode(fence, sizeof fence, &mod, &err), KILN_OK);
	kiln_module_delete(mod);
	ck_assert_int_eq(kiln_module_decode_features(fence, sizeof fence, NULL, 0, &mod, &err),
			 KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "illegal opcode");
	ck_assert_uint_eq(err.offset, 23);
}
END_TEST

/* A module of one function of type ()->() whose code entry (locals, body
 * and end) is `code`, with the table section `tables` (none when NULL)
 * and the element section `elems` (likewise). */
static buf one_func_module(const buf *tables, const buf *elems, const buf *code)
{
	buf m = {0}, s = {0};

	mod_header(&m);
	PUT(&s, 1, 0x60, 0, 0);
	section(&m, 1, &s);
	PUT(&s, 1, 0);
	section(&m, 3, &s);
	if (tables) {
		put_n(&s, tables->p, tables->n);
		section(&m, 4, &s);
	}
	if (elems) {
		put_n(&s, elems->p, elems->n);
		section(&m, 9, &s);
	}
	PUT(&s, 1);
	put_u32(&s, (uint32_t)code->n);
	put_n(&s, code->p, code->n);
	section(&m, 10, &s);
	return m;
}

#define BYTES(...) ((buf){(uint8_t *)(const uint8_t[]){__VA_ARGS__},                \
			  sizeof((const uint8_t[]){__VA_ARGS__}), 0})

/* Decodes (and validates, when it decodes) m with and without reference
 * types: both valid, or refused only without them with `msg`. */
static void check_without_reftypes(const buf *tables, const buf *elems, const buf *code,
				   kiln_status want, const char *msg)
{
	buf m = one_func_module(tables, elems, code);
	uint32_t no_ref = KILN_FEATURES_DEFAULT | KILN_FEATURE_NO_REFERENCE_TYPES;
	kiln_module *mod;
	kiln_error err;
	kiln_status st;

	ck_assert_int_eq(kiln_module_decode(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_validate(mod, &err), KILN_OK);
	kiln_module_delete(mod);
	st = kiln_module_decode_features(m.p, m.n, NULL, no_ref, &mod, &err);
	if (st == KILN_OK) {
		st = kiln_module_validate(mod, &err);
		kiln_module_delete(mod);
	}
	ck_assert_int_eq(st, want);
	if (msg)
		ck_assert_str_eq(err.message, msg);
	buf_free(&m);
}

/* KILN_FEATURE_NO_REFERENCE_TYPES: what 2.0 added with reference types is
 * refused as a decoder and validator without them refuse it (1.0's binary
 * format, bulk memory's element segments), the rest is unchanged. */
START_TEST(no_reference_types_feature)
{
	buf table = BYTES(1, 0x70, 0, 1), tables = BYTES(2, 0x70, 0, 1, 0x70, 0, 1);
	buf externs = BYTES(1, 0x6f, 0, 1);
	/* call_indirect (type 0) of table 0, its index one byte, then two */
	buf call = BYTES(0, 0x41, 0, 0x11, 0, 0, 0x0b);
	buf call_long = BYTES(0, 0x41, 0, 0x11, 0, 0x80, 0, 0x0b);
	/* passive: table.init 0 0 and table.copy 0 0 of an expression segment
	 * of ref.func 0 and ref.null func (bulk memory's) */
	buf exprs = BYTES(1, 5, 0x70, 2, 0xd2, 0, 0x0b, 0xd0, 0x70, 0x0b);
	buf copy = BYTES(0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0c, 0, 0,
			 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0e, 0, 0, 0x0b);
	buf copy_long = BYTES(0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0e, 0x80, 0, 0, 0x0b);

	check_without_reftypes(&table, NULL, &call, KILN_OK, NULL);
	check_without_reftypes(&table, &exprs, &copy, KILN_OK, NULL);
	check_without_reftypes(&table, NULL, &call_long, KILN_ERR_MALFORMED, "zero byte expected");
	check_without_reftypes(&table, NULL, &copy_long, KILN_ERR_MALFORMED, "zero byte expected");
	check_without_reftypes(&tables, NULL, &call, KILN_ERR_INVALID, "multiple tables");
	check_without_reftypes(&externs, NULL, &BYTES(0, 0x0b), KILN_ERR_MALFORMED,
			       "malformed reference type");
	/* table.size, table.get, ref.null, ref.is_null, ref.func, typed select */
	check_without_reftypes(&table, NULL, &BYTES(0, 0xfc, 0x10, 0, 0x1a, 0x0b),
			       KILN_ERR_MALFORMED, "illegal opcode");
	check_without_reftypes(&table, NULL, &BYTES(0, 0x41, 0, 0x25, 0, 0x1a, 0x0b),
			       KILN_ERR_MALFORMED, "illegal opcode");
	check_without_reftypes(&table, NULL, &BYTES(0, 0xd0, 0x70, 0xd1, 0x1a, 0x0b),
			       KILN_ERR_MALFORMED, "illegal opcode");
	check_without_reftypes(&table, &BYTES(1, 3, 0, 1, 0), &BYTES(0, 0xd2, 0, 0x1a, 0x0b),
			       KILN_ERR_MALFORMED, "illegal opcode");
	check_without_reftypes(NULL, NULL,
			       &BYTES(0, 0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 1, 0x7f, 0x1a, 0x0b),
			       KILN_ERR_MALFORMED, "illegal opcode");
	/* a funcref local; a block of funcref result (ref.null: illegal too,
	 * but the block type is read first) */
	check_without_reftypes(NULL, NULL, &BYTES(1, 1, 0x70, 0x0b), KILN_ERR_MALFORMED,
			       "malformed value type");
	check_without_reftypes(NULL, NULL, &BYTES(0, 0x02, 0x70, 0xd0, 0x70, 0x0b, 0x1a, 0x0b),
			       KILN_ERR_MALFORMED, "malformed value type");
}
END_TEST

/* A proposal's bit is refused by name until kiln builds it, so that no
 * bit silently does nothing; a module records the proposals it uses. */
START_TEST(unbuilt_features_refused)
{
	static const uint8_t empty[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	/* (memory i64 1): limits flag 4 */
	static const uint8_t mem64[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 4, 1};
	kiln_module *mod;
	kiln_error err;

	/* memory64 is built (and default): its bit decodes a 64-bit memory,
	 * and the module records the use; without the bit, flag 4 is 2.0's
	 * malformed flag. */
	ck_assert_int_eq(kiln_module_decode_features(mem64, sizeof mem64, NULL,
						     KILN_FEATURE_MEMORY64, &mod, &err),
			 KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_MEMORY64);
	ck_assert(kiln_module_memory_type(mod, 0).index64);
	kiln_module_delete(mod);
	ck_assert_int_eq(kiln_module_decode_features(mem64, sizeof mem64, NULL, 0, &mod, &err),
			 KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "integer too large");
	/* Every proposal's bit is built now: a bit no proposal has is
	 * refused all the same. */
	ck_assert_int_eq(kiln_module_decode_features(empty, sizeof empty, NULL,
						     1u << 7, &mod, &err),
			 KILN_ERR_UNSUPPORTED);
	ck_assert_str_eq(err.message, "not supported yet: ?");
	ck_assert_int_eq(kiln_module_decode(empty, sizeof empty, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), 0);
	kiln_module_delete(mod);
	ck_assert_str_eq(kiln_feature_name(KILN_FEATURE_TAIL_CALL), "tail-call");
	ck_assert_ptr_null(kiln_feature_name(3));
}
END_TEST

START_TEST(malformed_name_section_is_ignored)
{
	buf m = {0}, s = {0};
	kiln_module *mod;
	kiln_error err;

	mod_header(&m);
	put_name(&s, "name");
	PUT(&s, 1, 9, 2, 0, 1, 'a', 0, 1, 'b');	/* indices not increasing */
	section(&m, 0, &s);
	ck_assert_int_eq(kiln_module_decode(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_ptr_null(kiln_module_func_name(mod, 0).data);
	kiln_module_delete(mod);
	buf_free(&m);
}
END_TEST

/* Relaxed SIMD (0xfd 0x100-0x113) decodes only with its feature bit: a
 * 2.0 decoder's "illegal opcode" without it, validated with it. */
START_TEST(relaxed_simd_feature)
{
	/* a v128 local; v128.const 0, local.tee 0, local.get 0 twice,
	 * f32x4.relaxed_madd (0xfd 0x105), drop */
	buf code = BYTES(1, 1, 0x7b, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			 0x22, 0, 0x20, 0, 0x20, 0, 0xfd, 0x85, 0x02, 0x1a, 0x0b);
	buf m;
	uint32_t off = KILN_FEATURES_DEFAULT & ~KILN_FEATURE_RELAXED_SIMD;
	kiln_module *mod;
	kiln_error err;

	m = one_func_module(NULL, NULL, &code);
	ck_assert_int_eq(kiln_module_decode_features(m.p, m.n, NULL, off, &mod, &err),
			 KILN_ERR_MALFORMED);
	ck_assert_str_eq(err.message, "illegal opcode");
	ck_assert_int_eq(kiln_module_decode(m.p, m.n, &mod, &err), KILN_OK);
	ck_assert_uint_eq(kiln_module_features(mod), KILN_FEATURE_RELAXED_SIMD);
	ck_assert_int_eq(kiln_module_validate(mod, &err), KILN_OK);
	kiln_module_delete(mod);
	buf_free(&m);
}
END_TEST

Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, every_section);
	tcase_add_test(tc, no_reference_types_feature);
	tcase_add_test(tc, every_truncation_is_malformed);
	tcase_add_test(tc, element_forms);
	tcase_add_test(tc, threads_feature);
	tcase_add_test(tc, relaxed_simd_feature);
	tcase_add_test(tc, unbuilt_features_refused);
	tcase_add_test(tc, data_forms);
	tcase_add_test(tc, header_and_sections);
	tcase_add_test(tc, code_section);
	tcase_add_test(tc, imports_and_types);
	tcase_add_test(tc, malformed_name_section_is_ignored);
	suite_add_tcase(s, tc);
	return s;
}
