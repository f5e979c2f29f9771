/*
 * test_util.h — what the API tests (and bench/instantiate) share: reading
 * a file whole, finding an export by name, the process's RSS.
 */
#ifndef KILN_TEST_UTIL_H
#define KILN_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln.h>

/* The file's bytes (malloc'd) and length, or NULL. */
static inline uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		*len = (size_t)n;
	if (f)
		fclose(f);
	return b;
}

/* The export `name` of inst, or a null extern. */
static inline kiln_extern export(kiln_instance *inst, const char *name)
{
	kiln_extern e = {0};

	kiln_instance_export(inst, (kiln_name){name, strlen(name)}, &e);
	return e;
}

/* The process's resident set, KiB. */
static inline long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, res = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * 4;
}

#endif /* KILN_TEST_UTIL_H */
