/*
 * compute.c — a WAGI handler that computes: a 64×32 ASCII Mandelbrot set
 * (up to ITER iterations a point, ITER from the query "iter=N", default
 * 200), about 0.2 ms of arithmetic and 2 KiB of output a request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	const char *q = getenv("QUERY_STRING"), *at;
	int iter = 200;

	if (q && (at = strstr(q, "iter=")) && atoi(at + 5) > 0)
		iter = atoi(at + 5);
	printf("Content-Type: text/plain\n\n");
	for (int y = 0; y < 32; y++) {
		char line[65];
		for (int x = 0; x < 64; x++) {
			double cr = -2.2 + 3.0 * x / 64, ci = -1.2 + 2.4 * y / 32, zr = 0, zi = 0;
			int n = 0;
			while (n < iter && zr * zr + zi * zi < 4) {
				double t = zr * zr - zi * zi + cr;
				zi = 2 * zr * zi + ci;
				zr = t;
				n++;
			}
			line[x] = " .:-=+*#%@"[n == iter ? 9 : n % 9];
		}
		line[64] = 0;
		puts(line);
	}
	return 0;
}
