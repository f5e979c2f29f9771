/*
 * test_interp.c — the interpreter tier (runtime/interp*.c): translation
 * edge cases (deep nesting, br_table with many targets and with values to
 * move, code after an unconditional branch), the slot form itself, traps,
 * a function it does not run (SIMD) left to the JIT, and fuel refused.  Modules are built here,
 * one function each, and run through the API with KILN_TIERING_INTERP.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "interp.h"
#include "module.h"
#include "unit.h"

enum { BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c,
       BR_IF = 0x0d, BR_TABLE = 0x0e, RETURN = 0x0f, CALL = 0x10, DROP = 0x1a,
       LOCAL_GET = 0x20, I32_CONST = 0x41, VOID = 0x40, I32 = 0x7f };

/* One function of type `type` (its bytes after 0x60), exported as "f",
 * with `nlocals` i32 locals; a table and a memory of one page each with
 * `extras`. */
static buf module_of(const uint8_t *type, size_t ntype, buf *body, uint32_t nlocals,
		     bool extras)
{
	buf m = {0}, s = {0};

	mod_header(&m);
	PUT(&s, 1, 0x60);
	put_n(&s, type, ntype);
	section(&m, 1, &s);
	PUT(&s, 1, 0);
	section(&m, 3, &s);
	if (extras) {
		PUT(&s, 1, 0x70, 0, 1);
		section(&m, 4, &s);
		PUT(&s, 1, 0, 1);
		section(&m, 5, &s);
	}
	PUT(&s, 1);
	put_name(&s, "f");
	PUT(&s, 0, 0);
	section(&m, 7, &s);
	buf code = {0};
	put(&code, nlocals ? 1 : 0);	/* one run of i32 locals, or none */
	if (nlocals) {
		put_u32(&code, nlocals);
		put(&code, I32);
	}
	put_n(&code, body->p, body->n);
	put(&code, END);
	PUT(&s, 1);
	put_u32(&s, (uint32_t)code.n);
	put_n(&s, code.p, code.n);
	section(&m, 10, &s);
	buf_free(&code);
	buf_free(body);
	return m;
}

static const uint8_t I_I[] = {1, I32, 1, I32};	/* (i32) -> i32 */

typedef struct run {
	kiln_engine *e;
	kiln_module *m;
	kiln_instance *inst;
	kiln_extern f;
} run;

/* Compiles mod with KILN_TIERING_INTERP (and fuel metering if asked); once
 * compiled, its code is the JIT's (which tiers interpreted functions up)
 * and its function "f" (index 0) interpreted or not, as `interpreted` says:
 * its entry trampoline is the interpreter's. */
static kiln_status start_cfg(run *r, buf *mod, kiln_config cfg, bool interpreted,
			     kiln_error *err)
{
	kiln_status st;

	cfg.tiering = KILN_TIERING_INTERP;
	memset(r, 0, sizeof *r);
	ck_assert_int_eq(kiln_engine_new(&cfg, &r->e, err), KILN_OK);
	ck_assert_int_eq(kiln_module_decode(mod->p, mod->n, &r->m, err), KILN_OK);
	buf_free(mod);
	if ((st = kiln_module_compile(r->e, r->m, err)) != KILN_OK)
		return st;
	ck_assert_str_eq(r->m->code->ops->name, "jit");
	ck_assert_int_eq(krt_code_tramp(r->m->code, 0) == (void *)krt_interp_tramp, interpreted);
	ck_assert_int_eq(kiln_instance_new(r->m, NULL, 0, &r->inst, NULL, err), KILN_OK);
	ck_assert(kiln_instance_export(r->inst, (kiln_name){"f", 1}, &r->f));
	return KILN_OK;
}

static kiln_status start_with(run *r, buf *mod, bool fuel, bool interpreted, kiln_error *err)
{
	kiln_config cfg = kiln_config_default();

	cfg.fuel_metering = fuel;
	return start_cfg(r, mod, cfg, interpreted, err);
}

static kiln_status start(run *r, buf *mod, kiln_error *err)
{
	return start_with(r, mod, false, true, err);
}

static void stop(run *r)
{
	kiln_instance_delete(r->inst);
	kiln_module_delete(r->m);
	kiln_engine_delete(r->e);
}

/* f(x) for an (i32) -> i32 function; a trap's kind in *trap. */
static int32_t call_i(run *r, int32_t x, kiln_trap_kind *trap)
{
	kiln_val arg = {KILN_I32, {.i32 = x}}, res = {0};
	kiln_trap_info info;
	kiln_error err;
	kiln_status st = kiln_func_call(r->f, &arg, 1, &res, 1, &info, &err);

	*trap = info.kind;
	ck_assert_int_eq(st, info.kind == KILN_TRAP_NONE ? KILN_OK : KILN_ERR_TRAP);
	return res.of.i32;
}

static int32_t ok_i(run *r, int32_t x)
{
	kiln_trap_kind trap;
	int32_t v = call_i(r, x, &trap);

	ck_assert_int_eq(trap, KILN_TRAP_NONE);
	return v;
}

static void put_i32(buf *b, int32_t v)
{
	put(b, I32_CONST);
	do {		/* signed LEB128 */
		uint8_t byte = v & 0x7f;
		v >>= 7;
		bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
		put(b, byte | (done ? 0 : 0x80));
		if (done)
			break;
	} while (1);
}

#define DEEP 1000

/* DEEP nested blocks with a result; the innermost branches to the
 * outermost with a value, past DEEP ends each followed by code that would
 * change it. */
START_TEST(deep_nesting_branch_out)
{
	buf b = {0}, mod;
	run r;
	kiln_error err;

	for (int i = 0; i < DEEP; i++)
		PUT(&b, BLOCK, I32);
	put_i32(&b, 5);
	put(&b, BR);
	put_u32(&b, DEEP - 1);
	for (int i = 0; i < DEEP; i++) {
		put(&b, END);
		if (i < DEEP - 1) {	/* a block's value plus 1, never run */
			put_i32(&b, 1);
			put(&b, 0x6a);
		}
	}
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 0), 5);
	stop(&r);
}
END_TEST

/* DEEP nested ifs on the parameter: the innermost then-branch, or the
 * else of the outermost. */
START_TEST(deep_nesting_ifs)
{
	buf b = {0}, mod;
	run r;
	kiln_error err;

	for (int i = 0; i < DEEP; i++)
		PUT(&b, LOCAL_GET, 0, IF, I32);
	put_i32(&b, 7);
	for (int i = DEEP - 1; i >= 0; i--) {
		put(&b, ELSE);
		put_i32(&b, -i);
		put(&b, END);
	}
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 1), 7);
	ck_assert_int_eq(ok_i(&r, 0), 0);
	stop(&r);
}
END_TEST

/* br_table over DEEP blocks, one target per depth: index i leaves block
 * DEEP-1-i, after whose end the function returns that number. */
START_TEST(br_table_many_targets)
{
	buf b = {0}, mod;
	run r;
	kiln_error err;

	for (int i = 0; i < DEEP; i++)
		PUT(&b, BLOCK, VOID);
	PUT(&b, LOCAL_GET, 0, BR_TABLE);
	put_u32(&b, DEEP);
	for (uint32_t d = 0; d < DEEP; d++)
		put_u32(&b, d);
	put_u32(&b, DEEP - 1);		/* default: the outermost */
	for (int j = DEEP - 1; j >= 0; j--) {
		put(&b, END);
		put_i32(&b, j);
		put(&b, RETURN);
	}
	put_i32(&b, -1);
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 0), DEEP - 1);
	ck_assert_int_eq(ok_i(&r, 1), DEEP - 2);
	ck_assert_int_eq(ok_i(&r, DEEP / 2), DEEP - 1 - DEEP / 2);
	ck_assert_int_eq(ok_i(&r, DEEP - 1), 0);
	ck_assert_int_eq(ok_i(&r, DEEP), 0);
	ck_assert_int_eq(ok_i(&r, -1), 0);	/* 2^32 - 1: the default */
	stop(&r);
}
END_TEST

/* Branch values above other values: br_table and br_if move them down to
 * the label's slots, to a block or to the function's results. */
START_TEST(branch_values_move)
{
	buf b = {0}, mod;
	run r;
	kiln_error err;

	/* block (result i32) 99 7 (br_table 0 1 (x)) end; + 100 */
	PUT(&b, BLOCK, I32);
	put_i32(&b, 99);
	put_i32(&b, 7);
	PUT(&b, LOCAL_GET, 0, BR_TABLE, 1, 0, 1);
	put(&b, END);
	put_i32(&b, 100);
	put(&b, 0x6a);
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 0), 107);	/* the block's end */
	ck_assert_int_eq(ok_i(&r, 1), 7);	/* the function's */
	ck_assert_int_eq(ok_i(&r, 5), 7);
	stop(&r);

	/* block (result i32) 99 8 (br_if 0 (x)) drop drop 3 end */
	PUT(&b, BLOCK, I32);
	put_i32(&b, 99);
	put_i32(&b, 8);
	PUT(&b, LOCAL_GET, 0, BR_IF, 0, DROP, DROP);
	put_i32(&b, 3);
	put(&b, END);
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 1), 8);
	ck_assert_int_eq(ok_i(&r, 0), 3);
	stop(&r);
}
END_TEST

/* Code after br, return and unreachable is never translated: not even an
 * instruction the interpreter lacks (v128.const), nor its polymorphic
 * stack; nesting inside it, and an else after it, are followed. */
START_TEST(dead_code_after_branch)
{
	buf b = {0}, mod;
	run r;
	kiln_error err;

	PUT(&b, BLOCK, VOID, BR, 0, 0x7c, DROP, 0xfd, 0x0c);	/* i64.add, v128.const */
	for (int i = 0; i < 16; i++)
		put(&b, 0);
	PUT(&b, DROP, BLOCK, VOID, 0x00, END, LOOP, VOID, END, IF, VOID, ELSE, END, END);
	PUT(&b, LOCAL_GET, 0, IF, I32);
	put_i32(&b, 1);
	PUT(&b, RETURN, 0x6a, ELSE);
	put_i32(&b, 2);
	PUT(&b, END);
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 1), 1);
	ck_assert_int_eq(ok_i(&r, 0), 2);
	stop(&r);
}
END_TEST

/* The slot form of (local.get 0) (local.get 1) i32.add (local.set 2)
 * (local.get 2): operands are frame slots, the stack starting after the
 * three locals; local.get emits nothing, its user reads the local, and
 * the add writes local 2 itself. */
START_TEST(slot_form)
{
	static const uint8_t type[] = {2, I32, I32, 1, I32};
	buf b = {0}, mod;
	kiln_module *m;
	interp_func f;
	kiln_error err;

	PUT(&b, LOCAL_GET, 0, LOCAL_GET, 1, 0x6a, 0x21, 2, LOCAL_GET, 2);
	mod = module_of(type, sizeof type, &b, 1, false);
	ck_assert_int_eq(kiln_module_decode(mod.p, mod.n, &m, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_validate(m, &err), KILN_OK);
	ck_assert(interp_translate(m, 0, 0, &f, &err));
	const uint32_t want[] = {KILN_OP_I32_ADD, 2, 0, 1, IOP_COPY, 0, 2, KILN_OP_RETURN};
	ck_assert_uint_eq(f.ncode, sizeof want / sizeof want[0]);
	ck_assert_mem_eq(f.code, want, sizeof want);
	ck_assert_uint_eq(f.nlocals, 3);
	ck_assert_uint_eq(f.nslots, 5);
	interp_func_free(&f);
	kiln_module_delete(m);
	buf_free(&mod);
}
END_TEST

/* Builds, translates (checking that word `at` is the fused branch
 * `want`, its operands the slots a and b) and runs an (i32) -> i32 body. */
static void fused(buf *b, uint32_t at, uint32_t want, uint32_t a, uint32_t bslot,
		  const int32_t (*cases)[2], int n)
{
	buf mod = module_of(I_I, sizeof I_I, b, 0, false), copy = {0};
	kiln_module *m;
	interp_func f;
	kiln_error err;
	run r;

	put_n(&copy, mod.p, mod.n);
	ck_assert_int_eq(kiln_module_decode(mod.p, mod.n, &m, &err), KILN_OK);
	ck_assert_int_eq(kiln_module_validate(m, &err), KILN_OK);
	ck_assert(interp_translate(m, 0, 0, &f, &err));
	ck_assert_uint_gt(f.ncode, at + 3);
	ck_assert_uint_eq(f.code[at], want);
	ck_assert_uint_eq(f.code[at + 1], a);
	if (want != IOP_BR_NEZ)
		ck_assert_uint_eq(f.code[at + 2], bslot);
	interp_func_free(&f);
	kiln_module_delete(m);
	buf_free(&mod);
	ck_assert_int_eq(start(&r, &copy, &err), KILN_OK);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(ok_i(&r, cases[i][0]), cases[i][1]);
	stop(&r);
}

/* An i32 comparison and the br_if or if consuming it run as one fused
 * branch; an if branches on the comparison's opposite. */
START_TEST(compare_and_branch_fused)
{
	static const int32_t lt[][2] = {{5, 2}, {20, 1}, {10, 1}, {-3, 2}};
	static const int32_t eqz[][2] = {{0, 7}, {3, 9}, {-1, 9}};
	buf b = {0};

	/* block (br_if 0 (x < 10)) return 1 end; 2 */
	PUT(&b, BLOCK, VOID, LOCAL_GET, 0);
	put_i32(&b, 10);
	PUT(&b, 0x48, BR_IF, 0);
	put_i32(&b, 1);
	PUT(&b, RETURN, END);
	put_i32(&b, 2);
	fused(&b, 3, IOP_BR_LT_S, 0, 2, lt, 4);	/* after CONST32 2 10 */

	/* if (x == 0) 7 else 9 */
	PUT(&b, LOCAL_GET, 0, 0x45, IF, I32);
	put_i32(&b, 7);
	put(&b, ELSE);
	put_i32(&b, 9);
	put(&b, END);
	fused(&b, 0, IOP_BR_NEZ, 0, 0, eqz, 3);
}
END_TEST

/* Values read from a local by local.get are the local's value then: a
 * later local.set or local.tee of it, or the function's results written
 * over the parameters, do not change them. */
START_TEST(local_reads_keep_their_values)
{
	static const uint8_t swap[] = {2, I32, I32, 2, I32, I32};
	kiln_val args[2] = {{KILN_I32, {.i32 = 1}}, {KILN_I32, {.i32 = 2}}}, res[2];
	buf b = {0}, mod;
	run r;
	kiln_error err;

	/* x; x = x + 1; x * 10 (local.tee); + : 5 + 60 */
	PUT(&b, LOCAL_GET, 0, LOCAL_GET, 0);
	put_i32(&b, 1);
	PUT(&b, 0x6a, 0x21, 0, LOCAL_GET, 0);
	put_i32(&b, 10);
	PUT(&b, 0x6c, 0x22, 0, 0x6a);
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 5), 65);
	stop(&r);

	/* A loop's start is a label: its local.set of the parameter copies
	 * what each branch back brings, not only the value before the loop.
	 * c = 0; loop (param i32) c = p; if (c < x) continue with c + 1: x + 1 */
	put_i32(&b, 0);
	PUT(&b, LOOP, 0, 0x21, 1, LOCAL_GET, 1);
	put_i32(&b, 1);
	PUT(&b, 0x6a, LOCAL_GET, 1, LOCAL_GET, 0, 0x48, BR_IF, 0, END);
	mod = module_of(I_I, sizeof I_I, &b, 1, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 5), 6);
	stop(&r);

	/* (a, b) -> (b, a) */
	PUT(&b, LOCAL_GET, 1, LOCAL_GET, 0);
	mod = module_of(swap, sizeof swap, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(kiln_func_call(r.f, args, 2, res, 2, NULL, &err), KILN_OK);
	ck_assert_int_eq(res[0].of.i32, 2);
	ck_assert_int_eq(res[1].of.i32, 1);
	stop(&r);
}
END_TEST

/* Traps: integer division, memory bounds, and a recursion that never ends
 * ("call stack exhausted", not a crash). */
START_TEST(traps)
{
	buf b = {0}, mod;
	run r;
	kiln_trap_kind trap;
	kiln_error err;

	put_i32(&b, 1);
	PUT(&b, LOCAL_GET, 0, 0x6d);	/* 1 / x */
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	call_i(&r, 0, &trap);
	ck_assert_int_eq(trap, KILN_TRAP_DIVIDE_BY_ZERO);
	ck_assert_int_eq(ok_i(&r, -1), -1);
	stop(&r);

	PUT(&b, LOCAL_GET, 0, 0x28, 2, 0);	/* i32.load (x) */
	mod = module_of(I_I, sizeof I_I, &b, 0, true);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	ck_assert_int_eq(ok_i(&r, 65532), 0);
	call_i(&r, 65533, &trap);
	ck_assert_int_eq(trap, KILN_TRAP_MEMORY_OOB);
	call_i(&r, -4, &trap);
	ck_assert_int_eq(trap, KILN_TRAP_MEMORY_OOB);
	stop(&r);

	PUT(&b, LOCAL_GET, 0, CALL, 0);	/* f(x) = f(x) */
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start(&r, &mod, &err), KILN_OK);
	call_i(&r, 0, &trap);
	ck_assert_int_eq(trap, KILN_TRAP_STACK_EXHAUSTED);
	stop(&r);
}
END_TEST

/* f(x) = x, through a v128.const that it drops. */
static buf simd_module(void)
{
	buf b = {0};

	PUT(&b, LOCAL_GET, 0, 0xfd, 0x0c);	/* v128.const 0, drop */
	for (int i = 0; i < 16; i++)
		put(&b, 0);
	put(&b, DROP);
	return module_of(I_I, sizeof I_I, &b, 0, true);
}

/* A function the interpreter cannot translate (which it names) is left to
 * the JIT and the module runs; fuel, which it does not charge yet, refuses
 * the whole module. */
START_TEST(compiles_what_it_lacks)
{
	buf mod = simd_module();
	interp_func f = {0};
	run r;
	kiln_error err;

	ck_assert_int_eq(start_with(&r, &mod, false, false, &err), KILN_OK);
	ck_assert(!interp_translate(r.m, 0, 0, &f, &err));
	ck_assert_int_eq(err.status, KILN_ERR_UNSUPPORTED);
	ck_assert_str_eq(err.message, "v128.const in the interpreter is not supported yet");
	ck_assert_int_eq(ok_i(&r, 7), 7);
	stop(&r);

	mod = simd_module();
	ck_assert_int_eq(start_with(&r, &mod, true, true, &err), KILN_ERR_UNSUPPORTED);
	ck_assert_str_eq(err.message, "fuel in the interpreter is not supported yet");
	ck_assert(!krt_code_ready(r.m->code));
	kiln_module_delete(r.m);
	kiln_engine_delete(r.e);
}
END_TEST

/* f(0) through `fn`, which traps; the frames named. */
static kiln_trap_info trap_at_0(kiln_extern fn)
{
	kiln_val arg = {KILN_I32, {.i32 = 0}}, res = {0};
	kiln_trap_info info;
	kiln_error err;

	ck_assert_int_eq(kiln_func_call(fn, &arg, 1, &res, 1, &info, &err), KILN_ERR_TRAP);
	ck_assert_int_eq(info.kind, KILN_TRAP_DIVIDE_BY_ZERO);
	return info;
}

/* Where the thunk at `thunk` jumps: jmp *disp(%rip) after its movabs. */
static void *thunk_target(const uint8_t *thunk)
{
	int32_t disp;
	void *target;

	ck_assert_uint_eq(thunk[10], 0xff);
	ck_assert_uint_eq(thunk[11], 0x25);
	memcpy(&disp, thunk + 12, sizeof disp);
	memcpy(&target, thunk + 16 + disp, sizeof target);
	return target;
}

/* An interpreted function whose count runs out at its entry is compiled
 * at tier 0 (KILN_TIER_UP_SYNC: on the calling thread) and installed: its
 * code entry and trampoline are the JIT's from then on, so a new instance
 * calls compiled code, and so does a call through an instance made
 * before (its funcref still holds the thunk).  The thunk itself jumps to
 * the new entry (the JIT's stub), so that compiled code calling it skips
 * the native adapter.  Tier 0's own count then sends it to tier 1, behind
 * the same entry.  That no call interprets it or runs tier 0 any more
 * shows in its count, which interpreted and tier-0 calls take one off and
 * tier-1 code leaves alone.  A trap's backtrace names function 0 either
 * way: interpreted (a krt_vframe) or compiled. */
START_TEST(tiers_up_and_installs)
{
	kiln_config cfg = kiln_config_default();
	buf b = {0}, mod;
	kiln_instance *inst2;
	kiln_extern f2;
	kiln_trap_info info;
	const _Atomic int32_t *count;
	int32_t installed;
	run r;
	kiln_error err;

	setenv("KILN_TIER_UP_SYNC", "1", 1);
	cfg.tier_up_threshold = 3;
	put_i32(&b, 100);
	PUT(&b, LOCAL_GET, 0, 0x6d);	/* 100 / x */
	mod = module_of(I_I, sizeof I_I, &b, 0, false);
	ck_assert_int_eq(start_cfg(&r, &mod, cfg, true, &err), KILN_OK);
	const uint8_t *thunk = krt_code_entry(r.m->code, 0);
	void *adapter = thunk_target(thunk);
	count = &interp_thunk_func(thunk)->im->counters[0];
	info = trap_at_0(r.f);		/* count 3 -> 2 */
	ck_assert_int_eq(atomic_load(count), 2);
	ck_assert_uint_eq(info.nframes, 1);
	ck_assert_uint_eq(info.frames[0].func_index, 0);
	ck_assert_int_eq(ok_i(&r, 7), 14);	/* 1 */
	ck_assert_int_eq(atomic_load(count), 1);
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tier0_functions, 0);
	ck_assert_int_eq(ok_i(&r, 5), 20);	/* 0: tier 0 compiled, installed */
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tier0_functions, 1);
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tiered_up, 0);
	ck_assert_ptr_ne(krt_code_tramp(r.m->code, 0), (void *)krt_interp_tramp);
	const void *entry = krt_code_entry(r.m->code, 0);
	ck_assert_ptr_ne(entry, thunk);
	ck_assert_ptr_eq(thunk_target(thunk), entry);
	ck_assert_ptr_ne(thunk_target(thunk), adapter);

	info = trap_at_0(r.f);		/* tier 0's count 3 -> 2 */
	ck_assert_uint_ge(info.nframes, 1);
	ck_assert_uint_eq(info.frames[0].func_index, 0);
	ck_assert_int_eq(ok_i(&r, -3), -33);	/* 1 */
	ck_assert_int_eq(ok_i(&r, 4), 25);	/* 0: tier 1 compiled, installed */
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tiered_up, 1);
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tier1_functions, 1);
	ck_assert_ptr_eq(krt_code_entry(r.m->code, 0), entry);
	installed = atomic_load(count);

	ck_assert_int_eq(kiln_instance_new(r.m, NULL, 0, &inst2, NULL, &err), KILN_OK);
	ck_assert(kiln_instance_export(inst2, (kiln_name){"f", 1}, &f2));
	info = trap_at_0(f2);
	ck_assert_uint_eq(info.frames[0].func_index, 0);
	kiln_instance_delete(inst2);
	ck_assert_int_eq(atomic_load(count), installed);
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tier0_functions, 1);
	ck_assert_int_eq(kiln_engine_stats_of(r.e).tier1_functions, 1);
	stop(&r);
}
END_TEST

Suite *interp_suite(void)
{
	Suite *s = suite_create("interp");
	TCase *tc = tcase_create("interp");

	tcase_add_test(tc, deep_nesting_branch_out);
	tcase_add_test(tc, deep_nesting_ifs);
	tcase_add_test(tc, br_table_many_targets);
	tcase_add_test(tc, branch_values_move);
	tcase_add_test(tc, dead_code_after_branch);
	tcase_add_test(tc, slot_form);
	tcase_add_test(tc, local_reads_keep_their_values);
	tcase_add_test(tc, compare_and_branch_fused);
	tcase_add_test(tc, traps);
	tcase_add_test(tc, compiles_what_it_lacks);
	tcase_add_test(tc, tiers_up_and_installs);
	suite_add_tcase(s, tc);
	return s;
}
