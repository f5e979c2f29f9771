/*
 * conform.c — WASI preview1 edge cases checked against the behaviour of
 * the reference implementation (wasmtime): rights, trailing slashes,
 * symlink targets, O_TRUNC and O_DIRECTORY, sockets and proc_raise.
 * Raw __wasi_* calls, since wasi-libc rewrites several of these cases.
 * Usage: conform (with a directory preopened as fd 3, empty); prints one
 * line per check and exits 1 when any failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

/* No longer declared by wasi-libc's header, still in preview1. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t raw_proc_raise(int32_t sig);

enum { DIR = 3 };

static int fails;

static void check(int ok, const char *what, long got)
{
	printf("%s: %s", what, ok ? "ok" : "FAILED");
	if (!ok)
		printf(" (got %ld)", got);
	printf("\n");
	fails += !ok;
}

static void expect(__wasi_errno_t got, __wasi_errno_t want, const char *what)
{
	check(got == want, what, got);
}

static __wasi_fd_t open_at(const char *path, __wasi_oflags_t of, __wasi_rights_t r,
			   __wasi_errno_t *err)
{
	__wasi_fd_t fd = (__wasi_fd_t)-1;

	*err = __wasi_path_open(DIR, 0, path, of, r, r, 0, &fd);
	return fd;
}

static __wasi_filesize_t size_of(const char *path)
{
	__wasi_filestat_t st;

	return __wasi_path_filestat_get(DIR, 0, path, &st) ? (__wasi_filesize_t)-1 : st.size;
}

static void make_file(const char *path)
{
	__wasi_errno_t e;
	__wasi_fd_t fd = open_at(path, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, &e);
	__wasi_ciovec_t iov = {(const uint8_t *)"hello", 5};
	__wasi_size_t n;

	if (e || __wasi_fd_write(fd, &iov, 1, &n) || __wasi_fd_close(fd))
		printf("setup %s: FAILED\n", path), fails++;
}

/* Item 1: sock_shutdown on stdout and on a file is ENOTSOCK. */
static void sockets(void)
{
	__wasi_errno_t e;
	__wasi_fd_t fd = open_at("f", 0, __WASI_RIGHTS_FD_READ, &e);

	expect(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK,
	       "1 sock_shutdown(stdout) is ENOTSOCK");
	expect(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD), __WASI_ERRNO_NOTSOCK,
	       "1 sock_shutdown(file) is ENOTSOCK");
	(void)__wasi_fd_close(fd);
}

/* Item 2: rights as the reference reports them. */
static void rights(void)
{
	const __wasi_rights_t seek = __WASI_RIGHTS_FD_SEEK, tell = __WASI_RIGHTS_FD_TELL;
	__wasi_fdstat_t st;
	__wasi_errno_t e;
	__wasi_fd_t fd;

	e = __wasi_fd_fdstat_get(DIR, &st);
	check(!e && st.fs_rights_base == 0x7b7fe00, "2 preopen base rights 0x7b7fe00",
	      (long)st.fs_rights_base);
	check(!e && st.fs_rights_inheriting == 0xff7ffff, "2 preopen inheriting 0xff7ffff",
	      (long)st.fs_rights_inheriting);
	fd = open_at("d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR, &e);
	e = e ? e : __wasi_fd_fdstat_get(fd, &st);
	check(!e && (st.fs_rights_base & (seek | tell)) == tell, "2 opened dir: fd_tell, no fd_seek",
	      (long)(st.fs_rights_base & (seek | tell)));
	check(!e && !(st.fs_rights_base & (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)) &&
	      (st.fs_rights_base & __WASI_RIGHTS_FD_READDIR) && (st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) &&
	      st.fs_rights_inheriting == st.fs_rights_base,
	      "2 opened dir: readdir, path_open; no write, set_size", (long)st.fs_rights_base);
	(void)__wasi_fd_close(fd);
	fd = open_at("f", 0, __WASI_RIGHTS_FD_READ, &e);
	e = e ? e : __wasi_fd_fdstat_get(fd, &st);
	check(!e && (st.fs_rights_base & (seek | tell)) == (seek | tell) &&
	      !(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) && (st.fs_rights_base & __WASI_RIGHTS_FD_READ),
	      "2 read-only file: read, seek, tell; no write", (long)st.fs_rights_base);
	expect(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_DSYNC), __WASI_ERRNO_INVAL,
	       "set_flags(file, DSYNC) is EINVAL");
	expect(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0, "set_flags(file, APPEND) works");
	e = __wasi_fd_fdstat_get(fd, &st);
	check(!e && st.fs_flags == __WASI_FDFLAGS_APPEND, "file shows APPEND", st.fs_flags);
	(void)__wasi_fd_close(fd);
	e = __wasi_fd_fdstat_get(0, &st);
	check(!e && st.fs_rights_base == __WASI_RIGHTS_FD_READ &&
	      st.fs_rights_inheriting == __WASI_RIGHTS_FD_READ, "2 stdin: fd_read only",
	      (long)st.fs_rights_base);
	e = __wasi_fd_fdstat_get(1, &st);
	check(!e && st.fs_rights_base == __WASI_RIGHTS_FD_WRITE && st.fs_flags == 0,
	      "2 stdout: fd_write only, no flags", (long)st.fs_rights_base);
}

/* Items 3, 5, 7, 8: trailing slashes and symlink targets. */
static void paths(void)
{
	__wasi_filestat_t st;
	__wasi_errno_t e;

	e = __wasi_path_link(DIR, 0, "f", DIR, "l/");
	check(e == __WASI_ERRNO_NOENT || e == __WASI_ERRNO_NOTDIR, "3 path_link to \"l/\" refused", e);
	expect(__wasi_path_filestat_get(DIR, 0, "l", &st), __WASI_ERRNO_NOENT, "3 no link made");
	expect(__wasi_path_link(DIR, 0, "f", DIR, "l"), 0, "3 path_link to \"l\" works");
	e = __wasi_path_symlink("/", DIR, "abs1");
	check(e == __WASI_ERRNO_PERM || e == __WASI_ERRNO_NOTCAPABLE, "5 symlink to \"/\" refused", e);
	e = __wasi_path_symlink("/etc/passwd", DIR, "abs2");
	check(e == __WASI_ERRNO_PERM || e == __WASI_ERRNO_NOTCAPABLE, "5 symlink to \"/etc/passwd\" refused", e);
	expect(__wasi_path_filestat_get(DIR, 0, "abs2", &st), __WASI_ERRNO_NOENT, "5 no absolute link made");
	expect(__wasi_path_symlink("d/../f", DIR, "rel"), 0, "5 relative symlink inside works");
	expect(__wasi_path_unlink_file(DIR, "f/"), __WASI_ERRNO_NOTDIR, "7 unlink \"f/\" is ENOTDIR");
	expect(__wasi_path_filestat_get(DIR, 0, "f", &st), 0, "7 f still there");
	e = __wasi_path_symlink("f", DIR, "s/");
	check(e == __WASI_ERRNO_NOENT || e == __WASI_ERRNO_NOTDIR, "8 symlink at \"s/\" refused", e);
	expect(__wasi_path_filestat_get(DIR, 0, "s", &st), __WASI_ERRNO_NOENT, "8 no link made");
	expect(__wasi_path_filestat_get(DIR, 0, "f/", &st), __WASI_ERRNO_NOTDIR, "stat \"f/\" is ENOTDIR");
	expect(__wasi_path_filestat_get(DIR, 0, "d/", &st), 0, "stat \"d/\" works");
	{
		__wasi_fd_t fd;
		open_at("f/", 0, __WASI_RIGHTS_FD_READ, &e);
		expect(e, __WASI_ERRNO_NOTDIR, "open \"f/\" is ENOTDIR");
		open_at("new/", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, &e);
		expect(e, __WASI_ERRNO_ISDIR, "create \"new/\" is EISDIR");
		fd = open_at("d/", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, &e);
		expect(e, 0, "open \"d/\" works");
		(void)__wasi_fd_close(fd);
	}
	{
		uint8_t buf[64];
		__wasi_size_t n;
		expect(__wasi_path_symlink("/..", DIR, "up"), __WASI_ERRNO_PERM, "5 symlink to \"/..\" refused");
		expect(__wasi_path_symlink("d", DIR, "ld"), 0, "symlink ld -> d");
		expect(__wasi_path_readlink(DIR, "ld", buf, sizeof buf, &n), 0, "readlink ld");
		e = __wasi_path_filestat_get(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "ld/", &st);
		check(!e && st.filetype == __WASI_FILETYPE_DIRECTORY, "stat \"ld/\" follows to d", e);
		e = __wasi_path_filestat_get(DIR, 0, "ld/", &st);
		check(!e && st.filetype == __WASI_FILETYPE_DIRECTORY, "stat \"ld/\" follows even unasked", e);
		expect(__wasi_path_symlink("f", DIR, "lf"), 0, "symlink lf -> f");
		expect(__wasi_path_filestat_get(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lf/", &st),
		       __WASI_ERRNO_NOTDIR, "stat \"lf/\" is ENOTDIR");
		e = __wasi_path_filestat_get(DIR, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lf", &st);
		check(!e && st.filetype == __WASI_FILETYPE_REGULAR_FILE, "stat \"lf\" follows to f", e);
		e = __wasi_path_readlink(DIR, "ld/", buf, sizeof buf, &n);
		check(e == __WASI_ERRNO_NOTDIR || e == __WASI_ERRNO_INVAL, "readlink \"ld/\" refused", e);
	}
	expect(__wasi_path_create_directory(DIR, "d2/"), 0, "mkdir \"d2/\" still works");
	expect(__wasi_path_remove_directory(DIR, "d2/"), 0, "rmdir \"d2/\" still works");
}

/* Items 4 and 6: path_open's O_DIRECTORY and O_TRUNC. */
static void opens(void)
{
	const __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE;
	__wasi_errno_t e;
	__wasi_fd_t fd;

	open_at("d", __WASI_OFLAGS_DIRECTORY, rw, &e);
	expect(e, __WASI_ERRNO_ISDIR, "4 O_DIRECTORY with read+write is EISDIR");
	open_at("d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_WRITE, &e);
	expect(e, __WASI_ERRNO_ISDIR, "4 O_DIRECTORY with write is EISDIR");
	open_at("d", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, &e);
	check(e != 0, "4 O_DIRECTORY|O_TRUNC refused", e);
	fd = open_at("d", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, &e);
	expect(e, 0, "4 O_DIRECTORY read-only still opens");
	(void)__wasi_fd_close(fd);

	open_at("f", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, &e);
	expect(e, __WASI_ERRNO_NOTCAPABLE, "6 O_TRUNC with read-only rights is ENOTCAPABLE");
	check(size_of("f") == 5, "6 f not truncated", (long)size_of("f"));
	/* A directory whose rights lost path_filestat_set_size. */
	e = __wasi_path_open(DIR, 0, "d", __WASI_OFLAGS_DIRECTORY,
			     __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READ, rw, 0, &fd);
	if (!e)
		e = __wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_CREATE_FILE,
						 __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE);
	expect(e, 0, "6 dir rights reduced");
	make_file("d/g");
	{
		__wasi_fd_t g = (__wasi_fd_t)-1;
		e = __wasi_path_open(fd, 0, "g", __WASI_OFLAGS_TRUNC, rw, 0, 0, &g);
	}
	expect(e, __WASI_ERRNO_NOTCAPABLE, "6 O_TRUNC without path_filestat_set_size is ENOTCAPABLE");
	check(size_of("d/g") == 5, "6 d/g not truncated", (long)size_of("d/g"));
	(void)__wasi_fd_close(fd);
	fd = open_at("f", __WASI_OFLAGS_TRUNC, rw, &e);
	expect(e, 0, "6 O_TRUNC with the rights works");
	check(size_of("f") == 0, "6 f truncated", (long)size_of("f"));
	(void)__wasi_fd_close(fd);
}

int main(void)
{
	__wasi_errno_t e;

	make_file("f");
	e = __wasi_path_create_directory(DIR, "d");
	expect(e, 0, "setup mkdir d");
	sockets();
	rights();
	paths();
	opens();
	expect(raw_proc_raise(15), __WASI_ERRNO_NOSYS, "11 proc_raise is linked, ENOSYS");
	printf("%d failed\n", fails);
	return fails != 0;
}
