/*
 * interp_stack.c — the interpreter's value stack (interp.h): the slots of
 * a thread's interpreted frames, kept off the native stack so that an
 * interpreted call takes there only its C frame.
 *
 * One region per thread, mapped when the thread's outermost interpreted
 * frame asks for it (pages never touched cost nothing) and unmapped when
 * the thread exits.  Frames take their slots in call order above the
 * innermost one's (interp_exec.c, run()), so where the stack's top is the
 * chain of krt_vframes says: a trap, which puts the chain back as its
 * catcher found it, frees the slots it abandons with nothing to do here.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "interp.h"

typedef struct value_stack {
	interp_val *lo;
	size_t bytes;
} value_stack;

static _Thread_local value_stack stack;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool have_key;

/* At the thread's exit (the key's destructor). */
static void unmap(void *arg)
{
	value_stack *s = arg;

	munmap(s->lo, s->bytes);
	s->lo = NULL;
	s->bytes = 0;
}

static void make_key(void)
{
	have_key = pthread_key_create(&key, unmap) == 0;
}

bool interp_value_stack(size_t bytes, interp_val **out_lo, interp_val **out_hi)
{
	if (stack.bytes < bytes) {
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			return false;
		if (stack.lo)
			munmap(stack.lo, stack.bytes);	/* no frame holds it */
		stack.lo = p;
		stack.bytes = bytes;
		pthread_once(&once, make_key);
		if (have_key)
			pthread_setspecific(key, &stack);
	}
	*out_lo = stack.lo;
	*out_hi = stack.lo + bytes / sizeof *stack.lo;
	return true;
}
