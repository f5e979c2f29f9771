/*
 * objlines.h — the per-function maps from code to wasm offsets
 * (runtime/lines.h) in an object LLVM emitted with line tables
 * (lower_lines; internal to compiler/).
 */
#ifndef KILN_OBJLINES_H
#define KILN_OBJLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "krt.h"	/* lines.h */

/* Given each function the object defines: its symbol name and its map
 * (malloc'd, the callee's). */
typedef void obj_lines_fn(void *ctx, const char *name, krt_lines *lines);

/* Reads the relocatable x86-64 ELF object [p, p + len) and calls found
 * for each function it defines.  false when it has no line table kiln
 * reads, or out of memory (some functions may have been given). */
bool obj_lines(const uint8_t *p, size_t len, obj_lines_fn *found, void *ctx);

/* Drops the debug information (.debug_* and their relocations) of the
 * object [p, p + len) in place, once its lines are read: the sections stay,
 * empty, so that symbol and section numbers hold.  Returns the object's new
 * length; len, unchanged, for anything it does not recognise. */
size_t obj_strip_debug(uint8_t *p, size_t len);

#endif /* KILN_OBJLINES_H */
