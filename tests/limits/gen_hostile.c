/*
 * gen_hostile.c — writes the small modules that demand large resources
 * (issue 17, items 3, 4, 5 and 7), for cli_resource_limits and
 * api_resource_limits.
 *
 *   gen_hostile locals N OUT        _start declaring N i32 locals (0..2^32-1)
 *   gen_hostile tables K N OUT      K tables of N elements each, and _start
 *   gen_hostile grow N OUT          a table of N elements and a second one of
 *                                   0; export grow(i32)->i32 grows the second
 *   gen_hostile blocks B L OUT      _start with L i32 locals and B blocks
 *                                   that add and move them around
 *   gen_hostile nested B L OUT      the same, the blocks nested
 *   gen_hostile loops B L OUT       the same with B loops in a row (each run
 *                                   once): as many on-stack-replacement
 *                                   points, each of which stores L locals
 *
 * Every module is valid; what it asks for is the point.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"

static void leb(buf *b, uint32_t v)
{
	put_u32(b, v);
}

static void byte(buf *b, uint8_t v)
{
	put(b, v);
}

/* Type 0: () -> (); type 1: (i32) -> i32. */
static void types(buf *m)
{
	buf s = {0};

	PUT(&s, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f);
	section(m, 1, &s);
}

static void funcs(buf *m, const uint8_t *type_of, uint32_t n)
{
	buf s = {0};

	leb(&s, n);
	put_n(&s, type_of, n);
	section(m, 3, &s);
}

static void export_func(buf *s, const char *name, uint32_t index)
{
	put_name(s, name);
	byte(s, 0);
	leb(s, index);
}

/* A code section of one entry: `locals` (one run of i32s) and `body`. */
static void code(buf *m, uint32_t locals, buf *body)
{
	buf e = {0}, s = {0};

	if (locals) {
		leb(&e, 1);
		leb(&e, locals);
		byte(&e, 0x7f);
	} else {
		leb(&e, 0);
	}
	put_n(&e, body->p, body->n);
	leb(&s, 1);
	leb(&s, (uint32_t)e.n);
	put_n(&s, e.p, e.n);
	buf_free(&e);
	buf_free(body);
	section(m, 10, &s);
}

static void start_only(buf *m, uint32_t locals, buf *body)
{
	buf s = {0};

	types(m);
	funcs(m, (const uint8_t[]){0}, 1);
	leb(&s, 1);
	export_func(&s, "_start", 0);
	section(m, 7, &s);
	code(m, locals, body);
}

static void gen_locals(buf *m, uint32_t n)
{
	buf body = {0};

	byte(&body, 0x0b);
	start_only(m, n, &body);
}

static void table(buf *s, uint32_t min)
{
	byte(s, 0x70);	/* funcref */
	byte(s, 0x00);	/* no maximum */
	leb(s, min);
}

static void gen_tables(buf *m, uint32_t k, uint32_t n)
{
	buf s = {0}, body = {0};

	types(m);
	funcs(m, (const uint8_t[]){0}, 1);
	leb(&s, k);
	for (uint32_t i = 0; i < k; i++)
		table(&s, n);
	section(m, 4, &s);
	leb(&s, 1);
	export_func(&s, "_start", 0);
	section(m, 7, &s);
	byte(&body, 0x0b);
	code(m, 0, &body);
}

static void gen_grow(buf *m, uint32_t n)
{
	buf s = {0}, body = {0};

	types(m);
	funcs(m, (const uint8_t[]){1}, 1);
	leb(&s, 2);
	table(&s, n);
	table(&s, 0);
	section(m, 4, &s);
	leb(&s, 1);
	export_func(&s, "grow", 0);
	section(m, 7, &s);
	/* ref.null func, local.get 0, table.grow 1 */
	PUT(&body, 0xd0, 0x70, 0x20, 0x00, 0xfc, 0x0f, 0x01, 0x0b);
	code(m, 0, &body);
}

static void gen_blocks(buf *m, uint32_t blocks, uint32_t locals, bool nested, uint8_t op)
{
	buf body = {0};
	uint64_t x = 1;

	for (uint32_t i = 0; i < blocks; i++) {
		byte(&body, op);	/* block or loop */
		byte(&body, 0x40);
		for (int k = 0; k < 3; k++) {
			uint32_t a, b, c;
			x = x * 6364136223846793005u + 1442695040888963407u;
			a = (uint32_t)(x >> 33) % locals;
			b = (uint32_t)(x >> 13) % locals;
			c = (uint32_t)(x >> 43) % locals;
			byte(&body, 0x20), leb(&body, a);	/* local.get */
			byte(&body, 0x20), leb(&body, b);
			byte(&body, 0x6a);			/* i32.add */
			byte(&body, 0x21), leb(&body, c);	/* local.set */
		}
		byte(&body, 0x20), leb(&body, (uint32_t)(x >> 20) % locals);
		if (op == 0x03)
			byte(&body, 0x1a);		/* drop: a loop runs once */
		else
			byte(&body, 0x0d), byte(&body, 0x00);	/* br_if 0 */
		if (!nested)
			byte(&body, 0x0b);
	}
	for (uint32_t i = 0; nested && i < blocks; i++)
		byte(&body, 0x0b);
	byte(&body, 0x0b);
	start_only(m, locals, &body);
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_hostile locals N OUT | tables K N OUT | grow N OUT | "
			"blocks|nested|loops B L OUT\n");
	return 2;
}

int main(int argc, char **argv)
{
	buf m = {0};
	const char *out;
	FILE *f;

	if (argc < 4)
		return usage();
	mod_header(&m);
	if (!strcmp(argv[1], "locals") && argc == 4)
		gen_locals(&m, (uint32_t)strtoul(argv[2], NULL, 0));
	else if (!strcmp(argv[1], "tables") && argc == 5)
		gen_tables(&m, (uint32_t)strtoul(argv[2], NULL, 0),
			   (uint32_t)strtoul(argv[3], NULL, 0));
	else if (!strcmp(argv[1], "grow") && argc == 4)
		gen_grow(&m, (uint32_t)strtoul(argv[2], NULL, 0));
	else if ((!strcmp(argv[1], "blocks") || !strcmp(argv[1], "nested") ||
		  !strcmp(argv[1], "loops")) && argc == 5)
		gen_blocks(&m, (uint32_t)strtoul(argv[2], NULL, 0),
			   (uint32_t)strtoul(argv[3], NULL, 0), argv[1][0] == 'n',
			   argv[1][0] == 'l' ? 0x03 : 0x02);
	else
		return usage();
	out = argv[argc - 1];
	if (!(f = fopen(out, "wb")) || fwrite(m.p, 1, m.n, f) != m.n || fclose(f) != 0) {
		perror(out);
		return 2;
	}
	buf_free(&m);
	return 0;
}
