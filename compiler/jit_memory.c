/*
 * jit_memory.c — kiln owns the JIT's code memory.
 *
 * LLJIT links objects through an RTDyld linking layer whose memory manager
 * is this file: every section is its own mmap, writable while the linker
 * fills it; finalizing makes code read-execute and read-only data
 * read-only, and registers the code with the trap handler, which only
 * turns a fault into a wasm trap when the faulting instruction lies in
 * registered code.  Destroying an object's allocator unregisters and
 * unmaps its sections.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <llvm-c/ExecutionEngine.h>
#include <llvm-c/OrcEE.h>

#include "jit_memory.h"
#include "trap.h"

typedef struct section {
	uint8_t *base;
	size_t len;
	int prot;		/* after finalization */
	bool registered;
} section;

typedef struct allocator {
	section *sections;
	size_t n, cap;
	bool failed;
} allocator;

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

static uint8_t *alloc_section(allocator *a, uintptr_t size, int prot)
{
	size_t len = page_round(size ? size : 1);
	void *p;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		section *s = realloc(a->sections, cap * sizeof *s);
		if (s == NULL)
			goto fail;
		a->sections = s;
		a->cap = cap;
	}
	/* Page alignment satisfies every section alignment LLVM asks for on
	 * x86-64 (at most 64 bytes for code and constants). */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		goto fail;
	a->sections[a->n++] = (section){p, len, prot, false};
	return p;
fail:
	a->failed = true;
	return NULL;
}

static void *create_context(void *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(allocator));
}

static void notify_terminating(void *ctx)
{
	(void)ctx;
}

static uint8_t *allocate_code(void *opaque, uintptr_t size, unsigned align,
			      unsigned id, const char *name)
{
	(void)align, (void)id, (void)name;
	return alloc_section(opaque, size, PROT_READ | PROT_EXEC);
}

static uint8_t *allocate_data(void *opaque, uintptr_t size, unsigned align,
			      unsigned id, const char *name, LLVMBool read_only)
{
	(void)align, (void)id, (void)name;
	return alloc_section(opaque, size,
			     read_only ? PROT_READ : PROT_READ | PROT_WRITE);
}

/* Returns true on error, as LLVM's MCJIT memory managers do. */
static LLVMBool finalize(void *opaque, char **err)
{
	allocator *a = opaque;

	if (a->failed) {
		*err = strdup("out of memory for JIT code");
		return 1;
	}
	for (size_t i = 0; i < a->n; i++) {
		section *s = &a->sections[i];
		if (s->registered)
			continue;	/* finalized with an earlier object */
		if (mprotect(s->base, s->len, s->prot) != 0) {
			*err = strdup("cannot protect JIT code");
			return 1;
		}
		if (s->prot & PROT_EXEC) {
			if (!kiln_trap_register_code(s->base, s->len)) {
				*err = strdup("too many JIT code sections");
				return 1;
			}
			s->registered = true;
		}
	}
	return 0;
}

static void destroy(void *opaque)
{
	allocator *a = opaque;

	for (size_t i = 0; i < a->n; i++) {
		if (a->sections[i].registered)
			kiln_trap_unregister_code(a->sections[i].base);
		munmap(a->sections[i].base, a->sections[i].len);
	}
	free(a->sections);
	free(a);
}

LLVMOrcObjectLayerRef jit_memory_layer(void *ctx, LLVMOrcExecutionSessionRef es,
				       const char *triple)
{
	(void)ctx, (void)triple;
	return LLVMOrcCreateRTDyldObjectLinkingLayerWithMCJITMemoryManagerLikeCallbacks(
		es, NULL, create_context, notify_terminating, allocate_code,
		allocate_data, finalize, destroy);
}
