/*
 * objlines.c — an object's line table (.debug_line, DWARF 2 to 4) turned
 * into kiln's per-function maps from code to wasm offsets (runtime/lines.h).
 *
 * Lowering gives every instruction a debug location whose line is its wasm
 * instruction's module offset (lower_lines), so LLVM's line table says,
 * through every optimisation, which wasm instruction each range of code
 * came from.  LLVM's C API reads no DWARF: this reads the line program of
 * a relocatable ELF object, its DW_LNE_set_address operands resolved by
 * .rela.debug_line against the code sections, and cuts the rows by the
 * object's function symbols.  Anything it does not understand makes it
 * give up on the object (no map: offsets unknown), never guess.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "objlines.h"

/* DWARF's line program opcodes (DWARF 4, 6.2.5). */
enum {
	DW_LNS_copy = 1, DW_LNS_advance_pc, DW_LNS_advance_line, DW_LNS_set_file,
	DW_LNS_set_column, DW_LNS_negate_stmt, DW_LNS_set_basic_block, DW_LNS_const_add_pc,
	DW_LNS_fixed_advance_pc,
	DW_LNE_end_sequence = 1, DW_LNE_set_address,
};

typedef struct row {
	uint32_t shndx;			/* the code section */
	uint64_t addr;			/* in it */
	uint32_t line;			/* 0: none (a sequence's end too) */
} row;

typedef struct rows {
	row *r;
	size_t n, cap;
	bool bad;
} rows;

typedef struct elf {
	const uint8_t *p;
	size_t len;
	const Elf64_Shdr *sh;
	unsigned nsh;
} elf;

/* A cursor over [p, end); `bad` once it ran past. */
typedef struct cur {
	const uint8_t *p, *end;
	bool bad;
} cur;

static uint64_t get(cur *c, unsigned n)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static uint64_t uleb(cur *c)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b = (uint8_t)get(c, 1);
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80) || c->bad)
			return v;
	}
	c->bad = true;
	return v;
}

static int64_t sleb(cur *c)
{
	int64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = (uint8_t)get(c, 1);
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
	} while ((b & 0x80) && !c->bad && shift < 70);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

static const Elf64_Shdr *section(const elf *e, unsigned i)
{
	const Elf64_Shdr *s = i < e->nsh ? &e->sh[i] : NULL;

	if (s == NULL || s->sh_type == SHT_NOBITS || s->sh_offset > e->len ||
	    s->sh_size > e->len - s->sh_offset)
		return NULL;
	return s;
}

static const char *section_name(const elf *e, unsigned i)
{
	const Elf64_Ehdr *eh = (const void *)e->p;
	const Elf64_Shdr *str = section(e, eh->e_shstrndx);

	if (str == NULL || i >= e->nsh || e->sh[i].sh_name >= str->sh_size ||
	    memchr(e->p + str->sh_offset + e->sh[i].sh_name, 0,
		   str->sh_size - e->sh[i].sh_name) == NULL)
		return "";
	return (const char *)e->p + str->sh_offset + e->sh[i].sh_name;
}

static void add_row(rows *rs, uint32_t shndx, uint64_t addr, uint32_t line)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 64;
		row *r = realloc(rs->r, cap * sizeof *r);
		if (r == NULL) {
			rs->bad = true;
			return;
		}
		rs->r = r;
		rs->cap = cap;
	}
	rs->r[rs->n++] = (row){shndx, addr, line};
}

/* A row's line: its offset, or 0 (none) out of range. */
static uint32_t line_of(int64_t line)
{
	return line > 0 && line <= UINT32_MAX ? (uint32_t)line : 0;
}

/* The code section and address a DW_LNE_set_address operand at `at` in
 * .debug_line (index dl) names: its R_X86_64_64 relocation's symbol and
 * addend.  false when it has none. */
static bool resolve(const elf *e, unsigned dl, uint64_t at, uint32_t *shndx, uint64_t *addr)
{
	for (unsigned i = 0; i < e->nsh; i++) {
		const Elf64_Shdr *rs = section(e, i), *st;
		if (rs == NULL || rs->sh_type != SHT_RELA || rs->sh_info != dl ||
		    (st = section(e, rs->sh_link)) == NULL || st->sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Rela *r = (const void *)(e->p + rs->sh_offset);
		const Elf64_Sym *sym = (const void *)(e->p + st->sh_offset);
		size_t nsym = st->sh_size / sizeof *sym;
		for (size_t k = 0; k < rs->sh_size / sizeof *r; k++) {
			if (r[k].r_offset != at)
				continue;
			if (ELF64_R_TYPE(r[k].r_info) != R_X86_64_64 ||
			    ELF64_R_SYM(r[k].r_info) >= nsym)
				return false;
			const Elf64_Sym *s = &sym[ELF64_R_SYM(r[k].r_info)];
			if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE)
				return false;
			*shndx = s->st_shndx;
			*addr = s->st_value + (uint64_t)r[k].r_addend;
			return true;
		}
	}
	return false;
}

/* One line program (a unit of .debug_line, from c->p to its end): its
 * rows appended to rs.  false when it is not one this reads. */
static bool program(const elf *e, unsigned dl, const uint8_t *base, cur *c, rows *rs)
{
	uint64_t unit = get(c, 4);
	if (c->bad || unit >= 0xfffffff0u || unit > (uint64_t)(c->end - c->p))
		return false;	/* 64-bit DWARF: not emitted for kiln's objects */
	cur u = {c->p, c->p + unit, false};
	c->p = u.end;
	unsigned version = (unsigned)get(&u, 2);
	uint64_t hlen = get(&u, 4);
	if (u.bad || version < 2 || version > 4 || hlen > (uint64_t)(u.end - u.p))
		return false;
	const uint8_t *prog = u.p + hlen;
	unsigned min_inst = (unsigned)get(&u, 1);
	if (version >= 4 && get(&u, 1) != 1)
		return false;	/* VLIW operations */
	get(&u, 1);		/* default_is_stmt */
	int line_base = (int8_t)get(&u, 1);
	unsigned line_range = (unsigned)get(&u, 1), opbase = (unsigned)get(&u, 1);
	if (u.bad || line_range == 0 || opbase == 0 || u.p > prog ||
	    (size_t)(prog - u.p) < opbase - 1)
		return false;
	const uint8_t *lengths = u.p;
	u.p = prog;

	uint32_t shndx = 0;
	uint64_t addr = 0;
	int64_t line = 1;
	bool have = false;	/* set_address seen in this sequence */
	while (u.p < u.end && !u.bad && !rs->bad) {
		unsigned op = (unsigned)get(&u, 1);
		if (op >= opbase) {
			unsigned adj = op - opbase;
			addr += (adj / line_range) * min_inst;
			line += line_base + (int)(adj % line_range);
			if (have)
				add_row(rs, shndx, addr, line_of(line));
			continue;
		}
		switch (op) {
		case 0: {	/* extended */
			uint64_t n = uleb(&u);
			if (u.bad || n == 0 || n > (uint64_t)(u.end - u.p))
				return false;
			const uint8_t *next = u.p + n;
			unsigned sub = (unsigned)get(&u, 1);
			if (sub == DW_LNE_end_sequence) {
				if (have)
					add_row(rs, shndx, addr, 0);
				addr = 0, line = 1, have = false;
			} else if (sub == DW_LNE_set_address) {
				uint64_t at = (uint64_t)(u.p - base);
				if (n != 9 || !resolve(e, dl, at, &shndx, &addr))
					return false;
				have = true;
			}
			u.p = next;
			break;
		}
		case DW_LNS_copy:
			if (have)
				add_row(rs, shndx, addr, line_of(line));
			break;
		case DW_LNS_advance_pc: addr += uleb(&u) * min_inst; break;
		case DW_LNS_advance_line: line += sleb(&u); break;
		case DW_LNS_const_add_pc: addr += ((255 - opbase) / line_range) * min_inst; break;
		case DW_LNS_fixed_advance_pc: addr += get(&u, 2); break;
		default:	/* operands of their own: ULEBs, as many as it says */
			for (unsigned k = 0; k < lengths[op - 1]; k++)
				uleb(&u);
			break;
		}
	}
	return !u.bad && !rs->bad;
}

static int by_place(const void *a, const void *b)
{
	const row *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The map of the function at [lo, lo + size) of section shndx from rows
 * (sorted by place): an entry where the line changes, the last at its
 * end.  NULL when out of memory or the rows do not cover its start. */
static krt_lines *function_lines(const rows *rs, uint32_t shndx, uint64_t lo, uint64_t size)
{
	krt_lines *t = malloc(sizeof *t + (rs->n + 1) * sizeof t->e[0]);
	uint32_t line = 0;

	if (t == NULL)
		return NULL;
	t->n = 0;
	for (size_t k = 0; k < rs->n; k++) {
		const row *r = &rs->r[k];
		if (r->shndx != shndx || r->addr >= lo + size || r->addr < lo)
			continue;
		uint32_t pc = (uint32_t)(r->addr - lo);
		/* Of rows at one address, the last one holds. */
		if (t->n > 0 && t->e[t->n - 1].pc == pc) {
			t->n--;
			line = t->n > 0 ? t->e[t->n - 1].offset : 0;
		}
		if (t->n == 0 || r->line != line)
			t->e[t->n++] = (krt_line){pc, r->line};
		line = r->line;
	}
	t->e[t->n++] = (krt_line){(uint32_t)size, 0};
	return t;
}

/* The relocatable x86-64 ELF object [p, p + len), if it is one. */
static bool open_elf(elf *e, const uint8_t *p, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)p;

	if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL ||
	    eh->e_machine != EM_X86_64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > len || eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		return false;
	*e = (elf){p, len, (const void *)(p + eh->e_shoff), eh->e_shnum};
	return true;
}

bool obj_lines(const uint8_t *p, size_t len, obj_lines_fn *found, void *ctx)
{
	elf e;
	rows rs = {0};
	unsigned dl = 0;
	bool ok = true;

	if (!open_elf(&e, p, len))
		return false;
	for (unsigned i = 1; i < e.nsh && !dl; i++)
		if (section(&e, i) && e.sh[i].sh_type == SHT_PROGBITS &&
		    !strcmp(section_name(&e, i), ".debug_line"))
			dl = i;
	if (!dl)
		return false;
	cur c = {p + e.sh[dl].sh_offset, p + e.sh[dl].sh_offset + e.sh[dl].sh_size, false};
	while (ok && c.p < c.end)
		ok = program(&e, dl, p + e.sh[dl].sh_offset, &c, &rs);
	if (ok && rs.n > 0)	/* qsort wants an array */
		qsort(rs.r, rs.n, sizeof *rs.r, by_place);
	for (unsigned i = 0; ok && i < e.nsh; i++) {
		const Elf64_Shdr *st = section(&e, i), *str;
		if (st == NULL || st->sh_type != SHT_SYMTAB ||
		    (str = section(&e, st->sh_link)) == NULL)
			continue;
		const Elf64_Sym *sym = (const void *)(p + st->sh_offset);
		for (size_t k = 0; ok && k < st->sh_size / sizeof *sym; k++) {
			const Elf64_Sym *s = &sym[k];
			if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
			    s->st_shndx >= SHN_LORESERVE || s->st_size > UINT32_MAX ||
			    s->st_name >= str->sh_size ||
			    !memchr(p + str->sh_offset + s->st_name, 0, str->sh_size - s->st_name))
				continue;
			krt_lines *t = function_lines(&rs, s->st_shndx, s->st_value, s->st_size);
			ok = t != NULL;
			if (ok)
				found(ctx, (const char *)p + str->sh_offset + s->st_name, t);
		}
	}
	free(rs.r);
	return ok;
}

/* Whether section i is debug information or its relocations: unallocated
 * and named .debug_*, or relocating such a section. */
static bool is_debug(const elf *e, unsigned i)
{
	const Elf64_Shdr *s = &e->sh[i];

	if (s->sh_flags & SHF_ALLOC)
		return false;
	if (s->sh_type == SHT_RELA || s->sh_type == SHT_REL)
		return s->sh_info < e->nsh && s->sh_info != i && is_debug(e, s->sh_info);
	return !strncmp(section_name(e, i), ".debug_", 7);
}

static int by_offset(const void *a, const void *b)
{
	const Elf64_Shdr *x = *(Elf64_Shdr *const *)a, *y = *(Elf64_Shdr *const *)b;

	return (x->sh_offset > y->sh_offset) - (x->sh_offset < y->sh_offset);
}

/* Lays the kept sections of e out again from the ELF header on, in the
 * order they lie: sh (a copy of e's headers) gets their new offsets, debug
 * sections size 0, order the kept ones by old offset (*n of them).  An
 * aligned section starting at or past the new end lands at or before its
 * place, so that each moves down.  The new end (8-aligned, where the
 * section headers go), or 0 for a layout it cannot make. */
static size_t new_layout(const elf *e, Elf64_Shdr *sh, Elf64_Shdr **order, size_t *n)
{
	size_t at = sizeof(Elf64_Ehdr);

	*n = 0;
	for (unsigned i = 1; i < e->nsh; i++) {
		if (is_debug(e, i))
			sh[i].sh_size = 0;
		else if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_size > 0) {
			if (section(e, i) == NULL)
				return 0;
			order[(*n)++] = &sh[i];
		}
	}
	if (*n > 0)
		qsort(order, *n, sizeof *order, by_offset);
	for (size_t k = 0; k < *n; k++) {
		uint64_t a = order[k]->sh_addralign ? order[k]->sh_addralign : 1;
		at = (at + a - 1) & ~(size_t)(a - 1);
		if ((a & (a - 1)) || order[k]->sh_offset % a || at > order[k]->sh_offset)
			return 0;
		at += order[k]->sh_size;
	}
	/* Empty sections point at the end, aligned as a reader may ask. */
	at = (at + 7) & ~(size_t)7;
	for (unsigned i = 1; i < e->nsh; i++)
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_size == 0)
			sh[i].sh_offset = at;
	return at;
}

size_t obj_strip_debug(uint8_t *p, size_t len)
{
	elf e;
	Elf64_Shdr *sh = NULL, **order = NULL;
	size_t end = 0, n = 0, at = sizeof(Elf64_Ehdr);

	if (open_elf(&e, p, len) && e.nsh > 0 && (sh = malloc(e.nsh * sizeof *sh)) &&
	    (order = malloc(e.nsh * sizeof *order))) {
		memcpy(sh, e.sh, e.nsh * sizeof *sh);
		end = new_layout(&e, sh, order, &n);
	}
	if (end == 0 || end + e.nsh * sizeof *sh > len)
		goto out;
	for (size_t k = 0; k < n; k++) {
		Elf64_Shdr *s = order[k];
		uint64_t a = s->sh_addralign ? s->sh_addralign : 1;
		at = (at + a - 1) & ~(size_t)(a - 1);
		memmove(p + at, p + s->sh_offset, s->sh_size);
		s->sh_offset = at;
		at += s->sh_size;
	}
	memcpy(p + end, sh, e.nsh * sizeof *sh);
	((Elf64_Ehdr *)(void *)p)->e_shoff = end;
	len = end + e.nsh * sizeof *sh;
out:
	free(sh);
	free(order);
	return len;
}
