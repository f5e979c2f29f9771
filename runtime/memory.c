/*
 * memory.c — linear memory reservations, growth and release.
 *
 * The whole reservation is registered with the trap handler for as long
 * as it exists, so that a fault anywhere in it (the guard region beyond
 * the accessible pages included) is a wasm trap, not a crash.
 */
#include <string.h>
#include <sys/mman.h>

#include "memory.h"
#include "pool.h"
#include "trap.h"

bool kiln_memory_init(kiln_memory_rt *mem, uint32_t min, uint32_t max,
		      kiln_error *err)
{
	void *base;

	memset(mem, 0, sizeof *mem);
	if (min > KILN_MAX_PAGES || max < min)
		return krt_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				"memory limits out of range");
	base = mmap(NULL, KILN_RESERVATION, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"cannot reserve 8 GiB of address space for a memory");
	if (!kiln_trap_register_range(base, KILN_RESERVATION)) {
		munmap(base, KILN_RESERVATION);
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"too many linear memories");
	}
	mem->base = base;
	mem->max_pages = max > KILN_MAX_PAGES ? KILN_MAX_PAGES : max;
	if (kiln_memory_grow(mem, min) == UINT32_MAX) {
		kiln_memory_free(mem);
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"cannot commit %u pages of linear memory", min);
	}
	return true;
}

uint32_t kiln_memory_grow(kiln_memory_rt *mem, uint32_t delta)
{
	uint32_t old = mem->pages;
	uint64_t new_size;

	if (delta > mem->max_pages - old)
		return UINT32_MAX;
	if (delta == 0)
		return old;
	new_size = (uint64_t)(old + delta) * KILN_PAGE_SIZE;
	if (mprotect(mem->base + mem->size, new_size - mem->size,
		     PROT_READ | PROT_WRITE) != 0)
		return UINT32_MAX;
	mem->pages = old + delta;
	mem->size = new_size;
	return old;
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
	munmap(mem->base, KILN_RESERVATION);
	memset(mem, 0, sizeof *mem);
}
