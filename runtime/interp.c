/*
 * interp.c — a module's interpreted code: translation of every function,
 * its entries, and the way in from C (interp.h).
 *
 * Every kiln function has a native entry (code.h) that funcrefs hold and
 * compiled code calls.  An interpreted function's entry is a thunk of its
 * own, 32 bytes in one read-execute mapping per module:
 *
 *	movabs $func, %r11	49 bb <8 bytes>	the interp_func
 *	jmp *target(%rip)	ff 25 <4 bytes>
 *
 * where `target`, the function's quad in a read-write part of the same
 * mapping after the thunks, is the native adapter until tier 1 of the
 * function is installed, then its JIT stub (krt_interp_retarget): a
 * funcref made before still holds the thunk, and compiled code calling
 * through it (call_indirect of a table element) goes straight to tier 1.
 *
 * The entry trampoline of every interpreted function, krt_interp_tramp,
 * reads the interp_func back from the thunk's immediate, so the API and
 * instantiation reach the function through the funcref as they reach any
 * other.  Compiled code calls the thunk as the function itself (vmctx.h's
 * ABI, System V): `target` first is the native adapter, interp_native_entry,
 * which saves the argument registers and hands them to
 * interp_from_native_args with the interp_func; that reads the arguments as
 * the signature places them, interprets, and leaves the results where
 * LLVM's struct return puts them (registers, or memory through a hidden
 * pointer), which the adapter loads.  Functions with v128 values get
 * from_native instead, which traps KILN_TRAP_COMPILE_FAILED: not built
 * yet.  Native calls reach interpreted code only when a module of an
 * interpreting engine is linked with compiled code (an artifact, another
 * engine's module).
 */
#include <alloca.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "code.h"
#include "interp.h"
#include "trap.h"

#define THUNK_SIZE 32

static void from_native(kiln_vmctx *ctx)
{
	(void)ctx;
	krt_trap_raise(KILN_TRAP_COMPILE_FAILED);
}

/* What interp_native_entry saved: the six integer argument registers (%rdi
 * first), then %xmm0..7. */
typedef struct native_regs {
	uint64_t gp[6];
	uint64_t xmm[8][2];
} native_regs;

/* What interp_native_entry loads before it returns: %rax, %rdx, %rcx,
 * %xmm0, %xmm1, then the x87 stack, st(1) pushed first (x87 says which are
 * pushed, NATIVE_ST0 and NATIVE_ST1, and as f64 or f32). */
typedef struct native_out {
	uint64_t gp[3];
	uint64_t xmm[2];
	uint64_t st[2];
	uint64_t x87;
} native_out;

enum {
	NATIVE_ST0 = 1, NATIVE_ST0_F64 = 2, NATIVE_ST1 = 4, NATIVE_ST1_F64 = 8,
};

_Static_assert(sizeof(native_regs) == 176, "interp_native_entry's save area");
_Static_assert(sizeof(native_out) == 64 && offsetof(native_out, st) == 40 &&
	       offsetof(native_out, x87) == 56, "interp_native_entry's result area");

static bool is_float(kiln_valtype t)
{
	return t == KILN_F32 || t == KILN_F64;
}

/* How LLVM returns a first-class struct of the results with the C calling
 * convention on x86-64 (compiled code's, lower.c): integers and references
 * in %rax, %rdx, %rcx; floats in %xmm0, %xmm1, then x87's st(0), st(1).
 * When they do not all fit, the whole struct goes to memory through a
 * hidden pointer, passed before the ctx and returned in %rax. */
static bool results_in_memory(const kiln_functype *ft)
{
	uint32_t ints = 0, floats = 0;

	for (uint32_t i = 0; i < ft->nresults; i++)
		is_float(ft->results[i]) ? floats++ : ints++;
	return ints > 3 || floats > 4;
}

/* Where result i of ft is in LLVM's struct return: at mem, each at its
 * natural alignment, in order, when the struct is in memory (mem not
 * NULL), else in o's registers (an x87 one flagged in o->x87).  *n: its
 * bytes there.  w carries the walk from one result to the next. */
typedef struct result_walk {
	size_t at;
	uint32_t gp, fl;
} result_walk;

static void *result_place(const kiln_functype *ft, uint32_t i, native_out *o, uint8_t *mem,
			  result_walk *w, size_t *n)
{
	bool f64 = ft->results[i] == KILN_F64;

	if (mem) {
		*n = ft->results[i] == KILN_I32 || ft->results[i] == KILN_F32 ? 4 : 8;
		w->at = (w->at + *n - 1) & ~(*n - 1);
		w->at += *n;
		return mem + w->at - *n;
	}
	*n = sizeof o->gp[0];
	if (!is_float(ft->results[i]))
		return &o->gp[w->gp++];
	if (w->fl < 2)
		return &o->xmm[w->fl++];
	o->x87 |= w->fl == 2 ? NATIVE_ST0 | (f64 ? NATIVE_ST0_F64 : 0)
			     : NATIVE_ST1 | (f64 ? NATIVE_ST1_F64 : 0);
	return &o->st[w->fl++ - 2];
}

/* Copies ft's results from res to their places in the struct return
 * (out), or back. */
static void results_move(const kiln_functype *ft, interp_val *res, native_out *o, uint8_t *mem,
			 bool out)
{
	result_walk w = {0};
	size_t n;

	for (uint32_t i = 0; i < ft->nresults; i++) {
		void *p = result_place(ft, i, o, mem, &w, &n);
		if (out)
			memcpy(p, &res[i], n);
		else
			memcpy(&res[i], p, n);
	}
}

/* Arguments by the System V classification of the signature: integers and
 * references in the integer registers after the ctx (and after the
 * results' pointer when there is one), floats in the vector registers, the
 * rest on the caller's stack, 8 bytes each, in order. */
void interp_from_native_args(const interp_func *f, const native_regs *r,
			     const uint64_t *stack, native_out *o);

void interp_from_native_args(const interp_func *f, const native_regs *r,
			     const uint64_t *stack, native_out *o)
{
	const kiln_functype *ft = &f->im->module->types[f->im->module->funcs[f->index].type_idx];
	bool mem = results_in_memory(ft);
	uint32_t n = f->nparams > f->nresults ? f->nparams : f->nresults;
	uint32_t ctx = mem ? 1 : 0, gp = ctx + 1, xmm = 0;
	interp_val args[n ? n : 1];

	for (uint32_t i = 0; i < f->nparams; i++) {
		const uint64_t *src = is_float(ft->params[i])
				      ? (xmm < 8 ? r->xmm[xmm++] : stack++)
				      : (gp < 6 ? &r->gp[gp++] : stack++);
		memcpy(&args[i], src, sizeof args[i]);
	}
	interp_enter((kiln_vmctx *)r->gp[ctx], f, args);
	memset(o, 0, sizeof *o);
	results_move(ft, args, o, mem ? (uint8_t *)r->gp[0] : NULL, true);
	if (mem)
		o->gp[0] = r->gp[0];
}

/* The native adapter: %r11 holds the interp_func (the thunk set it).  The
 * frame: the argument registers (native_regs) at 0, native_out at 176. */
#if defined(__x86_64__)
__asm__(".text\n"
	".p2align 4\n"
	".globl interp_native_entry\n"
	".hidden interp_native_entry\n"
	".type interp_native_entry, @function\n"
	"interp_native_entry:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	sub $240, %rsp\n"
	"	mov %rdi, 0(%rsp)\n"
	"	mov %rsi, 8(%rsp)\n"
	"	mov %rdx, 16(%rsp)\n"
	"	mov %rcx, 24(%rsp)\n"
	"	mov %r8, 32(%rsp)\n"
	"	mov %r9, 40(%rsp)\n"
	"	movdqu %xmm0, 48(%rsp)\n"
	"	movdqu %xmm1, 64(%rsp)\n"
	"	movdqu %xmm2, 80(%rsp)\n"
	"	movdqu %xmm3, 96(%rsp)\n"
	"	movdqu %xmm4, 112(%rsp)\n"
	"	movdqu %xmm5, 128(%rsp)\n"
	"	movdqu %xmm6, 144(%rsp)\n"
	"	movdqu %xmm7, 160(%rsp)\n"
	"	mov %r11, %rdi\n"
	"	mov %rsp, %rsi\n"
	"	lea 16(%rbp), %rdx\n"
	"	lea 176(%rsp), %rcx\n"
	"	call interp_from_native_args@PLT\n"
	"	mov 232(%rsp), %r11\n"
	"	test $4, %r11\n"		/* st(1) first: it ends up below */
	"	jz 2f\n"
	"	test $8, %r11\n"
	"	jz 1f\n"
	"	fldl 224(%rsp)\n"
	"	jmp 2f\n"
	"1:	flds 224(%rsp)\n"
	"2:	test $1, %r11\n"
	"	jz 4f\n"
	"	test $2, %r11\n"
	"	jz 3f\n"
	"	fldl 216(%rsp)\n"
	"	jmp 4f\n"
	"3:	flds 216(%rsp)\n"
	"4:	mov 176(%rsp), %rax\n"
	"	mov 184(%rsp), %rdx\n"
	"	mov 192(%rsp), %rcx\n"
	"	movq 200(%rsp), %xmm0\n"
	"	movq 208(%rsp), %xmm1\n"
	"	leave\n"
	"	ret\n"
	".size interp_native_entry, . - interp_native_entry\n");
#endif
void interp_native_entry(void);

/* The call into an OSR entry: q(gp[0], gp[1], gp[2], gp[3]) — the
 * integer argument registers — then the result registers stored in o,
 * the x87 ones o->x87 names popped (st(0) first).  A frame of its own
 * (%rbp chained), in the runtime: a trap backtrace skips it, as the JIT's
 * osr_note makes it skip tier 0's frame below an OSR entry. */
#if defined(__x86_64__)
__asm__(".text\n"
	".p2align 4\n"
	".globl interp_osr_call\n"
	".hidden interp_osr_call\n"
	".type interp_osr_call, @function\n"
	"interp_osr_call:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	push %rbx\n"
	"	sub $8, %rsp\n"
	"	mov %rdx, %rbx\n"
	"	mov %rsi, %r11\n"
	"	mov 24(%rdi), %rcx\n"
	"	mov 16(%rdi), %rdx\n"
	"	mov 8(%rdi), %rsi\n"
	"	mov 0(%rdi), %rdi\n"
	"	call *%r11\n"
	"	mov %rax, 0(%rbx)\n"
	"	mov %rdx, 8(%rbx)\n"
	"	mov %rcx, 16(%rbx)\n"
	"	movq %xmm0, 24(%rbx)\n"
	"	movq %xmm1, 32(%rbx)\n"
	"	mov 56(%rbx), %r11\n"
	"	test $1, %r11\n"
	"	jz 2f\n"
	"	test $2, %r11\n"
	"	jz 1f\n"
	"	fstpl 40(%rbx)\n"
	"	jmp 2f\n"
	"1:	fstps 40(%rbx)\n"
	"2:	test $4, %r11\n"
	"	jz 4f\n"
	"	test $8, %r11\n"
	"	jz 3f\n"
	"	fstpl 48(%rbx)\n"
	"	jmp 4f\n"
	"3:	fstps 48(%rbx)\n"
	"4:	mov -8(%rbp), %rbx\n"
	"	leave\n"
	"	ret\n"
	".size interp_osr_call, . - interp_osr_call\n");
#endif
void interp_osr_call(const uint64_t gp[4], void *q, native_out *o);

void interp_osr(kiln_vmctx *ctx, const interp_func *f, void *q, interp_val *fp, uint32_t loop)
{
	const kiln_functype *ft = &f->im->module->types[f->im->module->funcs[f->index].type_idx];
	bool mem = results_in_memory(ft);
	size_t bytes = ((size_t)f->nlocals + 1) * KILN_SLOT_SIZE;
	native_out o = {0};
	result_walk w = {0};
	size_t n;

	interp_stack_check(ctx, bytes + ((size_t)f->nresults + 1) * sizeof(uint64_t));
	kiln_slot *slots = alloca(bytes);
	uint64_t *res = alloca(((size_t)f->nresults + 1) * sizeof(uint64_t));
	for (uint32_t i = 0; i < f->nlocals; i++)
		memcpy(&slots[i], &fp[i], sizeof fp[i]);	/* no local is v128 */
	uint64_t gp[4] = {(uintptr_t)ctx, (uintptr_t)slots, loop, 0};
	if (mem) {		/* the results' pointer first */
		gp[3] = gp[2], gp[2] = gp[1], gp[1] = gp[0];
		gp[0] = (uintptr_t)res;
	}
	for (uint32_t i = 0; i < ft->nresults; i++)	/* flags the x87 results */
		(void)result_place(ft, i, &o, mem ? (uint8_t *)res : NULL, &w, &n);
	interp_osr_call(gp, q, &o);
	results_move(ft, fp, &o, mem ? (uint8_t *)res : NULL, false);
}

/* Which native target a function's thunk jumps to: v128 values are not
 * built. */
static void *native_target(const interp_func *f)
{
	const kiln_functype *ft = &f->im->module->types[f->im->module->funcs[f->index].type_idx];

	for (uint32_t i = 0; i < ft->nparams; i++)
		if (ft->params[i] == KILN_V128)
			return (void *)from_native;
	for (uint32_t i = 0; i < ft->nresults; i++)
		if (ft->results[i] == KILN_V128)
			return (void *)from_native;
	return (void *)interp_native_entry;
}

const interp_func *interp_thunk_func(const void *entry)
{
	const interp_func *f;

	memcpy(&f, (const uint8_t *)entry + 2, sizeof f);
	return f;
}

void krt_interp_tramp(kiln_vmctx *ctx, kiln_slot *slots, void *entry)
{
	const interp_func *f = interp_thunk_func(entry);
	uint32_t n = f->nparams > f->nresults ? f->nparams : f->nresults;
	interp_val args[n + 1];

	for (uint32_t i = 0; i < f->nparams; i++)
		memcpy(&args[i], &slots[i], sizeof args[i]);
	interp_enter(ctx, f, args);
	for (uint32_t i = 0; i < f->nresults; i++) {
		memset(&slots[i], 0, sizeof slots[i]);
		memcpy(&slots[i], &args[i], sizeof args[i]);
	}
}

/* f's tier-1 code, entered through its entry and its signature's
 * trampoline (the JIT's, set before the entry: code.h).  Not inlined: its
 * slots (a VLA) would give interp_enter a frame of its own, which every
 * interpreted call would pay for on the native stack; without them
 * interp_enter jumps to interp_call. */
static __attribute__((noinline)) void call_compiled(kiln_vmctx *ctx, const interp_func *f,
						    void *entry, interp_val *args)
{
	const kiln_code *code = f->im->module->code;
	kiln_tramp_fn *tramp = krt_code_tramp(code, f->index);
	uint32_t n = f->nparams > f->nresults ? f->nparams : f->nresults;
	kiln_slot slots[n + 1];

	memset(slots, 0, sizeof slots);
	for (uint32_t i = 0; i < f->nparams; i++)
		memcpy(&slots[i], &args[i], sizeof args[i]);
	tramp(ctx, slots, entry);
	for (uint32_t i = 0; i < f->nresults; i++)
		memcpy(&args[i], &slots[i], sizeof args[i]);
}

void interp_enter(kiln_vmctx *ctx, const interp_func *f, interp_val *args)
{
	const interp_module *im = f->im;

	if (im->counters != NULL) {
		void *entry = krt_code_entry(im->module->code, f->index);

		if (entry != krt_interp_entry(im, f->index)) {
			call_compiled(ctx, f, entry, args);
			return;
		}
	}
	interp_call(ctx, im, f, args);
}

/* Thunk p of f, jumping through *target. */
static void write_thunk(uint8_t *p, const interp_func *f, _Atomic(void *) *target)
{
	int32_t disp = (int32_t)((uint8_t *)target - (p + 16));

	atomic_init(target, native_target(f));
	p[0] = 0x49;		/* movabs $f, %r11 */
	p[1] = 0xbb;
	memcpy(p + 2, &f, sizeof f);
	p[10] = 0xff;		/* jmp *disp(%rip) */
	p[11] = 0x25;
	memcpy(p + 12, &disp, sizeof disp);
	memset(p + 16, 0xcc, THUNK_SIZE - 16);	/* int3 */
}

/* The thunks, read-execute, then their targets, read-write. */
static bool make_thunks(interp_module *im)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t code = ((size_t)im->nfuncs * THUNK_SIZE + page - 1) & ~(page - 1);
	size_t data = ((size_t)im->nfuncs * sizeof *im->targets + page - 1) & ~(page - 1);
	void *p;

	im->thunks_len = code + data;
	p = mmap(NULL, im->thunks_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	im->thunks = p;
	im->targets = (_Atomic(void *) *)(im->thunks + code);
	for (uint32_t i = 0; i < im->nfuncs; i++)
		write_thunk(im->thunks + (size_t)i * THUNK_SIZE, &im->funcs[i], &im->targets[i]);
	return mprotect(p, code, PROT_READ | PROT_EXEC) == 0;
}

void krt_interp_retarget(const interp_module *im, uint32_t f, void *entry)
{
	atomic_store_explicit(&im->targets[f - im->nimported], entry, memory_order_release);
}

static void free_state(void *state)
{
	interp_module *im = state;

	if (im == NULL)
		return;
	for (uint32_t i = 0; im->funcs && i < im->nfuncs; i++)
		interp_func_free(&im->funcs[i]);
	free(im->funcs);
	if (im->thunks)
		munmap(im->thunks, im->thunks_len);
	free(im);
}

/* Interpreter frames are C frames: no compiled-code pc to name (a trap
 * names them through their krt_vframes instead, trap.h). */
static uint32_t symbolize(const kiln_code *code, uintptr_t pc)
{
	(void)code;
	(void)pc;
	return UINT32_MAX;
}

static const kiln_code_ops interp_ops = {"interp", symbolize, free_state, NULL};

/* Translates every own function it can; one it cannot run (v128...) is
 * left to compiled code, marked `compiled`.  false on anything else. */
static bool translate_all(interp_module *im, uint32_t flags, kiln_error *err)
{
	const kiln_module *m = im->module;

	for (uint32_t i = 0; i < im->nfuncs; i++) {
		interp_func *f = &im->funcs[i];

		if (!interp_translate(m, im->nimported + i, flags, f, err)) {
			if (err->status != KILN_ERR_UNSUPPORTED)
				return false;
			err->status = KILN_OK;
			*f = (interp_func){.index = im->nimported + i, .compiled = true};
			im->ncompiled++;
		}
		f->im = im;
	}
	return true;
}

kiln_status krt_interp_translate(const kiln_module *m, uint32_t flags, interp_module **out,
				 kiln_error *err)
{
	interp_module *im;

	*out = NULL;
	if (flags & KILN_CODE_FUEL)
		return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
				       "fuel in the interpreter is not supported yet");
#if !defined(__x86_64__)
	return krt_fail_status(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
			       "the interpreter on this architecture is not supported yet");
#endif
	if (!(im = calloc(1, sizeof *im)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	im->module = m;
	im->nimported = m->nimported_funcs;
	im->nfuncs = m->nfuncs - m->nimported_funcs;
	if (!(im->funcs = calloc(im->nfuncs + 1, sizeof *im->funcs)))
		goto nomem;
	if (!translate_all(im, flags, err))
		goto fail;
	if (im->nfuncs && !make_thunks(im))
		goto nomem;
	*out = im;
	return KILN_OK;
nomem:
	krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
fail:
	free_state(im);
	return err->status;
}

void *krt_interp_entry(const interp_module *im, uint32_t f)
{
	const interp_func *fn = &im->funcs[f - im->nimported];

	return fn->compiled ? NULL : im->thunks + (size_t)(f - im->nimported) * THUNK_SIZE;
}

void krt_interp_set_entries(kiln_code *code, const interp_module *im)
{
	for (uint32_t i = im->nimported; i < im->nimported + im->nfuncs; i++)
		if (krt_interp_entry(im, i))
			krt_code_set(code, i, krt_interp_entry(im, i), (void *)krt_interp_tramp);
}

void krt_interp_publish(kiln_module *m, interp_module *im, const void *owner, uint32_t flags,
			const kiln_instance_limits *limits)
{
	krt_interp_set_entries(m->code, im);
	krt_code_publish(m->code, &interp_ops, im, owner, flags, limits);
}

void krt_interp_free(interp_module *im)
{
	free_state(im);
}
