/*
 * test_trap.c — traps: from wasm (unreachable three calls deep, integer
 * division by zero) with the spec's messages and frames innermost first,
 * each naming its instance and its instruction's offsets (JIT, and an
 * engine compiling ahead of time); from a host function, with its
 * message and the frame of the wasm function that called it, at its
 * call; a start function's trap at instantiation, with its frames; the
 * last three under the JIT, the interpreter and ahead of time; a trap
 * made by the host, and copies of traps.
 */
#include <stdint.h>
#include <string.h>

#include "capi_util.h"
#include "kiln_wasm.h"

static wasm_store_t *store;

/* The host's trap, made in its store (env). */
static wasm_trap_t *host_fail(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results)
{
	wasm_message_t m;
	wasm_trap_t *trap;

	(void)args;
	(void)results;
	wasm_name_new_from_string_nt(&m, "the host says no");
	trap = wasm_trap_new(env, &m);
	wasm_name_delete(&m);
	return trap;
}

static bool message_is(const wasm_trap_t *trap, const char *want)
{
	char *text = trap_text(trap);
	bool same = text && strcmp(text, want) == 0;

	CHECK(same, "trap message '%s', want '%s'", text ? text : "(no trap)", want);
	free(text);
	return same;
}

/* trap.wasm's instructions (wasm-objdump -d): a frame's module offset and
 * its offset from its function's code entry (after the entry's size). */
typedef struct at {
	size_t module, func;
} at;

#define INNER_UNREACHABLE ((at){0x4b, 0x4b - 0x4a})
#define MIDDLE_CALL ((at){0x4f, 0x4f - 0x4e})
#define OUTER_CALL ((at){0x54, 0x54 - 0x53})
#define DIVIDE_DIV_S ((at){0x5d, 0x5d - 0x58})
#define HOST_CALL ((at){0x61, 0x61 - 0x60})

static void check_offsets(const wasm_frame_t *f, at want, size_t i)
{
	CHECK(wasm_frame_module_offset(f) == want.module && wasm_frame_func_offset(f) == want.func,
	      "frame %zu at module offset %#zx, function offset %#zx; want %#zx, %#zx", i,
	      wasm_frame_module_offset(f), wasm_frame_func_offset(f), want.module, want.func);
}

/* The trap's frames' function indices, innermost first, as want, at
 * offsets `where`; each frame's instance `instance`. */
static void check_trace(const wasm_trap_t *trap, const uint32_t *want, const at *where,
			size_t n, const wasm_instance_t *instance)
{
	wasm_frame_vec_t trace;
	wasm_frame_t *origin = wasm_trap_origin(trap);

	wasm_trap_trace(trap, &trace);
	CHECK(trace.size == n, "%zu frames, want %zu", trace.size, n);
	for (size_t i = 0; i < trace.size && i < n; i++) {
		CHECK(wasm_frame_func_index(trace.data[i]) == want[i], "frame %zu: function %u, want %u",
		      i, wasm_frame_func_index(trace.data[i]), want[i]);
		CHECK(wasm_instance_same(wasm_frame_instance(trace.data[i]), instance),
		      "frame %zu's instance", i);
		check_offsets(trace.data[i], where[i], i);
	}
	CHECK(origin && wasm_frame_func_index(origin) == want[0], "origin");
	if (origin)
		check_offsets(origin, where[0], 0);
	wasm_frame_t *copy = origin ? wasm_frame_copy(origin) : NULL;
	CHECK(copy && wasm_frame_func_index(copy) == want[0], "frame copy");
	if (copy)
		check_offsets(copy, where[0], 0);
	wasm_frame_delete(copy);
	wasm_frame_delete(origin);
	wasm_frame_vec_delete(&trace);
}

static wasm_trap_t *call(wasm_func_t *f, int nargs, int32_t a, int32_t b, int nres)
{
	wasm_val_t args[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)}, res[1] = {WASM_INIT_VAL};
	wasm_val_vec_t va = {(size_t)nargs, args}, vr = {(size_t)nres, res};

	return wasm_func_call(f, &va, &vr);
}

/* An engine with `settings` (NULL: the defaults), compiling ahead of time
 * or not. */
static wasm_engine_t *new_engine(const kiln_config *settings, bool aot)
{
	wasm_config_t *config = wasm_config_new();

	if (settings)
		kiln_wasm_config_set(config, settings);
	kiln_wasm_config_set_aot(config, aot);
	return wasm_engine_new_with_config(config);
}

/* An engine compiling ahead of time, or one with `settings`: its code
 * says its offsets too (division by zero, one frame: bodies this small
 * are inlined into their callers, whose frames then stand for them; the
 * host's trap, its caller's call). */
static void engine_traps(const char *path, const kiln_config *settings, bool aot)
{
	wasm_engine_t *engine = new_engine(settings, aot);
	wasm_store_t *s = wasm_store_new(engine);
	wasm_module_t *module = load_module(s, path);
	wasm_extern_vec_t ex;
	wasm_functype_t *ft = wasm_functype_new_0_0();
	wasm_func_t *fail = wasm_func_new_with_env(s, ft, host_fail, s, NULL);
	wasm_functype_delete(ft);
	wasm_extern_t *imp[] = {wasm_func_as_extern(fail)};
	wasm_instance_t *instance = module ? instantiate(s, module, imp, 1, &ex) : NULL;

	if (instance) {
		wasm_trap_t *trap = call(export_func(&ex, 1), 2, 7, 0, 1);
		CHECK(trap != NULL, "7 / 0 did not trap (AOT %d)", aot);
		if (trap && message_is(trap, "integer divide by zero"))
			check_trace(trap, (const uint32_t[]){4}, (const at[]){DIVIDE_DIV_S}, 1,
				    instance);
		wasm_trap_delete(trap);
		trap = call(export_func(&ex, 2), 0, 0, 0, 0);
		CHECK(trap != NULL, "the host's trap was lost");
		if (trap && message_is(trap, "the host says no"))
			check_trace(trap, (const uint32_t[]){5}, (const at[]){HOST_CALL}, 1,
				    instance);
		wasm_trap_delete(trap);
		wasm_extern_vec_delete(&ex);
		wasm_instance_delete(instance);
	}
	wasm_func_delete(fail);
	wasm_module_delete(module);
	wasm_store_delete(s);
	wasm_engine_delete(engine);
}

/* start.wasm's (wasm-objdump -d): $boom's unreachable, $start's call. */
#define START_UNREACHABLE ((at){0x1b, 0x1b - 0x1a})
#define START_CALL ((at){0x1f, 0x1f - 0x1e})

/* The start trap's frames: indices and offsets (no instance handle was
 * made, so each frame's instance is not compared).  Ahead of time $boom
 * is inlined into $start, whose frame stands for it; the row of the
 * unreachable says $boom's offset, outside $start's code entry: unknown
 * (docs/architecture.md), never a wrong one. */
static void check_start_trace(const wasm_trap_t *trap, bool aot)
{
	static const uint32_t want[] = {0, 1};
	static const at unknown = {SIZE_MAX, SIZE_MAX};
	wasm_frame_vec_t trace;
	size_t n = aot ? 1 : 2;

	wasm_trap_trace(trap, &trace);
	CHECK(trace.size == n, "start: %zu frames, want %zu", trace.size, n);
	for (size_t i = 0; i < trace.size && i < n; i++) {
		uint32_t idx = aot ? 1 : want[i];
		CHECK(wasm_frame_func_index(trace.data[i]) == idx,
		      "start: frame %zu: function %u, want %u", i,
		      wasm_frame_func_index(trace.data[i]), idx);
		check_offsets(trace.data[i], aot ? unknown : i == 0 ? START_UNREACHABLE : START_CALL,
			      i);
	}
	wasm_frame_vec_delete(&trace);
}

/* The start function's trap, frames and all (check_start_trace), from an
 * engine with `settings` (NULL: the defaults, the JIT) or compiling ahead
 * of time. */
static void start_traps(const char *path, const kiln_config *settings, bool aot)
{
	wasm_engine_t *engine = new_engine(settings, aot);
	wasm_store_t *s = wasm_store_new(engine);
	wasm_module_t *module = load_module(s, path);
	wasm_extern_vec_t none = WASM_EMPTY_VEC;
	wasm_trap_t *trap = NULL;

	if (!module)
		goto out;
	wasm_instance_t *instance = wasm_instance_new(s, module, &none, &trap);
	CHECK(instance == NULL, "instantiation succeeded though its start function traps");
	CHECK(trap != NULL, "no trap from the start function");
	if (trap && message_is(trap, "unreachable"))
		check_start_trace(trap, aot);
	wasm_trap_delete(trap);
	/* Without a place for the trap, it is only a failure. */
	CHECK(wasm_instance_new(s, module, &none, NULL) == NULL, "instantiation without trap");
	wasm_module_delete(module);
out:
	wasm_store_delete(s);
	wasm_engine_delete(engine);
}

int main(int argc, char **argv)
{
	wasm_engine_t *engine = wasm_engine_new();
	wasm_module_t *module;
	wasm_trap_t *trap = NULL;
	wasm_extern_vec_t ex;

	store = wasm_store_new(engine);
	CHECK(argc == 3, "usage: test_trap trap.wasm start.wasm");
	if (argc != 3 || !(module = load_module(store, argv[1])))
		return 1;
	wasm_functype_t *ft = wasm_functype_new_0_0();
	wasm_func_t *fail = wasm_func_new_with_env(store, ft, host_fail, store, NULL);
	wasm_functype_delete(ft);
	wasm_extern_t *imp[] = {wasm_func_as_extern(fail)};
	wasm_instance_t *instance = instantiate(store, module, imp, sizeof imp / sizeof *imp, &ex);
	if (!instance)
		return 1;

	/* Function indices: 0 host_fail, 1 inner, 2 middle, 3 outer, 4 divide, 5 host. */
	trap = call(export_func(&ex, 0), 0, 0, 0, 0);
	CHECK(trap != NULL, "deep did not trap");
	if (trap && message_is(trap, "unreachable"))
		check_trace(trap, (const uint32_t[]){1, 2, 3},
			    (const at[]){INNER_UNREACHABLE, MIDDLE_CALL, OUTER_CALL}, 3, instance);

	/* A copy is the same trap and outlives the original handle. */
	wasm_trap_t *copy = trap ? wasm_trap_copy(trap) : NULL;
	CHECK(copy && wasm_trap_same(copy, trap), "trap copy");
	wasm_trap_delete(trap);
	if (copy)
		message_is(copy, "unreachable");
	wasm_trap_delete(copy);

	trap = call(export_func(&ex, 1), 2, 7, 0, 1);
	if (trap && message_is(trap, "integer divide by zero"))
		check_trace(trap, (const uint32_t[]){4}, (const at[]){DIVIDE_DIV_S}, 1, instance);
	CHECK(trap != NULL, "7 / 0 did not trap");
	wasm_trap_delete(trap);
	trap = call(export_func(&ex, 1), 2, 7, 2, 1);
	CHECK(trap == NULL, "7 / 2 trapped");

	/* The host's trap: its message, and the wasm function that called
	 * the callback, at its call. */
	trap = call(export_func(&ex, 2), 0, 0, 0, 0);
	CHECK(trap != NULL, "the host's trap was lost");
	if (trap && message_is(trap, "the host says no"))
		check_trace(trap, (const uint32_t[]){5}, (const at[]){HOST_CALL}, 1, instance);
	wasm_trap_delete(trap);

	/* A trap the host makes: its message, no frames; host info. */
	wasm_message_t m;
	wasm_name_new_from_string_nt(&m, "made here");
	trap = wasm_trap_new(store, &m);
	wasm_name_delete(&m);
	message_is(trap, "made here");
	CHECK(wasm_trap_origin(trap) == NULL, "a host-made trap has an origin");
	wasm_trap_set_host_info(trap, &m);
	CHECK(wasm_trap_get_host_info(trap) == &m, "host info");
	wasm_ref_t *ref = wasm_trap_as_ref(trap);
	CHECK(wasm_ref_as_trap(ref) == trap && wasm_ref_as_func(ref) == NULL, "trap as ref");
	wasm_trap_delete(trap);

	kiln_config interp = kiln_config_default();
	interp.tiering = KILN_TIERING_INTERP;
	start_traps(argv[2], NULL, false);
	start_traps(argv[2], &interp, false);
	start_traps(argv[2], NULL, true);
	engine_traps(argv[1], NULL, true);
	engine_traps(argv[1], &interp, false);

	wasm_extern_vec_delete(&ex);
	wasm_instance_delete(instance);
	wasm_func_delete(fail);
	wasm_module_delete(module);
	wasm_store_delete(store);
	wasm_engine_delete(engine);
	return failures ? 1 : 0;
}
