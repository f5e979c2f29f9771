/*
 * aot_emit.c — whole-module compilation to a .kwasm artifact
 * (runtime/artifact.h).
 *
 * Every function is lowered into one LLVM module with direct calls between
 * bodies, optimised with the engine's level, and emitted as a relocatable
 * ELF object for this machine: position independent, small code model,
 * no jump tables, nounwind, the runtime reached only through ctx — so
 * what relocations remain are PC32, PLT32 and 64 (DESIGN.md).  The
 * header records what the code depends on; SHA-256 (OpenSSL libcrypto)
 * identifies the module.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "artifact.h"
#include "jit_internal.h"
#include "lower.h"

typedef struct blob {
	uint8_t *p;
	size_t n, cap;
} blob;

static bool append(blob *b, const void *data, size_t n, kiln_artifact_range *r)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2;
		uint8_t *p = realloc(b->p, cap);
		if (p == NULL)
			return false;
		b->p = p;
		b->cap = cap;
	}
	if (r)
		*r = (kiln_artifact_range){b->n, n};
	memcpy(b->p + b->n, data, n);
	b->n += n;
	return true;
}

static bool append_str(blob *b, const char *s, kiln_artifact_range *r)
{
	return append(b, s, strlen(s), r);
}

/* x86-64 CPU names LLVM 19 knows.  LLVM aborts on a name it does not
 * know, so names are checked here first. */
static bool known_cpu(const char *cpu)
{
	static const char *const names[] = {
		"native", "generic", "x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4",
		"nocona", "core2", "penryn", "bonnell", "atom", "silvermont", "slm",
		"goldmont", "goldmont-plus", "tremont", "nehalem", "corei7", "westmere",
		"sandybridge", "corei7-avx", "ivybridge", "core-avx-i", "haswell",
		"core-avx2", "broadwell", "skylake", "skylake-avx512", "skx", "cascadelake",
		"cooperlake", "cannonlake", "icelake-client", "rocketlake", "icelake-server",
		"tigerlake", "sapphirerapids", "alderlake", "raptorlake", "meteorlake",
		"arrowlake", "sierraforest", "grandridge", "graniterapids", "emeraldrapids",
		"knl", "knm", "k8", "athlon64", "opteron", "k8-sse3", "amdfam10", "barcelona",
		"btver1", "btver2", "bdver1", "bdver2", "bdver3", "bdver4", "znver1", "znver2",
		"znver3", "znver4",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(cpu, names[i]))
			return true;
	return false;
}

/* The CPU and features artifacts are compiled for (kiln_config). */
static void target_of(const kiln_engine *e, char **cpu, char **features)
{
	const kiln_config *c = jit_config(e);
	bool native = !c->target_cpu || !strcmp(c->target_cpu, "native");

	*cpu = native ? LLVMGetHostCPUName()
		      : LLVMCreateMessage(!strcmp(c->target_cpu, "generic") ? "x86-64" : c->target_cpu);
	*features = c->target_features ? LLVMCreateMessage(c->target_features)
				       : native ? LLVMGetHostCPUFeatures() : LLVMCreateMessage("");
}

static LLVMTargetMachineRef object_machine(const kiln_engine *e, char **triple, char **cpu,
					   char **features)
{
	LLVMTargetRef target;
	int opt = jit_opt_level(e);

	*triple = LLVMGetDefaultTargetTriple();
	target_of(e, cpu, features);
	if (LLVMGetTargetFromTriple(*triple, &target, NULL) != 0)
		return NULL;
	return LLVMCreateTargetMachine(target, *triple, *cpu, *features,
				       opt >= 2 ? LLVMCodeGenLevelDefault : LLVMCodeGenLevelLess,
				       LLVMRelocPIC, LLVMCodeModelSmall);
}

/* Lowers the whole module and emits its object into *obj. */
static bool emit_object(kiln_engine *e, kiln_module *m, LLVMTargetMachineRef tm,
			LLVMMemoryBufferRef *obj, kiln_error *err)
{
	LLVMContextRef c = LLVMContextCreate();
	lower_module lm;
	char *msg = NULL;
	bool ok = lower_module_init(&lm, m, c, "", err);

	lm.direct_calls = true;
	if (ok) {
		LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
		char *dl = LLVMCopyStringRepOfTargetData(td);
		LLVMSetDataLayout(lm.llmod, dl);
		LLVMDisposeMessage(dl);
		LLVMDisposeTargetData(td);
		char *triple = LLVMGetTargetMachineTriple(tm);
		LLVMSetTarget(lm.llmod, triple);
		LLVMDisposeMessage(triple);
	}
	for (uint32_t i = m->nimported_funcs; ok && i < m->nfuncs; i++)
		ok = lower_function(&lm, i, err) && lower_trampoline(&lm, i);
	if (ok && LLVMVerifyModule(lm.llmod, LLVMReturnStatusAction, &msg)) {
		ok = kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
			       "internal error: invalid IR: %.200s", msg ? msg : "?");
	}
	LLVMDisposeMessage(msg);
	msg = NULL;
	ok = ok && jit_optimise(e, lm.llmod, tm, err);
	if (ok && LLVMTargetMachineEmitToMemoryBuffer(tm, lm.llmod, LLVMObjectFile, &msg, obj)) {
		ok = kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "code generation: %s",
			       msg ? msg : "?");
		LLVMDisposeMessage(msg);
	}
	if (lm.llmod)
		LLVMDisposeModule(lm.llmod);
	lower_module_free(&lm);
	LLVMContextDispose(c);
	return ok;
}

kiln_status kiln_module_serialize(kiln_engine *e, kiln_module *m, uint8_t **out,
				  size_t *out_len, kiln_error *err)
{
	kiln_artifact_header h = {0};
	LLVMMemoryBufferRef obj = NULL;
	LLVMTargetMachineRef tm;
	char *triple = NULL, *cpu = NULL, *features = NULL;
	blob b = {0};
	kiln_error local;
	bool ok;

	*out = NULL;
	*out_len = 0;
	if (!err)
		err = &local;
	err->status = KILN_OK;
	if (kiln_module_validate(m, err) != KILN_OK)
		return err->status;
	if (!lower_check_supported(m, err))
		return KILN_ERR_UNSUPPORTED;
	if (jit_config(e)->target_cpu && !known_cpu(jit_config(e)->target_cpu))
		return kiln_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET, "unknown target CPU '%s'",
				 jit_config(e)->target_cpu), KILN_ERR_ARG;
	tm = object_machine(e, &triple, &cpu, &features);
	ok = tm != NULL ? emit_object(e, m, tm, &obj, err)
			: kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "no native target");
	memcpy(h.magic, KILN_ARTIFACT_MAGIC, 8);
	h.format = KILN_ARTIFACT_FORMAT;
	h.opt_level = (uint32_t)jit_opt_level(e);
	h.bounds_mode = KILN_BOUNDS_GUARD_PAGES;
	ok = ok && EVP_Digest(m->bytes, m->size, h.module_sha256, NULL, EVP_sha256(), NULL) == 1;
	ok = ok && append(&b, &h, sizeof h, NULL) &&
	     append_str(&b, kiln_version(), &h.kiln_version) &&
	     append_str(&b, kiln_compiler_llvm_version(), &h.llvm_version) &&
	     append_str(&b, triple, &h.triple) && append_str(&b, cpu, &h.cpu) &&
	     append_str(&b, features, &h.features) &&
	     append(&b, m->bytes, m->size, &h.module) &&
	     append(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", (16 - b.n % 16) % 16, NULL) &&
	     append(&b, LLVMGetBufferStart(obj), LLVMGetBufferSize(obj), &h.object);
	if (ok) {
		memcpy(b.p, &h, sizeof h);	/* now with the ranges */
		*out = b.p;
		*out_len = b.n;
	} else {
		free(b.p);
		if (err->status == KILN_OK)
			kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	}
	if (obj)
		LLVMDisposeMemoryBuffer(obj);
	if (tm)
		LLVMDisposeTargetMachine(tm);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return ok ? KILN_OK : err->status;
}

kiln_status kiln_cache_key(kiln_engine *e, const uint8_t *bytes, size_t len,
			   char out[65], kiln_error *err)
{
	char *triple = LLVMGetDefaultTargetTriple(), *cpu, *features, opts[32];
	unsigned char md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	target_of(e, &cpu, &features);
	snprintf(opts, sizeof opts, "O%d bounds%d", jit_opt_level(e), KILN_BOUNDS_GUARD_PAGES);
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, bytes, len) == 1 &&
	     EVP_DigestUpdate(ctx, kiln_version(), strlen(kiln_version()) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, kiln_compiler_llvm_version(),
			      strlen(kiln_compiler_llvm_version()) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, triple, strlen(triple) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, cpu, strlen(cpu) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, features, strlen(features) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, opts, strlen(opts) + 1) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	if (!ok)
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "cannot hash the module"),
		       KILN_ERR_NOMEM;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return KILN_OK;
}
