/*
 * test_cache_key.c — the code cache's key for this machine needs no LLVM:
 * with KILN_LIBLLVM naming no library, kiln_cache_key still answers for
 * an engine compiling for the host, the same key on every CPU the process
 * may run on (the key is read from CPUID words, not per-core ones), one
 * that changes with the options that change code; an explicit target CPU
 * or feature list still asks LLVM, and so fails here, saying why.
 *
 * kiln-cache-key-test MODULE.wasm lazy|linked  (linked: a sanitizer build,
 * whose libkiln-compiler links libLLVM, so explicit targets still work)
 */
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "check.h"
#include "test_util.h"

static kiln_status key_of(kiln_config c, const uint8_t *b, size_t n, char key[65],
			  kiln_error *err)
{
	kiln_engine *e = NULL;
	kiln_status st;

	c.tiering = KILN_TIERING_INTERP;	/* an engine that sets up no JIT */
	if ((st = kiln_engine_new(&c, &e, err)) != KILN_OK)
		return st;
	st = kiln_cache_key(e, b, n, key, err);
	kiln_engine_delete(e);
	return st;
}

int main(int argc, char **argv)
{
	kiln_config c = kiln_config_default();
	char key[65], other[65];
	cpu_set_t all, one;
	kiln_error err;
	uint8_t *b;
	size_t n;

	if (argc != 3 || !(b = read_file(argv[1], &n)))
		return fprintf(stderr, "usage: kiln-cache-key-test MODULE.wasm lazy|linked\n"), 2;
	bool lazy = !strcmp(argv[2], "lazy");
	setenv("KILN_LIBLLVM", "/nonexistent/libLLVM-for-kiln-tests.so", 1);

	CHECK(key_of(c, b, n, key, &err) == KILN_OK, "host key without LLVM: %s", err.message);
	CHECK(strlen(key) == 64 && strspn(key, "0123456789abcdef") == 64, "key '%s'", key);
	CHECK(sched_getaffinity(0, sizeof all, &all) == 0, "sched_getaffinity");
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		CHECK(sched_setaffinity(0, sizeof one, &one) == 0, "pin to CPU %d", cpu);
		CHECK(key_of(c, b, n, other, &err) == KILN_OK && !strcmp(key, other),
		      "CPU %d: key %s, first %s", cpu, other, key);
	}
	sched_setaffinity(0, sizeof all, &all);

	kiln_config o1 = c;
	o1.opt_level = c.opt_level == 1 ? 2 : 1;
	CHECK(key_of(o1, b, n, other, &err) == KILN_OK && strcmp(key, other),
	      "another optimisation level, the same key %s", other);
	kiln_config native = c;
	native.target_cpu = "native";	/* the host, said explicitly */
	CHECK(key_of(native, b, n, other, &err) == KILN_OK && !strcmp(key, other),
	      "--target-cpu native: key %s, host %s", other, key);

	kiln_config generic = c;
	generic.target_cpu = "generic";
	kiln_status st = key_of(generic, b, n, other, &err);
	CHECK(lazy ? st != KILN_OK && strstr(err.message, "cannot load the compiler")
		   : st == KILN_OK && strcmp(key, other),
	      "generic CPU (%s LLVM): %s", argv[2], st ? err.message : other);
	kiln_config features = c;
	features.target_features = "+sse4.2";
	st = key_of(features, b, n, other, &err);
	CHECK(lazy ? st != KILN_OK && strstr(err.message, "cannot load the compiler")
		   : st == KILN_OK && strcmp(key, other),
	      "a feature list (%s LLVM): %s", argv[2], st ? err.message : other);
	free(b);
	if (failures == 0)
		printf("cache key: host key without LLVM, the same on every CPU\n");
	return failures ? 1 : 0;
}
