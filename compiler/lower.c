/*
 * lower.c — the lowering driver: function shells, locals, calls and
 * entry trampolines (control flow: lower_block.c).  See lower.h for the
 * scheme.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/TargetMachine.h>

#include "lower.h"

static bool nomem(kiln_error *err)
{
	return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

void lower_func_name(const lower_module *lm, char kind, uint32_t i, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s%c%u", lm->prefix, kind, i);
}

LLVMTypeRef lower_type(const lower_module *lm, kiln_valtype t)
{
	switch (t) {
	case KILN_I32: return lm->i32;
	case KILN_I64: return lm->i64;
	case KILN_F32: return lm->f32;
	case KILN_F64: return lm->f64;
	case KILN_V128: return lm->v128;
	default: return lm->ptr;
	}
}

static LLVMTypeRef result_type(const lower_module *lm, const kiln_functype *ft)
{
	LLVMTypeRef fields[64], *f = fields;
	LLVMTypeRef t;

	if (ft->nresults == 0)
		return lm->void_;
	if (ft->nresults == 1)
		return lower_type(lm, ft->results[0]);
	if (ft->nresults > 64 && !(f = malloc(ft->nresults * sizeof *f)))
		return NULL;
	for (uint32_t i = 0; i < ft->nresults; i++)
		f[i] = lower_type(lm, ft->results[i]);
	t = LLVMStructTypeInContext(lm->llctx, f, ft->nresults, 0);
	if (f != fields)
		free(f);
	return t;
}

static LLVMTypeRef func_type(const lower_module *lm, const kiln_functype *ft)
{
	LLVMTypeRef params[128], *p = params, t, ret = result_type(lm, ft);

	if (ret == NULL || (ft->nparams + LOWER_CTX_ARGS > 128 &&
			    !(p = malloc((ft->nparams + LOWER_CTX_ARGS) * sizeof *p))))
		return NULL;
	p[0] = p[1] = lm->ptr;
	for (uint32_t i = 0; i < ft->nparams; i++)
		p[i + LOWER_CTX_ARGS] = lower_type(lm, ft->params[i]);
	t = LLVMFunctionType(ret, p, ft->nparams + LOWER_CTX_ARGS, 0);
	if (p != params)
		free(p);
	return t;
}

static void add_attr(LLVMContextRef c, LLVMValueRef fn, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));

	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(c, kind, 0));
}

void lower_module_init_bare(lower_module *lm, LLVMContextRef c, const char *prefix)
{
	memset(lm, 0, sizeof *lm);
	lm->llctx = c;
	lm->prefix = prefix;
	lm->llmod = LLVMModuleCreateWithNameInContext(prefix, c);
	lm->ptr = LLVMPointerTypeInContext(c, 0);
	lm->i8 = LLVMInt8TypeInContext(c);
	lm->i32 = LLVMInt32TypeInContext(c);
	lm->i64 = LLVMInt64TypeInContext(c);
	lm->f32 = LLVMFloatTypeInContext(c);
	lm->f64 = LLVMDoubleTypeInContext(c);
	lm->v128 = LLVMVectorType(lm->i64, 2);
	lm->void_ = LLVMVoidTypeInContext(c);
}

bool lower_features_fma(const char *features)
{
	size_t n = strlen("+fma");

	/* A whole entry: "+fma4" is AMD's other instruction set. */
	for (const char *p = features; p && (p = strstr(p, "+fma")) != NULL; p += n)
		if ((p == features || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool host_fma;

static void host_fma_once(void)
{
	char *f = LLVMGetHostCPUFeatures();

	host_fma = lower_features_fma(f);
	LLVMDisposeMessage(f);
}

bool lower_module_init(lower_module *lm, const kiln_module *m,
		       LLVMContextRef c, const char *prefix, kiln_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	lower_module_init_bare(lm, c, prefix);
	pthread_once(&once, host_fma_once);
	lm->fma = host_fma;
	lm->m = m;
	lm->func_types = krt_calloc(m->ntypes, sizeof *lm->func_types);
	lm->funcs = krt_calloc(m->nfuncs, sizeof *lm->funcs);
	if (!lm->func_types || !lm->funcs)
		return nomem(err);
	for (uint32_t i = 0; i < m->ntypes; i++)
		if (!(lm->func_types[i] = func_type(lm, &m->types[i])))
			return nomem(err);
	return true;
}

/* Tail calls (return_call, return_call_indirect) are guaranteed by LLVM's
 * musttail, which needs the caller's and the callee's prototypes to be the
 * same.  So in a module using tail calls, every function whose arguments
 * and result travel in registers (x86-64: the ctx and at most 5 integer or
 * reference parameters, 8 float or vector ones, one result) has one
 * prototype, the "uniform" one: ctx, 5 i64 and 8 <2 x i64> parameters,
 * and a {i64, <2 x i64>} result (rax, xmm0).  A wasm parameter takes the
 * next register of its class, as the C convention would place it; the
 * result is in rax or xmm0, where C would return it.  So a uniform
 * function is called through a pointer with its own signature, unchanged,
 * by trampolines, stubs, the interpreter and other modules' code; and
 * calls its uniform callees (and tail-calls anything through a pointer)
 * with the uniform prototype, the registers it does not use undefined.
 * Other functions, and every function of a module without tail calls,
 * keep their own prototype: a tail call to or from one is a call and a
 * return (not in constant stack).  The convention is C's throughout
 * (tailcc would pop a slot of stack arguments even when there are none,
 * which C callers do not expect). */
#define UNIFORM_INTS 5
#define UNIFORM_VECS 8
#define UNIFORM_ARGS (LOWER_CTX_ARGS + UNIFORM_INTS + UNIFORM_VECS)

static bool is_vec_class(kiln_valtype t)
{
	return t == KILN_F32 || t == KILN_F64 || t == KILN_V128;
}

static bool lower_uniform(const lower_module *lm, const kiln_functype *ft)
{
	uint32_t ints = 0, vecs = 0;

	if (!lm->m || !(lm->m->uses & KILN_FEATURE_TAIL_CALL) || ft->nresults > 1)
		return false;
	for (uint32_t i = 0; i < ft->nparams; i++)
		*(is_vec_class(ft->params[i]) ? &vecs : &ints) += 1;
	return ints <= UNIFORM_INTS && vecs <= UNIFORM_VECS;
}

static LLVMTypeRef uniform_result(const lower_module *lm)
{
	LLVMTypeRef f[2] = {lm->i64, lm->v128};

	return LLVMStructTypeInContext(lm->llctx, f, 2, 0);
}

static LLVMTypeRef uniform_type(const lower_module *lm)
{
	LLVMTypeRef p[UNIFORM_ARGS];

	p[0] = p[1] = lm->ptr;
	for (int i = 0; i < UNIFORM_INTS; i++)
		p[LOWER_CTX_ARGS + i] = lm->i64;
	for (int i = 0; i < UNIFORM_VECS; i++)
		p[LOWER_CTX_ARGS + UNIFORM_INTS + i] = lm->v128;
	return LLVMFunctionType(uniform_result(lm), p, UNIFORM_ARGS, 0);
}

/* The LLVM type of function i (its declaration). */
static LLVMTypeRef decl_type(const lower_module *lm, uint32_t i)
{
	uint32_t t = lm->m->funcs[i].type_idx;

	return lower_uniform(lm, &lm->m->types[t]) ? uniform_type(lm) : lm->func_types[t];
}

/* A value of wasm type t as its uniform register (i64 or <2 x i64>). */
static LLVMValueRef to_reg(LLVMBuilderRef b, const lower_module *lm, LLVMValueRef v,
			   kiln_valtype t)
{
	LLVMTypeRef v4f = LLVMVectorType(lm->f32, 4), v2d = LLVMVectorType(lm->f64, 2);
	LLVMValueRef zero = LLVMConstInt(lm->i32, 0, 0);

	switch (t) {
	case KILN_I32: return LLVMBuildZExt(b, v, lm->i64, "");
	case KILN_I64: return v;
	case KILN_F32:
		return LLVMBuildBitCast(b, LLVMBuildInsertElement(b, LLVMGetUndef(v4f), v, zero, ""),
					lm->v128, "");
	case KILN_F64:
		return LLVMBuildBitCast(b, LLVMBuildInsertElement(b, LLVMGetUndef(v2d), v, zero, ""),
					lm->v128, "");
	case KILN_V128: return v;
	default: return LLVMBuildPtrToInt(b, v, lm->i64, "");
	}
}

/* to_reg's inverse. */
static LLVMValueRef from_reg(LLVMBuilderRef b, const lower_module *lm, LLVMValueRef r,
			     kiln_valtype t)
{
	LLVMValueRef zero = LLVMConstInt(lm->i32, 0, 0);

	switch (t) {
	case KILN_I32: return LLVMBuildTrunc(b, r, lm->i32, "");
	case KILN_I64: return r;
	case KILN_F32:
		return LLVMBuildExtractElement(b, LLVMBuildBitCast(b, r, LLVMVectorType(lm->f32, 4),
								   ""), zero, "");
	case KILN_F64:
		return LLVMBuildExtractElement(b, LLVMBuildBitCast(b, r, LLVMVectorType(lm->f64, 2),
								   ""), zero, "");
	case KILN_V128: return r;
	default: return LLVMBuildIntToPtr(b, r, lm->ptr, "");
	}
}

/* The uniform arguments of a call of type ft: ctx, then a[1..nparams]
 * in their registers' places, the rest undefined. */
static void uniform_args(LLVMBuilderRef b, const lower_module *lm, const kiln_functype *ft,
			 LLVMValueRef ctx, LLVMValueRef *a, LLVMValueRef *out)
{
	uint32_t ints = 0, vecs = 0;

	out[0] = out[1] = ctx;
	for (int i = 0; i < UNIFORM_INTS; i++)
		out[LOWER_CTX_ARGS + i] = LLVMGetUndef(lm->i64);
	for (int i = 0; i < UNIFORM_VECS; i++)
		out[LOWER_CTX_ARGS + UNIFORM_INTS + i] = LLVMGetUndef(lm->v128);
	for (uint32_t i = 0; i < ft->nparams; i++) {
		bool vec = is_vec_class(ft->params[i]);
		out[vec ? LOWER_CTX_ARGS + UNIFORM_INTS + vecs++ : LOWER_CTX_ARGS + ints++] =
			to_reg(b, lm, a[i], ft->params[i]);
	}
}

/* Wasm parameter i of the function being lowered. */
static LLVMValueRef lower_param(lower *l, LLVMBuilderRef b, uint32_t i)
{
	uint32_t ints = 0, vecs = 0;

	if (!lower_uniform(l->lm, l->type) || l->lm->osr)
		return LLVMGetParam(l->fn, i + LOWER_CTX_ARGS);
	for (uint32_t k = 0; k < i; k++)
		*(is_vec_class(l->type->params[k]) ? &vecs : &ints) += 1;
	return from_reg(b, l->lm, LLVMGetParam(l->fn, is_vec_class(l->type->params[i])
						     ? LOWER_CTX_ARGS + UNIFORM_INTS + vecs
						     : LOWER_CTX_ARGS + ints),
			l->type->params[i]);
}

/* Returns n values (0 or 1 for a uniform function) from the function being
 * lowered, in its prototype's form. */
void lower_build_ret(lower *l, LLVMValueRef *v, uint32_t n)
{
	LLVMValueRef r;

	if (!lower_uniform(l->lm, l->type) || l->lm->osr) {
		if (n == 0)
			LLVMBuildRetVoid(l->b);
		else if (n == 1)
			LLVMBuildRet(l->b, v[0]);
		else
			LLVMBuildAggregateRet(l->b, v, n);
		return;
	}
	r = LLVMGetUndef(uniform_result(l->lm));
	if (n == 1)
		r = LLVMBuildInsertValue(l->b, r, to_reg(l->b, l->lm, v[0], l->type->results[0]),
					 is_vec_class(l->type->results[0]), "");
	LLVMBuildRet(l->b, r);
}

/* The ctx parameter of a wasm function's prototype (lower.h,
 * LOWER_CTX_ARGS): swiftself, which the C convention passes in %r13. */
static LLVMAttributeRef ctx_attr(const lower_module *lm)
{
	return LLVMCreateEnumAttribute(lm->llctx,
				       LLVMGetEnumAttributeKindForName("swiftself", 9), 0);
}

/* Marks a call of wasm code as one: its first argument in %r13. */
static void wasm_call_site(const lower_module *lm, LLVMValueRef call)
{
	LLVMAddCallSiteAttribute(call, 1, ctx_attr(lm));
}

/* A wasm function: unwind tables always, so that an exception can unwind
 * through it to a frame that catches (a module's code may run between
 * two frames of another); nounwind where its module throws nothing
 * itself (runtime/exception.h). */
static void unwinds(lower_module *lm, LLVMValueRef fn)
{
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(lm->llctx,
					LLVMGetEnumAttributeKindForName("uwtable", 7), 2));
	if (!(lm->m->uses & KILN_FEATURE_EXCEPTIONS))
		add_attr(lm->llctx, fn, "nounwind");
}

/* Declares (or finds) function `i` under the name kind `kind`. */
static LLVMValueRef declare(lower_module *lm, char kind, uint32_t i)
{
	char name[64];
	LLVMValueRef fn;

	lower_func_name(lm, kind, i, name, sizeof name);
	if ((fn = LLVMGetNamedFunction(lm->llmod, name)) != NULL)
		return fn;
	fn = LLVMAddFunction(lm->llmod, name, decl_type(lm, i));
	LLVMAddAttributeAtIndex(fn, 1, ctx_attr(lm));
	unwinds(lm, fn);
	/* AOT: a body in another part of the module is reached PC-relative,
	 * never through a GOT. */
	if (lm->direct_calls)
		LLVMSetVisibility(fn, LLVMHiddenVisibility);
	return fn;
}

/* Declares function i's OSR entry "q<i>" (tier 0's: "p<i>"):
 * ret q(ctx, slots, loop). */
static LLVMValueRef declare_osr(lower_module *lm, uint32_t i)
{
	char name[64];
	LLVMTypeRef pt[3] = {lm->ptr, lm->ptr, lm->i32};
	LLVMTypeRef ret = LLVMGetReturnType(lm->func_types[lm->m->funcs[i].type_idx]);
	LLVMValueRef fn;

	lower_func_name(lm, lm->tier0 ? 'p' : 'q', i, name, sizeof name);
	fn = LLVMAddFunction(lm->llmod, name, LLVMFunctionType(ret, pt, 3, 0));
	unwinds(lm, fn);
	return fn;
}

LLVMValueRef lower_callee(lower_module *lm, uint32_t i)
{
	/* The JIT calls the lazy entry f<i>; a whole-module (AOT) compilation
	 * calls the body b<i> itself. */
	if (lm->funcs[i] == NULL)
		lm->funcs[i] = declare(lm, lm->direct_calls ? 'b'
				       : lm->body_kind && lm->self == i ? lm->body_kind : 'f', i);
	return lm->funcs[i];
}

bool lower_import_callees(lower_module *lm, uint32_t max, uint32_t max_bytes,
			  kiln_error *err)
{
	const kiln_module *m = lm->m;
	char kind = lm->body_kind;
	uint32_t n = 0;
	bool ok = true;

	/* Defined under the name lower_callee gave its callers. */
	lm->body_kind = lm->direct_calls ? 0 : 'f';
	lm->no_lines = true;
	for (uint32_t j = m->nimported_funcs; ok && j < m->nfuncs && n < max; j++) {
		LLVMValueRef f = lm->funcs[j];

		if (f == NULL || LLVMCountBasicBlocks(f) > 0 || m->funcs[j].code_size > max_bytes ||
		    lower_unoptimised(lm, j))
			continue;
		ok = lower_function(lm, j, err);
		LLVMSetLinkage(f, LLVMAvailableExternallyLinkage);
		n++;
	}
	lm->body_kind = kind;
	lm->no_lines = false;
	return ok;
}

/* DICompileUnit::DebugDirectivesOnly (llvm/IR/DebugInfoMetadata.h). */
#define KILN_DEBUG_DIRECTIVES_ONLY ((LLVMDWARFEmissionKind)3)

void lower_lines(lower_module *lm)
{
	static const char name[] = "wasm";
	LLVMMetadataRef ver =
		LLVMValueAsMetadata(LLVMConstInt(lm->i32, LLVMDebugMetadataVersion(), 0));
	LLVMMetadataRef dwarf = LLVMValueAsMetadata(LLVMConstInt(lm->i32, 4, 0));

	/* DWARF 4: the line program kiln reads (objlines.c). */
	LLVMAddModuleFlag(lm->llmod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18, ver);
	LLVMAddModuleFlag(lm->llmod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13, dwarf);
	lm->dib = LLVMCreateDIBuilderDisallowUnresolved(lm->llmod);
	lm->difile = LLVMDIBuilderCreateFile(lm->dib, name, 4, "", 0);
	/* The line table alone: LLVM's DebugDirectivesOnly, which the C
	 * API's enum lacks (LineTablesOnly adds .debug_info, .debug_abbrev,
	 * .debug_str and .debug_ranges to every object). */
	LLVMDIBuilderCreateCompileUnit(lm->dib, LLVMDWARFSourceLanguageC, lm->difile, "kiln", 4,
				       0, "", 0, 0, "", 0, KILN_DEBUG_DIRECTIVES_ONLY, 0, 0, 0,
				       "", 0, "", 0);
	lm->ditype = LLVMDIBuilderCreateSubroutineType(lm->dib, lm->difile, NULL, 0,
						       LLVMDIFlagZero);
}

void lower_at(lower *l, size_t offset)
{
	if (l->sp)
		LLVMSetCurrentDebugLocation2(l->b,
			LLVMDIBuilderCreateDebugLocation(l->lm->llctx, (unsigned)offset, 0, l->sp,
							 NULL));
}

/* Function i's subprogram, its lines from here on those of its set-up;
 * none for a callee imported to be inlined, whose code the inliner
 * places at its call's location instead (the caller's call instruction). */
static void begin_lines(lower *l, const char *name)
{
	lower_module *lm = l->lm;

	if (lm->dib == NULL || lm->no_lines)
		return;
	l->sp = LLVMDIBuilderCreateFunction(lm->dib, lm->difile, name, strlen(name), name,
					    strlen(name), lm->difile, 0, lm->ditype, 0, 1, 0,
					    LLVMDIFlagZero, 1);
	LLVMSetSubprogram(l->fn, l->sp);
	lower_at(l, 0);
}

void lower_lines_finish(lower_module *lm)
{
	if (lm->dib)
		LLVMDIBuilderFinalize(lm->dib);
}

void lower_module_free(lower_module *lm)
{
	if (lm->dib)
		LLVMDisposeDIBuilder(lm->dib);
	lm->dib = NULL;
	free(lm->func_types);
	free(lm->funcs);
	free(lm->osr_loops);
	lm->func_types = NULL;
	lm->funcs = NULL;
	lm->osr_loops = NULL;
}

/* ------------------------------------------------------------ helpers */

bool lower_push(lower *l, LLVMValueRef v)
{
	if (!krt_grow((void **)&l->stack, &l->stack_cap, l->nstack + 1, sizeof *l->stack))
		return nomem(l->err);
	l->stack[l->nstack++] = v;
	return true;
}

LLVMValueRef lower_pop(lower *l)
{
	/* Validation guarantees the stack holds what is popped. */
	return l->stack[--l->nstack];
}

LLVMValueRef lower_load_at(lower *l, LLVMValueRef base, unsigned offset,
			   LLVMTypeRef type)
{
	LLVMValueRef idx = LLVMConstInt(l->lm->i64, offset, 0);
	LLVMValueRef p = LLVMBuildGEP2(l->b, l->lm->i8, base, &idx, 1, "");
	LLVMValueRef v = LLVMBuildLoad2(l->b, type, p, "");

	/* Runtime structures and value slots are 8-byte aligned, not 16. */
	LLVMSetAlignment(v, 8);
	return v;
}

/* Marks a load of what never changes once the instance exists: LLVM may
 * then reuse one across stores and calls, and hoist it out of loops. */
static LLVMValueRef invariant(lower *l, LLVMValueRef load)
{
	LLVMContextRef c = l->lm->llctx;

	LLVMSetMetadata(load, LLVMGetMDKindIDInContext(c, "invariant.load", 14),
			LLVMMetadataAsValue(c, LLVMMDNodeInContext2(c, NULL, 0)));
	return load;
}

LLVMValueRef lower_load_invariant(lower *l, LLVMValueRef base, unsigned offset,
				  LLVMTypeRef type)
{
	return invariant(l, lower_load_at(l, base, offset, type));
}

/* Every ctx field but the stack limit, the epoch deadline and the fuel is set
 * before any code of the instance runs and never changes (vmctx.h). */
LLVMValueRef lower_ctx_field(lower *l, unsigned offset, LLVMTypeRef type)
{
	LLVMValueRef v = lower_load_at(l, l->ctx, offset, type);

	if (offset == KILN_CTX_STACK_LIMIT || offset == KILN_CTX_EPOCH_DEADLINE ||
	    offset == KILN_CTX_FUEL)
		return v;
	return invariant(l, v);
}

LLVMBasicBlockRef lower_block(lower *l, const char *name)
{
	return LLVMAppendBasicBlockInContext(l->lm->llctx, l->fn, name);
}

LLVMValueRef lower_call_helper(lower *l, enum kiln_helper_id id, LLVMTypeRef ret,
			       LLVMValueRef *args, unsigned nargs)
{
	LLVMTypeRef types[8];
	LLVMValueRef all[8], helpers, fp, call;

	types[0] = l->lm->ptr;
	all[0] = l->ctx;
	for (unsigned i = 0; i < nargs; i++) {
		types[i + 1] = LLVMTypeOf(args[i]);
		all[i + 1] = args[i];
	}
	helpers = lower_ctx_field(l, KILN_CTX_HELPERS, l->lm->ptr);
	fp = lower_load_invariant(l, helpers, id * 8, l->lm->ptr);
	call = LLVMBuildCall2(l->b, LLVMFunctionType(ret, types, nargs + 1, 0), fp, all,
			      nargs + 1, "");
	if (id == KILN_H_MEMORY_GROW || id == KILN_H_MEMORY_GROW_AT)
		lower_memory_reload(l);
	return call;
}

LLVMValueRef lower_intrinsic(lower *l, const char *name, LLVMTypeRef *types,
			     unsigned ntypes, LLVMValueRef *args, unsigned nargs)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(l->lm->llmod, id, types, ntypes);
	LLVMTypeRef ft = LLVMIntrinsicGetType(l->lm->llctx, id, types, ntypes);

	return LLVMBuildCall2(l->b, ft, fn, args, nargs, "");
}

static LLVMBasicBlockRef trap_block(lower *l, kiln_trap_kind kind)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(l->b), bb;
	LLVMValueRef arg;

	/* With line tables, a trap block per site: its call's location is
	 * the instruction's. */
	if (l->traps[kind] && !l->sp)
		return l->traps[kind];
	bb = l->traps[kind] = lower_block(l, "trap");
	LLVMPositionBuilderAtEnd(l->b, bb);
	arg = LLVMConstInt(l->lm->i32, kind, 0);
	LLVMValueRef call = lower_call_helper(l, KILN_H_TRAP, l->lm->void_, &arg, 1);
	/* Two sites' calls merged into one (tail merging at -O1 and up)
	 * would have no one location: the trap's offset unknown. */
	if (l->sp)
		LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
					 LLVMCreateEnumAttribute(l->lm->llctx,
						LLVMGetEnumAttributeKindForName("nomerge", 7), 0));
	LLVMBuildUnreachable(l->b);
	LLVMPositionBuilderAtEnd(l->b, here);
	return bb;
}

void lower_trap_if(lower *l, LLVMValueRef cond, kiln_trap_kind kind)
{
	LLVMBasicBlockRef ok = lower_block(l, "ok");

	LLVMBuildCondBr(l->b, cond, trap_block(l, kind), ok);
	LLVMPositionBuilderAtEnd(l->b, ok);
}

/* ------------------------------------------------------------- calls */

static bool push_results(lower *l, LLVMValueRef call, const kiln_functype *ft)
{
	if (ft->nresults == 1)
		return lower_push(l, call);
	for (uint32_t i = 0; i < ft->nresults; i++)
		if (!lower_push(l, LLVMBuildExtractValue(l->b, call, i, "")))
			return false;
	return true;
}

static LLVMValueRef build_call(lower *l, LLVMTypeRef fty, LLVMValueRef callee,
			       LLVMValueRef *a, unsigned n)
{
	LLVMValueRef call = lower_eh_call(l, fty, callee, a, n);

	wasm_call_site(l->lm, call);
	/* Never a tail call: tail-recursion elimination would turn unbounded
	 * recursion into a loop, and it must exhaust the stack instead.  (An
	 * invoke, in a handler scope, never is one.) */
	if (LLVMIsACallInst(call))
		LLVMSetTailCallKind(call, LLVMTailCallKindNoTail);
	lower_memory_reload(l);		/* the callee may have grown a memory */
	return call;
}

/* Calls with the caller's ctx, the register it is in, when the funcref's
 * ctx (a[0]) is the same: the callee's first loads (memory base, data)
 * then need not wait for the chain table -> slot -> funcref -> ctx, which
 * a table that may change is read through at every call.  A branch, not
 * a select, which LLVM folds back into the loaded ctx; and two calls that
 * SimplifyCFG must not merge into one (it would make that select again):
 * an attribute on one of them keeps them apart. */
static LLVMValueRef call_same_ctx(lower *l, LLVMTypeRef fty, LLVMValueRef callee,
				  LLVMValueRef *a, unsigned n)
{
	LLVMContextRef c = l->lm->llctx;
	LLVMBasicBlockRef bb[2] = {lower_block(l, "self"), lower_block(l, "other")};
	LLVMBasicBlockRef join = lower_block(l, "called");
	LLVMValueRef cctx = a[0], calls[2], phi;
	LLVMTypeRef rt = LLVMGetReturnType(fty);

	LLVMBuildCondBr(l->b, LLVMBuildICmp(l->b, LLVMIntEQ, cctx, l->ctx, ""), bb[0], bb[1]);
	for (int i = 0; i < 2; i++) {
		LLVMPositionBuilderAtEnd(l->b, bb[i]);
		a[0] = a[1] = i == 0 ? l->ctx : cctx;
		calls[i] = build_call(l, fty, callee, a, n);
		bb[i] = LLVMGetInsertBlock(l->b);	/* an invoke continues elsewhere */
		LLVMBuildBr(l->b, join);
	}
	LLVMAddCallSiteAttribute(calls[0], LLVMAttributeFunctionIndex,
				 LLVMCreateStringAttribute(c, "kiln-same-ctx", 13, "", 0));
	LLVMPositionBuilderAtEnd(l->b, join);
	if (LLVMGetTypeKind(rt) == LLVMVoidTypeKind)
		return calls[0];
	phi = LLVMBuildPhi(l->b, rt, "");
	LLVMAddIncoming(phi, calls, bb, 2);
	return phi;
}

/* Pops the arguments, calls callee with cctx first, pushes the results;
 * same_ctx: through call_same_ctx. */
static bool emit_call_as(lower *l, const kiln_functype *ft, LLVMTypeRef fty,
			 LLVMValueRef callee, LLVMValueRef cctx, bool same_ctx)
{
	LLVMValueRef args[128], *a = args, call;
	unsigned n = ft->nparams + LOWER_CTX_ARGS;

	lower_loop_busy(l);
	if (n > 128 && !(a = malloc(n * sizeof *a)))
		return nomem(l->err);
	a[0] = a[1] = cctx;
	for (uint32_t i = ft->nparams; i > 0; i--)
		a[i + LOWER_CTX_ARGS - 1] = lower_pop(l);
	if (lower_uniform(l->lm, ft) && LLVMIsAFunction(callee) &&
	    LLVMGlobalGetValueType(callee) == uniform_type(l->lm)) {
		/* a uniform callee (direct calls only): its registers */
		LLVMValueRef u[UNIFORM_ARGS];
		uniform_args(l->b, l->lm, ft, cctx, a + LOWER_CTX_ARGS, u);
		call = build_call(l, uniform_type(l->lm), callee, u, KILN_ARRAY_LEN(u));
		if (ft->nresults == 1)
			call = from_reg(l->b, l->lm, LLVMBuildExtractValue(l->b, call,
						is_vec_class(ft->results[0]), ""), ft->results[0]);
	} else {
		/* In a handler scope the calls are invokes, which code
		 * generation cannot merge back into one call as it does two
		 * calls: one invoke, as the loaded ctx. */
		call = same_ctx && !l->nhandlers ? call_same_ctx(l, fty, callee, a, n)
				: build_call(l, fty, callee, a, n);
	}
	if (a != args)
		free(a);
	return push_results(l, call, ft);
}

static bool emit_call(lower *l, const kiln_functype *ft, LLVMTypeRef fty,
		      LLVMValueRef callee, LLVMValueRef cctx)
{
	return emit_call_as(l, ft, fty, callee, cctx, false);
}

/* The funcref of function `f` of this instance (imports: the exporter's). */
static LLVMValueRef funcref_of(lower *l, LLVMValueRef findex)
{
	LLVMValueRef funcs = lower_ctx_field(l, KILN_CTX_FUNCS, l->lm->ptr);
	LLVMValueRef p = LLVMBuildGEP2(l->b, l->lm->ptr, funcs, &findex, 1, "");

	return invariant(l, LLVMBuildLoad2(l->b, l->lm->ptr, p, ""));
}

static bool op_call(lower *l, uint32_t f)
{
	const kiln_module *m = l->m;
	uint32_t t = m->funcs[f].type_idx;
	LLVMValueRef ref;

	if (!m->funcs[f].imported)
		return emit_call(l, &m->types[t], l->lm->func_types[t],
				 lower_callee(l->lm, f), l->ctx);
	ref = funcref_of(l, LLVMConstInt(l->lm->i64, f, 0));
	return emit_call(l, &m->types[t], l->lm->func_types[t],
			 lower_load_invariant(l, ref, KILN_FUNCREF_CODE, l->lm->ptr),
			 lower_load_invariant(l, ref, KILN_FUNCREF_CTX, l->lm->ptr));
}

static bool tail_through(lower *l, const kiln_functype *ft, LLVMTypeRef fty, LLVMValueRef ref);

/* call_indirect, or return_call_indirect (tail). */
static bool op_call_indirect_as(lower *l, uint32_t type, uint32_t table, bool tail)
{
	lower_module *lm = l->lm;
	LLVMValueRef idx = lower_pop(l), tables, tab, size, elems, slot, ref;
	LLVMValueRef ids, want, got, ti = LLVMConstInt(lm->i64, table, 0);
	LLVMValueRef ty = LLVMConstInt(lm->i64, type, 0);
	bool fixed = l->m->tables[table].fixed;

	tables = lower_ctx_field(l, KILN_CTX_TABLES, lm->ptr);
	tab = invariant(l, LLVMBuildLoad2(l->b, lm->ptr,
					  LLVMBuildGEP2(l->b, lm->ptr, tables, &ti, 1, ""), ""));
	size = lower_load_at(l, tab, KILN_TABLE_SIZE, lm->i32);
	if (fixed)
		invariant(l, size);
	lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntUGE, idx, size, ""),
		      KILN_TRAP_UNDEFINED_ELEMENT);
	elems = lower_load_at(l, tab, KILN_TABLE_ELEMS, lm->ptr);
	idx = LLVMBuildZExt(l->b, idx, lm->i64, "");
	slot = LLVMBuildGEP2(l->b, lm->ptr, elems, &idx, 1, "");
	ref = LLVMBuildLoad2(l->b, lm->ptr, slot, "");
	if (fixed) {	/* the call's target can be found once, out of loops */
		invariant(l, elems);
		invariant(l, ref);
	}
	lower_trap_if(l, LLVMBuildIsNull(l->b, ref, ""), KILN_TRAP_UNINITIALIZED_ELEMENT);
	ids = lower_ctx_field(l, KILN_CTX_TYPE_IDS, lm->ptr);
	want = invariant(l, LLVMBuildLoad2(l->b, lm->i32,
					   LLVMBuildGEP2(l->b, lm->i32, ids, &ty, 1, ""), ""));
	/* A funcref never changes (the table slot holding it may). */
	got = lower_load_invariant(l, ref, KILN_FUNCREF_TYPE_ID, lm->i32);
	lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntNE, want, got, ""),
		      KILN_TRAP_SIGNATURE_MISMATCH);
	if (tail)
		return tail_through(l, &l->m->types[type], lm->func_types[type], ref);
	/* A fixed table's target is found once, out of loops: there the
	 * branch of call_same_ctx would only cost. */
	return emit_call_as(l, &l->m->types[type], lm->func_types[type],
			    lower_load_invariant(l, ref, KILN_FUNCREF_CODE, lm->ptr),
			    lower_load_invariant(l, ref, KILN_FUNCREF_CTX, lm->ptr),
			    !fixed && !lm->tier0);
}

/* ------------------------------------------------------- tail calls */

/* Whether this function's tail call to a function of type ft can be
 * guaranteed: both are uniform (lower_uniform); an OSR entry (q<i>, p<i>,
 * called from C with a prototype of its own) never is. */
static bool tail_ok(lower *l, const kiln_functype *ft)
{
	return !l->lm->osr && lower_uniform(l->lm, l->type) && lower_uniform(l->lm, ft);
}

/* musttail call callee(cctx, arguments...) with the uniform prototype,
 * returning its result as it is: the callee takes this frame's place, so
 * a chain of tail calls runs in constant stack. */
static bool must_tail(lower *l, const kiln_functype *ft, LLVMValueRef callee, LLVMValueRef cctx)
{
	LLVMValueRef a[16], u[UNIFORM_ARGS], call;	/* 13 params at most */

	for (uint32_t i = ft->nparams; i > 0; i--)
		a[i - 1] = lower_pop(l);
	uniform_args(l->b, l->lm, ft, cctx, a, u);
	lower_eh_exit(l, 0);
	call = LLVMBuildCall2(l->b, uniform_type(l->lm), callee, u, KILN_ARRAY_LEN(u), "");
	wasm_call_site(l->lm, call);
	LLVMSetTailCallKind(call, LLVMTailCallKindMustTail);
	LLVMBuildRet(l->b, call);
	lower_set_dead(l);
	return true;
}

static bool op_return(lower *l);

/* A tail call that cannot be guaranteed: a call, then a return.  The
 * frame is left before the call as far as exceptions go: its catches
 * release theirs first, and no handler of it takes the callee's. */
static bool call_then_return(lower *l, const kiln_functype *ft, LLVMTypeRef fty,
			     LLVMValueRef callee, LLVMValueRef cctx)
{
	uint32_t handlers = l->nhandlers;
	bool ok;

	lower_eh_exit(l, 0);
	l->nhandlers = 0;
	ok = emit_call(l, ft, fty, callee, cctx);
	l->nhandlers = handlers;
	if (ok) {
		lower_branch_to(l, &l->frames[0]);
		lower_set_dead(l);
	}
	return ok;
}

/* Through a funcref: a host function is called as always (calls into the
 * host stay ordinary), wasm code (of any module: to a caller through a
 * pointer, a uniform function is a C function of its signature, and any
 * other is one) takes this frame's place. */
static bool tail_through(lower *l, const kiln_functype *ft, LLVMTypeRef fty, LLVMValueRef ref)
{
	LLVMValueRef code = lower_load_invariant(l, ref, KILN_FUNCREF_CODE, l->lm->ptr);
	LLVMValueRef cctx = lower_load_invariant(l, ref, KILN_FUNCREF_CTX, l->lm->ptr);
	LLVMValueRef host, *saved;
	LLVMBasicBlockRef wasm, other;
	uint32_t depth = l->nstack;

	if (!tail_ok(l, ft))
		return call_then_return(l, ft, fty, code, cctx);
	host = lower_load_invariant(l, ref, KILN_FUNCREF_HOST, l->lm->ptr);
	wasm = lower_block(l, "tail");
	other = lower_block(l, "host");
	/* Both paths pop the same arguments: the host path's from a copy. */
	if (!(saved = krt_calloc(ft->nparams + 1, sizeof *saved)))
		return nomem(l->err);
	if (ft->nparams)	/* the stack may be none at all */
		memcpy(saved, l->stack + depth - ft->nparams, ft->nparams * sizeof *saved);
	LLVMBuildCondBr(l->b, LLVMBuildIsNull(l->b, host, ""), wasm, other);
	LLVMPositionBuilderAtEnd(l->b, wasm);
	must_tail(l, ft, code, cctx);
	LLVMPositionBuilderAtEnd(l->b, other);
	lower_top(l)->dead = false;
	for (uint32_t i = 0; i < ft->nparams; i++)
		lower_push(l, saved[i]);	/* room: they were there */
	free(saved);
	return call_then_return(l, ft, fty, code, cctx);
}

static bool op_return_call(lower *l, uint32_t f)
{
	const kiln_module *m = l->m;
	uint32_t t = m->funcs[f].type_idx;
	const kiln_functype *ft = &m->types[t];

	if (m->funcs[f].imported)
		return tail_through(l, ft, l->lm->func_types[t],
				    funcref_of(l, LLVMConstInt(l->lm->i64, f, 0)));
	if (!tail_ok(l, ft))
		return call_then_return(l, ft, l->lm->func_types[t], lower_callee(l->lm, f), l->ctx);
	return must_tail(l, ft, lower_callee(l->lm, f), l->ctx);
}

/* ------------------------------------------------- locals and others */

/* Where local i lives: its slot in the frame array, or its alloca, made
 * on first use at the top of the entry block (where mem2reg promotes it)
 * with its initial value stored: a function pays only for the locals it
 * uses. */
LLVMValueRef lower_local_ptr(lower *l, uint32_t i)
{
	LLVMBasicBlockRef entry;
	LLVMBuilderRef b;
	LLVMValueRef off, init;

	if (l->frame) {
		off = LLVMConstInt(l->lm->i64, l->local_offs[i], 0);
		return LLVMBuildGEP2(l->b, l->lm->i8, l->frame, &off, 1, "");
	}
	if (l->locals[i])
		return l->locals[i];
	entry = LLVMGetEntryBasicBlock(l->fn);
	b = LLVMCreateBuilderInContext(l->lm->llctx);
	LLVMPositionBuilderBefore(b, LLVMGetFirstInstruction(entry));
	if (l->lm->osr) {	/* q<i>, p<i>: every local from the caller's slots */
		LLVMValueRef at = LLVMConstInt(l->lm->i64, (uint64_t)i * KILN_SLOT_SIZE, 0);
		init = LLVMBuildLoad2(b, l->local_types[i],
				      LLVMBuildGEP2(b, l->lm->i8, LLVMGetParam(l->fn, 1), &at, 1, ""),
				      "");
		LLVMSetAlignment(init, 8);
	} else {
		init = i < l->type->nparams ? lower_param(l, b, i)
					    : LLVMConstNull(l->local_types[i]);
	}
	l->locals[i] = LLVMBuildAlloca(b, l->local_types[i], "");
	LLVMBuildStore(b, init, l->locals[i]);
	LLVMDisposeBuilder(b);
	return l->locals[i];
}

LLVMValueRef lower_osr_slots(lower *l)
{
	if (l->osr_slots == NULL) {
		LLVMBuilderRef b = LLVMCreateBuilderInContext(l->lm->llctx);
		LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(l->fn);
		LLVMTypeRef t = LLVMArrayType2(l->lm->i8, (uint64_t)l->nlocals * KILN_SLOT_SIZE);
		LLVMPositionBuilderBefore(b, LLVMGetFirstInstruction(entry));
		l->osr_slots = LLVMBuildAlloca(b, t, "osr");
		LLVMSetAlignment(l->osr_slots, 16);
		LLVMDisposeBuilder(b);
	}
	return l->osr_slots;
}

static bool op_local(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	uint32_t i = in->u.idx;

	switch (d->oper) {
	case KILN_OPER_GET:
		return lower_push(l, LLVMBuildLoad2(l->b, l->local_types[i],
						    lower_local_ptr(l, i), ""));
	case KILN_OPER_SET:
		LLVMBuildStore(l->b, lower_pop(l), lower_local_ptr(l, i));
		return true;
	case KILN_OPER_TEE:
		LLVMBuildStore(l->b, l->stack[l->nstack - 1], lower_local_ptr(l, i));
		return true;
	default:
		return lower_unsupported(l, in);
	}
}

static bool op_drop(lower *l)
{
	LLVMValueRef v = lower_pop(l);

	/* A load whose value is dropped must still trap when out of bounds;
	 * volatile keeps LLVM from deleting it. */
	if (LLVMIsAZExtInst(v) || LLVMIsASExtInst(v))
		v = LLVMGetOperand(v, 0);	/* narrow loads are extended */
	if (LLVMIsALoadInst(v) && !LLVMIsAAllocaInst(LLVMGetOperand(v, 0)))
		LLVMSetVolatile(v, 1);
	return true;
}

static bool op_select(lower *l)
{
	LLVMValueRef c = lower_pop(l), b = lower_pop(l), a = lower_pop(l);

	c = LLVMBuildICmp(l->b, LLVMIntNE, c, LLVMConstInt(l->lm->i32, 0, 0), "");
	return lower_push(l, LLVMBuildSelect(l->b, c, a, b, ""));
}

static bool op_return(lower *l)
{
	lower_eh_exit(l, 0);
	lower_branch_to(l, &l->frames[0]);
	lower_set_dead(l);
	return true;
}

/* The predicate of a comparison (EQ..GE) of integers, scalar or lanes. */
LLVMIntPredicate lower_int_predicate(kiln_oper oper, kiln_sign sign)
{
	bool s = sign == KILN_SIGN_S;

	switch (oper) {
	case KILN_OPER_NE: return LLVMIntNE;
	case KILN_OPER_LT: return s ? LLVMIntSLT : LLVMIntULT;
	case KILN_OPER_GT: return s ? LLVMIntSGT : LLVMIntUGT;
	case KILN_OPER_LE: return s ? LLVMIntSLE : LLVMIntULE;
	case KILN_OPER_GE: return s ? LLVMIntSGE : LLVMIntUGE;
	default: return LLVMIntEQ;
	}
}

/* Of floats: ordered, but ne is true for NaN (unordered). */
LLVMRealPredicate lower_real_predicate(kiln_oper oper)
{
	switch (oper) {
	case KILN_OPER_NE: return LLVMRealUNE;
	case KILN_OPER_LT: return LLVMRealOLT;
	case KILN_OPER_GT: return LLVMRealOGT;
	case KILN_OPER_LE: return LLVMRealOLE;
	case KILN_OPER_GE: return LLVMRealOGE;
	default: return LLVMRealOEQ;
	}
}

/* ------------------------------------------------------- dispatch */

bool lower_unsupported(lower *l, const kiln_instr *in)
{
	return krt_fail(l->err, KILN_ERR_UNSUPPORTED, in->offset,
			"%s is not supported yet", krt_op_table[in->op].name);
}

static bool lower_control(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	switch (d->oper) {
	case KILN_OPER_NOP: return true;
	case KILN_OPER_UNREACHABLE:
		LLVMBuildBr(l->b, trap_block(l, KILN_TRAP_UNREACHABLE));
		lower_set_dead(l);
		return true;
	case KILN_OPER_BLOCK:
	case KILN_OPER_LOOP:
	case KILN_OPER_IF: return lower_op_block(l, in);
	case KILN_OPER_ELSE: return lower_op_else(l);
	case KILN_OPER_END: return lower_op_end(l);
	case KILN_OPER_BR:
	case KILN_OPER_BR_IF: return lower_op_br(l, in);
	case KILN_OPER_BR_TABLE: return lower_op_br_table(l, in);
	case KILN_OPER_RETURN: return op_return(l);
	case KILN_OPER_CALL: return op_call(l, in->u.idx);
	case KILN_OPER_CALL_INDIRECT:
		return op_call_indirect_as(l, in->u.pair.a, in->u.pair.b, false);
	case KILN_OPER_RETURN_CALL: return op_return_call(l, in->u.idx);
	case KILN_OPER_RETURN_CALL_INDIRECT:
		return op_call_indirect_as(l, in->u.pair.a, in->u.pair.b, true);
	case KILN_OPER_TRY:
	case KILN_OPER_TRY_TABLE:
	case KILN_OPER_CATCH:
	case KILN_OPER_CATCH_ALL:
	case KILN_OPER_DELEGATE:
	case KILN_OPER_THROW:
	case KILN_OPER_THROW_REF:
	case KILN_OPER_RETHROW: return lower_eh_op(l, in, d);
	default: return lower_unsupported(l, in);
	}
}

static bool lower_parametric(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	switch (d->oper) {
	case KILN_OPER_DROP: return op_drop(l);
	case KILN_OPER_SELECT: return op_select(l);
	default: return lower_unsupported(l, in);
	}
}

/* Locals here; globals live in the instance (lower_memory.c). */
static bool lower_variable(lower *l, const kiln_instr *in, const kiln_op_info *d)
{
	if (d->imm == KILN_IMM_GLOBAL)
		return lower_global(l, in, d);
	return op_local(l, in, d);
}

/* Each family is called for the instructions of its `fam` column only. */
static lower_family_fn *const families[] = {
	[KILN_FAM_CONTROL] = lower_control,
	[KILN_FAM_PARAMETRIC] = lower_parametric,
	[KILN_FAM_VARIABLE] = lower_variable,
	[KILN_FAM_TABLE] = lower_table,
	[KILN_FAM_MEMORY] = lower_memory,
	[KILN_FAM_REFERENCE] = lower_reference,
	[KILN_FAM_NUMERIC] = lower_numeric,
	[KILN_FAM_SIMD] = lower_simd,
	[KILN_FAM_ATOMIC] = lower_atomic,
};
_Static_assert(sizeof families / sizeof families[0] == KILN_FAM_COUNT_,
	       "a lowering function for every instruction family");

/* Whether an instruction's code may trap or call: a backtrace looks up
 * only such code's pcs (a faulting access, the call of a trap or another
 * helper, a call's return address).  The others (locals, constants,
 * arithmetic, branches: most of a body) get no location: no row of the
 * line table starts in them, which keeps the table and its cost small,
 * and the pcs looked up lie in instructions that have their own. */
static bool may_trap_or_call(const kiln_op_info *d)
{
	switch (d->family) {
	case KILN_FAM_VARIABLE:
	case KILN_FAM_PARAMETRIC:
		return false;
	case KILN_FAM_NUMERIC:
		return d->oper == KILN_OPER_DIV || d->oper == KILN_OPER_REM ||
		       d->oper == KILN_OPER_TRUNC_TO_INT;
	case KILN_FAM_CONTROL:
		return d->oper == KILN_OPER_UNREACHABLE || d->oper == KILN_OPER_LOOP ||
		       d->oper == KILN_OPER_CALL || d->oper == KILN_OPER_CALL_INDIRECT ||
		       d->oper == KILN_OPER_RETURN_CALL ||
		       d->oper == KILN_OPER_RETURN_CALL_INDIRECT ||
		       d->oper == KILN_OPER_THROW || d->oper == KILN_OPER_THROW_REF ||
		       d->oper == KILN_OPER_RETHROW;
	default:	/* memory, tables, references, SIMD */
		return true;
	}
}

bool lower_instr(lower *l, const kiln_instr *in)
{
	const kiln_op_info *d = &krt_op_table[in->op];

	if (may_trap_or_call(d))
		lower_at(l, in->offset);
	else if (l->sp)
		LLVMSetCurrentDebugLocation2(l->b, NULL);
	return families[d->family](l, in, d);
}

/* In dead code, only nesting matters: skip to the frame's else or end. */
static bool skip_dead(lower *l, const kiln_instr *in, uint32_t *depth)
{
	switch (in->op) {
	case KILN_OP_BLOCK:
	case KILN_OP_LOOP:
	case KILN_OP_IF:
	case KILN_OP_TRY:
	case KILN_OP_TRY_TABLE:
		(*depth)++;
		return true;
	case KILN_OP_ELSE:
		if (*depth == 0)
			return lower_op_else(l);
		return true;
	case KILN_OP_CATCH:
	case KILN_OP_CATCH_ALL:
		if (*depth == 0)
			return lower_eh_op(l, in, &krt_op_table[in->op]);
		return true;
	case KILN_OP_DELEGATE:	/* ends its try, as `end` does */
		if (*depth == 0)
			return lower_eh_op(l, in, &krt_op_table[in->op]);
		(*depth)--;
		return true;
	case KILN_OP_END:
		if (*depth == 0)
			return lower_op_end(l);
		(*depth)--;
		return true;
	default:
		return true;
	}
}

/* ------------------------------------------------------------- function */

/* Compile cost (issue 17): mem2reg and the optimisers grow faster than
 * linearly with locals times blocks (5,000 blocks and 25,000 locals took
 * 52 s, 90 % in mem2reg).  A function over the thresholds keeps its locals
 * in one array of 8-byte slots (16 for v128), addressed by constant
 * offsets, which no pass sees as promotable, and is marked optnone, so
 * that LLVM runs no optimisation on it and selects its instructions with
 * FastISel (the JIT and AOT generate its code at -O0 too): compile time
 * and memory linear in its size. */
bool lower_unoptimised(const lower_module *lm, uint32_t fidx)
{
	const kiln_func *f = &lm->m->funcs[fidx];
	uint32_t max_locals = lm->ssa_max_locals ? lm->ssa_max_locals : KILN_SSA_MAX_LOCALS;
	uint32_t max_body = lm->ssa_max_body ? lm->ssa_max_body : KILN_SSA_MAX_BODY;
	uint64_t nlocals = f->nlocals + lm->m->types[f->type_idx].nparams;

	return nlocals > max_locals || f->code_size > max_body;
}

/* The frame array: its layout, and the alloca (in the entry block, so that
 * it is part of the fixed frame).  init_frame fills it. */
static bool setup_frame(lower *l)
{
	uint32_t off = 0;

	if (!(l->local_offs = krt_calloc(l->nlocals, sizeof *l->local_offs)))
		return nomem(l->err);
	for (uint32_t k = 0; k < l->nlocals; k++) {
		uint32_t size = l->local_types[k] == l->lm->v128 ? 16 : 8;
		off = (off + size - 1) & ~(size - 1);
		l->local_offs[k] = off;
		off += size;
	}
	l->frame_bytes = (off + 15) & ~15u;
	l->frame = LLVMBuildAlloca(l->b, LLVMArrayType(l->lm->i64, l->frame_bytes / 8), "frame");
	LLVMSetAlignment(l->frame, 16);
	add_attr(l->lm->llctx, l->fn, "optnone");
	add_attr(l->lm->llctx, l->fn, "noinline");
	return true;
}

/* Zeroes the frame array with a loop (constant code size whatever the
 * number of locals) and stores the parameters; after the stack check, so
 * that a large frame is never written beyond the stack limit. */
static void init_frame(lower *l)
{
	lower_module *lm = l->lm;
	LLVMBasicBlockRef entry = LLVMGetInsertBlock(l->b);
	LLVMBasicBlockRef loop = lower_block(l, "zero"), done = lower_block(l, "zeroed");
	LLVMValueRef i, next, zero = LLVMConstInt(lm->i64, 0, 0);

	LLVMBuildBr(l->b, loop);
	LLVMPositionBuilderAtEnd(l->b, loop);
	i = LLVMBuildPhi(l->b, lm->i64, "");
	LLVMBuildStore(l->b, zero, LLVMBuildGEP2(l->b, lm->i64, l->frame, &i, 1, ""));
	next = LLVMBuildAdd(l->b, i, LLVMConstInt(lm->i64, 1, 0), "");
	LLVMAddIncoming(i, (LLVMValueRef[]){zero, next}, (LLVMBasicBlockRef[]){entry, loop}, 2);
	LLVMBuildCondBr(l->b, LLVMBuildICmp(l->b, LLVMIntULT, next,
					    LLVMConstInt(lm->i64, l->frame_bytes / 8, 0), ""),
			loop, done);
	LLVMPositionBuilderAtEnd(l->b, done);
	for (uint32_t k = 0; k < l->type->nparams; k++)
		LLVMBuildStore(l->b, lower_param(l, l->b, k), lower_local_ptr(l, k));
}

static bool setup_locals(lower *l, uint32_t fidx)
{
	const kiln_func *f = &l->m->funcs[fidx];
	uint64_t n = l->type->nparams + f->nlocals;
	uint32_t k = 0;

	if (!(l->local_types = krt_calloc(n, sizeof *l->local_types)))
		return nomem(l->err);
	l->nlocals = (uint32_t)n;
	for (uint32_t i = 0; i < l->type->nparams; i++, k++)
		l->local_types[k] = lower_type(l->lm, l->type->params[i]);
	for (uint32_t r = 0; r < f->nruns; r++) {
		LLVMTypeRef t = lower_type(l->lm, f->runs[r].type);
		for (uint32_t i = 0; i < f->runs[r].count; i++, k++)
			l->local_types[k] = t;
	}
	if (lower_unoptimised(l->lm, fidx))
		return setup_frame(l);
	/* Allocas are made on first use (lower_local_ptr). */
	if (!(l->locals = krt_calloc(n, sizeof *l->locals)))
		return nomem(l->err);
	return true;
}

/* Traps "call stack exhausted" when the stack pointer is below the limit:
 * checked in every prologue, so deterministic whatever LLVM inlines. */
static void stack_check(lower *l)
{
	LLVMTypeRef p = l->lm->ptr;
	LLVMValueRef sp = lower_intrinsic(l, "llvm.stacksave", &p, 1, NULL, 0);
	LLVMValueRef limit = lower_ctx_field(l, KILN_CTX_STACK_LIMIT, l->lm->i64);

	sp = LLVMBuildPtrToInt(l->b, sp, l->lm->i64, "");
	lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntULT, sp, limit, ""),
		      KILN_TRAP_STACK_EXHAUSTED);
}

/* A small function that calls no function skips the stack check: it
 * cannot recurse, and its caller passed the check, so it takes at most its
 * own frame below the limit, a few KiB for a body of up to LEAF_BODY bytes
 * and LEAF_LOCALS locals, well inside the margin the runtime keeps below
 * the limit for host code (KILN_STACK_MARGIN, 256 KiB).  Comparators and
 * string functions are such leaves, called millions of times.  Not in code
 * that counts calls for tier-up or has OSR entries: those call the runtime. */
#define LEAF_BODY 1024
#define LEAF_LOCALS 128

static bool small_leaf(lower *l, uint32_t fidx)
{
	const kiln_func *f = &l->m->funcs[fidx];
	kiln_reader r = {l->m->bytes, l->m->bytes + f->body.off,
			 l->m->bytes + f->body.off + f->body.len, NULL};
	kiln_instr in;

	if (l->lm->tier_counters || l->lm->osr || f->body.len > LEAF_BODY ||
	    f->nlocals + l->type->nparams > LEAF_LOCALS)
		return false;
	while (r.p < r.end) {
		if (!krt_rd_instr(&r, &in))
			return false;
		kiln_oper o = krt_op_table[in.op].oper;
		if (o == KILN_OPER_CALL || o == KILN_OPER_CALL_INDIRECT ||
		    o == KILN_OPER_RETURN_CALL || o == KILN_OPER_RETURN_CALL_INDIRECT)
			return false;
	}
	return true;
}

static void start_block(lower *l, const char *name)
{
	LLVMBasicBlockRef bb = lower_block(l, name);

	LLVMBuildBr(l->b, bb);
	LLVMPositionBuilderAtEnd(l->b, bb);
}

/* Traps "interrupted" once the process's epoch has reached the instance's
 * deadline: at function entries and loop headers, so that no code runs
 * long without a check.  The epoch is read atomically (another thread
 * moves it), so no loop keeps it in a register. */
void lower_epoch_check(lower *l)
{
	LLVMValueRef p = lower_ctx_field(l, KILN_CTX_EPOCH, l->lm->ptr);
	LLVMValueRef now = LLVMBuildLoad2(l->b, l->lm->i64, p, "");
	LLVMValueRef deadline = lower_ctx_field(l, KILN_CTX_EPOCH_DEADLINE, l->lm->i64);

	LLVMSetOrdering(now, LLVMAtomicOrderingMonotonic);
	LLVMSetAlignment(now, 8);
	lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntUGE, now, deadline, ""),
		      KILN_TRAP_INTERRUPTED);
}

/* Charges the fuel of the code from here to the end of the innermost loop
 * or the function (outside inner loops), trapping "all fuel consumed" when
 * none is left.  Its cost is not known until that end: the subtraction
 * gets a placeholder, fuel_settle puts the count of operators in. */
void lower_fuel_charge(lower *l)
{
	LLVMTypeRef i64 = l->lm->i64;
	LLVMValueRef fuel = lower_ctx_field(l, KILN_CTX_FUEL, i64);
	LLVMValueRef off = LLVMConstInt(i64, KILN_CTX_FUEL, 0);
	LLVMValueRef p = LLVMBuildGEP2(l->b, l->lm->i8, l->ctx, &off, 1, "");

	l->fuel_sub = LLVMBuildSub(l->b, fuel, LLVMConstInt(i64, 0, 0), "fuel");
	l->fuel_ops = 0;
	LLVMSetAlignment(LLVMBuildStore(l->b, l->fuel_sub, p), 8);
	lower_trap_if(l, LLVMBuildICmp(l->b, LLVMIntSLT, l->fuel_sub, LLVMConstInt(i64, 0, 0), ""),
		      KILN_TRAP_OUT_OF_FUEL);
}

void lower_fuel_settle(lower *l)
{
	if (l->fuel_sub)
		LLVMSetOperand(l->fuel_sub, 1, LLVMConstInt(l->lm->i64, l->fuel_ops, 0));
}

static bool lower_body(lower *l, uint32_t fidx)
{
	const kiln_func *f = &l->m->funcs[fidx];
	kiln_reader r = {l->m->bytes, l->m->bytes + f->body.off,
			 l->m->bytes + f->body.off + f->body.len, l->err};
	kiln_instr in;
	uint32_t dead_depth = 0;

	if (!lower_push_frame(l, FR_FUNC, NULL, 0, l->type->results, l->type->nresults))
		return false;
	while (l->nframes > 0) {
		bool ok;
		if (!krt_rd_instr(&r, &in))
			return false;
		if (lower_top(l)->dead) {
			ok = skip_dead(l, &in, &dead_depth);
		} else {
			dead_depth = 0;
			ok = in.op == KILN_OP_LOOP ? lower_loop(l, &r, &in) : lower_instr(l, &in);
			l->fuel_ops++;
		}
		if (!ok)
			return false;
	}
	return true;
}

bool lower_function(lower_module *lm, uint32_t fidx, kiln_error *err)
{
	lower l = {0};
	char name[64];
	bool ok;

	l.lm = lm;
	l.m = lm->m;
	l.err = err;
	(void)name;
	l.fidx = fidx;
	lm->osr_points = 0;
	lm->nosr_loops = 0;
	l.fn = lm->osr ? declare_osr(lm, fidx)
		       : declare(lm, lm->body_kind ? lm->body_kind : 'b', fidx);
	/* No library calls made from loops (memcpy, memset): a fault must
	 * happen in kiln's code to be a trap. */
	LLVMAddAttributeAtIndex(l.fn, LLVMAttributeFunctionIndex,
				LLVMCreateStringAttribute(lm->llctx, "no-builtins", 11, "", 0));
	/* Every body on a cache line of its own: where its loops fall on
	 * 64-byte lines depends on its code alone, not on what precedes it
	 * (lower_block.c, align_loop). */
	if (!lm->tier0)
		LLVMSetAlignment(l.fn, LOWER_FUNC_ALIGN);
	/* Frame pointers: trap backtraces walk them. */
	LLVMAddAttributeAtIndex(l.fn, LLVMAttributeFunctionIndex,
				LLVMCreateStringAttribute(lm->llctx, "frame-pointer", 13, "all", 3));
	l.type = &l.m->types[l.m->funcs[fidx].type_idx];
	l.b = LLVMCreateBuilderInContext(lm->llctx);
	LLVMPositionBuilderAtEnd(l.b, lower_block(&l, "entry"));
	begin_lines(&l, LLVMGetValueName2(l.fn, &(size_t){0}));
	l.ctx = LLVMGetParam(l.fn, 0);
	if (lm->osr)
		lower_osr_note(&l);
	ok = setup_locals(&l, fidx);
	/* From the ctx's copy: one load where memory->base takes two, on the
	 * way to every access of a small function (a comparator). */
	if (ok && l.m->nmemories > 0)
		l.mem_base = lower_ctx_field(&l, KILN_CTX_MEMORY_BASE, lm->ptr);
	if (ok)
		lower_memory_lengths(&l);
	if (ok) {
		if (!small_leaf(&l, fidx))
			stack_check(&l);
		else	/* the entry block holds only the allocas (lower_local_ptr) */
			start_block(&l, "body");
		if (l.frame)
			init_frame(&l);
		if (lm->epoch_checks)
			lower_epoch_check(&l);
		if (lm->osr)
			lower_osr_entry(&l);
		if (lm->tier_counters)
			lower_tier_count(&l, LOWER_NO_LOOP);
		if (lm->fuel_checks)
			lower_fuel_charge(&l);
		ok = lower_body(&l, fidx);
	}
	while (l.nframes > 0)
		lower_free_frame(&l.frames[--l.nframes]);
	free(l.frames);
	free(l.stack);
	free(l.locals);
	free(l.local_types);
	free(l.local_offs);
	LLVMDisposeBuilder(l.b);
	return ok;
}

/* void <name>(ptr ctx, ptr slots, ptr entry): arguments from the slots,
 * an indirect call of entry as a function of type ft, results back. */
bool lower_trampoline(lower_module *lm, const kiln_functype *ft, const char *name,
		      kiln_error *err)
{
	LLVMTypeRef pt[3] = {lm->ptr, lm->ptr, lm->ptr}, callee_type;
	LLVMValueRef fn, slots, args[128 + LOWER_CTX_ARGS], call;
	LLVMBuilderRef b;
	lower l = {0};

	if (ft->nparams > 128)
		return krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				"functions of more than 128 parameters are not supported yet");
	if (!(callee_type = func_type(lm, ft)))
		return nomem(err);
	fn = LLVMAddFunction(lm->llmod, name, LLVMFunctionType(lm->void_, pt, 3, 0));
	add_attr(lm->llctx, fn, "nounwind");
	b = LLVMCreateBuilderInContext(lm->llctx);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->llctx, fn, "entry"));
	l.lm = lm, l.b = b, l.fn = fn;
	slots = LLVMGetParam(fn, 1);
	args[0] = args[1] = LLVMGetParam(fn, 0);
	for (uint32_t i = 0; i < ft->nparams; i++)
		args[i + LOWER_CTX_ARGS] = lower_load_at(&l, slots, i * KILN_SLOT_SIZE,
							 lower_type(lm, ft->params[i]));
	call = LLVMBuildCall2(b, callee_type, LLVMGetParam(fn, 2), args,
			      ft->nparams + LOWER_CTX_ARGS, "");
	wasm_call_site(lm, call);
	for (uint32_t i = 0; i < ft->nresults; i++) {
		LLVMValueRef v = ft->nresults == 1 ? call : LLVMBuildExtractValue(b, call, i, "");
		LLVMValueRef off = LLVMConstInt(lm->i64, i * KILN_SLOT_SIZE, 0);
		LLVMSetAlignment(LLVMBuildStore(b, v, LLVMBuildGEP2(b, lm->i8, slots, &off, 1, "")), 8);
	}
	LLVMBuildRetVoid(b);
	LLVMDisposeBuilder(b);
	return true;
}
