/*
 * lines.h — a compiled function's map from its code back to wasm
 * (internal): which wasm instruction a pc in the function belongs to, for
 * the offsets of trap backtraces.  The compiler makes it from the line
 * table LLVM emits (compiler/objlines.c); the JIT keeps it with the
 * function's code, an artifact in its metadata.  The interpreter maps its
 * translated code the same way (a pc there is a word index).
 */
#ifndef KILN_LINES_H
#define KILN_LINES_H

#include <stdint.h>

/* From `pc` (bytes from the function's start) on, until the next entry's
 * pc, the code is the wasm instruction at module offset `offset` (0: no
 * instruction, such as the function's set-up, or code LLVM merged from
 * several). */
typedef struct krt_line {
	uint32_t pc, offset;
} krt_line;

/* One function's entries, sorted by pc, the last one 0 at the code's
 * end. */
typedef struct krt_lines {
	uint32_t n;
	krt_line e[];
} krt_lines;

/* The module offset of the instruction at pc in a function with entries
 * e[0..n) (sorted by pc), or 0 when not known. */
static inline uint32_t krt_lines_find(const krt_line *e, uint32_t n, uint32_t pc)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (e[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? e[lo - 1].offset : 0;
}

#endif /* KILN_LINES_H */
