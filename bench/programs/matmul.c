/* matmul.c — matrix multiply in f64 (i-k-j order), repeated.
 * matmul [N] (default 300) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	double *a = malloc(sizeof *a * (size_t)n * (size_t)n);
	double *b = malloc(sizeof *b * (size_t)n * (size_t)n);
	double *c = calloc((size_t)n * (size_t)n, sizeof *c);
	double trace = 0;

	if (!a || !b || !c)
		return 1;
	for (int i = 0; i < n * n; i++) {
		a[i] = (double)(i % 17) / 8.0 - 1.0;
		b[i] = (double)(i % 13) / 4.0 - 1.5;
	}
	for (int r = 0; r < 4; r++)
		for (int i = 0; i < n; i++)
			for (int k = 0; k < n; k++) {
				double aik = a[i * n + k];
				for (int j = 0; j < n; j++)
					c[i * n + j] += aik * b[k * n + j];
			}
	for (int i = 0; i < n; i++)
		trace += c[i * n + i];
	printf("matmul %d: trace %.6f\n", n, trace);
	free(a), free(b), free(c);
	return 0;
}
