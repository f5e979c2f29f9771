/*
 * aot_load.c — loading a .kwasm artifact without LLVM and without dlopen.
 *
 * The header and every range are checked (artifact.c); the kiln and
 * LLVM versions and the CPU features the code needs are checked against
 * this machine; the module is decoded from its bytes, and its ELF objects
 * (one per part compiled in parallel) are linked by hand: every allocated
 * section of every object is copied into one private mapping (all code
 * first), the x86-64 relocations R_X86_64_PC32, _PLT32 and _64 are
 * applied — anything else is refused by name — undefined symbols resolve
 * to the bodies of other parts or from a fixed table of libcalls, code is
 * made read-execute and registered with the trap handler, and the
 * function bodies and trampolines are found by name: they are the entries
 * of the module's code (code.h), which this file is one of the two
 * producers of; each function gets the trampoline of its signature
 * (krt_tramp_name: one per signature in the artifact, shared); the code
 * is published once everything is linked.
 * Every offset, size and index in the objects is checked before use, and
 * every symbol lies inside its section; the module's SHA-256 must be the
 * header's, and every index the runtime takes from it is checked
 * (aot_check.c).  This guards against damaged files, not malicious ones:
 * an artifact is native code, trusted as a shared library is.  Signatures
 * (signature.c) tell an artifact one built from any other.
 */
#include <elf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "artifact.h"
#include "cpu.h"
#include "lines.h"
#include "module.h"
#include "perfmap.h"
#include "exception.h"
#include "trap.h"

typedef struct aot_image {
	uint8_t *base;
	size_t len, code_len;
	/* The artifact's lines (artifact.h), checked: own function i's
	 * entries are line[start[i - nimported] .. start[i - nimported + 1]);
	 * NULL: none. */
	uint32_t *start;
	krt_line *line;
	/* The objects' unwind tables (.eh_frame), registered with the
	 * unwinder while the image lives: exceptions unwind through its
	 * code (exception.h). */
	uint8_t **eh;
	uint32_t neh;
} aot_image;

/* libgcc's registry of unwind tables (a section ending in a zero word). */
extern void __register_frame(void *begin);
extern void __deregister_frame(void *begin);

/* The trampolines "T<sig>" the objects define, sorted by name once all are
 * found.  Names point into the objects' string tables. */
typedef struct tramp_sym {
	const char *name;
	void *addr;
} tramp_sym;

typedef struct tramp_set {
	tramp_sym *syms;
	size_t n, cap;
} tramp_set;

/* One of the artifact's objects, as it is linked. */
typedef struct elf {
	const uint8_t *p;
	size_t len;
	uint8_t *copy;		/* p, 8-byte aligned, if the artifact's was not */
	uint8_t **sec_addr;	/* per section: where it was placed, or NULL */
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strtab;
	size_t strtab_len;
} elf;

static bool bad(kiln_error *err, const char *what)
{
	return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET, "artifact object: %s", what);
}

static bool fits(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

static bool parse_elf(elf *e, kiln_error *err)
{
	if (e->len < sizeof(Elf64_Ehdr))
		return bad(err, "truncated ELF header");
	e->eh = (const Elf64_Ehdr *)e->p;
	if (memcmp(e->eh->e_ident, ELFMAG, SELFMAG) || e->eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    e->eh->e_ident[EI_DATA] != ELFDATA2LSB || e->eh->e_type != ET_REL ||
	    e->eh->e_machine != EM_X86_64)
		return bad(err, "not an x86-64 relocatable ELF object");
	if (e->eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !fits(e->eh->e_shoff, (uint64_t)e->eh->e_shnum * sizeof(Elf64_Shdr), e->len) ||
	    (e->eh->e_shoff & 7))
		return bad(err, "section headers out of bounds");
	e->sh = (const Elf64_Shdr *)(e->p + e->eh->e_shoff);
	for (unsigned i = 0; i < e->eh->e_shnum; i++) {
		const Elf64_Shdr *s = &e->sh[i];
		if (s->sh_type != SHT_NOBITS && !fits(s->sh_offset, s->sh_size, e->len))
			return bad(err, "section out of bounds");
		if (s->sh_type == SHT_SYMTAB) {
			/* The string table must be one (SHT_NOBITS would skip the
			 * bounds check above: found by fuzz_artifact). */
			if (s->sh_entsize != sizeof(Elf64_Sym) || s->sh_link >= e->eh->e_shnum ||
			    (s->sh_offset & 7) || e->sh[s->sh_link].sh_type != SHT_STRTAB)
				return bad(err, "bad symbol table");
			e->syms = (const Elf64_Sym *)(e->p + s->sh_offset);
			e->nsyms = s->sh_size / sizeof(Elf64_Sym);
			e->strtab = (const char *)e->p + e->sh[s->sh_link].sh_offset;
			e->strtab_len = e->sh[s->sh_link].sh_size;
		}
	}
	return e->syms ? true : bad(err, "no symbol table");
}

static const char *sym_name(const elf *e, const Elf64_Sym *s)
{
	if (s->st_name >= e->strtab_len || !memchr(e->strtab + s->st_name, 0,
						   e->strtab_len - s->st_name))
		return NULL;
	return e->strtab + s->st_name;
}

/* Copies the allocated sections of every object into one mapping, all
 * code first. */
static bool place(elf *objs, uint32_t n, aot_image *img, kiln_error *err)
{
	size_t at = 0, page = (size_t)sysconf(_SC_PAGESIZE);

	for (uint32_t k = 0; k < n; k++)
		if (!(objs[k].sec_addr = krt_calloc(objs[k].eh->e_shnum, sizeof(uint8_t *))))
			return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t k = 0; k < n; k++) {
			elf *e = &objs[k];
			for (unsigned i = 0; i < e->eh->e_shnum; i++) {
				const Elf64_Shdr *s = &e->sh[i];
				uint64_t align = s->sh_addralign ? s->sh_addralign : 1;
				if (!(s->sh_flags & SHF_ALLOC) ||
				    !!(s->sh_flags & SHF_EXECINSTR) != !pass)
					continue;
				if (align > page || (align & (align - 1)) ||
				    s->sh_size > ((size_t)1 << 30) || at > ((size_t)1 << 31))
					return bad(err, "bad section alignment or size");
				at = (at + align - 1) & ~(size_t)(align - 1);
				/* offset + 1 for now */
				e->sec_addr[i] = (uint8_t *)(uintptr_t)(at + 1);
				/* unwind tables: a zero terminator after them */
				at += s->sh_size + (s->sh_type == SHT_X86_64_UNWIND ? 4 : 0);
			}
		}
		if (pass == 0)
			img->code_len = at = (at + page - 1) & ~(page - 1);
	}
	img->len = (at + page - 1) & ~(page - 1);
	if (img->len == 0)
		img->len = page;
	img->base = mmap(NULL, img->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img->base == MAP_FAILED) {
		img->base = NULL;
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "cannot map artifact code");
	}
	for (uint32_t k = 0; k < n; k++) {
		elf *e = &objs[k];
		for (unsigned i = 0; i < e->eh->e_shnum; i++) {
			if (!e->sec_addr[i])
				continue;
			e->sec_addr[i] = img->base + ((uintptr_t)e->sec_addr[i] - 1);
			if (e->sh[i].sh_type != SHT_NOBITS)
				memcpy(e->sec_addr[i], e->p + e->sh[i].sh_offset, e->sh[i].sh_size);
		}
	}
	return true;
}

/* The libcalls compiled code may make (rounding without SSE4.1...). */
static uint64_t libcall(const char *name)
{
	static const struct {
		const char *name;
		void *fn;
	} table[] = {
		{"memcpy", (void *)memcpy}, {"memmove", (void *)memmove}, {"memset", (void *)memset},
		{"floor", (void *)floor}, {"floorf", (void *)floorf}, {"ceil", (void *)ceil},
		{"ceilf", (void *)ceilf}, {"trunc", (void *)trunc}, {"truncf", (void *)truncf},
		{"nearbyint", (void *)nearbyint}, {"nearbyintf", (void *)nearbyintf},
		{"roundeven", (void *)roundeven}, {"roundevenf", (void *)roundevenf},
		{"rint", (void *)rint}, {"rintf", (void *)rintf}, {"sqrt", (void *)sqrt},
		{"sqrtf", (void *)sqrtf}, {"fmin", (void *)fmin}, {"fminf", (void *)fminf},
		{"fmax", (void *)fmax}, {"fmaxf", (void *)fmaxf},
		/* named by the unwind tables of code with try regions */
		{"krt_eh_personality", (void *)krt_eh_personality},
	};

	for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
		if (!strcmp(table[i].name, name))
			return (uint64_t)(uintptr_t)table[i].fn;
	return 0;
}

/* The own function index i of a symbol named <kind><i> (b: body), or
 * UINT32_MAX. */
static uint32_t func_index(const char *name, char kind, const kiln_code *code)
{
	unsigned long i;
	char *end;

	if (!name || name[0] != kind || name[1] < '0' || name[1] > '9')
		return UINT32_MAX;
	i = strtoul(name + 1, &end, 10);
	return *end || i < code->nimported || i >= code->nfuncs ? UINT32_MAX : (uint32_t)i;
}

/* Where symbol idx of object e is: in one of its sections, or (undefined
 * there) a function body of another object (found already: the code's
 * entry), or a libcall. */
static bool sym_addr(const elf *e, const kiln_code *code, uint64_t idx, uint64_t *out,
		     kiln_error *err)
{
	const Elf64_Sym *s;

	if (idx >= e->nsyms)
		return bad(err, "relocation symbol out of range");
	s = &e->syms[idx];
	if (s->st_shndx == SHN_UNDEF) {
		const char *name = sym_name(e, s);
		uint32_t body = func_index(name, 'b', code);
		if (body != UINT32_MAX && krt_code_entry(code, body))
			*out = (uint64_t)(uintptr_t)krt_code_entry(code, body);
		else if (!(*out = libcall(name)))
			return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
					"artifact object: undefined symbol %s", name ? name : "?");
		return true;
	}
	if (s->st_shndx == SHN_ABS) {
		*out = s->st_value;
		return true;
	}
	if (s->st_shndx >= e->eh->e_shnum || !e->sec_addr[s->st_shndx])
		return bad(err, "symbol in a section that is not loaded");
	if (!fits(s->st_value, s->st_size, e->sh[s->st_shndx].sh_size))
		return bad(err, "symbol outside its section");
	*out = (uint64_t)(uintptr_t)e->sec_addr[s->st_shndx] + s->st_value;
	return true;
}

static bool relocate_section(const elf *e, const kiln_code *code, const Elf64_Shdr *rs,
			     kiln_error *err)
{
	const Elf64_Shdr *target;
	const Elf64_Rela *r;
	size_t n;

	if (rs->sh_entsize != sizeof(Elf64_Rela) || rs->sh_info >= e->eh->e_shnum ||
	    (rs->sh_offset & 7))
		return bad(err, "bad relocation section");
	target = &e->sh[rs->sh_info];
	if (!e->sec_addr[rs->sh_info])
		return true;	/* relocations of debug or other unloaded sections */
	r = (const Elf64_Rela *)(e->p + rs->sh_offset);
	n = rs->sh_size / sizeof *r;
	for (size_t i = 0; i < n; i++) {
		uint32_t type = ELF64_R_TYPE(r[i].r_info);
		unsigned size = type == R_X86_64_64 ? 8 : 4;
		uint64_t s, p;
		int64_t v;
		if (type != R_X86_64_PC32 && type != R_X86_64_PLT32 && type != R_X86_64_64)
			return krt_fail(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
					"artifact object: relocation type %u is not supported "
					"(only R_X86_64_PC32, _PLT32 and _64)", type);
		if (!fits(r[i].r_offset, size, target->sh_size))
			return bad(err, "relocation outside its section");
		if (!sym_addr(e, code, ELF64_R_SYM(r[i].r_info), &s, err))
			return false;
		p = (uint64_t)(uintptr_t)e->sec_addr[rs->sh_info] + r[i].r_offset;
		if (type == R_X86_64_64) {
			uint64_t val = s + (uint64_t)r[i].r_addend;
			memcpy((void *)(uintptr_t)p, &val, 8);
			continue;
		}
		v = (int64_t)(s + (uint64_t)r[i].r_addend - p);
		if (v != (int32_t)v)
			return bad(err, "PC-relative relocation out of range");
		int32_t v32 = (int32_t)v;
		memcpy((void *)(uintptr_t)p, &v32, 4);
	}
	return true;
}

/* Entry points are code, never an absolute address: where symbol k is. */
static bool code_sym(const elf *e, const kiln_code *code, size_t k, uint64_t *addr,
		     kiln_error *err)
{
	if (e->syms[k].st_shndx >= e->eh->e_shnum ||
	    !(e->sh[e->syms[k].st_shndx].sh_flags & SHF_EXECINSTR))
		return bad(err, "function symbol outside code");
	return sym_addr(e, code, k, addr, err);
}

/* Finds the b<i> (entries of m's code) and T<sig> (into *t) object e
 * defines. */
static bool find_functions(const elf *e, kiln_module *m, tramp_set *t, kiln_error *err)
{
	for (size_t k = 0; k < e->nsyms; k++) {
		const char *name = sym_name(e, &e->syms[k]);
		uint32_t i = func_index(name, 'b', m->code);
		bool tramp = name && name[0] == 'T';
		uint64_t addr;
		if ((i == UINT32_MAX && !tramp) || e->syms[k].st_shndx == SHN_UNDEF)
			continue;
		if (!code_sym(e, m->code, k, &addr, err))
			return false;
		krt_perfmap_add((void *)(uintptr_t)addr, e->syms[k].st_size, m,
				tramp ? UINT32_MAX : i);
		if (!tramp) {
			krt_code_set(m->code, i, (void *)(uintptr_t)addr, NULL);
			continue;
		}
		if (!krt_grow((void **)&t->syms, &t->cap, t->n + 1, sizeof *t->syms))
			return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		t->syms[t->n++] = (tramp_sym){name, (void *)(uintptr_t)addr};
	}
	return true;
}

static int tramp_cmp(const void *a, const void *b)
{
	return strcmp(((const tramp_sym *)a)->name, ((const tramp_sym *)b)->name);
}

/* The trampoline of signature ft in t (sorted), or NULL with *err set. */
static void *find_tramp(const tramp_set *t, const kiln_functype *ft, kiln_error *err)
{
	tramp_sym key = {krt_tramp_name(ft), NULL};
	const tramp_sym *found;

	if (key.name == NULL) {
		krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		return NULL;
	}
	found = t->n ? bsearch(&key, t->syms, t->n, sizeof key, tramp_cmp) : NULL;
	free((char *)key.name);
	if (found == NULL)
		bad(err, "a signature's trampoline is missing from the objects");
	return found ? found->addr : NULL;
}

/* Each own function's trampoline: its signature's, looked up once per type
 * index (aot_check.c checked them). */
static bool assign_tramps(kiln_module *m, tramp_set *t, kiln_error *err)
{
	void **by_type = krt_calloc(m->ntypes ? m->ntypes : 1, sizeof *by_type);
	bool ok = true;

	if (by_type == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	if (t->n > 0)	/* qsort and bsearch want an array */
		qsort(t->syms, t->n, sizeof *t->syms, tramp_cmp);
	for (uint32_t i = m->nimported_funcs; ok && i < m->nfuncs; i++) {
		uint32_t ti = m->funcs[i].type_idx;
		if (by_type[ti] == NULL)
			by_type[ti] = find_tramp(t, &m->types[ti], err);
		if ((ok = by_type[ti] != NULL))
			krt_code_set(m->code, i, NULL, by_type[ti]);
	}
	free(by_type);
	return ok;
}

static void image_free(void *p)
{
	aot_image *img = p;

	if (img == NULL)
		return;
	for (uint32_t i = 0; i < img->neh; i++)
		__deregister_frame(img->eh[i]);
	free(img->eh);
	if (img->base) {
		krt_trap_unregister_code(img->base);
		munmap(img->base, img->len);
	}
	free(img->start);
	free(img->line);
	free(img);
}

/* The own function whose body starts closest below pc. */
static uint32_t symbolize(const kiln_code *code, uintptr_t pc)
{
	uint32_t best = UINT32_MAX;
	uintptr_t best_start = 0;

	for (uint32_t i = code->nimported; i < code->nfuncs; i++) {
		uintptr_t b = (uintptr_t)krt_code_entry(code, i);
		uintptr_t t = (uintptr_t)krt_code_tramp(code, i);
		if (b <= pc && b >= best_start)
			best_start = b, best = i;
		if (t <= pc && t > best_start)
			best_start = t, best = KILN_NOT_A_FUNCTION;
	}
	return best;
}

/* The module offset of pc's instruction, from the lines of the body
 * symbolize finds it in. */
static uint32_t code_offset(const kiln_code *code, uintptr_t pc)
{
	const aot_image *img = code->state;
	uint32_t i = symbolize(code, pc), off;
	uintptr_t b;

	if (img->start == NULL || i < code->nimported || i >= code->nfuncs)
		return KILN_UNKNOWN_OFFSET;
	b = (uintptr_t)krt_code_entry(code, i);
	if (pc - b > UINT32_MAX)
		return KILN_UNKNOWN_OFFSET;
	i -= code->nimported;
	off = krt_lines_find(img->line + img->start[i], img->start[i + 1] - img->start[i],
			     (uint32_t)(pc - b));
	return off ? off : KILN_UNKNOWN_OFFSET;
}

/* An artifact's code: its entries are the bodies, linked in `base`. */
static const kiln_code_ops artifact_ops = {"artifact", symbolize, image_free, code_offset};

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* Copies the artifact's lines (range r, in the file: describe checked it)
 * into img, checking all the runtime reads: the count of own functions,
 * the starts ascending to the number of entries the range holds, and
 * each function's entries ascending by pc.  An empty range: no lines. */
static bool load_lines(const uint8_t *bytes, kiln_artifact_range r, const kiln_module *m,
		       aot_image *img, kiln_error *err)
{
	const uint8_t *p = bytes + r.off;
	uint32_t n = m->nfuncs - m->nimported_funcs;
	uint64_t head = 4 * ((uint64_t)n + 2);

	if (r.len == 0)
		return true;
	if (r.len < head || u32_at(p) != n ||
	    (r.len - head) % sizeof(krt_line) != 0 ||
	    (r.len - head) / sizeof(krt_line) != u32_at(p + 4 * ((uint64_t)n + 1)))
		return bad(err, "bad line table");
	img->start = krt_calloc((size_t)n + 1, sizeof *img->start);
	img->line = malloc(r.len - head ? (size_t)(r.len - head) : 1);
	if (!img->start || !img->line)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (uint32_t i = 0; i <= n; i++)
		img->start[i] = u32_at(p + 4 + 4 * (uint64_t)i);
	memcpy(img->line, p + head, (size_t)(r.len - head));
	if (img->start[0] != 0)
		return bad(err, "bad line table");
	for (uint32_t i = 0; i < n; i++) {
		if (img->start[i + 1] < img->start[i])
			return bad(err, "bad line table");
		for (uint32_t k = img->start[i] + 1; k < img->start[i + 1]; k++)
			if (img->line[k].pc <= img->line[k - 1].pc)
				return bad(err, "bad line table");
	}
	return true;
}

/* What the artifact's code was compiled with. */
static uint32_t code_flags(const kiln_artifact_header *h)
{
	return (h->code_flags & KILN_ARTIFACT_EPOCH_CHECKS ? KILN_CODE_EPOCH_CHECKS : 0) |
	       (h->code_flags & KILN_ARTIFACT_FUEL ? KILN_CODE_FUEL : 0);
}

/* Registers the objects' unwind tables (image_free deregisters them). */
static bool register_unwind(elf *objs, uint32_t n, aot_image *img, kiln_error *err)
{
	for (uint32_t k = 0; k < n; k++)
		for (unsigned i = 0; i < objs[k].eh->e_shnum; i++) {
			const Elf64_Shdr *s = &objs[k].sh[i];
			if (s->sh_type != SHT_X86_64_UNWIND || s->sh_size < 4 || !objs[k].sec_addr[i])
				continue;
			if (!krt_grow((void **)&img->eh, &(size_t){img->neh}, img->neh + 1,
				      sizeof *img->eh))
				return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
			__register_frame(objs[k].sec_addr[i]);
			img->eh[img->neh++] = objs[k].sec_addr[i];
		}
	return true;
}

static bool link_image(elf *objs, uint32_t n, aot_image *img, kiln_module *m,
		       tramp_set *tramps, kiln_error *err)
{
	for (uint32_t k = 0; k < n; k++)
		if (!parse_elf(&objs[k], err))
			return false;
	if (!place(objs, n, img, err))
		return false;
	/* Every body's address first: objects call into each other. */
	for (uint32_t k = 0; k < n; k++)
		if (!find_functions(&objs[k], m, tramps, err))
			return false;
	if (!assign_tramps(m, tramps, err))
		return false;
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (!krt_code_entry(m->code, i) || !krt_code_tramp(m->code, i))
			return bad(err, "a function is missing from the objects");
	for (uint32_t k = 0; k < n; k++)
		for (unsigned i = 0; i < objs[k].eh->e_shnum; i++)
			if (objs[k].sh[i].sh_type == SHT_RELA &&
			    !relocate_section(&objs[k], m->code, &objs[k].sh[i], err))
				return false;
	if (mprotect(img->base, img->code_len, PROT_READ | PROT_EXEC) != 0 ||
	    (img->len > img->code_len &&
	     mprotect(img->base + img->code_len, img->len - img->code_len, PROT_READ) != 0))
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "cannot protect artifact code");
	if (img->code_len && !krt_trap_register_code(img->base, img->code_len))
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "too many code ranges");
	return register_unwind(objs, n, img, err);
}

/* The ELF structures are read in place: they need 8-byte alignment, which
 * kiln's writer gives; any other buffer is copied first. */
static bool open_objects(const uint8_t *bytes, const kiln_artifact_desc *d, elf *objs,
			 kiln_error *err)
{
	for (uint32_t k = 0; k < d->nobjects; k++) {
		elf *e = &objs[k];
		e->p = bytes + d->objects[k].offset;
		e->len = d->objects[k].size;
		if (((uintptr_t)e->p & 7) == 0)
			continue;
		if (!(e->copy = malloc(e->len ? e->len : 1)))
			return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		memcpy(e->copy, e->p, e->len);
		e->p = e->copy;
	}
	return true;
}

kiln_status kiln_module_load(const uint8_t *bytes, size_t len, kiln_module **out,
			     kiln_error *err)
{
	kiln_artifact_desc d;
	kiln_artifact_header h;
	kiln_module *m = NULL;
	aot_image *img = NULL;
	kiln_error local;
	elf objs[KILN_ARTIFACT_MAX_OBJECTS] = {0};
	kiln_name missing;
	uint8_t sha[32];
	kiln_status st;

	*out = NULL;
	if (!err)
		err = &local;
	if ((st = kiln_artifact_describe(bytes, len, &d, err)) != KILN_OK)
		return st;
	memcpy(&h, bytes, sizeof h);
	if (d.kiln_version.len != strlen(kiln_version()) ||
	    memcmp(d.kiln_version.data, kiln_version(), d.kiln_version.len) ||
	    d.triple.len < 6 || memcmp(d.triple.data, "x86_64", 6))
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "artifact made by kiln %.*s for %.*s; this is kiln %s on x86_64",
				       (int)d.kiln_version.len, d.kiln_version.data,
				       (int)d.triple.len, d.triple.data, kiln_version());
	if (d.llvm_version.len != strlen(KILN_LLVM_VERSION) ||
	    memcmp(d.llvm_version.data, KILN_LLVM_VERSION, d.llvm_version.len))
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "artifact compiled with LLVM %.*s; this kiln uses LLVM %s",
				       (int)d.llvm_version.len, d.llvm_version.data,
				       KILN_LLVM_VERSION);
	if (!kiln_cpu_check(d.features, &missing))
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "artifact needs CPU feature %.*s, which this machine lacks "
				       "(compiled for %.*s)", (int)missing.len, missing.data,
				       (int)d.cpu.len, d.cpu.data);
	if (!kiln_sha256(bytes + h.module.off, (size_t)h.module.len, sha) ||
	    memcmp(sha, h.module_sha256, 32))
		return krt_fail_status(err, KILN_ERR_MALFORMED, KILN_NO_OFFSET,
				       "artifact module does not match its SHA-256 (corrupt)");
	if ((st = kiln_module_decode_trusted(bytes + h.module.off, (size_t)h.module.len, &m, err)) != KILN_OK)
		return st;
	if (!aot_check_module(m, err)) {
		kiln_module_delete(m);
		return err->status;
	}
	m->uses = d.module_features;	/* bodies were not walked */
	if (!(img = calloc(1, sizeof *img))) {
		kiln_module_delete(m);
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	}
	/* Trusted, as a shared library is: compiled from a validated module. */
	m->validated = true;
	m->valid_status = KILN_OK;
	tramp_set tramps = {0};
	bool ok = open_objects(bytes, &d, objs, err) &&
		  link_image(objs, d.nobjects, img, m, &tramps, err) &&
		  load_lines(bytes, h.lines, m, img, err);
	free(tramps.syms);
	for (uint32_t k = 0; k < d.nobjects; k++) {
		free(objs[k].copy);
		free(objs[k].sec_addr);
	}
	if (!ok) {
		image_free(img);
		kiln_module_delete(m);
		return err->status;
	}
	/* No engine: instances take the runtime's default limits. */
	krt_code_publish(m->code, &artifact_ops, img, NULL, code_flags(&h), NULL);
	*out = m;
	return KILN_OK;
}
