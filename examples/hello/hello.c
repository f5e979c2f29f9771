/*
 * hello.c — kiln's bundled example program, compiled to wasm32-wasi at
 * build time.  It prints a greeting, the primes below 100 and a checksum,
 * so that a run shows both I/O (WASI) and computation.
 */
#include <stdint.h>
#include <stdio.h>

static int is_prime(unsigned n)
{
	if (n < 2)
		return 0;
	for (unsigned d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

int main(void)
{
	uint32_t sum = 0;

	printf("Hello from WebAssembly, compiled by clang and run by kiln.\n");
	printf("primes below 100:");
	for (unsigned n = 0; n < 100; n++) {
		if (is_prime(n)) {
			printf(" %u", n);
			sum = sum * 31 + n;
		}
	}
	printf("\nchecksum: %u\n", (unsigned)sum);
	return 0;
}
