/*
 * wasi_fs.c — WASI descriptors, files and directories, sandboxed.
 *
 * Every path is resolved relative to a directory descriptor by openat2
 * with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: the kernel refuses "..",
 * absolute paths and symlinks that would leave the directory, at every
 * step, so a path cannot escape even while another process renames
 * things.  Operations on a final component (mkdir, unlink, rename...)
 * first open its parent that way and then act on the name inside it
 * with the *at() call, never following a symlink there; where a final
 * symlink is to be followed, the target is opened beneath first and used
 * through /proc/self/fd.  Kernels without openat2 (before Linux 5.6) get
 * open_walk: one component at a time, symlinks read and expanded by hand,
 * ".." and absolute targets refused where they would leave the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi.h"

/* ------------------------------------------------------------ descriptors */

/* Whether `fd` numbers a slot of the table (free or not); under the lock. */
static bool in_table(const wasi *w, int32_t fd)
{
	return fd >= 0 && (uint32_t)fd < w->nfds;
}

wasi_fd *wasi_fd_get(wasi *w, int32_t fd)
{
	wasi_fd *f = NULL;

	pthread_mutex_lock(&w->lock);
	if (in_table(w, fd) && (f = w->fds[fd]))
		atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&w->lock);
	return f;
}

void wasi_fd_release(wasi_fd **pf)
{
	wasi_fd *f = *pf;

	*pf = NULL;
	if (f == NULL || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (f->host > 2)
		close(f->host);
	free(f->preopen);
	free(f);
}

wasi_fd *wasi_fd_take(wasi *w, int32_t fd)
{
	wasi_fd *f = NULL;

	pthread_mutex_lock(&w->lock);
	if (in_table(w, fd)) {
		f = w->fds[fd];
		w->fds[fd] = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return f;
}

/* Gives f the lowest free number, under the lock; -1: out of memory. */
static int32_t fd_place(wasi *w, wasi_fd *f)
{
	uint32_t i;

	for (i = 0; i < w->nfds && w->fds[i]; i++)
		;
	if (i == w->nfds) {
		wasi_fd **t = i < INT32_MAX ? realloc(w->fds, (i + 1) * sizeof *t) : NULL;
		if (t == NULL)
			return -1;
		w->fds = t;
		w->nfds++;
	}
	w->fds[i] = f;
	return (int32_t)i;
}

int32_t wasi_fd_add(wasi *w, int host, uint8_t type, uint64_t rights,
		    uint64_t inheriting, const char *preopen)
{
	wasi_fd *f = malloc(sizeof *f);
	int32_t i = -1;

	if (f == NULL)
		return -1;
	*f = (wasi_fd){.host = host, .type = type, .preopen = NULL};
	atomic_init(&f->refs, 1);
	atomic_init(&f->rights, rights);
	atomic_init(&f->inheriting, inheriting);
	if (!preopen || (f->preopen = strdup(preopen))) {
		pthread_mutex_lock(&w->lock);
		i = fd_place(w, f);
		pthread_mutex_unlock(&w->lock);
	}
	if (i < 0) {
		free(f->preopen);
		free(f);
	}
	return i;
}

static uint8_t filetype(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return FT_FILE;
	case S_IFDIR: return FT_DIR;
	case S_IFLNK: return FT_SYMLINK;
	case S_IFCHR: return FT_CHAR;
	case S_IFBLK: return FT_BLOCK;
	case S_IFSOCK: return FT_SOCK_STREAM;
	default: return FT_UNKNOWN;
	}
}

/* ---------------------------------------------------------------- paths */

/* Copies the module's path into buf (NUL-terminated). */
static int32_t get_path(wasi *w, int32_t p, int32_t len, char buf[PATH_MAX])
{
	uint8_t *s = wasi_mem(w, (uint32_t)p, (uint32_t)len);

	if (s == NULL)
		return W_FAULT;
	if ((uint32_t)len >= PATH_MAX)
		return W_NAMETOOLONG;
	if (memchr(s, 0, (uint32_t)len))
		return W_INVAL;
	memcpy(buf, s, (uint32_t)len);
	buf[len] = 0;
	return W_SUCCESS;
}

/* ----------------------------------------- the fallback without openat2 */

#define MAX_DEPTH 256
#define MAX_LINKS 40

/* The path still to walk: components are taken from the front; a symlink's
 * target is put back in front of what follows it. */
typedef struct walk {
	char rest[PATH_MAX * 2];
	int links;
} walk;

/* Takes the next component into `comp`; false when none is left.  *last
 * tells whether it is the final one, *trailing whether slashes follow it. */
static bool next_component(walk *w, char comp[NAME_MAX + 1], bool *last, bool *trailing)
{
	char *p = w->rest, *slash;
	size_t n;

	while (*p == '/')
		p++;
	if (!*p)
		return false;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n > NAME_MAX)
		n = NAME_MAX;	/* the open then fails with ENOENT or ENAMETOOLONG */
	memcpy(comp, p, n);
	comp[n] = 0;
	p += n;
	*trailing = *p == '/';
	while (*p == '/')
		p++;
	*last = !*p;
	memmove(w->rest, p, strlen(p) + 1);
	return true;
}

/* Replaces the current component by the symlink's target, keeping the
 * slash after it (what follows, or the final name's trailing slash). */
static bool expand_link(walk *w, int dir, const char *name, bool slash)
{
	char target[PATH_MAX], tmp[PATH_MAX * 2];
	ssize_t n = readlinkat(dir, name, target, sizeof target - 1);

	if (n < 0)
		return false;
	target[n] = 0;
	if (++w->links > MAX_LINKS) {
		errno = ELOOP;
		return false;
	}
	if (target[0] == '/' || strlen(target) + strlen(w->rest) + 2 > sizeof tmp) {
		errno = target[0] == '/' ? EXDEV : ENAMETOOLONG;
		return false;
	}
	/* Lengths checked above: target, '/', rest and NUL fit. */
	memcpy(tmp, target, (size_t)n);
	if (*w->rest || slash)
		tmp[n++] = '/';
	memcpy(tmp + n, w->rest, strlen(w->rest) + 1);
	memcpy(w->rest, tmp, strlen(tmp) + 1);
	return true;
}

static bool is_link(int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

/* Resolves beneath `dir` one component at a time, never following a
 * symlink with the kernel: "..", absolute paths and absolute symlinks are
 * refused (EXDEV) where they would leave `dir`.  A final name with a
 * trailing slash must be a directory, as openat2 has it: a symlink there
 * is followed, O_CREAT is EISDIR, a file ENOTDIR. */
static int open_walk(int dir, const char *path, uint64_t flags, mode_t mode, bool follow)
{
	int stack[MAX_DEPTH], depth = 0, fd = -1;
	char comp[NAME_MAX + 1];
	bool last = true, more, slash = false;
	walk *w = malloc(sizeof *w);

	if (w == NULL || path[0] == '/') {
		free(w);
		errno = w ? EXDEV : ENOMEM;
		return -1;
	}
	snprintf(w->rest, sizeof w->rest, "%s", path);
	w->links = 0;
	stack[0] = dir;
	for (;;) {
		int cur = stack[depth];

		more = next_component(w, comp, &last, &slash);
		if (!more || (last && strcmp(comp, ".") && strcmp(comp, ".."))) {
			const char *name = more ? comp : ".";
			if (more && slash) {
				if (flags & O_CREAT) {
					errno = EISDIR;
					break;
				}
				flags |= O_DIRECTORY;
				follow = true;
			}
			if (more && follow && is_link(cur, name)) {
				if (!expand_link(w, cur, name, slash))
					break;
				continue;
			}
			fd = openat(cur, name, (int)flags | O_CLOEXEC | O_NOFOLLOW, mode);
			break;
		}
		if (!strcmp(comp, ".")) {
			continue;
		} else if (!strcmp(comp, "..")) {
			if (depth == 0) {
				errno = EXDEV;
				break;
			}
			close(stack[depth--]);
		} else if (is_link(cur, comp)) {
			if (!expand_link(w, cur, comp, true))
				break;
		} else {
			int next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0 || depth + 1 == MAX_DEPTH) {
				if (next >= 0)
					close(next);
				errno = next < 0 ? errno : ENAMETOOLONG;
				break;
			}
			stack[++depth] = next;
		}
	}
	for (int e = errno; depth > 0; errno = e)
		close(stack[depth--]);
	free(w);
	return fd;
}

/* openat2 needs Linux 5.6; KILN_WASI_NO_OPENAT2=1 forces the fallback
 * (the tests run both).  Threads asking at once each find the same. */
static bool have_openat2(void)
{
	static atomic_int have = -1;

	if (atomic_load_explicit(&have, memory_order_relaxed) < 0) {
		const char *no = getenv("KILN_WASI_NO_OPENAT2");
		struct open_how how = {.flags = O_PATH | O_CLOEXEC};
		int fd = no && *no == '1' ? -1 : (int)syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
		atomic_store_explicit(&have, fd >= 0, memory_order_relaxed);
		if (fd >= 0)
			close(fd);
	}
	return atomic_load_explicit(&have, memory_order_relaxed) > 0;
}

static int open_beneath(int dir, const char *path, uint64_t flags, mode_t mode, bool follow)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	if (!have_openat2())
		return open_walk(dir, path, flags, (flags & O_CREAT) ? mode : 0, follow);
	return (int)syscall(SYS_openat2, dir, path[0] ? path : ".", &how, sizeof how);
}

/* Opens the parent directory of `path` beneath `dir` and points *last at
 * the final component, which is a plain name (not ".", "..", or empty).
 * Trailing slashes stay on *last, so that the *at() call applies the
 * kernel's rule (the name must be a directory): unlinkat("file/") fails
 * with ENOTDIR, symlinkat and linkat to "new/" with ENOENT, as the
 * reference's cap-std does. */
static int32_t parent_of(int dir, char *path, int *out, const char **last)
{
	size_t end = strlen(path), start;

	if (path[0] == '/')
		return W_NOTCAPABLE;	/* absolute */
	while (end > 0 && path[end - 1] == '/')
		end--;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	*last = path + start;
	if (end == start || (end - start == 1 && path[start] == '.') ||
	    (end - start == 2 && !strncmp(path + start, "..", 2)))
		return W_INVAL;
	if (start > 0)
		path[start - 1] = 0;
	*out = open_beneath(dir, start > 0 ? path : ".", O_PATH | O_DIRECTORY, 0, true);
	return *out < 0 ? wasi_errno(errno) : W_SUCCESS;
}

/* The first step of every path_* call: the directory `fd` names (EBADF,
 * ENOTDIR) and the path (p, len) copied NUL-terminated into buf. */
static int32_t dir_path(wasi *w, int32_t fd, int32_t p, int32_t len, char buf[PATH_MAX],
			wasi_fd **dir)
{
	*dir = wasi_fd_get(w, fd);
	if (!*dir)
		return W_BADF;
	if ((*dir)->type != FT_DIR)
		return W_NOTDIR;
	return get_path(w, p, len, buf);
}

/* A name in a directory, what path_* calls that make or remove one act
 * on: the parent, opened beneath (O_PATH; the caller closes it), and the
 * last component, which points into buf. */
typedef struct at_name {
	int parent;
	const char *last;
	char buf[PATH_MAX];
} at_name;

/* Resolves (fd, path) to a parent directory and a name in it. */
static int32_t resolve_parent(wasi *w, int32_t fd, int32_t p, int32_t len, at_name *n)
{
	WASI_FD_REF dir = NULL;
	int32_t e = dir_path(w, fd, p, len, n->buf, &dir);

	return e != W_SUCCESS ? e : parent_of(dir->host, n->buf, &n->parent, &n->last);
}

/* The WASI errno of a call on a parent (r < 0: errno), which it closes. */
static int32_t done(int r, int parent)
{
	int32_t e = r < 0 ? wasi_errno(errno) : W_SUCCESS;

	close(parent);
	return e;
}

static int32_t path_create_directory(kiln_vmctx *c, int32_t fd, int32_t p, int32_t len)
{
	at_name n;
	int32_t e = resolve_parent(wasi_of(c), fd, p, len, &n);

	return e != W_SUCCESS ? e : done(mkdirat(n.parent, n.last, 0777), n.parent);
}

static int32_t path_remove_directory(kiln_vmctx *c, int32_t fd, int32_t p, int32_t len)
{
	at_name n;
	int32_t e = resolve_parent(wasi_of(c), fd, p, len, &n);

	return e != W_SUCCESS ? e : done(unlinkat(n.parent, n.last, AT_REMOVEDIR), n.parent);
}

static int32_t path_unlink_file(kiln_vmctx *c, int32_t fd, int32_t p, int32_t len)
{
	at_name n;
	int32_t e = resolve_parent(wasi_of(c), fd, p, len, &n);

	return e != W_SUCCESS ? e : done(unlinkat(n.parent, n.last, 0), n.parent);
}

static int32_t path_symlink(kiln_vmctx *c, int32_t tp, int32_t tlen, int32_t fd,
			    int32_t p, int32_t len)
{
	char target[PATH_MAX];
	at_name n;
	int32_t e = get_path(wasi_of(c), tp, tlen, target);

	/* An absolute target is refused (EPERM, as cap-std's escape error);
	 * a relative one may be written, since following it stays beneath. */
	if (e == W_SUCCESS && target[0] == '/')
		e = W_PERM;
	if (e == W_SUCCESS)
		e = resolve_parent(wasi_of(c), fd, p, len, &n);
	return e != W_SUCCESS ? e : done(symlinkat(target, n.parent, n.last), n.parent);
}

/* readlink of "name/": the kernel would follow a final symlink, beyond
 * the sandbox, so it is not a link either way (EINVAL on a directory). */
static int32_t readlink_slash(at_name *n)
{
	struct stat st;
	int32_t e;

	*strchr((char *)n->last, '/') = 0;
	e = fstatat(n->parent, n->last, &st, AT_SYMLINK_NOFOLLOW) < 0 ? wasi_errno(errno)
	    : S_ISDIR(st.st_mode) ? W_INVAL : W_NOTDIR;
	close(n->parent);
	return e;
}

static int32_t path_readlink(kiln_vmctx *c, int32_t fd, int32_t p, int32_t len,
			     int32_t out, int32_t out_len, int32_t used_p)
{
	uint8_t *d = wasi_mem(wasi_of(c), (uint32_t)out, (uint32_t)out_len);
	ssize_t r;
	at_name n;
	int32_t e;

	if (d == NULL)
		return W_FAULT;
	if ((e = resolve_parent(wasi_of(c), fd, p, len, &n)) != W_SUCCESS)
		return e;
	if (strchr(n.last, '/'))
		return readlink_slash(&n);
	r = readlinkat(n.parent, n.last, (char *)d, (uint32_t)out_len);
	e = r < 0 ? wasi_errno(errno) : wasi_put_u32(wasi_of(c), (uint32_t)used_p, (uint32_t)r);
	close(n.parent);
	return e;
}

static int32_t path_rename(kiln_vmctx *c, int32_t fd, int32_t p, int32_t len,
			   int32_t nfd, int32_t np, int32_t nlen)
{
	at_name from, to;
	int32_t e = resolve_parent(wasi_of(c), fd, p, len, &from);

	if (e != W_SUCCESS)
		return e;
	e = resolve_parent(wasi_of(c), nfd, np, nlen, &to);
	if (e == W_SUCCESS)
		e = done(renameat(from.parent, from.last, to.parent, to.last), to.parent);
	close(from.parent);
	return e;
}

/* Opens (fd, path) itself beneath, as O_PATH; follows a final symlink
 * when asked (lookupflags bit 0). */
static int32_t open_target(kiln_vmctx *c, int32_t fd, int32_t flags, int32_t p,
			   int32_t len, int *out)
{
	WASI_FD_REF dir = NULL;
	char buf[PATH_MAX];
	int32_t e = dir_path(wasi_of(c), fd, p, len, buf, &dir);

	if (e != W_SUCCESS)
		return e;
	*out = open_beneath(dir->host, buf, O_PATH, 0, flags & 1);
	return *out < 0 ? wasi_errno(errno) : W_SUCCESS;
}

/* The /proc path of an O_PATH descriptor, to act on what it names. */
static void proc_path(int fd, char out[64])
{
	snprintf(out, 64, "/proc/self/fd/%d", fd);
}

static int32_t path_link(kiln_vmctx *c, int32_t ofd, int32_t oflags, int32_t op,
			 int32_t olen, int32_t nfd, int32_t np, int32_t nlen)
{
	char proc[64];
	at_name n;
	int target = -1;
	int32_t e = open_target(c, ofd, oflags, op, olen, &target);

	if (e != W_SUCCESS)
		return e;
	e = resolve_parent(wasi_of(c), nfd, np, nlen, &n);
	if (e == W_SUCCESS) {
		proc_path(target, proc);
		/* Link what the resolved descriptor names: never outside. */
		e = done(linkat(AT_FDCWD, proc, n.parent, n.last, AT_SYMLINK_FOLLOW), n.parent);
	}
	close(target);
	return e;
}

static int32_t put_filestat(wasi *w, uint32_t p, const struct stat *st)
{
	uint8_t *d = wasi_mem(w, p, 64);
	uint64_t v[8];

	if (d == NULL)
		return W_FAULT;
	v[0] = st->st_dev;
	v[1] = st->st_ino;
	v[2] = filetype(st->st_mode);
	v[3] = st->st_nlink;
	v[4] = (uint64_t)st->st_size;
	v[5] = (uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec;
	v[6] = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
	v[7] = (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
	memcpy(d, v, 64);
	return W_SUCCESS;
}

static int32_t path_filestat_get(kiln_vmctx *c, int32_t fd, int32_t flags, int32_t p,
				 int32_t len, int32_t out)
{
	struct stat st;
	int target = -1;
	int32_t e = open_target(c, fd, flags, p, len, &target);

	if (e != W_SUCCESS)
		return e;
	e = fstat(target, &st) < 0 ? wasi_errno(errno) : put_filestat(wasi_of(c), (uint32_t)out, &st);
	close(target);
	return e;
}

static bool times_of(int64_t atim, int64_t mtim, int32_t fst, struct timespec ts[2])
{
	if (((fst & 1) && (fst & 2)) || ((fst & 4) && (fst & 8)))
		return false;
	ts[0] = (fst & 2) ? (struct timespec){0, UTIME_NOW}
		: (fst & 1) ? (struct timespec){atim / 1000000000, atim % 1000000000}
		: (struct timespec){0, UTIME_OMIT};
	ts[1] = (fst & 8) ? (struct timespec){0, UTIME_NOW}
		: (fst & 4) ? (struct timespec){mtim / 1000000000, mtim % 1000000000}
		: (struct timespec){0, UTIME_OMIT};
	return true;
}

static int32_t path_filestat_set_times(kiln_vmctx *c, int32_t fd, int32_t flags,
				       int32_t p, int32_t len, int64_t atim,
				       int64_t mtim, int32_t fst)
{
	struct timespec ts[2];
	char proc[64];
	int target = -1, r;
	int32_t e;

	if (!times_of(atim, mtim, fst, ts))
		return W_INVAL;
	if ((e = open_target(c, fd, flags, p, len, &target)) != W_SUCCESS)
		return e;
	proc_path(target, proc);
	r = utimensat(AT_FDCWD, proc, ts, 0);
	e = r < 0 ? wasi_errno(errno) : W_SUCCESS;
	close(target);
	return e;
}

/* The access mode path_open needs for the rights asked. */
static int access_mode(uint64_t rights, bool dir)
{
	const uint64_t reads = RIGHT_FD_READ | RIGHT_FD_READDIR;
	const uint64_t writes = RIGHT_FD_WRITE | ((uint64_t)1 << 8) |	/* fd_allocate */
				RIGHT_FD_FILESTAT_SET_SIZE | ((uint64_t)1 << 4);	/* fd_sync */
	bool r = rights & reads, wr = (rights & writes) && !dir;

	return r && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
}

/* What path_open refuses before touching the file system: the rights the
 * directory must hold (path_open, path_create_file for O_CREAT,
 * path_filestat_set_size for O_TRUNC, which also needs fd_write asked),
 * and O_DIRECTORY with O_CREAT, O_EXCL or O_TRUNC (EINVAL) or with
 * fd_write asked (EISDIR: a directory is never open for writing). */
static int32_t open_refused(const wasi_fd *dir, int32_t oflags, uint64_t rights)
{
	uint64_t need = RIGHT_PATH_OPEN | ((oflags & 1) ? RIGHT_PATH_CREATE_FILE : 0) |
			((oflags & 8) ? RIGHT_PATH_FILESTAT_SET_SIZE : 0);

	if ((dir->rights & need) != need || ((oflags & 8) && !(rights & RIGHT_FD_WRITE)))
		return W_NOTCAPABLE;
	if ((oflags & 2) && (oflags & (1 | 4 | 8)))
		return W_INVAL;
	if ((oflags & 2) && (rights & RIGHT_FD_WRITE))
		return W_ISDIR;
	return W_SUCCESS;
}

/* The rights the reference gives a descriptor path_open made: all, less
 * seek and set-size on a directory, less read and readdir unless fd_read
 * was asked, less write unless fd_write was asked. */
static uint64_t opened_rights(uint8_t type, uint64_t asked)
{
	uint64_t r = RIGHTS_ALL;

	if (type == FT_DIR)
		r &= ~(RIGHT_FD_SEEK | RIGHT_FD_FILESTAT_SET_SIZE);
	if (!(asked & RIGHT_FD_READ))
		r &= ~(RIGHT_FD_READ | RIGHT_FD_READDIR);
	if (!(asked & RIGHT_FD_WRITE))
		r &= ~RIGHT_FD_WRITE;
	return r;
}

static int32_t path_open(kiln_vmctx *c, int32_t fd, int32_t dirflags, int32_t p,
			 int32_t len, int32_t oflags, int64_t rights, int64_t inheriting,
			 int32_t fdflags, int32_t out)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = NULL;
	char buf[PATH_MAX];
	uint64_t flags;
	struct stat st;
	int host;
	int32_t e, nfd;

	if ((e = dir_path(w, fd, p, len, buf, &f)) != W_SUCCESS)
		return e;
	if (!wasi_mem(w, (uint32_t)out, 4))
		return W_FAULT;
	if ((e = open_refused(f, oflags, (uint64_t)rights & f->inheriting)) != W_SUCCESS)
		return e;
	flags = (uint64_t)access_mode((uint64_t)rights, oflags & 2) |
		((oflags & 1) ? O_CREAT : 0) | ((oflags & 2) ? O_DIRECTORY : 0) |
		((oflags & 4) ? O_EXCL : 0) | ((oflags & 8) ? O_TRUNC : 0) |
		((fdflags & 1) ? O_APPEND : 0) | ((fdflags & 4) ? O_NONBLOCK : 0) |
		((fdflags & 2) ? O_DSYNC : 0) | ((fdflags & 16) ? O_SYNC : 0);
	host = open_beneath(f->host, buf, flags, 0666, dirflags & 1);
	/* A directory asked with write-like rights other than fd_write
	 * (fd_sync, fd_allocate...) opens read-only. */
	if (host < 0 && errno == EISDIR && (flags & O_ACCMODE) != O_RDONLY &&
	    !((uint64_t)rights & RIGHT_FD_WRITE))
		host = open_beneath(f->host, buf, (flags & ~(uint64_t)O_ACCMODE) | O_RDONLY,
				    0666, dirflags & 1);
	if (host < 0)
		return wasi_errno(errno);
	if (fstat(host, &st) < 0) {
		close(host);
		return wasi_errno(errno);
	}
	nfd = wasi_fd_add(w, host, filetype(st.st_mode),
			  opened_rights(filetype(st.st_mode), (uint64_t)rights) & f->inheriting,
			  (uint64_t)inheriting & f->inheriting, NULL);
	if (nfd < 0) {
		close(host);
		return W_NOMEM;
	}
	return wasi_put_u32(w, (uint32_t)out, (uint32_t)nfd);
}

/* ------------------------------------------------------------ file I/O */

/* The module's n iovecs at `iovs` as host iovecs, each checked. */
static int32_t collect_iovs(wasi *w, int32_t iovs, int32_t n, struct iovec io[64])
{
	if (n < 0 || n > 64)
		return W_INVAL;
	for (int32_t i = 0; i < n; i++) {
		uint8_t *iov = wasi_mem(w, (uint32_t)iovs + 8u * (uint32_t)i, 8);
		uint32_t ptr, len;
		if (iov == NULL)
			return W_FAULT;
		memcpy(&ptr, iov, 4);
		memcpy(&len, iov + 4, 4);
		if (!(io[i].iov_base = wasi_mem(w, ptr, len)))
			return W_FAULT;
		io[i].iov_len = len;
	}
	return W_SUCCESS;
}

/* Shortens n iovecs to at most `max` bytes in all; returns how many are
 * left. */
static int32_t cap_iovs(struct iovec *io, int32_t n, size_t max)
{
	for (int32_t i = 0; i < n; i++) {
		if (io[i].iov_len >= max) {
			io[i].iov_len = max;
			return i + 1;
		}
		max -= io[i].iov_len;
	}
	return n;
}

/* The in-memory stdin or stdout (kiln_wasi_config.stdin_bytes,
 * stdout_write): reads copy what is left of the bytes, writes go to the
 * embedder's function. */
static ssize_t memory_rw(wasi *w, const struct iovec *io, int32_t n, bool writing)
{
	size_t done = 0;

	for (int32_t i = 0; i < n; i++) {
		size_t len = io[i].iov_len;
		if (writing) {
			if (len && !w->out(w->out_data, io[i].iov_base, len)) {
				errno = EIO;
				return -1;
			}
		} else {
			pthread_mutex_lock(&w->lock);
			len = len < w->in_len - w->in_pos ? len : w->in_len - w->in_pos;
			memcpy(io[i].iov_base, w->in + w->in_pos, len);
			w->in_pos += len;
			pthread_mutex_unlock(&w->lock);
		}
		done += len;
	}
	return (ssize_t)done;
}

/* Reads or writes through the module's iovecs. */
static int32_t rw(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n, int64_t off,
		  bool positioned, bool writing, int32_t done_p)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	struct iovec io[64];
	ssize_t r;

	if (!f)
		return W_BADF;
	if (!(f->rights & (writing ? RIGHT_FD_WRITE : RIGHT_FD_READ)))
		return W_NOTCAPABLE;
	int32_t e = collect_iovs(w, iovs, n, io);

	if (e != W_SUCCESS)
		return e;
	if (!wasi_mem(w, (uint32_t)done_p, 4))
		return W_FAULT;
	if (f->host == WASI_HOST_MEMORY && positioned)
		return W_SPIPE;
	if (f->host == WASI_HOST_MEMORY)
		r = memory_rw(w, io, n, writing);
	else if (positioned)
		r = writing ? pwritev(f->host, io, n, off) : preadv(f->host, io, n, off);
	else if (!wasi_wait(f->host, writing ? POLLOUT : POLLIN))
		r = writing ? writev(f->host, io, n) : readv(f->host, io, n);
	else	/* ready: a read takes what is there, PIPE_BUF bytes fit */
		r = writing ? writev(f->host, io, cap_iovs(io, n, PIPE_BUF)) : readv(f->host, io, n);
	if (r < 0)
		return wasi_errno(errno);
	return wasi_put_u32(w, (uint32_t)done_p, (uint32_t)r);
}

static int32_t fd_read(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n, int32_t d)
{
	return rw(c, fd, iovs, n, 0, false, false, d);
}

static int32_t fd_write(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n, int32_t d)
{
	return rw(c, fd, iovs, n, 0, false, true, d);
}

/* The descriptor `fd` for a call that inherited stdio does not take
 * (stdio is a stream: its host descriptor, a terminal, pipe or file opened
 * by the shell, is never repositioned, resized or re-flagged); NULL with
 * *err BADF, or `stream_err` for a stream. */
static wasi_fd *non_stream(wasi *w, int32_t fd, int32_t stream_err, int32_t *err)
{
	wasi_fd *f = wasi_fd_get(w, fd);

	*err = !f ? W_BADF : f->stream ? stream_err : W_SUCCESS;
	if (*err != W_SUCCESS)
		wasi_fd_release(&f);
	return f;
}

static int32_t fd_pread(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n, int64_t off, int32_t d)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_SPIPE, &e);

	if (!f)
		return e;
	return rw(c, fd, iovs, n, off, true, false, d);
}

static int32_t fd_pwrite(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n, int64_t off, int32_t d)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_SPIPE, &e);

	if (!f)
		return e;
	return rw(c, fd, iovs, n, off, true, true, d);
}

static int32_t fd_seek(kiln_vmctx *c, int32_t fd, int64_t off, int32_t whence, int32_t out)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_SPIPE, &e);
	static const int how[] = {SEEK_SET, SEEK_CUR, SEEK_END};
	off_t r;

	if (!f)
		return e;
	if (whence < 0 || whence > 2)
		return W_INVAL;
	if (f->type == FT_DIR)
		return W_ISDIR;
	if (!wasi_mem(wasi_of(c), (uint32_t)out, 8))
		return W_FAULT;
	if ((r = lseek(f->host, off, how[whence])) < 0)
		return wasi_errno(errno);
	return wasi_put_u64(wasi_of(c), (uint32_t)out, (uint64_t)r);
}

static int32_t fd_tell(kiln_vmctx *c, int32_t fd, int32_t out)
{
	return fd_seek(c, fd, 0, 1, out);
}

/* The host descriptor closes with the last call using it. */
static int32_t fd_close(kiln_vmctx *c, int32_t fd)
{
	WASI_FD_REF f = wasi_fd_take(wasi_of(c), fd);

	return f ? W_SUCCESS : W_BADF;
}

static int32_t fd_renumber(kiln_vmctx *c, int32_t from, int32_t to)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF old = NULL;
	int32_t e = W_BADF;

	pthread_mutex_lock(&w->lock);
	if (in_table(w, from) && w->fds[from] && in_table(w, to) && w->fds[to]) {
		e = W_SUCCESS;
		if (from != to) {
			old = w->fds[to];
			w->fds[to] = w->fds[from];
			w->fds[from] = NULL;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return e;
}

static int32_t simple(kiln_vmctx *c, int32_t fd, int (*op)(int))
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_BADF, &e);

	if (!f)
		return e;
	return op(f->host) < 0 ? wasi_errno(errno) : W_SUCCESS;
}

static int32_t fd_sync(kiln_vmctx *c, int32_t fd)
{
	return simple(c, fd, fsync);
}

static int32_t fd_datasync(kiln_vmctx *c, int32_t fd)
{
	return simple(c, fd, fdatasync);
}

static int32_t fd_advise(kiln_vmctx *c, int32_t fd, int64_t off, int64_t len, int32_t advice)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_BADF, &e);

	if (!f)
		return e;
	if (advice < 0 || advice > 5)
		return W_INVAL;
	return wasi_errno(posix_fadvise(f->host, off, len, advice));
}

static int32_t fd_allocate(kiln_vmctx *c, int32_t fd, int64_t off, int64_t len)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_BADF, &e);

	if (!f)
		return e;
	return wasi_errno(posix_fallocate(f->host, off, len));
}

/* ----------------------------------------------------- descriptor state */

/* A preopen's rights as the reference reports them: the path rights
 * (less path_filestat_set_size), fd_readdir and the directory's own
 * filestat get/set-times; files opened beneath may also inherit the fd
 * rights (bits 0-8), fd_filestat_set_size and poll_fd_readwrite. */
#define PREOPEN_RIGHTS ((uint64_t)0x7b7fe00)
#define PREOPEN_INHERITING ((uint64_t)0xff7ffff)

static int32_t fd_fdstat_get(kiln_vmctx *c, int32_t fd, int32_t out)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	uint8_t *d = wasi_mem(w, (uint32_t)out, 24);
	uint64_t rights, inheriting;
	int fl;
	uint16_t flags = 0;

	if (!f)
		return W_BADF;
	if (d == NULL)
		return W_FAULT;
	/* The reference's view: a preopen has its fixed set, any other
	 * descriptor inherits what it holds, stdio shows no flags. */
	rights = f->preopen ? PREOPEN_RIGHTS & f->rights : f->rights;
	inheriting = f->preopen ? PREOPEN_INHERITING & f->inheriting : f->rights;
	fl = f->preopen || f->stream ? 0 : fcntl(f->host, F_GETFL);
	if (fl > 0) {
		flags |= (fl & O_APPEND) ? 1 : 0;
		flags |= (fl & O_NONBLOCK) ? 4 : 0;
		flags |= (fl & O_DSYNC) ? 2 : 0;
		flags |= ((fl & O_SYNC) == O_SYNC) ? 16 : 0;
	}
	memset(d, 0, 24);
	d[0] = f->type;
	memcpy(d + 2, &flags, 2);
	memcpy(d + 8, &rights, 8);
	memcpy(d + 16, &inheriting, 8);
	return W_SUCCESS;
}

static int32_t fd_fdstat_set_flags(kiln_vmctx *c, int32_t fd, int32_t flags)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_BADF, &e);
	int fl;

	if (!f)
		return e;
	if (flags & (2 | 8 | 16))	/* dsync, rsync, sync: as the reference, only
					 * append and nonblock may change */
		return W_INVAL;
	if ((fl = fcntl(f->host, F_GETFL)) < 0)
		return wasi_errno(errno);
	fl = (fl & ~(O_APPEND | O_NONBLOCK)) | ((flags & 1) ? O_APPEND : 0) |
	     ((flags & 4) ? O_NONBLOCK : 0);
	return fcntl(f->host, F_SETFL, fl) < 0 ? wasi_errno(errno) : W_SUCCESS;
}

static int32_t fd_fdstat_set_rights(kiln_vmctx *c, int32_t fd, int64_t base, int64_t inh)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	int32_t e = W_NOTCAPABLE;

	if (!f)
		return W_BADF;
	/* Rights only shrink: checked and set as one step. */
	pthread_mutex_lock(&w->lock);
	if (!((uint64_t)base & ~f->rights) && !((uint64_t)inh & ~f->inheriting)) {
		f->rights = (uint64_t)base;
		f->inheriting = (uint64_t)inh;
		e = W_SUCCESS;
	}
	pthread_mutex_unlock(&w->lock);
	return e;
}

static int32_t fd_filestat_get(kiln_vmctx *c, int32_t fd, int32_t out)
{
	WASI_FD_REF f = wasi_fd_get(wasi_of(c), fd);
	struct stat st;

	if (!f)
		return W_BADF;
	if (f->stream) {	/* as the reference: all zero but the type */
		memset(&st, 0, sizeof st);
		st.st_mode = f->type == FT_CHAR ? S_IFCHR : 0;
	} else if (fstat(f->host, &st) < 0) {
		return wasi_errno(errno);
	}
	return put_filestat(wasi_of(c), (uint32_t)out, &st);
}

static int32_t fd_filestat_set_size(kiln_vmctx *c, int32_t fd, int64_t size)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_BADF, &e);

	if (!f)
		return e;
	return ftruncate(f->host, size) < 0 ? wasi_errno(errno) : W_SUCCESS;
}

static int32_t fd_filestat_set_times(kiln_vmctx *c, int32_t fd, int64_t atim,
				     int64_t mtim, int32_t fst)
{
	int32_t e;
	WASI_FD_REF f = non_stream(wasi_of(c), fd, W_BADF, &e);
	struct timespec ts[2];

	if (!f)
		return e;
	if (!times_of(atim, mtim, fst, ts))
		return W_INVAL;
	return futimens(f->host, ts) < 0 ? wasi_errno(errno) : W_SUCCESS;
}

static int32_t fd_prestat_get(kiln_vmctx *c, int32_t fd, int32_t out)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	uint8_t *d = wasi_mem(w, (uint32_t)out, 8);
	uint32_t len;

	if (!f || !f->preopen)
		return W_BADF;
	if (d == NULL)
		return W_FAULT;
	len = (uint32_t)strlen(f->preopen);
	memset(d, 0, 8);
	memcpy(d + 4, &len, 4);
	return W_SUCCESS;
}

static int32_t fd_prestat_dir_name(kiln_vmctx *c, int32_t fd, int32_t p, int32_t len)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	uint8_t *d = wasi_mem(w, (uint32_t)p, (uint32_t)len);
	size_t n;

	if (!f || !f->preopen)
		return W_BADF;
	if (d == NULL)
		return W_FAULT;
	n = strlen(f->preopen);
	if ((uint32_t)len < n)
		return W_NAMETOOLONG;
	memcpy(d, f->preopen, n);
	return W_SUCCESS;
}

/* Writes entries from number `cookie` on; stops when the buffer is full
 * (a full buffer tells the caller to ask again). */
static int32_t fd_readdir(kiln_vmctx *c, int32_t fd, int32_t buf, int32_t len,
			  int64_t cookie, int32_t used_p)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	uint8_t *d = wasi_mem(w, (uint32_t)buf, (uint32_t)len);
	uint32_t used = 0;
	uint64_t index = 0;
	struct dirent *ent;
	DIR *dir;
	int h;

	if (!f)
		return W_BADF;
	if (f->type != FT_DIR)
		return W_NOTDIR;
	if (d == NULL || !wasi_mem(w, (uint32_t)used_p, 4))
		return W_FAULT;
	if ((h = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return wasi_errno(errno);
	if (!(dir = fdopendir(h))) {
		close(h);
		return wasi_errno(errno);
	}
	while (used < (uint32_t)len && (ent = readdir(dir)) != NULL) {
		uint8_t head[24];
		uint32_t nlen = (uint32_t)strlen(ent->d_name), n;
		uint64_t next = ++index;
		uint8_t type = ent->d_type == DT_DIR ? FT_DIR : ent->d_type == DT_REG ? FT_FILE
			       : ent->d_type == DT_LNK ? FT_SYMLINK : ent->d_type == DT_CHR ? FT_CHAR
			       : ent->d_type == DT_BLK ? FT_BLOCK : FT_UNKNOWN;
		if (next <= (uint64_t)cookie)
			continue;
		memset(head, 0, sizeof head);
		memcpy(head, &next, 8);
		memcpy(head + 8, &ent->d_ino, 8);
		memcpy(head + 16, &nlen, 4);
		head[20] = type;
		n = (uint32_t)len - used < 24 ? (uint32_t)len - used : 24;
		memcpy(d + used, head, n);
		used += n;
		n = (uint32_t)len - used < nlen ? (uint32_t)len - used : nlen;
		memcpy(d + used, ent->d_name, n);
		used += n;
	}
	closedir(dir);
	return wasi_put_u32(w, (uint32_t)used_p, used);
}

/* -------------------------------------------------------------- sockets */

static int32_t sock_accept(kiln_vmctx *c, int32_t fd, int32_t flags, int32_t out)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	int h;
	int32_t nfd;

	if (!f)
		return W_BADF;
	if (f->type != FT_SOCK_STREAM)
		return W_NOTSOCK;
	if (!wasi_mem(w, (uint32_t)out, 4))
		return W_FAULT;
	wasi_wait(f->host, POLLIN);
	if ((h = accept4(f->host, NULL, NULL, SOCK_CLOEXEC | ((flags & 4) ? SOCK_NONBLOCK : 0))) < 0)
		return wasi_errno(errno);
	if ((nfd = wasi_fd_add(w, h, FT_SOCK_STREAM, f->inheriting, f->inheriting, NULL)) < 0) {
		close(h);
		return W_NOMEM;
	}
	return wasi_put_u32(w, (uint32_t)out, (uint32_t)nfd);
}

/* recvmsg under an epoch deadline (wasi_wait said so): never blocks in
 * the kernel.  MSG_WAITALL is kept by reading until the buffers are full,
 * the peer is done or the deadline ends the call; with MSG_PEEK, which
 * reads the same bytes again, it returns what is there. */
static ssize_t recv_sliced(int host, struct msghdr *msg, int flags)
{
	size_t want = 0, got = 0;
	bool all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK);

	for (size_t i = 0; i < msg->msg_iovlen; i++)
		want += msg->msg_iov[i].iov_len;
	flags = (flags & ~MSG_WAITALL) | MSG_DONTWAIT;
	for (;;) {
		ssize_t r = recvmsg(host, msg, flags);
		if (r < 0 && errno == EAGAIN) {
			wasi_wait(host, POLLIN);
			continue;
		}
		if (r <= 0)
			return got ? (ssize_t)got : r;
		got += (size_t)r;
		if (!all || got >= want)
			return (ssize_t)got;
		while ((size_t)r >= msg->msg_iov->iov_len) {	/* skip what is full */
			r -= (ssize_t)msg->msg_iov->iov_len;
			msg->msg_iov++;
			msg->msg_iovlen--;
		}
		msg->msg_iov->iov_base = (uint8_t *)msg->msg_iov->iov_base + r;
		msg->msg_iov->iov_len -= (size_t)r;
	}
}

static int32_t sock_recv(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n,
			 int32_t riflags, int32_t len_p, int32_t roflags_p)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	struct iovec io[64];
	struct msghdr msg = {0};
	uint8_t *ro = wasi_mem(w, (uint32_t)roflags_p, 2);
	ssize_t r;
	int32_t e;

	if (!f)
		return W_BADF;
	if ((e = collect_iovs(w, iovs, n, io)) != W_SUCCESS)
		return e;
	if (!ro || !wasi_mem(w, (uint32_t)len_p, 4))
		return W_FAULT;
	msg.msg_iov = io;
	msg.msg_iovlen = (size_t)n;
	r = (wasi_wait(f->host, POLLIN) ? recv_sliced : recvmsg)(
		f->host, &msg, ((riflags & 1) ? MSG_PEEK : 0) | ((riflags & 2) ? MSG_WAITALL : 0));
	if (r < 0)
		return wasi_errno(errno);
	ro[0] = (msg.msg_flags & MSG_TRUNC) ? 1 : 0;
	ro[1] = 0;
	return wasi_put_u32(w, (uint32_t)len_p, (uint32_t)r);
}

static int32_t sock_send(kiln_vmctx *c, int32_t fd, int32_t iovs, int32_t n,
			 int32_t siflags, int32_t len_p)
{
	wasi *w = wasi_of(c);
	WASI_FD_REF f = wasi_fd_get(w, fd);
	struct iovec io[64];
	struct msghdr msg = {0};
	ssize_t r;
	int32_t e;

	(void)siflags;
	if (!f)
		return W_BADF;
	if ((e = collect_iovs(w, iovs, n, io)) != W_SUCCESS)
		return e;
	if (!wasi_mem(w, (uint32_t)len_p, 4))
		return W_FAULT;
	msg.msg_iov = io;
	msg.msg_iovlen = (size_t)n;
	/* Under a deadline: once writable, whatever fits (maybe short). */
	bool sliced = wasi_wait(f->host, POLLOUT);
	while ((r = sendmsg(f->host, &msg, MSG_NOSIGNAL | (sliced ? MSG_DONTWAIT : 0))) < 0 &&
	       sliced && errno == EAGAIN)
		wasi_wait(f->host, POLLOUT);
	if (r < 0)
		return wasi_errno(errno);
	return wasi_put_u32(w, (uint32_t)len_p, (uint32_t)r);
}

static int32_t sock_shutdown(kiln_vmctx *c, int32_t fd, int32_t how)
{
	WASI_FD_REF f = wasi_fd_get(wasi_of(c), fd);
	static const int hows[] = {-1, SHUT_RD, SHUT_WR, SHUT_RDWR};

	if (!f)
		return W_BADF;
	if (f->type != FT_SOCK_STREAM)
		return W_NOTSOCK;
	if (how < 1 || how > 3)
		return W_INVAL;
	return shutdown(f->host, hows[how]) < 0 ? wasi_errno(errno) : W_SUCCESS;
}

/* ---------------------------------------------------------------- table */

/* X(result, export name, function, (CTX, parameter types)): wasi_table.h. */
#define WASI_FUNCS(X) \
	X(i32, "fd_advise", fd_advise, (CTX, i32, i64, i64, i32)) \
	X(i32, "fd_allocate", fd_allocate, (CTX, i32, i64, i64)) \
	X(i32, "fd_close", fd_close, (CTX, i32)) \
	X(i32, "fd_datasync", fd_datasync, (CTX, i32)) \
	X(i32, "fd_fdstat_get", fd_fdstat_get, (CTX, i32, i32)) \
	X(i32, "fd_fdstat_set_flags", fd_fdstat_set_flags, (CTX, i32, i32)) \
	X(i32, "fd_fdstat_set_rights", fd_fdstat_set_rights, (CTX, i32, i64, i64)) \
	X(i32, "fd_filestat_get", fd_filestat_get, (CTX, i32, i32)) \
	X(i32, "fd_filestat_set_size", fd_filestat_set_size, (CTX, i32, i64)) \
	X(i32, "fd_filestat_set_times", fd_filestat_set_times, (CTX, i32, i64, i64, i32)) \
	X(i32, "fd_pread", fd_pread, (CTX, i32, i32, i32, i64, i32)) \
	X(i32, "fd_prestat_get", fd_prestat_get, (CTX, i32, i32)) \
	X(i32, "fd_prestat_dir_name", fd_prestat_dir_name, (CTX, i32, i32, i32)) \
	X(i32, "fd_pwrite", fd_pwrite, (CTX, i32, i32, i32, i64, i32)) \
	X(i32, "fd_read", fd_read, (CTX, i32, i32, i32, i32)) \
	X(i32, "fd_readdir", fd_readdir, (CTX, i32, i32, i32, i64, i32)) \
	X(i32, "fd_renumber", fd_renumber, (CTX, i32, i32)) \
	X(i32, "fd_seek", fd_seek, (CTX, i32, i64, i32, i32)) \
	X(i32, "fd_sync", fd_sync, (CTX, i32)) \
	X(i32, "fd_tell", fd_tell, (CTX, i32, i32)) \
	X(i32, "fd_write", fd_write, (CTX, i32, i32, i32, i32)) \
	X(i32, "path_create_directory", path_create_directory, (CTX, i32, i32, i32)) \
	X(i32, "path_filestat_get", path_filestat_get, (CTX, i32, i32, i32, i32, i32)) \
	X(i32, "path_filestat_set_times", path_filestat_set_times, \
	  (CTX, i32, i32, i32, i32, i64, i64, i32)) \
	X(i32, "path_link", path_link, (CTX, i32, i32, i32, i32, i32, i32, i32)) \
	X(i32, "path_open", path_open, (CTX, i32, i32, i32, i32, i32, i64, i64, i32, i32)) \
	X(i32, "path_readlink", path_readlink, (CTX, i32, i32, i32, i32, i32, i32)) \
	X(i32, "path_remove_directory", path_remove_directory, (CTX, i32, i32, i32)) \
	X(i32, "path_rename", path_rename, (CTX, i32, i32, i32, i32, i32, i32)) \
	X(i32, "path_symlink", path_symlink, (CTX, i32, i32, i32, i32, i32)) \
	X(i32, "path_unlink_file", path_unlink_file, (CTX, i32, i32, i32)) \
	X(i32, "sock_accept", sock_accept, (CTX, i32, i32, i32)) \
	X(i32, "sock_recv", sock_recv, (CTX, i32, i32, i32, i32, i32, i32)) \
	X(i32, "sock_send", sock_send, (CTX, i32, i32, i32, i32, i32)) \
	X(i32, "sock_shutdown", sock_shutdown, (CTX, i32, i32))
#define WASI_TABLE wasi_fs_funcs
#define WASI_NFUNCS wasi_fs_nfuncs
#include "wasi_table.h"
