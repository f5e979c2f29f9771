/*
 * cache.c — kiln's code cache: compiled artifacts of modules, by key
 * (kiln_cache_key), in $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else
 * ~/.cache/kiln.  The cache is kept under $KILN_CACHE_MAX_MB (default 512)
 * by removing the least recently modified entries.  kiln run stores a miss
 * from a process of its own, `kiln cache fill` (cache_fill.c), which it
 * does not wait for.
 *
 *   kiln cache dir | stats | clean | fill ...
 *
 * An entry is native code that kiln runs, so nobody but the user running
 * kiln may be able to put one there:
 * - kiln creates the directory (and any parent it has to create) 0700 and
 *   entries 0600.  A directory, entry or key that is not owned by the
 *   effective user, or that group or others can write, is refused with one
 *   warning line, and kiln runs without the cache.  A symbolic link as the
 *   directory must belong to the user too; entries are opened with
 *   O_NOFOLLOW, and everything after the first check goes through the
 *   directory's descriptor, so a renamed path changes nothing.
 * - Entries are written to a new file with a random name (O_EXCL,
 *   O_NOFOLLOW) in the directory, synced, then renamed into place, so a
 *   link planted at a temporary name is never written through.
 * - Each entry ends with a trailer: CACHE_TAG_MAGIC and an HMAC-SHA256,
 *   keyed by the cache's own random 32-byte key (mac.key, 0600, made once
 *   with O_EXCL and linked into place), over the entry's name and its
 *   artifact.  An entry whose tag does not match — planted, copied from
 *   another cache, truncated, damaged — is reported once, removed, and
 *   never run; the module is compiled again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define CACHE_KEY_FILE "mac.key"
#define CACHE_KEY_SIZE 32
#define CACHE_TAG_MAGIC "kilnmac1"
#define CACHE_TAG_SIZE 32
#define CACHE_TRAILER (sizeof CACHE_TAG_MAGIC - 1 + CACHE_TAG_SIZE)

/* The cache directory, created (0700, with the parents it needs) if asked;
 * false when there is none. */
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
		mkdir(out, 0700);
		*p = '/';
	}
	return mkdir(out, 0700) == 0 || errno == EEXIST;
}

/* ------------------------------------------------------------- ownership */

static struct {
	char path[4096];
	int fd;			/* the directory, once open and checked */
	bool refused;		/* unsafe: warned, never used by this process */
	bool keyed;		/* key holds the cache's key */
	uint8_t key[CACHE_KEY_SIZE];
} cache = {.fd = -1};

/* Refuses the cache for the rest of the process with one warning line. */
static void refuse(const char *what, const char *why)
{
	if (!cache.refused)
		fprintf(stderr, "kiln: cache %s %s; running without the cache\n", what, why);
	cache.refused = true;
	if (cache.fd >= 0)
		close(cache.fd);
	cache.fd = -1;
}

/* Why st is not safe to trust: NULL when it belongs to this user and only
 * they can change it.  why holds the text. */
static const char *unsafe(const struct stat *st, char *why, size_t len)
{
	if (st->st_uid != geteuid())
		snprintf(why, len, "is owned by uid %u, not by uid %u", (unsigned)st->st_uid,
			 (unsigned)geteuid());
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, len, "is writable by group or others (mode %04o)",
			 (unsigned)(st->st_mode & 07777));
	else
		return NULL;
	return why;
}

/* The open, checked cache directory, or -1: none (yet), or refused. */
static int open_cache(bool create)
{
	char why[96], what[4200];
	struct stat st;

	if (cache.fd >= 0 || cache.refused)
		return cache.fd;
	if (!cache_dir(cache.path, sizeof cache.path, create)) {
		if (create)
			cli_error(CLI_FAIL, "no cache directory (set KILN_CACHE_DIR)");
		return -1;
	}
	snprintf(what, sizeof what, "directory %s", cache.path);
	/* A symbolic link is followed only when it is the user's own. */
	cache.fd = open(cache.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cache.fd < 0 && (errno == ELOOP || errno == ENOTDIR) && lstat(cache.path, &st) == 0 &&
	    S_ISLNK(st.st_mode)) {
		if (st.st_uid != geteuid())
			return refuse(what, "is a symbolic link owned by another user"), -1;
		cache.fd = open(cache.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (cache.fd < 0 || fstat(cache.fd, &st) != 0) {
		bool missing = errno == ENOENT;
		snprintf(why, sizeof why, "cannot be opened: %s", strerror(errno));
		if (!missing || create)
			refuse(what, why);
		return -1;
	}
	if (unsafe(&st, why, sizeof why))
		refuse(what, why);
	return cache.fd;
}

/* Makes the cache's key: 32 random bytes in a new 0600 file, linked to
 * CACHE_KEY_FILE only when complete (and never over one that exists). */
static void make_key(int dir)
{
	char tmp[256];
	uint8_t key[CACHE_KEY_SIZE];
	int fd = cli_create_temp(dir, CACHE_KEY_FILE, tmp, sizeof tmp);
	bool ok;

	if (fd < 0)
		return;
	ok = RAND_bytes(key, sizeof key) == 1 && write(fd, key, sizeof key) == sizeof key &&
	     fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok)
		linkat(dir, tmp, dir, CACHE_KEY_FILE, 0);	/* EEXIST: another kiln won */
	unlinkat(dir, tmp, 0);
	OPENSSL_cleanse(key, sizeof key);
}

/* Loads the cache's key into cache.key, making it first if asked; false
 * when there is none or it cannot be trusted (refused). */
static bool load_key(int dir, bool create)
{
	char why[96], what[4200];
	struct stat st;
	int fd;

	if (cache.keyed)
		return true;
	fd = openat(dir, CACHE_KEY_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		make_key(dir);
		fd = openat(dir, CACHE_KEY_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	}
	snprintf(what, sizeof what, "key %s/" CACHE_KEY_FILE, cache.path);
	if (fd < 0) {
		bool missing = errno == ENOENT;
		snprintf(why, sizeof why, "cannot be opened: %s", strerror(errno));
		if (!missing || create)
			refuse(what, why);
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_size != CACHE_KEY_SIZE || unsafe(&st, why, sizeof why))
		refuse(what, "is not a 0600 file of 32 bytes owned by you");
	else
		cache.keyed = read(fd, cache.key, sizeof cache.key) == sizeof cache.key;
	close(fd);
	return cache.keyed;
}

/* The HMAC-SHA256 of an entry: its name, a NUL, its artifact. */
static bool entry_tag(const char *name, const uint8_t *bytes, size_t len,
		      uint8_t tag[CACHE_TAG_SIZE])
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t n = 0;
	bool ok = ctx && EVP_MAC_init(ctx, cache.key, sizeof cache.key, params) &&
		  EVP_MAC_update(ctx, (const uint8_t *)name, strlen(name) + 1) &&
		  EVP_MAC_update(ctx, bytes, len) &&
		  EVP_MAC_final(ctx, tag, &n, CACHE_TAG_SIZE) && n == CACHE_TAG_SIZE;

	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

/* -------------------------------------------------------------- entries */

typedef struct entry {
	char name[80];
	off_t size;
	time_t mtime;
} entry;

/* The cache's entries (name, size, mtime); *n of them, malloc'd. */
static entry *list(int dir, size_t *n, off_t *total)
{
	int fd = dup(dir);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	entry *v = NULL;
	size_t cap = 0;
	struct stat st;

	*n = 0;
	*total = 0;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 7 || len >= sizeof v->name || strcmp(de->d_name + len - 6, ".kwasm"))
			continue;
		if (fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!cli_grow((void **)&v, &cap, *n + 1, sizeof *v))
			break;
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
static void evict(int dir)
{
	const char *max = getenv("KILN_CACHE_MAX_MB");
	off_t limit = (off_t)(max && *max ? atol(max) : 512) << 20, total;
	size_t n;
	entry *v = list(dir, &n, &total);

	if (!v)
		return;
	qsort(v, n, sizeof *v, by_age);
	for (size_t i = 0; i < n && total > limit; i++)
		if (unlinkat(dir, v[i].name, 0) == 0)
			total -= v[i].size;
	free(v);
}

/* Why the entry open as fd cannot be run, or NULL; on NULL *m is its
 * module. */
static const char *check_entry(int dir, int fd, const char *name, kiln_module **m,
			       kiln_error *err)
{
	static char why[96];
	struct stat st;
	uint8_t *p, tag[CACHE_TAG_SIZE];
	size_t len;
	const char *bad = NULL;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return "not a regular file";
	if (unsafe(&st, why, sizeof why))
		return why;
	if ((size_t)st.st_size <= CACHE_TRAILER)
		return "truncated";
	if (!load_key(dir, false))
		return "not authenticated: the cache has no key";
	len = (size_t)st.st_size - CACHE_TRAILER;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return strerror(errno);
	if (memcmp(p + len, CACHE_TAG_MAGIC, sizeof CACHE_TAG_MAGIC - 1) ||
	    !entry_tag(name, p, len, tag) ||
	    CRYPTO_memcmp(tag, p + len + sizeof CACHE_TAG_MAGIC - 1, sizeof tag))
		bad = "not authenticated by this cache's key";
	else if (kiln_module_load(p, len, m, err) != KILN_OK)
		bad = err->message;
	munmap(p, (size_t)st.st_size);
	return bad;
}

/* Looks up `key`: a loaded module, or NULL (miss, or a bad entry, which is
 * reported and removed). */
kiln_module *cache_lookup(const char *key)
{
	int dir = open_cache(false), fd;
	char name[80];
	kiln_module *m = NULL;
	kiln_error err;
	const char *bad;

	if (dir < 0)
		return NULL;
	snprintf(name, sizeof name, "%s.kwasm", key);
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return NULL;
	bad = fd < 0 ? (errno == ELOOP ? "a symbolic link" : strerror(errno))
		     : check_entry(dir, fd, name, &m, &err);
	if (fd >= 0)
		close(fd);
	if (bad && cache.refused)
		return NULL;	/* the key cannot be trusted: reported, left alone */
	if (bad) {
		fprintf(stderr, "kiln: cache entry %s/%s is unusable (%s); removed, recompiling\n",
			cache.path, name, bad);
		unlinkat(dir, name, 0);
		m = NULL;
	}
	return m;
}

int cache_open(bool create_dir, bool create_key)
{
	int dir = open_cache(create_dir);

	if (dir < 0)
		return -1;
	if (!load_key(dir, create_key) && (create_key || cache.refused))
		return -1;
	return dir;
}

/* Compiles `m` to an artifact and stores it, with its tag, under `key`. */
int cache_store(kiln_engine *engine, kiln_module *m, const char *key)
{
	int dir = cache_open(true, true), rc;
	char name[80], shown[4200];
	uint8_t *bytes, *sealed;
	size_t len;
	kiln_error err;

	if (dir < 0)
		return CLI_FAIL;	/* already reported */
	if (kiln_module_serialize(engine, m, &bytes, &len, &err) != KILN_OK)
		return cli_error(CLI_FAIL, "cannot compile for the cache: %s", err.message);
	snprintf(name, sizeof name, "%s.kwasm", key);
	snprintf(shown, sizeof shown, "%s/%s", cache.path, name);
	if (!(sealed = realloc(bytes, len + CACHE_TRAILER))) {
		free(bytes);
		return cli_error(CLI_FAIL, "out of memory");
	}
	memcpy(sealed + len, CACHE_TAG_MAGIC, sizeof CACHE_TAG_MAGIC - 1);
	if (!entry_tag(name, sealed, len, sealed + len + sizeof CACHE_TAG_MAGIC - 1))
		rc = cli_error(CLI_FAIL, "%s: cannot compute its tag", shown);
	else
		rc = cli_write_at(dir, name, shown, sealed, len + CACHE_TRAILER, 0600);
	free(sealed);
	if (rc == CLI_OK)
		evict(dir);
	return rc;
}

int cmd_cache(int argc, char **argv)
{
	char dir[4096];
	size_t n;
	off_t total = 0;
	entry *v = NULL;
	int fd;

	if (argc >= 2 && !strcmp(argv[1], "fill"))
		return cache_fill_main(argc - 1, argv + 1);
	if (argc != 2 || (strcmp(argv[1], "dir") && strcmp(argv[1], "stats") && strcmp(argv[1], "clean")))
		return cli_error(CLI_USAGE, "cache: expected dir, stats or clean"), cli_usage("cache");
	if (!cache_dir(dir, sizeof dir, false))
		return cli_error(CLI_FAIL, "no cache directory (set KILN_CACHE_DIR)");
	if (!strcmp(argv[1], "dir")) {
		printf("%s\n", dir);
		return CLI_OK;
	}
	if ((fd = open_cache(false)) < 0 && cache.refused)
		return CLI_FAIL;
	n = 0;
	if (fd >= 0)
		v = list(fd, &n, &total);
	if (!strcmp(argv[1], "stats")) {
		printf("%s: %zu entries, %lld bytes\n", dir, n, (long long)total);
	} else {
		size_t removed = 0;
		for (size_t i = 0; i < n; i++)
			removed += unlinkat(fd, v[i].name, 0) == 0;
		printf("removed %zu entries from %s\n", removed, dir);
	}
	free(v);
	return CLI_OK;
}
