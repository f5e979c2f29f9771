/*
 * trap.c — the one raise point for traps, and the fault handler.
 *
 * Unwinding: kiln_trap_catch pushes a catch frame (a sigjmp_buf) on a
 * thread-local list and calls into compiled code; kiln_trap_raise
 * siglongjmps to the innermost frame.  The SIGSEGV/SIGBUS handler does the
 * same for a fault by an instruction in registered compiled code at an
 * address inside a registered linear-memory reservation while a catch
 * frame is active on the faulting thread; any
 * other fault goes to the handler that was installed before kiln's, or to
 * the default action.  The handler runs on a per-thread alternate stack,
 * so it also works when the fault is a stack overflow, and it is
 * async-signal-safe: it reads thread-locals and a lock-free registry.
 *
 * SA_NODEFER keeps SIGSEGV unblocked inside the handler, so jumping out of
 * it leaves the signal mask as it was and sigsetjmp need not save it
 * (which would cost a system call per wasm call).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "trap.h"

typedef struct catch_frame {
	sigjmp_buf env;
	struct catch_frame *prev;
	volatile uint32_t kind;
	kiln_trap_pcs pcs;
	/* The vmctx the call entered with: host functions (WASI's blocking
	 * calls) read the running call's epoch deadline through it. */
	const kiln_vmctx *ctx;
} catch_frame;

static _Thread_local catch_frame *innermost;
static _Thread_local uintptr_t thread_limit;
static _Thread_local bool altstack_ready;
static _Thread_local char altstack[64 * 1024] __attribute__((aligned(16)));

/* ------------------------------------------------------------ registry */

#define MAX_RANGES 4096

typedef struct range_set {
	struct {
		_Atomic uintptr_t base;
		_Atomic size_t len;
	} r[MAX_RANGES];
	pthread_mutex_t lock;
} range_set;

static range_set memories = {.lock = PTHREAD_MUTEX_INITIALIZER};
static range_set code = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool add_range(range_set *set, void *base, size_t len)
{
	bool ok = false;

	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < MAX_RANGES && !ok; i++) {
		if (atomic_load(&set->r[i].base) == 0) {
			/* Length first: a reader that sees the base sees it. */
			atomic_store(&set->r[i].len, len);
			atomic_store(&set->r[i].base, (uintptr_t)base);
			ok = true;
		}
	}
	pthread_mutex_unlock(&set->lock);
	return ok;
}

static void remove_range(range_set *set, void *base)
{
	pthread_mutex_lock(&set->lock);
	for (size_t i = 0; i < MAX_RANGES; i++)
		if (atomic_load(&set->r[i].base) == (uintptr_t)base)
			atomic_store(&set->r[i].base, 0);
	pthread_mutex_unlock(&set->lock);
}

static bool in_range(range_set *set, uintptr_t addr)
{
	for (size_t i = 0; i < MAX_RANGES; i++) {
		uintptr_t base = atomic_load(&set->r[i].base);
		if (base != 0 && addr - base < atomic_load(&set->r[i].len))
			return true;
	}
	return false;
}

bool kiln_trap_register_range(void *base, size_t len)
{
	return add_range(&memories, base, len);
}

void kiln_trap_unregister_range(void *base)
{
	remove_range(&memories, base);
}

bool kiln_trap_register_code(void *base, size_t len)
{
	return add_range(&code, base, len);
}

void kiln_trap_unregister_code(void *base)
{
	remove_range(&code, base);
}

/* --------------------------------------------------------------- faults */

static struct sigaction prev_segv, prev_bus;

static void chain(int sig, siginfo_t *info, void *uctx)
{
	struct sigaction *prev = sig == SIGBUS ? &prev_bus : &prev_segv;

	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, info, uctx);
	} else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
		prev->sa_handler(sig);
	} else {
		/* Restore the default and return: the faulting instruction runs
		 * again and the process gets the default action, with a core
		 * dump that points at the real fault. */
		sigaction(sig, prev, NULL);
	}
}

/* The faulting instruction's address and frame pointer (x86-64 Linux). */
static uintptr_t fault_pc(void *uctx)
{
	return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
}

static uintptr_t fault_fp(void *uctx)
{
	return (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RBP];
}

/* Records the compiled-code frames between a trap and its catch frame by
 * following frame pointers (compiled code and the runtime keep them).
 * Async-signal-safe: it only reads the stack, and only between the trap
 * and the catch frame, which lies above every frame it unwinds. */
static void capture(catch_frame *f, uintptr_t pc, uintptr_t fp)
{
	uintptr_t hi = (uintptr_t)f, lo = hi - ((uintptr_t)64 << 20);

	f->pcs.n = 0;
	if (pc && in_range(&code, pc))
		f->pcs.pc[f->pcs.n++] = pc;
	while (fp > lo && fp < hi && (fp & 7) == 0 && f->pcs.n < KILN_MAX_TRAP_FRAMES) {
		uintptr_t next = ((uintptr_t *)fp)[0], ret = ((uintptr_t *)fp)[1];
		/* ret - 1 lies inside the call instruction. */
		if (in_range(&code, ret))
			f->pcs.pc[f->pcs.n++] = ret - 1;
		if (next <= fp)
			break;
		fp = next;
	}
}

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
	catch_frame *f = innermost;

	/* A trap only when a call is active on this thread, the instruction
	 * is kiln's compiled code, and the address is in a linear memory
	 * reservation: anything else is a real crash and goes on. */
	if (f != NULL && in_range(&code, fault_pc(uctx)) &&
	    in_range(&memories, (uintptr_t)info->si_addr)) {
		f->kind = KILN_TRAP_MEMORY_OOB;
		capture(f, fault_pc(uctx), fault_fp(uctx));
		siglongjmp(f->env, 1);
	}
	chain(sig, info, uctx);
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &prev_segv);
	sigaction(SIGBUS, &sa, &prev_bus);
}

static void prepare_thread(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	stack_t ss, old;

	pthread_once(&once, install_handlers);
	if (altstack_ready)
		return;
	/* Keep an alternate stack someone else set up (e.g. a sanitizer). */
	if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)) {
		altstack_ready = true;
		return;
	}
	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	ss.ss_flags = 0;
	altstack_ready = sigaltstack(&ss, NULL) == 0;
}

/* ---------------------------------------------------------- catch/raise */

kiln_trap_kind kiln_trap_catch(kiln_vmctx *ctx, void (*fn)(void *), void *arg,
			       kiln_trap_pcs *pcs)
{
	catch_frame f;
	uintptr_t saved_limit = ctx->stack_limit;

	f.pcs.n = 0;
	f.ctx = ctx;

	prepare_thread();
	f.prev = innermost;
	f.kind = KILN_TRAP_NONE;
	/* The budget is measured from the thread's outermost entry, whichever
	 * instances nested calls go through. */
	if (f.prev == NULL) {
		uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
		uintptr_t budget = ctx->stack_budget ? ctx->stack_budget : KILN_STACK_BUDGET;
		thread_limit = sp > budget ? sp - budget : 0;
	}
	ctx->stack_limit = thread_limit;
	if (sigsetjmp(f.env, 0) == 0) {
		innermost = &f;
		fn(arg);
	}
	innermost = f.prev;
	ctx->stack_limit = saved_limit;
	if (pcs)
		*pcs = f.kind == KILN_TRAP_NONE ? (kiln_trap_pcs){{0}, 0} : f.pcs;
	return (kiln_trap_kind)f.kind;
}

void kiln_trap_raise(uint32_t kind)
{
	catch_frame *f = innermost;

	if (f == NULL)
		abort();	/* a runtime bug: traps are raised only in calls */
	f->kind = kind;
	capture(f, 0, (uintptr_t)__builtin_frame_address(0));
	siglongjmp(f->env, 1);
}

bool kiln_trap_active(void)
{
	return innermost != NULL;
}

const kiln_vmctx *kiln_trap_running_ctx(void)
{
	return innermost ? innermost->ctx : NULL;
}

const char *kiln_trap_message(kiln_trap_kind kind)
{
	static const char *const messages[KILN_TRAP_KIND_COUNT_] = {
		[KILN_TRAP_NONE] = "no trap",
		[KILN_TRAP_UNREACHABLE] = "unreachable",
		[KILN_TRAP_MEMORY_OOB] = "out of bounds memory access",
		[KILN_TRAP_TABLE_OOB] = "out of bounds table access",
		[KILN_TRAP_UNDEFINED_ELEMENT] = "undefined element",
		[KILN_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
		[KILN_TRAP_SIGNATURE_MISMATCH] = "indirect call type mismatch",
		[KILN_TRAP_DIVIDE_BY_ZERO] = "integer divide by zero",
		[KILN_TRAP_INTEGER_OVERFLOW] = "integer overflow",
		[KILN_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
		[KILN_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
		[KILN_TRAP_INTERRUPTED] = "interrupted",
		[KILN_TRAP_HOST] = "host trap",
		[KILN_TRAP_EXIT] = "exit",
		[KILN_TRAP_OUT_OF_FUEL] = "all fuel consumed",
	};
	return (unsigned)kind < KILN_TRAP_KIND_COUNT_ ? messages[kind] : "unknown trap";
}
