/*
 * capi_multi.c — host functions of several results, through an adapter
 * written in wasm.
 *
 * kiln's host functions return at most one value: their native entry is
 * a C function, and compiled code returns several values as LLVM's struct
 * of results (registers, x87, or memory), which libffi cannot describe.
 * So a wasm.h host function of type (P...) -> (R1, ..., Rn), n > 1, is a
 * small wasm module made for it, compiled by the store's engine:
 *
 *   (import "h" "call" (func $call (param P...)))       ;; the callback
 *   (import "h" "i32" (func (param i32) (result i32)))   ;; one getter per
 *   ...                                                  ;; result type
 *   (func (export "f") (param P...) (result R1 ... Rn)
 *     (call $call (local.get 0) ...)
 *     (call $get_R1 (i32.const 0)) ... (call $get_Rn (i32.const n-1)))
 *
 * $call runs the callback (host_entry, capi_extern.c) and leaves its
 * results in a thread-local buffer, which the getters read back at once:
 * nothing runs on the thread between $call returning and the getters, and
 * a nested call of another such function finishes before $call writes.
 * The module's `f` is the function importers and wasm_func_call see.  It
 * costs a wasm frame and n + 1 host calls a call; a native entry of
 * several results (the interpreter's adapter does it) would replace it.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* The reference-typed and numeric result types, one getter each. */
static const kiln_valtype kinds[] = {
	KILN_I32, KILN_I64, KILN_F32, KILN_F64, KILN_FUNCREF, KILN_EXTERNREF,
};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

struct capi_adapter {
	kiln_valtype *types;		/* of `type` */
	kiln_functype type;		/* the callback's: all its results */
	kiln_host_func *getters[NKINDS];
	kiln_module *module;
	kiln_instance *instance;
};

static _Thread_local kiln_val results[CAPI_MAX_RESULTS];

kiln_val *capi_adapter_results(void)
{
	return results;
}

/* A getter: results[index] (the adapter asks only for what $call left). */
static void get(kiln_caller *caller, const kiln_val *args, kiln_val *out)
{
	(void)caller;
	out[0] = results[(uint32_t)args[0].of.i32 % CAPI_MAX_RESULTS];
}

/* ------------------------------------------------- the adapter's bytes */

typedef struct buf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
} buf;

static void put(buf *b, uint8_t byte)
{
	if (b->len == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		uint8_t *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = byte;
}

static void uleb(buf *b, uint32_t v)
{
	do {
		put(b, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

/* A non-negative i32.const immediate (signed LEB128). */
static void sleb(buf *b, uint32_t v)
{
	while (v > 0x3f) {
		put(b, (uint8_t)((v & 0x7f) | 0x80));
		v >>= 7;
	}
	put(b, (uint8_t)v);
}

static void name(buf *b, const char *s)
{
	uleb(b, (uint32_t)strlen(s));
	while (*s)
		put(b, (uint8_t)*s++);
}

/* Appends section `id` holding `body`'s bytes. */
static void section(buf *b, uint8_t id, buf *body)
{
	put(b, id);
	uleb(b, (uint32_t)body->len);
	for (size_t i = 0; i < body->len; i++)
		put(b, body->p[i]);
	b->failed |= body->failed;
	body->len = 0;
}

static void functype(buf *b, const kiln_valtype *params, uint32_t np,
		     const kiln_valtype *results_, uint32_t nr)
{
	put(b, 0x60);
	uleb(b, np);
	for (uint32_t i = 0; i < np; i++)
		put(b, (uint8_t)params[i]);
	uleb(b, nr);
	for (uint32_t i = 0; i < nr; i++)
		put(b, (uint8_t)results_[i]);
}

static uint32_t kind_index(kiln_valtype t)
{
	uint32_t k = 0;

	while (k < NKINDS - 1 && kinds[k] != t)
		k++;
	return k;
}

/* The code section: f's body, calling $call and then the getters. */
static void adapter_code(const kiln_functype *ft, buf *s)
{
	buf body = {0};

	put(&body, 0x00);			/* no locals */
	for (uint32_t i = 0; i < ft->nparams; i++) {
		put(&body, 0x20);		/* local.get i */
		uleb(&body, i);
	}
	put(&body, 0x10);			/* call $call */
	uleb(&body, 0);
	for (uint32_t i = 0; i < ft->nresults; i++) {
		put(&body, 0x41);		/* i32.const i */
		sleb(&body, i);
		put(&body, 0x10);		/* call the getter of its type */
		uleb(&body, 1 + kind_index(ft->results[i]));
	}
	put(&body, 0x0b);			/* end */
	uleb(s, 1);
	uleb(s, (uint32_t)body.len);
	for (size_t i = 0; i < body.len; i++)
		put(s, body.p[i]);
	s->failed |= body.failed;
	free(body.p);
}

/* The module above for ft: types 0 (f), 1 ($call), 2 + k (getter k);
 * imports $call then the NKINDS getters; the function f, exported. */
static void adapter_bytes(const kiln_functype *ft, buf *b)
{
	static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
	static const kiln_valtype i32[] = {KILN_I32};
	static const char *const getter_names[NKINDS] = {"i32", "i64", "f32", "f64", "funcref",
							  "externref"};
	buf s = {0};

	for (size_t i = 0; i < sizeof header; i++)
		put(b, header[i]);
	uleb(&s, 2 + NKINDS);
	functype(&s, ft->params, ft->nparams, ft->results, ft->nresults);
	functype(&s, ft->params, ft->nparams, NULL, 0);
	for (uint32_t k = 0; k < NKINDS; k++)
		functype(&s, i32, 1, &kinds[k], 1);
	section(b, 1, &s);
	uleb(&s, 1 + NKINDS);
	for (uint32_t k = 0; k <= NKINDS; k++) {
		name(&s, "h");
		name(&s, k == 0 ? "call" : getter_names[k - 1]);
		put(&s, 0x00);
		uleb(&s, 1 + k);
	}
	section(b, 2, &s);
	uleb(&s, 1);			/* one function, of type 0 */
	uleb(&s, 0);
	section(b, 3, &s);
	uleb(&s, 1);			/* one export: "f", function 1 + NKINDS */
	name(&s, "f");
	put(&s, 0x00);
	uleb(&s, 1 + NKINDS);
	section(b, 7, &s);
	adapter_code(ft, &s);
	section(b, 10, &s);
	free(s.p);
}

/* ------------------------------------------------------------ adapters */

void capi_adapter_delete(capi_adapter *a)
{
	if (a == NULL)
		return;
	kiln_instance_delete(a->instance);
	kiln_module_delete(a->module);
	for (uint32_t k = 0; k < NKINDS; k++)
		kiln_host_func_delete(a->getters[k]);
	free(a->types);
	free(a);
}

/* Its getters, the imports after $call. */
static bool make_getters(capi_adapter *a, kiln_extern *imports)
{
	static const kiln_valtype i32[] = {KILN_I32};

	for (uint32_t k = 0; k < NKINDS; k++) {
		kiln_functype gt = {1, 1, i32, &kinds[k]};
		if (kiln_host_func_new(&gt, NULL, get, NULL, &a->getters[k], NULL) != KILN_OK)
			return false;
		imports[1 + k] = kiln_host_func_extern(a->getters[k]);
	}
	return true;
}

capi_adapter *capi_adapter_new(kiln_engine *engine, const kiln_functype *ft,
			       kiln_host_func *call, kiln_extern *out)
{
	capi_adapter *a = calloc(1, sizeof *a);
	size_t n = ft->nparams + ft->nresults;
	kiln_extern imports[1 + NKINDS];
	buf b = {0};

	if (a == NULL || ft->nresults > CAPI_MAX_RESULTS || !(a->types = malloc(n * sizeof *a->types)))
		goto fail;
	memcpy(a->types, ft->params, ft->nparams * sizeof *a->types);
	memcpy(a->types + ft->nparams, ft->results, ft->nresults * sizeof *a->types);
	a->type = (kiln_functype){ft->nparams, ft->nresults, a->types, a->types + ft->nparams};
	imports[0] = kiln_host_func_extern(call);
	if (!make_getters(a, imports))
		goto fail;
	adapter_bytes(ft, &b);
	if (b.failed || kiln_module_new(b.p, b.len, &a->module, NULL) != KILN_OK ||
	    kiln_module_compile(engine, a->module, NULL) != KILN_OK ||
	    kiln_instance_new(a->module, imports, 1 + NKINDS, &a->instance, NULL, NULL) != KILN_OK ||
	    !kiln_instance_export(a->instance, (kiln_name){"f", 1}, out))
		goto fail;
	free(b.p);
	return a;
fail:
	free(b.p);
	capi_adapter_delete(a);
	return NULL;
}

const kiln_functype *capi_adapter_type(const capi_adapter *a)
{
	return &a->type;
}
