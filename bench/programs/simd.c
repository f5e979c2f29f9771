/*
 * simd.c — a SIMD benchmark: a dot product of two float arrays and an
 * alpha blend of two 8-bit images, repeated, with a checksum.
 *
 * Built three ways from this one source (bench/CMakeLists.txt): for wasm
 * with -msimd128, where the kernels use wasm_simd128.h; for wasm without
 * it, where the plain C loops below are the kernels (scalar wasm); and
 * natively, the same plain C loops compiled for this machine.  Every build
 * prints the same checksum.  `simd [ROUNDS]` (default 2000).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define N 4096

static float xs[N], ys[N];
static uint8_t img_a[N * 4], img_b[N * 4], img_out[N * 4];

static float dot(const float *x, const float *y, int n)
{
#ifdef __wasm_simd128__
	v128_t acc = wasm_f32x4_splat(0.0f);
	for (int i = 0; i < n; i += 4)
		acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
	return wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
	       wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
#else
	/* Four partial sums, as the SIMD version keeps, so results agree. */
	float s[4] = {0, 0, 0, 0};
	for (int i = 0; i < n; i += 4)
		for (int k = 0; k < 4; k++)
			s[k] += x[i + k] * y[i + k];
	return s[0] + s[1] + s[2] + s[3];
#endif
}

/* out = (a * alpha + b * (255 - alpha) + 127) / 255, approximated as
 * ((a * alpha + b * (255 - alpha)) * 257 + 257) >> 16 per byte. */
static void blend(uint8_t *out, const uint8_t *a, const uint8_t *b, int n, uint8_t alpha)
{
#ifdef __wasm_simd128__
	v128_t wa = wasm_i16x8_splat(alpha), wb = wasm_i16x8_splat(255 - alpha);
	for (int i = 0; i < n; i += 16) {
		v128_t va = wasm_v128_load(a + i), vb = wasm_v128_load(b + i);
		v128_t lo = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(va), wa),
					   wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(vb), wb));
		v128_t hi = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(va), wa),
					   wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(vb), wb));
		/* x / 255 for x < 65536: (x + 1 + (x >> 8)) >> 8 */
		lo = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(lo, wasm_i16x8_splat(1)),
						   wasm_u16x8_shr(lo, 8)), 8);
		hi = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(hi, wasm_i16x8_splat(1)),
						   wasm_u16x8_shr(hi, 8)), 8);
		wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(lo, hi));
	}
#else
	for (int i = 0; i < n; i++) {
		unsigned x = (unsigned)a[i] * alpha + (unsigned)b[i] * (255u - alpha);
		out[i] = (uint8_t)((uint16_t)(x + 1 + (x >> 8)) >> 8);
	}
#endif
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 2000;
	uint32_t seed = 12345, sum = 0;
	double total = 0;
	struct timespec t0, t1;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		xs[i] = (float)(seed >> 16 & 0xff) / 64.0f;
		ys[i] = (float)(seed >> 8 & 0xff) / 128.0f;
	}
	for (int i = 0; i < N * 4; i++) {
		seed = seed * 1103515245u + 12345u;
		img_a[i] = (uint8_t)(seed >> 16);
		img_b[i] = (uint8_t)(seed >> 24);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int r = 0; r < rounds; r++) {
		total += dot(xs, ys, N);
		blend(img_out, img_a, img_b, N * 4, (uint8_t)(r * 7));
		sum = sum * 31 + img_out[(r * 131) % (N * 4)];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("checksum %u %.1f\n", (unsigned)sum, total);
	fprintf(stderr, "kernel time: %.3f ms\n",
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
