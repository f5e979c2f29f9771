/*
 * opcode.h — the instruction set as data, generated from opcodes.def.
 *
 * kiln_op numbers every instruction densely; kiln_op_info describes it.
 * kiln_op_lookup maps an encoding (prefix, code) back to an op.  Nothing
 * here knows how to type or lower an instruction: the decoder reads the
 * immediates the `imm` column names, the validator checks the types the
 * p0..p2/r columns give, lowering picks its code by the family, oper,
 * shape and sign columns, and all share this one table.  No user may
 * depend on the order of the rows (kiln_op values are only names).
 */
#ifndef KILN_OPCODE_H
#define KILN_OPCODE_H

#include <stdint.h>

#include "internal.h"

typedef enum kiln_op {
#define KILN_OP(id, name, prefix, code, imm, arg, p0, p1, p2, r, fam, oper, shape, sign) \
	KILN_OP_##id,
#include "opcodes.def"
#undef KILN_OP
	KILN_OP_COUNT_
} kiln_op;

/* Immediate layouts (the `imm` column). */
typedef enum kiln_imm {
	KILN_IMM_NONE,
	KILN_IMM_BLOCKTYPE,	/* s33: -64 empty, negative valtype, or type index */
	KILN_IMM_LABEL,		/* u32 label depth */
	KILN_IMM_BR_TABLE,	/* vec(u32) + u32 default */
	KILN_IMM_FUNC,		/* u32 function index */
	KILN_IMM_CALL_INDIRECT,	/* u32 type index, u32 table index */
	KILN_IMM_SELECT_T,	/* vec(valtype) */
	KILN_IMM_LOCAL,		/* u32 */
	KILN_IMM_GLOBAL,	/* u32 */
	KILN_IMM_TABLE,		/* u32 */
	KILN_IMM_MEMARG,	/* u32 align (bit 6: a u32 memory index follows), u32 offset */
	KILN_IMM_MEMARG_LANE,	/* memarg + lane byte */
	KILN_IMM_MEMIDX,	/* u32 memory index (2.0: a zero byte) */
	KILN_IMM_I32,		/* s32 */
	KILN_IMM_I64,		/* s64 */
	KILN_IMM_F32,		/* 4 bytes */
	KILN_IMM_F64,		/* 8 bytes */
	KILN_IMM_V128,		/* 16 bytes */
	KILN_IMM_LANE,		/* lane byte */
	KILN_IMM_SHUFFLE,	/* 16 lane bytes */
	KILN_IMM_REFTYPE,	/* reftype byte */
	KILN_IMM_ELEM,		/* u32 element segment index */
	KILN_IMM_DATA,		/* u32 data segment index */
	KILN_IMM_MEMORY_INIT,	/* u32 data index, u32 memory index */
	KILN_IMM_MEMORY_COPY,	/* u32 dst memory, u32 src memory */
	KILN_IMM_TABLE_INIT,	/* u32 elem index, u32 table index */
	KILN_IMM_TABLE_COPY,	/* u32 dst table, u32 src table */
	KILN_IMM_FENCE,		/* a zero byte (atomic.fence; no memory needed) */
	KILN_IMM_TAG,		/* u32 tag index (exception handling) */
	KILN_IMM_TRY_TABLE,	/* blocktype, vec(catch clause): kiln_catch, krt_rd_catch */
} kiln_imm;

/* Operand-type column values: value type codes, plus these two. */
#define KILN_VT_NONE 0x00	/* `_`: no operand in this position */
#define KILN_VT_SPECIAL 0xff	/* `X`: typed by the validator case by case */

/* Instruction families (the `fam` column): the spec's classes of
 * instructions, and what lowering dispatches on.  SIMD holds every
 * 0xfd-prefixed instruction, its loads and stores included. */
typedef enum kiln_family {
	KILN_FAM_CONTROL,	/* blocks, branches, calls, unreachable, nop */
	KILN_FAM_PARAMETRIC,	/* drop, select */
	KILN_FAM_VARIABLE,	/* local.*, global.* */
	KILN_FAM_TABLE,		/* table.*, elem.drop */
	KILN_FAM_MEMORY,	/* scalar loads and stores, memory.*, data.drop */
	KILN_FAM_REFERENCE,	/* ref.* */
	KILN_FAM_NUMERIC,	/* i32/i64/f32/f64 constants and operations */
	KILN_FAM_SIMD,		/* v128 */
	KILN_FAM_ATOMIC,	/* threads: atomic accesses, wait, notify, fence */
	KILN_FAM_COUNT_
} kiln_family;

/* Operations (the `oper` column): what an instruction does, apart from
 * the shape it does it on and its signedness.  A mnemonic's shape prefix,
 * its source type and its _s/_u suffix are the other columns, so
 * i32.lt_s, i64.lt_u and i16x8.lt_s are all LT. */
typedef enum kiln_oper {
	/* control, parametric (one operation per instruction) */
	KILN_OPER_UNREACHABLE, KILN_OPER_NOP, KILN_OPER_BLOCK, KILN_OPER_LOOP,
	KILN_OPER_IF, KILN_OPER_ELSE, KILN_OPER_END, KILN_OPER_BR,
	KILN_OPER_BR_IF, KILN_OPER_BR_TABLE, KILN_OPER_RETURN, KILN_OPER_CALL,
	KILN_OPER_CALL_INDIRECT, KILN_OPER_DROP, KILN_OPER_SELECT,
	KILN_OPER_RETURN_CALL, KILN_OPER_RETURN_CALL_INDIRECT,	/* tail calls */
	/* exception handling: try_table, throw, throw_ref; and the legacy
	 * form's try, catch, catch_all, delegate, rethrow */
	KILN_OPER_TRY, KILN_OPER_CATCH, KILN_OPER_CATCH_ALL, KILN_OPER_DELEGATE,
	KILN_OPER_RETHROW, KILN_OPER_THROW, KILN_OPER_THROW_REF, KILN_OPER_TRY_TABLE,
	/* variables, tables, memories, references (drop: elem/data.drop) */
	KILN_OPER_GET, KILN_OPER_SET, KILN_OPER_TEE, KILN_OPER_SIZE,
	KILN_OPER_GROW, KILN_OPER_FILL, KILN_OPER_COPY, KILN_OPER_INIT,
	KILN_OPER_LOAD, KILN_OPER_STORE,
	KILN_OPER_NUL,		/* ref.null (NULL is a macro) */
	KILN_OPER_IS_NULL, KILN_OPER_FUNC,
	/* v128 memory accesses: load8x8_s..., load8_splat..., load32_zero,
	 * load64_zero, load8_lane..., store8_lane... */
	KILN_OPER_LOAD_EXTEND, KILN_OPER_LOAD_SPLAT, KILN_OPER_LOAD_ZERO,
	KILN_OPER_LOAD_LANE, KILN_OPER_STORE_LANE,
	/* comparisons (the sign column tells lt_s from lt_u) */
	KILN_OPER_EQZ, KILN_OPER_EQ, KILN_OPER_NE, KILN_OPER_LT, KILN_OPER_GT,
	KILN_OPER_LE, KILN_OPER_GE,
	/* arithmetic and bitwise operations */
	KILN_OPER_CONST, KILN_OPER_CLZ, KILN_OPER_CTZ, KILN_OPER_POPCNT,
	KILN_OPER_ADD, KILN_OPER_SUB, KILN_OPER_MUL, KILN_OPER_DIV,
	KILN_OPER_REM, KILN_OPER_AND, KILN_OPER_OR, KILN_OPER_XOR,
	KILN_OPER_SHL, KILN_OPER_SHR, KILN_OPER_ROTL, KILN_OPER_ROTR,
	KILN_OPER_ABS, KILN_OPER_NEG, KILN_OPER_CEIL, KILN_OPER_FLOOR,
	KILN_OPER_TRUNC,	/* rounding toward zero, float to float */
	KILN_OPER_NEAREST, KILN_OPER_SQRT, KILN_OPER_MIN, KILN_OPER_MAX,
	KILN_OPER_COPYSIGN,
	/* v128-only operations */
	KILN_OPER_NOT, KILN_OPER_ANDNOT, KILN_OPER_BITSELECT,
	KILN_OPER_ANY_TRUE, KILN_OPER_ALL_TRUE, KILN_OPER_BITMASK,
	KILN_OPER_SHUFFLE, KILN_OPER_SWIZZLE, KILN_OPER_SPLAT,
	KILN_OPER_EXTRACT_LANE, KILN_OPER_REPLACE_LANE, KILN_OPER_ADD_SAT,
	KILN_OPER_SUB_SAT, KILN_OPER_AVGR, KILN_OPER_Q15MULR_SAT,
	KILN_OPER_PMIN, KILN_OPER_PMAX, KILN_OPER_DOT,
	/* conversions: the shape column is the result; the operand is p0
	 * for scalars, and fixed by the operation for v128 */
	KILN_OPER_WRAP,
	KILN_OPER_TRUNC_TO_INT,	/* i32.trunc_f32_s...: traps */
	KILN_OPER_TRUNC_SAT, KILN_OPER_EXTEND, KILN_OPER_EXTEND8,
	KILN_OPER_EXTEND16, KILN_OPER_EXTEND32, KILN_OPER_CONVERT,
	KILN_OPER_DEMOTE, KILN_OPER_PROMOTE, KILN_OPER_REINTERPRET,
	KILN_OPER_NARROW, KILN_OPER_EXTEND_LOW, KILN_OPER_EXTEND_HIGH,
	KILN_OPER_EXTMUL_LOW, KILN_OPER_EXTMUL_HIGH,
	KILN_OPER_EXTADD_PAIRWISE, KILN_OPER_TRUNC_SAT_ZERO,
	KILN_OPER_CONVERT_LOW, KILN_OPER_DEMOTE_ZERO, KILN_OPER_PROMOTE_LOW,
	/* relaxed SIMD (0xfd 0x100-0x113): results the spec leaves to the
	 * engine within a set; lower_simd.c documents kiln's choices */
	KILN_OPER_RELAXED_SWIZZLE, KILN_OPER_RELAXED_TRUNC,
	KILN_OPER_RELAXED_TRUNC_ZERO, KILN_OPER_RELAXED_MADD,
	KILN_OPER_RELAXED_NMADD, KILN_OPER_RELAXED_LANESELECT,
	KILN_OPER_RELAXED_MIN, KILN_OPER_RELAXED_MAX, KILN_OPER_RELAXED_Q15MULR,
	KILN_OPER_RELAXED_DOT, KILN_OPER_RELAXED_DOT_ADD,
	/* atomics (load, store, add... are the operations above) */
	KILN_OPER_XCHG, KILN_OPER_CMPXCHG, KILN_OPER_WAIT, KILN_OPER_NOTIFY,
	KILN_OPER_FENCE,
	KILN_OPER_COUNT_
} kiln_oper;

/* Value and lane shapes (the `shape` column). */
typedef enum kiln_shape {
	KILN_SHAPE__,		/* `_`: none */
	KILN_SHAPE_I32, KILN_SHAPE_I64, KILN_SHAPE_F32, KILN_SHAPE_F64,
	KILN_SHAPE_V128,	/* the whole vector, no lanes */
	KILN_SHAPE_I8X16, KILN_SHAPE_I16X8, KILN_SHAPE_I32X4, KILN_SHAPE_I64X2,
	KILN_SHAPE_F32X4, KILN_SHAPE_F64X2,
} kiln_shape;

/* Signedness (the `sign` column): an _s or _u suffix, or neither. */
typedef enum kiln_sign { KILN_SIGN__, KILN_SIGN_S, KILN_SIGN_U } kiln_sign;

typedef struct kiln_op_info {
	const char *name;
	uint8_t prefix;		/* 0, 0xfc, 0xfd or 0xfe */
	uint8_t imm;		/* kiln_imm */
	uint8_t arg;		/* natural alignment log2, or lane count */
	uint8_t params[3];	/* value type codes, KILN_VT_NONE-padded */
	uint8_t result;		/* value type code or KILN_VT_NONE */
	uint8_t family;		/* kiln_family */
	uint8_t oper;		/* kiln_oper */
	uint8_t shape;		/* kiln_shape */
	uint8_t sign;		/* kiln_sign */
	uint32_t code;
} kiln_op_info;

KRT_ABI extern const kiln_op_info krt_op_table[KILN_OP_COUNT_];

/* The op encoded as (prefix, code), or KILN_OP_COUNT_ if there is none. */
kiln_op kiln_op_lookup(uint8_t prefix, uint32_t code);

#endif /* KILN_OPCODE_H */
