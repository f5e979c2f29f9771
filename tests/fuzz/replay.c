/*
 * replay.c — a main for the fuzz targets outside libFuzzer: feeds each
 * file named on the command line to LLVMFuzzerTestOneInput, so that the
 * inputs in tests/regress run in the normal build (and under ASan in CI).
 * A file ending in .hex holds the input as hex digits (whitespace and
 * lines starting with '#' ignored); any other file is the input itself.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *read_input(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL, *out;
	size_t n = 0, cap = 0, k = 0;
	int c;

	if (!f)
		return NULL;
	while ((c = getc(f)) != EOF) {
		if (n == cap && !(b = realloc(b, cap = cap ? cap * 2 : 4096)))
			return fclose(f), NULL;
		b[n++] = (uint8_t)c;
	}
	fclose(f);
	size_t pl = strlen(path);
	if (pl < 4 || strcmp(path + pl - 4, ".hex")) {
		*len = n;
		return b ? b : calloc(1, 1);
	}
	if (!(out = malloc(n / 2 + 1)))
		return free(b), NULL;
	int hi = -1;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '#') {
			while (i < n && b[i] != '\n')
				i++;
			continue;
		}
		if (isspace(b[i]))
			continue;
		if (!isxdigit(b[i])) {
			fprintf(stderr, "%s: not hex at byte %zu\n", path, i);
			exit(2);
		}
		int v = isdigit(b[i]) ? b[i] - '0' : tolower(b[i]) - 'a' + 10;
		if (hi < 0)
			hi = v;
		else
			out[k++] = (uint8_t)(hi << 4 | v), hi = -1;
	}
	free(b);
	*len = k;
	return out;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t len;
		uint8_t *in = read_input(argv[i], &len);
		if (!in) {
			perror(argv[i]);
			return 2;
		}
		LLVMFuzzerTestOneInput(in, len);
		free(in);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
