/*
 * jit_tramp.c — the engine's entry trampolines, one per signature
 * (runtime/vmctx.h, kiln_tramp_fn), defined in the engine's main JITDylib
 * when a module first needs them and compiled on the first call from C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit_internal.h"

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
	jit_set_target(e, lm.llmod);
	ok = ok && lower_trampoline(&lm, &t->type, t->name, &err) && jit_verify(lm.llmod, &err) &&
	     jit_codegen(e, lm.llmod, tm, JIT_PASSES_NONE, &obj, &times, &err);
	jit_compile_end(e, &lm, 0, tm, c);
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
	jit_tramp **t = j->ntramps == 0 ? NULL	/* bsearch wants an array */
			: bsearch(sig, j->tramps, j->ntramps, sizeof *j->tramps, tramp_cmp);

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
	if (ft->nparams)	/* a type without any has no array */
		memcpy(t->types, ft->params, ft->nparams * sizeof *t->types);
	if (ft->nresults)
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
		LLVMOrcCSymbolFlagsMapPair sym = {LLVMOrcExecutionSessionIntern(es, name), JIT_CALLABLE};
		if (stub == NULL) {
			LLVMOrcReleaseSymbolStringPoolEntry(sym.Name);
			le = LLVMCreateStringError("out of memory");
			break;
		}
		stub[0] = 'E';
		le = LLVMOrcJITDylibDefine(main_jd, LLVMOrcCreateCustomMaterializationUnit(
						   "kiln-trampoline", fresh[i], &sym, 1, NULL,
						   materialize_tramp, jit_discard, keep_tramp));
		aliases[i] = (LLVMOrcCSymbolAliasMapPair){
			LLVMOrcExecutionSessionIntern(es, stub),
			{LLVMOrcExecutionSessionIntern(es, name), JIT_CALLABLE}};
		syms[i] = (LLVMOrcCLookupSetElement){LLVMOrcExecutionSessionIntern(es, stub),
						     LLVMOrcSymbolLookupFlagsRequiredSymbol};
		free(stub);
	}
	if (le == NULL)
		le = jit_define_reexports(e, main_jd, aliases, n);
	/* In batches as the stubs were made (define_entries says why). */
	for (uint32_t i = 0; le == NULL && i < n; i += STUB_BATCH)
		le = jit_lookup_set(e, main_jd, syms + i, n - i < STUB_BATCH ? n - i : STUB_BATCH,
				   found_tramp, j);
	free(aliases);
	free(syms);
	return le;
}

/* What lower_trampoline refuses, refused before the module adds anything
 * to the engine. */
bool jit_tramps_fit(const kiln_module *m, kiln_error *err)
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
bool jit_define_tramps(kiln_engine *e, module_jit *mj, kiln_error *err)
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
		if ((missing = stub == NULL))
			break;
		if (mj->late)	/* the code is published: tier-up installs it */
			mj->interp_tramps[i] = stub;
		else
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
uintptr_t jit_tramp_below(kiln_engine *e, uintptr_t pc)
{
	jit_state *j = engine_jit(e);
	LLVMOrcJITDylibRef main_jd;
	uintptr_t best = 0;

	if (!jit_started(j))
		return 0;	/* an interpreting engine's: nothing compiled yet */
	main_jd = LLVMOrcLLJITGetMainJITDylib(j->jit);
	pthread_mutex_lock(&j->tramp_lock);
	for (size_t i = 0; i < j->ntramps; i++) {
		jit_tramp *t = j->tramps[i];
		LLVMOrcExecutorAddress addr;
		if (t->code == NULL && atomic_load(&t->compiled)) {
			LLVMErrorRef le = jit_lookup(e, main_jd, t->name, &addr);
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

void jit_tramp_free(jit_tramp *t)
{
	free(t->name);
	free(t->types);
	free(t);
}

