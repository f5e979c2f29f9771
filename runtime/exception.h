/*
 * exception.h — wasm exceptions at run time (internal).
 *
 * An exception is a kiln_exn: the unwinder's header first (so that the
 * pointer the landing pad receives is the exnref value itself), then its
 * tag and values at the offsets compiled code reads (vmctx.h,
 * KILN_EXN_TAG and KILN_EXN_VALS).  Throwing unwinds the native stack with
 * the system unwinder (libgcc's _Unwind_ForcedUnwind): compiled code
 * carries DWARF unwind tables, and each function with a try region names
 * krt_eh_personality, which sends the exception to the landing pad that
 * covers the call; the landing code compares tags itself.  A frame
 * outside the innermost kiln_trap_catch is never entered: reaching that
 * boundary, the exception ends the call as KILN_TRAP_UNCAUGHT_EXCEPTION.
 *
 * Lifetime: an exception belongs to one instance (its list; freed with
 * it).  Landing code frees it at once when nothing can see it any more
 * (KILN_EXN_DROP, or the end of the last legacy catch holding it); an
 * exnref value (KILN_EXN_PIN) keeps it for the instance's life.
 */
#ifndef KILN_EXCEPTION_H
#define KILN_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>
#include <unwind.h>

#include "instance.h"

typedef struct kiln_exn {
	struct _Unwind_Exception uw;	/* first: the landing pad's pointer */
	const kiln_tag_rt *tag;		/* KILN_EXN_TAG */
	kiln_instance *owner;		/* whose list it is on */
	struct kiln_exn *prev, *next;
	uint32_t holds;			/* legacy catches running with it */
	uint32_t nvals;
	bool pinned;			/* an exnref value: lives with the owner */
	bool flying;			/* being thrown */
	kiln_slot vals[];		/* KILN_EXN_VALS */
} kiln_exn;

/* The public copy of an exception that left a call (kiln.h). */
struct kiln_exception {
	const kiln_tag_rt *tag;
	uint32_t nvals;
	kiln_val vals[];
};

/* The helpers compiled code calls (kiln_helpers in vmctx.h). */
__attribute__((noreturn)) void krt_h_throw(kiln_vmctx *ctx, uint32_t tag,
					   const kiln_slot *vals);
__attribute__((noreturn)) void krt_h_throw_ref(kiln_vmctx *ctx, void *exn);
void krt_h_exn_caught(kiln_vmctx *ctx, void *exn, uint32_t use);

/* A new exception of `tag` with its parameters' values from vals, owned
 * by inst; NULL when out of memory. */
kiln_exn *krt_exn_new(kiln_instance *inst, const kiln_tag_rt *tag, const kiln_slot *vals);
/* Throws x: to the nearest landing pad inside the innermost
 * kiln_trap_catch, else ends that call (krt_trap_raise_exception, with
 * fp and host as it takes them). */
__attribute__((noreturn)) void krt_exn_raise(kiln_exn *x, uintptr_t fp, bool host);
/* After a call ended with KILN_TRAP_UNCAUGHT_EXCEPTION: the public copy
 * of its exception (NULL when out of memory), and the exception itself
 * freed unless wasm still holds it. */
struct kiln_exception *krt_exn_take_uncaught(void);
/* Frees every exception inst owns (kiln_instance_delete). */
void krt_exn_free_all(kiln_instance *inst);

#endif /* KILN_EXCEPTION_H */
