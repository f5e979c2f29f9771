/*
 * mem64.c — a memory-heavy kernel for bench/mem64.sh, built freestanding
 * (no libc: clang has none for wasm64 here) for wasm32 and for wasm64, so
 * that the one difference between the two modules is the index type and,
 * with it, kiln's explicit bounds checks on the 64-bit memory.
 *
 * run(n) makes n passes over a 4 MiB buffer: a byte read-modify-write in
 * order, a strided byte load and a 32-bit load per element (three loads
 * and a store: the accesses dominate).  It returns a hash, which the
 * script checks is the same for both builds.
 */
#define SIZE (4u << 20)

static unsigned char buf[SIZE];

__attribute__((export_name("run"))) unsigned run(unsigned n)
{
	unsigned h = 0;

	for (unsigned r = 0; r < n; r++)
		for (unsigned long i = 0; i < SIZE - 4; i++) {
			unsigned w;

			buf[i] = (unsigned char)(buf[i] * 31 + i + r);
			__builtin_memcpy(&w, &buf[(i * 7) & (SIZE - 8)], 4);
			h = h * 33 + buf[(i * 13) & (SIZE - 1)] + w;
		}
	return h;
}
