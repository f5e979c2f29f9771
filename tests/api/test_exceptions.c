/*
 * test_exceptions.c — wasm exceptions through the public API: thrown by a
 * host function and caught by wasm, thrown by wasm and caught by nobody
 * (the embedder gets the tag and the values), thrown on by a host
 * function from a nested call, unwound through many frames, freed once
 * caught; the standard form (try_table, throw_ref, exnref) from bytes.
 * Under the JIT and from an artifact, and under the JIT once more in a
 * JITDylib freed modules left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

/* try_table with each kind of catch, throw_ref, a null exnref, a catch
 * that does not match (exports tt, tt_ref, tt_all, null_ref, no_match and
 * tag t0); wabt 1.0.32 cannot write these. */
static const uint8_t standard[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x03, 0x60, 0x01, 0x7f,
	0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x03, 0x06, 0x05, 0x00, 0x00,
	0x00, 0x02, 0x01, 0x0d, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01, 0x07, 0x33, 0x06, 0x02,
	0x74, 0x74, 0x00, 0x00, 0x06, 0x74, 0x74, 0x5f, 0x72, 0x65, 0x66, 0x00, 0x01, 0x06,
	0x74, 0x74, 0x5f, 0x61, 0x6c, 0x6c, 0x00, 0x02, 0x08, 0x6e, 0x75, 0x6c, 0x6c, 0x5f,
	0x72, 0x65, 0x66, 0x00, 0x03, 0x08, 0x6e, 0x6f, 0x5f, 0x6d, 0x61, 0x74, 0x63, 0x68,
	0x00, 0x04, 0x02, 0x74, 0x30, 0x04, 0x00, 0x0a, 0x60, 0x05, 0x16, 0x00, 0x02, 0x7f,
	0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x08, 0x00, 0x0b, 0x41, 0x7f, 0x0b,
	0x41, 0xe4, 0x00, 0x6a, 0x0b, 0x1c, 0x00, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x00,
	0x00, 0x02, 0x69, 0x1f, 0x40, 0x01, 0x03, 0x00, 0x20, 0x00, 0x08, 0x00, 0x0b, 0x00,
	0x0b, 0x0a, 0x0b, 0x00, 0x0b, 0x0b, 0x11, 0x00, 0x02, 0x40, 0x1f, 0x40, 0x01, 0x02,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x0b, 0x0b, 0x41, 0x07, 0x0b, 0x05, 0x00, 0xd0, 0x69,
	0x0a, 0x0b, 0x12, 0x00, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x01, 0x00, 0x20, 0x00,
	0x08, 0x00, 0x0b, 0x00, 0x0b, 0x1a, 0x0b
};

static kiln_extern host_tag;

/* throw(n): throws host_tag with 2n, or returns when n is 0. */
static void hthrow(kiln_caller *c, int32_t n)
{
	kiln_val v = {KILN_I32, {.i32 = 2 * n}};

	if (n)
		kiln_caller_throw(c, host_tag, &v, 1);
}

/* reenter(n): calls the caller's throw_e(n), which throws $e; the
 * exception comes back as KILN_ERR_EXCEPTION and is thrown on. */
static int32_t reenter(kiln_caller *c, int32_t n)
{
	kiln_extern f = export(kiln_caller_instance(c), "throw_e");
	kiln_val arg = {KILN_I32, {.i32 = n}}, r;
	kiln_trap_info trap;

	if (kiln_func_call(f, &arg, 1, &r, 1, &trap, NULL) != KILN_ERR_EXCEPTION ||
	    !trap.exception)
		kiln_caller_trap(c);
	kiln_caller_rethrow(c, trap.exception);
}

static int32_t call1(kiln_instance *inst, const char *name, int32_t a, kiln_status want,
		     kiln_trap_info *trap)
{
	kiln_val arg = {KILN_I32, {.i32 = a}}, r = {0};
	kiln_error err;
	kiln_status st = kiln_func_call(export(inst, name), &arg, 1, &r, 1, trap, &err);

	CHECK(st == want, "%s(%d): status %d (%s), want %d", name, a, st,
	      st ? err.message : "ok", want);
	return r.of.i32;
}

static void legacy(kiln_instance *inst, const char *mode)
{
	kiln_trap_info trap;
	kiln_error err;
	size_t n;

	CHECK(call1(inst, "catch_host", 21, KILN_OK, &trap) == 43, "%s: host throw caught", mode);
	CHECK(call1(inst, "catch_host", 0, KILN_OK, &trap) == -1, "%s: no throw", mode);
	/* Uncaught: the embedder gets the tag and the values. */
	call1(inst, "uncaught", 7, KILN_ERR_EXCEPTION, &trap);
	CHECK(trap.kind == KILN_TRAP_UNCAUGHT_EXCEPTION && trap.exception, "%s: kind %d", mode,
	      trap.kind);
	if (trap.exception) {
		const kiln_val *v = kiln_exception_values(trap.exception, &n);
		CHECK(kiln_exception_tag(trap.exception).handle == export(inst, "own").handle &&
		      kiln_exception_tag(trap.exception).kind == KILN_EXTERN_TAG,
		      "%s: the tag is the module's own", mode);
		CHECK(n == 2 && v[0].type == KILN_I32 && v[0].of.i32 == 7 && v[1].type == KILN_F64 &&
		      v[1].of.f64 == 2.5, "%s: values", mode);
		CHECK(trap.nframes >= 1, "%s: where it was thrown", mode);
		kiln_exception_delete(trap.exception);
	}
	kiln_externtype tt = kiln_extern_type(export(inst, "own"));
	CHECK(tt.kind == KILN_EXTERN_TAG && tt.u.tag->nparams == 2, "%s: tag type", mode);
	CHECK(call1(inst, "deep", 1000, KILN_OK, &trap) == 42, "%s: caught 1000 frames up", mode);
	CHECK(call1(inst, "via_host", 5, KILN_OK, &trap) == 1005, "%s: rethrown by the host",
	      mode);
	CHECK(kiln_func_call(export(inst, "trap_in_try"), NULL, 0,
			     &(kiln_val){0}, 1, &trap, &err) == KILN_ERR_TRAP &&
	      trap.kind == KILN_TRAP_UNREACHABLE, "%s: a trap is not caught", mode);
	/* A million exceptions: caught ones are freed as they go. */
	long before = rss_kb();
	uint32_t sum = 0;
	for (uint32_t k = 1; k <= 1000000; k++)
		sum += k;
	CHECK((uint32_t)call1(inst, "loop_throw", 1000000, KILN_OK, &trap) == sum,
	      "%s: loop_throw", mode);
	CHECK((uint32_t)call1(inst, "loop_cleanup", 1000000, KILN_OK, &trap) == sum,
	      "%s: loop_cleanup", mode);
#if defined(__SANITIZE_ADDRESS__)
	/* Its quarantine keeps what is freed: the RSS says nothing. */
	printf("%s: RSS not checked under AddressSanitizer (%ld KiB more)\n", mode,
	       rss_kb() - before);
#else
	CHECK(rss_kb() - before < 32 * 1024, "%s: %ld KiB more after 2,000,000 exceptions",
	      mode, rss_kb() - before);
#endif
}

static void standard_form(kiln_instance *inst, const char *mode)
{
	kiln_trap_info trap;

	CHECK(call1(inst, "tt", 5, KILN_OK, &trap) == 105, "%s: try_table catch", mode);
	CHECK(call1(inst, "tt_ref", 6, KILN_OK, &trap) == 6, "%s: catch_all_ref, throw_ref",
	      mode);
	CHECK(call1(inst, "tt_all", 1, KILN_OK, &trap) == 7, "%s: catch_all", mode);
	CHECK(kiln_func_call(export(inst, "null_ref"), NULL, 0, NULL, 0, &trap, NULL) ==
	      KILN_ERR_TRAP && trap.kind == KILN_TRAP_NULL_EXNREF, "%s: throw_ref null", mode);
	kiln_val arg = {KILN_I32, {.i32 = 3}};
	CHECK(kiln_func_call(export(inst, "no_match"), &arg, 1, NULL, 0, &trap, NULL) ==
	      KILN_ERR_EXCEPTION && trap.exception &&
	      kiln_exception_tag(trap.exception).handle == export(inst, "t0").handle,
	      "%s: no catch matches", mode);
	kiln_exception_delete(trap.exception);
	/* No out_trap: the exception is freed for the caller. */
	CHECK(kiln_func_call(export(inst, "no_match"), &arg, 1, NULL, 0, NULL, NULL) ==
	      KILN_ERR_EXCEPTION, "%s: without trap info", mode);
}

/* Each tt_ref keeps an exnref (pinned for the instance's life): with
 * max_exceptions 10, the eleventh throw traps; a fresh instance throws
 * again. */
static void limited(kiln_module *s, const char *mode)
{
	kiln_instance_limits lim = {.max_exceptions = 10};
	kiln_instance *inst;
	kiln_trap_info trap;
	kiln_trap_kind tk;
	kiln_error err;

	for (int round = 0; round < 2; round++) {
		if (kiln_instance_new_limited(NULL, s, NULL, 0, &lim, &inst, &tk, &err)) {
			CHECK(0, "%s: limited instance: %s", mode, err.message);
			return;
		}
		for (int k = 0; k < 10; k++)
			CHECK(call1(inst, "tt_ref", k, KILN_OK, &trap) == k, "%s: pinned %d", mode, k);
		call1(inst, "tt_ref", 10, KILN_ERR_TRAP, &trap);
		CHECK(trap.kind == KILN_TRAP_TOO_MANY_EXCEPTIONS, "%s: the eleventh: %s", mode,
		      kiln_trap_message(trap.kind));
		kiln_instance_delete(inst);
	}
}

/* m compiled by e, or loaded from its artifact. */
static kiln_module *prepare(kiln_engine *e, const uint8_t *bytes, size_t len, bool aot)
{
	kiln_module *m = NULL, *loaded = NULL;
	kiln_error err;
	uint8_t *art;
	size_t alen;

	if (kiln_module_new(bytes, len, &m, &err) || kiln_module_compile(e, m, &err)) {
		printf("setup: %s\n", err.message);
		exit(1);
	}
	if (!aot)
		return m;
	if (kiln_module_serialize(e, m, &art, &alen, &err) ||
	    kiln_module_load(art, alen, &loaded, &err)) {
		printf("artifact: %s\n", err.message);
		exit(1);
	}
	free(art);
	kiln_module_delete(m);
	return loaded;
}

int main(int argc, char **argv)
{
	static const kiln_valtype i[] = {KILN_I32};
	kiln_functype t_i = {1, 0, i, NULL}, t_ii = {1, 1, i, i};
	kiln_host_func *h_throw, *h_re;
	kiln_host_tag *tag;
	kiln_engine *e;
	kiln_error err;
	size_t len;
	uint8_t *bytes;

	if (argc != 2 || !(bytes = read_file(argv[1], &len)))
		return 2;
	if (kiln_host_tag_new(&t_i, &tag, &err) ||
	    kiln_host_func_new(&t_i, (kiln_native_fn)hthrow, NULL, NULL, &h_throw, &err) ||
	    kiln_host_func_new(&t_ii, (kiln_native_fn)reenter, NULL, NULL, &h_re, &err) ||
	    kiln_engine_new(NULL, &e, &err)) {
		printf("setup: %s\n", err.message);
		return 1;
	}
	host_tag = kiln_host_tag_extern(tag);
	CHECK(kiln_host_tag_new(&t_ii, &(kiln_host_tag *){NULL}, &err) == KILN_ERR_ARG,
	      "a tag type with results is refused");
	for (int aot = 0; aot < 2; aot++) {
		const char *mode = aot ? "artifact" : "JIT";
		kiln_module *m = prepare(e, bytes, len, aot);
		kiln_module *s = prepare(e, standard, sizeof standard, aot);
		kiln_linker *l;
		kiln_instance *inst, *sinst;
		kiln_trap_kind tk;
		if (kiln_linker_new(&l, &err) ||
		    kiln_linker_define(l, "host", "tag", host_tag, &err) ||
		    kiln_linker_define(l, "host", "throw", kiln_host_func_extern(h_throw), &err) ||
		    kiln_linker_define(l, "host", "reenter", kiln_host_func_extern(h_re), &err) ||
		    kiln_linker_instantiate(l, m, &inst, &tk, &err) ||
		    kiln_instance_new(s, NULL, 0, &sinst, &tk, &err)) {
			printf("%s: %s\n", mode, err.message);
			return 1;
		}
		legacy(inst, mode);
		standard_form(sinst, mode);
		limited(s, mode);
		/* A tag of another type does not link. */
		kiln_host_tag *other;
		kiln_functype t_none = {0, 0, NULL, NULL};
		kiln_instance *bad;
		kiln_host_tag_new(&t_none, &other, &err);
		kiln_linker_define(l, "host", "tag", kiln_host_tag_extern(other), &err);
		CHECK(kiln_linker_instantiate(l, m, &bad, &tk, &err) == KILN_ERR_LINK,
		      "%s: a tag of another type is refused", mode);
		kiln_host_tag_delete(other);
		kiln_instance_delete(sinst);
		kiln_instance_delete(inst);
		kiln_linker_delete(l);
		kiln_module_delete(s);
		kiln_module_delete(m);
	}
	/* The engine's JIT now reuses the freed modules' JITDylibs, cleared of
	 * every symbol: the personality's must be defined anew (found by the
	 * differential tester: "Symbols not found: DW.ref.krt_eh_personality"). */
	kiln_module *again = prepare(e, standard, sizeof standard, false);
	kiln_instance *ainst;
	if (kiln_instance_new(again, NULL, 0, &ainst, NULL, &err)) {
		printf("again: %s\n", err.message);
		return 1;
	}
	standard_form(ainst, "JIT, a freed module's JITDylib");
	kiln_instance_delete(ainst);
	kiln_module_delete(again);
	kiln_host_func_delete(h_throw);
	kiln_host_func_delete(h_re);
	kiln_host_tag_delete(tag);
	kiln_engine_delete(e);
	free(bytes);
	printf("%s\n", failures ? "FAILED" : "exceptions: host and wasm throw, catch, rethrow");
	return failures != 0;
}
