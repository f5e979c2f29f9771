/*
 * jit_internal.h — what jit.c shares with the rest of compiler/ (the AOT
 * emitter): the engine's optimisation level and pipeline.
 */
#ifndef KILN_JIT_INTERNAL_H
#define KILN_JIT_INTERNAL_H

#include <llvm-c/TargetMachine.h>

#include "kiln.h"

int jit_opt_level(const kiln_engine *e);
const kiln_config *jit_config(const kiln_engine *e);
/* Runs the engine's default<On> pipeline on `mod` for `tm`. */
bool jit_optimise(const kiln_engine *e, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		  kiln_error *err);

#endif /* KILN_JIT_INTERNAL_H */
