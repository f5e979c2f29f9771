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

/* Integer comparisons, eq..ge_u in opcode order. */
static const LLVMIntPredicate int_cmp[] = {
	LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT, LLVMIntSGT, LLVMIntUGT,
	LLVMIntSLE, LLVMIntULE, LLVMIntSGE, LLVMIntUGE,
};
/* Float comparisons, eq..ge.  ne is true for NaN (unordered). */
static const LLVMRealPredicate float_cmp[] = {
	LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT, LLVMRealOGT, LLVMRealOLE, LLVMRealOGE,
};

static bool compare(lower *l, kiln_op op, bool *handled)
{
	LLVMValueRef y, x;
	int k;

	*handled = true;
	if (op >= KILN_OP_I32_EQ && op <= KILN_OP_I32_GE_U)
		k = op - KILN_OP_I32_EQ;
	else if (op >= KILN_OP_I64_EQ && op <= KILN_OP_I64_GE_U)
		k = op - KILN_OP_I64_EQ;
	else if (op >= KILN_OP_F32_EQ && op <= KILN_OP_F32_GE)
		k = 100 + (op - KILN_OP_F32_EQ);
	else if (op >= KILN_OP_F64_EQ && op <= KILN_OP_F64_GE)
		k = 100 + (op - KILN_OP_F64_EQ);
	else if (op == KILN_OP_I32_EQZ || op == KILN_OP_I64_EQZ) {
		x = lower_pop(l);
		return push(l, bool_to_i32(l, LLVMBuildICmp(l->b, LLVMIntEQ, x,
					   LLVMConstNull(LLVMTypeOf(x)), "")));
	} else {
		*handled = false;
		return true;
	}
	y = lower_pop(l);
	x = lower_pop(l);
	if (k >= 100)
		return push(l, bool_to_i32(l, LLVMBuildFCmp(l->b, float_cmp[k - 100], x, y, "")));
	return push(l, bool_to_i32(l, LLVMBuildICmp(l->b, int_cmp[k], x, y, "")));
}

/* i32/i64 binary arithmetic, add..rotr in opcode order. */
static LLVMValueRef int_binary(lower *l, int k, LLVMValueRef x, LLVMValueRef y)
{
	switch (k) {
	case 0: return LLVMBuildAdd(l->b, x, y, "");
	case 1: return LLVMBuildSub(l->b, x, y, "");
	case 2: return LLVMBuildMul(l->b, x, y, "");
	case 3: return divide(l, LLVMSDiv, x, y);
	case 4: return divide(l, LLVMUDiv, x, y);
	case 5: return divide(l, LLVMSRem, x, y);
	case 6: return divide(l, LLVMURem, x, y);
	case 7: return LLVMBuildAnd(l->b, x, y, "");
	case 8: return LLVMBuildOr(l->b, x, y, "");
	case 9: return LLVMBuildXor(l->b, x, y, "");
	case 10: return LLVMBuildShl(l->b, x, shift_count(l, x, y), "");
	case 11: return LLVMBuildAShr(l->b, x, shift_count(l, x, y), "");
	case 12: return LLVMBuildLShr(l->b, x, shift_count(l, x, y), "");
	case 13: return rotate(l, "llvm.fshl", x, y);
	default: return rotate(l, "llvm.fshr", x, y);
	}
}

/* f32/f64 unary abs..sqrt and binary add..copysign, in opcode order. */
static LLVMValueRef float_unary(lower *l, int k, LLVMValueRef x)
{
	static const char *const names[] = {
		"llvm.fabs", NULL, "llvm.ceil", "llvm.floor", "llvm.trunc",
		"llvm.roundeven", "llvm.sqrt",
	};

	if (k == 1)
		return LLVMBuildFNeg(l->b, x, "");
	return unary_intrinsic(l, names[k], x);
}

/* LLVM folds x * 1.0, x + -0.0, x - 0.0 and x / 1.0 to x, and may pass a
 * NaN operand of minimum/maximum through as it is; wasm wants a quiet NaN
 * when x is a signalling one.  Setting the quiet bit of a NaN result does
 * that (llvm.canonicalize would, but LLVM 19 cannot select it on x86), and
 * is only needed where such folding can happen: a constant operand, or
 * min/max. */
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

static LLVMValueRef float_binary(lower *l, int k, LLVMValueRef x, LLVMValueRef y)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMValueRef args[2] = {x, y}, r;
	bool folds = LLVMIsConstant(x) || LLVMIsConstant(y);

	switch (k) {
	case 0: r = LLVMBuildFAdd(l->b, x, y, ""); break;
	case 1: r = LLVMBuildFSub(l->b, x, y, ""); break;
	case 2: r = LLVMBuildFMul(l->b, x, y, ""); break;
	case 3: r = LLVMBuildFDiv(l->b, x, y, ""); break;
	case 4: return quiet(l, lower_intrinsic(l, "llvm.minimum", &t, 1, args, 2));
	case 5: return quiet(l, lower_intrinsic(l, "llvm.maximum", &t, 1, args, 2));
	default: return lower_intrinsic(l, "llvm.copysign", &t, 1, args, 2);
	}
	return folds ? quiet(l, r) : r;
}

static bool arithmetic(lower *l, kiln_op op, bool *handled)
{
	LLVMValueRef x, y;

	*handled = true;
	if (op >= KILN_OP_I32_CLZ && op <= KILN_OP_I32_POPCNT)
		op = op - KILN_OP_I32_CLZ + KILN_OP_I64_CLZ;	/* same code, other width */
	if (op >= KILN_OP_I64_CLZ && op <= KILN_OP_I64_POPCNT) {
		x = lower_pop(l);
		if (op == KILN_OP_I64_POPCNT)
			return push(l, unary_intrinsic(l, "llvm.ctpop", x));
		return push(l, bit_count(l, op == KILN_OP_I64_CLZ ? "llvm.ctlz" : "llvm.cttz", x));
	}
	if ((op >= KILN_OP_I32_ADD && op <= KILN_OP_I32_ROTR) ||
	    (op >= KILN_OP_I64_ADD && op <= KILN_OP_I64_ROTR)) {
		int k = op <= KILN_OP_I32_ROTR ? op - KILN_OP_I32_ADD : op - KILN_OP_I64_ADD;
		y = lower_pop(l);
		x = lower_pop(l);
		return push(l, int_binary(l, k, x, y));
	}
	if ((op >= KILN_OP_F32_ABS && op <= KILN_OP_F32_SQRT) ||
	    (op >= KILN_OP_F64_ABS && op <= KILN_OP_F64_SQRT)) {
		int k = op <= KILN_OP_F32_SQRT ? op - KILN_OP_F32_ABS : op - KILN_OP_F64_ABS;
		return push(l, float_unary(l, k, lower_pop(l)));
	}
	if ((op >= KILN_OP_F32_ADD && op <= KILN_OP_F32_COPYSIGN) ||
	    (op >= KILN_OP_F64_ADD && op <= KILN_OP_F64_COPYSIGN)) {
		int k = op <= KILN_OP_F32_COPYSIGN ? op - KILN_OP_F32_ADD : op - KILN_OP_F64_ADD;
		y = lower_pop(l);
		x = lower_pop(l);
		return push(l, float_binary(l, k, x, y));
	}
	*handled = false;
	return true;
}

static LLVMValueRef convert(lower *l, kiln_op op, LLVMValueRef x)
{
	lower_module *lm = l->lm;

	switch (op) {
	case KILN_OP_I32_WRAP_I64: return LLVMBuildTrunc(l->b, x, lm->i32, "");
	case KILN_OP_I32_TRUNC_F32_S:
	case KILN_OP_I32_TRUNC_F64_S: return trunc_checked(l, x, lm->i32, true);
	case KILN_OP_I32_TRUNC_F32_U:
	case KILN_OP_I32_TRUNC_F64_U: return trunc_checked(l, x, lm->i32, false);
	case KILN_OP_I64_TRUNC_F32_S:
	case KILN_OP_I64_TRUNC_F64_S: return trunc_checked(l, x, lm->i64, true);
	case KILN_OP_I64_TRUNC_F32_U:
	case KILN_OP_I64_TRUNC_F64_U: return trunc_checked(l, x, lm->i64, false);
	case KILN_OP_I32_TRUNC_SAT_F32_S:
	case KILN_OP_I32_TRUNC_SAT_F64_S: return trunc_sat(l, x, lm->i32, true);
	case KILN_OP_I32_TRUNC_SAT_F32_U:
	case KILN_OP_I32_TRUNC_SAT_F64_U: return trunc_sat(l, x, lm->i32, false);
	case KILN_OP_I64_TRUNC_SAT_F32_S:
	case KILN_OP_I64_TRUNC_SAT_F64_S: return trunc_sat(l, x, lm->i64, true);
	case KILN_OP_I64_TRUNC_SAT_F32_U:
	case KILN_OP_I64_TRUNC_SAT_F64_U: return trunc_sat(l, x, lm->i64, false);
	case KILN_OP_I64_EXTEND_I32_S: return LLVMBuildSExt(l->b, x, lm->i64, "");
	case KILN_OP_I64_EXTEND_I32_U: return LLVMBuildZExt(l->b, x, lm->i64, "");
	case KILN_OP_F32_CONVERT_I32_S:
	case KILN_OP_F32_CONVERT_I64_S: return LLVMBuildSIToFP(l->b, x, lm->f32, "");
	case KILN_OP_F32_CONVERT_I32_U:
	case KILN_OP_F32_CONVERT_I64_U: return LLVMBuildUIToFP(l->b, x, lm->f32, "");
	case KILN_OP_F64_CONVERT_I32_S:
	case KILN_OP_F64_CONVERT_I64_S: return LLVMBuildSIToFP(l->b, x, lm->f64, "");
	case KILN_OP_F64_CONVERT_I32_U:
	case KILN_OP_F64_CONVERT_I64_U: return LLVMBuildUIToFP(l->b, x, lm->f64, "");
	/* quiet(): LLVM folds demote(promote(x)) to x, signalling NaNs too. */
	case KILN_OP_F32_DEMOTE_F64: return quiet(l, LLVMBuildFPTrunc(l->b, x, lm->f32, ""));
	case KILN_OP_F64_PROMOTE_F32: return quiet(l, LLVMBuildFPExt(l->b, x, lm->f64, ""));
	case KILN_OP_I32_REINTERPRET_F32: return LLVMBuildBitCast(l->b, x, lm->i32, "");
	case KILN_OP_I64_REINTERPRET_F64: return LLVMBuildBitCast(l->b, x, lm->i64, "");
	case KILN_OP_F32_REINTERPRET_I32: return LLVMBuildBitCast(l->b, x, lm->f32, "");
	case KILN_OP_F64_REINTERPRET_I64: return LLVMBuildBitCast(l->b, x, lm->f64, "");
	case KILN_OP_I32_EXTEND8_S:
	case KILN_OP_I64_EXTEND8_S: return sign_extend_low(l, x, 8);
	case KILN_OP_I32_EXTEND16_S:
	case KILN_OP_I64_EXTEND16_S: return sign_extend_low(l, x, 16);
	case KILN_OP_I64_EXTEND32_S: return sign_extend_low(l, x, 32);
	default: return NULL;
	}
}

static bool constant(lower *l, const kiln_instr *in, bool *handled)
{
	lower_module *lm = l->lm;
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double d; } f64;

	*handled = true;
	switch (in->op) {
	case KILN_OP_I32_CONST: return push(l, c_int(lm->i32, (uint32_t)in->u.i32));
	case KILN_OP_I64_CONST: return push(l, c_int(lm->i64, (uint64_t)in->u.i64));
	case KILN_OP_F32_CONST:
		/* Through the bits: NaN payloads must survive. */
		f32.u = in->u.f32;
		return push(l, LLVMBuildBitCast(l->b, c_int(lm->i32, f32.u), lm->f32, ""));
	case KILN_OP_F64_CONST:
		f64.u = in->u.f64;
		return push(l, LLVMBuildBitCast(l->b, c_int(lm->i64, f64.u), lm->f64, ""));
	default:
		*handled = false;
		return true;
	}
}

bool lower_numeric(lower *l, const kiln_instr *in, bool *handled)
{
	const kiln_op_info *info = &kiln_op_table[in->op];
	LLVMValueRef v;
	bool ok;

	ok = constant(l, in, handled);
	if (!*handled)
		ok = compare(l, in->op, handled);
	if (!*handled)
		ok = arithmetic(l, in->op, handled);
	if (*handled)
		return ok;
	/* What is left here is conversions: one operand, no immediates.
	 * convert() builds nothing for other instructions. */
	if (info->prefix == 0xfd || info->imm != KILN_IMM_NONE ||
	    info->params[0] == KILN_VT_SPECIAL || info->params[0] == KILN_VT_NONE ||
	    info->params[1] != KILN_VT_NONE)
		return true;
	if ((v = convert(l, in->op, l->stack[l->nstack - 1])) == NULL)
		return true;
	l->nstack--;
	*handled = true;
	return push(l, v);
}
