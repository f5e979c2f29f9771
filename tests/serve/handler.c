/*
 * handler.c — the WAGI handler kiln serve's tests run: what it answers
 * depends on PATH_INFO.
 *   /hello      200, "hello, world"
 *   /env        the CGI variables it was given, then its body upper-cased
 *   /status     404 with a header of its own
 *   /redirect   Location alone: 302
 *   /count      a static counter, incremented: 1 when every request gets a
 *               fresh instance
 *   /big        a 1 MiB body
 *   /trap       traps (unreachable)
 *   /spin       never ends (for --timeout)
 *   /grow       allocates until malloc fails, then exits with 12 (ENOMEM)
 *               when that came below 1 MiB (--max-memory 1MiB), else 13
 *   /exit3      exits with 3
 *   /deep?N     recurses N calls deep on the wasm stack, then prints N
 *   /noheaders  prints no blank line
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count;

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v ? v : "(unset)";
}

/* Not a loop, nor a tail call: each level keeps a frame. */
__attribute__((noinline)) static unsigned deep(unsigned n)
{
	return n == 0 ? 0 : deep(n - 1) * 31 + 1;
}

static void show_env(void)
{
	static const char *const names[] = {
		"GATEWAY_INTERFACE", "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING",
		"CONTENT_TYPE", "CONTENT_LENGTH", "SERVER_PROTOCOL", "HTTP_X_KILN_TEST",
		"REMOTE_ADDR",
	};
	int c;

	printf("Content-Type: text/plain\n\n");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		printf("%s=%s\n", names[i], env(names[i]));
	while ((c = getchar()) != EOF)
		putchar(toupper(c));
}

int main(void)
{
	const char *path = env("PATH_INFO");

	if (!strcmp(path, "/hello")) {
		printf("Content-Type: text/plain\n\nhello, world\n");
	} else if (!strcmp(path, "/env")) {
		show_env();
	} else if (!strcmp(path, "/status")) {
		printf("Status: 404 Not Found\r\nX-Handler: kiln-test\r\n\r\nnothing here\n");
	} else if (!strcmp(path, "/redirect")) {
		printf("Location: /hello\n\n");
	} else if (!strcmp(path, "/count")) {
		printf("Content-Type: text/plain\n\n%d\n", ++count);
	} else if (!strcmp(path, "/big")) {
		printf("Content-Type: application/octet-stream\n\n");
		for (int i = 0; i < 1 << 20; i++)
			putchar('a' + i % 26);
	} else if (!strcmp(path, "/trap")) {
		__builtin_trap();
	} else if (!strcmp(path, "/spin")) {
		for (volatile unsigned i = 0;; i++)
			;
	} else if (!strcmp(path, "/grow")) {
		/* Kept, so that the compiler cannot drop the malloc. */
		static void *volatile last;
		unsigned long got = 0;

		while ((last = malloc(1 << 16)))
			got += 1 << 16;
		exit(got < 1 << 20 ? 12 : 13);
	} else if (!strcmp(path, "/deep")) {
		unsigned n = (unsigned)strtoul(env("QUERY_STRING"), NULL, 10);

		printf("Content-Type: text/plain\n\n%u %u\n", n, deep(n));
	} else if (!strcmp(path, "/exit3")) {
		exit(3);
	} else if (!strcmp(path, "/noheaders")) {
		printf("just text\n");
	} else {
		printf("Status: 404 Not Found\nContent-Type: text/plain\n\nno route %s\n", path);
	}
	return 0;
}
