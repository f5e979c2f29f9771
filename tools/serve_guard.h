/*
 * serve_guard.h — the connection bookkeeping of `kiln serve`: how many
 * connections are open (in all and per client address), what each one is
 * waiting for and until when, and the policy for a new one when the server
 * is full.  It keeps slow clients (slowloris) from holding the server:
 *
 *   - every connection has a deadline for what it is doing: its request
 *     headers (header_timeout, whole headers, from the connection or from
 *     the end of the previous request), its body (body_timeout, from the
 *     end of the headers) or the next request on a kept-alive connection
 *     (idle_timeout).  While its handler runs it has none (the handler has
 *     its own --timeout).  A thread closes connections past their deadline;
 *   - at max_conns open connections a new client evicts the connection
 *     that has waited longest for its headers (or idled longest); only
 *     when every connection is reading a body or running a handler is the
 *     new one refused.  Accepting never stops;
 *   - one client address holds at most max_per_ip connections.
 *
 * To close a connection the guard shuts its socket down; libmicrohttpd,
 * which owns the socket, then sees the end of the stream and closes it.
 * The socket stays valid while the guard knows it: guard_conn_remove runs
 * (in libmicrohttpd's "connection closed" notification) before the socket
 * is closed, and both take the guard's lock.
 *
 * Thread-safe: every function may be called from any thread.
 */
#ifndef KILN_SERVE_GUARD_H
#define KILN_SERVE_GUARD_H

#include <stdbool.h>
#include <stdint.h>

/* The limits; a timeout of 0 is none, max_per_ip 0 no per-address share. */
typedef struct guard_limits {
	unsigned max_conns, max_per_ip;
	double header_timeout, body_timeout, idle_timeout;	/* seconds */
} guard_limits;

/* What a connection is doing, and so which deadline applies. */
typedef enum guard_state {
	GUARD_HEADERS,	/* reading a request line and headers */
	GUARD_BODY,	/* reading a request body */
	GUARD_BUSY,	/* running the handler, sending the response */
	GUARD_IDLE,	/* kept alive, waiting for the next request */
} guard_state;

/* What happened to connections, for the summary line at the end. */
typedef struct guard_counts {
	uint64_t accepted;
	uint64_t timed_out[4];	/* closed at the deadline of each guard_state */
	uint64_t evicted;	/* closed to make room for a new client */
	uint64_t refused_full, refused_per_ip;
} guard_counts;

typedef struct guard guard;
typedef struct guard_conn guard_conn;

/* Starts the guard and its deadline thread; NULL when out of memory or
 * threads.  The limits are copied. */
guard *guard_new(const guard_limits *limits);

/* Stops the thread and frees the guard (NULL: nothing).  Every connection
 * must have been removed. */
void guard_delete(guard *g);

/* Whether to accept a client at `ipv4` (network order): false when its
 * address has its share, or when the server is full and no connection
 * waits for headers (one that does is shut down to make room), or when out
 * of memory.  An admitted client counts from now on. */
bool guard_admit(guard *g, uint32_t ipv4);

/* The client this thread admitted last is connected on socket fd: it
 * starts in GUARD_HEADERS.  NULL when this thread admitted no client at
 * ipv4 (the connection is then not guarded). */
guard_conn *guard_conn_add(guard *g, int fd, uint32_t ipv4);

/* The connection is closing; c is freed (NULL: nothing). */
void guard_conn_remove(guard *g, guard_conn *c);

/* The connection starts st with a fresh deadline; GUARD_HEADERS while
 * already reading headers keeps the deadline it has (NULL c: nothing). */
void guard_conn_enter(guard *g, guard_conn *c, guard_state st);

/* A copy of the counters so far. */
guard_counts guard_get_counts(guard *g);

#endif
