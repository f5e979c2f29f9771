/*
 * test_pool.c — the pooling allocator: pooled instances see their data
 * segments (copied, or mapped copy-on-write from the module's image when
 * large), never what an earlier instance of the slot wrote; the pool caps
 * live instances and memory pages; a plain instance of the same module is
 * unaffected; a pool keeps a bounded number of images, each its module's.
 * Modules built byte by byte (tests/unit/builder.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kiln.h>

#include "builder.h"
#include "check.h"
#include "test_util.h"

enum { DATA_AT = 1024, PAGES = 3 };

/* The data of the modules built next (and checked): modules of one size
 * differ by it. */
static uint8_t seed;

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 13 + (i >> 9) + 1 + seed);
}

/* (memory PAGES) get(addr) = load8_u, set(addr, v) = store8, and one
 * active data segment of `len` bytes at DATA_AT. */
static buf build(uint32_t len)
{
	buf m = {0}, s = {0};

	mod_header(&m);
	PUT(&s, 2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 0);
	section(&m, 1, &s);
	PUT(&s, 2, 0, 1);
	section(&m, 3, &s);
	PUT(&s, 1, 0, PAGES);
	section(&m, 5, &s);
	put(&s, 2), put_name(&s, "get"), PUT(&s, 0, 0), put_name(&s, "set"), PUT(&s, 0, 1);
	section(&m, 7, &s);
	PUT(&s, 2, 7, 0, 0x20, 0, 0x2d, 0, 0, 0x0b);		/* local.get 0; i32.load8_u */
	PUT(&s, 9, 0, 0x20, 0, 0x20, 1, 0x3a, 0, 0, 0x0b);	/* i32.store8 */
	section(&m, 10, &s);
	put(&s, 1), PUT(&s, 0, 0x41, 0x80, 0x08, 0x0b), put_u32(&s, len);
	for (uint32_t i = 0; i < len; i++)
		put(&s, pattern(i));
	section(&m, 11, &s);
	return m;
}

static int32_t get(kiln_instance *inst, int32_t addr)
{
	kiln_val a = {KILN_I32, {.i32 = addr}}, r = {0};

	if (kiln_func_call(export(inst, "get"), &a, 1, &r, 1, NULL, NULL) != KILN_OK)
		return -1;
	return r.of.i32;
}

static void set(kiln_instance *inst, int32_t addr, int32_t v)
{
	kiln_val a[2] = {{KILN_I32, {.i32 = addr}}, {KILN_I32, {.i32 = v}}};

	kiln_func_call(export(inst, "set"), a, 2, NULL, 0, NULL, NULL);
}

/* The data is there, and nothing an earlier instance wrote. */
static void check_fresh(kiln_instance *inst, uint32_t len, const char *what)
{
	int bad = 0;

	for (uint32_t i = 0; i < len; i += 997)
		bad += get(inst, DATA_AT + (int32_t)i) != pattern(i);
	bad += get(inst, DATA_AT + (int32_t)len - 1) != pattern(len - 1);
	bad += get(inst, DATA_AT - 1) != 0;
	bad += get(inst, PAGES * 65536 - 1) != 0;
	CHECK(bad == 0, "%s: %d bytes differ from a fresh instance's", what, bad);
}

static void dirty(kiln_instance *inst, uint32_t len)
{
	set(inst, DATA_AT, 0xee);
	set(inst, DATA_AT + (int32_t)len - 1, 0xee);
	set(inst, DATA_AT - 1, 0x77);
	set(inst, PAGES * 65536 - 1, 0x77);
}

static void slots(kiln_engine *e, uint32_t len, uint32_t image_min, const char *what)
{
	buf b = build(len);
	kiln_module *m;
	kiln_pool *pool;
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_instance *inst, *more[3];
	kiln_trap_kind trap;
	kiln_error err;
	char msg[96];

	pc.max_instances = 2;
	pc.image_min_bytes = image_min;
	if (kiln_module_new(b.p, b.n, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_pool_new(&pc, &pool, &err) != KILN_OK) {
		printf("setup: %s\n", err.message);
		failures++;
		return;
	}
	for (int round = 0; round < 5; round++) {
		if (kiln_instance_new_pooled(pool, m, NULL, 0, &inst, &trap, &err) != KILN_OK) {
			CHECK(0, "%s: pooled instance: %s", what, err.message);
			break;
		}
		snprintf(msg, sizeof msg, "%s, pooled round %d", what, round);
		check_fresh(inst, len, msg);
		dirty(inst, len);
		kiln_instance_delete(inst);
	}
	/* A plain instance meanwhile is its own. */
	if (kiln_instance_new(m, NULL, 0, &inst, &trap, &err) == KILN_OK) {
		snprintf(msg, sizeof msg, "%s, plain", what);
		check_fresh(inst, len, msg);
		kiln_instance_delete(inst);
	}
	/* Two slots: a third live instance is refused, until one goes. */
	CHECK(kiln_instance_new_pooled(pool, m, NULL, 0, &more[0], &trap, &err) == KILN_OK &&
	      kiln_instance_new_pooled(pool, m, NULL, 0, &more[1], &trap, &err) == KILN_OK,
	      "%s: two pooled instances", what);
	CHECK(kiln_instance_new_pooled(pool, m, NULL, 0, &more[2], &trap, &err) == KILN_ERR_NOMEM &&
	      strstr(err.message, "pool exhausted"), "%s: a third is refused", what);
	CHECK(kiln_pool_live(pool) == 2, "%s: 2 live", what);
	kiln_instance_delete(more[0]);
	CHECK(kiln_instance_new_pooled(pool, m, NULL, 0, &more[2], &trap, &err) == KILN_OK,
	      "%s: a slot given back is taken again", what);
	check_fresh(more[2], len, what);
	kiln_instance_delete(more[1]);
	kiln_instance_delete(more[2]);
	CHECK(kiln_pool_live(pool) == 0, "%s: none live", what);
	kiln_pool_delete(pool);
	/* A pool whose memories may have fewer pages than the module needs. */
	pc.max_memory_pages = PAGES - 1;
	if (kiln_pool_new(&pc, &pool, &err) == KILN_OK) {
		CHECK(kiln_instance_new_pooled(pool, m, NULL, 0, &inst, &trap, &err) == KILN_ERR_NOMEM,
		      "%s: a memory over the pool's limit is refused", what);
		kiln_pool_delete(pool);
	}
	printf("%s: data intact and nothing left behind over 5 pooled instances; "
	       "2 slots cap 2 live instances\n", what);
	kiln_module_delete(m);
	buf_free(&b);
}

/* Open memfds of pool images (pool.c names them). */
static int image_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *ent;
	char path[300], target[128];
	int n = 0;

	while (d && (ent = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/proc/self/fd/%s", ent->d_name);
		ssize_t len = readlink(path, target, sizeof target - 1);
		if (len > 0) {
			target[len] = 0;
			n += strncmp(target, "/memfd:kiln-memory-image", 24) == 0;
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* A pooled instance of module m (data of `seed`) sees m's data. */
static void pooled_fresh(kiln_pool *pool, kiln_module *m, uint32_t len, const char *what)
{
	kiln_instance *inst;
	kiln_trap_kind trap;
	kiln_error err;

	if (kiln_instance_new_pooled(pool, m, NULL, 0, &inst, &trap, &err) != KILN_OK) {
		CHECK(0, "%s: pooled instance: %s", what, err.message);
		return;
	}
	check_fresh(inst, len, what);
	dirty(inst, len);
	kiln_instance_delete(inst);
}

/* A module of `len` bytes of data, compiled; `replaced` is deleted just
 * before it is made, so that it may take its address. */
static kiln_module *compiled(kiln_engine *e, uint32_t len, kiln_module *replaced)
{
	buf b = build(len);
	kiln_module *m = NULL;

	kiln_module_delete(replaced);
	if (kiln_module_new(b.p, b.n, &m, NULL) != KILN_OK ||
	    kiln_module_compile(e, m, NULL) != KILN_OK) {
		kiln_module_delete(m);
		m = NULL;
	}
	buf_free(&b);
	return m;
}

/* A pool keeps the images of the last 32 modules it instantiated: 40
 * modules with images leave 32 memfds open, not 40, and each instance,
 * of a module evicted and seen again too, has its own module's data; a
 * module made right after another was deleted (at its address, when the
 * allocator gives it again) gets an image of its own; deleting the pool
 * closes them all. */
static void images_bounded(kiln_engine *e)
{
	enum { N = 40, KEPT = 32, LEN = 70000 };
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_module *m[N] = {0};
	kiln_pool *pool;
	int before = image_fds();
	char what[96];

	pc.max_instances = 2;
	pc.image_min_bytes = 1;
	if (kiln_pool_new(&pc, &pool, NULL) != KILN_OK) {
		CHECK(0, "images: pool");
		return;
	}
	for (int round = 0; round < 2; round++)
		for (int k = 0; k < N; k++) {
			seed = (uint8_t)k;
			if (round == 0 && !(m[k] = compiled(e, LEN, NULL)))
				continue;
			snprintf(what, sizeof what, "images: module %d, round %d", k, round);
			pooled_fresh(pool, m[k], LEN, what);
		}
	CHECK(image_fds() - before == KEPT, "images: %d memfds open for %d modules, not %d",
	      image_fds() - before, N, KEPT);
	for (int k = 0; k < N; k++) {
		seed = (uint8_t)(100 + k);
		m[k] = compiled(e, LEN, m[k]);
		snprintf(what, sizeof what, "images: module %d made after a deletion", k);
		if (m[k])
			pooled_fresh(pool, m[k], LEN, what);
	}
	kiln_pool_delete(pool);
	CHECK(image_fds() == before, "images: %d memfds left by a deleted pool",
	      image_fds() - before);
	for (int k = 0; k < N; k++)
		kiln_module_delete(m[k]);
	seed = 0;
	printf("images: %d modules through a pool keep %d images, each its module's data\n",
	       N, KEPT);
}

int main(void)
{
	kiln_engine *e;
	kiln_pool *pool;
	kiln_pool_config bad = {.max_instances = 0};

	if (kiln_engine_new(NULL, &e, NULL) != KILN_OK)
		return 1;
	slots(e, 1000, UINT32_MAX, "1000 bytes of data (copied)");
	slots(e, 150000, UINT32_MAX, "150000 bytes of data (copied)");
	slots(e, 150000, 1, "150000 bytes of data (copy-on-write image)");
	images_bounded(e);
	CHECK(kiln_pool_new(&bad, &pool, NULL) == KILN_ERR_ARG, "max_instances 0 is refused");
	kiln_engine_delete(e);
	printf("%s\n", failures ? "FAILED" : "the pool keeps instances apart");
	return failures ? 1 : 0;
}
