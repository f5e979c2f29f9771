/*
 * opcode.h — the instruction set as data, generated from opcodes.def.
 *
 * kiln_op numbers every instruction densely; kiln_op_info describes it.
 * kiln_op_lookup maps an encoding (prefix, code) back to an op.  Nothing
 * here knows how to type or lower an instruction: the decoder reads the
 * immediates the `imm` column names, the validator checks the types the
 * p0..p2/r columns give, and both share this one table.
 */
#ifndef KILN_OPCODE_H
#define KILN_OPCODE_H

#include <stdint.h>

#include "internal.h"

typedef enum kiln_op {
#define KILN_OP(id, name, prefix, code, imm, arg, p0, p1, p2, r) KILN_OP_##id,
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
	KILN_IMM_MEMARG,	/* u32 align, u32 offset */
	KILN_IMM_MEMARG_LANE,	/* memarg + lane byte */
	KILN_IMM_MEMIDX,	/* a zero byte (memory index, reserved in 2.0) */
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
	KILN_IMM_MEMORY_INIT,	/* u32 data index, zero byte */
	KILN_IMM_MEMORY_COPY,	/* two zero bytes */
	KILN_IMM_TABLE_INIT,	/* u32 elem index, u32 table index */
	KILN_IMM_TABLE_COPY,	/* u32 dst table, u32 src table */
} kiln_imm;

/* Operand-type column values: value type codes, plus these two. */
#define KILN_VT_NONE 0x00	/* `_`: no operand in this position */
#define KILN_VT_SPECIAL 0xff	/* `X`: typed by the validator case by case */

typedef struct kiln_op_info {
	const char *name;
	uint8_t prefix;		/* 0, 0xfc or 0xfd */
	uint8_t imm;		/* kiln_imm */
	uint8_t arg;		/* natural alignment log2, or lane count */
	uint8_t params[3];	/* value type codes, KILN_VT_NONE-padded */
	uint8_t result;		/* value type code or KILN_VT_NONE */
	uint32_t code;
} kiln_op_info;

KILN_INTERNAL extern const kiln_op_info kiln_op_table[KILN_OP_COUNT_];

/* The op encoded as (prefix, code), or KILN_OP_COUNT_ if there is none. */
kiln_op kiln_op_lookup(uint8_t prefix, uint32_t code);

#endif /* KILN_OPCODE_H */
