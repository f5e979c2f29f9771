/*
 * cli.c — helpers every kiln command line shares (kiln and kiln-run):
 * one-line errors, reading files, printing names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kiln: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_read_file(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat st;
	FILE *f = NULL;
	uint8_t *buf = NULL;
	size_t n;

	*out = NULL;
	*out_len = 0;
	if (!(f = fopen(path, "rb")))
		return cli_error(CLI_USAGE, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return cli_error(CLI_USAGE, "%s: not a regular file", path);
	}
	n = (size_t)st.st_size;
	if (!(buf = malloc(n ? n : 1)) || fread(buf, 1, n, f) != n) {
		free(buf);
		fclose(f);
		return cli_error(CLI_USAGE, "%s: cannot read the file", path);
	}
	fclose(f);
	*out = buf;
	*out_len = n;
	return CLI_OK;
}

void cli_print_name(FILE *f, kiln_name name)
{
	for (size_t i = 0; i < name.len; i++) {
		unsigned char c = (unsigned char)name.data[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			fputc(c, f);
		else
			fprintf(f, "\\%02x", c);
	}
}

