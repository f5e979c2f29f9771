/*
 * test_limits.c — resource limits through the public API: the defaults
 * are V8's; a module over kiln_module_limits is refused at decode
 * (KILN_ERR_LIMIT, the limit named), kiln_module_decode_limited and
 * kiln_config.limits move the limits; kiln_config.max_table_elements and
 * the pool's max_instance_table_elements cap an instance's tables, and
 * table.grow past the cap returns -1; a function over the SSA thresholds
 * (its locals in a frame array, unoptimised) computes what the SSA-lowered
 * one does.  Modules built byte by byte (tests/unit/builder.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "builder.h"
#include "check.h"
#include "test_util.h"

/* f(x: i32) -> i32 with `n64` i64 then `n32` i32 locals: stores x in the
 * last local and returns it + (its first i32 local, zero) + 1; also
 * exported as "f".  A table of `table_min` elements and
 * grow(n) = table.grow(ref.null, n). */
static buf build(uint32_t n64, uint32_t n32, uint32_t table_min)
{
	buf m = {0}, s = {0}, e = {0};
	uint32_t last = n64 + n32, first32 = 1 + n64;

	mod_header(&m);
	PUT(&s, 1, 0x60, 1, 0x7f, 1, 0x7f);
	section(&m, 1, &s);
	PUT(&s, 2, 0, 0);
	section(&m, 3, &s);
	PUT(&s, 1, 0x70, 0), put_u32(&s, table_min);
	section(&m, 4, &s);
	put(&s, 2), put_name(&s, "f"), PUT(&s, 0, 0), put_name(&s, "grow"), PUT(&s, 0, 1);
	section(&m, 7, &s);
	put(&e, 2), put_u32(&e, n64), put(&e, 0x7e), put_u32(&e, n32), put(&e, 0x7f);
	PUT(&e, 0x20, 0, 0x21), put_u32(&e, last);		/* local.set last */
	put(&e, 0x20), put_u32(&e, last);
	put(&e, 0x20), put_u32(&e, first32);
	PUT(&e, 0x6a, 0x41, 1, 0x6a, 0x0b);			/* add, +1 */
	put(&s, 2), put_u32(&s, (uint32_t)e.n), put_n(&s, e.p, e.n);
	buf_free(&e);
	PUT(&s, 9, 0, 0xd0, 0x70, 0x20, 0, 0xfc, 0x0f, 0, 0x0b);	/* table.grow 0 */
	section(&m, 10, &s);
	return m;
}

static int32_t call1(kiln_instance *inst, const char *name, int32_t x)
{
	kiln_val a = {KILN_I32, {.i32 = x}}, r = {0};

	if (kiln_func_call(export(inst, name), &a, 1, &r, 1, NULL, NULL) != KILN_OK)
		return -12345;
	return r.of.i32;
}

static void defaults(void)
{
	kiln_module_limits l = kiln_module_limits_default();
	kiln_config c = kiln_config_default();

	CHECK(l.max_locals == 50000 && l.max_func_size == 7654321 && l.max_funcs == 1000000 &&
	      l.max_types == 1000000 && l.max_imports == 100000 && l.max_exports == 100000 &&
	      l.max_globals == 1000000 && l.max_data_segments == 100000 &&
	      l.max_br_table == 65520 && l.max_tables == 100000 && l.max_tags == 1000000,
	      "V8's limits by default");
	CHECK(c.limits.max_locals == 50000 && c.max_table_elements == 10000000 &&
	      c.ssa_max_locals == KILN_SSA_MAX_LOCALS && c.ssa_max_body == KILN_SSA_MAX_BODY,
	      "kiln_config_default sets the limits");
	CHECK(!strcmp(kiln_status_string(KILN_ERR_LIMIT), "resource limit exceeded"),
	      "status string: %s", kiln_status_string(KILN_ERR_LIMIT));
}

/* 60,000 locals: refused by default, accepted with a raised limit, and
 * refused again by an engine whose config keeps the default. */
static void locals(void)
{
	buf b = build(30000, 30000, 0);
	kiln_module_limits raised = {.max_locals = 100000};
	kiln_module *m = NULL;
	kiln_engine *e = NULL;
	kiln_config c = kiln_config_default();
	kiln_error err;
	kiln_status st;

	st = kiln_module_decode(b.p, b.n, &m, &err);
	CHECK(st == KILN_ERR_LIMIT && m == NULL && err.status == KILN_ERR_LIMIT &&
	      !strcmp(err.message, "function 0 declares 60001 locals with its parameters, "
				   "limit 50000 (max_locals)"), "decode: %d %s", st, err.message);
	st = kiln_module_decode_limited(b.p, b.n, &raised, &m, &err);
	CHECK(st == KILN_OK, "decode with max_locals 100000: %s", err.message);
	if (st == KILN_OK) {
		kiln_engine_new(&c, &e, &err);
		st = kiln_module_compile(e, m, &err);
		CHECK(st == KILN_ERR_LIMIT && strstr(err.message, "(max_locals)"),
		      "an engine with the default limits refuses it: %d %s", st, err.message);
		kiln_module_delete(m);
		kiln_engine_delete(e);
	}
	/* The engine's limits lower what decoding allowed. */
	buf small = build(10, 10, 0);
	c.limits.max_locals = 20;
	if (kiln_module_new(small.p, small.n, &m, &err) == KILN_OK &&
	    kiln_engine_new(&c, &e, &err) == KILN_OK) {
		st = kiln_module_compile(e, m, &err);
		CHECK(st == KILN_ERR_LIMIT &&
		      !strcmp(err.message, "function 0 declares 21 locals with its parameters, "
					   "limit 20 (max_locals)"), "engine max_locals 20: %s",
		      err.message);
	} else {
		CHECK(0, "setup: %s", err.message);
	}
	kiln_module_delete(m);
	kiln_engine_delete(e);
	buf_free(&small);
	buf_free(&b);
}

/* Three tags (exception handling): over max_tags 2, at decoding and in an
 * engine. */
static void tags(void)
{
	static const uint8_t three[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0,
					13, 7, 3, 0, 0, 0, 0, 0, 0};
	kiln_module_limits two = {.max_tags = 2};
	kiln_config c = kiln_config_default();
	kiln_module *m = NULL;
	kiln_engine *e = NULL;
	kiln_error err;

	CHECK(kiln_module_decode_limited(three, sizeof three, &two, &m, &err) == KILN_ERR_LIMIT &&
	      !strcmp(err.message, "module declares 3 tags, limit 2 (max_tags)"),
	      "decode, max_tags 2: %s", err.message);
	c.limits.max_tags = 2;
	if (kiln_module_new(three, sizeof three, &m, &err) == KILN_OK &&
	    kiln_engine_new(&c, &e, &err) == KILN_OK)
		CHECK(kiln_module_compile(e, m, &err) == KILN_ERR_LIMIT &&
		      strstr(err.message, "(max_tags)"), "engine max_tags 2: %s", err.message);
	else
		CHECK(0, "setup: %s", err.message);
	kiln_module_delete(m);
	kiln_engine_delete(e);
}

/* The same function, its locals in SSA values and in a frame array. */
static void frame_lowering(uint32_t ssa_max_locals, uint32_t n, const char *what)
{
	buf b = build(n, n, 0);
	kiln_config c = kiln_config_default();
	kiln_module *m = NULL;
	kiln_engine *e = NULL;
	kiln_instance *inst = NULL;
	kiln_trap_kind trap;
	kiln_error err;

	c.ssa_max_locals = ssa_max_locals;
	if (kiln_engine_new(&c, &e, &err) != KILN_OK ||
	    kiln_module_new(b.p, b.n, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK ||
	    kiln_instance_new(m, NULL, 0, &inst, &trap, &err) != KILN_OK) {
		CHECK(0, "%s: %s", what, err.message);
	} else {
		CHECK(call1(inst, "f", 41) == 42 && call1(inst, "f", -7) == -6,
		      "%s: f(41) = %d", what, call1(inst, "f", 41));
	}
	kiln_instance_delete(inst);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	buf_free(&b);
}

static kiln_status instantiate(const buf *b, uint32_t engine_cap, uint32_t pool_cap,
			       kiln_instance **inst, kiln_pool **pool, kiln_module **m,
			       kiln_engine **e, kiln_error *err)
{
	kiln_config c = kiln_config_default();
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_trap_kind trap;
	kiln_status st;

	c.max_table_elements = engine_cap;
	pc.max_instances = 1;
	pc.max_instance_table_elements = pool_cap;
	*inst = NULL;
	*pool = NULL;
	if ((st = kiln_engine_new(&c, e, err)) || (st = kiln_module_new(b->p, b->n, m, err)) ||
	    (st = kiln_module_compile(*e, *m, err)))
		return st;
	if (pool_cap && (st = kiln_pool_new(&pc, pool, err)))
		return st;
	return *pool ? kiln_instance_new_pooled(*pool, *m, NULL, 0, inst, &trap, err)
		     : kiln_instance_new(*m, NULL, 0, inst, &trap, err);
}

/* A table of 100: the engine's and the pool's caps. */
static void tables(uint32_t engine_cap, uint32_t pool_cap, uint32_t can_grow, const char *what)
{
	buf b = build(1, 1, 100);
	kiln_instance *inst;
	kiln_pool *pool;
	kiln_module *m = NULL;
	kiln_engine *e = NULL;
	kiln_error err;
	kiln_status st = instantiate(&b, engine_cap, pool_cap, &inst, &pool, &m, &e, &err);

	if (can_grow == 0) {
		CHECK(st == KILN_ERR_LIMIT && inst == NULL &&
		      strstr(err.message, "tables of 100 elements in all exceed the limit") &&
		      strstr(err.message, "(max_table_elements)"), "%s: refused: %d %s", what, st,
		      st ? err.message : "");
	} else if (st != KILN_OK) {
		CHECK(0, "%s: %s", what, err.message);
	} else {
		CHECK(call1(inst, "grow", (int32_t)can_grow + 1) == -1,
		      "%s: growing past the cap returns -1", what);
		CHECK(call1(inst, "grow", (int32_t)can_grow) == 100,
		      "%s: growing up to the cap works", what);
		CHECK(call1(inst, "grow", 1) == -1, "%s: and no further", what);
	}
	kiln_instance_delete(inst);
	kiln_pool_delete(pool);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	buf_free(&b);
}

int main(void)
{
	defaults();
	locals();
	tags();
	frame_lowering(UINT32_MAX, 600, "SSA locals");
	frame_lowering(0, 600, "frame array (default threshold, 1201 locals)");
	frame_lowering(10, 10, "frame array (threshold 10)");
	tables(50, 0, 0, "engine cap 50");
	tables(200, 0, 100, "engine cap 200");
	tables(0, 0, 10000000 - 100, "default cap");
	tables(0, 150, 50, "pool cap 150");
	tables(1000, 40, 0, "pool cap 40 under engine cap 1000");
	if (failures == 0)
		printf("all passed\n");
	return failures != 0;
}
