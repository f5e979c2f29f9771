/*
 * test_lazy.c — lazy compilation is real: in a module of 1,000 functions,
 * calling one compiles exactly the functions that call reaches; with
 * speculative compilation, the functions compiled code calls get compiled
 * without being called, and no others.
 *
 * Functions 0..9 each call the next and add 1; function 10 returns 0;
 * functions 11..999 return their index and are reached by nothing but
 * export "f500"; function 1000 ("spec") could call function 0 but does
 * not: it returns 7.  Built byte by byte (tests/unit/builder.h).
 */
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include <kiln.h>

#include "builder.h"

enum { NFUNCS = 1001, SPEC = 1000, CHAIN = 10 };

static void put_s32(buf *b, int32_t v)
{
	for (;;) {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) {
			put(b, byte);
			return;
		}
		put(b, byte | 0x80);
	}
}

static buf build(void)
{
	buf m = {0}, s = {0}, body = {0};

	mod_header(&m);
	PUT(&s, 1, 0x60, 0, 1, 0x7f);			/* () -> i32 */
	section(&m, 1, &s);
	put_u32(&s, NFUNCS);
	for (int i = 0; i < NFUNCS; i++)
		put(&s, 0);
	section(&m, 3, &s);
	put(&s, 3);
	put_name(&s, "entry"), PUT(&s, 0x00, 0);
	put_name(&s, "f500"), PUT(&s, 0x00), put_u32(&s, 500);
	put_name(&s, "spec"), PUT(&s, 0x00), put_u32(&s, SPEC);
	section(&m, 7, &s);
	put_u32(&s, NFUNCS);
	for (int i = 0; i < NFUNCS; i++) {
		if (i == SPEC) {	/* i32.const 0; if i32: call 0; else 7 */
			PUT(&body, 0, 0x41, 0, 0x04, 0x7f, 0x10, 0, 0x05, 0x41, 7, 0x0b, 0x0b);
		} else if (i < CHAIN) {	/* call i+1; i32.const 1; i32.add */
			PUT(&body, 0, 0x10), put_u32(&body, (uint32_t)i + 1);
			PUT(&body, 0x41, 1, 0x6a, 0x0b);
		} else {		/* i32.const (i == CHAIN ? 0 : i) */
			PUT(&body, 0, 0x41);
			put_s32(&body, i == CHAIN ? 0 : i);
			put(&body, 0x0b);
		}
		put_u32(&s, (uint32_t)body.n);
		put_n(&s, body.p, body.n);
		body.n = 0;
	}
	buf_free(&body);
	section(&m, 10, &s);
	return m;
}

static int call(kiln_instance *inst, const char *name)
{
	kiln_extern f;
	kiln_val r;
	kiln_trap_info trap;

	if (!kiln_instance_export(inst, (kiln_name){name, strlen(name)}, &f) ||
	    kiln_func_call(f, NULL, 0, &r, 1, &trap, NULL) != KILN_OK)
		return -1;
	return r.of.i32;
}

/* A module built, compiled by e and instantiated. */
static bool setup(kiln_engine *e, kiln_module **mod, kiln_instance **inst)
{
	buf m = build();
	kiln_error err;
	kiln_trap_kind trap;
	bool ok = kiln_module_new(m.p, m.n, mod, &err) == KILN_OK &&
		  kiln_module_compile(e, *mod, &err) == KILN_OK &&
		  kiln_instance_new(*mod, NULL, 0, inst, &trap, &err) == KILN_OK;

	buf_free(&m);
	if (!ok)
		printf("setup: %s\n", err.message);
	return ok;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Speculation: calling "spec" compiles it, then the chain it could call
 * (functions 0..10) on the engine's thread; nothing else, ever. */
static int speculative(void)
{
	kiln_config cfg = kiln_config_default();
	kiln_engine *e;
	kiln_module *mod;
	kiln_instance *inst;
	uint64_t n = 0;
	int failures = 0, v;

	cfg.speculative_compile = true;
	if (kiln_engine_new(&cfg, &e, NULL) != KILN_OK || !setup(e, &mod, &inst))
		return 1;
	v = call(inst, "spec");
	for (double end = now() + 30; now() < end && n < CHAIN + 2; usleep(1000))
		n = kiln_engine_stats_of(e).functions_compiled;
	usleep(200 * 1000);	/* time to compile more, which it must not */
	n = kiln_engine_stats_of(e).functions_compiled;
	printf("speculative: spec() = %d, %llu compiled\n", v, (unsigned long long)n);
	failures += v != 7 || n != CHAIN + 2;
	failures += call(inst, "entry") != CHAIN;
	failures += kiln_engine_stats_of(e).functions_compiled != CHAIN + 2;
	kiln_instance_delete(inst);
	kiln_module_delete(mod);
	/* A module deleted while its functions are being compiled ahead:
	 * nothing of it may be compiled after (the count stays; ASan
	 * watches the memory). */
	for (int k = 0; k < 4; k++) {
		uint64_t at_delete;
		if (!setup(e, &mod, &inst))
			return failures + 1;
		failures += call(inst, "spec") != 7;
		kiln_instance_delete(inst);
		kiln_module_delete(mod);
		at_delete = kiln_engine_stats_of(e).functions_compiled;
		usleep(200 * 1000);
		n = kiln_engine_stats_of(e).functions_compiled;
		if (n != at_delete) {
			printf("speculative: %llu compiled after the module was deleted\n",
			       (unsigned long long)(n - at_delete));
			failures++;
		}
	}
	kiln_engine_delete(e);
	return failures;
}

int main(void)
{
	kiln_engine *e;
	kiln_module *mod;
	kiln_instance *inst;
	uint64_t after_compile, after_entry, after_again, after_f500;
	int failures = 0, v;

	if (kiln_engine_new(NULL, &e, NULL) != KILN_OK || !setup(e, &mod, &inst))
		return 1;
	after_compile = kiln_engine_stats_of(e).functions_compiled;
	v = call(inst, "entry");
	after_entry = kiln_engine_stats_of(e).functions_compiled;
	call(inst, "entry");
	after_again = kiln_engine_stats_of(e).functions_compiled;
	int w = call(inst, "f500");
	after_f500 = kiln_engine_stats_of(e).functions_compiled;
	printf("compiled: %llu after compile, %llu after entry() = %d, %llu after "
	       "entry() again, %llu after f500() = %d\n",
	       (unsigned long long)after_compile, (unsigned long long)after_entry, v,
	       (unsigned long long)after_again, (unsigned long long)after_f500, w);
	failures += after_compile != 0;
	failures += v != CHAIN || after_entry != CHAIN + 1;
	failures += after_again != CHAIN + 1;
	failures += w != 500 || after_f500 != CHAIN + 2;
	kiln_instance_delete(inst);
	kiln_module_delete(mod);
	kiln_engine_delete(e);
	failures += speculative();
	printf("%s\n", failures ? "FAILED" : "exactly the reachable functions were compiled");
	return failures ? 1 : 0;
}
