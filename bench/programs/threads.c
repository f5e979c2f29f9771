/*
 * threads.c — a multi-threaded workload, one source for wasm (wasi-threads)
 * and native code (pthreads): T threads each reduce their slice of a
 * generated array (the parallel part: a hash chained through the slice,
 * each step depending on the last, so that neither build can vectorise
 * it and the comparison is of threads, not of SIMD), then all hammer one
 * counter with atomic increments (the contended part), and the main
 * thread joins them.  Prints the reduction and the counter, the same
 * on every build.
 *
 * The wasm build has no libc (Debian's wasi-libc has no threads build):
 * it spawns with the "wasi" "thread-spawn" import, joins with
 * memory.atomic.wait32/notify, and threads_start.s gives each thread its
 * own C stack before calling thread_entry.
 *
 * threads [ROUNDS] [THREADS]: ROUNDS (default 40) of 1 Mi elements each,
 * THREADS (default 4, at most 16).
 */
#include <stdint.h>

#define MAX_THREADS 16
#define ELEMS (1u << 20)
#define INCREMENTS 200000u

static uint32_t data[ELEMS];
static uint64_t partial[MAX_THREADS];
static volatile uint32_t counter;
static uint32_t rounds = 40, nthreads = 4;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Thread `t`'s work: its slice of every round, then the counter. */
static void work(uint32_t t)
{
	uint32_t lo = ELEMS / nthreads * t;
	uint32_t hi = t + 1 == nthreads ? ELEMS : lo + ELEMS / nthreads;
	uint64_t h = t;

	for (uint32_t r = 0; r < rounds; r++)
		for (uint32_t i = lo; i < hi; i++)
			h = mix(h ^ (data[i] + r));
	partial[t] = h;
	for (uint32_t i = 0; i < INCREMENTS; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
}

static uint32_t parse(const char *s, uint32_t dflt)
{
	uint32_t v = 0;

	if (!s || !*s)
		return dflt;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v ? v : dflt;
}

#ifdef __wasm__
/* ------------------------------------------------------- wasi-threads */
__attribute__((import_module("wasi"), import_name("thread-spawn")))
int32_t thread_spawn(int32_t arg);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write")))
int32_t fd_write(int32_t fd, const void *iovs, int32_t n, uint32_t *written);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("args_sizes_get")))
int32_t args_sizes_get(uint32_t *argc, uint32_t *size);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("args_get")))
int32_t args_get(char **argv, char *buf);

#define STACK_SIZE (64u << 10)
/* What threads_start.s reads from the spawn's argument: the stack top
 * first. */
struct start {
	uint32_t stack_top, thread;
};
static struct start starts[MAX_THREADS];
static uint8_t stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));
static uint32_t running;

void thread_entry(int32_t tid, struct start *s)
{
	(void)tid;
	work(s->thread);
	__atomic_fetch_sub(&running, 1, __ATOMIC_SEQ_CST);
	__builtin_wasm_memory_atomic_notify((int *)&running, 1);
}

static void run_threads(void)
{
	uint32_t v;

	running = nthreads - 1;
	for (uint32_t t = 1; t < nthreads; t++) {
		starts[t] = (struct start){(uint32_t)(uintptr_t)stacks[t + 1], t};
		if (thread_spawn((int32_t)(uintptr_t)&starts[t]) <= 0)
			__builtin_trap();
	}
	work(0);
	while ((v = __atomic_load_n(&running, __ATOMIC_SEQ_CST)) != 0)
		__builtin_wasm_memory_atomic_wait32((int *)&running, (int)v, -1);
}

static void print(const char *s, uint32_t n)
{
	struct { const char *p; uint32_t n; } iov = {s, n};
	uint32_t w;

	fd_write(1, &iov, 1, &w);
}

static char args_buf[256];

static void read_args(void)
{
	uint32_t argc, size;
	char *argv[4] = {0};

	if (args_sizes_get(&argc, &size) || argc > 4 || size > sizeof args_buf ||
	    args_get(argv, args_buf))
		return;
	rounds = parse(argc > 1 ? argv[1] : 0, rounds);
	nthreads = parse(argc > 2 ? argv[2] : 0, nthreads);
}
#else
/* ------------------------------------------------------------ pthreads */
#include <pthread.h>
#include <unistd.h>

static void *thread_main(void *arg)
{
	work((uint32_t)(uintptr_t)arg);
	return 0;
}

static void run_threads(void)
{
	pthread_t th[MAX_THREADS];

	for (uint32_t t = 1; t < nthreads; t++)
		if (pthread_create(&th[t], 0, thread_main, (void *)(uintptr_t)t))
			__builtin_trap();
	work(0);
	for (uint32_t t = 1; t < nthreads; t++)
		pthread_join(th[t], 0);
}

static void print(const char *s, uint32_t n)
{
	if (write(1, s, n) < 0)
		__builtin_trap();
}
#endif

/* Decimal, then a space or a newline. */
static void print_u64(uint64_t v, char end)
{
	char buf[24];
	int i = sizeof buf;

	buf[--i] = end;
	do
		buf[--i] = (char)('0' + v % 10);
	while (v /= 10);
	print(buf + i, (uint32_t)(sizeof buf - (size_t)i));
}

static int run(void)
{
	uint64_t total = 0;

	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	for (uint32_t i = 0; i < ELEMS; i++)
		data[i] = (uint32_t)mix(i);
	run_threads();
	for (uint32_t t = 0; t < nthreads; t++)
		total += partial[t];
	print_u64(total, ' ');
	print_u64(counter, '\n');
	return 0;
}

#ifdef __wasm__
void _start(void)
{
	read_args();
	run();
}
#else
int main(int argc, char **argv)
{
	rounds = parse(argc > 1 ? argv[1] : 0, rounds);
	nthreads = parse(argc > 2 ? argv[2] : 0, nthreads);
	return run();
}
#endif
