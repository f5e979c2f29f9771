/*
 * jit_memory.c — kiln owns the JIT's code memory.
 *
 * LLJIT links objects through an RTDyld linking layer whose memory manager
 * is this file.  Each engine reserves one region of address space
 * (kiln_config.jit_memory, PROT_NONE, nothing committed) and every section
 * of every object its JIT links is carved out of it.  The region is under
 * 2 GiB, so any address in it reaches any other with a 32-bit PC-relative
 * displacement: the JIT compiles with the small code model (direct `call
 * rel32`, RIP-relative constants and jump tables) and RuntimeDyld's stubs
 * for calls out of an object reach their GOT entries the same way.
 *
 * An object's sections of one protection share pages (a chunk), writable
 * while the linker fills them; finalizing makes code read-execute and data
 * read-only — RuntimeDyld's GOT too: it is written while relocating, never
 * after — and registers the code with the trap handler, which only turns a
 * fault into a wasm trap when the faulting instruction lies in registered
 * code.  Destroying an object's allocator unregisters its code and gives
 * its chunks back: fresh PROT_NONE pages are mapped over them (the memory
 * goes back to the system) before the range returns to the region's free
 * list, first fit, coalesced.
 *
 * A full region fails the object, not the process: RuntimeDyld aborts when
 * a section cannot be allocated, so the allocator hands out memory outside
 * the region instead (never executed) and fails at finalization, which
 * ends the lazy compilation with an error.
 *
 * KILN_JIT_CODE_LIMIT=N (environment; for tests only): finalizing fails
 * once N code chunks are registered by the process's JITs, as running
 * out of memory would — the way tests reach the lazy-compile failure path.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <llvm-c/ExecutionEngine.h>
#include <llvm-c/OrcEE.h>

#include "jit_memory.h"
#include "krt.h"

/* A free range of the region, in bytes from its base. */
typedef struct range {
	size_t off, len;
} range;

struct jit_region {
	pthread_mutex_t lock;		/* for the free list */
	uint8_t *base;
	size_t len;
	range *free;			/* by offset, never adjacent */
	size_t nfree, cap;
};

/* An object's pages of one protection. */
typedef struct chunk {
	uint8_t *base;
	size_t len, used;
	int prot;		/* after finalization */
	bool outside;		/* not the region's (it was full): munmap */
	bool sealed;		/* finalized: takes no more sections */
	bool registered;
} chunk;

typedef struct allocator {
	jit_region *region;
	chunk *chunks;
	size_t n, cap;
	bool full;		/* a chunk lies outside the region */
	bool failed;		/* out of memory */
} allocator;

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

/* ------------------------------------------------------------ the region */

jit_region *jit_region_new(size_t size)
{
	jit_region *r = calloc(1, sizeof *r);
	void *p;

	if (r == NULL)
		return NULL;
	r->len = page_round(size ? size : 1) + page_round(1);
	r->free = malloc(sizeof *r->free);
	p = mmap(NULL, r->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->free == NULL || p == MAP_FAILED) {
		free(r->free);
		free(r);
		return NULL;
	}
	r->base = p;
	/* A page before them: words code refers to PC-relative
	 * (jit_region_word). */
	if (mprotect(p, page_round(1), PROT_READ | PROT_WRITE) != 0) {
		munmap(p, r->len);
		free(r->free);
		free(r);
		return NULL;
	}
	r->free[0] = (range){page_round(1), r->len - page_round(1)};
	r->nfree = r->cap = 1;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* Every object linked in it is gone. */
void jit_region_delete(jit_region *r)
{
	if (r == NULL)
		return;
	munmap(r->base, r->len);
	free(r->free);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void **jit_region_word(jit_region *r, unsigned i)
{
	return i < page_round(1) / sizeof(void *) ? (void **)r->base + i : NULL;
}

size_t jit_region_size(const jit_region *r)
{
	return r->len - page_round(1);
}

/* len bytes (a page multiple) of the region, still PROT_NONE; NULL when
 * no free range is that large. */
static uint8_t *region_take(jit_region *r, size_t len)
{
	uint8_t *p = NULL;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->nfree; i++) {
		range *f = &r->free[i];
		if (f->len < len)
			continue;
		p = r->base + f->off;
		f->off += len;
		f->len -= len;
		if (f->len == 0)
			memmove(f, f + 1, (r->nfree - i - 1) * sizeof *f), r->nfree--;
		break;
	}
	pthread_mutex_unlock(&r->lock);
	return p;
}

/* Adds [off, off + len) to the free list, merged with its neighbours. */
static void free_range(jit_region *r, size_t off, size_t len)
{
	size_t i = 0;

	while (i < r->nfree && r->free[i].off < off)
		i++;
	bool prev = i > 0 && r->free[i - 1].off + r->free[i - 1].len == off;
	bool next = i < r->nfree && off + len == r->free[i].off;
	if (prev && next) {
		r->free[i - 1].len += len + r->free[i].len;
		memmove(&r->free[i], &r->free[i + 1], (r->nfree - i - 1) * sizeof *r->free);
		r->nfree--;
	} else if (prev) {
		r->free[i - 1].len += len;
	} else if (next) {
		r->free[i].off = off;
		r->free[i].len += len;
	} else if (krt_grow((void **)&r->free, &r->cap, r->nfree + 1, sizeof *r->free)) {
		memmove(&r->free[i + 1], &r->free[i], (r->nfree - i) * sizeof *r->free);
		r->free[i] = (range){off, len};
		r->nfree++;
	}	/* else out of memory: the range is lost, the region smaller */
}

/* Gives pages taken back: inaccessible and unbacked before anyone can take
 * them again. */
static void region_put(jit_region *r, uint8_t *p, size_t len)
{
	if (mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		 -1, 0) == MAP_FAILED)
		return;		/* still mapped as it was: never reused */
	pthread_mutex_lock(&r->lock);
	free_range(r, (size_t)(p - r->base), len);
	pthread_mutex_unlock(&r->lock);
}

/* ---------------------------------------------------- an object's chunks */

/* A new chunk of at least `size` bytes aligned to `align`, writable. */
static chunk *new_chunk(allocator *a, size_t size, unsigned align, int prot)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = page_round(size + (align > page ? align - page : 0));
	uint8_t *p = a->full ? NULL : region_take(a->region, len);
	bool outside = p == NULL;

	if (!krt_grow((void **)&a->chunks, &a->cap, a->n + 1, sizeof *a->chunks))
		goto fail;
	if (p != NULL && mprotect(p, len, PROT_READ | PROT_WRITE) != 0)
		goto fail;
	if (outside) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			goto fail;
		a->full = true;
	}
	a->chunks[a->n] = (chunk){p, len, 0, prot, outside, false, false};
	return &a->chunks[a->n++];
fail:
	if (p != NULL && !outside)
		region_put(a->region, p, len);
	a->failed = true;
	return NULL;
}

/* NULL only when out of memory (RuntimeDyld then aborts the process). */
static uint8_t *alloc_section(allocator *a, uintptr_t size, unsigned align, int prot)
{
	chunk *c = NULL;
	uintptr_t at;

	if (align == 0)
		align = 1;
	for (size_t i = a->n; i-- > 0 && c == NULL;)
		if (a->chunks[i].prot == prot && !a->chunks[i].sealed)
			c = &a->chunks[i];
	if (c != NULL) {
		at = ((uintptr_t)c->base + c->used + align - 1) & ~((uintptr_t)align - 1);
		if (at + size <= (uintptr_t)c->base + c->len)
			goto found;
	}
	if ((c = new_chunk(a, size, align, prot)) == NULL)
		return NULL;
	at = ((uintptr_t)c->base + align - 1) & ~((uintptr_t)align - 1);
found:
	c->used = at + size - (uintptr_t)c->base;
	return (uint8_t *)at;
}

static void *create_context(void *region)
{
	allocator *a = calloc(1, sizeof(allocator));

	if (a != NULL)
		a->region = region;
	return a;
}

static void notify_terminating(void *ctx)
{
	(void)ctx;
}

static uint8_t *allocate_code(void *opaque, uintptr_t size, unsigned align,
			      unsigned id, const char *name)
{
	(void)id, (void)name;
	return alloc_section(opaque, size, align, PROT_READ | PROT_EXEC);
}

static uint8_t *allocate_data(void *opaque, uintptr_t size, unsigned align,
			      unsigned id, const char *name, LLVMBool read_only)
{
	(void)id;
	/* RuntimeDyld's GOT (calls out of the object jump through it) is
	 * complete once relocated: read-only from finalization on. */
	bool ro = read_only || (name && !strcmp(name, ".got"));

	return alloc_section(opaque, size, align, ro ? PROT_READ : PROT_READ | PROT_WRITE);
}

static _Atomic size_t code_chunks;	/* registered, process-wide */

/* KILN_JIT_CODE_LIMIT, read once; 0: none. */
static size_t code_limit(void)
{
	static _Atomic long limit = -1;
	long l = atomic_load(&limit);

	if (l < 0) {
		const char *v = getenv("KILN_JIT_CODE_LIMIT");
		l = v ? atol(v) : 0;
		atomic_store(&limit, l > 0 ? l : 0);
	}
	return l > 0 ? (size_t)l : 0;
}

static bool register_code(chunk *c, char **err)
{
	size_t limit = code_limit();

	if (limit && atomic_fetch_add(&code_chunks, 1) >= limit) {
		atomic_fetch_sub(&code_chunks, 1);
		char msg[96];
		snprintf(msg, sizeof msg, "out of JIT code sections (KILN_JIT_CODE_LIMIT=%zu)", limit);
		*err = strdup(msg);
		return false;
	}
	if (!krt_trap_register_code(c->base, c->len)) {
		if (limit)
			atomic_fetch_sub(&code_chunks, 1);
		*err = strdup("out of memory registering JIT code");
		return false;
	}
	return c->registered = true;
}

static char *full_message(const allocator *a)
{
	size_t len = jit_region_size(a->region);
	bool mib = len >= (1u << 20);
	char msg[160];

	snprintf(msg, sizeof msg, "out of JIT memory: the engine's %zu %s are in use "
		 "(kiln_config.jit_memory)", mib ? len >> 20 : len >> 10, mib ? "MiB" : "KiB");
	return strdup(msg);
}

/* Returns true on error, as LLVM's MCJIT memory managers do. */
static LLVMBool finalize(void *opaque, char **err)
{
	allocator *a = opaque;

	if (a->failed || a->full) {
		*err = a->failed ? strdup("out of memory for JIT code") : full_message(a);
		return 1;
	}
	for (size_t i = 0; i < a->n; i++) {
		chunk *c = &a->chunks[i];
		if (c->sealed)
			continue;	/* finalized with an earlier object */
		c->sealed = true;
		if (mprotect(c->base, c->len, c->prot) != 0) {
			*err = strdup("cannot protect JIT code");
			return 1;
		}
		if ((c->prot & PROT_EXEC) && !register_code(c, err))
			return 1;
	}
	return 0;
}

static void destroy(void *opaque)
{
	allocator *a = opaque;

	for (size_t i = 0; i < a->n; i++) {
		chunk *c = &a->chunks[i];
		if (c->registered) {
			krt_trap_unregister_code(c->base);
			if (code_limit())
				atomic_fetch_sub(&code_chunks, 1);
		}
		if (c->outside)
			munmap(c->base, c->len);
		else
			region_put(a->region, c->base, c->len);
	}
	free(a->chunks);
	free(a);
}

LLVMOrcObjectLayerRef jit_memory_layer(void *region, LLVMOrcExecutionSessionRef es,
				       const char *triple)
{
	(void)triple;
	return LLVMOrcCreateRTDyldObjectLinkingLayerWithMCJITMemoryManagerLikeCallbacks(
		es, region, create_context, notify_terminating, allocate_code,
		allocate_data, finalize, destroy);
}
