/*
 * replay.c — a main for the fuzz targets outside libFuzzer: feeds each
 * file named on the command line to LLVMFuzzerTestOneInput, so that the
 * inputs in tests/regress run in the normal build (and under ASan in CI).
 * A file ending in .hex holds the input as hex digits (whitespace and
 * lines starting with '#' ignored); any other file is the input itself.
 *
 * Each input carries the outcome it must have, not only "no crash": a
 * line "# expect: OUTCOME" in a .hex file, or the first line of FILE.expect
 * beside any other file.  OUTCOME is "STATUS: TEXT", STATUS as
 * kiln_status_string names it ("ok", "malformed module", "invalid
 * module", ...) and TEXT a part of the error message, or of the target's
 * summary on "ok" (outcome.h).  The status must be equal and the text
 * found in what the target reported; a missing expectation, a target that
 * reports nothing, or any other outcome fails the replay (exit 1).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { LINE = 512 };

static bool reported;
static kiln_status got_status;
static char got_text[LINE];

void fuzz_outcome(kiln_status st, const char *text)
{
	reported = true;
	got_status = st;
	snprintf(got_text, sizeof got_text, "%s", text);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* The expected outcome of PATH into OUT (newline stripped), or false. */
static bool read_expectation(const char *path, char out[LINE])
{
	static const char tag[] = "# expect: ";
	char name[4096], line[LINE];
	bool hex = ends_with(path, ".hex"), found = false;

	snprintf(name, sizeof name, hex ? "%s" : "%s.expect", path);
	FILE *f = fopen(name, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		if (!hex || !strncmp(line, tag, sizeof tag - 1)) {
			snprintf(out, LINE, "%s", hex ? line + sizeof tag - 1 : line);
			out[strcspn(out, "\n")] = 0;
			found = out[0] != 0;
		}
		if (!hex)
			break;
	}
	fclose(f);
	return found;
}

/* "STATUS: TEXT" against what the target reported. */
static bool outcome_matches(const char *want)
{
	const char *status = kiln_status_string(got_status);
	size_t n = strlen(status);

	return !strncmp(want, status, n) && !strncmp(want + n, ": ", 2) &&
	       strstr(got_text, want + n + 2) != NULL;
}

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
	int failures = 0;

	for (int i = 1; i < argc; i++) {
		char want[LINE];
		size_t len;

		if (!read_expectation(argv[i], want)) {
			printf("%s: FAIL: no expected outcome ('# expect: STATUS: TEXT' "
			       "in a .hex file, or FILE.expect)\n", argv[i]);
			failures++;
			continue;
		}
		uint8_t *in = read_input(argv[i], &len);
		if (!in) {
			perror(argv[i]);
			return 2;
		}
		reported = false;
		LLVMFuzzerTestOneInput(in, len);
		free(in);
		if (!reported) {
			printf("%s: FAIL: the target reported no outcome (expected '%s')\n",
			       argv[i], want);
			failures++;
		} else if (!outcome_matches(want)) {
			printf("%s: FAIL: got '%s: %s', expected '%s'\n", argv[i],
			       kiln_status_string(got_status), got_text, want);
			failures++;
		} else {
			printf("%s: %s: %s\n", argv[i], kiln_status_string(got_status), got_text);
		}
	}
	printf("%d inputs, %d failed\n", argc - 1, failures);
	return failures ? 1 : 0;
}
