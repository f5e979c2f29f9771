/*
 * memory.h — linear memories (internal).
 *
 * A 32-bit memory is one 8 GiB PROT_NONE reservation: any i32 address plus
 * any u32 offset (plus the access size) stays inside it, so compiled code
 * does no bounds checks and an out-of-bounds access faults on a guard page,
 * which the fault handler turns into a trap.  The accessible prefix grows
 * with mprotect; the base never moves.  A 64-bit memory (memory64) is
 * checked explicitly by compiled code and reserves only its maximum, at
 * most KILN_MAX_PAGES64 pages (memory.c).
 */
#ifndef KILN_MEMORY_H
#define KILN_MEMORY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "internal.h"
#include "vmctx.h"

#define KILN_PAGE_SIZE 65536u
#define KILN_MAX_PAGES 65536u
/* The most pages a 64-bit memory may have in this runtime: page counts are
 * u32s, UINT32_MAX is memory.grow's failure, and 2^32 - 2 pages is almost
 * 256 TiB, more than any x86-64 address space.  The configured limit
 * (kiln_instance_limits.max_memory64_pages) is what bounds it in practice. */
#define KILN_MAX_PAGES64 (UINT32_MAX - 1)
#define KILN_RESERVATION ((uint64_t)8 << 30)

typedef struct kiln_memory_rt {
	/* The first two fields are the kiln_memory_view compiled code reads. */
	uint8_t *base;
	uint64_t size;		/* accessible bytes: pages * 64 KiB */
	uint32_t pages;
	uint32_t max_pages;	/* from the type, capped by the configuration */
	bool has_max;		/* the type declares a maximum */
	bool index64;		/* memory64: an i64-indexed memory (explicitly checked) */
	kiln_pool *pool;	/* a pooled memory's pool and slot (pool.h) */
	uint32_t slot;
	uint64_t reserved;	/* bytes of address space (unpooled memories) */
	uint64_t image_len;	/* a pooled memory mapped from a module image */
	/* threads: a shared memory is allocated on its own (kiln_memory_new_shared)
	 * and counted: its defining instance and every importer hold one
	 * reference; the last drop frees it.  Growth takes `grow_lock` and
	 * publishes size and pages with release stores, so other threads see
	 * either the old or the new length, and never a length whose pages are
	 * not yet accessible. */
	bool shared;
	_Atomic uint32_t refs;
	pthread_mutex_t grow_lock;
} kiln_memory_rt;

/* A shared memory of `min` pages, at most `max`, on its own allocation
 * with one reference; NULL and *err on failure. */
kiln_memory_rt *kiln_memory_new_shared(uint32_t min, uint32_t max, bool index64,
				       kiln_error *err);
/* One more reference to a shared memory; the same pointer. */
kiln_memory_rt *kiln_memory_ref(kiln_memory_rt *mem);
/* Drops one reference to a shared memory, freeing it with the last. */
void kiln_memory_unref(kiln_memory_rt *mem);
/* The accessible bytes, read atomically (another thread may grow it). */
static inline uint64_t kiln_memory_size(const kiln_memory_rt *mem)
{
	return atomic_load_explicit((_Atomic uint64_t *)&mem->size, memory_order_acquire);
}

/* memory.atomic.wait32/64 and notify on `mem` at effective address ea
 * (atomic.c): wait returns 0 woken, 1 not equal, 2 timed out; traps out of
 * bounds and on an unshared memory.  notify returns the waiters woken (0
 * on an unshared memory, which none can wait on). */
uint32_t kiln_atomic_wait(kiln_memory_rt *mem, uint64_t ea, uint64_t expected,
			  unsigned bytes, int64_t timeout_ns);
uint32_t kiln_atomic_notify(kiln_memory_rt *mem, uint64_t ea, uint32_t count);

/* Reserves and makes `min` pages accessible.  `max` is the most the memory
 * may grow to (KILN_MAX_PAGES, or KILN_MAX_PAGES64 for a 64-bit one, for
 * no limit; a larger one is capped there).  Fails with KILN_ERR_ARG when
 * min is over that or max, KILN_ERR_NOMEM when the system says no. */
bool kiln_memory_init(kiln_memory_rt *mem, uint32_t min, uint32_t max, bool index64,
		      kiln_error *err);

/* Grows by `delta` pages; returns the old size in pages, or UINT32_MAX
 * (memory.grow's -1) when the limit or the system says no. */
uint32_t kiln_memory_grow(kiln_memory_rt *mem, uint32_t delta);

/* Releases the reservation.  A zeroed memory is a no-op. */
void kiln_memory_free(kiln_memory_rt *mem);

_Static_assert(offsetof(kiln_memory_rt, base) == KILN_MEMORY_BASE, "ABI");
_Static_assert(offsetof(kiln_memory_rt, size) == KILN_MEMORY_SIZE, "ABI");

#endif /* KILN_MEMORY_H */
