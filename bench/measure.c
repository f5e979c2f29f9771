/*
 * measure.c — `kiln-bench-measure OUT COMMAND...`: runs COMMAND with its
 * standard output in OUT (stderr discarded) and prints "WALL_MS RSS_KB
 * STATUS CPU_MS": wall time from spawn to exit, the child's peak resident
 * set size (wait4's ru_maxrss), its exit status (128 + signal if killed)
 * and its CPU time, user + system, of all its threads and of the children
 * it waited for (wait4's rusage).  On a shared machine CPU time leaves out
 * the time the child spent waiting for a CPU, which wall time includes;
 * neither counts a process the child left running (kiln's background
 * cache fill).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double ms_of(struct timeval tv)
{
	return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	if (argc < 3)
		return fprintf(stderr, "usage: kiln-bench-measure OUT COMMAND [ARG]...\n"), 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0)
		return fprintf(stderr, "kiln-bench-measure: cannot run %s\n", argv[2]), 1;
	if (wait4(pid, &status, 0, &ru) != pid)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.3f %ld %d %.3f\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       ms_of(ru.ru_utime) + ms_of(ru.ru_stime));
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}
