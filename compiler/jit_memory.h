/*
 * jit_memory.h — the object linking layer whose code memory kiln owns
 * (internal to compiler/).  Pass jit_memory_layer to
 * LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator.
 */
#ifndef KILN_JIT_MEMORY_H
#define KILN_JIT_MEMORY_H

#include <llvm-c/Orc.h>

LLVMOrcObjectLayerRef jit_memory_layer(void *ctx, LLVMOrcExecutionSessionRef es,
				       const char *triple);

#endif /* KILN_JIT_MEMORY_H */
