/*
 * cache.c — kiln's code cache: compiled artifacts of modules, by key
 * (kiln_cache_key), in $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else
 * ~/.cache/kiln.  Entries are written atomically (temporary file and
 * rename); the cache is kept under $KILN_CACHE_MAX_MB (default 512) by
 * removing the least recently modified entries.  A corrupt, truncated or
 * foreign entry is reported once, removed, and never run.
 *
 *   kiln cache dir | stats | clean
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The cache directory, created if needed; false when there is none. */
bool cache_dir(char *out, size_t len, bool create)
{
	const char *env = getenv("KILN_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(out, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/kiln", xdg);
	else if (home && *home)
		snprintf(out, len, "%s/.cache/kiln", home);
	else
		return false;
	if (!create)
		return true;
	/* mkdir -p, one level at a time. */
	for (char *p = out + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(out, 0755);
		*p = '/';
	}
	return mkdir(out, 0755) == 0 || errno == EEXIST;
}

typedef struct entry {
	char name[80];
	off_t size;
	time_t mtime;
} entry;

/* The cache's entries (name, size, mtime); *n of them, malloc'd. */
static entry *list(const char *dir, size_t *n, off_t *total)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	entry *v = NULL;
	size_t cap = 0;
	char path[4200];
	struct stat st;

	*n = 0;
	*total = 0;
	while (d && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 7 || len >= sizeof v->name || strcmp(de->d_name + len - 6, ".kwasm"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (*n == cap) {
			entry *g = realloc(v, (cap = cap * 2 + 16) * sizeof *v);
			if (!g)
				break;
			v = g;
		}
		snprintf(v[*n].name, sizeof v[*n].name, "%s", de->d_name);
		v[*n].size = st.st_size;
		v[*n].mtime = st.st_mtime;
		*total += st.st_size;
		(*n)++;
	}
	if (d)
		closedir(d);
	return v;
}

static int by_age(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	return (x->mtime > y->mtime) - (x->mtime < y->mtime);
}

/* Removes the oldest entries until the cache fits its limit. */
static void evict(const char *dir)
{
	const char *max = getenv("KILN_CACHE_MAX_MB");
	off_t limit = (off_t)(max && *max ? atol(max) : 512) << 20, total;
	size_t n;
	entry *v = list(dir, &n, &total);
	char path[4200];

	qsort(v, n, sizeof *v, by_age);
	for (size_t i = 0; i < n && total > limit; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
		if (unlink(path) == 0)
			total -= v[i].size;
	}
	free(v);
}

/* Looks up `key`: a loaded module, or NULL (miss, or a bad entry, which is
 * reported and removed). */
kiln_module *cache_lookup(const char *key)
{
	char dir[4096], path[4200];
	uint8_t *bytes;
	size_t len;
	kiln_module *m = NULL;
	kiln_error err;
	FILE *f;

	if (!cache_dir(dir, sizeof dir, false))
		return NULL;
	snprintf(path, sizeof path, "%s/%s.kwasm", dir, key);
	if (!(f = fopen(path, "rb")))
		return NULL;
	fclose(f);
	if (cli_map_file(path, &bytes, &len) != CLI_OK)
		return NULL;
	if (kiln_module_load(bytes, len, &m, &err) != KILN_OK) {
		fprintf(stderr, "kiln: cache entry %s is unusable (%s); removed, recompiling\n",
			path, err.message);
		unlink(path);
		m = NULL;
	}
	cli_unmap_file(bytes, len);
	return m;
}

/* Compiles `m` to an artifact and stores it under `key`. */
int cache_store(kiln_engine *engine, kiln_module *m, const char *key)
{
	char dir[4096], path[4200], tmp[4300];
	uint8_t *bytes;
	size_t len;
	kiln_error err;
	FILE *f;
	bool ok;

	if (!cache_dir(dir, sizeof dir, true))
		return cli_error(CLI_FAIL, "no cache directory (set KILN_CACHE_DIR)");
	if (kiln_module_serialize(engine, m, &bytes, &len, &err) != KILN_OK)
		return cli_error(CLI_FAIL, "cannot compile for the cache: %s", err.message);
	snprintf(path, sizeof path, "%s/%s.kwasm", dir, key);
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	ok = f && fwrite(bytes, 1, len, f) == len;
	ok = (f && fclose(f) == 0) && ok && rename(tmp, path) == 0;
	free(bytes);
	if (!ok) {
		unlink(tmp);
		return cli_error(CLI_FAIL, "cannot write %s: %s", path, strerror(errno));
	}
	evict(dir);
	return CLI_OK;
}

int cmd_cache(int argc, char **argv)
{
	char dir[4096], path[4200];
	size_t n;
	off_t total;
	entry *v;

	if (argc != 2 || (strcmp(argv[1], "dir") && strcmp(argv[1], "stats") && strcmp(argv[1], "clean")))
		return cli_error(CLI_USAGE, "cache: expected dir, stats or clean"), cli_usage("cache");
	if (!cache_dir(dir, sizeof dir, false))
		return cli_error(CLI_FAIL, "no cache directory (set KILN_CACHE_DIR)");
	if (!strcmp(argv[1], "dir")) {
		printf("%s\n", dir);
		return CLI_OK;
	}
	v = list(dir, &n, &total);
	if (!strcmp(argv[1], "stats")) {
		printf("%s: %zu entries, %lld bytes\n", dir, n, (long long)total);
	} else {
		size_t removed = 0;
		for (size_t i = 0; i < n; i++) {
			snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
			removed += unlink(path) == 0;
		}
		printf("removed %zu entries from %s\n", removed, dir);
	}
	free(v);
	return CLI_OK;
}
