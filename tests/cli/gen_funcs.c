/*
 * gen_funcs.c — writes the many-function modules of cli_compile_cost.sh to
 * stdout:
 *   gen_funcs chain N   f0 calls f1 ... calls f(N-1); "main" (= f0)
 *                       returns N-1.  Every call compiles one more body.
 *   gen_funcs many N    N functions (i32) -> i32, "f<i>" returns x + i,
 *                       all exported: only the one called should be compiled.
 *   gen_funcs spin      a start function that loops forever calling an
 *                       empty function (an opaque call: the loop cannot be
 *                       folded away), for --fuel.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		if (!(b->p = realloc(b->p, b->cap))) {
			perror("gen_funcs");
			exit(1);
		}
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void byte(buf *b, uint8_t x)
{
	put(b, &x, 1);
}

static void uleb(buf *b, uint64_t x)
{
	do {
		uint8_t c = x & 0x7f;
		x >>= 7;
		byte(b, c | (x ? 0x80 : 0));
	} while (x);
}

static void sleb(buf *b, int64_t x)
{
	for (;;) {
		uint8_t c = x & 0x7f;
		x >>= 7;
		if ((x == 0 && !(c & 0x40)) || (x == -1 && (c & 0x40))) {
			byte(b, c);
			return;
		}
		byte(b, c | 0x80);
	}
}

static void section(buf *out, uint8_t id, buf *body)
{
	byte(out, id);
	uleb(out, body->n);
	put(out, body->p, body->n);
	body->n = 0;
}

static void name(buf *b, const char *s)
{
	uleb(b, strlen(s));
	put(b, s, strlen(s));
}

int main(int argc, char **argv)
{
	buf out = {0}, s = {0}, f = {0};
	char nm[32];
	bool chain = argc == 3 && !strcmp(argv[1], "chain");
	bool spin = argc == 2 && !strcmp(argv[1], "spin");
	uint32_t n = argc == 3 ? (uint32_t)strtoul(argv[2], NULL, 10) : 2;

	if ((!chain && !spin && (argc != 3 || strcmp(argv[1], "many"))) || n == 0) {
		fprintf(stderr, "usage: gen_funcs chain N | many N | spin\n");
		return 2;
	}
	put(&out, "\0asm\1\0\0\0", 8);
	/* type 0: (i32) -> i32 for many, () -> i32 for chain, () -> () for spin */
	uleb(&s, 1);
	byte(&s, 0x60);
	uleb(&s, chain || spin ? 0 : 1);
	if (!chain && !spin)
		byte(&s, 0x7f);
	uleb(&s, spin ? 0 : 1);
	if (!spin)
		byte(&s, 0x7f);
	section(&out, 1, &s);
	uleb(&s, n);
	for (uint32_t i = 0; i < n; i++)
		uleb(&s, 0);
	section(&out, 3, &s);
	uleb(&s, chain || spin ? 1 : n);
	for (uint32_t i = 0; i < (chain || spin ? 1 : n); i++) {
		snprintf(nm, sizeof nm, "f%u", i);
		name(&s, chain ? "main" : spin ? "_start" : nm);
		byte(&s, 0);	/* func */
		uleb(&s, i);
	}
	section(&out, 7, &s);
	if (spin) {
		uleb(&s, 0);
		section(&out, 8, &s);	/* start: function 0 */
	}
	uleb(&s, n);
	for (uint32_t i = 0; i < n; i++) {
		f.n = 0;
		uleb(&f, 0);	/* no locals */
		if (spin) {
			if (i == 0)	/* loop call 1 br 0 end */
				put(&f, "\x03\x40\x10\x01\x0c\x00\x0b", 7);
		} else if (chain && i + 1 < n) {
			byte(&f, 0x10);	/* call i+1 */
			uleb(&f, i + 1);
			put(&f, "\x41\x01\x6a", 3);	/* i32.const 1; i32.add */
		} else if (chain) {
			put(&f, "\x41\x00", 2);
		} else {
			byte(&f, 0x20);	/* local.get 0 */
			uleb(&f, 0);
			byte(&f, 0x41);
			sleb(&f, i);
			byte(&f, 0x6a);
		}
		byte(&f, 0x0b);
		uleb(&s, f.n);
		put(&s, f.p, f.n);
	}
	section(&out, 10, &s);
	fwrite(out.p, 1, out.n, stdout);
	free(out.p);
	free(s.p);
	free(f.p);
	return ferror(stdout) ? 1 : 0;
}
