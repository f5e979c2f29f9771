/*
 * wasi.h — WASI preview1 internals shared by wasi.c (instance, arguments,
 * environment, clocks, random, exit) and wasi_fs.c (descriptors, files,
 * directories and the sandboxed path resolution).
 */
#ifndef KILN_WASI_H
#define KILN_WASI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "instance.h"

/* Errno values of WASI preview1 (witx "errno"). */
enum {
	W_SUCCESS = 0, W_2BIG = 1, W_ACCES = 2, W_AGAIN = 6, W_BADF = 8, W_BUSY = 10,
	W_EXIST = 20, W_FAULT = 21, W_FBIG = 22, W_INTR = 27, W_INVAL = 28, W_IO = 29,
	W_ISDIR = 31, W_LOOP = 32, W_MFILE = 33, W_MLINK = 34, W_NAMETOOLONG = 37,
	W_NFILE = 41, W_NODEV = 43, W_NOENT = 44, W_NOMEM = 48, W_NOSPC = 51,
	W_NOSYS = 52, W_NOTDIR = 54, W_NOTEMPTY = 55, W_NOTSOCK = 57, W_NOTSUP = 58, W_NOTTY = 59,
	W_NXIO = 60, W_OVERFLOW = 61, W_PERM = 63, W_PIPE = 64, W_RANGE = 68,
	W_ROFS = 69, W_SPIPE = 70, W_TXTBSY = 74, W_XDEV = 75, W_NOTCAPABLE = 76,
};

/* File types (witx "filetype"). */
enum {
	FT_UNKNOWN = 0, FT_BLOCK = 1, FT_CHAR = 2, FT_DIR = 3, FT_FILE = 4,
	FT_SOCK_DGRAM = 5, FT_SOCK_STREAM = 6, FT_SYMLINK = 7,
};

/* Rights (witx "rights"): the bits kiln checks or reports. */
#define RIGHTS_ALL ((uint64_t)0x1fffffff)
#define RIGHT_FD_READ ((uint64_t)1 << 1)
#define RIGHT_FD_SEEK ((uint64_t)1 << 2)
#define RIGHT_FD_WRITE ((uint64_t)1 << 6)
#define RIGHT_FD_READDIR ((uint64_t)1 << 14)
#define RIGHT_PATH_CREATE_FILE ((uint64_t)1 << 10)
#define RIGHT_PATH_OPEN ((uint64_t)1 << 13)
#define RIGHT_PATH_FILESTAT_SET_SIZE ((uint64_t)1 << 19)
#define RIGHT_FD_FILESTAT_SET_SIZE ((uint64_t)1 << 22)

/* wasi_fd.host of the in-memory stdin or stdout
 * (kiln_wasi_config.stdin_bytes, stdout_write): the host calls made on
 * it fail with EBADF; fd_read, fd_write and poll_oneoff serve it. */
#define WASI_HOST_MEMORY (-2)

/* A descriptor.  Threads of a wasi-threads program share the table: an
 * entry is counted, one reference the table's and one per call using it,
 * so that a call on it while another thread closes or renumbers it keeps
 * the entry and its host descriptor until it returns (the last reference
 * closes the host descriptor and frees the entry).  Only the rights change
 * after it is made, atomically, under the table's lock. */
typedef struct wasi_fd {
	atomic_uint refs;
	int host;		/* WASI_HOST_MEMORY or a host fd */
	uint8_t type;		/* FT_* */
	bool stream;		/* an inherited stdio descriptor: no seek, size, times... */
	_Atomic uint64_t rights, inheriting;	/* what kiln enforces; fd_fdstat_get
						 * reports the reference's view of them
						 * (wasi_fs.c) */
	char *preopen;		/* guest name of a preopened directory, or NULL */
} wasi_fd;

typedef struct wasi {
	kiln_instance inst;
	kiln_memory_rt *memory;
	int argc, envc;
	char **argv, **envp;
	int exit_code;
	const uint8_t *in;	/* in-memory stdin: in[in_pos..in_len) left */
	size_t in_len, in_pos;
	bool (*out)(void *data, const uint8_t *bytes, size_t len);
	void *out_data;
	/* The descriptor table (NULL: a free number) and the in-memory
	 * stdin's position: under `lock`, which no call holds while it
	 * blocks. */
	pthread_mutex_t lock;
	wasi_fd **fds;
	uint32_t nfds;
	kiln_funcref *refs;
	kiln_host_export *exports;
} wasi;

static inline wasi *wasi_of(kiln_vmctx *ctx)
{
	return (wasi *)ctx->instance;
}

/* The module's memory at [p, p + n), or NULL when out of bounds. */
uint8_t *wasi_mem(wasi *w, uint32_t p, uint64_t n);
/* Stores n bytes at p in the module's memory: W_FAULT when out of bounds. */
int32_t wasi_put(wasi *w, uint32_t p, const void *v, uint32_t n);

static inline int32_t wasi_put_u32(wasi *w, uint32_t p, uint32_t v)
{
	return wasi_put(w, p, &v, sizeof v);
}

static inline int32_t wasi_put_u64(wasi *w, uint32_t p, uint64_t v)
{
	return wasi_put(w, p, &v, sizeof v);
}
/* A host errno as a WASI errno. */
int32_t wasi_errno(int e);
/* A reference to the descriptor `fd`, or NULL when it is not open (the
 * call fails with W_BADF).  Declared WASI_FD_REF, the reference goes when
 * the variable goes out of scope. */
wasi_fd *wasi_fd_get(wasi *w, int32_t fd);
/* Drops the reference *f (NULL: none) and clears *f. */
void wasi_fd_release(wasi_fd **f);
#define WASI_FD_REF __attribute__((cleanup(wasi_fd_release))) wasi_fd *
/* Takes `fd` out of the table, returning the table's reference, or NULL
 * when it is not open. */
wasi_fd *wasi_fd_take(wasi *w, int32_t fd);
/* Adds a descriptor; returns its number or -1 (out of memory). */
int32_t wasi_fd_add(wasi *w, int host, uint8_t type, uint64_t rights,
		    uint64_t inheriting, const char *preopen);

/* Before a host call on `host` that may block: under an epoch deadline
 * (instance.h), waits until the descriptor is ready for `events` (POLLIN,
 * POLLOUT), in slices, and ends the call with "interrupted" once the
 * deadline passes.  Returns whether it waited: false without a deadline
 * (the call blocks as it would) and for descriptors that never block
 * (files, directories, O_NONBLOCK ones).  What poll saw ready can still
 * be taken by another process sharing the descriptor first (a terminal's
 * stdin, an accept queue): the call then blocks as before. */
bool wasi_wait(int host, short events);

/* One exported function: name, native code, type. */
typedef struct wasi_func {
	const char *name;
	void *code;
	kiln_functype type;
} wasi_func;

/* The functions of wasi.c and of wasi_fs.c, each table made by
 * wasi_table.h from one list. */
extern const wasi_func wasi_core_funcs[], wasi_fs_funcs[];
extern const size_t wasi_core_nfuncs, wasi_fs_nfuncs;

#endif /* KILN_WASI_H */
