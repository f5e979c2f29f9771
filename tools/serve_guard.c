/*
 * serve_guard.c — read deadlines, a connection limit with a per-address
 * share and an accept policy that never stops accepting (serve_guard.h).
 *
 * Invariants, under g->lock: g->conns[0..n) are the connections libmicrohttpd
 * has open and not yet reported closed, each with c->slot its index; a
 * connection marked `closing` has had its socket shut down and counts for
 * no limit (its socket is about to go); every other one counts once, in
 * g->live and for its address.
 *
 * A connection counts from guard_admit on, so that clients accepted at
 * once by several threads cannot all pass the limits: admitting records it
 * (with no socket yet) in `admitted`, a thread-local, and guard_conn_add,
 * which libmicrohttpd calls next in the same thread, completes it.  A record
 * left there (libmicrohttpd dropped the client in between) is removed by the
 * thread's next guard_admit.
 *
 * The deadline thread wakes every GUARD_TICK_MS and scans the table; so does
 * guard_admit when the server is full.  A few thousand entries at most
 * (max_conns), so a linear scan is cheaper than keeping a heap in order.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "serve_guard.h"

#define GUARD_TICK_MS 100

struct guard_conn {
	int fd;
	uint32_t ip;
	guard_state state;
	bool closing;
	int64_t since;		/* ns, when the state began */
	int64_t deadline;	/* ns; 0: none */
	size_t slot;
};

static _Thread_local guard_conn *admitted;

struct guard {
	guard_limits lim;
	int64_t timeout_ns[4];	/* per guard_state; 0: none */
	pthread_mutex_t lock;
	guard_conn **conns;
	size_t n, cap, live;
	guard_counts counts;
	pthread_t thread;
	bool stopping;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Shuts c's socket down (libmicrohttpd closes it next); under the lock. */
static void shut(guard *g, guard_conn *c)
{
	c->closing = true;
	g->live--;
	shutdown(c->fd, SHUT_RDWR);
}

static void *guard_main(void *arg)
{
	guard *g = arg;
	struct timespec tick = {0, GUARD_TICK_MS * 1000000L};

	for (;;) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&g->lock);
		if (g->stopping) {
			pthread_mutex_unlock(&g->lock);
			return NULL;
		}
		int64_t now = now_ns();
		for (size_t i = 0; i < g->n; i++) {
			guard_conn *c = g->conns[i];
			if (!c->closing && c->deadline && now >= c->deadline) {
				g->counts.timed_out[c->state]++;
				shut(g, c);
			}
		}
		pthread_mutex_unlock(&g->lock);
	}
}

static int64_t seconds_ns(double s)
{
	return s > 0 ? (int64_t)(s * 1e9) : 0;
}

guard *guard_new(const guard_limits *limits)
{
	guard *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->lim = *limits;
	g->timeout_ns[GUARD_HEADERS] = seconds_ns(limits->header_timeout);
	g->timeout_ns[GUARD_BODY] = seconds_ns(limits->body_timeout);
	g->timeout_ns[GUARD_IDLE] = seconds_ns(limits->idle_timeout);
	pthread_mutex_init(&g->lock, NULL);
	if (pthread_create(&g->thread, NULL, guard_main, g) != 0) {
		pthread_mutex_destroy(&g->lock);
		free(g);
		return NULL;
	}
	return g;
}

void guard_delete(guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	pthread_mutex_destroy(&g->lock);
	free(g->conns);
	free(g);
}

/* The connection to close for a new client: the one that has waited
 * longest for a request (headers or the next one on a kept-alive
 * connection); NULL when every one is busy with a body or a handler. */
static guard_conn *victim(guard *g)
{
	guard_conn *best = NULL;

	for (size_t i = 0; i < g->n; i++) {
		guard_conn *c = g->conns[i];
		if (!c->closing && c->fd >= 0 &&
		    (c->state == GUARD_HEADERS || c->state == GUARD_IDLE) &&
		    (!best || c->since < best->since))
			best = c;
	}
	return best;
}

/* Puts c in the table; under the lock.  False when out of memory. */
static bool table_add(guard *g, guard_conn *c)
{
	if (!cli_grow((void **)&g->conns, &g->cap, g->n + 1, sizeof *g->conns))
		return false;
	c->slot = g->n;
	g->conns[g->n++] = c;
	g->live++;
	return true;
}

/* Takes c out of the table and frees it; under the lock. */
static void table_remove(guard *g, guard_conn *c)
{
	g->conns[c->slot] = g->conns[--g->n];
	g->conns[c->slot]->slot = c->slot;
	if (!c->closing)
		g->live--;
	free(c);
}

/* Whether the limits let a client at ipv4 in; under the lock. */
static bool admissible(guard *g, uint32_t ipv4)
{
	if (g->lim.max_per_ip) {
		unsigned mine = 0;
		for (size_t i = 0; i < g->n; i++)
			mine += !g->conns[i]->closing && g->conns[i]->ip == ipv4;
		if (mine >= g->lim.max_per_ip) {
			g->counts.refused_per_ip++;
			return false;
		}
	}
	if (g->live >= g->lim.max_conns) {
		guard_conn *c = victim(g);
		if (!c) {
			g->counts.refused_full++;
			return false;
		}
		g->counts.evicted++;
		shut(g, c);
	}
	return true;
}

bool guard_admit(guard *g, uint32_t ipv4)
{
	guard_conn *c = calloc(1, sizeof *c);
	bool ok;

	if (!c)
		return false;
	*c = (guard_conn){.fd = -1, .ip = ipv4, .state = GUARD_HEADERS, .since = now_ns()};
	pthread_mutex_lock(&g->lock);
	if (admitted)
		table_remove(g, admitted);
	admitted = NULL;
	ok = admissible(g, ipv4) && table_add(g, c);
	if (ok)
		admitted = c;
	pthread_mutex_unlock(&g->lock);
	if (!ok)
		free(c);
	return ok;
}

guard_conn *guard_conn_add(guard *g, int fd, uint32_t ipv4)
{
	guard_conn *c;

	pthread_mutex_lock(&g->lock);
	c = admitted;
	admitted = NULL;
	if (c && c->ip == ipv4) {
		c->fd = fd;
		c->since = now_ns();
		if (g->timeout_ns[GUARD_HEADERS])
			c->deadline = c->since + g->timeout_ns[GUARD_HEADERS];
		g->counts.accepted++;
	} else if (c) {		/* not the client admitted: cannot happen */
		table_remove(g, c);
		c = NULL;
	}
	pthread_mutex_unlock(&g->lock);
	return c;
}

void guard_conn_remove(guard *g, guard_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	table_remove(g, c);
	pthread_mutex_unlock(&g->lock);
}

void guard_conn_enter(guard *g, guard_conn *c, guard_state st)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (!(st == GUARD_HEADERS && c->state == GUARD_HEADERS)) {
		c->state = st;
		c->since = now_ns();
		c->deadline = g->timeout_ns[st] ? c->since + g->timeout_ns[st] : 0;
	}
	pthread_mutex_unlock(&g->lock);
}

guard_counts guard_get_counts(guard *g)
{
	guard_counts k;

	pthread_mutex_lock(&g->lock);
	k = g->counts;
	pthread_mutex_unlock(&g->lock);
	return k;
}
