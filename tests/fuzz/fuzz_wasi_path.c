/*
 * fuzz_wasi_path.c — libFuzzer target: WASI's sandboxed path resolution.
 * A preopened directory (fd 3) holds files, directories and symlinks that
 * point inside it, outside it (".." chains, an absolute path) and in a
 * loop; a sibling directory "outside" must never be reached.  Each input
 * is an operation, flags and one or two paths, run through the WASI
 * functions as a module would call them.  The oracle: no descriptor of
 * the process ever names a file outside the sandbox, and "outside" keeps
 * exactly its one file.  The outcome told to replay (outcome.h): KILN_OK
 * and "OPERATION: errno N", the WASI errno the operation returned.
 *
 * Input: byte 0 the operation (path_open, path_create_directory,
 * path_symlink, path_rename, path_unlink_file, path_remove_directory,
 * path_filestat_get, path_readlink, path_link), byte 1 lookup flags,
 * byte 2 open flags, then the paths separated by a NUL byte.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln.h>

#include "outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[PATH_MAX], sandbox[PATH_MAX], outside[PATH_MAX];
static kiln_instance *wasi, *inst;
static uint8_t *mem;

/* (module (memory (export "memory") 1)) */
static const uint8_t memory_module[] = {
	0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 1,
	7, 10, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0,
};

static void must(bool ok, const char *what)
{
	if (!ok) {
		perror(what);
		abort();
	}
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path), 0;
}

static void remove_tree(void)
{
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tree(void)
{
	char p[PATH_MAX + 64];

	must(mkdtemp(strcpy(root, "/tmp/kiln-fuzz-wasi-XXXXXX")) != NULL, "mkdtemp");
	snprintf(sandbox, sizeof sandbox, "%s/sandbox", root);
	snprintf(outside, sizeof outside, "%s/outside", root);
	atexit(remove_tree);
	must(mkdir(sandbox, 0700) == 0 && mkdir(outside, 0700) == 0, "mkdir");
	snprintf(p, sizeof p, "%s/secret", outside);
	must(close(open(p, O_CREAT | O_WRONLY, 0600)) == 0, "secret");
	snprintf(p, sizeof p, "%s/dir", sandbox);
	must(mkdir(p, 0700) == 0, "dir");
	snprintf(p, sizeof p, "%s/dir/file", sandbox);
	must(close(open(p, O_CREAT | O_WRONLY, 0600)) == 0, "file");
	static const char *const links[][2] = {
		{"up", "../outside"}, {"dir/up2", "../../outside/secret"}, {"abs", "/etc/passwd"},
		{"in", "dir/file"}, {"loop", "loop"}, {"dot", "."}, {"rootlink", "/"},
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", sandbox, links[i][0]);
		must(symlink(links[i][1], p) == 0, "symlink");
	}
}

static void setup(void)
{
	kiln_engine *engine;
	kiln_module *m;
	kiln_error err;
	kiln_extern memory;
	size_t len;

	make_tree();
	kiln_wasi_dir dir = {sandbox, "/sandbox"};
	kiln_wasi_config wc = {.ndirs = 1, .dirs = &dir};
	if (kiln_engine_new(NULL, &engine, &err) != KILN_OK ||
	    kiln_module_new(memory_module, sizeof memory_module, &m, &err) != KILN_OK ||
	    kiln_module_compile(engine, m, &err) != KILN_OK ||
	    kiln_instance_new(m, NULL, 0, &inst, NULL, &err) != KILN_OK ||
	    kiln_wasi_new(&wc, &wasi, &err) != KILN_OK ||
	    !kiln_instance_export(inst, (kiln_name){"memory", 6}, &memory)) {
		fprintf(stderr, "setup: %s\n", err.message);
		abort();
	}
	kiln_wasi_set_memory(wasi, memory);
	mem = kiln_memory_data(memory, &len);
}

/* Every open descriptor of the process names a file in the sandbox (or
 * is none of the tree's business). */
static void check_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[300], target[PATH_MAX];

	must(d != NULL, "/proc/self/fd");
	while ((e = readdir(d))) {
		ssize_t n;
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		if ((n = readlink(link, target, sizeof target - 1)) < 0)
			continue;
		target[n] = 0;
		if (!strncmp(target, outside, strlen(outside)) || !strcmp(target, "/etc/passwd") ||
		    !strcmp(target, root) || !strcmp(target, "/")) {
			fprintf(stderr, "ESCAPE: fd %s names %s\n", e->d_name, target);
			abort();
		}
	}
	closedir(d);
}

static void check_outside(void)
{
	DIR *d = opendir(outside);
	struct dirent *e;
	int n = 0;

	must(d != NULL, "outside");
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	if (n != 1) {
		fprintf(stderr, "ESCAPE: outside holds %d entries\n", n);
		abort();
	}
}

static int32_t call(const char *name, const int64_t *a, uint32_t n)
{
	kiln_extern f;
	kiln_val args[10], r = {0};

	if (!kiln_instance_export(wasi, (kiln_name){name, strlen(name)}, &f))
		abort();
	const kiln_functype *t = kiln_extern_type(f).u.func;
	for (uint32_t i = 0; i < n; i++)
		args[i] = t->params[i] == KILN_I64 ? (kiln_val){KILN_I64, {.i64 = a[i]}}
						   : (kiln_val){KILN_I32, {.i32 = (int32_t)a[i]}};
	if (kiln_func_call(f, args, n, &r, 1, NULL, NULL) != KILN_OK)
		abort();
	return r.of.i32;
}

enum { P1 = 1024, P2 = 8192, OUT = 64, BUF = 16384 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!wasi)
		setup();
	if (size < 3 || size > 4000)
		return 0;
	uint8_t op = data[0] % 9, look = data[1] & 1, oflags = data[2] & 0xf;
	const uint8_t *p = data + 3, *nul = memchr(p, 0, size - 3);
	int64_t l1 = nul ? nul - p : (int64_t)(size - 3), l2 = nul ? (int64_t)(size - 3) - l1 - 1 : 0;

	memcpy(mem + P1, p, (size_t)l1);
	if (nul)
		memcpy(mem + P2, nul + 1, (size_t)l2);
	static const char *const names[] = {
		"path_open", "path_create_directory", "path_symlink", "path_rename",
		"path_unlink_file", "path_remove_directory", "path_filestat_get",
		"path_readlink", "path_link",
	};
	int32_t rc;
	switch (op) {
	case 0: {
		int64_t a[] = {3, look, P1, l1, oflags, 0x1fffffff, 0x1fffffff, 0, OUT};
		if ((rc = call(names[op], a, 9)) == 0) {
			int32_t fd;
			memcpy(&fd, mem + OUT, 4);
			check_descriptors();
			int64_t c[] = {fd};
			call("fd_close", c, 1);
		}
		break;
	}
	case 1: { int64_t a[] = {3, P1, l1}; rc = call(names[op], a, 3); break; }
	case 2: { int64_t a[] = {P1, l1, 3, P2, l2}; rc = call(names[op], a, 5); break; }
	case 3: { int64_t a[] = {3, P1, l1, 3, P2, l2}; rc = call(names[op], a, 6); break; }
	case 4: { int64_t a[] = {3, P1, l1}; rc = call(names[op], a, 3); break; }
	case 5: { int64_t a[] = {3, P1, l1}; rc = call(names[op], a, 3); break; }
	case 6: { int64_t a[] = {3, look, P1, l1, OUT}; rc = call(names[op], a, 5); break; }
	case 7: { int64_t a[] = {3, P1, l1, BUF, 4096, OUT}; rc = call(names[op], a, 6); break; }
	default: { int64_t a[] = {3, look, P1, l1, 3, P2, l2}; rc = call(names[op], a, 7); break; }
	}
	check_outside();
	if (fuzz_outcome) {
		char summary[64];

		snprintf(summary, sizeof summary, "%s: errno %d", names[op], (int)rc);
		fuzz_outcome(KILN_OK, summary);
	}
	return 0;
}
