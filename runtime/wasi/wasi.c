/*
 * wasi.c — the first part of WASI preview1: arguments, environment,
 * standard streams, proc_exit.
 *
 * A WASI instance is a host instance whose functions compiled code calls
 * directly with their native signatures (ctx first: here the WASI
 * instance's own ctx, which leads to its state and to the memory of the
 * module it serves).  Every pointer and length from the module is checked
 * against that memory: a bad one gives EFAULT, never a host access.
 * Only file descriptors 0, 1 and 2 exist so far.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instance.h"
#include "trap.h"

enum { E_SUCCESS = 0, E_BADF = 8, E_FAULT = 21, E_INVAL = 28, E_IO = 29, E_SPIPE = 70 };
enum { NFUNCS = 10 };

typedef struct wasi {
	kiln_instance inst;
	kiln_memory_rt *memory;
	int argc;
	char **argv;
	int exit_code;
	kiln_funcref refs[NFUNCS];
	kiln_host_export exports[NFUNCS];
} wasi;

static wasi *state(kiln_vmctx *ctx)
{
	return (wasi *)ctx->instance;
}

/* The module's memory at [p, p + n), or NULL when out of bounds. */
static uint8_t *mem(wasi *w, uint32_t p, uint64_t n)
{
	if (w->memory == NULL || (uint64_t)p + n > w->memory->size)
		return NULL;
	return w->memory->base + p;
}

static int32_t put_u32(wasi *w, uint32_t p, uint32_t v)
{
	uint8_t *d = mem(w, p, 4);

	if (d == NULL)
		return E_FAULT;
	memcpy(d, &v, 4);
	return E_SUCCESS;
}

static int32_t sizes_get(kiln_vmctx *ctx, int32_t count_p, int32_t size_p, bool args)
{
	wasi *w = state(ctx);
	uint32_t size = 0, n = args ? (uint32_t)w->argc : 0;

	for (uint32_t i = 0; i < n; i++)
		size += (uint32_t)strlen(w->argv[i]) + 1;
	if (put_u32(w, (uint32_t)count_p, n) || put_u32(w, (uint32_t)size_p, size))
		return E_FAULT;
	return E_SUCCESS;
}

static int32_t args_sizes_get(kiln_vmctx *ctx, int32_t count_p, int32_t size_p)
{
	return sizes_get(ctx, count_p, size_p, true);
}

static int32_t environ_sizes_get(kiln_vmctx *ctx, int32_t count_p, int32_t size_p)
{
	return sizes_get(ctx, count_p, size_p, false);
}

static int32_t args_get(kiln_vmctx *ctx, int32_t argv_p, int32_t buf_p)
{
	wasi *w = state(ctx);
	uint32_t at = (uint32_t)buf_p;

	for (int i = 0; i < w->argc; i++) {
		size_t len = strlen(w->argv[i]) + 1;
		uint8_t *d = mem(w, at, len);
		if (d == NULL || put_u32(w, (uint32_t)argv_p + 4u * (uint32_t)i, at))
			return E_FAULT;
		memcpy(d, w->argv[i], len);
		at += (uint32_t)len;
	}
	return E_SUCCESS;
}

static int32_t environ_get(kiln_vmctx *ctx, int32_t env_p, int32_t buf_p)
{
	(void)ctx, (void)env_p, (void)buf_p;
	return E_SUCCESS;	/* the environment is empty */
}

static int32_t rw(kiln_vmctx *ctx, int32_t fd, int32_t iovs, int32_t n, int32_t done_p,
		  bool writing)
{
	wasi *w = state(ctx);
	uint32_t total = 0;

	if (writing ? fd != 1 && fd != 2 : fd != 0)
		return E_BADF;
	for (uint32_t i = 0; i < (uint32_t)n; i++) {
		uint8_t *iov = mem(w, (uint32_t)iovs + 8 * i, 8), *buf;
		uint32_t p, len;
		ssize_t r;
		if (iov == NULL)
			return E_FAULT;
		memcpy(&p, iov, 4);
		memcpy(&len, iov + 4, 4);
		if ((buf = mem(w, p, len)) == NULL)
			return E_FAULT;
		r = writing ? write(fd, buf, len) : read(fd, buf, len);
		if (r < 0)
			return E_IO;
		total += (uint32_t)r;
		if ((uint32_t)r < len)
			break;
	}
	return put_u32(w, (uint32_t)done_p, total);
}

static int32_t fd_write(kiln_vmctx *ctx, int32_t fd, int32_t iovs, int32_t n, int32_t done_p)
{
	return rw(ctx, fd, iovs, n, done_p, true);
}

static int32_t fd_read(kiln_vmctx *ctx, int32_t fd, int32_t iovs, int32_t n, int32_t done_p)
{
	return rw(ctx, fd, iovs, n, done_p, false);
}

static int32_t fd_close(kiln_vmctx *ctx, int32_t fd)
{
	(void)ctx;
	return fd >= 0 && fd <= 2 ? E_SUCCESS : E_BADF;
}

static int32_t fd_fdstat_get(kiln_vmctx *ctx, int32_t fd, int32_t p)
{
	uint8_t *d = mem(state(ctx), (uint32_t)p, 24);
	uint64_t rights = fd == 0 ? 0x2 : 0x40;	/* fd_read / fd_write */

	if (fd < 0 || fd > 2)
		return E_BADF;
	if (d == NULL)
		return E_FAULT;
	memset(d, 0, 24);
	d[0] = 2;				/* character device */
	memcpy(d + 8, &rights, 8);
	return E_SUCCESS;
}

static int32_t fd_seek(kiln_vmctx *ctx, int32_t fd, int64_t off, int32_t whence, int32_t p)
{
	(void)ctx, (void)off, (void)whence, (void)p;
	return fd >= 0 && fd <= 2 ? E_SPIPE : E_BADF;
}

static void proc_exit(kiln_vmctx *ctx, int32_t code)
{
	state(ctx)->exit_code = code;
	kiln_trap_raise(KILN_TRAP_EXIT);
}

/* Entry trampolines, for calls through the API. */
static void t_ii_i(kiln_vmctx *c, kiln_slot *s, int32_t (*f)(kiln_vmctx *, int32_t, int32_t))
{
	s[0].i32 = f(c, s[0].i32, s[1].i32);
}
static void t_args_sizes_get(kiln_vmctx *c, kiln_slot *s) { t_ii_i(c, s, args_sizes_get); }
static void t_args_get(kiln_vmctx *c, kiln_slot *s) { t_ii_i(c, s, args_get); }
static void t_environ_sizes_get(kiln_vmctx *c, kiln_slot *s) { t_ii_i(c, s, environ_sizes_get); }
static void t_environ_get(kiln_vmctx *c, kiln_slot *s) { t_ii_i(c, s, environ_get); }
static void t_fd_fdstat_get(kiln_vmctx *c, kiln_slot *s) { t_ii_i(c, s, fd_fdstat_get); }
static void t_fd_write(kiln_vmctx *c, kiln_slot *s) { s[0].i32 = fd_write(c, s[0].i32, s[1].i32, s[2].i32, s[3].i32); }
static void t_fd_read(kiln_vmctx *c, kiln_slot *s) { s[0].i32 = fd_read(c, s[0].i32, s[1].i32, s[2].i32, s[3].i32); }
static void t_fd_close(kiln_vmctx *c, kiln_slot *s) { s[0].i32 = fd_close(c, s[0].i32); }
static void t_fd_seek(kiln_vmctx *c, kiln_slot *s) { s[0].i32 = fd_seek(c, s[0].i32, s[1].i64, s[2].i32, s[3].i32); }
static void t_proc_exit(kiln_vmctx *c, kiln_slot *s) { proc_exit(c, s[0].i32); }

static const kiln_valtype I[] = {KILN_I32}, II[] = {KILN_I32, KILN_I32};
static const kiln_valtype IIII[] = {KILN_I32, KILN_I32, KILN_I32, KILN_I32};
static const kiln_valtype ILII[] = {KILN_I32, KILN_I64, KILN_I32, KILN_I32};

static const struct {
	const char *name;
	void *code;
	void (*tramp)(kiln_vmctx *, kiln_slot *);
	kiln_functype type;
} funcs[NFUNCS] = {
	{"args_get", (void *)args_get, t_args_get, {2, 1, II, I}},
	{"args_sizes_get", (void *)args_sizes_get, t_args_sizes_get, {2, 1, II, I}},
	{"environ_get", (void *)environ_get, t_environ_get, {2, 1, II, I}},
	{"environ_sizes_get", (void *)environ_sizes_get, t_environ_sizes_get, {2, 1, II, I}},
	{"fd_write", (void *)fd_write, t_fd_write, {4, 1, IIII, I}},
	{"fd_read", (void *)fd_read, t_fd_read, {4, 1, IIII, I}},
	{"fd_close", (void *)fd_close, t_fd_close, {1, 1, I, I}},
	{"fd_fdstat_get", (void *)fd_fdstat_get, t_fd_fdstat_get, {2, 1, II, I}},
	{"fd_seek", (void *)fd_seek, t_fd_seek, {4, 1, ILII, I}},
	{"proc_exit", (void *)proc_exit, t_proc_exit, {1, 0, I, NULL}},
};

static void wasi_free(kiln_instance *inst)
{
	wasi *w = (wasi *)inst;

	for (int i = 0; i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	free(w);
}

kiln_status kiln_wasi_new(int argc, const char *const *argv, kiln_instance **out,
			  kiln_error *err)
{
	wasi *w = calloc(1, sizeof *w);

	*out = NULL;
	if (w == NULL || !(w->argv = kiln_calloc((size_t)(argc > 0 ? argc : 1), sizeof *w->argv)))
		goto nomem;
	w->inst.free_host = wasi_free;
	for (; w->argc < argc; w->argc++)
		if (!(w->argv[w->argc] = strdup(argv[w->argc])))
			goto nomem;
	for (int i = 0; i < NFUNCS; i++) {
		w->refs[i] = (kiln_funcref){funcs[i].code, &w->inst.ctx,
					    kiln_type_id(&funcs[i].type), funcs[i].tramp,
					    &funcs[i].type};
		w->exports[i] = (kiln_host_export){funcs[i].name, {KILN_EXTERN_FUNC, &w->refs[i]}};
	}
	w->inst.host_exports = w->exports;
	w->inst.nhost_exports = NFUNCS;
	w->inst.ctx.instance = &w->inst;
	w->inst.ctx.helpers = &kiln_runtime_helpers;
	*out = &w->inst;
	return KILN_OK;
nomem:
	if (w)
		wasi_free(&w->inst);
	return kiln_fail(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory"), KILN_ERR_NOMEM;
}

void kiln_wasi_set_memory(kiln_instance *inst, kiln_extern memory)
{
	((wasi *)inst)->memory = memory.kind == KILN_EXTERN_MEMORY ? memory.handle : NULL;
}

int kiln_wasi_exit_code(kiln_instance *inst)
{
	return ((wasi *)inst)->exit_code;
}
