/*
 * files.c — files and directories under a preopened directory: create,
 * write, read, seek, stat, list, rename, symlink, truncate, remove.
 * Prints what it sees; the test compares it with files.expected.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check(int ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *dir)
{
	char *names[16];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return check(0, "opendir");
	while ((e = readdir(d)) && n < 16)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	printf("%s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
	return 0;
}

int main(void)
{
	char buf[64] = {0};
	struct stat st;
	int bad = 0, fd;
	FILE *f;

	bad += check(mkdir("/sandbox/dir", 0755) == 0, "mkdir");
	f = fopen("/sandbox/dir/a.txt", "w");
	bad += check(f && fputs("hello, sandbox\n", f) >= 0 && fclose(f) == 0, "write");
	f = fopen("/sandbox/dir/a.txt", "r");
	bad += check(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "hello, sandbox\n"), "read back");
	if (f) {
		fseek(f, 7, SEEK_SET);
		bad += check(ftell(f) == 7 && fgetc(f) == 's', "seek and tell");
		fclose(f);
	}
	bad += check(stat("/sandbox/dir/a.txt", &st) == 0 && st.st_size == 15 && S_ISREG(st.st_mode), "stat");
	bad += check(rename("/sandbox/dir/a.txt", "/sandbox/dir/b.txt") == 0, "rename");
	bad += check(symlink("b.txt", "/sandbox/dir/link") == 0, "symlink");
	memset(buf, 0, sizeof buf);
	bad += check(readlink("/sandbox/dir/link", buf, sizeof buf) == 5 && !strcmp(buf, "b.txt"), "readlink");
	f = fopen("/sandbox/dir/link", "r");
	bad += check(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "hello, sandbox\n"), "open through symlink");
	if (f)
		fclose(f);
	fd = open("/sandbox/dir/b.txt", O_WRONLY);
	bad += check(fd >= 0 && ftruncate(fd, 5) == 0 && close(fd) == 0, "truncate");
	bad += check(stat("/sandbox/dir/b.txt", &st) == 0 && st.st_size == 5, "size after truncate");
	bad += list("/sandbox/dir");
	bad += check(unlink("/sandbox/dir/link") == 0 && unlink("/sandbox/dir/b.txt") == 0, "unlink");
	bad += check(rmdir("/sandbox/dir") == 0, "rmdir");
	bad += check(stat("/sandbox/dir", &st) != 0, "gone");
	printf("%d failed\n", bad);
	return bad;
}
