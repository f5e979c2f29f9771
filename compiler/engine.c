/*
 * engine.c — the engine: kiln_engine_new / kiln_engine_delete, the
 * configuration, statistics and the first compile error, the target
 * machines (pools of TM_POOL per tier for compilations on any thread),
 * the optimisation pipeline (default<On>) and the JIT's background
 * threads (speculation and tier-up).
 * Compiling is jit.c's (lazily, in process: its jit_state, which the engine
 * makes and deletes) and aot_emit.c's (artifacts); both ask the engine for
 * what they need through engine.h.
 *
 * Locks: stats_lock guards the statistics and the compile error (ORC's
 * session error reporter and any compiling thread record errors);
 * tm_lock guards the pool.  Neither is held while taking another.  jit.c
 * has its own (jit_state).
 *
 * Teardown order (kiln_engine_delete): the background threads stop and are
 * joined first (they compile with the JIT and the pools), then the JIT goes
 * (jit_delete: its session reports errors to this engine until then),
 * then the pool and the locks.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "engine.h"
#include "krt.h"

#define TM_POOL 4

struct kiln_engine {
	kiln_config config;
	jit_state *jit;
	pthread_mutex_t stats_lock;
	kiln_engine_stats stats;
	/* The first compilation failure not yet read (under stats_lock). */
	char compile_error[256];
	/* Target machines not in use (a compilation takes one), per kind
	 * (ENGINE_TM_*): -O0 code generation for tier 0, opt_level for tier
	 * 1, opt_level and the large code model for tier 1 with switches. */
	pthread_mutex_t tm_lock;
	LLVMTargetMachineRef tms[ENGINE_TMS][TM_POOL];
	unsigned ntms[ENGINE_TMS];
	/* The background threads (their queue is jit.c's). */
	pthread_t workers[KILN_MAX_JIT_THREADS];
	unsigned nworkers;
};

kiln_config kiln_config_default(void)
{
	return (kiln_config){.opt_level = 2, .bounds = KILN_BOUNDS_GUARD_PAGES,
			     .limits = kiln_module_limits_default(),
			     .max_table_elements = KILN_DEFAULT_MAX_TABLE_ELEMENTS,
			     .max_memory64_pages = KILN_DEFAULT_MAX_MEMORY64_PAGES,
			     .ssa_max_locals = KILN_SSA_MAX_LOCALS,
			     .ssa_max_body = KILN_SSA_MAX_BODY,
			     .tiering = KILN_TIERING_TIERED,
			     .tier_up_threshold = KILN_TIER_UP_THRESHOLD,
			     .tier_up_light_body = KILN_TIER_UP_LIGHT_BODY,
			     .jit_memory = KILN_JIT_MEMORY,
			     .features = KILN_FEATURES_DEFAULT};
}

const kiln_config *engine_config(const kiln_engine *e)
{
	return &e->config;
}

int engine_opt_level(const kiln_engine *e)
{
	return e->config.opt_level;
}

jit_state *engine_jit(const kiln_engine *e)
{
	return e->jit;
}

bool engine_speculates(const kiln_engine *e)
{
	return e->config.speculative_compile && e->nworkers > 0;
}

bool engine_has_workers(const kiln_engine *e)
{
	return e->nworkers > 0;
}

kiln_tiering engine_tiering(const kiln_engine *e)
{
	return e->config.opt_level == 0 ? KILN_TIERING_TIER0 : e->config.tiering;
}

uint32_t engine_tier_up_threshold(const kiln_engine *e)
{
	uint32_t t = e->config.tier_up_threshold;

	return t == 0 ? KILN_TIER_UP_THRESHOLD : t > INT32_MAX ? INT32_MAX : t;
}

uint32_t engine_tier_up_light_body(const kiln_engine *e)
{
	uint32_t b = e->config.tier_up_light_body;

	return b == 0 ? KILN_TIER_UP_LIGHT_BODY : b;
}

size_t engine_jit_memory(const kiln_engine *e)
{
	return e->config.jit_memory ? e->config.jit_memory : KILN_JIT_MEMORY;
}

bool engine_llvm_error(LLVMErrorRef le, kiln_error *err, const char *what)
{
	char *msg = LLVMGetErrorMessage(le);

	krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "%s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return false;
}

/* ------------------------------------------------ errors and statistics */

void engine_record_compile_error(kiln_engine *e, const char *msg)
{
	pthread_mutex_lock(&e->stats_lock);
	if (e->compile_error[0] == 0) {
		snprintf(e->compile_error, sizeof e->compile_error, "%.*s",
			 (int)sizeof e->compile_error - 1, msg);	/* cut */
		for (char *p = e->compile_error; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	pthread_mutex_unlock(&e->stats_lock);
}

size_t kiln_engine_compile_error(kiln_engine *e, char *buf, size_t size)
{
	size_t len;

	pthread_mutex_lock(&e->stats_lock);
	len = strlen(e->compile_error);
	if (size > 0)
		snprintf(buf, size, "%s", e->compile_error);
	e->compile_error[0] = 0;
	pthread_mutex_unlock(&e->stats_lock);
	return len;
}

void engine_count_compiled(kiln_engine *e, const engine_times *t, int tier)
{
	pthread_mutex_lock(&e->stats_lock);
	e->stats.functions_compiled++;
	if (tier == 0) {
		e->stats.tier0_functions++;
		e->stats.tier0_seconds += t->total;
	} else {
		e->stats.tier1_functions++;
		e->stats.tier1_seconds += t->total;
	}
	e->stats.compile_seconds += t->total;
	e->stats.lower_seconds += t->lower;
	e->stats.optimise_seconds += t->optimise;
	e->stats.codegen_seconds += t->codegen;
	pthread_mutex_unlock(&e->stats_lock);
}

void engine_count_tier_up(kiln_engine *e, const engine_times *t, bool first, bool osr)
{
	pthread_mutex_lock(&e->stats_lock);
	e->stats.functions_compiled += first;
	e->stats.tier1_functions += first;
	e->stats.tiered_up += first;
	e->stats.tiered_up_light += first && t->light;
	e->stats.tier1_bodies += !osr;
	e->stats.tier1_osr += osr;
	e->stats.tier1_seconds += t->total;
	e->stats.compile_seconds += t->total;
	e->stats.lower_seconds += t->lower;
	e->stats.optimise_seconds += t->optimise;
	e->stats.codegen_seconds += t->codegen;
	pthread_mutex_unlock(&e->stats_lock);
}

void engine_count_osr(kiln_engine *e, bool tier0)
{
	pthread_mutex_lock(&e->stats_lock);
	e->stats.osr_entries++;
	e->stats.osr0_entries += tier0;
	pthread_mutex_unlock(&e->stats_lock);
}

void engine_count_interp(kiln_engine *e, uint64_t functions, uint64_t bytes, double seconds)
{
	pthread_mutex_lock(&e->stats_lock);
	e->stats.interp_functions += functions;
	e->stats.interp_bytes += bytes;
	e->stats.interp_seconds += seconds;
	pthread_mutex_unlock(&e->stats_lock);
}

kiln_engine_stats kiln_engine_stats_of(kiln_engine *e)
{
	kiln_engine_stats s;

	pthread_mutex_lock(&e->stats_lock);
	s = e->stats;
	pthread_mutex_unlock(&e->stats_lock);
	return s;
}

/* ------------------------------------------- target machines, pipeline */

static void llvm_init_once(void)
{
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
}

void engine_llvm_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, llvm_init_once);
}

LLVMTargetMachineRef engine_host_machine(int opt, bool large)
{
	/* -O0 generates code fast (FastISel, the fast register allocator):
	 * ~12 times less compile time than LLVM's default level.  The small
	 * code model calls and jumps with 32-bit displacements (the large
	 * one, LLVM's JIT default, loads a 64-bit address into a register
	 * for every call, even a function's call to itself); PIC keeps jump
	 * tables relative, so nothing needs the low 2 GiB of the address
	 * space.  Calls out of an object go through RuntimeDyld's stubs.
	 * But a PIC jump table is an offset to load and add before the
	 * jump: an interpreter's dispatch loop (bench interp) ran 1.35
	 * times longer than with the large model's table of addresses, so
	 * a function with switches is compiled with that (`large`). */
	static const LLVMCodeGenOptLevel levels[] = {
		LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault,
		LLVMCodeGenLevelAggressive,
	};
	char *triple, *cpu, *features;
	LLVMTargetRef target;
	LLVMTargetMachineRef tm = NULL;

	engine_llvm_init();
	triple = LLVMGetDefaultTargetTriple();
	cpu = LLVMGetHostCPUName();
	features = LLVMGetHostCPUFeatures();
	if (LLVMGetTargetFromTriple(triple, &target, NULL) == 0)
		tm = LLVMCreateTargetMachine(target, triple, cpu, features,
					     levels[opt], large ? LLVMRelocStatic : LLVMRelocPIC,
					     large ? LLVMCodeModelLarge : LLVMCodeModelSmall);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return tm;
}

LLVMTargetMachineRef engine_take_tm(kiln_engine *e, int kind)
{
	LLVMTargetMachineRef tm = NULL;

	pthread_mutex_lock(&e->tm_lock);
	if (e->ntms[kind] > 0)
		tm = e->tms[kind][--e->ntms[kind]];
	pthread_mutex_unlock(&e->tm_lock);
	return tm ? tm : engine_host_machine(kind == ENGINE_TM_TIER0 ? 0 : e->config.opt_level,
					     kind == ENGINE_TM_SWITCHES);
}

void engine_give_tm(kiln_engine *e, int kind, LLVMTargetMachineRef tm)
{
	pthread_mutex_lock(&e->tm_lock);
	if (e->ntms[kind] < TM_POOL) {
		e->tms[kind][e->ntms[kind]++] = tm;
		tm = NULL;
	}
	pthread_mutex_unlock(&e->tm_lock);
	if (tm)
		LLVMDisposeTargetMachine(tm);
}

void engine_target(const kiln_engine *e, char **cpu, char **features)
{
	const kiln_config *c = &e->config;
	bool native = !c->target_cpu || !strcmp(c->target_cpu, "native");

	*cpu = native ? LLVMGetHostCPUName()
		      : LLVMCreateMessage(!strcmp(c->target_cpu, "generic") ? "x86-64" : c->target_cpu);
	*features = c->target_features ? LLVMCreateMessage(c->target_features)
				       : native ? LLVMGetHostCPUFeatures() : LLVMCreateMessage("");
}

LLVMTargetMachineRef engine_object_machine(const kiln_engine *e, int opt, char **triple,
					   char **cpu, char **features)
{
	LLVMTargetRef target;

	engine_llvm_init();
	*triple = LLVMGetDefaultTargetTriple();
	engine_target(e, cpu, features);
	if (LLVMGetTargetFromTriple(*triple, &target, NULL) != 0)
		return NULL;
	return LLVMCreateTargetMachine(target, *triple, *cpu, *features,
				       opt >= 2 ? LLVMCodeGenLevelDefault
				       : opt == 1 ? LLVMCodeGenLevelLess : LLVMCodeGenLevelNone,
				       LLVMRelocPIC, LLVMCodeModelSmall);
}

/* The light pipeline (kiln_config.tier_up_light_body).  default<O2> spent
 * its time all over (instcombine a fifth, then simplifycfg, IPSCCP, SROA,
 * indvars, GVN) and code generation as much again; these passes are the
 * ones bench code needed to run as fast as after default<O2>: the inliner
 * for the small callees tier 1 imports, SROA for the locals' allocas, and
 * for loops (an interpreter's dispatch loop: bench regex) rotation and
 * induction variables, without which its code ran 1.15 times longer.
 * They cost about a tenth of default<O2>: code generation is most of
 * what is left.  instcombine without verify-fixpoint: alone in a pipeline
 * it aborts the process when one run leaves more to combine. */
#define LIGHT_PIPELINE \
	"cgscc(inline),function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>," \
	"simplifycfg,loop-mssa(loop-rotate,licm),indvars,instcombine<no-verify-fixpoint>," \
	"simplifycfg<switch-range-to-icmp;switch-to-lookup;no-keep-loops;hoist-common-insts;" \
	"sink-common-insts;speculate-blocks;simplify-cond-branch>)"

bool engine_optimise(const kiln_engine *e, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		     bool light, kiln_error *err)
{
	static const char *const pipelines[] = {
		"default<O0>", "default<O1>", "default<O2>", "default<O3>",
	};
	LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
	LLVMErrorRef le = LLVMRunPasses(mod, light ? LIGHT_PIPELINE : pipelines[e->config.opt_level],
					tm, opts);

	LLVMDisposePassBuilderOptions(opts);
	return le == NULL ? true : engine_llvm_error(le, err, "optimisation failed");
}

/* ------------------------------------------------------------ lifecycle */

/* kiln_config.jit_threads background threads (0: one per spare CPU). */
static bool start_workers(kiln_engine *e, kiln_error *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = e->config.jit_threads;

	if (n == 0)
		n = cpus > 2 ? (unsigned)(cpus - 1) : 1;
	if (n > KILN_MAX_JIT_THREADS)
		n = KILN_MAX_JIT_THREADS;
	for (; e->nworkers < n; e->nworkers++)
		if (pthread_create(&e->workers[e->nworkers], NULL, jit_work, e) != 0)
			return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
					"cannot start a thread");
	return true;
}

kiln_status kiln_engine_new(const kiln_config *config, kiln_engine **out,
			    kiln_error *err)
{
	kiln_config cfg = config ? *config : kiln_config_default();
	kiln_engine *e;
	kiln_error local;

	*out = NULL;
	if (!err)
		err = &local;	/* the failure path returns what it stored */
	if (cfg.opt_level < 0 || cfg.opt_level > 3)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "optimisation level must be 0 to 3");
	if ((unsigned)cfg.tiering > KILN_TIERING_INTERP)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "tiering must be KILN_TIERING_TIERED, _TIER0, _TIER1 or _INTERP");
	if (cfg.jit_threads > KILN_MAX_JIT_THREADS)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "jit_threads must be at most %u", KILN_MAX_JIT_THREADS);
	if (cfg.jit_memory > KILN_JIT_MEMORY_MAX)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "jit_memory must be at most %zu MiB",
				       (size_t)KILN_JIT_MEMORY_MAX >> 20);
	if (cfg.bounds != KILN_BOUNDS_GUARD_PAGES || cfg.cache_dir)
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "%s is not supported yet",
				       cfg.cache_dir ? "a code cache" : "explicit bounds checking");
	if (!(e = calloc(1, sizeof *e)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	e->config = cfg;
	pthread_mutex_init(&e->stats_lock, NULL);
	pthread_mutex_init(&e->tm_lock, NULL);
	/* The LLJIT (and with it libLLVM) is made by the first compilation
	 * (jit_start), not here: a run from an artifact or the cache, or one
	 * the interpreter finishes, never loads LLVM. */
	if (!jit_new(e, &e->jit, err))
		goto fail;
	if ((cfg.speculative_compile || engine_tiering(e) == KILN_TIERING_TIERED ||
	     engine_tiering(e) == KILN_TIERING_INTERP) &&
	    !start_workers(e, err))
		goto fail;
	*out = e;
	return KILN_OK;
fail:
	kiln_engine_delete(e);
	return err->status;
}

void kiln_engine_delete(kiln_engine *e)
{
	if (e == NULL)
		return;
	if (e->nworkers > 0) {
		jit_work_stop(e);
		for (unsigned i = 0; i < e->nworkers; i++)
			pthread_join(e->workers[i], NULL);
	}
	jit_delete(e->jit);
	for (unsigned t = 0; t < ENGINE_TMS; t++)
		for (unsigned i = 0; i < e->ntms[t]; i++)
			LLVMDisposeTargetMachine(e->tms[t][i]);
	pthread_mutex_destroy(&e->tm_lock);
	pthread_mutex_destroy(&e->stats_lock);
	free(e);
}
