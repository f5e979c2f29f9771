/*
 * lower_numeric.c — numeric instructions with the spec's exact semantics.
 *
 * What LLVM gives for free is used as is (two's complement arithmetic,
 * IEEE arithmetic, llvm.minimum/maximum for NaN-propagating min/max with
 * -0 < +0, llvm.roundeven for nearest, llvm.fpto[su]i.sat for trunc_sat).
 * What it leaves undefined is checked first: division and remainder by
 * zero and INT_MIN / -1, shift counts (taken modulo the width), and
 * float-to-int truncation of NaN or out-of-range values.
 */
#include "lower.h"

static LLVMValueRef c_int(LLVMTypeRef t, unsigned long long v)
{
	return LLVMConstInt(t, v, 0);
}

static bool push(lower *l, LLVMValueRef v)
{
	return lower_push(l, v);
}

static LLVMValueRef bool_to_i32(lower *l, LLVMValueRef c)
{
	return LLVMBuildZExt(l->b, c, l->lm->i32, "");
}

static LLVMValueRef unary_intrinsic(lower *l, const char *name, LLVMValueRef x)
{
	LLVMTypeRef t = LLVMTypeOf(x);

	return lower_intrinsic(l, name, &t, 1, &x, 1);
}

/* clz/ctz: defined for zero (the width). */
static LLVMValueRef bit_count(lower *l, const char *name, LLVMValueRef x)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMValueRef args[2] = {x, LLVMConstInt(LLVMInt1TypeInContext(l->lm->llctx), 0, 0)};

	return lower_intrinsic(l, name, &t, 1, args, 2);
}

static LLVMValueRef shift_count(lower *l, LLVMValueRef x, LLVMValueRef n)
{
	unsigned bits = LLVMGetIntTypeWidth(LLVMTypeOf(x));

	return LLVMBuildAnd(l->b, n, c_int(LLVMTypeOf(x), bits - 1), "");
}

static LLVMValueRef rotate(lower *l, const char *name, LLVMValueRef x, LLVMValueRef n)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMValueRef args[3] = {x, x, n};

	return lower_intrinsic(l, name, &t, 1, args, 3);
}

/* div/rem: trap on zero; signed division traps on INT_MIN / -1, while
 * signed remainder gives 0 there (computed as x rem 1). */
static LLVMValueRef divide(lower *l, LLVMOpcode op, LLVMValueRef x, LLVMValueRef y)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	unsigned bits = LLVMGetIntTypeWidth(t);
	LLVMValueRef minus1 = LLVMConstAllOnes(t);
	LLVMValueRef min = c_int(t, 1ull << (bits - 1));

	lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntEQ, y, c_int(t, 0), ""),
		      KILN_TRAP_DIVIDE_BY_ZERO);
	if (op == LLVMSDiv) {
		LLVMValueRef ovf = LLVMBuildAnd(l->b,
			LLVMBuildICmp(l->b, LLVMIntEQ, x, min, ""),
			LLVMBuildICmp(l->b, LLVMIntEQ, y, minus1, ""), "");
		lower_trap_if(l, ovf, KILN_TRAP_INTEGER_OVERFLOW);
	} else if (op == LLVMSRem) {
		y = LLVMBuildSelect(l->b, LLVMBuildICmp(l->b, LLVMIntEQ, y, minus1, ""),
				    c_int(t, 1), y, "");
	}
	return LLVMBuildBinOp(l->b, op, x, y, "");
}

/* Trapping float → int: NaN is "invalid conversion", a value whose
 * truncation does not fit is "integer overflow".  The bounds are exclusive
 * and exact in double, which holds every f32 exactly. */
static LLVMValueRef trunc_checked(lower *l, LLVMValueRef x, LLVMTypeRef to,
				  bool is_signed)
{
	unsigned bits = LLVMGetIntTypeWidth(to);
	LLVMTypeRef f64 = l->lm->f64;
	LLVMValueRef d = LLVMTypeOf(x) == f64 ? x : LLVMBuildFPExt(l->b, x, f64, "");
	double hi = bits == 32 ? (is_signed ? 2147483648.0 : 4294967296.0)
			       : (is_signed ? 9223372036854775808.0 : 18446744073709551616.0);
	LLVMValueRef in_range;

	lower_trap_if(l, LLVMBuildFCmp(l->b, LLVMRealUNO, d, d, ""),
		      KILN_TRAP_INVALID_CONVERSION);
	if (!is_signed)
		in_range = LLVMBuildFCmp(l->b, LLVMRealOGT, d, LLVMConstReal(f64, -1.0), "");
	else if (bits == 32)
		in_range = LLVMBuildFCmp(l->b, LLVMRealOGT, d, LLVMConstReal(f64, -2147483649.0), "");
	else
		in_range = LLVMBuildFCmp(l->b, LLVMRealOGE, d, LLVMConstReal(f64, -hi), "");
	in_range = LLVMBuildAnd(l->b, in_range,
		LLVMBuildFCmp(l->b, LLVMRealOLT, d, LLVMConstReal(f64, hi), ""), "");
	lower_trap_if(l, LLVMBuildNot(l->b, in_range, ""), KILN_TRAP_INTEGER_OVERFLOW);
	return is_signed ? LLVMBuildFPToSI(l->b, x, to, "") : LLVMBuildFPToUI(l->b, x, to, "");
}

static LLVMValueRef trunc_sat(lower *l, LLVMValueRef x, LLVMTypeRef to, bool is_signed)
{
	LLVMTypeRef types[2] = {to, LLVMTypeOf(x)};

	return lower_intrinsic(l, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat",
			       types, 2, &x, 1);
}

static LLVMValueRef sign_extend_low(lower *l, LLVMValueRef x, unsigned bits)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMTypeRef narrow = LLVMIntTypeInContext(l->lm->llctx, bits);

	return LLVMBuildSExt(l->b, LLVMBuildTrunc(l->b, x, narrow, ""), t, "");
}

static bool is_float(const kiln_op_info *d)
{
	return d->shape == KILN_SHAPE_F32 || d->shape == KILN_SHAPE_F64;
}

static bool compare(lower *l, const kiln_op_info *d)
{
	LLVMValueRef y, x;

	if (d->oper == KILN_OPER_EQZ) {
		x = lower_pop(l);
		return push(l, bool_to_i32(l, LLVMBuildICmp(l->b, LLVMIntEQ, x,
					   LLVMConstNull(LLVMTypeOf(x)), "")));
	}
	y = lower_pop(l);
	x = lower_pop(l);
	if (is_float(d))
		return push(l, bool_to_i32(l, LLVMBuildFCmp(l->b, lower_real_predicate(d->oper),
							    x, y, "")));
	return push(l, bool_to_i32(l, LLVMBuildICmp(l->b, lower_int_predicate(d->oper, d->sign),
						    x, y, "")));
}

/* i32/i64 clz, ctz, popcnt; NULL for another operation. */
static LLVMValueRef int_unary(lower *l, kiln_oper oper, LLVMValueRef x)
{
	switch (oper) {
	case KILN_OPER_CLZ: return bit_count(l, "llvm.ctlz", x);
	case KILN_OPER_CTZ: return bit_count(l, "llvm.cttz", x);
	case KILN_OPER_POPCNT: return unary_intrinsic(l, "llvm.ctpop", x);
	default: return NULL;
	}
}

/* i32/i64 binary arithmetic; NULL for another operation. */
static LLVMValueRef int_binary(lower *l, const kiln_op_info *d, LLVMValueRef x, LLVMValueRef y)
{
	bool s = d->sign == KILN_SIGN_S;

	switch (d->oper) {
	case KILN_OPER_ADD: return LLVMBuildAdd(l->b, x, y, "");
	case KILN_OPER_SUB: return LLVMBuildSub(l->b, x, y, "");
	case KILN_OPER_MUL: return LLVMBuildMul(l->b, x, y, "");
	case KILN_OPER_DIV: return divide(l, s ? LLVMSDiv : LLVMUDiv, x, y);
	case KILN_OPER_REM: return divide(l, s ? LLVMSRem : LLVMURem, x, y);
	case KILN_OPER_AND: return LLVMBuildAnd(l->b, x, y, "");
	case KILN_OPER_OR: return LLVMBuildOr(l->b, x, y, "");
	case KILN_OPER_XOR: return LLVMBuildXor(l->b, x, y, "");
	case KILN_OPER_SHL: return LLVMBuildShl(l->b, x, shift_count(l, x, y), "");
	case KILN_OPER_SHR:
		return s ? LLVMBuildAShr(l->b, x, shift_count(l, x, y), "")
			 : LLVMBuildLShr(l->b, x, shift_count(l, x, y), "");
	case KILN_OPER_ROTL: return rotate(l, "llvm.fshl", x, y);
	case KILN_OPER_ROTR: return rotate(l, "llvm.fshr", x, y);
	default: return NULL;
	}
}

/* f32/f64 unary operations; NULL for another operation. */
static LLVMValueRef float_unary(lower *l, kiln_oper oper, LLVMValueRef x)
{
	switch (oper) {
	case KILN_OPER_ABS: return unary_intrinsic(l, "llvm.fabs", x);
	case KILN_OPER_NEG: return LLVMBuildFNeg(l->b, x, "");
	case KILN_OPER_CEIL: return unary_intrinsic(l, "llvm.ceil", x);
	case KILN_OPER_FLOOR: return unary_intrinsic(l, "llvm.floor", x);
	case KILN_OPER_TRUNC: return unary_intrinsic(l, "llvm.trunc", x);
	case KILN_OPER_NEAREST: return unary_intrinsic(l, "llvm.roundeven", x);
	case KILN_OPER_SQRT: return unary_intrinsic(l, "llvm.sqrt", x);
	default: return NULL;
	}
}

/* LLVM folds x * 1.0, x + -0.0, x - 0.0 and x / 1.0 to x, x * -1.0,
 * x / -1.0 and -0.0 - x to -x, and may pass a NaN operand of
 * minimum/maximum through as it is; wasm wants a quiet NaN when x is a
 * signalling one.  Setting the quiet bit of a NaN result does that
 * (llvm.canonicalize would, but LLVM 19 cannot select it on x86), and is
 * only needed where such folding can happen: min/max, or a constant
 * operand of ±0, ±1 or NaN (folding with a NaN constant quiets it, but
 * that is LLVM's choice to make).  Any other constant leaves a real
 * operation, which quiets on its own; the check it would cost sits on the
 * result's critical path (nbody's dt / (d2 * sqrt(d2))). */
static LLVMValueRef quiet(lower *l, LLVMValueRef v)
{
	LLVMTypeRef ft = LLVMTypeOf(v);
	bool is32 = ft == l->lm->f32;
	LLVMTypeRef it = is32 ? l->lm->i32 : l->lm->i64;
	LLVMValueRef bit = LLVMConstInt(it, is32 ? 0x00400000u : 0x0008000000000000ull, 0);
	LLVMValueRef q = LLVMBuildBitCast(l->b,
		LLVMBuildOr(l->b, LLVMBuildBitCast(l->b, v, it, ""), bit, ""), ft, "");

	return LLVMBuildSelect(l->b, LLVMBuildFCmp(l->b, LLVMRealUNO, v, v, ""), q, v, "");
}

/* Whether v is a constant that can make an arithmetic operation pass its
 * other operand through (see quiet()). */
static bool folding_constant(LLVMValueRef v)
{
	LLVMBool loses;
	double d;

	if (!LLVMIsAConstantFP(v))
		return LLVMIsConstant(v);	/* not a plain number: assume it can */
	d = LLVMConstRealGetDouble(v, &loses);
	return d == 0 || d == 1 || d == -1 || d != d;
}

/* f32/f64 binary operations; NULL for another operation. */
static LLVMValueRef float_binary(lower *l, kiln_oper oper, LLVMValueRef x, LLVMValueRef y)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMValueRef args[2] = {x, y}, r;
	bool folds = folding_constant(x) || folding_constant(y);

	switch (oper) {
	case KILN_OPER_ADD: r = LLVMBuildFAdd(l->b, x, y, ""); break;
	case KILN_OPER_SUB: r = LLVMBuildFSub(l->b, x, y, ""); break;
	case KILN_OPER_MUL: r = LLVMBuildFMul(l->b, x, y, ""); break;
	case KILN_OPER_DIV: r = LLVMBuildFDiv(l->b, x, y, ""); break;
	case KILN_OPER_MIN: return quiet(l, lower_intrinsic(l, "llvm.minimum", &t, 1, args, 2));
	case KILN_OPER_MAX: return quiet(l, lower_intrinsic(l, "llvm.maximum", &t, 1, args, 2));
	case KILN_OPER_COPYSIGN: return lower_intrinsic(l, "llvm.copysign", &t, 1, args, 2);
	default: return NULL;
	}
	return folds ? quiet(l, r) : r;
}

/* The arithmetic operations: unary if the row has one operand. */
static bool arithmetic(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	LLVMValueRef x, y, r;

	if (d->params[1] == KILN_VT_NONE) {
		x = lower_pop(l);
		r = is_float(d) ? float_unary(l, d->oper, x) : int_unary(l, d->oper, x);
	} else {
		y = lower_pop(l);
		x = lower_pop(l);
		r = is_float(d) ? float_binary(l, d->oper, x, y) : int_binary(l, d, x, y);
	}
	return r ? push(l, r) : lower_unsupported(l, in);
}

/* Conversions to the row's shape, from the type of x (its p0). */
static LLVMValueRef convert(lower *l, const kiln_op_info *d, LLVMValueRef x)
{
	lower_module *lm = l->lm;
	LLVMTypeRef to = lower_type(lm, (kiln_valtype)d->result);
	bool s = d->sign == KILN_SIGN_S;

	switch (d->oper) {
	case KILN_OPER_WRAP: return LLVMBuildTrunc(l->b, x, to, "");
	case KILN_OPER_TRUNC_TO_INT: return trunc_checked(l, x, to, s);
	case KILN_OPER_TRUNC_SAT: return trunc_sat(l, x, to, s);
	case KILN_OPER_EXTEND:
		return s ? LLVMBuildSExt(l->b, x, to, "") : LLVMBuildZExt(l->b, x, to, "");
	case KILN_OPER_CONVERT:
		return s ? LLVMBuildSIToFP(l->b, x, to, "") : LLVMBuildUIToFP(l->b, x, to, "");
	/* quiet(): LLVM folds demote(promote(x)) to x, signalling NaNs too. */
	case KILN_OPER_DEMOTE: return quiet(l, LLVMBuildFPTrunc(l->b, x, to, ""));
	case KILN_OPER_PROMOTE: return quiet(l, LLVMBuildFPExt(l->b, x, to, ""));
	case KILN_OPER_REINTERPRET: return LLVMBuildBitCast(l->b, x, to, "");
	case KILN_OPER_EXTEND8: return sign_extend_low(l, x, 8);
	case KILN_OPER_EXTEND16: return sign_extend_low(l, x, 16);
	case KILN_OPER_EXTEND32: return sign_extend_low(l, x, 32);
	default: return NULL;
	}
}

static bool constant(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	lower_module *lm = l->lm;
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double d; } f64;

	switch (d->shape) {
	case KILN_SHAPE_I32: return push(l, c_int(lm->i32, (uint32_t)in->u.i32));
	case KILN_SHAPE_I64: return push(l, c_int(lm->i64, (uint64_t)in->u.i64));
	case KILN_SHAPE_F32:
		/* Through the bits: NaN payloads must survive. */
		f32.u = in->u.f32;
		return push(l, LLVMBuildBitCast(l->b, c_int(lm->i32, f32.u), lm->f32, ""));
	case KILN_SHAPE_F64:
		f64.u = in->u.f64;
		return push(l, LLVMBuildBitCast(l->b, c_int(lm->i64, f64.u), lm->f64, ""));
	default:
		return lower_unsupported(l, in);
	}
}

bool lower_numeric(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	LLVMValueRef v;

	switch (d->oper) {
	case KILN_OPER_CONST:
		return constant(l, in, d);
	case KILN_OPER_EQZ: case KILN_OPER_EQ: case KILN_OPER_NE: case KILN_OPER_LT:
	case KILN_OPER_GT: case KILN_OPER_LE: case KILN_OPER_GE:
		return compare(l, d);
	case KILN_OPER_WRAP: case KILN_OPER_TRUNC_TO_INT: case KILN_OPER_TRUNC_SAT:
	case KILN_OPER_EXTEND: case KILN_OPER_CONVERT: case KILN_OPER_DEMOTE:
	case KILN_OPER_PROMOTE: case KILN_OPER_REINTERPRET: case KILN_OPER_EXTEND8:
	case KILN_OPER_EXTEND16: case KILN_OPER_EXTEND32:
		v = convert(l, d, lower_pop(l));
		return v ? push(l, v) : lower_unsupported(l, in);
	default:
		return arithmetic(l, in, d);
	}
}
