/*
 * jit.c — lazy in-process compilation with ORC LLJIT (the engine itself,
 * its configuration, target machines, pipeline and statistics: engine.c;
 * the background threads and tier-up: jit_work.c; the entry trampolines:
 * jit_tramp.c; their shared state: jit_internal.h).
 *
 * One LLJIT per engine, in its jit_state.  Compiling a module defines, in
 * a JITDylib of its own (cleared when the module is deleted: its code is
 * freed then, not with the engine) and with a prefix unique within the
 * engine ("k<N>_"):
 *  - the entries "f<i>": a stub per own function (jit_stubs.h), absolute
 *    symbols that compiled code calls and funcrefs hold, each jumping
 *    through a slot that tiering repoints;
 *  - one custom materialization unit per function for its body "b<i>":
 *    materializing it lowers that one function into its own LLVM module
 *    and emits it at the tier the engine starts at (below);
 *  - lazy reexports "l<i>" -> "b<i>", where each stub first jumps: ORC's
 *    stubs that materialize the body on first call.
 * Entry trampolines from C are per signature and per engine, not per
 * function (vmctx.h, kiln_tramp_fn): the first module that needs a
 * signature defines, in the engine's main JITDylib (never cleared), a unit
 * "T<sig>" (krt_tramp_name) and a lazy reexport "E<sig>" -> "T<sig>",
 * which the code's trampoline entries of every function of that signature
 * hold, in that module and every later one.  A trampoline is compiled at
 * the first call from C through it: a module of 100,000 functions once
 * compiled one per function, ~30 s before its first call, and defining
 * them cost a unit and a stub per function.
 * Tiers (kiln_config.tiering): tier 0 is lowering plus LLVM's -O0 code
 * generation (FastISel, the fast register allocator), no IR passes; tier
 * 1 is the engine's opt_level.  Tiered, a body starts at tier 0 with a
 * counter its entry and loop headers decrement (lower_module); at zero
 * tier_up_request queues it, and a background thread compiles it at tier
 * 1 as "o<i>", adds the object to the module's JITDylib and points the
 * stub at it (tier_up).  Frames already in tier 0 finish there.
 * So exactly the functions that run get compiled — and, with
 * kiln_config.speculative_compile, the functions compiled code calls
 * directly, ahead of their first call, on the engine's background threads.
 * Materializing may happen on any thread: each compilation takes a target
 * machine of its own from the engine's pool (engine_take_tm), emits an
 * object itself and hands it to the object linking layer.  Every
 * LLVMErrorRef is converted in one place, engine_llvm_error().  Teardown
 * order: see jit_delete (the engine joins its background threads first).
 *
 * A lazy compilation that fails ends the call with KILN_TRAP_COMPILE_FAILED.
 * Its cause is recorded, not printed: ORC's session errors go to
 * record_session_error instead of LLVM's default reporter (which prints a
 * line per failure to stderr: one failure cascades into hundreds), and a
 * body that cannot be lowered records its own message; the engine keeps
 * the first until kiln_engine_compile_error reads it
 * (engine_record_compile_error).
 */
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "jit_internal.h"
#include "jit_memory.h"
#include "objlines.h"

/* A lazy compilation that fails (out of memory, a limit, an internal
 * error) cannot return to the caller's code: it ends the call with a trap. */
static void lazy_compile_failed(void)
{
	krt_trap_raise(KILN_TRAP_COMPILE_FAILED);
}

/* ORC's error reporter: takes the error. */
static void record_session_error(void *ctx, LLVMErrorRef le)
{
	char *msg = LLVMGetErrorMessage(le);

	engine_record_compile_error(ctx, msg);
	LLVMDisposeErrorMessage(msg);
}

/* A blocking lookup of symbols in one JITDylib (LLJIT's own lookup
 * searches the main JITDylib only); materializes them if need be. */
typedef void found_fn(void *ctx, const char *name, LLVMOrcExecutorAddress addr);

typedef struct sync_lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	bool done;
	LLVMErrorRef err;
	found_fn *found;
	void *found_ctx;
} sync_lookup;

static void lookup_done(LLVMErrorRef err, LLVMOrcCSymbolMapPairs result, size_t n, void *ctx)
{
	sync_lookup *s = ctx;

	for (size_t i = 0; err == NULL && i < n; i++)
		s->found(s->found_ctx, LLVMOrcSymbolStringPoolEntryStr(result[i].Name),
			 result[i].Sym.Address);
	pthread_mutex_lock(&s->lock);
	s->err = err;
	s->done = true;
	pthread_cond_signal(&s->done_cond);
	pthread_mutex_unlock(&s->lock);
}

/* Takes the names (interned by the caller); found() gets each symbol. */
LLVMErrorRef jit_lookup_set(kiln_engine *e, LLVMOrcJITDylibRef jd,
				  LLVMOrcCLookupSetElement *syms, size_t n, found_fn *found,
				  void *found_ctx)
{
	LLVMOrcExecutionSessionRef es = LLVMOrcLLJITGetExecutionSession(engine_jit(e)->jit);
	sync_lookup s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, NULL,
			 found, found_ctx};
	LLVMOrcCJITDylibSearchOrderElement order = {
		jd, LLVMOrcJITDylibLookupFlagsMatchExportedSymbolsOnly};

	LLVMOrcExecutionSessionLookup(es, LLVMOrcLookupKindStatic, &order, 1, syms, n,
				      lookup_done, &s);
	pthread_mutex_lock(&s.lock);
	while (!s.done)
		pthread_cond_wait(&s.done_cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	return s.err;
}

static void found_one(void *ctx, const char *name, LLVMOrcExecutorAddress addr)
{
	(void)name;
	*(LLVMOrcExecutorAddress *)ctx = addr;
}

LLVMErrorRef jit_lookup(kiln_engine *e, LLVMOrcJITDylibRef jd, const char *name,
			      LLVMOrcExecutorAddress *addr)
{
	LLVMOrcCLookupSetElement sym = {
		LLVMOrcExecutionSessionIntern(
			LLVMOrcLLJITGetExecutionSession(engine_jit(e)->jit), name),
		LLVMOrcSymbolLookupFlagsRequiredSymbol};

	*addr = 0;
	return jit_lookup_set(e, jd, &sym, 1, found_one, addr);
}

double jit_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

bool jit_new(kiln_engine *e, jit_state **out, kiln_error *err)
{
	jit_state *j = calloc(1, sizeof *j);

	(void)e;
	if ((*out = j) == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_init(&j->start_lock, NULL);
	pthread_mutex_init(&j->jd_lock, NULL);
	pthread_mutex_init(&j->tramp_lock, NULL);
	pthread_mutex_init(&j->spec_lock, NULL);
	pthread_cond_init(&j->spec_work, NULL);
	pthread_cond_init(&j->spec_idle, NULL);
	return true;
}

/* The LLJIT, its code region, call-through manager and stubs manager
 * (jit_start, with start_lock held); a failure leaves what was made for
 * jit_delete. */
static bool make_lljit(kiln_engine *e, jit_state *j, kiln_error *err)
{
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMErrorRef le;

	if (!(j->region = jit_region_new(engine_jit_memory(e))))
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"cannot reserve %zu MiB of address space for JIT code",
				engine_jit_memory(e) >> 20);
	engine_llvm_init();
	LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
	/* kiln owns the code memory: the trap handler must know it, and the
	 * small code model needs every object in one region. */
	LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator(builder, jit_memory_layer, j->region);
	/* Code generation at the engine's level (the default is LLVM's O2). */
	LLVMTargetMachineRef jtm = engine_host_machine(engine_opt_level(e), false);
	if (jtm)
		LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
			builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jtm));
	if ((le = LLVMOrcCreateLLJIT(&j->jit, builder)) != NULL)
		return engine_llvm_error(le, err, "cannot create the JIT");
	LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(j->jit),
						record_session_error, e);
	/* Libcalls LLVM may emit (memcpy, fmod...) resolve in the process. */
	le = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
	if (le != NULL)
		return engine_llvm_error(le, err, "cannot create the JIT");
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->jit), gen);
	/* What each module's dylib names DW.ref.krt_eh_personality. */
	*jit_region_word(j->region, 0) = (void *)krt_eh_personality;
	le = LLVMOrcCreateLocalLazyCallThroughManager(
		LLVMOrcLLJITGetTripleString(j->jit), LLVMOrcLLJITGetExecutionSession(j->jit),
		(LLVMOrcJITTargetAddress)(uintptr_t)lazy_compile_failed, &j->lctm);
	if (le != NULL)
		return engine_llvm_error(le, err, "cannot create the JIT");
	j->ism = LLVMOrcCreateLocalIndirectStubsManager(LLVMOrcLLJITGetTripleString(j->jit));
	return true;
}

bool jit_start(kiln_engine *e, kiln_error *err)
{
	jit_state *j = engine_jit(e);
	bool ok = true;

	if (atomic_load_explicit(&j->started, memory_order_acquire))
		return true;
	pthread_mutex_lock(&j->start_lock);
	if (!atomic_load_explicit(&j->started, memory_order_relaxed)) {
		/* One attempt: a JIT made half-way is not made again. */
		if (j->start_status == KILN_OK && engine_llvm_load(err) && make_lljit(e, j, err)) {
			atomic_store_explicit(&j->started, true, memory_order_release);
		} else if (j->start_status == KILN_OK) {
			j->start_status = err->status;
			snprintf(j->start_error, sizeof j->start_error, "%s", err->message);
			ok = false;
		} else {
			ok = krt_fail(err, j->start_status, KILN_NO_OFFSET, "%s", j->start_error);
		}
	}
	pthread_mutex_unlock(&j->start_lock);
	return ok;
}

bool jit_started(const jit_state *j)
{
	return atomic_load_explicit(&j->started, memory_order_acquire);
}

/* Also a jit_new that failed half-way.  The engine's speculation thread
 * has been joined. */
void jit_delete(jit_state *j)
{
	if (j == NULL)
		return;
	/* The call-through manager holds names from the session's string
	 * pool: it goes before the JIT (valgrind shows the reverse order
	 * reading freed memory).  The stubs go last. */
	if (j->lctm)
		LLVMOrcDisposeLazyCallThroughManager(j->lctm);
	if (j->jit)
		LLVMConsumeError(LLVMOrcDisposeLLJIT(j->jit));
	if (j->ism)
		LLVMOrcDisposeIndirectStubsManager(j->ism);
	jit_region_delete(j->region);	/* its objects went with the LLJIT */
	for (size_t i = 0; i < j->ntramps; i++)
		jit_tramp_free(j->tramps[i]);
	free(j->tramps);
	pthread_mutex_destroy(&j->tramp_lock);
	free(j->spec_q);
	pthread_mutex_destroy(&j->jd_lock);
	free(j->free_jds);
	pthread_mutex_destroy(&j->start_lock);
	pthread_mutex_destroy(&j->spec_lock);
	pthread_cond_destroy(&j->spec_work);
	pthread_cond_destroy(&j->spec_idle);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* Optimises (`passes`: JIT_PASSES_*) and emits an object (not
 * thread-safe for one tm), adding the time each took to *t. */
bool jit_codegen(kiln_engine *e, LLVMModuleRef mod, LLVMTargetMachineRef tm, int passes,
		    LLVMMemoryBufferRef *obj, engine_times *t, kiln_error *err)
{
	char *msg = NULL;
	double t0 = jit_now(), t1;
	bool optimise = passes != JIT_PASSES_NONE;
	bool ok = !optimise || engine_optimise(e, mod, tm, passes == JIT_PASSES_LIGHT, err);

	t1 = jit_now();
	if (optimise)
		t->optimise += t1 - t0;
	if (!ok)
		return false;
	ok = LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, obj) == 0;
	t->codegen += jit_now() - t1;
	if (ok)
		return true;
	krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "code generation: %s",
		 msg ? msg : "?");
	LLVMDisposeMessage(msg);
	return false;
}

/* Whether JIT compilations run LLVM's verifier: the build's default
 * (cmake -DKILN_VERIFY_IR=ON, which scripts/test, the fuzzers and CI
 * use), or KILN_VERIFY_IR=1 or 0 in the environment.  Off, a lowering bug
 * reaches code generation unchecked; on, the verifier costs about 6 % of
 * a tier-0 compilation and 1 % of a tier-1 one.
 * Artifacts are always verified (aot_emit.c): compiled once, kept. */
static bool verifies;

static void verifies_once(void)
{
	const char *v = getenv("KILN_VERIFY_IR");

	verifies = v && (v[0] == '0' || v[0] == '1') && v[1] == '\0' ? v[0] == '1'
								     : KILN_VERIFY_IR_DEFAULT;
}

bool jit_verify(LLVMModuleRef mod, kiln_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char *msg = NULL;

	pthread_once(&once, verifies_once);
	if (!verifies || !LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		LLVMDisposeMessage(msg);
		return true;
	}
	/* A lowering bug: report it rather than run broken code. */
	krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
		 "internal error: invalid IR: %.200s", msg ? msg : "?");
	LLVMDisposeMessage(msg);
	return false;
}

void jit_set_target(kiln_engine *e, LLVMModuleRef mod)
{
	LLVMOrcLLJITRef jit = engine_jit(e)->jit;

	LLVMSetTarget(mod, LLVMOrcLLJITGetTripleString(jit));
	LLVMSetDataLayout(mod, LLVMOrcLLJITGetDataLayoutStr(jit));
}


/* The size of the function "<prefix><kind><i>" an object of LLVM's
 * defines, 0 if not found: perf map lines (perfmap.h). */
uint32_t jit_code_size(LLVMMemoryBufferRef obj, const char *prefix, char kind, uint32_t i)
{
	const uint8_t *p = (const uint8_t *)LLVMGetBufferStart(obj);
	size_t len = LLVMGetBufferSize(obj);
	const Elf64_Ehdr *eh = (const void *)p;
	char name[64];

	snprintf(name, sizeof name, "%s%c%u", prefix, kind, i);
	if (len < sizeof *eh || eh->e_shoff > len ||
	    eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		return 0;
	const Elf64_Shdr *sh = (const void *)(p + eh->e_shoff);
	for (unsigned s = 0; s < eh->e_shnum; s++) {
		if (sh[s].sh_type != SHT_SYMTAB || sh[s].sh_offset > len ||
		    sh[s].sh_size > len - sh[s].sh_offset || sh[s].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *str = &sh[sh[s].sh_link];
		if (str->sh_offset > len || str->sh_size > len - str->sh_offset)
			continue;
		const Elf64_Sym *sym = (const void *)(p + sh[s].sh_offset);
		for (size_t k = 0; k < sh[s].sh_size / sizeof *sym; k++)
			if (ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC &&
			    sym[k].st_shndx != SHN_UNDEF && sym[k].st_name < str->sh_size &&
			    !strncmp((const char *)p + str->sh_offset + sym[k].st_name, name,
				     str->sh_size - sym[k].st_name))
				return (uint32_t)sym[k].st_size;
	}
	return 0;
}

/* Hands obj (NULL: the compilation failed with *err) to the linking
 * layer, or fails mr with the cause recorded; frees u. */
static void emit_or_fail(body_unit *u, LLVMOrcMaterializationResponsibilityRef mr,
			 LLVMMemoryBufferRef obj, const kiln_error *err)
{
	kiln_engine *e = u->mj->engine;

	if (obj != NULL) {
		/* Marked before the emit: once the object is linked, a thread
		 * waiting for the symbol (a lazy call, when this is a
		 * background thread's speculation) runs it at once, and a trap
		 * in it symbolizes before the emit returns here.  symbolize's
		 * lookup of a body still being linked waits for it (and finds
		 * none if linking fails). */
		atomic_store(&u->mj->compiled[u->index], 1);
		/* Takes mr and obj. */
		LLVMOrcObjectLayerEmit(LLVMOrcLLJITGetObjLinkingLayer(engine_jit(e)->jit), mr, obj);
	} else {
		char msg[320];
		snprintf(msg, sizeof msg, "function %u: %s", u->index,
			 err->message[0] ? err->message : "no target machine");
		engine_record_compile_error(e, msg);
		LLVMOrcMaterializationResponsibilityFailMaterialization(mr);
		LLVMOrcDisposeMaterializationResponsibility(mr);
	}
	/* A materialized unit is not destroyed by ORC: its context is ours. */
	free(u);
}

/* The kinds of code that have maps in module_jit.lines, in its order. */
#define JIT_LINE_KINDS "bopq"

/* Keeps the map of one function of the module's in the object (a name
 * "<prefix><kind><index>"); frees any other. */
static void keep_one(void *ctx, const char *name, krt_lines *t)
{
	module_jit *mj = ctx;
	size_t n = strlen(mj->prefix);
	const char *k = NULL;
	char *end;
	unsigned long i;

	if (strncmp(name, mj->prefix, n) != 0 || !name[n] ||
	    !(k = strchr(JIT_LINE_KINDS, name[n])) || !name[n + 1] ||
	    (i = strtoul(name + n + 1, &end, 10)) >= mj->module->nfuncs || *end) {
		free(t);
		return;
	}
	size_t slot = (size_t)(k - JIT_LINE_KINDS) * mj->module->nfuncs + i;
	pthread_mutex_lock(&mj->lock);
	free(mj->lines[slot]);
	mj->lines[slot] = t;
	pthread_mutex_unlock(&mj->lock);
}

/* Before obj is linked (code in it may trap as soon as it is): the maps
 * of its functions, for trap backtraces.  An object kiln cannot read
 * leaves them unknown. */
static void keep_lines(module_jit *mj, LLVMMemoryBufferRef obj)
{
	obj_lines((const uint8_t *)LLVMGetBufferStart(obj), LLVMGetBufferSize(obj), keep_one, mj);
}

/* Frees what one compilation used (tm: of `tier`); its object stays. */
void jit_compile_end(kiln_engine *e, lower_module *lm, int tier, LLVMTargetMachineRef tm,
			LLVMContextRef c)
{
	if (lm->llmod)
		LLVMDisposeModule(lm->llmod);
	lower_module_free(lm);
	if (tm)
		engine_give_tm(e, tier, tm);
	LLVMContextDispose(c);
}


/* Tier 1 imports the bodies of small callees (lower_import_callees): at
 * most JIT_IMPORT_MAX of at most JIT_IMPORT_BYTES of code each. */
#define JIT_IMPORT_MAX 16
#define JIT_IMPORT_BYTES 400

/* Lowers function i of mj's module into its own LLVM module and emits it
 * as in `job`: *obj, the time in *t; false with *err.  A function over the
 * SSA thresholds is compiled with -O0 code generation at either tier, and
 * never counted (tier 1 would be the same code); one with switches, at
 * tier 1, with the large code model (engine_host_machine says why); a
 * tier-up of one over tier_up_light_body bytes of code through the light
 * pipeline (t->light says so). */
bool jit_compile_body(kiln_engine *e, module_jit *mj, uint32_t i, body_job *jp,
			 LLVMMemoryBufferRef *obj, engine_times *t, kiln_error *err)
{
	body_job job = *jp;
	LLVMContextRef c = LLVMContextCreate();
	LLVMTargetMachineRef tm = engine_take_tm(e, job.tier);
	lower_module lm = {0};
	/* kiln_config.tier0_no_offsets: tier 0 with no line table. */
	bool lines = job.tier == 1 || !engine_config(e)->tier0_no_offsets;
	double t_lower = jit_now();
	bool ok = tm != NULL && lower_module_init(&lm, mj->module, c, mj->prefix, err);

	if (ok) {
		if (lines)
			lower_lines(&lm);
		lm.epoch_checks = engine_config(e)->epoch_interruption;
		lm.fuel_checks = engine_config(e)->fuel_metering;
		lm.ssa_max_locals = engine_config(e)->ssa_max_locals;
		lm.ssa_max_body = engine_config(e)->ssa_max_body;
		lm.body_kind = job.kind;
		lm.tier0 = job.tier == 0;
		/* Tier 0 calls itself through its entry, so that recursion
		 * moves to tier 1 with the next call; tier 1's body calls
		 * itself; an OSR entry goes through the entry (o<i> may not
		 * be compiled, ever). */
		lm.self = job.tier == 1 && job.kind != 'q' ? i : UINT32_MAX;
		bool cheap = lower_unoptimised(&lm, i);
		if (job.count && !cheap) {
			lm.tier_counters = (int32_t *)mj->counters;
			lm.tier_up = job.kind == 'p' ? jit_osr0_tier_up_request
						      : jit_tier_up_request;
		}
		jit_set_target(e, lm.llmod);
		lm.tier_up_arg = mj;
		lm.osr_note = jit_osr_note;
		/* An OSR entry alone (q<i>, p<i>): a function's body and
		 * its OSR entry are compiled each when asked for. */
		lm.osr = job.kind == 'p' || job.kind == 'q';
		ok = lower_function(&lm, i, err);
		jp->osr_points = lm.osr_points > 0;
		if (lm.osr) {
			/* The OSR entry of a function with no OSR point (its
			 * locals in a frame array) is not worth emitting. */
			ok = ok && lm.nosr_loops > 0;
			jp->osr_loops = lm.osr_loops;	/* ours now */
			jp->nosr_loops = (uint32_t)lm.nosr_loops;
			lm.osr_loops = NULL;
			lm.osr = false;
		}
		if (ok && job.tier == 1)
			ok = lower_import_callees(&lm, JIT_IMPORT_MAX, JIT_IMPORT_BYTES, err);
		lower_lines_finish(&lm);
		ok = ok && jit_verify(lm.llmod, err);
		t->lower = jit_now() - t_lower;
		int alt = !ok || job.tier == 0 ? -1
			  : cheap ? (engine_opt_level(e) > 0 ? ENGINE_TM_TIER0 : -1)
			  : lm.switches ? ENGINE_TM_SWITCHES : -1;
		LLVMTargetMachineRef atm = alt >= 0 ? engine_take_tm(e, alt) : NULL;
		t->light = (job.kind == 'o' || job.kind == 'q') && !cheap &&
			   mj->module->funcs[i].code_size > engine_tier_up_light_body(e);
		int passes = job.tier == 0 ? JIT_PASSES_NONE
			     : t->light ? JIT_PASSES_LIGHT : JIT_PASSES_FULL;
		ok = ok && jit_codegen(e, lm.llmod, atm ? atm : tm, passes, obj, t, err);
		if (atm)
			engine_give_tm(e, alt, atm);
		if (ok && lines)
			keep_lines(mj, *obj);
		if (ok && engine_speculates(e) && job.kind == 'b')
			jit_speculate_callees(e, mj, &lm, i);
	}
	jit_compile_end(e, &lm, job.tier, tm, c);
	return ok;
}

/* The tier a body starts at, on first call; counted when tiered, and
 * when interpreted before (the interpreter asked for it: its counts go
 * on toward tier 1). */
static body_job first_job(const kiln_engine *e, const module_jit *mj, uint32_t i)
{
	kiln_tiering t = engine_tiering(e);
	bool count = t == KILN_TIERING_TIERED ||
		     (t == KILN_TIERING_INTERP && mj->interp && krt_interp_entry(mj->interp, i));

	return (body_job){.tier = t == KILN_TIERING_TIER1, .count = count, .kind = 'b'};
}

/* Materializes one function body on whichever thread first looked it
 * up. */
static void materialize_body(void *ctx, LLVMOrcMaterializationResponsibilityRef mr)
{
	body_unit *u = ctx;
	kiln_engine *e = u->mj->engine;
	double t0 = jit_now();	/* from the start: set-up counts */
	engine_times t = {0};
	LLVMMemoryBufferRef obj = NULL;
	kiln_error err = {0};
	body_job job = first_job(e, u->mj, u->index);
	bool ok = jit_compile_body(e, u->mj, u->index, &job, &obj, &t, &err);

	if (ok && krt_perfmap_on())
		u->mj->code_size[u->index] = jit_code_size(obj, u->mj->prefix, 'b', u->index);
	t.total = jit_now() - t0;
	if (ok)
		engine_count_compiled(e, &t, job.tier);
	emit_or_fail(u, mr, ok ? obj : NULL, &err);
}

void jit_discard(void *ctx, LLVMOrcJITDylibRef jd, LLVMOrcSymbolStringPoolEntryRef sym)
{
	(void)ctx, (void)jd, (void)sym;
}

/* Called for units never materialized, when the JIT goes. */
static void destroy_body(void *ctx)
{
	free(ctx);
}

static LLVMOrcSymbolStringPoolEntryRef intern(kiln_engine *e, const lower_module *lm,
					      char kind, uint32_t i)
{
	char name[64];

	lower_func_name(lm, kind, i, name, sizeof name);
	return LLVMOrcExecutionSessionIntern(LLVMOrcLLJITGetExecutionSession(engine_jit(e)->jit),
					     name);
}

LLVMErrorRef jit_define_reexports(kiln_engine *e, LLVMOrcJITDylibRef jd,
				     LLVMOrcCSymbolAliasMapPairs aliases, uint32_t n)
{
	jit_state *j = engine_jit(e);
	LLVMErrorRef le = NULL;

	for (uint32_t i = 0; i < n && le == NULL; i += STUB_BATCH) {
		uint32_t k = n - i < STUB_BATCH ? n - i : STUB_BATCH;
		if (j->stub_blocks == STUB_BLOCKS)
			return LLVMCreateStringError("the engine has made all the lazy stubs it can "
						     "(65,535 batches): use a new engine");
		j->stub_blocks++;
		le = LLVMOrcJITDylibDefine(jd, LLVMOrcLazyReexports(j->lctm, j->ism, jd,
								     aliases + i, k));
	}
	return le;
}

/* The unit that compiles function i's body "b<i>". */
static bool define_unit(kiln_engine *e, module_jit *mj, const lower_module *lm, uint32_t i,
			kiln_error *err)
{
	body_unit *u = calloc(1, sizeof *u);
	LLVMOrcCSymbolFlagsMapPair sym;
	LLVMErrorRef le;

	if (u == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	*u = (body_unit){mj, i};
	sym = (LLVMOrcCSymbolFlagsMapPair){intern(e, lm, 'b', i), JIT_CALLABLE};
	le = LLVMOrcJITDylibDefine(mj->jd,
				   LLVMOrcCreateCustomMaterializationUnit(
					   "kiln-function", u, &sym, 1, NULL, materialize_body,
					   jit_discard, destroy_body));
	return le == NULL ? true : engine_llvm_error(le, err, "cannot define a function");
}

/* One materialization unit per body, then the lazy reexports "l<i>" ->
 * "b<i>" (where stub "f<i>" first jumps). */
static bool define_lazy(kiln_engine *e, module_jit *mj, const lower_module *lm,
			kiln_error *err)
{
	const kiln_module *m = mj->module;
	uint32_t n = m->nfuncs - m->nimported_funcs;
	LLVMOrcCSymbolAliasMapPairs aliases = krt_calloc(n ? n : 1, sizeof *aliases);
	LLVMErrorRef le;

	if (aliases == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
		uint32_t k = i - m->nimported_funcs;
		if (!define_unit(e, mj, lm, i, err)) {
			free(aliases);
			return false;
		}
		aliases[k] = (LLVMOrcCSymbolAliasMapPair){
			intern(e, lm, 'l', i), {intern(e, lm, 'b', i), JIT_CALLABLE}};
	}
	le = jit_define_reexports(e, mj->jd, aliases, n);
	free(aliases);
	return le == NULL ? true : engine_llvm_error(le, err, "cannot define lazy entry points");
}

/* A lazy stub "<prefix>l<i>" found: where function i's stub jumps until
 * tier 1 replaces it. */
static void found_entry(void *ctx, const char *name, LLVMOrcExecutorAddress addr)
{
	module_jit *mj = ctx;
	const char *p = name + strlen(mj->prefix);
	unsigned long i = strtoul(p + 1, NULL, 10);
	uint32_t nimp = mj->module->nimported_funcs;

	if (i < nimp || i >= mj->module->nfuncs)
		return;
	jit_stub_point(mj->stubs, (uint32_t)i - nimp, (void *)(uintptr_t)addr);
	if (!mj->late)	/* else published already: the entries are thunks */
		krt_code_set(mj->module->code, (uint32_t)i,
			     jit_stub(mj->stubs, (uint32_t)i - nimp), NULL);
}

/* The entries "f<i>": the module's own stubs, defined as absolute
 * symbols, which every body calls. */
static bool define_stubs(kiln_engine *e, module_jit *mj, const lower_module *lm,
			 kiln_error *err)
{
	const kiln_module *m = mj->module;
	uint32_t n = m->nfuncs - m->nimported_funcs;
	LLVMOrcCSymbolMapPairs syms;
	LLVMErrorRef le;

	if (n == 0)
		return true;
	if (n > JIT_STUBS_MAX)
		return krt_fail(err, KILN_ERR_LIMIT, KILN_NO_OFFSET,
				"the JIT takes at most %u functions per module", JIT_STUBS_MAX);
	if (!(mj->stubs = jit_stubs_new(n, (void *)(uintptr_t)lazy_compile_failed)) ||
	    !(syms = krt_calloc(n, sizeof *syms)))
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (uint32_t k = 0; k < n; k++)
		syms[k] = (LLVMOrcCSymbolMapPair){
			intern(e, lm, 'f', m->nimported_funcs + k),
			{(LLVMOrcExecutorAddress)(uintptr_t)jit_stub(mj->stubs, k), JIT_CALLABLE}};
	le = LLVMOrcJITDylibDefine(mj->jd, LLVMOrcAbsoluteSymbols(syms, n));
	free(syms);
	return le == NULL ? true : engine_llvm_error(le, err, "cannot define entry stubs");
}

/* Every entry point's address: the stubs (looking them up compiles
 * nothing). */
static bool define_entries(kiln_engine *e, module_jit *mj, lower_module *lm,
			   kiln_error *err)
{
	const kiln_module *m = mj->module;
	LLVMOrcJITDylibRef jd = mj->jd;

	/* Batches as define_reexports made them: one lookup of a whole batch
	 * makes its stubs at once (one symbol at a time, ORC splits the rest
	 * of the batch off anew for each: quadratic). */
	LLVMOrcCLookupSetElement *syms = krt_calloc(STUB_BATCH, sizeof *syms);
	LLVMErrorRef le = NULL;

	if (syms == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs && le == NULL; i += STUB_BATCH) {
		uint32_t k = 0;
		for (uint32_t j = i; j < m->nfuncs && j < i + STUB_BATCH; j++)
			syms[k++] = (LLVMOrcCLookupSetElement){
				intern(e, lm, 'l', j), LLVMOrcSymbolLookupFlagsRequiredSymbol};
		le = jit_lookup_set(e, jd, syms, k, found_entry, mj);
	}
	free(syms);
	if (le != NULL)
		return engine_llvm_error(le, err, "compilation failed");
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (!krt_code_entry(m->code, i) || !krt_code_tramp(m->code, i))
			return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					"internal error: no entry point for function %u", i);
	return true;
}

/* The module's JITDylib; libcalls LLVM may emit (fmod...) resolve in
 * the process. */
/* The personality unwind tables name (runtime/exception.h), the
 * runtime's own whether the process exports it or not; and the word
 * they read it from (DW.ref.*: each object defines it weak, and its
 * linking, which owns only the object's function, looks it up instead),
 * in the region, where a 32-bit PC-relative reference reaches it. */
static LLVMErrorRef define_personality(jit_state *j, LLVMOrcJITDylibRef jd)
{
	LLVMOrcExecutionSessionRef es = LLVMOrcLLJITGetExecutionSession(j->jit);
	LLVMOrcCSymbolMapPair syms[2] = {
		{LLVMOrcExecutionSessionIntern(es, "krt_eh_personality"),
		 {(LLVMOrcExecutorAddress)(uintptr_t)krt_eh_personality, JIT_CALLABLE}},
		{LLVMOrcExecutionSessionIntern(es, "DW.ref.krt_eh_personality"),
		 {(LLVMOrcExecutorAddress)(uintptr_t)jit_region_word(j->region, 0),
		  JIT_CALLABLE}}};

	return LLVMOrcJITDylibDefine(jd, LLVMOrcAbsoluteSymbols(syms, 2));
}

/* A new JITDylib for the module, which finds symbols in the process too. */
static bool new_dylib(jit_state *j, module_jit *mj, const char *prefix, kiln_error *err)
{
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMErrorRef le;

	le = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
	if (le != NULL)
		return engine_llvm_error(le, err, "cannot create the module's JIT dylib");
	mj->jd = LLVMOrcExecutionSessionCreateBareJITDylib(LLVMOrcLLJITGetExecutionSession(j->jit),
							   prefix);
	LLVMOrcJITDylibAddGenerator(mj->jd, gen);
	return true;
}

/* The module's JITDylib: a freed module's, or a new one; either way the
 * personality's symbols are defined anew (clearing a freed module's
 * JITDylib removed them with the rest). */
static bool module_dylib(kiln_engine *e, module_jit *mj, const char *prefix, kiln_error *err)
{
	jit_state *j = engine_jit(e);
	LLVMErrorRef le;

	pthread_mutex_lock(&j->jd_lock);
	mj->jd = j->nfree_jds ? j->free_jds[--j->nfree_jds] : NULL;
	pthread_mutex_unlock(&j->jd_lock);
	if (!mj->jd && !new_dylib(j, mj, prefix, err))
		return false;
	if ((le = define_personality(j, mj->jd)) != NULL)
		return engine_llvm_error(le, err, "cannot create the module's JIT dylib");
	return true;
}

static bool compile(kiln_engine *e, const kiln_module *m, module_jit *mj, kiln_error *err)
{
	LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
	lower_module lm;
	char prefix[16];
	bool ok;

	snprintf(prefix, sizeof prefix, "k%u_", engine_jit(e)->next_module++);
	snprintf(mj->prefix, sizeof prefix, "%s", prefix);
	if (!module_dylib(e, mj, prefix, err)) {
		LLVMOrcDisposeThreadSafeContext(tsc);
		return false;
	}
	ok = lower_module_init(&lm, m, LLVMOrcThreadSafeContextGetContext(tsc), prefix, err) &&
	     jit_tramps_fit(m, err) && define_stubs(e, mj, &lm, err) && define_lazy(e, mj, &lm, err) &&
	     jit_define_tramps(e, mj, err) &&
	     define_entries(e, mj, &lm, err);
	if (lm.llmod)
		LLVMDisposeModule(lm.llmod);
	lower_module_free(&lm);
	LLVMOrcDisposeThreadSafeContext(tsc);
	return ok;
}

static bool body_address(module_jit *mj, uint32_t i);

/* perf map lines for the bodies compiled (perfmap.h). */
static void perfmap_module(module_jit *mj)
{
	pthread_mutex_lock(&mj->lock);
	for (uint32_t i = 0; i < mj->module->nfuncs; i++) {
		if (atomic_load(&mj->compiled[i]) && body_address(mj, i))
			krt_perfmap_add(mj->body[i], mj->code_size[i], mj->module, i);
		if (mj->body1[i])
			krt_perfmap_add(mj->body1[i], mj->code_size1[i], mj->module, i);
		if (atomic_load(&mj->osr[i]))
			krt_perfmap_add(atomic_load(&mj->osr[i]), mj->osr_size[i], mj->module, i);
		if (mj->osr0 && atomic_load(&mj->osr0[i].entry))
			krt_perfmap_add(atomic_load(&mj->osr0[i].entry), mj->osr0[i].size,
					mj->module, i);
	}
	pthread_mutex_unlock(&mj->lock);
}

static void module_jit_free(void *p)
{
	module_jit *mj = p;

	if (mj == NULL)
		return;
	if (engine_has_workers(mj->engine))
		jit_forget(mj->engine, mj);
	if (krt_perfmap_on() && mj->compiled && mj->body && mj->code_size && mj->jd)
		perfmap_module(mj);
	/* The module's code and stubs go; its instances are gone (they may
	 * not outlive it).  The empty JITDylib stays with the session. */
	if (mj->jd) {
		jit_state *j = engine_jit(mj->engine);
		LLVMErrorRef le = LLVMOrcJITDylibClear(mj->jd);
		if (le != NULL) {
			LLVMConsumeError(le);	/* not reused: it may hold something */
		} else {
			pthread_mutex_lock(&j->jd_lock);
			if (krt_grow((void **)&j->free_jds, &j->free_jds_cap, j->nfree_jds + 1,
				     sizeof *j->free_jds))
				j->free_jds[j->nfree_jds++] = mj->jd;
			pthread_mutex_unlock(&j->jd_lock);
		}
	}
	free((void *)mj->compiled);
	free(mj->code_size);
	free((void *)mj->queued);
	free(mj->body);
	free((void *)mj->counters);
	free((void *)mj->tier_state);
	free((void *)mj->osr_state);
	free((void *)mj->tier0_state);
	free(mj->body1);
	free((void *)mj->osr);
	free(mj->code_size1);
	free(mj->osr_size);
	for (uint32_t i = 0; mj->osr_loops && i < mj->module->nfuncs; i++)
		free(mj->osr_loops[i]);
	free(mj->osr_loops);
	free(mj->nosr_loops);
	for (uint32_t i = 0; mj->osr0 && i < mj->module->nfuncs; i++)
		free(mj->osr0[i].loops);
	free(mj->osr0);
	free(mj->osr_rets);
	for (size_t i = 0; mj->lines && i < 4 * (size_t)mj->module->nfuncs; i++)
		free(mj->lines[i]);
	free(mj->lines);
	free(mj->interp_tramps);
	jit_stubs_free(mj->stubs);	/* after the code that called them */
	krt_interp_free(mj->interp);
	pthread_mutex_destroy(&mj->lock);
	free(mj);
}

/* m's JIT state; with im (KILN_TIERING_INTERP), its interpreter's
 * (consumed: freed with mj, or here when there is no mj). */
static module_jit *module_jit_new(kiln_engine *e, const kiln_module *m, interp_module *im)
{
	module_jit *mj = calloc(1, sizeof *mj);

	if (mj == NULL) {
		krt_interp_free(im);
		return NULL;
	}
	mj->engine = e;
	mj->interp = im;
	if (im) {
		mj->interp_tramps = krt_calloc(m->nfuncs, sizeof *mj->interp_tramps);
		mj->osr0 = krt_calloc(m->nfuncs, sizeof *mj->osr0);
	}
	mj->compiled = krt_calloc(m->nfuncs, sizeof *mj->compiled);
	mj->queued = krt_calloc(m->nfuncs, sizeof *mj->queued);
	mj->body = krt_calloc(m->nfuncs, sizeof *mj->body);
	mj->code_size = krt_calloc(m->nfuncs, sizeof *mj->code_size);
	mj->counters = krt_calloc(m->nfuncs, sizeof *mj->counters);
	mj->tier_state = krt_calloc(m->nfuncs, sizeof *mj->tier_state);
	mj->osr_state = krt_calloc(m->nfuncs, sizeof *mj->osr_state);
	mj->tier0_state = krt_calloc(m->nfuncs, sizeof *mj->tier0_state);
	mj->body1 = krt_calloc(m->nfuncs, sizeof *mj->body1);
	mj->osr = krt_calloc(m->nfuncs, sizeof *mj->osr);
	mj->code_size1 = krt_calloc(m->nfuncs, sizeof *mj->code_size1);
	mj->osr_size = krt_calloc(m->nfuncs, sizeof *mj->osr_size);
	mj->osr_loops = krt_calloc(m->nfuncs, sizeof *mj->osr_loops);
	mj->nosr_loops = krt_calloc(m->nfuncs, sizeof *mj->nosr_loops);
	mj->lines = krt_calloc(4 * (size_t)m->nfuncs, sizeof *mj->lines);
	mj->module = m;
	pthread_mutex_init(&mj->lock, NULL);
	if (!mj->compiled || !mj->queued || !mj->body || !mj->code_size || !mj->counters ||
	    !mj->tier_state || !mj->osr_state || !mj->tier0_state ||
	    !mj->body1 || !mj->osr || !mj->code_size1 || !mj->osr_size ||
	    !mj->osr_loops || !mj->nosr_loops || !mj->lines ||
	    (im && (!mj->interp_tramps || !mj->osr0))) {
		module_jit_free(mj);
		return NULL;
	}
	for (uint32_t i = 0; i < m->nfuncs; i++)
		atomic_init(&mj->counters[i], (int32_t)engine_tier_up_threshold(e));
	return mj;
}

/* Whether function i's tier-0 (or only) body is compiled and its address
 * in mj->body[i], looked up once (with mj->lock held; compiled ones only:
 * this compiles nothing). */
static bool body_address(module_jit *mj, uint32_t i)
{
	if (mj->body[i] == NULL && atomic_load(&mj->compiled[i]))
		mj->body[i] = jit_find(mj->engine, mj, 'b', i);
	return mj->body[i] != NULL;
}

/* Where a pc is: the function (UINT32_MAX: none; KILN_NOT_A_FUNCTION:
 * glue), the start of its code holding pc and the kind of that code (its
 * index in JIT_LINE_KINDS). */
typedef struct jit_place {
	uint32_t func;
	uintptr_t start;
	unsigned kind;
} jit_place;

/* Function i's code of `kind` starting at `start` (0: none) holds pc if
 * it is the closest start below pc so far. */
static void closest(uintptr_t start, uintptr_t pc, uint32_t i, unsigned kind, jit_place *best)
{
	if (start && start <= pc && start >= best->start)
		*best = (jit_place){i, start, kind};
}

/* The compiled function holding `pc`: the closest body start below it
 * (tier 0's, tier 1's, or an OSR entry's: q<i>, p<i>).  Only bodies
 * already compiled are looked up, so this compiles nothing. */
static jit_place place(const kiln_code *code, module_jit *mj, uintptr_t pc)
{
	jit_place best = {UINT32_MAX, 0, 0};

	/* A frame that moved to an OSR entry (tier 0's, or p<i> to q<i>):
	 * not a frame of its own (pc is a return address less one). */
	for (size_t k = 0; k < mj->nosr_rets; k++)
		if (mj->osr_rets[k] == pc + 1)
			return (jit_place){KILN_NOT_A_FUNCTION, 0, 0};
	for (uint32_t i = code->nimported; i < code->nfuncs; i++) {
		closest((uintptr_t)mj->body1[i], pc, i, 1, &best);
		closest((uintptr_t)atomic_load(&mj->osr[i]), pc, i, 3, &best);
		if (mj->osr0)
			closest((uintptr_t)atomic_load(&mj->osr0[i].entry), pc, i, 2, &best);
		if (atomic_load(&mj->compiled[i]) && body_address(mj, i))
			closest((uintptr_t)mj->body[i], pc, i, 0, &best);
	}
	/* Entry trampolines (the engine's) are compiled code too, but no
	 * wasm function. */
	uintptr_t start = jit_tramp_below(mj->engine, pc);
	if (start && start > best.start)
		best.func = KILN_NOT_A_FUNCTION;
	return best;
}

static uint32_t symbolize(const kiln_code *code, uintptr_t pc)
{
	module_jit *mj = code->state;

	pthread_mutex_lock(&mj->lock);
	jit_place p = place(code, mj, pc);
	pthread_mutex_unlock(&mj->lock);
	return p.func;
}

/* The module offset of pc's wasm instruction: from the map of the code
 * symbolize finds it in (the closest start below it, so a pc past that
 * code's end falls on the map's last entry, unknown). */
static uint32_t code_offset(const kiln_code *code, uintptr_t pc)
{
	module_jit *mj = code->state;
	uint32_t off = 0;

	pthread_mutex_lock(&mj->lock);
	jit_place p = place(code, mj, pc);
	const krt_lines *t = p.func < code->nfuncs
			     ? mj->lines[(size_t)p.kind * code->nfuncs + p.func] : NULL;
	if (t && pc - p.start <= UINT32_MAX)
		off = krt_lines_find(t->e, t->n, (uint32_t)(pc - p.start));
	pthread_mutex_unlock(&mj->lock);
	return off ? off : KILN_UNKNOWN_OFFSET;
}

/* The JIT's code: its entries are lazy stubs into mj's JITDylib. */
static const kiln_code_ops jit_ops = {"jit", symbolize, module_jit_free, code_offset};

/* What the engine's code is compiled with and its instances get. */
static void publish(kiln_engine *e, kiln_module *m, module_jit *mj)
{
	const kiln_config *c = engine_config(e);
	kiln_instance_limits limits = {.max_memory_pages = c->max_memory_pages,
				       .max_table_elements = c->max_table_elements,
				       .stack_size = c->stack_size,
				       .max_memory64_pages = c->max_memory64_pages};
	uint32_t flags = (c->epoch_interruption ? KILN_CODE_EPOCH_CHECKS : 0) |
			 (c->fuel_metering ? KILN_CODE_FUEL : 0);

	krt_code_publish(m->code, &jit_ops, mj, e, flags, &limits);
}

/* KILN_TIERING_INTERP: every interpreted function's stub slot points at
 * its thunk, and its JIT trampoline is kept for tier 1 (late: kept there
 * by jit_define_tramps, the code published already). */
static void interp_stubs(module_jit *mj, interp_module *im)
{
	const kiln_module *m = mj->module;

	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
		if (!krt_interp_entry(im, i))
			continue;
		if (!mj->late)
			mj->interp_tramps[i] = krt_code_tramp(m->code, i);
		jit_stub_point(mj->stubs, i - m->nimported_funcs, krt_interp_entry(im, i));
	}
}

/* Every interpreted function's code entry becomes its thunk, and its
 * counts go to the JIT's tier-up requests, as tier 0's do. */
static void interp_entries(module_jit *mj, interp_module *im)
{
	krt_interp_set_entries(mj->module->code, im);
	im->counters = mj->counters;
	im->tier_up = jit_interp_tier_up_request;
	im->tier_up_arg = mj;
}

/* Function i's new compiled body: its stub slot points there, so that
 * compiled code calling f<i> enters it; an interpreted function then gets
 * its code entry back, the trampoline first, then the entry: the
 * interpreter reads the entry, then the trampoline (interp_enter).  With
 * mj->lock held (tier 0 never replaces tier 1). */
void jit_install(module_jit *mj, uint32_t i, void *body)
{
	kiln_code *code = mj->module->code;
	void *stub = jit_stub(mj->stubs, i - mj->module->nimported_funcs);

	jit_stub_point(mj->stubs, i - mj->module->nimported_funcs, body);
	if (!mj->interp || !krt_interp_entry(mj->interp, i))
		return;
	krt_code_set(code, i, NULL, mj->interp_tramps[i]);
	krt_code_set(code, i, stub, NULL);
	/* Funcrefs made before hold the thunk: compiled callers go on to
	 * the stub, past the native adapter. */
	krt_interp_retarget(mj->interp, i, stub);
}

/* Compiles m lazily with the JIT; with im (KILN_TIERING_INTERP), only
 * the functions im left compiled ever are: every other one's entry and
 * stub slot become its thunk, so compiled code calls it through the
 * native adapter.  im is consumed. */
static kiln_status jit_module(kiln_engine *e, kiln_module *m, interp_module *im,
			      kiln_error *err)
{
	module_jit *mj = module_jit_new(e, m, im);
	bool ok;

	if (!mj)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	pthread_mutex_lock(&engine_jit(e)->lock);
	ok = jit_start(e, err) && compile(e, m, mj, err);
	pthread_mutex_unlock(&engine_jit(e)->lock);
	if (!ok) {
		/* Nothing was published: the code stays empty. */
		module_jit_free(mj);
		return err->status != KILN_OK ? err->status
			: krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					  "internal error: compilation failed without a reason");
	}
	if (im) {
		interp_stubs(mj, im);
		interp_entries(mj, im);
	}
	atomic_store_explicit(&mj->attached, true, memory_order_relaxed);
	publish(e, m, mj);
	return KILN_OK;
}

/* KILN_TIERING_INTERP with every function interpreted: m's code is
 * published with no JIT part yet (so nothing of LLVM runs before the
 * program does); the first tier-up defines it (jit_attach).  im is
 * consumed. */
static kiln_status publish_interpreted(kiln_engine *e, kiln_module *m, interp_module *im,
				       kiln_error *err)
{
	module_jit *mj = module_jit_new(e, m, im);

	if (!mj)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	mj->late = true;
	interp_entries(mj, im);
	publish(e, m, mj);
	return KILN_OK;
}

bool jit_attach(kiln_engine *e, module_jit *mj, kiln_error *err)
{
	jit_state *j = engine_jit(e);
	bool ok;

	if (atomic_load_explicit(&mj->attached, memory_order_acquire))
		return true;
	pthread_mutex_lock(&j->lock);
	if (atomic_load_explicit(&mj->attached, memory_order_relaxed)) {
		ok = true;
	} else if (mj->attach_failed) {
		/* One attempt: what a failed one defined stays until the module goes. */
		ok = krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
			      "the module's JIT could not be set up before");
	} else if ((ok = jit_start(e, err) && compile(e, mj->module, mj, err))) {
		interp_stubs(mj, mj->interp);
		atomic_store_explicit(&mj->attached, true, memory_order_release);
	} else {
		mj->attach_failed = true;
	}
	pthread_mutex_unlock(&j->lock);
	return ok;
}

/* kiln_config.tiering KILN_TIERING_INTERP: every function the runtime's
 * interpreter can run is interpreted, counting toward tier 1 as tier 0
 * does, the others compiled (jit_module); what the interpreter refuses
 * for a whole module (fuel...) is an error. */
static kiln_status interpret(kiln_engine *e, kiln_module *m, kiln_error *err)
{
	const kiln_config *c = engine_config(e);
	double t0 = jit_now();
	uint64_t bytes = 0, n = 0;
	interp_module *im;

	uint32_t flags = (c->epoch_interruption ? KILN_CODE_EPOCH_CHECKS : 0) |
			 (c->fuel_metering ? KILN_CODE_FUEL : 0);

	if (krt_interp_translate(m, flags | KRT_INTERP_TIER_UP, &im, err) != KILN_OK)
		return err->status;
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
		if (krt_interp_entry(im, i)) {
			bytes += m->funcs[i].body.len;
			n++;
		}
	}
	engine_count_interp(e, n, bytes, jit_now() - t0);
	return im->ncompiled == 0 ? publish_interpreted(e, m, im, err) : jit_module(e, m, im, err);
}

kiln_status kiln_module_compile(kiln_engine *e, kiln_module *m, kiln_error *err)
{
	kiln_error local;

	if (!err)
		err = &local;
	/* First, so that an artifact (a cache hit) is refused alike. */
	if (!krt_features_allow(m, engine_config(e)->features, err))
		return err->status;
	/* Loaded from an artifact (no owner): compiled already. */
	if (krt_code_ready(m->code))
		return m->code->owner == NULL || m->code->owner == e ? KILN_OK
			: krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
					  "module already compiled by another engine");
	if (krt_module_check_limits(m, &engine_config(e)->limits, err) != KILN_OK ||
	    kiln_module_validate(m, err) != KILN_OK)
		return err->status;
	err->status = KILN_OK;
	if (engine_config(e)->tiering == KILN_TIERING_INTERP)
		return interpret(e, m, err);
	return jit_module(e, m, NULL, err);
}
