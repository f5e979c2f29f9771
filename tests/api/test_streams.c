/*
 * test_streams.c — a pre-linked instance template and WASI's in-memory
 * streams: one WASI instance, reset per "request" with new stdin bytes and
 * a stdout callback, and a kiln_instance_pre linked to it once serve
 * instances made plainly and in a pool; a failing stdout callback is EIO,
 * a positioned read of stdin ESPIPE; templates refuse what linking does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

typedef struct sink {
	char data[256];
	size_t len;
	bool refuse;
} sink;

static bool collect(void *p, const uint8_t *bytes, size_t len)
{
	sink *s = p;

	if (s->refuse || len > sizeof s->data - s->len)
		return false;
	memcpy(s->data + s->len, bytes, len);
	s->len += len;
	return true;
}

/* Runs `fn` of a new instance of the template, with stdin `in`; its
 * result, or -1 when something failed. */
static int run(kiln_instance_pre *pre, kiln_pool *pool, kiln_instance *wasi, const char *in,
	       sink *out, const char *fn)
{
	kiln_wasi_config wc = {.stdin_bytes = (const uint8_t *)in, .stdin_len = strlen(in),
			       .stdout_write = collect, .stdout_data = out};
	kiln_instance *inst;
	kiln_error err;
	kiln_val r = {0};
	int rc = -1;

	out->len = 0;
	if (kiln_wasi_reset(wasi, &wc, &err) != KILN_OK ||
	    kiln_instance_pre_instantiate(pre, pool, &inst, NULL, &err) != KILN_OK) {
		printf("FAIL: instantiate: %s\n", err.message);
		failures++;
		return -1;
	}
	kiln_wasi_set_memory(wasi, export(inst, "memory"));
	if (kiln_func_call(export(inst, fn), NULL, 0, &r, 1, NULL, &err) == KILN_OK)
		rc = r.of.i32;
	kiln_instance_delete(inst);
	return rc;
}

int main(int argc, char **argv)
{
	kiln_engine *engine;
	kiln_module *m;
	kiln_instance *wasi;
	kiln_linker *l;
	kiln_instance_pre *pre, *bad;
	kiln_pool *pool;
	kiln_error err;
	kiln_wasi_config wc = {0};
	sink out = {.len = 0};
	size_t len;
	uint8_t *bytes;

	if (argc != 2 || !(bytes = read_file(argv[1], &len))) {
		fprintf(stderr, "usage: kiln-streams-test STREAMS.wasm\n");
		return 2;
	}
	if (kiln_engine_new(NULL, &engine, &err) != KILN_OK ||
	    kiln_module_new(bytes, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(engine, m, &err) != KILN_OK ||
	    kiln_wasi_new(&wc, &wasi, &err) != KILN_OK || kiln_linker_new(&l, &err) != KILN_OK ||
	    kiln_linker_define_instance(l, "wasi_snapshot_preview1", wasi, &err) != KILN_OK ||
	    kiln_linker_instantiate_pre(l, m, &pre, &err) != KILN_OK ||
	    kiln_pool_new(NULL, &pool, &err) != KILN_OK) {
		fprintf(stderr, "setup: %s\n", err.message);
		return 1;
	}
	CHECK(kiln_instance_pre_module(pre) == m, "the template's module");

	/* Request after request through one WASI instance and one template. */
	static const char *const inputs[] = {"hello", "", "a longer line of input\n", "xyz"};
	for (int i = 0; i < 8; i++) {
		const char *in = inputs[i % 4];
		char want[128];
		int rc = run(pre, i % 2 ? pool : NULL, wasi, in, &out, "echo");
		snprintf(want, sizeof want, "%s%s", in, in);
		CHECK(rc == 0 && out.len == strlen(want) && !memcmp(out.data, want, out.len),
		      "echo '%s' (%s): rc %d, out '%.*s'", in, i % 2 ? "pooled" : "plain", rc,
		      (int)out.len, out.data);
	}
	CHECK(kiln_pool_live(pool) == 0, "pooled instances given back: %u live", kiln_pool_live(pool));
	out.refuse = true;
	CHECK(run(pre, pool, wasi, "abc", &out, "echo") == 29, "a refused write is EIO");
	out.refuse = false;
	CHECK(run(pre, NULL, wasi, "abcd", &out, "pread") == 70, "pread of stdin is ESPIPE");

	/* A template refuses what instantiation would. */
	CHECK(kiln_instance_pre_new(m, NULL, 0, &bad, &err) == KILN_ERR_LINK && bad == NULL,
	      "a template without imports: %s", err.message);
	kiln_extern three[3] = {export(wasi, "fd_write"), export(wasi, "fd_write"),
				export(wasi, "fd_pread")};
	CHECK(kiln_instance_pre_new(m, three, 3, &bad, &err) == KILN_OK, "a good template: %s",
	      err.message);
	kiln_instance_pre_delete(bad);
	three[2] = export(wasi, "fd_read");
	CHECK(kiln_instance_pre_new(m, three, 3, &bad, &err) == KILN_ERR_LINK && bad == NULL,
	      "a template with a mismatched signature: %s", err.message);
	kiln_linker *empty;
	kiln_linker_new(&empty, &err);
	CHECK(kiln_linker_instantiate_pre(empty, m, &bad, &err) == KILN_ERR_LINK &&
	      strstr(err.message, "unknown import"), "unknown import: %s", err.message);
	kiln_linker_delete(empty);
	kiln_instance_pre_delete(NULL);

	kiln_instance_pre_delete(pre);
	kiln_linker_delete(l);
	kiln_pool_delete(pool);
	kiln_instance_delete(wasi);
	kiln_module_delete(m);
	kiln_engine_delete(engine);
	free(bytes);
	if (failures == 0)
		printf("instance templates and in-memory streams: all checks passed\n");
	return failures ? 1 : 0;
}
