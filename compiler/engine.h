/*
 * engine.h — the engine (engine.c) as the rest of compiler/ sees it:
 * through functions, never its fields.  The engine holds the
 * configuration, target machines, the optimisation pipeline, statistics,
 * the first compile error and the speculation thread; jit.c's state (the
 * ORC LLJIT and what hangs off it) is a jit_state the engine makes and
 * deletes through the jit_* functions at the end.
 */
#ifndef KILN_ENGINE_H
#define KILN_ENGINE_H

#include <llvm-c/Error.h>
#include <llvm-c/TargetMachine.h>

#include "kiln.h"

/* jit.c's part of an engine. */
typedef struct jit_state jit_state;

const kiln_config *engine_config(const kiln_engine *e);
int engine_opt_level(const kiln_engine *e);
jit_state *engine_jit(const kiln_engine *e);
/* kiln_config.speculative_compile, and background threads run. */
bool engine_speculates(const kiln_engine *e);
/* Background threads run (speculation, tier-up): jit_work. */
bool engine_has_workers(const kiln_engine *e);
/* The tiering in effect: the configured one, TIER0 at opt_level 0. */
kiln_tiering engine_tiering(const kiln_engine *e);
/* kiln_config.tier_up_threshold, 0 replaced by the default. */
uint32_t engine_tier_up_threshold(const kiln_engine *e);
/* kiln_config.tier_up_light_body, 0 replaced by the default. */
uint32_t engine_tier_up_light_body(const kiln_engine *e);
/* kiln_config.jit_memory, 0 replaced by the default. */
size_t engine_jit_memory(const kiln_engine *e);

/* A target machine for in-process code on this host at level `opt`
 * (0-3), or NULL; the caller disposes of it.  Small code model, PIC (the
 * JIT links every object into one region under 2 GiB, jit_memory.h);
 * `large`: the large code model, static (absolute jump tables). */
LLVMTargetMachineRef engine_host_machine(int opt, bool large);
/* One from the engine's pool for a compilation of `kind` (ENGINE_TM_*:
 * tier 0, -O0 code generation; tier 1, opt_level; tier 1 of a function
 * with switches, the large code model) on this thread, back with
 * engine_give_tm (a target machine is not thread-safe).  NULL: none. */
enum { ENGINE_TM_TIER0, ENGINE_TM_TIER1, ENGINE_TM_SWITCHES, ENGINE_TMS };
LLVMTargetMachineRef engine_take_tm(kiln_engine *e, int kind);
void engine_give_tm(kiln_engine *e, int kind, LLVMTargetMachineRef tm);
/* The CPU and features artifacts are compiled for (kiln_config), as LLVM
 * messages. */
void engine_target(const kiln_engine *e, char **cpu, char **features);
/* A target machine for relocatable artifact objects at level `opt`;
 * *triple, *cpu and *features are set (LLVM messages) even on NULL. */
LLVMTargetMachineRef engine_object_machine(const kiln_engine *e, int opt, char **triple,
					   char **cpu, char **features);

/* Runs the engine's default<On> pipeline on `mod` for `tm`, or with
 * `light` the light one (kiln_config.tier_up_light_body). */
bool engine_optimise(const kiln_engine *e, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		     bool light, kiln_error *err);

/* Keeps the first failure's message until kiln_engine_compile_error. */
void engine_record_compile_error(kiln_engine *e, const char *msg);
/* Seconds one function's compilation took, in all and by phase. */
typedef struct engine_times {
	double total, lower, optimise, codegen;
	bool light;		/* through the light pipeline */
} engine_times;
/* One function body compiled at `tier` in t (kiln_engine_stats). */
void engine_count_compiled(kiln_engine *e, const engine_times *t, int tier);
/* A tier-up compiled in t: a function's tier-1 body or (osr) OSR entry;
 * first: the first of the two (the function counts once). */
void engine_count_tier_up(kiln_engine *e, const engine_times *t, bool first, bool osr);
/* A call moved to compiled code at a loop header: to tier 1, or (tier0)
 * from the interpreter to tier 0. */
void engine_count_osr(kiln_engine *e, bool tier0);
/* A module's functions translated by the interpreter (kiln_engine_stats). */
void engine_count_interp(kiln_engine *e, uint64_t functions, uint64_t bytes, double seconds);

/* Takes `le`; fails `err` with "<what>: <LLVM's message>"; false. */
bool engine_llvm_error(LLVMErrorRef le, kiln_error *err, const char *what);

/* libLLVM, loaded unless it is (llvm_lazy.c: libkiln-compiler.so loads
 * it on demand; llvm_linked.c: the static library links it): true, or
 * false with err "cannot load the compiler: <why>", then and from then on.
 * Every path that calls LLVM asks this first. */
bool engine_llvm_load(kiln_error *err);

/* LLVM's native target, initialised once (any thread may ask first). */
void engine_llvm_init(void);

/* jit.c, for the engine.  jit_new makes the JIT's state without LLVM;
 * jit_start the LLJIT unless made (its session errors go to
 * engine_record_compile_error), once: a failure is the same error from
 * then on; jit_work is a background thread's work
 * (arg: the engine) until jit_work_stop; jit_delete (NULL: nothing) after
 * the threads are joined. */
bool jit_new(kiln_engine *e, jit_state **out, kiln_error *err);
bool jit_start(kiln_engine *e, kiln_error *err);
void *jit_work(void *e);
void jit_work_stop(kiln_engine *e);
void jit_delete(jit_state *j);

#endif /* KILN_ENGINE_H */
