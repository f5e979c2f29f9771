/*
 * escape.c — every way out of the preopened directory must fail: "..",
 * absolute paths, symlinks pointing out (absolute and relative), a symlink
 * loop, renaming or linking out.  Prints one line per attempt and exits
 * with the number of attempts that got out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

static int escaped;

static void attempt(const char *what, int result)
{
	printf("%-40s %s\n", what, result < 0 ? "blocked" : "ESCAPED");
	escaped += result >= 0;
}

static int open_read(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* Straight to kiln, past wasi-libc's own path handling: fd 3 is the
 * preopened directory. */
static int raw_open(const char *path)
{
	__wasi_fd_t fd;
	__wasi_errno_t e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
					    __WASI_RIGHTS_FD_READ, 0, 0, &fd);

	if (e != 0)
		return -1;
	(void)__wasi_fd_close(fd);
	return 0;
}

int main(void)
{
	struct stat st;

	attempt("raw path_open /etc/passwd", raw_open("/etc/passwd"));
	attempt("raw path_open ../outside/secret", raw_open("../outside/secret"));
	attempt("raw path_open a/../../outside/secret", raw_open("sub/../../outside/secret"));

	attempt("open ../outside/secret", open_read("/sandbox/../outside/secret"));
	attempt("open sub/../../outside/secret", (mkdir("/sandbox/sub", 0755),
		open_read("/sandbox/sub/../../outside/secret")));
	attempt("open /etc/passwd", open_read("/etc/passwd"));
	symlink("/etc", "/sandbox/abs");
	attempt("open via absolute symlink", open_read("/sandbox/abs/passwd"));
	symlink("../outside", "/sandbox/rel");
	attempt("open via relative symlink", open_read("/sandbox/rel/secret"));
	attempt("stat via relative symlink", stat("/sandbox/rel/secret", &st));
	symlink("loop2", "/sandbox/loop1");
	symlink("loop1", "/sandbox/loop2");
	attempt("open symlink loop", open_read("/sandbox/loop1"));
	attempt("create ../outside/new", open("/sandbox/../outside/new", O_CREAT | O_WRONLY, 0644));
	attempt("mkdir ../outside/dir", mkdir("/sandbox/../outside/dir", 0755));
	close(open("/sandbox/mine", O_CREAT | O_WRONLY, 0644));
	attempt("rename into ../outside", rename("/sandbox/mine", "/sandbox/../outside/mine"));
	attempt("rename via symlink dir", rename("/sandbox/mine", "/sandbox/rel/mine"));
	attempt("link ../outside/secret in", link("/sandbox/../outside/secret", "/sandbox/s"));
	attempt("link through symlink in", link("/sandbox/rel/secret", "/sandbox/s2"));
	attempt("unlink ../outside/secret", unlink("/sandbox/../outside/secret"));
	printf("%d escaped\n", escaped);
	return escaped;
}
