/*
 * cli.c — helpers every kiln command line shares (kiln and kiln-run):
 * one-line errors, reading files, printing names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int cli_map_file(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat st;
	void *p;
	int fd;

	*out = NULL;
	*out_len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_error(CLI_USAGE, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_error(CLI_USAGE, "%s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return cli_read_file(path, out, out_len);	/* an empty buffer */
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return cli_error(CLI_USAGE, "%s: cannot map the file: %s", path, strerror(errno));
	*out = p;
	*out_len = (size_t)st.st_size;
	return CLI_OK;
}

void cli_unmap_file(uint8_t *bytes, size_t len)
{
	if (len == 0)
		free(bytes);	/* read: an empty file */
	else
		munmap(bytes, len);
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

/* ------------------------------------------------------------- progress */

static struct {
	const char *name;
	struct timespec start;
} progress;

static void show_progress(void *data, uint32_t done, uint32_t total)
{
	struct timespec now;

	(void)data;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "\rkiln: compiling %s: %u/%u functions, %.1f s%s", progress.name, done,
		total, (double)(now.tv_sec - progress.start.tv_sec) +
			       (double)(now.tv_nsec - progress.start.tv_nsec) / 1e9,
		done == total ? "\n" : "");
	fflush(stderr);
}

void cli_show_progress(kiln_config *cfg, const char *name)
{
	if (!isatty(STDERR_FILENO))
		return;
	progress.name = name;
	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	cfg->compile_progress = show_progress;
}

/* A decimal number that starts with a digit; *end is what follows.  false
 * on overflow. */
static bool parse_digits(const char *s, unsigned long long *v, char **end)
{
	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	*v = strtoull(s, end, 10);
	return errno == 0;
}

bool cli_parse_size(const char *s, uint32_t *pages)
{
	static const struct {
		const char *suffix;
		unsigned long long mul;
	} units[] = {{"", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}};
	char *end;
	unsigned long long v;

	if (!parse_digits(s, &v, &end))
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(end, units[i].suffix) && v <= (4ull << 30) / units[i].mul) {
			v *= units[i].mul;
			*pages = (uint32_t)(v / 65536);
			return v % 65536 == 0 && *pages > 0;
		}
	return false;
}

bool cli_parse_duration(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v > 0))
		return false;
	if (!strcmp(end, "ms"))
		v /= 1e3;
	else if (!strcmp(end, "m"))
		v *= 60;
	else if (*end && strcmp(end, "s"))
		return false;
	*out = v;
	return v < 1e9;
}

bool cli_parse_addr(const char *spec, struct sockaddr_in *out)
{
	char host[64], *end;
	const char *colon = strrchr(spec, ':');
	long port;

	*out = (struct sockaddr_in){.sin_family = AF_INET};
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host || !colon[1])
		return false;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || errno || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &out->sin_addr) != 1)
		return false;
	out->sin_port = htons((uint16_t)port);
	return true;
}

bool cli_parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!parse_digits(s, &v, &end) || *end || v == 0 || v > INT64_MAX)
		return false;
	*out = v;
	return true;
}
