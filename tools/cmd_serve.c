/*
 * cmd_serve.c — `kiln serve --listen ADDR:PORT HANDLER.wasm`: an HTTP server
 * that answers each request by running the handler, WAGI-style (CGI for
 * WebAssembly): the request's method, path, query and headers are the
 * program's environment (CGI variables), its body is stdin; the program
 * prints response headers, a blank line and the body on stdout.
 *
 * HTTP is libmicrohttpd's (keep-alive, parsing, a pool of N threads each
 * with its own epoll loop).  Each thread is a worker that runs the handlers
 * of its connections itself, one at a time: it owns a WASI instance, reset
 * per request with in-memory stdin and stdout, and a kiln_instance_pre of
 * the handler linked to it once.  Every request gets a fresh instance from
 * a pool of `workers` slots, deleted when it ends.  A trap, a non-zero exit,
 * a timeout (epoch deadline, ticked by one timer thread) or a memory-limit
 * hit answers 500 and touches nothing but that instance.
 *
 * Slow or too many clients are serve_guard.c's: every connection has a
 * deadline for its headers, its body or its next request, there are at
 * most --max-connections (a share per client address), and a new client
 * when full evicts the connection that has waited longest for its headers.
 * A Content-Length over the body limit is answered 413 from the headers; a
 * chunked body over it is read, dropped and answered 413 at its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mhd_load.h"
#include "serve_guard.h"

#define TICK_MS 5			/* the epoch moves this often */
#define MAX_OUTPUT (64u << 20)		/* bytes a handler may print */
#define FD_RESERVE 64			/* open files kept for all but connections */
#define WORKER_STACK ((size_t)8 << 20)	/* a worker thread's stack, at least */
#define SERVE_MAX_BODY (1ull << 30)	/* --max-body at most: bodies are held in memory */

typedef struct serve_opts {
	const char *file;
	struct sockaddr_in addr;
	unsigned workers;
	double timeout;			/* seconds; 0: none */
	uint32_t max_pages;		/* per instance; 0: the module's own */
	uint32_t max_table_elements;	/* per instance, all tables; 0: default */
	uint64_t max_stack;		/* bytes a request's wasm may use; 0: 1 MiB */
	const char *verify;		/* --verify PUBKEY.pem: signed artifacts only */
	size_t max_body;
	guard_limits conns;		/* deadlines and connection limits */
	bool max_conns_given;
	bool quiet, no_cache;
	uint32_t features;		/* kiln_config.features less --disable- */
} serve_opts;

/* A growing byte buffer. */
typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static bool buf_add(buf *b, const void *p, size_t n)
{
	if (!cli_grow((void **)&b->p, &b->cap, b->len + n, 1))
		return false;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return true;
}

/* One thread of the server's pool and what it reuses between requests. */
typedef struct worker {
	struct worker *next;
	kiln_instance *wasi;
	kiln_instance_pre *pre;
	buf out;		/* the handler's stdout */
	buf env;		/* NAME=value strings, NUL-separated */
	const char **envp;
	size_t nenv_cap;
} worker;

typedef struct server {
	serve_opts o;
	kiln_module *module;
	kiln_pool *pool;
	uint64_t deadline_ticks;
	char host[INET_ADDRSTRLEN], port[8];
	pthread_mutex_t lock;
	worker *workers;
	guard *guard;
	pthread_t ticker;
	_Atomic bool stopping;
} server;

/* What a connection knows of the request it is reading. */
typedef struct request {
	char *raw_uri;
	buf body;
	size_t dropped;		/* bytes of a too large chunked body read */
	bool started, too_large;
	struct timespec t0;
} request;

static _Thread_local worker *self;

/* ------------------------------------------------------------ workers */

static bool collect(void *data, const uint8_t *bytes, size_t len)
{
	buf *out = data;

	return out->len + len <= MAX_OUTPUT && buf_add(out, bytes, len);
}

static void worker_free(worker *w)
{
	kiln_instance_pre_delete(w->pre);
	kiln_instance_delete(w->wasi);
	free(w->out.p);
	free(w->env.p);
	free(w->envp);
	free(w);
}

/* A WASI instance and the handler linked to it; NULL with *err. */
static worker *worker_new(server *s, kiln_error *err)
{
	kiln_wasi_config wc = {0};
	kiln_linker *l = NULL;
	worker *w = calloc(1, sizeof *w);

	if (!w) {
		snprintf(err->message, sizeof err->message, "out of memory");
		return NULL;
	}
	if (kiln_wasi_new(&wc, &w->wasi, err) != KILN_OK ||
	    kiln_linker_new(&l, err) != KILN_OK ||
	    kiln_linker_define_instance(l, "wasi_snapshot_preview1", w->wasi, err) != KILN_OK ||
	    kiln_linker_instantiate_pre(l, s->module, &w->pre, err) != KILN_OK) {
		kiln_linker_delete(l);
		worker_free(w);
		return NULL;
	}
	kiln_linker_delete(l);
	return w;
}

/* This thread's worker, made on its first request. */
static worker *worker_get(server *s)
{
	kiln_error err;
	worker *w;

	if (self)
		return self;
	if (!(w = worker_new(s, &err))) {
		fprintf(stderr, "kiln serve: %s: %s\n", s->o.file, err.message);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	w->next = s->workers;
	s->workers = w;
	pthread_mutex_unlock(&s->lock);
	return self = w;
}

/* ------------------------------------------------------- environment */

typedef struct env_ctx {
	worker *w;
	bool ok;
} env_ctx;

static void env_add(env_ctx *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void env_add(env_ctx *e, const char *fmt, ...)
{
	char small[512], *p = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		e->ok = false;
		return;
	}
	if ((size_t)n >= sizeof small) {
		if (!(p = malloc((size_t)n + 1))) {
			e->ok = false;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	e->ok = e->ok && buf_add(&e->w->env, p, (size_t)n + 1);
	if (p != small)
		free(p);
}

/* A request header as HTTP_NAME (upper case, '-' as '_'). */
static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	env_ctx *e = cls;
	char name[256];
	size_t i;

	(void)kind;
	for (i = 0; key[i] && i < sizeof name - 1; i++) {
		unsigned char c = (unsigned char)key[i];
		name[i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 32) : (char)c;
	}
	name[i] = 0;
	if (!strcmp(name, "CONTENT_TYPE"))
		env_add(e, "CONTENT_TYPE=%s", value ? value : "");
	else if (strcmp(name, "CONTENT_LENGTH"))
		env_add(e, "HTTP_%s=%s", name, value ? value : "");
	return MHD_YES;
}

/* The client's IPv4 address (network order); false when it has none. */
static bool peer_ip(struct MHD_Connection *c, uint32_t *ip)
{
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (!ci || !ci->client_addr || ci->client_addr->sa_family != AF_INET)
		return false;
	*ip = ((const struct sockaddr_in *)ci->client_addr)->sin_addr.s_addr;
	return true;
}

static void client_addr(struct MHD_Connection *c, char out[INET_ADDRSTRLEN])
{
	struct in_addr a;

	strcpy(out, "-");
	if (peer_ip(c, &a.s_addr))
		inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* The CGI variables of a request, as w->envp (NULL-terminated). */
static bool make_env(server *s, worker *w, struct MHD_Connection *c, const char *method,
		     const char *version, request *r)
{
	env_ctx e = {w, true};
	const char *raw = r->raw_uri ? r->raw_uri : "/";
	const char *q = strchr(raw, '?');
	int path_len = q ? (int)(q - raw) : (int)strlen(raw);
	char remote[INET_ADDRSTRLEN];

	client_addr(c, remote);
	w->env.len = 0;
	env_add(&e, "GATEWAY_INTERFACE=CGI/1.1");
	env_add(&e, "SERVER_SOFTWARE=kiln/%s", kiln_version());
	env_add(&e, "SERVER_PROTOCOL=%s", version);
	env_add(&e, "SERVER_NAME=%s", s->host);
	env_add(&e, "SERVER_PORT=%s", s->port);
	env_add(&e, "REQUEST_METHOD=%s", method);
	env_add(&e, "SCRIPT_NAME=");
	env_add(&e, "PATH_INFO=%.*s", path_len, raw);
	env_add(&e, "X_RAW_PATH_INFO=%.*s", path_len, raw);
	env_add(&e, "QUERY_STRING=%s", q ? q + 1 : "");
	env_add(&e, "X_FULL_URL=http://%s:%s%s", s->host, s->port, raw);
	env_add(&e, "REMOTE_ADDR=%s", remote);
	env_add(&e, "REMOTE_HOST=%s", remote);
	env_add(&e, "CONTENT_LENGTH=%zu", r->body.len);
	mhd.get_connection_values(c, MHD_HEADER_KIND, add_header, &e);
	if (!e.ok)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < w->env.len; i++)
		n += w->env.p[i] == 0;
	if (!cli_grow((void **)&w->envp, &w->nenv_cap, n + 1, sizeof *w->envp))
		return false;
	n = 0;
	for (size_t i = 0; i < w->env.len; i += strlen(w->env.p + i) + 1)
		w->envp[n++] = w->env.p + i;
	w->envp[n] = NULL;
	return true;
}

/* ------------------------------------------------------------ running */

/* How a handler run ended, for the response and the log. */
typedef struct outcome {
	unsigned status;	/* 0: the handler's own response */
	char why[300];
} outcome;

/* A fresh pooled instance of the handler, made under the handler's
 * deadline (which its start function and then _start run under). */
static kiln_status instantiate(server *s, worker *w, kiln_instance **inst,
			       kiln_trap_kind *trap, kiln_error *err)
{
	kiln_status st;

	*trap = KILN_TRAP_NONE;
	kiln_thread_set_epoch_deadline(s->deadline_ticks ? s->deadline_ticks : UINT64_MAX);
	kiln_instance_limits limits = {.stack_size = (size_t)s->o.max_stack};

	st = kiln_instance_pre_instantiate_limited(w->pre, s->pool, &limits, inst, trap, err);
	kiln_thread_set_epoch_deadline(UINT64_MAX);
	return st;
}

/* Runs the handler once in a fresh pooled instance. */
static outcome run_handler(server *s, worker *w, request *r, const char *script)
{
	const char *argv[] = {script};
	kiln_wasi_config wc = {.argc = 1, .argv = argv, .envp = w->envp,
			       .stdin_bytes = (const uint8_t *)(r->body.p ? r->body.p : ""),
			       .stdin_len = r->body.len, .stdout_write = collect,
			       .stdout_data = &w->out};
	kiln_instance *inst = NULL;
	kiln_extern start, memory;
	kiln_trap_info ti;
	kiln_trap_kind trap = KILN_TRAP_NONE;
	kiln_error err;
	outcome oc = {0, ""};

	while (w->envp[wc.envc])
		wc.envc++;
	w->out.len = 0;
	if (kiln_wasi_reset(w->wasi, &wc, &err) != KILN_OK ||
	    instantiate(s, w, &inst, &trap, &err) != KILN_OK) {
		oc.status = 500;
		snprintf(oc.why, sizeof oc.why, "%s: %s",
			 trap == KILN_TRAP_INTERRUPTED ? "timeout" : "instantiate", err.message);
		goto done;
	}
	if (kiln_instance_export(inst, (kiln_name){"memory", 6}, &memory))
		kiln_wasi_set_memory(w->wasi, memory);
	if (!kiln_instance_export(inst, (kiln_name){"_start", 6}, &start)) {
		oc.status = 500;
		snprintf(oc.why, sizeof oc.why, "no _start export");
		goto done;
	}
	if (kiln_func_call(start, NULL, 0, NULL, 0, &ti, &err) == KILN_OK)
		goto done;
	kiln_exception_delete(ti.exception);
	oc.status = 500;
	if (err.status != KILN_ERR_TRAP)
		snprintf(oc.why, sizeof oc.why, "%s", err.message);
	else if (ti.kind == KILN_TRAP_EXIT && kiln_wasi_exit_code(w->wasi) == 0)
		oc.status = 0;
	else if (ti.kind == KILN_TRAP_EXIT)
		snprintf(oc.why, sizeof oc.why, "exit %d", kiln_wasi_exit_code(w->wasi));
	else if (ti.kind == KILN_TRAP_INTERRUPTED)
		snprintf(oc.why, sizeof oc.why, "timeout");
	else
		snprintf(oc.why, sizeof oc.why, "trap: %s", kiln_trap_message(ti.kind));
done:
	kiln_instance_delete(inst);
	return oc;
}

#define MAX_HEADERS 64

/* The handler's output as a response: headers up to a blank line (Status
 * sets the code, Location alone means 302), then the body, whose size goes
 * to *body_len.  NULL (with oc->why) when the output is not like that. */
static struct MHD_Response *parse_output(buf *out, unsigned *status, size_t *body_len,
					 outcome *oc)
{
	char *p = out->p ? out->p : "", *end = p + out->len, *line = p;
	char *names[MAX_HEADERS], *values[MAX_HEADERS];
	struct MHD_Response *resp;
	bool location = false;
	int n = 0;

	*status = 0;
	for (;;) {
		char *nl = memchr(line, '\n', (size_t)(end - line)), *colon;
		if (nl == NULL) {
			snprintf(oc->why, sizeof oc->why, "no blank line after the headers");
			return NULL;
		}
		size_t len = (size_t)(nl - line) - (nl > line && nl[-1] == '\r');
		if (len == 0) {
			line = nl + 1;
			break;
		}
		line[len] = 0;
		if (!(colon = strchr(line, ':')) || colon == line || n == MAX_HEADERS) {
			snprintf(oc->why, sizeof oc->why, n == MAX_HEADERS ? "too many headers"
					: "a header line without a name and ':'");
			return NULL;
		}
		*colon = 0;
		names[n] = line;
		values[n++] = colon + 1 + strspn(colon + 1, " \t");
		if (!strcasecmp(line, "Status"))
			*status = (unsigned)strtoul(colon + 1, NULL, 10);
		location |= !strcasecmp(line, "Location");
		line = nl + 1;
	}
	if (*status == 0)
		*status = location ? 302 : 200;
	if (*status < 100 || *status > 599) {
		snprintf(oc->why, sizeof oc->why, "a bad Status");
		return NULL;
	}
	*body_len = (size_t)(end - line);
	resp = mhd.create_response_from_buffer(*body_len, line, MHD_RESPMEM_MUST_COPY);
	/* libmicrohttpd frames the response itself. */
	for (int i = 0; resp && i < n; i++)
		if (strcasecmp(names[i], "Status") && strcasecmp(names[i], "Content-Length") &&
		    strcasecmp(names[i], "Connection") && strcasecmp(names[i], "Transfer-Encoding"))
			mhd.add_response_header(resp, names[i], values[i]);
	if (!resp)
		snprintf(oc->why, sizeof oc->why, "out of memory");
	return resp;
}

static enum MHD_Result answer_error(struct MHD_Connection *c, unsigned status,
				    const char *text)
{
	struct MHD_Response *resp = mhd.create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (resp == NULL)
		return MHD_NO;
	mhd.add_response_header(resp, "Content-Type", "text/plain");
	if (status == 413)	/* the body is left unread */
		mhd.add_response_header(resp, "Connection", "close");
	rc = mhd.queue_response(c, status, resp);
	mhd.destroy_response(resp);
	return rc;
}

/* s for the log, in a new string (NULL when out of memory): bytes outside
 * printable ASCII, '\' and '"' as \xHH, so that what a client sent cannot
 * reach the operator's terminal as escape sequences or forge a field. */
static char *log_escape(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *out = malloc(4 * strlen(s) + 1), *o = out;

	for (; out && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		*o++ = 'x';
		*o++ = hex[c >> 4];
		*o++ = hex[c & 15];
	}
	if (out)
		*o = 0;
	return out;
}

static void access_log(server *s, request *r, const char *method, const char *version,
		       unsigned status, size_t bytes, const char *why, const char *remote)
{
	struct timespec t1;
	time_t now = time(NULL);
	struct tm tm;
	char when[32], *m, *u, *v;

	if (s->o.quiet)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
	m = log_escape(method);
	u = log_escape(r->raw_uri ? r->raw_uri : "?");
	v = log_escape(version);
	/* One write per line: lines of concurrent workers do not mix. */
	fprintf(stderr, "%s - - [%s] \"%s %s %s\" %u %zu %.3fms%s%s\n", remote, when,
		m ? m : "?", u ? u : "?", v ? v : "?", status, bytes, ms, *why ? " " : "", why);
	free(m);
	free(u);
	free(v);
}

/* ------------------------------------------------------ connections */

static guard_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		mhd.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd's accept policy: the guard's. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	server *s = cls;
	uint32_t ip = 0;

	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		ip = ((const struct sockaddr_in *)addr)->sin_addr.s_addr;
	return guard_admit(s->guard, ip) ? MHD_YES : MHD_NO;
}

/* A connection opened or closed: the guard's record of it is its socket
 * context.  Closed comes before libmicrohttpd closes the socket. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	server *s = cls;
	const union MHD_ConnectionInfo *fd;
	uint32_t ip = 0;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		guard_conn_remove(s->guard, *socket_context);
		*socket_context = NULL;
		return;
	}
	fd = mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	peer_ip(c, &ip);
	*socket_context = fd ? guard_conn_add(s->guard, fd->connect_fd, ip) : NULL;
}

/* The last call for a request: its body is in (or too large). */
static enum MHD_Result respond(server *s, struct MHD_Connection *c, const char *method,
			       const char *version, request *r)
{
	worker *w = r->too_large ? NULL : worker_get(s);
	struct MHD_Response *resp = NULL;
	outcome oc = {500, "out of memory"};
	unsigned status = 500;
	size_t bytes = 0;
	enum MHD_Result rc;
	char remote[INET_ADDRSTRLEN];

	guard_conn_enter(s->guard, conn_of(c), GUARD_BUSY);
	if (r->too_large) {
		oc = (outcome){413, "request body too large"};
	} else if (w == NULL) {
		oc = (outcome){500, "cannot link the handler"};
	} else if (make_env(s, w, c, method, version, r)) {
		oc = run_handler(s, w, r, s->o.file);
		if (oc.status == 0 && !(resp = parse_output(&w->out, &status, &bytes, &oc)))
			oc.status = 500;
	}
	if (resp) {
		rc = mhd.queue_response(c, status, resp);
		mhd.destroy_response(resp);
	} else {
		status = oc.status;
		rc = answer_error(c, status, status == 413 ? "413 Payload Too Large\n"
						      : "500 Internal Server Error\n");
	}
	if (rc != MHD_YES)
		snprintf(oc.why + strlen(oc.why), sizeof oc.why - strlen(oc.why), "%s",
			 "; connection dropped unanswered");
	client_addr(c, remote);
	access_log(s, r, method, version, status, bytes, oc.why, remote);
	return rc;
}

/* Whether the request's Content-Length is over the body limit (so that a
 * client announcing 2 GB is refused before it sends any). */
static bool declared_too_large(server *s, struct MHD_Connection *c)
{
	const char *v = mhd.lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	return errno == ERANGE || n > s->o.max_body;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	server *s = cls;
	request *r = *con_cls;

	(void)url;
	if (r == NULL)
		return MHD_NO;
	if (!r->started) {	/* headers only, so far */
		r->started = true;
		guard_conn_enter(s->guard, conn_of(c), GUARD_BODY);
		if (!declared_too_large(s, c))
			return MHD_YES;
		r->too_large = true;	/* answered now, the body never read */
		return respond(s, c, method, version, r);
	}
	if (*upload_size) {
		/* A chunked body (its size unknown until it ends) past the
		 * limit: libmicrohttpd cannot answer before the body is read, so
		 * the rest is read and dropped, and the end answered 413 -- as
		 * long as the rest is no larger than the limit again: a client
		 * sending more is cut off unanswered.  The body deadline bounds
		 * the time it takes. */
		if (!r->too_large && (r->body.len + *upload_size > s->o.max_body ||
				      !buf_add(&r->body, upload, *upload_size))) {
			r->too_large = true;
			free(r->body.p);
			r->body = (buf){0};
		}
		if (r->too_large && (r->dropped += *upload_size) > s->o.max_body) {
			char remote[INET_ADDRSTRLEN];
			client_addr(c, remote);
			access_log(s, r, method, version, 413, 0, "request body too large; "
				   "connection cut unanswered", remote);
			return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return respond(s, c, method, version, r);
}

/* Called first for each request, with the URI as sent: the query string
 * is kept raw for QUERY_STRING. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	server *s = cls;
	request *r = calloc(1, sizeof *r);

	guard_conn_enter(s->guard, conn_of(c), GUARD_HEADERS);
	if (r) {
		r->raw_uri = strdup(uri);
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
	}
	return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode why)
{
	server *s = cls;
	request *r = *con_cls;

	(void)why;
	guard_conn_enter(s->guard, conn_of(c), GUARD_IDLE);
	if (r) {
		free(r->raw_uri);
		free(r->body.p);
		free(r);
		*con_cls = NULL;
	}
}

/* ------------------------------------------------------------- setup */

static void *ticker_main(void *arg)
{
	server *s = arg;
	struct timespec ts = {0, TICK_MS * 1000000L}, t0, now;
	uint64_t done = 0, due;

	/* The epoch follows the clock, not the count of sleeps: a sleep
	 * that overran on a loaded machine is made up at once, so that
	 * --timeout stays the time it says. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!s->stopping) {
		nanosleep(&ts, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		due = (uint64_t)((now.tv_sec - t0.tv_sec) * 1000 +
				 (now.tv_nsec - t0.tv_nsec) / 1000000) / TICK_MS;
		for (; done < due; done++)
			kiln_epoch_increment();
	}
	return NULL;
}

/* A DURATION or 0 (none) for option a. */
static bool parse_timeout(const char *a, const char *v, double *out)
{
	if (!strcmp(v, "0")) {
		*out = 0;
		return true;
	}
	if (cli_parse_duration(v, out))
		return true;
	cli_error(CLI_USAGE, "serve: bad %s '%s' (e.g. 500ms, 2s, 0 for none)", a, v);
	return false;
}

/* A whole number min..max for option a. */
static bool parse_number(const char *a, const char *v, long min, long max, unsigned *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (*v && !*end && n >= min && n <= max) {
		*out = (unsigned)n;
		return true;
	}
	cli_error(CLI_USAGE, "serve: %s wants %ld..%ld, got '%s'", a, min, max, v);
	return false;
}

/* The options of the connection guard; -1: not one of them, else a CLI_*. */
static int parse_conn_opt(const char *a, const char *v, serve_opts *o)
{
	guard_limits *g = &o->conns;
	bool ok;

	if (!strcmp(a, "--header-timeout"))
		ok = parse_timeout(a, v, &g->header_timeout);
	else if (!strcmp(a, "--body-timeout"))
		ok = parse_timeout(a, v, &g->body_timeout);
	else if (!strcmp(a, "--idle-timeout"))
		ok = parse_timeout(a, v, &g->idle_timeout);
	else if (!strcmp(a, "--max-connections"))
		ok = (o->max_conns_given = parse_number(a, v, 1, 1 << 20, &g->max_conns));
	else if (!strcmp(a, "--max-connections-per-ip"))
		ok = parse_number(a, v, 0, 1 << 20, &g->max_per_ip);
	else
		return -1;
	return ok ? CLI_OK : CLI_USAGE;
}

static int parse_opts(int argc, char **argv, serve_opts *o)
{
	const char *listen = NULL;
	int rc;

	*o = (serve_opts){.workers = 2, .timeout = 10, .max_body = 16u << 20,
			  .features = KILN_FEATURES_DEFAULT,
			  .conns = {.max_conns = 1024, .max_per_ip = 256, .header_timeout = 10,
				    .body_timeout = 30, .idle_timeout = 30}};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' || !strcmp(a, "--")) {
			if (!strcmp(a, "--"))
				i++;
			if (i != argc - 1)
				return cli_usage("serve");
			o->file = argv[i];
			break;
		}
		if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		if ((rc = cli_feature_option(a, "serve", &o->features)) != 0) {
			if (rc < 0)
				return cli_usage("serve");
			continue;
		}
		if (!strcmp(a, "--no-cache")) {
			o->no_cache = true;
			continue;
		}
		if (!v)
			return cli_error(CLI_USAGE, "serve: %s wants a value", a);
		i++;
		if (!strcmp(a, "--listen")) {
			listen = v;
			if (!cli_parse_addr(v, &o->addr))
				return cli_error(CLI_USAGE, "serve: --listen wants an IPv4 ADDR:PORT, "
						 "got '%s'", v);
		} else if (!strcmp(a, "--workers")) {
			if (!parse_number(a, v, 1, 1024, &o->workers))
				return CLI_USAGE;
		} else if (!strcmp(a, "--timeout")) {
			if (!parse_timeout(a, v, &o->timeout))
				return CLI_USAGE;
		} else if ((rc = parse_conn_opt(a, v, o)) >= 0) {
			if (rc != CLI_OK)
				return rc;
		} else if (!strcmp(a, "--max-memory")) {
			if (!cli_parse_size(v, &o->max_pages))
				return cli_error(CLI_USAGE, "serve: bad --max-memory '%s' (whole 64 KiB "
						 "pages: 65536, 64KiB, 16MiB, 1GiB)", v);
		} else if (!strcmp(a, "--max-table-elements")) {
			uint64_t n;
			if (!cli_parse_count(v, &n) || n > UINT32_MAX)
				return cli_error(CLI_USAGE, "serve: bad --max-table-elements '%s' "
						 "(1 to 4294967295)", v);
			o->max_table_elements = (uint32_t)n;
		} else if (!strcmp(a, "--max-stack")) {
			if (!cli_parse_bytes(v, CLI_MAX_STACK, &o->max_stack) ||
			    o->max_stack < CLI_MIN_STACK)
				return cli_error(CLI_USAGE, "serve: bad --max-stack '%s' (16KiB to "
						 "512MiB)", v);
		} else if (!strcmp(a, "--max-body")) {
			uint64_t n;
			if (!cli_parse_bytes(v, SERVE_MAX_BODY, &n) || n == 0)
				return cli_error(CLI_USAGE, "serve: bad --max-body '%s' (1 byte to "
						 "1GiB: 4096, 64KiB, 16MiB)", v);
			o->max_body = (size_t)n;
		} else if (!strcmp(a, "--verify")) {
			o->verify = v;
		} else {
			return cli_error(CLI_USAGE, "serve: unknown option '%s'", a);
		}
	}
	if (!o->file)
		return cli_usage("serve");
	if (!listen)
		return cli_error(CLI_USAGE, "serve: --listen ADDR:PORT is required");
	return CLI_OK;
}

/* The handler, compiled ahead of time: an artifact as it is, a .wasm
 * through the code cache (or, with --no-cache, by the JIT up front). */
static int load_handler(const serve_opts *o, kiln_engine *engine, kiln_module **m)
{
	uint8_t *bytes;
	size_t len;
	kiln_error err;
	kiln_artifact_desc d;
	char key[65];
	int rc;

	*m = NULL;
	if ((rc = cli_map_file(o->file, &bytes, &len)) != CLI_OK)
		return rc;
	if (kiln_is_artifact(bytes, len)) {
		rc = cli_load_artifact(o->file, o->verify, bytes, len, m);
		if (rc == CLI_OK && o->timeout > 0 &&
		    kiln_artifact_describe(bytes, len, &d, NULL) == KILN_OK && !d.epoch_interruption)
			rc = cli_error(CLI_USAGE, "%s: --timeout needs an artifact compiled with "
				       "kiln compile --epoch-interruption (or --timeout 0)", o->file);
	} else if (o->verify) {
		rc = cli_error(CLI_FAIL, "%s: --verify: not a .kwasm artifact", o->file);
	} else if ((rc = cli_module_from_bytes(o->file, bytes, len, m)) == CLI_OK) {
		kiln_module *hit = NULL;
		if (!o->no_cache && kiln_cache_key(engine, bytes, len, key, NULL) == KILN_OK &&
		    !(hit = cache_lookup(key)) && cache_store(engine, *m, key) == CLI_OK)
			hit = cache_lookup(key);
		if (hit) {
			kiln_module_delete(*m);
			*m = hit;
		} else if (kiln_module_compile(engine, *m, &err) != KILN_OK) {
			rc = cli_error(CLI_FAIL, "%s: %s", o->file, err.message);
		}
	}
	cli_unmap_file(bytes, len);
	return rc;
}

/* Before serving: the handler links (WASI imports only), fits the pool and
 * exports _start, so that a handler that cannot run is an error at start,
 * not a 500 on every request. */
static int probe(server *s)
{
	kiln_instance *inst = NULL;
	kiln_extern start;
	kiln_error err;
	kiln_trap_kind trap;
	kiln_status st;
	worker *w = worker_new(s, &err);
	int rc = CLI_OK;

	if (!w)
		return cli_error(CLI_FAIL, "%s: %s", s->o.file, err.message);
	st = instantiate(s, w, &inst, &trap, &err);
	if (st != KILN_OK && trap == KILN_TRAP_INTERRUPTED)
		rc = cli_error(CLI_FAIL, "%s: the start function did not end within --timeout "
			       "(%gs)", s->o.file, s->o.timeout);
	else if (st != KILN_OK)
		rc = cli_error(CLI_FAIL, "%s: %s", s->o.file, err.message);
	else if (!kiln_instance_export(inst, (kiln_name){"_start", 6}, &start) ||
		 start.kind != KILN_EXTERN_FUNC)
		rc = cli_error(CLI_FAIL, "%s: a WAGI handler exports _start (a WASI command)",
			       s->o.file);
	kiln_instance_delete(inst);
	worker_free(w);
	return rc;
}

/* Raises the soft limit on open files to the hard one and fits
 * --max-connections in it.  libmicrohttpd may hold twice as many sockets:
 * one the guard shut down stays open until its worker thread next runs.
 * The default shrinks to fit; a number given that does not fit is an
 * error.  *mhd_limit: libmicrohttpd's own connection limit. */
static int fit_connections(serve_opts *o, unsigned *mhd_limit)
{
	struct rlimit rl;
	rlim_t avail;

	/* An unlimited hard limit: as many as Linux allows by default. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < (1u << 20)) {
		rl.rlim_cur = rl.rlim_max > (1u << 20) ? (1u << 20) : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		rl.rlim_cur = 1024;
	avail = rl.rlim_cur > FD_RESERVE + 2 ? (rl.rlim_cur - FD_RESERVE) / 2 : 1;
	if (o->conns.max_conns > avail) {
		if (o->max_conns_given)
			return cli_error(CLI_USAGE, "serve: --max-connections %u needs %u open files, "
					 "the limit is %llu (ulimit -n)", o->conns.max_conns,
					 2 * o->conns.max_conns + FD_RESERVE,
					 (unsigned long long)rl.rlim_cur);
		o->conns.max_conns = (unsigned)avail;
	}
	*mhd_limit = 2 * o->conns.max_conns + o->workers;
	return CLI_OK;
}

/* The listening socket, made here so that the port is known (for
 * SERVER_PORT) before any thread of the server runs. */
static int listen_on(server *s, int *out_fd)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, e;
	struct sockaddr_in a;
	socklen_t len = sizeof a;

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
	    bind(fd, (struct sockaddr *)&s->o.addr, sizeof s->o.addr) == 0 &&
	    listen(fd, SOMAXCONN) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		snprintf(s->port, sizeof s->port, "%u", ntohs(a.sin_port));
		*out_fd = fd;
		return CLI_OK;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	return cli_error(CLI_USAGE, "serve: cannot listen on %s:%u: %s", s->host,
			 ntohs(s->o.addr.sin_port), strerror(e));
}

/* What the guard did, one line at the end. */
static void print_counts(server *s)
{
	guard_counts k = guard_get_counts(s->guard);

	fprintf(stderr, "kiln serve: %" PRIu64 " connections; closed at --header-timeout %" PRIu64
		", --body-timeout %" PRIu64 ", --idle-timeout %" PRIu64 "; evicted when full %"
		PRIu64 "; refused: full %" PRIu64 ", over --max-connections-per-ip %" PRIu64 "\n",
		k.accepted, k.timed_out[GUARD_HEADERS], k.timed_out[GUARD_BODY],
		k.timed_out[GUARD_IDLE], k.evicted, k.refused_full, k.refused_per_ip);
}

/* Serves until SIGINT or SIGTERM. */
static int serve(server *s)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, mhd_limit = 0;
	double idle = s->o.conns.idle_timeout;
	/* A worker's own stack holds the handler's wasm stack and the host's. */
	size_t stack = (size_t)s->o.max_stack + CLI_STACK_HEADROOM;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig, fd = -1, rc;

	if ((rc = fit_connections(&s->o, &mhd_limit)) != CLI_OK ||
	    (rc = listen_on(s, &fd)) != CLI_OK)
		return rc;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* the threads started next inherit it */
	if (!(s->guard = guard_new(&s->o.conns))) {
		close(fd);
		return cli_error(CLI_FAIL, "cannot start the connection guard");
	}
	/* libmicrohttpd's idle timeout backs the guard's up, also while a
	 * response is sent to a client that does not read it; a second later
	 * than the guard's, so that the guard's count is the one that shows. */
	d = mhd.start_daemon(flags, 0, on_accept, s, on_request, s,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_POOL_SIZE, s->o.workers,
			     MHD_OPTION_THREAD_STACK_SIZE, stack > WORKER_STACK ? stack : WORKER_STACK,
			     MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(idle > 0 ? idle + 1.999 : 0),
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
			     MHD_OPTION_END);
	if (d == NULL) {
		close(fd);
		guard_delete(s->guard);
		s->guard = NULL;
		return cli_error(CLI_FAIL, "serve: cannot start the HTTP server on %s:%s",
				 s->host, s->port);
	}
	fprintf(stderr, "kiln serve: %s on http://%s:%s/ (%u workers, timeout %s, "
		"%u connections)\n", s->o.file, s->host, s->port, s->o.workers,
		s->o.timeout > 0 ? "on" : "off", s->o.conns.max_conns);
	sigwait(&set, &sig);
	fprintf(stderr, "kiln serve: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
	mhd.stop_daemon(d);
	print_counts(s);
	guard_delete(s->guard);
	s->guard = NULL;
	return CLI_OK;
}

int cmd_serve(int argc, char **argv)
{
	server s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	kiln_config cfg = kiln_config_default();
	kiln_pool_config pc = kiln_pool_config_default();
	kiln_engine *engine = NULL;
	kiln_error err;
	char why[256];
	int rc;

	if ((rc = parse_opts(argc, argv, &s.o)) != CLI_OK)
		return rc;
	if (!mhd_load(why, sizeof why))
		return cli_error(CLI_FAIL, "cannot load libmicrohttpd: %s", why);
	inet_ntop(AF_INET, &s.o.addr.sin_addr, s.host, sizeof s.host);
	snprintf(s.port, sizeof s.port, "%u", ntohs(s.o.addr.sin_port));
	cfg.epoch_interruption = s.o.timeout > 0;
	cfg.speculative_compile = true;
	cfg.features = s.o.features;
	if (s.o.max_table_elements)
		cfg.max_table_elements = s.o.max_table_elements;
	if (kiln_engine_new(&cfg, &engine, &err) != KILN_OK)
		return cli_error(CLI_FAIL, "cannot create the compiler: %s", err.message);
	pc.max_instances = s.o.workers;
	pc.max_memory_pages = s.o.max_pages;
	pc.max_instance_table_elements = s.o.max_table_elements;
	if ((rc = load_handler(&s.o, engine, &s.module)) != CLI_OK)
		goto out;
	if (kiln_pool_new(&pc, &s.pool, &err) != KILN_OK) {
		rc = cli_error(CLI_FAIL, "%s", err.message);
		goto out;
	}
	/* The ticker first: the probe's start function runs under the timeout. */
	if (s.o.timeout > 0) {
		s.deadline_ticks = (uint64_t)(s.o.timeout * 1000 / TICK_MS) + 1;
		if (pthread_create(&s.ticker, NULL, ticker_main, &s) != 0) {
			rc = cli_error(CLI_FAIL, "cannot start the timer thread");
			goto out;
		}
	}
	if ((rc = probe(&s)) == CLI_OK)
		rc = serve(&s);
	s.stopping = true;
	if (s.o.timeout > 0)
		pthread_join(s.ticker, NULL);
out:
	while (s.workers) {
		worker *w = s.workers;
		s.workers = w->next;
		worker_free(w);
	}
	kiln_pool_delete(s.pool);
	kiln_module_delete(s.module);
	kiln_engine_delete(engine);
	return rc;
}
