/*
 * error.c — filling kiln_error, the one error type of every API call, the
 * allocation helpers every file shares (krt_calloc, krt_grow), and the
 * static names of statuses, value types and extern kinds.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static void fill(kiln_error *err, kiln_status status, size_t offset, const char *fmt,
		 va_list ap)
{
	if (err == NULL)
		return;
	err->status = status;
	err->offset = offset;
	vsnprintf(err->message, sizeof err->message, fmt, ap);
}

kiln_status krt_fail_status(kiln_error *err, kiln_status status, size_t offset,
			    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fill(err, status, offset, fmt, ap);
	va_end(ap);
	return status;
}

bool krt_fail(kiln_error *err, kiln_status status, size_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fill(err, status, offset, fmt, ap);
	va_end(ap);
	return false;
}

void *krt_calloc(size_t n, size_t size)
{
	if (n == 0 || size == 0)
		return calloc(1, 1);
	if (n > SIZE_MAX / size)
		return NULL;
	return calloc(n, size);
}

bool krt_grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
	void *a;

	if (need <= *cap)
		return true;
	if (c < need)
		c = need;
	if (c < 8)
		c = 8;
	if (size == 0 || c > SIZE_MAX / size || !(a = realloc(*arr, c * size)))
		return false;
	*arr = a;
	*cap = c;
	return true;
}

const char *kiln_version(void)
{
	return KILN_VERSION_STRING;
}

const char *kiln_status_string(kiln_status status)
{
	switch (status) {
	case KILN_OK: return "ok";
	case KILN_ERR_MALFORMED: return "malformed module";
	case KILN_ERR_INVALID: return "invalid module";
	case KILN_ERR_UNSUPPORTED: return "not supported yet";
	case KILN_ERR_NOMEM: return "out of memory";
	case KILN_ERR_IO: return "I/O error";
	case KILN_ERR_ARG: return "bad argument";
	case KILN_ERR_LINK: return "link error";
	case KILN_ERR_TRAP: return "trap";
	case KILN_ERR_UNTRUSTED: return "untrusted artifact";
	case KILN_ERR_LIMIT: return "resource limit exceeded";
	case KILN_ERR_EXCEPTION: return "uncaught exception";
	}
	return "unknown status";
}

const char *kiln_valtype_name(kiln_valtype type)
{
	switch (type) {
	case KILN_I32: return "i32";
	case KILN_I64: return "i64";
	case KILN_F32: return "f32";
	case KILN_F64: return "f64";
	case KILN_V128: return "v128";
	case KILN_FUNCREF: return "funcref";
	case KILN_EXTERNREF: return "externref";
	case KILN_EXNREF: return "exnref";
	}
	return "?";
}

const char *kiln_extern_kind_name(kiln_extern_kind kind)
{
	switch (kind) {
	case KILN_EXTERN_FUNC: return "func";
	case KILN_EXTERN_TABLE: return "table";
	case KILN_EXTERN_MEMORY: return "memory";
	case KILN_EXTERN_GLOBAL: return "global";
	case KILN_EXTERN_TAG: return "tag";
	}
	return "?";
}
