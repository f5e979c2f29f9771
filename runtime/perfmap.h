/*
 * perfmap.h — names for compiled code, for Linux perf.
 *
 * With $KILN_PERF_MAP set (to anything but "0"), kiln appends a line
 * "START SIZE NAME" (hex, hex, text) per compiled function to
 * /tmp/perf-<pid>.map, which `perf report` reads to name code that no ELF
 * file describes: AOT bodies as artifacts are loaded, JIT bodies when their
 * module is deleted.  NAME is "wasm:" and the function's name from the
 * `name` section, else its index.
 */
#ifndef KILN_PERFMAP_H
#define KILN_PERFMAP_H

#include "module.h"

KRT_ABI bool krt_perfmap_on(void);
/* Function `func` of `m` (UINT32_MAX: an entry trampoline of it). */
KRT_ABI void krt_perfmap_add(const void *start, size_t size, const kiln_module *m,
			     uint32_t func);

#endif /* KILN_PERFMAP_H */
