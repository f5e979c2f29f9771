/*
 * jit_stubs.c — a module's entry stubs (jit_stubs.h).
 *
 * One mapping: the stubs' pages, read-execute, then the slots' pages,
 * read-write.  Stub k at code + 16k is `ff 25 disp32` (jmp *disp32(%rip))
 * with disp32 reaching slot k, padded with int3; a slot is 8 bytes, so the
 * slots take half the stubs' size and every displacement stays below
 * 2 GiB for JIT_STUBS_MAX stubs.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit_stubs.h"

#define STUB_SIZE 16

struct jit_stubs {
	uint8_t *code;			/* n stubs */
	_Atomic(void *) *slots;		/* n slots */
	size_t code_len, len;		/* of the stubs' pages; of the mapping */
	uint32_t n;
};

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

static void write_stub(uint8_t *stub, const void *slot)
{
	int32_t disp = (int32_t)((const uint8_t *)slot - (stub + 6));

	stub[0] = 0xff;		/* jmp *disp32(%rip) */
	stub[1] = 0x25;
	memcpy(stub + 2, &disp, sizeof disp);
	memset(stub + 6, 0xcc, STUB_SIZE - 6);	/* int3 */
}

jit_stubs *jit_stubs_new(uint32_t n, void *initial)
{
	jit_stubs *s;
	void *p;

	if (n == 0 || n > JIT_STUBS_MAX || !(s = calloc(1, sizeof *s)))
		return NULL;
	s->n = n;
	s->code_len = page_round((size_t)n * STUB_SIZE);
	s->len = s->code_len + page_round((size_t)n * sizeof *s->slots);
	p = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(s);
		return NULL;
	}
	s->code = p;
	s->slots = (void *)(s->code + s->code_len);
	for (uint32_t k = 0; k < n; k++) {
		atomic_init(&s->slots[k], initial);
		write_stub(s->code + (size_t)k * STUB_SIZE, &s->slots[k]);
	}
	if (mprotect(s->code, s->code_len, PROT_READ | PROT_EXEC) != 0) {
		jit_stubs_free(s);
		return NULL;
	}
	return s;
}

void jit_stubs_free(jit_stubs *s)
{
	if (s == NULL)
		return;
	munmap(s->code, s->len);
	free(s);
}

void *jit_stub(const jit_stubs *s, uint32_t k)
{
	return k < s->n ? s->code + (size_t)k * STUB_SIZE : NULL;
}

void jit_stub_point(jit_stubs *s, uint32_t k, void *target)
{
	if (k < s->n)
		atomic_store_explicit(&s->slots[k], target, memory_order_release);
}
