/* qsort.c — sorting with a comparator called through a pointer (wasm:
 * call_indirect): quicksort written here over records, by two keys.
 * qsort [N] (default 1000000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct rec {
	uint32_t key;
	int32_t tie;
} rec;

typedef int (*cmp_fn)(const rec *, const rec *);

static int by_key(const rec *a, const rec *b)
{
	return a->key < b->key ? -1 : a->key > b->key ? 1 : (a->tie > b->tie) - (a->tie < b->tie);
}

static int by_tie(const rec *a, const rec *b)
{
	return a->tie != b->tie ? (a->tie > b->tie) - (a->tie < b->tie)
				: (a->key > b->key) - (a->key < b->key);
}

static void swap(rec *a, rec *b)
{
	rec t = *a;
	*a = *b;
	*b = t;
}

static void sort(rec *v, long n, cmp_fn cmp)
{
	while (n > 16) {
		rec *m = v + n / 2, *hi = v + n - 1;
		if (cmp(m, v) < 0) swap(m, v);
		if (cmp(hi, m) < 0) swap(hi, m);
		if (cmp(m, v) < 0) swap(m, v);
		rec pivot = *m;
		long i = 0, j = n - 1;
		for (;;) {
			while (cmp(&v[i], &pivot) < 0) i++;
			while (cmp(&pivot, &v[j]) < 0) j--;
			if (i >= j) break;
			swap(&v[i++], &v[j--]);
		}
		if (j + 1 < n - j - 1) {
			sort(v, j + 1, cmp);
			v += j + 1, n -= j + 1;
		} else {
			sort(v + j + 1, n - j - 1, cmp);
			n = j + 1;
		}
	}
	for (long i = 1; i < n; i++)
		for (long j = i; j > 0 && cmp(&v[j], &v[j - 1]) < 0; j--)
			swap(&v[j], &v[j - 1]);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	rec *v = malloc(sizeof *v * (size_t)n);
	uint32_t seed = 1, sum = 0;
	cmp_fn cmps[2] = {by_key, by_tie};

	if (!v)
		return 1;
	for (int pass = 0; pass < 2; pass++) {
		for (long i = 0; i < n; i++) {
			seed = seed * 1664525u + 1013904223u;
			v[i] = (rec){seed, (int32_t)(seed >> 20) - 2048};
		}
		sort(v, n, cmps[pass]);
		for (long i = 1; i < n; i++)
			if (cmps[pass](&v[i - 1], &v[i]) > 0)
				return printf("not sorted at %ld\n", i), 1;
		for (long i = 0; i < n; i += 997)
			sum = sum * 31 + v[i].key;
	}
	printf("qsort %ld: %u\n", n, sum);
	free(v);
	return 0;
}
