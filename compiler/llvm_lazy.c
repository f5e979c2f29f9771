/*
 * llvm_lazy.c — libLLVM loaded when the compiler first needs it, not by
 * ld.so at start-up (libkiln-compiler.so only: kiln-compiler-static links
 * LLVM, llvm_linked.c).
 *
 * Loading libLLVM-19.so costs a process about 12 ms of CPU and 15-25 ms
 * of wall time (2,500 page faults, relocation, its static constructors),
 * more than an interpreted hello world takes to reach _start.  So the
 * shared library does not link it: every LLVM function the compiler calls
 * is a stub of the same name (llvm_stubs.c, generated at build time from
 * the objects' undefined LLVM symbols by llvm_stubs.cmake) that jumps
 * through a slot.  engine_llvm_load dlopens libLLVM once and fills the
 * slots; a stub called before that goes to kiln_llvm_resolve_entry, which
 * loads it there (or, failing, says so and aborts: every path that calls
 * LLVM asks engine_llvm_load first and reports its error, so that is a
 * missing check, a bug).  An interpreting engine loads it with its first
 * tier-up, on a background thread (jit_start): a program that ends first
 * never loads it.  Not before, on a thread of its own: a process that
 * exits while libLLVM's constructors run crashes (exit runs the
 * destructors they registered so far), and a short run would wait for
 * the load at exit anyway.
 *
 * KILN_LIBLLVM (environment; for tests) names the library to load
 * instead of the one kiln was built with (open_llvm).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "krt.h"

extern void *kiln_llvm_slots[];
extern const char *const kiln_llvm_names[];
extern const unsigned kiln_llvm_nsyms;

void *kiln_llvm_resolve(unsigned long i);

/* A stub's first call: its index is pushed above the return address.
 * Saves the argument registers (and %rax, a variadic call's count of
 * vector registers), resolves, restores, drops the index and jumps to the
 * function as if called directly. */
__asm__(".text\n"
	".globl kiln_llvm_resolve_entry\n"
	".hidden kiln_llvm_resolve_entry\n"
	".type kiln_llvm_resolve_entry,@function\n"
	"kiln_llvm_resolve_entry:\n"
	"\tpushq %rbp\n"
	"\tmovq %rsp, %rbp\n"
	"\tpushq %rdi\n\tpushq %rsi\n\tpushq %rdx\n\tpushq %rcx\n"
	"\tpushq %r8\n\tpushq %r9\n\tpushq %rax\n"
	"\tsubq $128, %rsp\n"
	"\tmovdqu %xmm0, 0(%rsp)\n\tmovdqu %xmm1, 16(%rsp)\n"
	"\tmovdqu %xmm2, 32(%rsp)\n\tmovdqu %xmm3, 48(%rsp)\n"
	"\tmovdqu %xmm4, 64(%rsp)\n\tmovdqu %xmm5, 80(%rsp)\n"
	"\tmovdqu %xmm6, 96(%rsp)\n\tmovdqu %xmm7, 112(%rsp)\n"
	"\tmovq 8(%rbp), %rdi\n"
	"\tcall kiln_llvm_resolve\n"
	"\tmovq %rax, %r11\n"
	"\tmovdqu 0(%rsp), %xmm0\n\tmovdqu 16(%rsp), %xmm1\n"
	"\tmovdqu 32(%rsp), %xmm2\n\tmovdqu 48(%rsp), %xmm3\n"
	"\tmovdqu 64(%rsp), %xmm4\n\tmovdqu 80(%rsp), %xmm5\n"
	"\tmovdqu 96(%rsp), %xmm6\n\tmovdqu 112(%rsp), %xmm7\n"
	"\taddq $128, %rsp\n"
	"\tpopq %rax\n\tpopq %r9\n\tpopq %r8\n\tpopq %rcx\n"
	"\tpopq %rdx\n\tpopq %rsi\n\tpopq %rdi\n"
	"\tpopq %rbp\n"
	"\taddq $8, %rsp\n"
	"\tjmp *%r11\n");

enum { NOT_LOADED, LOADING, LOADED, FAILED };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int state;		/* under lock */
static char error[200];		/* FAILED: why (written before state) */

/* libLLVM by its soname, found as ld.so would have found it at start-up
 * (the runtime package's file), else where the build found it (an LLVM
 * outside the search path); KILN_LIBLLVM, when set, alone.  RTLD_GLOBAL:
 * JIT code may call what libLLVM's dependencies define (libgcc's
 * helpers), found in the process as when ld.so loaded it.  NULL with
 * `error` set. */
static void *open_llvm(void)
{
	const char *p = getenv("KILN_LIBLLVM");
	void *h;

	if (p && *p)
		h = dlopen(p, RTLD_LAZY | RTLD_GLOBAL);
	else if (!(h = dlopen(KILN_LIBLLVM_SONAME, RTLD_LAZY | RTLD_GLOBAL)))
		h = dlopen(KILN_LIBLLVM_PATH, RTLD_LAZY | RTLD_GLOBAL);
	if (h == NULL)
		snprintf(error, sizeof error, "%s", dlerror());
	return h;
}

/* dlopen and fill the slots; false with `error` set. */
static bool load(void)
{
	void *h = open_llvm();

	if (h == NULL)
		return false;
	for (unsigned i = 0; i < kiln_llvm_nsyms; i++) {
		void *f = dlsym(h, kiln_llvm_names[i]);
		if (f == NULL) {
			snprintf(error, sizeof error, "libLLVM has no %s", kiln_llvm_names[i]);
			return false;	/* the slots filled stay: nothing calls them */
		}
		atomic_store_explicit((_Atomic(void *) *)&kiln_llvm_slots[i], f,
				      memory_order_release);
	}
	return true;
}

/* Loads on the first call; later ones wait for it.  Whether loaded. */
static bool load_once(void)
{
	bool ok;

	pthread_mutex_lock(&lock);
	if (state == NOT_LOADED) {
		state = LOADING;
		pthread_mutex_unlock(&lock);
		ok = load();
		pthread_mutex_lock(&lock);
		state = ok ? LOADED : FAILED;
		pthread_cond_broadcast(&changed);
	}
	while (state == LOADING)
		pthread_cond_wait(&changed, &lock);
	ok = state == LOADED;
	pthread_mutex_unlock(&lock);
	return ok;
}

void *kiln_llvm_resolve(unsigned long i)
{
	if (!load_once()) {
		fprintf(stderr, "kiln: cannot load the compiler: %s\n", error);
		abort();
	}
	return atomic_load_explicit((_Atomic(void *) *)&kiln_llvm_slots[i],
				    memory_order_acquire);
}

bool engine_llvm_load(kiln_error *err)
{
	return load_once() ? true : krt_fail(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
					     "cannot load the compiler: %s", error);
}
