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

#include "module.h"
#include "pool.h"
#include "reader.h"
#include "trap.h"

/* What a pool knows of a module's copy-on-write image (below). */
typedef enum pool_image_state {
	POOL_IMAGE_UNKNOWN,	/* not scanned yet */
	POOL_IMAGE_POSSIBLE,	/* scanned: `len` and `data` say what it would hold */
	POOL_IMAGE_BUILT,	/* `fd` holds it */
	POOL_IMAGE_IMPOSSIBLE,	/* no data, not at constant offsets, or building failed */
} pool_image_state;

typedef struct pool_image {
	uint64_t module;	/* kiln_module.id; 0: a free entry */
	pool_image_state state;
	int fd;
	uint64_t len;		/* bytes of memory it covers, whole system pages */
	uint64_t data;		/* bytes of active data segments */
	uint64_t used;		/* the pool's image clock at its last use */
} pool_image;

#define POOL_IMAGES 32	/* modules whose images a pool keeps */

struct kiln_pool {
	uint8_t *region;
	uint32_t nslots, max_pages, max_elements, max_instance_elements;
	pthread_mutex_t lock;
	uint32_t *free;		/* stack of free slot indices */
	uint32_t nfree;
	uint64_t *rw;		/* per slot: bytes left read-write */
	uint64_t image_min;	/* data bytes from which images are used */
	/* The images of the modules last instantiated, least recently used
	 * evicted (its memfd closed: mappings keep their file). */
	pthread_mutex_t image_lock;
	pool_image images[POOL_IMAGES];
	uint64_t image_clock;
};

#define MAX_SLOTS 8192u	/* 64 TiB of address space */
#define IMAGE_MIN (256u << 10)	/* see the copy-on-write images below */

kiln_pool_config kiln_pool_config_default(void)
{
	return (kiln_pool_config){.max_instances = 1000, .max_memory_pages = 0,
				  .image_min_bytes = IMAGE_MIN};
}

kiln_status kiln_pool_new(const kiln_pool_config *config, kiln_pool **out, kiln_error *err)
{
	kiln_pool_config cfg = config ? *config : kiln_pool_config_default();
	kiln_pool *p;
	void *region;

	*out = NULL;
	if (cfg.max_instances == 0 || cfg.max_instances > MAX_SLOTS ||
	    cfg.max_memory_pages > KILN_MAX_PAGES)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "pool: max_instances must be 1 to %u, max_memory_pages at most %u",
				       MAX_SLOTS, KILN_MAX_PAGES);
	region = mmap(NULL, (size_t)cfg.max_instances * KILN_RESERVATION, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				       "pool: cannot reserve %u x 8 GiB of address space",
				       cfg.max_instances);
	if (!(p = calloc(1, sizeof *p)) ||
	    !(p->free = krt_calloc(cfg.max_instances, sizeof *p->free)) ||
	    !(p->rw = krt_calloc(cfg.max_instances, sizeof *p->rw)) ||
	    !kiln_trap_register_range(region, (size_t)cfg.max_instances * KILN_RESERVATION)) {
		if (p) {
			free(p->free);
			free(p->rw);
		}
		free(p);
		munmap(region, (size_t)cfg.max_instances * KILN_RESERVATION);
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				       "pool: out of memory");
	}
	p->region = region;
	p->nslots = cfg.max_instances;
	p->max_pages = cfg.max_memory_pages;
	p->max_elements = cfg.max_table_elements;
	p->max_instance_elements = cfg.max_instance_table_elements;
	p->image_min = cfg.image_min_bytes ? cfg.image_min_bytes : 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->image_lock, NULL);
	for (uint32_t i = 0; i < p->nslots; i++)
		p->free[i] = p->nslots - 1 - i;	/* slot 0 first */
	p->nfree = p->nslots;
	*out = p;
	return KILN_OK;
}

void kiln_pool_delete(kiln_pool *p)
{
	/* A live instance still uses its slot and gives it back to the pool
	 * when deleted: then the pool stays, whole. */
	if (p == NULL || kiln_pool_live(p) > 0)
		return;
	kiln_trap_unregister_range(p->region);
	munmap(p->region, (size_t)p->nslots * KILN_RESERVATION);
	pthread_mutex_destroy(&p->lock);
	for (int i = 0; i < POOL_IMAGES; i++)
		if (p->images[i].state == POOL_IMAGE_BUILT)
			close(p->images[i].fd);
	pthread_mutex_destroy(&p->image_lock);
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

uint32_t kiln_pool_max_elements(const kiln_pool *p)
{
	return p->max_elements;
}

uint32_t kiln_pool_max_instance_elements(const kiln_pool *p)
{
	return p->max_instance_elements;
}

/* A slot whose accessible prefix is `min` zero pages. */
static bool take_slot(kiln_pool *p, kiln_memory_rt *mem, uint32_t min, uint32_t max,
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
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				"pool exhausted: all %u instances are live", p->nslots);
	base = p->region + (uint64_t)slot * KILN_RESERVATION;
	have = p->rw[slot];
	/* The accessible prefix becomes exactly `min` pages. */
	if ((have > need && mprotect(base + need, have - need, PROT_NONE) != 0) ||
	    (have < need && mprotect(base + have, need - have, PROT_READ | PROT_WRITE) != 0)) {
		kiln_memory_rt m = {.base = base, .size = have, .pool = p, .slot = slot};
		kiln_pool_memory_free(&m);
		return krt_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
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

/* ------------------------------------------------ copy-on-write images */

/* A module whose active data segments come to IMAGE_MIN bytes or more, all
 * at constant offsets within its initial memory, gets an image: a memfd
 * holding the initial memory's bytes up to the last segment's end.  A
 * pooled instance maps it MAP_PRIVATE over its slot instead of copying the
 * segments: pages are shared until written.  Below the pool's
 * image_min_bytes (default IMAGE_MIN), copying is cheaper than the
 * mapping, the page faults and the unmapping.  bench/instantiate, one
 * thread / each of two: 64 KiB copied 6.2 / 10.0 µs, mapped 9.5 / 31.7 µs;
 * 256 KiB copied 24.5 / 23.7 µs, mapped 10.4 / 24.6 µs; 1 MiB copied
 * 774 / 841 µs, mapped 9.7 / 27.2 µs (remapping interrupts the other
 * CPUs, as madvise does).  Images belong to the pool, not to the module
 * (read-only once validated): a pool keeps those of the last POOL_IMAGES
 * modules it instantiated, keyed by kiln_module.id, and closes them when
 * it goes. */

/* The constant offset of an active segment, if it is one. */
static bool const_offset(const kiln_module *m, kiln_range expr, uint32_t *out)
{
	kiln_error ignored;
	kiln_reader r = {m->bytes, m->bytes + expr.off, m->bytes + expr.off + expr.len, &ignored};
	kiln_instr a, b;

	if (!krt_rd_instr(&r, &a) || a.op != KILN_OP_I32_CONST || !krt_rd_instr(&r, &b) ||
	    b.op != KILN_OP_END)
		return false;
	*out = (uint32_t)a.u.i32;
	return true;
}

/* Whether m's memory can come from an image, and how many bytes of data
 * it would hold: POSSIBLE (with `data` and `len`) or IMPOSSIBLE. */
static void scan_image(pool_image *img, const kiln_module *m)
{
	uint64_t end = 0, total = 0, initial;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t off;

	img->state = POOL_IMAGE_IMPOSSIBLE;
	if (m->nmemories == 0 || m->nimported_memories > 0)
		return;
	initial = m->memories[0].type.limits.min * (uint64_t)KILN_PAGE_SIZE;
	for (uint32_t s = 0; s < m->ndatas; s++) {
		const kiln_data *d = &m->datas[s];
		if (d->mode != KILN_SEG_ACTIVE)
			continue;
		if (!const_offset(m, d->offset, &off) || (uint64_t)off + d->init.len > initial)
			return;	/* instantiation decides, or traps */
		total += d->init.len;
		end = (uint64_t)off + d->init.len > end ? (uint64_t)off + d->init.len : end;
	}
	if (total == 0)
		return;
	img->data = total;
	img->len = (end + page - 1) & ~(uint64_t)(page - 1);
	img->state = POOL_IMAGE_POSSIBLE;
}

/* The memfd of the scanned image: BUILT, or IMPOSSIBLE on failure. */
static void build_image(pool_image *img, const kiln_module *m)
{
	uint32_t off;
	int fd = memfd_create("kiln-memory-image", MFD_CLOEXEC);

	img->state = POOL_IMAGE_IMPOSSIBLE;
	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t)img->len) != 0)
		goto fail;
	for (uint32_t s = 0; s < m->ndatas; s++) {
		const kiln_data *d = &m->datas[s];
		if (d->mode != KILN_SEG_ACTIVE || d->init.len == 0)
			continue;
		const_offset(m, d->offset, &off);
		if (pwrite(fd, m->bytes + d->init.off, d->init.len, off) != (ssize_t)d->init.len)
			goto fail;
	}
	img->fd = fd;
	img->state = POOL_IMAGE_BUILT;
	return;
fail:
	close(fd);
}

/* Module m's entry (image_lock held): found, else a free one or the least
 * recently used, emptied.  Module ids are never reused, so an entry of a
 * deleted module is only ever evicted. */
static pool_image *image_entry(kiln_pool *p, const kiln_module *m)
{
	pool_image *img = &p->images[0];

	for (int i = 0; i < POOL_IMAGES; i++) {
		if (p->images[i].module == m->id) {
			img = &p->images[i];
			goto found;
		}
		if (p->images[i].used < img->used)
			img = &p->images[i];	/* free entries have used 0 */
	}
	if (img->state == POOL_IMAGE_BUILT)
		close(img->fd);
	*img = (pool_image){.module = m->id, .state = POOL_IMAGE_UNKNOWN};
found:
	img->used = ++p->image_clock;
	return img;
}

/* Whether pool p maps m's memory from its image (building it once).  The
 * mapping is made outside the lock, through a duplicate of the memfd: the
 * entry may be evicted and its memfd closed meanwhile. */
static bool map_image(kiln_pool *p, const kiln_module *m, kiln_memory_rt *mem)
{
	pool_image *img;
	uint64_t len = 0;
	int fd = -1;
	bool mapped;

	pthread_mutex_lock(&p->image_lock);
	img = image_entry(p, m);
	if (img->state == POOL_IMAGE_UNKNOWN)
		scan_image(img, m);
	if (img->state == POOL_IMAGE_POSSIBLE && img->data >= p->image_min)
		build_image(img, m);
	if (img->state == POOL_IMAGE_BUILT && img->data >= p->image_min) {
		fd = dup(img->fd);
		len = img->len;
	}
	pthread_mutex_unlock(&p->image_lock);
	if (fd < 0)
		return false;
	/* The slot's prefix is read-write and zero: the image goes over it;
	 * if it cannot, the segments are copied instead. */
	mapped = mmap(mem->base, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		      fd, 0) != MAP_FAILED;
	close(fd);
	if (mapped)
		mem->image_len = len;
	return mapped;
}

bool kiln_pool_memory_init(kiln_pool *p, const kiln_module *m, kiln_memory_rt *mem,
			   uint32_t min, uint32_t max, bool *from_image, kiln_error *err)
{
	*from_image = false;
	if (!take_slot(p, mem, min, max, err))
		return false;
	*from_image = map_image(p, m, mem);
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

	/* An image's mapping becomes fresh zero pages again. */
	if (mem->image_len &&
	    mmap(mem->base, mem->image_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
		/* Cannot happen short of the kernel refusing memory: the slot
		 * is not reused rather than reused dirty. */
		memset(mem, 0, sizeof *mem);
		return;
	}
	/* Zero what the instance could write; the mapping stays. */
	if (mem->size > mem->image_len) {
		uint8_t *from = mem->base + mem->image_len;
		uint64_t len = mem->size - mem->image_len;
		size_t used = resident(from, len, false);
		if (used > KEEP_RESIDENT)
			madvise(from, len, MADV_DONTNEED);
		else if (used > 0)
			resident(from, len, true);
	}
	p->rw[mem->slot] = mem->size;
	pthread_mutex_lock(&p->lock);
	p->free[p->nfree++] = mem->slot;
	pthread_mutex_unlock(&p->lock);
	memset(mem, 0, sizeof *mem);
}
