/*
 * cpu.c — x86-64 CPU features from CPUID (cpu.h).
 *
 * One table maps LLVM's feature names to the CPUID bit that announces
 * them; AVX and AVX-512 features also need the OS to save their register
 * state (XCR0).  Features not in the table are not checked: they are
 * ones compiled wasm does not use (kiln emits no such instructions).
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"

enum word { L1C, L1D, L7B, L7C, L7D, L71A, LX1C, LX8B, LD1A, NWORDS };
enum state { ANY, YMM, ZMM };

static const struct feature {
	const char *name;
	unsigned char word, bit, state;
} features[] = {
	{"sse3", L1C, 0, ANY}, {"pclmul", L1C, 1, ANY}, {"ssse3", L1C, 9, ANY},
	{"fma", L1C, 12, YMM}, {"cx16", L1C, 13, ANY}, {"sse4.1", L1C, 19, ANY},
	{"sse4.2", L1C, 20, ANY}, {"crc32", L1C, 20, ANY}, {"movbe", L1C, 22, ANY},
	{"popcnt", L1C, 23, ANY}, {"aes", L1C, 25, ANY}, {"xsave", L1C, 26, ANY},
	{"avx", L1C, 28, YMM}, {"f16c", L1C, 29, YMM}, {"rdrnd", L1C, 30, ANY},
	{"cx8", L1D, 8, ANY}, {"cmov", L1D, 15, ANY}, {"mmx", L1D, 23, ANY},
	{"fxsr", L1D, 24, ANY}, {"sse", L1D, 25, ANY}, {"sse2", L1D, 26, ANY},
	{"fsgsbase", L7B, 0, ANY}, {"sgx", L7B, 2, ANY}, {"bmi", L7B, 3, ANY},
	{"avx2", L7B, 5, YMM}, {"bmi2", L7B, 8, ANY}, {"invpcid", L7B, 10, ANY},
	{"rtm", L7B, 11, ANY}, {"avx512f", L7B, 16, ZMM}, {"avx512dq", L7B, 17, ZMM},
	{"rdseed", L7B, 18, ANY}, {"adx", L7B, 19, ANY}, {"avx512ifma", L7B, 21, ZMM},
	{"clflushopt", L7B, 23, ANY}, {"clwb", L7B, 24, ANY}, {"avx512cd", L7B, 28, ZMM},
	{"sha", L7B, 29, ANY}, {"avx512bw", L7B, 30, ZMM}, {"avx512vl", L7B, 31, ZMM},
	{"avx512vbmi", L7C, 1, ZMM}, {"pku", L7C, 3, ANY}, {"waitpkg", L7C, 5, ANY},
	{"avx512vbmi2", L7C, 6, ZMM}, {"shstk", L7C, 7, ANY}, {"gfni", L7C, 8, ANY},
	{"vaes", L7C, 9, YMM}, {"vpclmulqdq", L7C, 10, YMM}, {"avx512vnni", L7C, 11, ZMM},
	{"avx512bitalg", L7C, 12, ZMM}, {"avx512vpopcntdq", L7C, 14, ZMM},
	{"rdpid", L7C, 22, ANY}, {"cldemote", L7C, 25, ANY}, {"movdiri", L7C, 27, ANY},
	{"movdir64b", L7C, 28, ANY}, {"enqcmd", L7C, 29, ANY},
	{"avx512vp2intersect", L7D, 8, ZMM}, {"serialize", L7D, 14, ANY},
	{"tsxldtrk", L7D, 16, ANY}, {"amx-bf16", L7D, 22, ANY}, {"avx512fp16", L7D, 23, ZMM},
	{"amx-tile", L7D, 24, ANY}, {"amx-int8", L7D, 25, ANY},
	{"avxvnni", L71A, 4, YMM}, {"avx512bf16", L71A, 5, ZMM},
	{"sahf", LX1C, 0, ANY}, {"lzcnt", LX1C, 5, ANY}, {"sse4a", LX1C, 6, ANY},
	{"prfchw", LX1C, 8, ANY}, {"xop", LX1C, 11, YMM}, {"lwp", LX1C, 15, ANY},
	{"fma4", LX1C, 16, YMM}, {"tbm", LX1C, 21, ANY}, {"mwaitx", LX1C, 29, ANY},
	{"clzero", LX8B, 0, ANY}, {"rdpru", LX8B, 4, ANY}, {"wbnoinvd", LX8B, 9, ANY},
	{"xsaveopt", LD1A, 0, ANY}, {"xsavec", LD1A, 1, ANY}, {"xsaves", LD1A, 3, ANY},
};

typedef struct cpu {
	unsigned w[NWORDS];
	bool ymm, zmm;	/* the OS saves AVX / AVX-512 state */
} cpu;

static void read_cpu(cpu *c)
{
	unsigned a, b, cx, d, max, maxext;

	memset(c, 0, sizeof *c);
	max = __get_cpuid_max(0, NULL);
	maxext = __get_cpuid_max(0x80000000u, NULL);
	if (max >= 1 && __get_cpuid(1, &a, &b, &cx, &d)) {
		c->w[L1C] = cx;
		c->w[L1D] = d;
	}
	if (max >= 7 && __get_cpuid_count(7, 0, &a, &b, &cx, &d)) {
		c->w[L7B] = b;
		c->w[L7C] = cx;
		c->w[L7D] = d;
		if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &cx, &d))
			c->w[L71A] = a;
	}
	if (max >= 0xd && __get_cpuid_count(0xd, 1, &a, &b, &cx, &d))
		c->w[LD1A] = a;
	if (maxext >= 0x80000001u && __get_cpuid(0x80000001u, &a, &b, &cx, &d))
		c->w[LX1C] = cx;
	if (maxext >= 0x80000008u && __get_cpuid(0x80000008u, &a, &b, &cx, &d))
		c->w[LX8B] = b;
	if (c->w[L1C] & (1u << 27)) {	/* OSXSAVE: XGETBV reads XCR0 */
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		c->ymm = (lo & 0x6) == 0x6;
		c->zmm = (lo & 0xe6) == 0xe6;
	}
}

static int has(const cpu *c, const char *name, size_t len)
{
	if (len == 5 && !memcmp(name, "64bit", 5))
		return 1;
	for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
		const struct feature *f = &features[i];
		if (strlen(f->name) != len || memcmp(f->name, name, len))
			continue;
		if ((f->state == YMM && !c->ymm) || (f->state == ZMM && !c->zmm))
			return 0;
		return (c->w[f->word] >> f->bit) & 1;
	}
	return -1;
}

int kiln_cpu_feature(const char *name, size_t len)
{
	cpu c;

	read_cpu(&c);
	return has(&c, name, len);
}

bool kiln_cpu_check(kiln_name list, kiln_name *missing)
{
	const char *p = list.data, *end = list.data + list.len;
	cpu c;

	read_cpu(&c);
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		if (stop - p > 1 && p[0] == '+' && has(&c, p + 1, (size_t)(stop - p - 1)) == 0) {
			*missing = (kiln_name){p + 1, (size_t)(stop - p - 1)};
			return false;
		}
		p = stop + 1;
	}
	return true;
}

/* The leaves LLVM's host detection reads (sys::getHostCPUName and
 * getHostCPUFeatures), whole registers, leaving out the ones that differ
 * between cores or with the machine's load: leaf 1's EBX (the APIC id),
 * the cache, topology and power leaves. */
static const struct {
	unsigned leaf, sub;
} id_leaves[] = {
	{0, 0}, {1, 0}, {7, 0}, {7, 1}, {0xd, 1}, {0x14, 0}, {0x19, 0}, {0x24, 0},
	{0x80000001u, 0}, {0x80000008u, 0},
};

void krt_cpu_identity(char out[KRT_CPU_ID_SIZE])
{
	unsigned max = __get_cpuid_max(0, NULL), maxext = __get_cpuid_max(0x80000000u, NULL);
	size_t n = 0;
	cpu c;

	read_cpu(&c);	/* for XCR0 */
	for (size_t i = 0; i < sizeof id_leaves / sizeof *id_leaves; i++) {
		unsigned leaf = id_leaves[i].leaf, r[4] = {0, 0, 0, 0};

		if (leaf <= (leaf >= 0x80000000u ? maxext : max))
			__cpuid_count(leaf, id_leaves[i].sub, r[0], r[1], r[2], r[3]);
		if (leaf == 1)
			r[1] = 0;
		n += (size_t)snprintf(out + n, KRT_CPU_ID_SIZE - n, "%x:%08x%08x%08x%08x,",
				      leaf, r[0], r[1], r[2], r[3]);
	}
	snprintf(out + n, KRT_CPU_ID_SIZE - n, "ymm%d zmm%d", c.ymm, c.zmm);
}
