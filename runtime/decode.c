/*
 * decode.c — the WebAssembly 2.0 binary format (and the proposals of
 * features.c) → kiln_module.
 *
 * One pass over the bytes, in the reference interpreter's order: header,
 * then sections in their fixed order with custom sections anywhere, then
 * the cross-section checks (function/code counts, data count).  Function
 * bodies and constant expressions are read instruction by instruction so
 * that every malformed encoding is reported here, with the spec's message
 * and the byte offset; what they mean (types, indices) is the validator's
 * business.
 *
 * Invariants: allocations are bounded by the input size — a vector's
 * declared count is trusted only up to the bytes that remain, since every
 * entry takes at least one byte — and nothing recurses, so no input can
 * exhaust the C stack.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "reader.h"

typedef struct decoder {
	kiln_reader r;
	kiln_module *m;
	uint8_t *ctl;		/* open blocks while reading an expression */
	size_t ctl_cap;
	bool uses_data_index;	/* memory.init or data.drop seen */
	bool has_data_section;
	uint32_t nfunc_decls;	/* entries of the function section */
	uint32_t ncode;		/* entries of the code section */
	bool trusted;		/* from an artifact: bodies are not walked */
	bool threads;		/* KILN_FEATURE_THREADS: shared flag, 0xfe */
	bool relaxed_simd;	/* KILN_FEATURE_RELAXED_SIMD: 0xfd 0x100-0x113 */
	/* Reference types, unless KILN_FEATURE_NO_REFERENCE_TYPES: without,
	 * reference values and their instructions are malformed but for
	 * funcref tables and bulk memory's element expressions (elem_expr
	 * while one is read), and table immediates are reserved zero bytes. */
	bool reftypes;
	bool elem_expr;
	bool tail_call;		/* KILN_FEATURE_TAIL_CALL: 0x12, 0x13 */
	bool memory64;		/* KILN_FEATURE_MEMORY64: limits flag bit 2, u64 offsets */
	/* KILN_FEATURE_EXCEPTIONS: the tag section and tag imports and
	 * exports, exnref, try_table, throw, throw_ref and the legacy try,
	 * catch, catch_all, delegate, rethrow. */
	bool exceptions;
	bool in_body;		/* reading a function body, not a constant */
} decoder;

/* Block kinds on the ctl stack: the legacy try is a try until its first
 * catch, a catch until the next, a catch_all until its end. */
enum { CTL_BLOCK, CTL_IF, CTL_ELSE, CTL_TRY, CTL_CATCH, CTL_CATCH_ALL };

/* The tag section (exception handling). */
#define SEC_TAG 13

static const char *const section_names[] = {
	"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "datacount", "tag",
};

/* The order sections must appear in, by id (custom sections excepted):
 * data count before code, tags between memories and globals. */
static const uint8_t section_rank[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6,
};

static bool fail_at(decoder *d, size_t offset, const char *msg)
{
	return krt_fail(d->r.err, KILN_ERR_MALFORMED, offset, "%s", msg);
}

static bool nomem(decoder *d)
{
	return krt_fail(d->r.err, KILN_ERR_NOMEM, rd_offset(&d->r), "out of memory");
}

static size_t remaining(const decoder *d)
{
	return (size_t)(d->r.end - d->r.p);
}

/* Allocates room for a vector of `count` entries of `size` bytes.  A count
 * larger than the remaining input cannot be satisfied, so the allocation is
 * capped there: reading will fail before it runs past the cap. */
static void *alloc_vec(decoder *d, uint32_t count, size_t size)
{
	size_t n = count;

	if (n > remaining(d) + 1)
		n = remaining(d) + 1;
	return krt_calloc(n, size);
}


static bool ctl_push(decoder *d, size_t depth, uint8_t kind)
{
	if (!krt_grow((void **)&d->ctl, &d->ctl_cap, depth + 1, 1))
		return nomem(d);
	d->ctl[depth] = kind;
	return true;
}

static bool is_reftype(int64_t vt)
{
	return vt == KILN_FUNCREF || vt == KILN_EXTERNREF || vt == KILN_EXNREF;
}

/* A one-byte LEB field of value 0 ends at `end`: the field before it ends
 * in a byte without the continuation bit. */
static bool zero_byte_at(const uint8_t *end)
{
	return end[-1] == 0 && end[-2] < 0x80;
}

/* An instruction as a decoder without reference types has it (1.0's and
 * bulk memory's binary format): their instructions are illegal opcodes
 * (but ref.null and ref.func in element expressions), a block of a
 * reference type a malformed value type, and the table immediates of
 * call_indirect, table.init and table.copy reserved zero bytes. */
static bool check_without_reftypes(decoder *d, const kiln_instr *in)
{
	const uint8_t *end = d->r.p;

	switch (in->op) {
	case KILN_OP_REF_NULL:
	case KILN_OP_REF_FUNC:
		if (d->elem_expr && (in->op == KILN_OP_REF_FUNC || in->u.reftype == KILN_FUNCREF))
			return true;
		/* fall through */
	case KILN_OP_SELECT_T:
	case KILN_OP_TABLE_GET:
	case KILN_OP_TABLE_SET:
	case KILN_OP_TABLE_GROW:
	case KILN_OP_TABLE_SIZE:
	case KILN_OP_TABLE_FILL:
	case KILN_OP_REF_IS_NULL:
		return fail_at(d, in->offset, "illegal opcode");
	case KILN_OP_CALL_INDIRECT:
	case KILN_OP_TABLE_INIT:
		if (!zero_byte_at(end))
			return fail_at(d, rd_offset(&d->r) - 1, "zero byte expected");
		return true;
	case KILN_OP_TABLE_COPY:
		if (!zero_byte_at(end) || !zero_byte_at(end - 1))
			return fail_at(d, rd_offset(&d->r) - 1, "zero byte expected");
		return true;
	default:
		if (krt_op_table[in->op].imm == KILN_IMM_BLOCKTYPE &&
		    is_reftype(in->u.blocktype + 0x80))
			return fail_at(d, in->offset + 1, "malformed value type");
		return true;
	}
}

/* Without multi-memory, an explicit memory index where 2.0 has a zero byte
 * is malformed as it was; one in a memarg is an alignment of 64 or more,
 * which the validator refuses as 2.0's does ("alignment must not be larger
 * than natural"). */
static bool has_memarg(kiln_op op)
{
	kiln_imm imm = (kiln_imm)krt_op_table[op].imm;

	return imm == KILN_IMM_MEMARG || imm == KILN_IMM_MEMARG_LANE;
}

/* Relaxed SIMD's instructions: the 0xfd codes past 2.0's last, 0xff. */
static bool is_relaxed_simd(kiln_op op)
{
	return krt_op_table[op].prefix == 0xfd && krt_op_table[op].code > 0xff;
}

/* Exception handling's instructions, and those naming exnref: a block
 * type, select's type, ref.null exn. */
static bool is_exceptions(const kiln_instr *in)
{
	switch (krt_op_table[in->op].imm) {
	case KILN_IMM_TAG:
	case KILN_IMM_TRY_TABLE:
		return true;
	case KILN_IMM_BLOCKTYPE:
		return in->op == KILN_OP_TRY || in->u.blocktype == KILN_EXNREF - 0x80;
	case KILN_IMM_SELECT_T:
		return memchr(in->u.vec.p, KILN_EXNREF, in->u.vec.n) != NULL;
	case KILN_IMM_REFTYPE:
		return in->u.reftype == KILN_EXNREF;
	default:
		return in->op == KILN_OP_THROW_REF || in->op == KILN_OP_CATCH_ALL ||
		       in->op == KILN_OP_DELEGATE || in->op == KILN_OP_RETHROW;
	}
}

/* Without the proposal its opcodes are illegal and exnref is no type, as
 * a 2.0 decoder has them: the value type (a block's, select's) is
 * malformed, ref.null's reference type is. */
static bool check_without_exceptions(decoder *d, const kiln_instr *in)
{
	switch (krt_op_table[in->op].imm) {
	case KILN_IMM_BLOCKTYPE:
		if (in->op != KILN_OP_TRY)
			return fail_at(d, in->offset + 1, "malformed value type");
		break;
	case KILN_IMM_SELECT_T:
		return fail_at(d, in->offset, "malformed value type");
	case KILN_IMM_REFTYPE:
		return fail_at(d, in->offset + 1, "malformed reference type");
	default:
		break;
	}
	return fail_at(d, in->offset, "illegal opcode");
}

/* Opens, switches or closes the blocks of try_table and the legacy try:
 * catch and catch_all only in a try (catch_all last), delegate in place of
 * a try's end before any catch. */
static bool nest_exceptions(decoder *d, const kiln_instr *in, size_t *depth)
{
	uint8_t *top = *depth ? &d->ctl[*depth - 1] : NULL;

	switch (in->op) {
	case KILN_OP_TRY:
	case KILN_OP_TRY_TABLE:
		return ctl_push(d, (*depth)++, in->op == KILN_OP_TRY ? CTL_TRY : CTL_BLOCK);
	case KILN_OP_CATCH:
	case KILN_OP_CATCH_ALL:
		if (top == NULL || (*top != CTL_TRY && *top != CTL_CATCH))
			return fail_at(d, in->offset, "END opcode expected");
		*top = in->op == KILN_OP_CATCH ? CTL_CATCH : CTL_CATCH_ALL;
		return true;
	case KILN_OP_DELEGATE:
		if (top == NULL || *top != CTL_TRY)
			return fail_at(d, in->offset, "END opcode expected");
		(*depth)--;
		return true;
	default:
		return true;
	}
}

/* Notes the proposal an instruction belongs to in the module's uses
 * (whether it may appear there is the validator's question). */
static void note_use(decoder *d, const kiln_instr *in)
{
	if (krt_op_table[in->op].prefix == 0xfe)
		d->m->uses |= KILN_FEATURE_THREADS;
	if (in->op == KILN_OP_RETURN_CALL || in->op == KILN_OP_RETURN_CALL_INDIRECT)
		d->m->uses |= KILN_FEATURE_TAIL_CALL;
	if (is_relaxed_simd(in->op))
		d->m->uses |= KILN_FEATURE_RELAXED_SIMD;
	if (in->mem || in->mem2)
		d->m->uses |= KILN_FEATURE_MULTI_MEMORY;
	if (is_exceptions(in))
		d->m->uses |= KILN_FEATURE_EXCEPTIONS;
	if (d->in_body)
		return;
	switch (in->op) {
	case KILN_OP_I32_ADD: case KILN_OP_I32_SUB: case KILN_OP_I32_MUL:
	case KILN_OP_I64_ADD: case KILN_OP_I64_SUB: case KILN_OP_I64_MUL:
		d->m->uses |= KILN_FEATURE_EXTENDED_CONST;
		break;
	default:
		break;
	}
}

/* Reads an expression up to and including its final `end`. */
static bool read_expr(decoder *d, kiln_range *out)
{
	size_t depth = 0, start = rd_offset(&d->r);
	uint32_t n = 0;
	kiln_instr in;

	for (;;) {
		if (!krt_rd_instr_offsets(&d->r, &in, d->memory64))
			return false;
		if ((!d->threads && krt_op_table[in.op].prefix == 0xfe) ||
		    (!d->tail_call && (in.op == KILN_OP_RETURN_CALL ||
				       in.op == KILN_OP_RETURN_CALL_INDIRECT)))
			return krt_fail(d->r.err, KILN_ERR_MALFORMED, in.offset, "illegal opcode");
		if (!d->relaxed_simd && is_relaxed_simd(in.op))
			return krt_fail(d->r.err, KILN_ERR_MALFORMED, in.offset, "illegal opcode");
		if (!d->reftypes && !check_without_reftypes(d, &in))
			return false;
		if (in.mem_explicit && !d->m->multi_memory && !has_memarg(in.op))
			return krt_fail(d->r.err, KILN_ERR_MALFORMED, in.offset,
					"zero byte expected");
		if (!d->exceptions && is_exceptions(&in))
			return check_without_exceptions(d, &in);
		if (!nest_exceptions(d, &in, &depth))
			return false;
		note_use(d, &in);
		n++;
		switch (in.op) {
		case KILN_OP_BLOCK:
		case KILN_OP_LOOP:
			if (!ctl_push(d, depth++, CTL_BLOCK))
				return false;
			break;
		case KILN_OP_IF:
			if (!ctl_push(d, depth++, CTL_IF))
				return false;
			break;
		case KILN_OP_ELSE:
			if (depth == 0 || d->ctl[depth - 1] != CTL_IF)
				return fail_at(d, in.offset, "END opcode expected");
			d->ctl[depth - 1] = CTL_ELSE;
			break;
		case KILN_OP_END:
			if (depth == 0) {
				/* A constant's stack never holds more values
				 * than it has instructions (its `end` aside). */
				if (!d->in_body && n - 1 > d->m->max_const_depth)
					d->m->max_const_depth = n - 1;
				out->off = (uint32_t)start;
				out->len = (uint32_t)(rd_offset(&d->r) - start);
				return true;
			}
			depth--;
			break;
		case KILN_OP_MEMORY_INIT:
		case KILN_OP_DATA_DROP:
			d->uses_data_index = true;
			break;
		case KILN_OP_BR_TABLE:
			if (in.u.vec.n > d->m->max_br_table)
				d->m->max_br_table = in.u.vec.n;
			break;
		default:
			break;
		}
	}
}

/* ------------------------------------------------------------- types */

/* Flags: bit 0 a maximum follows, bit 1 shared (threads), bit 2 an i64
 * index (memory64); bits 1 and 2 for memories only (`mem` NULL for
 * tables).  Without memory64, a 2-bit LEB128 in the reference
 * interpreter, so other bits are "integer too large" (bit 1 too, without
 * the threads feature: a 2.0 decoder's 1-bit flag); with memory64 the
 * flags are one byte, and any bit no enabled proposal gives them is
 * "malformed limits flags", as that proposal's tests say. */
static bool read_limit_flags(decoder *d, bool memory, uint64_t *flags)
{
	uint8_t b, known = 1;

	if (!d->memory64)
		return rd_leb(&d->r, memory && d->threads ? 2 : 1, false, flags);
	if (!rd_u8(&d->r, &b))
		return false;
	if (memory)
		known |= (d->threads ? 2 : 0) | 4;
	if (b & ~known)
		return fail_at(d, rd_offset(&d->r) - 1, "malformed limits flags");
	*flags = b;
	return true;
}

/* One bound: a u64 (a memory's, with memory64), else a u32. */
static bool read_bound(decoder *d, bool wide, uint64_t *out)
{
	uint32_t v;

	if (wide)
		return rd_u64(&d->r, out);
	if (!rd_u32(&d->r, &v))
		return false;
	*out = v;
	return true;
}

static bool read_limits(decoder *d, kiln_limits *lim, kiln_memtype *mem)
{
	uint64_t flags;
	bool wide;

	if (!read_limit_flags(d, mem != NULL, &flags))
		return false;
	wide = flags & 4;
	lim->has_max = flags & 1;
	if (mem) {
		mem->shared = flags & 2;
		mem->index64 = wide;
	}
	if (flags & 2)
		d->m->uses |= KILN_FEATURE_THREADS;
	if (wide)
		d->m->uses |= KILN_FEATURE_MEMORY64;
	/* With memory64 every memory's bounds are u64s (a 32-bit memory's
	 * range is the validator's: "memory size must be at most ..."). */
	wide = mem && d->memory64;
	return read_bound(d, wide, &lim->min) &&
	       (!lim->has_max || read_bound(d, wide, &lim->max));
}

/* A value type; without reference types a reference is none. */
static bool read_valtype(decoder *d, uint8_t *vt)
{
	if (!rd_valtype(&d->r, vt))
		return false;
	if ((!d->reftypes && is_reftype(*vt)) || (!d->exceptions && *vt == KILN_EXNREF))
		return fail_at(d, rd_offset(&d->r) - 1, "malformed value type");
	if (*vt == KILN_EXNREF)
		d->m->uses |= KILN_FEATURE_EXCEPTIONS;
	return true;
}

/* A reference type; without reference types only funcref (1.0's
 * elemtype) is one. */
static bool read_reftype(decoder *d, uint8_t *rt)
{
	if (!rd_reftype(&d->r, rt))
		return false;
	if ((!d->reftypes && *rt != KILN_FUNCREF) || (!d->exceptions && *rt == KILN_EXNREF))
		return fail_at(d, rd_offset(&d->r) - 1, "malformed reference type");
	if (*rt == KILN_EXNREF)
		d->m->uses |= KILN_FEATURE_EXCEPTIONS;
	return true;
}

static bool read_tabletype(decoder *d, kiln_tabletype *t)
{
	uint8_t rt;

	if (!read_reftype(d, &rt))
		return false;
	t->elem = (kiln_valtype)rt;
	return read_limits(d, &t->limits, NULL);
}

static bool read_globaltype(decoder *d, kiln_globaltype *t)
{
	uint8_t vt, mut;

	if (!read_valtype(d, &vt) || !rd_u8(&d->r, &mut))
		return false;
	if (mut > 1)
		return fail_at(d, rd_offset(&d->r) - 1, "malformed mutability");
	t->type = (kiln_valtype)vt;
	t->mutable_ = mut == 1;
	return true;
}

static bool read_valtypes(decoder *d, uint32_t *n, kiln_valtype **buf,
			  size_t *len, size_t *cap)
{
	uint8_t vt;

	if (!rd_u32(&d->r, n))
		return false;
	for (uint32_t i = 0; i < *n; i++) {
		if (!read_valtype(d, &vt))
			return false;
		if (!krt_grow((void **)buf, cap, *len + 1, sizeof **buf))
			return nomem(d);
		(*buf)[(*len)++] = (kiln_valtype)vt;
	}
	return true;
}

static bool sec_type(decoder *d, uint32_t count)
{
	kiln_module *m = d->m;
	size_t len = 0, cap = 0;
	uint64_t form;

	if (!(m->types = alloc_vec(d, count, sizeof *m->types)))
		return nomem(d);
	/* Params and results go to one array; pointers are fixed up after,
	 * since the array moves while it grows.  Offsets are kept in the
	 * pointer fields meanwhile (as indices). */
	for (uint32_t i = 0; i < count; i++) {
		kiln_functype *ft = &m->types[i];
		size_t p0, r0;

		/* The form is an s7: -0x20 encodes as 0x60. */
		if (!rd_leb(&d->r, 7, true, &form))
			return false;
		if ((int64_t)form != -0x20)
			return fail_at(d, rd_offset(&d->r) - 1, "malformed function type");
		p0 = len;
		if (!read_valtypes(d, &ft->nparams, &m->valtypes, &len, &cap))
			return false;
		r0 = len;
		if (!read_valtypes(d, &ft->nresults, &m->valtypes, &len, &cap))
			return false;
		ft->params = (const kiln_valtype *)(uintptr_t)p0;
		ft->results = (const kiln_valtype *)(uintptr_t)r0;
		m->ntypes = i + 1;
	}
	/* Offsets become pointers; no valtypes at all leaves them NULL (NULL +
	 * 0 is undefined behaviour). */
	for (uint32_t i = 0; m->valtypes && i < m->ntypes; i++) {
		kiln_functype *ft = &m->types[i];
		ft->params = m->valtypes + (uintptr_t)ft->params;
		ft->results = m->valtypes + (uintptr_t)ft->results;
	}
	return true;
}

/* --------------------------------------------------------- index spaces */

/* Grows an index-space array by one entry; returns the new entry. */
static void *space_push(decoder *d, void **arr, uint32_t *n, size_t size)
{
	/* The capacity is implicit: *n at a power of two (or 0) is full.
	 * Entries are counted against the input, so the doubling is bounded. */
	size_t cap = *n;

	if ((*n & (*n - 1)) == 0 && !krt_grow(arr, &cap, (size_t)*n + 1, size)) {
		nomem(d);
		return NULL;
	}
	void *e = (char *)*arr + (size_t)(*n)++ * size;
	memset(e, 0, size);
	return e;
}

#define PUSH(d, arr, n) space_push(d, (void **)&(arr), &(n), sizeof *(arr))

/* A tag: an attribute (0: an exception), then its type's index. */
static bool read_tag(decoder *d, bool imported)
{
	kiln_tag *t = PUSH(d, d->m->tags, d->m->ntags);
	uint8_t attr;

	if (t == NULL || !rd_u8(&d->r, &attr))
		return false;
	if (attr != 0)
		return fail_at(d, rd_offset(&d->r) - 1, "zero byte expected");
	t->imported = imported;
	d->m->uses |= KILN_FEATURE_EXCEPTIONS;
	return rd_u32(&d->r, &t->type_idx);
}

static bool read_import_desc(decoder *d, kiln_import *imp)
{
	kiln_module *m = d->m;
	uint8_t kind;

	if (!rd_u8(&d->r, &kind))
		return false;
	imp->kind = (kiln_extern_kind)kind;
	switch (kind) {
	case KILN_EXTERN_FUNC: {
		kiln_func *f = PUSH(d, m->funcs, m->nfuncs);
		if (f == NULL)
			return false;
		f->imported = true;
		imp->index = m->nfuncs - 1;
		return rd_u32(&d->r, &f->type_idx);
	}
	case KILN_EXTERN_TABLE: {
		kiln_table *t = PUSH(d, m->tables, m->ntables);
		if (t == NULL)
			return false;
		t->imported = true;
		imp->index = m->ntables - 1;
		return read_tabletype(d, &t->type);
	}
	case KILN_EXTERN_MEMORY: {
		kiln_memory *mem = PUSH(d, m->memories, m->nmemories);
		if (mem == NULL)
			return false;
		mem->imported = true;
		imp->index = m->nmemories - 1;
		return read_limits(d, &mem->type.limits, &mem->type);
	}
	case KILN_EXTERN_GLOBAL: {
		kiln_global *g = PUSH(d, m->globals, m->nglobals);
		if (g == NULL)
			return false;
		g->imported = true;
		imp->index = m->nglobals - 1;
		return read_globaltype(d, &g->type);
	}
	case KILN_EXTERN_TAG:
		if (d->exceptions) {
			imp->index = m->ntags;
			return read_tag(d, true);
		}
		/* fall through */
	default:
		return fail_at(d, rd_offset(&d->r) - 1, "malformed import kind");
	}
}

static bool sec_import(decoder *d, uint32_t count)
{
	kiln_module *m = d->m;

	if (!(m->imports = alloc_vec(d, count, sizeof *m->imports)))
		return nomem(d);
	for (uint32_t i = 0; i < count; i++) {
		kiln_import *imp = &m->imports[i];
		if (!rd_name(&d->r, &imp->module) || !rd_name(&d->r, &imp->name))
			return false;
		if (!read_import_desc(d, imp))
			return false;
		m->nimports = i + 1;
	}
	m->nimported_funcs = m->nfuncs;
	m->nimported_tables = m->ntables;
	m->nimported_memories = m->nmemories;
	m->nimported_globals = m->nglobals;
	m->nimported_tags = m->ntags;
	return true;
}

static bool sec_function(decoder *d, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		uint32_t type_idx;
		kiln_func *f;

		if (!rd_u32(&d->r, &type_idx))
			return false;
		if (!(f = PUSH(d, d->m->funcs, d->m->nfuncs)))
			return false;
		f->type_idx = type_idx;
		d->nfunc_decls = i + 1;
	}
	return true;
}

static bool sec_table(decoder *d, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		kiln_table *t = PUSH(d, d->m->tables, d->m->ntables);
		if (t == NULL || !read_tabletype(d, &t->type))
			return false;
	}
	return true;
}

static bool sec_memory(decoder *d, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		kiln_memory *mem = PUSH(d, d->m->memories, d->m->nmemories);
		if (mem == NULL || !read_limits(d, &mem->type.limits, &mem->type))
			return false;
	}
	return true;
}

/* A tag section, even an empty one, is a use of the proposal. */
static bool sec_tag(decoder *d, uint32_t count)
{
	d->m->uses |= KILN_FEATURE_EXCEPTIONS;
	for (uint32_t i = 0; i < count; i++)
		if (!read_tag(d, false))
			return false;
	return true;
}

static bool sec_global(decoder *d, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		kiln_global *g = PUSH(d, d->m->globals, d->m->nglobals);
		if (g == NULL || !read_globaltype(d, &g->type) ||
		    !read_expr(d, &g->init))
			return false;
	}
	return true;
}

static bool sec_export(decoder *d, uint32_t count)
{
	kiln_module *m = d->m;
	uint8_t kind;

	if (!(m->exports = alloc_vec(d, count, sizeof *m->exports)))
		return nomem(d);
	for (uint32_t i = 0; i < count; i++) {
		kiln_export *e = &m->exports[i];
		if (!rd_name(&d->r, &e->name) || !rd_u8(&d->r, &kind))
			return false;
		if (kind > (d->exceptions ? KILN_EXTERN_TAG : KILN_EXTERN_GLOBAL))
			return fail_at(d, rd_offset(&d->r) - 1, "malformed export kind");
		e->kind = (kiln_extern_kind)kind;
		if (kind == KILN_EXTERN_TAG)
			m->uses |= KILN_FEATURE_EXCEPTIONS;
		if (!rd_u32(&d->r, &e->index))
			return false;
		m->nexports = i + 1;
	}
	return true;
}

static bool sec_start(decoder *d)
{
	d->m->has_start = true;
	return rd_u32(&d->r, &d->m->start);
}

/* ------------------------------------------------------------ segments */

static bool read_elem_items(decoder *d, kiln_elem *e, bool exprs)
{
	uint32_t n;

	if (!rd_u32(&d->r, &n))
		return false;
	if (exprs ? !(e->exprs = alloc_vec(d, n, sizeof *e->exprs))
		  : !(e->funcs = alloc_vec(d, n, sizeof *e->funcs)))
		return nomem(d);
	for (uint32_t i = 0; i < n; i++) {
		bool ok;
		d->elem_expr = exprs;
		ok = exprs ? read_expr(d, &e->exprs[i]) : rd_u32(&d->r, &e->funcs[i]);
		d->elem_expr = false;
		if (!ok)
			return false;
		e->count = i + 1;
	}
	return true;
}

static bool read_elem_kind(decoder *d, kiln_elem *e)
{
	uint8_t kind;

	if (!rd_u8(&d->r, &kind))
		return false;
	if (kind != 0)
		return fail_at(d, rd_offset(&d->r) - 1, "malformed element kind");
	e->type = KILN_FUNCREF;
	return true;
}

/* Element segment flags (bit 0: passive or declarative, bit 1: explicit
 * table index / declarative, bit 2: expressions instead of indices). */
static bool read_elem(decoder *d, kiln_elem *e)
{
	uint32_t flags;
	size_t at = rd_offset(&d->r);
	bool exprs;

	if (!rd_u32(&d->r, &flags))
		return false;
	if (flags > 7)
		return fail_at(d, at, "malformed elements segment kind");
	exprs = flags & 4;
	e->type = KILN_FUNCREF;
	if (flags & 1)
		e->mode = flags & 2 ? KILN_SEG_DECLARATIVE : KILN_SEG_PASSIVE;
	else
		e->mode = KILN_SEG_ACTIVE;
	if ((flags & 3) == 2 && !rd_u32(&d->r, &e->table))
		return false;
	if (!(flags & 1) && !read_expr(d, &e->offset))
		return false;
	if (flags & 3) {
		uint8_t rt;
		if (exprs ? !read_reftype(d, &rt) : !read_elem_kind(d, e))
			return false;
		if (exprs)
			e->type = rt;
	}
	return read_elem_items(d, e, exprs);
}

static bool sec_elem(decoder *d, uint32_t count)
{
	kiln_module *m = d->m;

	if (!(m->elems = alloc_vec(d, count, sizeof *m->elems)))
		return nomem(d);
	for (uint32_t i = 0; i < count; i++) {
		m->nelems = i + 1;
		if (!read_elem(d, &m->elems[i]))
			return false;
	}
	return true;
}

static bool read_data(decoder *d, kiln_data *s)
{
	uint32_t flags, len;
	size_t at = rd_offset(&d->r);
	const uint8_t *bytes;

	if (!rd_u32(&d->r, &flags))
		return false;
	if (flags > 2)
		return fail_at(d, at, "malformed data segment kind");
	s->mode = flags == 1 ? KILN_SEG_PASSIVE : KILN_SEG_ACTIVE;
	if (flags == 2 && !rd_u32(&d->r, &s->memory))
		return false;
	if (flags != 1 && !read_expr(d, &s->offset))
		return false;
	if (!rd_len32(&d->r, &len) || !rd_bytes(&d->r, len, &bytes))
		return false;
	s->init.off = (uint32_t)(bytes - d->r.base);
	s->init.len = len;
	return true;
}

static bool sec_data(decoder *d, uint32_t count)
{
	kiln_module *m = d->m;

	d->has_data_section = true;
	if (!(m->datas = alloc_vec(d, count, sizeof *m->datas)))
		return nomem(d);
	for (uint32_t i = 0; i < count; i++) {
		if (!read_data(d, &m->datas[i]))
			return false;
		m->ndatas = i + 1;
	}
	return true;
}

static bool sec_datacount(decoder *d)
{
	d->m->has_data_count = true;
	return rd_u32(&d->r, &d->m->data_count);
}

/* ---------------------------------------------------------------- code */

static bool read_locals(decoder *d, kiln_func *f)
{
	uint32_t nruns;
	size_t at = rd_offset(&d->r);

	if (!rd_u32(&d->r, &nruns))
		return false;
	if (!(f->runs = alloc_vec(d, nruns, sizeof *f->runs)))
		return nomem(d);
	for (uint32_t i = 0; i < nruns; i++) {
		kiln_local_run *run = &f->runs[i];
		if (!rd_u32(&d->r, &run->count) || !read_valtype(d, &run->type))
			return false;
		f->nruns = i + 1;
		f->nlocals += run->count;
		if (f->nlocals > UINT32_MAX)
			return fail_at(d, at, "too many locals");
	}
	return true;
}

static bool sec_code(decoder *d, uint32_t count)
{
	kiln_module *m = d->m;

	if (count != d->nfunc_decls)
		return fail_at(d, rd_offset(&d->r),
			       "function and code section have inconsistent lengths");
	for (uint32_t i = 0; i < count; i++) {
		kiln_func *f = &m->funcs[m->nimported_funcs + i];
		uint32_t size;
		size_t start;
		bool ok;

		if (!rd_len32(&d->r, &size))
			return false;
		start = rd_offset(&d->r);
		f->code_size = size;
		if (!read_locals(d, f))
			return false;
		if (d->trusted) {
			/* Decoded and validated when the artifact was made. */
			size_t at = rd_offset(&d->r);
			if (at > start + size)
				return fail_at(d, start, "section size mismatch");
			f->body = (kiln_range){(uint32_t)at, (uint32_t)(start + size - at)};
			d->r.p = d->r.base + start + size;
		} else {
			d->in_body = true;
			ok = read_expr(d, &f->body);
			d->in_body = false;
			if (!ok)
				return false;
		}
		if (rd_offset(&d->r) != start + size)
			return fail_at(d, start, "section size mismatch");
		d->ncode = i + 1;
	}
	return true;
}

/* ------------------------------------------------------ custom sections */

/* The `name` section is read leniently: a malformed one is ignored, as the
 * spec allows for any custom section (appendix, "Custom Sections"). */
static void read_name_section(decoder *d, const uint8_t *p, const uint8_t *end)
{
	kiln_module *m = d->m;
	kiln_error ignored;
	kiln_reader r = {d->r.base, p, end, &ignored};
	kiln_func_name *names = NULL;
	uint8_t id;
	uint32_t size, n = 0;

	/* A second `name` section (custom sections may repeat) changes
	 * nothing: the first one's names stay. */
	if (m->func_names != NULL)
		return;
	while (!rd_eof(&r)) {
		if (!rd_u8(&r, &id) || !rd_u32(&r, &size) ||
		    size > (size_t)(r.end - r.p))
			goto fail;
		kiln_reader sub = {r.base, r.p, r.p + size, &ignored};
		r.p += size;
		if (id == 0 && !rd_name(&sub, &m->name))
			goto fail;
		if (id != 1 || names != NULL)
			continue;
		if (!rd_u32(&sub, &n) || n > size)
			goto fail;
		if (!(names = krt_calloc(n, sizeof *names)))
			goto fail;
		for (uint32_t i = 0; i < n; i++) {
			if (!rd_u32(&sub, &names[i].index) ||
			    !rd_name(&sub, &names[i].name) ||
			    (i > 0 && names[i].index <= names[i - 1].index))
				goto fail;
		}
	}
	m->func_names = names;
	m->nfunc_names = n;
	return;
fail:
	free(names);
	m->name = (kiln_name){NULL, 0};
}

static bool sec_custom(decoder *d, kiln_section_info *info)
{
	size_t end = info->offset + info->size;

	if (!rd_name(&d->r, &info->name))
		return false;
	/* The size may overrun the module by its own length (see rd_len32);
	 * skipping the contents then runs off the end. */
	if (rd_offset(&d->r) > end || end > d->m->size)
		return fail_at(d, rd_offset(&d->r), "unexpected end of section or function");
	if (info->name.len == 4 && memcmp(info->name.data, "name", 4) == 0)
		read_name_section(d, d->r.p, d->r.base + end);
	d->r.p = d->r.base + end;
	return true;
}

/* ------------------------------------------------------------- module */

static bool read_section_body(decoder *d, kiln_section_info *info)
{
	uint32_t count = 0;
	bool ok;

	if (info->id == 0)
		return sec_custom(d, info);
	if (info->id == 8)
		return sec_start(d);
	if (info->id == 12)
		return sec_datacount(d);
	if (!rd_u32(&d->r, &count))
		return false;
	info->count = count;
	switch (info->id) {
	case 1: ok = sec_type(d, count); break;
	case 2: ok = sec_import(d, count); break;
	case 3: ok = sec_function(d, count); break;
	case 4: ok = sec_table(d, count); break;
	case 5: ok = sec_memory(d, count); break;
	case 6: ok = sec_global(d, count); break;
	case 7: ok = sec_export(d, count); break;
	case 9: ok = sec_elem(d, count); break;
	case 10: ok = sec_code(d, count); break;
	case SEC_TAG: ok = sec_tag(d, count); break;
	default: ok = sec_data(d, count); break;
	}
	return ok;
}

static bool add_section(decoder *d, kiln_section_info **out)
{
	kiln_module *m = d->m;

	*out = PUSH(d, m->sections, m->nsections);
	return *out != NULL;
}

static bool read_section(decoder *d, uint8_t *last_rank)
{
	kiln_section_info *info;
	uint8_t id;
	uint32_t size;
	size_t start;

	if (!rd_u8(&d->r, &id))
		return false;
	if (id >= KILN_ARRAY_LEN(section_rank) || (id == SEC_TAG && !d->exceptions))
		return fail_at(d, rd_offset(&d->r) - 1, "malformed section id");
	if (id != 0) {
		if (section_rank[id] <= *last_rank)
			return fail_at(d, rd_offset(&d->r) - 1,
				       "unexpected content after last section");
		*last_rank = section_rank[id];
	}
	if (!rd_len32(&d->r, &size) || !add_section(d, &info))
		return false;
	start = rd_offset(&d->r);
	info->id = id;
	info->name = (kiln_name){section_names[id], strlen(section_names[id])};
	info->offset = start;
	info->size = size;
	if (!read_section_body(d, info))
		return false;
	if (rd_offset(&d->r) != start + size)
		return fail_at(d, start, "section size mismatch");
	return true;
}

static bool read_header(decoder *d)
{
	static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
	static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};

	if (remaining(d) < 4)
		return fail_at(d, 0, "unexpected end");
	if (memcmp(d->r.p, magic, 4) != 0)
		return fail_at(d, 0, "magic header not detected");
	d->r.p += 4;
	if (remaining(d) < 4)
		return fail_at(d, 4, "unexpected end");
	if (memcmp(d->r.p, version, 4) != 0)
		return fail_at(d, 4, "unknown binary version");
	d->r.p += 4;
	return true;
}

static bool check_module(decoder *d)
{
	kiln_module *m = d->m;
	size_t end = m->size;

	if (d->nfunc_decls != d->ncode)
		return fail_at(d, end, "function and code section have inconsistent lengths");
	if (m->has_data_count && m->data_count != m->ndatas)
		return fail_at(d, end, "data count and data section have inconsistent lengths");
	/* Code naming data segments needs a data count section.  A module
	 * with no data section at all is left to the validator, which
	 * rejects it as "unknown data segment": it is wrong either way, and
	 * wabt's encoder omits the data count section when there is no
	 * data, so that is the error its users expect. */
	if (!m->has_data_count && d->uses_data_index && d->has_data_section)
		return fail_at(d, end, "data count section required");
	return true;
}

static bool decode(decoder *d)
{
	uint8_t last_rank = 0;

	if (!read_header(d))
		return false;
	while (!rd_eof(&d->r))
		if (!read_section(d, &last_rank))
			return false;
	return check_module(d);
}

static kiln_status decode_bytes(const uint8_t *bytes, size_t len, bool trusted,
				const kiln_module_limits *limits, uint32_t features,
				kiln_module **out_module, kiln_error *err);

/* What a decoded module gets besides its description: an identity never
 * reused (0 is none) and its compiled code, empty.  The only writes of
 * m->id and m->code. */
static bool identify(kiln_module *m, kiln_error *err)
{
	static _Atomic uint64_t last_id;

	m->id = atomic_fetch_add_explicit(&last_id, 1, memory_order_relaxed) + 1;
	if (!(m->code = krt_code_new(m->nfuncs, m->nimported_funcs)))
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	return true;
}

kiln_status kiln_module_decode(const uint8_t *bytes, size_t len,
			       kiln_module **out_module, kiln_error *err)
{
	return decode_bytes(bytes, len, false, NULL, KILN_FEATURES_DEFAULT, out_module, err);
}

kiln_status kiln_module_decode_limited(const uint8_t *bytes, size_t len,
				       const kiln_module_limits *limits,
				       kiln_module **out_module, kiln_error *err)
{
	return decode_bytes(bytes, len, false, limits, KILN_FEATURES_DEFAULT, out_module, err);
}

kiln_status kiln_module_decode_features(const uint8_t *bytes, size_t len,
					const kiln_module_limits *limits, uint32_t features,
					kiln_module **out_module, kiln_error *err)
{
	return decode_bytes(bytes, len, false, limits, features, out_module, err);
}

/* Artifacts were checked against the limits of the engine that made them. */
kiln_status kiln_module_decode_trusted(const uint8_t *bytes, size_t len,
				       kiln_module **out_module, kiln_error *err)
{
	return decode_bytes(bytes, len, true, NULL,
			    KRT_FEATURES_BUILT & ~KILN_FEATURE_NO_REFERENCE_TYPES, out_module, err);
}

/* Limits are checked once the module is decoded: decoding is linear in the
 * input and allocates no more than it (see the top of this file), and what
 * a module declares costs only later, in compiling and instantiating. */
static kiln_status decode_bytes(const uint8_t *bytes, size_t len, bool trusted,
				const kiln_module_limits *limits, uint32_t features,
				kiln_module **out_module, kiln_error *err)
{
	decoder d = {0};
	kiln_error local;
	kiln_module *m;
	kiln_status st;

	*out_module = NULL;
	if (bytes == NULL && len > 0)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET, "no bytes");
	if (len > UINT32_MAX)
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "modules larger than 4 GiB are not supported");
	if (!(m = calloc(1, sizeof *m)) || !(m->bytes = malloc(len ? len : 1))) {
		free(m);
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	}
	if (len)
		memcpy(m->bytes, bytes, len);
	m->size = len;
	d.m = m;
	d.trusted = trusted;
	d.threads = features & KILN_FEATURE_THREADS;
	d.relaxed_simd = features & KILN_FEATURE_RELAXED_SIMD;
	d.reftypes = !(features & KILN_FEATURE_NO_REFERENCE_TYPES);
	m->no_reference_types = !d.reftypes;
	m->multi_memory = trusted || (features & KILN_FEATURE_MULTI_MEMORY);
	d.tail_call = features & KILN_FEATURE_TAIL_CALL;
	d.memory64 = features & KILN_FEATURE_MEMORY64;
	d.exceptions = features & KILN_FEATURE_EXCEPTIONS;
	m->features = features;
	/* Decoding needs the status even when the caller doesn't. */
	d.r = (kiln_reader){m->bytes, m->bytes, m->bytes + len,
			    err ? err : &local};
	if (krt_features_check(features, d.r.err) && decode(&d) &&
	    (trusted || krt_module_check_limits(m, limits, d.r.err) == KILN_OK) &&
	    identify(m, d.r.err)) {
		if (m->nmemories > 1)
			m->uses |= KILN_FEATURE_MULTI_MEMORY;
		*out_module = m;
		st = KILN_OK;
	} else {
		st = d.r.err->status;
		kiln_module_delete(m);
	}
	free(d.ctl);
	return st;
}
