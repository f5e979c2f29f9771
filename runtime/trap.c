/*
 * trap.c — the one raise point for traps, and the fault handler.
 *
 * Unwinding: kiln_trap_catch pushes a catch frame (a sigjmp_buf) on a
 * thread-local list and calls into compiled code; krt_trap_raise
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
_Thread_local krt_vframe *krt_vframes;
_Thread_local krt_host_site krt_host_entry;
static _Thread_local uintptr_t thread_limit;
/* The lowest address of the thread's own stack plus KILN_STACK_MARGIN (0
 * until known): no budget takes wasm below it. */
static _Thread_local uintptr_t thread_floor;
static _Thread_local bool altstack_ready;
static _Thread_local char altstack[64 * 1024] __attribute__((aligned(16)));

/* ------------------------------------------------------------ registry */

/*
 * Two registries of address ranges: linear-memory reservations and code.
 * They have no fixed size (a JIT makes a code section per compiled
 * function: thousands).  Each is a sorted array of disjoint ranges,
 * published through an atomic pointer and never changed once published:
 * a writer (under the set's mutex) copies it with the change into a new
 * array, publishes that, and retires the old one.  The fault handler
 * binary-searches whatever array it loads, without locks or allocation.
 *
 * Reclamation: a reader counts itself in `readers` before loading the
 * pointer and out after its search (it never jumps out in between).  With
 * sequentially consistent atomics, a reader that loaded an old array
 * incremented the count before the writer's exchange, so once a writer,
 * after publishing, sees the count at zero, nobody holds a retired array:
 * it frees them all then.  It never waits: while the count is not zero the
 * arrays stay on the retired list for the next change (a retired array
 * is freed at the first change made while no fault is being handled).
 * A change costs a copy of the array: 16 bytes a range, negligible next
 * to compiling the function that brings the range.
 */
typedef struct range {
	uintptr_t base;
	size_t len;
} range;

typedef struct range_array {
	size_t n;
	range r[];	/* sorted by base, disjoint */
} range_array;

typedef struct range_set {
	_Atomic(range_array *) cur;
	pthread_mutex_t lock;
	range_array **retired;	/* under lock */
	size_t nretired, retired_cap;
} range_set;

static range_set memories = {.lock = PTHREAD_MUTEX_INITIALIZER};
static range_set code = {.lock = PTHREAD_MUTEX_INITIALIZER};
static _Atomic unsigned readers;

/* The index of the first range whose base is above addr. */
static size_t upper_bound(const range_array *a, uintptr_t addr)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Publishes `next` (with set->lock held) and frees what no reader can
 * hold any more.  Returns false, publishing nothing, when out of memory. */
static bool publish(range_set *set, range_array *next)
{
	range_array *old;

	if (!krt_grow((void **)&set->retired, &set->retired_cap, set->nretired + 1,
		      sizeof *set->retired)) {
		free(next);
		return false;
	}
	old = atomic_exchange(&set->cur, next);
	if (old)
		set->retired[set->nretired++] = old;
	if (atomic_load(&readers) == 0) {
		while (set->nretired > 0)
			free(set->retired[--set->nretired]);
	}
	return true;
}

/* A copy of the current array with room for `extra` more ranges. */
static range_array *copy_current(range_set *set, size_t extra)
{
	range_array *cur = atomic_load(&set->cur);
	size_t n = cur ? cur->n : 0;
	range_array *a = malloc(sizeof *a + (n + extra) * sizeof a->r[0]);

	if (a == NULL)
		return NULL;
	a->n = n;
	if (n)
		memcpy(a->r, cur->r, n * sizeof a->r[0]);
	return a;
}

static bool add_range(range_set *set, void *base, size_t len)
{
	bool ok = false;
	range_array *a;

	pthread_mutex_lock(&set->lock);
	if ((a = copy_current(set, 1)) != NULL) {
		size_t i = upper_bound(a, (uintptr_t)base);
		memmove(&a->r[i + 1], &a->r[i], (a->n - i) * sizeof a->r[0]);
		a->r[i] = (range){(uintptr_t)base, len};
		a->n++;
		ok = publish(set, a);
	}
	pthread_mutex_unlock(&set->lock);
	return ok;
}

static void remove_range(range_set *set, void *base)
{
	range_array *a;

	pthread_mutex_lock(&set->lock);
	/* Removing cannot fail: without memory for a copy, the range is
	 * cleared in place (its length: a reader sees it or not, both safe,
	 * since the range is going). */
	if ((a = copy_current(set, 0)) != NULL) {
		size_t i = upper_bound(a, (uintptr_t)base);
		if (i > 0 && a->r[i - 1].base == (uintptr_t)base) {
			memmove(&a->r[i - 1], &a->r[i], (a->n - i) * sizeof a->r[0]);
			a->n--;
			if (!publish(set, a))
				a = NULL;
		} else {
			free(a);
		}
	}
	if (a == NULL) {
		range_array *cur = atomic_load(&set->cur);
		size_t i = cur ? upper_bound(cur, (uintptr_t)base) : 0;
		if (i > 0 && cur->r[i - 1].base == (uintptr_t)base)
			__atomic_store_n(&cur->r[i - 1].len, 0, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&set->lock);
}

/* Async-signal-safe: no locks, no allocation. */
static bool in_range(range_set *set, uintptr_t addr)
{
	bool hit = false;

	atomic_fetch_add(&readers, 1);
	range_array *a = atomic_load(&set->cur);
	if (a != NULL) {
		size_t i = upper_bound(a, addr);
		hit = i > 0 && addr - a->r[i - 1].base <
			__atomic_load_n(&a->r[i - 1].len, __ATOMIC_SEQ_CST);
	}
	atomic_fetch_sub(&readers, 1);
	return hit;
}

bool kiln_trap_in_code(uintptr_t addr)
{
	return in_range(&code, addr);
}

bool kiln_trap_register_range(void *base, size_t len)
{
	return add_range(&memories, base, len);
}

void kiln_trap_unregister_range(void *base)
{
	remove_range(&memories, base);
}

bool krt_trap_register_code(void *base, size_t len)
{
	return add_range(&code, base, len);
}

void krt_trap_unregister_code(void *base)
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

static void add_frame(catch_frame *f, uintptr_t pc, const void *module, uint32_t offset)
{
	if (f->pcs.n < KILN_MAX_TRAP_FRAMES) {
		f->pcs.module[f->pcs.n] = module;
		f->pcs.offset[f->pcs.n] = offset;
		f->pcs.pc[f->pcs.n++] = pc;
	}
}

/* Adds the interpreted frames from *v on that lie below `below` on the
 * stack (inner to it), innermost first, and moves *v past them. */
static void add_vframes(catch_frame *f, const krt_vframe **v, uintptr_t below)
{
	for (; *v && (uintptr_t)*v < below; *v = (*v)->prev)
		add_frame(f, (*v)->func, (*v)->module, krt_vframe_offset(*v));
}

/* Records the frames between a trap and its catch frame: compiled code's
 * by following frame pointers (compiled code and the runtime keep them),
 * merged with the interpreted ones (krt_vframes) by their place on the
 * stack.  A return address found at fp belongs to the frame above fp, so
 * every interpreted frame below fp is inner to it.  Async-signal-safe: it
 * only reads the stack and thread-locals, and only between the trap and
 * the catch frame, which lies above every frame it unwinds. */
static void capture(catch_frame *f, uintptr_t pc, uintptr_t fp)
{
	uintptr_t hi = (uintptr_t)f, lo = hi - ((uintptr_t)64 << 20);
	const krt_vframe *v = krt_vframes;

	f->pcs.n = 0;
	if (pc && in_range(&code, pc))
		add_frame(f, pc, NULL, KILN_UNKNOWN_OFFSET);
	while (fp > lo && fp < hi && (fp & 7) == 0 && f->pcs.n < KILN_MAX_TRAP_FRAMES) {
		uintptr_t next = ((uintptr_t *)fp)[0], ret = ((uintptr_t *)fp)[1];
		/* ret - 1 lies inside the call instruction. */
		if (in_range(&code, ret)) {
			add_vframes(f, &v, fp);
			add_frame(f, ret - 1, NULL, KILN_UNKNOWN_OFFSET);
		}
		if (next <= fp)
			break;
		fp = next;
	}
	add_vframes(f, &v, hi);
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

/* The floor of this thread's stack (thread_floor), looked up once. */
static uintptr_t stack_floor(void)
{
	pthread_attr_t attr;
	void *low;
	size_t size;

	if (thread_floor)
		return thread_floor;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return 0;
	if (pthread_attr_getstack(&attr, &low, &size) == 0)
		thread_floor = (uintptr_t)low + KILN_STACK_MARGIN;
	pthread_attr_destroy(&attr);
	return thread_floor;
}

kiln_trap_kind kiln_trap_catch(kiln_vmctx *ctx, void (*fn)(void *), void *arg,
			       kiln_trap_pcs *pcs)
{
	catch_frame f;
	uintptr_t saved_limit = ctx->stack_limit;
	/* A trap abandons the interpreted frames it unwinds, records and
	 * all: the chain goes back to what it was here. */
	krt_vframe *saved_vframes = krt_vframes;
	/* A host function calling back in: its site again once the call ends. */
	krt_host_site saved_site = krt_host_entry;

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
		uintptr_t floor = stack_floor();
		thread_limit = sp > budget ? sp - budget : 0;
		if (thread_limit < floor)
			thread_limit = floor;
	}
	ctx->stack_limit = thread_limit;
	if (sigsetjmp(f.env, 0) == 0) {
		innermost = &f;
		fn(arg);
	}
	innermost = f.prev;
	krt_vframes = saved_vframes;
	krt_host_entry = saved_site;
	ctx->stack_limit = saved_limit;
	if (pcs)
		*pcs = f.kind == KILN_TRAP_NONE ? (kiln_trap_pcs){.n = 0} : f.pcs;
	return (kiln_trap_kind)f.kind;
}

void krt_trap_raise(uint32_t kind)
{
	catch_frame *f = innermost;

	if (f == NULL)
		abort();	/* a runtime bug: traps are raised only in calls */
	f->kind = kind;
	capture(f, 0, (uintptr_t)__builtin_frame_address(0));
	siglongjmp(f->env, 1);
}

/* Ends the innermost catch frame with `kind`, its frames walked from fp;
 * for a host function's trap (`host`), from the compiled code that called
 * it when there is such a site between fp and the catch frame: its call
 * (the return address less one, as capture takes the frames above it) and
 * the frames the caller's fp leads to. */
__attribute__((noreturn)) static void raise_from(uint32_t kind, uintptr_t fp, bool host)
{
	catch_frame *f = innermost;
	krt_host_site site = krt_host_entry;

	if (f == NULL)
		abort();
	f->kind = kind;
	if (host && in_range(&code, site.pc) && site.fp > fp && site.fp < (uintptr_t)f)
		capture(f, site.pc - 1, site.fp);
	else
		capture(f, 0, fp);
	siglongjmp(f->env, 1);
}

void krt_trap_raise_host(uint32_t kind)
{
	raise_from(kind, (uintptr_t)__builtin_frame_address(0), true);
}

static _Thread_local void *uncaught;

void krt_trap_raise_exception(void *exn, uintptr_t fp, bool host)
{
	uncaught = exn;
	raise_from(KILN_TRAP_UNCAUGHT_EXCEPTION, fp, host);
}

void *krt_trap_take_exception(void)
{
	void *exn = uncaught;

	uncaught = NULL;
	return exn;
}

uintptr_t krt_trap_boundary(void)
{
	return (uintptr_t)innermost;
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
		[KILN_TRAP_COMPILE_FAILED] = "compile error",
		[KILN_TRAP_UNALIGNED_ATOMIC] = "unaligned atomic",
		[KILN_TRAP_EXPECTED_SHARED] = "expected shared memory",
		[KILN_TRAP_NULL_EXNREF] = "null exception reference",
		[KILN_TRAP_TOO_MANY_EXCEPTIONS] = "too many exceptions",
		[KILN_TRAP_UNCAUGHT_EXCEPTION] = "uncaught exception",
	};
	return (unsigned)kind < KILN_TRAP_KIND_COUNT_ ? messages[kind] : "unknown trap";
}
