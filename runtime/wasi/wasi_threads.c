/*
 * wasi_threads.c — wasi-threads: "wasi" "thread-spawn" makes a new
 * instance of the module on a new OS thread and calls its
 * "wasi_thread_start" (kiln.h says the contract).
 *
 * The instance is made on the spawning thread, so that a failure is the
 * spawn's -1 rather than a thread that dies; the new thread only calls
 * into it and deletes it.  Each thread has a slot, taken under the lock
 * when spawned and given back by the thread as its last act: the slots
 * are the thread limit, and a program that spawns threads in a loop
 * holds no more than that many at once.  Threads are detached: a
 * program may end (the process exit) while some still run, which
 * wasi-threads allows, and nothing is left to join.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "instance.h"
#include "internal.h"
#include "memory.h"

#define TID_MAX 0x1fffffff	/* thread ids are 1..TID_MAX (wasi-threads) */
#define DEFAULT_STACK ((size_t)1 << 20)

enum { SLOT_FREE, SLOT_RUNNING };

typedef struct wt_slot {
	kiln_wasi_threads *group;
	int state;
	int32_t tid, arg;
	kiln_instance *inst;
	kiln_extern start;
} wt_slot;

struct kiln_wasi_threads {
	kiln_module *module;
	kiln_instance *wasi;
	kiln_wasi_threads_config cfg;
	size_t stack;			/* each thread's wasm stack */
	kiln_memory_rt *memory;		/* one reference of ours */
	size_t memory_import;
	size_t spawn_import;		/* SIZE_MAX: not imported */
	kiln_host_func *spawn;
	kiln_extern *imports;
	size_t nimports;
	pthread_mutex_t lock;
	pthread_cond_t ended;
	uint32_t running;		/* threads not yet ended */
	_Atomic uint32_t in_wasm;	/* of them, those being spawned or in wasm */
	int32_t next_tid;
	wt_slot *slots;
};

static bool name_is(kiln_name n, const char *s)
{
	return n.len == strlen(s) && !memcmp(n.data, s, n.len);
}

/* The export wasi_thread_start of the right type, or false. */
static bool has_entry(const kiln_module *m)
{
	for (size_t i = 0; i < kiln_module_export_count(m); i++) {
		kiln_export_info x = kiln_module_export(m, i);
		if (x.kind != KILN_EXTERN_FUNC || !name_is(x.name, "wasi_thread_start"))
			continue;
		const kiln_functype *ft = kiln_module_export_type(m, i).u.func;
		return ft->nparams == 2 && ft->nresults == 0 && ft->params[0] == KILN_I32 &&
		       ft->params[1] == KILN_I32;
	}
	return false;
}

/* Finds the shared memory import and the spawn import. */
static kiln_status find_imports(kiln_wasi_threads *g, kiln_error *err)
{
	bool memory = false;

	g->spawn_import = SIZE_MAX;
	for (size_t i = 0; i < kiln_module_import_count(g->module); i++) {
		kiln_import_info imp = kiln_module_import(g->module, i);
		if (imp.type.kind == KILN_EXTERN_MEMORY && imp.type.u.memory.shared && !memory) {
			g->memory_import = i;
			memory = true;
		}
		if (imp.type.kind == KILN_EXTERN_FUNC && name_is(imp.module, "wasi") &&
		    name_is(imp.name, "thread-spawn"))
			g->spawn_import = i;
	}
	if (!memory)
		return krt_fail_status(err, KILN_ERR_LINK, KILN_NO_OFFSET,
				       "wasi-threads needs the module to import a shared memory");
	if (!has_entry(g->module))
		return krt_fail_status(err, KILN_ERR_LINK, KILN_NO_OFFSET,
				       "wasi-threads needs the module to export wasi_thread_start "
				       "(param i32 i32)");
	return KILN_OK;
}

/* The shared memory, of the import's type, capped by max_memory_pages. */
static kiln_status make_memory(kiln_wasi_threads *g, kiln_error *err)
{
	kiln_memtype t = kiln_module_import(g->module, g->memory_import).type.u.memory;
	uint32_t cap = g->cfg.limits.max_memory_pages;
	uint64_t max = !t.index64 ? KILN_MAX_PAGES
		       : g->cfg.limits.max_memory64_pages ? g->cfg.limits.max_memory64_pages
		       : KILN_DEFAULT_MAX_MEMORY64_PAGES;

	if (cap && t.limits.min > cap)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
				       "the shared memory's %llu pages are over the limit of %u",
				       (unsigned long long)t.limits.min, cap);
	if (t.limits.max < max)
		max = t.limits.max;
	g->memory = kiln_memory_new_shared((uint32_t)t.limits.min, (uint32_t)max, t.index64, err);
	if (!g->memory)
		return err ? err->status : KILN_ERR_NOMEM;
	if (cap && cap < g->memory->max_pages)
		g->memory->max_pages = cap;	/* a lower maximum still links */
	return KILN_OK;
}

/* A thread id no live thread has: they wrap past TID_MAX. */
static int32_t new_tid(kiln_wasi_threads *g)
{
	for (;;) {
		int32_t tid = g->next_tid;
		bool used = false;
		g->next_tid = tid == TID_MAX ? 1 : tid + 1;
		for (uint32_t i = 0; i < g->cfg.max_threads && !used; i++)
			used = g->slots[i].state != SLOT_FREE && g->slots[i].tid == tid;
		if (!used)
			return tid;
	}
}

/* A free slot, taken, with a new thread id; NULL at the limit. */
static wt_slot *take_slot(kiln_wasi_threads *g)
{
	wt_slot *s = NULL;

	pthread_mutex_lock(&g->lock);
	for (uint32_t i = 0; i < g->cfg.max_threads && !s; i++)
		if (g->slots[i].state == SLOT_FREE)
			s = &g->slots[i];
	if (s) {
		s->state = SLOT_RUNNING;
		s->tid = new_tid(g);
		g->running++;
		atomic_fetch_add(&g->in_wasm, 1);
	}
	pthread_mutex_unlock(&g->lock);
	return s;
}

/* The thread is out of wasm: what is left is its teardown, which
 * kiln_wasi_threads_delete waits for. */
static void left_wasm(kiln_wasi_threads *g)
{
	pthread_mutex_lock(&g->lock);
	atomic_fetch_sub(&g->in_wasm, 1);
	pthread_cond_broadcast(&g->ended);
	pthread_mutex_unlock(&g->lock);
}

static void end_slot(wt_slot *s)
{
	kiln_wasi_threads *g = s->group;

	pthread_mutex_lock(&g->lock);
	s->state = SLOT_FREE;
	g->running--;
	pthread_cond_broadcast(&g->ended);
	pthread_mutex_unlock(&g->lock);
}

/* A trap or proc_exit in a spawned thread: the embedder ends the
 * program (wasi-threads), or at least hears of it. */
static void report(kiln_wasi_threads *g, const kiln_trap_info *trap)
{
	int code = 1;

	if (trap->kind == KILN_TRAP_EXIT && g->wasi)
		code = kiln_wasi_exit_code(g->wasi);
	if (g->cfg.on_exit)
		g->cfg.on_exit(g->cfg.data, trap, code);
}

static void *thread_main(void *arg)
{
	wt_slot *s = arg;
	kiln_val args[2] = {{.type = KILN_I32, .of.i32 = s->tid},
			    {.type = KILN_I32, .of.i32 = s->arg}};
	kiln_val none[1];
	kiln_trap_info trap;

	kiln_status st = kiln_func_call(s->start, args, 2, none, 0, &trap, NULL);

	if (st == KILN_ERR_TRAP || st == KILN_ERR_EXCEPTION)
		report(s->group, &trap);
	kiln_exception_delete(trap.exception);
	left_wasm(s->group);
	kiln_instance_delete(s->inst);
	end_slot(s);
	return NULL;
}

/* The new thread's instance: the spawner's epoch deadline, the
 * configured fuel. */
static kiln_instance *make_instance(kiln_wasi_threads *g, kiln_caller *caller,
				    kiln_extern *start)
{
	kiln_instance *inst = NULL, *parent = kiln_caller_instance(caller);
	kiln_trap_kind trap;

	if (kiln_instance_new_limited(NULL, g->module, g->imports, g->nimports, &g->cfg.limits,
				      &inst, &trap, NULL) != KILN_OK ||
	    !kiln_instance_export(inst, (kiln_name){"wasi_thread_start", 17}, start)) {
		kiln_instance_delete(inst);
		return NULL;
	}
	inst->ctx.epoch_deadline = parent ? parent->ctx.epoch_deadline : UINT64_MAX;
	if (g->cfg.fuel)
		kiln_instance_set_fuel(inst, g->cfg.fuel, NULL);	/* unmetered code: none */
	return inst;
}

static int32_t start_thread(kiln_wasi_threads *g, wt_slot *s)
{
	pthread_attr_t attr;
	pthread_t t;
	int e;

	pthread_attr_init(&attr);
	e = pthread_attr_setstacksize(&attr, g->stack + KILN_WASI_THREADS_HOST_STACK);
	if (e == 0)
		e = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (e == 0)
		e = pthread_create(&t, &attr, thread_main, s);
	pthread_attr_destroy(&attr);
	return e == 0 ? s->tid : -1;
}

/* "wasi" "thread-spawn": the new thread's id, or -1. */
static int32_t thread_spawn(kiln_caller *caller, int32_t arg)
{
	kiln_wasi_threads *g = kiln_caller_env(caller);
	wt_slot *s;
	int32_t tid;

	if (!g->imports || !(s = take_slot(g)))
		return -1;
	s->arg = arg;
	if (!(s->inst = make_instance(g, caller, &s->start))) {
		left_wasm(g);
		end_slot(s);
		return -1;
	}
	if ((tid = start_thread(g, s)) < 0) {
		kiln_instance_delete(s->inst);
		left_wasm(g);
		end_slot(s);
	}
	return tid;
}

static kiln_status check_config(const kiln_wasi_threads_config *c, kiln_error *err)
{
	if (c->max_threads > KILN_WASI_THREADS_LIMIT)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "wasi-threads: at most %u threads", KILN_WASI_THREADS_LIMIT);
	if (c->fuel > INT64_MAX)
		return krt_fail_status(err, KILN_ERR_ARG, KILN_NO_OFFSET,
				       "wasi-threads: fuel over 2^63-1");
	return KILN_OK;
}

kiln_status kiln_wasi_threads_new(kiln_module *module, kiln_instance *wasi,
				  const kiln_wasi_threads_config *config,
				  kiln_wasi_threads **out, kiln_error *err)
{
	static const kiln_valtype i32[] = {KILN_I32};
	const kiln_functype spawn_type = {1, 1, i32, i32};
	kiln_wasi_threads *g;
	kiln_status st;

	*out = NULL;
	if ((st = check_config(config, err)) != KILN_OK)
		return st;
	if (!(g = calloc(1, sizeof *g)))
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	g->module = module;
	g->wasi = wasi;
	g->cfg = *config;
	if (!g->cfg.max_threads)
		g->cfg.max_threads = KILN_WASI_THREADS_DEFAULT_MAX;
	g->stack = g->cfg.limits.stack_size ? g->cfg.limits.stack_size : DEFAULT_STACK;
	g->cfg.limits.stack_size = g->stack;
	g->next_tid = 1;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->ended, &attr);
	pthread_condattr_destroy(&attr);
	if ((st = find_imports(g, err)) != KILN_OK || (st = make_memory(g, err)) != KILN_OK ||
	    (st = kiln_host_func_new(&spawn_type, (kiln_native_fn)thread_spawn, NULL, g,
				     &g->spawn, err)) != KILN_OK)
		goto fail;
	if (!(g->slots = calloc(g->cfg.max_threads, sizeof *g->slots))) {
		st = krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < g->cfg.max_threads; i++)
		g->slots[i].group = g;
	*out = g;
	return KILN_OK;
fail:
	kiln_wasi_threads_delete(g);
	return st;
}

bool kiln_wasi_threads_import(kiln_wasi_threads *g, size_t index, kiln_extern *out)
{
	if (index == g->memory_import)
		*out = kiln_wasi_threads_memory(g);
	else if (index == g->spawn_import)
		*out = kiln_host_func_extern(g->spawn);
	else
		return false;
	return true;
}

kiln_status kiln_wasi_threads_set_imports(kiln_wasi_threads *g, const kiln_extern *imports,
					  size_t nimports, kiln_error *err)
{
	kiln_extern *copy = calloc(nimports + 1, sizeof *copy);

	if (!copy)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	if (nimports)
		memcpy(copy, imports, nimports * sizeof *copy);
	pthread_mutex_lock(&g->lock);
	free(g->imports);
	g->imports = copy;
	g->nimports = nimports;
	pthread_mutex_unlock(&g->lock);
	return KILN_OK;
}

kiln_extern kiln_wasi_threads_memory(kiln_wasi_threads *g)
{
	return (kiln_extern){KILN_EXTERN_MEMORY, g->memory};
}

uint32_t kiln_wasi_threads_running(kiln_wasi_threads *g)
{
	return atomic_load(&g->in_wasm);
}

bool kiln_wasi_threads_settle(kiln_wasi_threads *g, uint32_t ms)
{
	struct timespec at;
	int rc = 0;
	bool none;

	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += ms / 1000;
	at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g->lock);
	while (atomic_load(&g->in_wasm) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g->ended, &g->lock, &at);
	none = atomic_load(&g->in_wasm) == 0;
	pthread_mutex_unlock(&g->lock);
	return none;
}

void kiln_wasi_threads_delete(kiln_wasi_threads *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	while (g->running)
		pthread_cond_wait(&g->ended, &g->lock);
	pthread_mutex_unlock(&g->lock);
	pthread_cond_destroy(&g->ended);
	pthread_mutex_destroy(&g->lock);
	kiln_host_func_delete(g->spawn);
	if (g->memory)
		kiln_memory_unref(g->memory);
	free(g->imports);
	free(g->slots);
	free(g);
}
