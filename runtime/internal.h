/*
 * internal.h — what every kiln source file shares and no user sees.
 *
 * Libraries are built with hidden visibility: only KILN_API (public) and
 * KRT_ABI symbols are exported.  KRT_ABI marks the internal
 * ABI, the runtime functions kiln's compiler calls (krt.h); each is also
 * listed in libkiln-runtime.map, which exports nothing else.  Unit tests
 * reach hidden functions by linking the static kiln-runtime-static.
 */
#ifndef KILN_INTERNAL_H
#define KILN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "kiln.h"

#define KRT_ABI __attribute__((visibility("default")))

#define KILN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fill `err` (when non-NULL) with a status, a byte offset and a
 * printf-formatted message, and return what a failing function returns, so
 * that it fails in one expression and returns what it stored:
 * `return krt_fail_status(err, KILN_ERR_ARG, ...)` in a function returning
 * kiln_status, `return krt_fail(err, ...)` (false) in a bool one.  Never
 * the first in a bool function: a status converts to true. */
KRT_ABI kiln_status krt_fail_status(kiln_error *err, kiln_status status,
				    size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
KRT_ABI bool krt_fail(kiln_error *err, kiln_status status, size_t offset,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Allocation that treats n * size overflow as failure; zeroed memory. */
KRT_ABI void *krt_calloc(size_t n, size_t size);

/* Makes room for `need` elements of `size` bytes in the growing array
 * *arr of capacity *cap (in elements), doubling it (to 8 at least).  False
 * when out of memory or the size overflows: *arr and *cap are unchanged,
 * and *arr is still the caller's to free. */
KRT_ABI bool krt_grow(void **arr, size_t *cap, size_t need, size_t size);

#endif /* KILN_INTERNAL_H */
