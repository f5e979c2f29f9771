/*
 * wasi.c — WASI preview1 as a host instance: arguments, environment,
 * clocks, random, poll_oneoff, sched_yield and proc_exit here;
 * descriptors, files and paths in wasi_fs.c.
 *
 * Compiled code calls each function directly with its native signature,
 * ctx first: the WASI instance's own ctx, which leads to its state and to
 * the memory of the module it serves.  Every pointer and length from the
 * module is checked against that memory: a bad one gives EFAULT, never a
 * host access.  The API calls these functions through libffi.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"
#include "wasi.h"

uint8_t *wasi_mem(wasi *w, uint32_t p, uint64_t n)
{
	/* An atomic read: with wasi-threads another thread may grow it. */
	if (w->memory == NULL || (uint64_t)p + n > kiln_memory_size(w->memory))
		return NULL;
	return w->memory->base + p;
}

int32_t wasi_put(wasi *w, uint32_t p, const void *v, uint32_t n)
{
	uint8_t *d = wasi_mem(w, p, n);

	if (d == NULL)
		return W_FAULT;
	memcpy(d, v, n);
	return W_SUCCESS;
}

int32_t wasi_errno(int e)
{
	switch (e) {
	case 0: return W_SUCCESS;
	case E2BIG: return W_2BIG;
	case EACCES: return W_ACCES;
	case EAGAIN: return W_AGAIN;
	case EBADF: return W_BADF;
	case EBUSY: return W_BUSY;
	case EEXIST: return W_EXIST;
	case EFAULT: return W_FAULT;
	case EFBIG: return W_FBIG;
	case EINTR: return W_INTR;
	case EINVAL: return W_INVAL;
	case EISDIR: return W_ISDIR;
	case ELOOP: return W_LOOP;
	case EMFILE: return W_MFILE;
	case EMLINK: return W_MLINK;
	case ENAMETOOLONG: return W_NAMETOOLONG;
	case ENFILE: return W_NFILE;
	case ENODEV: return W_NODEV;
	case ENOENT: return W_NOENT;
	case ENOMEM: return W_NOMEM;
	case ENOSPC: return W_NOSPC;
	case ENOSYS: return W_NOSYS;
	case ENOTDIR: return W_NOTDIR;
	case ENOTEMPTY: return W_NOTEMPTY;
	case EOPNOTSUPP: return W_NOTSUP;
	case ENOTTY: return W_NOTTY;
	case ENXIO: return W_NXIO;
	case EOVERFLOW: return W_OVERFLOW;
	case EPERM: return W_PERM;
	case EPIPE: return W_PIPE;
	case ERANGE: return W_RANGE;
	case EROFS: return W_ROFS;
	case ESPIPE: return W_SPIPE;
	case ETXTBSY: return W_TXTBSY;
	case EXDEV: return W_NOTCAPABLE;	/* RESOLVE_BENEATH refused it */
	default: return W_IO;
	}
}

/* ------------------------------------------------- arguments, environment */

static int32_t sizes(wasi *w, char **v, int n, int32_t count_p, int32_t size_p)
{
	uint32_t size = 0;

	for (int i = 0; i < n; i++)
		size += (uint32_t)strlen(v[i]) + 1;
	if (wasi_put_u32(w, (uint32_t)count_p, (uint32_t)n) ||
	    wasi_put_u32(w, (uint32_t)size_p, size))
		return W_FAULT;
	return W_SUCCESS;
}

static int32_t strings(wasi *w, char **v, int n, int32_t ptrs_p, int32_t buf_p)
{
	uint32_t at = (uint32_t)buf_p;

	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		uint8_t *d = wasi_mem(w, at, len);
		if (d == NULL || wasi_put_u32(w, (uint32_t)ptrs_p + 4u * (uint32_t)i, at))
			return W_FAULT;
		memcpy(d, v[i], len);
		at += (uint32_t)len;
	}
	return W_SUCCESS;
}

static int32_t args_sizes_get(kiln_vmctx *c, int32_t n, int32_t s)
{
	return sizes(wasi_of(c), wasi_of(c)->argv, wasi_of(c)->argc, n, s);
}

static int32_t args_get(kiln_vmctx *c, int32_t p, int32_t b)
{
	return strings(wasi_of(c), wasi_of(c)->argv, wasi_of(c)->argc, p, b);
}

static int32_t environ_sizes_get(kiln_vmctx *c, int32_t n, int32_t s)
{
	return sizes(wasi_of(c), wasi_of(c)->envp, wasi_of(c)->envc, n, s);
}

static int32_t environ_get(kiln_vmctx *c, int32_t p, int32_t b)
{
	return strings(wasi_of(c), wasi_of(c)->envp, wasi_of(c)->envc, p, b);
}

/* ---------------------------------------------------------- clocks, etc. */

static bool host_clock(int32_t id, clockid_t *out)
{
	static const clockid_t ids[] = {
		CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
		CLOCK_THREAD_CPUTIME_ID,
	};

	if (id < 0 || id > 3)
		return false;
	*out = ids[id];
	return true;
}

/* clock_res_get and clock_time_get: what `query` says of the clock, in
 * nanoseconds at p. */
static int32_t put_clock(kiln_vmctx *c, int32_t id, int32_t p,
			 int (*query)(clockid_t, struct timespec *))
{
	clockid_t cid;
	struct timespec ts;

	if (!host_clock(id, &cid))
		return W_INVAL;
	if (query(cid, &ts) != 0)
		return wasi_errno(errno);
	return wasi_put_u64(wasi_of(c), (uint32_t)p,
			    (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static int32_t clock_res_get(kiln_vmctx *c, int32_t id, int32_t p)
{
	return put_clock(c, id, p, clock_getres);
}

static int32_t clock_time_get(kiln_vmctx *c, int32_t id, int64_t precision, int32_t p)
{
	(void)precision;
	return put_clock(c, id, p, clock_gettime);
}

static int32_t random_get(kiln_vmctx *c, int32_t p, int32_t len)
{
	uint8_t *d = wasi_mem(wasi_of(c), (uint32_t)p, (uint32_t)len);
	size_t done = 0;

	if (d == NULL)
		return W_FAULT;
	while (done < (uint32_t)len) {
		ssize_t r = getrandom(d + done, (uint32_t)len - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return wasi_errno(errno);
		}
		done += (size_t)r;
	}
	return W_SUCCESS;
}

static int32_t sched_yield_(kiln_vmctx *c)
{
	(void)c;
	sched_yield();
	return W_SUCCESS;
}

/* Signals are not delivered to a WASI program: linked, so that modules
 * importing it run, and refused with ENOSYS. */
static int32_t proc_raise(kiln_vmctx *c, int32_t sig)
{
	(void)c;
	(void)sig;
	return W_NOSYS;
}

static void proc_exit(kiln_vmctx *c, int32_t code)
{
	wasi_of(c)->exit_code = code;
	krt_trap_raise(KILN_TRAP_EXIT);
}

/* ------------------------------------------------------------ poll_oneoff */

/* Also serves wasi_fs.c's reads, writes and sockets (wasi.h). */
bool wasi_wait(int host, short events)
{
	struct pollfd p = {host, events, 0};
	struct stat st;
	int fl;

	if (kiln_deadline_check() == UINT64_MAX)
		return false;
	/* Files and directories never block; a non-blocking descriptor
	 * answers EAGAIN itself. */
	if (fstat(host, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ||
	    S_ISBLK(st.st_mode) || (fl = fcntl(host, F_GETFL)) < 0 || (fl & O_NONBLOCK))
		return false;
	for (;;) {
		int r = poll(&p, 1, KILN_DEADLINE_SLICE_MS);
		if (r > 0 || (r < 0 && errno != EINTR))
			return true;	/* the call itself reports an error */
		kiln_deadline_check();
	}
}

enum { SUB_SIZE = 48, EVENT_SIZE = 32, MAX_SUBS = 64 };

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_event(uint8_t *ev, uint64_t userdata, uint16_t error, uint8_t type,
		      uint64_t nbytes)
{
	memset(ev, 0, EVENT_SIZE);
	memcpy(ev, &userdata, 8);
	memcpy(ev + 8, &error, 2);
	ev[10] = type;
	memcpy(ev + 16, &nbytes, 8);
}

#define SLICE_NS ((uint64_t)KILN_DEADLINE_SLICE_MS * 1000000u)

static void release_all(wasi_fd *(*held)[MAX_SUBS])
{
	for (size_t i = 0; i < MAX_SUBS; i++)
		wasi_fd_release(&(*held)[i]);
}

/* Clock subscriptions (relative or absolute) and fd read/write readiness:
 * waits with ppoll until an fd is ready or the earliest clock expires; in
 * slices under an epoch deadline, trapping "interrupted" when it passes. */
static int32_t poll_oneoff(kiln_vmctx *c, int32_t in, int32_t out, int32_t n, int32_t nev_p)
{
	wasi *w = wasi_of(c);
	uint8_t *subs = wasi_mem(w, (uint32_t)in, (uint64_t)(uint32_t)n * SUB_SIZE);
	uint8_t *evs = wasi_mem(w, (uint32_t)out, (uint64_t)(uint32_t)n * EVENT_SIZE);
	struct pollfd pfd[MAX_SUBS];
	/* The descriptors polled stay open until the call returns. */
	wasi_fd *held[MAX_SUBS] __attribute__((cleanup(release_all))) = {NULL};
	bool ready[MAX_SUBS] = {false};
	uint64_t deadline = UINT64_MAX, now = now_ns(CLOCK_MONOTONIC), clock_at[MAX_SUBS];
	uint32_t nev = 0;
	int r;

	if (n <= 0 || n > MAX_SUBS)
		return W_INVAL;
	if (!subs || !evs || !wasi_mem(w, (uint32_t)nev_p, 4))
		return W_FAULT;
	for (int32_t i = 0; i < n; i++) {
		uint8_t *s = subs + (size_t)i * SUB_SIZE, tag = s[8];
		uint32_t fd;
		uint64_t timeout;
		uint16_t flags;
		clockid_t cid;
		pfd[i] = (struct pollfd){.fd = -1};
		clock_at[i] = UINT64_MAX;
		if (tag == 0) {
			memcpy(&fd, s + 16, 4);	/* the clock id */
			memcpy(&timeout, s + 24, 8);
			memcpy(&flags, s + 40, 2);
			if (!host_clock((int32_t)fd, &cid))
				return W_INVAL;
			/* Absolute times are on the subscription's clock.  A
			 * time past what the monotonic clock can reach
			 * (relative UINT64_MAX) never fires: UINT64_MAX. */
			if (flags & 1) {
				uint64_t at = now_ns(cid);
				timeout = timeout > at ? timeout - at : 0;
			}
			clock_at[i] = timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
			deadline = clock_at[i] < deadline ? clock_at[i] : deadline;
		} else if (tag == 1 || tag == 2) {
			wasi_fd *f;
			memcpy(&fd, s + 16, 4);
			if (!(f = held[i] = wasi_fd_get(w, (int32_t)fd)))
				return W_BADF;
			pfd[i] = (struct pollfd){f->host, tag == 1 ? POLLIN : POLLOUT, 0};
			if (f->host == WASI_HOST_MEMORY) {	/* always ready */
				pfd[i].fd = -1;
				ready[i] = true;
				deadline = now;
			}
		} else {
			return W_INVAL;
		}
	}
	for (;;) {
		struct timespec ts, *tp = NULL;
		bool sliced = kiln_deadline_check() != UINT64_MAX;
		uint64_t left = UINT64_MAX;
		now = now_ns(CLOCK_MONOTONIC);
		if (deadline != UINT64_MAX)
			left = deadline > now ? deadline - now : 0;
		if (sliced && left > SLICE_NS)
			left = SLICE_NS;
		if (left != UINT64_MAX) {
			ts = (struct timespec){(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
			tp = &ts;
		}
		r = ppoll(pfd, (nfds_t)n, tp, NULL);
		if (r > 0 || (r < 0 && errno != EINTR))
			break;
		if (r == 0 && (deadline == UINT64_MAX ? !sliced : now_ns(CLOCK_MONOTONIC) >= deadline))
			break;
	}
	if (r < 0)
		return wasi_errno(errno);
	now = now_ns(CLOCK_MONOTONIC);
	for (int32_t i = 0; i < n; i++) {
		uint8_t *s = subs + (size_t)i * SUB_SIZE;
		uint64_t userdata;
		memcpy(&userdata, s, 8);
		if (s[8] == 0 && clock_at[i] <= now)
			put_event(evs + (size_t)nev++ * EVENT_SIZE, userdata, 0, 0, 0);
		else if (s[8] != 0 && (pfd[i].revents || ready[i]))
			put_event(evs + (size_t)nev++ * EVENT_SIZE, userdata,
				  (pfd[i].revents & POLLNVAL) ? W_BADF : 0, s[8], 1);
	}
	return wasi_put_u32(w, (uint32_t)nev_p, nev);
}

/* X(result, export name, function, (CTX, parameter types)): wasi_table.h. */
#define WASI_FUNCS(X) \
	X(i32, "args_get", args_get, (CTX, i32, i32)) \
	X(i32, "args_sizes_get", args_sizes_get, (CTX, i32, i32)) \
	X(i32, "environ_get", environ_get, (CTX, i32, i32)) \
	X(i32, "environ_sizes_get", environ_sizes_get, (CTX, i32, i32)) \
	X(i32, "clock_res_get", clock_res_get, (CTX, i32, i32)) \
	X(i32, "clock_time_get", clock_time_get, (CTX, i32, i64, i32)) \
	X(i32, "random_get", random_get, (CTX, i32, i32)) \
	X(i32, "sched_yield", sched_yield_, (CTX)) \
	X(i32, "poll_oneoff", poll_oneoff, (CTX, i32, i32, i32, i32)) \
	X(none, "proc_exit", proc_exit, (CTX, i32)) \
	X(i32, "proc_raise", proc_raise, (CTX, i32))
#define WASI_TABLE wasi_core_funcs
#define WASI_NFUNCS wasi_core_nfuncs
#include "wasi_table.h"

/* ------------------------------------------------------------- instance */

static void free_strings(char **v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Everything a configuration gave: descriptors, arguments, environment. */
static void wasi_clear(wasi *w)
{
	for (uint32_t i = 0; i < w->nfds; i++)
		wasi_fd_release(&w->fds[i]);
	free(w->fds);
	free_strings(w->argv, w->argc);
	free_strings(w->envp, w->envc);
	w->fds = NULL;
	w->nfds = 0;
	w->argv = w->envp = NULL;
	w->argc = w->envc = 0;
}

static void wasi_free(kiln_instance *inst)
{
	wasi *w = (wasi *)inst;

	wasi_clear(w);
	pthread_mutex_destroy(&w->lock);
	free(w->refs);
	free(w->exports);
	free(w);
}

static char **copy_strings(int n, const char *const *v)
{
	char **c = krt_calloc((size_t)(n > 0 ? n : 1), sizeof *c);

	for (int i = 0; c && i < n; i++) {
		if (!(c[i] = strdup(v[i]))) {
			free_strings(c, i);
			return NULL;
		}
	}
	return c;
}

static bool add_funcs(wasi *w, const wasi_func *f, size_t n, size_t *at)
{
	for (size_t i = 0; i < n; i++, (*at)++) {
		w->refs[*at] = (kiln_funcref){f[i].code, &w->inst.ctx,
					      kiln_type_id(&f[i].type), NULL, &f[i].type, NULL};
		w->exports[*at] = (kiln_host_export){f[i].name,
						     {KILN_EXTERN_FUNC, &w->refs[*at]}};
	}
	return true;
}

/* The standard streams: the host's, or in memory. */
static bool add_stdio(wasi *w, const kiln_wasi_config *cfg)
{
	bool mem_in = cfg->stdin_bytes != NULL, mem_out = cfg->stdout_write != NULL;

	w->in = cfg->stdin_bytes;
	w->in_len = cfg->stdin_len;
	w->in_pos = 0;
	w->out = cfg->stdout_write;
	w->out_data = cfg->stdout_data;
	/* In memory, they look like pipes, so that a libc buffers stdout
	 * fully (wasi-libc's isatty wants a character device). */
	if (wasi_fd_add(w, mem_in ? WASI_HOST_MEMORY : 0, mem_in ? FT_UNKNOWN : FT_CHAR,
			RIGHT_FD_READ, 0, NULL) != 0 ||
	    wasi_fd_add(w, mem_out ? WASI_HOST_MEMORY : 1, mem_out ? FT_UNKNOWN : FT_CHAR,
			RIGHT_FD_WRITE, 0, NULL) != 1 ||
	    wasi_fd_add(w, 2, FT_CHAR, RIGHT_FD_WRITE, 0, NULL) != 2)
		return false;
	/* Streams, whatever the host descriptor is: the guest cannot seek,
	 * resize or re-flag what the shell opened (a `>> log` stays append). */
	for (int i = 0; i < 3; i++)
		w->fds[i]->stream = true;
	return true;
}

/* Sets up what the configuration says on a cleared instance. */
static kiln_status wasi_init(wasi *w, const kiln_wasi_config *cfg, kiln_error *err)
{
	w->argc = cfg->argc;
	w->envc = cfg->envc;
	w->exit_code = 0;
	if (!(w->argv = copy_strings(cfg->argc, cfg->argv)) ||
	    !(w->envp = copy_strings(cfg->envc, cfg->envp)) || !add_stdio(w, cfg))
		goto nomem;
	for (int i = 0; i < cfg->ndirs; i++) {
		int host = open(cfg->dirs[i].host, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (host < 0)
			return krt_fail_status(err, KILN_ERR_IO, KILN_NO_OFFSET,
					       "--dir %s: %s", cfg->dirs[i].host,
					       strerror(errno));
		if (wasi_fd_add(w, host, FT_DIR, RIGHTS_ALL, RIGHTS_ALL, cfg->dirs[i].guest) < 0) {
			close(host);
			goto nomem;
		}
	}
	for (int i = 0; i < cfg->nsockets; i++) {
		int host = fcntl(cfg->sockets[i], F_DUPFD_CLOEXEC, 3);
		if (host < 0 || wasi_fd_add(w, host, FT_SOCK_STREAM, RIGHTS_ALL, RIGHTS_ALL, NULL) < 0) {
			if (host >= 0)
				close(host);
			goto nomem;
		}
	}
	return KILN_OK;
nomem:
	return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

kiln_status kiln_wasi_new(const kiln_wasi_config *cfg, kiln_instance **out,
			  kiln_error *err)
{
	size_t n = wasi_core_nfuncs + wasi_fs_nfuncs, at = 0;
	wasi *w = calloc(1, sizeof *w);
	kiln_status st;

	*out = NULL;
	if (w == NULL)
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	pthread_mutex_init(&w->lock, NULL);
	w->inst.free_host = wasi_free;
	if (!(w->refs = krt_calloc(n, sizeof *w->refs)) ||
	    !(w->exports = krt_calloc(n, sizeof *w->exports))) {
		wasi_free(&w->inst);
		return krt_fail_status(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
	}
	if ((st = wasi_init(w, cfg, err)) != KILN_OK) {
		wasi_free(&w->inst);
		return st;
	}
	add_funcs(w, wasi_core_funcs, wasi_core_nfuncs, &at);
	add_funcs(w, wasi_fs_funcs, wasi_fs_nfuncs, &at);
	w->inst.host_exports = w->exports;
	w->inst.nhost_exports = n;
	w->inst.ctx.instance = &w->inst;
	w->inst.ctx.helpers = &kiln_runtime_helpers;
	*out = &w->inst;
	return KILN_OK;
}

kiln_status kiln_wasi_reset(kiln_instance *inst, const kiln_wasi_config *cfg,
			    kiln_error *err)
{
	wasi *w = (wasi *)inst;
	kiln_status st;

	wasi_clear(w);
	w->memory = NULL;
	if ((st = wasi_init(w, cfg, err)) != KILN_OK)
		wasi_clear(w);
	return st;
}

void kiln_wasi_set_memory(kiln_instance *inst, kiln_extern memory)
{
	((wasi *)inst)->memory = memory.kind == KILN_EXTERN_MEMORY ? memory.handle : NULL;
}

int kiln_wasi_exit_code(kiln_instance *inst)
{
	return ((wasi *)inst)->exit_code;
}
