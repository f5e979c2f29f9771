/*
 * workers.h — the threads tests' workers: n threads started on one
 * function, each given the test's shared state and its number, released
 * together (a barrier, so that they really run at once) and joined.
 */
#ifndef KILN_TEST_WORKERS_H
#define KILN_TEST_WORKERS_H

#include <pthread.h>

enum { MAX_WORKERS = 64 };

typedef struct worker {
	void *shared;
	unsigned id;
	pthread_barrier_t *start;
} worker;

/* fn(worker *) on n threads (1..MAX_WORKERS); returns when all ended.
 * Each calls worker_wait before its work. */
static inline void workers_run(unsigned n, void *(*fn)(void *), void *shared)
{
	pthread_barrier_t start;
	pthread_t t[MAX_WORKERS];
	worker w[MAX_WORKERS];

	pthread_barrier_init(&start, NULL, n);
	for (unsigned i = 0; i < n; i++) {
		w[i] = (worker){shared, i, &start};
		pthread_create(&t[i], NULL, fn, &w[i]);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
}

static inline void worker_wait(worker *w)
{
	pthread_barrier_wait(w->start);
}

#endif /* KILN_TEST_WORKERS_H */
