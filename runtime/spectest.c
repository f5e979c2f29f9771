/*
 * spectest.c — the host module the spec testsuite imports as "spectest".
 *
 * Its functions print their arguments like the reference interpreter
 * does; each is a plain C function with the native signature compiled
 * code calls (ctx first).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"

static void print(kiln_vmctx *c) { (void)c; printf("print\n"); }
static void print_i32(kiln_vmctx *c, int32_t x) { (void)c; printf("print_i32: %" PRId32 "\n", x); }
static void print_i64(kiln_vmctx *c, int64_t x) { (void)c; printf("print_i64: %" PRId64 "\n", x); }
static void print_f32(kiln_vmctx *c, float x) { (void)c; printf("print_f32: %g\n", (double)x); }
static void print_f64(kiln_vmctx *c, double x) { (void)c; printf("print_f64: %g\n", x); }
static void print_i32_f32(kiln_vmctx *c, int32_t x, float y)
{
	(void)c;
	printf("print_i32_f32: %" PRId32 " %g\n", x, (double)y);
}
static void print_f64_f64(kiln_vmctx *c, double x, double y)
{
	(void)c;
	printf("print_f64_f64: %g %g\n", x, y);
}

static const kiln_valtype I32[] = {KILN_I32}, I64[] = {KILN_I64};
static const kiln_valtype F32[] = {KILN_F32}, F64[] = {KILN_F64};
static const kiln_valtype I32F32[] = {KILN_I32, KILN_F32}, F64F64[] = {KILN_F64, KILN_F64};

static const struct {
	const char *name;
	void *code;
	kiln_functype type;
} funcs[] = {
	{"print", (void *)print, {0, 0, NULL, NULL}},
	{"print_i32", (void *)print_i32, {1, 0, I32, NULL}},
	{"print_i64", (void *)print_i64, {1, 0, I64, NULL}},
	{"print_f32", (void *)print_f32, {1, 0, F32, NULL}},
	{"print_f64", (void *)print_f64, {1, 0, F64, NULL}},
	{"print_i32_f32", (void *)print_i32_f32, {2, 0, I32F32, NULL}},
	{"print_f64_f64", (void *)print_f64_f64, {2, 0, F64F64, NULL}},
};

enum { NFUNCS = sizeof funcs / sizeof funcs[0], NGLOBALS = 4 };

typedef struct spectest {
	kiln_instance inst;
	kiln_funcref refs[NFUNCS];
	kiln_global_rt globals[NGLOBALS];
	kiln_table_rt table;
	kiln_memory_rt *shared_memory;	/* threads' "shared_memory" (1 2 shared) */
	kiln_host_export exports[NFUNCS + NGLOBALS + 3];
} spectest;

static void spectest_free(kiln_instance *inst)
{
	spectest *s = (spectest *)inst;

	kiln_memory_free(&s->inst.own_memory);
	if (s->shared_memory)
		kiln_memory_unref(s->shared_memory);
	free(s->table.elems);
	free(s);
}

static void add(spectest *s, size_t *n, const char *name, kiln_extern_kind k, void *h)
{
	s->exports[*n].name = name;
	s->exports[*n].ext = (kiln_extern){k, h};
	(*n)++;
}

kiln_status kiln_spectest_new(kiln_instance **out, kiln_error *err)
{
	static const char *const gnames[NGLOBALS] = {
		"global_i32", "global_i64", "global_f32", "global_f64",
	};
	spectest *s = calloc(1, sizeof *s);
	size_t n = 0;

	*out = NULL;
	if (s == NULL)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	for (size_t i = 0; i < NFUNCS; i++) {
		/* No trampoline: calls from the API go through libffi. */
		s->refs[i] = (kiln_funcref){funcs[i].code, &s->inst.ctx,
					    kiln_type_id(&funcs[i].type), NULL,
					    &funcs[i].type, NULL};
		add(s, &n, funcs[i].name, KILN_EXTERN_FUNC, &s->refs[i]);
	}
	s->globals[0] = (kiln_global_rt){{.i32 = 666}, {KILN_I32, false}};
	s->globals[1] = (kiln_global_rt){{.i64 = 666}, {KILN_I64, false}};
	s->globals[2] = (kiln_global_rt){{.f32 = 666.6f}, {KILN_F32, false}};
	s->globals[3] = (kiln_global_rt){{.f64 = 666.6}, {KILN_F64, false}};
	for (size_t i = 0; i < NGLOBALS; i++)
		add(s, &n, gnames[i], KILN_EXTERN_GLOBAL, &s->globals[i]);
	s->table = (kiln_table_rt){.size = 0, .max = 20, .type = KILN_FUNCREF};
	if (kiln_table_grow(&s->table, 10, NULL) == UINT32_MAX ||
	    !kiln_memory_init(&s->inst.own_memory, 1, 2, false, err) ||
	    !(s->shared_memory = kiln_memory_new_shared(1, 2, false, err))) {
		spectest_free(&s->inst);
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	}
	s->inst.own_memory.has_max = true;
	s->inst.memory = &s->inst.own_memory;
	add(s, &n, "table", KILN_EXTERN_TABLE, &s->table);
	add(s, &n, "memory", KILN_EXTERN_MEMORY, s->inst.memory);
	add(s, &n, "shared_memory", KILN_EXTERN_MEMORY, s->shared_memory);
	s->inst.host_exports = s->exports;
	s->inst.nhost_exports = n;
	s->inst.ctx.instance = &s->inst;
	s->inst.ctx.helpers = &kiln_runtime_helpers;
	s->inst.free_host = spectest_free;
	*out = &s->inst;
	return KILN_OK;
}
