/*
 * internal.h — what every kiln source file shares and no user sees.
 *
 * Libraries are built with hidden visibility: only KILN_API (public) and
 * KILN_INTERNAL symbols are exported.  KILN_INTERNAL marks the internal
 * ABI, the runtime functions kiln's compiler calls (krt.h); each is also
 * listed in libkiln-runtime.map, which exports nothing else.  Unit tests
 * reach hidden functions by linking the static kiln-runtime-static.
 */
#ifndef KILN_INTERNAL_H
#define KILN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "kiln.h"

#define KILN_INTERNAL __attribute__((visibility("default")))

#define KILN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fills `err` (when non-NULL) and returns false, so that failing paths can
 * say `return kiln_fail(...)`.  The message is printf-formatted. */
KILN_INTERNAL bool kiln_fail(kiln_error *err, kiln_status status, size_t offset,
			     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Allocation that treats n * size overflow as failure; zeroed memory. */
KILN_INTERNAL void *kiln_calloc(size_t n, size_t size);

#endif /* KILN_INTERNAL_H */
