/*
 * trap.h — running compiled code under a trap catcher (internal).
 *
 * kiln_trap_catch runs fn(arg) with an unwinding point on this thread.
 * krt_trap_raise, the one place traps are raised, jumps back to the
 * innermost such point with a kind; so does the fault handler when a
 * guard page of a linear memory is touched while kiln code runs.  Frames
 * between the two are abandoned: compiled code holds no resources, and
 * host code that calls back into wasm must not either.
 */
#ifndef KILN_TRAP_H
#define KILN_TRAP_H

#include <stdint.h>
#include <unwind.h>

#include "internal.h"
#include "vmctx.h"

/* The frames of a trap, innermost first: a pc in compiled code (module[i]
 * NULL; the faulting instruction's, else a return address less one), or
 * an interpreted frame (a krt_vframe): module[i] its kiln_module, pc[i]
 * its function index and offset[i] the module offset of its instruction
 * (KILN_UNKNOWN_OFFSET when unknown; compiled frames' are found later,
 * from their pc). */
typedef struct kiln_trap_pcs {
	uintptr_t pc[KILN_MAX_TRAP_FRAMES];
	const void *module[KILN_MAX_TRAP_FRAMES];
	uint32_t offset[KILN_MAX_TRAP_FRAMES];
	uint32_t n;
} kiln_trap_pcs;

/* A frame that the frame-pointer walk cannot name: the interpreter's are C
 * frames.  Its code links one into krt_vframes on entry (the record on
 * the native stack, in the frame it stands for) and unlinks it on return;
 * a trap abandons them (kiln_trap_catch restores the chain it found).  A
 * trap's backtrace places each at its address among the compiled frames. */
typedef struct krt_vframe {
	struct krt_vframe *prev;	/* the next outer one */
	const void *module;		/* its kiln_module */
	uint32_t func;			/* its function index */
	/* Where it is: its instruction (what its code says, code.h's
	 * krt_vframe_offset); NULL when not known. */
	const void *fn;			/* the interpreter's interp_func */
	const uint32_t *ip;		/* the instruction running */
} krt_vframe;

/* The module offset of the instruction v runs, KILN_UNKNOWN_OFFSET when
 * not known (interp.c; async-signal-safe: it only reads). */
uint32_t krt_vframe_offset(const krt_vframe *v);

/* This thread's innermost krt_vframe, NULL when none. */
extern _Thread_local krt_vframe *krt_vframes;

/* Where the code that called the running host function was, as
 * krt_host_shim found it: the return address into the caller and the
 * caller's frame pointer.  The walk from a host function's trap cannot
 * reach its wasm caller itself: libffi's closure uses rbp as a general
 * register.  Set by every call of a host function (kiln_host_func) and
 * put back by kiln_trap_catch when a nested call ends, so that it is the
 * running host function's.  Read by the shim in assembly: initial-exec. */
typedef struct krt_host_site {
	uintptr_t pc, fp;
} krt_host_site;
extern _Thread_local krt_host_site krt_host_entry __attribute__((tls_model("initial-exec")));

/* Every host function's entry (host.c): records krt_host_entry and jumps
 * to the host function's own (kiln_caller's func->code), leaving the
 * stack as its caller made it, arguments and all. */
void krt_host_shim(void);

/* Runs fn(arg) and returns KILN_TRAP_NONE, or the kind of the trap that
 * ended it, with the frames it unwound in *pcs (when not NULL).  Nests.
 * Sets ctx->stack_limit for the outermost call on the thread. */
kiln_trap_kind kiln_trap_catch(kiln_vmctx *ctx, void (*fn)(void *),
			       void *arg, kiln_trap_pcs *pcs);

/* Ends the innermost kiln_trap_catch on this thread with `kind`.  Must be
 * called inside one. */
KRT_ABI __attribute__((noreturn)) void krt_trap_raise(uint32_t kind);

/* krt_trap_raise for a host function's own trap (kiln_caller_trap): the
 * frames are those of the compiled code that called it, from its call
 * (krt_host_entry) on; when it was not called from compiled code (an API
 * call, the interpreter), those the walk from here finds. */
__attribute__((noreturn)) void krt_trap_raise_host(uint32_t kind);

/* Ends the innermost kiln_trap_catch with KILN_TRAP_UNCAUGHT_EXCEPTION:
 * exception `exn` (exception.h) reached it uncaught.  Its frames are the
 * walk from fp (the frame that raised it), or from the running host
 * function's caller when `host`.  krt_trap_take_exception hands the
 * exception to the code that called kiln_trap_catch. */
__attribute__((noreturn)) void krt_trap_raise_exception(void *exn, uintptr_t fp, bool host);
/* The exception the last kiln_trap_catch on this thread that returned
 * KILN_TRAP_UNCAUGHT_EXCEPTION ended with; NULL once taken. */
void *krt_trap_take_exception(void);
/* The innermost kiln_trap_catch's frame on this thread (0 outside one):
 * an exception is never caught by a frame outside it (at a higher
 * address), because the call it entered through has to end first. */
uintptr_t krt_trap_boundary(void);

/* The personality routine compiled code's unwind tables name: it sends
 * a kiln exception to the landing pad covering the call (exception.c). */
KRT_ABI _Unwind_Reason_Code krt_eh_personality(int version, _Unwind_Action actions,
					       _Unwind_Exception_Class cls,
					       struct _Unwind_Exception *ue,
					       struct _Unwind_Context *uc);

/* true while a kiln_trap_catch is active on this thread. */
bool kiln_trap_active(void);

/* The ctx the innermost kiln_trap_catch on this thread entered with, or
 * NULL outside one: the instance whose call is running (a blank ctx when
 * the API called a host function directly). */
const kiln_vmctx *kiln_trap_running_ctx(void);

/* Address ranges faults in which are traps (linear memory reservations).
 * Registration is thread-safe; the fault handler reads the registry
 * without locks.  No fixed number: returns false only when out of
 * memory. */
bool kiln_trap_register_range(void *base, size_t len);
void kiln_trap_unregister_range(void *base);

/* Code ranges (JIT or loaded artifacts) in which a fault may be a wasm
 * trap.  Same rules as above. */
KRT_ABI bool krt_trap_register_code(void *base, size_t len);
KRT_ABI void krt_trap_unregister_code(void *base);
/* true when addr lies in registered code (what the fault handler asks). */
bool kiln_trap_in_code(uintptr_t addr);

/* The stack a wasm call may use, below the outermost entry point. */
#define KILN_STACK_BUDGET ((uintptr_t)1 << 20)
/* Stack kept below wasm for the host code it calls (WASI, host functions):
 * a budget larger than the thread's stack less this is cut to it. */
#define KILN_STACK_MARGIN ((uintptr_t)256 << 10)

#endif /* KILN_TRAP_H */
