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
 *
 * KILN_JIT_CODE_LIMIT=N (environment; for tests only): finalizing fails
 * once N code sections are registered by the process's JITs, as running
 * out of memory would — the way tests reach the lazy-compile failure path.
 */
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

	if (!krt_grow((void **)&a->sections, &a->cap, a->n + 1, sizeof *a->sections))
		goto fail;
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

static _Atomic size_t code_sections;	/* registered, process-wide */

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

static bool register_code(section *s, char **err)
{
	size_t limit = code_limit();

	if (limit && atomic_fetch_add(&code_sections, 1) >= limit) {
		atomic_fetch_sub(&code_sections, 1);
		char msg[96];
		snprintf(msg, sizeof msg, "out of JIT code sections (KILN_JIT_CODE_LIMIT=%zu)", limit);
		*err = strdup(msg);
		return false;
	}
	if (!krt_trap_register_code(s->base, s->len)) {
		if (limit)
			atomic_fetch_sub(&code_sections, 1);
		*err = strdup("out of memory registering JIT code");
		return false;
	}
	return s->registered = true;
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
		if ((s->prot & PROT_EXEC) && !register_code(s, err))
			return 1;
	}
	return 0;
}

static void destroy(void *opaque)
{
	allocator *a = opaque;

	for (size_t i = 0; i < a->n; i++) {
		if (a->sections[i].registered) {
			krt_trap_unregister_code(a->sections[i].base);
			if (code_limit())
				atomic_fetch_sub(&code_sections, 1);
		}
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
