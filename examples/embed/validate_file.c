/*
 * validate_file.c — the smallest embedding of kiln: read a .wasm file and
 * decode and validate it through the public API.
 *
 *   validate_file FILE.wasm    prints "valid", or the error and its offset
 */
#include <stdio.h>
#include <stdlib.h>

#include <kiln.h>

int main(int argc, char **argv)
{
	FILE *f;
	long size;
	uint8_t *bytes;
	kiln_module *module;
	kiln_error err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.wasm\n", argv[0]);
		return 2;
	}
	if (!(f = fopen(argv[1], "rb")) || fseek(f, 0, SEEK_END) != 0 ||
	    (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(argv[1]);
		return 2;
	}
	bytes = malloc(size ? (size_t)size : 1);
	if (!bytes || fread(bytes, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 2;
	}
	fclose(f);
	/* kiln copies what it keeps: the buffer can go right after. */
	if (kiln_module_new(bytes, (size_t)size, &module, &err) != KILN_OK) {
		printf("%s: %s (at byte offset %zu)\n",
		       kiln_status_string(err.status), err.message, err.offset);
		free(bytes);
		return 1;
	}
	free(bytes);
	printf("valid: %zu imports, %zu exports\n",
	       kiln_module_import_count(module), kiln_module_export_count(module));
	kiln_module_delete(module);
	return 0;
}
