/*
 * llvm_shim.c — the one place for what kiln needs from LLVM beyond its C
 * API's plain calls, under kiln_llvm_* names.  For now: the version.
 */
#include <stdio.h>

#include <llvm-c/Core.h>

#include "engine.h"
#include "krt.h"

const char *kiln_compiler_llvm_version(void)
{
	static char version[32];
	unsigned major, minor, patch;

	if (!engine_llvm_load(NULL))
		return "unavailable";	/* nothing can be compiled either */
	/* Written once with the same bytes on every call: no race matters. */
	LLVMGetVersion(&major, &minor, &patch);
	snprintf(version, sizeof version, "%u.%u.%u", major, minor, patch);
	return version;
}
