/*
 * cli.c — helpers every kiln command line shares (kiln and kiln-run):
 * one-line errors, reading and writing files, printing names.
 *
 * Files are read only when they are regular files of at most
 * cli_max_input_bytes(): opening never blocks (O_NONBLOCK, O_NOCTTY), so a
 * FIFO, a device or a terminal is refused with one line instead of hanging.
 * Files are written only over a regular file or a missing name, never
 * through a symbolic link at the output name (refused: a rename would
 * replace the link, not what it points to, which is never what was
 * meant): the bytes go to a new file with a random name, created with
 * O_EXCL|O_NOFOLLOW in the target's directory, are synced, then renamed
 * over the target.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
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

/* What a path names, for an error line. */
static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" :
	       S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       S_ISSOCK(mode) ? "a socket" : S_ISLNK(mode) ? "a symbolic link" : "an unknown kind of file";
}

size_t cli_max_input_bytes(void)
{
	const char *max = getenv("KILN_MAX_INPUT_MB");
	char *end;
	unsigned long long mb;

	if (!max || !*max)
		return CLI_MAX_INPUT_BYTES;
	errno = 0;
	mb = strtoull(max, &end, 10);
	if (errno || *end || *max == '-' || mb == 0 || mb > (SIZE_MAX >> 20))
		return 0;
	return (size_t)mb << 20;
}

/* Opens an input file for reading: never blocks in open (a FIFO with no
 * writer, a terminal), refuses anything but a regular file of at most
 * cli_max_input_bytes().  Returns the descriptor, or -1 after one error
 * line. */
static int open_input(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return cli_error(CLI_USAGE, "%s: %s", path, strerror(errno)), -1;
	if (fstat(fd, st) != 0) {
		close(fd);
		return cli_error(CLI_USAGE, "%s: %s", path, strerror(errno)), -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return cli_error(CLI_USAGE, "%s: %s, not a regular file", path,
				 file_kind(st->st_mode)), -1;
	}
	if (cli_max_input_bytes() == 0) {
		close(fd);
		return cli_error(CLI_USAGE, "KILN_MAX_INPUT_MB=%s: not a whole number of MiB "
				 "between 1 and %zu", getenv("KILN_MAX_INPUT_MB"),
				 SIZE_MAX >> 20), -1;
	}
	if ((unsigned long long)st->st_size > cli_max_input_bytes()) {
		close(fd);
		return cli_error(CLI_USAGE, "%s: %lld bytes, over the input limit of %zu MiB "
				 "(KILN_MAX_INPUT_MB)", path, (long long)st->st_size,
				 cli_max_input_bytes() >> 20), -1;
	}
	/* Regular files never block; clear the flag so that reads are plain. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Reads exactly n bytes (a file that shrank while read is an error). */
static bool read_all(int fd, uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		buf += r;
		n -= (size_t)r;
	}
	return true;
}

int cli_read_file(const char *path, uint8_t **out, size_t *out_len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t n;
	int fd;

	*out = NULL;
	*out_len = 0;
	if ((fd = open_input(path, &st)) < 0)
		return CLI_USAGE;
	n = (size_t)st.st_size;
	if (!(buf = malloc(n ? n : 1)) || !read_all(fd, buf, n)) {
		free(buf);
		close(fd);
		return cli_error(CLI_USAGE, "%s: cannot read the file", path);
	}
	close(fd);
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
	if ((fd = open_input(path, &st)) < 0)
		return CLI_USAGE;
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

/* ---------------------------------------------------------------- output */

bool cli_grow(void **arr, size_t *cap, size_t need, size_t size)
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

int cli_create_temp(int dirfd, const char *base, char *name, size_t size)
{
	for (int tries = 0; tries < 64; tries++) {
		uint64_t r;
		int fd;

		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			return -1;
		snprintf(name, size, ".%.200s.%016llx.tmp", base, (unsigned long long)r);
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

static bool write_all(int fd, const uint8_t *bytes, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, bytes, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		bytes += w;
		len -= (size_t)w;
	}
	return true;
}

/* The mode of a new output file: the replaced file's permissions, else
 * what the umask allows. */
static mode_t output_mode(const struct stat *old, bool replacing)
{
	mode_t u;

	if (replacing)
		return old->st_mode & 0777;
	u = umask(0);
	umask(u);
	return 0666 & ~u;
}

int cli_write_at(int dirfd, const char *name, const char *shown, const uint8_t *bytes,
		 size_t len, int mode)
{
	char tmp[256];
	struct stat st;
	bool replacing = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, ok;
	int fd, e;

	if (!replacing && errno != ENOENT)
		return cli_error(CLI_FAIL, "%s: %s", shown, strerror(errno));
	if (replacing && !S_ISREG(st.st_mode))
		return cli_error(CLI_FAIL, "%s: %s, not a regular file; refusing to replace it",
				 shown, file_kind(st.st_mode));
	if ((fd = cli_create_temp(dirfd, name, tmp, sizeof tmp)) < 0)
		return cli_error(CLI_FAIL, "%s: cannot create a temporary file beside it: %s",
				 shown, strerror(errno));
	ok = write_all(fd, bytes, len) &&
	     fchmod(fd, mode >= 0 ? (mode_t)mode : output_mode(&st, replacing)) == 0 &&
	     fsync(fd) == 0;
	e = errno;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(dirfd, tmp, dirfd, name) != 0) {
		e = ok ? errno : e ? e : EIO;
		unlinkat(dirfd, tmp, 0);
		return cli_error(CLI_FAIL, "%s: %s", shown, strerror(e));
	}
	fsync(dirfd);	/* the rename itself survives a crash */
	return CLI_OK;
}

int cli_write_file(const char *path, const uint8_t *bytes, size_t len)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : NULL;
	int dirfd, rc;

	if (!*name)
		rc = cli_error(CLI_FAIL, "%s: names a directory, not a file", path);
	else if (slash && !dir)
		rc = cli_error(CLI_FAIL, "out of memory");
	else if ((dirfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = cli_error(CLI_FAIL, "%s: %s", dir ? dir : ".", strerror(errno));
	else {
		rc = cli_write_at(dirfd, name, path, bytes, len, -1);
		close(dirfd);
	}
	free(dir);
	return rc;
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

bool cli_parse_bytes(const char *s, uint64_t max, uint64_t *bytes)
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
		if (!strcmp(end, units[i].suffix) && v <= max / units[i].mul) {
			*bytes = v * units[i].mul;
			return true;
		}
	return false;
}

/* SIZE as whole 64 KiB pages, 1 to max bytes' worth. */
static bool parse_pages(const char *s, uint64_t max, uint32_t *pages)
{
	uint64_t v;

	if (!cli_parse_bytes(s, max, &v) || v % 65536)
		return false;
	*pages = (uint32_t)(v / 65536);
	return *pages > 0;
}

bool cli_parse_size(const char *s, uint32_t *pages)
{
	return parse_pages(s, 4ull << 30, pages);
}

bool cli_parse_size64(const char *s, uint32_t *pages)
{
	return parse_pages(s, CLI_MAX_MEMORY64, pages);
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

/* The value of option `name` at argv[*i]: "NAME=VALUE", or "NAME VALUE"
 * (advancing *i); NULL when argv[*i] is not that option or lacks one. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* A tiering option's count v, 1..max, into *out: 1, or -1 (reported). */
static int tier_count(const char *cmd, const char *opt, const char *v, uint32_t max,
		      const char *unit, uint32_t *out)
{
	uint64_t n;

	if (!cli_parse_count(v, &n) || n > max)
		return cli_error(CLI_USAGE, "%s: bad %s '%s' (1 to %lu%s)", cmd, opt, v,
				 (unsigned long)max, unit), -1;
	*out = (uint32_t)n;
	return 1;
}

int cli_feature_option(const char *arg, const char *cmd, uint32_t *features)
{
	const char *name;

	if (strncmp(arg, "--disable-", 10) != 0)
		return 0;
	for (int b = 0; b < 32; b++)
		if ((1u << b) != KILN_FEATURE_NO_REFERENCE_TYPES &&
		    (name = kiln_feature_name(1u << b)) && !strcmp(arg + 10, name)) {
			*features &= ~(1u << b);
			return 1;
		}
	return cli_error(CLI_USAGE, "%s: %s: no such feature", cmd, arg), -1;
}

void cli_print_features(FILE *f, uint32_t features)
{
	const char *sep = "";

	if (features == 0)
		fputs("none", f);
	for (int b = 0; b < 32; b++)
		if (features & (1u << b)) {
			const char *name = kiln_feature_name(1u << b);
			fprintf(f, "%s%s", sep, name ? name : "?");
			sep = ", ";
		}
}

int cli_tier_option(int argc, char **argv, int *i, const char *cmd, cli_tiering *t)
{
	const char *v;

	if (!strcmp(argv[*i], "--tier0-no-offsets")) {
		t->no_offsets = true;
		return 1;
	}
	if ((v = opt_value(argc, argv, i, "--tier")) != NULL) {
		if (!strcmp(v, "tiered"))
			t->tiering = KILN_TIERING_TIERED;
		else if (!strcmp(v, "0"))
			t->tiering = KILN_TIERING_TIER0;
		else if (!strcmp(v, "1"))
			t->tiering = KILN_TIERING_TIER1;
		else if (!strcmp(v, "interp"))
			t->tiering = KILN_TIERING_INTERP;
		else
			return cli_error(CLI_USAGE, "%s: --tier wants 0, 1, tiered or interp, got '%s'",
					 cmd, v), -1;
		t->chosen = true;
		return 1;
	}
	if ((v = opt_value(argc, argv, i, "--tier-up-threshold")) != NULL)
		return tier_count(cmd, "--tier-up-threshold", v, INT32_MAX, "", &t->threshold);
	if ((v = opt_value(argc, argv, i, "--tier-up-light-body")) != NULL)
		return tier_count(cmd, "--tier-up-light-body", v, UINT32_MAX, " bytes",
				  &t->light_body);
	return 0;
}
