/*
 * mutate.c — kiln-mutate DIR...: feeds damaged copies of every .wasm under
 * the given directories to decode + validate.
 *
 * For each module: the original; every truncation (every length for
 * modules up to FULL_TRUNCATE bytes, else a deterministic sample plus every
 * section boundary); bit flips (every bit of modules under FLIP_ALL bytes,
 * else FLIPS seeded random flips of one to three bits).  The point is that
 * nothing crashes, hangs or leaks (run it under ASan); outcomes are only
 * counted.  A mutant accepted where its original was malformed would be
 * suspicious but is possible, so it is not an error.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiln.h"

enum { FULL_TRUNCATE = 4096, SAMPLES = 2000, FLIP_ALL = 128, FLIPS = 256 };

static struct {
	unsigned long modules, mutants, accepted, rejected;
	uint64_t rng;
} st = {0, 0, 0, 0, 0x9e3779b97f4a7c15u};

static uint64_t next_random(void)
{
	/* xorshift64: deterministic across runs. */
	st.rng ^= st.rng << 13;
	st.rng ^= st.rng >> 7;
	st.rng ^= st.rng << 17;
	return st.rng;
}

static void feed(const uint8_t *bytes, size_t n)
{
	kiln_module *m = NULL;
	kiln_error err;
	/* A private copy, exactly n bytes long, so ASan sees any overread. */
	uint8_t *copy = malloc(n ? n : 1);

	if (copy == NULL)
		abort();
	memcpy(copy, bytes, n);
	if (kiln_module_new(copy, n, &m, &err) == KILN_OK)
		st.accepted++;
	else
		st.rejected++;
	st.mutants++;
	kiln_module_delete(m);
	free(copy);
}

static void truncations(const uint8_t *b, size_t n)
{
	kiln_module *m = NULL;
	kiln_error err;

	if (n <= FULL_TRUNCATE) {
		for (size_t k = 0; k < n; k++)
			feed(b, k);
		return;
	}
	for (size_t i = 0; i < SAMPLES; i++)
		feed(b, (size_t)(next_random() % n));
	if (kiln_module_decode(b, n, &m, &err) != KILN_OK)
		return;
	for (size_t i = 0; i < kiln_module_section_count(m); i++) {
		kiln_section_info s = kiln_module_section(m, i);
		feed(b, s.offset);
		feed(b, s.offset + s.size - (s.size > 0));
	}
	kiln_module_delete(m);
}

static void flips(const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (c == NULL)
		abort();
	if (n < FLIP_ALL) {
		for (size_t bit = 0; bit < n * 8; bit++) {
			memcpy(c, b, n);
			c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			feed(c, n);
		}
	} else {
		for (int i = 0; i < FLIPS; i++) {
			memcpy(c, b, n);
			for (int k = 0, nk = 1 + (int)(next_random() % 3); k < nk; k++) {
				uint64_t r = next_random();
				c[(r >> 3) % n] ^= (uint8_t)(1u << (r & 7));
			}
			feed(c, n);
		}
	}
	free(c);
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	size_t len = strlen(path), n;
	uint8_t *b;
	FILE *fp;

	(void)f;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".wasm") != 0)
		return 0;
	n = (size_t)sb->st_size;
	if (!(fp = fopen(path, "rb")))
		return 0;
	b = malloc(n ? n : 1);
	if (b == NULL || fread(b, 1, n, fp) != n) {
		fprintf(stderr, "kiln-mutate: cannot read %s\n", path);
		exit(2);
	}
	fclose(fp);
	st.modules++;
	feed(b, n);
	truncations(b, n);
	flips(b, n);
	free(b);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;

	if (argc < 2) {
		fprintf(stderr, "usage: kiln-mutate DIR...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i < argc; i++)
		if (nftw(argv[i], visit, 16, FTW_PHYS) != 0) {
			perror(argv[i]);
			return 2;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lu modules, %lu mutants (%lu accepted, %lu rejected) in %.1f s\n",
	       st.modules, st.mutants, st.accepted, st.rejected,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return st.modules > 0 ? 0 : 1;
}
