/*
 * wast_exec.c — the spec script commands that run code.
 *
 * Every instance a script creates is kept to the end of the script (other
 * instances may hold references into it).  Imports resolve by the names
 * instances were registered under; "spectest" is registered from the
 * start.  A module kiln cannot compile yet ("X is not supported yet": an
 * instruction or a limit kiln has not built) is skipped with the reason
 * "not supported yet: X", and so is every command that needs it; any other
 * failure to compile (an internal error, code generation) is a failure.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wast.h"

static wast_instance *add_instance(wast_run *run)
{
	if (!cli_grow((void **)&run->instances, &run->cap, run->ninstances + 1,
		      sizeof *run->instances))
		return NULL;
	memset(&run->instances[run->ninstances], 0, sizeof *run->instances);
	return &run->instances[run->ninstances++];
}

bool wast_exec_init(wast_run *run)
{
	kiln_config cfg = kiln_config_default();
	kiln_error err;
	wast_instance *spectest;

	cfg.target_cpu = run->target_cpu;
	cfg.opt_level = run->opt_level;
	cfg.tiering = run->tier.tiering;
	if (run->tier.threshold)
		cfg.tier_up_threshold = run->tier.threshold;
	if (run->tier.light_body)
		cfg.tier_up_light_body = run->tier.light_body;
	cfg.tier0_no_offsets = run->tier.no_offsets;
	cfg.features = (cfg.features | run->features) & ~run->disabled;
	if (kiln_engine_new(&cfg, &run->engine, &err) != KILN_OK)
		return false;
	if (!(spectest = add_instance(run)) ||
	    kiln_spectest_new(&spectest->instance, &err) != KILN_OK)
		return false;
	spectest->registered = strdup("spectest");
	return spectest->registered != NULL;
}

void wast_exec_free(wast_run *run)
{
	/* Instances first (they use their modules), newest first. */
	for (size_t i = run->ninstances; i-- > 0;) {
		kiln_instance_delete(run->instances[i].instance);
		kiln_module_delete(run->instances[i].module);
		free(run->instances[i].name);
		free(run->instances[i].registered);
		free(run->instances[i].missing);
	}
	free(run->instances);
	kiln_engine_delete(run->engine);
}

/* The newest instance of that name, or NULL (also when the newest module
 * of that name is missing). */
static wast_instance *find(wast_run *run, const char *name, bool registered)
{
	for (size_t i = run->ninstances; i-- > 0;) {
		const char *n = registered ? run->instances[i].registered
					   : run->instances[i].name;
		if (n != NULL && strcmp(n, name) == 0)
			return run->instances[i].instance ? &run->instances[i] : NULL;
	}
	return NULL;
}

/* Why the module a command names (NULL: the last one) is missing: the
 * skip reason of its module command, or "its module failed"; NULL when
 * the script never defined it. */
static const char *missing_reason(wast_run *run, const char *name)
{
	if (name == NULL)
		return run->missing[0] ? run->missing : NULL;
	for (size_t i = run->ninstances; i-- > 0;)
		if (run->instances[i].name && strcmp(run->instances[i].name, name) == 0)
			return run->instances[i].missing;
	return NULL;
}

/* A command whose module is missing: skipped when its module command
 * counted (as a skip or a failure), else a failure of its own. */
static enum outcome module_missing(wast_run *run, const char *name)
{
	const char *why = missing_reason(run, name);

	if (why == NULL)
		return wast_fail(run, "no module %s", name ? name : "defined yet");
	return wast_skip(run, "%s", why);
}

/* Whether a failure to compile is a feature kiln has not built yet ("X is
 * not supported yet", KILN_ERR_UNSUPPORTED): then the skip reason is "not
 * supported yet: X".  Anything else is a failure, KILN_ERR_UNSUPPORTED or
 * not (an internal error, code generation, a CPU feature missing). */
static bool not_built_yet(wast_run *run, kiln_status st, const kiln_error *err)
{
	static const char *const tails[] = {" is not supported yet", " are not supported yet"};
	size_t n = strlen(err->message);

	if (run->import_missing)	/* skip_reason is the missing module's */
		return true;
	if (st != KILN_ERR_UNSUPPORTED)
		return false;
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		size_t t = strlen(tails[i]);
		if (n > t && strcmp(err->message + n - t, tails[i]) == 0) {
			wast_skip(run, "not supported yet: %.*s", (int)(n - t), err->message);
			return true;
		}
	}
	return false;
}

/* Why the newest module registered as `as` is missing (its module
 * command was skipped), or NULL. */
static const char *registered_missing(wast_run *run, const char *as)
{
	for (size_t i = run->ninstances; i-- > 0;)
		if (run->instances[i].registered && strcmp(run->instances[i].registered, as) == 0)
			return run->instances[i].instance ? NULL : run->instances[i].missing;
	return NULL;
}

/* Resolves the module's imports against registered instances.  An import
 * from a registered module that is missing because kiln skipped it
 * (something not built yet) skips this module too, for the same reason
 * (run->import_missing). */
static bool resolve(wast_run *run, kiln_module *m, kiln_extern **out, char *why,
		    size_t len)
{
	size_t n = kiln_module_import_count(m);
	kiln_extern *ext = calloc(n ? n : 1, sizeof *ext);

	*out = ext;
	if (ext == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		char mod[256];
		wast_instance *from;

		snprintf(mod, sizeof mod, "%.*s", (int)imp.module.len, imp.module.data);
		from = find(run, mod, true);
		if (from == NULL && registered_missing(run, mod)) {
			run->import_missing = true;
			wast_skip(run, "%s", registered_missing(run, mod));
		}
		if (from == NULL || !kiln_instance_export(from->instance, imp.name, &ext[i])) {
			snprintf(why, len, "unknown import \"%.100s\" \"%.*s\"", mod,
				 (int)(imp.name.len > 100 ? 100 : imp.name.len), imp.name.data);
			return false;
		}
	}
	return true;
}

/* --aot: compile the module to an artifact, load that back and use it
 * instead (the way a precompiled module runs). */
static kiln_status through_artifact(wast_run *run, kiln_module **m, kiln_error *err)
{
	uint8_t *bytes;
	size_t len;
	kiln_module *loaded;
	kiln_status st = kiln_module_serialize(run->engine, *m, &bytes, &len, err);

	if (st != KILN_OK)
		return st;
	st = kiln_module_load(bytes, len, &loaded, err);
	free(bytes);
	if (st != KILN_OK)
		return st;
	kiln_module_delete(*m);
	*m = loaded;
	return KILN_OK;
}

/* Loads, compiles, links and instantiates the command's module.  Returns
 * its status; *out is the new instance record (also on a trap). */
static kiln_status instantiate(wast_run *run, const json_t *cmd, wast_instance **out,
			       kiln_trap_kind *trap, kiln_error *err)
{
	kiln_module *m;
	kiln_status st, stage;
	kiln_extern *imports = NULL;
	kiln_instance *inst = NULL;
	wast_instance *w;

	*out = NULL;
	*trap = KILN_TRAP_NONE;
	run->import_missing = false;
	if ((st = wast_load(run, cmd, true, &m, &stage, err)) != KILN_OK)
		return st;
	if (run->aot && (st = through_artifact(run, &m, err)) != KILN_OK)
		goto fail;
	if ((st = kiln_module_compile(run->engine, m, err)) != KILN_OK)
		goto fail;
	if (!resolve(run, m, &imports, err->message, sizeof err->message)) {
		st = err->status = KILN_ERR_LINK;
		goto fail;
	}
	st = kiln_instance_new(m, imports, kiln_module_import_count(m), &inst, trap, err);
	free(imports);
	imports = NULL;
	if (inst == NULL)
		goto fail;
	if (!(w = add_instance(run))) {
		kiln_instance_delete(inst);
		st = KILN_ERR_NOMEM;
		goto fail;
	}
	w->module = m;
	w->instance = inst;
	*out = w;
	return st;
fail:
	free(imports);
	kiln_module_delete(m);
	return st;
}

enum outcome wast_module(wast_run *run, const json_t *cmd)
{
	const char *name = wast_str(cmd, "name");
	wast_instance *w;
	kiln_trap_kind trap;
	kiln_error err;
	kiln_status st = instantiate(run, cmd, &w, &trap, &err);

	enum outcome o;

	run->current = st == KILN_OK ? w : NULL;
	run->missing[0] = 0;
	if (st == KILN_OK) {
		if (name && !(w->name = strdup(name)))
			return wast_fail(run, "out of memory");
		return PASS;
	}
	o = not_built_yet(run, st, &err) ? SKIP
		: wast_fail(run, "expected a module, got %s: %s", kiln_status_string(st),
			    err.message);
	/* The commands that need it are skipped for the same reason. */
	snprintf(run->missing, sizeof run->missing, "%s",
		 o == SKIP ? run->skip_reason : "its module failed");
	if (name && (w = add_instance(run)) != NULL) {
		w->name = strdup(name);
		w->missing = strdup(run->missing);
	}
	return o;
}

enum outcome wast_register(wast_run *run, const json_t *cmd)
{
	const char *as = wast_str(cmd, "as"), *name = wast_str(cmd, "name");
	wast_instance *w = name ? find(run, name, false) : run->current;
	wast_instance *gone;
	enum outcome o;

	if (w == NULL) {
		/* A skipped module's name is registered all the same, so
		 * that the modules importing from it are skipped alike. */
		o = module_missing(run, name);
		if (o == SKIP && as && (gone = add_instance(run))) {
			gone->registered = strdup(as);
			gone->missing = strdup(run->skip_reason);
		}
		return o;
	}
	free(w->registered);
	if (!as || !(w->registered = strdup(as)))
		return wast_fail(run, "bad register command");
	return PASS;
}

/* ------------------------------------------------------------ values */

/* A v128 lane's width in bytes from its lane type, or 0. */
static unsigned lane_bytes(const char *lane)
{
	if (!lane)
		return 0;
	return !strcmp(lane, "i8") ? 1 : !strcmp(lane, "i16") ? 2
	       : !strcmp(lane, "i32") || !strcmp(lane, "f32") ? 4
	       : !strcmp(lane, "i64") || !strcmp(lane, "f64") ? 8 : 0;
}

/* {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}:
 * each lane a decimal bit pattern, little-endian. */
static bool parse_v128(const json_t *j, kiln_val *v)
{
	const json_t *lanes = json_object_get(j, "value"), *x;
	unsigned w = lane_bytes(wast_str(j, "lane_type"));
	size_t i;

	if (!w || !json_is_array(lanes) || json_array_size(lanes) != 16 / w)
		return false;
	v->type = KILN_V128;
	json_array_foreach(lanes, i, x) {
		const char *s = json_string_value(x);
		uint64_t bits;
		if (!s)
			return false;
		bits = strtoull(s, NULL, 10);
		memcpy(v->of.v128 + i * w, &bits, w);	/* little-endian host */
	}
	return true;
}

static bool parse_value(const json_t *j, kiln_val *v)
{
	const char *type = wast_str(j, "type"), *s = wast_str(j, "value");
	uint64_t bits;

	if (type && !strcmp(type, "v128"))
		return parse_v128(j, v);
	if (!type || !s)
		return false;
	bits = strtoull(s, NULL, 10);
	if (!strcmp(type, "i32")) {
		v->type = KILN_I32, v->of.i32 = (int32_t)(uint32_t)bits;
	} else if (!strcmp(type, "i64")) {
		v->type = KILN_I64, v->of.i64 = (int64_t)bits;
	} else if (!strcmp(type, "f32")) {
		uint32_t b = (uint32_t)bits;
		v->type = KILN_F32;
		memcpy(&v->of.f32, &b, 4);
	} else if (!strcmp(type, "f64")) {
		v->type = KILN_F64;
		memcpy(&v->of.f64, &bits, 8);
	} else if (!strcmp(type, "externref") || !strcmp(type, "funcref")) {
		v->type = type[0] == 'e' ? KILN_EXTERNREF : KILN_FUNCREF;
		/* Host reference n is the pointer n + 1: null stays NULL. */
		v->of.ref = !strcmp(s, "null") ? NULL : (void *)(uintptr_t)(bits + 1);
	} else {
		return false;
	}
	return true;
}

static void format_value(const kiln_val *v, char *buf, size_t len)
{
	uint32_t b32;
	uint64_t b64, w64;

	switch (v->type) {
	case KILN_I32: snprintf(buf, len, "i32:%" PRIu32, (uint32_t)v->of.i32); break;
	case KILN_I64: snprintf(buf, len, "i64:%" PRIu64, (uint64_t)v->of.i64); break;
	case KILN_F32:
		memcpy(&b32, &v->of.f32, 4);
		snprintf(buf, len, "f32:%g (0x%08" PRIx32 ")", (double)v->of.f32, b32);
		break;
	case KILN_F64:
		memcpy(&b64, &v->of.f64, 8);
		snprintf(buf, len, "f64:%g (0x%016" PRIx64 ")", v->of.f64, b64);
		break;
	case KILN_V128:
		memcpy(&b64, v->of.v128, 8);
		memcpy(&w64, v->of.v128 + 8, 8);
		snprintf(buf, len, "v128:0x%016" PRIx64 "%016" PRIx64, w64, b64);
		break;
	default: snprintf(buf, len, "%s:%p", kiln_valtype_name(v->type), v->of.ref); break;
	}
}

/* Whether float bits of `width` bytes match "nan:canonical" or
 * "nan:arithmetic" (s). */
static bool nan_matches(const char *s, const uint8_t *bits, unsigned width)
{
	bool canonical = s[4] == 'c';

	if (width == 4) {
		uint32_t b;
		memcpy(&b, bits, 4);
		return canonical ? (b & 0x7fffffff) == 0x7fc00000
				 : (b & 0x7f800000) == 0x7f800000 && (b & 0x00400000);
	}
	uint64_t b;
	memcpy(&b, bits, 8);
	return canonical ? (b & 0x7fffffffffffffff) == 0x7ff8000000000000
			 : (b & 0x7ff0000000000000) == 0x7ff0000000000000 &&
				   (b & 0x0008000000000000);
}

static bool is_nan_pattern(const char *s)
{
	return s && (!strcmp(s, "nan:canonical") || !strcmp(s, "nan:arithmetic"));
}

/* A v128 result, lane by lane: float lanes may be NaN patterns. */
static bool v128_matches(const json_t *want, const kiln_val *got)
{
	const json_t *lanes = json_object_get(want, "value"), *x;
	unsigned w = lane_bytes(wast_str(want, "lane_type"));
	size_t i;

	if (!w || !json_is_array(lanes) || json_array_size(lanes) != 16 / w)
		return false;
	json_array_foreach(lanes, i, x) {
		const char *s = json_string_value(x);
		uint64_t bits;
		if (!s)
			return false;
		if (is_nan_pattern(s)) {
			if (!nan_matches(s, got->of.v128 + i * w, w))
				return false;
			continue;
		}
		bits = strtoull(s, NULL, 10);
		if (memcmp(got->of.v128 + i * w, &bits, w) != 0)
			return false;
	}
	return true;
}

/* Whether a result matches an expected value, NaN patterns included. */
static bool matches(const json_t *want, const kiln_val *got)
{
	const char *type = wast_str(want, "type"), *s = wast_str(want, "value");
	kiln_val w;

	if (!type || strcmp(type, kiln_valtype_name(got->type)) != 0)
		return false;
	if (got->type == KILN_V128)
		return v128_matches(want, got);
	if (is_nan_pattern(s))
		return nan_matches(s, got->type == KILN_F32 ? (const uint8_t *)&got->of.f32
							    : (const uint8_t *)&got->of.f64,
				   got->type == KILN_F32 ? 4 : 8);
	if (s == NULL)	/* (ref.func) / (ref.extern): any non-null reference */
		return got->of.ref != NULL;
	if (!parse_value(want, &w))
		return false;
	switch (got->type) {
	case KILN_I32: return w.of.i32 == got->of.i32;
	case KILN_I64: return w.of.i64 == got->of.i64;
	case KILN_F32: return memcmp(&w.of.f32, &got->of.f32, 4) == 0;
	case KILN_F64: return memcmp(&w.of.f64, &got->of.f64, 8) == 0;
	default: return w.of.ref == got->of.ref;
	}
}

/* ------------------------------------------------------------ actions */

typedef struct action_result {
	kiln_status status;	/* KILN_OK, KILN_ERR_TRAP, or a failure */
	kiln_trap_kind trap;
	kiln_val results[16];
	size_t nresults;
	bool skipped;
} action_result;

static enum outcome run_action(wast_run *run, const json_t *cmd, action_result *r)
{
	const json_t *act = json_object_get(cmd, "action");
	const json_t *args = json_object_get(act, "args"), *a;
	const char *mod = wast_str(act, "module"), *field = wast_str(act, "field");
	const char *type = wast_str(act, "type");
	wast_instance *w = mod ? find(run, mod, false) : run->current;
	kiln_val argv[32];
	size_t n = 0, k;
	kiln_extern ext;
	kiln_error err;
	/* The field's length, not strlen: export names may contain NUL. */
	kiln_name fname = {field, field ? json_string_length(json_object_get(act, "field")) : 0};

	memset(r, 0, sizeof *r);
	if (w == NULL) {
		/* The module's own command already counted its failure. */
		r->skipped = true;
		return module_missing(run, mod);
	}
	if (!field || !kiln_instance_export(w->instance, fname, &ext))
		return wast_fail(run, "no export \"%s\"", field ? field : "?");
	if (type && !strcmp(type, "get")) {
		r->results[0] = kiln_global_get(ext);
		r->nresults = 1;
		return PASS;
	}
	json_array_foreach(args, k, a) {
		if (n == 32 || !parse_value(a, &argv[n]))
			return n == 32 ? wast_skip(run, "not supported yet: more than 32 arguments")
				       : wast_skip(run, "not supported yet: a %s argument",
						   wast_str(a, "type") ? wast_str(a, "type") : "?");
		n++;
	}
	r->nresults = kiln_extern_type(ext).u.func->nresults;
	if (r->nresults > 16)
		return wast_skip(run, "not supported yet: more than 16 results");
	kiln_trap_info trap;
	r->status = kiln_func_call(ext, argv, n, r->results, 16, &trap, &err);
	r->trap = trap.kind;
	kiln_exception_delete(trap.exception);	/* only that there was one counts */
	if (r->status != KILN_OK && r->status != KILN_ERR_TRAP && r->status != KILN_ERR_EXCEPTION)
		return wast_fail(run, "call failed: %s", err.message);
	return PASS;
}

/* How a call that was to return or trap ended otherwise. */
static enum outcome other_ending(wast_run *run, const action_result *r, const char *wanted)
{
	if (r->status == KILN_ERR_EXCEPTION)
		return wast_fail(run, "expected %s, got an uncaught exception", wanted);
	if (r->status == KILN_ERR_TRAP)
		return wast_fail(run, "expected %s, got trap: %s", wanted,
				 kiln_trap_message(r->trap));
	return wast_fail(run, "expected %s, got a return", wanted);
}

/* Runs the command's action, which must end with status `want`. */
static enum outcome expect_ending(wast_run *run, const json_t *cmd, kiln_status want,
				  const char *wanted)
{
	action_result r;
	enum outcome o = run_action(run, cmd, &r);

	if (o != PASS)
		return o;
	return r.status == want ? PASS : other_ending(run, &r, wanted);
}

enum outcome wast_action(wast_run *run, const json_t *cmd)
{
	return expect_ending(run, cmd, KILN_OK, "no trap");
}

/* (either v1 v2...): relaxed SIMD's results that the spec leaves to the
 * engine; wast2json writes one value per alternative, for one result. */
static enum outcome either(wast_run *run, const json_t *alts, const action_result *r)
{
	const json_t *e;
	size_t k;
	char got[96];

	if (r->nresults != 1)
		return wast_fail(run, "expected 1 result, got %zu", r->nresults);
	json_array_foreach(alts, k, e)
		if (matches(e, &r->results[0]))
			return PASS;
	format_value(&r->results[0], got, sizeof got);
	return wast_fail(run, "result 0: expected one of %zu values, got %s",
			 json_array_size(alts), got);
}

enum outcome wast_assert_return(wast_run *run, const json_t *cmd)
{
	const json_t *expected = json_object_get(cmd, "expected"), *e;
	action_result r;
	enum outcome o = run_action(run, cmd, &r);
	size_t i = 0, k;
	char got[96];

	if (o != PASS)
		return o;
	if (r.status != KILN_OK)
		return other_ending(run, &r, "a return");
	if (json_object_get(cmd, "either"))
		return either(run, json_object_get(cmd, "either"), &r);
	if ((size_t)(int)json_array_size(expected) != r.nresults)
		return wast_fail(run, "expected %d results, got %zu",
				 (int)json_array_size(expected), r.nresults);
	json_array_foreach(expected, k, e) {
		if (!matches(e, &r.results[i])) {
			format_value(&r.results[i], got, sizeof got);
			return wast_fail(run, "result %zu: expected %s:%s, got %s", i,
					 wast_str(e, "type"), wast_str(e, "value") ? wast_str(e, "value") : "non-null", got);
		}
		i++;
	}
	return PASS;
}

/* The spec's trap text may add detail after kiln's message
 * ("uninitialized element 2"). */
static bool trap_matches(const char *got, const char *want)
{
	size_t n = strlen(got);

	return strncmp(got, want, n) == 0 && (want[n] == 0 || want[n] == ' ');
}

static enum outcome expect_trap(wast_run *run, const json_t *cmd)
{
	const char *want = wast_str(cmd, "text");
	action_result r;
	enum outcome o = run_action(run, cmd, &r);

	if (o != PASS)
		return o;
	if (r.status != KILN_ERR_TRAP)
		return other_ending(run, &r, "a trap");
	if (want && !trap_matches(kiln_trap_message(r.trap), want))
		return wast_fail(run, "expected trap \"%s\", got \"%s\"", want,
				 kiln_trap_message(r.trap));
	return PASS;
}

enum outcome wast_assert_trap(wast_run *run, const json_t *cmd)
{
	return expect_trap(run, cmd);
}

enum outcome wast_assert_exhaustion(wast_run *run, const json_t *cmd)
{
	return expect_trap(run, cmd);
}

/* assert_exception (exception handling): the call ends with an exception
 * nobody caught, whatever its tag. */
enum outcome wast_assert_exception(wast_run *run, const json_t *cmd)
{
	return expect_ending(run, cmd, KILN_ERR_EXCEPTION, "an exception");
}

/* assert_unlinkable / assert_uninstantiable: the module must fail at
 * linking, or trap while instantiating. */
static enum outcome expect_instantiation_failure(wast_run *run, const json_t *cmd,
						 kiln_status want)
{
	const char *text = wast_str(cmd, "text");
	wast_instance *w;
	kiln_trap_kind trap;
	kiln_error err;
	kiln_status st = instantiate(run, cmd, &w, &trap, &err);

	if (not_built_yet(run, st, &err))
		return SKIP;
	if (st != want)
		return wast_fail(run, "expected %s (\"%s\"), got %s: %s",
				 kiln_status_string(want), text ? text : "",
				 kiln_status_string(st), st == KILN_OK ? "instantiated" : err.message);
	if (want == KILN_ERR_TRAP && text && !trap_matches(kiln_trap_message(trap), text))
		return wast_fail(run, "expected trap \"%s\", got \"%s\"", text,
				 kiln_trap_message(trap));
	return PASS;
}

enum outcome wast_assert_unlinkable(wast_run *run, const json_t *cmd)
{
	return expect_instantiation_failure(run, cmd, KILN_ERR_LINK);
}

enum outcome wast_assert_uninstantiable(wast_run *run, const json_t *cmd)
{
	return expect_instantiation_failure(run, cmd, KILN_ERR_TRAP);
}
