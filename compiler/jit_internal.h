/*
 * jit_internal.h — the JIT's state and what its three files share
 * (internal to compiler/): jit.c defines modules' code and compiles
 * bodies, jit_work.c runs the background threads (speculation, tier-up,
 * on-stack replacement's bookkeeping), jit_tramp.c the engine's entry
 * trampolines.  jit.c's header comment describes the design.
 */
#ifndef KILN_JIT_INTERNAL_H
#define KILN_JIT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "krt.h"	/* lines.h */
#include "engine.h"
#include "jit_memory.h"
#include "jit_stubs.h"
#include "krt.h"
#include "lower.h"

typedef struct module_jit module_jit;

/* KILN_TIERING_INTERP: function i's tier-0 OSR entry p<i>, where an
 * interpreted frame moves at a loop while tier 1 is on its way
 * (jit_interp_tier_up_request); its loop headers count as tier 0's do,
 * so it moves on to q<i> in turn.  Compiled on the asking thread
 * (state, TIER_*); entry, loops and size are published under
 * module_jit.lock before state turns TIER_READY (release). */
typedef struct osr0_entry {
	_Atomic uint8_t state;
	_Atomic(void *) entry;
	uint32_t *loops;		/* the loop numbers it enters at, ascending */
	uint32_t nloops;
	uint32_t size;			/* its code's size, for perf */
} osr0_entry;

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
 * because it ran hot in tier 0: its body o<i> (WORK_TIER_UP) or its OSR
 * entry q<i> (WORK_TIER_UP_OSR), each compiled when asked for. */
enum { WORK_SPECULATE, WORK_TIER_UP, WORK_TIER_UP_OSR };

typedef struct spec_item {
	module_jit *mj;
	uint32_t index;
	uint8_t kind;			/* WORK_* */
} spec_item;

/* An engine's JIT (engine_jit): the LLJIT, lazy stubs, JITDylibs for
 * reuse and the speculation queue; made by jit_new, gone with jit_delete.
 * The LLJIT and what hangs off it (jit, region, lctm, ism) are made by
 * jit_start, when the engine is made unless it interprets, else before
 * the first compilation: an interpreted run that never tiers up never
 * pays for them. */
struct jit_state {
	pthread_mutex_t start_lock;	/* jit_start */
	atomic_bool started;		/* jit, region, lctm and ism are made */
	kiln_status start_status;	/* jit_start failed (under start_lock) */
	char start_error[256];	/* its message (kiln_error.message) */
	LLVMOrcLLJITRef jit;
	/* Where every object the JIT links lives (jit_memory.h); goes after
	 * the LLJIT, which frees the objects. */
	jit_region *region;
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
	/* Tiering: per function, tier 0's counter (lower_module), where its
	 * tier-1 body o<i> is on the way (tier_state, TIER_*) and where its
	 * OSR entry q<i> is (osr_state; TIER_FAILED too when tier 1 has no
	 * OSR point), each compiled on its own request; its tier-1 body, OSR
	 * entry (NULL: none) and their sizes once installed (under lock; osr
	 * is published before osr_state turns TIER_READY). */
	_Atomic int32_t *counters;
	_Atomic uint8_t *tier_state, *osr_state;
	/* KILN_TIERING_INTERP: per function, where it is on the way from
	 * the interpreter to tier 0 (TIER_*; jit_interp_tier_up_request). */
	_Atomic uint8_t *tier0_state;
	void **body1;
	_Atomic(void *) *osr;
	osr0_entry *osr0;		/* KILN_TIERING_INTERP only, else NULL */
	uint32_t *code_size1, *osr_size;
	/* Per function with an OSR entry: the loop numbers it enters at
	 * (ascending, nosr_loops of them; lower_module.osr_loops), published
	 * with it. */
	uint32_t **osr_loops;
	uint32_t *nosr_loops;
	/* Return addresses of calls from tier 0 into OSR entries (osr_note;
	 * under lock): symbolize leaves those frames out. */
	uintptr_t *osr_rets;
	size_t nosr_rets, osr_rets_cap;
	/* Per kind of code (JIT_LINE_KINDS: b<i>, o<i>, p<i>, q<i>) and
	 * function index, its map from code to wasm offsets (lines.h;
	 * under lock), NULL until compiled or when its object had none. */
	krt_lines **lines;
	/* KILN_TIERING_INTERP: the functions the interpreter runs,
	 * translated; their stubs point at their thunks until tier-up, and
	 * interp_tramps (per function index) keeps the JIT's trampoline their
	 * code entries get back with compiled code (jit_install). */
	interp_module *interp;
	void **interp_tramps;
	/* Published before its JIT part was defined (every function
	 * interpreted): jit_attach defines it at the first tier-up, leaving
	 * the code's entries as they are.  attached: defined (set once, under
	 * jit_state.lock, read without it); attach_failed (under the lock). */
	bool late;
	atomic_bool attached;
	bool attach_failed;
};

/* TIER_DEFERRED: KILN_TIER_UP_SYNC=2's tier 1, asked for by the
 * interpreter and waiting for compiled code to ask (jit_work.c). */
enum { TIER_NONE, TIER_QUEUED, TIER_READY, TIER_FAILED, TIER_DEFERRED };

/* What materializing one function body needs; a body is compiled at the
 * tier the engine starts at (tier 0 unless TIER1). */
typedef struct body_unit {
	module_jit *mj;
	uint32_t index;
} body_unit;


/* How one compilation of a body goes (compile_body). */
typedef struct body_job {
	int tier;			/* 0 or 1 */
	bool count;			/* tier 0 with counters (tiered) */
	/* The body's name kind: 'b', 'o', or an OSR entry alone: 'q' (tier
	 * 1), 'p' (tier 0, for the interpreter). */
	char kind;
	/* Set by an 'o': its function has OSR points (a 'q' is worth
	 * asking for). */
	bool osr_points;
	/* Set by a 'q' or 'p': its loop numbers (lower_module.osr_loops),
	 * the caller's to free. */
	uint32_t *osr_loops;
	uint32_t nosr_loops;
} body_job;

/* The flags of every symbol the JIT defines. */
#define JIT_CALLABLE ((LLVMJITSymbolFlags){ \
	LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable, 0})

/* LLVM's local stubs manager numbers its stubs with 16 bits: block, then
 * stub in the block, a block per request for more stubs than it has free.
 * A request for more than 65,536 stubs wraps around and gives several
 * functions one stub (a call then runs another function), and so does
 * the 65,537th block.  So the reexports are defined in batches of
 * STUB_BATCH, and an engine refuses to make more than STUB_BLOCKS. */
#define STUB_BATCH 4096
#define STUB_BLOCKS 65535

/* jit.c.  jit_lookup_set / jit_lookup: a blocking lookup in one JITDylib
 * (materializing what it must); found() gets each symbol. */
typedef void found_fn(void *ctx, const char *name, LLVMOrcExecutorAddress addr);
LLVMErrorRef jit_lookup_set(kiln_engine *e, LLVMOrcJITDylibRef jd, LLVMOrcCLookupSetElement *syms,
			    size_t n, found_fn *found, void *found_ctx);
LLVMErrorRef jit_lookup(kiln_engine *e, LLVMOrcJITDylibRef jd, const char *name,
			LLVMOrcExecutorAddress *addr);
double jit_now(void);
/* The IR passes jit_codegen runs: none (tier 0), default<On>, or the
 * light pipeline (kiln_config.tier_up_light_body). */
enum { JIT_PASSES_NONE, JIT_PASSES_FULL, JIT_PASSES_LIGHT };
bool jit_codegen(kiln_engine *e, LLVMModuleRef mod, LLVMTargetMachineRef tm, int passes,
		 LLVMMemoryBufferRef *obj, engine_times *t, kiln_error *err);
bool jit_verify(LLVMModuleRef mod, kiln_error *err);
void jit_set_target(kiln_engine *e, LLVMModuleRef mod);
void jit_compile_end(kiln_engine *e, lower_module *lm, int tier, LLVMTargetMachineRef tm,
		     LLVMContextRef c);
bool jit_compile_body(kiln_engine *e, module_jit *mj, uint32_t i, body_job *jp,
		      LLVMMemoryBufferRef *obj, engine_times *t, kiln_error *err);
uint32_t jit_code_size(LLVMMemoryBufferRef obj, const char *prefix, char kind, uint32_t i);
LLVMErrorRef jit_define_reexports(kiln_engine *e, LLVMOrcJITDylibRef jd,
				  LLVMOrcCSymbolAliasMapPairs aliases, uint32_t n);
void jit_discard(void *ctx, LLVMOrcJITDylibRef jd, LLVMOrcSymbolStringPoolEntryRef sym);

/* jit.c: whether jit_start made the LLJIT (no LLVM call). */
bool jit_started(const jit_state *j);

/* jit_work.c: the queue (jit_speculate_callees: what a body just lowered
 * calls; jit_forget: a module going, waited for), tier 0's calls
 * (jit_tier_up_request, jit_osr_note: lower_module.tier_up, osr_note;
 * jit_osr0_tier_up_request is p<i>'s tier_up) and
 * jit_find, a lookup of "<prefix><kind><i>" (NULL when absent);
 * jit_interp_tier_up_request is the interpreter's (interp_module.tier_up). */
void jit_speculate_callees(kiln_engine *e, module_jit *mj, const lower_module *lm,
			   uint32_t self);
void jit_forget(kiln_engine *e, module_jit *mj);
void *jit_tier_up_request(void *arg, uint32_t i, uint32_t loop);
void *jit_interp_tier_up_request(void *arg, uint32_t i, uint32_t loop);
void *jit_osr0_tier_up_request(void *arg, uint32_t i, uint32_t loop);
void jit_osr_note(void *arg, void *ret);
void *jit_find(kiln_engine *e, module_jit *mj, char kind, uint32_t i);

/* jit.c: function i's new compiled body (tier 0 or 1) behind its stub;
 * an interpreted function's code entry becomes the stub, so new calls
 * (the interpreter's too) enter it.  With mj->lock held. */
void jit_install(module_jit *mj, uint32_t i, void *body);
/* jit.c: mj's JIT part (JITDylib, stubs, lazy bodies, trampolines)
 * defined unless it is (a module published interpreted: at its first
 * tier-up); false, err set, when that fails, then and from then on. */
bool jit_attach(kiln_engine *e, module_jit *mj, kiln_error *err);

/* jit_tramp.c: whether the module's signatures can have trampolines
 * (else *err); the module's signatures' trampolines, defined in the
 * engine (module compilation, under jit_state.lock); the start of the
 * compiled trampoline closest below pc (0: none); freeing one. */
bool jit_tramps_fit(const kiln_module *m, kiln_error *err);
bool jit_define_tramps(kiln_engine *e, module_jit *mj, kiln_error *err);
uintptr_t jit_tramp_below(kiln_engine *e, uintptr_t pc);
void jit_tramp_free(jit_tramp *t);

#endif /* KILN_JIT_INTERNAL_H */
