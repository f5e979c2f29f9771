/*
 * fuzz_artifact.c — libFuzzer target: the .kwasm loader.  Each input is
 * given a correct module SHA-256 (when its module range lies in the
 * input) and then a correct checksum (the XXH3-64 of the file with its
 * field zero, as the writer seals it), so that mutations reach the
 * header, the ranges, the decoded module's indices, the ELF objects,
 * their symbol tables and relocations instead of stopping at either hash.
 * Loading must refuse what it cannot use with a message; a loaded module
 * is deleted, never run (an artifact is native code: its code may do
 * anything).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <xxhash.h>

#include <kiln.h>
#include "outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* kiln_artifact_header: checksum, module_sha256, module (off, len). */
enum { CHECKSUM_AT = 24, SHA256_AT = 32, MODULE_AT = 144 };

static void reseal_module(uint8_t *p, size_t size)
{
	uint64_t r[2];

	if (size < MODULE_AT + 16)
		return;
	memcpy(r, p + MODULE_AT, 16);
	if (r[0] <= size && r[1] <= size - r[0])
		EVP_Digest(p + r[0], (size_t)r[1], p + SHA256_AT, NULL, EVP_sha256(), NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	kiln_module *m;
	kiln_artifact_desc d;
	kiln_error err;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	reseal_module(copy, size);
	if (size >= CHECKSUM_AT + 8) {
		uint64_t h;
		memset(copy + CHECKSUM_AT, 0, 8);
		h = XXH3_64bits(copy, size);
		memcpy(copy + CHECKSUM_AT, &h, 8);
	}
	(void)kiln_artifact_describe(copy, size, &d, &err);
	kiln_status st = kiln_module_load(copy, size, &m, &err);
	if (fuzz_outcome)
		fuzz_outcome(st, st == KILN_OK ? "loaded" : err.message);
	if (st == KILN_OK)
		kiln_module_delete(m);
	else if (m != NULL || err.message[0] == 0)
		abort();
	free(copy);
	return 0;
}
