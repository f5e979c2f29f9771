/*
 * aot_emit.c — whole-module compilation to a .kwasm artifact
 * (runtime/artifact.h).
 *
 * The functions are split into parts of about equal size, compiled on as
 * many threads (each with its own LLVM context and target machine), each
 * part lowered into one LLVM module with direct calls between bodies
 * (calls into other parts stay undefined symbols the loader resolves),
 * optimised with the engine's level, and emitted as a relocatable ELF
 * object: position independent (jump tables hold 32-bit offsets from
 * the table, PC32 relocations into the code), small code model,
 * nounwind, the runtime reached only through ctx — so
 * what relocations remain are PC32, PLT32 and 64.  The
 * header records what the code depends on; SHA-256 (OpenSSL libcrypto)
 * identifies the module.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "engine.h"
#include "krt.h"
#include "lower.h"
#include "objlines.h"

typedef struct blob {
	uint8_t *p;
	size_t n, cap;
} blob;

static bool append(blob *b, const void *data, size_t n, kiln_artifact_range *r)
{
	if (!krt_grow((void **)&b->p, &b->cap, b->n + n, 1))
		return false;
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

/* kiln_config.dump_prefix: the optimised IR, headed by the wasm names of
 * the bodies, and the assembly of one part.  Code generation runs once
 * more for the assembly, before the object's. */
static bool dump_part(kiln_engine *e, kiln_module *m, uint32_t first, uint32_t end,
		      uint32_t part, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		      kiln_error *err)
{
	const char *prefix = engine_config(e)->dump_prefix;
	char path[4096], num[16] = "", *msg = NULL, *ir;
	bool split = first != m->nimported_funcs || end != m->nfuncs;
	FILE *f;

	if (split)
		snprintf(num, sizeof num, ".%u", part);
	snprintf(path, sizeof path, "%s%s.ll", prefix, num);
	f = fopen(path, "w");
	if (f == NULL)
		return krt_fail(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot write %s", path);
	for (uint32_t i = first; i < end; i++) {
		kiln_name n = kiln_module_func_name(m, i);
		if (n.data)
			fprintf(f, "; b%u = %.*s\n", i, (int)n.len, (const char *)n.data);
	}
	ir = LLVMPrintModuleToString(mod);
	fputs(ir, f);
	LLVMDisposeMessage(ir);
	if (fclose(f) != 0)
		return krt_fail(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot write %s", path);
	/* Code generation changes the IR it runs on (CodeGenPrepare), so the
	 * assembly comes from a copy: the object emitted next is generated
	 * from the same IR as this assembly, and is the object an artifact
	 * compiled without --dump holds. */
	LLVMModuleRef copy = LLVMCloneModule(mod);
	bool ok;

	snprintf(path, sizeof path, "%s%s.s", prefix, num);
	ok = copy != NULL && !LLVMTargetMachineEmitToFile(tm, copy, path, LLVMAssemblyFile, &msg);
	if (copy)
		LLVMDisposeModule(copy);
	if (!ok) {
		krt_fail(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot write %s: %s", path,
			 msg ? msg : "?");
		LLVMDisposeMessage(msg);
	}
	return ok;
}

/* The entry trampolines, one per signature of the module's own functions
 * (krt_tramp_name: two types of equal structure share one), all in the
 * first part; the loader gives each function its signature's. */
static bool emit_tramps(lower_module *lm, kiln_error *err)
{
	const kiln_module *m = lm->m;
	bool *seen = krt_calloc(m->ntypes, sizeof *seen), ok = seen != NULL;

	if (!ok)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (uint32_t i = m->nimported_funcs; ok && i < m->nfuncs; i++) {
		uint32_t t = m->funcs[i].type_idx;
		if (seen[t])
			continue;
		seen[t] = true;
		char *name = krt_tramp_name(&m->types[t]);
		if (name == NULL)
			ok = krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		else if (!LLVMGetNamedFunction(lm->llmod, name))
			ok = lower_trampoline(lm, &m->types[t], name, err);
		free(name);
	}
	free(seen);
	return ok;
}

/* The most functions, and the most code bytes each, a part imports from
 * other parts (lower_import_callees). */
#define AOT_IMPORT_MAX 512
#define AOT_IMPORT_BYTES 400

/* Where a part's functions' lines go: per function index, from the
 * part's thread (each part's functions are its own). */
typedef struct lines_out {
	krt_lines **of;
	uint32_t nfuncs;
} lines_out;

/* Keeps the lines of a body "b<i>" of the object; frees any other. */
static void keep_lines(void *ctx, const char *name, krt_lines *t)
{
	lines_out *lo = ctx;
	unsigned long i;
	char *end;

	if (name[0] != 'b' || !name[1] || (i = strtoul(name + 1, &end, 10)) >= lo->nfuncs ||
	    *end || lo->of[i] != NULL) {
		free(t);
		return;
	}
	lo->of[i] = t;
}

/* The artifact carries the lines read from the object's debug
 * information (lisp.wasm's: 28 of its 203 KB): the object goes without. */
static bool strip_debug(LLVMMemoryBufferRef *obj, kiln_error *err)
{
	size_t len = LLVMGetBufferSize(*obj);
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	memcpy(copy, LLVMGetBufferStart(*obj), len);
	len = obj_strip_debug(copy, len);
	LLVMDisposeMemoryBuffer(*obj);
	*obj = LLVMCreateMemoryBufferWithMemoryRangeCopy((const char *)copy, len, "object");
	free(copy);
	return true;
}

/* Whether the artifact's target has FMA, by the features it is compiled
 * for (the host's for a native one, so that it fuses as the JIT does). */
static bool target_fma(const kiln_engine *e)
{
	char *cpu, *features;
	bool fma;

	engine_target(e, &cpu, &features);
	fma = lower_features_fma(features);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return fma;
}

/* Lowers functions [first, end) (part number `part`) and emits their
 * object into *obj, their lines into lo. */
static bool emit_object(kiln_engine *e, kiln_module *m, uint32_t first, uint32_t end,
			uint32_t part, LLVMTargetMachineRef tm, LLVMMemoryBufferRef *obj,
			lines_out *lo, kiln_error *err)
{
	LLVMContextRef c = LLVMContextCreate();
	lower_module lm;
	char *msg = NULL;
	bool ok = lower_module_init(&lm, m, c, "", err);

	if (ok)
		lower_lines(&lm);
	lm.direct_calls = true;
	lm.epoch_checks = engine_config(e)->epoch_interruption;
	lm.fuel_checks = engine_config(e)->fuel_metering;
	lm.ssa_max_locals = engine_config(e)->ssa_max_locals;
	lm.ssa_max_body = engine_config(e)->ssa_max_body;
	lm.fma = target_fma(e);
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
	for (uint32_t i = first; ok && i < end; i++)
		ok = lower_function(&lm, i, err);
	/* A part of a split module: its callees in other parts come along
	 * to be inlined, as they would be in one module. */
	if (ok && (first > m->nimported_funcs || end < m->nfuncs))
		ok = lower_import_callees(&lm, AOT_IMPORT_MAX, AOT_IMPORT_BYTES, err);
	if (ok && part == 0)
		ok = emit_tramps(&lm, err);
	lower_lines_finish(&lm);
	if (ok && LLVMVerifyModule(lm.llmod, LLVMReturnStatusAction, &msg)) {
		ok = krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
			      "internal error: invalid IR: %.200s", msg ? msg : "?");
	}
	LLVMDisposeMessage(msg);
	msg = NULL;
	ok = ok && engine_optimise(e, lm.llmod, tm, false, err);
	if (ok && engine_config(e)->dump_prefix)
		ok = dump_part(e, m, first, end, part, lm.llmod, tm, err);
	if (ok && LLVMTargetMachineEmitToMemoryBuffer(tm, lm.llmod, LLVMObjectFile, &msg, obj)) {
		ok = krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "code generation: %s",
			      msg ? msg : "?");
		LLVMDisposeMessage(msg);
	}
	/* An object whose lines kiln cannot read leaves them unknown. */
	if (ok)
		obj_lines((const uint8_t *)LLVMGetBufferStart(*obj), LLVMGetBufferSize(*obj),
			  keep_lines, lo);
	if (ok)
		ok = strip_debug(obj, err);
	if (lm.llmod)
		LLVMDisposeModule(lm.llmod);
	lower_module_free(&lm);
	LLVMContextDispose(c);
	return ok;
}

/* ------------------------------------------------- compiling in parallel */

/* A module with more code than KILN_AOT_SPLIT_BYTES is split into parts of
 * at least KILN_AOT_PART_BYTES (or of kiln_config.aot_part_bytes; at most
 * KILN_ARTIFACT_MAX_OBJECTS parts), taken from a queue by the compiling
 * threads.  The parts depend on the module and the configuration, never
 * on the number of threads, so the artifact does not either. */

typedef struct part {
	uint32_t first, end;
	LLVMMemoryBufferRef obj;
	kiln_error err;
	bool ok;
} part;

typedef struct queue {
	kiln_engine *e;
	kiln_module *m;
	lines_out lines;
	part *parts;
	uint32_t nparts, next, done, total;
	pthread_mutex_t lock;
} queue;

/* A part whose functions are all over the SSA thresholds (lower.c) has its
 * code generated at -O0 too. */
static int part_opt_level(const queue *q, const part *p)
{
	lower_module lm = {.m = q->m, .ssa_max_locals = engine_config(q->e)->ssa_max_locals,
			   .ssa_max_body = engine_config(q->e)->ssa_max_body};

	for (uint32_t i = p->first; i < p->end; i++)
		if (!lower_unoptimised(&lm, i))
			return engine_opt_level(q->e);
	return 0;
}

static void compile_part(queue *q, part *p)
{
	char *triple, *cpu, *features;
	LLVMTargetMachineRef tm = engine_object_machine(q->e, part_opt_level(q, p), &triple,
							&cpu, &features);

	/* Each part has its own LLVM context and target machine. */
	p->ok = tm ? emit_object(q->e, q->m, p->first, p->end, (uint32_t)(p - q->parts), tm,
				 &p->obj, &q->lines, &p->err)
		   : krt_fail(&p->err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "no native target");
	if (tm)
		LLVMDisposeTargetMachine(tm);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
}

static void *worker(void *arg)
{
	queue *q = arg;
	const kiln_config *c = engine_config(q->e);

	for (;;) {
		pthread_mutex_lock(&q->lock);
		uint32_t i = q->next < q->nparts ? q->next++ : UINT32_MAX;
		pthread_mutex_unlock(&q->lock);
		if (i == UINT32_MAX)
			return NULL;
		compile_part(q, &q->parts[i]);
		pthread_mutex_lock(&q->lock);
		q->done += q->parts[i].end - q->parts[i].first;
		if (c->compile_progress && q->nparts > 1)
			c->compile_progress(c->compile_progress_data, q->done, q->total);
		pthread_mutex_unlock(&q->lock);
	}
}

/* Splits the own functions into parts of about equal code size. */
static uint32_t split(const kiln_module *m, uint32_t part_bytes, part *parts)
{
	uint64_t total = 0, acc = 0, size;
	uint64_t least = part_bytes ? part_bytes : KILN_AOT_PART_BYTES;
	uint32_t n = 1, k = 0;

	for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++)
		total += m->funcs[i].body.len;
	if (part_bytes ? part_bytes != UINT32_MAX : total > KILN_AOT_SPLIT_BYTES) {
		size = total / KILN_ARTIFACT_MAX_OBJECTS + 1;
		size = size < least ? least : size;
		n = (uint32_t)((total + size - 1) / size);
	}
	parts[0].first = m->nimported_funcs;
	for (uint32_t i = m->nimported_funcs; i < m->nfuncs && k + 1 < n; i++) {
		acc += m->funcs[i].body.len;
		if (acc * n >= total * (k + 1) && i + 1 < m->nfuncs) {
			parts[k].end = i + 1;
			parts[++k].first = i + 1;
		}
	}
	parts[k].end = m->nfuncs;
	return k + 1;
}

static bool compile_parts(kiln_engine *e, kiln_module *m, part *parts, uint32_t *nparts,
			  krt_lines **lines, kiln_error *err)
{
	pthread_t threads[KILN_ARTIFACT_MAX_OBJECTS];
	uint32_t nthreads = engine_config(e)->compile_threads, started = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	queue q = {.e = e, .m = m, .parts = parts, .lines = {lines, m->nfuncs}};
	bool ok = true;

	*nparts = q.nparts = split(m, engine_config(e)->aot_part_bytes, parts);
	q.total = m->nfuncs - m->nimported_funcs;
	for (uint32_t i = 0; i < q.nparts; i++) {
		parts[i].obj = NULL;
		parts[i].err.status = KILN_OK;
		parts[i].ok = false;
	}
	if (nthreads == 0)
		nthreads = cpus > 0 ? (uint32_t)cpus : 1;
	if (nthreads > q.nparts)
		nthreads = q.nparts;
	pthread_mutex_init(&q.lock, NULL);
	/* This thread is one of the workers. */
	while (started + 1 < nthreads &&
	       pthread_create(&threads[started], NULL, worker, &q) == 0)
		started++;
	worker(&q);
	for (uint32_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&q.lock);
	for (uint32_t i = 0; ok && i < q.nparts; i++)
		if (!parts[i].ok) {
			*err = parts[i].err;
			ok = false;
		}
	return ok;
}

/* The artifact's lines (artifact.h) from each own function's: a function
 * without any has none (its offsets unknown). */
static bool append_lines(blob *b, const kiln_module *m, krt_lines *const *lines,
			 kiln_artifact_range *r)
{
	uint32_t n = m->nfuncs - m->nimported_funcs, at = 0;
	size_t first = b->n;
	bool ok = append(b, &n, sizeof n, NULL) && append(b, &at, sizeof at, NULL);

	for (uint32_t i = m->nimported_funcs; ok && i < m->nfuncs; i++) {
		at += lines[i] ? lines[i]->n : 0;
		ok = append(b, &at, sizeof at, NULL);
	}
	for (uint32_t i = m->nimported_funcs; ok && i < m->nfuncs; i++)
		if (lines[i])
			ok = append(b, lines[i]->e, lines[i]->n * sizeof lines[i]->e[0], NULL);
	*r = (kiln_artifact_range){first, b->n - first};
	return ok;
}

kiln_status kiln_module_serialize(kiln_engine *e, kiln_module *m, uint8_t **out,
				  size_t *out_len, kiln_error *err)
{
	kiln_artifact_header h = {0};
	part parts[KILN_ARTIFACT_MAX_OBJECTS];
	kiln_artifact_range objects[KILN_ARTIFACT_MAX_OBJECTS];
	uint32_t nparts = 0;
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
	if (!krt_features_allow(m, engine_config(e)->features, err) ||
	    krt_module_check_limits(m, &engine_config(e)->limits, err) != KILN_OK ||
	    kiln_module_validate(m, err) != KILN_OK || !engine_llvm_load(err))
		return err->status;
	if (engine_config(e)->target_cpu && !known_cpu(engine_config(e)->target_cpu))
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "unknown target CPU '%s'", engine_config(e)->target_cpu);
	tm = engine_object_machine(e, engine_opt_level(e), &triple, &cpu, &features);
	krt_lines **lines = krt_calloc(m->nfuncs ? m->nfuncs : 1, sizeof *lines);
	ok = !lines ? krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory")
	     : tm != NULL ? compile_parts(e, m, parts, &nparts, lines, err)
			: krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET, "no native target");
	memcpy(h.magic, KILN_ARTIFACT_MAGIC, 8);
	h.format = KILN_ARTIFACT_FORMAT;
	h.opt_level = (uint32_t)engine_opt_level(e);
	h.bounds_mode = KILN_BOUNDS_GUARD_PAGES;
	h.code_flags = (engine_config(e)->epoch_interruption ? KILN_ARTIFACT_EPOCH_CHECKS : 0) |
		       (engine_config(e)->fuel_metering ? KILN_ARTIFACT_FUEL : 0);
	h.module_features = m->uses;
	ok = ok && EVP_Digest(m->bytes, m->size, h.module_sha256, NULL, EVP_sha256(), NULL) == 1;
	ok = ok && append(&b, &h, sizeof h, NULL) &&
	     append_str(&b, kiln_version(), &h.kiln_version) &&
	     append_str(&b, kiln_compiler_llvm_version(), &h.llvm_version) &&
	     append_str(&b, triple, &h.triple) && append_str(&b, cpu, &h.cpu) &&
	     append_str(&b, features, &h.features) &&
	     append(&b, m->bytes, m->size, &h.module);
	/* Each object 16-byte aligned, then the table of their ranges. */
	for (uint32_t i = 0; ok && i < nparts; i++)
		ok = append(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", (16 - b.n % 16) % 16, NULL) &&
		     append(&b, LLVMGetBufferStart(parts[i].obj), LLVMGetBufferSize(parts[i].obj),
			    &objects[i]);
	ok = ok && append(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", (16 - b.n % 16) % 16, NULL) &&
	     append(&b, objects, nparts * sizeof *objects, &h.objects) &&
	     append_lines(&b, m, lines, &h.lines);
	for (uint32_t i = 0; lines && i < m->nfuncs; i++)
		free(lines[i]);
	free(lines);
	if (ok) {
		memcpy(b.p, &h, sizeof h);	/* now with the ranges */
		krt_artifact_seal(b.p, b.n);
		*out = b.p;
		*out_len = b.n;
	} else {
		free(b.p);
		if (err->status == KILN_OK)
			krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	}
	for (uint32_t i = 0; i < nparts; i++)
		if (parts[i].obj)
			LLVMDisposeMemoryBuffer(parts[i].obj);
	if (tm)
		LLVMDisposeTargetMachine(tm);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return ok ? KILN_OK : err->status;
}

/* What kiln_cache_key names the target by.  For this machine (no
 * --target-cpu or --target-features), the CPUID words LLVM's host
 * detection reads rather than LLVM's answer: a cache hit then needs no
 * LLVM at all, and the same words give LLVM the same answer. */
static bool key_target(kiln_engine *e, char **cpu, char **features, kiln_error *err)
{
	const kiln_config *c = engine_config(e);
	char id[KRT_CPU_ID_SIZE];

	if ((!c->target_cpu || !strcmp(c->target_cpu, "native")) && !c->target_features) {
		krt_cpu_identity(id);
		*cpu = strdup(id);
		*features = strdup("cpuid");
	} else if (engine_llvm_load(err)) {
		char *lc, *lf;
		engine_target(e, &lc, &lf);
		*cpu = strdup(lc);
		*features = strdup(lf);
		LLVMDisposeMessage(lc);
		LLVMDisposeMessage(lf);
	} else {
		return false;
	}
	if (*cpu && *features)
		return true;
	free(*cpu);
	free(*features);
	return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

kiln_status kiln_cache_key(kiln_engine *e, const uint8_t *bytes, size_t len,
			   char out[65], kiln_error *err)
{
	static const char triple[] = KILN_LLVM_TRIPLE, llvm[] = KILN_LLVM_VERSION;
	kiln_error local, *why = err ? err : &local;
	char *cpu, *features, opts[64];
	unsigned char md[32];
	EVP_MD_CTX *ctx;
	bool ok;

	if (!key_target(e, &cpu, &features, why))
		return why->status;
	ctx = EVP_MD_CTX_new();
	/* The artifact format too: kilns of one version but two formats (a
	 * development build beside an installed one) share a cache without
	 * each removing the other's entries as unusable. */
	snprintf(opts, sizeof opts, "O%d bounds%d epoch%d fuel%d format%d", engine_opt_level(e),
		 KILN_BOUNDS_GUARD_PAGES, engine_config(e)->epoch_interruption,
		 engine_config(e)->fuel_metering, KILN_ARTIFACT_FORMAT);
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, bytes, len) == 1 &&
	     EVP_DigestUpdate(ctx, kiln_version(), strlen(kiln_version()) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, llvm, sizeof llvm) == 1 &&
	     EVP_DigestUpdate(ctx, triple, sizeof triple) == 1 &&
	     EVP_DigestUpdate(ctx, cpu, strlen(cpu) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, features, strlen(features) + 1) == 1 &&
	     EVP_DigestUpdate(ctx, opts, strlen(opts) + 1) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	free(cpu);
	free(features);
	if (!ok)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				       "cannot hash the module");
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return KILN_OK;
}
