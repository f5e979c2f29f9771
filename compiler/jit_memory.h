/*
 * jit_memory.h — the object linking layer whose code memory kiln owns
 * (internal to compiler/): each engine's JIT links every object into one
 * region of address space it reserves (jit_memory.c).
 */
#ifndef KILN_JIT_MEMORY_H
#define KILN_JIT_MEMORY_H

#include <stddef.h>

#include <llvm-c/Orc.h>

typedef struct jit_region jit_region;

/* Reserves `size` bytes (page-rounded) of address space, nothing
 * committed; NULL when it cannot.  The size must stay below 2 GiB (the
 * engine checks kiln_config.jit_memory). */
jit_region *jit_region_new(size_t size);
/* After every object linked in it is gone; NULL: nothing. */
void jit_region_delete(jit_region *r);
size_t jit_region_size(const jit_region *r);
/* Word i of the region's first page (read-write data, never code), which
 * code anywhere in the region reaches PC-relative; NULL past the page. */
void **jit_region_word(jit_region *r, unsigned i);

/* For LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator, with the region as
 * its context: the layer links every object into it (thread-safe). */
LLVMOrcObjectLayerRef jit_memory_layer(void *region, LLVMOrcExecutionSessionRef es,
				       const char *triple);

#endif /* KILN_JIT_MEMORY_H */
