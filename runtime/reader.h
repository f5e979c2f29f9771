/*
 * reader.h — reading the binary format: LEB128 integers, names, value types
 * and whole instructions with their immediates.
 *
 * A kiln_reader walks a byte range [p, end) of a module whose first byte is
 * `base`; offsets in errors are reported from `base`.  Every function
 * returns true on success; on failure it fills r->err with a
 * KILN_ERR_MALFORMED error in the spec's words and returns false, and the
 * reader's position is then unspecified.  Readers never read outside
 * [p, end).
 */
#ifndef KILN_READER_H
#define KILN_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "kiln.h"
#include "opcode.h"

typedef struct kiln_reader {
	const uint8_t *base;
	const uint8_t *p, *end;
	kiln_error *err;
} kiln_reader;

static inline size_t rd_offset(const kiln_reader *r)
{
	return (size_t)(r->p - r->base);
}

static inline bool rd_eof(const kiln_reader *r)
{
	return r->p >= r->end;
}

bool rd_fail(kiln_reader *r, const char *message);
bool rd_u8(kiln_reader *r, uint8_t *out);
/* An N-bit LEB128 (N <= 64), unsigned or signed; zero- or sign-extended. */
bool rd_leb(kiln_reader *r, unsigned bits, bool is_signed,
	    uint64_t *out);
bool rd_u32(kiln_reader *r, uint32_t *out);
bool rd_s32(kiln_reader *r, int32_t *out);
bool rd_s33(kiln_reader *r, int64_t *out);
bool rd_s64(kiln_reader *r, int64_t *out);
bool rd_u64(kiln_reader *r, uint64_t *out);
/* A u32 length of what follows ("length out of bounds" past the input). */
bool rd_len32(kiln_reader *r, uint32_t *out);
/* `n` raw bytes; *out points into the input. */
bool rd_bytes(kiln_reader *r, size_t n, const uint8_t **out);
/* vec(byte) checked to be valid UTF-8 ("malformed UTF-8 encoding"). */
bool rd_name(kiln_reader *r, kiln_name *out);
/* A value type byte ("malformed value type"). */
bool rd_valtype(kiln_reader *r, uint8_t *out);
/* A reference type byte ("malformed reference type"): funcref,
 * externref, exnref. */
bool rd_reftype(kiln_reader *r, uint8_t *out);

/* Re-reads a u32 LEB128 that an earlier checked read has already accepted
 * (br_table targets, select types).  Advances *p. */
KRT_ABI uint32_t krt_rd_u32_trusted(const uint8_t **p);

/* true when the byte is a value type code of WebAssembly 2.0, or exnref
 * (exception handling: decoding refuses it without the proposal). */
bool kiln_is_valtype(uint8_t byte);

/* One decoded instruction.  Which member of `u` is set follows from
 * krt_op_table[op].imm. */
typedef struct kiln_instr {
	kiln_op op;
	size_t offset;			/* of the opcode's first byte */
	/* multi-memory: the memory a memory instruction addresses (memory.copy:
	 * the destination; mem2 its source); 0 for every other instruction.
	 * mem_explicit: the index was encoded as only multi-memory encodes it
	 * (alignment bit 6, or anything but one zero byte), which a 2.0
	 * decoder refuses. */
	uint32_t mem, mem2;
	bool mem_explicit;
	union {
		int64_t blocktype;	/* BLOCKTYPE: -64 empty, <0 valtype (as s7), else type index */
		uint32_t idx;		/* LABEL FUNC LOCAL GLOBAL TABLE ELEM DATA */
		struct {
			uint32_t a, b;
		} pair;			/* CALL_INDIRECT (type, table), MEMORY_INIT (data, memory),
					   TABLE_INIT (elem, table), TABLE_COPY (dst, src) */
		struct {
			uint32_t align;
			uint64_t offset;	/* u64 with memory64; a 32-bit memory's fits 32 bits */
			uint8_t lane;
		} mem;			/* MEMARG, MEMARG_LANE */
		struct {
			uint32_t n;	/* number of entries */
			const uint8_t *p; /* first entry (u32s for BR_TABLE, type bytes for SELECT_T) */
			uint32_t dflt;	/* BR_TABLE: the default label */
		} vec;
		int32_t i32;
		int64_t i64;
		uint32_t f32;		/* bit pattern */
		uint64_t f64;		/* bit pattern */
		uint8_t bytes[16];	/* V128 (little-endian), SHUFFLE lanes */
		uint8_t lane;		/* LANE */
		uint8_t reftype;	/* REFTYPE */
		struct {
			int64_t blocktype;	/* as `blocktype` above (same place) */
			uint32_t n;		/* catch clauses */
			const uint8_t *p;	/* the first clause: krt_rd_catch */
		} tt;			/* TRY_TABLE */
	} u;
} kiln_instr;

/* One catch clause of try_table: kind KILN_CATCH (catch x l: the tag's
 * payload to label l), KILN_CATCH_REF (catch_ref x l: the payload and the
 * exnref), KILN_CATCH_ALL (catch_all l: nothing) or KILN_CATCH_ALL_REF
 * (catch_all_ref l: the exnref).  `tag` is set for the first two only;
 * `label` counts from outside the try_table. */
enum { KILN_CATCH = 0, KILN_CATCH_REF = 1, KILN_CATCH_ALL = 2, KILN_CATCH_ALL_REF = 3 };

typedef struct kiln_catch {
	uint8_t kind;
	uint32_t tag, label;
} kiln_catch;

/* Reads one catch clause ("malformed catch clause" for another kind).
 * Lowering walks a try_table's clauses from u.tt.p with it, a reader over
 * the clauses krt_rd_instr already accepted. */
KRT_ABI bool krt_rd_catch(kiln_reader *r, kiln_catch *out);

/* Reads one instruction: the opcode ("illegal opcode" when there is none)
 * and its immediates.  Immediates are checked for form only ("zero byte
 * expected", "malformed reference type"...); indices are not checked. */
KRT_ABI bool krt_rd_instr(kiln_reader *r, kiln_instr *out);
/* The same, reading memargs' offsets as u32s (2.0: what decoding without
 * memory64 accepts) unless `offset64`; krt_rd_instr reads u64s. */
bool krt_rd_instr_offsets(kiln_reader *r, kiln_instr *out, bool offset64);

#endif /* KILN_READER_H */
