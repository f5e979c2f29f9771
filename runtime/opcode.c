/*
 * opcode.c — the opcode table and the encoding → op maps.
 *
 * Both are expanded from opcodes.def at compile time; there is nothing to
 * initialise at run time.
 */
#include "opcode.h"
#include "kiln.h"

#define KILN_VT__ KILN_VT_NONE
#define KILN_VT_X KILN_VT_SPECIAL
#define KILN_VT_I32 KILN_I32
#define KILN_VT_I64 KILN_I64
#define KILN_VT_F32 KILN_F32
#define KILN_VT_F64 KILN_F64
#define KILN_VT_V128 KILN_V128

const kiln_op_info krt_op_table[KILN_OP_COUNT_] = {
#define KILN_OP(id, name, prefix, code, imm, arg, p0, p1, p2, r, fam, oper,   \
		shape, sign)                                                   \
	[KILN_OP_##id] = {name, prefix, KILN_IMM_##imm, arg,                   \
			  {KILN_VT_##p0, KILN_VT_##p1, KILN_VT_##p2},          \
			  KILN_VT_##r, KILN_FAM_##fam, KILN_OPER_##oper,       \
			  KILN_SHAPE_##shape, KILN_SIGN_##sign, code},
#include "opcodes.def"
#undef KILN_OP
};

kiln_op kiln_op_lookup(uint8_t prefix, uint32_t code)
{
	if (code > 0xffff)
		return KILN_OP_COUNT_;
	/* A dense switch: the compiler makes it a jump table. */
	switch ((uint32_t)prefix << 16 | code) {
#define KILN_OP(id, name, prefix, code, imm, arg, p0, p1, p2, r, fam, oper,   \
		shape, sign)                                                   \
	case (uint32_t)(prefix) << 16 | (code):                                \
		return KILN_OP_##id;
#include "opcodes.def"
#undef KILN_OP
	default:
		return KILN_OP_COUNT_;
	}
}
