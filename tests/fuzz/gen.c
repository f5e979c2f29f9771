/*
 * gen.c — a generator of valid WebAssembly 2.0 modules for differential
 * testing (diff.c): from a seed, a module with no imports whose exports
 * take no arguments and return one i64 each, so that any engine's answers
 * can be compared as integers.
 *
 * What a module holds: 2–8 functions of random types (up to 3 params of
 * any number type or v128, up to 3 results: multi-value), calling only
 * functions of lower index (no recursion); locals; a memory with active
 * and passive data; mutable globals; a funcref table filled by an active
 * element segment with the functions that call nothing (so call_indirect
 * cannot recurse either).  Bodies are typed expression trees over every
 * numeric instruction (integer, float, conversions — trapping and
 * saturating — sign extension, reinterpretation), loads and stores of
 * every width, memory.size/grow/fill/copy/init and data.drop, select
 * (typed too), block/if with results, loops bounded by a counter, loops
 * in the shape checked loop versions take (candidate_loop), br_if,
 * br_table, local.tee, globals, calls, call_indirect, ref.null/is_null/
 * ref.func, table.get/set/size/grow, and SIMD (splats, lane ops, integer
 * and float arithmetic, shuffles, bitselect, v128 loads and stores).
 *
 * With memory64 (KILN_GEN_MEMORY64) memory 0 is indexed by i64: the same
 * i32 addresses zero-extended, now and then an i64 one past 2^32 or near
 * 2^64 (where address + offset wraps), and the sizes, lengths and segment
 * offsets as i64s (memory 1 of multi-memory stays 32-bit: copies between
 * the two).  Memarg offsets stay small: wabt 1.0.32's wasm-interp, the
 * reference, drops an offset's bits past 2^32 (an f64.load
 * offset=4294967314 at address 0 of a 4-page memory read 0 there; kiln's
 * ways all trapped), so offsets past 2^32 are left to the spec tests and
 * tests/regress/wast/memory64*.wast.
 *
 * Floating point NaNs have nondeterministic bits in WebAssembly: every
 * float operation that can make one is followed by a canonicalisation
 * (x != x ? canonical NaN : x), so results are exact across engines.
 * Exports "f0".."fN" call function N with generated arguments and fold
 * its results into an i64; "state" folds the globals and a hash of memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum { I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b, FUNCREF = 0x70,
       EXNREF = 0x69 };
enum { MAX_FUNCS = 8, MAX_PARAMS = 3, MAX_RESULTS = 3, MAX_LOCALS = 12, NGLOBALS = 4,
       MAX_TAGS = 4 };

typedef struct out {
	uint8_t *p;
	size_t n, cap;
	bool oom;
} out;

typedef struct functype {
	uint8_t np, nr, p[MAX_PARAMS], r[MAX_RESULTS + 1];	/* + 1: a tag's payload, exnref */
} functype;

typedef struct gen {
	uint64_t rng;
	bool scalar;		/* no v128 anywhere (kiln_gen_scalar_module) */
	unsigned feat;		/* KILN_GEN_* proposals it may use */
	uint32_t nfuncs, ntypes;
	functype types[MAX_FUNCS * 2 + 2 + 3 * MAX_TAGS];
	uint32_t func_type[MAX_FUNCS * 2 + 1];
	bool leaf[MAX_FUNCS];
	uint32_t slot[MAX_FUNCS];	/* a table index holding the function, or UINT32_MAX */
	uint8_t global_type[NGLOBALS];
	uint32_t table_size, nmems;
	/* exception handling: tag k's type is types[tag_type + 3k] (params ->
	 * ()), followed by () -> params and () -> params exnref (the block
	 * types of try_table's handlers; without exnref in the legacy form);
	 * eh_std: the standard form too */
	uint32_t ntags, tag_type;
	bool eh_std;
	/* the function being generated */
	uint32_t self;
	uint8_t local_type[MAX_PARAMS + MAX_LOCALS];
	uint32_t nlocals, counter;	/* counter: the first of 4 loop-counter locals */
	uint32_t loops, calls;
	out *o;
} gen;

static uint32_t rnd(gen *g, uint32_t n)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return n ? (uint32_t)(g->rng % n) : 0;
}

static void put(out *o, uint8_t b)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		uint8_t *p = realloc(o->p, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->p = p, o->cap = cap;
	}
	o->p[o->n++] = b;
}

static void u32(out *o, uint32_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		put(o, (uint8_t)(b | (v ? 0x80 : 0)));
	} while (v);
}

static void s64(out *o, int64_t v)
{
	for (;;) {
		uint8_t b = v & 0x7f;
		v >>= 7;
		if ((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40))) {
			put(o, b);
			return;
		}
		put(o, b | 0x80);
	}
}

static void raw(out *o, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, ((const uint8_t *)p)[i]);
}

static void op(gen *g, uint8_t b)
{
	put(g->o, b);
}

/* A value type drawn as t: in a scalar module, i64 stands for v128 (the
 * same random draws, so the rest of the module follows the same shape). */
static uint8_t vtype(const gen *g, uint8_t t)
{
	return g->scalar && t == V128 ? I64 : t;
}

static void simd(gen *g, uint32_t sub)
{
	put(g->o, 0xfd);
	u32(g->o, sub);
}

static void fc(gen *g, uint32_t sub)
{
	put(g->o, 0xfc);
	u32(g->o, sub);
}

/* Interesting constants more often than uniform ones. */
static uint64_t value(gen *g)
{
	static const uint64_t edge[] = {0, 1, 2, 7, 31, 32, 63, 64, 255, 0x7fffffff, 0x80000000,
					0xffffffff, 0x7fffffffffffffff, 0x8000000000000000,
					0xffffffffffffffff, 65535, 65536};
	if (rnd(g, 3) == 0)
		return edge[rnd(g, sizeof edge / sizeof edge[0])];
	uint64_t v = ((uint64_t)rnd(g, 1u << 31) << 33) ^ ((uint64_t)rnd(g, 1u << 31) << 2) ^ rnd(g, 4);
	return rnd(g, 2) ? v : v % 1000;
}

/* Values bugs hide behind, each type's table starting with its five core
 * values: INT_MIN, INT_MAX, -1, 0 and 1 for integers, ±0, ±infinity and 1
 * for floats.  Then, for integers, shift counts at and past the width and the
 * 16-, 32-bit and page boundaries; for floats, the smallest and largest
 * denormals and normals, the bounds of every float → int conversion (the
 * last value that fits and the first that traps), and NaNs: quiet,
 * signalling, negative, with payloads (the last NEDGE_NAN of each float
 * table). */
enum { NCORE = 5, NEDGE_NAN = 6 };
static const uint64_t edge_i32[] = {
	0x80000000, 0x7fffffff, 0xffffffff, 0, 1,
	31, 32, 33, 64, 0x80000001, 0xfffffffe, 0x7fff, 0x8000, 0xffff, 0x10000, 0xff, 0x80,
};
static const uint64_t edge_i64[] = {
	0x8000000000000000, 0x7fffffffffffffff, 0xffffffffffffffff, 0, 1,
	63, 64, 65, 32, 0x8000000000000001, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
	0xffffffff80000000, 0xffffffff7fffffff,
};
static const uint64_t edge_f32[] = {
	0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x3f800000,	/* +0 -0 +inf -inf 1 */
	0xbf800000, 0x3f000000, 0xbf000000,				/* -1 0.5 -0.5 */
	0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,	/* denormals, FLT_MIN, ±FLT_MAX */
	0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001,		/* around ±2^31 */
	0x4f7fffff, 0x4f800000, 0xbf7fffff,				/* around 2^32, just above -1 */
	0x5effffff, 0x5f000000, 0xdf000000, 0xdf000001, 0x5f800000,	/* around ±2^63, 2^64 */
	0x7fc00000, 0xffc00000, 0x7fa00000, 0x7f800001, 0x7fc12345, 0xff812345,	/* NaNs */
};
static const uint64_t edge_f64[] = {
	0x0000000000000000, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
	0x3ff0000000000000,						/* +0 -0 +inf -inf 1 */
	0xbff0000000000000, 0x3fe0000000000000, 0xbfe0000000000000,	/* -1 0.5 -0.5 */
	0x0000000000000001, 0x800fffffffffffff, 0x0010000000000000,	/* denormals, DBL_MIN */
	0x7fefffffffffffff, 0xffefffffffffffff,				/* ±DBL_MAX */
	0x41dfffffffc00000, 0x41e0000000000000, 0xc1e0000000000000,	/* 2^31-1, ±2^31 */
	0xc1e0000000100000, 0xc1e0000000200000,				/* -2^31-0.5, -2^31-1 */
	0x41efffffffe00000, 0x41f0000000000000, 0xbfefffffffffffff,	/* 2^32-1, 2^32, > -1 */
	0x43dfffffffffffff, 0x43e0000000000000, 0xc3e0000000000000,	/* around ±2^63 */
	0xc3e0000000000001, 0x43f0000000000000,				/* below -2^63, 2^64 */
	0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000000,	/* NaNs */
	0x7ff0000000000001, 0x7ff8000000012345, 0xfff00000abcdef01,
};

/* Bits of an edge value of scalar type t: among the first `n` of its
 * table when n > 0.  A NaN other than the canonical one only when
 * `any_nan` (the value feeds an operation whose result is canonicalised or
 * an integer), as NaN bits are nondeterministic elsewhere. */
static uint64_t edge_bits(gen *g, uint8_t t, uint32_t n, bool any_nan)
{
	const uint64_t *e;
	uint32_t len;

	switch (t) {
	case I32: e = edge_i32, len = sizeof edge_i32 / sizeof *e; break;
	case I64: e = edge_i64, len = sizeof edge_i64 / sizeof *e; break;
	case F32: e = edge_f32, len = sizeof edge_f32 / sizeof *e; break;
	default: e = edge_f64, len = sizeof edge_f64 / sizeof *e; break;
	}
	if (n == 0 || n > len)
		n = len;
	if ((t == F32 || t == F64) && !any_nan && n == len)
		n = len - NEDGE_NAN + 1;	/* the canonical NaN, first of the NaNs */
	return e[rnd(g, n)];
}

/* A constant of scalar type t with the given bits. */
static void const_bits(gen *g, uint8_t t, uint64_t bits)
{
	switch (t) {
	case I32: op(g, 0x41), s64(g->o, (int32_t)bits); break;
	case I64: op(g, 0x42), s64(g->o, (int64_t)bits); break;
	case F32: {
		uint32_t b = (uint32_t)bits;
		op(g, 0x43), raw(g->o, &b, 4);
		break;
	}
	default: op(g, 0x44), raw(g->o, &bits, 8);
	}
}

/* An edge constant of type t (v128: lanes of integer edges, no NaN bits). */
static void edge(gen *g, uint8_t t, bool any_nan)
{
	if (t == V128) {
		uint64_t lanes[2];
		if (rnd(g, 2))
			lanes[0] = lanes[1] = edge_bits(g, I64, 0, false);
		else
			for (int i = 0; i < 2; i++) {
				uint64_t lo = edge_bits(g, I32, 0, false);
				lanes[i] = lo | edge_bits(g, I32, 0, false) << 32;
			}
		simd(g, 12), raw(g->o, lanes, 16);
		return;
	}
	const_bits(g, t, edge_bits(g, t, 0, any_nan));
}

static void konst(gen *g, uint8_t t)
{
	uint64_t v = value(g);

	if (rnd(g, 4) == 0) {
		edge(g, t, false);
		return;
	}

	switch (t) {
	case I32: op(g, 0x41), s64(g->o, (int32_t)v); break;
	case I64: op(g, 0x42), s64(g->o, (int64_t)v); break;
	case F32: {
		float f = rnd(g, 2) ? (float)(int32_t)v / (float)(1 + rnd(g, 100)) : 0.0f;
		uint32_t bits;
		memcpy(&bits, &f, 4);
		if (rnd(g, 8) == 0)
			bits = (uint32_t)v;	/* any bits: infinities, subnormals, NaNs */
		if ((bits & 0x7f800000) == 0x7f800000 && (bits & 0x7fffff))
			bits = 0x7fc00000;	/* NaN: canonical */
		op(g, 0x43), raw(g->o, &bits, 4);
		break;
	}
	case F64: {
		double d = rnd(g, 2) ? (double)(int64_t)v / (double)(1 + rnd(g, 1000)) : -0.0;
		uint64_t bits;
		memcpy(&bits, &d, 8);
		if (rnd(g, 8) == 0)
			bits = v;
		if ((bits & 0x7ff0000000000000) == 0x7ff0000000000000 && (bits & 0xfffffffffffff))
			bits = 0x7ff8000000000000;
		op(g, 0x44), raw(g->o, &bits, 8);
		break;
	}
	default: {
		uint64_t lanes[2] = {value(g), value(g)};
		simd(g, 12), raw(g->o, lanes, 16);	/* ints only: no NaN bits */
	}
	}
}

/* The inverse of odd b modulo 2^64 (Newton's iteration: each step doubles
 * the bits that are right). */
static uint64_t odd_inverse(uint64_t b)
{
	uint64_t x = b;

	for (int i = 0; i < 5; i++)
		x *= 2 - b * x;
	return x;
}

/* An extended constant expression of type t (i32 or i64) whose value is v:
 * v as a + b, a - b or a * b of random operands (the sums wrap), nested up
 * to `depth`. */
static void ext_const(gen *g, uint8_t t, uint64_t v, int depth)
{
	uint64_t a = value(g), b;
	uint8_t add = t == I32 ? 0x6a : 0x7c;
	uint32_t k = depth > 0 ? rnd(g, 4) : 3;

	switch (k) {
	case 0: b = v - a; break;
	case 1: b = a - v; break;
	case 2: b = value(g) | 1, a = v * odd_inverse(b); break;
	default: const_bits(g, t, v); return;
	}
	ext_const(g, t, a, depth - 1);
	ext_const(g, t, b, depth - 1);
	op(g, (uint8_t)(add + k));	/* add, sub, mul */
}

/* A constant offset of a segment: t.const v, or an extended one. */
static void offset_expr(gen *g, uint8_t t, uint32_t v)
{
	if (g->feat & KILN_GEN_EXTENDED_CONST)
		ext_const(g, t, v, 2);
	else
		const_bits(g, t, v);
	op(g, 0x0b);
}

static void expr(gen *g, uint8_t t, int depth);
static void stmt(gen *g, int depth);
static void eh_expr(gen *g, uint8_t t, int depth);
static void eh_stmt(gen *g, int depth);

/* The call-result local of type t, after the scratch locals (setup_locals
 * declares one of each type in num_types' order). */
static uint32_t result_local(gen *g, uint8_t t)
{
	return g->counter + 7 + (t == I32 ? 0 : t == I64 ? 1 : t == F32 ? 2 : t == F64 ? 3 : 4);
}

/* Scratch locals, after the loop counters: one of each float type and
 * v128, for canonicalising. */
static uint32_t scratch(gen *g, uint8_t t)
{
	return g->counter + 4 + (t == F32 ? 0 : t == F64 ? 1 : 2);
}

/* x != x ? canonical NaN : x, on the value on the stack; lane-wise for a
 * vector of floats (vf: 0 none, 1 f32x4, 2 f64x2). */
static void canon(gen *g, uint8_t t, int vf)
{
	uint32_t s = scratch(g, t);

	if (t == V128 && vf == 0)
		return;
	op(g, 0x21), u32(g->o, s);
	if (t == F32) {
		uint32_t nan = 0x7fc00000;
		op(g, 0x43), raw(g->o, &nan, 4);
	} else if (t == F64) {
		uint64_t nan = 0x7ff8000000000000;
		op(g, 0x44), raw(g->o, &nan, 8);
	} else {
		uint32_t n4[4] = {0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7fc00000};
		uint64_t n2[2] = {0x7ff8000000000000, 0x7ff8000000000000};
		simd(g, 12);
		if (vf == 1)
			raw(g->o, n4, 16);
		else
			raw(g->o, n2, 16);
	}
	op(g, 0x20), u32(g->o, s);
	op(g, 0x20), u32(g->o, s);
	op(g, 0x20), u32(g->o, s);
	if (t == F32)
		op(g, 0x5c), op(g, 0x1b);		/* f32.ne; select */
	else if (t == F64)
		op(g, 0x62), op(g, 0x1b);		/* f64.ne; select */
	else
		simd(g, vf == 1 ? 66 : 72), simd(g, 82);	/* f32x4.ne / f64x2.ne; bitselect */
}

/* A table index: the last element or one past the end of the table (which
 * may have grown) one time in three, else any index up to two past its
 * initial size. */
static void table_index(gen *g)
{
	if (rnd(g, 3) == 0) {
		fc(g, 16), u32(g->o, 0);			/* table.size */
		op(g, 0x41), s64(g->o, rnd(g, 2)), op(g, 0x6b);	/* - 0 or 1 */
		return;
	}
	op(g, 0x41), s64(g->o, rnd(g, g->table_size + 2));
}

/* memory64: whether memory `mem` is indexed by i64 (memory 0 with the
 * feature; no draw, so modules without it stay as they were). */
static bool is64(const gen *g, uint32_t mem)
{
	return (g->feat & KILN_GEN_MEMORY64) && mem == 0;
}

/* An i32 address or length on the stack as memory mem's index type. */
static void widen(gen *g, uint32_t mem)
{
	if (is64(g, mem))
		op(g, 0xad);	/* i64.extend_i32_u */
}

/* memory.size of memory mem, as an i32. */
static void size_i32(gen *g, uint32_t mem)
{
	op(g, 0x3f), put(g->o, (uint8_t)mem);
	if (is64(g, mem))
		op(g, 0xa7);	/* i32.wrap_i64 */
}

/* A constant address or length v of memory mem's index type. */
static void index_const(gen *g, uint32_t mem, int64_t v)
{
	op(g, is64(g, mem) ? 0x42 : 0x41), s64(g->o, v);
}

/* memory64: an i64 address no i32 makes, now and then: past 2^32 (out of
 * bounds), near 2^64 (where address + offset wraps) or any i64. */
static bool wide_address(gen *g, int depth, uint32_t mem)
{
	if (!is64(g, mem) || rnd(g, 16) != 0)
		return false;
	switch (rnd(g, 3)) {
	case 0: index_const(g, mem, (int64_t)((1ull << 32) + rnd(g, 64))); break;
	case 1: index_const(g, mem, -1 - (int64_t)rnd(g, 64)); break;
	default: expr(g, I64, depth);
	}
	return true;
}

/* A memory address: mostly in the first page, sometimes at the end of the
 * first page or of memory (which may have grown), where an access of
 * several bytes or with an offset straddles it, sometimes anywhere. */
static void address(gen *g, int depth, uint32_t mem)
{
	static const uint8_t before[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 64};

	if (wide_address(g, depth, mem))
		return;
	if (rnd(g, 8) == 0) {
		if (rnd(g, 2))
			op(g, 0x41), s64(g->o, 65536);
		else
			size_i32(g, mem), op(g, 0x41), s64(g->o, 16), op(g, 0x74);
		op(g, 0x41), s64(g->o, before[rnd(g, sizeof before)]), op(g, 0x6b);
	} else if (rnd(g, 16) == 0) {
		expr(g, I32, depth);
	} else {
		expr(g, I32, depth);
		op(g, 0x41), s64(g->o, rnd(g, 4) ? 0xfff : 0xffff);
		op(g, 0x71);	/* i32.and */
	}
	widen(g, mem);
}

/* The memory of the next access: memory 1 half the time in a module with
 * two (no draw in one with one, so its stream stays as it was). */
static uint32_t pick_mem(gen *g)
{
	return (g->feat & KILN_GEN_MULTI_MEMORY) && rnd(g, 2);
}

/* Alignment, memory and offset; with multi-memory memory 0 is now and then
 * named too (bit 6 of the alignment: an index follows). */
static void memarg(gen *g, uint32_t max_align, uint32_t mem)
{
	uint32_t align = rnd(g, max_align + 1);

	if (mem || ((g->feat & KILN_GEN_MULTI_MEMORY) && rnd(g, 4) == 0))
		u32(g->o, align | 0x40), u32(g->o, mem);
	else
		u32(g->o, align);
	u32(g->o, rnd(g, 4) ? 0 : rnd(g, 64));
}

/* A local of type t among the function's own (never a loop counter or a
 * scratch local: those come after g->counter). */
static uint32_t own_local(gen *g, uint8_t t)
{
	uint32_t c[MAX_PARAMS + MAX_LOCALS], n = 0;

	for (uint32_t i = 0; i < g->counter; i++)
		if (g->local_type[i] == t)
			c[n++] = i;
	return c[rnd(g, n)];	/* setup_locals gives every type one */
}

static void local_of(gen *g, uint8_t t, uint8_t opcode)
{
	uint32_t i = own_local(g, t);

	op(g, opcode);
	u32(g->o, i);
}

/* A unary operator: its opcode, operand type, whether it can make a NaN
 * and whether it traps (then a saturating form exists). */
typedef struct unop { uint8_t code, from; bool nan, traps; } unop;

static void scalar_expr(gen *g, uint8_t t, int depth);
static void vector_expr(gen *g, int depth);

static void expr(gen *g, uint8_t t, int depth)
{
	if (t == V128)
		vector_expr(g, depth);
	else
		scalar_expr(g, t, depth);
}

/* An operand of an operator: an edge constant one time in five (any NaN
 * when the operator's result cannot show NaN bits), else an expression. */
static void operand(gen *g, uint8_t t, int depth, bool any_nan)
{
	if (rnd(g, 5) == 0)
		edge(g, t, any_nan);
	else
		expr(g, t, depth);
}

/* call f (code: call or return_call), or its _indirect form through the
 * table at an index that is mostly f's, sometimes null or out of range. */
static void call_op(gen *g, uint32_t f, bool indirect, uint8_t code)
{
	if (indirect) {
		if (rnd(g, 4) && g->slot[f] != UINT32_MAX)
			op(g, 0x41), s64(g->o, g->slot[f]);
		else
			table_index(g);
		op(g, (uint8_t)(code + 1)), u32(g->o, g->func_type[f]), u32(g->o, 0);
	} else {
		op(g, code), u32(g->o, f);
	}
}

/* Calls function f (lower than the current one) or through the table, then
 * keeps one result of type t (or makes one). */
static void call_expr(gen *g, uint8_t t, int depth)
{
	uint32_t f = rnd(g, g->self);
	const functype *ft = &g->types[g->func_type[f]];
	bool indirect = g->leaf[f] && rnd(g, 2);

	for (uint8_t i = 0; i < ft->np; i++)
		operand(g, ft->p[i], depth - 1, false);
	call_op(g, f, indirect, 0x10);
	/* keep the first result of type t, drop the others */
	int keep = -1;
	for (int i = ft->nr - 1; i >= 0; i--)
		if (ft->r[i] == t && keep < 0)
			keep = i;
	for (int i = ft->nr - 1; i >= 0; i--) {
		if (i == keep) {
			op(g, 0x21), u32(g->o, result_local(g, t));
		} else {
			op(g, 0x1a);
		}
	}
	if (keep >= 0)
		op(g, 0x20), u32(g->o, result_local(g, t));
	else
		konst(g, t);
}

/* block (result t) ... br_if 0 ... end, if/else with results, a bounded
 * loop, br_table, or select. */
static void control_expr(gen *g, uint8_t t, int depth)
{
	switch (rnd(g, 5)) {
	case 0:		/* block: an early exit with a value */
		op(g, 0x02), put(g->o, t);
		expr(g, t, depth - 1);
		expr(g, I32, depth - 1);
		op(g, 0x0d), u32(g->o, 0);	/* br_if 0 */
		op(g, 0x1a);
		stmt(g, depth - 1);
		expr(g, t, depth - 1);
		op(g, 0x0b);
		break;
	case 1:		/* if/else */
		expr(g, I32, depth - 1);
		op(g, 0x04), put(g->o, t);
		expr(g, t, depth - 1);
		op(g, 0x05);
		expr(g, t, depth - 1);
		op(g, 0x0b);
		break;
	case 2:		/* a loop of 1..8 rounds, counter local */
		if (g->loops < 2) {
			uint32_t c = g->counter + g->loops++;
			op(g, 0x41), s64(g->o, 1 + rnd(g, 8)), op(g, 0x21), u32(g->o, c);
			op(g, 0x03), put(g->o, 0x40);
			stmt(g, depth - 1);
			op(g, 0x20), u32(g->o, c), op(g, 0x41), s64(g->o, 1), op(g, 0x6b);
			op(g, 0x22), u32(g->o, c);
			op(g, 0x0d), u32(g->o, 0);	/* br_if 0: again while c != 0 */
			op(g, 0x0b);
			g->loops--;
		}
		expr(g, t, depth - 1);
		break;
	case 3:		/* br_table out of nested blocks, each with a value */
		op(g, 0x02), put(g->o, t);
		op(g, 0x02), put(g->o, t);
		expr(g, t, depth - 1);
		expr(g, I32, depth - 1);
		op(g, 0x0e), u32(g->o, 2), u32(g->o, 0), u32(g->o, 1), u32(g->o, rnd(g, 2));
		op(g, 0x0b);
		op(g, 0x0b);
		break;
	default:	/* select, typed or not */
		expr(g, t, depth - 1);
		expr(g, t, depth - 1);
		expr(g, I32, depth - 1);
		if (t == V128 || rnd(g, 2))
			op(g, 0x1c), u32(g->o, 1), put(g->o, t);
		else
			op(g, 0x1b);
	}
}

static const unop i32_un[] = {
	{0x67, I32, 0, 0}, {0x68, I32, 0, 0}, {0x69, I32, 0, 0}, {0x45, I32, 0, 0},
	{0x50, I64, 0, 0}, {0xa7, I64, 0, 0}, {0xa8, F32, 0, 1}, {0xa9, F32, 0, 1},
	{0xaa, F64, 0, 1}, {0xab, F64, 0, 1}, {0xbc, F32, 0, 0}, {0xc0, I32, 0, 0},
	{0xc1, I32, 0, 0},
};
static const unop i64_un[] = {
	{0x79, I64, 0, 0}, {0x7a, I64, 0, 0}, {0x7b, I64, 0, 0}, {0xac, I32, 0, 0},
	{0xad, I32, 0, 0}, {0xae, F32, 0, 1}, {0xaf, F32, 0, 1}, {0xb0, F64, 0, 1},
	{0xb1, F64, 0, 1}, {0xbd, F64, 0, 0}, {0xc2, I64, 0, 0}, {0xc3, I64, 0, 0},
	{0xc4, I64, 0, 0},
};
static const unop f32_un[] = {
	{0x8b, F32, 0, 0}, {0x8c, F32, 0, 0}, {0x8d, F32, 1, 0}, {0x8e, F32, 1, 0},
	{0x8f, F32, 1, 0}, {0x90, F32, 1, 0}, {0x91, F32, 1, 0}, {0xb2, I32, 0, 0},
	{0xb3, I32, 0, 0}, {0xb4, I64, 0, 0}, {0xb5, I64, 0, 0}, {0xb6, F64, 1, 0},
	{0xbe, I32, 1, 0},
};
static const unop f64_un[] = {
	{0x99, F64, 0, 0}, {0x9a, F64, 0, 0}, {0x9b, F64, 1, 0}, {0x9c, F64, 1, 0},
	{0x9d, F64, 1, 0}, {0x9e, F64, 1, 0}, {0x9f, F64, 1, 0}, {0xb7, I32, 0, 0},
	{0xb8, I32, 0, 0}, {0xb9, I64, 0, 0}, {0xba, I64, 0, 0}, {0xbb, F32, 1, 0},
	{0xbf, I64, 1, 0},
};

static void unary(gen *g, uint8_t t, int depth)
{
	const unop *u;
	size_t n;

	switch (t) {
	case I32: u = i32_un, n = sizeof i32_un / sizeof *u; break;
	case I64: u = i64_un, n = sizeof i64_un / sizeof *u; break;
	case F32: u = f32_un, n = sizeof f32_un / sizeof *u; break;
	default: u = f64_un, n = sizeof f64_un / sizeof *u; break;
	}
	u += rnd(g, (uint32_t)n);
	operand(g, u->from, depth - 1, u->nan || u->traps);
	op(g, u->code);
	if (u->nan)
		canon(g, t, 0);
	/* saturating conversions of floats, beside the trapping ones */
	if (u->traps && rnd(g, 2)) {
		static const uint8_t trunc[] = {0xa8, 0xa9, 0xaa, 0xab, 0xae, 0xaf, 0xb0, 0xb1};
		uint32_t k = 0;
		while (trunc[k] != u->code)
			k++;
		g->o->n--;	/* the trapping opcode: saturating instead */
		fc(g, k);
	}
}

/* The operands of integer operator k (add..rotr in opcode order) where it
 * has edges of its own: for div and rem, a hostile pair half the time
 * (INT_MIN / -1 first), else two core values; for shifts and rotations, a
 * count at or past the width.  false for the other operators. */
static bool int_edge_pair(gen *g, uint8_t t, int k, int depth)
{
	/* indices into the core values: INT_MIN, INT_MAX, -1, 0, 1 */
	static const uint8_t pairs[][2] = {{0, 2}, {0, 4}, {1, 2}, {2, 2}, {0, 0}, {3, 2}, {4, 3}};
	static const uint8_t counts[] = {31, 32, 33, 63, 64, 65, 0xff};
	const uint64_t *core = t == I32 ? edge_i32 : edge_i64;

	if (k >= 3 && k <= 6) {
		if (rnd(g, 2)) {
			const uint8_t *p = pairs[rnd(g, 2) ? 0 : rnd(g, sizeof pairs / sizeof *pairs)];
			const_bits(g, t, core[p[0]]);
			const_bits(g, t, core[p[1]]);
		} else {
			operand(g, t, depth - 1, false);
			const_bits(g, t, edge_bits(g, t, NCORE, false));
		}
		return true;
	}
	if (k >= 10) {
		expr(g, t, depth - 1);
		const_bits(g, t, rnd(g, 4) ? counts[rnd(g, sizeof counts)] : edge_bits(g, t, NCORE, false));
		return true;
	}
	return false;
}

static void binary(gen *g, uint8_t t, int depth)
{
	uint8_t lo, hi, code;
	bool nan = false;

	switch (t) {
	case I32:
		if (rnd(g, 3) == 0) {	/* a comparison of any type */
			static const struct { uint8_t t, lo, hi; } cmp[] = {
				{I32, 0x46, 0x4f}, {I64, 0x51, 0x5a}, {F32, 0x5b, 0x60}, {F64, 0x61, 0x66}};
			int k = (int)rnd(g, 4);
			operand(g, cmp[k].t, depth - 1, true);
			operand(g, cmp[k].t, depth - 1, true);
			op(g, (uint8_t)(cmp[k].lo + rnd(g, (uint32_t)(cmp[k].hi - cmp[k].lo + 1))));
			return;
		}
		lo = 0x6a, hi = 0x78;
		break;
	case I64: lo = 0x7c, hi = 0x8a; break;
	case F32: lo = 0x92, hi = 0x98, nan = true; break;
	default: lo = 0xa0, hi = 0xa6, nan = true; break;
	}
	code = (uint8_t)(lo + rnd(g, (uint32_t)(hi - lo + 1)));
	/* integer operators with edges of their own (div, rem, shifts,
	 * rotations: 3..6 and 10..14) one time in four, those edges then */
	if (!nan && rnd(g, 4) == 0) {
		uint32_t k = rnd(g, 9);
		code = (uint8_t)(lo + (k < 4 ? 3 + k : 6 + k));
		int_edge_pair(g, t, code - lo, depth);
	} else if (nan || rnd(g, 3) || !int_edge_pair(g, t, code - lo, depth))
		operand(g, t, depth - 1, true), operand(g, t, depth - 1, true);
	op(g, code);
	if (nan)
		canon(g, t, 0);
}

static void load_expr(gen *g, uint8_t t, int depth)
{
	static const struct { uint8_t t, code, align; } loads[] = {
		{I32, 0x28, 2}, {I64, 0x29, 3}, {F32, 0x2a, 2}, {F64, 0x2b, 3}, {I32, 0x2c, 0},
		{I32, 0x2d, 0}, {I32, 0x2e, 1}, {I32, 0x2f, 1}, {I64, 0x30, 0}, {I64, 0x31, 0},
		{I64, 0x32, 1}, {I64, 0x33, 1}, {I64, 0x34, 2}, {I64, 0x35, 2},
	};
	uint32_t k;

	do
		k = rnd(g, sizeof loads / sizeof loads[0]);
	while (loads[k].t != t);
	uint32_t mem = pick_mem(g);
	address(g, depth - 1, mem);
	op(g, loads[k].code), memarg(g, loads[k].align, mem);
	if (t == F32 || t == F64)
		canon(g, t, 0);	/* memory may hold any NaN bits */
}

static void scalar_expr(gen *g, uint8_t t, int depth)
{
	if (depth <= 0) {
		switch (rnd(g, 3)) {
		case 0: konst(g, t); return;
		case 1: local_of(g, t, 0x20); return;
		default:
			for (uint32_t i = 0; i < NGLOBALS; i++)
				if (g->global_type[i] == t) {
					op(g, 0x23), u32(g->o, i);
					return;
				}
			konst(g, t);
			return;
		}
	}
	if ((g->feat & KILN_GEN_EXCEPTIONS) && rnd(g, 10) == 0) {
		eh_expr(g, t, depth);
		return;
	}
	switch (rnd(g, 16)) {
	case 0: case 1: case 2: binary(g, t, depth); return;
	case 3: case 4: unary(g, t, depth); return;
	case 5: load_expr(g, t, depth); return;
	case 6: control_expr(g, t, depth); return;
	case 7:
		/* no calls in loops, at most 2 call sites a function: the work a
		 * module does stays small */
		if (g->self > 0 && g->loops == 0 && g->calls < 2) {
			g->calls++;
			call_expr(g, t, depth);
			return;
		}
		break;
	case 8:		/* local.tee */
		expr(g, t, depth - 1);
		local_of(g, t, 0x22);
		return;
	case 9:
		if (t == I32) {
			switch (rnd(g, 5)) {
			case 0: size_i32(g, pick_mem(g)); return;	/* memory.size */
			case 1: {	/* memory.grow by 0..2 */
				int64_t delta = rnd(g, 3);
				uint32_t mem = pick_mem(g);
				index_const(g, mem, delta);
				op(g, 0x40), put(g->o, (uint8_t)mem);
				if (is64(g, mem))
					op(g, 0xa7);	/* i32.wrap_i64 */
				return;
			}
			case 2: fc(g, 16), u32(g->o, 0); return;		/* table.size */
			case 3:		/* ref.is_null of a table element or ref.func */
				if (rnd(g, 2))
					table_index(g), op(g, 0x25), u32(g->o, 0);
				else
					op(g, 0xd2), u32(g->o, rnd(g, g->nfuncs));
				op(g, 0xd1);
				return;
			default:	/* table.grow by 0..2 with null */
				op(g, 0xd0), put(g->o, FUNCREF), op(g, 0x41), s64(g->o, rnd(g, 3));
				fc(g, 15), u32(g->o, 0);
				return;
			}
		}
		if ((t == I64 || t == I32) && !g->scalar) {
			/* a lane of a vector */
			vector_expr(g, depth - 1);
			simd(g, t == I32 ? 27 : 29), put(g->o, (uint8_t)rnd(g, t == I32 ? 4 : 2));
			return;
		}
		break;
	case 10:
		if (t == I32 && !g->scalar) {	/* vector tests */
			static const uint32_t tests[] = {83, 99, 100, 131, 132, 163, 164, 195, 196};
			vector_expr(g, depth - 1);
			simd(g, tests[rnd(g, 9)]);
			return;
		}
		break;
	default:
		break;
	}
	if (rnd(g, 2))
		konst(g, t);
	else
		local_of(g, t, 0x20);
}

/* A relaxed SIMD instruction (0xfd 0x100..0x113): its operands, then its
 * float results canonicalised like the others'. */
static void relaxed_expr(gen *g, int depth)
{
	static const struct { uint16_t sub; uint8_t args, vf; } rx[] = {
		{0x100, 2, 0},					/* i8x16.relaxed_swizzle */
		{0x101, 1, 0}, {0x102, 1, 0}, {0x103, 1, 0}, {0x104, 1, 0},	/* trunc */
		{0x105, 3, 1}, {0x106, 3, 1}, {0x107, 3, 2}, {0x108, 3, 2},	/* madd, nmadd */
		{0x109, 3, 0}, {0x10a, 3, 0}, {0x10b, 3, 0}, {0x10c, 3, 0},	/* laneselect */
		{0x10d, 2, 1}, {0x10e, 2, 1}, {0x10f, 2, 2}, {0x110, 2, 2},	/* min, max */
		{0x111, 2, 0}, {0x112, 2, 0}, {0x113, 3, 0},	/* q15mulr, dot, dot_add */
	};
	uint32_t k = rnd(g, sizeof rx / sizeof *rx);

	for (int i = 0; i < rx[k].args; i++)
		vector_expr(g, depth - 1);
	simd(g, rx[k].sub);
	canon(g, V128, rx[k].vf);
}

static void vector_expr(gen *g, int depth)
{
	static const uint32_t int_bin[] = {
		78, 79, 80, 81,				/* and andnot or xor */
		110, 111, 112, 113, 114, 115, 118, 119, 120, 121,	/* i8x16 add..max */
		142, 143, 144, 145, 146, 147, 149, 150, 151, 152, 153,	/* i16x8 */
		174, 177, 181, 182, 183, 184, 185, 186,	/* i32x4 add sub mul min max */
		206, 209, 213,				/* i64x2 add sub mul */
		35, 36, 37, 38, 45, 46, 55, 56,		/* integer compares */
		14,					/* i8x16.swizzle */
	};
	static const uint32_t f32_bin[] = {228, 229, 230, 231, 232, 233, 234, 235};
	static const uint32_t f64_bin[] = {240, 241, 242, 243, 244, 245, 246, 247};

	if (depth <= 0) {
		if (rnd(g, 2))
			konst(g, V128);
		else
			local_of(g, V128, 0x20);
		return;
	}
	if ((g->feat & KILN_GEN_RELAXED_SIMD) && rnd(g, 6) == 0) {
		relaxed_expr(g, depth);
		return;
	}
	if ((g->feat & KILN_GEN_EXCEPTIONS) && rnd(g, 10) == 0) {
		eh_expr(g, V128, depth);
		return;
	}
	switch (rnd(g, 10)) {
	case 0: case 1: {
		uint32_t k = rnd(g, sizeof int_bin / sizeof *int_bin);
		vector_expr(g, depth - 1);
		vector_expr(g, depth - 1);
		simd(g, int_bin[k]);
		return;
	}
	case 2: {
		bool f32 = rnd(g, 2);
		vector_expr(g, depth - 1);
		vector_expr(g, depth - 1);
		simd(g, f32 ? f32_bin[rnd(g, 8)] : f64_bin[rnd(g, 8)]);
		canon(g, V128, f32 ? 1 : 2);
		return;
	}
	case 3: {	/* splat */
		static const struct { uint32_t sub; uint8_t t; } sp[] = {
			{15, I32}, {16, I32}, {17, I32}, {18, I64}, {19, F32}, {20, F64}};
		int k = (int)rnd(g, 6);
		expr(g, sp[k].t, depth - 1);
		simd(g, sp[k].sub);
		return;
	}
	case 4: {	/* replace lane */
		static const struct { uint32_t sub; uint8_t t, lanes; } rl[] = {
			{23, I32, 16}, {26, I32, 8}, {28, I32, 4}, {30, I64, 2}, {32, F32, 4}, {34, F64, 2}};
		int k = (int)rnd(g, 6);
		vector_expr(g, depth - 1);
		expr(g, rl[k].t, depth - 1);
		simd(g, rl[k].sub), put(g->o, (uint8_t)rnd(g, rl[k].lanes));
		return;
	}
	case 5: {	/* shuffle */
		vector_expr(g, depth - 1);
		vector_expr(g, depth - 1);
		simd(g, 13);
		for (int i = 0; i < 16; i++)
			put(g->o, (uint8_t)rnd(g, 32));
		return;
	}
	case 6:		/* bitselect */
		vector_expr(g, depth - 1);
		vector_expr(g, depth - 1);
		vector_expr(g, depth - 1);
		simd(g, 82);
		return;
	case 7: {	/* v128.load (integer use: any bits are fine) */
		uint32_t mem = pick_mem(g);
		address(g, depth - 1, mem);
		simd(g, 0), memarg(g, 4, mem);
		return;
	}
	case 8: {	/* shifts and integer unaries */
		static const uint32_t sh[] = {107, 108, 109, 139, 140, 141, 171, 172, 173, 203, 204, 205};
		static const uint32_t un[] = {77, 96, 97, 98, 128, 129, 160, 161, 192, 193, 124, 125};
		vector_expr(g, depth - 1);
		if (rnd(g, 2))
			operand(g, I32, depth - 1, false), simd(g, sh[rnd(g, 12)]);
		else
			simd(g, un[rnd(g, 12)]);
		return;
	}
	default:
		control_expr(g, V128, depth);
	}
}

/* ------------------------------------------------------ candidate loops */

/* Loops in the shape checked loop versions take (compiler/loopver.c, as
 * clang writes them for wasm32): pointer locals p and q stepping by
 * constants, loads and stores at p or q plus a constant (p + w through a
 * local.tee now and then), an accumulator, a counter stepping to a limit.
 * Their pointers start near the end of memory or just below 2^32 now and
 * then, so that some iteration traps or the addresses wrap; q may overlap
 * p; now and then the limit does not divide, and the loop runs until p's
 * store traps.  p and q are the third and fourth counter locals. */
typedef struct cand {
	uint32_t p, q, i, t, acc;	/* t, acc: UINT32_MAX for none */
	uint32_t mem;
	uint8_t vt, load, store, w;
} cand;

static void cand_start(gen *g, int depth, uint32_t mem)
{
	switch (rnd(g, 6)) {
	case 0:		/* near the end of memory */
		size_i32(g, mem), op(g, 0x41), s64(g->o, 16), op(g, 0x74);
		op(g, 0x41), s64(g->o, rnd(g, 72)), op(g, 0x6b);
		return;
	case 1:		/* just below 2^32: the first addresses wrap */
		op(g, 0x41), s64(g->o, -(int64_t)rnd(g, 40));
		return;
	case 2:
		expr(g, I32, depth);
		op(g, 0x41), s64(g->o, 0xffff), op(g, 0x71);
		return;
	default:
		op(g, 0x41), s64(g->o, rnd(g, 1024));
	}
}

static void cand_memarg(gen *g, const cand *c)
{
	if (c->mem)
		u32(g->o, 0x40), u32(g->o, c->mem);
	else
		u32(g->o, 0);
	u32(g->o, rnd(g, 4) ? 0 : rnd(g, 16));
}

static void cand_load(gen *g, const cand *c, uint32_t ptr)
{
	op(g, 0x20), u32(g->o, ptr);
	if (rnd(g, 2))
		op(g, 0x41), s64(g->o, c->w * rnd(g, 3)), op(g, 0x6a);
	widen(g, c->mem);
	op(g, c->load), cand_memarg(g, c);
}

/* p[...] = q[...] combined with p[...] or a constant. */
static void cand_store(gen *g, const cand *c)
{
	bool tee = c->t != UINT32_MAX && rnd(g, 3) == 0;

	if (tee) {
		op(g, 0x20), u32(g->o, c->p), op(g, 0x41), s64(g->o, c->w), op(g, 0x6a);
		op(g, 0x22), u32(g->o, c->t);
	} else {
		op(g, 0x20), u32(g->o, c->p);
	}
	widen(g, c->mem);
	cand_load(g, c, c->q);
	switch (rnd(g, 3)) {
	case 0:
		break;
	case 1:
		if (tee)
			op(g, 0x20), u32(g->o, c->t), widen(g, c->mem),
				op(g, c->load), cand_memarg(g, c);
		else
			cand_load(g, c, c->p);
		op(g, c->vt == I32 ? 0x6a : 0x7c);	/* add */
		break;
	default:
		konst(g, c->vt);
		op(g, c->vt == I32 ? 0x73 : 0x85);	/* xor */
	}
	op(g, c->store), cand_memarg(g, c);
}

static void cand_step(gen *g, uint32_t local, int32_t step)
{
	op(g, 0x20), u32(g->o, local), op(g, 0x41), s64(g->o, step), op(g, 0x6a);
	op(g, 0x21), u32(g->o, local);
}

/* The exit: br_if (limit != (i += sc)), either operand first, or with a
 * limit of 0 br_if (i += sc) as clang writes a count up to zero. */
static void cand_exit(gen *g, const cand *c, int32_t sc, uint32_t limit)
{
	bool first = rnd(g, 2);

	if (limit != 0 && first)
		op(g, 0x41), s64(g->o, (int32_t)limit);
	op(g, 0x20), u32(g->o, c->i), op(g, 0x41), s64(g->o, sc), op(g, 0x6a);
	op(g, 0x22), u32(g->o, c->i);
	if (limit != 0 && !first)
		op(g, 0x41), s64(g->o, (int32_t)limit);
	if (limit != 0)
		op(g, 0x47);
	op(g, 0x0d), u32(g->o, 0);
}

static void cand_init(gen *g, cand *c)
{
	static const struct { uint8_t vt, load, store, w; } kinds[] = {
		{I32, 0x2d, 0x3a, 1}, {I32, 0x28, 0x36, 4}, {I64, 0x29, 0x37, 8}};
	int k = (int)rnd(g, 3);

	c->vt = kinds[k].vt, c->load = kinds[k].load;
	c->store = kinds[k].store, c->w = kinds[k].w;
	c->i = g->counter + g->loops;
	c->p = g->counter + 2, c->q = g->counter + 3;
	c->t = rnd(g, 2) ? own_local(g, I32) : UINT32_MAX;
	c->acc = rnd(g, 2) ? own_local(g, I32) : UINT32_MAX;
	if (c->acc == c->t)
		c->acc = UINT32_MAX;
	c->mem = pick_mem(g);
}

static void candidate_loop(gen *g, int depth)
{
	static const int32_t scale[] = {1, 1, 2, -1, 0};
	cand c;

	if (g->loops >= 2)
		return;
	cand_init(g, &c);
	int32_t sp = (int32_t)c.w * scale[rnd(g, 4)], sq = (int32_t)c.w * scale[rnd(g, 5)];
	int32_t sc = 1 + (int32_t)rnd(g, 3);
	uint32_t n = 1 + rnd(g, 12);
	bool ragged = sc > 1 && rnd(g, 8) == 0;	/* runs until p's store traps */
	bool to_zero = rnd(g, 4) == 0;
	if (rnd(g, 4) == 0)
		sc = -sc;
	uint32_t i0 = to_zero ? 0u - n * (uint32_t)sc : (rnd(g, 2) ? 0 : (uint32_t)value(g));
	uint32_t limit = to_zero ? 0 : i0 + n * (uint32_t)sc;
	i0 += ragged;

	cand_start(g, depth, c.mem), op(g, 0x21), u32(g->o, c.p);
	if (rnd(g, 4) == 0)	/* q overlapping p */
		op(g, 0x20), u32(g->o, c.p), op(g, 0x41), s64(g->o, c.w * rnd(g, 3)), op(g, 0x6a);
	else
		cand_start(g, depth, c.mem);
	op(g, 0x21), u32(g->o, c.q);
	op(g, 0x41), s64(g->o, (int32_t)i0), op(g, 0x21), u32(g->o, c.i);
	op(g, 0x03), put(g->o, 0x40);
	for (uint32_t k = 1 + rnd(g, 2); k > 0; k--)
		cand_store(g, &c);
	if (c.acc != UINT32_MAX) {
		op(g, 0x20), u32(g->o, c.acc);
		cand_load(g, &c, rnd(g, 2) ? c.p : c.q);
		if (c.vt == I64)
			op(g, 0xa7);	/* i32.wrap_i64 */
		op(g, 0x6a), op(g, 0x21), u32(g->o, c.acc);
	}
	cand_step(g, c.p, sp);
	cand_step(g, c.q, sq);
	cand_exit(g, &c, sc, limit);
	op(g, 0x0b);
}

/* ---------------------------------------------------- exception handling */

/* Modules with exception handling have 1..MAX_TAGS tags whose payloads
 * are 0..3 values of any number type, funcref and (in the standard form)
 * exnref; they throw under a condition (that holds about half the time)
 * in any function, so that exceptions cross calls; catch in legacy try
 * blocks (catch of a tag, catch_all, rethrow, delegate — nested, delegate
 * 1 skipping the try around it) and in try_tables (every clause kind, the
 * handlers' blocks typed by the payload); branch out of handlers, in loops
 * too; keep a caught exnref in a local and throw it again (throw_ref of a
 * null one traps).  What nothing catches ends the export call: an outcome
 * of its own, with the tag and values. */

/* The funcref and exnref locals of a module with exception handling, after
 * the call-result locals (setup_locals declares them). */
static uint32_t ref_local(const gen *g, uint8_t t)
{
	return g->counter + (t == FUNCREF ? 12 : 13);
}

static const functype *tag_of(const gen *g, uint32_t k)
{
	return &g->types[g->tag_type + 3 * k];
}

/* A value of payload type t: a number as an operand is; a funcref of a
 * function, null or the local; an exnref of the local (null, or an
 * exception caught before) or null. */
static void eh_value(gen *g, uint8_t t, int depth)
{
	if (t == FUNCREF) {
		switch (rnd(g, 3)) {
		case 0: op(g, 0xd2), u32(g->o, rnd(g, g->nfuncs)); return;
		case 1: op(g, 0xd0), put(g->o, FUNCREF); return;
		default: op(g, 0x20), u32(g->o, ref_local(g, FUNCREF)); return;
		}
	}
	if (t == EXNREF) {
		if (rnd(g, 3))
			op(g, 0x20), u32(g->o, ref_local(g, EXNREF));
		else
			op(g, 0xd0), put(g->o, EXNREF);
		return;
	}
	operand(g, t, depth, false);
}

/* Takes n values of types ts (the last on top) off the stack: each into a
 * local of its type, or dropped. */
static void eh_consume(gen *g, const uint8_t *ts, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;) {
		uint8_t t = ts[i];
		if (rnd(g, 4) == 0) {
			op(g, 0x1a);
			continue;
		}
		op(g, 0x21);
		u32(g->o, t == FUNCREF || t == EXNREF ? ref_local(g, t) : own_local(g, t));
	}
}

/* An i32 that is nonzero about half the time (or rarely: eqz). */
static void eh_cond(gen *g, int depth)
{
	expr(g, I32, depth);
	if (rnd(g, 3) == 0)
		op(g, 0x45);
	else
		op(g, 0x41), s64(g->o, 1), op(g, 0x71);
}

/* if (cond) throw a random tag; in the standard form now and then
 * throw_ref of the exnref local instead. */
static void eh_throw_if(gen *g, int depth)
{
	eh_cond(g, depth);
	op(g, 0x04), put(g->o, 0x40);
	if (g->eh_std && rnd(g, 4) == 0) {
		op(g, 0x20), u32(g->o, ref_local(g, EXNREF)), op(g, 0x0a);
	} else {
		uint32_t k = rnd(g, g->ntags);
		const functype *tt = tag_of(g, k);
		for (uint8_t i = 0; i < tt->np; i++)
			eh_value(g, tt->p[i], depth);
		op(g, 0x08), u32(g->o, k);
	}
	op(g, 0x0b);
}

/* The body of a handler scope of type t (0x40: none): a throw or a
 * statement now and then, then a call of a lower function (which may
 * throw) or any expression. */
static void eh_body(gen *g, uint8_t t, int depth)
{
	if (rnd(g, 2))
		eh_throw_if(g, depth - 1);
	else if (rnd(g, 2))
		stmt(g, depth - 1);
	if (g->self > 0 && g->loops == 0 && g->calls < 3 && rnd(g, 2)) {
		g->calls++;
		call_expr(g, t == 0x40 ? I32 : t, depth);
		if (t == 0x40)
			op(g, 0x1a);
	} else if (t != 0x40) {
		expr(g, t, depth - 1);
	} else if (rnd(g, 2)) {
		eh_throw_if(g, depth - 1);
	}
}

/* The handler of a legacy catch of tag k (UINT32_MAX: catch_all): its
 * payload into locals, then a rethrow (under an if now and then), a branch
 * out of the try, a statement or nothing, and its value. */
static void legacy_handler(gen *g, uint8_t t, uint32_t k, int depth)
{
	if (k != UINT32_MAX)
		eh_consume(g, tag_of(g, k)->p, tag_of(g, k)->np);
	switch (rnd(g, 5)) {
	case 0:
		if (rnd(g, 4) == 0) {
			op(g, 0x09), u32(g->o, 0);	/* rethrow 0 */
			break;
		}
		eh_cond(g, depth - 1);
		op(g, 0x04), put(g->o, 0x40), op(g, 0x09), u32(g->o, 1), op(g, 0x0b);
		break;
	case 1:		/* br_if out of the handler, with the try's value */
		if (t != 0x40)
			expr(g, t, depth - 1);
		eh_cond(g, depth - 1);
		op(g, 0x0d), u32(g->o, 0);
		if (t != 0x40)
			op(g, 0x1a);
		break;
	case 2:
		stmt(g, depth - 1);
		break;
	default:
		break;
	}
	if (t != 0x40)
		expr(g, t, depth - 1);
}

/* try (result t) ... catch x ... catch_all ... end, or try ... delegate;
 * the body now and then a try delegating to this one's handlers or past
 * them. */
static void legacy_try(gen *g, uint8_t t, int depth)
{
	op(g, 0x06), put(g->o, t);
	if (rnd(g, 6) == 0) {
		eh_body(g, t, depth);
		op(g, 0x18), u32(g->o, 0);	/* delegate 0 */
		return;
	}
	if (rnd(g, 5) == 0) {
		op(g, 0x06), put(g->o, t);
		eh_body(g, t, depth);
		op(g, 0x18), u32(g->o, rnd(g, 2));
	} else {
		eh_body(g, t, depth);
	}
	for (uint32_t n = rnd(g, 3); n > 0; n--) {
		uint32_t k = rnd(g, g->ntags);
		op(g, 0x07), u32(g->o, k);
		legacy_handler(g, t, k, depth);
	}
	if (rnd(g, 3)) {
		op(g, 0x19);
		legacy_handler(g, t, UINT32_MAX, depth);
	}
	op(g, 0x0b);
}

/* The block type of a try_table handler of clause kind (catch, catch_ref,
 * catch_all, catch_all_ref) for tag k: the values the clause passes. */
static void handler_type(gen *g, uint32_t kind, uint32_t k)
{
	const functype *tt = tag_of(g, k);
	uint32_t n = kind == 0 ? tt->np : kind == 1 ? tt->np + 1u : kind == 3;

	if (n == 0)
		put(g->o, 0x40);
	else if (n == 1)
		put(g->o, kind == 0 ? tt->p[0] : EXNREF);
	else
		u32(g->o, g->tag_type + 3 * k + (kind == 1 ? 2 : 1));
}

/* A try_table handler: the exnref into the local (and thrown again under
 * an if now and then), the payload into locals, then the value. */
static void std_handler(gen *g, uint8_t t, uint32_t kind, uint32_t k, int depth)
{
	bool ref = kind == 1 || kind == 3;

	if (ref) {
		static const uint8_t exn[] = {EXNREF};
		eh_consume(g, exn, 1);
	}
	if (kind == 0 || kind == 1)
		eh_consume(g, tag_of(g, k)->p, tag_of(g, k)->np);
	if (ref && rnd(g, 3) == 0) {
		eh_cond(g, depth - 1);
		op(g, 0x04), put(g->o, 0x40);
		op(g, 0x20), u32(g->o, ref_local(g, EXNREF)), op(g, 0x0a);
		op(g, 0x0b);
	}
	if (t != 0x40)
		expr(g, t, depth - 1);
}

/* block (result t) block (handler n-1) ... block (handler 0)
 *   try_table (result t) (clause i → handler i) BODY end br n
 * end HANDLER 0 br n-1 ... end HANDLER n-1 end */
static void try_table(gen *g, uint8_t t, int depth)
{
	uint32_t n = 1 + rnd(g, 3), kind[3], tag[3];

	op(g, 0x02), put(g->o, t);
	for (uint32_t i = n; i-- > 0;) {
		kind[i] = rnd(g, 4);
		tag[i] = rnd(g, g->ntags);
		op(g, 0x02), handler_type(g, kind[i], tag[i]);
	}
	op(g, 0x1f), put(g->o, t), u32(g->o, n);
	for (uint32_t i = 0; i < n; i++) {
		put(g->o, (uint8_t)kind[i]);
		if (kind[i] < 2)
			u32(g->o, tag[i]);
		u32(g->o, i);
	}
	eh_body(g, t, depth);
	op(g, 0x0b), op(g, 0x0c), u32(g->o, n);
	for (uint32_t i = 0; i < n; i++) {
		op(g, 0x0b);
		std_handler(g, t, kind[i], tag[i], depth);
		if (i + 1 < n)
			op(g, 0x0c), u32(g->o, n - 1 - i);
	}
	op(g, 0x0b);
}

/* A handler scope of type t: a try_table (standard form) or a legacy try. */
static void eh_expr(gen *g, uint8_t t, int depth)
{
	if (g->eh_std && rnd(g, 2))
		try_table(g, t, depth);
	else
		legacy_try(g, t, depth);
}

/* block loop (a handler scope around a throw; its handler may branch out of
 * the loop) counter-- br_if 0 end end: exceptions caught round by round. */
static void eh_loop(gen *g, int depth)
{
	uint32_t c = g->counter + g->loops++;

	op(g, 0x41), s64(g->o, 1 + rnd(g, 8)), op(g, 0x21), u32(g->o, c);
	op(g, 0x02), put(g->o, 0x40), op(g, 0x03), put(g->o, 0x40);
	if (g->eh_std && rnd(g, 2)) {
		op(g, 0x02), put(g->o, 0x40);
		op(g, 0x1f), put(g->o, 0x40), u32(g->o, 1), put(g->o, 2), u32(g->o, 0);
		eh_throw_if(g, depth - 1);
		stmt(g, depth - 1);
		op(g, 0x0b), op(g, 0x0b);
	} else {
		op(g, 0x06), put(g->o, 0x40);
		eh_throw_if(g, depth - 1);
		if (rnd(g, 2))
			stmt(g, depth - 1);
		if (rnd(g, 2)) {
			op(g, 0x19);
		} else {
			uint32_t k = rnd(g, g->ntags);
			op(g, 0x07), u32(g->o, k);
			eh_consume(g, tag_of(g, k)->p, tag_of(g, k)->np);
		}
		eh_cond(g, depth - 1);
		op(g, 0x0d), u32(g->o, 2);	/* out of the loop from the handler */
		op(g, 0x0b);
	}
	op(g, 0x20), u32(g->o, c), op(g, 0x41), s64(g->o, 1), op(g, 0x6b);
	op(g, 0x22), u32(g->o, c), op(g, 0x0d), u32(g->o, 0);
	op(g, 0x0b), op(g, 0x0b);
	g->loops--;
}

static void eh_stmt(gen *g, int depth)
{
	switch (rnd(g, 4)) {
	case 0:
		eh_throw_if(g, depth);
		return;
	case 1:
		if (g->loops < 2) {
			eh_loop(g, depth);
			return;
		}
		/* fall through */
	default:
		eh_expr(g, 0x40, depth);
	}
}

static void stmt(gen *g, int depth)
{
	static const uint8_t types[] = {I32, I64, F32, F64, V128};

	if ((g->feat & KILN_GEN_EXCEPTIONS) && depth > 0 && rnd(g, 5) == 0) {
		eh_stmt(g, depth);
		return;
	}
	if (rnd(g, 8) == 0) {
		candidate_loop(g, depth);
		return;
	}
	switch (rnd(g, 9)) {
	case 0: case 1: {	/* local.set */
		uint8_t t = vtype(g, types[rnd(g, 5)]);
		expr(g, t, depth);
		local_of(g, t, 0x21);
		/* never a loop counter or a scratch local: local_of picks by type,
		 * and those are i32 counters — allowed only below counter */
		return;
	}
	case 2: {		/* global.set */
		uint32_t i = rnd(g, NGLOBALS);
		expr(g, g->global_type[i], depth);
		op(g, 0x24), u32(g->o, i);
		return;
	}
	case 3: {		/* store */
		static const struct { uint8_t t, code, align; } st[] = {
			{I32, 0x36, 2}, {I64, 0x37, 3}, {F32, 0x38, 2}, {F64, 0x39, 3}, {I32, 0x3a, 0},
			{I32, 0x3b, 1}, {I64, 0x3c, 0}, {I64, 0x3d, 1}, {I64, 0x3e, 2}};
		int k = (int)rnd(g, 9);
		uint32_t mem = pick_mem(g);
		address(g, depth, mem);
		expr(g, st[k].t, depth);
		op(g, st[k].code), memarg(g, st[k].align, mem);
		return;
	}
	case 4: {		/* v128.store */
		if (g->scalar) {
			op(g, 0x01);	/* nop */
			return;
		}
		uint32_t mem = pick_mem(g);
		address(g, depth, mem);
		vector_expr(g, depth);
		simd(g, 11), memarg(g, 4, mem);
		return;
	}
	case 5: {		/* bulk memory */
		uint32_t mem = pick_mem(g), src;
		address(g, depth, mem);
		switch (rnd(g, 4)) {
		case 0:		/* memory.fill */
			expr(g, I32, depth);
			index_const(g, mem, rnd(g, 64));
			fc(g, 11), put(g->o, (uint8_t)mem);
			return;
		case 1:		/* memory.copy, between memories too */
			src = pick_mem(g);
			address(g, depth, src);
			/* the length: i64 when both memories are */
			op(g, is64(g, mem) && is64(g, src) ? 0x42 : 0x41), s64(g->o, rnd(g, 64));
			fc(g, 10), put(g->o, (uint8_t)mem), put(g->o, (uint8_t)src);
			return;
		case 2:		/* memory.init from the passive segment */
			op(g, 0x41), s64(g->o, rnd(g, 8));
			op(g, 0x41), s64(g->o, rnd(g, 10));
			fc(g, 8), u32(g->o, 1), put(g->o, (uint8_t)mem);
			return;
		default:
			op(g, 0x1a);
			fc(g, 9), u32(g->o, 1);	/* data.drop */
			return;
		}
	}
	case 6:			/* table.set of a function or null */
		table_index(g);
		if (rnd(g, 2)) {
			uint32_t f;
			do
				f = rnd(g, g->nfuncs);
			while (!g->leaf[f]);
			op(g, 0xd2), u32(g->o, f);
		} else {
			op(g, 0xd0), put(g->o, FUNCREF);
		}
		op(g, 0x26), u32(g->o, 0);
		return;
	case 7:			/* drop */
		expr(g, vtype(g, types[rnd(g, 5)]), depth);
		op(g, 0x1a);
		return;
	default:		/* an if without else */
		expr(g, I32, depth);
		op(g, 0x04), put(g->o, 0x40);
		stmt(g, depth - 1);
		op(g, 0x0b);
	}
}

/* ------------------------------------------------------------- functions */

static const uint8_t num_types[] = {I32, I64, F32, F64, V128};

static void random_type(gen *g, functype *t, bool any_results)
{
	t->np = (uint8_t)rnd(g, MAX_PARAMS + 1);
	t->nr = any_results ? (uint8_t)rnd(g, MAX_RESULTS + 1) : 1;
	for (int i = 0; i < t->np; i++)
		t->p[i] = vtype(g, num_types[rnd(g, 5)]);
	for (int i = 0; i < t->nr; i++)
		t->r[i] = vtype(g, num_types[rnd(g, 5)]);
}

/* Locals: the params, 0..4 more of random types, one of each type (so
 * that local_of always finds one), then 2 loop counters, the scratch f32,
 * f64 and v128, and one of each type for call results.  Writes the local
 * declarations of the body. */
static void setup_locals(gen *g, const functype *t, out *o)
{
	uint8_t extra[32];
	uint32_t n = 0, k = rnd(g, 5);

	g->nlocals = 0;
	for (int i = 0; i < t->np; i++)
		g->local_type[g->nlocals++] = t->p[i];
	for (uint32_t i = 0; i < k; i++)
		extra[n++] = vtype(g, num_types[rnd(g, 5)]);
	for (int i = 0; i < 5; i++)
		extra[n++] = vtype(g, num_types[i]);
	uint32_t own = n;
	extra[n++] = I32, extra[n++] = I32, extra[n++] = I32, extra[n++] = I32;
	extra[n++] = F32, extra[n++] = F64, extra[n++] = vtype(g, V128);
	for (int i = 0; i < 5; i++)
		extra[n++] = vtype(g, num_types[i]);
	if (g->feat & KILN_GEN_EXCEPTIONS)	/* ref_local's */
		extra[n++] = FUNCREF;
	if (g->eh_std)
		extra[n++] = EXNREF;
	for (uint32_t i = 0; i < own; i++)
		g->local_type[g->nlocals++] = extra[i];
	g->counter = g->nlocals;
	u32(o, n);
	for (uint32_t i = 0; i < n; i++)
		u32(o, 1), put(o, extra[i]);
}

static void end_body(out *code, out *body)
{
	put(body, 0x0b);
	u32(code, (uint32_t)body->n);
	raw(code, body->p, body->n);
	free(body->p);
}

static bool same_results(const functype *a, const functype *b)
{
	return a->nr == b->nr && !memcmp(a->r, b->r, a->nr);
}

/* return_call or return_call_indirect of a lower function with the same
 * results as t (no recursion), at the end of the body or under an if;
 * true when it ended the body. */
static bool tail_call(gen *g, const functype *t)
{
	uint32_t c[MAX_FUNCS], n = 0;

	for (uint32_t f = 0; f < g->self; f++)
		if (same_results(&g->types[g->func_type[f]], t))
			c[n++] = f;
	if (n == 0)
		return false;
	uint32_t f = c[rnd(g, n)];
	const functype *ft = &g->types[g->func_type[f]];
	bool cond = rnd(g, 3) == 0;
	if (cond) {
		expr(g, I32, 2);
		op(g, 0x04), put(g->o, 0x40);
	}
	for (uint8_t i = 0; i < ft->np; i++)
		operand(g, ft->p[i], 2, false);
	call_op(g, f, g->leaf[f] && rnd(g, 2), 0x12);	/* return_call (_indirect) */
	if (cond)
		op(g, 0x0b);
	return !cond;
}

static void gen_func(gen *g, uint32_t f, out *code)
{
	const functype *t = &g->types[g->func_type[f]];
	out body = {0};

	g->o = &body;
	g->self = g->leaf[f] ? 0 : f;
	g->loops = g->calls = 0;
	setup_locals(g, t, &body);
	for (uint32_t i = rnd(g, 4); i > 0; i--)
		stmt(g, 2 + (int)rnd(g, 2));
	if ((g->feat & KILN_GEN_TAIL_CALL) && g->self > 0 && rnd(g, 2) && tail_call(g, t)) {
		end_body(code, &body);
		return;
	}
	for (int i = 0; i < t->nr; i++)
		expr(g, t->r[i], 2 + (int)rnd(g, 3));
	end_body(code, &body);
}

/* Turns the value on the stack into an i64 and folds it into local acc. */
static void fold(gen *g, uint8_t t, uint32_t acc)
{
	switch (t) {
	case I32: op(g, 0xad); break;				/* i64.extend_i32_u */
	case F32: canon(g, F32, 0), op(g, 0xbc), op(g, 0xad); break;
	case F64: canon(g, F64, 0), op(g, 0xbd); break;
	case V128: {
		uint32_t s = scratch(g, V128);
		op(g, 0x21), u32(g->o, s);
		op(g, 0x20), u32(g->o, s), simd(g, 29), put(g->o, 0);
		op(g, 0x20), u32(g->o, s), simd(g, 29), put(g->o, 1);
		op(g, 0x85);					/* i64.xor */
		break;
	}
	default: break;
	}
	op(g, 0x20), u32(g->o, acc);
	op(g, 0x42), s64(g->o, 7), op(g, 0x89);		/* i64.rotl */
	op(g, 0x85), op(g, 0x21), u32(g->o, acc);
}

/* "f<k>": () -> i64, calls function k with generated arguments and folds
 * its results. */
static void gen_wrapper(gen *g, uint32_t k, const functype *wt, out *code)
{
	const functype *t = &g->types[g->func_type[k]];
	out body = {0};
	uint32_t acc;

	g->o = &body;
	g->self = 0;	/* arguments call nothing */
	g->loops = g->calls = 0;
	setup_locals(g, wt, &body);
	acc = result_local(g, I64);
	for (int i = 0; i < t->np; i++) {
		if (rnd(g, 2))
			edge(g, t->p[i], false);	/* arguments at the edges half the time */
		else
			expr(g, t->p[i], 2);
	}
	op(g, 0x10), u32(&body, k);
	for (int i = t->nr - 1; i >= 0; i--)
		fold(g, t->r[i], acc);
	op(g, 0x20), u32(&body, acc);
	end_body(code, &body);
}

/* "state": the globals and a hash of the first 4 KiB of memory. */
static void gen_state(gen *g, const functype *wt, out *code)
{
	out body = {0};
	uint32_t acc, c;

	g->o = &body;
	setup_locals(g, wt, &body);
	acc = result_local(g, I64);
	c = g->counter;
	for (uint32_t i = 0; i < NGLOBALS; i++) {
		op(g, 0x23), u32(&body, i);
		fold(g, g->global_type[i], acc);
	}
	op(g, 0x41), s64(&body, 512), op(g, 0x21), u32(&body, c);
	op(g, 0x03), put(&body, 0x40);
	op(g, 0x20), u32(&body, c), op(g, 0x41), s64(&body, 8), op(g, 0x6c);	/* c * 8 */
	widen(g, 0);
	op(g, 0x29), u32(&body, 3), u32(&body, 0);				/* i64.load */
	fold(g, I64, acc);
	op(g, 0x20), u32(&body, c), op(g, 0x41), s64(&body, 1), op(g, 0x6b);
	op(g, 0x22), u32(&body, c), op(g, 0x0d), u32(&body, 0);
	op(g, 0x0b);
	if (g->nmems > 1) {	/* the same of memory 1 */
		op(g, 0x41), s64(&body, 512), op(g, 0x21), u32(&body, c);
		op(g, 0x03), put(&body, 0x40);
		op(g, 0x20), u32(&body, c), op(g, 0x41), s64(&body, 8), op(g, 0x6c);
		op(g, 0x29), u32(&body, 0x43), u32(&body, 1), u32(&body, 0);
		fold(g, I64, acc);
		op(g, 0x20), u32(&body, c), op(g, 0x41), s64(&body, 1), op(g, 0x6b);
		op(g, 0x22), u32(&body, c), op(g, 0x0d), u32(&body, 0);
		op(g, 0x0b);
	}
	op(g, 0x20), u32(&body, acc);
	end_body(code, &body);
}

/* ------------------------------------------------------------- the module */

static void section(out *m, uint8_t id, out *s)
{
	put(m, id);
	u32(m, (uint32_t)s->n);
	raw(m, s->p, s->n);
	free(s->p);
	*s = (out){0};
}

static void functype_out(out *s, const functype *t)
{
	put(s, 0x60);
	u32(s, t->np);
	raw(s, t->p, t->np);
	u32(s, t->nr);
	raw(s, t->r, t->nr);
}

/* The tags of a module with exception handling and their types (after
 * the wrappers' type): params -> (), () -> params, () -> params exnref
 * (the standard form's; the legacy form has another () -> params). */
static void tags_new(gen *g)
{
	g->eh_std = rnd(g, 2);
	g->ntags = 1 + rnd(g, MAX_TAGS);
	g->tag_type = g->ntypes;
	for (uint32_t k = 0; k < g->ntags; k++) {
		functype *t = &g->types[g->ntypes];
		t[0] = (functype){.np = (uint8_t)rnd(g, MAX_PARAMS + 1)};
		for (int i = 0; i < t->np; i++) {
			uint32_t d = rnd(g, 7);
			t->p[i] = d < 5 ? vtype(g, num_types[d]) : d == 5 ? FUNCREF
				: g->eh_std ? EXNREF : I32;
		}
		t[1] = (functype){.nr = t->np};
		memcpy(t[1].r, t->p, t->np);
		t[2] = t[1];
		if (g->eh_std)	/* (wabt 1.0.32 knows no exnref) */
			t[2].r[t[2].nr++] = EXNREF;
		g->ntypes += 3;
	}
}

static bool generate(uint64_t seed, unsigned feat, bool scalar, uint8_t **out_bytes,
		     size_t *out_len)
{
	gen g = {.rng = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull, .scalar = scalar,
		 .feat = feat, .nmems = feat & KILN_GEN_MULTI_MEMORY ? 2 : 1};
	out m = {0}, s = {0}, code = {0};
	functype wt = {0, 1, {0}, {I64}};

	for (int i = 0; i < 4; i++)
		rnd(&g, 1);
	g.nfuncs = 2 + rnd(&g, MAX_FUNCS - 1);
	g.ntypes = g.nfuncs + 1;
	for (uint32_t f = 0; f < g.nfuncs; f++) {
		random_type(&g, &g.types[f], true);
		/* with tail calls, half the functions return what an earlier one
		 * does, so that one may end in a tail call of the other */
		if ((feat & KILN_GEN_TAIL_CALL) && f > 0 && rnd(&g, 2)) {
			const functype *e = &g.types[rnd(&g, f)];
			g.types[f].nr = e->nr;
			memcpy(g.types[f].r, e->r, e->nr);
		}
		g.func_type[f] = f;
		g.leaf[f] = f == 0 || rnd(&g, 3) == 0;
		g.slot[f] = UINT32_MAX;
	}
	g.types[g.nfuncs] = wt;
	if (feat & KILN_GEN_EXCEPTIONS)
		tags_new(&g);
	for (int i = 0; i < NGLOBALS; i++)
		g.global_type[i] = num_types[rnd(&g, 4)];
	g.table_size = 2 + rnd(&g, 6);

	raw(&m, "\0asm\1\0\0\0", 8);
	u32(&s, g.ntypes);					/* types */
	for (uint32_t i = 0; i < g.ntypes; i++)
		functype_out(&s, &g.types[i]);
	section(&m, 1, &s);
	u32(&s, 2 * g.nfuncs + 1);				/* functions */
	for (uint32_t f = 0; f < g.nfuncs; f++)
		u32(&s, f);
	for (uint32_t f = 0; f <= g.nfuncs; f++)
		u32(&s, g.nfuncs);
	section(&m, 3, &s);
	u32(&s, 1), put(&s, FUNCREF), put(&s, 1);		/* table */
	u32(&s, g.table_size), u32(&s, g.table_size + 8);
	section(&m, 4, &s);
	u32(&s, g.nmems), put(&s, is64(&g, 0) ? 5 : 1);	/* memory 1..4 (i64: flag 4) */
	u32(&s, 1), u32(&s, 4);
	if (g.nmems > 1)
		put(&s, 1), u32(&s, 1), u32(&s, 1 + rnd(&g, 3));	/* memory 1: 1..1-3 */
	section(&m, 5, &s);
	if (g.ntags) {						/* tags */
		u32(&s, g.ntags);
		for (uint32_t k = 0; k < g.ntags; k++)
			put(&s, 0), u32(&s, g.tag_type + 3 * k);
		section(&m, 13, &s);
	}
	u32(&s, NGLOBALS);					/* globals */
	g.o = &s;
	for (int i = 0; i < NGLOBALS; i++) {
		uint8_t t = g.global_type[i];
		put(&s, t), put(&s, 1);
		if ((feat & KILN_GEN_EXTENDED_CONST) && (t == I32 || t == I64) && rnd(&g, 2))
			ext_const(&g, t, value(&g), 3);
		else
			konst(&g, t);
		put(&s, 0x0b);
	}
	section(&m, 6, &s);
	u32(&s, g.nfuncs + 1 + g.ntags);			/* exports */
	for (uint32_t f = 0; f <= g.nfuncs; f++) {
		char name[16];
		int n = f < g.nfuncs ? snprintf(name, sizeof name, "f%u", f)
				     : snprintf(name, sizeof name, "state");
		u32(&s, (uint32_t)n), raw(&s, name, (size_t)n);
		put(&s, 0), u32(&s, g.nfuncs + f);
	}
	for (uint32_t k = 0; k < g.ntags; k++) {		/* "t0".., to name them */
		char name[16];
		int n = snprintf(name, sizeof name, "t%u", k);
		u32(&s, (uint32_t)n), raw(&s, name, (size_t)n);
		put(&s, 4), u32(&s, k);
	}
	section(&m, 7, &s);
	u32(&s, 2);						/* elements */
	put(&s, 0), offset_expr(&g, I32, 0);
	u32(&s, g.table_size);
	for (uint32_t i = 0, f = 0; i < g.table_size; i++) {
		while (!g.leaf[f % g.nfuncs])
			f++;
		if (g.slot[f % g.nfuncs] == UINT32_MAX)
			g.slot[f % g.nfuncs] = i;
		u32(&s, f++ % g.nfuncs);
	}
	put(&s, 3), put(&s, 0), u32(&s, g.nfuncs);		/* declarative: ref.func */
	for (uint32_t f = 0; f < g.nfuncs; f++)
		u32(&s, f);
	section(&m, 9, &s);
	u32(&s, g.nmems + 1);					/* data count */
	section(&m, 12, &s);
	u32(&code, 2 * g.nfuncs + 1);				/* code */
	for (uint32_t f = 0; f < g.nfuncs; f++)
		gen_func(&g, f, &code);
	for (uint32_t f = 0; f < g.nfuncs; f++)
		gen_wrapper(&g, f, &wt, &code);
	gen_state(&g, &wt, &code);
	s = code;
	section(&m, 10, &s);
	u32(&s, g.nmems + 1);					/* data: active, passive */
	g.o = &s;
	put(&s, 0), offset_expr(&g, is64(&g, 0) ? I64 : I32, rnd(&g, 1000));
	uint32_t dl = 16 + rnd(&g, 48);
	u32(&s, dl);
	for (uint32_t i = 0; i < dl; i++)
		put(&s, (uint8_t)rnd(&g, 256));
	put(&s, 1), u32(&s, 32);
	for (int i = 0; i < 32; i++)
		put(&s, (uint8_t)rnd(&g, 256));
	if (g.nmems > 1) {					/* active, memory 1 */
		put(&s, 2), u32(&s, 1), offset_expr(&g, I32, rnd(&g, 4000));
		u32(&s, 64);
		for (int i = 0; i < 64; i++)
			put(&s, (uint8_t)rnd(&g, 256));
	}
	section(&m, 11, &s);
	if (m.oom || s.oom || code.oom) {
		free(m.p);
		return false;
	}
	*out_bytes = m.p;
	*out_len = m.n;
	return true;
}

bool kiln_gen_module(uint64_t seed, uint8_t **out_bytes, size_t *out_len)
{
	return generate(seed, 0, false, out_bytes, out_len);
}

bool kiln_gen_scalar_module(uint64_t seed, uint8_t **out_bytes, size_t *out_len)
{
	return generate(seed, 0, true, out_bytes, out_len);
}

bool kiln_gen_module_with(uint64_t seed, unsigned features, bool scalar, uint8_t **out_bytes,
			  size_t *out_len)
{
	return generate(seed, features, scalar, out_bytes, out_len);
}

