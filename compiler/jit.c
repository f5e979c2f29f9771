/*
 * jit.c — the engine and in-process compilation with ORC LLJIT.
 *
 * One LLJIT per engine.  A module is lowered into one LLVM module whose
 * symbols carry a prefix unique within the engine ("k<N>_f<i>",
 * "k<N>_t<i>"), optimised with the new pass manager (default<O2> unless the
 * configuration says otherwise), added to the main JITDylib and looked up,
 * which compiles it.  Every LLVMErrorRef is converted in one place,
 * llvm_error().
 *
 * (This first cut compiles a whole module when it is compiled; per-function
 * lazy compilation with lazy reexports is the next step.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "lower.h"

struct kiln_engine {
	LLVMOrcLLJITRef jit;
	LLVMTargetMachineRef tm;	/* for optimisation */
	int opt_level;
	pthread_mutex_t lock;		/* LLJIT's C API calls are serialised */
	unsigned next_module;
	kiln_engine_stats stats;
};

static bool llvm_error(LLVMErrorRef e, kiln_error *err, const char *what)
{
	char *msg = LLVMGetErrorMessage(e);

	kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "%s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return false;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static LLVMTargetMachineRef host_machine(int opt)
{
	char *triple = LLVMGetDefaultTargetTriple();
	char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
	LLVMTargetRef target;
	LLVMTargetMachineRef tm = NULL;

	if (LLVMGetTargetFromTriple(triple, &target, NULL) == 0)
		tm = LLVMCreateTargetMachine(target, triple, cpu, features,
					     opt >= 2 ? LLVMCodeGenLevelDefault : LLVMCodeGenLevelLess,
					     LLVMRelocDefault, LLVMCodeModelJITDefault);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return tm;
}

kiln_status kiln_engine_new(const kiln_config *config, kiln_engine **out,
			    kiln_error *err)
{
	kiln_engine *e;
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMErrorRef le;

	*out = NULL;
	if (!(e = calloc(1, sizeof *e)))
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory"),
		       KILN_ERR_NOMEM;
	e->opt_level = config ? config->opt_level : 2;
	if (e->opt_level < 0 || e->opt_level > 3) {
		free(e);
		return kiln_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				 "optimisation level must be 0 to 3"), KILN_ERR_ARG;
	}
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	pthread_mutex_init(&e->lock, NULL);
	if ((le = LLVMOrcCreateLLJIT(&e->jit, NULL)) != NULL) {
		llvm_error(le, err, "cannot create the JIT");
		goto fail;
	}
	/* Libcalls LLVM may emit (memcpy, fmod...) resolve in the process. */
	le = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&gen, LLVMOrcLLJITGetGlobalPrefix(e->jit), NULL, NULL);
	if (le != NULL) {
		llvm_error(le, err, "cannot create the JIT");
		goto fail;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(e->jit), gen);
	if (!(e->tm = host_machine(e->opt_level))) {
		kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "no native target");
		goto fail;
	}
	*out = e;
	return KILN_OK;
fail:
	kiln_engine_delete(e);
	return KILN_ERR_UNSUPPORTED;
}

void kiln_engine_delete(kiln_engine *e)
{
	if (e == NULL)
		return;
	if (e->jit)
		LLVMConsumeError(LLVMOrcDisposeLLJIT(e->jit));
	if (e->tm)
		LLVMDisposeTargetMachine(e->tm);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

kiln_engine_stats kiln_engine_stats_of(kiln_engine *e)
{
	kiln_engine_stats s;

	pthread_mutex_lock(&e->lock);
	s = e->stats;
	pthread_mutex_unlock(&e->lock);
	return s;
}

static bool optimise(kiln_engine *e, LLVMModuleRef mod, kiln_error *err)
{
	static const char *const pipelines[] = {
		"default<O0>", "default<O1>", "default<O2>", "default<O3>",
	};
	LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
	LLVMErrorRef le = LLVMRunPasses(mod, pipelines[e->opt_level], e->tm, opts);

	LLVMDisposePassBuilderOptions(opts);
	return le == NULL ? true : llvm_error(le, err, "optimisation failed");
}

static bool lower_all(lower_module *lm, kiln_error *err)
{
	const kiln_module *m = lm->m;

	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (!lower_function(lm, i, err) || !lower_trampoline(lm, i))
			return err->status ? false
					   : kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
						       "functions of more than 128 parameters are not supported yet");
	if (LLVMVerifyModule(lm->llmod, LLVMReturnStatusAction, NULL)) {
		/* A lowering bug: report it rather than run broken code. */
		char *msg = NULL;
		LLVMVerifyModule(lm->llmod, LLVMReturnStatusAction, &msg);
		kiln_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
			  "internal error: invalid IR: %.200s", msg ? msg : "?");
		LLVMDisposeMessage(msg);
		return false;
	}
	return true;
}

static bool lookup_all(kiln_engine *e, kiln_module *m, const lower_module *lm,
		       kiln_error *err)
{
	char name[64];
	LLVMOrcExecutorAddress addr;
	LLVMErrorRef le;

	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
		lower_func_name(lm, 'f', i, name, sizeof name);
		if ((le = LLVMOrcLLJITLookup(e->jit, &addr, name)) != NULL)
			return llvm_error(le, err, "compilation failed");
		m->func_code[i] = (void *)(uintptr_t)addr;
		lower_func_name(lm, 't', i, name, sizeof name);
		if ((le = LLVMOrcLLJITLookup(e->jit, &addr, name)) != NULL)
			return llvm_error(le, err, "compilation failed");
		m->func_tramp[i] = (void *)(uintptr_t)addr;
	}
	return true;
}

static bool compile(kiln_engine *e, kiln_module *m, kiln_error *err)
{
	LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
	LLVMContextRef c = LLVMOrcThreadSafeContextGetContext(tsc);
	lower_module lm;
	char prefix[32];
	bool ok;
	LLVMErrorRef le;

	snprintf(prefix, sizeof prefix, "k%u_", e->next_module++);
	ok = lower_module_init(&lm, m, c, prefix, err);
	if (ok) {
		LLVMSetTarget(lm.llmod, LLVMOrcLLJITGetTripleString(e->jit));
		LLVMSetDataLayout(lm.llmod, LLVMOrcLLJITGetDataLayoutStr(e->jit));
		ok = lower_all(&lm, err) && optimise(e, lm.llmod, err);
	}
	if (ok) {
		LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(lm.llmod, tsc);
		lm.llmod = NULL;	/* owned by tsm, then by the JIT */
		le = LLVMOrcLLJITAddLLVMIRModule(e->jit, LLVMOrcLLJITGetMainJITDylib(e->jit), tsm);
		ok = le == NULL ? lookup_all(e, m, &lm, err)
				: llvm_error(le, err, "cannot add the module");
	}
	if (lm.llmod)
		LLVMDisposeModule(lm.llmod);
	lower_module_free(&lm);
	LLVMOrcDisposeThreadSafeContext(tsc);
	return ok;
}

kiln_status kiln_module_compile(kiln_engine *e, kiln_module *m, kiln_error *err)
{
	kiln_error local;
	double t0 = now();
	bool ok;

	if (!err)
		err = &local;
	if (m->engine != NULL)
		return m->engine == e ? KILN_OK
			: (kiln_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				     "module already compiled by another engine"), KILN_ERR_ARG);
	if (kiln_module_validate(m, err) != KILN_OK)
		return err->status;
	err->status = KILN_OK;
	m->func_code = kiln_calloc(m->nfuncs, sizeof *m->func_code);
	m->func_tramp = kiln_calloc(m->nfuncs, sizeof *m->func_tramp);
	if (!m->func_code || !m->func_tramp)
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory"),
		       KILN_ERR_NOMEM;
	pthread_mutex_lock(&e->lock);
	ok = compile(e, m, err);
	if (ok) {
		e->stats.functions_compiled += m->nfuncs - m->nimported_funcs;
		e->stats.compile_seconds += now() - t0;
	}
	pthread_mutex_unlock(&e->lock);
	if (!ok) {
		free(m->func_code);
		free(m->func_tramp);
		m->func_code = m->func_tramp = NULL;
		return err->status ? err->status : KILN_ERR_UNSUPPORTED;
	}
	m->engine = e;
	return KILN_OK;
}

kiln_config kiln_config_default(void)
{
	return (kiln_config){.opt_level = 2};
}
