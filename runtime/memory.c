/*
 * memory.c — linear memory reservations, growth and release.
 *
 * The whole reservation is registered with the trap handler for as long
 * as it exists, so that a fault anywhere in it (the guard region beyond
 * the accessible pages included) is a wasm trap, not a crash.
 *
 * A 32-bit memory reserves KILN_RESERVATION (its guard region makes any
 * access in bounds of the reservation).  A 64-bit memory is checked
 * explicitly on every access, so it needs no guard region: it reserves
 * exactly its maximum (the type's, capped by the configuration), which
 * may be past 4 GiB, and grows inside that; its base never moves either.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memory.h"
#include "pool.h"
#include "trap.h"

/* The address space a memory of at most `max` pages reserves: a 64-bit
 * one's maximum (at least one page, so that an empty maximum still maps),
 * a 32-bit one's guard-page scheme. */
static uint64_t reservation(uint32_t max, bool index64)
{
	if (!index64)
		return KILN_RESERVATION;
	return (uint64_t)(max ? max : 1) * KILN_PAGE_SIZE;
}

bool kiln_memory_init(kiln_memory_rt *mem, uint32_t min, uint32_t max, bool index64,
		      kiln_error *err)
{
	uint32_t cap = index64 ? KILN_MAX_PAGES64 : KILN_MAX_PAGES;
	uint64_t len;
	void *base;

	memset(mem, 0, sizeof *mem);
	if (min > cap || max < min)
		return krt_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				"memory limits out of range");
	if (max > cap)
		max = cap;
	len = reservation(max, index64);
	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"cannot reserve %" PRIu64 " MiB of address space for a memory",
				len >> 20);
	if (!kiln_trap_register_range(base, len)) {
		munmap(base, len);
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"too many linear memories");
	}
	mem->base = base;
	mem->reserved = len;
	mem->index64 = index64;
	mem->max_pages = max;
	if (kiln_memory_grow(mem, min) == UINT32_MAX) {
		kiln_memory_free(mem);
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"cannot commit %u pages of linear memory", min);
	}
	return true;
}

static uint32_t grow(kiln_memory_rt *mem, uint32_t delta)
{
	uint32_t old = mem->pages;
	uint64_t new_size;

	if (delta > mem->max_pages - old)
		return UINT32_MAX;
	if (delta == 0)
		return old;
	new_size = (uint64_t)old * KILN_PAGE_SIZE + (uint64_t)delta * KILN_PAGE_SIZE;
	if (mprotect(mem->base + mem->size, new_size - mem->size,
		     PROT_READ | PROT_WRITE) != 0)
		return UINT32_MAX;
	/* Release: the pages are accessible before anyone reads the length. */
	atomic_store_explicit((_Atomic uint32_t *)&mem->pages, old + delta, memory_order_release);
	atomic_store_explicit((_Atomic uint64_t *)&mem->size, new_size, memory_order_release);
	return old;
}

uint32_t kiln_memory_grow(kiln_memory_rt *mem, uint32_t delta)
{
	uint32_t old;

	if (!mem->shared)
		return grow(mem, delta);
	pthread_mutex_lock(&mem->grow_lock);
	old = grow(mem, delta);
	pthread_mutex_unlock(&mem->grow_lock);
	return old;
}

kiln_memory_rt *kiln_memory_new_shared(uint32_t min, uint32_t max, bool index64,
				       kiln_error *err)
{
	kiln_memory_rt *mem = malloc(sizeof *mem);

	if (mem == NULL) {
		krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		return NULL;
	}
	if (!kiln_memory_init(mem, min, max, index64, err)) {
		free(mem);
		return NULL;
	}
	mem->has_max = true;	/* a shared memory always has one */
	mem->shared = true;
	atomic_init(&mem->refs, 1);
	pthread_mutex_init(&mem->grow_lock, NULL);
	return mem;
}

kiln_memory_rt *kiln_memory_ref(kiln_memory_rt *mem)
{
	atomic_fetch_add_explicit(&mem->refs, 1, memory_order_relaxed);
	return mem;
}

void kiln_memory_unref(kiln_memory_rt *mem)
{
	if (atomic_fetch_sub_explicit(&mem->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_destroy(&mem->grow_lock);
	kiln_memory_free(mem);
	free(mem);
}

void kiln_memory_free(kiln_memory_rt *mem)
{
	if (mem->base == NULL)
		return;
	if (mem->pool) {
		kiln_pool_memory_free(mem);
		return;
	}
	kiln_trap_unregister_range(mem->base);
	munmap(mem->base, mem->reserved);
	memset(mem, 0, sizeof *mem);
}
