/*
 * sleeper.c — a WAGI handler that blocks in a WASI call (for kiln serve's
 * handler timeout):
 *   /sleep   sleep(30) (poll_oneoff on a clock), then "awake"
 *   else     "hello"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	const char *path = getenv("PATH_INFO");

	if (path && !strcmp(path, "/sleep")) {
		sleep(30);
		printf("Content-Type: text/plain\n\nawake\n");
		return 0;
	}
	printf("Content-Type: text/plain\n\nhello\n");
	return 0;
}
