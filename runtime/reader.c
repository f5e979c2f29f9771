/*
 * reader.c — the binary format's primitive readers and the instruction
 * reader shared by the decoder, the validator and (later) lowering.
 *
 * Reading follows the reference interpreter: one stream over the whole
 * module, so a construct that overruns its section is caught by the size
 * check after it ("section size mismatch") and only running off the end of
 * the module is "unexpected end".  LEB128 limits follow the spec exactly:
 * at most ceil(N/7) bytes ("integer representation too long") and the
 * unused bits of the last byte zero, or a sign extension for signed
 * integers ("integer too large").
 */
#include <string.h>

#include "reader.h"

#define UNEXPECTED_END "unexpected end of section or function"

/* Returns a literal false, not krt_fail's result: the reads that inline
 * this must see that a failed read never leaves *out unset and succeeds. */
bool rd_fail(kiln_reader *r, const char *message)
{
	krt_fail(r->err, KILN_ERR_MALFORMED, rd_offset(r), "%s", message);
	return false;
}

bool rd_u8(kiln_reader *r, uint8_t *out)
{
	if (r->p >= r->end)
		return rd_fail(r, UNEXPECTED_END);
	*out = *r->p++;
	return true;
}

bool rd_leb(kiln_reader *r, unsigned bits, bool is_signed, uint64_t *out)
{
	uint64_t result = 0;
	unsigned shift = 0;
	int n = (int)bits;
	uint8_t b;

	for (;;) {
		if (n <= 0)
			return rd_fail(r, "integer representation too long");
		if (!rd_u8(r, &b))
			return false;
		if (n < 7) {
			/* The last byte: its unused bits must be zero (unsigned)
			 * or copies of the sign bit (signed). */
			uint8_t mask = is_signed ? (uint8_t)((0xff << (n - 1)) & 0x7f)
						 : (uint8_t)((0xff << n) & 0x7f);
			uint8_t bits_ = b & mask;
			if (bits_ != 0 && !(is_signed && bits_ == mask)) {
				r->p--;
				return rd_fail(r, "integer too large");
			}
		}
		result |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		n -= 7;
		if (!(b & 0x80))
			break;
	}
	if (is_signed && shift < 64 && (b & 0x40))
		result |= ~(uint64_t)0 << shift;
	*out = result;
	return true;
}

bool rd_u32(kiln_reader *r, uint32_t *out)
{
	uint64_t v;

	if (!rd_leb(r, 32, false, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool rd_s32(kiln_reader *r, int32_t *out)
{
	uint64_t v;

	if (!rd_leb(r, 32, true, &v))
		return false;
	*out = (int32_t)(uint32_t)v;
	return true;
}

bool rd_s33(kiln_reader *r, int64_t *out)
{
	uint64_t v;

	if (!rd_leb(r, 33, true, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

bool rd_s64(kiln_reader *r, int64_t *out)
{
	uint64_t v;

	if (!rd_leb(r, 64, true, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

bool rd_u64(kiln_reader *r, uint64_t *out)
{
	return rd_leb(r, 64, false, out);
}

uint32_t krt_rd_u32_trusted(const uint8_t **p)
{
	uint32_t result = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = *(*p)++;
		if (shift < 32)
			result |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return result;
}

bool rd_bytes(kiln_reader *r, size_t n, const uint8_t **out)
{
	if (n > (size_t)(r->end - r->p))
		return rd_fail(r, UNEXPECTED_END);
	*out = r->p;
	r->p += n;
	return true;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

bool rd_len32(kiln_reader *r, uint32_t *out)
{
	const uint8_t *at = r->p;

	if (!rd_u32(r, out))
		return false;
	/* Measured from before the length itself, as the reference
	 * interpreter does: a length that overruns by no more than its own
	 * encoding is an "unexpected end" when the bytes are read. */
	if (*out > (size_t)(r->end - at)) {
		r->p = at;
		return rd_fail(r, "length out of bounds");
	}
	return true;
}

bool rd_name(kiln_reader *r, kiln_name *out)
{
	uint32_t n;
	const uint8_t *s;
	size_t at;

	if (!rd_len32(r, &n))
		return false;
	at = rd_offset(r);
	if (!rd_bytes(r, n, &s))
		return false;
	if (!utf8_valid(s, n))
		return krt_fail(r->err, KILN_ERR_MALFORMED, at,
				"malformed UTF-8 encoding");
	out->data = (const char *)s;
	out->len = n;
	return true;
}

bool kiln_is_valtype(uint8_t b)
{
	return b == KILN_I32 || b == KILN_I64 || b == KILN_F32 ||
	       b == KILN_F64 || b == KILN_V128 || b == KILN_FUNCREF ||
	       b == KILN_EXTERNREF || b == KILN_EXNREF;
}

bool rd_valtype(kiln_reader *r, uint8_t *out)
{
	if (!rd_u8(r, out))
		return false;
	if (!kiln_is_valtype(*out)) {
		r->p--;
		return rd_fail(r, "malformed value type");
	}
	return true;
}

bool rd_reftype(kiln_reader *r, uint8_t *out)
{
	if (!rd_u8(r, out))
		return false;
	if (*out != KILN_FUNCREF && *out != KILN_EXTERNREF && *out != KILN_EXNREF) {
		r->p--;
		return rd_fail(r, "malformed reference type");
	}
	return true;
}

static bool rd_zero(kiln_reader *r)
{
	uint8_t b;

	if (!rd_u8(r, &b))
		return false;
	if (b != 0) {
		r->p--;
		return rd_fail(r, "zero byte expected");
	}
	return true;
}

static bool rd_blocktype(kiln_reader *r, int64_t *out)
{
	uint8_t b;

	if (r->p >= r->end)
		return rd_fail(r, UNEXPECTED_END);
	b = *r->p;
	if (b == 0x40 || kiln_is_valtype(b)) {
		r->p++;
		*out = (int64_t)b - 0x80;	/* the s7 value of the byte */
		return true;
	}
	if (!rd_s33(r, out))
		return false;
	if (*out < 0)
		return rd_fail(r, "malformed value type");
	return true;
}

/* multi-memory: bit 6 of the alignment flags a memory index, which comes
 * between the alignment and the offset. */
static bool rd_memarg(kiln_reader *r, kiln_instr *in, bool offset64)
{
	if (!rd_u32(r, &in->u.mem.align))
		return false;
	if (in->u.mem.align & 0x40) {
		in->u.mem.align &= ~0x40u;
		in->mem_explicit = true;
		if (!rd_u32(r, &in->mem))
			return false;
	}
	if (!offset64) {
		uint32_t off;

		if (!rd_u32(r, &off))
			return false;
		in->u.mem.offset = off;
		return true;
	}
	return rd_u64(r, &in->u.mem.offset);
}

/* A memory index where 2.0 has a zero byte: explicit unless it is one. */
static bool rd_memidx(kiln_reader *r, kiln_instr *in, uint32_t *out)
{
	const uint8_t *at = r->p;

	if (!rd_u32(r, out))
		return false;
	if (r->p - at != 1 || *out != 0)
		in->mem_explicit = true;
	return true;
}

/* vec(u32) + default, left encoded in place; r->p ends after it. */
static bool rd_br_table(kiln_reader *r, kiln_instr *in)
{
	uint32_t n, label;

	if (!rd_u32(r, &n))
		return false;
	in->u.vec.n = n;
	in->u.vec.p = r->p;
	for (uint32_t i = 0; i < n; i++)
		if (!rd_u32(r, &label))
			return false;
	return rd_u32(r, &in->u.vec.dflt);
}

static bool rd_select_types(kiln_reader *r, kiln_instr *in)
{
	uint32_t n;
	uint8_t t;

	if (!rd_u32(r, &n))
		return false;
	in->u.vec.n = n;
	in->u.vec.p = r->p;
	for (uint32_t i = 0; i < n; i++)
		if (!rd_valtype(r, &t))
			return false;
	return true;
}

bool krt_rd_catch(kiln_reader *r, kiln_catch *out)
{
	out->tag = 0;
	if (!rd_u8(r, &out->kind))
		return false;
	if (out->kind > KILN_CATCH_ALL_REF) {
		r->p--;
		return rd_fail(r, "malformed catch clause");
	}
	if (out->kind <= KILN_CATCH_REF && !rd_u32(r, &out->tag))
		return false;
	return rd_u32(r, &out->label);
}

/* try_table: a block type, then vec(catch), left encoded in place. */
static bool rd_try_table(kiln_reader *r, kiln_instr *in)
{
	kiln_catch c;

	if (!rd_blocktype(r, &in->u.tt.blocktype) || !rd_u32(r, &in->u.tt.n))
		return false;
	in->u.tt.p = r->p;
	for (uint32_t i = 0; i < in->u.tt.n; i++)
		if (!krt_rd_catch(r, &c))
			return false;
	return true;
}

static bool rd_raw(kiln_reader *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (!rd_bytes(r, n, &p))
		return false;
	memcpy(dst, p, n);
	return true;
}

static bool rd_immediates(kiln_reader *r, kiln_instr *in, bool offset64)
{
	switch ((kiln_imm)krt_op_table[in->op].imm) {
	case KILN_IMM_NONE: return true;
	case KILN_IMM_BLOCKTYPE: return rd_blocktype(r, &in->u.blocktype);
	case KILN_IMM_LABEL:
	case KILN_IMM_FUNC:
	case KILN_IMM_LOCAL:
	case KILN_IMM_GLOBAL:
	case KILN_IMM_TABLE:
	case KILN_IMM_ELEM:
	case KILN_IMM_DATA:
	case KILN_IMM_TAG: return rd_u32(r, &in->u.idx);
	case KILN_IMM_TRY_TABLE: return rd_try_table(r, in);
	case KILN_IMM_BR_TABLE: return rd_br_table(r, in);
	case KILN_IMM_CALL_INDIRECT:
	case KILN_IMM_TABLE_INIT:
	case KILN_IMM_TABLE_COPY:
		return rd_u32(r, &in->u.pair.a) && rd_u32(r, &in->u.pair.b);
	case KILN_IMM_SELECT_T: return rd_select_types(r, in);
	case KILN_IMM_MEMARG: return rd_memarg(r, in, offset64);
	case KILN_IMM_MEMARG_LANE:
		return rd_memarg(r, in, offset64) && rd_u8(r, &in->u.mem.lane);
	case KILN_IMM_MEMIDX: return rd_memidx(r, in, &in->mem);
	case KILN_IMM_FENCE: return rd_zero(r);
	case KILN_IMM_I32: return rd_s32(r, &in->u.i32);
	case KILN_IMM_I64: return rd_s64(r, &in->u.i64);
	case KILN_IMM_F32: return rd_raw(r, &in->u.f32, 4);
	case KILN_IMM_F64: return rd_raw(r, &in->u.f64, 8);
	case KILN_IMM_V128:
	case KILN_IMM_SHUFFLE: return rd_raw(r, in->u.bytes, 16);
	case KILN_IMM_LANE: return rd_u8(r, &in->u.lane);
	case KILN_IMM_REFTYPE: return rd_reftype(r, &in->u.reftype);
	case KILN_IMM_MEMORY_INIT:
		if (!rd_u32(r, &in->u.pair.a) || !rd_memidx(r, in, &in->mem))
			return false;
		in->u.pair.b = in->mem;
		return true;
	case KILN_IMM_MEMORY_COPY:
		return rd_memidx(r, in, &in->mem) && rd_memidx(r, in, &in->mem2);
	}
	return rd_fail(r, "illegal opcode");
}

bool krt_rd_instr_offsets(kiln_reader *r, kiln_instr *in, bool offset64)
{
	uint8_t b;
	uint32_t code;

	in->offset = rd_offset(r);
	in->mem = in->mem2 = 0;
	in->mem_explicit = false;
	if (!rd_u8(r, &b))
		return false;
	if (b == 0xfc || b == 0xfd || b == 0xfe) {
		if (!rd_u32(r, &code))
			return false;
		in->op = kiln_op_lookup(b, code);
	} else {
		in->op = kiln_op_lookup(0, b);
	}
	if (in->op == KILN_OP_COUNT_)
		return krt_fail(r->err, KILN_ERR_MALFORMED, in->offset,
				"illegal opcode");
	/* Little-endian hosts only (x86-64): the raw copies above rely on it. */
	return rd_immediates(r, in, offset64);
}

/* A decoded module's instructions: every offset a u32 read accepted reads
 * the same as a u64. */
bool krt_rd_instr(kiln_reader *r, kiln_instr *in)
{
	return krt_rd_instr_offsets(r, in, true);
}
