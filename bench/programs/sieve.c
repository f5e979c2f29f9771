/* sieve.c — a memory-bound loop: the sieve of Eratosthenes over a byte
 * array, repeated.  sieve [ROUNDS] (default 40) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (4 << 20)

static unsigned char composite[N];

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 40;
	unsigned long count = 0;

	for (int r = 0; r < rounds; r++) {
		memset(composite, 0, sizeof composite);
		for (unsigned i = 2; (unsigned long)i * i < N; i++)
			if (!composite[i])
				for (unsigned j = i * i; j < N; j += i)
					composite[j] = 1;
		for (unsigned i = 2; i < N; i++)
			count += !composite[i];
	}
	printf("primes below %d, %d times: %lu\n", N, rounds, count);
	return 0;
}
