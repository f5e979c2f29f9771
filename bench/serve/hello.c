/* hello.c — the smallest WAGI handler: a fixed text answer. */
#include <stdio.h>

int main(void)
{
	printf("Content-Type: text/plain\n\nhello, world\n");
	return 0;
}
