/*
 * test_wasi_threads.c — wasi-threads through the embedding API
 * (kiln_wasi_threads_*): the imports it resolves, the 4-thread counter
 * (wasi_threads.wat's), a trap and proc_exit in a worker reported to
 * on_exit (which does not end the process here: the embedder decides),
 * the thread limit making a spawn return -1, kiln_wasi_threads_delete
 * waiting for the threads, 1,000 spawns leaving no OS thread behind, and
 * a module without a shared memory refused with its message.
 *
 * kiln-wasi-threads-test WASI_THREADS.wasm UNSHARED.wasm
 */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <kiln.h>

#include "test_util.h"

static int failures;

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);              \
			printf("\n");                     \
			failures++;                       \
		}                                         \
	} while (0)

/* What on_exit heard: the last trap kind and exit code, and how often. */
static atomic_int exits, last_kind, last_code;

static void on_exit_cb(void *data, const kiln_trap_info *trap, int code)
{
	(void)data;
	atomic_store(&last_kind, (int)trap->kind);
	atomic_store(&last_code, code);
	atomic_fetch_add(&exits, 1);
}

typedef struct program {
	kiln_instance *wasi, *inst;
	kiln_wasi_threads *threads;
} program;

static bool start(program *p, kiln_module *m, uint32_t max_threads)
{
	kiln_wasi_config wc = {.argc = 0};
	kiln_wasi_threads_config tc = {.max_threads = max_threads, .on_exit = on_exit_cb};
	size_t n = kiln_module_import_count(m);
	kiln_extern imports[8];
	kiln_error err;

	*p = (program){0};
	if (kiln_wasi_new(&wc, &p->wasi, &err) != KILN_OK ||
	    kiln_wasi_threads_new(m, p->wasi, &tc, &p->threads, &err) != KILN_OK) {
		printf("start: %s\n", err.message);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		kiln_import_info imp = kiln_module_import(m, i);
		if (!kiln_wasi_threads_import(p->threads, i, &imports[i]) &&
		    !kiln_instance_export(p->wasi, imp.name, &imports[i]))
			return false;
	}
	if (kiln_wasi_threads_set_imports(p->threads, imports, n, &err) != KILN_OK ||
	    kiln_instance_new(m, imports, n, &p->inst, NULL, &err) != KILN_OK) {
		printf("instantiate: %s\n", err.message);
		return false;
	}
	kiln_wasi_set_memory(p->wasi, kiln_wasi_threads_memory(p->threads));
	return true;
}

static void stop(program *p)
{
	kiln_wasi_threads_delete(p->threads);	/* waits for the threads */
	kiln_instance_delete(p->inst);
	kiln_instance_delete(p->wasi);
}

static int64_t call(program *p, const char *name, int nargs, int32_t a, int32_t b)
{
	kiln_val args[2] = {{KILN_I32, {.i32 = a}}, {KILN_I32, {.i32 = b}}}, r = {0};
	kiln_trap_info t;
	kiln_extern f = export(p->inst, name);
	const kiln_functype *ft = kiln_extern_type(f).u.func;

	if (kiln_func_call(f, args, (size_t)nargs, &r, ft->nresults, &t, NULL) != KILN_OK) {
		printf("%s: trapped: %s\n", name, kiln_trap_message(t.kind));
		return INT64_MIN;
	}
	return r.type == KILN_I64 ? r.of.i64 : r.of.i32;
}

/* A worker doing `task` ends with a trap of `kind` and `code`: on_exit's
 * `exits`th call. */
static void worker_ends(kiln_module *m, int32_t task, int exits_now, int kind, int code)
{
	program p;

	CHECK(start(&p, m, 0), "start");
	CHECK(call(&p, "spawn", 1, task, 0) > 0, "spawn task %d", task);
	stop(&p);
	CHECK(atomic_load(&exits) == exits_now && atomic_load(&last_kind) == kind &&
	      atomic_load(&last_code) == code, "task %d: %d exits, kind %d, code %d", task,
	      atomic_load(&exits), atomic_load(&last_kind), atomic_load(&last_code));
}

/* The process's threads (/proc/self/task). */
static int os_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* 1,000 spawns, each joined, leave no OS thread behind: once the last
 * has given its slot back it only has to leave the kernel (waited for,
 * at most 5 s). */
static void no_thread_left(kiln_module *m)
{
	struct timespec ms = {0, 1000000};
	int before = os_threads(), after = 0;
	program p;

	CHECK(start(&p, m, 0), "start");
	CHECK(call(&p, "spawn_loop", 1, 1000, 0) == 1000, "1000 spawns");
	stop(&p);
	for (int i = 0; i < 5000 && (after = os_threads()) > before; i++)
		nanosleep(&ms, NULL);
	CHECK(after <= before, "threads: %d before 1000 spawns, %d after", before, after);
}

static void test_module(kiln_module *m)
{
	program p;

	CHECK(start(&p, m, 0), "start");
	CHECK(call(&p, "counter", 2, 4, 10000) == 40000, "counter");
	CHECK(kiln_wasi_threads_running(p.threads) <= 4, "running");
	stop(&p);
	no_thread_left(m);

	/* A trap, then proc_exit(7), each in a worker, not joined. */
	worker_ends(m, 7, 1, KILN_TRAP_UNREACHABLE, 1);
	worker_ends(m, 8, 2, KILN_TRAP_EXIT, 7);

	/* Two blockers fill a limit of 2: the third spawn is -1; released,
	 * they are waited for by the delete. */
	CHECK(start(&p, m, 2), "start");
	int64_t a = call(&p, "spawn", 1, 9, 0), b = call(&p, "spawn", 1, 9, 0);
	CHECK(a > 0 && b > 0 && a != b, "two blockers: %lld %lld", (long long)a, (long long)b);
	CHECK(call(&p, "spawn", 1, 9, 0) == -1, "over the limit");
	CHECK(kiln_wasi_threads_running(p.threads) == 2, "running: %u",
	      kiln_wasi_threads_running(p.threads));
	call(&p, "release", 0, 0, 0);
	stop(&p);
}

static kiln_module *load(kiln_engine *e, const char *path)
{
	size_t len;
	uint8_t *b = read_file(path, &len);
	kiln_module *m = NULL;
	kiln_error err;

	if (!b || kiln_module_new(b, len, &m, &err) != KILN_OK ||
	    kiln_module_compile(e, m, &err) != KILN_OK) {
		printf("%s: cannot load\n", path);
		kiln_module_delete(m);
		m = NULL;
	}
	free(b);
	return m;
}

int main(int argc, char **argv)
{
	kiln_config cfg = kiln_config_default();
	kiln_engine *e;
	kiln_module *m, *unshared;
	kiln_wasi_threads *t = NULL;
	kiln_wasi_threads_config tc = {0};
	kiln_error err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s WASI_THREADS.wasm UNSHARED.wasm\n", argv[0]);
		return 2;
	}
	if (kiln_engine_new(&cfg, &e, &err) != KILN_OK || !(m = load(e, argv[1])) ||
	    !(unshared = load(e, argv[2])))
		return 1;
	test_module(m);
	CHECK(kiln_wasi_threads_new(unshared, NULL, &tc, &t, &err) == KILN_ERR_LINK && !t &&
	      !strcmp(err.message, "wasi-threads needs the module to import a shared memory"),
	      "unshared: %s", err.message);
	tc.max_threads = KILN_WASI_THREADS_LIMIT + 1;
	CHECK(kiln_wasi_threads_new(m, NULL, &tc, &t, &err) == KILN_ERR_ARG, "limit over 4096");
	kiln_module_delete(unshared);
	kiln_module_delete(m);
	kiln_engine_delete(e);
	if (!failures)
		printf("wasi-threads API: all passed\n");
	return failures != 0;
}
