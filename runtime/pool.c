/*
 * pool.c — the pooling allocator: reserved memory slots reused across
 * instances (pool.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pool.h"
#include "trap.h"

struct kiln_pool {
	uint8_t *region;
	uint32_t nslots, max_pages;
	pthread_mutex_t lock;
	uint32_t *free;		/* stack of free slot indices */
	uint32_t nfree;
	uint64_t *rw;		/* per slot: bytes left read-write */
};

#define MAX_SLOTS 8192u	/* 64 TiB of address space */

kiln_pool_config kiln_pool_config_default(void)
{
	return (kiln_pool_config){.max_instances = 1000, .max_memory_pages = 0};
}

kiln_status kiln_pool_new(const kiln_pool_config *config, kiln_pool **out, kiln_error *err)
{
	kiln_pool_config cfg = config ? *config : kiln_pool_config_default();
	kiln_pool *p;
	void *region;

	*out = NULL;
	if (cfg.max_instances == 0 || cfg.max_instances > MAX_SLOTS ||
	    cfg.max_memory_pages > KILN_MAX_PAGES)
		return kiln_fail(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				 "pool: max_instances must be 1 to %u, max_memory_pages at most %u",
				 MAX_SLOTS, KILN_MAX_PAGES), KILN_ERR_ARG;
	region = mmap(NULL, (size_t)cfg.max_instances * KILN_RESERVATION, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				 "pool: cannot reserve %u x 8 GiB of address space",
				 cfg.max_instances), KILN_ERR_NOMEM;
	if (!(p = calloc(1, sizeof *p)) ||
	    !(p->free = kiln_calloc(cfg.max_instances, sizeof *p->free)) ||
	    !(p->rw = kiln_calloc(cfg.max_instances, sizeof *p->rw)) ||
	    !kiln_trap_register_range(region, (size_t)cfg.max_instances * KILN_RESERVATION)) {
		if (p) {
			free(p->free);
			free(p->rw);
		}
		free(p);
		munmap(region, (size_t)cfg.max_instances * KILN_RESERVATION);
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "pool: out of memory"),
		       KILN_ERR_NOMEM;
	}
	p->region = region;
	p->nslots = cfg.max_instances;
	p->max_pages = cfg.max_memory_pages;
	pthread_mutex_init(&p->lock, NULL);
	for (uint32_t i = 0; i < p->nslots; i++)
		p->free[i] = p->nslots - 1 - i;	/* slot 0 first */
	p->nfree = p->nslots;
	*out = p;
	return KILN_OK;
}

void kiln_pool_delete(kiln_pool *p)
{
	if (p == NULL)
		return;
	/* A live instance still uses its slot: then the region stays. */
	if (p->nfree == p->nslots) {
		kiln_trap_unregister_range(p->region);
		munmap(p->region, (size_t)p->nslots * KILN_RESERVATION);
	}
	pthread_mutex_destroy(&p->lock);
	free(p->free);
	free(p->rw);
	free(p);
}

uint32_t kiln_pool_live(kiln_pool *p)
{
	pthread_mutex_lock(&p->lock);
	uint32_t n = p->nslots - p->nfree;
	pthread_mutex_unlock(&p->lock);
	return n;
}

uint32_t kiln_pool_max_pages(const kiln_pool *p)
{
	return p->max_pages;
}

bool kiln_pool_memory_init(kiln_pool *p, kiln_memory_rt *mem, uint32_t min, uint32_t max,
			   kiln_error *err)
{
	uint32_t slot;
	uint64_t need = (uint64_t)min * KILN_PAGE_SIZE, have;
	uint8_t *base;

	memset(mem, 0, sizeof *mem);
	pthread_mutex_lock(&p->lock);
	slot = p->nfree ? p->free[--p->nfree] : UINT32_MAX;
	pthread_mutex_unlock(&p->lock);
	if (slot == UINT32_MAX)
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				 "pool exhausted: all %u instances are live", p->nslots);
	base = p->region + (uint64_t)slot * KILN_RESERVATION;
	have = p->rw[slot];
	/* The accessible prefix becomes exactly `min` pages. */
	if ((have > need && mprotect(base + need, have - need, PROT_NONE) != 0) ||
	    (have < need && mprotect(base + have, need - have, PROT_READ | PROT_WRITE) != 0)) {
		kiln_memory_rt m = {.base = base, .size = have, .pool = p, .slot = slot};
		kiln_pool_memory_free(&m);
		return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				 "cannot commit %u pages of linear memory", min);
	}
	mem->base = base;
	mem->size = need;
	mem->pages = min;
	mem->max_pages = max > KILN_MAX_PAGES ? KILN_MAX_PAGES : max;
	mem->pool = p;
	mem->slot = slot;
	return true;
}

/* Resetting a slot.  madvise(MADV_DONTNEED) flushes the TLB of every CPU
 * running the process — an interprocessor interrupt per reset when other
 * threads run instances (bench/instantiate: 1.5 µs alone, 4.4 µs each on
 * two threads).  So the pages the instance made resident (mincore) are
 * zeroed in place while they are few: no interrupt, and the next instance
 * finds them mapped.  Past KEEP_RESIDENT bytes, madvise drops them all. */
#define KEEP_RESIDENT (1u << 20)
#define CHUNK 4096u	/* system pages per mincore call */

static size_t resident(uint8_t *base, uint64_t len, bool zero)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
	unsigned char vec[CHUNK];

	for (uint64_t off = 0; off < len; off += (uint64_t)CHUNK * page) {
		uint64_t l = len - off < (uint64_t)CHUNK * page ? len - off : (uint64_t)CHUNK * page;
		if (mincore(base + off, l, vec) != 0)
			return SIZE_MAX;
		for (size_t i = 0; i < (l + page - 1) / page; i++)
			if (vec[i] & 1) {
				n++;
				if (zero)
					memset(base + off + i * page, 0, page);
			}
	}
	return n * page;
}

void kiln_pool_memory_free(kiln_memory_rt *mem)
{
	kiln_pool *p = mem->pool;

	/* Zero what the instance could write; the mapping stays. */
	if (mem->size) {
		size_t used = resident(mem->base, mem->size, false);
		if (used > KEEP_RESIDENT)
			madvise(mem->base, mem->size, MADV_DONTNEED);
		else if (used > 0)
			resident(mem->base, mem->size, true);
	}
	p->rw[mem->slot] = mem->size;
	pthread_mutex_lock(&p->lock);
	p->free[p->nfree++] = mem->slot;
	pthread_mutex_unlock(&p->lock);
	memset(mem, 0, sizeof *mem);
}
