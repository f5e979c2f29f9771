/*
 * test_reader.c — LEB128 integers, names and UTF-8, at their edges; the
 * opcode table the reader decodes with.
 */
#include <check.h>
#include <string.h>

#include "reader.h"
#include "unit.h"

typedef struct leb_case {
	uint8_t bytes[12];
	size_t len;
	bool ok;
	uint64_t value;		/* when ok */
	const char *error;	/* when not ok */
	size_t offset;		/* when not ok */
} leb_case;

static void check_case(const leb_case *c, unsigned bits, bool is_signed)
{
	kiln_error err = {0};
	kiln_reader r = {c->bytes, c->bytes, c->bytes + c->len, &err};
	uint64_t v = 0;
	bool ok = rd_leb(&r, bits, is_signed, &v);

	ck_assert_msg(ok == c->ok, "bits %u signed %d: got ok=%d (%s)", bits,
		      is_signed, ok, err.message);
	if (ok) {
		ck_assert_uint_eq(v, c->value);
		ck_assert_ptr_eq(r.p, c->bytes + c->len);
	} else {
		ck_assert_int_eq(err.status, KILN_ERR_MALFORMED);
		ck_assert_str_eq(err.message, c->error);
		ck_assert_uint_eq(err.offset, c->offset);
	}
}

#define TOO_LONG "integer representation too long"
#define TOO_LARGE "integer too large"
#define END "unexpected end of section or function"

START_TEST(leb_u32)
{
	static const leb_case cases[] = {
		{{0x00}, 1, true, 0, NULL, 0},
		{{0x7f}, 1, true, 127, NULL, 0},
		{{0x80, 0x01}, 2, true, 128, NULL, 0},
		{{0xe5, 0x8e, 0x26}, 3, true, 624485, NULL, 0},
		{{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, true, 0xffffffff, NULL, 0},
		{{0x80, 0x80, 0x80, 0x80, 0x00}, 5, true, 0, NULL, 0},
		{{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, false, 0, TOO_LONG, 5},
		{{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, false, 0, TOO_LARGE, 4},
		{{0xff, 0xff, 0xff, 0xff, 0x4f}, 5, false, 0, TOO_LARGE, 4},
		{{0x80, 0x80}, 2, false, 0, END, 2},
		{{0}, 0, false, 0, END, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i], 32, false);
}
END_TEST

START_TEST(leb_s32)
{
	static const leb_case cases[] = {
		{{0x7f}, 1, true, (uint64_t)-1, NULL, 0},
		{{0x3f}, 1, true, 63, NULL, 0},
		{{0x40}, 1, true, (uint64_t)-64, NULL, 0},
		{{0x80, 0x80, 0x80, 0x80, 0x78}, 5, true, (uint64_t)(int64_t)INT32_MIN, NULL, 0},
		{{0xff, 0xff, 0xff, 0xff, 0x07}, 5, true, INT32_MAX, NULL, 0},
		/* Unused bits of the last byte must copy the sign bit. */
		{{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, false, 0, TOO_LARGE, 4},
		{{0x80, 0x80, 0x80, 0x80, 0x70}, 5, false, 0, TOO_LARGE, 4},
		{{0xff, 0xff, 0xff, 0xff, 0x7f}, 5, true, (uint64_t)-1, NULL, 0},
		{{0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 6, false, 0, TOO_LONG, 5},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i], 32, true);
}
END_TEST

START_TEST(leb_s33_s64_u64)
{
	static const leb_case s33[] = {
		{{0x40}, 1, true, (uint64_t)-64, NULL, 0},
		{{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, true, 0xffffffff, NULL, 0},
		{{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, false, 0, TOO_LARGE, 4},
		{{0x80, 0x80, 0x80, 0x80, 0x70}, 5, true, (uint64_t)-(INT64_C(1) << 32), NULL, 0},
	};
	static const leb_case s64[] = {
		{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 10, true, INT64_MAX, NULL, 0},
		{{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, 10, true, (uint64_t)INT64_MIN, NULL, 0},
		{{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10, false, 0, TOO_LARGE, 9},
		{{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 11, false, 0, TOO_LONG, 10},
	};
	static const leb_case u64[] = {
		{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, true, UINT64_MAX, NULL, 0},
		{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 10, false, 0, TOO_LARGE, 9},
	};
	for (size_t i = 0; i < sizeof s33 / sizeof s33[0]; i++)
		check_case(&s33[i], 33, true);
	for (size_t i = 0; i < sizeof s64 / sizeof s64[0]; i++)
		check_case(&s64[i], 64, true);
	for (size_t i = 0; i < sizeof u64 / sizeof u64[0]; i++)
		check_case(&u64[i], 64, false);
}
END_TEST

static bool name_ok(const uint8_t *s, size_t n, kiln_error *err)
{
	uint8_t bytes[64];
	kiln_reader r = {bytes, bytes, bytes + n + 1, err};
	kiln_name name;

	bytes[0] = (uint8_t)n;
	memcpy(bytes + 1, s, n);
	if (!rd_name(&r, &name))
		return false;
	ck_assert_uint_eq(name.len, n);
	ck_assert_mem_eq(name.data, s, n);
	return true;
}

START_TEST(names_utf8)
{
	static const struct {
		uint8_t s[8];
		size_t n;
		bool ok;
	} cases[] = {
		{"abc", 3, true},
		{{0xc2, 0xa9}, 2, true},			/* U+00A9 */
		{{0xe2, 0x82, 0xac}, 3, true},			/* U+20AC */
		{{0xf0, 0x9f, 0x98, 0x80}, 4, true},		/* U+1F600 */
		{{0xf4, 0x8f, 0xbf, 0xbf}, 4, true},		/* U+10FFFF */
		{{0x00}, 1, true},				/* NUL is a character */
		{{0xc0, 0x80}, 2, false},			/* overlong NUL */
		{{0xe0, 0x80, 0xaf}, 3, false},			/* overlong */
		{{0xed, 0xa0, 0x80}, 3, false},			/* surrogate */
		{{0xf4, 0x90, 0x80, 0x80}, 4, false},		/* > U+10FFFF */
		{{0xe2, 0x82}, 2, false},			/* truncated */
		{{0x80}, 1, false},				/* stray continuation */
		{{0xf8, 0x88, 0x80, 0x80, 0x80}, 5, false},	/* 5-byte form */
		{{0xff}, 1, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kiln_error err = {0};
		bool ok = name_ok(cases[i].s, cases[i].n, &err);
		ck_assert_msg(ok == cases[i].ok, "case %zu", i);
		if (!ok) {
			ck_assert_str_eq(err.message, "malformed UTF-8 encoding");
			ck_assert_uint_eq(err.offset, 1);
		}
	}
}
END_TEST

START_TEST(name_length_out_of_bounds)
{
	const uint8_t bytes[] = {0x05, 'a', 'b'};
	kiln_error err = {0};
	kiln_reader r = {bytes, bytes, bytes + sizeof bytes, &err};
	kiln_name name;

	ck_assert(!rd_name(&r, &name));
	ck_assert_str_eq(err.message, "length out of bounds");
	ck_assert_uint_eq(err.offset, 0);
}
END_TEST

START_TEST(opcode_table_round_trips)
{
	/* Every op's encoding maps back to it, and no two ops share one. */
	for (int op = 0; op < KILN_OP_COUNT_; op++) {
		const kiln_op_info *info = &krt_op_table[op];
		ck_assert_ptr_nonnull(info->name);
		ck_assert_int_eq(kiln_op_lookup(info->prefix, info->code), op);
	}
	ck_assert_int_eq(kiln_op_lookup(0, 0xff), KILN_OP_COUNT_);
	ck_assert_int_eq(kiln_op_lookup(0xfd, 0x114), KILN_OP_COUNT_);
	ck_assert_int_eq(kiln_op_lookup(0xfd, 0x100), KILN_OP_I8X16_RELAXED_SWIZZLE);
	ck_assert_int_eq(kiln_op_lookup(0xfc, 18), KILN_OP_COUNT_);
	ck_assert_str_eq(krt_op_table[KILN_OP_I32_ADD].name, "i32.add");
	ck_assert_int_eq(krt_op_table[KILN_OP_I64_LOAD32_U].arg, 2);
}
END_TEST

/* What a mnemonic says about its shape and sign, the way lowering reads
 * them from the table. */
static const char *const shape_names[] = {
	[KILN_SHAPE__] = "", [KILN_SHAPE_I32] = "i32", [KILN_SHAPE_I64] = "i64",
	[KILN_SHAPE_F32] = "f32", [KILN_SHAPE_F64] = "f64", [KILN_SHAPE_V128] = "v128",
	[KILN_SHAPE_I8X16] = "i8x16", [KILN_SHAPE_I16X8] = "i16x8",
	[KILN_SHAPE_I32X4] = "i32x4", [KILN_SHAPE_I64X2] = "i64x2",
	[KILN_SHAPE_F32X4] = "f32x4", [KILN_SHAPE_F64X2] = "f64x2",
};

static kiln_sign sign_of(const char *name)
{
	size_t n = strlen(name);

	if (strstr(name, "_s_zero") || (n > 2 && !strcmp(name + n - 2, "_s")))
		return KILN_SIGN_S;
	if (strstr(name, "_u_zero") || (n > 2 && !strcmp(name + n - 2, "_u")))
		return KILN_SIGN_U;
	return KILN_SIGN__;
}

static const struct {
	kiln_op op;
	kiln_family family;
	kiln_oper oper;
	kiln_shape shape;
} odd_rows[] = {
	{KILN_OP_I32_TRUNC_F32_S, KILN_FAM_NUMERIC, KILN_OPER_TRUNC_TO_INT, KILN_SHAPE_I32},
	{KILN_OP_F32_TRUNC, KILN_FAM_NUMERIC, KILN_OPER_TRUNC, KILN_SHAPE_F32},
	{KILN_OP_I32X4_DOT_I16X8_S, KILN_FAM_SIMD, KILN_OPER_DOT, KILN_SHAPE_I32X4},
	{KILN_OP_V128_LOAD8X8_S, KILN_FAM_SIMD, KILN_OPER_LOAD_EXTEND, KILN_SHAPE_I16X8},
	{KILN_OP_V128_STORE16_LANE, KILN_FAM_SIMD, KILN_OPER_STORE_LANE, KILN_SHAPE_I16X8},
	{KILN_OP_V128_LOAD64_ZERO, KILN_FAM_SIMD, KILN_OPER_LOAD_ZERO, KILN_SHAPE_I64X2},
	{KILN_OP_I64_LOAD32_U, KILN_FAM_MEMORY, KILN_OPER_LOAD, KILN_SHAPE_I64},
	{KILN_OP_GLOBAL_SET, KILN_FAM_VARIABLE, KILN_OPER_SET, KILN_SHAPE__},
	{KILN_OP_ELEM_DROP, KILN_FAM_TABLE, KILN_OPER_DROP, KILN_SHAPE__},
	{KILN_OP_SELECT_T, KILN_FAM_PARAMETRIC, KILN_OPER_SELECT, KILN_SHAPE__},
	{KILN_OP_REF_NULL, KILN_FAM_REFERENCE, KILN_OPER_NUL, KILN_SHAPE__},
};

START_TEST(opcode_table_lowering_columns)
{
	for (int op = 0; op < KILN_OP_COUNT_; op++) {
		const kiln_op_info *d = &krt_op_table[op];
		const char *dot = strchr(d->name, '.');
		size_t plen = dot ? (size_t)(dot - d->name) : 0;
		bool v128_access = !strncmp(d->name, "v128.load", 9) ||
				   !strncmp(d->name, "v128.store", 10);

		ck_assert_int_lt(d->family, KILN_FAM_COUNT_);
		ck_assert_int_lt(d->oper, KILN_OPER_COUNT_);
		ck_assert_msg((d->family == KILN_FAM_SIMD) == (d->prefix == 0xfd), "%s", d->name);
		ck_assert_msg(d->sign == sign_of(d->name), "%s: sign", d->name);
		if (d->family == KILN_FAM_NUMERIC)
			ck_assert_msg(d->shape >= KILN_SHAPE_I32 && d->shape <= KILN_SHAPE_F64,
				      "%s: shape", d->name);
		if (d->family == KILN_FAM_SIMD)
			ck_assert_msg(d->shape >= KILN_SHAPE_V128, "%s: shape", d->name);
		if (d->shape == KILN_SHAPE__ || v128_access)
			continue;
		/* Otherwise the shape is the mnemonic's prefix. */
		ck_assert_msg(plen == strlen(shape_names[d->shape]) &&
			      !strncmp(d->name, shape_names[d->shape], plen), "%s: shape", d->name);
	}
	/* Rows whose columns are not the mnemonic's letters. */
	for (size_t i = 0; i < sizeof odd_rows / sizeof odd_rows[0]; i++) {
		const kiln_op_info *d = &krt_op_table[odd_rows[i].op];
		ck_assert_msg(d->family == odd_rows[i].family && d->oper == odd_rows[i].oper &&
			      d->shape == odd_rows[i].shape, "%s", d->name);
	}
}
END_TEST

Suite *reader_suite(void)
{
	Suite *s = suite_create("reader");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, leb_u32);
	tcase_add_test(tc, leb_s32);
	tcase_add_test(tc, leb_s33_s64_u64);
	tcase_add_test(tc, names_utf8);
	tcase_add_test(tc, name_length_out_of_bounds);
	tcase_add_test(tc, opcode_table_round_trips);
	tcase_add_test(tc, opcode_table_lowering_columns);
	suite_add_tcase(s, tc);
	return s;
}
