/*
 * test_multi_memory.c — several memories through the embedding API: each
 * exported memory is its own extern (data, grow), the module reports each
 * one's type, another module imports them in any order, and a pool
 * refuses the module with its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

static kiln_module *load(kiln_engine *e, const char *path)
{
	size_t len = 0;
	uint8_t *bytes = read_file(path, &len);
	kiln_module *m = NULL;
	kiln_error err;

	if (bytes == NULL ||
	    kiln_module_decode_features(bytes, len, NULL,
					KILN_FEATURES_DEFAULT | KILN_FEATURE_MULTI_MEMORY, &m,
					&err) != KILN_OK ||
	    kiln_module_validate(m, &err) != KILN_OK || kiln_module_compile(e, m, &err) != KILN_OK) {
		printf("%s: %s\n", path, bytes ? err.message : "unreadable");
		exit(1);
	}
	free(bytes);
	return m;
}

static int32_t call(kiln_instance *inst, const char *name, int32_t a, int32_t b, int32_t c)
{
	kiln_val args[3] = {{KILN_I32, {.i32 = a}}, {KILN_I32, {.i32 = b}},
			    {KILN_I32, {.i32 = c}}};
	kiln_val r = {0};
	kiln_externtype t = kiln_extern_type(export(inst, name));
	kiln_status st = kiln_func_call(export(inst, name), args, t.u.func->nparams, &r,
					t.u.func->nresults, NULL, NULL);

	return st == KILN_OK ? r.of.i32 : -1000;
}

static void exporter(kiln_module *m, kiln_instance *inst)
{
	kiln_memtype t1 = kiln_module_memory_type(m, 1);
	size_t n0, n1;
	uint8_t *m0 = kiln_memory_data(export(inst, "mem0"), &n0);
	uint8_t *m1 = kiln_memory_data(export(inst, "mem1"), &n1);

	CHECK(t1.limits.min == 1 && t1.limits.has_max && t1.limits.max == 4,
	      "memory 1's type");
	CHECK(n0 == 2 * 65536 && n1 == 65536, "sizes %zu %zu", n0, n1);
	CHECK(m0 != m1, "one memory for two");
	m1[100] = 42;
	CHECK(call(inst, "peek1", 100, 0, 0) == 42, "memory 1 written through the API");
	CHECK(call(inst, "copy10", 7, 100, 1) != -1000 && m0[7] == 42, "copy 1 -> 0");
	CHECK(kiln_memory_grow_by(export(inst, "mem1"), 2, NULL, NULL) == KILN_OK,
	      "grow memory 1");
	CHECK(call(inst, "size1", 0, 0, 0) == 3, "memory 1 grown to 3 pages");
	kiln_memory_data(export(inst, "mem0"), &n0);
	CHECK(n0 == 2 * 65536, "memory 0 unchanged: %zu", n0);
}

static void importer(kiln_module *user, kiln_instance *inst)
{
	kiln_extern imports[2] = {export(inst, "mem1"), export(inst, "mem0")};
	kiln_instance *u = NULL;
	kiln_error err;
	size_t n;

	CHECK(kiln_instance_new(user, imports, 2, &u, NULL, &err) == KILN_OK,
	      "importer: %s", err.message);
	if (!u)
		return;
	call(u, "poke_first", 5000, 9, 0);
	CHECK(call(inst, "peek1", 5000, 0, 0) == 9, "the importer's memory 0 is mem1");
	CHECK(kiln_memory_data(export(inst, "mem0"), &n)[7] == 42 &&
	      call(u, "peek_second", 7, 0, 0) == 42, "the importer's memory 1 is mem0");
	kiln_instance_delete(u);
}

static void pooled(kiln_module *m)
{
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_pool *pool = NULL;
	kiln_instance *inst = NULL;
	kiln_error err;

	pc.max_instances = 2;
	if (kiln_pool_new(&pc, &pool, &err) != KILN_OK) {
		printf("pool: %s\n", err.message);
		failures++;
		return;
	}
	CHECK(kiln_instance_new_pooled(pool, m, NULL, 0, &inst, NULL, &err) ==
		      KILN_ERR_UNSUPPORTED && inst == NULL, "pooled instance");
	CHECK(strcmp(err.message, "several memories in pooled instances are not supported yet") == 0,
	      "message: %s", err.message);
	kiln_pool_delete(pool);
}

int main(int argc, char **argv)
{
	kiln_engine *e = NULL;
	kiln_instance *inst = NULL;
	kiln_error err;

	if (argc != 3 || kiln_engine_new(NULL, &e, &err) != KILN_OK) {
		printf("usage: %s MULTI_MEMORY.wasm USER.wasm (or no engine)\n", argv[0]);
		return 1;
	}
	kiln_module *m = load(e, argv[1]), *user = load(e, argv[2]);
	CHECK(kiln_instance_new(m, NULL, 0, &inst, NULL, &err) == KILN_OK, "%s", err.message);
	if (inst) {
		exporter(m, inst);
		importer(user, inst);
		kiln_instance_delete(inst);
	}
	pooled(m);
	kiln_module_delete(user);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures != 0;
}
