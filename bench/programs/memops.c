/* memops.c — memcpy and memmove of blocks of many sizes, overlapping and
 * not, with a checksum of the result.  memops [ROUNDS] (default 300) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1 << 20)

static uint8_t a[N], b[N];

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 300;
	uint32_t seed = 7, sum = 0;

	for (int i = 0; i < N; i++)
		a[i] = (uint8_t)(i * 31 + (i >> 8));
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 64; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t len = (seed >> 8) % (N / 4) + 1;
			size_t from = (seed >> 4) % (N - len), to = (seed >> 12) % (N - len);
			if (k & 1)
				memmove(a + to, a + from, len);	/* may overlap */
			else
				memcpy(b + to, a + from, len);
		}
		for (int i = 0; i < N; i += 4093)
			sum = sum * 31 + a[i] + b[i];
	}
	printf("memops checksum: %u\n", sum);
	return 0;
}
