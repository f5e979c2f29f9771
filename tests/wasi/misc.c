/*
 * misc.c — arguments, environment, clocks, random numbers, stdin and the
 * exit code.  Usage: misc ARGS... (with KILN_TEST=yes in the environment
 * and a line on stdin); exits 7.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	unsigned char r[32] = {0};
	char line[128];
	int nonzero = 0;

	printf("argc %d:", argc);
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\nKILN_TEST=%s HOME=%s\n", getenv("KILN_TEST") ? getenv("KILN_TEST") : "(unset)",
	       getenv("HOME") ? "set" : "(unset)");
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (volatile int i = 0; i < 1000000; i++)
		;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("monotonic clock advances: %s\n",
	       (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec > a.tv_nsec)) ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &a);
	printf("realtime after 2020: %s\n", a.tv_sec > 1577836800 ? "yes" : "no");
	getentropy(r, sizeof r);
	for (size_t i = 0; i < sizeof r; i++)
		nonzero += r[i] != 0;
	printf("random bytes: %s\n", nonzero > 16 ? "yes" : "no");
	clock_gettime(CLOCK_MONOTONIC, &a);
	usleep(20000);	/* poll_oneoff with a clock subscription */
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("usleep(20ms) sleeps: %s\n",
	       (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) >= 20000000L ? "yes" : "no");
	if (fgets(line, sizeof line, stdin))
		printf("stdin: %s", line);
	fflush(stdout);
	exit(7);
}
