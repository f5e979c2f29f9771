/*
 * pool.h — the pooling allocator's memory slots (internal; the API is in
 * kiln.h).
 *
 * A pool reserves one PROT_NONE region of max_instances slots of
 * KILN_RESERVATION bytes each, registered with the trap handler once.  An
 * instance's memory takes a free slot; deleting the instance zeroes what
 * it used (madvise MADV_DONTNEED) and leaves the slot's accessible prefix
 * as it was, so the next memory of that size needs no system call but the
 * madvise.  Free slots are reused last-in first-out: warm ones first.
 */
#ifndef KILN_POOL_H
#define KILN_POOL_H

#include "memory.h"

/* Takes a slot for module m's memory of `min` pages (at most `max`): *mem
 * is set up as kiln_memory_init would.  When m's data segments make a
 * large enough image (pool.c; the pool keeps the images of the modules
 * it instantiated last), the slot maps it copy-on-write and *from_image
 * says the segments need not be applied.  Fails with
 * KILN_ERR_NOMEM when every slot is taken. */
bool kiln_pool_memory_init(kiln_pool *pool, const kiln_module *m,
			   kiln_memory_rt *mem, uint32_t min, uint32_t max,
			   bool *from_image, kiln_error *err);
/* Gives the slot back (kiln_memory_free calls it for pooled memories). */
void kiln_pool_memory_free(kiln_memory_rt *mem);
/* The pool's caps on a memory's pages and a table's elements (0: none). */
uint32_t kiln_pool_max_pages(const kiln_pool *pool);
uint32_t kiln_pool_max_elements(const kiln_pool *pool);
/* The pool's cap on the elements of all an instance's tables (0: none). */
uint32_t kiln_pool_max_instance_elements(const kiln_pool *pool);

#endif /* KILN_POOL_H */
