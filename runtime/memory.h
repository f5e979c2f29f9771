/*
 * memory.h — linear memories (internal).
 *
 * A 32-bit memory is one 8 GiB PROT_NONE reservation: any i32 address plus
 * any u32 offset (plus the access size) stays inside it, so compiled code
 * does no bounds checks and an out-of-bounds access faults on a guard page,
 * which the fault handler turns into a trap.  The accessible prefix grows
 * with mprotect; the base never moves.
 */
#ifndef KILN_MEMORY_H
#define KILN_MEMORY_H

#include <stdint.h>

#include "internal.h"
#include "vmctx.h"

#define KILN_PAGE_SIZE 65536u
#define KILN_MAX_PAGES 65536u
#define KILN_RESERVATION ((uint64_t)8 << 30)

typedef struct kiln_memory_rt {
	/* The first two fields are the kiln_memory_view compiled code reads. */
	uint8_t *base;
	uint64_t size;		/* accessible bytes: pages * 64 KiB */
	uint32_t pages;
	uint32_t max_pages;	/* from the type, capped by the configuration */
	bool has_max;		/* the type declares a maximum */
	kiln_pool *pool;	/* a pooled memory's pool and slot (pool.h) */
	uint32_t slot;
	uint64_t image_len;	/* a pooled memory mapped from a module image */
} kiln_memory_rt;

/* Reserves and makes `min` pages accessible.  `max` is the most the memory
 * may grow to (KILN_MAX_PAGES for no limit).  Fails with KILN_ERR_NOMEM. */
bool kiln_memory_init(kiln_memory_rt *mem, uint32_t min,
		      uint32_t max, kiln_error *err);

/* Grows by `delta` pages; returns the old size in pages, or UINT32_MAX
 * (memory.grow's -1) when the limit or the system says no. */
uint32_t kiln_memory_grow(kiln_memory_rt *mem, uint32_t delta);

/* Releases the reservation.  A zeroed memory is a no-op. */
void kiln_memory_free(kiln_memory_rt *mem);

_Static_assert(offsetof(kiln_memory_rt, base) == KILN_MEMORY_BASE, "ABI");
_Static_assert(offsetof(kiln_memory_rt, size) == KILN_MEMORY_SIZE, "ABI");

#endif /* KILN_MEMORY_H */
