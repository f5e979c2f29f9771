/*
 * stdio.c — inherited stdio is a stream (issue 18, item 9): whatever the
 * host descriptor is (a file opened with >>, a pipe, a terminal), the
 * guest cannot seek it, resize it, change its times or flags.  Writes
 * "first\n" and "last\n" to stdout between the attempts; reports each
 * attempt's errno on stderr and exits 1 when one was not refused as the
 * reference refuses it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int fails;

static void expect(__wasi_errno_t got, __wasi_errno_t want, const char *what)
{
	fprintf(stderr, "%s: %s (errno %d)\n", what, got == want ? "ok" : "FAILED", got);
	fails += got != want;
}

static __wasi_errno_t put(__wasi_fd_t fd, const char *s)
{
	__wasi_ciovec_t iov = {(const uint8_t *)s, strlen(s)};
	__wasi_size_t n;

	return __wasi_fd_write(fd, &iov, 1, &n);
}

int main(void)
{
	__wasi_ciovec_t iov = {(const uint8_t *)"Y", 1};
	__wasi_filesize_t pos;
	__wasi_size_t n;
	__wasi_fdstat_t st;

	expect(put(1, "first\n"), 0, "write");
	expect(__wasi_fd_fdstat_get(1, &st), 0, "fdstat_get");
	expect(st.fs_flags, 0, "stdout shows no flags");
	expect(__wasi_fd_fdstat_set_flags(1, 0), __WASI_ERRNO_BADF, "clear O_APPEND");
	expect(__wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_NONBLOCK), __WASI_ERRNO_BADF,
	       "set O_NONBLOCK");
	expect(__wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_SPIPE, "seek");
	expect(__wasi_fd_tell(1, &pos), __WASI_ERRNO_SPIPE, "tell");
	expect(__wasi_fd_seek(0, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_SPIPE, "seek stdin");
	expect(put(1, "XX"), 0, "write after the attempts");
	expect(__wasi_fd_pwrite(1, &iov, 1, 0, &n), __WASI_ERRNO_SPIPE, "pwrite at 0");
	expect(__wasi_fd_filestat_set_size(1, (__wasi_filesize_t)1 << 40), __WASI_ERRNO_BADF,
	       "set_size 2^40");
	expect(__wasi_fd_filestat_set_size(1, 0), __WASI_ERRNO_BADF, "truncate");
	expect(__wasi_fd_filestat_set_times(1, 0, 0, __WASI_FSTFLAGS_MTIM), __WASI_ERRNO_BADF,
	       "set_times");
	expect(__wasi_fd_advise(1, 0, 0, __WASI_ADVICE_DONTNEED), __WASI_ERRNO_BADF, "advise");
	expect(__wasi_fd_allocate(1, 0, 4096), __WASI_ERRNO_BADF, "allocate");
	expect(__wasi_fd_fdstat_set_flags(2, 0), __WASI_ERRNO_BADF, "clear stderr flags");
	expect(__wasi_fd_filestat_set_size(2, 0), __WASI_ERRNO_BADF, "truncate stderr");
	expect(put(1, "\nlast\n"), 0, "last write");
	fprintf(stderr, "%d failed\n", fails);
	return fails != 0;
}
