/*
 * jit.c — lazy in-process compilation with ORC LLJIT (the engine itself,
 * its configuration, target machines, pipeline and statistics: engine.c).
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
#include <stdatomic.h>
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

#include "engine.h"
#include "jit_memory.h"
#include "jit_stubs.h"
#include "krt.h"
#include "lower.h"

typedef struct module_jit module_jit;

/* An entry trampoline of the engine's, for one signature (jit_state.tramps):
 * the unit "T<sig>" materializes from it, so it owns a copy of the type
 * (modules come and go, trampolines stay). */
typedef struct jit_tramp {
	kiln_engine *engine;
	char *name;			/* "T<sig>", krt_tramp_name */
	kiln_functype type;		/* over `types`: params, then results */
	kiln_valtype *types;
	void *stub;			/* "E<sig>": what code entries hold */
	void *code;			/* "T<sig>" once compiled and looked up */
	atomic_bool compiled;		/* "T<sig>" was emitted */
} jit_tramp;

/* Work for the background threads: a function to compile ahead of its
 * first call (at the tier the JIT starts at), or to compile at tier 1
 * because it ran hot in tier 0. */
enum { WORK_SPECULATE, WORK_TIER_UP };

typedef struct spec_item {
	module_jit *mj;
	uint32_t index;
	uint8_t kind;			/* WORK_* */
} spec_item;

/* An engine's JIT (engine_jit): the LLJIT, lazy stubs, JITDylibs for
 * reuse and the speculation queue; made by jit_new, gone with jit_delete. */
struct jit_state {
	LLVMOrcLLJITRef jit;
	LLVMOrcLazyCallThroughManagerRef lctm;
	LLVMOrcIndirectStubsManagerRef ism;
	pthread_mutex_t lock;		/* module compilations are serialised */
	unsigned next_module;
	/* Background work: a queue of functions for the engine's threads
	 * (jit_work); module_jit.busy counts the items of a module in
	 * progress (module_jit_free waits for none). */
	pthread_mutex_t spec_lock;
	pthread_cond_t spec_work, spec_idle;
	spec_item *spec_q;
	size_t spec_head, spec_n, spec_cap;
	bool spec_stop;
	/* JITDylibs of deleted modules, cleared, for the next modules (the C
	 * API cannot remove a JITDylib from the session). */
	pthread_mutex_t jd_lock;
	LLVMOrcJITDylibRef *free_jds;
	size_t nfree_jds, free_jds_cap;
	unsigned stub_blocks;		/* batches of lazy stubs made (under lock) */
	/* The entry trampolines, sorted by name; added under lock, read
	 * under tramp_lock too (symbolize). */
	pthread_mutex_t tramp_lock;
	jit_tramp **tramps;
	size_t ntramps, tramps_cap;
};

/* The compiler's state for one module (its kiln_code's state). */
struct module_jit {
	kiln_engine *engine;
	const kiln_module *module;
	char prefix[16];
	LLVMOrcJITDylibRef jd;		/* everything compiled for the module */
	_Atomic uint8_t *compiled;	/* per function: its body was emitted */
	_Atomic uint8_t *queued;	/* per function: given to speculation */
	void **body;			/* per function: body address, once looked up */
	uint32_t *code_size;		/* per function: its code's size, for perf */
	pthread_mutex_t lock;		/* for body, body1, code_size1 */
	bool forgotten;			/* being deleted: not to speculate (spec_lock) */
	unsigned busy;			/* background items in progress (spec_lock) */
	/* Entries: a stub per own function (jit_stubs.h), "f<i>". */
	jit_stubs *stubs;
	/* Tiering: per function, tier 0's counter (lower_module), where it
	 * is on the way to tier 1 (TIER_*), and its tier-1 body, OSR entry
	 * (NULL: none) and their sizes once installed (under lock; osr is
	 * published before tier_state turns TIER_READY). */
	_Atomic int32_t *counters;
	_Atomic uint8_t *tier_state;
	void **body1;
	_Atomic(void *) *osr;
	uint32_t *code_size1, *osr_size;
	/* Return addresses of calls from tier 0 into OSR entries (osr_note;
	 * under lock): symbolize leaves those frames out. */
	uintptr_t *osr_rets;
	size_t nosr_rets, osr_rets_cap;
};

enum { TIER_NONE, TIER_QUEUED, TIER_READY, TIER_FAILED };

/* What materializing one function body needs; a body is compiled at the
 * tier the engine starts at (tier 0 unless TIER1). */
typedef struct body_unit {
	kiln_engine *engine;
	const kiln_module *module;
	module_jit *mj;
	uint32_t index;
	char prefix[16];
} body_unit;

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
static LLVMErrorRef jd_lookup_set(kiln_engine *e, LLVMOrcJITDylibRef jd,
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

static LLVMErrorRef jd_lookup(kiln_engine *e, LLVMOrcJITDylibRef jd, const char *name,
			      LLVMOrcExecutorAddress *addr)
{
	LLVMOrcCLookupSetElement sym = {
		LLVMOrcExecutionSessionIntern(
			LLVMOrcLLJITGetExecutionSession(engine_jit(e)->jit), name),
		LLVMOrcSymbolLookupFlagsRequiredSymbol};

	*addr = 0;
	return jd_lookup_set(e, jd, &sym, 1, found_one, addr);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ speculation */

/* Queues work on function i of mj's module; false when out of memory.
 * A tier-up goes first: the function is running now, in slower code,
 * while speculation only guesses.  Called with spec_lock held. */
static bool work_push(jit_state *j, module_jit *mj, uint32_t i, uint8_t kind)
{
	spec_item it = {mj, i, kind};

	if (kind == WORK_TIER_UP && j->spec_head > 0) {
		j->spec_q[--j->spec_head] = it;
		return true;
	}
	if (!krt_grow((void **)&j->spec_q, &j->spec_cap, j->spec_n + 1, sizeof *j->spec_q))
		return false;
	if (kind == WORK_TIER_UP) {
		memmove(j->spec_q + j->spec_head + 1, j->spec_q + j->spec_head,
			(j->spec_n - j->spec_head) * sizeof *j->spec_q);
		j->spec_q[j->spec_head] = it;
		j->spec_n++;
		return true;
	}
	j->spec_q[j->spec_n++] = it;
	return true;
}

/* Queues function i of mj's module for speculation unless compiled or
 * queued already.  Called with spec_lock held. */
static void spec_push(jit_state *j, module_jit *mj, uint32_t i)
{
	if (mj->forgotten || atomic_load(&mj->compiled[i]) || atomic_exchange(&mj->queued[i], 1))
		return;
	if (!work_push(j, mj, i, WORK_SPECULATE))
		atomic_store(&mj->queued[i], 0);	/* only ever a head start */
}

/* The own functions the body just lowered calls directly (the callees it
 * declared), in order. */
static void speculate_callees(kiln_engine *e, module_jit *mj, const lower_module *lm,
			      uint32_t self)
{
	const kiln_module *m = lm->m;
	jit_state *j = engine_jit(e);

	pthread_mutex_lock(&j->spec_lock);
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (i != self && lm->funcs[i] != NULL)
			spec_push(j, mj, i);
	pthread_cond_signal(&j->spec_work);
	pthread_mutex_unlock(&j->spec_lock);
}

static void tier_up(kiln_engine *e, module_jit *mj, uint32_t i);

/* KILN_TIER_UP_SYNC=1 (environment; for tests only): a tier-up compiles
 * on the thread whose count ran out, before its code goes on, so that
 * with a threshold of 1 every function and every OSR point switches to
 * tier 1 at once, deterministically. */
static bool tier_up_sync(void)
{
	static _Atomic int sync = -1;
	int v = atomic_load(&sync);

	if (v < 0) {
		const char *e = getenv("KILN_TIER_UP_SYNC");
		v = e != NULL && !strcmp(e, "1");
		atomic_store(&sync, v);
	}
	return v;
}

/* Queues function i for tier 1 unless it is already on its way (or, with
 * KILN_TIER_UP_SYNC, compiles it). */
static void tier_queue(module_jit *mj, uint32_t i)
{
	jit_state *j = engine_jit(mj->engine);
	uint8_t none = TIER_NONE;

	if (!atomic_compare_exchange_strong(&mj->tier_state[i], &none, TIER_QUEUED))
		return;
	if (tier_up_sync()) {
		tier_up(mj->engine, mj, i);
		return;
	}
	pthread_mutex_lock(&j->spec_lock);
	if (mj->forgotten || !work_push(j, mj, i, WORK_TIER_UP))
		atomic_store(&mj->tier_state[i], TIER_FAILED);	/* stays in tier 0 */
	pthread_cond_signal(&j->spec_work);
	pthread_mutex_unlock(&j->spec_lock);
}

/* Called by tier-0 code (lower_module.tier_up) when function i's counter
 * runs out, at its entry or at loop header `loop` (LOWER_NO_LOOP: no OSR
 * point): queues it for tier 1 the first time; returns its OSR entry once
 * there is one and `loop` is an OSR point, else NULL.  Until tier 1 is
 * done (and while it has an OSR entry that frames still in tier 0 may
 * take) the counter restarts, so the call comes again; after, never.
 * Runs on the wasm thread: short, and it never fails the call. */
static void *tier_up_request(void *arg, uint32_t i, uint32_t loop)
{
	module_jit *mj = arg;
	int32_t again = (int32_t)engine_tier_up_threshold(mj->engine);
	void *q = NULL;

	tier_queue(mj, i);
	switch (atomic_load_explicit(&mj->tier_state[i], memory_order_acquire)) {
	case TIER_READY:
		q = atomic_load_explicit(&mj->osr[i], memory_order_relaxed);
		if (q == NULL)
			again = INT32_MAX;
		break;
	case TIER_FAILED:
		again = INT32_MAX;
		break;
	}
	atomic_store_explicit(&mj->counters[i], again, memory_order_relaxed);
	if (loop == LOWER_NO_LOOP || q == NULL)
		return NULL;
	engine_count_osr(mj->engine);
	return q;
}

/* Called by an OSR entry with its return address, in tier-0 code. */
static void osr_note(void *arg, void *ret)
{
	module_jit *mj = arg;

	pthread_mutex_lock(&mj->lock);
	size_t k = 0;
	while (k < mj->nosr_rets && mj->osr_rets[k] != (uintptr_t)ret)
		k++;
	if (k == mj->nosr_rets && krt_grow((void **)&mj->osr_rets, &mj->osr_rets_cap,
					   mj->nosr_rets + 1, sizeof *mj->osr_rets))
		mj->osr_rets[mj->nosr_rets++] = (uintptr_t)ret;
	pthread_mutex_unlock(&mj->lock);
}

/* Speculation: looking a body up materializes it here, unless some
 * thread did or is doing so (ORC then waits for that one). */
static void speculate(kiln_engine *e, module_jit *mj, uint32_t i)
{
	char name[64];
	LLVMOrcExecutorAddress addr;

	if (atomic_load(&mj->compiled[i]))
		return;
	snprintf(name, sizeof name, "%sb%u", mj->prefix, i);
	LLVMErrorRef le = jd_lookup(e, mj->jd, name, &addr);
	if (le != NULL)	/* the call, if it comes, traps */
		LLVMConsumeError(le);
}

/* A background thread's work (the engine runs jit_threads of them). */
void *jit_work(void *arg)
{
	kiln_engine *e = arg;
	jit_state *j = engine_jit(e);

	pthread_mutex_lock(&j->spec_lock);
	for (;;) {
		while (!j->spec_stop && j->spec_head == j->spec_n)
			pthread_cond_wait(&j->spec_work, &j->spec_lock);
		if (j->spec_stop)
			break;
		spec_item it = j->spec_q[j->spec_head++];
		if (j->spec_head == j->spec_n)
			j->spec_head = j->spec_n = 0;
		it.mj->busy++;
		pthread_mutex_unlock(&j->spec_lock);
		if (it.kind == WORK_TIER_UP)
			tier_up(e, it.mj, it.index);
		else
			speculate(e, it.mj, it.index);
		pthread_mutex_lock(&j->spec_lock);
		it.mj->busy--;
		pthread_cond_broadcast(&j->spec_idle);
	}
	pthread_mutex_unlock(&j->spec_lock);
	return NULL;
}

/* A module going: nothing of it is left queued or being compiled (the
 * compilation in flight, waited for, queues nothing more of it). */
static void spec_forget(kiln_engine *e, module_jit *mj)
{
	jit_state *j = engine_jit(e);
	size_t k;

	pthread_mutex_lock(&j->spec_lock);
	/* First nothing more of it is queued: the speculation thread takes
	 * the next item without releasing the lock after one, so waiting
	 * while it compiles a chain lasted the whole chain. */
	mj->forgotten = true;
	k = j->spec_head;
	for (size_t i = j->spec_head; i < j->spec_n; i++)
		if (j->spec_q[i].mj != mj)
			j->spec_q[k++] = j->spec_q[i];
	j->spec_n = k;
	if (j->spec_head == j->spec_n)
		j->spec_head = j->spec_n = 0;
	while (mj->busy > 0)
		pthread_cond_wait(&j->spec_idle, &j->spec_lock);
	pthread_mutex_unlock(&j->spec_lock);
}

void jit_work_stop(kiln_engine *e)
{
	jit_state *j = engine_jit(e);

	pthread_mutex_lock(&j->spec_lock);
	j->spec_stop = true;
	pthread_cond_broadcast(&j->spec_work);
	pthread_mutex_unlock(&j->spec_lock);
}

bool jit_new(kiln_engine *e, jit_state **out, kiln_error *err)
{
	jit_state *j = calloc(1, sizeof *j);
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMErrorRef le;

	if ((*out = j) == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	pthread_mutex_init(&j->lock, NULL);
	LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
	/* kiln owns the code memory: the trap handler must know it. */
	LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator(builder, jit_memory_layer, NULL);
	/* Code generation at the engine's level (the default is LLVM's O2). */
	LLVMTargetMachineRef jtm = engine_host_machine(engine_opt_level(e));
	pthread_mutex_init(&j->jd_lock, NULL);
	pthread_mutex_init(&j->tramp_lock, NULL);
	pthread_mutex_init(&j->spec_lock, NULL);
	pthread_cond_init(&j->spec_work, NULL);
	pthread_cond_init(&j->spec_idle, NULL);
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
	le = LLVMOrcCreateLocalLazyCallThroughManager(
		LLVMOrcLLJITGetTripleString(j->jit), LLVMOrcLLJITGetExecutionSession(j->jit),
		(LLVMOrcJITTargetAddress)(uintptr_t)lazy_compile_failed, &j->lctm);
	if (le != NULL)
		return engine_llvm_error(le, err, "cannot create the JIT");
	j->ism = LLVMOrcCreateLocalIndirectStubsManager(LLVMOrcLLJITGetTripleString(j->jit));
	return true;
}

static void tramp_free(jit_tramp *t)
{
	free(t->name);
	free(t->types);
	free(t);
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
	for (size_t i = 0; i < j->ntramps; i++)
		tramp_free(j->tramps[i]);
	free(j->tramps);
	pthread_mutex_destroy(&j->tramp_lock);
	free(j->spec_q);
	pthread_mutex_destroy(&j->jd_lock);
	free(j->free_jds);
	pthread_mutex_destroy(&j->spec_lock);
	pthread_cond_destroy(&j->spec_work);
	pthread_cond_destroy(&j->spec_idle);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* Optimises (unless `optimise` is false: tier 0) and emits an object
 * (not thread-safe for one tm), adding the time each took to *t. */
static bool codegen(kiln_engine *e, LLVMModuleRef mod, LLVMTargetMachineRef tm, bool optimise,
		    LLVMMemoryBufferRef *obj, engine_times *t, kiln_error *err)
{
	char *msg = NULL;
	double t0 = now(), t1;
	bool ok = !optimise || engine_optimise(e, mod, tm, err);

	t1 = now();
	if (optimise)
		t->optimise += t1 - t0;
	if (!ok)
		return false;
	ok = LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, obj) == 0;
	t->codegen += now() - t1;
	if (ok)
		return true;
	krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "code generation: %s",
		 msg ? msg : "?");
	LLVMDisposeMessage(msg);
	return false;
}

static bool verify(LLVMModuleRef mod, kiln_error *err)
{
	char *msg = NULL;

	if (!LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		LLVMDisposeMessage(msg);
		return true;
	}
	/* A lowering bug: report it rather than run broken code. */
	krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
		 "internal error: invalid IR: %.200s", msg ? msg : "?");
	LLVMDisposeMessage(msg);
	return false;
}

static void set_target(kiln_engine *e, LLVMModuleRef mod)
{
	LLVMOrcLLJITRef jit = engine_jit(e)->jit;

	LLVMSetTarget(mod, LLVMOrcLLJITGetTripleString(jit));
	LLVMSetDataLayout(mod, LLVMOrcLLJITGetDataLayoutStr(jit));
}

static void speculate_callees(kiln_engine *e, module_jit *mj, const lower_module *lm,
			      uint32_t self);

/* The size of the function "<prefix><kind><i>" an object of LLVM's
 * defines, 0 if not found: perf map lines (perfmap.h). */
static uint32_t code_size(LLVMMemoryBufferRef obj, const char *prefix, char kind, uint32_t i)
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
	kiln_engine *e = u->engine;

	if (obj != NULL) {
		/* Takes mr and obj. */
		LLVMOrcObjectLayerEmit(LLVMOrcLLJITGetObjLinkingLayer(engine_jit(e)->jit), mr, obj);
		atomic_store(&u->mj->compiled[u->index], 1);
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

/* Frees what one compilation used (tm: of `tier`); its object stays. */
static void compile_end(kiln_engine *e, lower_module *lm, int tier, LLVMTargetMachineRef tm,
			LLVMContextRef c)
{
	if (lm->llmod)
		LLVMDisposeModule(lm->llmod);
	lower_module_free(lm);
	if (tm)
		engine_give_tm(e, tier, tm);
	LLVMContextDispose(c);
}

/* How one compilation of a body goes (compile_body). */
typedef struct body_job {
	int tier;			/* 0 or 1 */
	bool count;			/* tier 0 with counters (tiered) */
	char kind;			/* the body's name kind: 'b', or 'o' */
	bool osr;			/* set: 'o' came with its OSR entry 'q' */
} body_job;

/* Lowers function i of mj's module into its own LLVM module and emits it
 * as in `job`: *obj, the time in *t; false with *err.  A function over the
 * SSA thresholds is compiled with -O0 code generation at either tier, and
 * never counted (tier 1 would be the same code). */
static bool compile_body(kiln_engine *e, module_jit *mj, uint32_t i, body_job *jp,
			 LLVMMemoryBufferRef *obj, engine_times *t, kiln_error *err)
{
	body_job job = *jp;
	LLVMContextRef c = LLVMContextCreate();
	LLVMTargetMachineRef tm = engine_take_tm(e, job.tier);
	lower_module lm = {0};
	double t_lower = now();
	bool ok = tm != NULL && lower_module_init(&lm, mj->module, c, mj->prefix, err);

	if (ok) {
		lm.epoch_checks = engine_config(e)->epoch_interruption;
		lm.fuel_checks = engine_config(e)->fuel_metering;
		lm.ssa_max_locals = engine_config(e)->ssa_max_locals;
		lm.ssa_max_body = engine_config(e)->ssa_max_body;
		lm.body_kind = job.kind;
		lm.tier0 = job.tier == 0;
		lm.self = job.kind == 'o' ? i : UINT32_MAX;
		bool cheap = lower_unoptimised(&lm, i);
		if (job.count && !cheap) {
			lm.tier_counters = (int32_t *)mj->counters;
			lm.tier_up = tier_up_request;
			lm.tier_up_arg = mj;
		}
		set_target(e, lm.llmod);
		ok = lower_function(&lm, i, err);
		/* Tier 1 of a function with OSR points: its OSR entry too. */
		if (ok && job.kind == 'o' && lm.osr_points > 0) {
			lm.osr = jp->osr = true;
			lm.tier_up_arg = mj;
			lm.osr_note = osr_note;
			ok = lower_function(&lm, i, err);
			lm.osr = false;
		}
		ok = ok && verify(lm.llmod, err);
		t->lower = now() - t_lower;
		LLVMTargetMachineRef o0 = ok && cheap && job.tier == 1 && engine_opt_level(e) > 0
					  ? engine_take_tm(e, 0) : NULL;
		ok = ok && codegen(e, lm.llmod, o0 ? o0 : tm, job.tier == 1, obj, t, err);
		if (o0)
			engine_give_tm(e, 0, o0);
		if (ok && engine_speculates(e) && job.kind == 'b')
			speculate_callees(e, mj, &lm, i);
	}
	compile_end(e, &lm, job.tier, tm, c);
	return ok;
}

/* The tier a body starts at, on first call. */
static body_job first_job(const kiln_engine *e)
{
	kiln_tiering t = engine_tiering(e);

	return (body_job){t == KILN_TIERING_TIER1, t == KILN_TIERING_TIERED, 'b', false};
}

/* Materializes one function body on whichever thread first looked it
 * up. */
static void materialize_body(void *ctx, LLVMOrcMaterializationResponsibilityRef mr)
{
	body_unit *u = ctx;
	kiln_engine *e = u->engine;
	double t0 = now();	/* from the start: set-up counts */
	engine_times t = {0};
	LLVMMemoryBufferRef obj = NULL;
	kiln_error err = {0};
	body_job job = first_job(e);
	bool ok = compile_body(e, u->mj, u->index, &job, &obj, &t, &err);

	if (ok && krt_perfmap_on())
		u->mj->code_size[u->index] = code_size(obj, u->mj->prefix, 'b', u->index);
	t.total = now() - t0;
	if (ok)
		engine_count_compiled(e, &t, job.tier, false);
	emit_or_fail(u, mr, ok ? obj : NULL, &err);
}

/* Looks up "<prefix><kind><i>" in mj's JITDylib: its address, or NULL
 * (the error dropped). */
static void *find(kiln_engine *e, module_jit *mj, char kind, uint32_t i)
{
	char name[64];
	LLVMOrcExecutorAddress addr = 0;

	snprintf(name, sizeof name, "%s%c%u", mj->prefix, kind, i);
	LLVMErrorRef le = jd_lookup(e, mj->jd, name, &addr);
	if (le != NULL) {
		LLVMConsumeError(le);
		return NULL;
	}
	return (void *)(uintptr_t)addr;
}

/* Compiles function i at tier 1 (with its OSR entry if it has OSR points)
 * and points its stub at the new code (a background thread, after
 * tier_up_request).  A failure leaves it in tier 0, which is correct
 * code. */
static void tier_up(kiln_engine *e, module_jit *mj, uint32_t i)
{
	double t0 = now();
	engine_times t = {0};
	LLVMMemoryBufferRef obj = NULL;
	kiln_error err = {0};
	body_job job = {1, false, 'o', false};
	uint32_t size = 0, qsize = 0;
	void *body = NULL, *q = NULL;

	if (compile_body(e, mj, i, &job, &obj, &t, &err)) {
		if (krt_perfmap_on()) {
			size = code_size(obj, mj->prefix, 'o', i);
			qsize = job.osr ? code_size(obj, mj->prefix, 'q', i) : 0;
		}
		/* Takes obj. */
		LLVMErrorRef le = LLVMOrcLLJITAddObjectFile(engine_jit(e)->jit, mj->jd, obj);
		if (le != NULL)
			LLVMConsumeError(le);
		else if ((body = find(e, mj, 'o', i)) != NULL && job.osr)
			q = find(e, mj, 'q', i);
	}
	if (body == NULL || (job.osr && q == NULL)) {
		atomic_store(&mj->tier_state[i], TIER_FAILED);
		return;
	}
	pthread_mutex_lock(&mj->lock);
	mj->body1[i] = body;
	mj->code_size1[i] = size;
	mj->osr_size[i] = qsize;
	pthread_mutex_unlock(&mj->lock);
	atomic_store_explicit(&mj->osr[i], q, memory_order_relaxed);
	jit_stub_point(mj->stubs, i - mj->module->nimported_funcs, body);
	atomic_store_explicit(&mj->tier_state[i], TIER_READY, memory_order_release);
	t.total = now() - t0;
	engine_count_compiled(e, &t, 1, true);
}

static void discard_body(void *ctx, LLVMOrcJITDylibRef jd, LLVMOrcSymbolStringPoolEntryRef sym)
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

static const LLVMJITSymbolFlags callable = {
	LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable, 0,
};

/* LLVM's local stubs manager numbers its stubs with 16 bits: block, then
 * stub in the block, a block per request for more stubs than it has free.
 * A request for more than 65,536 stubs wraps around and gives several
 * functions one stub (a call then runs another function), and so does
 * the 65,537th block.  So the reexports are defined in batches of
 * STUB_BATCH, and an engine refuses to make more than STUB_BLOCKS. */
#define STUB_BATCH 4096
#define STUB_BLOCKS 65535

static LLVMErrorRef define_reexports(kiln_engine *e, LLVMOrcJITDylibRef jd,
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
	*u = (body_unit){e, mj->module, mj, i, ""};
	snprintf(u->prefix, sizeof u->prefix, "%s", lm->prefix);
	sym = (LLVMOrcCSymbolFlagsMapPair){intern(e, lm, 'b', i), callable};
	le = LLVMOrcJITDylibDefine(mj->jd,
				   LLVMOrcCreateCustomMaterializationUnit(
					   "kiln-function", u, &sym, 1, NULL, materialize_body,
					   discard_body, destroy_body));
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
			intern(e, lm, 'l', i), {intern(e, lm, 'b', i), callable}};
	}
	le = define_reexports(e, mj->jd, aliases, n);
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
	krt_code_set(mj->module->code, (uint32_t)i, jit_stub(mj->stubs, (uint32_t)i - nimp), NULL);
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
			{(LLVMOrcExecutorAddress)(uintptr_t)jit_stub(mj->stubs, k), callable}};
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
		le = jd_lookup_set(e, jd, syms, k, found_entry, mj);
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

/* ------------------------------------------------------- trampolines */

/* Materializes a trampoline "T<sig>" (lower_trampoline): at the first call
 * from C through its stub, on that thread, at tier 0 (glue: nothing for IR
 * passes to do).  No stats. */
static void materialize_tramp(void *ctx, LLVMOrcMaterializationResponsibilityRef mr)
{
	jit_tramp *t = ctx;
	kiln_engine *e = t->engine;
	LLVMContextRef c = LLVMContextCreate();
	LLVMTargetMachineRef tm = engine_take_tm(e, 0);
	LLVMMemoryBufferRef obj = NULL;
	engine_times times = {0};
	kiln_error err = {0};
	lower_module lm;
	bool ok = tm != NULL;

	lower_module_init_bare(&lm, c, t->name);
	set_target(e, lm.llmod);
	ok = ok && lower_trampoline(&lm, &t->type, t->name, &err) && verify(lm.llmod, &err) &&
	     codegen(e, lm.llmod, tm, false, &obj, &times, &err);
	compile_end(e, &lm, 0, tm, c);
	if (ok) {
		/* Takes mr and obj. */
		LLVMOrcObjectLayerEmit(LLVMOrcLLJITGetObjLinkingLayer(engine_jit(e)->jit), mr, obj);
		atomic_store(&t->compiled, true);
		return;
	}
	char msg[320];
	snprintf(msg, sizeof msg, "entry trampoline %.64s: %.200s", t->name,
		 err.message[0] ? err.message : "no target machine");
	engine_record_compile_error(e, msg);
	LLVMOrcMaterializationResponsibilityFailMaterialization(mr);
	LLVMOrcDisposeMaterializationResponsibility(mr);
}

/* The trampolines live as long as the engine (jit_delete frees them). */
static void keep_tramp(void *ctx)
{
	(void)ctx;
}

/* Orders trampolines by their signature: the name after its first letter,
 * so that "E<sig>" finds "T<sig>". */
static int tramp_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(jit_tramp *const *)elem)->name + 1);
}

/* The engine's trampoline of signature `sig` (a name without its first
 * letter), or NULL.  With lock or tramp_lock held. */
static jit_tramp *tramp_find(jit_state *j, const char *sig)
{
	jit_tramp **t = bsearch(sig, j->tramps, j->ntramps, sizeof *j->tramps, tramp_cmp);

	return t ? *t : NULL;
}

/* A new trampoline for signature ft, in the engine's table (sorted); not
 * defined yet.  With lock held.  NULL when out of memory. */
static jit_tramp *tramp_add(kiln_engine *e, const kiln_functype *ft, char *name)
{
	jit_state *j = engine_jit(e);
	jit_tramp *t = calloc(1, sizeof *t);
	size_t n = (size_t)ft->nparams + ft->nresults, at = 0;

	if (t == NULL || !(t->types = krt_calloc(n ? n : 1, sizeof *t->types)) ||
	    !krt_grow((void **)&j->tramps, &j->tramps_cap, j->ntramps + 1, sizeof *j->tramps)) {
		if (t)
			free(t->types);
		free(t);
		return NULL;
	}
	memcpy(t->types, ft->params, ft->nparams * sizeof *t->types);
	memcpy(t->types + ft->nparams, ft->results, ft->nresults * sizeof *t->types);
	t->type = (kiln_functype){ft->nparams, ft->nresults, t->types, t->types + ft->nparams};
	t->engine = e;
	t->name = name;
	while (at < j->ntramps && strcmp(j->tramps[at]->name, name) < 0)
		at++;
	pthread_mutex_lock(&j->tramp_lock);
	memmove(j->tramps + at + 1, j->tramps + at, (j->ntramps - at) * sizeof *j->tramps);
	j->tramps[at] = t;
	j->ntramps++;
	pthread_mutex_unlock(&j->tramp_lock);
	return t;
}

/* The trampoline of signature ft, added (and appended to *fresh) if the
 * engine has none yet.  With lock held.  NULL when out of memory. */
static jit_tramp *tramp_get(kiln_engine *e, const kiln_functype *ft, jit_tramp **fresh,
			    uint32_t *nfresh)
{
	char *name = krt_tramp_name(ft);
	jit_tramp *t = name ? tramp_find(engine_jit(e), name + 1) : NULL;

	if (name == NULL || t != NULL) {
		free(name);
		return t;
	}
	if ((t = tramp_add(e, ft, name)) == NULL)
		free(name);
	else
		fresh[(*nfresh)++] = t;
	return t;
}

/* A stub "E<sig>" found: the trampoline entry of its signature. */
static void found_tramp(void *ctx, const char *name, LLVMOrcExecutorAddress addr)
{
	jit_tramp *t = tramp_find(ctx, name + 1);

	if (t)
		t->stub = (void *)(uintptr_t)addr;
}

/* Units "T<sig>" and stubs "E<sig>" for new trampolines, in the engine's
 * main JITDylib, and the stubs' addresses (looking them up compiles
 * nothing). */
static LLVMErrorRef define_fresh(kiln_engine *e, jit_tramp **fresh, uint32_t n)
{
	jit_state *j = engine_jit(e);
	LLVMOrcExecutionSessionRef es = LLVMOrcLLJITGetExecutionSession(j->jit);
	LLVMOrcJITDylibRef main_jd = LLVMOrcLLJITGetMainJITDylib(j->jit);
	LLVMOrcCSymbolAliasMapPairs aliases = krt_calloc(n, sizeof *aliases);
	LLVMOrcCLookupSetElement *syms = krt_calloc(n, sizeof *syms);
	LLVMErrorRef le = NULL;

	if (!aliases || !syms)
		le = LLVMCreateStringError("out of memory");
	for (uint32_t i = 0; le == NULL && i < n; i++) {
		const char *name = fresh[i]->name;
		char *stub = strdup(name);
		LLVMOrcCSymbolFlagsMapPair sym = {LLVMOrcExecutionSessionIntern(es, name), callable};
		if (stub == NULL) {
			LLVMOrcReleaseSymbolStringPoolEntry(sym.Name);
			le = LLVMCreateStringError("out of memory");
			break;
		}
		stub[0] = 'E';
		le = LLVMOrcJITDylibDefine(main_jd, LLVMOrcCreateCustomMaterializationUnit(
						   "kiln-trampoline", fresh[i], &sym, 1, NULL,
						   materialize_tramp, discard_body, keep_tramp));
		aliases[i] = (LLVMOrcCSymbolAliasMapPair){
			LLVMOrcExecutionSessionIntern(es, stub),
			{LLVMOrcExecutionSessionIntern(es, name), callable}};
		syms[i] = (LLVMOrcCLookupSetElement){LLVMOrcExecutionSessionIntern(es, stub),
						     LLVMOrcSymbolLookupFlagsRequiredSymbol};
		free(stub);
	}
	if (le == NULL)
		le = define_reexports(e, main_jd, aliases, n);
	/* In batches as the stubs were made (define_entries says why). */
	for (uint32_t i = 0; le == NULL && i < n; i += STUB_BATCH)
		le = jd_lookup_set(e, main_jd, syms + i, n - i < STUB_BATCH ? n - i : STUB_BATCH,
				   found_tramp, j);
	free(aliases);
	free(syms);
	return le;
}

/* What lower_trampoline refuses, refused before the module adds anything
 * to the engine. */
static bool tramps_fit(const kiln_module *m, kiln_error *err)
{
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		if (m->types[m->funcs[i].type_idx].nparams > 128)
			return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					"functions of more than 128 parameters are not supported yet");
	return true;
}

/* Every own function's trampoline entry: the stub of its signature's
 * trampoline, shared by the engine's modules; a signature no module had
 * before gets one now. */
static bool define_tramps(kiln_engine *e, module_jit *mj, kiln_error *err)
{
	const kiln_module *m = mj->module;
	jit_tramp **by_type = krt_calloc(m->ntypes ? m->ntypes : 1, sizeof *by_type);
	jit_tramp **fresh = krt_calloc(m->ntypes ? m->ntypes : 1, sizeof *fresh);
	uint32_t nfresh = 0;
	LLVMErrorRef le = NULL;
	bool ok = by_type && fresh, missing = false;

	for (uint32_t i = m->nimported_funcs; ok && i < m->nfuncs; i++) {
		uint32_t ti = m->funcs[i].type_idx;
		if (by_type[ti] == NULL)
			ok = (by_type[ti] = tramp_get(e, &m->types[ti], fresh, &nfresh)) != NULL;
	}
	if (ok && nfresh > 0)
		le = define_fresh(e, fresh, nfresh);
	for (uint32_t i = m->nimported_funcs; ok && le == NULL && !missing && i < m->nfuncs; i++) {
		void *stub = by_type[m->funcs[i].type_idx]->stub;
		/* None: defining it failed for an earlier module. */
		if (!(missing = stub == NULL))
			krt_code_set(m->code, i, NULL, stub);
	}
	free(by_type);
	free(fresh);
	if (!ok)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	if (le != NULL)
		return engine_llvm_error(le, err, "cannot define entry trampolines");
	return !missing ? true : krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					  "the engine failed to make an entry trampoline before: "
					  "use a new engine");
}

/* The start of the engine's compiled trampoline closest below pc, 0 if
 * none (looked up once each: this compiles nothing). */
static uintptr_t tramp_below(kiln_engine *e, uintptr_t pc)
{
	jit_state *j = engine_jit(e);
	LLVMOrcJITDylibRef main_jd = LLVMOrcLLJITGetMainJITDylib(j->jit);
	uintptr_t best = 0;

	pthread_mutex_lock(&j->tramp_lock);
	for (size_t i = 0; i < j->ntramps; i++) {
		jit_tramp *t = j->tramps[i];
		LLVMOrcExecutorAddress addr;
		if (t->code == NULL && atomic_load(&t->compiled)) {
			LLVMErrorRef le = jd_lookup(e, main_jd, t->name, &addr);
			if (le != NULL)
				LLVMConsumeError(le);
			else
				t->code = (void *)(uintptr_t)addr;
		}
		if (t->code && (uintptr_t)t->code <= pc && (uintptr_t)t->code > best)
			best = (uintptr_t)t->code;
	}
	pthread_mutex_unlock(&j->tramp_lock);
	return best;
}

/* The module's JITDylib; libcalls LLVM may emit (fmod...) resolve in
 * the process. */
static bool module_dylib(kiln_engine *e, module_jit *mj, const char *prefix, kiln_error *err)
{
	jit_state *j = engine_jit(e);
	LLVMOrcDefinitionGeneratorRef gen;
	LLVMErrorRef le;

	pthread_mutex_lock(&j->jd_lock);
	mj->jd = j->nfree_jds ? j->free_jds[--j->nfree_jds] : NULL;
	pthread_mutex_unlock(&j->jd_lock);
	if (mj->jd)
		return true;
	le = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
	if (le != NULL)
		return engine_llvm_error(le, err, "cannot create the module's JIT dylib");
	mj->jd = LLVMOrcExecutionSessionCreateBareJITDylib(LLVMOrcLLJITGetExecutionSession(j->jit),
							   prefix);
	LLVMOrcJITDylibAddGenerator(mj->jd, gen);
	return true;
}

static bool compile(kiln_engine *e, kiln_module *m, module_jit *mj, kiln_error *err)
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
	     tramps_fit(m, err) && define_stubs(e, mj, &lm, err) && define_lazy(e, mj, &lm, err) &&
	     define_tramps(e, mj, err) &&
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
	}
	pthread_mutex_unlock(&mj->lock);
}

static void module_jit_free(void *p)
{
	module_jit *mj = p;

	if (mj == NULL)
		return;
	if (engine_has_workers(mj->engine))
		spec_forget(mj->engine, mj);
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
	free(mj->body1);
	free((void *)mj->osr);
	free(mj->code_size1);
	free(mj->osr_size);
	free(mj->osr_rets);
	jit_stubs_free(mj->stubs);	/* after the code that called them */
	pthread_mutex_destroy(&mj->lock);
	free(mj);
}

static module_jit *module_jit_new(kiln_engine *e, const kiln_module *m)
{
	module_jit *mj = calloc(1, sizeof *mj);

	if (mj == NULL)
		return NULL;
	mj->engine = e;
	mj->compiled = krt_calloc(m->nfuncs, sizeof *mj->compiled);
	mj->queued = krt_calloc(m->nfuncs, sizeof *mj->queued);
	mj->body = krt_calloc(m->nfuncs, sizeof *mj->body);
	mj->code_size = krt_calloc(m->nfuncs, sizeof *mj->code_size);
	mj->counters = krt_calloc(m->nfuncs, sizeof *mj->counters);
	mj->tier_state = krt_calloc(m->nfuncs, sizeof *mj->tier_state);
	mj->body1 = krt_calloc(m->nfuncs, sizeof *mj->body1);
	mj->osr = krt_calloc(m->nfuncs, sizeof *mj->osr);
	mj->code_size1 = krt_calloc(m->nfuncs, sizeof *mj->code_size1);
	mj->osr_size = krt_calloc(m->nfuncs, sizeof *mj->osr_size);
	mj->module = m;
	pthread_mutex_init(&mj->lock, NULL);
	if (!mj->compiled || !mj->queued || !mj->body || !mj->code_size || !mj->counters ||
	    !mj->tier_state || !mj->body1 || !mj->osr || !mj->code_size1 || !mj->osr_size) {
		module_jit_free(mj);
		return NULL;
	}
	for (uint32_t i = 0; i < m->nfuncs; i++)
		atomic_init(&mj->counters[i], (int32_t)engine_tier_up_threshold(e));
	return mj;
}

/* The address of a compiled body ('b', in mj->body), looked up once (with
 * mj->lock held; compiled ones only: this compiles nothing).  NULL if not
 * compiled. */
static void *code_address(module_jit *mj, char kind, uint32_t i)
{
	void **slot = &mj->body[i];
	char name[64];
	LLVMOrcExecutorAddress addr;

	if (*slot != NULL)
		return *slot;
	if (!atomic_load(&mj->compiled[i]))
		return NULL;
	snprintf(name, sizeof name, "%s%c%u", mj->prefix, kind, i);
	LLVMErrorRef le = jd_lookup(mj->engine, mj->jd, name, &addr);
	if (le != NULL) {
		LLVMConsumeError(le);
		return NULL;
	}
	return *slot = (void *)(uintptr_t)addr;
}

static bool body_address(module_jit *mj, uint32_t i)
{
	return code_address(mj, 'b', i) != NULL;
}

/* The compiled function holding `pc`: the closest body start below it.
 * Only bodies already compiled are looked up, so this compiles nothing. */
static uint32_t symbolize(const kiln_code *code, uintptr_t pc)
{
	module_jit *mj = code->state;
	uint32_t best = UINT32_MAX;
	uintptr_t best_start = 0;

	pthread_mutex_lock(&mj->lock);
	/* A tier-0 frame that moved to its OSR entry: not a frame of its own
	 * (pc is a return address less one). */
	for (size_t k = 0; k < mj->nosr_rets; k++) {
		if (mj->osr_rets[k] == pc + 1) {
			pthread_mutex_unlock(&mj->lock);
			return KILN_NOT_A_FUNCTION;
		}
	}
	for (uint32_t i = code->nimported; i < code->nfuncs; i++) {
		uintptr_t start = (uintptr_t)mj->body1[i];	/* tier 1 */
		if (start && start <= pc && start >= best_start) {
			best_start = start;
			best = i;
		}
		start = (uintptr_t)atomic_load(&mj->osr[i]);	/* its OSR entry */
		if (start && start <= pc && start >= best_start) {
			best_start = start;
			best = i;
		}
		if (!atomic_load(&mj->compiled[i]) || !body_address(mj, i))
			continue;
		start = (uintptr_t)mj->body[i];
		if (start <= pc && start >= best_start) {
			best_start = start;
			best = i;
		}
	}
	/* Entry trampolines (the engine's) are compiled code too, but no
	 * wasm function. */
	uintptr_t start = tramp_below(mj->engine, pc);
	if (start && start > best_start)
		best = KILN_NOT_A_FUNCTION;
	pthread_mutex_unlock(&mj->lock);
	return best;
}

/* The JIT's code: its entries are lazy stubs into mj's JITDylib. */
static const kiln_code_ops jit_ops = {"jit", symbolize, module_jit_free};

/* What the engine's code is compiled with and its instances get. */
static void publish(kiln_engine *e, kiln_module *m, module_jit *mj)
{
	const kiln_config *c = engine_config(e);
	kiln_instance_limits limits = {c->max_memory_pages, c->max_table_elements, c->stack_size};
	uint32_t flags = (c->epoch_interruption ? KILN_CODE_EPOCH_CHECKS : 0) |
			 (c->fuel_metering ? KILN_CODE_FUEL : 0);

	krt_code_publish(m->code, &jit_ops, mj, e, flags, &limits);
}

kiln_status kiln_module_compile(kiln_engine *e, kiln_module *m, kiln_error *err)
{
	kiln_error local;
	module_jit *mj;
	bool ok;

	if (!err)
		err = &local;
	/* Loaded from an artifact (no owner): compiled already. */
	if (krt_code_ready(m->code))
		return m->code->owner == NULL || m->code->owner == e ? KILN_OK
			: krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
					  "module already compiled by another engine");
	if (krt_module_check_limits(m, &engine_config(e)->limits, err) != KILN_OK ||
	    kiln_module_validate(m, err) != KILN_OK)
		return err->status;
	err->status = KILN_OK;
	if (!(mj = module_jit_new(e, m)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	pthread_mutex_lock(&engine_jit(e)->lock);
	ok = compile(e, m, mj, err);
	pthread_mutex_unlock(&engine_jit(e)->lock);
	if (!ok) {
		/* Nothing was published: the code stays empty. */
		module_jit_free(mj);
		return err->status != KILN_OK ? err->status
			: krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					  "internal error: compilation failed without a reason");
	}
	publish(e, m, mj);
	return KILN_OK;
}
