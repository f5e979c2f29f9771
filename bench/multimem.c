/*
 * multimem.c — `kiln-bench-multimem IN.wasm OUT.kwasm [--second-memory]`:
 * compiles a module to an artifact, as is or with a second memory added
 * (bench/multimem.sh times the two); OUT.wasm: writes the module instead.
 *
 * The second memory (1 page) is appended to the memory section, so the
 * program's own memory stays memory 0 and every access it makes is
 * unchanged; a data segment ("memory 1") is appended for it, so that
 * instantiation fills it and the module is a multi-memory one in the
 * artifact and at run time: two reservations, ctx->memories in use.  The
 * data count section, when there is one, counts the new segment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

#include "test_util.h"

typedef struct out {
	uint8_t *p;
	size_t n;
} out;

static void put(out *o, const void *b, size_t n)
{
	memcpy(o->p + o->n, b, n);
	o->n += n;
}

static void put_u32(out *o, uint32_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		b |= v ? 0x80 : 0;
		put(o, &b, 1);
	} while (v);
}

static uint32_t get_u32(const uint8_t **p)
{
	uint32_t v = 0;
	unsigned shift = 0;

	do
		v |= (uint32_t)(**p & 0x7f) << shift, shift += 7;
	while (*(*p)++ & 0x80);
	return v;
}

/* A section `id` of `count` + 1 entries: the old ones, then `extra`. */
static void grown_section(out *o, uint8_t id, const uint8_t *body, size_t len,
			  const uint8_t *extra, size_t nextra)
{
	out s = {malloc(len + nextra + 16), 0};
	const uint8_t *p = body;
	uint32_t count = get_u32(&p);

	put_u32(&s, count + 1);
	put(&s, p, len - (size_t)(p - body));
	put(&s, extra, nextra);
	put(o, &id, 1);
	put_u32(o, (uint32_t)s.n);
	put(o, s.p, s.n);
	free(s.p);
}

/* The module with a second memory and a data segment for it. */
static uint8_t *add_memory(const uint8_t *in, size_t len, size_t *out_len)
{
	static const uint8_t memtype[] = {0x00, 0x01};	/* min 1, no max */
	/* flags 2, memory 1, offset i32.const 0, 8 bytes */
	static const uint8_t seg[] = {0x02, 0x01, 0x41, 0x00, 0x0b, 8, 'm', 'e', 'm', 'o', 'r',
				      'y', ' ', '1'};
	out o = {malloc(len + 64), 0};
	const uint8_t *p = in + 8, *end = in + len;
	bool memory = false;

	put(&o, in, 8);
	while (p < end) {
		uint8_t id = *p++;
		uint32_t size = get_u32(&p);
		if (id == 5 || id == 11) {
			grown_section(&o, id, p, size, id == 5 ? memtype : seg,
				      id == 5 ? sizeof memtype : sizeof seg);
			memory |= id == 5;
		} else if (id == 12) {
			const uint8_t *q = p;
			uint32_t n = get_u32(&q) + 1;
			out c = {(uint8_t[8]){0}, 0};
			put_u32(&c, n);
			put(&o, &id, 1);
			put_u32(&o, (uint32_t)c.n);
			put(&o, c.p, c.n);
		} else {
			put(&o, &id, 1);
			put_u32(&o, size);
			put(&o, p, size);
		}
		p += size;
	}
	if (!memory) {	/* an imported memory 0: not what this bench is for */
		free(o.p);
		return NULL;
	}
	*out_len = o.n;
	return o.p;
}

int main(int argc, char **argv)
{
	bool second = argc == 4 && !strcmp(argv[3], "--second-memory");
	uint32_t features = KILN_FEATURES_DEFAULT | KILN_FEATURE_MULTI_MEMORY;
	size_t len = 0, alen = 0;
	uint8_t *bytes, *art = NULL;
	kiln_engine *e = NULL;
	kiln_module *m = NULL;
	kiln_error err = {0};
	FILE *f;

	if ((argc != 3 && !second) || !(bytes = read_file(argv[1], &len))) {
		fprintf(stderr, "usage: kiln-bench-multimem IN.wasm OUT.kwasm [--second-memory]\n");
		return 2;
	}
	if (second) {
		uint8_t *b = add_memory(bytes, len, &len);
		free(bytes);
		if (!(bytes = b)) {
			fprintf(stderr, "%s: no memory section\n", argv[1]);
			return 1;
		}
	}
	if (strlen(argv[2]) > 5 && !strcmp(argv[2] + strlen(argv[2]) - 5, ".wasm")) {
		art = bytes;	/* the module itself, to inspect */
		alen = len;
		bytes = NULL;
	} else if (kiln_engine_new(NULL, &e, &err) != KILN_OK ||
	    kiln_module_decode_features(bytes, len, NULL, features, &m, &err) != KILN_OK ||
	    kiln_module_validate(m, &err) != KILN_OK ||
	    kiln_module_serialize(e, m, &art, &alen, &err) != KILN_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], err.message);
		return 1;
	}
	if (!(f = fopen(argv[2], "wb")) || fwrite(art, 1, alen, f) != alen || fclose(f)) {
		fprintf(stderr, "%s: cannot write\n", argv[2]);
		return 1;
	}
	free(art);
	free(bytes);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	return 0;
}
