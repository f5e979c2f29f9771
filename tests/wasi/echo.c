/*
 * echo.c — accepts one connection on the preopened listening socket
 * (fd 3), reads a line, sends it back upper-cased, shuts down and exits.
 */
#include <ctype.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	char buf[256];
	ssize_t n, got = 0;
	int c = accept(3, NULL, NULL);

	if (c < 0) {
		perror("accept");
		return 1;
	}
	while (got < (ssize_t)sizeof buf && (n = recv(c, buf + got, sizeof buf - (size_t)got, 0)) > 0) {
		got += n;
		if (buf[got - 1] == '\n')
			break;
	}
	for (ssize_t i = 0; i < got; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
	if (send(c, buf, (size_t)got, 0) != got) {
		perror("send");
		return 1;
	}
	shutdown(c, SHUT_RDWR);
	close(c);
	printf("echoed %zd bytes\n", got);
	return 0;
}
