/*
 * llvm_linked.c — kiln-compiler-static links libLLVM: it is loaded with
 * the program, nothing to do (the shared library's: llvm_lazy.c).
 */
#include "engine.h"

bool engine_llvm_load(kiln_error *err)
{
	(void)err;
	return true;
}
