/*
 * builder.h — assembling small binary modules in tests, byte by byte.
 *
 *   buf m = {0};
 *   mod_header(&m);
 *   buf s = {0}; put(&s, 1); put(&s, 0x60); ...; section(&m, 1, &s);
 *
 * Buffers grow on the heap; buf_free releases them.  Failing allocation
 * aborts: these are tests.
 */
#ifndef KILN_TEST_BUILDER_H
#define KILN_TEST_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"

typedef struct buf {
	uint8_t *p;
	size_t n, cap;
} buf;

static inline void put_n(buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 16;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static inline void put(buf *b, uint8_t byte)
{
	put_n(b, &byte, 1);
}

#define PUT(b, ...)                                                            \
	put_n((b), (const uint8_t[]){__VA_ARGS__},                             \
	      sizeof((const uint8_t[]){__VA_ARGS__}))

static inline void put_u32(buf *b, uint32_t v)
{
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		put(b, byte | (v ? 0x80 : 0));
	} while (v);
}

static inline void put_name(buf *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put_n(b, s, strlen(s));
}

static inline void buf_free(buf *b)
{
	free(b->p);
	*b = (buf){0};
}

static inline void mod_header(buf *m)
{
	PUT(m, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
}

/* Appends section `id` with `content` (freed). */
static inline void section(buf *m, uint8_t id, buf *content)
{
	put(m, id);
	put_u32(m, (uint32_t)content->n);
	put_n(m, content->p, content->n);
	buf_free(content);
}

/* A case table's bytes and their count, two fields: B(0x41, 1, 0x0b). */
#define B(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

/* Decodes the module with `features` under `limits` (NULL: the defaults)
 * and validates it: the first failure's status, or KILN_OK. */
static inline kiln_status decode_and_validate(const buf *m, uint32_t features,
					      const kiln_module_limits *limits,
					      kiln_error *err)
{
	kiln_module *mod = NULL;
	kiln_status st = kiln_module_decode_features(m->p, m->n, limits, features, &mod, err);

	if (st == KILN_OK)
		st = kiln_module_validate(mod, err);
	kiln_module_delete(mod);
	return st;
}

#endif /* KILN_TEST_BUILDER_H */
