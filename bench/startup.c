/*
 * startup.c — `kiln-bench-startup RUNS COMMAND...`: how long after its
 * process starts a kiln command enters the module's entry point.
 *
 * Each run stamps the time, starts COMMAND (which must take --stats) with
 * posix_spawn and that time in $KILN_STATS_T0, and reads the "entry: X ms
 * after start" line kiln prints; so exec and dynamic linking count.  The
 * same is done for /bin/true (spawn to exit) as the floor any process
 * pays on this machine.  Prints the median and the range of each.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double realtime(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run: the entry time in ms, or -1. */
static double run(char **argv)
{
	char t0[64], line[256], path[] = "/tmp/kiln-startup-XXXXXX";
	posix_spawn_file_actions_t fa;
	double ms = -1;
	int fd = mkstemp(path), status;
	pid_t pid;
	FILE *f;

	if (fd < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1 /* O_WRONLY */, 0);
	snprintf(t0, sizeof t0, "%.6f", realtime());
	setenv("KILN_STATS_T0", t0, 1);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0 &&
	    waitpid(pid, &status, 0) == pid) {
		if (!strcmp(argv[0], "/bin/true"))
			ms = (realtime() - atof(t0)) * 1e3;
		else if ((f = fopen(path, "r")) != NULL) {
			while (fgets(line, sizeof line, f))
				if (sscanf(line, "entry: %lf ms after start", &ms) == 1)
					break;
			fclose(f);
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	unlink(path);
	return ms;
}

static int report(const char *what, char **argv, int runs)
{
	double *t = calloc((size_t)runs, sizeof *t);

	for (int i = 0; i < runs; i++)
		if ((t[i] = run(argv)) < 0) {
			fprintf(stderr, "kiln-bench-startup: %s gave no entry time\n", argv[0]);
			free(t);
			return 1;
		}
	qsort(t, (size_t)runs, sizeof *t, cmp);
	printf("%s: median %.3f ms (%.3f - %.3f) over %d runs\n", what, t[runs / 2], t[0],
	       t[runs - 1], runs);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[1]) : 0;

	if (runs < 1 || argv[2][0] != '/')
		return fprintf(stderr, "usage: kiln-bench-startup RUNS /ABS/PATH/COMMAND [ARG]...\n"), 2;
	return report("process start to entry", argv + 2, runs) ||
	       report("floor: /bin/true, spawn to exit", (char *[]){"/bin/true", NULL}, runs);
}
