/*
 * atomic.c — memory.atomic.wait32/64 and memory.atomic.notify: a parking
 * lot keyed by host address, futex style.
 *
 * Waiters queue on one of PARK_BUCKETS buckets chosen by the address they
 * wait on (base + effective address: distinct memories never share one),
 * each with its mutex.  wait compares the value under the bucket's lock,
 * and notify takes the same lock to dequeue, so a notify that follows a
 * store of the value a waiter tests cannot slip between its test and its
 * sleep.  Each waiter sleeps on its own condition variable (CLOCK_MONOTONIC)
 * and is woken in queue order.  A call with an epoch deadline wakes every
 * KILN_DEADLINE_SLICE_MS to check it and leaves the queue before trapping
 * "interrupted".
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "instance.h"
#include "memory.h"
#include "trap.h"

#define PARK_BUCKETS 256u

typedef struct parked {
	struct parked *next;
	const void *addr;
	pthread_cond_t cond;
	bool woken;
} parked;

typedef struct bucket {
	pthread_mutex_t lock;
	parked *head;
} bucket;

static bucket buckets[PARK_BUCKETS] = {
	[0 ... PARK_BUCKETS - 1] = {PTHREAD_MUTEX_INITIALIZER, NULL},
};

static bucket *bucket_of(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	return &buckets[((a >> 2) ^ (a >> 12)) % PARK_BUCKETS];
}

static void enqueue(bucket *b, parked *w)
{
	parked **p = &b->head;

	while (*p)
		p = &(*p)->next;
	*p = w;
}

static void dequeue(bucket *b, parked *w)
{
	for (parked **p = &b->head; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

static struct timespec ts_add(struct timespec t, int64_t ns)
{
	t.tv_sec += ns / 1000000000;
	t.tv_nsec += ns % 1000000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static bool ts_before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

static void check_access(kiln_memory_rt *mem, uint64_t ea, unsigned bytes)
{
	if (ea + bytes > kiln_memory_size(mem))
		krt_trap_raise(KILN_TRAP_MEMORY_OOB);
}

static uint64_t load(const void *p, unsigned bytes)
{
	if (bytes == 8)
		return atomic_load_explicit((const _Atomic uint64_t *)p, memory_order_seq_cst);
	return atomic_load_explicit((const _Atomic uint32_t *)p, memory_order_seq_cst);
}

/* Sleeps on w until woken, `end` passes (2) or the epoch reaches
 * `deadline` (3); the bucket's lock is held on entry and on return. */
static uint32_t sleep_on(bucket *b, parked *w, const struct timespec *end,
			 uint64_t deadline)
{
	struct timespec now, until;

	while (!w->woken) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (end && !ts_before(now, *end))
			return 2;
		if (atomic_load_explicit(&kiln_epoch_counter, memory_order_relaxed) >= deadline)
			return 3;
		until = deadline == UINT64_MAX ? ts_add(now, 1000000000)
					       : ts_add(now, KILN_DEADLINE_SLICE_MS * 1000000);
		if (end && ts_before(*end, until))
			until = *end;
		pthread_cond_timedwait(&w->cond, &b->lock, &until);
	}
	return 0;
}

uint32_t kiln_atomic_wait(kiln_memory_rt *mem, uint64_t ea, uint64_t expected,
			  unsigned bytes, int64_t timeout_ns)
{
	const void *p = mem->base + ea;
	uint64_t deadline = kiln_deadline_check();
	bucket *b = bucket_of(p);
	struct timespec end;
	pthread_condattr_t attr;
	parked w = {.addr = p};
	uint32_t r;

	check_access(mem, ea, bytes);
	if (!mem->shared)
		krt_trap_raise(KILN_TRAP_EXPECTED_SHARED);
	if (timeout_ns >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end = ts_add(end, timeout_ns);
	}
	pthread_mutex_lock(&b->lock);
	if (load(p, bytes) != expected) {
		pthread_mutex_unlock(&b->lock);
		return 1;
	}
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cond, &attr);
	pthread_condattr_destroy(&attr);
	enqueue(b, &w);
	r = sleep_on(b, &w, timeout_ns >= 0 ? &end : NULL, deadline);
	if (!w.woken)
		dequeue(b, &w);
	else
		r = 0;
	pthread_mutex_unlock(&b->lock);
	pthread_cond_destroy(&w.cond);
	if (r == 3)
		kiln_deadline_check();	/* traps "interrupted" */
	return r;
}

uint32_t kiln_atomic_notify(kiln_memory_rt *mem, uint64_t ea, uint32_t count)
{
	const void *p = mem->base + ea;
	bucket *b = bucket_of(p);
	uint32_t n = 0;

	check_access(mem, ea, 4);
	if (!mem->shared)
		return 0;
	pthread_mutex_lock(&b->lock);
	for (parked **q = &b->head; *q && n < count;) {
		parked *w = *q;

		if (w->addr != p) {
			q = &w->next;
			continue;
		}
		*q = w->next;
		w->woken = true;
		pthread_cond_signal(&w->cond);
		n++;
	}
	pthread_mutex_unlock(&b->lock);
	return n;
}
