/*
 * bodies.c — `kiln-bench-bodies FILE.wasm`: one line per function the
 * module defines, "INDEX SIZE NAME": its index (imports first), the size
 * of its body in the code section (locals and instructions, bytes) and
 * its name as kiln's perf map writes it ("wasm:" left off: the name
 * section's, else "func[INDEX]").  bench/run joins these with the perf
 * map of a run to count the wasm bytes a tier compiled.
 */
#include <stdio.h>

#include "test_util.h"

/* The LEB128 u32 at *p (below end), advancing *p; false when cut off. */
static bool leb_u32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 35; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static const kiln_section_info *code_section(const kiln_module *m, kiln_section_info *s)
{
	for (size_t i = 0; i < kiln_module_section_count(m); i++)
		if ((*s = kiln_module_section(m, i)).id == 10)
			return s;
	return NULL;
}

int main(int argc, char **argv)
{
	size_t len;
	uint8_t *bytes = argc == 2 ? read_file(argv[1], &len) : NULL;
	kiln_module *m;
	kiln_section_info s;
	kiln_error err;
	uint32_t n, size;

	if (!bytes)
		return fprintf(stderr, "usage: kiln-bench-bodies FILE.wasm\n"), 2;
	if (kiln_module_new(bytes, len, &m, &err) != KILN_OK)
		return fprintf(stderr, "kiln-bench-bodies: %s\n", err.message), 1;
	if (!code_section(m, &s))
		return 0;
	const uint8_t *p = bytes + s.offset, *end = p + s.size;
	uint32_t first = kiln_module_counts_of(m).imported_funcs;
	if (!leb_u32(&p, end, &n))
		return 1;
	for (uint32_t i = 0; i < n && leb_u32(&p, end, &size); i++, p += size) {
		kiln_name name = kiln_module_func_name(m, first + i);
		if (name.data)
			printf("%u %u %.*s\n", first + i, size, (int)name.len, name.data);
		else
			printf("%u %u func[%u]\n", first + i, size, first + i);
	}
	kiln_module_delete(m);
	free(bytes);
	return 0;
}
