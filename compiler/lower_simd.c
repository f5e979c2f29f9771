/*
 * lower_simd.c — the fixed-width SIMD instructions (0xfd prefix) as LLVM
 * vector IR, which LLVM selects as SSE/AVX instructions.
 *
 * A v128 travels as <2 x i64> (lower_type) and is bitcast to the lane
 * shape each instruction works on.  What LLVM leaves undefined or does
 * differently from wasm is spelled out: shift counts are taken modulo the
 * lane width, swizzle gives 0 for indices past 15, narrowing saturates,
 * trunc_sat uses the saturating conversions, min/max propagate NaN with
 * -0 < +0 (llvm.minimum/maximum) while pmin/pmax are the plain compare
 * and select the spec defines, NaN results that LLVM may fold are made
 * quiet, and every memory access is unaligned (alignment is a hint).
 */
#include <string.h>

#include "lower.h"

/* Lane shapes. */
enum shape { I8X16, I16X8, I32X4, I64X2, F32X4, F64X2 };

static const struct {
	unsigned lanes, bits;
	bool is_float;
} shapes[] = {
	[I8X16] = {16, 8, false}, [I16X8] = {8, 16, false}, [I32X4] = {4, 32, false},
	[I64X2] = {2, 64, false}, [F32X4] = {4, 32, true}, [F64X2] = {2, 64, true},
};

static LLVMTypeRef lane_type(lower *l, enum shape s)
{
	if (shapes[s].is_float)
		return shapes[s].bits == 32 ? l->lm->f32 : l->lm->f64;
	return LLVMIntTypeInContext(l->lm->llctx, shapes[s].bits);
}

static LLVMTypeRef vec_type(lower *l, enum shape s)
{
	return LLVMVectorType(lane_type(l, s), shapes[s].lanes);
}

/* A vector of n lanes of integers `bits` wide. */
static LLVMTypeRef ivec(lower *l, unsigned bits, unsigned n)
{
	return LLVMVectorType(LLVMIntTypeInContext(l->lm->llctx, bits), n);
}

static LLVMValueRef as(lower *l, LLVMValueRef v, enum shape s)
{
	return LLVMBuildBitCast(l->b, v, vec_type(l, s), "");
}

static LLVMValueRef pop_as(lower *l, enum shape s)
{
	return as(l, lower_pop(l), s);
}

static bool push_v(lower *l, LLVMValueRef v)
{
	return lower_push(l, LLVMBuildBitCast(l->b, v, l->lm->v128, ""));
}

static LLVMValueRef i32c(lower *l, unsigned v)
{
	return LLVMConstInt(l->lm->i32, v, 0);
}

/* A constant shuffle mask. */
static LLVMValueRef mask(lower *l, const unsigned *idx, unsigned n)
{
	LLVMValueRef m[32];

	for (unsigned i = 0; i < n; i++)
		m[i] = i32c(l, idx[i]);
	return LLVMConstVector(m, n);
}

/* Lanes [first, first + n) of v (step 1), or every second lane from
 * first (step 2). */
static LLVMValueRef lanes(lower *l, LLVMValueRef v, unsigned first, unsigned n, unsigned step)
{
	unsigned idx[32];

	for (unsigned i = 0; i < n; i++)
		idx[i] = first + i * step;
	return LLVMBuildShuffleVector(l->b, v, LLVMGetUndef(LLVMTypeOf(v)), mask(l, idx, n), "");
}

/* a and b (n lanes each) as one vector of 2n lanes. */
static LLVMValueRef concat(lower *l, LLVMValueRef a, LLVMValueRef b, unsigned n)
{
	unsigned idx[32];

	for (unsigned i = 0; i < 2 * n; i++)
		idx[i] = i;
	return LLVMBuildShuffleVector(l->b, a, b, mask(l, idx, 2 * n), "");
}

static LLVMValueRef splat(lower *l, LLVMValueRef x, unsigned n)
{
	LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(x), n);
	LLVMValueRef v = LLVMBuildInsertElement(l->b, LLVMGetUndef(vt), x, i32c(l, 0), "");
	unsigned idx[16] = {0};

	return LLVMBuildShuffleVector(l->b, v, LLVMGetUndef(vt), mask(l, idx, n), "");
}

static LLVMValueRef intrinsic1(lower *l, const char *name, LLVMValueRef x)
{
	LLVMTypeRef t = LLVMTypeOf(x);

	return lower_intrinsic(l, name, &t, 1, &x, 1);
}

static LLVMValueRef intrinsic2(lower *l, const char *name, LLVMValueRef x, LLVMValueRef y)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMValueRef args[2] = {x, y};

	return lower_intrinsic(l, name, &t, 1, args, 2);
}

/* Sets the quiet bit of NaN lanes (see quiet() in lower_numeric.c). */
static LLVMValueRef vquiet(lower *l, LLVMValueRef v, enum shape s)
{
	unsigned bits = shapes[s].bits;
	LLVMTypeRef it = ivec(l, bits, shapes[s].lanes);
	LLVMValueRef bit = splat(l, LLVMConstInt(LLVMIntTypeInContext(l->lm->llctx, bits),
						 bits == 32 ? 0x00400000u : 0x0008000000000000ull, 0),
				 shapes[s].lanes);
	LLVMValueRef q = LLVMBuildBitCast(l->b,
		LLVMBuildOr(l->b, LLVMBuildBitCast(l->b, v, it, ""), bit, ""), LLVMTypeOf(v), "");

	return LLVMBuildSelect(l->b, LLVMBuildFCmp(l->b, LLVMRealUNO, v, v, ""), q, v, "");
}

/* ------------------------------------------------------------- memory */

static bool memory(lower *l, const kiln_instr *in)
{
	kiln_op op = in->op;
	LLVMValueRef v, a;

	switch (op) {
	case KILN_OP_V128_LOAD:
		return push_v(l, lower_memory_load(l, l->lm->v128, lower_address(l, in)));
	case KILN_OP_V128_STORE:
		v = lower_pop(l);
		lower_memory_store(l, v, lower_address(l, in));
		return true;
	case KILN_OP_V128_LOAD8X8_S: case KILN_OP_V128_LOAD8X8_U:
	case KILN_OP_V128_LOAD16X4_S: case KILN_OP_V128_LOAD16X4_U:
	case KILN_OP_V128_LOAD32X2_S: case KILN_OP_V128_LOAD32X2_U: {
		unsigned k = (op - KILN_OP_V128_LOAD8X8_S) / 2, bits = 8u << k, n = 64 / bits;
		v = lower_memory_load(l, ivec(l, bits, n), lower_address(l, in));
		LLVMTypeRef wide = ivec(l, bits * 2, n);
		return push_v(l, (op - KILN_OP_V128_LOAD8X8_S) % 2 == 0
				 ? LLVMBuildSExt(l->b, v, wide, "") : LLVMBuildZExt(l->b, v, wide, ""));
	}
	case KILN_OP_V128_LOAD8_SPLAT: case KILN_OP_V128_LOAD16_SPLAT:
	case KILN_OP_V128_LOAD32_SPLAT: case KILN_OP_V128_LOAD64_SPLAT: {
		unsigned bits = 8u << (op - KILN_OP_V128_LOAD8_SPLAT);
		v = lower_memory_load(l, LLVMIntTypeInContext(l->lm->llctx, bits), lower_address(l, in));
		return push_v(l, splat(l, v, 128 / bits));
	}
	case KILN_OP_V128_LOAD32_ZERO: case KILN_OP_V128_LOAD64_ZERO: {
		unsigned bits = op == KILN_OP_V128_LOAD32_ZERO ? 32 : 64;
		LLVMTypeRef vt = ivec(l, bits, 128 / bits);
		v = lower_memory_load(l, LLVMIntTypeInContext(l->lm->llctx, bits), lower_address(l, in));
		return push_v(l, LLVMBuildInsertElement(l->b, LLVMConstNull(vt), v, i32c(l, 0), ""));
	}
	case KILN_OP_V128_LOAD8_LANE: case KILN_OP_V128_LOAD16_LANE:
	case KILN_OP_V128_LOAD32_LANE: case KILN_OP_V128_LOAD64_LANE: {
		unsigned bits = 8u << (op - KILN_OP_V128_LOAD8_LANE);
		v = LLVMBuildBitCast(l->b, lower_pop(l), ivec(l, bits, 128 / bits), "");
		a = lower_memory_load(l, LLVMIntTypeInContext(l->lm->llctx, bits), lower_address(l, in));
		return push_v(l, LLVMBuildInsertElement(l->b, v, a, i32c(l, in->u.mem.lane), ""));
	}
	case KILN_OP_V128_STORE8_LANE: case KILN_OP_V128_STORE16_LANE:
	case KILN_OP_V128_STORE32_LANE: case KILN_OP_V128_STORE64_LANE: {
		unsigned bits = 8u << (op - KILN_OP_V128_STORE8_LANE);
		v = LLVMBuildBitCast(l->b, lower_pop(l), ivec(l, bits, 128 / bits), "");
		v = LLVMBuildExtractElement(l->b, v, i32c(l, in->u.mem.lane), "");
		lower_memory_store(l, v, lower_address(l, in));
		return true;
	}
	default:
		return false;
	}
}

/* ------------------------------------------------ constants and lanes */

static bool swizzle(lower *l)
{
	LLVMValueRef s = pop_as(l, I8X16), a = pop_as(l, I8X16);
	LLVMTypeRef i8 = l->lm->i8;
	LLVMValueRef r = LLVMConstNull(vec_type(l, I8X16));

	/* Lane by lane: an index past 15 selects 0. */
	for (unsigned i = 0; i < 16; i++) {
		LLVMValueRef idx = LLVMBuildExtractElement(l->b, s, i32c(l, i), "");
		LLVMValueRef in = LLVMBuildICmp(l->b, LLVMIntULT, idx, LLVMConstInt(i8, 16, 0), "");
		LLVMValueRef safe = LLVMBuildAnd(l->b, idx, LLVMConstInt(i8, 15, 0), "");
		LLVMValueRef e = LLVMBuildExtractElement(l->b, a, safe, "");
		e = LLVMBuildSelect(l->b, in, e, LLVMConstInt(i8, 0, 0), "");
		r = LLVMBuildInsertElement(l->b, r, e, i32c(l, i), "");
	}
	return push_v(l, r);
}

static bool lanes_op(lower *l, const kiln_instr *in)
{
	kiln_op op = in->op;
	LLVMValueRef v, x;

	switch (op) {
	case KILN_OP_V128_CONST: {
		uint64_t lo, hi;
		memcpy(&lo, in->u.bytes, 8);
		memcpy(&hi, in->u.bytes + 8, 8);
		LLVMValueRef c[2] = {LLVMConstInt(l->lm->i64, lo, 0), LLVMConstInt(l->lm->i64, hi, 0)};
		return lower_push(l, LLVMConstVector(c, 2));
	}
	case KILN_OP_I8X16_SHUFFLE: {
		unsigned idx[16];
		LLVMValueRef b = pop_as(l, I8X16), a = pop_as(l, I8X16);
		for (unsigned i = 0; i < 16; i++)
			idx[i] = in->u.bytes[i];
		return push_v(l, LLVMBuildShuffleVector(l->b, a, b, mask(l, idx, 16), ""));
	}
	case KILN_OP_I8X16_SWIZZLE:
		return swizzle(l);
	case KILN_OP_I8X16_SPLAT: case KILN_OP_I16X8_SPLAT: case KILN_OP_I32X4_SPLAT:
	case KILN_OP_I64X2_SPLAT: case KILN_OP_F32X4_SPLAT: case KILN_OP_F64X2_SPLAT: {
		enum shape s = (enum shape)(op - KILN_OP_I8X16_SPLAT);
		x = lower_pop(l);
		if (s < I32X4)
			x = LLVMBuildTrunc(l->b, x, lane_type(l, s), "");
		return push_v(l, splat(l, x, shapes[s].lanes));
	}
	default:
		break;
	}
	if (op < KILN_OP_I8X16_EXTRACT_LANE_S || op > KILN_OP_F64X2_REPLACE_LANE)
		return false;
	static const struct {
		kiln_op op;
		enum shape s;
		char kind;	/* 's' extract signed, 'u' unsigned, 'e' extract, 'r' replace */
	} t[] = {
		{KILN_OP_I8X16_EXTRACT_LANE_S, I8X16, 's'}, {KILN_OP_I8X16_EXTRACT_LANE_U, I8X16, 'u'},
		{KILN_OP_I8X16_REPLACE_LANE, I8X16, 'r'}, {KILN_OP_I16X8_EXTRACT_LANE_S, I16X8, 's'},
		{KILN_OP_I16X8_EXTRACT_LANE_U, I16X8, 'u'}, {KILN_OP_I16X8_REPLACE_LANE, I16X8, 'r'},
		{KILN_OP_I32X4_EXTRACT_LANE, I32X4, 'e'}, {KILN_OP_I32X4_REPLACE_LANE, I32X4, 'r'},
		{KILN_OP_I64X2_EXTRACT_LANE, I64X2, 'e'}, {KILN_OP_I64X2_REPLACE_LANE, I64X2, 'r'},
		{KILN_OP_F32X4_EXTRACT_LANE, F32X4, 'e'}, {KILN_OP_F32X4_REPLACE_LANE, F32X4, 'r'},
		{KILN_OP_F64X2_EXTRACT_LANE, F64X2, 'e'}, {KILN_OP_F64X2_REPLACE_LANE, F64X2, 'r'},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (t[i].op != op)
			continue;
		LLVMValueRef lane = i32c(l, in->u.lane);
		if (t[i].kind == 'r') {
			x = lower_pop(l);
			v = pop_as(l, t[i].s);
			if (t[i].s < I32X4)
				x = LLVMBuildTrunc(l->b, x, lane_type(l, t[i].s), "");
			return push_v(l, LLVMBuildInsertElement(l->b, v, x, lane, ""));
		}
		v = LLVMBuildExtractElement(l->b, pop_as(l, t[i].s), lane, "");
		if (t[i].kind == 's')
			v = LLVMBuildSExt(l->b, v, l->lm->i32, "");
		else if (t[i].kind == 'u')
			v = LLVMBuildZExt(l->b, v, l->lm->i32, "");
		return lower_push(l, v);
	}
	return false;
}

/* -------------------------------------------------------- comparisons */

static const LLVMIntPredicate icmp10[] = {
	LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT, LLVMIntSGT, LLVMIntUGT,
	LLVMIntSLE, LLVMIntULE, LLVMIntSGE, LLVMIntUGE,
};
static const LLVMIntPredicate icmp64[] = {
	LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntSGT, LLVMIntSLE, LLVMIntSGE,
};
static const LLVMRealPredicate fcmp6[] = {
	LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT, LLVMRealOGT, LLVMRealOLE, LLVMRealOGE,
};

static bool compare(lower *l, kiln_op op)
{
	enum shape s;
	int k;
	bool fl = false;

	if (op >= KILN_OP_I8X16_EQ && op <= KILN_OP_I32X4_GE_U) {
		s = (enum shape)((op - KILN_OP_I8X16_EQ) / 10);
		k = (op - KILN_OP_I8X16_EQ) % 10;
	} else if (op >= KILN_OP_F32X4_EQ && op <= KILN_OP_F64X2_GE) {
		s = op <= KILN_OP_F32X4_GE ? F32X4 : F64X2;
		k = (op - KILN_OP_F32X4_EQ) % 6;
		fl = true;
	} else if (op >= KILN_OP_I64X2_EQ && op <= KILN_OP_I64X2_GE_S) {
		s = I64X2;
		k = -1 - (op - KILN_OP_I64X2_EQ);
	} else {
		return false;
	}
	LLVMValueRef y = pop_as(l, s), x = pop_as(l, s), c;
	if (fl)
		c = LLVMBuildFCmp(l->b, fcmp6[k], x, y, "");
	else
		c = LLVMBuildICmp(l->b, k >= 0 ? icmp10[k] : icmp64[-1 - k], x, y, "");
	return push_v(l, LLVMBuildSExt(l->b, c, ivec(l, shapes[s].bits, shapes[s].lanes), ""));
}

/* ---------------------------------------------------- bitwise, tests */

static bool bitwise(lower *l, kiln_op op)
{
	LLVMValueRef x, y, c;

	switch (op) {
	case KILN_OP_V128_NOT:
		return lower_push(l, LLVMBuildNot(l->b, lower_pop(l), ""));
	case KILN_OP_V128_AND: case KILN_OP_V128_ANDNOT: case KILN_OP_V128_OR:
	case KILN_OP_V128_XOR:
		y = lower_pop(l);
		x = lower_pop(l);
		if (op == KILN_OP_V128_AND)
			return lower_push(l, LLVMBuildAnd(l->b, x, y, ""));
		if (op == KILN_OP_V128_ANDNOT)
			return lower_push(l, LLVMBuildAnd(l->b, x, LLVMBuildNot(l->b, y, ""), ""));
		if (op == KILN_OP_V128_OR)
			return lower_push(l, LLVMBuildOr(l->b, x, y, ""));
		return lower_push(l, LLVMBuildXor(l->b, x, y, ""));
	case KILN_OP_V128_BITSELECT:
		c = lower_pop(l);
		y = lower_pop(l);
		x = lower_pop(l);
		return lower_push(l, LLVMBuildOr(l->b, LLVMBuildAnd(l->b, x, c, ""),
			LLVMBuildAnd(l->b, y, LLVMBuildNot(l->b, c, ""), ""), ""));
	case KILN_OP_V128_ANY_TRUE:
		x = LLVMBuildBitCast(l->b, lower_pop(l), LLVMIntTypeInContext(l->lm->llctx, 128), "");
		c = LLVMBuildICmp(l->b, LLVMIntNE, x, LLVMConstNull(LLVMTypeOf(x)), "");
		return lower_push(l, LLVMBuildZExt(l->b, c, l->lm->i32, ""));
	default:
		break;
	}
	static const struct {
		kiln_op all_true, bitmask;
		enum shape s;
	} t[] = {
		{KILN_OP_I8X16_ALL_TRUE, KILN_OP_I8X16_BITMASK, I8X16},
		{KILN_OP_I16X8_ALL_TRUE, KILN_OP_I16X8_BITMASK, I16X8},
		{KILN_OP_I32X4_ALL_TRUE, KILN_OP_I32X4_BITMASK, I32X4},
		{KILN_OP_I64X2_ALL_TRUE, KILN_OP_I64X2_BITMASK, I64X2},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		unsigned n = shapes[t[i].s].lanes;
		if (op == t[i].all_true) {
			x = pop_as(l, t[i].s);
			c = LLVMBuildICmp(l->b, LLVMIntNE, x, LLVMConstNull(LLVMTypeOf(x)), "");
			c = intrinsic1(l, "llvm.vector.reduce.and", c);
			return lower_push(l, LLVMBuildZExt(l->b, c, l->lm->i32, ""));
		}
		if (op == t[i].bitmask) {
			x = pop_as(l, t[i].s);
			c = LLVMBuildICmp(l->b, LLVMIntSLT, x, LLVMConstNull(LLVMTypeOf(x)), "");
			c = LLVMBuildBitCast(l->b, c, LLVMIntTypeInContext(l->lm->llctx, n), "");
			return lower_push(l, LLVMBuildZExt(l->b, c, l->lm->i32, ""));
		}
	}
	return false;
}

/* ------------------------------------------------- integer arithmetic */

/* Shifts: the count is taken modulo the lane width. */
static bool shift(lower *l, kiln_op op)
{
	static const struct {
		kiln_op first;
		enum shape s;
	} t[] = {
		{KILN_OP_I8X16_SHL, I8X16}, {KILN_OP_I16X8_SHL, I16X8},
		{KILN_OP_I32X4_SHL, I32X4}, {KILN_OP_I64X2_SHL, I64X2},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (op < t[i].first || op > t[i].first + 2)
			continue;
		enum shape s = t[i].s;
		LLVMValueRef n = lower_pop(l), x = pop_as(l, s);
		n = LLVMBuildAnd(l->b, n, i32c(l, shapes[s].bits - 1), "");
		n = s == I64X2 ? LLVMBuildZExt(l->b, n, l->lm->i64, "")
			       : LLVMBuildTrunc(l->b, n, lane_type(l, s), "");
		n = splat(l, n, shapes[s].lanes);
		switch (op - t[i].first) {
		case 0: return push_v(l, LLVMBuildShl(l->b, x, n, ""));
		case 1: return push_v(l, LLVMBuildAShr(l->b, x, n, ""));
		default: return push_v(l, LLVMBuildLShr(l->b, x, n, ""));
		}
	}
	return false;
}

/* x widened to lanes twice as wide (n lanes in, n out). */
static LLVMValueRef widen(lower *l, LLVMValueRef x, bool is_signed)
{
	unsigned n = LLVMGetVectorSize(LLVMTypeOf(x));
	unsigned bits = LLVMGetIntTypeWidth(LLVMGetElementType(LLVMTypeOf(x)));
	LLVMTypeRef t = ivec(l, bits * 2, n);

	return is_signed ? LLVMBuildSExt(l->b, x, t, "") : LLVMBuildZExt(l->b, x, t, "");
}

/* Saturating narrowing of a and b (lanes of 2 * bits) to one vector. */
static LLVMValueRef narrow(lower *l, LLVMValueRef a, LLVMValueRef b, unsigned bits,
			   bool is_signed)
{
	unsigned n = LLVMGetVectorSize(LLVMTypeOf(a));
	LLVMValueRef v = concat(l, a, b, n);
	LLVMTypeRef wt = LLVMGetElementType(LLVMTypeOf(a));
	long long lo = is_signed ? -(1ll << (bits - 1)) : 0;
	long long hi = is_signed ? (1ll << (bits - 1)) - 1 : (1ll << bits) - 1;

	v = intrinsic2(l, "llvm.smax", v, splat(l, LLVMConstInt(wt, (unsigned long long)lo, 1), 2 * n));
	v = intrinsic2(l, "llvm.smin", v, splat(l, LLVMConstInt(wt, (unsigned long long)hi, 1), 2 * n));
	return LLVMBuildTrunc(l->b, v, ivec(l, bits, 2 * n), "");
}

static bool int_arith(lower *l, kiln_op op)
{
	/* Binary operations by shape: name of the LLVM operation. */
	static const struct {
		kiln_op op;
		enum shape s;
		const char *what;
	} t[] = {
		{KILN_OP_I8X16_ADD, I8X16, "add"}, {KILN_OP_I8X16_SUB, I8X16, "sub"},
		{KILN_OP_I8X16_ADD_SAT_S, I8X16, "llvm.sadd.sat"},
		{KILN_OP_I8X16_ADD_SAT_U, I8X16, "llvm.uadd.sat"},
		{KILN_OP_I8X16_SUB_SAT_S, I8X16, "llvm.ssub.sat"},
		{KILN_OP_I8X16_SUB_SAT_U, I8X16, "llvm.usub.sat"},
		{KILN_OP_I8X16_MIN_S, I8X16, "llvm.smin"}, {KILN_OP_I8X16_MIN_U, I8X16, "llvm.umin"},
		{KILN_OP_I8X16_MAX_S, I8X16, "llvm.smax"}, {KILN_OP_I8X16_MAX_U, I8X16, "llvm.umax"},
		{KILN_OP_I8X16_AVGR_U, I8X16, "avgr"},
		{KILN_OP_I16X8_ADD, I16X8, "add"}, {KILN_OP_I16X8_SUB, I16X8, "sub"},
		{KILN_OP_I16X8_MUL, I16X8, "mul"},
		{KILN_OP_I16X8_ADD_SAT_S, I16X8, "llvm.sadd.sat"},
		{KILN_OP_I16X8_ADD_SAT_U, I16X8, "llvm.uadd.sat"},
		{KILN_OP_I16X8_SUB_SAT_S, I16X8, "llvm.ssub.sat"},
		{KILN_OP_I16X8_SUB_SAT_U, I16X8, "llvm.usub.sat"},
		{KILN_OP_I16X8_MIN_S, I16X8, "llvm.smin"}, {KILN_OP_I16X8_MIN_U, I16X8, "llvm.umin"},
		{KILN_OP_I16X8_MAX_S, I16X8, "llvm.smax"}, {KILN_OP_I16X8_MAX_U, I16X8, "llvm.umax"},
		{KILN_OP_I16X8_AVGR_U, I16X8, "avgr"}, {KILN_OP_I16X8_Q15MULR_SAT_S, I16X8, "q15"},
		{KILN_OP_I32X4_ADD, I32X4, "add"}, {KILN_OP_I32X4_SUB, I32X4, "sub"},
		{KILN_OP_I32X4_MUL, I32X4, "mul"},
		{KILN_OP_I32X4_MIN_S, I32X4, "llvm.smin"}, {KILN_OP_I32X4_MIN_U, I32X4, "llvm.umin"},
		{KILN_OP_I32X4_MAX_S, I32X4, "llvm.smax"}, {KILN_OP_I32X4_MAX_U, I32X4, "llvm.umax"},
		{KILN_OP_I32X4_DOT_I16X8_S, I16X8, "dot"},
		{KILN_OP_I64X2_ADD, I64X2, "add"}, {KILN_OP_I64X2_SUB, I64X2, "sub"},
		{KILN_OP_I64X2_MUL, I64X2, "mul"},
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (t[i].op != op)
			continue;
		enum shape s = t[i].s;
		unsigned n = shapes[s].lanes;
		LLVMValueRef y = pop_as(l, s), x = pop_as(l, s), r;
		const char *w = t[i].what;
		if (!strcmp(w, "add"))
			r = LLVMBuildAdd(l->b, x, y, "");
		else if (!strcmp(w, "sub"))
			r = LLVMBuildSub(l->b, x, y, "");
		else if (!strcmp(w, "mul"))
			r = LLVMBuildMul(l->b, x, y, "");
		else if (!strcmp(w, "avgr")) {
			/* (x + y + 1) / 2 without overflow: in lanes twice as wide. */
			LLVMValueRef a = widen(l, x, false), b = widen(l, y, false);
			LLVMTypeRef wt = LLVMGetElementType(LLVMTypeOf(a));
			a = LLVMBuildAdd(l->b, LLVMBuildAdd(l->b, a, b, ""),
					 splat(l, LLVMConstInt(wt, 1, 0), n), "");
			a = LLVMBuildLShr(l->b, a, splat(l, LLVMConstInt(wt, 1, 0), n), "");
			r = LLVMBuildTrunc(l->b, a, vec_type(l, s), "");
		} else if (!strcmp(w, "q15")) {
			/* (x * y + 0x4000) >> 15, saturated: only -32768 * -32768
			 * overflows. */
			LLVMValueRef a = LLVMBuildSExt(l->b, x, ivec(l, 32, 8), "");
			LLVMValueRef b = LLVMBuildSExt(l->b, y, ivec(l, 32, 8), "");
			a = LLVMBuildAdd(l->b, LLVMBuildMul(l->b, a, b, ""),
					 splat(l, i32c(l, 0x4000), 8), "");
			a = LLVMBuildAShr(l->b, a, splat(l, i32c(l, 15), 8), "");
			a = intrinsic2(l, "llvm.smin", a, splat(l, i32c(l, 0x7fff), 8));
			r = LLVMBuildTrunc(l->b, a, vec_type(l, s), "");
		} else if (!strcmp(w, "dot")) {
			LLVMValueRef a = LLVMBuildSExt(l->b, x, ivec(l, 32, 8), "");
			LLVMValueRef b = LLVMBuildSExt(l->b, y, ivec(l, 32, 8), "");
			a = LLVMBuildMul(l->b, a, b, "");
			r = LLVMBuildAdd(l->b, lanes(l, a, 0, 4, 2), lanes(l, a, 1, 4, 2), "");
		} else {
			r = intrinsic2(l, w, x, y);
		}
		return push_v(l, r);
	}
	return false;
}

static bool int_unary(lower *l, kiln_op op)
{
	static const struct {
		kiln_op abs, neg;
		enum shape s;
	} t[] = {
		{KILN_OP_I8X16_ABS, KILN_OP_I8X16_NEG, I8X16},
		{KILN_OP_I16X8_ABS, KILN_OP_I16X8_NEG, I16X8},
		{KILN_OP_I32X4_ABS, KILN_OP_I32X4_NEG, I32X4},
		{KILN_OP_I64X2_ABS, KILN_OP_I64X2_NEG, I64X2},
	};

	if (op == KILN_OP_I8X16_POPCNT)
		return push_v(l, intrinsic1(l, "llvm.ctpop", pop_as(l, I8X16)));
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (op == t[i].neg)
			return push_v(l, LLVMBuildNeg(l->b, pop_as(l, t[i].s), ""));
		if (op == t[i].abs) {
			LLVMValueRef x = pop_as(l, t[i].s);
			LLVMValueRef args[2] = {x, LLVMConstInt(LLVMInt1TypeInContext(l->lm->llctx), 0, 0)};
			LLVMTypeRef ty = LLVMTypeOf(x);
			return push_v(l, lower_intrinsic(l, "llvm.abs", &ty, 1, args, 2));
		}
	}
	return false;
}

/* Narrowing, widening, extended multiplication, pairwise addition. */
static bool resize(lower *l, kiln_op op)
{
	LLVMValueRef x, y;

	switch (op) {
	case KILN_OP_I8X16_NARROW_I16X8_S: case KILN_OP_I8X16_NARROW_I16X8_U:
		y = pop_as(l, I16X8), x = pop_as(l, I16X8);
		return push_v(l, narrow(l, x, y, 8, op == KILN_OP_I8X16_NARROW_I16X8_S));
	case KILN_OP_I16X8_NARROW_I32X4_S: case KILN_OP_I16X8_NARROW_I32X4_U:
		y = pop_as(l, I32X4), x = pop_as(l, I32X4);
		return push_v(l, narrow(l, x, y, 16, op == KILN_OP_I16X8_NARROW_I32X4_S));
	default:
		break;
	}
	/* extend_{low,high}_{s,u}: four in a row per shape, low_s high_s low_u high_u. */
	static const struct {
		kiln_op extend, extmul, pairwise;
		enum shape from;
	} t[] = {
		{KILN_OP_I16X8_EXTEND_LOW_I8X16_S, KILN_OP_I16X8_EXTMUL_LOW_I8X16_S,
		 KILN_OP_I16X8_EXTADD_PAIRWISE_I8X16_S, I8X16},
		{KILN_OP_I32X4_EXTEND_LOW_I16X8_S, KILN_OP_I32X4_EXTMUL_LOW_I16X8_S,
		 KILN_OP_I32X4_EXTADD_PAIRWISE_I16X8_S, I16X8},
		{KILN_OP_I64X2_EXTEND_LOW_I32X4_S, KILN_OP_I64X2_EXTMUL_LOW_I32X4_S, 0, I32X4},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		enum shape s = t[i].from;
		unsigned half = shapes[s].lanes / 2;
		if (op >= t[i].extend && op < t[i].extend + 4) {
			unsigned k = op - t[i].extend;
			x = lanes(l, pop_as(l, s), k % 2 ? half : 0, half, 1);
			return push_v(l, widen(l, x, k < 2));
		}
		if (op >= t[i].extmul && op < t[i].extmul + 4) {
			/* low_s high_s low_u high_u */
			unsigned k = op - t[i].extmul;
			y = lanes(l, pop_as(l, s), k % 2 ? half : 0, half, 1);
			x = lanes(l, pop_as(l, s), k % 2 ? half : 0, half, 1);
			return push_v(l, LLVMBuildMul(l->b, widen(l, x, k < 2), widen(l, y, k < 2), ""));
		}
		if (t[i].pairwise && op >= t[i].pairwise && op < t[i].pairwise + 2) {
			x = widen(l, pop_as(l, s), op == t[i].pairwise);
			return push_v(l, LLVMBuildAdd(l->b, lanes(l, x, 0, half, 2),
						      lanes(l, x, 1, half, 2), ""));
		}
	}
	return false;
}

/* --------------------------------------------------- float arithmetic */

static bool float_arith(lower *l, kiln_op op)
{
	static const struct {
		kiln_op first_unary, first_binary;
		enum shape s;
	} t[] = {
		{KILN_OP_F32X4_ABS, KILN_OP_F32X4_ADD, F32X4},
		{KILN_OP_F64X2_ABS, KILN_OP_F64X2_ADD, F64X2},
	};
	static const char *const rounding[] = {"llvm.ceil", "llvm.floor", "llvm.trunc",
					       "llvm.roundeven"};
	enum shape s;
	LLVMValueRef x, y, r;

	if (op >= KILN_OP_F32X4_CEIL && op <= KILN_OP_F32X4_NEAREST)
		return push_v(l, intrinsic1(l, rounding[op - KILN_OP_F32X4_CEIL], pop_as(l, F32X4)));
	if (op == KILN_OP_F64X2_CEIL || op == KILN_OP_F64X2_FLOOR || op == KILN_OP_F64X2_TRUNC ||
	    op == KILN_OP_F64X2_NEAREST) {
		int k = op == KILN_OP_F64X2_CEIL ? 0 : op == KILN_OP_F64X2_FLOOR ? 1
		      : op == KILN_OP_F64X2_TRUNC ? 2 : 3;
		return push_v(l, intrinsic1(l, rounding[k], pop_as(l, F64X2)));
	}
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		s = t[i].s;
		if (op == t[i].first_unary)	/* abs: the sign bit only */
			return push_v(l, intrinsic1(l, "llvm.fabs", pop_as(l, s)));
		if (op == t[i].first_unary + 1)
			return push_v(l, LLVMBuildFNeg(l->b, pop_as(l, s), ""));
		if (op == t[i].first_unary + 2)	/* sqrt (0xe2 / 0xee are not SIMD ops) */
			return push_v(l, intrinsic1(l, "llvm.sqrt", pop_as(l, s)));
		if (op < t[i].first_binary || op > t[i].first_binary + 7)
			continue;
		y = pop_as(l, s);
		x = pop_as(l, s);
		/* As scalar: quiet where LLVM may fold a NaN through. */
		bool folds = LLVMIsConstant(x) || LLVMIsConstant(y);
		switch (op - t[i].first_binary) {
		case 0: r = LLVMBuildFAdd(l->b, x, y, ""); break;
		case 1: r = LLVMBuildFSub(l->b, x, y, ""); break;
		case 2: r = LLVMBuildFMul(l->b, x, y, ""); break;
		case 3: r = LLVMBuildFDiv(l->b, x, y, ""); break;
		case 4: return push_v(l, vquiet(l, intrinsic2(l, "llvm.minimum", x, y), s));
		case 5: return push_v(l, vquiet(l, intrinsic2(l, "llvm.maximum", x, y), s));
		/* pmin: y < x ? y : x; pmax: x < y ? y : x — NaN and ±0 as they fall. */
		case 6: return push_v(l, LLVMBuildSelect(l->b,
				LLVMBuildFCmp(l->b, LLVMRealOLT, y, x, ""), y, x, ""));
		default: return push_v(l, LLVMBuildSelect(l->b,
				LLVMBuildFCmp(l->b, LLVMRealOLT, x, y, ""), y, x, ""));
		}
		return push_v(l, folds ? vquiet(l, r, s) : r);
	}
	return false;
}

static bool float_convert(lower *l, kiln_op op)
{
	LLVMValueRef x;
	LLVMTypeRef types[2];

	switch (op) {
	case KILN_OP_I32X4_TRUNC_SAT_F32X4_S: case KILN_OP_I32X4_TRUNC_SAT_F32X4_U:
		x = pop_as(l, F32X4);
		types[0] = ivec(l, 32, 4), types[1] = LLVMTypeOf(x);
		return push_v(l, lower_intrinsic(l, op == KILN_OP_I32X4_TRUNC_SAT_F32X4_S
						 ? "llvm.fptosi.sat" : "llvm.fptoui.sat",
						 types, 2, &x, 1));
	case KILN_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO: case KILN_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO:
		x = pop_as(l, F64X2);
		types[0] = ivec(l, 32, 2), types[1] = LLVMTypeOf(x);
		x = lower_intrinsic(l, op == KILN_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO
				    ? "llvm.fptosi.sat" : "llvm.fptoui.sat", types, 2, &x, 1);
		return push_v(l, concat(l, x, LLVMConstNull(ivec(l, 32, 2)), 2));
	case KILN_OP_F32X4_CONVERT_I32X4_S:
		return push_v(l, LLVMBuildSIToFP(l->b, pop_as(l, I32X4), vec_type(l, F32X4), ""));
	case KILN_OP_F32X4_CONVERT_I32X4_U:
		return push_v(l, LLVMBuildUIToFP(l->b, pop_as(l, I32X4), vec_type(l, F32X4), ""));
	case KILN_OP_F64X2_CONVERT_LOW_I32X4_S: case KILN_OP_F64X2_CONVERT_LOW_I32X4_U:
		x = lanes(l, pop_as(l, I32X4), 0, 2, 1);
		return push_v(l, op == KILN_OP_F64X2_CONVERT_LOW_I32X4_S
				 ? LLVMBuildSIToFP(l->b, x, vec_type(l, F64X2), "")
				 : LLVMBuildUIToFP(l->b, x, vec_type(l, F64X2), ""));
	case KILN_OP_F32X4_DEMOTE_F64X2_ZERO: {
		LLVMTypeRef v2f = LLVMVectorType(l->lm->f32, 2);
		x = LLVMBuildFPTrunc(l->b, pop_as(l, F64X2), v2f, "");
		x = concat(l, x, LLVMConstNull(v2f), 2);
		return push_v(l, vquiet(l, x, F32X4));
	}
	case KILN_OP_F64X2_PROMOTE_LOW_F32X4:
		x = lanes(l, pop_as(l, F32X4), 0, 2, 1);
		return push_v(l, vquiet(l, LLVMBuildFPExt(l->b, x, vec_type(l, F64X2), ""), F64X2));
	default:
		return false;
	}
}

bool lower_simd(lower *l, const kiln_instr *in, bool *handled)
{
	kiln_op op = in->op;

	*handled = kiln_op_table[op].prefix == 0xfd;
	if (!*handled)
		return true;
	/* Room for the one result each instruction pushes, so that below a
	 * push cannot fail and "handled" is all a family has to report. */
	if (!lower_push(l, NULL))
		return false;
	l->nstack--;
	if (kiln_op_table[op].imm == KILN_IMM_MEMARG ||
	    kiln_op_table[op].imm == KILN_IMM_MEMARG_LANE)
		return memory(l, in) ? true : (*handled = false, true);
	*handled = lanes_op(l, in) || compare(l, op) || bitwise(l, op) || shift(l, op) ||
		   int_arith(l, op) || int_unary(l, op) || resize(l, op) || float_arith(l, op) ||
		   float_convert(l, op);
	return true;
}
