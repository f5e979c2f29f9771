/*
 * diff.c — differential testing: modules from gen.c run under kiln's JIT
 * at tier 1 only (-O2), at tier 0 only (no IR passes, -O0 code
 * generation), tiered with a threshold of 1 (every function's first call
 * in tier-0 code with its counters, later calls in tier-1 code once a
 * background thread has swapped it in), in kiln's interpreter (its SIMD
 * functions compiled; a module it refused would be left out of that way),
 * through a kiln AOT artifact, and under wabt's wasm-interp (the reference
 * interpreter of another project); every export's result, or the fact that
 * it trapped, must agree.  Between kiln's five the trap messages must agree too.
 *
 * kiln-diff [--start SEED] [--count N] [--interp PATH|none] [--keep DIR] [--scalar]
 *           [--features LIST]
 * kiln-diff [--scalar] [--features LIST] --dump SEED FILE.wasm
 *
 * --scalar: modules without v128 values (kiln_gen_scalar_module), so that
 * the interpreter runs every one of them; before --dump, such a module.
 * --features: proposals past 2.0 the modules use too, a comma-separated
 * list of extended-const, tail-call, multi-memory, relaxed-simd, exceptions
 * or all (wasm-interp gets its --enable- flags).  Relaxed SIMD's results are
 * each engine's own choice: with it kiln's ways are compared among
 * themselves only, never with wasm-interp; so too with exceptions (wabt
 * 1.0.32's interpreter unwinds wrongly).  An uncaught exception is an
 * outcome as a trap is, "exception: tN VALUES" (against wasm-interp,
 * "error: uncaught exception", only the fact).
 *
 * Each export is called in order in one instance (as wasm-interp's
 * --run-all-exports does), so state carries from one call to the next.
 * Prints a line per divergence (the module is kept in DIR, default /tmp)
 * and a summary; exits 1 when any module diverged or was invalid (a
 * generator bug), 2 on bad usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kiln.h>

#include "gen.h"

#define MAX_EXPORTS 16
#define RESULT_LEN 160	/* an exception of three v128s: 117 */

typedef struct outcome {
	uint32_t n;
	char name[MAX_EXPORTS][16];
	/* "i64:N", "trap: MESSAGE" or "exception: tN VALUES" */
	char result[MAX_EXPORTS][RESULT_LEN];
} outcome;

/* The tag of an uncaught exception as the generator exports it ("tN"). */
static int tag_index(kiln_instance *inst, const kiln_exception *x)
{
	kiln_extern tag = kiln_exception_tag(x), t;
	char name[16];

	for (int k = 0;; k++) {
		int n = snprintf(name, sizeof name, "t%d", k);
		if (!kiln_instance_export(inst, (kiln_name){name, (size_t)n}, &t))
			return -1;
		if (t.handle == tag.handle)
			return k;
	}
}

/* "exception: tN" and the values (numbers' bits, references null or not)
 * into r, of size RESULT_LEN; the exception is deleted. */
static void exception_result(kiln_instance *inst, kiln_exception *x, char *r)
{
	size_t nv, n = (size_t)snprintf(r, RESULT_LEN, "exception: t%d", tag_index(inst, x));
	const kiln_val *v = kiln_exception_values(x, &nv);

	for (size_t i = 0; i < nv && n < RESULT_LEN; i++) {
		char b[40];
		switch (v[i].type) {
		case KILN_I32: case KILN_F32:
			snprintf(b, sizeof b, " %" PRIx32, (uint32_t)v[i].of.i32);
			break;
		case KILN_I64: case KILN_F64:
			snprintf(b, sizeof b, " %" PRIx64, (uint64_t)v[i].of.i64);
			break;
		case KILN_V128: {
			uint64_t h[2];
			memcpy(h, v[i].of.v128, 16);
			snprintf(b, sizeof b, " %" PRIx64 ":%" PRIx64, h[1], h[0]);
			break;
		}
		default:
			snprintf(b, sizeof b, " %s", v[i].of.ref ? "ref" : "null");
		}
		n += (size_t)snprintf(r + n, RESULT_LEN - n, "%s", b);
	}
	kiln_exception_delete(x);
}

/* "trap: compile error: WHY" (the engine's first compile error) into r. */
static void compile_error(kiln_engine *e, char *r)
{
	int n = snprintf(r, RESULT_LEN, "trap: %s: ", kiln_trap_message(KILN_TRAP_COMPILE_FAILED));

	kiln_engine_compile_error(e, r + n, RESULT_LEN - (size_t)n);
}

static bool run_kiln(kiln_engine *e, kiln_module *m, outcome *out, char *why, size_t whylen)
{
	kiln_instance *inst;
	kiln_error err;

	out->n = 0;
	if (e && kiln_module_compile(e, m, &err) != KILN_OK) {
		snprintf(why, whylen, "compile: %s", err.message);
		return false;
	}
	if (kiln_instance_new(m, NULL, 0, &inst, NULL, &err) != KILN_OK) {
		snprintf(why, whylen, "instantiate: %s", err.message);
		return false;
	}
	for (size_t i = 0; i < kiln_module_export_count(m) && out->n < MAX_EXPORTS; i++) {
		kiln_export_info x = kiln_module_export(m, i);
		kiln_extern f;
		kiln_val r;
		kiln_trap_info t = {0};
		kiln_status st;
		if (x.kind != KILN_EXTERN_FUNC || !kiln_instance_export(inst, x.name, &f))
			continue;
		snprintf(out->name[out->n], sizeof out->name[0], "%.*s", (int)x.name.len, x.name.data);
		if ((st = kiln_func_call(f, NULL, 0, &r, 1, &t, &err)) == KILN_OK)
			snprintf(out->result[out->n], RESULT_LEN, "i64:%" PRIu64, (uint64_t)r.of.i64);
		else if (st == KILN_ERR_EXCEPTION && t.exception)
			exception_result(inst, t.exception, out->result[out->n]);
		else if (t.kind == KILN_TRAP_COMPILE_FAILED && e)	/* a kiln bug: why */
			compile_error(e, out->result[out->n]);
		else
			snprintf(out->result[out->n], RESULT_LEN, "trap: %s", kiln_trap_message(t.kind));
		out->n++;
	}
	kiln_instance_delete(inst);
	return true;
}

/* The proposals of --features: the bit, its name (wast2json's and
 * wasm-interp's --enable- flag names it so too). */
static const struct { unsigned bit; const char *name; } features[] = {
	{KILN_GEN_EXTENDED_CONST, "extended-const"}, {KILN_GEN_TAIL_CALL, "tail-call"},
	{KILN_GEN_MULTI_MEMORY, "multi-memory"}, {KILN_GEN_RELAXED_SIMD, "relaxed-simd"},
	{KILN_GEN_MEMORY64, "memory64"}, {KILN_GEN_EXCEPTIONS, "exceptions"},
};
#define NFEATURES (sizeof features / sizeof *features)

/* The bit of one name of the list (n bytes), 0 for an unknown one. */
static unsigned feature_bit(const char *name, size_t n)
{
	if (n == 3 && !strncmp(name, "all", 3))
		return KILN_GEN_ALL;
	for (size_t i = 0; i < NFEATURES; i++)
		if (strlen(features[i].name) == n && !strncmp(name, features[i].name, n))
			return features[i].bit;
	return 0;
}

/* The bits of a comma-separated list; false for an unknown name. */
static bool parse_features(const char *list, unsigned *bits)
{
	*bits = 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		unsigned b = feature_bit(list, n);
		if (!b)
			return false;
		*bits |= b;
		list += n + (list[n] == ',');
	}
	return true;
}

/* wasm-interp's --enable- flags for the features (in cmd, of size len). */
static void interp_flags(unsigned bits, char *cmd, size_t len)
{
	size_t n = 0;

	cmd[0] = 0;
	for (size_t i = 0; i < NFEATURES; i++)
		if (bits & features[i].bit)
			n += (size_t)snprintf(cmd + n, n < len ? len - n : 0, " --enable-%s",
					      features[i].name);
}

/* wasm-interp --run-all-exports: "f0() => i64:123" or "f0() => error: ..."
 * ("error: uncaught exception": "exception", without the tag). */
static bool run_interp(const char *interp, const char *flags, const char *path, outcome *out)
{
	char cmd[1024], line[512];
	FILE *p;

	snprintf(cmd, sizeof cmd, "%s%s --run-all-exports '%s' 2>&1", interp, flags, path);
	if (!(p = popen(cmd, "r")))
		return false;
	out->n = 0;
	while (fgets(line, sizeof line, p) && out->n < MAX_EXPORTS) {
		char *arrow = strstr(line, "() => ");
		if (!arrow)
			continue;
		*arrow = 0;
		snprintf(out->name[out->n], sizeof out->name[0], "%.15s", line);
		char *v = arrow + 6;
		v[strcspn(v, "\n")] = 0;
		if (!strcmp(v, "error: uncaught exception"))
			v = "exception";
		else if (!strncmp(v, "error:", 6))
			v = "trap";
		snprintf(out->result[out->n], RESULT_LEN, "%.90s", v);
		out->n++;
	}
	return pclose(p) == 0;
}

/* The first difference between two outcomes, or -1; traps_only compares
 * "trapped" rather than the message, and "threw" rather than the tag and
 * values (wasm-interp says neither). */
static int differ(const outcome *a, const outcome *b, bool traps_only)
{
	if (a->n != b->n)
		return 0;
	for (uint32_t i = 0; i < a->n; i++) {
		const char *x = a->result[i], *y = b->result[i];
		if (traps_only && ((!strncmp(x, "trap", 4) && !strncmp(y, "trap", 4)) ||
				   (!strncmp(x, "exception", 9) && !strncmp(y, "exception", 9))))
			continue;
		if (strcmp(a->name[i], b->name[i]) || strcmp(x, y))
			return (int)i;
	}
	return -1;
}

static void report(uint64_t seed, const char *what, const outcome *a, const outcome *b, int i,
		   const char *keep, const uint8_t *bytes, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/kiln-diff-%" PRIu64 ".wasm", keep, seed);
	if ((f = fopen(path, "wb"))) {
		fwrite(bytes, 1, len, f);
		fclose(f);
	}
	if ((uint32_t)i < a->n && (uint32_t)i < b->n)
		printf("DIVERGENCE seed %" PRIu64 " (%s): %s: %s vs %s; module %s\n", seed, what,
		       a->name[i], a->result[i], b->result[i], path);
	else
		printf("DIVERGENCE seed %" PRIu64 " (%s): %u vs %u exports; module %s\n", seed, what,
		       a->n, b->n, path);
}

static int dump(unsigned feat, bool scalar, const char *seed, const char *path)
{
	uint8_t *bytes;
	size_t len;
	FILE *f;

	if (!kiln_gen_module_with(strtoull(seed, NULL, 10), feat, scalar, &bytes, &len) ||
	    !(f = fopen(path, "wb")))
		return 2;
	fwrite(bytes, 1, len, f);
	fclose(f);
	free(bytes);
	return 0;
}

/* kiln's ways of running a module; each must agree with the first. */
enum { WAY_TIER1, WAY_TIER0, WAY_TIERED, WAY_INTERP, WAY_AOT, NWAYS, NJIT = WAY_AOT };

static const char *const way_name[NWAYS] = {
	"JIT tier 1", "JIT tier 0", "JIT tiered, threshold 1", "interpreter", "AOT",
};

/* An outcome's n when its way did not run the module (the interpreter
 * refused it: "not supported yet"). */
#define NOT_RUN UINT32_MAX

/* The engines of the JIT's ways (the artifact comes from tier 1's). */
static bool engines_new(kiln_engine *e[NJIT], kiln_error *err)
{
	static const kiln_tiering tiering[NJIT] = {
		KILN_TIERING_TIER1, KILN_TIERING_TIER0, KILN_TIERING_TIERED, KILN_TIERING_INTERP,
	};

	for (int w = 0; w < NJIT; w++) {
		kiln_config c = kiln_config_default();
		c.tiering = tiering[w];
		c.tier_up_threshold = 1;
		if (kiln_engine_new(&c, &e[w], err) != KILN_OK)
			return false;
	}
	return true;
}

/* Runs the module every way into o[]; false (why, err say why) when one
 * could not. */
static bool run_ways(kiln_engine *e[NJIT], const uint8_t *bytes, size_t len, outcome o[NWAYS],
		     char *why, size_t whylen, kiln_error *err)
{
	kiln_module *m[NWAYS] = {0};
	uint8_t *art = NULL;
	size_t art_len;
	bool ok = true;

	for (int w = 0; w < NJIT && ok; w++) {
		ok = kiln_module_new(bytes, len, &m[w], err) == KILN_OK;
		if (ok && w == WAY_INTERP &&
		    kiln_module_compile(e[w], m[w], err) == KILN_ERR_UNSUPPORTED) {
			o[w].n = NOT_RUN;
			continue;
		}
		ok = ok && run_kiln(e[w], m[w], &o[w], why, whylen);
	}
	ok = ok && kiln_module_serialize(e[WAY_TIER1], m[WAY_TIER1], &art, &art_len, err) == KILN_OK &&
	     kiln_module_load(art, art_len, &m[WAY_AOT], err) == KILN_OK &&
	     run_kiln(NULL, m[WAY_AOT], &o[WAY_AOT], why, whylen);
	for (int w = 0; w < NWAYS; w++)
		kiln_module_delete(m[w]);
	free(art);
	return ok;
}

/* Compares the module's outcomes (and wasm-interp's, unless interp is
 * NULL); true when it diverged (reported). */
static bool compare(uint64_t seed, const outcome o[NWAYS], const char *interp, const char *flags,
		    const char *path, const char *keep, const uint8_t *bytes, size_t len,
		    uint64_t *invalid)
{
	char what[96];
	outcome oi;
	FILE *f;
	int d;

	for (int w = 1; w < NWAYS; w++) {
		if (o[w].n == NOT_RUN || (d = differ(&o[0], &o[w], false)) < 0)
			continue;
		snprintf(what, sizeof what, "%s vs %s", way_name[0], way_name[w]);
		report(seed, what, &o[0], &o[w], d, keep, bytes, len);
		return true;
	}
	if (!interp)
		return false;
	if ((f = fopen(path, "wb"))) {
		fwrite(bytes, 1, len, f);
		fclose(f);
	}
	if (!f || !run_interp(interp, flags, path, &oi)) {
		printf("INTERP seed %" PRIu64 ": %s could not run it\n", seed, interp);
		++*invalid;
		return false;
	}
	if ((d = differ(&o[0], &oi, true)) < 0)
		return false;
	report(seed, "kiln vs wasm-interp", &o[0], &oi, d, keep, bytes, len);
	return true;
}

int main(int argc, char **argv)
{
	uint64_t start = 1, count = 1000, diverged = 0, invalid = 0, compared = 0, traps = 0;
	uint64_t interpreted = 0, thrown = 0;
	const char *interp = "wasm-interp", *keep = "/tmp";
	bool scalar = false;
	unsigned feat = 0;
	kiln_engine *e[NJIT] = {0};
	char tmp[] = "/tmp/kiln-diff-XXXXXX", path[64], why[300], flags[160];
	kiln_error err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dump") && i + 2 < argc)
			return dump(feat, scalar, argv[i + 1], argv[i + 2]);
		else if (!strcmp(argv[i], "--start") && i + 1 < argc)
			start = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--interp") && i + 1 < argc)
			interp = argv[++i];
		else if (!strcmp(argv[i], "--keep") && i + 1 < argc)
			keep = argv[++i];
		else if (!strcmp(argv[i], "--scalar"))
			scalar = true;
		else if (!strcmp(argv[i], "--features") && i + 1 < argc && parse_features(argv[i + 1], &feat))
			i++;
		else
			return fprintf(stderr, "usage: kiln-diff [--start SEED] [--count N] "
				       "[--interp PATH|none] [--keep DIR] [--scalar] [--features "
				       "extended-const,tail-call,multi-memory,relaxed-simd,memory64,"
				       "exceptions|all] | "
				       "[--scalar] [--features LIST] --dump SEED FILE\n"), 2;
	}
	/* relaxed SIMD: each engine's own results, kiln's ways among themselves;
	 * exceptions: wabt 1.0.32's interpreter loses its value stack when an
	 * exception crosses a call to a catch (fixed in wabt by PR 2483, in
	 * 2024): assertion failures, runaway loops */
	if (!strcmp(interp, "none") || (feat & KILN_GEN_RELAXED_SIMD && !scalar) ||
	    feat & KILN_GEN_EXCEPTIONS)
		interp = NULL;
	interp_flags(feat, flags, sizeof flags);
	if (!engines_new(e, &err) || !mkdtemp(tmp))
		return fprintf(stderr, "setup: %s\n", err.message), 1;
	snprintf(path, sizeof path, "%s/m.wasm", tmp);
	for (uint64_t seed = start; seed < start + count; seed++) {
		uint8_t *bytes;
		size_t len;
		outcome o[NWAYS];
		kiln_module *m;
		if (!kiln_gen_module_with(seed, feat, scalar, &bytes, &len))
			return fprintf(stderr, "out of memory\n"), 1;
		if (kiln_module_new(bytes, len, &m, &err) != KILN_OK) {
			printf("INVALID seed %" PRIu64 ": %s (at %zu)\n", seed, err.message, err.offset);
			invalid++;
		} else {
			kiln_module_delete(m);
			why[0] = 0;
			err.message[0] = 0;
			if (!run_ways(e, bytes, len, o, why, sizeof why, &err)) {
				printf("FAILED seed %" PRIu64 ": %s %s\n", seed, why, err.message);
				invalid++;
			} else {
				compared++;
				interpreted += o[WAY_INTERP].n != NOT_RUN;
				for (uint32_t i = 0; i < o[0].n; i++) {
					traps += !strncmp(o[0].result[i], "trap", 4);
					thrown += !strncmp(o[0].result[i], "exception", 9);
				}
				diverged += compare(seed, o, interp, flags, path, keep, bytes, len,
						    &invalid);
			}
		}
		free(bytes);
		if ((seed - start + 1) % 1000 == 0)
			fprintf(stderr, "%" PRIu64 " modules...\n", seed - start + 1);
	}
	unlink(path);
	rmdir(tmp);
	/* (scripts/differential reads the fields up to "invalid or failed") */
	printf("%" PRIu64 " modules from seed %" PRIu64 ": %" PRIu64 " compared (%" PRIu64
	       " export calls trapped), %" PRIu64 " diverged, %" PRIu64 " invalid or failed; %"
	       PRIu64 " functions tiered up; %" PRIu64 " run by the interpreter too; %" PRIu64
	       " export calls ended in an uncaught exception%s\n",
	       count, start, compared, traps, diverged, invalid,
	       kiln_engine_stats_of(e[WAY_TIERED]).tiered_up, interpreted, thrown,
	       interp ? "" : feat & KILN_GEN_RELAXED_SIMD && !scalar
			     ? " (no wasm-interp: relaxed SIMD is kiln's own)"
			     : feat & KILN_GEN_EXCEPTIONS
			     ? " (no wasm-interp: wabt 1.0.32 unwinds wrongly)" : " (no wasm-interp)");
	for (int w = 0; w < NJIT; w++)
		kiln_engine_delete(e[w]);
	return diverged || invalid ? 1 : 0;
}
