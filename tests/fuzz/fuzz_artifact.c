/*
 * fuzz_artifact.c — libFuzzer target: the .kwasm loader.  Each input is
 * given a correct checksum first (the XXH3-64 of the file with its field
 * zero, as the writer seals it), so that mutations reach the header, the
 * ranges, the module and the ELF objects and their relocations instead of
 * stopping at the checksum.  Loading must refuse what it cannot use with a
 * message; a loaded module is deleted, never run (an artifact is trusted
 * like a shared library: its code may do anything).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include <kiln.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { CHECKSUM_AT = 24 };	/* kiln_artifact_header.checksum */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	kiln_module *m;
	kiln_artifact_desc d;
	kiln_error err;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (size >= CHECKSUM_AT + 8) {
		uint64_t h;
		memset(copy + CHECKSUM_AT, 0, 8);
		h = XXH3_64bits(copy, size);
		memcpy(copy + CHECKSUM_AT, &h, 8);
	}
	(void)kiln_artifact_describe(copy, size, &d, &err);
	kiln_status st = kiln_module_load(copy, size, &m, &err);
	if (st == KILN_OK)
		kiln_module_delete(m);
	else if (m != NULL || err.message[0] == 0)
		abort();
	free(copy);
	return 0;
}
