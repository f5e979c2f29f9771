/* mandelbrot.c — floating point in a tight loop: the Mandelbrot set on a
 * grid, iteration counts summed.  mandelbrot [SIZE] (default 1000) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int size = argc > 1 ? atoi(argv[1]) : 1000;
	unsigned long total = 0;

	for (int y = 0; y < size; y++) {
		double ci = 2.0 * y / size - 1.0;
		for (int x = 0; x < size; x++) {
			double cr = 2.0 * x / size - 1.5, zr = 0, zi = 0;
			int i = 0;
			while (i < 100 && zr * zr + zi * zi <= 4.0) {
				double t = zr * zr - zi * zi + cr;
				zi = 2.0 * zr * zi + ci;
				zr = t;
				i++;
			}
			total += (unsigned long)i;
		}
	}
	printf("mandelbrot %d: %lu iterations\n", size, total);
	return 0;
}
